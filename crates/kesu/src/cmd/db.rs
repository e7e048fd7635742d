//! Opening the database from the global options, and `kesu migrate`.

use super::GlobalOpts;
use anyhow::Context;
use clap::{Args, Subcommand};
use kesu_store::Db;
use std::future::Future;

#[derive(Debug, Subcommand)]
pub enum DbCmd {
    /// 把整个 SQLite 安装迁到一个空的 PostgreSQL 数据库（全部或全不；逐表核对行数和校验和）
    /// (move a whole SQLite installation into an empty PostgreSQL database)
    Copy(CopyArgs),
}

#[derive(Debug, Args)]
pub struct CopyArgs {
    /// 目标 PostgreSQL 数据库地址 postgres://… (target database)
    #[arg(long, value_name = "URL")]
    pub to: String,
}

pub fn run(g: &GlobalOpts, c: DbCmd) -> anyhow::Result<()> {
    let DbCmd::Copy(a) = c;
    with_db(g, |db| async move {
        let ctx = kesu_app::Ctx::new(db);
        let mut progress = |table: &str, rows: u64| eprintln!("  {table}: {rows} 行");
        eprintln!("复制到 (copying to) {} …", kesu_store::redact_url(&a.to));
        let report = kesu_app::ops::copy_to_postgres(
            &ctx,
            &kesu_app::Caller::operator(),
            &a.to,
            &mut progress,
        )
        .await
        .map_err(super::backup::app_err)?;
        let rows: u64 = report.tables.iter().map(|t| t.rows).sum();
        eprintln!(
            "已复制 (copied): {} 张表 {rows} 行，行数和校验和逐表一致 (counts and checksums verified)。\n\
             之后用 --database-url {} 运行 kesu serve",
            report.tables.len(),
            kesu_store::redact_url(&a.to)
        );
        print_json(&report.tables)
    })
}

/// The database URL the options select: `--database-url` / `KESU_DATABASE_URL`, else
/// `kesu.db` in `--data-dir` / `KESU_DATA_DIR`, else in the default data directory.
pub fn url(g: &GlobalOpts) -> String {
    kesu_store::resolve_url(g.database_url.as_deref(), g.data_dir.as_deref())
}

/// The async runtime for one command. Two workers: the import parses while the database writes.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("无法启动运行时 (cannot start the async runtime)")
}

/// Open the database (applying pending migrations, as every command does on start), run `f`,
/// close the database (SQLite folds its WAL back into the file).
pub fn with_db<F, Fut, T>(g: &GlobalOpts, f: F) -> anyhow::Result<T>
where
    F: FnOnce(Db) -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let rt = runtime()?;
    rt.block_on(async {
        let db = Db::open(&url(g)).await?;
        let result = f(db.clone()).await;
        db.close().await;
        result
    })
}

pub fn migrate(g: &GlobalOpts) -> anyhow::Result<()> {
    let url = url(g);
    let rt = runtime()?;
    rt.block_on(async {
        let db = Db::connect(&url).await?;
        let applied = db.migrate().await;
        let all = db.applied_migrations().await;
        db.close().await;
        let applied = applied?;
        let shown = kesu_store::redact_url(&url);
        if applied.is_empty() {
            eprintln!("数据库已是最新 (up to date): {shown}");
        } else {
            let list: Vec<String> = applied.iter().map(|v| v.to_string()).collect();
            eprintln!(
                "已应用迁移 {} (applied migrations): {shown}",
                list.join(", ")
            );
        }
        let latest = all?.last().copied().unwrap_or(0);
        eprintln!("当前版本 (schema version): {latest}");
        Ok(())
    })
}

/// Print `v` as pretty JSON on stdout (machine output).
pub fn print_json<T: serde::Serialize>(v: &T) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let r = serde_json::to_writer_pretty(&mut out, v)
        .map_err(std::io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    match r {
        // `kesu … | head` closing the pipe early is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other.context("标准输出写入失败 (write failed)")?),
    }
}

/// Print a table with a header on stdout, columns padded to their display width (CJK counts 2).
pub fn print_table(header: &[&str], rows: &[Vec<String>]) -> anyhow::Result<()> {
    use std::io::Write;
    use unicode_width::UnicodeWidthStr;
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.width());
            }
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| -> String {
        let mut s = String::new();
        for (i, c) in cells.enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            s.push_str(c);
            let pad = widths
                .get(i)
                .copied()
                .unwrap_or(0)
                .saturating_sub(c.width());
            s.extend(std::iter::repeat_n(' ', pad));
        }
        s.trim_end().to_string()
    };
    let mut out = std::io::stdout().lock();
    let mut text = line(&mut header.iter().copied());
    text.push('\n');
    for r in rows {
        text.push_str(&line(&mut r.iter().map(String::as_str)));
        text.push('\n');
    }
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other.context("标准输出写入失败 (write failed)")?),
    }
}
