//! Read replicas: PostgreSQL streaming standbys that serve reads while the primary takes the
//! writes.
//!
//! sqlx has no read/write routing, so Kesu routes by scope: [`scope`] runs a future (one web
//! request) with a replica's pool as its *reader*, and every read the store makes through
//! `on_db!` inside it goes there. Transactions (`Db::begin`, every write) always go to the
//! primary, and so does anything spawned onto another task. The web layer decides which
//! requests may read a replica (dashboards, public pages, exports, the API's reads) and keeps a
//! user's own writes visible to that user (read-your-writes): after a write it remembers the
//! primary's WAL position ([`Replicas::primary_lsn`]), and later reads use only a replica that
//! has replayed at least that far ([`Replicas::pick`]), else the primary.
//!
//! Health is checked when needed and remembered briefly (the primary for a second, a replica's
//! replay position for a fifth of one), so that routing costs a query now and then, not per
//! request; an unreachable primary ([`Replicas::primary_up`]) turns the installation read-only.

use crate::{Db, StoreError, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::future::Future;
use std::str::FromStr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

tokio::task_local! {
    static READER: PgPool;
}

/// The pool reads go to: this task's replica inside [`scope`], else `primary`.
pub fn reader(primary: &PgPool) -> PgPool {
    READER
        .try_with(Clone::clone)
        .unwrap_or_else(|_| primary.clone())
}

/// Run `f` with `replica` as the pool of its reads.
pub async fn scope<F: Future>(replica: PgPool, f: F) -> F::Output {
    READER.scope(replica, f).await
}

/// A position in PostgreSQL's write-ahead log (`pg_lsn`, written `X/Y` in hex).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lsn(pub u64);

impl FromStr for Lsn {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let (hi, lo) = s.trim().split_once('/').ok_or(())?;
        let hi = u64::from_str_radix(hi, 16).map_err(|_| ())?;
        let lo = u64::from_str_radix(lo, 16).map_err(|_| ())?;
        if hi > u64::from(u32::MAX) || lo > u64::from(u32::MAX) {
            return Err(());
        }
        Ok(Lsn((hi << 32) | lo))
    }
}

impl std::fmt::Display for Lsn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

/// How long a health answer is believed.
const PRIMARY_FRESH: Duration = Duration::from_secs(1);
const REPLICA_FRESH: Duration = Duration::from_millis(200);
/// How long a health check may take before the server counts as unreachable.
const CHECK_TIMEOUT: Duration = Duration::from_secs(1);

struct Replica {
    /// The URL without its password, for logs and messages.
    name: String,
    pool: PgPool,
    /// When last asked, and what it had replayed (`None`: unreachable).
    seen: Mutex<Option<(Instant, Option<Lsn>)>>,
}

/// The primary and its read replicas.
pub struct Replicas {
    primary: PgPool,
    replicas: Vec<Replica>,
    next: AtomicUsize,
    primary_seen: Mutex<Option<(Instant, bool)>>,
}

