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
