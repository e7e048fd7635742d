//! The objects the route tests ask about — one or more of each kind in county A, in county B
//! and in the city — with what the rules see of each (its region, its units, its lead units).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "shared by several test binaries; a failed set-up fails the test"
)]

use super::routes::Obj;
use super::scope::Scoped;
use super::{A, B, CITY};
use std::collections::BTreeMap;

/// What the rules see of an object.
#[derive(Debug, Clone)]
pub enum Scope {
    Nothing,
    Public,
    /// A plan, round or task: its region and the units with work in it.
    Owned {
        region: String,
        units: Vec<i64>,
    },
    /// A round: its region, the units with reports in it and their regions.
    Round {
        region: String,
        units: Vec<i64>,
        unit_regions: Vec<String>,
    },
    Report {
        region: String,
        unit: i64,
        lead: bool,
        leads: Vec<i64>,
        /// The region of the report's round (its office reviews it).
        round_region: String,
    },
    Unit {
        region: String,
        id: i64,
    },
    Region(String),
    /// No such object (a target of another plan): 404 for everyone.
    Missing,
    AssessedRegion {
        code: String,
        child: String,
    },
    AssessedUnit {
        code: String,
        unit: i64,
        region: String,
    },
    /// A citizens' test: its region's offices, and those of the regions under it (each its
    /// own villagers' part).
    Test(String),
    /// A move between two villages: the offices of either side.
    Move {
        from: String,
        to: String,
    },
}

/// One object a route is asked about: its path parameters, a plan named in the body, and what
/// the rules see of it.
#[derive(Debug, Clone)]
pub struct Instance {
    pub label: String,
    pub params: BTreeMap<&'static str, String>,
    pub plan_in_body: Option<i64>,
    /// Form fields naming the object (or making the write invalid once the checks pass),
    /// over the defaults of `routes::body`.
    pub form: BTreeMap<&'static str, String>,
    pub scope: Scope,
}

impl Instance {
    fn new(label: impl Into<String>, scope: Scope) -> Self {
        Self {
            label: label.into(),
            params: BTreeMap::new(),
            plan_in_body: None,
            form: BTreeMap::new(),
            scope,
        }
    }
    fn with(mut self, k: &'static str, v: impl ToString) -> Self {
        self.params.insert(k, v.to_string());
        self
    }
    fn field(mut self, k: &'static str, v: impl ToString) -> Self {
        self.form.insert(k, v.to_string());
        self
    }

    /// The route's path with this object's parameters.
    pub fn path(&self, template: &str) -> String {
        let mut p = template.to_string();
        for (k, v) in &self.params {
            p = p.replace(&format!("{{{k}}}"), v);
        }
        p = p.replace("{year}", "2025").replace("{key}", "youth");
        assert!(
            !p.contains('{'),
            "{template}: no value for a parameter in {p}"
        );
        p
    }
}

