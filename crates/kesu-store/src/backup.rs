//! The database side of backups: a consistent copy of a SQLite file while the server keeps
//! running (`VACUUM INTO`), a PostgreSQL dump through `pg_dump` from an exported snapshot, their
//! restores, and the checks that a restore goes into an empty database. Each backup comes with
//! the row counts and checksums of the very state it holds ([`crate::copy`]), so a restore can
//! prove it brought back the same rows.

use crate::copy::{self, TableSum};
use crate::{Db, StoreError, StoreResult};
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use std::path::{Path, PathBuf};
use std::str::FromStr;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// A name next to `dest` for the file being written, so that `dest` appears complete or not at
/// all (rename is atomic within a directory).
pub fn partial_name(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "backup".into());
    dest.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

/// Make the file at `tmp` durable and private (0600: it holds everything), then move it to
/// `dest`.
pub fn seal(tmp: &Path, dest: &Path) -> StoreResult<()> {
    let f = std::fs::File::open(tmp).map_err(io(tmp))?;
    f.sync_all().map_err(io(tmp))?;
    drop(f);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp, std::fs::Permissions::from_mode(0o600)).map_err(io(tmp))?;
    }
    std::fs::rename(tmp, dest).map_err(io(dest))?;
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        // The rename itself is durable once the directory is synced.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// The file a `sqlite://PATH` URL names (as [`Db::connect`] reads it); `None` for PostgreSQL
/// and in-memory databases.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or("");
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// A consistent copy of a live SQLite database at `dest` (which must not exist), taken with
/// `VACUUM INTO` while others keep reading and writing: written to a temporary name, synced,
/// made private (0600), then renamed. It needs free space about the size of the database.
pub async fn sqlite_snapshot(db: &Db, dest: &Path) -> StoreResult<()> {
    let Db::Sqlite(p, ..) = db else {
        return Err(StoreError::Invalid(
            "VACUUM INTO 只适用于 SQLite (SQLite only)".into(),
        ));
    };
    if dest.exists() {
        return Err(StoreError::Invalid(format!(
            "{} 已存在，不会覆盖 (exists; not overwritten)",
            dest.display()
        )));
    }
    let tmp = partial_name(dest);
    if tmp.exists() {
        std::fs::remove_file(&tmp).map_err(io(&tmp))?;
    }
    let target = tmp.to_string_lossy().into_owned();
    // Not in a transaction (VACUUM cannot be), on a connection of its own from the pool; the
    // path is bound, never spliced into the SQL.
    let vacuum = sqlx::query("VACUUM INTO $1").bind(&target).execute(p).await;
    if let Err(e) = vacuum {
        let _ = std::fs::remove_file(&tmp);
        return Err(e.into());
    }
    seal(&tmp, dest)
}

/// Open a SQLite file read-only, without touching it (no WAL switch, no migration): for a
/// snapshot being checked.
pub async fn open_sqlite_readonly(path: &Path) -> StoreResult<Db> {
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .create_if_missing(false);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await
        .map_err(|e| StoreError::Connect {
            url: path.display().to_string(),
            source: e,
        })?;
    Ok(Db::Sqlite(pool, crate::db::WriteGate::new()))
}

