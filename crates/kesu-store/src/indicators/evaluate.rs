//! A plan's indicators evaluated for a region (and unit) on a day: the rows of the dashboards,
//! the exports and `kesu indicators`.
//!
//! Most views are read from the plan's live state ([`super::cache`]): each target's figures at
//! the region, kept current as reports change, and the report ids behind them. What the live
//! state does not serve is evaluated from a list of observations, with the same rules: a
//! unit's view (its own reports, read by unit), a region outside the plan's tree, the literacy
//! goal (its recorded survey figures), a per-entity target over schools and a `Max` target.

use super::cache::{self, Generation, PlanLive};
use super::observations::{ObservationFilter, observations};
use super::plan_period;
use super::records::{is_literacy_share, share_observations};
use super::regions::{EntityList, entities, entity_list, populations};
use super::targets::{PlanTarget, plan_targets, tasks_of_unit};
use crate::plans;
use crate::{Db, StoreResult};
use kesu_core::TargetValue;
use kesu_core::report::Period;
use kesu_indicators::actual::Population;
use kesu_indicators::coverage::Entity;
use kesu_indicators::progress::target_zh;
use kesu_indicators::{
    Context, Evaluation, Facts, Indicator, Kind, Light, LivePlan, Observation, Status, Window,
    evaluate, evaluate_facts, mean_progress,
};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
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
    pub sources: SourceIds,
    /// Recorded survey figures the value came from ([`record_value`]), by record id.
    pub records: Vec<i64>,
    /// How the value is computed, in words.
    pub rule: String,
    /// How this value and status were reached, with the numbers.
    pub explanation: String,
    pub coverage: Option<CoverageRow>,
    pub periods: Vec<PeriodRow>,
    /// When the services' records answer the target (志愿者, 活动, 参与人次…): the value above
    /// is counted from them, and what units reported is shown beside.
    pub fed: Option<FedRow>,
}

/// A target's value counted from the services' records (指标自动取数).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FedRow {
    /// `volunteers`, `participants`, … ([`kesu_services::feed::Feed::key`]).
    pub feed: &'static str,
    /// What is counted, in words (注册志愿者（人）).
    pub feed_zh: String,
    /// The records behind the value (`/services/stats/records?…`), for the evaluation's year.
    pub link: String,
    /// The value from accepted reports, shown beside (never added).
    pub reported: Option<f64>,
}

/// Report ids, ascending, shared rather than copied: a province's village-wide indicator has
/// a million, and every view of it hands them on. Reads as a slice (`len`, `iter`, `contains`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SourceIds(Arc<Vec<i64>>);

impl SourceIds {
    pub fn new(ids: Vec<i64>) -> SourceIds {
        SourceIds(Arc::new(ids))
    }
}

impl From<Arc<Vec<i64>>> for SourceIds {
    fn from(ids: Arc<Vec<i64>>) -> SourceIds {
        SourceIds(ids)
    }
}

impl std::ops::Deref for SourceIds {
    type Target = [i64];
    fn deref(&self) -> &[i64] {
        &self.0
    }
}

impl std::fmt::Debug for SourceIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

