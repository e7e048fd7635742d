//! The fast path for plain CSV files: no quoted fields (what survey software and Excel write for
//! codes and numbers). The file is read in blocks of whole lines; worker threads parse blocks
//! into typed columns with their own small dictionaries; blocks are merged back in file order, so
//! the result (row order, level order, numbers) is exactly the CSV reader's. The first `"` seen
//! anywhere sends the caller back to the general CSV reader.

use super::{Builder, CatBuilder, Request, check_width, decode, limits, locate_columns, trim};
use crate::error::{Result, SurveyError};
use crate::table::{Column, Table};
use kesu_workbook::WorkbookError;
use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Mutex;
use std::sync::mpsc;

/// Bytes handed to a worker at a time (tiny in tests, so that blocks end mid-file).
const BLOCK: usize = if cfg!(test) { 61 } else { 4 << 20 };

/// Why a block stopped.
enum Stop {
    /// A quote: the file needs the general CSV reader.
    Quoted,
    /// A bad cell: (local line, builder index, reason).
    Cell(u64, usize, String),
    /// A row with the wrong number of fields: (local line, fields).
    Fields(u64, usize),
    /// A line longer than the cap: (local line).
    Long(u64),
}

/// One parsed block.
struct Block {
    builders: Vec<Builder>,
    rows: usize,
    /// Lines in the block (its newlines, plus a final line without one).
    lines: u64,
    /// `(local row, local line)` of the first row and of every row after skipped blank lines.
    breaks: Vec<(usize, u64)>,
    stop: Option<Stop>,
}

/// Parse a block of whole lines. `field_map[f]` is the builder of field `f` (or none).
fn parse_block(
    buf: &[u8],
    field_map: &[Option<usize>],
    requests: &[Request],
    max_line: usize,
) -> Block {
    let mut builders: Vec<Builder> = requests.iter().map(|r| Builder::new(r.kind)).collect();
    let n_fields = field_map.len();
    let mut rows = 0usize;
    let mut line = 0u64;
    let mut breaks = Vec::new();
    let mut next_expected = u64::MAX;
    let mut stop = None;
    // One scan of the whole block for quotes (memchr-fast) instead of one per line.
    if buf.contains(&b'"') {
        return Block {
            builders,
            rows: 0,
            lines: 0,
            breaks,
            stop: Some(Stop::Quoted),
        };
    }
    let mut rest = buf;
    while !rest.is_empty() {
        let (raw, tail) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = tail;
        let this_line = line;
        line += 1;
        let text = raw.strip_suffix(b"\r").unwrap_or(raw);
        if text.is_empty() {
            continue; // blank lines are skipped, as the CSV reader does
        }
        if raw.len() > max_line {
            stop = Some(Stop::Long(this_line));
            break;
        }
        let mut field = 0usize;
        let mut failed = None;
        for part in text.split(|&b| b == b',') {
            if let Some(Some(b)) = field_map.get(field)
                && let Err(reason) = builders[*b].push_bytes(part)
            {
                failed = Some(Stop::Cell(this_line, *b, reason));
                break;
            }
            field += 1;
        }
        if failed.is_none() && field != n_fields {
            failed = Some(Stop::Fields(this_line, field));
        }
        if let Some(f) = failed {
            stop = Some(f);
            break;
        }
        if this_line != next_expected {
            breaks.push((rows, this_line));
        }
        next_expected = this_line + 1;
        rows += 1;
    }
    Block {
        builders,
        rows,
        lines: line,
        breaks,
        stop,
    }
}

/// Columns being assembled from blocks in file order.
struct Merge {
    numbers: Vec<Option<Vec<f64>>>,
    cats: Vec<Option<CatBuilder>>,
    table: Table,
    rows: usize,
    /// File line of the next block's first line.
    next_line: u64,
    /// Fields in the header.
    field_count: usize,
    /// Rows accepted at most ([`kesu_workbook::Limits::max_rows`]).
    max_rows: usize,
    /// Bytes in a line at most.
    max_line: usize,
}

