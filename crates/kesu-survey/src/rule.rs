//! The literacy rule: who counts as 具备科学素质. It is data, versioned and recorded with every
//! result, because the national rule changed over time (Miller three dimensions → 基准 → a score
//! out of 100 with a pass mark of 70, and grades 85/70/55 since 2024) and a trend across a change
//! of rule is not a trend.

use crate::error::{Result, SurveyError};
use crate::factor::Factor;
use crate::table::Table;
use serde::{Deserialize, Serialize};

/// Version of the rule format. Bump when the meaning of a field changes.
pub const RULE_VERSION: u32 = 1;

/// How a score is compared with the threshold. The published wording "超过70分" is read as
/// `>= 70` (the 2024 grading puts 55 itself in 基本具备); `Above` is kept for strict readings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// `score >= threshold`
    AtLeast,
    /// `score > threshold`
    Above,
}

impl Comparison {
    fn holds(self, score: f64, threshold: f64) -> bool {
        match self {
            Comparison::AtLeast => score >= threshold,
            Comparison::Above => score > threshold,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Comparison::AtLeast => ">=",
            Comparison::Above => ">",
        }
    }
}

/// The 2024 grades of a score out of 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 具备高阶科学素质, score >= 85
    High,
    /// 具备科学素质, score >= 70
    Literate,
    /// 基本具备科学素质, score >= 55
    Basic,
    /// 较低, score < 55
    Low,
}

impl Grade {
    /// The grade of a score.
    pub fn of(score: f64) -> Grade {
        if score >= 85.0 {
            Grade::High
        } else if score >= 70.0 {
            Grade::Literate
        } else if score >= 55.0 {
            Grade::Basic
        } else {
            Grade::Low
        }
    }

    /// The lowest score of this grade (`None` for the bottom grade).
    pub fn threshold(self) -> Option<f64> {
        match self {
            Grade::High => Some(85.0),
            Grade::Literate => Some(70.0),
            Grade::Basic => Some(55.0),
            Grade::Low => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Grade::High => "具备高阶科学素质 (score >= 85)",
            Grade::Literate => "具备科学素质 (score >= 70)",
            Grade::Basic => "基本具备科学素质 (score >= 55)",
            Grade::Low => "较低 (score < 55)",
        }
    }
}

/// One test item: the respondent's answer in `column` earns `points` when it equals `key`
/// (compared after trimming spaces, ignoring ASCII case).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerItem {
    pub column: String,
    pub key: String,
    pub points: f64,
}

/// Who is literate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LiteracyRule {
    /// A 0/1 column.
    Flag { column: String },
    /// A score column compared with a threshold.
    Score {
        column: String,
        threshold: f64,
        comparison: Comparison,
    },
    /// Raw answers scored with an answer key, then compared with a threshold.
    Answers {
        items: Vec<AnswerItem>,
        threshold: f64,
        comparison: Comparison,
    },
}

/// The rule as recorded with a result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleRecord {
    pub version: u32,
    pub rule: LiteracyRule,
    pub description: String,
}

/// Whether a column is read as numbers or as categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Number,
    Category,
}

impl LiteracyRule {
    /// The national rule since 2020: `score >= 70`.
    pub fn score_at_least_70(column: impl Into<String>) -> Self {
        LiteracyRule::Score {
            column: column.into(),
            threshold: 70.0,
            comparison: Comparison::AtLeast,
        }
    }

    /// "At least grade `g`" (85/70/55) on a score column.
    pub fn at_least_grade(column: impl Into<String>, g: Grade) -> Result<Self> {
        let threshold = g.threshold().ok_or_else(|| {
            SurveyError::Invalid(
                "the bottom grade has no threshold (every score reaches it)".into(),
            )
        })?;
        Ok(LiteracyRule::Score {
            column: column.into(),
            threshold,
            comparison: Comparison::AtLeast,
        })
    }

    /// The columns the rule reads, and how.
    pub fn columns(&self) -> Vec<(String, ColumnKind)> {
        match self {
            LiteracyRule::Flag { column } | LiteracyRule::Score { column, .. } => {
                vec![(column.clone(), ColumnKind::Number)]
            }
            LiteracyRule::Answers { items, .. } => items
                .iter()
                .map(|i| (i.column.clone(), ColumnKind::Category))
                .collect(),
        }
    }

    /// A one-line human description, e.g. `score >= 70`.
    pub fn describe(&self) -> String {
        match self {
            LiteracyRule::Flag { column } => format!("{column} = 1"),
            LiteracyRule::Score {
                column,
                threshold,
                comparison,
            } => format!("{column} {} {threshold}", comparison.symbol()),
            LiteracyRule::Answers {
                items,
                threshold,
                comparison,
            } => {
                let total: f64 = items.iter().map(|i| i.points).sum();
                format!(
                    "score of {} items against the answer key (max {total}) {} {threshold}",
                    items.len(),
                    comparison.symbol()
                )
            }
        }
    }

    pub fn record(&self) -> RuleRecord {
        RuleRecord {
            version: RULE_VERSION,
            rule: self.clone(),
            description: self.describe(),
        }
    }

    /// Check the rule itself (finite threshold, items present, finite non-negative points).
    pub fn validate(&self) -> Result<()> {
        let check_threshold = |t: f64| {
            if t.is_finite() {
                Ok(())
            } else {
                Err(SurveyError::Invalid(format!(
                    "threshold {t} is not a finite number"
                )))
            }
        };
        match self {
            LiteracyRule::Flag { .. } => Ok(()),
            LiteracyRule::Score { threshold, .. } => check_threshold(*threshold),
            LiteracyRule::Answers {
                items, threshold, ..
            } => {
                check_threshold(*threshold)?;
                if items.is_empty() {
                    return Err(SurveyError::Invalid("the answer key has no items".into()));
                }
                if let Some(i) = items
                    .iter()
                    .find(|i| !(i.points.is_finite() && i.points >= 0.0))
                {
                    return Err(SurveyError::Invalid(format!(
                        "item {}: points {} must be a non-negative number",
                        i.column, i.points
                    )));
                }
                Ok(())
            }
        }
    }

