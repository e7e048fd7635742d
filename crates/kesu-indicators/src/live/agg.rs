//! What one node contributes, from the observations attached to it, for one span of months:
//! the mergeable parts of the flat evaluation ([`Flat`]) and of the region roll-up ([`Roll`]),
//! and the report ids it uses. Everything here reads only the node's own observations, which
//! is what makes a report's change local: its node is recomputed, then its ancestors from
//! their children.

use crate::actual::{Source, period_key, period_months};
use crate::indicator::Aggregation;
use kesu_core::report::Period;

/// An observation as the engine keeps it (40 bytes: a province's villages hold millions).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Obs {
    /// The region code as a key (`rollup::code_key`): the node's own, or a code below it that is
    /// not in the tree.
    pub code: u64,
    pub unit: i64,
    pub period: Period,
    pub report: i64,
    pub value: f64,
}

impl Obs {
    /// The order kept within a node: by region, unit, period (oldest first), report.
    pub fn order(&self) -> (u64, i64, (i64, i64), i64) {
        (self.code, self.unit, period_key(self.period), self.report)
    }
}

/// Months `lo..=hi`: an observation counts when its whole period lies in them (the window, cut
/// at the evaluation day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Span {
    pub lo: i64,
    pub hi: i64,
}

impl Span {
    pub fn admits(self, p: Period) -> bool {
        let (first, last) = period_months(p);
        first >= self.lo && last <= self.hi
    }
}

/// The flat evaluation's parts of a subtree (what [`crate::actual::actual`] computes over all
/// its observations), kept so that a parent is the sum of its children.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Flat {
    /// Sum and Latest: the sum of the values used.
    pub sum: f64,
    /// Observations used (Sum: all; Latest: one per source; WeightedMean: each region's latest
    /// period's).
    pub used: u32,
    /// WeightedMean: regions with a value, the sum of their means, of their means times their
    /// populations, of those populations, and how many had no population.
    pub regions: u32,
    pub plain: f64,
    pub wsum: f64,
    pub w: f64,
    pub unweighted: u32,
    /// Per-entity targets: entities at or below, those meeting the target, those without data.
    pub entities: u32,
    pub met: u32,
    pub no_data: u32,
}

impl Flat {
    /// Add a child's value parts (coverage parts are added by the caller's rule).
    pub fn add_values(&mut self, o: &Flat) {
        self.sum += o.sum;
        self.used += o.used;
        self.regions += o.regions;
        self.plain += o.plain;
        self.wsum += o.wsum;
        self.w += o.w;
        self.unweighted += o.unweighted;
    }

    pub fn add_coverage(&mut self, o: &Flat) {
        self.entities += o.entities;
        self.met += o.met;
        self.no_data += o.no_data;
    }

    /// The value and whether a share went unweighted, as [`crate::actual::actual`] gives them.
    pub fn value(&self, aggregation: Aggregation) -> (Option<f64>, bool) {
        match aggregation {
            Aggregation::WeightedMean => match self.regions {
                0 => (None, false),
                1 => (Some(self.plain), false),
                _ if self.unweighted == 0 => (Some(self.wsum / self.w), false),
                n => (Some(self.plain / f64::from(n)), true),
            },
            _ => ((self.used > 0).then_some(self.sum), false),
        }
    }
}

/// The roll-up's figures of a node ([`crate::rollup`]'s fold), kept per node.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Roll {
    pub value: Option<f64>,
    pub own: Option<f64>,
    pub unweighted: bool,
    pub reporting: u32,
    pub met: u32,
    /// Observations used at or below.
    pub used_below: u32,
}

/// Groups of a node's observations (in [`Obs::order`]) sharing a key.
fn groups<K: PartialEq>(obs: &[Obs], key: impl Fn(&Obs) -> K) -> impl Iterator<Item = &[Obs]> {
    let mut rest = obs;
    std::iter::from_fn(move || {
        let first = rest.first()?;
        let k = key(first);
        let n = rest.iter().position(|o| key(o) != k).unwrap_or(rest.len());
        let (g, r) = rest.split_at(n);
        rest = r;
        Some(g)
    })
}

/// The node's own part of the flat evaluation over `span`, and the report ids it uses when
/// `ids` is given. `weight` gives a region's population weight (finite and positive) by code.
pub(crate) fn own_flat(
    obs: &[Obs],
    span: Span,
    aggregation: Aggregation,
    weight: &dyn Fn(u64) -> Option<f64>,
    mut ids: Option<&mut Vec<i64>>,
) -> Flat {
    let mut f = Flat::default();
    let mut push = |id: i64| {
        if let Some(v) = ids.as_deref_mut() {
            v.push(id);
        }
    };
    match aggregation {
        // Max is never kept live (its one source is not local to a node): see `LivePlan`.
        Aggregation::Sum | Aggregation::Max => {
            for o in obs.iter().filter(|o| span.admits(o.period)) {
                f.sum += o.value;
                f.used += 1;
                push(o.report);
            }
        }
        Aggregation::Latest => {
            // Each source's latest: the last admitted one of its group.
            for g in groups(obs, |o| (o.code, o.unit)) {
                if let Some(o) = g.iter().rev().find(|o| span.admits(o.period)) {
                    f.sum += o.value;
                    f.used += 1;
                    push(o.report);
                }
            }
        }
        Aggregation::WeightedMean => {
            for g in groups(obs, |o| o.code) {
                let Some(latest) = g
                    .iter()
                    .filter(|o| span.admits(o.period))
                    .map(|o| period_key(o.period))
                    .max()
                else {
                    continue;
                };
                let (mut sum, mut n) = (0.0, 0u32);
                for o in g
                    .iter()
                    .filter(|o| span.admits(o.period) && period_key(o.period) == latest)
                {
                    sum += o.value;
                    n += 1;
                    push(o.report);
                }
                let m = sum / f64::from(n);
                f.used += n;
                f.regions += 1;
                f.plain += m;
                match weight(g[0].code) {
                    Some(w) => {
                        f.wsum += m * w;
                        f.w += w;
                    }
                    None => f.unweighted += 1,
                }
            }
        }
    }
    f
}

