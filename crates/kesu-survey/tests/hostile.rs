//! Hostile and careless survey files: each read ends with an error naming the problem (or a
//! result), quickly, never holding more than the file really has.
#![expect(
    clippy::unwrap_used,
    reason = "fixture builders: a file that cannot be built fails the test"
)]

use kesu_survey::SurveyError;
use kesu_survey::input::{Format, Request, read_csv, read_table, read_xlsx};
use kesu_workbook::WorkbookError;
use std::io::{Cursor, Write};

fn req() -> Vec<Request> {
    vec![Request::category("region"), Request::number("weight")]
}

fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in parts {
        w.start_file(*name, opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn a_respondent_in_xfd1048576_is_read_sparsely_and_named() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "region").unwrap();
    ws.write_string(0, 1, "weight").unwrap();
    ws.write_string(1, 0, "east").unwrap();
    ws.write_number(1, 1, 1.5).unwrap();
    ws.write_number(1_048_575, 16_383, 1.0).unwrap();
    let e = read_xlsx(&wb.save_to_buffer().unwrap(), &req()).unwrap_err();
    assert!(
        matches!(&e, SurveyError::BadCell { line: 1_048_576, column, .. } if column == "region"),
        "{e}"
    );
}

#[test]
fn a_zip_bomb_workbook_is_refused() {
    let bytes = zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("xl/worksheets/sheet1.xml", &vec![b' '; 16 << 20]),
    ]);
    let e = read_xlsx(&bytes, &req()).unwrap_err();
    assert!(
        matches!(e, SurveyError::File(WorkbookError::RatioTooHigh { .. })),
        "{e}"
    );
}

#[test]
fn a_shared_string_bomb_is_refused() {
    let sst = br#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="4000000000000"><si><t>a</t></si></sst>"#;
    let bytes = zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("xl/sharedStrings.xml", sst),
    ]);
    let e = read_xlsx(&bytes, &req()).unwrap_err();
    assert!(
        matches!(e, SurveyError::File(WorkbookError::TooMany { .. })),
        "{e}"
    );
}

#[test]
fn a_truncated_workbook_is_refused() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "region").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    for cut in [0, 10, bytes.len() / 2, bytes.len() - 1] {
        assert!(read_xlsx(&bytes[..cut], &req()).is_err(), "cut at {cut}");
    }
}

#[test]
fn legacy_workbook_formats_are_refused_by_name_with_what_to_do() {
    for name in ["wave.xls", "wave.XLSB", "wave.ods"] {
        let e = Format::of_name(name).unwrap_err();
        assert!(e.to_string().contains(".xlsx 或 CSV"), "{e}");
    }
    assert_eq!(Format::of_name("wave.xlsx").unwrap(), Format::Xlsx);
    assert_eq!(Format::of_name("wave.csv").unwrap(), Format::Csv);
}

#[test]
fn a_workbook_saved_under_a_csv_name_is_not_read_as_text() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/tiny.xlsx"
    ))
    .unwrap();
    let e = read_table(Cursor::new(bytes), Format::Csv, &req()).unwrap_err();
    assert!(
        matches!(
            e,
            SurveyError::MissingColumn { .. } | SurveyError::Csv { .. }
        ),
        "{e}"
    );
}

fn long_line_csv(quoted: bool) -> Vec<u8> {
    let mut text = String::from("region,weight\neast,1\n");
    if quoted {
        text.push('"');
    }
    text.push_str(&"x".repeat(3 << 20));
    if quoted {
        text.push('"');
    }
    text.push_str(",2\n");
    text.into_bytes()
}

#[test]
fn a_line_over_the_cap_is_refused_naming_it() {
    for quoted in [false, true] {
        let e = read_table(Cursor::new(long_line_csv(quoted)), Format::Csv, &req()).unwrap_err();
        assert!(
            matches!(
                e,
                SurveyError::File(WorkbookError::LineTooLong { line: 3, .. })
            ),
            "quoted {quoted}: {e}"
        );
    }
    let e = read_csv(&long_line_csv(true)[..], &req()).unwrap_err();
    assert!(
        matches!(e, SurveyError::File(WorkbookError::LineTooLong { .. })),
        "{e}"
    );
}

#[test]
fn a_header_line_over_the_cap_is_refused() {
    let text = format!("region,weight,{}\neast,1,x\n", "y".repeat(2 << 20));
    let e = read_table(Cursor::new(text.into_bytes()), Format::Csv, &req()).unwrap_err();
    assert!(
        matches!(
            e,
            SurveyError::File(WorkbookError::LineTooLong { line: 1, .. })
        ),
        "{e}"
    );
}

#[test]
fn a_header_of_too_many_columns_is_refused() {
    let header: Vec<String> = (0..20_000).map(|i| format!("c{i}")).collect();
    let text = format!("region,weight,{}\neast,1\n", header.join(","));
    let e = read_table(Cursor::new(text.into_bytes()), Format::Csv, &req()).unwrap_err();
    assert!(
        matches!(
            e,
            SurveyError::File(WorkbookError::TooMany { count: 20_002, .. })
        ),
        "{e}"
    );
}
