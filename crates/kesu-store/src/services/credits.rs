//! Pupils, credit rules, credit sources and the append-only ledger.

use super::{subtree, utc};
use crate::{Db, StoreResult, Tx};
use serde::Serialize;
use serde_json::Value;
use sqlx::types::Json;
use time::{Date, OffsetDateTime};

/// A pupil as lists show them (the name's mask only).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pupil {
    pub id: i64,
    pub school_unit_id: i64,
    pub region_code: String,
    pub grade: String,
    pub class_name: String,
    pub name_masked: String,
    #[serde(skip)]
    pub code: String,
}
from_row!(Pupil {
    id: i64,
    school_unit_id: i64,
    region_code: String,
    grade: String,
    class_name: String,
    name_masked: String,
    code: String,
});

const PUPIL_COLS: &str = "id, school_unit_id, region_code, grade, class_name, name_masked, code";

/// A new pupil.
#[derive(Debug, Clone)]
pub struct NewPupil<'a> {
    pub school_unit_id: i64,
    pub region_code: &'a str,
    pub grade: &'a str,
    pub class_name: &'a str,
    pub name_sealed: &'a [u8],
    pub name_masked: &'a str,
    pub code: &'a str,
}

/// Insert a pupil; `None` when the code is taken (draw another).
pub async fn insert_pupil(
    tx: &mut Tx,
    p: &NewPupil<'_>,
    by: &str,
    now: OffsetDateTime,
) -> StoreResult<Option<i64>> {
    Ok(on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO service_pupil (school_unit_id, region_code, grade, class_name, name_sealed, name_masked, code, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (code) DO NOTHING RETURNING id"
    )
    .bind(p.school_unit_id)
    .bind(p.region_code)
    .bind(p.grade)
    .bind(p.class_name)
    .bind(p.name_sealed)
    .bind(p.name_masked)
    .bind(p.code)
    .bind(utc(now))
    .bind(by)
    .fetch_optional(&mut *c)
    .await
    })?)
}

pub async fn pupil(db: &Db, id: i64) -> StoreResult<Option<Pupil>> {
    let sql = format!("SELECT {PUPIL_COLS} FROM service_pupil WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(p)
    .await)?)
}

pub async fn pupil_by_code(db: &Db, code: &str) -> StoreResult<Option<Pupil>> {
    let sql = format!("SELECT {PUPIL_COLS} FROM service_pupil WHERE code = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(code)
    .fetch_optional(p)
    .await)?)
}

/// Pupils of a school, or of every school in a region subtree, by grade, class and id.
pub async fn pupils(
    db: &Db,
    region: &str,
    school_unit_id: Option<i64>,
    limit: i64,
) -> StoreResult<Vec<Pupil>> {
    let (lo, hi) = subtree(region);
    let sql = format!(
        "SELECT {PUPIL_COLS} FROM service_pupil WHERE region_code >= $1 AND region_code < $2
           AND ($3 IS NULL OR school_unit_id = $3) ORDER BY grade, class_name, id LIMIT $4"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(&lo)
    .bind(&hi)
    .bind(school_unit_id)
    .bind(limit.clamp(1, 10_000))
    .fetch_all(p)
    .await)?)
}

/// The rules versions of a region, oldest first.
pub async fn rules(db: &Db, region: &str) -> StoreResult<Vec<(i32, Value)>> {
    let rows: Vec<(i32, Json<Value>)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT version, rules_json FROM service_credit_rules WHERE region_code = $1 ORDER BY version"
    )
    .bind(region)
    .fetch_all(p)
    .await
    })?;
    Ok(rows.into_iter().map(|(v, j)| (v, j.0)).collect())
}

