//! Values from before Kesu (the office's spreadsheets of past rounds) entered as accepted
//! reports.

use crate::{Db, StoreError, StoreResult};
use std::collections::{BTreeSet, HashMap};

/// One historical value: a report slot of a round and a target of its task.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoryValue {
    pub report_id: i64,
    pub target_id: i64,
    pub value: f64,
}

/// A report slot of a round, as a history import fills it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistorySlot {
    pub report_id: i64,
    pub task_id: i64,
    pub region_code: String,
}

/// The report slots of a round, in id order (lighter than `reporting::slots`: a round of a
/// province's villages has a hundred thousand).
pub async fn history_slots(db: &Db, round_id: i64) -> StoreResult<Vec<HistorySlot>> {
    let rows: Vec<(i64, i64, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, task_id, region_code FROM report WHERE round_id = $1 ORDER BY id"
    )
    .bind(round_id)
    .fetch_all(p)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(report_id, task_id, region_code)| HistorySlot {
            report_id,
            task_id,
            region_code,
        })
        .collect())
}

/// Enter values from before Kesu (the office's own spreadsheets of past rounds) as accepted
/// reports of a round, in one transaction with one audit row: each named slot becomes
/// accepted with the given values. Refused as a whole when a slot is not of the round, a
/// target not of the slot's task, or a value not finite; slots already handed in are refused
/// too (their history belongs to the units).
pub async fn import_history(
    db: &Db,
    round_id: i64,
    values: &[HistoryValue],
    actor: &crate::Actor,
) -> StoreResult<usize> {
    if let Some(v) = values.iter().find(|v| !v.value.is_finite()) {
        return Err(StoreError::Invalid(format!(
            "报告 {} 指标 {} 的数值不是有限数字 (value must be finite)",
            v.report_id, v.target_id
        )));
    }
    let slots: HashMap<i64, (i64, String)> = named_slots(db, round_id, values)
        .await?
        .into_iter()
        .map(|(id, t, s)| (id, (t, s)))
        .collect();
    let targets: Vec<(i64, i64)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT tg.id, tg.task_id FROM target tg JOIN reporting_round r ON r.plan_id = tg.plan_id
         WHERE r.id = $1 AND tg.task_id IS NOT NULL"
    )
    .bind(round_id)
    .fetch_all(p)
    .await
    })?;
    let task_of: HashMap<i64, i64> = targets.into_iter().collect();
    let mut reports: BTreeSet<i64> = BTreeSet::new();
    for v in values {
        let Some((task, state)) = slots.get(&v.report_id) else {
            return Err(StoreError::Invalid(format!(
                "报告 {} 不属于填报轮次 {round_id} (report not in the round)",
                v.report_id
            )));
        };
        if task_of.get(&v.target_id) != Some(task) {
            return Err(StoreError::Invalid(format!(
                "指标 {} 不属于报告 {} 的任务 (target not of the report's task)",
                v.target_id, v.report_id
            )));
        }
        if state != "not_started" && state != "draft" && state != "accepted" {
            return Err(StoreError::Conflict(format!(
                "报告 {} 已由单位提交（{state}），不能以历史数据覆盖 (report handed in)",
                v.report_id
            )));
        }
        reports.insert(v.report_id);
    }
    let now = time::OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    // Batched statements: a round of a city's villages is tens of thousands of rows.
    const BATCH: usize = 400;
    let ids: Vec<i64> = reports.iter().copied().collect();
    for chunk in ids.chunks(BATCH) {
        history_update(&mut tx, chunk, &actor.name, now).await?;
    }
    for chunk in values.chunks(BATCH) {
        history_values(&mut tx, chunk).await?;
    }
    crate::audit::record(
        &mut tx,
        actor,
        "report.import_history",
        &format!("round:{round_id}"),
        None,
        Some(&serde_json::json!({"reports": reports.len(), "values": values.len()})),
    )
    .await?;
    tx.commit().await?;
    Ok(reports.len())
}

/// Values beyond which the whole round's slots are read at once rather than by id.
const READ_WHOLE_ROUND: usize = 4000;

