//! Accounts, sessions and the login log.
//!
//! Passwords arrive here already hashed (argon2id, by the web crate) and session tokens as their
//! SHA-256: this module never sees a secret it could leak.

use crate::audit::{self, Actor as AuditActor};
use crate::{Db, StoreError, StoreResult};
use kesu_core::authz::{Actor, Role};
use kesu_core::region::RegionCode;
use serde::Serialize;
use serde_json::json;
use time::{Duration, OffsetDateTime};

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region: RegionCode,
    pub unit_id: Option<i64>,
    pub password_hash: String,
}

/// An account as stored (the hash stays in this crate and the web crate's login).
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub region_code: String,
    pub unit_id: Option<i64>,
    #[serde(skip)]
    pub password_hash: String,
    pub active: bool,
}
from_row!(User {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    region_code: String,
    unit_id: Option<i64>,
    password_hash: String,
    active: bool,
});

impl User {
    /// The actor the access rules see.
    pub fn actor(&self) -> StoreResult<Actor> {
        Ok(Actor {
            user_id: self.id,
            username: self.username.clone(),
            role: Role::parse(&self.role)
                .ok_or_else(|| invalid(format!("未知角色“{}”", self.role)))?,
            region: RegionCode::parse(&self.region_code).map_err(|e| invalid(e.to_string()))?,
            unit_id: self.unit_id,
        })
    }
}

const USER_COLS: &str =
    "id, username, display_name, role, region_code, unit_id, password_hash, active";

/// Add an account. A taken user name is refused, naming it.
pub async fn add_user(db: &Db, u: &NewUser, by: &AuditActor) -> StoreResult<i64> {
    let now = OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    let taken: Option<i64> = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT id FROM app_user WHERE username = $1"
    )
    .bind(&u.username)
    .fetch_optional(&mut *c)
    .await)?;
    if taken.is_some() {
        return Err(invalid(format!(
            "用户名“{}”已被使用 (user name taken)",
            u.username
        )));
    }
    let id: i64 = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO app_user (username, display_name, role, region_code, unit_id, password_hash, active, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
    )
    .bind(&u.username)
    .bind(&u.display_name)
    .bind(u.role.as_str())
    .bind(u.region.as_str())
    .bind(u.unit_id)
    .bind(&u.password_hash)
    .bind(true)
    .bind(now)
    .fetch_one(&mut *c)
    .await
    })?;
    let after = json!({"username": u.username, "display_name": u.display_name, "role": u.role,
        "region": u.region.as_str(), "unit_id": u.unit_id});
    audit::record_in_region(
        &mut tx,
        by,
        Some(u.region.as_str()),
        "user.add",
        &format!("user:{id}"),
        None,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn user_by_name(db: &Db, username: &str) -> StoreResult<Option<User>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLS} FROM app_user WHERE username = $1"
    ));
    Ok(on_db!(db, |p| sqlx::query_as(sql)
        .bind(username)
        .fetch_optional(p)
        .await)?)
}

pub async fn user(db: &Db, id: i64) -> StoreResult<User> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLS} FROM app_user WHERE id = $1"));
    let u: Option<User> = on_db!(db, |p| sqlx::query_as(sql).bind(id).fetch_optional(p).await)?;
    u.ok_or(StoreError::NotFound {
        what: "用户",
        key: id.to_string(),
    })
}

/// All accounts whose region lies in `region`'s subtree, by user name.
pub async fn users_in(db: &Db, region: &str) -> StoreResult<Vec<User>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLS} FROM app_user WHERE region_code LIKE $1 || '%' ORDER BY username"
    ));
    Ok(on_db!(db, |p| sqlx::query_as(sql)
        .bind(region)
        .fetch_all(p)
        .await)?)
}

/// The accounts of a unit (to notify them).
pub async fn users_of_unit(db: &Db, unit_id: i64) -> StoreResult<Vec<i64>> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT id FROM app_user WHERE unit_id = $1 AND active = $2 ORDER BY id"
    )
    .bind(unit_id)
    .bind(true)
    .fetch_all(p)
    .await)?)
}