/// The node's own value in the roll-up ([`crate::rollup`]: a region's reports for itself) over
/// `span`, how many observations it used, and those observations when `sources` is given.
pub(crate) fn own_roll(
    obs: &[Obs],
    span: Span,
    aggregation: Aggregation,
    mut sources: Option<&mut Vec<Source>>,
    code_of: &dyn Fn(u64) -> String,
) -> (Option<f64>, u32) {
    let mut used = 0u32;
    let mut take = |o: &Obs| {
        used += 1;
        if let Some(s) = sources.as_deref_mut() {
            s.push(Source {
                report_id: o.report,
                unit_id: o.unit,
                region_code: code_of(o.code).into(),
                period: o.period,
                value: o.value,
            });
        }
    };
    let admitted = || obs.iter().filter(|o| span.admits(o.period));
    let value = match aggregation {
        Aggregation::Sum => {
            let mut total = None;
            for o in admitted() {
                *total.get_or_insert(0.0) += o.value;
                take(o);
            }
            total
        }
        Aggregation::Max => {
            // The last of the largest, as `Iterator::max_by` picks it in the roll-up.
            let best = admitted().fold(None::<&Obs>, |b, o| match b {
                Some(b) if o.value.total_cmp(&b.value).is_lt() => Some(b),
                _ => Some(o),
            });
            best.map(|o| {
                take(o);
                o.value
            })
        }
        Aggregation::Latest => {
            let mut total = None;
            for g in groups(obs, |o| (o.code, o.unit)) {
                if let Some(o) = g.iter().rev().find(|o| span.admits(o.period)) {
                    *total.get_or_insert(0.0) += o.value;
                    take(o);
                }
            }
            total
        }
        Aggregation::WeightedMean => {
            // The node's latest period, all its sources in it averaged.
            let latest = admitted().map(|o| period_key(o.period)).max();
            latest.map(|k| {
                let (mut sum, mut n) = (0.0, 0u32);
                for o in admitted().filter(|o| period_key(o.period) == k) {
                    sum += o.value;
                    n += 1;
                    take(o);
                }
                sum / f64::from(n)
            })
        }
    };
    (value, used)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(year: i32, quarter: u8) -> Period {
        Period::Quarter { year, quarter }
    }

    fn o(code: u64, unit: i64, period: Period, report: i64, value: f64) -> Obs {
        Obs {
            code,
            unit,
            period,
            report,
            value,
        }
    }

    fn all() -> Span {
        Span {
            lo: 0,
            hi: i64::MAX,
        }
    }

    #[test]
    fn a_stock_takes_each_sources_last_admitted_value() {
        let mut obs = vec![
            o(1, 1, q(2023, 1), 10, 5.0),
            o(1, 1, q(2023, 2), 11, 7.0),
            o(1, 2, q(2023, 1), 12, 3.0),
        ];
        obs.sort_by_key(Obs::order);
        let mut ids = Vec::new();
        let f = own_flat(&obs, all(), Aggregation::Latest, &|_| None, Some(&mut ids));
        assert_eq!((f.sum, f.used), (10.0, 2));
        assert_eq!(ids, [11, 12]);
        let only_q1 = Span {
            lo: 0,
            hi: 2023 * 12 + 2,
        };
        let f = own_flat(&obs, only_q1, Aggregation::Latest, &|_| None, None);
        assert_eq!(f.sum, 8.0);
    }

    #[test]
    fn a_share_averages_each_regions_latest_period_with_its_weight() {
        let mut obs = vec![
            o(1, 1, q(2023, 1), 1, 10.0),
            o(1, 2, q(2023, 2), 2, 20.0),
            o(1, 3, q(2023, 2), 3, 30.0),
            o(2, 1, q(2023, 1), 4, 40.0),
        ];
        obs.sort_by_key(Obs::order);
        let w = |c: u64| (c == 1).then_some(100.0);
        let f = own_flat(&obs, all(), Aggregation::WeightedMean, &w, None);
        assert_eq!((f.regions, f.plain, f.used, f.unweighted), (2, 65.0, 3, 1));
        assert_eq!(f.value(Aggregation::WeightedMean), (Some(32.5), true));
    }
}
