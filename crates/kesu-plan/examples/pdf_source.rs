//! Print the source text the reader makes of a PDF's text layer:
//! `cargo run -p kesu-plan --example pdf_source FILE.pdf.txt`.
fn main() {
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        match kesu_plan::read_pdf_text(&text) {
            Ok(out) => print!("{}", out.source),
            Err(e) => eprintln!("{path}: {e}"),
        }
    }
}
