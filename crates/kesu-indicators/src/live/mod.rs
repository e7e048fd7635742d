//! Indicators kept current as reports change (增量汇总): a plan's observations held on its region
//! tree, with the figures of every subtree kept so that a changed, accepted or returned report
//! costs the path from its village to the plan's region, not the villages under a view.
//!
//! A [`LivePlan`] holds, per target, the accepted observations attached to the tree's nodes (a
//! village's to the village; a code below the tree's leaves to its nearest region in it). For
//! each span of months a view asks about (the plan window cut at the evaluation day, a period
//! of a per-period target, a trend point), it keeps the figures of every internal node: the
//! parts of the flat evaluation ([`crate::actual`]: sums, each source's latest value, each
//! region's share with its population weight, the entities meeting a per-entity target) and of
//! the region roll-up ([`crate::rollup`]). A node's figures are its own observations' plus its
//! children's, so a report's change recomputes its node and then each ancestor from its
//! children — in a fixed order, the same as a full build, so that both give the same numbers.
//! Villages' figures are not kept: a township computes them from their few observations.
//!
//! A [`View`] of one target at one region evaluates it with the same code as a list of
//! observations does ([`crate::progress::evaluate_facts`] through [`Facts`]): the rules are
//! stated once. What stays linear in the reports is what is that long by nature — the list of
//! report ids behind a value — and it is kept per opened view and patched, not rebuilt.
//!
//! Not kept live (the caller evaluates them from a list): `Max` aggregations (their one source
//! is not local to a node), per-entity targets over units (schools), views filtered by unit,
//! and regions outside the tree.

mod agg;
mod target;
mod view;

pub use view::View;

use crate::actual::{Observation, Population, Window};
use crate::indicator::{Aggregation, Indicator};
use crate::rollup::{
    IntMap, NONE, RegionInfo, RegionTree, code_key, key_code, level_of, parent_key,
};
use agg::Obs;
use kesu_core::RegionLevel;
use std::collections::HashMap;
use target::LiveTarget;

/// The tree of a plan's region and the populations of the years asked about.
///
/// A national plan (region code `""`) has no region of its own in the tree: a virtual root,
/// numbered after the tree's nodes, stands above the provinces.
#[derive(Debug)]
pub(crate) struct Shared {
    pub tree: RegionTree,
    /// The virtual national root, when the plan's region is the whole country.
    pub nation: Option<u32>,
    /// The national root's children: the tree's top nodes, in code order.
    top: Vec<u32>,
    /// Per node: its index among the internal nodes of the root's subtree, or `NONE`.
    pub slot: Vec<u32>,
    /// The internal nodes of the root's subtree, deepest first.
    pub internal: Vec<u32>,
    pub in_root: Vec<bool>,
    /// Regions given (stored), not implied by a code below them: only they are entities.
    pub given: Vec<bool>,
    pub years: HashMap<i32, Pops>,
    /// The tree's size in memory, estimated once.
    tree_bytes: usize,
}

/// One year's populations.
#[derive(Debug)]
pub(crate) struct Pops {
    /// As given, by code (for codes below the tree's leaves).
    pub map: Population,
    /// The weight of each node's own code in a flat share (given, finite and positive).
    pub weight: Vec<Option<f64>>,
    /// The roll-up's population: given, else the sum of the children's when all have one.
    pub tree: Vec<Option<f64>>,
}

/// The name of the national root.
const NATION: &str = "全国";

/// The region code of an observation's key (key 0: the whole country, `""`).
pub(crate) fn obs_code(key: u64) -> String {
    if key == 0 {
        String::new()
    } else {
        key_code(key)
    }
}

impl Shared {
    pub fn children(&self, n: u32) -> &[u32] {
        if Some(n) == self.nation {
            &self.top
        } else {
            self.tree.child_ids(n as usize)
        }
    }

    /// The region code as a key; 0 for the national root (no observation has it).
    pub fn key(&self, n: u32) -> u64 {
        self.tree.keys.get(n as usize).copied().unwrap_or(0)
    }

    pub fn code(&self, n: u32) -> String {
        if Some(n) == self.nation {
            String::new()
        } else {
            key_code(self.key(n))
        }
    }

