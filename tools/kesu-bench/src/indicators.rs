//! `kesu-bench indicators`: the dashboards of a region of the NBS division tables — a city, a
//! province, or the whole country (`--prefix ""`) — timed on a fresh database.
//!
//! Builds (in a temporary SQLite file, or the database given): the division tree under the
//! prefix from `shared/data/divisions`; county populations; a plan for the region with a
//! literacy-share goal, a farmer-training count and a per-village target that every village
//! reports on (the tasks enrolled to the villages), and a science-base stock the region's
//! association reports; one round per quarter for `--years` years with every slot accepted
//! (`import_history`, deterministic synthetic values); county survey shares for each year.
//!
//! Then times, over `--runs` repetitions: the store's views (warm, and the first view after a
//! report or after another write), the pages through a real server on 127.0.0.1 (not for the
//! whole country: no account covers it), and the annual report (the page; for the whole
//! country the same store calls the page makes). Prints a Markdown table (p50, p95, max), the
//! memory the serving part peaked at and what the indicator cache holds.

use anyhow::Context;
use clap::Args;
use kesu_core::RegionLevel;
use kesu_core::report::Period;
use kesu_store::indicators::{self as ind, HistoryValue, Query};
use kesu_store::{Actor, Db, reporting};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// 五级区划 CSV 目录（provinces.csv … villages.csv）
    #[arg(long, default_value = "../shared/data/divisions")]
    pub divisions: PathBuf,
    /// 只取此代码开头的区划（默认 50 重庆市；"" 为全国）
    #[arg(long, default_value = "50")]
    pub prefix: String,
    /// 第一年（每季度一轮）
    #[arg(long, default_value_t = 2021)]
    pub first_year: i32,
    #[arg(long, default_value_t = 5)]
    pub years: i32,
    /// 每项计时的重复次数
    #[arg(long, default_value_t = 30)]
    pub runs: usize,
    /// 冷视图（写入后第一次查看）的重复次数
    #[arg(long, default_value_t = 10)]
    pub cold_runs: usize,
    /// 数据库中已有本测试的数据时直接计时（配合 --database-url，省去准备）
    #[arg(long)]
    pub reuse: bool,
}

/// A small deterministic hash for synthetic values.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

fn code_num(code: &str) -> u64 {
    code.bytes().fold(0u64, |a, b| {
        a.wrapping_mul(10)
            .wrapping_add(u64::from(b.wrapping_sub(b'0')))
    })
}

/// The plan, worded for the region.
fn plan_text(name: &str) -> String {
    format!(
        "{name}全民科学素质行动规划纲要实施方案（2021—2025年）\n\
一、主要目标\n\
到2025年，公民具备科学素质的比例超过15%。\n\
二、提升行动\n\
（一）农民科学素质提升行动\n\
1.开展农民教育培训，累计培训农民50万人次以上。（各村民委员会负责）\n\
2.实施乡村振兴人才培育计划，每个村至少培育1名创业创新带头人。（各村民委员会负责）\n\
（二）基层科普能力提升工程\n\
3.到2025年，认定各级各类科普基地400家以上。（市科协负责）\n"
    )
}

/// `code,name` lines of the divisions under `prefix` (all five levels) and above it.
fn divisions_csv(dir: &Path, prefix: &str) -> anyhow::Result<String> {
    let mut out = String::from("code,name\n");
    for file in [
        "provinces.csv",
        "cities.csv",
        "areas.csv",
        "streets.csv",
        "villages.csv",
    ] {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("无法读取 {} (cannot read)", path.display()))?;
        for line in text.lines().skip(1) {
            let mut it = line.splitn(3, ',');
            let (Some(code), Some(name)) = (it.next(), it.next()) else {
                continue;
            };
            let code = code.trim_matches('"');
            // The region's subtree, and its ancestors (a region is stored under its parent).
            if code.starts_with(prefix) || (!code.is_empty() && prefix.starts_with(code)) {
                out.push_str(code);
                out.push(',');
                out.push_str(name);
                out.push('\n');
            }
        }
    }
    Ok(out)
}

struct Timing {
    what: String,
    samples: Vec<Duration>,
}

