//! The targets of the five sample plans as indicators.
//!
//! The plans are the gold answers of `kesu-plan` (`crates/kesu-plan/tests/gold`); the villages of
//! 娄星区 are real (`tests/fixtures`). Every expected number below is worked out by hand in the
//! comment next to it.
#![expect(
    clippy::unwrap_used,
    reason = "fixture loading: a missing file fails the test"
)]

use kesu_core::report::Period;
use kesu_core::{Plan, Target};
use kesu_indicators::actual::Population;
use kesu_indicators::coverage::{Entity, EntityKey};
use kesu_indicators::rollup::{RegionInfo, RegionTree};
use kesu_indicators::{Context, Indicator, Kind, Observation, Status, Window, evaluate};
use std::path::PathBuf;
use time::macros::date;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn plan(stem: &str) -> Plan {
    let path = root().join(format!("../kesu-plan/tests/gold/{stem}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

const STEMS: [&str; 5] = [
    "000_432ccf1c67a0d8b8",
    "001_56b7c3f215b0a4b2",
    "002_f6d2d5e634e4ea7e",
    "003_d1be8f63f2575b76",
    "004_ddb7f01bda5ff9fc",
];

fn targets(p: &Plan) -> Vec<&Target> {
    p.goals
        .iter()
        .chain(p.tasks.iter().flat_map(|t| &t.targets))
        .collect()
}

/// The target whose text starts with `prefix`, as an indicator.
fn indicator(p: &Plan, prefix: &str) -> Indicator {
    let t = targets(p)
        .into_iter()
        .find(|t| t.text.starts_with(prefix))
        .unwrap_or_else(|| panic!("no target starting with {prefix}"));
    Indicator::from_target(t)
}

fn short(k: &Kind) -> String {
    let m = |m: kesu_indicators::Measure| format!("{m:?}").to_lowercase();
    match k {
        Kind::Count => "count".into(),
        Kind::Stock => "stock".into(),
        Kind::Share => "share".into(),
        Kind::PerEntity {
            entity,
            measure,
            cadence: None,
        } => format!("per_entity({entity},{})", m(*measure)),
        Kind::PerEntity {
            entity,
            measure,
            cadence: Some(c),
        } => format!("per_entity({entity},{},{c:?})", m(*measure)),
        Kind::PerPeriod { cadence, measure } => format!("per_period({cadence:?},{})", m(*measure)),
    }
}

#[test]
fn every_seed_target_gets_the_kind_a_reader_would_give_it() {
    // (start of the target's text, kind) for all 34 gold targets and goals.
    let expected: [(&str, &str); 34] = [
        // 娄底
        ("到2025年,市、各县市区公民具备科学素质的比例", "share"),
        ("每所中小学校至少配备1名", "per_entity(每所中小学校,stock)"),
        (
            "每名辅导员每年接受一次以上培训",
            "per_entity(每名辅导员,count,Year)",
        ),
        ("开展线上线下融合农民教育培训5000人次", "count"),
        (
            "每个村至少培育1名创业创新带头人",
            "per_entity(每个村,count)",
        ),
        (
            "力争到2025年每个县区均拥有1个以上",
            "per_entity(每个县区,stock)",
        ),
        ("确保到2025年实现流动科普设施", "share"),
        ("配齐至少3名党组成员", "per_entity(县市区科协,stock)"),
        ("每个网格配备1名科普信息员", "per_entity(每个网格,stock)"),
        // 深圳, 新余, 重庆
        ("2025年目标:我市公民具备科学素质的比例超过25%", "share"),
        ("到2025年,全市公民具备科学素质比例达到15%", "share"),
        ("培训农业从业人员1万人次以上", "count"),
        ("培育农村创业创新带头人1000名以上", "count"),
        ("确保全面完成全市公民具备科学素质的比例超过10%", "share"),
        // 屯溪
        ("“十四五”时期全区公民具备科学素质的比例", "share"),
        (
            "每年开展省科技（科普）志愿服务专家团进校园巡讲活动2场次",
            "per_period(Year,count)",
        ),
        (
            "市区科技志愿服务专家团成员进校园巡讲活动4场次",
            "per_period(Year,count)",
        ),
        ("培育高素质农民300人", "count"),
        ("培训农村实用人才带头人200人次", "count"),
        ("开展职业技能培训及技能等级认定300人次", "count"),
        ("培养10名黄山工匠", "count"),
        // No verb in the clause (培养 is in the one before): a level by default.
        ("2-3名安徽工匠或安徽金牌职工", "stock"),
        ("到2025年，全区技能人才达到200人", "stock"),
        ("其中高技能人才100人以上", "stock"),
        ("每年下载注册1000人以上", "per_period(Year,count)"),
        (
            "邀请中国流动科技馆巡展、省科普大篷车巡展活动不少于10",
            "count",
        ),
        ("每年力争推荐1-2家通过省级评审", "per_period(Year,count)"),
        ("到2025年，认定各级各类科普基地40家以上", "stock"),
        ("争创1-2家国家级科普教育基地", "count"),
        ("到2025年，全区注册成立的科技志愿服务组织超过200个", "stock"),
        ("注册科技（科普）志愿者超过5000人", "stock"),
        ("累计开展志愿服务活动超过3000次", "count"),
        ("每年认定科普示范单位1-2个", "per_period(Year,count)"),
        (
            "开展“科普惠民乡村行”“智爱妈妈行动”“农村少儿爱科学”等活动超过30场次",
            "count",
        ),
    ];
    let all: Vec<Target> = STEMS
        .iter()
        .flat_map(|s| targets(&plan(s)).into_iter().cloned().collect::<Vec<_>>())
        .collect();
    assert_eq!(all.len(), 34);
    for t in &all {
        let want = expected
            .iter()
            .find(|(prefix, _)| t.text.starts_with(prefix))
            .map(|(_, k)| *k)
            .unwrap_or_else(|| panic!("no expectation for {}", t.text));
        let ind = Indicator::from_target(t);
        assert_eq!(short(&ind.kind), want, "{}", t.text);
        assert!(!ind.rule.is_empty());
    }
}

fn obs(report_id: i64, unit_id: i64, region: &str, period: Period, value: f64) -> Observation {
    Observation {
        report_id,
        unit_id,
        region_code: region.into(),
        period,
        value,
        accepted: true,
    }
}

fn year(y: i32) -> Period {
    Period::Year { year: y }
}

fn q(y: i32, quarter: u8) -> Period {
    Period::Quarter { year: y, quarter }
}

/// 娄底, 2021–2025, evaluated on 31 December 2023: 60% of the plan period has passed.
fn loudi_ctx<'a>() -> Context<'a> {
    Context::new([2021, 2025], date!(2023 - 12 - 31))
}

#[test]
fn loudi_literacy_share_is_population_weighted_and_on_track_from_its_baseline() {
    let p = plan("000_432ccf1c67a0d8b8");
    let ind = indicator(&p, "到2025年,市、各县市区公民具备科学素质的比例");
    // 娄星区 16.0% of 600 000 and 双峰县 13.0% of 900 000: 21 300 000 / 1 500 000 = 14.2%.
    let o = [
        obs(1, 1, "431302", year(2023), 16.0),
        obs(2, 1, "431321", year(2023), 13.0),
    ];
    let pop = Population::from([("431302".into(), 600_000.0), ("431321".into(), 900_000.0)]);
    let ctx = loudi_ctx().with_population(&pop).with_baseline(10.0);
    let e = evaluate(&ind, &o, &ctx);
    assert_eq!(e.actual, Some(14.2));
    // From 10% at the start to >15% by 2025: 10 + 5 × 0.6 = 13% due now.
    assert_eq!(e.expected_value, Some(13.0));
    assert_eq!(e.status, Status::OnTrack);
    assert!(!e.met);
}

#[test]
fn loudi_farmer_training_sums_accepted_reports() {
    let p = plan("000_432ccf1c67a0d8b8");
    let ind = indicator(&p, "开展线上线下融合农民教育培训5000人次");
    let mut returned = obs(4, 2, "431302", q(2023, 4), 900.0);
    returned.accepted = false;
    // 1000 + 1200 + 1100 = 3300 of 5000 (66%); 3000 due at 60%.
    let o = [
        obs(1, 2, "431302", q(2021, 4), 1000.0),
        obs(2, 2, "431321", q(2022, 2), 1200.0),
        obs(3, 2, "431302", q(2023, 3), 1100.0),
        returned,
    ];
    let e = evaluate(&ind, &o, &loudi_ctx());
    assert_eq!(e.actual, Some(3300.0));
    assert_eq!(e.progress, Some(0.66));
    assert_eq!(e.expected_value, Some(3000.0));
    assert_eq!(e.status, Status::OnTrack);
    let ids: Vec<i64> = e.sources.iter().map(|s| s.report_id).collect();
    assert_eq!(ids, [1, 3, 2], "sorted by region, then period");
}

/// 娄星区's townships and villages (13 and 233).
fn louxing() -> Vec<RegionInfo> {
    std::fs::read_to_string(root().join("tests/fixtures/431302_louxing.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let (code, name) = l.split_once(',').unwrap();
            RegionInfo {
                code: code.into(),
                name: name.into(),
                population: None,
            }
        })
        .collect()
}

/// Every village of 娄星区 reports one leader, except 蛇形山镇 (431302106, 38 villages): its
/// first 19 villages report 0 and the other 19 do not report.
fn leaders_reports(regions: &[RegionInfo]) -> Vec<Observation> {
    let mut out = Vec::new();
    let mut she = 0;
    for (i, r) in regions.iter().filter(|r| r.code.len() == 12).enumerate() {
        let value = if r.code.starts_with("431302106") {
            she += 1;
            if she > 19 {
                continue;
            }
            0.0
        } else {
            1.0
        };
        out.push(obs(i as i64, 7, &r.code, q(2023, 2), value));
    }
    out
}

#[test]
fn loudi_leader_per_village_over_the_real_villages_of_louxing() {
    let p = plan("000_432ccf1c67a0d8b8");
    let ind = indicator(&p, "每个村至少培育1名创业创新带头人");
    let regions = louxing();
    let villages: Vec<Entity> = regions
        .iter()
        .filter(|r| r.code.len() == 12)
        .map(|r| Entity {
            key: EntityKey::Region(r.code.clone()),
            name: r.name.clone(),
        })
        .collect();
    assert_eq!(villages.len(), 233);
    let o = leaders_reports(&regions);
    let e = evaluate(&ind, &o, &loudi_ctx().with_entities(&villages));
    // 233 − 38 = 195 villages meet it: 195 / 233 = 83.7% ≥ 60% elapsed.
    assert_eq!(e.actual, Some(195.0 / 233.0));
    assert_eq!(e.status, Status::OnTrack);
    let c = e.coverage.as_ref().unwrap();
    assert_eq!(
        (c.total, c.met, c.no_data, c.not_met.len()),
        (233, 195, 19, 38)
    );
    assert!(c.not_met.iter().all(|r| match &r.entity.key {
        EntityKey::Region(code) => code.starts_with("431302106"),
        EntityKey::Unit(_) => false,
    }));

    // The same over the region tree: the township at 0 of 38 (19 reporting), the county 195/233.
    let tree = RegionTree::new(&regions);
    let r = tree.rollup(&ind, &o, &Window::years(2021, 2025));
    let she = r.node("431302106").unwrap();
    assert_eq!(she.name.as_deref(), Some("蛇形山镇"));
    assert_eq!((she.met, she.leaves, she.reporting_leaves), (0, 38, 19));
    assert_eq!(she.value, Some(0.0));
    assert_eq!(r.value("431302"), Some(195.0 / 233.0));
    assert_eq!(r.value("4313"), Some(195.0 / 233.0));
    let towns = r.children("431302");
    assert_eq!(towns.len(), 13);
    assert_eq!(towns[0].name.as_deref(), Some("乐坪街道"));
    assert_eq!(towns[0].value, Some(1.0));
}

#[test]
fn loudi_counts_roll_up_from_villages_to_the_city() {
    // The farmer-training count reported per village: village k of 娄星区 reports k (0…232)
    // person-times, so the county total is 0 + 1 + … + 232 = 232 · 233 / 2 = 27 028.
    let p = plan("000_432ccf1c67a0d8b8");
    let ind = indicator(&p, "开展线上线下融合农民教育培训5000人次");
    let regions = louxing();
    let o: Vec<Observation> = regions
        .iter()
        .filter(|r| r.code.len() == 12)
        .enumerate()
        .map(|(k, r)| obs(k as i64, 3, &r.code, q(2022, 3), k as f64))
        .collect();
    let tree = RegionTree::new(&regions);
    let r = tree.rollup(&ind, &o, &Window::years(2021, 2025));
    assert_eq!(r.value("431302"), Some(27_028.0));
    assert_eq!(r.value("43"), Some(27_028.0));
    // 乐坪街道 holds the first 12 villages: 0 + … + 11 = 66.
    assert_eq!(r.value("431302001"), Some(66.0));
    let d = r.drill("431302001", &o).unwrap();
    assert_eq!(d.children.len(), 12);
    assert_eq!(d.sources_below, 12);
}

#[test]
fn loudi_venue_per_county_and_counsellor_per_school() {
    let p = plan("000_432ccf1c67a0d8b8");
    // 综合性科普活动场所: 3 of the 5 counties report one → 60%, exactly the 60% due.
    let venue = indicator(&p, "力争到2025年每个县区均拥有1个以上");
    let counties: Vec<Entity> = ["431302", "431321", "431322", "431381", "431382"]
        .iter()
        .map(|c| Entity {
            key: EntityKey::Region((*c).into()),
            name: (*c).into(),
        })
        .collect();
    let o = [
        obs(1, 9, "431302", year(2022), 1.0),
        obs(2, 9, "431321", year(2023), 1.0),
        obs(3, 9, "431381", year(2023), 2.0),
    ];
    let e = evaluate(&venue, &o, &loudi_ctx().with_entities(&counties));
    assert_eq!((e.actual, e.status), (Some(0.6), Status::OnTrack));

    // 科技辅导员 per school: schools are units; 101 and 102 have one or more, 103 reports 0,
    // 104 nothing → 2 of 4 = 50% < 60%: behind.
    let counsellor = indicator(&p, "每所中小学校至少配备1名");
    let schools: Vec<Entity> = (101..=104)
        .map(|id| Entity {
            key: EntityKey::Unit(id),
            name: format!("学校{id}"),
        })
        .collect();
    let o = [
        obs(1, 101, "431302", q(2023, 1), 1.0),
        obs(2, 102, "431302", q(2023, 1), 2.0),
        obs(3, 103, "431302", q(2023, 1), 0.0),
    ];
    let e = evaluate(&counsellor, &o, &loudi_ctx().with_entities(&schools));
    assert_eq!((e.actual, e.status), (Some(0.5), Status::Behind));
    let not_met: Vec<&str> = e
        .coverage
        .as_ref()
        .unwrap()
        .not_met
        .iter()
        .map(|r| r.entity.name.as_str())
        .collect();
    assert_eq!(not_met, ["学校103", "学校104"]);
}

#[test]
fn tunxi_yearly_talks_versus_cumulative_volunteer_activities() {
    // 屯溪, 2022–2025, on 31 March 2024.
    let p = plan("004_ddb7f01bda5ff9fc");
    let ctx = Context::new([2022, 2025], date!(2024 - 03 - 31));

    // 每年…2场次: 2022 had 2 (met), 2023 had 1: the latest complete year is behind.
    let talks = indicator(
        &p,
        "每年开展省科技（科普）志愿服务专家团进校园巡讲活动2场次",
    );
    let o = [
        obs(1, 5, "341002", q(2022, 2), 1.0),
        obs(2, 5, "341002", q(2022, 4), 1.0),
        obs(3, 5, "341002", q(2023, 3), 1.0),
    ];
    let e = evaluate(&talks, &o, &ctx);
    assert_eq!(e.window, Window::years(2023, 2023));
    assert_eq!((e.actual, e.status), (Some(1.0), Status::Behind));
    let met: Vec<Option<bool>> = e.periods.iter().map(|r| r.met).collect();
    assert_eq!(met, [Some(true), Some(false), None]);

    // 累计开展志愿服务活动超过3000次 by 2025: 800 + 900 = 1700. 31 March 2024 is day 91 of
    // 366, so (2 + 91/366) / 4 of the period has passed and 3000 × that ≈ 1686.5 is due.
    let activities = indicator(&p, "累计开展志愿服务活动超过3000次");
    let o = [
        obs(1, 5, "341002", year(2022), 800.0),
        obs(2, 5, "341002", year(2023), 900.0),
    ];
    let e = evaluate(&activities, &o, &ctx);
    assert_eq!(e.actual, Some(1700.0));
    assert_eq!(e.elapsed, (2.0 + 91.0 / 366.0) / 4.0);
    assert_eq!(e.status, Status::OnTrack);
    assert_eq!(e.progress, Some(1700.0 / 3000.0));
}
