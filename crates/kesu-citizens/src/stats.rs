//! Item statistics (题目分析), to find items to fix, after Moodle's quiz statistics:
//!
//! - **facility** (难度系数 / 通过率): the share of attempts that got the item right;
//! - **discrimination**: the point-biserial correlation between getting the item right and the
//!   score on the *rest* of the paper (so the item does not correlate with itself), and the
//!   classical upper/lower 27 % index (right share among the best 27 % minus among the worst).
//!
//! An item is flagged when too few attempts saw it to judge, when nearly nobody or nearly
//! everybody gets it right, or when it discriminates little or the wrong way (often a wrong key).

use serde::Serialize;
use std::collections::BTreeMap;

/// One item of one attempt.
#[derive(Debug, Clone, Copy)]
pub struct ItemResponse {
    pub question_id: i64,
    pub correct: bool,
    /// The points it earned (0 when wrong).
    pub points: f64,
}

/// One scored attempt.
#[derive(Debug, Clone)]
pub struct AttemptResponses {
    pub total: f64,
    pub items: Vec<ItemResponse>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemStats {
    pub question_id: i64,
    pub attempts: u32,
    /// 0–1.
    pub facility: f64,
    /// Point-biserial against the rest score; `None` when it cannot be computed (every attempt
    /// right or every one wrong, or the rest score constant).
    pub discrimination: Option<f64>,
    /// Upper minus lower 27 % right share; `None` below 4 attempts.
    pub upper_lower: Option<f64>,
    /// Why to look at it (empty: nothing to say).
    pub flags: Vec<&'static str>,
}

/// Fewer attempts than this are not judged.
pub const MIN_ATTEMPTS: u32 = 10;

pub fn item_stats(attempts: &[AttemptResponses]) -> Vec<ItemStats> {
    // Per question: (correct, rest score, total rank) of each attempt that saw it.
    let mut order: Vec<usize> = (0..attempts.len()).collect();
    order.sort_by(|a, b| attempts[*a].total.total_cmp(&attempts[*b].total));
    let k = ((attempts.len() as f64) * 0.27).round() as usize;
    let mut group = vec![0i8; attempts.len()];
    if attempts.len() >= 4 && k > 0 {
        for &i in &order[..k] {
            group[i] = -1;
        }
        for &i in &order[attempts.len() - k..] {
            group[i] = 1;
        }
    }
    let mut per: BTreeMap<i64, Vec<(bool, f64, i8)>> = BTreeMap::new();
    for (i, a) in attempts.iter().enumerate() {
        for r in &a.items {
            per.entry(r.question_id)
                .or_default()
                .push((r.correct, a.total - r.points, group[i]));
        }
    }
    per.into_iter()
        .map(|(question_id, rows)| {
            let n = rows.len() as f64;
            let right = rows.iter().filter(|r| r.0).count() as f64;
            let facility = right / n;
            let discrimination = point_biserial(&rows);
            let share = |g: i8| {
                let in_g: Vec<_> = rows.iter().filter(|r| r.2 == g).collect();
                (!in_g.is_empty())
                    .then(|| in_g.iter().filter(|r| r.0).count() as f64 / in_g.len() as f64)
            };
            let upper_lower = match (share(1), share(-1)) {
                (Some(u), Some(l)) => Some(u - l),
                _ => None,
            };
            let attempts = rows.len() as u32;
            let mut flags = Vec::new();
            if attempts < MIN_ATTEMPTS {
                flags.push("作答人数不足，暂不评价 (too few attempts to judge)");
            } else {
                if facility < 0.2 {
                    flags.push("过难：答对率低于 20% (too hard)");
                }
                if facility > 0.95 {
                    flags.push("过易：答对率高于 95% (too easy)");
                }
                match discrimination {
                    Some(d) if d < 0.0 => flags.push(
                        "区分度为负：请检查答案是否有误 (negative discrimination: check the key)",
                    ),
                    Some(d) if d < 0.2 => flags.push("区分度低 (low discrimination)"),
                    _ => {}
                }
            }
            ItemStats {
                question_id,
                attempts,
                facility,
                discrimination,
                upper_lower,
                flags,
            }
        })
        .collect()
}

/// r_pb = (M1 − M0) / s · √(p q), with s the population SD of the rest score.
fn point_biserial(rows: &[(bool, f64, i8)]) -> Option<f64> {
    let n = rows.len() as f64;
    let n1 = rows.iter().filter(|r| r.0).count() as f64;
    let n0 = n - n1;
    if n1 == 0.0 || n0 == 0.0 {
        return None;
    }
    let mean = rows.iter().map(|r| r.1).sum::<f64>() / n;
    let var = rows.iter().map(|r| (r.1 - mean).powi(2)).sum::<f64>() / n;
    if var <= 1e-12 {
        return None;
    }
    let m1 = rows.iter().filter(|r| r.0).map(|r| r.1).sum::<f64>() / n1;
    let m0 = rows.iter().filter(|r| !r.0).map(|r| r.1).sum::<f64>() / n0;
    let p = n1 / n;
    Some((m1 - m0) / var.sqrt() * (p * (1.0 - p)).sqrt())
}
