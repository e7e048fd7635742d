//! `/healthz`, `/readyz` and `/metrics`: what a load balancer and Prometheus ask.
//!
//! - `/healthz`: the process answers (200), nothing else is checked — restart it if this fails.
//! - `/readyz`: the database answers within two seconds and has exactly the migrations this
//!   binary brings (200), else 503 — send it no traffic until this passes. With read replicas,
//!   a primary that does not answer while a replica does is `read-only` (200: reads work).
//! - `/metrics`: Prometheus text format, only for clients in the configured allow-list
//!   (loopback by default); to anyone else it does not exist (404).

use crate::AppState;
use crate::observe::Client;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::time::Duration;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

async fn healthz() -> Response {
    (StatusCode::OK, "ok\n").into_response()
}

async fn readyz(State(state): State<AppState>) -> Response {
    use serde_json::json;
    let (status, body) = match kesu_store::stats::schema_state(&state.db, Duration::from_secs(2))
        .await
    {
        Ok(s) if s.is_current() => (
            StatusCode::OK,
            json!({"status": "ready", "database": "ok", "schema": s.applied}),
        ),
        Ok(s) => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({
                "status": "not ready",
                "database": "ok",
                "schema": s.applied,
                "expected_schema": s.known,
                "reason": if s.applied < s.known {
                    "数据库迁移未完成，请运行 kesu migrate (migrations pending)"
                } else {
                    "数据库版本高于本程序，请升级 kesu (database is newer than this binary)"
                },
            }),
        ),
        Err(e) => {
            tracing::warn!(cause = %crate::observe::chain(&e), "readiness: database unreachable");
            // With a replica answering, the server still serves reads.
            let replica = match &state.replicas {
                Some(set) => set.pick(None).await.is_some(),
                None => false,
            };
            if replica {
                (
                    StatusCode::OK,
                    json!({"status": "read-only", "database": "unreachable", "replica": "ok"}),
                )
            } else {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    json!({"status": "not ready", "database": "unreachable"}),
                )
            }
        }
    };
    (status, axum::Json(body)).into_response()
}

async fn metrics(
    State(state): State<AppState>,
    client: Option<axum::Extension<Client>>,
) -> Response {
    if !state.observe.may_scrape(client.and_then(|c| c.0.0)) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let mut pools = vec![("primary".to_string(), state.db.clone())];
    if let Some(set) = &state.replicas {
        for (i, db) in set.pools().into_iter().enumerate() {
            pools.push((format!("replica-{}", i + 1), db));
        }
    }
    match crate::metrics::render(&pools) {
        Some(text) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            "指标记录器未安装 (metrics recorder not installed)\n",
        )
            .into_response(),
    }
}
