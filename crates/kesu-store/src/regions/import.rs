//! Importing a division table: the five-level CSV set (provinces.csv … villages.csv) or a single
//! `code,name` CSV (optionally gzip-compressed, like the demo's seed file).
//!
//! All or nothing: every file is read and every row checked (code format and level, parent columns
//! agreeing with the code, parent present in this import or already stored, no duplicate code,
//! the expected column set, UTF-8) before anything is written; any bad row refuses the whole import
//! with every bad row listed. The rows are then written in one transaction — batched multi-row
//! `INSERT`s on SQLite, `COPY … FROM STDIN` on PostgreSQL — so a crash leaves the database as it was.

use super::LevelCount;
use crate::csvline;
use crate::error::{BadRow, ImportErrors};
use crate::{Actor, Db, StoreError, StoreResult};
use kesu_core::RegionLevel;
use kesu_workbook::{Limits, WorkbookError};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use tokio::sync::mpsc;
use write::{copy_escape, encode_copy_line, run};

mod write;

/// What an import stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportSummary {
    pub edition: String,
    pub source: String,
    /// Rows imported per level.
    pub levels: Vec<LevelCount>,
    pub total: i64,
    /// Regions stored before the import.
    pub before: i64,
    /// Stored regions that are not in this edition (kept: plans and units may refer to them).
    pub not_in_edition: i64,
}

/// One file of the five-level set.
struct FileSpec {
    name: &'static str,
    level: RegionLevel,
    /// Columns after `code,name`, each naming the ancestor code at a level.
    ancestors: &'static [(&'static str, RegionLevel)],
}

const P: RegionLevel = RegionLevel::Province;
const C: RegionLevel = RegionLevel::City;
const A: RegionLevel = RegionLevel::County;
const S: RegionLevel = RegionLevel::Township;

const FILES: [FileSpec; 5] = [
    FileSpec {
        name: "provinces.csv",
        level: RegionLevel::Province,
        ancestors: &[],
    },
    FileSpec {
        name: "cities.csv",
        level: RegionLevel::City,
        ancestors: &[("provinceCode", P)],
    },
    FileSpec {
        name: "areas.csv",
        level: RegionLevel::County,
        ancestors: &[("cityCode", C), ("provinceCode", P)],
    },
    FileSpec {
        name: "streets.csv",
        level: RegionLevel::Township,
        ancestors: &[("areaCode", A), ("provinceCode", P), ("cityCode", C)],
    },
    FileSpec {
        name: "villages.csv",
        level: RegionLevel::Village,
        ancestors: &[
            ("streetCode", S),
            ("provinceCode", P),
            ("cityCode", C),
            ("areaCode", A),
        ],
    },
];

/// A row on its way to the database.
struct Row {
    code: String,
    name: String,
}

/// What the checking side hands the writer: rows (SQLite binds them), or bytes already in
/// PostgreSQL's COPY text format (encoded on the checking thread, so the writer only forwards).
enum Chunk {
    Rows(Vec<Row>),
    Copy(Vec<u8>),
}

/// COPY bytes sent at a time.
const COPY_CHUNK: usize = 1 << 20;

/// Rows sent to the writer at a time (and rows per `INSERT` on SQLite).
const CHUNK: usize = 4_000;

/// Caps on a division file: the national villages file is about 40 MB in 620 000 lines of
/// 60 bytes. A gzip seed is decompressed up to `max_file_bytes`, never further.
pub(super) fn limits() -> Limits {
    Limits {
        max_file_bytes: 512 << 20,
        max_rows: 5_000_000,
        max_line_bytes: 64 * 1024,
        ..Limits::default()
    }
}

/// A refused file, as the one bad row of an import.
fn refused(file: &str, row: u64, reason: String) -> StoreError {
    StoreError::Import(ImportErrors {
        rows: vec![BadRow {
            file: file.to_string(),
            row,
            reason,
        }],
    })
}