/// The objects of each kind: one or more in county A, in county B and in the city.
pub async fn instances(x: &Scoped, obj: Obj) -> Vec<Instance> {
    let w = &x.w;
    let plans = [(A, w.plans[A]), (B, w.plans[B]), (CITY, x.city_plan)];
    match obj {
        Obj::None => vec![Instance::new("-", Scope::Nothing)],
        Obj::Plan | Obj::PlanInBody => {
            let mut out = Vec::new();
            for (region, id) in plans {
                let mut i = Instance::new(
                    format!("plan of {region}"),
                    owned_plan(&w.db, region, id).await,
                )
                .with("id", id);
                i.plan_in_body = Some(id);
                out.push(i);
            }
            out
        }
        Obj::Round => {
            let mut out = Vec::new();
            for (region, id) in [(A, w.rounds[A]), (B, w.rounds[B]), (CITY, x.city_round)] {
                let slots = kesu_store::reporting::slots(&w.db, id).await.unwrap();
                out.push(
                    Instance::new(
                        format!("round of {region}"),
                        Scope::Round {
                            region: region.into(),
                            units: slots.iter().map(|s| s.unit_id).collect(),
                            unit_regions: slots.iter().map(|s| s.region_code.clone()).collect(),
                        },
                    )
                    .with("id", id),
                );
            }
            out
        }
        Obj::Task => {
            let mut out = Vec::new();
            for (region, plan) in plans {
                let t = kesu_store::plans::tasks(&w.db, plan)
                    .await
                    .unwrap()
                    .remove(0);
                out.push(
                    Instance::new(
                        format!("task of {region}"),
                        Scope::Owned {
                            region: region.into(),
                            units: t.units.iter().map(|u| u.unit_id).collect(),
                        },
                    )
                    .with("id", t.id),
                );
            }
            out
        }
        Obj::Report => reports(x).await,
        Obj::Attachment => {
            let mut out = Vec::new();
            for county in [A, B] {
                let a = kesu_store::reporting::attachment(&w.db, x.attachments[county])
                    .await
                    .unwrap();
                let report = report_instance(x, a.report_id).await;
                out.push(Instance {
                    label: format!("evidence of {county}"),
                    params: BTreeMap::from([("id", a.id.to_string())]),
                    plan_in_body: None,
                    form: BTreeMap::new(),
                    scope: report.scope,
                });
            }
            out
        }
        Obj::Unit => {
            let mut out = Vec::new();
            for county in [A, B] {
                let s = super::scope::lead_report(w, county, 0).await;
                out.push(
                    Instance::new(
                        format!("lead unit of {county}"),
                        Scope::Unit {
                            region: county.into(),
                            id: s.unit_id,
                        },
                    )
                    .with("id", s.unit_id),
                );
            }
            out.push(
                Instance::new(
                    "county A's unit on the city task",
                    Scope::Unit {
                        region: A.into(),
                        id: x.county_units[A],
                    },
                )
                .with("id", x.county_units[A]),
            );
            out
        }
        Obj::Region => [CITY, A, B]
            .into_iter()
            .map(|c| Instance::new(format!("region {c}"), Scope::Region(c.into())).with("code", c))
            .collect(),
        Obj::Wave => [A, B]
            .into_iter()
            .map(|c| {
                Instance::new(
                    format!("wave of {c}"),
                    Scope::Owned {
                        region: c.into(),
                        units: Vec::new(),
                    },
                )
                .with("id", x.waves[c])
            })
            .collect(),
        Obj::Snapshot => [A, B]
            .into_iter()
            .map(|c| {
                Instance::new(format!("snapshot of {c}"), Scope::Public)
                    .with("code", c)
                    .with("id", x.snapshots[c])
            })
            .collect(),
        Obj::Target => {
            let mut out = Vec::new();
            let mut first = BTreeMap::new();
            for (region, plan) in plans {
                let t = kesu_store::plans::tasks(&w.db, plan)
                    .await
                    .unwrap()
                    .remove(0);
                first.insert(region, t.targets[0].id);
                // A reporter sees the targets of its own unit's tasks only.
                let scope = Scope::Owned {
                    region: region.into(),
                    units: t.units.iter().map(|u| u.unit_id).collect(),
                };
                out.push(
                    Instance::new(format!("target of {region}"), scope)
                        .with("id", plan)
                        .with("target", t.targets[0].id),
                );
            }
            out.push(
                Instance::new("A's plan with B's target", Scope::Missing)
                    .with("id", w.plans[A])
                    .with("target", first[B]),
            );
            out
        }
        Obj::AssessedRegion => [A, B]
            .into_iter()
            .map(|c| {
                Instance::new(
                    format!("the city's assessment of {c}"),
                    Scope::AssessedRegion {
                        code: CITY.into(),
                        child: c.into(),
                    },
                )
                .with("code", CITY)
                .with("child", c)
            })
            .collect(),
        Obj::Service(k) => super::services::instances(&x.services, k),
        Obj::Draft => super::drafts::instances(&x.drafts),
        Obj::Test
        | Obj::Attempt
        | Obj::Entry
        | Obj::Move
        | Obj::BankInBody
        | Obj::VillageInBody
        | Obj::AccountInBody
        | Obj::PersonRequest => citizens(x, obj),
        Obj::AssessedUnit => {
            let mut out = Vec::new();
            for county in [A, B] {
                let s = super::scope::lead_report(w, county, 0).await;
                out.push(
                    Instance::new(
                        format!("{county}'s assessment of its lead unit"),
                        Scope::AssessedUnit {
                            code: county.into(),
                            unit: s.unit_id,
                            region: county.into(),
                        },
                    )
                    .with("code", county)
                    .with("unit", s.unit_id),
                );
            }
            out
        }
    }
}

