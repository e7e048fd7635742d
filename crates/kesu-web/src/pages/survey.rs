//! Survey waves (科学素质抽样调查) and their results: the literacy share by region and key group
//! with confidence intervals drawn as error bars, and the change since the previous wave of the
//! same region with its standard error (is the change real?). Office roles only, in their region
//! subtree.

use super::{Layout, PageResult, UserBar, local_time, render};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use askama::Template;
use axum::extract::{Path, State};
use kesu_core::authz::Role;
use kesu_core::region::RegionCode;
use kesu_store::survey::{self, ResultRow, Wave};

fn office_only(caller: &Caller) -> Result<(), AppError> {
    if caller.actor.role == Role::Reporter {
        Err(AppError::Forbidden)
    } else {
        Ok(())
    }
}

struct WaveLine {
    id: i64,
    region: String,
    year: i32,
    name: String,
    n: i64,
    imported: String,
}

#[derive(Template)]
#[template(path = "survey_list.html")]
struct ListPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    waves: Vec<WaveLine>,
}

pub async fn list(State(state): State<AppState>, caller: Caller) -> PageResult {
    office_only(&caller)?;
    let l = Layout::new(&state, &caller).await?;
    let rows = survey::waves(&state.db, caller.actor.region.as_str()).await?;
    let names =
        super::plans::region_names(&state, rows.iter().map(|w| w.region_code.clone()).collect())
            .await?;
    let waves = rows
        .into_iter()
        .map(|w| WaveLine {
            region: names
                .get(&w.region_code)
                .cloned()
                .unwrap_or(w.region_code.clone()),
            imported: local_time(w.imported_at),
            id: w.id,
            year: w.year,
            name: w.name,
            n: w.n,
        })
        .collect();
    render(&ListPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        waves,
    })
}

struct ResultLine {
    by: String,
    level: String,
    n: i64,
    est: String,
    ci: String,
    se: String,
    deff: String,
    flags: String,
}

struct Change {
    previous: String,
    diff: String,
    se: String,
    verdict: &'static str,
}

#[derive(Template)]
#[template(path = "survey_wave.html")]
struct WavePage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    title: String,
    n: i64,
    rule: String,
    results: Vec<ResultLine>,
    charts: Vec<(String, String)>,
    change: Option<Change>,
}

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

fn by_zh(by: &str) -> String {
    match by {
        "overall" => "总体".into(),
        "region" => "地区".into(),
        "group" => "重点人群".into(),
        other => other.into(),
    }
}

/// The wave `id` if it lies in the caller's region subtree, else 404.
async fn wave_in_scope(state: &AppState, caller: &Caller, id: i64) -> Result<Wave, AppError> {
    let w = survey::wave(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let code = RegionCode::parse(&w.region_code).map_err(|e| AppError::Internal(e.to_string()))?;
    if caller.actor.covers(&code) {
        Ok(w)
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> PageResult {
    office_only(&caller)?;
    let w = wave_in_scope(&state, &caller, id).await?;
    let l = Layout::new(&state, &caller).await?;
    let rows = survey::results(&state.db, id).await?;
    let mut charts = Vec::new();
    for by in ["region", "group"] {
        let part: Vec<&ResultRow> = rows.iter().filter(|r| r.by_var == by).collect();
        if !part.is_empty() {
            charts.push((by_zh(by), error_bars(&part)));
        }
    }
    let overall = rows.iter().find(|r| r.by_var == "overall");
    let change = match (overall, survey::previous_wave(&state.db, &w).await?) {
        (Some(now), Some(prev)) => {
            let before = survey::results(&state.db, prev.id).await?;
            before.iter().find(|r| r.by_var == "overall").map(|b| {
                // Independent samples: the variances add.
                let diff = now.est - b.est;
                let se = (now.se.powi(2) + b.se.powi(2)).sqrt();
                let verdict = if se > 0.0 && (diff / se).abs() > 1.96 {
                    "变化在统计上显著（超过 1.96 倍标准误）"
                } else {
                    "变化在抽样误差范围内，不能认为有真实变化"
                };
                Change {
                    previous: format!("{}年{}：{}", prev.year, prev.name, pct(b.est)),
                    diff: format!("{:+.2} 个百分点", diff * 100.0),
                    se: format!("{:.2} 个百分点", se * 100.0),
                    verdict,
                }
            })
        }
        _ => None,
    };
    let results = rows
        .iter()
        .map(|r| ResultLine {
            by: by_zh(&r.by_var),
            level: r.level.clone(),
            n: r.n,
            est: pct(r.est),
            ci: match (r.logit_l, r.logit_u) {
                (Some(a), Some(b)) => format!("{}–{}", pct(a), pct(b)),
                _ => format!("{}–{}", pct(r.wald_l), pct(r.wald_u)),
            },
            se: pct(r.se),
            deff: r.deff.map(|d| format!("{d:.2}")).unwrap_or_default(),
            flags: r.flags.clone(),
        })
        .collect();
    let names = super::plans::region_names(&state, vec![w.region_code.clone()]).await?;
    render(&WavePage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        title: format!(
            "{} {}年{}",
            names
                .get(&w.region_code)
                .cloned()
                .unwrap_or(w.region_code.clone()),
            w.year,
            w.name
        ),
        n: w.n,
        rule: w.rule.to_string(),
        results,
        charts,
        change,
    })
}

/// A horizontal chart: one row per level, a dot at the estimate and a bar over its 95% interval.
fn error_bars(rows: &[&ResultRow]) -> String {
    let row_h = 26.0;
    let (left, width) = (140.0, 420.0);
    let height = 30.0 + row_h * rows.len() as f64;
    let hi = rows
        .iter()
        .map(|r| r.logit_u.unwrap_or(r.wald_u))
        .fold(0.0_f64, f64::max)
        .clamp(0.05, 1.0);
    let x = |v: f64| left + width * (v / hi).clamp(0.0, 1.0);
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 {height}" width="600" height="{height}" font-family="Noto Sans CJK SC, Microsoft YaHei, sans-serif" font-size="12" role="img">"#
    );
    for (i, r) in rows.iter().enumerate() {
        let y = 20.0 + row_h * i as f64;
        let (lo, up) = (r.logit_l.unwrap_or(r.wald_l), r.logit_u.unwrap_or(r.wald_u));
        s.push_str(&format!(
            r##"<text x="{tx}" y="{ty}" text-anchor="end">{label}</text><line x1="{x1:.1}" x2="{x2:.1}" y1="{y}" y2="{y}" stroke="#1f5fa8" stroke-width="2"/><line x1="{x1:.1}" x2="{x1:.1}" y1="{a}" y2="{b}" stroke="#1f5fa8"/><line x1="{x2:.1}" x2="{x2:.1}" y1="{a}" y2="{b}" stroke="#1f5fa8"/><circle cx="{cx:.1}" cy="{y}" r="4" fill="#cc3333"/><text x="{vx:.1}" y="{ty}">{val}</text>"##,
            tx = left - 8.0,
            ty = y + 4.0,
            label = kesu_indicators::svg::escape(&r.level),
            x1 = x(lo),
            x2 = x(up),
            a = y - 5.0,
            b = y + 5.0,
            cx = x(r.est),
            vx = x(up) + 6.0,
            val = pct(r.est),
        ));
    }
    s.push_str("</svg>");
    s
}
