//! Every route of the router with who may reach it, written out again from the rules (not read
//! from the code): the specification the authorisation matrix checks the server against, and
//! the parameters the content-leak test fills in. A route the router has and this table does
//! not fails both tests: a new route needs a line here saying what it is about and who may
//! reach it. The table is split by area into the modules of `routes/`.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "shared by several test binaries; a failed set-up fails the test"
)]

use super::objects::{Instance, Scope};
use super::scope::Scoped;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use kesu_core::authz::Role;
use std::collections::BTreeSet;
use std::sync::LazyLock;
use tower::ServiceExt;

/// What a route's path (or form) names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Obj {
    None,
    Plan,
    /// A plan named in the request body (`plan_id`), not the path.
    PlanInBody,
    Round,
    Task,
    Report,
    Attachment,
    Unit,
    Region,
    Wave,
    Snapshot,
    /// A plan and one of its targets (`/dashboard/plans/{id}/indicators/{target}`).
    Target,
    /// A region's assessment of a child region (`{code}`, `{child}`).
    AssessedRegion,
    /// A region's assessment of a unit of its plan (`{code}`, `{unit}`).
    AssessedUnit,
    /// An object of the services for citizens (`tests/common/services.rs`).
    Service(super::services::Kind),
    /// A plan draft (`tests/common/drafts.rs`; `{index}`: its first task).
    Draft,
    /// A citizens' test (竞赛) of a county or the city.
    Test,
    /// A citizen's attempt, named by its token (`{token}`): the token is the key.
    Attempt,
    /// A ledger entry (台账条目).
    Entry,
    /// A move of a ledger entry between villages.
    Move,
    /// A question bank named in the form (`bank_id`).
    BankInBody,
    /// A village named in the form (`village`).
    VillageInBody,
    /// An account named in the form (`username`).
    AccountInBody,
    /// A person's data request (`action=export`, by ID number or phone in the form).
    PersonRequest,
}

/// What the route asks of the caller once the object is in scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Anyone, signed in or not.
    Public,
    /// Anyone; the answer depends on the body (sign-in).
    Any,
    /// Any account.
    SignedIn,
    /// Any account, ending its session (a page's answer is a redirect to the sign-in page).
    SignOut,
    /// Admins (of their own subtree's data).
    AdminRole,
    /// The office roles; a reporter is refused before any object is looked up (403).
    OfficeRole,
    /// Whoever may see the object.
    Read,
    /// A report's own unit, or an admin over it.
    WriteReport,
    /// Reviewers and admins over the object.
    Review,
    /// A report's review: reviewers and admins of the round's office (or above it); a county
    /// office reads its county's reports in a city round but does not review them.
    ReviewReport,
    /// A report's administration (unlock, exception): admins of the round's office.
    AdministerReport,
    /// A round's dates and closing: admins of the round's office (not a county office that
    /// follows a city round).
    AdministerRound,
    /// 县级初审通过: the county office, in a round that asks for it. No round of these tests
    /// does, so whoever sees the report is refused.
    CountyCheck,
    /// The office roles (not a reporter) on an object they see.
    OfficeRead,
    /// Admins over the object.
    Administer,
    /// A reporter (its own unit's reports in the object).
    ReporterOnly,
    /// Reviewers and admins of the assessing region.
    AssessReview,
    /// The assessed region's own admin or reviewer.
    AssessSelfRegion,
    /// The assessed unit's own reporter.
    AssessSelfUnit,
    /// Office admins over the object; a reporter is refused before any object is looked up.
    OfficeAdminister,
    /// Office accounts over the object holding the reveal permission (查看完整个人信息); a
    /// reporter is refused before any object is looked up.
    Reveal,
    /// Office accounts holding the reveal permission (the object is found through it).
    RevealHolder,
}

/// How the request carries its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    None,
    Form,
    Multipart,
    Json,
}

#[derive(Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub obj: Obj,
    pub need: Need,
    pub input: Input,
}

const fn r(method: &'static str, path: &'static str, obj: Obj, need: Need, input: Input) -> Route {
    Route {
        method,
        path,
        obj,
        need,
        input,
    }
}

