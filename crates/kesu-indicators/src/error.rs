//! The one error type of the crate. Only the assessment takes user-written input (a scheme file,
//! scores typed by reviewers); every message names the item or entity at fault, in Chinese with
//! English in parentheses, because office staff read it.

/// What can be wrong with a scheme or with assessment inputs.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IndicatorError {
    /// The scheme file is not valid JSON or has the wrong shape.
    #[error("考核方案 {file} 第{line}行第{column}列: {reason} (invalid assessment scheme)")]
    SchemeSyntax {
        file: String,
        line: usize,
        column: usize,
        reason: String,
    },

    /// A scheme item is unusable (no points, negative weight, empty rank table …).
    #[error("考核方案 项目“{item}”: {reason} (invalid scheme item)")]
    BadItem { item: String, reason: String },

    /// Two items share an id.
    #[error("考核方案中项目编号“{0}”重复 (duplicate item id)")]
    DuplicateItem(String),

    /// Inputs name an item the scheme does not have.
    #[error("被考核对象“{entity}”的输入中有方案里没有的项目“{item}” (unknown item)")]
    UnknownItem { entity: String, item: String },

    /// A score typed by a reviewer or the assessed body is unusable.
    #[error("被考核对象“{entity}” 项目“{item}”: {reason} (invalid score)")]
    BadScore {
        entity: String,
        item: String,
        reason: String,
    },

    /// Two assessed bodies share an id.
    #[error("被考核对象编号“{0}”重复 (duplicate assessed entity)")]
    DuplicateEntity(String),

    /// Inputs name a body that is not assessed.
    #[error(
        "评分输入中的“{entity}”不是被考核对象（应为 {expected}）(unknown assessed id in the inputs)"
    )]
    UnknownEntity { entity: String, expected: String },
}
