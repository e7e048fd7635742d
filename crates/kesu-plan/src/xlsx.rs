//! The 任务分解表 as an .xlsx workbook.

use crate::PlanError;
use kesu_core::Plan;

/// Write the task table of `plan` as .xlsx bytes. TODO(issue 2).
pub fn task_table(_plan: &Plan) -> Result<Vec<u8>, PlanError> {
    Err(PlanError::Xlsx("尚未实现".into()))
}