use super::services::Kind as Svc;
use Input::{Form, Json, Multipart};
use Need::*;

mod api;
mod citizens;
mod dashboard;
mod drafts;
mod home;
mod reporting;
mod services;
mod services_api;

/// Every route, area by area (`routes/*.rs`, in this order). Writes send a stale version (-1) or
/// an invalid value after the checks, so that a caller who may write gets a conflict or a
/// refusal of the input (409/422), never a change that would alter what the next caller sees.
pub static ROUTES: LazyLock<Vec<Route>> = LazyLock::new(|| {
    [
        home::ROUTES,
        reporting::ROUTES,
        dashboard::ROUTES,
        citizens::ROUTES,
        api::ROUTES,
        services::ROUTES,
        services_api::ROUTES,
        drafts::ROUTES,
    ]
    .concat()
});

/// The routes the router really has, as (method, path): the paths from `kesu_web::routes::all`,
/// the methods from asking each path with a method no route has (405 lists the allowed ones).
pub async fn router_routes(state: &kesu_web::AppState) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for path in kesu_web::routes::all() {
        let uri = path
            .split('/')
            .map(|seg| if seg.starts_with('{') { "1" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        let req = Request::builder()
            .method(Method::from_bytes(b"PROBE").unwrap())
            .uri(if uri.is_empty() { "/".to_string() } else { uri })
            .body(Body::empty())
            .unwrap();
        let res = kesu_web::router(state.clone()).oneshot(req).await.unwrap();
        assert_eq!(
            res.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "probing {path} for its methods"
        );
        let allow = res.headers().get(header::ALLOW).unwrap().to_str().unwrap();
        for m in allow.split(',').map(str::trim) {
            if m != "HEAD" {
                out.insert((m.to_string(), path.clone()));
            }
        }
    }
    out
}

/// Who asks.
#[derive(Debug, Clone)]
pub struct Subject {
    pub name: String,
    pub role: Role,
    pub region: String,
    pub unit: Option<i64>,
    /// Holds the reveal permission of citizens' personal data.
    pub reveal: bool,
}

impl Subject {
    fn covers(&self, code: &str) -> bool {
        code.starts_with(self.region.as_str())
    }
    fn reporter(&self) -> bool {
        self.role == Role::Reporter
    }
    fn office(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Reviewer)
    }
}

/// The answer a caller should get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Served: a page, a file, a redirect after a write, or a refusal of the input itself
    /// (400, 409, 422) — anything but 401/403/404 and 5xx.
    Ok,
    Forbidden,
    NotFound,
    /// Not signed in: 401 (API) or a redirect to the sign-in page.
    SignIn,
    /// Anything below 500.
    Any,
    /// Signed out: 200 (API) or the redirect to the sign-in page.
    SignedOut,
}

