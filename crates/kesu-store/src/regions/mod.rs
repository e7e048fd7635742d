//! The region tree: administrative divisions by code, their names, levels and population.
//!
//! Codes nest by prefix with a fixed length per level (2/4/6/9/12 digits), so every subtree query
//! is a range on the primary key (`code >= '4313' AND code < '4314'`), never a recursive walk.

mod import;
mod population;

pub use import::{ImportSummary, import_divisions, import_path, import_seed_csv};
pub use population::{
    Population, PopulationGroup, PopulationSummary, import_population, population,
};

use crate::{Db, StoreError, StoreResult};
use kesu_core::{RegionCode, RegionLevel};
use serde::Serialize;

/// One administrative division.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub level: RegionLevel,
    pub parent_code: Option<String>,
    /// The edition of the division table this row was last imported from.
    pub edition: String,
}

pub(crate) struct RegionRow {
    code: String,
    name: String,
    level: i32,
    parent_code: Option<String>,
    edition: String,
}
from_row!(RegionRow {
    code: String,
    name: String,
    level: i32,
    parent_code: Option<String>,
    edition: String,
});

impl From<RegionRow> for Region {
    fn from(r: RegionRow) -> Self {
        let level = u8::try_from(r.level)
            .ok()
            .and_then(RegionLevel::from_depth)
            .or_else(|| RegionLevel::from_code_len(r.code.len()))
            .unwrap_or(RegionLevel::Village);
        Self {
            code: r.code,
            name: r.name,
            level,
            parent_code: r.parent_code,
            edition: r.edition,
        }
    }
}

fn convert(rows: Vec<RegionRow>) -> Vec<Region> {
    rows.into_iter().map(Region::from).collect()
}

/// Descendants of a region at one level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LevelCount {
    pub level: RegionLevel,
    pub count: i64,
}

/// A region with its path from the province down and its descendant counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionDetail {
    #[serde(flatten)]
    pub region: Region,
    /// Ancestors from the province down (excluding the region itself).
    pub path: Vec<Region>,
    /// Direct children.
    pub children: i64,
    /// Descendants per level below the region.
    pub descendants: Vec<LevelCount>,
    /// The latest population figure, if any.
    pub population: Option<Population>,
}

/// The smallest string greater than every string starting with `prefix` (for range scans): the
/// last character incremented. Codes are ASCII digits, so '9' becomes ':'.
pub(crate) fn prefix_end(prefix: &str) -> String {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut n = u32::from(last) + 1;
        if (0xD800..0xE000).contains(&n) {
            n = 0xE000;
        }
        if let Some(c) = char::from_u32(n) {
            chars.push(c);
            return chars.into_iter().collect();
        }
    }
    // Only reached for a prefix of all U+10FFFF: no upper bound below it.
    String::from(char::MAX)
}

/// The region with this code, if stored.
pub async fn get(db: &Db, code: &str) -> StoreResult<Option<Region>> {
    let row: Option<RegionRow> = on_db!(db, |p| sqlx::query_as(
        "SELECT code, name, level, parent_code, edition FROM region WHERE code = $1"
    )
    .bind(code)
    .fetch_optional(p)
    .await)?;
    Ok(row.map(Region::from))
}

/// The region with this code, or a "not found" error naming it. The code is validated first.
pub async fn require(db: &Db, code: &str) -> StoreResult<Region> {
    let c = RegionCode::parse(code).map_err(|e| StoreError::Invalid(e.to_string()))?;
    get(db, c.as_str()).await?.ok_or(StoreError::NotFound {
        what: "区划",
        key: c.to_string(),
    })
}

/// The stored ancestors of `code`, from the province down.
pub async fn ancestors(db: &Db, code: &str) -> StoreResult<Vec<Region>> {
    let c = RegionCode::parse(code).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let mut codes: Vec<String> = c.ancestors().into_iter().map(String::from).collect();
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    // Fixed arity (a province has none, a village four): pad with a code that matches nothing.
    codes.resize(4, String::new());
    let rows: Vec<RegionRow> = on_db!(db, |p| sqlx::query_as(
        "SELECT code, name, level, parent_code, edition FROM region
         WHERE code IN ($1, $2, $3, $4) ORDER BY code"
    )
    .bind(&codes[0])
    .bind(&codes[1])
    .bind(&codes[2])
    .bind(&codes[3])
    .fetch_all(p)
    .await)?;
    Ok(convert(rows))
}

