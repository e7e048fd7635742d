//! `kesu survey import | waves | results`: keep a survey wave in the database, estimate it
//! overall, by region and by key group, store the results and record the overall share as the
//! region's literacy-share indicator (which feeds the literacy goal of its plans).

use super::{EstimateArgs, open, options};
use crate::cmd::GlobalOpts;
use crate::cmd::backup::app_err;
use crate::cmd::db::with_db;
use anyhow::Context;
use clap::{Args, ValueEnum};
use kesu_app::survey::{self as import_rules, MarginsFrom, WaveRequest};
use kesu_app::{Caller, Ctx};
use kesu_store::survey::{self, Imported};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// 调查年度 (survey year)
    #[arg(long)]
    pub year: i32,
    /// 调查所属区划代码 (region code of the survey)
    #[arg(long)]
    pub region: String,
    /// 调查名称（同一地区同一年度可有多次调查）(wave name)
    #[arg(long, default_value = "年度调查")]
    pub name: String,
    /// 受访者文件中的地区列（按地区估计）(region column for by-region estimates)
    #[arg(long, default_value = "region")]
    pub region_col: String,
    /// 重点人群列（按重点人群估计）(key group column)
    #[arg(long, default_value = "group")]
    pub group_col: String,
    /// 总体边际取自已导入的人口表（--region 的 --year 年），代替 --margins (population margins
    /// from the region population tables)
    ///
    /// 与 --poststratify / --rake / --calibrate 同用；变量只能是 region（下级区划代码）、urban
    /// （1 城镇 / 0 乡村）、sex（male / female）、age_group（与人口表相同，如 15-59、60+）及其交叉
    /// （城乡不与性别、年龄组交叉）。见下方说明。
    #[arg(long, conflicts_with = "margins")]
    pub margins_from_population: bool,
    #[command(flatten)]
    pub est: EstimateArgs,
}

/// The mapping of respondent columns to the population tables, shown by `--help`.
pub const POPULATION_HELP: &str = "\
人口表边际 (--margins-from-population)：事后分层或 raking 的总体数取自 `kesu regions population`
导入的人口表（区划 --region、年度 --year）。受访者文件中的列与人口表的对应：
  region     下级区划代码（如 431302001），总体数为各下级区划的人口（需每个下级区划都有该年人口）
  urban      1 = 城镇，0 = 乡村；总体数为 --region 的城镇、乡村人口（与 region 交叉时用各下级区划的）
  sex        male / female（人口表的写法；男、女、M、F 须先改写）
  age_group  与人口表的年龄组写法相同（如 15-59、60+）
可用的交叉：region+urban、region+sex、region+age_group、region+sex+age_group、sex+age_group；
人口表没有城乡与性别、年龄组的交叉。样本中有而人口表中没有的水平、人口表不提供的变量、该区划或
年度没有人口数，都会报错并且不写入任何数据。所用边际随调查保存（kesu survey results --format json 可见其来源 margins_source）。

Population margins: the variables are region (child region codes), urban (1 urban, 0 rural),
sex (male/female) and age_group (as in the population tables), and their crossings except
urban with sex or age group; any mismatch is an error naming the variable and level, and
nothing is stored.";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct WavesArgs {
    /// 只列出该区划及其下级的调查 (region subtree)
    #[arg(long, default_value = "")]
    pub region: String,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct ResultsArgs {
    /// 调查编号 (wave id)
    pub wave: i64,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
}

