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

/// The late-and-returned query. SQL keeps the reports that may be late or were returned (not
/// handed in, handed in after the due day as stored, or with a return event), each set read
/// through an index (report by round, state and hand-in time, migration 0012; report events by
/// action) from the rounds in scope, not by scanning the region's reports; the exact rule is
/// applied by the caller. The candidates then drive the join to their reports by id. Both
/// backends must be held to that order, each in its own words: SQLite plans the statement
/// before the region's bounds are bound and would walk the region's reports by code (`CROSS
/// JOIN` fixes its join order); PostgreSQL estimates a third of a round as handed in late and
/// would scan every report with a hash join (a `LATERAL` subquery with `OFFSET 0` is a
/// parameterised index search per round and per candidate). The states not handed in are
/// named (rather than `NOT IN` the others) so that the index is searched by state.
fn late_sql(postgres: bool) -> String {
    // How a set of reports is read per round, and how the candidates reach their reports.
    let by_round = |cond: &str| {
        if postgres {
            format!(
                "SELECT x.id FROM rd CROSS JOIN LATERAL
                   (SELECT rp.id FROM report rp WHERE rp.round_id = rd.id AND {cond} OFFSET 0) x"
            )
        } else {
            format!(
                "SELECT rp.id FROM rd CROSS JOIN report rp WHERE rp.round_id = rd.id AND {cond}"
            )
        }
    };
    let by_id = if postgres {
        "CROSS JOIN LATERAL (SELECT * FROM report rp WHERE rp.id = c.id OFFSET 0) rp"
    } else {
        "CROSS JOIN report rp"
    };
    let waiting = by_round("rp.state IN ('not_started', 'draft', 'returned')");
    let late = by_round(
        "rp.state IN ('submitted', 'prereviewed', 'accepted') AND rp.submitted_at > rd.due_date",
    );
    let same = if postgres { "" } else { "rp.id = c.id AND " };
    let materialized = if postgres { "MATERIALIZED " } else { "" };
    format!(
        "WITH rd AS {materialized}(SELECT id, due_date FROM reporting_round
                     WHERE ($3 IS NULL OR id = $3) AND ($4 IS NULL OR period LIKE $4)),
         cand AS {materialized}({waiting}
           UNION
           {late}
           UNION
           SELECT e.report_id FROM report_event e WHERE e.action = 'return')
         SELECT rp.id AS report_id, r.id AS round_id, r.plan_id, rp.unit_id, u.name AS unit_name,
                rp.region_code, t.path AS task_path, t.title AS task_title, r.period, r.due_date,
                rp.submitted_at, rp.state,
                (SELECT COUNT(*) FROM report_event e WHERE e.report_id = rp.id AND e.action = 'return') AS returned
         FROM cand c
         {by_id}
         JOIN reporting_round r ON r.id = rp.round_id
         JOIN unit u ON u.id = rp.unit_id
         JOIN task t ON t.id = rp.task_id
         WHERE {same}rp.region_code >= $1 AND rp.region_code < $2
           AND ($3 IS NULL OR r.id = $3)
           AND ($4 IS NULL OR r.period LIKE $4)"
    )
}

/// The late or returned reports in `scope` on day `today`, by region, unit, period and task.
/// The return reasons stay out: they are internal.
pub async fn late_or_returned(
    db: &Db,
    scope: &Scope<'_>,
    today: Date,
) -> StoreResult<Vec<LateOrReturned>> {
    // Kept until the next write (a province's year is a million reports; the annual report,
    // its assessment and the round pages ask again and again).
    let g = crate::indicators::cache::sync(db).await?;
    let key = format!(
        "discipline/{}/{:?}/{:?}/{today}",
        scope.region, scope.round, scope.year
    );
    if let Some(v) = crate::indicators::cache::kept::<Vec<LateOrReturned>>(db, &key, g.data) {
        return Ok((*v).clone());
    }
    let hi = crate::regions::prefix_end(scope.region);
    let period = scope.year.map(|y| format!("{y}%"));
    // One query per backend, each held to the same order (see `late_sql`).
    let rows: Vec<Row> = match db {
        Db::Sqlite(p, _) => {
            sqlx::query_as(sqlx::AssertSqlSafe(late_sql(false)))
                .bind(scope.region)
                .bind(&hi)
                .bind(scope.round)
                .bind(&period)
                .fetch_all(p)
                .await?
        }
        Db::Postgres(p) => {
            sqlx::query_as(sqlx::AssertSqlSafe(late_sql(true)))
                .bind(scope.region)
                .bind(&hi)
                .bind(scope.round)
                .bind(&period)
                .fetch_all(&crate::replica::reader(p))
                .await?
        }
    };
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
    let bytes = out.len() * 256;
    crate::indicators::cache::keep(db, &key, g.data, std::sync::Arc::new(out.clone()), bytes);
    Ok(out)
}
