//! A port of `shared/tools/score_plan.py` (the plan scorer): the same matching and the same
//! numbers, so the test suite holds the bars exactly as the scorer prints them.
//!
//! Tasks are matched on their normalised `path`; units, targets and titles are compared over
//! matched tasks; goals over the plan. Python's `difflib.SequenceMatcher.ratio` (with its
//! "autojunk" rule for strings of 200 characters or more) is reproduced for the title check.
#![allow(dead_code, reason = "each test file uses the parts it needs")]

use serde_json::Value;
use std::collections::HashMap;
use unicode_normalization::UnicodeNormalization;

const PUNCT: &[char] = &[
    ' ', '\t', '\r', '\n', '、', '.', '．', '。', ':', '：', ',', '，', ';', '；',
];

/// Python's `str(v)` for the values the scorer meets.
fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        other => other.to_string(),
    }
}

fn nfkc(s: &str) -> String {
    s.nfkc().collect()
}

fn py_strip<'a>(s: &'a str, chars: &[char]) -> &'a str {
    s.trim_matches(|c| chars.contains(&c))
}

/// `norm`: NFKC, one trailing 等 dropped (when longer than two characters), no whitespace.
pub fn norm(s: &str) -> String {
    let s = nfkc(s);
    let s = if s.chars().count() > 2 && s.ends_with('等') {
        s.strip_suffix('等').unwrap_or(&s).to_string()
    } else {
        s
    };
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// `norm_label`: NFKC, stripped, full-width brackets made half-width, punctuation stripped.
pub fn norm_label(s: &str) -> String {
    let s = nfkc(s);
    let s = s.trim().replace('（', "(").replace('）', ")");
    py_strip(&s, PUNCT).to_string()
}

/// `norm_title`: `norm`, punctuation stripped, `**` removed.
pub fn norm_title(s: &str) -> String {
    let s = norm(s);
    py_strip(&s, PUNCT).replace("**", "")
}

/// `num`: a number rounded to 6 places, a list of them, or the value's text.
fn num(v: &Value) -> String {
    match v {
        Value::Array(xs) => format!("({})", xs.iter().map(num).collect::<Vec<_>>().join(",")),
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), round6),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .map_or_else(|_| format!("'{s}'"), round6),
        Value::Bool(b) => round6(f64::from(u8::from(*b))),
        other => py_str(other),
    }
}

fn round6(f: f64) -> String {
    format!("{f:.6}")
}

/// `target_key`: (comparator, value, unit).
fn target_key(t: &Value) -> String {
    let comparator = t.get("comparator").map_or("None".into(), py_str);
    let value = t.get("value").map_or_else(|| "None".into(), num);
    let unit = match t.get("unit") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) if s.is_empty() => String::new(),
        Some(u) => norm(&py_str(u)),
    };
    format!("{comparator}\u{1}{value}\u{1}{unit}")
}

fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
}

/// Precision, recall and F1 as the scorer defines them for empty sides.
pub fn prf(tp: usize, n_pred: usize, n_gold: usize) -> (f64, f64, f64) {
    let (tp, np, ng) = (tp as f64, n_pred as f64, n_gold as f64);
    let p = if n_pred > 0 {
        tp / np
    } else if n_gold == 0 {
        1.0
    } else {
        0.0
    };
    let r = if n_gold > 0 {
        tp / ng
    } else if n_pred == 0 {
        1.0
    } else {
        0.0
    };
    let f = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f)
}

/// `multiset_tp`: the size of the multiset intersection, and both sizes.
fn multiset_tp(a: &[String], b: &[String]) -> (usize, usize, usize) {
    let mut ca: HashMap<&str, usize> = HashMap::new();
    for x in a {
        *ca.entry(x).or_default() += 1;
    }
    let mut cb: HashMap<&str, usize> = HashMap::new();
    for x in b {
        *cb.entry(x).or_default() += 1;
    }
    let tp = ca
        .iter()
        .map(|(k, n)| (*n).min(cb.get(k).copied().unwrap_or(0)))
        .sum();
    (tp, a.len(), b.len())
}

fn unit_pairs(task: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for role in ["lead", "cooperating", "responsible"] {
        for u in list(task, role) {
            out.push((role.to_string(), norm(&py_str(u))));
        }
    }
    out
}

