//! How much of a file Kesu is willing to read. Every cap is checked before the work it bounds
//! (declared sizes before decompressing, counts before allocating), so a hostile file costs at
//! most these amounts, whatever it claims.

/// Caps on one file. Start from [`Limits::default`] (what any workbook a person fills by hand
/// fits in) and tighten the sheet caps for a known template:
///
/// ```
/// let bulk_entry = kesu_workbook::Limits { max_rows: 100_000, max_columns: 64, ..Default::default() };
/// assert!(bulk_entry.max_columns < kesu_workbook::Limits::default().max_columns);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Size of the file itself (compressed).
    pub max_file_bytes: u64,
    /// Entries in the zip archive (a real .xlsx or .docx has a few dozen).
    pub max_entries: u64,
    /// Decompressed size of any one entry.
    pub max_entry_bytes: u64,
    /// Decompressed size of all entries together, nested archives included.
    pub max_total_bytes: u64,
    /// Decompressed : compressed size of an entry larger than [`RATIO_FLOOR`] bytes. Deflate
    /// on real XML gives 5–30; a zip bomb gives up to 1 032.
    pub max_ratio: u64,
    /// Archives inside archives that are looked into (an .xlsx embedded in a .docx is one level).
    pub max_nesting: u32,
    /// Element nesting in any XML part (a real worksheet is 5 deep).
    pub max_xml_depth: u32,
    /// Length of one XML attribute value in the style part (Excel caps a number format at
    /// 255 characters, a font name at 31): each cell format copies its font and format.
    pub max_style_attr_bytes: usize,
    /// Cell formats, fonts, fills and borders, each (Excel allows 64 000 formats).
    pub max_styles: u64,
    /// Strings in the shared-strings table (declared and real).
    pub max_shared_strings: u64,
    /// Decompressed size of the shared-strings table: it is held in memory whole.
    pub max_shared_string_bytes: u64,
    /// Sheets in the workbook.
    pub max_sheets: u64,
    /// Rows of a sheet, or of a CSV file: a cell beyond this row is refused.
    pub max_rows: u32,
    /// Columns of a sheet or CSV file: a cell beyond this column is refused.
    pub max_columns: u32,
    /// Non-empty cells read from one sheet.
    pub max_cells: u64,
    /// Bytes of one cell's text (Excel caps a cell at 32 767 characters).
    pub max_cell_bytes: usize,
    /// Bytes of one line of a text file (CSV).
    pub max_line_bytes: usize,
}

/// Entries smaller than this are not held to [`Limits::max_ratio`]: a small part of repeated
/// markup compresses very well and can do no harm.
pub const RATIO_FLOOR: u64 = 1 << 20;

const MIB: u64 = 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 64 * MIB,
            max_entries: 2_000,
            max_entry_bytes: 256 * MIB,
            max_total_bytes: 512 * MIB,
            max_ratio: 200,
            max_nesting: 2,
            max_xml_depth: 64,
            max_style_attr_bytes: 1024,
            max_styles: 65_536,
            max_shared_strings: 2_000_000,
            max_shared_string_bytes: 64 * MIB,
            max_sheets: 1_000,
            max_rows: 1_048_576,
            max_columns: 16_384,
            max_cells: 20_000_000,
            max_cell_bytes: 128 * 1024,
            max_line_bytes: 1 << 20,
        }
    }
}
