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
use crate::{Actor, Backend, Db, StoreError, StoreResult, Tx, audit};
use kesu_core::RegionLevel;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;
use tokio::sync::mpsc;

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

fn read(path: &Path) -> StoreResult<Vec<u8>> {
    std::fs::read(path).map_err(|e| StoreError::Io {
        path: path.display().to_string(),
        source: e,
    })
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
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .map_err(|e| {
                StoreError::Import(ImportErrors {
                    rows: vec![BadRow {
                        file: name.to_string(),
                        row: 0,
                        reason: format!("gzip 解压失败：{e} (broken gzip)"),
                    }],
                })
            })?;
        out
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

/// "2023 edition" or "2023年版" in the directory's README.
fn edition_from_readme(dir: &Path) -> Option<String> {
    let text = ["README.md", "README", "README.txt"]
        .iter()
        .find_map(|n| std::fs::read_to_string(dir.join(n)).ok())?;
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

/// Read and check on a blocking thread while the rows stream into the database in one
/// transaction; commit only when every row passed.
async fn run<F>(
    db: &Db,
    actor: &Actor,
    edition: &str,
    source: &str,
    files: Vec<String>,
    expected_rows: usize,
    read_all: F,
) -> StoreResult<ImportSummary>
where
    F: FnOnce(&mut Validator) + Send + 'static,
{
    let (sender, receiver) = mpsc::channel::<Chunk>(8);
    let copy_edition = (db.backend() == Backend::Postgres).then(|| edition.to_string());
    let checker = tokio::task::spawn_blocking(move || {
        let mut v = Validator::new(files, sender, expected_rows, copy_edition.as_deref());
        read_all(&mut v);
        v.finish()
    });

    let mut tx = db.begin().await?;
    let before = count_in(&mut tx).await?;
    // Into an empty table, indexes are built once after the rows are in (a sort) rather than
    // row by row; the DDL is part of the transaction on both backends.
    let saved = if before == 0 {
        Some(drop_indexes(&mut tx).await?)
    } else {
        None
    };
    let written = write_rows(&mut tx, receiver, edition, before == 0).await;
    let mut checked = checker
        .await
        .map_err(|e| StoreError::Invalid(format!("导入中断 (import aborted): {e}")))?;
    written?;

    // Parents outside the import must be stored already.
    if !checked.orphans.is_empty() {
        let mut wanted: Vec<&str> = checked
            .orphans
            .iter()
            .filter_map(|(_, _, c)| parent_of(c))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let stored = stored_codes(&mut tx, &wanted).await?;
        for (f, l, code) in &checked.orphans {
            let parent = parent_of(code).unwrap_or_default();
            if !stored.contains(parent) {
                checked.errors.push(BadRow {
                    file: checked.files[usize::from(*f)].clone(),
                    row: *l,
                    reason: format!("代码“{code}”的上级区划“{parent}”不存在 (missing parent)"),
                });
            }
        }
    }
    let total: i64 = checked.levels.iter().sum();
    if total == 0 && checked.errors.is_empty() {
        checked.errors.push(BadRow {
            file: checked.files.join(", "),
            row: 0,
            reason: "没有任何区划数据 (no rows)".into(),
        });
    }
    if !checked.errors.is_empty() {
        tx.rollback().await?;
        let files = &checked.files;
        checked.errors.sort_by_key(|r| {
            (
                files
                    .iter()
                    .position(|f| *f == r.file)
                    .unwrap_or(usize::MAX),
                r.row,
            )
        });
        return Err(StoreError::Import(ImportErrors {
            rows: checked.errors,
        }));
    }
    if let Some(fks) = saved {
        restore_indexes(&mut tx, fks).await?;
    }

    let levels: Vec<LevelCount> = (1..=5)
        .filter_map(RegionLevel::from_depth)
        .map(|level| LevelCount {
            level,
            count: checked.levels[usize::from(level.depth() - 1)],
        })
        .collect();
    let now = time::OffsetDateTime::now_utc();
    on_tx!(&mut tx, |conn| sqlx::query(
        "INSERT INTO region_edition (edition, imported_at, actor, source, row_count)
         VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(edition)
    .bind(now)
    .bind(&actor.name)
    .bind(source)
    .bind(total)
    .execute(&mut *conn)
    .await
    .map(|_| ()))?;
    let not_in_edition: i64 = on_tx!(&mut tx, |conn| sqlx::query_scalar(
        "SELECT COUNT(*) FROM region WHERE edition <> $1"
    )
    .bind(edition)
    .fetch_one(&mut *conn)
    .await)?;
    let summary = ImportSummary {
        edition: edition.to_string(),
        source: source.to_string(),
        levels,
        total,
        before,
        not_in_edition,
    };
    let after = serde_json::to_value(&summary).ok();
    audit::record(
        &mut tx,
        actor,
        "regions.import",
        &format!("regions:{edition}"),
        None,
        after.as_ref(),
    )
    .await?;
    tx.commit().await?;
    Ok(summary)
}

/// Foreign keys that reference `region`, dropped with its primary key and re-created after.
struct SavedForeignKey {
    table: String,
    name: String,
    definition: String,
}

/// Before filling an empty table: drop the indexes that are faster built once, after the rows
/// are in (a sort) than row by row. SQLite: the name index (the primary key of a WITHOUT ROWID
/// table cannot go). PostgreSQL: the name index and the primary key, with the foreign keys that
/// depend on it (their tables are empty too: nothing can reference a region that does not exist).
/// All of it is DDL inside the import's transaction, so a failure or a crash restores everything.
async fn drop_indexes(tx: &mut Tx) -> StoreResult<Vec<SavedForeignKey>> {
    match tx {
        Tx::Sqlite(t, _) => {
            sqlx::query("DROP INDEX region_name")
                .execute(&mut **t)
                .await?;
            Ok(Vec::new())
        }
        Tx::Postgres(t) => {
            let fks: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT c.conrelid::regclass::text, c.conname::text, pg_get_constraintdef(c.oid)
                 FROM pg_constraint c
                 WHERE c.contype = 'f' AND c.confrelid = 'region'::regclass",
            )
            .fetch_all(&mut **t)
            .await?;
            sqlx::query("SET LOCAL maintenance_work_mem = '256MB'")
                .execute(&mut **t)
                .await?;
            sqlx::query("DROP INDEX region_name")
                .execute(&mut **t)
                .await?;
            sqlx::query("ALTER TABLE region DROP CONSTRAINT region_pkey CASCADE")
                .execute(&mut **t)
                .await?;
            Ok(fks
                .into_iter()
                .map(|(table, name, definition)| SavedForeignKey {
                    table,
                    name,
                    definition,
                })
                .collect())
        }
    }
}

async fn restore_indexes(tx: &mut Tx, fks: Vec<SavedForeignKey>) -> StoreResult<()> {
    match tx {
        Tx::Sqlite(t, _) => {
            sqlx::query("CREATE INDEX region_name ON region (name)")
                .execute(&mut **t)
                .await?;
        }
        Tx::Postgres(t) => {
            sqlx::query("ALTER TABLE region ADD CONSTRAINT region_pkey PRIMARY KEY (code)")
                .execute(&mut **t)
                .await?;
            sqlx::query("CREATE INDEX region_name ON region (name)")
                .execute(&mut **t)
                .await?;
            for fk in fks {
                // Names and definitions come from the catalog, not from input.
                let sql = format!(
                    "ALTER TABLE {} ADD CONSTRAINT \"{}\" {}",
                    fk.table, fk.name, fk.definition
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut **t)
                    .await?;
            }
        }
    }
    Ok(())
}

async fn count_in(tx: &mut Tx) -> StoreResult<i64> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM region"
    )
    .fetch_one(&mut *c)
    .await)?)
}

