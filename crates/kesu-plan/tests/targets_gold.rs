//! The target reader against the hand-made gold answers of the sample plans.
//!
//! Two measures, printed per sample (run with `--nocapture` to see them):
//! - **clause**: for every gold target and goal, the sentence of the sample that holds its
//!   `text` is read with [`extract`] (goals with [`extract_goals`] and the plan period), and a
//!   target with the same comparator, value, unit, year and per must come out;
//! - **task text**: every gold task's text (from its title up to its unit list) is read, and
//!   what comes out is scored like `score_plan.py` scores targets, on (comparator, value,
//!   unit): false positives count here.
#![expect(
    clippy::unwrap_used,
    reason = "fixture loading: a missing sample fails the test"
)]

use kesu_core::{Plan, Target, TargetValue};
use kesu_plan::targets::{extract, extract_goals};
use std::collections::HashMap;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (sample name, gold plan, sample text without whitespace)
fn samples() -> Vec<(String, Plan, String)> {
    let mut out = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(root().join("tests/gold"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    for path in paths {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let gold: Plan = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let text = std::fs::read_to_string(root().join(format!("../../samples/plans/{stem}.txt")))
            .unwrap();
        out.push((stem, gold, squeeze(&text)));
    }
    assert_eq!(out.len(), 5, "five gold files with their samples");
    out
}

/// The gold files join PDF line breaks and drop spaces and `**`: do the same to the sample.
fn squeeze(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .replace("**", "")
}

fn sentence_around(text: &str, at: usize, len: usize) -> &str {
    let is_end = |c: char| matches!(c, '。' | '！' | '？');
    let start = text[..at].rfind(is_end).map_or(0, |i| i + '。'.len_utf8());
    let end = text[at + len..]
        .find(is_end)
        .map_or(text.len(), |i| at + len + i);
    &text[start..end]
}

fn same_value(a: &TargetValue, b: &TargetValue) -> bool {
    match (a, b) {
        (TargetValue::Number(x), TargetValue::Number(y)) => (x - y).abs() < 1e-6,
        (TargetValue::Range([a, b]), TargetValue::Range([c, d])) => {
            (a - c).abs() < 1e-6 && (b - d).abs() < 1e-6
        }
        _ => false,
    }
}

fn same_key(a: &Target, b: &Target) -> bool {
    a.comparator == b.comparator && same_value(&a.value, &b.value) && a.unit == b.unit
}

fn same_target(a: &Target, b: &Target) -> bool {
    same_key(a, b) && a.year == b.year && a.per == b.per
}

#[derive(Default, Debug)]
struct Tally {
    gold: usize,
    exact: usize,
    key: usize,
    text: usize,
    indicator: usize,
    misses: Vec<String>,
}

fn clause_tally(gold: &Plan, text: &str) -> Tally {
    let mut t = Tally::default();
    let goals = gold.goals.iter().map(|g| (g, true));
    let tasks = gold
        .tasks
        .iter()
        .flat_map(|task| task.targets.iter().map(|g| (g, false)));
    for (g, is_goal) in goals.chain(tasks) {
        t.gold += 1;
        let needle = squeeze(&g.text);
        let Some(at) = text.find(&needle) else {
            t.misses.push(format!("clause not in sample: {}", g.text));
            continue;
        };
        let sentence = sentence_around(text, at, needle.len());
        let got = if is_goal {
            extract_goals(sentence, gold.period)
        } else {
            extract(sentence)
        };
        // The target read from this clause: the one whose text overlaps the gold text most.
        let best = got
            .iter()
            .filter(|x| same_key(x, g))
            .find(|x| needle.contains(&squeeze(&x.text)) || squeeze(&x.text).contains(&needle))
            .or_else(|| got.iter().find(|x| same_key(x, g)));
        match best {
            Some(x) => {
                t.key += 1;
                if same_target(x, g) {
                    t.exact += 1;
                } else {
                    t.misses.push(format!(
                        "year/per differ: gold {:?}/{:?}, got {:?}/{:?} in {}",
                        g.year, g.per, x.year, x.per, g.text
                    ));
                }
                if squeeze(&x.text) == needle {
                    t.text += 1;
                } else {
                    t.misses
                        .push(format!("text: gold {} | got {}", g.text, x.text));
                }
                if x.indicator == g.indicator {
                    t.indicator += 1;
                } else {
                    t.misses.push(format!(
                        "indicator: gold {} | got {}",
                        g.indicator, x.indicator
                    ));
                }
            }
            None => t.misses.push(format!(
                "not read: {} → got {:?}",
                g.text,
                got.iter().map(|x| x.display_short()).collect::<Vec<_>>()
            )),
        }
    }
    t
}

/// Each gold task's text in the sample: from its title to the next task's title, cut at the
/// unit list or the part that follows the measures (分工, 保障措施, 组织实施, 附件).
fn task_texts<'a>(gold: &Plan, text: &'a str) -> Vec<(usize, &'a str)> {
    let mut starts = Vec::new();
    let mut from = 0;
    for (k, task) in gold.tasks.iter().enumerate() {
        let title = squeeze(&task.title);
        let probe: String = title.chars().take(12).collect();
        // The title with its printed label first: a 任务 summary may repeat a measure's title.
        let label = task.path.last().map_or("", |l| l.trim_matches(['(', ')']));
        let labelled = [
            format!("({label}){probe}"),
            format!("（{label}）{probe}"),
            format!("{label}.{probe}"),
            format!("{label}．{probe}"),
            format!("{label}、{probe}"),
        ];
        let hit = labelled
            .iter()
            .filter_map(|p| text[from..].find(p.as_str()).map(|i| (i, p.len())))
            .min()
            .or_else(|| text[from..].find(&probe).map(|i| (i, probe.len())));
        if let Some((i, len)) = hit {
            starts.push((k, from + i));
            from += i + len;
        }
    }
    let mut out = Vec::new();
    for (j, &(k, start)) in starts.iter().enumerate() {
        let next = starts.get(j + 1).map_or(text.len(), |&(_, s)| s);
        let body = &text[start..next];
        let cut = [
            "责任单位",
            "负责）",
            "负责)",
            "分工",
            "保障措施",
            "组织实施",
            "附件",
        ]
        .iter()
        .filter_map(|w| body.find(w))
        .min()
        .unwrap_or(body.len());
        out.push((k, &body[..cut]));
    }
    out
}

fn key_string(t: &Target) -> String {
    t.display_short().replace('–', "-") + &format!("[{}]", t.comparator.symbol())
}

/// (true positives, predicted, gold, found tasks, notes)
fn task_text_tally(gold: &Plan, text: &str) -> (usize, usize, usize, usize, Vec<String>) {
    let texts = task_texts(gold, text);
    let (mut tp, mut pred, mut gold_n) = (0, 0, 0);
    let mut notes = Vec::new();
    for (k, body) in &texts {
        let got = extract(body);
        let mut want: HashMap<String, usize> = HashMap::new();
        for g in &gold.tasks[*k].targets {
            *want.entry(key_string(g)).or_default() += 1;
        }
        gold_n += gold.tasks[*k].targets.len();
        pred += got.len();
        for x in &got {
            match want.get_mut(&key_string(x)) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    tp += 1;
                }
                _ => notes.push(format!(
                    "extra in {}: {} ({})",
                    gold.tasks[*k].path.join("."),
                    x.display_short(),
                    x.text
                )),
            }
        }
        for (key, n) in want {
            if n > 0 {
                notes.push(format!(
                    "missing in {}: {key}",
                    gold.tasks[*k].path.join(".")
                ));
            }
        }
    }
    (tp, pred, gold_n, texts.len(), notes)
}

