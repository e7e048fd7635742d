//! Indicators from stored reports: accepted values become observations, each indicator's value
//! is computed by its kind and lists the reports it came from. Seed plans, real reports through
//! the reporting rules, hand-computed expectations. SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, reason = "test helpers read fixture files")]

use kesu_core::RegionLevel;
use kesu_core::plan::Plan;
use kesu_core::report::{Period, Transition};
use kesu_indicators::Status;
use kesu_store::indicators::{self, ObservationFilter, Query};
use kesu_store::reporting::{self, NewRound, ReportChange};
use kesu_store::testing::each_backend;
use kesu_store::{Actor, Db, plans};
use time::macros::{date, datetime};

const LOUDI: &str = "000_432ccf1c67a0d8b8.json";
const TUNXI: &str = "004_ddb7f01bda5ff9fc.json";

fn gold(name: &str) -> Plan {
    let path = format!(
        "{}/../kesu-plan/tests/gold/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn import(db: &Db, name: &str, region: &str) -> i64 {
    let plan = gold(name);
    plans::import(
        db,
        &plan,
        region,
        plan.region.as_deref(),
        &plans::Source { name, sha256: name },
        &Actor::new("tester"),
    )
    .await
    .unwrap()
    .plan_id()
}

async fn round(db: &Db, plan: i64, period: &str) -> i64 {
    reporting::open_round(
        db,
        &NewRound {
            plan_id: plan,
            period: Period::parse(period).unwrap(),
            due: date!(2025 - 12 - 01),
            lock: date!(2025 - 12 - 31),
            demo: false,
        },
        &Actor::new("office"),
    )
    .await
    .unwrap()
}

/// The slot of the task at `path` for the unit named `unit` (any unit when `None`).
async fn slot(db: &Db, round: i64, path: &str, unit: Option<&str>) -> reporting::Slot {
    reporting::slots(db, round)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.task_path == path && unit.is_none_or(|u| s.unit_name == u))
        .unwrap_or_else(|| panic!("no slot {path} {unit:?} in round {round}"))
}

/// The target ids of the task at `path`, in order.
async fn targets_of(db: &Db, plan: i64, path: &str) -> Vec<i64> {
    plans::tasks(db, plan)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.path == path)
        .unwrap()
        .targets
        .iter()
        .map(|t| t.id)
        .collect()
}

const NOW: time::OffsetDateTime = datetime!(2025-06-01 02:00 UTC);

async fn submit(db: &Db, report: i64, values: &[(i64, f64)]) {
    let s = reporting::slot(db, report).await.unwrap();
    reporting::change(
        db,
        report,
        Transition::Submit,
        &ReportChange {
            expected_version: s.version,
            content: Some("本期工作情况".into()),
            values: values.iter().map(|(t, v)| (*t, Some(*v))).collect(),
            reason: None,
        },
        NOW,
        &Actor::new("reporter"),
    )
    .await
    .unwrap();
}

async fn accept(db: &Db, report: i64) {
    let s = reporting::slot(db, report).await.unwrap();
    reporting::change(
        db,
        report,
        Transition::Accept,
        &ReportChange {
            expected_version: s.version,
            ..ReportChange::default()
        },
        NOW,
        &Actor::new("reviewer"),
    )
    .await
    .unwrap();
}

async fn report_accepted(db: &Db, report: i64, values: &[(i64, f64)]) {
    submit(db, report, values).await;
    accept(db, report).await;
}

fn row(p: &indicators::PlanIndicators, target: i64) -> &indicators::IndicatorRow {
    p.indicators.iter().find(|r| r.target_id == target).unwrap()
}

async fn evaluate(db: &Db, plan: i64, as_of: time::Date) -> indicators::PlanIndicators {
    indicators::evaluate_plan(db, &Query::new(plan, as_of))
        .await
        .unwrap()
}

const FARMERS: &str = "二.(二).2.(2)";
const AGRI: &str = "市农业农村局";

