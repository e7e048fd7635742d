//! Service orders and their history rows.

use super::{subtree, utc};
use crate::{Db, StoreResult, Tx};
use serde::Serialize;
use time::{Date, OffsetDateTime};

/// An order as stored (the asker's phone only as its mask).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Order {
    pub id: i64,
    pub title: String,
    pub detail: String,
    pub category: String,
    pub region_code: String,
    pub wanted_on: Option<Date>,
    pub state: String,
    pub department_unit_id: Option<i64>,
    pub team_id: Option<i64>,
    pub dispatched_before: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    pub asker_user_id: Option<i64>,
    #[serde(skip)]
    pub asker_code: Option<String>,
    pub asker_name_masked: String,
    pub asker_phone_masked: String,
    pub report: Option<String>,
    pub stars: Option<i32>,
    pub comment: Option<String>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}
from_row!(Order {
    id: i64,
    title: String,
    detail: String,
    category: String,
    region_code: String,
    wanted_on: Option<Date>,
    state: String,
    department_unit_id: Option<i64>,
    team_id: Option<i64>,
    dispatched_before: bool,
    since: OffsetDateTime,
    due_at: Option<OffsetDateTime>,
    asker_user_id: Option<i64>,
    asker_code: Option<String>,
    asker_name_masked: String,
    asker_phone_masked: String,
    report: Option<String>,
    stars: Option<i32>,
    comment: Option<String>,
    version: i64,
    created_at: OffsetDateTime,
});

const COLS: &str = "id, title, detail, category, region_code, wanted_on, state, department_unit_id, team_id, dispatched_before, since, due_at, asker_user_id, asker_code, asker_name_masked, asker_phone_masked, report, stars, comment, version, created_at";

/// A new order.
#[derive(Debug, Clone)]
pub struct NewOrder<'a> {
    pub title: &'a str,
    pub detail: &'a str,
    pub category: &'a str,
    pub region_code: &'a str,
    pub wanted_on: Option<Date>,
    pub state: &'a str,
    pub due_at: Option<OffsetDateTime>,
    pub asker_user_id: Option<i64>,
    pub asker_code: Option<&'a str>,
    pub asker_name_masked: &'a str,
    pub asker_phone_sealed: Option<&'a [u8]>,
    pub asker_phone_masked: &'a str,
}

/// Insert an order; `None` when the asker's tracking code is taken (draw another).
pub async fn insert(
    tx: &mut Tx,
    o: &NewOrder<'_>,
    now: OffsetDateTime,
) -> StoreResult<Option<i64>> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar(
        "INSERT INTO service_order (title, detail, category, region_code, wanted_on, state,
             dispatched_before, since, due_at, asker_user_id, asker_code, asker_name_masked,
             asker_phone_sealed, asker_phone_masked, version, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 0, $8)
         ON CONFLICT DO NOTHING RETURNING id"
    )
    .bind(o.title)
    .bind(o.detail)
    .bind(o.category)
    .bind(o.region_code)
    .bind(o.wanted_on)
    .bind(o.state)
    .bind(false)
    .bind(utc(now))
    .bind(o.due_at.map(utc))
    .bind(o.asker_user_id)
    .bind(o.asker_code)
    .bind(o.asker_name_masked)
    .bind(o.asker_phone_sealed)
    .bind(o.asker_phone_masked)
    .fetch_optional(&mut *c)
    .await)?)
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Option<Order>> {
    let sql = format!("SELECT {COLS} FROM service_order WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(p)
    .await)?)
}

pub async fn get_in(tx: &mut Tx, id: i64) -> StoreResult<Option<Order>> {
    let sql = format!("SELECT {COLS} FROM service_order WHERE id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *c)
    .await)?)
}

/// The order a public asker follows with their code.
pub async fn by_asker_code(db: &Db, code: &str) -> StoreResult<Option<Order>> {
    let sql = format!("SELECT {COLS} FROM service_order WHERE asker_code = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(code)
    .fetch_optional(p)
    .await)?)
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Orders of this region subtree ("" for all).
    pub region: String,
    pub state: Option<String>,
    pub department_unit_id: Option<i64>,
    pub team_id: Option<i64>,
    pub asker_user_id: Option<i64>,
    pub limit: i64,
}

