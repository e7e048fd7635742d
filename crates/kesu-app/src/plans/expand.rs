//! Collective names (集合称谓) and the unit registry. "各县市区人民政府" in a city's plan stands
//! for each of its counties, "各成员单位" for each of the office's member units: at import each
//! member becomes a responsible entity of the task in the name's role (the plan JSON keeps the
//! words as written). The draft shows each name with its members ("各县市区人民政府 → 5 个县市
//! 区") for the office to confirm, narrow, or keep the name as one unit.
//!
//! The same registry tells which unit names of the plan the region does not know yet, with the
//! nearest names it does know: a doubt for the office to settle before confirming.

use crate::Result;
use kesu_core::region::RegionCode;
use kesu_core::{Plan, RegionLevel};
use kesu_plan::Warning;
use kesu_plan::units::{self, Collective};
use kesu_store::plans::{Expansions, Member};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Most members a collective name expands to (the villages of a large city are about 11 000).
pub const MAX_MEMBERS: i64 = 20_000;

/// How a collective name of the plan is expanded, as the office chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expansion {
    /// The name as written (各县市区人民政府).
    pub name: String,
    pub rule: Rule,
    /// Members the office took out: region codes, or unit names.
    #[serde(default)]
    pub excluded: Vec<String>,
    /// Keep the name as one unit, not expanded (不展开).
    #[serde(default)]
    pub keep: bool,
}

/// What a collective name stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rule {
    /// Every region of `level` under the plan's region, limited to names ending in one of
    /// `endings` when not empty (各镇政府: 镇 only).
    Regions {
        level: RegionLevel,
        endings: Vec<String>,
    },
    /// The office's member units (各成员单位, 各有关单位).
    Members,
}

impl Rule {
    /// What the members are called: 县市区, 乡镇（街道）, 成员单位.
    pub fn members_zh(&self) -> String {
        match self {
            Rule::Members => "成员单位".into(),
            Rule::Regions { level, endings } => match level {
                RegionLevel::Province => "省".into(),
                RegionLevel::City => "市（州）".into(),
                RegionLevel::County => "县市区".into(),
                RegionLevel::Township if endings.is_empty() => "乡镇（街道）".into(),
                RegionLevel::Township => endings.join("、"),
                RegionLevel::Village => "村（社区）".into(),
            },
        }
    }
}

/// A member as the office sees it: `key` is what [`Expansion::excluded`] holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    pub key: String,
    pub name: String,
    pub included: bool,
}

/// A collective name with its members found in the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolved {
    pub name: String,
    /// 县市区, 成员单位, …
    pub members_zh: String,
    pub keep: bool,
    pub choices: Vec<Choice>,
    /// "各县市区人民政府 → 5 个县市区", or why it stays one unit.
    pub summary: String,
}

impl Resolved {
    /// The members the import assigns (none: the name stays one unit).
    pub fn included(&self) -> impl Iterator<Item = &Choice> {
        self.choices.iter().filter(|c| c.included && !self.keep)
    }
}

/// The collective names among the plan's units, each once, in the order they first appear.
pub fn collectives(plan: &Plan) -> Vec<(String, Rule)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for t in &plan.tasks {
        for name in t.lead.iter().chain(&t.cooperating).chain(&t.responsible) {
            if !seen.insert(name.as_str()) {
                continue;
            }
            let rule = match units::collective(name) {
                Some(Collective::Members) => Rule::Members,
                Some(Collective::Regions { level, endings, .. }) => Rule::Regions {
                    level,
                    endings: endings.into_iter().map(String::from).collect(),
                },
                None => continue,
            };
            out.push((name.clone(), rule));
        }
    }
    out
}

/// The expansions for `plan`: the office's earlier choices for names still in it, every
/// member for names new to it.
pub fn reconcile(plan: &Plan, earlier: &[Expansion]) -> Vec<Expansion> {
    collectives(plan)
        .into_iter()
        .map(|(name, rule)| {
            earlier
                .iter()
                .find(|e| e.name == name && e.rule == rule)
                .cloned()
                .unwrap_or(Expansion {
                    name,
                    rule,
                    excluded: Vec::new(),
                    keep: false,
                })
        })
        .collect()
}

/// The region a plan is for, and its unit registry (canonical names of units registered at
/// the region itself).
pub struct Registry {
    pub code: String,
    pub name: Option<String>,
    pub units: Vec<String>,
}

impl Registry {
    pub async fn load(db: &kesu_store::Db, code: &str, name: Option<String>) -> Result<Self> {
        let units = kesu_store::units::list(db, code)
            .await?
            .into_iter()
            .filter(|u| u.region_code == code && units::collective(&u.name).is_none())
            .map(|u| u.name)
            .collect();
        Ok(Registry {
            code: code.to_string(),
            name,
            units,
        })
    }

    fn canonical(&self, name: &str) -> String {
        units::canonical_name(name, self.name.as_deref())
    }
}

