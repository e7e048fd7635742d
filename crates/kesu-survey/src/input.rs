//! Reading respondents and margins: CSV (UTF-8, with or without BOM, or GB18030 as Excel saves it
//! on Chinese Windows) and .xlsx workbooks (checked and streamed cell by cell by
//! `kesu_workbook`). Only the requested columns are kept, parsed straight into typed columns:
//! numbers as `f64`, categories dictionary-encoded. A bad cell stops the read with its line and
//! column.
//!
//! The crate opens no files: callers pass a reader (CSV) or bytes (workbook), and every read is
//! held to [`limits`]. The legacy .xls, .xlsb and .ods formats are refused with a message (their
//! readers hold a whole sheet as a dense range, so a small file can ask for gigabytes).

use crate::calibrate::Margin;
use crate::error::{Result, SurveyError};
use crate::factor::{Factor, FxBuild, LEVEL_SEP, VAR_SEP};
use crate::rule::ColumnKind;
use crate::table::{Column, Table};
use kesu_workbook::{Limits, Value, WorkbookError};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};

mod fast;

/// A column to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub name: String,
    pub kind: ColumnKind,
}

impl Request {
    pub fn number(name: impl Into<String>) -> Self {
        Request {
            name: name.into(),
            kind: ColumnKind::Number,
        }
    }

    pub fn category(name: impl Into<String>) -> Self {
        Request {
            name: name.into(),
            kind: ColumnKind::Category,
        }
    }
}

/// What a respondents or margins file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// By the file name's extension: `.xlsx`/`.xlsm` a workbook, `.xls`/`.xlsb`/`.ods` refused
    /// (to be saved as .xlsx or CSV), anything else CSV.
    pub fn of_name(name: &str) -> Result<Format> {
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "xlsx" | "xlsm" => Ok(Format::Xlsx),
            "xls" | "xlsb" | "ods" => Err(WorkbookError::Unsupported {
                format: format!(".{ext}"),
            }
            .into()),
            _ => Ok(Format::Csv),
        }
    }
}

/// Caps on survey files. A national wave is a few hundred thousand respondents; the benchmarks
/// read ten million. CSV is streamed (its memory is that of the columns kept); a workbook is read
/// whole, up to `max_file_bytes`.
pub fn limits() -> Limits {
    Limits {
        max_rows: 50_000_000,
        max_cells: 200_000_000,
        max_line_bytes: 1 << 20,
        ..Limits::default()
    }
}

/// Read the requested columns of a respondents file: the first sheet of a workbook, or a CSV
/// (the fast parallel reader for files without quotes, the general CSV reader otherwise; the
/// input is read again from the start for the latter).
pub fn read_table<R: Read + Seek>(
    mut input: R,
    format: Format,
    requests: &[Request],
) -> Result<Table> {
    match format {
        Format::Xlsx => read_xlsx(&read_workbook_bytes(input)?, requests),
        Format::Csv => {
            let requests = dedup(requests)?;
            match fast::read(&mut input, &requests)? {
                Some(t) => Ok(t),
                None => {
                    input.seek(SeekFrom::Start(0))?;
                    read_csv(input, &requests)
                }
            }
        }
    }
}

/// The whole workbook, up to [`Limits::max_file_bytes`].
fn read_workbook_bytes(input: impl Read) -> Result<Vec<u8>> {
    let limit = limits().max_file_bytes;
    let mut bytes = Vec::new();
    input.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(WorkbookError::FileTooLarge {
            size: bytes.len() as u64,
            limit,
        }
        .into());
    }
    Ok(bytes)
}

// ---------------------------------------------------------------------------------------------
// Column builders.

enum Builder {
    Number(Vec<f64>),
    Category(CatBuilder),
}

#[derive(Default)]
struct CatBuilder {
    map: HashMap<Box<[u8]>, u32, FxBuild>,
    raw: Vec<Box<[u8]>>,
    codes: Vec<u32>,
    /// Code of the previous row: survey files are sorted by stratum and PSU, so most rows repeat
    /// the previous value and skip the hash lookup.
    last: Option<u32>,
}

