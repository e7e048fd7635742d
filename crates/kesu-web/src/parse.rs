//! Reading uploaded files off the async workers. Parsing a workbook or hashing an attachment is
//! CPU work of up to a second or two; on an async worker it would stall every other request on
//! that worker. Each parse runs on the blocking pool behind one process-wide semaphore of
//! [`PERMITS`], so that a burst of uploads (or one user uploading the same file many times)
//! costs at most that many cores; a request that waits longer than [`WAIT`] for its turn is
//! answered 503 with a message instead of queueing without end.

use crate::error::AppError;
use std::sync::LazyLock;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Uploads parsed at the same time, in the whole process.
pub const PERMITS: usize = 2;

/// How long an upload waits for a permit before it is turned away.
pub const WAIT: Duration = Duration::from_secs(15);

static PARSING: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(PERMITS));

/// Run `f` (a parse of uploaded bytes) on the blocking pool behind the process-wide semaphore.
/// `what` names the work in the log if it panics.
pub async fn run<T, F>(what: &'static str, f: F) -> Result<T, AppError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    run_with(&PARSING, WAIT, what, f).await
}

/// [`run`] with a given semaphore and wait: what tests use.
pub async fn run_with<T, F>(
    permits: &'static Semaphore,
    wait: Duration,
    what: &'static str,
    f: F,
) -> Result<T, AppError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let permit = match tokio::time::timeout(wait, permits.acquire()).await {
        Ok(Ok(p)) => p,
        Ok(Err(_)) => return Err(AppError::Internal(format!("{what}: semaphore closed"))),
        Err(_) => {
            return Err(AppError::Unavailable(
                "服务器正忙于处理其他上传的文件，请稍后重试 (busy reading other uploads, try again shortly)"
                    .into(),
            ));
        }
    };
    // The permit goes with the work: if the request is dropped (a timeout, a closed connection)
    // the blocking task still runs to its end, and still counts until then.
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        f()
    })
    .await
    .map_err(|e| AppError::Internal(format!("{what}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_parse_runs_and_returns_its_value() {
        assert_eq!(run("test", || 2 + 2).await.unwrap(), 4);
    }

    #[tokio::test]
    async fn a_panicking_parse_is_an_internal_error_not_a_crash() {
        let r: Result<(), _> = run("test", || panic!("boom")).await;
        assert!(matches!(r, Err(AppError::Internal(_))));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn when_every_permit_is_busy_the_next_upload_is_turned_away_with_503() {
        static ONE: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(1));
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let (started, is_started) = tokio::sync::oneshot::channel();
        let busy = tokio::spawn(run_with(&ONE, WAIT, "slow", move || {
            let _ = started.send(());
            let _ = hold.recv();
        }));
        is_started.await.unwrap();
        let turned = run_with(&ONE, Duration::from_millis(50), "next", || ()).await;
        let err = turned.unwrap_err();
        assert_eq!(err.status(), axum::http::StatusCode::SERVICE_UNAVAILABLE);
        release.send(()).unwrap();
        busy.await.unwrap().unwrap();
        assert!(
            run_with(&ONE, WAIT, "after", || ()).await.is_ok(),
            "the permit is back once the slow parse ends"
        );
    }
}
