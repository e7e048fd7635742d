//! One target rolled up over the region tree at one region: the region, its children, the
//! path up to the view's region and the reports entered for the region itself.

use super::cache::{cached_tree, data_version, memo_get, memo_put};
use super::evaluate::{Query, SourceRef, load};
use crate::{Db, StoreResult};
use kesu_indicators::actual;
use kesu_indicators::progress::target_zh;
use kesu_indicators::{Indicator, Window};
use serde::Serialize;

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

fn node_row(n: &kesu_indicators::rollup::NodeSummary) -> NodeRow {
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
    let version = data_version(db).await?;
    let key = format!(
        "drill/{}/{target_id}/{code}/{}/{:?}/{:?}/{}",
        q.plan_id,
        q.region.as_deref().unwrap_or("-"),
        q.unit_id,
        q.period.map(|p| p.code()),
        q.as_of
    );
    if let Some(v) = memo_get::<Option<DrillDown>>(db, &key, version) {
        return Ok((*v).clone());
    }
    let out = drill_uncached(db, q, target_id, code, version).await?;
    memo_put(db, &key, version, std::sync::Arc::new(out.clone()));
    Ok(out)
}

async fn drill_uncached(
    db: &Db,
    q: &Query,
    target_id: i64,
    code: &str,
    version: i64,
) -> StoreResult<Option<DrillDown>> {
    let l = load(db, q).await?;
    let Some(t) = l.targets.iter().find(|t| t.target_id == target_id) else {
        return Ok(None);
    };
    if !code.starts_with(&l.region) {
        return Ok(None);
    }
    let tree = cached_tree(db, &l.region, l.day.year(), version).await?;
    let ind = Indicator::from_target(&t.target);
    let obs = l.observations(target_id);
    let window = Window::years(l.plan_period[0], ind.deadline(l.plan_period));
    let window = match ind.kind.cadence() {
        // Per-period targets: the roll-up of the latest period with data.
        Some(_) => obs
            .iter()
            .map(|o| o.period)
            .max_by_key(|p| p.dates().1)
            .map_or(window, Window::period),
        None => window,
    };
    let r = tree.rollup(&ind, obs, &window);
    let Some(d) = r.drill(code, obs) else {
        return Ok(None);
    };
    let mut path = Vec::new();
    let mut c = kesu_core::RegionCode::parse(code).ok();
    while let Some(cc) = c {
        if cc.as_str().len() < l.region.len() {
            break;
        }
        if cc.as_str() != code
            && let Some(n) = r.node(cc.as_str())
        {
            path.push(node_row(&n));
        }
        c = cc.parent();
    }
    path.reverse();
    let sources = d
        .sources
        .iter()
        .map(|s| SourceRef {
            report_id: s.report_id,
            unit_id: s.unit_id,
            region_code: s.region_code.to_string(),
            period: s.period.code(),
            value: s.value,
        })
        .collect();
    // The trend: each period's value over the node's subtree.
    // Observations are in region order: the node's subtree is one slice.
    let lo = obs.partition_point(|o| o.region_code.as_str() < code);
    let hi = lo + obs[lo..].partition_point(|o| o.region_code.starts_with(code));
    let below = &obs[lo..hi];
    let trend = actual::trend(ind.aggregation, below, Some(&l.population))
        .into_iter()
        .map(|(p, v)| (p.to_string(), v))
        .collect();
    Ok(Some(DrillDown {
        target_id,
        indicator: t.target.indicator.clone(),
        target_zh: target_zh(&t.target),
        unit: t.target.unit.clone(),
        rule: r.rule.clone(),
        path,
        node: node_row(&d.node),
        children: d.children.iter().map(node_row).collect(),
        sources,
        sources_below: d.sources_below,
        trend,
    }))
}
