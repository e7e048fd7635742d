//! Plan drafts (方案草稿): a plan read from an uploaded document, kept while the office checks
//! and corrects it, then confirmed into a plan ([`crate::plans::import_tx`]) in the same
//! transaction that closes the draft.
//!
//! The store keeps the plan JSON and the draft's state (`state_json`: each task's place in the
//! source text, the reader's doubts, how collective names are expanded) as JSON values; their
//! shape belongs to the use cases (`kesu_app::plans`). Every change bumps `version`, and a
//! change names the version its author saw: a stale tab gets a conflict, not a lost edit.

use crate::audit::{self, Actor};
use crate::plans::{self, Expansions, ImportOutcome, Source};
use crate::{Db, StoreError, StoreResult};
use kesu_core::Plan;
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::types::Json;
use time::OffsetDateTime;

/// 待确认: still being checked.
pub const OPEN: &str = "open";
/// 已确认: stored as a plan.
pub const CONFIRMED: &str = "confirmed";

/// A draft as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Draft {
    pub id: i64,
    /// The region the plan is for (its scope: another region's office cannot see it).
    pub region_code: String,
    pub title: String,
    /// The uploaded file's name and SHA-256.
    pub source_name: String,
    pub source_sha256: String,
    /// The document's text as read, one paragraph a line.
    pub source_text: String,
    pub plan_json: Value,
    pub state_json: Value,
    pub version: i64,
    pub status: String,
    /// The plan it was confirmed into, and that plan's revision.
    pub plan_id: Option<i64>,
    pub revision: Option<i64>,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

struct DraftRow {
    id: i64,
    region_code: String,
    title: String,
    source_name: String,
    source_sha256: String,
    source_text: String,
    plan_json: Json<Value>,
    state_json: Json<Value>,
    version: i64,
    status: String,
    plan_id: Option<i64>,
    revision: Option<i64>,
    created_by: String,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}
from_row!(DraftRow {
    id: i64,
    region_code: String,
    title: String,
    source_name: String,
    source_sha256: String,
    source_text: String,
    plan_json: Json<Value>,
    state_json: Json<Value>,
    version: i64,
    status: String,
    plan_id: Option<i64>,
    revision: Option<i64>,
    created_by: String,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
});

impl From<DraftRow> for Draft {
    fn from(r: DraftRow) -> Self {
        Draft {
            id: r.id,
            region_code: r.region_code,
            title: r.title,
            source_name: r.source_name,
            source_sha256: r.source_sha256,
            source_text: r.source_text,
            plan_json: r.plan_json.0,
            state_json: r.state_json.0,
            version: r.version,
            status: r.status,
            plan_id: r.plan_id,
            revision: r.revision,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A draft as listed (without its text and plan).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Listed {
    pub id: i64,
    pub region_code: String,
    pub title: String,
    pub source_name: String,
    pub version: i64,
    pub status: String,
    pub plan_id: Option<i64>,
    pub revision: Option<i64>,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}
from_row!(Listed {
    id: i64,
    region_code: String,
    title: String,
    source_name: String,
    version: i64,
    status: String,
    plan_id: Option<i64>,
    revision: Option<i64>,
    created_by: String,
    updated_at: OffsetDateTime,
});

/// What a new draft holds.
#[derive(Debug, Clone)]
pub struct NewDraft<'a> {
    pub region_code: &'a str,
    pub source_name: &'a str,
    pub source_sha256: &'a str,
    pub source_text: &'a str,
    pub plan: &'a Plan,
    pub state: &'a Value,
}

fn plan_value(plan: &Plan) -> StoreResult<Value> {
    serde_json::to_value(plan).map_err(|e| StoreError::Invalid(format!("plan JSON: {e}")))
}

/// Store a new draft (version 1) and audit it (`plan_draft.create`, with what was read).
pub async fn insert(db: &Db, d: &NewDraft<'_>, actor: &Actor) -> StoreResult<i64> {
    let now = OffsetDateTime::now_utc();
    let plan = plan_value(d.plan)?;
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
            "INSERT INTO plan_draft (region_code, title, source_name, source_sha256, source_text,
                 plan_json, state_json, version, status, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $10, $10) RETURNING id",
        )
        .bind(d.region_code)
        .bind(&d.plan.title)
        .bind(d.source_name)
        .bind(d.source_sha256)
        .bind(d.source_text)
        .bind(Json(&plan))
        .bind(Json(d.state))
        .bind(OPEN)
        .bind(&actor.name)
        .bind(now)
        .fetch_one(&mut *c)
        .await
    })?;
    audit::record_in_region(
        &mut tx,
        actor,
        Some(d.region_code),
        "plan_draft.create",
        &format!("plan_draft:{id}"),
        None,
        Some(&json!({"source": d.source_name, "sha256": d.source_sha256,
                     "title": d.plan.title, "tasks": d.plan.tasks.len()})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

const COLS: &str = "id, region_code, title, source_name, source_sha256, source_text, plan_json,
    state_json, version, status, plan_id, revision, created_by, created_at, updated_at";

/// The draft `id`.
pub async fn get(db: &Db, id: i64) -> StoreResult<Draft> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM plan_draft WHERE id = $1"));
    let row: Option<DraftRow> =
        on_db!(db, |p| sqlx::query_as(sql).bind(id).fetch_optional(p).await)?;
    row.map(Draft::from).ok_or(StoreError::NotFound {
        what: "方案草稿",
        key: id.to_string(),
    })
}

/// The drafts of a region subtree, newest first (open ones before confirmed ones).
pub async fn list(db: &Db, region_prefix: &str, limit: i64) -> StoreResult<Vec<Listed>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, region_code, title, source_name, version, status, plan_id, revision,
                created_by, updated_at
         FROM plan_draft WHERE region_code LIKE $1 || '%'
         ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, updated_at DESC, id DESC
         LIMIT $2"
    )
    .bind(region_prefix)
    .bind(limit)
    .fetch_all(p)
    .await)?)
}

