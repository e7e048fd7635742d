//! Sign-in: password hashing (argon2id, a few at a time), session tokens, the session cookie
//! and the extractor that turns a request into an [`Actor`].
//!
//! Only the SHA-256 of a session token is stored, so a copy of the database cannot be used to
//! sign in. Every page and API handler gets its caller from [`Caller`]; there is no other way.
//! Signing in itself (throttling, the login log) is [`crate::signin`].

use crate::AppState;
use crate::error::AppError;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use kesu_core::authz::Actor;
use kesu_store::accounts::SessionLimits;
use sha2::{Digest, Sha256};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::{Semaphore, SemaphorePermit};

/// Name of the session cookie.
pub const COOKIE: &str = "kesu_session";
/// How long sessions live: they end after 12 hours without a request, and 7 days after sign-in
/// whatever happens.
pub const SESSIONS: SessionLimits = SessionLimits {
    idle: time::Duration::hours(12),
    lifetime: time::Duration::days(7),
};
/// A session's last use is written down at most this often (the idle clock is that coarse), so
/// reading pages does not turn into a write per request.
pub const TOUCH_EVERY: time::Duration = time::Duration::minutes(1);

/// Password hashes computed at once, process-wide. Each argon2id takes about 19 MiB and a core
/// for tens of milliseconds; unbounded, a burst of sign-ins takes every core and much memory.
pub const HASH_SLOTS: usize = 2;
/// How long a hash waits for a slot before the request is refused as busy (503).
pub const HASH_QUEUE: Duration = Duration::from_secs(10);
static HASHING: Semaphore = Semaphore::const_new(HASH_SLOTS);

/// Hash a password with argon2id (default parameters, random salt); a PHC string.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    // A random salt is drawn by the hasher (getrandom).
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("argon2: {e}")))
}

/// Check a password against a stored PHC string. A malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), phc)
        .is_ok()
}

/// A hashing slot, waited for at most [`HASH_QUEUE`].
async fn hashing_slot() -> Result<SemaphorePermit<'static>, AppError> {
    match tokio::time::timeout(HASH_QUEUE, HASHING.acquire()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(AppError::Unavailable(BUSY.into())),
    }
}

/// What a client is told when the server is too busy to check a password now.
pub const BUSY: &str = "服务器繁忙，请稍后再试 (server busy)";

/// Hash off the async runtime (argon2 is deliberately slow), in one of the [`HASH_SLOTS`]. The
/// slot goes with the work: a request that gives up does not free it before the hash is done.
pub async fn hash_password_blocking(password: String) -> Result<String, AppError> {
    let slot = hashing_slot().await?;
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        hash_password(&password)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

/// Verify off the async runtime, in one of the [`HASH_SLOTS`] (see [`hash_password_blocking`]).
pub async fn verify_password_blocking(password: String, phc: String) -> Result<bool, AppError> {
    let slot = hashing_slot().await?;
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        verify_password(&password, &phc)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))
}

/// A new random token (32 bytes, hex) for a session or a form.
pub fn new_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("random: {e}")))?;
    Ok(hex(&bytes))
}

/// What the database keeps of a token.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The session token from the request's cookies.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The Set-Cookie value for a new session. `Secure` when the server is behind TLS. The browser
/// keeps it for the session's whole lifetime; the server ends it sooner when it is not used.
pub fn session_cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        SESSIONS.lifetime.whole_seconds()
    )
}

/// The Set-Cookie value that ends the session in the browser.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

/// The signed-in caller: the actor the rules see, the session's form token and display data.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
    pub display_name: String,
    pub unit_name: Option<String>,
    pub region_name: String,
    /// The form token of this session (hidden field `_csrf` in every form).
    pub csrf: String,
    pub session_id: i64,
}

impl Caller {
    async fn load(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if let Some(c) = parts.extensions.get::<Caller>() {
            return Ok(c.clone());
        }
        let token = session_token(&parts.headers).ok_or(AppError::Unauthenticated)?;
        // Sessions run on the wall clock, not on `state.now()` (a fixed business day in tests
        // and benchmarks): idleness is real time.
        let now = OffsetDateTime::now_utc();
        let s =
            kesu_store::accounts::session_by_token(&state.db, &token_hash(&token), now, &SESSIONS)
                .await?
                .ok_or(AppError::Unauthenticated)?;
        if now - s.last_seen >= TOUCH_EVERY {
            // Off the request's path: a reader does not wait for the writer.
            let db = state.db.clone();
            let id = s.session_id;
            tokio::spawn(async move {
                if let Err(e) = kesu_store::accounts::touch_session(&db, id, now, TOUCH_EVERY).await
                {
                    tracing::debug!(session = id, error = %e, "session not touched");
                }
            });
        }
        let caller = Caller {
            actor: s.actor,
            display_name: s.display_name,
            unit_name: s.unit_name,
            region_name: s.region_name,
            csrf: s.csrf_token,
            session_id: s.session_id,
        };
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

/// An error while finding the caller answers as JSON under `/api/`, as a page elsewhere
/// (a page request without a session goes to the login page).
fn rejection(parts: &Parts, e: AppError) -> Response {
    // Inside the nested API router the URI has lost its `/api/v1` prefix; the original has it.
    let path = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map(|u| u.0.path().to_string())
        .unwrap_or_else(|| parts.uri.path().to_string());
    if path.starts_with("/api/") {
        e.into_json()
    } else {
        e.into_page()
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        Caller::load(parts, state)
            .await
            .map_err(|e| rejection(parts, e))
    }
}

/// Like [`Caller`] but optional (the login page, the public pages).
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match Caller::load(parts, state).await {
            Ok(c) => Ok(MaybeCaller(Some(c))),
            Err(AppError::Unauthenticated) => Ok(MaybeCaller(None)),
            Err(e) => Err(rejection(parts, e)),
        }
    }
}

/// The client's address, when the server knows it: the peer, or behind a trusted proxy the
/// address it forwarded (see [`crate::client_ip`]).
pub struct ClientIp(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            crate::client_ip::of(parts).map(|ip| ip.to_string()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let h = hash_password("正确的密码").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("正确的密码", &h));
        assert!(!verify_password("错误的密码", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    // Paused clock: the wait for a slot runs out at once.
    #[tokio::test(start_paused = true)]
    async fn a_hash_that_finds_every_slot_taken_for_too_long_is_refused_as_busy() {
        let taken = HASHING.acquire_many(HASH_SLOTS as u32).await.unwrap();
        let r = verify_password_blocking("x".into(), "not a hash".into()).await;
        assert!(
            matches!(r, Err(AppError::Unavailable(ref m)) if m == BUSY),
            "{r:?}"
        );
        drop(taken);
        let verified = verify_password_blocking("x".into(), "not a hash".into()).await;
        assert!(!verified.unwrap(), "a slot free again: checked (and wrong)");
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn the_session_cookie_is_read_among_others_and_junk_is_ignored() {
        let t = new_token().unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            format!("a=1; {COOKIE}={t}; b=2").parse().unwrap(),
        );
        assert_eq!(session_token(&h), Some(t));
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            format!("{COOKIE}=../../etc").parse().unwrap(),
        );
        assert_eq!(session_token(&h), None);
    }

    #[test]
    fn the_cookie_is_http_only_and_strict() {
        let c = session_cookie("abc", false);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && !c.contains("Secure"));
        assert!(session_cookie("abc", true).contains("; Secure"));
    }
}
