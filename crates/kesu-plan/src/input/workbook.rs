//! Excel workbooks (.xlsx): a 任务分解表 kept in Excel, Kesu's own export among them. Each sheet
//! becomes a table (its rows in order, merged cells filled with the text of their first cell),
//! preceded by the lines above its header (a title row) as paragraphs; the workbook's title
//! (docProps) comes first, for the plan's name, region and period.
//!
//! Bounded by what is really in the file: `kesu-workbook` checks the archive and its XML parts
//! (entries, declared sizes, compression ratio, depth) before anything is read and streams the
//! cells with caps (never calamine's `worksheet_range`); the merged ranges are read here from
//! the checked sheet parts, and the text that merged cells copy counts against a cap of its own.

use super::{Block, Document};
use crate::PlanError;
use kesu_workbook::{Archive, Limits, Workbook, WorkbookError};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::collections::{BTreeMap, HashMap};
use std::io::BufReader;

/// Most sheets read.
pub const MAX_SHEETS: u64 = 64;
/// Most rows of a sheet (a task table has tens to hundreds): a cell below is refused.
pub const MAX_ROWS: u32 = 20_000;
/// Columns past this one are ignored (a task table has fewer than a dozen).
pub const MAX_COLS: u32 = 64;
/// Most cells with a value in one sheet.
pub const MAX_CELLS: u64 = 500_000;
/// Most text in the whole workbook, merged cells' copies included: 32 MB.
pub const MAX_TEXT_BYTES: usize = 32 * 1024 * 1024;
/// Most merged ranges of a sheet.
pub const MAX_MERGES: usize = 20_000;

/// The caps handed to `kesu-workbook`.
fn limits() -> Limits {
    Limits {
        max_file_bytes: super::MAX_INPUT_BYTES as u64,
        max_sheets: MAX_SHEETS,
        max_rows: MAX_ROWS,
        max_cells: MAX_CELLS,
        ..Limits::default()
    }
}

fn bad(msg: String) -> PlanError {
    PlanError::BadWorkbook(msg)
}

fn from_workbook(e: WorkbookError) -> PlanError {
    bad(e.to_string())
}

/// Read a workbook into a document: per sheet, its lines above the table and the table.
pub(super) fn read(bytes: &[u8]) -> Result<Document, PlanError> {
    let limits = limits();
    let mut book = Workbook::open(bytes, &limits).map_err(from_workbook)?;
    let mut archive = Archive::open(bytes, &limits).map_err(from_workbook)?;
    let merges = merged_ranges(&mut archive)?;
    let mut blocks = Vec::new();
    if let Some(t) = doc_title(&mut archive) {
        blocks.push(Block::Paragraph(t));
    }
    let mut budget = Budget::default();
    let names: Vec<String> = book.sheet_names().to_vec();
    for name in names {
        let ranges = merges.get(&name).map_or(&[][..], Vec::as_slice);
        let rows = sheet_rows(&mut book, &name, ranges, &mut budget)?;
        if rows.is_empty() {
            continue;
        }
        blocks.extend(sheet_blocks(&name, rows));
    }
    Ok(Document { blocks })
}

#[derive(Default)]
struct Budget {
    text: usize,
}

impl Budget {
    fn take(&mut self, sheet: &str, text: usize) -> Result<(), PlanError> {
        self.text += text;
        if self.text > MAX_TEXT_BYTES {
            return Err(bad(format!(
                "工作表「{sheet}」：文字超过 {} MB（含合并单元格的重复），不像是任务分解表 (too much text)",
                MAX_TEXT_BYTES / (1024 * 1024)
            )));
        }
        Ok(())
    }
}

/// A merged range: (first row, first column), (last row, last column), zero-based.
type Range = ((u32, u32), (u32, u32));

