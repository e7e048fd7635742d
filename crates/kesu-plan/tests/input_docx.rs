//! Reading .docx files: paragraphs and tables in document order, Word's numbering written out,
//! merged cells, and files that only pretend to be Word documents.
#![expect(
    clippy::unwrap_used,
    reason = "fixture helpers: a failure to build one fails the test"
)]

use kesu_plan::input::decode;
use kesu_plan::{Block, PlanError};
use std::io::Write;
use zip::write::SimpleFileOptions;

const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"#;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>"#;

/// A zip archive of the given parts.
fn zip_of(parts: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in parts {
        zip.start_file(*name, SimpleFileOptions::default()).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A .docx whose body is `body` (WordprocessingML with the `w:` prefix), with optional
/// numbering.xml content.
fn docx(body: &str, numbering: Option<&str>) -> Vec<u8> {
    docx_with_styles(body, numbering, None)
}

/// As [`docx`], with styles.xml content too.
fn docx_with_styles(body: &str, numbering: Option<&str>, styles: Option<&str>) -> Vec<u8> {
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="{W_NS}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><w:body>{body}<w:sectPr/></w:body></w:document>"#
    );
    let mut parts = vec![
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", RELS),
    ];
    parts.push(("word/document.xml", &document));
    let numbering_xml = numbering.map(|n| {
        format!(r#"<?xml version="1.0"?><w:numbering xmlns:w="{W_NS}">{n}</w:numbering>"#)
    });
    if let Some(n) = &numbering_xml {
        parts.push(("word/numbering.xml", n));
    }
    let styles_xml = styles
        .map(|s| format!(r#"<?xml version="1.0"?><w:styles xmlns:w="{W_NS}">{s}</w:styles>"#));
    if let Some(s) = &styles_xml {
        parts.push(("word/styles.xml", s));
    }
    zip_of(&parts)
}

fn p(text: &str) -> String {
    format!("<w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>")
}

fn cell(text: &str) -> String {
    format!("<w:tc>{}</w:tc>", p(text))
}

fn row(cells: &[&str]) -> String {
    format!(
        "<w:tr>{}</w:tr>",
        cells.iter().map(|c| cell(c)).collect::<String>()
    )
}

fn para(s: &str) -> Block {
    Block::Paragraph(s.to_string())
}

fn table(rows: &[&[&str]]) -> Block {
    Block::Table(
        rows.iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect(),
    )
}

#[test]
fn paragraphs_and_a_task_table_come_out_in_document_order() {
    let body = [
        p("某市全民科学素质行动实施方案"),
        p("一、重点任务"),
        format!(
            "<w:tbl><w:tblPr/><w:tblGrid/>{}{}{}</w:tbl>",
            row(&["序号", "重点任务", "牵头单位", "配合单位", "完成时限"]),
            row(&[
                "1",
                "开展科普讲座不少于10场次",
                "市科协",
                "市教育局、市科技局",
                "2025年"
            ]),
            row(&["2", "建设科普教育基地2家", "市科技局", "", "2023年底"]),
        ),
        p("二、保障措施"),
    ]
    .concat();
    let doc = decode(&docx(&body, None), "plan.docx").unwrap();
    assert_eq!(
        doc.blocks,
        vec![
            para("某市全民科学素质行动实施方案"),
            para("一、重点任务"),
            table(&[
                &["序号", "重点任务", "牵头单位", "配合单位", "完成时限"],
                &[
                    "1",
                    "开展科普讲座不少于10场次",
                    "市科协",
                    "市教育局、市科技局",
                    "2025年"
                ],
                &["2", "建设科普教育基地2家", "市科技局", "", "2023年底"],
            ]),
            para("二、保障措施"),
        ]
    );
}

#[test]
fn runs_join_and_tabs_and_line_breaks_are_kept() {
    let body = "<w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"420\"/></w:tabs></w:pPr>\
        <w:r><w:t>（一）</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>实施</w:t></w:r><w:r><w:t>青少年科学素质提升行动</w:t></w:r>\
        <w:r><w:tab/><w:t>牵头单位：市教育局</w:t><w:br/><w:t>配合单位：团市委</w:t></w:r></w:p>";
    let doc = decode(&docx(body, None), "a.docx").unwrap();
    assert_eq!(
        doc.blocks,
        vec![
            para("（一）实施青少年科学素质提升行动\t牵头单位：市教育局"),
            para("配合单位：团市委")
        ]
    );
}

#[test]
fn a_cells_paragraphs_are_joined_by_newlines() {
    let body = format!(
        "<w:tbl>{}<w:tr><w:tc>{}{}</w:tc><w:tc>{}</w:tc></w:tr></w:tbl>",
        row(&["任务", "责任单位"]),
        p("开展科普进社区活动"),
        p("每年不少于2场次"),
        p("各县市区人民政府")
    );
    let doc = decode(&docx(&body, None), "a.docx").unwrap();
    assert_eq!(
        doc.blocks,
        vec![table(&[
            &["任务", "责任单位"],
            &["开展科普进社区活动\n每年不少于2场次", "各县市区人民政府"]
        ])]
    );
}

#[test]
fn a_horizontal_span_is_followed_by_empty_cells_and_a_vertical_merge_repeats() {
    let body = format!(
        "<w:tbl>{}\
         <w:tr><w:tc><w:tcPr><w:gridSpan w:val=\"3\"/></w:tcPr>{}</w:tc></w:tr>\
         <w:tr>{}{}<w:tc><w:tcPr><w:vMerge w:val=\"restart\"/></w:tcPr>{}</w:tc></w:tr>\
         <w:tr>{}{}<w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc></w:tr></w:tbl>",
        row(&["序号", "任务", "牵头单位"]),
        p("一、科普能力提升"),
        cell("1"),
        cell("建设科技馆"),
        p("市科协"),
        cell("2"),
        cell("建设科普基地"),
    );
    let doc = decode(&docx(&body, None), "a.docx").unwrap();
    assert_eq!(
        doc.blocks,
        vec![table(&[
            &["序号", "任务", "牵头单位"],
            &["一、科普能力提升", "", ""],
            &["1", "建设科技馆", "市科协"],
            &["2", "建设科普基地", "市科协"],
        ])]
    );
}

#[test]
fn a_nested_table_becomes_lines_of_its_cell() {
    let inner = format!(
        "<w:tbl>{}{}</w:tbl>",
        row(&["指标", "目标值"]),
        row(&["科普场馆", "3个"])
    );
    let body = format!(
        "<w:tbl>{}<w:tr>{}<w:tc>{}{}</w:tc></w:tr></w:tbl>",
        row(&["任务", "目标"]),
        cell("建设场馆"),
        inner,
        "<w:p/>"
    );
    let doc = decode(&docx(&body, None), "a.docx").unwrap();
    assert_eq!(
        doc.blocks,
        vec![table(&[
            &["任务", "目标"],
            &["建设场馆", "指标\t目标值\n科普场馆\t3个\n"]
        ])]
    );
}

#[test]
fn a_one_cell_table_is_a_frame_around_paragraphs() {
    let body = format!(
        "<w:tbl><w:tr><w:tc>{}{}</w:tc></w:tr></w:tbl>",
        p("一、总体要求"),
        p("二、重点任务")
    );
    let doc = decode(&docx(&body, None), "a.docx").unwrap();
    assert_eq!(doc.blocks, vec![para("一、总体要求"), para("二、重点任务")]);
}

#[test]
fn deleted_text_and_drawing_fallbacks_are_left_out() {
    let body = "<w:p><w:r><w:t>到2025年</w:t></w:r><w:del w:id=\"1\"><w:r><w:delText>超过10%</w:delText></w:r></w:del>\
        <w:ins w:id=\"2\"><w:r><w:t>超过15%</w:t></w:r></w:ins></w:p>\
        <w:p><w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><w:txbxContent>\
        <w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>\
        <mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback>\
        </mc:AlternateContent></w:r></w:p>";
    let doc = decode(&docx(body, None), "a.docx").unwrap();
    assert_eq!(
        doc.blocks,
        vec![para("到2025年超过15%"), para("文本框"), para("")]
    );
}

#[test]
fn escaped_characters_are_unescaped() {
    let doc = decode(
        &docx(&p("科普&amp;创新 &lt;行动&gt; &#x4E00;"), None),
        "a.docx",
    )
    .unwrap();
    assert_eq!(doc.blocks, vec![para("科普&创新 <行动> 一")]);
}

#[test]
fn word_automatic_numbering_is_written_out() {
    let numbering = r#"<w:abstractNum w:abstractNumId="0">
        <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/><w:suff w:val="nothing"/></w:lvl>
        <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/><w:suff w:val="nothing"/></w:lvl>
        <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>
        </w:abstractNum>
        <w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val=""/></w:lvl></w:abstractNum>
        <w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
        <w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>"#;
    let numbered = |lvl: u8, text: &str| {
        format!(
            "<w:p><w:pPr><w:numPr><w:ilvl w:val=\"{lvl}\"/><w:numId w:val=\"1\"/></w:numPr></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"
        )
    };
    let body = [
        numbered(0, "指导思想"),
        numbered(0, "重点任务"),
        numbered(1, "青少年科学素质提升行动"),
        numbered(2, "加强科学教育"),
        numbered(2, "开展科普活动"),
        numbered(1, "农民科学素质提升行动"),
        numbered(2, "培育高素质农民"),
        "<w:p><w:pPr><w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"2\"/></w:numPr></w:pPr><w:r><w:t>要点</w:t></w:r></w:p>".into(),
    ]
    .concat();
    let doc = decode(&docx(&body, Some(numbering)), "a.docx").unwrap();
    assert_eq!(
        doc.blocks,
        vec![
            para("一、指导思想"),
            para("二、重点任务"),
            para("（一）青少年科学素质提升行动"),
            para("1. 加强科学教育"),
            para("2. 开展科普活动"),
            para("（二）农民科学素质提升行动"),
            para("1. 培育高素质农民"),
            para("要点"),
        ]
    );
}

#[test]
fn another_namespace_prefix_reads_the_same() {
    let document = format!(
        r#"<?xml version="1.0"?><ns0:document xmlns:ns0="{W_NS}"><ns0:body><ns0:p><ns0:r><ns0:t>一、总体要求</ns0:t></ns0:r></ns0:p></ns0:body></ns0:document>"#
    );
    let bytes = zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES),
        ("word/document.xml", &document),
    ]);
    let doc = decode(&bytes, "a.docx").unwrap();
    assert_eq!(doc.blocks, vec![para("一、总体要求")]);
}

#[test]
fn the_extension_does_not_matter_only_the_content() {
    let doc = decode(&docx(&p("一、总体要求"), None), "plan.txt").unwrap();
    assert_eq!(doc.blocks, vec![para("一、总体要求")]);
}

#[test]
fn a_zip_that_is_not_a_word_document_is_refused_by_name() {
    let err = decode(&zip_of(&[("notes.txt", "hello")]), "plan.docx").unwrap_err();
    assert!(matches!(err, PlanError::Unsupported(_)));
    assert!(err.to_string().contains("ZIP"), "{err}");
    let xlsx = zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES),
        ("xl/workbook.xml", "<workbook/>"),
    ]);
    let err = decode(&xlsx, "plan.docx").unwrap_err().to_string();
    assert!(err.contains("Excel"), "{err}");
}