impl Merge {
    fn add(&mut self, block: Block, requests: &[Request]) -> Result<Option<()>> {
        let start = self.next_line;
        match block.stop {
            None => {}
            Some(Stop::Quoted) => return Ok(None),
            Some(Stop::Cell(l, b, reason)) => {
                return Err(SurveyError::BadCell {
                    line: start + l,
                    column: requests[b].name.clone(),
                    reason,
                });
            }
            Some(Stop::Long(l)) => {
                return Err(WorkbookError::LineTooLong {
                    line: start + l,
                    limit: self.max_line,
                }
                .into());
            }
            Some(Stop::Fields(l, got)) => {
                let want = self.field_count;
                return Err(SurveyError::Csv {
                    line: start + l,
                    reason: format!(
                        "该行有 {got} 个字段，表头有 {want} 个 (row has {got} fields, header has {want})"
                    ),
                });
            }
        }
        if self.rows + block.rows > self.max_rows {
            return Err(WorkbookError::TooManyRows {
                limit: self.max_rows as u64,
            }
            .into());
        }
        for (r, l) in block.breaks {
            self.table.set_line(self.rows + r, start + l);
        }
        for (i, b) in block.builders.into_iter().enumerate() {
            match b {
                Builder::Number(v) => {
                    if let Some(col) = &mut self.numbers[i] {
                        col.extend_from_slice(&v);
                    }
                }
                Builder::Category(local) => {
                    if let Some(global) = &mut self.cats[i] {
                        let remap: Vec<u32> = local.raw.iter().map(|l| global.intern(l)).collect();
                        global
                            .codes
                            .extend(local.codes.iter().map(|&c| remap[c as usize]));
                    }
                }
            }
        }
        self.rows += block.rows;
        self.next_line = start + block.lines;
        Ok(Some(()))
    }
}

