//! The assessment pages (考核): a region's annual assessment on its own plan, with the scheme in
//! force, of either kind of assessed body: its child regions (the counties of a city) or the
//! units assigned to the plan's tasks (牵头单位/责任单位, `?by=units`). Both kinds go through the
//! same handlers with the kind as a parameter: the office (reviewer or admin of the region)
//! enters reviewer scores with reasons and whether fixed items were done; the assessed body's
//! own account enters its self scores with notes (a county: its own admin or reviewer; a unit:
//! its reporters); the office admin views and changes the scheme (points and weights, or a whole
//! JSON file). Scoring is `kesu_store::indicators::assess` on the stored inputs; storage is
//! `kesu_store::assessment`.
//!
//! Addresses: the ranking is `/dashboard/regions/{code}/assessment?year=Y[&by=units]`; a body's
//! forms are `…/assessment/{year}/self/{id}` and `…/review/{id}` for a child region, and
//! `…/assessment/{year}/units/self/{id}` and `…/units/review/{id}` for a unit.
//!
//! Scope (server side, through `kesu_core::authz`): the ranking is for the office roles
//! covering the assessing region; a body's forms are for those who can see the body (its
//! region for office roles, its own unit for a reporter), anyone else 404; among them the
//! self-score form is the body's own account's (others: 403), and reviewer scores are for
//! reviewers and admins of the assessing region (others: 403); the scheme for the region's
//! admin.

use super::super::{Layout, PageResult, UserBar, check_csrf, redirect_with, render};
use super::num;
use crate::AppState;
use crate::auth::{Caller, ClientIp};
use crate::error::AppError;
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use kesu_app::assessment as app;
use kesu_core::assessment::UnitLink;
use kesu_indicators::Scheme;
use kesu_indicators::svg::{self, Bar, BarChart};
use kesu_store::assessment::{Review, SchemeInForce, SelfScore, StoredInput};
use kesu_store::indicators::{AssessBy, AssessmentReport};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The kind of assessed body a route is about, as a type, so that one generic handler serves
/// the routes of both kinds.
trait Kind {
    const BY: AssessBy;
}

struct Regions;
impl Kind for Regions {
    const BY: AssessBy = AssessBy::Regions;
}

struct Units;
impl Kind for Units {
    const BY: AssessBy = AssessBy::Units;
}

/// The routes (merged into the dashboard's).
pub fn routes() -> crate::routes::Routes<AppState> {
    use axum::routing::{get, post};
    crate::routes::Routes::new()
        .route("/dashboard/regions/{code}/assessment", get(page))
        .route(
            "/dashboard/regions/{code}/assessment/{year}/review/{child}",
            post(save_review::<Regions>),
        )
        .route(
            "/dashboard/regions/{code}/assessment/{year}/self/{child}",
            get(self_page::<Regions>).post(save_self::<Regions>),
        )
        .route(
            "/dashboard/regions/{code}/assessment/{year}/units/review/{unit}",
            post(save_review::<Units>),
        )
        .route(
            "/dashboard/regions/{code}/assessment/{year}/units/self/{unit}",
            get(self_page::<Units>).post(save_self::<Units>),
        )
        .route(
            "/dashboard/regions/{code}/assessment/scheme",
            get(scheme_page).post(save_weights),
        )
        .route(
            "/dashboard/regions/{code}/assessment/scheme.json",
            get(scheme_json),
        )
        .route(
            "/dashboard/regions/{code}/assessment/scheme/upload",
            post(upload_scheme),
        )
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    year: Option<i32>,
    #[serde(default)]
    msg: Option<String>,
    /// `units` for the units' assessment; the child regions' otherwise.
    #[serde(default)]
    by: Option<String>,
}

// ---------------------------------------------------------------- addresses

