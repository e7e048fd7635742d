//! Indicator dashboards (指标看板): per plan, region, unit and key group; drill-down from a
//! region's number to its children and to the reports behind it; the annual monitoring report;
//! published snapshots. Numbers come from `kesu_store::indicators` (which applies the rules of
//! `kesu_indicators`); charts are SVG drawn on the server by `kesu_indicators::svg`.
//!
//! Scope: the office roles (admin, reviewer, viewer) see the plans and regions of their subtree;
//! a reporter sees its own unit's tasks, with its own reports only. Anything else is 404.

pub mod annual;
pub mod assessment;
mod drill;
pub mod export;
pub mod groups;
pub mod publish;

use super::plans::{plan_in_scope, plans_in_scope};
use super::{Layout, PageResult, UserBar, render};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use askama::Template;
use axum::extract::{Path, Query, State};
use groups::KeyGroup;
use kesu_core::authz::Role;
use kesu_core::plan::fmt_num;
use kesu_core::region::RegionCode;
use kesu_core::report::Period;
use kesu_indicators::Light;
use kesu_indicators::svg::{self, Bar, BarChart, ProgressBar};
use kesu_store::indicators::{self as ind, IndicatorRow, PlanIndicators, StatusCounts};
use kesu_store::plans::PlanRow;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The routes of the dashboards (merged into [`super::routes`]).
pub fn routes() -> crate::routes::Routes<AppState> {
    use axum::routing::get;
    crate::routes::Routes::new()
        .route("/dashboard", get(index))
        .route("/dashboard/plans/{id}", get(plan_page))
        .route("/dashboard/plans/{id}/indicators.xlsx", get(plan_xlsx))
        .route(
            "/dashboard/plans/{id}/indicators/{target}",
            get(drill::drill_page),
        )
        .route("/dashboard/regions/{code}", get(region_page))
        .route("/dashboard/regions/{code}/annual.html", get(annual_html))
        .route("/dashboard/regions/{code}/annual.xlsx", get(annual_xlsx))
        .route("/dashboard/regions/{code}/annual.pdf", get(annual_pdf))
        .route(
            "/dashboard/regions/{code}/publish",
            axum::routing::post(publish::publish),
        )
        .route("/public/{code}", get(publish::public_page))
        .route("/public/{code}/{id}", get(publish::public_snapshot))
        .route(
            "/public/{code}/{id}/report.html",
            get(publish::public_report),
        )
        .route("/dashboard/units/{id}", get(unit_page))
        .route("/dashboard/groups/{key}", get(group_page))
        .merge(assessment::routes())
}

// ---------------------------------------------------------------- shared view pieces

/// A number for a table: two decimals at most.
pub fn num(x: f64) -> String {
    fmt_num((x * 100.0).round() / 100.0)
}

/// 84.2%, or — without data.
pub fn pct(x: Option<f64>) -> String {
    x.filter(|v| v.is_finite()).map_or_else(
        || "—".to_string(),
        |v| format!("{}%", fmt_num((v * 1000.0).round() / 10.0)),
    )
}

/// The CSS class of an indicator light.
pub fn light_css(l: Light) -> &'static str {
    match l {
        Light::Green => "green",
        Light::Yellow => "yellow",
        Light::Red => "red",
        Light::Grey => "none",
    }
}

/// Reports linked from a table row; the drill-down lists the rest region by region.
pub const MAX_SOURCE_LINKS: usize = 12;

/// An indicator as a table row and a progress bar.
pub struct IndicatorLine {
    pub target_id: i64,
    pub task_path: String,
    pub task_title: String,
    pub indicator: String,
    pub text: String,
    pub target: String,
    pub kind: String,
    /// 3000人次, 2/233 个达标, 无数据.
    pub actual: String,
    /// For sorting: the value, −1 without data.
    pub actual_sort: f64,
    pub progress: String,
    pub progress_sort: f64,
    pub status: &'static str,
    pub light: &'static str,
    /// The first reports behind the value (a village-wide count has thousands).
    pub sources: Vec<i64>,
    /// How many reports in all.
    pub source_count: usize,
    /// Counted from Kesu's records: from where and what (服务记录：注册志愿者（人）, linked to
    /// them) and what units reported.
    pub fed: Option<(String, String, String)>,
    pub rule: String,
    pub explanation: String,
    /// `/dashboard/plans/…/indicators/…`.
    pub href: String,
    /// The progress bar (SVG).
    pub bar: String,
}

