//! The annual report and publishing as use cases, on a real database (every backend): a city's
//! report compares its counties on their accepted reports, only offices covering the region
//! read it, and publishing stores a public snapshot of the chosen indicators in one call.
#![allow(clippy::unwrap_used, reason = "test fixtures")]

use kesu_app::publish::{self, Choice, PublicSnapshot};
use kesu_app::{Caller, Ctx, Error, annual};
use kesu_core::authz::{Actor, Role};
use kesu_core::report::{Period, Transition};
use kesu_core::{RegionCode, RegionLevel};
use kesu_indicators::annual::Audience;
use kesu_store::Db;
use kesu_store::indicators::ExtraInputs;
use kesu_store::reporting::{self, ReportChange};
use kesu_store::testing::each_backend;
use std::collections::BTreeSet;
use time::OffsetDateTime;
use time::macros::{date, datetime};

const NOW: OffsetDateTime = datetime!(2025-05-05 10:00 +8);
/// When the counties handed in their reports: before the round's due date.
const REPORTED: OffsetDateTime = datetime!(2025-04-10 10:00 +8);
const CITY: &str = "4313";
const PLAN: &str = "娄底市全民科学素质行动规划纲要实施方案（2021—2025年）\n\
     一、提升行动\n\
     （一）青少年科学素质提升行动\n\
     1.组织中小学生参加科技竞赛活动，累计不少于100场次。（各县市区人民政府负责）\n";

fn ctx(db: &Db) -> Ctx {
    let mut ctx = Ctx::new(db.clone());
    ctx.fixed_now = Some(NOW);
    ctx
}

fn user(role: Role, region: &str) -> Caller {
    Caller::user(
        Actor {
            user_id: 1,
            username: "office".into(),
            role,
            region: RegionCode::parse(region).unwrap(),
            unit_id: None,
        },
        kesu_store::Actor::new("office"),
    )
}

/// The city and its two counties, a city plan whose one task each county reports, and the
/// counties' accepted reports (30 and 20 of the 100 竞赛场次). The plan's and target's ids.
async fn city_with_reports(db: &Db) -> (i64, i64) {
    let office = kesu_store::Actor::new("office");
    let csv = "code,name\n43,湖南省\n4313,娄底市\n431302,娄星区\n431321,双峰县\n";
    kesu_store::regions::import_seed_csv(db, &office, csv.as_bytes(), "r.csv", "2023")
        .await
        .unwrap();
    let plan = kesu_plan::parse_text(PLAN).unwrap();
    let src = kesu_store::plans::Source {
        name: "plan.txt",
        sha256: "city-plan",
    };
    let plan_id = kesu_store::plans::import(db, &plan, CITY, None, &src, &office)
        .await
        .unwrap()
        .plan_id();
    let task = kesu_store::plans::tasks(db, plan_id)
        .await
        .unwrap()
        .remove(0);
    let target = task.targets[0].id;
    kesu_store::indicators::expand_entities(db, task.id, CITY, RegionLevel::County, &office)
        .await
        .unwrap();
    let round = reporting::open_round(
        db,
        &reporting::NewRound {
            plan_id,
            period: Period::parse("2025Q1").unwrap(),
            due: date!(2025 - 04 - 15),
            lock: date!(2025 - 04 - 30),
            demo: false,
        },
        &office,
    )
    .await
    .unwrap();
    for s in reporting::slots(db, round).await.unwrap() {
        let value = match s.region_code.as_str() {
            "431302" => 30.0,
            "431321" => 20.0,
            _ => continue,
        };
        for (t, version, values) in [
            (Transition::Submit, s.version, vec![(target, Some(value))]),
            (Transition::Accept, s.version + 1, Vec::new()),
        ] {
            let change = ReportChange {
                expected_version: version,
                content: Some("本季度工作情况（内部）".into()),
                values,
                reason: None,
            };
            reporting::change(db, s.id, t, &change, REPORTED, &office)
                .await
                .unwrap();
        }
    }
    (plan_id, target)
}