/// How sign-in attempts are rationed. The numbers are the web crate's policy; the counting is
/// here, in the database, so that it holds across processes and restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    /// The window attempts are counted in; a window starts at the first attempt after the last
    /// one ended.
    pub window: Duration,
    /// Attempts at one account name from one address per window. A success starts afresh.
    pub per_account: i64,
    /// Failed attempts from one address, at any account name, per window (guessing one common
    /// password across many accounts).
    pub per_address: i64,
}

/// Whether a sign-in attempt may go on to the password check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    /// Not before `until` (the end of the full window): this name from this address, or any
    /// name from it (`whole_address`, too many failures).
    Refused {
        until: OffsetDateTime,
        whole_address: bool,
    },
}

/// What a login attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginOutcome {
    Ok,
    BadPassword,
    UnknownUser,
    /// Refused before the password was checked: too many attempts from the address.
    Throttled,
}

impl LoginOutcome {
    fn as_str(self) -> &'static str {
        match self {
            LoginOutcome::Ok => "ok",
            LoginOutcome::BadPassword => "bad_password",
            LoginOutcome::UnknownUser => "unknown_user",
            LoginOutcome::Throttled => "throttled",
        }
    }
}

/// The address-wide row of `login_throttle` has this user name (no account name is empty: the
/// web refuses an empty name before it gets here).
const ANY_NAME: &str = "";

struct ThrottleRow {
    window_start: OffsetDateTime,
    attempts: i64,
}
from_row!(ThrottleRow {
    window_start: OffsetDateTime,
    attempts: i64
});

/// Take one attempt at `username` from `address` before its password is checked, if the
/// address has failures left and this (address, name) pair has attempts left in its window.
///
/// The pair's count is taken by one conditional upsert (`… DO UPDATE … WHERE attempts < max
/// RETURNING`): however many attempts race, exactly `per_account` are admitted per window, on
/// PostgreSQL (row lock of the upsert) as on SQLite (one writer). A refused attempt is written
/// to the login log. Nothing is counted against the account itself, so a stranger guessing
/// from one address cannot keep the owner, at another, out.
pub async fn admit_login(
    db: &Db,
    attempt: &Attempt<'_>,
    limits: &LoginLimits,
) -> StoreResult<Admission> {
    let Attempt {
        address,
        ip,
        username,
        at: now,
    } = *attempt;
    if username == ANY_NAME {
        return Err(invalid("用户名为空 (empty user name)"));
    }
    let cutoff = now - limits.window;
    let mut tx = db.begin().await?;
    let address_row: Option<ThrottleRow> = on_tx!(&mut tx, |c| sqlx::query_as(
        "SELECT window_start, attempts FROM login_throttle WHERE address = $1 AND username = $2"
    )
    .bind(address)
    .bind(ANY_NAME)
    .fetch_optional(&mut *c)
    .await)?;
    let mut refused = address_row
        .filter(|r| r.window_start > cutoff && r.attempts >= limits.per_address)
        .map(|r| Admission::Refused {
            until: r.window_start + limits.window,
            whole_address: true,
        });
    if refused.is_none() {
        let taken = count(&mut tx, address, username, now, limits, limits.per_account).await?;
        if !taken {
            let start: OffsetDateTime = on_tx!(&mut tx, |c| sqlx::query_scalar(
                "SELECT window_start FROM login_throttle WHERE address = $1 AND username = $2"
            )
            .bind(address)
            .bind(username)
            .fetch_one(&mut *c)
            .await)?;
            refused = Some(Admission::Refused {
                until: start + limits.window,
                whole_address: false,
            });
        }
    }
    let Some(refused) = refused else {
        tx.commit().await?;
        return Ok(Admission::Admitted);
    };
    log_attempt(&mut tx, now, username, None, ip, LoginOutcome::Throttled).await?;
    tx.commit().await?;
    Ok(refused)
}