/// The counts the scorer accumulates for one document (`Counter` in the Python).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Acc {
    pub task_tp: usize,
    pub task_pred: usize,
    pub task_gold: usize,
    pub title_ok: usize,
    pub units_tp: usize,
    pub units_pred: usize,
    pub units_gold: usize,
    pub uany_tp: usize,
    pub uany_pred: usize,
    pub uany_gold: usize,
    pub tgt_tp: usize,
    pub tgt_pred: usize,
    pub tgt_gold: usize,
    pub goal_tp: usize,
    pub goal_pred: usize,
    pub goal_gold: usize,
}

impl std::ops::AddAssign for Acc {
    fn add_assign(&mut self, o: Self) {
        self.task_tp += o.task_tp;
        self.task_pred += o.task_pred;
        self.task_gold += o.task_gold;
        self.title_ok += o.title_ok;
        self.units_tp += o.units_tp;
        self.units_pred += o.units_pred;
        self.units_gold += o.units_gold;
        self.uany_tp += o.uany_tp;
        self.uany_pred += o.uany_pred;
        self.uany_gold += o.uany_gold;
        self.tgt_tp += o.tgt_tp;
        self.tgt_pred += o.tgt_pred;
        self.tgt_gold += o.tgt_gold;
        self.goal_tp += o.goal_tp;
        self.goal_pred += o.goal_pred;
        self.goal_gold += o.goal_gold;
    }
}

/// Tasks keyed by normalised path; a later task with the same path replaces an earlier one,
/// as in the Python dict comprehension.
fn by_path(plan: &Value) -> (HashMap<Vec<String>, &Value>, Vec<Vec<String>>) {
    let mut map = HashMap::new();
    let mut order = Vec::new();
    for t in list(plan, "tasks") {
        let key: Vec<String> = list(t, "path")
            .iter()
            .map(|x| norm_label(&py_str(x)))
            .collect();
        if map.insert(key.clone(), t).is_none() {
            order.push(key);
        }
    }
    (map, order)
}

/// `score(parsed, gold)`.
pub fn score(parsed: &Value, gold: &Value) -> Acc {
    let mut acc = Acc::default();
    let (ptasks, _) = by_path(parsed);
    let (gtasks, gorder) = by_path(gold);
    let matched: Vec<&Vec<String>> = gorder.iter().filter(|k| ptasks.contains_key(*k)).collect();
    acc.task_tp = matched.len();
    acc.task_pred = ptasks.len();
    acc.task_gold = gtasks.len();
    for k in matched {
        let (Some(p), Some(g)) = (ptasks.get(k), gtasks.get(k)) else {
            continue;
        };
        let pt = norm_title(&p.get("title").map_or(String::new(), py_str));
        let gt = norm_title(&g.get("title").map_or(String::new(), py_str));
        if pt == gt || ratio(&pt, &gt) >= 0.8 {
            acc.title_ok += 1;
        }
        let (pu, gu) = (unit_pairs(p), unit_pairs(g));
        let key = |(r, u): &(String, String)| format!("{r}\u{1}{u}");
        let (tp, a, b) = multiset_tp(
            &pu.iter().map(key).collect::<Vec<_>>(),
            &gu.iter().map(key).collect::<Vec<_>>(),
        );
        acc.units_tp += tp;
        acc.units_pred += a;
        acc.units_gold += b;
        let names = |v: &[(String, String)]| v.iter().map(|(_, u)| u.clone()).collect::<Vec<_>>();
        let (tp, a, b) = multiset_tp(&names(&pu), &names(&gu));
        acc.uany_tp += tp;
        acc.uany_pred += a;
        acc.uany_gold += b;
        let keys = |t: &Value| {
            list(t, "targets")
                .iter()
                .map(target_key)
                .collect::<Vec<_>>()
        };
        let (tp, a, b) = multiset_tp(&keys(p), &keys(g));
        acc.tgt_tp += tp;
        acc.tgt_pred += a;
        acc.tgt_gold += b;
    }
    let goals = |t: &Value| list(t, "goals").iter().map(target_key).collect::<Vec<_>>();
    let (tp, a, b) = multiset_tp(&goals(parsed), &goals(gold));
    acc.goal_tp = tp;
    acc.goal_pred = a;
    acc.goal_gold = b;
    acc
}

