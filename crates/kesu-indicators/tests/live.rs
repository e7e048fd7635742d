//! The live plan gives what a list of observations gives: after any sequence of report changes
//! (accepted, returned, accepted again with other values, new reports, several periods), every
//! view evaluates, lists its reports, rolls up and trends as `evaluate`, `RegionTree::rollup`
//! and `actual::trend` do on that view's observations — and exactly as a live plan loaded from
//! scratch with the final observations does.

use kesu_core::report::Period;
use kesu_core::{Comparator, RegionLevel, Target, TargetValue};
use kesu_indicators::actual::{self, Population, Window};
use kesu_indicators::coverage::{Entity, EntityKey};
use kesu_indicators::{
    Context, Evaluation, Indicator, Kind, LivePlan, Observation, RegionInfo, RegionTree, evaluate,
    evaluate_facts,
};
use proptest::prelude::*;
use std::collections::BTreeMap;
use time::macros::date;

const PLAN: [i32; 2] = [2021, 2025];

fn target(text: &str, comparator: Comparator, value: f64, unit: &str, per: Option<&str>) -> Target {
    Target {
        text: text.into(),
        indicator: text.into(),
        comparator,
        value: TargetValue::Number(value),
        unit: unit.into(),
        year: None,
        per: per.map(Into::into),
    }
}

/// One target of each kind the store keeps live, with the level of its entities.
fn indicators() -> Vec<(Indicator, Option<RegionLevel>)> {
    let ge = Comparator::Ge;
    let out = vec![
        (target("累计培训农民40人次", ge, 40.0, "人次", None), None),
        (target("建成科普基地12家", ge, 12.0, "家", None), None),
        (target("科普活动覆盖率达到50%", ge, 50.0, "%", None), None),
        (
            target("每个村至少培育3名带头人", ge, 3.0, "名", Some("每个村")),
            Some(RegionLevel::Village),
        ),
        (
            target("每个乡镇建成科普站4个", ge, 4.0, "个", Some("每个乡镇")),
            Some(RegionLevel::Township),
        ),
        (
            target("每年开展科普讲座10场次", ge, 10.0, "场次", Some("每年")),
            None,
        ),
    ];
    out.into_iter()
        .map(|(t, l)| (Indicator::from_target(&t), l))
        .collect()
}

/// A province with two cities, two counties each, two townships each, villages below; 乙镇 of
/// each county is not stored (implied by its villages).
fn regions(sizes: &[usize]) -> Vec<(String, bool)> {
    let mut out = vec![("43".to_string(), true)];
    let mut k = 0;
    for c in 1..=2 {
        let city = format!("43{c:02}");
        out.push((city.clone(), true));
        for d in 1..=2 {
            let county = format!("{city}{d:02}");
            out.push((county.clone(), true));
            for t in 1..=2 {
                let town = format!("{county}{t:03}");
                out.push((town.clone(), t == 1));
                let n = sizes[k % sizes.len()];
                k += 1;
                for v in 1..=n {
                    out.push((format!("{town}{v:03}"), true));
                }
            }
        }
    }
    out
}

#[derive(Debug, Clone)]
struct Slot {
    report: i64,
    unit: i64,
    code: String,
    period: Period,
}

fn q(year: i32, quarter: u8) -> Period {
    Period::Quarter { year, quarter }
}

/// Report slots: each village's committee every quarter of 2021–2022, and each county's office
/// for its county (and for a village code below a leaf, not in the tree) each half-year, and
/// the province once a year.
fn slots(regions: &[(String, bool)]) -> Vec<Slot> {
    let mut out = Vec::new();
    let mut id = 0;
    let mut next = |unit: i64, code: &str, period: Period, out: &mut Vec<Slot>| {
        id += 1;
        out.push(Slot {
            report: id,
            unit,
            code: code.to_string(),
            period,
        });
    };
    for (i, (code, _)) in regions.iter().enumerate() {
        let unit = i as i64 + 1;
        for year in 2021..=2022 {
            match code.len() {
                12 => (1..=4).for_each(|qq| next(unit, code, q(year, qq), &mut out)),
                6 => {
                    for half in 1..=2 {
                        next(unit, code, Period::Half { year, half }, &mut out);
                    }
                    next(
                        unit,
                        &format!("{code}001099"),
                        Period::Year { year },
                        &mut out,
                    );
                }
                2 => next(unit, code, Period::Year { year }, &mut out),
                _ => {}
            }
        }
    }
    // A national unit, reporting for the whole country.
    for year in 2021..=2022 {
        next(9_999, "", Period::Year { year }, &mut out);
    }
    out
}