/// The direct children of `code`, by code; the provinces when `code` is `None`.
pub async fn children(db: &Db, code: Option<&str>) -> StoreResult<Vec<Region>> {
    let (prefix, level) = match code {
        Some(c) => {
            let c = RegionCode::parse(c).map_err(|e| StoreError::Invalid(e.to_string()))?;
            match c.level().child() {
                Some(l) => (c.to_string(), l),
                None => return Ok(Vec::new()),
            }
        }
        None => (String::new(), RegionLevel::Province),
    };
    subtree_at(db, &prefix, Some(level), None).await
}

/// Every region below `within` (all regions when `None`), optionally only those at `level`,
/// by code, at most `limit`. The region itself is not included.
pub async fn subtree(
    db: &Db,
    within: Option<&str>,
    level: Option<RegionLevel>,
    limit: Option<i64>,
) -> StoreResult<Vec<Region>> {
    let prefix = match within {
        Some(c) => RegionCode::parse(c)
            .map_err(|e| StoreError::Invalid(e.to_string()))?
            .to_string(),
        None => String::new(),
    };
    subtree_at(db, &prefix, level, limit).await
}

async fn subtree_at(
    db: &Db,
    prefix: &str,
    level: Option<RegionLevel>,
    limit: Option<i64>,
) -> StoreResult<Vec<Region>> {
    let lo = format!("{prefix}0");
    let hi = if prefix.is_empty() {
        ":".to_string()
    } else {
        prefix_end(prefix)
    };
    let level = level.map_or(0, |l| i32::from(l.depth()));
    let limit = limit.unwrap_or(i64::MAX);
    // A city's subtree is tens of thousands of rows; fetched row by row the driver's per-row
    // cost dominates. One aggregated string per query and a split in Rust is several times
    // faster. Names cannot hold tabs or newlines (the import refuses control characters).
    let packed: Option<String> = match db {
        Db::Sqlite(p, _) => {
            sqlx::query_scalar(
                "SELECT group_concat(code || char(9) || name || char(9) || edition, char(10) ORDER BY code)
                 FROM (SELECT code, name, edition FROM region
                       WHERE code >= $1 AND code < $2 AND ($3 = 0 OR level = $3)
                       ORDER BY code LIMIT $4)",
            )
            .bind(&lo)
            .bind(&hi)
            .bind(level)
            .bind(limit)
            .fetch_one(p)
            .await?
        }
        Db::Postgres(primary) => {
            let p = &crate::replica::reader(primary);
            sqlx::query_scalar(
                "SELECT string_agg(code || chr(9) || name || chr(9) || edition, chr(10) ORDER BY code)
                 FROM (SELECT code, name, edition FROM region
                       WHERE code >= $1 AND code < $2 AND ($3 = 0 OR level = $3)
                       ORDER BY code LIMIT $4) s",
            )
            .bind(&lo)
            .bind(&hi)
            .bind(level)
            .bind(limit)
            .fetch_one(p)
            .await?
        }
    };
    Ok(packed.as_deref().map_or_else(Vec::new, unpack))
}

/// Regions from "code\tname\tedition" lines; level and parent follow from the code.
fn unpack(packed: &str) -> Vec<Region> {
    packed
        .split('\n')
        .filter_map(|line| {
            let mut it = line.splitn(3, '\t');
            let code = it.next()?;
            let name = it.next()?;
            let edition = it.next()?;
            let c = RegionCode::parse(code).ok()?;
            Some(Region {
                level: c.level(),
                parent_code: c.parent().map(String::from),
                code: code.to_string(),
                name: name.to_string(),
                edition: edition.to_string(),
            })
        })
        .collect()
}

/// How many regions lie below `code` at each level (all levels below it, zeros included).
pub async fn descendant_counts(db: &Db, code: &str) -> StoreResult<Vec<LevelCount>> {
    let c = RegionCode::parse(code).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let lo = format!("{c}0");
    let hi = prefix_end(c.as_str());
    let rows: Vec<(i32, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT level, COUNT(*) FROM region WHERE code >= $1 AND code < $2 GROUP BY level"
    )
    .bind(&lo)
    .bind(&hi)
    .fetch_all(p)
    .await)?;
    let mut out = Vec::new();
    let mut next = c.level().child();
    while let Some(l) = next {
        let count = rows
            .iter()
            .find(|(lv, _)| *lv == i32::from(l.depth()))
            .map_or(0, |(_, n)| *n);
        out.push(LevelCount { level: l, count });
        next = l.child();
    }
    Ok(out)
}

