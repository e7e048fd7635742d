//! A task table in `pdftotext -layout` text: a header line naming its columns (序号 重点任务 具体措施
//! 牵头单位 …), then rows whose cells wrap over several lines, each piece of text standing under
//! the header of its column. A row starts at a line numbered in the first column; text between
//! two numbered rows with no number of its own belongs to cells merged over several rows (a 牵头单位
//! shared by the measures of one action, printed once, half-way down the merge) and is shared by
//! the rows around it that have nothing in that column.
//!
//! Best effort: `-layout` places text by approximate character columns, and a cell's text may
//! drift a column or two; each piece goes to the header whose start is nearest.

use crate::structure::{is_paragraph_start, is_task_header};

/// A piece of a line: its first column and its text.
type Piece<'a> = (usize, &'a str);

/// The pieces of a line: runs of text separated by one or more spaces.
fn pieces(line: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut start: Option<(usize, usize)> = None;
    for (col, (byte, c)) in line.char_indices().enumerate() {
        match (c == ' ', start) {
            (true, Some((sc, sb))) => {
                out.push((sc, line.get(sb..byte).unwrap_or("")));
                start = None;
            }
            (false, None) => start = Some((col, byte)),
            _ => {}
        }
    }
    if let Some((sc, sb)) = start {
        out.push((sc, line.get(sb..).unwrap_or("")));
    }
    out
}

/// The column a piece starting at `col` stands under.
fn column_of(starts: &[usize], col: usize) -> usize {
    // The last column that starts at or before the piece, allowing two columns of drift.
    starts.iter().rposition(|&s| s <= col + 2).unwrap_or(0)
}

/// Whether a line names the columns of a task table.
pub(super) fn is_header_line(line: &str) -> bool {
    let p = pieces(line);
    p.len() >= 3 && is_task_header(&p.iter().map(|(_, t)| (*t).to_string()).collect::<Vec<_>>())
}

/// The table whose header is `lines[0]`: its rows (header first) and how many lines it takes.
pub(super) fn at(lines: &[&str]) -> Option<(Vec<Vec<String>>, usize)> {
    let header = pieces(lines.first()?);
    if header.len() < 3 {
        return None;
    }
    let names: Vec<String> = header.iter().map(|(_, t)| (*t).to_string()).collect();
    if !is_task_header(&names) {
        return None;
    }
    let starts: Vec<usize> = header.iter().map(|(c, _)| *c).collect();
    let width = starts.len();
    let first_end = starts.get(1).copied().unwrap_or(usize::MAX);
    // The table's lines: up to a line of running text that crosses the first column (a
    // paragraph after the table) or the end of the page.
    let mut taken = 1;
    for line in lines.iter().skip(1) {
        let p = pieces(line);
        // A long line of running text, or a numbered heading alone on its line.
        let paragraph = matches!(p.as_slice(), [(c, t)] if *c < first_end
            && (t.chars().count() > 2 * first_end.max(4) || is_paragraph_start(t)));
        if paragraph {
            break;
        }
        taken += 1;
    }
    // Lines as (line index, cells).
    let mut cells_of: Vec<Vec<String>> = Vec::new();
    let mut numbered: Vec<bool> = Vec::new();
    for line in lines.iter().take(taken).skip(1) {
        let mut cells = vec![String::new(); width];
        for (col, text) in pieces(line) {
            if let Some(cell) = cells.get_mut(column_of(&starts, col)) {
                cell.push_str(text);
            }
        }
        let no = cells.first().map(|c| c.trim()).unwrap_or("");
        numbered.push(!no.is_empty() && no.chars().all(|c| c.is_ascii_digit()));
        cells_of.push(cells);
    }
    let mut rows_at: Vec<usize> = (0..numbered.len())
        .filter(|&k| numbered.get(k).copied().unwrap_or(false))
        .collect();
    // A table without numbers: each block of lines between blank lines is a row (its first
    // line stands for it).
    if rows_at.is_empty() {
        let blank_at = |k: usize| {
            cells_of
                .get(k)
                .is_none_or(|c| c.iter().all(|x| x.is_empty()))
        };
        rows_at = (0..cells_of.len())
            .filter(|&k| !blank_at(k) && (k == 0 || blank_at(k - 1)))
            .collect();
    }
    if rows_at.is_empty() {
        return None;
    }
    // Each line goes to the nearest numbered line of its block (lines between blank lines);
    // a block without a number is merged cells, kept apart to be shared.
    let blank = |k: usize| {
        cells_of
            .get(k)
            .is_none_or(|c| c.iter().all(|x| x.is_empty()))
    };
    let mut rows: Vec<Vec<String>> = vec![vec![String::new(); width]; rows_at.len()];
    // Merged text between rows, as (line index, column, text).
    let mut shared: Vec<(usize, usize, String)> = Vec::new();
    let mut k = 0;
    while k < cells_of.len() {
        if blank(k) {
            k += 1;
            continue;
        }
        let start = k;
        while k < cells_of.len() && !blank(k) {
            k += 1;
        }
        let in_block: Vec<usize> = rows_at
            .iter()
            .enumerate()
            .filter(|(_, at)| (start..k).contains(*at))
            .map(|(r, _)| r)
            .collect();
        for line in start..k {
            let Some(cells) = cells_of.get(line) else {
                continue;
            };
            let nearest = in_block
                .iter()
                .min_by_key(|&&r| rows_at.get(r).map_or(usize::MAX, |at| at.abs_diff(line)))
                .copied();
            for (c, text) in cells.iter().enumerate() {
                if text.is_empty() {
                    continue;
                }
                match nearest {
                    Some(r) => {
                        if let Some(cell) = rows.get_mut(r).and_then(|row| row.get_mut(c)) {
                            cell.push_str(text);
                        }
                    }
                    None => match shared.last_mut() {
                        Some(s) if s.1 == c && line.saturating_sub(s.0) <= 2 => {
                            s.2.push_str(text);
                            s.0 = line;
                        }
                        _ => shared.push((line, c, text.clone())),
                    },
                }
            }
        }
    }
    // Cells merged over several rows: an empty cell takes the text of the nearest filled one
    // of its column (by line), whether in a row or between rows. The number and the measures
    // (the widest column) are each row's own.
    let widest = (0..width)
        .max_by_key(|&c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, String::len))
                .sum::<usize>()
        })
        .unwrap_or(0);
    let original = rows.clone();
    for (r, row) in rows.iter_mut().enumerate() {
        let at = rows_at.get(r).copied().unwrap_or(0);
        for (c, cell) in row.iter_mut().enumerate() {
            if c == 0 || c == widest || !cell.is_empty() {
                continue;
            }
            let from_rows = original.iter().enumerate().filter_map(|(o, other)| {
                let text = other.get(c).filter(|t| !t.is_empty())?;
                Some((rows_at.get(o).copied()?.abs_diff(at), text.clone()))
            });
            let from_shared = shared
                .iter()
                .filter(|s| s.1 == c)
                .map(|s| (s.0.abs_diff(at), s.2.clone()));
            if let Some((_, text)) = from_rows.chain(from_shared).min_by_key(|(d, _)| *d) {
                *cell = text;
            }
        }
    }
    let mut out = vec![names];
    out.extend(rows);
    Some((out, taken))
}