#[tokio::test]
async fn a_citys_report_sums_its_counties_accepted_reports_and_compares_them() {
    each_backend(|db| async move {
        city_with_reports(&db).await;
        let none = ExtraInputs::new();
        let report = annual::build(
            &ctx(&db),
            &Caller::operator(),
            CITY,
            Some(2025),
            None,
            &none,
        )
        .await
        .unwrap();
        assert_eq!((report.region_name.as_str(), report.year), ("娄底市", 2025));
        assert_eq!(report.audience, Audience::Internal);
        assert_eq!(report.plans.len(), 1);
        let row = &report.plans[0].indicators[0];
        assert_eq!(row.actual, Some(50.0), "30 + 20 场次");
        let children: Vec<(&str, Option<f64>)> = report
            .children
            .iter()
            .map(|c| (c.name.as_str(), c.mean_progress))
            .collect();
        assert_eq!(children, [("娄星区", Some(0.3)), ("双峰县", Some(0.2))]);
    })
    .await;
}

#[tokio::test]
async fn only_an_office_covering_the_region_reads_its_report() {
    each_backend(|db| async move {
        city_with_reports(&db).await;
        let (ctx, none) = (ctx(&db), ExtraInputs::new());
        for caller in [
            user(Role::Reporter, CITY),
            user(Role::Admin, "431302"),
            Caller::public(kesu_store::Actor::new("anyone")),
        ] {
            let got = annual::build(&ctx, &caller, CITY, Some(2025), None, &none).await;
            assert!(
                matches!(got, Err(Error::NotFound)),
                "{:?}",
                caller.principal
            );
        }
        let viewer = annual::build(&ctx, &user(Role::Viewer, CITY), CITY, None, None, &none).await;
        assert_eq!(viewer.unwrap().year, 2025, "this year when none is asked");
        let silly = annual::build(&ctx, &Caller::operator(), CITY, Some(1999), None, &none).await;
        assert!(matches!(silly, Err(Error::Invalid { .. })));
    })
    .await;
}

#[tokio::test]
async fn publishing_stores_the_chosen_indicators_as_a_public_snapshot_in_one_call() {
    each_backend(|db| async move {
        let (plan, target) = city_with_reports(&db).await;
        let ctx = ctx(&db);
        let choice = Choice {
            year: Some("2025".into()),
            plans: BTreeSet::from([plan]),
            targets: BTreeSet::from([target]),
            targets_listed: true,
            ranking: false,
        };
        let mut rendered = None;
        let done = publish::publish(&ctx, &user(Role::Admin, CITY), CITY, &choice, |r| {
            rendered = Some((r.audience.clone(), r.late.len(), r.assessment.is_some()));
            Ok("<p>公开报告</p>".into())
        })
        .await
        .unwrap();
        let public = Audience::Public {
            targets: BTreeSet::from([target]),
            ranking: false,
        };
        assert_eq!(
            rendered,
            Some((public, 0, false)),
            "no late list, no ranking"
        );
        let (snap, html) = kesu_store::indicators::snapshot(&db, CITY, done.snapshot_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(html, "<p>公开报告</p>");
        let payload: PublicSnapshot = serde_json::from_value(snap.payload).unwrap();
        assert_eq!(payload.plans.len(), 1);
        assert_eq!(payload.plans[0].indicators[0].actual, "50场次");
        let audit = kesu_store::audit::recent(&db, 1).await.unwrap();
        assert_eq!(
            (audit[0].action.as_str(), audit[0].actor.as_str()),
            ("indicators.publish", "office")
        );
    })
    .await;
}

#[tokio::test]
async fn a_viewer_may_not_publish_and_nothing_is_stored() {
    each_backend(|db| async move {
        let (plan, _) = city_with_reports(&db).await;
        let choice = Choice {
            plans: BTreeSet::from([plan]),
            ..Choice::default()
        };
        let got = publish::publish(&ctx(&db), &user(Role::Viewer, CITY), CITY, &choice, |_| {
            Ok(String::new())
        })
        .await;
        assert!(matches!(got, Err(Error::Forbidden)));
        let stored = kesu_store::indicators::snapshots(&db, CITY).await.unwrap();
        assert!(stored.is_empty());
    })
    .await;
}
