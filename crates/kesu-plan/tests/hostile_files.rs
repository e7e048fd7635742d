//! Hostile Word documents and web pages are refused with a message or read within bounds, never
//! into gigabytes: a cell merged down over many rows (each row would repeat its text), rows
//! padded to a very wide one, tables nested without end, a zip of a million entries, a web page
//! table of huge spans.
#![expect(
    clippy::unwrap_used,
    reason = "test documents are built in memory; a failure to build fails the test"
)]

use kesu_plan::PlanError;
use kesu_plan::input::decode;
use std::io::Write;
use zip::write::SimpleFileOptions;

const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

/// A .docx whose document.xml is `body` written `repeat` times between `head` and `tail`,
/// deflated (so that a large document is a small file).
fn docx(head: &str, body: &str, repeat: usize, tail: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflate = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file("word/document.xml", deflate).unwrap();
    write!(zip, "<w:document xmlns:w=\"{W_NS}\"><w:body>{head}").unwrap();
    let chunk = body.repeat(256);
    for _ in 0..repeat / 256 {
        zip.write_all(chunk.as_bytes()).unwrap();
    }
    write!(zip, "{tail}</w:body></w:document>").unwrap();
    zip.finish().unwrap().into_inner()
}

fn refused(bytes: &[u8], why: &str) {
    match decode(bytes, "hostile.docx") {
        Err(PlanError::BadDocx(msg)) => assert!(msg.contains(why), "{msg}"),
        other => panic!("not refused: {:?}", other.map(|d| d.blocks.len())),
    }
}

#[test]
fn a_cell_merged_down_over_many_rows_cannot_multiply_its_text() {
    // One cell of 100 KB merged down over 2,000 rows: 200 MB of copies.
    let big = "科".repeat(100 * 1024 / 3);
    let head = format!(
        "<w:tbl><w:tr><w:tc><w:tcPr><w:vMerge w:val=\"restart\"/></w:tcPr><w:p><w:r><w:t>{big}</w:t></w:r></w:p></w:tc><w:tc><w:p/></w:tc></w:tr>"
    );
    let row = "<w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc><w:tc><w:p/></w:tc></w:tr>";
    let bytes = docx(&head, row, 2048, "</w:tbl>");
    assert!(bytes.len() < 1024 * 1024);
    refused(&bytes, "合并单元格");
}

#[test]
fn rows_padded_to_a_very_wide_one_are_refused_by_cells() {
    let wide: String =
        "<w:tc><w:tcPr><w:gridSpan w:val=\"64\"/></w:tcPr><w:p/></w:tc>".repeat(16_000);
    let head = format!("<w:tbl><w:tr>{wide}</w:tr>");
    let row = "<w:tr><w:tc><w:p/></w:tc></w:tr>";
    let bytes = docx(&head, row, 4096, "</w:tbl>");
    refused(&bytes, "单元格");
}

#[test]
fn tables_nested_without_end_are_refused_by_depth() {
    let open = "<w:tbl><w:tr><w:tc>";
    let bytes = docx("", open, 1024, "");
    refused(&bytes, "嵌套");
}

#[test]
fn a_zip_of_very_many_entries_is_refused() {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("word/document.xml", SimpleFileOptions::default())
        .unwrap();
    write!(
        zip,
        "<w:document xmlns:w=\"{W_NS}\"><w:body><w:p/></w:body></w:document>"
    )
    .unwrap();
    for i in 0..10_001 {
        zip.start_file(format!("x/{i}"), SimpleFileOptions::default())
            .unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    let err = decode(&bytes, "many.docx").unwrap_err().to_string();
    assert!(err.contains("文件过多"), "{err}");
}

#[test]
fn an_ordinary_merged_table_is_still_read() {
    let head = "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>序号</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>牵头单位</w:t></w:r></w:p></w:tc></w:tr>\
        <w:tr><w:tc><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:vMerge w:val=\"restart\"/></w:tcPr><w:p><w:r><w:t>县科协</w:t></w:r></w:p></w:tc></w:tr>";
    let row = "<w:tr><w:tc><w:p><w:r><w:t>2</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc></w:tr>";
    let doc = decode(&docx(head, row, 256, "</w:tbl>"), "ok.docx").unwrap();
    let kesu_plan::Block::Table(rows) = &doc.blocks[0] else {
        panic!("no table")
    };
    assert_eq!(rows.len(), 258);
    assert!(rows.iter().skip(1).all(|r| r[1] == "县科协"));
}

#[test]
fn a_web_page_table_of_huge_spans_is_read_within_bounds() {
    let wide = "<td colspan=\"64\">x</td>".repeat(20_000);
    let narrow = "<tr><td>1</td><td rowspan=\"64\">县科协县科协县科协</td></tr>".repeat(20_000);
    let page = format!("<html><body><table><tr>{wide}</tr>{narrow}</table></body></html>");
    // Whatever it makes of it, it returns (the grid is capped), and quickly.
    let _ = decode(page.as_bytes(), "page.html");
}
