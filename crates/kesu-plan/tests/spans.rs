//! Each task keeps the stretch of the source text it came from, so that a reviewer can see it
//! highlighted beside the draft: on the sample plans and the layout fixtures, every task has a
//! span, and the span holds the task's title.
#![expect(
    clippy::unwrap_used,
    reason = "fixture helpers: a missing fixture fails the test"
)]

use std::path::PathBuf;

fn documents() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in [root.join("../../samples/plans"), root.join("tests/layouts")] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_file()
                && !(name.ends_with(".json") || name.ends_with(".md") || name.ends_with(".pdf"))
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn every_task_has_a_span_that_holds_its_title() {
    for doc in documents() {
        let name = doc.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&doc).unwrap();
        let out = if name.ends_with(".pdf.txt") {
            kesu_plan::read_pdf_text(&String::from_utf8(bytes).unwrap())
        } else {
            kesu_plan::read(&bytes, &name)
        }
        .unwrap();
        assert_eq!(out.spans.len(), out.plan.tasks.len(), "{name}");
        for (task, span) in out.plan.tasks.iter().zip(&out.spans) {
            let span = span.unwrap_or_else(|| panic!("{name}: no span for {:?}", task.path));
            let text = squeeze(&out.source[span.start..span.end]);
            let title: String = squeeze(&task.title).chars().take(8).collect();
            assert!(
                text.contains(&title),
                "{name} {:?}: span {text:?} lacks the title {title:?}",
                task.path
            );
        }
    }
}

#[test]
fn spans_of_a_plan_run_into_one_line_point_into_that_line() {
    let text = "一、重点任务（一）青少年行动。1.加强科学教育。开展活动。（牵头单位：县教育局）2.实施科技辅导员培训。（牵头单位：县科协）";
    let out = kesu_plan::read(text.as_bytes(), "plan.txt").unwrap();
    let found: Vec<&str> = out
        .spans
        .iter()
        .map(|s| {
            let s = s.unwrap();
            &out.source[s.start..s.end]
        })
        .collect();
    assert_eq!(
        found,
        [
            "加强科学教育。开展活动。（牵头单位：县教育局）",
            "实施科技辅导员培训。（牵头单位：县科协）"
        ]
    );
}
