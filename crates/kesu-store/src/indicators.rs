//! Indicators from stored data: every live target of a plan with the observations behind it.
//!
//! An observation is one accepted report's value for one target (`report_value` of a `report`
//! in state `accepted`, with the round's period and the reporting unit's region). The rules that
//! turn observations into an actual value, progress and status are `kesu_indicators`'; this
//! module loads what they need (targets, observations, populations, the region tree, the
//! entities of per-entity targets) and hands back plain rows with the report ids each value came
//! from, so that every number on a page or in a file can be traced to its reports.

use crate::plans::{self, PlanRow, TargetRow};
use crate::regions::prefix_end;
use crate::{Db, StoreError, StoreResult};
use kesu_core::plan::{Comparator, Target, TargetValue};
use kesu_core::report::Period;
use kesu_indicators::actual::{self, Population, SharedCode};
use kesu_indicators::coverage::{Entity, EntityKey};
use kesu_indicators::progress::target_zh;
use kesu_indicators::{
    Context, Evaluation, Indicator, Light, Observation, RegionInfo, RegionTree, Status, Window,
    evaluate, mean_progress,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use time::Date;

/// The plan period assumed when a plan does not state one (the 2021–2025 implementation plans).
pub const DEFAULT_PLAN_PERIOD: [i32; 2] = [2021, 2025];

/// A live target of a plan: a goal (no task) or a task's target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanTarget {
    pub target_id: i64,
    pub task_id: Option<i64>,
    /// `二.(一).2`; empty for a goal.
    pub task_path: String,
    pub task_title: Option<String>,
    /// The task's text as found in the document.
    #[serde(skip)]
    pub task_body: Option<String>,
    pub target: Target,
}

/// A stored comparator symbol as the domain type (unknown spellings read as "at least").
fn comparator(s: &str) -> Comparator {
    match s {
        ">" => Comparator::Gt,
        ">=" => Comparator::Ge,
        "<=" => Comparator::Le,
        "<" => Comparator::Lt,
        "range" => Comparator::Range,
        _ => Comparator::Eq,
    }
}

fn to_target(t: &TargetRow) -> Target {
    let value = match (t.comparator.as_str(), t.value_high) {
        ("range", Some(hi)) => TargetValue::Range([t.value, hi]),
        _ => TargetValue::Number(t.value),
    };
    Target {
        text: t.text.clone(),
        indicator: t.indicator.clone().unwrap_or_else(|| t.text.clone()),
        comparator: comparator(&t.comparator),
        value,
        unit: t.unit.clone().unwrap_or_default(),
        year: t.year.and_then(|y| i32::try_from(y).ok()),
        per: t.per.clone(),
    }
}

struct TaskText {
    id: i64,
    path: String,
    title: String,
    body: Option<String>,
}
from_row!(TaskText {
    id: i64,
    path: String,
    title: String,
    body: Option<String>,
});

/// The plan's live goals and task targets, goals first, then tasks in document order.
pub async fn plan_targets(db: &Db, plan_id: i64) -> StoreResult<Vec<PlanTarget>> {
    // Not `plans::tasks`: a task expanded to a city's villages has ten thousand units, and no
    // indicator needs them.
    let tasks: Vec<TaskText> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, path, title, body FROM task WHERE plan_id = $1 AND removed_in IS NULL ORDER BY ord"
    )
    .bind(plan_id)
    .fetch_all(p)
    .await
    })?;
    let targets: Vec<TargetRow> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, task_id, text, indicator, comparator, value, value_high, unit, year, per FROM target
         WHERE plan_id = $1 AND removed_in IS NULL ORDER BY ord, id"
    )
    .bind(plan_id)
    .fetch_all(p)
    .await
    })?;
    let mut out: Vec<PlanTarget> = targets
        .iter()
        .filter(|g| g.task_id.is_none())
        .map(|g| PlanTarget {
            target_id: g.id,
            task_id: None,
            task_path: String::new(),
            task_title: None,
            task_body: None,
            target: to_target(g),
        })
        .collect();
    let mut by_task: HashMap<i64, Vec<&TargetRow>> = HashMap::new();
    for g in &targets {
        if let Some(t) = g.task_id {
            by_task.entry(t).or_default().push(g);
        }
    }
    for t in &tasks {
        for g in by_task.get(&t.id).into_iter().flatten() {
            out.push(PlanTarget {
                target_id: g.id,
                task_id: Some(t.id),
                task_path: t.path.clone(),
                task_title: Some(t.title.clone()),
                task_body: t.body.clone(),
                target: to_target(g),
            });
        }
    }
    Ok(out)
}

/// A live task's numbering, title and text (for classifying it by key group).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskInfo {
    pub id: i64,
    pub path: String,
    pub title: String,
    pub body: Option<String>,
}

/// Every live task of a plan in document order, without its units.
pub async fn plan_tasks(db: &Db, plan_id: i64) -> StoreResult<Vec<TaskInfo>> {
    let tasks: Vec<TaskText> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, path, title, body FROM task WHERE plan_id = $1 AND removed_in IS NULL ORDER BY ord"
    )
    .bind(plan_id)
    .fetch_all(p)
    .await
    })?;
    Ok(tasks
        .into_iter()
        .map(|t| TaskInfo {
            id: t.id,
            path: t.path,
            title: t.title,
            body: t.body,
        })
        .collect())
}

/// The tasks of a plan a unit is assigned to.
async fn tasks_of_unit(db: &Db, plan_id: i64, unit_id: i64) -> StoreResult<Vec<i64>> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT DISTINCT tu.task_id FROM task_unit tu JOIN task t ON t.id = tu.task_id
         WHERE t.plan_id = $1 AND tu.unit_id = $2"
    )
    .bind(plan_id)
    .bind(unit_id)
    .fetch_all(p)
    .await)?)
}

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

