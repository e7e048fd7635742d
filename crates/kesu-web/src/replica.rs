//! Which database a request reads: the primary, or a PostgreSQL read replica
//! (`kesu serve --read-database-url`, see `kesu_store::replica`).
//!
//! - Dashboards, public pages, exports (`.xlsx`, `.pdf`, `.html` downloads) and the API's
//!   reads (`GET /api/v1/…`) go to a replica; other pages and every write go to the primary.
//! - Read-your-writes: after a write the response carries the primary's WAL position in the
//!   `kesu_lsn` cookie; a later read uses a replica only if it has replayed that far, else the
//!   primary. So a user always sees their own save, while others may see it a moment later.
//! - When the primary does not answer, every read goes to a replica (possibly a little behind)
//!   and every write is refused with 503 and a message that says why: the installation is
//!   read-only until the primary is back.
//!
//! The `x-kesu-read` response header says where a read went (`primary` or `replica`).

use crate::AppState;
use crate::error::AppError;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use kesu_store::replica::Lsn;

/// The cookie holding the WAL position of the caller's last write.
pub const LSN_COOKIE: &str = "kesu_lsn";
/// The response header naming where a read went.
pub const READ_FROM: &str = "x-kesu-read";
/// Counter: reads by where they went.
pub const READS: &str = "kesu_db_reads_total";

/// May a request on `route` read from a replica (when the caller's writes are there)?
pub fn replica_route(route: &str) -> bool {
    route.starts_with("/dashboard")
        || route.starts_with("/public/")
        || route.starts_with("/api/v1/")
        || [".xlsx", ".pdf", ".html", ".csv"]
            .iter()
            .any(|ext| route.ends_with(ext))
}

fn lsn_cookie(headers: &HeaderMap) -> Option<Lsn> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == LSN_COOKIE)
        .and_then(|(_, v)| v.parse().ok())
}

fn mark(res: &mut Response, to: &'static str) {
    res.headers_mut()
        .insert(READ_FROM, HeaderValue::from_static(to));
    metrics::counter!(READS, "target" => to).increment(1);
}

/// The middleware; see the module documentation.
pub async fn route(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(set) = state.replicas.clone() else {
        return next.run(req).await;
    };
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    let api = path.starts_with("/api/");
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        if !set.primary_up().await {
            let e = AppError::Unavailable(
                "主数据库暂时不可用，系统处于只读状态：可以查看，暂不能保存，请稍后再试 \
                 (the primary database is unavailable: read-only for now)"
                    .into(),
            );
            return if api { e.into_json() } else { e.into_page() };
        }
        let mut res = next.run(req).await;
        if res.status().is_server_error() {
            set.recheck_primary();
        }
        // Read-your-writes: where the primary is now, after this write.
        if let Some(lsn) = set.primary_lsn().await {
            let secure = if state.secure_cookies { "; Secure" } else { "" };
            let cookie = format!(
                "{LSN_COOKIE}={lsn}; Path=/; HttpOnly; SameSite=Strict; Max-Age=600{secure}"
            );
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        return res;
    }
    // A replica that has the caller's writes, for the routes that may read one; any replica,
    // for any read, when the primary is away (a little behind is better than nothing).
    let mut chosen = None;
    if replica_route(&path) {
        chosen = set.pick(lsn_cookie(req.headers())).await;
    }
    if chosen.is_none() && !set.primary_up().await {
        chosen = set.pick(None).await;
    }
    match chosen {
        Some((_, pool)) => {
            let mut res = kesu_store::replica::scope(pool, next.run(req)).await;
            mark(&mut res, "replica");
            res
        }
        None => {
            let mut res = next.run(req).await;
            if res.status().is_server_error() {
                // Perhaps the primary has just gone: the next request asks again.
                set.recheck_primary();
            }
            mark(&mut res, "primary");
            res
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashboards_public_pages_exports_and_the_api_may_read_a_replica() {
        for r in [
            "/dashboard",
            "/dashboard/regions/{code}",
            "/public/{code}",
            "/rounds/{id}/late.xlsx",
            "/dashboard/regions/{code}/annual.pdf",
            "/api/v1/reports/{id}",
        ] {
            assert!(replica_route(r), "{r}");
        }
        for r in ["/", "/reports/{id}", "/notifications", "/login", ""] {
            assert!(!replica_route(r), "{r}");
        }
    }

    #[test]
    fn the_write_position_is_read_from_its_cookie_and_junk_is_ignored() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "kesu_session=abc; kesu_lsn=0/3000148".parse().unwrap(),
        );
        assert_eq!(lsn_cookie(&h), "0/3000148".parse().ok());
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "kesu_lsn=../etc".parse().unwrap());
        assert_eq!(lsn_cookie(&h), None);
    }
}