/// Store a new rules version; `None` when that version exists (someone saved first).
pub async fn add_rules(
    tx: &mut Tx,
    region: &str,
    version: i32,
    rules: &Value,
    by: &str,
    now: OffsetDateTime,
) -> StoreResult<Option<i64>> {
    Ok(on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO service_credit_rules (region_code, version, rules_json, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (region_code, version) DO NOTHING RETURNING id"
    )
    .bind(region)
    .bind(version)
    .bind(Json(rules))
    .bind(utc(now))
    .bind(by)
    .fetch_optional(&mut *c)
    .await
    })?)
}

/// A credit source as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    pub id: i64,
    pub kind: String,
    pub pupil_id: i64,
    pub region_code: String,
    pub on_day: Date,
    pub amount: f64,
    pub r#ref: String,
    pub note: String,
    pub voided: bool,
    pub void_reason: Option<String>,
    pub created_by: String,
}

struct SourceRow {
    id: i64,
    kind: String,
    pupil_id: i64,
    region_code: String,
    on_day: Date,
    amount: f64,
    source_ref: String,
    note: String,
    voided: bool,
    void_reason: Option<String>,
    created_by: String,
}
from_row!(SourceRow {
    id: i64,
    kind: String,
    pupil_id: i64,
    region_code: String,
    on_day: Date,
    amount: f64,
    source_ref: String,
    note: String,
    voided: bool,
    void_reason: Option<String>,
    created_by: String,
});

impl From<SourceRow> for Source {
    fn from(r: SourceRow) -> Source {
        Source {
            id: r.id,
            kind: r.kind,
            pupil_id: r.pupil_id,
            region_code: r.region_code,
            on_day: r.on_day,
            amount: r.amount,
            r#ref: r.source_ref,
            note: r.note,
            voided: r.voided,
            void_reason: r.void_reason,
            created_by: r.created_by,
        }
    }
}

const SOURCE_COLS: &str = "id, kind, pupil_id, region_code, on_day, amount, ref AS source_ref, note, voided, void_reason, created_by";

/// A new source.
#[derive(Debug, Clone)]
pub struct NewSource<'a> {
    pub kind: &'a str,
    pub pupil_id: i64,
    pub region_code: &'a str,
    pub on_day: Date,
    pub amount: f64,
    pub r#ref: &'a str,
    pub note: &'a str,
}

/// Insert a source; `None` when the same thing is already a source for the pupil.
pub async fn insert_source(
    tx: &mut Tx,
    s: &NewSource<'_>,
    by: &str,
    now: OffsetDateTime,
) -> StoreResult<Option<i64>> {
    Ok(on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO service_credit_source (kind, pupil_id, region_code, on_day, amount, ref, note, voided, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING id"
    )
    .bind(s.kind)
    .bind(s.pupil_id)
    .bind(s.region_code)
    .bind(s.on_day)
    .bind(s.amount)
    .bind(s.r#ref)
    .bind(s.note)
    .bind(false)
    .bind(utc(now))
    .bind(by)
    .fetch_optional(&mut *c)
    .await
    })?)
}

/// Void the sources with `ref` (a voided check-in voids its credits for every pupil).
pub async fn void_by_ref(tx: &mut Tx, r#ref: &str, reason: &str) -> StoreResult<u64> {
    Ok(on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE service_credit_source SET voided = $2, void_reason = $3 WHERE ref = $1 AND voided = $4"
    )
    .bind(r#ref)
    .bind(true)
    .bind(reason)
    .bind(false)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?)
}

/// Void one source.
pub async fn void_source(tx: &mut Tx, id: i64, reason: &str) -> StoreResult<bool> {
    let n = on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE service_credit_source SET voided = $2, void_reason = $3 WHERE id = $1 AND voided = $4"
    )
    .bind(id)
    .bind(true)
    .bind(reason)
    .bind(false)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

pub async fn source(db: &Db, id: i64) -> StoreResult<Option<Source>> {
    let sql = format!("SELECT {SOURCE_COLS} FROM service_credit_source WHERE id = $1");
    let r: Option<SourceRow> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_optional(p)
        .await)?;
    Ok(r.map(Into::into))
}

