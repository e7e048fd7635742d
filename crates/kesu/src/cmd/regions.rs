//! `kesu regions …`: the administrative division tree.

use super::GlobalOpts;
use super::db::{print_json, print_table, with_db};
use super::plan::ListFormat;
use clap::{Args, Subcommand, ValueEnum};
use kesu_core::RegionLevel;
use kesu_store::Actor;
use kesu_store::regions::{self, Region};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Subcommand)]
pub enum RegionsCmd {
    /// 导入区划代码：五级 CSV 目录（provinces.csv … villages.csv）或 code,name 单个 CSV (.csv.gz)
    Import(ImportArgs),
    /// 查看区划：名称、路径、下级数量、人口 (show a region)
    Show(ShowArgs),
    /// 列出区划：某区划之下、某一级 (list a subtree or a level)
    List(ListArgs),
    /// 按名称查找区划，例如 娄底 → 4313 (search by name)
    Search(SearchArgs),
    /// 导入人口：code,year,population[,urban,rural][,male_15-59,…] (import population)
    Population(PopulationArgs),
    /// 计时：子树与名称查询 (time subtree and name queries)
    #[command(hide = true)]
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// 目录（五级 CSV）或单个 code,name CSV 文件
    pub path: PathBuf,
    /// 区划代码版本，例如 2023（目录中 README 写明时可省略）
    #[arg(long)]
    pub edition: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// 区划代码（2、4、6、9 或 12 位）
    pub code: String,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
}

/// Region levels on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LevelArg {
    Province,
    City,
    County,
    Township,
    Village,
}

impl From<LevelArg> for RegionLevel {
    fn from(l: LevelArg) -> Self {
        match l {
            LevelArg::Province => Self::Province,
            LevelArg::City => Self::City,
            LevelArg::County => Self::County,
            LevelArg::Township => Self::Township,
            LevelArg::Village => Self::Village,
        }
    }
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// 只列此区划之下（默认全国）
    #[arg(long)]
    pub within: Option<String>,
    /// 只列这一级；默认为下一级（直接下级）
    #[arg(long, value_enum)]
    pub level: Option<LevelArg>,
    /// 列出所有级别的全部下级
    #[arg(long, conflicts_with = "level")]
    pub all: bool,
    /// 最多列出多少条
    #[arg(long)]
    pub limit: Option<i64>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    pub name: String,
    #[arg(long, default_value_t = 20)]
    pub limit: i64,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct PopulationArgs {
    pub file: PathBuf,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// 子树查询的区划（默认 50 重庆市，查全部村级）
    #[arg(long, default_value = "50")]
    pub within: String,
    /// 名称查询
    #[arg(long, default_value = "娄底")]
    pub name: String,
    #[arg(long, default_value_t = 20)]
    pub runs: usize,
}

pub fn run(g: &GlobalOpts, cmd: RegionsCmd) -> anyhow::Result<()> {
    match cmd {
        RegionsCmd::Import(a) => import(g, a),
        RegionsCmd::Show(a) => show(g, a),
        RegionsCmd::List(a) => list(g, a),
        RegionsCmd::Search(a) => search(g, a),
        RegionsCmd::Population(a) => population(g, a),
        RegionsCmd::Bench(a) => bench(g, a),
    }
}

fn import(g: &GlobalOpts, a: ImportArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let s = with_db(g, |db| async move {
        Ok(regions::import_path(&db, &Actor::cli(), &a.path, a.edition.as_deref()).await?)
    })?;
    let secs = started.elapsed().as_secs_f64();
    if a.format == ListFormat::Json {
        print_json(&s)?;
    }
    let per: Vec<String> = s
        .levels
        .iter()
        .filter(|l| l.count > 0)
        .map(|l| format!("{} {}", l.level.zh(), l.count))
        .collect();
    eprintln!(
        "已导入区划 {} 条（{}），版本 {}，用时 {secs:.2} 秒 (imported)",
        s.total,
        per.join("，"),
        s.edition
    );
    if s.not_in_edition > 0 {
        eprintln!(
            "另有 {} 条已存区划不在此版本中，已保留 (kept: not in this edition)",
            s.not_in_edition
        );
    }
    Ok(())
}

fn level_label(r: &Region) -> &'static str {
    r.level.zh()
}

