//! Survey waves (`kesu survey import`): a wave of the literacy survey of one region and year, its
//! respondents (design columns, the 0/1 outcome of the literacy rule, domain variables), the
//! population margins it was weighted to and the estimates made from it. The estimation itself
//! is `kesu-survey`'s; this module only keeps what it was given, all or nothing.

use crate::audit::{self, Actor};
use crate::regions::prefix_end;
use crate::{Db, StoreError, StoreResult};
use serde::Serialize;
use serde_json::Value;
use sqlx::types::Json;
use std::collections::BTreeMap;

/// The rule of which columns are personal data lives with the survey domain; the store
/// applies it again before writing (no personal column is ever stored).
pub use kesu_survey::is_personal_column;

/// A wave to store.
#[derive(Debug, Clone)]
pub struct NewWave {
    pub region_code: String,
    pub year: i32,
    /// Distinguishes two surveys of one region in one year (default "年度调查").
    pub name: String,
    /// The literacy rule as `kesu_survey::RuleRecord`.
    pub rule: Value,
    /// Design columns, strata/PSU counts, lonely-PSU policy.
    pub design: Value,
    /// Weighting method and its report.
    pub weighting: Value,
    pub warnings: Vec<String>,
    pub source_file: String,
    pub source_sha256: String,
}

/// One respondent, as much as re-estimating needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Respondent {
    /// Line (CSV) or row (workbook) in the source file, header = 1.
    pub line: i64,
    pub stratum: Option<String>,
    pub psu: Option<String>,
    pub weight: f64,
    pub fpc: Option<f64>,
    pub literate: bool,
    /// Domain variables (sex, age group, urban, key group…) by column name.
    pub domains: BTreeMap<String, String>,
}

/// One row of the population margins (`margin,level,N`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarginRow {
    pub margin: String,
    pub level: String,
    pub total: f64,
}

/// One stored estimate (a domain of a wave).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResultRow {
    /// The domain variable (`overall` for everyone).
    pub by_var: String,
    pub level: String,
    pub n: i64,
    pub wsum: f64,
    pub est: f64,
    pub se: f64,
    pub cv: Option<f64>,
    pub deff: Option<f64>,
    pub df: i64,
    pub wald_l: f64,
    pub wald_u: f64,
    pub logit_l: Option<f64>,
    pub logit_u: Option<f64>,
    /// Space-separated flags of an untrustworthy cell (`n<30 cv>30%`…); empty when none.
    pub flags: String,
}
from_row!(ResultRow {
    by_var: String,
    level: String,
    n: i64,
    wsum: f64,
    est: f64,
    se: f64,
    cv: Option<f64>,
    deff: Option<f64>,
    df: i64,
    wald_l: f64,
    wald_u: f64,
    logit_l: Option<f64>,
    logit_u: Option<f64>,
    flags: String,
});

/// A stored wave.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Wave {
    pub id: i64,
    pub region_code: String,
    pub year: i32,
    pub name: String,
    pub source_file: String,
    pub source_sha256: String,
    #[serde(with = "time::serde::rfc3339")]
    pub imported_at: time::OffsetDateTime,
    pub imported_by: String,
    pub n: i64,
    pub rule: Value,
    pub design: Value,
    pub weighting: Value,
    pub warnings: Value,
}

#[derive(Debug)]
struct WaveRow {
    id: i64,
    region_code: String,
    year: i32,
    name: String,
    source_file: String,
    source_sha256: String,
    imported_at: time::OffsetDateTime,
    imported_by: String,
    n: i64,
    rule_json: Json<Value>,
    design_json: Json<Value>,
    weighting_json: Json<Value>,
    warnings_json: Json<Value>,
}
from_row!(WaveRow {
    id: i64,
    region_code: String,
    year: i32,
    name: String,
    source_file: String,
    source_sha256: String,
    imported_at: time::OffsetDateTime,
    imported_by: String,
    n: i64,
    rule_json: Json<Value>,
    design_json: Json<Value>,
    weighting_json: Json<Value>,
    warnings_json: Json<Value>,
});

