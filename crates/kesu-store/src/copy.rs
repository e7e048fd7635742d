//! A whole database at once: its tables as the catalog describes them, every row in one
//! canonical text form, per-table row counts and checksums, and moving a whole installation
//! from SQLite into an empty PostgreSQL database ([`sqlite_to_postgres`]).
//!
//! The checksum of a table is the SHA-256 of its rows in key order, each row its fields'
//! canonical text joined by tabs (PostgreSQL `COPY` text escaping, `\N` for NULL). The canonical
//! text is the same on both backends for the same value: integers in decimal, floats in Rust's
//! shortest round-trip form, booleans `t`/`f`, times in UTC rounded to the microsecond
//! (PostgreSQL's precision), dates `YYYY-MM-DD`, JSON with sorted keys and integral numbers
//! without a fraction, bytes as `\x` and hex. What a column *is* comes from the PostgreSQL
//! catalog when one side is PostgreSQL; a SQLite database on its own is described by its
//! declared types (its times and JSON are then compared as the text stored).

use crate::{Db, StoreError, StoreResult};
use futures_util::TryStreamExt;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use time::OffsetDateTime;

/// What a column holds, as far as copying and comparing go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int16,
    Int32,
    Int64,
    Float,
    Bool,
    Text,
    /// A point in time (`TIMESTAMPTZ`).
    Time,
    Date,
    Json,
    Bytes,
    /// Anything else: compared and copied as PostgreSQL's text form.
    Other,
}

impl Kind {
    fn from_postgres(data_type: &str) -> Self {
        match data_type {
            "smallint" => Kind::Int16,
            "integer" => Kind::Int32,
            "bigint" => Kind::Int64,
            "double precision" => Kind::Float,
            "boolean" => Kind::Bool,
            "text" | "character varying" | "character" => Kind::Text,
            "timestamp with time zone" => Kind::Time,
            "date" => Kind::Date,
            "json" | "jsonb" => Kind::Json,
            "bytea" => Kind::Bytes,
            _ => Kind::Other,
        }
    }

    /// SQLite's type affinity rules (section 3.1 of its datatype page).
    fn from_sqlite(declared: &str) -> Self {
        let t = declared.to_ascii_uppercase();
        if t.contains("INT") {
            Kind::Int64
        } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
            Kind::Text
        } else if t.contains("BLOB") || t.is_empty() {
            Kind::Bytes
        } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
            Kind::Float
        } else {
            Kind::Other
        }
    }
}

/// One table: its columns in order, its key (the order rows are hashed and copied in) and its
/// identity column, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: String,
    pub columns: Vec<(String, Kind)>,
    pub key: Vec<String>,
    pub identity: Option<String>,
}

/// A table's row count and checksum.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TableSum {
    pub table: String,
    pub rows: u64,
    pub sha256: String,
}

