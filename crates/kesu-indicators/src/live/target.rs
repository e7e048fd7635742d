//! One target kept live: its observations by node, the figures of every internal node for each
//! span of months asked about, and the report lists of opened views.

use super::Shared;
use super::agg::{Flat, Obs, Roll, Span, own_flat, own_roll};
use crate::actual::Observation;
use crate::indicator::{Aggregation, Indicator, Kind, Measure};
use crate::progress::attainment;
use crate::rollup::{IntMap, NONE};
use kesu_core::RegionLevel;
use kesu_core::report::Period;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A span of months and the year whose populations weight it (0 when none does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    pub span: Span,
    pub year: i32,
}

/// Figures of the internal nodes (by slot) for one key, and when they were last used.
#[derive(Debug)]
struct Kept<A> {
    aggs: Vec<A>,
    used: u64,
}

/// The report ids behind a view (a node, a key, flat or coverage), sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct IdsKey {
    pub node: u32,
    pub key: Key,
    pub coverage: bool,
}

#[derive(Debug)]
struct KeptIds {
    ids: Arc<Vec<i64>>,
    used: u64,
}

#[derive(Debug)]
pub(crate) struct LiveTarget {
    pub indicator: Indicator,
    pub entity_level: Option<RegionLevel>,
    /// Observations by node, each list in [`Obs::order`].
    obs: IntMap<Vec<Obs>>,
    count: usize,
    /// Every period seen, and each internal node's periods at or below as bits (at most 128
    /// periods; beyond, `masks` is empty and trends are not kept).
    periods: Vec<Period>,
    masks: Vec<u128>,
    flats: HashMap<Key, Kept<Flat>>,
    rolls: HashMap<Key, Kept<Roll>>,
    ids: HashMap<IdsKey, KeptIds>,
}

/// When kept figures were last used: one clock for every target, so that a plan forgets the
/// least recently used of all its targets' figures first.
static CLOCK: AtomicU64 = AtomicU64::new(0);

fn tick() -> u64 {
    CLOCK.fetch_add(1, Ordering::Relaxed) + 1
}

const MAX_PERIODS: usize = 128;

impl LiveTarget {
    pub fn new(indicator: Indicator, entity_level: Option<RegionLevel>) -> LiveTarget {
        LiveTarget {
            indicator,
            entity_level,
            obs: IntMap::default(),
            count: 0,
            periods: Vec::new(),
            masks: Vec::new(),
            flats: HashMap::new(),
            rolls: HashMap::new(),
            ids: HashMap::new(),
        }
    }

    pub fn aggregation(&self) -> Aggregation {
        self.indicator.aggregation
    }

    /// A flat key: the year only matters to population-weighted shares.
    pub fn flat_key(&self, span: Span, year: i32) -> Key {
        let year = if self.aggregation() == Aggregation::WeightedMean {
            year
        } else {
            0
        };
        Key { span, year }
    }

    /// A roll-up key: the year only matters to shares (children weighted by population).
    pub fn roll_key(&self, span: Span, year: i32) -> Key {
        let per_entity = matches!(self.indicator.kind, Kind::PerEntity { .. });
        let year = if !per_entity && self.indicator.measure() == Measure::Share {
            year
        } else {
            0
        };
        Key { span, year }
    }

    /// Take a full load.
    pub fn fill(&mut self, sh: &Shared, mut by_node: IntMap<Vec<Obs>>) {
        self.count = 0;
        for list in by_node.values_mut() {
            list.sort_by_key(Obs::order);
            self.count += list.len();
            for o in list.iter() {
                self.note_period(o.period);
            }
        }
        self.obs = by_node;
        self.flats.clear();
        self.rolls.clear();
        self.ids.clear();
        self.masks = self.build_masks(sh);
    }

    fn note_period(&mut self, p: Period) {
        if !self.periods.contains(&p) {
            self.periods.push(p);
        }
    }

