//! Check-ins: one per booking and one per client key, enforced by unique constraints.

use super::{subtree, utc};
use crate::{Db, StoreResult, Tx};
use serde::Serialize;
use time::OffsetDateTime;

/// A check-in as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checkin {
    pub id: i64,
    pub booking_id: i64,
    pub client_key: String,
    /// `activity:7` or `base:3`.
    pub place: String,
    pub region_code: String,
    pub people: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub offline: bool,
    pub by_actor: String,
    pub voided: bool,
}
from_row!(Checkin {
    id: i64,
    booking_id: i64,
    client_key: String,
    place: String,
    region_code: String,
    people: i64,
    at: OffsetDateTime,
    offline: bool,
    by_actor: String,
    voided: bool,
});

const COLS: &str =
    "id, booking_id, client_key, place, region_code, people, at, offline, by_actor, voided";

/// The check-in of a booking, if any.
pub async fn of_booking(tx: &mut Tx, booking_id: i64) -> StoreResult<Option<Checkin>> {
    let sql = format!("SELECT {COLS} FROM service_checkin WHERE booking_id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(booking_id)
    .fetch_optional(&mut *c)
    .await)?)
}

/// The check-in of a booking, outside a transaction (pages).
pub async fn for_booking(db: &Db, booking_id: i64) -> StoreResult<Option<Checkin>> {
    let sql = format!("SELECT {COLS} FROM service_checkin WHERE booking_id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(booking_id)
    .fetch_optional(p)
    .await)?)
}

/// The check-in a client key made, if any.
pub async fn by_key(tx: &mut Tx, key: &str) -> StoreResult<Option<Checkin>> {
    let sql = format!("SELECT {COLS} FROM service_checkin WHERE client_key = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(key)
    .fetch_optional(&mut *c)
    .await)?)
}

/// A new check-in.
#[derive(Debug, Clone)]
pub struct NewCheckin<'a> {
    pub booking_id: i64,
    pub client_key: &'a str,
    pub place: &'a str,
    pub region_code: &'a str,
    pub people: i64,
    pub at: OffsetDateTime,
    pub received_at: OffsetDateTime,
    pub offline: bool,
    pub by_actor: &'a str,
}

/// Store a check-in; `None` when the booking or the key already has one (a concurrent scan won:
/// read it back with [`of_booking`] / [`by_key`]).
pub async fn insert(tx: &mut Tx, n: &NewCheckin<'_>) -> StoreResult<Option<i64>> {
    Ok(on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO service_checkin (booking_id, client_key, place, region_code, people, at, received_at, offline, by_actor, voided)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT DO NOTHING RETURNING id"
    )
    .bind(n.booking_id)
    .bind(n.client_key)
    .bind(n.place)
    .bind(n.region_code)
    .bind(n.people)
    .bind(utc(n.at))
    .bind(utc(n.received_at))
    .bind(n.offline)
    .bind(n.by_actor)
    .bind(false)
    .fetch_optional(&mut *c)
    .await
    })?)
}

/// Void a check-in made in error (it stays, marked, and no longer counts).
pub async fn void(tx: &mut Tx, id: i64, reason: &str) -> StoreResult<bool> {
    let n = on_tx!(tx, |c| sqlx::query(
        "UPDATE service_checkin SET voided = $2, void_reason = $3 WHERE id = $1 AND voided = $4"
    )
    .bind(id)
    .bind(true)
    .bind(reason)
    .bind(false)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Option<Checkin>> {
    let sql = format!("SELECT {COLS} FROM service_checkin WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(p)
    .await)?)
}

/// The check-ins at a place, newest first.
pub async fn at_place(db: &Db, place: &str, limit: i64) -> StoreResult<Vec<Checkin>> {
    let sql =
        format!("SELECT {COLS} FROM service_checkin WHERE place = $1 ORDER BY id DESC LIMIT $2");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(place)
    .bind(limit)
    .fetch_all(p)
    .await)?)
}

/// Counts of check-ins (rows and people) in a region subtree, not voided.
pub async fn totals(db: &Db, region: &str) -> StoreResult<(i64, i64)> {
    let (lo, hi) = subtree(region);
    let (n, p): (i64, i64) = on_db!(db, |p| sqlx::query_as(
        "SELECT COUNT(*), COALESCE(CAST(SUM(people) AS BIGINT), 0) FROM service_checkin
         WHERE region_code >= $1 AND region_code < $2 AND voided = $3"
    )
    .bind(&lo)
    .bind(&hi)
    .bind(false)
    .fetch_one(p)
    .await)?;
    Ok((n, p))
}
