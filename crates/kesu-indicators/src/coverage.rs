//! Per-entity targets: "每个村至少培育1名", "每所中小学校至少配备1名".
//!
//! The target is checked for each entity of the region (villages from the region tree, schools
//! and other bodies from the unit registry). An entity that has not reported does not meet it:
//! it is listed with no value, apart from those that reported too little.

use crate::actual::{self, Observation, Population, Source, Window};
use crate::indicator::Indicator;
use crate::progress::attainment;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How an entity is recognised in observations.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKey {
    /// A region (a village code): observations for it or for a region below it.
    Region(String),
    /// A unit from the registry (a school): observations it reported.
    Unit(i64),
}

/// One entity a per-entity target applies to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub key: EntityKey,
    pub name: String,
}

/// One entity's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityResult {
    pub entity: Entity,
    /// `None`: the entity has no accepted report in scope.
    pub actual: Option<f64>,
    pub met: bool,
}

/// How many entities meet the target, and which do not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    pub total: usize,
    pub met: usize,
    /// Entities with no accepted report (they are among `not_met`).
    pub no_data: usize,
    /// `met / total`; `None` when there are no entities.
    pub share: Option<f64>,
    /// Entities that do not meet the target, in the order given, those without data included
    /// (with `actual: None`).
    pub not_met: Vec<EntityResult>,
    /// Every observation used, for drill-down.
    pub sources: Vec<Source>,
}

/// Check a per-entity target over `entities`, using the accepted observations in `window`.
/// Each entity's value is combined with the indicator's aggregation, then compared with the
/// target's comparator and value.
pub fn coverage(
    indicator: &Indicator,
    observations: &[Observation],
    entities: &[Entity],
    window: &Window,
    population: Option<&Population>,
) -> Coverage {
    let mut by_region: HashMap<&str, usize> = HashMap::new();
    let mut by_unit: HashMap<i64, usize> = HashMap::new();
    for (i, e) in entities.iter().enumerate() {
        match &e.key {
            EntityKey::Region(code) => {
                by_region.entry(code.as_str()).or_insert(i);
            }
            EntityKey::Unit(id) => {
                by_unit.entry(*id).or_insert(i);
            }
        }
    }
    let mut per_entity: Vec<Vec<&Observation>> = vec![Vec::new(); entities.len()];
    let months = window.months();
    for o in observations {
        if !o.accepted || !o.value.is_finite() || !months.contains(o.period) {
            continue;
        }
        if let Some(&i) = by_unit.get(&o.unit_id) {
            per_entity[i].push(o);
            continue;
        }
        // The deepest region entity whose code is a prefix of the observation's region.
        let code = o.region_code.as_str();
        let hit = [12, 9, 6, 4, 2]
            .into_iter()
            .filter(|&n| n <= code.len())
            .find_map(|n| code.get(..n).and_then(|p| by_region.get(p)));
        if let Some(&i) = hit {
            per_entity[i].push(o);
        }
    }
    let t = &indicator.target;
    let mut met = 0;
    let mut no_data = 0;
    let mut not_met = Vec::new();
    let mut sources = Vec::new();
    for (e, obs) in entities.iter().zip(&per_entity) {
        let a = actual::combine(indicator.aggregation, obs, population);
        let ok = a
            .value
            .is_some_and(|v| attainment(t.comparator, &t.value, v).met);
        if ok {
            met += 1;
        } else {
            if a.value.is_none() {
                no_data += 1;
            }
            not_met.push(EntityResult {
                entity: e.clone(),
                actual: a.value,
                met: false,
            });
        }
        sources.extend(a.sources);
    }
    actual::sort_sources(&mut sources);
    let total = entities.len();
    Coverage {
        total,
        met,
        no_data,
        share: (total > 0).then(|| met as f64 / total as f64),
        not_met,
        sources,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kesu_core::report::Period;
    use kesu_core::{Comparator, Target, TargetValue};

    fn leaders_per_village() -> Indicator {
        Indicator::from_target(&Target {
            text: "每个村至少培育1名创业创新带头人".into(),
            indicator: "创业创新带头人".into(),
            comparator: Comparator::Ge,
            value: TargetValue::Number(1.0),
            unit: "名".into(),
            year: None,
            per: Some("每个村".into()),
        })
    }

    fn village(code: &str, name: &str) -> Entity {
        Entity {
            key: EntityKey::Region(code.into()),
            name: name.into(),
        }
    }

    fn obs(report_id: i64, region: &str, value: f64) -> Observation {
        Observation {
            report_id,
            unit_id: 5,
            region_code: region.into(),
            period: Period::Quarter {
                year: 2023,
                quarter: 2,
            },
            value,
            accepted: true,
        }
    }

    fn four_villages() -> Vec<Entity> {
        vec![
            village("431302001001", "甲村"),
            village("431302001002", "乙村"),
            village("431302001003", "丙村"),
            village("431302001004", "丁村"),
        ]
    }

    #[test]
    fn villages_meeting_the_target_are_counted_and_the_others_listed() {
        // 甲 trained 2 leaders over two reports, 乙 1, 丙 0, 丁 never reported.
        let o = [
            obs(1, "431302001001", 1.0),
            obs(2, "431302001001", 1.0),
            obs(3, "431302001002", 1.0),
            obs(4, "431302001003", 0.0),
        ];
        let c = coverage(
            &leaders_per_village(),
            &o,
            &four_villages(),
            &Window::years(2021, 2025),
            None,
        );
        assert_eq!((c.total, c.met, c.no_data), (4, 2, 1));
        assert_eq!(c.share, Some(0.5));
        let names: Vec<&str> = c.not_met.iter().map(|r| r.entity.name.as_str()).collect();
        assert_eq!(names, ["丙村", "丁村"]);
        assert_eq!(c.not_met[0].actual, Some(0.0));
        assert_eq!(c.not_met[1].actual, None, "丁村 has no data, not zero");
        assert_eq!(c.sources.len(), 4);
    }

    #[test]
    fn observations_of_other_regions_do_not_count_for_an_entity() {
        let o = [obs(1, "431302002001", 3.0)];
        let c = coverage(
            &leaders_per_village(),
            &o,
            &four_villages(),
            &Window::years(2021, 2025),
            None,
        );
        assert_eq!(c.met, 0);
        assert!(c.sources.is_empty());
    }

    #[test]
    fn units_are_matched_by_their_id() {
        let schools = [
            Entity {
                key: EntityKey::Unit(5),
                name: "第一中学".into(),
            },
            Entity {
                key: EntityKey::Unit(6),
                name: "第二小学".into(),
            },
        ];
        let c = coverage(
            &leaders_per_village(),
            &[obs(1, "431302", 1.0)],
            &schools,
            &Window::years(2021, 2025),
            None,
        );
        assert_eq!((c.met, c.total), (1, 2));
        assert_eq!(c.not_met[0].entity.name, "第二小学");
    }

    #[test]
    fn no_entities_give_no_coverage_share() {
        let c = coverage(
            &leaders_per_village(),
            &[],
            &[],
            &Window::years(2021, 2025),
            None,
        );
        assert_eq!(c.share, None);
    }
}