struct ObsRow {
    target_id: i64,
    report_id: i64,
    unit_id: i64,
    /// 1 lead, 2 cooperating, 0 otherwise (an integer: one string less per row).
    role: i32,
    region_code: String,
    round_id: i64,
    value: f64,
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

/// The accepted report values of a plan's targets, by target, region and report.
///
/// A task's lead unit consolidates its cooperating units' input: when a lead unit's report
/// gives a value for a target in a period, the cooperating units' values for it in that period
/// are left out, so that the same work is not counted twice. Units with no role ("responsible",
/// and the villages of a per-entity target) always count.
pub async fn observations(
    db: &Db,
    plan_id: i64,
    filter: &ObservationFilter,
) -> StoreResult<Vec<TargetObservation>> {
    let (lo, hi) = match filter.region.as_deref() {
        Some(r) if !r.is_empty() => (r.to_string(), prefix_end(r)),
        _ => (String::new(), ":".to_string()),
    };
    let rounds: Vec<(i64, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, period FROM reporting_round WHERE plan_id = $1"
    )
    .bind(plan_id)
    .fetch_all(p)
    .await)?;
    let mut period_of: HashMap<i64, Period> = HashMap::with_capacity(rounds.len());
    for (id, code) in rounds {
        let p = Period::parse(&code)
            .map_err(|e| StoreError::Invalid(format!("填报轮次 {id} 的期间无法识别：{e}")))?;
        period_of.insert(id, p);
    }
    // A city's villages over five years are hundreds of thousands of rows: no sort in SQL
    // (done below, in byte order whatever the collation), integers rather than strings.
    let rows: Vec<ObsRow> = on_db!(db, |p| sqlx::query_as(
        "SELECT v.target_id, v.report_id, rp.unit_id,
                CASE rp.role WHEN 'lead' THEN 1 WHEN 'cooperating' THEN 2 ELSE 0 END AS role,
                rp.region_code, rp.round_id, v.value
         FROM reporting_round r
         JOIN report rp ON rp.round_id = r.id
         JOIN report_value v ON v.report_id = rp.id
         WHERE r.plan_id = $1 AND rp.state = 'accepted' AND v.value IS NOT NULL
           AND rp.region_code >= $2 AND rp.region_code < $3
           AND ($4 IS NULL OR rp.unit_id = $4)"
    )
    .bind(plan_id)
    .bind(&lo)
    .bind(&hi)
    .bind(filter.unit_id)
    .fetch_all(p)
    .await)?;
    let led: BTreeSet<(i64, i64)> = rows
        .iter()
        .filter(|r| r.role == 1)
        .map(|r| (r.target_id, r.round_id))
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    // One shared code per region: a village's twenty reports hold one copy of its code.
    let mut codes: HashMap<String, SharedCode> = HashMap::new();
    for r in rows {
        if r.role == 2 && led.contains(&(r.target_id, r.round_id)) {
            continue;
        }
        let Some(period) = period_of.get(&r.round_id).copied() else {
            continue;
        };
        if filter.until.is_some_and(|u| period.dates().1 > u) {
            continue;
        }
        out.push(TargetObservation {
            target_id: r.target_id,
            observation: Observation {
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
        });
    }
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

/// The latest population on or before `year` of every region in `region`'s subtree (the region
/// itself included).
pub async fn populations(db: &Db, region: &str, year: i32) -> StoreResult<Population> {
    let hi = prefix_end(region);
    let rows: Vec<(String, i32, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT region_code, year, population FROM region_population
         WHERE region_code >= $1 AND region_code < $2 AND year <= $3
         ORDER BY region_code, year"
    )
    .bind(region)
    .bind(&hi)
    .bind(year)
    .fetch_all(p)
    .await)?;
    // Rows come oldest first within a region: the last one written wins.
    Ok(rows
        .into_iter()
        .map(|(code, _, n)| (code, n as f64))
        .collect())
}

/// The stored regions of `region`'s subtree (the region itself first) with their populations,
/// for a [`RegionTree`]. Codes only seen in observations are implied by the tree.
pub async fn region_infos(db: &Db, region: &str, year: i32) -> StoreResult<Vec<RegionInfo>> {
    let pop = populations(db, region, year).await?;
    let mut regions = Vec::new();
    if let Some(r) = crate::regions::get(db, region).await? {
        regions.push(r);
    }
    regions.extend(crate::regions::subtree(db, Some(region), None, None).await?);
    let mut out: Vec<RegionInfo> = regions
        .into_iter()
        .map(|r| RegionInfo {
            population: pop.get(&r.code).copied(),
            code: r.code,
            name: r.name,
        })
        .collect();
    if out.is_empty() || out[0].code != region {
        out.insert(
            0,
            RegionInfo {
                code: region.to_string(),
                name: region.to_string(),
                population: pop.get(region).copied(),
            },
        );
    }
    Ok(out)
}

/// The entities a per-entity target applies to in `region`: villages (村, 社区), townships
/// (乡镇, 街道) or counties (县市区) from the region tree; schools from the unit registry.
/// `None` when the entity is not one Kesu can list (每名辅导员): the target then has no data,
/// with the reason stated.
pub async fn entities(db: &Db, region: &str, entity: &str) -> StoreResult<Option<Vec<Entity>>> {
    use kesu_core::RegionLevel;
    let level = if entity.contains('村') || entity.contains("社区") {
        Some(RegionLevel::Village)
    } else if entity.contains("乡镇") || entity.contains("街道") || entity.contains('镇') {
        Some(RegionLevel::Township)
    } else if entity.contains("县") || entity.contains("区") {
        Some(RegionLevel::County)
    } else {
        None
    };
    if let Some(level) = level {
        let mut rs = crate::regions::subtree(db, Some(region), Some(level), None).await?;
        // Judged at a region of that level (每个县区 at one county): the region itself.
        if region.len() == level.code_len()
            && let Some(r) = crate::regions::get(db, region).await?
        {
            rs.insert(0, r);
        }
        return Ok(Some(
            rs.into_iter()
                .map(|r| Entity {
                    key: EntityKey::Region(r.code),
                    name: r.name,
                })
                .collect(),
        ));
    }
    if entity.contains("学校") || entity.contains('校') {
        let units = crate::units::list(db, region).await?;
        return Ok(Some(
            units
                .into_iter()
                .filter(|u| u.kind == "学校")
                .map(|u| Entity {
                    key: EntityKey::Unit(u.id),
                    name: u.name,
                })
                .collect(),
        ));
    }
    Ok(None)
}

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

/// The plan's first and last year (or the default 2021–2025).
pub fn plan_period(plan: &PlanRow) -> [i32; 2] {
    match (plan.period_start, plan.period_end) {
        (Some(a), Some(b)) if a <= b => [
            i32::try_from(a).unwrap_or(DEFAULT_PLAN_PERIOD[0]),
            i32::try_from(b).unwrap_or(DEFAULT_PLAN_PERIOD[1]),
        ],
        _ => DEFAULT_PLAN_PERIOD,
    }
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

/// Results kept between requests while nothing changes.
///
/// A city's villages reporting quarterly make hundreds of thousands of values; reading them,
/// rolling them up and listing their sources is most of a dashboard's time, and none of it
/// changes until a report (or a region, a plan, a survey figure) does. Every write to the
/// database records an audit row in its own transaction, so the highest audit id is a data
/// version: an entry is used while the version is unchanged, and for at most [`CACHE_TTL`]
/// (which bounds the staleness a PostgreSQL commit racing ahead of an earlier id could cause).
struct Memo {
    /// Holds the pool's options alive, so that no other pool can reuse its address (the key).
    _pool: std::sync::Arc<dyn std::any::Any + Send + Sync>,
    version: i64,
    loaded: std::time::Instant,
    used: std::time::Instant,
    value: std::sync::Arc<dyn std::any::Any + Send + Sync>,
}

pub const CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(60);
const CACHE_ENTRIES: usize = 512;

type MemoKey = (usize, String);

static MEMO: std::sync::LazyLock<std::sync::Mutex<HashMap<MemoKey, Memo>>> =
    std::sync::LazyLock::new(|| std::sync::Mutex::new(HashMap::new()));

/// The pool behind a `Db` (its options are shared by every clone of it), and a handle that
/// keeps that address taken.
fn pool_id(db: &Db) -> (usize, std::sync::Arc<dyn std::any::Any + Send + Sync>) {
    match db {
        Db::Sqlite(p, _) => {
            let o = p.connect_options();
            (std::sync::Arc::as_ptr(&o) as *const () as usize, o)
        }
        Db::Postgres(p) => {
            let o = p.connect_options();
            (std::sync::Arc::as_ptr(&o) as *const () as usize, o)
        }
    }
}

/// The database's data version: the latest audit row.
pub async fn data_version(db: &Db) -> StoreResult<i64> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT COALESCE(MAX(id), 0) FROM audit_log"
    )
    .fetch_one(p)
    .await)?)
}

fn memo_get<T: std::any::Any + Send + Sync>(
    db: &Db,
    key: &str,
    version: i64,
) -> Option<std::sync::Arc<T>> {
    let now = std::time::Instant::now();
    let mut m = MEMO.lock().ok()?;
    let e = m.get_mut(&(pool_id(db).0, key.to_string()))?;
    if e.version != version || now.duration_since(e.loaded) >= CACHE_TTL {
        return None;
    }
    e.used = now;
    e.value.clone().downcast::<T>().ok()
}

/// An entry whatever its version, if not past [`CACHE_TTL`]: its version, load time, value.
fn memo_get_stale<T: std::any::Any + Send + Sync>(
    db: &Db,
    key: &str,
) -> Option<(i64, std::time::Instant, std::sync::Arc<T>)> {
    let now = std::time::Instant::now();
    let m = MEMO.lock().ok()?;
    let e = m.get(&(pool_id(db).0, key.to_string()))?;
    if now.duration_since(e.loaded) >= CACHE_TTL {
        return None;
    }
    Some((e.version, e.loaded, e.value.clone().downcast::<T>().ok()?))
}

fn memo_put<T: std::any::Any + Send + Sync>(
    db: &Db,
    key: &str,
    version: i64,
    value: std::sync::Arc<T>,
) {
    memo_put_loaded(db, key, version, value, std::time::Instant::now());
}

