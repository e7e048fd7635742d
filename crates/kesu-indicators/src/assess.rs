//! The assessment (考核, 检查评估): a scheme the office configures, scores per assessed county or
//! unit, a ranking with ties, and the lists the plans call for.
//!
//! A scheme is a list of items, each worth some points, scored by one rule:
//! - `fixed`: the points if done, else 0;
//! - `proportional`: points × attainment (the indicator's progress), capped (at 1 by default);
//! - `rank_table`: the assessed bodies are ranked on the item's value and a table gives the
//!   points per rank (ties share a rank and its points);
//! - `deduction_per_shortfall`: points minus `deduct` for every `per` of shortfall (pro rata),
//!   not below `floor`;
//! - `zero_if_not_done`: a veto (一票否决): not done makes the whole total 0.
//!
//! An item's score is multiplied by its weight. The assessed body may enter a self-score and the
//! reviewer a score of their own; a reviewer's score replaces the computed one and needs a reason
//! when it differs. Totals are kept to two decimals and ranked by competition ranking (1, 2, 2, 4).

use crate::error::IndicatorError;
use crate::progress::attainment;
use kesu_core::{Comparator, TargetValue};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// An assessment scheme (考核方案).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub items: Vec<Item>,
    /// 表彰最低分: the total a body needs to be a commendation candidate, whatever its rank;
    /// without one, 60% of the full marks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commendation_min: Option<f64>,
}

/// One item of a scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Stable key, used by inputs (`"funding"`).
    pub id: String,
    /// 经费保障.
    pub name: String,
    /// Full marks of the item before weighting.
    pub points: f64,
    pub rule: Rule,
    /// Multiplies the item's score (1 unless stated).
    #[serde(default = "one")]
    pub weight: f64,
    /// Where the item's input comes from.
    pub source: ItemSource,
    /// The plan clause the item rests on, for the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
}

fn one() -> f64 {
    1.0
}

impl Item {
    /// The highest score the item can give before weighting: its points, or points × cap for a
    /// proportional item with a bonus cap above 1. Self and reviewer scores must lie in 0..=this.
    pub fn max_score(&self) -> f64 {
        match self.rule {
            Rule::Proportional { cap } => self.points * cap.max(1.0),
            _ => self.points,
        }
    }

    /// Whether the item is scored on a "done" fact (fixed points, or a veto).
    pub fn needs_done(&self) -> bool {
        matches!(self.rule, Rule::Fixed | Rule::ZeroIfNotDone)
    }
}

/// How an item is scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// The points if done, else 0.
    Fixed,
    /// Points × attainment, attainment capped at `cap` (1 unless stated).
    Proportional {
        #[serde(default = "one")]
        cap: f64,
    },
    /// Points by rank on the item's value (higher is better); ranks beyond the table get
    /// `otherwise`.
    RankTable {
        table: Vec<RankPoints>,
        #[serde(default)]
        otherwise: f64,
    },
    /// Points − `deduct` × shortfall / `per`, not below `floor`.
    DeductionPerShortfall {
        per: f64,
        deduct: f64,
        #[serde(default)]
        floor: f64,
    },
    /// A veto: not done → the total is 0. Done → the points (often 0).
    ZeroIfNotDone,
}

/// One row of a rank table: ranks up to `up_to` (after the previous row's) get `points`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RankPoints {
    pub up_to: u32,
    pub points: f64,
}

/// Where an item's input comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemSource {
    /// An indicator (its key as the caller names it, e.g. `"literacy_share"`).
    Indicator(String),
    /// The evidence attached to reports, judged by the reviewer (`"report_evidence"`).
    ReportEvidence,
}

impl Rule {
    /// 固定分 / 按完成比例 / 按名次 / 按差额扣分 / 一票否决.
    pub fn zh(&self) -> &'static str {
        match self {
            Rule::Fixed => "完成得分",
            Rule::Proportional { .. } => "按完成比例",
            Rule::RankTable { .. } => "按名次",
            Rule::DeductionPerShortfall { .. } => "按差额扣分",
            Rule::ZeroIfNotDone => "一票否决",
        }
    }
}

/// The default scheme shipped with Kesu, derived from the 检查评估 and 考核 sections of the
/// sample plans (`schemes/default.json`).
pub const DEFAULT_SCHEME_JSON: &str = include_str!("../schemes/default.json");

impl Scheme {
    /// Read a scheme from JSON; `file` names it in messages.
    pub fn from_json(text: &str, file: &str) -> Result<Scheme, IndicatorError> {
        let scheme: Scheme =
            serde_json::from_str(text).map_err(|e| IndicatorError::SchemeSyntax {
                file: file.to_string(),
                line: e.line(),
                column: e.column(),
                reason: e.to_string(),
            })?;
        scheme.validate()?;
        Ok(scheme)
    }

