//! The reporting rounds: `/rounds` (newest first with their state and, for an admin, the form
//! that opens a round — a refused form comes back with the message next to the field and what
//! was typed), `/rounds/{id}` (the status matrix with its unit tree and filters; for the round's
//! office, the dates and closing), the bulk-entry template's download and upload. A county
//! office sees a city round that involves its county as 本区填报情况: its county's reports only,
//! and no review. [`visible_rounds`], [`visible_slots`], [`do_open_round`] and [`Counts`] are
//! shared with the API.

use super::errors::{FormError, form_error};
use super::{
    FlashQuery, Layout, PageResult, UserBar, audit_actor, check_csrf, light_class, plans,
    redirect_with, render, role_zh, xlsx_response,
};
use crate::auth::{Caller, ClientIp};
use crate::error::AppError;
use crate::{AppState, access, files, sheets};
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use kesu_app::reporting::rounds::{RoundForm, RoundState};
use kesu_core::authz::Role;
use kesu_core::report::{self, Period, ReportState};
use kesu_store::reporting::{self, Round, Slot};
use serde::Deserialize;
use std::collections::BTreeMap;

pub use kesu_app::reporting::worklist::Counts;

/// A round in a list.
pub(super) struct RoundLine {
    pub id: i64,
    pub title: String,
    pub due: String,
    pub lock: String,
    pub opened_by: String,
    pub demo: bool,
    pub state_zh: &'static str,
    pub state_class: &'static str,
    /// The caller follows it as 本区填报情况 (a round of the office above).
    pub involving: bool,
    pub county_check: bool,
    pub counts: Counts,
}

pub(super) fn period_label(code: &str) -> String {
    Period::parse(code)
        .map(|p| p.to_string())
        .unwrap_or_else(|_| code.to_string())
}

/// The rounds the caller may see, newest first.
pub async fn visible_rounds(state: &AppState, caller: &Caller) -> Result<Vec<Round>, AppError> {
    Ok(kesu_app::reporting::rounds(&access::ctx(state), &access::app_caller(caller, None)).await?)
}

/// Each round with the counts of the reports the caller may open in it.
pub(super) async fn round_lines(
    state: &AppState,
    caller: &Caller,
    rounds: Vec<Round>,
) -> Result<Vec<RoundLine>, AppError> {
    let today = state.today();
    let app_caller = access::app_caller(caller, None);
    let mut out = Vec::with_capacity(rounds.len());
    for r in rounds {
        let slots = visible_slots(state, caller, &r).await?;
        let rs = RoundState::of(&r, today);
        out.push(RoundLine {
            counts: Counts::of(&slots, today, r.due_date),
            involving: caller.actor.role != Role::Reporter
                && !kesu_app::reporting::is_round_office(&app_caller, &r),
            id: r.id,
            due: r.due_date.to_string(),
            lock: r.lock_date.to_string(),
            state_zh: rs.zh(),
            state_class: rs.class(),
            county_check: r.county_check,
            title: r.title,
            opened_by: r.opened_by,
            demo: r.demo,
        });
    }
    Ok(out)
}

/// What the "open a round" form holds: as typed, with the refusal next to its field.
#[derive(Default)]
pub(super) struct OpenForm {
    plan_id: i64,
    period: String,
    due: String,
    lock: String,
    county_check: bool,
    error: Option<FormError>,
}

impl OpenForm {
    /// The message for `field`, if the refusal is about it.
    fn error_for(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|e| e.field.as_deref() == Some(field))
            .map(|e| e.message.as_str())
    }

    /// A refusal about no field in particular.
    fn general_error(&self) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|e| {
                !e.field
                    .as_deref()
                    .is_some_and(|f| ["period", "due", "lock", "plan_id"].contains(&f))
            })
            .map(|e| e.message.as_str())
    }
}

#[derive(Template)]
#[template(path = "rounds.html")]
struct RoundsPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    rounds: Vec<RoundLine>,
    plans: Vec<(i64, String)>,
    form: OpenForm,
    /// An admin whose region has no plan: say so instead of an empty form.
    admin_without_plans: bool,
}

