//! `kesu demo`: a fresh SQLite database with the sample regions and the five sample plans.

use super::GlobalOpts;
use clap::Args;

#[derive(Debug, Args)]
pub struct DemoArgs {}

pub fn run(_g: &GlobalOpts, _a: DemoArgs) -> anyhow::Result<()> {
    anyhow::bail!("kesu demo: 尚未实现 (not implemented yet)")
}
