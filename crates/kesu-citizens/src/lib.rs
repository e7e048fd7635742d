//! The citizens' domain (公民): the online literacy test (网络知识竞赛 / 科学素质测试) and the
//! dynamic ledger of citizens with scientific literacy (具备科学素质公民动态台账). Pure: it takes
//! bytes and values, never opens files or databases.
//!
//! - [`table`]: the rows of an uploaded .xlsx or .csv, with their row numbers, and [`RowError`]
//!   naming row, column and reason.
//! - [`bank`]: the question bank (题库) read from a workbook, every bad row named, nothing partial.
//! - [`blueprint`]: a test's blueprint (items per 维度 and 基准, time limit, pass mark, weights)
//!   and the seeded draw of one attempt's paper.
//! - [`scoring`]: scoring an attempt by the national rule (weights per 维度, pass above the mark).
//! - [`stats`]: item statistics (facility, discrimination) to find bad items.
//! - [`ledger`]: key groups, the basis of an entry, import rows, moves, removals, retention.
//! - [`coverage`]: ledger coverage beside the survey estimate, with the over-claim flag.

pub mod bank;
pub mod blueprint;
pub mod coverage;
pub mod error;
pub mod ledger;
pub mod scoring;
pub mod stats;
pub mod table;

pub use error::{CitizensError, Result};
pub use table::RowError;
