//! The API's OpenAPI document: generated from the router and the API's types, committed as
//! `tests/snapshots/openapi.json`, and in agreement with what the router serves.
//!
//! After a deliberate change of the API, rewrite the snapshot and review its diff:
//! `KESU_UPDATE_SNAPSHOTS=1 cargo nextest run -p kesu-web --test openapi`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a malformed document or a failed set-up fails the test"
)]

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use kesu_store::testing::each_backend;
use kesu_web::api;
use serde_json::Value;
use std::collections::BTreeSet;
use tower::ServiceExt;

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/openapi.json");

fn doc() -> Value {
    serde_json::from_str(api::openapi::json()).unwrap()
}

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// Every (path, method, operation) of the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            if let Some(op) = item.get(m) {
                out.push((path.clone(), m.to_string(), op.clone()));
            }
        }
    }
    out
}

/// A schema, following a `$ref` into the components.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

#[test]
fn the_document_is_the_committed_snapshot() {
    let now = api::openapi::json();
    if std::env::var_os("KESU_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(SNAPSHOT, now).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    assert!(
        committed == now,
        "the OpenAPI document differs from tests/snapshots/openapi.json; if the API change is \
         meant, run KESU_UPDATE_SNAPSHOTS=1 cargo nextest run -p kesu-web --test openapi and \
         review the diff"
    );
}

