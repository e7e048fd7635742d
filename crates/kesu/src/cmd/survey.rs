//! `kesu survey …`: estimate the literacy share from respondents (no database). The command
//! opens the files and prints; the job is `kesu_app::survey::estimate`.

use super::GlobalOpts;
use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use kesu_survey::job::{Estimation, Options, Source};
use kesu_survey::{DomainEstimate, Factor, Grade, LonelyPsu, RakeVariance};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use unicode_width::UnicodeWidthStr;

#[path = "survey_store.rs"]
mod survey_store;

#[derive(Debug, Subcommand)]
pub enum SurveyCmd {
    /// 估计具备科学素质的比例 (estimate the literacy share)
    Estimate(Box<EstimateArgs>),
    /// 生成合成受访者数据（基准测试用）(synthetic respondents for benchmarks)
    #[command(hide = true)]
    Synth(SynthArgs),
    /// 导入一次调查（受访者、设计、规则）并保存估计结果 (store a survey wave and its estimates)
    #[command(after_long_help = survey_store::POPULATION_HELP)]
    Import(Box<survey_store::ImportArgs>),
    /// 已导入的调查 (stored survey waves)
    Waves(survey_store::WavesArgs),
    /// 一次调查的估计结果 (stored results of a wave)
    Results(survey_store::ResultsArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Csv,
    Json,
    Table,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LonelyArg {
    Fail,
    Remove,
    Certainty,
    Adjust,
    Average,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RakeVarianceArg {
    /// GREG linearisation (R calibrate(calfun="raking"))
    Greg,
    /// R rake() back-fitting
    #[value(name = "r-rake")]
    RRake,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GradeArg {
    /// 具备高阶科学素质 (score >= 85)
    High,
    /// 具备科学素质 (score >= 70)
    Literate,
    /// 基本具备科学素质 (score >= 55)
    Basic,
}

#[derive(Debug, Args)]
pub struct EstimateArgs {
    /// 受访者文件：CSV（UTF-8 或 GB18030）或 .xlsx (respondents file)
    pub file: PathBuf,
    /// 分层列；none 表示不分层 (strata column; `none`: one stratum)
    #[arg(long, default_value = "stratum")]
    pub strata: String,
    /// 初级抽样单元列（层内嵌套）；none 表示每个受访者即一个 PSU (PSU column)
    #[arg(long, default_value = "psu")]
    pub psu: String,
    /// 设计权数列；none 表示等权 (design weight column; `none`: all 1)
    #[arg(long, default_value = "weight")]
    pub weight: String,
    /// 有限总体校正列：层内 PSU 总数（>=1）或抽样比（<=1）(fpc column)
    #[arg(long)]
    pub fpc: Option<String>,
    /// 0/1 列：是否具备科学素质 (0/1 literacy column; default `literate`)
    #[arg(long, conflicts_with_all = ["score", "answer_key"])]
    pub literate: Option<String>,
    /// 得分列（满分100），与 --threshold 比较 (score column)
    #[arg(long, conflicts_with = "answer_key")]
    pub score: Option<String>,
    /// 及格分（默认 70，即 score >= 70）(pass mark)
    #[arg(long, conflicts_with = "grade")]
    pub threshold: Option<f64>,
    /// 按 2024 分级：high >= 85, literate >= 70, basic >= 55 (grade instead of a threshold)
    #[arg(long, value_enum, requires = "score")]
    pub grade: Option<GradeArg>,
    /// 严格大于及格分（默认为大于等于）(score > threshold instead of >=)
    #[arg(long)]
    pub strict: bool,
    /// 标准答案表 CSV（item,key,points），item 为受访者文件中的作答列 (answer key)
    #[arg(long)]
    pub answer_key: Option<PathBuf>,
    /// 事后分层变量（联合单元）(post-stratify on the crossing of these variables)
    #[arg(long, value_delimiter = ',', conflicts_with_all = ["rake", "calibrate"])]
    pub poststratify: Vec<String>,
    /// 多边际迭代加权的边际（可用 a+b 表示联合边际）(rake to these margins)
    #[arg(long, value_delimiter = ',', conflicts_with = "calibrate")]
    pub rake: Vec<String>,
    /// 线性校准（GREG）的边际 (linear calibration to these margins)
    #[arg(long, value_delimiter = ',')]
    pub calibrate: Vec<String>,
    /// 总体边际表：margin,level,N (population margins)
    #[arg(long)]
    pub margins: Option<PathBuf>,
    /// raking 的方差：greg（默认）或 r-rake（与 R rake() 一致）(raking variance)
    #[arg(long, value_enum, default_value = "greg")]
    pub rake_variance: RakeVarianceArg,
    /// 分组估计变量；a+b 表示交叉分组 (domains: variables or crossings like region+sex)
    #[arg(long, value_delimiter = ',')]
    pub by: Vec<String>,
    /// 只有一个 PSU 的层如何处理 (lonely PSU policy)
    #[arg(long, value_enum, default_value = "fail")]
    pub lonely_psu: LonelyArg,
    /// 两个分组之差：VAR:A:B，如 urban:1:0 (difference of two domains, json/table output)
    #[arg(long)]
    pub contrast: Vec<String>,
    #[arg(long, value_enum, default_value = "csv")]
    pub format: Format,
    /// 输出文件（默认标准输出）(output file)
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// Print the time of each phase to stderr (benchmarks).
    #[arg(long, hide = true)]
    pub timings: bool,
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// 受访者人数 (respondents)
    #[arg(long, default_value_t = 1_000_000)]
    pub rows: usize,
    #[arg(long, default_value_t = 20240416)]
    pub seed: u64,
    /// 每层 PSU 数 (PSUs per stratum; 12 strata)
    #[arg(long, default_value_t = 400)]
    pub psus_per_stratum: usize,
    /// 输出目录：写入 respondents.csv 和 margins.csv (output directory)
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(_g: &GlobalOpts, cmd: SurveyCmd) -> anyhow::Result<()> {
    match cmd {
        SurveyCmd::Estimate(a) => estimate(*a),
        SurveyCmd::Synth(a) => synth(a),
        SurveyCmd::Import(a) => survey_store::import(_g, *a),
        SurveyCmd::Waves(a) => survey_store::waves(_g, a),
        SurveyCmd::Results(a) => survey_store::results(_g, a),
    }
}

// ---------------------------------------------------------------------------------------------
// estimate

/// The options of the job, as `kesu_survey` states them (shared by `estimate` and `import`).
fn options(args: &EstimateArgs) -> Options {
    Options {
        strata: args.strata.clone(),
        psu: args.psu.clone(),
        weight: args.weight.clone(),
        fpc: args.fpc.clone(),
        literate: args.literate.clone(),
        score: args.score.clone(),
        threshold: args.threshold,
        grade: args.grade.map(|g| match g {
            GradeArg::High => Grade::High,
            GradeArg::Literate => Grade::Literate,
            GradeArg::Basic => Grade::Basic,
        }),
        strict: args.strict,
        poststratify: args.poststratify.clone(),
        rake: args.rake.clone(),
        calibrate: args.calibrate.clone(),
        rake_variance: match args.rake_variance {
            RakeVarianceArg::Greg => RakeVariance::Greg,
            RakeVarianceArg::RRake => RakeVariance::RRake,
        },
        lonely_psu: match args.lonely_psu {
            LonelyArg::Fail => LonelyPsu::Fail,
            LonelyArg::Remove => LonelyPsu::Remove,
            LonelyArg::Certainty => LonelyPsu::Certainty,
            LonelyArg::Adjust => LonelyPsu::Adjust,
            LonelyArg::Average => LonelyPsu::Average,
        },
        by: args.by.clone(),
        contrasts: args.contrast.clone(),
    }
}

/// Open an input file, named by its path in every error (exit 66 for a missing file).
fn open(path: &Path) -> anyhow::Result<Source<File>> {
    let name = path.display().to_string();
    check_input(path).with_context(|| name.clone())?;
    let file = File::open(path).with_context(|| name.clone())?;
    Ok(Source::new(name, file))
}

fn estimate(args: EstimateArgs) -> anyhow::Result<()> {
    let respondents = open(&args.file)?;
    if !args.contrast.is_empty() && args.format == Format::Csv {
        anyhow::bail!(
            "--contrast 的结果只在 --format json 或 table 中输出 (contrasts need --format json or table)"
        );
    }
    let answer_key = args.answer_key.as_deref().map(open).transpose()?;
    let margins = args.margins.as_deref().map(open).transpose()?;
    let report = kesu_app::survey::estimate(&options(&args), respondents, answer_key, margins)?;
    for w in &report.warnings {
        eprintln!("警告 (warning): {w}");
    }
    let clock = std::time::Instant::now();
    write_output(&args, &report)?;
    if args.timings {
        let mut prev = 0.0;
        for (name, t) in &report.phases {
            eprintln!("timing {name}: {:.3} s", t - prev);
            prev = *t;
        }
        eprintln!("timing output: {:.3} s", clock.elapsed().as_secs_f64());
    }
    Ok(())
}

/// A missing file or a directory, as an error naming it (exit 66 for a missing file).
fn check_input(path: &Path) -> anyhow::Result<()> {
    let meta = std::fs::metadata(path).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "文件不存在 (no such file)",
            std::io::ErrorKind::PermissionDenied => "没有读取权限 (permission denied)",
            _ => "无法读取 (cannot read)",
        };
        anyhow::Error::new(e).context(reason)
    })?;
    if meta.is_dir() {
        anyhow::bail!("这是一个目录，不是文件 (is a directory)");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Output.

fn write_output(args: &EstimateArgs, report: &Estimation) -> anyhow::Result<()> {
    let mut out: Box<dyn Write> = match &args.output {
        Some(p) => {
            let f = std::fs::File::create(p).map_err(|e| {
                anyhow::anyhow!("{}: 无法创建输出文件 (cannot create): {e}", p.display())
            })?;
            Box::new(std::io::BufWriter::new(f))
        }
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let result = match args.format {
        Format::Csv => write_csv(&mut out, &report.estimates),
        Format::Json => serde_json::to_writer_pretty(&mut out, report)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n")),
        Format::Table => write_table(&mut out, report),
    }
    .and_then(|()| out.flush());
    match result {
        // `kesu survey estimate … | head` closing the pipe early is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => {
            let target = args
                .output
                .as_ref()
                .map_or_else(|| "标准输出".to_string(), |p| p.display().to_string());
            Err(anyhow::anyhow!("{target}: 写入失败 (write failed): {e}"))
        }
        Ok(()) => Ok(()),
    }
}

/// The CSV header, fixed: the columns of R's reference output without its `design` column.
pub const CSV_HEADER: &str = "by,level,n,wsum,est,se,wald_l,wald_u,deff,df,logit_l,logit_u";

/// 15 significant digits (R's `%.15g`): full precision for any check, without the float noise
/// of a sum (`6000000.000000003`).
fn num(x: f64) -> String {
    let rounded: f64 = format!("{x:.14e}").parse().unwrap_or(x);
    format!("{rounded}")
}

fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "NA".to_string(), num)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn write_csv(out: &mut dyn Write, rows: &[DomainEstimate]) -> std::io::Result<()> {
    writeln!(out, "{CSV_HEADER}")?;
    for e in rows {
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{}",
            csv_field(&e.by),
            csv_field(&e.level),
            e.n,
            num(e.wsum),
            num(e.est),
            num(e.se),
            num(e.wald_l),
            num(e.wald_u),
            opt(e.deff),
            e.df,
            opt(e.logit_l),
            opt(e.logit_u)
        )?;
    }
    Ok(())
}

fn pad(s: &str, width: usize, right: bool) -> String {
    let w = s.width();
    let fill = " ".repeat(width.saturating_sub(w));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

fn write_table(out: &mut dyn Write, r: &Estimation) -> std::io::Result<()> {
    writeln!(out, "{}", r.file)?;
    writeln!(
        out,
        "判定规则 (rule): {} [v{}]",
        r.rule.description, r.rule.version
    )?;
    let d = &r.design;
    writeln!(
        out,
        "设计 (design): {} 名受访者, {} 层, {} 个 PSU, lonely-psu={}{}",
        d.respondents,
        d.n_strata,
        d.n_psu,
        d.lonely_psu.as_str(),
        d.fpc
            .as_ref()
            .map(|f| format!(", fpc={f}"))
            .unwrap_or_default()
    )?;
    let w = &r.weighting;
    let mut weighting = w.method.clone();
    if !w.margins.is_empty() {
        weighting.push_str(&format!(" ({})", w.margins.join(", ")));
    }
    if let Some(v) = w.variance {
        weighting.push_str(&format!(
            ", variance {}",
            match v {
                RakeVariance::Greg => "greg",
                RakeVariance::RRake => "r-rake",
            }
        ));
    }
    writeln!(
        out,
        "加权 (weighting): {weighting}; Σw = {:.0}",
        w.weight_sum
    )?;
    writeln!(out)?;
    let header = [
        "分组",
        "水平",
        "n",
        "N̂",
        "比例%",
        "SE%",
        "95% CI (logit)",
        "CV%",
        "deff",
        "df",
        "提示",
    ];
    let rows: Vec<[String; 11]> = r
        .estimates
        .iter()
        .map(|e| {
            [
                e.by.clone(),
                e.level.clone(),
                e.n.to_string(),
                format!("{:.0}", e.wsum),
                format!("{:.2}", 100.0 * e.est),
                format!("{:.2}", 100.0 * e.se),
                match (e.logit_l, e.logit_u) {
                    (Some(l), Some(u)) => format!("{:.2}–{:.2}", 100.0 * l, 100.0 * u),
                    _ => "—".into(),
                },
                e.cv.map_or_else(|| "—".into(), |c| format!("{:.1}", 100.0 * c)),
                e.deff.map_or_else(|| "—".into(), |x| format!("{x:.2}")),
                e.df.to_string(),
                e.flags
                    .iter()
                    .map(|f| f.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].width())
                .chain([header[c].width()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        cells
            .iter()
            .enumerate()
            .map(|(c, s)| pad(s, widths[c], (2..10).contains(&c)))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    writeln!(out, "{}", line(&header.map(String::from)))?;
    for row in &rows {
        writeln!(out, "{}", line(row))?;
    }
    if !r.contrasts.is_empty() {
        writeln!(out)?;
        writeln!(out, "差异 (differences):")?;
        for c in &r.contrasts {
            writeln!(
                out,
                "  {} − {}: {:+.2} 个百分点, SE {:.2}, 95% CI {:+.2}–{:+.2}, p = {:.3}{}",
                c.a,
                c.b,
                100.0 * c.est,
                100.0 * c.se,
                100.0 * c.wald_l,
                100.0 * c.wald_u,
                c.p_value,
                if c.p_value < 0.05 {
                    ""
                } else {
                    "（不显著 not significant）"
                }
            )?;
        }
    }
    for warning in &r.warnings {
        writeln!(out, "警告 (warning): {warning}")?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// synth

fn synth(a: SynthArgs) -> anyhow::Result<()> {
    use kesu_survey::synth::{COLUMNS, SynthSpec, margins, respondents};
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("{}: 无法创建目录 (cannot create)", a.out.display()))?;
    let t = respondents(SynthSpec {
        rows: a.rows,
        seed: a.seed,
        psus_per_stratum: a.psus_per_stratum,
    });
    let path = a.out.join("respondents.csv");
    let mut out = std::io::BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(&path).with_context(|| path.display().to_string())?,
    );
    write!(out, "id")?;
    for c in COLUMNS {
        write!(out, ",{c}")?;
    }
    writeln!(out)?;
    enum Col<'t> {
        Num(&'t [f64]),
        Cat(&'t Factor),
    }
    let cols: Vec<Col<'_>> = COLUMNS
        .iter()
        .map(|c| match t.column(c) {
            Some(kesu_survey::Column::Number(v)) => Ok(Col::Num(v)),
            Some(kesu_survey::Column::Category(f)) => Ok(Col::Cat(f)),
            None => Err(anyhow::anyhow!("synthetic column {c} missing")),
        })
        .collect::<anyhow::Result<_>>()?;
    for row in 0..t.n_rows() {
        write!(out, "{}", row + 1)?;
        for c in &cols {
            match c {
                Col::Num(v) => {
                    let x = v[row];
                    if x.fract() == 0.0 {
                        write!(out, ",{}", x as i64)?;
                    } else {
                        write!(out, ",{x:.6}")?;
                    }
                }
                Col::Cat(f) => write!(out, ",{}", f.levels()[f.codes()[row] as usize])?,
            }
        }
        writeln!(out)?;
    }
    out.flush()?;
    let mpath = a.out.join("margins.csv");
    let mut m = std::io::BufWriter::new(
        std::fs::File::create(&mpath).with_context(|| mpath.display().to_string())?,
    );
    writeln!(m, "margin,level,N")?;
    for margin in margins() {
        for (l, n) in margin.levels.iter().zip(&margin.totals) {
            writeln!(m, "{},{l},{n}", margin.name)?;
        }
    }
    m.flush()?;
    eprintln!(
        "wrote {} respondents to {} and margins to {}",
        t.n_rows(),
        path.display(),
        mpath.display()
    );
    Ok(())
}
