//! Citizens' pages: the public online test for phones (no account) in [`public`], the offices'
//! test pages (banks, publishing, results and item statistics) in [`office`], the ledger in
//! [`ledger`], and the demo's bank and test in [`demo`]. Each handler parses, calls one
//! `kesu_app::citizens` function and renders.

#[path = "citizens_demo.rs"]
pub mod demo;
#[path = "citizens_ledger.rs"]
pub mod ledger;
#[path = "citizens_office.rs"]
pub mod office;
#[path = "citizens_public.rs"]
pub mod public;

use super::audit_actor;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use axum::routing::{get, post};
use std::sync::Arc;

pub fn routes() -> crate::routes::Routes<AppState> {
    crate::routes::Routes::new()
        .route("/quiz", get(public::list))
        .route("/quiz/quiz.js", get(public::script))
        .route("/quiz/{id}", get(public::intro))
        .route("/quiz/{id}/regions", get(public::regions))
        .route("/quiz/{id}/start", post(public::start))
        .route(
            "/quiz/attempt/{token}",
            get(public::paper).post(public::submit),
        )
        .route(
            "/quiz/attempt/{token}/certificate",
            get(public::certificate),
        )
        .route("/citizens", get(office::home))
        .route("/citizens/banks", post(office::import_bank))
        .route("/citizens/tests", post(office::publish))
        .route("/citizens/tests/{id}", get(office::results))
        .route(
            "/citizens/tests/{id}/results.xlsx",
            get(office::results_download),
        )
        .route("/ledger", get(ledger::overview))
        .route("/ledger/entries", post(ledger::add))
        .route("/ledger/entries/{id}", get(ledger::entry))
        .route("/ledger/entries/{id}/remove", post(ledger::remove))
        .route("/ledger/entries/{id}/move", post(ledger::request_move))
        .route("/ledger/entries/{id}/reveal", post(ledger::reveal))
        .route("/ledger/moves/{id}", post(ledger::decide_move))
        .route("/ledger/residents", post(ledger::residents))
        .route("/ledger/person", post(ledger::person))
        .route("/ledger/permissions", post(ledger::permission))
}

/// The use-case context of a request.
pub fn ctx(state: &AppState) -> kesu_app::Ctx {
    kesu_app::Ctx {
        db: state.db.clone(),
        fixed_now: *state.clock,
    }
}

/// The use-case caller of a signed-in request.
pub fn app_caller(caller: &Caller, ip: Option<String>) -> kesu_app::Caller {
    kesu_app::Caller::user(caller.actor.clone(), audit_actor(caller, ip))
}

/// The use-case caller of a citizen without an account.
pub fn public_caller(ip: Option<String>) -> kesu_app::Caller {
    let mut a = kesu_store::Actor::new("public");
    a.ip = ip;
    kesu_app::Caller::public(a)
}

/// A refused upload (422): how many bad rows, and the first 50 named with the file.
pub fn refused(what: &str, file: &str, rows: &[kesu_citizens::RowError]) -> AppError {
    let lines: Vec<String> = rows
        .iter()
        .take(50)
        .map(|r| format!("{file} {r}"))
        .collect();
    AppError::Invalid(format!(
        "{what}有 {} 处错误，未导入任何数据：\n{}",
        rows.len(),
        lines.join("\n")
    ))
}

/// The key ring, or 503 when this installation has none.
pub fn keys(state: &AppState) -> Result<Arc<kesu_pii::KeyRing>, AppError> {
    state.keys.clone().ok_or_else(|| {
        AppError::Unavailable(
            "未配置个人信息加密密钥：请运行 kesu keys init 后重启 (no encryption keys configured)"
                .into(),
        )
    })
}
