//! The regions an indicator view speaks of: populations, the rows of the region tree, the
//! entities of per-entity targets, the child regions compared and assessed.

use crate::regions::prefix_end;
use crate::{Db, StoreError, StoreResult, plans};
use kesu_core::RegionLevel;
use kesu_indicators::RegionInfo;
use kesu_indicators::actual::Population;
use kesu_indicators::coverage::{Entity, EntityKey};
use std::collections::{BTreeMap, BTreeSet};

/// The latest population on or before `year` of every region in `region`'s subtree (the region
/// itself included).
pub async fn populations(db: &Db, region: &str, year: i32) -> StoreResult<Population> {
    let hi = prefix_end(region);
    let rows: Vec<(String, i32, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT region_code, year, population FROM region_population
         WHERE region_code >= $1 AND region_code < $2 AND year <= $3
         ORDER BY region_code, year"
    )
    .bind(region)
    .bind(&hi)
    .bind(year)
    .fetch_all(p)
    .await)?;
    // Rows come oldest first within a region: the last one written wins.
    Ok(rows
        .into_iter()
        .map(|(code, _, n)| (code, n as f64))
        .collect())
}

/// The stored regions of `region`'s subtree (the region itself first) with their populations,
/// for a [`kesu_indicators::RegionTree`]. Codes only seen in observations are implied by the
/// tree.
pub async fn region_infos(db: &Db, region: &str, year: i32) -> StoreResult<Vec<RegionInfo>> {
    Ok(tree_rows(db, region, year).await?.0)
}

/// [`region_infos`], and whether the region itself is stored (a region only named by a plan
/// is put first all the same, named by its code).
pub(super) async fn tree_rows(
    db: &Db,
    region: &str,
    year: i32,
) -> StoreResult<(Vec<RegionInfo>, bool)> {
    let pop = populations(db, region, year).await?;
    let mut regions = Vec::new();
    let mut stored = false;
    if !region.is_empty()
        && let Some(r) = crate::regions::get(db, region).await?
    {
        regions.push(r);
        stored = true;
    }
    regions.extend(crate::regions::subtree(db, within(region), None, None).await?);
    let mut out: Vec<RegionInfo> = regions
        .into_iter()
        .map(|r| RegionInfo {
            population: pop.get(&r.code).copied(),
            code: r.code,
            name: r.name,
        })
        .collect();
    if !stored {
        out.insert(
            0,
            RegionInfo {
                code: region.to_string(),
                name: region.to_string(),
                population: pop.get(region).copied(),
            },
        );
    }
    Ok((out, stored))
}

/// A region as a subtree bound: `None` for the whole country (`""`).
fn within(region: &str) -> Option<&str> {
    (!region.is_empty()).then_some(region)
}

/// What a per-entity target's entities are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EntityList {
    /// Regions of a level: villages (村, 社区), townships (乡镇, 街道) or counties (县市区).
    Regions(RegionLevel),
    /// Schools from the unit registry.
    Schools,
    /// Not something Kesu can list (每名辅导员).
    Unknown,
}

/// The entities named by a per-entity target's scope ("每个村", "每所中小学校").
pub(super) fn entity_list(entity: &str) -> EntityList {
    if entity.contains('村') || entity.contains("社区") {
        EntityList::Regions(RegionLevel::Village)
    } else if entity.contains("乡镇") || entity.contains("街道") || entity.contains('镇') {
        EntityList::Regions(RegionLevel::Township)
    } else if entity.contains("县") || entity.contains("区") {
        EntityList::Regions(RegionLevel::County)
    } else if entity.contains("学校") || entity.contains('校') {
        EntityList::Schools
    } else {
        EntityList::Unknown
    }
}

/// The entities a per-entity target applies to in `region` ([`entity_list`]): regions of a
/// level from the region tree, schools from the unit registry. `None` when the entity is not
/// one Kesu can list: the target then has no data, with the reason stated.
pub async fn entities(db: &Db, region: &str, entity: &str) -> StoreResult<Option<Vec<Entity>>> {
    match entity_list(entity) {
        EntityList::Regions(level) => {
            let mut rs = crate::regions::subtree(db, within(region), Some(level), None).await?;
            // Judged at a region of that level (每个县区 at one county): the region itself.
            if region.len() == level.code_len()
                && let Some(r) = crate::regions::get(db, region).await?
            {
                rs.insert(0, r);
            }
            Ok(Some(
                rs.into_iter()
                    .map(|r| Entity {
                        key: EntityKey::Region(r.code),
                        name: r.name,
                    })
                    .collect(),
            ))
        }
        EntityList::Schools => {
            let units = crate::units::list(db, region).await?;
            Ok(Some(
                units
                    .into_iter()
                    .filter(|u| u.kind == "学校")
                    .map(|u| Entity {
                        key: EntityKey::Unit(u.id),
                        name: u.name,
                    })
                    .collect(),
            ))
        }
        EntityList::Unknown => Ok(None),
    }
}

/// The names of regions by code (codes not stored are left out).
pub async fn region_names(db: &Db, codes: &[String]) -> StoreResult<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for code in codes {
        if let Some(r) = crate::regions::get(db, code).await? {
            out.insert(code.clone(), r.name);
        }
    }
    Ok(out)
}

/// Names the division tables give to groupings that are not regions of their own: the
/// 市辖区 / 县 level of the four municipalities, the 直辖县级 groups of some provinces.
const PSEUDO_REGIONS: &[&str] = &[
    "市辖区",
    "县",
    "省直辖县级行政区划",
    "自治区直辖县级行政区划",
];

/// The child regions of `region`: stored ones (through a grouping level such as 重庆's
/// 市辖区 and 县, to the districts and counties), else those implied by units and plans below it.
pub async fn child_regions(db: &Db, region: &str) -> StoreResult<Vec<(String, String)>> {
    let stored = crate::regions::children(db, within(region)).await?;
    if !stored.is_empty() {
        let mut out = Vec::new();
        for r in stored {
            if PSEUDO_REGIONS.contains(&r.name.as_str()) {
                let below = crate::regions::children(db, Some(&r.code)).await?;
                if !below.is_empty() {
                    out.extend(below.into_iter().map(|c| (c.code, c.name)));
                    continue;
                }
            }
            out.push((r.code, r.name));
        }
        return Ok(out);
    }
    // The country's children are the provinces.
    let child = match region {
        "" => Some(RegionLevel::Province),
        r => kesu_core::RegionCode::parse(r)
            .map_err(|e| StoreError::Invalid(e.to_string()))?
            .level()
            .child(),
    };
    let Some(child) = child else {
        return Ok(Vec::new());
    };
    let n = child.code_len();
    let mut codes: BTreeSet<String> = BTreeSet::new();
    for u in crate::units::list(db, region).await? {
        if u.region_code.len() >= n {
            codes.insert(u.region_code[..n].to_string());
        }
    }
    for p in plans::list(db, region).await? {
        if p.region_code.len() >= n {
            codes.insert(p.region_code[..n].to_string());
        }
    }
    let names = region_names(db, &codes.iter().cloned().collect::<Vec<_>>()).await?;
    Ok(codes
        .into_iter()
        .map(|c| {
            let name = names.get(&c).cloned().unwrap_or_else(|| c.clone());
            (c, name)
        })
        .collect())
}
