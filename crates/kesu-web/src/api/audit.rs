//! The audit log (admins, each its own region subtree).

use super::extract::ApiQuery;
use super::types::{AuditList, AuditParams, ErrorBody};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::{AppState, access, pages};
use axum::Json;
use axum::extract::State;

/// 审计日志 (the audit log)
///
/// For admins: the newest entries of the caller's region subtree matching the filters.
#[utoipa::path(
    get, path = "/audit", tag = "audit", operation_id = "search_audit",
    params(AuditParams),
    responses(
        (status = 200, description = "日志条目 (entries)", body = AuditList),
        (status = 403, description = "不是管理员 (not an admin)", body = ErrorBody),
        (status = 422, description = "日期无效 (a bad date)", body = ErrorBody),
    ),
)]
pub(super) async fn search(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AuditParams>,
) -> Result<Json<AuditList>, ApiError> {
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
    Ok(Json(AuditList {
        entries: entries.into_iter().map(Into::into).collect(),
    }))
}
