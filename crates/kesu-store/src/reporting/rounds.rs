//! Reporting rounds (填报轮次): opening one (a report slot per task and unit, a notice to each
//! unit), reading them, moving their dates and closing them. Every write is audited in its
//! transaction.

use super::{Slot, found, invalid};
use crate::audit::{self, Actor as AuditActor};
use crate::{Db, StoreError, StoreResult};
use kesu_core::report::{self, Period, ReportState, RoundDates};
use serde::Serialize;
use serde_json::json;
use time::{Date, OffsetDateTime};

/// A new round.
#[derive(Debug, Clone)]
pub struct NewRound {
    pub plan_id: i64,
    pub period: Period,
    pub due: Date,
    pub lock: Date,
    pub demo: bool,
}

/// A round as listed.
#[derive(Debug, Clone, Serialize)]
pub struct Round {
    pub id: i64,
    pub plan_id: i64,
    pub plan_title: String,
    pub region_code: String,
    pub period: String,
    pub title: String,
    pub due_date: Date,
    pub lock_date: Date,
    pub opened_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
    pub demo: bool,
    /// Whether the round asks for 县级初审 (`kesu_core::report::needs_county_check`).
    pub county_check: bool,
    /// When the office closed the round (no unit writes after that), and who.
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    pub closed_by: Option<String>,
}
from_row!(Round {
    id: i64,
    plan_id: i64,
    plan_title: String,
    region_code: String,
    period: String,
    title: String,
    due_date: Date,
    lock_date: Date,
    opened_by: String,
    opened_at: OffsetDateTime,
    demo: bool,
    county_check: bool,
    closed_at: Option<OffsetDateTime>,
    closed_by: Option<String>,
});

impl Round {
    pub fn dates(&self) -> RoundDates {
        RoundDates {
            due: self.due_date,
            lock: self.lock_date,
            closed: self.closed_at.is_some(),
        }
    }

    /// Whether report `s` of this round goes through 县级初审.
    pub fn checks(&self, s: &Slot) -> bool {
        report::needs_county_check(self.county_check, &self.region_code, &s.region_code)
    }
}

const ROUND_COLS: &str = "r.id, r.plan_id, p.title AS plan_title, r.region_code, r.period, r.title, r.due_date, r.lock_date, r.opened_by, r.opened_at, r.demo, r.county_check, r.closed_at, r.closed_by";

/// How a round works besides its period and dates.
#[derive(Debug, Clone, Copy, Default)]
pub struct RoundOptions {
    /// Ask for 县级初审: the county offices check their counties' reports before the round's
    /// office reviews them.
    pub county_check: bool,
}

/// Open a round: one slot per (task, assigned unit) of the plan. Users of every unit with a slot
/// are notified. Refused when the plan already has a round for the period, or the lock date is
/// before the due date.
pub async fn open_round(db: &Db, r: &NewRound, by: &AuditActor) -> StoreResult<i64> {
    open_round_with(db, r, RoundOptions::default(), by).await
}

/// [`open_round`] with its options (县级初审).
pub async fn open_round_with(
    db: &Db,
    r: &NewRound,
    opts: RoundOptions,
    by: &AuditActor,
) -> StoreResult<i64> {
    if r.lock < r.due {
        return Err(invalid(
            "锁定日期不能早于截止日期 (the lock date must not be before the due date)",
        ));
    }
    let now = OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    let plan: Option<(String, String)> = on_tx!(&mut tx, |c| sqlx::query_as(
        "SELECT title, region_code FROM plan WHERE id = $1"
    )
    .bind(r.plan_id)
    .fetch_optional(&mut *c)
    .await)?;
    let (plan_title, region) = plan.ok_or(StoreError::NotFound {
        what: "方案",
        key: r.plan_id.to_string(),
    })?;
    let period = r.period.code();
    let exists: Option<i64> = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT id FROM reporting_round WHERE plan_id = $1 AND period = $2"
    )
    .bind(r.plan_id)
    .bind(&period)
    .fetch_optional(&mut *c)
    .await)?;
    if exists.is_some() {
        return Err(invalid(format!(
            "该方案已有 {} 的填报轮次 (a round for this period exists)",
            r.period
        )));
    }
    let title = format!("{} {}", r.period, plan_title);
    let id: i64 = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO reporting_round (plan_id, region_code, period, title, due_date, lock_date, opened_by, opened_at, demo, county_check)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"
    )
    .bind(r.plan_id)
    .bind(&region)
    .bind(&period)
    .bind(&title)
    .bind(r.due)
    .bind(r.lock)
    .bind(&by.name)
    .bind(now)
    .bind(r.demo)
    .bind(opts.county_check)
    .fetch_one(&mut *c)
    .await
    })?;
    let slots = on_tx!(&mut tx, |c| {
        sqlx::query(
        "INSERT INTO report (round_id, task_id, unit_id, role, region_code, state, version, content, exception)
         SELECT $1, tu.task_id, tu.unit_id, MIN(tu.role), COALESCE(MIN(u.region_code), $2), $3, 0, '', $4
         FROM task_unit tu JOIN task t ON t.id = tu.task_id JOIN unit u ON u.id = tu.unit_id
         WHERE t.plan_id = $5
         GROUP BY tu.task_id, tu.unit_id"
    )
    .bind(id)
    .bind(&region)
    .bind(ReportState::NotStarted.as_str())
    .bind(false)
    .bind(r.plan_id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    // Notify every account of every unit that has a slot.
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO notification (user_id, at, kind, message, link)
         SELECT DISTINCT a.id, $1, 'round_opened', $2, $3
         FROM app_user a JOIN report rp ON rp.unit_id = a.unit_id
         WHERE rp.round_id = $4"
    )
    .bind(now)
    .bind(format!("新的填报轮次：{title}，请于 {} 前提交", r.due))
    .bind(format!("/rounds/{id}"))
    .bind(id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    let after = json!({"plan_id": r.plan_id, "period": period, "due": r.due.to_string(),
        "lock": r.lock.to_string(), "slots": slots, "county_check": opts.county_check});
    audit::record_in_region(
        &mut tx,
        by,
        Some(&region),
        "round.open",
        &format!("round:{id}"),
        None,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The round of plan `plan_id` for `period` (`2025Q1`), if there is one.
pub async fn round_for_period(db: &Db, plan_id: i64, period: &str) -> StoreResult<Option<i64>> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT id FROM reporting_round WHERE plan_id = $1 AND period = $2"
    )
    .bind(plan_id)
    .bind(period)
    .fetch_optional(p)
    .await)?)
}

