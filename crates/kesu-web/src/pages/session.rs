//! Signing in and out and changing one's own password: `/login`, `/logout` and
//! `/account/password`. [`do_login`] (throttling, credentials, login log, new session) is
//! [`crate::signin`]'s, shared with the API's sign-in.

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

pub use crate::signin::do_login;

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

pub(super) async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Form(f): Form<LoginForm>,
) -> PageResult {
    match do_login(&state, &f.username, &f.password, ip.clone()).await {
        Ok(cookie) => Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()),
        Err(e @ (AppError::BadCredentials | AppError::Throttled(_))) => {
            let status = e.status();
            let page = LoginPage {
                user: None,
                demo: state.demo,
                flash: None,
                error: Some(e.to_string()),
                username: f.username,
            };
            let mut res = (status, render(&page)?).into_response();
            if let AppError::Throttled(secs) = e {
                res.headers_mut().insert(header::RETRY_AFTER, secs.into());
            }
            Ok(res)
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
    let problem = if !auth::verify_password_blocking(f.current.clone(), user.password_hash).await? {
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
