//! The assessment (考核) as people enter it: the scheme an office configured for its region
//! (versioned), and per scheme item × assessed body × year the assessed body's self score with
//! its note, the office's reviewer score with its reason, and the "done" fact of fixed items.
//! Every change is audited in its own transaction. [`crate::indicators::assess`] reads these
//! inputs; the scores Kesu computes are never stored (they follow the data).

use crate::indicators::{AssessBy, ExtraInputs};
use crate::{Actor, Db, StoreError, StoreResult, Tx, audit};
use kesu_indicators::{ItemInput, Scheme};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use time::OffsetDateTime;

impl AssessBy {
    /// The `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            AssessBy::Regions => "regions",
            AssessBy::Units => "units",
        }
    }
}

// ---------------------------------------------------------------- schemes

/// The scheme in force for a region, and where it comes from.
#[derive(Debug, Clone, Serialize)]
pub struct SchemeInForce {
    pub scheme: Scheme,
    /// The region that configured it; `None` for the built-in default.
    pub region_code: Option<String>,
    /// Its version in that region (0 for the built-in default).
    pub version: i32,
    pub saved_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub saved_at: Option<OffsetDateTime>,
}

struct SchemeRow {
    region_code: String,
    version: i32,
    scheme: sqlx::types::Json<serde_json::Value>,
    saved_by: String,
    saved_at: OffsetDateTime,
}
from_row!(SchemeRow {
    region_code: String,
    version: i32,
    scheme: sqlx::types::Json<serde_json::Value>,
    saved_by: String,
    saved_at: OffsetDateTime,
});

fn parse_stored(v: serde_json::Value, region: &str, version: i32) -> StoreResult<Scheme> {
    let s: Scheme = serde_json::from_value(v).map_err(|e| {
        StoreError::Invalid(format!(
            "{region} 的考核方案第{version}版无法读取：{e} (stored scheme unreadable)"
        ))
    })?;
    s.validate()
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    Ok(s)
}

/// The region's own latest scheme, if it saved one.
pub async fn own_scheme(db: &Db, region: &str) -> StoreResult<Option<SchemeInForce>> {
    let row: Option<SchemeRow> = on_db!(db, |p| {
        sqlx::query_as(
            "SELECT region_code, version, scheme, saved_by, saved_at FROM assessment_scheme
             WHERE region_code = $1 ORDER BY version DESC LIMIT 1",
        )
        .bind(region)
        .fetch_optional(p)
        .await
    })?;
    row.map(|r| {
        Ok(SchemeInForce {
            scheme: parse_stored(r.scheme.0, &r.region_code, r.version)?,
            region_code: Some(r.region_code),
            version: r.version,
            saved_by: Some(r.saved_by),
            saved_at: Some(r.saved_at),
        })
    })
    .transpose()
}

/// The scheme in force for `region`: its own latest version, else the nearest ancestor's (a
/// province's scheme serves its cities until they configure their own), else the built-in
/// default (`schemes/default.json`).
pub async fn scheme_for(db: &Db, region: &str) -> StoreResult<SchemeInForce> {
    let mut code =
        Some(kesu_core::RegionCode::parse(region).map_err(|e| StoreError::Invalid(e.to_string()))?);
    while let Some(c) = code {
        if let Some(s) = own_scheme(db, c.as_str()).await? {
            return Ok(s);
        }
        code = c.parent();
    }
    Ok(SchemeInForce {
        scheme: Scheme::default_scheme().map_err(|e| StoreError::Invalid(e.to_string()))?,
        region_code: None,
        version: 0,
        saved_by: None,
        saved_at: None,
    })
}

