//! Progress against a target and whether it is on track.
//!
//! - Progress is actual / target (capped at 1 for display; the uncapped figure is kept). For
//!   `<=`/`<` targets the logic is inverted (target / actual); for a range, anything from the
//!   lower bound up counts as 1.
//! - Cumulative targets (到2025年…) are on track when the actual has reached the share of the
//!   target that the elapsed share of the plan period calls for (from a baseline when one is
//!   known). Per-period targets (每年…) are judged on the latest complete period.
//! - Lights: 已达标 green, 按进度推进 yellow, 滞后 red, 无数据 grey.

use crate::actual::{self, Observation, Population, Source, Window};
use crate::coverage::{self, Coverage, Entity};
use crate::indicator::{Cadence, Indicator, Kind};
use kesu_core::plan::fmt_num;
use kesu_core::report::Period;
use kesu_core::{Comparator, TargetValue};
use serde::{Deserialize, Serialize};
use time::Date;

/// Where an indicator stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The target is reached.
    Met,
    /// Not reached yet, but at or ahead of where the elapsed time says it should be.
    OnTrack,
    /// Behind schedule, or the period or deadline has passed without reaching it.
    Behind,
    /// No accepted report in scope.
    NoData,
}

impl Status {
    /// 已达标 / 按进度推进 / 滞后 / 无数据.
    pub fn zh(self) -> &'static str {
        match self {
            Status::Met => "已达标",
            Status::OnTrack => "按进度推进",
            Status::Behind => "滞后",
            Status::NoData => "无数据",
        }
    }

    pub fn light(self) -> Light {
        match self {
            Status::Met => Light::Green,
            Status::OnTrack => Light::Yellow,
            Status::Behind => Light::Red,
            Status::NoData => Light::Grey,
        }
    }
}

/// The traffic light of an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    Green,
    Yellow,
    Red,
    /// No data: kept apart from red, which means "reported and behind".
    Grey,
}

impl Light {
    /// 绿 / 黄 / 红 / 灰.
    pub fn zh(self) -> &'static str {
        match self {
            Light::Green => "绿",
            Light::Yellow => "黄",
            Light::Red => "红",
            Light::Grey => "灰",
        }
    }
}

/// Progress of one actual value against one target value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Attainment {
    /// Whether the comparator is satisfied (`>` strictly, `>=` inclusive, `=` as at least …).
    pub met: bool,
    /// Progress in [0, 1].
    pub capped: f64,
    /// Progress without the cap (can exceed 1).
    pub uncapped: f64,
}

/// Compare an actual value with a target.
///
/// `>`, `>=`, `=`: actual / value (a bare number in a plan is a minimum, as in
/// [`Comparator::is_met`]). `<=`, `<`: value / actual (1 when actual is 0). `range`: actual / low
/// below the range, 1 inside, actual / high above (and met from the low bound on). A target of 0
/// gives 1 when met and 0 when not.
pub fn attainment(comparator: Comparator, target: &TargetValue, actual: f64) -> Attainment {
    let ratio = |num: f64, den: f64, met: bool| -> f64 {
        if den > 0.0 && num.is_finite() {
            num / den
        } else if met {
            1.0
        } else {
            0.0
        }
    };
    let (met, uncapped) = match (comparator, *target) {
        (_, TargetValue::Range([lo, hi])) => {
            let met = actual >= lo;
            let u = if actual < lo {
                ratio(actual, lo, met)
            } else if actual <= hi {
                1.0
            } else {
                ratio(actual, hi, true)
            };
            (met, u)
        }
        (Comparator::Le | Comparator::Lt, TargetValue::Number(v)) => {
            let met = if comparator == Comparator::Le {
                actual <= v
            } else {
                actual < v
            };
            let u = if actual > 0.0 {
                ratio(v, actual, met)
            } else if met {
                1.0
            } else {
                0.0
            };
            (met, u)
        }
        (c, TargetValue::Number(v)) => {
            let met = if c == Comparator::Gt {
                actual > v
            } else {
                actual >= v
            };
            (met, ratio(actual, v, met))
        }
    };
    let uncapped = uncapped.max(0.0);
    Attainment {
        met,
        capped: uncapped.min(1.0),
        uncapped,
    }
}

/// Everything besides the observations that an evaluation needs.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// First and last year of the plan (`[2021, 2025]`).
    pub plan_period: [i32; 2],
    /// The day the evaluation is for.
    pub as_of: Date,
    /// Population per region code, for weighting shares across regions.
    pub population: Option<&'a Population>,
    /// The value at the start of the plan period (e.g. the literacy share of the last survey),
    /// so that "on track" measures the way from there to the target rather than from 0.
    pub baseline: Option<f64>,
    /// The entities of a per-entity target (villages, schools). Without them a per-entity
    /// target has no data.
    pub entities: Option<&'a [Entity]>,
}

