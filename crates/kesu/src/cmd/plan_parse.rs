//! `kesu plan parse FILE`: document in, plan JSON / table / 任务分解表 out. No database.

use super::plan::ParseArgs;

pub fn run(_args: ParseArgs) -> anyhow::Result<()> {
    anyhow::bail!("kesu plan parse: 尚未实现 (not implemented yet)")
}
