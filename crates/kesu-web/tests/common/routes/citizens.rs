//! Routes: The citizens' ledger and tests (竞赛): the public test (an attempt's token is its key), the
//! offices' tests, question banks and the ledger pages.

use super::*;

pub const ROUTES: &[Route] = &[
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
];
