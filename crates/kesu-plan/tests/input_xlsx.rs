//! Excel task tables (任务分解表) as input: header variants, merged cells, several sheets and
//! repeated header rows are read as a Word table would be; hostile workbooks (a cell a million
//! rows down, a merge over the whole sheet, a zip bomb) are refused or read within bounds.
#![expect(
    clippy::unwrap_used,
    reason = "test workbooks are built in memory; a failure to build fails the test"
)]

use kesu_plan::PlanError;
use rust_xlsxwriter::{Format, Workbook};

fn book(rows: &[&[&str]]) -> Workbook {
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    for (r, row) in (0u32..).zip(rows) {
        for (c, text) in (0u16..).zip(*row) {
            if !text.is_empty() {
                sheet.write_string(r, c, *text).unwrap();
            }
        }
    }
    wb
}

const HEADER: &[&str] = &["序号", "任务内容", "牵头单位", "配合单位", "完成时限"];

#[test]
fn a_task_table_in_excel_gives_a_task_per_row() {
    let mut wb = book(&[
        HEADER,
        &[
            "1",
            "开展科普讲座20场次。",
            "县科协",
            "县教育局、县卫健局",
            "2025年",
        ],
        &[
            "2",
            "建设科普e站5个。",
            "县科协",
            "各乡镇人民政府",
            "2024年",
        ],
    ]);
    let plan = kesu_plan::parse_bytes(&wb.save_to_buffer().unwrap(), "表.xlsx").unwrap();
    assert_eq!(plan.tasks.len(), 2);
    assert_eq!(plan.tasks[0].lead, ["县科协"]);
    assert_eq!(plan.tasks[0].cooperating, ["县教育局", "县卫健局"]);
    assert_eq!(plan.tasks[1].targets[0].year, Some(2024));
}

#[test]
fn a_lead_merged_down_over_rows_leads_each_of_them() {
    let mut wb = book(&[
        HEADER,
        &["1", "开展科普讲座。", "", "县教育局", "2025年"],
        &["2", "组织科技竞赛。", "", "团县委", "2025年"],
    ]);
    let sheet = wb.worksheet_from_index(0).unwrap();
    sheet
        .merge_range(1, 2, 2, 2, "县科协", &Format::new())
        .unwrap();
    let plan = kesu_plan::parse_bytes(&wb.save_to_buffer().unwrap(), "表.xlsx").unwrap();
    let leads: Vec<&[String]> = plan.tasks.iter().map(|t| t.lead.as_slice()).collect();
    assert_eq!(leads, [["县科协"], ["县科协"]]);
}

#[test]
fn sheets_after_the_first_and_repeated_header_rows_are_read_too() {
    let mut wb = book(&[HEADER, &["1", "开展科普讲座。", "县科协", "", ""]]);
    let second = wb.add_worksheet();
    for (r, row) in (0u32..).zip([HEADER, &["2", "组织科技竞赛。", "团县委", "", ""]]) {
        for (c, text) in (0u16..).zip(row) {
            second.write_string(r, c, *text).unwrap();
        }
    }
    let plan = kesu_plan::parse_bytes(&wb.save_to_buffer().unwrap(), "表.xlsx").unwrap();
    let paths: Vec<String> = plan.tasks.iter().map(|t| t.path_label()).collect();
    assert_eq!(paths, ["1", "2"]);
}

#[test]
fn a_cell_a_million_rows_down_is_refused_by_row_not_allocated() {
    let mut wb = book(&[HEADER, &["1", "开展科普讲座。", "县科协", "", ""]]);
    let sheet = wb.worksheet_from_index(0).unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    let err = kesu_plan::parse_bytes(&wb.save_to_buffer().unwrap(), "表.xlsx").unwrap_err();
    assert!(matches!(err, PlanError::BadWorkbook(_)), "{err}");
    assert!(err.to_string().contains("行"), "{err}");
}

/// The workbook's bytes with one part's text edited (to write what no writer would).
fn edit_part(bytes: &[u8], part: &str, edit: impl Fn(&str) -> String) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..src.len() {
        let mut f = src.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        if name == part {
            data = edit(&String::from_utf8(data).unwrap()).into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn a_merge_over_the_whole_sheet_fills_only_the_cells_in_use() {
    let mut wb = book(&[
        HEADER,
        &["1", "开展科普讲座。", "县科协", "", ""],
        &["备注"],
    ]);
    let sheet = wb.worksheet_from_index(0).unwrap();
    sheet
        .merge_range(2, 0, 3, 1, "备注", &Format::new())
        .unwrap();
    let bytes = edit_part(
        &wb.save_to_buffer().unwrap(),
        "xl/worksheets/sheet1.xml",
        |xml| xml.replace("ref=\"A3:B4\"", "ref=\"A3:XFD1048576\""),
    );
    // Read within bounds: whatever it makes of the note, the task is there and nothing blew up.
    let plan = kesu_plan::parse_bytes(&bytes, "表.xlsx").unwrap();
    assert_eq!(plan.tasks[0].lead, ["县科协"]);
}

#[test]
fn a_workbook_whose_part_inflates_past_the_cap_is_refused_as_a_bomb() {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflate = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("xl/workbook.xml", deflate).unwrap();
    zip.write_all(b"<workbook/>").unwrap();
    zip.start_file("xl/sharedStrings.xml", deflate).unwrap();
    let zeros = vec![b' '; 1024 * 1024];
    for _ in 0..65 {
        zip.write_all(&zeros).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    assert!(bytes.len() < 2 * 1024 * 1024);
    let err = kesu_plan::parse_bytes(&bytes, "表.xlsx")
        .unwrap_err()
        .to_string();
    assert!(err.contains("压缩炸弹"), "{err}");
}

#[test]
fn a_workbook_without_a_task_table_is_no_plan() {
    let mut wb = book(&[&["姓名", "电话"], &["张三", "13800000000"]]);
    let err = kesu_plan::parse_bytes(&wb.save_to_buffer().unwrap(), "表.xlsx").unwrap_err();
    assert!(matches!(err, PlanError::NoPlan), "{err}");
}
