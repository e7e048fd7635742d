//! Typed columns read from a file: numbers as `f64`, categories dictionary-encoded as [`Factor`]s.
//! The [`crate::input`] module fills a [`Table`]; everything else only reads it.

use crate::error::{Result, SurveyError};
use crate::factor::Factor;

/// One column.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    Number(Vec<f64>),
    Category(Factor),
}

/// Columns by name, all of the same length, and where each row sits in the file.
#[derive(Debug, Clone, Default)]
pub struct Table {
    n_rows: usize,
    columns: Vec<(String, Column)>,
    /// `(row, line)` at every row where the line stops being `row + 2` plus the previous offset:
    /// rows and file lines part ways at multi-line CSV fields and blank workbook rows.
    breaks: Vec<(usize, u64)>,
}

impl Table {
    /// An empty table of `n_rows` rows.
    pub fn new(n_rows: usize) -> Self {
        Table {
            n_rows,
            columns: Vec::new(),
            breaks: Vec::new(),
        }
    }

    /// Add a column (replacing one of the same name).
    pub fn push(&mut self, name: impl Into<String>, column: Column) -> Result<()> {
        let name = name.into();
        let len = match &column {
            Column::Number(v) => v.len(),
            Column::Category(f) => f.len(),
        };
        if len != self.n_rows {
            return Err(SurveyError::Invalid(format!(
                "column {name} has {len} rows, the table {}",
                self.n_rows
            )));
        }
        self.columns.retain(|(n, _)| *n != name);
        self.columns.push((name, column));
        Ok(())
    }

    /// Record that data row `row` is on file line `line` (header = line 1). Rows must be given
    /// in increasing order; only changes of offset are stored.
    pub(crate) fn set_line(&mut self, row: usize, line: u64) {
        let expected = match self.breaks.last() {
            Some(&(r, l)) if r <= row => l + (row - r) as u64,
            _ => row as u64 + 2,
        };
        if expected != line {
            self.breaks.push((row, line));
        }
    }

    pub(crate) fn set_rows(&mut self, n_rows: usize) {
        self.n_rows = n_rows;
    }

    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|(n, _)| n.as_str())
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }

    /// A numeric column.
    pub fn number(&self, name: &str) -> Result<&[f64]> {
        match self.column(name) {
            Some(Column::Number(v)) => Ok(v),
            Some(Column::Category(_)) => Err(SurveyError::Invalid(format!(
                "column {name} was read as categories, not numbers"
            ))),
            None => Err(missing(name)),
        }
    }

    /// A categorical column.
    pub fn factor(&self, name: &str) -> Result<&Factor> {
        match self.column(name) {
            Some(Column::Category(f)) => Ok(f),
            Some(Column::Number(_)) => Err(SurveyError::Invalid(format!(
                "column {name} was read as numbers, not categories"
            ))),
            None => Err(missing(name)),
        }
    }

    /// Remove and return a numeric column (saves a copy of a large column).
    pub fn take_number(&mut self, name: &str) -> Result<Vec<f64>> {
        let pos = self
            .columns
            .iter()
            .position(|(n, c)| n == name && matches!(c, Column::Number(_)))
            .ok_or_else(|| missing(name))?;
        match self.columns.remove(pos).1 {
            Column::Number(v) => Ok(v),
            Column::Category(_) => Err(missing(name)),
        }
    }

    /// The file line of data row `row` (0-based).
    pub fn line(&self, row: usize) -> u64 {
        let i = self.breaks.partition_point(|&(r, _)| r <= row);
        match i.checked_sub(1).and_then(|i| self.breaks.get(i)) {
            Some(&(r, l)) => l + (row - r) as u64,
            None => row as u64 + 2,
        }
    }

    /// Rewrite the line of a row error made with [`SurveyError::at_row`] (which assumes line =
    /// row + 2) to the row's real line in this table's file.
    pub fn locate(&self, e: SurveyError) -> SurveyError {
        match e {
            SurveyError::BadCell {
                line,
                column,
                reason,
            } if line >= 2 => SurveyError::BadCell {
                line: self.line((line - 2) as usize),
                column,
                reason,
            },
            SurveyError::CellNotInMargins { margin, cell, line } if line >= 2 => {
                SurveyError::CellNotInMargins {
                    margin,
                    cell,
                    line: self.line((line - 2) as usize),
                }
            }
            other => other,
        }
    }
}

fn missing(name: &str) -> SurveyError {
    SurveyError::MissingColumn {
        column: name.to_string(),
        hint: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_follow_rows_until_a_break() {
        let mut t = Table::new(10);
        t.set_line(0, 2);
        t.set_line(1, 3);
        t.set_line(2, 6); // a field spanning lines 4-5 before this row
        t.set_line(3, 7);
        assert_eq!(t.line(0), 2);
        assert_eq!(t.line(1), 3);
        assert_eq!(t.line(2), 6);
        assert_eq!(t.line(5), 9);
    }

    #[test]
    fn row_errors_are_moved_to_their_line() {
        let mut t = Table::new(4);
        t.set_line(0, 5);
        let e = t.locate(SurveyError::at_row(2, "weight", "负数"));
        assert_eq!(e.to_string(), "第7行 列weight: 负数");
    }
}
