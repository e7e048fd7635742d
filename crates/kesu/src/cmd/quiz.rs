//! `kesu quiz import|results`: question banks and the results of a published test.

use super::GlobalOpts;
use super::ledger::with_ctx;
use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use kesu_app::Caller;
use kesu_app::citizens::quiz;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum QuizCmd {
    /// 导入题库 .xlsx（题号、题干、选项A–E、答案、题型、基准、维度、难度；有错行则全不导入）
    Import(ImportArgs),
    /// 测试结果：参与和合格情况（自愿参与样本）、题目分析、答题记录（脱敏）
    Results(ResultsArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    pub bank: PathBuf,
    /// 题库所属区划 (the office's region)
    #[arg(long)]
    pub region: String,
    /// 题库名称（默认为文件名）
    #[arg(long)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ResultsFormat {
    Json,
    Xlsx,
}

#[derive(Debug, Args)]
pub struct ResultsArgs {
    #[arg(long)]
    pub test: i64,
    #[arg(long, value_enum, default_value = "json")]
    pub format: ResultsFormat,
    /// 输出文件（xlsx 必填） (output file; required for xlsx)
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

pub fn run(g: &GlobalOpts, cmd: QuizCmd) -> anyhow::Result<()> {
    match cmd {
        QuizCmd::Import(a) => {
            let bytes =
                std::fs::read(&a.bank).with_context(|| format!("无法读取 {}", a.bank.display()))?;
            let file = a
                .bank
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let name = a.name.clone().unwrap_or_else(|| file.clone());
            with_ctx(g, |ctx| async move {
                match quiz::import_bank(&ctx, &Caller::operator(), &a.region, &name, &bytes).await?
                {
                    quiz::BankImport::Stored {
                        bank_id,
                        items,
                        created,
                    } => {
                        eprintln!(
                            "{}题库 {bank_id}：{items} 题",
                            if created {
                                "已导入"
                            } else {
                                "内容相同，未重复导入 (unchanged) "
                            }
                        );
                        super::db::print_json(
                            &serde_json::json!({"bank_id": bank_id, "items": items, "created": created}),
                        )
                    }
                    quiz::BankImport::Refused(errors) => {
                        for e in &errors {
                            eprintln!("{file} {e}");
                        }
                        Err(anyhow::Error::new(kesu_store::StoreError::Invalid(
                            format!(
                                "{file}：{} 处错误，未导入任何题目 (errors; nothing imported)",
                                errors.len()
                            ),
                        )))
                    }
                }
            })
        }
        QuizCmd::Results(a) => {
            let keys = super::keys::load(g)?;
            with_ctx(g, |ctx| async move {
                let r = quiz::results(&ctx, &Caller::operator(), &keys, a.test).await?;
                match a.format {
                    ResultsFormat::Json => super::db::print_json(&r),
                    ResultsFormat::Xlsx => {
                        let out = a.output.context("xlsx 需要 -o FILE (xlsx needs -o FILE)")?;
                        let bytes = kesu_web::pages::citizens::office::results_xlsx(&r)?;
                        std::fs::write(&out, bytes).with_context(|| out.display().to_string())?;
                        eprintln!("已写入 (written) {}", out.display());
                        Ok(())
                    }
                }
            })
        }
    }
}
