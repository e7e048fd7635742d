//! Reporting rounds (填报轮次), report slots and their history, evidence and notifications.
//!
//! A round asks each unit assigned to a task of a plan for a report on it for one period; a slot
//! exists for each (task, unit). State changes follow `kesu_core::report::apply`; every save or
//! change writes a `report_event` row (the report's full history) and an audit row, in one
//! transaction, and is refused when the caller's copy is stale (optimistic version check).

use crate::audit::{self, Actor as AuditActor};
use crate::{Db, StoreError, StoreResult};
use kesu_core::report::{self, ReportState, Step, Transition};
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::types::Json;
use time::{Date, OffsetDateTime, UtcOffset};

pub mod discipline;
mod evidence;
mod notifications;
mod rounds;

pub use discipline::LateOrReturned;
pub use evidence::{
    Attachment, FormWrite, NewAttachment, add_attachment, attachment, attachments,
    remove_attachment, write_form,
};
pub use notifications::{
    Notification, mark_read, notifications, remind_due_soon, unread_count, unread_count_of,
};
use rounds::round_in;
pub use rounds::{
    NewRound, Round, RoundOptions, open_round, open_round_with, round, round_for_period, rounds_in,
    rounds_involving, rounds_of_unit, set_round_closed, set_round_dates,
};

/// China keeps one offset all year (+08:00): "today" and "submitted on" are dates there.
pub const CHINA: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// The local date of an instant.
pub fn china_date(t: OffsetDateTime) -> Date {
    t.to_offset(CHINA).date()
}

/// The row read by id, or `NotFound` naming what was looked for.
fn found<T>(row: Option<T>, what: &'static str, id: i64) -> StoreResult<T> {
    row.ok_or(StoreError::NotFound {
        what,
        key: id.to_string(),
    })
}

/// One slot of a round, as the matrix shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Slot {
    pub id: i64,
    pub round_id: i64,
    pub task_id: i64,
    pub task_path: String,
    pub task_title: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub role: String,
    pub region_code: String,
    pub state: String,
    pub version: i64,
    pub exception: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated_at: Option<OffsetDateTime>,
}
from_row!(Slot {
    id: i64,
    round_id: i64,
    task_id: i64,
    task_path: String,
    task_title: String,
    unit_id: i64,
    unit_name: String,
    role: String,
    region_code: String,
    state: String,
    version: i64,
    exception: bool,
    submitted_at: Option<OffsetDateTime>,
    updated_at: Option<OffsetDateTime>,
});

impl Slot {
    pub fn state(&self) -> ReportState {
        ReportState::parse(&self.state).unwrap_or(ReportState::NotStarted)
    }

    pub fn submitted_on(&self) -> Option<Date> {
        self.submitted_at.map(china_date)
    }
}

const SLOT_COLS: &str = "rp.id, rp.round_id, rp.task_id, t.path AS task_path, t.title AS task_title, rp.unit_id, u.name AS unit_name, rp.role, rp.region_code, rp.state, rp.version, rp.exception, rp.submitted_at, rp.updated_at";
const SLOT_FROM: &str =
    "report rp JOIN task t ON t.id = rp.task_id JOIN unit u ON u.id = rp.unit_id";

/// Every slot of a round, in task order.
pub async fn slots(db: &Db, round_id: i64) -> StoreResult<Vec<Slot>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {SLOT_COLS} FROM {SLOT_FROM} WHERE rp.round_id = $1 ORDER BY t.id, rp.role, u.name"
    ));
    Ok(on_db!(db, |p| sqlx::query_as(sql)
        .bind(round_id)
        .fetch_all(p)
        .await)?)
}

/// The slots of one unit (in all rounds, or one).
pub async fn slots_of_unit(db: &Db, unit_id: i64, round_id: Option<i64>) -> StoreResult<Vec<Slot>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {SLOT_COLS} FROM {SLOT_FROM} WHERE rp.unit_id = $1 AND ($2 IS NULL OR rp.round_id = $2)
         ORDER BY rp.round_id DESC, t.id"
    ));
    Ok(on_db!(db, |p| sqlx::query_as(sql)
        .bind(unit_id)
        .bind(round_id)
        .fetch_all(p)
        .await)?)
}

pub async fn slot(db: &Db, id: i64) -> StoreResult<Slot> {
    let s = on_db!(db, |p| sqlx::query_as(slot_sql())
        .bind(id)
        .fetch_optional(p)
        .await)?;
    found(s, "报告", id)
}

