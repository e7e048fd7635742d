//! Roll-up of one indicator along the region tree (village 12 → township 9 → county 6 → city 4 →
//! province 2 digits; a child's code starts with its parent's).
//!
//! Rules, stated per measure ([`Rollup::rule`]):
//! - counts and stocks: a region's value is what was reported for it directly plus the sum of its
//!   children's values;
//! - shares: a value measured for the region itself (a survey estimate for a county) stands;
//!   otherwise the population-weighted mean of its children, or the plain mean, flagged, when a
//!   child's population is missing;
//! - per-entity targets (每个村…): the share of the leaf regions under it that meet the target.
//!
//! Every node keeps its children and the observations used at it, for drill-down from a city's
//! number to its counties and on to the reports. The work is a single pass: observations are
//! bucketed by region with a counting sort, region codes are handled as integers (no string
//! hashing), and nodes are folded into their parents level by level, deepest first.

use crate::actual::{Observation, Source, Window, period_key};
use crate::indicator::{Aggregation, Indicator, Kind, Measure};
use crate::progress::attainment;
use kesu_core::RegionLevel;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;

/// A region of the tree handed to the roll-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionInfo {
    /// 2, 4, 6, 9 or 12 digits.
    pub code: String,
    pub name: String,
    /// 常住人口, for weighting shares. Missing → derived from the children when all of them have
    /// one, else the shares above it are averaged without weights (and flagged).
    pub population: Option<f64>,
}

/// The region tree, prepared once and reused for every indicator rolled up over it (a dashboard
/// rolls up several; a server can keep the tree between requests).
#[derive(Debug, Clone)]
pub struct RegionTree {
    pub(crate) keys: Vec<u64>,
    pub(crate) names: Vec<Option<String>>,
    /// Given, or the sum of the children's when all of them have one.
    pub(crate) population: Vec<Option<f64>>,
    pub(crate) parent: Vec<u32>,
    /// Children of node `i`: `children[child_start[i]..child_start[i + 1]]`, in code order.
    pub(crate) child_start: Vec<u32>,
    pub(crate) children: Vec<u32>,
    /// Leaf regions at or below each node.
    pub(crate) leaves: Vec<u32>,
    /// Nodes deepest level first, so that children are folded before their parents.
    pub(crate) bottom_up: Vec<u32>,
    pub(crate) index: IntMap<u32>,
    /// (key, node) by key, for looking up many observations in order.
    pub(crate) sorted: Vec<(u64, u32)>,
    /// Region codes that are not 2/4/6/9/12 digits (left out).
    pub rejected_regions: Vec<String>,
}

pub(crate) const NONE: u32 = u32::MAX;