fn stale(id: i64) -> StoreError {
    StoreError::Conflict(format!(
        "方案草稿 {id} 已被修改或已确认（可能在另一个窗口），请刷新页面后再操作 (stale draft)"
    ))
}

/// A change to an open draft: its plan and its state, audited as `action` with `details`.
#[derive(Debug, Clone)]
pub struct Edit<'a> {
    pub plan: &'a Plan,
    pub state: &'a Value,
    pub action: &'a str,
    pub details: &'a Value,
}

/// Store `edit` on the open draft `id` seen at `expected_version`. Returns the new version; a
/// draft changed since, or no longer open, is a conflict and nothing is written.
pub async fn update(
    db: &Db,
    id: i64,
    expected_version: i64,
    edit: &Edit<'_>,
    actor: &Actor,
) -> StoreResult<i64> {
    let plan_json = plan_value(edit.plan)?;
    let now = OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    let region: Option<String> = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
            "UPDATE plan_draft SET plan_json = $1, state_json = $2, title = $3,
                 version = version + 1, updated_at = $4
             WHERE id = $5 AND version = $6 AND status = $7 RETURNING region_code",
        )
        .bind(Json(&plan_json))
        .bind(Json(edit.state))
        .bind(&edit.plan.title)
        .bind(now)
        .bind(id)
        .bind(expected_version)
        .bind(OPEN)
        .fetch_optional(&mut *c)
        .await
    })?;
    let region = region.ok_or_else(|| stale(id))?;
    audit::record_in_region(
        &mut tx,
        actor,
        Some(&region),
        edit.action,
        &format!("plan_draft:{id}"),
        None,
        Some(edit.details),
    )
    .await?;
    tx.commit().await?;
    Ok(expected_version + 1)
}

/// What confirming a draft stores.
#[derive(Debug, Clone)]
pub struct Confirm<'a> {
    pub expected_version: i64,
    pub plan: &'a Plan,
    pub region_name: Option<&'a str>,
    pub source: Source<'a>,
    pub expansions: &'a Expansions,
}

/// Confirm the open draft `id` seen at `c.expected_version`: store its plan (new, or a new
/// revision of the region's plan of the same title, tasks keeping their ids by path), and
/// close the draft with the plan's id and revision — one transaction, audited as
/// `plan_draft.confirm` (and `plan.import` / `plan.revise` by the import).
pub async fn confirm(
    db: &Db,
    id: i64,
    c: &Confirm<'_>,
    actor: &Actor,
) -> StoreResult<ImportOutcome> {
    let now = OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    let region: Option<String> = on_tx!(&mut tx, |x| {
        sqlx::query_scalar(
            "UPDATE plan_draft SET status = $1, version = version + 1, updated_at = $2
             WHERE id = $3 AND version = $4 AND status = $5 RETURNING region_code",
        )
        .bind(CONFIRMED)
        .bind(now)
        .bind(id)
        .bind(c.expected_version)
        .bind(OPEN)
        .fetch_optional(&mut *x)
        .await
    })?;
    let region = region.ok_or_else(|| stale(id))?;
    let outcome = plans::import_tx(
        &mut tx,
        c.plan,
        &region,
        c.region_name,
        &c.source,
        c.expansions,
        actor,
    )
    .await?;
    let (plan_id, revision) = (outcome.plan_id(), outcome.revision());
    on_tx!(&mut tx, |x| sqlx::query(
        "UPDATE plan_draft SET plan_id = $1, revision = $2 WHERE id = $3"
    )
    .bind(plan_id)
    .bind(revision)
    .bind(id)
    .execute(&mut *x)
    .await
    .map(|r| r.rows_affected()))?;
    audit::record_in_region(
        &mut tx,
        actor,
        Some(&region),
        "plan_draft.confirm",
        &format!("plan_draft:{id}"),
        None,
        Some(&json!({"plan_id": plan_id, "revision": revision, "outcome": outcome})),
    )
    .await?;
    tx.commit().await?;
    Ok(outcome)
}

/// Discard the open draft `id` seen at `expected_version`: the row goes (the audit log keeps
/// that it existed, `plan_draft.discard`).
pub async fn discard(db: &Db, id: i64, expected_version: i64, actor: &Actor) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    let gone: Option<(String, String)> = on_tx!(&mut tx, |c| {
        sqlx::query_as(
            "DELETE FROM plan_draft WHERE id = $1 AND version = $2 AND status = $3
             RETURNING region_code, title",
        )
        .bind(id)
        .bind(expected_version)
        .bind(OPEN)
        .fetch_optional(&mut *c)
        .await
    })?;
    let (region, title) = gone.ok_or_else(|| stale(id))?;
    audit::record_in_region(
        &mut tx,
        actor,
        Some(&region),
        "plan_draft.discard",
        &format!("plan_draft:{id}"),
        Some(&json!({"title": title})),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
