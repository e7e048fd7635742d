//! `kesu report annual`: the 年度监测评估报告 of a region as HTML, PDF or .xlsx.

use super::GlobalOpts;
use super::assess::{load_inputs, load_scheme};
use super::db::with_db;
use anyhow::Context;
use clap::{Args, Subcommand};
use kesu_web::pages::dashboard::annual;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// 年度监测评估报告：.html（可打印）、.pdf（需要 chromium）或 .xlsx（全部表格）
    Annual(AnnualArgs),
}

#[derive(Debug, Args)]
pub struct AnnualArgs {
    /// 区划代码
    #[arg(long)]
    pub region: String,
    /// 年度
    #[arg(long)]
    pub year: i32,
    /// 输出文件：FILE.html、FILE.pdf 或 FILE.xlsx
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    /// 考核方案：`stored` 为纲要办配置的方案（未配置时为内置默认方案），`default` 为内置默认方案，否则为 JSON 文件
    #[arg(long, default_value = "stored")]
    pub scheme: String,
    /// 纲要办补充的考核评分输入 JSON（见 kesu assess）
    #[arg(long)]
    pub inputs: Option<PathBuf>,
}

pub fn run(g: &GlobalOpts, cmd: ReportCmd) -> anyhow::Result<()> {
    match cmd {
        ReportCmd::Annual(a) => annual_report(g, a),
    }
}

#[derive(PartialEq)]
enum Kind {
    Html,
    Pdf,
    Xlsx,
}

fn annual_report(g: &GlobalOpts, a: AnnualArgs) -> anyhow::Result<()> {
    let ext = a
        .output
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let kind = match ext.as_deref() {
        Some("html" | "htm") => Kind::Html,
        Some("pdf") => Kind::Pdf,
        Some("xlsx") => Kind::Xlsx,
        _ => anyhow::bail!(
            "输出文件 {} 的扩展名应为 .html、.pdf 或 .xlsx (output must be .html, .pdf or .xlsx)",
            a.output.display()
        ),
    };
    let scheme = load_scheme(&a.scheme)?;
    let inputs = load_inputs(a.inputs.as_ref())?;
    let started = std::time::Instant::now();
    let (region, year) = (a.region.clone(), a.year);
    let report = with_db(g, |db| async move {
        let ctx = kesu_app::Ctx::new(db);
        let by = kesu_app::Caller::operator();
        kesu_app::annual::build(&ctx, &by, &region, Some(year), scheme.as_ref(), &inputs)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
    })?;
    let built = started.elapsed().as_secs_f64();
    match kind {
        Kind::Xlsx => {
            let bytes = annual::xlsx(&report).map_err(|e| anyhow::anyhow!("{e:?}"))?;
            std::fs::write(&a.output, bytes)
                .with_context(|| format!("无法写入 {} (cannot write)", a.output.display()))?;
        }
        Kind::Html => {
            let html = annual::html(&report).map_err(|e| anyhow::anyhow!("{e:?}"))?;
            std::fs::write(&a.output, html)
                .with_context(|| format!("无法写入 {} (cannot write)", a.output.display()))?;
        }
        Kind::Pdf => {
            let html = annual::html(&report).map_err(|e| anyhow::anyhow!("{e:?}"))?;
            let bytes = annual::pdf_bytes(&html).map_err(|e| anyhow::anyhow!("{e}"))?;
            std::fs::write(&a.output, bytes)
                .with_context(|| format!("无法写入 {} (cannot write)", a.output.display()))?;
        }
    }
    eprintln!(
        "已生成 {}{} 年度监测评估报告：{}（汇总 {built:.2} 秒）(written)",
        report.region_name,
        report.year,
        a.output.display()
    );
    Ok(())
}
