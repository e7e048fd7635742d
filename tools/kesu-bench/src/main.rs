//! `kesu-bench`: Kesu timed on real-sized data, outside the shipped binary.
//!
//! ```text
//! cargo run --release -p kesu-bench -- indicators --prefix 37 --years 2
//! cargo run --release -p kesu-bench -- --database-url "$KESU_TEST_PG_URL" indicators --prefix 37
//! ```
//!
//! Each subcommand builds its data in a fresh database (a temporary SQLite file unless
//! `--database-url` names one), times what it is about, and prints a Markdown table for
//! docs/PERFORMANCE.md.

mod indicators;
mod ledger_count;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "kesu-bench",
    version,
    about = "Kesu 性能测试 (benchmarks on real-sized data)"
)]
struct Cli {
    /// 数据库 URL（默认：临时目录中的新 SQLite 文件）
    #[arg(long, global = true, env = "KESU_DATABASE_URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// 指标看板、下钻和年度报告在一个省（或全国）规模上的耗时 (dashboards at province or national scale)
    Indicators(indicators::BenchArgs),
    /// 台账人数查询在进程内的耗时 (the ledger's count, timed in process, on an existing ledger)
    LedgerCount(ledger_count::CountArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Indicators(a) => indicators::run(cli.database_url.as_deref(), a),
        Command::LedgerCount(a) => ledger_count::run(cli.database_url.as_deref(), a),
    }
}
