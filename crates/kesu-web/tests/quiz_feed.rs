//! The citizens' online test feeds the plan dashboard (指标自动取数): a county's target about
//! 网络知识竞赛 参与人次 takes its value from the counted attempts of the county's villagers,
//! one more at the next view after a citizen submits the public test, linked to the records
//! and explained as 竞赛记录, not reports; a target about 竞赛 场次 counts the tests published.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers; a failed set-up fails the test"
)]

mod common;

use axum::http::StatusCode;
use common::{A, CITY, world};
use kesu_store::testing::each_backend;
use serde_json::json;

/// A plan of 娄星区 with a 竞赛 target of each kind.
const PLAN: &str = "娄星区科学素质竞赛工作方案（2021—2025年）\n\
    一、竞赛\n\
    （一）网络知识竞赛\n\
    1.每年组织农民科学素质网络知识竞赛，参与人次达到1000人次以上。（区科协负责）\n\
    2.举办农民科学素质网络知识竞赛2场次以上。（区科协负责）\n";

const VILLAGE_A: &str = "431302001001";
const VILLAGE_B: &str = "431321001001";

/// The plan and its targets' ids: (plan, attempts, tests).
async fn plan(w: &common::World) -> (i64, i64, i64) {
    common::scope::store_regions(&w.db).await;
    let plan = kesu_plan::parse_text(PLAN).unwrap();
    let id = common::fixture::import_plan(&w.db, &plan, A).await;
    let targets = kesu_store::indicators::plan_targets(&w.db, id)
        .await
        .unwrap();
    let by = |unit: &str| {
        targets
            .iter()
            .find(|t| t.target.unit == unit)
            .unwrap_or_else(|| panic!("no target in {unit}: {targets:?}"))
            .target_id
    };
    (id, by("人次"), by("场次"))
}

/// The dashboard's row of a target.
async fn row(w: &common::World, cookie: &str, plan: i64, target: i64) -> String {
    let (st, html) = w.page(cookie, &format!("/dashboard/plans/{plan}")).await;
    assert_eq!(st, StatusCode::OK);
    let start = html
        .find(&format!("id=\"indicator-{target}\""))
        .unwrap_or_else(|| panic!("no row for target {target}"));
    let rest = &html[start..];
    rest[..rest.find("</tr>").unwrap()].to_string()
}