impl Timing {
    fn row(&self) -> String {
        let mut s = self.samples.clone();
        s.sort();
        let q = |p: f64| {
            let i = ((s.len() as f64 * p).ceil() as usize).clamp(1, s.len()) - 1;
            ms(s[i])
        };
        format!(
            "| {} | {} | {} | {} | {} |",
            self.what,
            s.len(),
            q(0.5),
            q(0.95),
            s.last().map_or_else(String::new, |d| ms(*d))
        )
    }
}

fn ms(d: Duration) -> String {
    let x = d.as_secs_f64() * 1000.0;
    if x >= 100.0 {
        format!("{x:.0} ms")
    } else {
        format!("{x:.1} ms")
    }
}

async fn time_async<F, Fut, T>(what: &str, runs: usize, mut f: F) -> anyhow::Result<Timing>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    // One warm-up run (page cache, prepared statements, the live state), not counted.
    f().await?;
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f().await?;
        samples.push(t.elapsed());
    }
    Ok(Timing {
        what: what.to_string(),
        samples,
    })
}

/// A plain HTTP/1.1 request; the status, the head and the body.
fn http(addr: std::net::SocketAddr, req: &str) -> anyhow::Result<(u16, String, Vec<u8>)> {
    let mut s = std::net::TcpStream::connect(addr)?;
    s.write_all(req.as_bytes())?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)?;
    let head_end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(buf.len(), |i| i + 4);
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Ok((status, head, buf[head_end..].to_vec()))
}

fn get(addr: std::net::SocketAddr, cookie: &str, path: &str) -> anyhow::Result<usize> {
    let (status, _, body) = http(
        addr,
        &format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
        ),
    )?;
    anyhow::ensure!(status == 200, "GET {path}: HTTP {status}");
    Ok(body.len())
}

/// This process's resident memory and its peak since the last [`reset_peak`], in MiB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Start measuring the peak anew (Linux: writing 5 to clear_refs resets VmHWM).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