    /// The 0/1 literacy of every row of the table.
    pub fn evaluate(&self, table: &Table) -> Result<Vec<u8>> {
        self.validate()?;
        match self {
            LiteracyRule::Flag { column } => {
                let v = table.number(column)?;
                flags(column, v)
            }
            LiteracyRule::Score {
                column,
                threshold,
                comparison,
            } => {
                let v = table.number(column)?;
                Ok(v.iter()
                    .map(|&s| u8::from(comparison.holds(s, *threshold)))
                    .collect())
            }
            LiteracyRule::Answers {
                items,
                threshold,
                comparison,
            } => {
                let factors = items
                    .iter()
                    .map(|i| table.factor(&i.column))
                    .collect::<Result<Vec<_>>>()?;
                let scores = score_answers(items, &factors, table.n_rows())?;
                Ok(scores
                    .iter()
                    .map(|&s| u8::from(comparison.holds(s, *threshold)))
                    .collect())
            }
        }
    }
}

/// A 0/1 column as bytes; anything else is an error naming the row.
pub fn flags(column: &str, values: &[f64]) -> Result<Vec<u8>> {
    values
        .iter()
        .enumerate()
        .map(|(row, &v)| {
            if v == 0.0 {
                Ok(0)
            } else if v == 1.0 {
                Ok(1)
            } else {
                Err(SurveyError::at_row(
                    row,
                    column,
                    format!("应为 0 或 1 (must be 0 or 1), 实际为 {v}"),
                ))
            }
        })
        .collect()
}

/// The test score of every row: the sum of the points of the items answered as the key says.
/// Works on the dictionary: each item's levels are checked once, not each row's string.
pub fn score_answers(items: &[AnswerItem], answers: &[&Factor], n_rows: usize) -> Result<Vec<f64>> {
    if items.len() != answers.len() {
        return Err(SurveyError::Invalid(format!(
            "{} items but {} answer columns",
            items.len(),
            answers.len()
        )));
    }
    let mut scores = vec![0.0; n_rows];
    for (item, f) in items.iter().zip(answers) {
        if f.len() != n_rows {
            return Err(SurveyError::Invalid(format!(
                "answer column {} has {} rows, expected {n_rows}",
                item.column,
                f.len()
            )));
        }
        let key = normalise_answer(&item.key);
        let earns: Vec<f64> = f
            .levels()
            .iter()
            .map(|l| {
                if normalise_answer(l) == key {
                    item.points
                } else {
                    0.0
                }
            })
            .collect();
        for (s, &c) in scores.iter_mut().zip(f.codes()) {
            *s += earns[c as usize];
        }
    }
    Ok(scores)
}

fn normalise_answer(s: &str) -> String {
    s.trim().to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Column;

    #[test]
    fn default_rule_counts_seventy_as_literate() {
        let mut t = Table::new(3);
        t.push("score", Column::Number(vec![69.9, 70.0, 85.0]))
            .unwrap();
        let y = LiteracyRule::score_at_least_70("score")
            .evaluate(&t)
            .unwrap();
        assert_eq!(y, [0, 1, 1]);
    }

    #[test]
    fn strict_comparison_excludes_the_threshold() {
        let mut t = Table::new(2);
        t.push("score", Column::Number(vec![70.0, 70.5])).unwrap();
        let rule = LiteracyRule::Score {
            column: "score".into(),
            threshold: 70.0,
            comparison: Comparison::Above,
        };
        assert_eq!(rule.evaluate(&t).unwrap(), [0, 1]);
    }

    #[test]
    fn grades_use_85_70_55() {
        assert_eq!(Grade::of(85.0), Grade::High);
        assert_eq!(Grade::of(84.9), Grade::Literate);
        assert_eq!(Grade::of(55.0), Grade::Basic);
        assert_eq!(Grade::of(54.9), Grade::Low);
    }

    #[test]
    fn a_flag_other_than_zero_or_one_names_its_row() {
        let mut t = Table::new(3);
        t.push("literate", Column::Number(vec![0.0, 1.0, 2.0]))
            .unwrap();
        let e = LiteracyRule::Flag {
            column: "literate".into(),
        }
        .evaluate(&t)
        .unwrap_err();
        assert!(e.to_string().starts_with("第4行 列literate"), "{e}");
    }

    #[test]
    fn answers_are_scored_against_the_key() {
        let mut t = Table::new(3);
        t.push(
            "q1",
            Column::Category(Factor::from_values("q1", &["A", "b", "C"])),
        )
        .unwrap();
        t.push(
            "q2",
            Column::Category(Factor::from_values("q2", &["ABD", "ABD", "AB"])),
        )
        .unwrap();
        let rule = LiteracyRule::Answers {
            items: vec![
                AnswerItem {
                    column: "q1".into(),
                    key: "B".into(),
                    points: 40.0,
                },
                AnswerItem {
                    column: "q2".into(),
                    key: "abd".into(),
                    points: 60.0,
                },
            ],
            threshold: 70.0,
            comparison: Comparison::AtLeast,
        };
        assert_eq!(rule.evaluate(&t).unwrap(), [0, 1, 0]);
        assert!(rule.describe().contains("2 items"));
    }

    #[test]
    fn the_record_carries_the_version() {
        let r = LiteracyRule::score_at_least_70("score").record();
        assert_eq!(r.version, RULE_VERSION);
        assert_eq!(r.description, "score >= 70");
    }
}
