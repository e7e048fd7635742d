//! A test's blueprint (组卷规则) and the draw of one attempt's paper.
//!
//! A blueprint says how many items each 维度 (and, optionally, each 基准 within it) takes, the
//! time limit, the weights per 维度 and the pass mark. Each attempt gets its own paper, drawn
//! from a seed; the paper (item ids and option order) is stored with the attempt, so that a
//! later change of bank or of this code never changes what a citizen was asked.

use crate::bank::{Dimension, Question, QuestionKind};
use crate::error::{CitizensError, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// Points per 维度, out of 100. The national weights (2024 survey): 知识 40, 方法 20,
/// 精神与思想 20, 应用 20.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Weights(pub BTreeMap<Dimension, f64>);

impl Default for Weights {
    fn default() -> Self {
        Weights(BTreeMap::from([
            (Dimension::Knowledge, 40.0),
            (Dimension::Method, 20.0),
            (Dimension::Spirit, 20.0),
            (Dimension::Application, 20.0),
        ]))
    }
}

impl Weights {
    pub fn of(&self, d: Dimension) -> f64 {
        self.0.get(&d).copied().unwrap_or(0.0)
    }
}

/// How many items to draw from one 维度, or from one 基准 of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    pub dimension: Dimension,
    /// A 基准 (1–26); `None` draws from the whole 维度 (after the parts that name a 基准).
    #[serde(default)]
    pub benchmark: Option<u8>,
    pub count: u32,
}

/// 组卷规则.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Blueprint {
    pub parts: Vec<Part>,
    /// 答题时限, minutes (enforced on the server).
    pub time_limit_minutes: u32,
    /// 及格线: a score *above* it passes (national rule: > 70 of 100).
    #[serde(default = "default_pass_mark")]
    pub pass_mark: f64,
    #[serde(default)]
    pub weights: Weights,
}

fn default_pass_mark() -> f64 {
    70.0
}

/// The version of the scoring rule stored with every result.
pub const RULE_VERSION: &str = "national-2024/v1";

/// One drawn item: the bank question and the order its options are shown in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperItem {
    /// The question's id in the store.
    pub question_id: i64,
    /// `order[k]` is the bank option shown at position k.
    pub order: Vec<u8>,
}

/// The exact paper of one attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paper {
    pub items: Vec<PaperItem>,
}

impl Blueprint {
    /// A blueprint with the national weights: `per_dimension` items of each 维度 in proportion
    /// to its weight is left to the office; this is the common 20-item quiz (8/4/4/4).
    pub fn standard() -> Blueprint {
        Blueprint {
            parts: vec![
                Part {
                    dimension: Dimension::Knowledge,
                    benchmark: None,
                    count: 8,
                },
                Part {
                    dimension: Dimension::Method,
                    benchmark: None,
                    count: 4,
                },
                Part {
                    dimension: Dimension::Spirit,
                    benchmark: None,
                    count: 4,
                },
                Part {
                    dimension: Dimension::Application,
                    benchmark: None,
                    count: 4,
                },
            ],
            time_limit_minutes: 30,
            pass_mark: 70.0,
            weights: Weights::default(),
        }
    }

    /// Items the blueprint draws per 维度.
    pub fn items_per_dimension(&self) -> BTreeMap<Dimension, u32> {
        let mut m = BTreeMap::new();
        for p in &self.parts {
            *m.entry(p.dimension).or_insert(0) += p.count;
        }
        m
    }

