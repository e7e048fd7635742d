//! Notifications (站内通知): made when something happens to a user's reports (a round opens, a
//! report is returned, accepted or unlocked, a cooperating unit hands in its input), inside the
//! transaction of that change; read and marked read by their user. Reading never writes: the
//! "due soon" reminders are computed on read by the pages, and [`remind_due_soon`] is the one
//! function that stores them, for a scheduler to call.

use crate::{Db, StoreResult};
use serde::Serialize;
use time::{Date, OffsetDateTime};

/// A notification.
#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub kind: String,
    pub message: String,
    pub link: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub read_at: Option<OffsetDateTime>,
}
from_row!(Notification {
    id: i64,
    at: OffsetDateTime,
    kind: String,
    message: String,
    link: Option<String>,
    read_at: Option<OffsetDateTime>,
});

pub async fn notifications(db: &Db, user_id: i64, limit: i64) -> StoreResult<Vec<Notification>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, at, kind, message, link, read_at FROM notification WHERE user_id = $1
         ORDER BY id DESC LIMIT $2"
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(p)
    .await)?)
}

pub async fn unread_count(db: &Db, user_id: i64) -> StoreResult<i64> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM notification WHERE user_id = $1 AND read_at IS NULL"
    )
    .bind(user_id)
    .fetch_one(p)
    .await)?)
}

pub async fn mark_read(db: &Db, user_id: i64) -> StoreResult<()> {
    // Through the write transaction, so that on SQLite it queues for the write permit instead
    // of racing other writers for the file lock.
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE notification SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL"
    )
    .bind(OffsetDateTime::now_utc())
    .bind(user_id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    tx.commit().await
}

/// Store "due soon" reminders: for each open slot of a round due within `days` of `today`, one
/// notification per account of its unit, at most once per round and account. For a scheduler
/// (once a day); never called while answering a read.
pub async fn remind_due_soon(db: &Db, today: Date, days: i64) -> StoreResult<u64> {
    let now = OffsetDateTime::now_utc();
    let horizon = today + time::Duration::days(days);
    let mut tx = db.begin().await?;
    let n = on_tx!(&mut tx, |c| {
        sqlx::query(
        "INSERT INTO notification (user_id, at, kind, message, link)
         SELECT DISTINCT a.id, $1, 'due_soon', '填报即将截止：' || r.title || '，截止日期 ' || CAST(r.due_date AS TEXT), '/rounds/' || CAST(r.id AS TEXT)
         FROM reporting_round r JOIN report rp ON rp.round_id = r.id JOIN app_user a ON a.unit_id = rp.unit_id
         WHERE r.due_date >= $2 AND r.due_date <= $3 AND rp.state IN ('not_started', 'draft', 'returned')
           AND NOT EXISTS (SELECT 1 FROM notification n WHERE n.user_id = a.id AND n.kind = 'due_soon'
                           AND n.link = '/rounds/' || CAST(r.id AS TEXT))"
    )
    .bind(now)
    .bind(today)
    .bind(horizon)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    tx.commit().await?;
    Ok(n)
}

/// Tell the office that reviews a report what happened to it, inside the change's transaction:
/// a submission (or resubmission) goes to whoever takes it up next — the county office when the
/// report goes through 县级初审, else the round's office — and a report passed up by the county
/// goes to the round's office. "Office" is its reviewer and admin accounts.
pub(super) async fn office_news(
    tx: &mut crate::Tx,
    round: &super::Round,
    s: &super::Slot,
    t: kesu_core::report::Transition,
    from: kesu_core::report::ReportState,
    now: OffsetDateTime,
) -> StoreResult<()> {
    use kesu_core::report::{ReportState, Transition};
    let what = format!("{} {} {}", s.unit_name, s.task_path, s.task_title);
    let (kind, message, to_county) = match t {
        Transition::Submit if from == ReportState::Returned => (
            "report_resubmitted",
            format!("重新提交（退回后已修改）：{what}"),
            round.checks(s),
        ),
        Transition::Submit => (
            "report_submitted",
            format!("新提交：{what}"),
            round.checks(s),
        ),
        Transition::Forward => (
            "report_forwarded",
            format!("县级初审通过，待审核：{what}"),
            false,
        ),
        _ => return Ok(()),
    };
    // The county offices over the report's unit below the round's region, or the round's own.
    // `$7` is the report's region when it goes to the county, else the round's.
    let sql = if to_county {
        "INSERT INTO notification (user_id, at, kind, message, link)
         SELECT a.id, $1, $2, $3, $4 FROM app_user a
         WHERE a.role IN ('admin', 'reviewer') AND a.active = $5
           AND a.region_code <> $6 AND a.region_code LIKE $6 || '%' AND $7 LIKE a.region_code || '%'"
    } else {
        "INSERT INTO notification (user_id, at, kind, message, link)
         SELECT a.id, $1, $2, $3, $4 FROM app_user a
         WHERE a.role IN ('admin', 'reviewer') AND a.active = $5
           AND a.region_code = $6 AND a.region_code = $7"
    };
    let region = if to_county {
        &s.region_code
    } else {
        &round.region_code
    };
    on_tx!(tx, |c| sqlx::query(sql)
        .bind(now)
        .bind(kind)
        .bind(&message)
        .bind(format!("/reports/{}", s.id))
        .bind(true)
        .bind(&round.region_code)
        .bind(region)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// How many of the user's unread notifications are of one of `kinds` (the office's 新提交).
pub async fn unread_count_of(db: &Db, user_id: i64, kinds: &[&str]) -> StoreResult<i64> {
    let mut n = 0;
    for kind in kinds {
        let k: i64 = on_db!(db, |p| {
            sqlx::query_scalar(
            "SELECT COUNT(*) FROM notification WHERE user_id = $1 AND read_at IS NULL AND kind = $2"
        )
        .bind(user_id)
        .bind(*kind)
        .fetch_one(p)
        .await
        })?;
        n += k;
    }
    Ok(n)
}
