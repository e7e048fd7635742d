//! Reports: reading one, its transitions (save, submit, return, accept, forward, unlock) and its
//! evidence files. Every change carries the version the client saw; a stale one is 409.

use super::ApiResult;
use super::extract::{ApiJson, Id};
use super::types::{
    Attachment, AttachmentUpload, ErrorBody, ReportChangeRequest, ReportDetail, ReportInput,
    ReviewRequest, VersionRequest,
};
use crate::auth::{Caller, ClientIp};
use crate::error::{ApiError, AppError};
use crate::{AppState, access, files, pages};
use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use kesu_core::authz::Action;
use kesu_core::report::Transition;
use kesu_store::reporting::ReportChange;

/// A report as the API shows it: what its page shows (the other units' input only where the
/// caller may open it).
async fn detail(state: &AppState, caller: &Caller, id: i64) -> Result<ReportDetail, AppError> {
    let v = kesu_app::reporting::view(&access::ctx(state), &access::app_caller(caller, None), id)
        .await?;
    Ok(ReportDetail {
        report: v.slot.into(),
        content: v.content,
        return_reason: v.return_reason,
        values: v.values.into_iter().map(Into::into).collect(),
        history: v.history.into_iter().map(Into::into).collect(),
        attachments: v.attachments.into_iter().map(Into::into).collect(),
        inputs: v
            .siblings
            .into_iter()
            .map(|s| ReportInput {
                report: s.slot.into(),
                content: s.content,
            })
            .collect(),
    })
}

/// Apply `t` for the caller and answer the report as it is now.
async fn transition(
    state: &AppState,
    caller: &Caller,
    id: i64,
    t: Transition,
    change: ReportChange,
    ip: Option<String>,
) -> Result<Json<ReportDetail>, ApiError> {
    pages::do_transition(state, caller, id, t, change, ip).await?;
    Ok(Json(detail(state, caller, id).await?))
}

fn edit(b: ReportChangeRequest) -> ReportChange {
    ReportChange {
        expected_version: b.version,
        content: b.content,
        values: b
            .values
            .into_iter()
            .map(|v| (v.target_id, v.value))
            .collect(),
        reason: None,
    }
}

fn review(b: ReviewRequest) -> ReportChange {
    ReportChange {
        expected_version: b.version,
        reason: b.reason,
        ..Default::default()
    }
}

/// 报告详情 (a report)
///
/// Content, values, history, evidence, and for a lead unit its cooperating units' input.
#[utoipa::path(
    get, path = "/reports/{id}", tag = "reports", operation_id = "get_report",
    params(("id" = i64, Path, description = "报告编号 (report id)", example = 1)),
    responses(
        (status = 200, description = "报告 (the report)", body = ReportDetail),
        (status = 404, description = "未找到或不在权限范围内 (not found or out of scope)", body = ErrorBody),
    ),
)]
pub(super) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<ReportDetail>, ApiError> {
    Ok(Json(detail(&state, &caller, id).await?))
}

/// 保存草稿 (save)
///
/// The report's unit writes its content and values; the report becomes (or stays) a draft.
#[utoipa::path(
    put, path = "/reports/{id}", tag = "reports", operation_id = "save_report",
    params(("id" = i64, Path, description = "报告编号 (report id)", example = 1)),
    request_body = ReportChangeRequest,
    responses(
        (status = 200, description = "已保存 (saved)", body = ReportDetail),
        (status = 403, description = "不是该报告的填报单位 (not the report's unit)", body = ErrorBody),
        (status = 404, description = "未找到或不在权限范围内 (not found or out of scope)", body = ErrorBody),
        (status = 409, description = "版本过期、状态不允许或已锁定 (stale version, state or lock)", body = ErrorBody),
        (status = 422, description = "数值无效 (a bad value)", body = ErrorBody),
    ),
)]
pub(super) async fn save(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ClientIp(ip): ClientIp,
    ApiJson(b): ApiJson<ReportChangeRequest>,
) -> Result<Json<ReportDetail>, ApiError> {
    transition(&state, &caller, id, Transition::Save, edit(b), ip).await
}

