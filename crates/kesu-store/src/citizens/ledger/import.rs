//! A ledger import's SQL: one transaction for a whole file, the entries inserted in large
//! batches, the per-village tallies and one audit row at the end.

use crate::{Actor, Db, StoreError, StoreResult, Tx, audit};
use serde_json::json;
use std::collections::HashSet;
use time::OffsetDateTime;

/// SQLite's page cache for the connection of a large import: about four times the file (a
/// row of the file becomes a row of ciphertext and two index keys), between the default and
/// 2 GiB. The ID-number index takes its keys in random order (they are HMACs); with the
/// default 2 MB cache every insert reads and spills index pages, and a spilled page is read
/// back from the WAL. With this one the whole import stays in memory until the commit.
fn import_cache_kib(file_bytes: u64) -> i64 {
    (file_bytes.saturating_mul(4) / 1024).clamp(DEFAULT_CACHE_KIB as u64, 2 * 1024 * 1024) as i64
}
const DEFAULT_CACHE_KIB: i64 = 2000;

async fn sqlite_cache(tx: &mut Tx, kib: i64) -> StoreResult<()> {
    if let Tx::Sqlite(t, _) = tx {
        sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA cache_size = -{kib}")))
            .execute(&mut **t)
            .await?;
    }
    Ok(())
}

/// An entry of an import: its basis is `import` and it has no score, written into the SQL
/// rather than bound for every row (fewer values for SQLite to copy).
#[derive(Debug, Clone)]
pub struct ImportEntry {
    pub region_code: String,
    pub key_group: String,
    pub name_ct: Vec<u8>,
    pub id_ct: Vec<u8>,
    pub id_idx: Vec<u8>,
    pub phone_ct: Option<Vec<u8>>,
    pub phone_idx: Option<Vec<u8>>,
    /// The document the entry rests on.
    pub basis_ref: String,
    pub entered_on: time::Date,
}

/// Values bound per row of an import's INSERT.
const BOUND_PER_ROW: usize = 9;

/// An import under way: its id, and on SQLite into an empty ledger, the indexes of
/// `ledger_entry` set aside until [`import_finish`] builds them again.
#[derive(Debug)]
pub struct Import {
    pub id: i64,
    /// The import's time, every entry's `created_at`.
    now: OffsetDateTime,
    backend: crate::Backend,
    /// The `CREATE INDEX` statements of the indexes dropped by [`import_start`], as SQLite
    /// recorded them (so they come back exactly as the migrations made them); `None` when the
    /// indexes stay (PostgreSQL, or a ledger with entries).
    set_aside: Option<Vec<String>>,
}

/// Starts an import of one file of `file_bytes` bytes (inside the caller's transaction).
///
/// On SQLite, when the ledger has no entry at all, the indexes of `ledger_entry` are dropped
/// here and built again by [`import_finish`]: building an index over a million rows sorts them
/// once, where inserting them one by one into the ID index (random keys: they are HMACs) walks
/// and splits its B-tree for every row. It is safe because nothing can conflict: the ledger is
/// empty, the caller sends every person once (it de-duplicates the file), and the transaction
/// holds SQLite's write lock (`BEGIN IMMEDIATE`). Readers keep their snapshot with the indexes;
/// a rollback — a refused file, an error, a killed process — brings the indexes back with the rest.
pub async fn import_start(
    tx: &mut Tx,
    actor: &Actor,
    file_name: &str,
    file_hash: &str,
    file_bytes: u64,
) -> StoreResult<Import> {
    sqlite_cache(tx, import_cache_kib(file_bytes)).await?;
    let id = on_tx!(&mut *tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO ledger_import (file_name, file_hash, rows, added, already, imported_by, imported_at)
         VALUES ($1, $2, 0, 0, 0, $3, $4) RETURNING id"
    )
    .bind(file_name)
    .bind(file_hash)
    .bind(&actor.name)
    .bind(OffsetDateTime::now_utc())
    .fetch_one(&mut *c)
    .await
    })?;
    let backend = tx.backend();
    let set_aside = match tx {
        Tx::Sqlite(t, _) => set_indexes_aside(t).await?,
        Tx::Postgres(_) => None,
    };
    Ok(Import {
        id,
        now: OffsetDateTime::now_utc(),
        backend,
        set_aside,
    })
}

