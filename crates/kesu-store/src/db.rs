//! Opening a database from a URL, and transactions.

use crate::error::{StoreError, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A connection pool to SQLite or PostgreSQL. Cheap to clone (the pools are reference-counted).
///
/// SQLite has one writer at a time: its pool comes with the [`WriteGate`] that every write
/// transaction of this process passes ([`Db::begin`]).
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool, WriteGate),
    Postgres(PgPool),
}

/// The in-process queue of SQLite writers: one permit, taken by [`Db::begin`] and held by the
/// [`Tx`] until it commits, rolls back or is dropped.
///
/// Writers wait here, in the process, instead of each holding a pooled connection while it
/// waits for the file lock (which starves readers and ends in timeouts under load). The permit
/// covers only the transaction, never what comes before it: a request whose body is still
/// arriving, or a password being hashed, holds nothing that other writers need.
#[derive(Clone, Debug)]
pub struct WriteGate(Arc<Semaphore>);

impl WriteGate {
    pub(crate) fn new() -> Self {
        Self(Arc::new(Semaphore::new(1)))
    }

    async fn enter(&self) -> StoreResult<OwnedSemaphorePermit> {
        let asked = std::time::Instant::now();
        let entered = tokio::time::timeout(WRITE_QUEUE, self.0.clone().acquire_owned()).await;
        crate::stats::write_waited(asked.elapsed());
        match entered {
            Ok(Ok(permit)) => Ok(permit),
            // Closed (never, the gate is not closed) or waited too long: both are "busy".
            _ => Err(StoreError::Busy),
        }
    }
}

/// The longest a write waits for the SQLite writer before it is refused as busy: long enough
/// for any ordinary queue, short enough that a stuck writer shows as an error, not a hang.
pub const WRITE_QUEUE: Duration = Duration::from_secs(30);

/// Which database a [`Db`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// An open write transaction on either backend. Dropped without [`Tx::commit`], it rolls back.
/// On SQLite it holds the [`WriteGate`]'s permit until it ends.
#[derive(Debug)]
pub enum Tx {
    Sqlite(
        sqlx::Transaction<'static, sqlx::Sqlite>,
        OwnedSemaphorePermit,
    ),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    /// Commit; on SQLite the writer's permit is released once the commit is done.
    pub async fn commit(self) -> StoreResult<()> {
        match self {
            Self::Sqlite(t, _permit) => t.commit().await?,
            Self::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    pub async fn rollback(self) -> StoreResult<()> {
        match self {
            Self::Sqlite(t, _permit) => t.rollback().await?,
            Self::Postgres(t) => t.rollback().await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(..) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }
}

/// How long a connection waits for a lock held by another writer (SQLite) or for a free
/// connection / a server that does not answer (both).
const WAIT: Duration = Duration::from_secs(5);

impl Db {
    /// Connect and apply pending migrations: what every command and the server do on start.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let db = Self::connect(url).await?;
        db.migrate().await?;
        Ok(db)
    }

    /// Connect without migrating. `sqlite://PATH` (the file and its directory are created when
    /// missing; WAL, foreign keys on, busy timeout) or `postgres://…` / `postgresql://…`.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        match scheme(url)? {
            Backend::Sqlite => Self::connect_sqlite(url).await,
            Backend::Postgres => Self::connect_postgres(url, None).await,
        }
    }