#[test]
fn a_damaged_zip_is_refused_without_a_zip_dump() {
    let mut bytes = docx(&p("一、总体要求"), None);
    bytes.truncate(bytes.len() / 2);
    let err = decode(&bytes, "plan.docx").unwrap_err().to_string();
    assert!(err.contains("损坏") || err.contains("Word"), "{err}");
    assert!(err.len() < 300, "{err}");
}

#[test]
fn a_zip_bomb_is_refused() {
    // 210 MB of one repeated paragraph compresses to a few hundred kilobytes.
    let para = p("科普");
    let reps = 210 * 1024 * 1024 / para.len() + 1;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("[Content_Types].xml", SimpleFileOptions::default())
        .unwrap();
    zip.write_all(CONTENT_TYPES.as_bytes()).unwrap();
    zip.start_file(
        "word/document.xml",
        SimpleFileOptions::default().large_file(true),
    )
    .unwrap();
    write!(zip, "<w:document xmlns:w=\"{W_NS}\"><w:body>").unwrap();
    let chunk = para.repeat(4096);
    for _ in 0..reps / 4096 + 1 {
        zip.write_all(chunk.as_bytes()).unwrap();
    }
    zip.write_all(b"</w:body></w:document>").unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    assert!(bytes.len() < 10 * 1024 * 1024);
    let err = decode(&bytes, "bomb.docx").unwrap_err().to_string();
    assert!(err.contains("压缩炸弹"), "{err}");
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[test]
fn a_sample_plan_as_docx_paragraphs_decodes_to_the_same_lines_as_the_text() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/plans");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "txt") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let body: String = text.lines().map(|l| p(&xml_escape(l))).collect();
        let from_docx = decode(&docx(&body, None), "plan.docx").unwrap();
        let from_text = decode(text.as_bytes(), "plan.txt").unwrap();
        assert_eq!(from_docx, from_text, "{}", path.display());
    }
}

