//! Reading plan documents (实施方案, 工作要点, 任务分解表) into [`kesu_core::Plan`].
//!
//! The path of a document: [`input`] decodes bytes (UTF-8, GB18030/GBK, web pages, .docx,
//! .xlsx task tables; the text layer of a PDF, extracted by the caller) into a [`Document`] of
//! paragraphs and tables; [`structure`] finds the numbering, the sections, the tasks and their
//! units, and what it doubts; [`targets`] reads the quantitative targets out of a task's text;
//! [`units`] maps variant unit names to one canonical name and tells collective names;
//! [`xlsx`] writes the 任务分解表 (and reads its target lines back).
//!
//! The crate takes bytes and text, never files or programs: [`read`] for a file's bytes,
//! [`read_pdf_text`] for what `pdftotext -layout` made of a PDF (kesu-app's `pdf_text` runs
//! it). Each gives a [`ParseOutput`]: the plan (the plan JSON of `shared/plan-format.md`), the
//! source text, each task's span in it, and the doubts.
//!
//! Every rule is about the shape of such documents, never about one document: no region, unit
//! or sentence of a particular plan is named in the code.

pub mod input;
pub mod structure;
pub mod targets;
pub mod units;
pub mod xlsx;

pub use input::{Block, Document};
use kesu_core::Plan;
use serde::Serialize;

/// Why a document could not be read as a plan. Messages are for people (zh-CN with English);
/// the caller adds the file name.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("文件为空 (the file is empty)")]
    Empty,
    #[error("不是可识别的文本、网页、Word (.docx) 或 Excel (.xlsx) 文件：{0} (unsupported file)")]
    Unsupported(String),
    #[error("Word 文档无法读取：{0} (broken .docx)")]
    BadDocx(String),
    #[error("Excel 工作簿无法读取：{0} (broken .xlsx)")]
    BadWorkbook(String),
    #[error("未找到方案内容：文中没有带编号或标题的任务条目 (no plan found in the text)")]
    NoPlan,
    #[error("无法生成 Excel 文件：{0}")]
    Xlsx(String),
}

/// What the reader makes of a document: the plan, the text it was read from, where each task
/// stands in that text, and what the reader doubts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParseOutput {
    pub plan: Plan,
    /// The document's text as decoded, one paragraph a line (a table row a line, its cells
    /// separated by tabs): what a reviewer sees beside the draft.
    pub source: String,
    /// Where each task of `plan.tasks` (same order) came from in `source`, if found.
    pub spans: Vec<Option<Span>>,
    /// 存疑之处: what the reader is unsure of, each with its place.
    pub warnings: Vec<Warning>,
}

/// A stretch of [`ParseOutput::source`]: byte offsets, on character boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// A doubt of the reader: a message in Chinese naming the place, and the place as a path into
/// the plan JSON (`tasks[3]`, `goals`) or the source (`source`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub message: String,
    pub path: String,
}

/// Read a document's bytes; `file_name` is used only to word messages (the content decides
/// the format).
pub fn read(bytes: &[u8], file_name: &str) -> Result<ParseOutput, PlanError> {
    let doc = input::decode(bytes, file_name)?;
    structure::read(&doc)
}

/// Read the text layer of a PDF (as `pdftotext -layout` gives it): page headers and footers,
/// page numbers and lines broken by the page width are cleaned away first.
pub fn read_pdf_text(text: &str) -> Result<ParseOutput, PlanError> {
    input::check_text_size(text.len())?;
    if text
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{0c}')
        .is_empty()
    {
        return Err(PlanError::Empty);
    }
    let doc = input::pdf::document(text);
    structure::read(&doc)
}

/// Parse a document's bytes into the plan alone.
pub fn parse_bytes(bytes: &[u8], file_name: &str) -> Result<Plan, PlanError> {
    read(bytes, file_name).map(|o| o.plan)
}

/// Parse text that is already decoded (one paragraph per line).
pub fn parse_text(text: &str) -> Result<Plan, PlanError> {
    structure::read(&Document::from_text(text)).map(|o| o.plan)
}
