//! Publishing (公开): the form's fields become a [`publish::Choice`], and [`publish::publish`]
//! does the rest (authorise, build the public report, store the snapshot), rendering the report
//! with this crate's template. The public pages read the stored snapshots.

use super::super::{PageResult, UserBar, check_csrf, redirect_with, render};
use super::{annual, light_css, pct, region_name};
use crate::AppState;
use crate::access;
use crate::auth::Caller;
use crate::error::AppError;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use kesu_app::publish::{self, PublicPlan, PublicSnapshot};
use kesu_core::RegionCode;
use kesu_indicators::StatusCounts;
use kesu_indicators::svg::{self, ProgressBar};
use kesu_store::indicators as ind;
use std::collections::{BTreeMap, BTreeSet};

/// The choice of the form: plans with `plan_{id}` fields, indicators with `target_{id}` fields,
/// `targets_listed` when the form listed every indicator, the ranking with `ranking`.
fn choice(fields: &BTreeMap<String, String>) -> publish::Choice {
    let chosen = |prefix: &str| -> BTreeSet<i64> {
        fields
            .keys()
            .filter_map(|k| k.strip_prefix(prefix).and_then(|n| n.parse().ok()))
            .collect()
    };
    publish::Choice {
        year: fields.get("year").cloned(),
        plans: chosen("plan_"),
        targets: chosen("target_"),
        targets_listed: fields.contains_key("targets_listed"),
        ranking: fields.get("ranking").is_some_and(|v| !v.is_empty()),
    }
}

/// Publish the region's snapshot ([`publish::Choice`] says what the form's fields choose).
pub async fn publish(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Form(fields): Form<BTreeMap<String, String>>,
) -> PageResult {
    check_csrf(&caller, fields.get("_csrf").map_or("", String::as_str))?;
    let (ctx, by) = (access::ctx(&state), access::app_caller(&caller, None));
    let done = publish::publish(&ctx, &by, &code, &choice(&fields), |report| {
        annual::html(report).map_err(|e| kesu_app::Error::Internal(format!("{e:?}")))
    })
    .await?;
    Ok(redirect_with(
        &format!("/dashboard/regions/{}", done.region),
        "已发布到公开页面",
    ))
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
        counts: p.counts(),
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
