//! The 任务分解表 workbook, read back as a spreadsheet program would.
#![expect(
    clippy::unwrap_used,
    reason = "fixture helpers: a failure to read one fails the test"
)]

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use kesu_core::{Comparator, Plan, Target, TargetValue, Task};
use kesu_plan::xlsx::{task_table, task_tables};
use std::io::{Cursor, Read};

fn target(
    text: &str,
    comparator: Comparator,
    value: TargetValue,
    unit: &str,
    year: Option<i32>,
) -> Target {
    Target {
        text: text.into(),
        indicator: String::new(),
        comparator,
        value,
        unit: unit.into(),
        year,
        per: None,
    }
}

fn sample_plan() -> Plan {
    Plan {
        title: "某市全民科学素质行动实施方案(2021-2025年)".into(),
        region: Some("某市".into()),
        period: Some([2021, 2025]),
        tasks: vec![
            Task {
                path: vec!["二".into(), "(一)".into(), "1".into()],
                title: "实施教师科学素质提升工程".into(),
                lead: vec!["市教育局".into()],
                cooperating: vec!["市科协".into(), "团市委".into()],
                targets: vec![
                    target(
                        "每所中小学校至少配备1名科技辅导员",
                        Comparator::Ge,
                        TargetValue::Number(1.0),
                        "名",
                        None,
                    ),
                    target(
                        "到2023年建成科普基地1-2家",
                        Comparator::Range,
                        TargetValue::Range([1.0, 2.0]),
                        "家",
                        Some(2023),
                    ),
                ],
                ..Task::default()
            },
            Task {
                path: vec!["二".into(), "(一)".into(), "2".into()],
                title: "开展科普进社区活动".into(),
                responsible: vec!["各县市区人民政府".into()],
                ..Task::default()
            },
        ],
        ..Plan::default()
    }
}

fn sheet(bytes: &[u8], name: &str) -> calamine::Range<Data> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    book.worksheet_range(name).unwrap()
}

fn text(range: &calamine::Range<Data>, row: u32, col: u32) -> String {
    range
        .get_value((row, col))
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// A part of the .xlsx package, as text.
fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut out = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut out).unwrap();
    out
}

#[test]
fn the_header_row_has_the_task_table_columns() {
    let range = sheet(&task_table(&sample_plan()).unwrap(), "某市");
    let header: Vec<String> = (0..8).map(|c| text(&range, 0, c)).collect();
    assert_eq!(
        header,
        [
            "序号",
            "路径",
            "任务",
            "牵头单位",
            "配合单位",
            "责任单位",
            "量化目标",
            "完成时限"
        ]
    );
}

#[test]
fn each_task_is_a_row_with_its_units_targets_and_deadline() {
    let range = sheet(&task_table(&sample_plan()).unwrap(), "某市");
    assert_eq!(range.get_value((1, 0)), Some(&Data::Float(1.0)));
    assert_eq!(text(&range, 1, 1), "二.(一).1");
    assert_eq!(text(&range, 1, 2), "实施教师科学素质提升工程");
    assert_eq!(text(&range, 1, 3), "市教育局");
    assert_eq!(text(&range, 1, 4), "市科协、团市委");
    assert_eq!(text(&range, 1, 5), "");
    assert_eq!(
        text(&range, 1, 6),
        "每所中小学校至少配备1名科技辅导员（>=1名）\n到2023年建成科普基地1-2家（1–2家；2023年）"
    );
    assert_eq!(text(&range, 1, 7), "2023年");
}

#[test]
fn a_task_without_dated_targets_is_due_in_the_plans_last_year() {
    let range = sheet(&task_table(&sample_plan()).unwrap(), "某市");
    assert_eq!(text(&range, 2, 5), "各县市区人民政府");
    assert_eq!(text(&range, 2, 7), "2025年");
    assert_eq!(range.height(), 3);
}

#[test]
fn the_header_is_frozen_and_bold() {
    let bytes = task_table(&sample_plan()).unwrap();
    let sheet_xml = part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(
        sheet_xml.contains(r#"ySplit="1""#) && sheet_xml.contains(r#"state="frozen""#),
        "{sheet_xml}"
    );
    assert!(part(&bytes, "xl/styles.xml").contains("<b/>"));
}

#[test]
fn one_sheet_per_plan_with_distinct_names() {
    let a = sample_plan();
    let b = Plan {
        region: None,
        ..sample_plan()
    };
    let c = sample_plan();
    let bytes = task_tables(&[&a, &b, &c]).unwrap();
    let book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), ["某市", "任务分解表", "某市(2)"]);
}

#[test]
fn a_plan_without_tasks_still_gives_a_workbook_with_the_header() {
    let range = sheet(&task_table(&Plan::default()).unwrap(), "任务分解表");
    assert_eq!(text(&range, 0, 2), "任务");
    assert_eq!(range.height(), 1);
}

/// LibreOffice opens the workbook and sees the same cells. Needs `soffice` (Debian:
/// libreoffice-calc-nogui), so it runs on request: `cargo test -p kesu-plan -- --ignored`.
#[test]
#[ignore = "needs LibreOffice (soffice) installed"]
fn libreoffice_opens_the_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("任务分解表.xlsx");
    std::fs::write(&xlsx, task_table(&sample_plan()).unwrap()).unwrap();
    let status = std::process::Command::new("soffice")
        .args([
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
        ])
        .arg(dir.path())
        .arg(&xlsx)
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let csv = std::fs::read_to_string(dir.path().join("任务分解表.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("序号,路径,任务,牵头单位,配合单位,责任单位,量化目标,完成时限")
    );
    assert!(lines.next().is_some_and(|l| {
        l.starts_with("1,二.(一).1,实施教师科学素质提升工程,市教育局,市科协、团市委,")
    }));
}
