//! The assessment's facts read from the store (task progress, late and returned reports,
//! survey shares, entered inputs) and scored with `kesu_indicators`.

use super::cache;
use super::discipline::late_or_returned;
use super::evaluate::{Query, evaluate_plan, plan_row, targets_of};
use super::records::{is_literacy_share, shares_in};
use super::regions::child_regions;
use crate::regions::prefix_end;
use crate::{Db, StoreError, StoreResult, plans};
use kesu_core::TargetValue;
use kesu_indicators::inputs;
use kesu_indicators::progress::target_zh;
use serde::Serialize;
use std::collections::HashMap;
use time::Date;

/// Who is assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AssessBy {
    /// The child regions of the plan's region (the counties of a city).
    Regions,
    /// The units assigned to the plan's tasks.
    Units,
}

/// Inputs the office adds to what Kesu computes, by assessed id and item id: whether fixed
/// items were done (judged on evidence), self-scores, reviewer scores with reasons.
pub type ExtraInputs = inputs::InputsById;

/// What to assess.
#[derive(Debug, Clone)]
pub struct AssessQuery<'a> {
    pub plan_id: i64,
    pub year: i32,
    pub by: AssessBy,
    pub scheme: &'a kesu_indicators::Scheme,
    pub inputs: &'a ExtraInputs,
    /// Today (lateness of reports not handed in is judged on it).
    pub today: Date,
    /// How many of the top ranks are commendation candidates (ties included).
    pub top: u32,
}

/// An assessment with the inputs it used and the lists the plans call for.
#[derive(Debug, Clone, Serialize)]
pub struct AssessmentReport {
    pub plan_id: i64,
    pub plan_title: String,
    pub region: String,
    pub year: i32,
    pub by: AssessBy,
    /// Every assessed body's inputs, computed and given.
    pub inputs: Vec<kesu_indicators::Assessed>,
    pub assessment: kesu_indicators::Assessment,
    /// 表彰候选 (ids, in rank order).
    pub commendation: Vec<String>,
    /// Below the literacy target or fallen since last year (不升反降), worst first.
    pub concerns: Vec<kesu_indicators::assess::Concern>,
    /// Assessed regions without a literacy share this year (not judged on it).
    pub no_share: Vec<String>,
    /// The plan's literacy target ("> 15%"), when it has one.
    pub share_target: Option<String>,
}

/// Whether any unit of the plan's tasks is located in `region`'s subtree (a province's
/// villages are enrolled units: the first one answers).
async fn has_assigned_units_in(db: &Db, plan_id: i64, region: &str) -> StoreResult<bool> {
    let hi = prefix_end(region);
    let one: Option<i64> = on_db!(db, |p| {
        sqlx::query_scalar(
            // From the region's units (CROSS JOIN keeps SQLite's join order): a plan's tasks
            // hold a whole province's villages, the region's units are few.
            "SELECT tu.unit_id FROM unit u CROSS JOIN task_unit tu CROSS JOIN task t
             WHERE tu.unit_id = u.id AND t.id = tu.task_id AND t.plan_id = $1
               AND t.removed_in IS NULL AND u.region_code >= $2 AND u.region_code < $3
             LIMIT 1",
        )
        .bind(plan_id)
        .bind(region)
        .bind(&hi)
        .fetch_optional(p)
        .await
    })?;
    Ok(one.is_some())
}

/// [`has_assigned_units_in`], kept while reference data (tasks, units) is unchanged.
async fn assigned_in(
    db: &Db,
    plan_id: i64,
    region: &str,
    g: cache::Generation,
) -> StoreResult<bool> {
    let v = cache::reference(db, &format!("assigned/{plan_id}/{region}"), g, || async {
        Ok((has_assigned_units_in(db, plan_id, region).await?, 8))
    })
    .await?;
    Ok(*v)
}

/// Units of the plan's tasks located in `region`'s subtree.
async fn assigned_units_in(db: &Db, plan_id: i64, region: &str) -> StoreResult<Vec<i64>> {
    let hi = prefix_end(region);
    Ok(on_db!(db, |p| {
        sqlx::query_scalar(
        "SELECT DISTINCT tu.unit_id FROM task_unit tu JOIN task t ON t.id = tu.task_id
         JOIN unit u ON u.id = tu.unit_id
         WHERE t.plan_id = $1 AND t.removed_in IS NULL AND u.region_code >= $2 AND u.region_code < $3
         ORDER BY tu.unit_id"
    )
    .bind(plan_id)
    .bind(region)
    .bind(&hi)
    .fetch_all(p)
    .await
    })?)
}

/// the units assigned to its tasks within the region (the id is then the unit id). The pages
/// check an assessed body against this same list, so a page and the ranking never disagree.
/// Who a plan's assessment ranks, as (id, name): the child regions of the plan's region, or
/// the units assigned to its tasks within the region (the id is then the unit id). The pages
/// check an assessed body against this same list, so a page and the ranking never disagree.
pub async fn assessed_bodies(
    db: &Db,
    plan: &plans::PlanRow,
    by: AssessBy,
) -> StoreResult<Vec<(String, String)>> {
    Ok(match by {
        AssessBy::Regions => child_regions(db, &plan.region_code).await?,
        AssessBy::Units => {
            let mut out = Vec::new();
            for id in assigned_units_in(db, plan.id, &plan.region_code).await? {
                let u = crate::units::get(db, id).await?;
                out.push((id.to_string(), u.name));
            }
            out
        }
    })
}

