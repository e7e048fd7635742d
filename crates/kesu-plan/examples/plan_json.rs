//! Print the plan JSON the reader makes of a file (`.pdf.txt`: a PDF's text layer):
//! `cargo run -p kesu-plan --example plan_json FILE`.
fn main() {
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).unwrap_or_default();
        let out = if path.ends_with(".pdf.txt") {
            kesu_plan::read_pdf_text(&String::from_utf8_lossy(&bytes))
        } else {
            kesu_plan::read(&bytes, &path)
        };
        match out.map(|o| serde_json::to_string_pretty(&o.plan)) {
            Ok(Ok(json)) => println!("{json}"),
            Ok(Err(e)) => eprintln!("{path}: {e}"),
            Err(e) => eprintln!("{path}: {e}"),
        }
    }
}
