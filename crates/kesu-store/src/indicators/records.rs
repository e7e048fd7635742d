//! Figures the office records for a region and year (survey estimates such as the literacy
//! share), audited with the value they replace.

use crate::regions::prefix_end;
use crate::{Db, StoreError, StoreResult};
use kesu_indicators::Observation;
use kesu_indicators::literacy::{self, Figure};
use serde::Serialize;
use std::collections::HashMap;

/// The key of the literacy share in `indicator_record`.
pub const LITERACY_SHARE: &str = literacy::KEY;

pub use kesu_indicators::literacy::is_literacy_share;

/// A value recorded by the office (a survey estimate).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub id: i64,
    pub region_code: String,
    pub year: i32,
    pub key: String,
    pub value: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub source: String,
    pub recorded_by: String,
}
from_row!(Record {
    id: i64,
    region_code: String,
    year: i32,
    key: String,
    value: f64,
    low: Option<f64>,
    high: Option<f64>,
    source: String,
    recorded_by: String,
});

/// A value to record.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub region_code: String,
    pub year: i32,
    pub key: String,
    pub value: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Where it comes from ("2024年公民科学素质抽样调查").
    pub source: String,
}

/// Record (or replace) a region's value for a year, audited with the value it replaces.
pub async fn record_value(db: &Db, r: &NewRecord, actor: &crate::Actor) -> StoreResult<i64> {
    let mut tx = db.begin().await?;
    let id = record_value_in(&mut tx, r, actor).await?;
    tx.commit().await?;
    Ok(id)
}

/// [`record_value`] inside a transaction the caller commits (a survey wave and the share it
/// gives are stored together or not at all).
pub(crate) async fn record_value_in(
    tx: &mut crate::Tx,
    r: &NewRecord,
    actor: &crate::Actor,
) -> StoreResult<i64> {
    kesu_core::RegionCode::parse(&r.region_code).map_err(|e| StoreError::Invalid(e.to_string()))?;
    if !r.value.is_finite()
        || r.low.is_some_and(|x| !x.is_finite() || x > r.value)
        || r.high.is_some_and(|x| !x.is_finite() || x < r.value)
    {
        return Err(StoreError::Invalid(format!(
            "{} {} 年的数值 {} 无效：必须是有限数字，且区间下限 ≤ 数值 ≤ 上限 (bad value or interval)",
            r.region_code, r.year, r.value
        )));
    }
    let before: Option<(f64, Option<f64>, Option<f64>, String)> = on_tx!(&mut *tx, |c| {
        sqlx::query_as(
            "SELECT value, low, high, source FROM indicator_record
             WHERE region_code = $1 AND year = $2 AND key = $3",
        )
        .bind(&r.region_code)
        .bind(r.year)
        .bind(&r.key)
        .fetch_optional(&mut *c)
        .await
    })?;
    let id: i64 = on_tx!(&mut *tx, |c| {
        sqlx::query_scalar(
            "INSERT INTO indicator_record (region_code, year, key, value, low, high, source, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (region_code, year, key) DO UPDATE SET value = excluded.value,
               low = excluded.low, high = excluded.high, source = excluded.source,
               recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at
             RETURNING id",
        )
        .bind(&r.region_code)
        .bind(r.year)
        .bind(&r.key)
        .bind(r.value)
        .bind(r.low)
        .bind(r.high)
        .bind(&r.source)
        .bind(&actor.name)
        .bind(time::OffsetDateTime::now_utc())
        .fetch_one(&mut *c)
        .await
    })?;
    let before = before
        .map(|(v, lo, hi, s)| serde_json::json!({"value": v, "low": lo, "high": hi, "source": s}));
    let after = serde_json::json!({"region": r.region_code, "year": r.year, "key": r.key,
        "value": r.value, "low": r.low, "high": r.high, "source": r.source});
    crate::audit::record_in_region(
        tx,
        actor,
        Some(&r.region_code),
        "indicator.record",
        &format!("indicator_record:{id}"),
        before.as_ref(),
        Some(&after),
    )
    .await?;
    Ok(id)
}

/// The recorded values of `key` in `region`'s subtree (the region included), by region and year.
pub async fn records(db: &Db, region: &str, key: &str) -> StoreResult<Vec<Record>> {
    let hi = prefix_end(region);
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, region_code, year, key, value, low, high, source, recorded_by
         FROM indicator_record WHERE region_code >= $1 AND region_code < $2 AND key = $3
         ORDER BY region_code, year"
    )
    .bind(region)
    .bind(&hi)
    .bind(key)
    .fetch_all(p)
    .await)?)
}

/// The literacy shares recorded for regions in `region`'s subtree in some years, by region
/// and year: what [`share_of`] gives for each, in one read (an assessment asks for every
/// child region, this year and last).
pub async fn shares_in(
    db: &Db,
    region: &str,
    years: [i32; 2],
) -> StoreResult<HashMap<(String, i32), Record>> {
    let hi = prefix_end(region);
    let rows: Vec<Record> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, region_code, year, key, value, low, high, source, recorded_by
         FROM indicator_record WHERE region_code >= $1 AND region_code < $2 AND key = $3
           AND year IN ($4, $5)"
    )
    .bind(region)
    .bind(&hi)
    .bind(LITERACY_SHARE)
    .bind(years[0])
    .bind(years[1])
    .fetch_all(p)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|r| ((r.region_code.clone(), r.year), r))
        .collect())
}

/// The literacy share records up to `year` that stand for `region`, as observations
/// ([`literacy::standing_figures`]: its own, else the shallowest level below it that has
/// figures). Each carries its record id negated as report id.
pub async fn share_observations(db: &Db, region: &str, year: i32) -> StoreResult<Vec<Observation>> {
    let figures = records(db, region, LITERACY_SHARE)
        .await?
        .into_iter()
        .map(|r| Figure {
            id: r.id,
            region_code: r.region_code,
            year: r.year,
            value: r.value,
        })
        .collect();
    Ok(literacy::standing_figures(figures, year))
}

/// A region's literacy share in a year, if recorded.
pub async fn share_of(db: &Db, region: &str, year: i32) -> StoreResult<Option<Record>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, region_code, year, key, value, low, high, source, recorded_by
         FROM indicator_record WHERE region_code = $1 AND year = $2 AND key = $3"
    )
    .bind(region)
    .bind(year)
    .bind(LITERACY_SHARE)
    .fetch_optional(p)
    .await)?)
}
