//! What an operator sees of each request: a request id, one log line, metrics.
//!
//! [`request`] is the outermost middleware. For every request it
//! 1. finds the client ([`crate::client_ip::resolve`]: the peer, or behind a trusted proxy the
//!    nearest untrusted address of `X-Forwarded-For`), for the metrics allow-list;
//! 2. mints a request id (an incoming `x-request-id` is kept only from a trusted proxy), makes it
//!    available to the handlers through [`request_id`] (audit rows, error pages) and returns it
//!    in the `x-request-id` response header;
//! 3. writes one log line when the response is ready: method, route (the matched path, never
//!    the raw URI, whose query may carry tokens), status, latency, inside a span holding the
//!    request id — and nothing else: no query, header, cookie, form field or user name;
//! 4. counts the request in the metrics by route and status ([`crate::metrics`]).
//!
//! [`subscriber`] builds the log output (human-readable or JSON) that the binary installs.

use crate::AppState;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;
use tracing::Instrument;

/// The header carrying the request id, both ways.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The route label of a request no route matched: one label for every unknown path, so that
/// scans cannot blow up the metrics.
pub const UNMATCHED: &str = "<unmatched>";

/// Routes asked by machines on a schedule, logged at `debug` when they succeed.
const PROBES: &[&str] = &["/healthz", "/readyz", "/metrics"];

/// Who may read `/metrics` (from the configuration).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Client addresses allowed to read `/metrics`; loopback by default.
    pub metrics_allow: Vec<IpNet>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            metrics_allow: ["127.0.0.0/8", "::1/128"]
                .iter()
                .filter_map(|s| s.parse().ok())
                .collect(),
        }
    }
}

impl Settings {
    /// May `client` read the metrics?
    pub fn may_scrape(&self, client: Option<IpAddr>) -> bool {
        client.is_some_and(|ip| self.metrics_allow.iter().any(|n| n.contains(&ip)))
    }
}

/// The address the request really came from, as [`request`] found it (after the proxies).
#[derive(Debug, Clone, Copy)]
pub struct Client(pub Option<IpAddr>);

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled, when called from inside one.
pub fn request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// The middleware; see the module documentation.
pub async fn request(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    // Install the recorder before the first thing is counted.
    let _ = crate::metrics::handle();
    let trusted = &state.trusted_proxies;
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let from_proxy = peer.is_some_and(|p| trusted.contains(p.ip()));
    let client = peer.map(|p| crate::client_ip::resolve(p.ip(), req.headers(), trusted));
    req.extensions_mut().insert(Client(client));
    let incoming = from_proxy
        .then(|| req.headers().get(REQUEST_ID_HEADER))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_sane_id(v))
        .map(String::from);
    let id = incoming.unwrap_or_else(new_id);
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_string(), |m| m.as_str().to_string());

    let span = tracing::info_span!("request", request_id = %id);
    let in_flight = crate::metrics::in_flight();
    let mut res = REQUEST_ID
        .scope(id.clone(), next.run(req))
        .instrument(span.clone())
        .await;
    drop(in_flight);
    let status = res.status();
    let elapsed = started.elapsed();
    span.in_scope(|| {
        let latency_ms = (elapsed.as_secs_f64() * 1e4).round() / 10.0;
        let status = status.as_u16();
        if status >= 500 {
            tracing::warn!(target: "kesu::http", %method, route, status, latency_ms, "request");
        } else if PROBES.contains(&route.as_str()) && status < 400 {
            // A load balancer asks every few seconds; its answers are not news.
            tracing::debug!(target: "kesu::http", %method, route, status, latency_ms, "request");
        } else {
            tracing::info!(target: "kesu::http", %method, route, status, latency_ms, "request");
        }
    });
    crate::metrics::record_request(&method, &route, status, elapsed);
    if is_login(&method, &route) {
        crate::metrics::login_outcome(status);
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    res
}

fn is_login(method: &Method, route: &str) -> bool {
    method == Method::POST && matches!(route, "/login" | "/api/v1/login")
}

/// Whether a login answer was a refusal, and which kind (for the metrics).
pub fn login_refusal(status: StatusCode) -> Option<&'static str> {
    match status {
        StatusCode::UNAUTHORIZED => Some("bad_credentials"),
        StatusCode::TOO_MANY_REQUESTS => Some("locked_or_throttled"),
        _ => None,
    }
}

/// An id we accept from a proxy: short, and made of characters that are safe in a log line and
/// a header.
fn is_sane_id(v: &str) -> bool {
    (1..=64).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// A fresh id: 16 hex digits of randomness (a clock-based id when the system has none).
fn new_id() -> String {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        return format!("{:016x}", nanos as u64);
    }
    crate::auth::hex(&bytes)
}

/// An error and its causes, outermost first, as one line ("a: b: c"), for the log.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let s = c.to_string();
        // thiserror's `{0}` messages already contain their source; do not repeat it.
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cause = c.source();
    }
    out
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One human-readable line per event (the default).
    Pretty,
    /// One JSON object per line with the event's and the spans' fields at the top level (the
    /// request id is a field of its own), for log collectors.
    Json,
}

/// The log output: `format`, filtered by `filter` (`info,sqlx=warn`; a bad filter falls back
/// to `info`), written to `writer`. The binary installs it with `stderr`; tests with a buffer.
pub fn subscriber<W>(
    format: LogFormat,
    filter: &str,
    writer: W,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    use tracing_subscriber::layer::SubscriberExt;
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    match format {
        LogFormat::Pretty => Box::new(
            tracing_subscriber::registry()
                .with(
                    tracing_subscriber::fmt::layer()
                        .with_writer(writer)
                        .with_ansi(false),
                )
                .with(filter),
        ),
        LogFormat::Json => {
            let mut json = json_subscriber::JsonLayer::new(writer);
            json.with_timer("timestamp", tracing_subscriber::fmt::time::SystemTime);
            json.with_level("level");
            json.with_target("target");
            // Flat: `{"timestamp", "level", "target", "message", "method", …, "request_id"}`.
            // tracing-subscriber's own JSON nests span fields (tokio-rs/tracing#2670).
            json.with_flattened_event();
            json.with_top_level_flattened_span_list();
            Box::new(tracing_subscriber::registry().with(json).with(filter))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_for_loopback_unless_configured() {
        let s = Settings::default();
        assert!(s.may_scrape(Some("127.0.0.1".parse().unwrap())));
        assert!(s.may_scrape(Some("::1".parse().unwrap())));
        assert!(!s.may_scrape(Some("192.168.1.5".parse().unwrap())));
        assert!(!s.may_scrape(None));
    }

    #[test]
    fn only_short_plain_request_ids_are_taken_from_a_proxy() {
        assert!(is_sane_id("abc-123_x.y:z"));
        assert!(!is_sane_id(""));
        assert!(!is_sane_id("a b"));
        assert!(!is_sane_id("a\nforged log line"));
        assert!(!is_sane_id(&"x".repeat(65)));
        let a = new_id();
        assert_eq!(a.len(), 16);
        assert_ne!(a, new_id());
    }

    #[test]
    fn an_error_chain_names_every_cause_once() {
        let io = std::io::Error::other("disk full");
        let e = kesu_store::StoreError::Io {
            path: "/x".into(),
            source: io,
        };
        let s = chain(&e);
        assert!(s.contains("/x") && s.contains("disk full"), "{s}");
        assert_eq!(s.matches("disk full").count(), 1, "{s}");
    }
}
