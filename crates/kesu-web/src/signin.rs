//! Signing in, shared by the login page and the API: throttling, the password check, the login
//! log and the new session.
//!
//! In order, and holding nothing between the steps:
//! 1. refuse at once what was refused a moment ago (in memory, [`Refusals`]: a client that keeps
//!    trying costs no database write);
//! 2. take one attempt in the database (`kesu_store::accounts::admit_login`: a short write, one
//!    conditional update, so parallel guesses cannot overrun the count);
//! 3. check the password (argon2id, in one of the few hashing slots, no write permit held);
//! 4. record the outcome and, for a success, start the session (another short write).
//!
//! The limits are per client address: per (address, account name) and per address over all
//! names. A stranger guessing at a known account slows down their own address only; the owner
//! signing in from elsewhere is not affected. Unknown names are throttled exactly like known
//! ones and answer the same, so the answers say nothing about which accounts exist.

use crate::AppState;
use crate::auth;
use crate::error::AppError;
use kesu_store::accounts::{self, Admission, Attempt, LoginLimits, LoginOutcome, NewSession};
use std::collections::HashMap;
use std::sync::Mutex;
use time::OffsetDateTime;

/// Five attempts at one account name per address, and 30 failures per address over all names,
/// each per quarter of an hour.
pub const LIMITS: LoginLimits = LoginLimits {
    window: time::Duration::minutes(15),
    per_account: 5,
    per_address: 30,
};

/// Longer names and passwords are not checked (no account has them; argon2 would hash a
/// megabyte-long password all the same).
const MAX_NAME_CHARS: usize = 64;
const MAX_PASSWORD_BYTES: usize = 1024;

/// What the address is called when the server does not know it (requests without connect
/// info: tests and embedded routers). All of them share one budget.
const UNKNOWN_ADDRESS: &str = "-";

/// Check the credentials, keep the login log and the throttle, and start a session. Returns the
/// Set-Cookie value. Errors: [`AppError::BadCredentials`] (wrong name or password, 401),
/// [`AppError::Throttled`] (429, with how long to wait), [`AppError::Unavailable`] (no hashing
/// slot in time, 503).
pub async fn do_login(
    state: &AppState,
    username: &str,
    password: &str,
    ip: Option<String>,
) -> Result<String, AppError> {
    let username = username.trim();
    let address = throttle_key(ip.as_deref());
    let address = address.as_str();
    if username.is_empty()
        || username.chars().count() > MAX_NAME_CHARS
        || password.len() > MAX_PASSWORD_BYTES
    {
        return Err(AppError::BadCredentials);
    }
    // Throttling counts real time, not the business day of `state.now()`.
    let now = OffsetDateTime::now_utc();
    if let Some(until) = state.signin.refused(address, username, now) {
        return Err(throttled(until, now));
    }
    let attempt = Attempt {
        address,
        ip: ip.as_deref(),
        username,
        at: now,
    };
    if let Admission::Refused {
        until,
        whole_address,
    } = accounts::admit_login(&state.db, &attempt, &LIMITS).await?
    {
        let name = if whole_address { None } else { Some(username) };
        state.signin.remember(address, name, until);
        return Err(throttled(until, now));
    }
    let user = accounts::user_by_name(&state.db, username)
        .await?
        .filter(|u| u.active);
    let (outcome, user_id) = match &user {
        Some(u) => {
            let ok = auth::verify_password_blocking(password.to_string(), u.password_hash.clone())
                .await?;
            let outcome = if ok {
                LoginOutcome::Ok
            } else {
                LoginOutcome::BadPassword
            };
            (outcome, Some(u.id))
        }
        None => {
            // Spend the same time as a real check, so timing does not reveal which names exist.
            auth::verify_password_blocking(password.to_string(), DUMMY_HASH.to_string()).await?;
            (LoginOutcome::UnknownUser, None)
        }
    };
    if outcome != LoginOutcome::Ok {
        accounts::finish_login(&state.db, &attempt, user_id, outcome, &LIMITS, None).await?;
        return Err(AppError::BadCredentials);
    }
    let token = auth::new_token()?;
    let csrf = auth::new_token()?;
    let session = NewSession {
        token_hash: &auth::token_hash(&token),
        csrf_token: &csrf,
        limits: auth::SESSIONS,
    };
    accounts::finish_login(
        &state.db,
        &attempt,
        user_id,
        outcome,
        &LIMITS,
        Some(session),
    )
    .await?;
    Ok(auth::session_cookie(&token, state.secure_cookies))
}