impl CatBuilder {
    #[inline]
    fn push(&mut self, bytes: &[u8]) {
        if let Some(last) = self.last
            && same_short(&self.raw[last as usize], bytes)
        {
            self.codes.push(last);
            return;
        }
        // A handful of levels (sex, urban, region…): comparing is cheaper than hashing.
        let code = if self.raw.len() <= 8 {
            match self.raw.iter().position(|r| same_short(r, bytes)) {
                Some(c) => c as u32,
                None => self.intern(bytes),
            }
        } else {
            self.intern(bytes)
        };
        self.last = Some(code);
        self.codes.push(code);
    }

    /// The code of a level, added if new.
    fn intern(&mut self, bytes: &[u8]) -> u32 {
        match self.map.get(bytes) {
            Some(&c) => c,
            None => {
                let c = self.raw.len() as u32;
                self.raw.push(bytes.into());
                self.map.insert(bytes.into(), c);
                c
            }
        }
    }

    fn finish(self, name: &str) -> Factor {
        let levels = self.raw.iter().map(|b| decode(b).into_owned()).collect();
        // Codes index the levels by construction.
        Factor::from_parts(name, levels, self.codes)
    }
}

/// Byte-string equality without a `memcmp` call for the short codes categories usually are.
#[inline]
fn same_short(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() <= 8 {
        let mut x = [0u8; 8];
        let mut y = [0u8; 8];
        x[..a.len()].copy_from_slice(a);
        y[..b.len()].copy_from_slice(b);
        return u64::from_ne_bytes(x) == u64::from_ne_bytes(y);
    }
    a == b
}

/// UTF-8, or GB18030 when the bytes are not UTF-8 (CSV saved by Excel on Chinese Windows).
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => {
            let (s, _, _) = encoding_rs::GB18030.decode(bytes);
            s
        }
    }
}

fn trim(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

/// Powers of ten exactly representable in an f64.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Plain decimals (`-12.345`, at most 2^53 as digits, at most 22 decimals): the digits as an
/// integer divided by a power of ten. Both are exact in an f64, so the one rounding of the
/// division gives the correctly rounded value, the same as `str::parse`. Anything else: `None`.
#[inline]
fn parse_plain_decimal(s: &[u8]) -> Option<f64> {
    let (neg, digits) = match s.first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let mut mant: u64 = 0;
    let mut frac = 0usize;
    let mut dot = false;
    let mut any = false;
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                mant = mant.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
                frac += usize::from(dot);
                any = true;
            }
            b'.' if !dot => dot = true,
            _ => return None,
        }
    }
    if !any || mant > (1u64 << 53) || frac >= POW10.len() {
        return None;
    }
    let v = mant as f64 / POW10[frac];
    Some(if neg { -v } else { v })
}

fn parse_number(bytes: &[u8]) -> std::result::Result<f64, String> {
    let s = trim(bytes);
    if s.is_empty() {
        return Err("空值 (missing value)".into());
    }
    if let Some(v) = parse_plain_decimal(s) {
        return Ok(v);
    }
    let text = decode(s);
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("不是数字 (not a number): '{text}'")),
    }
}

impl Builder {
    fn new(kind: ColumnKind) -> Self {
        match kind {
            ColumnKind::Number => Builder::Number(Vec::new()),
            ColumnKind::Category => Builder::Category(CatBuilder::default()),
        }
    }

    #[inline]
    fn push_bytes(&mut self, bytes: &[u8]) -> std::result::Result<(), String> {
        match self {
            Builder::Number(v) => v.push(parse_number(bytes)?),
            Builder::Category(c) => {
                let t = trim(bytes);
                if t.is_empty() {
                    return Err("空值 (missing value)".into());
                }
                c.push(t);
            }
        }
        Ok(())
    }

