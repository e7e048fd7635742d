//! 科普经费 per region and year.

use super::{subtree, utc};
use crate::{Db, StoreResult, Tx};
use serde::Serialize;
use time::OffsetDateTime;

/// A region's funding for a year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Funding {
    pub id: i64,
    pub region_code: String,
    pub year: i32,
    pub budgeted: f64,
    pub spent: f64,
    pub note: String,
    pub updated_by: String,
}
from_row!(Funding {
    id: i64,
    region_code: String,
    year: i32,
    budgeted: f64,
    spent: f64,
    note: String,
    updated_by: String,
});

const COLS: &str = "id, region_code, year, budgeted, spent, note, updated_by";

/// Record (or replace) a region's figures for a year; returns the row it replaced.
#[allow(clippy::too_many_arguments)]
pub async fn put(
    tx: &mut Tx,
    region: &str,
    year: i32,
    budgeted: f64,
    spent: f64,
    note: &str,
    by: &str,
    now: OffsetDateTime,
) -> StoreResult<(i64, Option<Funding>)> {
    let sql = format!("SELECT {COLS} FROM service_funding WHERE region_code = $1 AND year = $2");
    let before: Option<Funding> =
        on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(region)
            .bind(year)
            .fetch_optional(&mut *c)
            .await)?;
    let id: i64 = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO service_funding (region_code, year, budgeted, spent, note, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (region_code, year) DO UPDATE SET budgeted = excluded.budgeted,
           spent = excluded.spent, note = excluded.note, updated_at = excluded.updated_at,
           updated_by = excluded.updated_by
         RETURNING id"
    )
    .bind(region)
    .bind(year)
    .bind(budgeted)
    .bind(spent)
    .bind(note)
    .bind(utc(now))
    .bind(by)
    .fetch_one(&mut *c)
    .await
    })?;
    Ok((id, before))
}

/// The figures of every region in `region`'s subtree, by region and year.
pub async fn list(db: &Db, region: &str) -> StoreResult<Vec<Funding>> {
    let (lo, hi) = subtree(region);
    let sql = format!(
        "SELECT {COLS} FROM service_funding WHERE region_code >= $1 AND region_code < $2 ORDER BY region_code, year"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(&lo)
    .bind(&hi)
    .fetch_all(p)
    .await)?)
}
