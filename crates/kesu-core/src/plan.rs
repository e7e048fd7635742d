//! The plan model: one implementation plan (实施方案) or annual work plan (工作要点) as a task table.
//!
//! Serialises to exactly the plan JSON of `shared/plan-format.md`; field names are that contract.

use serde::{Deserialize, Serialize};

/// A parsed plan document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Plan {
    /// 标题, e.g. "娄底市全民科学素质行动规划纲要实施方案(2021-2025年)".
    pub title: String,
    /// The region the plan is for, as written ("娄底市").
    pub region: Option<String>,
    /// Administrative level of that region.
    pub level: Option<PlanLevel>,
    /// First and last year covered (`[2020, 2020]` for an annual 工作要点).
    pub period: Option<[i32; 2]>,
    /// 印发单位, e.g. "娄底市人民政府办公室".
    pub issuer: Option<String>,
    /// Plan-wide quantitative goals (主要目标).
    pub goals: Vec<Goal>,
    /// Every leaf work item, in document order.
    pub tasks: Vec<Task>,
}

/// Level of the region a plan belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlanLevel {
    /// 省级 (including the four municipalities 直辖市)
    Province,
    /// 地级市
    City,
    /// 县, 县级市
    County,
    /// 市辖区
    District,
    /// 乡镇, 街道
    Township,
}

impl PlanLevel {
    /// The JSON spelling (`"city"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Province => "province",
            Self::City => "city",
            Self::County => "county",
            Self::District => "district",
            Self::Township => "township",
        }
    }
}

/// A plan-wide goal (目标) has the same shape as a task's target.
pub type Goal = Target;

/// A leaf work item (任务/措施) with its responsible units and quantitative targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Task {
    /// Numbering labels from the top of the document down, normalised: `["二", "(一)", "2", "(7)"]`.
    /// Unnumbered measure paragraphs are labelled `¶N`.
    pub path: Vec<String>,
    /// Heading or first sentence, without number or final `。`.
    pub title: String,
    /// 牵头单位, as written, in order.
    #[serde(default)]
    pub lead: Vec<String>,
    /// 配合单位.
    #[serde(default)]
    pub cooperating: Vec<String>,
    /// 责任单位 listed without a role.
    #[serde(default)]
    pub responsible: Vec<String>,
    /// 量化目标: every quantitative commitment in the task's text.
    #[serde(default)]
    pub targets: Vec<Target>,
    /// The task's full text as found in the document (not part of the scored contract).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl Task {
    /// The path joined for display: `二.(一).2.(7)`.
    pub fn path_label(&self) -> String {
        self.path.join(".")
    }

    /// All units with any role, lead first, without duplicates.
    pub fn all_units(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for u in self
            .lead
            .iter()
            .chain(&self.cooperating)
            .chain(&self.responsible)
        {
            if !out.contains(&u.as_str()) {
                out.push(u);
            }
        }
        out
    }
}

/// A quantitative commitment (量化目标): "每个村至少培育1名创业创新带头人".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// The clause that states it.
    pub text: String,
    /// What is counted or measured (a short noun phrase from the text).
    pub indicator: String,
    pub comparator: Comparator,
    /// A number, or `[low, high]` for [`Comparator::Range`].
    pub value: TargetValue,
    /// As written: `%`, `人次`, `名`, `家`, `场次`, …
    pub unit: String,
    /// Deadline year, if stated (到2025年).
    pub year: Option<i32>,
    /// The entity it applies to when stated per entity (每个村, 每所中小学校, 每年).
    pub per: Option<String>,
}

impl Target {
    /// "≥ 1 名", "1–2 家": the comparator, value and unit for tables.
    pub fn display_short(&self) -> String {
        match (&self.comparator, &self.value) {
            (Comparator::Range, TargetValue::Range([a, b])) => {
                format!("{}–{}{}", fmt_num(*a), fmt_num(*b), self.unit)
            }
            (c, TargetValue::Number(v)) => format!("{}{}{}", c.symbol(), fmt_num(*v), self.unit),
            (c, TargetValue::Range([a, b])) => {
                format!("{}{}–{}{}", c.symbol(), fmt_num(*a), fmt_num(*b), self.unit)
            }
        }
    }
}

/// Format a number without a trailing `.0` for whole values.
pub fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// How the actual value is compared with the target value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Comparator {
    /// 超过, 多于
    #[serde(rename = ">")]
    Gt,
    /// 以上, 不少于, 至少, 达到
    #[serde(rename = ">=")]
    Ge,
    /// a bare number
    #[serde(rename = "=")]
    Eq,
    /// 以内, 不超过
    #[serde(rename = "<=")]
    Le,
    /// 低于, 少于
    #[serde(rename = "<")]
    Lt,
    /// 1-2家
    #[serde(rename = "range")]
    Range,
}

impl Comparator {
    /// The JSON spelling, also used in tables (`>=`).
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Eq => "=",
            Self::Le => "<=",
            Self::Lt => "<",
            Self::Range => "range",
        }
    }

    /// Whether `actual` meets a target of `value` under this comparator.
    pub fn is_met(self, actual: f64, value: &TargetValue) -> bool {
        match (self, value) {
            (Self::Gt, TargetValue::Number(v)) => actual > *v,
            (Self::Ge, TargetValue::Number(v)) => actual >= *v,
            (Self::Eq, TargetValue::Number(v)) => actual >= *v,
            (Self::Le, TargetValue::Number(v)) => actual <= *v,
            (Self::Lt, TargetValue::Number(v)) => actual < *v,
            (_, TargetValue::Range([lo, _])) => actual >= *lo,
            (Self::Range, TargetValue::Number(v)) => actual >= *v,
        }
    }
}

/// A target's number: one value, or a `[low, high]` range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TargetValue {
    Number(f64),
    Range([f64; 2]),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_round_trips_through_the_plan_json_shape() {
        let json = r#"{"text":"每年认定科普示范单位1-2个","indicator":"科普示范单位","comparator":"range",
            "value":[1,2],"unit":"个","year":null,"per":"每年"}"#;
        let t: Target = serde_json::from_str(json).unwrap();
        assert_eq!(t.comparator, Comparator::Range);
        assert_eq!(t.value, TargetValue::Range([1.0, 2.0]));
        let back = serde_json::to_value(&t).unwrap();
        assert_eq!(back["comparator"], ">=".replace(">=", "range"));
        assert_eq!(back["value"][1], 2.0);
    }

    #[test]
    fn target_display_short_drops_trailing_zero() {
        let t = Target {
            text: String::new(),
            indicator: "志愿者".into(),
            comparator: Comparator::Gt,
            value: TargetValue::Number(5000.0),
            unit: "人".into(),
            year: Some(2025),
            per: None,
        };
        assert_eq!(t.display_short(), ">5000人");
    }

    #[test]
    fn task_text_is_omitted_from_json_when_absent() {
        let task = Task {
            path: vec!["一".into()],
            title: "x".into(),
            ..Task::default()
        };
        let v = serde_json::to_value(&task).unwrap();
        assert!(v.get("text").is_none());
        assert_eq!(v["lead"], serde_json::json!([]));
    }
}
