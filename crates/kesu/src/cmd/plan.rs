//! `kesu plan …`: parse a document (no database), import/list/show/export stored plans.

use super::GlobalOpts;
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum PlanCmd {
    /// 解析方案文件为任务分解表（不写数据库）(parse a plan document)
    Parse(ParseArgs),
    /// 解析并导入方案 (parse and store a plan)
    Import(ImportArgs),
    /// 列出已导入的方案 (list stored plans)
    List(ListArgs),
    /// 查看方案 (show a stored plan)
    Show(ShowArgs),
    /// 导出方案为 JSON 或任务分解表 (export a stored plan)
    Export(ExportArgs),
}

/// Output formats of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Json,
    Table,
    Xlsx,
}

/// Output formats of list commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// 方案文件：.txt（UTF-8 或 GB18030/GBK）、网页 .html、.docx、任务分解表 .xlsx 或 .pdf
    pub file: PathBuf,
    #[arg(long, value_enum, default_value = "json")]
    pub format: PlanFormat,
    /// 输出文件（xlsx 必填；默认标准输出）
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    pub file: PathBuf,
    /// 方案所属区划代码（名称有歧义时必填）
    #[arg(long)]
    pub region: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    pub id: i64,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    pub id: i64,
    #[arg(long, value_enum, default_value = "json")]
    pub format: PlanFormat,
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
}

pub fn run(global: &GlobalOpts, cmd: PlanCmd) -> anyhow::Result<()> {
    match cmd {
        PlanCmd::Parse(a) => super::plan_parse::run(a),
        PlanCmd::Import(a) => super::plan_store::import(global, a),
        PlanCmd::List(a) => super::plan_store::list(global, a),
        PlanCmd::Show(a) => super::plan_store::show(global, a),
        PlanCmd::Export(a) => super::plan_store::export(global, a),
    }
}