/// What `s` (`None`: a stranger) should get from `route` on `o`, by the rules.
pub fn expect(s: Option<&Subject>, route: &Route, o: &Instance) -> Expect {
    match route.need {
        Need::Any => return Expect::Any,
        Need::Public if matches!(o.scope, Scope::Missing) => return Expect::NotFound,
        Need::Public => return Expect::Ok,
        _ => {}
    }
    let Some(s) = s else { return Expect::SignIn };
    let visible = match &o.scope {
        Scope::Nothing | Scope::Public => true,
        Scope::Missing => false,
        Scope::Owned { region, units } => {
            if s.reporter() {
                s.unit.is_some_and(|u| units.contains(&u))
            } else {
                s.covers(region)
            }
        }
        // A round: an office over its region or over one of its reports' units (本区填报情况).
        Scope::Round {
            region,
            units,
            unit_regions,
        } => {
            if s.reporter() {
                s.unit.is_some_and(|u| units.contains(&u))
            } else {
                s.covers(region) || unit_regions.iter().any(|r| s.covers(r))
            }
        }
        Scope::Report {
            region,
            unit,
            lead,
            leads,
            ..
        } => {
            if s.reporter() {
                s.unit == Some(*unit) || (!lead && s.unit.is_some_and(|u| leads.contains(&u)))
            } else {
                s.covers(region)
            }
        }
        Scope::Unit { region, id } => {
            if s.reporter() {
                s.unit == Some(*id)
            } else {
                s.covers(region)
            }
        }
        Scope::Region(code) => !s.reporter() && s.covers(code),
        // A county sees its own villagers' part of a city's test.
        Scope::Test(code) => !s.reporter() && (s.covers(code) || s.region.starts_with(code)),
        Scope::Move { from, to } => !s.reporter() && (s.covers(from) || s.covers(to)),
        Scope::AssessedRegion { child, .. } => !s.reporter() && s.covers(child),
        Scope::AssessedUnit { unit, region, .. } => {
            if s.reporter() {
                s.unit == Some(*unit)
            } else {
                s.covers(region)
            }
        }
    };
    let allowed = |ok: bool| {
        if !visible {
            Expect::NotFound
        } else if ok {
            Expect::Ok
        } else {
            Expect::Forbidden
        }
    };
    match route.need {
        Need::SignOut => Expect::SignedOut,
        Need::Public | Need::Any | Need::SignedIn => Expect::Ok,
        Need::AdminRole => {
            if s.role == Role::Admin {
                Expect::Ok
            } else {
                Expect::Forbidden
            }
        }
        Need::OfficeRole if s.reporter() => Expect::Forbidden,
        Need::OfficeRole | Need::Read => allowed(true),
        Need::WriteReport => {
            let own = match &o.scope {
                Scope::Report { unit, .. } => s.unit == Some(*unit),
                _ => false,
            };
            allowed((s.reporter() && own) || s.role == Role::Admin)
        }
        Need::Review => allowed(s.office()),
        Need::OfficeRead => allowed(!s.reporter()),
        Need::CountyCheck => allowed(false),
        Need::ReviewReport | Need::AdministerReport => {
            let round = match &o.scope {
                Scope::Report { round_region, .. } => round_region,
                _ => unreachable!("a report route"),
            };
            let role = if route.need == Need::ReviewReport {
                s.office()
            } else {
                s.role == Role::Admin
            };
            allowed(role && s.covers(round))
        }
        Need::AdministerRound => {
            let region = match &o.scope {
                Scope::Round { region, .. } => region,
                _ => unreachable!("a round route"),
            };
            allowed(s.role == Role::Admin && s.covers(region))
        }
        Need::Administer => allowed(s.role == Role::Admin),
        Need::ReporterOnly => allowed(s.reporter()),
        Need::AssessReview => {
            let code = match &o.scope {
                Scope::AssessedRegion { code, .. } | Scope::AssessedUnit { code, .. } => code,
                _ => unreachable!("an assessment route"),
            };
            allowed(s.office() && s.covers(code))
        }
        Need::AssessSelfRegion => {
            let child = match &o.scope {
                Scope::AssessedRegion { child, .. } => child,
                _ => unreachable!("a region's assessment"),
            };
            allowed(s.office() && &s.region == child)
        }
        Need::OfficeAdminister | Need::Reveal | Need::RevealHolder if s.reporter() => {
            Expect::Forbidden
        }
        Need::OfficeAdminister => allowed(s.role == Role::Admin),
        Need::Reveal | Need::RevealHolder => allowed(s.reveal),
        Need::AssessSelfUnit => {
            let unit = match &o.scope {
                Scope::AssessedUnit { unit, .. } => *unit,
                _ => unreachable!("a unit's assessment"),
            };
            allowed(s.reporter() && s.unit == Some(unit))
        }
    }
}

/// Whether a status is the expected answer.
pub fn answers(e: Expect, status: StatusCode, location: Option<&str>) -> bool {
    let to_login =
        status == StatusCode::SEE_OTHER && location.is_some_and(|l| l.starts_with("/login"));
    let s = status.as_u16();
    match e {
        Expect::Any => s < 500,
        Expect::SignedOut => s == 200 || to_login,
        Expect::SignIn => s == 401 || to_login,
        Expect::Forbidden => s == 403,
        Expect::NotFound => s == 404,
        Expect::Ok => s < 500 && !matches!(s, 401 | 403 | 404) && !to_login,
    }
}

