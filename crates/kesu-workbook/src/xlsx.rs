//! Excel 2007+ workbooks (.xlsx, .xlsm), read cell by cell.
//!
//! [`Workbook::open`] checks the archive ([`Archive::open`]) and every XML part
//! ([`crate::scan`]) before calamine sees the bytes; sheets are then streamed with calamine's
//! `worksheet_cells_reader`, never `worksheet_range`, which allocates the whole bounding box of the
//! cells (one cell in A1 and one in XFD1048576: 17 billion cells). Only non-empty cells come out,
//! each checked against the row, column, count and length caps.

use crate::archive::{Archive, is_zip};
use crate::error::{Result, WorkbookError, cell_name};
use crate::limits::Limits;
use crate::scan;
use calamine::{DataRef, Reader};
use std::borrow::Cow;
use std::io::Cursor;

/// A value of a non-empty cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'s> {
    /// Text, borrowed from the shared-strings table when it is there.
    Text(Cow<'s, str>),
    /// Numbers, and dates and times as Excel serial numbers.
    Number(f64),
    Bool(bool),
    /// An error value (`#DIV/0!`, `#N/A`, …) as Excel shows it.
    Error(String),
}

impl Value<'_> {
    /// The value holding no borrow.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Text(t) => Value::Text(Cow::Owned(t.into_owned())),
            Value::Number(x) => Value::Number(x),
            Value::Bool(b) => Value::Bool(b),
            Value::Error(e) => Value::Error(e),
        }
    }
}

/// As a person reads it: text as is, numbers in their shortest form (`1200`, `0.5`), `TRUE`.
impl std::fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Text(t) => f.write_str(t),
            Value::Number(x) => write!(f, "{x}"),
            Value::Bool(b) => f.write_str(if *b { "TRUE" } else { "FALSE" }),
            Value::Error(e) => f.write_str(e),
        }
    }
}

/// A non-empty cell at its zero-based row and column.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell<'s> {
    pub row: u32,
    pub col: u32,
    pub value: Value<'s>,
}

/// The non-empty cells of one row, by column.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row {
    /// Zero-based row index; the row Excel shows is `index + 1`.
    pub index: u32,
    /// `(column, value)`, columns ascending.
    pub cells: Vec<(u32, Value<'static>)>,
}

impl Row {
    /// The row number Excel shows (1-based).
    pub fn number(&self) -> u32 {
        self.index + 1
    }

    /// The value in a zero-based column.
    pub fn get(&self, col: u32) -> Option<&Value<'static>> {
        self.cells
            .binary_search_by_key(&col, |(c, _)| *c)
            .ok()
            .map(|i| &self.cells[i].1)
    }
}

/// An .xlsx workbook that passed the archive and XML checks.
pub struct Workbook<'a> {
    xlsx: calamine::Xlsx<Cursor<&'a [u8]>>,
    limits: Limits,
    sheets: Vec<String>,
}

impl std::fmt::Debug for Workbook<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workbook")
            .field("sheets", &self.sheets)
            .finish_non_exhaustive()
    }
}

const XLSX: &str = "Excel 工作簿 (.xlsx)";

