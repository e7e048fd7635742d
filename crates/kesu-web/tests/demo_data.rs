//! The demo data (`kesu demo`): in a city plan, the counties report a count target, so that the
//! dashboards have a city number to drill down from — accepted values within the plan's period,
//! one with a reviewer's internal comment, and a returned report with its reason (the private
//! fields the published page must not show). The browser test (e2e/tests/dashboard.test.mjs)
//! relies on this.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test fixtures: a failed set-up fails the test"
)]

use kesu_core::report::Period;
use kesu_store::indicators as ind;
use kesu_store::{Actor, Db, reporting};
use kesu_web::demo::{self, COUNTY_RETURN_REASON, COUNTY_REVIEW_COMMENT, county_value};
use time::Date;
use time::macros::date;

const CITY_PLAN: &str = "娄底市全民科学素质行动规划纲要实施方案（2021—2025年）\n\
     一、提升行动\n\
     （一）农民科学素质提升行动\n\
     1.开展线上线下融合农民教育培训5000人次以上。（市农业农村局负责）\n";

/// A city with three counties and its plan; returns the plan id.
async fn city_with_plan(db: &Db) -> i64 {
    let csv = "code,name\n43,湖南省\n4313,娄底市\n431302,娄星区\n431321,双峰县\n431382,涟源市\n";
    kesu_store::regions::import_seed_csv(db, &Actor::new("t"), csv.as_bytes(), "r.csv", "2023")
        .await
        .unwrap();
    let plan = kesu_plan::parse_text(CITY_PLAN).unwrap();
    let src = kesu_store::plans::Source {
        name: "plan.txt",
        sha256: "city",
    };
    kesu_store::plans::import(db, &plan, "4313", Some("娄底市"), &src, &Actor::system())
        .await
        .unwrap()
        .plan_id()
}

async fn populate(db: &Db, plan: i64, today: Date) -> demo::DemoSummary {
    demo::populate(
        db,
        &[(plan, "4313".to_string(), "娄底市".to_string())],
        today,
        Some("demo-pass-1"),
    )
    .await
    .unwrap()
}

/// The county reports of the county task in its round, by county code.
async fn county_reports(db: &Db, c: &demo::CountyTask) -> Vec<reporting::Slot> {
    let mut out: Vec<_> = reporting::slots(db, c.round_id)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.task_id == c.task_id && s.region_code.len() == 6)
        .collect();
    out.sort_by(|a, b| a.region_code.cmp(&b.region_code));
    out
}

#[tokio::test]
async fn after_the_plan_period_the_counties_report_in_its_last_quarter_and_the_city_sums_the_accepted_ones()
 {
    kesu_store::testing::each_backend(|db| async move {
        let plan = city_with_plan(&db).await;
        let today = date!(2026 - 11 - 25);
        let summary = populate(&db, plan, today).await;
        assert_eq!(
            summary.county_tasks.len(),
            1,
            "one count target in the plan"
        );
        let c = &summary.county_tasks[0];
        let round = reporting::round(&db, c.round_id).await.unwrap();
        assert_eq!(
            round.period,
            Period::parse("2025Q4").unwrap().code(),
            "the plan's last quarter, since last quarter is past the plan's end"
        );

        let slots = county_reports(&db, c).await;
        let states: Vec<(&str, &str)> = slots
            .iter()
            .map(|s| (s.region_code.as_str(), s.state.as_str()))
            .collect();
        assert_eq!(
            states,
            [
                ("431302", "accepted"),
                ("431321", "accepted"),
                ("431382", "returned")
            ]
        );
        let returned = reporting::history(&db, slots[2].id).await.unwrap();
        assert_eq!(
            returned.last().and_then(|e| e.reason.as_deref()),
            Some(COUNTY_RETURN_REASON)
        );
        let first = reporting::history(&db, slots[0].id).await.unwrap();
        let accepted = first.iter().find(|e| e.to_state == "accepted").unwrap();
        assert_eq!(accepted.reason.as_deref(), Some(COUNTY_REVIEW_COMMENT));

        // The city's number: the two accepted counties, not the returned one.
        let e = ind::evaluate_plan(&db, &ind::Query::new(plan, today))
            .await
            .unwrap();
        let row = e
            .indicators
            .iter()
            .find(|r| r.target_id == c.target_id)
            .unwrap();
        assert_eq!(row.actual, Some(county_value(0) + county_value(1)));
        assert_eq!(row.sources.len(), 2);
        assert!(!row.sources.contains(&slots[2].id));
    })
    .await;
}

#[tokio::test]
async fn within_the_plan_period_the_counties_report_in_last_quarters_round() {
    kesu_store::testing::each_backend(|db| async move {
        let plan = city_with_plan(&db).await;
        let summary = populate(&db, plan, date!(2025 - 05 - 20)).await;
        let c = &summary.county_tasks[0];
        let round = reporting::round(&db, c.round_id).await.unwrap();
        assert_eq!(round.period, Period::parse("2025Q1").unwrap().code());
        assert_eq!(summary.rounds.len(), 2, "no extra round");
        let values: Vec<String> = county_reports(&db, c)
            .await
            .iter()
            .map(|s| s.state.clone())
            .collect();
        assert_eq!(values, ["accepted", "accepted", "returned"]);
    })
    .await;
}

#[tokio::test]
async fn the_first_county_of_a_city_plan_has_its_own_office_admin_for_self_scoring() {
    kesu_store::testing::each_backend(|db| async move {
        let plan = city_with_plan(&db).await;
        let summary = populate(&db, plan, date!(2025 - 05 - 20)).await;
        let county: Vec<(&str, &str)> = summary
            .accounts
            .iter()
            .filter(|a| a.region.len() == 6 && a.unit_id.is_none())
            .map(|a| (a.username.as_str(), a.region.as_str()))
            .collect();
        assert_eq!(
            county,
            [("admin_431302", "431302")],
            "the first county only"
        );
        let user = kesu_store::accounts::user_by_name(&db, "admin_431302")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (user.role.as_str(), user.region_code.as_str()),
            ("admin", "431302")
        );
    })
    .await;
}
