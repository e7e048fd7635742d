//! Kesu's domain types. Pure data and validation: no files, no database, no HTTP.
//!
//! - [`plan`]: a plan document as a task table (the plan JSON of `shared/plan-format.md`).
//! - [`region`]: administrative division codes (统计用区划代码) and their levels.

pub mod plan;
pub mod region;

pub use plan::{Comparator, Goal, Plan, PlanLevel, Target, TargetValue, Task};
pub use region::{RegionCode, RegionCodeError, RegionLevel};