impl RegionTree {
    /// Build the tree from its regions (any order; code order is cheapest). Ancestors missing
    /// from `regions` are implied by the codes below them; of a code given twice, the first wins.
    pub fn new(regions: &[RegionInfo]) -> RegionTree {
        let cap = regions.len() + regions.len() / 8 + 8;
        let mut t = RegionTree {
            keys: Vec::with_capacity(cap),
            names: Vec::with_capacity(cap),
            population: Vec::with_capacity(cap),
            parent: Vec::with_capacity(cap),
            child_start: Vec::new(),
            children: Vec::new(),
            leaves: Vec::new(),
            bottom_up: Vec::new(),
            index: IntMap::default(),
            sorted: Vec::new(),
            rejected_regions: Vec::new(),
        };
        t.index.reserve(cap);
        let valid_pop = |p: Option<f64>| p.filter(|x| x.is_finite() && *x >= 0.0);
        // The last parent seen at each level: regions in code order share parents with their
        // predecessor, which saves a hash probe per region.
        let mut last_parent: [(u64, u32); 5] = [(u64::MAX, NONE); 5];
        for r in regions {
            let Some(k) = code_key(&r.code) else {
                t.rejected_regions.push(r.code.clone());
                continue;
            };
            let i = t.keys.len() as u32;
            match t.index.entry(k) {
                Entry::Occupied(e) => {
                    // Implied earlier by a child listed first: fill in what the tree says.
                    let i = *e.get() as usize;
                    if t.names[i].is_none() {
                        t.names[i] = Some(r.name.clone());
                        t.population[i] = valid_pop(r.population);
                    }
                    continue;
                }
                Entry::Vacant(e) => {
                    e.insert(i);
                }
            }
            t.push(k, Some(r.name.clone()), valid_pop(r.population));
            // Walk up until an existing ancestor, creating the missing ones.
            let (mut child, mut ck) = (i, k);
            while let Some(pk) = parent_key(ck) {
                let slot = level_of(pk).depth() as usize - 1;
                if last_parent[slot].0 == pk {
                    t.parent[child as usize] = last_parent[slot].1;
                    break;
                }
                let p = t.keys.len() as u32;
                match t.index.entry(pk) {
                    Entry::Occupied(e) => {
                        let p = *e.get();
                        t.parent[child as usize] = p;
                        last_parent[slot] = (pk, p);
                        break;
                    }
                    Entry::Vacant(e) => {
                        e.insert(p);
                    }
                }
                t.push(pk, None, None);
                t.parent[child as usize] = p;
                last_parent[slot] = (pk, p);
                child = p;
                ck = pk;
            }
        }
        let n = t.keys.len();

        // Children lists by counting sort on the parent.
        let mut start = vec![0u32; n + 1];
        for &p in &t.parent {
            if p != NONE {
                start[p as usize + 1] += 1;
            }
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut children = vec![0u32; start[n] as usize];
        for (i, &p) in t.parent.iter().enumerate() {
            if p != NONE {
                children[fill[p as usize] as usize] = i as u32;
                fill[p as usize] += 1;
            }
        }
        for i in 0..n {
            let list = &mut children[start[i] as usize..start[i + 1] as usize];
            if !list.is_sorted_by_key(|&c| t.keys[c as usize]) {
                list.sort_unstable_by_key(|&c| t.keys[c as usize]);
            }
        }
        t.child_start = start;
        t.children = children;

        // Deepest first; leaves and populations folded up.
        let mut by_level: [Vec<u32>; 5] = Default::default();
        for (i, &k) in t.keys.iter().enumerate() {
            by_level[level_of(k).depth() as usize - 1].push(i as u32);
        }
        t.bottom_up = by_level.into_iter().rev().flatten().collect();
        t.sorted = t
            .keys
            .iter()
            .enumerate()
            .map(|(i, &k)| (k, i as u32))
            .collect();
        t.sorted.sort_unstable_by_key(|e| e.0);
        t.leaves = vec![0; n];
        let mut pop_sum = vec![0.0f64; n];
        let mut pop_complete = vec![true; n];
        for &i in &t.bottom_up {
            let i = i as usize;
            if t.child_start[i] == t.child_start[i + 1] {
                t.leaves[i] = 1;
            } else if t.population[i].is_none() && pop_complete[i] {
                t.population[i] = Some(pop_sum[i]);
            }
            let p = t.parent[i];
            if p != NONE {
                let p = p as usize;
                t.leaves[p] += t.leaves[i];
                match t.population[i] {
                    Some(x) => pop_sum[p] += x,
                    None => pop_complete[p] = false,
                }
            }
        }
        t
    }

    /// Append a node (already entered in `index`).
    fn push(&mut self, key: u64, name: Option<String>, population: Option<f64>) {
        self.keys.push(key);
        self.names.push(name);
        self.population.push(population);
        self.parent.push(NONE);
    }

    /// Number of regions, implied ones included.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether the tree has a region.
    pub fn contains(&self, code: &str) -> bool {
        self.find(code).is_some()
    }

    pub(crate) fn find(&self, code: &str) -> Option<usize> {
        let k = code_key(code)?;
        self.index.get(&k).map(|&i| i as usize)
    }

    /// The node for an observation's region: the region itself, else its nearest ancestor.
    /// Looks up in the sorted key array starting from `hint` (the previous hit): observations
    /// in code order then walk the array sequentially instead of missing the cache on every
    /// hash probe (that miss was two thirds of a roll-up's time).
    pub(crate) fn locate(&self, code: &str, hint: &mut usize) -> Option<u32> {
        let mut k = code_key(code)?;
        let s = &self.sorted;
        loop {
            let h = *hint;
            for j in [h, h + 1] {
                if let Some(&(key, i)) = s.get(j)
                    && key == k
                {
                    *hint = j;
                    return Some(i);
                }
            }
            if let Ok(j) = s.binary_search_by_key(&k, |e| e.0) {
                *hint = j;
                return Some(s[j].1);
            }
            k = parent_key(k)?;
        }
    }

    pub(crate) fn child_ids(&self, i: usize) -> &[u32] {
        &self.children[self.child_start[i] as usize..self.child_start[i + 1] as usize]
    }

    /// Roll `indicator` up from the accepted `observations` whose period lies in `window`. An
    /// observation for a region below the tree's leaves counts for its nearest region in the tree.
    pub fn rollup(
        &self,
        indicator: &Indicator,
        observations: &[Observation],
        window: &Window,
    ) -> Rollup<'_> {
        let n = self.len();
        // 1. Observations to nodes (counting sort by node). Consecutive observations of the same
        //    region (the usual order from the store) reuse the previous lookup.
        let months = window.months();
        let mut node_of: Vec<u32> = Vec::with_capacity(observations.len());
        let mut obs_start = vec![0u32; n + 1];
        let mut unplaced = 0usize;
        let mut last: Option<(&str, Option<u32>)> = None;
        let mut hint = 0usize;
        for o in observations {
            if !o.accepted || !o.value.is_finite() || !months.contains(o.period) {
                node_of.push(NONE);
                continue;
            }
            let node = match last {
                Some((code, hit)) if code == o.region_code => hit,
                _ => {
                    let hit = self.locate(&o.region_code, &mut hint);
                    last = Some((o.region_code.as_str(), hit));
                    hit
                }
            };
            match node {
                Some(ni) => {
                    node_of.push(ni);
                    obs_start[ni as usize + 1] += 1;
                }
                None => {
                    node_of.push(NONE);
                    unplaced += 1;
                }
            }
        }
        for i in 0..n {
            obs_start[i + 1] += obs_start[i];
        }
        let mut fill = obs_start.clone();
        let mut by_node = vec![0u32; obs_start[n] as usize];
        for (oi, &ni) in node_of.iter().enumerate() {
            if ni != NONE {
                by_node[fill[ni as usize] as usize] = oi as u32;
                fill[ni as usize] += 1;
            }
        }
        drop(node_of);

        // 2. Own values from each node's observations.
        let mut values = vec![NodeValue::default(); n];
        let mut sources: Vec<u32> = Vec::with_capacity(by_node.len());
        let mut scratch: Vec<(u64, i64, u32)> = Vec::new();
        for (i, v) in values.iter_mut().enumerate() {
            let slice = &by_node[obs_start[i] as usize..obs_start[i + 1] as usize];
            if slice.is_empty() {
                continue;
            }
            let start = sources.len() as u32;
            v.own = own_value(
                indicator.aggregation,
                slice,
                observations,
                (self.keys[i] & 0xf) as usize,
                &mut scratch,
                &mut sources,
            );
            v.sources = start..sources.len() as u32;
        }

        // 3. Fold into parents, deepest level first.
        let measure = indicator.measure();
        let per_entity = matches!(indicator.kind, Kind::PerEntity { .. });
        let target = &indicator.target;
        let mut accs = vec![Acc::default(); n];
        for &i in &self.bottom_up {
            let i = i as usize;
            let acc = accs[i];
            let leaf = self.child_start[i] == self.child_start[i + 1];
            let v = &mut values[i];
            if leaf {
                v.reporting_leaves = u32::from(v.own.is_some());
                v.met = u32::from(
                    v.own
                        .is_some_and(|x| attainment(target.comparator, &target.value, x).met),
                );
            } else {
                v.reporting_leaves = acc.reporting;
                v.met = acc.met;
            }
            v.value = if per_entity {
                (v.reporting_leaves > 0).then(|| f64::from(v.met) / f64::from(self.leaves[i]))
            } else {
                match measure {
                    Measure::Count | Measure::Stock => match (v.own, acc.any) {
                        (None, false) => None,
                        (own, _) => Some(own.unwrap_or(0.0) + acc.sum),
                    },
                    Measure::Share => {
                        if v.own.is_some() {
                            v.own
                        } else if acc.n == 0 {
                            None
                        } else if acc.missing_pop && acc.n > 1 {
                            v.unweighted = true;
                            Some(acc.plain / f64::from(acc.n))
                        } else if acc.w > 0.0 {
                            Some(acc.wsum / acc.w)
                        } else {
                            Some(acc.plain / f64::from(acc.n))
                        }
                    }
                }
            };
            v.unweighted |= acc.child_unweighted && v.own.is_none();
            let p = self.parent[i];
            if p == NONE {
                continue;
            }
            let (value, unweighted, reporting, met) =
                (v.value, v.unweighted, v.reporting_leaves, v.met);
            let pa = &mut accs[p as usize];
            pa.reporting += reporting;
            pa.met += met;
            if let Some(x) = value {
                pa.any = true;
                pa.sum += x;
                pa.plain += x;
                pa.n += 1;
                pa.child_unweighted |= unweighted;
                match self.population[i].filter(|w| *w > 0.0) {
                    Some(w) => {
                        pa.wsum += x * w;
                        pa.w += w;
                    }
                    None => pa.missing_pop = true,
                }
            }
        }

        Rollup {
            rule: rule_zh(indicator),
            tree: self,
            values,
            sources,
            unplaced,
        }
    }
}