    fn push_cell(&mut self, cell: &Cell<'_>) -> std::result::Result<(), String> {
        match (self, cell) {
            (_, Cell::Empty) => Err("空值 (missing value)".into()),
            (_, Cell::Error(e)) => Err(format!("单元格错误 (cell error): {e}")),
            (Builder::Number(v), Cell::Number(x)) => {
                if x.is_finite() {
                    v.push(*x);
                    Ok(())
                } else {
                    Err(format!("不是数字 (not a number): {x}"))
                }
            }
            (Builder::Number(v), Cell::Bool(b)) => {
                v.push(if *b { 1.0 } else { 0.0 });
                Ok(())
            }
            (b @ Builder::Number(_), Cell::Text(t)) => b.push_bytes(t.as_bytes()),
            (Builder::Category(c), Cell::Number(x)) => {
                c.push(number_text(*x).as_bytes());
                Ok(())
            }
            (Builder::Category(c), Cell::Bool(b)) => {
                c.push(if *b { b"TRUE" } else { b"FALSE" });
                Ok(())
            }
            (b @ Builder::Category(_), Cell::Text(t)) => b.push_bytes(t.as_bytes()),
        }
    }

    fn finish(self, name: &str) -> Column {
        match self {
            Builder::Number(v) => Column::Number(v),
            Builder::Category(c) => Column::Category(c.finish(name)),
        }
    }
}

