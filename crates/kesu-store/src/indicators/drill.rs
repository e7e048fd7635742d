//! One target rolled up over the region tree at one region: the region, its children, the
//! path up to the view's region and the reports entered for the region itself.
//!
//! Read from the plan's live state when it serves the view (see [`super::evaluate`]), else
//! rolled up from the view's observations over the tree of the view's region.

use super::cache::{self, Generation};
use super::evaluate::{
    Query, SourceRef, is_live, live_observations, plan_row, population, read_observations,
    targets_of,
};
use super::plan_period;
use super::regions::tree_rows;
use super::targets::{PlanTarget, tasks_of_unit};
use crate::{Db, StoreResult};
use kesu_core::report::Period;
use kesu_indicators::actual::{self, Source};
use kesu_indicators::progress::target_zh;
use kesu_indicators::rollup::{Drill, NodeSummary};
use kesu_indicators::{Indicator, Observation, RegionTree, Window};
use serde::Serialize;
use std::sync::Arc;

/// A node of a drill-down: a region's rolled-up value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeRow {
    pub code: String,
    pub name: String,
    pub value: Option<f64>,
    /// Leaf regions at or below, and how many reported.
    pub leaves: u32,
    pub reporting_leaves: u32,
    /// Per-entity targets: leaves meeting the target.
    pub met: u32,
    pub unweighted: bool,
}

/// One target rolled up over the region tree at one region: the region, its children and the
/// reports entered for the region itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DrillDown {
    pub target_id: i64,
    pub indicator: String,
    pub target_zh: String,
    pub unit: String,
    /// How parents are computed from children.
    pub rule: String,
    /// From the plan's region down to this one.
    pub path: Vec<NodeRow>,
    pub node: NodeRow,
    pub children: Vec<NodeRow>,
    /// Reports entered for this region itself.
    pub sources: Vec<SourceRef>,
    /// Reports used anywhere at or below this region.
    pub sources_below: usize,
    /// The value per period (a trend), oldest first.
    pub trend: Vec<(String, Option<f64>)>,
}

fn node_row(n: &NodeSummary) -> NodeRow {
    NodeRow {
        code: n.code.clone(),
        name: n.name.clone().unwrap_or_else(|| n.code.clone()),
        value: n.value,
        leaves: n.leaves,
        reporting_leaves: n.reporting_leaves,
        met: n.met,
        unweighted: n.unweighted,
    }
}

/// Roll one target up over the region tree of the plan's region (the query's region, when
/// given) and show `code`: its value, its children and its own reports. `None` when the target
/// is not the plan's or the region is not under the plan's region.
pub async fn drill(
    db: &Db,
    q: &Query,
    target_id: i64,
    code: &str,
) -> StoreResult<Option<DrillDown>> {
    let g = cache::sync(db).await?;
    let key = format!(
        "drill/{}/{target_id}/{code}/{}/{:?}/{:?}/{}",
        q.plan_id,
        q.region.as_deref().unwrap_or("-"),
        q.unit_id,
        q.period.map(|p| p.code()),
        q.as_of
    );
    if let Some(v) = cache::kept::<Option<DrillDown>>(db, &key, g.data) {
        return Ok((*v).clone());
    }
    let out = compute(db, q, target_id, code, g).await?;
    let bytes = out.as_ref().map_or(64, |d| {
        512 + 128 * (d.children.len() + d.path.len() + d.sources.len() + d.trend.len())
    });
    cache::keep(db, &key, g.data, Arc::new(out.clone()), bytes);
    Ok(out)
}

/// The roll-up window: the plan's years to the target's deadline, or for a per-period target
/// its latest period with data (the latest by last day; of two ending together, the shorter).
fn window(ind: &Indicator, plan_period: [i32; 2], latest: Option<Period>) -> Window {
    let plan = Window::years(plan_period[0], ind.deadline(plan_period));
    match ind.kind.cadence() {
        Some(_) => latest.map_or(plan, Window::period),
        None => plan,
    }
}

/// What a drill-down shows, however it was rolled up.
struct Rolled {
    rule: String,
    path: Vec<NodeSummary>,
    drill: Drill,
    trend: Vec<(Period, Option<f64>)>,
}

