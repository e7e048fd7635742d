//! Plans imported for good: goals, tasks, unit assignments with roles, targets, and revisions.
//!
//! A plan is identified by its region and title. Importing the same document again changes
//! nothing; a changed document becomes a new revision: tasks are matched by numbering path and
//! keep their ids (so reports stay attached), tasks gone from the document are marked removed,
//! and the list of changes is stored with the revision and returned.

use crate::audit::{self, Actor};
use crate::{Db, StoreError, StoreResult, Tx, units};
use kesu_core::plan::{Plan, Target, TargetValue, Task};
use kesu_core::plan_diff::{self, Change};
use serde::Serialize;
use serde_json::json;
use sqlx::types::Json;
use time::OffsetDateTime;

/// What an import did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ImportOutcome {
    /// A plan not seen before.
    Created {
        plan_id: i64,
        tasks: usize,
        units: usize,
    },
    /// The same document again: nothing changed.
    Unchanged { plan_id: i64, revision: i64 },
    /// A changed document: a new revision with its changes.
    Revised {
        plan_id: i64,
        revision: i64,
        changes: Vec<Change>,
    },
}

impl ImportOutcome {
    pub fn plan_id(&self) -> i64 {
        match self {
            Self::Created { plan_id, .. }
            | Self::Unchanged { plan_id, .. }
            | Self::Revised { plan_id, .. } => *plan_id,
        }
    }

    /// The plan's revision after the import.
    pub fn revision(&self) -> i64 {
        match self {
            Self::Created { .. } => 1,
            Self::Unchanged { revision, .. } | Self::Revised { revision, .. } => *revision,
        }
    }
}

/// Where an imported plan came from.
#[derive(Debug, Clone)]
pub struct Source<'a> {
    /// The file name as given.
    pub name: &'a str,
    /// SHA-256 (hex) of the file's bytes.
    pub sha256: &'a str,
}

/// A plan as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanRow {
    pub id: i64,
    pub region_code: String,
    pub title: String,
    pub level: Option<String>,
    pub period_start: Option<i64>,
    pub period_end: Option<i64>,
    pub issuer: Option<String>,
    pub revision: i64,
    pub source_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub imported_at: OffsetDateTime,
    pub task_count: i64,
}
from_row!(PlanRow {
    id: i64,
    region_code: String,
    title: String,
    level: Option<String>,
    period_start: Option<i64>,
    period_end: Option<i64>,
    issuer: Option<String>,
    revision: i64,
    source_name: String,
    imported_at: OffsetDateTime,
    task_count: i64,
});

const PLAN_COLS: &str = "p.id, p.region_code, p.title, p.level, p.period_start, p.period_end, p.issuer, p.revision, p.source_name, p.imported_at,
    (SELECT COUNT(*) FROM task t WHERE t.plan_id = p.id AND t.removed_in IS NULL) AS task_count";

/// A member a collective name (集合称谓) of a plan stands for: a region's body (registered at
/// that region's code under its name) or one of the office's member units (at the plan's
/// region).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct Member {
    pub region_code: String,
    pub name: String,
}

/// Collective names as written in a plan → the members each stands for. A task's collective
/// name with members becomes one assignment per member in the name's role; a name not here
/// (or with no members) is one unit, as written.
pub type Expansions = std::collections::BTreeMap<String, Vec<Member>>;