    pub fn name(&self, n: u32) -> Option<String> {
        if Some(n) == self.nation {
            Some(NATION.to_string())
        } else {
            self.tree.names[n as usize].clone()
        }
    }

    /// 0 for the nation, 1 for a province … 5 for a village.
    pub fn depth(&self, n: u32) -> u8 {
        if Some(n) == self.nation {
            0
        } else {
            level_of(self.key(n)).depth()
        }
    }

    /// The node's level (a province for the national root, which has none of its own).
    pub fn level(&self, n: u32) -> RegionLevel {
        if Some(n) == self.nation {
            RegionLevel::Province
        } else {
            level_of(self.key(n))
        }
    }

    pub fn leaves(&self, n: u32) -> u32 {
        if Some(n) == self.nation {
            self.top.iter().map(|&c| self.tree.leaves[c as usize]).sum()
        } else {
            self.tree.leaves[n as usize]
        }
    }

    pub fn parent(&self, n: u32) -> Option<u32> {
        if Some(n) == self.nation {
            return None;
        }
        let p = self.tree.parent[n as usize];
        if p != NONE && self.in_root[p as usize] {
            Some(p)
        } else {
            self.nation
        }
    }

    /// The node an observation of `code` belongs to: the region, else its nearest ancestor in
    /// the tree, within the plan's region.
    pub fn place(&self, code: u64) -> Option<u32> {
        let mut k = code;
        loop {
            if let Some(&n) = self.tree.index.get(&k) {
                return self.in_root[n as usize].then_some(n);
            }
            k = parent_key(k)?;
        }
    }

    /// An observation's region: its key and node (a national plan's own units report for the
    /// whole country, code `""`, key 0).
    pub fn locate(&self, code: &str) -> Option<(u64, u32)> {
        if code.is_empty() {
            return self.nation.map(|n| (0, n));
        }
        let k = code_key(code)?;
        Some((k, self.place(k)?))
    }

    /// The node of exactly `code`, within the plan's region.
    pub fn node(&self, code: &str) -> Option<u32> {
        if code.is_empty() {
            return self.nation;
        }
        let n = *self.tree.index.get(&code_key(code)?)?;
        self.in_root[n as usize].then_some(n)
    }

    /// A region's population weight in a flat share (finite and positive), by code key.
    pub fn weight(&self, pops: &Pops, node: u32, code: u64) -> Option<f64> {
        if code == self.key(node) {
            pops.weight[node as usize]
        } else {
            pops.map
                .get(&key_code(code))
                .copied()
                .filter(|w| w.is_finite() && *w > 0.0)
        }
    }

    /// Whether observations at `n` count for a per-entity target at `level`: `n` is an entity
    /// (a given region of that level) or below one.
    pub fn within_entity(&self, n: u32, level: RegionLevel) -> bool {
        let mut m = n;
        loop {
            let d = self.depth(m);
            if d == level.depth() {
                return self.given[m as usize];
            }
            if d < level.depth() {
                return false;
            }
            match self.parent(m) {
                Some(p) => m = p,
                None => return false,
            }
        }
    }

    fn bytes(&self) -> usize {
        let n = self.tree.len();
        self.tree_bytes + self.years.len() * n * 32
    }
}

/// A plan's indicators kept current (see the module documentation).
#[derive(Debug)]
pub struct LivePlan {
    shared: Shared,
    targets: HashMap<i64, LiveTarget>,
}