/// 提交 (submit)
///
/// The report's unit hands it in, with its last changes.
#[utoipa::path(
    post, path = "/reports/{id}/submit", tag = "reports", operation_id = "submit_report",
    params(("id" = i64, Path, description = "报告编号 (report id)", example = 1)),
    request_body = ReportChangeRequest,
    responses(
        (status = 200, description = "已提交 (submitted)", body = ReportDetail),
        (status = 403, description = "不是该报告的填报单位 (not the report's unit)", body = ErrorBody),
        (status = 404, description = "未找到或不在权限范围内 (not found or out of scope)", body = ErrorBody),
        (status = 409, description = "版本过期、状态不允许或已锁定 (stale version, state or lock)", body = ErrorBody),
        (status = 422, description = "数值无效 (a bad value)", body = ErrorBody),
    ),
)]
pub(super) async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ClientIp(ip): ClientIp,
    ApiJson(b): ApiJson<ReportChangeRequest>,
) -> Result<Json<ReportDetail>, ApiError> {
    transition(&state, &caller, id, Transition::Submit, edit(b), ip).await
}

/// 退回 (return)
///
/// A reviewer or admin over the report sends it back; a reason is required.
#[utoipa::path(
    post, path = "/reports/{id}/return", tag = "reports", operation_id = "return_report",
    params(("id" = i64, Path, description = "报告编号 (report id)", example = 1)),
    request_body = ReviewRequest,
    responses(
        (status = 200, description = "已退回 (returned)", body = ReportDetail),
        (status = 403, description = "不是审核人 (not a reviewer)", body = ErrorBody),
        (status = 404, description = "未找到或不在权限范围内 (not found or out of scope)", body = ErrorBody),
        (status = 409, description = "版本过期或状态不允许 (stale version or state)", body = ErrorBody),
        (status = 422, description = "缺少退回原因 (no reason)", body = ErrorBody),
    ),
)]
pub(super) async fn return_report(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ClientIp(ip): ClientIp,
    ApiJson(b): ApiJson<ReviewRequest>,
) -> Result<Json<ReportDetail>, ApiError> {
    transition(&state, &caller, id, Transition::Return, review(b), ip).await
}

/// 通过 (accept)
///
/// A reviewer or admin over the report accepts and locks it. Accepting a lead unit's report
/// also accepts its cooperating units' submitted input that the caller may review.
#[utoipa::path(
    post, path = "/reports/{id}/accept", tag = "reports", operation_id = "accept_report",
    params(("id" = i64, Path, description = "报告编号 (report id)", example = 1)),
    request_body = ReviewRequest,
    responses(
        (status = 200, description = "已通过 (accepted)", body = ReportDetail),
        (status = 403, description = "不是审核人 (not a reviewer)", body = ErrorBody),
        (status = 404, description = "未找到或不在权限范围内 (not found or out of scope)", body = ErrorBody),
        (status = 409, description = "版本过期或状态不允许 (stale version or state)", body = ErrorBody),
    ),
)]
pub(super) async fn accept(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ClientIp(ip): ClientIp,
    ApiJson(b): ApiJson<ReviewRequest>,
) -> Result<Json<ReportDetail>, ApiError> {
    transition(&state, &caller, id, Transition::Accept, review(b), ip).await
}

/// 县级初审通过 (forward)
///
/// In a round with 县级初审, the county office passes its county's submitted report up to the
/// round's office, which then accepts or returns it.
#[utoipa::path(
    post, path = "/reports/{id}/forward", tag = "reports", operation_id = "forward_report",
    params(("id" = i64, Path, description = "报告编号 (report id)", example = 1)),
    request_body = ReviewRequest,
    responses(
        (status = 200, description = "已报送上级 (passed up)", body = ReportDetail),
        (status = 403, description = "不是该区县的审核人 (not the county's reviewer)", body = ErrorBody),
        (status = 404, description = "未找到或不在权限范围内 (not found or out of scope)", body = ErrorBody),
        (status = 409, description = "版本过期或状态不允许 (stale version or state)", body = ErrorBody),
    ),
)]
pub(super) async fn forward(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ClientIp(ip): ClientIp,
    ApiJson(b): ApiJson<ReviewRequest>,
) -> Result<Json<ReportDetail>, ApiError> {
    transition(&state, &caller, id, Transition::Forward, review(b), ip).await
}