/// The level of a key.
pub(crate) fn level_of(key: u64) -> RegionLevel {
    RegionLevel::from_code_len((key & 0xf) as usize).unwrap_or(RegionLevel::Village)
}

/// The code of a key: the digits, zero-padded to the level's length.
pub(crate) fn key_code(key: u64) -> String {
    let len = (key & 0xf) as usize;
    format!("{:0len$}", key >> 4)
}

/// One node's rolled-up figures.
#[derive(Debug, Clone, Default)]
struct NodeValue {
    value: Option<f64>,
    own: Option<f64>,
    unweighted: bool,
    reporting_leaves: u32,
    met: u32,
    sources: Range<u32>,
}

/// A node of a roll-up, as shown in tables and drill-down.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeSummary {
    pub code: String,
    /// `None` for a region implied by a code below it but not in the tree given.
    pub name: Option<String>,
    pub level: RegionLevel,
    /// The rolled-up value. `None`: no data anywhere at or below.
    pub value: Option<f64>,
    /// The value from observations attached to this region itself.
    pub own: Option<f64>,
    /// Given, or the sum of the children's when all have one.
    pub population: Option<f64>,
    /// A share here (or below) was averaged without population weights.
    pub unweighted: bool,
    /// Leaf regions at or below this one, and how many of them have data.
    pub leaves: u32,
    pub reporting_leaves: u32,
    /// Per-entity targets: leaves meeting the target.
    pub met: u32,
}

