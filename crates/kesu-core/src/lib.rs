//! Kesu's domain types. Pure data and validation: no files, no database, no HTTP.
//!
//! - [`plan`]: a plan document as a task table (the plan JSON of `shared/plan-format.md`).
//! - [`region`]: administrative division codes (统计用区划代码) and their levels.
//! - [`authz`]: roles and per-object scope checks (数据权限).
//! - [`assessment`]: who may see, self-score, review and configure an annual assessment (考核).
//! - [`report`]: reporting periods, report states and their transitions (进展填报).
//! - [`bulk`]: whether a bulk-entry upload may be applied (批量填报).
//! - [`visibility`]: who may open a report and read audit rows: the one rule every list applies.

pub mod assessment;
pub mod authz;
pub mod bulk;
pub mod plan;
pub mod plan_diff;
pub mod region;
pub mod report;
pub mod visibility;

pub use plan::{Comparator, Goal, Plan, PlanLevel, Target, TargetValue, Task};
pub use region::{RegionCode, RegionCodeError, RegionLevel};
