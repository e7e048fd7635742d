//! What an operator sees of each request: its id (in the response, the log line, the audit row
//! and the error page), one log line without personal data or secrets, health checks and
//! metrics only for allowed addresses.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test fixtures: a failed set-up fails the test"
)]

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response, StatusCode, header};
use common::{A, PASSWORD, World};
use http_body_util::BodyExt;
use kesu_web::observe::{LogFormat, Settings};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

/// Log output captured in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Run `f` with this thread's log output captured in `format` (the tests run on one thread).
async fn logged<F: std::future::Future<Output = ()>>(format: LogFormat, f: F) -> String {
    let out = Captured::default();
    let w = out.clone();
    let sub = kesu_web::observe::subscriber(format, "info", move || w.clone());
    let guard = tracing::subscriber::set_default(sub);
    f.await;
    drop(guard);
    out.text()
}

fn from(addr: &str, mut req: Request<Body>) -> Request<Body> {
    let a: SocketAddr = addr.parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(a));
    req
}

async fn send(w: &World, req: Request<Body>) -> Response<Body> {
    kesu_web::router(w.state.clone())
        .oneshot(req)
        .await
        .unwrap()
}

async fn body(res: Response<Body>) -> String {
    let b = res.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8_lossy(&b).into_owned()
}

fn request_id(res: &Response<Body>) -> String {
    res.headers()
        .get("x-request-id")
        .expect("every response carries x-request-id")
        .to_str()
        .unwrap()
        .to_string()
}

async fn lead_slot(w: &World) -> kesu_store::reporting::Slot {
    w.slots(A)
        .await
        .into_iter()
        .find(|s| s.role == "lead")
        .unwrap()
}

#[tokio::test]
async fn a_saved_report_has_the_request_id_in_its_response_log_line_and_audit_row() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let slot = lead_slot(&w).await;
        let cookie = w.login(&w.reporter_of(slot.unit_id)).await;
        let mut id = String::new();
        let log = logged(LogFormat::Json, async {
            let req = Request::put(format!("/api/v1/reports/{}", slot.id))
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    json!({"version": 0, "content": "草稿"}).to_string(),
                ))
                .unwrap();
            let res = send(&w, from("127.0.0.1:5000", req)).await;
            assert_eq!(res.status(), StatusCode::OK);
            id = request_id(&res);
        })
        .await;
        let line: serde_json::Value = log
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|v| v["message"] == "request")
            .unwrap_or_else(|| panic!("no request line in {log}"));
        assert_eq!(line["request_id"], json!(id), "{line}");
        assert_eq!(line["method"], "PUT");
        assert_eq!(
            line["route"], "/api/v1/reports/{id}",
            "the matched path, not the URI"
        );
        assert_eq!(line["status"], 200);
        assert!(line["latency_ms"].as_f64().is_some(), "{line}");
        let audit = kesu_store::audit::recent(&w.db, 1).await.unwrap();
        assert_eq!(audit[0].request_id.as_deref(), Some(id.as_str()));
    })
    .await;
}

