//! A plan's indicators evaluated for a region (and unit) on a day: the rows of the dashboards,
//! the exports and `kesu indicators`.

use super::cache::{
    ObservationsByTarget, cached_entities, cached_observations, data_version, memo_get, memo_put,
};
use super::plan_period;
use super::records::{is_literacy_share, share_observations};
use super::regions::populations;
use super::targets::{PlanTarget, plan_targets, tasks_of_unit};
use crate::plans::{self, PlanRow};
use crate::{Db, StoreResult};
use kesu_core::TargetValue;
use kesu_core::report::Period;
use kesu_indicators::actual::{self, Population};
use kesu_indicators::progress::target_zh;
use kesu_indicators::{
    Context, Evaluation, Indicator, Light, Observation, Status, Window, evaluate, mean_progress,
};
use serde::Serialize;
use std::collections::HashMap;
use time::Date;

/// What to evaluate.
#[derive(Debug, Clone)]
pub struct Query {
    pub plan_id: i64,
    /// Only reports from this region subtree (default: the plan's region).
    pub region: Option<String>,
    /// Only this unit's tasks and reports (a reporter's view, a unit's dashboard).
    pub unit_id: Option<i64>,
    /// Evaluate at the end of this period, with the rounds up to it.
    pub period: Option<Period>,
    /// The evaluation day when no period is given (today in China).
    pub as_of: Date,
}

impl Query {
    pub fn new(plan_id: i64, as_of: Date) -> Query {
        Query {
            plan_id,
            region: None,
            unit_id: None,
            period: None,
            as_of,
        }
    }

    /// The day the evaluation is for.
    pub fn day(&self) -> Date {
        self.period.map_or(self.as_of, |p| p.dates().1)
    }
}

/// An observation as listed under an indicator: the report it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceRef {
    /// The report; a recorded survey figure has its record id negated here (and unit 0).
    pub report_id: i64,
    pub unit_id: i64,
    pub region_code: String,
    pub period: String,
    pub value: f64,
}

/// Per-entity results in short.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageRow {
    pub total: usize,
    pub met: usize,
    pub no_data: usize,
    /// Names of entities not meeting the target (those without data included), at most 50.
    pub not_met: Vec<String>,
}

/// One period of a per-period target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodRow {
    pub period: String,
    pub actual: Option<f64>,
    pub met: Option<bool>,
    pub complete: bool,
}

/// One target evaluated: the row of `kesu indicators` and of the dashboard table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorRow {
    pub target_id: i64,
    pub task_id: Option<i64>,
    /// `二.(一).2`; `目标` for a goal.
    pub task_path: String,
    pub task_title: Option<String>,
    /// What is counted (科普基地数).
    pub indicator: String,
    /// The clause of the plan.
    pub text: String,
    /// `>`, `>=`, `=`, `<=`, `<`, `range`.
    pub comparator: String,
    /// A number, or `[low, high]`.
    pub target: TargetValue,
    /// "≥5000人次".
    pub target_zh: String,
    pub unit: String,
    pub year: Option<i32>,
    pub per: Option<String>,
    /// 计数（期间累加）, 存量（取最新值）, …
    pub kind: String,
    pub cumulative: bool,
    /// `None`: no accepted report (never 0).
    pub actual: Option<f64>,
    /// 0–1, capped.
    pub progress: Option<f64>,
    pub progress_uncapped: Option<f64>,
    /// Where the value should be by now.
    pub expected: Option<f64>,
    /// Share of the judged time span elapsed.
    pub elapsed: f64,
    pub status: Status,
    pub status_zh: &'static str,
    pub light: Light,
    /// Report ids the value came from, ascending.
    pub sources: Vec<i64>,
    /// Recorded survey figures the value came from ([`record_value`]), by record id.
    pub records: Vec<i64>,
    /// How the value is computed, in words.
    pub rule: String,
    /// How this value and status were reached, with the numbers.
    pub explanation: String,
    pub coverage: Option<CoverageRow>,
    pub periods: Vec<PeriodRow>,
}

/// Indicators by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StatusCounts {
    pub met: usize,
    pub on_track: usize,
    pub behind: usize,
    pub no_data: usize,
}

impl StatusCounts {
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a IndicatorRow>) -> StatusCounts {
        let mut c = StatusCounts::default();
        for r in rows {
            match r.status {
                Status::Met => c.met += 1,
                Status::OnTrack => c.on_track += 1,
                Status::Behind => c.behind += 1,
                Status::NoData => c.no_data += 1,
            }
        }
        c
    }

    pub fn total(&self) -> usize {
        self.met + self.on_track + self.behind + self.no_data
    }
}