/// [`slot`] inside a transaction.
async fn slot_in(tx: &mut crate::Tx, id: i64) -> StoreResult<Slot> {
    let s = on_tx!(tx, |c| sqlx::query_as(slot_sql())
        .bind(id)
        .fetch_optional(&mut *c)
        .await)?;
    found(s, "报告", id)
}

/// The one query of [`slot`] and [`slot_in`].
fn slot_sql() -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(format!(
        "SELECT {SLOT_COLS} FROM {SLOT_FROM} WHERE rp.id = $1"
    ))
}

/// The other slots of the same task in the same round (a lead unit consolidates them).
pub async fn sibling_slots(db: &Db, s: &Slot) -> StoreResult<Vec<Slot>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {SLOT_COLS} FROM {SLOT_FROM} WHERE rp.round_id = $1 AND rp.task_id = $2 AND rp.id <> $3
         ORDER BY rp.role, u.name"
    ));
    Ok(on_db!(db, |p| sqlx::query_as(sql)
        .bind(s.round_id)
        .bind(s.task_id)
        .bind(s.id)
        .fetch_all(p)
        .await)?)
}

/// The units that lead the slot's task in its round (they see cooperating units' reports).
pub async fn lead_units(db: &Db, round_id: i64, task_id: i64) -> StoreResult<Vec<i64>> {
    Ok(on_db!(db, |p| {
        sqlx::query_scalar(
        "SELECT unit_id FROM report WHERE round_id = $1 AND task_id = $2 AND role = 'lead' ORDER BY unit_id"
    )
    .bind(round_id)
    .bind(task_id)
    .fetch_all(p)
    .await
    })?)
}

/// A target of the slot's task with the value this report gives for it.
#[derive(Debug, Clone, Serialize)]
pub struct TargetValue {
    pub target_id: i64,
    pub text: String,
    pub indicator: Option<String>,
    pub unit: Option<String>,
    pub value: Option<f64>,
    pub note: Option<String>,
}
from_row!(TargetValue {
    target_id: i64,
    text: String,
    indicator: Option<String>,
    unit: Option<String>,
    value: Option<f64>,
    note: Option<String>,
});

/// The task's targets with this report's values.
pub async fn values(db: &Db, report_id: i64) -> StoreResult<Vec<TargetValue>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT tg.id AS target_id, tg.text, tg.indicator, tg.unit, v.value, v.note
         FROM report rp JOIN target tg ON tg.task_id = rp.task_id
         LEFT JOIN report_value v ON v.report_id = rp.id AND v.target_id = tg.id
         WHERE rp.id = $1 ORDER BY tg.id"
    )
    .bind(report_id)
    .fetch_all(p)
    .await)?)
}

/// The content of a report.
pub async fn content(db: &Db, report_id: i64) -> StoreResult<(String, Option<String>)> {
    let r: Option<(String, Option<String>)> = on_db!(db, |p| sqlx::query_as(
        "SELECT content, return_reason FROM report WHERE id = $1"
    )
    .bind(report_id)
    .fetch_optional(p)
    .await)?;
    r.ok_or(StoreError::NotFound {
        what: "报告",
        key: report_id.to_string(),
    })
}

/// One entry of a report's history.
#[derive(Debug, Clone, Serialize)]
pub struct ReportEvent {
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub reason: Option<String>,
    pub content: String,
}
from_row!(ReportEvent {
    version: i64,
    at: OffsetDateTime,
    actor: String,
    action: String,
    from_state: String,
    to_state: String,
    reason: Option<String>,
    content: String,
});

pub async fn history(db: &Db, report_id: i64) -> StoreResult<Vec<ReportEvent>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT version, at, actor, action, from_state, to_state, reason, content
         FROM report_event WHERE report_id = $1 ORDER BY id"
    )
    .bind(report_id)
    .fetch_all(p)
    .await)?)
}

/// A change to a report: what the unit wrote (for `Save` and `Submit`) and the version the
/// caller saw.
#[derive(Debug, Clone, Default)]
pub struct ReportChange {
    pub expected_version: i64,
    /// New text; `None` keeps the current one.
    pub content: Option<String>,
    /// Values per target id; only targets of the task are accepted.
    pub values: Vec<(i64, Option<f64>)>,
    /// The return reason.
    pub reason: Option<String>,
}

