//! What kind of quantity a target is, and therefore how its reported values combine.
//!
//! A plan says "培训农民5000人次以上", "到2025年认定科普基地40家以上", "比例超过15%",
//! "每个村至少培育1名", "每年开展2场次". Units report one number per target per round; whether
//! those numbers are added, the latest one kept, or averaged depends on the kind of quantity, and
//! the reader of a dashboard must be able to see which rule was applied. [`Indicator::from_target`]
//! chooses the rule from the target's unit, wording and `per`, and states it in Chinese
//! ([`Indicator::rule`]); the office can override the aggregation ([`Indicator::with_aggregation`]).

use kesu_core::report::Period;
use kesu_core::{Comparator, Target, TargetValue};
use serde::{Deserialize, Serialize};

/// The underlying quantity of a target, before any per-entity or per-period scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// A flow counted over a period (人次, 场次, 次, 期; 培训/培育/开展 … 名): each report gives what
    /// happened in its period, so reports are added up.
    Count,
    /// A level standing at a moment (科普基地 家, 场所 个, 注册志愿者 人; 建成/拥有/达到): each report
    /// gives the current total, so the latest one counts.
    Stock,
    /// A percentage (%): the latest value; across regions, a population-weighted mean.
    Share,
}

impl Measure {
    /// 计数型 / 存量型 / 比例型.
    pub fn zh(self) -> &'static str {
        match self {
            Measure::Count => "计数型",
            Measure::Stock => "存量型",
            Measure::Share => "比例型",
        }
    }

    /// The aggregation a measure uses unless the office says otherwise.
    pub fn default_aggregation(self) -> Aggregation {
        match self {
            Measure::Count => Aggregation::Sum,
            Measure::Stock => Aggregation::Latest,
            Measure::Share => Aggregation::WeightedMean,
        }
    }
}

/// The cadence of a per-period target (每年, 每半年, 每季度).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    Quarter,
    Half,
    Year,
}

impl Cadence {
    /// 每季度 / 每半年 / 每年.
    pub fn zh(self) -> &'static str {
        match self {
            Cadence::Quarter => "每季度",
            Cadence::Half => "每半年",
            Cadence::Year => "每年",
        }
    }

    /// The period of this cadence that contains a reported period: a 2025Q3 report belongs to
    /// the year 2025 and to 2025H2. `None` when the report is coarser than the cadence (a yearly
    /// report cannot be split into quarters).
    pub fn bucket(self, p: Period) -> Option<Period> {
        match (self, p) {
            (Cadence::Year, p) => Some(Period::Year { year: p.year() }),
            (Cadence::Half, Period::Quarter { year, quarter }) => Some(Period::Half {
                year,
                half: if quarter <= 2 { 1 } else { 2 },
            }),
            (Cadence::Half, p @ Period::Half { .. }) => Some(p),
            (Cadence::Quarter, p @ Period::Quarter { .. }) => Some(p),
            _ => None,
        }
    }

    /// The period of this cadence that contains `date`.
    pub fn period_at(self, date: time::Date) -> Period {
        let year = date.year();
        let month = u8::from(date.month());
        match self {
            Cadence::Year => Period::Year { year },
            Cadence::Half => Period::Half {
                year,
                half: if month <= 6 { 1 } else { 2 },
            },
            Cadence::Quarter => Period::Quarter {
                year,
                quarter: (month - 1) / 3 + 1,
            },
        }
    }

    /// The period of this cadence just before `p` (a period of this cadence).
    pub fn previous(self, p: Period) -> Period {
        match p {
            Period::Year { year } => Period::Year { year: year - 1 },
            Period::Half { year, half: 1 } => Period::Half {
                year: year - 1,
                half: 2,
            },
            Period::Half { year, .. } => Period::Half { year, half: 1 },
            Period::Quarter { year, quarter: 1 } => Period::Quarter {
                year: year - 1,
                quarter: 4,
            },
            Period::Quarter { year, quarter } => Period::Quarter {
                year,
                quarter: quarter - 1,
            },
        }
    }
}

