//! Reading the files users give Kesu — workbooks, zip archives, CSV — bounded by what is really
//! in them, so that a hostile or broken file gets a message and never takes the process down.
//!
//! Bytes in, no I/O: callers read the file (or the upload) and pass the bytes.
//!
//! - [`Workbook`]: an .xlsx, checked whole before calamine reads it, then streamed cell by
//!   cell ([`Workbook::cells`]) or collected as sparse rows ([`Workbook::rows`]).
//! - [`Archive`]: any zip-based document (.docx, .xlsx as evidence): entry count, declared
//!   sizes, compression ratio, total and nested archives checked before anything is
//!   decompressed; entries read through capped readers ([`Archive::reader`], [`Archive::read`]).
//! - [`check_text`], [`LineCapped`]: line-length and line-count caps for CSV.
//! - [`read_capped`]: any stream (a gzip decoder) read whole up to a cap.
//!
//! Every cap is a field of [`Limits`]; [`WorkbookError`] names the part, sheet, cell or line.
//!
//! ```
//! use kesu_workbook::{Limits, Value, Workbook};
//! # let bytes = {
//! #     let mut wb = rust_xlsxwriter::Workbook::new();
//! #     let ws = wb.add_worksheet();
//! #     ws.set_name("填报").unwrap();
//! #     ws.write_string(0, 0, "报告编号").unwrap();
//! #     ws.write_number(1, 0, 7.0).unwrap();
//! #     wb.save_to_buffer().unwrap()
//! # };
//! let limits = Limits { max_columns: 64, ..Limits::default() };
//! let mut wb = Workbook::open(&bytes, &limits)?;
//! let rows = wb.rows("填报")?;
//! assert_eq!(rows[1].number(), 2);
//! assert_eq!(rows[1].get(0), Some(&Value::Number(7.0)));
//! # Ok::<(), kesu_workbook::WorkbookError>(())
//! ```

mod archive;
mod error;
mod limits;
mod scan;
mod text;
mod xlsx;

pub use archive::{Archive, Capped, Entry, is_zip, read_capped};
pub use error::{Result, WorkbookError, cell_name, column_name};
pub use limits::{Limits, RATIO_FLOOR};
pub use text::{LineCapped, check_text};
pub use xlsx::{Cell, Cells, Row, Value, Workbook};
