//! `pdf_text`: a PDF's text layer by poppler's `pdftotext -layout`, bounded in time and size,
//! with a clear answer where the program is missing, the file is no PDF or has no text.
//! Needs poppler-utils (`apt-get install poppler-utils`).
use kesu_app::Error;
use kesu_app::pdf_text::{PdfText, pdf_text};
use std::path::PathBuf;
use std::time::Duration;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../kesu-plan/tests/pdf")
}

fn require_pdftotext() {
    let found = std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok();
    assert!(
        found,
        "pdftotext 未安装：apt-get install poppler-utils (these tests need poppler-utils)"
    );
}

#[test]
fn every_printed_sample_gives_the_committed_text_layer() {
    require_pdftotext();
    let mut n = 0;
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "pdf") {
            continue;
        }
        let text = pdf_text(&std::fs::read(&path).unwrap()).unwrap();
        let committed = std::fs::read_to_string(format!("{}.txt", path.display())).unwrap();
        // The same text kesu-plan's tests read and score (tests/pdf_text.rs there).
        assert_eq!(text, committed, "{}", path.display());
        n += 1;
    }
    assert!(n >= 5, "too few PDF fixtures: {n}");
}

#[test]
fn a_file_that_is_not_a_pdf_is_refused_before_any_program_runs() {
    let err = PdfText {
        program: PathBuf::from("/nonexistent/pdftotext"),
        ..PdfText::default()
    }
    .extract(b"<html>not a pdf</html>")
    .unwrap_err();
    assert!(matches!(err, Error::Invalid { .. }), "{err}");
}

#[test]
fn a_missing_program_says_what_to_install() {
    let err = PdfText {
        program: PathBuf::from("/nonexistent/pdftotext"),
        ..PdfText::default()
    }
    .extract(b"%PDF-1.4\n%%EOF\n")
    .unwrap_err();
    assert!(matches!(err, Error::Unavailable(_)), "{err}");
    assert!(err.to_string().contains("poppler-utils"), "{err}");
}

#[test]
fn an_oversized_pdf_is_refused_by_size() {
    let err = PdfText {
        max_pdf_bytes: 16,
        ..PdfText::default()
    }
    .extract(b"%PDF-1.4 and much more than sixteen bytes")
    .unwrap_err();
    assert!(matches!(err, Error::TooLarge(_)), "{err}");
}

#[test]
fn a_damaged_pdf_is_refused_with_a_message() {
    require_pdftotext();
    let err = pdf_text(b"%PDF-1.4\nthis is not really a pdf\n").unwrap_err();
    assert!(matches!(err, Error::Invalid { .. }), "{err}");
}

/// A one-page PDF without any text: a scan looks like this to pdftotext.
fn blank_pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{o}\nendobj\n", i + 1).bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .bytes(),
    );
    out
}

#[test]
fn a_pdf_without_a_text_layer_is_called_a_scan() {
    require_pdftotext();
    let err = pdf_text(&blank_pdf()).unwrap_err();
    assert!(err.to_string().contains("扫描件"), "{err}");
}

#[test]
fn a_program_that_hangs_is_stopped_at_the_time_limit() {
    let dir = std::env::temp_dir().join(format!("kesu-pdf-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("slow-pdftotext");
    std::fs::write(&script, "#!/bin/sh\nexec sleep 30\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = PdfText {
        program: script,
        timeout: Duration::from_millis(300),
        ..PdfText::default()
    }
    .extract(b"%PDF-1.4\n%%EOF\n")
    .unwrap_err();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(err.to_string().contains("超时"), "{err}");
}