/// The kind of a target: its measure and its scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    /// A count over the plan period (or to the deadline), summed over reports.
    Count,
    /// A stock: the latest value.
    Stock,
    /// A share (%): the latest value, population-weighted when rolled up.
    Share,
    /// Applies to each entity (每个村, 每所中小学校, 每个县市区): the result is the coverage, the
    /// share of entities that meet the target. `cadence` is set when the target is also per
    /// period (每名辅导员每年).
    PerEntity {
        /// As written, without the cadence: "每个村", "每所中小学校", "县市区科协".
        entity: String,
        measure: Measure,
        cadence: Option<Cadence>,
    },
    /// Each period must reach the value (每年开展2场次): judged on the latest complete period.
    PerPeriod { cadence: Cadence, measure: Measure },
}

impl Kind {
    /// The underlying measure.
    pub fn measure(&self) -> Measure {
        match self {
            Kind::Count => Measure::Count,
            Kind::Stock => Measure::Stock,
            Kind::Share => Measure::Share,
            Kind::PerEntity { measure, .. } | Kind::PerPeriod { measure, .. } => *measure,
        }
    }

    /// The per-period cadence, if any.
    pub fn cadence(&self) -> Option<Cadence> {
        match self {
            Kind::PerPeriod { cadence, .. } => Some(*cadence),
            Kind::PerEntity { cadence, .. } => *cadence,
            _ => None,
        }
    }

    /// The entity a per-entity target applies to.
    pub fn entity(&self) -> Option<&str> {
        match self {
            Kind::PerEntity { entity, .. } => Some(entity),
            _ => None,
        }
    }

    /// 计数 / 存量 / 比例 / 按对象覆盖 / 按期.
    pub fn zh(&self) -> String {
        match self {
            Kind::Count => "计数（期间累加）".into(),
            Kind::Stock => "存量（取最新值）".into(),
            Kind::Share => "比例（取最新值，跨地区按人口加权）".into(),
            Kind::PerEntity { entity, .. } => format!("按对象覆盖（{entity}）"),
            Kind::PerPeriod { cadence, .. } => format!("按期考核（{}）", cadence.zh()),
        }
    }
}

/// How the accepted observations in scope combine into one number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Every value is added (counts).
    Sum,
    /// Each source's (unit × region) latest value, added across sources (stocks).
    Latest,
    /// The largest value of any source in any period: for a running total reported by several
    /// units for the same whole, where adding would count it twice.
    Max,
    /// Each region's latest value, averaged with population weights (shares).
    WeightedMean,
}

impl Aggregation {
    /// The rule in one Chinese sentence.
    pub fn zh(self) -> &'static str {
        match self {
            Aggregation::Sum => "将范围内各期已通过报告的数值相加",
            Aggregation::Latest => {
                "每个填报来源（单位×地区）取最新一期的数值，再将各来源相加；同一期有多份报告时取最后一份"
            }
            Aggregation::Max => {
                "取范围内各来源、各期数值中的最大值（多个单位报同一总数时避免重复计算）"
            }
            Aggregation::WeightedMean => {
                "每个地区取最新一期的数值（同期多份取平均），多个地区按人口加权平均；缺少人口数时按简单平均并注明"
            }
        }
    }
}

/// A plan target as an indicator: the target, its kind, and the rule chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    pub target: Target,
    pub kind: Kind,
    /// `true` for targets reached by the deadline (到2025年…, 累计…, or no cadence at all: the whole
    /// plan period); `false` for per-period targets (每年…), where each period must reach the value.
    pub cumulative: bool,
    pub aggregation: Aggregation,
    /// How the value is computed, in Chinese, for the "how was this computed" view.
    pub rule: String,
}

