//! Roll-up over a province-sized tree: 2 cities × 50 counties × 40 townships × 25 villages =
//! 100 000 villages (105 203 regions), given in code order as the store returns them.
//!
//! `cargo bench -p kesu-indicators --bench rollup`

use divan::Bencher;
use kesu_core::report::Period;
use kesu_core::{Comparator, Target, TargetValue};
use kesu_indicators::rollup::{RegionInfo, RegionTree};
use kesu_indicators::{Indicator, Observation, Window};

fn main() {
    divan::main();
}

fn tree() -> Vec<RegionInfo> {
    let mut out = Vec::with_capacity(105_203);
    let mut push = |code: String, name: String, population: Option<f64>| {
        out.push(RegionInfo {
            code,
            name,
            population,
        })
    };
    push("50".into(), "省".into(), None);
    for c in 1..=2 {
        let city = format!("50{c:02}");
        push(city.clone(), format!("市{c}"), None);
        for k in 1..=50 {
            let county = format!("{city}{k:02}");
            push(county.clone(), format!("县{k}"), None);
            for t in 1..=40 {
                let town = format!("{county}{t:03}");
                push(town.clone(), format!("镇{t}"), None);
                for v in 1..=25 {
                    push(
                        format!("{town}{v:03}"),
                        format!("村{v}"),
                        Some(f64::from(800 + (v * 37 + t * 11) % 1500)),
                    );
                }
            }
        }
    }
    out
}

/// A tree the size of 重庆市 (about 38 counties, 1 000 townships, 11 000 villages):
/// 38 × 28 × 10 = 10 640 villages under one province-level code.
fn chongqing_sized() -> Vec<RegionInfo> {
    let mut out = Vec::new();
    out.push(RegionInfo {
        code: "50".into(),
        name: "重庆市".into(),
        population: None,
    });
    out.push(RegionInfo {
        code: "5001".into(),
        name: "市辖区".into(),
        population: None,
    });
    for k in 1..=38 {
        let county = format!("5001{k:02}");
        out.push(RegionInfo {
            code: county.clone(),
            name: format!("区县{k}"),
            population: None,
        });
        for t in 1..=28 {
            let town = format!("{county}{t:03}");
            out.push(RegionInfo {
                code: town.clone(),
                name: format!("镇{t}"),
                population: None,
            });
            for v in 1..=10 {
                out.push(RegionInfo {
                    code: format!("{town}{v:03}"),
                    name: format!("村{v}"),
                    population: Some(f64::from(900 + (v * 53 + t * 7) % 1800)),
                });
            }
        }
    }
    out
}

fn villages(tree: &[RegionInfo]) -> impl Iterator<Item = &RegionInfo> {
    tree.iter().filter(|r| r.code.len() == 12)
}

/// One observation per village (values already summed per village by the store).
fn one_per_village(tree: &[RegionInfo]) -> Vec<Observation> {
    villages(tree)
        .enumerate()
        .map(|(i, r)| Observation {
            report_id: i as i64,
            unit_id: (i % 7) as i64,
            region_code: r.code.as_str().into(),
            period: Period::Year { year: 2024 },
            value: (i % 13) as f64,
            accepted: i % 10 != 0,
        })
        .collect()
}

/// Five years of quarterly reports for every village: 2 000 000 observations for 100k villages.
fn quarterly_five_years(tree: &[RegionInfo]) -> Vec<Observation> {
    let mut out = Vec::with_capacity(tree.len() * 20);
    for (i, r) in villages(tree).enumerate() {
        for year in 2021..=2025 {
            for quarter in 1..=4u8 {
                out.push(Observation {
                    report_id: out.len() as i64,
                    unit_id: (i % 7) as i64,
                    region_code: r.code.as_str().into(),
                    period: Period::Quarter { year, quarter },
                    value: ((i + usize::from(quarter)) % 5) as f64,
                    accepted: true,
                });
            }
        }
    }
    out
}

fn indicator(text: &str, unit: &str, per: Option<&str>) -> Indicator {
    Indicator::from_target(&Target {
        text: text.into(),
        indicator: text.into(),
        comparator: Comparator::Ge,
        value: TargetValue::Number(1.0),
        unit: unit.into(),
        year: Some(2025),
        per: per.map(Into::into),
    })
}