impl From<WaveRow> for Wave {
    fn from(r: WaveRow) -> Wave {
        Wave {
            id: r.id,
            region_code: r.region_code,
            year: r.year,
            name: r.name,
            source_file: r.source_file,
            source_sha256: r.source_sha256,
            imported_at: r.imported_at,
            imported_by: r.imported_by,
            n: r.n,
            rule: r.rule_json.0,
            design: r.design_json.0,
            weighting: r.weighting_json.0,
            warnings: r.warnings_json.0,
        }
    }
}

const WAVE_COLUMNS: &str = "id, region_code, year, name, source_file, source_sha256, imported_at, \
     imported_by, n, rule_json, design_json, weighting_json, warnings_json";

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "wave_id", rename_all = "snake_case")]
pub enum Imported {
    Created(i64),
    /// The same wave from another file (or with another rule or design): replaced.
    Replaced(i64),
    /// The same file with the same rule and design: nothing changed.
    Unchanged(i64),
}

impl Imported {
    pub fn wave_id(self) -> i64 {
        match self {
            Imported::Created(id) | Imported::Replaced(id) | Imported::Unchanged(id) => id,
        }
    }
}

/// Rows per multi-row INSERT (PostgreSQL allows 65535 bind values).
const BATCH: usize = 500;

/// Store a wave with its respondents, margins and results, and record its overall estimate as
/// the region's literacy share for the year ([`crate::indicators::LITERACY_SHARE`], which feeds
/// the literacy goal of its plans) — all in one transaction: if any part fails, nothing is
/// stored. A wave is named by (region, year, name): the same file imported again with the same
/// rule, design, weighting and margins changes nothing; anything else replaces the wave's rows.
pub async fn import_wave(
    db: &Db,
    actor: &Actor,
    wave: &NewWave,
    respondents: &[Respondent],
    margins: &[MarginRow],
    results: &[ResultRow],
) -> StoreResult<Imported> {
    kesu_core::RegionCode::parse(&wave.region_code)
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    if respondents.is_empty() {
        return Err(StoreError::Invalid(
            "调查没有受访者，未写入 (a wave without respondents is not stored)".into(),
        ));
    }
    if let Some(col) = respondents
        .iter()
        .flat_map(|r| r.domains.keys())
        .find(|k| is_personal_column(k))
    {
        return Err(StoreError::Invalid(format!(
            "列“{col}”像是姓名、身份证号或电话，不保存此类个人信息 (personal data column refused)"
        )));
    }
    let Some(overall) = results.iter().find(|r| r.by_var == "overall") else {
        return Err(StoreError::Invalid(
            "调查结果中没有总体估计，未写入 (no overall estimate: the wave is not stored)".into(),
        ));
    };
    let mut tx = db.begin().await?;
    let existing: Option<StoredWaveKey> = on_tx!(&mut tx, |c| sqlx::query_as(
        "SELECT id, source_sha256, rule_json, design_json, weighting_json FROM survey_wave
             WHERE region_code = $1 AND year = $2 AND name = $3"
    )
    .bind(&wave.region_code)
    .bind(wave.year)
    .bind(&wave.name)
    .fetch_optional(&mut *c)
    .await)?;
    if let Some((id, sha, rule, design, weighting)) = &existing
        && *sha == wave.source_sha256
        && rule.0 == wave.rule
        && design.0 == wave.design
        && weighting.0 == wave.weighting
    {
        // The same file weighted to other population figures (population tables imported
        // again since) is a new version of the wave.
        let stored: Vec<(String, String, f64)> = on_tx!(&mut tx, |c| sqlx::query_as(
            "SELECT margin, level, total FROM survey_margin WHERE wave_id = $1"
        )
        .bind(*id)
        .fetch_all(&mut *c)
        .await)?;
        let mut stored: Vec<(&str, &str, f64)> = stored
            .iter()
            .map(|(m, l, t)| (m.as_str(), l.as_str(), *t))
            .collect();
        let mut given: Vec<(&str, &str, f64)> = margins
            .iter()
            .map(|m| (m.margin.as_str(), m.level.as_str(), m.total))
            .collect();
        stored.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        given.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        if stored == given {
            tx.rollback().await?;
            return Ok(Imported::Unchanged(*id));
        }
    }
    let now = time::OffsetDateTime::now_utc();
    let id: i64 = match &existing {
        Some((id, ..)) => {
            for table in ["survey_respondent", "survey_margin", "survey_result"] {
                on_tx!(&mut tx, |c| sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM {table} WHERE wave_id = $1"
                )))
                .bind(*id)
                .execute(&mut *c)
                .await
                .map(|_| ()))?;
            }
            on_tx!(&mut tx, |c| sqlx::query(
                "UPDATE survey_wave SET rule_json = $1, design_json = $2, weighting_json = $3,
                   warnings_json = $4, source_file = $5, source_sha256 = $6, imported_at = $7,
                   imported_by = $8, n = $9 WHERE id = $10"
            )
            .bind(Json(&wave.rule))
            .bind(Json(&wave.design))
            .bind(Json(&wave.weighting))
            .bind(Json(&wave.warnings))
            .bind(&wave.source_file)
            .bind(&wave.source_sha256)
            .bind(now)
            .bind(&actor.name)
            .bind(respondents.len() as i64)
            .bind(*id)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
            *id
        }
        None => on_tx!(&mut tx, |c| sqlx::query_scalar(
            "INSERT INTO survey_wave (region_code, year, name, rule_json, design_json,
               weighting_json, warnings_json, source_file, source_sha256, imported_at,
               imported_by, n)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id"
        )
        .bind(&wave.region_code)
        .bind(wave.year)
        .bind(&wave.name)
        .bind(Json(&wave.rule))
        .bind(Json(&wave.design))
        .bind(Json(&wave.weighting))
        .bind(Json(&wave.warnings))
        .bind(&wave.source_file)
        .bind(&wave.source_sha256)
        .bind(now)
        .bind(&actor.name)
        .bind(respondents.len() as i64)
        .fetch_one(&mut *c)
        .await)?,
    };

    for chunk in respondents.chunks(BATCH) {
        on_tx!(&mut tx, |c| {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO survey_respondent (wave_id, line, stratum, psu, weight, fpc, literate, domains_json) ",
            );
            qb.push_values(chunk, |mut b, r| {
                b.push_bind(id)
                    .push_bind(r.line)
                    .push_bind(r.stratum.clone())
                    .push_bind(r.psu.clone())
                    .push_bind(r.weight)
                    .push_bind(r.fpc)
                    .push_bind(i64::from(r.literate))
                    .push_bind(Json(r.domains.clone()));
            });
            qb.build().execute(&mut *c).await.map(|_| ())
        })?;
    }
    for chunk in margins.chunks(BATCH) {
        on_tx!(&mut tx, |c| {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO survey_margin (wave_id, margin, level, total) ",
            );
            qb.push_values(chunk, |mut b, m| {
                b.push_bind(id)
                    .push_bind(m.margin.clone())
                    .push_bind(m.level.clone())
                    .push_bind(m.total);
            });
            qb.build().execute(&mut *c).await.map(|_| ())
        })?;
    }
    for (start, chunk) in results.chunks(BATCH).enumerate() {
        on_tx!(&mut tx, |c| {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO survey_result (wave_id, pos, by_var, level, n, wsum, est, se, cv, deff, df, wald_l, wald_u, logit_l, logit_u, flags) ",
            );
            qb.push_values(chunk.iter().enumerate(), |mut b, (i, r)| {
                b.push_bind(id)
                    .push_bind((start * BATCH + i) as i64)
                    .push_bind(r.by_var.clone())
                    .push_bind(r.level.clone())
                    .push_bind(r.n)
                    .push_bind(r.wsum)
                    .push_bind(r.est)
                    .push_bind(r.se)
                    .push_bind(r.cv)
                    .push_bind(r.deff)
                    .push_bind(r.df)
                    .push_bind(r.wald_l)
                    .push_bind(r.wald_u)
                    .push_bind(r.logit_l)
                    .push_bind(r.logit_u)
                    .push_bind(r.flags.clone());
            });
            qb.build().execute(&mut *c).await.map(|_| ())
        })?;
    }
    let after = serde_json::json!({
        "region": wave.region_code, "year": wave.year, "name": wave.name,
        "file": wave.source_file, "sha256": wave.source_sha256, "n": respondents.len(),
        "est": overall.est, "se": overall.se,
    });
    let before = existing
        .as_ref()
        .map(|(_, sha, ..)| serde_json::json!({ "sha256": sha }));
    audit::record_in_region(
        &mut tx,
        actor,
        Some(&wave.region_code),
        "survey.import",
        &format!("survey_wave:{id}"),
        before.as_ref(),
        Some(&after),
    )
    .await?;
    crate::indicators::record_value_in(&mut tx, &share_record(wave, id, overall), actor).await?;
    tx.commit().await?;
    Ok(match existing {
        Some(_) => Imported::Replaced(id),
        None => Imported::Created(id),
    })
}

