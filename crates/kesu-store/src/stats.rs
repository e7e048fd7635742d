//! What the store tells the operator about itself: how long writes queue for the database, how
//! busy the connection pools are, and whether the schema is the one this binary expects. The
//! web's `/metrics` and `/readyz` read these; the numbers are recorded through the `metrics`
//! facade, so the store knows nothing of Prometheus.

use crate::{Db, StoreResult};
use std::time::Duration;

/// Histogram: seconds a write waited for its turn at SQLite's single writer (the write gate of
/// `Db::begin`).
pub const WRITE_WAIT: &str = "kesu_db_write_wait_seconds";

/// Record how long a write waited before its transaction began: `Db::begin` calls this with
/// the time from asking for SQLite's write permit to holding it (or giving up).
pub fn write_waited(waited: Duration) {
    metrics::histogram!(WRITE_WAIT).record(waited.as_secs_f64());
}

/// A pool's connections right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    /// Open connections (busy and idle).
    pub open: u32,
    pub idle: u32,
    /// The most it will open.
    pub max: u32,
}

impl PoolUse {
    pub fn busy(&self) -> u32 {
        self.open.saturating_sub(self.idle)
    }
}

/// The pool's connections right now (no query).
pub fn pool_use(db: &Db) -> PoolUse {
    let (open, idle, max) = match db {
        Db::Sqlite(p, ..) => (p.size(), p.num_idle(), p.options().get_max_connections()),
        Db::Postgres(p) => (p.size(), p.num_idle(), p.options().get_max_connections()),
    };
    PoolUse {
        open,
        idle: u32::try_from(idle).unwrap_or(u32::MAX),
        max,
    }
}

/// The schema versions: applied to the database, and the newest this binary knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaState {
    pub applied: i64,
    pub known: i64,
}

impl SchemaState {
    /// The database has exactly the migrations this binary brings: not behind (migrations
    /// pending), not ahead (a newer binary migrated it; this one may misread it).
    pub fn is_current(&self) -> bool {
        self.applied == self.known
    }
}

/// Ask the database something (it answers, within `timeout`), and read its schema version.
pub async fn schema_state(db: &Db, timeout: Duration) -> StoreResult<SchemaState> {
    let applied = tokio::time::timeout(timeout, db.applied_migrations())
        .await
        .map_err(|_| crate::StoreError::Db(sqlx::Error::PoolTimedOut))??;
    Ok(SchemaState {
        applied: applied.last().copied().unwrap_or(0),
        known: crate::migrations::ALL
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or(0),
    })
}
