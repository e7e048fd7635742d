//! Signing in and out and changing one's own password: `/login`, `/logout` and
//! `/account/password`. [`do_login`] (credentials, login log, lockout, new session) is shared
//! with the API's sign-in.

use super::{
    CsrfForm, FlashQuery, Layout, PageResult, UserBar, audit_actor, check_csrf, redirect_with,
    render,
};
use crate::AppState;
use crate::auth::{self, Caller, ClientIp, MaybeCaller};
use crate::error::AppError;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    error: Option<String>,
    username: String,
}

pub(super) async fn login_page(
    State(state): State<AppState>,
    MaybeCaller(c): MaybeCaller,
) -> PageResult {
    if c.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    render(&LoginPage {
        user: None,
        demo: state.demo,
        flash: None,
        error: None,
        username: String::new(),
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
}

/// Check the credentials, keep the login log and the lockout, and start a session. Shared by
/// the page and the API. Returns the Set-Cookie value.
pub async fn do_login(
    state: &AppState,
    username: &str,
    password: &str,
    ip: Option<String>,
) -> Result<String, AppError> {
    use kesu_store::accounts::{self, LoginOutcome};
    let lockout = time::Duration::minutes(auth::LOCKOUT_MINUTES);
    let user = accounts::user_by_name(&state.db, username.trim()).await?;
    let Some(user) = user.filter(|u| u.active) else {
        // Spend the same time as a real check, so timing does not reveal which names exist.
        let _ = auth::verify_password_blocking(password.to_string(), DUMMY_HASH.to_string()).await;
        accounts::record_login(
            &state.db,
            username,
            None,
            LoginOutcome::UnknownUser,
            ip.as_deref(),
            auth::MAX_FAILED_LOGINS,
            lockout,
        )
        .await?;
        return Err(AppError::BadCredentials);
    };
    let now = state.now();
    if let Some(until) = user.locked_until.filter(|t| *t > now) {
        accounts::record_login(
            &state.db,
            username,
            Some(user.id),
            LoginOutcome::LockedOut,
            ip.as_deref(),
            auth::MAX_FAILED_LOGINS,
            lockout,
        )
        .await?;
        let minutes = ((until - now).whole_seconds() + 59) / 60;
        return Err(AppError::LockedOut(minutes.max(1)));
    }
    let ok = auth::verify_password_blocking(password.to_string(), user.password_hash.clone()).await;
    let outcome = if ok {
        LoginOutcome::Ok
    } else {
        LoginOutcome::BadPassword
    };
    let locked = accounts::record_login(
        &state.db,
        username,
        Some(user.id),
        outcome,
        ip.as_deref(),
        auth::MAX_FAILED_LOGINS,
        lockout,
    )
    .await?;
    if !ok {
        return Err(match locked {
            Some(_) => AppError::LockedOut(auth::LOCKOUT_MINUTES),
            None => AppError::BadCredentials,
        });
    }
    let token = auth::new_token()?;
    let csrf = auth::new_token()?;
    accounts::create_session(
        &state.db,
        user.id,
        &auth::token_hash(&token),
        &csrf,
        ip.as_deref(),
        time::Duration::hours(auth::SESSION_HOURS),
    )
    .await?;
    Ok(auth::session_cookie(&token, state.secure_cookies))
}

/// An argon2id hash of a random string, to verify against when the user does not exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Qx3cN1eJz8Gm0Qd6o2q0m6k3Gd3mUq2c6pZ4l2y5p1E";

pub(super) async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Form(f): Form<LoginForm>,
) -> PageResult {
    match do_login(&state, &f.username, &f.password, ip.clone()).await {
        Ok(cookie) => Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()),
        Err(e @ (AppError::BadCredentials | AppError::LockedOut(_))) => {
            let status = e.status();
            let page = LoginPage {
                user: None,
                demo: state.demo,
                flash: None,
                error: Some(e.to_string()),
                username: f.username,
            };
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let by = audit_actor(&caller, ip.clone());
    kesu_store::accounts::end_session(&state.db, caller.session_id, &by).await?;
    Ok((
        [(header::SET_COOKIE, auth::clear_cookie())],
        Redirect::to("/login"),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    error: Option<String>,
}

pub(super) async fn password_page(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let l = Layout::new(&state, &caller).await?.with_flash(q.msg);
    render(&PasswordPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf,
        error: None,
    })
}

#[derive(Deserialize)]
pub(super) struct PasswordForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    current: String,
    new: String,
    confirm: String,
}

pub(super) async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Form(f): Form<PasswordForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let user = kesu_store::accounts::user(&state.db, caller.actor.user_id).await?;
    let problem = if !auth::verify_password_blocking(f.current.clone(), user.password_hash).await {
        Some("当前密码不正确")
    } else if f.new.chars().count() < 8 {
        Some("新密码至少 8 位")
    } else if f.new != f.confirm {
        Some("两次输入的新密码不一致")
    } else {
        None
    };
    if let Some(p) = problem {
        let l = Layout::new(&state, &caller).await?;
        let page = PasswordPage {
            user: l.user,
            demo: l.demo,
            flash: None,
            csrf: caller.csrf.clone(),
            error: Some(p.to_string()),
        };
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let hash = auth::hash_password_blocking(f.new).await?;
    let by = audit_actor(&caller, ip.clone());
    kesu_store::accounts::set_password(
        &state.db,
        caller.actor.user_id,
        &hash,
        Some(caller.session_id),
        &by,
    )
    .await?;
    Ok(redirect_with("/account/password", "密码已修改"))
}