#[tokio::test]
async fn only_accepted_values_are_observations() {
    each_backend(|db| async move {
        let plan = import(&db, LOUDI, "4313").await;
        let r = round(&db, plan, "2024Q1").await;
        let t = targets_of(&db, plan, FARMERS).await;
        let lead = slot(&db, r, FARMERS, Some(AGRI)).await;
        report_accepted(&db, lead.id, &[(t[0], 1200.0)]).await;
        // A cooperating unit's report that was submitted but not yet accepted.
        let other = reporting::slots(&db, r)
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.task_path == "二.(一).2.(7)")
            .unwrap();
        let t7 = targets_of(&db, plan, "二.(一).2.(7)").await;
        submit(&db, other.id, &[(t7[0], 1.0)]).await;

        let obs = indicators::observations(&db, plan, &ObservationFilter::default())
            .await
            .unwrap();
        assert_eq!(obs.len(), 1, "{obs:?}");
        assert_eq!(obs[0].target_id, t[0]);
        assert_eq!(obs[0].observation.report_id, lead.id);
        assert_eq!(obs[0].observation.region_code, "4313");
        assert_eq!(
            obs[0].observation.period,
            Period::Quarter {
                year: 2024,
                quarter: 1
            }
        );
        assert_eq!(obs[0].observation.value, 1200.0);
    })
    .await;
}

#[tokio::test]
async fn every_target_of_the_plan_is_an_indicator_goals_first() {
    each_backend(|db| async move {
        let plan = import(&db, LOUDI, "4313").await;
        let p = evaluate(&db, plan, date!(2024 - 06 - 30)).await;
        // 娄底: one goal and eight task targets (the gold file).
        assert_eq!(p.indicators.len(), 9);
        assert_eq!(p.indicators[0].task_path, "目标");
        assert_eq!(p.indicators[0].comparator, ">");
        assert_eq!(p.indicators[0].unit, "%");
        assert_eq!(p.counts.no_data, 9);
        assert!(p.indicators.iter().all(|r| r.actual.is_none()));
        assert!(p.indicators.iter().all(|r| r.status == Status::NoData));
    })
    .await;
}

#[tokio::test]
async fn a_count_adds_its_rounds_lists_its_reports_and_is_behind_schedule() {
    each_backend(|db| async move {
        let plan = import(&db, LOUDI, "4313").await;
        let t = targets_of(&db, plan, FARMERS).await;
        let mut reports = Vec::new();
        for (period, v) in [("2024Q1", 1200.0), ("2024Q2", 1800.0)] {
            let r = round(&db, plan, period).await;
            let s = slot(&db, r, FARMERS, Some(AGRI)).await;
            report_accepted(&db, s.id, &[(t[0], v)]).await;
            reports.push(s.id);
        }
        let p = evaluate(&db, plan, date!(2024 - 06 - 30)).await;
        let r = row(&p, t[0]);
        // 5000人次 over 2021–2025: on 30 June 2024, (3 + 182/366) / 5 = 69.9% of the period has
        // passed, so 3497 人次 would be on schedule; 3000 is behind.
        assert_eq!(r.actual, Some(3000.0));
        assert_eq!(r.progress, Some(0.6));
        assert_eq!(r.status, Status::Behind);
        assert_eq!(r.sources, reports);
        assert!(r.rule.contains("相加"), "{}", r.rule);
        assert!(r.explanation.contains("3000"), "{}", r.explanation);
        assert_eq!(r.task_path, FARMERS);
    })
    .await;
}

#[tokio::test]
async fn a_period_filter_evaluates_at_its_end_with_the_rounds_up_to_it() {
    each_backend(|db| async move {
        let plan = import(&db, LOUDI, "4313").await;
        let t = targets_of(&db, plan, FARMERS).await;
        for (period, v) in [("2024Q1", 1200.0), ("2024Q2", 1800.0)] {
            let r = round(&db, plan, period).await;
            let s = slot(&db, r, FARMERS, Some(AGRI)).await;
            report_accepted(&db, s.id, &[(t[0], v)]).await;
        }
        let mut q = Query::new(plan, date!(2025 - 06 - 01));
        q.period = Some(Period::parse("2024Q1").unwrap());
        let p = indicators::evaluate_plan(&db, &q).await.unwrap();
        assert_eq!(p.as_of, date!(2024 - 03 - 31));
        assert_eq!(row(&p, t[0]).actual, Some(1200.0));
    })
    .await;
}

#[tokio::test]
async fn a_stock_takes_the_latest_report() {
    each_backend(|db| async move {
        let plan = import(&db, TUNXI, "341002").await;
        // 二.(八).16: "每年力争推荐1-2家", "到2025年，认定各级各类科普基地40家以上", "争创1-2家".
        let t = targets_of(&db, plan, "二.(八).16").await;
        let mut last = 0;
        for (period, v) in [("2024Q1", 30.0), ("2024Q2", 35.0)] {
            let r = round(&db, plan, period).await;
            let s = slot(&db, r, "二.(八).16", None).await;
            report_accepted(&db, s.id, &[(t[1], v)]).await;
            last = s.id;
        }
        let p = evaluate(&db, plan, date!(2024 - 06 - 30)).await;
        let r = row(&p, t[1]);
        assert_eq!(r.actual, Some(35.0));
        assert_eq!(r.progress, Some(0.875));
        assert_eq!(r.sources, [last]);
        assert!(r.rule.contains("最新"), "{}", r.rule);
    })
    .await;
}