fn f1(tp: usize, pred: usize, gold: usize) -> f64 {
    let p = if pred == 0 {
        1.0
    } else {
        tp as f64 / pred as f64
    };
    let r = if gold == 0 {
        1.0
    } else {
        tp as f64 / gold as f64
    };
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

#[test]
fn gold_targets_are_reproduced_from_their_clauses() {
    let mut total = Tally::default();
    for (name, gold, text) in samples() {
        let t = clause_tally(&gold, &text);
        println!(
            "{name}: {} gold targets+goals; exact (cmp,value,unit,year,per) {}/{}; scorer key {}/{}; text {}/{}; indicator {}/{}",
            t.gold, t.exact, t.gold, t.key, t.gold, t.text, t.gold, t.indicator, t.gold
        );
        for m in &t.misses {
            println!("    {m}");
        }
        assert_eq!(
            t.key, t.gold,
            "{name}: every gold target's key is read from its clause"
        );
        total.gold += t.gold;
        total.exact += t.exact;
        total.key += t.key;
        total.text += t.text;
        total.indicator += t.indicator;
    }
    let rate = total.exact as f64 / total.gold as f64;
    println!(
        "TOTAL: exact {}/{} = {rate:.3}; key {}/{}; text {}/{}; indicator {}/{}",
        total.exact,
        total.gold,
        total.key,
        total.gold,
        total.text,
        total.gold,
        total.indicator,
        total.gold
    );
    assert!(rate >= 0.95, "exact match rate {rate:.3} below 0.95");
}

#[test]
fn task_texts_yield_the_gold_targets_and_nothing_else() {
    for (name, gold, text) in samples() {
        let (tp, pred, gold_n, found, notes) = task_text_tally(&gold, &text);
        let f = f1(tp, pred, gold_n);
        println!(
            "{name}: {found}/{} task texts found; targets tp {tp} predicted {pred} gold {gold_n}; F1 {f:.3}",
            gold.tasks.len()
        );
        for n in &notes {
            println!("    {n}");
        }
        assert!(
            found * 10 >= gold.tasks.len() * 9,
            "{name}: most task titles found"
        );
        assert!(f >= 0.9, "{name}: targets F1 {f:.3} below 0.9");
    }
}

#[test]
fn goal_paragraphs_yield_the_gold_goals() {
    for (name, gold, text) in samples() {
        for g in &gold.goals {
            let needle = squeeze(&g.text);
            let at = text.find(&needle).unwrap();
            let got = extract_goals(sentence_around(&text, at, needle.len()), gold.period);
            assert!(
                got.iter().any(|x| same_key(x, g) && x.year == g.year),
                "{name}: goal {} not read (got {got:?})",
                g.text
            );
        }
    }
}
