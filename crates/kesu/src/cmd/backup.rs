//! `kesu backup -o FILE` and `kesu restore FILE`: the database chosen by `--data-dir` /
//! `--database-url` and its evidence files, in one archive and back.

use super::GlobalOpts;
use anyhow::Context;
use clap::Args;
use kesu_app::{Caller, Ctx};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// 备份文件（.tar.gz；不得已存在）(output archive; must not exist)
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// kesu backup 生成的备份文件 (archive written by kesu backup)
    pub file: PathBuf,
}

/// The use cases' error as the CLI shows it: an internal error's detail is the operator's to
/// see here (the web hides it).
pub fn app_err(e: kesu_app::Error) -> anyhow::Error {
    match e {
        kesu_app::Error::Internal(m) => anyhow::anyhow!("{m}"),
        other => anyhow::Error::new(other),
    }
}

/// Where the evidence files of the selected data directory live.
pub fn files_dir(g: &GlobalOpts) -> PathBuf {
    g.data_dir
        .clone()
        .unwrap_or_else(kesu_store::default_data_dir)
        .join("files")
}

pub fn backup(g: &GlobalOpts, a: BackupArgs) -> anyhow::Result<()> {
    let url = super::db::url(g);
    super::db::with_db(g, |db| async move {
        let ctx = Ctx::new(db);
        let m = kesu_app::ops::backup(&ctx, &Caller::operator(), &url, &files_dir(g), &a.output)
            .await
            .map_err(app_err)?;
        eprintln!(
            "已备份 (backed up): {} —— {} 张表 {} 行，证明材料 {} 个（{} 字节），数据库版本 {}",
            a.output.display(),
            m.tables.len(),
            m.rows(),
            m.files.count,
            m.files.bytes,
            m.schema_version
        );
        super::db::print_json(&m)
    })
}

pub fn restore(g: &GlobalOpts, a: RestoreArgs) -> anyhow::Result<()> {
    let url = super::db::url(g);
    if !a.file.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{} 不存在 (no such file)", a.file.display()),
        ))
        .context("无法读取备份 (cannot read the backup)");
    }
    let rt = super::db::runtime()?;
    rt.block_on(async {
        let r = kesu_app::ops::restore(&Caller::operator(), &a.file, &url, &files_dir(g))
            .await
            .map_err(app_err)?;
        let m = &r.manifest;
        eprintln!(
            "已恢复 (restored) {} 的备份到 {}：{} 张表 {} 行，校验一致 (verified)；证明材料写入 {} 个",
            m.created_at,
            kesu_store::redact_url(&url),
            m.tables.len(),
            m.rows(),
            r.files_written
        );
        Ok(())
    })
}