/// Store a parsed plan for `region_code` (`region_name` helps the unit-name normaliser).
pub async fn import(
    db: &Db,
    plan: &Plan,
    region_code: &str,
    region_name: Option<&str>,
    source: &Source<'_>,
    actor: &Actor,
) -> StoreResult<ImportOutcome> {
    let mut tx = db.begin().await?;
    let out = import_tx(
        &mut tx,
        plan,
        region_code,
        region_name,
        source,
        &Expansions::new(),
        actor,
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// [`import`] inside the caller's transaction, with collective names expanded into their
/// members: a confirmed draft is stored with its own status change, or not at all. Writes
/// nothing when the outcome is [`ImportOutcome::Unchanged`].
pub async fn import_tx(
    tx: &mut Tx,
    plan: &Plan,
    region_code: &str,
    region_name: Option<&str>,
    source: &Source<'_>,
    expansions: &Expansions,
    actor: &Actor,
) -> StoreResult<ImportOutcome> {
    if plan.tasks.is_empty() {
        return Err(StoreError::Invalid(format!(
            "{}：方案中没有任务，未导入 (the plan has no tasks)",
            source.name
        )));
    }
    let now = OffsetDateTime::now_utc();
    let existing: Option<(i64, i64, String)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT id, revision, source_sha256 FROM plan WHERE region_code = $1 AND title = $2"
    )
    .bind(region_code)
    .bind(&plan.title)
    .fetch_optional(&mut *c)
    .await)?;
    let plan_json = serde_json::to_value(plan).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let outcome = match existing {
        Some((id, revision, sha)) if sha == source.sha256 => {
            return Ok(ImportOutcome::Unchanged {
                plan_id: id,
                revision,
            });
        }
        Some((id, revision, _)) => {
            let old_json: Json<serde_json::Value> = on_tx!(tx, |c| sqlx::query_scalar(
                "SELECT plan_json FROM plan_revision WHERE plan_id = $1 AND revision = $2"
            )
            .bind(id)
            .bind(revision)
            .fetch_one(&mut *c)
            .await)?;
            let old: Plan = serde_json::from_value(old_json.0).unwrap_or_default();
            let changes = plan_diff::diff(&old, plan);
            if changes.is_empty() {
                // Different bytes, same content (re-saved file): nothing to change.
                return Ok(ImportOutcome::Unchanged {
                    plan_id: id,
                    revision,
                });
            }
            let revision = revision + 1;
            on_tx!(tx, |c| {
                sqlx::query(
                "UPDATE plan SET level = $1, period_start = $2, period_end = $3, issuer = $4, revision = $5,
                        source_name = $6, source_sha256 = $7, imported_at = $8, imported_by = $9 WHERE id = $10"
            )
            .bind(plan.level.map(|l| l.as_str()))
            .bind(plan.period.map(|p| i64::from(p[0])))
            .bind(plan.period.map(|p| i64::from(p[1])))
            .bind(&plan.issuer)
            .bind(revision)
            .bind(source.name)
            .bind(source.sha256)
            .bind(now)
            .bind(&actor.name)
            .bind(id)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
            })?;
            write_contents(tx, id, revision, plan, region_code, region_name, expansions).await?;
            ImportOutcome::Revised {
                plan_id: id,
                revision,
                changes,
            }
        }
        None => {
            let id: i64 = on_tx!(tx, |c| {
                sqlx::query_scalar(
                "INSERT INTO plan (region_code, title, level, period_start, period_end, issuer, revision,
                                   source_name, source_sha256, imported_at, imported_by)
                 VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $10) RETURNING id"
            )
            .bind(region_code)
            .bind(&plan.title)
            .bind(plan.level.map(|l| l.as_str()))
            .bind(plan.period.map(|p| i64::from(p[0])))
            .bind(plan.period.map(|p| i64::from(p[1])))
            .bind(&plan.issuer)
            .bind(source.name)
            .bind(source.sha256)
            .bind(now)
            .bind(&actor.name)
            .fetch_one(&mut *c)
            .await
            })?;
            let units =
                write_contents(tx, id, 1, plan, region_code, region_name, expansions).await?;
            ImportOutcome::Created {
                plan_id: id,
                tasks: plan.tasks.len(),
                units,
            }
        }
    };
    let (id, revision, changes) = match &outcome {
        ImportOutcome::Created { plan_id, .. } => (*plan_id, 1, Vec::new()),
        ImportOutcome::Revised {
            plan_id,
            revision,
            changes,
        } => (*plan_id, *revision, changes.clone()),
        ImportOutcome::Unchanged { .. } => unreachable_outcome()?,
    };
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO plan_revision (plan_id, revision, source_name, source_sha256, plan_json, changes_json, imported_at, imported_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(id)
    .bind(revision)
    .bind(source.name)
    .bind(source.sha256)
    .bind(Json(&plan_json))
    .bind(Json(&changes))
    .bind(now)
    .bind(&actor.name)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    audit::record_in_region(
        tx,
        actor,
        Some(region_code),
        if revision == 1 {
            "plan.import"
        } else {
            "plan.revise"
        },
        &format!("plan:{id}"),
        None,
        Some(
            &json!({"title": plan.title, "revision": revision, "source": source.name,
                     "sha256": source.sha256, "tasks": plan.tasks.len(), "changes": changes}),
        ),
    )
    .await?;
    Ok(outcome)
}

