//! The one error type at the web edge. Each variant is something a user can cause or a failure
//! of ours; it answers as JSON under `/api/v1` (`{"error": {"code", "message"}}`) and as a page
//! everywhere else. Internal causes are logged, never shown.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not signed in (401).
    #[error("请先登录 (please sign in)")]
    Unauthenticated,
    /// Wrong user name or password (401).
    #[error("用户名或密码错误 (wrong user name or password)")]
    BadCredentials,
    /// Too many sign-in attempts from this address: wait this many seconds (429, Retry-After).
    #[error("登录尝试过于频繁，请 {} 分钟后再试 (too many sign-in attempts, try again later)", .0.div_ceil(60))]
    Throttled(u64),
    /// Signed in but the role does not allow it, on an object the user may see (403).
    #[error("没有权限执行此操作 (not allowed)")]
    Forbidden,
    /// No such object, or not in the caller's scope: the same answer, so nothing leaks (404).
    #[error("未找到 (not found)")]
    NotFound,
    /// The request is well-formed but not acceptable (422), e.g. a return without a reason.
    #[error("{0}")]
    Invalid(String),
    /// Like [`AppError::Invalid`], about one field of the request (named in the JSON answer).
    #[error("{message}")]
    InvalidField { field: String, message: String },
    /// A stale version or a state that no longer allows the action (409).
    #[error("{0}")]
    Conflict(String),
    /// Malformed request body (400).
    #[error("{0}")]
    BadRequest(String),
    /// Upload too large (413).
    #[error("{0}")]
    TooLarge(String),
    /// Too many requests from one address, for one account or one phone (429).
    #[error("{0}")]
    TooMany(String),
    /// A cross-site form post or a missing form token (403).
    #[error("请求来源校验失败，请刷新页面后重试 (CSRF check failed)")]
    Csrf,
    /// Something this server is not set up to do (503), e.g. PDFs without Chromium.
    #[error("{0}")]
    Unavailable(String),
    /// Our failure (500): logged with its cause, shown as a plain apology.
    #[error("服务器内部错误，请稍后再试 (internal error)")]
    Internal(String),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
            AppError::Throttled(_) | AppError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Invalid(_) | AppError::InvalidField { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable machine code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::BadCredentials => "bad_credentials",
            AppError::Throttled(_) => "throttled",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Invalid(_) | AppError::InvalidField { .. } => "invalid",
            AppError::Conflict(_) => "conflict",
            AppError::BadRequest(_) => "bad_request",
            AppError::TooLarge(_) => "too_large",
            AppError::TooMany(_) => "too_many_requests",
            AppError::Csrf => "csrf",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    fn log(&self) {
        // Inside the request's span: the line carries its request id.
        if let AppError::Internal(cause) = self {
            tracing::error!(%cause, "internal error");
        }
    }

    /// The error as a JSON response (API routes).
    pub fn into_json(self) -> Response {
        self.log();
        let body = crate::api::types::ErrorBody {
            error: crate::api::types::ErrorDetail {
                code: self.code().to_string(),
                message: self.to_string(),
                field: match &self {
                    AppError::InvalidField { field, .. } => Some(field.clone()),
                    _ => None,
                },
                request_id: crate::observe::request_id(),
            },
        };
        self.with_headers((self.status(), axum::Json(body)).into_response())
    }

    /// Headers that go with the status: how long to wait before trying again.
    fn with_headers(&self, mut res: Response) -> Response {
        if let AppError::Throttled(secs) = self {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, (*secs).into());
        }
        res
    }

    /// The error as an HTML page (browser routes).
    pub fn into_page(self) -> Response {
        self.log();
        if matches!(self, AppError::Unauthenticated) {
            return axum::response::Redirect::to("/login").into_response();
        }
        let (status, message) = (self.status().as_u16(), self.to_string());
        let page = crate::pages::ErrorPage::plain(status, &message);
        let html = askama::Template::render(&page).unwrap_or_else(|_| message.clone());
        let mut res = self.with_headers((self.status(), Html(html)).into_response());
        // The pages' layout middleware renders it again with the menu of whoever asked.
        res.extensions_mut()
            .insert(crate::pages::ErrorInfo { status, message });
        res
    }
}

impl From<kesu_store::StoreError> for AppError {
    fn from(e: kesu_store::StoreError) -> Self {
        use kesu_store::StoreError as S;
        match e {
            S::NotFound { .. } => AppError::NotFound,
            S::Conflict(m) => AppError::Conflict(m),
            S::Invalid(m) => AppError::Invalid(m),
            S::Busy => AppError::Unavailable(S::Busy.to_string()),
            other => AppError::Internal(crate::observe::chain(&other)),
        }
    }
}

impl From<kesu_app::Error> for AppError {
    fn from(e: kesu_app::Error) -> Self {
        use kesu_app::Error as E;
        match e {
            E::NotFound => AppError::NotFound,
            E::Forbidden => AppError::Forbidden,
            E::Invalid {
                field: Some(field),
                message,
            } => AppError::InvalidField { field, message },
            E::Invalid {
                field: None,
                message,
            } => AppError::Invalid(message),
            E::Conflict(m) => AppError::Conflict(m),
            E::TooLarge(m) => AppError::TooLarge(m),
            E::TooMany(m) => AppError::TooMany(m),
            E::Unavailable(m) => AppError::Unavailable(m),
            E::Internal(m) => AppError::Internal(m),
        }
    }
}

impl From<kesu_core::report::TransitionError> for AppError {
    fn from(e: kesu_core::report::TransitionError) -> Self {
        use kesu_core::report::TransitionError as T;
        match e {
            T::ReasonRequired => AppError::Invalid(e.to_string()),
            T::NotAllowed { .. } | T::Locked(_) | T::Closed | T::AwaitsCountyCheck => {
                AppError::Conflict(e.to_string())
            }
        }
    }
}

/// Errors from API handlers answer as JSON.
pub struct ApiError(pub AppError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.into_json()
    }
}

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

/// Errors from page handlers answer as HTML.
pub struct PageError(pub AppError);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        self.0.into_page()
    }
}

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}
