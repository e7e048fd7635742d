//! One target seen at one region on one day: the facts its evaluation reads, the report ids
//! behind them, and the roll-up below it.

use super::Shared;
use super::agg::Span;
use super::target::{IdsKey, Key, LiveTarget};
use crate::actual::Window;
use crate::coverage::{Coverage, Entity, EntityKey, EntityResult};
use crate::indicator::Kind;
use crate::progress::{Facts, Found};
use crate::rollup::{Drill, NodeSummary, rule_zh};
use kesu_core::RegionLevel;
use kesu_core::report::Period;
use std::cell::RefCell;
use std::sync::Arc;

/// How many entities not meeting a per-entity target a view names (the dashboard shows 50).
pub const NOT_MET_LISTED: usize = 50;

/// A target at a region, as [`super::LivePlan::view`] gives it. Implements [`Facts`], so
/// [`crate::progress::evaluate_facts`] evaluates it exactly as it would the list of the
/// region's observations. Figures it has not kept yet are built on first use.
pub struct View<'a> {
    sh: &'a Shared,
    t: RefCell<&'a mut LiveTarget>,
    node: u32,
    /// The last month whose periods count (the evaluation day's).
    cutoff: i64,
    year: i32,
}

impl<'a> View<'a> {
    pub(crate) fn new(
        sh: &'a Shared,
        t: &'a mut LiveTarget,
        node: u32,
        cutoff: i64,
        year: i32,
    ) -> View<'a> {
        View {
            sh,
            t: RefCell::new(t),
            node,
            cutoff,
            year,
        }
    }

    fn span(&self, w: &Window) -> Span {
        let m = w.months();
        Span {
            lo: m.first,
            hi: m.last.min(self.cutoff),
        }
    }

    /// The report ids behind the value over `window` — for a per-entity target, behind the
    /// coverage — ascending. Kept while the view is used and patched when reports change.
    pub fn sources(&self, window: &Window) -> Arc<Vec<i64>> {
        let mut t = self.t.borrow_mut();
        let coverage = matches!(t.indicator.kind, Kind::PerEntity { .. });
        let key = IdsKey {
            node: self.node,
            key: t.flat_key(self.span(window), self.year),
            coverage,
        };
        t.ids(self.sh, key)
    }

    /// The node of `code` when it is this view's region or below it.
    fn below(&self, code: &str) -> Option<u32> {
        let n = self.sh.node(code)?;
        let mut m = Some(n);
        while let Some(x) = m {
            if x == self.node {
                return Some(n);
            }
            m = self.sh.parent(x);
        }
        None
    }

    fn summary(&self, t: &mut LiveTarget, n: u32, key: Key) -> NodeSummary {
        let r = t.roll_at(self.sh, n, key);
        NodeSummary {
            code: self.sh.code(n),
            name: self.sh.name(n),
            level: self.sh.level(n),
            value: r.value,
            own: r.own,
            population: self
                .sh
                .years
                .get(&self.year)
                .and_then(|p| p.tree[n as usize]),
            unweighted: r.unweighted,
            leaves: self.sh.leaves(n),
            reporting_leaves: r.reporting,
            met: r.met,
        }
    }

    /// A region at or below the view, rolled up over `window` ([`crate::rollup`]'s figures).
    pub fn node(&self, code: &str, window: &Window) -> Option<NodeSummary> {
        let n = self.below(code)?;
        let mut t = self.t.borrow_mut();
        let key = t.roll_key(self.span(window), self.year);
        Some(self.summary(&mut t, n, key))
    }

    /// A region at or below the view with its children and its own reports, rolled up over
    /// `window`, as [`crate::rollup::Rollup::drill`] gives it.
    pub fn drill(&self, code: &str, window: &Window) -> Option<Drill> {
        let n = self.below(code)?;
        let mut t = self.t.borrow_mut();
        let key = t.roll_key(self.span(window), self.year);
        let node = self.summary(&mut t, n, key);
        let children = self
            .sh
            .children(n)
            .iter()
            .map(|&c| self.summary(&mut t, c, key))
            .collect();
        let below = t.roll_at(self.sh, n, key).used_below as usize;
        Some(Drill {
            node,
            children,
            sources: t.roll_sources(n, key),
            sources_below: below,
        })
    }

    /// How parents are computed from children, in Chinese.
    pub fn rule(&self) -> String {
        rule_zh(&self.t.borrow().indicator)
    }

    /// The latest period with an observation at or below the view (by its last day; of a
    /// quarter and a year ending together, the quarter), among those ended by the day.
    pub fn latest_period(&self) -> Option<Option<Period>> {
        let t = self.t.borrow();
        let periods = t.periods_at(self.sh, self.node)?;
        Some(
            periods
                .into_iter()
                .filter(|p| self.ended(*p))
                .max_by_key(|p| crate::actual::period_key(*p)),
        )
    }

    fn ended(&self, p: Period) -> bool {
        crate::actual::period_months(p).1 <= self.cutoff
    }

    /// The value of each period with an observation at or below `code` (ended by the day),
    /// oldest first: [`crate::actual::trend`] of that region's observations. `None` when the
    /// target holds too many periods to keep them.
    pub fn trend(&self, code: &str) -> Option<Vec<(Period, Option<f64>)>> {
        let n = self.below(code)?;
        let mut t = self.t.borrow_mut();
        let mut periods: Vec<Period> = t
            .periods_at(self.sh, n)?
            .into_iter()
            .filter(|p| self.ended(*p))
            .collect();
        periods.sort_by_key(|p| (p.dates().1, p.code()));
        let aggregation = t.aggregation();
        Some(
            periods
                .into_iter()
                .map(|p| {
                    let m = Window::period(p).months();
                    let key = t.flat_key(
                        Span {
                            lo: m.first,
                            hi: m.last,
                        },
                        self.year,
                    );
                    (p, t.flat_at(self.sh, n, key).value(aggregation).0)
                })
                .collect(),
        )
    }

    /// The first `limit` entities (in code order) at or below the view not meeting the target.
    fn not_met(
        &self,
        t: &mut LiveTarget,
        key: Key,
        level: RegionLevel,
        limit: usize,
    ) -> Vec<EntityResult> {
        let sh = self.sh;
        let aggregation = t.aggregation();
        let mut out = Vec::new();
        let mut stack = vec![self.node];
        while let Some(n) = stack.pop() {
            if out.len() >= limit {
                break;
            }
            let d = sh.depth(n);
            if d == level.depth() {
                if sh.given[n as usize] {
                    let f = t.flat_at(sh, n, key);
                    if f.met == 0 {
                        out.push(EntityResult {
                            entity: Entity {
                                key: EntityKey::Region(sh.code(n)),
                                name: sh.name(n).unwrap_or_default(),
                            },
                            actual: f.value(aggregation).0,
                            met: false,
                        });
                    }
                }
                continue;
            }
            if d > level.depth() {
                continue;
            }
            let f = t.flat_at(sh, n, key);
            if f.entities > f.met {
                stack.extend(sh.children(n).iter().rev());
            }
        }
        out
    }
}

impl Facts for View<'_> {
    fn actual(&self, window: &Window) -> Found {
        let mut t = self.t.borrow_mut();
        let key = t.flat_key(self.span(window), self.year);
        let f = t.flat_at(self.sh, self.node, key);
        let (value, unweighted) = f.value(t.aggregation());
        Found {
            value,
            used: if value.is_some() { f.used as usize } else { 0 },
            unweighted,
            sources: Vec::new(),
        }
    }

    fn coverage(&self, window: &Window) -> Option<Coverage> {
        let mut t = self.t.borrow_mut();
        let level = t.entity_level?;
        let key = t.flat_key(self.span(window), self.year);
        let f = t.flat_at(self.sh, self.node, key);
        let not_met = self.not_met(&mut t, key, level, NOT_MET_LISTED);
        let total = f.entities as usize;
        Some(Coverage {
            total,
            met: f.met as usize,
            no_data: f.no_data as usize,
            share: (total > 0).then(|| f64::from(f.met) / f64::from(f.entities)),
            not_met,
            sources: Vec::new(),
        })
    }
}