/// The slots of a round that `values` name (id, task, state): by id for a few values — one
/// corrected value must not read a country's round of a million reports — else the whole round.
async fn named_slots(
    db: &Db,
    round_id: i64,
    values: &[HistoryValue],
) -> StoreResult<Vec<(i64, i64, String)>> {
    if values.len() > READ_WHOLE_ROUND {
        return Ok(on_db!(db, |p| sqlx::query_as(
            "SELECT id, task_id, state FROM report WHERE round_id = $1"
        )
        .bind(round_id)
        .fetch_all(p)
        .await)?);
    }
    let ids: BTreeSet<i64> = values.iter().map(|v| v.report_id).collect();
    let ids: Vec<i64> = ids.into_iter().collect();
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(400) {
        macro_rules! run {
            ($dbt:ty, $p:expr) => {{
                let mut qb: sqlx::QueryBuilder<$dbt> = sqlx::QueryBuilder::new(
                    "SELECT id, task_id, state FROM report WHERE round_id = ",
                );
                qb.push_bind(round_id);
                qb.push(" AND id IN (");
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                sep.push_unseparated(")");
                qb.build_query_as::<(i64, i64, String)>()
                    .fetch_all($p)
                    .await?
            }};
        }
        out.extend(match db {
            Db::Sqlite(p, _) => run!(sqlx::Sqlite, p),
            Db::Postgres(p) => run!(sqlx::Postgres, p),
        });
    }
    Ok(out)
}

async fn history_update(
    tx: &mut crate::Tx,
    ids: &[i64],
    by: &str,
    now: time::OffsetDateTime,
) -> StoreResult<()> {
    macro_rules! run {
        ($db:ty, $c:expr) => {{
            // The report's history first (from its state before), then the report.
            let mut ev: sqlx::QueryBuilder<$db> = sqlx::QueryBuilder::new(
                "INSERT INTO report_event (report_id, version, at, actor, action, from_state, to_state, content, values_json)
                 SELECT id, version + 1, ",
            );
            ev.push_bind(now);
            ev.push(", ");
            ev.push_bind(by.to_string());
            ev.push(", 'import', state, 'accepted', '历史数据导入', ");
            ev.push_bind(sqlx::types::Json(serde_json::json!({})));
            ev.push(" FROM report WHERE id IN (");
            let mut sep = ev.separated(", ");
            for id in ids {
                sep.push_bind(*id);
            }
            sep.push_unseparated(")");
            ev.build().execute(&mut *$c).await?;
            let mut qb: sqlx::QueryBuilder<$db> = sqlx::QueryBuilder::new(
                "UPDATE report SET state = 'accepted', version = version + 1, content = '历史数据导入', updated_by = ",
            );
            qb.push_bind(by.to_string());
            qb.push(", updated_at = ");
            qb.push_bind(now);
            qb.push(" WHERE id IN (");
            let mut sep = qb.separated(", ");
            for id in ids {
                sep.push_bind(*id);
            }
            sep.push_unseparated(")");
            qb.build().execute(&mut *$c).await?;
        }};
    }
    match tx {
        crate::Tx::Sqlite(t, _) => run!(sqlx::Sqlite, &mut **t),
        crate::Tx::Postgres(t) => run!(sqlx::Postgres, &mut **t),
    }
    Ok(())
}

async fn history_values(tx: &mut crate::Tx, values: &[HistoryValue]) -> StoreResult<()> {
    macro_rules! run {
        ($db:ty, $c:expr) => {{
            let mut qb: sqlx::QueryBuilder<$db> =
                sqlx::QueryBuilder::new("INSERT INTO report_value (report_id, target_id, value) ");
            qb.push_values(values, |mut b, v| {
                b.push_bind(v.report_id)
                    .push_bind(v.target_id)
                    .push_bind(v.value);
            });
            qb.push(" ON CONFLICT (report_id, target_id) DO UPDATE SET value = excluded.value");
            qb.build().execute($c).await?;
        }};
    }
    match tx {
        crate::Tx::Sqlite(t, _) => run!(sqlx::Sqlite, &mut **t),
        crate::Tx::Postgres(t) => run!(sqlx::Postgres, &mut **t),
    }
    Ok(())
}
