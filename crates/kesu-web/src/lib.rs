//! The web platform: HTML pages in Chinese and a JSON API under `/api/v1`.
//!
//! Handlers are thin: they get the caller from [`auth::Caller`] (the only way to learn who is
//! asking), check the caller's role and scope with `kesu_core::authz` on the object at hand,
//! call one `kesu_store` function and render. An object out of the caller's scope answers 404,
//! exactly like one that does not exist.
//!
//! - [`pages`]: the HTML pages (login, 工作台, plans, rounds and the status matrix, reports,
//!   notifications, the audit log).
//! - [`api`]: the JSON API and its OpenAPI document.
//! - [`access`]: loading an object together with the scope check.
//! - [`files`]: evidence uploads, stored by content hash, type checked by content.
//! - [`sheets`]: .xlsx exports (催报 list, audit log) and the bulk-entry template.
//! - [`signin`], [`client_ip`], [`deadlines`], [`print`]: holding against hostile clients —
//!   sign-in throttling, the client's address behind proxies, request time limits, and the
//!   bounded PDF printer.

pub mod access;
pub mod api;
pub mod auth;
pub mod client_ip;
pub mod deadlines;
pub mod demo;
pub mod error;
pub mod files;
pub mod health;
pub mod metrics;
pub mod observe;
pub mod ole;
pub mod pages;
pub mod panics;
pub mod parse;
pub mod print;
pub mod replica;
pub mod routes;
pub mod services_demo;
pub mod sheets;
pub mod signin;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use std::path::PathBuf;
use std::sync::Arc;
use time::{Date, OffsetDateTime};

pub use error::AppError;

/// Largest evidence file (20 MB), and so the largest request body.
pub const MAX_UPLOAD: usize = 20 * 1024 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db: kesu_store::Db,
    /// Where evidence files live (`<data dir>/files`).
    pub files_dir: PathBuf,
    /// Send cookies with `Secure` (behind TLS).
    pub secure_cookies: bool,
    /// Show the "演示数据" banner.
    pub demo: bool,
    /// A fixed "now" for tests and the demo, else the clock. Business dates only: sessions
    /// and sign-in throttling always run on the real clock.
    pub clock: Arc<Option<OffsetDateTime>>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (none by default).
    pub trusted_proxies: Arc<client_ip::TrustedProxies>,
    /// Sign-in refusals remembered in this process (see [`signin::Refusals`]).
    pub signin: Arc<signin::Refusals>,
    /// The key ring for citizens' personal data (`kesu keys`); `None`: those pages answer 503.
    pub keys: Option<Arc<kesu_pii::KeyRing>>,
    /// Who may read `/metrics` (see [`observe`]).
    pub observe: Arc<observe::Settings>,
    /// PostgreSQL read replicas, when configured (see [`replica`]).
    pub replicas: Option<Arc<kesu_store::replica::Replicas>>,
    /// The services' public throttles (`public_rate`, `public_phone_rate` in the configuration).
    pub throttles: Arc<kesu_app::services::Throttles>,
}

impl AppState {
    pub fn new(db: kesu_store::Db, files_dir: PathBuf) -> Self {
        Self {
            db,
            files_dir,
            secure_cookies: false,
            demo: false,
            clock: Arc::new(None),
            trusted_proxies: Arc::new(client_ip::TrustedProxies::default()),
            signin: Arc::new(signin::Refusals::default()),
            keys: None,
            observe: Arc::default(),
            replicas: None,
            throttles: Arc::new(kesu_app::services::Throttles::defaults()),
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        (*self.clock).unwrap_or_else(OffsetDateTime::now_utc)
    }

    /// Today in China (+08:00): due and lock dates are days there.
    pub fn today(&self) -> Date {
        kesu_store::reporting::china_date(self.now())
    }
}

/// The whole application: pages, API, static files, and the layers every request passes.
///
/// No layer holds anything other requests need (the SQLite writer is taken by the store's
/// write transactions only), and every request is bounded in time ([`deadlines`]).
pub fn router(state: AppState) -> Router {
    let app = Router::new()
        .merge(pages::routes())
        .nest("/api/v1", api::routes())
        .route("/static/kesu.css", axum::routing::get(css))
        .route("/static/kesu.js", axum::routing::get(js))
        .merge(health::routes())
        .layer(middleware::from_fn(one_sync_per_read))
        .layer(middleware::from_fn(same_origin))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            pages::errors::in_layout,
        ))
        .layer(middleware::from_fn(deadlines::middleware))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            client_ip::middleware,
        ))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD + 64 * 1024));
    panics::answered(app)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            replica::route,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            observe::request,
        ))
        .with_state(state)
}

/// Serve on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../static/kesu.css"),
    )
        .into_response()
}

async fn js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../static/kesu.js"),
    )
        .into_response()
}

/// Cross-site request forgery, first line: a state-changing request must come from our own
/// pages (or from a client that is not a browser). Browsers say where a request comes from in
/// `Sec-Fetch-Site` and `Origin`; a cross-site one is refused before any handler runs. Forms
/// also carry the session's token (`_csrf`), checked by the page handlers.
async fn same_origin(req: Request, next: Next) -> Response {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && !is_same_origin(req.headers()) {
        let api = req.uri().path().starts_with("/api/");
        return if api {
            AppError::Csrf.into_json()
        } else {
            AppError::Csrf.into_page()
        };
    }
    next.run(req).await
}

fn is_same_origin(h: &axum::http::HeaderMap) -> bool {
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match (h.get(header::ORIGIN), h.get(header::HOST)) {
        (Some(origin), Some(host)) => {
            let origin = origin.to_str().unwrap_or("");
            let host = host.to_str().unwrap_or("");
            origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"))
                == Some(host)
        }
        // No Origin: not a browser's cross-site request (curl, scripts, old browsers' same-site
        // form posts).
        (None, _) => true,
        (Some(_), None) => false,
    }
}

/// A request that only reads learns of the writes once, at its first view: a region's dashboard
/// evaluates every plan at every child region, and on PostgreSQL each look is a round trip.
/// Requests that write are left alone, so that what they read after their write includes it.
async fn one_sync_per_read(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        kesu_store::indicators::one_sync(next.run(req)).await
    } else {
        next.run(req).await
    }
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: &'static str, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "same-origin");
    set(
        h,
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn a_cross_site_post_is_refused_and_our_own_is_accepted() {
        assert!(!is_same_origin(&headers(&[(
            "sec-fetch-site",
            "cross-site"
        )])));
        assert!(is_same_origin(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(!is_same_origin(&headers(&[
            ("origin", "http://evil.example"),
            ("host", "127.0.0.1:8080")
        ])));
        assert!(is_same_origin(&headers(&[
            ("origin", "http://127.0.0.1:8080"),
            ("host", "127.0.0.1:8080")
        ])));
        assert!(is_same_origin(&headers(&[])));
    }
}
