//! Villages (or townships, counties) enrolled as the reporting units of a per-entity task.

use crate::{Db, StoreError, StoreResult, plans};
use std::collections::HashMap;

/// Make every region of `level` under `region` a reporting unit of a task, for a per-entity
/// target (每个村至少培育1名…): each village's committee reports its own number, and coverage is
/// counted over the villages. The unit is named after the region and registered at its code;
/// already enrolled regions are left as they are. Returns the number of regions newly enrolled.
pub async fn expand_entities(
    db: &Db,
    task_id: i64,
    region: &str,
    level: kesu_core::RegionLevel,
    actor: &crate::Actor,
) -> StoreResult<usize> {
    let task = plans::task(db, task_id).await?;
    if !region.starts_with(&task.region_code) {
        return Err(StoreError::Invalid(format!(
            "区划 {region} 不在任务所属方案的区划 {} 之内 (region outside the plan's region)",
            task.region_code
        )));
    }
    let within = (!region.is_empty()).then_some(region);
    let regions = crate::regions::subtree(db, within, Some(level), None).await?;
    if regions.is_empty() {
        return Err(StoreError::Invalid(format!(
            "区划 {region} 下没有{}级区划，请先导入区划 (no regions at that level; import the division table first)",
            level.zh()
        )));
    }
    let now = time::OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    let mut added = 0usize;
    let base: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT COALESCE(MAX(ord), 0) FROM task_unit WHERE task_id = $1"
    )
    .bind(task_id)
    .fetch_one(&mut *c)
    .await)?;
    // Batched statements: a province has tens of thousands of villages, the country 620 000.
    const BATCH: usize = 500;
    for (n, chunk) in regions.chunks(BATCH).enumerate() {
        let first = base + 1 + (n * BATCH) as i64;
        added += enrol_batch(&mut tx, task_id, chunk, first, now).await?;
    }
    crate::audit::record_in_region(
        &mut tx,
        actor,
        Some(region),
        "task.expand_entities",
        &format!("task:{task_id}"),
        None,
        Some(&serde_json::json!({"region": region, "level": level.zh(), "enrolled": added})),
    )
    .await?;
    tx.commit().await?;
    Ok(added)
}

/// Register a batch of regions as units (named after the region, at its code, with the name
/// as an alias) and enrol them in the task, numbered from `first`. Returns how many were newly
/// enrolled.
async fn enrol_batch(
    tx: &mut crate::Tx,
    task_id: i64,
    regions: &[crate::regions::Region],
    first: i64,
    now: time::OffsetDateTime,
) -> StoreResult<usize> {
    macro_rules! run {
        ($db:ty, $c:expr) => {{
            let mut qb: sqlx::QueryBuilder<$db> =
                sqlx::QueryBuilder::new("INSERT INTO unit (region_code, name, kind, created_at) ");
            qb.push_values(regions, |mut b, r| {
                b.push_bind(r.code.clone())
                    .push_bind(r.name.clone())
                    .push_bind("其他")
                    .push_bind(now);
            });
            qb.push(" ON CONFLICT (region_code, name) DO NOTHING");
            qb.build().execute(&mut *$c).await?;
            let mut qb: sqlx::QueryBuilder<$db> = sqlx::QueryBuilder::new(
                "SELECT id, region_code, name FROM unit WHERE region_code IN (",
            );
            let mut sep = qb.separated(", ");
            for r in regions {
                sep.push_bind(r.code.clone());
            }
            sep.push_unseparated(")");
            let found: Vec<(i64, String, String)> = qb.build_query_as().fetch_all(&mut *$c).await?;
            let id_of: HashMap<(&str, &str), i64> = found
                .iter()
                .map(|(id, code, name)| ((code.as_str(), name.as_str()), *id))
                .collect();
            let ids: Vec<(usize, &crate::regions::Region, i64)> = regions
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    id_of
                        .get(&(r.code.as_str(), r.name.as_str()))
                        .map(|id| (i, r, *id))
                })
                .collect();
            if ids.is_empty() {
                return Ok(0);
            }
            let mut qb: sqlx::QueryBuilder<$db> =
                sqlx::QueryBuilder::new("INSERT INTO unit_alias (region_code, alias, unit_id) ");
            qb.push_values(&ids, |mut b, (_, r, id)| {
                b.push_bind(r.code.clone())
                    .push_bind(r.name.clone())
                    .push_bind(*id);
            });
            qb.push(" ON CONFLICT (region_code, alias) DO NOTHING");
            qb.build().execute(&mut *$c).await?;
            let mut qb: sqlx::QueryBuilder<$db> =
                sqlx::QueryBuilder::new("INSERT INTO task_unit (task_id, unit_id, role, ord) ");
            qb.push_values(&ids, |mut b, (i, _, id)| {
                b.push_bind(task_id)
                    .push_bind(*id)
                    .push_bind("responsible")
                    .push_bind(first + *i as i64);
            });
            qb.push(" ON CONFLICT (task_id, unit_id, role) DO NOTHING");
            qb.build().execute(&mut *$c).await?.rows_affected() as usize
        }};
    }
    Ok(match tx {
        crate::Tx::Sqlite(t, _) => run!(sqlx::Sqlite, &mut **t),
        crate::Tx::Postgres(t) => run!(sqlx::Postgres, &mut **t),
    })
}