/// Drops the indexes of an empty `ledger_entry` and returns their definitions; leaves a
/// ledger with entries as it is (returns `None`).
async fn set_indexes_aside(
    t: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
) -> StoreResult<Option<Vec<String>>> {
    let empty: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM ledger_entry)")
        .fetch_one(&mut **t)
        .await?;
    if !empty {
        return Ok(None);
    }
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master
         WHERE type = 'index' AND tbl_name = 'ledger_entry' AND sql IS NOT NULL ORDER BY name",
    )
    .fetch_all(&mut **t)
    .await?;
    let mut set_aside = Vec::with_capacity(indexes.len());
    for (name, sql) in indexes {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP INDEX \"{}\"",
            name.replace('"', "\"\"")
        )))
        .execute(&mut **t)
        .await?;
        set_aside.push(sql);
    }
    Ok(Some(set_aside))
}

/// Rows per INSERT statement in an import. SQLite: 9 parameters a row, 18,000 in all, under
/// its 32,766; PostgreSQL: 11 a row, 22,000, under its 65,535.
pub fn import_batch_size(_db: &Db) -> usize {
    2000
}

impl Import {
    /// What [`ImportBatch::new`] needs to know of this import (to hand to other threads).
    pub fn batches(&self) -> BatchMaker {
        BatchMaker {
            import_id: self.id,
            now: self.now,
            sqlite: self.backend == crate::Backend::Sqlite,
            bulk: self.set_aside.is_some(),
        }
    }
}

/// Makes the batches of one import ([`Import::batches`]).
#[derive(Debug, Clone, Copy)]
pub struct BatchMaker {
    import_id: i64,
    now: OffsetDateTime,
    sqlite: bool,
    bulk: bool,
}

/// A batch of an import ready to write. On SQLite its INSERT is built and every value bound
/// when the batch is made, on the thread that makes it (no I/O): sqlx allocates for every bound
/// value, and the writer, which is the import's one serial stage, then only runs it.
pub struct ImportBatch {
    n: usize,
    kind: BatchKind,
}

enum BatchKind {
    Sqlite {
        insert: sqlx::query::Query<'static, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>,
        /// The ID indexes, for the look-up of what was added when some rows were skipped;
        /// empty into an empty ledger (every row is added).
        indexes: Vec<Vec<u8>>,
    },
    Postgres(Vec<ImportEntry>),
}