    fn own(&self, n: u32) -> &[Obs] {
        self.obs.get(&u64::from(n)).map_or(&[][..], Vec::as_slice)
    }

    pub fn len(&self) -> usize {
        self.count
    }

    // ------------------------------------------------------------------ flat figures

    /// The flat figures of node `n` from its own observations and its children's figures
    /// (`aggs`, by slot; leaves computed here).
    fn compute_flat(&self, sh: &Shared, n: u32, key: Key, aggs: &[Flat]) -> Flat {
        let pops = sh.years.get(&key.year);
        let weight = |code: u64| pops.and_then(|p| sh.weight(p, n, code));
        let mut f = own_flat(self.own(n), key.span, self.aggregation(), &weight, None);
        let mut cov = Flat::default();
        for &c in sh.children(n) {
            let cf = match sh.slot[c as usize] {
                NONE => self.compute_flat(sh, c, key, aggs),
                s => aggs[s as usize],
            };
            f.add_values(&cf);
            cov.add_coverage(&cf);
        }
        if let Some(level) = self.entity_level {
            let d = sh.depth(n);
            if d == level.depth() && sh.given[n as usize] {
                let (v, _) = f.value(self.aggregation());
                let t = &self.indicator.target;
                f.entities = 1;
                f.met = u32::from(v.is_some_and(|v| attainment(t.comparator, &t.value, v).met));
                f.no_data = u32::from(v.is_none());
            } else if d < level.depth() {
                f.add_coverage(&cov);
            }
        }
        f
    }

    fn build_flat(&self, sh: &Shared, key: Key) -> Vec<Flat> {
        let mut aggs = vec![Flat::default(); sh.internal.len()];
        for &n in &sh.internal {
            let f = self.compute_flat(sh, n, key, &aggs);
            aggs[sh.slot[n as usize] as usize] = f;
        }
        aggs
    }

    /// Node `n`'s flat figures for `key`, building the key's figures on first use.
    pub fn flat_at(&mut self, sh: &Shared, n: u32, key: Key) -> Flat {
        let now = tick();
        if !self.flats.contains_key(&key) {
            let aggs = self.build_flat(sh, key);
            self.flats.insert(key, Kept { aggs, used: now });
        }
        let Some(kept) = self.flats.get_mut(&key) else {
            return Flat::default();
        };
        kept.used = now;
        match sh.slot[n as usize] {
            NONE => {
                let kept = &self.flats[&key];
                self.compute_flat(sh, n, key, &kept.aggs)
            }
            s => kept.aggs[s as usize],
        }
    }

    // ------------------------------------------------------------------ roll-up figures

    fn compute_roll(&self, sh: &Shared, n: u32, key: Key, aggs: &[Roll]) -> Roll {
        let code_of = |_: u64| String::new();
        let (own, used) = own_roll(self.own(n), key.span, self.aggregation(), None, &code_of);
        let mut r = Roll {
            own,
            used_below: used,
            ..Roll::default()
        };
        let pops = sh.years.get(&key.year);
        let (mut sum, mut any, mut wsum, mut w, mut plain) = (0.0, false, 0.0, 0.0, 0.0);
        let (mut count, mut missing_pop, mut child_unweighted) = (0u32, false, false);
        let children = sh.children(n);
        for &c in children {
            let cr = match sh.slot[c as usize] {
                NONE => self.compute_roll(sh, c, key, aggs),
                s => aggs[s as usize],
            };
            r.reporting += cr.reporting;
            r.met += cr.met;
            r.used_below += cr.used_below;
            if let Some(x) = cr.value {
                any = true;
                sum += x;
                plain += x;
                count += 1;
                child_unweighted |= cr.unweighted;
                match pops.and_then(|p| p.tree[c as usize]).filter(|w| *w > 0.0) {
                    Some(cw) => {
                        wsum += x * cw;
                        w += cw;
                    }
                    None => missing_pop = true,
                }
            }
        }
        let t = &self.indicator.target;
        if children.is_empty() {
            r.reporting = u32::from(own.is_some());
            r.met = u32::from(own.is_some_and(|x| attainment(t.comparator, &t.value, x).met));
        }
        r.value = if matches!(self.indicator.kind, Kind::PerEntity { .. }) {
            let leaves = sh.leaves(n);
            (r.reporting > 0).then(|| f64::from(r.met) / f64::from(leaves))
        } else {
            match self.indicator.measure() {
                Measure::Count | Measure::Stock => match (own, any) {
                    (None, false) => None,
                    (own, _) => Some(own.unwrap_or(0.0) + sum),
                },
                Measure::Share => {
                    if own.is_some() {
                        own
                    } else if count == 0 {
                        None
                    } else if missing_pop && count > 1 {
                        r.unweighted = true;
                        Some(plain / f64::from(count))
                    } else if w > 0.0 {
                        Some(wsum / w)
                    } else {
                        Some(plain / f64::from(count))
                    }
                }
            }
        };
        r.unweighted |= child_unweighted && own.is_none();
        r
    }

