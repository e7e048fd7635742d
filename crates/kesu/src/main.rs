//! `kesu`: one binary for the CLI and (later) the server. A thin shim over the library crates:
//! each subcommand parses its arguments, calls a library, and prints. Machine output (JSON) goes to
//! stdout, human messages to stderr.

mod cmd;
mod config;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "kesu",
    version,
    about = "科素 Kesu：全民科学素质行动规划纲要实施工作平台"
)]
struct Cli {
    #[command(flatten)]
    global: cmd::GlobalOpts,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// 实施方案：解析、导入、查看、导出 (plan documents and task tables)
    #[command(subcommand)]
    Plan(cmd::plan::PlanCmd),
    /// 科学素质抽样调查估计 (survey estimation)
    #[command(subcommand)]
    Survey(cmd::survey::SurveyCmd),
    /// 行政区划 (regions)
    #[command(subcommand)]
    Regions(cmd::regions::RegionsCmd),
    /// 责任单位名录 (units)
    #[command(subcommand)]
    Units(cmd::units::UnitsCmd),
    /// 平台账户 (web platform accounts)
    #[command(subcommand)]
    User(cmd::user::UserCmd),
    /// 启动网页平台 (serve the web platform)
    Serve(cmd::serve::ServeArgs),
    /// 指标：方案各项目标的实际值、进度、状态和来源报告 (indicators)
    Indicators(cmd::indicators::IndicatorsArgs),
    /// 报告：年度监测评估报告 (reports)
    #[command(subcommand)]
    Report(cmd::report::ReportCmd),
    /// 年度考核：按考核方案为各县市区或责任单位计分、排名 (assessment)
    Assess(cmd::assess::AssessArgs),
    /// 个人信息加密密钥 (encryption keys for personal data)
    #[command(subcommand)]
    Keys(cmd::keys::KeysCmd),
    /// 具备科学素质公民动态台账 (the ledger of literate citizens)
    #[command(subcommand)]
    Ledger(cmd::ledger::LedgerCmd),
    /// 网络科学素质测试：题库与结果 (the online literacy test)
    #[command(subcommand)]
    Quiz(cmd::quiz::QuizCmd),
    /// 执行数据库迁移 (apply database migrations)
    Migrate,
    /// 备份数据库和证明材料到一个文件 (back up the database and evidence files)
    Backup(cmd::backup::BackupArgs),
    /// 从备份文件恢复到空数据库 (restore a backup into an empty database)
    Restore(cmd::backup::RestoreArgs),
    /// 数据库：迁移到 PostgreSQL (database operations)
    #[command(subcommand)]
    Db(cmd::db::DbCmd),
    /// 配置：检查生效的配置 (configuration)
    #[command(subcommand)]
    Config(cmd::config::ConfigCmd),
    /// 演示：新建数据库并导入示例区划和五个示例方案 (demo)
    Demo(cmd::demo::DemoArgs),
}

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    let serve = match &cli.command {
        Command::Serve(a) => Some((a, &a.ops)),
        _ => None,
    };
    let cfg = match config::load(&cli.global, serve) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("错误 (error): {e:#}");
            return ExitCode::from(78); // EX_CONFIG
        }
    };
    init_logging(&cfg);
    // What the file sets, every command uses (clap has already applied flags and variables;
    // defaults stay each command's own, e.g. the demo's fresh directory).
    if cfg.source("data_dir") == config::Source::File {
        cli.global.data_dir = Some(cfg.data_dir.clone());
    }
    if cfg.source("database_url") == config::Source::File {
        cli.global.database_url = Some(cfg.database_url.clone());
    }
    let result = match cli.command {
        Command::Plan(c) => cmd::plan::run(&cli.global, c),
        Command::Survey(c) => cmd::survey::run(&cli.global, c),
        Command::Regions(c) => cmd::regions::run(&cli.global, c),
        Command::Units(c) => cmd::units::run(&cli.global, c),
        Command::User(c) => cmd::user::run(&cli.global, c),
        Command::Serve(_) => cmd::serve::run(&cfg),
        Command::Indicators(a) => cmd::indicators::run(&cli.global, a),
        Command::Assess(a) => cmd::assess::run(&cli.global, a),
        Command::Report(c) => cmd::report::run(&cli.global, c),
        Command::Keys(c) => cmd::keys::run(&cli.global, c),
        Command::Ledger(c) => cmd::ledger::run(&cli.global, c),
        Command::Quiz(c) => cmd::quiz::run(&cli.global, c),
        Command::Migrate => cmd::db::migrate(&cli.global),
        Command::Config(c) => cmd::config::run(&cfg, c),
        Command::Backup(a) => cmd::backup::backup(&cli.global, a),
        Command::Restore(a) => cmd::backup::restore(&cli.global, a),
        Command::Db(c) => cmd::db::run(&cli.global, c),
        Command::Demo(a) => cmd::demo::run(&cli.global, &cfg, a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误 (error): {e:#}");
            ExitCode::from(cmd::exit_code(&e))
        }
    }
}

/// Log lines go to stderr (machine output of the commands is on stdout). `KESU_LOG` (or the
/// file's `log_level`) filters, like `RUST_LOG`.
fn init_logging(cfg: &config::Config) {
    let subscriber = kesu_web::observe::subscriber(cfg.log_format, &cfg.log_level, std::io::stderr);
    if tracing::subscriber::set_global_default(subscriber).is_err() {
        eprintln!("警告 (warning): 日志已初始化 (logging was already set up)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