pub use kesu_app::annual::actual_text;

/// Where a fed value comes from and what is counted: 竞赛记录：网络科学素质测试（竞赛）答题（人次）.
pub fn fed_what(f: &kesu_store::indicators::FedRow) -> String {
    let source =
        kesu_app::services::stats::feed_of(f.feed).map_or("服务记录", |k| k.source_zh());
    format!("{source}：{}", f.feed_zh)
}

pub fn line(r: &IndicatorRow, plan_id: i64, region: Option<&str>) -> IndicatorLine {
    let label = format!(
        "{} {}",
        r.task_path,
        r.indicator.chars().take(28).collect::<String>()
    );
    let bar = svg::progress_bar(&ProgressBar {
        label,
        progress: r.progress,
        light: r.light,
        // The schedule tick: where a cumulative target should be by now.
        expected: if r.cumulative { Some(r.elapsed) } else { None },
    });
    let href = match region {
        Some(code) => format!(
            "/dashboard/plans/{plan_id}/indicators/{}?region={code}",
            r.target_id
        ),
        None => format!("/dashboard/plans/{plan_id}/indicators/{}", r.target_id),
    };
    IndicatorLine {
        target_id: r.target_id,
        task_path: r.task_path.clone(),
        task_title: r.task_title.clone().unwrap_or_default(),
        indicator: r.indicator.clone(),
        text: r.text.clone(),
        target: r.target_zh.clone(),
        kind: r.kind.clone(),
        actual: actual_text(r),
        actual_sort: r.actual.unwrap_or(-1.0),
        progress: pct(r.progress),
        progress_sort: r.progress.unwrap_or(-1.0),
        status: r.status_zh,
        light: light_css(r.light),
        sources: r.sources.iter().take(MAX_SOURCE_LINKS).copied().collect(),
        source_count: r.sources.len() + r.records.len(),
        fed: r.fed.as_ref().map(|f| {
            let reported = f
                .reported
                .map_or("无".into(), |v| format!("{}{}", num(v), r.unit));
            (fed_what(f), f.link.clone(), reported)
        }),
        rule: r.rule.clone(),
        explanation: r.explanation.clone(),
        href,
        bar,
    }
}

fn store_err(e: kesu_store::StoreError) -> AppError {
    match e {
        kesu_store::StoreError::NotFound { .. } => AppError::NotFound,
        other => other.into(),
    }
}

/// The caller's own unit when it is a reporter (its view is limited to it).
fn reporter_unit(caller: &Caller) -> Result<Option<i64>, AppError> {
    match (caller.actor.role, caller.actor.unit_id) {
        (Role::Reporter, Some(u)) => Ok(Some(u)),
        (Role::Reporter, None) => Err(AppError::NotFound),
        _ => Ok(None),
    }
}

/// A region code from a request, checked to be within `within` and covered by the caller.
fn region_param(caller: &Caller, code: &str, within: &str) -> Result<String, AppError> {
    let c = RegionCode::parse(code).map_err(|_| AppError::NotFound)?;
    if !c.as_str().starts_with(within) {
        return Err(AppError::NotFound);
    }
    if caller.actor.role != Role::Reporter && !caller.actor.covers(&c) {
        return Err(AppError::NotFound);
    }
    Ok(c.to_string())
}

fn period_param(p: Option<&str>) -> Result<Option<Period>, AppError> {
    match p.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Period::parse(s)
            .map(Some)
            .map_err(|e| AppError::Invalid(e.to_string())),
        None => Ok(None),
    }
}

