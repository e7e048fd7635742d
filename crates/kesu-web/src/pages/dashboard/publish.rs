//! Publishing (公开): an office publishes a dated snapshot of its region — the indicators of the
//! plans it selects, their progress, and the annual report — to `/public/{region}`, readable
//! without signing in.
//!
//! The snapshot is built from public fields only ([`PublicSnapshot`]): no report ids, units,
//! report contents, internal comments or return reasons, and the report in its public form
//! (without the list of late and returned reports). The page and the report come from one
//! [`annual::Selection`]: exactly the chosen indicators, and the assessment ranking only when
//! the office ticks it. What is published is stored as it was
//! published: later reports do not change it; a new snapshot supersedes it.

use super::super::{PageResult, UserBar, check_csrf, redirect_with, render};
use super::{actual_text, annual, evaluate_at, light_css, pct, plans_for_region, region_name};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use kesu_core::RegionCode;
use kesu_indicators::Light;
use kesu_indicators::svg::{self, ProgressBar};
use kesu_store::indicators::{self as ind, StatusCounts};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

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

fn counts_of(p: &PublicPlan) -> StatusCounts {
    StatusCounts {
        met: p.met,
        on_track: p.on_track,
        behind: p.behind,
        no_data: p.no_data,
    }
}

/// Publish the region's snapshot: plans chosen with `plan_{id}` fields, indicators with
/// `target_{id}` fields, the assessment ranking with `ranking` (off unless ticked). The page's
/// form lists every indicator (ticked by default) and says so with `targets_listed`: then only
/// the ticked ones are published, and a plan with none ticked is left out. Without
/// `targets_listed` (a form of plans only) a chosen plan publishes all its indicators. The
/// public page and the public report are built from the same [`annual::Selection`].
pub async fn publish(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Form(fields): Form<BTreeMap<String, String>>,
) -> PageResult {
    check_csrf(&caller, fields.get("_csrf").map_or("", String::as_str))?;
    let c = RegionCode::parse(&code).map_err(|_| AppError::NotFound)?;
    if !caller.actor.covers(&c) || caller.actor.unit_id.is_some() {
        return Err(AppError::NotFound.into());
    }
    if !crate::access::administers(&caller, c.as_str())? {
        return Err(AppError::Forbidden.into());
    }
    let code = c.to_string();
    let today = state.today();
    let year = match fields
        .get("year")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| AppError::Invalid(format!("年度“{y}”无效 (bad year)")))?,
        None => today.year(),
    };
    let chosen = |prefix: &str| -> BTreeSet<i64> {
        fields
            .keys()
            .filter_map(|k| k.strip_prefix(prefix).and_then(|n| n.parse().ok()))
            .collect()
    };
    let plan_ids = chosen("plan_");
    let target_ids = chosen("target_");
    let narrowed = fields.contains_key("targets_listed");
    if plan_ids.is_empty() {
        return Err(
            AppError::Invalid("请至少选择一个方案 (choose at least one plan)".into()).into(),
        );
    }
    let as_of = ind::year_end(year, today);
    let plans: Vec<_> = plans_for_region(&state, &caller, &code)
        .await?
        .into_iter()
        .filter(|p| plan_ids.contains(&p.id))
        .collect();
    // The chosen targets of the chosen plans: all of a plan's when the form listed none.
    let mut targets = BTreeSet::new();
    for p in &plans {
        let e = evaluate_at(&state, p, &code, as_of).await?;
        let all: Vec<i64> = e.indicators.iter().map(|r| r.target_id).collect();
        let picked: Vec<i64> = all
            .iter()
            .copied()
            .filter(|t| target_ids.contains(t))
            .collect();
        targets.extend(if narrowed || !picked.is_empty() {
            picked
        } else {
            all
        });
    }
    let selection = annual::Selection {
        plans,
        targets,
        ranking: fields.get("ranking").is_some_and(|v| !v.is_empty()),
    };
    let report = annual::build_public(&state.db, &code, year, today, &selection).await?;
    if report.plans.is_empty() {
        return Err(if narrowed {
            AppError::Invalid("请至少选择一个指标 (choose at least one indicator)".into())
        } else {
            AppError::NotFound
        }
        .into());
    }
    let report_html = annual::public_html(&report)?;
    let region_name = region_name(&state, &code).await?;
    let payload = PublicSnapshot {
        region_name: region_name.clone(),
        year,
        as_of: as_of.to_string(),
        plans: report.plans.iter().map(public_plan).collect(),
    };
    let payload = serde_json::to_value(&payload).map_err(|e| AppError::Internal(e.to_string()))?;
    let actor = super::super::audit_actor(&caller, None);
    ind::publish(
        &state.db,
        &ind::NewSnapshot {
            region_code: code.clone(),
            year,
            title: format!("{region_name}{year}年度全民科学素质行动实施进展"),
            as_of,
            payload,
            report_html,
        },
        &actor,
    )
    .await?;
    Ok(redirect_with(
        &format!("/dashboard/regions/{code}"),
        "已发布到公开页面",
    ))
}

