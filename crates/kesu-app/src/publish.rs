//! Publishing (公开): an office publishes a dated snapshot of its region — the indicators of the
//! plans it selects, their progress, and the annual report — to `/public/{region}`, readable
//! without signing in.
//!
//! Two calls around the report, which the edge builds and renders (it owns the annual report's
//! model and template): [`prepare`] authorises and turns the office's choice into one
//! [`Selection`]; the edge builds the public report from that selection and turns its plans into
//! [`PublicPlan`]s; [`record`] stores the snapshot with its audit row. The public page and the
//! public report thus come from the same selection, so neither shows more than the other.
//!
//! The snapshot holds public fields only ([`PublicSnapshot`]): no report ids, units, report
//! contents, internal comments or return reasons. What is published is stored as it was
//! published: later reports do not change it; a new snapshot supersedes it.

use crate::{Caller, Ctx, Error, Result};
use kesu_core::RegionCode;
use kesu_indicators::Light;
use kesu_store::indicators::{self as ind, PlanIndicators};
use kesu_store::plans::PlanRow;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use time::Date;

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

/// What a snapshot shows: public fields only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicSnapshot {
    pub region_name: String,
    pub year: i32,
    pub as_of: String,
    pub plans: Vec<PublicPlan>,
}

/// What the office ticked (公开范围的选择).
#[derive(Debug, Clone, Default)]
pub struct Choice {
    /// The year as typed; empty or absent: this year.
    pub year: Option<String>,
    /// The chosen plans.
    pub plans: BTreeSet<i64>,
    /// The ticked indicators (by target id).
    pub targets: BTreeSet<i64>,
    /// The form listed every indicator: only the ticked ones are published, and a plan with none
    /// ticked is left out. Otherwise (a form of plans only) a chosen plan publishes all of its
    /// indicators.
    pub targets_listed: bool,
    /// Publish the assessment ranking (with 表彰候选 and 一票否决); off unless ticked.
    pub ranking: bool,
}

/// What an office chose to publish (公开范围): plans, their indicators (by target id) and whether
/// the assessment ranking goes with them.
#[derive(Debug, Clone)]
pub struct Selection {
    pub plans: Vec<PlanRow>,
    pub targets: BTreeSet<i64>,
    pub ranking: bool,
}

/// A publication being prepared: build the public report from `selection`, then [`record`].
#[derive(Debug, Clone)]
pub struct Draft {
    pub region: String,
    pub year: i32,
    /// Figures as of 31 December of `year`, or today if earlier.
    pub as_of: Date,
    pub selection: Selection,
    targets_listed: bool,
}

/// Who may publish a region: an office (no unit) covering it, with the right to administer it.
/// Out of scope (or a unit's account, or the public) is 404, in scope without the right 403.
pub fn authorise(caller: &Caller, region: &str) -> Result<RegionCode> {
    let code = RegionCode::parse(region).map_err(|_| Error::NotFound)?;
    caller.office_of(&code)?;
    Ok(code)
}

/// The year to publish: as typed (2000–2100), this year when left empty.
pub fn year(typed: Option<&str>, today: Date) -> Result<i32> {
    match typed.map(str::trim).filter(|s| !s.is_empty()) {
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| Error::invalid(format!("年度“{y}”无效 (bad year)"))),
        None => Ok(today.year()),
    }
}

/// The indicators of one plan that are published: the ticked ones; all of them when the form
/// listed none and none of the plan's is ticked.
pub fn chosen_targets(all: &[i64], ticked: &BTreeSet<i64>, targets_listed: bool) -> Vec<i64> {
    let picked: Vec<i64> = all.iter().copied().filter(|t| ticked.contains(t)).collect();
    if targets_listed || !picked.is_empty() {
        picked
    } else {
        all.to_vec()
    }
}

/// The plans the caller sees that concern `code`: its ancestors' and its descendants'.
pub async fn plans_for_region(ctx: &Ctx, caller: &Caller, code: &str) -> Result<Vec<PlanRow>> {
    Ok(crate::plans::list(ctx, caller)
        .await?
        .into_iter()
        .filter(|p| code.starts_with(&p.region_code) || p.region_code.starts_with(code))
        .collect())
}