impl LivePlan {
    /// The tree of the plan's region `root` from its regions (as for [`RegionTree::new`]: the
    /// root first, then its subtree; implied ancestors are created). `root_given` says whether
    /// the root is a stored region (an entity of its own level) or only named by the plan.
    pub fn new(regions: &[RegionInfo], root: &str, root_given: bool) -> LivePlan {
        let tree = RegionTree::new(regions);
        let n = tree.len();
        let national = root.is_empty();
        let nation = national.then_some(n as u32);
        let total = n + usize::from(national);
        let root_node = code_key(root)
            .and_then(|k| tree.index.get(&k).copied())
            .unwrap_or(NONE);
        let mut in_root = vec![national; total];
        // Top-down (the reverse of deepest first): a node is in the root's subtree when its
        // parent is, or it is the root.
        if !national {
            for &i in tree.bottom_up.iter().rev() {
                let p = tree.parent[i as usize];
                in_root[i as usize] = i == root_node || (p != NONE && in_root[p as usize]);
            }
        }
        let mut top: Vec<u32> = (0..n as u32)
            .filter(|&i| national && tree.parent[i as usize] == NONE)
            .collect();
        top.sort_unstable_by_key(|&i| tree.keys[i as usize]);
        let mut slot = vec![NONE; total];
        let mut internal = Vec::new();
        for &i in &tree.bottom_up {
            let i = i as usize;
            if in_root[i] && tree.child_start[i] != tree.child_start[i + 1] {
                slot[i] = internal.len() as u32;
                internal.push(i as u32);
            }
        }
        if let Some(v) = nation {
            slot[v as usize] = internal.len() as u32;
            internal.push(v);
        }
        let mut given: Vec<bool> = tree.names.iter().map(Option::is_some).collect();
        given.resize(total, false);
        if root_node != NONE && !root_given {
            given[root_node as usize] = false;
        }
        let names: usize = tree
            .names
            .iter()
            .map(|s| s.as_ref().map_or(0, String::capacity))
            .sum();
        let tree_bytes = n * 80 + names;
        LivePlan {
            shared: Shared {
                tree,
                tree_bytes,
                nation,
                top,
                slot,
                internal,
                in_root,
                given,
                years: HashMap::new(),
            },
            targets: HashMap::new(),
        }
    }

    /// Whether `code` is a region of the plan's tree (a view there can be live).
    pub fn contains(&self, code: &str) -> bool {
        self.shared.node(code).is_some()
    }

    pub fn has_population(&self, year: i32) -> bool {
        self.shared.years.contains_key(&year)
    }

    /// The populations of `year` (the latest on or before it, by code), for weighting shares.
    pub fn set_population(&mut self, year: i32, population: Population) {
        let sh = &self.shared;
        let t = &sh.tree;
        let n = t.len();
        let total = sh.in_root.len();
        let mut weight = vec![None; total];
        let mut given = vec![None; total];
        for (code, &p) in &population {
            if let Some(&i) = code_key(code).and_then(|k| t.index.get(&k)) {
                weight[i as usize] = Some(p).filter(|w| w.is_finite() && *w > 0.0);
                // The roll-up's tree takes populations of the regions given only (as
                // `region_infos` attaches them), not of those implied by a code below.
                if t.names[i as usize].is_some() {
                    given[i as usize] = Some(p).filter(|w| w.is_finite() && *w >= 0.0);
                }
            }
        }
        // As the roll-up's tree does: a region without one takes its children's sum when all
        // of them have one.
        let mut sum = vec![0.0f64; total];
        let mut complete = vec![true; total];
        let mut tree_pop = given;
        let order = t.bottom_up.iter().copied().chain(sh.nation);
        for i in order {
            let i = i as usize;
            let parent = if i < n {
                Some(t.parent[i]).filter(|p| *p != NONE).or(sh.nation)
            } else {
                None
            };
            if !sh.children(i as u32).is_empty() && tree_pop[i].is_none() && complete[i] {
                tree_pop[i] = Some(sum[i]);
            }
            if let Some(p) = parent {
                match tree_pop[i] {
                    Some(x) => sum[p as usize] += x,
                    None => complete[p as usize] = false,
                }
            }
        }
        self.shared.years.insert(
            year,
            Pops {
                map: population,
                weight,
                tree: tree_pop,
            },
        );
    }

    /// Whether a target can be kept live: not a `Max`, and a per-entity target only over
    /// regions (`entity_level`), not units.
    pub fn supports(indicator: &Indicator, entity_level: Option<RegionLevel>) -> bool {
        indicator.aggregation != Aggregation::Max
            && (indicator.kind.entity().is_none() || entity_level.is_some())
    }

