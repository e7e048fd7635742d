//! `kesu demo`: a fresh SQLite database with the sample regions and the five sample plans, one
//! account per role and unit, reporting rounds with a plausible mix of states (marked as demo
//! data), served on 127.0.0.1:8080.

use super::GlobalOpts;
use anyhow::{Context, bail};
use clap::Args;
use kesu_store::{Actor, Db, plans, regions};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The sample regions (subtrees of the sample plans' regions, from the national table; see
/// scripts/make-seed-regions.py) and the sample plans, compiled into the binary so the demo runs
/// anywhere.
const SEED_REGIONS: &[u8] = include_bytes!("../../../../data/regions/seed-regions.csv.gz");
const SEED_EDITION: &str = "2023";
const SAMPLE_PLANS: &[(&str, &[u8])] = &[
    (
        "000_432ccf1c67a0d8b8.txt",
        include_bytes!("../../../../samples/plans/000_432ccf1c67a0d8b8.txt"),
    ),
    (
        "001_56b7c3f215b0a4b2.txt",
        include_bytes!("../../../../samples/plans/001_56b7c3f215b0a4b2.txt"),
    ),
    (
        "002_f6d2d5e634e4ea7e.txt",
        include_bytes!("../../../../samples/plans/002_f6d2d5e634e4ea7e.txt"),
    ),
    (
        "003_d1be8f63f2575b76.txt",
        include_bytes!("../../../../samples/plans/003_d1be8f63f2575b76.txt"),
    ),
    (
        "004_ddb7f01bda5ff9fc.txt",
        include_bytes!("../../../../samples/plans/004_ddb7f01bda5ff9fc.txt"),
    ),
];

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// 监听地址 (address to serve on)
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// 只建库、不启动网页服务 (build the database only, do not serve)
    #[arg(long)]
    pub no_serve: bool,
}

pub fn run(g: &GlobalOpts, cfg: &crate::config::Config, a: DemoArgs) -> anyhow::Result<()> {
    let dir = match &g.data_dir {
        Some(d) => d.clone(),
        None => fresh_dir()?,
    };
    // SQLite in the data dir unless a database URL is given (e.g. to try PostgreSQL); either way
    // the database must be empty.
    let url = g
        .database_url
        .clone()
        .unwrap_or_else(|| kesu_store::default_url(&dir));
    if g.database_url.is_none() && dir.join("kesu.db").exists() {
        bail!(
            "{} 已有数据库：演示需要一个空的数据目录 (the demo needs an empty data directory)",
            dir.display()
        );
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("无法创建 {}", dir.display()))?;
    let rt = super::db::runtime()?;
    rt.block_on(async {
        let db = Db::open(&url).await?;
        if !plans::list(&db, "").await?.is_empty() {
            db.close().await;
            bail!("数据库中已有方案：演示需要一个空数据库 (the demo needs an empty database)");
        }
        // One key ring for the citizens' and the services' personal data, made before any is
        // sealed.
        let keys = super::keys::load_or_init_in(&dir)?;
        let summary = build(&db, &dir, keys.clone()).await;
        let summary = match summary {
            Ok(s) => s,
            Err(e) => {
                db.close().await;
                return Err(e);
            }
        };
        print_summary(&dir, &summary);
        if a.no_serve {
            db.close().await;
            return Ok(());
        }
        let mut state = kesu_web::AppState::new(db.clone(), dir.join("files"));
        state.keys = Some(keys);
        state.throttles = std::sync::Arc::new(cfg.throttles());
        state.demo = true;
        super::serve::serve(state, a.bind).await?;
        db.close().await;
        Ok(())
    })
}

fn fresh_dir() -> anyhow::Result<PathBuf> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Ok(std::env::temp_dir().join(format!("kesu-demo-{stamp}-{}", std::process::id())))
}

struct Summary {
    regions: i64,
    plans: Vec<(i64, String, String, usize)>,
    accounts: Vec<kesu_web::demo::DemoAccount>,
    rounds: usize,
    county_tasks: Vec<kesu_web::demo::CountyTask>,
}