impl BatchMaker {
    /// SQLite: one INSERT … ON CONFLICT DO NOTHING without `RETURNING` (sqlx hands every
    /// returned row from SQLite's worker thread to the caller through a small channel, a thread
    /// hand-over per row). Into an empty ledger whose indexes are set aside, a plain INSERT: every
    /// row is added (see [`import_start`]). The import's id and time once, the rows' own values
    /// as a VALUES list (`WHERE true` tells SQLite's parser that ON CONFLICT is not a join's ON).
    /// Placeholders are anonymous `?`: sqlx resolves each numbered one (`$7`) by a scan over all
    /// of a statement's names, which makes a statement of 18,000 parameters quadratic.
    pub fn make(&self, batch: Vec<ImportEntry>) -> ImportBatch {
        let n = batch.len();
        if !self.sqlite {
            return ImportBatch {
                n,
                kind: BatchKind::Postgres(batch),
            };
        }
        let indexes: Vec<Vec<u8>> = if self.bulk {
            Vec::new()
        } else {
            batch.iter().map(|e| e.id_idx.clone()).collect()
        };
        let mut sql = String::with_capacity(400 + n * 20);
        sql.push_str(
            "INSERT INTO ledger_entry (import_id, created_at, region_code, key_group, name_ct, id_ct, id_idx,
                phone_ct, phone_idx, basis, basis_ref, score, entered_on, status)
             SELECT ?, ?, column1, column2, column3, column4, column5, column6, column7, 'import',
                column8, NULL, column9, 'active' FROM (VALUES ",
        );
        for i in 0..n {
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            push_marks(&mut sql, BOUND_PER_ROW);
            sql.push(')');
        }
        sql.push(')');
        if !self.bulk {
            sql.push_str(" WHERE true ON CONFLICT (id_idx) WHERE status = 'active' DO NOTHING");
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.import_id)
            .bind(self.now);
        for e in batch {
            q = q
                .bind(e.region_code)
                .bind(e.key_group)
                .bind(e.name_ct)
                .bind(e.id_ct)
                .bind(e.id_idx)
                .bind(e.phone_ct)
                .bind(e.phone_idx)
                .bind(e.basis_ref)
                .bind(e.entered_on);
        }
        ImportBatch {
            n,
            kind: BatchKind::Sqlite { insert: q, indexes },
        }
    }
}

/// Writes a batch of an import; a person already active in the ledger is skipped. Returns, per
/// entry of the batch, whether it was added.
pub async fn import_batch(
    tx: &mut Tx,
    import: &Import,
    batch: ImportBatch,
) -> StoreResult<Vec<bool>> {
    let n = batch.n;
    if n == 0 {
        return Ok(Vec::new());
    }
    match (tx, batch.kind) {
        (Tx::Sqlite(t, _), BatchKind::Sqlite { insert, indexes }) => {
            let inserted = insert.execute(&mut **t).await?.rows_affected() as usize;
            if inserted == n || indexes.is_empty() {
                return Ok(vec![true; n]);
            }
            if inserted == 0 {
                return Ok(vec![false; n]);
            }
            added_sqlite(t, import.id, indexes).await
        }
        (Tx::Postgres(t), BatchKind::Postgres(entries)) => {
            import_batch_postgres(t, import.id, import.now, &entries).await
        }
        _ => Err(StoreError::Invalid(
            "导入批次与数据库不符 (import batch made for another backend)".into(),
        )),
    }
}

/// Which of `indexes` the import added (when some of a batch were skipped): one indexed
/// look-up. No other writer can add the same person in between: the transaction holds
/// SQLite's write lock since `import_start`.
async fn added_sqlite(
    t: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    import_id: i64,
    indexes: Vec<Vec<u8>>,
) -> StoreResult<Vec<bool>> {
    let mut sql = String::with_capacity(120 + indexes.len() * 2);
    sql.push_str(
        "SELECT id_idx FROM ledger_entry WHERE status = 'active' AND import_id = ? AND id_idx IN (",
    );
    push_marks(&mut sql, indexes.len());
    sql.push(')');
    let mut q = sqlx::query_scalar::<_, Vec<u8>>(sqlx::AssertSqlSafe(sql)).bind(import_id);
    for i in &indexes {
        q = q.bind(i.clone());
    }
    let added: HashSet<Vec<u8>> = q.fetch_all(&mut **t).await?.into_iter().collect();
    Ok(indexes.iter().map(|i| added.contains(i)).collect())
}

/// `n` anonymous placeholders, comma-separated.
fn push_marks(sql: &mut String, n: usize) {
    for k in 0..n {
        if k > 0 {
            sql.push(',');
        }
        sql.push('?');
    }
}

