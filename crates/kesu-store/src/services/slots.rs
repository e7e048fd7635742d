//! Visit slots and their places.

use super::utc;
use crate::{Db, StoreResult, Tx};
use serde::Serialize;
use time::OffsetDateTime;

/// A slot as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slot {
    pub id: i64,
    pub resource_id: Option<i64>,
    pub activity_id: Option<i64>,
    pub region_code: String,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    pub capacity: i64,
    pub booked: i64,
    pub cancelled: bool,
}
from_row!(Slot {
    id: i64,
    resource_id: Option<i64>,
    activity_id: Option<i64>,
    region_code: String,
    starts_at: OffsetDateTime,
    ends_at: OffsetDateTime,
    capacity: i64,
    booked: i64,
    cancelled: bool,
});

const COLS: &str =
    "id, resource_id, activity_id, region_code, starts_at, ends_at, capacity, booked, cancelled";

/// A new slot.
#[derive(Debug, Clone)]
pub struct NewSlot<'a> {
    pub resource_id: Option<i64>,
    pub activity_id: Option<i64>,
    pub region_code: &'a str,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub capacity: i64,
}

pub async fn insert(
    tx: &mut Tx,
    s: &NewSlot<'_>,
    by: &str,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    Ok(on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO service_slot (resource_id, activity_id, region_code, starts_at, ends_at, capacity, booked, cancelled, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9) RETURNING id"
    )
    .bind(s.resource_id)
    .bind(s.activity_id)
    .bind(s.region_code)
    .bind(utc(s.starts_at))
    .bind(utc(s.ends_at))
    .bind(s.capacity)
    .bind(false)
    .bind(utc(now))
    .bind(by)
    .fetch_one(&mut *c)
    .await
    })?)
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Option<Slot>> {
    let sql = format!("SELECT {COLS} FROM service_slot WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(p)
    .await)?)
}

/// The slot inside a transaction (its `booked` as this transaction sees it).
pub async fn get_in(tx: &mut Tx, id: i64) -> StoreResult<Option<Slot>> {
    let sql = format!("SELECT {COLS} FROM service_slot WHERE id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *c)
    .await)?)
}

/// A base's slots that end after `from`, by start time.
pub async fn of_resource(
    db: &Db,
    resource_id: i64,
    from: OffsetDateTime,
    limit: i64,
) -> StoreResult<Vec<Slot>> {
    let sql = format!(
        "SELECT {COLS} FROM service_slot WHERE resource_id = $1 AND activity_id IS NULL AND ends_at > $2
         ORDER BY starts_at, id LIMIT $3"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(resource_id)
    .bind(utc(from))
    .bind(limit)
    .fetch_all(p)
    .await)?)
}

/// An activity's registration slot.
pub async fn of_activity(db: &Db, activity_id: i64) -> StoreResult<Option<Slot>> {
    let sql = format!("SELECT {COLS} FROM service_slot WHERE activity_id = $1 ORDER BY id LIMIT 1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(activity_id)
    .fetch_optional(p)
    .await)?)
}

/// Take `n` places of slot `id` if it has them: one conditional update, so two bookings racing
/// for the last place cannot both get it on either backend (PostgreSQL re-checks the condition
/// on the row version the winner left; SQLite has one writer at a time). `false`: not enough
/// places (or the slot is cancelled), nothing changed.
pub async fn take_places(tx: &mut Tx, id: i64, n: i64) -> StoreResult<bool> {
    let changed = on_tx!(tx, |c| sqlx::query(
        "UPDATE service_slot SET booked = booked + $2
         WHERE id = $1 AND booked + $2 <= capacity AND cancelled = $3"
    )
    .bind(id)
    .bind(n)
    .bind(false)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(changed == 1)
}

/// Give back `n` places of slot `id` (a cancelled or rejected booking).
pub async fn give_back(tx: &mut Tx, id: i64, n: i64) -> StoreResult<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE service_slot SET booked = booked - $2 WHERE id = $1 AND booked >= $2"
    )
    .bind(id)
    .bind(n)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Change a slot's capacity, never below the places already booked. `false` when it would be.
pub async fn set_capacity(tx: &mut Tx, id: i64, capacity: i64) -> StoreResult<bool> {
    let changed = on_tx!(tx, |c| sqlx::query(
        "UPDATE service_slot SET capacity = $2 WHERE id = $1 AND booked <= $2"
    )
    .bind(id)
    .bind(capacity)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(changed == 1)
}

/// Cancel a slot (its bookings stay; check-in refuses them as cancelled).
pub async fn cancel(tx: &mut Tx, id: i64) -> StoreResult<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE service_slot SET cancelled = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(true)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    Ok(())
}
