//! The home page and the reporting rounds: `/` (a unit's own reports, or the rounds an office
//! account can see), `/rounds` (the list and, for an admin, the form that opens a round),
//! `/rounds/{id}` (the status matrix with its unit tree and filters), the late list
//! (`late.xlsx`) and the bulk-entry template's download and upload. [`visible_rounds`],
//! [`visible_slots`], [`do_open_round`] and [`Counts`] are shared with the API.

use super::{
    FlashQuery, Layout, PageResult, UserBar, audit_actor, check_csrf, light_class, plans,
    redirect_with, render, role_zh, xlsx_response,
};
use crate::auth::{Caller, ClientIp, MaybeCaller};
use crate::error::AppError;
use crate::{AppState, access, files, sheets};
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use kesu_core::authz::Role;
use kesu_core::report::{self, Period, ReportState};
use kesu_store::reporting::{self, Round, Slot};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Counts of a set of slots by state, and how many are late.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Counts {
    pub not_started: usize,
    pub draft: usize,
    pub submitted: usize,
    pub returned: usize,
    pub accepted: usize,
    pub late: usize,
}

impl Counts {
    pub fn of<'a>(
        slots: impl IntoIterator<Item = &'a Slot>,
        today: time::Date,
        due: time::Date,
    ) -> Self {
        let mut c = Counts::default();
        for s in slots {
            match s.state() {
                ReportState::NotStarted => c.not_started += 1,
                ReportState::Draft => c.draft += 1,
                ReportState::Submitted => c.submitted += 1,
                ReportState::Returned => c.returned += 1,
                ReportState::Accepted => c.accepted += 1,
            }
            if report::is_late(s.state(), s.submitted_on(), today, due) {
                c.late += 1;
            }
        }
        c
    }
}

struct RoundLine {
    id: i64,
    title: String,
    plan_title: String,
    period: String,
    due: String,
    lock: String,
    opened_by: String,
    demo: bool,
    counts: Counts,
}

struct MySlot {
    id: i64,
    round_title: String,
    task_path: String,
    task_title: String,
    role_zh: &'static str,
    state: String,
    state_zh: &'static str,
    light: &'static str,
    due: String,
    editable: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    my_slots: Vec<MySlot>,
    rounds: Vec<RoundLine>,
    can_open: bool,
}

fn period_label(code: &str) -> String {
    Period::parse(code)
        .map(|p| p.to_string())
        .unwrap_or_else(|_| code.to_string())
}

/// The rounds the caller may see.
pub async fn visible_rounds(state: &AppState, caller: &Caller) -> Result<Vec<Round>, AppError> {
    Ok(kesu_app::reporting::rounds(&access::ctx(state), &access::app_caller(caller, None)).await?)
}

/// Each round with the counts of the reports the caller may open in it.
async fn round_lines(
    state: &AppState,
    caller: &Caller,
    rounds: Vec<Round>,
) -> Result<Vec<RoundLine>, AppError> {
    let today = state.today();
    let mut out = Vec::with_capacity(rounds.len());
    for r in rounds {
        let slots = visible_slots(state, caller, &r).await?;
        out.push(RoundLine {
            counts: Counts::of(&slots, today, r.due_date),
            id: r.id,
            period: period_label(&r.period),
            due: r.due_date.to_string(),
            lock: r.lock_date.to_string(),
            title: r.title,
            plan_title: r.plan_title,
            opened_by: r.opened_by,
            demo: r.demo,
        });
    }
    Ok(out)
}

