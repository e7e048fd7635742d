//! The OpenAPI document of `/api/v1`, generated: the operations come from the routes
//! themselves (each `routes!` call in [`super::listed`] carries its handler's `#[utoipa::path]`),
//! the schemas from the request and response types of [`super::types`]; this module adds what
//! every operation shares — the session cookie as the security scheme, the tags, and the one
//! error response on every 4XX and 5XX.
//!
//! `crates/kesu-web/tests/snapshots/openapi.json` holds the document as committed; a test
//! compares it byte for byte (`KESU_UPDATE_SNAPSHOTS=1 cargo nextest run -p kesu-web --test
//! openapi` rewrites it), so any change of the API shows in review as a change of that file.

use super::types::ErrorBody;
use super::types::citizens::CountBy;
use super::types::services::{OrderStep, ResourceKind};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{Content, OpenApi as Document, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

/// What every operation shares; the operations themselves come from the router.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "科素 Kesu API",
        version = "1",
        description = "全民科学素质纲要实施工作平台的 JSON 接口 (the JSON API of Kesu, the science-literacy action plan platform).\n\n\
            登录 (`POST /login`) 后以会话 Cookie `kesu_session` 认证 (sign in, then send the session cookie). \
            超出权限范围的对象一律返回 404，与不存在的对象相同 (an object out of the caller's scope answers 404, like a missing one). \
            日期为 ISO 8601 日期 (`2026-01-15`，中国时间)，时刻为 RFC 3339 (dates are ISO 8601 days in China, instants RFC 3339). \
            每个修改都带客户端看到的版本号，过期则 409 (every change carries the version the client saw; a stale one is 409).",
        license(name = "MIT OR Apache-2.0"),
    ),
    servers((url = "/api/v1")),
    security(("session" = [])),
    tags(
        (name = "session", description = "登录、退出与当前用户 (signing in and out, the caller)"),
        (name = "plans", description = "实施方案与任务 (plans and their tasks)"),
        (name = "plan-drafts", description = "方案草稿：上传方案文件、核对修改、确认导入 (plan drafts: upload a plan document, check and correct it, confirm it)"),
        (name = "rounds", description = "填报轮次与状态矩阵 (reporting rounds and their status)"),
        (name = "reports", description = "进展报告、审核与佐证材料 (reports, review, evidence)"),
        (name = "audit", description = "审计日志 (the audit log)"),
        (name = "citizens", description = "公民科学素质网络测试与台账 (the public online test and the citizens' ledger)"),
        (name = "services", description = "科普服务：资源、预约、活动、签到、点单与统计 (services: catalogue, bookings, activities, check-ins, orders, statistics)"),
        (name = "meta", description = "本文档 (this document)"),
    ),
    components(schemas(ErrorBody, CountBy, OrderStep, ResourceKind)),
    modifiers(&Shared),
)]
struct Base;

/// The session cookie, the error response, and the error answers of every operation.
struct Shared;

impl Modify for Shared {
    fn modify(&self, doc: &mut Document) {
        let c = doc.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::COOKIE,
                "会话 Cookie，由 POST /login 设置 (the session cookie set by POST /login)",
            ))),
        );
        c.responses.insert(
            "Error".to_string(),
            RefOr::T(
                ResponseBuilder::new()
                    .description(
                        "错误 (an error): `{\"error\": {\"code\", \"message\", \"field\"?}}`",
                    )
                    .content(
                        "application/json",
                        Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                    )
                    .build(),
            ),
        );
    }
}

/// Every operation answers its errors in one shape: a secured one 401 without a session, and
/// any other 4xx or 5xx as `#/components/responses/Error`.
fn add_error_answers(doc: &mut Document) {
    let error = || RefOr::Ref(Ref::new("#/components/responses/Error"));
    let secured_by_default = doc.security.as_ref().is_some_and(|s| !s.is_empty());
    for item in doc.paths.paths.values_mut() {
        let ops: [&mut Option<Operation>; 5] = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in ops.into_iter().flatten() {
            // Open to all, or open with a session as one choice (`security: [{}, {session}]`):
            // no 401 either way.
            let open = op
                .security
                .as_ref()
                .is_some_and(|s| s.iter().any(is_empty_requirement));
            let r = &mut op.responses.responses;
            if secured_by_default && !open {
                r.entry("401".into()).or_insert_with(|| {
                    RefOr::T(
                        ResponseBuilder::new()
                            .description("未登录或会话已过期 (no session, or it expired)")
                            .content(
                                "application/json",
                                Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                            )
                            .build(),
                    )
                });
            }
            r.entry("4XX".into()).or_insert_with(error);
            r.entry("5XX".into()).or_insert_with(error);
        }
    }
}

fn is_empty_requirement(r: &utoipa::openapi::security::SecurityRequirement) -> bool {
    // A requirement serialises as an object of scheme names; `{}` asks for nothing.
    serde_json::to_value(r).is_ok_and(|v| v.as_object().is_some_and(|o| o.is_empty()))
}

/// The whole document: the shared parts with the operations of [`super::listed`].
pub fn build() -> Document {
    let mut doc = Base::openapi();
    doc.merge(super::listed().openapi().clone());
    add_error_answers(&mut doc);
    doc
}

/// The document as served and as committed: pretty JSON with a final newline.
pub fn json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        let mut s = build()
            .to_pretty_json()
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        s.push('\n');
        s
    })
}

/// An OpenAPI 3.1 document (its top-level members; see <https://spec.openapis.org/oas/v3.1.0>).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)] // The response's description: the handler sends the document itself.
pub struct OpenApiDocument {
    #[schema(example = "3.1.0")]
    openapi: String,
    info: serde_json::Value,
    servers: Vec<serde_json::Value>,
    paths: BTreeMap<String, serde_json::Value>,
    components: serde_json::Value,
    security: Vec<serde_json::Value>,
    tags: Vec<serde_json::Value>,
}

/// 本文档 (this document)
///
/// The OpenAPI document of the API; no sign-in needed.
#[utoipa::path(
    get, path = "/openapi.json", tag = "meta", operation_id = "openapi",
    security(()),
    responses((status = 200, description = "OpenAPI 3.1 文档 (the document)", body = OpenApiDocument)),
)]
pub(super) async fn document() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], json()).into_response()
}