impl Serialize for SourceIds {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl PartialEq<Vec<i64>> for SourceIds {
    fn eq(&self, other: &Vec<i64>) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<[i64]> for SourceIds {
    fn eq(&self, other: &[i64]) -> bool {
        self.0.as_slice() == other
    }
}

impl<const N: usize> PartialEq<[i64; N]> for SourceIds {
    fn eq(&self, other: &[i64; N]) -> bool {
        self.0.as_slice() == other.as_slice()
    }
}

/// Indicators by status, counted by the pure crate's rule.
pub use kesu_indicators::StatusCounts;

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

/// Evaluate a plan's indicators (kept until the next write; see [`super::cache`]).
pub async fn evaluate_plan(db: &Db, q: &Query) -> StoreResult<PlanIndicators> {
    let g = cache::sync(db).await?;
    let key = format!(
        "eval/{}/{}/{:?}/{:?}/{}",
        q.plan_id,
        q.region.as_deref().unwrap_or("-"),
        q.unit_id,
        q.period.map(|p| p.code()),
        q.as_of
    );
    if let Some(v) = cache::kept::<PlanIndicators>(db, &key, g.data) {
        return Ok((*v).clone());
    }
    let out = compute(db, q, g).await?;
    let bytes = out
        .indicators
        .iter()
        .map(|r| 1024 + 8 * (r.sources.len() + r.records.len()) + r.explanation.len())
        .sum();
    cache::keep(db, &key, g.data, Arc::new(out.clone()), bytes);
    Ok(out)
}

/// The day's cut: periods that have ended by it.
fn ended_by(day: Date) -> kesu_indicators::actual::MonthSpan {
    Window {
        from: Date::MIN,
        to: day,
    }
    .months()
}

/// A plan's row, kept while reference data is unchanged (a plan's writes are audited as
/// `plan:`/`task:`, which bump the reference generation): one round trip less per view.
pub(super) async fn plan_row(
    db: &Db,
    plan_id: i64,
    g: Generation,
) -> StoreResult<Arc<plans::PlanRow>> {
    cache::reference(db, &format!("plan/{plan_id}"), g, || async {
        let row = plans::get(db, plan_id).await?;
        let bytes = 256 + row.title.len() + row.source_name.len();
        Ok((row, bytes))
    })
    .await
}

/// A plan's live targets, kept while reference data is unchanged (`target:`, `task:`, `plan:`).
pub(super) async fn targets_of(
    db: &Db,
    plan_id: i64,
    g: Generation,
) -> StoreResult<Arc<Vec<PlanTarget>>> {
    cache::reference(db, &format!("targets/{plan_id}"), g, || async {
        let t = plan_targets(db, plan_id).await?;
        let bytes = t.len() * 1024;
        Ok((t, bytes))
    })
    .await
}

/// Populations of a region's subtree in a year, kept while reference data is unchanged.
pub(super) async fn population(
    db: &Db,
    region: &str,
    year: i32,
    g: Generation,
) -> StoreResult<Arc<Population>> {
    cache::reference(db, &format!("pop/{region}/{year}"), g, || async {
        let p = populations(db, region, year).await?;
        let bytes = p.len() * 64;
        Ok((p, bytes))
    })
    .await
}

/// The entities of a per-entity target in a region, kept while reference data is unchanged.
async fn cached_entities(
    db: &Db,
    region: &str,
    entity: &str,
    g: Generation,
) -> StoreResult<Arc<Option<Vec<Entity>>>> {
    cache::reference(db, &format!("entities/{region}/{entity}"), g, || async {
        let e = entities(db, region, entity).await?;
        let bytes = e.as_ref().map_or(0, |v| v.len() * 64);
        Ok((e, bytes))
    })
    .await
}

/// Observations of a view read from the database (a unit's, or a region outside the plan's
/// tree), by target.
pub(super) async fn read_observations(
    db: &Db,
    plan_id: i64,
    region: &str,
    unit: Option<i64>,
    day: Date,
) -> StoreResult<HashMap<i64, Vec<Observation>>> {
    let filter = ObservationFilter {
        region: Some(region.to_string()),
        unit_id: unit,
        until: Some(day),
    };
    let mut out: HashMap<i64, Vec<Observation>> = HashMap::new();
    for o in observations(db, plan_id, &filter).await? {
        out.entry(o.target_id).or_default().push(o.observation);
    }
    Ok(out)
}

/// A target's observations at a region from the live plan, cut at the day.
pub(super) fn live_observations(
    pl: &PlanLive,
    target: i64,
    region: &str,
    day: Date,
) -> Vec<Observation> {
    let cut = ended_by(day);
    let mut v = pl.live.observations(target, region);
    v.retain(|o| cut.contains(o.period));
    v
}

/// Whether a target is evaluated from the live plan's figures.
pub(super) fn is_live(t: &PlanTarget, ind: &Indicator) -> bool {
    let level = match ind.kind.entity().map(entity_list) {
        Some(EntityList::Regions(l)) => Some(l),
        _ => None,
    };
    !literacy_goal(t) && LivePlan::supports(ind, level)
}

/// The literacy-share goal, evaluated on the survey figures the office recorded.
fn literacy_goal(t: &PlanTarget) -> bool {
    t.task_id.is_none() && is_literacy_share(&t.target)
}

async fn compute(db: &Db, q: &Query, g: Generation) -> StoreResult<PlanIndicators> {
    let plan = plan_row(db, q.plan_id, g).await?;
    let region = q.region.clone().unwrap_or_else(|| plan.region_code.clone());
    let day = q.day();
    let year = day.year();
    let plan_period = plan_period(&plan);
    let pop = population(db, &region, year, g).await?;
    // A unit's view reads its own reports; a region's view the plan's live state.
    let slot = match q.unit_id {
        None => Some(cache::plan(db, q.plan_id).await?),
        Some(_) => None,
    };
    let mut guard = match &slot {
        Some(s) => Some(s.lock().await),
        None => None,
    };
    let mut live = guard
        .as_deref_mut()
        .and_then(Option::as_mut)
        .filter(|pl| pl.live.contains(&region));
    let mut targets = match &live {
        Some(pl) => pl.targets.clone(),
        None => targets_of(db, q.plan_id, g).await?.as_ref().clone(),
    };
    if let Some(u) = q.unit_id {
        let tasks = tasks_of_unit(db, q.plan_id, u).await?;
        targets.retain(|t| t.task_id.is_some_and(|id| tasks.contains(&id)));
    }
    let mut read = match live {
        Some(_) => HashMap::new(),
        None => read_observations(db, q.plan_id, &region, q.unit_id, day).await?,
    };
    if let Some(pl) = live.as_deref_mut()
        && !pl.live.has_population(year)
    {
        let p = populations(db, &pl.region, year).await?;
        pl.live.set_population(year, p);
    }
    // The survey figures of the literacy goal and the services' records of the targets they
    // answer, read side by side (on PostgreSQL each read is a round trip).
    let literacy = targets.iter().any(literacy_goal);
    let (records, fed) = futures_util::future::try_join(
        async {
            match literacy {
                true => share_observations(db, &region, year).await.map(Some),
                false => Ok(None),
            }
        },
        async {
            match q.unit_id {
                None => fed_reads(db, &targets, &region, day).await,
                Some(_) => Ok(Vec::new()),
            }
        },
    )
    .await?;
    let mut rows = Vec::with_capacity(targets.len());
    let mut evaluations = Vec::with_capacity(targets.len());
    for t in &targets {
        let ind = Indicator::from_target(&t.target);
        let base = Context::new(plan_period, day);
        if let Some(pl) = live.as_deref_mut().filter(|_| is_live(t, &ind))
            && let Some(view) = pl.live.view(t.target_id, &region, day, year)
        {
            let mut ctx = base;
            if let Some(b) = baseline(&ind, plan_period, &view) {
                ctx = ctx.with_baseline(b);
            }
            let ev = evaluate_facts(&ind, &view, &ctx);
            let ids = view.sources(&ev.window);
            rows.push(row(t, &ind, &ev, Ids::Shared(ids)));
            evaluations.push(ev);
            continue;
        }
        let mut obs = match live.as_deref() {
            Some(pl) => live_observations(pl, t.target_id, &region, day),
            None => read.remove(&t.target_id).unwrap_or_default(),
        };
        if literacy_goal(t)
            && let Some(records) = records.as_ref().filter(|r| !r.is_empty())
        {
            obs.extend(records.iter().cloned());
            obs.sort_by(|a, b| a.region_code.cmp(&b.region_code));
        }
        let entities = match ind.kind.entity() {
            Some(e) => Some(cached_entities(db, &region, e, g).await?),
            None => None,
        };
        let mut ctx = base.with_population(&pop);
        if let Some(e) = entities.as_deref().and_then(|e| e.as_deref()) {
            ctx = ctx.with_entities(e);
        }
        // A share is on track against the path from where it stood the year before the plan
        // (the 2020 survey for a 2021–2025 plan), when that figure is recorded.
        let list = ListOf {
            ind: &ind,
            obs: &obs,
            pop: &pop,
        };
        if let Some(b) = baseline(&ind, plan_period, &list) {
            ctx = ctx.with_baseline(b);
        }
        let ev = evaluate(&ind, &obs, &ctx);
        let ids = flat_ids(&ev);
        rows.push(row(t, &ind, &ev, Ids::Listed(ids)));
        evaluations.push(ev);
    }
    drop(guard);
    fed_by_services(
        fed,
        &targets,
        &region,
        day,
        plan_period,
        &pop,
        &mut rows,
        &mut evaluations,
    );
    let mp = mean_progress(&evaluations);
    Ok(PlanIndicators {
        plan_id: plan.id,
        plan_title: plan.title.clone(),
        plan_region: plan.region_code.clone(),
        region,
        unit_id: q.unit_id,
        plan_period,
        period: q.period.map(|p| p.code()),
        as_of: day,
        counts: StatusCounts::of(rows.iter().map(|r| r.status)),
        mean_progress: mp.mean,
        indicators: rows,
    })
}

/// Targets the services' records answer take their value from them
/// ([`kesu_services::feed::classify_in`], [`crate::services::observations`]), with what units
/// reported kept beside; where the records hold nothing for the region yet, the reports answer
/// as before. A unit's own view stays its reports. Views are kept until the next write, and
/// every services write records an audit row, so a check-in or a registration shows at the
/// next view.
#[allow(
    clippy::too_many_arguments,
    reason = "the evaluation's parts, passed through once"
)]
fn fed_by_services(
    fed: Vec<(usize, kesu_services::feed::Feed, Vec<Observation>)>,
    targets: &[PlanTarget],
    region: &str,
    day: Date,
    plan_period: [i32; 2],
    pop: &Population,
    rows: &mut [IndicatorRow],
    evaluations: &mut [Evaluation],
) {
    for (i, feed, obs) in fed {
        let t = &targets[i];
        let ind = Indicator::from_target(&t.target);
        let ctx = Context::new(plan_period, day).with_population(pop);
        let ev = evaluate(&ind, &obs, &ctx);
        let reported = rows[i].actual;
        let mut r = row(t, &ind, &ev, Ids::Listed(Vec::new()));
        (r.rule, r.explanation) = (feed.explain(&r.rule), feed.explain(&r.explanation));
        r.fed = Some(FedRow {
            feed: feed.key(),
            feed_zh: feed.zh(),
            link: crate::services::observations::records_link(
                feed,
                region,
                Period::Year { year: day.year() },
            ),
            reported,
        });
        rows[i] = r;
        evaluations[i] = ev;
    }
}

