//! Caps for text files (CSV): line length and line count, whether the text is in memory
//! ([`check_text`]) or streamed ([`LineCapped`]). Splitting fields stays with each reader.

use crate::error::{Result, WorkbookError};
use crate::limits::Limits;
use std::io::Read;

/// Check a text file held in memory: no line longer than [`Limits::max_line_bytes`], at most
/// [`Limits::max_rows`] lines (a final line end does not start another line).
pub fn check_text(bytes: &[u8], limits: &Limits) -> Result<()> {
    let mut line = 0u64;
    let mut rest = bytes;
    while !rest.is_empty() {
        line += 1;
        if line > u64::from(limits.max_rows) {
            return Err(WorkbookError::TooManyRows {
                limit: u64::from(limits.max_rows),
            });
        }
        let (len, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (i, &rest[i + 1..]),
            None => (rest.len(), &rest[rest.len()..]),
        };
        if len > limits.max_line_bytes {
            return Err(WorkbookError::LineTooLong {
                line,
                limit: limits.max_line_bytes,
            });
        }
        rest = next;
    }
    Ok(())
}

/// A reader that fails once a line grows past `max_line_bytes`; [`LineCapped::error`] then
/// names the line.
pub struct LineCapped<R> {
    inner: R,
    max: usize,
    /// Bytes since the last line end.
    run: usize,
    /// Line ends seen.
    ends: u64,
    failed: Option<u64>,
}

impl<R> LineCapped<R> {
    pub fn new(inner: R, max_line_bytes: usize) -> Self {
        LineCapped {
            inner,
            max: max_line_bytes,
            run: 0,
            ends: 0,
            failed: None,
        }
    }

    /// The reader inside.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// Why reading stopped, if it stopped at the cap.
    pub fn error(&self) -> Option<WorkbookError> {
        self.failed.map(|line| WorkbookError::LineTooLong {
            line,
            limit: self.max,
        })
    }
}

impl<R: Read> Read for LineCapped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.failed.is_some() {
            return Err(std::io::Error::other("line too long"));
        }
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.ends += 1;
                self.run = 0;
            } else {
                self.run += 1;
                if self.run > self.max {
                    self.failed = Some(self.ends + 1);
                    return Err(std::io::Error::other("line too long"));
                }
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tight() -> Limits {
        Limits {
            max_line_bytes: 4,
            max_rows: 3,
            ..Limits::default()
        }
    }

    #[test]
    fn a_long_line_is_named() {
        assert!(check_text(b"ab\ncd\n", &tight()).is_ok());
        assert_eq!(
            check_text(b"ab\nabcde\n", &tight()),
            Err(WorkbookError::LineTooLong { line: 2, limit: 4 })
        );
    }

    #[test]
    fn too_many_lines_are_refused() {
        assert!(check_text(b"a\nb\nc\n", &tight()).is_ok());
        assert!(matches!(
            check_text(b"a\nb\nc\nd", &tight()),
            Err(WorkbookError::TooManyRows { limit: 3 })
        ));
    }

    #[test]
    fn a_streamed_long_line_stops_the_reader() {
        let mut r = LineCapped::new(&b"ab\ncd\nabcdefgh\n"[..], 4);
        let mut out = Vec::new();
        assert!(r.read_to_end(&mut out).is_err());
        assert_eq!(
            r.error(),
            Some(WorkbookError::LineTooLong { line: 3, limit: 4 })
        );
    }
}