    /// Checks the blueprint on its own and against a bank (`(id, question)` pairs).
    pub fn check(&self, bank: &[(i64, Question)]) -> Result<()> {
        let bad = |m: String| Err(CitizensError::Blueprint(m));
        if self.parts.is_empty() {
            return bad("组卷规则没有题目 (blueprint draws no items)".into());
        }
        if !(1..=600).contains(&self.time_limit_minutes) {
            return bad("答题时限应为 1–600 分钟 (time limit 1–600 minutes)".into());
        }
        if !(0.0..100.0).contains(&self.pass_mark) {
            return bad("及格线应在 0–100 之间 (pass mark 0–100)".into());
        }
        let total: f64 = self.weights.0.values().sum();
        if (total - 100.0).abs() > 1e-6 || self.weights.0.values().any(|w| *w < 0.0) {
            return bad(format!(
                "各维度分值之和应为 100，现为 {total} (weights must add up to 100)"
            ));
        }
        let per = self.items_per_dimension();
        for d in Dimension::ALL {
            let w = self.weights.of(d);
            let n = per.get(&d).copied().unwrap_or(0);
            if w > 0.0 && n == 0 {
                return bad(format!(
                    "维度“{}”有分值 {w} 但没有抽题 (a weighted dimension draws no items)",
                    d.zh()
                ));
            }
            if w == 0.0 && n > 0 {
                return bad(format!(
                    "维度“{}”抽题但分值为 0 (items drawn from a dimension worth 0)",
                    d.zh()
                ));
            }
        }
        if per.values().sum::<u32>() > 500 {
            return bad("一份试卷最多 500 题 (at most 500 items)".into());
        }
        // Dry run: enough items in every part.
        draw(bank, self, 0).map(|_| ())
    }
}

/// Draws a paper from `bank` by `blueprint` with `seed`: the parts naming a 基准 first, then
/// the whole-维度 parts from what is left; no item twice. Items are in 维度 order (as in the
/// national paper), option order is shuffled for choice items (判断 keeps 正确, 错误).
pub fn draw(bank: &[(i64, Question)], blueprint: &Blueprint, seed: u64) -> Result<Paper> {
    let mut rng = SplitMix64(seed);
    let mut used: HashSet<i64> = HashSet::new();
    let mut drawn: Vec<(Dimension, i64, QuestionKind, usize)> = Vec::new();
    let mut parts: Vec<&Part> = blueprint.parts.iter().collect();
    parts.sort_by_key(|p| p.benchmark.is_none());
    for part in parts {
        let mut pool: Vec<&(i64, Question)> = bank
            .iter()
            .filter(|(id, q)| {
                q.dimension == part.dimension
                    && part.benchmark.is_none_or(|b| q.benchmark == b)
                    && !used.contains(id)
            })
            .collect();
        if (pool.len() as u64) < u64::from(part.count) {
            let what = match part.benchmark {
                Some(b) => format!("维度“{}”基准 {b}", part.dimension.zh()),
                None => format!("维度“{}”", part.dimension.zh()),
            };
            return Err(CitizensError::Blueprint(format!(
                "{what} 需要 {} 题，题库只有 {} 题可用 (the bank has too few items)",
                part.count,
                pool.len()
            )));
        }
        pool.sort_by_key(|(id, _)| *id);
        for k in 0..part.count as usize {
            let j = k + rng.below(pool.len() - k);
            pool.swap(k, j);
            let (id, q) = pool[k];
            used.insert(*id);
            drawn.push((q.dimension, *id, q.kind, q.options.len()));
        }
    }
    drawn.sort_by_key(|(d, ..)| *d);
    let items = drawn
        .into_iter()
        .map(|(_, id, kind, n)| {
            let mut order: Vec<u8> = (0..n as u8).collect();
            if kind != QuestionKind::TrueFalse {
                for i in (1..order.len()).rev() {
                    let j = rng.below(i + 1);
                    order.swap(i, j);
                }
            }
            PaperItem {
                question_id: id,
                order,
            }
        })
        .collect();
    Ok(Paper { items })
}

/// SplitMix64 (Steele, Lea, Flood 2014). Written here rather than taken from `rand` because a
/// paper must be the same for the same seed forever, and `rand`'s shuffles changed between
/// versions; the paper is stored anyway, the seed makes a draw reproducible in tests.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), by rejection so no value is favoured.
    fn below(&mut self, n: usize) -> usize {
        let n = n as u64;
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let v = self.next();
            if v < zone {
                return (v % n) as usize;
            }
        }
    }
}