fn by_param(by: Option<&str>) -> Result<AssessBy, AppError> {
    match by.map(str::trim) {
        None | Some("" | "regions") => Ok(AssessBy::Regions),
        Some("units") => Ok(AssessBy::Units),
        Some(other) => Err(AppError::Invalid(format!(
            "考核对象“{other}”无效，应为 regions（下级地区）或 units（责任单位）(bad by)"
        ))),
    }
}

/// The ranking page of one kind.
fn page_href(code: &str, year: i32, by: AssessBy) -> String {
    match by {
        AssessBy::Regions => format!("/dashboard/regions/{code}/assessment?year={year}"),
        AssessBy::Units => format!("/dashboard/regions/{code}/assessment?year={year}&by=units"),
    }
}

/// The address of a body's forms (`what` is `self` or `review`).
fn form_href(code: &str, year: i32, by: AssessBy, what: &str, id: &str) -> String {
    let kind = match by {
        AssessBy::Regions => "",
        AssessBy::Units => "/units",
    };
    format!("/dashboard/regions/{code}/assessment/{year}{kind}/{what}/{id}")
}

/// A body's self-score form (also linked from the region and unit dashboards).
pub fn self_href(code: &str, year: i32, by: AssessBy, id: &str) -> String {
    form_href(code, year, by, "self", id)
}

/// What the assessed bodies of a kind are called on screen.
fn kind_zh(by: AssessBy) -> &'static str {
    match by {
        AssessBy::Regions => "地区",
        AssessBy::Units => "单位",
    }
}

// ---------------------------------------------------------------- use cases

fn ctx(state: &AppState) -> kesu_app::Ctx {
    crate::access::ctx(state)
}

fn user(caller: &Caller, ip: Option<String>) -> kesu_app::Caller {
    crate::access::app_caller(caller, ip)
}

/// The assessing region of a request, if the caller sees its assessment (else 404).
fn office_region(caller: &Caller, code: &str) -> Result<String, AppError> {
    Ok(app::assessing(&user(caller, None), code)?)
}

async fn region_name(state: &AppState, code: &str) -> Result<String, AppError> {
    Ok(kesu_store::regions::get(&state.db, code)
        .await?
        .map_or_else(|| code.to_string(), |r| r.name))
}

async fn origin_text(state: &AppState, code: &str, s: &SchemeInForce) -> Result<String, AppError> {
    Ok(match (&s.region_code, &s.saved_by, s.saved_at) {
        (Some(r), by, at) => {
            let whose = if r == code {
                "本地区".to_string()
            } else {
                format!("沿用{}", region_name(state, r).await?)
            };
            format!(
                "{whose}第{}版（{}，{}）",
                s.version,
                by.clone().unwrap_or_default(),
                at.map(super::super::local_time).unwrap_or_default()
            )
        }
        (None, _, _) => "内置默认方案（由样例实施方案的检查评估、考核条款归纳）".to_string(),
    })
}

/// The assessments a unit is ranked in, as links for its dashboard: its reporters get their
/// self-score form, office roles covering the assessing region its units' ranking.
pub async fn unit_links(
    state: &AppState,
    caller: &Caller,
    unit: i64,
    year: i32,
) -> Result<Vec<(String, String)>, AppError> {
    let id = unit.to_string();
    Ok(
        app::unit_assessments(&ctx(state), &user(caller, None), unit)
            .await?
            .into_iter()
            .map(|a| match a.link {
                UnitLink::SelfScore => (
                    self_href(&a.region_code, year, AssessBy::Units, &id),
                    format!("{year}年度考核自评（{}考核）", a.region_name),
                ),
                UnitLink::Ranking => (
                    page_href(&a.region_code, year, AssessBy::Units),
                    format!("{year}年度责任单位考核（{}）", a.region_name),
                ),
            })
            .collect(),
    )
}

// ---------------------------------------------------------------- the assessment page

struct ItemCell {
    id: String,
    name: String,
    rule: &'static str,
    points: String,
    max: String,
    computed: String,
    note: String,
    self_score: String,
    self_note: String,
    self_who: String,
    reviewer_score: String,
    reviewer_reason: String,
    reviewer_who: String,
    needs_done: bool,
    done: &'static str,
    counted: String,
}