/// PostgreSQL: one INSERT … ON CONFLICT DO NOTHING RETURNING (rows come back over the socket
/// in one response; a concurrent import of the same person is skipped, not an error).
async fn import_batch_postgres(
    t: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    import_id: i64,
    now: OffsetDateTime,
    batch: &[ImportEntry],
) -> StoreResult<Vec<bool>> {
    let mut sql = String::with_capacity(200 + batch.len() * 90);
    sql.push_str(
        "INSERT INTO ledger_entry (import_id, created_at, region_code, key_group, name_ct, id_ct, id_idx,
            phone_ct, phone_idx, basis, basis_ref, score, entered_on, status) VALUES ",
    );
    for i in 0..batch.len() {
        if i > 0 {
            sql.push(',');
        }
        let p = |k: usize| 3 + i * BOUND_PER_ROW + k;
        sql.push_str(&format!(
            "($1, $2, ${}, ${}, ${}, ${}, ${}, ${}, ${}, 'import', ${}, NULL, ${}, 'active')",
            p(0),
            p(1),
            p(2),
            p(3),
            p(4),
            p(5),
            p(6),
            p(7),
            p(8)
        ));
    }
    sql.push_str(" ON CONFLICT (id_idx) WHERE status = 'active' DO NOTHING RETURNING id_idx");
    let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(import_id)
        .bind(now);
    for e in batch {
        q = q
            .bind(&e.region_code)
            .bind(&e.key_group)
            .bind(&e.name_ct)
            .bind(&e.id_ct)
            .bind(&e.id_idx)
            .bind(&e.phone_ct)
            .bind(&e.phone_idx)
            .bind(&e.basis_ref)
            .bind(e.entered_on);
    }
    let added: Vec<Vec<u8>> = q.fetch_all(&mut **t).await?;
    let added: HashSet<Vec<u8>> = added.into_iter().collect();
    Ok(batch.iter().map(|e| added.contains(&e.id_idx)).collect())
}

/// Gives the connection its usual page cache back (called by [`import_finish`], and before
/// rolling back a refused import).
pub async fn import_release(tx: &mut Tx) -> StoreResult<()> {
    sqlite_cache(tx, DEFAULT_CACHE_KIB).await
}

/// Ends an import: the indexes set aside built again, its counts, the per-village tallies of
/// what it added, one audit row.
pub async fn import_finish(
    tx: &mut Tx,
    actor: &Actor,
    import: Import,
    rows: u64,
    added: u64,
    already: u64,
    tallies: &[(String, String, i64)],
) -> StoreResult<()> {
    let import_id = import.id;
    if let (Tx::Sqlite(t, _), Some(set_aside)) = (&mut *tx, import.set_aside) {
        for sql in set_aside {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut **t)
                .await?;
        }
    }
    import_release(tx).await?;
    on_tx!(&mut *tx, |c| sqlx::query(
        "UPDATE ledger_import SET rows = $1, added = $2, already = $3 WHERE id = $4"
    )
    .bind(rows as i32)
    .bind(added as i32)
    .bind(already as i32)
    .bind(import_id)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    // The tallies of what the import added, counted by the caller as the batches went in
    // (counting them here again would read every row of the import back).
    let sqlite = tx.backend() == crate::Backend::Sqlite;
    for chunk in tallies.chunks(500) {
        let mut sql = String::from("INSERT INTO ledger_count (region_code, key_group, n) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            if sqlite {
                sql.push_str("(?, ?, ?)");
            } else {
                sql.push_str(&format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3));
            }
        }
        sql.push_str(
            " ON CONFLICT (region_code, key_group) DO UPDATE SET n = ledger_count.n + excluded.n",
        );
        on_tx!(&mut *tx, |c| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for (region, group, n) in chunk {
                q = q.bind(region).bind(group).bind(n);
            }
            q.execute(&mut *c).await.map(|_| ())
        })?;
    }
    audit::record(
        tx,
        actor,
        "ledger.import",
        &format!("ledger_import:{import_id}"),
        None,
        Some(&json!({"rows": rows, "added": added, "already": already})),
    )
    .await?;
    Ok(())
}