/// The bookkeeping tables that are not the installation's data.
fn is_internal(name: &str) -> bool {
    name.starts_with("sqlite_") || name == "_sqlx_migrations"
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn sql(s: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(s)
}

/// The tables of a SQLite database, by name.
pub async fn sqlite_tables(c: &mut SqliteConnection) -> StoreResult<Vec<Table>> {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(&mut *c)
            .await?;
    let mut out = Vec::new();
    for name in names.into_iter().filter(|n| !is_internal(n)) {
        let cols: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT name, type, pk FROM pragma_table_info($1) ORDER BY cid")
                .bind(&name)
                .fetch_all(&mut *c)
                .await?;
        let mut key: Vec<(i64, String)> = cols
            .iter()
            .filter(|c| c.2 > 0)
            .map(|c| (c.2, c.0.clone()))
            .collect();
        key.sort();
        let columns: Vec<(String, Kind)> = cols
            .into_iter()
            .map(|(n, t, _)| (n, Kind::from_sqlite(&t)))
            .collect();
        let mut key: Vec<String> = key.into_iter().map(|k| k.1).collect();
        if key.is_empty() {
            key = columns.iter().map(|c| c.0.clone()).collect();
        }
        out.push(Table {
            name,
            columns,
            key,
            identity: None,
        });
    }
    Ok(out)
}

/// The tables of the current schema of a PostgreSQL database, by name.
pub async fn postgres_tables(c: &mut PgConnection) -> StoreResult<Vec<Table>> {
    let cols: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_identity::text
         FROM information_schema.columns c
         JOIN information_schema.tables t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
         ORDER BY c.table_name, c.ordinal_position",
    )
    .fetch_all(&mut *c)
    .await?;
    let keys: Vec<(String, String)> = sqlx::query_as(
        "SELECT tc.table_name::text, k.column_name::text
         FROM information_schema.table_constraints tc
         JOIN information_schema.key_column_usage k
           ON k.constraint_schema = tc.constraint_schema AND k.constraint_name = tc.constraint_name
          AND k.table_name = tc.table_name
         WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema()
         ORDER BY tc.table_name, k.ordinal_position",
    )
    .fetch_all(&mut *c)
    .await?;
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for (table, col, ty, identity) in cols {
        if is_internal(&table) {
            continue;
        }
        let t = tables.entry(table.clone()).or_insert_with(|| Table {
            name: table,
            columns: Vec::new(),
            key: Vec::new(),
            identity: None,
        });
        if identity == "YES" {
            t.identity = Some(col.clone());
        }
        t.columns.push((col, Kind::from_postgres(&ty)));
    }
    for (table, col) in keys {
        if let Some(t) = tables.get_mut(&table) {
            t.key.push(col);
        }
    }
    for t in tables.values_mut() {
        if t.key.is_empty() {
            t.key = t.columns.iter().map(|c| c.0.clone()).collect();
        }
    }
    Ok(tables.into_values().collect())
}

/// `SELECT cols FROM t ORDER BY key` for `backend`. PostgreSQL compares text keys in byte
/// order (`COLLATE "C"`), as SQLite does, so both sides hash rows in the same order.
fn select_sql(t: &Table, postgres: bool) -> String {
    let cols: Vec<String> = t
        .columns
        .iter()
        .map(|(n, k)| match (postgres, k) {
            (true, Kind::Other) => format!("{}::text", quote(n)),
            _ => quote(n),
        })
        .collect();
    let kind_of = |n: &str| t.columns.iter().find(|c| c.0 == n).map(|c| c.1);
    let order: Vec<String> = t
        .key
        .iter()
        .map(|k| match (postgres, kind_of(k)) {
            (true, Some(Kind::Text | Kind::Other)) => format!("{} COLLATE \"C\"", quote(k)),
            _ => quote(k),
        })
        .collect();
    format!(
        "SELECT {} FROM {} ORDER BY {}",
        cols.join(", "),
        quote(&t.name),
        order.join(", ")
    )
}

/// One field read from a row.
enum Field {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
    Time(OffsetDateTime),
    Date(time::Date),
    /// The JSON as stored (copied as is) and parsed (hashed canonically).
    Json(Option<String>, Value),
    Bytes(Vec<u8>),
}

fn decode_err(table: &str, col: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(format!("无法读取 {table}.{col}：{e} (cannot read value)"))
}

fn sqlite_field(row: &SqliteRow, i: usize, kind: Kind) -> Result<Field, sqlx::Error> {
    use sqlx::ValueRef;
    if row.try_get_raw(i)?.is_null() {
        return Ok(Field::Null);
    }
    // Unchecked: SQLite's storage class need not match the declared type (a REAL column may
    // hold an integer); the decoders convert as SQLite itself does.
    Ok(match kind {
        Kind::Int16 | Kind::Int32 | Kind::Int64 => Field::Int(row.try_get_unchecked(i)?),
        Kind::Float => Field::Float(row.try_get_unchecked(i)?),
        Kind::Bool => Field::Bool(row.try_get_unchecked::<i64, _>(i)? != 0),
        Kind::Text | Kind::Other => Field::Text(row.try_get_unchecked(i)?),
        Kind::Time => Field::Time(row.try_get_unchecked(i)?),
        Kind::Date => Field::Date(row.try_get_unchecked(i)?),
        Kind::Json => {
            let raw: String = row.try_get_unchecked(i)?;
            let v = serde_json::from_str(&raw).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            Field::Json(Some(raw), v)
        }
        Kind::Bytes => Field::Bytes(row.try_get_unchecked(i)?),
    })
}

