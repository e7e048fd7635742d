//! `kesu survey import | waves | results`: keep a survey wave in the database, estimate it
//! overall, by region and by key group, store the results and record the overall share as the
//! region's literacy-share indicator (which feeds the literacy goal of its plans).

use super::{
    EstimateArgs, check_input, domain_factor, margins_arg, read_respondents, survey_spec, weigh,
};
use crate::cmd::GlobalOpts;
use crate::cmd::backup::app_err;
use crate::cmd::db::with_db;
use anyhow::Context;
use clap::{Args, ValueEnum};
use kesu_app::survey as import_rules;
use kesu_app::{Caller, Ctx};
use kesu_store::survey::{self, Imported, MarginRow, NewWave, Respondent, ResultRow};
use kesu_survey::input::Request;
use kesu_survey::{Factor, SurveyError, WeightingSpec, split_vars};
use sha2::Digest;
use std::collections::BTreeMap;

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

/// The header of a respondents file (CSV or workbook), read through the same reader as the
/// data: a request for a column no file has makes the reader list the header.
fn header(path: &std::path::Path) -> anyhow::Result<Vec<String>> {
    const PROBE: &str = "\u{1}kesu-header-probe";
    match super::read_file(path, &[Request::category(PROBE)]) {
        Err(SurveyError::MissingColumn { hint, .. }) => Ok(hint
            .split_once("(header): ")
            .map(|(_, h)| h.split(',').map(|s| s.trim().to_string()).collect())
            .unwrap_or_default()),
        Err(e) => Err(e.into()),
        Ok(_) => Ok(Vec::new()),
    }
}

