//! Indicators stay live as reports change: what a process has kept is updated report by report
//! and equals what a process that reads everything afresh computes; two processes on one
//! database see each other's writes at their next view. 娄星区's 233 villages reporting on a
//! village-wide count and a per-village target, a stock led by one unit with another
//! cooperating. SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, reason = "test fixtures")]

use kesu_core::RegionLevel;
use kesu_core::report::{Period, Transition};
use kesu_store::indicators::{self, DrillDown, PlanIndicators, Query};
use kesu_store::reporting::{self, NewRound, ReportChange};
use kesu_store::testing::backends;
use kesu_store::{Actor, Db, plans};
use std::collections::BTreeMap;
use time::macros::{date, datetime};

const PLAN: &str = "娄星区全民科学素质行动实施方案（2021—2025年）\n\
一、主要目标\n\
到2025年，全区公民具备科学素质的比例超过15%。\n\
二、提升行动\n\
（一）农民科学素质提升行动\n\
1.开展农民教育培训，累计培训农民5000人次以上。（各村民委员会负责）\n\
2.实施乡村振兴人才培育计划，每个村至少培育1名创业创新带头人。（各村民委员会负责）\n\
（二）基层科普能力提升工程\n\
3.到2025年，认定各级各类科普基地40家以上。（区科协牵头，区教育局配合）\n";

const NOW: time::OffsetDateTime = datetime!(2025-06-01 02:00 UTC);
const AS_OF: time::Date = date!(2025 - 01 - 20);

/// The plan on 娄星区's villages with four quarterly rounds of 2024; returns the plan, its
/// rounds and its report slots.
async fn setup(db: &Db) -> (i64, Vec<i64>, Vec<reporting::Slot>) {
    let path = format!(
        "{}/../kesu-indicators/tests/fixtures/431302_louxing.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(path).unwrap();
    let a = Actor::new("office");
    kesu_store::regions::import_seed_csv(db, &a, &bytes, "louxing.csv", "2023")
        .await
        .unwrap();
    let plan = kesu_plan::parse_text(PLAN).unwrap();
    let src = plans::Source {
        name: "plan.txt",
        sha256: "plan",
    };
    let plan_id = plans::import(db, &plan, "431302", Some("娄星区"), &src, &a)
        .await
        .unwrap()
        .plan_id();
    for t in plans::tasks(db, plan_id).await.unwrap() {
        if t.title.contains("农民") || t.title.contains("人才") {
            indicators::expand_entities(db, t.id, "431302", RegionLevel::Village, &a)
                .await
                .unwrap();
        }
    }
    let mut rounds = Vec::new();
    let mut slots = Vec::new();
    for q in 1..=4 {
        let id = reporting::open_round(
            db,
            &NewRound {
                plan_id,
                period: Period::Quarter {
                    year: 2024,
                    quarter: q,
                },
                due: date!(2025 - 12 - 01),
                lock: date!(2025 - 12 - 31),
                demo: false,
            },
            &a,
        )
        .await
        .unwrap();
        rounds.push(id);
        slots.extend(reporting::slots(db, id).await.unwrap());
    }
    (plan_id, rounds, slots)
}

/// The targets of a slot's task.
async fn targets_of(db: &Db, plan: i64, task: i64) -> Vec<i64> {
    plans::tasks(db, plan)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.id == task)
        .unwrap()
        .targets
        .iter()
        .map(|t| t.id)
        .collect()
}

async fn change(db: &Db, report: i64, t: Transition, values: &[(i64, f64)]) {
    let s = reporting::slot(db, report).await.unwrap();
    reporting::change(
        db,
        report,
        t,
        &ReportChange {
            expected_version: s.version,
            content: (t == Transition::Submit).then(|| "本期工作情况".to_string()),
            values: values.iter().map(|(t, v)| (*t, Some(*v))).collect(),
            reason: (t == Transition::Return).then(|| "数据缺少佐证".to_string()),
        },
        NOW,
        &Actor::new("u"),
    )
    .await
    .unwrap();
}