/// A plan's indicators evaluated for a region (and unit) on a day.
#[derive(Debug, Clone, Serialize)]
pub struct PlanIndicators {
    pub plan_id: i64,
    pub plan_title: String,
    pub plan_region: String,
    /// The region whose reports were used.
    pub region: String,
    pub unit_id: Option<i64>,
    pub plan_period: [i32; 2],
    pub period: Option<String>,
    pub as_of: Date,
    pub counts: StatusCounts,
    /// Mean capped progress, no data counted as 0.
    pub mean_progress: Option<f64>,
    pub indicators: Vec<IndicatorRow>,
}

/// Everything loaded once for evaluating a plan's indicators.
pub struct Loaded {
    pub plan: PlanRow,
    pub region: String,
    pub targets: Vec<PlanTarget>,
    /// Observations per target id, in region order.
    observations: HashMap<i64, Picked>,
    all: std::sync::Arc<ObservationsByTarget>,
    pub population: Population,
    pub plan_period: [i32; 2],
    pub day: Date,
}

/// Load a plan's targets (a unit's only, when the query names one) and their observations.
pub async fn load(db: &Db, q: &Query) -> StoreResult<Loaded> {
    let plan = plans::get(db, q.plan_id).await?;
    let region = q.region.clone().unwrap_or_else(|| plan.region_code.clone());
    let day = q.day();
    let mut targets = plan_targets(db, q.plan_id).await?;
    if let Some(u) = q.unit_id {
        let tasks = tasks_of_unit(db, q.plan_id, u).await?;
        targets.retain(|t| t.task_id.is_some_and(|id| tasks.contains(&id)));
    }
    let all = cached_observations(db, q.plan_id).await?;
    // Periods that have ended by the day.
    let by_day = Window {
        from: Date::MIN,
        to: day,
    }
    .months();
    let mut observations: HashMap<i64, Picked> = HashMap::new();
    for t in &targets {
        let Some(list) = all.get(&t.target_id) else {
            continue;
        };
        // Each list is in region order: the region's subtree is one slice, used in place when
        // nothing else narrows it (the common case: no unit, no report after the day).
        let lo = list.partition_point(|o| o.region_code.as_str() < region.as_str());
        let hi = lo + list[lo..].partition_point(|o| o.region_code.starts_with(region.as_str()));
        let keep =
            |o: &Observation| q.unit_id.is_none_or(|u| o.unit_id == u) && by_day.contains(o.period);
        let slice = &list[lo..hi];
        let picked = if slice.iter().all(keep) {
            Picked::Range(lo, hi)
        } else {
            Picked::Owned(slice.iter().filter(|o| keep(o)).cloned().collect())
        };
        observations.insert(t.target_id, picked);
    }
    // The literacy share goal: the survey figures the office recorded.
    for t in targets
        .iter()
        .filter(|t| t.task_id.is_none() && is_literacy_share(&t.target))
    {
        let obs = share_observations(db, &region, day.year()).await?;
        if !obs.is_empty() {
            let mut list = observations
                .remove(&t.target_id)
                .map(|p| p.slice(&all, t.target_id).to_vec())
                .unwrap_or_default();
            list.extend(obs);
            list.sort_by(|a, b| a.region_code.cmp(&b.region_code));
            observations.insert(t.target_id, Picked::Owned(list));
        }
    }
    let population = populations(db, &region, day.year()).await?;
    let plan_period = plan_period(&plan);
    Ok(Loaded {
        plan,
        region,
        targets,
        observations,
        all,
        population,
        plan_period,
        day,
    })
}

/// A target's observations in a [`Loaded`]: a slice of the cached ones, or a filtered copy.
enum Picked {
    Range(usize, usize),
    Owned(Vec<Observation>),
}

impl Picked {
    fn slice<'a>(&'a self, all: &'a ObservationsByTarget, target: i64) -> &'a [Observation] {
        match self {
            Picked::Range(lo, hi) => all.get(&target).map_or(&[][..], |v| &v[*lo..*hi]),
            Picked::Owned(v) => v,
        }
    }
}

impl Loaded {
    /// The observations of a target in the query's scope, in region order.
    pub fn observations(&self, target: i64) -> &[Observation] {
        self.observations
            .get(&target)
            .map_or(&[][..], |p| p.slice(&self.all, target))
    }
}

/// Evaluate a plan's indicators (kept while the data is unchanged; see [`data_version`]).
pub async fn evaluate_plan(db: &Db, q: &Query) -> StoreResult<PlanIndicators> {
    let version = data_version(db).await?;
    let key = format!(
        "eval/{}/{}/{:?}/{:?}/{}",
        q.plan_id,
        q.region.as_deref().unwrap_or("-"),
        q.unit_id,
        q.period.map(|p| p.code()),
        q.as_of
    );
    if let Some(v) = memo_get::<PlanIndicators>(db, &key, version) {
        return Ok((*v).clone());
    }
    let out = evaluate_uncached(db, q, version).await?;
    memo_put(db, &key, version, std::sync::Arc::new(out.clone()));
    Ok(out)
}

