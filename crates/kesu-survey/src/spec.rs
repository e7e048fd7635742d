//! A survey job by column names: which columns hold the design and the outcome, which variables
//! the weights are adjusted on. [`SurveySpec::requests`] lists the columns to read and
//! [`SurveySpec::build`] turns the table read into a weighted [`Survey`], so that every caller
//! (the `estimate` and `import` commands) reads and weights a respondents file the same way.

use crate::calibrate::{Calibration, Margin, RakeControl, RakeVariance, Weighting};
use crate::design::{Design, DesignSpec, LonelyPsu};
use crate::error::{Result, SurveyError};
use crate::estimate::Survey;
use crate::factor::{Factor, VAR_SEP};
use crate::input::Request;
use crate::rule::{ColumnKind, LiteracyRule};
use crate::table::Table;

/// How the final weights are made, by variable names. A margin is named by its variable
/// (`sex`) or by a crossing of variables joined with `+` (`region+urban+sex`).
#[derive(Debug, Clone, PartialEq)]
pub enum WeightingSpec {
    /// Design weights as given.
    Design,
    /// Post-stratify on the crossing of these variables (one joint margin).
    PostStratify(Vec<String>),
    /// Rake to these margins.
    Rake {
        margins: Vec<String>,
        variance: RakeVariance,
    },
    /// Linear calibration (GREG) to these margins.
    Linear(Vec<String>),
}

impl WeightingSpec {
    /// The margins the weighting needs, each named by its variables joined with `+`
    /// (post-stratification on `region, urban, sex` needs the one margin `region+urban+sex`).
    pub fn margin_names(&self) -> Vec<String> {
        let sep = VAR_SEP.to_string();
        match self {
            WeightingSpec::Design => Vec::new(),
            WeightingSpec::PostStratify(vars) => {
                vec![vars.iter().map(|s| s.trim()).collect::<Vec<_>>().join(&sep)]
            }
            WeightingSpec::Rake { margins, .. } | WeightingSpec::Linear(margins) => {
                margins.iter().map(|s| s.trim().to_string()).collect()
            }
        }
    }

    /// Every variable the weighting uses, each once, in the order of the margins.
    pub fn variables(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for name in self.margin_names() {
            for v in split_vars(&name) {
                if !out.iter().any(|o| o == v) {
                    out.push(v.to_string());
                }
            }
        }
        out
    }
}

/// The variables of a margin or domain name (`region+sex` → `[region, sex]`).
pub fn split_vars(spec: &str) -> Vec<&str> {
    spec.split(VAR_SEP).map(str::trim).collect()
}

/// A survey job by column names.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveySpec {
    /// Strata column; `None`: one stratum.
    pub strata: Option<String>,
    /// PSU column (nested in strata); `None`: every respondent is a PSU.
    pub psu: Option<String>,
    /// Design weight column; `None`: all weights 1.
    pub weight: Option<String>,
    /// Finite population correction column.
    pub fpc: Option<String>,
    pub lonely_psu: LonelyPsu,
    pub rule: LiteracyRule,
    pub weighting: WeightingSpec,
}

impl SurveySpec {
    /// The columns to read: the design columns, the rule's columns, then `domains` and the
    /// weighting variables as categories (each once).
    pub fn requests(&self, domains: &[&str]) -> Vec<Request> {
        let mut req: Vec<Request> = Vec::new();
        if let Some(c) = &self.strata {
            req.push(Request::category(c.as_str()));
        }
        if let Some(c) = &self.psu {
            req.push(Request::category(c.as_str()));
        }
        if let Some(c) = &self.weight {
            req.push(Request::number(c.as_str()));
        }
        if let Some(c) = &self.fpc {
            req.push(Request::number(c.as_str()));
        }
        for (name, kind) in self.rule.columns() {
            req.push(match kind {
                ColumnKind::Number => Request::number(name),
                ColumnKind::Category => Request::category(name),
            });
        }
        let weighting = self.weighting.variables();
        let mut categories: Vec<&str> = Vec::new();
        for d in domains {
            categories.extend(split_vars(d));
        }
        categories.extend(weighting.iter().map(String::as_str));
        for v in categories {
            if !req.iter().any(|r| r.name == v) {
                req.push(Request::category(v));
            }
        }
        req
    }

