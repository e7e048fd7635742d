//! The one error type of the citizens' domain.

use crate::table::RowError;

pub type Result<T, E = CitizensError> = std::result::Result<T, E>;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CitizensError {
    /// A file that could not be read as a table at all (not a workbook, no sheet, too large).
    #[error("{0}")]
    File(String),
    /// Rows that are wrong: every one of them, so the whole file can be fixed at once.
    #[error("{} 行有误 (rows with errors): {}", .0.len(), RowError::summary(.0))]
    Rows(Vec<RowError>),
    /// A blueprint that the bank cannot fill or that does not add up.
    #[error("{0}")]
    Blueprint(String),
    /// A ledger rule refused the change (a move to the same village, a second removal …).
    #[error("{0}")]
    Rule(String),
}