#[tokio::test]
async fn a_yearly_target_is_judged_on_the_last_complete_year_and_a_cumulative_one_on_the_deadline()
{
    each_backend(|db| async move {
        let plan = import(&db, TUNXI, "341002").await;
        // 二.(一).1: "每年开展…巡讲活动2场次" (yearly).
        let talks = targets_of(&db, plan, "二.(一).1").await[0];
        // 二.(八).15: "巡展活动不少于10场次" (cumulative over 2022–2025).
        let shows = targets_of(&db, plan, "二.(八).15").await[0];
        for (period, v) in [("2023Q1", 1.0), ("2023Q3", 1.0), ("2024Q1", 1.0)] {
            let r = round(&db, plan, period).await;
            let a = slot(&db, r, "二.(一).1", None).await;
            report_accepted(&db, a.id, &[(talks, v)]).await;
            let b = slot(&db, r, "二.(八).15", None).await;
            report_accepted(&db, b.id, &[(shows, 2.0)]).await;
        }
        let p = evaluate(&db, plan, date!(2024 - 04 - 10)).await;
        // 2023 is the last complete year: 1 + 1 = 2 talks, the target.
        let yearly = row(&p, talks);
        assert_eq!(yearly.actual, Some(2.0));
        assert_eq!(yearly.status, Status::Met);
        assert!(!yearly.cumulative);
        assert_eq!(yearly.periods.len(), 3, "2022, 2023, 2024");
        // The cumulative count adds all three rounds: 6 of 10, with (2 + 101/366) / 4 = 56.9% of
        // 2022–2025 gone, 5.69 are due: on track.
        let cumulative = row(&p, shows);
        assert_eq!(cumulative.actual, Some(6.0));
        assert_eq!(cumulative.status, Status::OnTrack);
        assert!(cumulative.cumulative);
    })
    .await;
}

#[tokio::test]
async fn a_cooperating_units_input_is_not_counted_again_when_the_lead_reports() {
    each_backend(|db| async move {
        let plan = import(&db, LOUDI, "4313").await;
        let t = targets_of(&db, plan, FARMERS).await;
        let r = round(&db, plan, "2024Q1").await;
        let all: Vec<_> = reporting::slots(&db, r)
            .await
            .unwrap()
            .into_iter()
            .filter(|s| s.task_path == FARMERS)
            .collect();
        let lead = all.iter().find(|s| s.role == "lead").unwrap();
        let coop = all.iter().find(|s| s.role != "lead").unwrap();
        // The cooperating unit sends its part; the lead reports the consolidated total.
        submit(&db, coop.id, &[(t[0], 400.0)]).await;
        report_accepted(&db, lead.id, &[(t[0], 1000.0)]).await;
        assert_eq!(
            reporting::slot(&db, coop.id).await.unwrap().state,
            "accepted"
        );
        let p = evaluate(&db, plan, date!(2024 - 06 - 30)).await;
        assert_eq!(row(&p, t[0]).actual, Some(1000.0));
        assert_eq!(row(&p, t[0]).sources, [lead.id]);
    })
    .await;
}