/// The last day a year's figures are judged on: 31 December, or today if earlier.
pub fn year_end(year: i32, today: Date) -> Date {
    let end = Date::from_calendar_date(year, time::Month::December, 31).unwrap_or(today);
    end.min(today)
}

/// Assess the counties (or units) of a plan for a year with a scheme: task attainment from the
/// indicators, reporting discipline from late and returned reports, the literacy share and its
/// change from recorded survey figures; the office's inputs (fixed items, self and reviewer
/// scores) added: first those stored with [`crate::assessment`], then `q.inputs` (a file),
/// which override them field by field. Items whose source Kesu does not know get only these.
pub async fn assess(db: &Db, q: &AssessQuery<'_>) -> StoreResult<AssessmentReport> {
    use kesu_indicators::assess::{ShareYears, below_target_or_fell};
    // Reference reads are kept (see `cache`): per body only its plan view is read.
    let g = cache::sync(db).await?;
    let plan = plan_row(db, q.plan_id, g).await?;
    let day = year_end(q.year, q.today);
    let goal = targets_of(db, q.plan_id, g)
        .await?
        .iter()
        .find(|t| t.task_id.is_none() && is_literacy_share(&t.target))
        .map(|t| t.target.clone());
    let entities = assessed_bodies(db, &plan, q.by).await?;
    let own_plans = plans::list(db, &plan.region_code).await?;
    // The bodies' shares this year and last, read at once.
    let shares_read = match q.by {
        AssessBy::Regions => shares_in(db, &plan.region_code, [q.year, q.year - 1]).await?,
        AssessBy::Units => HashMap::new(),
    };
    // Late and returned reports of the whole region, read once and split by body below.
    let all_late = late_or_returned(db, &plan.region_code, q.year, q.today).await?;
    let stored = crate::assessment::as_extra(
        &crate::assessment::inputs(db, &plan.region_code, q.year, q.by).await?,
    );
    let mut assessed = Vec::with_capacity(entities.len());
    let mut shares = Vec::new();
    let mut no_share = Vec::new();
    for (id, name) in &entities {
        // Task attainment: the plan on this body's reports, and (for a region) the region's own
        // plans; a plan counts when the body has tasks in it.
        let mut means = Vec::new();
        let discipline;
        match q.by {
            AssessBy::Regions => {
                let mut evaluated: Vec<i64> = Vec::new();
                for p in std::iter::once(plan.as_ref())
                    .chain(own_plans.iter().filter(|p| p.region_code == *id))
                {
                    if evaluated.contains(&p.id) {
                        continue;
                    }
                    evaluated.push(p.id);
                    let scope = if p.region_code.starts_with(id.as_str()) {
                        p.region_code.clone()
                    } else {
                        id.clone()
                    };
                    if !assigned_in(db, p.id, &scope, g).await? {
                        continue;
                    }
                    let mut qq = Query::new(p.id, day);
                    qq.region = Some(scope);
                    if let Some(m) = evaluate_plan(db, &qq).await?.mean_progress {
                        means.push(m);
                    }
                }
                discipline = all_late
                    .iter()
                    .filter(|r| r.region_code.starts_with(id.as_str()))
                    .count();
            }
            AssessBy::Units => {
                let unit: i64 = id.parse().unwrap_or_default();
                let mut qq = Query::new(q.plan_id, day);
                qq.unit_id = Some(unit);
                if let Some(m) = evaluate_plan(db, &qq).await?.mean_progress {
                    means.push(m);
                }
                discipline = all_late.iter().filter(|r| r.unit_id == unit).count();
            }
        }
        let share = |year: i32| shares_read.get(&(id.clone(), year)).map(|r| r.value);
        let (share_now, share_before) = (share(q.year), share(q.year - 1));
        if q.by == AssessBy::Regions {
            if share_now.is_none() {
                no_share.push(name.clone());
            }
            shares.push(ShareYears {
                id: id.clone(),
                name: name.clone(),
                this_year: share_now,
                last_year: share_before,
            });
        }
        let facts = inputs::Facts {
            plan_progress: means,
            late_or_returned: discipline,
            share_now,
            share_before,
        };
        let items = inputs::merged(
            q.scheme,
            inputs::computed(q.scheme, &facts, goal.as_ref()),
            stored.get(id.as_str()),
            q.inputs.get(id.as_str()),
        );
        assessed.push(kesu_indicators::Assessed {
            id: id.clone(),
            name: name.clone(),
            items,
        });
    }
    inputs::check_ids(q.inputs, &entities).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let assessment = kesu_indicators::assess(q.scheme, &assessed)
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    let commendation = assessment
        .commendation_candidates(Some(q.top), None)
        .into_iter()
        .map(|r| r.id.clone())
        .collect();
    let concerns = match goal.as_ref() {
        Some(g) => {
            let aim = match g.value {
                TargetValue::Number(x) => x,
                TargetValue::Range([lo, _]) => lo,
            };
            below_target_or_fell(&shares, g.comparator, aim)
        }
        None => Vec::new(),
    };
    Ok(AssessmentReport {
        plan_id: plan.id,
        plan_title: plan.title.clone(),
        region: plan.region_code.clone(),
        year: q.year,
        by: q.by,
        inputs: assessed,
        assessment,
        commendation,
        concerns,
        no_share,
        share_target: goal.as_ref().map(target_zh),
    })
}
