//! `kesu assess`: the annual assessment (考核) of a plan's counties or units with a scheme.

use super::GlobalOpts;
use super::db::{print_json, print_table, with_db};
use super::indicators::today;
use anyhow::Context;
use clap::{Args, ValueEnum};
use kesu_indicators::Scheme;
use kesu_store::indicators::{self, AssessBy, AssessQuery, ExtraInputs};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AssessFormat {
    Table,
    Json,
    Xlsx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ByArg {
    /// 方案所属区划的下级地区（如市的各县市区）
    Regions,
    /// 承担方案任务的责任单位
    Units,
}

#[derive(Debug, Args)]
pub struct AssessArgs {
    /// 考核方案：`stored` 为纲要办在页面上配置的方案（方案所属地区或其上级的最新版本，均未配置时为内置默认方案），`default` 为内置默认方案，否则为 JSON 文件
    #[arg(long, default_value = "stored")]
    pub scheme: String,
    #[arg(long)]
    pub plan: i64,
    #[arg(long)]
    pub year: i32,
    /// 考核对象
    #[arg(long, value_enum, default_value = "regions")]
    pub by: ByArg,
    /// 补充的评分输入 JSON：{"431302": {"funding": {"done": true}, …}, …}。考核页面上录入的自评分、评审分和完成情况总是计入；本文件与之合并，同一项的同一字段以本文件为准
    #[arg(long)]
    pub inputs: Option<PathBuf>,
    /// 前几名列为表彰候选（并列者一并列入）
    #[arg(long, default_value_t = 3)]
    pub top: u32,
    #[arg(long, value_enum, default_value = "table")]
    pub format: AssessFormat,
    /// .xlsx 的输出文件（默认 assessment-<方案>-<年度>.xlsx）
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
}

/// The scheme named on the command line; `None` for `stored` (the region's configured scheme,
/// read from the database once the region is known).
pub fn load_scheme(arg: &str) -> anyhow::Result<Option<Scheme>> {
    match arg {
        "stored" => Ok(None),
        "default" => Ok(Some(Scheme::default_scheme()?)),
        _ => {
            let text = std::fs::read_to_string(arg)
                .with_context(|| format!("无法读取考核方案 {arg} (cannot read scheme)"))?;
            Ok(Some(Scheme::from_json(&text, arg)?))
        }
    }
}

/// The scheme to use for `region`: the one given, else the region's stored scheme.
pub async fn scheme_or_stored(
    db: &kesu_store::Db,
    given: Option<Scheme>,
    region: &str,
) -> anyhow::Result<Scheme> {
    Ok(match given {
        Some(s) => s,
        None => kesu_store::assessment::scheme_for(db, region).await?.scheme,
    })
}

/// The `--inputs FILE` of scores and facts, if given (an empty set otherwise).
pub fn load_inputs(path: Option<&PathBuf>) -> anyhow::Result<ExtraInputs> {
    let Some(p) = path else {
        return Ok(ExtraInputs::new());
    };
    let text = std::fs::read_to_string(p)
        .with_context(|| format!("无法读取评分输入 {} (cannot read inputs)", p.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "评分输入 {} 第 {} 行第 {} 列有误：{e} (bad inputs file)",
            p.display(),
            e.line(),
            e.column()
        )
    })
}

pub fn run(g: &GlobalOpts, a: AssessArgs) -> anyhow::Result<()> {
    let scheme = load_scheme(&a.scheme)?;
    let inputs = load_inputs(a.inputs.as_ref())?;
    let by = match a.by {
        ByArg::Regions => AssessBy::Regions,
        ByArg::Units => AssessBy::Units,
    };
    let (plan, year, top) = (a.plan, a.year, a.top);
    let r = with_db(g, |db| async move {
        let region = kesu_store::plans::get(&db, plan).await?.region_code;
        let scheme = scheme_or_stored(&db, scheme, &region).await?;
        let q = AssessQuery {
            plan_id: plan,
            year,
            by,
            scheme: &scheme,
            inputs: &inputs,
            today: today(),
            top,
        };
        Ok(indicators::assess(&db, &q).await?)
    })?;
    match a.format {
        AssessFormat::Json => print_json(&r),
        AssessFormat::Xlsx => {
            let bytes = kesu_web::pages::dashboard::export::assessment_xlsx(&r)
                .map_err(|e| anyhow::anyhow!("无法生成 .xlsx：{e:?} (xlsx failed)"))?;
            let out = a.output.unwrap_or_else(|| {
                PathBuf::from(format!("assessment-{}-{}.xlsx", r.plan_id, r.year))
            });
            std::fs::write(&out, bytes)
                .with_context(|| format!("无法写入 {} (cannot write)", out.display()))?;
            eprintln!(
                "已写出 {}：{} 个考核对象 (written)",
                out.display(),
                r.assessment.results.len()
            );
            Ok(())
        }
        AssessFormat::Table => {
            let rows: Vec<Vec<String>> = r
                .assessment
                .results
                .iter()
                .map(|s| {
                    vec![
                        s.rank.to_string(),
                        s.name.clone(),
                        kesu_core::plan::fmt_num(s.total),
                        if r.commendation.contains(&s.id) {
                            "表彰候选".into()
                        } else {
                            String::new()
                        },
                    ]
                })
                .collect();
            print_table(&["名次", "名称", "总分", ""], &rows)?;
            for c in &r.concerns {
                eprintln!("{}：{}", c.name, c.reason);
            }
            eprintln!(
                "{} {} 年度考核（{}，满分 {}）",
                r.plan_title,
                r.year,
                r.assessment.scheme,
                kesu_core::plan::fmt_num(r.assessment.max_total)
            );
            Ok(())
        }
    }
}