impl<'a> Context<'a> {
    pub fn new(plan_period: [i32; 2], as_of: Date) -> Context<'a> {
        Context {
            plan_period,
            as_of,
            population: None,
            baseline: None,
            entities: None,
        }
    }

    pub fn with_population(mut self, p: &'a Population) -> Self {
        self.population = Some(p);
        self
    }

    pub fn with_baseline(mut self, b: f64) -> Self {
        self.baseline = Some(b);
        self
    }

    pub fn with_entities(mut self, e: &'a [Entity]) -> Self {
        self.entities = Some(e);
        self
    }
}

/// One period of a per-period target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodResult {
    pub period: Period,
    /// 2024年度.
    pub label: String,
    pub actual: Option<f64>,
    /// `None` without data.
    pub met: Option<bool>,
    /// Whether the period had ended on the evaluation day.
    pub complete: bool,
}

/// An indicator evaluated on a day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The actual value (for per-entity targets: the coverage share, 0–1). `None`: no data.
    pub actual: Option<f64>,
    /// Progress in [0, 1].
    pub progress: Option<f64>,
    /// Progress without the cap.
    pub progress_uncapped: Option<f64>,
    /// The share of the judged time span that has elapsed (0–1).
    pub elapsed: f64,
    /// The actual value that would be on schedule now, when it can be computed.
    pub expected_value: Option<f64>,
    pub met: bool,
    pub status: Status,
    pub light: Light,
    /// The days the judged value covers.
    pub window: Window,
    /// Per-period targets: every period of the plan up to the current one.
    pub periods: Vec<PeriodResult>,
    /// Per-entity targets: the coverage.
    pub coverage: Option<Coverage>,
    /// The observations behind the judged value (per-entity targets: in [`Coverage::sources`]).
    pub sources: Vec<Source>,
    /// A share over several regions had to be averaged without population weights.
    pub unweighted: bool,
    /// How the value and the status were reached, with the numbers, in Chinese.
    pub explanation: String,
}

/// The mean progress of a set of indicators (the 任务落实 input of the assessment).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanProgress {
    /// Mean capped progress, indicators without data counted as 0 (an unreported target earns
    /// nothing); `None` for an empty set.
    pub mean: Option<f64>,
    pub with_data: usize,
    pub without_data: usize,
}

/// Indicators by status (已达标, 按进度推进, 滞后, 无数据).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StatusCounts {
    pub met: usize,
    pub on_track: usize,
    pub behind: usize,
    pub no_data: usize,
}

impl StatusCounts {
    pub fn of(statuses: impl IntoIterator<Item = Status>) -> StatusCounts {
        let mut c = StatusCounts::default();
        for s in statuses {
            match s {
                Status::Met => c.met += 1,
                Status::OnTrack => c.on_track += 1,
                Status::Behind => c.behind += 1,
                Status::NoData => c.no_data += 1,
            }
        }
        c
    }

    /// All indicators counted.
    pub fn total(&self) -> usize {
        self.met + self.on_track + self.behind + self.no_data
    }

    /// Both counts together (a child region over several plans).
    pub fn add(&mut self, other: StatusCounts) {
        self.met += other.met;
        self.on_track += other.on_track;
        self.behind += other.behind;
        self.no_data += other.no_data;
    }
}

/// Average the capped progress of `evaluations`.
pub fn mean_progress<'a>(evaluations: impl IntoIterator<Item = &'a Evaluation>) -> MeanProgress {
    let (mut sum, mut with, mut without) = (0.0, 0usize, 0usize);
    for e in evaluations {
        match e.progress {
            Some(p) => {
                sum += p;
                with += 1;
            }
            None => without += 1,
        }
    }
    let n = with + without;
    MeanProgress {
        mean: (n > 0).then(|| sum / n as f64),
        with_data: with,
        without_data: without,
    }
}

/// Evaluate an indicator from its observations (all of them; the function picks the accepted
/// ones in scope).
///
/// Pass the observations of one region's scope. For a share, every region in them is averaged
/// (population-weighted): give the counties' values or the city's own survey figure, not both;
/// [`crate::rollup`] applies the "own measurement first" rule level by level.
pub fn evaluate(indicator: &Indicator, observations: &[Observation], ctx: &Context) -> Evaluation {
    let facts = ListFacts {
        indicator,
        observations,
        population: ctx.population,
        entities: ctx.entities,
    };
    evaluate_facts(indicator, &facts, ctx)
}

/// [`evaluate`] on facts read elsewhere than from a list of observations (the roll-ups
/// [`crate::live`] keeps current). `ctx.entities` and `ctx.population` are not read: the facts
/// hold them.
pub fn evaluate_facts(indicator: &Indicator, facts: &dyn Facts, ctx: &Context) -> Evaluation {
    match &indicator.kind {
        Kind::PerEntity { cadence, .. } => per_entity(indicator, *cadence, facts, ctx),
        Kind::PerPeriod { cadence, .. } => per_period(indicator, *cadence, facts, ctx),
        _ => cumulative(indicator, facts, ctx),
    }
}

/// What an evaluation reads from the observations in scope.
pub trait Facts {
    /// The accepted, finite observations whose period lies in `window`, combined with the
    /// indicator's aggregation (population-weighted for shares).
    fn actual(&self, window: &Window) -> Found;
    /// Per-entity targets: the coverage over the entities in `window`; `None` without a list
    /// of entities.
    fn coverage(&self, window: &Window) -> Option<Coverage>;
}

