//! The one error type of the crate. Every message names what is wrong and where (column, file line,
//! stratum, cell), in Chinese with English in parentheses, because it is shown to the office staff
//! who prepared the file.

/// Everything that can go wrong between a respondents file and an estimate.
#[derive(Debug, thiserror::Error)]
pub enum SurveyError {
    /// The file could not be read at all.
    #[error("无法读取 (cannot read): {0}")]
    Io(#[from] std::io::Error),

    /// The CSV is malformed (unbalanced quotes, a row with the wrong number of fields…).
    #[error("第{line}行: CSV 格式错误 (malformed CSV): {reason}")]
    Csv { line: u64, reason: String },

    /// The workbook could not be opened or read.
    #[error("Excel 文件无法读取 (cannot read workbook): {0}")]
    Workbook(String),

    /// The file is beyond a cap (size, rows, line length, workbook structure) or is not a
    /// workbook Kesu reads: the message names what and where.
    #[error("{0}")]
    File(#[from] kesu_workbook::WorkbookError),

    /// No header row.
    #[error("文件为空，没有表头 (empty file, no header row)")]
    NoHeader,

    /// A header but no respondents.
    #[error("没有数据行 (no data rows)")]
    NoRows,

    /// A column the estimation needs is not in the header.
    #[error("缺少列 {column} (missing column){hint}")]
    MissingColumn { column: String, hint: String },

    /// A requested column appears twice in the header.
    #[error("列 {column} 在表头中出现了两次 (duplicate column)")]
    DuplicateColumn { column: String },

    /// One cell is unusable: not a number, negative weight, empty, not 0/1…
    /// `line` is the line (CSV) or row (workbook) of the file, the header being line 1.
    #[error("第{line}行 列{column}: {reason}")]
    BadCell {
        line: u64,
        column: String,
        reason: String,
    },

    /// A margins table row is unusable.
    #[error("边际表 (margins) 第{line}行: {reason}")]
    BadMargin { line: u64, reason: String },

    /// The weighting asks for a margin the margins table does not have.
    #[error("边际表中没有 {margin} (margin not in the margins table){hint}")]
    MissingMargin { margin: String, hint: String },

    /// A cell of the sample has no population count.
    #[error(
        "样本中的单元 {margin} = {cell} 不在边际表中 (cell in the sample but not in the margins; first at line {line})"
    )]
    CellNotInMargins {
        margin: String,
        cell: String,
        line: u64,
    },

    /// A population cell has no respondents: its weight cannot be adjusted.
    #[error(
        "边际表中的单元 {margin} = {cell}（N = {population}）在样本中没有受访者 (cell in the margins has no respondents; merge it with a neighbour)"
    )]
    CellNotInSample {
        margin: String,
        cell: String,
        population: f64,
    },

    /// A cell is in the sample, but its population count is zero or its weights sum to zero.
    #[error("单元 {margin} = {cell}: {reason}")]
    BadCellTotal {
        margin: String,
        cell: String,
        reason: String,
    },

    /// Raking/calibration margins must describe the same population.
    #[error(
        "边际 {margin} 合计 {total} 与边际 {first} 合计 {first_total} 不一致 (margins do not sum to the same N)"
    )]
    MarginTotals {
        margin: String,
        total: f64,
        first: String,
        first_total: f64,
    },

    /// Raking could not meet the margins.
    #[error(
        "加权调整（raking）不收敛 (raking did not converge): {passes} 轮后边际最大相对误差 {error:.3e}；边际与样本中的空单元组合可能矛盾，请合并类别 (the margins may contradict empty cell combinations of the sample)"
    )]
    NoConvergence { passes: u32, error: f64 },

    /// Strata with a single PSU under the `fail` policy.
    #[error(
        "以下层只有一个初级抽样单元 (strata with a single PSU): {}; 方差无法估计，请合并层或指定 --lonely-psu remove|certainty|adjust|average",
        strata.join(", ")
    )]
    LonelyPsu { strata: Vec<String> },

    /// The finite population correction is inconsistent.
    #[error("层 {stratum}: fpc 有误 (bad finite population correction): {reason}")]
    BadFpc { stratum: String, reason: String },

    /// A domain has no respondents (or only zero weights).
    #[error("域 {by} = {level} 为空（没有权数大于0的受访者）(empty domain)")]
    EmptyDomain { by: String, level: String },

    /// The variance cannot be computed (e.g. every stratum has a single PSU under `average`).
    #[error("无法估计方差 (variance cannot be estimated): {0}")]
    NoVariance(String),

    /// A specification error in the call (mismatched lengths, bad threshold…).
    #[error("参数有误 (invalid specification): {0}")]
    Invalid(String),

    /// The job as set up cannot run: options that contradict each other, a file with personal
    /// data columns, a sample level the population tables lack. The message is complete (it
    /// names the option, file or level); it is not an error of a cell, so not a data error.
    #[error("{0}")]
    Setup(String),

    /// An error about one input of a job, named (the respondents file, the margins, the answer
    /// key, or two of them joined by ` / ` when it is about how they fit together).
    #[error("{input}: {error}")]
    In {
        input: String,
        error: Box<SurveyError>,
    },
}

impl SurveyError {
    /// An error about the cell of data row `row` (0-based, header not counted) of `column`.
    /// The file line is taken as `row + 2`; [`crate::Table::locate`] corrects it for files where
    /// rows and lines do not line up (multi-line CSV fields, blank workbook rows).
    pub fn at_row(row: usize, column: &str, reason: impl Into<String>) -> Self {
        SurveyError::BadCell {
            line: row as u64 + 2,
            column: column.to_string(),
            reason: reason.into(),
        }
    }

    /// True when the error is about the input data (the user's file is wrong), false when the
    /// file could not be read at all. The CLI maps the first to exit status 65.
    pub fn is_data_error(&self) -> bool {
        match self {
            SurveyError::Io(_) | SurveyError::Setup(_) => false,
            SurveyError::In { error, .. } => error.is_data_error(),
            _ => true,
        }
    }

    /// This error, about the input `name`.
    pub fn in_input(self, name: impl Into<String>) -> Self {
        SurveyError::In {
            input: name.into(),
            error: Box::new(self),
        }
    }
}

pub type Result<T, E = SurveyError> = std::result::Result<T, E>;
