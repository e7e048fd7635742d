//! `kesu units …`: the unit registry (责任单位名录), filled by plan imports.

use super::GlobalOpts;
use super::db::{print_json, print_table, with_db};
use super::plan::ListFormat;
use clap::{Args, Subcommand};
use kesu_store::{Actor, units};
use serde::Serialize;

#[derive(Debug, Subcommand)]
pub enum UnitsCmd {
    /// 列出单位及其别名 (list units)
    List(ListArgs),
    /// 把一个单位合并到另一个（同一区划），别名和任务随之转移 (merge units)
    Merge(MergeArgs),
    /// 更改单位的规范名称，旧名称保留为别名 (rename a unit)
    Rename(RenameArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// 只列此区划及其下级的单位（区划代码前缀）
    #[arg(long)]
    pub region: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// 被合并的单位：编号、名称或别名
    pub from: String,
    /// 合并到的单位：编号、名称或别名
    pub into: String,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct RenameArgs {
    /// 单位：编号、名称或别名
    pub unit: String,
    /// 新的规范名称
    pub new_name: String,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
}

/// A unit with its aliases, as listed.
#[derive(Serialize)]
struct Listed {
    #[serde(flatten)]
    unit: units::Unit,
    aliases: Vec<String>,
}

pub fn run(g: &GlobalOpts, cmd: UnitsCmd) -> anyhow::Result<()> {
    match cmd {
        UnitsCmd::List(a) => list(g, a),
        UnitsCmd::Merge(a) => merge(g, a),
        UnitsCmd::Rename(a) => rename(g, a),
    }
}

fn list(g: &GlobalOpts, a: ListArgs) -> anyhow::Result<()> {
    let prefix = a.region.clone().unwrap_or_default();
    let listed = with_db(g, |db| async move {
        let mut out = Vec::new();
        for unit in units::list(&db, &prefix).await? {
            let aliases = units::aliases(&db, unit.id)
                .await?
                .into_iter()
                .filter(|x| *x != unit.name)
                .collect();
            out.push(Listed { unit, aliases });
        }
        Ok(out)
    })?;
    if a.format == ListFormat::Json {
        return print_json(&listed);
    }
    let rows: Vec<Vec<String>> = listed
        .iter()
        .map(|l| {
            vec![
                l.unit.id.to_string(),
                l.unit.region_code.clone(),
                l.unit.name.clone(),
                l.unit.kind.clone(),
                l.aliases.join("、"),
            ]
        })
        .collect();
    print_table(&["编号", "区划", "名称", "类别", "别名"], &rows)?;
    eprintln!("共 {} 个单位 (units)", listed.len());
    Ok(())
}

fn merge(g: &GlobalOpts, a: MergeArgs) -> anyhow::Result<()> {
    let (from, into) = with_db(g, |db| async move {
        let from = units::resolve(&db, &a.from).await?;
        let into = units::resolve(&db, &a.into).await?;
        units::merge(&db, from.id, into.id, &Actor::cli()).await?;
        Ok((from, units::get(&db, into.id).await?))
    })?;
    if a.format == ListFormat::Json {
        print_json(&serde_json::json!({"merged": from, "into": into}))?;
    }
    eprintln!(
        "已将“{}”（编号 {}）合并到“{}”（编号 {}）(merged)",
        from.name, from.id, into.name, into.id
    );
    Ok(())
}

fn rename(g: &GlobalOpts, a: RenameArgs) -> anyhow::Result<()> {
    let new_name = a.new_name.clone();
    let (before, after) = with_db(g, |db| async move {
        let unit = units::resolve(&db, &a.unit).await?;
        units::rename(&db, unit.id, &new_name, &Actor::cli()).await?;
        Ok((unit.clone(), units::get(&db, unit.id).await?))
    })?;
    if a.format == ListFormat::Json {
        print_json(&after)?;
    }
    eprintln!(
        "单位 {} 已更名：“{}” → “{}”，旧名称保留为别名 (renamed)",
        after.id, before.name, after.name
    );
    Ok(())
}
