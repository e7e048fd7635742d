//! `kesu-bench indicators`: a region of the NBS division tables (a city, a province, the whole
//! and the time the dashboards, the roll-up and the annual report take on it.
//!
//! Builds, in a fresh SQLite database (or the one given): the full division tree of a province
//! (default 50 重庆市: 38 counties, 1 031 townships, 11 270 villages) from the NBS tables in
//! `shared/data/divisions`; county populations; a plan whose farmer-training and per-village
//! tasks every village reports on (expanded to the villages), and a science-base stock the city's
//! association reports; one round per quarter for five years with every slot accepted
//! (`import_history`, deterministic synthetic values); county survey shares for each year. Then
//! times, over `--runs` repetitions: the store's evaluation and drill-down, and the pages through
//! a real server on 127.0.0.1 (login, plan dashboard, drill-down at the city and a county, the
//! region page, the annual report). Prints a Markdown table (p50, p95, max).

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
    /// 只取此代码开头的区划（默认 50 重庆市）
    #[arg(long, default_value = "50")]
    pub prefix: String,
    /// 第一年（连续五年，每季度一轮）
    #[arg(long, default_value_t = 2021)]
    pub first_year: i32,
    #[arg(long, default_value_t = 5)]
    pub years: i32,
    /// 每项计时的重复次数
    #[arg(long, default_value_t = 30)]
    pub runs: usize,
}

const PLAN: &str = "重庆市全民科学素质行动规划纲要实施方案（2021—2025年）\n\
一、主要目标\n\
到2025年，全市公民具备科学素质的比例超过15%。\n\
二、提升行动\n\
（一）农民科学素质提升行动\n\
1.开展农民教育培训，累计培训农民50万人次以上。（各村民委员会负责）\n\
2.实施乡村振兴人才培育计划，每个村至少培育1名创业创新带头人。（各村民委员会负责）\n\
（二）基层科普能力提升工程\n\
3.到2025年，认定各级各类科普基地400家以上。（市科协负责）\n";

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
        a.wrapping_mul(10).wrapping_add(u64::from(b - b'0'))
    })
}

/// `code,name` lines of the divisions under `prefix`, all five levels.
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
            if code.starts_with(prefix) {
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
            s[i].as_secs_f64() * 1000.0
        };
        format!(
            "| {} | {} | {:.1} ms | {:.1} ms | {:.1} ms |",
            self.what,
            s.len(),
            q(0.5),
            q(0.95),
            s.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        )
    }
}

async fn time_async<F, Fut, T>(what: &str, runs: usize, mut f: F) -> anyhow::Result<Timing>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    // One warm-up run (page cache, prepared statements), not counted.
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