/// Units of flows: each report is what happened in its period.
const COUNT_UNITS: &[&str] = &[
    "人次", "场次", "次", "期", "场", "批次", "批", "课时", "学时", "篇", "件", "部", "天次",
];
/// Units of percentages.
const SHARE_UNITS: &[&str] = &["%", "％", "‰", "百分比", "个百分点"];
/// Words that make a number a level standing at a moment.
const STOCK_WORDS: &[&str] = &[
    "建成", "拥有", "达到", "现有", "保有", "注册", "配备", "配齐", "设立", "建立", "建有", "总数",
];
/// Words that make a number a flow of new things in the period.
const FLOW_WORDS: &[&str] = &[
    "下载", "培训", "培育", "培养", "开展", "举办", "组织", "认定", "推荐", "新建", "新增", "发展",
    "创建", "争创", "评选", "接待", "发放", "出版", "创作",
];

/// Units of institutions and places (科普基地 家, 场所 个).
const INSTITUTION_UNITS: &[&str] = &["家", "个", "所", "座", "处"];

/// Whether the text sets a deadline: 到2025年, 至2025年.
fn has_deadline_phrase(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(6).any(|w| {
        matches!(w[0], '到' | '至') && w[1..5].iter().all(char::is_ascii_digit) && w[5] == '年'
    })
}

/// Cadence words in `per` or the text, longest first so 每半年 is not read as 每年.
const CADENCE_WORDS: &[(&str, Cadence)] = &[
    ("每半年", Cadence::Half),
    ("每季度", Cadence::Quarter),
    ("每个季度", Cadence::Quarter),
    ("每一年", Cadence::Year),
    ("每年度", Cadence::Year),
    ("每年", Cadence::Year),
    ("年均", Cadence::Year),
];

/// Words of a monthly cadence. Rounds are quarterly at the finest, so a monthly target is judged
/// per quarter: a count against three times the monthly number, a level or a share as it stands.
const MONTH_WORDS: &[&str] = &["每个月", "每月"];

impl Indicator {
    /// Classify a target and choose its aggregation.
    pub fn from_target(target: &Target) -> Indicator {
        let measure = classify_measure(target);
        let (entity, cadence, monthly) = scope(target);
        let (target, monthly_note) = if monthly {
            quarterly_from_monthly(target, measure)
        } else {
            (target.clone(), None)
        };
        let target = &target;
        let kind = match (entity, cadence) {
            (Some(entity), cadence) => Kind::PerEntity {
                entity,
                measure,
                cadence,
            },
            (None, Some(cadence)) => Kind::PerPeriod { cadence, measure },
            (None, None) => match measure {
                Measure::Count => Kind::Count,
                Measure::Stock => Kind::Stock,
                Measure::Share => Kind::Share,
            },
        };
        let cumulative = kind.cadence().is_none();
        let aggregation = measure.default_aggregation();
        let mut ind = Indicator {
            target: target.clone(),
            kind,
            cumulative,
            aggregation,
            rule: String::new(),
        };
        ind.rule = ind.describe();
        if let Some(note) = monthly_note {
            ind.rule = format!("{note}\n{}", ind.rule);
        }
        ind
    }

    /// The office's choice of aggregation instead of the default (the rule text follows).
    pub fn with_aggregation(mut self, aggregation: Aggregation) -> Indicator {
        self.aggregation = aggregation;
        self.rule = self.describe();
        self
    }

    pub fn measure(&self) -> Measure {
        self.kind.measure()
    }

    /// The deadline year: the target's own, else the plan's last year.
    pub fn deadline(&self, plan_period: [i32; 2]) -> i32 {
        self.target.year.unwrap_or(plan_period[1])
    }

