//! Workbooks read like CSV: the same typed columns, and errors on the workbook's own row numbers.
#![expect(
    clippy::unwrap_used,
    reason = "fixture helpers: a workbook that cannot be written fails the test"
)]

use kesu_survey::input::{Format, Request};
use rust_xlsxwriter::Workbook;
use std::path::{Path, PathBuf};

/// Fixtures are read from disk here; the crate itself takes readers.
fn read_table(path: &std::path::Path, req: &[Request]) -> kesu_survey::Result<kesu_survey::Table> {
    let format = Format::of_name(&path.to_string_lossy())?;
    kesu_survey::input::read_table(std::fs::File::open(path)?, format, req)
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Write a CSV as a workbook: numeric-looking cells as numbers (as Excel stores them), the rest
/// as text; `skip` blank rows before the header and after data row 1.
fn csv_to_xlsx(csv: &Path, xlsx: &Path, skip: u32) {
    let text = std::fs::read_to_string(csv).unwrap();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let mut row = skip;
    for (i, line) in text.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            match cell.parse::<f64>() {
                Ok(x) if i > 0 => ws.write_number(row, c as u16, x).map(|_| ()),
                _ => ws.write_string(row, c as u16, cell).map(|_| ()),
            }
            .unwrap();
        }
        row += 1;
        if i == 1 {
            row += skip;
        }
    }
    wb.save(xlsx).unwrap();
}

fn respondents_request() -> Vec<Request> {
    let mut r = vec![Request::number("weight"), Request::number("literate")];
    for c in [
        "stratum",
        "psu",
        "region",
        "urban",
        "sex",
        "age_group",
        "education",
        "group",
    ] {
        r.push(Request::category(c));
    }
    r
}

#[test]
fn a_workbook_reads_into_the_same_columns_as_the_csv() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("respondents.xlsx");
    csv_to_xlsx(&fixtures().join("respondents.csv"), &xlsx, 0);
    let req = respondents_request();
    let a = read_table(&fixtures().join("respondents.csv"), &req).unwrap();
    let b = read_table(&xlsx, &req).unwrap();
    assert_eq!(a.n_rows(), b.n_rows());
    for r in &req {
        // `urban` is stored as numbers in the workbook and still reads as the levels "0"/"1".
        assert_eq!(a.column(&r.name), b.column(&r.name), "{}", r.name);
    }
}

#[test]
fn workbook_errors_use_the_sheet_row_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("bad.csv");
    std::fs::write(
        &csv,
        "stratum,psu,weight,literate\nA,1,1,0\nA,2,1,1\nA,2,x,1\n",
    )
    .unwrap();
    let xlsx = dir.path().join("bad.xlsx");
    // Two blank rows above the header and two after the first data row: the bad weight sits in
    // sheet row 2 + 1 + 1 + 2 + 1 + 1 = 8.
    csv_to_xlsx(&csv, &xlsx, 2);
    let e = read_table(
        &xlsx,
        &[Request::category("stratum"), Request::number("weight")],
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "第8行 列weight: 不是数字 (not a number): 'x'"
    );
}

#[test]
fn the_tiny_workbook_fixture_matches_tiny_csv() {
    let req = [
        Request::category("stratum"),
        Request::category("psu"),
        Request::number("weight"),
        Request::number("fpc"),
        Request::category("domain"),
        Request::number("literate"),
    ];
    let a = read_table(&fixtures().join("tiny.csv"), &req).unwrap();
    let b = read_table(&fixtures().join("tiny.xlsx"), &req).unwrap();
    for r in &req {
        assert_eq!(a.column(&r.name), b.column(&r.name), "{}", r.name);
    }
}

/// `cargo test -p kesu-survey --test xlsx -- --ignored` rewrites fixtures/tiny.xlsx.
#[test]
#[ignore = "writes the fixture"]
fn write_tiny_workbook_fixture() {
    csv_to_xlsx(
        &fixtures().join("tiny.csv"),
        &fixtures().join("tiny.xlsx"),
        0,
    );
}