/// An actual value as an evaluation uses it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found {
    /// `None`: no accepted observation in the window.
    pub value: Option<f64>,
    /// How many observations the value used.
    pub used: usize,
    /// A share over several regions was averaged without population weights.
    pub unweighted: bool,
    /// The observations used, when the facts list them (a list of observations does; roll-ups
    /// give the report ids separately).
    pub sources: Vec<Source>,
}

/// Facts read from a list of observations.
struct ListFacts<'a> {
    indicator: &'a Indicator,
    observations: &'a [Observation],
    population: Option<&'a Population>,
    entities: Option<&'a [Entity]>,
}

impl Facts for ListFacts<'_> {
    fn actual(&self, window: &Window) -> Found {
        let a = actual::actual(
            self.indicator.aggregation,
            self.observations,
            window,
            self.population,
        );
        Found {
            value: a.value,
            used: a.sources.len(),
            unweighted: a.unweighted,
            sources: a.sources,
        }
    }

    fn coverage(&self, window: &Window) -> Option<Coverage> {
        let entities = self.entities?;
        Some(coverage::coverage(
            self.indicator,
            self.observations,
            entities,
            window,
            self.population,
        ))
    }
}

/// From the plan's first year (or the deadline, if earlier) to the end of the deadline year.
fn deadline_window(indicator: &Indicator, plan_period: [i32; 2]) -> Window {
    let deadline = indicator.deadline(plan_period);
    Window::years(plan_period[0].min(deadline), deadline)
}

/// The number a target aims at (the lower bound of a range).
fn target_number(v: &TargetValue) -> f64 {
    match *v {
        TargetValue::Number(x) => x,
        TargetValue::Range([lo, _]) => lo,
    }
}

/// "≥5000人次", ">15%", "2场次", "1–2家".
pub fn target_zh(t: &kesu_core::Target) -> String {
    let n = |x: f64| fmt_num(x);
    match (t.comparator, t.value) {
        (_, TargetValue::Range([lo, hi])) => format!("{}–{}{}", n(lo), n(hi), t.unit),
        (c, TargetValue::Number(x)) => {
            let sym = match c {
                Comparator::Gt => ">",
                Comparator::Ge | Comparator::Range => "≥",
                Comparator::Eq => "",
                Comparator::Le => "≤",
                Comparator::Lt => "<",
            };
            format!("{sym}{}{}", n(x), t.unit)
        }
    }
}

/// "完成 84%", or "完成 100%（为目标的 120%）" past the target.
fn done_zh(att: &Attainment) -> String {
    if att.uncapped > 1.0 {
        format!("完成 100%（为目标的 {}）", pct(att.uncapped))
    } else {
        format!("完成 {}", pct(att.uncapped))
    }
}

fn pct(x: f64) -> String {
    format!("{}%", fmt_num((x * 1000.0).round() / 10.0))
}

fn num(x: f64) -> String {
    fmt_num((x * 100.0).round() / 100.0)
}

fn cumulative(indicator: &Indicator, facts: &dyn Facts, ctx: &Context) -> Evaluation {
    let t = &indicator.target;
    let window = deadline_window(indicator, ctx.plan_period);
    let a = facts.actual(&window);
    let elapsed = window.elapsed(ctx.as_of);
    let aim = target_number(&t.value);
    let decreasing = matches!(t.comparator, Comparator::Le | Comparator::Lt);
    let expected_value = match (ctx.baseline, decreasing) {
        (Some(b), _) => Some(b + (aim - b) * elapsed),
        (None, false) => Some(aim * elapsed),
        // Without a starting point there is no schedule to fall behind on a ceiling.
        (None, true) => None,
    };
    let mut text = format!("{}\n范围：{}。", indicator.rule, window.zh());
    if let Some(b) = ctx.baseline {
        text.push_str(&format!("基线 {}{}，按进度从基线起算。", num(b), t.unit));
    }
    let Some(v) = a.value else {
        text.push_str(&format!("无已通过的报告，状态：{}。", Status::NoData.zh()));
        return no_data(window, elapsed, expected_value, a.unweighted, text);
    };
    let att = attainment(t.comparator, &t.value, v);
    let status = if att.met {
        Status::Met
    } else if ctx.as_of > window.to {
        Status::Behind
    } else {
        match expected_value {
            Some(e) if (!decreasing && v >= e) || (decreasing && v <= e) => Status::OnTrack,
            _ => Status::Behind,
        }
    };
    text.push_str(&format!(
        "实际值 {}{}（{}份报告），目标 {}，{}。",
        num(v),
        t.unit,
        a.used,
        target_zh(t),
        done_zh(&att)
    ));
    if a.unweighted {
        text.push_str("部分地区缺少人口数，按简单平均。");
    }
    if !att.met {
        if ctx.as_of > window.to {
            text.push_str("期限已过仍未达标。");
        } else if let Some(e) = expected_value {
            text.push_str(&format!(
                "时间已过 {}，按进度此时应达到 {}{}。",
                pct(elapsed),
                num(e),
                t.unit
            ));
        } else {
            text.push_str("没有基线值，无法按进度判断。");
        }
    }
    text.push_str(&format!("状态：{}。", status.zh()));
    Evaluation {
        actual: Some(v),
        progress: Some(att.capped),
        progress_uncapped: Some(att.uncapped),
        elapsed,
        expected_value,
        met: att.met,
        status,
        light: status.light(),
        window,
        periods: Vec::new(),
        coverage: None,
        sources: a.sources,
        unweighted: a.unweighted,
        explanation: text,
    }
}