/// Store `scheme` as the region's new version, audited with the version it replaces. Refused
/// (nothing stored) when it is invalid, or when a score already entered in the region would lie
/// above the new maximum of its item (the message names the item, the body and the year).
pub async fn save_scheme(
    db: &Db,
    region: &str,
    scheme: &Scheme,
    actor: &Actor,
) -> StoreResult<i32> {
    kesu_core::RegionCode::parse(region).map_err(|e| StoreError::Invalid(e.to_string()))?;
    scheme
        .validate()
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    for r in all_inputs(db, region).await? {
        let Some(item) = scheme.items.iter().find(|i| i.id == r.item) else {
            continue;
        };
        let max = item.max_score();
        for (who, s) in [("自评分", r.self_score), ("评审分", r.reviewer_score)] {
            if let Some(s) = s
                && s > max + 1e-9
            {
                return Err(StoreError::Invalid(format!(
                    "考核项“{}”（{}）的满分改为 {} 后，{} {} 年已录入的{who} {} 将超出范围；请先修改该分数 (an entered score would exceed the new maximum)",
                    item.name,
                    item.id,
                    kesu_core::plan::fmt_num(max),
                    r.assessed,
                    r.year,
                    kesu_core::plan::fmt_num(s)
                )));
            }
        }
    }
    let before = own_scheme(db, region).await?;
    let version = before.as_ref().map_or(0, |b| b.version) + 1;
    let value = serde_json::to_value(scheme).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let now = OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| {
        sqlx::query(
            "INSERT INTO assessment_scheme (region_code, version, scheme, saved_by, saved_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(region)
        .bind(version)
        .bind(sqlx::types::Json(&value))
        .bind(&actor.name)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ())
    })?;
    let before_json = before
        .as_ref()
        .map(|b| json!({"version": b.version, "scheme": b.scheme}));
    audit::record_in_region(
        &mut tx,
        actor,
        Some(region),
        "assessment.scheme",
        &format!("assessment_scheme:{region}"),
        before_json.as_ref(),
        Some(&json!({"version": version, "scheme": value})),
    )
    .await?;
    tx.commit().await?;
    Ok(version)
}

// ---------------------------------------------------------------- inputs

/// Whose inputs: the assessing region, the year, who is assessed and which body.
#[derive(Debug, Clone, Copy)]
pub struct InputKey<'a> {
    /// The assessing region (the plan's region).
    pub region_code: &'a str,
    pub year: i32,
    pub by: AssessBy,
    /// A child region code, or a unit id.
    pub assessed: &'a str,
}

/// One stored input row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredInput {
    pub year: i32,
    pub assessed: String,
    pub item: String,
    pub self_score: Option<f64>,
    pub self_note: Option<String>,
    pub self_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub self_at: Option<OffsetDateTime>,
    pub reviewer_score: Option<f64>,
    pub reviewer_reason: Option<String>,
    pub done: Option<bool>,
    pub reviewer_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub reviewer_at: Option<OffsetDateTime>,
}
from_row!(StoredInput {
    year: i32,
    assessed: String,
    item: String,
    self_score: Option<f64>,
    self_note: Option<String>,
    self_by: Option<String>,
    self_at: Option<OffsetDateTime>,
    reviewer_score: Option<f64>,
    reviewer_reason: Option<String>,
    done: Option<bool>,
    reviewer_by: Option<String>,
    reviewer_at: Option<OffsetDateTime>,
});

const COLUMNS: &str = "year, assessed, item, self_score, self_note, self_by, self_at, \
     reviewer_score, reviewer_reason, done, reviewer_by, reviewer_at";

async fn all_inputs(db: &Db, region: &str) -> StoreResult<Vec<StoredInput>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM assessment_input WHERE region_code = $1 ORDER BY year, assessed, item"
    );
    Ok(on_db!(db, |p| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(region)
            .fetch_all(p)
            .await
    })?)
}

/// The inputs entered in `region` for `year`, by assessed body and item.
pub async fn inputs(
    db: &Db,
    region: &str,
    year: i32,
    by: AssessBy,
) -> StoreResult<Vec<StoredInput>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM assessment_input WHERE region_code = $1 AND year = $2 AND kind = $3
         ORDER BY assessed, item"
    );
    Ok(on_db!(db, |p| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(region)
            .bind(year)
            .bind(by.as_str())
            .fetch_all(p)
            .await
    })?)
}

/// The stored inputs as the scoring takes them. A reviewer score equal to the self score needs
/// no reason when entered; it is given "同意自评分" here so the scoring's rule (a reviewer score
/// that differs from the computed one needs a reason) is met.
pub fn as_extra(rows: &[StoredInput]) -> ExtraInputs {
    let mut out = ExtraInputs::new();
    for r in rows {
        let reason = r
            .reviewer_reason
            .clone()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| {
                (r.reviewer_score.is_some() && r.reviewer_score == r.self_score)
                    .then(|| "同意自评分".to_string())
            });
        out.entry(r.assessed.clone()).or_default().insert(
            r.item.clone(),
            ItemInput {
                done: r.done,
                self_score: r.self_score,
                self_reason: r.self_note.clone(),
                reviewer_score: r.reviewer_score,
                reviewer_reason: reason,
                ..ItemInput::default()
            },
        );
    }
    out
}

