//! Bookings of slots. Personal values arrive sealed (ciphertext, mask, blind index).

use super::{subtree, utc};
use crate::{Db, StoreResult, Tx};
use serde::Serialize;
use time::OffsetDateTime;

/// A booking as lists show it: masks only, never the ciphertext.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Booking {
    pub id: i64,
    pub slot_id: i64,
    pub region_code: String,
    pub code: String,
    pub kind: String,
    pub organisation: Option<String>,
    pub people: i64,
    pub state: String,
    pub reason: Option<String>,
    pub name_masked: String,
    pub phone_masked: String,
    pub pupil_id: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}
from_row!(Booking {
    id: i64,
    slot_id: i64,
    region_code: String,
    code: String,
    kind: String,
    organisation: Option<String>,
    people: i64,
    state: String,
    reason: Option<String>,
    name_masked: String,
    phone_masked: String,
    pupil_id: Option<i64>,
    created_at: OffsetDateTime,
});

const COLS: &str = "id, slot_id, region_code, code, kind, organisation, people, state, reason, name_masked, phone_masked, pupil_id, created_at";

/// A new booking.
#[derive(Debug, Clone)]
pub struct NewBooking<'a> {
    pub slot_id: i64,
    pub region_code: &'a str,
    pub code: &'a str,
    pub kind: &'a str,
    pub organisation: Option<&'a str>,
    pub people: i64,
    pub state: &'a str,
    pub name_sealed: &'a [u8],
    pub name_masked: &'a str,
    pub phone_sealed: &'a [u8],
    pub phone_masked: &'a str,
    pub phone_blind: &'a str,
    pub pupil_id: Option<i64>,
}

/// Insert a booking; `None` when its code is taken (draw another and retry).
pub async fn insert(
    tx: &mut Tx,
    b: &NewBooking<'_>,
    now: OffsetDateTime,
) -> StoreResult<Option<i64>> {
    Ok(on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO service_booking (slot_id, region_code, code, kind, organisation, people, state,
             name_sealed, name_masked, phone_sealed, phone_masked, phone_blind, pupil_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
         ON CONFLICT (code) DO NOTHING RETURNING id"
    )
    .bind(b.slot_id)
    .bind(b.region_code)
    .bind(b.code)
    .bind(b.kind)
    .bind(b.organisation)
    .bind(b.people)
    .bind(b.state)
    .bind(b.name_sealed)
    .bind(b.name_masked)
    .bind(b.phone_sealed)
    .bind(b.phone_masked)
    .bind(b.phone_blind)
    .bind(b.pupil_id)
    .bind(utc(now))
    .fetch_optional(&mut *c)
    .await
    })?)
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Option<Booking>> {
    let sql = format!("SELECT {COLS} FROM service_booking WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(p)
    .await)?)
}

/// The booking with `code` (canonical form), inside a transaction.
pub async fn by_code_in(tx: &mut Tx, code: &str) -> StoreResult<Option<Booking>> {
    let sql = format!("SELECT {COLS} FROM service_booking WHERE code = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(code)
    .fetch_optional(&mut *c)
    .await)?)
}

pub async fn by_code(db: &Db, code: &str) -> StoreResult<Option<Booking>> {
    let sql = format!("SELECT {COLS} FROM service_booking WHERE code = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(code)
    .fetch_optional(p)
    .await)?)
}

/// The sealed name and phone of a booking (for an audited reveal).
pub async fn sealed(db: &Db, id: i64) -> StoreResult<Option<(Vec<u8>, Vec<u8>)>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT name_sealed, phone_sealed FROM service_booking WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?)
}

/// A slot's bookings, oldest first.
pub async fn of_slot(db: &Db, slot_id: i64) -> StoreResult<Vec<Booking>> {
    let sql = format!("SELECT {COLS} FROM service_booking WHERE slot_id = $1 ORDER BY id");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(slot_id)
    .fetch_all(p)
    .await)?)
}

/// Bookings in `region`'s subtree, optionally in one state, newest first.
pub async fn in_region(
    db: &Db,
    region: &str,
    state: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<Booking>> {
    let (lo, hi) = subtree(region);
    let sql = format!(
        "SELECT {COLS} FROM service_booking WHERE region_code >= $1 AND region_code < $2
           AND ($3 IS NULL OR state = $3) ORDER BY id DESC LIMIT $4"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(&lo)
    .bind(&hi)
    .bind(state)
    .bind(limit.clamp(1, 5000))
    .fetch_all(p)
    .await)?)
}

/// Set a booking's state (and the reason of a rejection or an office's cancellation).
pub async fn set_state(
    tx: &mut Tx,
    id: i64,
    state: &str,
    reason: Option<&str>,
    now: OffsetDateTime,
) -> StoreResult<()> {
    on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE service_booking SET state = $2, reason = COALESCE($3, reason), updated_at = $4 WHERE id = $1"
    )
    .bind(id)
    .bind(state)
    .bind(reason)
    .bind(utc(now))
    .execute(&mut *c)
    .await
        .map(|_| ())
    })?;
    Ok(())
}

/// The end times of a phone's no-shows since `since`: confirmed bookings of slots that ended by
/// `now` and were never checked in (nor cancelled by the base).
pub async fn no_shows(
    tx: &mut Tx,
    phone_blind: &str,
    since: OffsetDateTime,
    now: OffsetDateTime,
) -> StoreResult<Vec<OffsetDateTime>> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT s.ends_at FROM service_booking b JOIN service_slot s ON s.id = b.slot_id
         WHERE b.phone_blind = $1 AND b.state = 'confirmed' AND s.cancelled = $2
           AND s.ends_at >= $3 AND s.ends_at <= $4"
    )
    .bind(phone_blind)
    .bind(false)
    .bind(utc(since))
    .bind(utc(now))
    .fetch_all(&mut *c)
    .await)?)
}
