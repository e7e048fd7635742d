//! Science-popularisation funding (科普经费) per region and year, and per head (人均科普经费,
//! 新余's goal) with the region's population.

use crate::error::{Result, ServicesError, optional_text};
use serde::{Deserialize, Serialize};

/// The largest amount accepted (one trillion yuan): anything above is a typo.
pub const MAX_YUAN: f64 = 1e12;

/// A region's funding for a year, in yuan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Funding {
    pub region: String,
    pub year: i32,
    /// 预算
    pub budgeted: f64,
    /// 实际支出
    pub spent: f64,
    pub note: String,
}

impl Funding {
    /// Check the amounts and the year.
    pub fn validate(&self) -> Result<()> {
        kesu_core::RegionCode::parse(&self.region).map_err(|e| {
            ServicesError::invalid("region", format!("区划代码无效：{e} (bad region code)"))
        })?;
        if !(2000..=2100).contains(&self.year) {
            return Err(ServicesError::invalid(
                "year",
                "年度应在 2000 到 2100 之间 (year out of range)",
            ));
        }
        for (field, label, v) in [
            ("budgeted", "预算", self.budgeted),
            ("spent", "支出", self.spent),
        ] {
            if !v.is_finite() || !(0.0..=MAX_YUAN).contains(&v) {
                return Err(ServicesError::invalid(
                    field,
                    format!("{label}金额应为 0 到 1 万亿元之间的数字 ({field} out of range)"),
                ));
            }
        }
        optional_text("note", "说明", &self.note, 500)?;
        Ok(())
    }

    /// Share of the budget spent, in percent.
    pub fn execution(&self) -> Option<f64> {
        (self.budgeted > 0.0).then(|| round2(self.spent / self.budgeted * 100.0))
    }
}

/// Yuan per person, to the fen; `None` without a population.
pub fn per_capita(yuan: f64, population: i64) -> Option<f64> {
    (population > 0).then(|| round2(yuan / population as f64))
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(budgeted: f64, spent: f64) -> Funding {
        Funding {
            region: "360500".into(),
            year: 2024,
            budgeted,
            spent,
            note: String::new(),
        }
    }

    #[test]
    fn per_capita_divides_by_the_population() {
        assert_eq!(per_capita(1_200_000.0, 1_000_000), Some(1.2));
        assert_eq!(per_capita(1.0, 0), None);
    }

    #[test]
    fn negative_or_absurd_amounts_are_refused_by_field() {
        assert!(f(100.0, 50.0).validate().is_ok());
        assert!(matches!(
            f(-1.0, 0.0).validate(),
            Err(ServicesError::Invalid {
                field: "budgeted",
                ..
            })
        ));
        assert!(f(0.0, f64::NAN).validate().is_err());
        assert!(f(0.0, 2e12).validate().is_err());
    }

    #[test]
    fn execution_is_the_share_spent() {
        assert_eq!(f(200.0, 150.0).execution(), Some(75.0));
        assert_eq!(f(0.0, 150.0).execution(), None);
    }
}
