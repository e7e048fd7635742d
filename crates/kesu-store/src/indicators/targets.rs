//! A plan's live targets and tasks, read for indicators (without the thousands of units a
//! village-wide task has).

use crate::plans::TargetRow;
use crate::{Db, StoreResult};
use kesu_core::plan::{Comparator, Target, TargetValue};
use serde::Serialize;
use std::collections::HashMap;

/// A live target of a plan: a goal (no task) or a task's target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanTarget {
    pub target_id: i64,
    pub task_id: Option<i64>,
    /// `二.(一).2`; empty for a goal.
    pub task_path: String,
    pub task_title: Option<String>,
    /// The task's text as found in the document.
    #[serde(skip)]
    pub task_body: Option<String>,
    pub target: Target,
}

/// A stored comparator symbol as the domain type (unknown spellings read as "at least").
fn comparator(s: &str) -> Comparator {
    match s {
        ">" => Comparator::Gt,
        ">=" => Comparator::Ge,
        "<=" => Comparator::Le,
        "<" => Comparator::Lt,
        "range" => Comparator::Range,
        _ => Comparator::Eq,
    }
}

fn to_target(t: &TargetRow) -> Target {
    let value = match (t.comparator.as_str(), t.value_high) {
        ("range", Some(hi)) => TargetValue::Range([t.value, hi]),
        _ => TargetValue::Number(t.value),
    };
    Target {
        text: t.text.clone(),
        indicator: t.indicator.clone().unwrap_or_else(|| t.text.clone()),
        comparator: comparator(&t.comparator),
        value,
        unit: t.unit.clone().unwrap_or_default(),
        year: t.year.and_then(|y| i32::try_from(y).ok()),
        per: t.per.clone(),
    }
}

struct TaskText {
    id: i64,
    path: String,
    title: String,
    body: Option<String>,
}
from_row!(TaskText {
    id: i64,
    path: String,
    title: String,
    body: Option<String>,
});

/// The plan's live goals and task targets, goals first, then tasks in document order.
pub async fn plan_targets(db: &Db, plan_id: i64) -> StoreResult<Vec<PlanTarget>> {
    // Not `plans::tasks`: a task expanded to a city's villages has ten thousand units, and no
    // indicator needs them.
    let tasks: Vec<TaskText> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, path, title, body FROM task WHERE plan_id = $1 AND removed_in IS NULL ORDER BY ord"
    )
    .bind(plan_id)
    .fetch_all(p)
    .await
    })?;
    let targets: Vec<TargetRow> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, task_id, text, indicator, comparator, value, value_high, unit, year, per FROM target
         WHERE plan_id = $1 AND removed_in IS NULL ORDER BY ord, id"
    )
    .bind(plan_id)
    .fetch_all(p)
    .await
    })?;
    let mut out: Vec<PlanTarget> = targets
        .iter()
        .filter(|g| g.task_id.is_none())
        .map(|g| PlanTarget {
            target_id: g.id,
            task_id: None,
            task_path: String::new(),
            task_title: None,
            task_body: None,
            target: to_target(g),
        })
        .collect();
    let mut by_task: HashMap<i64, Vec<&TargetRow>> = HashMap::new();
    for g in &targets {
        if let Some(t) = g.task_id {
            by_task.entry(t).or_default().push(g);
        }
    }
    for t in &tasks {
        for g in by_task.get(&t.id).into_iter().flatten() {
            out.push(PlanTarget {
                target_id: g.id,
                task_id: Some(t.id),
                task_path: t.path.clone(),
                task_title: Some(t.title.clone()),
                task_body: t.body.clone(),
                target: to_target(g),
            });
        }
    }
    Ok(out)
}

/// A live task's numbering, title and text (for classifying it by key group).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskInfo {
    pub id: i64,
    pub path: String,
    pub title: String,
    pub body: Option<String>,
}

/// Every live task of a plan in document order, without its units.
pub async fn plan_tasks(db: &Db, plan_id: i64) -> StoreResult<Vec<TaskInfo>> {
    let tasks: Vec<TaskText> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, path, title, body FROM task WHERE plan_id = $1 AND removed_in IS NULL ORDER BY ord"
    )
    .bind(plan_id)
    .fetch_all(p)
    .await
    })?;
    Ok(tasks
        .into_iter()
        .map(|t| TaskInfo {
            id: t.id,
            path: t.path,
            title: t.title,
            body: t.body,
        })
        .collect())
}

/// The tasks of a plan a unit is assigned to.
pub(super) async fn tasks_of_unit(db: &Db, plan_id: i64, unit_id: i64) -> StoreResult<Vec<i64>> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT DISTINCT tu.task_id FROM task_unit tu JOIN task t ON t.id = tu.task_id
         WHERE t.plan_id = $1 AND tu.unit_id = $2"
    )
    .bind(plan_id)
    .bind(unit_id)
    .fetch_all(p)
    .await)?)
}
