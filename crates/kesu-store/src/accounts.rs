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
    pub failed_logins: i64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub locked_until: Option<OffsetDateTime>,
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
    failed_logins: i64,
    locked_until: Option<OffsetDateTime>,
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

const USER_COLS: &str = "id, username, display_name, role, region_code, unit_id, password_hash, failed_logins, locked_until, active";

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
        "INSERT INTO app_user (username, display_name, role, region_code, unit_id, password_hash, failed_logins, active, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8) RETURNING id"
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

/// What a login attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginOutcome {
    Ok,
    BadPassword,
    UnknownUser,
    LockedOut,
}

impl LoginOutcome {
    fn as_str(self) -> &'static str {
        match self {
            LoginOutcome::Ok => "ok",
            LoginOutcome::BadPassword => "bad_password",
            LoginOutcome::UnknownUser => "unknown_user",
            LoginOutcome::LockedOut => "locked_out",
        }
    }
}

/// Record a login attempt in the login log and keep the account's failure count: after
/// `max_failures` failures in a row the account waits `lockout`. Returns the time it waits
/// until, if it is now locked.
pub async fn record_login(
    db: &Db,
    username: &str,
    user_id: Option<i64>,
    outcome: LoginOutcome,
    ip: Option<&str>,
    max_failures: i64,
    lockout: Duration,
) -> StoreResult<Option<OffsetDateTime>> {
    let now = OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
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
    let mut locked = None;
    if let Some(id) = user_id {
        match outcome {
            LoginOutcome::Ok => {
                on_tx!(&mut tx, |c| sqlx::query(
                    "UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE id = $1"
                )
                .bind(id)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected()))?;
            }
            LoginOutcome::BadPassword => {
                let failures: i64 = on_tx!(&mut tx, |c| {
                    sqlx::query_scalar(
                    "UPDATE app_user SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins"
                )
                .bind(id)
                .fetch_one(&mut *c)
                .await
                })?;
                if failures >= max_failures {
                    let until = now + lockout;
                    on_tx!(&mut tx, |c| sqlx::query(
                        "UPDATE app_user SET locked_until = $1, failed_logins = 0 WHERE id = $2"
                    )
                    .bind(until)
                    .bind(id)
                    .execute(&mut *c)
                    .await
                    .map(|r| r.rows_affected()))?;
                    audit::record(
                        &mut tx,
                        &AuditActor::system(),
                        "user.lockout",
                        &format!("user:{id}"),
                        None,
                        Some(&json!({"locked_until": until.to_string(), "failures": failures})),
                    )
                    .await?;
                    locked = Some(until);
                }
            }
            LoginOutcome::UnknownUser | LoginOutcome::LockedOut => {}
        }
    }
    tx.commit().await?;
    Ok(locked)
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

/// Replace an account's password hash (and end its other sessions).
pub async fn set_password(
    db: &Db,
    user_id: i64,
    password_hash: &str,
    keep_session: Option<i64>,
    by: &AuditActor,
) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    let n = on_tx!(&mut tx, |c| {
        sqlx::query(
        "UPDATE app_user SET password_hash = $1, failed_logins = 0, locked_until = NULL WHERE id = $2"
    )
    .bind(password_hash)
    .bind(user_id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    if n == 0 {
        return Err(StoreError::NotFound {
            what: "用户",
            key: user_id.to_string(),
        });
    }
    on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM session WHERE user_id = $1 AND ($2 IS NULL OR id <> $2)"
    )
    .bind(user_id)
    .bind(keep_session)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    audit::record(
        &mut tx,
        by,
        "user.password",
        &format!("user:{user_id}"),
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Start a session. `token_hash` is the SHA-256 of the cookie's token.
pub async fn create_session(
    db: &Db,
    user_id: i64,
    token_hash: &str,
    csrf_token: &str,
    ip: Option<&str>,
    lifetime: Duration,
) -> StoreResult<i64> {
    let now = OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO session (user_id, token_hash, csrf_token, created_at, expires_at, last_seen, ip)
         VALUES ($1, $2, $3, $4, $5, $4, $6) RETURNING id"
    )
    .bind(user_id)
    .bind(token_hash)
    .bind(csrf_token)
    .bind(now)
    .bind(now + lifetime)
    .bind(ip)
    .fetch_one(&mut *c)
    .await
    })?;
    // Old sessions are swept on every login rather than by a background job.
    on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM session WHERE expires_at < $1"
    )
    .bind(now)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    audit::record(
        &mut tx,
        &AuditActor::system(),
        "session.start",
        &format!("user:{user_id}"),
        None,
        Some(&json!({"session": id, "ip": ip})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
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
}

struct SessionRow {
    session_id: i64,
    csrf_token: String,
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
    user_id: i64,
    username: String,
    display_name: String,
    role: String,
    region_code: String,
    unit_id: Option<i64>,
    unit_name: Option<String>,
    region_name: Option<String>,
});

/// The session whose token hashes to `token_hash`, if it is live and its account active.
pub async fn session_by_token(
    db: &Db,
    token_hash: &str,
    now: OffsetDateTime,
) -> StoreResult<Option<SessionInfo>> {
    let row: Option<SessionRow> = on_db!(db, |p| sqlx::query_as(
        "SELECT s.id AS session_id, s.csrf_token, u.id AS user_id, u.username, u.display_name,
                u.role, u.region_code, u.unit_id, un.name AS unit_name, r.name AS region_name
         FROM session s JOIN app_user u ON u.id = s.user_id
         LEFT JOIN unit un ON un.id = u.unit_id
         LEFT JOIN region r ON r.code = u.region_code
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = $3"
    )
    .bind(token_hash)
    .bind(now)
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
    }))
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
