//! Observations: accepted report values by target, region and report, with the
//! lead-over-cooperating rule applied.
//!
//! A task's lead unit consolidates its cooperating units' input: when a lead unit's report
//! gives a value for a target in a round, the cooperating units' values for it in that round
//! are left out, so that the same work is not counted twice. Units with no role
//! ("responsible", and the villages of a per-entity target) always count. The rule is applied
//! over the whole plan, whatever region or unit is looked at.

use crate::regions::prefix_end;
use crate::{Db, StoreError, StoreResult};
use kesu_core::report::Period;
use kesu_indicators::Observation;
use kesu_indicators::actual::SharedCode;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use time::Date;

/// Which observations to load.
#[derive(Debug, Clone, Default)]
pub struct ObservationFilter {
    /// Only reports of units in this region subtree.
    pub region: Option<String>,
    /// Only this unit's reports.
    pub unit_id: Option<i64>,
    /// Only rounds whose period ends on or before this day.
    pub until: Option<Date>,
}

/// One accepted value for one target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetObservation {
    pub target_id: i64,
    pub observation: Observation,
}

pub(super) struct ObsRow {
    pub(super) target_id: i64,
    pub(super) report_id: i64,
    pub(super) unit_id: i64,
    /// 1 lead, 2 cooperating, 0 otherwise (an integer: one string less per row).
    pub(super) role: i32,
    pub(super) region_code: String,
    pub(super) round_id: i64,
    pub(super) value: f64,
}
from_row!(ObsRow {
    target_id: i64,
    report_id: i64,
    unit_id: i64,
    role: i32,
    region_code: String,
    round_id: i64,
    value: f64,
});

const VALUES: &str = "SELECT v.target_id, v.report_id, rp.unit_id,
        CASE rp.role WHEN 'lead' THEN 1 WHEN 'cooperating' THEN 2 ELSE 0 END AS role,
        rp.region_code, rp.round_id, v.value
 FROM reporting_round r
 JOIN report rp ON rp.round_id = r.id
 JOIN report_value v ON v.report_id = rp.id
 WHERE rp.state = 'accepted' AND v.value IS NOT NULL AND r.plan_id = $1";

/// The period of each round of a plan.
pub(super) async fn plan_rounds(db: &Db, plan_id: i64) -> StoreResult<HashMap<i64, Period>> {
    let rounds: Vec<(i64, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, period FROM reporting_round WHERE plan_id = $1"
    )
    .bind(plan_id)
    .fetch_all(p)
    .await)?;
    let mut out = HashMap::with_capacity(rounds.len());
    for (id, code) in rounds {
        let p = Period::parse(&code)
            .map_err(|e| StoreError::Invalid(format!("填报轮次 {id} 的期间无法识别：{e}")))?;
        out.insert(id, p);
    }
    Ok(out)
}

/// Every accepted value of a plan (unsorted: a province's villages are millions of rows).
pub(super) async fn all_rows(db: &Db, plan_id: i64) -> StoreResult<Vec<ObsRow>> {
    Ok(on_db!(db, |p| sqlx::query_as(VALUES)
        .bind(plan_id)
        .fetch_all(p)
        .await)?)
}

/// [`to_observations`] by target (a province's millions of rows are not copied twice).
pub(super) fn by_target(
    rows: Vec<ObsRow>,
    periods: &HashMap<i64, Period>,
) -> HashMap<i64, Vec<Observation>> {
    let led = led_rounds(&rows);
    let mut out: HashMap<i64, Vec<Observation>> = HashMap::new();
    let mut codes: HashMap<String, SharedCode> = HashMap::new();
    for r in rows {
        if let Some((target, o)) = observation(r, &led, periods, &mut codes) {
            out.entry(target).or_default().push(o);
        }
    }
    out
}

/// The (target, round) pairs a lead unit reported.
fn led_rounds(rows: &[ObsRow]) -> BTreeSet<(i64, i64)> {
    rows.iter()
        .filter(|r| r.role == 1)
        .map(|r| (r.target_id, r.round_id))
        .collect()
}