async fn input_row(
    tx: &mut Tx,
    key: &InputKey<'_>,
    item: &str,
) -> StoreResult<Option<StoredInput>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM assessment_input
         WHERE region_code = $1 AND year = $2 AND kind = $3 AND assessed = $4 AND item = $5"
    );
    Ok(on_tx!(tx, |c| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(key.region_code)
            .bind(key.year)
            .bind(key.by.as_str())
            .bind(key.assessed)
            .bind(item)
            .fetch_optional(&mut *c)
            .await
    })?)
}

/// A self score to enter (`None` clears it).
#[derive(Debug, Clone, PartialEq)]
pub struct SelfScore {
    pub item: String,
    pub score: Option<f64>,
    pub note: Option<String>,
}

/// A reviewer's entry for one item: the score (`None` clears it, and the computed score counts
/// again), the reason, and for fixed items whether the item was done.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    pub item: String,
    pub score: Option<f64>,
    pub reason: Option<String>,
    pub done: Option<bool>,
}

fn item_of<'s>(scheme: &'s Scheme, id: &str) -> StoreResult<&'s kesu_indicators::assess::Item> {
    scheme.items.iter().find(|i| i.id == id).ok_or_else(|| {
        StoreError::Invalid(format!("考核项“{id}”不在现行方案中 (unknown scheme item)"))
    })
}

fn check_score(
    item: &kesu_indicators::assess::Item,
    who: &str,
    score: Option<f64>,
) -> StoreResult<()> {
    if let Some(s) = score
        && (!s.is_finite() || s < 0.0 || s > item.max_score() + 1e-9)
    {
        return Err(StoreError::Invalid(format!(
            "“{}”的{who}必须在 0 到 {} 之间，收到 {} (score out of range)",
            item.name,
            kesu_core::plan::fmt_num(item.max_score()),
            kesu_core::plan::fmt_num(s)
        )));
    }
    Ok(())
}

fn clean(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn region_of_key(key: &InputKey<'_>) -> String {
    match key.by {
        AssessBy::Regions => key.assessed.to_string(),
        AssessBy::Units => key.region_code.to_string(),
    }
}

/// The audited object. A unit's id is a bare number that could equal a region code, so units
/// carry their kind in the name (`…/2025/units/7/item`); regions keep the older form.
fn object(key: &InputKey<'_>, item: &str) -> String {
    let kind = match key.by {
        AssessBy::Regions => "",
        AssessBy::Units => "units/",
    };
    format!(
        "assessment_input:{}/{}/{kind}{}/{}",
        key.region_code, key.year, key.assessed, item
    )
}

/// Enter the assessed body's self scores and notes (only its self columns change), checked
/// against `scheme`; all or nothing; one audit row per changed item. Returns how many changed.
pub async fn set_self_scores(
    db: &Db,
    key: &InputKey<'_>,
    scheme: &Scheme,
    entries: &[SelfScore],
    actor: &Actor,
) -> StoreResult<usize> {
    for e in entries {
        check_score(item_of(scheme, &e.item)?, "自评分", e.score)?;
    }
    let now = OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    let mut changed = 0;
    for e in entries {
        let note = clean(&e.note);
        let before = input_row(&mut tx, key, &e.item).await?;
        let (old_score, old_note) = before
            .as_ref()
            .map_or((None, None), |b| (b.self_score, b.self_note.clone()));
        if old_score == e.score && old_note == note {
            continue;
        }
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO assessment_input (region_code, year, kind, assessed, item, self_score, self_note, self_by, self_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (region_code, year, kind, assessed, item) DO UPDATE SET
                   self_score = excluded.self_score, self_note = excluded.self_note,
                   self_by = excluded.self_by, self_at = excluded.self_at",
            )
            .bind(key.region_code)
            .bind(key.year)
            .bind(key.by.as_str())
            .bind(key.assessed)
            .bind(&e.item)
            .bind(e.score)
            .bind(&note)
            .bind(&actor.name)
            .bind(now)
            .execute(&mut *c)
            .await
            .map(|_| ())
        })?;
        audit::record_in_region(
            &mut tx,
            actor,
            Some(&region_of_key(key)),
            "assessment.self_score",
            &object(key, &e.item),
            before
                .as_ref()
                .map(|_| json!({"self_score": old_score, "self_note": old_note}))
                .as_ref(),
            Some(&json!({"self_score": e.score, "self_note": note})),
        )
        .await?;
        changed += 1;
    }
    tx.commit().await?;
    Ok(changed)
}