/// One node with its children and the reports used at it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drill {
    pub node: NodeSummary,
    /// In code order.
    pub children: Vec<NodeSummary>,
    /// Observations used at this node itself (reported for this region directly).
    pub sources: Vec<Source>,
    /// Number of observations used anywhere at or below this node.
    pub sources_below: usize,
}

/// One indicator rolled up over a [`RegionTree`].
#[derive(Debug, Clone)]
pub struct Rollup<'t> {
    /// How parents are computed from children, in Chinese.
    pub rule: String,
    tree: &'t RegionTree,
    values: Vec<NodeValue>,
    sources: Vec<u32>,
    /// Accepted observations in the window whose region is not in the tree (left out).
    pub unplaced: usize,
}

impl<'t> Rollup<'t> {
    fn summary(&self, i: usize) -> NodeSummary {
        let t = self.tree;
        let v = &self.values[i];
        NodeSummary {
            code: key_code(t.keys[i]),
            name: t.names[i].clone(),
            level: level_of(t.keys[i]),
            value: v.value,
            own: v.own,
            population: t.population[i],
            unweighted: v.unweighted,
            leaves: t.leaves[i],
            reporting_leaves: v.reporting_leaves,
            met: v.met,
        }
    }

    /// The rolled-up value of a region (`None`: no data, or not in the tree).
    pub fn value(&self, code: &str) -> Option<f64> {
        self.tree.find(code).and_then(|i| self.values[i].value)
    }

    /// A region's figures.
    pub fn node(&self, code: &str) -> Option<NodeSummary> {
        self.tree.find(code).map(|i| self.summary(i))
    }

