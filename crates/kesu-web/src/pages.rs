//! The HTML pages. Every handler: caller → scope check (via [`crate::access`]) → one store call
//! → template. Forms carry the session's `_csrf` token, checked by [`check_csrf`].

use crate::auth::{self, Caller, ClientIp, MaybeCaller};
use crate::error::{AppError, PageError};
use crate::{AppState, access, files, sheets};
use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kesu_core::authz::{Action, Role};
use kesu_core::report::{self, Light, Period, ReportState, Transition};
use kesu_store::reporting::{self, ReportChange, Round, Slot};
use serde::Deserialize;
use std::collections::BTreeMap;

type PageResult = Result<Response, PageError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route(
            "/account/password",
            get(password_page).post(change_password),
        )
        .route("/plans", get(plans::list))
        .route("/survey", get(survey::list))
        .route("/survey/{id}", get(survey::show))
        .route("/plans/{id}", get(plans::show))
        .route("/rounds", get(rounds).post(open_round))
        .route("/rounds/{id}", get(round))
        .route("/rounds/{id}/late.xlsx", get(late_xlsx))
        .route("/rounds/{id}/template.xlsx", get(template_xlsx))
        .route("/rounds/{id}/upload", post(upload_template))
        .route("/reports/{id}", get(report_page).post(save_report))
        .route("/reports/{id}/review", post(review_report))
        .route("/reports/{id}/exception", post(grant_exception))
        .route("/reports/{id}/attachments", post(upload_attachment))
        .route("/attachments/{id}", get(download_attachment))
        .route("/notifications", get(notifications))
        .route("/notifications/read", post(mark_read))
        .route("/audit", get(audit))
        .route("/audit.xlsx", get(audit_xlsx))
        .merge(dashboard::routes())
}

pub mod dashboard;
pub mod plans;
pub mod survey;

/// The top bar's data about the signed-in user.
pub struct UserBar {
    pub display_name: String,
    pub role_zh: &'static str,
    pub unit_name: Option<String>,
    pub region_name: String,
    pub csrf: String,
    pub is_admin: bool,
    pub is_reporter: bool,
    pub unread: i64,
}

/// What every page's layout needs.
pub struct Layout {
    pub user: Option<UserBar>,
    pub demo: bool,
    pub flash: Option<String>,
}

impl Layout {
    pub async fn new(state: &AppState, caller: &Caller) -> Result<Self, AppError> {
        let unread = reporting::unread_count(&state.db, caller.actor.user_id).await?;
        Ok(Layout {
            user: Some(UserBar {
                display_name: caller.display_name.clone(),
                role_zh: caller.actor.role.zh(),
                unit_name: caller.unit_name.clone(),
                region_name: caller.region_name.clone(),
                csrf: caller.csrf.clone(),
                is_admin: caller.actor.role == Role::Admin,
                is_reporter: caller.actor.role == Role::Reporter,
                unread,
            }),
            demo: state.demo,
            flash: None,
        })
    }

    fn with_flash(mut self, flash: Option<String>) -> Self {
        self.flash = flash.filter(|f| !f.is_empty());
        self
    }
}

pub fn render(t: &impl Template) -> PageResult {
    let html = t
        .render()
        .map_err(|e| AppError::Internal(format!("template: {e}")))?;
    Ok(Html(html).into_response())
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub message: String,
}

