//! The rows of an uploaded table (.xlsx or .csv), each with its number as the person sees it
//! (the sheet's row number; the CSV line), and [`RowError`]s that name row, column and reason.
//!
//! Rows are handed to a visitor one at a time, so a million-row ledger file is never held as
//! strings all at once. Reading is bounded by what is really in the file: a row cap, a column
//! cap, and calamine's streaming cell reader (never `worksheet_range`, which allocates by the
//! dimensions a file *claims*). When the shared bounded reader `kesu-workbook` lands, the xlsx
//! arm moves onto it.

use crate::error::{CitizensError, Result};
use serde::Serialize;

/// One bad cell or row: what a person fixes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// 1-based row number in the sheet (the CSV line), header included.
    pub row: u32,
    /// The column's header (题号, 身份证号 …), empty when the whole row is meant.
    pub column: String,
    pub reason: String,
}

impl RowError {
    pub fn new(row: u32, column: &str, reason: impl Into<String>) -> Self {
        Self {
            row,
            column: column.to_string(),
            reason: reason.into(),
        }
    }

    /// The first few errors on one line, for a message; the full list goes with the error.
    pub fn summary(errors: &[RowError]) -> String {
        let mut s: Vec<String> = errors.iter().take(5).map(|e| e.to_string()).collect();
        if errors.len() > 5 {
            s.push(format!(
                "……另有 {} 处 (and {} more)",
                errors.len() - 5,
                errors.len() - 5
            ));
        }
        s.join("；")
    }
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column.is_empty() {
            write!(f, "第 {} 行：{}", self.row, self.reason)
        } else {
            write!(f, "第 {} 行“{}”列：{}", self.row, self.column, self.reason)
        }
    }
}

/// Bounds on what a table may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_rows: u32,
    pub max_columns: u32,
}

impl Limits {
    /// A question bank: a few thousand items at most.
    pub const BANK: Limits = Limits {
        max_rows: 20_000,
        max_columns: 40,
    };
    /// A ledger import or a resident list: a county's worth of people.
    pub const LEDGER: Limits = Limits {
        max_rows: 5_000_000,
        max_columns: 40,
    };
}

/// Whether the bytes are a zip (an .xlsx); otherwise they are read as CSV (UTF-8).
pub fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Calls `visit(row_number, cells)` for every row, the header first. Empty rows are skipped.
/// `visit` returns `false` to stop early.
pub fn each_row(
    bytes: &[u8],
    limits: Limits,
    mut visit: impl FnMut(u32, &[String]) -> bool,
) -> Result<()> {
    if is_xlsx(bytes) {
        each_xlsx_row(bytes, limits, &mut visit)
    } else {
        each_csv_row(bytes, limits, &mut visit)
    }
}

fn each_csv_row(
    bytes: &[u8],
    limits: Limits,
    visit: &mut impl FnMut(u32, &[String]) -> bool,
) -> Result<()> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // A cut in the middle of a character at the end of the sample is not an error.
    if std::str::from_utf8(&bytes[..bytes.len().min(4096)]).is_err_and(|e| e.error_len().is_some())
    {
        return Err(CitizensError::File(
            "文件不是 UTF-8 编码的 CSV，也不是 .xlsx 工作簿 (neither UTF-8 CSV nor .xlsx)".into(),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::StringRecord::new();
    let mut cells: Vec<String> = Vec::new();
    let mut count = 0u32;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                return Err(CitizensError::File(format!(
                    "第 {line} 行无法按 CSV 读取 (line {line} is not valid CSV UTF-8): {e}"
                )));
            }
        }
        let line = record
            .position()
            .map(|p| p.line() as u32)
            .unwrap_or(count + 1);
        if record.len() as u32 > limits.max_columns {
            return Err(CitizensError::File(format!(
                "第 {line} 行有 {} 列，超过上限 {} (too many columns)",
                record.len(),
                limits.max_columns
            )));
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        count += 1;
        if count > limits.max_rows {
            return Err(CitizensError::File(format!(
                "超过 {} 行上限 (more than {} rows)",
                limits.max_rows, limits.max_rows
            )));
        }
        cells.clear();
        cells.extend(record.iter().map(|c| c.trim().to_string()));
        if !visit(line, &cells) {
            return Ok(());
        }
    }
}

