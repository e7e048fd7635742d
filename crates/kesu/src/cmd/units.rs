//! `kesu units …`: the unit registry.

use super::GlobalOpts;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum UnitsCmd {
    /// 列出单位 (list units)
    List,
}

pub fn run(_g: &GlobalOpts, _cmd: UnitsCmd) -> anyhow::Result<()> {
    anyhow::bail!("kesu units: 尚未实现 (not implemented yet)")
}