/// Each expansion with its members: regions from the division table, member units from the
/// registry and the plan's own units.
pub async fn resolve(
    db: &kesu_store::Db,
    registry: &Registry,
    plan: &Plan,
    expansions: &[Expansion],
) -> Result<Vec<Resolved>> {
    let mut out = Vec::with_capacity(expansions.len());
    for e in expansions {
        let members: Vec<(String, String)> = match &e.rule {
            // A region code the division table cannot hold has no regions below it.
            Rule::Regions { .. } if RegionCode::parse(&registry.code).is_err() => Vec::new(),
            Rule::Regions { level, endings } => kesu_store::regions::subtree(
                db,
                Some(&registry.code),
                Some(*level),
                Some(MAX_MEMBERS),
            )
            .await?
            .into_iter()
            .filter(|r| endings.is_empty() || endings.iter().any(|x| r.name.ends_with(x.as_str())))
            .map(|r| (r.code, r.name))
            .collect(),
            Rule::Members => member_units(registry, plan)
                .into_iter()
                .map(|n| (n.clone(), n))
                .collect(),
        };
        let choices: Vec<Choice> = members
            .into_iter()
            .map(|(key, name)| Choice {
                included: !e.excluded.contains(&key),
                key,
                name,
            })
            .collect();
        let members_zh = e.rule.members_zh();
        let n = choices.iter().filter(|c| c.included).count();
        let summary = if choices.is_empty() {
            let place = registry
                .name
                .clone()
                .unwrap_or_else(|| registry.code.clone());
            format!(
                "{} → 在{place}下未找到{members_zh}，将作为一个单位保留",
                e.name
            )
        } else if e.keep {
            format!("{} → 不展开，作为一个单位", e.name)
        } else if n == 0 {
            format!("{} → 已全部去掉，将作为一个单位保留", e.name)
        } else {
            format!("{} → {n} 个{members_zh}", e.name)
        };
        out.push(Resolved {
            name: e.name.clone(),
            members_zh,
            keep: e.keep,
            choices,
            summary,
        });
    }
    Ok(out)
}

/// The office's member units: the registry's units and the units the plan names, by canonical
/// name, collective names left out.
fn member_units(registry: &Registry, plan: &Plan) -> Vec<String> {
    let mut names: BTreeSet<String> = registry.units.iter().cloned().collect();
    for t in &plan.tasks {
        for n in t.all_units() {
            if units::collective(n).is_none() {
                let c = registry.canonical(n);
                if !c.is_empty() {
                    names.insert(c);
                }
            }
        }
    }
    names.into_iter().collect()
}

/// What the import assigns for each collective name: its included members (a name with none
/// stays one unit).
pub fn members(registry: &Registry, resolved: &[Resolved], rules: &[Expansion]) -> Expansions {
    let mut out = Expansions::new();
    for (r, e) in resolved.iter().zip(rules) {
        let members: Vec<Member> = r
            .included()
            .map(|c| Member {
                region_code: match e.rule {
                    Rule::Regions { .. } => c.key.clone(),
                    Rule::Members => registry.code.clone(),
                },
                name: c.name.clone(),
            })
            .collect();
        if !members.is_empty() {
            out.insert(r.name.clone(), members);
        }
    }
    out
}

/// Unit names of the plan that the region's registry does not hold, each once (at its first
/// place), with the nearest names it does. A registry still empty (the region's first plan)
/// gets one note instead of a doubt per name.
pub fn unknown_units(registry: &Registry, plan: &Plan) -> Vec<Warning> {
    let known: BTreeSet<&str> = registry.units.iter().map(String::as_str).collect();
    let mut first: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut order = Vec::new();
    for (i, t) in plan.tasks.iter().enumerate() {
        for (role, names) in [
            ("lead", &t.lead),
            ("cooperating", &t.cooperating),
            ("responsible", &t.responsible),
        ] {
            for (k, n) in names.iter().enumerate() {
                if units::collective(n).is_some() || known.contains(registry.canonical(n).as_str())
                {
                    continue;
                }
                let e = first.entry(n.clone()).or_insert_with(|| {
                    order.push(n.clone());
                    (format!("tasks[{i}].{role}[{k}]"), 0)
                });
                e.1 += 1;
            }
        }
    }
    if order.is_empty() {
        return Vec::new();
    }
    if registry.units.is_empty() {
        return vec![Warning {
            message: format!(
                "本区划的单位名录还是空的：确认后将按方案新建 {} 个单位，请核对单位名称是否写对",
                order.len()
            ),
            path: "tasks".into(),
        }];
    }
    order
        .into_iter()
        .map(|n| {
            let (path, count) = &first[&n];
            let near = units::nearest_names(&n, &registry.units, registry.name.as_deref(), 3);
            let times = if *count > 1 {
                format!("（共 {count} 处）")
            } else {
                String::new()
            };
            let hint = if near.is_empty() {
                "名录中没有相近的名称，确认后将新建该单位".to_string()
            } else {
                format!(
                    "相近的已有单位：{}；如是同一单位请改用已有名称",
                    near.join("、")
                )
            };
            Warning {
                message: format!("单位“{n}”不在本区划的单位名录中{times}。{hint}"),
                path: path.clone(),
            }
        })
        .collect()
}
