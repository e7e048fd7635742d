//! `kesu-bench ledger-count`: the ledger's count for a region, timed in process (the query and
//! the use case around it, without starting a process and opening the database), on a ledger
//! that is already there — `scripts/bench-ledger.sh` imports one and then runs this.
//!
//! ```text
//! kesu-bench --database-url sqlite:///tmp/bl/kesu/kesu.db ledger-count 43 4313 431302 431302001
//! ```

use clap::Args;
use kesu_app::citizens::ledger;
use kesu_app::{Caller, Ctx};
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub struct CountArgs {
    /// 区划代码（可多个） (region codes: a province, a city, a county, a township, a village)
    #[arg(required = true)]
    pub regions: Vec<String>,
    /// 每个区划重复次数 (runs per region and form)
    #[arg(long, default_value_t = 50)]
    pub runs: usize,
}

pub fn run(database_url: Option<&str>, a: CountArgs) -> anyhow::Result<()> {
    let Some(url) = database_url else {
        anyhow::bail!("需要 --database-url：一个已有台账的数据库 (a database holding a ledger)");
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let db = kesu_store::Db::open(url).await?;
        let ctx = Ctx::new(db.clone());
        let caller = Caller::operator();
        println!("| region | count | form | first | median | p95 | max |");
        println!("| --- | ---: | --- | ---: | ---: | ---: | ---: |");
        for region in &a.regions {
            for by_group in [false, true] {
                let mut times: Vec<Duration> = Vec::with_capacity(a.runs);
                let mut count = 0;
                for _ in 0..a.runs.max(1) {
                    let t0 = Instant::now();
                    let c = ledger::count(&ctx, &caller, region, by_group).await?;
                    times.push(t0.elapsed());
                    count = c.count;
                }
                let first = times[0];
                times.sort();
                let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
                println!(
                    "| {region} | {count} | {} | {} | {} | {} | {} |",
                    if by_group { "--by group" } else { "total" },
                    ms(first),
                    ms(at(0.5)),
                    ms(at(0.95)),
                    ms(at(1.0)),
                );
            }
        }
        db.close().await;
        anyhow::Ok(())
    })
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}