pub fn run(database_url: Option<&str>, a: BenchArgs) -> anyhow::Result<()> {
    let tmp = std::env::temp_dir().join(format!("kesu-bench-indicators-{}", std::process::id()));
    let url = match database_url {
        Some(u) => u.to_string(),
        None => {
            std::fs::create_dir_all(&tmp)?;
            kesu_store::default_url(&tmp)
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = rt.block_on(bench(&url, &a, &tmp));
    if database_url.is_none() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

async fn bench(url: &str, a: &BenchArgs, tmp: &Path) -> anyhow::Result<()> {
    let db = Db::open(url).await?;
    let actor = Actor::new("bench");
    let t0 = Instant::now();
    let csv = divisions_csv(&a.divisions, &a.prefix)?;
    let s = kesu_store::regions::import_seed_csv(&db, &actor, csv.as_bytes(), "divisions", "2023")
        .await?;
    eprintln!(
        "区划 {} 条（{:.1} 秒）",
        s.total,
        t0.elapsed().as_secs_f64()
    );
    let counties =
        kesu_store::regions::subtree(&db, Some(&a.prefix), Some(RegionLevel::County), None).await?;
    let years: Vec<i32> = (a.first_year..a.first_year + a.years).collect();
    let mut pop = String::from("code,year,population\n");
    for c in &counties {
        for y in &years {
            let n = 200_000 + mix(code_num(&c.code)) % 1_500_000;
            pop.push_str(&format!("{},{y},{n}\n", c.code));
        }
    }
    let pop_file = tmp.join("population.csv");
    std::fs::create_dir_all(tmp)?;
    std::fs::write(&pop_file, pop)?;
    kesu_store::regions::import_population(&db, &actor, &pop_file).await?;

    let plan = kesu_plan::parse_text(PLAN)?;
    let src = kesu_store::plans::Source {
        name: "bench-plan.txt",
        sha256: "bench",
    };
    let plan_id = kesu_store::plans::import(&db, &plan, &a.prefix, Some("重庆市"), &src, &actor)
        .await?
        .plan_id();
    let tasks = kesu_store::plans::tasks(&db, plan_id).await?;
    let targets = ind::plan_targets(&db, plan_id).await?;
    eprintln!(
        "方案 {plan_id}：{} 项任务，{} 项指标",
        tasks.len(),
        targets.len()
    );
    for t in tasks
        .iter()
        .filter(|t| t.title.contains("农民") || t.title.contains("村"))
    {
        let n = ind::expand_entities(&db, t.id, &a.prefix, RegionLevel::Village, &actor).await?;
        eprintln!("任务 {} 展开到 {n} 个村", t.path);
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
    let t1 = Instant::now();
    let mut reports = 0usize;
    for y in &years {
        for q in 1..=4u8 {
            let period = Period::Quarter {
                year: *y,
                quarter: q,
            };
            let (_, end) = period.dates();
            let round = reporting::open_round(
                &db,
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
            let slots = reporting::slots(&db, round).await?;
            let mut values = Vec::new();
            for s in &slots {
                let h = mix(code_num(&s.region_code) ^ (u64::from(q) << 40) ^ ((*y as u64) << 48));
                let village = s.region_code.len() == 12;
                let value = if village && Some(s.task_id) == task_of(training) {
                    // Farmers trained in the village this quarter.
                    Some((training, (h % 13) as f64))
                } else if village && Some(s.task_id) == task_of(leaders) {
                    // Leaders cultivated: now and then one.
                    Some((leaders, f64::from(h.is_multiple_of(23))))
                } else if Some(s.task_id) == task_of(bases) {
                    // The city association: science bases standing.
                    Some((
                        bases,
                        f64::from(60 + (y - a.first_year) * 70 + i32::from(q) * 15),
                    ))
                } else {
                    None
                };
                if let Some((target_id, value)) = value {
                    values.push(HistoryValue {
                        report_id: s.id,
                        target_id,
                        value,
                    });
                }
            }
            // Collective slots (各村民委员会, 市科协's cooperators) stay unreported, as in life.
            let with_values: std::collections::BTreeSet<i64> =
                values.iter().map(|v| v.report_id).collect();
            reports += with_values.len();
            ind::import_history(&db, round, &values, &actor).await?;
        }
    }
    for c in &counties {
        for y in &years {
            let h = mix(code_num(&c.code) ^ (*y as u64));
            let v = 8.0 + f64::from(*y - a.first_year) * 1.2 + (h % 40) as f64 / 10.0;
            ind::record_value(
                &db,
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
    eprintln!(
        "{} 轮、{reports} 份已通过报告（{:.1} 秒）",
        years.len() * 4,
        t1.elapsed().as_secs_f64()
    );

    let last = *years.last().unwrap_or(&a.first_year);
    let as_of = time::Date::from_calendar_date(last + 1, time::Month::January, 20)?;
    let county = counties.first().map(|c| c.code.clone()).unwrap_or_default();
    let obs = ind::observations(&db, plan_id, &ind::ObservationFilter::default())
        .await?
        .len();
    let villages =
        kesu_store::regions::subtree(&db, Some(&a.prefix), Some(RegionLevel::Village), None)
            .await?
            .len();
    eprintln!("观测值 {obs} 个；开始计时（每项 {} 次）", a.runs);

    let mut timings = Vec::new();
    let q = Query::new(plan_id, as_of);
    let prefix = a.prefix.as_str();
    timings.push(
        time_async(
            "part: sync (writes since the last view)",
            a.runs,
            || async { Ok(ind::sync(&db).await?) },
        )
        .await?,
    );
    timings.push(
        time_async("part: plan targets", a.runs, || async {
            Ok(ind::plan_targets(&db, plan_id).await?)
        })
        .await?,
    );
    timings.push(
        time_async("part: villages of the city (entities)", a.runs, || async {
            Ok(ind::entities(&db, prefix, "每个村").await?)
        })
        .await?,
    );
    timings.push(
        time_async("part: region tree rows of the city", a.runs, || async {
            Ok(ind::region_infos(&db, prefix, last).await?)
        })
        .await?,
    );
    timings.push(
        time_async(
            "store: evaluate_plan (city, 4 indicators)",
            a.runs,
            || async { Ok(ind::evaluate_plan(&db, &q).await?) },
        )
        .await?,
    );
    for (what, target, code) in [
        (
            "store: drill training count at the city",
            training,
            a.prefix.as_str(),
        ),
        (
            "store: drill per-village target at the city",
            leaders,
            a.prefix.as_str(),
        ),
        (
            "store: drill training count at a county",
            training,
            county.as_str(),
        ),
    ] {
        timings.push(
            time_async(what, a.runs, || async {
                Ok(ind::drill(&db, &q, target, code).await?)
            })
            .await?,
        );
    }

    // Cold: the first view after a change. Any write invalidates cached results; a report's
    // change also the plan's observations, which are read again.
    let last_round = reporting::rounds_in(&db, &a.prefix)
        .await?
        .into_iter()
        .max_by_key(|r| r.id)
        .context("no round")?;
    let touched = reporting::slots(&db, last_round.id)
        .await?
        .into_iter()
        .find(|s| s.region_code.len() == 12 && Some(s.task_id) == task_of(training))
        .context("no village slot")?;
    let mut touch = 0.0;
    for (what, kind, report) in [
        ("cold after another write: evaluate_plan (city)", 0, false),
        (
            "cold after another write: drill training at the city",
            1,
            false,
        ),
        (
            "cold after another write: drill per-village target at the city",
            2,
            false,
        ),
        (
            "cold after another write: evaluate_plan (a county)",
            3,
            false,
        ),
        ("cold after a report: evaluate_plan (city)", 0, true),
        ("cold after a report: drill training at the city", 1, true),
        ("cold after a report: evaluate_plan (a county)", 3, true),
    ] {
        let mut samples = Vec::new();
        for _ in 0..a.runs.min(10) {
            touch += 1.0;
            if report {
                ind::import_history(
                    &db,
                    last_round.id,
                    &[HistoryValue {
                        report_id: touched.id,
                        target_id: training,
                        value: touch,
                    }],
                    &actor,
                )
                .await?;
            } else {
                ind::record_value(
                    &db,
                    &ind::NewRecord {
                        region_code: a.prefix.clone(),
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
            match kind {
                0 => drop(ind::evaluate_plan(&db, &q).await?),
                1 => drop(ind::drill(&db, &q, training, prefix).await?),
                2 => drop(ind::drill(&db, &q, leaders, prefix).await?),
                _ => {
                    let mut qc = q.clone();
                    qc.region = Some(county.clone());
                    drop(ind::evaluate_plan(&db, &qc).await?)
                }
            }
            samples.push(t.elapsed());
        }
        timings.push(Timing {
            what: what.to_string(),
            samples,
        });
    }

    // The pages through a real server.
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
    kesu_store::accounts::add_user(&db, &user, &actor).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(kesu_web::serve(listener, state, async move {
        let _ = stop_rx.await;
    }));
    let runs = a.runs;
    let prefix = a.prefix.clone();
    let pages = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<Timing>> {
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
        let mut out = Vec::new();
        for (what, path) in [
            ("page: plan dashboard", format!("/dashboard/plans/{plan_id}")),
            (
                "page: drill-down, training at the city",
                format!("/dashboard/plans/{plan_id}/indicators/{training}"),
            ),
            (
                "page: drill-down, per-village target at the city",
                format!("/dashboard/plans/{plan_id}/indicators/{leaders}"),
            ),
            (
                "page: drill-down, training at a county",
                format!("/dashboard/plans/{plan_id}/indicators/{training}?region={county}"),
            ),
            ("page: region dashboard (38 counties compared)", format!("/dashboard/regions/{prefix}")),
        ] {
            get(addr, &cookie, &path)?;
            let mut samples = Vec::with_capacity(runs);
            for _ in 0..runs {
                let t = Instant::now();
                get(addr, &cookie, &path)?;
                samples.push(t.elapsed());
            }
            out.push(Timing {
                what: what.to_string(),
                samples,
            });
        }
        let path = format!("/dashboard/regions/{prefix}/annual.html?year={last}");
        let mut samples = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            get(addr, &cookie, &path)?;
            samples.push(t.elapsed());
        }
        out.push(Timing {
            what: "page: annual report of the city (3 runs)".into(),
            samples,
        });
        Ok(out)
    })
    .await??;
    timings.extend(pages);
    let _ = stop_tx.send(());
    let _ = server.await;
    db.close().await;
    println!("| what ({villages} villages, {obs} accepted values) | runs | p50 | p95 | max |");
    println!("| --- | --- | --- | --- | --- |");
    for t in &timings {
        println!("{}", t.row());
    }
    Ok(())
}
