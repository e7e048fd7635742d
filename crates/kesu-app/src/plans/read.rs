//! Reading an uploaded plan document: the format is decided by the content (a PDF through its
//! text layer by `pdftotext`, at this edge; .docx, .xlsx, web pages and text of any encoding by
//! `kesu_plan`). CPU work of up to a few tenths of a second: the web runs it off the async
//! workers (`kesu_web::parse::run`), the CLI calls it directly.

use crate::{Error, Result};
use kesu_plan::{ParseOutput, PlanError};

/// Read `bytes` (the file `name`) into a plan with its source text, spans and doubts. A
/// document in which no task is found is refused: there is nothing to check.
pub fn read_document(bytes: &[u8], name: &str) -> Result<ParseOutput> {
    let out = if bytes.starts_with(b"%PDF-") {
        let text = crate::pdf_text::pdf_text(bytes).map_err(|e| named(name, e))?;
        kesu_plan::read_pdf_text(&text)
    } else {
        kesu_plan::read(bytes, name)
    }
    .map_err(|e| plan_error(name, e))?;
    if out.plan.tasks.is_empty() {
        return Err(plan_error(name, PlanError::NoPlan));
    }
    Ok(out)
}

/// A reader's refusal, naming the file (422 on the `file` field).
pub(crate) fn plan_error(name: &str, e: PlanError) -> Error {
    Error::invalid_field("file", format!("{name}：{e}"))
}

/// An error of the PDF step with the file's name in its message.
fn named(name: &str, e: Error) -> Error {
    match e {
        Error::Invalid { message, .. } => {
            Error::invalid_field("file", format!("{name}：{message}"))
        }
        Error::TooLarge(m) => Error::TooLarge(format!("{name}：{m}")),
        other => other,
    }
}

/// An uploaded file, read: its name, SHA-256 and what the reader made of it.
#[derive(Debug, Clone)]
pub struct Upload {
    pub name: String,
    pub sha256: String,
    /// Whether it is an Excel workbook (a 任务分解表).
    pub is_workbook: bool,
    pub output: ParseOutput,
}

/// [`read_document`] with what a draft keeps of the file.
pub fn read_upload(bytes: &[u8], name: &str) -> Result<Upload> {
    let output = read_document(bytes, name)?;
    Ok(Upload {
        name: name.to_string(),
        sha256: super::sha256_hex(bytes),
        // A workbook's part names stand uncompressed in the archive's directory.
        is_workbook: bytes.starts_with(b"PK") && bytes.windows(15).any(|w| w == b"xl/workbook.xml"),
        output,
    })
}
