//! A router that remembers its paths. The page and API route lists are built with [`Routes`]
//! instead of a bare `axum::Router`, so that [`all`] can list every path the server answers:
//! the authorisation matrix and the content-leak tests walk that list, and fail on a route they
//! do not know (a new route needs a line in the matrix saying who may reach it).
//!
//! The JSON API adds its routes with [`Routes::routes`] (a `utoipa_axum::routes!` call: the
//! handler and its `#[utoipa::path]` description together), which also puts them in the OpenAPI
//! document ([`Routes::openapi`]); HTML pages use [`Routes::route`] and stay out of it.

use axum::Router;
use axum::handler::Handler;
use axum::routing::MethodRouter;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

/// An `axum::Router` with the paths of its routes (and, for documented routes, their OpenAPI
/// description).
pub struct Routes<S> {
    router: OpenApiRouter<S>,
    paths: Vec<String>,
}

impl<S: Clone + Send + Sync + 'static> Default for Routes<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    pub fn new() -> Self {
        Self {
            router: OpenApiRouter::new(),
            paths: Vec::new(),
        }
    }

    /// Documented routes: one `utoipa_axum::routes!(…)` (one path, one handler per method),
    /// remembering the path and adding the operations to the OpenAPI document.
    pub fn routes(mut self, documented: UtoipaMethodRouter<S>) -> Self {
        self.paths.extend(documented.1.paths.keys().cloned());
        self.router = self.router.routes(documented);
        self
    }

    /// `Router::route`, remembering the path (undocumented: HTML pages).
    pub fn route(mut self, path: &str, method_router: MethodRouter<S>) -> Self {
        self.paths.push(path.to_string());
        self.router = self.router.route(path, method_router);
        self
    }

    /// `Router::merge` of another list, keeping its paths.
    pub fn merge(mut self, other: Routes<S>) -> Self {
        self.paths.extend(other.paths);
        self.router = self.router.merge(other.router);
        self
    }

    /// `Router::fallback` (no path of its own).
    pub fn fallback<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        self.router = self.router.fallback(handler);
        self
    }

    /// The paths, in the order they were added (`/reports/{id}`).
    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    /// The OpenAPI description of the routes added with [`Routes::routes`].
    pub fn openapi(&self) -> &utoipa::openapi::OpenApi {
        self.router.get_openapi()
    }
}

impl<S: Clone + Send + Sync + 'static> From<Routes<S>> for Router<S> {
    fn from(r: Routes<S>) -> Self {
        r.router.split_for_parts().0
    }
}

/// Every path of the pages and the API (with its `/api/v1` prefix), as the router has them.
/// The two static files (`/static/kesu.css`, `/static/kesu.js`) are public and not listed.
pub fn all() -> Vec<String> {
    let mut out: Vec<String> = crate::pages::listed().paths().to_vec();
    out.extend(
        crate::api::listed()
            .paths()
            .iter()
            .map(|p| format!("/api/v1{p}")),
    );
    out
}