impl std::fmt::Debug for Replicas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replicas")
            .field(
                "replicas",
                &self.replicas.iter().map(|r| &r.name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Replicas {
    /// The replicas at `urls` of the PostgreSQL primary `primary`. Their pools connect when
    /// first used, so a replica that is down at start does not keep the server from starting.
    pub fn new(primary: &Db, urls: &[String]) -> StoreResult<Self> {
        let Db::Postgres(p) = primary else {
            return Err(StoreError::Invalid(
                "只读副本需要 PostgreSQL 主库 (replicas need a PostgreSQL primary)".into(),
            ));
        };
        let mut replicas = Vec::new();
        for url in urls {
            let opts = PgConnectOptions::from_str(url).map_err(|e| StoreError::BadUrl {
                url: crate::redact_url(url),
                reason: e.to_string(),
            })?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(5))
                // No JIT, as on the primary (`Db::connect_postgres`).
                .connect_lazy_with(opts.application_name("kesu-read").options([("jit", "off")]));
            replicas.push(Replica {
                name: crate::redact_url(url),
                pool,
                seen: Mutex::new(None),
            });
        }
        Ok(Self {
            primary: p.clone(),
            replicas,
            next: AtomicUsize::new(0),
            primary_seen: Mutex::new(None),
        })
    }

    pub fn len(&self) -> usize {
        self.replicas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.replicas.is_empty()
    }

    /// The replica's URL without its password.
    pub fn name(&self, i: usize) -> &str {
        self.replicas.get(i).map_or("", |r| r.name.as_str())
    }

    /// The pools, for the metrics.
    pub fn pools(&self) -> Vec<Db> {
        self.replicas
            .iter()
            .map(|r| Db::Postgres(r.pool.clone()))
            .collect()
    }

    /// Whether the primary answers (remembered for a second).
    pub async fn primary_up(&self) -> bool {
        if let Some((at, up)) = *lock(&self.primary_seen)
            && at.elapsed() < PRIMARY_FRESH
        {
            return up;
        }
        let ask = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&self.primary);
        let up = matches!(tokio::time::timeout(CHECK_TIMEOUT, ask).await, Ok(Ok(_)));
        *lock(&self.primary_seen) = Some((Instant::now(), up));
        up
    }

    /// Forget what is known about the primary's health (after a write failed on it).
    pub fn recheck_primary(&self) {
        *lock(&self.primary_seen) = None;
    }

    /// Where the primary's WAL is now: a reader that has replayed this far sees every write
    /// committed before this call.
    pub async fn primary_lsn(&self) -> Option<Lsn> {
        let ask = sqlx::query_scalar::<_, String>("SELECT pg_current_wal_lsn()::text")
            .fetch_one(&self.primary);
        match tokio::time::timeout(CHECK_TIMEOUT, ask).await {
            Ok(Ok(s)) => s.parse().ok(),
            _ => None,
        }
    }

    /// What replica `i` has replayed (remembered for a fifth of a second); `None` when it does
    /// not answer.
    async fn replayed(&self, i: usize) -> Option<Lsn> {
        let r = self.replicas.get(i)?;
        if let Some((at, lsn)) = *lock(&r.seen)
            && at.elapsed() < REPLICA_FRESH
        {
            return lsn;
        }
        // On a server that is not a standby (promoted, or a plain copy) nothing is replayed:
        // it has everything it will ever have, so it counts as current.
        let ask = sqlx::query_scalar::<_, Option<String>>(
            "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()::text
                         ELSE 'FFFFFFFF/FFFFFFFF' END",
        )
        .fetch_one(&r.pool);
        let lsn = match tokio::time::timeout(CHECK_TIMEOUT, ask).await {
            Ok(Ok(s)) => s.and_then(|s| s.parse().ok()),
            _ => None,
        };
        *lock(&r.seen) = Some((Instant::now(), lsn));
        lsn
    }

    /// A replica for a read that must see everything up to `at_least` (`None`: anything
    /// replayed will do), taking turns between those that qualify; `None` when none does (read
    /// the primary then).
    pub async fn pick(&self, at_least: Option<Lsn>) -> Option<(usize, PgPool)> {
        let n = self.replicas.len();
        if n == 0 {
            return None;
        }
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for k in 0..n {
            let i = (start + k) % n;
            let Some(have) = self.replayed(i).await else {
                continue;
            };
            // Behind the caller's last write (as last seen, at most a fifth of a second ago):
            // the primary serves this read, at no extra cost; the position is asked again
            // once it is that old.
            if at_least.is_some_and(|need| have < need) {
                continue;
            }
            return Some((i, self.replicas[i].pool.clone()));
        }
        None
    }

    /// Close the replicas' pools.
    pub async fn close(&self) {
        for r in &self.replicas {
            r.pool.close().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lsns_parse_print_and_order_as_postgres_does() {
        let a: Lsn = "0/3000148".parse().unwrap();
        let b: Lsn = "1/0".parse().unwrap();
        assert!(a < b);
        assert_eq!(a.to_string(), "0/3000148");
        assert_eq!(b.0, 1 << 32);
        assert!("junk".parse::<Lsn>().is_err());
        assert!("1/100000000".parse::<Lsn>().is_err());
    }
}