/// 解锁 (unlock)
///
/// An admin over the report makes an accepted report editable again.
#[utoipa::path(
    post, path = "/reports/{id}/unlock", tag = "reports", operation_id = "unlock_report",
    params(("id" = i64, Path, description = "报告编号 (report id)", example = 1)),
    request_body = ReviewRequest,
    responses(
        (status = 200, description = "已解锁 (unlocked)", body = ReportDetail),
        (status = 403, description = "不是管理员 (not an admin)", body = ErrorBody),
        (status = 404, description = "未找到或不在权限范围内 (not found or out of scope)", body = ErrorBody),
        (status = 409, description = "版本过期或状态不允许 (stale version or state)", body = ErrorBody),
    ),
)]
pub(super) async fn unlock(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ClientIp(ip): ClientIp,
    ApiJson(b): ApiJson<ReviewRequest>,
) -> Result<Json<ReportDetail>, ApiError> {
    transition(&state, &caller, id, Transition::Unlock, review(b), ip).await
}

/// 上传佐证材料 (attach evidence)
///
/// PDF, images, .xlsx or .docx, up to 20 MB. Like a save: the report must be editable and the
/// version current; the version goes up by one.
#[utoipa::path(
    post, path = "/reports/{id}/attachments", tag = "reports", operation_id = "attach_file",
    params(("id" = i64, Path, description = "报告编号 (report id)", example = 1)),
    request_body(content = AttachmentUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "已上传 (uploaded)", body = Attachment),
        (status = 403, description = "不是该报告的填报单位 (not the report's unit)", body = ErrorBody),
        (status = 404, description = "未找到或不在权限范围内 (not found or out of scope)", body = ErrorBody),
        (status = 409, description = "版本过期、状态不允许或已锁定 (stale version, state or lock)", body = ErrorBody),
        (status = 413, description = "文件过大 (too large)", body = ErrorBody),
        (status = 422, description = "缺少文件或类型不允许 (no file, or a type not accepted)", body = ErrorBody),
    ),
)]
pub(super) async fn attach(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ClientIp(ip): ClientIp,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult {
    // Scope first: an out-of-scope report is 404 whatever the body.
    access::report(&state, &caller, id, Action::Report).await?;
    let multipart = multipart.map_err(|e| {
        AppError::BadRequest(format!("需要 multipart/form-data：{}", e.body_text()))
    })?;
    let form = files::read_form(multipart).await?;
    // The form is documented as `file` and `version` (and the page's form token, ignored): a
    // part the client thinks means something (a description) is refused, not silently dropped.
    let known = |k: &str| matches!(k, "version" | "_csrf");
    if let Some(other) = form.fields.keys().find(|k| !known(k)) {
        return Err(AppError::BadRequest(format!(
            "未知的表单字段“{other}”：只接受 file 和 version (unknown form field)"
        ))
        .into());
    }
    let version = pages::parse_version(form.field("version"))?;
    let file = form
        .file
        .ok_or_else(|| AppError::Invalid("缺少文件字段 file (no file)".into()))?;
    let aid = pages::do_attach(&state, &caller, id, version, file, ip).await?;
    let a = kesu_store::reporting::attachment(&state.db, aid).await?;
    Ok((StatusCode::CREATED, Json(Attachment::from(a))).into_response())
}

/// 删除佐证材料 (remove evidence)
///
/// The same rules as a save; the report's version goes up by one.
#[utoipa::path(
    delete, path = "/attachments/{id}", tag = "reports", operation_id = "detach_file",
    params(("id" = i64, Path, description = "附件编号 (attachment id)", example = 1)),
    request_body = VersionRequest,
    responses(
        (status = 200, description = "已删除；报告 (removed; the report)", body = ReportDetail),
        (status = 403, description = "不是该报告的填报单位 (not the report's unit)", body = ErrorBody),
        (status = 404, description = "未找到或不在权限范围内 (not found or out of scope)", body = ErrorBody),
        (status = 409, description = "版本过期、状态不允许或已锁定 (stale version, state or lock)", body = ErrorBody),
    ),
)]
pub(super) async fn detach(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ClientIp(ip): ClientIp,
    ApiJson(b): ApiJson<VersionRequest>,
) -> Result<Json<ReportDetail>, ApiError> {
    let c = access::app_caller(&caller, ip);
    let (report, _) = kesu_app::reporting::detach(&access::ctx(&state), &c, id, b.version).await?;
    Ok(Json(detail(&state, &caller, report).await?))
}