    /// The default scheme.
    pub fn default_scheme() -> Result<Scheme, IndicatorError> {
        Scheme::from_json(DEFAULT_SCHEME_JSON, "schemes/default.json")
    }

    /// The maximum total: Σ points × weight (bonus caps above 1 not counted).
    pub fn max_total(&self) -> f64 {
        self.items.iter().map(|i| i.points * i.weight).sum()
    }

    /// Check the items make sense; every message names the item.
    pub fn validate(&self) -> Result<(), IndicatorError> {
        let mut seen = HashSet::new();
        for item in &self.items {
            let bad = |reason: &str| IndicatorError::BadItem {
                item: format!("{}（{}）", item.name, item.id),
                reason: reason.to_string(),
            };
            if item.id.trim().is_empty() {
                return Err(bad("缺少编号 id (missing id)"));
            }
            if !seen.insert(item.id.as_str()) {
                return Err(IndicatorError::DuplicateItem(item.id.clone()));
            }
            if !item.points.is_finite() || item.points < 0.0 {
                return Err(bad("分值 points 必须是不小于0的数 (points must be ≥ 0)"));
            }
            if !item.weight.is_finite() || item.weight < 0.0 {
                return Err(bad("权重 weight 必须是不小于0的数 (weight must be ≥ 0)"));
            }
            match &item.rule {
                Rule::Proportional { cap } if !cap.is_finite() || *cap < 0.0 => {
                    return Err(bad("上限 cap 必须是不小于0的数 (cap must be ≥ 0)"));
                }
                Rule::RankTable { table, otherwise } => {
                    if table.is_empty() {
                        return Err(bad("名次表 table 不能为空 (empty rank table)"));
                    }
                    let mut prev = 0;
                    for row in table {
                        if row.up_to <= prev {
                            return Err(bad(
                                "名次表的 up_to 必须从1起严格递增 (up_to must increase from 1)",
                            ));
                        }
                        prev = row.up_to;
                        if !row.points.is_finite() || row.points < 0.0 || row.points > item.points {
                            return Err(bad(
                                "名次表的分值必须在0到该项分值之间 (rank points must lie in 0..=points)",
                            ));
                        }
                    }
                    if !otherwise.is_finite() || *otherwise < 0.0 || *otherwise > item.points {
                        return Err(bad(
                            "otherwise 必须在0到该项分值之间 (otherwise must lie in 0..=points)",
                        ));
                    }
                }
                Rule::DeductionPerShortfall { per, deduct, floor } => {
                    if !per.is_finite() || *per <= 0.0 {
                        return Err(bad("per 必须大于0 (per must be > 0)"));
                    }
                    if !deduct.is_finite() || *deduct < 0.0 {
                        return Err(bad("deduct 必须不小于0 (deduct must be ≥ 0)"));
                    }
                    if !floor.is_finite() || *floor < 0.0 || *floor > item.points {
                        return Err(bad(
                            "floor 必须在0到该项分值之间 (floor must lie in 0..=points)",
                        ));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// What is known about one item for one assessed body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemInput {
    /// Progress of the item's indicator (uncapped; 0.84 = 84%), for `proportional`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attainment: Option<f64>,
    /// Whether the item was done, for `fixed` and `zero_if_not_done`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done: Option<bool>,
    /// How far short (late reports, missing percentage points), for `deduction_per_shortfall`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shortfall: Option<f64>,
    /// The value ranked for `rank_table` (higher is better); without it, the attainment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// 自评分 (before weighting) and its reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_reason: Option<String>,
    /// 评审分 (before weighting): replaces the computed score; a reason is required when it
    /// differs from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer_score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer_reason: Option<String>,
}

/// One assessed county or unit and its inputs, by item id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assessed {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub items: BTreeMap<String, ItemInput>,
}

/// One item's score for one assessed body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemScore {
    pub item: String,
    pub name: String,
    pub source: ItemSource,
    /// By the rule, before weighting; `None` without input.
    pub computed: Option<f64>,
    pub self_score: Option<f64>,
    pub reviewer_score: Option<f64>,
    pub reviewer_reason: Option<String>,
    /// The score counted (reviewer's, else computed, else 0), before weighting.
    pub score: f64,
    /// `score × weight`.
    pub weighted: f64,
    /// How the score was reached, in Chinese.
    pub note: String,
}

/// One assessed body's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    pub id: String,
    pub name: String,
    /// Rounded to two decimals.
    pub total: f64,
    /// Σ self-scores × weight, when every item has a self-score.
    pub self_total: Option<f64>,
    /// Competition rank (1, 2, 2, 4).
    pub rank: u32,
    /// The veto item that zeroed the total, if any.
    pub vetoed_by: Option<String>,
    pub items: Vec<ItemScore>,
}

/// A scheme applied to a set of assessed bodies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub scheme: String,
    pub max_total: f64,
    /// The scheme's minimum total for commendation (`Scheme::commendation_min`).
    pub commendation_min: f64,
    /// By rank, ties by name (then id).
    pub results: Vec<Scored>,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn num(x: f64) -> String {
    kesu_core::plan::fmt_num(round2(x))
}

/// Competition ranks (1, 2, 2, 4) of `values`, higher first; `None` values get no rank.
fn competition_ranks(values: &[Option<f64>]) -> Vec<Option<u32>> {
    let mut order: Vec<usize> = (0..values.len()).filter(|&i| values[i].is_some()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (values[a].unwrap_or(0.0), values[b].unwrap_or(0.0));
        y.total_cmp(&x)
    });
    let mut ranks = vec![None; values.len()];
    let mut prev: Option<f64> = None;
    let mut rank = 0u32;
    for (pos, &i) in order.iter().enumerate() {
        let v = values[i];
        if v != prev {
            rank = pos as u32 + 1;
            prev = v;
        }
        ranks[i] = Some(rank);
    }
    ranks
}

/// Score every assessed body with `scheme`, total, rank.
pub fn assess(scheme: &Scheme, assessed: &[Assessed]) -> Result<Assessment, IndicatorError> {
    scheme.validate()?;
    let mut ids = HashSet::new();
    for a in assessed {
        if !ids.insert(a.id.as_str()) {
            return Err(IndicatorError::DuplicateEntity(a.id.clone()));
        }
        for key in a.items.keys() {
            if !scheme.items.iter().any(|i| &i.id == key) {
                return Err(IndicatorError::UnknownItem {
                    entity: a.name.clone(),
                    item: key.clone(),
                });
            }
        }
    }
    // Ranks of rank-table items, computed over all assessed bodies at once.
    let mut item_ranks: BTreeMap<&str, Vec<Option<u32>>> = BTreeMap::new();
    for item in &scheme.items {
        if matches!(item.rule, Rule::RankTable { .. }) {
            let values: Vec<Option<f64>> = assessed
                .iter()
                .map(|a| {
                    a.items
                        .get(&item.id)
                        .and_then(|i| i.value.or(i.attainment))
                        .filter(|v| v.is_finite())
                })
                .collect();
            item_ranks.insert(&item.id, competition_ranks(&values));
        }
    }

    let mut results = Vec::with_capacity(assessed.len());
    for (ai, a) in assessed.iter().enumerate() {
        let mut items = Vec::with_capacity(scheme.items.len());
        let mut total = 0.0;
        let mut self_total = Some(0.0);
        let mut vetoed_by = None;
        for item in &scheme.items {
            let empty = ItemInput::default();
            let input = a.items.get(&item.id).unwrap_or(&empty);
            let bad = |reason: String| IndicatorError::BadScore {
                entity: a.name.clone(),
                item: item.name.clone(),
                reason,
            };
            for (what, v) in [
                ("完成率 attainment", input.attainment),
                ("差额 shortfall", input.shortfall),
                ("数值 value", input.value),
            ] {
                if let Some(v) = v
                    && (!v.is_finite() || (v < 0.0 && what != "数值 value"))
                {
                    return Err(bad(format!(
                        "{what} 必须是不小于0的数 (must be a number ≥ 0)"
                    )));
                }
            }
            let rank = item_ranks.get(item.id.as_str()).and_then(|r| r[ai]);
            let (computed, note) = score_item(item, input, rank);
            if item.rule == Rule::ZeroIfNotDone && input.done == Some(false) {
                vetoed_by = Some(item.name.clone());
            }
            let max = item.max_score();
            for (who, s) in [
                ("自评分", input.self_score),
                ("评审分", input.reviewer_score),
            ] {
                if let Some(s) = s
                    && (!s.is_finite() || s < 0.0 || s > max + 1e-9)
                {
                    return Err(bad(format!(
                        "{who} {} 超出范围 0–{} (score out of range)",
                        num(s),
                        num(max)
                    )));
                }
            }
            let reason = input
                .reviewer_reason
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty());
            if let Some(r) = input.reviewer_score
                && reason.is_none()
                && computed.is_none_or(|c| (c - r).abs() > 1e-9)
            {
                return Err(bad(format!(
                    "评审分 {} 与计算分 {} 不同，须填写理由 reviewer_reason (a reviewer score that differs needs a reason)",
                    num(r),
                    computed.map_or("（无）".to_string(), num)
                )));
            }
            let score = input.reviewer_score.or(computed).unwrap_or(0.0);
            let weighted = score * item.weight;
            total += weighted;
            self_total = match (self_total, input.self_score) {
                (Some(t), Some(s)) => Some(t + s * item.weight),
                _ => None,
            };
            let note = match input.reviewer_score {
                Some(r) => format!(
                    "{note}；评审分 {}{}",
                    num(r),
                    reason.map(|r| format!("（理由：{r}）")).unwrap_or_default()
                ),
                None => note,
            };
            items.push(ItemScore {
                item: item.id.clone(),
                name: item.name.clone(),
                source: item.source.clone(),
                computed,
                self_score: input.self_score,
                reviewer_score: input.reviewer_score,
                reviewer_reason: reason.map(str::to_string),
                score,
                weighted,
                note,
            });
        }
        if vetoed_by.is_some() {
            total = 0.0;
        }
        results.push(Scored {
            id: a.id.clone(),
            name: a.name.clone(),
            total: round2(total),
            self_total: self_total.map(round2),
            rank: 0,
            vetoed_by,
            items,
        });
    }
    let totals: Vec<Option<f64>> = results.iter().map(|r| Some(r.total)).collect();
    for (r, rank) in results.iter_mut().zip(competition_ranks(&totals)) {
        r.rank = rank.unwrap_or(0);
    }
    results.sort_by(|a, b| {
        a.rank
            .cmp(&b.rank)
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(Assessment {
        scheme: scheme.name.clone(),
        max_total: scheme.max_total(),
        commendation_min: scheme.commendation_min.unwrap_or(0.6 * scheme.max_total()),
        results,
    })
}

/// The computed score of one item (before weighting) and how it was reached.
fn score_item(item: &Item, input: &ItemInput, rank: Option<u32>) -> (Option<f64>, String) {
    let p = item.points;
    match &item.rule {
        Rule::Fixed | Rule::ZeroIfNotDone => match input.done {
            Some(true) => (Some(p), format!("已完成，得{}分", num(p))),
            Some(false) if item.rule == Rule::ZeroIfNotDone => {
                (Some(0.0), "未完成，一票否决，总分计0".to_string())
            }
            Some(false) => (Some(0.0), "未完成，得0分".to_string()),
            None => (None, "无完成情况，计0分".to_string()),
        },
        Rule::Proportional { cap } => match input.attainment {
            Some(a) => {
                let used = a.min(*cap);
                (
                    Some(p * used),
                    format!(
                        "完成率 {}%{} × {}分 = {}分",
                        num(a * 100.0),
                        if used < a {
                            format!("（按上限 {}% 计）", num(cap * 100.0))
                        } else {
                            String::new()
                        },
                        num(p),
                        num(p * used)
                    ),
                )
            }
            None => (None, "无完成率数据，计0分".to_string()),
        },
        Rule::RankTable { table, otherwise } => match rank {
            Some(r) => {
                let pts = table
                    .iter()
                    .find(|row| r <= row.up_to)
                    .map_or(*otherwise, |row| row.points);
                (Some(pts), format!("第{r}名，得{}分", num(pts)))
            }
            None => (None, "无排名数据，计0分".to_string()),
        },
        Rule::DeductionPerShortfall { per, deduct, floor } => match input.shortfall {
            Some(s) => {
                let raw = p - deduct * s / per;
                let pts = raw.max(*floor);
                (
                    Some(pts),
                    format!(
                        "差额 {}，每{}扣{}分，得{}分{}",
                        num(s),
                        num(*per),
                        num(*deduct),
                        num(pts),
                        if raw < *floor {
                            format!("（不低于{}分）", num(*floor))
                        } else {
                            String::new()
                        }
                    ),
                )
            }
            None => (None, "无差额数据，计0分".to_string()),
        },
    }
}

impl Assessment {
    /// 表彰候选: the top `top_n` by rank (ties at the boundary included) and anyone scoring at
    /// least `threshold`; never a vetoed body, nor one below the scheme's minimum
    /// (`commendation_min`). In display order.
    pub fn commendation_candidates(
        &self,
        top_n: Option<u32>,
        threshold: Option<f64>,
    ) -> Vec<&Scored> {
        self.results
            .iter()
            .filter(|r| r.vetoed_by.is_none() && r.total >= self.commendation_min)
            .filter(|r| {
                top_n.is_some_and(|n| r.rank <= n) || threshold.is_some_and(|t| r.total >= t)
            })
            .collect()
    }
}

/// A region's literacy share this year and last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareYears {
    pub id: String,
    pub name: String,
    pub this_year: Option<f64>,
    pub last_year: Option<f64>,
}

/// A region on the 不升反降 / below-target list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Concern {
    pub id: String,
    pub name: String,
    pub this_year: f64,
    pub last_year: Option<f64>,
    /// `this_year − last_year`.
    pub change: Option<f64>,
    /// The target is not met this year.
    pub below_target: bool,
    /// Lower than last year (不升反降).
    pub fell: bool,
    /// "低于目标（15%）；比上年下降0.8个百分点".
    pub reason: String,
}

