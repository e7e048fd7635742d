//! The sampling design: strata, PSUs nested in strata, design weights, optional finite population
//! correction, and what to do with a stratum that has a single PSU.

use crate::error::{Result, SurveyError};
use crate::factor::{Factor, FxBuild};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What to do with a stratum holding a single PSU (R: `options(survey.lonely.psu=)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LonelyPsu {
    /// Refuse: the variance cannot be estimated (R's default).
    #[default]
    Fail,
    /// The stratum contributes nothing to the variance.
    Remove,
    /// Treat the PSU as sampled with certainty: contributes nothing (same as `Remove` here).
    Certainty,
    /// Centre the PSU total at zero (survey 4.1-1's `adjust`; the grand mean in 4.5, equal for
    /// proportions): contributes `(1 - f) t²`.
    Adjust,
    /// Drop the stratum and scale the variance by strata / strata with two or more PSUs.
    Average,
}

impl LonelyPsu {
    pub fn as_str(self) -> &'static str {
        match self {
            LonelyPsu::Fail => "fail",
            LonelyPsu::Remove => "remove",
            LonelyPsu::Certainty => "certainty",
            LonelyPsu::Adjust => "adjust",
            LonelyPsu::Average => "average",
        }
    }
}

/// How the finite population correction was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FpcKind {
    /// Number of PSUs in the stratum population (values >= 1).
    Count,
    /// Sampling fraction of PSUs (values <= 1).
    Fraction,
}

/// The inputs of a design, one value per respondent.
#[derive(Debug, Clone)]
pub struct DesignSpec<'a> {
    /// Strata (`None`: one stratum).
    pub strata: Option<&'a Factor>,
    /// PSUs, nested in strata: the same PSU code in two strata names two PSUs (`None`: every
    /// respondent is a PSU).
    pub psu: Option<&'a Factor>,
    /// Design weights (>= 0, finite).
    pub weights: Vec<f64>,
    /// Column names used in error messages (`weight`, `fpc`).
    pub weight_column: &'a str,
    pub fpc_column: &'a str,
    /// Finite population correction, constant within a stratum: PSU counts (all >= 1) or
    /// sampling fractions (all <= 1), decided as R's `survey` does.
    pub fpc: Option<&'a [f64]>,
    pub lonely_psu: LonelyPsu,
}

/// A validated design in columnar form.
#[derive(Debug, Clone)]
pub struct Design {
    /// PSU index of each row (0..n_psu), unique across strata.
    pub(crate) psu: Vec<u32>,
    /// Stratum of each PSU.
    pub(crate) psu_stratum: Vec<u32>,
    pub(crate) stratum_names: Vec<String>,
    /// Number of PSUs of each stratum in the full sample.
    pub(crate) n_h: Vec<u32>,
    /// Sampling fraction of each stratum (0 without fpc).
    pub(crate) f_h: Vec<f64>,
    /// `1 - f_h < 1e-7`: the stratum was enumerated and adds no variance.
    pub(crate) certainty: Vec<bool>,
    /// Strata with a single PSU that are not certainty strata.
    pub(crate) lonely: Vec<u32>,
    pub(crate) weights: Vec<f64>,
    pub(crate) lonely_psu: LonelyPsu,
    pub(crate) fpc: Option<FpcKind>,
}

/// R's threshold for a self-representing stratum (multistage.R `onestrat`).
const CERTAINTY_EPS: f64 = 1e-7;

impl Design {
    /// Validate the inputs and index PSUs. Fails on a negative or non-finite weight, an
    /// inconsistent fpc, and, under [`LonelyPsu::Fail`], on a stratum with a single PSU.
    pub fn new(spec: DesignSpec<'_>) -> Result<Self> {
        let n = spec.weights.len();
        if n == 0 {
            return Err(SurveyError::NoRows);
        }
        for (what, len) in [
            ("strata", spec.strata.map(Factor::len)),
            ("psu", spec.psu.map(Factor::len)),
            ("fpc", spec.fpc.map(<[f64]>::len)),
        ] {
            if let Some(len) = len
                && len != n
            {
                return Err(SurveyError::Invalid(format!(
                    "{what} has {len} values for {n} weights"
                )));
            }
        }
        let weight_name = spec.weight_column;
        for (row, &w) in spec.weights.iter().enumerate() {
            if !w.is_finite() {
                return Err(SurveyError::at_row(
                    row,
                    weight_name,
                    format!("权数不是有限数 (weight is not a finite number): {w}"),
                ));
            }
            if w < 0.0 {
                return Err(SurveyError::at_row(
                    row,
                    weight_name,
                    format!("权数为负 (negative weight): {w}"),
                ));
            }
        }
        if spec.weights.iter().all(|&w| w == 0.0) {
            return Err(SurveyError::Invalid("all design weights are zero".into()));
        }

        let zeros;
        let (stratum_codes, stratum_names): (&[u32], Vec<String>) = match spec.strata {
            Some(f) => (f.codes(), f.levels().to_vec()),
            None => {
                zeros = vec![0u32; n];
                (&zeros, vec!["(all)".to_string()])
            }
        };

        // PSU index: a PSU code seen in one stratum keeps its code; the same code met again in
        // another stratum is a different PSU (nesting) and gets a new index.
        let (psu, psu_stratum) = match spec.psu {
            None => ((0..n as u32).collect::<Vec<_>>(), stratum_codes.to_vec()),
            Some(f) => {
                let n_levels = f.levels().len();
                let mut first: Vec<u32> = vec![u32::MAX; n_levels];
                let mut psu_stratum: Vec<u32> = vec![0; n_levels];
                let mut extra: HashMap<(u32, u32), u32, FxBuild> = HashMap::default();
                let mut psu = Vec::with_capacity(n);
                for (&p, &s) in f.codes().iter().zip(stratum_codes) {
                    let slot = &mut first[p as usize];
                    if *slot == u32::MAX {
                        *slot = s;
                        psu_stratum[p as usize] = s;
                    }
                    if *slot == s {
                        psu.push(p);
                    } else {
                        let next = (psu_stratum.len()) as u32;
                        let id = *extra.entry((p, s)).or_insert(next);
                        if id == next {
                            psu_stratum.push(s);
                        }
                        psu.push(id);
                    }
                }
                (psu, psu_stratum)
            }
        };

        let n_strata = stratum_names.len();
        let mut n_h = vec![0u32; n_strata];
        // A hand-built PSU factor may have levels without rows: count only PSUs with rows.
        let mut has_rows = vec![false; psu_stratum.len()];
        for &p in &psu {
            has_rows[p as usize] = true;
        }
        for (p, &s) in psu_stratum.iter().enumerate() {
            if has_rows[p] {
                n_h[s as usize] += 1;
            }
        }

        let (f_h, fpc_kind) = match spec.fpc {
            None => (vec![0.0; n_strata], None),
            Some(values) => {
                fpc_fractions(values, spec.fpc_column, stratum_codes, &stratum_names, &n_h)?
            }
        };
        let certainty: Vec<bool> = f_h.iter().map(|f| 1.0 - f < CERTAINTY_EPS).collect();
        let lonely: Vec<u32> = (0..n_strata)
            .filter(|&h| n_h[h] == 1 && !certainty[h])
            .map(|h| h as u32)
            .collect();
        if spec.lonely_psu == LonelyPsu::Fail && !lonely.is_empty() {
            return Err(SurveyError::LonelyPsu {
                strata: lonely
                    .iter()
                    .map(|&h| stratum_names[h as usize].clone())
                    .collect(),
            });
        }
        Ok(Design {
            psu,
            psu_stratum,
            stratum_names,
            n_h,
            f_h,
            certainty,
            lonely,
            weights: spec.weights,
            lonely_psu: spec.lonely_psu,
            fpc: fpc_kind,
        })
    }

    pub fn n_rows(&self) -> usize {
        self.psu.len()
    }

    pub fn n_psu(&self) -> usize {
        self.psu_stratum.len()
    }

    pub fn n_strata(&self) -> usize {
        self.stratum_names.len()
    }

    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    pub fn lonely_psu(&self) -> LonelyPsu {
        self.lonely_psu
    }

    /// Names of the strata with a single PSU (handled by the lonely-PSU policy).
    pub fn lonely_strata(&self) -> Vec<String> {
        self.lonely
            .iter()
            .map(|&h| self.stratum_names[h as usize].clone())
            .collect()
    }

    pub fn fpc(&self) -> Option<FpcKind> {
        self.fpc
    }
}

/// Per-stratum sampling fractions from an fpc column, following R's `as.fpc`: all values <= 1
/// are fractions, all >= 1 are PSU counts; a count below the number of sampled PSUs is an error.
fn fpc_fractions(
    values: &[f64],
    column: &str,
    strata: &[u32],
    names: &[String],
    n_h: &[u32],
) -> Result<(Vec<f64>, Option<FpcKind>)> {
    let mut per: Vec<Option<f64>> = vec![None; names.len()];
    for (row, (&v, &s)) in values.iter().zip(strata).enumerate() {
        if !(v.is_finite() && v > 0.0) {
            return Err(SurveyError::at_row(
                row,
                column,
                format!("fpc 必须为正数 (fpc must be a positive number): {v}"),
            ));
        }
        match per[s as usize] {
            None => per[s as usize] = Some(v),
            Some(first) if first != v => {
                return Err(SurveyError::at_row(
                    row,
                    column,
                    format!(
                        "同一层 {} 的 fpc 不一致 (fpc differs within the stratum): {first} 与 {v}",
                        names[s as usize]
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    let present: Vec<(usize, f64)> = per
        .iter()
        .enumerate()
        .filter_map(|(h, v)| v.map(|v| (h, v)))
        .collect();
    let kind = if present.iter().all(|&(_, v)| v <= 1.0) {
        FpcKind::Fraction
    } else if present.iter().all(|&(_, v)| v >= 1.0) {
        FpcKind::Count
    } else {
        return Err(SurveyError::BadFpc {
            stratum: "(all)".into(),
            reason: "fpc 须全部 >= 1（PSU 总数）或全部 <= 1（抽样比）(must be all counts or all fractions)".into(),
        });
    };
    let mut f = vec![0.0; names.len()];
    for (h, v) in present {
        f[h] = match kind {
            FpcKind::Fraction => v,
            FpcKind::Count => {
                if v < n_h[h] as f64 {
                    return Err(SurveyError::BadFpc {
                        stratum: names[h].clone(),
                        reason: format!(
                            "总体 PSU 数 {v} 少于样本 PSU 数 {} (fewer population PSUs than sampled)",
                            n_h[h]
                        ),
                    });
                }
                n_h[h] as f64 / v
            }
        };
    }
    Ok((f, Some(kind)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec<'a>(strata: &'a Factor, psu: &'a Factor, w: &[f64]) -> DesignSpec<'a> {
        DesignSpec {
            strata: Some(strata),
            psu: Some(psu),
            weights: w.to_vec(),
            weight_column: "weight",
            fpc_column: "fpc",
            fpc: None,
            lonely_psu: LonelyPsu::Fail,
        }
    }

    #[test]
    fn psu_codes_repeat_across_strata_as_different_psus() {
        let s = Factor::from_values("s", &["A", "A", "B", "B"]);
        let p = Factor::from_values("p", &["1", "2", "1", "2"]);
        let d = Design::new(spec(&s, &p, &[1.0; 4])).unwrap();
        assert_eq!(d.n_psu(), 4);
        assert_eq!(d.n_h, [2, 2]);
    }

    #[test]
    fn a_lonely_psu_fails_by_default_naming_the_stratum() {
        let s = Factor::from_values("s", &["A", "A", "C"]);
        let p = Factor::from_values("p", &["1", "2", "9"]);
        let e = Design::new(spec(&s, &p, &[1.0; 3])).unwrap_err();
        assert!(matches!(&e, SurveyError::LonelyPsu { strata } if strata == &["C"]));
    }

    #[test]
    fn a_negative_weight_names_its_line() {
        let s = Factor::from_values("s", &["A", "A"]);
        let p = Factor::from_values("p", &["1", "2"]);
        let e = Design::new(spec(&s, &p, &[1.0, -2.0])).unwrap_err();
        assert!(e.to_string().starts_with("第3行 列weight: 权数为负"), "{e}");
    }

    #[test]
    fn fpc_counts_become_fractions() {
        let s = Factor::from_values("s", &["A", "A", "B", "B"]);
        let p = Factor::from_values("p", &["1", "2", "3", "4"]);
        let fpc = [10.0, 10.0, 2.0, 2.0];
        let d = Design::new(DesignSpec {
            fpc: Some(&fpc),
            ..spec(&s, &p, &[1.0; 4])
        })
        .unwrap();
        assert_eq!(d.f_h, [0.2, 1.0]);
        assert_eq!(d.certainty, [false, true]);
    }

    #[test]
    fn fpc_must_be_constant_within_a_stratum() {
        let s = Factor::from_values("s", &["A", "A"]);
        let p = Factor::from_values("p", &["1", "2"]);
        let fpc = [10.0, 11.0];
        let e = Design::new(DesignSpec {
            fpc: Some(&fpc),
            ..spec(&s, &p, &[1.0; 2])
        })
        .unwrap_err();
        assert!(e.to_string().contains("第3行 列fpc"), "{e}");
    }

    #[test]
    fn a_lonely_certainty_stratum_is_not_an_error() {
        let s = Factor::from_values("s", &["A", "A", "C"]);
        let p = Factor::from_values("p", &["1", "2", "9"]);
        let fpc = [0.1, 0.1, 1.0];
        let d = Design::new(DesignSpec {
            fpc: Some(&fpc),
            ..spec(&s, &p, &[1.0; 3])
        })
        .unwrap();
        assert!(d.lonely.is_empty());
    }
}
