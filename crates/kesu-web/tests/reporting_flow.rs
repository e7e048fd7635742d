//! The life of a report through the API, and the ways a request can be wrong.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test fixtures: a failed set-up fails the test"
)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{A, World};
use kesu_store::reporting::Slot;
use serde_json::json;
use tower::ServiceExt;

async fn lead_and_coop(w: &World) -> (Slot, Slot) {
    let slots = w.slots(A).await;
    let lead = slots.iter().find(|s| s.role == "lead").unwrap().clone();
    let coop = slots
        .iter()
        .find(|s| s.task_id == lead.task_id && s.role != "lead")
        .unwrap()
        .clone();
    (lead, coop)
}

fn reporter_of(w: &World, unit: i64) -> String {
    w.users
        .iter()
        .find(|(_, (r, _, u))| *r == kesu_core::authz::Role::Reporter && *u == Some(unit))
        .unwrap()
        .0
        .clone()
}

#[tokio::test]
async fn a_report_goes_from_draft_to_accepted_with_its_history() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let (lead, coop) = lead_and_coop(&w).await;
        let c = w.login(&reporter_of(&w, coop.unit_id)).await;
        let (s, v) = w
            .call(
                &c,
                "POST",
                &format!("/api/v1/reports/{}/submit", coop.id),
                Some(json!({"version": 0, "content": "配合材料"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let l = w.login(&reporter_of(&w, lead.unit_id)).await;
        // The lead unit reads its cooperating unit's report, but cannot change it.
        let (s, v) = w
            .call(&l, "GET", &format!("/api/v1/reports/{}", coop.id), None)
            .await;
        assert_eq!(
            (s, v["content"].as_str()),
            (StatusCode::OK, Some("配合材料"))
        );
        let (s, _) = w
            .call(
                &l,
                "PUT",
                &format!("/api/v1/reports/{}", coop.id),
                Some(json!({"version": 1})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = w
            .call(
                &l,
                "PUT",
                &format!("/api/v1/reports/{}", lead.id),
                Some(json!({"version": 0, "content": "草稿"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = w
            .call(
                &l,
                "POST",
                &format!("/api/v1/reports/{}/submit", lead.id),
                Some(json!({"version": 1, "content": "汇总"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let r = w.login("a_reviewer").await;
        let (s, v) = w
            .call(
                &r,
                "POST",
                &format!("/api/v1/reports/{}/return", lead.id),
                Some(json!({"version": 2})),
            )
            .await;
        assert_eq!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a return without a reason is refused: {v}"
        );
        let (s, _) = w
            .call(
                &r,
                "POST",
                &format!("/api/v1/reports/{}/return", lead.id),
                Some(json!({"version": 2, "reason": "缺少照片"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = w
            .call(
                &l,
                "POST",
                &format!("/api/v1/reports/{}/submit", lead.id),
                Some(json!({"version": 3, "content": "汇总（补充照片）"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, v) = w
            .call(
                &r,
                "POST",
                &format!("/api/v1/reports/{}/accept", lead.id),
                Some(json!({"version": 4})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["report"]["state"], "accepted");
        let actions: Vec<&str> = v["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["save", "submit", "return", "submit", "accept"]);
        // Accepted is locked: the unit cannot change it; an admin can unlock it.
        let (s, _) = w
            .call(
                &l,
                "PUT",
                &format!("/api/v1/reports/{}", lead.id),
                Some(json!({"version": 5, "content": "改"})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        let a = w.login("a_admin").await;
        let (s, v) = w
            .call(
                &a,
                "POST",
                &format!("/api/v1/reports/{}/unlock", lead.id),
                Some(json!({"version": 5})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["report"]["state"], "returned");
        // The cooperating unit's submission was settled with the lead's acceptance.
        let (_, v) = w
            .call(&c, "GET", &format!("/api/v1/reports/{}", coop.id), None)
            .await;
        assert_eq!(v["report"]["state"], "accepted");
    })
    .await;
}

#[tokio::test]
async fn a_stale_version_from_a_second_tab_is_refused_and_nothing_is_lost() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let (lead, _) = lead_and_coop(&w).await;
        let l = w.login(&reporter_of(&w, lead.unit_id)).await;
        let path = format!("/api/v1/reports/{}", lead.id);
        let (s, _) = w
            .call(
                &l,
                "PUT",
                &path,
                Some(json!({"version": 0, "content": "第一个标签页"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, v) = w
            .call(
                &l,
                "PUT",
                &path,
                Some(json!({"version": 0, "content": "第二个标签页"})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(v["error"]["message"].as_str().unwrap().contains("版本"));
        let (_, v) = w.call(&l, "GET", &path, None).await;
        assert_eq!(v["content"], "第一个标签页");
    })
    .await;
}

#[tokio::test]
async fn after_the_lock_date_only_an_exception_lets_a_unit_submit() {
    kesu_store::testing::each_backend(|db| async move {
        let mut w = common::world(db).await;
        w.state.clock = std::sync::Arc::new(Some(time::macros::datetime!(2025-05-02 02:00 UTC)));
        let (lead, _) = lead_and_coop(&w).await;
        let l = w.login(&reporter_of(&w, lead.unit_id)).await;
        let path = format!("/api/v1/reports/{}/submit", lead.id);
        let (s, v) = w
            .call(
                &l,
                "POST",
                &path,
                Some(json!({"version": 0, "content": "迟交"})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert!(v["error"]["message"].as_str().unwrap().contains("锁定"));
        kesu_store::reporting::grant_exception(&w.db, lead.id, &kesu_store::Actor::new("a_admin"))
            .await
            .unwrap();
        let (s, v) = w
            .call(
                &l,
                "POST",
                &path,
                Some(json!({"version": 0, "content": "迟交"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (_, v) = w
            .call(
                &l,
                "GET",
                &format!("/api/v1/rounds/{}/matrix", w.rounds[A]),
                None,
            )
            .await;
        let cell = v["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["report_id"] == lead.id)
            .unwrap();
        assert_eq!(
            (cell["late"].as_bool(), cell["light"].as_str()),
            (Some(true), Some("red"))
        );
    })
    .await;
}

#[tokio::test]
async fn malformed_json_is_400_in_the_error_shape() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let (lead, _) = lead_and_coop(&w).await;
        let l = w.login(&reporter_of(&w, lead.unit_id)).await;
        let req = Request::put(format!("/api/v1/reports/{}", lead.id))
            .header(header::COOKIE, &l)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{\"version\": "))
            .unwrap();
        let res = kesu_web::router(w.state.clone())
            .oneshot(req)
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    })
    .await;
}

/// A multipart body with the version the tab saw and one file.
fn multipart(version: i64, name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "kesuBOUNDARY";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"version\"\r\n\r\n{version}\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(w: &World, cookie: &str, id: i64, name: &str, bytes: &[u8]) -> StatusCode {
    let (_, v) = w
        .call(cookie, "GET", &format!("/api/v1/reports/{id}"), None)
        .await;
    let (ct, body) = multipart(v["report"]["version"].as_i64().unwrap(), name, bytes);
    let req = Request::post(format!("/api/v1/reports/{id}/attachments"))
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .unwrap();
    kesu_web::router(w.state.clone())
        .oneshot(req)
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn evidence_is_checked_by_content_and_size() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let (lead, _) = lead_and_coop(&w).await;
        let l = w.login(&reporter_of(&w, lead.unit_id)).await;
        assert_eq!(
            upload(&w, &l, lead.id, "照片.pdf", b"%PDF-1.4 evidence").await,
            StatusCode::CREATED
        );
        assert_eq!(
            upload(&w, &l, lead.id, "report.pdf", b"MZ not a pdf").await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let big = vec![b'%'; kesu_web::MAX_UPLOAD + 10];
        let s = upload(&w, &l, lead.id, "big.pdf", &big).await;
        assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
        let (_, v) = w
            .call(&l, "GET", &format!("/api/v1/reports/{}", lead.id), None)
            .await;
        assert_eq!(
            v["attachments"].as_array().unwrap().len(),
            1,
            "only the good file is kept"
        );
    })
    .await;
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_for_a_while() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let bad = json!({"username": "a_viewer", "password": "wrong"});
        for _ in 0..5 {
            let (s, _) = w.call("", "POST", "/api/v1/login", Some(bad.clone())).await;
            assert!(s == StatusCode::UNAUTHORIZED || s == StatusCode::TOO_MANY_REQUESTS);
        }
        let good = json!({"username": "a_viewer", "password": common::PASSWORD});
        let (s, v) = w.call("", "POST", "/api/v1/login", Some(good)).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{v}");
        let log = kesu_store::accounts::login_log(&w.db, Some("a_viewer"), 10)
            .await
            .unwrap();
        assert_eq!(log.first().map(|e| e.outcome.as_str()), Some("throttled"));
    })
    .await;
}

#[tokio::test]
async fn a_form_without_the_session_token_or_from_another_site_is_refused() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let c = w.login("a_admin").await;
        let form = |origin: Option<&str>, body: &str| {
            let mut r = Request::post("/notifications/read")
                .header(header::COOKIE, &c)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            if let Some(o) = origin {
                r = r
                    .header(header::ORIGIN, o)
                    .header(header::HOST, "127.0.0.1:8080");
            }
            r.body(Body::from(body.to_string())).unwrap()
        };
        let res = kesu_web::router(w.state.clone())
            .oneshot(form(None, "_csrf=wrong"))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = kesu_web::router(w.state.clone())
            .oneshot(form(Some("http://evil.example"), ""))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    })
    .await;
}

#[tokio::test]
async fn a_reviewers_comment_on_acceptance_shows_in_the_history_as_a_review_comment() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let (lead, _) = lead_and_coop(&w).await;
        let l = w.login(&reporter_of(&w, lead.unit_id)).await;
        let (s, _) = w
            .call(
                &l,
                "POST",
                &format!("/api/v1/reports/{}/submit", lead.id),
                Some(json!({"version": 0, "content": "汇总"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let r = w.login("a_reviewer").await;
        let (s, v) = w
            .call(
                &r,
                "POST",
                &format!("/api/v1/reports/{}/accept", lead.id),
                Some(json!({"version": 1, "reason": "已与台账核对"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, html) = w.page(&r, &format!("/reports/{}", lead.id)).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("审核意见：已与台账核对"), "{html}");
        assert!(!html.contains("原因：已与台账核对"), "not a reason: {html}");
    })
    .await;
}