/// What one step does to one report.
#[derive(Debug, Clone)]
enum Step {
    /// Accepted with a value (new, or again with another value).
    Accept(usize, u8),
    /// Returned (or withdrawn): no longer counts.
    Return(usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (any::<usize>(), 0u8..9).prop_map(|(i, v)| Step::Accept(i, v)),
        1 => any::<usize>().prop_map(Step::Return),
    ]
}

/// The accepted values: report → value, per target (the same slot reports for every target,
/// with values varied per target).
type State = BTreeMap<i64, u8>;

fn observation(s: &Slot, v: u8, t: usize) -> Observation {
    Observation {
        report_id: s.report,
        unit_id: s.unit,
        region_code: s.code.as_str().into(),
        period: s.period,
        value: f64::from(v) * (1.0 + t as f64 * 0.5) + if t == 2 { 37.0 } else { 0.0 },
        accepted: true,
    }
}

fn population(regions: &[(String, bool)], skip: usize) -> Population {
    regions
        .iter()
        .enumerate()
        .filter(|(i, (code, _))| code.len() >= 6 && (skip == 0 || i % skip != 0))
        .map(|(i, (code, _))| (code.clone(), 500.0 + (i * 37 % 900) as f64))
        .collect()
}

fn infos(regions: &[(String, bool)], under: &str, pop: &Population) -> Vec<RegionInfo> {
    regions
        .iter()
        .filter(|(c, given)| *given && c.starts_with(under))
        .map(|(c, _)| RegionInfo {
            code: c.clone(),
            name: format!("地区{c}"),
            population: pop.get(c).copied(),
        })
        .collect()
}

fn entities(regions: &[(String, bool)], under: &str, level: RegionLevel) -> Vec<Entity> {
    regions
        .iter()
        .filter(|(c, given)| *given && c.starts_with(under) && c.len() == level.code_len())
        .map(|(c, _)| Entity {
            key: EntityKey::Region(c.clone()),
            name: format!("地区{c}"),
        })
        .collect()
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * (1.0 + x.abs().max(y.abs())),
        (x, y) => x == y,
    }
}

/// The report ids a row lists: the evaluation's sources and its coverage's.
fn ids(e: &Evaluation) -> Vec<i64> {
    let mut v: Vec<i64> = e.sources.iter().map(|s| s.report_id).collect();
    if let Some(c) = &e.coverage {
        v.extend(c.sources.iter().map(|s| s.report_id));
    }
    v.sort_unstable();
    v.dedup();
    v
}

fn same_evaluation(flat: &Evaluation, live: &Evaluation, what: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        close(flat.actual, live.actual),
        "{what}: actual {:?} vs {:?}",
        flat.actual,
        live.actual
    );
    prop_assert!(close(flat.progress, live.progress), "{what}: progress");
    prop_assert!(
        close(flat.expected_value, live.expected_value),
        "{what}: expected"
    );
    prop_assert_eq!(flat.window, live.window, "{}: window", what);
    prop_assert_eq!(flat.unweighted, live.unweighted, "{}: unweighted", what);
    if flat.actual == live.actual {
        prop_assert_eq!(flat.status, live.status, "{}: status", what);
        prop_assert_eq!(
            &flat.explanation,
            &live.explanation,
            "{}: explanation",
            what
        );
    }
    prop_assert_eq!(flat.periods.len(), live.periods.len(), "{}: periods", what);
    for (a, b) in flat.periods.iter().zip(&live.periods) {
        prop_assert!(close(a.actual, b.actual), "{what}: period {}", a.label);
        prop_assert_eq!(a.complete, b.complete);
    }
    match (&flat.coverage, &live.coverage) {
        (Some(a), Some(b)) => {
            prop_assert_eq!(
                (a.total, a.met, a.no_data),
                (b.total, b.met, b.no_data),
                "{}",
                what
            );
            let names = |c: &kesu_indicators::Coverage| -> Vec<String> {
                c.not_met
                    .iter()
                    .take(50)
                    .map(|r| r.entity.name.clone())
                    .collect()
            };
            prop_assert_eq!(names(a), names(b), "{}: not met", what);
        }
        (a, b) => prop_assert_eq!(a.is_some(), b.is_some(), "{}: coverage", what),
    }
    Ok(())
}