/// Make a report accepted with `values`, whatever its state.
async fn accept(db: &Db, report: i64, values: &[(i64, f64)]) {
    match reporting::slot(db, report).await.unwrap().state.as_str() {
        "accepted" => change(db, report, Transition::Unlock, &[]).await,
        "submitted" => change(db, report, Transition::Return, &[]).await,
        _ => {}
    }
    change(db, report, Transition::Submit, values).await;
    change(db, report, Transition::Accept, &[]).await;
}

/// Make a report count no more: unlocked if accepted, returned if submitted.
async fn withdraw(db: &Db, report: i64) {
    match reporting::slot(db, report).await.unwrap().state.as_str() {
        "accepted" => change(db, report, Transition::Unlock, &[]).await,
        "submitted" => change(db, report, Transition::Return, &[]).await,
        _ => {}
    }
}

/// The views compared: the district, a township and a village, at the year's end and at the
/// end of 2024Q2; the drill-down of every target at the district and at a township.
async fn views(db: &Db, plan: i64, targets: &[i64]) -> (Vec<PlanIndicators>, Vec<DrillDown>) {
    let mut evals = Vec::new();
    let mut drills = Vec::new();
    for region in [None, Some("431302001"), Some("431302001001")] {
        for period in [None, Some("2024Q2")] {
            let q = Query {
                plan_id: plan,
                region: region.map(Into::into),
                unit_id: None,
                period: period.map(|p| Period::parse(p).unwrap()),
                as_of: AS_OF,
            };
            evals.push(indicators::evaluate_plan(db, &q).await.unwrap());
        }
    }
    for &t in targets {
        for code in ["431302", "431302001"] {
            let q = Query::new(plan, AS_OF);
            if let Some(d) = indicators::drill(db, &q, t, code).await.unwrap() {
                drills.push(d);
            }
        }
    }
    (evals, drills)
}

