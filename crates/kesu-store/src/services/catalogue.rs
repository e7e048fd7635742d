//! The resource catalogue and the bases' certifications and reviews.

use super::{contains_pattern, subtree, utc};
use crate::{Db, StoreResult, Tx};
use serde::Serialize;
use time::{Date, OffsetDateTime};

/// A catalogue entry as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resource {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub region_code: String,
    pub address: String,
    pub groups: String,
    pub description: String,
    pub owner_unit_id: Option<i64>,
    pub published: bool,
    #[serde(skip)]
    pub checkin_key: String,
    pub updated_at: OffsetDateTime,
}
from_row!(Resource {
    id: i64,
    kind: String,
    name: String,
    region_code: String,
    address: String,
    groups: String,
    description: String,
    owner_unit_id: Option<i64>,
    published: bool,
    checkin_key: String,
    updated_at: OffsetDateTime,
});

const COLS: &str = "id, kind, name, region_code, address, groups, description, owner_unit_id, published, checkin_key, updated_at";

/// A new entry (validated by the rules).
#[derive(Debug, Clone)]
pub struct NewResource<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub region_code: &'a str,
    pub address: &'a str,
    pub groups: &'a str,
    pub description: &'a str,
    pub owner_unit_id: Option<i64>,
    pub checkin_key: &'a str,
}

/// Insert an entry; `None` when the region already has one of that kind and name.
pub async fn insert(
    tx: &mut Tx,
    r: &NewResource<'_>,
    by: &str,
    now: OffsetDateTime,
) -> StoreResult<Option<i64>> {
    let now = utc(now);
    Ok(on_tx!(tx, |c| sqlx::query_scalar(
        "INSERT INTO service_resource (kind, name, region_code, address, groups, description,
             owner_unit_id, published, checkin_key, created_at, created_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10)
         ON CONFLICT (region_code, kind, name) DO NOTHING RETURNING id"
    )
    .bind(r.kind)
    .bind(r.name)
    .bind(r.region_code)
    .bind(r.address)
    .bind(r.groups)
    .bind(r.description)
    .bind(r.owner_unit_id)
    .bind(true)
    .bind(r.checkin_key)
    .bind(now)
    .bind(by)
    .fetch_optional(&mut *c)
    .await)?)
}

/// Change an entry's descriptive fields and whether it is published (kind and region stay).
pub async fn update(
    tx: &mut Tx,
    id: i64,
    r: &NewResource<'_>,
    published: bool,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let n = on_tx!(tx, |c| sqlx::query(
        "UPDATE service_resource SET name = $2, address = $3, groups = $4, description = $5,
             owner_unit_id = $6, published = $7, updated_at = $8 WHERE id = $1"
    )
    .bind(id)
    .bind(r.name)
    .bind(r.address)
    .bind(r.groups)
    .bind(r.description)
    .bind(r.owner_unit_id)
    .bind(published)
    .bind(utc(now))
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Option<Resource>> {
    let sql = format!("SELECT {COLS} FROM service_resource WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(p)
    .await)?)
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// The region subtree ("" for all).
    pub region: String,
    pub kind: Option<String>,
    /// Words in the name, address or description.
    pub text: Option<String>,
    pub published_only: bool,
    pub limit: i64,
    pub offset: i64,
}

/// Entries matching `f`, by region then name.
pub async fn search(db: &Db, f: &Filter) -> StoreResult<Vec<Resource>> {
    let (lo, hi) = subtree(&f.region);
    let text = f
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(contains_pattern);
    let sql = format!(
        "SELECT {COLS} FROM service_resource
         WHERE region_code >= $1 AND region_code < $2
           AND ($3 IS NULL OR kind = $3)
           AND ($4 IS NULL OR name LIKE $4 ESCAPE '\\' OR address LIKE $4 ESCAPE '\\'
                OR description LIKE $4 ESCAPE '\\')
           AND (published = $5 OR $6)
         ORDER BY region_code, name, id LIMIT $7 OFFSET $8"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(&lo)
    .bind(&hi)
    .bind(&f.kind)
    .bind(&text)
    .bind(true)
    .bind(!f.published_only)
    .bind(f.limit.clamp(1, 1000))
    .bind(f.offset.max(0))
    .fetch_all(p)
    .await)?)
}

/// A certification as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cert {
    pub id: i64,
    pub resource_id: i64,
    pub level: String,
    pub batch: String,
    pub certified_on: Date,
    pub valid_until: Date,
}
from_row!(Cert {
    id: i64,
    resource_id: i64,
    level: String,
    batch: String,
    certified_on: Date,
    valid_until: Date,
});