async fn region_name(state: &AppState, code: &str) -> Result<String, AppError> {
    Ok(kesu_store::regions::get(&state.db, code)
        .await?
        .map_or_else(|| code.to_string(), |r| r.name))
}

#[derive(Deserialize, Default)]
pub struct Filter {
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub period: Option<String>,
    #[serde(default)]
    pub year: Option<i32>,
}

/// Evaluate a plan for the caller: the plan must be in scope; a reporter gets its unit's view.
async fn evaluate_for(
    state: &AppState,
    caller: &Caller,
    plan: &PlanRow,
    f: &Filter,
) -> Result<PlanIndicators, AppError> {
    let unit = reporter_unit(caller)?;
    let region = match f.region.as_deref().filter(|s| !s.is_empty()) {
        Some(r) => Some(region_param(caller, r, &plan.region_code)?),
        None => None,
    };
    let q = ind::Query {
        plan_id: plan.id,
        region,
        unit_id: unit,
        period: period_param(f.period.as_deref())?,
        as_of: state.today(),
    };
    ind::evaluate_plan(&state.db, &q).await.map_err(store_err)
}

// ---------------------------------------------------------------- index

struct PlanSummary {
    id: i64,
    title: String,
    region: String,
    counts: StatusCounts,
    mean: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct IndexPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    plans: Vec<PlanSummary>,
    region: Option<(String, String)>,
    unit: Option<(i64, String)>,
    groups: Vec<(&'static str, &'static str)>,
}

async fn index(State(state): State<AppState>, caller: Caller) -> PageResult {
    let l = Layout::new(&state, &caller).await?;
    let unit = reporter_unit(&caller)?;
    let mut plans = Vec::new();
    for p in plans_in_scope(&state, &caller).await? {
        let mut q = ind::Query::new(p.id, state.today());
        q.unit_id = unit;
        let e = ind::evaluate_plan(&state.db, &q).await?;
        plans.push(PlanSummary {
            region: region_name(&state, &p.region_code).await?,
            id: p.id,
            title: p.title,
            counts: e.counts,
            mean: pct(e.mean_progress),
        });
    }
    let region = if unit.is_none() {
        let code = caller.actor.region.to_string();
        Some((code.clone(), region_name(&state, &code).await?))
    } else {
        None
    };
    render(&IndexPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        plans,
        region,
        unit: unit.map(|u| (u, caller.unit_name.clone().unwrap_or_default())),
        groups: KeyGroup::ALL.iter().map(|g| (g.key(), g.zh())).collect(),
    })
}

// ---------------------------------------------------------------- plan

#[derive(Template)]
#[template(path = "dashboard_plan.html")]
struct PlanPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    plan_id: i64,
    title: String,
    region_code: String,
    region: String,
    as_of: String,
    period: String,
    counts: StatusCounts,
    mean: String,
    rows: Vec<IndicatorLine>,
    status_chart: String,
    filter_region: String,
    unit_view: bool,
    year: i32,
}

/// The status counts as a bar chart (coloured by light).
fn status_chart(c: &StatusCounts) -> String {
    svg::bar_chart(&BarChart {
        title: "指标状态".into(),
        unit: "项".into(),
        bars: [
            ("已达标", c.met, Light::Green),
            ("按进度推进", c.on_track, Light::Yellow),
            ("滞后", c.behind, Light::Red),
            ("无数据", c.no_data, Light::Grey),
        ]
        .into_iter()
        .map(|(label, n, light)| Bar {
            label: label.into(),
            value: Some(n as f64),
            light: Some(light),
        })
        .collect(),
        target: None,
    })
}

