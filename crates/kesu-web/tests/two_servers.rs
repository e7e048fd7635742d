//! Two servers on one database (two `AppState`s, each with its own connection pool, as two
//! `kesu serve` processes have): a report accepted through one shows in the other's next
//! dashboard view, although the other had already looked and kept what it computed.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers; a failed set-up fails the test"
)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::A;
use http_body_util::BodyExt;
use kesu_web::AppState;
use serde_json::json;
use tower::ServiceExt;

/// A page through `state`'s router.
async fn page(state: &AppState, cookie: &str, path: &str) -> String {
    let req = Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let res = kesu_web::router(state.clone()).oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The dashboard's row of a target.
fn row(html: &str, target: i64) -> String {
    let start = html
        .find(&format!("id=\"indicator-{target}\""))
        .unwrap_or_else(|| panic!("no row for target {target}"));
    let rest = &html[start..];
    rest[..rest.find("</tr>").unwrap()].to_string()
}

#[tokio::test]
async fn a_report_accepted_through_one_server_shows_in_the_others_next_dashboard_view() {
    for t in kesu_store::testing::backends().await {
        let name = t.name();
        eprintln!("-- backend: {name}");
        let w = common::world(t.db.clone()).await;
        let dir = tempfile::tempdir().unwrap();
        let mut other = AppState::new(
            kesu_store::Db::open(&t.url()).await.unwrap(),
            dir.path().join("files"),
        );
        other.clock = w.state.clock.clone();
        let plan = w.plans[A];
        // 开展科普讲座，每年不少于10场次 (led by 区教育局).
        let lectures = kesu_store::indicators::plan_targets(&w.db, plan)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.target.unit == "场次")
            .unwrap();
        let slots = w.slots(A).await;
        let lead = slots
            .iter()
            .find(|s| s.role == "lead" && Some(s.task_id) == lectures.task_id)
            .unwrap();
        let admin = w.login("a_admin").await;
        let path = format!("/dashboard/plans/{plan}");
        // The other server has looked (and keeps what it computed).
        let before = row(&page(&other, &admin, &path).await, lectures.target_id);
        assert!(!before.contains("12场次"), "{name}: {before}");

        let reporter = w.login(&w.reporter_of(lead.unit_id)).await;
        let (s, v) = w
            .call(
                &reporter,
                "POST",
                &format!("/api/v1/reports/{}/submit", lead.id),
                Some(json!({"version": 0, "content": "讲座",
                    "values": [{"target_id": lectures.target_id, "value": 12.0}]})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{name}: {v}");
        let reviewer = w.login("a_reviewer").await;
        let (s, v) = w
            .call(
                &reviewer,
                "POST",
                &format!("/api/v1/reports/{}/accept", lead.id),
                Some(json!({"version": 1})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{name}: {v}");

        let after = row(&page(&other, &admin, &path).await, lectures.target_id);
        // A per-year target: the year under way is shown beside its judgement.
        assert!(after.contains("进行中：12场次"), "{name}: {after}");
        other.db.close().await;
        drop(w);
        t.cleanup().await;
    }
}