    /// Every region's figures, in tree order (regions as given, implied ancestors after the
    /// region that implied them).
    pub fn nodes(&self) -> impl Iterator<Item = NodeSummary> + '_ {
        (0..self.values.len()).map(|i| self.summary(i))
    }

    /// A region's children, in code order.
    pub fn children(&self, code: &str) -> Vec<NodeSummary> {
        self.tree.find(code).map_or_else(Vec::new, |i| {
            self.tree
                .child_ids(i)
                .iter()
                .map(|&c| self.summary(c as usize))
                .collect()
        })
    }

    fn own_sources(&self, i: usize) -> &[u32] {
        let r = &self.values[i].sources;
        &self.sources[r.start as usize..r.end as usize]
    }

    /// Indexes (into the observations given to [`RegionTree::rollup`]) of the observations used
    /// at or below a region, ascending.
    pub fn sources_below(&self, code: &str) -> Vec<u32> {
        let Some(i) = self.tree.find(code) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut stack = vec![i];
        while let Some(n) = stack.pop() {
            out.extend_from_slice(self.own_sources(n));
            stack.extend(self.tree.child_ids(n).iter().map(|&c| c as usize));
        }
        out.sort_unstable();
        out
    }

    /// How many observations were used at or below node `i` (each counts at one node only).
    fn count_below(&self, i: usize) -> usize {
        let mut n = 0;
        let mut stack = vec![i];
        while let Some(j) = stack.pop() {
            n += self.own_sources(j).len();
            stack.extend(self.tree.child_ids(j).iter().map(|&c| c as usize));
        }
        n
    }

    /// A region, its children and its own reports, for drill-down. `observations` must be the
    /// slice the roll-up was computed from.
    pub fn drill(&self, code: &str, observations: &[Observation]) -> Option<Drill> {
        let i = self.tree.find(code)?;
        let mut sources: Vec<Source> = self
            .own_sources(i)
            .iter()
            .filter_map(|&o| observations.get(o as usize).map(Source::from))
            .collect();
        crate::actual::sort_sources(&mut sources);
        Some(Drill {
            node: self.summary(i),
            children: self.children(code),
            sources,
            sources_below: self.count_below(i),
        })
    }
}

/// Per-node sums gathered from the children.
#[derive(Debug, Clone, Copy, Default)]
struct Acc {
    /// Counts and stocks: sum of the children's values, and whether any had one.
    sum: f64,
    any: bool,
    /// Shares: weighted and plain sums over children with a value.
    wsum: f64,
    w: f64,
    plain: f64,
    n: u32,
    missing_pop: bool,
    child_unweighted: bool,
    reporting: u32,
    met: u32,
}

/// Region codes as integers: the digits, shifted, plus the length, so "43" and "0043" differ.
pub(crate) fn code_key(s: &str) -> Option<u64> {
    let len = s.len();
    if !matches!(len, 2 | 4 | 6 | 9 | 12) {
        return None;
    }
    let mut v: u64 = 0;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(b - b'0');
    }
    Some((v << 4) | len as u64)
}

/// The parent's key: drop the digits of one level.
pub(crate) fn parent_key(key: u64) -> Option<u64> {
    let len = (key & 0xf) as u32;
    let v = key >> 4;
    let up = match len {
        12 => 9,
        9 => 6,
        6 => 4,
        4 => 2,
        _ => return None,
    };
    Some(((v / 10u64.pow(len - up)) << 4) | u64::from(up))
}

/// A hasher for integer keys (splitmix64's finaliser): region keys are not adversarial.
#[derive(Default)]
pub(crate) struct IntHasher(u64);

