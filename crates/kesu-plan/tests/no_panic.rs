//! Whatever a user feeds the plan reader, it answers with a plan or an error, never a panic.
#![expect(
    clippy::unwrap_used,
    reason = "fixture helpers: a failure to build one fails the test"
)]

use kesu_plan::{parse_bytes, parse_text};
use proptest::prelude::*;
use std::io::Write;

/// Pieces plan documents are made of: numbering of every level and width, unit assignments,
/// numbers with their words and units, punctuation, line breaks, PDF debris.
fn fragment() -> impl Strategy<Value = String> {
    let fixed = prop::sample::select(vec![
        "一、",
        "二、",
        "十一、",
        "（一）",
        "(二)",
        "(十)",
        "1.",
        "1．",
        "１．",
        "12、",
        "(1)",
        "（3）",
        "①",
        "⑩",
        "一是",
        "二是",
        "第一，",
        "牵头单位：",
        "牵头部门:",
        "配合单位：",
        "配合部门:",
        "责任单位：",
        "(责任单位:",
        "排名第一的为牵头单位,下同)",
        "）",
        "(",
        ")",
        "、",
        "，",
        "。",
        "；",
        "：",
        "等",
        "负责",
        "各责任单位",
        "市科协",
        "市教育局",
        "区科技局",
        "团市委",
        "万",
        "亿",
        "%",
        "％",
        "以上",
        "超过",
        "不少于",
        "至少",
        "达到",
        "每年",
        "每个村",
        "到2025年",
        "人次",
        "场次",
        "家",
        "名",
        "个",
        "1-2",
        "5000",
        "1.5",
        "15",
        "两",
        "十",
        "一次",
        "\n",
        "\n\n",
        " ",
        "\t",
        "- 1.",
        "**",
        "年",
        "行动",
        "工程",
        "目标",
        "保障措施",
        "实施方案",
        "\u{3000}",
        "\u{feff}",
        "\r\n",
        "…",
        "——",
    ])
    .prop_map(str::to_string);
    prop_oneof![
        4 => fixed,
        1 => "[0-9]{1,6}",
        1 => "[\u{4e00}-\u{9fa5}]{1,12}",
        1 => any::<char>().prop_map(|c| c.to_string()),
    ]
}

fn plan_like_text() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..120).prop_map(|parts| parts.concat())
}