    fn build_roll(&self, sh: &Shared, key: Key) -> Vec<Roll> {
        let mut aggs = vec![Roll::default(); sh.internal.len()];
        for &n in &sh.internal {
            let r = self.compute_roll(sh, n, key, &aggs);
            aggs[sh.slot[n as usize] as usize] = r;
        }
        aggs
    }

    pub fn roll_at(&mut self, sh: &Shared, n: u32, key: Key) -> Roll {
        let now = tick();
        if !self.rolls.contains_key(&key) {
            let aggs = self.build_roll(sh, key);
            self.rolls.insert(key, Kept { aggs, used: now });
        }
        let Some(kept) = self.rolls.get_mut(&key) else {
            return Roll::default();
        };
        kept.used = now;
        match sh.slot[n as usize] {
            NONE => {
                let kept = &self.rolls[&key];
                self.compute_roll(sh, n, key, &kept.aggs)
            }
            s => kept.aggs[s as usize],
        }
    }

    /// The observations used at node `n` itself in the roll-up, as sources.
    pub fn roll_sources(&self, n: u32, key: Key) -> Vec<crate::actual::Source> {
        let mut out = Vec::new();
        let code_of = |c: u64| super::obs_code(c);
        own_roll(
            self.own(n),
            key.span,
            self.aggregation(),
            Some(&mut out),
            &code_of,
        );
        crate::actual::sort_sources(&mut out);
        out
    }

    // ------------------------------------------------------------------ periods

    fn own_mask(&self, n: u32) -> u128 {
        let mut m = 0u128;
        for o in self.own(n) {
            if let Some(i) = self.periods.iter().position(|p| *p == o.period) {
                m |= 1u128 << i;
            }
        }
        m
    }

    fn compute_mask(&self, sh: &Shared, n: u32, masks: &[u128]) -> u128 {
        let mut m = self.own_mask(n);
        for &c in sh.children(n) {
            m |= match sh.slot[c as usize] {
                NONE => self.own_mask(c),
                s => masks[s as usize],
            };
        }
        m
    }

    fn build_masks(&self, sh: &Shared) -> Vec<u128> {
        if self.periods.len() > MAX_PERIODS {
            return Vec::new();
        }
        let mut masks = vec![0u128; sh.internal.len()];
        for &n in &sh.internal {
            let m = self.compute_mask(sh, n, &masks);
            masks[sh.slot[n as usize] as usize] = m;
        }
        masks
    }

    /// The periods with an observation at or below `n`; `None` when too many periods are held
    /// to keep them.
    pub fn periods_at(&self, sh: &Shared, n: u32) -> Option<Vec<Period>> {
        if self.periods.len() > MAX_PERIODS {
            return None;
        }
        let m = match sh.slot[n as usize] {
            NONE => self.own_mask(n),
            s => *self.masks.get(s as usize)?,
        };
        Some(
            (0..self.periods.len())
                .filter(|i| m & (1u128 << i) != 0)
                .map(|i| self.periods[i])
                .collect(),
        )
    }

