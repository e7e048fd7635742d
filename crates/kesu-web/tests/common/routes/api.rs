//! Routes: The JSON API of plans and reporting: its document, sign-in, plans and tasks, rounds, reports
//! and attachments, the audit log.

use super::*;

pub const ROUTES: &[Route] = &[
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
];
