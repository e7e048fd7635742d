//! Indicators from stored data: every live target of a plan with the observations behind it.
//!
//! An observation is one accepted report's value for one target (`report_value` of a `report`
//! in state `accepted`, with the round's period and the reporting unit's region). The rules that
//! turn observations into an actual value, progress and status are `kesu_indicators`'; this
//! module loads what they need (targets, observations, populations, the region tree, the
//! entities of per-entity targets) and hands back plain rows with the report ids each value came
//! from, so that every number on a page or in a file can be traced to its reports.
//!
//! One file per resource:
//! - [`targets`]: a plan's live targets and tasks;
//! - [`observations`]: accepted report values, the SQL behind every indicator;
//! - [`regions`]: populations, the region tree's rows, per-entity lists, child regions;
//! - [`evaluate`]: a plan's indicators for a region (the dashboard rows), [`drill`]: one target
//!   rolled up over the region tree;
//! - [`cache`]: what is kept between requests and how it learns of writes;
//! - [`records`]: figures the office records (the literacy share from surveys);
//! - [`discipline`]: late and returned reports; [`assess`]: the assessment's facts;
//! - [`snapshots`]: published snapshots; [`history`]: values from before Kesu;
//!   [`enrol`]: villages enrolled as reporting units of a per-entity task.

pub mod assess;
pub mod cache;
pub mod discipline;
pub mod drill;
pub mod enrol;
pub mod evaluate;
pub mod history;
pub mod observations;
pub mod records;
pub mod regions;
pub mod snapshots;
pub mod targets;

pub use assess::{
    AssessBy, AssessQuery, AssessmentReport, ExtraInputs, assess, assessed_bodies, year_end,
};
pub use cache::{
    Generation, Stats as CacheStats, data_version, one_sync, set_budget as set_cache_budget,
    stats as cache_stats, sync,
};
pub use discipline::{LateOrReturned, late_or_returned};
pub use drill::{DrillDown, NodeRow, drill};
pub use enrol::expand_entities;
pub use evaluate::{
    CoverageRow, FedRow, IndicatorRow, PeriodRow, PlanIndicators, Query, SourceIds, SourceRef,
    StatusCounts, evaluate_plan, progress_by_child,
};
pub use history::{HistorySlot, HistoryValue, history_slots, import_history};
pub use observations::{ObservationFilter, TargetObservation, observations};
pub(crate) use records::record_value_in;
pub use records::{
    LITERACY_SHARE, NewRecord, Record, is_literacy_share, record_value, records,
    share_observations, share_of,
};
pub use regions::{child_regions, entities, populations, region_infos, region_names};
pub use snapshots::{NewSnapshot, Snapshot, publish, snapshot, snapshots};
pub use targets::{PlanTarget, TaskInfo, plan_targets, plan_tasks};

use crate::plans::PlanRow;

/// The plan period assumed when a plan does not state one (the 2021–2025 implementation plans).
pub const DEFAULT_PLAN_PERIOD: [i32; 2] = [2021, 2025];

/// The plan's first and last year (or the default 2021–2025).
pub fn plan_period(plan: &PlanRow) -> [i32; 2] {
    match (plan.period_start, plan.period_end) {
        (Some(a), Some(b)) if a <= b => [
            i32::try_from(a).unwrap_or(DEFAULT_PLAN_PERIOD[0]),
            i32::try_from(b).unwrap_or(DEFAULT_PLAN_PERIOD[1]),
        ],
        _ => DEFAULT_PLAN_PERIOD,
    }
}