#[test]
fn every_listed_api_path_is_documented_and_every_documented_path_is_listed() {
    let listed: BTreeSet<String> = api::listed().paths().iter().cloned().collect();
    let documented: BTreeSet<String> = doc()["paths"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(
        listed.difference(&documented).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "routed but not documented (add the route with routes!(…) and a #[utoipa::path])"
    );
    assert_eq!(
        documented.difference(&listed).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "documented but not routed"
    );
}

/// A response body is typed when it is an object with properties, or a list of such objects.
fn typed(doc: &Value, schema: &Value) -> bool {
    let resolved = resolve(doc, schema);
    if resolved["type"] == "array" {
        return typed(doc, &resolved["items"]);
    }
    resolved["properties"]
        .as_object()
        .is_some_and(|p| !p.is_empty())
}

#[test]
fn every_operation_has_a_typed_success_body() {
    let d = doc();
    for (path, method, op) in operations(&d) {
        let ok: Vec<(&String, &Value)> = op["responses"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(code, _)| code.starts_with('2'))
            .collect();
        assert!(!ok.is_empty(), "{method} {path}: no 2xx response");
        for (code, r) in ok {
            let schema = &r["content"]["application/json"]["schema"];
            assert!(
                typed(&d, schema),
                "{method} {path} {code}: the body is not an object with properties: {schema}"
            );
        }
    }
}

#[test]
fn every_operation_answers_its_errors_in_the_one_error_shape() {
    let d = doc();
    let error = &d["components"]["responses"]["Error"]["content"]["application/json"]["schema"];
    assert_eq!(error["$ref"], "#/components/schemas/ErrorBody");
    let body = &d["components"]["schemas"]["ErrorBody"];
    assert_eq!(body["required"], serde_json::json!(["error"]));
    let detail = resolve(&d, &body["properties"]["error"]);
    assert_eq!(detail["required"], serde_json::json!(["code", "message"]));
    assert!(detail["properties"]["field"].is_object());
    for (path, method, op) in operations(&d) {
        let responses = op["responses"].as_object().unwrap();
        for range in ["4XX", "5XX"] {
            assert_eq!(
                responses[range]["$ref"], "#/components/responses/Error",
                "{method} {path} {range}"
            );
        }
        for (code, r) in responses {
            if code.starts_with('4') && code != "4XX" {
                let schema = &r["content"]["application/json"]["schema"];
                assert_eq!(
                    schema["$ref"], "#/components/schemas/ErrorBody",
                    "{method} {path} {code}"
                );
            }
        }
    }
}

#[test]
fn operations_need_the_session_cookie_except_signing_in_and_the_document() {
    let d = doc();
    assert_eq!(
        d["components"]["securitySchemes"]["session"],
        serde_json::json!({"type": "apiKey", "in": "cookie", "name": "kesu_session",
            "description": "会话 Cookie，由 POST /login 设置 (the session cookie set by POST /login)"})
    );
    assert_eq!(d["security"], serde_json::json!([{"session": []}]));
    for (path, method, op) in operations(&d) {
        let open = op["security"] == serde_json::json!([{}]);
        let optional = op["security"] == serde_json::json!([{}, {"session": []}]);
        // The public online test, bookings and check-ins are for citizens without an account.
        let expected_open =
            matches!(path.as_str(), "/login" | "/openapi.json") || path.starts_with("/public/");
        // The catalogue, the calendar and service orders answer citizens and offices alike.
        let expected_optional = matches!(
            (method.as_str(), path.as_str()),
            (
                "get",
                "/resources" | "/resources/{id}" | "/slots/{id}" | "/activities"
            ) | ("post", "/orders" | "/orders/{id}/{step}")
                | ("get", "/orders/{id}")
        );
        assert_eq!(open, expected_open, "{method} {path}");
        assert_eq!(
            optional, expected_optional,
            "{method} {path}: session optional"
        );
        assert_eq!(
            op["responses"].get("401").is_some(),
            !(open || optional) || path == "/login",
            "{method} {path}: 401 documented exactly where a session is needed (and for a wrong password)"
        );
        assert!(
            op["tags"].as_array().is_some_and(|t| t.len() == 1),
            "{method} {path}: one tag"
        );
        assert!(
            op["operationId"].is_string(),
            "{method} {path}: an operationId"
        );
    }
}

#[test]
fn every_reference_of_the_document_resolves() {
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                if let Some(Value::String(r)) = o.get("$ref") {
                    out.push(r.clone());
                }
                o.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let d = doc();
    let mut all = Vec::new();
    refs(&d, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let pointer = r.trim_start_matches('#');
        assert!(d.pointer(pointer).is_some(), "{r} does not resolve");
    }
}

#[test]
fn dates_are_iso_strings_in_the_document() {
    let d = doc();
    let round = &d["components"]["schemas"]["Round"]["properties"];
    assert_eq!(round["due_date"]["type"], "string");
    assert_eq!(round["due_date"]["format"], "date");
    assert_eq!(round["opened_at"]["format"], "date-time");
    let stats = &d["components"]["schemas"]["Stats"]["properties"];
    assert_eq!(stats["as_of"]["type"], "string");
    assert_eq!(stats["as_of"]["format"], "date");
}

#[tokio::test]
async fn services_dates_are_iso_strings() {
    each_backend(|db| async move {
        let w = common::world(db).await;
        let cookie = w.login("a_admin").await;
        let (s, v) = w.call(&cookie, "GET", "/api/v1/services/stats", None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["as_of"], "2025-04-10");
    })
    .await;
}

/// The router answers every documented operation (a handler, not the fallback, not 405), and
/// refuses every method the document does not list for a path: what is served is what is
/// documented.
#[tokio::test]
async fn the_router_serves_exactly_the_documented_operations() {
    each_backend(|db| async move {
        let w = common::world(db).await;
        let d = doc();
        // The API's own router with a fallback of the test's: what no route takes is 418.
        let api: axum::Router<kesu_web::AppState> = api::listed().into();
        let app = axum::Router::new()
            .nest(
                "/api/v1",
                api.fallback(|| async { StatusCode::IM_A_TEAPOT }),
            )
            .with_state(w.state.clone());
        for (path, item) in d["paths"].as_object().unwrap() {
            let uri = format!(
                "/api/v1{}",
                path.replace("{id}", "1")
                    .replace("{token}", "t")
                    .replace("{code}", "K7Q-M3X-PAC")
                    .replace("{step}", "claim")
            );
            for m in METHODS {
                let req = Request::builder()
                    .method(Method::from_bytes(m.to_uppercase().as_bytes()).unwrap())
                    .uri(&uri)
                    .body(Body::empty())
                    .unwrap();
                let status = app.clone().oneshot(req).await.unwrap().status();
                if item.get(m).is_some() {
                    assert!(
                        status != StatusCode::IM_A_TEAPOT
                            && status != StatusCode::METHOD_NOT_ALLOWED,
                        "{m} {uri}: {status}"
                    );
                } else {
                    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{m} {uri}");
                }
            }
        }
        // And the fallback is the test's, so the check above can fail.
        let req = Request::get("/api/v1/no-such-path")
            .body(Body::empty())
            .unwrap();
        let status = app.clone().oneshot(req).await.unwrap().status();
        assert_eq!(status, StatusCode::IM_A_TEAPOT);
    })
    .await;
}

#[tokio::test]
async fn api_dates_are_iso_strings() {
    each_backend(|db| async move {
        let w = common::world(db).await;
        let cookie = w.login("a_admin").await;
        let (s, v) = w.call(&cookie, "GET", "/api/v1/rounds", None).await;
        assert_eq!(s, StatusCode::OK);
        let r = &v["rounds"][0];
        assert_eq!(r["due_date"], "2025-04-15");
        assert_eq!(r["lock_date"], "2025-04-30");
        let id = r["id"].as_i64().unwrap();
        let (_, m) = w
            .call(&cookie, "GET", &format!("/api/v1/rounds/{id}/matrix"), None)
            .await;
        assert_eq!(m["today"], "2025-04-10");
        assert_eq!(m["round"]["due_date"], "2025-04-15");
    })
    .await;
}