async fn rounds_page(
    state: &AppState,
    caller: &Caller,
    flash: Option<String>,
    form: OpenForm,
) -> PageResult {
    let l = Layout::new(state, caller).await?.with_flash(flash);
    let rounds = round_lines(state, caller, visible_rounds(state, caller).await?).await?;
    let is_admin = caller.actor.role == Role::Admin;
    let plans: Vec<(i64, String)> = if is_admin {
        plans::plans_in_scope(state, caller)
            .await?
            .into_iter()
            .map(|p| (p.id, p.title))
            .collect()
    } else {
        Vec::new()
    };
    render(&RoundsPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf.clone(),
        admin_without_plans: is_admin && plans.is_empty(),
        rounds,
        plans,
        form,
    })
}

pub(super) async fn rounds(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    rounds_page(&state, &caller, q.msg, OpenForm::default()).await
}

#[derive(Deserialize)]
pub(super) struct OpenRoundForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    plan_id: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    lock: String,
    #[serde(default)]
    county_check: Option<String>,
}

/// Open a round for a plan in the caller's scope (admin). Shared by the page and the API.
pub async fn do_open_round(
    state: &AppState,
    caller: &Caller,
    f: &RoundForm,
    ip: Option<String>,
) -> Result<i64, kesu_app::Error> {
    kesu_app::reporting::rounds::open_round(&access::ctx(state), &access::app_caller(caller, ip), f)
        .await
}

pub(super) async fn open_round(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Form(f): Form<OpenRoundForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let form = RoundForm {
        plan_id: f.plan_id.trim().parse().unwrap_or(0),
        period: f.period,
        due: f.due,
        lock: f.lock,
        county_check: f.county_check.is_some_and(|v| !v.is_empty()),
    };
    match do_open_round(&state, &caller, &form, ip).await {
        Ok(id) => Ok(redirect_with(
            &format!("/rounds/{id}"),
            "填报轮次已开启，相关单位已收到通知",
        )),
        Err(e) => {
            let error = Some(form_error(e)?);
            let typed = OpenForm {
                plan_id: form.plan_id,
                period: form.period,
                due: form.due,
                lock: form.lock,
                county_check: form.county_check,
                error,
            };
            let mut res = rounds_page(&state, &caller, None, typed).await?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
    }
}

#[derive(Deserialize, Default)]
pub(super) struct MatrixQuery {
    unit: Option<i64>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    late: Option<String>,
    #[serde(default)]
    msg: Option<String>,
}

struct MatrixFilter {
    unit: Option<i64>,
    state: Option<String>,
    q: Option<String>,
    late: bool,
}

struct Cell {
    id: i64,
    unit_name: String,
    role: String,
    role_zh: &'static str,
    state: String,
    state_zh: &'static str,
    light: &'static str,
}

struct MatrixRow {
    path: String,
    title: String,
    cells: Vec<Cell>,
}

struct TreeUnit {
    id: i64,
    current: bool,
    name: String,
    total: usize,
    done: usize,
    late: usize,
}

struct TreeGroup {
    region: String,
    units: Vec<TreeUnit>,
}

struct RoundView {
    id: i64,
    title: String,
    period: String,
    due: String,
    lock: String,
    demo: bool,
    state_zh: &'static str,
    state_class: &'static str,
    closed: bool,
    county_check: bool,
    region_name: String,
}

/// A clickable count over the matrix: its label, number and filter link.
struct CountLink {
    label: &'static str,
    n: usize,
    href: String,
    class: &'static str,
}

#[derive(Template)]
#[template(path = "round.html")]
struct RoundPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    round: RoundView,
    today: String,
    counts: Vec<CountLink>,
    total: usize,
    tree: Vec<TreeGroup>,
    rows: Vec<MatrixRow>,
    filter: MatrixFilter,
    states: Vec<(&'static str, &'static str)>,
    /// The caller follows the round as 本区填报情况.
    involving: bool,
    can_admin: bool,
    can_chase: bool,
    has_unit: bool,
    pending: usize,
    dates_error: Option<FormError>,
    typed_due: String,
    typed_lock: String,
}

/// The reports of a round the caller may open (`kesu_core::visibility`): an office's in its
/// subtree, a unit's own and, for a lead unit, its cooperating units' on the same tasks.
pub async fn visible_slots(
    state: &AppState,
    caller: &Caller,
    round: &Round,
) -> Result<Vec<Slot>, AppError> {
    Ok(kesu_app::reporting::round_slots(
        &access::ctx(state),
        &access::app_caller(caller, None),
        round,
    )
    .await?)
}

pub(super) async fn round(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<MatrixQuery>,
) -> PageResult {
    round_page(&state, &caller, id, q, None).await
}