    /// Evaluate the rule, build the design and weight it to `margins`. The design weight column
    /// moves out of `table` (no copy of a large column) unless the rule or the fpc reads it too;
    /// [`Survey::design`] keeps the weights. Errors about a row are as [`SurveyError::at_row`]
    /// makes them: pass them through [`Table::locate`] for the file's line.
    pub fn build(&self, table: &mut Table, margins: &[Margin]) -> Result<Survey> {
        let n = table.n_rows();
        let y = self.rule.evaluate(table)?;
        let shared = |c: &str| {
            self.fpc.as_deref() == Some(c) || self.rule.columns().iter().any(|(r, _)| r == c)
        };
        let weights = match self.weight.as_deref() {
            Some(c) if !shared(c) => table.take_number(c)?,
            Some(c) => table.number(c)?.to_vec(),
            None => vec![1.0; n],
        };
        let table: &Table = table;
        let design = Design::new(DesignSpec {
            strata: self
                .strata
                .as_deref()
                .map(|c| table.factor(c))
                .transpose()?,
            psu: self.psu.as_deref().map(|c| table.factor(c)).transpose()?,
            weights,
            weight_column: self.weight.as_deref().unwrap_or("weight"),
            fpc_column: self.fpc.as_deref().unwrap_or("fpc"),
            fpc: self.fpc.as_deref().map(|c| table.number(c)).transpose()?,
            lonely_psu: self.lonely_psu,
        })?;

        let mut cal_factors: Vec<(Factor, Margin)> = Vec::new();
        for name in self.weighting.margin_names() {
            let vars = split_vars(&name);
            let margin = find_margin(margins, &vars)?;
            let parts = vars
                .iter()
                .map(|v| table.factor(v))
                .collect::<Result<Vec<_>>>()?;
            cal_factors.push((Factor::cross(&parts)?, margin));
        }
        let mut cals: Vec<Calibration<'_>> = cal_factors
            .iter()
            .map(|(factor, margin)| Calibration { factor, margin })
            .collect();
        let weighting = match &self.weighting {
            WeightingSpec::Design => Weighting::Design,
            WeightingSpec::PostStratify(_) => match cals.pop() {
                Some(c) => Weighting::PostStratify(c),
                None => Weighting::Design,
            },
            WeightingSpec::Rake { variance, .. } => Weighting::Rake {
                margins: cals,
                variance: *variance,
                control: RakeControl::default(),
            },
            WeightingSpec::Linear(_) => Weighting::Linear { margins: cals },
        };
        Survey::new(design, y, &weighting)
    }
}

/// A level of a weighting variable that respondents have and no margin over the variable has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UncoveredLevel {
    pub variable: String,
    pub level: String,
    /// The first data row (0-based) holding the level.
    pub row: usize,
    /// The variable's levels in the margins, in their order.
    pub known: Vec<String>,
}

impl SurveySpec {
    /// The first level, variable by variable, that the sample has and that no margin naming the
    /// variable has; a finer diagnosis than the crossed cell [`Survey::new`] reports when margins
    /// come from elsewhere than the user's own file. A variable no margin names is skipped
    /// (building reports the missing margin).
    pub fn uncovered_level(
        &self,
        table: &Table,
        margins: &[Margin],
    ) -> Result<Option<UncoveredLevel>> {
        for var in self.weighting.variables() {
            let mut known: Vec<String> = Vec::new();
            for m in margins {
                let Some(i) = m.vars().iter().position(|v| *v == var) else {
                    continue;
                };
                for l in &m.levels {
                    if let Some(part) = l.split(crate::factor::LEVEL_SEP).nth(i)
                        && !known.iter().any(|k| k == part)
                    {
                        known.push(part.to_string());
                    }
                }
            }
            if known.is_empty() {
                continue;
            }
            let f = table.factor(&var)?;
            let mut uncovered: Option<(usize, &String)> = None;
            for (code, level) in f.levels().iter().enumerate() {
                if known.contains(level) {
                    continue;
                }
                if let Some(row) = f.first_row_of(code as u32)
                    && uncovered.is_none_or(|(r, _)| row < r)
                {
                    uncovered = Some((row, level));
                }
            }
            if let Some((row, level)) = uncovered {
                return Ok(Some(UncoveredLevel {
                    variable: var.clone(),
                    level: level.clone(),
                    row,
                    known,
                }));
            }
        }
        Ok(None)
    }
}