#[tokio::test]
async fn a_request_id_sent_by_a_stranger_is_replaced_and_one_from_our_proxy_is_kept() {
    kesu_store::testing::each_backend(|db| async move {
        let mut w = common::world(db).await;
        let forged = || {
            Request::get("/login")
                .header("x-request-id", "chosen-by-the-client")
                .body(Body::empty())
                .unwrap()
        };
        let res = send(&w, from("203.0.113.7:4000", forged())).await;
        assert_ne!(request_id(&res), "chosen-by-the-client");
        w.state.trusted_proxies =
            Arc::new(kesu_web::client_ip::TrustedProxies::parse(&["10.0.0.0/8"]).unwrap());
        let res = send(&w, from("10.0.0.2:4000", forged())).await;
        assert_eq!(request_id(&res), "chosen-by-the-client");
    })
    .await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_audit_log_records_the_forwarded_client() {
    kesu_store::testing::each_backend(|db| async move {
        let mut w = common::world(db).await;
        w.state.trusted_proxies =
            Arc::new(kesu_web::client_ip::TrustedProxies::parse(&["10.0.0.0/8"]).unwrap());
        let slot = lead_slot(&w).await;
        let cookie = w.login(&w.reporter_of(slot.unit_id)).await;
        let req = Request::put(format!("/api/v1/reports/{}", slot.id))
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/json")
            // The client wrote the first address itself; our proxy appended the second.
            .header("x-forwarded-for", "1.2.3.4, 198.51.100.20")
            .body(Body::from(
                json!({"version": 0, "content": "草稿"}).to_string(),
            ))
            .unwrap();
        let res = send(&w, from("10.0.0.2:4000", req)).await;
        assert_eq!(res.status(), StatusCode::OK);
        let audit = kesu_store::audit::recent(&w.db, 1).await.unwrap();
        assert_eq!(audit[0].ip.as_deref(), Some("198.51.100.20"));
    })
    .await;
}

/// Secrets and personal data that requests carry; none may reach the log.
const SECRETS: &[&str] = &[
    PASSWORD,
    "wrong-Pa55word!",
    "tok_9f8e7d6c5b4a",
    "13812345678",
    "430103199001011234",
];

async fn requests_with_secrets(w: &World) {
    // A failed and a successful sign-in (form and JSON), with the password in the body.
    for (user, pw) in [("a_admin", "wrong-Pa55word!"), ("a_admin", PASSWORD)] {
        let form = format!("username={user}&password={}", pw.replace('!', "%21"));
        let req = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap();
        send(w, from("127.0.0.1:5000", req)).await;
        let req = Request::post("/api/v1/login")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({"username": user, "password": pw}).to_string(),
            ))
            .unwrap();
        send(w, from("127.0.0.1:5000", req)).await;
    }
    let cookie = w.login("a_admin").await;
    // A session cookie, a token and personal data in the query, on a matched and an unmatched
    // path.
    for path in [
        "/?token=tok_9f8e7d6c5b4a&phone=13812345678",
        "/no/such/page?id_number=430103199001011234&token=tok_9f8e7d6c5b4a",
        "/api/v1/me?token=tok_9f8e7d6c5b4a",
    ] {
        let req = Request::get(path)
            .header(header::COOKIE, &cookie)
            .header(header::AUTHORIZATION, "Bearer tok_9f8e7d6c5b4a")
            .body(Body::empty())
            .unwrap();
        send(w, from("127.0.0.1:5000", req)).await;
    }
    // A form body with personal data, refused (no CSRF token): an error path.
    let req = Request::post("/account/password")
        .header(header::COOKIE, &cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(
            "current=wrong-Pa55word%21&new=13812345678&confirm=430103199001011234",
        ))
        .unwrap();
    send(w, from("127.0.0.1:5000", req)).await;
}

#[tokio::test]
async fn no_password_cookie_token_or_personal_data_reaches_the_log_in_either_format() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let session_cookie = w.login("a_viewer").await;
        let token = session_cookie.split('=').nth(1).unwrap().to_string();
        for format in [LogFormat::Pretty, LogFormat::Json] {
            let log = logged(format, async {
                requests_with_secrets(&w).await;
                let req = Request::get("/")
                    .header(header::COOKIE, &session_cookie)
                    .body(Body::empty())
                    .unwrap();
                send(&w, from("127.0.0.1:5000", req)).await;
            })
            .await;
            // The log did capture the requests (a test that cannot fail proves nothing).
            assert!(log.matches("request").count() >= 8, "{format:?}: {log}");
            assert!(log.contains("<unmatched>"), "{log}");
            for s in SECRETS.iter().copied().chain([token.as_str()]) {
                assert!(!log.contains(s), "{format:?} log contains {s}:\n{log}");
            }
            assert!(!log.contains("kesu_session"), "{log}");
            assert!(!log.contains("a_admin"), "no user names: {log}");
        }
    })
    .await;
}

#[tokio::test]
async fn an_error_page_and_an_api_error_show_the_request_id() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let cookie = w.login("a_admin").await;
        let req = Request::get("/plans/999999")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap();
        let res = send(&w, req).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let id = request_id(&res);
        let html = body(res).await;
        assert!(html.contains(&id), "{html}");
        assert!(html.contains("请将此编号告知管理员"), "{html}");
        let req = Request::get("/api/v1/tasks/999999")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap();
        let res = send(&w, req).await;
        let id = request_id(&res);
        let v: serde_json::Value = serde_json::from_str(&body(res).await).unwrap();
        assert_eq!(v["error"]["request_id"], json!(id));
    })
    .await;
}

