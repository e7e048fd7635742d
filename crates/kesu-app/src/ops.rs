//! Running an installation: backups, restores and the move from SQLite to PostgreSQL. Only the
//! operator (the CLI, and Kesu's own scheduled jobs) may do these: they read or replace
//! everything, personal data included.
//!
//! - [`backup`]: the database as it is at one instant (SQLite `VACUUM INTO` while the server
//!   runs; PostgreSQL `pg_dump` from a snapshot) with its row counts and checksums, and the
//!   evidence files, in one archive ([`archive`]) that is written under a temporary name, synced,
//!   made private and renamed. The backup is recorded in the audit log.
//! - [`restore`]: an archive into an empty database (refusing any other), checked against the
//!   manifest's row counts and checksums, then migrated to this binary's schema; the evidence
//!   files into the files directory. A SQLite backup also restores into PostgreSQL (through
//!   [`copy_to_postgres`]).
//! - [`copy_to_postgres`]: a whole SQLite installation into an empty PostgreSQL database, all or
//!   nothing, verified table by table.

pub mod archive;

use crate::{Caller, Ctx, Error, Principal, Result};
use archive::{FileCount, Manifest};
use kesu_store::{Backend, Db, backup, copy};
use std::path::{Path, PathBuf};

fn operator_only(caller: &Caller) -> Result<()> {
    match caller.principal {
        Principal::Operator => Ok(()),
        _ => Err(Error::Forbidden),
    }
}

fn fs_err(path: &Path, e: std::io::Error) -> Error {
    Error::Unavailable(format!("{}：{e} (file error)", path.display()))
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("backup task: {e}")))?
}

/// A work directory beside `near` (same file system: the final renames stay atomic, and the
/// space used is where the result goes).
fn work_dir(near: &Path) -> Result<tempfile::TempDir> {
    let dir = near
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| fs_err(dir, e))?;
    tempfile::Builder::new()
        .prefix(".kesu-work-")
        .tempdir_in(dir)
        .map_err(|e| fs_err(dir, e))
}

async fn schema_version(db: &Db) -> Result<i64> {
    Ok(db.applied_migrations().await?.last().copied().unwrap_or(0))
}