struct BodyView {
    code: String,
    name: String,
    rank: u32,
    total: String,
    self_total: String,
    commended: bool,
    vetoed_by: Option<String>,
    self_href: String,
    review_href: String,
    items: Vec<ItemCell>,
}

fn opt_num(x: Option<f64>) -> String {
    x.map_or_else(String::new, num)
}

fn who(by: &Option<String>, at: Option<time::OffsetDateTime>) -> String {
    match (by, at) {
        (Some(b), Some(t)) => format!("{b} {}", super::super::local_time(t)),
        _ => String::new(),
    }
}

fn body_views(
    r: &AssessmentReport,
    scheme: &Scheme,
    stored: &[StoredInput],
    only: Option<&str>,
) -> Vec<BodyView> {
    let by_key: BTreeMap<(&str, &str), &StoredInput> = stored
        .iter()
        .map(|s| ((s.assessed.as_str(), s.item.as_str()), s))
        .collect();
    r.assessment
        .results
        .iter()
        .filter(|s| only.is_none_or(|o| o == s.id))
        .map(|s| BodyView {
            code: s.id.clone(),
            name: s.name.clone(),
            rank: s.rank,
            total: num(s.total),
            self_total: opt_num(s.self_total),
            commended: r.commendation.contains(&s.id),
            vetoed_by: s.vetoed_by.clone(),
            self_href: self_href(&r.region, r.year, r.by, &s.id),
            review_href: form_href(&r.region, r.year, r.by, "review", &s.id),
            items: s
                .items
                .iter()
                .filter_map(|i| {
                    let item = scheme.items.iter().find(|x| x.id == i.item)?;
                    let st = by_key.get(&(s.id.as_str(), i.item.as_str()));
                    Some(ItemCell {
                        id: i.item.clone(),
                        name: i.name.clone(),
                        rule: item.rule.zh(),
                        points: format!("{} × {}", num(item.points), num(item.weight)),
                        max: num(item.max_score()),
                        computed: opt_num(i.computed),
                        note: i.note.clone(),
                        self_score: opt_num(i.self_score),
                        self_note: st.and_then(|x| x.self_note.clone()).unwrap_or_default(),
                        self_who: st.map(|x| who(&x.self_by, x.self_at)).unwrap_or_default(),
                        reviewer_score: opt_num(i.reviewer_score),
                        reviewer_reason: st
                            .and_then(|x| x.reviewer_reason.clone())
                            .unwrap_or_default(),
                        reviewer_who: st
                            .map(|x| who(&x.reviewer_by, x.reviewer_at))
                            .unwrap_or_default(),
                        needs_done: item.needs_done(),
                        done: match st.and_then(|x| x.done) {
                            Some(true) => "yes",
                            Some(false) => "no",
                            None => "",
                        },
                        counted: num(i.weighted),
                    })
                })
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "assessment.html")]
struct AssessmentPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    code: String,
    region_name: String,
    year: i32,
    by_units: bool,
    kind_zh: &'static str,
    regions_href: String,
    units_href: String,
    plan_title: Option<String>,
    scheme_name: String,
    scheme_origin: String,
    max_total: String,
    bodies: Vec<BodyView>,
    chart: String,
    can_review: bool,
    commendation: Vec<String>,
    concerns: Vec<(String, String)>,
    error: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Query(q): Query<YearQuery>,
) -> PageResult {
    let code = office_region(&caller, &code)?;
    let year = app::year(q.year.unwrap_or(state.today().year()))?;
    let by = by_param(q.by.as_deref())?;
    let scheme = app::scheme(&ctx(&state), &code).await?;
    let plan = app::own_plan(&ctx(&state), &code).await?;
    let mut bodies = Vec::new();
    let mut chart = String::new();
    let mut commendation = Vec::new();
    let mut concerns = Vec::new();
    let mut error = None;
    if let Some(p) = &plan {
        // Inputs that no longer fit (a reviewer score left without a reason after the data
        // changed) are shown as a message on the page, so the office can correct them here.
        match app::run(&ctx(&state), p, year, by, &scheme.scheme).await {
            Ok(r) => {
                let stored = app::inputs(&ctx(&state), &code, year, by, None).await?;
                bodies = body_views(&r, &scheme.scheme, &stored, None);
                chart = svg::bar_chart(&BarChart {
                    title: format!(
                        "{year}年度{}考核总分（满分{}）",
                        kind_zh(by),
                        num(r.assessment.max_total)
                    ),
                    unit: "分".into(),
                    bars: r
                        .assessment
                        .results
                        .iter()
                        .map(|s| Bar {
                            label: format!("{}. {}", s.rank, s.name),
                            value: Some(s.total),
                            light: None,
                        })
                        .collect(),
                    target: None,
                });
                commendation = r
                    .assessment
                    .results
                    .iter()
                    .filter(|s| r.commendation.contains(&s.id))
                    .map(|s| s.name.clone())
                    .collect();
                concerns = r
                    .concerns
                    .iter()
                    .map(|c| (c.name.clone(), c.reason.clone()))
                    .collect();
            }
            Err(kesu_app::Error::Invalid { message, .. }) => error = Some(message),
            Err(e) => return Err(e.into()),
        }
    }
    let l = Layout::new(&state, &caller).await?.with_flash(q.msg);
    render(&AssessmentPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf.clone(),
        region_name: region_name(&state, &code).await?,
        year,
        by_units: by == AssessBy::Units,
        kind_zh: kind_zh(by),
        regions_href: page_href(&code, year, AssessBy::Regions),
        units_href: page_href(&code, year, AssessBy::Units),
        plan_title: plan.map(|p| p.title),
        scheme_name: scheme.scheme.name.clone(),
        scheme_origin: origin_text(&state, &code, &scheme).await?,
        max_total: num(scheme.scheme.max_total()),
        bodies,
        chart,
        can_review: app::reviews(&user(&caller, None), &code)?,
        commendation,
        concerns,
        error,
        code,
    })
}