/// Refuse a form whose `_csrf` token is not this session's.
pub fn check_csrf(caller: &Caller, token: &str) -> Result<(), AppError> {
    if !token.is_empty() && constant_time_eq(token.as_bytes(), caller.csrf.as_bytes()) {
        Ok(())
    } else {
        Err(AppError::Csrf)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The audit actor for a signed-in user's change.
pub fn audit_actor(caller: &Caller, ip: Option<String>) -> kesu_store::Actor {
    let mut a = kesu_store::Actor::new(caller.actor.username.clone());
    a.ip = ip;
    a
}

#[derive(Deserialize, Default)]
pub struct FlashQuery {
    #[serde(default)]
    msg: Option<String>,
}

fn redirect_with(path: &str, msg: &str) -> Response {
    let mut url = String::from(path);
    url.push_str(if path.contains('?') { "&msg=" } else { "?msg=" });
    url.push_str(&percent_encode(msg));
    Redirect::to(&url).into_response()
}

/// Percent-encode for a query value (everything but unreserved ASCII).
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

// ---------------------------------------------------------------- login

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    error: Option<String>,
    username: String,
}

async fn login_page(State(state): State<AppState>, MaybeCaller(c): MaybeCaller) -> PageResult {
    if c.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    render(&LoginPage {
        user: None,
        demo: state.demo,
        flash: None,
        error: None,
        username: String::new(),
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
}

/// Check the credentials, keep the login log and the lockout, and start a session. Shared by
/// the page and the API. Returns the Set-Cookie value.
pub async fn do_login(
    state: &AppState,
    username: &str,
    password: &str,
    ip: Option<String>,
) -> Result<String, AppError> {
    use kesu_store::accounts::{self, LoginOutcome};
    let lockout = time::Duration::minutes(auth::LOCKOUT_MINUTES);
    let user = accounts::user_by_name(&state.db, username.trim()).await?;
    let Some(user) = user.filter(|u| u.active) else {
        // Spend the same time as a real check, so timing does not reveal which names exist.
        let _ = auth::verify_password_blocking(password.to_string(), DUMMY_HASH.to_string()).await;
        accounts::record_login(
            &state.db,
            username,
            None,
            LoginOutcome::UnknownUser,
            ip.as_deref(),
            auth::MAX_FAILED_LOGINS,
            lockout,
        )
        .await?;
        return Err(AppError::BadCredentials);
    };
    let now = state.now();
    if let Some(until) = user.locked_until.filter(|t| *t > now) {
        accounts::record_login(
            &state.db,
            username,
            Some(user.id),
            LoginOutcome::LockedOut,
            ip.as_deref(),
            auth::MAX_FAILED_LOGINS,
            lockout,
        )
        .await?;
        let minutes = ((until - now).whole_seconds() + 59) / 60;
        return Err(AppError::LockedOut(minutes.max(1)));
    }
    let ok = auth::verify_password_blocking(password.to_string(), user.password_hash.clone()).await;
    let outcome = if ok {
        LoginOutcome::Ok
    } else {
        LoginOutcome::BadPassword
    };
    let locked = accounts::record_login(
        &state.db,
        username,
        Some(user.id),
        outcome,
        ip.as_deref(),
        auth::MAX_FAILED_LOGINS,
        lockout,
    )
    .await?;
    if !ok {
        return Err(match locked {
            Some(_) => AppError::LockedOut(auth::LOCKOUT_MINUTES),
            None => AppError::BadCredentials,
        });
    }
    let token = auth::new_token()?;
    let csrf = auth::new_token()?;
    accounts::create_session(
        &state.db,
        user.id,
        &auth::token_hash(&token),
        &csrf,
        ip.as_deref(),
        time::Duration::hours(auth::SESSION_HOURS),
    )
    .await?;
    Ok(auth::session_cookie(&token, state.secure_cookies))
}

/// An argon2id hash of a random string, to verify against when the user does not exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Qx3cN1eJz8Gm0Qd6o2q0m6k3Gd3mUq2c6pZ4l2y5p1E";

async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Form(f): Form<LoginForm>,
) -> PageResult {
    match do_login(&state, &f.username, &f.password, ip.clone()).await {
        Ok(cookie) => Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()),
        Err(e @ (AppError::BadCredentials | AppError::LockedOut(_))) => {
            let status = e.status();
            let page = LoginPage {
                user: None,
                demo: state.demo,
                flash: None,
                error: Some(e.to_string()),
                username: f.username,
            };
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let by = audit_actor(&caller, ip.clone());
    kesu_store::accounts::end_session(&state.db, caller.session_id, &by).await?;
    Ok((
        [(header::SET_COOKIE, auth::clear_cookie())],
        Redirect::to("/login"),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    error: Option<String>,
}

async fn password_page(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let l = Layout::new(&state, &caller).await?.with_flash(q.msg);
    render(&PasswordPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf,
        error: None,
    })
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    current: String,
    new: String,
    confirm: String,
}

async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Form(f): Form<PasswordForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let user = kesu_store::accounts::user(&state.db, caller.actor.user_id).await?;
    let problem = if !auth::verify_password_blocking(f.current.clone(), user.password_hash).await {
        Some("当前密码不正确")
    } else if f.new.chars().count() < 8 {
        Some("新密码至少 8 位")
    } else if f.new != f.confirm {
        Some("两次输入的新密码不一致")
    } else {
        None
    };
    if let Some(p) = problem {
        let l = Layout::new(&state, &caller).await?;
        let page = PasswordPage {
            user: l.user,
            demo: l.demo,
            flash: None,
            csrf: caller.csrf.clone(),
            error: Some(p.to_string()),
        };
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let hash = auth::hash_password_blocking(f.new).await?;
    let by = audit_actor(&caller, ip.clone());
    kesu_store::accounts::set_password(
        &state.db,
        caller.actor.user_id,
        &hash,
        Some(caller.session_id),
        &by,
    )
    .await?;
    Ok(redirect_with("/account/password", "密码已修改"))
}

// ---------------------------------------------------------------- home and rounds

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

pub fn light_class(l: Light) -> &'static str {
    match l {
        Light::Green => "green",
        Light::Yellow => "yellow",
        Light::Red => "red",
    }
}

pub fn role_zh(role: &str) -> &'static str {
    match role {
        "lead" => "牵头单位",
        "cooperating" => "配合单位",
        _ => "责任单位",
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

/// The rounds the caller may see, each with its counts.
pub async fn visible_rounds(state: &AppState, caller: &Caller) -> Result<Vec<Round>, AppError> {
    Ok(match (caller.actor.role, caller.actor.unit_id) {
        (Role::Reporter, Some(u)) => reporting::rounds_of_unit(&state.db, u).await?,
        (Role::Reporter, None) => Vec::new(),
        _ => reporting::rounds_in(&state.db, caller.actor.region.as_str()).await?,
    })
}

async fn round_lines(state: &AppState, rounds: Vec<Round>) -> Result<Vec<RoundLine>, AppError> {
    let today = state.today();
    let mut out = Vec::with_capacity(rounds.len());
    for r in rounds {
        let slots = reporting::slots(&state.db, r.id).await?;
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

async fn home(
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
        rounds = round_lines(&state, visible_rounds(&state, &caller).await?).await?;
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

async fn rounds(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let l = Layout::new(&state, &caller).await?.with_flash(q.msg);
    let rounds = round_lines(&state, visible_rounds(&state, &caller).await?).await?;
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
struct OpenRoundForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    plan_id: i64,
    period: String,
    due: String,
    lock: String,
}

/// Parse a form date (`2025-04-15`).
pub fn parse_date(s: &str, field: &str) -> Result<time::Date, AppError> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s.trim(), &fmt).map_err(|_| {
        AppError::Invalid(format!(
            "{field}“{s}”不是有效日期，应为 2025-04-15 (bad date)"
        ))
    })
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
    let plan = plans::plan_in_scope(state, caller, plan_id).await?;
    if !access::administers(caller, &plan.region_code)? {
        return Err(AppError::Forbidden);
    }
    let period = Period::parse(period).map_err(|e| AppError::Invalid(e.to_string()))?;
    let new = reporting::NewRound {
        plan_id,
        period,
        due: parse_date(due, "截止日期")?,
        lock: parse_date(lock, "锁定日期")?,
        demo: false,
    };
    Ok(reporting::open_round(&state.db, &new, &audit_actor(caller, ip)).await?)
}

async fn open_round(
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
struct MatrixQuery {
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

/// The slots of a round the caller may see: all of them for the office roles, the own unit's
/// (and, for a lead unit, its cooperating units' on the same tasks) for a reporter.
pub async fn visible_slots(
    state: &AppState,
    caller: &Caller,
    round: &Round,
) -> Result<Vec<Slot>, AppError> {
    let all = reporting::slots(&state.db, round.id).await?;
    if caller.actor.role != Role::Reporter {
        return Ok(all);
    }
    let Some(unit) = caller.actor.unit_id else {
        return Ok(Vec::new());
    };
    let led: Vec<i64> = all
        .iter()
        .filter(|s| s.unit_id == unit && s.role == "lead")
        .map(|s| s.task_id)
        .collect();
    Ok(all
        .into_iter()
        .filter(|s| s.unit_id == unit || led.contains(&s.task_id))
        .collect())
}

async fn round(
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

fn xlsx_response(bytes: Vec<u8>, file_name: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"export.xlsx\"; filename*=UTF-8''{}",
                    percent_encode(file_name)
                ),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn late_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> PageResult {
    let r = access::round(&state, &caller, id).await?;
    if !access::reviews(&caller, &r.region_code)? {
        return Err(AppError::Forbidden.into());
    }
    let today = state.today();
    let late: Vec<Slot> = reporting::slots(&state.db, id)
        .await?
        .into_iter()
        .filter(|s| report::is_late(s.state(), s.submitted_on(), today, r.due_date))
        .collect();
    let bytes = sheets::late_list(&r, &late, today)?;
    Ok(xlsx_response(bytes, &format!("催报名单-{}.xlsx", r.title)))
}

async fn template_xlsx(
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

async fn upload_template(
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
    let outcome = sheets::apply_upload(&state, &caller, &r, &file.bytes, dry_run, &by).await?;
    Ok(redirect_with(&format!("/rounds/{id}"), &outcome))
}

// ---------------------------------------------------------------- reports

struct SiblingView {
    unit_name: String,
    role_zh: &'static str,
    state: String,
    state_zh: &'static str,
    content: Option<String>,
}

struct ValueView {
    target_id: i64,
    text: String,
    unit: Option<String>,
    value_text: String,
}

struct AttachmentView {
    id: i64,
    file_name: String,
    size_text: String,
    uploaded_by: String,
    at: String,
}

struct EventView {
    at: String,
    actor: String,
    action_zh: &'static str,
    from_zh: &'static str,
    to_zh: &'static str,
    reason: Option<String>,
    /// 原因 for a return or unlock; 审核意见 for the comment a reviewer gives with an acceptance.
    reason_label: &'static str,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    slot: Slot,
    round_title: String,
    role_zh: &'static str,
    state_zh: &'static str,
    light: &'static str,
    late: bool,
    return_reason: Option<String>,
    content: String,
    values: Vec<ValueView>,
    siblings: Vec<SiblingView>,
    attachments: Vec<AttachmentView>,
    history: Vec<EventView>,
    can_edit: bool,
    can_review: bool,
    can_admin: bool,
}

/// Local time for people: 2025-04-15 09:30.
pub fn local_time(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(reporting::CHINA);
    format!(
        "{}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

fn state_zh(s: &str) -> &'static str {
    ReportState::parse(s).map(|s| s.zh()).unwrap_or("?")
}

fn action_zh(a: &str) -> &'static str {
    match a {
        "save" => "保存",
        "submit" => "提交",
        "return" => "退回",
        "accept" => "通过",
        "unlock" => "解锁",
        _ => "修改",
    }
}

pub fn size_text(n: i64) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MB", n as f64 / 1048576.0)
    } else {
        format!("{:.0} KB", (n as f64 / 1024.0).ceil())
    }
}

async fn report_page(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let slot = access::report(&state, &caller, id, Action::Read).await?;
    let r = reporting::round(&state.db, slot.round_id).await?;
    let l = Layout::new(&state, &caller).await?.with_flash(q.msg);
    let today = state.today();
    let st = slot.state();
    let (content, return_reason) = reporting::content(&state.db, id).await?;
    let values = reporting::values(&state.db, id)
        .await?
        .into_iter()
        .map(|v| ValueView {
            target_id: v.target_id,
            text: v.text,
            unit: v.unit,
            value_text: v.value.map(kesu_core::plan::fmt_num).unwrap_or_default(),
        })
        .collect();
    let mut siblings = Vec::new();
    for s in reporting::sibling_slots(&state.db, &slot).await? {
        let (c, _) = reporting::content(&state.db, s.id).await?;
        siblings.push(SiblingView {
            role_zh: role_zh(&s.role),
            state_zh: state_zh(&s.state),
            content: (s.state().handed_in() && !c.is_empty()).then_some(c),
            unit_name: s.unit_name,
            state: s.state,
        });
    }
    let attachments = reporting::attachments(&state.db, id)
        .await?
        .into_iter()
        .map(|a| AttachmentView {
            id: a.id,
            size_text: size_text(a.size),
            at: local_time(a.at),
            file_name: a.file_name,
            uploaded_by: a.uploaded_by,
        })
        .collect();
    let history = reporting::history(&state.db, id)
        .await?
        .into_iter()
        .map(|e| EventView {
            at: local_time(e.at),
            action_zh: action_zh(&e.action),
            from_zh: state_zh(&e.from_state),
            to_zh: state_zh(&e.to_state),
            reason_label: if e.action == "accept" {
                "审核意见"
            } else {
                "原因"
            },
            actor: e.actor,
            reason: e.reason,
        })
        .collect();
    let own = caller.actor.unit_id == Some(slot.unit_id) || caller.actor.role == Role::Admin;
    let can_edit = own
        && matches!(caller.actor.role, Role::Reporter | Role::Admin)
        && st.editable()
        && (today <= r.lock_date || slot.exception);
    let can_review = st == ReportState::Submitted && access::reviews(&caller, &slot.region_code)?;
    let can_admin = access::administers(&caller, &slot.region_code)?;
    render(&ReportPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf.clone(),
        round_title: r.title.clone(),
        role_zh: role_zh(&slot.role),
        state_zh: st.zh(),
        light: light_class(report::light(st, slot.submitted_on(), today, r.due_date)),
        late: report::is_late(st, slot.submitted_on(), today, r.due_date),
        return_reason,
        content,
        values,
        siblings,
        attachments,
        history,
        can_edit,
        can_review,
        can_admin,
        slot,
    })
}

/// Apply a transition on behalf of the caller after the scope check. Shared by pages and API.
pub async fn do_transition(
    state: &AppState,
    caller: &Caller,
    id: i64,
    t: Transition,
    change: ReportChange,
    ip: Option<String>,
) -> Result<i64, AppError> {
    let action = match t {
        Transition::Save | Transition::Submit => Action::Report,
        Transition::Return | Transition::Accept => Action::Review,
        Transition::Unlock => Action::Administer,
    };
    access::report(state, caller, id, action).await?;
    let by = audit_actor(caller, ip);
    Ok(reporting::change(&state.db, id, t, &change, state.now(), &by).await?)
}

/// Read the `value_<target id>` fields of a report form.
fn form_values(fields: &BTreeMap<String, String>) -> Result<Vec<(i64, Option<f64>)>, AppError> {
    let mut out = Vec::new();
    for (k, v) in fields {
        let Some(id) = k.strip_prefix("value_") else {
            continue;
        };
        let id: i64 = id
            .parse()
            .map_err(|_| AppError::BadRequest(format!("字段“{k}”无效")))?;
        let v = v.trim().replace([',', '，'], "");
        let value = if v.is_empty() {
            None
        } else {
            Some(
                v.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| {
                        AppError::Invalid(format!("“{v}”不是数字，请填写数值 (not a number)"))
                    })?,
            )
        };
        out.push((id, value));
    }
    Ok(out)
}

fn field<'a>(fields: &'a BTreeMap<String, String>, k: &str) -> &'a str {
    fields.get(k).map(String::as_str).unwrap_or("")
}

fn version_field(fields: &BTreeMap<String, String>) -> Result<i64, AppError> {
    field(fields, "version")
        .parse()
        .map_err(|_| AppError::BadRequest("缺少版本号 (no version)".into()))
}

async fn save_report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    Form(fields): Form<BTreeMap<String, String>>,
) -> PageResult {
    check_csrf(&caller, field(&fields, "_csrf"))?;
    let t = if field(&fields, "action") == "submit" {
        Transition::Submit
    } else {
        Transition::Save
    };
    let change = ReportChange {
        expected_version: version_field(&fields)?,
        content: Some(field(&fields, "content").to_string()),
        values: form_values(&fields)?,
        reason: None,
    };
    do_transition(&state, &caller, id, t, change, ip.clone()).await?;
    let msg = if t == Transition::Submit {
        "已提交"
    } else {
        "已保存草稿"
    };
    Ok(redirect_with(&format!("/reports/{id}"), msg))
}

async fn review_report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    Form(fields): Form<BTreeMap<String, String>>,
) -> PageResult {
    check_csrf(&caller, field(&fields, "_csrf"))?;
    let t = match field(&fields, "action") {
        "return" => Transition::Return,
        "accept" => Transition::Accept,
        "unlock" => Transition::Unlock,
        other => return Err(AppError::BadRequest(format!("未知操作“{other}”")).into()),
    };
    let reason = Some(field(&fields, "reason").to_string()).filter(|r| !r.trim().is_empty());
    let change = ReportChange {
        expected_version: version_field(&fields)?,
        reason,
        ..Default::default()
    };
    do_transition(&state, &caller, id, t, change, ip.clone()).await?;
    let msg = match t {
        Transition::Accept => "已通过",
        Transition::Unlock => "已解锁",
        _ => "已退回",
    };
    Ok(redirect_with(&format!("/reports/{id}"), msg))
}

async fn grant_exception(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    access::report(&state, &caller, id, Action::Administer).await?;
    let by = audit_actor(&caller, ip.clone());
    reporting::grant_exception(&state.db, id, &by).await?;
    Ok(redirect_with(
        &format!("/reports/{id}"),
        "已准许该单位在锁定后补报",
    ))
}

/// Store an uploaded evidence file for a report the caller may write. Shared by page and API.
pub async fn do_attach(
    state: &AppState,
    caller: &Caller,
    id: i64,
    file: files::Upload,
    ip: Option<String>,
) -> Result<i64, AppError> {
    access::report(state, caller, id, Action::Report).await?;
    let stored = files::store(&state.files_dir, &file).await?;
    let by = audit_actor(caller, ip);
    let size = i64::try_from(file.bytes.len()).unwrap_or(i64::MAX);
    Ok(reporting::add_attachment(
        &state.db,
        id,
        &stored.sha256,
        &file.name,
        stored.mime,
        size,
        &by,
    )
    .await?)
}

async fn upload_attachment(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> PageResult {
    let form = files::read_form(multipart).await?;
    check_csrf(&caller, form.field("_csrf"))?;
    let Some(file) = form.file else {
        return Err(AppError::Invalid("请选择要上传的文件 (no file)".into()).into());
    };
    do_attach(&state, &caller, id, file, ip.clone()).await?;
    Ok(redirect_with(&format!("/reports/{id}"), "附件已上传"))
}

async fn download_attachment(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> PageResult {
    let a = match reporting::attachment(&state.db, id).await {
        Ok(a) => a,
        Err(kesu_store::StoreError::NotFound { .. }) => return Err(AppError::NotFound.into()),
        Err(e) => return Err(e.into()),
    };
    access::report(&state, &caller, a.report_id, Action::Read).await?;
    let bytes = files::load(&state.files_dir, &a.sha256).await?;
    Ok((
        [
            (header::CONTENT_TYPE, a.mime.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"file\"; filename*=UTF-8''{}",
                    percent_encode(&a.file_name)
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

// ---------------------------------------------------------------- notifications, audit

struct NoteView {
    at: String,
    message: String,
    link: Option<String>,
    read: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    items: Vec<NoteView>,
}

async fn notifications(State(state): State<AppState>, caller: Caller) -> PageResult {
    // Reminders are made when someone looks, rather than by a background job.
    reporting::remind_due_soon(&state.db, state.today(), report::WARN_DAYS).await?;
    let l = Layout::new(&state, &caller).await?;
    let items = reporting::notifications(&state.db, caller.actor.user_id, 200)
        .await?
        .into_iter()
        .map(|n| NoteView {
            at: local_time(n.at),
            message: n.message,
            link: n.link,
            read: n.read_at.is_some(),
        })
        .collect();
    render(&NotificationsPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf,
        items,
    })
}

async fn mark_read(
    State(state): State<AppState>,
    caller: Caller,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    reporting::mark_read(&state.db, caller.actor.user_id).await?;
    Ok(Redirect::to("/notifications").into_response())
}

#[derive(Deserialize, Default, Clone)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub object: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl AuditQuery {
    pub fn to_filter(&self, region: &str) -> Result<kesu_store::audit::Filter, AppError> {
        let nonempty = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
        let date = |s: &Option<String>, f: &str| nonempty(s).map(|v| parse_date(&v, f)).transpose();
        Ok(kesu_store::audit::Filter {
            region: Some(region.to_string()),
            actor: nonempty(&self.actor),
            action: nonempty(&self.action),
            object: nonempty(&self.object),
            from: date(&self.from, "起始日期")?,
            to: date(&self.to, "截止日期")?,
        })
    }

    fn query_string(&self) -> String {
        let parts = [
            ("actor", &self.actor),
            ("action", &self.action),
            ("object", &self.object),
            ("from", &self.from),
            ("to", &self.to),
        ];
        parts
            .iter()
            .filter_map(|(k, v)| {
                v.as_ref()
                    .filter(|v| !v.is_empty())
                    .map(|v| format!("{k}={}", percent_encode(v)))
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}

struct AuditView {
    at: String,
    actor: String,
    action: String,
    object: String,
    before: String,
    after: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    filter: AuditQuery,
    query: String,
    entries: Vec<AuditView>,
    logins: Vec<LoginView>,
}

struct LoginView {
    at: String,
    username: String,
    ip: String,
    outcome: &'static str,
}

fn outcome_zh(o: &str) -> &'static str {
    match o {
        "ok" => "成功",
        "bad_password" => "密码错误",
        "locked_out" => "账户锁定中",
        _ => "用户名不存在",
    }
}

fn json_text(v: &Option<serde_json::Value>) -> String {
    v.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    if caller.actor.role != Role::Admin {
        return Err(AppError::Forbidden.into());
    }
    let l = Layout::new(&state, &caller).await?;
    let entries =
        kesu_store::audit::search(&state.db, &q.to_filter(caller.actor.region.as_str())?, 500)
            .await?
            .into_iter()
            .map(|e| AuditView {
                at: local_time(e.at),
                before: json_text(&e.before),
                after: json_text(&e.after),
                actor: e.actor,
                action: e.action,
                object: e.object,
            })
            .collect();
    let logins = kesu_store::accounts::login_log_in(&state.db, caller.actor.region.as_str(), 100)
        .await?
        .into_iter()
        .map(|e| LoginView {
            at: local_time(e.at),
            outcome: outcome_zh(&e.outcome),
            ip: e.ip.unwrap_or_default(),
            username: e.username,
        })
        .collect();
    render(&AuditPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        query: q.query_string(),
        filter: q,
        entries,
        logins,
    })
}

async fn audit_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    if caller.actor.role != Role::Admin {
        return Err(AppError::Forbidden.into());
    }
    let entries = kesu_store::audit::search(
        &state.db,
        &q.to_filter(caller.actor.region.as_str())?,
        100_000,
    )
    .await?;
    Ok(xlsx_response(sheets::audit(&entries)?, "审计日志.xlsx"))
}