/// A citizen of `village` takes `test` on the public API; `submit = false` leaves the paper.
async fn take(w: &common::World, test: i64, village: &str, phone: &str, submit: bool) {
    let (st, v) = w
        .call(
            "",
            "POST",
            &format!("/api/v1/public/tests/{test}/attempts"),
            Some(json!({"name": "张小三", "phone": phone, "village": village,
                "key_group": "farmers", "consent": true})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    if submit {
        let token = v["token"].as_str().unwrap();
        let (st, v) = w
            .call(
                "",
                "POST",
                &format!("/api/v1/public/attempts/{token}/submit"),
                Some(json!({"answers": []})),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }
}

#[tokio::test]
async fn a_citizens_submitted_test_raises_the_participation_row_by_one_at_the_next_view() {
    each_backend(|db| async move {
        let w = world(db).await;
        let a = w.login("a_admin").await;
        let (plan, attempts, _) = plan(&w).await;
        let test = kesu_web::pages::citizens::demo::seed(&w.db, A, w.state.today())
            .await
            .unwrap();
        let before = row(&w, &a, plan, attempts).await;
        assert!(before.contains("无数据"), "{before}");
        assert!(!before.contains("竞赛记录"), "{before}");

        take(&w, test, VILLAGE_A, "13800000001", true).await;
        let after = row(&w, &a, plan, attempts).await;
        // A yearly target: this year's count so far, beside the last complete year's.
        assert!(after.contains("2025年度进行中：1人次）"), "{after}");
        // Linked to the records behind it (askama escapes `&` as `&#38;`), named as 竞赛记录.
        let link = "/services/stats/records?feed=quiz_attempts&#38;region=431302&#38;period=2025";
        assert!(after.contains(link), "{after}");
        assert!(after.contains("竞赛记录："), "{after}");
        assert!(!after.contains("服务记录"), "{after}");
        assert!(after.contains("单位填报：无"), "{after}");
        // Explained as the records, never as reports.
        assert!(!after.contains("报告"), "{after}");

        take(&w, test, VILLAGE_A, "13800000002", true).await;
        let again = row(&w, &a, plan, attempts).await;
        assert!(again.contains("2025年度进行中：2人次）"), "{again}");
    })
    .await;
}

#[tokio::test]
async fn a_paper_left_unsubmitted_or_taken_elsewhere_changes_nothing() {
    each_backend(|db| async move {
        let w = world(db).await;
        let a = w.login("a_admin").await;
        let (plan, attempts, _) = plan(&w).await;
        let county = kesu_web::pages::citizens::demo::seed(&w.db, A, w.state.today())
            .await
            .unwrap();
        take(&w, county, VILLAGE_A, "13800000003", true).await;
        // Started and left.
        take(&w, county, VILLAGE_A, "13800000004", false).await;
        // The city's test, taken by a villager of the other county.
        let city = kesu_web::pages::citizens::demo::seed(&w.db, CITY, w.state.today())
            .await
            .unwrap();
        take(&w, city, VILLAGE_B, "13800000005", true).await;
        // The same phone again: refused, not counted.
        let (st, _) = w
            .call(
                "",
                "POST",
                &format!("/api/v1/public/tests/{county}/attempts"),
                Some(
                    json!({"name": "张小三", "phone": "13800000003", "village": VILLAGE_A,
                    "key_group": "farmers", "consent": true}),
                ),
            )
            .await;
        assert_eq!(st, StatusCode::CONFLICT);
        let r = row(&w, &a, plan, attempts).await;
        assert!(r.contains("2025年度进行中：1人次）"), "{r}");
    })
    .await;
}

#[tokio::test]
async fn the_records_behind_the_row_are_the_attempts_without_the_person() {
    each_backend(|db| async move {
        let w = world(db).await;
        let a = w.login("a_admin").await;
        let (plan, attempts, _) = plan(&w).await;
        let test = kesu_web::pages::citizens::demo::seed(&w.db, A, w.state.today())
            .await
            .unwrap();
        take(&w, test, VILLAGE_A, "13800000006", true).await;
        let (st, html) = w
            .page(
                &a,
                "/services/stats/records?feed=quiz_attempts&region=431302&period=2025",
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        assert!(html.contains("竞赛记录"), "{html}");
        assert!(html.contains("答题 #"), "{html}");
        assert!(html.contains(VILLAGE_A), "{html}");
        assert!(!html.contains("张小三") && !html.contains("13800000006"));
        // Another county's office cannot open them.
        let b = w.login("b_admin").await;
        let (st, _) = w
            .page(
                &b,
                "/services/stats/records?feed=quiz_attempts&region=431302&period=2025",
            )
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        // The drill-down shows the fed value, names its records and says what the rest is.
        let (st, html) = w
            .page(
                &a,
                &format!("/dashboard/plans/{plan}/indicators/{attempts}"),
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        assert!(html.contains("id=\"fed-note\""), "{html}");
        assert!(html.contains("feed=quiz_attempts"), "{html}");
        assert!(!html.contains("份报告"), "{html}");
    })
    .await;
}

#[tokio::test]
async fn a_published_test_counts_for_the_contests_held() {
    each_backend(|db| async move {
        let w = world(db).await;
        let a = w.login("a_admin").await;
        let (plan, _, tests) = plan(&w).await;
        let before = row(&w, &a, plan, tests).await;
        assert!(before.contains("无数据"), "{before}");
        kesu_web::pages::citizens::demo::seed(&w.db, A, w.state.today())
            .await
            .unwrap();
        let after = row(&w, &a, plan, tests).await;
        assert!(after.contains(">1场次<"), "{after}");
        assert!(after.contains("feed=quiz_tests"), "{after}");
    })
    .await;
}