fn score_field(
    fields: &BTreeMap<String, String>,
    name: &str,
    what: &str,
    field: &str,
) -> kesu_app::Result<Option<f64>> {
    match fields
        .get(field)
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        None => Ok(None),
        Some(v) => v
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Some)
            .ok_or_else(|| {
                kesu_app::Error::invalid_field(
                    field,
                    format!("“{name}”的{what}“{v}”不是数字 ({field})"),
                )
            }),
    }
}

fn text_field(fields: &BTreeMap<String, String>, field: &str) -> Option<String> {
    fields
        .get(field)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The office's reviewer scores, reasons and done facts for one assessed body of kind `K`.
async fn save_review<K: Kind>(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path((code, year, id)): Path<(String, i32, String)>,
    Form(fields): Form<BTreeMap<String, String>>,
) -> PageResult {
    check_csrf(&caller, fields.get("_csrf").map_or("", String::as_str))?;
    let code = app::region(&code)?.to_string();
    let c = user(&caller, ip);
    let (body, n) = app::save_reviews(&ctx(&state), &c, (&code, year, K::BY, &id), |item| {
        let done = if item.needs_done() {
            match fields.get(&format!("done_{}", item.id)).map(String::as_str) {
                Some("yes") => Some(true),
                Some("no") => Some(false),
                _ => None,
            }
        } else {
            None
        };
        Ok(Review {
            item: item.id.clone(),
            score: score_field(&fields, &item.name, "评审分", &format!("score_{}", item.id))?,
            reason: text_field(&fields, &format!("reason_{}", item.id)),
            done,
        })
    })
    .await?;
    Ok(redirect_with(
        &format!("{}#c{}", page_href(&code, year, K::BY), body.id),
        &format!("已保存{}的评审分（{n}项有变化）", body.name),
    ))
}

// ---------------------------------------------------------------- self scores

#[derive(Template)]
#[template(path = "assessment_self.html")]
struct SelfPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    region_name: String,
    year: i32,
    body: Option<BodyView>,
    kind_zh: &'static str,
    body_name: String,
    action: String,
    /// The body's own dashboard.
    back: String,
    plan_title: Option<String>,
    scheme_name: String,
    error: Option<String>,
}

