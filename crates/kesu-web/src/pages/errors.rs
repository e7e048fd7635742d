//! Error pages inside the normal layout: the menu, the signed-in user, phone-sized, in Chinese
//! only, with links that work under the content-security policy (no inline script: "返回上一页"
//! is a real link to the page the browser came from, and `kesu.js` makes it go back in
//! history where there is one).
//!
//! [`crate::error::AppError::into_page`] renders a plain page and marks the response with
//! [`ErrorInfo`]; the [`in_layout`] middleware, which knows the request, renders it again in the
//! layout of the signed-in user. Unknown paths get the same 404 page ([`not_found`]).

use super::{Layout, UserBar};
use crate::AppState;
use crate::auth::MaybeCaller;
use crate::error::AppError;
use askama::Template;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// A refusal of a form's input, shown on the form: the message (Chinese only) and the field it
/// is about, if any.
#[derive(Debug, Clone)]
pub struct FormError {
    pub field: Option<String>,
    pub message: String,
}

impl FormError {
    pub fn new(field: Option<&str>, message: &str) -> Self {
        FormError {
            field: field.map(str::to_string),
            message: zh_only(message),
        }
    }
}

/// A use case's refusal as a form error when the user can fix it on the form (a value not
/// accepted, a state or version that changed meanwhile); anything else (not found, forbidden,
/// our failure) stays an error page.
pub fn form_error(e: kesu_app::Error) -> Result<FormError, AppError> {
    match e {
        kesu_app::Error::Invalid { field, message } => {
            Ok(FormError::new(field.as_deref(), &message))
        }
        kesu_app::Error::Conflict(m) => Ok(FormError::new(None, &m)),
        other => Err(other.into()),
    }
}

/// What an error response was about, for [`in_layout`].
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub status: u16,
    pub message: String,
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub user: Option<UserBar>,
    pub demo: bool,
    pub flash: Option<String>,
    pub status: u16,
    pub title: &'static str,
    pub message: String,
    /// Where "返回上一页" leads without script: the referring page of this site, else 工作台.
    pub back: String,
    /// The request's id, for the administrator (请将此编号告知管理员), when the server has one.
    pub request_id: Option<String>,
}

impl ErrorPage {
    /// The page without a layout (no request at hand).
    pub fn plain(status: u16, message: &str) -> Self {
        ErrorPage {
            user: None,
            demo: false,
            flash: None,
            status,
            title: title(status),
            message: zh_only(message),
            back: "/".into(),
            request_id: crate::observe::request_id(),
        }
    }
}

/// The heading of an error page.
fn title(status: u16) -> &'static str {
    match status {
        403 => "没有权限",
        408 => "请求超时",
        404 => "页面不存在或无权查看",
        409 => "操作未能完成",
        413 => "文件太大",
        422 => "填写的内容有误",
        429 => "操作太频繁",
        s if s >= 500 => "服务器出错了",
        _ => "请求未能完成",
    }
}

/// A message for people on a page: the Chinese part only. Messages carry their English gist
/// in a trailing ASCII parenthesis ("未找到 (not found)") for logs and API clients; pages leave
/// it out.
pub fn zh_only(message: &str) -> String {
    let t = message.trim_end();
    if let Some(i) = t.rfind(" (")
        && t.ends_with(')')
        && t[i..].bytes().any(|b| b.is_ascii_alphabetic())
    {
        return t[..i].trim_end().to_string();
    }
    t.to_string()
}

/// A same-site path from the `Referer` header (its path and query), for "返回上一页".
fn back_from(h: &HeaderMap) -> Option<String> {
    let referer = h.get(header::REFERER)?.to_str().ok()?;
    let host = h.get(header::HOST)?.to_str().ok()?;
    let rest = referer
        .strip_prefix("http://")
        .or_else(|| referer.strip_prefix("https://"))?;
    let path = rest.strip_prefix(host)?;
    (path.starts_with('/') && !path.starts_with("//")).then(|| path.to_string())
}

/// Render error responses of the pages in the layout of whoever asked.
pub async fn in_layout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path.starts_with("/api/") || path.starts_with("/static/") {
        return next.run(req).await;
    }
    let headers = req.headers().clone();
    let res = next.run(req).await;
    let Some(info) = res.extensions().get::<ErrorInfo>().cloned() else {
        return res;
    };
    let (mut parts, body) = res.into_parts();
    let request_id = ["x-request-id"]
        .iter()
        .find_map(|k| parts.headers.get(*k).or_else(|| headers.get(*k)))
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut page = ErrorPage::plain(info.status, &info.message);
    page.back = back_from(&headers).unwrap_or_else(|| "/".into());
    page.request_id = request_id.or(page.request_id);
    // Who asks (a session lookup, only on the way out of an error).
    let mut probe = Request::new(Body::empty());
    *probe.headers_mut() = headers;
    let (mut probe, _) = probe.into_parts();
    if let Ok(MaybeCaller(Some(caller))) = MaybeCaller::from_request_parts(&mut probe, &state).await
        && let Ok(l) = Layout::new(&state, &caller).await
    {
        page.user = l.user;
        page.demo = l.demo;
    } else {
        page.demo = state.demo;
    }
    match page.render() {
        Ok(html) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(html))
        }
        Err(_) => Response::from_parts(parts, body),
    }
}

/// Any path no route answers: the 404 page.
pub async fn not_found() -> Response {
    AppError::NotFound.into_page().into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_show_the_chinese_part_of_a_message() {
        assert_eq!(zh_only("未找到 (not found)"), "未找到");
        assert_eq!(
            zh_only("报告当前状态为“已通过”，不能提交 (cannot 提交 a report that is 已通过)"),
            "报告当前状态为“已通过”，不能提交"
        );
        assert_eq!(zh_only("请填写（必填）"), "请填写（必填）");
        assert_eq!(zh_only("共 3 项 (12)"), "共 3 项 (12)");
    }

    #[test]
    fn the_back_link_is_a_path_of_this_site_only() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "127.0.0.1:8080".parse().unwrap());
        h.insert(
            header::REFERER,
            "http://127.0.0.1:8080/rounds/3?late=1".parse().unwrap(),
        );
        assert_eq!(back_from(&h).as_deref(), Some("/rounds/3?late=1"));
        h.insert(header::REFERER, "http://evil.example/x".parse().unwrap());
        assert_eq!(back_from(&h), None);
        h.insert(
            header::REFERER,
            "http://127.0.0.1:8080//evil.example".parse().unwrap(),
        );
        assert_eq!(back_from(&h), None);
    }
}