async fn build(
    db: &Db,
    dir: &Path,
    keys: std::sync::Arc<kesu_pii::KeyRing>,
) -> anyhow::Result<Summary> {
    let actor = Actor::system();
    let imported = regions::import_seed_csv(
        db,
        &actor,
        SEED_REGIONS,
        "seed-regions.csv.gz",
        SEED_EDITION,
    )
    .await
    .context("导入示例区划失败")?;
    let mut plan_list = Vec::new();
    for (name, bytes) in SAMPLE_PLANS {
        let plan =
            kesu_plan::parse_bytes(bytes, name).with_context(|| format!("{name}: 无法解析"))?;
        let region_name = plan.region.clone().unwrap_or_default();
        let found = regions::resolve_name(db, &region_name).await?;
        let Some(region) = found.first() else {
            bail!("{name}: 找不到方案所属区划“{region_name}” (region not found)");
        };
        let sha = kesu_web::auth::hex(&Sha256::digest(bytes));
        let src = plans::Source { name, sha256: &sha };
        let out = plans::import(db, &plan, &region.code, Some(&region.name), &src, &actor).await?;
        plan_list.push((
            out.plan_id(),
            region.code.clone(),
            region.name.clone(),
            plan.tasks.len(),
        ));
    }
    let for_demo: Vec<(i64, String, String)> = plan_list
        .iter()
        .map(|(id, c, n, _)| (*id, c.clone(), n.clone()))
        .collect();
    let today = kesu_store::reporting::china_date(time::OffsetDateTime::now_utc());
    let fixed = std::env::var("KESU_DEMO_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    let mut demo = kesu_web::demo::populate(db, &for_demo, today, fixed.as_deref())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    demo.accounts.extend(
        kesu_web::services_demo::populate(db, keys, &for_demo, fixed.as_deref())
            .await
            .map_err(|e| anyhow::anyhow!("科普服务演示数据：{e}"))?,
    );
    let accounts_file = dir.join("demo-accounts.json");
    std::fs::write(&accounts_file, serde_json::to_vec_pretty(&demo.accounts)?)
        .with_context(|| format!("无法写入 {}", accounts_file.display()))?;
    Ok(Summary {
        regions: imported.total,
        plans: plan_list,
        accounts: demo.accounts,
        rounds: demo.rounds.len(),
        county_tasks: demo.county_tasks,
    })
}

fn print_summary(dir: &Path, s: &Summary) {
    eprintln!("科素演示数据已就绪（演示数据，不代表真实工作情况）");
    eprintln!("数据目录：{}", dir.display());
    eprintln!("示例区划：{} 个", s.regions);
    for (id, code, name, tasks) in &s.plans {
        eprintln!("方案 {id}：{name}（{code}），{tasks} 项任务");
    }
    eprintln!(
        "填报轮次：{} 个（上季度已过截止日期，本季度两天后截止）",
        s.rounds
    );
    for c in &s.county_tasks {
        eprintln!(
            "方案 {}：一项计数指标由各县区填报并审核（轮次 {}，其中一份被退回），可从市级数值下钻到县区和报告",
            c.plan_id, c.round_id
        );
    }
    eprintln!(
        "账户（密码另存于 {}）：",
        dir.join("demo-accounts.json").display()
    );
    let mut shown = 0;
    for a in &s.accounts {
        if a.role != kesu_core::authz::Role::Reporter || shown < 6 {
            eprintln!(
                "  {:<16} {:<12} {}（{}）",
                a.username,
                a.password,
                a.display_name,
                a.role.zh()
            );
            if a.role == kesu_core::authz::Role::Reporter {
                shown += 1;
            }
        }
    }
    let reporters = s
        .accounts
        .iter()
        .filter(|a| a.role == kesu_core::authz::Role::Reporter)
        .count();
    if reporters > shown {
        eprintln!(
            "  …另有 {} 个填报员账户，见 demo-accounts.json",
            reporters - shown
        );
    }
}
