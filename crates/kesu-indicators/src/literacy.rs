//! The literacy share (公民具备科学素质的比例): the goal every plan states, measured by surveys
//! rather than reported by units. Offices record the survey figures per region and year; these
//! rules say which target is that goal, which recorded figures stand for a region, and how a
//! year-on-year change is stated.

use crate::actual::Observation;
use kesu_core::Target;
use kesu_core::report::Period;

/// The key of the literacy share among recorded figures.
pub const KEY: &str = "literacy_share";

/// Whether a target is the share of citizens with scientific literacy (公民具备科学素质的比例):
/// a percentage whose indicator or text speaks of 科学素质.
pub fn is_literacy_share(t: &Target) -> bool {
    let unit = t.unit.trim();
    (unit == "%" || unit == "％")
        && (t.indicator.contains("科学素质") || t.text.contains("科学素质"))
}

/// A recorded survey figure: its record id, region, year and value (percent).
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub id: i64,
    pub region_code: String,
    pub year: i32,
    pub value: f64,
}

/// The figures that stand for a region up to `year`, as observations: the region's own figures
/// when it has any, else those of the shallowest level below it that has figures (the
/// counties', not the counties' and the townships' together, which would count people twice).
/// `figures` are those of the region's subtree. Each observation carries its record id negated
/// as report id, so that sources can tell a survey figure from a report.
pub fn standing_figures(figures: Vec<Figure>, year: i32) -> Vec<Observation> {
    let figures: Vec<Figure> = figures.into_iter().filter(|f| f.year <= year).collect();
    let level = figures.iter().map(|f| f.region_code.len()).min();
    figures
        .into_iter()
        .filter(|f| Some(f.region_code.len()) == level)
        .map(|f| Observation {
            report_id: -f.id,
            unit_id: 0,
            region_code: f.region_code.into(),
            period: Period::Year { year: f.year },
            value: f.value,
            accepted: true,
        })
        .collect()
}

/// The change between two years' shares in percentage points, to one decimal as surveys
/// publish them.
pub fn rise(now: f64, before: f64) -> f64 {
    ((now - before) * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use kesu_core::{Comparator, TargetValue};

    fn target(text: &str, unit: &str) -> Target {
        Target {
            text: text.into(),
            indicator: text.into(),
            comparator: Comparator::Gt,
            value: TargetValue::Number(15.0),
            unit: unit.into(),
            year: Some(2025),
            per: None,
        }
    }

    fn figure(id: i64, code: &str, year: i32) -> Figure {
        Figure {
            id,
            region_code: code.into(),
            year,
            value: 12.0,
        }
    }

    #[test]
    fn the_goal_is_a_percentage_of_scientific_literacy() {
        assert!(is_literacy_share(&target(
            "公民具备科学素质的比例超过15%",
            "%"
        )));
        assert!(!is_literacy_share(&target("公民具备科学素质的人数", "人")));
        assert!(!is_literacy_share(&target("科普场馆覆盖率", "%")));
    }

    #[test]
    fn a_regions_own_figure_stands_for_it() {
        let f = vec![figure(1, "4313", 2024), figure(2, "431302", 2024)];
        let o = standing_figures(f, 2024);
        assert_eq!(o.len(), 1);
        assert_eq!((o[0].report_id, o[0].region_code.as_str()), (-1, "4313"));
    }

    #[test]
    fn without_one_the_shallowest_level_below_stands_and_later_years_are_left_out() {
        let f = vec![
            figure(2, "431302", 2024),
            figure(3, "431302001", 2024),
            figure(4, "431321", 2025),
        ];
        let o = standing_figures(f, 2024);
        let ids: Vec<i64> = o.iter().map(|o| o.report_id).collect();
        assert_eq!(ids, [-2]);
    }

    #[test]
    fn a_change_is_stated_in_points_to_one_decimal() {
        assert_eq!(rise(13.26, 12.1), 1.2);
        assert_eq!(rise(11.0, 12.04), -1.0);
    }
}