async fn plan_page(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(f): Query<Filter>,
) -> PageResult {
    let plan = plan_in_scope(&state, &caller, id).await?;
    let e = evaluate_for(&state, &caller, &plan, &f).await?;
    let l = Layout::new(&state, &caller).await?;
    let region = Some(e.region.as_str()).filter(|r| *r != plan.region_code);
    let rows = e.indicators.iter().map(|r| line(r, id, region)).collect();
    render(&PlanPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        plan_id: id,
        title: plan.title.clone(),
        region: region_name(&state, &e.region).await?,
        region_code: e.region.clone(),
        as_of: e.as_of.to_string(),
        period: e.period.clone().unwrap_or_default(),
        counts: e.counts,
        mean: pct(e.mean_progress),
        rows,
        status_chart: status_chart(&e.counts),
        filter_region: f.region.unwrap_or_default(),
        unit_view: e.unit_id.is_some(),
        year: e.as_of.year(),
    })
}

async fn plan_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(f): Query<Filter>,
) -> PageResult {
    let plan = plan_in_scope(&state, &caller, id).await?;
    let e = evaluate_for(&state, &caller, &plan, &f).await?;
    let bytes = export::indicators_xlsx(&e)?;
    Ok(super::xlsx_response(
        bytes,
        &format!("指标-{}.xlsx", plan.title),
    ))
}

// ---------------------------------------------------------------- region

struct PlanAtRegion {
    id: i64,
    title: String,
    region: String,
    counts: StatusCounts,
    mean: String,
    href: String,
    /// The plan's indicators at the region (target id, label), for the publish form.
    indicators: Vec<(i64, String)>,
}

struct ChildLine {
    code: String,
    name: String,
    mean: String,
    mean_sort: f64,
    plans: usize,
}

#[derive(Template)]
#[template(path = "dashboard_region.html")]
struct RegionPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    code: String,
    name: String,
    plans: Vec<PlanAtRegion>,
    children: Vec<ChildLine>,
    chart: String,
    groups_chart: String,
    groups: Vec<(&'static str, &'static str, String)>,
    year: i32,
    can_publish: bool,
    csrf: String,
    /// The self-score form of the region's own account in its parent's assessment.
    self_assessment: Option<String>,
}

/// Which plans speak for a region: those of the region and its ancestors (restricted to the
/// region's reports), and those of regions below it.
pub async fn plans_for_region(
    state: &AppState,
    caller: &Caller,
    code: &str,
) -> Result<Vec<PlanRow>, AppError> {
    Ok(kesu_app::publish::plans_for_region(
        &crate::access::ctx(state),
        &crate::access::app_caller(caller, None),
        code,
    )
    .await?)
}

/// A plan evaluated for a region: an ancestor's plan on the region's reports, a descendant's on
/// its own region.
pub async fn evaluate_at(
    state: &AppState,
    plan: &PlanRow,
    code: &str,
    as_of: time::Date,
) -> Result<PlanIndicators, AppError> {
    annual::evaluate_at(&state.db, plan, code, as_of).await
}

/// Child region codes of `code`: those stored, and those implied by plans below it.
async fn child_codes(
    state: &AppState,
    code: &str,
    plans: &[PlanRow],
) -> Result<Vec<(String, String)>, AppError> {
    let mut out: BTreeMap<String, String> = ind::child_regions(&state.db, code)
        .await?
        .into_iter()
        .collect();
    let level = RegionCode::parse(code)
        .map_err(|_| AppError::NotFound)?
        .level();
    if let Some(child) = level.child() {
        for p in plans {
            // A plan below a child already listed (through 重庆's 市辖区, say) adds nothing.
            if p.region_code.len() >= child.code_len()
                && p.region_code.starts_with(code)
                && !out.keys().any(|k| p.region_code.starts_with(k.as_str()))
            {
                let c = p.region_code[..child.code_len()].to_string();
                if let std::collections::btree_map::Entry::Vacant(v) = out.entry(c) {
                    let name = region_name(state, v.key()).await?;
                    v.insert(name);
                }
            }
        }
    }
    Ok(out.into_iter().collect())
}