/// The literacy-share record a wave gives: its overall estimate in percent, with the logit
/// interval when it is defined (else the Wald interval within 0–100). An interval that shrinks
/// to the point (SE 0) can miss it by a rounding of the logit; it is widened to hold it.
fn share_record(wave: &NewWave, id: i64, overall: &ResultRow) -> crate::indicators::NewRecord {
    let value = 100.0 * overall.est;
    let low = 100.0 * overall.logit_l.unwrap_or(overall.wald_l.max(0.0));
    let high = 100.0 * overall.logit_u.unwrap_or(overall.wald_u.min(1.0));
    crate::indicators::NewRecord {
        region_code: wave.region_code.clone(),
        year: wave.year,
        key: crate::indicators::LITERACY_SHARE.to_string(),
        value,
        low: Some(low.min(value)),
        high: Some(high.max(value)),
        source: format!("{}年{}（调查 #{id}）", wave.year, wave.name),
    }
}

/// The waves of `region`'s subtree (the region included), newest year first.
pub async fn waves(db: &Db, region: &str) -> StoreResult<Vec<Wave>> {
    let hi = prefix_end(region);
    let rows: Vec<WaveRow> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {WAVE_COLUMNS} FROM survey_wave WHERE region_code >= $1 AND region_code < $2
         ORDER BY year DESC, region_code, name"
    )))
    .bind(region)
    .bind(&hi)
    .fetch_all(p)
    .await)?;
    Ok(rows.into_iter().map(Wave::from).collect())
}

