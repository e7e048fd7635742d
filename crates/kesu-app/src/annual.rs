//! Building the annual monitoring report (年度监测评估报告) of a region for a year: authorise,
//! gather the figures from the store (the region's main plans evaluated for it and for each
//! child region, key groups, late and returned reports, the assessment) and build the model of
//! [`kesu_indicators::annual`]. The web page, the printed PDF, the workbook and
//! `kesu report annual` render what [`build`] returns; publishing builds the public variant
//! through [`build_public`].

use crate::{Caller, Ctx, Error, Principal, Result};
use kesu_core::RegionCode;
use kesu_core::authz::Role;
use kesu_core::plan::fmt_num;
use kesu_indicators::Scheme;
use kesu_indicators::annual::{
    self as model, Audience, ChildLine, Evaluated, Figure, GoalLine, LateLine,
    PlanSection as Section,
};
use kesu_indicators::groups::{KeyGroup, TaskText, classify};
use kesu_store::indicators::{
    self as ind, AssessBy, AssessQuery, AssessmentReport, ExtraInputs, IndicatorRow, PlanIndicators,
};
use kesu_store::plans::PlanRow;
use std::collections::{BTreeMap, BTreeSet};
use time::Date;

/// The report as the application builds it: the store's evaluated indicators and assessment.
pub type AnnualReport = model::AnnualReport<IndicatorRow, AssessmentReport>;
/// A main plan's section of the report.
pub type PlanSection = Section<IndicatorRow>;

/// Who may read a region's annual report: the operator, or an office's account (admin,
/// reviewer, viewer) covering the region. A reporter, the public, a region out of scope or a
/// code that is none: 404.
pub fn authorise(caller: &Caller, region: &str) -> Result<RegionCode> {
    match &caller.principal {
        Principal::Operator => RegionCode::parse(region).map_err(|e| Error::invalid(e.to_string())),
        Principal::Public => Err(Error::NotFound),
        Principal::User(a) => {
            let code = RegionCode::parse(region).map_err(|_| Error::NotFound)?;
            if a.role == Role::Reporter || !a.covers(&code) {
                return Err(Error::NotFound);
            }
            Ok(code)
        }
    }
}

/// The report's year: as asked (2000–2100), this year when not given.
pub fn year(asked: Option<i32>, today: Date) -> Result<i32> {
    let year = asked.unwrap_or(today.year());
    if !(2000..=2100).contains(&year) {
        return Err(Error::invalid(format!("年度 {year} 无效 (bad year)")));
    }
    Ok(year)
}

/// The internal report of `region` for `year` (this year when `None`), on the region's main
/// plans with every indicator, the late and returned reports and the assessment of its child
/// regions: scored with `scheme`, or the one the office configured when `None`, with `inputs`
/// (a file's) over the inputs entered on the assessment pages.
pub async fn build(
    ctx: &Ctx,
    caller: &Caller,
    region: &str,
    year: Option<i32>,
    scheme: Option<&Scheme>,
    inputs: &ExtraInputs,
) -> Result<AnnualReport> {
    let code = authorise(caller, region)?.to_string();
    let year = self::year(year, ctx.today())?;
    let stored;
    let scheme = match scheme {
        Some(s) => s,
        None => {
            stored = kesu_store::assessment::scheme_for(&ctx.db, &code)
                .await?
                .scheme;
            &stored
        }
    };
    let plans = main_plans(ctx, &code).await?;
    gather(
        ctx,
        &code,
        year,
        &plans,
        &Audience::Internal,
        Some((scheme, inputs)),
    )
    .await
}

/// The public report of `region` for `year` on the chosen `plans`, kept to `audience`'s chosen
/// indicators (the region's figures, its children's comparison and the key groups computed over
/// them), without late or returned reports, with the assessment only when its ranking was
/// chosen. The caller is authorised by publishing ([`crate::publish::publish`]).
pub(crate) async fn build_public(
    ctx: &Ctx,
    code: &str,
    year: i32,
    plans: &[PlanRow],
    audience: &Audience,
) -> Result<AnnualReport> {
    let scheme = kesu_store::assessment::scheme_for(&ctx.db, code)
        .await?
        .scheme;
    let inputs = ExtraInputs::new();
    let assess_with = audience.ranks().then_some((&scheme, &inputs));
    gather(ctx, code, year, plans, audience, assess_with).await
}

