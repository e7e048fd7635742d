//! Bytes to a [`Document`]: encoding detection (UTF-8, GB18030/GBK) and .docx reading.

use crate::PlanError;

/// A decoded document: paragraphs and tables in document order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    pub blocks: Vec<Block>,
}

/// One block of a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph (a line of a text file), as found: no clean-up yet.
    Paragraph(String),
    /// A table: rows of cell texts (a cell's paragraphs joined by '\n').
    Table(Vec<Vec<String>>),
}

impl Document {
    /// One paragraph per line of `text`.
    pub fn from_text(text: &str) -> Self {
        Self { blocks: text.lines().map(|l| Block::Paragraph(l.to_string())).collect() }
    }
}

/// Decode a file's bytes. TODO(issue 2): GB18030 detection, .docx.
pub fn decode(bytes: &[u8], _file_name: &str) -> Result<Document, PlanError> {
    if bytes.is_empty() {
        return Err(PlanError::Empty);
    }
    let text = std::str::from_utf8(bytes).map_err(|e| PlanError::Unsupported(e.to_string()))?;
    Ok(Document::from_text(text))
}
