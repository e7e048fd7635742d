//! Zip archives checked before anything is decompressed: entry count (from the end record,
//! before the central directory is parsed), each entry's declared size and compression ratio,
//! the total, and archives nested inside. Entries are then read through [`Capped`] readers, and
//! the zip crate refuses an entry that inflates past its declared size, so a lying header gains
//! nothing.

use crate::error::{Result, WorkbookError};
use crate::limits::{Limits, RATIO_FLOOR};
use std::io::{Cursor, Read};

/// One entry of a checked archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    /// Declared decompressed size.
    pub size: u64,
    /// Size in the archive.
    pub compressed: u64,
}

/// A zip archive whose structure passed [`Limits`]; its entries can be read, bounded.
pub struct Archive<'a> {
    zip: zip::ZipArchive<Cursor<&'a [u8]>>,
    entries: Vec<Entry>,
    limits: Limits,
}

impl std::fmt::Debug for Archive<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive")
            .field("entries", &self.entries)
            .finish_non_exhaustive()
    }
}

/// Bytes that start a zip archive (a local file header).
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

impl<'a> Archive<'a> {
    /// Check an archive's structure against `limits`; no entry is decompressed except nested
    /// archives, which are checked the same way (up to [`Limits::max_nesting`] levels, their
    /// sizes counted in the same total).
    pub fn open(bytes: &'a [u8], limits: &Limits) -> Result<Self> {
        let mut budget = 0u64;
        Self::open_nested(bytes, limits, 0, "", &mut budget)
    }

    fn open_nested(
        bytes: &'a [u8],
        limits: &Limits,
        depth: u32,
        outer: &str,
        total: &mut u64,
    ) -> Result<Self> {
        let size = bytes.len() as u64;
        if size > limits.max_file_bytes {
            return Err(WorkbookError::FileTooLarge {
                size,
                limit: limits.max_file_bytes,
            });
        }
        if let Some(count) = declared_entry_count(bytes)
            && count > limits.max_entries
        {
            return Err(WorkbookError::TooManyEntries {
                count,
                limit: limits.max_entries,
            });
        }
        let mut zip =
            zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| WorkbookError::NotRecognised {
                expected: "zip",
                reason: format!("无法打开压缩包 ({e})"),
            })?;
        let count = zip.len() as u64;
        if count > limits.max_entries {
            return Err(WorkbookError::TooManyEntries {
                count,
                limit: limits.max_entries,
            });
        }
        let mut entries = Vec::with_capacity(zip.len());
        for i in 0..zip.len() {
            let file = zip.by_index_raw(i).map_err(|e| WorkbookError::Corrupt {
                entry: format!("#{i}"),
                reason: e.to_string(),
            })?;
            let local = match file.name() {
                Ok(n) => n.into_owned(),
                Err(_) => String::from_utf8_lossy(file.name_raw()).into_owned(),
            };
            let name = format!("{outer}{local}");
            let entry = Entry {
                name,
                size: file.size(),
                compressed: file.compressed_size(),
            };
            check_entry(&entry, limits)?;
            *total = total.saturating_add(entry.size);
            if *total > limits.max_total_bytes {
                return Err(WorkbookError::ArchiveTooLarge {
                    total: *total,
                    limit: limits.max_total_bytes,
                });
            }
            entries.push(entry);
        }
        let mut archive = Archive {
            zip,
            entries,
            limits: limits.clone(),
        };
        archive.check_nested(depth, outer, total)?;
        Ok(archive)
    }

    /// Look into every entry that is itself an archive.
    fn check_nested(&mut self, depth: u32, outer: &str, total: &mut u64) -> Result<()> {
        for i in 0..self.entries.len() {
            let Entry { name, size, .. } = self.entries[i].clone();
            if size < 22 || name.ends_with('/') {
                continue; // smaller than an empty archive, or a directory
            }
            let local = name.strip_prefix(outer).unwrap_or(&name).to_string();
            let mut head = [0u8; 4];
            let got = {
                let mut file = self.zip.by_index(i).map_err(|e| corrupt(&name, e))?;
                read_full(&mut file, &mut head).map_err(|e| corrupt(&name, e))?
            };
            if !is_zip(&head[..got]) {
                continue;
            }
            if depth >= self.limits.max_nesting {
                return Err(WorkbookError::NestedTooDeep {
                    entry: name,
                    limit: self.limits.max_nesting,
                });
            }
            let inner = self.read(&local)?.unwrap_or_default();
            let prefix = format!("{name}!/");
            Archive::open_nested(&inner, &self.limits, depth + 1, &prefix, total)?;
        }
        Ok(())
    }

    /// The entries, in archive order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Whether an entry of this name exists.
    pub fn contains(&self, name: &str) -> bool {
        self.zip.index_for_name(name).is_some()
    }

    /// A reader over an entry's decompressed bytes that fails past the entry's declared size
    /// or [`Limits::max_entry_bytes`]; `None` when there is no such entry.
    pub fn reader(&mut self, name: &str) -> Result<Option<Capped<impl Read + '_>>> {
        let cap = self.limits.max_entry_bytes;
        match self.zip.by_name(name) {
            Ok(file) => Ok(Some(Capped::new(file, cap, name))),
            Err(zip::result::ZipError::FileNotFound) => Ok(None),
            Err(e) => Err(corrupt(name, e)),
        }
    }

    /// An entry's decompressed bytes, bounded as [`Archive::reader`]; `None` when absent.
    pub fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>> {
        let Some(mut r) = self.reader(name)? else {
            return Ok(None);
        };
        let mut out = Vec::new();
        r.read_to_end(&mut out).map_err(|e| r.error(e))?;
        Ok(Some(out))
    }
}