/// Check a file's lines against [`limits`] before its rows are read; false (and the problem
/// recorded) when it is beyond them.
fn within_limits(v: &mut Validator, file: u16, bytes: &[u8]) -> bool {
    match kesu_workbook::check_text(bytes, &limits()) {
        Ok(()) => true,
        Err(e) => {
            let row = match &e {
                WorkbookError::LineTooLong { line, .. } => *line,
                _ => 0,
            };
            v.bad(file, row, e.to_string());
            false
        }
    }
}

/// A code as a number tagged with its length ("43" and "0043" differ): a cheap hash key.
fn code_key(code: &str) -> u64 {
    let n = code
        .bytes()
        .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'));
    n * 16 + code.len() as u64
}

/// A hasher for [`code_key`]s: the keys are distinct integers already, a multiply spreads them
/// (SipHash's protection against chosen keys buys nothing for codes checked on import).
#[derive(Default)]
struct CodeHasher(u64);

impl std::hash::Hasher for CodeHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (n ^ (n >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type BuildCodeHasher = std::hash::BuildHasherDefault<CodeHasher>;

/// Checks rows as they are read and streams the good ones to the writer. The first error stops
/// the stream (the transaction will be rolled back) but not the checks: every bad row is listed.
struct Validator {
    files: Vec<String>,
    errors: Vec<BadRow>,
    /// Accepted codes, with where they were read.
    seen: HashMap<u64, (u16, u64), BuildCodeHasher>,
    /// Rows whose parent had not been seen when they were read.
    pending: Vec<(u16, u64, String)>,
    levels: [i64; 5],
    chunk: Vec<Row>,
    /// PostgreSQL: the edition as a COPY value, and the COPY text being filled.
    copy: Option<(String, Vec<u8>)>,
    out: Option<mpsc::Sender<Chunk>>,
    /// While true, accepted rows wait in `held` instead of streaming.
    holding: bool,
    /// Rows held back so that the stream is in code order: the upper levels of a five-level set
    /// are merged into the (sorted) villages, a B-tree then fills left to right.
    held: std::collections::VecDeque<Row>,
}

/// What the reading side found.
struct Checked {
    files: Vec<String>,
    errors: Vec<BadRow>,
    levels: [i64; 5],
    /// Rows whose parent is not in the import: (file, line, code). The parent may be stored.
    orphans: Vec<(u16, u64, String)>,
}

impl Validator {
    /// `expected_rows` sizes the code set up front (no rehashing of a national table).
    /// `copy_edition`: encode rows for PostgreSQL's COPY with this edition.
    fn new(
        files: Vec<String>,
        out: mpsc::Sender<Chunk>,
        expected_rows: usize,
        copy_edition: Option<&str>,
    ) -> Self {
        Self {
            files,
            errors: Vec::new(),
            seen: HashMap::with_capacity_and_hasher(expected_rows, BuildCodeHasher::default()),
            pending: Vec::new(),
            levels: [0; 5],
            chunk: Vec::with_capacity(CHUNK),
            copy: copy_edition
                .map(|e| (copy_escape(e).into_owned(), Vec::with_capacity(COPY_CHUNK))),
            out: Some(out),
            holding: false,
            held: std::collections::VecDeque::new(),
        }
    }

    /// Hold accepted rows back until [`Self::merge_held`] or the end.
    fn hold(&mut self) {
        // COPY fills a table without its indexes (or a temporary table): order does not matter.
        self.holding = self.copy.is_none();
    }

    /// Sort the held rows and from now on merge them into the stream by code.
    fn merge_held(&mut self) {
        self.holding = false;
        self.held
            .make_contiguous()
            .sort_unstable_by(|a, b| a.code.cmp(&b.code));
    }

    fn push(&mut self, row: Row) {
        while self.held.front().is_some_and(|h| h.code < row.code) {
            if let Some(h) = self.held.pop_front() {
                self.chunk.push(h);
            }
        }
        self.chunk.push(row);
        if self.chunk.len() >= CHUNK {
            self.flush();
        }
    }

    fn bad(&mut self, file: u16, row: u64, reason: String) {
        let file = self.files[usize::from(file)].clone();
        self.errors.push(BadRow { file, row, reason });
        self.out = None;
        self.chunk.clear();
        self.held.clear();
        self.copy = None;
    }

    /// A row that passed its file's own checks (code format, columns).
    fn accept(&mut self, file: u16, line: u64, code: &str, name: &str) {
        if name.is_empty() {
            return self.bad(file, line, format!("代码“{code}”的名称为空 (empty name)"));
        }
        if name.chars().any(char::is_control) {
            return self.bad(
                file,
                line,
                format!("代码“{code}”的名称含控制字符 (control character in name)"),
            );
        }
        let key = code_key(code);
        if let Some(&(f, l)) = self.seen.get(&key) {
            let first = self.files[usize::from(f)].clone();
            return self.bad(
                file,
                line,
                format!("代码“{code}”重复：与 {first} 第 {l} 行相同 (duplicate code)"),
            );
        }
        self.seen.insert(key, (file, line));
        if let Some(p) = parent_of(code)
            && !self.seen.contains_key(&code_key(p))
        {
            self.pending.push((file, line, code.to_string()));
        }
        if let Some(l) = RegionLevel::from_code_len(code.len()) {
            self.levels[usize::from(l.depth() - 1)] += 1;
        }
        if self.out.is_some()
            && let Some((edition, buf)) = &mut self.copy
        {
            encode_copy_line(buf, code, name, edition);
            if buf.len() >= COPY_CHUNK {
                self.flush();
            }
        } else if self.out.is_some() {
            let row = Row {
                code: code.to_string(),
                name: name.to_string(),
            };
            if self.holding {
                self.held.push_back(row);
            } else {
                self.push(row);
            }
        }
    }

    fn flush(&mut self) {
        let Some(out) = &self.out else {
            return;
        };
        if let Some((_, buf)) = &mut self.copy {
            if !buf.is_empty() {
                let bytes = std::mem::replace(buf, Vec::with_capacity(COPY_CHUNK));
                if out.blocking_send(Chunk::Copy(bytes)).is_err() {
                    self.out = None;
                }
            }
            return;
        }
        let mut rows = std::mem::replace(&mut self.chunk, Vec::with_capacity(CHUNK));
        while !rows.is_empty() {
            let rest = rows.split_off(rows.len().min(CHUNK));
            if out.blocking_send(Chunk::Rows(rows)).is_err() {
                // The writer stopped (a database error): keep checking, stop sending.
                self.out = None;
                return;
            }
            rows = rest;
        }
    }

    fn finish(mut self) -> Checked {
        if self.out.is_some() {
            self.merge_held();
            let rest: Vec<Row> = self.held.drain(..).collect();
            self.chunk.extend(rest);
        }
        self.flush();
        self.out = None;
        let pending = std::mem::take(&mut self.pending);
        let orphans = pending
            .into_iter()
            .filter(|(_, _, code)| {
                parent_of(code).is_some_and(|p| !self.seen.contains_key(&code_key(p)))
            })
            .collect();
        Checked {
            files: self.files,
            errors: self.errors,
            levels: self.levels,
            orphans,
        }
    }
}

/// A file's bytes, refused (before reading) when larger than [`limits`].
pub(super) fn read(path: &Path) -> StoreResult<Vec<u8>> {
    let io = |e| StoreError::Io {
        path: path.display().to_string(),
        source: e,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    let limit = limits().max_file_bytes;
    if size > limit {
        let e = WorkbookError::FileTooLarge { size, limit };
        return Err(refused(&path.display().to_string(), 0, e.to_string()));
    }
    std::fs::read(path).map_err(io)
}

/// Import `path`: a directory holding the five-level set, or one `code,name` CSV (`.csv.gz` too).
/// `edition` defaults to the year found in the directory's README ("2023 edition").
pub async fn import_path(
    db: &Db,
    actor: &Actor,
    path: &Path,
    edition: Option<&str>,
) -> StoreResult<ImportSummary> {
    if path.is_dir() {
        import_divisions(db, actor, path, edition).await
    } else {
        let edition = match edition {
            Some(e) => e.to_string(),
            None => return Err(need_edition(path)),
        };
        let bytes = read(path)?;
        let name = path.display().to_string();
        import_seed_csv(db, actor, &bytes, &name, &edition).await
    }
}

fn need_edition(path: &Path) -> StoreError {
    StoreError::Invalid(format!(
        "{}：无法确定区划代码的版本，请用 --edition 指定，例如 --edition 2023 (edition unknown)",
        path.display()
    ))
}

/// Import the five-level CSV set in `dir` (provinces.csv, cities.csv, areas.csv, streets.csv,
/// villages.csv).
pub async fn import_divisions(
    db: &Db,
    actor: &Actor,
    dir: &Path,
    edition: Option<&str>,
) -> StoreResult<ImportSummary> {
    let edition = match edition {
        Some(e) => e.to_string(),
        None => edition_from_readme(dir).ok_or_else(|| need_edition(dir))?,
    };
    let missing: Vec<&str> = FILES
        .iter()
        .filter(|f| !dir.join(f.name).is_file())
        .map(|f| f.name)
        .collect();
    if !missing.is_empty() {
        return Err(StoreError::Invalid(format!(
            "{}：缺少文件 {} (missing files of the five-level set)",
            dir.display(),
            missing.join(", ")
        )));
    }
    let mut buffers = Vec::with_capacity(FILES.len());
    for f in &FILES {
        buffers.push(read(&dir.join(f.name))?);
    }
    let files = FILES.iter().map(|f| f.name.to_string()).collect();
    // A division row is 50–60 bytes of CSV.
    let expected = buffers.iter().map(Vec::len).sum::<usize>() / 48;
    run(
        db,
        actor,
        &edition,
        &dir.display().to_string(),
        files,
        expected,
        move |v| {
            // Upper levels first (parents before children), held back and merged into the
            // villages so the rows reach the database in code order.
            v.hold();
            for (i, (spec, bytes)) in FILES.iter().zip(&buffers).enumerate() {
                if spec.level == RegionLevel::Village {
                    v.merge_held();
                }
                read_level_file(v, i as u16, spec, bytes);
            }
        },
    )
    .await
}

/// Import one CSV with columns `code,name` (any order; levels and parents follow from the codes),
/// gzip-compressed or not.
pub async fn import_seed_csv(
    db: &Db,
    actor: &Actor,
    bytes: &[u8],
    name: &str,
    edition: &str,
) -> StoreResult<ImportSummary> {
    let plain: Vec<u8> = if bytes.starts_with(&[0x1f, 0x8b]) {
        gunzip(bytes, name, limits().max_file_bytes)?
    } else {
        bytes.to_vec()
    };
    let expected = plain.len() / 16;
    run(
        db,
        actor,
        edition,
        name,
        vec![name.to_string()],
        expected,
        move |v| {
            v.hold();
            read_code_name_file(v, &plain);
        },
    )
    .await
}

/// A gzip stream decompressed up to `cap` bytes: a bomb is refused, not inflated.
fn gunzip(bytes: &[u8], name: &str, cap: u64) -> StoreResult<Vec<u8>> {
    let gz = flate2::read::GzDecoder::new(bytes);
    kesu_workbook::read_capped(gz, cap, name).map_err(|e| match e {
        WorkbookError::Read { reason, .. } => {
            refused(name, 0, format!("gzip 解压失败：{reason} (broken gzip)"))
        }
        other => refused(name, 0, other.to_string()),
    })
}

/// "2023 edition" or "2023年版" in the directory's README.
fn edition_from_readme(dir: &Path) -> Option<String> {
    let text = ["README.md", "README", "README.txt"]
        .iter()
        .find_map(|n| read(&dir.join(n)).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())?;
    for marker in [" edition", "年版", "年度"] {
        for (i, _) in text.match_indices(marker) {
            let before = text[..i].trim_end();
            let digits: String = before
                .chars()
                .rev()
                .take_while(char::is_ascii_digit)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            if digits.len() == 4 {
                return Some(digits);
            }
        }
    }
    None
}

/// The header's column names, or the reason it is unusable.
fn header(v: &mut Validator, file: u16, line: Option<(u64, &[u8])>) -> Option<Vec<String>> {
    let Some((n, bytes)) = line else {
        v.bad(file, 1, "文件为空，缺少表头 (empty file, no header)".into());
        return None;
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        v.bad(file, n, "不是有效的 UTF-8 文本 (invalid UTF-8)".into());
        return None;
    };
    let mut fields = Vec::new();
    if let Err(why) = csvline::split(text, &mut fields) {
        v.bad(file, n, format!("表头无法解析：{why} (bad header)"));
        return None;
    }
    Some(fields.iter().map(|f| f.trim().to_string()).collect())
}

fn wrong_columns(expected: &[&str], got: &[String]) -> String {
    format!(
        "列不符：应为 {}，实际为 {} (wrong column set)",
        expected.join(","),
        got.join(",")
    )
}

/// One data line split into `fields`, or the reason it cannot be.
fn split_line<'a>(
    v: &mut Validator,
    file: u16,
    n: u64,
    bytes: &'a [u8],
    width: usize,
    fields: &mut Vec<Cow<'a, str>>,
) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        v.bad(file, n, "不是有效的 UTF-8 文本 (invalid UTF-8)".into());
        return false;
    };
    if let Err(why) = csvline::split(text, fields) {
        v.bad(file, n, why.to_string());
        return false;
    }
    if fields.len() != width {
        v.bad(
            file,
            n,
            format!(
                "应有 {width} 列，实际 {} 列 (wrong number of columns)",
                fields.len()
            ),
        );
        return false;
    }
    true
}