/// Enter the office's reviewer scores, reasons and "done" facts (only the reviewer columns
/// change), checked against `scheme`: a score must lie within the item's range, and a score
/// that differs from the self score (or with no self score) needs a reason; "done" is for
/// fixed and veto items only. All or nothing; one audit row per changed item.
pub async fn set_reviews(
    db: &Db,
    key: &InputKey<'_>,
    scheme: &Scheme,
    entries: &[Review],
    actor: &Actor,
) -> StoreResult<usize> {
    let now = OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    let mut changed = 0;
    for e in entries {
        let item = item_of(scheme, &e.item)?;
        check_score(item, "评审分", e.score)?;
        if e.done.is_some() && !item.needs_done() {
            return Err(StoreError::Invalid(format!(
                "“{}”按{}计分，不填“是否完成” (done is for fixed items only)",
                item.name,
                item.rule.zh()
            )));
        }
        let reason = clean(&e.reason);
        let before = input_row(&mut tx, key, &e.item).await?;
        let self_score = before.as_ref().and_then(|b| b.self_score);
        if let Some(s) = e.score
            && reason.is_none()
            && self_score.is_none_or(|x| (x - s).abs() > 1e-9)
        {
            return Err(StoreError::Invalid(format!(
                "“{}”的评审分 {} 与自评分 {} 不同，须填写理由 (a reviewer score that differs from the self score needs a reason)",
                item.name,
                kesu_core::plan::fmt_num(s),
                self_score.map_or("（未自评）".to_string(), kesu_core::plan::fmt_num)
            )));
        }
        let old = before
            .as_ref()
            .map(|b| (b.reviewer_score, b.reviewer_reason.clone(), b.done));
        if old.clone().unwrap_or((None, None, None)) == (e.score, reason.clone(), e.done) {
            continue;
        }
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO assessment_input (region_code, year, kind, assessed, item, reviewer_score, reviewer_reason, done, reviewer_by, reviewer_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 ON CONFLICT (region_code, year, kind, assessed, item) DO UPDATE SET
                   reviewer_score = excluded.reviewer_score, reviewer_reason = excluded.reviewer_reason,
                   done = excluded.done, reviewer_by = excluded.reviewer_by, reviewer_at = excluded.reviewer_at",
            )
            .bind(key.region_code)
            .bind(key.year)
            .bind(key.by.as_str())
            .bind(key.assessed)
            .bind(&e.item)
            .bind(e.score)
            .bind(&reason)
            .bind(e.done)
            .bind(&actor.name)
            .bind(now)
            .execute(&mut *c)
            .await
            .map(|_| ())
        })?;
        audit::record_in_region(
            &mut tx,
            actor,
            Some(&region_of_key(key)),
            "assessment.review",
            &object(key, &e.item),
            old.map(|(s, r, d)| json!({"reviewer_score": s, "reviewer_reason": r, "done": d}))
                .as_ref(),
            Some(&json!({"reviewer_score": e.score, "reviewer_reason": reason, "done": e.done})),
        )
        .await?;
        changed += 1;
    }
    tx.commit().await?;
    Ok(changed)
}

/// The inputs of one assessed body, by item.
pub async fn inputs_of(db: &Db, key: &InputKey<'_>) -> StoreResult<BTreeMap<String, StoredInput>> {
    Ok(inputs(db, key.region_code, key.year, key.by)
        .await?
        .into_iter()
        .filter(|r| r.assessed == key.assessed)
        .map(|r| (r.item.clone(), r))
        .collect())
}
