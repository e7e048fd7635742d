//! The activity calendar.

use super::{subtree, utc};
use crate::{Db, StoreResult, Tx};
use serde::Serialize;
use time::OffsetDateTime;

/// An activity as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub region_code: String,
    pub place: String,
    pub key_group: Option<String>,
    pub organiser_unit_id: Option<i64>,
    pub resource_id: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    pub cancelled: bool,
    pub cancel_reason: Option<String>,
    #[serde(skip)]
    pub checkin_key: String,
}
from_row!(Activity {
    id: i64,
    title: String,
    kind: String,
    region_code: String,
    place: String,
    key_group: Option<String>,
    organiser_unit_id: Option<i64>,
    resource_id: Option<i64>,
    starts_at: OffsetDateTime,
    ends_at: OffsetDateTime,
    cancelled: bool,
    cancel_reason: Option<String>,
    checkin_key: String,
});

const COLS: &str = "id, title, kind, region_code, place, key_group, organiser_unit_id, resource_id, starts_at, ends_at, cancelled, cancel_reason, checkin_key";

/// A new activity.
#[derive(Debug, Clone)]
pub struct NewActivity<'a> {
    pub title: &'a str,
    pub kind: &'a str,
    pub region_code: &'a str,
    pub place: &'a str,
    pub key_group: Option<&'a str>,
    pub organiser_unit_id: Option<i64>,
    pub resource_id: Option<i64>,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub checkin_key: &'a str,
}

pub async fn insert(
    tx: &mut Tx,
    a: &NewActivity<'_>,
    by: &str,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    Ok(on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO service_activity (title, kind, region_code, place, key_group, organiser_unit_id,
             resource_id, starts_at, ends_at, cancelled, checkin_key, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id"
    )
    .bind(a.title)
    .bind(a.kind)
    .bind(a.region_code)
    .bind(a.place)
    .bind(a.key_group)
    .bind(a.organiser_unit_id)
    .bind(a.resource_id)
    .bind(utc(a.starts_at))
    .bind(utc(a.ends_at))
    .bind(false)
    .bind(a.checkin_key)
    .bind(utc(now))
    .bind(by)
    .fetch_one(&mut *c)
    .await
    })?)
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Option<Activity>> {
    let sql = format!("SELECT {COLS} FROM service_activity WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(p)
    .await)?)
}

pub async fn get_in(tx: &mut Tx, id: i64) -> StoreResult<Option<Activity>> {
    let sql = format!("SELECT {COLS} FROM service_activity WHERE id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *c)
    .await)?)
}

/// Activities in `region`'s subtree that end after `from` and start before `to`, by start.
pub async fn between(
    db: &Db,
    region: &str,
    from: OffsetDateTime,
    to: OffsetDateTime,
    limit: i64,
) -> StoreResult<Vec<Activity>> {
    let (lo, hi) = subtree(region);
    let sql = format!(
        "SELECT {COLS} FROM service_activity
         WHERE region_code >= $1 AND region_code < $2 AND ends_at > $3 AND starts_at < $4
         ORDER BY starts_at, id LIMIT $5"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(&lo)
    .bind(&hi)
    .bind(utc(from))
    .bind(utc(to))
    .bind(limit.clamp(1, 5000))
    .fetch_all(p)
    .await)?)
}

/// Cancel an activity and its registration slot.
pub async fn cancel(tx: &mut Tx, id: i64, reason: &str) -> StoreResult<bool> {
    let n = on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE service_activity SET cancelled = $2, cancel_reason = $3 WHERE id = $1 AND cancelled = $4"
    )
    .bind(id)
    .bind(true)
    .bind(reason)
    .bind(false)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    on_tx!(tx, |c| sqlx::query(
        "UPDATE service_slot SET cancelled = $2 WHERE activity_id = $1"
    )
    .bind(id)
    .bind(true)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    Ok(n == 1)
}
