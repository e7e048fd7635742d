//! The one error type of the store. Messages are for people (zh-CN with English in parentheses);
//! a database URL is always shown with its password removed.

use std::fmt;

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL cannot be used at all (empty, unknown scheme, no path).
    #[error(
        "数据库地址无效：“{url}”：{reason} (bad database URL; use sqlite://PATH or postgres://…)"
    )]
    BadUrl { url: String, reason: String },

    /// The URL is well formed but the database cannot be opened or reached.
    #[error("无法打开数据库 {url}：{source} (cannot open database)")]
    Connect {
        url: String,
        #[source]
        source: sqlx::Error,
    },

    #[error("数据库迁移失败：{0} (migration failed)")]
    Migrate(#[from] sqlx::migrate::MigrateError),

    #[error("未找到{what}“{key}” (not found)")]
    NotFound { what: &'static str, key: String },

    /// A request that contradicts what is stored ("merge a unit into itself").
    #[error("{0}")]
    Invalid(String),

    /// The request conflicts with the current state (a stale version, a locked report).
    #[error("{0}")]
    Conflict(String),

    /// An import refused as a whole; nothing from it was stored.
    #[error("{0}")]
    Import(ImportErrors),

    #[error("无法读取文件 {path}：{source} (cannot read file)")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },

    #[error("数据库错误：{0} (database error)")]
    Db(#[from] sqlx::Error),

    /// Something the operation needs is missing or failed outside the database (`pg_dump` not
    /// installed, a dump that did not finish); the message says what to do.
    #[error("{0}")]
    Unavailable(String),

    /// A write waited its turn for SQLite's one writer longer than [`crate::db::WRITE_QUEUE`].
    #[error("数据库繁忙，请稍后再试 (database busy)")]
    Busy,
}

/// One bad row of an import file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BadRow {
    /// The file name as given (or its base name).
    pub file: String,
    /// 1-based line number in the file; the header is line 1.
    pub row: u64,
    pub reason: String,
}

impl fmt::Display for BadRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} 第 {} 行：{}", self.file, self.row, self.reason)
    }
}

/// Every bad row of a refused import.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportErrors {
    pub rows: Vec<BadRow>,
}

/// How many bad rows the message of an [`ImportErrors`] spells out; the value itself keeps all.
pub const SHOWN_BAD_ROWS: usize = 10_000;

impl fmt::Display for ImportErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "导入失败，共 {} 处错误，未写入任何数据 (import refused, nothing stored):",
            self.rows.len()
        )?;
        for r in self.rows.iter().take(SHOWN_BAD_ROWS) {
            write!(f, "\n  {r}")?;
        }
        if self.rows.len() > SHOWN_BAD_ROWS {
            write!(
                f,
                "\n  …另有 {} 处错误未列出 (more not shown)",
                self.rows.len() - SHOWN_BAD_ROWS
            )?;
        }
        Ok(())
    }
}

impl StoreError {
    /// Whether the user's input (a file, a code, a name) is at fault rather than the system.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Self::Import(_) | Self::Invalid(_) | Self::NotFound { .. } | Self::BadUrl { .. }
        )
    }
}
