//! `kesu indicators`: every target of a plan as an indicator — actual value from accepted
//! reports, progress, status, the reports it came from and how it was computed.

use super::GlobalOpts;
use super::db::{print_json, print_table, with_db};
use anyhow::Context;
use clap::{Args, ValueEnum};
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
pub struct IndicatorsArgs {
    /// 方案编号 (plan id, see `kesu plan list`)
    #[arg(long)]
    pub plan: i64,
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

pub fn run(g: &GlobalOpts, a: IndicatorsArgs) -> anyhow::Result<()> {
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
        plan_id: a.plan,
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