#[allow(clippy::too_many_arguments)]
pub async fn add_cert(
    tx: &mut Tx,
    resource_id: i64,
    level: &str,
    batch: &str,
    certified_on: Date,
    valid_until: Date,
    by: &str,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    Ok(on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO service_base_cert (resource_id, level, batch, certified_on, valid_until, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
    )
    .bind(resource_id)
    .bind(level)
    .bind(batch)
    .bind(certified_on)
    .bind(valid_until)
    .bind(utc(now))
    .bind(by)
    .fetch_one(&mut *c)
    .await
    })?)
}

/// A base's certifications, oldest first (the last is in force).
pub async fn certs(db: &Db, resource_id: i64) -> StoreResult<Vec<Cert>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, resource_id, level, batch, certified_on, valid_until FROM service_base_cert
         WHERE resource_id = $1 ORDER BY id"
    )
    .bind(resource_id)
    .fetch_all(p)
    .await)?)
}

/// A yearly review as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    pub id: i64,
    pub resource_id: i64,
    pub year: i32,
    pub self_report: String,
    pub expert_score: Option<f64>,
    pub result: Option<String>,
    pub decided_on: Option<Date>,
    pub updated_by: String,
}
from_row!(Review {
    id: i64,
    resource_id: i64,
    year: i32,
    self_report: String,
    expert_score: Option<f64>,
    result: Option<String>,
    decided_on: Option<Date>,
    updated_by: String,
});

/// Record (or replace) a base's review of `year`; returns the review as it was before.
#[allow(clippy::too_many_arguments)]
pub async fn put_review(
    tx: &mut Tx,
    resource_id: i64,
    year: i32,
    self_report: &str,
    expert_score: Option<f64>,
    result: Option<&str>,
    decided_on: Option<Date>,
    by: &str,
    now: OffsetDateTime,
) -> StoreResult<Option<Review>> {
    let before: Option<Review> = on_tx!(tx, |c| {
        sqlx::query_as(
        "SELECT id, resource_id, year, self_report, expert_score, result, decided_on, updated_by
         FROM service_base_review WHERE resource_id = $1 AND year = $2"
    )
    .bind(resource_id)
    .bind(year)
    .fetch_optional(&mut *c)
    .await
    })?;
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO service_base_review (resource_id, year, self_report, expert_score, result, decided_on, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (resource_id, year) DO UPDATE SET self_report = excluded.self_report,
           expert_score = excluded.expert_score, result = excluded.result,
           decided_on = excluded.decided_on, updated_at = excluded.updated_at,
           updated_by = excluded.updated_by"
    )
    .bind(resource_id)
    .bind(year)
    .bind(self_report)
    .bind(expert_score)
    .bind(result)
    .bind(decided_on)
    .bind(utc(now))
    .bind(by)
    .execute(&mut *c)
    .await
        .map(|_| ())
    })?;
    Ok(before)
}

pub async fn reviews(db: &Db, resource_id: i64) -> StoreResult<Vec<Review>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, resource_id, year, self_report, expert_score, result, decided_on, updated_by
         FROM service_base_review WHERE resource_id = $1 ORDER BY year"
    )
    .bind(resource_id)
    .fetch_all(p)
    .await)?)
}

/// Every certification and review of the bases in `region`'s subtree (for counting the bases
/// in force on given days).
pub async fn base_records(
    db: &Db,
    region: &str,
) -> StoreResult<(Vec<(Cert, String)>, Vec<Review>)> {
    let (lo, hi) = subtree(region);
    struct Row {
        id: i64,
        resource_id: i64,
        level: String,
        batch: String,
        certified_on: Date,
        valid_until: Date,
        region_code: String,
    }
    from_row!(Row {
        id: i64,
        resource_id: i64,
        level: String,
        batch: String,
        certified_on: Date,
        valid_until: Date,
        region_code: String,
    });
    let certs: Vec<Row> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT c.id, c.resource_id, c.level, c.batch, c.certified_on, c.valid_until, r.region_code
         FROM service_base_cert c JOIN service_resource r ON r.id = c.resource_id
         WHERE r.region_code >= $1 AND r.region_code < $2 ORDER BY c.resource_id, c.id"
    )
    .bind(&lo)
    .bind(&hi)
    .fetch_all(p)
    .await
    })?;
    let reviews: Vec<Review> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT v.id, v.resource_id, v.year, v.self_report, v.expert_score, v.result, v.decided_on, v.updated_by
         FROM service_base_review v JOIN service_resource r ON r.id = v.resource_id
         WHERE r.region_code >= $1 AND r.region_code < $2 ORDER BY v.resource_id, v.year"
    )
    .bind(&lo)
    .bind(&hi)
    .fetch_all(p)
    .await
    })?;
    Ok((
        certs
            .into_iter()
            .map(|r| {
                (
                    Cert {
                        id: r.id,
                        resource_id: r.resource_id,
                        level: r.level,
                        batch: r.batch,
                        certified_on: r.certified_on,
                        valid_until: r.valid_until,
                    },
                    r.region_code,
                )
            })
            .collect(),
        reviews,
    ))
}