/// The plans that speak for a region: its own; without any, those of its nearest ancestor.
pub async fn main_plans(ctx: &Ctx, code: &str) -> Result<Vec<PlanRow>> {
    let mut c = RegionCode::parse(code).map_err(|e| Error::invalid(e.to_string()))?;
    loop {
        let own: Vec<PlanRow> = kesu_store::plans::list(&ctx.db, c.as_str())
            .await?
            .into_iter()
            .filter(|p| p.region_code == c.as_str())
            .collect();
        if !own.is_empty() {
            return Ok(own);
        }
        match c.parent() {
            Some(p) => c = p,
            None => return Ok(Vec::new()),
        }
    }
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

/// The key group of every live task of a plan, by task id.
pub async fn task_groups(ctx: &Ctx, plan_id: i64) -> Result<BTreeMap<i64, Option<KeyGroup>>> {
    let all = ind::plan_tasks(&ctx.db, plan_id).await?;
    let texts: Vec<TaskText<'_>> = all
        .iter()
        .map(|t| TaskText {
            path: &t.path,
            title: &t.title,
            body: t.body.as_deref(),
        })
        .collect();
    let g = classify(&texts);
    Ok(all.iter().zip(g).map(|(t, g)| (t.id, g)).collect())
}

/// What the report's rules read of an evaluated indicator.
pub fn figure(r: &IndicatorRow) -> Figure {
    Figure {
        target_id: r.target_id,
        task_id: r.task_id,
        status: r.status,
        progress: r.progress,
    }
}

/// A number for a table: two decimals at most.
fn num(x: f64) -> String {
    fmt_num((x * 100.0).round() / 100.0)
}

/// An indicator's actual value in words: 3000人次, 2/233 个达标, 无数据; a per-period target
/// with the period under way beside the last complete one.
pub fn actual_text(r: &IndicatorRow) -> String {
    let judged = match (&r.coverage, r.actual) {
        (Some(c), Some(_)) => format!("{}/{} 个达标", c.met, c.total),
        (_, Some(v)) => format!("{}{}", num(v), r.unit),
        (_, None) => "无数据".to_string(),
    };
    // A per-period target is judged on the last complete period; the one under way is shown
    // beside it, so that this year's reports are visible before the year ends.
    match r.periods.last() {
        Some(p) if !p.complete && p.actual.is_some() && r.coverage.is_none() => format!(
            "{judged}（{}进行中：{}{}）",
            p.period,
            num(p.actual.unwrap_or(0.0)),
            r.unit
        ),
        _ => judged,
    }
}

/// A plan's evaluation at `code`, kept to what `audience` sees.
async fn evaluated(
    ctx: &Ctx,
    plan: &PlanRow,
    code: &str,
    as_of: Date,
    audience: &Audience,
) -> Result<Evaluated<IndicatorRow>> {
    let e = evaluate_at(ctx, plan, code, as_of).await?;
    let whole = Evaluated {
        counts: e.counts,
        mean_progress: e.mean_progress,
        rows: e.indicators,
    };
    Ok(whole.restrict(audience, figure))
}

async fn name_of(ctx: &Ctx, code: &str) -> Result<String> {
    Ok(kesu_store::regions::get(&ctx.db, code)
        .await?
        .map_or_else(|| code.to_string(), |r| r.name))
}

/// The report of `code` on `plans` for `audience`; the assessment with its scheme and inputs
/// when given.
async fn gather(
    ctx: &Ctx,
    code: &str,
    year: i32,
    plans: &[PlanRow],
    audience: &Audience,
    assess_with: Option<(&Scheme, &ExtraInputs)>,
) -> Result<AnnualReport> {
    let today = ctx.today();
    let as_of = ind::year_end(year, today);
    let (sections, goals) = plan_sections(ctx, code, year, as_of, plans, audience).await?;
    let children = children(ctx, code, year, as_of, plans, &sections, audience).await?;
    let per_plan: Vec<(i64, &[IndicatorRow])> = sections
        .iter()
        .map(|s| (s.id, s.indicators.as_slice()))
        .collect();
    let groups = key_groups(ctx, &per_plan).await?;
    let late = if audience.lists_late() {
        late_lines(ctx, code, year, today).await?
    } else {
        Vec::new()
    };
    let mut titles = BTreeMap::new();
    for l in &late {
        if let std::collections::btree_map::Entry::Vacant(v) = titles.entry(l.round_id) {
            v.insert(
                kesu_store::reporting::round(&ctx.db, l.round_id)
                    .await?
                    .title,
            );
        }
    }
    let late_rounds = model::round_discipline(&late, &titles);
    // The assessment of the child regions on the first main plan of the region itself.
    let own = main_plans(ctx, code).await?;
    let assessment = match (own.iter().find(|p| p.region_code == code), assess_with) {
        (Some(p), Some((scheme, inputs))) if !children.is_empty() => Some(
            ind::assess(
                &ctx.db,
                &AssessQuery {
                    plan_id: p.id,
                    year,
                    by: AssessBy::Regions,
                    scheme,
                    inputs,
                    today,
                    top: 3,
                },
            )
            .await?,
        ),
        _ => None,
    };
    let missing_inputs = match (&assessment, assess_with) {
        (Some(a), Some((scheme, _))) => model::unscored_items(scheme, &a.inputs),
        _ => Vec::new(),
    };
    Ok(AnnualReport {
        region_name: name_of(ctx, code).await?,
        region_code: code.to_string(),
        year,
        as_of,
        audience: audience.clone(),
        goals,
        plans: sections,
        children,
        groups,
        late,
        late_rounds,
        assessment,
        missing_inputs,
    })
}

/// Each plan's section, and the goals (indicators of no task) against their actuals.
async fn plan_sections(
    ctx: &Ctx,
    code: &str,
    year: i32,
    as_of: Date,
    plans: &[PlanRow],
    audience: &Audience,
) -> Result<(Vec<PlanSection>, Vec<GoalLine>)> {
    let records = ind::records(&ctx.db, code, ind::LITERACY_SHARE).await?;
    let mut sections = Vec::new();
    let mut goals = Vec::new();
    for p in plans {
        let e = evaluated(ctx, p, code, as_of, audience).await?;
        let Some(section) = Section::of(p.id, &p.region_code, &p.title, e, audience) else {
            continue;
        };
        for r in section.indicators.iter().filter(|r| r.task_id.is_none()) {
            // The literacy share with its interval when the region's own survey gives one.
            let interval = records
                .iter()
                .find(|x| x.region_code == code && x.year == year)
                .filter(|_| r.unit == "%")
                .and_then(|x| Some((x.low?, x.high?)));
            goals.push(GoalLine {
                plan: p.title.clone(),
                text: r.text.clone(),
                target: r.target_zh.clone(),
                actual: actual_text(r),
                interval,
                status: r.status_zh,
                light: r.light,
            });
        }
        sections.push(section);
    }
    Ok((sections, goals))
}

/// The child regions: each one's mean progress on the plans of the report that concern it.
async fn children(
    ctx: &Ctx,
    code: &str,
    year: i32,
    as_of: Date,
    plans: &[PlanRow],
    sections: &[PlanSection],
    audience: &Audience,
) -> Result<Vec<ChildLine>> {
    let mut out = Vec::new();
    for (c, name) in ind::child_regions(&ctx.db, code).await? {
        let mut per_plan = Vec::new();
        for s in sections.iter().filter(|s| s.concerns(&c)) {
            let Some(p) = plans.iter().find(|p| p.id == s.id) else {
                continue;
            };
            let e = evaluated(ctx, p, &c, as_of, audience).await?;
            per_plan.push((e.counts, e.mean_progress));
        }
        let share = if audience.shows_child_shares() {
            ind::share_of(&ctx.db, &c, year).await?.map(|r| r.value)
        } else {
            None
        };
        out.push(ChildLine::of(c, name, per_plan, share));
    }
    Ok(out)
}

/// Mean progress per key group over plans' evaluated indicators, given as (plan id, rows): each
/// task classified by its words ([`task_groups`]). The annual report and the region dashboard
/// use it.
pub async fn key_groups(
    ctx: &Ctx,
    plans: &[(i64, &[IndicatorRow])],
) -> Result<Vec<model::GroupLine>> {
    let mut items = Vec::new();
    for (plan_id, rows) in plans {
        let groups = task_groups(ctx, *plan_id).await?;
        for r in *rows {
            if let Some(g) = r.task_id.and_then(|t| groups.get(&t)).copied().flatten() {
                items.push((g, r.progress));
            }
        }
    }
    Ok(model::group_means(items))
}

/// The year's late and returned reports: the same query as the round pages' 逾期 numbers and
/// lists.
async fn late_lines(ctx: &Ctx, code: &str, year: i32, today: Date) -> Result<Vec<LateLine>> {
    let scope = kesu_store::reporting::discipline::Scope {
        region: code,
        round: None,
        year: Some(year),
    };
    let late = kesu_store::reporting::discipline::late_or_returned(&ctx.db, &scope, today).await?;
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for l in &late {
        if let std::collections::btree_map::Entry::Vacant(v) = names.entry(l.region_code.clone()) {
            let n = name_of(ctx, v.key()).await?;
            v.insert(n);
        }
    }
    Ok(late
        .iter()
        .map(|l| LateLine {
            report_id: l.report_id,
            round_id: l.round_id,
            unit: l.unit_name.clone(),
            region: names.get(&l.region_code).cloned().unwrap_or_default(),
            task: format!("{} {}", l.task_path, l.task_title),
            period: kesu_core::report::Period::parse(&l.period)
                .map_or(l.period.clone(), |p| p.to_string()),
            due: l.due_date,
            submitted: l.submitted_on,
            late: l.late,
            returned_now: l.state == "returned",
            returned: l.returned,
        })
        .collect())
}

/// The targets of `plans` evaluated at `code`, as chosen: see [`model::chosen_targets`].
pub(crate) async fn chosen_targets(
    ctx: &Ctx,
    code: &str,
    as_of: Date,
    plans: &[PlanRow],
    ticked: &BTreeSet<i64>,
    targets_listed: bool,
) -> Result<BTreeSet<i64>> {
    let mut targets = BTreeSet::new();
    for p in plans {
        let e = evaluate_at(ctx, p, code, as_of).await?;
        let all: Vec<i64> = e.indicators.iter().map(|r| r.target_id).collect();
        targets.extend(model::chosen_targets(&all, ticked, targets_listed));
    }
    Ok(targets)
}