    // ------------------------------------------------------------------ report ids

    /// The report ids node `n`'s own observations contribute to a view's list.
    fn local_ids(&self, sh: &Shared, n: u32, key: IdsKey, out: &mut Vec<i64>) {
        // Coverage counts observations of entities only, and only of entities at or below the
        // view (a township's target seen at a village has none).
        if key.coverage
            && !self
                .entity_level
                .is_some_and(|l| sh.depth(key.node) <= l.depth() && sh.within_entity(n, l))
        {
            return;
        }
        own_flat(
            self.own(n),
            key.key.span,
            self.aggregation(),
            &|_| None,
            Some(out),
        );
    }

    /// The sorted report ids behind a view, kept and patched while the view is used.
    pub fn ids(&mut self, sh: &Shared, key: IdsKey) -> Arc<Vec<i64>> {
        let now = tick();
        if let Some(k) = self.ids.get_mut(&key) {
            k.used = now;
            return k.ids.clone();
        }
        let mut out = Vec::new();
        let mut stack = vec![key.node];
        while let Some(n) = stack.pop() {
            self.local_ids(sh, n, key, &mut out);
            stack.extend_from_slice(sh.children(n));
        }
        out.sort_unstable();
        let ids = Arc::new(out);
        self.ids.insert(
            key,
            KeptIds {
                ids: ids.clone(),
                used: now,
            },
        );
        ids
    }

    // ------------------------------------------------------------------ changes

    /// Replace the observations of some reports (`gone`: node and report id) with `fresh` ones.
    pub fn replace(&mut self, sh: &Shared, gone: &[(u32, i64)], fresh: Vec<(u32, Obs)>) {
        let mut nodes: Vec<u32> = gone
            .iter()
            .map(|(n, _)| *n)
            .chain(fresh.iter().map(|(n, _)| *n))
            .collect();
        nodes.sort_unstable();
        nodes.dedup();
        // The opened views each node lies under, with what the node gave them before.
        let mut patches: Vec<(IdsKey, u32, Vec<i64>)> = Vec::new();
        let keys: Vec<IdsKey> = self.ids.keys().copied().collect();
        for &n in &nodes {
            for &k in &keys {
                if is_under(sh, n, k.node) {
                    let mut before = Vec::new();
                    self.local_ids(sh, n, k, &mut before);
                    patches.push((k, n, before));
                }
            }
        }
        for &(n, report) in gone {
            if let Some(list) = self.obs.get_mut(&u64::from(n)) {
                let was = list.len();
                list.retain(|o| o.report != report);
                self.count -= was - list.len();
                if list.is_empty() {
                    self.obs.remove(&u64::from(n));
                }
            }
        }
        for (n, o) in fresh {
            self.note_period(o.period);
            let list = self.obs.entry(u64::from(n)).or_default();
            // A report gives one value per target: a second copy is ignored.
            if list.iter().any(|x| x.report == o.report) {
                continue;
            }
            let at = list.partition_point(|x| x.order() < o.order());
            list.insert(at, o);
            self.count += 1;
        }
        for (k, n, before) in patches {
            let mut after = Vec::new();
            self.local_ids(sh, n, k, &mut after);
            if before == after {
                continue;
            }
            if let Some(kept) = self.ids.get_mut(&k) {
                let ids = Arc::make_mut(&mut kept.ids);
                for id in before {
                    if let Ok(i) = ids.binary_search(&id) {
                        ids.remove(i);
                    }
                }
                for id in after {
                    if let Err(i) = ids.binary_search(&id) {
                        ids.insert(i, id);
                    }
                }
            }
        }
        // The nodes' internal ancestors, deepest first, recomputed from their children.
        let mut dirty: Vec<u32> = Vec::new();
        for &n in &nodes {
            let mut m = Some(n);
            while let Some(x) = m {
                if sh.slot[x as usize] != NONE {
                    dirty.push(x);
                }
                m = sh.parent(x);
            }
        }
        dirty.sort_unstable_by_key(|&x| (std::cmp::Reverse(sh.depth(x)), x));
        dirty.dedup();
        let flat_keys: Vec<Key> = self.flats.keys().copied().collect();
        for key in flat_keys {
            for &x in &dirty {
                let f = self.compute_flat(sh, x, key, &self.flats[&key].aggs);
                if let Some(k) = self.flats.get_mut(&key) {
                    k.aggs[sh.slot[x as usize] as usize] = f;
                }
            }
        }
        let roll_keys: Vec<Key> = self.rolls.keys().copied().collect();
        for key in roll_keys {
            for &x in &dirty {
                let r = self.compute_roll(sh, x, key, &self.rolls[&key].aggs);
                if let Some(k) = self.rolls.get_mut(&key) {
                    k.aggs[sh.slot[x as usize] as usize] = r;
                }
            }
        }
        if self.periods.len() > MAX_PERIODS {
            self.masks.clear();
        } else if self.masks.len() != sh.internal.len() {
            self.masks = self.build_masks(sh);
        } else {
            for &x in &dirty {
                let m = self.compute_mask(sh, x, &self.masks);
                self.masks[sh.slot[x as usize] as usize] = m;
            }
        }
    }