fn count() -> Indicator {
    indicator("开展农民教育培训5000人次以上", "人次", None)
}

fn share() -> Indicator {
    indicator("公民具备科学素质的比例超过15%", "%", None)
}

fn per_village() -> Indicator {
    indicator("每个村至少培育1名创业创新带头人", "名", Some("每个村"))
}

fn stock() -> Indicator {
    indicator("到2025年建成科普基地40家以上", "家", None)
}

/// Preparing the tree (once per region, reusable across indicators and requests).
#[divan::bench]
fn tree_100k_villages(b: Bencher) {
    let t = tree();
    b.bench(|| RegionTree::new(&t));
}

/// Tree and one roll-up, from scratch.
#[divan::bench]
fn tree_and_count_100k_villages(b: Bencher) {
    let t = tree();
    let o = one_per_village(&t);
    let w = Window::years(2021, 2025);
    let ind = count();
    b.bench(|| RegionTree::new(&t).rollup(&ind, &o, &w).value("50"));
}

#[divan::bench]
fn count_100k_villages(b: Bencher) {
    let t = tree();
    let o = one_per_village(&t);
    let w = Window::years(2021, 2025);
    let ind = count();
    let rt = RegionTree::new(&t);
    b.bench(|| rt.rollup(&ind, &o, &w));
}

#[divan::bench]
fn share_100k_villages_weighted(b: Bencher) {
    let t = tree();
    let o = one_per_village(&t);
    let w = Window::years(2021, 2025);
    let ind = share();
    let rt = RegionTree::new(&t);
    b.bench(|| rt.rollup(&ind, &o, &w));
}

#[divan::bench]
fn per_village_100k(b: Bencher) {
    let t = tree();
    let o = one_per_village(&t);
    let w = Window::years(2021, 2025);
    let ind = per_village();
    let rt = RegionTree::new(&t);
    b.bench(|| rt.rollup(&ind, &o, &w));
}

/// A dashboard's worth: four indicators (count, stock, share, per village) over 100k villages.
#[divan::bench]
fn four_indicators_100k_villages(b: Bencher) {
    let t = tree();
    let o = one_per_village(&t);
    let w = Window::years(2021, 2025);
    let inds = [count(), stock(), share(), per_village()];
    let rt = RegionTree::new(&t);
    b.bench(|| {
        inds.iter()
            .map(|ind| rt.rollup(ind, &o, &w))
            .collect::<Vec<_>>()
    });
}

/// Raw quarterly reports (20 per village, 2M observations), summed in the roll-up.
#[divan::bench(sample_count = 10)]
fn count_100k_villages_2m_quarterly_reports(b: Bencher) {
    let t = tree();
    let o = quarterly_five_years(&t);
    let w = Window::years(2021, 2025);
    let ind = count();
    let rt = RegionTree::new(&t);
    b.bench(|| rt.rollup(&ind, &o, &w));
}

/// The same reports for a stock: each village's latest quarter per unit.
#[divan::bench(sample_count = 10)]
fn stock_100k_villages_2m_quarterly_reports(b: Bencher) {
    let t = tree();
    let o = quarterly_five_years(&t);
    let w = Window::years(2021, 2025);
    let ind = stock();
    let rt = RegionTree::new(&t);
    b.bench(|| rt.rollup(&ind, &o, &w));
}

/// 重庆-sized tree with five years of quarterly reports per village (212 800 observations):
/// tree, then the four indicators of a dashboard, from scratch.
#[divan::bench]
fn chongqing_sized_four_indicators_5y_quarterly(b: Bencher) {
    let t = chongqing_sized();
    let o = quarterly_five_years(&t);
    let w = Window::years(2021, 2025);
    let inds = [count(), stock(), share(), per_village()];
    b.bench(|| {
        let rt = RegionTree::new(&t);
        inds.iter()
            .map(|ind| rt.rollup(ind, &o, &w).value("50"))
            .collect::<Vec<_>>()
    });
}
