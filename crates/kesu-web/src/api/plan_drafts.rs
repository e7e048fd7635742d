//! Plan drafts over the API (方案草稿): upload a plan document (multipart `file`, optional
//! `region`) into a draft, read it, replace its plan with an edited plan JSON (422 naming the
//! field), and confirm it as a plan. The same use cases as the pages
//! (`kesu_app::plans::drafts`); bodies are the types of [`super::types::plan_drafts`].

use super::extract::Id;
use super::types::ErrorBody;
use super::types::plan_drafts::{
    ConfirmDraftRequest, PlanDraft, PlanDraftConfirmed, PlanDraftUpload, PlanJson,
};
use crate::access::{app_caller, ctx};
use crate::auth::{Caller, ClientIp};
use crate::error::{ApiError, AppError};
use crate::routes::Routes;
use crate::{AppState, files, parse};
use axum::Json;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kesu_app::plans::drafts;
use kesu_app::plans::{edit, read};
use utoipa_axum::routes;

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .routes(routes!(create))
        .routes(routes!(show, replace))
        .routes(routes!(confirm))
}

type Answer<T> = Result<T, ApiError>;

/// 上传方案文件生成草稿 (upload a plan document into a draft)
///
/// For an office admin. The reader finds the task table, the units and the targets; the draft
/// shows them with its doubts and the collective names before anything is stored as a plan.
#[utoipa::path(
    post, path = "/plan-drafts", tag = "plan-drafts", operation_id = "create_plan_draft",
    request_body(content = PlanDraftUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "草稿 (the draft)", body = PlanDraft),
        (status = 403, description = "不是管理员 (not an admin)", body = ErrorBody),
        (status = 404, description = "区划不在权限范围内 (region out of scope)", body = ErrorBody),
        (status = 413, description = "文件过大 (the file is too large)", body = ErrorBody),
        (status = 422, description = "文件无法读取，消息指明文件 (the file cannot be read; the message names it)", body = ErrorBody),
        (status = 503, description = "读取繁忙，请稍后再试 (the readers are busy)", body = ErrorBody),
    ),
)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    multipart: Result<Multipart, MultipartRejection>,
) -> Answer<Response> {
    let c = app_caller(&caller, ip);
    // The role first: a caller who may not bring plans in has nothing read.
    kesu_app::plans::may_upload(&c)?;
    let multipart = multipart.map_err(|e| {
        AppError::BadRequest(format!("需要 multipart/form-data：{}", e.body_text()))
    })?;
    let form = files::read_form(multipart).await?;
    let region = Some(form.field("region").to_string()).filter(|r| !r.trim().is_empty());
    let file = form
        .file
        .ok_or_else(|| kesu_app::Error::invalid_field("file", "缺少文件字段 file (no file)"))?;
    let files::Upload { name, bytes } = file;
    let upload = parse::run("plan document", move || read::read_upload(&bytes, &name)).await??;
    let view = drafts::create(&ctx(&state), &c, upload, region.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(PlanDraft::from(view))).into_response())
}

/// 草稿详情 (a draft)
///
/// For an office admin covering the draft's region; another office role of that region 403.
#[utoipa::path(
    get, path = "/plan-drafts/{id}", tag = "plan-drafts", operation_id = "get_plan_draft",
    params(("id" = i64, Path, description = "草稿编号 (draft id)", example = 3)),
    responses(
        (status = 200, description = "草稿 (the draft)", body = PlanDraft),
        (status = 403, description = "不是管理员 (not an admin)", body = ErrorBody),
        (status = 404, description = "不存在或不在权限范围内 (missing or out of scope)", body = ErrorBody),
    ),
)]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Answer<Json<PlanDraft>> {
    let view = drafts::get(&ctx(&state), &app_caller(&caller, None), id).await?;
    Ok(Json(view.into()))
}