fn each_xlsx_row(
    bytes: &[u8],
    limits: Limits,
    visit: &mut impl FnMut(u32, &[String]) -> bool,
) -> Result<()> {
    use calamine::Reader;
    let bad = |e: &dyn std::fmt::Display| {
        CitizensError::File(format!("无法读取 .xlsx 工作簿 (unreadable workbook): {e}"))
    };
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| bad(&e))?;
    let name = wb
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| CitizensError::File("工作簿没有工作表 (no sheet)".into()))?;
    let mut cells_reader = wb.worksheet_cells_reader(&name).map_err(|e| bad(&e))?;
    let mut current: Option<u32> = None;
    let mut cells: Vec<String> = Vec::new();
    let mut count = 0u32;
    let mut flush = |row: u32, cells: &mut Vec<String>, count: &mut u32| -> Result<bool> {
        if cells.iter().all(|c| c.is_empty()) {
            cells.clear();
            return Ok(true);
        }
        *count += 1;
        if *count > limits.max_rows {
            return Err(CitizensError::File(format!(
                "超过 {} 行上限 (more than {} rows)",
                limits.max_rows, limits.max_rows
            )));
        }
        let go_on = visit(row + 1, cells);
        cells.clear();
        Ok(go_on)
    };
    while let Some(cell) = cells_reader.next_cell().map_err(|e| bad(&e))? {
        let (row, col) = cell.get_position();
        if col >= limits.max_columns {
            return Err(CitizensError::File(format!(
                "第 {} 行超过 {} 列上限 (too many columns)",
                row + 1,
                limits.max_columns
            )));
        }
        if current != Some(row) {
            if let Some(r) = current
                && !flush(r, &mut cells, &mut count)?
            {
                return Ok(());
            }
            current = Some(row);
        }
        let col = col as usize;
        if cells.len() <= col {
            cells.resize(col + 1, String::new());
        }
        cells[col] = cell_text(cell.get_value());
    }
    if let Some(r) = current {
        flush(r, &mut cells, &mut count)?;
    }
    Ok(())
}

fn cell_text(d: &calamine::DataRef<'_>) -> String {
    use calamine::DataRef as D;
    match d {
        D::String(s) => s.trim().to_string(),
        D::SharedString(s) => s.trim().to_string(),
        D::Int(i) => i.to_string(),
        D::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        D::Float(f) => f.to_string(),
        D::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        D::DateTime(dt) => excel_date(dt.as_f64()),
        D::DateTimeIso(s) | D::DurationIso(s) => s.clone(),
        D::Error(_) | D::Empty => String::new(),
    }
}

/// An Excel serial day (1900 system) as `YYYY-MM-DD`.
fn excel_date(serial: f64) -> String {
    let epoch = time::macros::date!(1899 - 12 - 30);
    epoch
        .checked_add(time::Duration::days(serial.floor() as i64))
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// Where each wanted column is in the header row.
#[derive(Debug, Clone)]
pub struct Columns {
    positions: Vec<Option<usize>>,
}

impl Columns {
    /// Finds each of `wanted` (a header name and its accepted spellings; `required`) in the
    /// header. Missing required columns are one error naming them all.
    pub fn locate(header: &[String], wanted: &[(&[&str], bool)]) -> Result<Columns> {
        let norm = |s: &str| -> String {
            s.chars()
                .filter(|c| !c.is_whitespace())
                .map(|c| match c {
                    '（' => '(',
                    '）' => ')',
                    c => c,
                })
                .collect()
        };
        let header: Vec<String> = header.iter().map(|h| norm(h)).collect();
        let mut missing = Vec::new();
        let positions = wanted
            .iter()
            .map(|(names, required)| {
                let pos = header
                    .iter()
                    .position(|h| names.iter().any(|n| norm(n) == *h));
                if pos.is_none() && *required {
                    missing.push(names[0]);
                }
                pos
            })
            .collect();
        if !missing.is_empty() {
            return Err(CitizensError::File(format!(
                "表头缺少列：{} (missing columns)",
                missing.join("、")
            )));
        }
        Ok(Columns { positions })
    }

    /// The cell of wanted column `i` in `cells` ("" when absent).
    pub fn get<'a>(&self, cells: &'a [String], i: usize) -> &'a str {
        self.positions
            .get(i)
            .copied()
            .flatten()
            .and_then(|p| cells.get(p))
            .map(String::as_str)
            .unwrap_or("")
    }
}