/// One wave by id.
pub async fn wave(db: &Db, id: i64) -> StoreResult<Option<Wave>> {
    let row: Option<WaveRow> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {WAVE_COLUMNS} FROM survey_wave WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(p)
    .await)?;
    Ok(row.map(Wave::from))
}

/// The wave of the same region and name in the latest earlier year, if any (for year-on-year
/// differences).
pub async fn previous_wave(db: &Db, w: &Wave) -> StoreResult<Option<Wave>> {
    let row: Option<WaveRow> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {WAVE_COLUMNS} FROM survey_wave
         WHERE region_code = $1 AND name = $2 AND year < $3 ORDER BY year DESC LIMIT 1"
    )))
    .bind(&w.region_code)
    .bind(&w.name)
    .bind(w.year)
    .fetch_optional(p)
    .await)?;
    Ok(row.map(Wave::from))
}

/// The stored estimates of a wave, in the order they were made (overall first).
pub async fn results(db: &Db, wave_id: i64) -> StoreResult<Vec<ResultRow>> {
    Ok(on_db!(db, |p| {
        sqlx::query_as(
        "SELECT by_var, level, n, wsum, est, se, cv, deff, df, wald_l, wald_u, logit_l, logit_u, flags
         FROM survey_result WHERE wave_id = $1 ORDER BY pos"
    )
    .bind(wave_id)
    .fetch_all(p)
    .await
    })?)
}

/// The margins a wave was weighted to.
pub async fn margins(db: &Db, wave_id: i64) -> StoreResult<Vec<MarginRow>> {
    let rows: Vec<(String, String, f64)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT margin, level, total FROM survey_margin WHERE wave_id = $1 ORDER BY margin, level"
    )
    .bind(wave_id)
    .fetch_all(p)
    .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(margin, level, total)| MarginRow {
            margin,
            level,
            total,
        })
        .collect())
}

/// id, sha256, rule, design, weighting of a stored wave.
type StoredWaveKey = (i64, String, Json<Value>, Json<Value>, Json<Value>);