/// One sign-in attempt: from where, at which account name, when.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    /// Whom the limits count: the client's address, or its network (the web crate counts an
    /// IPv6 client by its /64, and uses `-` when it knows no address).
    pub address: &'a str,
    /// The client's own address, for the login log and the session (`None`: unknown).
    pub ip: Option<&'a str>,
    /// The account name as typed (trimmed).
    pub username: &'a str,
    pub at: OffsetDateTime,
}

/// A session to start: `token_hash` is the SHA-256 of the cookie's token.
#[derive(Debug, Clone, Copy)]
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub csrf_token: &'a str,
    pub limits: SessionLimits,
}

/// How long sessions live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// A session ends after this long without a request.
    pub idle: Duration,
    /// … and this long after it started, used or not.
    pub lifetime: Duration,
}

/// Record the outcome of an admitted attempt, in one short transaction after the password was
/// checked: the login log; for a failure, one more failure of the address; for a success, a
/// fresh count for the (address, name) pair and the new session (whose id is returned), and
/// expired sessions and windows are swept.
pub async fn finish_login(
    db: &Db,
    attempt: &Attempt<'_>,
    user_id: Option<i64>,
    outcome: LoginOutcome,
    limits: &LoginLimits,
    session: Option<NewSession<'_>>,
) -> StoreResult<Option<i64>> {
    let Attempt {
        address,
        ip,
        username,
        at: now,
    } = *attempt;
    let cutoff = now - limits.window;
    let mut tx = db.begin().await?;
    log_attempt(&mut tx, now, username, user_id, ip, outcome).await?;
    let (LoginOutcome::Ok, Some(user_id), Some(s)) = (outcome, user_id, session) else {
        if matches!(
            outcome,
            LoginOutcome::BadPassword | LoginOutcome::UnknownUser
        ) {
            // Always counted: the address's budget is checked at admission.
            count(&mut tx, address, ANY_NAME, now, limits, i64::MAX).await?;
            // Windows that are over go, so that a long attack without any success leaves one
            // window's rows at most.
            on_tx!(&mut tx, |c| sqlx::query(
                "DELETE FROM login_throttle WHERE window_start <= $1"
            )
            .bind(cutoff)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
        }
        tx.commit().await?;
        return Ok(None);
    };
    on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM login_throttle WHERE (address = $1 AND username = $2) OR window_start <= $3"
    )
    .bind(address)
    .bind(username)
    .bind(cutoff)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    let id: i64 = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO session (user_id, token_hash, csrf_token, created_at, expires_at, last_seen, ip)
         VALUES ($1, $2, $3, $4, $5, $4, $6) RETURNING id"
    )
    .bind(user_id)
    .bind(s.token_hash)
    .bind(s.csrf_token)
    .bind(now)
    .bind(now + s.limits.lifetime)
    .bind(ip)
    .fetch_one(&mut *c)
    .await
    })?;
    // Old sessions are swept on every login rather than by a background job.
    on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM session WHERE expires_at <= $1 OR last_seen <= $2"
    )
    .bind(now)
    .bind(now - s.limits.idle)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    let region: Option<String> = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT region_code FROM app_user WHERE id = $1"
    )
    .bind(user_id)
    .fetch_optional(&mut *c)
    .await)?;
    audit::record_in_region(
        &mut tx,
        &AuditActor::system(),
        region.as_deref(),
        "session.start",
        &format!("user:{user_id}"),
        None,
        Some(&json!({"session": id, "ip": ip})),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// Count one more in the window of (`address`, `username`), starting a new window when the last
/// one is over — unless the window already holds `cap`: then nothing changes and it returns
/// false. One statement, so concurrent callers cannot both take the last place.
async fn count(
    tx: &mut crate::Tx,
    address: &str,
    username: &str,
    now: OffsetDateTime,
    limits: &LoginLimits,
    cap: i64,
) -> StoreResult<bool> {
    let taken: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
        "INSERT INTO login_throttle (address, username, window_start, attempts)
         VALUES ($1, $2, $3, 1)
         ON CONFLICT (address, username) DO UPDATE SET
             attempts = CASE WHEN login_throttle.window_start <= $4 THEN 1
                             ELSE login_throttle.attempts + 1 END,
             window_start = CASE WHEN login_throttle.window_start <= $4 THEN $3
                                 ELSE login_throttle.window_start END
         WHERE login_throttle.window_start <= $4 OR login_throttle.attempts < $5
         RETURNING attempts"
    )
    .bind(address)
    .bind(username)
    .bind(now)
    .bind(now - limits.window)
    .bind(cap)
    .fetch_optional(&mut *c)
    .await)?;
    Ok(taken.is_some())
}

