//! The JSON API under `/api/v1`, described by [`openapi`] at `/api/v1/openapi.json`.
//!
//! The same rules as the pages: the caller comes from the session cookie, every object is loaded
//! through [`crate::access`], out of scope is 404. Errors are `{"error": {"code", "message"}}`.

pub mod citizens;
pub mod openapi;
pub mod plan_drafts;
pub mod services;

use crate::auth::{self, Caller, ClientIp};
use crate::error::{ApiError, AppError};
use crate::pages::{self, plans};
use crate::routes::Routes;
use crate::{AppState, access, files};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use kesu_core::authz::Action;
use kesu_core::report::{self, Transition};
use kesu_store::reporting::{self, ReportChange};
use serde::Deserialize;
use serde_json::{Value, json};

type ApiResult = Result<Response, ApiError>;

pub fn routes() -> Router<AppState> {
    listed().into()
}

/// The API routes with their paths ([`crate::routes::all`]).
pub fn listed() -> Routes<AppState> {
    Routes::new()
        .route("/openapi.json", get(openapi::document))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/me", get(me))
        .route("/plans", get(plans_list))
        .route("/plans/{id}/tasks", get(plan_tasks))
        .route("/tasks/{id}", get(task))
        .route("/rounds", get(rounds).post(open_round))
        .route("/rounds/{id}/matrix", get(matrix))
        .route("/reports/{id}", get(report_get).put(report_put))
        .route("/reports/{id}/submit", post(submit))
        .route("/reports/{id}/return", post(return_report))
        .route("/reports/{id}/accept", post(accept))
        .route("/reports/{id}/forward", post(forward))
        .route("/reports/{id}/unlock", post(unlock))
        .route("/reports/{id}/attachments", post(attach))
        .route("/attachments/{id}", axum::routing::delete(detach))
        .route("/audit", get(audit))
        .merge(citizens::routes())
        .merge(plan_drafts::routes())
        .merge(services::routes())
        .fallback(not_found)
}

async fn not_found() -> ApiResult {
    Err(AppError::NotFound.into())
}

fn ok(v: Value) -> ApiResult {
    Ok(Json(v).into_response())
}

/// A JSON body, with a malformed one answered as 400 in our error shape.
fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, AppError> {
    b.map(|Json(v)| v).map_err(|e| {
        AppError::BadRequest(format!("请求体无效：{} (malformed JSON)", e.body_text()))
    })
}

#[derive(Deserialize)]
struct LoginBody {
    username: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    b: Result<Json<LoginBody>, JsonRejection>,
) -> ApiResult {
    let b = body(b)?;
    let cookie = pages::do_login(&state, &b.username, &b.password, ip.clone()).await?;
    Ok(([(header::SET_COOKIE, cookie)], Json(json!({"ok": true}))).into_response())
}

async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
) -> ApiResult {
    let by = pages::audit_actor(&caller, ip.clone());
    kesu_store::accounts::end_session(&state.db, caller.session_id, &by).await?;
    Ok((
        [(header::SET_COOKIE, auth::clear_cookie())],
        Json(json!({"ok": true})),
    )
        .into_response())
}

async fn me(caller: Caller) -> ApiResult {
    ok(json!({
        "id": caller.actor.user_id,
        "username": caller.actor.username,
        "display_name": caller.display_name,
        "role": caller.actor.role,
        "region": caller.actor.region.as_str(),
        "region_name": caller.region_name,
        "unit_id": caller.actor.unit_id,
        "unit_name": caller.unit_name,
    }))
}

async fn plans_list(State(state): State<AppState>, caller: Caller) -> ApiResult {
    let list = plans::plans_in_scope(&state, &caller).await?;
    ok(json!({"plans": list}))
}

