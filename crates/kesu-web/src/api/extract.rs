//! Extractors of the API that answer a malformed request in the API's error shape
//! (`{"error": {"code": "bad_request", …}}`, 400) instead of axum's plain-text rejections, so
//! that every 4xx a client can meet is the documented JSON.

use crate::error::{ApiError, AppError};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// The `{id}` of a path. A path whose id is not a number names nothing: 404, like an id that
/// does not exist (a client following a link whose id was `null` asks for `/resources/None`).
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<i64>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| Id(id))
            .map_err(|_| AppError::NotFound.into())
    }
}

/// Query parameters.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| ApiQuery(q))
            .map_err(|e| {
                AppError::BadRequest(format!(
                    "查询参数无效：{} (bad query parameter)",
                    e.body_text()
                ))
                .into()
            })
    }
}

/// A JSON body.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|axum::Json(v)| ApiJson(v))
            .map_err(|e| {
                AppError::BadRequest(format!("请求体无效：{} (malformed JSON)", e.body_text()))
                    .into()
            })
    }
}