fn pg_field(row: &PgRow, i: usize, kind: Kind) -> Result<Field, sqlx::Error> {
    use sqlx::ValueRef;
    if row.try_get_raw(i)?.is_null() {
        return Ok(Field::Null);
    }
    Ok(match kind {
        Kind::Int16 => Field::Int(row.try_get::<i16, _>(i)?.into()),
        Kind::Int32 => Field::Int(row.try_get::<i32, _>(i)?.into()),
        Kind::Int64 => Field::Int(row.try_get(i)?),
        Kind::Float => Field::Float(row.try_get(i)?),
        Kind::Bool => Field::Bool(row.try_get(i)?),
        Kind::Text | Kind::Other => Field::Text(row.try_get(i)?),
        Kind::Time => Field::Time(row.try_get(i)?),
        Kind::Date => Field::Date(row.try_get(i)?),
        Kind::Json => Field::Json(None, row.try_get::<sqlx::types::Json<Value>, _>(i)?.0),
        Kind::Bytes => Field::Bytes(row.try_get(i)?),
    })
}

/// A time as PostgreSQL keeps it: UTC, rounded to the microsecond.
fn canonical_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC) + time::Duration::nanoseconds(500);
    let micros = t.nanosecond() / 1000;
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{micros:06}+00",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// JSON with object keys sorted and integral numbers written without a fraction, so that a
/// SQLite text and a PostgreSQL `jsonb` of the same document agree.
fn canonical_json(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(x) = m.get(k) {
                    canonical_json(x, out);
                }
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(x, out);
            }
            out.push(']');
        }
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => {
                let _ = write!(out, "{i}");
            }
            (_, Some(u), _) => {
                let _ = write!(out, "{u}");
            }
            (_, _, Some(f)) if f.fract() == 0.0 && f.abs() < 1e15 => {
                let _ = write!(out, "{}", f as i64);
            }
            (_, _, Some(f)) => {
                let _ = write!(out, "{f:?}");
            }
            _ => out.push_str(&n.to_string()),
        },
        other => out.push_str(&other.to_string()),
    }
}

impl Field {
    /// The canonical text (hashed); `None` for NULL.
    fn canonical(&self) -> Option<String> {
        Some(match self {
            Field::Null => return None,
            Field::Int(i) => i.to_string(),
            Field::Float(f) => format!("{f:?}"),
            Field::Bool(b) => if *b { "t" } else { "f" }.to_string(),
            Field::Text(s) => s.clone(),
            Field::Time(t) => canonical_time(*t),
            Field::Date(d) => format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()),
            Field::Json(_, v) => {
                let mut s = String::new();
                canonical_json(v, &mut s);
                s
            }
            Field::Bytes(b) => {
                let mut s = String::with_capacity(2 + b.len() * 2);
                s.push_str("\\x");
                for x in b {
                    let _ = write!(s, "{x:02x}");
                }
                s
            }
        })
    }

    /// The text PostgreSQL's `COPY` is given: the canonical text, but JSON as stored.
    fn copy_text(&self) -> Option<String> {
        match self {
            Field::Json(Some(raw), _) => Some(raw.clone()),
            other => other.canonical(),
        }
    }
}

/// Append `s` with `COPY` text-format escaping.
fn escape_into(out: &mut Vec<u8>, s: &str) {
    for b in s.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => out.push(b),
        }
    }
}

/// One row as a `COPY` line, built from each field's text by `text`.
fn line(fields: &[Field], text: fn(&Field) -> Option<String>, out: &mut Vec<u8>) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        match text(f) {
            Some(s) => escape_into(out, &s),
            None => out.extend_from_slice(b"\\N"),
        }
    }
    out.push(b'\n');
}

/// Rows and hash of one table as it is read.
struct Summer {
    table: String,
    rows: u64,
    hash: Sha256,
    buf: Vec<u8>,
}

impl Summer {
    fn new(table: &str) -> Self {
        Self {
            table: table.to_string(),
            rows: 0,
            hash: Sha256::new(),
            buf: Vec::new(),
        }
    }

    fn add(&mut self, fields: &[Field]) {
        self.buf.clear();
        line(fields, Field::canonical, &mut self.buf);
        self.hash.update(&self.buf);
        self.rows += 1;
    }