/// Read a quote-free CSV with worker threads. `Ok(None)`: the file has quotes, use the general
/// reader instead.
pub(super) fn read<R: Read>(mut reader: R, requests: &[Request]) -> Result<Option<Table>> {
    // Header: the first line.
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK + 4096);
    let limits = limits();
    let mut eof = fill(&mut reader, &mut buf, 64 * 1024)?;
    let header_end = loop {
        if let Some(i) = buf.iter().position(|&b| b == b'\n') {
            break i;
        }
        if eof {
            break buf.len();
        }
        if buf.len() > limits.max_line_bytes {
            return Err(WorkbookError::LineTooLong {
                line: 1,
                limit: limits.max_line_bytes,
            }
            .into());
        }
        let target = buf.len() + 64 * 1024;
        eof = fill(&mut reader, &mut buf, target)?;
    };
    let header_line = &buf[..header_end];
    let header_line = header_line.strip_suffix(b"\r").unwrap_or(header_line);
    if header_line.contains(&b'"') {
        return Ok(None);
    }
    if trim(header_line).is_empty() && eof && header_end == buf.len() {
        return Err(SurveyError::NoHeader);
    }
    let header: Vec<String> = header_line
        .split(|&b| b == b',')
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
    check_width(header.len(), &limits)?;
    let idx = locate_columns(&header, requests)?;
    let mut field_map: Vec<Option<usize>> = vec![None; header.len()];
    for (b, &f) in idx.iter().enumerate() {
        field_map[f] = Some(b);
    }
    buf.drain(..(header_end + 1).min(buf.len()));

    let mut merge = Merge {
        numbers: requests
            .iter()
            .map(|r| matches!(r.kind, crate::rule::ColumnKind::Number).then(Vec::new))
            .collect(),
        cats: requests
            .iter()
            .map(|r| matches!(r.kind, crate::rule::ColumnKind::Category).then(CatBuilder::default))
            .collect(),
        table: Table::new(0),
        rows: 0,
        next_line: 2,
        field_count: header.len(),
        max_rows: limits.max_rows as usize,
        max_line: limits.max_line_bytes,
    };

    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    let (job_tx, job_rx) = mpsc::sync_channel::<(usize, Vec<u8>)>(workers);
    let job_rx = Mutex::new(job_rx);
    // Results come back with their buffer, which is reused for a later block: allocating a fresh
    // 4 MB buffer per block cost as much kernel time (page faults) as the parsing saved.
    let (res_tx, res_rx) = mpsc::channel::<(usize, Block, Vec<u8>)>();
    let field_map = &field_map;
    let max_line = limits.max_line_bytes;
    let mut long_line = false;
    let outcome: Result<Option<()>> = std::thread::scope(|s| {
        for _ in 0..workers {
            let res_tx = res_tx.clone();
            let job_rx = &job_rx;
            s.spawn(move || {
                loop {
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => break,
                    };
                    let Ok((i, block)) = job else { break };
                    let parsed = parse_block(&block, field_map, requests, max_line);
                    if res_tx.send((i, parsed, block)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(res_tx);
        let mut pending: BTreeMap<usize, Block> = BTreeMap::new();
        let mut spare: Vec<Vec<u8>> = Vec::new();
        let mut next = 0usize;
        let mut sent = 0usize;
        let mut status: Result<Option<()>> = Ok(Some(()));
        // Merge every block that is next in file order.
        let mut drain = |pending: &mut BTreeMap<usize, Block>,
                         next: &mut usize,
                         status: &mut Result<Option<()>>| {
            while let Some(block) = pending.remove(next) {
                *next += 1;
                if matches!(status, Ok(Some(()))) {
                    *status = merge.add(block, requests);
                }
            }
        };
        loop {
            // Cut the buffer after its last newline; the tail starts the next block.
            if !eof && buf.len() < BLOCK {
                match fill(&mut reader, &mut buf, BLOCK) {
                    Ok(e) => eof = e,
                    Err(e) => {
                        status = Err(e);
                        break;
                    }
                }
            }
            let cut = if eof {
                buf.len()
            } else {
                match buf.iter().rposition(|&b| b == b'\n') {
                    Some(i) => i + 1,
                    // A line longer than the cap: stop; it starts where the merged blocks end.
                    None if buf.len() > limits.max_line_bytes => {
                        long_line = true;
                        break;
                    }
                    // A single line longer than a block: keep reading.
                    None => {
                        let target = buf.len() + BLOCK;
                        match fill(&mut reader, &mut buf, target) {
                            Ok(e) => eof = e,
                            Err(e) => {
                                status = Err(e);
                                break;
                            }
                        }
                        continue;
                    }
                }
            };
            if cut > 0 {
                let mut tail = spare.pop().unwrap_or_default();
                tail.clear();
                tail.extend_from_slice(&buf[cut..]);
                buf.truncate(cut);
                let block = std::mem::replace(&mut buf, tail);
                if job_tx.send((sent, block)).is_err() {
                    break;
                }
                sent += 1;
            }
            while let Ok((i, b, used)) = res_rx.try_recv() {
                pending.insert(i, b);
                spare.push(used);
            }
            drain(&mut pending, &mut next, &mut status);
            if eof && buf.is_empty() {
                break;
            }
            if !matches!(status, Ok(Some(()))) {
                break;
            }
        }
        drop(job_tx);
        while next < sent {
            match res_rx.recv() {
                Ok((i, b, _)) => {
                    pending.insert(i, b);
                    drain(&mut pending, &mut next, &mut status);
                }
                Err(_) => break,
            }
        }
        status
    });
    if outcome?.is_none() {
        return Ok(None);
    }
    if long_line {
        return Err(WorkbookError::LineTooLong {
            line: merge.next_line,
            limit: limits.max_line_bytes,
        }
        .into());
    }
    if merge.rows == 0 {
        return Err(SurveyError::NoRows);
    }
    let mut table = merge.table;
    table.set_rows(merge.rows);
    for (i, r) in requests.iter().enumerate() {
        let col = match (merge.numbers[i].take(), merge.cats[i].take()) {
            (Some(v), _) => Column::Number(v),
            (None, Some(c)) => Column::Category(c.finish(&r.name)),
            (None, None) => continue,
        };
        table.push(r.name.clone(), col)?;
    }
    Ok(Some(table))
}

/// Read until `buf` holds `target` bytes or the input ends; true at the end of input.
fn fill<R: Read>(reader: &mut R, buf: &mut Vec<u8>, target: usize) -> Result<bool> {
    let mut filled = buf.len();
    if filled >= target {
        return Ok(false);
    }
    buf.resize(target, 0);
    while filled < target {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => {
                buf.truncate(filled);
                return Ok(true);
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                buf.truncate(filled);
                return Err(e.into());
            }
        }
    }
    Ok(false)
}
