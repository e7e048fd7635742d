//! The one error type of the crate. Messages are shown to the person who gave Kesu the file: in
//! Chinese with the English gist, naming the part, sheet, cell or line that is wrong.

/// Why a file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkbookError {
    /// The file is larger than [`crate::Limits::max_file_bytes`].
    #[error("文件大小 {size} 字节，超过 {limit} 字节上限 (file too large)")]
    FileTooLarge { size: u64, limit: u64 },

    /// Not a zip archive, or a zip archive that is not the expected kind of document.
    #[error("不是有效的 {expected} 文件：{reason} (not a valid {expected} file)")]
    NotRecognised {
        expected: &'static str,
        reason: String,
    },

    /// A format Kesu does not read (legacy .xls, .xlsb, .ods, …).
    #[error(
        "不支持 {format} 格式，请在 Excel 或 WPS 中另存为 .xlsx 或 CSV 后再上传 (unsupported format: {format})"
    )]
    Unsupported { format: String },

    /// More entries in the archive than [`crate::Limits::max_entries`].
    #[error("压缩包内有 {count} 个文件，超过 {limit} 个上限 (too many entries in the archive)")]
    TooManyEntries { count: u64, limit: u64 },

    /// One entry decompresses (or says it does) beyond [`crate::Limits::max_entry_bytes`].
    #[error(
        "压缩包中的“{entry}”解压后 {size} 字节，超过 {limit} 字节上限，疑似压缩炸弹 (entry too large when decompressed)"
    )]
    EntryTooLarge {
        entry: String,
        size: u64,
        limit: u64,
    },

    /// All entries together beyond [`crate::Limits::max_total_bytes`].
    #[error(
        "压缩包解压后共 {total} 字节，超过 {limit} 字节上限，疑似压缩炸弹 (archive too large when decompressed)"
    )]
    ArchiveTooLarge { total: u64, limit: u64 },

    /// An entry compressed far more than real documents are.
    #[error(
        "压缩包中的“{entry}”压缩比 {ratio}:1，超过 {limit}:1，疑似压缩炸弹 (compression ratio too high)"
    )]
    RatioTooHigh {
        entry: String,
        ratio: u64,
        limit: u64,
    },

    /// Archives nested deeper than [`crate::Limits::max_nesting`].
    #[error("压缩包“{entry}”嵌套超过 {limit} 层 (archives nested too deeply)")]
    NestedTooDeep { entry: String, limit: u32 },

    /// An entry cannot be decompressed, or holds more than it declares.
    #[error("压缩包中的“{entry}”已损坏：{reason} (corrupt archive)")]
    Corrupt { entry: String, reason: String },

    /// XML nested beyond [`crate::Limits::max_xml_depth`].
    #[error("“{part}”的 XML 嵌套超过 {limit} 层 (XML nested too deeply)")]
    XmlTooDeep { part: String, limit: u32 },

    /// Malformed XML, a DTD, or a value beyond a cap inside a part.
    #[error("“{part}”不是有效的 XML：{reason} (malformed XML)")]
    BadXml { part: String, reason: String },

    /// More of something than a workbook of this kind can hold: shared strings, styles, sheets.
    #[error("“{part}”中的 {what} 有 {count} 个，超过 {limit} 个上限 (too many {what})")]
    TooMany {
        part: String,
        what: &'static str,
        count: u64,
        limit: u64,
    },

    /// No sheet of that name.
    #[error("缺少工作表“{sheet}” (sheet not found)")]
    NoSuchSheet { sheet: String },

    /// A cell reference that is not a cell (`AAAA1`, `A0`, `A99999999`).
    #[error("工作表“{sheet}”中的单元格引用“{reference}”无效 (bad cell reference)")]
    BadReference { sheet: String, reference: String },

    /// A cell beyond the sheet's row or column cap.
    #[error(
        "工作表“{sheet}”的单元格 {cell} 超出范围：最多 {max_rows} 行、{max_columns} 列（到 {last}） (cell outside the accepted range)"
    )]
    CellOutOfRange {
        sheet: String,
        cell: String,
        max_rows: u32,
        max_columns: u32,
        last: String,
    },

    /// More non-empty cells than [`crate::Limits::max_cells`].
    #[error("工作表“{sheet}”的单元格超过 {limit} 个 (too many cells)")]
    TooManyCells { sheet: String, limit: u64 },

    /// One cell's text beyond [`crate::Limits::max_cell_bytes`].
    #[error("工作表“{sheet}”单元格 {cell} 的内容超过 {limit} 字节 (cell text too long)")]
    CellTooLong {
        sheet: String,
        cell: String,
        limit: usize,
    },

    /// A sheet that cannot be read.
    #[error("工作表“{sheet}”无法读取：{reason} (cannot read sheet)")]
    Sheet { sheet: String, reason: String },

    /// A line of a text file beyond [`crate::Limits::max_line_bytes`].
    #[error("第 {line} 行超过 {limit} 字节 (line too long)")]
    LineTooLong { line: u64, limit: usize },

    /// More rows than [`crate::Limits::max_rows`] in a text file.
    #[error("数据超过 {limit} 行 (too many rows)")]
    TooManyRows { limit: u64 },

    /// A compressed stream (gzip, …) that decompresses beyond its cap.
    #[error("{what} 解压后超过 {limit} 字节，疑似压缩炸弹 (decompressed data over the limit)")]
    DecompressedTooLarge { what: String, limit: u64 },

    /// Reading the input failed.
    #[error("{what} 无法读取：{reason} (read error)")]
    Read { what: String, reason: String },
}

impl WorkbookError {
    /// True when the file (not our side) is at fault: every variant but a failed read, whose
    /// cause may be either. Edges answer 4xx for these.
    pub fn is_input(&self) -> bool {
        !matches!(self, WorkbookError::Read { .. })
    }
}

/// Result of this crate.
pub type Result<T, E = WorkbookError> = std::result::Result<T, E>;

/// The A1 name of a cell from its zero-based row and column: `cell_name(0, 0) == "A1"`,
/// `cell_name(1_048_575, 16_383) == "XFD1048576"`.
pub fn cell_name(row: u32, col: u32) -> String {
    format!("{}{}", column_name(col), u64::from(row) + 1)
}

/// The letters of a zero-based column: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub fn column_name(col: u32) -> String {
    let mut n = u64::from(col) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_named_as_excel_names_them() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(9, 25), "Z10");
        assert_eq!(cell_name(0, 26), "AA1");
        assert_eq!(cell_name(1_048_575, 16_383), "XFD1048576");
    }
}
