//! The annual monitoring report (年度监测评估报告) of a region for a year, as a model: what it
//! holds (goals against actuals, each main plan's indicators, the comparison of the child
//! regions, the key groups, late and returned reports, the assessment) and the rules that turn
//! evaluated indicators into it. `kesu_app::annual` gathers the figures from the store and
//! builds the model with these rules; the web pages, the printed PDF and `kesu report annual`
//! render it; publishing stores its public variant ([`public`]).
//!
//! The model is generic over the evaluated indicator `R` and the assessment `A` (in the
//! application, the store's `IndicatorRow` and `AssessmentReport`), which the renderers show
//! whole; the rules read only a [`Figure`] of each indicator, so they are tested here without a
//! database.

pub mod public;

pub use public::{Audience, PublicIndicator, PublicPlan, PublicSnapshot, chosen_targets};

use crate::assess::{Assessed, Scheme};
use crate::groups::KeyGroup;
use crate::{Light, Status, StatusCounts};
use std::collections::BTreeMap;
use time::Date;

/// What the report's rules read of one evaluated indicator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figure {
    pub target_id: i64,
    /// `None`: a goal of the plan (主要目标), not a task's indicator.
    pub task_id: Option<i64>,
    pub status: Status,
    /// 0–1, capped; `None` without data.
    pub progress: Option<f64>,
}

/// A plan's indicators evaluated for the report's region: the rows, their counts and their mean
/// progress.
#[derive(Debug, Clone)]
pub struct Evaluated<R> {
    pub counts: StatusCounts,
    /// Mean capped progress, no data counted as 0.
    pub mean_progress: Option<f64>,
    pub rows: Vec<R>,
}

impl<R> Evaluated<R> {
    /// Kept to what `audience` may see: for the public, only the chosen targets, with the
    /// counts and the mean progress (no data counted as 0, as [`crate::mean_progress`] does)
    /// over them only. The internal report keeps the evaluation as it is.
    pub fn restrict(mut self, audience: &Audience, figure: impl Fn(&R) -> Figure) -> Self {
        let Some(chosen) = audience.chosen() else {
            return self;
        };
        self.rows.retain(|r| chosen.contains(&figure(r).target_id));
        self.counts = StatusCounts::of(self.rows.iter().map(|r| figure(r).status));
        let n = self.rows.len();
        self.mean_progress = (n > 0).then(|| {
            self.rows
                .iter()
                .map(|r| figure(r).progress.unwrap_or(0.0))
                .sum::<f64>()
                / n as f64
        });
        self
    }
}

/// One main plan's section of the report (二、方案指标完成情况).
#[derive(Debug, Clone)]
pub struct PlanSection<R> {
    pub id: i64,
    /// The plan's own region (an ancestor's plan speaks for a region without its own).
    pub region: String,
    pub title: String,
    pub counts: StatusCounts,
    pub mean_progress: Option<f64>,
    pub indicators: Vec<R>,
}

impl<R> PlanSection<R> {
    /// The section of a plan, or `None` when the audience sees none of its indicators (a public
    /// report leaves such a plan out; the internal report lists every main plan).
    pub fn of(
        id: i64,
        region: &str,
        title: &str,
        evaluated: Evaluated<R>,
        audience: &Audience,
    ) -> Option<PlanSection<R>> {
        if audience.chosen().is_some() && evaluated.rows.is_empty() {
            return None;
        }
        Some(PlanSection {
            id,
            region: region.to_string(),
            title: title.to_string(),
            counts: evaluated.counts,
            mean_progress: evaluated.mean_progress,
            indicators: evaluated.rows,
        })
    }

    /// Whether the plan concerns region `code`: the plan of an ancestor (evaluated on the
    /// region's reports) or of a region below it.
    pub fn concerns(&self, code: &str) -> bool {
        code.starts_with(&self.region) || self.region.starts_with(code)
    }
}

/// A goal against its actual (一、主要目标完成情况).
#[derive(Debug, Clone, PartialEq)]
pub struct GoalLine {
    /// The plan's title.
    pub plan: String,
    pub text: String,
    /// "≥15%".
    pub target: String,
    /// "14.2%", "无数据".
    pub actual: String,
    /// The 95% confidence interval (percent) when the region's own survey gives one.
    pub interval: Option<(f64, f64)>,
    pub status: &'static str,
    pub light: Light,
}

/// A child region in the comparison (三、下级地区比较).
#[derive(Debug, Clone, PartialEq)]
pub struct ChildLine {
    pub code: String,
    pub name: String,
    /// The mean of its plans' mean progress (plans without one left out).
    pub mean_progress: Option<f64>,
    pub counts: StatusCounts,
    /// Its literacy share (percent) from the surveys; `None` without one, and in a public
    /// report (see [`Audience::shows_child_shares`]).
    pub literacy_share: Option<f64>,
}

