//! Task tables written as lines of text: a table copied out of Word or a web page into a text
//! file keeps a row a line and its cells separated by tabs ("序号\t重点任务\t责任单位\t完成时限").
//! Such lines, from a header line naming the columns of a task table on, are read as a table,
//! so that an attached 重点任务清单 gives its rows as tasks whatever the file type; other runs of
//! lines of three or more cells are tables too (not of tasks).

use super::labels;
use super::table;
use crate::Block;

/// A table found among the paragraphs.
pub(super) struct TextTable {
    pub rows: Vec<Vec<String>>,
    /// For each row, the index (from the header's block) of the block it starts in.
    pub row_blocks: Vec<usize>,
    /// How many blocks the table takes, from its header on.
    pub blocks: usize,
}

/// The cells of a line split at its tabs, trimmed; `None` unless there are two or more.
fn cells(line: &str) -> Option<Vec<String>> {
    if !line.contains('\t') {
        return None;
    }
    let cells: Vec<String> = line
        .trim_matches(|c: char| c == '\n' || c == '\r')
        .split('\t')
        .map(|c| c.trim_matches(|c: char| c.is_whitespace()).to_string())
        .collect();
    (cells.iter().filter(|c| !c.is_empty()).count() >= 2).then_some(cells)
}

/// The table whose header line is `blocks[0]`, if that line is the header of a task table.
pub(super) fn at(blocks: &[Block]) -> Option<TextTable> {
    let Some(Block::Paragraph(first)) = blocks.first() else {
        return None;
    };
    let header = cells(first)?;
    // Lines of three or more cells under a header that is not a task table's are a table all
    // the same (a table of indicators, say): read as one, it is kept out of the text and the
    // reader can say it did not take it for tasks.
    if !table::is_header(&header) {
        let wide = |b: Option<&Block>| match b {
            Some(Block::Paragraph(p)) => cells(p).is_some_and(|c| c.len() >= 3),
            _ => false,
        };
        if !(header.len() >= 3 && wide(blocks.get(1))) {
            return None;
        }
    }
    let width = header.len();
    let mut rows = vec![header];
    let mut row_blocks = vec![0];
    let mut taken = 1;
    let next_row_at = |from: usize| {
        blocks.iter().skip(from).find_map(|b| match b {
            Block::Paragraph(p) if p.trim().is_empty() => None,
            Block::Paragraph(p) => Some(cells(p).is_some()),
            Block::Table(_) => Some(false),
        }) == Some(true)
    };
    for (k, block) in blocks.iter().enumerate().skip(1) {
        let Block::Paragraph(line) = block else { break };
        if line.trim().is_empty() {
            if next_row_at(k + 1) {
                taken = k + 1;
                continue;
            }
            break;
        }
        if let Some(mut row) = cells(line) {
            if row.len() > width {
                let rest = row.split_off(width - 1).join(" ");
                row.push(rest);
            }
            row.resize(width, String::new());
            rows.push(row);
            row_blocks.push(k);
            taken = k + 1;
            continue;
        }
        let text = line.trim();
        // A group heading inside the table ("一、青少年科学素质提升行动") is a row of one cell.
        if text.chars().count() <= 40 && labels::starts_with_label(text) {
            let mut row = vec![String::new(); width];
            if let Some(c) = row.first_mut() {
                *c = text.to_string();
            }
            rows.push(row);
            row_blocks.push(k);
            taken = k + 1;
            continue;
        }
        // A cell's second line (a cell with a line break) before more rows: part of the
        // previous row's longest cell.
        if rows.len() > 1 && next_row_at(k + 1) {
            if let Some(cell) = rows
                .last_mut()
                .and_then(|r| r.iter_mut().max_by_key(|c| c.len()))
            {
                cell.push_str(text);
            }
            taken = k + 1;
            continue;
        }
        break;
    }
    (rows.len() > 1).then_some(TextTable {
        rows,
        row_blocks,
        blocks: taken,
    })
}