async fn log_attempt(
    tx: &mut crate::Tx,
    now: OffsetDateTime,
    username: &str,
    user_id: Option<i64>,
    ip: Option<&str>,
    outcome: LoginOutcome,
) -> StoreResult<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO login_log (at, username, user_id, ip, outcome) VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(now)
    .bind(username)
    .bind(user_id)
    .bind(ip)
    .bind(outcome.as_str())
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// One line of the login log.
#[derive(Debug, Clone, Serialize)]
pub struct LoginEntry {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub username: String,
    pub ip: Option<String>,
    pub outcome: String,
}
from_row!(LoginEntry { at: OffsetDateTime, username: String, ip: Option<String>, outcome: String });

/// The columns of a [`LoginEntry`], from `login_log l`.
const LOGIN_COLS: &str = "l.at, l.username, l.ip, l.outcome";

/// The newest login attempts (all, or of one user name).
pub async fn login_log(
    db: &Db,
    username: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<LoginEntry>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {LOGIN_COLS} FROM login_log l
         WHERE ($1 IS NULL OR l.username = $1) ORDER BY l.id DESC LIMIT $2"
    ));
    Ok(on_db!(db, |p| sqlx::query_as(sql)
        .bind(username)
        .bind(limit)
        .fetch_all(p)
        .await)?)
}

/// The newest login attempts on accounts of `region`'s subtree (attempts on unknown names are
/// left out: they belong to no region).
pub async fn login_log_in(db: &Db, region: &str, limit: i64) -> StoreResult<Vec<LoginEntry>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {LOGIN_COLS} FROM login_log l JOIN app_user u ON u.id = l.user_id
         WHERE u.region_code LIKE $1 || '%' ORDER BY l.id DESC LIMIT $2"
    ));
    Ok(on_db!(db, |p| sqlx::query_as(sql)
        .bind(region)
        .bind(limit)
        .fetch_all(p)
        .await)?)
}

