//! Villages (or townships, counties) enrolled as the reporting units of a per-entity task.

use crate::{Db, StoreError, StoreResult, plans};

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
    let regions = crate::regions::subtree(db, Some(region), Some(level), None).await?;
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
    for (i, r) in regions.iter().enumerate() {
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO unit (region_code, name, kind, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (region_code, name) DO NOTHING"
        )
        .bind(&r.code)
        .bind(&r.name)
        .bind("其他")
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|x| x.rows_affected()))?;
        let unit_id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
            "SELECT id FROM unit WHERE region_code = $1 AND name = $2"
        )
        .bind(&r.code)
        .bind(&r.name)
        .fetch_one(&mut *c)
        .await)?;
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO unit_alias (region_code, alias, unit_id) VALUES ($1, $2, $3)
             ON CONFLICT (region_code, alias) DO NOTHING"
        )
        .bind(&r.code)
        .bind(&r.name)
        .bind(unit_id)
        .execute(&mut *c)
        .await
        .map(|x| x.rows_affected()))?;
        let n = on_tx!(&mut tx, |c| {
            sqlx::query(
            "INSERT INTO task_unit (task_id, unit_id, role, ord) VALUES ($1, $2, 'responsible', $3)
             ON CONFLICT (task_id, unit_id, role) DO NOTHING"
        )
        .bind(task_id)
        .bind(unit_id)
        .bind(base + 1 + i as i64)
        .execute(&mut *c)
        .await
        .map(|x| x.rows_affected())
        })?;
        added += n as usize;
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