/// As [`memo_put`], keeping the time of the full load an incremental update started from.
fn memo_put_loaded<T: std::any::Any + Send + Sync>(
    db: &Db,
    key: &str,
    version: i64,
    value: std::sync::Arc<T>,
    loaded: std::time::Instant,
) {
    let now = std::time::Instant::now();
    if let Ok(mut m) = MEMO.lock() {
        if m.len() >= CACHE_ENTRIES {
            // Drop what is stale, else the least recently used.
            m.retain(|_, e| e.version == version && now.duration_since(e.loaded) < CACHE_TTL);
            if m.len() >= CACHE_ENTRIES
                && let Some(k) = m.iter().min_by_key(|(_, e)| e.used).map(|(k, _)| k.clone())
            {
                m.remove(&k);
            }
        }
        let (id, pool) = pool_id(db);
        m.insert(
            (id, key.to_string()),
            Memo {
                _pool: pool,
                version,
                loaded,
                used: now,
                value,
            },
        );
    }
}

/// A plan's accepted observations by target, each list in region order. Lists are shared so
/// that an update of one target's list leaves the others in place.
pub type ObservationsByTarget = HashMap<i64, std::sync::Arc<Vec<Observation>>>;

/// Every accepted observation of a plan by target (each in region order), from the cache when
/// the data has not changed since it was read.
pub async fn cached_observations(
    db: &Db,
    plan_id: i64,
) -> StoreResult<std::sync::Arc<ObservationsByTarget>> {
    // Observations change only with a report's state or values, and every such change writes
    // a report_event row: its latest id versions them (a survey figure or a login does not
    // throw away half a million values).
    let version: i64 = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COALESCE(MAX(id), 0) FROM report_event"
    )
    .fetch_one(p)
    .await)?;
    let key = format!("obs/{plan_id}");
    if let Some(v) = memo_get(db, &key, version) {
        return Ok(v);
    }
    // A few reports changed since the values were read: update those, not all.
    if let Some((was, loaded, old)) = memo_get_stale::<ObservationsByTarget>(db, &key)
        && was < version
        && let Some(updated) = refresh(db, plan_id, was, version, &old).await?
    {
        let arc = std::sync::Arc::new(updated);
        memo_put_loaded(db, &key, version, arc.clone(), loaded);
        return Ok(arc);
    }
    let mut by_target: HashMap<i64, Vec<Observation>> = HashMap::new();
    for o in observations(db, plan_id, &ObservationFilter::default()).await? {
        by_target
            .entry(o.target_id)
            .or_default()
            .push(o.observation);
    }
    let by_target: ObservationsByTarget = by_target
        .into_iter()
        .map(|(t, list)| (t, std::sync::Arc::new(list)))
        .collect();
    let arc = std::sync::Arc::new(by_target);
    memo_put(db, &key, version, arc.clone());
    Ok(arc)
}

/// Reports changed by more than this many events are read again in full.
const REFRESH_MAX: usize = 2_000;

/// The plan's observations with the reports changed between two report_event ids read again.
/// `None` when a full read is simpler or required: too many changes, or a lead or cooperating
/// unit's report among them (the lead-over-cooperating rule spans reports).
async fn refresh(
    db: &Db,
    plan_id: i64,
    from: i64,
    to: i64,
    old: &ObservationsByTarget,
) -> StoreResult<Option<ObservationsByTarget>> {
    let changed: Vec<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT DISTINCT report_id FROM report_event WHERE id > $1 AND id <= $2"
    )
    .bind(from)
    .bind(to)
    .fetch_all(p)
    .await)?;
    if changed.len() > REFRESH_MAX {
        return Ok(None);
    }
    let mut fresh: Vec<(i64, Observation)> = Vec::new();
    for chunk in changed.chunks(500) {
        if led_or_cooperating(db, plan_id, chunk).await? {
            return Ok(None);
        }
        let rows: Vec<ObsRow> = fetch_reports(db, plan_id, chunk).await?;
        let periods: HashMap<i64, Period> = on_db!(db, |p| sqlx::query_as::<_, (i64, String)>(
            "SELECT id, period FROM reporting_round WHERE plan_id = $1"
        )
        .bind(plan_id)
        .fetch_all(p)
        .await)?
        .into_iter()
        .filter_map(|(id, c)| Period::parse(&c).ok().map(|p| (id, p)))
        .collect();
        for r in rows {
            let Some(period) = periods.get(&r.round_id).copied() else {
                continue;
            };
            fresh.push((
                r.target_id,
                Observation {
                    report_id: r.report_id,
                    unit_id: r.unit_id,
                    region_code: r.region_code.into(),
                    period,
                    value: r.value,
                    accepted: true,
                },
            ));
        }
    }
    let gone: std::collections::HashSet<i64> = changed.into_iter().collect();
    let mut fresh_by_target: HashMap<i64, Vec<Observation>> = HashMap::new();
    for (target, o) in fresh {
        fresh_by_target.entry(target).or_default().push(o);
    }
    let mut out: ObservationsByTarget = HashMap::with_capacity(old.len());
    for (target, list) in old {
        let added = fresh_by_target.remove(target);
        if added.is_none() && !list.iter().any(|o| gone.contains(&o.report_id)) {
            // Untouched: shared, not copied.
            out.insert(*target, list.clone());
            continue;
        }
        let mut l: Vec<Observation> = list
            .iter()
            .filter(|o| !gone.contains(&o.report_id))
            .cloned()
            .collect();
        l.extend(added.unwrap_or_default());
        sort_by_region(&mut l);
        out.insert(*target, std::sync::Arc::new(l));
    }
    for (target, mut l) in fresh_by_target {
        sort_by_region(&mut l);
        out.insert(target, std::sync::Arc::new(l));
    }
    Ok(Some(out))
}

/// Region order (byte order), then report: a region's subtree is one slice.
fn sort_by_region(list: &mut [Observation]) {
    if !list.is_sorted_by(|a, b| (&a.region_code, a.report_id) <= (&b.region_code, b.report_id)) {
        list.sort_by(|a, b| {
            (a.region_code.as_str(), a.report_id).cmp(&(b.region_code.as_str(), b.report_id))
        });
    }
}

/// Whether any of these reports of the plan is a lead or cooperating unit's (whatever its state).
async fn led_or_cooperating(db: &Db, plan_id: i64, ids: &[i64]) -> StoreResult<bool> {
    macro_rules! run {
        ($dbt:ty, $p:expr) => {{
            let mut qb: sqlx::QueryBuilder<$dbt> = sqlx::QueryBuilder::new(
                "SELECT COUNT(*) FROM report rp JOIN reporting_round r ON r.id = rp.round_id
                 WHERE rp.role IN ('lead', 'cooperating') AND r.plan_id = ",
            );
            qb.push_bind(plan_id);
            qb.push(" AND rp.id IN (");
            let mut sep = qb.separated(", ");
            for id in ids {
                sep.push_bind(*id);
            }
            sep.push_unseparated(")");
            qb.build_query_scalar::<i64>().fetch_one($p).await?
        }};
    }
    let n = match db {
        Db::Sqlite(p, _) => run!(sqlx::Sqlite, p),
        Db::Postgres(p) => run!(sqlx::Postgres, &crate::replica::reader(p)),
    };
    Ok(n > 0)
}