/// Replace an account's password hash and end its sessions, all but `keep_session` (the one
/// that asked for the change, when the owner changes their own password: whoever else holds a
/// session, perhaps with the old password, is signed out; the owner is not).
pub async fn set_password(
    db: &Db,
    user_id: i64,
    password_hash: &str,
    keep_session: Option<i64>,
    by: &AuditActor,
) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    let region: Option<String> = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "UPDATE app_user SET password_hash = $1 WHERE id = $2 RETURNING region_code"
    )
    .bind(password_hash)
    .bind(user_id)
    .fetch_optional(&mut *c)
    .await)?;
    let Some(region) = region else {
        return Err(StoreError::NotFound {
            what: "用户",
            key: user_id.to_string(),
        });
    };
    let ended = on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM session WHERE user_id = $1 AND ($2 IS NULL OR id <> $2)"
    )
    .bind(user_id)
    .bind(keep_session)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    audit::record_in_region(
        &mut tx,
        by,
        Some(&region),
        "user.password",
        &format!("user:{user_id}"),
        None,
        Some(&json!({"sessions_ended": ended})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A live session with what the pages show about its user.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub session_id: i64,
    pub actor: Actor,
    pub display_name: String,
    pub unit_name: Option<String>,
    pub region_name: String,
    pub csrf_token: String,
    /// When the session was last used (as far as [`touch_session`] wrote it down).
    pub last_seen: OffsetDateTime,
}

struct SessionRow {
    session_id: i64,
    csrf_token: String,
    last_seen: OffsetDateTime,
    user_id: i64,
    username: String,
    display_name: String,
    role: String,
    region_code: String,
    unit_id: Option<i64>,
    unit_name: Option<String>,
    region_name: Option<String>,
}
from_row!(SessionRow {
    session_id: i64,
    csrf_token: String,
    last_seen: OffsetDateTime,
    user_id: i64,
    username: String,
    display_name: String,
    role: String,
    region_code: String,
    unit_id: Option<i64>,
    unit_name: Option<String>,
    region_name: Option<String>,
});

/// The session whose token hashes to `token_hash`, if it is live at `now` (used within
/// `limits.idle`, younger than its lifetime) and its account active.
pub async fn session_by_token(
    db: &Db,
    token_hash: &str,
    now: OffsetDateTime,
    limits: &SessionLimits,
) -> StoreResult<Option<SessionInfo>> {
    let row: Option<SessionRow> = on_db!(db, |p| sqlx::query_as(
        "SELECT s.id AS session_id, s.csrf_token, s.last_seen, u.id AS user_id, u.username,
                u.display_name, u.role, u.region_code, u.unit_id, un.name AS unit_name,
                r.name AS region_name
         FROM session s JOIN app_user u ON u.id = s.user_id
         LEFT JOIN unit un ON un.id = u.unit_id
         LEFT JOIN region r ON r.code = u.region_code
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen > $3 AND u.active = $4"
    )
    .bind(token_hash)
    .bind(now)
    .bind(now - limits.idle)
    .bind(true)
    .fetch_optional(p)
    .await)?;
    let Some(r) = row else { return Ok(None) };
    let role = Role::parse(&r.role).ok_or_else(|| invalid(format!("未知角色“{}”", r.role)))?;
    let region = RegionCode::parse(&r.region_code).map_err(|e| invalid(e.to_string()))?;
    Ok(Some(SessionInfo {
        session_id: r.session_id,
        actor: Actor {
            user_id: r.user_id,
            username: r.username,
            role,
            region,
            unit_id: r.unit_id,
        },
        display_name: r.display_name,
        unit_name: r.unit_name,
        region_name: r.region_name.unwrap_or(r.region_code),
        csrf_token: r.csrf_token,
        last_seen: r.last_seen,
    }))
}

/// Note that a session was used at `now`, unless that was noted less than `every` ago: the
/// idle clock restarts while the write rate stays bounded (one write per session per
/// `every`). Returns whether it wrote.
pub async fn touch_session(
    db: &Db,
    session_id: i64,
    now: OffsetDateTime,
    every: Duration,
) -> StoreResult<bool> {
    let mut tx = db.begin().await?;
    let n = on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE session SET last_seen = $1 WHERE id = $2 AND last_seen <= $3"
    )
    .bind(now)
    .bind(session_id)
    .bind(now - every)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    tx.commit().await?;
    Ok(n > 0)
}

/// The live sessions of an account at `now`, newest first (their ids).
pub async fn sessions_of(
    db: &Db,
    user_id: i64,
    now: OffsetDateTime,
    limits: &SessionLimits,
) -> StoreResult<Vec<i64>> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT id FROM session WHERE user_id = $1 AND expires_at > $2 AND last_seen > $3
         ORDER BY id DESC"
    )
    .bind(user_id)
    .bind(now)
    .bind(now - limits.idle)
    .fetch_all(p)
    .await)?)
}

/// End a session (logout).
pub async fn end_session(db: &Db, session_id: i64, by: &AuditActor) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM session WHERE id = $1"
    )
    .bind(session_id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    audit::record(
        &mut tx,
        by,
        "session.end",
        &format!("session:{session_id}"),
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn invalid(m: impl Into<String>) -> StoreError {
    StoreError::Invalid(m.into())
}
