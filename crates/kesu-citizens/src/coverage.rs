//! Ledger coverage (台账覆盖率) beside the survey estimate. The ledger counts named people; the
//! survey estimates the share of literate citizens with an interval. A ledger claiming more
//! literate citizens than the estimate's upper bound allows for the population is flagged: the
//! entries are then likely stale, duplicated or entered without a real basis.

use serde::Serialize;

/// A survey estimate of the literacy share, in percent, with its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub year: i32,
    pub share: f64,
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    pub entries: u64,
    /// Residents aged 18–69 (the survey's population), if the population tables hold it.
    pub population: Option<u64>,
    /// entries ÷ population, percent.
    pub coverage: Option<f64>,
    pub estimate: Option<Estimate>,
    /// The most literate citizens the estimate allows: population × upper bound.
    pub plausible_max: Option<u64>,
    /// The ledger claims more than `plausible_max`.
    pub over_claim: bool,
}

pub fn coverage(entries: u64, population: Option<u64>, estimate: Option<Estimate>) -> Coverage {
    let population = population.filter(|p| *p > 0);
    let coverage = population.map(|p| entries as f64 / p as f64 * 100.0);
    let plausible_max = match (population, estimate) {
        (Some(p), Some(e)) => Some((p as f64 * e.high / 100.0).floor() as u64),
        _ => None,
    };
    Coverage {
        entries,
        population,
        coverage,
        estimate,
        plausible_max,
        over_claim: plausible_max.is_some_and(|m| entries > m),
    }
}
