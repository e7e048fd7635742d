//! Printing HTML to PDF with headless Chromium, bounded: a Chromium takes a core and a few
//! hundred megabytes for a second or more, so
//! - at most [`PRINT_SLOTS`] print at once, process-wide; a request waits at most
//!   [`PRINT_QUEUE`] for a slot and is then refused as busy (503);
//! - a print that takes longer than [`PRINT_DEADLINE`] is killed (with every process it
//!   started) and reported;
//! - the last PDF of each report (region and year) is kept with the digest of the HTML it was
//!   printed from: while the data do not change the page does not either, and the PDF is
//!   served again without a Chromium. Any change that shows in the report (a new figure, an
//!   accepted report, another day's "as of") changes the HTML and so prints anew. (The audit
//!   id, the store's data version, moves with every sign-in, which would defeat the cache.)
//!
//! `kesu report annual -o FILE.pdf` prints through [`pdf_bytes`] with the same deadline.

use crate::error::AppError;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Chromiums printing at once.
pub const PRINT_SLOTS: usize = 2;
/// How long a request waits for a print slot.
pub const PRINT_QUEUE: Duration = Duration::from_secs(20);
/// How long one print may take before its Chromium is killed.
pub const PRINT_DEADLINE: Duration = Duration::from_secs(30);
/// Reports whose last PDF is kept.
const KEPT: usize = 16;

/// Where to find a headless Chromium that prints PDFs. Debian's `chromium-headless-shell` is
/// preferred: it prints in a third of a second where the full browser takes two.
pub fn printer() -> Option<&'static Path> {
    [
        "/usr/bin/chromium-headless-shell",
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
    ]
    .into_iter()
    .map(Path::new)
    .find(|p| p.exists())
}

/// Why there is no PDF without Chromium, and what to do instead.
pub const NO_PRINTER: &str = "找不到 chromium，无法生成 PDF；请安装 chromium-headless-shell 或 chromium（Debian: apt install chromium-headless-shell fonts-noto-cjk），或改为输出 .html 后用浏览器打印 (chromium not found)";

/// Why a print failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    #[error("生成 PDF 超时（超过 {0} 秒），已中止 (printing timed out)")]
    Timeout(u64),
    #[error("{0}")]
    Failed(String),
}

/// How HTML becomes PDF bytes within a deadline (Chromium; a stand-in in the limiter's tests).
pub type Engine = fn(&str, Duration) -> Result<Vec<u8>, PrintError>;

/// The report printed to PDF bytes (A4, as the page's print styles say) by headless Chromium,
/// in a temporary directory of its own, killed after [`PRINT_DEADLINE`].
pub fn pdf_bytes(html: &str) -> Result<Vec<u8>, String> {
    chromium(html, PRINT_DEADLINE).map_err(|e| e.to_string())
}

fn chromium(html: &str, deadline: Duration) -> Result<Vec<u8>, PrintError> {
    let failed = PrintError::Failed;
    let chromium = printer().ok_or_else(|| failed(NO_PRINTER.to_string()))?;
    let dir =
        tempfile::tempdir().map_err(|e| failed(format!("无法创建临时目录：{e} (no temp dir)")))?;
    let (page, out, log) = (
        dir.path().join("report.html"),
        dir.path().join("report.pdf"),
        dir.path().join("chromium.log"),
    );
    std::fs::write(&page, html)
        .map_err(|e| failed(format!("无法写入临时文件：{e} (cannot write)")))?;
    let log_file = std::fs::File::create(&log)
        .map_err(|e| failed(format!("无法写入临时文件：{e} (cannot write)")))?;
    let mut cmd = std::process::Command::new(chromium);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--no-pdf-header-footer",
        // A profile of its own: two prints at once must not share (or wait for) one.
        &format!("--user-data-dir={}", dir.path().join("profile").display()),
        &format!("--print-to-pdf={}", out.display()),
        &format!("file://{}", page.display()),
    ])
    .stdin(std::process::Stdio::null())
    .stdout(std::process::Stdio::null())
    // To a file, not a pipe: a pipe nobody reads while waiting fills up and stalls Chromium.
    .stderr(log_file);
    #[cfg(unix)]
    {
        // Its own process group, so that a timeout ends the renderers and helpers too.
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let mut child = cmd.spawn().map_err(|e| {
        failed(format!(
            "无法运行 {}：{e} (cannot run chromium)",
            chromium.display()
        ))
    })?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < deadline => {
                std::thread::sleep(Duration::from_millis(25))
            }
            Ok(None) | Err(_) => {
                kill_group(&mut child);
                return Err(PrintError::Timeout(deadline.as_secs()));
            }
        }
    };
    if !status.success() || !out.exists() {
        let stderr = std::fs::read_to_string(&log).unwrap_or_default();
        return Err(failed(format!(
            "chromium 生成 PDF 失败 (chromium failed)：{}",
            stderr.lines().last().unwrap_or("")
        )));
    }
    std::fs::read(&out).map_err(|e| failed(format!("无法读取生成的 PDF：{e} (cannot read)")))
}