fn check_entry(entry: &Entry, limits: &Limits) -> Result<()> {
    if entry.size > limits.max_entry_bytes {
        return Err(WorkbookError::EntryTooLarge {
            entry: entry.name.clone(),
            size: entry.size,
            limit: limits.max_entry_bytes,
        });
    }
    if entry.size > RATIO_FLOOR {
        let ratio = entry.size / entry.compressed.max(1);
        if ratio > limits.max_ratio {
            return Err(WorkbookError::RatioTooHigh {
                entry: entry.name.clone(),
                ratio,
                limit: limits.max_ratio,
            });
        }
    }
    Ok(())
}

fn corrupt(entry: &str, e: impl std::fmt::Display) -> WorkbookError {
    WorkbookError::Corrupt {
        entry: entry.to_string(),
        reason: e.to_string(),
    }
}

/// Fill `buf` as far as the reader goes; the count read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// The entry count the archive's end record declares (the zip64 one when present), read
/// before the zip crate allocates for the central directory. `None` when there is no end
/// record: the zip crate then refuses the file.
fn declared_entry_count(bytes: &[u8]) -> Option<u64> {
    const EOCD: &[u8] = b"PK\x05\x06";
    const LOCATOR: &[u8] = b"PK\x06\x07";
    const EOCD64: &[u8] = b"PK\x06\x06";
    // The end record is 22 bytes plus a comment of at most 65 535.
    let from = bytes.len().saturating_sub(22 + 65_535);
    let at = bytes[from..].windows(4).rposition(|w| w == EOCD)? + from;
    let u16_at = |i: usize| Some(u16::from_le_bytes(bytes.get(i..i + 2)?.try_into().ok()?));
    let u64_at = |i: usize| Some(u64::from_le_bytes(bytes.get(i..i + 8)?.try_into().ok()?));
    let count = u64::from(u16_at(at + 10)?);
    let zip64 = at
        .checked_sub(20)
        .filter(|&l| bytes.get(l..l + 4) == Some(LOCATOR))
        .and_then(|l| u64_at(l + 8))
        .and_then(|off| usize::try_from(off).ok())
        .filter(|&off| bytes.get(off..off + 4) == Some(EOCD64))
        .and_then(|off| u64_at(off + 32));
    Some(zip64.map_or(count, |c| c.max(count)))
}

/// A reader that fails once more than `cap` bytes come out of it (plain `take` would truncate
/// silently), naming the entry.
pub struct Capped<R> {
    inner: R,
    left: u64,
    cap: u64,
    name: String,
    exceeded: bool,
}

impl<R> Capped<R> {
    pub fn new(inner: R, cap: u64, name: &str) -> Self {
        Capped {
            inner,
            left: cap,
            cap,
            name: name.to_string(),
            exceeded: false,
        }
    }

    /// Whether reading stopped at the cap.
    pub fn exceeded(&self) -> bool {
        self.exceeded
    }

    /// The crate error for an I/O error of this reader: over the cap, or a corrupt entry.
    pub fn error(&self, e: std::io::Error) -> WorkbookError {
        if self.exceeded {
            WorkbookError::EntryTooLarge {
                entry: self.name.clone(),
                size: self.cap.saturating_add(1),
                limit: self.cap,
            }
        } else {
            corrupt(&self.name, e)
        }
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            let mut probe = [0u8; 1];
            if self.inner.read(&mut probe)? == 0 {
                return Ok(0);
            }
            self.exceeded = true;
            return Err(std::io::Error::other("decompressed size over the limit"));
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// Read a whole stream (a gzip decoder, say) into memory, refusing more than `cap` bytes.
/// `what` names the input in the error.
pub fn read_capped(reader: impl Read, cap: u64, what: &str) -> Result<Vec<u8>> {
    let mut r = Capped::new(reader, cap, what);
    let mut out = Vec::new();
    match r.read_to_end(&mut out) {
        Ok(_) => Ok(out),
        Err(_) if r.exceeded() => Err(WorkbookError::DecompressedTooLarge {
            what: what.to_string(),
            limit: cap,
        }),
        Err(e) => Err(WorkbookError::Read {
            what: what.to_string(),
            reason: e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_end_record_count_is_read_without_the_zip_crate() {
        let mut eocd = b"PK\x05\x06\0\0\0\0".to_vec();
        eocd.extend_from_slice(&7u16.to_le_bytes());
        eocd.extend_from_slice(&7u16.to_le_bytes());
        eocd.extend_from_slice(&[0; 10]);
        assert_eq!(declared_entry_count(&eocd), Some(7));
        assert_eq!(declared_entry_count(b"not a zip"), None);
    }

    #[test]
    fn a_capped_reader_errors_instead_of_truncating() {
        let mut r = Capped::new(&b"0123456789"[..], 4, "x");
        let mut out = Vec::new();
        assert!(r.read_to_end(&mut out).is_err());
        assert!(r.exceeded());
        assert_eq!(read_capped(&b"0123"[..], 4, "x").unwrap(), b"0123");
        assert!(matches!(
            read_capped(&b"01234"[..], 4, "x"),
            Err(WorkbookError::DecompressedTooLarge { .. })
        ));
    }
}