/// A .docx whose document.xml is `xml` and numbering.xml is `numbering` (well-formed or not).
fn docx_with(xml: &str, numbering: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("word/document.xml", options).unwrap();
    zip.write_all(xml.as_bytes()).unwrap();
    zip.start_file("word/numbering.xml", options).unwrap();
    zip.write_all(numbering.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

/// List definitions with any start, format and number text, for lists 1 and 2.
fn numbering_like() -> impl Strategy<Value = String> {
    let format = prop::sample::select(vec![
        "decimal",
        "chineseCounting",
        "chineseLegalSimplified",
        "ideographTraditional",
        "decimalEnclosedCircle",
        "decimalEnclosedParen",
        "decimalFullWidth",
        "lowerLetter",
        "upperRoman",
        "bullet",
        "none",
        "custom",
        "",
    ]);
    let level = (0u8..12, any::<i64>(), format, "[%0-9.、（）()]{0,8}").prop_map(
        |(ilvl, start, fmt, text)| {
            format!(
                "<w:lvl w:ilvl=\"{ilvl}\"><w:start w:val=\"{start}\"/><w:numFmt w:val=\"{fmt}\"/>\
                 <w:lvlText w:val=\"{text}\"/><w:isLgl w:val=\"{}\"/></w:lvl>",
                start % 2
            )
        },
    );
    (prop::collection::vec(level, 0..6), any::<i64>()).prop_map(|(levels, over)| {
        format!(
            "<w:numbering xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
             <w:abstractNum w:abstractNumId=\"0\">{}</w:abstractNum>\
             <w:num w:numId=\"1\"><w:abstractNumId w:val=\"0\"/></w:num>\
             <w:num w:numId=\"2\"><w:abstractNumId w:val=\"0\"/><w:lvlOverride w:ilvl=\"0\">\
             <w:startOverride w:val=\"{over}\"/></w:lvlOverride></w:num></w:numbering>",
            levels.concat()
        )
    })
}

/// WordprocessingML pieces in any order: unbalanced, nested oddly, with plan text between.
fn xml_like() -> impl Strategy<Value = String> {
    let tag = prop::sample::select(vec![
        "<w:p>",
        "</w:p>",
        "<w:r>",
        "</w:r>",
        "<w:t>",
        "</w:t>",
        "<w:tbl>",
        "</w:tbl>",
        "<w:tr>",
        "</w:tr>",
        "<w:tc>",
        "</w:tc>",
        "<w:tab/>",
        "<w:br/>",
        "<w:p/>",
        "<w:tcPr><w:gridSpan w:val=\"3\"/></w:tcPr>",
        "<w:tcPr><w:vMerge/></w:tcPr>",
        "<w:vMerge w:val=\"restart\"/>",
        "<w:gridSpan w:val=\"-4\"/>",
        "<w:gridBefore w:val=\"999\"/>",
        "<w:numPr><w:ilvl w:val=\"12\"/><w:numId w:val=\"1\"/></w:numPr>",
        "<w:p><w:pPr><w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"1\"/></w:numPr></w:pPr>",
        "<w:p><w:pPr><w:numPr><w:ilvl w:val=\"3\"/><w:numId w:val=\"2\"/></w:numPr></w:pPr>",
        "<w:pPr>",
        "</w:pPr>",
        "&amp;",
        "&#0;",
        "&#x4E00;",
        "&bogus;",
        "<![CDATA[x]]>",
        "<mc:Fallback>",
        "</mc:Fallback>",
    ])
    .prop_map(str::to_string);
    prop::collection::vec(prop_oneof![3 => tag, 1 => fragment()], 0..80).prop_map(|parts| {
        format!(
            "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" \
             xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\"><w:body>{}",
            parts.concat()
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_string_parses_or_errs(text in any::<String>()) {
        let _ = parse_text(&text);
    }

    #[test]
    fn plan_like_text_parses_or_errs(text in plan_like_text()) {
        let _ = parse_text(&text);
        let _ = parse_bytes(text.as_bytes(), "plan.txt");
    }

    #[test]
    fn any_bytes_parse_or_err(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let _ = parse_bytes(&bytes, "plan.txt");
    }

    #[test]
    fn bytes_behind_a_zip_magic_parse_or_err(tail in prop::collection::vec(any::<u8>(), 0..1024)) {
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.extend(tail);
        let _ = parse_bytes(&bytes, "plan.docx");
    }

    #[test]
    fn gbk_encoded_plan_like_text_parses_or_errs(text in plan_like_text()) {
        let (gbk, _, _) = encoding_rs::GB18030.encode(&text);
        let _ = parse_bytes(&gbk, "plan.txt");
    }
}

/// Web-page pieces in any order: unbalanced tables, spans, entities, comments, scripts.
fn html_like() -> impl Strategy<Value = String> {
    let tag = prop::sample::select(vec![
        "<p>",
        "</p>",
        "<div>",
        "</div>",
        "<br>",
        "<table>",
        "</table>",
        "<tr>",
        "</tr>",
        "<td>",
        "</td>",
        "<th colspan=\"3\">",
        "<td rowspan=\"99\">",
        "<td colspan=0>",
        "<td rowspan='x'>",
        "<pre>",
        "</pre>",
        "<!--",
        "-->",
        "<script>",
        "</script>",
        "&nbsp;",
        "&#0;",
        "&#x110000;",
        "&amp",
        "&unknown;",
        "<",
        ">",
        "<a href=\"x>y\">",
        "</a>",
        "\n",
    ])
    .prop_map(str::to_string);
    prop::collection::vec(prop_oneof![3 => tag, 1 => fragment()], 0..80)
        .prop_map(|parts| format!("<html><body>{}", parts.concat()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn any_web_page_parses_or_errs(html in html_like()) {
        let _ = parse_bytes(html.as_bytes(), "plan.html");
    }

    #[test]
    fn any_document_xml_parses_or_errs(xml in xml_like(), numbering in numbering_like()) {
        let _ = parse_bytes(&docx_with(&xml, &numbering), "plan.docx");
    }
}

/// Text as `pdftotext -layout` prints it: lines of plan-like text at varied indents, form
/// feeds between pages, header-like rows of cells.
fn pdf_like() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        fragment(),
        "[ ]{0,12}".prop_flat_map(|pad| fragment().prop_map(move |f| format!("{pad}{f}"))),
        Just("序号 重点任务   具体措施   牵头单位 配合单位".to_string()),
        Just("1   青少年   开展活动   县科协   县教育局".to_string()),
        Just("\u{0c}".to_string()),
        Just("                 —2—".to_string()),
        Just(String::new()),
    ];
    prop::collection::vec(line, 0..60).prop_map(|lines| lines.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_pdf_text_parses_or_errs(text in pdf_like()) {
        let _ = kesu_plan::read_pdf_text(&text);
    }

    #[test]
    fn any_string_as_pdf_text_parses_or_errs(text in any::<String>()) {
        let _ = kesu_plan::read_pdf_text(&text);
    }
}
