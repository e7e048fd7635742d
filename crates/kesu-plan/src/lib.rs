//! Reading plan documents (实施方案, 工作要点, 任务分解表) into [`kesu_core::Plan`].
//!
//! The path of a document: [`input`] decodes bytes (UTF-8, GB18030/GBK, .docx) into a
//! [`Document`] of paragraphs and tables; [`structure`] finds the numbering, the sections, the
//! tasks and their units; [`targets`] reads the quantitative targets out of a task's text;
//! [`units`] maps variant unit names to one canonical name; [`xlsx`] writes the 任务分解表.
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
use std::path::Path;

/// Why a document could not be read as a plan. Messages are for people (zh-CN with English);
/// the caller adds the file name.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("文件为空 (the file is empty)")]
    Empty,
    #[error("不是可识别的文本或 Word (.docx) 文件：{0} (unsupported file)")]
    Unsupported(String),
    #[error("Word 文档无法读取：{0} (broken .docx)")]
    BadDocx(String),
    #[error("未找到方案内容：文中没有带编号或标题的任务条目 (no plan found in the text)")]
    NoPlan,
    #[error("无法读取文件：{0}")]
    Io(#[from] std::io::Error),
    #[error("无法生成 Excel 文件：{0}")]
    Xlsx(String),
}

/// Parse a document's bytes; `file_name` is used only to recognise the format by its extension
/// (the content decides in the end).
pub fn parse_bytes(bytes: &[u8], file_name: &str) -> Result<Plan, PlanError> {
    let doc = input::decode(bytes, file_name)?;
    structure::parse(&doc)
}

/// Parse a file on disk.
pub fn parse_file(path: &Path) -> Result<Plan, PlanError> {
    let bytes = std::fs::read(path)?;
    parse_bytes(&bytes, &path.to_string_lossy())
}

/// Parse text that is already decoded (one paragraph per line).
pub fn parse_text(text: &str) -> Result<Plan, PlanError> {
    structure::parse(&Document::from_text(text))
}