pub fn import(g: &GlobalOpts, a: ImportArgs) -> anyhow::Result<()> {
    let args = &a.est;
    let file = args.file.display().to_string();
    check_input(&args.file).with_context(|| file.clone())?;
    kesu_core::RegionCode::parse(&a.region).map_err(|e| anyhow::anyhow!("--region: {e}"))?;
    let header = header(&args.file).with_context(|| file.clone())?;
    import_rules::refuse_personal(&file, &header).map_err(app_err)?;
    let spec = survey_spec(args)?;
    let weighted = spec.weighting != WeightingSpec::Design;
    let (margins, margins_name) = if a.margins_from_population {
        if !weighted {
            anyhow::bail!(
                "--margins-from-population 需与 --poststratify、--rake 或 --calibrate 同用 (population margins are for weighting)"
            );
        }
        let names = spec.weighting.margin_names();
        let (region, year) = (a.region.clone(), a.year);
        let margins = with_db(g, |db| async move {
            import_rules::population_margins(
                &Ctx::new(db),
                &Caller::operator(),
                &region,
                year,
                &names,
            )
            .await
            .map_err(app_err)
        })
        .context("--margins-from-population")?;
        (
            margins,
            format!("{} {} 年人口表 (population tables)", a.region, a.year),
        )
    } else if args.margins.is_none() && weighted {
        anyhow::bail!(
            "--poststratify/--rake/--calibrate 需要 --margins MARGINS.csv 或 --margins-from-population (population margins needed)"
        );
    } else {
        let name = args
            .margins
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        (margins_arg(args, &spec)?, name)
    };

    let import_rules::Domains {
        by: by_specs,
        stored: domain_vars,
    } = import_rules::domains(
        &header,
        &a.region_col,
        &a.group_col,
        &args.by,
        spec.weighting.variables(),
    );

    let domains: Vec<&str> = domain_vars.iter().map(String::as_str).collect();
    let mut table = read_respondents(args, &spec, &domains)?;
    let n = table.n_rows();
    if a.margins_from_population
        && let Some(u) = spec
            .uncovered_level(&table, &margins)
            .map_err(|e| anyhow::Error::new(table.locate(e)).context(file.clone()))?
    {
        anyhow::bail!(
            "{file} 第{}行: 样本中 {} = {} 在 {} {} 年的人口表中没有人口数；人口表中 {} 的水平为 {} (a level of the sample has no population count)",
            table.line(u.row),
            u.variable,
            u.level,
            a.region,
            a.year,
            u.variable,
            u.known.join(", ")
        );
    }
    let survey_est = weigh(&spec, &mut table, &margins, &file, &margins_name)?;
    let table = table;
    let in_file = |e: SurveyError| anyhow::Error::new(table.locate(e)).context(file.clone());
    let design = survey_est.design();
    let design_json = serde_json::json!({
        "strata": spec.strata, "psu": spec.psu, "weight": spec.weight, "fpc": spec.fpc,
        "n_strata": design.n_strata(), "n_psu": design.n_psu(),
        "lonely_psu": spec.lonely_psu.as_str(), "lonely_strata": design.lonely_strata(),
    });
    let by_factors: Vec<Factor> = by_specs
        .iter()
        .map(|spec| domain_factor(&table, &margins, &split_vars(spec)))
        .collect::<Result<_, _>>()
        .map_err(in_file)?;
    let estimates = survey_est
        .estimate_many(&by_factors.iter().collect::<Vec<_>>())
        .map_err(in_file)?;
    for w in survey_est.warnings() {
        eprintln!("警告 (warning): {w}");
    }

    // What is stored.
    let level_of =
        |f: Option<&Factor>, row: usize| f.map(|f| f.levels()[f.codes()[row] as usize].clone());
    let domain_factors: Vec<(&str, &Factor)> = domain_vars
        .iter()
        .map(|v| table.factor(v).map(|f| (v.as_str(), f)))
        .collect::<Result<_, _>>()
        .map_err(in_file)?;
    let strata_f = spec
        .strata
        .as_deref()
        .map(|c| table.factor(c))
        .transpose()
        .map_err(in_file)?;
    let psu_f = spec
        .psu
        .as_deref()
        .map(|c| table.factor(c))
        .transpose()
        .map_err(in_file)?;
    let fpc = spec
        .fpc
        .as_deref()
        .map(|c| table.number(c))
        .transpose()
        .map_err(in_file)?;
    let (weights, y) = (design.weights(), survey_est.outcome());
    let respondents: Vec<Respondent> = (0..n)
        .map(|row| Respondent {
            line: table.line(row) as i64,
            stratum: level_of(strata_f, row),
            psu: level_of(psu_f, row),
            weight: weights[row],
            fpc: fpc.map(|f| f[row]),
            literate: y[row] == 1,
            domains: domain_factors
                .iter()
                .map(|(v, f)| (v.to_string(), f.levels()[f.codes()[row] as usize].clone()))
                .collect::<BTreeMap<_, _>>(),
        })
        .collect();
    let margin_rows: Vec<MarginRow> = margins
        .iter()
        .flat_map(|m| {
            m.levels.iter().zip(&m.totals).map(|(l, t)| MarginRow {
                margin: m.name.clone(),
                level: l.clone(),
                total: *t,
            })
        })
        .collect();
    let results: Vec<ResultRow> = estimates
        .iter()
        .map(|e| ResultRow {
            by_var: e.by.clone(),
            level: e.level.clone(),
            n: e.n as i64,
            wsum: e.wsum,
            est: e.est,
            se: e.se,
            cv: e.cv,
            deff: e.deff,
            df: e.df,
            wald_l: e.wald_l,
            wald_u: e.wald_u,
            logit_l: e.logit_l,
            logit_u: e.logit_u,
            flags: e
                .flags
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        })
        .collect();
    // Hashed as a stream: a ten-million-respondent file is not held in memory a second time.
    let mut hasher = sha2::Sha256::new();
    std::io::copy(
        &mut std::fs::File::open(&args.file).with_context(|| file.clone())?,
        &mut hasher,
    )
    .with_context(|| file.clone())?;
    let sha = format!("{:x}", hasher.finalize());
    let base = args
        .file
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.clone());
    let wave = NewWave {
        region_code: a.region.clone(),
        year: a.year,
        name: a.name.clone(),
        rule: serde_json::to_value(spec.rule.record())?,
        design: design_json,
        weighting: {
            let mut w = serde_json::to_value(survey_est.weighting())?;
            if weighted && let Some(o) = w.as_object_mut() {
                // Where the population figures came from (the population tables, or the base
                // name of the margins file: the same file elsewhere is the same source).
                let file_name = match &args.margins {
                    Some(p) if !a.margins_from_population => Some(p.file_name().map_or_else(
                        || p.display().to_string(),
                        |n| n.to_string_lossy().into_owned(),
                    )),
                    _ => None,
                };
                let source = import_rules::margins_source(file_name.as_deref(), &a.region, a.year);
                o.insert("margins_source".into(), source.into());
            }
            w
        },
        warnings: survey_est.warnings().to_vec(),
        source_file: base,
        source_sha256: sha,
    };
    let overall = import_rules::overall(&results).map_err(app_err)?.clone();
    let outcome = with_db(g, |db| async move {
        import_rules::import(
            &Ctx::new(db),
            &Caller::operator(),
            &wave,
            &respondents,
            &margin_rows,
            &results,
        )
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
