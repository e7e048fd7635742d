//! What keeps a province's and the country's views cheap keeps them right: after a round
//! imported at once (every report event new within seconds), one corrected value shows at the
//! next view; a correction names its slots by id and is refused as a whole when one is not of
//! the round. 娄星区's 233 villages, SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, reason = "test fixtures")]

use kesu_core::RegionLevel;
use kesu_core::report::Period;
use kesu_store::indicators::{self, HistoryValue, PlanIndicators, Query};
use kesu_store::reporting::{self, NewRound};
use kesu_store::testing::backends;
use kesu_store::{Actor, Db, StoreError, plans};
use time::macros::date;

const PLAN: &str = "娄星区全民科学素质行动实施方案（2021—2025年）\n\
一、主要目标\n\
到2025年，全区公民具备科学素质的比例超过15%。\n\
二、提升行动\n\
（一）农民科学素质提升行动\n\
1.开展农民教育培训，累计培训农民5000人次以上。（各村民委员会负责）\n";

/// The plan on 娄星区's villages with two quarterly rounds of 2024; the plan, its training
/// target and the rounds.
async fn setup(db: &Db) -> (i64, i64, [i64; 2]) {
    let path = format!(
        "{}/../kesu-indicators/tests/fixtures/431302_louxing.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    let a = Actor::new("office");
    kesu_store::regions::import_seed_csv(db, &a, &std::fs::read(path).unwrap(), "l.csv", "2023")
        .await
        .unwrap();
    let src = plans::Source {
        name: "plan.txt",
        sha256: "plan",
    };
    let plan = kesu_plan::parse_text(PLAN).unwrap();
    let plan_id = plans::import(db, &plan, "431302", Some("娄星区"), &src, &a)
        .await
        .unwrap()
        .plan_id();
    let task = plans::tasks(db, plan_id).await.unwrap()[0].id;
    indicators::expand_entities(db, task, "431302", RegionLevel::Village, &a)
        .await
        .unwrap();
    let training = indicators::plan_targets(db, plan_id)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.target.unit == "人次")
        .unwrap()
        .target_id;
    let mut rounds = [0; 2];
    for (i, q) in [1u8, 2].into_iter().enumerate() {
        rounds[i] = reporting::open_round(
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
    }
    (plan_id, training, rounds)
}

/// Every village slot of a round, with `value` each.
async fn whole_round(db: &Db, round: i64, target: i64, value: f64) -> Vec<HistoryValue> {
    indicators::history_slots(db, round)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.region_code.len() == 12)
        .map(|s| HistoryValue {
            report_id: s.report_id,
            target_id: target,
            value,
        })
        .collect()
}

fn actual(p: &PlanIndicators, target: i64) -> Option<f64> {
    p.indicators
        .iter()
        .find(|r| r.target_id == target)
        .unwrap()
        .actual
}

#[tokio::test]
async fn one_corrected_value_after_a_bulk_import_shows_at_the_next_view() {
    for t in backends().await {
        let (name, db) = (t.name(), &t.db);
        let a = Actor::new("office");
        let (plan, training, rounds) = setup(db).await;
        let q = Query::new(plan, date!(2025 - 01 - 20));
        // The view is open (the live state loaded) before the round comes in at once.
        assert_eq!(
            actual(&indicators::evaluate_plan(db, &q).await.unwrap(), training),
            None
        );
        let all = whole_round(db, rounds[0], training, 2.0).await;
        indicators::import_history(db, rounds[0], &all, &a)
            .await
            .unwrap();
        let total = 2.0 * all.len() as f64;
        let p = indicators::evaluate_plan(db, &q).await.unwrap();
        assert_eq!(actual(&p, training), Some(total), "{name}: the round");
        // One village's value corrected: the next view has it, the one after too.
        let one = HistoryValue {
            value: 9.0,
            ..all[0]
        };
        indicators::import_history(db, rounds[0], &[one], &a)
            .await
            .unwrap();
        for _ in 0..2 {
            let p = indicators::evaluate_plan(db, &q).await.unwrap();
            assert_eq!(actual(&p, training), Some(total + 7.0), "{name}: corrected");
        }
    }
}

#[tokio::test]
async fn a_correction_naming_a_slot_of_another_round_changes_nothing() {
    for t in backends().await {
        let (name, db) = (t.name(), &t.db);
        let a = Actor::new("office");
        let (plan, training, rounds) = setup(db).await;
        let first = whole_round(db, rounds[0], training, 1.0).await;
        let second = whole_round(db, rounds[1], training, 1.0).await;
        let mixed = [
            HistoryValue {
                value: 5.0,
                ..first[0]
            },
            second[0],
        ];
        let err = indicators::import_history(db, rounds[0], &mixed, &a)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid(m) if m.contains(&second[0].report_id.to_string())),
            "{name}: {err}"
        );
        let q = Query::new(plan, date!(2025 - 01 - 20));
        let p = indicators::evaluate_plan(db, &q).await.unwrap();
        assert_eq!(actual(&p, training), None, "{name}: nothing entered");
    }
}

#[tokio::test]
async fn one_page_reads_the_writes_once_and_the_next_page_sees_a_write_made_between() {
    for t in backends().await {
        let (name, db) = (t.name(), &t.db);
        let a = Actor::new("office");
        let (plan, training, rounds) = setup(db).await;
        let all = whole_round(db, rounds[0], training, 1.0).await;
        let q = Query::new(plan, date!(2025 - 01 - 20));
        let mut county = q.clone();
        county.region = Some("431302".into());
        let (before, during) = indicators::one_sync(async {
            let before = actual(&indicators::evaluate_plan(db, &q).await.unwrap(), training);
            indicators::import_history(db, rounds[0], &all, &a)
                .await
                .unwrap();
            // A page shows its data as of its first view: the write between is not looked for.
            let during = actual(
                &indicators::evaluate_plan(db, &county).await.unwrap(),
                training,
            );
            (before, during)
        })
        .await;
        assert_eq!((before, during), (None, None), "{name}: one look per page");
        let after = indicators::one_sync(indicators::evaluate_plan(db, &county))
            .await
            .unwrap();
        assert_eq!(
            actual(&after, training),
            Some(all.len() as f64),
            "{name}: the next page"
        );
    }
}
