//! The HTML pages. Every handler: caller → scope check (via [`crate::access`]) → one store call
//! → template. Forms carry the session's `_csrf` token, checked by [`check_csrf`].

use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, PageError};
use crate::routes::Routes;
use askama::Template;
use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kesu_core::authz::Role;
use kesu_core::report::Light;
use kesu_store::reporting;
use serde::Deserialize;

type PageResult = Result<Response, PageError>;

pub fn routes() -> Router<AppState> {
    listed().into()
}

/// The page routes with their paths ([`crate::routes::all`]).
pub fn listed() -> Routes<AppState> {
    Routes::new()
        .route("/", get(home::home))
        .route("/review", get(home::review_queue))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route(
            "/account/password",
            get(session::password_page).post(session::change_password),
        )
        .route("/plans", get(plans::list))
        .route("/survey", get(survey::list))
        .route("/survey/{id}", get(survey::show))
        .route("/plans/{id}", get(plans::show))
        .route("/rounds", get(rounds::rounds).post(rounds::open_round))
        .route("/rounds/{id}", get(rounds::round))
        .route("/rounds/{id}/dates", post(rounds::set_dates))
        .route("/rounds/{id}/close", post(rounds::close))
        .route("/rounds/{id}/chase", get(chase::chase_page))
        .route("/rounds/{id}/late.xlsx", get(chase::chase_xlsx))
        .route("/units/{id}/contact", post(chase::set_contact))
        .route("/rounds/{id}/template.xlsx", get(rounds::template_xlsx))
        .route("/rounds/{id}/upload", post(rounds::upload_template))
        .route(
            "/reports/{id}",
            get(reports::report_page).post(reports::save_report),
        )
        .route("/reports/{id}/review", post(reports::review_report))
        .route("/reports/{id}/exception", post(reports::grant_exception))
        .route(
            "/reports/{id}/attachments",
            post(reports::upload_attachment),
        )
        .route("/attachments/{id}", get(reports::download_attachment))
        .route("/attachments/{id}/delete", post(reports::remove_attachment))
        .route("/notifications", get(notifications::notifications))
        .route("/notifications/read", post(notifications::mark_read))
        .route("/audit", get(audit::audit))
        .route("/audit.xlsx", get(audit::audit_xlsx))
        .merge(dashboard::routes())
        .merge(citizens::routes())
        .merge(plan_drafts::routes())
        .merge(services::routes())
        .fallback(errors::not_found)
}

pub mod citizens;
pub mod dashboard;
pub mod errors;
pub mod plan_drafts;
pub mod plans;
pub mod services;
pub mod survey;

mod audit;
mod chase;
mod home;
mod notifications;
mod reports;
mod rounds;
mod session;
mod summary;

pub use audit::AuditQuery;
pub use errors::{ErrorInfo, ErrorPage};
pub use reports::{do_attach, do_transition, parse_version, size_text};
pub use rounds::{Counts, do_open_round, visible_rounds, visible_slots};
pub use session::{LoginForm, do_login};

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
    a.request_id = crate::observe::request_id();
    a
}

#[derive(Deserialize, Default)]
pub struct FlashQuery {
    #[serde(default)]
    msg: Option<String>,
}

fn redirect_with(path: &str, msg: &str) -> Response {
    // The message goes in the query, before any `#anchor` (after it, the browser would keep
    // it to itself and the flash would never show).
    let (path, anchor) = path.split_at(path.find('#').unwrap_or(path.len()));
    let mut url = String::from(path);
    url.push_str(if path.contains('?') { "&msg=" } else { "?msg=" });
    url.push_str(&percent_encode(msg));
    url.push_str(anchor);
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

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
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

pub fn role_zh(role: &str) -> &'static str {
    match role {
        "lead" => "牵头单位",
        "cooperating" => "配合单位",
        _ => "责任单位",
    }
}

pub fn light_class(l: Light) -> &'static str {
    match l {
        Light::Green => "green",
        Light::Yellow => "yellow",
        Light::Red => "red",
    }
}

fn xlsx_response(bytes: Vec<u8>, file_name: &str) -> Response {
    file_response(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        file_name,
        "export.xlsx",
        false,
    )
}

/// A file under its Chinese name (`filename*`), with an ASCII `fallback` name for clients that
/// do not read it; `inline` opens it in the browser (a page to print) instead of saving it.
fn file_response(
    body: impl Into<axum::body::Body>,
    content_type: &str,
    file_name: &str,
    fallback: &str,
    inline: bool,
) -> Response {
    let disposition = format!(
        "{}; filename=\"{fallback}\"; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        percent_encode(file_name)
    );
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body.into(),
    )
        .into_response()
}
