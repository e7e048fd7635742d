//! The unit registry (责任单位名录) of each region: one row per body under its canonical name,
//! with every spelling seen in documents kept as an alias. Filled when plans are imported (the
//! plan reader's normaliser decides which spellings are one body); edited by merge and rename.

use crate::audit::{self, Actor};
use crate::{Db, StoreError, StoreResult, Tx};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

/// A unit as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unit {
    pub id: i64,
    pub region_code: String,
    /// The canonical name (市科技局).
    pub name: String,
    /// 党委部门 / 政府部门 / 群团组织 / 学校 / 企业 / 其他 … (`kesu_plan::units::UnitKind` names).
    pub kind: String,
    pub parent_id: Option<i64>,
    pub merged_into: Option<i64>,
    /// 联系人: who answers for the unit's reports (催报).
    pub contact_person: Option<String>,
    /// 联系电话: an office telephone.
    pub contact_phone: Option<String>,
}
from_row!(Unit {
    id: i64,
    region_code: String,
    name: String,
    kind: String,
    parent_id: Option<i64>,
    merged_into: Option<i64>,
    contact_person: Option<String>,
    contact_phone: Option<String>,
});

const COLS: &str =
    "id, region_code, name, kind, parent_id, merged_into, contact_person, contact_phone";

/// The unit a name as written in a document stands for in `region_code`, created when new.
/// `region_name` (娄底市) lets the normaliser drop the region's own prefix.
pub async fn register(
    tx: &mut Tx,
    region_code: &str,
    region_name: Option<&str>,
    written: &str,
) -> StoreResult<i64> {
    let written = written.trim();
    if let Some(id) = by_alias(tx, region_code, written).await? {
        return Ok(id);
    }
    let norm = kesu_plan::units::normalize(written, region_name);
    let canonical = norm.canonical.clone();
    let kind = norm.kind.label().to_string();
    let existing: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM unit WHERE region_code = $1 AND name = $2"
    )
    .bind(region_code)
    .bind(&canonical)
    .fetch_optional(&mut *c)
    .await)?;
    let id = match existing {
        Some(id) => id,
        None => on_tx!(tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO unit (region_code, name, kind, created_at) VALUES ($1, $2, $3, $4) RETURNING id"
        )
        .bind(region_code)
        .bind(&canonical)
        .bind(&kind)
        .bind(OffsetDateTime::now_utc())
        .fetch_one(&mut *c)
        .await
        })?,
    };
    for alias in [written, canonical.as_str()] {
        on_tx!(tx, |c| sqlx::query(
            "INSERT INTO unit_alias (region_code, alias, unit_id) VALUES ($1, $2, $3)
             ON CONFLICT (region_code, alias) DO NOTHING"
        )
        .bind(region_code)
        .bind(alias)
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(id)
}

/// The live unit an alias points to (following merges).
async fn by_alias(tx: &mut Tx, region_code: &str, alias: &str) -> StoreResult<Option<i64>> {
    let id: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT u.id FROM unit_alias a JOIN unit u ON u.id = a.unit_id
         WHERE a.region_code = $1 AND a.alias = $2"
    )
    .bind(region_code)
    .bind(alias)
    .fetch_optional(&mut *c)
    .await)?;
    Ok(id)
}

/// The units of a region subtree (merged ones left out), by region and name.
pub async fn list(db: &Db, region_prefix: &str) -> StoreResult<Vec<Unit>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM unit WHERE region_code LIKE $1 || '%' AND merged_into IS NULL
         ORDER BY region_code, name"
    ));
    Ok(on_db!(db, |p| sqlx::query_as(sql)
        .bind(region_prefix)
        .fetch_all(p)
        .await)?)
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Unit> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM unit WHERE id = $1"));
    let u: Option<Unit> = on_db!(db, |p| sqlx::query_as(sql).bind(id).fetch_optional(p).await)?;
    u.ok_or(StoreError::NotFound {
        what: "单位",
        key: id.to_string(),
    })
}

/// Every alias of a unit.
pub async fn aliases(db: &Db, id: i64) -> StoreResult<Vec<String>> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT alias FROM unit_alias WHERE unit_id = $1 ORDER BY alias"
    )
    .bind(id)
    .fetch_all(p)
    .await)?)
}