/// The accepted values of some reports of a plan (the observation query for an id list).
async fn fetch_reports(db: &Db, plan_id: i64, ids: &[i64]) -> StoreResult<Vec<ObsRow>> {
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

/// A kept value built from regions, populations and units: current when the data is
/// unchanged, and also when everything written since only touched reports, rounds, recorded
/// figures or snapshots (then it is kept for the new version).
async fn memo_reference<T: std::any::Any + Send + Sync>(
    db: &Db,
    key: &str,
    version: i64,
) -> StoreResult<Option<std::sync::Arc<T>>> {
    if let Some(v) = memo_get(db, key, version) {
        return Ok(Some(v));
    }
    if let Some((was, loaded, old)) = memo_get_stale::<T>(db, key)
        && was < version
        && reference_unchanged(db, was, version).await?
    {
        memo_put_loaded(db, key, version, old.clone(), loaded);
        return Ok(Some(old));
    }
    Ok(None)
}

/// Whether every audited write between two data versions left regions, populations and units
/// alone. Known objects only (a report, a round, a recorded figure, a snapshot): anything else,
/// such as a plan import that adds units, counts as a change.
async fn reference_unchanged(db: &Db, from: i64, to: i64) -> StoreResult<bool> {
    let others: i64 = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE id > $1 AND id <= $2
           AND object NOT LIKE 'report:%' AND object NOT LIKE 'round:%'
           AND object NOT LIKE 'indicator_record:%' AND object NOT LIKE 'snapshot:%'"
    )
    .bind(from)
    .bind(to)
    .fetch_one(p)
    .await)?;
    Ok(others == 0)
}

/// [`entities`], kept while the data is unchanged.
async fn cached_entities(
    db: &Db,
    region: &str,
    entity: &str,
    version: i64,
) -> StoreResult<std::sync::Arc<Option<Vec<Entity>>>> {
    let key = format!("entities/{region}/{entity}");
    if let Some(v) = memo_reference(db, &key, version).await? {
        return Ok(v);
    }
    let arc = std::sync::Arc::new(entities(db, region, entity).await?);
    memo_put(db, &key, version, arc.clone());
    Ok(arc)
}

/// The region tree of `region`'s subtree, kept while the data is unchanged.
async fn cached_tree(
    db: &Db,
    region: &str,
    year: i32,
    version: i64,
) -> StoreResult<std::sync::Arc<RegionTree>> {
    let key = format!("tree/{region}/{year}");
    if let Some(v) = memo_reference(db, &key, version).await? {
        return Ok(v);
    }
    let infos = region_infos(db, region, year).await?;
    let arc = std::sync::Arc::new(RegionTree::new(&infos));
    memo_put(db, &key, version, arc.clone());
    Ok(arc)
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

/// A node of a drill-down: a region's rolled-up value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeRow {
    pub code: String,
    pub name: String,
    pub value: Option<f64>,
    /// Leaf regions at or below, and how many reported.
    pub leaves: u32,
    pub reporting_leaves: u32,
    /// Per-entity targets: leaves meeting the target.
    pub met: u32,
    pub unweighted: bool,
}

/// One target rolled up over the region tree at one region: the region, its children and the
/// reports entered for the region itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DrillDown {
    pub target_id: i64,
    pub indicator: String,
    pub target_zh: String,
    pub unit: String,
    /// How parents are computed from children.
    pub rule: String,
    /// From the plan's region down to this one.
    pub path: Vec<NodeRow>,
    pub node: NodeRow,
    pub children: Vec<NodeRow>,
    /// Reports entered for this region itself.
    pub sources: Vec<SourceRef>,
    /// Reports used anywhere at or below this region.
    pub sources_below: usize,
    /// The value per period (a trend), oldest first.
    pub trend: Vec<(String, Option<f64>)>,
}

fn node_row(n: &kesu_indicators::rollup::NodeSummary) -> NodeRow {
    NodeRow {
        code: n.code.clone(),
        name: n.name.clone().unwrap_or_else(|| n.code.clone()),
        value: n.value,
        leaves: n.leaves,
        reporting_leaves: n.reporting_leaves,
        met: n.met,
        unweighted: n.unweighted,
    }
}

/// Roll one target up over the region tree of the plan's region (the query's region, when
/// given) and show `code`: its value, its children and its own reports. `None` when the target
/// is not the plan's or the region is not under the plan's region.
pub async fn drill(
    db: &Db,
    q: &Query,
    target_id: i64,
    code: &str,
) -> StoreResult<Option<DrillDown>> {
    let version = data_version(db).await?;
    let key = format!(
        "drill/{}/{target_id}/{code}/{}/{:?}/{:?}/{}",
        q.plan_id,
        q.region.as_deref().unwrap_or("-"),
        q.unit_id,
        q.period.map(|p| p.code()),
        q.as_of
    );
    if let Some(v) = memo_get::<Option<DrillDown>>(db, &key, version) {
        return Ok((*v).clone());
    }
    let out = drill_uncached(db, q, target_id, code, version).await?;
    memo_put(db, &key, version, std::sync::Arc::new(out.clone()));
    Ok(out)
}

async fn drill_uncached(
    db: &Db,
    q: &Query,
    target_id: i64,
    code: &str,
    version: i64,
) -> StoreResult<Option<DrillDown>> {
    let l = load(db, q).await?;
    let Some(t) = l.targets.iter().find(|t| t.target_id == target_id) else {
        return Ok(None);
    };
    if !code.starts_with(&l.region) {
        return Ok(None);
    }
    let tree = cached_tree(db, &l.region, l.day.year(), version).await?;
    let ind = Indicator::from_target(&t.target);
    let obs = l.observations(target_id);
    let window = Window::years(l.plan_period[0], ind.deadline(l.plan_period));
    let window = match ind.kind.cadence() {
        // Per-period targets: the roll-up of the latest period with data.
        Some(_) => obs
            .iter()
            .map(|o| o.period)
            .max_by_key(|p| p.dates().1)
            .map_or(window, Window::period),
        None => window,
    };
    let r = tree.rollup(&ind, obs, &window);
    let Some(d) = r.drill(code, obs) else {
        return Ok(None);
    };
    let mut path = Vec::new();
    let mut c = kesu_core::RegionCode::parse(code).ok();
    while let Some(cc) = c {
        if cc.as_str().len() < l.region.len() {
            break;
        }
        if cc.as_str() != code
            && let Some(n) = r.node(cc.as_str())
        {
            path.push(node_row(&n));
        }
        c = cc.parent();
    }
    path.reverse();
    let sources = d
        .sources
        .iter()
        .map(|s| SourceRef {
            report_id: s.report_id,
            unit_id: s.unit_id,
            region_code: s.region_code.to_string(),
            period: s.period.code(),
            value: s.value,
        })
        .collect();
    // The trend: each period's value over the node's subtree.
    // Observations are in region order: the node's subtree is one slice.
    let lo = obs.partition_point(|o| o.region_code.as_str() < code);
    let hi = lo + obs[lo..].partition_point(|o| o.region_code.starts_with(code));
    let below = &obs[lo..hi];
    let trend = actual::trend(ind.aggregation, below, Some(&l.population))
        .into_iter()
        .map(|(p, v)| (p.to_string(), v))
        .collect();
    Ok(Some(DrillDown {
        target_id,
        indicator: t.target.indicator.clone(),
        target_zh: target_zh(&t.target),
        unit: t.target.unit.clone(),
        rule: r.rule.clone(),
        path,
        node: node_row(&d.node),
        children: d.children.iter().map(node_row).collect(),
        sources,
        sources_below: d.sources_below,
        trend,
    }))
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

/// The names of regions by code (codes not stored are left out).
pub async fn region_names(db: &Db, codes: &[String]) -> StoreResult<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for code in codes {
        if let Some(r) = crate::regions::get(db, code).await? {
            out.insert(code.clone(), r.name);
        }
    }
    Ok(out)
}

