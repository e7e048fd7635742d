//! The audit log: who changed what, when, with the object's state before and after.
//!
//! Every store function that writes takes an [`Actor`] and calls [`record`] inside its own
//! transaction, so a change and its audit row commit together or not at all.
//!
//! Rows carry the region of what they are about, so that each office reads its own subtree
//! (`kesu_core::visibility`): an object's region when the caller gives it, and for rows about an
//! account (`user:N`: sign-ins, password changes, lockouts; `session:N`) the account's region,
//! looked up here. Rows left without a region (the division table, the whole installation) are
//! for the top-level office only.

use crate::{Db, StoreResult, Tx};
use serde::Serialize;
use serde_json::Value;
use sqlx::types::Json;
use time::OffsetDateTime;

/// Who makes a change: the CLI user, a signed-in web user, or `system`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub name: String,
    /// The web request that made the change, if any.
    pub request_id: Option<String>,
    /// The client's address, if any.
    pub ip: Option<String>,
}

impl Actor {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            request_id: None,
            ip: None,
        }
    }

    /// Changes Kesu makes by itself (migrations, the demo).
    pub fn system() -> Self {
        Self::new("system")
    }

    /// The user running the CLI: `$USER` (or `%USERNAME%`), else `system`.
    pub fn cli() -> Self {
        let name = ["USER", "USERNAME"]
            .iter()
            .filter_map(|k| std::env::var(k).ok())
            .find(|v| !v.trim().is_empty())
            .unwrap_or_else(|| "system".to_string());
        Self::new(name)
    }
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    /// What was done: `region.import`, `plan.import`, `unit.merge`, …
    pub action: String,
    /// What it was done to: `plan:12`, `unit:3`, `regions:2023`.
    pub object: String,
    pub region_code: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

struct AuditRow {
    id: i64,
    at: OffsetDateTime,
    actor: String,
    request_id: Option<String>,
    ip: Option<String>,
    action: String,
    object: String,
    region_code: Option<String>,
    before_json: Option<Json<Value>>,
    after_json: Option<Json<Value>>,
}
from_row!(AuditRow {
    id: i64,
    at: OffsetDateTime,
    actor: String,
    request_id: Option<String>,
    ip: Option<String>,
    action: String,
    object: String,
    region_code: Option<String>,
    before_json: Option<Json<Value>>,
    after_json: Option<Json<Value>>,
});

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        Self {
            id: r.id,
            at: r.at,
            actor: r.actor,
            request_id: r.request_id,
            ip: r.ip,
            action: r.action,
            object: r.object,
            region_code: r.region_code,
            before: r.before_json.map(|j| j.0),
            after: r.after_json.map(|j| j.0),
        }
    }
}

/// Record a change in the audit log, inside the transaction that makes it. A row about an
/// account (`user:N`, `session:N`) is filed under the account's region.
pub async fn record(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    object: &str,
    before: Option<&Value>,
    after: Option<&Value>,
) -> StoreResult<i64> {
    record_in_region(tx, actor, None, action, object, before, after).await
}

/// [`record`], tagged with the region the object belongs to (for per-region audit views).
/// Without one, a row about an account still gets the account's region.
pub async fn record_in_region(
    tx: &mut Tx,
    actor: &Actor,
    region_code: Option<&str>,
    action: &str,
    object: &str,
    before: Option<&Value>,
    after: Option<&Value>,
) -> StoreResult<i64> {
    let now = OffsetDateTime::now_utc();
    let region_code = match region_code {
        Some(r) => Some(r.to_string()),
        None => account_region(tx, actor, object).await?,
    };
    let id = on_tx!(tx, |c| {
        sqlx::query_scalar::<_, i64>(
        "INSERT INTO audit_log (at, actor, request_id, ip, action, object, region_code, before_json, after_json)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
    )
    .bind(now)
    .bind(&actor.name)
    .bind(&actor.request_id)
    .bind(&actor.ip)
    .bind(action)
    .bind(object)
    .bind(&region_code)
    .bind(before.map(Json))
    .bind(after.map(Json))
    .fetch_one(&mut *c)
    .await
    })?;
    Ok(id)
}

/// The region of the account a row is about: `user:N` is account N; `session:N` is the
/// session's account, or — a session already ended — the acting account (a user ends their
/// own session). `None` for anything else.
async fn account_region(tx: &mut Tx, actor: &Actor, object: &str) -> StoreResult<Option<String>> {
    let id = |prefix: &str| {
        object
            .strip_prefix(prefix)
            .and_then(|n| n.parse::<i64>().ok())
    };
    if let Some(user) = id("user:") {
        return Ok(on_tx!(tx, |c| sqlx::query_scalar(
            "SELECT region_code FROM app_user WHERE id = $1"
        )
        .bind(user)
        .fetch_optional(&mut *c)
        .await)?);
    }
    if let Some(session) = id("session:") {
        return Ok(on_tx!(tx, |c| sqlx::query_scalar(
            "SELECT u.region_code FROM app_user u
             WHERE u.id = (SELECT user_id FROM session WHERE id = $1)
                OR (NOT EXISTS (SELECT 1 FROM session WHERE id = $1) AND u.username = $2)"
        )
        .bind(session)
        .bind(&actor.name)
        .fetch_optional(&mut *c)
        .await)?);
    }
    Ok(None)
}

