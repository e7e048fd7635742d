//! Writing a checked import: the rows stream into the database in one transaction while the
//! checking side reads (multi-row `INSERT`s on SQLite, `COPY … FROM STDIN` on PostgreSQL), with
//! the indexes of an empty table dropped and built once at the end.

use super::{CHUNK, Chunk, ImportSummary, LevelCount, Validator, parent_of};
use crate::error::{BadRow, ImportErrors};
use crate::{Actor, Backend, Db, StoreError, StoreResult, Tx, audit};
use kesu_core::RegionLevel;
use std::borrow::Cow;
use std::collections::HashSet;
use tokio::sync::mpsc;

/// Read and check on a blocking thread while the rows stream into the database in one
/// transaction; commit only when every row passed.
pub(super) async fn run<F>(
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
pub(super) fn encode_copy_line(buf: &mut Vec<u8>, code: &str, name: &str, edition_esc: &str) {
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
pub(super) fn copy_escape(s: &str) -> Cow<'_, str> {
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
}