/// Mean progress per key group over evaluated plans (`kesu_app::annual::key_groups`, the
/// annual report's rule).
pub async fn group_means(
    state: &AppState,
    evaluated: &[PlanIndicators],
) -> Result<Vec<(KeyGroup, Option<f64>, usize)>, AppError> {
    let ctx = crate::access::ctx(state);
    let plans: Vec<(i64, &[IndicatorRow])> = evaluated
        .iter()
        .map(|e| (e.plan_id, e.indicators.as_slice()))
        .collect();
    Ok(kesu_app::annual::key_groups(&ctx, &plans)
        .await?
        .into_iter()
        .map(|g| (g.group, g.mean_progress, g.indicators))
        .collect())
}

/// The key group of every live task of a plan, by task id.
pub async fn task_groups(
    state: &AppState,
    plan_id: i64,
) -> Result<BTreeMap<i64, Option<KeyGroup>>, AppError> {
    annual::task_groups(&state.db, plan_id).await
}

fn groups_chart(means: &[(KeyGroup, Option<f64>, usize)]) -> String {
    svg::progress_chart(&BarChart {
        title: "重点人群：指标平均完成进度".into(),
        unit: "%".into(),
        bars: means
            .iter()
            .map(|(g, m, _)| Bar {
                label: g.zh().into(),
                value: m.map(|x| x * 100.0),
                light: None,
            })
            .collect(),
        target: None,
    })
}

async fn region_page(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Query(q): Query<super::FlashQuery>,
) -> PageResult {
    if reporter_unit(&caller)?.is_some() {
        return Err(AppError::NotFound.into());
    }
    let code = region_param(&caller, &code, "")?;
    let today = state.today();
    let plans = plans_for_region(&state, &caller, &code).await?;
    let mut evaluated = Vec::new();
    let mut at_region = Vec::new();
    for p in &plans {
        let e = evaluate_at(&state, p, &code, today).await?;
        at_region.push(PlanAtRegion {
            id: p.id,
            title: p.title.clone(),
            region: region_name(&state, &e.region).await?,
            counts: e.counts,
            mean: pct(e.mean_progress),
            href: if e.region == p.region_code {
                format!("/dashboard/plans/{}", p.id)
            } else {
                format!("/dashboard/plans/{}?region={}", p.id, e.region)
            },
            indicators: e
                .indicators
                .iter()
                .map(|r| {
                    (
                        r.target_id,
                        format!(
                            "{} {}",
                            r.task_path,
                            r.indicator.chars().take(40).collect::<String>()
                        ),
                    )
                })
                .collect(),
        });
        evaluated.push(e);
    }
    // County comparison: each child's mean progress over the plans that speak for it (its own
    // plans, and the plans above it on its own reports), plans with no data at all left out.
    let mut children = Vec::new();
    for (c, name) in child_codes(&state, &code, &plans).await? {
        let mut sum = 0.0;
        let mut n = 0usize;
        for p in plans
            .iter()
            .filter(|p| c.starts_with(&p.region_code) || p.region_code.starts_with(&c))
        {
            let e = evaluate_at(&state, p, &c, today).await?;
            if e.counts.no_data < e.counts.total()
                && let Some(m) = e.mean_progress
            {
                sum += m;
                n += 1;
            }
        }
        let mean = (n > 0).then(|| sum / n as f64);
        children.push(ChildLine {
            code: c,
            name,
            mean: pct(mean),
            mean_sort: mean.unwrap_or(-1.0),
            plans: n,
        });
    }
    let chart = svg::progress_chart(&BarChart {
        title: "下级地区比较：指标平均完成进度".into(),
        unit: "%".into(),
        bars: children
            .iter()
            .map(|c| Bar {
                label: c.name.clone(),
                value: (c.mean_sort >= 0.0).then_some(c.mean_sort * 100.0),
                light: None,
            })
            .collect(),
        target: None,
    });
    let means = group_means(&state, &evaluated).await?;
    // Publishing comes back here with its confirmation.
    let l = Layout::new(&state, &caller).await?.with_flash(q.msg);
    render(&RegionPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        name: region_name(&state, &code).await?,
        plans: at_region,
        children,
        chart,
        groups_chart: groups_chart(&means),
        groups: means
            .iter()
            .map(|(g, m, n)| (g.key(), g.zh(), format!("{}（{}项）", pct(*m), n)))
            .collect(),
        year: today.year(),
        can_publish: crate::access::administers(&caller, &code)?,
        csrf: caller.csrf.clone(),
        self_assessment: self_assessment_link(&state, &caller, &code, today.year()).await?,
        code,
    })
}

