//! Reading plan documents (实施方案, 工作要点, 任务分解表) into [`kesu_core::Plan`].
//!
//! Work in progress: see issue 2.

/// Why a document could not be read as a plan.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{0}")]
    Unreadable(String),
}
