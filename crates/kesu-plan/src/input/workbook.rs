//! Excel workbooks (.xlsx): a 任务分解表 kept in Excel, Kesu's own export among them. Each sheet
//! becomes a table (its rows in order, merged cells filled with the text of their first cell),
//! preceded by the lines above its header (a title row) as paragraphs; the workbook's title
//! (docProps) comes first, for the plan's name, region and period.
//!
//! Bounded by what is really in the file: the zip's entries and declared sizes are checked
//! before calamine opens it (zip ≥ 9.0.1 refuses to read past a declared size), cells are
//! streamed with `worksheet_cells_reader` (never `worksheet_range`, which allocates the whole
//! declared area), and rows, columns, cells, merges and text have caps.
//
// Note: issue 10's shared bounded workbook reader (`kesu-workbook`) had not landed when this was
// written; once it has, its zip checks replace `check_zip` here.

use super::{Block, Document};
use crate::PlanError;
use calamine::{DataRef, Reader, Xlsx};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

/// Most zip entries a workbook may have (a real one has a few dozen).
pub const MAX_ENTRIES: usize = 2_000;
/// Largest declared size of one part (sheet, shared strings): 64 MB.
pub const MAX_PART_BYTES: u64 = 64 * 1024 * 1024;
/// Largest declared size of all parts together: 256 MB.
pub const MAX_TOTAL_BYTES: u64 = 256 * 1024 * 1024;
/// Most sheets read.
pub const MAX_SHEETS: usize = 64;
/// Most rows of a sheet (a task table has tens to hundreds).
pub const MAX_ROWS: u32 = 20_000;
/// Columns past this one are ignored (a task table has fewer than a dozen).
pub const MAX_COLS: u32 = 64;
/// Most cells with a value in the whole workbook.
pub const MAX_CELLS: usize = 500_000;
/// Most text in the whole workbook, merged cells' copies included: 32 MB.
pub const MAX_TEXT_BYTES: usize = 32 * 1024 * 1024;
/// Most merged ranges of a sheet.
pub const MAX_MERGES: usize = 20_000;

fn bad(msg: String) -> PlanError {
    PlanError::BadWorkbook(msg)
}

/// Refuse a zip whose entries or declared sizes are beyond what a workbook has.
pub(super) fn check_zip(bytes: &[u8]) -> Result<(), PlanError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| bad(format!("无法打开压缩包 ({e})")))?;
    if zip.len() > MAX_ENTRIES {
        return Err(bad(format!(
            "压缩包含 {} 个文件，超过 {MAX_ENTRIES} 个上限 (too many zip entries)",
            zip.len()
        )));
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| bad(format!("压缩包已损坏 ({e})")))?;
        if entry.size() > MAX_PART_BYTES {
            return Err(bad(format!(
                "{} 解压后 {} MB，超过 {} MB 上限，疑似压缩炸弹 (part too large)",
                entry.name().unwrap_or_default(),
                entry.size() / (1024 * 1024),
                MAX_PART_BYTES / (1024 * 1024)
            )));
        }
        total = total.saturating_add(entry.size());
    }
    if total > MAX_TOTAL_BYTES {
        return Err(bad(format!(
            "解压后共 {} MB，超过 {} MB 上限，疑似压缩炸弹 (decompressed size over the limit)",
            total / (1024 * 1024),
            MAX_TOTAL_BYTES / (1024 * 1024)
        )));
    }
    Ok(())
}

/// The text of a cell as a person reads it.
fn text_of(v: &DataRef<'_>) -> String {
    match v {
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => kesu_core::plan::fmt_num(*f),
        DataRef::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::DateTime(d) => d.as_f64().to_string(),
        DataRef::Error(_) | DataRef::Empty => String::new(),
    }
}

