//! The live plan at the size of the whole country: 31 provinces × 12 cities × 9 counties × 14
//! townships × 13 villages = 609 336 villages, four quarters of a village-wide count and a
//! per-village target (4.9 million observations). What one report's change costs once the
//! views are open, against loading everything.
//!
//! `cargo bench -p kesu-indicators --bench live`

use divan::Bencher;
use kesu_core::report::Period;
use kesu_core::{Comparator, RegionLevel, Target, TargetValue};
use kesu_indicators::rollup::RegionInfo;
use kesu_indicators::{Context, Indicator, LivePlan, Observation, Window, evaluate_facts};
use std::sync::OnceLock;
use time::macros::date;

fn main() {
    divan::main();
}

const PLAN: [i32; 2] = [2021, 2025];
const DAY: time::Date = date!(2025 - 01 - 20);

fn regions() -> &'static Vec<RegionInfo> {
    static R: OnceLock<Vec<RegionInfo>> = OnceLock::new();
    R.get_or_init(|| {
        let mut out = Vec::new();
        let mut push = |code: String| {
            out.push(RegionInfo {
                name: format!("地区{code}"),
                code,
                population: None,
            })
        };
        for p in 11..42 {
            push(format!("{p}"));
            for c in 1..=12 {
                let city = format!("{p}{c:02}");
                push(city.clone());
                for k in 1..=9 {
                    let county = format!("{city}{k:02}");
                    push(county.clone());
                    for t in 1..=14 {
                        let town = format!("{county}{t:03}");
                        push(town.clone());
                        for v in 1..=13 {
                            push(format!("{town}{v:03}"));
                        }
                    }
                }
            }
        }
        out
    })
}

fn indicators() -> Vec<(Indicator, Option<RegionLevel>)> {
    let t = |text: &str, unit: &str, per: Option<&str>| Target {
        text: text.into(),
        indicator: text.into(),
        comparator: Comparator::Ge,
        value: TargetValue::Number(1.0),
        unit: unit.into(),
        year: None,
        per: per.map(Into::into),
    };
    vec![
        (
            Indicator::from_target(&t("培训农民50万人次", "人次", None)),
            None,
        ),
        (
            Indicator::from_target(&t("每个村至少培育1名带头人", "名", Some("每个村"))),
            Some(RegionLevel::Village),
        ),
    ]
}

fn observations(target: usize) -> Vec<Observation> {
    let mut out = Vec::new();
    let mut id = target as i64 * 10_000_000;
    for (i, r) in regions().iter().enumerate() {
        if r.code.len() != 12 {
            continue;
        }
        for q in 1..=4 {
            id += 1;
            out.push(Observation {
                report_id: id,
                unit_id: i as i64,
                region_code: r.code.as_str().into(),
                period: Period::Quarter {
                    year: 2024,
                    quarter: q,
                },
                value: ((i * 7 + q as usize) % 13) as f64,
                accepted: true,
            });
        }
    }
    out
}

fn load() -> LivePlan {
    let mut live = LivePlan::new(regions(), "", false);
    live.set_population(2025, Default::default());
    for (t, (ind, level)) in indicators().into_iter().enumerate() {
        live.load_target(t as i64, ind, level, observations(t));
    }
    live
}

/// Evaluate both targets at the country and at one county, with their report ids.
fn views(live: &mut LivePlan) -> usize {
    let mut n = 0;
    for (t, (ind, _)) in indicators().iter().enumerate() {
        for code in ["", "110101"] {
            if let Some(v) = live.view(t as i64, code, DAY, 2025) {
                let e = evaluate_facts(ind, &v, &Context::new(PLAN, DAY));
                n += v.sources(&e.window).len();
                n += v
                    .drill(code, &Window::years(2021, 2025))
                    .map_or(0, |d| d.children.len());
                n += v.trend(code).map_or(0, |t| t.len());
            }
        }
    }
    n
}

#[divan::bench(sample_count = 3)]
fn load_the_country_and_open_views() -> usize {
    let mut live = load();
    views(&mut live)
}

#[divan::bench(sample_count = 20)]
fn one_report_changes_then_the_views_again(b: Bencher) {
    let mut live = load();
    views(&mut live);
    let mut v = 0.0;
    b.bench_local(|| {
        v += 1.0;
        // Target 0's first village report (ids as `load` numbers them).
        let report = 1;
        let o = Observation {
            report_id: report,
            unit_id: 1,
            region_code: "110101001001".into(),
            period: Period::Quarter {
                year: 2024,
                quarter: 1,
            },
            value: v,
            accepted: true,
        };
        live.replace_reports(0, &[(report, "110101001001")], vec![o]);
        live.replace_reports(1, &[(report, "110101001001")], vec![]);
        views(&mut live)
    });
}
