//! Kesu's own 任务分解表 read back gives the plan it was written from: for every sample plan and
//! layout fixture, `read(task_table(plan))` has the same tasks (paths, titles), units and targets
//! (comparator, value, unit, year, per), and the same title, region and period.
#![expect(
    clippy::unwrap_used,
    reason = "fixture helpers: a missing fixture fails the test"
)]

use kesu_core::{Plan, Target};
use std::path::PathBuf;

fn documents() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in [root.join("../../samples/plans"), root.join("tests/layouts")] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let skip = [".json", ".md", ".pdf", ".pdf.txt"];
            if path.is_file() && !skip.iter().any(|s| name.ends_with(s)) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn key(t: &Target) -> String {
    format!(
        "{:?} {:?} {} {:?} {:?}",
        t.comparator, t.value, t.unit, t.year, t.per
    )
}

fn assert_same(name: &str, a: &Plan, b: &Plan) {
    assert_eq!(a.title, b.title, "{name}: title");
    assert_eq!(a.region, b.region, "{name}: region");
    assert_eq!(a.period, b.period, "{name}: period");
    assert_eq!(a.tasks.len(), b.tasks.len(), "{name}: number of tasks");
    for (x, y) in a.tasks.iter().zip(&b.tasks) {
        let at = format!("{name} {:?}", x.path);
        assert_eq!(x.path, y.path, "{at}: path");
        assert_eq!(x.title, y.title, "{at}: title");
        assert_eq!(x.lead, y.lead, "{at}: lead");
        assert_eq!(x.cooperating, y.cooperating, "{at}: cooperating");
        assert_eq!(x.responsible, y.responsible, "{at}: responsible");
        let kx: Vec<String> = x.targets.iter().map(key).collect();
        let ky: Vec<String> = y.targets.iter().map(key).collect();
        assert_eq!(kx, ky, "{at}: targets");
    }
}

#[test]
fn every_plan_read_back_from_its_task_table_is_the_same_plan() {
    for doc in documents() {
        let name = doc.file_name().unwrap().to_string_lossy().into_owned();
        let plan = kesu_plan::parse_bytes(&std::fs::read(&doc).unwrap(), &name).unwrap();
        let xlsx = kesu_plan::xlsx::task_table(&plan).unwrap();
        let back = kesu_plan::parse_bytes(&xlsx, "任务分解表.xlsx")
            .unwrap_or_else(|e| panic!("{name}: its task table does not read back: {e}"));
        assert_same(&name, &plan, &back);
    }
}

#[test]
fn a_target_line_reads_back_as_written() {
    let plan = kesu_plan::parse_text(
        "一、任务\n1.加强培训。每所中小学校至少配备1名科技辅导员，每年1-2场次，到2025年比例超过15%。（责任单位：县科协）\n",
    )
    .unwrap();
    for t in &plan.tasks[0].targets {
        let line = kesu_plan::xlsx::target_line(t);
        let back = kesu_plan::xlsx::parse_target_line(&line).unwrap();
        assert_eq!(key(&back), key(t), "{line}");
        assert_eq!(back.text, t.text);
    }
}
