//! Text extracted from a PDF (`pdftotext -layout`): TODO
use super::Document;

pub(crate) fn document(text: &str) -> Document {
    Document::from_text(text)
}
