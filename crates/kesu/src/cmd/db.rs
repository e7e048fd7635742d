//! Opening the database from the global options, and `kesu migrate`.

use super::GlobalOpts;
use anyhow::Context;
use kesu_store::Db;
use std::future::Future;

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
#[allow(
    dead_code,
    reason = "the regions, units and plan commands use it (next commits)"
)]
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