/// Which of `codes` are stored (seen from inside the import's transaction).
async fn stored_codes(tx: &mut Tx, codes: &[&str]) -> StoreResult<HashSet<String>> {
    let mut out = HashSet::new();
    for chunk in codes.chunks(500) {
        let found: Vec<String> = on_tx!(tx, |c| {
            let mut qb = sqlx::QueryBuilder::new("SELECT code FROM region WHERE code IN (");
            let mut sep = qb.separated(", ");
            for code in chunk {
                sep.push_bind(*code);
            }
            qb.push(")");
            qb.build_query_scalar().fetch_all(&mut *c).await
        })?;
        out.extend(found);
    }
    Ok(out)
}

/// `INSERT … SELECT … FROM (VALUES (?,?), …)` for `n` rows of (code, name), the edition bound
/// once as the first parameter; level and parent are computed from the code by SQLite, so each
/// row costs two bound values. Anonymous `?` rather than `$N`: sqlx looks up each numbered
/// parameter by name, a linear scan in SQLite that makes a statement of 8 000 parameters
/// quadratic.
fn sqlite_insert_sql(n: usize) -> String {
    let mut s = String::with_capacity(512 + n * 6);
    s.push_str(
        "INSERT INTO region (code, name, level, parent_code, edition) \
         SELECT v.column1, v.column2, \
         CASE length(v.column1) WHEN 2 THEN 1 WHEN 4 THEN 2 WHEN 6 THEN 3 WHEN 9 THEN 4 ELSE 5 END, \
         CASE length(v.column1) WHEN 2 THEN NULL WHEN 4 THEN substr(v.column1, 1, 2) \
         WHEN 6 THEN substr(v.column1, 1, 4) WHEN 9 THEN substr(v.column1, 1, 6) \
         ELSE substr(v.column1, 1, 9) END, e.edition \
         FROM (SELECT ? AS edition) AS e, (VALUES ",
    );
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push_str("(?,?)");
    }
    // `WHERE true` lets SQLite's parser tell the upsert clause from a join constraint.
    s.push_str(
        ") AS v WHERE true ON CONFLICT (code) DO UPDATE SET name = excluded.name, \
         level = excluded.level, parent_code = excluded.parent_code, edition = excluded.edition",
    );
    s
}

