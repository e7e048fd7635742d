//! The services feed the plan dashboard (指标自动取数): a target about registered volunteers or
//! people taking part in activities takes its value from the services' records, linked to
//! them, with what units reported beside; a registration or a check-in shows at the next view.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers; a failed set-up fails the test"
)]

mod common;

use axum::http::StatusCode;
use common::{A, world};
use kesu_store::testing::each_backend;
use serde_json::json;

/// A plan of 娄星区 with two targets the services answer.
const PLAN: &str = "娄星区科普服务工作方案（2021—2025年）\n\
    一、科普服务\n\
    （一）科技志愿服务\n\
    1.发展注册科技志愿者50人以上。（区科协负责）\n\
    2.组织群众参加科普活动1000人次以上。（区科协负责）\n";

/// The plan, and its targets' ids: (volunteers, participants).
async fn plan(w: &common::World) -> (i64, i64, i64) {
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
    (id, by("人"), by("人次"))
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

#[tokio::test]
async fn a_volunteers_registration_changes_the_volunteer_indicator_at_the_next_view() {
    each_backend(|db| async move {
        let w = world(db).await;
        let a = w.login("a_admin").await;
        let (plan, volunteers, _) = plan(&w).await;
        let before = row(&w, &a, plan, volunteers).await;
        assert!(before.contains("无数据"), "{before}");
        assert!(!before.contains("服务记录"), "{before}");
        register_by_form(&w, &a).await;
        let after = row(&w, &a, plan, volunteers).await;
        assert!(after.contains(">1人<"), "{after}");
        // Linked to the records behind it (askama escapes `&` as `&#38;`).
        let link = "/services/stats/records?feed=volunteers&#38;region=431302&#38;period=2025";
        assert!(after.contains(link), "{after}");
        assert!(after.contains("单位填报：无"), "{after}");
    })
    .await;
}

#[tokio::test]
async fn a_check_in_at_an_activity_changes_the_participants_indicator_at_the_next_view() {
    each_backend(|db| async move {
        let w = world(db).await;
        let a = w.login("a_admin").await;
        let (plan, _, participants) = plan(&w).await;
        // An activity alone is no participant yet.
        let (st, v) = w
            .call(&a, "POST", "/api/v1/activities", Some(json!({"title": "科技活动周开幕", "kind": "科技活动周",
                "region": "431302001", "start": "2025-04-10T10:30:00+08:00", "end": "2025-04-10T12:00:00+08:00", "capacity": 30})))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().unwrap();
        let before = row(&w, &a, plan, participants).await;
        assert!(before.contains("无数据"), "{before}");
        let key = kesu_store::services::activities::get(&w.db, id)
            .await
            .unwrap()
            .unwrap()
            .checkin_key;
        let (_, acts) = w
            .call("", "GET", "/api/v1/activities?region=4313", None)
            .await;
        let slot = acts["activities"][0]["slot"]["id"].as_i64().unwrap();
        let (_, b) = w
            .call(
                "",
                "POST",
                "/api/v1/public/bookings",
                Some(json!({"slot_id": slot, "name": "张三", "phone": "13700000001", "people": 1})),
            )
            .await;
        let code = b["code"].as_str().unwrap();
        let (st, v) = w
            .call("", "POST", "/api/v1/public/checkins", Some(json!({"code": code,
                "place": {"at": "activity", "id": id}, "venue_key": key, "key": "9b2f-0001-aaaa"})))
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let after = row(&w, &a, plan, participants).await;
        assert!(after.contains(">1人次<"), "{after}");
        assert!(after.contains("feed=participants"), "{after}");
        // Another county's plan is not fed by this county's check-in.
        let b_plan = w.plans[common::B];
        let b = w.login("b_admin").await;
        let (_, html) = w.page(&b, &format!("/dashboard/plans/{b_plan}")).await;
        assert!(!html.contains("feed=participants"));
    })
    .await;
}

/// Register a volunteer through the office form (with the session's form token).
async fn register_by_form(w: &common::World, cookie: &str) {
    let (_, html) = w.page(cookie, "/services").await;
    let csrf = html
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("")
        .to_string();
    let body = format!(
        "_csrf={csrf}&name={}&phone=13611112222&region={A}",
        kesu_web::pages::percent_encode("王五")
    );
    let res = tower::ServiceExt::oneshot(
        kesu_web::router(w.state.clone()),
        axum::http::Request::post("/services/volunteers")
            .header(axum::http::header::COOKIE, cookie)
            .header(
                axum::http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(axum::body::Body::from(body))
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}