/// A plan evaluated for a region: an ancestor's plan on the region's reports, a descendant's on
/// its own region.
pub async fn evaluate_at(
    ctx: &Ctx,
    plan: &PlanRow,
    code: &str,
    as_of: Date,
) -> Result<PlanIndicators> {
    let mut q = ind::Query::new(plan.id, as_of);
    q.region = Some(if plan.region_code.starts_with(code) {
        plan.region_code.clone()
    } else {
        code.to_string()
    });
    Ok(ind::evaluate_plan(&ctx.db, &q).await?)
}

/// Authorise and turn the office's choice into the selection the public report is built from.
pub async fn prepare(ctx: &Ctx, caller: &Caller, region: &str, choice: &Choice) -> Result<Draft> {
    let code = authorise(caller, region)?.to_string();
    let today = ctx.today();
    let year = year(choice.year.as_deref(), today)?;
    if choice.plans.is_empty() {
        return Err(Error::invalid(
            "请至少选择一个方案 (choose at least one plan)",
        ));
    }
    let as_of = ind::year_end(year, today);
    let plans: Vec<PlanRow> = plans_for_region(ctx, caller, &code)
        .await?
        .into_iter()
        .filter(|p| choice.plans.contains(&p.id))
        .collect();
    let mut targets = BTreeSet::new();
    for p in &plans {
        let e = evaluate_at(ctx, p, &code, as_of).await?;
        let all: Vec<i64> = e.indicators.iter().map(|r| r.target_id).collect();
        targets.extend(chosen_targets(&all, &choice.targets, choice.targets_listed));
    }
    Ok(Draft {
        region: code,
        year,
        as_of,
        selection: Selection {
            plans,
            targets,
            ranking: choice.ranking,
        },
        targets_listed: choice.targets_listed,
    })
}

/// Whether a public report with these plans may be published: one without any plan is refused
/// (no indicator ticked: 422; none of the chosen plans concerns the region: 404).
pub fn check_not_empty(draft: &Draft, plans: &[PublicPlan]) -> Result<()> {
    if !plans.is_empty() {
        return Ok(());
    }
    Err(if draft.targets_listed {
        Error::invalid("请至少选择一个指标 (choose at least one indicator)")
    } else {
        Error::NotFound
    })
}

/// Store the snapshot of `draft` (its public plans and the public report's HTML) with its audit
/// row; the snapshot's id.
pub async fn record(
    ctx: &Ctx,
    caller: &Caller,
    draft: &Draft,
    plans: Vec<PublicPlan>,
    report_html: String,
) -> Result<i64> {
    check_not_empty(draft, &plans)?;
    let region_name = kesu_store::regions::get(&ctx.db, &draft.region)
        .await?
        .map_or_else(|| draft.region.clone(), |r| r.name);
    let title = format!("{region_name}{}年度全民科学素质行动实施进展", draft.year);
    let payload = PublicSnapshot {
        region_name,
        year: draft.year,
        as_of: draft.as_of.to_string(),
        plans,
    };
    let payload = serde_json::to_value(&payload).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(ind::publish(
        &ctx.db,
        &ind::NewSnapshot {
            region_code: draft.region.clone(),
            year: draft.year,
            title,
            as_of: draft.as_of,
            payload,
            report_html,
        },
        &caller.audit,
    )
    .await?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a fixed date")]
mod tests {
    use super::*;

    fn set(ids: &[i64]) -> BTreeSet<i64> {
        ids.iter().copied().collect()
    }

    #[test]
    fn a_plan_publishes_only_its_ticked_indicators() {
        assert_eq!(chosen_targets(&[1, 2, 3], &set(&[2, 9]), false), vec![2]);
    }

    #[test]
    fn a_plan_of_a_plans_only_form_publishes_all_its_indicators() {
        assert_eq!(chosen_targets(&[1, 2], &set(&[]), false), vec![1, 2]);
    }

    #[test]
    fn a_plan_with_none_ticked_on_a_listing_form_publishes_none() {
        assert!(chosen_targets(&[1, 2], &set(&[9]), true).is_empty());
    }

    #[test]
    fn an_empty_year_is_this_year_and_a_silly_one_is_refused() {
        let today = Date::from_calendar_date(2025, time::Month::June, 1).unwrap();
        assert_eq!(year(Some(" "), today).ok(), Some(2025));
        assert_eq!(year(Some("2024"), today).ok(), Some(2024));
        assert!(matches!(
            year(Some("1999"), today),
            Err(Error::Invalid { .. })
        ));
    }
}