/// The rows of a sheet (dense, up to the last column with text), merged cells filled.
fn sheet_rows(
    book: &mut Workbook<'_>,
    name: &str,
    merges: &[Range],
    budget: &mut Budget,
) -> Result<Vec<Vec<String>>, PlanError> {
    let mut cells: BTreeMap<u32, BTreeMap<u32, String>> = BTreeMap::new();
    {
        let mut reader = book.cells(name).map_err(from_workbook)?;
        while let Some(cell) = reader.next_cell().map_err(from_workbook)? {
            if cell.col >= MAX_COLS {
                continue;
            }
            let text = cell.value.to_string();
            if text.trim().is_empty() {
                continue;
            }
            budget.take(name, text.len())?;
            cells.entry(cell.row).or_default().insert(cell.col, text);
        }
    }
    let Some(&last) = cells.keys().next_back() else {
        return Ok(Vec::new());
    };
    // A merged range shows its first cell's text over the whole range: each row it covers
    // gets it (a 牵头单位 merged down over several tasks leads each of them). Only the rows
    // that hold text are filled, so a range as large as the sheet costs nothing.
    for &((top, left), (bottom, right)) in merges {
        let Some(text) = cells.get(&top).and_then(|r| r.get(&left)).cloned() else {
            continue;
        };
        let rows: Vec<u32> = cells
            .range(top..=bottom.min(last))
            .map(|(r, _)| *r)
            .collect();
        for r in rows {
            for c in left..=right.min(MAX_COLS - 1) {
                // Down the first column; across only on the first row (a title merged across
                // the sheet is one cell per column of that row).
                if (r, c) == (top, left) || (r != top && c != left) {
                    continue;
                }
                if let std::collections::btree_map::Entry::Vacant(slot) =
                    cells.entry(r).or_default().entry(c)
                {
                    budget.take(name, text.len())?;
                    slot.insert(text.clone());
                }
            }
        }
    }
    let width = cells
        .values()
        .filter_map(|r| r.keys().next_back())
        .max()
        .map_or(0, |c| *c as usize + 1);
    Ok(cells
        .into_values()
        .map(|r| {
            let mut row = vec![String::new(); width];
            for (c, t) in r {
                if let Some(slot) = row.get_mut(c as usize) {
                    *slot = t;
                }
            }
            row
        })
        .collect())
}

/// An attribute's value by local name.
fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes().with_checks(false).flatten().find_map(|a| {
        let key = a.key.0;
        (key.rsplit(':').next() == Some(name))
            .then(|| {
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .ok()
                    .map(|v| v.into_owned())
            })
            .flatten()
    })
}

/// Whether a tag's local name is `name`.
fn is(e: &BytesStart<'_>, name: &str) -> bool {
    e.name().0.rsplit(':').next() == Some(name)
}

/// Stream one XML part of the (already checked) archive through `f`, for each start tag.
fn each_tag(
    archive: &mut Archive<'_>,
    part: &str,
    mut f: impl FnMut(&BytesStart<'_>) -> Result<(), PlanError>,
) -> Result<bool, PlanError> {
    let Some(r) = archive.reader(part).map_err(from_workbook)? else {
        return Ok(false);
    };
    let mut reader = Reader::from_reader(BufReader::new(r));
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => f(&e)?,
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(bad(format!("{part} 不是有效的 XML ({e})"))),
        }
        buf.clear();
    }
    Ok(true)
}

/// The merged ranges of each sheet, by sheet name: `xl/workbook.xml` names the sheets, its
/// relationships give their parts, each part lists its `mergeCell`s.
fn merged_ranges(archive: &mut Archive<'_>) -> Result<HashMap<String, Vec<Range>>, PlanError> {
    let mut sheets: Vec<(String, String)> = Vec::new();
    each_tag(archive, "xl/workbook.xml", |e| {
        if is(e, "sheet")
            && let (Some(name), Some(id)) = (attr(e, "name"), attr(e, "id"))
        {
            sheets.push((name, id));
        }
        Ok(())
    })?;
    let mut targets: HashMap<String, String> = HashMap::new();
    each_tag(archive, "xl/_rels/workbook.xml.rels", |e| {
        if is(e, "Relationship")
            && let (Some(id), Some(target)) = (attr(e, "Id"), attr(e, "Target"))
        {
            targets.insert(id, target);
        }
        Ok(())
    })?;
    let mut out = HashMap::new();
    for (name, id) in sheets.into_iter().take(MAX_SHEETS as usize) {
        let Some(target) = targets.get(&id) else {
            continue;
        };
        let part = match target.strip_prefix('/') {
            Some(absolute) => absolute.to_string(),
            None => format!("xl/{target}"),
        };
        let mut ranges = Vec::new();
        each_tag(archive, &part, |e| {
            if is(e, "mergeCell")
                && let Some(r) = attr(e, "ref").and_then(|r| parse_range(&r))
            {
                if ranges.len() >= MAX_MERGES {
                    return Err(bad(format!(
                        "工作表「{name}」：合并区域超过 {MAX_MERGES} 个 (too many merged ranges)"
                    )));
                }
                ranges.push(r);
            }
            Ok(())
        })?;
        out.insert(name, ranges);
    }
    Ok(out)
}

