//! Plans (实施方案) and their tasks as the caller may see them: the office roles see the plans of
//! their region subtree; a reporter sees the plans in which its unit has tasks, and of those
//! only its own tasks. Out of scope is [`Error::NotFound`], like a missing plan.

use crate::{Caller, Ctx, Error, Principal, Result};
use kesu_core::authz::{Actor, Role, Scope};
use kesu_core::region::RegionCode;
use kesu_store::StoreError;
use kesu_store::plans::{self, PlanRow, TaskRow};

fn not_found_or(e: StoreError) -> Error {
    match e {
        StoreError::NotFound { .. } => Error::NotFound,
        other => other.into(),
    }
}

/// The signed-in account, or for the operator `None` (sees everything); the public sees no plan.
fn user(caller: &Caller) -> Result<Option<&Actor>> {
    match &caller.principal {
        Principal::User(a) => Ok(Some(a)),
        Principal::Operator => Ok(None),
        Principal::Public => Err(Error::NotFound),
    }
}

/// The plans the caller may see.
pub async fn list(ctx: &Ctx, caller: &Caller) -> Result<Vec<PlanRow>> {
    let Some(a) = user(caller)? else {
        return Ok(plans::list(&ctx.db, "").await?);
    };
    Ok(match (a.role, a.unit_id) {
        (Role::Reporter, Some(u)) => plans::of_unit(&ctx.db, u).await?,
        (Role::Reporter, None) => Vec::new(),
        _ => plans::list(&ctx.db, a.region.as_str()).await?,
    })
}

/// Plan `id` if the caller may see it.
pub async fn plan(ctx: &Ctx, caller: &Caller, id: i64) -> Result<PlanRow> {
    let a = user(caller)?;
    let plan = plans::get(&ctx.db, id).await.map_err(not_found_or)?;
    let Some(a) = a else {
        return Ok(plan);
    };
    let visible = match (a.role, a.unit_id) {
        (Role::Reporter, Some(u)) => plans::of_unit(&ctx.db, u).await?.iter().any(|p| p.id == id),
        (Role::Reporter, None) => false,
        _ => {
            let code =
                RegionCode::parse(&plan.region_code).map_err(|e| Error::Internal(e.to_string()))?;
            a.covers(&code)
        }
    };
    if visible {
        Ok(plan)
    } else {
        Err(Error::NotFound)
    }
}

/// The tasks of `plan` (seen by the caller) that the caller may see: a reporter, its unit's.
pub async fn tasks(ctx: &Ctx, caller: &Caller, plan: &PlanRow) -> Result<Vec<TaskRow>> {
    let tasks = plans::tasks(&ctx.db, plan.id).await?;
    let Some(a) = user(caller)? else {
        return Ok(tasks);
    };
    Ok(match (a.role, a.unit_id) {
        (Role::Reporter, Some(u)) => tasks
            .into_iter()
            .filter(|t| t.units.iter().any(|x| x.unit_id == u))
            .collect(),
        (Role::Reporter, None) => Vec::new(),
        _ => tasks,
    })
}

/// Task `id` if the caller may see it.
pub async fn task(ctx: &Ctx, caller: &Caller, id: i64) -> Result<TaskRow> {
    let a = user(caller)?;
    let task = plans::task(&ctx.db, id).await.map_err(not_found_or)?;
    let Some(a) = a else {
        return Ok(task);
    };
    let code = RegionCode::parse(&task.region_code).map_err(|e| Error::Internal(e.to_string()))?;
    let units: Vec<i64> = task.units.iter().map(|x| x.unit_id).collect();
    if a.can_see(&Scope {
        region: &code,
        units: &units,
    }) {
        Ok(task)
    } else {
        Err(Error::NotFound)
    }
}
