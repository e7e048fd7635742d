//! Published snapshots: what the public page of a region shows, frozen when the office
//! publishes it.

use crate::{Db, StoreResult};
use serde::Serialize;
use time::Date;

/// A snapshot to publish: what the public page shows, already stripped of anything internal.
#[derive(Debug, Clone)]
pub struct NewSnapshot {
    pub region_code: String,
    pub year: i32,
    pub title: String,
    pub as_of: Date,
    /// The public page's data (public fields only).
    pub payload: serde_json::Value,
    /// The annual report in its public form.
    pub report_html: String,
}

/// A published snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub id: i64,
    pub region_code: String,
    pub year: i32,
    pub title: String,
    pub as_of: Date,
    #[serde(with = "time::serde::rfc3339")]
    pub published_at: time::OffsetDateTime,
    pub payload: serde_json::Value,
}

struct SnapshotRow {
    id: i64,
    region_code: String,
    year: i32,
    title: String,
    as_of: Date,
    published_at: time::OffsetDateTime,
    payload: sqlx::types::Json<serde_json::Value>,
}
from_row!(SnapshotRow {
    id: i64,
    region_code: String,
    year: i32,
    title: String,
    as_of: Date,
    published_at: time::OffsetDateTime,
    payload: sqlx::types::Json<serde_json::Value>,
});

impl From<SnapshotRow> for Snapshot {
    fn from(r: SnapshotRow) -> Self {
        Snapshot {
            id: r.id,
            region_code: r.region_code,
            year: r.year,
            title: r.title,
            as_of: r.as_of,
            published_at: r.published_at,
            payload: r.payload.0,
        }
    }
}

/// Publish a snapshot (it supersedes the region's earlier ones on the public page), audited.
pub async fn publish(db: &Db, s: &NewSnapshot, actor: &crate::Actor) -> StoreResult<i64> {
    let now = time::OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO published_snapshot (region_code, year, title, as_of, published_at, published_by, payload, report_html)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
    )
    .bind(&s.region_code)
    .bind(s.year)
    .bind(&s.title)
    .bind(s.as_of)
    .bind(now)
    .bind(&actor.name)
    .bind(sqlx::types::Json(&s.payload))
    .bind(&s.report_html)
    .fetch_one(&mut *c)
    .await
    })?;
    crate::audit::record_in_region(
        &mut tx,
        actor,
        Some(&s.region_code),
        "indicators.publish",
        &format!("snapshot:{id}"),
        None,
        Some(
            &serde_json::json!({"region": s.region_code, "year": s.year, "title": s.title,
            "as_of": s.as_of.to_string()}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

const SNAPSHOT_COLS: &str = "id, region_code, year, title, as_of, published_at, payload";

/// The region's snapshots, newest first.
pub async fn snapshots(db: &Db, region: &str) -> StoreResult<Vec<Snapshot>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {SNAPSHOT_COLS} FROM published_snapshot WHERE region_code = $1 ORDER BY id DESC"
    ));
    let rows: Vec<SnapshotRow> =
        on_db!(db, |p| sqlx::query_as(sql).bind(region).fetch_all(p).await)?;
    Ok(rows.into_iter().map(Snapshot::from).collect())
}

/// One snapshot of a region, with its report HTML.
pub async fn snapshot(db: &Db, region: &str, id: i64) -> StoreResult<Option<(Snapshot, String)>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {SNAPSHOT_COLS} FROM published_snapshot WHERE region_code = $1 AND id = $2"
    ));
    let row: Option<SnapshotRow> = on_db!(db, |p| sqlx::query_as(sql)
        .bind(region)
        .bind(id)
        .fetch_optional(p)
        .await)?;
    let Some(row) = row else {
        return Ok(None);
    };
    let html: String = on_db!(db, |p| sqlx::query_scalar(
        "SELECT report_html FROM published_snapshot WHERE id = $1"
    )
    .bind(id)
    .fetch_one(p)
    .await)?;
    Ok(Some((Snapshot::from(row), html)))
}