/// "B3:C7" → ((2, 1), (6, 2)); a single cell "B3" is a range of one.
fn parse_range(r: &str) -> Option<Range> {
    let (a, b) = r.split_once(':').unwrap_or((r, r));
    let (a, b) = (parse_cell(a)?, parse_cell(b)?);
    Some(((a.0.min(b.0), a.1.min(b.1)), (a.0.max(b.0), a.1.max(b.1))))
}

/// "B3" → (2, 1), zero-based row and column.
fn parse_cell(c: &str) -> Option<(u32, u32)> {
    let c = c.trim().trim_start_matches('$');
    let split = c.find(|ch: char| ch.is_ascii_digit())?;
    let (letters, digits) = c.split_at(split);
    let letters = letters.trim_end_matches('$');
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let mut col = 0u32;
    for ch in letters.chars() {
        let d = u32::from(ch.to_ascii_uppercase()).checked_sub(u32::from('A'))?;
        if d >= 26 {
            return None;
        }
        col = col * 26 + d + 1;
    }
    let row: u32 = digits.parse().ok()?;
    Some((row.checked_sub(1)?, col - 1))
}

/// A sheet's blocks: rows above its table with text in one cell only (a title, a note) as
/// paragraphs; the rest as the table. A sheet named with a numbering label ("一、青少年…")
/// heads its table.
fn sheet_blocks(name: &str, rows: Vec<Vec<String>>) -> Vec<Block> {
    let mut out = Vec::new();
    let labelled = name
        .trim_start()
        .starts_with(|c: char| "一二三四五六七八九十（(".contains(c));
    if labelled {
        out.push(Block::Paragraph(name.trim().to_string()));
    }
    let lead = rows
        .iter()
        .take_while(|r| r.iter().filter(|c| !c.trim().is_empty()).count() <= 1)
        .count()
        .min(3);
    let mut rows = rows;
    let table = rows.split_off(lead.min(rows.len().saturating_sub(1)));
    for r in rows {
        if let Some(t) = r.into_iter().find(|c| !c.trim().is_empty()) {
            out.push(Block::Paragraph(t));
        }
    }
    out.push(Block::Table(table));
    out
}

/// The workbook's title from `docProps/core.xml` (`dc:title`), if set.
fn doc_title(archive: &mut Archive<'_>) -> Option<String> {
    let bytes = archive.read("docProps/core.xml").ok()??;
    let mut reader = Reader::from_reader(bytes.as_slice());
    let mut buf = Vec::new();
    let mut in_title = false;
    let mut title = String::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) if is(&e, "title") => in_title = true,
            Event::End(e) if e.name().0.rsplit(':').next() == Some("title") => break,
            Event::Text(t) if in_title => title.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_title => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    title.push(c);
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&r) {
                    title.push_str(s);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    let t = title.trim().to_string();
    (!t.is_empty()).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references_read_as_zero_based_positions() {
        assert_eq!(parse_cell("A1"), Some((0, 0)));
        assert_eq!(parse_cell("$C$7"), Some((6, 2)));
        assert_eq!(parse_cell("XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(parse_cell("A0"), None);
        assert_eq!(parse_range("B3:C7"), Some(((2, 1), (6, 2))));
        assert_eq!(parse_range("C7:B3"), Some(((2, 1), (6, 2))));
    }
}