pub(super) async fn home(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let Some(caller) = caller else {
        return Ok(Redirect::to("/login").into_response());
    };
    let l = Layout::new(&state, &caller).await?.with_flash(q.msg);
    let today = state.today();
    let mut my_slots = Vec::new();
    let mut rounds = Vec::new();
    if let Some(unit) = caller.actor.unit_id {
        let all = reporting::rounds_of_unit(&state.db, unit).await?;
        let titles: BTreeMap<i64, &Round> = all.iter().map(|r| (r.id, r)).collect();
        for s in reporting::slots_of_unit(&state.db, unit, None).await? {
            let Some(r) = titles.get(&s.round_id) else {
                continue;
            };
            let st = s.state();
            my_slots.push(MySlot {
                id: s.id,
                round_title: r.title.clone(),
                role_zh: role_zh(&s.role),
                state_zh: st.zh(),
                light: light_class(report::light(st, s.submitted_on(), today, r.due_date)),
                due: r.due_date.to_string(),
                editable: st.editable(),
                state: s.state,
                task_path: s.task_path,
                task_title: s.task_title,
            });
        }
    }
    if caller.actor.role != Role::Reporter {
        rounds = round_lines(&state, &caller, visible_rounds(&state, &caller).await?).await?;
    }
    render(&HomePage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        my_slots,
        rounds,
        can_open: caller.actor.role == Role::Admin,
    })
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
}

pub(super) async fn rounds(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let l = Layout::new(&state, &caller).await?.with_flash(q.msg);
    let rounds = round_lines(&state, &caller, visible_rounds(&state, &caller).await?).await?;
    let plans = if caller.actor.role == Role::Admin {
        plans::plans_in_scope(&state, &caller)
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
        csrf: caller.csrf,
        rounds,
        plans,
    })
}

#[derive(Deserialize)]
pub(super) struct OpenRoundForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    plan_id: i64,
    period: String,
    due: String,
    lock: String,
}

/// Open a round for a plan in the caller's scope (admin). Shared by the page and the API.
pub async fn do_open_round(
    state: &AppState,
    caller: &Caller,
    plan_id: i64,
    period: &str,
    due: &str,
    lock: &str,
    ip: Option<String>,
) -> Result<i64, AppError> {
    let r = kesu_app::rounds::OpenRound {
        plan_id,
        period: period.to_string(),
        due: due.to_string(),
        lock: lock.to_string(),
    };
    let c = access::app_caller(caller, ip);
    Ok(kesu_app::rounds::open(&access::ctx(state), &c, &r)
        .await?
        .id)
}

pub(super) async fn open_round(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Form(f): Form<OpenRoundForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let ip = ip.clone();
    let id = do_open_round(&state, &caller, f.plan_id, &f.period, &f.due, &f.lock, ip).await?;
    Ok(redirect_with(
        &format!("/rounds/{id}"),
        "填报轮次已开启，相关单位已收到通知",
    ))
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
    counts: Counts,
    total: usize,
    tree: Vec<TreeGroup>,
    rows: Vec<MatrixRow>,
    filter: MatrixFilter,
    states: Vec<(&'static str, &'static str)>,
    can_review: bool,
    has_unit: bool,
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
    let r = access::round(&state, &caller, id).await?;
    let l = Layout::new(&state, &caller)
        .await?
        .with_flash(q.msg.clone());
    let today = state.today();
    let slots = visible_slots(&state, &caller, &r).await?;
    let counts = Counts::of(&slots, today, r.due_date);
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
        if report::is_late(s.state(), s.submitted_on(), today, r.due_date) {
            u.late += 1;
        }
    }
    let names = plans::region_names(&state, groups.keys().cloned().collect()).await?;
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
        let late = report::is_late(st, s.submitted_on(), today, r.due_date);
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
    let can_review = access::reviews(&caller, &r.region_code)?;
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
        can_review,
        has_unit: caller.actor.unit_id.is_some() && caller.actor.role == Role::Reporter,
    })
}

pub(super) async fn late_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> PageResult {
    let r = access::round(&state, &caller, id).await?;
    if !access::reviews(&caller, &r.region_code)? {
        return Err(AppError::Forbidden.into());
    }
    let today = state.today();
    let late: Vec<Slot> = visible_slots(&state, &caller, &r)
        .await?
        .into_iter()
        .filter(|s| report::is_late(s.state(), s.submitted_on(), today, r.due_date))
        .collect();
    let bytes = sheets::late_list(&r, &late, today)?;
    Ok(xlsx_response(bytes, &format!("催报名单-{}.xlsx", r.title)))
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