/// Python's `round(x, 4)`: the shortest decimal of four places, correctly rounded.
pub fn round4(x: f64) -> f64 {
    format!("{x:.4}").parse().unwrap_or(x)
}

/// The F1 values (and title share) as `summary` reports them, rounded to four places.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub task: f64,
    pub title: f64,
    pub units: f64,
    pub units_any: f64,
    pub targets: f64,
    pub goals: f64,
}

pub fn summary(acc: &Acc) -> Summary {
    let f = |tp, p, g| round4(prf(tp, p, g).2);
    Summary {
        task: f(acc.task_tp, acc.task_pred, acc.task_gold),
        title: if acc.task_tp > 0 {
            round4(acc.title_ok as f64 / acc.task_tp as f64)
        } else {
            0.0
        },
        units: f(acc.units_tp, acc.units_pred, acc.units_gold),
        units_any: f(acc.uany_tp, acc.uany_pred, acc.uany_gold),
        targets: f(acc.tgt_tp, acc.tgt_pred, acc.tgt_gold),
        goals: f(acc.goal_tp, acc.goal_pred, acc.goal_gold),
    }
}

/// One line of the scorer's report.
pub fn line(name: &str, s: &Summary) -> String {
    format!(
        "{name}: task F1 {:.3}  title {:.3}  units F1 {:.3} (any role {:.3})  targets F1 {:.3}  goals F1 {:.3}",
        s.task, s.title, s.units, s.units_any, s.targets, s.goals
    )
}

/// `difflib.SequenceMatcher(None, a, b).ratio()`, with autojunk.
pub fn ratio(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let total = a.len() + b.len();
    if total == 0 {
        return 1.0;
    }
    let mut b2j: HashMap<char, Vec<usize>> = HashMap::new();
    for (j, c) in b.iter().enumerate() {
        b2j.entry(*c).or_default().push(j);
    }
    if b.len() >= 200 {
        let ntest = b.len() / 100 + 1;
        b2j.retain(|_, idxs| idxs.len() <= ntest);
    }
    let mut matched = 0;
    let mut queue = vec![(0, a.len(), 0, b.len())];
    while let Some((alo, ahi, blo, bhi)) = queue.pop() {
        let (i, j, k) = longest_match(&a, &b, &b2j, alo, ahi, blo, bhi);
        if k > 0 {
            matched += k;
            if alo < i && blo < j {
                queue.push((alo, i, blo, j));
            }
            if i + k < ahi && j + k < bhi {
                queue.push((i + k, ahi, j + k, bhi));
            }
        }
    }
    2.0 * matched as f64 / total as f64
}

/// `find_longest_match` without junk (so only the "extend with equal elements" steps apply).
fn longest_match(
    a: &[char],
    b: &[char],
    b2j: &HashMap<char, Vec<usize>>,
    alo: usize,
    ahi: usize,
    blo: usize,
    bhi: usize,
) -> (usize, usize, usize) {
    let (mut besti, mut bestj, mut bestsize) = (alo, blo, 0);
    let mut j2len: HashMap<usize, usize> = HashMap::new();
    for (i, c) in a.iter().enumerate().take(ahi).skip(alo) {
        let mut next: HashMap<usize, usize> = HashMap::new();
        if let Some(js) = b2j.get(c) {
            for &j in js {
                if j < blo {
                    continue;
                }
                if j >= bhi {
                    break;
                }
                let k = j
                    .checked_sub(1)
                    .and_then(|p| j2len.get(&p))
                    .copied()
                    .unwrap_or(0)
                    + 1;
                next.insert(j, k);
                if k > bestsize {
                    besti = i + 1 - k;
                    bestj = j + 1 - k;
                    bestsize = k;
                }
            }
        }
        j2len = next;
    }
    while besti > alo && bestj > blo && a[besti - 1] == b[bestj - 1] {
        besti -= 1;
        bestj -= 1;
        bestsize += 1;
    }
    while besti + bestsize < ahi
        && bestj + bestsize < bhi
        && a[besti + bestsize] == b[bestj + bestsize]
    {
        bestsize += 1;
    }
    (besti, bestj, bestsize)
}
