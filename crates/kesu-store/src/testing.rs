//! Test harness: run one test body against every backend available.
//!
//! SQLite always (a temporary file in WAL mode, like production); PostgreSQL too when
//! `KESU_TEST_PG_URL` is set (`scripts/pg.sh` starts a throwaway cluster and sets it). Each run
//! gets a fresh database — a new file, or a new PostgreSQL schema dropped afterwards — with the
//! migrations applied, so tests run in parallel (nextest) without seeing each other's rows.
//!
//! ```ignore
//! #[tokio::test]
//! async fn a_plan_imported_twice_is_stored_once() {
//!     kesu_store::testing::each_backend(|db| async move {
//!         // … use `db` …
//!     })
//!     .await;
//! }
//! ```

use crate::{Db, StoreResult};
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};

/// The environment variable naming the PostgreSQL server for tests.
pub const PG_URL_VAR: &str = "KESU_TEST_PG_URL";

/// A fresh, migrated database for one test. Call [`TestDb::cleanup`] when done (or let
/// [`each_backend`] do it).
pub struct TestDb {
    pub db: Db,
    /// Keeps the SQLite file's directory alive.
    dir: Option<tempfile::TempDir>,
    /// The PostgreSQL server and schema to drop afterwards.
    pg: Option<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    /// A fresh SQLite database in a temporary directory.
    pub async fn sqlite() -> StoreResult<Self> {
        let dir = tempfile::tempdir().map_err(|e| crate::StoreError::Io {
            path: std::env::temp_dir().display().to_string(),
            source: e,
        })?;
        let url = crate::default_url(dir.path());
        let db = Db::open(&url).await?;
        Ok(Self {
            db,
            dir: Some(dir),
            pg: None,
        })
    }

    /// A fresh schema on the PostgreSQL server at `url`, with every connection's search path
    /// set to it.
    pub async fn postgres(url: &str) -> StoreResult<Self> {
        let schema = format!(
            "kesu_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        );
        let admin = Db::connect_postgres(url, None).await?;
        if let Db::Postgres(p) = &admin {
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA \"{schema}\"")))
                .execute(p)
                .await?;
        }
        admin.close().await;
        let db = Db::connect_postgres(url, Some(&schema)).await?;
        db.migrate().await?;
        Ok(Self {
            db,
            dir: None,
            pg: Some((url.to_string(), schema)),
        })
    }

    /// A database URL that reaches this test database, for running the `kesu` binary on it
    /// (PostgreSQL: the server URL with `options[search_path]` set to the test schema).
    pub fn url(&self) -> String {
        match (&self.dir, &self.pg) {
            (Some(d), _) => crate::default_url(d.path()),
            (None, Some((url, schema))) => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}options[search_path]={schema}")
            }
            (None, None) => String::new(),
        }
    }

    /// The backend's name, for messages.
    pub fn name(&self) -> &'static str {
        self.db.backend().name()
    }

    /// Close the pool and remove the database.
    pub async fn cleanup(self) {
        self.db.close().await;
        if let Some((url, schema)) = &self.pg
            && let Ok(Db::Postgres(p)) = Db::connect_postgres(url, None).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA \"{schema}\" CASCADE"
            )))
            .execute(&p)
            .await;
            p.close().await;
        }
        drop(self.dir);
    }
}

/// Fresh databases for every backend available: SQLite, and PostgreSQL when
/// `KESU_TEST_PG_URL` is set.
pub async fn backends() -> Vec<TestDb> {
    let mut out = Vec::new();
    match TestDb::sqlite().await {
        Ok(t) => out.push(t),
        Err(e) => panic!("cannot create the SQLite test database: {e}"),
    }
    if let Ok(url) = std::env::var(PG_URL_VAR)
        && !url.trim().is_empty()
    {
        match TestDb::postgres(&url).await {
            Ok(t) => out.push(t),
            Err(e) => panic!("{PG_URL_VAR} is set but the PostgreSQL test database failed: {e}"),
        }
    }
    out
}

/// Run `body` once per backend, each time on a fresh migrated database, and clean up after
/// each run even when the body panics (the panic is then re-raised, naming the backend).
pub async fn each_backend<F, Fut>(body: F)
where
    F: Fn(Db) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    for t in backends().await {
        let name = t.name();
        eprintln!("-- backend: {name}");
        let result = tokio::spawn(body(t.db.clone())).await;
        t.cleanup().await;
        if let Err(e) = result {
            eprintln!("-- failed on backend: {name}");
            if e.is_panic() {
                std::panic::resume_unwind(e.into_panic());
            }
            panic!("test on {name} was cancelled: {e}");
        }
    }
}