/// A row as an observation of its target, unless a lead unit's report supersedes it or its
/// round's period is unknown. Codes are shared: a village's twenty reports hold one copy.
fn observation(
    r: ObsRow,
    led: &BTreeSet<(i64, i64)>,
    periods: &HashMap<i64, Period>,
    codes: &mut HashMap<String, SharedCode>,
) -> Option<(i64, Observation)> {
    if r.role == 2 && led.contains(&(r.target_id, r.round_id)) {
        return None;
    }
    let period = periods.get(&r.round_id).copied()?;
    Some((
        r.target_id,
        Observation {
            report_id: r.report_id,
            unit_id: r.unit_id,
            region_code: codes
                .entry(r.region_code)
                .or_insert_with_key(|k| SharedCode::from(k.as_str()))
                .clone(),
            period,
            value: r.value,
            accepted: true,
        },
    ))
}

/// Rows as observations, the lead-over-cooperating rule applied among them (the rows must hold
/// every lead report's values of the rounds whose cooperating values they hold).
pub(super) fn to_observations(
    rows: Vec<ObsRow>,
    periods: &HashMap<i64, Period>,
) -> Vec<TargetObservation> {
    let led = led_rounds(&rows);
    let mut codes: HashMap<String, SharedCode> = HashMap::new();
    rows.into_iter()
        .filter_map(|r| observation(r, &led, periods, &mut codes))
        .map(|(target_id, observation)| TargetObservation {
            target_id,
            observation,
        })
        .collect()
}

/// The accepted report values of a plan's targets, by target, region and report (see the
/// module documentation for the lead-over-cooperating rule).
pub async fn observations(
    db: &Db,
    plan_id: i64,
    filter: &ObservationFilter,
) -> StoreResult<Vec<TargetObservation>> {
    let (lo, hi) = match filter.region.as_deref() {
        Some(r) if !r.is_empty() => (r.to_string(), prefix_end(r)),
        _ => (String::new(), ":".to_string()),
    };
    let periods = plan_rounds(db, plan_id).await?;
    let sql = sqlx::AssertSqlSafe(format!(
        "{VALUES} AND rp.region_code >= $2 AND rp.region_code < $3 AND ($4 IS NULL OR rp.unit_id = $4)"
    ));
    let mut rows: Vec<ObsRow> = on_db!(db, |p| sqlx::query_as(sql)
        .bind(plan_id)
        .bind(&lo)
        .bind(&hi)
        .bind(filter.unit_id)
        .fetch_all(p)
        .await)?;
    // The lead reports of the rounds of cooperating values, wherever their units are.
    let rounds: BTreeSet<i64> = rows
        .iter()
        .filter(|r| r.role == 2)
        .map(|r| r.round_id)
        .collect();
    if !rounds.is_empty() {
        let have: BTreeSet<i64> = rows.iter().map(|r| r.report_id).collect();
        let rounds: Vec<i64> = rounds.into_iter().collect();
        let leads: Vec<i64> = lead_and_cooperating(db, &rounds)
            .await?
            .into_iter()
            .filter(|r| r.2 == 1 && !have.contains(&r.0))
            .map(|r| r.0)
            .collect();
        for chunk in leads.chunks(500) {
            let extra = fetch_reports(db, plan_id, chunk).await?;
            // Only to apply the rule: marked so as not to be kept.
            rows.extend(extra.into_iter().map(|r| ObsRow { unit_id: -1, ..r }));
        }
    }
    let mut out: Vec<TargetObservation> = to_observations(rows, &periods)
        .into_iter()
        .filter(|o| o.observation.unit_id != -1)
        .filter(|o| {
            filter
                .until
                .is_none_or(|u| o.observation.period.dates().1 <= u)
        })
        .collect();
    // By target, then region (byte order, whatever the server's collation): the roll-up looks
    // regions up in order and a region's subtree is one slice.
    out.sort_unstable_by(|a, b| {
        (
            a.target_id,
            a.observation.region_code.as_str(),
            a.observation.report_id,
        )
            .cmp(&(
                b.target_id,
                b.observation.region_code.as_str(),
                b.observation.report_id,
            ))
    });
    Ok(out)
}

