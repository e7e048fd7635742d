//! Signing in and out, and who the caller is.

use super::ApiResult;
use super::extract::ApiJson;
use super::types::{Done, ErrorBody, LoginRequest, Me};
use crate::AppState;
use crate::auth::{self, Caller, ClientIp};
use crate::pages;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

/// 登录 (sign in)
///
/// Answers a session cookie (`kesu_session`) for the account. Failed attempts are throttled per
/// client address and per account name (429 with `Retry-After`).
#[utoipa::path(
    post, path = "/login", tag = "session", operation_id = "login",
    security(()),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "已登录；`Set-Cookie` 带会话 (signed in)", body = Done,
         headers(("set-cookie" = String, description = "kesu_session=…; HttpOnly; SameSite=Strict"))),
        (status = 401, description = "用户名或密码错误 (wrong name or password)", body = ErrorBody),
        (status = 429, description = "尝试过于频繁 (too many attempts)", body = ErrorBody,
         headers(("retry-after" = u64, description = "seconds"))),
    )
)]
pub(super) async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(b): ApiJson<LoginRequest>,
) -> ApiResult {
    let cookie = pages::do_login(&state, &b.username, &b.password, ip).await?;
    Ok(([(header::SET_COOKIE, cookie)], Json(Done { ok: true })).into_response())
}

/// 退出登录 (sign out)
///
/// Ends the session.
#[utoipa::path(
    post, path = "/logout", tag = "session", operation_id = "logout",
    responses((status = 200, description = "已退出 (signed out)", body = Done)),
)]
pub(super) async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
) -> ApiResult {
    let by = pages::audit_actor(&caller, ip);
    kesu_store::accounts::end_session(&state.db, caller.session_id, &by).await?;
    Ok((
        [(header::SET_COOKIE, auth::clear_cookie())],
        Json(Done { ok: true }),
    )
        .into_response())
}

/// 当前用户 (the signed-in account)
#[utoipa::path(
    get, path = "/me", tag = "session", operation_id = "me",
    responses((status = 200, description = "当前用户 (the signed-in account)", body = Me)),
)]
pub(super) async fn me(caller: Caller) -> Json<Me> {
    Json(Me::from(&caller))
}
