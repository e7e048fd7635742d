//! Survey estimation of the share of citizens with scientific literacy (公民具备科学素质的比例),
//! reproducing R's `survey` package (Lumley): design weights, post-stratification, raking and
//! linear calibration to population margins; Taylor-linearised standard errors with PSUs sampled
//! with replacement, optional fpc and lonely-PSU policies; Wald and logit intervals, design
//! effects, degrees of freedom and flags for every domain. The specification is
//! `../shared/survey-methods.md` §2.
//!
//! The crate is columnar: respondents are held as typed columns (weights as `f64`, categories as
//! `u32` codes into a small dictionary), and every estimator runs in a few passes over them.
//! Reading is confined to [`input`] (from readers the caller opened); [`job`] states a job by
//! column names and runs it from readers to an [`job::Estimation`].
//!
//! ```
//! use kesu_survey::{Design, DesignSpec, Factor, LonelyPsu, Survey, Weighting};
//! let strata = Factor::from_values("stratum", &["A", "A", "A", "A", "B", "B", "B", "B"]);
//! let psu = Factor::from_values("psu", &["1", "1", "2", "2", "3", "3", "4", "4"]);
//! let design = Design::new(DesignSpec {
//!     strata: Some(&strata),
//!     psu: Some(&psu),
//!     weights: vec![10.0, 12.0, 9.0, 11.0, 20.0, 18.0, 25.0, 22.0],
//!     weight_column: "weight",
//!     fpc_column: "fpc",
//!     fpc: None,
//!     lonely_psu: LonelyPsu::Fail,
//! })?;
//! let survey = Survey::new(design, vec![1, 0, 0, 1, 0, 0, 1, 0], &Weighting::Design)?;
//! let all = survey.overall()?;
//! assert!(all.est > 0.0 && all.se > 0.0 && all.df == 2);
//! # Ok::<(), kesu_survey::SurveyError>(())
//! ```

// Index loops read like the formulas of the specification (Σ over cells k, strata h).
#![allow(clippy::needless_range_loop)]

mod calibrate;
mod design;
mod dist;
mod error;
mod estimate;
mod factor;
pub mod input;
mod irls;
pub mod job;
mod linalg;
mod par;
mod personal;
mod rule;
mod spec;
pub mod synth;
mod table;

pub use calibrate::{Calibration, Margin, RakeControl, RakeVariance, Weighting, WeightingReport};
pub use design::{Design, DesignSpec, FpcKind, LonelyPsu};
pub use dist::{quantile as t_quantile, t975};
pub use error::{Result, SurveyError};
pub use estimate::{Difference, Domain, DomainEstimate, Flag, Survey, Z975};
pub use factor::{Factor, LEVEL_SEP, VAR_SEP};
pub use personal::{is_personal_column, refuse_personal};
pub use rule::{
    AnswerItem, ColumnKind, Comparison, Grade, LiteracyRule, RULE_VERSION, RuleRecord, flags,
    score_answers,
};
pub use spec::{SurveySpec, UncoveredLevel, WeightingSpec, find_margin, split_vars};
pub use table::{Column, Table};