fn read_level_file(v: &mut Validator, file: u16, spec: &FileSpec, bytes: &[u8]) {
    if !within_limits(v, file, bytes) {
        return;
    }
    let mut lines = csvline::lines(bytes);
    let Some(cols) = header(v, file, lines.next()) else {
        return;
    };
    let mut expected: Vec<&str> = vec!["code", "name"];
    expected.extend(spec.ancestors.iter().map(|(n, _)| *n));
    let mut sorted_got: Vec<&str> = cols.iter().map(String::as_str).collect();
    sorted_got.sort_unstable();
    let mut sorted_exp = expected.clone();
    sorted_exp.sort_unstable();
    if sorted_got != sorted_exp {
        v.bad(file, 1, wrong_columns(&expected, &cols));
        return;
    }
    let pos = |n: &str| cols.iter().position(|c| c == n).unwrap_or(0);
    let code_at = pos("code");
    let name_at = pos("name");
    let anc_at: Vec<(usize, &str, RegionLevel)> = spec
        .ancestors
        .iter()
        .map(|(n, l)| (pos(n), *n, *l))
        .collect();
    let want_len = spec.level.code_len();
    let mut fields = Vec::with_capacity(cols.len());
    'rows: for (n, bytes) in lines {
        if bytes.is_empty() {
            continue;
        }
        if !split_line(v, file, n, bytes, cols.len(), &mut fields) {
            continue;
        }
        let code = fields[code_at].trim();
        if code.len() != want_len || !code.bytes().all(|b| b.is_ascii_digit()) {
            v.bad(
                file,
                n,
                format!(
                    "代码“{code}”无效：{}应为 {want_len} 位数字 (bad code)",
                    spec.level.zh()
                ),
            );
            continue;
        }
        for (at, col, level) in &anc_at {
            let a = fields[*at].trim();
            if Some(a) != code.get(..level.code_len()) {
                v.bad(
                    file,
                    n,
                    format!("{col}“{a}”与代码“{code}”不符 (parent column disagrees with the code)"),
                );
                continue 'rows;
            }
        }
        v.accept(file, n, code, fields[name_at].trim());
    }
}