async fn plan_tasks(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult {
    let plan = plans::plan_in_scope(&state, &caller, id).await?;
    let tasks = plans::tasks_for(&state, &caller, &plan).await?;
    ok(json!({"plan_id": id, "tasks": tasks}))
}

async fn task(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult {
    let t = plans::task_in_scope(&state, &caller, id).await?;
    ok(serde_json::to_value(t).map_err(|e| AppError::Internal(e.to_string()))?)
}

async fn rounds(State(state): State<AppState>, caller: Caller) -> ApiResult {
    let list = pages::visible_rounds(&state, &caller).await?;
    ok(json!({"rounds": list}))
}

#[derive(Deserialize)]
struct OpenRoundBody {
    plan_id: i64,
    period: String,
    due: String,
    lock: String,
    /// Ask for 县级初审.
    #[serde(default)]
    county_check: bool,
}

async fn open_round(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    b: Result<Json<OpenRoundBody>, JsonRejection>,
) -> ApiResult {
    let b = body(b)?;
    let form = kesu_app::reporting::rounds::RoundForm {
        plan_id: b.plan_id,
        period: b.period,
        due: b.due,
        lock: b.lock,
        county_check: b.county_check,
    };
    let id = pages::do_open_round(&state, &caller, &form, ip.clone()).await?;
    let r = reporting::round(&state.db, id).await?;
    Ok((axum::http::StatusCode::CREATED, Json(json!(r))).into_response())
}

async fn matrix(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult {
    let r = access::round(&state, &caller, id).await?;
    let today = state.today();
    let slots = pages::visible_slots(&state, &caller, &r).await?;
    let counts = pages::Counts::of(&slots, today, r.due_date);
    let cells: Vec<Value> = slots
        .iter()
        .map(|s| {
            let light = report::light(s.state(), s.submitted_on(), today, r.due_date);
            let late = report::is_late(s.state(), s.submitted_on(), today, r.due_date);
            json!({"report_id": s.id, "task_id": s.task_id, "task_path": s.task_path, "task_title": s.task_title,
                   "unit_id": s.unit_id, "unit_name": s.unit_name, "role": s.role, "state": s.state,
                   "light": light, "late": late, "version": s.version})
        })
        .collect();
    ok(json!({"round": r, "today": today.to_string(), "counts": counts, "cells": cells}))
}

/// A report as the API shows it: what its page shows (the other units' input only where the
/// caller may open it).
async fn report_json(state: &AppState, caller: &Caller, id: i64) -> Result<Value, AppError> {
    let v = kesu_app::reporting::view(&access::ctx(state), &access::app_caller(caller, None), id)
        .await?;
    let inputs: Vec<Value> = v
        .siblings
        .iter()
        .map(|s| json!({"report": s.slot, "content": s.content}))
        .collect();
    Ok(
        json!({"report": v.slot, "content": v.content, "return_reason": v.return_reason,
              "values": v.values, "history": v.history, "attachments": v.attachments,
              "inputs": inputs}),
    )
}

async fn report_get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult {
    ok(report_json(&state, &caller, id).await?)
}

#[derive(Deserialize)]
struct ReportBody {
    version: i64,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    values: Vec<ValueBody>,
}

#[derive(Deserialize)]
struct ValueBody {
    target_id: i64,
    value: Option<f64>,
}

#[derive(Deserialize)]
struct VersionBody {
    version: i64,
    #[serde(default)]
    reason: Option<String>,
}

async fn transition(
    state: &AppState,
    caller: &Caller,
    id: i64,
    t: Transition,
    change: ReportChange,
    ip: Option<String>,
) -> ApiResult {
    pages::do_transition(state, caller, id, t, change, ip).await?;
    ok(report_json(state, caller, id).await?)
}

async fn report_put(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    b: Result<Json<ReportBody>, JsonRejection>,
) -> ApiResult {
    let b = body(b)?;
    let change = ReportChange {
        expected_version: b.version,
        content: b.content,
        values: b
            .values
            .into_iter()
            .map(|v| (v.target_id, v.value))
            .collect(),
        reason: None,
    };
    transition(&state, &caller, id, Transition::Save, change, ip.clone()).await
}

async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    b: Result<Json<ReportBody>, JsonRejection>,
) -> ApiResult {
    let b = body(b)?;
    let change = ReportChange {
        expected_version: b.version,
        content: b.content,
        values: b
            .values
            .into_iter()
            .map(|v| (v.target_id, v.value))
            .collect(),
        reason: None,
    };
    transition(&state, &caller, id, Transition::Submit, change, ip.clone()).await
}

async fn review(
    state: AppState,
    caller: Caller,
    id: i64,
    t: Transition,
    ip: Option<String>,
    b: Result<Json<VersionBody>, JsonRejection>,
) -> ApiResult {
    let b = body(b)?;
    let change = ReportChange {
        expected_version: b.version,
        reason: b.reason,
        ..Default::default()
    };
    transition(&state, &caller, id, t, change, ip.clone()).await
}

async fn return_report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    b: Result<Json<VersionBody>, JsonRejection>,
) -> ApiResult {
    review(state, caller, id, Transition::Return, ip, b).await
}

async fn accept(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    b: Result<Json<VersionBody>, JsonRejection>,
) -> ApiResult {
    review(state, caller, id, Transition::Accept, ip, b).await
}

/// 县级初审通过: the county office passes its county's report up to the round's office.
async fn forward(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    b: Result<Json<VersionBody>, JsonRejection>,
) -> ApiResult {
    review(state, caller, id, Transition::Forward, ip, b).await
}

async fn unlock(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    b: Result<Json<VersionBody>, JsonRejection>,
) -> ApiResult {
    review(state, caller, id, Transition::Unlock, ip, b).await
}

async fn attach(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult {
    // Scope first: an out-of-scope report is 404 whatever the body.
    access::report(&state, &caller, id, Action::Report).await?;
    let multipart = multipart.map_err(|e| {
        AppError::BadRequest(format!("需要 multipart/form-data：{}", e.body_text()))
    })?;
    let form = files::read_form(multipart).await?;
    let version = pages::parse_version(form.field("version"))?;
    let file = form
        .file
        .ok_or_else(|| AppError::Invalid("缺少文件字段 file (no file)".into()))?;
    let aid = pages::do_attach(&state, &caller, id, version, file, ip.clone()).await?;
    let a = reporting::attachment(&state.db, aid).await?;
    Ok((axum::http::StatusCode::CREATED, Json(json!(a))).into_response())
}

async fn detach(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    b: Result<Json<VersionBody>, JsonRejection>,
) -> ApiResult {
    let b = body(b)?;
    let c = access::app_caller(&caller, ip);
    let (report, _) = kesu_app::reporting::detach(&access::ctx(&state), &c, id, b.version).await?;
    ok(report_json(&state, &caller, report).await?)
}

#[derive(Deserialize, Default)]
struct AuditParams {
    actor: Option<String>,
    action: Option<String>,
    object: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<i64>,
}

async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditParams>,
) -> ApiResult {
    let f = pages::AuditQuery {
        actor: q.actor,
        action: q.action,
        object: q.object,
        from: q.from,
        to: q.to,
    };
    let limit = q.limit.unwrap_or(500).clamp(1, 10_000);
    let entries = kesu_app::audit::search(
        &access::ctx(&state),
        &access::app_caller(&caller, None),
        &f.to_query()?,
        limit,
    )
    .await?;
    ok(json!({"entries": entries}))
}