    fn finish(self) -> TableSum {
        let digest = self.hash.finalize();
        let mut sha256 = String::with_capacity(64);
        for b in digest {
            let _ = write!(sha256, "{b:02x}");
        }
        TableSum {
            table: self.table,
            rows: self.rows,
            sha256,
        }
    }
}

/// A row's fields, each read as its column's kind by `read`.
fn fields<R>(
    row: &R,
    t: &Table,
    read: fn(&R, usize, Kind) -> Result<Field, sqlx::Error>,
) -> StoreResult<Vec<Field>> {
    t.columns
        .iter()
        .enumerate()
        .map(|(i, (n, k))| read(row, i, *k).map_err(|e| decode_err(&t.name, n, e)))
        .collect()
}

/// Row counts and checksums of `tables` on connection `$c`, rows read by `$read`: the one loop
/// of [`sqlite_sums`] and [`postgres_sums`] (the connection types differ, not the steps).
macro_rules! sums {
    ($c:expr, $tables:expr, $postgres:expr, $read:expr) => {{
        let mut out = Vec::new();
        for t in $tables {
            let mut sum = Summer::new(&t.name);
            let mut rows = sqlx::query(sql(select_sql(t, $postgres))).fetch(&mut *$c);
            while let Some(row) = rows.try_next().await? {
                sum.add(&fields(&row, t, $read)?);
            }
            out.push(sum.finish());
        }
        Ok(out)
    }};
}

/// Row counts and checksums of `tables` on a SQLite connection (inside a read transaction for
/// a consistent view).
pub async fn sqlite_sums(c: &mut SqliteConnection, tables: &[Table]) -> StoreResult<Vec<TableSum>> {
    sums!(c, tables, false, sqlite_field)
}

/// Row counts and checksums of `tables` on a PostgreSQL connection.
pub async fn postgres_sums(c: &mut PgConnection, tables: &[Table]) -> StoreResult<Vec<TableSum>> {
    sums!(c, tables, true, pg_field)
}

/// The tables of `db`, as its catalog describes them.
pub async fn tables(db: &Db) -> StoreResult<Vec<Table>> {
    match db {
        Db::Sqlite(p, ..) => sqlite_tables(&mut *p.acquire().await?).await,
        Db::Postgres(p) => postgres_tables(&mut *p.acquire().await?).await,
    }
}

/// Row counts and checksums of every table of `db`, from one consistent view.
pub async fn checksums(db: &Db) -> StoreResult<Vec<TableSum>> {
    checksums_with(db, &tables(db).await?).await
}

/// Row counts and checksums of `tables` in `db`, reading each column as the kind `tables`
/// says: with the tables of a PostgreSQL copy, a SQLite source's sums are comparable with the
/// copy's.
pub async fn checksums_with(db: &Db, tables: &[Table]) -> StoreResult<Vec<TableSum>> {
    match db {
        Db::Sqlite(p, ..) => {
            let mut tx = p.begin().await?;
            let sums = sqlite_sums(&mut tx, tables).await?;
            tx.rollback().await?;
            Ok(sums)
        }
        Db::Postgres(p) => {
            let mut tx = p
                .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .await?;
            let sums = postgres_sums(&mut tx, tables).await?;
            tx.rollback().await?;
            Ok(sums)
        }
    }
}

/// The tables that hold rows (the data), for "is this database empty?".
pub async fn nonempty_tables(db: &Db) -> StoreResult<Vec<String>> {
    let mut out = Vec::new();
    for t in tables(db).await? {
        let q = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM {} LIMIT 1) x",
            quote(&t.name)
        );
        let n: i64 = on_db!(db, |p| sqlx::query_scalar(sql(q)).fetch_one(p).await)?;
        if n > 0 {
            out.push(t.name);
        }
    }
    Ok(out)
}

/// Why two table lists cannot be copied one onto the other, if they cannot.
fn schema_difference(src: &[Table], dst: &[Table]) -> Option<String> {
    let names = |ts: &[Table]| ts.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
    if names(src) != names(dst) {
        return Some(format!(
            "表不一致 (tables differ): 源 {:?}，目标 {:?}",
            names(src),
            names(dst)
        ));
    }
    for (s, d) in src.iter().zip(dst) {
        let mut a: Vec<&String> = s.columns.iter().map(|c| &c.0).collect();
        let mut b: Vec<&String> = d.columns.iter().map(|c| &c.0).collect();
        a.sort();
        b.sort();
        if a != b {
            return Some(format!(
                "表 {} 的列不一致 (columns differ): 源 {a:?}，目标 {b:?}",
                s.name
            ));
        }
    }
    None
}

