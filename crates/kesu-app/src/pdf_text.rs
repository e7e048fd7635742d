//! The text layer of an uploaded PDF, by Debian's poppler-utils (`pdftotext -layout`): bytes in,
//! text out. The PDF is written to a private temporary file, `pdftotext` runs with a time limit
//! and its output is capped; the text then goes to `kesu_plan::read_pdf_text`, which cleans it.
//!
//! Pure crates take bytes and never run programs, so this lives at the edge of the use cases.
//! Where `pdftotext` is missing the answer is [`Error::Unavailable`] with what to install.

use crate::{Error, Result};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Largest PDF accepted (50 MB): a plan is a few hundred kilobytes to a few megabytes.
pub const MAX_PDF_BYTES: usize = 50 * 1024 * 1024;
/// Most text taken from a PDF (8 MB): far beyond any plan.
pub const MAX_TEXT_BYTES: usize = 8 * 1024 * 1024;
/// How long `pdftotext` may take.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// How to run the extraction; [`PdfText::default`] is what Kesu uses.
#[derive(Debug, Clone)]
pub struct PdfText {
    /// The program (`pdftotext`, looked up on `PATH`).
    pub program: PathBuf,
    pub timeout: Duration,
    pub max_pdf_bytes: usize,
    pub max_text_bytes: usize,
}

impl Default for PdfText {
    fn default() -> Self {
        Self {
            program: PathBuf::from("pdftotext"),
            timeout: TIMEOUT,
            max_pdf_bytes: MAX_PDF_BYTES,
            max_text_bytes: MAX_TEXT_BYTES,
        }
    }
}

/// The text layer of `pdf` with the default settings.
pub fn pdf_text(pdf: &[u8]) -> Result<String> {
    PdfText::default().extract(pdf)
}

/// A temporary file removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn with(bytes: &[u8]) -> Result<Self> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path =
            std::env::temp_dir().join(format!("kesu-pdf-{}-{n}-{nanos:x}.pdf", std::process::id()));
        // create_new: never write through a file or link someone else put there.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| Error::Internal(format!("temp file {}: {e}", path.display())))?;
        let file_guard = Self(path);
        file.write_all(bytes)
            .map_err(|e| Error::Internal(format!("temp file: {e}")))?;
        Ok(file_guard)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl PdfText {
    /// The text layer of `pdf` (pages separated by form feeds).
    pub fn extract(&self, pdf: &[u8]) -> Result<String> {
        if pdf.len() > self.max_pdf_bytes {
            return Err(Error::TooLarge(format!(
                "PDF 文件过大：{} MB，超过 {} MB 上限 (PDF too large)",
                pdf.len() / (1024 * 1024),
                self.max_pdf_bytes / (1024 * 1024)
            )));
        }
        if !pdf.starts_with(b"%PDF-") {
            return Err(Error::invalid("不是 PDF 文件 (not a PDF)"));
        }
        let file = TempFile::with(pdf)?;
        let mut child = Command::new(&self.program)
            .args(["-layout", "-enc", "UTF-8", "-q"])
            .arg(file.path())
            .arg("-")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => Error::Unavailable(
                    "无法读取 PDF：服务器未安装 pdftotext，请安装 poppler-utils（apt-get install poppler-utils），或上传 .docx/.txt (pdftotext missing)"
                        .into(),
                ),
                _ => Error::Internal(format!("pdftotext: {e}")),
            })?;
        // The output is read on a thread of its own, capped, while this one keeps the time.
        let stdout = child.stdout.take();
        let cap = self.max_text_bytes;
        let reader = std::thread::spawn(move || {
            let mut out = Vec::new();
            if let Some(mut s) = stdout {
                let _ = (&mut s).take(cap as u64 + 1).read_to_end(&mut out);
                // Past the cap the rest is drained, so that the program is not left blocked
                // on a full pipe until the time limit.
                let _ = std::io::copy(&mut s, &mut std::io::sink());
            }
            out
        });
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() >= deadline => break None,
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                Err(e) => return Err(Error::Internal(format!("pdftotext: {e}"))),
            }
        };
        let Some(status) = status else {
            let _ = child.kill();
            let _ = child.wait();
            let _ = reader.join();
            return Err(Error::invalid(format!(
                "PDF 读取超时（超过 {} 秒），文件可能过于复杂或已损坏，请另存为 .docx 后上传 (PDF extraction timed out)",
                self.timeout.as_secs()
            )));
        };
        let out = reader
            .join()
            .map_err(|_| Error::Internal("pdftotext reader thread".into()))?;
        if out.len() > cap {
            return Err(Error::TooLarge(format!(
                "PDF 的文字超过 {} MB，不像是一份方案 (too much text)",
                cap / (1024 * 1024)
            )));
        }
        if !status.success() {
            return Err(Error::invalid(
                "PDF 无法读取：文件已损坏或有密码保护，请在阅读器中另存后再上传 (broken or encrypted PDF)",
            ));
        }
        let text = String::from_utf8_lossy(&out).into_owned();
        if text
            .trim_matches(|c: char| c.is_whitespace() || c == '\u{0c}')
            .is_empty()
        {
            return Err(Error::invalid(
                "PDF 没有文字层（可能是扫描件或图片），请上传 Word 文档或可复制文字的 PDF (no text layer)",
            ));
        }
        Ok(text)
    }
}