fn unreachable_outcome() -> StoreResult<(i64, i64, Vec<Change>)> {
    Err(StoreError::Invalid(
        "internal: unchanged plan reached the write path".into(),
    ))
}

/// Write tasks, assignments and targets of `plan` as revision `revision`. Returns how many
/// distinct units the plan names.
async fn write_contents(
    tx: &mut Tx,
    plan_id: i64,
    revision: i64,
    plan: &Plan,
    region_code: &str,
    region_name: Option<&str>,
    expansions: &Expansions,
) -> StoreResult<usize> {
    let mut seen_units = std::collections::BTreeSet::new();
    let mut live_paths = Vec::with_capacity(plan.tasks.len());
    for (ord, task) in plan.tasks.iter().enumerate() {
        let path = task.path_label();
        live_paths.push(path.clone());
        let task_id = upsert_task(tx, plan_id, region_code, ord, &path, task).await?;
        on_tx!(tx, |c| sqlx::query(
            "DELETE FROM task_unit WHERE task_id = $1"
        )
        .bind(task_id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        let roles = [
            ("lead", &task.lead),
            ("cooperating", &task.cooperating),
            ("responsible", &task.responsible),
        ];
        let mut n = 0i64;
        // A collective name's members leave out the units the task already names: in
        // "市科协牵头，各成员单位配合" the lead is not among its own helpers.
        let mut on_task = std::collections::BTreeSet::new();
        for (role, names) in roles {
            for name in names {
                let (units, expanded) =
                    assigned_units(tx, name, region_code, region_name, expansions).await?;
                for unit_id in units {
                    if expanded && on_task.contains(&unit_id) {
                        continue;
                    }
                    on_task.insert(unit_id);
                    seen_units.insert(unit_id);
                    on_tx!(tx, |c| {
                        sqlx::query(
                        "INSERT INTO task_unit (task_id, unit_id, role, ord) VALUES ($1, $2, $3, $4)
                         ON CONFLICT (task_id, unit_id, role) DO NOTHING"
                    )
                    .bind(task_id)
                    .bind(unit_id)
                    .bind(role)
                    .bind(n)
                    .execute(&mut *c)
                    .await
                    .map(|r| r.rows_affected())
                    })?;
                    n += 1;
                }
            }
        }
        write_targets(tx, plan_id, Some(task_id), &task.targets, revision).await?;
    }
    write_targets(tx, plan_id, None, &plan.goals, revision).await?;
    // Tasks no longer in the document are marked removed (their reports stay).
    let existing: Vec<(i64, String)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT id, path FROM task WHERE plan_id = $1 AND removed_in IS NULL"
    )
    .bind(plan_id)
    .fetch_all(&mut *c)
    .await)?;
    for (id, path) in existing {
        if !live_paths.contains(&path) {
            on_tx!(tx, |c| sqlx::query(
                "UPDATE task SET removed_in = $1 WHERE id = $2"
            )
            .bind(revision)
            .bind(id)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
        }
    }
    Ok(seen_units.len())
}

/// The units a name of a task stands for: a collective name's members (`true`), else the
/// name itself.
async fn assigned_units(
    tx: &mut Tx,
    name: &str,
    region_code: &str,
    region_name: Option<&str>,
    expansions: &Expansions,
) -> StoreResult<(Vec<i64>, bool)> {
    let members = expansions.get(name).map_or(&[][..], Vec::as_slice);
    if members.is_empty() {
        let id = units::register(tx, region_code, region_name, name).await?;
        return Ok((vec![id], false));
    }
    let mut ids = Vec::with_capacity(members.len());
    for m in members {
        // A region's body is named after the region: its own name is no prefix to drop.
        let own_name = (m.region_code == region_code)
            .then_some(region_name)
            .flatten();
        ids.push(units::register(tx, &m.region_code, own_name, &m.name).await?);
    }
    Ok((ids, true))
}

async fn upsert_task(
    tx: &mut Tx,
    plan_id: i64,
    region_code: &str,
    ord: usize,
    path: &str,
    task: &Task,
) -> StoreResult<i64> {
    let ord = i64::try_from(ord).unwrap_or(i64::MAX);
    let id: i64 = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO task (plan_id, region_code, ord, path, title, body) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (plan_id, path) DO UPDATE SET ord = excluded.ord, title = excluded.title,
             body = excluded.body, removed_in = NULL
         RETURNING id"
    )
    .bind(plan_id)
    .bind(region_code)
    .bind(ord)
    .bind(path)
    .bind(&task.title)
    .bind(&task.text)
    .fetch_one(&mut *c)
    .await
    })?;
    Ok(id)
}