pub fn run(database_url: Option<&str>, a: BenchArgs) -> anyhow::Result<()> {
    let tmp = std::env::temp_dir().join(format!("kesu-bench-indicators-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let url = match database_url {
        Some(u) => u.to_string(),
        None => kesu_store::default_url(&tmp),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = rt.block_on(bench(&url, &a, &tmp));
    let _ = std::fs::remove_dir_all(&tmp);
    result
}

/// What the setup made.
struct World {
    plan_id: i64,
    training: i64,
    leaders: i64,
    /// A village's training slot in the last round, changed before each cold view.
    touched: (i64, i64),
    county: String,
    last: i32,
    villages: usize,
    values: usize,
}

async fn setup(db: &Db, a: &BenchArgs, tmp: &Path) -> anyhow::Result<World> {
    let actor = Actor::new("bench");
    let t0 = Instant::now();
    let csv = divisions_csv(&a.divisions, &a.prefix)?;
    let s = kesu_store::regions::import_seed_csv(db, &actor, csv.as_bytes(), "divisions", "2023")
        .await?;
    eprintln!(
        "区划 {} 条（{:.1} 秒）",
        s.total,
        t0.elapsed().as_secs_f64()
    );
    let within = (!a.prefix.is_empty()).then_some(a.prefix.as_str());
    let counties =
        kesu_store::regions::subtree(db, within, Some(RegionLevel::County), None).await?;
    let years: Vec<i32> = (a.first_year..a.first_year + a.years).collect();
    let mut pop = String::from("code,year,population\n");
    for c in &counties {
        for y in &years {
            let n = 200_000 + mix(code_num(&c.code)) % 1_500_000;
            pop.push_str(&format!("{},{y},{n}\n", c.code));
        }
    }
    let pop_file = tmp.join("population.csv");
    std::fs::write(&pop_file, pop)?;
    kesu_store::regions::import_population(db, &actor, &pop_file).await?;

    let name = match within {
        Some(p) => kesu_store::regions::get(db, p)
            .await?
            .map_or_else(|| p.to_string(), |r| r.name),
        None => "全国".to_string(),
    };
    let plan = kesu_plan::parse_text(&plan_text(&name))?;
    let src = kesu_store::plans::Source {
        name: "bench-plan.txt",
        sha256: "bench",
    };
    let plan_id = kesu_store::plans::import(db, &plan, &a.prefix, Some(&name), &src, &actor)
        .await?
        .plan_id();
    let tasks = kesu_store::plans::tasks(db, plan_id).await?;
    let targets = ind::plan_targets(db, plan_id).await?;
    eprintln!(
        "方案 {plan_id}：{} 项任务，{} 项指标",
        tasks.len(),
        targets.len()
    );
    let t1 = Instant::now();
    for t in tasks
        .iter()
        .filter(|t| t.title.contains("农民") || t.title.contains("人才"))
    {
        let n = ind::expand_entities(db, t.id, &a.prefix, RegionLevel::Village, &actor).await?;
        eprintln!(
            "任务 {} 展开到 {n} 个村（{:.1} 秒）",
            t.path,
            t1.elapsed().as_secs_f64()
        );
    }
    let find =
        |f: &dyn Fn(&ind::PlanTarget) -> bool| targets.iter().find(|t| f(t)).map(|t| t.target_id);
    let training = find(&|t| t.target.unit == "人次").context("bench plan: no training target")?;
    let leaders = find(&|t| t.target.per.is_some()).context("bench plan: no per-village target")?;
    let bases = find(&|t| t.target.unit == "家").context("bench plan: no science-base target")?;
    let task_of = |target: i64| {
        targets
            .iter()
            .find(|t| t.target_id == target)
            .and_then(|t| t.task_id)
    };
    let t2 = Instant::now();
    let mut reports = 0usize;
    let mut values_total = 0usize;
    let mut touched = None;
    for y in &years {
        for q in 1..=4u8 {
            let period = Period::Quarter {
                year: *y,
                quarter: q,
            };
            let (_, end) = period.dates();
            let round = reporting::open_round(
                db,
                &reporting::NewRound {
                    plan_id,
                    period,
                    due: end + time::Duration::days(15),
                    lock: end + time::Duration::days(30),
                    demo: false,
                },
                &actor,
            )
            .await?;
            let slots = ind::history_slots(db, round).await?;
            let mut values = Vec::with_capacity(slots.len());
            for s in &slots {
                let h = mix(code_num(&s.region_code) ^ (u64::from(q) << 40) ^ ((*y as u64) << 48));
                let village = s.region_code.len() == 12;
                let value = if village && Some(s.task_id) == task_of(training) {
                    // Farmers trained in the village this quarter.
                    touched = Some((round, s.report_id));
                    Some((training, (h % 13) as f64))
                } else if village && Some(s.task_id) == task_of(leaders) {
                    // Leaders cultivated: now and then one.
                    Some((leaders, f64::from(h.is_multiple_of(23))))
                } else if Some(s.task_id) == task_of(bases) {
                    // The association: science bases standing.
                    Some((
                        bases,
                        f64::from(60 + (y - a.first_year) * 70 + i32::from(q) * 15),
                    ))
                } else {
                    None
                };
                if let Some((target_id, value)) = value {
                    values.push(HistoryValue {
                        report_id: s.report_id,
                        target_id,
                        value,
                    });
                }
            }
            reports += values.len();
            values_total += values.len();
            ind::import_history(db, round, &values, &actor).await?;
            eprintln!(
                "{period}：{} 份报告（{:.1} 秒）",
                values.len(),
                t2.elapsed().as_secs_f64()
            );
        }
    }
    for c in &counties {
        for y in &years {
            let h = mix(code_num(&c.code) ^ (*y as u64));
            let v = 8.0 + f64::from(*y - a.first_year) * 1.2 + (h % 40) as f64 / 10.0;
            ind::record_value(
                db,
                &ind::NewRecord {
                    region_code: c.code.clone(),
                    year: *y,
                    key: ind::LITERACY_SHARE.into(),
                    value: v,
                    low: Some(v - 0.8),
                    high: Some(v + 0.8),
                    source: "合成数据".into(),
                },
                &actor,
            )
            .await?;
        }
    }
    let villages = kesu_store::regions::subtree(db, within, Some(RegionLevel::Village), None)
        .await?
        .len();
    eprintln!(
        "{} 轮、{reports} 份已通过报告（{:.1} 秒）",
        years.len() * 4,
        t2.elapsed().as_secs_f64()
    );
    Ok(World {
        plan_id,
        training,
        leaders,
        touched: touched.context("no village slot")?,
        county: counties.first().map(|c| c.code.clone()).unwrap_or_default(),
        last: *years.last().unwrap_or(&a.first_year),
        villages,
        values: values_total,
    })
}

/// What an earlier run built in this database, found again.
async fn found(db: &Db, a: &BenchArgs) -> anyhow::Result<Option<World>> {
    let Some(plan) = kesu_store::plans::list(db, &a.prefix)
        .await?
        .into_iter()
        .find(|p| {
            p.region_code == a.prefix && p.title.contains("全民科学素质行动规划纲要实施方案")
        })
    else {
        return Ok(None);
    };
    let targets = ind::plan_targets(db, plan.id).await?;
    let find = |f: &dyn Fn(&ind::PlanTarget) -> bool| targets.iter().find(|t| f(t)).cloned();
    let training = find(&|t| t.target.unit == "人次").context("no training target")?;
    let leaders = find(&|t| t.target.per.is_some()).context("no per-village target")?;
    let rounds: Vec<reporting::Round> = reporting::rounds_in(db, &a.prefix)
        .await?
        .into_iter()
        .filter(|r| r.plan_id == plan.id)
        .collect();
    let last_round = rounds.first().context("no round")?;
    let touched = ind::history_slots(db, last_round.id)
        .await?
        .into_iter()
        .rfind(|s| s.region_code.len() == 12 && Some(s.task_id) == training.task_id)
        .context("no village slot")?;
    let within = (!a.prefix.is_empty()).then_some(a.prefix.as_str());
    let counties =
        kesu_store::regions::subtree(db, within, Some(RegionLevel::County), Some(1)).await?;
    let villages = kesu_store::regions::subtree(db, within, Some(RegionLevel::Village), None)
        .await?
        .len();
    let last = Period::parse(&last_round.period)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .dates()
        .1
        .year();
    Ok(Some(World {
        plan_id: plan.id,
        training: training.target_id,
        leaders: leaders.target_id,
        touched: (last_round.id, touched.report_id),
        county: counties.first().map(|c| c.code.clone()).unwrap_or_default(),
        last,
        villages,
        values: 0,
    }))
}

async fn bench(url: &str, a: &BenchArgs, tmp: &Path) -> anyhow::Result<()> {
    let db = Db::open(url).await?;
    let w = match found(&db, a).await? {
        Some(w) if a.reuse => w,
        Some(_) => anyhow::bail!(
            "数据库中已有测试数据：加 --reuse 直接计时，或换一个新数据库 (already built)"
        ),
        None => setup(&db, a, tmp).await?,
    };
    let actor = Actor::new("bench");
    let as_of = time::Date::from_calendar_date(w.last + 1, time::Month::January, 20)?;
    let prefix = a.prefix.as_str();
    let (rss, peak) = memory();
    eprintln!("准备完毕：常驻内存 {rss:.0} MiB（准备阶段峰值 {peak:.0} MiB）；开始计时");
    // What follows is what a server does: the peak is measured from here.
    reset_peak();

    let mut timings = Vec::new();
    let q = Query::new(w.plan_id, as_of);
    let mut county_q = q.clone();
    county_q.region = Some(w.county.clone());
    // The first view after start reads the plan's accepted values in full.
    let t = Instant::now();
    ind::evaluate_plan(&db, &q).await?;
    timings.push(Timing {
        what: "first view after start: evaluate_plan (loads the plan's live state)".into(),
        samples: vec![t.elapsed()],
    });
    let stats = ind::cache_stats(&db).await;
    // A reused database's count is what the first view loaded.
    let values = if w.values == 0 {
        stats.observations
    } else {
        w.values
    };
    timings.push(
        time_async(
            "part: sync (writes since the last view)",
            a.runs,
            || async { Ok(ind::sync(&db).await?) },
        )
        .await?,
    );
    timings.push(
        time_async(
            "store: evaluate_plan (the region, 4 indicators)",
            a.runs,
            || async { Ok(ind::evaluate_plan(&db, &q).await?) },
        )
        .await?,
    );
    for (what, target, code) in [
        (
            "store: drill training count at the region",
            w.training,
            prefix,
        ),
        (
            "store: drill per-village target at the region",
            w.leaders,
            prefix,
        ),
        (
            "store: drill training count at a county",
            w.training,
            w.county.as_str(),
        ),
    ] {
        timings.push(
            time_async(what, a.runs, || async {
                Ok(ind::drill(&db, &q, target, code).await?)
            })
            .await?,
        );
    }

    // Cold: the first view after a change. Any write makes computed views stale; a report's
    // change also updates the live state along the report's path.
    let mut touch = 0.0;
    for (what, kind, report) in [
        (
            "cold after another write: evaluate_plan (the region)",
            0,
            false,
        ),
        (
            "cold after another write: drill training at the region",
            1,
            false,
        ),
        (
            "cold after another write: drill per-village target at the region",
            2,
            false,
        ),
        (
            "cold after another write: evaluate_plan (a county)",
            3,
            false,
        ),
        (
            "cold after another write: the region's children compared",
            4,
            false,
        ),
        ("cold after a report: evaluate_plan (the region)", 0, true),
        ("cold after a report: drill training at the region", 1, true),
        (
            "cold after a report: drill per-village target at the region",
            2,
            true,
        ),
        ("cold after a report: evaluate_plan (a county)", 3, true),
        (
            "cold after a report: the region's children compared",
            4,
            true,
        ),
    ] {
        let mut samples = Vec::new();
        // Warm the view once so that the sample is a first view after a write, not a first
        // view ever.
        view(&db, &q, &county_q, &w, prefix, kind).await?;
        for _ in 0..a.cold_runs {
            touch += 1.0;
            if report {
                ind::import_history(
                    &db,
                    w.touched.0,
                    &[HistoryValue {
                        report_id: w.touched.1,
                        target_id: w.training,
                        value: touch,
                    }],
                    &actor,
                )
                .await?;
            } else {
                ind::record_value(
                    &db,
                    &ind::NewRecord {
                        region_code: w.county.clone(),
                        year: 2000,
                        key: "bench_touch".into(),
                        value: touch,
                        low: None,
                        high: None,
                        source: "bench".into(),
                    },
                    &actor,
                )
                .await?;
            }
            let t = Instant::now();
            view(&db, &q, &county_q, &w, prefix, kind).await?;
            samples.push(t.elapsed());
        }
        timings.push(Timing {
            what: what.to_string(),
            samples,
        });
    }

    // The annual report's heaviest parts, each after a report (nothing kept).
    let today = as_of;
    let scheme = kesu_indicators_scheme()?;
    for (what, part) in [
        (
            "part, after a report: late and returned reports of the year",
            0,
        ),
        ("part, after a report: assessment of the children", 1),
    ] {
        let mut samples = Vec::new();
        for i in 0..a.cold_runs.min(5) {
            ind::import_history(
                &db,
                w.touched.0,
                &[HistoryValue {
                    report_id: w.touched.1,
                    target_id: w.training,
                    value: 500.0 + i as f64,
                }],
                &actor,
            )
            .await?;
            let t = Instant::now();
            if part == 0 {
                ind::late_or_returned(&db, prefix, w.last, today).await?;
            } else {
                ind::assess(
                    &db,
                    &ind::AssessQuery {
                        plan_id: w.plan_id,
                        year: w.last,
                        by: ind::AssessBy::Regions,
                        scheme: &scheme,
                        inputs: &ind::ExtraInputs::new(),
                        today,
                        top: 3,
                    },
                )
                .await?;
            }
            samples.push(t.elapsed());
        }
        timings.push(Timing {
            what: what.to_string(),
            samples,
        });
    }

    // The annual report.
    let (annual, pages) = if prefix.is_empty() {
        (national_annual(&db, &w, a).await?, Vec::new())
    } else {
        pages(&db, &w, a, as_of, tmp).await?
    };
    timings.extend(pages);
    timings.extend(annual);
    let (rss, peak) = memory();
    let after = ind::cache_stats(&db).await;
    db.close().await;
    println!(
        "| what ({} villages, {} accepted values) | runs | p50 | p95 | max |",
        w.villages, values
    );
    println!("| --- | --- | --- | --- | --- |");
    for t in &timings {
        println!("{}", t.row());
    }
    println!();
    println!(
        "Memory while serving: peak {peak:.0} MiB resident, {rss:.0} MiB at the end. Indicator cache after the first view: {} plan(s), {} observations, live state ≈ {:.0} MiB; at the end: live state ≈ {:.0} MiB, {} kept views ≈ {:.1} MiB.",
        stats.plans,
        stats.observations,
        stats.live_bytes as f64 / 1048576.0,
        after.live_bytes as f64 / 1048576.0,
        after.views,
        after.view_bytes as f64 / 1048576.0,
    );
    Ok(())
}

/// One of the views timed cold.
async fn view(
    db: &Db,
    q: &Query,
    county_q: &Query,
    w: &World,
    prefix: &str,
    kind: u8,
) -> anyhow::Result<()> {
    match kind {
        0 => drop(ind::evaluate_plan(db, q).await?),
        1 => drop(ind::drill(db, q, w.training, prefix).await?),
        2 => drop(ind::drill(db, q, w.leaders, prefix).await?),
        3 => drop(ind::evaluate_plan(db, county_q).await?),
        _ => {
            // The region dashboard's comparison: the plan at each child region, with one
            // sync for the page as the web serves it (`ind::one_sync`).
            ind::one_sync(async {
                for (code, _) in ind::child_regions(db, prefix).await? {
                    let mut qc = q.clone();
                    qc.region = Some(code);
                    drop(ind::evaluate_plan(db, &qc).await?);
                }
                anyhow::Ok(())
            })
            .await?;
        }
    }
    Ok(())
}

/// The annual report of the whole country: the store calls the report page makes for a region
/// (no account covers the country, so there is no page): the plan at the country and at each
/// province as of year end, the literacy records, the late and returned list, the assessment
/// of the provinces.
async fn national_annual(db: &Db, w: &World, a: &BenchArgs) -> anyhow::Result<Vec<Timing>> {
    let today = time::Date::from_calendar_date(w.last + 1, time::Month::January, 20)?;
    let scheme = kesu_indicators_scheme()?;
    let mut out = Vec::new();
    for cold in [false, true] {
        let mut samples = Vec::new();
        for i in 0..3.min(a.runs) {
            if cold {
                ind::import_history(
                    db,
                    w.touched.0,
                    &[HistoryValue {
                        report_id: w.touched.1,
                        target_id: w.training,
                        value: 1000.0 + i as f64,
                    }],
                    &Actor::new("bench"),
                )
                .await?;
            }
            let t = Instant::now();
            let as_of = ind::year_end(w.last, today);
            let mut q = Query::new(w.plan_id, as_of);
            q.region = Some(String::new());
            ind::evaluate_plan(db, &q).await?;
            ind::records(db, "", ind::LITERACY_SHARE).await?;
            for (c, _) in ind::child_regions(db, "").await? {
                let mut qc = Query::new(w.plan_id, as_of);
                qc.region = Some(c.clone());
                ind::evaluate_plan(db, &qc).await?;
                ind::share_of(db, &c, w.last).await?;
            }
            ind::plan_tasks(db, w.plan_id).await?;
            ind::late_or_returned(db, "", w.last, today).await?;
            ind::assess(
                db,
                &ind::AssessQuery {
                    plan_id: w.plan_id,
                    year: w.last,
                    by: ind::AssessBy::Regions,
                    scheme: &scheme,
                    inputs: &ind::ExtraInputs::new(),
                    today,
                    top: 3,
                },
            )
            .await?;
            samples.push(t.elapsed());
        }
        out.push(Timing {
            what: if cold {
                "annual report of the country (store calls of the page), after a report".into()
            } else {
                "annual report of the country (store calls of the page), again".into()
            },
            samples,
        });
    }
    Ok(out)
}

fn kesu_indicators_scheme() -> anyhow::Result<kesu_indicators::Scheme> {
    kesu_indicators::Scheme::default_scheme().map_err(|e| anyhow::anyhow!("{e}"))
}

/// The pages through a real server, and the annual report page.
async fn pages(
    db: &Db,
    w: &World,
    a: &BenchArgs,
    as_of: time::Date,
    tmp: &Path,
) -> anyhow::Result<(Vec<Timing>, Vec<Timing>)> {
    let actor = Actor::new("bench");
    let dir = tmp.join("files");
    let mut state = kesu_web::AppState::new(db.clone(), dir);
    state.clock = std::sync::Arc::new(Some(as_of.with_hms(2, 0, 0)?.assume_utc()));
    let password = "bench-password-1";
    let user = kesu_store::accounts::NewUser {
        username: "bench_admin".into(),
        display_name: "bench".into(),
        role: kesu_core::authz::Role::Admin,
        region: kesu_core::RegionCode::parse(&a.prefix)?,
        unit_id: None,
        password_hash: kesu_web::auth::hash_password(password)
            .map_err(|e| anyhow::anyhow!("{e}"))?,
    };
    // A reused database (--reuse) has the account from its first run.
    if kesu_store::accounts::user_by_name(db, &user.username)
        .await?
        .is_none()
    {
        kesu_store::accounts::add_user(db, &user, &actor).await?;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(kesu_web::serve(listener, state, async move {
        let _ = stop_rx.await;
    }));
    let body = format!(r#"{{"username":"bench_admin","password":"{password}"}}"#);
    let (status, head, _) = http(
        addr,
        &format!(
            "POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )?;
    anyhow::ensure!(status == 200, "login: HTTP {status}");
    let cookie = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("set-cookie").then(|| v.trim())
        })
        .and_then(|c| c.split(';').next())
        .context("no session cookie")?
        .to_string();
    let plan_id = w.plan_id;
    let (training, leaders, county, prefix) =
        (w.training, w.leaders, w.county.clone(), a.prefix.clone());
    let runs = a.runs;
    let paths = vec![
        (
            "page: plan dashboard",
            format!("/dashboard/plans/{plan_id}"),
        ),
        (
            "page: drill-down, training at the region",
            format!("/dashboard/plans/{plan_id}/indicators/{training}"),
        ),
        (
            "page: drill-down, per-village target at the region",
            format!("/dashboard/plans/{plan_id}/indicators/{leaders}"),
        ),
        (
            "page: drill-down, training at a county",
            format!("/dashboard/plans/{plan_id}/indicators/{training}?region={county}"),
        ),
        (
            "page: region dashboard (its children compared)",
            format!("/dashboard/regions/{prefix}"),
        ),
    ];
    let c = cookie.clone();
    let pages = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<Timing>> {
        let mut out = Vec::new();
        for (what, path) in paths {
            get(addr, &c, &path)?;
            let mut samples = Vec::with_capacity(runs);
            for _ in 0..runs {
                let t = Instant::now();
                get(addr, &c, &path)?;
                samples.push(t.elapsed());
            }
            out.push(Timing {
                what: what.to_string(),
                samples,
            });
        }
        Ok(out)
    })
    .await??;
    let mut annual = Vec::new();
    let path = format!("/dashboard/regions/{prefix}/annual.html?year={}", w.last);
    for cold in [false, true] {
        let mut samples = Vec::new();
        for i in 0..5 {
            if cold {
                ind::import_history(
                    db,
                    w.touched.0,
                    &[HistoryValue {
                        report_id: w.touched.1,
                        target_id: w.training,
                        value: 1000.0 + i as f64,
                    }],
                    &actor,
                )
                .await?;
            }
            let (c, p) = (cookie.clone(), path.clone());
            let d = tokio::task::spawn_blocking(move || -> anyhow::Result<Duration> {
                let t = Instant::now();
                get(addr, &c, &p)?;
                Ok(t.elapsed())
            })
            .await??;
            samples.push(d);
        }
        annual.push(Timing {
            what: if cold {
                "page: annual report of the region, after a report (5 runs)".into()
            } else {
                "page: annual report of the region, again (5 runs)".into()
            },
            samples,
        });
    }
    let _ = stop_tx.send(());
    let _ = server.await;
    Ok((annual, pages))
}