/// Apply a transition to a report at `now`: check the version, the state rule and the dates, write the
/// new state, content and values, the history row, the audit row and the notifications.
/// Returns the new version. One report only: a lead unit's acceptance that settles its
/// cooperating units' input is [`accept_with_inputs`].
pub async fn change(
    db: &Db,
    report_id: i64,
    t: Transition,
    ch: &ReportChange,
    now: OffsetDateTime,
    by: &AuditActor,
) -> StoreResult<i64> {
    change_as(db, report_id, t, ch, false, now, by).await
}

/// [`change`] by a reviewer who is (`by_county`) or is not the county office checking the
/// report first (县级初审; see `kesu_core::report::Step`). The caller has established which.
pub async fn change_as(
    db: &Db,
    report_id: i64,
    t: Transition,
    ch: &ReportChange,
    by_county: bool,
    now: OffsetDateTime,
    by: &AuditActor,
) -> StoreResult<i64> {
    let mut tx = db.begin().await?;
    let v = change_in(
        &mut tx,
        report_id,
        t,
        ch,
        Change {
            evidence: Evidence::None,
            by_county,
        },
        now,
        by,
    )
    .await?;
    tx.commit().await?;
    Ok(v.version)
}

/// Several changes in one transaction: all are made or none (the bulk-entry upload).
pub async fn change_many(
    db: &Db,
    changes: &[(i64, Transition, ReportChange)],
    now: OffsetDateTime,
    by: &AuditActor,
) -> StoreResult<Vec<i64>> {
    let mut tx = db.begin().await?;
    let mut out = Vec::with_capacity(changes.len());
    for (id, t, ch) in changes {
        out.push(
            change_in(&mut tx, *id, *t, ch, Change::plain(), now, by)
                .await?
                .version,
        );
    }
    tx.commit().await?;
    Ok(out)
}

/// Accept a lead unit's report and, in the same transaction, each of `inputs` (its cooperating
/// or responsible units' reports on the same task and round) that is still submitted: each
/// through the same transition, with its own history row, audit row and notification. The
/// caller has chosen `inputs` among the reports the reviewer may review; reports of another
/// task or round, lead reports and reports no longer submitted are left as they are. Returns
/// the lead report's new version and the ids of the inputs accepted.
pub async fn accept_with_inputs(
    db: &Db,
    lead_id: i64,
    ch: &ReportChange,
    inputs: &[i64],
    now: OffsetDateTime,
    by: &AuditActor,
) -> StoreResult<(i64, Vec<i64>)> {
    let mut tx = db.begin().await?;
    let lead = slot_in(&mut tx, lead_id).await?;
    let round = round_in(&mut tx, lead.round_id).await?;
    let v = change_in(
        &mut tx,
        lead_id,
        Transition::Accept,
        ch,
        Change::plain(),
        now,
        by,
    )
    .await?;
    let mut settled = Vec::new();
    for id in inputs {
        let s = slot_in(&mut tx, *id).await?;
        // An input still waiting for its county's check stays with the county.
        let acceptable = report::apply_as(
            s.state(),
            Transition::Accept,
            china_date(now),
            round.dates(),
            s.exception,
            None,
            Step::of(round.checks(&s), false),
        )
        .is_ok();
        if s.round_id != lead.round_id
            || s.task_id != lead.task_id
            || s.role == "lead"
            || !acceptable
        {
            continue;
        }
        let input = ReportChange {
            expected_version: s.version,
            reason: Some(format!(
                "随牵头单位（{}）的报告一并通过 (accepted with the lead unit's report)",
                lead.unit_name
            )),
            ..Default::default()
        };
        change_in(
            &mut tx,
            *id,
            Transition::Accept,
            &input,
            Change::plain(),
            now,
            by,
        )
        .await?;
        settled.push(*id);
    }
    tx.commit().await?;
    Ok((v.version, settled))
}

/// What a change does to the report's evidence files besides its state and content.
enum Evidence<'a> {
    None,
    /// A file whose bytes the caller has stored by hash.
    Add(&'a NewAttachment),
    /// An attachment of the report, by id.
    Remove(i64),
}

/// What a change does besides its transition: evidence, and who reviews.
struct Change<'a> {
    evidence: Evidence<'a>,
    /// The reviewer is the county office checking the report first (县级初审).
    by_county: bool,
}

