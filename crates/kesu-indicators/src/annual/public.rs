//! The public variant of the report (公开): what an office chose to publish, and the snapshot the
//! public page shows. The public page and the public report come from the same [`Audience`],
//! so neither shows more than the other.
//!
//! A snapshot holds public fields only ([`PublicSnapshot`]): no report ids, units, report
//! contents, internal comments or return reasons.

use super::PlanSection;
use crate::{Light, StatusCounts};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Who the report is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// The office and its leaders: every indicator of the region's main plans, the late and
    /// returned reports, the children's literacy shares, the assessment.
    Internal,
    /// The public (公开范围): the chosen indicators only (by target id); no late or returned
    /// reports and no children's survey shares; the assessment ranking (with 表彰候选 and
    /// 一票否决) only when chosen.
    Public {
        targets: BTreeSet<i64>,
        ranking: bool,
    },
}

impl Audience {
    /// The chosen targets of a public report; `None`: every indicator.
    pub fn chosen(&self) -> Option<&BTreeSet<i64>> {
        match self {
            Audience::Internal => None,
            Audience::Public { targets, .. } => Some(targets),
        }
    }

    pub fn is_public(&self) -> bool {
        matches!(self, Audience::Public { .. })
    }

    /// Whether the late and returned reports are listed (they name units and internal review).
    pub fn lists_late(&self) -> bool {
        !self.is_public()
    }

    /// Whether the children's literacy shares are shown: they come from surveys, not from the
    /// chosen indicators, so a public report leaves them out.
    pub fn shows_child_shares(&self) -> bool {
        !self.is_public()
    }

    /// Whether the assessment of the child regions goes in.
    pub fn ranks(&self) -> bool {
        match self {
            Audience::Internal => true,
            Audience::Public { ranking, .. } => *ranking,
        }
    }
}

/// The indicators of one plan that are published: the ticked ones; all of them when the form
/// listed none (`targets_listed` false) and none of the plan's is ticked.
pub fn chosen_targets(all: &[i64], ticked: &BTreeSet<i64>, targets_listed: bool) -> Vec<i64> {
    let picked: Vec<i64> = all.iter().copied().filter(|t| ticked.contains(t)).collect();
    if targets_listed || !picked.is_empty() {
        picked
    } else {
        all.to_vec()
    }
}

/// One indicator as the public sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicIndicator {
    pub task_path: String,
    pub indicator: String,
    pub target: String,
    pub actual: String,
    pub progress: Option<f64>,
    pub status: String,
    pub light: Light,
}

/// One plan's published indicators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicPlan {
    pub title: String,
    pub met: usize,
    pub on_track: usize,
    pub behind: usize,
    pub no_data: usize,
    pub mean: Option<f64>,
    pub indicators: Vec<PublicIndicator>,
}

impl PublicPlan {
    /// A section of the public report as the public page shows it; `indicator` gives each
    /// indicator's public fields.
    pub fn of<R>(p: &PlanSection<R>, indicator: impl Fn(&R) -> PublicIndicator) -> PublicPlan {
        PublicPlan {
            title: p.title.clone(),
            met: p.counts.met,
            on_track: p.counts.on_track,
            behind: p.counts.behind,
            no_data: p.counts.no_data,
            mean: p.mean_progress,
            indicators: p.indicators.iter().map(indicator).collect(),
        }
    }

    pub fn counts(&self) -> StatusCounts {
        StatusCounts {
            met: self.met,
            on_track: self.on_track,
            behind: self.behind,
            no_data: self.no_data,
        }
    }
}

/// What a snapshot shows: public fields only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicSnapshot {
    pub region_name: String,
    pub year: i32,
    pub as_of: String,
    pub plans: Vec<PublicPlan>,
}

impl PublicSnapshot {
    /// The snapshot's title on the public page.
    pub fn title(&self) -> String {
        format!(
            "{}{}年度全民科学素质行动实施进展",
            self.region_name, self.year
        )
    }
}