/// The region with its path, child and descendant counts and latest population.
pub async fn show(db: &Db, code: &str) -> StoreResult<RegionDetail> {
    let region = require(db, code).await?;
    let path = ancestors(db, &region.code).await?;
    let descendants = descendant_counts(db, &region.code).await?;
    let children = descendants.first().map_or(0, |c| c.count);
    let population = population(db, &region.code).await?.into_iter().last();
    Ok(RegionDetail {
        region,
        path,
        children,
        descendants,
        population,
    })
}

/// Regions whose name starts with `query` (娄底 → 娄底市), shallowest level first, then by code;
/// when none does, regions whose name contains it. At most `limit`.
pub async fn search(db: &Db, query: &str, limit: i64) -> StoreResult<Vec<Region>> {
    let q = query.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let hi = prefix_end(q);
    // The name index serves the range; the sort is over the matches only.
    let rows: Vec<RegionRow> = on_db!(db, |p| sqlx::query_as(
        "SELECT code, name, level, parent_code, edition FROM region
         WHERE name >= $1 AND name < $2 ORDER BY level, code LIMIT $3"
    )
    .bind(q)
    .bind(&hi)
    .bind(limit)
    .fetch_all(p)
    .await)?;
    if !rows.is_empty() {
        return Ok(convert(rows));
    }
    // No prefix match: a scan for the name inside other names (slower, rarely needed).
    let pattern = format!("%{}%", escape_like(q));
    let rows: Vec<RegionRow> = on_db!(db, |p| sqlx::query_as(
        "SELECT code, name, level, parent_code, edition FROM region
         WHERE name LIKE $1 ESCAPE '\\' ORDER BY level, code LIMIT $2"
    )
    .bind(&pattern)
    .bind(limit)
    .fetch_all(p)
    .await)?;
    Ok(convert(rows))
}

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Regions named exactly `name`.
pub async fn by_name(db: &Db, name: &str) -> StoreResult<Vec<Region>> {
    let rows: Vec<RegionRow> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT code, name, level, parent_code, edition FROM region WHERE name = $1 ORDER BY level, code"
    )
    .bind(name.trim())
    .fetch_all(p)
    .await
    })?;
    Ok(convert(rows))
}

/// The regions a name as written in a document may mean: an exact name ("娄底市"), or a chain of
/// names from an ancestor down ("黄山市屯溪区"). Several candidates mean the name is ambiguous.
pub async fn resolve_name(db: &Db, name: &str) -> StoreResult<Vec<Region>> {
    let name = name.trim();
    let exact = by_name(db, name).await?;
    if !exact.is_empty() || name.is_empty() {
        return Ok(exact);
    }
    // Split "A B" where A is a region's full name and B a name inside A's subtree.
    let chars: Vec<(usize, char)> = name.char_indices().collect();
    let mut out: Vec<Region> = Vec::new();
    for &(i, _) in chars.iter().skip(2) {
        let (head, tail) = name.split_at(i);
        if tail.chars().count() < 2 {
            break;
        }
        for anc in by_name(db, head).await? {
            for r in by_name(db, tail).await? {
                if r.code.starts_with(&anc.code) && !out.contains(&r) {
                    out.push(r);
                }
            }
        }
    }
    Ok(out)
}

/// Total number of stored regions.
pub async fn count(db: &Db) -> StoreResult<i64> {
    Ok(on_db!(db, |p| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM region"
    )
    .fetch_one(p)
    .await)?)
}

/// One import of a division table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edition {
    pub id: i64,
    pub edition: String,
    #[serde(with = "time::serde::rfc3339")]
    pub imported_at: time::OffsetDateTime,
    pub actor: String,
    pub source: String,
    pub row_count: i64,
}
from_row!(Edition {
    id: i64,
    edition: String,
    imported_at: time::OffsetDateTime,
    actor: String,
    source: String,
    row_count: i64,
});

/// Every import of a division table, oldest first.
pub async fn editions(db: &Db) -> StoreResult<Vec<Edition>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, edition, imported_at, actor, source, row_count FROM region_edition ORDER BY id"
    )
    .fetch_all(p)
    .await)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_end_bounds_every_code_below_the_prefix() {
        assert_eq!(prefix_end("4313"), "4314");
        assert_eq!(prefix_end("49"), "4:");
        assert!("499999999999" < prefix_end("49").as_str());
        assert_eq!(prefix_end("娄底"), "娄\u{5E96}");
        assert!("娄底市" < prefix_end("娄底").as_str());
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like("a%b_c\\"), "a\\%b\\_c\\\\");
    }
}
