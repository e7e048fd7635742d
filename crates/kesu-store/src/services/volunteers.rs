//! Volunteer teams, volunteers and attendance records.

use super::{subtree, utc};
use crate::{Db, StoreResult, Tx};
use serde::Serialize;
use time::{Date, OffsetDateTime};

/// A team as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub region_code: String,
    pub unit_id: Option<i64>,
    pub leader_user_id: Option<i64>,
}
from_row!(Team {
    id: i64,
    name: String,
    region_code: String,
    unit_id: Option<i64>,
    leader_user_id: Option<i64>,
});

const TEAM_COLS: &str = "id, name, region_code, unit_id, leader_user_id";

/// Insert a team; `None` when the region has a team of that name.
pub async fn insert_team(
    tx: &mut Tx,
    name: &str,
    region_code: &str,
    unit_id: Option<i64>,
    leader_user_id: Option<i64>,
    by: &str,
    now: OffsetDateTime,
) -> StoreResult<Option<i64>> {
    Ok(on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO service_team (name, region_code, unit_id, leader_user_id, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (region_code, name) DO NOTHING RETURNING id"
    )
    .bind(name)
    .bind(region_code)
    .bind(unit_id)
    .bind(leader_user_id)
    .bind(utc(now))
    .bind(by)
    .fetch_optional(&mut *c)
    .await
    })?)
}

pub async fn team(db: &Db, id: i64) -> StoreResult<Option<Team>> {
    let sql = format!("SELECT {TEAM_COLS} FROM service_team WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(p)
    .await)?)
}

/// Teams in `region`'s subtree, by name.
pub async fn teams(db: &Db, region: &str) -> StoreResult<Vec<Team>> {
    let (lo, hi) = subtree(region);
    let sql = format!(
        "SELECT {TEAM_COLS} FROM service_team WHERE region_code >= $1 AND region_code < $2 ORDER BY region_code, name"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(&lo)
    .bind(&hi)
    .fetch_all(p)
    .await)?)
}

/// The teams an account leads.
pub async fn teams_led_by(db: &Db, user_id: i64) -> StoreResult<Vec<Team>> {
    let sql = format!("SELECT {TEAM_COLS} FROM service_team WHERE leader_user_id = $1 ORDER BY id");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(user_id)
    .fetch_all(p)
    .await)?)
}

/// A volunteer as lists show them (masks only).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Volunteer {
    pub id: i64,
    pub volunteer_no: String,
    pub region_code: String,
    pub team_id: Option<i64>,
    pub name_masked: String,
    pub phone_masked: String,
    pub skills: String,
    pub registered_on: Date,
}
from_row!(Volunteer {
    id: i64,
    volunteer_no: String,
    region_code: String,
    team_id: Option<i64>,
    name_masked: String,
    phone_masked: String,
    skills: String,
    registered_on: Date,
});

const VOL_COLS: &str =
    "id, volunteer_no, region_code, team_id, name_masked, phone_masked, skills, registered_on";

/// A new volunteer.
#[derive(Debug, Clone)]
pub struct NewVolunteer<'a> {
    pub volunteer_no: &'a str,
    pub region_code: &'a str,
    pub team_id: Option<i64>,
    pub name_sealed: &'a [u8],
    pub name_masked: &'a str,
    pub phone_sealed: &'a [u8],
    pub phone_masked: &'a str,
    pub phone_blind: &'a str,
    pub skills: &'a str,
    pub registered_on: Date,
}

/// Insert a volunteer; `None` when the phone (or the number) is registered already.
pub async fn insert_volunteer(
    tx: &mut Tx,
    v: &NewVolunteer<'_>,
    by: &str,
    now: OffsetDateTime,
) -> StoreResult<Option<i64>> {
    Ok(on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO service_volunteer (volunteer_no, region_code, team_id, name_sealed, name_masked,
             phone_sealed, phone_masked, phone_blind, skills, registered_on, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT DO NOTHING RETURNING id"
    )
    .bind(v.volunteer_no)
    .bind(v.region_code)
    .bind(v.team_id)
    .bind(v.name_sealed)
    .bind(v.name_masked)
    .bind(v.phone_sealed)
    .bind(v.phone_masked)
    .bind(v.phone_blind)
    .bind(v.skills)
    .bind(v.registered_on)
    .bind(utc(now))
    .bind(by)
    .fetch_optional(&mut *c)
    .await
    })?)
}

pub async fn volunteer(db: &Db, id: i64) -> StoreResult<Option<Volunteer>> {
    let sql = format!("SELECT {VOL_COLS} FROM service_volunteer WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(p)
    .await)?)
}

/// The volunteer registered with a phone (by its blind index).
pub async fn by_phone(db: &Db, phone_blind: &str) -> StoreResult<Option<Volunteer>> {
    let sql = format!("SELECT {VOL_COLS} FROM service_volunteer WHERE phone_blind = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(phone_blind)
    .fetch_optional(p)
    .await)?)
}

