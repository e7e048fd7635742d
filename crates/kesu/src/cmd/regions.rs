//! `kesu regions …`: the administrative division tree.

use super::GlobalOpts;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum RegionsCmd {
    /// 导入区划代码目录 (import the five-level division CSVs)
    Import,
}

pub fn run(_g: &GlobalOpts, _cmd: RegionsCmd) -> anyhow::Result<()> {
    anyhow::bail!("kesu regions: 尚未实现 (not implemented yet)")
}