async fn louxing_villages(db: &Db) {
    let path = format!(
        "{}/../kesu-indicators/tests/fixtures/431302_louxing.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(path).unwrap();
    kesu_store::regions::import_seed_csv(db, &Actor::new("tester"), &bytes, "louxing.csv", "2023")
        .await
        .unwrap();
}

#[tokio::test]
async fn a_per_village_target_counts_the_villages_that_meet_it_and_rolls_up() {
    each_backend(|db| async move {
        louxing_villages(&db).await;
        let plan = import(&db, LOUDI, "4313").await;
        let task = plans::tasks(&db, plan)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.path == FARMERS)
            .unwrap();
        let leaders = task.targets[1].id; // 每个村至少培育1名创业创新带头人
        let villages =
            kesu_store::regions::subtree(&db, Some("431302"), Some(RegionLevel::Village), None)
                .await
                .unwrap();
        assert_eq!(villages.len(), 233);
        let n = indicators::expand_entities(
            &db,
            task.id,
            "431302",
            RegionLevel::Village,
            &Actor::new("office"),
        )
        .await
        .unwrap();
        assert_eq!(n, 233);
        // Again: nothing new.
        let again = indicators::expand_entities(
            &db,
            task.id,
            "431302",
            RegionLevel::Village,
            &Actor::new("office"),
        )
        .await
        .unwrap();
        assert_eq!(again, 0);

        let r = round(&db, plan, "2024Q4").await;
        let slots = reporting::slots(&db, r).await.unwrap();
        let of = |code: &str| {
            slots
                .iter()
                .find(|s| s.task_path == FARMERS && s.region_code == code)
                .unwrap()
                .id
        };
        // Two villages of the first township meet it (1 and 2 leaders), one reports 0.
        let (v1, v2, v3) = (&villages[0].code, &villages[1].code, &villages[2].code);
        report_accepted(&db, of(v1), &[(leaders, 1.0)]).await;
        report_accepted(&db, of(v2), &[(leaders, 2.0)]).await;
        report_accepted(&db, of(v3), &[(leaders, 0.0)]).await;

        let mut q = Query::new(plan, date!(2025 - 01 - 15));
        q.region = Some("431302".into());
        let p = indicators::evaluate_plan(&db, &q).await.unwrap();
        let r = row(&p, leaders);
        let cov = r.coverage.as_ref().unwrap();
        assert_eq!((cov.total, cov.met, cov.no_data), (233, 2, 230));
        assert_eq!(r.actual, Some(2.0 / 233.0));
        assert_eq!(r.status, Status::Behind);
        assert_eq!(r.sources.len(), 3);
        assert!(cov.not_met.contains(&villages[2].name));

        // Roll-up: the county's value is the share of its villages meeting the target; its
        // first township has them all.
        let d = indicators::drill(&db, &q, leaders, "431302")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.node.value, Some(2.0 / 233.0));
        assert_eq!(d.node.met, 2);
        let township = &v1[..9];
        let child = d.children.iter().find(|c| c.code == township).unwrap();
        assert_eq!(child.met, 2);
        assert_eq!(child.reporting_leaves, 3);
        // Down to the village: its own report.
        let dv = indicators::drill(&db, &q, leaders, v2)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(dv.sources.len(), 1);
        assert_eq!(dv.sources[0].report_id, of(v2));
        assert_eq!(dv.sources[0].value, 2.0);
        assert_eq!(dv.path.first().unwrap().code, "431302");

        // A reporter's view: one village's unit sees its own report only.
        let unit = slots.iter().find(|s| s.id == of(v2)).unwrap().unit_id;
        let mut qu = Query::new(plan, date!(2025 - 01 - 15));
        qu.unit_id = Some(unit);
        let pu = indicators::evaluate_plan(&db, &qu).await.unwrap();
        assert!(pu.indicators.iter().all(|r| r.task_path == FARMERS));
        assert!(
            pu.indicators
                .iter()
                .all(|r| r.sources.iter().all(|s| *s == of(v2)))
        );
    })
    .await;
}

#[tokio::test]
async fn a_region_filter_keeps_only_the_reports_of_its_subtree() {
    each_backend(|db| async move {
        louxing_villages(&db).await;
        let plan = import(&db, LOUDI, "4313").await;
        let task = plans::tasks(&db, plan)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.path == FARMERS)
            .unwrap();
        indicators::expand_entities(
            &db,
            task.id,
            "431302",
            RegionLevel::Village,
            &Actor::new("office"),
        )
        .await
        .unwrap();
        let training = task.targets[0].id;
        let r = round(&db, plan, "2024Q4").await;
        let slots = reporting::slots(&db, r).await.unwrap();
        let villages: Vec<_> = slots
            .iter()
            .filter(|s| s.task_path == FARMERS && s.region_code.len() == 12)
            .collect();
        let first_township = &villages[0].region_code[..9];
        let other = villages
            .iter()
            .find(|s| !s.region_code.starts_with(first_township))
            .unwrap();
        report_accepted(&db, villages[0].id, &[(training, 50.0)]).await;
        report_accepted(&db, other.id, &[(training, 70.0)]).await;
        let city = evaluate(&db, plan, date!(2025 - 01 - 15)).await;
        assert_eq!(row(&city, training).actual, Some(120.0));
        let mut q = Query::new(plan, date!(2025 - 01 - 15));
        q.region = Some(first_township.to_string());
        let p = indicators::evaluate_plan(&db, &q).await.unwrap();
        assert_eq!(row(&p, training).actual, Some(50.0));
        assert_eq!(row(&p, training).sources, [villages[0].id]);
    })
    .await;
}
