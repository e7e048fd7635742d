//! `kesu plan import|list|show|export`: plans kept in the database.

use super::GlobalOpts;
use super::plan::{ExportArgs, ImportArgs, ListArgs, ShowArgs};

pub fn import(_g: &GlobalOpts, _a: ImportArgs) -> anyhow::Result<()> {
    anyhow::bail!("kesu plan import: 尚未实现 (not implemented yet)")
}
pub fn list(_g: &GlobalOpts, _a: ListArgs) -> anyhow::Result<()> {
    anyhow::bail!("kesu plan list: 尚未实现 (not implemented yet)")
}
pub fn show(_g: &GlobalOpts, _a: ShowArgs) -> anyhow::Result<()> {
    anyhow::bail!("kesu plan show: 尚未实现 (not implemented yet)")
}
pub fn export(_g: &GlobalOpts, _a: ExportArgs) -> anyhow::Result<()> {
    anyhow::bail!("kesu plan export: 尚未实现 (not implemented yet)")
}
