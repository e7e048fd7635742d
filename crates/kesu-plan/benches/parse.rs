//! Plan reader speed: the five sample plans together, and growth with document length.
//!
//! `cargo bench -p kesu-plan --bench parse` (or `scripts/bench-plan.sh`, which also measures the
//! CLI on a 50 MB file). Figures are recorded in docs/PERFORMANCE.md.

use divan::{Bencher, black_box};
use std::path::PathBuf;

fn main() {
    divan::main();
}

/// The sample plans' bytes, in file-name order.
fn seeds() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../samples/plans");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "txt"));
    files.sort();
    files
        .into_iter()
        .filter_map(|p| Some((p.display().to_string(), std::fs::read(&p).ok()?)))
        .collect()
}

/// All five sample plans, bytes to plan (decoding included), one after another.
#[divan::bench]
fn all_seeds(bencher: Bencher) {
    let seeds = seeds();
    assert!(!seeds.is_empty(), "no sample plans found");
    bencher.bench(|| {
        for (name, bytes) in &seeds {
            let _ = black_box(kesu_plan::parse_bytes(black_box(bytes), name));
        }
    });
}

/// The five samples concatenated `n` times into one document: 20 is ten times 2, so the
/// ratio of the two times shows how parse time grows with length (linear: about 10).
#[divan::bench(args = [2, 20])]
fn seeds_concatenated(bencher: Bencher, n: usize) {
    let one: String = seeds()
        .iter()
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .collect::<Vec<_>>()
        .join("\n");
    let text = vec![one; n].join("\n");
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| black_box(kesu_plan::parse_text(black_box(&text))));
}

/// Decoding alone: the samples re-encoded as GB18030, detected and decoded back.
#[divan::bench]
fn decode_gbk_seeds(bencher: Bencher) {
    let gbk: Vec<Vec<u8>> = seeds()
        .iter()
        .map(|(_, b)| {
            encoding_rs::GB18030
                .encode(&String::from_utf8_lossy(b))
                .0
                .into_owned()
        })
        .collect();
    bencher.bench(|| {
        for bytes in &gbk {
            let _ = black_box(kesu_plan::input::decode(black_box(bytes), "plan.txt"));
        }
    });
}

/// Decoding alone: the samples as they are (UTF-8).
#[divan::bench]
fn decode_seeds(bencher: Bencher) {
    let seeds = seeds();
    bencher.bench(|| {
        for (name, bytes) in &seeds {
            let _ = black_box(kesu_plan::input::decode(black_box(bytes), name));
        }
    });
}

/// Decoding alone: the samples as .docx files (a paragraph per line), unzipped and read.
#[divan::bench]
fn decode_docx_seeds(bencher: Bencher) {
    let docs: Vec<Vec<u8>> = seeds()
        .iter()
        .map(|(_, b)| docx_of(&String::from_utf8_lossy(b)))
        .collect();
    bencher.bench(|| {
        for bytes in &docs {
            let _ = black_box(kesu_plan::input::decode(black_box(bytes), "plan.docx"));
        }
    });
}

/// A minimal .docx with one paragraph per line of `text`.
fn docx_of(text: &str) -> Vec<u8> {
    use std::io::Write;
    let body: String = text
        .lines()
        .map(|l| {
            let l = l
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            format!("<w:p><w:r><w:t xml:space=\"preserve\">{l}</w:t></w:r></w:p>")
        })
        .collect();
    let xml = format!(
        "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let written = zip
        .start_file(
            "word/document.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .and_then(|()| zip.write_all(xml.as_bytes()).map_err(Into::into))
        .and_then(|()| zip.finish());
    written.map(|c| c.into_inner()).unwrap_or_default()
}

/// A synthetic plan of 100 printed pages (LibreOffice's default A4 page; 460 KB, 155 000
/// characters): sixteen parts of ten actions of ten numbered measures, each a paragraph of
/// about 100 characters with its units and targets.
fn hundred_pages() -> String {
    let mut out = String::from(
        "某某市全民科学素质行动规划纲要实施方案（2021—2025年）\n一、总体要求\n（一）指导思想\n以习近平新时代中国特色社会主义思想为指导。\n（二）主要目标\n到2025年，全市公民具备科学素质的比例超过15%。\n",
    );
    let cn = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
    for p in 2..=17 {
        let part = if p <= 10 {
            cn[p - 1].to_string()
        } else {
            format!("十{}", cn[p - 11])
        };
        out.push_str(&format!("{part}、重点任务第{p}部分\n"));
        for (a, action) in cn.iter().enumerate() {
            out.push_str(&format!("（{action}）实施第{}项提升行动\n", a + 1));
            for m in 1..=10 {
                out.push_str(&format!(
                    "{m}.推进科学教育改革与科普服务。深化科学教育改革，推动科普资源进校园、进社区、进农村，每年开展科普活动{m}0场次以上，培训科技辅导员{m}00人次。（牵头单位：市科协；配合单位：市教育局、市科技局、团市委）\n"
                ));
            }
        }
    }
    out.push_str("十八、保障措施\n（一）加强组织领导。市全民科学素质工作领导小组统筹协调。\n");
    out
}

/// The synthetic plan as pdftotext prints it: lines of 38 characters, paragraphs indented,
/// a running header and a page number every 36 lines.
fn as_pdf_text(text: &str) -> String {
    let mut lines = Vec::new();
    for para in text.lines() {
        let chars: Vec<char> = para.chars().collect();
        for (k, chunk) in chars.chunks(38).enumerate() {
            let indent = if k == 0 { "    " } else { "  " };
            lines.push(format!("{indent}{}", chunk.iter().collect::<String>()));
        }
    }
    let mut out = String::new();
    for (page, chunk) in lines.chunks(36).enumerate() {
        out.push_str("          某某市全民科学素质行动规划纲要实施方案\n\n");
        out.push_str(&chunk.join("\n"));
        out.push_str(&format!("\n\n                    — {} —\n\u{0c}", page + 1));
    }
    out
}

/// About 100 pages of plain text, bytes to plan with source spans and doubts.
#[divan::bench]
fn hundred_pages_text(bencher: Bencher) {
    let text = hundred_pages();
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| black_box(kesu_plan::read(black_box(text.as_bytes()), "plan.txt")));
}

/// The same as a .docx (a paragraph a line).
#[divan::bench]
fn hundred_pages_docx(bencher: Bencher) {
    let docx = docx_of(&hundred_pages());
    bencher
        .counter(divan::counter::BytesCount::new(docx.len()))
        .bench(|| black_box(kesu_plan::read(black_box(&docx), "plan.docx")));
}

/// The same as the text layer of its PDF (pages, headers, page numbers, broken lines).
#[divan::bench]
fn hundred_pages_pdf_text(bencher: Bencher) {
    let text = as_pdf_text(&hundred_pages());
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| black_box(kesu_plan::read_pdf_text(black_box(&text))));
}

/// Its 任务分解表 (.xlsx, 1 600 rows) read back.
#[divan::bench]
fn hundred_pages_xlsx(bencher: Bencher) {
    let plan = kesu_plan::parse_text(&hundred_pages()).unwrap_or_default();
    assert_eq!(
        plan.tasks.len(),
        1600,
        "the synthetic plan's measures are its tasks"
    );
    let xlsx = kesu_plan::xlsx::task_table(&plan).unwrap_or_default();
    bencher
        .counter(divan::counter::BytesCount::new(xlsx.len()))
        .bench(|| black_box(kesu_plan::read(black_box(&xlsx), "plan.xlsx")));
}
