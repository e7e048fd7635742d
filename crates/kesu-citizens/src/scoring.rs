//! Scoring an attempt by the national rule: each 维度 is worth its weight, shared equally by
//! the items drawn from it; an item scores only when the chosen options are exactly the right
//! ones (a 多选 item with one option missing scores nothing). A score *above* the pass mark
//! passes (具备科学素质: > 70 of 100).

use crate::bank::{Dimension, Question};
use crate::blueprint::{Blueprint, Paper, RULE_VERSION};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The result of one attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// 0–100, two decimals.
    pub total: f64,
    pub passed: bool,
    pub by_dimension: BTreeMap<Dimension, DimensionScore>,
    /// Whether each item of the paper (in paper order) was right.
    pub correct: Vec<bool>,
    pub rule: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionScore {
    pub items: u32,
    pub correct: u32,
    pub points: f64,
}

/// Scores `answers` (per paper item, the *shown* positions the citizen chose; a missing entry
/// is unanswered) against the paper. `questions` maps question ids to the bank items.
pub fn score(
    paper: &Paper,
    questions: &HashMap<i64, Question>,
    answers: &[Vec<u8>],
    blueprint: &Blueprint,
) -> Score {
    let mut per: BTreeMap<Dimension, DimensionScore> = BTreeMap::new();
    let mut correct = Vec::with_capacity(paper.items.len());
    let mut dims = Vec::with_capacity(paper.items.len());
    for (i, item) in paper.items.iter().enumerate() {
        let Some(q) = questions.get(&item.question_id) else {
            correct.push(false);
            dims.push(None);
            continue;
        };
        let chosen: BTreeSet<u8> = answers
            .get(i)
            .map(|a| {
                a.iter()
                    .filter_map(|shown| item.order.get(usize::from(*shown)).copied())
                    .collect()
            })
            .unwrap_or_default();
        let right: BTreeSet<u8> = q.answer.iter().copied().collect();
        let ok = !chosen.is_empty() && chosen == right;
        correct.push(ok);
        dims.push(Some(q.dimension));
        let d = per.entry(q.dimension).or_insert(DimensionScore {
            items: 0,
            correct: 0,
            points: 0.0,
        });
        d.items += 1;
        d.correct += u32::from(ok);
    }
    for (dim, d) in per.iter_mut() {
        d.points = round2(blueprint.weights.of(*dim) * f64::from(d.correct) / f64::from(d.items));
    }
    let total = round2(per.values().map(|d| d.points).sum());
    Score {
        total,
        passed: total > blueprint.pass_mark,
        by_dimension: per,
        correct,
        rule: RULE_VERSION.to_string(),
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