async fn self_page<K: Kind>(
    State(state): State<AppState>,
    caller: Caller,
    Path((code, year, id)): Path<(String, i32, String)>,
    Query(q): Query<YearQuery>,
) -> PageResult {
    let code = app::region(&code)?.to_string();
    let assessed = app::self_scorer(&ctx(&state), &user(&caller, None), &code, K::BY, &id).await?;
    let year = app::year(year)?;
    let scheme = app::scheme(&ctx(&state), &code).await?.scheme;
    let plan = app::own_plan(&ctx(&state), &code).await?;
    let mut body = None;
    let mut error = None;
    if let Some(p) = &plan {
        match app::run(&ctx(&state), p, year, K::BY, &scheme).await {
            Ok(r) => {
                let stored =
                    app::inputs(&ctx(&state), &code, year, K::BY, Some(&assessed.id)).await?;
                body = body_views(&r, &scheme, &stored, Some(&assessed.id)).pop();
            }
            Err(kesu_app::Error::Invalid { message, .. }) => error = Some(message),
            Err(e) => return Err(e.into()),
        }
    }
    let l = Layout::new(&state, &caller).await?.with_flash(q.msg);
    render(&SelfPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf.clone(),
        region_name: region_name(&state, &code).await?,
        year,
        body,
        kind_zh: kind_zh(K::BY),
        action: self_href(&code, year, K::BY, &assessed.id),
        back: match assessed.unit {
            Some(u) => format!("/dashboard/units/{u}"),
            None => format!("/dashboard/regions/{}", assessed.id),
        },
        body_name: assessed.name,
        plan_title: plan.map(|p| p.title),
        scheme_name: scheme.name.clone(),
        error,
    })
}

/// The assessed body's self scores and notes, for its own rows only.
async fn save_self<K: Kind>(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path((code, year, id)): Path<(String, i32, String)>,
    Form(fields): Form<BTreeMap<String, String>>,
) -> PageResult {
    check_csrf(&caller, fields.get("_csrf").map_or("", String::as_str))?;
    let code = app::region(&code)?.to_string();
    let c = user(&caller, ip);
    let (body, n) = app::save_self_scores(&ctx(&state), &c, (&code, year, K::BY, &id), |item| {
        Ok(SelfScore {
            item: item.id.clone(),
            score: score_field(&fields, &item.name, "自评分", &format!("self_{}", item.id))?,
            note: text_field(&fields, &format!("note_{}", item.id)),
        })
    })
    .await?;
    Ok(redirect_with(
        &self_href(&code, year, K::BY, &body.id),
        &format!("已保存自评分（{n}项有变化）"),
    ))
}

// ---------------------------------------------------------------- the scheme

struct SchemeItemView {
    id: String,
    name: String,
    rule: &'static str,
    points: String,
    weight: String,
    source: String,
    basis: String,
}

#[derive(Template)]
#[template(path = "assessment_scheme.html")]
struct SchemePage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    code: String,
    region_name: String,
    name: String,
    description: String,
    origin: String,
    max_total: String,
    items: Vec<SchemeItemView>,
    can_edit: bool,
}