/// A workbook number as a category label: `1` not `1.0`, so it matches a CSV margins table.
fn number_text(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// Match requested names to header positions.
fn locate_columns(header: &[String], requests: &[Request]) -> Result<Vec<usize>> {
    let mut out = Vec::with_capacity(requests.len());
    for r in requests {
        let mut hits = header.iter().enumerate().filter(|(_, h)| **h == r.name);
        match (hits.next(), hits.next()) {
            (Some((i, _)), None) => out.push(i),
            (Some(_), Some(_)) => {
                return Err(SurveyError::DuplicateColumn {
                    column: r.name.clone(),
                });
            }
            (None, _) => {
                let near: Vec<&str> = header
                    .iter()
                    .filter(|h| h.eq_ignore_ascii_case(&r.name) || h.trim() == r.name)
                    .map(String::as_str)
                    .collect();
                let hint = if near.is_empty() {
                    format!("；表头为 (header): {}", header.join(","))
                } else {
                    format!("；是否指 (did you mean) {}?", near.join(", "))
                };
                return Err(SurveyError::MissingColumn {
                    column: r.name.clone(),
                    hint,
                });
            }
        }
    }
    Ok(out)
}

/// One request per name (the same column asked for twice is read once).
fn dedup(requests: &[Request]) -> Result<Vec<Request>> {
    let mut out: Vec<Request> = Vec::new();
    for r in requests {
        match out.iter().find(|o| o.name == r.name) {
            Some(o) if o.kind != r.kind => {
                return Err(SurveyError::Invalid(format!(
                    "column {} is needed both as numbers and as categories",
                    r.name
                )));
            }
            Some(_) => {}
            None => out.push(r.clone()),
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// CSV.

/// Read the requested columns of a CSV (comma-separated, header on the first line).
pub fn read_csv<R: Read>(reader: R, requests: &[Request]) -> Result<Table> {
    let requests = dedup(requests)?;
    let limits = limits();
    // Lines end at '\n' only: with the default CRLF terminator the csv crate numbers the lines
    // of a CRLF file one short. A '\r' left at the end of the last field is trimmed with spaces.
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .buffer_capacity(1 << 20)
        .from_reader(Tracking {
            inner: kesu_workbook::LineCapped::new(reader, limits.max_line_bytes),
            total: 0,
            last: None,
            eof: false,
        });
    let mut rec = csv::ByteRecord::new();
    if !next_record(&mut rdr, &mut rec)? {
        return Err(SurveyError::NoHeader);
    }
    let header: Vec<String> = rec
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let f = if i == 0 {
                f.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(f)
            } else {
                f
            };
            decode(trim(f)).into_owned()
        })
        .collect();
    let n_fields = header.len();
    check_width(n_fields, &limits)?;
    let idx = locate_columns(&header, &requests)?;
    let mut builders: Vec<Builder> = requests.iter().map(|r| Builder::new(r.kind)).collect();
    let mut table = Table::new(0);
    let mut row = 0usize;
    while next_record(&mut rdr, &mut rec)? {
        if row >= limits.max_rows as usize {
            return Err(WorkbookError::TooManyRows {
                limit: u64::from(limits.max_rows),
            }
            .into());
        }
        // The csv crate numbers a record by where the previous one ended, blank lines
        // included; count back from where this one ends instead.
        let inside: u64 = rec
            .iter()
            .map(|f| f.iter().filter(|&&b| b == b'\n').count() as u64)
            .sum();
        let t = rdr.get_ref();
        let at_end = t.eof && rdr.position().byte() == t.total;
        let terminated = u64::from(!at_end || t.last == Some(b'\n'));
        let line = rdr.position().line() - inside - terminated;
        if rec.len() == 1 && rec.get(0).is_some_and(|f| trim(f).is_empty()) {
            continue; // a blank line ("\r" of a CRLF file)
        }
        if rec.len() != n_fields {
            return Err(SurveyError::Csv {
                line,
                reason: format!(
                    "该行有 {} 个字段，表头有 {n_fields} 个 (row has {} fields, header has {n_fields})",
                    rec.len(),
                    rec.len()
                ),
            });
        }
        for ((b, &i), r) in builders.iter_mut().zip(&idx).zip(&requests) {
            let field = rec.get(i).unwrap_or_default();
            if let Err(reason) = b.push_bytes(field) {
                return Err(SurveyError::BadCell {
                    line,
                    column: r.name.clone(),
                    reason,
                });
            }
        }
        table.set_line(row, line);
        row += 1;
    }
    finish(table, row, builders, &requests)
}

type CsvReader<R> = csv::Reader<Tracking<kesu_workbook::LineCapped<R>>>;

/// The next record; a line over the cap is named as such, not as an I/O error.
fn next_record<R: Read>(rdr: &mut CsvReader<R>, rec: &mut csv::ByteRecord) -> Result<bool> {
    match rdr.read_byte_record(rec) {
        Ok(more) => Ok(more),
        Err(e) => Err(match rdr.get_ref().inner.error() {
            Some(capped) => capped.into(),
            None => csv_error(e),
        }),
    }
}

/// At most [`Limits::max_columns`] fields in a header.
pub(crate) fn check_width(fields: usize, limits: &Limits) -> Result<()> {
    if fields as u64 > u64::from(limits.max_columns) {
        return Err(WorkbookError::TooMany {
            part: "表头 (header)".into(),
            what: "列 (columns)",
            count: fields as u64,
            limit: u64::from(limits.max_columns),
        }
        .into());
    }
    Ok(())
}

/// A reader that remembers how much it read, its last byte and whether it hit the end: the csv
/// crate does not say whether the last record ended with a newline.
struct Tracking<R> {
    inner: R,
    total: u64,
    last: Option<u8>,
    eof: bool,
}

impl<R: Read> Read for Tracking<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 {
            self.eof = true;
        } else {
            self.total += n as u64;
            self.last = Some(buf[n - 1]);
        }
        Ok(n)
    }
}

fn finish(
    mut table: Table,
    rows: usize,
    builders: Vec<Builder>,
    requests: &[Request],
) -> Result<Table> {
    if rows == 0 {
        return Err(SurveyError::NoRows);
    }
    table.set_rows(rows);
    for (b, r) in builders.into_iter().zip(requests) {
        table.push(r.name.clone(), b.finish(&r.name))?;
    }
    Ok(table)
}

