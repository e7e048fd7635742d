//! Finding the plan's structure: numbering levels, sections, tasks and their units.

use crate::{Document, PlanError};
use kesu_core::Plan;

/// Parse a decoded document into a plan. TODO(issue 2).
pub fn parse(_doc: &Document) -> Result<Plan, PlanError> {
    Err(PlanError::NoPlan)
}
