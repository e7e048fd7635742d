//! `kesu indicators`: every target of a plan as an indicator — actual value from accepted
//! reports, progress, status, the reports it came from and how it was computed.

use super::GlobalOpts;
use super::db::{print_json, print_table, with_db};
use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use kesu_core::plan::fmt_num;
use kesu_core::report::Period;
use kesu_store::indicators::{self, PlanIndicators, Query};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IndicatorFormat {
    Table,
    Json,
    Xlsx,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct IndicatorsArgs {
    #[command(subcommand)]
    pub cmd: Option<IndicatorsCmd>,
    /// 方案编号 (plan id, see `kesu plan list`)
    #[arg(long)]
    pub plan: Option<i64>,
    /// 只计此区划之下单位的报告（默认：方案所属区划）
    #[arg(long)]
    pub region: Option<String>,
    /// 按此期间末评估，只计截至该期的报告：2025Q1、2025H1、2025
    #[arg(long)]
    pub period: Option<String>,
    /// 评估日期 YYYY-MM-DD（默认今天；给出 --period 时为该期末）
    #[arg(long)]
    pub as_of: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: IndicatorFormat,
    /// .xlsx 的输出文件（默认 indicators-<方案>.xlsx）
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
}

/// Today in China.
pub fn today() -> time::Date {
    kesu_store::reporting::china_date(time::OffsetDateTime::now_utc())
}

/// A `YYYY-MM-DD` argument.
pub fn parse_day(s: &str, what: &str) -> anyhow::Result<time::Date> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s.trim(), f)
        .with_context(|| format!("{what}“{s}”不是有效日期，应为 YYYY-MM-DD (bad date)"))
}

#[derive(Debug, Subcommand)]
pub enum IndicatorsCmd {
    /// 录入地区的公民具备科学素质比例（抽样调查结果）(record a survey share)
    Record(RecordArgs),
    /// 按对象展开任务：该区划下每个村（乡镇、县）作为填报单位 (enrol villages as reporting units)
    Expand(ExpandArgs),
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// 区划代码
    #[arg(long)]
    pub region: String,
    /// 年度
    #[arg(long)]
    pub year: i32,
    /// 比例（%），例如 16.2
    #[arg(long)]
    pub value: f64,
    /// 置信区间下限（%）
    #[arg(long)]
    pub low: Option<f64>,
    /// 置信区间上限（%）
    #[arg(long)]
    pub high: Option<f64>,
    /// 数据来源
    #[arg(long, default_value = "公民科学素质抽样调查")]
    pub source: String,
}

#[derive(Debug, Args)]
pub struct ExpandArgs {
    /// 任务编号 (task id)
    #[arg(long)]
    pub task: i64,
    /// 在此区划之下展开（默认：任务所属方案的区划）
    #[arg(long)]
    pub region: Option<String>,
    /// 展开到哪一级
    #[arg(long, value_enum, default_value = "village")]
    pub level: super::regions::LevelArg,
}