    async fn connect_sqlite(url: &str) -> StoreResult<Self> {
        let bad = |reason: &str| StoreError::BadUrl {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let path = rest.split('?').next().unwrap_or("");
        if path.is_empty() {
            return Err(bad("缺少数据库文件路径 (no file path)"));
        }
        let in_memory = path == ":memory:";
        if !in_memory {
            let p = Path::new(path);
            if p.is_dir() {
                return Err(bad("路径是一个目录 (path is a directory)"));
            }
            if let Some(parent) = p.parent()
                && !parent.as_os_str().is_empty()
                && !parent.exists()
            {
                std::fs::create_dir_all(parent).map_err(|e| StoreError::Io {
                    path: parent.display().to_string(),
                    source: e,
                })?;
            }
        }
        // The path is taken as written (no percent-decoding), so any file name works.
        let opts = if in_memory {
            SqliteConnectOptions::from_str("sqlite::memory:").map_err(|e| bad(&e.to_string()))?
        } else {
            SqliteConnectOptions::new().filename(path)
        };
        let opts = opts
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(WAIT);
        // WAL lets readers (the web server) run while an import writes; NORMAL is safe with WAL
        // (a power cut may lose the last commits, never corrupt the file).
        let opts = if in_memory {
            opts
        } else {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
        };
        let pool = SqlitePoolOptions::new()
            .max_connections(if in_memory { 1 } else { 8 })
            .acquire_timeout(WAIT * 6)
            .connect_with(opts)
            .await
            .map_err(|e| StoreError::Connect {
                url: redact_url(url),
                source: e,
            })?;
        Ok(Self::Sqlite(pool, WriteGate::new()))
    }

    /// PostgreSQL, optionally with every connection's `search_path` set to `schema` (the test
    /// harness gives each test its own schema).
    pub(crate) async fn connect_postgres(url: &str, schema: Option<&str>) -> StoreResult<Self> {
        let mut opts = PgConnectOptions::from_str(url).map_err(|e| StoreError::BadUrl {
            url: redact_url(url),
            reason: e.to_string(),
        })?;
        // No JIT: Kesu's queries are short lookups whose estimated cost over a province's
        // million reports crosses `jit_above_cost`; compiling them took 0.7 s for a 2 ms query.
        opts = opts.options([("jit", "off")]);
        if let Some(s) = schema {
            opts = opts.options([("search_path", s)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(if schema.is_some() { 4 } else { 16 })
            .acquire_timeout(WAIT)
            .connect_with(opts)
            .await
            .map_err(|e| StoreError::Connect {
                url: redact_url(url),
                source: e,
            })?;
        Ok(Self::Postgres(pool))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(..) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// Begin a write transaction. On SQLite it first waits its turn at the [`WriteGate`] (at most
    /// [`WRITE_QUEUE`], then [`StoreError::Busy`]) and then takes the file's write lock at once
    /// (`BEGIN IMMEDIATE`), so two writers wait for each other instead of failing on a lock
    /// upgrade. Do everything slow (reading files, hashing, asking the network) before this.
    ///
    /// One task must not begin a second transaction while it holds one: on SQLite the second
    /// waits for the first and fails as busy.
    pub async fn begin(&self) -> StoreResult<Tx> {
        Ok(match self {
            Self::Sqlite(p, gate) => {
                let permit = gate.enter().await?;
                Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?, permit)
            }
            Self::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Apply pending migrations; returns the versions applied now (empty when up to date).
    pub async fn migrate(&self) -> StoreResult<Vec<i64>> {
        let before = self.applied_migrations().await?;
        on_db!(self, |p| crate::migrations::migrator_for(p).run(p).await)?;
        let after = self.applied_migrations().await?;
        Ok(after.into_iter().filter(|v| !before.contains(v)).collect())
    }

    /// Versions of the migrations applied to this database, ascending.
    pub async fn applied_migrations(&self) -> StoreResult<Vec<i64>> {
        // The table exists only once a migration has run.
        let exists: bool = match self {
            Self::Sqlite(p, _) => {
                sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
                )
                .fetch_one(p)
                .await?
                    > 0
            }
            Self::Postgres(p) => {
                sqlx::query_scalar::<_, bool>("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
                    .fetch_one(p)
                    .await?
            }
        };
        if !exists {
            return Ok(Vec::new());
        }
        Ok(on_db!(self, |p| sqlx::query_scalar::<_, i64>(
            "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version"
        )
        .fetch_all(p)
        .await)?)
    }

    /// Close every connection (SQLite then checkpoints its WAL into the main file).
    pub async fn close(&self) {
        on_db!(self, |p| p.close().await)
    }
}

fn scheme(url: &str) -> StoreResult<Backend> {
    let lower = url.trim().to_ascii_lowercase();
    if lower.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(StoreError::BadUrl {
            url: redact_url(url),
            reason: if url.trim().is_empty() {
                "地址为空 (empty)".into()
            } else {
                "只支持 sqlite:// 和 postgres:// (unsupported scheme)".into()
            },
        })
    }
}

/// The database URL to use: `database_url` if given, else `kesu.db` in `data_dir`, else in
/// [`default_data_dir`].
pub fn resolve_url(database_url: Option<&str>, data_dir: Option<&Path>) -> String {
    match (database_url, data_dir) {
        (Some(u), _) => u.to_string(),
        (None, Some(d)) => default_url(d),
        (None, None) => default_url(&default_data_dir()),
    }
}

/// `sqlite://DATA_DIR/kesu.db`.
pub fn default_url(data_dir: &Path) -> String {
    format!("sqlite://{}", data_dir.join("kesu.db").display())
}

/// Where Kesu keeps its data when no `--data-dir` is given: `$XDG_DATA_HOME/kesu`,
/// `~/.local/share/kesu`, `%APPDATA%\kesu`, or `./kesu-data` as a last resort.
pub fn default_data_dir() -> PathBuf {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(x) = env("XDG_DATA_HOME") {
        return x.join("kesu");
    }
    if let Some(h) = env("HOME") {
        return h.join(".local").join("share").join("kesu");
    }
    if let Some(a) = env("APPDATA") {
        return a.join("kesu");
    }
    PathBuf::from("kesu-data")
}

/// The URL with any password replaced by `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    // scheme://user:password@host… — only the part between the first ':' after "//" and '@'.
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[start..];
    let Some(at) = rest.find('@') else {
        return url.to_string();
    };
    let userinfo = &rest[..at];
    match userinfo.find(':') {
        Some(colon) => format!("{}{}:***{}", &url[..start], &userinfo[..colon], &rest[at..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_is_removed_from_urls_in_messages() {
        assert_eq!(
            redact_url("postgres://kesu:s3cret@db.example/kesu"),
            "postgres://kesu:***@db.example/kesu"
        );
        assert_eq!(
            redact_url("postgres://kesu@localhost/x"),
            "postgres://kesu@localhost/x"
        );
        assert_eq!(redact_url("sqlite:///tmp/a.db"), "sqlite:///tmp/a.db");
    }

    #[test]
    fn default_database_is_kesu_db_in_the_data_dir() {
        assert_eq!(
            resolve_url(None, Some(Path::new("/srv/kesu"))),
            "sqlite:///srv/kesu/kesu.db"
        );
        assert_eq!(
            resolve_url(Some("postgres://h/db"), Some(Path::new("/x"))),
            "postgres://h/db"
        );
    }
}