#[test]
fn numbering_given_by_paragraph_styles_is_written_out() {
    let numbering = r#"<w:abstractNum w:abstractNumId="7">
        <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/><w:suff w:val="nothing"/></w:lvl>
        <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimalFullWidth"/><w:lvlText w:val="%2．"/><w:suff w:val="nothing"/></w:lvl>
        </w:abstractNum><w:num w:numId="3"><w:abstractNumId w:val="7"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="2"/></w:lvlOverride></w:num>"#;
    let styles = r#"<w:style w:type="paragraph" w:styleId="H1"><w:pPr><w:numPr><w:numId w:val="3"/></w:numPr></w:pPr></w:style>
        <w:style w:type="paragraph" w:styleId="H2"><w:basedOn w:val="H1"/><w:pPr><w:numPr><w:ilvl w:val="1"/></w:numPr></w:pPr></w:style>"#;
    let styled = |style: &str, text: &str| {
        format!(
            "<w:p><w:pPr><w:pStyle w:val=\"{style}\"/></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"
        )
    };
    let body = [
        styled("H1", "重点任务"),
        styled("H2", "科普进校园"),
        styled("H2", "科普进社区"),
        styled("H1", "保障措施"),
    ]
    .concat();
    let doc = decode(
        &docx_with_styles(&body, Some(numbering), Some(styles)),
        "a.docx",
    )
    .unwrap();
    assert_eq!(
        doc.blocks,
        vec![
            para("二、重点任务"),
            para("１．科普进校园"),
            para("２．科普进社区"),
            para("三、保障措施")
        ]
    );
}

#[test]
fn a_word_document_without_text_is_empty() {
    let body = format!(
        "<w:p/><w:p><w:r><w:t> </w:t></w:r></w:p><w:tbl>{}</w:tbl>",
        row(&["", ""])
    );
    assert!(matches!(
        decode(&docx(&body, None), "a.docx"),
        Err(PlanError::Empty)
    ));
}