/// How to reach the database of `url` with libpq's tools: environment variables (the password
/// in `PGPASSWORD`, never on a command line that `ps` shows) and the database name.
fn libpq_env(url: &str) -> StoreResult<(Vec<(&'static str, String)>, String)> {
    let opts = PgConnectOptions::from_str(url).map_err(|e| StoreError::BadUrl {
        url: crate::redact_url(url),
        reason: e.to_string(),
    })?;
    let mut env = vec![
        (
            "PGHOST",
            opts.get_socket()
                .map(|s| s.display().to_string())
                .unwrap_or_else(|| opts.get_host().to_string()),
        ),
        ("PGPORT", opts.get_port().to_string()),
        ("PGUSER", opts.get_username().to_string()),
        ("PGAPPNAME", "kesu-backup".to_string()),
    ];
    use sqlx::postgres::PgSslMode as M;
    let ssl = match opts.get_ssl_mode() {
        M::Disable => "disable",
        M::Allow => "allow",
        M::Prefer => "prefer",
        M::Require => "require",
        M::VerifyCa => "verify-ca",
        M::VerifyFull => "verify-full",
    };
    env.push(("PGSSLMODE", ssl.to_string()));
    if let Some(o) = opts.get_options() {
        env.push(("PGOPTIONS", o.to_string()));
    }
    if let Some(pw) = password(url) {
        env.push(("PGPASSWORD", pw));
    }
    let dbname = opts
        .get_database()
        .map(String::from)
        .unwrap_or_else(|| opts.get_username().to_string());
    Ok((env, dbname))
}

/// The percent-decoded password of a URL, if it has one.
fn password(url: &str) -> Option<String> {
    let rest = &url[url.find("://")? + 3..];
    let userinfo = &rest[..rest.find('@')?];
    let raw = &userinfo[userinfo.find(':')? + 1..];
    let mut out = Vec::with_capacity(raw.len());
    let b = raw.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(h) = raw.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(h, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The PostgreSQL tool `name` for a server of `major` version: Debian's
/// `/usr/lib/postgresql/MAJOR/bin` first (a dump needs a `pg_dump` at least as new as the
/// server), then `PATH`.
fn pg_tool(name: &str, major: i64) -> StoreResult<PathBuf> {
    let debian = PathBuf::from(format!("/usr/lib/postgresql/{major}/bin/{name}"));
    if debian.is_file() {
        return Ok(debian);
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    on_path.ok_or_else(|| {
        StoreError::Unavailable(format!(
            "未找到 {name}：请安装与服务器同版本的 PostgreSQL 客户端 \
             (Debian: apt install postgresql-client-{major}) ({name} not found)"
        ))
    })
}

async fn server_major(c: &mut sqlx::PgConnection) -> StoreResult<i64> {
    let v: String = sqlx::query_scalar("SHOW server_version_num")
        .fetch_one(&mut *c)
        .await?;
    Ok(v.trim().parse::<i64>().unwrap_or(0) / 10000)
}

async fn run_tool(tool: &Path, args: &[String], env: &[(&'static str, String)]) -> StoreResult<()> {
    let mut cmd = tokio::process::Command::new(tool);
    cmd.args(args);
    for k in ["PGSERVICE", "PGSERVICEFILE", "PGPASSFILE", "PGDATABASE"] {
        cmd.env_remove(k);
    }
    cmd.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    let out = cmd.output().await.map_err(|e| {
        StoreError::Unavailable(format!("无法运行 {}：{e} (cannot run)", tool.display()))
    })?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    Err(StoreError::Unavailable(format!(
        "{} 失败 (failed): {}",
        tool.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        stderr.trim()
    )))
}

/// Dump the PostgreSQL database of `db` (reached again at `url` by `pg_dump`) into `dest` (custom
/// format, which must not exist), and return the row counts and checksums of exactly the state
/// dumped: both are read from one snapshot (`pg_export_snapshot`, `pg_dump --snapshot`), so
/// writes during the dump are in neither.
pub async fn postgres_dump(db: &Db, url: &str, dest: &Path) -> StoreResult<Vec<TableSum>> {
    let Db::Postgres(p) = db else {
        return Err(StoreError::Invalid(
            "pg_dump 只适用于 PostgreSQL (PostgreSQL only)".into(),
        ));
    };
    if dest.exists() {
        return Err(StoreError::Invalid(format!(
            "{} 已存在，不会覆盖 (exists; not overwritten)",
            dest.display()
        )));
    }
    let (env, dbname) = libpq_env(url)?;
    let mut tx = p
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await?;
    let tool = pg_tool("pg_dump", server_major(&mut tx).await?)?;
    let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
        .fetch_one(&mut *tx)
        .await?;
    let schema: String = sqlx::query_scalar("SELECT current_schema()::text")
        .fetch_one(&mut *tx)
        .await?;
    let tables = copy::postgres_tables(&mut tx).await?;
    let sums = copy::postgres_sums(&mut tx, &tables).await?;
    let tmp = partial_name(dest);
    let mut args = vec![
        format!("--snapshot={snapshot}"),
        "--format=custom".into(),
        "--no-owner".into(),
        "--no-privileges".into(),
        format!("--file={}", tmp.display()),
    ];
    if schema != "public" {
        args.push(format!("--schema={schema}"));
    }
    args.push(format!("--dbname={dbname}"));
    let dumped = run_tool(&tool, &args, &env).await;
    // The snapshot must stay open until pg_dump has started from it; now it can go.
    tx.rollback().await?;
    if let Err(e) = dumped {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    seal(&tmp, dest)?;
    Ok(sums)
}

/// Restore a custom-format dump into the empty PostgreSQL database at `url`, in one transaction
/// (`pg_restore --single-transaction --exit-on-error`): all of it or nothing.
pub async fn postgres_restore(db: &Db, url: &str, dump: &Path) -> StoreResult<()> {
    let Db::Postgres(p) = db else {
        return Err(StoreError::Invalid(
            "pg_restore 只适用于 PostgreSQL (PostgreSQL only)".into(),
        ));
    };
    let (env, dbname) = libpq_env(url)?;
    let tool = pg_tool("pg_restore", server_major(&mut *p.acquire().await?).await?)?;
    let args = vec![
        "--no-owner".to_string(),
        "--no-privileges".into(),
        "--single-transaction".into(),
        "--exit-on-error".into(),
        format!("--dbname={dbname}"),
        dump.display().to_string(),
    ];
    run_tool(&tool, &args, &env).await
}

/// Tables of any kind in the database's (current) schema, the migrations' own included: a
/// PostgreSQL restore goes only into a database without any.
pub async fn table_count(db: &Db) -> StoreResult<i64> {
    Ok(match db {
        Db::Sqlite(p, ..) => sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .fetch_one(p)
        .await?,
        Db::Postgres(p) => sqlx::query_scalar(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()",
        )
        .fetch_one(p)
        .await?,
    })
}

/// Compare restored checksums with the ones the backup recorded; `Err` names the first table
/// that differs.
pub fn verify(expected: &[TableSum], got: &[TableSum]) -> StoreResult<()> {
    for e in expected {
        match got.iter().find(|g| g.table == e.table) {
            Some(g) if g == e => {}
            Some(g) => {
                return Err(StoreError::Invalid(format!(
                    "恢复校验失败 (verification failed): 表 {} 应有 {} 行，实有 {} 行，或内容不同",
                    e.table, e.rows, g.rows
                )));
            }
            None => {
                return Err(StoreError::Invalid(format!(
                    "恢复校验失败 (verification failed): 缺少表 {} (table missing)",
                    e.table
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_reaches_libpq_through_the_environment_only() {
        let (env, db) =
            libpq_env("postgres://kesu:p%40ss@db.example:6543/kesu?sslmode=require").unwrap();
        assert_eq!(db, "kesu");
        let get = |k: &str| env.iter().find(|e| e.0 == k).map(|e| e.1.clone());
        assert_eq!(get("PGPASSWORD").as_deref(), Some("p@ss"));
        assert_eq!(get("PGHOST").as_deref(), Some("db.example"));
        assert_eq!(get("PGPORT").as_deref(), Some("6543"));
        assert_eq!(get("PGSSLMODE").as_deref(), Some("require"));
        let (env, _) = libpq_env("postgres://kesu@localhost/x?host=/tmp/sock").unwrap();
        assert!(
            env.iter()
                .any(|e| e == &("PGHOST", "/tmp/sock".to_string()))
        );
        assert!(!env.iter().any(|e| e.0 == "PGPASSWORD"));
    }
}