/// A plan of the public report as the public page shows it.
fn public_plan(p: &annual::AnnualPlan) -> PublicPlan {
    PublicPlan {
        title: p.title.clone(),
        met: p.counts.met,
        on_track: p.counts.on_track,
        behind: p.counts.behind,
        no_data: p.counts.no_data,
        mean: p.indicators.mean_progress,
        indicators: p
            .indicators
            .indicators
            .iter()
            .map(|r| PublicIndicator {
                task_path: r.task_path.clone(),
                indicator: r.indicator.clone(),
                target: r.target_zh.clone(),
                actual: actual_text(r),
                progress: r.progress,
                status: r.status_zh.to_string(),
                light: r.light,
            })
            .collect(),
    }
}

struct PublicLine {
    task_path: String,
    indicator: String,
    target: String,
    actual: String,
    progress: String,
    status: String,
    light: &'static str,
    bar: String,
}

struct PublicPlanView {
    title: String,
    counts: StatusCounts,
    mean: String,
    rows: Vec<PublicLine>,
}

#[derive(Template)]
#[template(path = "public.html")]
struct PublicPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    code: String,
    title: String,
    published: String,
    as_of: String,
    snapshot_id: i64,
    plans: Vec<PublicPlanView>,
    earlier: Vec<(i64, String, String)>,
    none: bool,
    region_name: String,
}

fn view(p: &PublicPlan) -> PublicPlanView {
    PublicPlanView {
        title: p.title.clone(),
        counts: counts_of(p),
        mean: pct(p.mean),
        rows: p
            .indicators
            .iter()
            .map(|i| PublicLine {
                bar: svg::progress_bar(&ProgressBar {
                    label: format!(
                        "{} {}",
                        i.task_path,
                        i.indicator.chars().take(28).collect::<String>()
                    ),
                    progress: i.progress,
                    light: i.light,
                    expected: None,
                }),
                task_path: i.task_path.clone(),
                indicator: i.indicator.clone(),
                target: i.target.clone(),
                actual: i.actual.clone(),
                progress: pct(i.progress),
                status: i.status.clone(),
                light: light_css(i.light),
            })
            .collect(),
    }
}

async fn public_view(state: &AppState, code: &str, id: Option<i64>) -> PageResult {
    let c = RegionCode::parse(code).map_err(|_| AppError::NotFound)?;
    let code = c.to_string();
    let all = ind::snapshots(&state.db, &code).await?;
    let chosen = match id {
        Some(id) => Some(all.iter().find(|s| s.id == id).ok_or(AppError::NotFound)?),
        None => all.first(),
    };
    let region_name = region_name(state, &code).await?;
    let earlier = all
        .iter()
        .filter(|s| Some(s.id) != chosen.map(|c| c.id))
        .map(|s| {
            (
                s.id,
                s.title.clone(),
                super::super::local_time(s.published_at),
            )
        })
        .collect();
    let Some(s) = chosen else {
        return render(&PublicPage {
            user: None,
            demo: state.demo,
            flash: None,
            code,
            title: format!("{region_name}全民科学素质行动实施进展"),
            published: String::new(),
            as_of: String::new(),
            snapshot_id: 0,
            plans: Vec::new(),
            earlier,
            none: true,
            region_name,
        });
    };
    let payload: PublicSnapshot = serde_json::from_value(s.payload.clone())
        .map_err(|e| AppError::Internal(format!("snapshot {}: {e}", s.id)))?;
    render(&PublicPage {
        user: None,
        demo: state.demo,
        flash: None,
        code,
        title: s.title.clone(),
        published: super::super::local_time(s.published_at),
        as_of: payload.as_of.clone(),
        snapshot_id: s.id,
        plans: payload.plans.iter().map(view).collect(),
        earlier,
        none: false,
        region_name,
    })
}

/// The region's latest published snapshot, without signing in.
pub async fn public_page(State(state): State<AppState>, Path(code): Path<String>) -> PageResult {
    public_view(&state, &code, None).await
}

/// An earlier snapshot.
pub async fn public_snapshot(
    State(state): State<AppState>,
    Path((code, id)): Path<(String, i64)>,
) -> PageResult {
    public_view(&state, &code, Some(id)).await
}

/// The report published with a snapshot.
pub async fn public_report(
    State(state): State<AppState>,
    Path((code, id)): Path<(String, i64)>,
) -> PageResult {
    let c = RegionCode::parse(&code).map_err(|_| AppError::NotFound)?;
    let (_, html) = ind::snapshot(&state.db, c.as_str(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}