/// A report as the cache needs it: id, region, role (1 lead, 2 cooperating, 0 other), round.
pub(super) type ReportKey = (i64, String, i32, i64);

const REPORT_KEY: &str = "SELECT rp.id, rp.region_code,
        CASE rp.role WHEN 'lead' THEN 1 WHEN 'cooperating' THEN 2 ELSE 0 END AS role, rp.round_id
 FROM report rp";

/// Which of these reports are the plan's, whatever their state.
pub(super) async fn reports_of_plan(
    db: &Db,
    plan_id: i64,
    ids: &[i64],
) -> StoreResult<Vec<ReportKey>> {
    macro_rules! run {
        ($dbt:ty, $p:expr) => {{
            let mut qb: sqlx::QueryBuilder<$dbt> = sqlx::QueryBuilder::new(REPORT_KEY);
            qb.push(" JOIN reporting_round r ON r.id = rp.round_id WHERE r.plan_id = ");
            qb.push_bind(plan_id);
            qb.push(" AND rp.id IN (");
            let mut sep = qb.separated(", ");
            for id in ids {
                sep.push_bind(*id);
            }
            sep.push_unseparated(")");
            qb.build_query_as::<ReportKey>().fetch_all($p).await?
        }};
    }
    Ok(match db {
        Db::Sqlite(p, _) => run!(sqlx::Sqlite, p),
        Db::Postgres(p) => run!(sqlx::Postgres, &crate::replica::reader(p)),
    })
}

/// Every lead and cooperating report of some rounds, whatever their state.
pub(super) async fn lead_and_cooperating(db: &Db, rounds: &[i64]) -> StoreResult<Vec<ReportKey>> {
    let mut out = Vec::new();
    for chunk in rounds.chunks(500) {
        macro_rules! run {
            ($dbt:ty, $p:expr) => {{
                let mut qb: sqlx::QueryBuilder<$dbt> = sqlx::QueryBuilder::new(REPORT_KEY);
                qb.push(" WHERE rp.role IN ('lead', 'cooperating') AND rp.round_id IN (");
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                sep.push_unseparated(")");
                qb.build_query_as::<ReportKey>().fetch_all($p).await?
            }};
        }
        out.extend(match db {
            Db::Sqlite(p, _) => run!(sqlx::Sqlite, p),
            Db::Postgres(p) => run!(sqlx::Postgres, &crate::replica::reader(p)),
        });
    }
    Ok(out)
}

/// The accepted values of some reports of a plan (the observation query for an id list).
pub(super) async fn fetch_reports(db: &Db, plan_id: i64, ids: &[i64]) -> StoreResult<Vec<ObsRow>> {
    macro_rules! run {
        ($dbt:ty, $p:expr) => {{
            let mut qb: sqlx::QueryBuilder<$dbt> = sqlx::QueryBuilder::new(
                "SELECT v.target_id, v.report_id, rp.unit_id,
                        CASE rp.role WHEN 'lead' THEN 1 WHEN 'cooperating' THEN 2 ELSE 0 END AS role,
                        rp.region_code, rp.round_id, v.value
                 FROM reporting_round r
                 JOIN report rp ON rp.round_id = r.id
                 JOIN report_value v ON v.report_id = rp.id
                 WHERE rp.state = 'accepted' AND v.value IS NOT NULL AND r.plan_id = ",
            );
            qb.push_bind(plan_id);
            qb.push(" AND rp.id IN (");
            let mut sep = qb.separated(", ");
            for id in ids {
                sep.push_bind(*id);
            }
            sep.push_unseparated(")");
            qb.build_query_as::<ObsRow>().fetch_all($p).await?
        }};
    }
    Ok(match db {
        Db::Sqlite(p, _) => run!(sqlx::Sqlite, p),
        Db::Postgres(p) => run!(sqlx::Postgres, &crate::replica::reader(p)),
    })
}