    /// Hold a target with all its accepted observations (a full load). Observations outside the
    /// plan's region, not accepted or not finite are left out.
    pub fn load_target(
        &mut self,
        target: i64,
        indicator: Indicator,
        entity_level: Option<RegionLevel>,
        observations: impl IntoIterator<Item = Observation>,
    ) {
        let mut t = LiveTarget::new(indicator, entity_level);
        let mut by_node: IntMap<Vec<Obs>> = IntMap::default();
        for o in observations {
            if let Some((node, obs)) = self.to_obs(&o) {
                by_node.entry(u64::from(node)).or_default().push(obs);
            }
        }
        t.fill(&self.shared, by_node);
        self.targets.insert(target, t);
    }

    fn to_obs(&self, o: &Observation) -> Option<(u32, Obs)> {
        if !o.accepted || !o.value.is_finite() {
            return None;
        }
        let (code, node) = self.shared.locate(&o.region_code)?;
        Some((
            node,
            Obs {
                code,
                unit: o.unit_id,
                period: o.period,
                report: o.report_id,
                value: o.value,
            },
        ))
    }

    pub fn has_target(&self, target: i64) -> bool {
        self.targets.contains_key(&target)
    }

    /// The targets held.
    pub fn targets(&self) -> impl Iterator<Item = i64> + '_ {
        self.targets.keys().copied()
    }

    /// Replace what some reports say for a target: every observation of `reports` (report id
    /// and the region it is for) goes, then `fresh` (their accepted values now, and those of
    /// reports new to the target) comes in. The figures of the reports' nodes and their
    /// ancestors are recomputed, and the report lists of opened views patched.
    pub fn replace_reports(
        &mut self,
        target: i64,
        reports: &[(i64, &str)],
        fresh: Vec<Observation>,
    ) {
        let mut placed: Vec<(u32, Obs)> = Vec::with_capacity(fresh.len());
        for o in &fresh {
            if let Some(p) = self.to_obs(o) {
                placed.push(p);
            }
        }
        let gone: Vec<(u32, i64)> = reports
            .iter()
            .filter_map(|(id, code)| Some((self.shared.locate(code)?.1, *id)))
            .collect();
        if let Some(t) = self.targets.get_mut(&target) {
            t.replace(&self.shared, &gone, placed);
        }
    }

    /// A view of `target` at region `code` on `day` (only periods ended by then count), with the
    /// populations of `year` (set first with [`LivePlan::set_population`]). `None` when the
    /// target is not held, the region is not in the tree or the year's populations are missing.
    pub fn view(
        &mut self,
        target: i64,
        code: &str,
        day: time::Date,
        year: i32,
    ) -> Option<View<'_>> {
        let node = self.shared.node(code)?;
        if !self.shared.years.contains_key(&year) {
            return None;
        }
        let t = self.targets.get_mut(&target)?;
        let cutoff = Window {
            from: time::Date::MIN,
            to: day,
        }
        .months()
        .last;
        Some(View::new(&self.shared, t, node, cutoff, year))
    }

    /// The observations of `target` at or below `code` (for what is evaluated from a list), in
    /// region order.
    pub fn observations(&self, target: i64, code: &str) -> Vec<Observation> {
        match (self.targets.get(&target), self.shared.node(code)) {
            (Some(t), Some(n)) => t.observations(&self.shared, n),
            _ => Vec::new(),
        }
    }

    /// An estimate of the memory held, in bytes.
    pub fn bytes(&self) -> usize {
        self.shared.bytes() + self.targets.values().map(LiveTarget::bytes).sum::<usize>()
    }

    /// Observations held, over all targets.
    pub fn len(&self) -> usize {
        self.targets.values().map(LiveTarget::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forget the least recently used spans' figures and views' report lists until the plan
    /// holds at most `budget` bytes (the observations themselves stay). Returns what it holds.
    pub fn shrink_to(&mut self, budget: usize) -> usize {
        loop {
            let total = self.bytes();
            if total <= budget {
                return total;
            }
            let oldest = self
                .targets
                .iter()
                .filter_map(|(id, t)| t.oldest().map(|u| (u, *id)))
                .min();
            match oldest {
                Some((_, id)) => {
                    if let Some(t) = self.targets.get_mut(&id) {
                        t.forget_oldest();
                    }
                }
                None => return total,
            }
        }
    }
}
