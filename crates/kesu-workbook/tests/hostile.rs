//! Hostile and careless files, made here byte by byte: each is refused with a message naming the
//! problem (or read sparsely, when it is harmless), without decompressing or allocating what the
//! file merely claims.
#![expect(
    clippy::unwrap_used,
    reason = "fixture builders: a file that cannot be built fails the test"
)]

use kesu_workbook::{Archive, Limits, Value, Workbook, WorkbookError};
use std::io::Write;
use zip::write::SimpleFileOptions;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="填报" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;

fn sheet_xml(dimension: &str, cells: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{cells}</sheetData></worksheet>"#
    )
}

/// A zip of `(name, bytes)`, deflated.
fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(false);
    for (name, bytes) in parts {
        w.start_file(*name, opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// A one-sheet workbook ("填报") with this sheet XML and extra parts.
fn workbook_with(sheet: &str, extra: &[(&str, &[u8])]) -> Vec<u8> {
    let mut parts: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        ("xl/workbook.xml", WORKBOOK.as_bytes()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ];
    parts.extend_from_slice(extra);
    zip_of(&parts)
}

/// The attack of issue 10: one cell in A1, one in XFD1048576, and a dimension saying so.
fn a1_and_xfd1048576() -> Vec<u8> {
    workbook_with(
        &sheet_xml(
            "A1:XFD1048576",
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>报告编号</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
        ),
        &[],
    )
}

fn template_limits() -> Limits {
    Limits {
        max_rows: 100_000,
        max_columns: 64,
        ..Limits::default()
    }
}

fn open_err(bytes: &[u8], limits: &Limits) -> WorkbookError {
    match Workbook::open(bytes, limits) {
        Ok(mut wb) => {
            let sheet = wb.sheet_names()[0].clone();
            wb.rows(&sheet).unwrap_err()
        }
        Err(e) => e,
    }
}

#[test]
fn the_a1_xfd1048576_workbook_is_small() {
    assert!(a1_and_xfd1048576().len() < 2_000);
}

#[test]
fn a_cell_beyond_the_template_columns_is_refused_naming_the_cell() {
    let e = open_err(&a1_and_xfd1048576(), &template_limits());
    assert!(
        matches!(&e, WorkbookError::CellOutOfRange { cell, .. } if cell == "XFD1048576"),
        "{e:?}"
    );
    assert!(e.to_string().contains("XFD1048576"), "{e}");
}

#[test]
fn within_excel_bounds_the_far_cell_is_read_sparsely_not_densified() {
    let bytes = a1_and_xfd1048576();
    let mut wb = Workbook::open(&bytes, &Limits::default()).unwrap();
    let rows = wb.rows("填报").unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].number(), 1_048_576);
    assert_eq!(rows[1].get(16_383), Some(&Value::Number(1.0)));
}

#[test]
fn a_huge_declared_dimension_is_not_trusted_for_anything() {
    let bytes = workbook_with(
        &sheet_xml(
            "A1:XFD1048576",
            r#"<row r="2"><c r="B2"><v>5</v></c></row>"#,
        ),
        &[],
    );
    let mut wb = Workbook::open(&bytes, &template_limits()).unwrap();
    let rows = wb.rows("填报").unwrap();
    assert_eq!((rows.len(), rows[0].index), (1, 1));
}

