//! A handler that panics answers 500 in the shape its client reads: JSON with the request id
//! under `/api/`, the error page elsewhere. The panicking routes are the test's own, wrapped in
//! the same layers the application uses ([`kesu_web::panics::answered`], then the request id).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test fixtures: a failed set-up fails the test"
)]

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use axum::routing::get;
use http_body_util::BodyExt;
use kesu_web::AppState;
use serde_json::json;
use tower::ServiceExt;

async fn boom() -> &'static str {
    panic!("boom")
}

/// A router whose two handlers panic, one under `/api/v1`, one a page.
fn panicking(state: AppState) -> Router {
    let app: Router<AppState> = Router::new()
        .route("/api/v1/boom", get(boom))
        .route("/boom", get(boom));
    kesu_web::panics::answered(app)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            kesu_web::observe::request,
        ))
        .with_state(state)
}

async fn get_path(state: AppState, path: &str) -> Response<Body> {
    panicking(state)
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap()
}

fn content_type(res: &Response<Body>) -> String {
    res.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_string()
}

async fn text(res: Response<Body>) -> String {
    let b = res.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8_lossy(&b).into_owned()
}

#[tokio::test]
async fn a_panic_in_an_api_handler_answers_the_json_error_with_the_request_id() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let res = get_path(w.state.clone(), "/api/v1/boom").await;
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(content_type(&res).starts_with("application/json"));
        let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
        let v: serde_json::Value = serde_json::from_str(&text(res).await).unwrap();
        assert_eq!(v["error"]["code"], json!("internal"));
        assert_eq!(v["error"]["request_id"], json!(id));
    })
    .await;
}

#[tokio::test]
async fn a_panic_in_a_page_handler_answers_the_error_page() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let res = get_path(w.state.clone(), "/boom").await;
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(content_type(&res).starts_with("text/html"));
        let html = text(res).await;
        assert!(html.contains("<html"), "{html}");
    })
    .await;
}
