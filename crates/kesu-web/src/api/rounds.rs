//! Reporting rounds and their status matrix.

use super::ApiResult;
use super::extract::{ApiJson, Id};
use super::types::{ErrorBody, Matrix, MatrixCell, OpenRoundRequest, Round, RoundList, TaskRole};
use crate::auth::{Caller, ClientIp};
use crate::error::ApiError;
use crate::{AppState, access, pages};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use kesu_core::report;

/// 可见的填报轮次 (rounds)
///
/// Newest first: an office's rounds in its subtree, a unit's rounds with its reports.
#[utoipa::path(
    get, path = "/rounds", tag = "rounds", operation_id = "list_rounds",
    responses((status = 200, description = "填报轮次 (rounds)", body = RoundList)),
)]
pub(super) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<RoundList>, ApiError> {
    let list = pages::visible_rounds(&state, &caller).await?;
    Ok(Json(RoundList {
        rounds: list.into_iter().map(Into::into).collect(),
    }))
}

/// 开启填报轮次 (open a round)
///
/// For an admin over the plan's region: one report per task and assigned unit, whose users are
/// notified.
#[utoipa::path(
    post, path = "/rounds", tag = "rounds", operation_id = "open_round",
    request_body = OpenRoundRequest,
    responses(
        (status = 201, description = "已开启 (opened)", body = Round),
        (status = 403, description = "不是该地区的管理员 (not an admin of the plan's region)", body = ErrorBody),
        (status = 404, description = "方案未找到或不在权限范围内 (plan not found or out of scope)", body = ErrorBody),
        (status = 422, description = "周期或日期无效、锁定早于截止、该周期已有轮次 (bad period or dates, or a round for the period exists)", body = ErrorBody),
    ),
)]
pub(super) async fn open(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    ApiJson(b): ApiJson<OpenRoundRequest>,
) -> ApiResult {
    let form = kesu_app::reporting::rounds::RoundForm {
        plan_id: b.plan_id,
        period: b.period,
        due: b.due,
        lock: b.lock,
        county_check: b.county_check,
    };
    let id = pages::do_open_round(&state, &caller, &form, ip).await?;
    let round = kesu_store::reporting::round(&state.db, id).await?;
    Ok((StatusCode::CREATED, Json(Round::from(round))).into_response())
}

/// 填报状态矩阵 (a round's status matrix)
///
/// The round's reports the caller may open, with counts and lights.
#[utoipa::path(
    get, path = "/rounds/{id}/matrix", tag = "rounds", operation_id = "round_matrix",
    params(("id" = i64, Path, description = "轮次编号 (round id)", example = 1)),
    responses(
        (status = 200, description = "状态矩阵 (the matrix)", body = Matrix),
        (status = 404, description = "未找到或不在权限范围内 (not found or out of scope)", body = ErrorBody),
    ),
)]
pub(super) async fn matrix(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<Matrix>, ApiError> {
    let r = access::round(&state, &caller, id).await?;
    let today = state.today();
    let slots = pages::visible_slots(&state, &caller, &r).await?;
    let counts = pages::Counts::of(&slots, today, r.due_date);
    let cells = slots
        .into_iter()
        .map(|s| {
            let st = s.state();
            let submitted = s.submitted_on();
            MatrixCell {
                light: report::light(st, submitted, today, r.due_date).into(),
                late: report::is_late(st, submitted, today, r.due_date),
                state: st.into(),
                role: TaskRole::of(&s.role),
                report_id: s.id,
                task_id: s.task_id,
                task_path: s.task_path,
                task_title: s.task_title,
                unit_id: s.unit_id,
                unit_name: s.unit_name,
                version: s.version,
            }
        })
        .collect();
    Ok(Json(Matrix {
        round: r.into(),
        today,
        counts: counts.into(),
        cells,
    }))
}