/// Targets are kept by position: the n-th target of a task keeps its id (report values point at
/// it); surplus old ones are marked removed.
async fn write_targets(
    tx: &mut Tx,
    plan_id: i64,
    task_id: Option<i64>,
    targets: &[Target],
    revision: i64,
) -> StoreResult<()> {
    let existing: Vec<(i64, i64)> = on_tx!(tx, |c| {
        sqlx::query_as(
        "SELECT id, ord FROM target WHERE plan_id = $1 AND (task_id = $2 OR ($2 IS NULL AND task_id IS NULL))
         ORDER BY ord"
    )
    .bind(plan_id)
    .bind(task_id)
    .fetch_all(&mut *c)
    .await
    })?;
    for (ord, t) in targets.iter().enumerate() {
        let ord = i64::try_from(ord).unwrap_or(i64::MAX);
        let (low, high) = match t.value {
            TargetValue::Number(v) => (v, None),
            TargetValue::Range([a, b]) => (a, Some(b)),
        };
        let comparator = t.comparator.symbol();
        match existing.iter().find(|(_, o)| *o == ord) {
            Some((id, _)) => on_tx!(tx, |c| {
                sqlx::query(
                "UPDATE target SET text = $1, indicator = $2, comparator = $3, value = $4, value_high = $5,
                        unit = $6, year = $7, per = $8, removed_in = NULL WHERE id = $9"
            )
            .bind(&t.text)
            .bind(&t.indicator)
            .bind(comparator)
            .bind(low)
            .bind(high)
            .bind(&t.unit)
            .bind(t.year.map(i64::from))
            .bind(&t.per)
            .bind(id)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
            })?,
            None => on_tx!(tx, |c| {
                sqlx::query(
                "INSERT INTO target (plan_id, task_id, ord, text, indicator, comparator, value, value_high, unit, year, per)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            )
            .bind(plan_id)
            .bind(task_id)
            .bind(ord)
            .bind(&t.text)
            .bind(&t.indicator)
            .bind(comparator)
            .bind(low)
            .bind(high)
            .bind(&t.unit)
            .bind(t.year.map(i64::from))
            .bind(&t.per)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
            })?,
        };
    }
    let keep = i64::try_from(targets.len()).unwrap_or(i64::MAX);
    on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE target SET removed_in = $1 WHERE plan_id = $2 AND (task_id = $3 OR ($3 IS NULL AND task_id IS NULL))
           AND ord >= $4 AND removed_in IS NULL"
    )
    .bind(revision)
    .bind(plan_id)
    .bind(task_id)
    .bind(keep)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Plans of a region subtree, by region and id.
pub async fn list(db: &Db, region_prefix: &str) -> StoreResult<Vec<PlanRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {PLAN_COLS} FROM plan p WHERE p.region_code LIKE $1 || '%' ORDER BY p.region_code, p.id"
    ));
    Ok(on_db!(db, |p| sqlx::query_as(sql)
        .bind(region_prefix)
        .fetch_all(p)
        .await)?)
}