fn level_of(code: &str) -> i32 {
    RegionLevel::from_code_len(code.len()).map_or(0, |l| i32::from(l.depth()))
}

/// Write the rows as they arrive: multi-row `INSERT`s on SQLite, one `COPY` on PostgreSQL (into
/// the table when it is empty, else into a temporary table merged with an upsert).
async fn write_rows(
    tx: &mut Tx,
    mut rows: mpsc::Receiver<Chunk>,
    edition: &str,
    table_empty: bool,
) -> StoreResult<()> {
    match tx {
        Tx::Sqlite(t, _) => {
            // The name index takes rows in random order: with SQLite's default 2 MB page cache a
            // national import spills pages to the WAL over and over. A large cache for this
            // connection keeps the B-trees in memory until commit.
            sqlx::query("PRAGMA cache_size = -262144")
                .execute(&mut **t)
                .await?;
            let full_sql = sqlite_insert_sql(CHUNK);
            while let Some(chunk) = rows.recv().await {
                let Chunk::Rows(chunk) = chunk else {
                    continue;
                };
                if chunk.is_empty() {
                    continue;
                }
                let sql = if chunk.len() == CHUNK {
                    full_sql.clone()
                } else {
                    sqlite_insert_sql(chunk.len())
                };
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(edition);
                for r in &chunk {
                    q = q.bind(r.code.as_str()).bind(r.name.as_str());
                }
                q.execute(&mut **t).await?;
            }
            sqlx::query("PRAGMA cache_size = -2000")
                .execute(&mut **t)
                .await?;
        }
        Tx::Postgres(t) => {
            let target = if table_empty {
                "region"
            } else {
                sqlx::query(
                    "CREATE TEMP TABLE region_incoming (code TEXT COLLATE \"C\", name TEXT COLLATE \"C\",
                     level INTEGER, parent_code TEXT COLLATE \"C\", edition TEXT) ON COMMIT DROP",
                )
                .execute(&mut **t)
                .await?;
                "region_incoming"
            };
            let stmt =
                format!("COPY {target} (code, name, level, parent_code, edition) FROM STDIN");
            let mut copy = t.copy_in_raw(&stmt).await?;
            while let Some(chunk) = rows.recv().await {
                match chunk {
                    Chunk::Copy(bytes) => {
                        copy.send(bytes).await?;
                    }
                    Chunk::Rows(rows) => {
                        let mut buf = Vec::with_capacity(rows.len() * 64);
                        for r in &rows {
                            encode_copy_line(&mut buf, &r.code, &r.name, &copy_escape(edition));
                        }
                        copy.send(buf).await?;
                    }
                }
            }
            copy.finish().await?;
            if !table_empty {
                sqlx::query(
                    "INSERT INTO region (code, name, level, parent_code, edition)
                     SELECT code, name, level, parent_code, edition FROM region_incoming
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
                     parent_code = excluded.parent_code, edition = excluded.edition",
                )
                .execute(&mut **t)
                .await?;
            }
        }
    }
    Ok(())
}

/// One row in PostgreSQL's COPY text format: code, name, level, parent (or `\N`), edition
/// (already escaped).
fn encode_copy_line(buf: &mut Vec<u8>, code: &str, name: &str, edition_esc: &str) {
    buf.extend_from_slice(code.as_bytes());
    buf.push(b'\t');
    buf.extend_from_slice(copy_escape(name).as_bytes());
    buf.push(b'\t');
    let level = u8::try_from(level_of(code)).unwrap_or(0);
    buf.push(b'0' + level);
    buf.push(b'\t');
    match parent_of(code) {
        Some(p) => buf.extend_from_slice(p.as_bytes()),
        None => buf.extend_from_slice(b"\\N"),
    }
    buf.push(b'\t');
    buf.extend_from_slice(edition_esc.as_bytes());
    buf.push(b'\n');
}

/// A value for PostgreSQL's COPY text format: backslash, tab, newline and carriage return escaped.
fn copy_escape(s: &str) -> Cow<'_, str> {
    if !s.contains(['\\', '\t', '\n', '\r']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 4);
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
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
    fn a_copy_line_has_level_parent_and_edition() {
        let mut buf = Vec::new();
        encode_copy_line(&mut buf, "431302001001", "新星社区", "2023");
        encode_copy_line(&mut buf, "43", "湖南省", "2023");
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "431302001001\t新星社区\t5\t431302001\t2023\n43\t湖南省\t1\t\\N\t2023\n"
        );
    }

    #[test]
    fn copy_values_escape_tabs_and_backslashes() {
        assert_eq!(copy_escape("a\tb\\c"), "a\\tb\\\\c");
        assert_eq!(copy_escape("娄底市"), "娄底市");
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
