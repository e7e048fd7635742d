//! Population per region and year (for per-capita indicators and survey weighting).
//!
//! The import file is a CSV with `code,year,population`, optionally `urban,rural`, and optionally
//! sex × age-group columns named `SEX_AGE` (`male_15-59`, `female_60+`, `男_0-14`, `女_65+`). All or
//! nothing, like the region import; a (code, year) imported again replaces the earlier figures.

use crate::csvline;
use crate::error::{BadRow, ImportErrors};
use crate::{Actor, Db, StoreError, StoreResult, audit};
use kesu_core::RegionCode;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

/// Population of a region in one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Population {
    pub region_code: String,
    pub year: i32,
    pub population: i64,
    pub urban: Option<i64>,
    pub rural: Option<i64>,
    /// By sex and age group, when given.
    pub groups: Vec<PopulationGroup>,
}

/// Population of one sex and age group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PopulationGroup {
    /// `male` or `female`.
    pub sex: String,
    /// `15-59`, `60+`, …
    pub age_group: String,
    pub population: i64,
}

/// What a population import stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PopulationSummary {
    pub source: String,
    pub rows: i64,
    pub regions: i64,
    pub years: Vec<i32>,
    pub groups: i64,
}

struct PopRow {
    region_code: String,
    year: i32,
    population: i64,
    urban: Option<i64>,
    rural: Option<i64>,
}
from_row!(PopRow {
    region_code: String,
    year: i32,
    population: i64,
    urban: Option<i64>,
    rural: Option<i64>,
});

struct GroupRow {
    year: i32,
    sex: String,
    age_group: String,
    population: i64,
}
from_row!(GroupRow {
    year: i32,
    sex: String,
    age_group: String,
    population: i64,
});

/// Every year's population of a region, oldest first.
pub async fn population(db: &Db, code: &str) -> StoreResult<Vec<Population>> {
    let rows: Vec<PopRow> = on_db!(db, |p| sqlx::query_as(
        "SELECT region_code, year, population, urban, rural FROM region_population
         WHERE region_code = $1 ORDER BY year"
    )
    .bind(code)
    .fetch_all(p)
    .await)?;
    let groups: Vec<GroupRow> = on_db!(db, |p| sqlx::query_as(
        "SELECT year, sex, age_group, population FROM region_population_group
         WHERE region_code = $1 ORDER BY year, sex, age_group"
    )
    .bind(code)
    .fetch_all(p)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|r| Population {
            groups: groups
                .iter()
                .filter(|g| g.year == r.year)
                .map(|g| PopulationGroup {
                    sex: g.sex.clone(),
                    age_group: g.age_group.clone(),
                    population: g.population,
                })
                .collect(),
            region_code: r.region_code,
            year: r.year,
            population: r.population,
            urban: r.urban,
            rural: r.rural,
        })
        .collect())
}

/// A `SEX_AGE` column name as (sex, age group): `male_15-59` → (male, 15-59).
fn group_column(name: &str) -> Option<(&'static str, String)> {
    let (sex, age) = name.split_once('_')?;
    let sex = match sex.to_ascii_lowercase().as_str() {
        "male" | "m" | "男" => "male",
        "female" | "f" | "女" => "female",
        _ => return None,
    };
    let age = age.trim();
    let ok = if let Some(lo) = age.strip_suffix('+') {
        !lo.is_empty() && lo.bytes().all(|b| b.is_ascii_digit())
    } else if let Some((lo, hi)) = age.split_once('-') {
        !lo.is_empty()
            && !hi.is_empty()
            && lo.bytes().all(|b| b.is_ascii_digit())
            && hi.bytes().all(|b| b.is_ascii_digit())
            && lo.parse::<u32>().ok() <= hi.parse::<u32>().ok()
    } else {
        false
    };
    ok.then(|| (sex, age.to_string()))
}