fn csv_error(e: csv::Error) -> SurveyError {
    let line = e.position().map_or(0, |p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(io) => SurveyError::Io(io),
        other => SurveyError::Csv {
            line,
            reason: format!("{other:?}"),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Workbooks.

/// A workbook cell, whatever the reader.
enum Cell<'a> {
    Empty,
    Number(f64),
    Bool(bool),
    Text(Cow<'a, str>),
    Error(String),
}

impl<'a> From<Value<'a>> for Cell<'a> {
    fn from(v: Value<'a>) -> Self {
        match v {
            Value::Text(t) => Cell::Text(t),
            Value::Number(x) => Cell::Number(x),
            Value::Bool(b) => Cell::Bool(b),
            Value::Error(e) => Cell::Error(e),
        }
    }
}

/// Assembles rows from cells arriving in row-major order: the first non-empty row is the
/// header, blank rows are skipped.
struct Sheet<'r> {
    requests: &'r [Request],
    header: Option<Vec<String>>,
    header_cells: Vec<(u32, String)>,
    header_row: Option<u32>,
    /// Builder index of each sheet column (after the header is known).
    col_map: Vec<Option<usize>>,
    builders: Vec<Builder>,
    /// Cells of the current row, by builder index.
    current: Vec<Option<Cell<'static>>>,
    current_row: Option<u32>,
    current_any: bool,
    table: Table,
    rows: usize,
}

impl<'r> Sheet<'r> {
    fn new(requests: &'r [Request]) -> Self {
        Sheet {
            requests,
            header: None,
            header_cells: Vec::new(),
            header_row: None,
            col_map: Vec::new(),
            builders: requests.iter().map(|r| Builder::new(r.kind)).collect(),
            current: (0..requests.len()).map(|_| None).collect(),
            current_row: None,
            current_any: false,
            table: Table::new(0),
            rows: 0,
        }
    }

    fn cell(&mut self, row: u32, col: u32, cell: Cell<'_>) -> Result<()> {
        if self.header.is_none() {
            match self.header_row {
                Some(r) if r != row => self.close_header()?,
                _ => {
                    if !matches!(cell, Cell::Empty) {
                        self.header_row = Some(row);
                        let text = match &cell {
                            Cell::Text(t) => t.trim().to_string(),
                            Cell::Number(x) => number_text(*x),
                            Cell::Bool(b) => b.to_string().to_uppercase(),
                            Cell::Error(e) => e.clone(),
                            Cell::Empty => String::new(),
                        };
                        self.header_cells.push((col, text));
                    }
                    return Ok(());
                }
            }
        }
        if self.current_row != Some(row) {
            self.flush()?;
            self.current_row = Some(row);
        }
        if matches!(cell, Cell::Empty) {
            return Ok(());
        }
        self.current_any = true;
        if let Some(Some(b)) = self.col_map.get(col as usize) {
            self.current[*b] = Some(match cell {
                Cell::Text(t) => Cell::Text(Cow::Owned(t.into_owned())),
                Cell::Number(x) => Cell::Number(x),
                Cell::Bool(b) => Cell::Bool(b),
                Cell::Error(e) => Cell::Error(e),
                Cell::Empty => Cell::Empty,
            });
        }
        Ok(())
    }

    fn close_header(&mut self) -> Result<()> {
        let width = self
            .header_cells
            .iter()
            .map(|(c, _)| *c as usize + 1)
            .max()
            .unwrap_or(0);
        let mut header = vec![String::new(); width];
        for (c, t) in self.header_cells.drain(..) {
            header[c as usize] = t;
        }
        let idx = locate_columns(&header, self.requests)?;
        self.col_map = vec![None; width];
        for (b, &i) in idx.iter().enumerate() {
            self.col_map[i] = Some(b);
        }
        self.header = Some(header);
        Ok(())
    }

    /// End of the current row: push it if it had any value.
    fn flush(&mut self) -> Result<()> {
        let Some(row) = self.current_row else {
            return Ok(());
        };
        if self.current_any {
            let line = row as u64 + 1;
            for (b, (slot, r)) in self
                .builders
                .iter_mut()
                .zip(self.current.iter_mut().zip(self.requests))
            {
                let cell = slot.take().unwrap_or(Cell::Empty);
                if let Err(reason) = b.push_cell(&cell) {
                    return Err(SurveyError::BadCell {
                        line,
                        column: r.name.clone(),
                        reason,
                    });
                }
            }
            self.table.set_line(self.rows, line);
            self.rows += 1;
        }
        self.current_any = false;
        self.current_row = None;
        Ok(())
    }

    fn finish(mut self) -> Result<Table> {
        if self.header.is_none() {
            if self.header_row.is_none() {
                return Err(SurveyError::NoHeader);
            }
            self.close_header()?;
        }
        self.flush()?;
        finish(self.table, self.rows, self.builders, self.requests)
    }
}

/// Read the requested columns of an .xlsx workbook's first sheet, cell by cell (the sheet is
/// never held whole), within [`limits`].
pub fn read_xlsx(bytes: &[u8], requests: &[Request]) -> Result<Table> {
    let requests = dedup(requests)?;
    let mut wb = kesu_workbook::Workbook::open(bytes, &limits())?;
    let name = wb
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| SurveyError::Workbook("没有工作表 (no sheets)".into()))?;
    let mut cells = wb.cells(&name)?;
    let mut sheet = Sheet::new(&requests);
    while let Some(c) = cells.next_cell()? {
        sheet.cell(c.row, c.col, Cell::from(c.value))?;
    }
    sheet.finish()
}