fn show(g: &GlobalOpts, a: ShowArgs) -> anyhow::Result<()> {
    let d = with_db(
        g,
        |db| async move { Ok(regions::show(&db, &a.code).await?) },
    )?;
    if a.format == ListFormat::Json {
        return print_json(&d);
    }
    let path: Vec<&str> = d.path.iter().map(|r| r.name.as_str()).collect();
    let mut rows = vec![
        vec!["代码".to_string(), d.region.code.clone()],
        vec!["名称".to_string(), d.region.name.clone()],
        vec!["级别".to_string(), level_label(&d.region).to_string()],
        vec![
            "路径".to_string(),
            if path.is_empty() {
                "—".to_string()
            } else {
                format!("{} › {}", path.join(" › "), d.region.name)
            },
        ],
        vec!["直接下级".to_string(), d.children.to_string()],
    ];
    for c in &d.descendants {
        rows.push(vec![format!("{}下级", c.level.zh()), c.count.to_string()]);
    }
    if let Some(p) = &d.population {
        rows.push(vec![
            format!("人口（{}年）", p.year),
            p.population.to_string(),
        ]);
    }
    rows.push(vec!["版本".to_string(), d.region.edition.clone()]);
    print_table(&["项目", "内容"], &rows)
}

fn region_rows(list: &[Region]) -> Vec<Vec<String>> {
    list.iter()
        .map(|r| {
            vec![
                r.code.clone(),
                r.name.clone(),
                level_label(r).to_string(),
                r.parent_code.clone().unwrap_or_default(),
            ]
        })
        .collect()
}

fn print_regions(list: &[Region], format: ListFormat) -> anyhow::Result<()> {
    if format == ListFormat::Json {
        return print_json(&list);
    }
    print_table(&["代码", "名称", "级别", "上级"], &region_rows(list))?;
    eprintln!("共 {} 条 (rows)", list.len());
    Ok(())
}

fn list(g: &GlobalOpts, a: ListArgs) -> anyhow::Result<()> {
    let list = with_db(g, |db| async move {
        let within = a.within.as_deref();
        let list = if a.all || a.level.is_some() {
            regions::subtree(&db, within, a.level.map(Into::into), a.limit).await?
        } else {
            let mut l = regions::children(&db, within).await?;
            if let Some(n) = a.limit {
                l.truncate(usize::try_from(n).unwrap_or(0));
            }
            l
        };
        Ok(list)
    })?;
    print_regions(&list, a.format)
}

fn search(g: &GlobalOpts, a: SearchArgs) -> anyhow::Result<()> {
    let list = with_db(g, |db| async move {
        Ok(regions::search(&db, &a.name, a.limit).await?)
    })?;
    print_regions(&list, a.format)
}

fn population(g: &GlobalOpts, a: PopulationArgs) -> anyhow::Result<()> {
    let s = with_db(g, |db| async move {
        Ok(regions::import_population(&db, &Actor::cli(), &a.file).await?)
    })?;
    if a.format == ListFormat::Json {
        print_json(&s)?;
    }
    let years: Vec<String> = s.years.iter().map(|y| y.to_string()).collect();
    eprintln!(
        "已导入人口 {} 行：{} 个区划，年份 {}，分组数据 {} 项 (imported)",
        s.rows,
        s.regions,
        years.join("、"),
        s.groups
    );
    Ok(())
}

/// Median of `runs` timings of `f`, in milliseconds.
async fn time_ms<F, Fut, T>(runs: usize, mut f: F) -> anyhow::Result<(f64, T)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        last = Some(f().await?);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let median = times.get(times.len() / 2).copied().unwrap_or(0.0);
    let out = last.ok_or_else(|| anyhow::anyhow!("no run"))?;
    Ok((median, out))
}

fn bench(g: &GlobalOpts, a: BenchArgs) -> anyhow::Result<()> {
    with_db(g, |db| async move {
        let within = a.within.clone();
        let (sub_ms, villages) = time_ms(a.runs, || {
            let db = db.clone();
            let within = within.clone();
            async move {
                Ok(regions::subtree(&db, Some(&within), Some(RegionLevel::Village), None).await?)
            }
        })
        .await?;
        let name = a.name.clone();
        let (search_ms, found) = time_ms(a.runs, || {
            let db = db.clone();
            let name = name.clone();
            async move { Ok(regions::search(&db, &name, 20).await?) }
        })
        .await?;
        let (show_ms, _) = time_ms(a.runs, || {
            let db = db.clone();
            let within = within.clone();
            async move { Ok(regions::show(&db, &within).await?) }
        })
        .await?;
        println!(
            "subtree {} villages: {} rows, median {sub_ms:.1} ms",
            a.within,
            villages.len()
        );
        println!(
            "search {}: {} (first {}), median {search_ms:.1} ms",
            a.name,
            found.len(),
            found.first().map_or("-", |r| r.code.as_str())
        );
        println!("show {}: median {show_ms:.1} ms", a.within);
        Ok(())
    })
}