    // ------------------------------------------------------------------ reading back

    /// The observations at or below `n`, in region order.
    pub fn observations(&self, sh: &Shared, n: u32) -> Vec<Observation> {
        let mut out = Vec::new();
        let mut push = |list: &[Obs]| {
            out.extend(list.iter().map(|o| Observation {
                report_id: o.report,
                unit_id: o.unit,
                region_code: super::obs_code(o.code).into(),
                period: o.period,
                value: o.value,
                accepted: true,
            }))
        };
        if self.obs.len() < sh.leaves(n) as usize {
            // Few nodes hold observations (a goal, a unit's target): look at those.
            for (&m, list) in &self.obs {
                if is_under(sh, m as u32, n) {
                    push(list);
                }
            }
        } else {
            let mut stack = vec![n];
            while let Some(m) = stack.pop() {
                push(self.own(m));
                stack.extend_from_slice(sh.children(m));
            }
        }
        out.sort_by(|a, b| {
            (a.region_code.as_str(), a.report_id).cmp(&(b.region_code.as_str(), b.report_id))
        });
        out
    }

    // ------------------------------------------------------------------ memory

    pub fn bytes(&self) -> usize {
        let obs = self.count * std::mem::size_of::<Obs>() + self.obs.len() * 48;
        let flats: usize = self
            .flats
            .values()
            .map(|k| k.aggs.len() * std::mem::size_of::<Flat>())
            .sum();
        let rolls: usize = self
            .rolls
            .values()
            .map(|k| k.aggs.len() * std::mem::size_of::<Roll>())
            .sum();
        let ids: usize = self.ids.values().map(|k| k.ids.len() * 8 + 64).sum();
        obs + flats + rolls + ids + self.masks.len() * 16
    }

    /// When the least recently used kept figures or list was last used.
    pub fn oldest(&self) -> Option<u64> {
        let f = self.flats.values().map(|k| k.used);
        let r = self.rolls.values().map(|k| k.used);
        let i = self.ids.values().map(|k| k.used);
        f.chain(r).chain(i).min()
    }

    /// Forget the least recently used kept figures or list.
    pub fn forget_oldest(&mut self) {
        let Some(oldest) = self.oldest() else {
            return;
        };
        self.flats.retain(|_, k| k.used != oldest);
        self.rolls.retain(|_, k| k.used != oldest);
        self.ids.retain(|_, k| k.used != oldest);
    }
}

/// Whether node `n` is `v` or below it.
fn is_under(sh: &Shared, n: u32, v: u32) -> bool {
    let mut m = Some(n);
    while let Some(x) = m {
        if x == v {
            return true;
        }
        m = sh.parent(x);
    }
    false
}