/// A small deterministic generator (xorshift), so that a failing sequence can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[tokio::test]
async fn after_random_report_changes_the_kept_views_equal_a_fresh_reading() {
    for t in backends().await {
        let name = t.name();
        let db = t.db.clone();
        let (plan, rounds, slots) = setup(&db).await;
        let mut task_targets: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        let tasks: std::collections::BTreeSet<i64> = slots.iter().map(|s| s.task_id).collect();
        for task in tasks {
            task_targets.insert(task, targets_of(&db, plan, task).await);
        }
        let all_targets: Vec<i64> = task_targets.values().flatten().copied().collect();
        let training = indicators::plan_targets(&db, plan)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.target.unit == "人次")
            .unwrap()
            .target_id;
        // The accepted training values, to check the meaning as well as the agreement.
        let mut trained: BTreeMap<i64, f64> = BTreeMap::new();
        // Views opened before the changes, so that their kept figures are patched.
        views(&db, plan, &all_targets).await;
        // The science-base stock: one unit leads, another cooperates (its values count only
        // where the lead has not reported the round).
        let units: Vec<&reporting::Slot> =
            slots.iter().filter(|s| s.role != "responsible").collect();
        assert!(
            units.iter().any(|s| s.role == "lead"),
            "{name}: {:?}",
            units.first()
        );
        assert!(units.iter().any(|s| s.role == "cooperating"), "{name}");
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for batch in 0..5 {
            for _ in 0..12 {
                let s = if rng.below(3) == 0 {
                    units[rng.below(units.len())]
                } else {
                    &slots[rng.below(slots.len())]
                };
                let targets = &task_targets[&s.task_id];
                if rng.below(4) == 0 {
                    withdraw(&db, s.id).await;
                    trained.remove(&s.id);
                } else {
                    let v = (rng.below(9) + batch) as f64;
                    let values: Vec<(i64, f64)> = targets.iter().map(|t| (*t, v)).collect();
                    accept(&db, s.id, &values).await;
                    if targets.contains(&training) {
                        trained.insert(s.id, v);
                    }
                }
            }
            // Now and then a whole round's history in one go.
            if batch == 2 {
                let round = rounds[0];
                let values: Vec<indicators::HistoryValue> = slots
                    .iter()
                    .filter(|s| s.round_id == round && s.region_code.len() == 12)
                    .filter(|s| task_targets[&s.task_id].contains(&training))
                    .filter(|s| !trained.contains_key(&s.id))
                    .take(40)
                    .map(|s| indicators::HistoryValue {
                        report_id: s.id,
                        target_id: training,
                        value: 2.0,
                    })
                    .collect();
                let n =
                    indicators::import_history(&db, round, &values, &Actor::new("office")).await;
                if n.is_ok() {
                    for v in &values {
                        trained.insert(v.report_id, 2.0);
                    }
                }
            }
            let kept = views(&db, plan, &all_targets).await;
            let fresh_db = Db::open(&t.url()).await.unwrap();
            let fresh = views(&fresh_db, plan, &all_targets).await;
            fresh_db.close().await;
            assert_eq!(
                serde_json::to_value(&kept).unwrap(),
                serde_json::to_value(&fresh).unwrap(),
                "{name}: batch {batch}: kept views differ from a fresh reading"
            );
            let district = &kept.0[0];
            let row = district
                .indicators
                .iter()
                .find(|r| r.target_id == training)
                .unwrap();
            let total: f64 = trained.values().sum();
            assert_eq!(
                row.actual,
                (!trained.is_empty()).then_some(total),
                "{name}: batch {batch}"
            );
            let ids: Vec<i64> = trained.keys().copied().collect();
            assert_eq!(row.sources, ids, "{name}: batch {batch}: sources");
        }
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_report_accepted_through_one_server_shows_in_the_others_next_view() {
    for t in backends().await {
        let name = t.name();
        let one = t.db.clone();
        let other = Db::open(&t.url()).await.unwrap();
        let (plan, _, slots) = setup(&one).await;
        let training = indicators::plan_targets(&one, plan)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.target.unit == "人次")
            .unwrap()
            .target_id;
        let village = slots
            .iter()
            .find(|s| s.region_code == "431302001001" && s.task_title.contains("农民"))
            .unwrap();
        let q = Query::new(plan, AS_OF);
        let value = |p: &PlanIndicators| {
            p.indicators
                .iter()
                .find(|r| r.target_id == training)
                .unwrap()
                .actual
        };
        // The other server has looked (and keeps what it computed).
        let before = indicators::evaluate_plan(&other, &q).await.unwrap();
        assert_eq!(value(&before), None, "{name}");

        accept(&one, village.id, &[(training, 17.0)]).await;
        let after = indicators::evaluate_plan(&other, &q).await.unwrap();
        assert_eq!(
            value(&after),
            Some(17.0),
            "{name}: the accepted report shows"
        );
        assert_eq!(
            after
                .indicators
                .iter()
                .find(|r| r.target_id == training)
                .unwrap()
                .sources,
            [village.id]
        );
        let d = indicators::drill(&other, &q, training, "431302001")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.node.value, Some(17.0), "{name}: and in the drill-down");

        withdraw(&one, village.id).await;
        let unlocked = indicators::evaluate_plan(&other, &q).await.unwrap();
        assert_eq!(
            value(&unlocked),
            None,
            "{name}: an unlocked report no longer counts"
        );

        // A change to the regions (a village renamed) shows too.
        let csv = "code,name\n431302001001,新名村\n";
        kesu_store::regions::import_seed_csv(
            &one,
            &Actor::new("o"),
            csv.as_bytes(),
            "r.csv",
            "2024",
        )
        .await
        .unwrap();
        accept(&one, village.id, &[(training, 3.0)]).await;
        let d = indicators::drill(&other, &q, training, "431302001")
            .await
            .unwrap()
            .unwrap();
        let child = d
            .children
            .iter()
            .find(|c| c.code == "431302001001")
            .unwrap();
        assert_eq!(
            (child.name.as_str(), child.value),
            ("新名村", Some(3.0)),
            "{name}"
        );
        other.close().await;
        t.cleanup().await;
    }
}