async fn scheme_page(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Query(q): Query<YearQuery>,
) -> PageResult {
    let code = office_region(&caller, &code)?;
    let s = app::scheme(&ctx(&state), &code).await?;
    let items = s
        .scheme
        .items
        .iter()
        .map(|i| SchemeItemView {
            id: i.id.clone(),
            name: i.name.clone(),
            rule: i.rule.zh(),
            points: num(i.points),
            weight: kesu_core::plan::fmt_num(i.weight),
            source: match &i.source {
                kesu_indicators::assess::ItemSource::Indicator(k) => format!("指标 {k}"),
                kesu_indicators::assess::ItemSource::ReportEvidence => {
                    "报告佐证材料（评审判定）".to_string()
                }
            },
            basis: i.basis.clone().unwrap_or_default(),
        })
        .collect();
    let l = Layout::new(&state, &caller).await?.with_flash(q.msg);
    render(&SchemePage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf.clone(),
        region_name: region_name(&state, &code).await?,
        name: s.scheme.name.clone(),
        description: s.scheme.description.clone().unwrap_or_default(),
        origin: origin_text(&state, &code, &s).await?,
        max_total: num(s.scheme.max_total()),
        items,
        can_edit: app::edits_scheme(&user(&caller, None), &code)?,
        code,
    })
}

async fn scheme_json(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> PageResult {
    let code = office_region(&caller, &code)?;
    let s = app::scheme(&ctx(&state), &code).await?;
    let text =
        serde_json::to_string_pretty(&s.scheme).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"scheme-{code}.json\""),
            ),
        ],
        text,
    )
        .into_response())
}

fn number_field(
    fields: &BTreeMap<String, String>,
    item: &kesu_indicators::assess::Item,
    what: &str,
    field: &str,
) -> kesu_app::Result<Option<f64>> {
    match fields.get(field).map(|s| s.trim()) {
        None => Ok(None),
        Some(v) => v
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .map(Some)
            .ok_or_else(|| {
                kesu_app::Error::invalid_field(
                    field,
                    format!(
                        "考核项“{}”（{}）的{what}“{v}”必须是不小于0的数 ({field})",
                        item.name, item.id
                    ),
                )
            }),
    }
}

/// Change points and weights of the items; the rest of the scheme is kept.
async fn save_weights(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    Form(fields): Form<BTreeMap<String, String>>,
) -> PageResult {
    check_csrf(&caller, fields.get("_csrf").map_or("", String::as_str))?;
    let c = user(&caller, ip);
    let code = app::scheme_editor(&c, &code)?;
    let v = app::save_weights(&ctx(&state), &c, &code, |item| {
        if let Some(p) = number_field(&fields, item, "分值", &format!("points_{}", item.id))? {
            item.points = p;
        }
        if let Some(w) = number_field(&fields, item, "权重", &format!("weight_{}", item.id))? {
            item.weight = w;
        }
        Ok(())
    })
    .await?;
    Ok(redirect_with(
        &format!("/dashboard/regions/{code}/assessment/scheme"),
        &format!("已保存考核方案第{v}版"),
    ))
}

/// Replace the scheme with an uploaded JSON file (the format of `schemes/default.json`).
async fn upload_scheme(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    multipart: Multipart,
) -> PageResult {
    let form = crate::files::read_form(multipart).await?;
    check_csrf(&caller, form.field("_csrf"))?;
    let c = user(&caller, ip);
    let code = app::scheme_editor(&c, &code)?;
    let Some(file) = form.file else {
        return Err(AppError::Invalid("请选择考核方案 JSON 文件 (no file)".into()).into());
    };
    // Parsed off the async workers, behind the upload semaphore (crate::parse).
    let scheme = crate::parse::run("scheme upload", move || {
        let text = String::from_utf8(file.bytes).map_err(|_| {
            AppError::Invalid(format!(
                "{} 不是 UTF-8 文本的 JSON 文件 (not UTF-8 JSON)",
                file.name
            ))
        })?;
        Scheme::from_json(&text, &file.name).map_err(|e| AppError::Invalid(e.to_string()))
    })
    .await??;
    let v = app::replace_scheme(&ctx(&state), &c, &code, &scheme).await?;
    Ok(redirect_with(
        &format!("/dashboard/regions/{code}/assessment/scheme"),
        &format!("已上传考核方案，保存为第{v}版"),
    ))
}