pub fn run(g: &GlobalOpts, a: IndicatorsArgs) -> anyhow::Result<()> {
    match a.cmd {
        Some(IndicatorsCmd::Record(r)) => return record(g, r),
        Some(IndicatorsCmd::Expand(e)) => return expand(g, e),
        None => {}
    }
    let Some(plan_id) = a.plan else {
        anyhow::bail!("缺少 --plan（方案编号，见 kesu plan list）(missing --plan)");
    };
    let period = a
        .period
        .as_deref()
        .map(Period::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let as_of = match a.as_of.as_deref() {
        Some(s) => parse_day(s, "--as-of ")?,
        None => today(),
    };
    if let Some(r) = a.region.as_deref() {
        kesu_core::RegionCode::parse(r).map_err(|e| anyhow::anyhow!("--region：{e}"))?;
    }
    let q = Query {
        plan_id,
        region: a.region.clone(),
        unit_id: None,
        period,
        as_of,
    };
    let p = with_db(g, |db| async move {
        Ok(indicators::evaluate_plan(&db, &q).await?)
    })?;
    match a.format {
        IndicatorFormat::Json => print_json(&p),
        IndicatorFormat::Table => table(&p),
        IndicatorFormat::Xlsx => {
            let bytes = kesu_web::pages::dashboard::export::indicators_xlsx(&p)
                .map_err(|e| anyhow::anyhow!("无法生成 .xlsx：{e:?} (xlsx failed)"))?;
            let out = a
                .output
                .unwrap_or_else(|| PathBuf::from(format!("indicators-{}.xlsx", p.plan_id)));
            std::fs::write(&out, bytes)
                .with_context(|| format!("无法写入 {} (cannot write)", out.display()))?;
            eprintln!(
                "已写出 {}：{} 项指标 (written)",
                out.display(),
                p.indicators.len()
            );
            Ok(())
        }
    }
}

/// 84.2%.
pub fn pct(x: Option<f64>) -> String {
    x.map_or_else(
        || "—".to_string(),
        |v| format!("{}%", fmt_num((v * 1000.0).round() / 10.0)),
    )
}

/// A value with its unit, or 无数据.
pub fn value(x: Option<f64>, unit: &str) -> String {
    x.map_or_else(
        || "无数据".to_string(),
        |v| {
            if unit.is_empty() {
                fmt_num((v * 100.0).round() / 100.0)
            } else {
                format!("{}{unit}", fmt_num((v * 100.0).round() / 100.0))
            }
        },
    )
}

fn table(p: &PlanIndicators) -> anyhow::Result<()> {
    let rows: Vec<Vec<String>> = p
        .indicators
        .iter()
        .map(|r| {
            // A per-entity target's actual is the share of entities meeting it.
            let actual = match &r.coverage {
                Some(c) if r.actual.is_some() => {
                    format!("{}/{} 达标", c.met, c.total)
                }
                _ => value(r.actual, &r.unit),
            };
            vec![
                r.task_path.clone(),
                r.indicator.chars().take(24).collect(),
                r.target_zh.clone(),
                actual,
                pct(r.progress),
                r.status_zh.to_string(),
                r.sources
                    .iter()
                    .map(|s| format!("#{s}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            ]
        })
        .collect();
    print_table(
        &["编号", "指标", "目标", "实际", "进度", "状态", "来源报告"],
        &rows,
    )?;
    let c = p.counts;
    eprintln!(
        "{}（{}）截至 {}：已达标 {}，按进度推进 {}，滞后 {}，无数据 {}；平均完成进度 {}",
        p.plan_title,
        p.region,
        p.as_of,
        c.met,
        c.on_track,
        c.behind,
        c.no_data,
        pct(p.mean_progress)
    );
    Ok(())
}

fn record(g: &GlobalOpts, a: RecordArgs) -> anyhow::Result<()> {
    let r = indicators::NewRecord {
        region_code: a.region.clone(),
        year: a.year,
        key: indicators::LITERACY_SHARE.to_string(),
        value: a.value,
        low: a.low,
        high: a.high,
        source: a.source,
    };
    let id = with_db(g, |db| async move {
        Ok(indicators::record_value(&db, &r, &kesu_store::Actor::cli()).await?)
    })?;
    eprintln!(
        "已录入 {} {} 年公民具备科学素质的比例 {}%（记录 {id}）(recorded)",
        a.region,
        a.year,
        fmt_num(a.value)
    );
    Ok(())
}

fn expand(g: &GlobalOpts, a: ExpandArgs) -> anyhow::Result<()> {
    let level: kesu_core::RegionLevel = a.level.into();
    let n = with_db(g, |db| async move {
        let region = match a.region {
            Some(r) => r,
            None => {
                let t = kesu_store::plans::task(&db, a.task).await?;
                t.region_code
            }
        };
        Ok(
            indicators::expand_entities(&db, a.task, &region, level, &kesu_store::Actor::cli())
                .await?,
        )
    })?;
    eprintln!(
        "已将 {n} 个{}级区划加入任务 {} 的填报单位 (enrolled)",
        level.zh(),
        a.task
    );
    Ok(())
}
