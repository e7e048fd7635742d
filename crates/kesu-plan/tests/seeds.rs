//! Every sample plan in `samples/plans/` parses at or above the bar of issue 2, scored against
//! its gold answer (`tests/gold/`) by a port of the shared scorer (`tests/common`):
//! task F1 ≥ 0.95, units F1 ≥ 0.95, targets F1 ≥ 0.90, goals F1 ≥ 0.90, each seed on its own.
//!
//! The parsed plans are also written to `$CARGO_TARGET_TMPDIR/seeds/` so that the Python scorer
//! can be run on the very same output:
//! `python3 ../shared/tools/score_plan.py <target>/tmp/seeds/000_….json crates/kesu-plan/tests/gold/000_….json …`
#![expect(
    clippy::unwrap_used,
    reason = "fixture helpers: a missing sample or gold file fails the test"
)]

mod common;

use common::{Acc, line, ratio, score, summary};
use serde_json::Value;
use std::path::{Path, PathBuf};

const TASK_BAR: f64 = 0.95;
const UNITS_BAR: f64 = 0.95;
const TARGETS_BAR: f64 = 0.90;
const GOALS_BAR: f64 = 0.90;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The sample plans, in name order.
fn seeds() -> Vec<PathBuf> {
    let dir = manifest().join("../../samples/plans");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no sample plans in {}", dir.display());
    files
}

fn gold_of(seed: &Path) -> Value {
    let stem = seed.file_stem().unwrap().to_string_lossy();
    let path = manifest().join("tests/gold").join(format!("{stem}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("no gold answer {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn parsed(seed: &Path) -> Value {
    let plan = kesu_plan::parse_bytes(&std::fs::read(seed).unwrap(), "seed.txt")
        .unwrap_or_else(|e| panic!("{} does not parse: {e}", seed.display()));
    serde_json::to_value(&plan).unwrap()
}

#[test]
fn every_seed_scores_at_or_above_the_bar() {
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("seeds");
    std::fs::create_dir_all(&out_dir).unwrap();
    let mut total = Acc::default();
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for seed in seeds() {
        let stem = seed.file_stem().unwrap().to_string_lossy().into_owned();
        let plan = parsed(&seed);
        std::fs::write(
            out_dir.join(format!("{stem}.json")),
            serde_json::to_string_pretty(&plan).unwrap(),
        )
        .unwrap();
        let acc = score(&plan, &gold_of(&seed));
        total += acc;
        let s = summary(&acc);
        report.push(line(&stem, &s));
        for (what, value, bar) in [
            ("task F1", s.task, TASK_BAR),
            ("units F1", s.units, UNITS_BAR),
            ("targets F1", s.targets, TARGETS_BAR),
            ("goals F1", s.goals, GOALS_BAR),
        ] {
            if value < bar {
                failures.push(format!("{stem}: {what} {value:.4} < {bar}"));
            }
        }
    }
    report.push(line("TOTAL", &summary(&total)));
    println!("{}", report.join("\n"));
    println!("(parsed plans in {})", out_dir.display());
    assert!(
        failures.is_empty(),
        "below the bar:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_seeds_title_region_level_period_and_issuer_match_its_gold() {
    for seed in seeds() {
        let (plan, gold) = (parsed(&seed), gold_of(&seed));
        for key in ["title", "region", "level", "period", "issuer"] {
            assert_eq!(plan[key], gold[key], "{}: {key}", seed.display());
        }
    }
}

/// A minimal .docx with one paragraph per line of `text`.
fn docx_of(text: &str) -> Vec<u8> {
    use std::io::Write;
    let body: String = text
        .lines()
        .map(|l| {
            let l = l
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            format!("<w:p><w:r><w:t xml:space=\"preserve\">{l}</w:t></w:r></w:p>")
        })
        .collect();
    let xml = format!(
        "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file(
        "word/document.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(xml.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

#[test]
fn every_seed_as_a_word_document_gives_the_same_plan() {
    for seed in seeds() {
        let text = std::fs::read_to_string(&seed).unwrap();
        let from_docx = kesu_plan::parse_bytes(&docx_of(&text), "plan.docx").unwrap();
        let from_text = kesu_plan::parse_bytes(&std::fs::read(&seed).unwrap(), "seed.txt").unwrap();
        assert_eq!(from_docx, from_text, "{}", seed.display());
    }
}

#[test]
fn a_gold_answer_scored_against_itself_is_perfect() {
    for seed in seeds() {
        let gold = gold_of(&seed);
        let s = summary(&score(&gold, &gold));
        for v in [s.task, s.title, s.units, s.units_any, s.targets, s.goals] {
            assert!((v - 1.0).abs() < 1e-12, "{}: {s:?}", seed.display());
        }
    }
}

#[test]
fn the_title_similarity_is_pythons_sequence_matcher_ratio() {
    // Values printed by Python 3.11's difflib.SequenceMatcher(None, a, b).ratio().
    assert_eq!(ratio("abcd", "bcde"), 0.75);
    assert_eq!(ratio("", ""), 1.0);
    assert_eq!(ratio("abc", ""), 0.0);
    assert!((ratio("加强科学家精神的宣传教育", "加强科学家精神宣传教育工作") - 0.88).abs() < 1e-12);
    // 200 characters or more: popular characters of the second string are junk.
    let a = "将科学素质要求纳入公务员考试录用、教育培训、领导干部任职考察和年度考核内容,不断完善干部考核评价机制"
        .repeat(4);
    let b = a.replace("考核", "评价") + "的的的的的的的的的的的的";
    assert!((ratio(&a, &b) - 0.160_194_174_757_281_57).abs() < 1e-12);
    let a = "a".repeat(210) + "b";
    let b = "b".to_string() + &"a".repeat(205);
    assert!((ratio(&a, &b) - 0.004_796_163_069_544_364).abs() < 1e-12);
    assert_eq!(ratio(&"ab".repeat(120), &("ba".repeat(110) + "c")), 0.0);
}

#[test]
fn duplicate_paths_count_once_and_the_last_one_is_scored() {
    let gold: Value = serde_json::json!({"tasks": [
        {"path": ["一", "1"], "title": "甲", "lead": ["市科协"]}
    ], "goals": []});
    let parsed: Value = serde_json::json!({"tasks": [
        {"path": ["一", "1"], "title": "甲", "lead": ["市教育局"]},
        {"path": ["一", "1．"], "title": "甲", "lead": ["市科协等"]}
    ], "goals": []});
    let s = summary(&score(&parsed, &gold));
    assert_eq!(s.task, 1.0);
    assert_eq!(s.units, 1.0);
}