/// The services' records of the targets they answer (index among `targets`, the feed and the
/// records as observations), for those where the records hold something for the region.
async fn fed_reads(
    db: &Db,
    targets: &[PlanTarget],
    region: &str,
    day: Date,
) -> StoreResult<Vec<(usize, kesu_services::feed::Feed, Vec<Observation>)>> {
    let mut out = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        // The task's text says what a bare "参与人次达到…" counts (`lead_in`).
        let task = [t.task_body.as_deref(), t.task_title.as_deref()].map(Option::unwrap_or_default);
        let Some(feed) = kesu_services::feed::classify_in(&t.target, &task.join("\n")) else {
            continue;
        };
        let fed = crate::services::observations::observations(db, feed, region, day).await?;
        if !fed.is_empty() {
            out.push((i, feed, fed.into_iter().map(|o| o.observation).collect()));
        }
    }
    Ok(out)
}

/// A list of observations as facts, for the baseline of a share evaluated from a list.
struct ListOf<'a> {
    ind: &'a Indicator,
    obs: &'a [Observation],
    pop: &'a Population,
}

impl Facts for ListOf<'_> {
    fn actual(&self, window: &Window) -> kesu_indicators::Found {
        let a =
            kesu_indicators::actual::actual(self.ind.aggregation, self.obs, window, Some(self.pop));
        kesu_indicators::Found {
            value: a.value,
            used: a.sources.len(),
            unweighted: a.unweighted,
            sources: Vec::new(),
        }
    }

    fn coverage(&self, _: &Window) -> Option<kesu_indicators::Coverage> {
        None
    }
}

