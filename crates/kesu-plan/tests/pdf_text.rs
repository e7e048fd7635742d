//! Plans printed to PDF by LibreOffice (`scripts/make-plan-pdfs.sh`, in two house styles: A4, a
//! running title and "— N —" page numbers, each paragraph's first line indented; or flush
//! paragraphs, wider margins, a document number above and "第 N 页 共 M 页" below) and read back
//! through their text layer (`pdftotext -layout`, committed as `tests/pdf/NAME.pdf.txt`): each
//! sample plan scores task, units, targets and goals F1 ≥ 0.95 against its gold answer.
#![expect(
    clippy::unwrap_used,
    reason = "fixture helpers: a missing fixture fails the test"
)]

mod common;

use common::{Acc, line, score, summary};
use serde_json::Value;
use std::path::PathBuf;

const BAR: f64 = 0.95;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests")
}

fn gold(stem: &str) -> Option<Value> {
    [dir().join("gold"), dir().join("layouts")]
        .iter()
        .map(|d| {
            let plain = d.join(format!("{stem}.json"));
            if plain.exists() {
                plain
            } else {
                d.join(format!("{stem}.gold.json"))
            }
        })
        .find(|p| p.exists())
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
}

#[test]
fn every_sample_printed_to_pdf_scores_at_or_above_the_bar() {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir().join("pdf"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".pdf.txt"))
        .collect();
    names.sort();
    assert!(names.len() >= 10, "too few PDF fixtures");
    let mut report = Vec::new();
    let mut failures = Vec::new();
    let mut samples = Acc::default();
    for path in names {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // "000_….pdf.txt", "000_….flush.pdf.txt": the gold is the sample's.
        let stem = name.split('.').next().unwrap_or(&name);
        let text = std::fs::read_to_string(&path).unwrap();
        let plan = kesu_plan::read_pdf_text(&text)
            .unwrap_or_else(|e| panic!("{name} does not parse: {e}"))
            .plan;
        let plan = serde_json::to_value(&plan).unwrap();
        let gold = gold(stem).unwrap_or_else(|| panic!("no gold for {name}"));
        let acc = score(&plan, &gold);
        let s = summary(&acc);
        report.push(line(&name, &s));
        // The bar holds for the sample plans (prose); a table printed to PDF is read on a best
        // effort and reported.
        if stem.starts_with(|c: char| c.is_ascii_digit()) {
            samples += acc;
            for (what, v) in [
                ("task", s.task),
                ("units", s.units),
                ("targets", s.targets),
                ("goals", s.goals),
            ] {
                if v < BAR {
                    failures.push(format!("{name}: {what} F1 {v:.4} < {BAR}"));
                }
            }
        }
    }
    report.push(line("TOTAL (samples)", &summary(&samples)));
    println!("{}", report.join("\n"));
    assert!(
        failures.is_empty(),
        "below the bar:\n{}",
        failures.join("\n")
    );
}
