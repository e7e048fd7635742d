//! Plans and their tasks, as far as the caller may see them.

use super::extract::Id;
use super::types::{ErrorBody, PlanList, Task, TaskList};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::{AppState, access};
use axum::Json;
use axum::extract::State;

/// 可见的方案 (plans)
///
/// An office's plans in its region subtree, a unit's plans with its tasks.
#[utoipa::path(
    get, path = "/plans", tag = "plans", operation_id = "list_plans",
    responses((status = 200, description = "方案 (plans)", body = PlanList)),
)]
pub(super) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<PlanList>, ApiError> {
    let list =
        kesu_app::plans::list(&access::ctx(&state), &access::app_caller(&caller, None)).await?;
    Ok(Json(PlanList {
        plans: list.into_iter().map(Into::into).collect(),
    }))
}

/// 方案的任务 (a plan's tasks)
///
/// A reporter sees its unit's tasks only.
#[utoipa::path(
    get, path = "/plans/{id}/tasks", tag = "plans", operation_id = "list_plan_tasks",
    params(("id" = i64, Path, description = "方案编号 (plan id)", example = 1)),
    responses(
        (status = 200, description = "任务 (tasks)", body = TaskList),
        (status = 404, description = "未找到或不在权限范围内 (not found or out of scope)", body = ErrorBody),
    ),
)]
pub(super) async fn tasks(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<TaskList>, ApiError> {
    let (ctx, c) = (access::ctx(&state), access::app_caller(&caller, None));
    let plan = kesu_app::plans::plan(&ctx, &c, id).await?;
    let tasks = kesu_app::plans::tasks(&ctx, &c, &plan).await?;
    Ok(Json(TaskList {
        plan_id: id,
        tasks: tasks.into_iter().map(Into::into).collect(),
    }))
}

/// 任务详情 (a task)
#[utoipa::path(
    get, path = "/tasks/{id}", tag = "plans", operation_id = "get_task",
    params(("id" = i64, Path, description = "任务编号 (task id)", example = 1)),
    responses(
        (status = 200, description = "任务 (the task)", body = Task),
        (status = 404, description = "未找到或不在权限范围内 (not found or out of scope)", body = ErrorBody),
    ),
)]
pub(super) async fn task(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<Task>, ApiError> {
    Ok(Json(
        kesu_app::plans::task(&access::ctx(&state), &access::app_caller(&caller, None), id)
            .await?
            .into(),
    ))
}