/// A unit named by its id, its canonical name or one of its aliases. A name used in several
/// regions is refused with the candidates listed.
pub async fn resolve(db: &Db, key: &str) -> StoreResult<Unit> {
    if let Ok(id) = key.trim().parse::<i64>() {
        return get(db, id).await;
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT DISTINCT {} FROM unit u JOIN unit_alias a ON a.unit_id = u.id
         WHERE (a.alias = $1 OR u.name = $1) AND u.merged_into IS NULL ORDER BY u.id",
        COLS.split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let found: Vec<Unit> = on_db!(db, |p| sqlx::query_as(sql)
        .bind(key.trim())
        .fetch_all(p)
        .await)?;
    match found.as_slice() {
        [] => Err(StoreError::NotFound {
            what: "单位",
            key: key.to_string(),
        }),
        [one] => Ok(one.clone()),
        many => Err(StoreError::Invalid(format!(
            "单位名称“{key}”在多个区划中存在，请用编号指定：{} (ambiguous unit name)",
            many.iter()
                .map(|u| format!("{}（{}，编号 {}）", u.name, u.region_code, u.id))
                .collect::<Vec<_>>()
                .join("、")
        ))),
    }
}

/// Merge `from` into `into` (same region): its aliases and task assignments move over; `from`
/// stays as a record pointing at `into`.
pub async fn merge(db: &Db, from: i64, into: i64, actor: &Actor) -> StoreResult<()> {
    if from == into {
        return Err(StoreError::Invalid(
            "不能把单位合并到它自己 (cannot merge a unit into itself)".into(),
        ));
    }
    let a = get(db, from).await?;
    let b = get(db, into).await?;
    if a.region_code != b.region_code {
        return Err(StoreError::Invalid(format!(
            "只能合并同一区划的单位：{}（{}）与 {}（{}）(units of different regions)",
            a.name, a.region_code, b.name, b.region_code
        )));
    }
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE unit_alias SET unit_id = $1 WHERE unit_id = $2"
    )
    .bind(into)
    .bind(from)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    // An assignment both units already have would collide: keep the target's.
    on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM task_unit WHERE unit_id = $1 AND EXISTS (SELECT 1 FROM task_unit t2
         WHERE t2.task_id = task_unit.task_id AND t2.role = task_unit.role AND t2.unit_id = $2)"
    )
    .bind(from)
    .bind(into)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE task_unit SET unit_id = $1 WHERE unit_id = $2"
    )
    .bind(into)
    .bind(from)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE unit SET merged_into = $1 WHERE id = $2"
    )
    .bind(into)
    .bind(from)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    audit::record_in_region(
        &mut tx,
        actor,
        Some(&a.region_code),
        "unit.merge",
        &format!("unit:{from}"),
        Some(&json!({"unit": a})),
        Some(&json!({"merged_into": into, "name": b.name})),
    )
    .await?;
    tx.commit().await
}

/// Rename a unit (its canonical name); the old name stays an alias.
pub async fn rename(db: &Db, id: i64, new_name: &str, actor: &Actor) -> StoreResult<()> {
    let new_name = new_name.trim();
    if new_name.is_empty() {
        return Err(StoreError::Invalid("单位名称不能为空 (empty name)".into()));
    }
    let u = get(db, id).await?;
    let mut tx = db.begin().await?;
    let clash: Option<i64> = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT id FROM unit WHERE region_code = $1 AND name = $2 AND id <> $3"
    )
    .bind(&u.region_code)
    .bind(new_name)
    .bind(id)
    .fetch_optional(&mut *c)
    .await)?;
    if let Some(other) = clash {
        return Err(StoreError::Invalid(format!(
            "本区划已有名为“{new_name}”的单位（编号 {other}），如为同一单位请使用合并 (name taken; merge instead)"
        )));
    }
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE unit SET name = $1 WHERE id = $2"
    )
    .bind(new_name)
    .bind(id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO unit_alias (region_code, alias, unit_id) VALUES ($1, $2, $3)
         ON CONFLICT (region_code, alias) DO UPDATE SET unit_id = excluded.unit_id"
    )
    .bind(&u.region_code)
    .bind(new_name)
    .bind(id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    audit::record_in_region(
        &mut tx,
        actor,
        Some(&u.region_code),
        "unit.rename",
        &format!("unit:{id}"),
        Some(&json!({"name": u.name})),
        Some(&json!({"name": new_name})),
    )
    .await?;
    tx.commit().await
}

/// Set a unit's contact for chasing reports (empty clears a field), audited.
pub async fn set_contact(
    db: &Db,
    id: i64,
    person: Option<&str>,
    phone: Option<&str>,
    actor: &Actor,
) -> StoreResult<()> {
    let clean = |s: Option<&str>| {
        s.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let (person, phone) = (clean(person), clean(phone));
    if person.as_ref().is_some_and(|p| p.chars().count() > 50)
        || phone.as_ref().is_some_and(|p| p.chars().count() > 40)
    {
        return Err(StoreError::Invalid(
            "联系人不超过 50 个字，联系电话不超过 40 个字符 (contact too long)".into(),
        ));
    }
    let u = get(db, id).await?;
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE unit SET contact_person = $1, contact_phone = $2 WHERE id = $3"
    )
    .bind(&person)
    .bind(&phone)
    .bind(id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    audit::record_in_region(
        &mut tx,
        actor,
        Some(&u.region_code),
        "unit.contact",
        &format!("unit:{id}"),
        Some(&json!({"contact_person": u.contact_person, "contact_phone": u.contact_phone})),
        Some(&json!({"contact_person": person, "contact_phone": phone})),
    )
    .await?;
    tx.commit().await
}

/// The units with these ids (merged or not), by id.
pub async fn by_ids(db: &Db, ids: &[i64]) -> StoreResult<Vec<Unit>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(get(db, *id).await?);
    }
    Ok(out)
}
