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
use crate::{Actor, Db, StoreError, StoreResult, Tx, audit};
use kesu_core::RegionLevel;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;

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

/// A row that passed its file's own checks.
struct Entry<'a> {
    file: u16,
    line: u64,
    code: &'a str,
    name: Cow<'a, str>,
}

/// Rows and errors collected while reading.
struct Collected<'a> {
    files: Vec<String>,
    entries: Vec<Entry<'a>>,
    errors: Vec<BadRow>,
}

impl Collected<'_> {
    fn bad(&mut self, file: u16, row: u64, reason: String) {
        let file = self.files[usize::from(file)].clone();
        self.errors.push(BadRow { file, row, reason });
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
    let mut c = Collected {
        files: FILES.iter().map(|f| f.name.to_string()).collect(),
        entries: Vec::with_capacity(buffers.iter().map(|b| b.len() / 40).sum()),
        errors: Vec::new(),
    };
    for (i, (spec, bytes)) in FILES.iter().zip(&buffers).enumerate() {
        read_level_file(&mut c, i as u16, spec, bytes);
    }
    finish(db, actor, c, &edition, &dir.display().to_string()).await
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
    let plain: Cow<'_, [u8]> = if bytes.starts_with(&[0x1f, 0x8b]) {
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
        Cow::Owned(out)
    } else {
        Cow::Borrowed(bytes)
    };
    let mut c = Collected {
        files: vec![name.to_string()],
        entries: Vec::new(),
        errors: Vec::new(),
    };
    read_code_name_file(&mut c, &plain);
    finish(db, actor, c, edition, name).await
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
fn header(c: &mut Collected<'_>, file: u16, line: Option<(u64, &[u8])>) -> Option<Vec<String>> {
    let Some((n, bytes)) = line else {
        c.bad(file, 1, "文件为空，缺少表头 (empty file, no header)".into());
        return None;
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        c.bad(file, n, "不是有效的 UTF-8 文本 (invalid UTF-8)".into());
        return None;
    };
    let mut fields = Vec::new();
    if let Err(why) = csvline::split(text, &mut fields) {
        c.bad(file, n, format!("表头无法解析：{why} (bad header)"));
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

fn read_level_file<'a>(c: &mut Collected<'a>, file: u16, spec: &FileSpec, bytes: &'a [u8]) {
    let mut lines = csvline::lines(bytes);
    let Some(cols) = header(c, file, lines.next()) else {
        return;
    };
    let mut expected: Vec<&str> = vec!["code", "name"];
    expected.extend(spec.ancestors.iter().map(|(n, _)| *n));
    let mut sorted_got: Vec<&str> = cols.iter().map(String::as_str).collect();
    sorted_got.sort_unstable();
    let mut sorted_exp = expected.clone();
    sorted_exp.sort_unstable();
    if sorted_got != sorted_exp {
        c.bad(file, 1, wrong_columns(&expected, &cols));
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
    for (n, bytes) in lines {
        if bytes.is_empty() {
            continue;
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            c.bad(file, n, "不是有效的 UTF-8 文本 (invalid UTF-8)".into());
            continue;
        };
        if let Err(why) = csvline::split(text, &mut fields) {
            c.bad(file, n, why.to_string());
            continue;
        }
        if fields.len() != cols.len() {
            c.bad(
                file,
                n,
                format!(
                    "应有 {} 列，实际 {} 列 (wrong number of columns)",
                    cols.len(),
                    fields.len()
                ),
            );
            continue;
        }
        let code = match &fields[code_at] {
            Cow::Borrowed(s) => s.trim(),
            Cow::Owned(_) => "",
        };
        if code.len() != want_len || !code.bytes().all(|b| b.is_ascii_digit()) {
            c.bad(
                file,
                n,
                format!(
                    "代码“{}”无效：{}应为 {want_len} 位数字 (bad code)",
                    fields[code_at],
                    spec.level.zh()
                ),
            );
            continue;
        }
        let name = fields[name_at].clone();
        let name = match name {
            Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
            Cow::Owned(s) => Cow::Owned(s.trim().to_string()),
        };
        if name.is_empty() {
            c.bad(file, n, format!("代码“{code}”的名称为空 (empty name)"));
            continue;
        }
        let mut consistent = true;
        for (at, col, level) in &anc_at {
            let v = fields[*at].trim();
            if Some(v) != code.get(..level.code_len()) {
                c.bad(
                    file,
                    n,
                    format!("{col}“{v}”与代码“{code}”不符 (parent column disagrees with the code)"),
                );
                consistent = false;
                break;
            }
        }
        if consistent {
            c.entries.push(Entry {
                file,
                line: n,
                code,
                name,
            });
        }
    }
}

fn read_code_name_file<'a>(c: &mut Collected<'a>, bytes: &'a [u8]) {
    let mut lines = csvline::lines(bytes);
    let Some(cols) = header(c, 0, lines.next()) else {
        return;
    };
    let mut got: Vec<&str> = cols.iter().map(String::as_str).collect();
    got.sort_unstable();
    if got != ["code", "name"] {
        c.bad(0, 1, wrong_columns(&["code", "name"], &cols));
        return;
    }
    let code_at = cols.iter().position(|c| c == "code").unwrap_or(0);
    let name_at = 1 - code_at;
    let mut fields = Vec::with_capacity(2);
    for (n, bytes) in lines {
        if bytes.is_empty() {
            continue;
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            c.bad(0, n, "不是有效的 UTF-8 文本 (invalid UTF-8)".into());
            continue;
        };
        if let Err(why) = csvline::split(text, &mut fields) {
            c.bad(0, n, why.to_string());
            continue;
        }
        if fields.len() != 2 {
            c.bad(
                0,
                n,
                format!(
                    "应有 2 列，实际 {} 列 (wrong number of columns)",
                    fields.len()
                ),
            );
            continue;
        }
        let code = match &fields[code_at] {
            Cow::Borrowed(s) => s.trim(),
            Cow::Owned(_) => "",
        };
        if RegionLevel::from_code_len(code.len()).is_none()
            || !code.bytes().all(|b| b.is_ascii_digit())
        {
            c.bad(
                0,
                n,
                format!(
                    "代码“{}”无效：应为 2、4、6、9 或 12 位数字 (bad code)",
                    fields[code_at]
                ),
            );
            continue;
        }
        let name = match fields[name_at].clone() {
            Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
            Cow::Owned(s) => Cow::Owned(s.trim().to_string()),
        };
        if name.is_empty() {
            c.bad(0, n, format!("代码“{code}”的名称为空 (empty name)"));
            continue;
        }
        c.entries.push(Entry {
            file: 0,
            line: n,
            code,
            name,
        });
    }
}

fn parent_of(code: &str) -> Option<&str> {
    let level = RegionLevel::from_code_len(code.len())?;
    let up = RegionLevel::from_depth(level.depth().checked_sub(1)?)?;
    code.get(..up.code_len())
}

/// Cross-row checks (duplicates, parents), then the write.
async fn finish(
    db: &Db,
    actor: &Actor,
    mut c: Collected<'_>,
    edition: &str,
    source: &str,
) -> StoreResult<ImportSummary> {
    // Duplicates: the second and later occurrences are bad rows.
    let mut seen: HashMap<&str, (u16, u64)> = HashMap::with_capacity(c.entries.len());
    let mut dup_errors = Vec::new();
    for e in &c.entries {
        if let Some(&(f, l)) = seen.get(e.code) {
            dup_errors.push((
                e.file,
                e.line,
                format!(
                    "代码“{}”重复：与 {} 第 {l} 行相同 (duplicate code)",
                    e.code,
                    c.files[usize::from(f)]
                ),
            ));
        } else {
            seen.insert(e.code, (e.file, e.line));
        }
    }
    // Parents: in this import, or already stored.
    let mut missing: Vec<(u16, u64, &str, &str)> = Vec::new();
    for e in &c.entries {
        if let Some(p) = parent_of(e.code)
            && !seen.contains_key(p)
        {
            missing.push((e.file, e.line, e.code, p));
        }
    }
    let stored = if missing.is_empty() {
        HashSet::new()
    } else {
        let mut wanted: Vec<&str> = missing.iter().map(|m| m.3).collect();
        wanted.sort_unstable();
        wanted.dedup();
        stored_codes(db, &wanted).await?
    };
    for (f, l, code, parent) in missing {
        if !stored.contains(parent) {
            c.bad(
                f,
                l,
                format!("代码“{code}”的上级区划“{parent}”不存在 (missing parent)"),
            );
        }
    }
    for (f, l, why) in dup_errors {
        c.bad(f, l, why);
    }
    if c.entries.is_empty() && c.errors.is_empty() {
        c.errors.push(BadRow {
            file: c.files.join(", "),
            row: 0,
            reason: "没有任何区划数据 (no rows)".into(),
        });
    }
    if !c.errors.is_empty() {
        let files = &c.files;
        c.errors.sort_by_key(|r| {
            (
                files
                    .iter()
                    .position(|f| *f == r.file)
                    .unwrap_or(usize::MAX),
                r.row,
            )
        });
        return Err(StoreError::Import(ImportErrors { rows: c.errors }));
    }
    drop(seen);

    let mut levels: Vec<LevelCount> = (1..=5)
        .filter_map(RegionLevel::from_depth)
        .map(|level| LevelCount { level, count: 0 })
        .collect();
    for e in &c.entries {
        if let Some(l) = RegionLevel::from_code_len(e.code.len()) {
            levels[usize::from(l.depth() - 1)].count += 1;
        }
    }
    let total = c.entries.len() as i64;

    let mut tx = db.begin().await?;
    let before = count_in(&mut tx).await?;
    // Rows in code order: the primary key's B-tree is then filled left to right.
    c.entries.sort_unstable_by(|a, b| a.code.cmp(b.code));
    let saved = if before == 0 {
        Some(drop_indexes(&mut tx).await?)
    } else {
        None
    };
    write_rows(&mut tx, &c.entries, edition, before == 0).await?;
    if let Some(fks) = saved {
        restore_indexes(&mut tx, fks).await?;
    }
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
        Tx::Sqlite(t) => {
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
        Tx::Sqlite(t) => {
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

/// Which of `codes` are stored.
async fn stored_codes(db: &Db, codes: &[&str]) -> StoreResult<HashSet<String>> {
    let mut out = HashSet::new();
    for chunk in codes.chunks(500) {
        let found: Vec<String> = on_db!(db, |p| {
            let mut qb = sqlx::QueryBuilder::new("SELECT code FROM region WHERE code IN (");
            let mut sep = qb.separated(", ");
            for c in chunk {
                sep.push_bind(*c);
            }
            qb.push(")");
            qb.build_query_scalar().fetch_all(p).await
        })?;
        out.extend(found);
    }
    Ok(out)
}

/// Rows per `INSERT` on SQLite: 5 bound values each, well under SQLite's 32 766 variables.
const SQLITE_BATCH: usize = 4_000;

/// `INSERT … VALUES (?,?,?,?,?), …` for `n` rows. Anonymous `?` rather than `$N`: sqlx looks up
/// each numbered parameter by name, a linear scan in SQLite that makes a statement of 20 000
/// parameters quadratic.
fn sqlite_insert_sql(n: usize) -> String {
    let mut s = String::with_capacity(256 + n * 12);
    s.push_str("INSERT INTO region (code, name, level, parent_code, edition) VALUES ");
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push_str("(?,?,?,?,?)");
    }
    s.push_str(
        " ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, \
         parent_code = excluded.parent_code, edition = excluded.edition",
    );
    s
}

async fn write_rows(
    tx: &mut Tx,
    entries: &[Entry<'_>],
    edition: &str,
    table_empty: bool,
) -> StoreResult<()> {
    match tx {
        Tx::Sqlite(t) => {
            // The name index takes rows in random order: with SQLite's default 2 MB page cache a
            // national import spills pages to the WAL over and over. A large cache for this
            // connection keeps the B-trees in memory until commit.
            sqlx::query("PRAGMA cache_size = -262144")
                .execute(&mut **t)
                .await?;
            let full_sql = sqlite_insert_sql(SQLITE_BATCH);
            for chunk in entries.chunks(SQLITE_BATCH) {
                let sql = if chunk.len() == SQLITE_BATCH {
                    full_sql.clone()
                } else {
                    sqlite_insert_sql(chunk.len())
                };
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for e in chunk {
                    let level = RegionLevel::from_code_len(e.code.len()).map_or(0, |l| l.depth());
                    q = q
                        .bind(e.code)
                        .bind(e.name.as_ref())
                        .bind(i32::from(level))
                        .bind(parent_of(e.code))
                        .bind(edition);
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
            let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
            let edition_esc = copy_escape(edition);
            for e in entries {
                let level = RegionLevel::from_code_len(e.code.len()).map_or(0, |l| l.depth());
                buf.extend_from_slice(e.code.as_bytes());
                buf.push(b'\t');
                buf.extend_from_slice(copy_escape(&e.name).as_bytes());
                buf.push(b'\t');
                buf.extend_from_slice(level.to_string().as_bytes());
                buf.push(b'\t');
                match parent_of(e.code) {
                    Some(p) => buf.extend_from_slice(p.as_bytes()),
                    None => buf.extend_from_slice(b"\\N"),
                }
                buf.push(b'\t');
                buf.extend_from_slice(edition_esc.as_bytes());
                buf.push(b'\n');
                if buf.len() >= 1 << 20 {
                    copy.send(std::mem::take(&mut buf)).await?;
                    buf.reserve(1 << 20);
                }
            }
            if !buf.is_empty() {
                copy.send(buf).await?;
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
    fn copy_values_escape_tabs_and_backslashes() {
        assert_eq!(copy_escape("a\tb\\c"), "a\\tb\\\\c");
        assert_eq!(copy_escape("娄底市"), "娄底市");
    }

    #[test]
    fn the_parent_of_a_village_is_its_township() {
        assert_eq!(parent_of("431302001001"), Some("431302001"));
        assert_eq!(parent_of("43"), None);
    }
}
