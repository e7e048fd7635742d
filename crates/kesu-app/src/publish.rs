//! Publishing (公开): an office publishes a dated snapshot of its region — the indicators of the
//! plans it selects, their progress, and the annual report — to `/public/{region}`, readable
//! without signing in.
//!
//! One call, [`publish`]: it authorises, turns the office's ticks into the public
//! [`Audience`], builds the public report through [`crate::annual`], has the edge render it
//! (the report's template is the web's) and stores the snapshot with its audit row. The public
//! page and the public report thus come from the same selection, so neither shows more than the
//! other.
//!
//! The snapshot holds public fields only ([`PublicSnapshot`]): no report ids, units, report
//! contents, internal comments or return reasons. What is published is stored as it was
//! published: later reports do not change it; a new snapshot supersedes it.

use crate::annual::{self, AnnualReport};
use crate::{Caller, Ctx, Error, Result};
use kesu_core::RegionCode;
use kesu_store::indicators as ind;
use kesu_store::plans::PlanRow;
use std::collections::BTreeSet;
use time::Date;

pub use kesu_indicators::annual::{Audience, PublicIndicator, PublicPlan, PublicSnapshot};

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

/// A snapshot published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub snapshot_id: i64,
    /// The region's code as stored.
    pub region: String,
    pub year: i32,
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

/// The plans the caller sees that concern `code`: its ancestors' and its descendants'.
pub async fn plans_for_region(ctx: &Ctx, caller: &Caller, code: &str) -> Result<Vec<PlanRow>> {
    Ok(crate::plans::list(ctx, caller)
        .await?
        .into_iter()
        .filter(|p| code.starts_with(&p.region_code) || p.region_code.starts_with(code))
        .collect())
}

/// A plan of the public report as the public page shows it.
pub fn public_plan(p: &annual::PlanSection) -> PublicPlan {
    PublicPlan::of(p, |r| PublicIndicator {
        task_path: r.task_path.clone(),
        indicator: r.indicator.clone(),
        target: r.target_zh.clone(),
        actual: annual::actual_text(r),
        progress: r.progress,
        status: r.status_zh.to_string(),
        light: r.light,
    })
}

/// Publish `region`'s snapshot as the office chose: authorise, build the public report, render
/// it with `render` (the edge's template), store the snapshot and its audit row.
///
/// Refused: no plan chosen or a bad year (422), no indicator ticked (422), none of the chosen
/// plans concerns the region (404).
pub async fn publish(
    ctx: &Ctx,
    caller: &Caller,
    region: &str,
    choice: &Choice,
    render: impl FnOnce(&AnnualReport) -> Result<String>,
) -> Result<Published> {
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
    let targets = annual::chosen_targets(
        ctx,
        &code,
        as_of,
        &plans,
        &choice.targets,
        choice.targets_listed,
    )
    .await?;
    let audience = Audience::Public {
        targets,
        ranking: choice.ranking,
    };
    let report = annual::build_public(ctx, &code, year, &plans, &audience).await?;
    let public_plans: Vec<PublicPlan> = report.plans.iter().map(public_plan).collect();
    if public_plans.is_empty() {
        return Err(if choice.targets_listed {
            Error::invalid("请至少选择一个指标 (choose at least one indicator)")
        } else {
            Error::NotFound
        });
    }
    let report_html = render(&report)?;
    let snapshot = PublicSnapshot {
        region_name: report.region_name.clone(),
        year,
        as_of: report.as_of.to_string(),
        plans: public_plans,
    };
    let payload = serde_json::to_value(&snapshot).map_err(|e| Error::Internal(e.to_string()))?;
    let snapshot_id = ind::publish(
        &ctx.db,
        &ind::NewSnapshot {
            region_code: code.clone(),
            year,
            title: snapshot.title(),
            as_of: report.as_of,
            payload,
            report_html,
        },
        &caller.audit,
    )
    .await?;
    Ok(Published {
        snapshot_id,
        region: code,
        year,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a fixed date")]
mod tests {
    use super::*;

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