/// Plans in which `unit_id` has a task.
pub async fn of_unit(db: &Db, unit_id: i64) -> StoreResult<Vec<PlanRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {PLAN_COLS} FROM plan p WHERE p.id IN (SELECT t.plan_id FROM task t
           JOIN task_unit tu ON tu.task_id = t.id WHERE tu.unit_id = $1 AND t.removed_in IS NULL)
         ORDER BY p.region_code, p.id"
    ));
    Ok(on_db!(db, |p| sqlx::query_as(sql)
        .bind(unit_id)
        .fetch_all(p)
        .await)?)
}

pub async fn get(db: &Db, id: i64) -> StoreResult<PlanRow> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {PLAN_COLS} FROM plan p WHERE p.id = $1"));
    let r: Option<PlanRow> = on_db!(db, |p| sqlx::query_as(sql).bind(id).fetch_optional(p).await)?;
    r.ok_or(StoreError::NotFound {
        what: "方案",
        key: id.to_string(),
    })
}

/// The plan JSON of the current (or a given) revision: exactly what was imported.
pub async fn plan_json(db: &Db, id: i64, revision: Option<i64>) -> StoreResult<Plan> {
    let current = get(db, id).await?.revision;
    let rev = revision.unwrap_or(current);
    let j: Option<Json<serde_json::Value>> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT plan_json FROM plan_revision WHERE plan_id = $1 AND revision = $2"
    )
    .bind(id)
    .bind(rev)
    .fetch_optional(p)
    .await)?;
    let j = j.ok_or(StoreError::NotFound {
        what: "方案修订版",
        key: format!("{id}/{rev}"),
    })?;
    serde_json::from_value(j.0)
        .map_err(|e| StoreError::Invalid(format!("方案 {id} 的存档无法读取：{e}")))
}

/// A revision as listed.
#[derive(Debug, Clone, Serialize)]
pub struct Revision {
    pub revision: i64,
    pub source_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub imported_at: OffsetDateTime,
    pub imported_by: String,
    pub changes: serde_json::Value,
}

pub async fn revisions(db: &Db, id: i64) -> StoreResult<Vec<Revision>> {
    let rows: Vec<(i64, String, OffsetDateTime, String, Json<serde_json::Value>)> =
        on_db!(db, |p| {
            sqlx::query_as(
        "SELECT revision, source_name, imported_at, imported_by, changes_json FROM plan_revision
         WHERE plan_id = $1 ORDER BY revision"
    )
    .bind(id)
    .fetch_all(p)
    .await
        })?;
    Ok(rows
        .into_iter()
        .map(
            |(revision, source_name, imported_at, imported_by, c)| Revision {
                revision,
                source_name,
                imported_at,
                imported_by,
                changes: c.0,
            },
        )
        .collect())
}

/// A unit assigned to a task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assignment {
    pub unit_id: i64,
    pub unit_name: String,
    pub role: String,
}