/// Read a workbook into a document: per sheet, its lines above the table and the table.
pub(super) fn read(bytes: &[u8]) -> Result<Document, PlanError> {
    check_zip(bytes)?;
    let title = doc_title(bytes);
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| bad(format!("无法读取 Excel 工作簿 ({e})")))?;
    let mut blocks = Vec::new();
    if let Some(t) = title {
        blocks.push(Block::Paragraph(t));
    }
    let mut budget = Budget::default();
    let names: Vec<String> = book.sheet_names().into_iter().take(MAX_SHEETS).collect();
    for name in names {
        let rows = sheet_rows(&mut book, &name, &mut budget)?;
        if rows.is_empty() {
            continue;
        }
        blocks.extend(sheet_blocks(&name, rows));
    }
    Ok(Document { blocks })
}

#[derive(Default)]
struct Budget {
    cells: usize,
    text: usize,
}

impl Budget {
    fn take(&mut self, sheet: &str, text: usize) -> Result<(), PlanError> {
        self.cells += 1;
        self.text += text;
        if self.cells > MAX_CELLS {
            return Err(bad(format!(
                "工作表「{sheet}」：单元格超过 {MAX_CELLS} 个，不像是任务分解表 (too many cells)"
            )));
        }
        if self.text > MAX_TEXT_BYTES {
            return Err(bad(format!(
                "工作表「{sheet}」：文字超过 {} MB（含合并单元格的重复），不像是任务分解表 (too much text)",
                MAX_TEXT_BYTES / (1024 * 1024)
            )));
        }
        Ok(())
    }
}

/// The rows of a sheet (dense, up to the last column with text), merged cells filled.
fn sheet_rows(
    book: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    budget: &mut Budget,
) -> Result<Vec<Vec<String>>, PlanError> {
    let sheet_err = |e: calamine::XlsxError| bad(format!("工作表「{name}」无法读取 ({e})"));
    let mut cells: BTreeMap<u32, BTreeMap<u32, String>> = BTreeMap::new();
    {
        let mut reader = book.worksheet_cells_reader(name).map_err(sheet_err)?;
        while let Some(cell) = reader.next_cell().map_err(sheet_err)? {
            let (row, col) = cell.get_position();
            if row >= MAX_ROWS {
                return Err(bad(format!(
                    "工作表「{name}」第 {} 行：超过 {MAX_ROWS} 行，不像是任务分解表 (too many rows)",
                    row + 1
                )));
            }
            if col >= MAX_COLS {
                continue;
            }
            let text = text_of(cell.get_value());
            if text.trim().is_empty() {
                continue;
            }
            budget.take(name, text.len())?;
            cells.entry(row).or_default().insert(col, text);
        }
    }
    let Some(&last) = cells.keys().next_back() else {
        return Ok(Vec::new());
    };
    let merges = book.merge_cells_by_sheet_name(name).map_err(sheet_err)?;
    if merges.len() > MAX_MERGES {
        return Err(bad(format!(
            "工作表「{name}」：合并区域超过 {MAX_MERGES} 个 (too many merged ranges)"
        )));
    }
    // A merged range shows its first cell's text over the whole range: each row it covers
    // gets it (a 牵头单位 merged down over several tasks leads each of them). Only the rows
    // and columns that hold text are filled, so a range as large as the sheet costs nothing.
    for m in &merges {
        let (top, left) = m.start;
        let (bottom, right) = m.end;
        let Some(text) = cells.get(&top).and_then(|r| r.get(&left)).cloned() else {
            continue;
        };
        let rows: Vec<u32> = cells
            .range(top..=bottom.min(last))
            .map(|(r, _)| *r)
            .collect();
        for r in rows {
            for c in left..=right.min(MAX_COLS - 1) {
                if (r, c) == (top, left) {
                    continue;
                }
                // Horizontal copies only on the range's first row: a title merged across the
                // sheet stays one cell per column under a header it would otherwise fill.
                if r != top && c != left {
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
fn doc_title(bytes: &[u8]) -> Option<String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let mut xml = String::new();
    zip.by_name("docProps/core.xml")
        .ok()?
        .take(64 * 1024)
        .read_to_string(&mut xml)
        .ok()?;
    let start = xml.find("<dc:title>")? + "<dc:title>".len();
    let end = start + xml.get(start..)?.find("</dc:title>")?;
    let t = quick_xml::escape::unescape(xml.get(start..end)?)
        .ok()?
        .trim()
        .to_string();
    (!t.is_empty()).then_some(t)
}