/// Make every region of `level` under `region` a reporting unit of a task, for a per-entity
/// target (每个村至少培育1名…): each village's committee reports its own number, and coverage is
/// counted over the villages. The unit is named after the region and registered at its code;
/// already enrolled regions are left as they are. Returns the number of regions newly enrolled.
pub async fn expand_entities(
    db: &Db,
    task_id: i64,
    region: &str,
    level: kesu_core::RegionLevel,
    actor: &crate::Actor,
) -> StoreResult<usize> {
    let task = plans::task(db, task_id).await?;
    if !region.starts_with(&task.region_code) {
        return Err(StoreError::Invalid(format!(
            "区划 {region} 不在任务所属方案的区划 {} 之内 (region outside the plan's region)",
            task.region_code
        )));
    }
    let regions = crate::regions::subtree(db, Some(region), Some(level), None).await?;
    if regions.is_empty() {
        return Err(StoreError::Invalid(format!(
            "区划 {region} 下没有{}级区划，请先导入区划 (no regions at that level; import the division table first)",
            level.zh()
        )));
    }
    let now = time::OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    let mut added = 0usize;
    let base: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT COALESCE(MAX(ord), 0) FROM task_unit WHERE task_id = $1"
    )
    .bind(task_id)
    .fetch_one(&mut *c)
    .await)?;
    for (i, r) in regions.iter().enumerate() {
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO unit (region_code, name, kind, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (region_code, name) DO NOTHING"
        )
        .bind(&r.code)
        .bind(&r.name)
        .bind("其他")
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|x| x.rows_affected()))?;
        let unit_id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
            "SELECT id FROM unit WHERE region_code = $1 AND name = $2"
        )
        .bind(&r.code)
        .bind(&r.name)
        .fetch_one(&mut *c)
        .await)?;
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO unit_alias (region_code, alias, unit_id) VALUES ($1, $2, $3)
             ON CONFLICT (region_code, alias) DO NOTHING"
        )
        .bind(&r.code)
        .bind(&r.name)
        .bind(unit_id)
        .execute(&mut *c)
        .await
        .map(|x| x.rows_affected()))?;
        let n = on_tx!(&mut tx, |c| {
            sqlx::query(
            "INSERT INTO task_unit (task_id, unit_id, role, ord) VALUES ($1, $2, 'responsible', $3)
             ON CONFLICT (task_id, unit_id, role) DO NOTHING"
        )
        .bind(task_id)
        .bind(unit_id)
        .bind(base + 1 + i as i64)
        .execute(&mut *c)
        .await
        .map(|x| x.rows_affected())
        })?;
        added += n as usize;
    }
    crate::audit::record_in_region(
        &mut tx,
        actor,
        Some(region),
        "task.expand_entities",
        &format!("task:{task_id}"),
        None,
        Some(&serde_json::json!({"region": region, "level": level.zh(), "enrolled": added})),
    )
    .await?;
    tx.commit().await?;
    Ok(added)
}

// ---------------------------------------------------------------- recorded values

/// The key of the literacy share in `indicator_record`.
pub const LITERACY_SHARE: &str = "literacy_share";

/// Whether a target is the share of citizens with scientific literacy (公民具备科学素质的比例).
pub fn is_literacy_share(t: &Target) -> bool {
    let unit = t.unit.trim();
    (unit == "%" || unit == "％")
        && (t.indicator.contains("科学素质") || t.text.contains("科学素质"))
}

/// A value recorded by the office (a survey estimate).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub id: i64,
    pub region_code: String,
    pub year: i32,
    pub key: String,
    pub value: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub source: String,
    pub recorded_by: String,
}
from_row!(Record {
    id: i64,
    region_code: String,
    year: i32,
    key: String,
    value: f64,
    low: Option<f64>,
    high: Option<f64>,
    source: String,
    recorded_by: String,
});

/// A value to record.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub region_code: String,
    pub year: i32,
    pub key: String,
    pub value: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Where it comes from ("2024年公民科学素质抽样调查").
    pub source: String,
}

/// Record (or replace) a region's value for a year, audited with the value it replaces.
pub async fn record_value(db: &Db, r: &NewRecord, actor: &crate::Actor) -> StoreResult<i64> {
    let mut tx = db.begin().await?;
    let id = record_value_in(&mut tx, r, actor).await?;
    tx.commit().await?;
    Ok(id)
}

/// [`record_value`] inside a transaction the caller commits (a survey wave and the share it
/// gives are stored together or not at all).
pub(crate) async fn record_value_in(
    tx: &mut crate::Tx,
    r: &NewRecord,
    actor: &crate::Actor,
) -> StoreResult<i64> {
    kesu_core::RegionCode::parse(&r.region_code).map_err(|e| StoreError::Invalid(e.to_string()))?;
    if !r.value.is_finite()
        || r.low.is_some_and(|x| !x.is_finite() || x > r.value)
        || r.high.is_some_and(|x| !x.is_finite() || x < r.value)
    {
        return Err(StoreError::Invalid(format!(
            "{} {} 年的数值 {} 无效：必须是有限数字，且区间下限 ≤ 数值 ≤ 上限 (bad value or interval)",
            r.region_code, r.year, r.value
        )));
    }
    let before: Option<(f64, Option<f64>, Option<f64>, String)> = on_tx!(&mut *tx, |c| {
        sqlx::query_as(
            "SELECT value, low, high, source FROM indicator_record
             WHERE region_code = $1 AND year = $2 AND key = $3",
        )
        .bind(&r.region_code)
        .bind(r.year)
        .bind(&r.key)
        .fetch_optional(&mut *c)
        .await
    })?;
    let id: i64 = on_tx!(&mut *tx, |c| {
        sqlx::query_scalar(
            "INSERT INTO indicator_record (region_code, year, key, value, low, high, source, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (region_code, year, key) DO UPDATE SET value = excluded.value,
               low = excluded.low, high = excluded.high, source = excluded.source,
               recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at
             RETURNING id",
        )
        .bind(&r.region_code)
        .bind(r.year)
        .bind(&r.key)
        .bind(r.value)
        .bind(r.low)
        .bind(r.high)
        .bind(&r.source)
        .bind(&actor.name)
        .bind(time::OffsetDateTime::now_utc())
        .fetch_one(&mut *c)
        .await
    })?;
    let before = before
        .map(|(v, lo, hi, s)| serde_json::json!({"value": v, "low": lo, "high": hi, "source": s}));
    let after = serde_json::json!({"region": r.region_code, "year": r.year, "key": r.key,
        "value": r.value, "low": r.low, "high": r.high, "source": r.source});
    crate::audit::record_in_region(
        tx,
        actor,
        Some(&r.region_code),
        "indicator.record",
        &format!("indicator_record:{id}"),
        before.as_ref(),
        Some(&after),
    )
    .await?;
    Ok(id)
}

/// The recorded values of `key` in `region`'s subtree (the region included), by region and year.
pub async fn records(db: &Db, region: &str, key: &str) -> StoreResult<Vec<Record>> {
    let hi = prefix_end(region);
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, region_code, year, key, value, low, high, source, recorded_by
         FROM indicator_record WHERE region_code >= $1 AND region_code < $2 AND key = $3
         ORDER BY region_code, year"
    )
    .bind(region)
    .bind(&hi)
    .bind(key)
    .fetch_all(p)
    .await)?)
}

/// The literacy share records up to `year` as observations of the region's own figure when it
/// has one, else of the shallowest level below it that has figures (the counties' figures, not
/// the counties' and the townships' together). Each carries its record id negated as report id.
pub async fn share_observations(db: &Db, region: &str, year: i32) -> StoreResult<Vec<Observation>> {
    let all: Vec<Record> = records(db, region, LITERACY_SHARE)
        .await?
        .into_iter()
        .filter(|r| r.year <= year)
        .collect();
    let level = all.iter().map(|r| r.region_code.len()).min();
    Ok(all
        .into_iter()
        .filter(|r| Some(r.region_code.len()) == level)
        .map(|r| Observation {
            report_id: -r.id,
            unit_id: 0,
            region_code: r.region_code.into(),
            period: Period::Year { year: r.year },
            value: r.value,
            accepted: true,
        })
        .collect())
}

/// A region's literacy share in a year, if recorded.
pub async fn share_of(db: &Db, region: &str, year: i32) -> StoreResult<Option<Record>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, region_code, year, key, value, low, high, source, recorded_by
         FROM indicator_record WHERE region_code = $1 AND year = $2 AND key = $3"
    )
    .bind(region)
    .bind(year)
    .bind(LITERACY_SHARE)
    .fetch_optional(p)
    .await)?)
}