/// Whom the limits count: an IPv4 address, or the /64 network of an IPv6 address (one
/// subscriber's line; a client rotating through its own /64 is still one client).
fn throttle_key(ip: Option<&str>) -> String {
    match ip.map(str::parse::<std::net::IpAddr>) {
        Some(Ok(std::net::IpAddr::V6(v6))) => {
            let net = ipnet::Ipv6Net::new(v6, 64).map(|n| n.trunc());
            net.map_or_else(|_| v6.to_string(), |n| n.to_string())
        }
        Some(Ok(v4)) => v4.to_string(),
        Some(Err(_)) | None => UNKNOWN_ADDRESS.to_string(),
    }
}

fn throttled(until: OffsetDateTime, now: OffsetDateTime) -> AppError {
    AppError::Throttled((until - now).whole_seconds().max(1) as u64)
}

/// An argon2id hash of a random string, to verify against when the user does not exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Qx3cN1eJz8Gm0Qd6o2q0m6k3Gd3mUq2c6pZ4l2y5p1E";

/// Refusals of the last minutes, remembered in this process: until its window ends, an address
/// (or an address at one name) that the database refused is refused again without asking it.
/// Only a shortcut: the database stays the judge, for other processes and after a restart.
#[derive(Debug, Default)]
pub struct Refusals {
    /// (address, name) → until; the name `None` stands for every name from the address.
    until: Mutex<HashMap<(String, Option<String>), OffsetDateTime>>,
}

/// Entries kept at most; past that the expired ones go, and if that is not enough, all.
const REFUSALS_KEPT: usize = 10_000;

impl Refusals {
    /// Until when `username` from `address` is refused, if it is.
    pub fn refused(
        &self,
        address: &str,
        username: &str,
        now: OffsetDateTime,
    ) -> Option<OffsetDateTime> {
        let m = self.until.lock().ok()?;
        [
            m.get(&(address.to_string(), None)),
            m.get(&(address.to_string(), Some(username.to_string()))),
        ]
        .into_iter()
        .flatten()
        .copied()
        .filter(|t| *t > now)
        .max()
    }

    fn remember(&self, address: &str, username: Option<&str>, until: OffsetDateTime) {
        let Ok(mut m) = self.until.lock() else { return };
        if m.len() >= REFUSALS_KEPT {
            let now = OffsetDateTime::now_utc();
            m.retain(|_, t| *t > now);
            if m.len() >= REFUSALS_KEPT {
                m.clear();
            }
        }
        m.insert((address.to_string(), username.map(str::to_string)), until);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    #[test]
    fn an_ipv6_client_is_counted_by_its_64_network_and_ipv4_by_its_address() {
        assert_eq!(
            throttle_key(Some("2001:db8:1:2:aaaa::1")),
            throttle_key(Some("2001:db8:1:2:bbbb::9"))
        );
        assert_eq!(throttle_key(Some("2001:db8:1:2::1")), "2001:db8:1:2::/64");
        assert_ne!(
            throttle_key(Some("2001:db8:1:2::1")),
            throttle_key(Some("2001:db8:1:3::1"))
        );
        assert_eq!(throttle_key(Some("198.51.100.7")), "198.51.100.7");
        assert_eq!(throttle_key(None), "-");
    }

    #[test]
    fn a_remembered_refusal_holds_for_its_name_or_its_whole_address_until_it_ends() {
        let r = Refusals::default();
        let now = OffsetDateTime::now_utc();
        r.remember("198.51.100.7", Some("a_viewer"), now + Duration::minutes(5));
        assert!(r.refused("198.51.100.7", "a_viewer", now).is_some());
        assert!(r.refused("198.51.100.7", "b_viewer", now).is_none());
        assert!(
            r.refused("203.0.113.1", "a_viewer", now).is_none(),
            "the owner elsewhere"
        );
        assert!(
            r.refused("198.51.100.7", "a_viewer", now + Duration::minutes(6))
                .is_none()
        );
        r.remember("198.51.100.7", None, now + Duration::minutes(10));
        assert!(r.refused("198.51.100.7", "anyone", now).is_some());
    }
}