/// A stored target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetRow {
    pub id: i64,
    pub task_id: Option<i64>,
    pub text: String,
    pub indicator: Option<String>,
    pub comparator: String,
    pub value: f64,
    pub value_high: Option<f64>,
    pub unit: Option<String>,
    pub year: Option<i64>,
    pub per: Option<String>,
}
from_row!(TargetRow {
    id: i64,
    task_id: Option<i64>,
    text: String,
    indicator: Option<String>,
    comparator: String,
    value: f64,
    value_high: Option<f64>,
    unit: Option<String>,
    year: Option<i64>,
    per: Option<String>,
});

/// A live task with its units and targets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskRow {
    pub id: i64,
    pub plan_id: i64,
    pub region_code: String,
    pub path: String,
    pub title: String,
    pub units: Vec<Assignment>,
    pub targets: Vec<TargetRow>,
}

struct TaskBase {
    id: i64,
    plan_id: i64,
    region_code: String,
    path: String,
    title: String,
}
from_row!(TaskBase {
    id: i64,
    plan_id: i64,
    region_code: String,
    path: String,
    title: String
});

struct AssignmentRow {
    task_id: i64,
    unit_id: i64,
    unit_name: String,
    role: String,
}
from_row!(AssignmentRow {
    task_id: i64,
    unit_id: i64,
    unit_name: String,
    role: String
});

/// The live tasks of a plan in document order, with units and targets.
pub async fn tasks(db: &Db, plan_id: i64) -> StoreResult<Vec<TaskRow>> {
    let base: Vec<TaskBase> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, plan_id, region_code, path, title FROM task WHERE plan_id = $1 AND removed_in IS NULL ORDER BY ord"
    )
    .bind(plan_id)
    .fetch_all(p)
    .await
    })?;
    let assigned: Vec<AssignmentRow> = on_db!(db, |p| sqlx::query_as(
        "SELECT tu.task_id, tu.unit_id, u.name AS unit_name, tu.role FROM task_unit tu
         JOIN task t ON t.id = tu.task_id JOIN unit u ON u.id = tu.unit_id
         WHERE t.plan_id = $1 ORDER BY tu.task_id, tu.ord"
    )
    .bind(plan_id)
    .fetch_all(p)
    .await)?;
    let targets: Vec<TargetRow> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, task_id, text, indicator, comparator, value, value_high, unit, year, per FROM target
         WHERE plan_id = $1 AND task_id IS NOT NULL AND removed_in IS NULL ORDER BY task_id, ord"
    )
    .bind(plan_id)
    .fetch_all(p)
    .await
    })?;
    Ok(base
        .into_iter()
        .map(|t| TaskRow {
            units: assigned
                .iter()
                .filter(|a| a.task_id == t.id)
                .map(|a| Assignment {
                    unit_id: a.unit_id,
                    unit_name: a.unit_name.clone(),
                    role: a.role.clone(),
                })
                .collect(),
            targets: targets
                .iter()
                .filter(|g| g.task_id == Some(t.id))
                .cloned()
                .collect(),
            id: t.id,
            plan_id: t.plan_id,
            region_code: t.region_code,
            path: t.path,
            title: t.title,
        })
        .collect())
}

/// One task with its units and targets.
pub async fn task(db: &Db, id: i64) -> StoreResult<TaskRow> {
    let plan_id: Option<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT plan_id FROM task WHERE id = $1 AND removed_in IS NULL"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?;
    let plan_id = plan_id.ok_or(StoreError::NotFound {
        what: "任务",
        key: id.to_string(),
    })?;
    tasks(db, plan_id)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(StoreError::NotFound {
            what: "任务",
            key: id.to_string(),
        })
}

/// The plan's goals (targets not attached to a task).
pub async fn goals(db: &Db, plan_id: i64) -> StoreResult<Vec<TargetRow>> {
    Ok(on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, task_id, text, indicator, comparator, value, value_high, unit, year, per FROM target
         WHERE plan_id = $1 AND task_id IS NULL AND removed_in IS NULL ORDER BY ord"
    )
    .bind(plan_id)
    .fetch_all(p)
    .await
    })?)
}
