//! The JSON API under `/api/v1`, described by its own types at `/api/v1/openapi.json`.
//!
//! The same rules as the pages: the caller comes from the session cookie, every object is loaded
//! through [`crate::access`] (or a `kesu_app` use case), out of scope is 404. Each operation is a
//! handler with a `#[utoipa::path]` description, added to [`listed`] with one `routes!` call per
//! path; its request and response bodies are the types of [`types`] (never domain types), so
//! the [`openapi`] document is generated from the code that serves it. Errors are
//! [`types::ErrorBody`]: `{"error": {"code", "message", "field"?}}`.

mod audit;
pub mod citizens;
mod extract;
pub mod openapi;
pub mod plan_drafts;
mod plans;
mod reports;
mod rounds;
pub mod services;
mod session;
pub mod types;

use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::routes::Routes;
use axum::Router;
use axum::response::Response;
use utoipa_axum::routes;

type ApiResult = Result<Response, ApiError>;

pub fn routes() -> Router<AppState> {
    listed().into()
}

/// The API routes with their paths ([`crate::routes::all`]) and their OpenAPI description.
/// One `routes!` per path (several handlers in one call are the methods of that one path).
pub fn listed() -> Routes<AppState> {
    Routes::new()
        .routes(routes!(openapi::document))
        .routes(routes!(session::login))
        .routes(routes!(session::logout))
        .routes(routes!(session::me))
        .routes(routes!(plans::list))
        .routes(routes!(plans::tasks))
        .routes(routes!(plans::task))
        .routes(routes!(rounds::list, rounds::open))
        .routes(routes!(rounds::matrix))
        .routes(routes!(reports::get, reports::save))
        .routes(routes!(reports::submit))
        .routes(routes!(reports::return_report))
        .routes(routes!(reports::accept))
        .routes(routes!(reports::forward))
        .routes(routes!(reports::unlock))
        .routes(routes!(reports::attach))
        .routes(routes!(reports::detach))
        .routes(routes!(audit::search))
        .merge(citizens::routes())
        .merge(plan_drafts::routes())
        .merge(services::routes())
        .fallback(not_found)
}

async fn not_found() -> ApiResult {
    Err(AppError::NotFound.into())
}
