//! How long one request may take, so that no client holds a connection, a task or a buffer for
//! as long as it likes.
//!
//! Three limits, each answered with 408 (request timeout):
//! - the body must keep arriving: no more than [`BODY_IDLE`] between two pieces
//!   (tower-http's `TimeoutBody`, reset by every piece);
//! - the whole body must have arrived within [`BODY_DEADLINE`], [`UPLOAD_BODY_DEADLINE`] for
//!   file uploads (tower-http's `DeadlineBody`): a client that trickles a byte now and then
//!   passes the idle limit, never this one;
//! - the whole request, answer included, within [`REQUEST_DEADLINE`] ([`UPLOAD_DEADLINE`]).
//!
//! Writes do not wait for slow bodies anyway (the SQLite writer is taken inside the write
//! transaction, after the body was read); these limits keep a slow client from holding its own
//! request open without end. When a deadline drops a handler, its open transaction rolls back.

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tower_http::timeout::{DeadlineBody, TimeoutBody, TimeoutError};

/// The longest pause between two pieces of a request body.
pub const BODY_IDLE: Duration = Duration::from_secs(10);
/// The longest a form or JSON body may take to arrive (they are a few kilobytes).
pub const BODY_DEADLINE: Duration = Duration::from_secs(20);
/// The longest an upload may take to arrive: 20 MB at 100 KB/s.
pub const UPLOAD_BODY_DEADLINE: Duration = Duration::from_secs(240);
/// The longest a request may take, answer included: a cold dashboard of a large region or a
/// PDF (which waits for a printer and prints within its own limit) fit well inside.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(60);
/// The same for uploads, which are read, checked and stored after they arrive.
pub const UPLOAD_DEADLINE: Duration = Duration::from_secs(600);

/// Whether a request is a file upload (a multipart form): it gets the longer deadlines. A client
/// may claim this for any request; it only buys the upload limits, which are bounded too.
fn is_upload(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("multipart/"))
}

/// Apply the limits above to a request.
pub async fn middleware(req: Request, next: Next) -> Response {
    let upload = is_upload(req.headers());
    let (body_deadline, deadline) = if upload {
        (UPLOAD_BODY_DEADLINE, UPLOAD_DEADLINE)
    } else {
        (BODY_DEADLINE, REQUEST_DEADLINE)
    };
    let api = req.uri().path().starts_with("/api/");
    let timed_out = Arc::new(AtomicBool::new(false));
    let req = req.map(|b| {
        Body::new(Watched {
            inner: Box::pin(DeadlineBody::new(
                body_deadline,
                TimeoutBody::new(BODY_IDLE, b),
            )),
            timed_out: timed_out.clone(),
        })
    });
    match tokio::time::timeout(deadline, next.run(req)).await {
        // The handler answered, but if it was because the body timed out, say so (the
        // extractors would call it a malformed body, 400).
        Ok(res) if !timed_out.load(Ordering::Relaxed) => res,
        _ => timeout_response(api),
    }
}

fn timeout_response(api: bool) -> Response {
    let message = "请求超时：请求体发送过慢或处理时间过长 (request timeout)";
    let mut res = if api {
        let body = serde_json::json!({"error": {"code": "timeout", "message": message}});
        (StatusCode::REQUEST_TIMEOUT, axum::Json(body)).into_response()
    } else {
        let page = crate::pages::ErrorPage::plain(StatusCode::REQUEST_TIMEOUT.as_u16(), message);
        let html = askama::Template::render(&page).unwrap_or_else(|_| message.to_string());
        (StatusCode::REQUEST_TIMEOUT, axum::response::Html(html)).into_response()
    };
    // The request may be half read: the connection cannot be reused.
    res.headers_mut().insert(
        header::CONNECTION,
        header::HeaderValue::from_static("close"),
    );
    res
}

type Limited = Pin<Box<DeadlineBody<TimeoutBody<Body>>>>;

/// A request body under the two body limits that notes when one of them ran out.
struct Watched {
    inner: Limited,
    timed_out: Arc<AtomicBool>,
}

impl HttpBody for Watched {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let polled = self.inner.as_mut().poll_frame(cx);
        if let Poll::Ready(Some(Err(e))) = &polled
            && is_timeout(e.as_ref())
        {
            self.timed_out.store(true, Ordering::Relaxed);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Whether an error is, or was caused by, a body timeout.
fn is_timeout(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(e) = cur {
        if e.is::<TimeoutError>() {
            return true;
        }
        cur = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::routing::post;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    /// A handler that reads the whole body, and a body sent a byte every `gap`, `n` bytes.
    async fn trickle(gap: Duration, n: usize) -> (StatusCode, String) {
        let app = Router::new()
            .route(
                "/api/v1/login",
                post(|b: String| async move { b.len().to_string() }),
            )
            .layer(axum::middleware::from_fn(middleware));
        let (mut tx, body) = http_body_util::channel::Channel::<Bytes, std::io::Error>::new(1);
        tokio::spawn(async move {
            for _ in 0..n {
                tokio::time::sleep(gap).await;
                if tx.send_data(Bytes::from_static(b"x")).await.is_err() {
                    return;
                }
            }
        });
        let req = Request::post("/api/v1/login")
            .body(Body::new(body))
            .unwrap();
        let res = app.oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    // Paused clock: the runtime jumps over the sleeps, the test takes no real time.
    #[tokio::test(start_paused = true)]
    async fn a_body_trickled_past_its_deadline_is_408_though_no_byte_came_late() {
        // 2.5 s between bytes passes the idle limit; 12 bytes take 30 s: past the body's
        // deadline, within the request's.
        let (status, body) = trickle(Duration::from_millis(2500), 12).await;
        assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
        assert!(body.contains("\"timeout\""), "{body}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_stops_arriving_is_408() {
        let (status, _) = trickle(BODY_IDLE + Duration::from_secs(1), 2).await;
        assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_arrives_in_time_is_read_whole() {
        let (status, body) = trickle(Duration::from_secs(1), 10).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "10"));
    }

    #[test]
    fn only_multipart_bodies_count_as_uploads() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            "multipart/form-data; boundary=x".parse().unwrap(),
        );
        assert!(is_upload(&h));
        h.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        assert!(!is_upload(&h));
        assert!(!is_upload(&HeaderMap::new()));
    }
}