/// Regions whose share is below the target or fell since last year, worst first (lowest share,
/// then name). Regions with no figure this year are not judged (the caller lists them as no data).
pub fn below_target_or_fell(
    shares: &[ShareYears],
    comparator: Comparator,
    target: f64,
) -> Vec<Concern> {
    let mut out: Vec<Concern> = shares
        .iter()
        .filter_map(|s| {
            let now = s.this_year.filter(|v| v.is_finite())?;
            let before = s.last_year.filter(|v| v.is_finite());
            let below = !attainment(comparator, &TargetValue::Number(target), now).met;
            let change = before.map(|b| now - b);
            let fell = change.is_some_and(|c| c < 0.0);
            if !below && !fell {
                return None;
            }
            let mut reasons = Vec::new();
            if below {
                reasons.push(format!(
                    "未达到目标（{}{}%）",
                    match comparator {
                        Comparator::Gt => "超过",
                        _ => "",
                    },
                    num(target)
                ));
            }
            if let Some(c) = change.filter(|c| *c < 0.0) {
                reasons.push(format!("比上年下降{}个百分点（不升反降）", num(-c)));
            }
            Some(Concern {
                id: s.id.clone(),
                name: s.name.clone(),
                this_year: now,
                last_year: before,
                change,
                below_target: below,
                fell,
                reason: reasons.join("；"),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        a.this_year
            .total_cmp(&b.this_year)
            .then_with(|| a.name.cmp(&b.name))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn item(id: &str, points: f64, rule: Rule) -> Item {
        Item {
            id: id.into(),
            name: id.into(),
            points,
            rule,
            weight: 1.0,
            source: ItemSource::ReportEvidence,
            basis: None,
        }
    }

    fn scheme(items: Vec<Item>) -> Scheme {
        Scheme {
            name: "测试方案".into(),
            description: None,
            items,
            commendation_min: None,
        }
    }

    fn body(id: &str, name: &str, items: &[(&str, ItemInput)]) -> Assessed {
        Assessed {
            id: id.into(),
            name: name.into(),
            items: items
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.clone()))
                .collect(),
        }
    }

    fn done(d: bool) -> ItemInput {
        ItemInput {
            done: Some(d),
            ..ItemInput::default()
        }
    }

    fn attained(a: f64) -> ItemInput {
        ItemInput {
            attainment: Some(a),
            ..ItemInput::default()
        }
    }

    /// Two items: 任务落实 (proportional, 60) and 经费保障 (fixed, 40).
    fn two_items() -> Scheme {
        scheme(vec![
            item("tasks", 60.0, Rule::Proportional { cap: 1.0 }),
            item("funding", 40.0, Rule::Fixed),
        ])
    }

    /// 甲 0.9 + funds → 54 + 40 = 94; 乙 1.0 + no funds → 60; 丙 0.5 + funds → 30 + 40 = 70;
    /// 丁 1.2 (capped) + no funds → 60; 戊 0.4 + funds → 24 + 40 = 64.
    fn five_counties() -> Vec<Assessed> {
        vec![
            body(
                "a",
                "甲县",
                &[("tasks", attained(0.9)), ("funding", done(true))],
            ),
            body(
                "b",
                "乙县",
                &[("tasks", attained(1.0)), ("funding", done(false))],
            ),
            body(
                "c",
                "丙县",
                &[("tasks", attained(0.5)), ("funding", done(true))],
            ),
            body(
                "d",
                "丁县",
                &[("tasks", attained(1.2)), ("funding", done(false))],
            ),
            body(
                "e",
                "戊县",
                &[("tasks", attained(0.4)), ("funding", done(true))],
            ),
        ]
    }

    fn ranking(a: &Assessment) -> Vec<(String, f64, u32)> {
        a.results
            .iter()
            .map(|r| (r.name.clone(), r.total, r.rank))
            .collect()
    }

    #[test]
    fn a_hand_computed_ranking_with_ties() {
        let a = assess(&two_items(), &five_counties()).unwrap();
        assert_eq!(
            ranking(&a),
            [
                ("甲县".to_string(), 94.0, 1),
                ("丙县".to_string(), 70.0, 2),
                ("戊县".to_string(), 64.0, 3),
                // 乙 and 丁 tie at 60: both 4th, shown by name (丁 U+4E01 before 乙 U+4E59).
                ("丁县".to_string(), 60.0, 4),
                ("乙县".to_string(), 60.0, 4),
            ]
        );
        assert_eq!(a.max_total, 100.0);
    }

    #[test]
    fn ties_in_the_middle_skip_the_next_rank() {
        let s = scheme(vec![item("x", 10.0, Rule::Proportional { cap: 1.0 })]);
        let bodies = [
            body("1", "A", &[("x", attained(1.0))]),
            body("2", "B", &[("x", attained(0.5))]),
            body("3", "C", &[("x", attained(0.5))]),
            body("4", "D", &[("x", attained(0.1))]),
        ];
        let a = assess(&s, &bodies).unwrap();
        let ranks: Vec<u32> = a.results.iter().map(|r| r.rank).collect();
        assert_eq!(ranks, [1, 2, 2, 4]);
    }

    #[test]
    fn raising_one_weight_changes_the_ranking_as_expected() {
        // Weight 2 on funding: 甲 54 + 80 = 134; 丙 30 + 80 = 110; 戊 24 + 80 = 104; 乙, 丁 60.
        // Weight 0.25 instead: 甲 54 + 10 = 64; 乙 and 丁 60; 丙 30 + 10 = 40; 戊 24 + 10 = 34.
        let mut s = two_items();
        s.items[1].weight = 0.25;
        let a = assess(&s, &five_counties()).unwrap();
        assert_eq!(
            ranking(&a),
            [
                ("甲县".to_string(), 64.0, 1),
                ("丁县".to_string(), 60.0, 2),
                ("乙县".to_string(), 60.0, 2),
                ("丙县".to_string(), 40.0, 4),
                ("戊县".to_string(), 34.0, 5),
            ]
        );
        assert_eq!(a.max_total, 70.0);
    }

    #[test]
    fn proportional_points_are_capped() {
        let a = assess(&two_items(), &five_counties()).unwrap();
        let ding = a.results.iter().find(|r| r.name == "丁县").unwrap();
        assert_eq!(ding.items[0].score, 60.0);
        assert!(
            ding.items[0].note.contains("按上限 100% 计"),
            "{}",
            ding.items[0].note
        );
    }

    #[test]
    fn a_rank_table_gives_tied_bodies_the_same_points() {
        let s = scheme(vec![item(
            "rise",
            10.0,
            Rule::RankTable {
                table: vec![
                    RankPoints {
                        up_to: 1,
                        points: 10.0,
                    },
                    RankPoints {
                        up_to: 3,
                        points: 8.0,
                    },
                ],
                otherwise: 5.0,
            },
        )]);
        let v = |x: f64| ItemInput {
            value: Some(x),
            ..ItemInput::default()
        };
        let bodies = [
            body("1", "A", &[("rise", v(2.1))]),
            body("2", "B", &[("rise", v(1.5))]),
            body("3", "C", &[("rise", v(1.5))]),
            body("4", "D", &[("rise", v(0.3))]),
            body("5", "E", &[]),
        ];
        let a = assess(&s, &bodies).unwrap();
        let got: Vec<(&str, f64)> = a
            .results
            .iter()
            .map(|r| (r.name.as_str(), r.total))
            .collect();
        // D is 4th (beyond the table): 5; E has no value: 0.
        assert_eq!(
            got,
            [("A", 10.0), ("B", 8.0), ("C", 8.0), ("D", 5.0), ("E", 0.0)]
        );
    }

    #[test]
    fn a_deduction_per_shortfall_stops_at_the_floor() {
        // 10 points, 2 off per late report, floor 3: 2 late → 6; 5 late → 3 (not 0).
        let s = scheme(vec![item(
            "reports",
            10.0,
            Rule::DeductionPerShortfall {
                per: 1.0,
                deduct: 2.0,
                floor: 3.0,
            },
        )]);
        let late = |n: f64| ItemInput {
            shortfall: Some(n),
            ..ItemInput::default()
        };
        let a = assess(
            &s,
            &[
                body("1", "A", &[("reports", late(2.0))]),
                body("2", "B", &[("reports", late(5.0))]),
            ],
        )
        .unwrap();
        assert_eq!(a.results[0].total, 6.0);
        assert_eq!(a.results[1].total, 3.0);
        assert!(a.results[1].items[0].note.contains("不低于3分"));
    }

    #[test]
    fn a_veto_item_not_done_zeroes_the_total() {
        let mut s = two_items();
        s.items.push(item("integrity", 0.0, Rule::ZeroIfNotDone));
        let mut bodies = five_counties();
        bodies[0].items.insert("integrity".into(), done(false));
        let a = assess(&s, &bodies).unwrap();
        let jia = a.results.iter().find(|r| r.name == "甲县").unwrap();
        assert_eq!((jia.total, jia.rank), (0.0, 5));
        assert_eq!(jia.vetoed_by.as_deref(), Some("integrity"));
        assert!(
            a.commendation_candidates(Some(5), None)
                .iter()
                .all(|r| r.name != "甲县")
        );
    }

    #[test]
    fn a_reviewer_score_replaces_the_computed_one_with_its_reason() {
        let mut bodies = five_counties();
        bodies[1].items.insert(
            "funding".into(),
            ItemInput {
                done: Some(false),
                self_score: Some(40.0),
                reviewer_score: Some(20.0),
                reviewer_reason: Some("经费已列入预算但未足额拨付".into()),
                ..ItemInput::default()
            },
        );
        let a = assess(&two_items(), &bodies).unwrap();
        let yi = a.results.iter().find(|r| r.name == "乙县").unwrap();
        assert_eq!(yi.total, 80.0);
        assert_eq!(yi.items[1].computed, Some(0.0));
        assert_eq!(yi.items[1].self_score, Some(40.0));
        assert!(yi.items[1].note.contains("未足额拨付"));
    }

    #[test]
    fn a_differing_reviewer_score_without_a_reason_is_refused() {
        let mut bodies = five_counties();
        bodies[1].items.insert(
            "funding".into(),
            ItemInput {
                done: Some(false),
                reviewer_score: Some(20.0),
                ..ItemInput::default()
            },
        );
        let e = assess(&two_items(), &bodies).unwrap_err();
        assert!(e.to_string().contains("乙县"), "{e}");
        assert!(e.to_string().contains("须填写理由"), "{e}");
    }

    #[test]
    fn a_score_above_the_items_points_is_refused() {
        let mut bodies = five_counties();
        bodies[0].items.get_mut("funding").unwrap().self_score = Some(45.0);
        let e = assess(&two_items(), &bodies).unwrap_err();
        assert!(e.to_string().contains("超出范围"), "{e}");
    }

    #[test]
    fn the_self_total_is_kept_beside_the_total() {
        let mut bodies = five_counties();
        bodies[2].items.get_mut("tasks").unwrap().self_score = Some(55.0);
        bodies[2].items.get_mut("funding").unwrap().self_score = Some(40.0);
        let a = assess(&two_items(), &bodies).unwrap();
        let bing = a.results.iter().find(|r| r.name == "丙县").unwrap();
        assert_eq!((bing.self_total, bing.total), (Some(95.0), 70.0));
    }

    #[test]
    fn an_input_for_an_unknown_item_is_refused_by_name() {
        let mut bodies = five_counties();
        bodies[0].items.insert("bonus".into(), done(true));
        let e = assess(&two_items(), &bodies).unwrap_err();
        assert_eq!(
            e,
            IndicatorError::UnknownItem {
                entity: "甲县".into(),
                item: "bonus".into()
            }
        );
    }

    #[test]
    fn commendation_needs_the_schemes_minimum_whatever_the_rank() {
        let mut s = two_items();
        let a = assess(&s, &five_counties()).unwrap();
        let lowest = a.results.iter().map(|r| r.total).fold(f64::MAX, f64::min);
        s.commendation_min = Some(lowest + 0.01);
        let a = assess(&s, &five_counties()).unwrap();
        let all = a.commendation_candidates(Some(5), None);
        let above = a.results.iter().filter(|r| r.total > lowest).count();
        assert_eq!(all.len(), above, "the lowest totals are below the minimum");
        assert!(above < 5 && all.iter().all(|r| r.total >= lowest + 0.01));
        // Without a minimum in the scheme: 60% of the full marks.
        s.commendation_min = None;
        assert_eq!(
            assess(&s, &[]).unwrap().commendation_min,
            0.6 * s.max_total()
        );
    }

    #[test]
    fn commendation_takes_the_top_n_with_ties_or_a_threshold() {
        let a = assess(&two_items(), &five_counties()).unwrap();
        let names = |v: Vec<&Scored>| v.into_iter().map(|r| r.name.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(a.commendation_candidates(Some(2), None)),
            ["甲县", "丙县"]
        );
        assert_eq!(
            names(a.commendation_candidates(Some(4), None)),
            ["甲县", "丙县", "戊县", "丁县", "乙县"]
        );
        assert_eq!(
            names(a.commendation_candidates(None, Some(64.0))),
            ["甲县", "丙县", "戊县"]
        );
    }

    #[test]
    fn below_target_or_fell_lists_both_kinds_worst_first() {
        let s = |id: &str, now: Option<f64>, before: Option<f64>| ShareYears {
            id: id.into(),
            name: id.into(),
            this_year: now,
            last_year: before,
        };
        let shares = [
            s("A", Some(16.2), Some(15.1)), // above 15 and rising: not listed
            s("B", Some(15.8), Some(16.6)), // above target but fell 0.8
            s("C", Some(13.0), Some(12.0)), // below target, rising
            s("D", Some(12.5), Some(13.0)), // both
            s("E", None, Some(14.0)),       // no figure this year: not judged
            s("F", Some(15.0), None),       // exactly 15 is not "超过15%"
        ];
        let c = below_target_or_fell(&shares, Comparator::Gt, 15.0);
        let got: Vec<(&str, bool, bool)> = c
            .iter()
            .map(|x| (x.id.as_str(), x.below_target, x.fell))
            .collect();
        assert_eq!(
            got,
            [
                ("D", true, true),
                ("C", true, false),
                ("F", true, false),
                ("B", false, true)
            ]
        );
        assert!(c[0].reason.contains("下降0.5个百分点"), "{}", c[0].reason);
        assert!(c[3].reason.contains("不升反降"), "{}", c[3].reason);
    }

    #[test]
    fn the_default_scheme_parses_and_totals_100() {
        let s = Scheme::default_scheme().unwrap();
        assert_eq!(s.max_total(), 100.0);
        assert!(
            s.items.iter().all(|i| i.basis.is_some()),
            "every item cites the plans"
        );
    }

    #[test]
    fn a_broken_scheme_file_is_named_with_line_and_column() {
        let e =
            Scheme::from_json("{\n  \"name\": \"x\",\n  \"items\": [ }", "my.json").unwrap_err();
        let m = e.to_string();
        assert!(m.contains("my.json") && m.contains("第3行"), "{m}");
    }

    #[test]
    fn a_rank_table_out_of_order_is_refused() {
        let s = scheme(vec![item(
            "r",
            10.0,
            Rule::RankTable {
                table: vec![
                    RankPoints {
                        up_to: 3,
                        points: 8.0,
                    },
                    RankPoints {
                        up_to: 1,
                        points: 10.0,
                    },
                ],
                otherwise: 0.0,
            },
        )]);
        assert!(matches!(s.validate(), Err(IndicatorError::BadItem { .. })));
    }

    #[test]
    fn duplicate_item_ids_are_refused() {
        let s = scheme(vec![
            item("x", 1.0, Rule::Fixed),
            item("x", 1.0, Rule::Fixed),
        ]);
        assert_eq!(s.validate(), Err(IndicatorError::DuplicateItem("x".into())));
    }

    #[test]
    fn a_scheme_round_trips_through_json() {
        let s = Scheme::default_scheme().unwrap();
        let text = serde_json::to_string_pretty(&s).unwrap();
        assert_eq!(Scheme::from_json(&text, "x").unwrap(), s);
    }

    proptest! {
        #[test]
        fn the_ranking_is_a_permutation_consistent_with_scores(
            atts in prop::collection::vec((0u32..=120, any::<bool>()), 1..30)
        ) {
            let bodies: Vec<Assessed> = atts
                .iter()
                .enumerate()
                .map(|(i, (a, d))| body(
                    &format!("id{i}"),
                    &format!("县{i:02}"),
                    &[("tasks", attained(f64::from(*a) / 100.0)), ("funding", done(*d))],
                ))
                .collect();
            let a = assess(&two_items(), &bodies).unwrap();
            // A permutation of the inputs.
            let mut ids: Vec<&str> = a.results.iter().map(|r| r.id.as_str()).collect();
            ids.sort_unstable();
            let mut want: Vec<String> = bodies.iter().map(|b| b.id.clone()).collect();
            want.sort_unstable();
            prop_assert_eq!(ids, want.iter().map(String::as_str).collect::<Vec<_>>());
            // Ordered by total; rank = 1 + number of strictly higher totals.
            for w in a.results.windows(2) {
                prop_assert!(w[0].total >= w[1].total);
                prop_assert!(w[0].rank <= w[1].rank);
                if w[0].total == w[1].total {
                    prop_assert_eq!(w[0].rank, w[1].rank);
                    prop_assert!(w[0].name <= w[1].name);
                }
            }
            for r in &a.results {
                let higher = a.results.iter().filter(|o| o.total > r.total).count() as u32;
                prop_assert_eq!(r.rank, higher + 1);
            }
        }
    }
}