/// The round page; `dates` is a refused change of dates, shown in its form with what was typed.
async fn round_page(
    state: &AppState,
    caller: &Caller,
    id: i64,
    q: MatrixQuery,
    dates: Option<(String, String, FormError)>,
) -> PageResult {
    let r = access::round(state, caller, id).await?;
    let l = Layout::new(state, caller).await?.with_flash(q.msg.clone());
    let today = state.today();
    let slots = visible_slots(state, caller, &r).await?;
    let app_caller = access::app_caller(caller, None);
    let office = kesu_app::reporting::is_round_office(&app_caller, &r);
    let pending = slots
        .iter()
        .filter(|s| kesu_app::reporting::worklist::awaits(&caller.actor, &r, s))
        .count();
    let mut c = Counts::of(&slots, today, r.due_date);
    // 逾期 from the query the annual report lists late reports with.
    let late_ids: std::collections::BTreeSet<i64> =
        kesu_app::reporting::late_in_round(&access::ctx(state), &app_caller, &r)
            .await?
            .into_iter()
            .filter(|l| l.late)
            .map(|l| l.report_id)
            .collect();
    c.late = late_ids.len();
    let base = format!("/rounds/{id}");
    let link = |label, n, query: &str, class| CountLink {
        label,
        n,
        href: format!("{base}{query}"),
        class,
    };
    let mut counts = vec![
        link("未填报", c.not_started, "?state=not_started", ""),
        link("草稿", c.draft, "?state=draft", ""),
        link("已提交", c.submitted, "?state=submitted", ""),
    ];
    if r.county_check || c.prereviewed > 0 {
        counts.push(link("已初审", c.prereviewed, "?state=prereviewed", ""));
    }
    counts.extend([
        link("已退回", c.returned, "?state=returned", ""),
        link("已通过", c.accepted, "?state=accepted", ""),
        link("逾期", c.late, "?late=1", "error"),
    ]);
    let filter = MatrixFilter {
        unit: q.unit,
        state: q.state.filter(|s| !s.is_empty()),
        q: q.q.filter(|s| !s.trim().is_empty()),
        late: q.late.is_some_and(|v| !v.is_empty()),
    };
    // Left tree: units grouped by region, with done/total/late.
    let mut groups: BTreeMap<String, BTreeMap<i64, TreeUnit>> = BTreeMap::new();
    for s in &slots {
        let u = groups
            .entry(s.region_code.clone())
            .or_default()
            .entry(s.unit_id)
            .or_insert(TreeUnit {
                id: s.unit_id,
                current: filter.unit == Some(s.unit_id),
                name: s.unit_name.clone(),
                total: 0,
                done: 0,
                late: 0,
            });
        u.total += 1;
        if s.state().handed_in() {
            u.done += 1;
        }
        if late_ids.contains(&s.id) {
            u.late += 1;
        }
    }
    let mut codes: Vec<String> = groups.keys().cloned().collect();
    codes.push(r.region_code.clone());
    let names = plans::region_names(state, codes).await?;
    let region_name = names
        .get(&r.region_code)
        .cloned()
        .unwrap_or_else(|| r.region_code.clone());
    let tree = groups
        .into_iter()
        .map(|(code, units)| TreeGroup {
            region: names.get(&code).cloned().unwrap_or(code),
            units: units.into_values().collect(),
        })
        .collect();
    let total = slots.len();
    let mut rows: Vec<MatrixRow> = Vec::new();
    let mut index: BTreeMap<i64, usize> = BTreeMap::new();
    for s in slots {
        let st = s.state();
        let late = late_ids.contains(&s.id);
        if filter.unit.is_some_and(|u| u != s.unit_id)
            || filter.state.as_deref().is_some_and(|f| f != s.state)
            || (filter.late && !late)
            || filter.q.as_deref().is_some_and(|q| {
                !s.task_title.contains(q.trim()) && !s.task_path.contains(q.trim())
            })
        {
            continue;
        }
        let i = *index.entry(s.task_id).or_insert_with(|| {
            rows.push(MatrixRow {
                path: s.task_path.clone(),
                title: s.task_title.clone(),
                cells: Vec::new(),
            });
            rows.len() - 1
        });
        if let Some(row) = rows.get_mut(i) {
            row.cells.push(Cell {
                id: s.id,
                role_zh: role_zh(&s.role),
                state_zh: st.zh(),
                light: light_class(report::light(st, s.submitted_on(), today, r.due_date)),
                unit_name: s.unit_name,
                role: s.role,
                state: s.state,
            });
        }
    }
    let rs = RoundState::of(&r, today);
    let can_admin = office && caller.actor.role == Role::Admin;
    let (typed_due, typed_lock, dates_error) = match dates {
        Some((d, l, e)) => (d, l, Some(e)),
        None => (r.due_date.to_string(), r.lock_date.to_string(), None),
    };
    render(&RoundPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf.clone(),
        round: RoundView {
            id: r.id,
            title: r.title.clone(),
            period: period_label(&r.period),
            due: r.due_date.to_string(),
            lock: r.lock_date.to_string(),
            demo: r.demo,
            state_zh: rs.zh(),
            state_class: rs.class(),
            closed: r.closed_at.is_some(),
            county_check: r.county_check,
            region_name,
        },
        today: today.to_string(),
        counts,
        total,
        tree,
        rows,
        filter,
        states: ReportState::ALL
            .iter()
            .map(|s| (s.as_str(), s.zh()))
            .collect(),
        involving: caller.actor.role != Role::Reporter && !office,
        can_admin,
        can_chase: caller.actor.role != Role::Reporter,
        has_unit: caller.actor.unit_id.is_some() && caller.actor.role == Role::Reporter,
        pending,
        dates_error,
        typed_due,
        typed_lock,
    })
}