    /// The full rule in Chinese: kind, aggregation, time scope and the comparison.
    fn describe(&self) -> String {
        let t = &self.target;
        let unit = if t.unit.is_empty() {
            String::new()
        } else {
            format!("（单位：{}）", t.unit)
        };
        let time = match (&self.kind, t.year) {
            (k, _) if k.cadence().is_some() => format!(
                "按{}分期：每期单独计算，以最近一个已结束的期间判断是否达标",
                k.cadence().map_or("期", |c| c.zh())
            ),
            (_, Some(y)) => format!("累计至{y}年底（从规划期开始）"),
            (_, None) => "累计至规划期末（从规划期开始）".into(),
        };
        let scope = match &self.kind {
            Kind::PerEntity { entity, .. } => format!(
                "；按对象展开：对{entity}逐一计算并与目标比较，结果为达标对象所占比例（覆盖率），全部达标才算完成，未填报的对象计为未达标"
            ),
            _ => String::new(),
        };
        format!(
            "{}{}：{}；{}{}。目标：{}。{}",
            self.measure().zh(),
            unit,
            self.aggregation.zh(),
            time,
            scope,
            comparison_zh(t.comparator, &t.value, &t.unit),
            "只计已通过审核的报告；没有数据时显示“无数据”，不按0计。"
        )
    }
}

/// A target of a plan with a stable key, its place in the plan, and its indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanTarget {
    /// `goal/1` for the first goal; `task/二.(一).2.(7)/1` for a task's first target.
    pub key: String,
    /// The task's numbering labels; empty for a goal.
    pub task_path: Vec<String>,
    /// The task's title; `None` for a goal.
    pub task_title: Option<String>,
    pub indicator: Indicator,
}

/// Every goal and task target of a plan as an indicator, goals first, in document order.
pub fn plan_indicators(plan: &kesu_core::Plan) -> Vec<PlanTarget> {
    let goals = plan.goals.iter().enumerate().map(|(i, t)| PlanTarget {
        key: format!("goal/{}", i + 1),
        task_path: Vec::new(),
        task_title: None,
        indicator: Indicator::from_target(t),
    });
    let tasks = plan.tasks.iter().flat_map(|task| {
        task.targets
            .iter()
            .enumerate()
            .map(move |(i, t)| PlanTarget {
                key: format!("task/{}/{}", task.path_label(), i + 1),
                task_path: task.path.clone(),
                task_title: Some(task.title.clone()),
                indicator: Indicator::from_target(t),
            })
    });
    goals.chain(tasks).collect()
}

/// "实际值 ≥ 5000人次即达标" and the like.
fn comparison_zh(c: Comparator, v: &TargetValue, unit: &str) -> String {
    let n = kesu_core::plan::fmt_num;
    match (c, v) {
        (_, TargetValue::Range([lo, hi])) => format!(
            "{}–{}{unit}，达到下限{}{unit}即达标（区间是力争幅度，超过上限仍算达标）",
            n(*lo),
            n(*hi),
            n(*lo)
        ),
        (Comparator::Gt, TargetValue::Number(x)) => {
            format!("实际值 > {}{unit}（超过）即达标", n(*x))
        }
        (Comparator::Ge, TargetValue::Number(x)) => format!("实际值 ≥ {}{unit} 即达标", n(*x)),
        (Comparator::Eq, TargetValue::Number(x)) => {
            format!(
                "{}{unit}，实际值 ≥ {}{unit} 即达标（未写“以上”的数目按至少理解）",
                n(*x),
                n(*x)
            )
        }
        (Comparator::Le, TargetValue::Number(x)) => format!("实际值 ≤ {}{unit} 即达标", n(*x)),
        (Comparator::Lt, TargetValue::Number(x)) => {
            format!("实际值 < {}{unit}（低于）即达标", n(*x))
        }
        (Comparator::Range, TargetValue::Number(x)) => format!("实际值 ≥ {}{unit} 即达标", n(*x)),
    }
}

fn classify_measure(t: &Target) -> Measure {
    let unit = t.unit.trim();
    if SHARE_UNITS.contains(&unit) {
        return Measure::Share;
    }
    if COUNT_UNITS.contains(&unit) {
        return Measure::Count;
    }
    // 下载注册 is a flow even though it contains 注册.
    if t.text.contains("下载") {
        return Measure::Count;
    }
    if STOCK_WORDS.iter().any(|w| t.text.contains(w)) {
        return Measure::Stock;
    }
    // "到2025年，认定科普基地40家以上": the number of institutions standing at the deadline.
    if INSTITUTION_UNITS.contains(&unit) && has_deadline_phrase(&t.text) {
        return Measure::Stock;
    }
    if FLOW_WORDS.iter().any(|w| t.text.contains(w)) {
        return Measure::Count;
    }
    // Institutions and people with no verb ("科普场所1个"): a level.
    Measure::Stock
}