/// Orders matching `f`, newest first.
pub async fn list(db: &Db, f: &Filter) -> StoreResult<Vec<Order>> {
    let (lo, hi) = subtree(&f.region);
    let sql = format!(
        "SELECT {COLS} FROM service_order WHERE region_code >= $1 AND region_code < $2
           AND ($3 IS NULL OR state = $3) AND ($4 IS NULL OR department_unit_id = $4)
           AND ($5 IS NULL OR team_id = $5) AND ($6 IS NULL OR asker_user_id = $6)
         ORDER BY id DESC LIMIT $7"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(&lo)
    .bind(&hi)
    .bind(&f.state)
    .bind(f.department_unit_id)
    .bind(f.team_id)
    .bind(f.asker_user_id)
    .bind(f.limit.clamp(1, 5000))
    .fetch_all(p)
    .await)?)
}

/// The order's fields after a step.
#[derive(Debug, Clone)]
pub struct Update<'a> {
    pub state: &'a str,
    pub department_unit_id: Option<i64>,
    pub team_id: Option<i64>,
    pub dispatched_before: bool,
    pub since: OffsetDateTime,
    pub due_at: Option<OffsetDateTime>,
    pub report: Option<&'a str>,
    pub stars: Option<i32>,
    pub comment: Option<&'a str>,
}

/// One history row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub id: i64,
    pub order_id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    pub party: String,
    pub step: String,
    pub from_state: String,
    pub to_state: String,
    pub text: Option<String>,
    pub late: bool,
}
from_row!(Event {
    id: i64,
    order_id: i64,
    at: OffsetDateTime,
    actor: String,
    party: String,
    step: String,
    from_state: String,
    to_state: String,
    text: Option<String>,
    late: bool,
});

/// Apply a step decided by the rules: the order changes only if it is still at
/// `expected_version` (nobody acted in between), and its history row is written with it.
/// `false`: someone else was first; nothing changed.
#[allow(clippy::too_many_arguments)]
pub async fn apply(
    tx: &mut Tx,
    id: i64,
    expected_version: i64,
    u: &Update<'_>,
    actor: &str,
    party: &str,
    step: &str,
    from_state: &str,
    text: Option<&str>,
    late: bool,
) -> StoreResult<bool> {
    let n = on_tx!(tx, |c| sqlx::query(
        "UPDATE service_order SET state = $3, department_unit_id = $4, team_id = $5,
             dispatched_before = $6, since = $7, due_at = $8, report = COALESCE($9, report),
             stars = COALESCE($10, stars), comment = COALESCE($11, comment), version = version + 1
         WHERE id = $1 AND version = $2"
    )
    .bind(id)
    .bind(expected_version)
    .bind(u.state)
    .bind(u.department_unit_id)
    .bind(u.team_id)
    .bind(u.dispatched_before)
    .bind(utc(u.since))
    .bind(u.due_at.map(utc))
    .bind(u.report)
    .bind(u.stars)
    .bind(u.comment)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    if n != 1 {
        return Ok(false);
    }
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO service_order_event (order_id, at, actor, party, step, from_state, to_state, text, late)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )
    .bind(id)
    .bind(utc(u.since))
    .bind(actor)
    .bind(party)
    .bind(step)
    .bind(from_state)
    .bind(u.state)
    .bind(text)
    .bind(late)
    .execute(&mut *c)
    .await
        .map(|_| ())
    })?;
    Ok(true)
}

/// The first history row of a new order (点单).
pub async fn asked_event(tx: &mut Tx, id: i64, actor: &str, at: OffsetDateTime) -> StoreResult<()> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO service_order_event (order_id, at, actor, party, step, from_state, to_state, text, late)
         VALUES ($1, $2, $3, 'asker', 'ask', '', 'asked', NULL, $4)"
    )
    .bind(id)
    .bind(utc(at))
    .bind(actor)
    .bind(false)
    .execute(&mut *c)
    .await
        .map(|_| ())
    })?;
    Ok(())
}

/// An order's history, oldest first.
pub async fn events(db: &Db, id: i64) -> StoreResult<Vec<Event>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, order_id, at, actor, party, step, from_state, to_state, text, late
         FROM service_order_event WHERE order_id = $1 ORDER BY id"
    )
    .bind(id)
    .fetch_all(p)
    .await)?)
}
