//! Subcommands. One file per command group; each `run` parses, calls a library, prints.

pub mod assess;
pub mod backup;
pub mod config;
pub mod db;
pub mod demo;
pub mod indicators;
pub mod keys;
pub mod ledger;
pub mod plan;
mod plan_parse;
mod plan_store;
pub mod quiz;
pub mod regions;
pub mod report;
pub mod serve;
pub mod survey;
pub mod units;
pub mod user;

use clap::Args;
use std::path::PathBuf;

/// Options every command accepts.
#[derive(Debug, Default, Args)]
pub struct GlobalOpts {
    /// 数据目录 (data directory; holds kesu.db when no database URL is given)
    #[arg(long, global = true, env = "KESU_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// 数据库地址：sqlite://PATH 或 postgres://… (database URL)
    #[arg(long, global = true, env = "KESU_DATABASE_URL")]
    pub database_url: Option<String>,
    /// 配置文件 kesu.toml (configuration file; also KESU_CONFIG)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// 日志格式 pretty 或 json (log format; also KESU_LOG_FORMAT)
    #[arg(long, global = true, value_name = "FORMAT")]
    pub log_format: Option<String>,
}

/// Exit status for an error: 65 (EX_DATAERR) for bad input data, 66 (EX_NOINPUT) for a missing
/// file, 64 (EX_USAGE) for a bad database URL, 69 (EX_UNAVAILABLE) for a database that cannot be
/// reached, 1 otherwise. Scripts can tell "your file is wrong" from "Kesu failed".
pub fn exit_code(e: &anyhow::Error) -> u8 {
    for cause in e.chain() {
        if cause.downcast_ref::<crate::config::ConfigError>().is_some() {
            return 78; // EX_CONFIG
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::NotFound
        {
            return 66;
        }
        if cause.downcast_ref::<kesu_plan::PlanError>().is_some() {
            return 65;
        }
        if cause
            .downcast_ref::<kesu_indicators::IndicatorError>()
            .is_some()
        {
            return 65;
        }
        if let Some(s) = cause.downcast_ref::<kesu_survey::SurveyError>()
            && s.is_data_error()
        {
            return 65;
        }
        if let Some(s) = cause.downcast_ref::<kesu_store::StoreError>() {
            return match s {
                kesu_store::StoreError::BadUrl { .. } => 64,
                kesu_store::StoreError::Connect { .. } => 69,
                kesu_store::StoreError::Unavailable(_) => 69,
                _ if s.is_bad_input() => 65,
                _ => 1,
            };
        }
    }
    1
}