#[derive(Deserialize)]
pub(super) struct DatesForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    lock: String,
}

/// Move the round's due and lock dates (its office's admin); a refused change comes back in
/// its form with what was typed.
pub(super) async fn set_dates(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    Form(f): Form<DatesForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let c = access::app_caller(&caller, ip);
    match kesu_app::reporting::rounds::reschedule(&access::ctx(&state), &c, id, &f.due, &f.lock)
        .await
    {
        Ok(()) => Ok(redirect_with(
            &format!("/rounds/{id}"),
            "截止日期和锁定日期已修改",
        )),
        Err(e) => {
            let err = form_error(e)?;
            let mut res = round_page(
                &state,
                &caller,
                id,
                MatrixQuery::default(),
                Some((f.due, f.lock, err)),
            )
            .await?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
    }
}

#[derive(Deserialize)]
pub(super) struct CloseForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    /// `close` or `reopen`.
    #[serde(default)]
    action: String,
}

/// Close the round, or open it again (its office's admin).
pub(super) async fn close(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    Form(f): Form<CloseForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let closed = f.action != "reopen";
    let c = access::app_caller(&caller, ip);
    kesu_app::reporting::rounds::close(&access::ctx(&state), &c, id, closed).await?;
    Ok(redirect_with(
        &format!("/rounds/{id}"),
        if closed {
            "本轮已关闭，各单位不能再提交或修改"
        } else {
            "本轮已重新开放"
        },
    ))
}

pub(super) async fn template_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> PageResult {
    let r = access::round(&state, &caller, id).await?;
    let Some(unit) = caller
        .actor
        .unit_id
        .filter(|_| caller.actor.role == Role::Reporter)
    else {
        return Err(AppError::Forbidden.into());
    };
    let slots = reporting::slots_of_unit(&state.db, unit, Some(id)).await?;
    let mut with_values = Vec::with_capacity(slots.len());
    for s in slots {
        let v = reporting::values(&state.db, s.id).await?;
        let (content, _) = reporting::content(&state.db, s.id).await?;
        with_values.push((s, content, v));
    }
    let bytes = sheets::template(&with_values)?;
    Ok(xlsx_response(bytes, &format!("批量填报-{}.xlsx", r.title)))
}

pub(super) async fn upload_template(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> PageResult {
    let r = access::round(&state, &caller, id).await?;
    let form = files::read_form(multipart).await?;
    check_csrf(&caller, form.field("_csrf"))?;
    let dry_run = !form.field("dry_run").is_empty();
    let Some(file) = form.file else {
        return Err(AppError::Invalid("请选择要上传的文件 (no file)".into()).into());
    };
    let by = audit_actor(&caller, ip.clone());
    let outcome = sheets::apply_upload(&state, &caller, &r, file.bytes, dry_run, &by).await?;
    Ok(redirect_with(&format!("/rounds/{id}"), &outcome))
}