/// Sources of the pupils in a region subtree (or of one pupil), inside a transaction.
pub async fn sources_in(
    tx: &mut Tx,
    region: &str,
    pupil_id: Option<i64>,
) -> StoreResult<Vec<Source>> {
    let (lo, hi) = subtree(region);
    let sql = format!(
        "SELECT {SOURCE_COLS} FROM service_credit_source WHERE region_code >= $1 AND region_code < $2
           AND ($3 IS NULL OR pupil_id = $3) ORDER BY id"
    );
    let rows: Vec<SourceRow> = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&lo)
        .bind(&hi)
        .bind(pupil_id)
        .fetch_all(&mut *c)
        .await)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// A ledger entry as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub id: i64,
    pub pupil_id: i64,
    pub source_id: i64,
    pub region_code: String,
    pub term: String,
    pub points: f64,
    pub rule_version: i32,
    pub cause: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}
from_row!(Entry {
    id: i64,
    pupil_id: i64,
    source_id: i64,
    region_code: String,
    term: String,
    points: f64,
    rule_version: i32,
    cause: String,
    at: OffsetDateTime,
});

const ENTRY_COLS: &str =
    "id, pupil_id, source_id, region_code, term, points, rule_version, cause, at";

/// Entries of the pupils in a region subtree (or of one pupil), oldest first.
pub async fn entries_in(
    tx: &mut Tx,
    region: &str,
    pupil_id: Option<i64>,
) -> StoreResult<Vec<Entry>> {
    let (lo, hi) = subtree(region);
    let sql = format!(
        "SELECT {ENTRY_COLS} FROM service_credit_entry WHERE region_code >= $1 AND region_code < $2
           AND ($3 IS NULL OR pupil_id = $3) ORDER BY id"
    );
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(&lo)
    .bind(&hi)
    .bind(pupil_id)
    .fetch_all(&mut *c)
    .await)?)
}

/// A pupil's entries, oldest first.
pub async fn entries_of(db: &Db, pupil_id: i64) -> StoreResult<Vec<Entry>> {
    let sql =
        format!("SELECT {ENTRY_COLS} FROM service_credit_entry WHERE pupil_id = $1 ORDER BY id");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(pupil_id)
    .fetch_all(p)
    .await)?)
}

/// A pupil's sources, oldest first.
pub async fn sources_of(db: &Db, pupil_id: i64) -> StoreResult<Vec<Source>> {
    let sql =
        format!("SELECT {SOURCE_COLS} FROM service_credit_source WHERE pupil_id = $1 ORDER BY id");
    let rows: Vec<SourceRow> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(pupil_id)
        .fetch_all(p)
        .await)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// A new ledger entry.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub pupil_id: i64,
    pub source_id: i64,
    pub region_code: &'a str,
    pub term: &'a str,
    pub points: f64,
    pub rule_version: i32,
    pub cause: &'a str,
}

/// Append an entry (the ledger has no update or delete).
pub async fn append(tx: &mut Tx, e: &NewEntry<'_>, now: OffsetDateTime) -> StoreResult<i64> {
    Ok(on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO service_credit_entry (pupil_id, source_id, region_code, term, points, rule_version, cause, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
    )
    .bind(e.pupil_id)
    .bind(e.source_id)
    .bind(e.region_code)
    .bind(e.term)
    .bind(e.points)
    .bind(e.rule_version)
    .bind(e.cause)
    .bind(utc(now))
    .fetch_one(&mut *c)
    .await
    })?)
}

/// The pupils booked on a booking (an individual pupil's booking carries one).
pub async fn pupil_of_booking(tx: &mut Tx, booking_id: i64) -> StoreResult<Option<i64>> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT pupil_id FROM service_booking WHERE id = $1 AND pupil_id IS NOT NULL"
    )
    .bind(booking_id)
    .fetch_optional(&mut *c)
    .await)?)
}