impl Change<'_> {
    fn plain() -> Self {
        Change {
            evidence: Evidence::None,
            by_county: false,
        }
    }
}

/// What [`change_in`] did.
struct Changed {
    version: i64,
    /// The attachment added, if any.
    attachment: Option<i64>,
}

async fn change_in(
    tx: &mut crate::Tx,
    report_id: i64,
    t: Transition,
    ch: &ReportChange,
    how: Change<'_>,
    now: OffsetDateTime,
    by: &AuditActor,
) -> StoreResult<Changed> {
    let evidence = how.evidence;
    let today = china_date(now);
    // Read inside the transaction: a second pooled connection per writer would starve the
    // pool under load.
    let s = slot_in(tx, report_id).await?;
    let round = round_in(tx, s.round_id).await?;
    let from = s.state();
    // Adding or removing evidence is writing the report: the rule of a save (editable state,
    // not past the lock date without an exception).
    let step = Step::of(round.checks(&s), how.by_county);
    let to = report::apply_as(
        from,
        t,
        today,
        round.dates(),
        s.exception,
        ch.reason.as_deref(),
        step,
    )
    .map_err(|e| match e {
        report::TransitionError::ReasonRequired => invalid(e.to_string()),
        _ => StoreError::Conflict(e.to_string()),
    })?;
    if ch.expected_version != s.version {
        return Err(StoreError::Conflict(format!(
            "报告已被他人修改（当前版本 {}，您看到的是版本 {}），请刷新后再改 (stale version)",
            s.version, ch.expected_version
        )));
    }
    let (old_content, _): (String, Option<String>) = on_tx!(&mut *tx, |c| sqlx::query_as(
        "SELECT content, return_reason FROM report WHERE id = $1"
    )
    .bind(report_id)
    .fetch_one(&mut *c)
    .await)?;
    let new_content = ch.content.clone().unwrap_or(old_content.clone());
    // The values before the change, for the audit row's "before".
    let old_values = values_of(tx, report_id).await?;
    let submitted_at = if t == Transition::Submit {
        Some(now)
    } else {
        s.submitted_at
    };
    let reason = if t == Transition::Return {
        ch.reason.clone()
    } else {
        None
    };
    // The version check is repeated in the UPDATE so two writers racing past the read above
    // cannot both win.
    let n = on_tx!(&mut *tx, |c| sqlx::query(
        "UPDATE report SET state = $1, version = version + 1, content = $2, submitted_at = $3,
                updated_at = $4, updated_by = $5, return_reason = COALESCE($6, return_reason)
         WHERE id = $7 AND version = $8"
    )
    .bind(to.as_str())
    .bind(&new_content)
    .bind(submitted_at)
    .bind(now)
    .bind(&by.name)
    .bind(&reason)
    .bind(report_id)
    .bind(ch.expected_version)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    if n != 1 {
        return Err(StoreError::Conflict(
            "报告已被他人修改，请刷新后再改 (stale version)".to_string(),
        ));
    }
    if matches!(t, Transition::Save | Transition::Submit) && !ch.values.is_empty() {
        let targets: Vec<i64> = on_tx!(&mut *tx, |c| sqlx::query_scalar(
            "SELECT id FROM target WHERE task_id = $1"
        )
        .bind(s.task_id)
        .fetch_all(&mut *c)
        .await)?;
        for (target_id, value) in &ch.values {
            if !targets.contains(target_id) {
                return Err(invalid(format!(
                    "指标 {target_id} 不属于该任务 (target not of this task)"
                )));
            }
            if value.is_some_and(|v| !v.is_finite()) {
                return Err(invalid("指标值必须是有限数字 (value must be finite)"));
            }
            on_tx!(&mut *tx, |c| sqlx::query(
                "INSERT INTO report_value (report_id, target_id, value) VALUES ($1, $2, $3)
                 ON CONFLICT (report_id, target_id) DO UPDATE SET value = excluded.value"
            )
            .bind(report_id)
            .bind(target_id)
            .bind(value)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
        }
    }
    let file = evidence::apply(tx, report_id, &evidence, now, by).await?;
    let history_action = match &file {
        Some(f) => f.action.to_string(),
        None => format!("{t:?}").to_lowercase(),
    };
    let values_json = values_of(tx, report_id).await?;
    let version = s.version + 1;
    on_tx!(&mut *tx, |c| {
        sqlx::query(
        "INSERT INTO report_event (report_id, version, at, actor, action, from_state, to_state, reason, content, values_json)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    )
    .bind(report_id)
    .bind(version)
    .bind(now)
    .bind(&by.name)
    .bind(&history_action)
    .bind(from.as_str())
    .bind(to.as_str())
    .bind(&ch.reason)
    .bind(&new_content)
    .bind(Json(&values_json))
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    let note = match t {
        Transition::Return => Some((
            "report_returned",
            format!(
                "报告被退回：{} {}。原因：{}",
                s.task_path,
                s.task_title,
                ch.reason.as_deref().unwrap_or("")
            ),
        )),
        Transition::Accept => Some((
            "report_accepted",
            format!("报告已通过：{} {}", s.task_path, s.task_title),
        )),
        Transition::Unlock => Some((
            "report_unlocked",
            format!("报告已解锁，可修改：{} {}", s.task_path, s.task_title),
        )),
        Transition::Forward => Some((
            "report_forwarded",
            format!(
                "报告已通过县级初审，等待{}审核：{} {}",
                "本轮纲要办", s.task_path, s.task_title
            ),
        )),
        _ => None,
    };
    if let Some((kind, message)) = note {
        on_tx!(&mut *tx, |c| sqlx::query(
            "INSERT INTO notification (user_id, at, kind, message, link)
             SELECT id, $1, $2, $3, $4 FROM app_user WHERE unit_id = $5"
        )
        .bind(now)
        .bind(kind)
        .bind(&message)
        .bind(format!("/reports/{report_id}"))
        .bind(s.unit_id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    // A cooperating unit's submission is news for the lead unit.
    if t == Transition::Submit && s.role != "lead" {
        on_tx!(&mut *tx, |c| sqlx::query(
            "INSERT INTO notification (user_id, at, kind, message, link)
             SELECT a.id, $1, 'input_submitted', $2, $3 FROM app_user a
             JOIN report rp ON rp.unit_id = a.unit_id
             WHERE rp.round_id = $4 AND rp.task_id = $5 AND rp.role = 'lead'"
        )
        .bind(now)
        .bind(format!(
            "{} 已提交配合材料：{} {}",
            s.unit_name, s.task_path, s.task_title
        ))
        .bind(format!("/reports/{report_id}"))
        .bind(s.round_id)
        .bind(s.task_id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    notifications::office_news(tx, &round, &s, t, from, now).await?;
    let before = json!({"state": from.as_str(), "version": s.version, "content": old_content,
        "values": old_values});
    let mut after = json!({"state": to.as_str(), "version": version, "content": new_content,
        "values": values_json, "reason": ch.reason});
    if let (Some(f), Some(obj)) = (&file, after.as_object_mut()) {
        obj.insert("attachment".into(), f.detail.clone());
    }
    audit::record_in_region(
        tx,
        by,
        Some(&s.region_code),
        &format!("report.{history_action}"),
        &format!("report:{report_id}"),
        Some(&before),
        Some(&after),
    )
    .await?;
    Ok(Changed {
        version,
        attachment: file.filter(|f| f.action == "attach").map(|f| f.id),
    })
}

/// A report's values by target id, as the history and the audit log keep them.
async fn values_of(tx: &mut crate::Tx, report_id: i64) -> StoreResult<Value> {
    let values: Vec<(i64, Option<f64>)> = on_tx!(&mut *tx, |c| sqlx::query_as(
        "SELECT target_id, value FROM report_value WHERE report_id = $1 ORDER BY target_id"
    )
    .bind(report_id)
    .fetch_all(&mut *c)
    .await)?;
    Ok(values
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect::<serde_json::Map<_, _>>()
        .into())
}

/// Let a unit submit after the lock date (an office's exception), audited.
pub async fn grant_exception(db: &Db, report_id: i64, by: &AuditActor) -> StoreResult<()> {
    let s = slot(db, report_id).await?;
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE report SET exception = $1 WHERE id = $2"
    )
    .bind(true)
    .bind(report_id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    audit::record_in_region(
        &mut tx,
        by,
        Some(&s.region_code),
        "report.exception",
        &format!("report:{report_id}"),
        Some(&json!({"exception": s.exception})),
        Some(&json!({"exception": true})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn invalid(m: impl Into<String>) -> StoreError {
    StoreError::Invalid(m.into())
}