/// For a county's own account (admin or reviewer of exactly that region): its self-score form
/// in the assessment of the nearest ancestor that assesses it.
async fn self_assessment_link(
    state: &AppState,
    caller: &Caller,
    code: &str,
    year: i32,
) -> Result<Option<String>, AppError> {
    if caller.actor.region.as_str() != code
        || !matches!(caller.actor.role, Role::Admin | Role::Reviewer)
    {
        return Ok(None);
    }
    let mut up = RegionCode::parse(code)
        .map_err(|_| AppError::NotFound)?
        .parent();
    while let Some(p) = up {
        if ind::child_regions(&state.db, p.as_str())
            .await?
            .iter()
            .any(|(c, _)| c == code)
        {
            return Ok(Some(assessment::self_href(
                p.as_str(),
                year,
                ind::AssessBy::Regions,
                code,
            )));
        }
        up = p.parent();
    }
    Ok(None)
}

// ---------------------------------------------------------------- unit

struct UnitPlan {
    id: i64,
    title: String,
    counts: StatusCounts,
    rows: Vec<IndicatorLine>,
}

#[derive(Template)]
#[template(path = "dashboard_unit.html")]
struct UnitPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    name: String,
    plans: Vec<UnitPlan>,
    /// The assessments ranking this unit: its self-score forms (its reporters) or the units'
    /// ranking (the office), as (address, label).
    assessments: Vec<(String, String)>,
}

async fn unit_page(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> PageResult {
    let unit = kesu_store::units::get(&state.db, id)
        .await
        .map_err(store_err)?;
    let visible = match reporter_unit(&caller)? {
        Some(own) => own == id,
        None => RegionCode::parse(&unit.region_code)
            .map(|c| caller.actor.covers(&c))
            .unwrap_or(false),
    };
    if !visible {
        return Err(AppError::NotFound.into());
    }
    let mut plans = Vec::new();
    for p in kesu_store::plans::of_unit(&state.db, id).await? {
        let mut q = ind::Query::new(p.id, state.today());
        q.unit_id = Some(id);
        let e = ind::evaluate_plan(&state.db, &q).await?;
        plans.push(UnitPlan {
            id: p.id,
            title: p.title,
            counts: e.counts,
            rows: e.indicators.iter().map(|r| line(r, p.id, None)).collect(),
        });
    }
    let l = Layout::new(&state, &caller).await?;
    render(&UnitPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        name: unit.name,
        plans,
        assessments: assessment::unit_links(&state, &caller, id, state.today().year()).await?,
    })
}

// ---------------------------------------------------------------- key group

struct GroupPlan {
    id: i64,
    title: String,
    rows: Vec<IndicatorLine>,
}

#[derive(Template)]
#[template(path = "dashboard_group.html")]
struct GroupPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    group: &'static str,
    region: String,
    counts: StatusCounts,
    mean: String,
    plans: Vec<GroupPlan>,
    others: Vec<(&'static str, &'static str)>,
}

