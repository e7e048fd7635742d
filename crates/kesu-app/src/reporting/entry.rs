//! What to enter in a target's box (填报口径): from the indicator's kind — the same
//! `kesu_indicators::Indicator` the dashboards aggregate with — so that the box says exactly
//! what the dashboard does with the number: a count is 本期新增 (added up over periods), a stock
//! 期末现有 (the latest counts), a share 比例 (a percentage, the latest counts), a per-entity
//! target the unit's own value (the dashboard counts the entities that reach it).

use kesu_core::plan::{Target, TargetValue, fmt_num};
use kesu_indicators::{Indicator, Kind, Measure};

/// How to fill one target's box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryHint {
    /// Short label next to the box: 本期新增 / 期末现有 / 比例（%）/ 每…
    pub label: String,
    /// One sentence: what the number is and what the dashboard does with it.
    pub rule: String,
    /// An example with numbers.
    pub example: String,
    /// The unit to show after the box (`人次`, `%`).
    pub unit: String,
}

fn target_number(t: &Target) -> f64 {
    match t.value {
        TargetValue::Number(v) => v,
        TargetValue::Range([a, _]) => a,
    }
}

/// A round number a quarter of the way to `v` (for examples), at least 1.
fn example_part(v: f64) -> String {
    let q = (v / 4.0).round().max(1.0);
    fmt_num(q)
}

fn measure_rule(m: Measure, unit: &str, period: &str) -> (String, String) {
    match m {
        Measure::Count => (
            "本期新增".into(),
            format!("填{period}新增的数量（{unit}），不含以前各期；看板按期累加"),
        ),
        Measure::Stock => (
            "期末现有".into(),
            format!("填截至{period}末的总数（{unit}），不是本期新增；看板取每个单位最新一期"),
        ),
        Measure::Share => (
            "比例（%）".into(),
            "填百分比的数值，不带“%”；看板取最新一期，跨地区按人口加权".into(),
        ),
    }
}

/// The hint for target `t` in a report of `period` (`2025年第一季度`).
pub fn hint(t: &Target, period: &str) -> EntryHint {
    let ind = Indicator::from_target(t);
    let unit = if t.unit.is_empty() {
        "个".to_string()
    } else {
        t.unit.clone()
    };
    let v = target_number(&ind.target);
    let part = example_part(v);
    let measure = ind.kind.measure();
    let (label, rule) = measure_rule(measure, &unit, period);
    let example = match measure {
        Measure::Count => format!("例：{period}完成 {part}{unit}，就填 {part}（不要填累计数）"),
        Measure::Stock => format!(
            "例：到{period}末累计达到 {}{unit}（其中本期新增 {part}），就填 {}",
            fmt_num(v),
            fmt_num(v)
        ),
        Measure::Share => format!("例：比例为 {}%，就填 {}", fmt_num(v), fmt_num(v)),
    };
    match &ind.kind {
        Kind::PerEntity { entity, .. } => EntryHint {
            label: format!("{label}·{entity}"),
            rule: format!(
                "目标按{entity}考核：{rule}。填本单位自己的数值，看板统计达到“{}”的{entity}所占比例",
                ind.target.display_short()
            ),
            example,
            unit,
        },
        Kind::PerPeriod { cadence, .. } => EntryHint {
            label: format!("{label}·{}", cadence.zh()),
            rule: format!(
                "{rule}；按{}考核，每期须达到 {}",
                cadence.zh(),
                ind.target.display_short()
            ),
            example,
            unit,
        },
        _ => EntryHint {
            label,
            rule,
            example,
            unit,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kesu_core::plan::Comparator;

    fn target(text: &str, value: f64, unit: &str, per: Option<&str>) -> Target {
        Target {
            text: text.into(),
            indicator: text.into(),
            comparator: Comparator::Ge,
            value: TargetValue::Number(value),
            unit: unit.into(),
            year: Some(2025),
            per: per.map(str::to_string),
        }
    }

    #[test]
    fn a_count_asks_for_this_periods_new_ones() {
        let h = hint(
            &target("培训农业从业人员1万人次以上", 10000.0, "人次", None),
            "2025年第一季度",
        );
        assert_eq!(h.label, "本期新增");
        assert!(h.rule.contains("不含以前各期"), "{h:?}");
        assert!(h.example.contains("2500"), "{h:?}");
    }

    #[test]
    fn a_stock_asks_for_the_total_at_the_end_of_the_period() {
        let h = hint(
            &target("建成科普基地40家", 40.0, "家", None),
            "2025年第一季度",
        );
        assert_eq!(h.label, "期末现有");
        assert!(h.rule.contains("不是本期新增"), "{h:?}");
    }

    #[test]
    fn a_share_asks_for_a_percentage_without_the_sign() {
        let h = hint(
            &target("公民具备科学素质的比例超过15%", 15.0, "%", None),
            "2025年度",
        );
        assert_eq!(h.label, "比例（%）");
    }

    #[test]
    fn a_per_entity_target_says_the_dashboard_counts_entities() {
        let h = hint(
            &target("每个村至少培育1名创业创新带头人", 1.0, "名", Some("每个村")),
            "2025年度",
        );
        assert!(h.label.contains("每个村"), "{h:?}");
        assert!(h.rule.contains("所占比例"), "{h:?}");
    }
}