fn no_data(
    window: Window,
    elapsed: f64,
    expected_value: Option<f64>,
    unweighted: bool,
    explanation: String,
) -> Evaluation {
    Evaluation {
        actual: None,
        progress: None,
        progress_uncapped: None,
        elapsed,
        expected_value,
        met: false,
        status: Status::NoData,
        light: Light::Grey,
        window,
        periods: Vec::new(),
        coverage: None,
        sources: Vec::new(),
        unweighted,
        explanation,
    }
}

/// The periods of the cadence from the plan's start through the one containing `as_of` (or the
/// plan's end, if earlier), oldest first.
fn periods_of(cadence: Cadence, plan_period: [i32; 2], as_of: Date) -> Vec<Period> {
    let plan = Window::years(plan_period[0], plan_period[1]);
    let last_day = as_of.min(plan.to);
    let mut p = cadence.period_at(last_day);
    let mut out = Vec::new();
    while Window::period(p).from >= plan.from {
        out.push(p);
        p = cadence.previous(p);
    }
    out.reverse();
    out
}

/// Which of the periods is judged: the latest complete one; in the first period, the current one.
fn judged(periods: &[Period], as_of: Date) -> Option<(Period, bool)> {
    let complete = periods.iter().rev().find(|p| p.dates().1 <= as_of);
    match complete {
        Some(p) => Some((*p, true)),
        None => periods.first().map(|p| (*p, false)),
    }
}

fn per_period(
    indicator: &Indicator,
    cadence: Cadence,
    facts: &dyn Facts,
    ctx: &Context,
) -> Evaluation {
    let t = &indicator.target;
    let periods = periods_of(cadence, ctx.plan_period, ctx.as_of);
    let mut results = Vec::with_capacity(periods.len());
    let mut judged_actual = None;
    let judged_p = judged(&periods, ctx.as_of);
    for p in &periods {
        let w = Window::period(*p);
        let a = facts.actual(&w);
        results.push(PeriodResult {
            period: *p,
            label: p.to_string(),
            actual: a.value,
            met: a.value.map(|v| attainment(t.comparator, &t.value, v).met),
            complete: w.to <= ctx.as_of,
        });
        if judged_p.is_some_and(|(j, _)| j == *p) {
            judged_actual = Some(a);
        }
    }
    let mut text = indicator.rule.clone();
    let Some(((p, complete), a)) = judged_p.zip(judged_actual) else {
        // The evaluation day is before the plan starts.
        let w = Window::years(ctx.plan_period[0], ctx.plan_period[0]);
        text.push_str("\n规划期尚未开始。");
        return no_data(w, 0.0, None, false, text);
    };
    let window = Window::period(p);
    let elapsed = window.elapsed(ctx.as_of);
    let aim = target_number(&t.value);
    let expected_value = Some(if complete { aim } else { aim * elapsed });
    text.push_str(&format!(
        "\n判断期间：{}{}。",
        p,
        if complete { "" } else { "（进行中）" }
    ));
    let met_count = results
        .iter()
        .filter(|r| r.complete && r.met == Some(true))
        .count();
    let complete_count = results.iter().filter(|r| r.complete).count();
    let mut e = match a.value {
        None => {
            text.push_str(&format!(
                "该期无已通过的报告，状态：{}。",
                Status::NoData.zh()
            ));
            no_data(window, elapsed, expected_value, a.unweighted, String::new())
        }
        Some(v) => {
            let att = attainment(t.comparator, &t.value, v);
            let status = if att.met {
                Status::Met
            } else if complete {
                Status::Behind
            } else if v >= aim * elapsed {
                Status::OnTrack
            } else {
                Status::Behind
            };
            text.push_str(&format!(
                "本期实际 {}{}（{}份报告），每期目标 {}，{}。状态：{}。",
                num(v),
                t.unit,
                a.used,
                target_zh(t),
                done_zh(&att),
                status.zh()
            ));
            Evaluation {
                actual: Some(v),
                progress: Some(att.capped),
                progress_uncapped: Some(att.uncapped),
                elapsed,
                expected_value,
                met: att.met,
                status,
                light: status.light(),
                window,
                periods: Vec::new(),
                coverage: None,
                sources: a.sources,
                unweighted: a.unweighted,
                explanation: String::new(),
            }
        }
    };
    if complete_count > 0 {
        text.push_str(&format!(
            "已结束的{}期中{}期达标。",
            complete_count, met_count
        ));
    }
    e.periods = results;
    e.explanation = text;
    e
}