/// Kill a child and, on Unix, the process group it leads (Chromium's renderers and helpers).
fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        // `kill -KILL -- -PGID`: the standard tool, since the standard library only kills one
        // process and this crate has no unsafe code for libc.
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .stderr(std::process::Stdio::null())
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The last PDF of a report and the digest of the HTML it was printed from.
struct Kept {
    html_sha256: [u8; 32],
    pdf: Arc<Vec<u8>>,
    used: Instant,
}

type Report = (String, i32);
type Shelf = Arc<Mutex<HashMap<Report, Kept>>>;

/// The bounded printer: slots, deadline and the last PDF per report.
pub struct Printer {
    slots: Arc<Semaphore>,
    queue: Duration,
    deadline: Duration,
    engine: Engine,
    kept: Shelf,
    /// One print per report at a time: a second request for the same report waits for the
    /// first one's PDF instead of starting another Chromium.
    printing: Mutex<HashMap<Report, Arc<tokio::sync::Mutex<()>>>>,
}

impl Printer {
    /// A printer with `slots` prints at once, each waiting at most `queue` for a slot and
    /// taking at most `deadline`, printing with `engine`.
    pub fn new(slots: usize, queue: Duration, deadline: Duration, engine: Engine) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(slots)),
            queue,
            deadline,
            engine,
            kept: Shelf::default(),
            printing: Mutex::new(HashMap::new()),
        }
    }

    /// The PDF of the report of `region` and `year` whose page is `html`: the kept one if it was
    /// printed from the same HTML, else a new print.
    pub async fn pdf(
        &self,
        region: &str,
        year: i32,
        html: String,
    ) -> Result<Arc<Vec<u8>>, AppError> {
        let key: Report = (region.to_string(), year);
        let digest: [u8; 32] = Sha256::digest(html.as_bytes()).into();
        if let Some(pdf) = kept(&self.kept, &key, &digest) {
            return Ok(pdf);
        }
        let busy =
            || AppError::Unavailable("正在生成的 PDF 过多，请稍后再试 (printer busy)".into());
        let turn = self.report_lock(&key);
        let turn = tokio::time::timeout(self.queue + self.deadline, turn.lock_owned())
            .await
            .map_err(|_| busy())?;
        // Printed by the request this one waited for.
        if let Some(pdf) = kept(&self.kept, &key, &digest) {
            return Ok(pdf);
        }
        let slot = match tokio::time::timeout(self.queue, self.slots.clone().acquire_owned()).await
        {
            Ok(Ok(slot)) => slot,
            _ => return Err(busy()),
        };
        let (engine, deadline, shelf) = (self.engine, self.deadline, self.kept.clone());
        // The slot, the report's turn and the keeping go with the work: a request that gives up
        // frees nothing early, and what was printed is kept for the next one.
        let printed = tokio::task::spawn_blocking(move || {
            let (_slot, _turn) = (slot, turn);
            let pdf = Arc::new(engine(&html, deadline)?);
            keep(&shelf, key, digest, pdf.clone());
            Ok(pdf)
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
        printed.map_err(|e| match e {
            PrintError::Timeout(_) => AppError::Unavailable(e.to_string()),
            PrintError::Failed(m) => AppError::Internal(m),
        })
    }

    fn report_lock(&self, key: &Report) -> Arc<tokio::sync::Mutex<()>> {
        let Ok(mut m) = self.printing.lock() else {
            return Arc::default();
        };
        // Forget the reports nobody is printing or waiting for.
        m.retain(|_, l| Arc::strong_count(l) > 1);
        m.entry(key.clone()).or_default().clone()
    }
}

fn kept(shelf: &Shelf, key: &Report, digest: &[u8; 32]) -> Option<Arc<Vec<u8>>> {
    let mut kept = shelf.lock().ok()?;
    let k = kept.get_mut(key).filter(|k| k.html_sha256 == *digest)?;
    k.used = Instant::now();
    Some(k.pdf.clone())
}

fn keep(shelf: &Shelf, key: Report, digest: [u8; 32], pdf: Arc<Vec<u8>>) {
    let Ok(mut kept) = shelf.lock() else { return };
    if kept.len() >= KEPT
        && !kept.contains_key(&key)
        && let Some(oldest) = kept
            .iter()
            .min_by_key(|(_, k)| k.used)
            .map(|(k, _)| k.clone())
    {
        kept.remove(&oldest);
    }
    kept.insert(
        key,
        Kept {
            html_sha256: digest,
            pdf,
            used: Instant::now(),
        },
    );
}

/// The server's printer (Chromium, [`PRINT_SLOTS`], [`PRINT_QUEUE`], [`PRINT_DEADLINE`]).
pub static PRINTER: LazyLock<Printer> =
    LazyLock::new(|| Printer::new(PRINT_SLOTS, PRINT_QUEUE, PRINT_DEADLINE, chromium));

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    // One stand-in engine per test (an `Engine` is a plain fn): it counts prints and the most
    // that ran at once.
    static RUNNING: AtomicUsize = AtomicUsize::new(0);
    static MOST: AtomicUsize = AtomicUsize::new(0);
    static PRINTS: AtomicUsize = AtomicUsize::new(0);

    fn slow(html: &str, _: Duration) -> Result<Vec<u8>, PrintError> {
        let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
        MOST.fetch_max(now, Ordering::SeqCst);
        PRINTS.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(150));
        RUNNING.fetch_sub(1, Ordering::SeqCst);
        Ok(format!("%PDF {html}").into_bytes())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_than_the_slots_print_at_once_and_one_page_prints_once() {
        let p = Arc::new(Printer::new(
            2,
            Duration::from_secs(30),
            Duration::from_secs(5),
            slow,
        ));
        // Eight requests for four different reports, two each, all at once.
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let p = p.clone();
                tokio::spawn(
                    async move { p.pdf("4313", 2020 + i % 4, format!("page {}", i % 4)).await },
                )
            })
            .collect();
        for t in tasks {
            assert!(t.await.unwrap().unwrap().starts_with(b"%PDF"));
        }
        assert_eq!(MOST.load(Ordering::SeqCst), 2, "at most two at once");
        assert_eq!(PRINTS.load(Ordering::SeqCst), 4, "each page printed once");
        // Asked again: kept, no print.
        let again = p.pdf("4313", 2021, "page 1".into()).await.unwrap();
        assert_eq!(again.as_slice(), b"%PDF page 1");
        assert_eq!(PRINTS.load(Ordering::SeqCst), 4);
        // The data changed, so did the page: printed anew, and kept instead of the old one.
        let changed = p.pdf("4313", 2021, "page 1, changed".into()).await.unwrap();
        assert_eq!(changed.as_slice(), b"%PDF page 1, changed");
        assert_eq!(PRINTS.load(Ordering::SeqCst), 5);
    }

    fn stuck(_: &str, _: Duration) -> Result<Vec<u8>, PrintError> {
        std::thread::sleep(Duration::from_millis(400));
        Ok(b"%PDF".to_vec())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_that_finds_every_slot_taken_too_long_is_refused_as_busy() {
        let p = Arc::new(Printer::new(
            1,
            Duration::from_millis(50),
            Duration::from_secs(5),
            stuck,
        ));
        let first = {
            let p = p.clone();
            tokio::spawn(async move { p.pdf("43", 2025, "a".into()).await })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        let second = p.pdf("43", 2024, "b".into()).await;
        assert!(
            matches!(second, Err(AppError::Unavailable(_))),
            "{second:?}"
        );
        assert!(first.await.unwrap().is_ok());
    }

    #[test]
    fn chromium_that_does_not_finish_is_killed_at_the_deadline() {
        if printer().is_none() {
            eprintln!("no chromium: nothing to time out");
            return;
        }
        // A page that never finishes loading never prints.
        let html = "<html><body><script>for(;;){}</script></body></html>";
        let r = chromium(html, Duration::from_secs(2));
        assert_eq!(r, Err(PrintError::Timeout(2)));
    }
}
