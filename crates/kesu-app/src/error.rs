//! The one error type of the use cases. Each variant says what the edge should answer (the web
//! maps them to HTTP statuses, the CLI to exit codes); messages are for humans, in Chinese with
//! the English gist.

use kesu_store::StoreError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such object, or not in the caller's scope: the same answer, so nothing leaks (404).
    #[error("未找到 (not found)")]
    NotFound,
    /// In scope, but the caller's role may not do this (403).
    #[error("没有权限执行此操作 (not allowed)")]
    Forbidden,
    /// The input is well-formed but not acceptable (422). `field` names the form field or JSON
    /// path when there is one, so that the edge can put the message next to it.
    #[error("{message}")]
    Invalid {
        field: Option<String>,
        message: String,
    },
    /// A stale version, a full slot, a state that no longer allows the action (409).
    #[error("{0}")]
    Conflict(String),
    /// Too large (413): a file, a sheet, a request.
    #[error("{0}")]
    TooLarge(String),
    /// Too many requests from one address or for one account or phone (429).
    #[error("{0}")]
    TooMany(String),
    /// Something this installation is not set up to do (503).
    #[error("{0}")]
    Unavailable(String),
    /// Our failure (500): logged with its cause, never shown.
    #[error("服务器内部错误，请稍后再试 (internal error)")]
    Internal(String),
}

impl Error {
    /// A 422 without a field.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid {
            field: None,
            message: message.into(),
        }
    }

    /// A 422 naming the field it is about.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: Some(field.into()),
            message: message.into(),
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => Error::NotFound,
            StoreError::Conflict(m) => Error::Conflict(m),
            StoreError::Invalid(m) => Error::invalid(m),
            StoreError::Unavailable(m) => Error::Unavailable(m),
            StoreError::Busy => Error::Unavailable(StoreError::Busy.to_string()),
            other => Error::Internal(other.to_string()),
        }
    }
}