type RespondentTuple = (
    i64,
    Option<String>,
    Option<String>,
    f64,
    Option<f64>,
    i64,
    Json<BTreeMap<String, String>>,
);

/// A wave's respondents in file order (enough to estimate again).
pub async fn respondents(db: &Db, wave_id: i64) -> StoreResult<Vec<Respondent>> {
    let rows: Vec<RespondentTuple> = on_db!(db, |p| sqlx::query_as(
        "SELECT line, stratum, psu, weight, fpc, literate, domains_json FROM survey_respondent
         WHERE wave_id = $1 ORDER BY line"
    )
    .bind(wave_id)
    .fetch_all(p)
    .await)?;
    Ok(rows
        .into_iter()
        .map(
            |(line, stratum, psu, weight, fpc, literate, domains)| Respondent {
                line,
                stratum,
                psu,
                weight,
                fpc,
                literate: literate != 0,
                domains: domains.0,
            },
        )
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Population margins from the region population tables.

/// The respondent variables the region population tables can give margins for:
///
/// | variable | levels | from |
/// | --- | --- | --- |
/// | `region` | the codes of the wave region's child regions (`431302001`) | `region_population` of each child |
/// | `urban` | `1` (城镇 urban), `0` (乡村 rural) | `urban`, `rural` of `region_population` |
/// | `sex` | `male`, `female` (as `kesu regions population` stores them) | `region_population_group` |
/// | `age_group` | the age groups as imported (`15-59`, `60+`) | `region_population_group` |
///
/// A margin is one variable or a crossing (`region+urban`, `region+sex+age_group`,
/// `sex+age_group`); the tables do not cross urban/rural with sex or age group.
pub const POPULATION_VARS: [&str; 4] = ["region", "urban", "sex", "age_group"];

/// One region's figures for a year.
#[derive(Debug, Default)]
struct PopFigures {
    population: Option<(i64, Option<i64>, Option<i64>)>,
    /// (sex, age group, population), by sex then age group.
    groups: Vec<(String, String, i64)>,
}

/// Population margins of `region` in `year` for the margins named in `names` (each a variable of
/// [`POPULATION_VARS`] or a crossing of them joined with `+`, levels joined with `|` in the same
/// order), read from the region population tables. Errors (nothing is read or stored) name the
/// variable, region and year: a variable the tables do not hold, a crossing they do not have,
/// figures missing for the region (or one of its child regions) and year.
pub async fn population_margins(
    db: &Db,
    region: &str,
    year: i32,
    names: &[String],
) -> StoreResult<Vec<MarginRow>> {
    let code = kesu_core::RegionCode::parse(region)
        .map_err(|e| StoreError::Invalid(e.to_string()))?
        .to_string();
    let margins: Vec<(String, Vec<&str>)> = names
        .iter()
        .map(|n| {
            let vars: Vec<&str> = n.split('+').map(str::trim).collect();
            (vars.join("+"), vars)
        })
        .collect();
    for (name, vars) in &margins {
        if let Some(v) = vars.iter().find(|v| !POPULATION_VARS.contains(v)) {
            return Err(StoreError::Invalid(format!(
                "变量 {v} 无法从人口表得到：人口表只提供 region（下级区划代码）、urban（1 城镇 / 0 乡村）、sex（male / female）和 age_group（如 15-59、60+）(variable {v} of margin {name} is not in the population tables)"
            )));
        }
        let urban = vars.contains(&"urban");
        if urban && (vars.contains(&"sex") || vars.contains(&"age_group")) {
            return Err(StoreError::Invalid(format!(
                "人口表没有城乡与性别、年龄组的交叉，无法提供边际 {name}；可用 --rake 分别给出 urban 和 sex、age_group 的边际 (the population tables do not cross urban/rural with sex or age group)"
            )));
        }
    }

    // Every figure of the region's subtree for the year; the region's and its children's are used.
    let hi = prefix_end(&code);
    let rows: Vec<(String, i64, Option<i64>, Option<i64>)> = on_db!(db, |p| sqlx::query_as(
        "SELECT region_code, population, urban, rural FROM region_population
         WHERE region_code >= $1 AND region_code < $2 AND year = $3"
    )
    .bind(&code)
    .bind(&hi)
    .bind(year)
    .fetch_all(p)
    .await)?;
    let groups: Vec<(String, String, String, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT region_code, sex, age_group, population FROM region_population_group
         WHERE region_code >= $1 AND region_code < $2 AND year = $3
         ORDER BY region_code, sex, age_group"
    )
    .bind(&code)
    .bind(&hi)
    .bind(year)
    .fetch_all(p)
    .await)?;
    let mut figures: BTreeMap<String, PopFigures> = BTreeMap::new();
    for (c, pop, u, r) in rows {
        figures.entry(c).or_default().population = Some((pop, u, r));
    }
    for (c, sex, age, pop) in groups {
        figures.entry(c).or_default().groups.push((sex, age, pop));
    }
    let none = PopFigures::default();
    let needs_children = margins.iter().any(|(_, v)| v.contains(&"region"));
    let children: Vec<String> = if needs_children {
        let children: Vec<String> = crate::indicators::child_regions(db, &code)
            .await?
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        if children.is_empty() {
            return Err(StoreError::Invalid(format!(
                "区划 {code} 没有下级区划，人口表无法提供 region 边际；请先导入区划表 (no child regions of {code}: the variable region cannot be weighted from the population tables)"
            )));
        }
        let missing: Vec<&str> = children
            .iter()
            .filter(|c| figures.get(*c).is_none_or(|f| f.population.is_none()))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(StoreError::Invalid(format!(
                "人口表中没有 {code} 的下级区划 {} 的 {year} 年人口数；请先用 kesu regions population 导入 (no {year} population of child regions of {code}: {})",
                missing.join("、"),
                missing.join(", ")
            )));
        }
        children
    } else {
        Vec::new()
    };

    let mut out: Vec<MarginRow> = Vec::new();
    for (name, vars) in &margins {
        if out.iter().any(|m| m.margin == *name) {
            continue;
        }
        let units: Vec<&str> = if vars.contains(&"region") {
            children.iter().map(String::as_str).collect()
        } else {
            vec![code.as_str()]
        };
        // Cells in the order met, totals summed (a sex margin sums over age groups).
        let mut cells: Vec<(String, i64)> = Vec::new();
        let mut add = |level: String, n: i64| match cells.iter_mut().find(|(l, _)| *l == level) {
            Some((_, t)) => *t += n,
            None => cells.push((level, n)),
        };
        for unit in units {
            let f = figures.get(unit).unwrap_or(&none);
            let level_of = |urban: Option<&str>, sex: Option<&str>, age: Option<&str>| {
                vars.iter()
                    .map(|v| match *v {
                        "region" => unit,
                        "urban" => urban.unwrap_or_default(),
                        "sex" => sex.unwrap_or_default(),
                        _ => age.unwrap_or_default(),
                    })
                    .collect::<Vec<_>>()
                    .join("|")
            };
            let Some((population, urban, rural)) = f.population else {
                return Err(StoreError::Invalid(format!(
                    "人口表中没有 {unit} {year} 年的人口数，无法提供边际 {name}；请先用 kesu regions population 导入 (no {year} population of {unit} in the population tables)"
                )));
            };
            if vars.contains(&"urban") {
                let (Some(u), Some(r)) = (urban, rural) else {
                    return Err(StoreError::Invalid(format!(
                        "人口表中 {unit} {year} 年没有城镇、乡村人口，无法提供边际 {name} 的 urban (no urban/rural split of {unit} in {year})"
                    )));
                };
                add(level_of(Some("1"), None, None), u);
                add(level_of(Some("0"), None, None), r);
            } else if vars.contains(&"sex") || vars.contains(&"age_group") {
                if f.groups.is_empty() {
                    return Err(StoreError::Invalid(format!(
                        "人口表中 {unit} {year} 年没有分性别、年龄组的人口，无法提供边际 {name} (no population by sex and age group of {unit} in {year})"
                    )));
                }
                for (sex, age, n) in &f.groups {
                    add(level_of(None, Some(sex), Some(age)), *n);
                }
            } else {
                add(level_of(None, None, None), population);
            }
        }
        out.extend(cells.into_iter().map(|(level, n)| MarginRow {
            margin: name.clone(),
            level,
            total: n as f64,
        }));
    }
    Ok(out)
}