#[test]
fn a_malformed_reference_is_refused_before_calamine_parses_it() {
    for r in ["AAAAAAAAAAAAAAAAAAAAAAA1", "A99999999999999", "XFE1"] {
        let bytes = workbook_with(
            &sheet_xml("A1", &format!(r#"<row><c r="{r}"><v>1</v></c></row>"#)),
            &[],
        );
        let e = Workbook::open(&bytes, &Limits::default()).unwrap_err();
        assert!(
            matches!(e, WorkbookError::BadReference { .. }),
            "{r}: {e:?}"
        );
    }
    let bytes = workbook_with(&sheet_xml("ZZZZZZZZZZZZZZZZ1:A1", ""), &[]);
    assert!(matches!(
        Workbook::open(&bytes, &Limits::default()),
        Err(WorkbookError::BadReference { .. })
    ));
}

#[test]
fn rows_beyond_the_cap_are_refused() {
    let cells: String = (1..=20)
        .map(|r| format!(r#"<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>"#))
        .collect();
    let bytes = workbook_with(&sheet_xml("A1:A20", &cells), &[]);
    let limits = Limits {
        max_rows: 10,
        ..Limits::default()
    };
    let e = open_err(&bytes, &limits);
    assert!(
        matches!(&e, WorkbookError::CellOutOfRange { cell, .. } if cell == "A11"),
        "{e:?}"
    );
}

#[test]
fn too_many_cells_are_refused() {
    let cells: String = (1..=50)
        .map(|r| format!(r#"<row r="{r}"><c r="A{r}"><v>1</v></c><c r="B{r}"/></row>"#))
        .collect();
    let bytes = workbook_with(&sheet_xml("A1", &cells), &[]);
    let limits = Limits {
        max_cells: 60,
        ..Limits::default()
    };
    assert!(matches!(
        open_err(&bytes, &limits),
        WorkbookError::TooManyCells { limit: 60, .. }
    ));
}

#[test]
fn an_overlong_cell_text_is_refused_naming_the_cell() {
    let long = "长".repeat(1000);
    let bytes = workbook_with(
        &sheet_xml(
            "A1",
            &format!(r#"<row r="1"><c r="C1" t="inlineStr"><is><t>{long}</t></is></c></row>"#),
        ),
        &[],
    );
    let limits = Limits {
        max_cell_bytes: 1000,
        ..Limits::default()
    };
    assert!(matches!(
        open_err(&bytes, &limits),
        WorkbookError::CellTooLong { cell, .. } if cell == "C1"
    ));
}

#[test]
fn deep_xml_is_refused() {
    let deep = format!("{}{}", "<x>".repeat(100_000), "</x>".repeat(100_000));
    let bytes = workbook_with(&sheet_xml("A1", &deep), &[]);
    assert!(matches!(
        Workbook::open(&bytes, &Limits::default()),
        Err(WorkbookError::XmlTooDeep { limit: 64, .. })
    ));
}

#[test]
fn a_dtd_is_refused() {
    let sheet = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><worksheet><sheetData/></worksheet>"#;
    assert!(matches!(
        Workbook::open(&workbook_with(sheet, &[]), &Limits::default()),
        Err(WorkbookError::BadXml { .. })
    ));
}

fn shared_strings(unique_count: &str, strings: usize) -> Vec<u8> {
    let si: String = (0..strings)
        .map(|i| format!("<si><t>{i}</t></si>"))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{strings}" uniqueCount="{unique_count}">{si}</sst>"#
    )
    .into_bytes()
}

#[test]
fn a_declared_shared_string_count_beyond_the_cap_is_refused_before_reserving_it() {
    // calamine reserves `uniqueCount` strings up front: a terabyte for this 2 KB file.
    let sst = shared_strings("99999999999", 1);
    let bytes = workbook_with(&sheet_xml("A1", ""), &[("xl/sharedStrings.xml", &sst)]);
    assert!(bytes.len() < 3_000);
    let e = Workbook::open(&bytes, &Limits::default()).unwrap_err();
    assert!(
        matches!(
            e,
            WorkbookError::TooMany {
                count: 99_999_999_999,
                ..
            }
        ),
        "{e:?}"
    );
    let sst = shared_strings("+99999999999", 1);
    let bytes = workbook_with(&sheet_xml("A1", ""), &[("xl/sharedStrings.xml", &sst)]);
    assert!(Workbook::open(&bytes, &Limits::default()).is_err());
}

#[test]
fn more_shared_strings_than_the_cap_are_refused() {
    let sst = shared_strings("3", 5_000);
    let bytes = workbook_with(&sheet_xml("A1", ""), &[("xl/sharedStrings.xml", &sst)]);
    let limits = Limits {
        max_shared_strings: 1_000,
        ..Limits::default()
    };
    assert!(matches!(
        Workbook::open(&bytes, &limits),
        Err(WorkbookError::TooMany { count: 1_001, .. })
    ));
}

#[test]
fn a_style_bomb_is_refused() {
    // Every cell format copies its font: a long font name times many formats.
    let name = "字".repeat(2_000);
    let xfs = r#"<xf fontId="0"/>"#.repeat(10);
    let styles = format!(
        r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><name val="{name}"/></font></fonts><cellXfs>{xfs}</cellXfs></styleSheet>"#
    );
    let bytes = workbook_with(
        &sheet_xml("A1", ""),
        &[("xl/styles.xml", styles.as_bytes())],
    );
    assert!(matches!(
        Workbook::open(&bytes, &Limits::default()),
        Err(WorkbookError::BadXml { .. })
    ));
    let many = format!(
        r#"<styleSheet><cellXfs>{}</cellXfs></styleSheet>"#,
        "<xf/>".repeat(70_000)
    );
    let bytes = workbook_with(&sheet_xml("A1", ""), &[("xl/styles.xml", many.as_bytes())]);
    assert!(matches!(
        Workbook::open(&bytes, &Limits::default()),
        Err(WorkbookError::TooMany { limit: 65_536, .. })
    ));
}

#[test]
fn a_highly_compressed_entry_is_refused_as_a_bomb() {
    let zeros = vec![b' '; 16 << 20];
    let bytes = workbook_with(&sheet_xml("A1", ""), &[("xl/bomb.xml", &zeros)]);
    assert!(bytes.len() < 200_000, "{}", bytes.len());
    let e = Workbook::open(&bytes, &Limits::default()).unwrap_err();
    assert!(
        matches!(&e, WorkbookError::RatioTooHigh { entry, .. } if entry == "xl/bomb.xml"),
        "{e:?}"
    );
    assert!(e.to_string().contains("压缩炸弹"));
}

#[test]
fn an_entry_declared_beyond_the_cap_is_refused_before_decompressing() {
    let bytes = workbook_with(&sheet_xml("A1", ""), &[("xl/big.xml", &[b'<'; 5000])]);
    let limits = Limits {
        max_entry_bytes: 4096,
        ..Limits::default()
    };
    assert!(matches!(
        Workbook::open(&bytes, &limits),
        Err(WorkbookError::EntryTooLarge { size: 5000, .. })
    ));
}

#[test]
fn entries_together_beyond_the_total_are_refused() {
    let part = vec![b'a'; 3000];
    let bytes = zip_of(&[("a", &part), ("b", &part), ("c", &part)]);
    let limits = Limits {
        max_total_bytes: 8000,
        ..Limits::default()
    };
    assert!(matches!(
        Archive::open(&bytes, &limits),
        Err(WorkbookError::ArchiveTooLarge { limit: 8000, .. })
    ));
}

/// Rewrite every declared uncompressed size in a zip (local and central headers) to `size`.
fn lie_about_sizes(mut bytes: Vec<u8>, size: u32) -> Vec<u8> {
    let mut i = 0;
    while i + 46 <= bytes.len() {
        let at = match &bytes[i..i + 4] {
            b"PK\x03\x04" => Some(i + 22),
            b"PK\x01\x02" => Some(i + 24),
            _ => None,
        };
        if let Some(at) = at {
            bytes[at..at + 4].copy_from_slice(&size.to_le_bytes());
        }
        i += 1;
    }
    bytes
}

#[test]
fn an_entry_that_inflates_past_its_declared_size_is_refused() {
    let honest = workbook_with(
        &sheet_xml("A1", &r#"<row><c><v>1</v></c></row>"#.repeat(20_000)),
        &[],
    );
    let lying = lie_about_sizes(honest, 600);
    let e = Workbook::open(&lying, &Limits::default()).unwrap_err();
    assert!(
        matches!(
            e,
            WorkbookError::Corrupt { .. }
                | WorkbookError::EntryTooLarge { .. }
                | WorkbookError::NotRecognised { .. }
                | WorkbookError::BadXml { .. }
        ),
        "{e:?}"
    );
}

#[test]
fn too_many_entries_are_refused() {
    let names: Vec<String> = (0..300).map(|i| format!("f{i}")).collect();
    let parts: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
    let bytes = zip_of(&parts);
    let limits = Limits {
        max_entries: 100,
        ..Limits::default()
    };
    assert!(matches!(
        Archive::open(&bytes, &limits),
        Err(WorkbookError::TooManyEntries { count: 300, .. })
    ));
}

#[test]
fn a_forged_entry_count_is_refused_before_the_directory_is_parsed() {
    let mut bytes = zip_of(&[("a", b"x")]);
    let eocd = bytes.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
    bytes[eocd + 8..eocd + 12].copy_from_slice(&[0xff, 0xff, 0xff, 0xff]);
    assert!(matches!(
        Archive::open(&bytes, &Limits::default()),
        Err(WorkbookError::TooManyEntries { count: 65_535, .. })
    ));
}

#[test]
fn a_bomb_nested_in_an_archive_is_found() {
    let bomb = zip_of(&[("zeros.bin", &vec![0u8; 16 << 20])]);
    let bytes = workbook_with(&sheet_xml("A1", ""), &[("xl/embeddings/inner.zip", &bomb)]);
    let e = Workbook::open(&bytes, &Limits::default()).unwrap_err();
    assert!(
        matches!(&e, WorkbookError::RatioTooHigh { entry, .. } if entry == "xl/embeddings/inner.zip!/zeros.bin"),
        "{e:?}"
    );
}

#[test]
fn archives_nested_too_deep_are_refused() {
    let mut bytes = zip_of(&[("a.txt", b"hello")]);
    for level in 0..4 {
        bytes = zip_of(&[(&format!("level{level}.zip"), &bytes)]);
    }
    assert!(matches!(
        Archive::open(&bytes, &Limits::default()),
        Err(WorkbookError::NestedTooDeep { limit: 2, .. })
    ));
}

#[test]
fn a_file_over_the_size_cap_is_refused() {
    let bytes = a1_and_xfd1048576();
    let limits = Limits {
        max_file_bytes: 100,
        ..Limits::default()
    };
    assert!(matches!(
        Workbook::open(&bytes, &limits),
        Err(WorkbookError::FileTooLarge { .. })
    ));
}

#[test]
fn a_truncated_workbook_is_refused_at_every_cut() {
    let bytes = a1_and_xfd1048576();
    for cut in (0..bytes.len()).step_by(37) {
        assert!(
            Workbook::open(&bytes[..cut], &Limits::default()).is_err(),
            "cut at {cut}"
        );
    }
}

#[test]
fn other_kinds_of_file_are_named() {
    let cases: [(&[u8], &str); 4] = [
        (b"%PDF-1.7 not a workbook", "zip"),
        (&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1], ".xls"),
        (b"", "zip"),
        ("code,name\n43,湖南省\n".as_bytes(), "zip"),
    ];
    for (bytes, says) in cases {
        let e = Workbook::open(bytes, &Limits::default()).unwrap_err();
        assert!(e.to_string().contains(says), "{e}");
    }
    let docx = zip_of(&[("word/document.xml", b"<w:document/>")]);
    assert!(
        Workbook::open(&docx, &Limits::default())
            .unwrap_err()
            .to_string()
            .contains(".docx")
    );
    let ods = zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("content.xml", b"<office:document-content/>"),
    ]);
    assert!(matches!(
        Workbook::open(&ods, &Limits::default()),
        Err(WorkbookError::Unsupported { .. })
    ));
}

#[test]
fn a_missing_sheet_is_named() {
    let bytes = a1_and_xfd1048576();
    let mut wb = Workbook::open(&bytes, &Limits::default()).unwrap();
    assert_eq!(
        wb.rows("量化指标").unwrap_err(),
        WorkbookError::NoSuchSheet {
            sheet: "量化指标".into()
        }
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Any corruption of a workbook is an error or a workbook; never a panic.
    #[test]
    fn a_corrupted_workbook_never_panics(
        flips in proptest::collection::vec((proptest::num::usize::ANY, proptest::num::u8::ANY), 1..8)
    ) {
        let mut bytes = a1_and_xfd1048576();
        for (at, b) in flips {
            let i = at % bytes.len();
            bytes[i] = b;
        }
        if let Ok(mut wb) = Workbook::open(&bytes, &Limits::default()) {
            for s in wb.sheet_names().to_vec() {
                let _ = wb.rows(&s);
            }
        }
    }

    /// Cells written anywhere inside the caps come back exactly, as sparse rows.
    #[test]
    fn sparse_cells_read_back_exactly(
        cells in proptest::collection::btree_map((0u32..5_000, 0u16..64), -1e9f64..1e9, 1..40)
    ) {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for ((r, c), v) in &cells {
            ws.write_number(*r, *c, *v).unwrap();
        }
        let bytes = wb.save_to_buffer().unwrap();
        let mut book = Workbook::open(&bytes, &template_limits()).unwrap();
        let name = book.sheet_names()[0].clone();
        let got: Vec<((u32, u16), f64)> = book
            .rows(&name)
            .unwrap()
            .into_iter()
            .flat_map(|r| {
                let index = r.index;
                r.cells.into_iter().map(move |(c, v)| match v {
                    Value::Number(x) => ((index, c as u16), x),
                    other => panic!("{other:?}"),
                })
            })
            .collect();
        let want: Vec<((u32, u16), f64)> = cells.into_iter().collect();
        proptest::prop_assert_eq!(got, want);
    }
}