// ---------------------------------------------------------------- reporting discipline

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
    let version = data_version(db).await?;
    let key = format!("late/{region}/{year}/{today}");
    if let Some(v) = memo_get::<Vec<LateOrReturned>>(db, &key, version) {
        return Ok((*v).clone());
    }
    let hi = prefix_end(region);
    // A city's year is tens of thousands of reports, nearly all on time: SQL keeps only those
    // that may be late or were returned (not handed in, handed in after the due day as stored,
    // or with a return event); the exact rule, in China's calendar, is applied below.
    let rows: Vec<DisciplineRow> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT rp.id AS report_id, r.plan_id, rp.unit_id, u.name AS unit_name, rp.region_code,
                t.path AS task_path, t.title AS task_title, r.period, r.due_date, rp.submitted_at,
                rp.state,
                (SELECT COUNT(*) FROM report_event e WHERE e.report_id = rp.id AND e.action = 'return') AS returned
         FROM reporting_round r
         JOIN report rp ON rp.round_id = r.id
         JOIN unit u ON u.id = rp.unit_id
         JOIN task t ON t.id = rp.task_id
         WHERE rp.region_code >= $1 AND rp.region_code < $2 AND r.period LIKE $3 AND r.demo = $4
           AND (rp.state NOT IN ('submitted', 'accepted') OR rp.submitted_at > r.due_date
                OR EXISTS (SELECT 1 FROM report_event e
                           WHERE e.report_id = rp.id AND e.action = 'return'))"
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
    memo_put(db, &key, version, std::sync::Arc::new(out.clone()));
    Ok(out)
}

// ---------------------------------------------------------------- assessment

/// Who is assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AssessBy {
    /// The child regions of the plan's region (the counties of a city).
    Regions,
    /// The units assigned to the plan's tasks.
    Units,
}

/// Inputs the office adds to what Kesu computes, by assessed id and item id: whether fixed
/// items were done (judged on evidence), self-scores, reviewer scores with reasons.
pub type ExtraInputs = BTreeMap<String, BTreeMap<String, kesu_indicators::ItemInput>>;

/// What to assess.
#[derive(Debug, Clone)]
pub struct AssessQuery<'a> {
    pub plan_id: i64,
    pub year: i32,
    pub by: AssessBy,
    pub scheme: &'a kesu_indicators::Scheme,
    pub inputs: &'a ExtraInputs,
    /// Today (lateness of reports not handed in is judged on it).
    pub today: Date,
    /// How many of the top ranks are commendation candidates (ties included).
    pub top: u32,
}

/// An assessment with the inputs it used and the lists the plans call for.
#[derive(Debug, Clone, Serialize)]
pub struct AssessmentReport {
    pub plan_id: i64,
    pub plan_title: String,
    pub region: String,
    pub year: i32,
    pub by: AssessBy,
    /// Every assessed body's inputs, computed and given.
    pub inputs: Vec<kesu_indicators::Assessed>,
    pub assessment: kesu_indicators::Assessment,
    /// 表彰候选 (ids, in rank order).
    pub commendation: Vec<String>,
    /// Below the literacy target or fallen since last year (不升反降), worst first.
    pub concerns: Vec<kesu_indicators::assess::Concern>,
    /// Assessed regions without a literacy share this year (not judged on it).
    pub no_share: Vec<String>,
    /// The plan's literacy target ("> 15%"), when it has one.
    pub share_target: Option<String>,
}

/// Units of the plan's tasks located in `region`'s subtree.
async fn assigned_units_in(db: &Db, plan_id: i64, region: &str) -> StoreResult<Vec<i64>> {
    let hi = prefix_end(region);
    Ok(on_db!(db, |p| {
        sqlx::query_scalar(
        "SELECT DISTINCT tu.unit_id FROM task_unit tu JOIN task t ON t.id = tu.task_id
         JOIN unit u ON u.id = tu.unit_id
         WHERE t.plan_id = $1 AND t.removed_in IS NULL AND u.region_code >= $2 AND u.region_code < $3
         ORDER BY tu.unit_id"
    )
    .bind(plan_id)
    .bind(region)
    .bind(&hi)
    .fetch_all(p)
    .await
    })?)
}

/// Names the division tables give to groupings that are not regions of their own: the
/// 市辖区 / 县 level of the four municipalities, the 直辖县级 groups of some provinces.
const PSEUDO_REGIONS: &[&str] = &[
    "市辖区",
    "县",
    "省直辖县级行政区划",
    "自治区直辖县级行政区划",
];

/// The child regions of `region`: stored ones (through a grouping level such as 重庆's
/// 市辖区 and 县, to the districts and counties), else those implied by units and plans below it.
pub async fn child_regions(db: &Db, region: &str) -> StoreResult<Vec<(String, String)>> {
    let stored = crate::regions::children(db, Some(region)).await?;
    if !stored.is_empty() {
        let mut out = Vec::new();
        for r in stored {
            if PSEUDO_REGIONS.contains(&r.name.as_str()) {
                let below = crate::regions::children(db, Some(&r.code)).await?;
                if !below.is_empty() {
                    out.extend(below.into_iter().map(|c| (c.code, c.name)));
                    continue;
                }
            }
            out.push((r.code, r.name));
        }
        return Ok(out);
    }
    let level = kesu_core::RegionCode::parse(region)
        .map_err(|e| StoreError::Invalid(e.to_string()))?
        .level();
    let Some(child) = level.child() else {
        return Ok(Vec::new());
    };
    let n = child.code_len();
    let mut codes: BTreeSet<String> = BTreeSet::new();
    for u in crate::units::list(db, region).await? {
        if u.region_code.len() >= n {
            codes.insert(u.region_code[..n].to_string());
        }
    }
    for p in plans::list(db, region).await? {
        if p.region_code.len() >= n {
            codes.insert(p.region_code[..n].to_string());
        }
    }
    let names = region_names(db, &codes.iter().cloned().collect::<Vec<_>>()).await?;
    Ok(codes
        .into_iter()
        .map(|c| {
            let name = names.get(&c).cloned().unwrap_or_else(|| c.clone());
            (c, name)
        })
        .collect())
}

/// Who a plan's assessment ranks, as (id, name): the child regions of the plan's region, or
/// the units assigned to its tasks within the region (the id is then the unit id). The pages
/// check an assessed body against this same list, so a page and the ranking never disagree.
pub async fn assessed_bodies(
    db: &Db,
    plan: &plans::PlanRow,
    by: AssessBy,
) -> StoreResult<Vec<(String, String)>> {
    Ok(match by {
        AssessBy::Regions => child_regions(db, &plan.region_code).await?,
        AssessBy::Units => {
            let mut out = Vec::new();
            for id in assigned_units_in(db, plan.id, &plan.region_code).await? {
                let u = crate::units::get(db, id).await?;
                out.push((id.to_string(), u.name));
            }
            out
        }
    })
}

/// The last day a year's figures are judged on: 31 December, or today if earlier.
pub fn year_end(year: i32, today: Date) -> Date {
    let end = Date::from_calendar_date(year, time::Month::December, 31).unwrap_or(today);
    end.min(today)
}

fn set_input(
    items: &mut BTreeMap<String, kesu_indicators::ItemInput>,
    item: &str,
    f: impl FnOnce(&mut kesu_indicators::ItemInput),
) {
    f(items.entry(item.to_string()).or_default());
}

/// Give `extra` precedence over computed inputs, field by field.
fn merge(into: &mut kesu_indicators::ItemInput, extra: &kesu_indicators::ItemInput) {
    macro_rules! take {
        ($($f:ident),*) => { $( if extra.$f.is_some() { into.$f = extra.$f.clone(); } )* };
    }
    take!(
        attainment,
        done,
        shortfall,
        value,
        self_score,
        self_reason,
        reviewer_score,
        reviewer_reason
    );
}