/// The entity and the cadence of a target, from `per` (and 每年 in the text), and whether the
/// cadence was monthly (then it is given as quarterly).
fn scope(t: &Target) -> (Option<String>, Option<Cadence>, bool) {
    let per = t.per.as_deref().map(str::trim).unwrap_or("");
    let mut entity = per.to_string();
    let mut cadence = None;
    let mut monthly = false;
    for (w, c) in CADENCE_WORDS {
        if entity.contains(w) {
            cadence = Some(*c);
            entity = entity.replacen(w, "", 1);
            break;
        }
    }
    if cadence.is_none()
        && let Some(w) = MONTH_WORDS.iter().find(|w| entity.contains(*w))
    {
        entity = entity.replacen(w, "", 1);
        monthly = true;
    }
    if cadence.is_none() && !monthly {
        cadence = CADENCE_WORDS
            .iter()
            .find(|(w, _)| t.text.contains(w))
            .map(|(_, c)| *c);
        monthly = cadence.is_none() && MONTH_WORDS.iter().any(|w| t.text.contains(w));
    }
    if monthly {
        cadence = Some(Cadence::Quarter);
    }
    let entity = entity.trim_matches(|c: char| c.is_whitespace() || c == '、' || c == '，');
    let entity = (!entity.is_empty()).then(|| entity.to_string());
    (entity, cadence, monthly)
}

