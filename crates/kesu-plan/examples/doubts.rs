//! Print the reader's doubts about documents: `cargo run -p kesu-plan --example doubts FILE…`.
fn main() {
    for path in std::env::args().skip(1) {
        let Ok(bytes) = std::fs::read(&path) else {
            eprintln!("{path}: cannot read");
            continue;
        };
        let out = if path.ends_with(".pdf.txt") {
            kesu_plan::read_pdf_text(&String::from_utf8_lossy(&bytes))
        } else {
            kesu_plan::read(&bytes, &path)
        };
        match out {
            Ok(out) => {
                println!("== {path}: {} tasks", out.plan.tasks.len());
                for w in out.warnings {
                    println!("  [{}] {}", w.path, w.message);
                }
            }
            Err(e) => println!("== {path}: {e}"),
        }
    }
}