impl Hasher for IntHasher {
    fn finish(&self) -> u64 {
        let mut x = self.0;
        x ^= x >> 30;
        x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x ^= x >> 27;
        x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub(crate) type IntMap<V> = HashMap<u64, V, BuildHasherDefault<IntHasher>>;

/// The value of one node from its own observations; pushes the indexes used onto `used`.
pub(crate) fn own_value(
    aggregation: Aggregation,
    slice: &[u32],
    observations: &[Observation],
    node_code_len: usize,
    scratch: &mut Vec<(u64, i64, u32)>,
    used: &mut Vec<u32>,
) -> Option<f64> {
    if slice.is_empty() {
        return None;
    }
    let obs = |i: u32| &observations[i as usize];
    match aggregation {
        Aggregation::Sum => {
            used.extend_from_slice(slice);
            Some(slice.iter().map(|&i| obs(i).value).sum())
        }
        Aggregation::Max => {
            let best = slice
                .iter()
                .copied()
                .max_by(|&a, &b| obs(a).value.total_cmp(&obs(b).value))?;
            used.push(best);
            Some(obs(best).value)
        }
        Aggregation::Latest => {
            // Latest per source (region × unit); few sources per region, so a linear scan.
            scratch.clear();
            for &i in slice {
                let o = obs(i);
                // Observations for the node's own region (the usual case) need no parsing.
                let region = if o.region_code.len() == node_code_len {
                    0
                } else {
                    region_tag(&o.region_code)
                };
                match scratch
                    .iter_mut()
                    .find(|(r, u, _)| *r == region && *u == o.unit_id)
                {
                    Some(entry) => {
                        let b = obs(entry.2);
                        if (period_key(o.period), o.report_id) > (period_key(b.period), b.report_id)
                        {
                            entry.2 = i;
                        }
                    }
                    None => scratch.push((region, o.unit_id, i)),
                }
            }
            let mut total = 0.0;
            for &(_, _, i) in scratch.iter() {
                total += obs(i).value;
                used.push(i);
            }
            Some(total)
        }
        Aggregation::WeightedMean => {
            // One region's share: its latest period, several sources averaged.
            let latest = slice.iter().map(|&i| period_key(obs(i).period)).max()?;
            let mut sum = 0.0;
            let mut count = 0u32;
            for &i in slice {
                if period_key(obs(i).period) == latest {
                    sum += obs(i).value;
                    count += 1;
                    used.push(i);
                }
            }
            Some(sum / f64::from(count))
        }
    }
}

/// Tells regions below a leaf apart within its node (never 0, which is the node's own region).
fn region_tag(code: &str) -> u64 {
    code_key(code).unwrap_or(u64::MAX)
}

pub(crate) fn rule_zh(indicator: &Indicator) -> String {
    if matches!(indicator.kind, Kind::PerEntity { .. }) {
        return "上级数值 = 其下全部最末级地区（对象）中达标者所占比例；没有数据的对象计为未达标，另列填报数".into();
    }
    match indicator.measure() {
        Measure::Count | Measure::Stock => {
            "上级数值 = 本级直接填报的数值 + 各下级数值之和；没有数据的下级不计入（另列有数据的下级数）".into()
        }
        Measure::Share => {
            "上级数值：本级有直接测算值（如抽样调查）时取本级值；否则为各下级数值按人口加权平均，有下级缺少人口数时改为简单平均并标注".into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kesu_core::report::Period;
    use kesu_core::{Comparator, Target, TargetValue};
    use proptest::prelude::*;

    fn indicator(unit: &str, text: &str, per: Option<&str>) -> Indicator {
        Indicator::from_target(&Target {
            text: text.into(),
            indicator: text.into(),
            comparator: Comparator::Ge,
            value: TargetValue::Number(1.0),
            unit: unit.into(),
            year: Some(2025),
            per: per.map(Into::into),
        })
    }

    fn count() -> Indicator {
        indicator("人次", "培训农民5000人次", None)
    }

    fn region(code: &str, name: &str, population: Option<f64>) -> RegionInfo {
        RegionInfo {
            code: code.into(),
            name: name.into(),
            population,
        }
    }

    fn obs(report_id: i64, region: &str, value: f64) -> Observation {
        Observation {
            report_id,
            unit_id: 1,
            region_code: region.into(),
            period: Period::Quarter {
                year: 2023,
                quarter: 1,
            },
            value,
            accepted: true,
        }
    }

    fn plan() -> Window {
        Window::years(2021, 2025)
    }

    /// Two townships of one county: 甲镇 with villages 1 and 2, 乙镇 with village 3.
    fn tree() -> Vec<RegionInfo> {
        vec![
            region("431302", "娄星区", None),
            region("431302001", "甲镇", None),
            region("431302001001", "一村", Some(1000.0)),
            region("431302001002", "二村", Some(3000.0)),
            region("431302002", "乙镇", None),
            region("431302002001", "三村", Some(2000.0)),
        ]
    }

    #[test]
    fn counts_add_up_the_tree() {
        let o = [
            obs(1, "431302001001", 10.0),
            obs(2, "431302001002", 20.0),
            obs(3, "431302002001", 5.0),
        ];
        let rt = RegionTree::new(&tree());
        let r = rt.rollup(&count(), &o, &plan());
        assert_eq!(r.node("431302001").unwrap().value, Some(30.0));
        assert_eq!(r.node("431302").unwrap().value, Some(35.0));
        assert_eq!(r.node("4313").unwrap().value, Some(35.0), "implied city");
        assert_eq!(r.node("43").unwrap().value, Some(35.0), "implied province");
        assert_eq!(r.node("4313").unwrap().name, None);
    }

    #[test]
    fn a_value_reported_for_a_county_itself_adds_to_its_villages() {
        let o = [obs(1, "431302001001", 10.0), obs(2, "431302", 100.0)];
        let rt = RegionTree::new(&tree());
        let r = rt.rollup(&count(), &o, &plan());
        let county = r.node("431302").unwrap();
        assert_eq!((county.own, county.value), (Some(100.0), Some(110.0)));
    }

    #[test]
    fn regions_without_data_stay_without_data_and_are_counted() {
        let o = [obs(1, "431302001001", 10.0)];
        let rt = RegionTree::new(&tree());
        let r = rt.rollup(&count(), &o, &plan());
        assert_eq!(r.node("431302002").unwrap().value, None);
        let county = r.node("431302").unwrap();
        assert_eq!((county.leaves, county.reporting_leaves), (3, 1));
    }

    #[test]
    fn shares_are_population_weighted_up_the_tree() {
        // 甲镇: (10%·1000 + 20%·3000) / 4000 = 17.5%; county: (17.5%·4000 + 5%·2000) / 6000 = 13.333…%.
        let share = indicator("%", "比例超过15%", None);
        let o = [
            obs(1, "431302001001", 10.0),
            obs(2, "431302001002", 20.0),
            obs(3, "431302002001", 5.0),
        ];
        let rt = RegionTree::new(&tree());
        let r = rt.rollup(&share, &o, &plan());
        assert_eq!(r.node("431302001").unwrap().value, Some(17.5));
        assert_eq!(r.node("431302001").unwrap().population, Some(4000.0));
        assert_eq!(r.node("431302").unwrap().value, Some(80_000.0 / 6000.0));
        assert!(!r.node("431302").unwrap().unweighted);
    }

    #[test]
    fn a_missing_population_falls_back_to_the_plain_mean_with_a_flag() {
        let share = indicator("%", "比例超过15%", None);
        let mut t = tree();
        t[3].population = None;
        let o = [obs(1, "431302001001", 10.0), obs(2, "431302001002", 20.0)];
        let rt = RegionTree::new(&t);
        let r = rt.rollup(&share, &o, &plan());
        let town = r.node("431302001").unwrap();
        assert_eq!(town.value, Some(15.0));
        assert!(town.unweighted);
        assert!(r.node("431302").unwrap().unweighted, "the flag travels up");
    }

    #[test]
    fn a_share_measured_for_the_county_itself_stands() {
        let share = indicator("%", "比例超过15%", None);
        let o = [obs(1, "431302001001", 10.0), obs(2, "431302", 14.2)];
        let rt = RegionTree::new(&tree());
        let r = rt.rollup(&share, &o, &plan());
        assert_eq!(r.node("431302").unwrap().value, Some(14.2));
    }

    #[test]
    fn a_per_village_target_rolls_up_as_the_share_of_villages_meeting_it() {
        let per_village = indicator("名", "每个村至少培育1名创业创新带头人", Some("每个村"));
        let o = [obs(1, "431302001001", 1.0), obs(2, "431302001002", 0.0)];
        let rt = RegionTree::new(&tree());
        let r = rt.rollup(&per_village, &o, &plan());
        let town = r.node("431302001").unwrap();
        assert_eq!((town.met, town.leaves, town.value), (1, 2, Some(0.5)));
        let county = r.node("431302").unwrap();
        assert_eq!(
            (county.met, county.leaves, county.reporting_leaves),
            (1, 3, 2)
        );
        assert_eq!(county.value, Some(1.0 / 3.0));
        assert_eq!(r.node("431302002").unwrap().value, None);
    }

    #[test]
    fn drill_down_gives_children_in_code_order_and_the_reports() {
        let o = [
            obs(7, "431302002001", 5.0),
            obs(8, "431302001002", 20.0),
            obs(9, "431302001001", 10.0),
        ];
        let rt = RegionTree::new(&tree());
        let r = rt.rollup(&count(), &o, &plan());
        let d = r.drill("431302", &o).unwrap();
        let kids: Vec<(&str, Option<f64>)> = d
            .children
            .iter()
            .map(|c| (c.code.as_str(), c.value))
            .collect();
        assert_eq!(kids, [("431302001", Some(30.0)), ("431302002", Some(5.0))]);
        assert_eq!(d.sources_below, 3);
        let village = r.drill("431302001002", &o).unwrap();
        assert_eq!(village.sources.len(), 1);
        assert_eq!(village.sources[0].report_id, 8);
    }

    #[test]
    fn an_observation_below_the_tree_counts_for_its_nearest_region() {
        let towns = vec![region("431302001", "甲镇", None)];
        let o = [obs(1, "431302001005", 4.0)];
        let rt = RegionTree::new(&towns);
        let r = rt.rollup(&count(), &o, &plan());
        assert_eq!(r.node("431302001").unwrap().value, Some(4.0));
        assert_eq!(r.unplaced, 0);
    }

    #[test]
    fn observations_outside_the_tree_and_bad_codes_are_left_out_and_counted() {
        let mut t = tree();
        t.push(region("4313020", "坏代码", None));
        let o = [obs(1, "441302001001", 4.0)];
        let rt = RegionTree::new(&t);
        let r = rt.rollup(&count(), &o, &plan());
        assert_eq!(r.unplaced, 1);
        assert_eq!(rt.rejected_regions, ["4313020"]);
    }

    #[test]
    fn unaccepted_reports_do_not_roll_up() {
        let mut o = obs(1, "431302001001", 4.0);
        o.accepted = false;
        let rt = RegionTree::new(&tree());
        let r = rt.rollup(&count(), &[o], &plan());
        assert_eq!(r.node("43").unwrap().value, None);
    }

    #[test]
    fn regions_in_any_order_give_the_same_tree() {
        let o = [
            obs(1, "431302001001", 10.0),
            obs(2, "431302001002", 20.0),
            obs(3, "431302002001", 5.0),
        ];
        let mut reversed = tree();
        reversed.reverse();
        let rt = RegionTree::new(&reversed);
        let r = rt.rollup(&count(), &o, &plan());
        let kids: Vec<String> = r.children("431302").into_iter().map(|c| c.code).collect();
        assert_eq!(kids, ["431302001", "431302002"]);
        assert_eq!(r.value("431302"), Some(35.0));
        assert_eq!(
            r.node("431302001").unwrap().name.as_deref(),
            Some("甲镇"),
            "a township implied by its village first keeps the name given later"
        );
    }

    #[test]
    fn the_rule_is_stated() {
        let rt = RegionTree::new(&tree());
        let r = rt.rollup(&count(), &[], &plan());
        assert!(r.rule.contains("之和"));
    }

    #[test]
    fn codes_become_parent_keys_by_dropping_a_level() {
        let k = code_key("431302001001").unwrap();
        assert_eq!(parent_key(k), code_key("431302001"));
        assert_eq!(parent_key(code_key("4313").unwrap()), code_key("43"));
        assert_eq!(parent_key(code_key("43").unwrap()), None);
        assert_ne!(code_key("43"), code_key("0043"));
    }

    proptest! {
        #[test]
        fn rolled_up_counts_equal_the_sum_of_the_leaves(
            leaves in prop::collection::vec((0u8..3, 0u8..3, 0u8..4, 0u8..5, 0u32..1000), 1..60)
        ) {
            let mut regions = Vec::new();
            let mut o = Vec::new();
            for (k, (c, t, v, q, value)) in leaves.iter().enumerate() {
                let code = format!("43{:02}{:02}{:03}{:03}", c + 1, t + 1, v + 1, k);
                regions.push(region(&code, "村", None));
                if *q > 0 {
                    o.push(Observation {
                        report_id: k as i64,
                        unit_id: 1,
                        region_code: code.into(),
                        period: Period::Quarter { year: 2022, quarter: *q },
                        value: f64::from(*value),
                        accepted: true,
                    });
                }
            }
            let rt = RegionTree::new(&regions);
        let r = rt.rollup(&count(), &o, &plan());
            let total: f64 = o.iter().map(|x| x.value).sum();
            let root = r.node("43").unwrap();
            prop_assert_eq!(root.value, (!o.is_empty()).then_some(total));
            prop_assert_eq!(root.leaves as usize, regions.len());
            // Each level sums to the same total.
            for n in r.nodes().filter(|n| n.level == RegionLevel::City) {
                let kids: f64 = r.children(&n.code).iter().filter_map(|c| c.value).sum();
                prop_assert_eq!(n.value.unwrap_or(0.0), kids);
            }
            prop_assert_eq!(r.sources_below("43").len(), o.len());
        }
    }
}
