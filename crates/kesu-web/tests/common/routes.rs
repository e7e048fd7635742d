//! Every route of the router with who may reach it, written out again from the rules (not read
//! from the code): the specification the authorisation matrix checks the server against, and
//! the parameters the content-leak test fills in. A route the router has and this table does
//! not fails both tests: a new route needs a line here saying what it is about and who may
//! reach it.
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

/// Every route. Writes send a stale version (-1) or an invalid value after the checks, so that
/// a caller who may write gets a conflict or a refusal of the input (409/422), never a change
/// that would alter what the next caller sees.
pub const ROUTES: &[Route] = &[
    r("GET", "/", Obj::None, SignedIn, Input::None),
    r("GET", "/review", Obj::None, OfficeRole, Input::None),
    r("GET", "/login", Obj::None, Public, Input::None),
    r("POST", "/login", Obj::None, Any, Form),
    r("POST", "/logout", Obj::None, SignOut, Form),
    r("GET", "/account/password", Obj::None, SignedIn, Input::None),
    r("POST", "/account/password", Obj::None, SignedIn, Form),
    r("GET", "/plans", Obj::None, SignedIn, Input::None),
    r("GET", "/survey", Obj::None, OfficeRole, Input::None),
    r("GET", "/survey/{id}", Obj::Wave, OfficeRole, Input::None),
    r("GET", "/plans/{id}", Obj::Plan, Read, Input::None),
    r("GET", "/rounds", Obj::None, SignedIn, Input::None),
    r("POST", "/rounds", Obj::PlanInBody, Administer, Form),
    r("GET", "/rounds/{id}", Obj::Round, Read, Input::None),
    r(
        "POST",
        "/rounds/{id}/dates",
        Obj::Round,
        AdministerRound,
        Form,
    ),
    r(
        "POST",
        "/rounds/{id}/close",
        Obj::Round,
        AdministerRound,
        Form,
    ),
    r(
        "GET",
        "/rounds/{id}/chase",
        Obj::Round,
        OfficeRead,
        Input::None,
    ),
    r(
        "GET",
        "/rounds/{id}/late.xlsx",
        Obj::Round,
        OfficeRead,
        Input::None,
    ),
    r("POST", "/units/{id}/contact", Obj::Unit, Administer, Form),
    r(
        "GET",
        "/rounds/{id}/template.xlsx",
        Obj::Round,
        ReporterOnly,
        Input::None,
    ),
    r(
        "POST",
        "/rounds/{id}/upload",
        Obj::Round,
        ReporterOnly,
        Multipart,
    ),
    r("GET", "/reports/{id}", Obj::Report, Read, Input::None),
    r("POST", "/reports/{id}", Obj::Report, WriteReport, Form),
    r(
        "POST",
        "/reports/{id}/review",
        Obj::Report,
        ReviewReport,
        Form,
    ),
    r(
        "POST",
        "/reports/{id}/exception",
        Obj::Report,
        AdministerReport,
        Form,
    ),
    r(
        "POST",
        "/reports/{id}/attachments",
        Obj::Report,
        WriteReport,
        Multipart,
    ),
    r(
        "GET",
        "/attachments/{id}",
        Obj::Attachment,
        Read,
        Input::None,
    ),
    r(
        "POST",
        "/attachments/{id}/delete",
        Obj::Attachment,
        WriteReport,
        Form,
    ),
    r("GET", "/notifications", Obj::None, SignedIn, Input::None),
    r("POST", "/notifications/read", Obj::None, SignedIn, Form),
    r("GET", "/audit", Obj::None, AdminRole, Input::None),
    r("GET", "/audit.xlsx", Obj::None, AdminRole, Input::None),
    r("GET", "/dashboard", Obj::None, SignedIn, Input::None),
    r("GET", "/dashboard/plans/{id}", Obj::Plan, Read, Input::None),
    r(
        "GET",
        "/dashboard/plans/{id}/indicators.xlsx",
        Obj::Plan,
        Read,
        Input::None,
    ),
    r(
        "GET",
        "/dashboard/plans/{id}/indicators/{target}",
        Obj::Target,
        Read,
        Input::None,
    ),
    r(
        "GET",
        "/dashboard/regions/{code}",
        Obj::Region,
        Read,
        Input::None,
    ),
    r(
        "GET",
        "/dashboard/regions/{code}/annual.html",
        Obj::Region,
        Read,
        Input::None,
    ),
    r(
        "GET",
        "/dashboard/regions/{code}/annual.xlsx",
        Obj::Region,
        Read,
        Input::None,
    ),
    r(
        "GET",
        "/dashboard/regions/{code}/annual.pdf",
        Obj::Region,
        Read,
        Input::None,
    ),
    r(
        "POST",
        "/dashboard/regions/{code}/publish",
        Obj::Region,
        Administer,
        Form,
    ),
    r("GET", "/public/{code}", Obj::Region, Public, Input::None),
    r(
        "GET",
        "/public/{code}/{id}",
        Obj::Snapshot,
        Public,
        Input::None,
    ),
    r(
        "GET",
        "/public/{code}/{id}/report.html",
        Obj::Snapshot,
        Public,
        Input::None,
    ),
    r("GET", "/dashboard/units/{id}", Obj::Unit, Read, Input::None),
    r(
        "GET",
        "/dashboard/groups/{key}",
        Obj::None,
        SignedIn,
        Input::None,
    ),
    r(
        "GET",
        "/dashboard/regions/{code}/assessment",
        Obj::Region,
        Read,
        Input::None,
    ),
    r(
        "POST",
        "/dashboard/regions/{code}/assessment/{year}/review/{child}",
        Obj::AssessedRegion,
        AssessReview,
        Form,
    ),
    r(
        "GET",
        "/dashboard/regions/{code}/assessment/{year}/self/{child}",
        Obj::AssessedRegion,
        AssessSelfRegion,
        Input::None,
    ),
    r(
        "POST",
        "/dashboard/regions/{code}/assessment/{year}/self/{child}",
        Obj::AssessedRegion,
        AssessSelfRegion,
        Form,
    ),
    r(
        "POST",
        "/dashboard/regions/{code}/assessment/{year}/units/review/{unit}",
        Obj::AssessedUnit,
        AssessReview,
        Form,
    ),
    r(
        "GET",
        "/dashboard/regions/{code}/assessment/{year}/units/self/{unit}",
        Obj::AssessedUnit,
        AssessSelfUnit,
        Input::None,
    ),
    r(
        "POST",
        "/dashboard/regions/{code}/assessment/{year}/units/self/{unit}",
        Obj::AssessedUnit,
        AssessSelfUnit,
        Form,
    ),
    r(
        "GET",
        "/dashboard/regions/{code}/assessment/scheme",
        Obj::Region,
        Read,
        Input::None,
    ),
    r(
        "POST",
        "/dashboard/regions/{code}/assessment/scheme",
        Obj::Region,
        Administer,
        Form,
    ),
    r(
        "GET",
        "/dashboard/regions/{code}/assessment/scheme.json",
        Obj::Region,
        Read,
        Input::None,
    ),
    r(
        "POST",
        "/dashboard/regions/{code}/assessment/scheme/upload",
        Obj::Region,
        Administer,
        Multipart,
    ),
    // Citizens: the public test (no account; an attempt's token is its key) ...
    r("GET", "/quiz", Obj::None, Public, Input::None),
    r("GET", "/quiz/quiz.js", Obj::None, Public, Input::None),
    r("GET", "/quiz/{id}", Obj::Test, Public, Input::None),
    r("GET", "/quiz/{id}/regions", Obj::Test, Public, Input::None),
    r("POST", "/quiz/{id}/start", Obj::Test, Public, Form),
    r(
        "GET",
        "/quiz/attempt/{token}",
        Obj::Attempt,
        Public,
        Input::None,
    ),
    r("POST", "/quiz/attempt/{token}", Obj::Attempt, Public, Form),
    r(
        "GET",
        "/quiz/attempt/{token}/certificate",
        Obj::Attempt,
        Public,
        Input::None,
    ),
    // ... the offices' tests and the ledger.
    r("GET", "/citizens", Obj::None, OfficeRole, Input::None),
    r("POST", "/citizens/banks", Obj::None, AdminRole, Multipart),
    r(
        "POST",
        "/citizens/tests",
        Obj::BankInBody,
        OfficeAdminister,
        Form,
    ),
    r(
        "GET",
        "/citizens/tests/{id}",
        Obj::Test,
        OfficeRole,
        Input::None,
    ),
    r(
        "GET",
        "/citizens/tests/{id}/results.xlsx",
        Obj::Test,
        OfficeRole,
        Input::None,
    ),
    r("GET", "/ledger", Obj::None, OfficeRole, Input::None),
    r(
        "POST",
        "/ledger/entries",
        Obj::VillageInBody,
        OfficeAdminister,
        Form,
    ),
    r(
        "GET",
        "/ledger/entries/{id}",
        Obj::Entry,
        OfficeRole,
        Input::None,
    ),
    r(
        "POST",
        "/ledger/entries/{id}/remove",
        Obj::Entry,
        OfficeAdminister,
        Form,
    ),
    r(
        "POST",
        "/ledger/entries/{id}/move",
        Obj::Entry,
        OfficeAdminister,
        Form,
    ),
    r(
        "POST",
        "/ledger/entries/{id}/reveal",
        Obj::Entry,
        Reveal,
        Form,
    ),
    r(
        "POST",
        "/ledger/moves/{id}",
        Obj::Move,
        OfficeAdminister,
        Form,
    ),
    r("POST", "/ledger/residents", Obj::None, AdminRole, Multipart),
    r(
        "POST",
        "/ledger/person",
        Obj::PersonRequest,
        RevealHolder,
        Form,
    ),
    r(
        "POST",
        "/ledger/permissions",
        Obj::AccountInBody,
        OfficeAdminister,
        Form,
    ),
    r(
        "GET",
        "/api/v1/openapi.json",
        Obj::None,
        Public,
        Input::None,
    ),
    r("POST", "/api/v1/login", Obj::None, Any, Json),
    r("POST", "/api/v1/logout", Obj::None, SignOut, Json),
    r("GET", "/api/v1/me", Obj::None, SignedIn, Input::None),
    r("GET", "/api/v1/plans", Obj::None, SignedIn, Input::None),
    r(
        "GET",
        "/api/v1/plans/{id}/tasks",
        Obj::Plan,
        Read,
        Input::None,
    ),
    r("GET", "/api/v1/tasks/{id}", Obj::Task, Read, Input::None),
    r("GET", "/api/v1/rounds", Obj::None, SignedIn, Input::None),
    r("POST", "/api/v1/rounds", Obj::PlanInBody, Administer, Json),
    r(
        "GET",
        "/api/v1/rounds/{id}/matrix",
        Obj::Round,
        Read,
        Input::None,
    ),
    r(
        "GET",
        "/api/v1/reports/{id}",
        Obj::Report,
        Read,
        Input::None,
    ),
    r(
        "PUT",
        "/api/v1/reports/{id}",
        Obj::Report,
        WriteReport,
        Json,
    ),
    r(
        "POST",
        "/api/v1/reports/{id}/submit",
        Obj::Report,
        WriteReport,
        Json,
    ),
    r(
        "POST",
        "/api/v1/reports/{id}/return",
        Obj::Report,
        ReviewReport,
        Json,
    ),
    r(
        "POST",
        "/api/v1/reports/{id}/accept",
        Obj::Report,
        ReviewReport,
        Json,
    ),
    r(
        "POST",
        "/api/v1/reports/{id}/forward",
        Obj::Report,
        CountyCheck,
        Json,
    ),
    r(
        "POST",
        "/api/v1/reports/{id}/unlock",
        Obj::Report,
        AdministerReport,
        Json,
    ),
    r(
        "POST",
        "/api/v1/reports/{id}/attachments",
        Obj::Report,
        WriteReport,
        Multipart,
    ),
    r(
        "DELETE",
        "/api/v1/attachments/{id}",
        Obj::Attachment,
        WriteReport,
        Json,
    ),
    r("GET", "/api/v1/audit", Obj::None, AdminRole, Input::None),
    // Services for citizens: the public pages and API need no account (`Any` where the answer
    // depends on a code, a venue key or the body); office objects belong to their county's
    // offices, a pupil's also to its school.
    r("GET", "/s", Obj::None, Public, Input::None),
    r("GET", "/s/checkin.js", Obj::None, Public, Input::None),
    r(
        "GET",
        "/s/resources/{id}",
        Obj::Service(Svc::Resource),
        Public,
        Input::None,
    ),
    r(
        "GET",
        "/s/resources/{id}/checkin",
        Obj::Service(Svc::Resource),
        Public,
        Input::None,
    ),
    r(
        "POST",
        "/s/resources/{id}/checkin",
        Obj::Service(Svc::Resource),
        Any,
        Form,
    ),
    r(
        "GET",
        "/s/slots/{id}/book",
        Obj::Service(Svc::Slot),
        Public,
        Input::None,
    ),
    r(
        "POST",
        "/s/slots/{id}/book",
        Obj::Service(Svc::Slot),
        Any,
        Form,
    ),
    r(
        "GET",
        "/s/bookings/{code}",
        Obj::Service(Svc::BookingCode),
        Public,
        Input::None,
    ),
    r(
        "GET",
        "/s/bookings/{code}/qr.svg",
        Obj::Service(Svc::BookingCode),
        Public,
        Input::None,
    ),
    r(
        "POST",
        "/s/bookings/{code}/cancel",
        Obj::Service(Svc::BookingCode),
        Any,
        Form,
    ),
    r("GET", "/s/activities", Obj::None, Public, Input::None),
    r(
        "GET",
        "/s/activities/{id}",
        Obj::Service(Svc::Activity),
        Public,
        Input::None,
    ),
    r(
        "GET",
        "/s/activities/{id}/checkin",
        Obj::Service(Svc::Activity),
        Public,
        Input::None,
    ),
    r(
        "POST",
        "/s/activities/{id}/checkin",
        Obj::Service(Svc::Activity),
        Any,
        Form,
    ),
    r("GET", "/s/orders/new", Obj::None, Public, Input::None),
    r("POST", "/s/orders/new", Obj::None, Any, Form),
    r(
        "GET",
        "/s/orders/{code}",
        Obj::Service(Svc::OrderCode),
        Public,
        Input::None,
    ),
    r(
        "POST",
        "/s/orders/{code}",
        Obj::Service(Svc::OrderCode),
        Any,
        Form,
    ),
    r("GET", "/s/credits", Obj::None, Public, Input::None),
    r("GET", "/services", Obj::None, SignedIn, Input::None),
    r(
        "GET",
        "/services/stats/records",
        Obj::None,
        OfficeRole,
        Input::None,
    ),
    r(
        "GET",
        "/services/resources",
        Obj::None,
        SignedIn,
        Input::None,
    ),
    r("POST", "/services/resources", Obj::None, AdminRole, Form),
    r(
        "GET",
        "/services/resources/{id}",
        Obj::Service(Svc::Resource),
        Read,
        Input::None,
    ),
    r(
        "POST",
        "/services/resources/{id}",
        Obj::Service(Svc::Resource),
        Administer,
        Form,
    ),
    r(
        "POST",
        "/services/resources/{id}/certify",
        Obj::Service(Svc::Resource),
        Administer,
        Form,
    ),
    r(
        "POST",
        "/services/resources/{id}/review",
        Obj::Service(Svc::Resource),
        Administer,
        Form,
    ),
    r(
        "POST",
        "/services/resources/{id}/slots",
        Obj::Service(Svc::Resource),
        Administer,
        Form,
    ),
    r(
        "GET",
        "/services/slots/{id}",
        Obj::Service(Svc::Slot),
        Read,
        Input::None,
    ),
    r(
        "GET",
        "/services/bookings",
        Obj::None,
        OfficeRole,
        Input::None,
    ),
    r(
        "POST",
        "/services/bookings/{id}/change",
        Obj::Service(Svc::Booking),
        Administer,
        Form,
    ),
    r(
        "POST",
        "/services/bookings/{id}/reveal",
        Obj::Service(Svc::Booking),
        Administer,
        Form,
    ),
    r(
        "GET",
        "/services/activities",
        Obj::None,
        SignedIn,
        Input::None,
    ),
    r("POST", "/services/activities", Obj::None, AdminRole, Form),
    r(
        "GET",
        "/services/activities/{id}",
        Obj::Service(Svc::Activity),
        Read,
        Input::None,
    ),
    r(
        "POST",
        "/services/activities/{id}/cancel",
        Obj::Service(Svc::Activity),
        Administer,
        Form,
    ),
    r(
        "POST",
        "/services/activities/{id}/checkin",
        Obj::Service(Svc::Activity),
        Read,
        Form,
    ),
    r(
        "POST",
        "/services/checkins/{id}/void",
        Obj::Service(Svc::Checkin),
        Administer,
        Form,
    ),
    r(
        "GET",
        "/services/volunteers",
        Obj::None,
        SignedIn,
        Input::None,
    ),
    r("POST", "/services/volunteers", Obj::None, AdminRole, Form),
    r("POST", "/services/teams", Obj::None, AdminRole, Form),
    r(
        "GET",
        "/services/volunteers/{id}",
        Obj::Service(Svc::Volunteer),
        Read,
        Input::None,
    ),
    r(
        "POST",
        "/services/volunteers/{id}/attendance",
        Obj::Service(Svc::Volunteer),
        Administer,
        Form,
    ),
    r(
        "POST",
        "/services/attendance/{id}/correct",
        Obj::Service(Svc::Attendance),
        Administer,
        Form,
    ),
    r("GET", "/services/orders", Obj::None, SignedIn, Input::None),
    r("POST", "/services/orders", Obj::None, SignedIn, Form),
    r(
        "GET",
        "/services/orders/{id}",
        Obj::Service(Svc::Order),
        Read,
        Input::None,
    ),
    r(
        "POST",
        "/services/orders/{id}",
        Obj::Service(Svc::Order),
        Administer,
        Form,
    ),
    r("GET", "/services/credits", Obj::None, SignedIn, Input::None),
    r("POST", "/services/credits", Obj::None, SignedIn, Form),
    r(
        "POST",
        "/services/credits/rules",
        Obj::None,
        AdminRole,
        Form,
    ),
    r(
        "GET",
        "/services/credits/pupils/{id}",
        Obj::Service(Svc::Pupil),
        Read,
        Input::None,
    ),
    r(
        "POST",
        "/services/credits/pupils/{id}",
        Obj::Service(Svc::Pupil),
        Administer,
        Form,
    ),
    r(
        "POST",
        "/services/credits/sources/{id}/void",
        Obj::Service(Svc::CreditSource),
        Administer,
        Form,
    ),
    r(
        "GET",
        "/services/funding",
        Obj::None,
        OfficeRole,
        Input::None,
    ),
    r("POST", "/services/funding", Obj::None, AdminRole, Form),
    r("GET", "/api/v1/resources", Obj::None, Public, Input::None),
    r("POST", "/api/v1/resources", Obj::None, AdminRole, Json),
    r(
        "GET",
        "/api/v1/resources/{id}",
        Obj::Service(Svc::Resource),
        Public,
        Input::None,
    ),
    r("POST", "/api/v1/slots", Obj::None, AdminRole, Json),
    r(
        "GET",
        "/api/v1/slots/{id}",
        Obj::Service(Svc::Slot),
        Public,
        Input::None,
    ),
    r("GET", "/api/v1/activities", Obj::None, Public, Input::None),
    r("POST", "/api/v1/activities", Obj::None, AdminRole, Json),
    r("POST", "/api/v1/public/bookings", Obj::None, Any, Json),
    r(
        "GET",
        "/api/v1/public/bookings/{code}",
        Obj::Service(Svc::BookingCode),
        Public,
        Input::None,
    ),
    r(
        "POST",
        "/api/v1/public/bookings/{code}/cancel",
        Obj::Service(Svc::BookingCode),
        Any,
        Json,
    ),
    r("POST", "/api/v1/public/checkins", Obj::None, Any, Json),
    r("POST", "/api/v1/checkins", Obj::None, SignedIn, Json),
    r("POST", "/api/v1/orders", Obj::None, Any, Json),
    r(
        "GET",
        "/api/v1/orders/{id}",
        Obj::Service(Svc::Order),
        Any,
        Input::None,
    ),
    r(
        "POST",
        "/api/v1/orders/{id}/{step}",
        Obj::Service(Svc::Order),
        Any,
        Json,
    ),
    r(
        "GET",
        "/api/v1/services/stats",
        Obj::None,
        OfficeRole,
        Input::None,
    ),
    r(
        "GET",
        "/api/v1/public/tests",
        Obj::None,
        Public,
        Input::None,
    ),
    r(
        "GET",
        "/api/v1/public/tests/{id}",
        Obj::Test,
        Public,
        Input::None,
    ),
    r(
        "POST",
        "/api/v1/public/tests/{id}/attempts",
        Obj::Test,
        Public,
        Json,
    ),
    r(
        "GET",
        "/api/v1/public/attempts/{token}",
        Obj::Attempt,
        Public,
        Input::None,
    ),
    r(
        "POST",
        "/api/v1/public/attempts/{token}/submit",
        Obj::Attempt,
        Public,
        Json,
    ),
    r(
        "GET",
        "/api/v1/quiz/tests/{id}/results",
        Obj::Test,
        OfficeRole,
        Input::None,
    ),
    r(
        "GET",
        "/api/v1/ledger/count",
        Obj::None,
        OfficeRole,
        Input::None,
    ),
    r(
        "GET",
        "/api/v1/ledger/entries",
        Obj::None,
        OfficeRole,
        Input::None,
    ),
    r(
        "POST",
        "/api/v1/ledger/entries/{id}/reveal",
        Obj::Entry,
        Reveal,
        Json,
    ),
    // Plan drafts: office admins of the draft's region (a reporter cannot see one, another
    // office role may not touch it); the page script is public.
    r("GET", "/plans/drafts", Obj::None, AdminRole, Input::None),
    r("POST", "/plans/drafts", Obj::None, AdminRole, Multipart),
    r(
        "GET",
        "/plans/drafts/draft.js",
        Obj::None,
        Public,
        Input::None,
    ),
    r(
        "GET",
        "/plans/drafts/{id}",
        Obj::Draft,
        Administer,
        Input::None,
    ),
    r(
        "POST",
        "/plans/drafts/{id}/info",
        Obj::Draft,
        Administer,
        Form,
    ),
    r(
        "POST",
        "/plans/drafts/{id}/tasks",
        Obj::Draft,
        Administer,
        Form,
    ),
    r(
        "POST",
        "/plans/drafts/{id}/tasks/{index}",
        Obj::Draft,
        Administer,
        Form,
    ),
    r(
        "POST",
        "/plans/drafts/{id}/expansions",
        Obj::Draft,
        Administer,
        Form,
    ),
    r(
        "GET",
        "/plans/drafts/{id}/draft.xlsx",
        Obj::Draft,
        Administer,
        Input::None,
    ),
    r(
        "POST",
        "/plans/drafts/{id}/xlsx",
        Obj::Draft,
        Administer,
        Multipart,
    ),
    r(
        "POST",
        "/plans/drafts/{id}/confirm",
        Obj::Draft,
        Administer,
        Form,
    ),
    r(
        "POST",
        "/plans/drafts/{id}/discard",
        Obj::Draft,
        Administer,
        Form,
    ),
    r(
        "POST",
        "/api/v1/plan-drafts",
        Obj::None,
        AdminRole,
        Multipart,
    ),
    r(
        "GET",
        "/api/v1/plan-drafts/{id}",
        Obj::Draft,
        Administer,
        Input::None,
    ),
    r(
        "PUT",
        "/api/v1/plan-drafts/{id}",
        Obj::Draft,
        Administer,
        Json,
    ),
    r(
        "POST",
        "/api/v1/plan-drafts/{id}/confirm",
        Obj::Draft,
        Administer,
        Json,
    ),
];

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