fn read_code_name_file(v: &mut Validator, bytes: &[u8]) {
    if !within_limits(v, 0, bytes) {
        return;
    }
    let mut lines = csvline::lines(bytes);
    let Some(cols) = header(v, 0, lines.next()) else {
        return;
    };
    let mut got: Vec<&str> = cols.iter().map(String::as_str).collect();
    got.sort_unstable();
    if got != ["code", "name"] {
        v.bad(0, 1, wrong_columns(&["code", "name"], &cols));
        return;
    }
    let code_at = cols.iter().position(|c| c == "code").unwrap_or(0);
    let name_at = 1 - code_at;
    let mut fields = Vec::with_capacity(2);
    for (n, bytes) in lines {
        if bytes.is_empty() {
            continue;
        }
        if !split_line(v, 0, n, bytes, 2, &mut fields) {
            continue;
        }
        let code = fields[code_at].trim();
        if RegionLevel::from_code_len(code.len()).is_none()
            || !code.bytes().all(|b| b.is_ascii_digit())
        {
            v.bad(
                0,
                n,
                format!("代码“{code}”无效：应为 2、4、6、9 或 12 位数字 (bad code)"),
            );
            continue;
        }
        v.accept(0, n, code, fields[name_at].trim());
    }
}

fn parent_of(code: &str) -> Option<&str> {
    let level = RegionLevel::from_code_len(code.len())?;
    let up = RegionLevel::from_depth(level.depth().checked_sub(1)?)?;
    code.get(..up.code_len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edition_is_read_from_the_readme() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("README.md"),
            "Statistical division codes, 2023 edition (as of 2023-06-30)",
        )
        .unwrap();
        assert_eq!(edition_from_readme(d.path()).as_deref(), Some("2023"));
    }

    #[test]
    fn a_gzip_bomb_is_refused_at_the_cap_not_inflated() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&vec![b'0'; 1 << 20]).unwrap();
        let bomb = gz.finish().unwrap();
        assert!(bomb.len() < 4096);
        let Err(StoreError::Import(e)) = gunzip(&bomb, "seed.csv.gz", 64 * 1024) else {
            panic!("inflated a bomb")
        };
        assert_eq!(e.rows[0].file, "seed.csv.gz");
        assert!(
            e.rows[0].reason.contains("压缩炸弹"),
            "{}",
            e.rows[0].reason
        );
        assert_eq!(
            gunzip(&bomb, "seed.csv.gz", 2 << 20).unwrap().len(),
            1 << 20
        );
    }

    #[test]
    fn held_upper_levels_are_merged_into_the_villages_in_code_order() {
        let (tx, mut rx) = mpsc::channel(16);
        let mut v = Validator::new(vec!["f".into()], tx, 8, None);
        v.hold();
        for code in ["43", "44", "4313", "431302", "431302001", "441302001"] {
            v.accept(0, 1, code, "名");
        }
        v.merge_held();
        v.accept(0, 2, "431302001001", "村");
        v.accept(0, 3, "441302001001", "村");
        let checked = v.finish();
        assert!(checked.errors.is_empty());
        let mut codes = Vec::new();
        while let Ok(Chunk::Rows(chunk)) = rx.try_recv() {
            codes.extend(chunk.into_iter().map(|r| r.code));
        }
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(codes, sorted);
        assert_eq!(codes.len(), 8);
        // 441302001's parent 441302 is not in the import: left for the database check.
        assert_eq!(checked.orphans.len(), 1);
    }

    #[test]
    fn the_parent_of_a_village_is_its_township() {
        assert_eq!(parent_of("431302001001"), Some("431302001"));
        assert_eq!(parent_of("43"), None);
    }
}
