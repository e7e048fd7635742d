//! Routes: Signing in and out, the account, the home page and the top-level lists (plans, review queue,
//! survey waves).

use super::*;

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
];