/// A share's value the year before the plan, when known.
fn baseline(ind: &Indicator, plan_period: [i32; 2], facts: &dyn Facts) -> Option<f64> {
    if ind.kind != Kind::Share {
        return None;
    }
    let before = Window::years(plan_period[0] - 1, plan_period[0] - 1);
    facts.actual(&before).value
}

/// The report ids of an evaluation from a list: its sources and its coverage's.
fn flat_ids(ev: &Evaluation) -> Vec<i64> {
    let mut ids: Vec<i64> = ev.sources.iter().map(|s| s.report_id).collect();
    if let Some(c) = &ev.coverage {
        ids.extend(c.sources.iter().map(|s| s.report_id));
    }
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The report ids behind a row's value, ascending.
enum Ids {
    /// Kept by the live plan: reports only.
    Shared(Arc<Vec<i64>>),
    /// From a list of observations: a recorded figure's id negated among them.
    Listed(Vec<i64>),
}

/// A target's row.
fn row(t: &PlanTarget, ind: &Indicator, ev: &Evaluation, ids: Ids) -> IndicatorRow {
    // Recorded survey figures carry their record id negated (see `share_observations`).
    let (sources, records) = match ids {
        Ids::Shared(ids) => (SourceIds::from(ids), Vec::new()),
        Ids::Listed(ids) => {
            let (mut records, sources): (Vec<i64>, Vec<i64>) =
                ids.into_iter().partition(|id| *id < 0);
            for r in &mut records {
                *r = -*r;
            }
            records.sort_unstable();
            (SourceIds::new(sources), records)
        }
    };
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
        fed: None,
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
    let children = crate::regions::children(db, (!region.is_empty()).then_some(region)).await?;
    let mut out = Vec::with_capacity(children.len());
    for c in children {
        let mut q = Query::new(plan_id, as_of);
        q.region = Some(c.code.clone());
        let p = evaluate_plan(db, &q).await?;
        out.push((c.code, c.name, p));
    }
    Ok(out)
}