pub fn import(g: &GlobalOpts, a: ImportArgs) -> anyhow::Result<()> {
    let args = &a.est;
    let mut respondents = open(&args.file)?;
    kesu_core::RegionCode::parse(&a.region).map_err(|e| anyhow::anyhow!("--region: {e}"))?;
    let req = WaveRequest {
        region: a.region.clone(),
        year: a.year,
        name: a.name.clone(),
        region_col: a.region_col.clone(),
        group_col: a.group_col.clone(),
        margins: match &args.margins {
            _ if a.margins_from_population => MarginsFrom::Population,
            Some(p) => MarginsFrom::File(p.display().to_string()),
            None => MarginsFrom::Nowhere,
        },
        options: options(args),
    };
    let answer_key = args.answer_key.as_deref().map(open).transpose()?;
    let plan = import_rules::plan_wave(&req, &mut respondents, answer_key)?;
    let (margins, margins_name) = match (&req.margins, &args.margins) {
        (MarginsFrom::Population, _) => {
            let (names, region, year) = (plan.margin_names(), a.region.clone(), a.year);
            let margins = with_db(g, |db| async move {
                let (ctx, caller) = (Ctx::new(db), Caller::operator());
                import_rules::population_margins(&ctx, &caller, &region, year, &names)
                    .await
                    .map_err(app_err)
            })
            .context("--margins-from-population")?;
            (
                margins,
                format!("{} {} 年人口表 (population tables)", a.region, a.year),
            )
        }
        (_, Some(p)) => {
            let src = open(p)?;
            let name = src.name.clone();
            (kesu_survey::job::read_margins(src)?, name)
        }
        (_, None) => (Vec::new(), String::new()),
    };
    let wave = import_rules::estimate_wave(&req, &plan, respondents, &margins, &margins_name)?;
    for w in &wave.wave.warnings {
        eprintln!("警告 (warning): {w}");
    }
    let overall = import_rules::overall(&wave.results)
        .map_err(app_err)?
        .clone();
    let n = wave.respondents.len();
    let outcome = with_db(g, |db| async move {
        import_rules::import(&Ctx::new(db), &Caller::operator(), &wave)
            .await
            .map_err(app_err)
    })?;
    let (word, id) = match outcome {
        Imported::Created(id) => ("已导入 (imported)", id),
        Imported::Replaced(id) => ("已替换 (replaced)", id),
        Imported::Unchanged(id) => ("未变化：同一文件已导入 (unchanged: same file)", id),
    };
    println!(
        "{word} 调查 #{id}: {} {} 年 {}，{n} 名受访者；总体比例 {:.2}% (95% CI {}–{})，SE {:.2} 个百分点",
        a.region,
        a.year,
        a.name,
        100.0 * overall.est,
        overall
            .logit_l
            .map_or("—".into(), |x| format!("{:.2}%", 100.0 * x)),
        overall
            .logit_u
            .map_or("—".into(), |x| format!("{:.2}%", 100.0 * x)),
        100.0 * overall.se,
    );
    Ok(())
}

pub fn waves(g: &GlobalOpts, a: WavesArgs) -> anyhow::Result<()> {
    let region = a.region.clone();
    let list = with_db(
        g,
        |db| async move { Ok(survey::waves(&db, &region).await?) },
    )?;
    match a.format {
        ListFormat::Json => println!("{}", serde_json::to_string_pretty(&list)?),
        ListFormat::Csv | ListFormat::Table => {
            let sep = if a.format == ListFormat::Csv {
                ","
            } else {
                "\t"
            };
            println!(
                "{}",
                ["id", "region", "year", "name", "n", "file", "imported_at"].join(sep)
            );
            for w in &list {
                println!(
                    "{}",
                    [
                        w.id.to_string(),
                        w.region_code.clone(),
                        w.year.to_string(),
                        super::csv_field(&w.name),
                        w.n.to_string(),
                        super::csv_field(&w.source_file),
                        w.imported_at.to_string(),
                    ]
                    .join(sep)
                );
            }
        }
    }
    Ok(())
}

pub fn results(g: &GlobalOpts, a: ResultsArgs) -> anyhow::Result<()> {
    let id = a.wave;
    let (wave, rows) = with_db(g, |db| async move {
        let w = survey::wave(&db, id)
            .await?
            .with_context(|| format!("未找到调查 #{id} (no such wave)"))?;
        Ok((w, survey::results(&db, id).await?))
    })?;
    match a.format {
        ListFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"wave": wave, "results": rows}))?
        ),
        ListFormat::Csv => {
            println!("{},flags", super::CSV_HEADER);
            for r in &rows {
                let o = |x: Option<f64>| x.map_or("NA".to_string(), super::num);
                println!(
                    "{},{},{},{},{},{},{},{},{},{},{},{},{}",
                    super::csv_field(&r.by_var),
                    super::csv_field(&r.level),
                    r.n,
                    super::num(r.wsum),
                    super::num(r.est),
                    super::num(r.se),
                    super::num(r.wald_l),
                    super::num(r.wald_u),
                    o(r.deff),
                    r.df,
                    o(r.logit_l),
                    o(r.logit_u),
                    r.flags
                );
            }
        }
        ListFormat::Table => {
            println!(
                "调查 #{} {} {} 年 {}（{} 名受访者，{}）",
                wave.id, wave.region_code, wave.year, wave.name, wave.n, wave.source_file
            );
            println!("分组\t水平\tn\t比例%\tSE%\t95% CI\t提示");
            for r in &rows {
                println!(
                    "{}\t{}\t{}\t{:.2}\t{:.2}\t{}\t{}",
                    r.by_var,
                    r.level,
                    r.n,
                    100.0 * r.est,
                    100.0 * r.se,
                    match (r.logit_l, r.logit_u) {
                        (Some(l), Some(u)) => format!("{:.2}–{:.2}", 100.0 * l, 100.0 * u),
                        _ => "—".into(),
                    },
                    r.flags
                );
            }
        }
    }
    Ok(())
}