/// Everything a view shows, from the live plan, for comparing two live plans exactly.
fn snapshot(
    live: &mut LivePlan,
    t: usize,
    ind: &Indicator,
    code: &str,
    day: time::Date,
) -> Option<(Evaluation, Vec<i64>, String, String)> {
    let view = live.view(t as i64, code, day, 2022)?;
    let e = evaluate_facts(ind, &view, &Context::new(PLAN, day));
    let sources = view.sources(&e.window).to_vec();
    let window = Window::years(PLAN[0], ind.deadline(PLAN));
    let drill = format!("{:?}", view.drill(code, &window));
    let trend = format!("{:?}", view.trend(code));
    Some((e, sources, drill, trend))
}

fn check(
    regions: &[(String, bool)],
    slots: &[Slot],
    states: &[State],
    live: &mut LivePlan,
    pop: &Population,
) -> Result<(), TestCaseError> {
    let views = [
        "43",
        "4301",
        "430102",
        "430101001",
        "430101002",
        "430201001001",
    ];
    let days = [date!(2022 - 05 - 20), date!(2023 - 01 - 20)];
    for (t, (ind, level)) in indicators().iter().enumerate() {
        for code in views {
            for day in days {
                let what = format!("{} at {code} on {day}", ind.target.text);
                let cut = Window {
                    from: time::Date::MIN,
                    to: day,
                }
                .months();
                let obs: Vec<Observation> = slots
                    .iter()
                    .filter(|s| s.code.starts_with(code) && cut.contains(s.period))
                    .filter_map(|s| states[t].get(&s.report).map(|v| observation(s, *v, t)))
                    .collect();
                let ents = level.map(|l| entities(regions, code, l));
                let mut ctx = Context::new(PLAN, day).with_population(pop);
                if let Some(e) = &ents {
                    ctx = ctx.with_entities(e);
                }
                let flat = evaluate(ind, &obs, &ctx);
                let Some(view) = live.view(t as i64, code, day, 2022) else {
                    // The whole country is a view of a national plan only.
                    prop_assert!(code.is_empty(), "{what}: no view");
                    continue;
                };
                let e = evaluate_facts(ind, &view, &Context::new(PLAN, day));
                same_evaluation(&flat, &e, &what)?;
                prop_assert_eq!(
                    ids(&flat),
                    view.sources(&e.window).to_vec(),
                    "{}: sources",
                    &what
                );

                // The roll-up of the view's region over the plan window.
                let window = Window::years(PLAN[0], ind.deadline(PLAN));
                let tree = RegionTree::new(&infos(regions, code, pop));
                let r = tree.rollup(ind, &obs, &window);
                let d = view.drill(code, &window);
                let fd = r.drill(code, &obs);
                if code.is_empty() {
                    // The flat tree has no national node; the live one has the provinces below
                    // it (and the national units' own reports at it).
                    let d = d.ok_or_else(|| TestCaseError::fail("no national drill"))?;
                    let top = r.node("43").and_then(|n| n.value);
                    prop_assert_eq!(d.children.len(), 1);
                    prop_assert!(close(d.children[0].value, top), "{what}");
                    let own: Vec<i64> = d.sources.iter().map(|s| s.report_id).collect();
                    let national = obs
                        .iter()
                        .filter(|o| o.region_code.is_empty() && window.contains(o.period))
                        .count();
                    if ind.aggregation == kesu_indicators::Aggregation::Sum {
                        prop_assert_eq!(own.len(), national, "{}: national sources", &what);
                    }
                    continue;
                }
                prop_assert_eq!(d.is_some(), fd.is_some(), "{}: drill", &what);
                if let (Some(d), Some(fd)) = (d, fd) {
                    prop_assert!(close(d.node.value, fd.node.value), "{what}: node value");
                    prop_assert_eq!(
                        (
                            d.node.leaves,
                            d.node.reporting_leaves,
                            d.node.met,
                            d.sources_below
                        ),
                        (
                            fd.node.leaves,
                            fd.node.reporting_leaves,
                            fd.node.met,
                            fd.sources_below
                        ),
                        "{}: node",
                        &what
                    );
                    prop_assert_eq!(d.node.unweighted, fd.node.unweighted, "{}", &what);
                    prop_assert_eq!(d.children.len(), fd.children.len());
                    for (a, b) in d.children.iter().zip(&fd.children) {
                        prop_assert_eq!(&a.code, &b.code);
                        prop_assert!(close(a.value, b.value), "{what}: child {}", a.code);
                        prop_assert_eq!(a.population, b.population);
                    }
                    let own = |s: &[kesu_indicators::Source]| -> Vec<i64> {
                        s.iter().map(|x| x.report_id).collect()
                    };
                    prop_assert_eq!(own(&d.sources), own(&fd.sources), "{}: own sources", &what);
                }
                let trend = actual::trend(ind.aggregation, &obs, Some(pop));
                let live_trend = view.trend(code).unwrap_or_default();
                prop_assert_eq!(trend.len(), live_trend.len(), "{}: trend", &what);
                for ((p, a), (lp, b)) in trend.iter().zip(&live_trend) {
                    prop_assert_eq!(p, lp);
                    prop_assert!(close(*a, *b), "{what}: trend {p}");
                }
                if matches!(ind.kind, Kind::PerPeriod { .. }) {
                    // The latest by last day; of two ending together, the shorter.
                    let latest = obs
                        .iter()
                        .map(|o| o.period)
                        .max_by_key(|p| (p.dates().1, p.dates().0));
                    prop_assert_eq!(view.latest_period(), Some(latest), "{}", &what);
                }
            }
        }
    }
    Ok(())
}

