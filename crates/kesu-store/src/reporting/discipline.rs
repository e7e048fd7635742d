//! Late and returned reports (报送纪律): the one query behind the round pages' 逾期 numbers and
//! lists and the annual report's list of late and returned reports, so that the two always
//! agree. A report is late when it was handed in after its round's due date, or is still not
//! handed in and the due date has passed (`kesu_core::report::is_late`, in China's calendar);
//! returned when the office sent it back at least once (or reopened it and it waits again).

use crate::{Db, StoreResult};
use serde::Serialize;
use time::{Date, OffsetDateTime};

/// A report that was late or sent back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LateOrReturned {
    pub report_id: i64,
    pub round_id: i64,
    pub plan_id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub region_code: String,
    pub task_path: String,
    pub task_title: String,
    pub period: String,
    pub due_date: Date,
    pub submitted_on: Option<Date>,
    pub state: String,
    pub late: bool,
    /// How many times the office returned it.
    pub returned: i64,
}

struct Row {
    report_id: i64,
    round_id: i64,
    plan_id: i64,
    unit_id: i64,
    unit_name: String,
    region_code: String,
    task_path: String,
    task_title: String,
    period: String,
    due_date: Date,
    submitted_at: Option<OffsetDateTime>,
    state: String,
    returned: i64,
}
from_row!(Row {
    report_id: i64,
    round_id: i64,
    plan_id: i64,
    unit_id: i64,
    unit_name: String,
    region_code: String,
    task_path: String,
    task_title: String,
    period: String,
    due_date: Date,
    submitted_at: Option<OffsetDateTime>,
    state: String,
    returned: i64,
});

/// Which reports to look at: those of units in `region`'s subtree, in one round or in the
/// rounds of one year (any period in it).
#[derive(Debug, Clone)]
pub struct Scope<'a> {
    pub region: &'a str,
    pub round: Option<i64>,
    pub year: Option<i32>,
}

/// The late or returned reports in `scope` on day `today`, by region, unit, period and task.
/// The return reasons stay out: they are internal.
pub async fn late_or_returned(
    db: &Db,
    scope: &Scope<'_>,
    today: Date,
) -> StoreResult<Vec<LateOrReturned>> {
    let hi = crate::regions::prefix_end(scope.region);
    let period = scope.year.map(|y| format!("{y}%"));
    // SQL keeps the reports that may be late or were returned (not handed in, handed in after
    // the due day as stored, or with a return event); the exact rule is applied below.
    let rows: Vec<Row> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT rp.id AS report_id, r.id AS round_id, r.plan_id, rp.unit_id, u.name AS unit_name,
                rp.region_code, t.path AS task_path, t.title AS task_title, r.period, r.due_date,
                rp.submitted_at, rp.state,
                (SELECT COUNT(*) FROM report_event e WHERE e.report_id = rp.id AND e.action = 'return') AS returned
         FROM reporting_round r
         JOIN report rp ON rp.round_id = r.id
         JOIN unit u ON u.id = rp.unit_id
         JOIN task t ON t.id = rp.task_id
         WHERE rp.region_code >= $1 AND rp.region_code < $2
           AND ($3 IS NULL OR r.id = $3)
           AND ($4 IS NULL OR r.period LIKE $4)
           AND (rp.state NOT IN ('submitted', 'prereviewed', 'accepted') OR rp.submitted_at > r.due_date
                OR EXISTS (SELECT 1 FROM report_event e
                           WHERE e.report_id = rp.id AND e.action = 'return'))"
    )
    .bind(scope.region)
    .bind(&hi)
    .bind(scope.round)
    .bind(&period)
    .fetch_all(p)
    .await
    })?;
    let mut out: Vec<LateOrReturned> = rows
        .into_iter()
        .filter_map(|r| {
            let state = kesu_core::report::ReportState::parse(&r.state)?;
            let submitted_on = r.submitted_at.map(super::china_date);
            let late = kesu_core::report::is_late(state, submitted_on, today, r.due_date);
            // Sent back: returned by the office, or reopened after acceptance (解锁).
            let sent_back = r.returned > 0 || state == kesu_core::report::ReportState::Returned;
            (late || sent_back).then_some(LateOrReturned {
                report_id: r.report_id,
                round_id: r.round_id,
                plan_id: r.plan_id,
                unit_id: r.unit_id,
                unit_name: r.unit_name,
                region_code: r.region_code,
                task_path: r.task_path,
                task_title: r.task_title,
                period: r.period,
                due_date: r.due_date,
                submitted_on,
                state: r.state,
                late,
                returned: r.returned,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (
            &a.region_code,
            &a.unit_name,
            &a.period,
            &a.task_path,
            a.report_id,
        )
            .cmp(&(
                &b.region_code,
                &b.unit_name,
                &b.period,
                &b.task_path,
                b.report_id,
            ))
    });
    Ok(out)
}