async fn evaluate_uncached(db: &Db, q: &Query, version: i64) -> StoreResult<PlanIndicators> {
    let l = load(db, q).await?;
    let mut rows = Vec::with_capacity(l.targets.len());
    let mut evaluations = Vec::with_capacity(l.targets.len());
    for t in &l.targets {
        let ind = Indicator::from_target(&t.target);
        let obs = l.observations(t.target_id);
        let entities = match ind.kind.entity() {
            Some(e) => Some(cached_entities(db, &l.region, e, version).await?),
            None => None,
        };
        let mut ctx = Context::new(l.plan_period, l.day).with_population(&l.population);
        if let Some(e) = entities.as_deref().and_then(|e| e.as_deref()) {
            ctx = ctx.with_entities(e);
        }
        // A share is on track against the path from where it stood the year before the plan
        // (the 2020 survey for a 2021–2025 plan), when that figure is recorded.
        if ind.kind == kesu_indicators::Kind::Share {
            let before = Window::years(l.plan_period[0] - 1, l.plan_period[0] - 1);
            if let Some(b) =
                actual::actual(ind.aggregation, obs, &before, Some(&l.population)).value
            {
                ctx = ctx.with_baseline(b);
            }
        }
        let ev = evaluate(&ind, obs, &ctx);
        rows.push(row(t, &ind, &ev));
        evaluations.push(ev);
    }
    let mp = mean_progress(&evaluations);
    Ok(PlanIndicators {
        plan_id: l.plan.id,
        plan_title: l.plan.title.clone(),
        plan_region: l.plan.region_code.clone(),
        region: l.region.clone(),
        unit_id: q.unit_id,
        plan_period: l.plan_period,
        period: q.period.map(|p| p.code()),
        as_of: l.day,
        counts: StatusCounts::of(&rows),
        mean_progress: mp.mean,
        indicators: rows,
    })
}

fn row(t: &PlanTarget, ind: &Indicator, ev: &Evaluation) -> IndicatorRow {
    let mut ids: Vec<i64> = ev.sources.iter().map(|s| s.report_id).collect();
    if let Some(c) = &ev.coverage {
        ids.extend(c.sources.iter().map(|s| s.report_id));
    }
    ids.sort_unstable();
    ids.dedup();
    // Recorded survey figures carry their record id negated (see `share_observations`).
    let (mut records, sources): (Vec<i64>, Vec<i64>) = ids.into_iter().partition(|id| *id < 0);
    for r in &mut records {
        *r = -*r;
    }
    records.sort_unstable();
    IndicatorRow {
        target_id: t.target_id,
        task_id: t.task_id,
        task_path: if t.task_path.is_empty() {
            "目标".to_string()
        } else {
            t.task_path.clone()
        },
        task_title: t.task_title.clone(),
        indicator: t.target.indicator.clone(),
        text: t.target.text.clone(),
        comparator: t.target.comparator.symbol().to_string(),
        target: t.target.value,
        target_zh: target_zh(&t.target),
        unit: t.target.unit.clone(),
        year: t.target.year,
        per: t.target.per.clone(),
        kind: ind.kind.zh(),
        cumulative: ind.cumulative,
        actual: ev.actual,
        progress: ev.progress,
        progress_uncapped: ev.progress_uncapped,
        expected: ev.expected_value,
        elapsed: ev.elapsed,
        status: ev.status,
        status_zh: ev.status.zh(),
        light: ev.light,
        sources,
        records,
        rule: ind.rule.clone(),
        explanation: ev.explanation.clone(),
        coverage: ev.coverage.as_ref().map(|c| CoverageRow {
            total: c.total,
            met: c.met,
            no_data: c.no_data,
            not_met: c
                .not_met
                .iter()
                .take(50)
                .map(|e| e.entity.name.clone())
                .collect(),
        }),
        periods: ev
            .periods
            .iter()
            .map(|p| PeriodRow {
                period: p.label.clone(),
                actual: p.actual,
                met: p.met,
                complete: p.complete,
            })
            .collect(),
    }
}

/// Mean progress of a plan's indicators for each child region of `region` (reports of units in
/// that child's subtree), for the county comparison.
pub async fn progress_by_child(
    db: &Db,
    plan_id: i64,
    region: &str,
    as_of: Date,
) -> StoreResult<Vec<(String, String, PlanIndicators)>> {
    let children = crate::regions::children(db, Some(region)).await?;
    let mut out = Vec::with_capacity(children.len());
    for c in children {
        let mut q = Query::new(plan_id, as_of);
        q.region = Some(c.code.clone());
        let p = evaluate_plan(db, &q).await?;
        out.push((c.code, c.name, p));
    }
    Ok(out)
}