impl<'a> Workbook<'a> {
    /// Check and open an .xlsx workbook. Refused with a message: anything that is not one
    /// (legacy .xls, .xlsb, .ods, a Word document, not a zip), and any archive or part beyond
    /// `limits`.
    pub fn open(bytes: &'a [u8], limits: &Limits) -> Result<Self> {
        let not_xlsx = |reason: &str| WorkbookError::NotRecognised {
            expected: XLSX,
            reason: reason.to_string(),
        };
        if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            return Err(WorkbookError::Unsupported {
                format: "旧版 Excel (.xls)".into(),
            });
        }
        if !is_zip(bytes) {
            return Err(not_xlsx("文件不是 Excel 工作簿（内容不是 zip 压缩包）"));
        }
        let mut archive = Archive::open(bytes, limits).map_err(|e| match e {
            WorkbookError::NotRecognised { reason, .. } => not_xlsx(&reason),
            other => other,
        })?;
        if archive.contains("xl/workbook.bin") {
            return Err(WorkbookError::Unsupported {
                format: "Excel 二进制工作簿 (.xlsb)".into(),
            });
        }
        if archive.contains("content.xml") && archive.contains("mimetype") {
            return Err(WorkbookError::Unsupported {
                format: "OpenDocument 表格 (.ods)".into(),
            });
        }
        if archive.contains("word/document.xml") {
            return Err(not_xlsx("这是 Word 文档 (.docx)，不是工作簿"));
        }
        scan::check_parts(&mut archive, limits)?;
        drop(archive);
        let xlsx = calamine::Xlsx::new(Cursor::new(bytes)).map_err(|e| not_xlsx(&e.to_string()))?;
        let sheets = xlsx.sheet_names();
        Ok(Workbook {
            xlsx,
            limits: limits.clone(),
            sheets,
        })
    }

    /// Sheet names in workbook order.
    pub fn sheet_names(&self) -> &[String] {
        &self.sheets
    }

    /// Stream the non-empty cells of a sheet in file order (row by row in any file Excel or
    /// WPS writes).
    pub fn cells(&mut self, sheet: &str) -> Result<Cells<'_, 'a>> {
        if !self.sheets.iter().any(|s| s == sheet) {
            return Err(WorkbookError::NoSuchSheet {
                sheet: sheet.to_string(),
            });
        }
        let inner = self
            .xlsx
            .worksheet_cells_reader(sheet)
            .map_err(|e| sheet_error(sheet, e))?;
        Ok(Cells {
            inner,
            sheet: sheet.to_string(),
            limits: &self.limits,
            seen: 0,
        })
    }

    /// The non-empty cells of a sheet as rows, ascending; within the caps, so at most
    /// [`Limits::max_cells`] values are held.
    pub fn rows(&mut self, sheet: &str) -> Result<Vec<Row>> {
        let mut cells = self.cells(sheet)?;
        let mut all: Vec<Cell<'static>> = Vec::new();
        while let Some(c) = cells.next_cell()? {
            all.push(Cell {
                row: c.row,
                col: c.col,
                value: c.value.into_owned(),
            });
        }
        all.sort_by_key(|c| (c.row, c.col));
        let mut rows: Vec<Row> = Vec::new();
        for c in all {
            match rows.last_mut() {
                Some(r) if r.index == c.row => r.cells.push((c.col, c.value)),
                _ => rows.push(Row {
                    index: c.row,
                    cells: vec![(c.col, c.value)],
                }),
            }
        }
        Ok(rows)
    }
}

fn sheet_error(sheet: &str, e: impl std::fmt::Display) -> WorkbookError {
    WorkbookError::Sheet {
        sheet: sheet.to_string(),
        reason: e.to_string(),
    }
}

/// The cells of one sheet, streamed and capped.
pub struct Cells<'w, 'a> {
    inner: calamine::XlsxCellReader<'w, Cursor<&'a [u8]>>,
    sheet: String,
    limits: &'w Limits,
    /// Cell records read, empty ones included: the work done.
    seen: u64,
}

impl<'w> Cells<'w, '_> {
    /// The sheet's name.
    pub fn sheet(&self) -> &str {
        &self.sheet
    }

    /// The next non-empty cell, or `None` at the end of the sheet.
    pub fn next_cell(&mut self) -> Result<Option<Cell<'w>>> {
        loop {
            let Some(c) = self
                .inner
                .next_cell()
                .map_err(|e| sheet_error(&self.sheet, e))?
            else {
                return Ok(None);
            };
            self.seen += 1;
            if self.seen > self.limits.max_cells {
                return Err(WorkbookError::TooManyCells {
                    sheet: self.sheet.clone(),
                    limit: self.limits.max_cells,
                });
            }
            let (row, col) = c.get_position();
            let value = match c.get_value() {
                DataRef::Empty => continue,
                DataRef::Int(i) => Value::Number(*i as f64),
                DataRef::Float(x) => Value::Number(*x),
                DataRef::Bool(b) => Value::Bool(*b),
                DataRef::DateTime(d) => Value::Number(d.as_f64()),
                DataRef::SharedString(s) => Value::Text(Cow::Borrowed(*s)),
                DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
                    Value::Text(Cow::Owned(s.clone()))
                }
                DataRef::Error(e) => Value::Error(e.to_string()),
            };
            let limits = self.limits;
            if row >= limits.max_rows || col >= limits.max_columns {
                return Err(WorkbookError::CellOutOfRange {
                    sheet: self.sheet.clone(),
                    cell: cell_name(row, col),
                    max_rows: limits.max_rows,
                    max_columns: limits.max_columns,
                    last: cell_name(
                        limits.max_rows.saturating_sub(1),
                        limits.max_columns.saturating_sub(1),
                    ),
                });
            }
            if let Value::Text(t) = &value
                && t.len() > limits.max_cell_bytes
            {
                return Err(WorkbookError::CellTooLong {
                    sheet: self.sheet.clone(),
                    cell: cell_name(row, col),
                    limit: limits.max_cell_bytes,
                });
            }
            return Ok(Some(Cell { row, col, value }));
        }
    }
}