/// `If-Match: "3"` (or `3`): the version the client edited.
fn if_match(headers: &HeaderMap) -> Result<Option<i64>, AppError> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = v.to_str().unwrap_or("").trim();
    let bare = text.trim_start_matches("W/").trim_matches('"');
    // A header that is text but no version is a request we understand and refuse (422).
    bare.parse::<i64>()
        .map(Some)
        .map_err(|_| AppError::InvalidField {
            field: "If-Match".into(),
            message: format!("If-Match 应为草稿的 version，如 \"3\"，而不是 {text} (bad If-Match)"),
        })
}

/// 修改草稿中的方案 (replace the draft's plan)
///
/// The whole plan JSON, edited; an invalid one is 422 with `error.field` naming the field
/// (`tasks[3].lead[0]`).
#[utoipa::path(
    put, path = "/plan-drafts/{id}", tag = "plan-drafts", operation_id = "replace_plan_draft",
    params(
        ("id" = i64, Path, description = "草稿编号 (draft id)", example = 3),
        ("If-Match" = Option<String>, Header, description = "草稿的 version；已被他人修改则 409 (the draft's version; a stale one is 409)", example = "\"3\""),
    ),
    request_body = PlanJson,
    responses(
        (status = 200, description = "修改后的草稿 (the draft, changed)", body = PlanDraft),
        (status = 403, description = "不是管理员 (not an admin)", body = ErrorBody),
        (status = 404, description = "不存在或不在权限范围内 (missing or out of scope)", body = ErrorBody),
        (status = 409, description = "草稿已被修改或已确认 (changed since, or confirmed)", body = ErrorBody),
        (status = 422, description = "方案 JSON 无效，error.field 指明字段 (invalid plan; error.field names the field)", body = ErrorBody),
    ),
)]
async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Id(id): Id,
    headers: HeaderMap,
    body: Bytes,
) -> Answer<Json<PlanDraft>> {
    let (cx, c) = (ctx(&state), app_caller(&caller, ip));
    // Scope before the body: out of scope is 404 whatever was sent.
    drafts::version(&cx, &c, id).await?;
    let version = if_match(&headers)?;
    // Parsed into the domain plan directly: its serde path names the refused field.
    let plan = edit::parse_plan_json(&body)?;
    drafts::replace(&cx, &c, id, version, plan).await?;
    Ok(Json(drafts::get(&cx, &c, id).await?.into()))
}

/// 确认导入 (confirm the draft as a plan)
///
/// A new plan, or the next revision of the plan of the same region and title (tasks of the same
/// path keep their id). The body is optional.
#[utoipa::path(
    post, path = "/plan-drafts/{id}/confirm", tag = "plan-drafts", operation_id = "confirm_plan_draft",
    params(("id" = i64, Path, description = "草稿编号 (draft id)", example = 3)),
    request_body = Option<ConfirmDraftRequest>,
    responses(
        (status = 200, description = "已导入 (imported)", body = PlanDraftConfirmed),
        (status = 403, description = "不是管理员 (not an admin)", body = ErrorBody),
        (status = 404, description = "不存在或不在权限范围内 (missing or out of scope)", body = ErrorBody),
        (status = 409, description = "草稿已被修改或已确认 (changed since, or confirmed)", body = ErrorBody),
        (status = 422, description = "方案无法导入 (the plan cannot be imported)", body = ErrorBody),
    ),
)]
async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Id(id): Id,
    body: Bytes,
) -> Answer<Json<PlanDraftConfirmed>> {
    let (cx, c) = (ctx(&state), app_caller(&caller, ip));
    drafts::version(&cx, &c, id).await?;
    let req: ConfirmDraftRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ConfirmDraftRequest::default()
    } else {
        // `null` is no body too.
        serde_json::from_slice::<Option<ConfirmDraftRequest>>(&body)
            .map_err(|e| AppError::BadRequest(format!("请求体无效：{e} (malformed JSON)")))?
            .unwrap_or_default()
    };
    let done = drafts::confirm(&cx, &c, id, req.version).await?;
    Ok(Json(done.into()))
}