impl ChildLine {
    /// A child's line from its evaluation on each plan that concerns it: the counts added, the
    /// mean progress averaged over the plans that have one.
    pub fn of(
        code: String,
        name: String,
        plans: impl IntoIterator<Item = (StatusCounts, Option<f64>)>,
        literacy_share: Option<f64>,
    ) -> ChildLine {
        let (mut sum, mut n, mut counts) = (0.0, 0usize, StatusCounts::default());
        for (c, mean) in plans {
            if let Some(m) = mean {
                sum += m;
                n += 1;
            }
            counts.add(c);
        }
        ChildLine {
            code,
            name,
            mean_progress: (n > 0).then(|| sum / n as f64),
            counts,
            literacy_share,
        }
    }
}

/// A key group's line (四、重点人群).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupLine {
    pub group: KeyGroup,
    /// Mean progress of its indicators, no data counted as 0; `None` without any.
    pub mean_progress: Option<f64>,
    pub indicators: usize,
}

/// Mean progress per key group over indicators given as (group, progress), every group listed
/// in [`KeyGroup::ALL`] order (a group without indicators has no mean).
pub fn group_means(items: impl IntoIterator<Item = (KeyGroup, Option<f64>)>) -> Vec<GroupLine> {
    let mut sums: BTreeMap<KeyGroup, (f64, usize)> = BTreeMap::new();
    for (g, progress) in items {
        let s = sums.entry(g).or_insert((0.0, 0));
        s.0 += progress.unwrap_or(0.0);
        s.1 += 1;
    }
    KeyGroup::ALL
        .into_iter()
        .map(|group| {
            let (s, n) = sums.get(&group).copied().unwrap_or((0.0, 0));
            GroupLine {
                group,
                mean_progress: (n > 0).then(|| s / n as f64),
                indicators: n,
            }
        })
        .collect()
}

/// A late or returned report in the report's list (五、逾期和退回的报告).
#[derive(Debug, Clone, PartialEq)]
pub struct LateLine {
    pub report_id: i64,
    pub round_id: i64,
    pub unit: String,
    /// The unit's region, by name.
    pub region: String,
    /// "二.(一).2 开展科普进校园".
    pub task: String,
    /// "2025年第一季度".
    pub period: String,
    pub due: Date,
    /// `None`: not handed in.
    pub submitted: Option<Date>,
    /// 逾期: handed in after the due date, or still not handed in past it.
    pub late: bool,
    /// Returned and not handed in again yet.
    pub returned_now: bool,
    /// How many times the office returned it.
    pub returned: i64,
}

/// A round's late and returned reports: the same numbers as the round's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundDiscipline {
    pub round_id: i64,
    pub title: String,
    /// 逾期.
    pub late: usize,
    /// 已退回: returned and not yet handed in again.
    pub returned_now: usize,
    /// 曾被退回: returned at least once.
    pub ever_returned: usize,
}

/// The late and returned reports counted by round, newest round (highest id) first; `titles`
/// names the rounds.
pub fn round_discipline(
    lines: &[LateLine],
    titles: &BTreeMap<i64, String>,
) -> Vec<RoundDiscipline> {
    let mut by_round: BTreeMap<i64, RoundDiscipline> = BTreeMap::new();
    for l in lines {
        let r = by_round
            .entry(l.round_id)
            .or_insert_with(|| RoundDiscipline {
                round_id: l.round_id,
                title: titles.get(&l.round_id).cloned().unwrap_or_default(),
                late: 0,
                returned_now: 0,
                ever_returned: 0,
            });
        r.late += usize::from(l.late);
        r.returned_now += usize::from(l.returned_now);
        r.ever_returned += usize::from(l.returned > 0);
    }
    by_round.into_values().rev().collect()
}

/// The scheme's items for which no body has any input (they score 0, and the report says so).
pub fn unscored_items(scheme: &Scheme, inputs: &[Assessed]) -> Vec<String> {
    scheme
        .items
        .iter()
        .filter(|item| {
            inputs.iter().all(|x| {
                x.items.get(&item.id).is_none_or(|i| {
                    i.attainment.is_none()
                        && i.done.is_none()
                        && i.shortfall.is_none()
                        && i.value.is_none()
                        && i.reviewer_score.is_none()
                })
            })
        })
        .map(|item| item.name.clone())
        .collect()
}

/// Everything the report shows.
#[derive(Debug, Clone)]
pub struct AnnualReport<R, A> {
    pub region_code: String,
    pub region_name: String,
    pub year: i32,
    /// Figures as of 31 December of `year`, or the day it was built if earlier.
    pub as_of: Date,
    pub audience: Audience,
    pub goals: Vec<GoalLine>,
    pub plans: Vec<PlanSection<R>>,
    pub children: Vec<ChildLine>,
    pub groups: Vec<GroupLine>,
    /// Empty in a public report ([`Audience::lists_late`]).
    pub late: Vec<LateLine>,
    /// The late and returned reports by round ([`round_discipline`]).
    pub late_rounds: Vec<RoundDiscipline>,
    /// The assessment of the child regions, when there is one and the audience sees it.
    pub assessment: Option<A>,
    /// Items of the scheme without any input ([`unscored_items`]).
    pub missing_inputs: Vec<String>,
}

#[cfg(test)]
mod tests;