// ---------------------------------------------------------------------------------------------
// Margins.

/// Read a margins table (`margin,level,N`; CSV or workbook). A one-way margin is named by its
/// variable (`sex`, level `F`); a joint margin by its variables joined with `+`
/// (`region+urban+sex`, level `east|1|F`). Margins and levels keep the file's order.
pub fn read_margins<R: Read + Seek>(input: R, format: Format) -> Result<Vec<Margin>> {
    let table = read_table(input, format, &margin_requests())?;
    margins_of(&table)
}

/// [`read_margins`] from a CSV reader.
pub fn read_margins_csv<R: Read>(reader: R) -> Result<Vec<Margin>> {
    let table = read_csv(reader, &margin_requests())?;
    margins_of(&table)
}

fn margin_requests() -> [Request; 3] {
    [
        Request::category("margin"),
        Request::category("level"),
        Request::number("N"),
    ]
}

fn margins_of(table: &Table) -> Result<Vec<Margin>> {
    let names = table.factor("margin")?;
    let levels = table.factor("level")?;
    let counts = table.number("N")?;
    let mut out: Vec<Margin> = Vec::new();
    let mut seen: HashMap<(u32, u32), usize> = HashMap::new();
    for row in 0..table.n_rows() {
        let line = table.line(row);
        let (m, l) = (names.codes()[row], levels.codes()[row]);
        let name = &names.levels()[m as usize];
        let level = &levels.levels()[l as usize];
        let n = counts[row];
        if n < 0.0 {
            return Err(SurveyError::BadMargin {
                line,
                reason: format!("{name} = {level}: 总体数为负 (negative count): {n}"),
            });
        }
        if let Some(first) = seen.insert((m, l), row) {
            return Err(SurveyError::BadMargin {
                line,
                reason: format!(
                    "{name} = {level} 重复，第一次在第{}行 (duplicate cell; first at line {})",
                    table.line(first),
                    table.line(first)
                ),
            });
        }
        let vars = name.split(VAR_SEP).count();
        let parts = level.split(LEVEL_SEP).count();
        if vars != parts {
            return Err(SurveyError::BadMargin {
                line,
                reason: format!(
                    "{name} 有 {vars} 个变量，水平 {level} 有 {parts} 个部分 (a joint level lists one value per variable, joined with '|')"
                ),
            });
        }
        match out.iter_mut().find(|x| x.name == *name) {
            Some(x) => {
                x.levels.push(level.clone());
                x.totals.push(n);
            }
            None => out.push(Margin {
                name: name.clone(),
                levels: vec![level.clone()],
                totals: vec![n],
            }),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> Vec<Request> {
        vec![Request::category("region"), Request::number("weight")]
    }

    #[test]
    fn reads_only_requested_columns_typed() {
        let csv = "id,region,weight\n1,east,1.5\n2,west,2\n3,east,0.25\n";
        let t = read_csv(csv.as_bytes(), &req()).unwrap();
        assert_eq!(t.n_rows(), 3);
        assert_eq!(t.number("weight").unwrap(), [1.5, 2.0, 0.25]);
        let f = t.factor("region").unwrap();
        assert_eq!(f.levels(), ["east", "west"]);
        assert_eq!(f.codes(), [0, 1, 0]);
        assert!(t.column("id").is_none());
    }

    #[test]
    fn a_bom_and_spaces_around_values_are_ignored() {
        let csv = "\u{feff}region,weight\n east ,1\n";
        let t = read_csv(csv.as_bytes(), &req()).unwrap();
        assert_eq!(t.factor("region").unwrap().levels(), ["east"]);
    }

    #[test]
    fn gb18030_text_is_decoded() {
        let (bytes, _, _) = encoding_rs::GB18030.encode("地区,权数\n东部,1\n西部,2\n");
        let t = read_csv(
            &bytes[..],
            &[Request::category("地区"), Request::number("权数")],
        )
        .unwrap();
        assert_eq!(t.factor("地区").unwrap().levels(), ["东部", "西部"]);
    }

    #[test]
    fn a_missing_column_lists_the_header() {
        let e = read_csv("region,wt\neast,1\n".as_bytes(), &req()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "缺少列 weight (missing column)；表头为 (header): region,wt"
        );
    }

    #[test]
    fn a_non_numeric_weight_names_line_and_column() {
        let e = read_csv("region,weight\neast,1\nwest,abc\n".as_bytes(), &req()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "第3行 列weight: 不是数字 (not a number): 'abc'"
        );
    }

    #[test]
    fn an_empty_category_is_a_missing_value() {
        let e = read_csv("region,weight\n,1\n".as_bytes(), &req()).unwrap_err();
        assert_eq!(e.to_string(), "第2行 列region: 空值 (missing value)");
    }

    #[test]
    fn lines_count_multi_line_fields() {
        let csv = "note,region,weight\n\"a\nb\",east,1\nx,west,-\n";
        let mut r = req();
        r.push(Request::category("note"));
        let e = read_csv(csv.as_bytes(), &r).unwrap_err();
        assert!(e.to_string().starts_with("第4行 列weight"), "{e}");
    }

    #[test]
    fn a_short_row_is_malformed_csv() {
        let e = read_csv("region,weight\neast\n".as_bytes(), &req()).unwrap_err();
        assert!(e.to_string().starts_with("第2行: CSV 格式错误"), "{e}");
    }

    /// The fast reader gives exactly what the general CSV reader gives: same columns, same
    /// lines, same error.
    fn same_as_csv_reader(text: &str, requests: &[Request]) {
        let general = read_csv(text.as_bytes(), requests);
        let quick = fast::read(text.as_bytes(), requests);
        match (general, quick) {
            (Ok(g), Ok(Some(q))) => {
                assert_eq!(g.n_rows(), q.n_rows(), "{text:?}");
                for r in requests {
                    assert_eq!(g.column(&r.name), q.column(&r.name), "{text:?}");
                }
                for row in 0..g.n_rows() {
                    assert_eq!(g.line(row), q.line(row), "row {row} of {text:?}");
                }
            }
            (Err(g), Err(q)) => assert_eq!(g.to_string(), q.to_string(), "{text:?}"),
            (_, Ok(None)) => assert!(text.contains('"')),
            (g, q) => panic!(
                "{text:?}: {:?} vs {:?}",
                g.map(|t| t.n_rows()),
                q.map(|t| t.map(|t| t.n_rows()))
            ),
        }
    }

    #[test]
    fn fast_reader_agrees_with_the_csv_reader() {
        let r = req();
        let long = (0..200)
            .map(|i| format!("{},{}.5\n", ["east", "west", "north"][i % 3], i))
            .collect::<String>();
        for text in [
            "region,weight\neast,1\nwest,2\n",
            "region,weight\r\neast,1\r\nwest,2",
            "\u{feff}region,weight\n\neast,1\n\n\nwest,2\n\n",
            "region,weight\neast,1\nwest,x\n",
            "region,weight\neast,1\nwest\n",
            "region,weight\neast,1,3\n",
            "region,weight\n",
            "",
            "region,weight\n\"a\",1\n",
            &format!("region,weight\n{long}"),
            &format!("id,region,weight\n{}", long.replace("\n", "\n9,")),
        ] {
            same_as_csv_reader(text, &r);
        }
    }

    #[test]
    fn plain_decimals_parse_exactly_as_the_standard_parser() {
        for text in [
            "0",
            "1",
            "-1",
            "+2.5",
            "631.228884",
            "0.1",
            "0.30000000000000004",
            "9007199254740992",
            "3994.199314",
            "1.",
            ".5",
            "-0.000001",
            "1234567890.123456",
        ] {
            let want: f64 = text.parse().unwrap();
            assert_eq!(parse_number(text.as_bytes()), Ok(want), "{text}");
        }
        for text in ["1e3", "nan", "1,5", "--1", "12345678901234567890", "1.2.3"] {
            assert_eq!(parse_plain_decimal(text.as_bytes()), None, "{text}");
        }
        assert!(parse_number(b"inf").is_err());
        assert_eq!(parse_number(b"1e3"), Ok(1000.0));
    }

    proptest::proptest! {
        #[test]
        fn any_plain_decimal_parses_as_the_standard_parser(
            int in 0u64..10_000_000_000, frac in 0u64..1_000_000_000, places in 0usize..10
        ) {
            let text = format!("{int}.{:0places$}", frac % 10u64.pow(places as u32));
            let want: f64 = text.parse().unwrap();
            proptest::prop_assert_eq!(parse_number(text.as_bytes()), Ok(want));
        }

        #[test]
        fn the_fast_reader_agrees_with_the_csv_reader_on_any_plain_file(
            rows in proptest::collection::vec(
                (0usize..4, 0u32..5000, proptest::bool::ANY, 0usize..3), 0..40),
            crlf in proptest::bool::ANY,
            bom in proptest::bool::ANY,
            final_newline in proptest::bool::ANY,
        ) {
            let nl = if crlf { "\r\n" } else { "\n" };
            let mut text = String::from(if bom { "\u{feff}" } else { "" });
            text.push_str("region,weight,x");
            for (region, w, bad, blanks) in &rows {
                text.push_str(nl);
                for _ in 0..*blanks { text.push_str(nl); }
                let region = ["east", "west", " north ", "东部"][*region];
                let weight = if *bad && w % 7 == 0 { "abc".to_string() } else { format!("{}.{}", w / 10, w % 10) };
                text.push_str(&format!("{region},{weight},z"));
            }
            if final_newline { text.push_str(nl); }
            same_as_csv_reader(&text, &req());
        }
    }

    #[test]
    fn margins_group_rows_by_margin_in_file_order() {
        let csv = "margin,level,N\nsex,F,3\nsex,M,2\nregion+sex,east|F,3\nregion+sex,east|M,2\n";
        let m = read_margins_csv(csv.as_bytes()).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].levels, ["F", "M"]);
        assert_eq!(m[1].name, "region+sex");
        assert_eq!(m[1].totals, [3.0, 2.0]);
    }

    #[test]
    fn a_duplicate_margin_cell_names_both_lines() {
        let csv = "margin,level,N\nsex,F,3\nsex,F,2\n";
        let e = read_margins_csv(csv.as_bytes()).unwrap_err();
        assert!(
            e.to_string().contains("第3行") && e.to_string().contains("第2行"),
            "{e}"
        );
    }

    #[test]
    fn a_joint_level_needs_one_part_per_variable() {
        let csv = "margin,level,N\nregion+sex,east,3\n";
        let e = read_margins_csv(csv.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("第2行"), "{e}");
    }
}