/// Back up the database of `ctx` (reachable again at `url`, which `pg_dump` needs) and the
/// evidence files under `files_dir` into the archive `out`, which must not exist.
pub async fn backup(
    ctx: &Ctx,
    caller: &Caller,
    url: &str,
    files_dir: &Path,
    out: &Path,
) -> Result<Manifest> {
    operator_only(caller)?;
    if out.exists() {
        return Err(Error::invalid_field(
            "output",
            format!(
                "{} 已存在，不会覆盖 (exists; not overwritten)",
                out.display()
            ),
        ));
    }
    let work = work_dir(out)?;
    let (db_name, tables) = match ctx.db.backend() {
        Backend::Sqlite => {
            let file = work.path().join(archive::SQLITE_FILE);
            backup::sqlite_snapshot(&ctx.db, &file).await?;
            // The checksums of the copy itself: what a restore must find.
            let snap = backup::open_sqlite_readonly(&file).await?;
            let sums = copy::checksums(&snap).await;
            snap.close().await;
            (archive::SQLITE_FILE, sums?)
        }
        Backend::Postgres => {
            let file = work.path().join(archive::PG_FILE);
            let sums = backup::postgres_dump(&ctx.db, url, &file).await?;
            (archive::PG_FILE, sums)
        }
    };
    let files = archive::evidence_files(files_dir)?;
    let mut count = FileCount::default();
    for f in &files {
        let p = files_dir.join(f);
        count.count += 1;
        count.bytes += std::fs::metadata(&p).map_err(|e| fs_err(&p, e))?.len();
    }
    let manifest = Manifest {
        format: archive::FORMAT.into(),
        created_at: ctx
            .now()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        kesu_version: env!("CARGO_PKG_VERSION").into(),
        backend: ctx.db.backend().name().into(),
        schema_version: schema_version(&ctx.db).await?,
        tables,
        files: count,
    };
    let tmp = backup::partial_name(out);
    let (m, o, d, fd) = (
        manifest.clone(),
        tmp.clone(),
        work.path().join(db_name),
        files_dir.to_path_buf(),
    );
    let written = blocking(move || archive::write(&o, &m, &d, db_name, &fd, &files)).await;
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    backup::seal(&tmp, out)?;
    drop(work);
    let mut tx = ctx.db.begin().await?;
    kesu_store::audit::record(
        &mut tx,
        &caller.audit,
        "ops.backup",
        &format!("backup:{}", out.display()),
        None,
        Some(&serde_json::json!({
            "rows": manifest.rows(),
            "tables": manifest.tables.len(),
            "files": manifest.files.count,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(manifest)
}

/// What a restore brought back.
#[derive(Debug, Clone)]
pub struct Restored {
    pub manifest: Manifest,
    /// Evidence files written (those already present with the same content are kept).
    pub files_written: u64,
}

/// Restore the archive at `archive` into the empty database at `url`, and its evidence files
/// into `files_dir`.
pub async fn restore(
    caller: &Caller,
    archive_path: &Path,
    url: &str,
    files_dir: &Path,
) -> Result<Restored> {
    operator_only(caller)?;
    let sqlite_target = backup::sqlite_path(url);
    let work = work_dir(sqlite_target.as_deref().unwrap_or(files_dir))?;
    let (a, w) = (archive_path.to_path_buf(), work.path().to_path_buf());
    let unpacked = blocking(move || archive::read(&a, &w)).await?;
    let m = &unpacked.manifest;
    // The database file first: nothing of a damaged backup reaches the target.
    match m.backend.as_str() {
        "sqlite" => {
            let snap = backup::open_sqlite_readonly(&unpacked.db).await?;
            let sums = copy::checksums(&snap).await;
            snap.close().await;
            backup::verify(&m.tables, &sums?)?;
        }
        "postgres" => {}
        other => {
            return Err(Error::invalid(format!(
                "未知的数据库类型 {other} (unknown backend)"
            )));
        }
    }
    match (m.backend.as_str(), &sqlite_target) {
        ("sqlite", Some(target)) => restore_sqlite_file(&unpacked.db, target).await?,
        ("sqlite", None) => {
            // Into PostgreSQL: through the copy, with its own checks.
            let src = Db::open(&kesu_store::default_url(work.path())).await?;
            let dst = Db::open(url).await;
            let copied = match dst {
                Ok(dst) => {
                    let r = copy::sqlite_to_postgres(&src, &dst, &mut |_, _| {}).await;
                    dst.close().await;
                    r
                }
                Err(e) => Err(e),
            };
            src.close().await;
            copied?;
        }
        ("postgres", None) => {
            let db = Db::connect(url).await?;
            let result = restore_postgres(&db, url, &unpacked.db, m).await;
            db.close().await;
            result?;
        }
        _ => {
            return Err(Error::invalid(
                "PostgreSQL 的备份只能恢复到 PostgreSQL (a PostgreSQL backup restores into PostgreSQL)",
            ));
        }
    }
    // Bring the schema up to this binary's, and record the restore in the restored log.
    let db = Db::open(url).await?;
    let written = restore_files(&work.path().join("files"), &unpacked.files, files_dir);
    let audited = async {
        let mut tx = db.begin().await?;
        kesu_store::audit::record(
            &mut tx,
            &caller.audit,
            "ops.restore",
            &format!("backup:{}", archive_path.display()),
            None,
            Some(&serde_json::json!({
                "created_at": m.created_at,
                "rows": m.rows(),
                "files": m.files.count,
            })),
        )
        .await?;
        tx.commit().await
    }
    .await;
    db.close().await;
    let files_written = written?;
    audited?;
    Ok(Restored {
        manifest: unpacked.manifest,
        files_written,
    })
}

/// Put a checked SQLite file in place of `target`, which must not exist or hold no rows.
async fn restore_sqlite_file(file: &Path, target: &Path) -> Result<()> {
    if target.exists() {
        let existing = Db::connect(&format!("sqlite://{}", target.display())).await?;
        let full = copy::nonempty_tables(&existing).await;
        existing.close().await;
        let full = full?;
        if !full.is_empty() {
            return Err(not_empty(&full));
        }
        for suffix in ["", "-wal", "-shm"] {
            let p = PathBuf::from(format!("{}{suffix}", target.display()));
            if p.exists() {
                std::fs::remove_file(&p).map_err(|e| fs_err(&p, e))?;
            }
        }
    }
    let tmp = backup::partial_name(target);
    std::fs::rename(file, &tmp).map_err(|e| fs_err(&tmp, e))?;
    backup::seal(&tmp, target)?;
    Ok(())
}

fn not_empty(tables: &[String]) -> Error {
    Error::Conflict(format!(
        "目标数据库非空（{} 等表已有数据），恢复只能进入空数据库 (the target database is not empty)",
        tables
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("、")
    ))
}

async fn restore_postgres(db: &Db, url: &str, dump: &Path, m: &Manifest) -> Result<()> {
    let n = backup::table_count(db).await?;
    if n > 0 {
        return Err(Error::Conflict(format!(
            "目标数据库已有 {n} 张表：PostgreSQL 的恢复需要一个新建的空数据库（createdb）\
             (restore needs a freshly created, empty database)"
        )));
    }
    backup::postgres_restore(db, url, dump).await?;
    let sums = copy::checksums(db).await?;
    backup::verify(&m.tables, &sums)?;
    Ok(())
}

/// Copy evidence files into `dest`, each through a temporary name; a file already there (same
/// name = same content hash) is kept.
fn restore_files(from: &Path, files: &[PathBuf], dest: &Path) -> Result<u64> {
    let mut written = 0;
    for rel in files {
        let target = dest.join(rel);
        if target.exists() {
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| fs_err(parent, e))?;
        }
        let tmp = backup::partial_name(&target);
        std::fs::copy(from.join(rel), &tmp).map_err(|e| fs_err(&tmp, e))?;
        std::fs::rename(&tmp, &target).map_err(|e| fs_err(&target, e))?;
        written += 1;
    }
    Ok(written)
}

/// Copy the SQLite installation of `ctx` into the empty PostgreSQL database `to` (migrated
/// here first), all or nothing; see [`kesu_store::copy::sqlite_to_postgres`]. `progress` hears
/// each table as it is done.
pub async fn copy_to_postgres(
    ctx: &Ctx,
    caller: &Caller,
    to: &str,
    progress: &mut (dyn FnMut(&str, u64) + Send),
) -> Result<copy::CopyReport> {
    operator_only(caller)?;
    if ctx.db.backend() != Backend::Sqlite {
        return Err(Error::invalid(
            "源数据库应为 SQLite（--data-dir 或 --database-url sqlite://…）(the source must be SQLite)",
        ));
    }
    if !to.trim().to_ascii_lowercase().starts_with("postgres") {
        return Err(Error::invalid_field(
            "to",
            "目标应为 postgres://… (the target must be PostgreSQL)",
        ));
    }
    // Recorded in the source first, so that the copy carries it too and the two agree row for
    // row.
    let mut tx = ctx.db.begin().await?;
    kesu_store::audit::record(
        &mut tx,
        &caller.audit,
        "ops.copy",
        &format!("database:{}", kesu_store::redact_url(to)),
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    let dst = Db::open(to).await?;
    let report = copy::sqlite_to_postgres(&ctx.db, &dst, progress).await;
    dst.close().await;
    Ok(report?)
}