/// What [`sqlite_to_postgres`] did: every table with its row count and checksum, equal on both
/// sides.
#[derive(Debug, Clone)]
pub struct CopyReport {
    pub tables: Vec<TableSum>,
}

/// Rows sent to `COPY` per message.
const COPY_CHUNK: usize = 1 << 20;

/// Copy a whole SQLite installation into an empty PostgreSQL database, all or nothing.
///
/// Both must have the same migrations applied (open both with [`Db::open`] first). In one
/// PostgreSQL transaction: refuse a target with any row; drop the foreign keys (rows then go in
/// table by table, whatever references what), `COPY` every table in key order with its ids, put
/// the foreign keys back (PostgreSQL checks every row), move each identity past the largest id,
/// and compare every table's row count and checksum with the source's (read in one SQLite read
/// transaction). Any difference rolls everything back. `progress` hears each table's name and
/// row count as it is done.
pub async fn sqlite_to_postgres(
    src: &Db,
    dst: &Db,
    progress: &mut (dyn FnMut(&str, u64) + Send),
) -> StoreResult<CopyReport> {
    let (Db::Sqlite(sp, ..), Db::Postgres(dp)) = (src, dst) else {
        return Err(StoreError::Invalid(
            "只能从 SQLite 复制到 PostgreSQL (copy goes from SQLite to PostgreSQL)".into(),
        ));
    };
    let (sv, dv) = (
        src.applied_migrations().await?,
        dst.applied_migrations().await?,
    );
    if sv != dv {
        return Err(StoreError::Invalid(format!(
            "两边的数据库版本不同 (schema versions differ): 源 {:?}，目标 {:?}",
            sv.last(),
            dv.last()
        )));
    }
    let mut from = sp.begin().await?;
    let mut to = dp.begin().await?;
    let src_tables = sqlite_tables(&mut from).await?;
    let dst_tables = postgres_tables(&mut to).await?;
    if let Some(why) = schema_difference(&src_tables, &dst_tables) {
        return Err(StoreError::Invalid(why));
    }
    for t in &dst_tables {
        let q = format!("SELECT EXISTS (SELECT 1 FROM {})", quote(&t.name));
        let any: bool = sqlx::query_scalar(sql(q)).fetch_one(&mut *to).await?;
        if any {
            return Err(StoreError::Invalid(format!(
                "目标数据库非空：表 {} 已有数据，只能复制到空数据库 (the target database is not empty)",
                t.name
            )));
        }
    }
    let fks: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT cl.relname::text, co.conname::text, pg_get_constraintdef(co.oid)
         FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid
         WHERE co.contype = 'f' AND co.connamespace = current_schema()::regnamespace
         ORDER BY 1, 2",
    )
    .fetch_all(&mut *to)
    .await?;
    for (table, name, _) in &fks {
        let q = format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            quote(table),
            quote(name)
        );
        sqlx::query(sql(q)).execute(&mut *to).await?;
    }
    let mut source_sums = Vec::new();
    for t in &dst_tables {
        // PostgreSQL's kinds decide how SQLite's values are read (its times are text).
        let mut sum = Summer::new(&t.name);
        let cols: Vec<String> = t.columns.iter().map(|c| quote(&c.0)).collect();
        let stmt = format!("COPY {} ({}) FROM STDIN", quote(&t.name), cols.join(", "));
        let mut sink = to.copy_in_raw(&stmt).await?;
        let mut buf = Vec::with_capacity(COPY_CHUNK + 4096);
        let result: StoreResult<()> = async {
            let q = select_sql(t, false);
            let mut rows = sqlx::query(sql(q)).fetch(&mut *from);
            while let Some(row) = rows.try_next().await? {
                let fields = fields(&row, t, sqlite_field)?;
                if fields
                    .iter()
                    .any(|f| matches!(f, Field::Text(s) if s.contains('\0')))
                {
                    return Err(StoreError::Invalid(format!(
                        "表 {} 有含 NUL 字符的文本，PostgreSQL 不能保存 (text with a NUL byte)",
                        t.name
                    )));
                }
                sum.add(&fields);
                line(&fields, Field::copy_text, &mut buf);
                if buf.len() >= COPY_CHUNK {
                    sink.send(std::mem::take(&mut buf)).await?;
                }
            }
            if !buf.is_empty() {
                sink.send(std::mem::take(&mut buf)).await?;
            }
            Ok(())
        }
        .await;
        match result {
            Ok(()) => {
                sink.finish().await?;
            }
            Err(e) => {
                let _ = sink.abort("kesu db copy failed").await;
                return Err(e);
            }
        }
        let s = sum.finish();
        progress(&t.name, s.rows);
        source_sums.push(s);
    }
    for (table, name, def) in &fks {
        let q = format!(
            "ALTER TABLE {} ADD CONSTRAINT {} {def}",
            quote(table),
            quote(name)
        );
        sqlx::query(sql(q)).execute(&mut *to).await.map_err(|e| {
            StoreError::Invalid(format!(
                "外键 {table}.{name} 不成立，源数据库有悬空引用 (foreign key fails: {e})"
            ))
        })?;
    }
    for t in &dst_tables {
        if let Some(id) = &t.identity {
            let q = format!(
                "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX({c}) FROM {t}), 0) + 1, false)",
                c = quote(id),
                t = quote(&t.name)
            );
            sqlx::query(sql(q))
                .bind(quote(&t.name))
                .bind(id)
                .execute(&mut *to)
                .await?;
        }
    }
    let copied = postgres_sums(&mut to, &dst_tables).await?;
    if let Some((s, d)) = source_sums.iter().zip(&copied).find(|(s, d)| s != d) {
        return Err(StoreError::Invalid(format!(
            "复制校验失败，已全部撤销 (verification failed, nothing kept): 表 {} 源 {} 行 {}，目标 {} 行 {}",
            s.table, s.rows, s.sha256, d.rows, d.sha256
        )));
    }
    to.commit().await?;
    from.rollback().await?;
    Ok(CopyReport { tables: copied })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_and_rounded_to_the_microsecond() {
        let t = time::macros::datetime!(2025-04-10 10:00:00.123456789 +08:00);
        assert_eq!(canonical_time(t), "2025-04-10 02:00:00.123457+00");
        let t = time::macros::datetime!(2025-12-31 23:59:59.9999996 UTC);
        assert_eq!(canonical_time(t), "2026-01-01 00:00:00.000000+00");
    }

    #[test]
    fn json_is_compared_with_sorted_keys_and_plain_integers() {
        let a: Value = serde_json::from_str(r#"{"b":[1.0,2.5],"a":{"y":null,"x":"t"}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":{"x":"t","y":null},"b":[1,2.5]}"#).unwrap();
        let (mut x, mut y) = (String::new(), String::new());
        canonical_json(&a, &mut x);
        canonical_json(&b, &mut y);
        assert_eq!(x, y);
        assert_eq!(x, r#"{"a":{"x":"t","y":null},"b":[1,2.5]}"#);
    }

    #[test]
    fn copy_lines_escape_tabs_newlines_backslashes_and_mark_nulls() {
        let mut out = Vec::new();
        line(
            &[
                Field::Text("a\tb\nc\\d".into()),
                Field::Null,
                Field::Bool(true),
                Field::Bytes(vec![0, 255]),
            ],
            Field::canonical,
            &mut out,
        );
        assert_eq!(out, b"a\\tb\\nc\\\\d\t\\N\tt\t\\\\x00ff\n");
    }

    #[test]
    fn declared_sqlite_types_follow_the_affinity_rules() {
        assert_eq!(Kind::from_sqlite("INTEGER"), Kind::Int64);
        assert_eq!(Kind::from_sqlite("TEXT"), Kind::Text);
        assert_eq!(Kind::from_sqlite("REAL"), Kind::Float);
        assert_eq!(Kind::from_sqlite("BLOB"), Kind::Bytes);
        assert_eq!(Kind::from_postgres("timestamp with time zone"), Kind::Time);
        assert_eq!(Kind::from_postgres("numeric"), Kind::Other);
    }
}