fn load(
    regions: &[(String, bool)],
    slots: &[Slot],
    states: &[State],
    pop: &Population,
    root: &str,
) -> LivePlan {
    let mut live = LivePlan::new(&infos(regions, root, pop), root, !root.is_empty());
    live.set_population(2022, pop.clone());
    for (t, (ind, level)) in indicators().into_iter().enumerate() {
        let obs = slots
            .iter()
            .filter_map(|s| states[t].get(&s.report).map(|v| observation(s, *v, t)));
        live.load_target(t as i64, ind, level, obs);
    }
    live
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn incremental_views_equal_the_flat_evaluation_and_a_full_rebuild(
        sizes in prop::collection::vec(1usize..4, 1..5),
        initial in prop::collection::vec(prop::option::of(0u8..9), 0..400),
        steps in prop::collection::vec(prop::collection::vec(step(), 1..12), 1..4),
        skip in 0usize..4,
        national in any::<bool>(),
    ) {
        let regions = regions(&sizes);
        let slots = slots(&regions);
        let pop = population(&regions, skip);
        let n = indicators().len();
        let mut states: Vec<State> = (0..n)
            .map(|t| {
                slots
                    .iter()
                    .zip(initial.iter().cycle().skip(t))
                    .filter_map(|(s, v)| v.map(|v| (s.report, v)))
                    .collect()
            })
            .collect();
        let root = if national { "" } else { "43" };
        let mut live = load(&regions, &slots, &states, &pop, root);
        // Open some views first, so that their kept figures and report lists are patched.
        check(&regions, &slots, &states, &mut live, &pop)?;
        for batch in steps {
            for t in 0..n {
                let mut touched = Vec::new();
                for s in &batch {
                    let (i, v) = match s {
                        Step::Accept(i, v) => (*i, Some(*v)),
                        Step::Return(i) => (*i, None),
                    };
                    let slot = &slots[(i + t) % slots.len()];
                    match v {
                        Some(v) => states[t].insert(slot.report, v),
                        None => states[t].remove(&slot.report),
                    };
                    touched.push(slot.clone());
                }
                touched.sort_by_key(|s| s.report);
                touched.dedup_by_key(|s| s.report);
                let gone: Vec<(i64, &str)> =
                    touched.iter().map(|s| (s.report, s.code.as_str())).collect();
                let fresh: Vec<Observation> = touched
                    .iter()
                    .filter_map(|s| states[t].get(&s.report).map(|v| observation(s, *v, t)))
                    .collect();
                live.replace_reports(t as i64, &gone, fresh);
            }
            check(&regions, &slots, &states, &mut live, &pop)?;
        }
        let mut full = load(&regions, &slots, &states, &pop, root);
        for (t, (ind, _)) in indicators().iter().enumerate() {
            for code in ["", "43", "430101", "430201001"] {
                for day in [date!(2022 - 05 - 20), date!(2023 - 01 - 20)] {
                    let a = snapshot(&mut live, t, ind, code, day);
                    let b = snapshot(&mut full, t, ind, code, day);
                    prop_assert_eq!(a, b, "{} at {}: incremental vs full", &ind.target.text, code);
                }
            }
        }
    }
}

#[test]
fn every_kind_of_target_is_kept_live() {
    for (ind, level) in indicators() {
        assert!(LivePlan::supports(&ind, level), "{}", ind.target.text);
    }
    let kinds: Vec<String> = indicators().iter().map(|(i, _)| i.kind.zh()).collect();
    assert!(kinds.iter().any(|k| k.contains("按期")), "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| k.contains("按对象")).count(), 2);
}
