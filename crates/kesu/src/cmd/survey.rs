//! `kesu survey …`: estimate the literacy share from respondents.

use super::GlobalOpts;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum SurveyCmd {
    /// 估计具备科学素质的比例 (estimate the literacy share)
    Estimate,
}

pub fn run(_g: &GlobalOpts, _cmd: SurveyCmd) -> anyhow::Result<()> {
    anyhow::bail!("kesu survey: 尚未实现 (not implemented yet)")
}
