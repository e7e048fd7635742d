//! `kesu`: one binary for the CLI and (later) the server. A thin shim over the library crates:
//! each subcommand parses its arguments, calls a library, and prints. Machine output (JSON) goes to
//! stdout, human messages to stderr.

mod cmd;

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
    /// 演示：新建数据库并导入示例区划和五个示例方案 (demo)
    Demo(cmd::demo::DemoArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Plan(c) => cmd::plan::run(&cli.global, c),
        Command::Survey(c) => cmd::survey::run(&cli.global, c),
        Command::Regions(c) => cmd::regions::run(&cli.global, c),
        Command::Units(c) => cmd::units::run(&cli.global, c),
        Command::User(c) => cmd::user::run(&cli.global, c),
        Command::Serve(a) => cmd::serve::run(&cli.global, a),
        Command::Indicators(a) => cmd::indicators::run(&cli.global, a),
        Command::Assess(a) => cmd::assess::run(&cli.global, a),
        Command::Report(c) => cmd::report::run(&cli.global, c),
        Command::Keys(c) => cmd::keys::run(&cli.global, c),
        Command::Ledger(c) => cmd::ledger::run(&cli.global, c),
        Command::Quiz(c) => cmd::quiz::run(&cli.global, c),
        Command::Migrate => cmd::db::migrate(&cli.global),
        Command::Demo(a) => cmd::demo::run(&cli.global, a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误 (error): {e:#}");
            ExitCode::from(cmd::exit_code(&e))
        }
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