/// A monthly target as the quarterly one it is judged by, with a note for the rule text.
fn quarterly_from_monthly(t: &Target, measure: Measure) -> (Target, Option<String>) {
    let mut q = t.clone();
    if measure != Measure::Count {
        return (
            q,
            Some("原文按月：按季度报告，每季度按同一水平判断。".into()),
        );
    }
    q.value = match t.value {
        TargetValue::Number(x) => TargetValue::Number(x * 3.0),
        TargetValue::Range([lo, hi]) => TargetValue::Range([lo * 3.0, hi * 3.0]),
    };
    let n = |v: &TargetValue| match *v {
        TargetValue::Number(x) | TargetValue::Range([x, _]) => kesu_core::plan::fmt_num(x),
    };
    let note = format!(
        "原文按月（每月{}{}）：按季度报告，每季度应达 {}{}（3个月）。",
        n(&t.value),
        t.unit,
        n(&q.value),
        t.unit
    );
    (q, Some(note))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kesu_core::Comparator;

    fn target(text: &str, unit: &str, value: f64, year: Option<i32>, per: Option<&str>) -> Target {
        Target {
            text: text.into(),
            indicator: text.into(),
            comparator: Comparator::Ge,
            value: TargetValue::Number(value),
            unit: unit.into(),
            year,
            per: per.map(Into::into),
        }
    }

    fn kind_of(text: &str, unit: &str, per: Option<&str>) -> Kind {
        Indicator::from_target(&target(text, unit, 1.0, None, per)).kind
    }

    #[test]
    fn person_times_are_a_count_summed_over_reports() {
        let ind = Indicator::from_target(&target(
            "开展线上线下融合农民教育培训5000人次以上",
            "人次",
            5000.0,
            None,
            None,
        ));
        assert_eq!(ind.kind, Kind::Count);
        assert_eq!(ind.aggregation, Aggregation::Sum);
        assert!(ind.cumulative);
    }

    #[test]
    fn sessions_times_and_issues_are_counts() {
        for unit in ["场次", "次", "期"] {
            assert_eq!(kind_of("举办活动", unit, None), Kind::Count, "{unit}");
        }
    }

    #[test]
    fn science_bases_built_by_the_deadline_are_a_stock_taking_the_latest_value() {
        let ind = Indicator::from_target(&target(
            "到2025年，全区建成科普基地40家以上",
            "家",
            40.0,
            Some(2025),
            None,
        ));
        assert_eq!(ind.kind, Kind::Stock);
        assert_eq!(ind.aggregation, Aggregation::Latest);
        assert!(ind.cumulative);
        assert!(ind.rule.contains("累计至2025年底"), "{}", ind.rule);
    }

    #[test]
    fn institutions_certified_by_a_deadline_are_a_stock() {
        assert_eq!(
            kind_of("到2025年，认定各级各类科普基地40家以上", "家", None),
            Kind::Stock
        );
        assert_eq!(
            kind_of("争创1-2家国家级科普教育基地", "家", None),
            Kind::Count
        );
    }

    #[test]
    fn having_and_reaching_make_a_stock() {
        assert_eq!(
            kind_of("拥有综合性科普活动场所1个", "个", None),
            Kind::Stock
        );
        assert_eq!(kind_of("全区技能人才达到200人", "人", None), Kind::Stock);
        assert_eq!(kind_of("注册科技志愿者超过5000人", "人", None), Kind::Stock);
    }

    #[test]
    fn people_trained_or_cultivated_are_a_count() {
        assert_eq!(kind_of("培育高素质农民300人", "人", None), Kind::Count);
        assert_eq!(kind_of("培养10名黄山工匠", "名", None), Kind::Count);
    }

    #[test]
    fn download_registrations_are_a_flow_despite_the_word_register() {
        let k = kind_of("每年下载注册1000人以上", "人", Some("每年"));
        assert_eq!(
            k,
            Kind::PerPeriod {
                cadence: Cadence::Year,
                measure: Measure::Count
            }
        );
    }

    #[test]
    fn a_monthly_count_is_judged_per_quarter_at_three_times_the_number() {
        let ind = Indicator::from_target(&target(
            "每月开展科普讲座2场次",
            "场次",
            2.0,
            None,
            Some("每月"),
        ));
        assert_eq!(
            ind.kind,
            Kind::PerPeriod {
                cadence: Cadence::Quarter,
                measure: Measure::Count
            }
        );
        assert_eq!(ind.target.value, TargetValue::Number(6.0));
        assert!(ind.rule.contains("每季度应达 6场次"), "{}", ind.rule);
    }

    #[test]
    fn a_monthly_level_in_the_text_keeps_its_value_per_quarter() {
        let ind = Indicator::from_target(&target(
            "科普网站每个月信息更新率达到90%",
            "%",
            90.0,
            None,
            None,
        ));
        assert_eq!(ind.kind.cadence(), Some(Cadence::Quarter));
        assert_eq!(ind.target.value, TargetValue::Number(90.0));
        assert!(ind.rule.contains("原文按月"), "{}", ind.rule);
    }

    #[test]
    fn a_monthly_target_per_village_is_per_entity_with_a_quarterly_cadence() {
        let k = kind_of("每个村每月开展1次科普活动", "次", Some("每个村每月"));
        assert_eq!(
            k,
            Kind::PerEntity {
                entity: "每个村".into(),
                measure: Measure::Count,
                cadence: Some(Cadence::Quarter)
            }
        );
    }

    #[test]
    fn a_percentage_is_a_share_averaged_with_population_weights() {
        let ind = Indicator::from_target(&target(
            "到2025年公民具备科学素质的比例超过15%",
            "%",
            15.0,
            Some(2025),
            None,
        ));
        assert_eq!(ind.kind, Kind::Share);
        assert_eq!(ind.aggregation, Aggregation::WeightedMean);
        assert!(ind.rule.contains("人口加权"), "{}", ind.rule);
    }

    #[test]
    fn per_village_is_a_per_entity_target_with_coverage() {
        let ind = Indicator::from_target(&target(
            "每个村至少培育1名创业创新带头人",
            "名",
            1.0,
            None,
            Some("每个村"),
        ));
        assert_eq!(
            ind.kind,
            Kind::PerEntity {
                entity: "每个村".into(),
                measure: Measure::Count,
                cadence: None
            }
        );
        assert!(ind.cumulative);
        assert!(ind.rule.contains("覆盖率"), "{}", ind.rule);
    }

    #[test]
    fn per_year_is_a_per_period_target_not_cumulative() {
        let ind = Indicator::from_target(&target(
            "每年开展进校园巡讲活动2场次",
            "场次",
            2.0,
            None,
            Some("每年"),
        ));
        assert_eq!(
            ind.kind,
            Kind::PerPeriod {
                cadence: Cadence::Year,
                measure: Measure::Count
            }
        );
        assert!(!ind.cumulative);
        assert!(ind.rule.contains("最近一个已结束的期间"), "{}", ind.rule);
    }

    #[test]
    fn each_counsellor_each_year_is_per_entity_with_a_cadence() {
        let k = kind_of(
            "每名辅导员每年接受一次以上培训",
            "次",
            Some("每名辅导员每年"),
        );
        assert_eq!(
            k,
            Kind::PerEntity {
                entity: "每名辅导员".into(),
                measure: Measure::Count,
                cadence: Some(Cadence::Year)
            }
        );
    }

    #[test]
    fn half_yearly_is_not_read_as_yearly() {
        assert_eq!(
            kind_of("x", "次", Some("每半年")).cadence(),
            Some(Cadence::Half)
        );
    }

    #[test]
    fn the_office_can_override_the_aggregation_and_the_rule_follows() {
        let ind = Indicator::from_target(&target(
            "累计开展志愿服务活动超过3000次",
            "次",
            3000.0,
            Some(2025),
            None,
        ))
        .with_aggregation(Aggregation::Max);
        assert_eq!(ind.aggregation, Aggregation::Max);
        assert!(ind.rule.contains("最大值"), "{}", ind.rule);
    }

    #[test]
    fn the_rule_states_the_comparison_and_that_no_data_is_not_zero() {
        let mut t = target("超过200个", "个", 200.0, Some(2025), None);
        t.comparator = Comparator::Gt;
        let ind = Indicator::from_target(&t);
        assert!(ind.rule.contains("实际值 > 200个"), "{}", ind.rule);
        assert!(ind.rule.contains("不按0计"), "{}", ind.rule);
    }

    #[test]
    fn a_range_is_met_at_its_lower_bound_in_words() {
        let mut t = target("每年认定科普示范单位1-2个", "个", 0.0, None, Some("每年"));
        t.comparator = Comparator::Range;
        t.value = TargetValue::Range([1.0, 2.0]);
        let ind = Indicator::from_target(&t);
        assert!(ind.rule.contains("达到下限1个即达标"), "{}", ind.rule);
    }

    #[test]
    fn plan_targets_get_stable_keys_in_document_order() {
        let plan = kesu_core::Plan {
            goals: vec![target("比例超过15%", "%", 15.0, Some(2025), None)],
            tasks: vec![kesu_core::Task {
                path: vec!["二".into(), "(二)".into(), "2".into(), "(2)".into()],
                title: "实施高素质农民培育计划".into(),
                targets: vec![
                    target("培训5000人次以上", "人次", 5000.0, None, None),
                    target("每个村至少培育1名", "名", 1.0, None, Some("每个村")),
                ],
                ..kesu_core::Task::default()
            }],
            ..kesu_core::Plan::default()
        };
        let keys: Vec<String> = plan_indicators(&plan).into_iter().map(|t| t.key).collect();
        assert_eq!(
            keys,
            ["goal/1", "task/二.(二).2.(2)/1", "task/二.(二).2.(2)/2"]
        );
    }

    #[test]
    fn quarters_fall_in_their_half_and_year() {
        let q3 = Period::Quarter {
            year: 2025,
            quarter: 3,
        };
        assert_eq!(
            Cadence::Half.bucket(q3),
            Some(Period::Half {
                year: 2025,
                half: 2
            })
        );
        assert_eq!(Cadence::Year.bucket(q3), Some(Period::Year { year: 2025 }));
        assert_eq!(Cadence::Quarter.bucket(Period::Year { year: 2025 }), None);
    }
}
