//! Opening the database from the global options, and `kesu migrate`.

use super::GlobalOpts;

pub fn migrate(_g: &GlobalOpts) -> anyhow::Result<()> {
    anyhow::bail!("kesu migrate: 尚未实现 (not implemented yet)")
}