/// Change a round's due and lock dates (audited). Refused when the lock date is before the due
/// date.
pub async fn set_round_dates(
    db: &Db,
    id: i64,
    due: Date,
    lock: Date,
    by: &AuditActor,
) -> StoreResult<()> {
    if lock < due {
        return Err(invalid(
            "锁定日期不能早于截止日期 (the lock date must not be before the due date)",
        ));
    }
    let mut tx = db.begin().await?;
    let r = round_in(&mut tx, id).await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE reporting_round SET due_date = $1, lock_date = $2 WHERE id = $3"
    )
    .bind(due)
    .bind(lock)
    .bind(id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    audit::record_in_region(
        &mut tx,
        by,
        Some(&r.region_code),
        "round.dates",
        &format!("round:{id}"),
        Some(&json!({"due": r.due_date.to_string(), "lock": r.lock_date.to_string()})),
        Some(&json!({"due": due.to_string(), "lock": lock.to_string()})),
    )
    .await?;
    tx.commit().await
}

/// Close a round (`closed`) or open it again: a closed round takes no more writes from units
/// (`kesu_core::report::RoundDates::closed`); its office still reviews what was handed in.
pub async fn set_round_closed(
    db: &Db,
    id: i64,
    closed: bool,
    now: OffsetDateTime,
    by: &AuditActor,
) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    let r = round_in(&mut tx, id).await?;
    let (at, who) = if closed {
        (Some(now), Some(by.name.clone()))
    } else {
        (None, None)
    };
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE reporting_round SET closed_at = $1, closed_by = $2 WHERE id = $3"
    )
    .bind(at)
    .bind(&who)
    .bind(id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    audit::record_in_region(
        &mut tx,
        by,
        Some(&r.region_code),
        if closed {
            "round.close"
        } else {
            "round.reopen"
        },
        &format!("round:{id}"),
        Some(&json!({"closed": r.closed_at.is_some()})),
        Some(&json!({"closed": closed})),
    )
    .await?;
    tx.commit().await
}

/// Rounds of plans in `region`'s subtree, newest first.
pub async fn rounds_in(db: &Db, region: &str) -> StoreResult<Vec<Round>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {ROUND_COLS} FROM reporting_round r JOIN plan p ON p.id = r.plan_id
         WHERE r.region_code LIKE $1 || '%' ORDER BY r.id DESC"
    ));
    Ok(on_db!(db, |p| sqlx::query_as(sql)
        .bind(region)
        .fetch_all(p)
        .await)?)
}

/// Rounds an office of `region` follows, newest first: those of plans in its subtree, and those
/// of a plan above it in which units of its subtree report (a city round involving a county:
/// the county office's 本区填报情况).
pub async fn rounds_involving(db: &Db, region: &str) -> StoreResult<Vec<Round>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {ROUND_COLS} FROM reporting_round r JOIN plan p ON p.id = r.plan_id
         WHERE r.region_code LIKE $1 || '%'
            OR r.id IN (SELECT round_id FROM report WHERE region_code >= $1 AND region_code < $2)
         ORDER BY r.opened_at DESC, r.id DESC"
    ));
    Ok(on_db!(db, |p| sqlx::query_as(sql)
        .bind(region)
        .bind(crate::regions::prefix_end(region))
        .fetch_all(p)
        .await)?)
}

/// Rounds in which `unit_id` has a slot, newest first.
pub async fn rounds_of_unit(db: &Db, unit_id: i64) -> StoreResult<Vec<Round>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {ROUND_COLS} FROM reporting_round r JOIN plan p ON p.id = r.plan_id
         WHERE r.id IN (SELECT round_id FROM report WHERE unit_id = $1) ORDER BY r.id DESC"
    ));
    Ok(on_db!(db, |p| sqlx::query_as(sql)
        .bind(unit_id)
        .fetch_all(p)
        .await)?)
}

pub async fn round(db: &Db, id: i64) -> StoreResult<Round> {
    let r = on_db!(db, |p| sqlx::query_as(round_sql())
        .bind(id)
        .fetch_optional(p)
        .await)?;
    found(r, "填报轮次", id)
}

/// [`round`] inside a transaction.
pub(super) async fn round_in(tx: &mut crate::Tx, id: i64) -> StoreResult<Round> {
    let r = on_tx!(tx, |c| sqlx::query_as(round_sql())
        .bind(id)
        .fetch_optional(&mut *c)
        .await)?;
    found(r, "填报轮次", id)
}

/// The one query of [`round`] and [`round_in`].
fn round_sql() -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(format!(
        "SELECT {ROUND_COLS} FROM reporting_round r JOIN plan p ON p.id = r.plan_id WHERE r.id = $1"
    ))
}