#[tokio::test]
async fn an_internal_error_is_logged_with_its_cause_and_request_id_and_shown_without_it() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let cookie = w.login("a_admin").await;
        w.db.close().await;
        let mut res = None;
        let log = logged(LogFormat::Json, async {
            let req = Request::get("/")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap();
            res = Some(send(&w, req).await);
        })
        .await;
        let res = res.unwrap();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let id = request_id(&res);
        let error: serde_json::Value = log
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|v| v["level"] == "ERROR")
            .unwrap_or_else(|| panic!("no error line in {log}"));
        assert_eq!(error["request_id"], json!(id), "{error}");
        let cause = error["cause"].as_str().unwrap();
        assert!(
            cause.contains("数据库错误") && cause.contains("closed"),
            "{cause}"
        );
        let html = body(res).await;
        assert!(html.contains(&id), "{html}");
        assert!(!html.contains("closed"), "the cause is not shown: {html}");
    })
    .await;
}

#[tokio::test]
async fn healthz_and_readyz_answer_200_on_a_migrated_database() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let res = send(&w, Request::get("/healthz").body(Body::empty()).unwrap()).await;
        assert_eq!(res.status(), StatusCode::OK);
        let res = send(&w, Request::get("/readyz").body(Body::empty()).unwrap()).await;
        assert_eq!(res.status(), StatusCode::OK);
        let v: serde_json::Value = serde_json::from_str(&body(res).await).unwrap();
        assert_eq!(v["status"], "ready");
        assert_eq!(v["database"], "ok");
    })
    .await;
}

#[tokio::test]
async fn readyz_is_503_when_the_database_is_gone() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        w.db.close().await;
        let res = send(&w, Request::get("/readyz").body(Body::empty()).unwrap()).await;
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        let res = send(&w, Request::get("/healthz").body(Body::empty()).unwrap()).await;
        assert_eq!(res.status(), StatusCode::OK, "the process itself is fine");
    })
    .await;
}

#[tokio::test]
async fn metrics_name_requests_latencies_and_login_failures_for_loopback_only() {
    kesu_store::testing::each_backend(|db| async move {
        let mut w = common::world(db).await;
        let bad = Request::post("/api/v1/login")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({"username": "a_admin", "password": "nope"}).to_string(),
            ))
            .unwrap();
        assert_eq!(
            send(&w, from("127.0.0.1:1", bad)).await.status(),
            StatusCode::UNAUTHORIZED
        );
        send(
            &w,
            from(
                "127.0.0.1:1",
                Request::get("/wp-admin.php").body(Body::empty()).unwrap(),
            ),
        )
        .await;
        let scrape = |addr: &str| from(addr, Request::get("/metrics").body(Body::empty()).unwrap());
        let res = send(&w, scrape("127.0.0.1:9")).await;
        assert_eq!(res.status(), StatusCode::OK);
        let text = body(res).await;
        assert!(text.contains("kesu_http_requests_total{"), "{text}");
        assert!(text.contains("route=\"/api/v1/login\""), "{text}");
        assert!(
            text.contains("kesu_http_request_duration_seconds_bucket{"),
            "{text}"
        );
        assert!(
            text.contains("kesu_login_failures_total{reason=\"bad_credentials\"}"),
            "{text}"
        );
        assert!(text.contains("kesu_db_pool_connections{"), "{text}");
        assert!(text.contains("route=\"<unmatched>\""), "{text}");
        assert!(
            !text.contains("wp-admin"),
            "unknown paths share one label: {text}"
        );
        // Another address: nothing there.
        let res = send(&w, scrape("192.0.2.10:9")).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert!(body(res).await.is_empty());
        // Without connection info (no address at all): refused too.
        let res = send(&w, Request::get("/metrics").body(Body::empty()).unwrap()).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        // Allowed once configured.
        w.state.observe = Arc::new(Settings {
            metrics_allow: vec!["192.0.2.0/24".parse().unwrap()],
        });
        assert_eq!(
            send(&w, scrape("192.0.2.10:9")).await.status(),
            StatusCode::OK
        );
        assert_eq!(
            send(&w, scrape("127.0.0.1:9")).await.status(),
            StatusCode::NOT_FOUND
        );
    })
    .await;
}