/// Whether the installation works in a region outside `region`'s subtree: a plan's or an
/// account's. When it works in none, an admin of `region` is the top-level office and reads
/// the rows without a region. (The division table is reference data — often the whole
/// country — and does not count.)
pub async fn knows_regions_outside(db: &Db, region: &str) -> StoreResult<bool> {
    let outside: bool = on_db!(db, |p| sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM plan WHERE region_code NOT LIKE $1 || '%')
             OR EXISTS (SELECT 1 FROM app_user WHERE region_code NOT LIKE $1 || '%')"
    )
    .bind(region)
    .fetch_one(p)
    .await)?;
    Ok(outside)
}

/// The newest `limit` entries, newest first.
pub async fn recent(db: &Db, limit: i64) -> StoreResult<Vec<AuditEntry>> {
    let rows: Vec<AuditRow> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, at, actor, request_id, ip, action, object, region_code, before_json, after_json
         FROM audit_log ORDER BY id DESC LIMIT $1"
    )
    .bind(limit)
    .fetch_all(p)
    .await
    })?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// The actions recorded in the entries of region subtree `region` (`None`: all), for the
/// audit page's action filter.
pub async fn actions(db: &Db, region: Option<&str>, unregioned: bool) -> StoreResult<Vec<String>> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT DISTINCT action FROM audit_log
         WHERE ($1 IS NULL OR region_code LIKE $1 || '%' OR ($2 AND region_code IS NULL))
         ORDER BY action"
    )
    .bind(region)
    .bind(unregioned)
    .fetch_all(p)
    .await)?)
}

/// Every entry about `object` (e.g. `plan:3`), oldest first.
pub async fn for_object(db: &Db, object: &str) -> StoreResult<Vec<AuditEntry>> {
    let rows: Vec<AuditRow> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, at, actor, request_id, ip, action, object, region_code, before_json, after_json
         FROM audit_log WHERE object = $1 ORDER BY id"
    )
    .bind(object)
    .fetch_all(p)
    .await
    })?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// What to look for in the audit log (the audit page's filters). Every field narrows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Entries of objects in this region subtree (`None`: every region).
    pub region: Option<String>,
    /// Also the entries with no region (system-wide): for the top-level office only.
    pub unregioned: bool,
    pub actor: Option<String>,
    /// An action or its prefix (`report.` matches every report action).
    pub action: Option<String>,
    pub object: Option<String>,
    /// First and last day (UTC dates of `at`), inclusive.
    pub from: Option<time::Date>,
    pub to: Option<time::Date>,
}

/// Entries matching `f`, newest first, at most `limit`.
pub async fn search(db: &Db, f: &Filter, limit: i64) -> StoreResult<Vec<AuditEntry>> {
    search_page(db, f, 0, limit).await
}

/// Entries matching `f`, newest first: `limit` of them after skipping `offset` (a page).
pub async fn search_page(
    db: &Db,
    f: &Filter,
    offset: i64,
    limit: i64,
) -> StoreResult<Vec<AuditEntry>> {
    let from = f.from.map(|d| d.midnight().assume_utc());
    let to =
        f.to.and_then(|d| d.next_day())
            .map(|d| d.midnight().assume_utc());
    let rows: Vec<AuditRow> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, at, actor, request_id, ip, action, object, region_code, before_json, after_json
         FROM audit_log
         WHERE ($1 IS NULL OR region_code LIKE $1 || '%' OR ($8 AND region_code IS NULL))
           AND ($2 IS NULL OR actor = $2)
           AND ($3 IS NULL OR action LIKE $3 || '%')
           AND ($4 IS NULL OR object = $4)
           AND ($5 IS NULL OR at >= $5)
           AND ($6 IS NULL OR at < $6)
         ORDER BY id DESC LIMIT $7 OFFSET $9"
    )
    .bind(&f.region)
    .bind(&f.actor)
    .bind(&f.action)
    .bind(&f.object)
    .bind(from)
    .bind(to)
    .bind(limit)
    .bind(f.unregioned)
    .bind(offset)
    .fetch_all(p)
    .await
    })?;
    Ok(rows.into_iter().map(Into::into).collect())
}
