//! The writes Kesu makes on its own, on a schedule (`kesu_app::jobs`): overdue reminders,
//! sweeping ended sessions, and the lock that keeps two servers from running the same job at
//! once. Each write is safe to repeat: a reminder is stored once per round and account, a
//! session already gone is not missed.

use crate::{Db, StoreResult};
use sqlx::Postgres;
use time::{Date, OffsetDateTime};

/// "Overdue" reminders (逾期未报): for each open report of a round past its due date but not yet
/// locked, one notification per account of its unit, at most once per round and account.
pub async fn remind_overdue(db: &Db, today: Date) -> StoreResult<u64> {
    let now = OffsetDateTime::now_utc();
    let n = on_db!(db, |p| {
        sqlx::query(
        "INSERT INTO notification (user_id, at, kind, message, link)
         SELECT DISTINCT a.id, $1, 'overdue', '填报已逾期：' || r.title || '，截止日期 ' || CAST(r.due_date AS TEXT) || '，请尽快提交', '/rounds/' || CAST(r.id AS TEXT)
         FROM reporting_round r JOIN report rp ON rp.round_id = r.id JOIN app_user a ON a.unit_id = rp.unit_id
         WHERE r.due_date < $2 AND r.lock_date >= $2 AND rp.state IN ('not_started', 'draft', 'returned')
           AND a.active = $3
           AND NOT EXISTS (SELECT 1 FROM notification n WHERE n.user_id = a.id AND n.kind = 'overdue'
                           AND n.link = '/rounds/' || CAST(r.id AS TEXT))"
    )
    .bind(now)
    .bind(today)
    .bind(true)
    .execute(p)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n)
}

/// "Order overdue" reminders (服务订单超时): for each service order whose awaited move is past
/// its deadline as of `now`, one notification to each account whose move it is — the region's
/// admins for an order to dispatch (or open to teams and not taken), the department's reporters
/// for one to claim, the team's leader for one to accept or complete, the asker (with an
/// account) for one to rate — at most once per order, state entered and account.
pub async fn remind_overdue_orders(db: &Db, now: OffsetDateTime) -> StoreResult<u64> {
    let n = on_db!(db, |p| {
        sqlx::query(
        "INSERT INTO notification (user_id, at, kind, message, link)
         SELECT DISTINCT a.id, $1, 'order_overdue', '服务订单已超时，请尽快处理：' || o.title, '/services/orders/' || CAST(o.id AS TEXT)
         FROM service_order o JOIN app_user a ON
              (o.state IN ('asked', 'open') AND a.role = 'admin' AND a.region_code = o.region_code)
           OR (o.state = 'dispatched' AND a.role = 'reporter' AND a.unit_id = o.department_unit_id)
           OR (o.state IN ('claimed', 'accepted')
               AND a.id = (SELECT t.leader_user_id FROM service_team t WHERE t.id = o.team_id))
           OR (o.state = 'done' AND a.id = o.asker_user_id)
         WHERE o.due_at IS NOT NULL AND o.due_at < $1 AND a.active = $2
           AND NOT EXISTS (SELECT 1 FROM notification n WHERE n.user_id = a.id AND n.kind = 'order_overdue'
                           AND n.link = '/services/orders/' || CAST(o.id AS TEXT) AND n.at >= o.since)"
    )
    .bind(now)
    .bind(true)
    .execute(p)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n)
}

/// Delete the sessions that have ended — past their lifetime, or unused for `idle` — as of
/// `now`; returns how many. (Signing in sweeps them too; this catches the quiet hours.)
pub async fn purge_sessions(
    db: &Db,
    now: OffsetDateTime,
    idle: time::Duration,
) -> StoreResult<u64> {
    Ok(on_db!(db, |p| sqlx::query(
        "DELETE FROM session WHERE expires_at <= $1 OR last_seen <= $2"
    )
    .bind(now)
    .bind(now - idle)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?)
}

/// A job's claim: held while the job runs, given up by [`JobLock::release`].
///
/// On PostgreSQL a transaction-level advisory lock (`pg_try_advisory_xact_lock`) in a
/// transaction that stays open for the job: if this process dies, the server ends the
/// transaction and the lock with it. On SQLite there is nothing to hold: servers sharing one file
/// share its single writer, and every job's writes are safe to repeat.
pub struct JobLock {
    tx: Option<sqlx::Transaction<'static, Postgres>>,
}

impl JobLock {
    /// Give the claim up now. (Dropped instead, the lock lasts until the pooled connection is
    /// next used and rolls back, which may be a while.)
    pub async fn release(self) -> StoreResult<()> {
        if let Some(tx) = self.tx {
            tx.rollback().await?;
        }
        Ok(())
    }
}

/// The lock key of a job: the same number on every server of one installation (the first 8
/// bytes of the SHA-256 of `kesu-job:SCHEMA:NAME`; advisory locks are per database, and two
/// installations may share one in different schemas).
pub fn lock_key(schema: &str, job: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(format!("kesu-job:{schema}:{job}").as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    i64::from_be_bytes(b)
}

/// Claim `job`, or `None` when another server holds it now.
pub async fn try_lock(db: &Db, job: &str) -> StoreResult<Option<JobLock>> {
    match db {
        Db::Sqlite(..) => Ok(Some(JobLock { tx: None })),
        Db::Postgres(p) => {
            let mut tx = p.begin().await?;
            let schema: String = sqlx::query_scalar("SELECT current_schema()::text")
                .fetch_one(&mut *tx)
                .await?;
            let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
                .bind(lock_key(&schema, job))
                .fetch_one(&mut *tx)
                .await?;
            Ok(got.then_some(JobLock { tx: Some(tx) }))
        }
    }
}