fn per_entity(
    indicator: &Indicator,
    cadence: Option<Cadence>,
    facts: &dyn Facts,
    ctx: &Context,
) -> Evaluation {
    let (window, complete) = match cadence {
        Some(c) => {
            let periods = periods_of(c, ctx.plan_period, ctx.as_of);
            match judged(&periods, ctx.as_of) {
                Some((p, complete)) => (Window::period(p), complete),
                None => (deadline_window(indicator, ctx.plan_period), false),
            }
        }
        None => (deadline_window(indicator, ctx.plan_period), false),
    };
    let elapsed = window.elapsed(ctx.as_of);
    let expected_value = Some(if complete { 1.0 } else { elapsed });
    let mut text = format!("{}\n范围：{}。", indicator.rule, window.zh());
    let Some(c) = facts.coverage(&window) else {
        text.push_str("未提供对象名单（村、学校等），无法计算覆盖率。");
        return no_data(window, elapsed, expected_value, false, text);
    };
    if c.total == 0 || c.no_data == c.total {
        text.push_str(&format!(
            "{}个对象均无已通过的报告，状态：{}。",
            c.total,
            Status::NoData.zh()
        ));
        let mut e = no_data(window, elapsed, expected_value, false, text);
        e.coverage = Some(c);
        return e;
    }
    let share = c.met as f64 / c.total as f64;
    let met = c.met == c.total;
    let status = if met {
        Status::Met
    } else if complete || ctx.as_of > window.to {
        Status::Behind
    } else if share >= elapsed {
        Status::OnTrack
    } else {
        Status::Behind
    };
    text.push_str(&format!(
        "{}个对象中{}个达标（覆盖率 {}），{}个未达标，其中{}个无数据。",
        c.total,
        c.met,
        pct(share),
        c.total - c.met,
        c.no_data
    ));
    if !met && !complete && ctx.as_of <= window.to {
        text.push_str(&format!(
            "时间已过 {}，按进度覆盖率此时应达到 {}。",
            pct(elapsed),
            pct(elapsed)
        ));
    }
    text.push_str(&format!("状态：{}。", status.zh()));
    Evaluation {
        actual: Some(share),
        progress: Some(share),
        progress_uncapped: Some(share),
        elapsed,
        expected_value,
        met,
        status,
        light: status.light(),
        window,
        periods: Vec::new(),
        // The coverage holds the sources; a copy here would double a village-wide list.
        sources: Vec::new(),
        coverage: Some(c),
        unweighted: false,
        explanation: text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::EntityKey;
    use kesu_core::Target;
    use proptest::prelude::*;
    use time::macros::date;

    fn target(
        text: &str,
        comparator: Comparator,
        value: f64,
        unit: &str,
        year: Option<i32>,
        per: Option<&str>,
    ) -> Indicator {
        Indicator::from_target(&Target {
            text: text.into(),
            indicator: text.into(),
            comparator,
            value: TargetValue::Number(value),
            unit: unit.into(),
            year,
            per: per.map(Into::into),
        })
    }

    fn obs(report_id: i64, region: &str, period: Period, value: f64) -> Observation {
        Observation {
            report_id,
            unit_id: 1,
            region_code: region.into(),
            period,
            value,
            accepted: true,
        }
    }

    fn q(year: i32, quarter: u8) -> Period {
        Period::Quarter { year, quarter }
    }

    fn farmers() -> Indicator {
        target(
            "开展线上线下融合农民教育培训5000人次以上",
            Comparator::Ge,
            5000.0,
            "人次",
            None,
            None,
        )
    }

    // --- attainment -------------------------------------------------------------------------

    #[test]
    fn progress_is_actual_over_target_capped_at_one() {
        let a = attainment(Comparator::Ge, &TargetValue::Number(5000.0), 6000.0);
        assert_eq!((a.met, a.capped, a.uncapped), (true, 1.0, 1.2));
    }

    #[test]
    fn more_than_needs_strictly_more() {
        let a = attainment(Comparator::Gt, &TargetValue::Number(15.0), 15.0);
        assert!(!a.met);
        assert!(attainment(Comparator::Gt, &TargetValue::Number(15.0), 15.1).met);
    }

    #[test]
    fn at_least_is_met_at_the_value() {
        assert!(attainment(Comparator::Ge, &TargetValue::Number(15.0), 15.0).met);
    }

    #[test]
    fn a_bare_number_is_a_minimum() {
        let a = attainment(Comparator::Eq, &TargetValue::Number(10.0), 12.0);
        assert!(a.met);
        assert_eq!(a.capped, 1.0);
    }

    #[test]
    fn a_ceiling_inverts_progress() {
        // 不超过 5: 10 is half way; 4 is met.
        let a = attainment(Comparator::Le, &TargetValue::Number(5.0), 10.0);
        assert_eq!((a.met, a.capped), (false, 0.5));
        let b = attainment(Comparator::Le, &TargetValue::Number(5.0), 4.0);
        assert_eq!((b.met, b.capped, b.uncapped), (true, 1.0, 1.25));
        assert!(!attainment(Comparator::Lt, &TargetValue::Number(5.0), 5.0).met);
    }

    #[test]
    fn within_a_range_is_full_progress() {
        let r = TargetValue::Range([1.0, 2.0]);
        assert_eq!(attainment(Comparator::Range, &r, 2.0).uncapped, 1.0);
        assert_eq!(attainment(Comparator::Range, &r, 1.0).uncapped, 1.0);
        let below = attainment(Comparator::Range, &TargetValue::Range([2.0, 3.0]), 1.0);
        assert_eq!((below.met, below.capped), (false, 0.5));
        let above = attainment(Comparator::Range, &r, 3.0);
        assert_eq!((above.met, above.capped, above.uncapped), (true, 1.0, 1.5));
    }

    #[test]
    fn mean_progress_counts_targets_without_data_as_zero() {
        let ctx = Context::new([2021, 2025], date!(2023 - 12 - 31));
        let done = evaluate(&farmers(), &[obs(1, "431302", q(2022, 1), 5000.0)], &ctx);
        let half = evaluate(&farmers(), &[obs(1, "431302", q(2022, 1), 2500.0)], &ctx);
        let none = evaluate(&farmers(), &[], &ctx);
        // (1 + 0.5 + 0) / 3 = 0.5.
        let m = mean_progress([&done, &half, &none]);
        assert_eq!((m.mean, m.with_data, m.without_data), (Some(0.5), 2, 1));
        assert_eq!(mean_progress([]).mean, None);
    }

    // --- cumulative -------------------------------------------------------------------------

    #[test]
    fn a_cumulative_count_ahead_of_the_elapsed_share_is_on_track() {
        // 2021–2025, evaluated at the end of 2023: 60% of the time, 3000 needed, 3200 done.
        let o = [
            obs(1, "431302", q(2021, 3), 1000.0),
            obs(2, "431302", q(2022, 3), 1100.0),
            obs(3, "431321", q(2023, 2), 1100.0),
        ];
        let ctx = Context::new([2021, 2025], date!(2023 - 12 - 31));
        let e = evaluate(&farmers(), &o, &ctx);
        assert_eq!(e.actual, Some(3200.0));
        assert_eq!(e.progress, Some(0.64));
        assert_eq!(e.expected_value, Some(3000.0));
        assert_eq!((e.status, e.light), (Status::OnTrack, Light::Yellow));
        assert_eq!(e.sources.len(), 3);
        assert!(
            e.explanation.contains("应达到 3000人次"),
            "{}",
            e.explanation
        );
    }

    #[test]
    fn a_cumulative_count_short_of_the_elapsed_share_is_behind() {
        let o = [obs(1, "431302", q(2021, 3), 2900.0)];
        let ctx = Context::new([2021, 2025], date!(2023 - 12 - 31));
        let e = evaluate(&farmers(), &o, &ctx);
        assert_eq!((e.status, e.light), (Status::Behind, Light::Red));
    }

    #[test]
    fn reaching_the_target_is_met_and_green() {
        let o = [obs(1, "431302", q(2022, 1), 5000.0)];
        let ctx = Context::new([2021, 2025], date!(2022 - 06 - 30));
        let e = evaluate(&farmers(), &o, &ctx);
        assert_eq!(
            (e.status, e.light, e.met),
            (Status::Met, Light::Green, true)
        );
        assert_eq!(e.progress, Some(1.0));
    }

    #[test]
    fn no_accepted_report_is_grey_no_data() {
        let mut o = obs(1, "431302", q(2022, 1), 5000.0);
        o.accepted = false;
        let ctx = Context::new([2021, 2025], date!(2022 - 06 - 30));
        let e = evaluate(&farmers(), &[o], &ctx);
        assert_eq!((e.status, e.light), (Status::NoData, Light::Grey));
        assert_eq!((e.actual, e.progress), (None, None));
    }

    #[test]
    fn a_reported_zero_is_behind_not_no_data() {
        let o = [obs(1, "431302", q(2022, 1), 0.0)];
        let ctx = Context::new([2021, 2025], date!(2022 - 06 - 30));
        let e = evaluate(&farmers(), &o, &ctx);
        assert_eq!(e.status, Status::Behind);
        assert_eq!(e.progress, Some(0.0));
    }

    #[test]
    fn after_the_deadline_anything_short_is_behind() {
        let o = [obs(1, "431302", q(2025, 4), 4999.0)];
        let ctx = Context::new([2021, 2025], date!(2026 - 03 - 31));
        assert_eq!(evaluate(&farmers(), &o, &ctx).status, Status::Behind);
    }

    #[test]
    fn a_stock_to_the_deadline_uses_the_latest_report() {
        let bases = target(
            "到2025年，全区建成科普基地40家以上",
            Comparator::Ge,
            40.0,
            "家",
            Some(2025),
            None,
        );
        // 2022–2025 plan; 30 June 2024 is (2 + 182/366) / 4 = 62.4% of the way: 24.97 needed,
        // 26 built.
        let o = [
            obs(1, "341002", q(2023, 4), 20.0),
            obs(2, "341002", q(2024, 2), 26.0),
        ];
        let ctx = Context::new([2022, 2025], date!(2024 - 06 - 30));
        let e = evaluate(&bases, &o, &ctx);
        assert_eq!(e.actual, Some(26.0));
        assert_eq!(e.elapsed, (2.0 + 182.0 / 366.0) / 4.0);
        assert_eq!(e.status, Status::OnTrack);
    }

    #[test]
    fn a_share_is_on_track_from_its_baseline() {
        let share = target(
            "到2025年公民具备科学素质的比例超过15%",
            Comparator::Gt,
            15.0,
            "%",
            Some(2025),
            None,
        );
        // Baseline 10% at the start of 2021; at the end of 2023 (60%) 13% is on schedule.
        let o = [obs(1, "4313", Period::Year { year: 2023 }, 13.2)];
        let ctx = Context::new([2021, 2025], date!(2023 - 12 - 31)).with_baseline(10.0);
        let e = evaluate(&share, &o, &ctx);
        assert_eq!(e.expected_value, Some(13.0));
        assert_eq!(e.status, Status::OnTrack);
        let o = [obs(1, "4313", Period::Year { year: 2023 }, 12.5)];
        assert_eq!(evaluate(&share, &o, &ctx).status, Status::Behind);
    }

    #[test]
    fn a_share_across_counties_is_population_weighted() {
        let share = target("比例超过15%", Comparator::Gt, 15.0, "%", Some(2025), None);
        let o = [
            obs(1, "431302", Period::Year { year: 2024 }, 12.0),
            obs(2, "431321", Period::Year { year: 2024 }, 18.0),
        ];
        let pop = Population::from([("431302".into(), 300_000.0), ("431321".into(), 100_000.0)]);
        let ctx = Context::new([2021, 2025], date!(2024 - 12 - 31)).with_population(&pop);
        assert_eq!(evaluate(&share, &o, &ctx).actual, Some(13.5));
    }

    // --- per period -------------------------------------------------------------------------

    fn talks_per_year() -> Indicator {
        target(
            "每年开展省科技（科普）志愿服务专家团进校园巡讲活动2场次",
            Comparator::Eq,
            2.0,
            "场次",
            None,
            Some("每年"),
        )
    }

    #[test]
    fn a_yearly_target_is_judged_on_the_latest_complete_year() {
        // 2023: 1 + 1 talks (met); 2024: 1 talk (not met); 2025 under way with 2 already.
        let o = [
            obs(1, "341002", q(2023, 1), 1.0),
            obs(2, "341002", q(2023, 3), 1.0),
            obs(3, "341002", q(2024, 2), 1.0),
            obs(4, "341002", q(2025, 1), 2.0),
        ];
        let ctx = Context::new([2022, 2025], date!(2025 - 05 - 10));
        let e = evaluate(&talks_per_year(), &o, &ctx);
        assert_eq!(e.window, Window::years(2024, 2024));
        assert_eq!(e.actual, Some(1.0));
        assert_eq!(e.status, Status::Behind);
        let per: Vec<(String, Option<f64>, Option<bool>, bool)> = e
            .periods
            .iter()
            .map(|r| (r.label.clone(), r.actual, r.met, r.complete))
            .collect();
        assert_eq!(
            per,
            [
                ("2022年度".to_string(), None, None, true),
                ("2023年度".to_string(), Some(2.0), Some(true), true),
                ("2024年度".to_string(), Some(1.0), Some(false), true),
                ("2025年度".to_string(), Some(2.0), Some(true), false),
            ]
        );
        assert!(
            e.explanation.contains("已结束的3期中1期达标"),
            "{}",
            e.explanation
        );
    }

    #[test]
    fn a_monthly_count_is_met_by_a_quarter_with_three_months_worth() {
        // 每月2场: a quarter needs 6. 2024Q3 had 6 (met), 2024Q4 had 5 (not met).
        let talks = target(
            "每月开展科普讲座2场次",
            Comparator::Ge,
            2.0,
            "场次",
            None,
            Some("每月"),
        );
        let o = [
            obs(1, "341002", q(2024, 3), 6.0),
            obs(2, "341002", q(2024, 4), 5.0),
        ];
        let ctx = Context::new([2021, 2025], date!(2025 - 01 - 10));
        let e = evaluate(&talks, &o, &ctx);
        assert_eq!(e.window, Window::period(q(2024, 4)));
        assert_eq!((e.actual, e.status), (Some(5.0), Status::Behind));
        let q3 = e.periods.iter().find(|p| p.period == q(2024, 3)).unwrap();
        assert_eq!(q3.met, Some(true));
    }

    #[test]
    fn a_yearly_target_versus_the_same_total_cumulated() {
        // The same four reports: as a cumulative count (8 over 2022–2025) the total is 5 of 8.
        let o = [
            obs(1, "341002", q(2023, 1), 1.0),
            obs(2, "341002", q(2023, 3), 1.0),
            obs(3, "341002", q(2024, 2), 1.0),
            obs(4, "341002", q(2025, 1), 2.0),
        ];
        let ctx = Context::new([2022, 2025], date!(2025 - 05 - 10));
        let total = target(
            "累计开展巡讲活动8场次",
            Comparator::Ge,
            8.0,
            "场次",
            Some(2025),
            None,
        );
        let e = evaluate(&total, &o, &ctx);
        assert_eq!(e.actual, Some(5.0));
        assert_eq!(e.progress, Some(0.625));
        assert!(evaluate(&talks_per_year(), &o, &ctx).actual == Some(1.0));
    }

    #[test]
    fn a_missing_report_for_the_judged_year_is_no_data() {
        let o = [obs(1, "341002", q(2023, 1), 2.0)];
        let ctx = Context::new([2022, 2025], date!(2025 - 05 - 10));
        let e = evaluate(&talks_per_year(), &o, &ctx);
        assert_eq!(e.status, Status::NoData);
        assert_eq!(e.periods.len(), 4);
    }

    #[test]
    fn in_the_first_year_the_current_year_is_judged_pro_rata() {
        // 1 talk by 1 July 2022 (day 182 of 365: 0.997 talks due) is on track for 2; a day
        // later (1.003 due) it is behind.
        let o = [obs(1, "341002", q(2022, 1), 1.0)];
        let late = Context::new([2022, 2025], date!(2022 - 07 - 02));
        assert_eq!(
            evaluate(&talks_per_year(), &o, &late).status,
            Status::Behind
        );
        let ctx = Context::new([2022, 2025], date!(2022 - 07 - 01));
        let e = evaluate(&talks_per_year(), &o, &ctx);
        assert_eq!(e.status, Status::OnTrack);
        assert!(e.periods.iter().all(|p| !p.complete));
    }

    #[test]
    fn a_yearly_report_does_not_count_toward_a_quarterly_target() {
        let per_quarter = target(
            "每季度开展1次",
            Comparator::Ge,
            1.0,
            "次",
            None,
            Some("每季度"),
        );
        let o = [obs(1, "341002", Period::Year { year: 2022 }, 8.0)];
        let ctx = Context::new([2022, 2025], date!(2022 - 12 - 31));
        assert_eq!(evaluate(&per_quarter, &o, &ctx).status, Status::NoData);
    }

    // --- per entity -------------------------------------------------------------------------

    #[test]
    fn a_per_village_target_is_the_share_of_villages_meeting_it() {
        let ind = target(
            "每个村至少培育1名创业创新带头人",
            Comparator::Ge,
            1.0,
            "名",
            None,
            Some("每个村"),
        );
        let villages: Vec<Entity> = [
            "431302001001",
            "431302001002",
            "431302001003",
            "431302001004",
        ]
        .iter()
        .map(|c| Entity {
            key: EntityKey::Region((*c).into()),
            name: (*c).into(),
        })
        .collect();
        let o = [
            obs(1, "431302001001", q(2022, 2), 1.0),
            obs(2, "431302001002", q(2023, 2), 2.0),
            obs(3, "431302001003", q(2023, 2), 1.0),
        ];
        // 3 of 4 villages by the end of 2023 (60% of 2021–2025): on track.
        let ctx = Context::new([2021, 2025], date!(2023 - 12 - 31)).with_entities(&villages);
        let e = evaluate(&ind, &o, &ctx);
        assert_eq!(e.actual, Some(0.75));
        assert_eq!(e.status, Status::OnTrack);
        let c = e.coverage.as_ref().unwrap();
        assert_eq!(c.not_met.len(), 1);
        assert_eq!(c.not_met[0].entity.name, "431302001004");
    }

    #[test]
    fn a_per_entity_target_without_the_entity_list_has_no_data() {
        let ind = target(
            "每个村至少1名",
            Comparator::Ge,
            1.0,
            "名",
            None,
            Some("每个村"),
        );
        let ctx = Context::new([2021, 2025], date!(2023 - 12 - 31));
        let e = evaluate(&ind, &[obs(1, "431302001001", q(2022, 2), 1.0)], &ctx);
        assert_eq!(e.status, Status::NoData);
        assert!(e.explanation.contains("未提供对象名单"));
    }

    proptest! {
        #[test]
        fn capped_progress_is_between_zero_and_one(
            actual in -1e6f64..1e6,
            value in -10f64..1e6,
            lo in 0f64..100.0,
            width in 0f64..100.0,
            c in 0usize..6,
        ) {
            let cmp = [Comparator::Gt, Comparator::Ge, Comparator::Eq, Comparator::Le,
                Comparator::Lt, Comparator::Range][c];
            let v = if cmp == Comparator::Range {
                TargetValue::Range([lo, lo + width])
            } else {
                TargetValue::Number(value)
            };
            let a = attainment(cmp, &v, actual);
            prop_assert!((0.0..=1.0).contains(&a.capped));
            prop_assert!(a.uncapped >= 0.0);
            if a.met {
                prop_assert_eq!(a.capped, 1.0);
            }
        }
    }
}