async fn group_page(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    Query(f): Query<Filter>,
) -> PageResult {
    let group = KeyGroup::from_key(&key).ok_or(AppError::NotFound)?;
    let unit = reporter_unit(&caller)?;
    let code = match f.region.as_deref().filter(|s| !s.is_empty()) {
        Some(r) if unit.is_none() => region_param(&caller, r, "")?,
        _ => caller.actor.region.to_string(),
    };
    let today = state.today();
    let plans = match unit {
        Some(_) => plans_in_scope(&state, &caller).await?,
        None => plans_for_region(&state, &caller, &code).await?,
    };
    let mut out = Vec::new();
    let mut all_rows = Vec::new();
    for p in &plans {
        let e = match unit {
            Some(u) => {
                let mut q = ind::Query::new(p.id, today);
                q.unit_id = Some(u);
                ind::evaluate_plan(&state.db, &q).await?
            }
            None => evaluate_at(&state, p, &code, today).await?,
        };
        let groups = task_groups(&state, p.id).await?;
        let rows: Vec<&IndicatorRow> = e
            .indicators
            .iter()
            .filter(|r| r.task_id.and_then(|t| groups.get(&t)).copied().flatten() == Some(group))
            .collect();
        if rows.is_empty() {
            continue;
        }
        let region = Some(e.region.as_str()).filter(|r| *r != p.region_code);
        out.push(GroupPlan {
            id: p.id,
            title: p.title.clone(),
            rows: rows.iter().map(|r| line(r, p.id, region)).collect(),
        });
        all_rows.extend(rows.into_iter().cloned());
    }
    let counts = StatusCounts::of(all_rows.iter().map(|r| r.status));
    let mean = if all_rows.is_empty() {
        None
    } else {
        Some(
            all_rows
                .iter()
                .map(|r| r.progress.unwrap_or(0.0))
                .sum::<f64>()
                / all_rows.len() as f64,
        )
    };
    let l = Layout::new(&state, &caller).await?;
    render(&GroupPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        group: group.zh(),
        region: region_name(&state, &code).await?,
        counts,
        mean: pct(mean),
        plans: out,
        others: KeyGroup::ALL
            .iter()
            .filter(|g| **g != group)
            .map(|g| (g.key(), g.zh()))
            .collect(),
    })
}

// ---------------------------------------------------------------- annual report

/// The annual report of a region the caller oversees (not for reporters), as the office set
/// up its assessment.
async fn annual_for(
    state: &AppState,
    caller: &Caller,
    code: &str,
    year: Option<i32>,
) -> Result<annual::Annual, AppError> {
    let (ctx, by) = (
        crate::access::ctx(state),
        crate::access::app_caller(caller, None),
    );
    let inputs = ind::ExtraInputs::new();
    Ok(kesu_app::annual::build(&ctx, &by, code, year, None, &inputs).await?)
}

async fn annual_html(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Query(f): Query<Filter>,
) -> PageResult {
    let a = annual_for(&state, &caller, &code, f.year).await?;
    let html = annual::html(&a)?;
    Ok(super::file_response(
        html,
        "text/html; charset=utf-8",
        &format!("{}{}年度监测评估报告.html", a.region_name, a.year),
        "annual-report.html",
        true,
    ))
}

async fn annual_pdf(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Query(f): Query<Filter>,
) -> PageResult {
    let a = annual_for(&state, &caller, &code, f.year).await?;
    if annual::printer().is_none() {
        return Err(AppError::Unavailable(annual::NO_PRINTER.into()).into());
    }
    let html = annual::html(&a)?;
    // Bounded: few prints at once, each in limited time, the same page printed once.
    let bytes = crate::print::PRINTER
        .pdf(&a.region_code, a.year, html)
        .await?;
    Ok(super::file_response(
        bytes.to_vec(),
        "application/pdf",
        &format!("{}{}年度监测评估报告.pdf", a.region_name, a.year),
        "annual-report.pdf",
        false,
    ))
}

async fn annual_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Query(f): Query<Filter>,
) -> PageResult {
    let a = annual_for(&state, &caller, &code, f.year).await?;
    let bytes = annual::xlsx(&a)?;
    Ok(super::xlsx_response(
        bytes,
        &format!("{}{}年度监测评估报告.xlsx", a.region_name, a.year),
    ))
}