/// Assess the counties (or units) of a plan for a year with a scheme: task attainment from the
/// indicators, reporting discipline from late and returned reports, the literacy share and its
/// change from recorded survey figures; the office's inputs (fixed items, self and reviewer
/// scores) added: first those stored with [`crate::assessment`], then `q.inputs` (a file),
/// which override them field by field. Items whose source Kesu does not know get only these.
pub async fn assess(db: &Db, q: &AssessQuery<'_>) -> StoreResult<AssessmentReport> {
    use kesu_indicators::assess::{ItemSource, ShareYears, below_target_or_fell};
    use kesu_indicators::progress::attainment;
    let plan = plans::get(db, q.plan_id).await?;
    let day = year_end(q.year, q.today);
    let goal = plan_targets(db, q.plan_id)
        .await?
        .into_iter()
        .find(|t| t.task_id.is_none() && is_literacy_share(&t.target))
        .map(|t| t.target);
    let entities = assessed_bodies(db, &plan, q.by).await?;
    let own_plans = plans::list(db, &plan.region_code).await?;
    // Late and returned reports of the whole region, read once and split by body below.
    let all_late = late_or_returned(db, &plan.region_code, q.year, q.today).await?;
    let stored = crate::assessment::as_extra(
        &crate::assessment::inputs(db, &plan.region_code, q.year, q.by).await?,
    );
    let mut assessed = Vec::with_capacity(entities.len());
    let mut shares = Vec::new();
    let mut no_share = Vec::new();
    for (id, name) in &entities {
        let mut items: BTreeMap<String, kesu_indicators::ItemInput> = BTreeMap::new();
        // Task attainment: the plan on this body's reports, and (for a region) the region's own
        // plans; a plan counts when the body has tasks in it.
        let mut means = Vec::new();
        let discipline;
        match q.by {
            AssessBy::Regions => {
                let mut evaluated: Vec<i64> = Vec::new();
                for p in
                    std::iter::once(&plan).chain(own_plans.iter().filter(|p| p.region_code == *id))
                {
                    if evaluated.contains(&p.id) {
                        continue;
                    }
                    evaluated.push(p.id);
                    let scope = if p.region_code.starts_with(id.as_str()) {
                        p.region_code.clone()
                    } else {
                        id.clone()
                    };
                    if assigned_units_in(db, p.id, &scope).await?.is_empty() {
                        continue;
                    }
                    let mut qq = Query::new(p.id, day);
                    qq.region = Some(scope);
                    if let Some(m) = evaluate_plan(db, &qq).await?.mean_progress {
                        means.push(m);
                    }
                }
                discipline = all_late
                    .iter()
                    .filter(|r| r.region_code.starts_with(id.as_str()))
                    .count();
            }
            AssessBy::Units => {
                let unit: i64 = id.parse().unwrap_or_default();
                let mut qq = Query::new(q.plan_id, day);
                qq.unit_id = Some(unit);
                if let Some(m) = evaluate_plan(db, &qq).await?.mean_progress {
                    means.push(m);
                }
                discipline = all_late.iter().filter(|r| r.unit_id == unit).count();
            }
        }
        let share_now = match q.by {
            AssessBy::Regions => share_of(db, id, q.year).await?.map(|r| r.value),
            AssessBy::Units => None,
        };
        let share_before = match q.by {
            AssessBy::Regions => share_of(db, id, q.year - 1).await?.map(|r| r.value),
            AssessBy::Units => None,
        };
        if q.by == AssessBy::Regions {
            if share_now.is_none() {
                no_share.push(name.clone());
            }
            shares.push(ShareYears {
                id: id.clone(),
                name: name.clone(),
                this_year: share_now,
                last_year: share_before,
            });
        }
        for item in &q.scheme.items {
            let ItemSource::Indicator(key) = &item.source else {
                continue;
            };
            match key.as_str() {
                "plan.task_attainment" if !means.is_empty() => {
                    let m = means.iter().sum::<f64>() / means.len() as f64;
                    set_input(&mut items, &item.id, |i| i.attainment = Some(m));
                }
                "reports.late_or_returned" => {
                    set_input(&mut items, &item.id, |i| {
                        i.shortfall = Some(discipline as f64)
                    });
                }
                "goal.literacy_share" => {
                    if let (Some(v), Some(g)) = (share_now, goal.as_ref()) {
                        let a = attainment(g.comparator, &g.value, v).uncapped;
                        set_input(&mut items, &item.id, |i| i.attainment = Some(a));
                    }
                }
                "goal.literacy_share_change" => {
                    if let (Some(now), Some(before)) = (share_now, share_before) {
                        // In percentage points, to one decimal as surveys publish them.
                        let rise = ((now - before) * 10.0).round() / 10.0;
                        set_input(&mut items, &item.id, |i| i.value = Some(rise));
                    }
                }
                _ => {}
            }
        }
        // What people entered on the assessment pages (items no longer in the scheme are
        // left out), then the file given to `kesu assess --inputs`, which takes precedence.
        if let Some(entered) = stored.get(id.as_str()) {
            for (item, input) in entered {
                if q.scheme.items.iter().any(|i| &i.id == item) {
                    set_input(&mut items, item, |i| merge(i, input));
                }
            }
        }
        if let Some(extra) = q.inputs.get(id.as_str()) {
            for (item, input) in extra {
                set_input(&mut items, item, |i| merge(i, input));
            }
        }
        assessed.push(kesu_indicators::Assessed {
            id: id.clone(),
            name: name.clone(),
            items,
        });
    }
    for id in q.inputs.keys() {
        if !entities.iter().any(|(e, _)| e == id) {
            return Err(StoreError::Invalid(format!(
                "评分输入中的“{id}”不是被考核对象（应为 {}）(unknown assessed id in the inputs)",
                entities
                    .iter()
                    .map(|(e, n)| format!("{e} {n}"))
                    .collect::<Vec<_>>()
                    .join("、")
            )));
        }
    }
    let assessment = kesu_indicators::assess(q.scheme, &assessed)
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    let commendation = assessment
        .commendation_candidates(Some(q.top), None)
        .into_iter()
        .map(|r| r.id.clone())
        .collect();
    let concerns = match goal.as_ref() {
        Some(g) => {
            let aim = match g.value {
                TargetValue::Number(x) => x,
                TargetValue::Range([lo, _]) => lo,
            };
            below_target_or_fell(&shares, g.comparator, aim)
        }
        None => Vec::new(),
    };
    Ok(AssessmentReport {
        plan_id: plan.id,
        plan_title: plan.title.clone(),
        region: plan.region_code.clone(),
        year: q.year,
        by: q.by,
        inputs: assessed,
        assessment,
        commendation,
        concerns,
        no_share,
        share_target: goal.as_ref().map(target_zh),
    })
}

// ---------------------------------------------------------------- published snapshots

/// A snapshot to publish: what the public page shows, already stripped of anything internal.
#[derive(Debug, Clone)]
pub struct NewSnapshot {
    pub region_code: String,
    pub year: i32,
    pub title: String,
    pub as_of: Date,
    /// The public page's data (public fields only).
    pub payload: serde_json::Value,
    /// The annual report in its public form.
    pub report_html: String,
}

/// A published snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub id: i64,
    pub region_code: String,
    pub year: i32,
    pub title: String,
    pub as_of: Date,
    #[serde(with = "time::serde::rfc3339")]
    pub published_at: time::OffsetDateTime,
    pub payload: serde_json::Value,
}

struct SnapshotRow {
    id: i64,
    region_code: String,
    year: i32,
    title: String,
    as_of: Date,
    published_at: time::OffsetDateTime,
    payload: sqlx::types::Json<serde_json::Value>,
}
from_row!(SnapshotRow {
    id: i64,
    region_code: String,
    year: i32,
    title: String,
    as_of: Date,
    published_at: time::OffsetDateTime,
    payload: sqlx::types::Json<serde_json::Value>,
});

impl From<SnapshotRow> for Snapshot {
    fn from(r: SnapshotRow) -> Self {
        Snapshot {
            id: r.id,
            region_code: r.region_code,
            year: r.year,
            title: r.title,
            as_of: r.as_of,
            published_at: r.published_at,
            payload: r.payload.0,
        }
    }
}

