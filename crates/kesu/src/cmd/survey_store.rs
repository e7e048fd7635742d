//! `kesu survey import | waves | results`: keep a survey wave in the database, estimate it
//! overall, by region and by key group, store the results and record the overall share as the
//! region's literacy-share indicator (which feeds the literacy goal of its plans).

use super::{
    EstimateArgs, check_input, column, domain_factor, find_margin, hint_default_column,
    literacy_rule, split_vars,
};
use crate::cmd::GlobalOpts;
use crate::cmd::db::with_db;
use anyhow::Context;
use clap::{Args, ValueEnum};
use kesu_store::survey::{self, Imported, MarginRow, NewWave, Respondent, ResultRow};
use kesu_survey::input::{Request, read_margins, read_table};
use kesu_survey::{
    Calibration, ColumnKind, Design, DesignSpec, Factor, LonelyPsu, Margin, RakeControl,
    RakeVariance, Survey, SurveyError, Weighting,
};
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
    #[command(flatten)]
    pub est: EstimateArgs,
}

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

/// Domain variables kept with each respondent when the file has them.
const KNOWN_DOMAINS: &[&str] = &["sex", "age_group", "urban", "education"];

/// The header of a respondents file (CSV or workbook), read through the same reader as the
/// data: a request for a column no file has makes the reader list the header.
fn header(path: &std::path::Path) -> anyhow::Result<Vec<String>> {
    const PROBE: &str = "\u{1}kesu-header-probe";
    match read_table(path, &[Request::category(PROBE)]) {
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
    let personal: Vec<&String> = header
        .iter()
        .filter(|h| survey::is_personal_column(h))
        .collect();
    if !personal.is_empty() {
        anyhow::bail!(
            "{file}: 列 {} 像是姓名、身份证号或电话；导入调查不需要也不保存个人信息，请删除这些列后再导入 (personal data columns refused; remove them)",
            personal
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let rule = literacy_rule(args)?;
    let margins: Vec<Margin> = match &args.margins {
        Some(p) => {
            check_input(p).with_context(|| p.display().to_string())?;
            read_margins(p)
                .map_err(anyhow::Error::new)
                .with_context(|| p.display().to_string())?
        }
        None if !(args.poststratify.is_empty()
            && args.rake.is_empty()
            && args.calibrate.is_empty()) =>
        {
            anyhow::bail!(
                "--poststratify/--rake/--calibrate 需要 --margins MARGINS.csv (population margins needed)"
            )
        }
        None => Vec::new(),
    };

    let strata_col = column(&args.strata);
    let psu_col = column(&args.psu);
    let weight_col = column(&args.weight);
    let mut req: Vec<Request> = Vec::new();
    let mut push = |r: Request| {
        if !req.iter().any(|x| x.name == r.name) {
            req.push(r);
        }
    };
    if let Some(c) = strata_col {
        push(Request::category(c));
    }
    if let Some(c) = psu_col {
        push(Request::category(c));
    }
    if let Some(c) = weight_col {
        push(Request::number(c));
    }
    if let Some(c) = &args.fpc {
        push(Request::number(c));
    }
    for (name, kind) in rule.columns() {
        push(match kind {
            ColumnKind::Number => Request::number(name),
            ColumnKind::Category => Request::category(name),
        });
    }
    // Domains: every --by, the region and key-group columns, known demographics, weighting vars.
    let mut by_specs: Vec<String> = Vec::new();
    for spec in [&a.region_col, &a.group_col] {
        if header.iter().any(|h| h == spec) {
            by_specs.push(spec.clone());
        }
    }
    for spec in &args.by {
        if !by_specs.contains(spec) {
            by_specs.push(spec.clone());
        }
    }
    let mut domain_vars: Vec<String> = Vec::new();
    let cal_specs: Vec<String> = if !args.poststratify.is_empty() {
        vec![
            args.poststratify
                .iter()
                .map(|s| s.trim())
                .collect::<Vec<_>>()
                .join("+"),
        ]
    } else {
        args.rake
            .iter()
            .chain(&args.calibrate)
            .map(|s| s.trim().to_string())
            .collect()
    };
    for spec in by_specs.iter().chain(&cal_specs) {
        for v in split_vars(spec) {
            if !domain_vars.iter().any(|d| d == v) {
                domain_vars.push(v.to_string());
            }
        }
    }
    for v in KNOWN_DOMAINS {
        if header.iter().any(|h| h == v) && !domain_vars.iter().any(|d| d == v) {
            domain_vars.push(v.to_string());
        }
    }
    for v in &domain_vars {
        push(Request::category(v.as_str()));
    }

    let table = read_table(&args.file, &req)
        .map_err(|e| hint_default_column(e, args))
        .with_context(|| file.clone())?;
    let n = table.n_rows();
    let in_file = |e: SurveyError| anyhow::Error::new(table.locate(e)).context(file.clone());
    let y = rule.evaluate(&table).map_err(in_file)?;
    let weights = match weight_col {
        Some(c) => table.number(c).map_err(in_file)?.to_vec(),
        None => vec![1.0; n],
    };
    let lonely_psu = match args.lonely_psu {
        super::LonelyArg::Fail => LonelyPsu::Fail,
        super::LonelyArg::Remove => LonelyPsu::Remove,
        super::LonelyArg::Certainty => LonelyPsu::Certainty,
        super::LonelyArg::Adjust => LonelyPsu::Adjust,
        super::LonelyArg::Average => LonelyPsu::Average,
    };
    let strata_f = strata_col
        .map(|c| table.factor(c))
        .transpose()
        .map_err(in_file)?;
    let psu_f = psu_col
        .map(|c| table.factor(c))
        .transpose()
        .map_err(in_file)?;
    let fpc = args
        .fpc
        .as_deref()
        .map(|c| table.number(c))
        .transpose()
        .map_err(in_file)?;
    let design = Design::new(DesignSpec {
        strata: strata_f,
        psu: psu_f,
        weights: weights.clone(),
        weight_column: weight_col.unwrap_or("weight"),
        fpc_column: args.fpc.as_deref().unwrap_or("fpc"),
        fpc,
        lonely_psu,
    })
    .map_err(in_file)?;
    let design_json = serde_json::json!({
        "strata": strata_col, "psu": psu_col, "weight": weight_col, "fpc": args.fpc,
        "n_strata": design.n_strata(), "n_psu": design.n_psu(),
        "lonely_psu": lonely_psu.as_str(), "lonely_strata": design.lonely_strata(),
    });

    let margins_name = args
        .margins
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let mut cal_factors: Vec<(Factor, Margin)> = Vec::new();
    for spec in &cal_specs {
        let vars = split_vars(spec);
        let margin = find_margin(&margins, &vars).with_context(|| margins_name.clone())?;
        let parts = vars
            .iter()
            .map(|v| table.factor(v))
            .collect::<Result<Vec<_>, _>>()
            .map_err(in_file)?;
        cal_factors.push((Factor::cross(&parts).map_err(in_file)?, margin));
    }
    let cals: Vec<Calibration<'_>> = cal_factors
        .iter()
        .map(|(factor, margin)| Calibration { factor, margin })
        .collect();
    let weighting = if !args.poststratify.is_empty() {
        Weighting::PostStratify(cals[0])
    } else if !args.rake.is_empty() {
        Weighting::Rake {
            margins: cals,
            variance: match args.rake_variance {
                super::RakeVarianceArg::Greg => RakeVariance::Greg,
                super::RakeVarianceArg::RRake => RakeVariance::RRake,
            },
            control: RakeControl::default(),
        }
    } else if !args.calibrate.is_empty() {
        Weighting::Linear { margins: cals }
    } else {
        Weighting::Design
    };
    let survey_est = Survey::new(design, y.clone(), &weighting).map_err(|e| {
        anyhow::Error::new(table.locate(e)).context(format!("{file} / {margins_name}"))
    })?;
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
    let bytes = std::fs::read(&args.file).with_context(|| file.clone())?;
    let sha = format!("{:x}", sha2::Sha256::digest(&bytes));
    let base = args
        .file
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.clone());
    let wave = NewWave {
        region_code: a.region.clone(),
        year: a.year,
        name: a.name.clone(),
        rule: serde_json::to_value(rule.record())?,
        design: design_json,
        weighting: serde_json::to_value(survey_est.weighting())?,
        warnings: survey_est.warnings().to_vec(),
        source_file: base,
        source_sha256: sha,
    };
    let overall = results
        .iter()
        .find(|r| r.by_var == "overall")
        .cloned()
        .context("没有总体估计 (no overall estimate)")?;
    let actor = kesu_store::Actor::cli();
    let outcome = with_db(g, |db| async move {
        let outcome =
            survey::import_wave(&db, &actor, &wave, &respondents, &margin_rows, &results).await?;
        if !matches!(outcome, Imported::Unchanged(_)) {
            // The indicator keeps percent; the interval is the logit one when defined.
            let r = kesu_store::indicators::NewRecord {
                region_code: wave.region_code.clone(),
                year: wave.year,
                key: kesu_store::indicators::LITERACY_SHARE.to_string(),
                value: 100.0 * overall.est,
                low: Some(100.0 * overall.logit_l.unwrap_or(overall.wald_l.max(0.0))),
                high: Some(100.0 * overall.logit_u.unwrap_or(overall.wald_u.min(1.0))),
                source: format!(
                    "{}年{}（调查 #{}）",
                    wave.year,
                    wave.name,
                    outcome.wave_id()
                ),
            };
            kesu_store::indicators::record_value(&db, &r, &actor).await?;
        }
        Ok(outcome)
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