/// Volunteers in `region`'s subtree (optionally of one team), by number.
pub async fn volunteers(
    db: &Db,
    region: &str,
    team_id: Option<i64>,
    limit: i64,
) -> StoreResult<Vec<Volunteer>> {
    let (lo, hi) = subtree(region);
    let sql = format!(
        "SELECT {VOL_COLS} FROM service_volunteer WHERE region_code >= $1 AND region_code < $2
           AND ($3 IS NULL OR team_id = $3) ORDER BY volunteer_no LIMIT $4"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(&lo)
    .bind(&hi)
    .bind(team_id)
    .bind(limit.clamp(1, 10_000))
    .fetch_all(p)
    .await)?)
}

/// The sealed name and phone of a volunteer (for an audited reveal).
pub async fn sealed(db: &Db, id: i64) -> StoreResult<Option<(Vec<u8>, Vec<u8>)>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT name_sealed, phone_sealed FROM service_volunteer WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?)
}

/// An attendance record as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attendance {
    pub id: i64,
    pub volunteer_id: i64,
    pub activity_id: Option<i64>,
    pub order_id: Option<i64>,
    pub region_code: String,
    #[serde(with = "time::serde::rfc3339")]
    pub check_in: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub check_out: Option<OffsetDateTime>,
    pub corrects: Option<i64>,
    pub reason: Option<String>,
    pub recorded_by: String,
}
from_row!(Attendance {
    id: i64,
    volunteer_id: i64,
    activity_id: Option<i64>,
    order_id: Option<i64>,
    region_code: String,
    check_in: OffsetDateTime,
    check_out: Option<OffsetDateTime>,
    corrects: Option<i64>,
    reason: Option<String>,
    recorded_by: String,
});

const ATT_COLS: &str = "id, volunteer_id, activity_id, order_id, region_code, check_in, check_out, corrects, reason, recorded_by";

/// A new attendance record (a check-in, or a correction with both times).
#[derive(Debug, Clone)]
pub struct NewAttendance<'a> {
    pub volunteer_id: i64,
    pub activity_id: Option<i64>,
    pub order_id: Option<i64>,
    pub region_code: &'a str,
    pub check_in: OffsetDateTime,
    pub check_out: Option<OffsetDateTime>,
    pub corrects: Option<i64>,
    pub reason: Option<&'a str>,
}

/// Insert a record; `None` when the record it corrects has been corrected already.
pub async fn insert_attendance(
    tx: &mut Tx,
    a: &NewAttendance<'_>,
    by: &str,
    now: OffsetDateTime,
) -> StoreResult<Option<i64>> {
    Ok(on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO service_attendance (volunteer_id, activity_id, order_id, region_code, check_in,
             check_out, corrects, reason, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING id"
    )
    .bind(a.volunteer_id)
    .bind(a.activity_id)
    .bind(a.order_id)
    .bind(a.region_code)
    .bind(utc(a.check_in))
    .bind(a.check_out.map(utc))
    .bind(a.corrects)
    .bind(a.reason)
    .bind(by)
    .bind(utc(now))
    .fetch_optional(&mut *c)
    .await
    })?)
}

/// Close an open record with its check-out. `false` when it is not open.
pub async fn check_out(tx: &mut Tx, id: i64, at: OffsetDateTime) -> StoreResult<bool> {
    let n = on_tx!(tx, |c| sqlx::query(
        "UPDATE service_attendance SET check_out = $2 WHERE id = $1 AND check_out IS NULL"
    )
    .bind(id)
    .bind(utc(at))
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A volunteer's open record (checked in, not out), if any.
pub async fn open_record(tx: &mut Tx, volunteer_id: i64) -> StoreResult<Option<Attendance>> {
    let sql = format!(
        "SELECT {ATT_COLS} FROM service_attendance WHERE volunteer_id = $1 AND check_out IS NULL AND corrects IS NULL
         ORDER BY id DESC LIMIT 1"
    );
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(volunteer_id)
    .fetch_optional(&mut *c)
    .await)?)
}

/// A volunteer's records, oldest first.
pub async fn attendance(db: &Db, volunteer_id: i64) -> StoreResult<Vec<Attendance>> {
    let sql =
        format!("SELECT {ATT_COLS} FROM service_attendance WHERE volunteer_id = $1 ORDER BY id");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(volunteer_id)
    .fetch_all(p)
    .await)?)
}

pub async fn attendance_record(db: &Db, id: i64) -> StoreResult<Option<Attendance>> {
    let sql = format!("SELECT {ATT_COLS} FROM service_attendance WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(p)
    .await)?)
}

/// Every record of the volunteers in `region`'s subtree (for their hours), by volunteer.
pub async fn attendance_in(db: &Db, region: &str) -> StoreResult<Vec<Attendance>> {
    let (lo, hi) = subtree(region);
    let sql = format!(
        "SELECT a.{} FROM service_attendance a JOIN service_volunteer v ON v.id = a.volunteer_id
         WHERE v.region_code >= $1 AND v.region_code < $2 ORDER BY a.volunteer_id, a.id",
        ATT_COLS.replace(", ", ", a.")
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(&lo)
    .bind(&hi)
    .fetch_all(p)
    .await)?)
}