/// The body a route's input needs, with a stale version and values refused after the checks.
pub fn body(route: &Route, csrf: &str, o: &Instance) -> (Option<String>, Vec<u8>) {
    let plan = o.plan_in_body.unwrap_or(0);
    match route.input {
        Input::None => (None, Vec::new()),
        Input::Form => {
            let mut fields: Vec<(&str, String)> = vec![
                ("_csrf", csrf.to_string()),
                ("version", "-1".into()),
                ("content", "x".into()),
                // Too short for a reason to reveal, not a reason to remove an entry.
                ("reason", "r".into()),
                ("action", "accept".into()),
                ("plan_id", plan.to_string()),
                ("period", "never".into()),
                ("due", "2025-01-01".into()),
                ("lock", "2025-01-02".into()),
                ("year", "2025".into()),
                ("username", "nobody-at-all".into()),
                ("password", "wrong".into()),
                ("current", "wrong".into()),
                ("new", "short".into()),
                ("confirm", "short".into()),
                ("field", "name".into()),
                ("on", "2025-01-01".into()),
                ("entered_on", "2025-01-01".into()),
                ("opens_on", "2025-01-01".into()),
                ("closes_on", "2025-01-02".into()),
            ];
            for (k, v) in &o.form {
                match fields.iter_mut().find(|(f, _)| f == k) {
                    Some(f) => f.1 = v.clone(),
                    None => fields.push((k, v.clone())),
                }
            }
            let text: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
            (
                Some("application/x-www-form-urlencoded".into()),
                text.join("&").into_bytes(),
            )
        }
        Input::Json => (
            Some("application/json".into()),
            serde_json::json!({"version": -1, "content": "x", "reason": "r", "plan_id": plan,
                "period": "never", "due": "2025-01-01", "lock": "2025-01-02",
                "username": "nobody-at-all", "password": "wrong", "field": "name"})
            .to_string()
            .into_bytes(),
        ),
        Input::Multipart => {
            let b = "kesuMATRIX";
            let mut body = Vec::new();
            for (k, v) in [("_csrf", csrf), ("version", "-1")] {
                body.extend_from_slice(
                    format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                        .as_bytes(),
                );
            }
            body.extend_from_slice(format!("--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 matrix\r\n--{b}--\r\n").as_bytes());
            (Some(format!("multipart/form-data; boundary={b}")), body)
        }
    }
}

/// The subjects: the city office, county A's office and units, county A's unit on the city
/// task, and county B's admin.
pub fn subjects(x: &Scoped) -> Vec<Subject> {
    let mut out = Vec::new();
    for (name, (role, region, unit)) in &x.w.users {
        if name.starts_with("a_") || name == "city_admin" || name == "b_admin" {
            out.push(Subject {
                name: name.clone(),
                role: *role,
                region: region.clone(),
                unit: *unit,
                reveal: super::citizens::REVEALERS.contains(&name.as_str()),
            });
        }
    }
    out
}

/// The form token of a session, from a page's hidden field.
pub async fn csrf(x: &Scoped, cookie: &str) -> String {
    let (_, html) = x.w.page(cookie, "/account/password").await;
    let i = html.find("name=\"_csrf\" value=\"").unwrap() + "name=\"_csrf\" value=\"".len();
    html[i..i + 64].to_string()
}

/// Send a request; status, Location and body bytes.
pub async fn send(
    x: &Scoped,
    cookie: Option<&str>,
    method: &str,
    path: &str,
    content_type: Option<String>,
    body: Vec<u8>,
) -> (StatusCode, Option<String>, Vec<u8>, Option<String>) {
    use http_body_util::BodyExt;
    let mut req = Request::builder().method(method).uri(path);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    if let Some(ct) = content_type {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    let res = kesu_web::router(x.w.state.clone())
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let (location, ct) = {
        let h = res.headers();
        let get = |k| {
            h.get(k)
                .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        (get(header::LOCATION), get(header::CONTENT_TYPE))
    };
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, location, bytes, ct)
}
