//! Plans and their task tables (任务分解表), as the caller may see them: the office roles see the
//! plans of their region subtree; a reporter sees the plans in which its unit has tasks, and of
//! those only its own tasks.

use super::{Layout, PageResult, UserBar, render};
use crate::auth::Caller;
use crate::error::AppError;
use crate::{AppState, access};
use askama::Template;
use axum::extract::{Path, State};
use kesu_store::plans::{self, PlanRow, TaskRow};
use std::collections::BTreeMap;

/// The plans the caller may see ([`kesu_app::plans::list`]).
pub async fn plans_in_scope(state: &AppState, caller: &Caller) -> Result<Vec<PlanRow>, AppError> {
    Ok(kesu_app::plans::list(&access::ctx(state), &access::app_caller(caller, None)).await?)
}

/// The plan `id` if the caller may see it, else 404 ([`kesu_app::plans::plan`]).
pub async fn plan_in_scope(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<PlanRow, AppError> {
    Ok(kesu_app::plans::plan(&access::ctx(state), &access::app_caller(caller, None), id).await?)
}

/// The plan's tasks the caller may see (a reporter: its unit's).
pub async fn tasks_for(
    state: &AppState,
    caller: &Caller,
    plan: &PlanRow,
) -> Result<Vec<TaskRow>, AppError> {
    Ok(
        kesu_app::plans::tasks(&access::ctx(state), &access::app_caller(caller, None), plan)
            .await?,
    )
}

/// The task `id` if the caller may see it, else 404.
pub async fn task_in_scope(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<TaskRow, AppError> {
    Ok(kesu_app::plans::task(&access::ctx(state), &access::app_caller(caller, None), id).await?)
}

/// Names of regions by code (codes without a stored region keep the code).
pub async fn region_names(
    state: &AppState,
    codes: Vec<String>,
) -> Result<BTreeMap<String, String>, AppError> {
    let mut out = BTreeMap::new();
    for code in codes {
        if let Some(r) = kesu_store::regions::get(&state.db, &code).await? {
            out.insert(code, r.name);
        }
    }
    Ok(out)
}

struct PlanLine {
    id: i64,
    title: String,
    region: String,
    period: String,
    revision: i64,
    tasks: i64,
}

#[derive(Template)]
#[template(path = "plans.html")]
struct PlansPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    plans: Vec<PlanLine>,
}

pub async fn list(State(state): State<AppState>, caller: Caller) -> PageResult {
    let l = Layout::new(&state, &caller).await?;
    let rows = plans_in_scope(&state, &caller).await?;
    let names = region_names(&state, rows.iter().map(|p| p.region_code.clone()).collect()).await?;
    let plans = rows
        .into_iter()
        .map(|p| PlanLine {
            region: names
                .get(&p.region_code)
                .cloned()
                .unwrap_or(p.region_code.clone()),
            period: match (p.period_start, p.period_end) {
                (Some(a), Some(b)) if a == b => format!("{a}"),
                (Some(a), Some(b)) => format!("{a}—{b}"),
                _ => String::new(),
            },
            id: p.id,
            title: p.title,
            revision: p.revision,
            tasks: p.task_count,
        })
        .collect();
    render(&PlansPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        plans,
    })
}

struct TaskLine {
    id: i64,
    path: String,
    title: String,
    lead: String,
    cooperating: String,
    responsible: String,
    targets: String,
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    title: String,
    region: String,
    revision: i64,
    goals: Vec<String>,
    tasks: Vec<TaskLine>,
}

fn units_of(t: &TaskRow, role: &str) -> String {
    t.units
        .iter()
        .filter(|a| a.role == role)
        .map(|a| a.unit_name.as_str())
        .collect::<Vec<_>>()
        .join("、")
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> PageResult {
    let plan = plan_in_scope(&state, &caller, id).await?;
    let l = Layout::new(&state, &caller).await?;
    let tasks = tasks_for(&state, &caller, &plan)
        .await?
        .into_iter()
        .map(|t| TaskLine {
            lead: units_of(&t, "lead"),
            cooperating: units_of(&t, "cooperating"),
            responsible: units_of(&t, "responsible"),
            targets: t
                .targets
                .iter()
                .map(|g| g.text.as_str())
                .collect::<Vec<_>>()
                .join("；"),
            id: t.id,
            path: t.path,
            title: t.title,
        })
        .collect();
    let goals = plans::goals(&state.db, id)
        .await?
        .into_iter()
        .map(|g| g.text)
        .collect();
    let names = region_names(&state, vec![plan.region_code.clone()]).await?;
    render(&PlanPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        region: names
            .get(&plan.region_code)
            .cloned()
            .unwrap_or(plan.region_code.clone()),
        title: plan.title,
        revision: plan.revision,
        goals,
        tasks,
    })
}