/// The citizens' objects of a kind (see `common::citizens`).
fn citizens(x: &Scoped, obj: Obj) -> Vec<Instance> {
    let c = &x.citizens;
    let region = |code: &str| Scope::Region(code.to_string());
    match obj {
        Obj::Test => {
            let mut out: Vec<Instance> = c
                .tests
                .iter()
                .map(|(r, id)| {
                    Instance::new(format!("test of {r}"), Scope::Test(r.clone())).with("id", id)
                })
                .collect();
            out.push(Instance::new("no such test", Scope::Missing).with("id", 999_999));
            out
        }
        Obj::Attempt => {
            let mut out: Vec<Instance> = c
                .attempts
                .iter()
                .map(|(label, _, token)| Instance::new(label, Scope::Public).with("token", token))
                .collect();
            out.push(
                Instance::new("no such attempt", Scope::Missing).with("token", "0".repeat(64)),
            );
            out
        }
        Obj::Entry => {
            let mut out: Vec<Instance> = super::citizens::VILLAGES
                .iter()
                .map(|(county, _, villages)| {
                    Instance::new(format!("entry of {county}"), region(villages[0]))
                        .with("id", c.entries[*county])
                })
                .collect();
            out.push(Instance::new("no such entry", Scope::Missing).with("id", 999_999));
            out
        }
        // An action no side may take: a side that may decide is refused the input (422).
        Obj::Move => c
            .moves
            .iter()
            .map(|(id, from, to)| {
                Instance::new(
                    format!("move {from} → {to}"),
                    Scope::Move {
                        from: from.clone(),
                        to: to.clone(),
                    },
                )
                .with("id", id)
                .field("action", "none")
            })
            .collect(),
        Obj::BankInBody => c
            .banks
            .iter()
            .map(|(r, id)| Instance::new(format!("bank of {r}"), region(r)).field("bank_id", id))
            .collect(),
        Obj::VillageInBody => super::citizens::VILLAGES
            .iter()
            .map(|(_, _, v)| {
                Instance::new(format!("village {}", v[0]), region(v[0])).field("village", v[0])
            })
            .collect(),
        // `action=accept` is neither `grant` nor `revoke`.
        Obj::AccountInBody => [(A, "a_viewer"), (B, "b_viewer")]
            .into_iter()
            .map(|(r, name)| {
                Instance::new(format!("account {name}"), region(r)).field("username", name)
            })
            .collect(),
        Obj::PersonRequest => {
            vec![Instance::new("a person's export", Scope::Nothing).field("action", "export")]
        }
        _ => unreachable!("not a citizens' object"),
    }
}

/// A plan as the rules see it: its region and the units with tasks in it.
async fn owned_plan(db: &kesu_store::Db, region: &str, id: i64) -> Scope {
    let tasks = kesu_store::plans::tasks(db, id).await.unwrap();
    Scope::Owned {
        region: region.into(),
        units: tasks
            .iter()
            .flat_map(|t| t.units.iter().map(|u| u.unit_id))
            .collect(),
    }
}

/// A report as the rules see it.
pub async fn report_instance(x: &Scoped, id: i64) -> Instance {
    let s = kesu_store::reporting::slot(&x.w.db, id).await.unwrap();
    let leads = kesu_store::reporting::lead_units(&x.w.db, s.round_id, s.task_id)
        .await
        .unwrap();
    let round = kesu_store::reporting::round(&x.w.db, s.round_id)
        .await
        .unwrap();
    Instance::new(
        format!("{} report of {} ({})", s.role, s.unit_name, s.region_code),
        Scope::Report {
            region: s.region_code.clone(),
            unit: s.unit_id,
            lead: s.role == "lead",
            leads,
            round_region: round.region_code,
        },
    )
    .with("id", id)
}

/// The lead and cooperating reports of each county's first task, and each county's report on
/// the city's task.
async fn reports(x: &Scoped) -> Vec<Instance> {
    let mut out = Vec::new();
    for county in [A, B] {
        let lead = super::scope::lead_report(&x.w, county, 0).await;
        let coop = super::scope::cooperating_report(&x.w, county, 0).await;
        for id in [lead.id, coop.id, x.county_reports[county]] {
            out.push(report_instance(x, id).await);
        }
    }
    out
}
