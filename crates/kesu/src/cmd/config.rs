//! `kesu config check`: print the effective configuration (passwords hidden) with where each
//! value came from, and validate it.

use crate::config::{self, Config};
use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// 检查并显示生效的配置 (print and validate the effective configuration)
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// 同时连接数据库（主库和只读副本），报告迁移版本 (also connect to the databases)
    #[arg(long)]
    pub connect: bool,
}

pub fn run(cfg: &Config, c: ConfigCmd) -> anyhow::Result<()> {
    let ConfigCmd::Check(a) = c;
    if let Err(m) = config::check_url(&cfg.database_url) {
        return Err(config::ConfigError(vec![format!("database_url: {m}")]).into());
    }
    match &cfg.file {
        Some(f) => eprintln!("配置文件 (file): {}", f.display()),
        None => eprintln!("配置文件 (file): 无 (none; --config FILE or KESU_CONFIG)"),
    }
    let rows: Vec<Vec<String>> = cfg
        .lines()
        .into_iter()
        .map(|(k, v, s)| {
            let key = config::KEYS.iter().find(|key| key.name == k);
            vec![
                k.to_string(),
                v,
                Config::source_label(s).to_string(),
                key.map_or("", |key| key.env).to_string(),
                key.and_then(|key| key.flag).unwrap_or("").to_string(),
                key.map_or("", |key| key.help).to_string(),
            ]
        })
        .collect();
    super::db::print_table(&["key", "value", "source", "env", "flag", "help"], &rows)?;
    for w in &cfg.warnings {
        eprintln!("警告 (warning): {w}");
    }
    if a.connect {
        connect(cfg)?;
    }
    eprintln!("配置有效 (configuration is valid)");
    Ok(())
}

/// Reach the primary (without migrating) and every replica; report the schema version.
fn connect(cfg: &Config) -> anyhow::Result<()> {
    let rt = super::db::runtime()?;
    rt.block_on(async {
        let db = kesu_store::Db::connect(&cfg.database_url).await?;
        let applied = db.applied_migrations().await;
        db.close().await;
        let latest = applied?.last().copied().unwrap_or(0);
        let known = kesu_store::migrations::ALL
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or(0);
        eprintln!(
            "主库可连接 (primary reachable): {}，迁移版本 {latest}/{known}",
            kesu_store::redact_url(&cfg.database_url)
        );
        for url in &cfg.read_database_urls {
            let r = kesu_store::Db::connect(url).await?;
            r.close().await;
            eprintln!(
                "只读副本可连接 (replica reachable): {}",
                kesu_store::redact_url(url)
            );
        }
        Ok(())
    })
}