/// Publish a snapshot (it supersedes the region's earlier ones on the public page), audited.
pub async fn publish(db: &Db, s: &NewSnapshot, actor: &crate::Actor) -> StoreResult<i64> {
    let now = time::OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO published_snapshot (region_code, year, title, as_of, published_at, published_by, payload, report_html)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
    )
    .bind(&s.region_code)
    .bind(s.year)
    .bind(&s.title)
    .bind(s.as_of)
    .bind(now)
    .bind(&actor.name)
    .bind(sqlx::types::Json(&s.payload))
    .bind(&s.report_html)
    .fetch_one(&mut *c)
    .await
    })?;
    crate::audit::record_in_region(
        &mut tx,
        actor,
        Some(&s.region_code),
        "indicators.publish",
        &format!("snapshot:{id}"),
        None,
        Some(
            &serde_json::json!({"region": s.region_code, "year": s.year, "title": s.title,
            "as_of": s.as_of.to_string()}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

const SNAPSHOT_COLS: &str = "id, region_code, year, title, as_of, published_at, payload";

/// The region's snapshots, newest first.
pub async fn snapshots(db: &Db, region: &str) -> StoreResult<Vec<Snapshot>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {SNAPSHOT_COLS} FROM published_snapshot WHERE region_code = $1 ORDER BY id DESC"
    ));
    let rows: Vec<SnapshotRow> =
        on_db!(db, |p| sqlx::query_as(sql).bind(region).fetch_all(p).await)?;
    Ok(rows.into_iter().map(Snapshot::from).collect())
}

/// One snapshot of a region, with its report HTML.
pub async fn snapshot(db: &Db, region: &str, id: i64) -> StoreResult<Option<(Snapshot, String)>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {SNAPSHOT_COLS} FROM published_snapshot WHERE region_code = $1 AND id = $2"
    ));
    let row: Option<SnapshotRow> = on_db!(db, |p| sqlx::query_as(sql)
        .bind(region)
        .bind(id)
        .fetch_optional(p)
        .await)?;
    let Some(row) = row else {
        return Ok(None);
    };
    let html: String = on_db!(db, |p| sqlx::query_scalar(
        "SELECT report_html FROM published_snapshot WHERE id = $1"
    )
    .bind(id)
    .fetch_one(p)
    .await)?;
    Ok(Some((Snapshot::from(row), html)))
}

// ---------------------------------------------------------------- historical values

/// One historical value: a report slot of a round and a target of its task.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoryValue {
    pub report_id: i64,
    pub target_id: i64,
    pub value: f64,
}

/// Enter values from before Kesu (the office's own spreadsheets of past rounds) as accepted
/// reports of a round, in one transaction with one audit row: each named slot becomes
/// accepted with the given values. Refused as a whole when a slot is not of the round, a
/// target not of the slot's task, or a value not finite; slots already handed in are refused
/// too (their history belongs to the units).
pub async fn import_history(
    db: &Db,
    round_id: i64,
    values: &[HistoryValue],
    actor: &crate::Actor,
) -> StoreResult<usize> {
    if let Some(v) = values.iter().find(|v| !v.value.is_finite()) {
        return Err(StoreError::Invalid(format!(
            "报告 {} 指标 {} 的数值不是有限数字 (value must be finite)",
            v.report_id, v.target_id
        )));
    }
    let slots: Vec<(i64, i64, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, task_id, state FROM report WHERE round_id = $1"
    )
    .bind(round_id)
    .fetch_all(p)
    .await)?;
    let slots: HashMap<i64, (i64, String)> =
        slots.into_iter().map(|(id, t, s)| (id, (t, s))).collect();
    let targets: Vec<(i64, i64)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT tg.id, tg.task_id FROM target tg JOIN reporting_round r ON r.plan_id = tg.plan_id
         WHERE r.id = $1 AND tg.task_id IS NOT NULL"
    )
    .bind(round_id)
    .fetch_all(p)
    .await
    })?;
    let task_of: HashMap<i64, i64> = targets.into_iter().collect();
    let mut reports: BTreeSet<i64> = BTreeSet::new();
    for v in values {
        let Some((task, state)) = slots.get(&v.report_id) else {
            return Err(StoreError::Invalid(format!(
                "报告 {} 不属于填报轮次 {round_id} (report not in the round)",
                v.report_id
            )));
        };
        if task_of.get(&v.target_id) != Some(task) {
            return Err(StoreError::Invalid(format!(
                "指标 {} 不属于报告 {} 的任务 (target not of the report's task)",
                v.target_id, v.report_id
            )));
        }
        if state != "not_started" && state != "draft" && state != "accepted" {
            return Err(StoreError::Conflict(format!(
                "报告 {} 已由单位提交（{state}），不能以历史数据覆盖 (report handed in)",
                v.report_id
            )));
        }
        reports.insert(v.report_id);
    }
    let now = time::OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    // Batched statements: a round of a city's villages is tens of thousands of rows.
    const BATCH: usize = 400;
    let ids: Vec<i64> = reports.iter().copied().collect();
    for chunk in ids.chunks(BATCH) {
        history_update(&mut tx, chunk, &actor.name, now).await?;
    }
    for chunk in values.chunks(BATCH) {
        history_values(&mut tx, chunk).await?;
    }
    crate::audit::record(
        &mut tx,
        actor,
        "report.import_history",
        &format!("round:{round_id}"),
        None,
        Some(&serde_json::json!({"reports": reports.len(), "values": values.len()})),
    )
    .await?;
    tx.commit().await?;
    Ok(reports.len())
}

async fn history_update(
    tx: &mut crate::Tx,
    ids: &[i64],
    by: &str,
    now: time::OffsetDateTime,
) -> StoreResult<()> {
    macro_rules! run {
        ($db:ty, $c:expr) => {{
            // The report's history first (from its state before), then the report.
            let mut ev: sqlx::QueryBuilder<$db> = sqlx::QueryBuilder::new(
                "INSERT INTO report_event (report_id, version, at, actor, action, from_state, to_state, content, values_json)
                 SELECT id, version + 1, ",
            );
            ev.push_bind(now);
            ev.push(", ");
            ev.push_bind(by.to_string());
            ev.push(", 'import', state, 'accepted', '历史数据导入', ");
            ev.push_bind(sqlx::types::Json(serde_json::json!({})));
            ev.push(" FROM report WHERE id IN (");
            let mut sep = ev.separated(", ");
            for id in ids {
                sep.push_bind(*id);
            }
            sep.push_unseparated(")");
            ev.build().execute(&mut *$c).await?;
            let mut qb: sqlx::QueryBuilder<$db> = sqlx::QueryBuilder::new(
                "UPDATE report SET state = 'accepted', version = version + 1, content = '历史数据导入', updated_by = ",
            );
            qb.push_bind(by.to_string());
            qb.push(", updated_at = ");
            qb.push_bind(now);
            qb.push(" WHERE id IN (");
            let mut sep = qb.separated(", ");
            for id in ids {
                sep.push_bind(*id);
            }
            sep.push_unseparated(")");
            qb.build().execute(&mut *$c).await?;
        }};
    }
    match tx {
        crate::Tx::Sqlite(t, _) => run!(sqlx::Sqlite, &mut **t),
        crate::Tx::Postgres(t) => run!(sqlx::Postgres, &mut **t),
    }
    Ok(())
}

async fn history_values(tx: &mut crate::Tx, values: &[HistoryValue]) -> StoreResult<()> {
    macro_rules! run {
        ($db:ty, $c:expr) => {{
            let mut qb: sqlx::QueryBuilder<$db> =
                sqlx::QueryBuilder::new("INSERT INTO report_value (report_id, target_id, value) ");
            qb.push_values(values, |mut b, v| {
                b.push_bind(v.report_id)
                    .push_bind(v.target_id)
                    .push_bind(v.value);
            });
            qb.push(" ON CONFLICT (report_id, target_id) DO UPDATE SET value = excluded.value");
            qb.build().execute($c).await?;
        }};
    }
    match tx {
        crate::Tx::Sqlite(t, _) => run!(sqlx::Sqlite, &mut **t),
        crate::Tx::Postgres(t) => run!(sqlx::Postgres, &mut **t),
    }
    Ok(())
}
