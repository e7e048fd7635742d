//! The process's Prometheus metrics. One recorder for the whole process (the `metrics` facade
//! is global; its version is pinned in the workspace because two versions would be two
//! recorders and an empty `/metrics`). Requests are counted by [`crate::observe`], the store's
//! write-queue wait by `kesu_store::stats`, background jobs by `kesu_app::jobs`; pool use is
//! read when Prometheus scrapes.

use axum::http::{Method, StatusCode};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

pub const REQUESTS: &str = "kesu_http_requests_total";
pub const REQUEST_SECONDS: &str = "kesu_http_request_duration_seconds";
pub const IN_FLIGHT: &str = "kesu_http_requests_in_flight";
pub const LOGIN_FAILURES: &str = "kesu_login_failures_total";
pub const POOL_CONNECTIONS: &str = "kesu_db_pool_connections";
pub const POOL_MAX: &str = "kesu_db_pool_max_connections";

/// Latency buckets, seconds: from a cached page to a slow export.
const BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed on first use. `None` when another recorder was installed
/// first (then `/metrics` says so instead of answering empty).
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new().set_buckets(BUCKETS).ok()?;
            match builder.install_recorder() {
                Ok(h) => {
                    describe();
                    Some(h)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "metrics recorder not installed");
                    None
                }
            }
        })
        .as_ref()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        REQUESTS,
        "HTTP requests by method, matched route and status"
    );
    describe_histogram!(
        REQUEST_SECONDS,
        metrics::Unit::Seconds,
        "HTTP request latency by method, matched route and status"
    );
    describe_gauge!(IN_FLIGHT, "HTTP requests being handled");
    describe_counter!(LOGIN_FAILURES, "Refused sign-ins by reason");
    describe_gauge!(POOL_CONNECTIONS, "Database connections by pool and state");
    describe_gauge!(POOL_MAX, "Most connections a pool opens");
    describe_counter!(
        crate::replica::READS,
        "Reads routed to the primary or a read replica"
    );
    describe_counter!(
        kesu_app::jobs::RUNS,
        "Scheduled job runs by job and outcome"
    );
    describe_histogram!(
        kesu_app::jobs::SECONDS,
        metrics::Unit::Seconds,
        "Time a scheduled job ran"
    );
    describe_gauge!(
        kesu_app::jobs::LAST_SUCCESS,
        "Unix time of a scheduled job's last successful run"
    );
    describe_histogram!(
        kesu_store::stats::WRITE_WAIT,
        metrics::Unit::Seconds,
        "Time a write waited for its turn before its transaction began"
    );
}

/// A request is being handled until this is dropped (also when the client goes away).
pub struct InFlight(());

pub fn in_flight() -> InFlight {
    metrics::gauge!(IN_FLIGHT).increment(1.0);
    InFlight(())
}

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::gauge!(IN_FLIGHT).decrement(1.0);
    }
}

pub fn record_request(method: &Method, route: &str, status: StatusCode, elapsed: Duration) {
    let labels = [
        ("method", method.as_str().to_string()),
        ("route", route.to_string()),
        ("status", status.as_u16().to_string()),
    ];
    metrics::counter!(REQUESTS, &labels).increment(1);
    metrics::histogram!(REQUEST_SECONDS, &labels).record(elapsed.as_secs_f64());
}

/// Count a refused sign-in (nothing for a successful one).
pub fn login_outcome(status: StatusCode) {
    if let Some(reason) = crate::observe::login_refusal(status) {
        metrics::counter!(LOGIN_FAILURES, "reason" => reason).increment(1);
    }
}

/// The metrics in Prometheus' text format, with the pools read now.
pub fn render(pools: &[(String, kesu_store::Db)]) -> Option<String> {
    let h = handle()?;
    for (name, db) in pools {
        let u = kesu_store::stats::pool_use(db);
        let pool = name.clone();
        metrics::gauge!(POOL_CONNECTIONS, "pool" => pool.clone(), "state" => "busy").set(u.busy());
        metrics::gauge!(POOL_CONNECTIONS, "pool" => pool.clone(), "state" => "idle").set(u.idle);
        metrics::gauge!(POOL_MAX, "pool" => pool).set(u.max);
    }
    h.run_upkeep();
    Some(h.render())
}
