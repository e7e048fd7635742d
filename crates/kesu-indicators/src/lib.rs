//! Targets as indicators (指标): the pure logic behind dashboards, roll-ups, the assessment and the
//! annual report. No storage, no HTTP, no files: callers (the store, the web server, the CLI) hand
//! in plain values and get plain values back, so every number can be reproduced in a test.
//!
//! - [`indicator`]: what kind of quantity a plan target is (count, stock, share, per entity, per
//!   period), how its reports combine, and that rule in words (zh) for the "how was this computed"
//!   view.
//! - [`actual`]: the actual value from accepted observations, with the reports it used ("no data"
//!   is `None`, never 0).
//! - [`progress`]: progress against the target, on-track status against the share of the plan
//!   period elapsed, green / yellow / red (grey: no data).
//! - [`coverage`]: per-entity targets (每个村, 每所学校): how many entities meet them, which do not.
//! - [`rollup`]: roll-up along the region tree (village → township → county → city → province)
//!   with drill-down to children and sources.
//! - [`live`]: the same evaluations and roll-ups kept current as reports change, in time
//!   proportional to a report's path up the tree rather than to the villages under a view.
//! - [`mod@assess`]: the assessment (考核): a configurable scheme, scores, ranking with ties, the
//!   commendation and 不升反降 lists; [`inputs`]: which computed fact feeds which item, and the
//!   precedence of computed, entered and file inputs.
//! - [`literacy`]: the literacy-share goal, which recorded survey figures stand for a region.
//! - [`svg`]: server-side SVG charts (bar, progress, line) with Chinese labels.
//! - [`annual`]: the annual monitoring report as a model (its sections and their rules) and its
//!   public variant; [`groups`]: which key group (重点人群) a task serves.

pub mod actual;
pub mod annual;
pub mod assess;
pub mod coverage;
pub mod groups;
pub mod indicator;
pub mod inputs;
pub mod literacy;
pub mod live;
pub mod progress;
pub mod rollup;
pub mod svg;

mod error;

pub use actual::{Actual, Observation, SharedCode, Source, Window};
pub use assess::{Assessed, Assessment, ItemInput, Scheme, assess};
pub use coverage::{Coverage, Entity, EntityKey};
pub use error::IndicatorError;
pub use indicator::{Aggregation, Cadence, Indicator, Kind, Measure, PlanTarget, plan_indicators};
pub use live::LivePlan;
pub use progress::{
    Context, Evaluation, Facts, Found, Light, Status, StatusCounts, evaluate, evaluate_facts,
    mean_progress,
};
pub use rollup::{RegionInfo, RegionTree, Rollup};