enum Col {
    Code,
    Year,
    Population,
    Urban,
    Rural,
    Group(&'static str, String),
}

struct Parsed {
    code: String,
    year: i32,
    population: i64,
    urban: Option<i64>,
    rural: Option<i64>,
    groups: Vec<(&'static str, String, i64)>,
}

/// Import a population CSV (see the module documentation).
pub async fn import_population(
    db: &Db,
    actor: &Actor,
    path: &Path,
) -> StoreResult<PopulationSummary> {
    let bytes = super::import::read(path)?;
    let file = path.display().to_string();
    let mut errors: Vec<BadRow> = Vec::new();
    macro_rules! bad {
        ($row:expr, $reason:expr $(,)?) => {
            errors.push(BadRow {
                file: file.clone(),
                row: $row,
                reason: $reason,
            })
        };
    }
    let mut lines = csvline::lines(&bytes);
    let mut rows: Vec<(u64, Parsed)> = Vec::new();
    'read: {
        if let Err(e) = kesu_workbook::check_text(&bytes, &super::import::limits()) {
            let row = match &e {
                kesu_workbook::WorkbookError::LineTooLong { line, .. } => *line,
                _ => 0,
            };
            bad!(row, e.to_string());
            break 'read;
        }
        let Some((_, head)) = lines.next() else {
            bad!(1, "文件为空，缺少表头 (empty file, no header)".into());
            break 'read;
        };
        let Ok(head) = std::str::from_utf8(head) else {
            bad!(1, "不是有效的 UTF-8 文本 (invalid UTF-8)".into());
            break 'read;
        };
        let mut fields = Vec::new();
        if let Err(why) = csvline::split(head, &mut fields) {
            bad!(1, format!("表头无法解析：{why} (bad header)"));
            break 'read;
        }
        let mut cols = Vec::new();
        let mut unknown = Vec::new();
        for f in &fields {
            let f = f.trim();
            cols.push(match f {
                "code" => Col::Code,
                "year" => Col::Year,
                "population" => Col::Population,
                "urban" => Col::Urban,
                "rural" => Col::Rural,
                other => match group_column(other) {
                    Some((s, a)) => Col::Group(s, a),
                    None => {
                        unknown.push(other.to_string());
                        continue;
                    }
                },
            });
        }
        let has = |want: fn(&Col) -> bool| cols.iter().filter(|c| want(c)).count();
        let missing: Vec<&str> = [
            ("code", has(|c| matches!(c, Col::Code))),
            ("year", has(|c| matches!(c, Col::Year))),
            ("population", has(|c| matches!(c, Col::Population))),
        ]
        .iter()
        .filter(|(_, n)| *n != 1)
        .map(|(n, _)| *n)
        .collect();
        if !unknown.is_empty() || !missing.is_empty() {
            bad!(
                1,
                format!(
                    "列不符：需要 code,year,population（可选 urban,rural 及 male_15-59 这样的性别_年龄列）；{}{} (wrong column set)",
                    if missing.is_empty() {
                        String::new()
                    } else {
                        format!("缺少或重复 {}；", missing.join(","))
                    },
                    if unknown.is_empty() {
                        String::new()
                    } else {
                        format!("无法识别 {}", unknown.join(","))
                    }
                ),
            );
            break 'read;
        }
        let mut seen: HashMap<(String, i32), u64> = HashMap::new();
        for (n, line) in lines {
            if line.is_empty() {
                continue;
            }
            let Ok(text) = std::str::from_utf8(line) else {
                bad!(n, "不是有效的 UTF-8 文本 (invalid UTF-8)".into());
                continue;
            };
            if let Err(why) = csvline::split(text, &mut fields) {
                bad!(n, why.to_string());
                continue;
            }
            if fields.len() != cols.len() {
                bad!(
                    n,
                    format!(
                        "应有 {} 列，实际 {} 列 (wrong number of columns)",
                        cols.len(),
                        fields.len()
                    ),
                );
                continue;
            }
            let mut p = Parsed {
                code: String::new(),
                year: 0,
                population: 0,
                urban: None,
                rural: None,
                groups: Vec::new(),
            };
            let mut ok = true;
            for (col, v) in cols.iter().zip(&fields) {
                let v = v.trim();
                let num = |what: &str| -> Result<Option<i64>, String> {
                    if v.is_empty() {
                        return Ok(None);
                    }
                    v.parse::<i64>()
                        .ok()
                        .filter(|x| *x >= 0)
                        .map(Some)
                        .ok_or_else(|| format!("{what}“{v}”不是非负整数 (not a count)"))
                };
                let r = match col {
                    Col::Code => match RegionCode::parse(v) {
                        Ok(c) => {
                            p.code = c.to_string();
                            Ok(())
                        }
                        Err(e) => Err(e.to_string()),
                    },
                    Col::Year => match v.parse::<i32>() {
                        Ok(y) if (1949..=2100).contains(&y) => {
                            p.year = y;
                            Ok(())
                        }
                        _ => Err(format!("年份“{v}”无效 (bad year)")),
                    },
                    Col::Population => match num("人口") {
                        Ok(Some(x)) => {
                            p.population = x;
                            Ok(())
                        }
                        Ok(None) => Err("人口为空 (population missing)".into()),
                        Err(e) => Err(e),
                    },
                    Col::Urban => num("城镇人口").map(|x| p.urban = x),
                    Col::Rural => num("乡村人口").map(|x| p.rural = x),
                    Col::Group(s, a) => num(&format!("{s}_{a}")).map(|x| {
                        if let Some(x) = x {
                            p.groups.push((s, a.clone(), x));
                        }
                    }),
                };
                if let Err(e) = r {
                    bad!(n, e);
                    ok = false;
                    break;
                }
            }
            if !ok {
                continue;
            }
            if let (Some(u), Some(r)) = (p.urban, p.rural)
                && u + r != p.population
            {
                bad!(
                    n,
                    format!(
                        "城镇 {u} 与乡村 {r} 之和不等于总人口 {} (urban + rural ≠ population)",
                        p.population
                    ),
                );
                continue;
            }
            if let Some(first) = seen.insert((p.code.clone(), p.year), n) {
                bad!(
                    n,
                    format!(
                        "{} {} 年重复：与第 {first} 行相同 (duplicate region and year)",
                        p.code, p.year
                    ),
                );
                continue;
            }
            rows.push((n, p));
        }
    }
    // Every region must be stored.
    let mut codes: Vec<&str> = rows.iter().map(|(_, p)| p.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let mut stored: HashSet<String> = HashSet::new();
    for chunk in codes.chunks(500) {
        let found: Vec<String> = on_db!(db, |p| {
            let mut qb = sqlx::QueryBuilder::new("SELECT code FROM region WHERE code IN (");
            let mut sep = qb.separated(", ");
            for c in chunk {
                sep.push_bind(*c);
            }
            qb.push(")");
            qb.build_query_scalar().fetch_all(p).await
        })?;
        stored.extend(found);
    }
    for (n, p) in &rows {
        if !stored.contains(&p.code) {
            bad!(
                *n,
                format!("区划“{}”不存在，请先导入区划 (unknown region)", p.code),
            );
        }
    }
    if rows.is_empty() && errors.is_empty() {
        bad!(0, "没有任何人口数据 (no rows)".into());
    }
    if !errors.is_empty() {
        errors.sort_by_key(|r| r.row);
        return Err(StoreError::Import(ImportErrors { rows: errors }));
    }

    let mut tx = db.begin().await?;
    for chunk in rows.chunks(1_000) {
        on_tx!(&mut tx, |c| {
            let mut qb = sqlx::QueryBuilder::new(
                "DELETE FROM region_population_group WHERE (region_code, year) IN (",
            );
            let mut sep = qb.separated(", ");
            for (_, p) in chunk {
                sep.push("(");
                sep.push_bind_unseparated(p.code.as_str());
                sep.push_unseparated(", ");
                sep.push_bind_unseparated(p.year);
                sep.push_unseparated(")");
            }
            qb.push(")");
            qb.build().execute(&mut *c).await?;

            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO region_population (region_code, year, population, urban, rural) ",
            );
            qb.push_values(chunk, |mut b, (_, p)| {
                b.push_bind(p.code.as_str())
                    .push_bind(p.year)
                    .push_bind(p.population)
                    .push_bind(p.urban)
                    .push_bind(p.rural);
            });
            qb.push(
                " ON CONFLICT (region_code, year) DO UPDATE SET population = excluded.population,
                 urban = excluded.urban, rural = excluded.rural",
            );
            qb.build().execute(&mut *c).await?;

            let groups: Vec<(&str, i32, &str, &str, i64)> = chunk
                .iter()
                .flat_map(|(_, p)| {
                    p.groups
                        .iter()
                        .map(|(s, a, x)| (p.code.as_str(), p.year, *s, a.as_str(), *x))
                })
                .collect();
            for g in groups.chunks(1_000) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO region_population_group (region_code, year, sex, age_group, population) ",
                );
                qb.push_values(g, |mut b, (code, year, sex, age, x)| {
                    b.push_bind(*code)
                        .push_bind(*year)
                        .push_bind(*sex)
                        .push_bind(*age)
                        .push_bind(*x);
                });
                qb.build().execute(&mut *c).await?;
            }
            Ok::<(), sqlx::Error>(())
        })?;
    }
    let years: BTreeSet<i32> = rows.iter().map(|(_, p)| p.year).collect();
    let summary = PopulationSummary {
        source: file.clone(),
        rows: rows.len() as i64,
        regions: codes.len() as i64,
        years: years.into_iter().collect(),
        groups: rows.iter().map(|(_, p)| p.groups.len() as i64).sum(),
    };
    let after = serde_json::to_value(&summary).ok();
    audit::record(
        &mut tx,
        actor,
        "regions.population",
        &format!("population:{file}"),
        None,
        after.as_ref(),
    )
    .await?;
    tx.commit().await?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sex_age_columns_are_recognised() {
        assert_eq!(
            group_column("male_15-59"),
            Some(("male", "15-59".to_string()))
        );
        assert_eq!(group_column("女_60+"), Some(("female", "60+".to_string())));
        assert_eq!(group_column("male_old"), None);
        assert_eq!(group_column("urban"), None);
        assert_eq!(group_column("male_60-15"), None);
    }
}
