//! A handler that panics: the request is answered 500 in the shape its client reads, the process
//! goes on.
//!
//! `tower_http`'s catch-panic layer sees the panic but not the request, so it only marks its 500
//! ([`Panicked`]); [`answer`], just outside it, knows the path and renders the error: JSON with the
//! request id under `/api/` (an API client parses the body), the error page elsewhere.

use crate::AppError;
use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;

/// The mark on the response the catch-panic layer built.
#[derive(Debug, Clone, Copy)]
struct Panicked;

/// `router` with its panics caught and answered (see the module documentation).
pub fn answered<S>(router: Router<S>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router
        .layer(CatchPanicLayer::custom(|_| {
            let mut res = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            res.extensions_mut().insert(Panicked);
            res
        }))
        .layer(middleware::from_fn(answer))
}

/// Renders the 500 of a caught panic for the client that asked.
async fn answer(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    if res.extensions().get::<Panicked>().is_none() {
        return res;
    }
    let error = AppError::Internal("panic".into());
    if api {
        error.into_json()
    } else {
        error.into_page()
    }
}
