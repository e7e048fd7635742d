//! Reporting discipline: reports late or returned in a year.

use super::cache;
use crate::regions::prefix_end;
use crate::{Db, StoreResult};
use serde::Serialize;
use time::Date;

/// A report that was late or sent back in a year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LateOrReturned {
    pub report_id: i64,
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

struct DisciplineRow {
    report_id: i64,
    plan_id: i64,
    unit_id: i64,
    unit_name: String,
    region_code: String,
    task_path: String,
    task_title: String,
    period: String,
    due_date: Date,
    submitted_at: Option<time::OffsetDateTime>,
    state: String,
    returned: i64,
}
from_row!(DisciplineRow {
    report_id: i64,
    plan_id: i64,
    unit_id: i64,
    unit_name: String,
    region_code: String,
    task_path: String,
    task_title: String,
    period: String,
    due_date: Date,
    submitted_at: Option<time::OffsetDateTime>,
    state: String,
    returned: i64,
});

/// Reports of the rounds of `year` (any period in it, any plan, demo rounds left out) from
/// units in `region`'s subtree that were late (submitted after the due date, or not
/// submitted and past it on `today`) or returned at least once. The return reasons stay out:
/// they are internal.
pub async fn late_or_returned(
    db: &Db,
    region: &str,
    year: i32,
    today: Date,
) -> StoreResult<Vec<LateOrReturned>> {
    let g = cache::sync(db).await?;
    let key = format!("late/{region}/{year}/{today}");
    if let Some(v) = cache::kept::<Vec<LateOrReturned>>(db, &key, g.data) {
        return Ok((*v).clone());
    }
    let hi = prefix_end(region);
    // A province's year is a million reports, nearly all on time: SQL keeps only those that may
    // be late or were returned — not handed in, handed in after the due day as stored, or with
    // a return event — each read through an index (migration 0012; the rounds of the year
    // first, which CROSS JOIN keeps SQLite to), not by scanning the year; the exact rule, in
    // China's calendar, is applied below.
    let rows: Vec<DisciplineRow> = on_db!(db, |p| {
        sqlx::query_as(
        "WITH yr AS (SELECT id, due_date FROM reporting_round WHERE period LIKE $3 AND demo = $4),
         cand AS (
           SELECT rp.id FROM report rp
            WHERE rp.round_id IN (SELECT id FROM yr)
              AND rp.state IN ('not_started', 'draft', 'returned')
           UNION
           SELECT rp.id FROM yr CROSS JOIN report rp
            WHERE rp.round_id = yr.id
              AND rp.state IN ('submitted', 'accepted') AND rp.submitted_at > yr.due_date
           UNION
           SELECT e.report_id FROM report_event e WHERE e.action = 'return')
         SELECT rp.id AS report_id, r.plan_id, rp.unit_id, u.name AS unit_name, rp.region_code,
                t.path AS task_path, t.title AS task_title, r.period, r.due_date, rp.submitted_at,
                rp.state,
                (SELECT COUNT(*) FROM report_event e WHERE e.report_id = rp.id AND e.action = 'return') AS returned
         FROM cand c
         JOIN report rp ON rp.id = c.id
         JOIN reporting_round r ON r.id = rp.round_id
         JOIN unit u ON u.id = rp.unit_id
         JOIN task t ON t.id = rp.task_id
         WHERE rp.region_code >= $1 AND rp.region_code < $2 AND r.period LIKE $3 AND r.demo = $4"
    )
    .bind(region)
    .bind(&hi)
    .bind(format!("{year}%"))
    .bind(false)
    .fetch_all(p)
    .await
    })?;
    let mut out: Vec<LateOrReturned> = rows
        .into_iter()
        .filter_map(|r| {
            let state = kesu_core::report::ReportState::parse(&r.state)?;
            let submitted_on = r.submitted_at.map(crate::reporting::china_date);
            let late = kesu_core::report::is_late(state, submitted_on, today, r.due_date);
            (late || r.returned > 0).then_some(LateOrReturned {
                report_id: r.report_id,
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
        (&a.region_code, &a.unit_name, &a.period, &a.task_path).cmp(&(
            &b.region_code,
            &b.unit_name,
            &b.period,
            &b.task_path,
        ))
    });
    let bytes = out.len() * 256;
    cache::keep(db, &key, g.data, std::sync::Arc::new(out.clone()), bytes);
    Ok(out)
}