/// The margin over `vars` (in any order of its variables), its levels arranged like `vars`.
pub fn find_margin(margins: &[Margin], vars: &[&str]) -> Result<Margin> {
    let name = vars.join(&VAR_SEP.to_string());
    if let Some(m) = margins.iter().find(|m| m.name == name) {
        return Ok(m.clone());
    }
    if let Some(m) = margins.iter().find_map(|m| m.reordered(vars)) {
        return Ok(m);
    }
    let known: Vec<&str> = margins.iter().map(|m| m.name.as_str()).collect();
    Err(SurveyError::MissingMargin {
        margin: name,
        hint: format!("；边际表中有 (available): {}", known.join(", ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Column;

    fn spec(weighting: WeightingSpec) -> SurveySpec {
        SurveySpec {
            strata: None,
            psu: None,
            weight: Some("weight".into()),
            fpc: None,
            lonely_psu: LonelyPsu::Fail,
            rule: LiteracyRule::Flag {
                column: "literate".into(),
            },
            weighting,
        }
    }

    #[test]
    fn post_stratification_variables_make_one_joint_margin() {
        let w = WeightingSpec::PostStratify(vec!["region".into(), " sex".into()]);
        assert_eq!(w.margin_names(), ["region+sex"]);
        assert_eq!(w.variables(), ["region", "sex"]);
    }

    #[test]
    fn each_column_is_requested_once() {
        let s = spec(WeightingSpec::Rake {
            margins: vec!["region+sex".into(), "sex".into()],
            variance: RakeVariance::Greg,
        });
        let names: Vec<String> = s
            .requests(&["region", "group"])
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(names, ["weight", "literate", "region", "group", "sex"]);
    }

    #[test]
    fn a_post_stratified_build_meets_the_margin() {
        let mut t = Table::new(4);
        t.push("weight", Column::Number(vec![1.0, 1.0, 2.0, 2.0]))
            .unwrap();
        t.push("literate", Column::Number(vec![1.0, 0.0, 1.0, 0.0]))
            .unwrap();
        t.push(
            "sex",
            Column::Category(Factor::from_values("sex", &["F", "M", "F", "M"])),
        )
        .unwrap();
        let margins = [Margin {
            name: "sex".into(),
            levels: vec!["F".into(), "M".into()],
            totals: vec![30.0, 70.0],
        }];
        let s = spec(WeightingSpec::PostStratify(vec!["sex".into()]));
        let survey = s.build(&mut t, &margins).unwrap();
        assert!((survey.weights().iter().sum::<f64>() - 100.0).abs() < 1e-9);
        assert_eq!(survey.outcome(), [1, 0, 1, 0]);
        assert_eq!(survey.design().weights(), [1.0, 1.0, 2.0, 2.0]);
    }

    #[test]
    fn a_sample_level_no_margin_has_is_found_variable_by_variable() {
        let mut t = Table::new(3);
        t.push(
            "region",
            Column::Category(Factor::from_values("region", &["a", "b", "a"])),
        )
        .unwrap();
        t.push(
            "sex",
            Column::Category(Factor::from_values("sex", &["male", "F", "M"])),
        )
        .unwrap();
        let margins = [Margin {
            name: "region+sex".into(),
            levels: vec!["a|male".into(), "a|female".into(), "b|male".into()],
            totals: vec![1.0, 1.0, 1.0],
        }];
        let s = spec(WeightingSpec::PostStratify(vec![
            "region".into(),
            "sex".into(),
        ]));
        let u = s.uncovered_level(&t, &margins).unwrap().unwrap();
        assert_eq!(
            (u.variable.as_str(), u.level.as_str(), u.row),
            ("sex", "F", 1)
        );
        assert_eq!(u.known, ["male", "female"]);
        let fine = [Margin {
            name: "sex+region".into(),
            levels: vec!["male|a".into(), "F|b".into(), "M|a".into()],
            totals: vec![1.0, 1.0, 1.0],
        }];
        assert_eq!(s.uncovered_level(&t, &fine).unwrap(), None);
    }

    #[test]
    fn a_margin_not_given_is_named() {
        let mut t = Table::new(2);
        t.push("weight", Column::Number(vec![1.0, 1.0])).unwrap();
        t.push("literate", Column::Number(vec![1.0, 0.0])).unwrap();
        t.push(
            "sex",
            Column::Category(Factor::from_values("sex", &["F", "M"])),
        )
        .unwrap();
        let s = spec(WeightingSpec::PostStratify(vec!["sex".into()]));
        let e = s.build(&mut t, &[]).unwrap_err();
        assert!(matches!(e, SurveyError::MissingMargin { ref margin, .. } if margin == "sex"));
    }
}