async fn compute(
    db: &Db,
    q: &Query,
    target_id: i64,
    code: &str,
    g: Generation,
) -> StoreResult<Option<DrillDown>> {
    let plan = plan_row(db, q.plan_id, g).await?;
    let region = q.region.clone().unwrap_or_else(|| plan.region_code.clone());
    let day = q.day();
    let year = day.year();
    let plan_period = plan_period(&plan);
    if !code.starts_with(&region) {
        return Ok(None);
    }
    let mut targets = targets_of(db, q.plan_id, g).await?.as_ref().clone();
    if let Some(u) = q.unit_id {
        let tasks = tasks_of_unit(db, q.plan_id, u).await?;
        targets.retain(|t| t.task_id.is_some_and(|id| tasks.contains(&id)));
    }
    let Some(t) = targets.into_iter().find(|t| t.target_id == target_id) else {
        return Ok(None);
    };
    let ind = Indicator::from_target(&t.target);
    let mut rolled = None;
    let mut obs: Option<Vec<Observation>> = None;
    if q.unit_id.is_none() {
        let slot = cache::plan(db, q.plan_id).await?;
        let mut guard = slot.lock().await;
        if let Some(pl) = guard.as_mut().filter(|pl| pl.live.contains(&region)) {
            if is_live(&t, &ind) {
                if !pl.live.has_population(year) {
                    let p = super::regions::populations(db, &pl.region, year).await?;
                    pl.live.set_population(year, p);
                }
                rolled = live_roll(pl, &ind, &t, &region, code, day, year, plan_period);
            }
            if rolled.is_none() {
                obs = Some(live_observations(pl, target_id, &region, day));
            }
        }
    }
    let rolled = match rolled {
        Some(r) => r,
        None => {
            let obs = match obs {
                Some(o) => o,
                None => read_observations(db, q.plan_id, &region, q.unit_id, day)
                    .await?
                    .remove(&target_id)
                    .unwrap_or_default(),
            };
            let pop = population(db, &region, year, g).await?;
            let tree = cache::reference(db, &format!("tree/{region}/{year}"), g, || async {
                let (infos, _) = tree_rows(db, &region, year).await?;
                let bytes = infos.len() * 96;
                Ok((RegionTree::new(&infos), bytes))
            })
            .await?;
            match list_roll(&tree, &ind, &obs, &pop, &region, code, plan_period) {
                Some(r) => r,
                None => return Ok(None),
            }
        }
    };
    let d = &rolled.drill;
    let sources = d
        .sources
        .iter()
        .map(|s: &Source| SourceRef {
            report_id: s.report_id,
            unit_id: s.unit_id,
            region_code: s.region_code.to_string(),
            period: s.period.code(),
            value: s.value,
        })
        .collect();
    Ok(Some(DrillDown {
        target_id,
        indicator: t.target.indicator.clone(),
        target_zh: target_zh(&t.target),
        unit: t.target.unit.clone(),
        rule: rolled.rule.clone(),
        path: rolled.path.iter().map(node_row).collect(),
        node: node_row(&d.node),
        children: d.children.iter().map(node_row).collect(),
        sources,
        sources_below: d.sources_below,
        trend: rolled
            .trend
            .into_iter()
            .map(|(p, v)| (p.to_string(), v))
            .collect(),
    }))
}

/// The regions from the view's region down to `code`'s parent.
fn path_codes(code: &str, region: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut c = kesu_core::RegionCode::parse(code).ok();
    while let Some(cc) = c {
        if cc.as_str().len() < region.len() {
            break;
        }
        if cc.as_str() != code {
            out.push(cc.as_str().to_string());
        }
        c = cc.parent();
    }
    out.reverse();
    out
}

/// The drill-down from the live plan; `None` when it cannot serve it.
#[allow(clippy::too_many_arguments)]
fn live_roll(
    pl: &mut super::cache::PlanLive,
    ind: &Indicator,
    t: &PlanTarget,
    region: &str,
    code: &str,
    day: time::Date,
    year: i32,
    plan_period: [i32; 2],
) -> Option<Rolled> {
    let view = pl.live.view(t.target_id, region, day, year)?;
    let latest = match ind.kind.cadence() {
        Some(_) => view.latest_period()?,
        None => None,
    };
    let w = window(ind, plan_period, latest);
    let trend = view.trend(code)?;
    let drill = view.drill(code, &w)?;
    let path = path_codes(code, region)
        .iter()
        .filter_map(|c| view.node(c, &w))
        .collect();
    Some(Rolled {
        rule: view.rule(),
        path,
        drill,
        trend,
    })
}

/// The drill-down rolled up from a list of the view's observations over its region's tree.
fn list_roll(
    tree: &RegionTree,
    ind: &Indicator,
    obs: &[Observation],
    pop: &kesu_indicators::actual::Population,
    region: &str,
    code: &str,
    plan_period: [i32; 2],
) -> Option<Rolled> {
    let latest = obs
        .iter()
        .map(|o| o.period)
        .max_by_key(|p| (p.dates().1, p.dates().0));
    let w = window(ind, plan_period, latest);
    let r = tree.rollup(ind, obs, &w);
    let drill = r.drill(code, obs)?;
    let path = path_codes(code, region)
        .iter()
        .filter_map(|c| r.node(c))
        .collect();
    // The trend: each period's value over the node's subtree, which is one slice of the
    // observations (they are in region order).
    let lo = obs.partition_point(|o| o.region_code.as_str() < code);
    let hi = lo + obs[lo..].partition_point(|o| o.region_code.starts_with(code));
    let trend = actual::trend(ind.aggregation, &obs[lo..hi], Some(pop));
    Some(Rolled {
        rule: r.rule.clone(),
        path,
        drill,
        trend,
    })
}
