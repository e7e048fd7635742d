//! Word 2007+ (.docx): the paragraphs and tables of `word/document.xml`, in document order,
//! with Word's automatic numbering (编号) written out as the text it shows ("一、", "（一）", "1.").
//!
//! What is read: runs' text (`w:t`), tabs, line breaks; tables row by row (a cell's paragraphs
//! joined by '\n'). A cell spanning several columns (`gridSpan`) is followed by empty cells so
//! that columns stay under their headers; a vertically merged cell (`vMerge`) repeats the text of
//! the merge's first cell in every row it covers, since it applies to each of those rows. A table
//! nested in a cell becomes lines of that cell (a row per line, cells separated by tabs); a table
//! of one cell is a frame around text and gives paragraphs. Deleted text of tracked changes, field
//! codes and the fallback copies of drawings are left out.
//!
//! Memory is bounded: the archive is checked by `kesu-workbook` first (entries, declared sizes,
//! compression ratio); a zip of more than [`MAX_ENTRIES`] entries or a part that decompresses
//! beyond [`MAX_XML_BYTES`] is refused (a zip bomb); the XML is streamed, never held whole; the
//! text the body gives (merged cells' copies included), its table cells and its nesting have
//! caps ([`MAX_TEXT_BYTES`], [`MAX_CELLS`], [`MAX_DEPTH`]).

use super::{Block, Document};
use crate::PlanError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};
use std::io::{BufRead, BufReader, Cursor, Read};
use std::rc::Rc;

mod numbering;

use numbering::{Numbering, parse_numbering, parse_styles};

/// Largest decompressed size of one XML part (200 MB). Real document.xml files are a few MB.
pub const MAX_XML_BYTES: u64 = 200 * 1024 * 1024;
/// Most entries of the zip (a real .docx has a few dozen, with pictures a few hundred).
pub const MAX_ENTRIES: usize = 10_000;
/// Most text a document may give, the copies of vertically merged cells included (64 MB): a
/// cell merged down over ten thousand rows would otherwise repeat its text ten thousand times.
pub const MAX_TEXT_BYTES: usize = 64 * 1024 * 1024;
/// Most table cells (a column spanned by `gridSpan` counts once per column).
pub const MAX_CELLS: usize = 1_000_000;
/// Deepest nesting of tables in cells, and of paragraphs in text boxes.
pub const MAX_DEPTH: usize = 32;

const MAIN_DOCUMENT: &str = "word/document.xml";

/// What kind of file a zip archive is.
pub(super) enum ZipKind {
    Docx,
    Xlsx,
    Pptx,
    Odt,
    Other,
    Broken,
    TooManyEntries,
}

pub(super) fn zip_kind(bytes: &[u8]) -> ZipKind {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return ZipKind::Broken;
    };
    if zip.len() > MAX_ENTRIES {
        return ZipKind::TooManyEntries;
    }
    if main_part(&mut zip).is_some() {
        return ZipKind::Docx;
    }
    if zip.index_for_name("xl/workbook.xml").is_some() {
        ZipKind::Xlsx
    } else if zip.index_for_name("ppt/presentation.xml").is_some() {
        ZipKind::Pptx
    } else if zip.index_for_name("content.xml").is_some() {
        ZipKind::Odt
    } else {
        ZipKind::Other
    }
}

type Archive<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

/// The main document part: `word/document.xml`, or whatever `_rels/.rels` names as the office
/// document (some generators use other names).
fn main_part(zip: &mut Archive<'_>) -> Option<String> {
    if zip.index_for_name(MAIN_DOCUMENT).is_some() {
        return Some(MAIN_DOCUMENT.to_string());
    }
    let target = read_part(zip, "_rels/.rels", |reader| {
        let mut target = None;
        let mut buf = Vec::new();
        loop {
            match reader.read_resolved_event_into(&mut buf)?.1 {
                Event::Start(e) if local(&e) == "Relationship" => {
                    let ty = attr(&e, "Type").unwrap_or_default();
                    if ty.ends_with("/officeDocument") {
                        target = attr(&e, "Target");
                    }
                }
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        Ok(target)
    })
    .ok()
    .flatten()
    .flatten()?;
    let name = target.trim_start_matches('/').to_string();
    (name.starts_with("word/") && zip.index_for_name(&name).is_some()).then_some(name)
}

/// Read a .docx into paragraphs and tables.
#[expect(
    clippy::redundant_closure,
    reason = "a generic fn item is not general enough over the zip entry's lifetime; a closure is"
)]
pub(super) fn read(bytes: &[u8]) -> Result<Document, PlanError> {
    // The archive as a whole first (kesu-workbook: entries, declared sizes, compression ratio,
    // nested archives), before any part is decompressed.
    let limits = kesu_workbook::Limits {
        max_file_bytes: super::MAX_INPUT_BYTES as u64,
        max_entries: MAX_ENTRIES as u64,
        max_entry_bytes: MAX_XML_BYTES.max(super::MAX_INPUT_BYTES as u64),
        ..kesu_workbook::Limits::default()
    };
    kesu_workbook::Archive::open(bytes, &limits).map_err(|e| PlanError::BadDocx(e.to_string()))?;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| PlanError::BadDocx(format!("无法打开压缩包 ({e})")))?;
    if zip.len() > MAX_ENTRIES {
        return Err(PlanError::BadDocx(format!(
            "压缩包含 {} 个文件，超过 {MAX_ENTRIES} 个上限 (too many zip entries)",
            zip.len()
        )));
    }
    let main = main_part(&mut zip)
        .ok_or_else(|| PlanError::BadDocx("缺少正文 word/document.xml".into()))?;
    let styles = read_part(&mut zip, "word/styles.xml", |r| parse_styles(r))?.unwrap_or_default();
    let mut numbering: Numbering =
        read_part(&mut zip, "word/numbering.xml", |r| parse_numbering(r))?.unwrap_or_default();
    numbering.styles = styles;
    let mut body = Body::new(numbering);
    read_part(&mut zip, &main, |r| body.read(r))?
        .ok_or_else(|| PlanError::BadDocx(format!("缺少正文 {main}")))?;
    if let Some(why) = body.budget.exceeded.take() {
        return Err(PlanError::BadDocx(why));
    }
    Ok(Document {
        blocks: body.blocks,
    })
}

/// Stream one part through `f`, refusing a part that decompresses past [`MAX_XML_BYTES`].
/// `None` when the part is absent.
fn read_part<'a, T>(
    zip: &mut Archive<'a>,
    name: &str,
    f: impl FnOnce(&mut XmlReader<'_, 'a>) -> Result<T, quick_xml::Error>,
) -> Result<Option<T>, PlanError> {
    let file = match zip.by_name(name) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(PlanError::BadDocx(format!("{name} 无法读取 ({e})"))),
    };
    let bomb = || {
        PlanError::BadDocx(format!(
            "{name} 解压后超过 {} MB，疑似压缩炸弹，拒绝读取 (decompressed size over the limit)",
            MAX_XML_BYTES / (1024 * 1024)
        ))
    };
    if file.size() > MAX_XML_BYTES {
        return Err(bomb());
    }
    let mut reader = xml_reader(BufReader::new(Capped::new(file, MAX_XML_BYTES)));
    match f(&mut reader) {
        Ok(v) => Ok(Some(v)),
        Err(_) if reader.get_mut().get_ref().exceeded => Err(bomb()),
        Err(e) => Err(PlanError::BadDocx(format!("{name} 不是有效的 XML ({e})"))),
    }
}

type XmlReader<'z, 'a> = NsReader<BufReader<Capped<zip::read::ZipFile<'z, Cursor<&'a [u8]>>>>>;

fn xml_reader<R: BufRead>(r: R) -> NsReader<R> {
    let mut reader = NsReader::from_reader(r);
    let config = reader.config_mut();
    // `<w:p/>` is an (empty) paragraph like `<w:p></w:p>`: one code path for both.
    config.expand_empty_elements = true;
    config.check_end_names = false;
    reader
}

/// A reader that fails once more than `left` bytes come out of it, and remembers that it did.
struct Capped<R> {
    inner: R,
    left: u64,
    exceeded: bool,
}

impl<R> Capped<R> {
    fn new(inner: R, cap: u64) -> Self {
        Self {
            inner,
            left: cap,
            exceeded: false,
        }
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            let mut probe = [0u8; 1];
            if self.inner.read(&mut probe)? == 0 {
                return Ok(0);
            }
            self.exceeded = true;
            return Err(std::io::Error::other("decompressed size over the limit"));
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(buf.get_mut(..want).unwrap_or_default())?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// Which vocabulary an element belongs to.
#[derive(PartialEq, Eq)]
enum Ns {
    /// WordprocessingML (transitional or strict).
    W,
    /// Markup compatibility (`mc:AlternateContent`).
    Mc,
    Other,
}

fn ns_of(r: &ResolveResult<'_>) -> Ns {
    match r {
        ResolveResult::Bound(ns) => {
            let uri = ns.0;
            if uri.ends_with("/wordprocessingml/2006/main")
                || uri.ends_with("/wordprocessingml/main")
            {
                Ns::W
            } else if uri.ends_with("/markup-compatibility/2006") {
                Ns::Mc
            } else {
                Ns::Other
            }
        }
        _ => Ns::Other,
    }
}

fn local<'a>(e: &'a BytesStart<'_>) -> &'a str {
    let name = e.name().0;
    name.rsplit(':').next().unwrap_or(name)
}

/// An attribute by local name (`w:val` → "val").
fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes().with_checks(false).flatten().find_map(|a| {
        let key = a.key.0;
        (key.rsplit(':').next() == Some(name))
            .then(|| {
                a.normalized_value(XmlVersion::Implicit1_0)
                    .map(|v| v.into_owned())
                    .ok()
            })
            .flatten()
    })
}

fn attr_num(e: &BytesStart<'_>, name: &str) -> Option<i64> {
    attr(e, name).and_then(|v| v.trim().parse().ok())
}

/// Elements whose content is never shown text: tracked changes of properties (the old values),
/// moved-away text, and the fallback copy of a drawing (its text is in the choice copy).
fn skipped(ns: &Ns, name: &str) -> bool {
    match ns {
        Ns::Mc => name == "Fallback",
        Ns::W => matches!(
            name,
            "pPrChange"
                | "rPrChange"
                | "tblPrChange"
                | "tcPrChange"
                | "trPrChange"
                | "sectPrChange"
                | "moveFrom"
                | "del"
        ),
        Ns::Other => false,
    }
}

// ---------------------------------------------------------------------------------------------
// The body: paragraphs and tables.

#[derive(Default)]
struct Para {
    text: String,
    style: Option<String>,
    num_id: Option<String>,
    ilvl: Option<u8>,
    /// Inside `w:pPr`: tab stops (`w:tabs/w:tab`) are not tabs.
    in_props: bool,
    /// How many tables were open when the paragraph started: where its text goes.
    table_depth: usize,
}

#[derive(Default)]
struct Cell {
    paras: Vec<String>,
    span: usize,
    vmerge: Option<VMerge>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum VMerge {
    Restart,
    Continue,
}

#[derive(Default)]
struct Table {
    rows: Vec<Vec<Vec<String>>>,
    row: Option<Vec<Vec<String>>>,
    cell: Option<Cell>,
    /// The text of the merge started in each grid column, for `vMerge` continuations.
    merge_origin: Vec<Option<Rc<Vec<String>>>>,
}

impl Table {
    fn grid_col(&self) -> usize {
        self.row.as_ref().map_or(0, Vec::len)
    }
}

/// What the body has produced so far, against the caps; the first cap passed says why.
#[derive(Default)]
struct Budget {
    text: usize,
    cells: usize,
    exceeded: Option<String>,
}

impl Budget {
    fn text(&mut self, n: usize) {
        self.text = self.text.saturating_add(n);
        if self.text > MAX_TEXT_BYTES && self.exceeded.is_none() {
            self.exceeded = Some(format!(
                "文字超过 {} MB（含合并单元格的重复），不像是一份方案，拒绝读取 (too much text)",
                MAX_TEXT_BYTES / (1024 * 1024)
            ));
        }
    }

    fn cells(&mut self, n: usize) {
        self.cells = self.cells.saturating_add(n);
        if self.cells > MAX_CELLS && self.exceeded.is_none() {
            self.exceeded = Some(format!(
                "表格单元格超过 {MAX_CELLS} 个，不像是一份方案，拒绝读取 (too many table cells)"
            ));
        }
    }

    fn depth(&mut self, depth: usize) {
        if depth > MAX_DEPTH && self.exceeded.is_none() {
            self.exceeded = Some(format!(
                "表格或段落嵌套超过 {MAX_DEPTH} 层，拒绝读取 (nested too deeply)"
            ));
        }
    }
}

struct Body {
    budget: Budget,
    numbering: Numbering,
    blocks: Vec<Block>,
    paras: Vec<Para>,
    tables: Vec<Table>,
    in_text: bool,
    skip_depth: usize,
}

impl Body {
    fn new(numbering: Numbering) -> Self {
        Self {
            budget: Budget::default(),
            numbering,
            blocks: Vec::new(),
            paras: Vec::new(),
            tables: Vec::new(),
            in_text: false,
            skip_depth: 0,
        }
    }

    fn read<R: BufRead>(&mut self, reader: &mut NsReader<R>) -> Result<(), quick_xml::Error> {
        let mut buf = Vec::new();
        loop {
            // Past a cap nothing more is read; the caller reports it.
            if self.budget.exceeded.is_some() {
                return Ok(());
            }
            let (ns, ev) = reader.read_resolved_event_into(&mut buf)?;
            let ns = ns_of(&ns);
            match ev {
                Event::Start(e) => self.start(ns, &e),
                Event::End(e) => {
                    let name = e.name().0;
                    let name = name.rsplit(':').next().unwrap_or(name);
                    self.end(ns, name);
                }
                Event::Text(t) if self.in_text && self.skip_depth == 0 => {
                    let text = t.xml10_content();
                    self.push_text(&text);
                }
                Event::CData(t) if self.in_text && self.skip_depth == 0 => {
                    let text = t.xml10_content();
                    self.push_text(&text);
                }
                Event::GeneralRef(r) if self.in_text && self.skip_depth == 0 => {
                    if let Ok(Some(c)) = r.resolve_char_ref() {
                        self.push_text(c.encode_utf8(&mut [0; 4]));
                    } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&r) {
                        self.push_text(s);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        // A truncated document still gives what it had.
        while !self.paras.is_empty() {
            self.end(Ns::W, "p");
        }
        while !self.tables.is_empty() {
            self.end(Ns::W, "tbl");
        }
        Ok(())
    }

    fn push_text(&mut self, s: &str) {
        if let Some(p) = self.paras.last_mut()
            && !p.in_props
        {
            p.text.push_str(s);
            self.budget.text(s.len());
        }
    }

    fn start(&mut self, ns: Ns, e: &BytesStart<'_>) {
        let name = local(e);
        if self.skip_depth > 0 {
            self.skip_depth += 1;
            return;
        }
        if skipped(&ns, name) {
            self.skip_depth = 1;
            return;
        }
        if ns != Ns::W {
            return;
        }
        let in_props = self.paras.last().is_some_and(|p| p.in_props);
        match name {
            "p" => {
                self.paras.push(Para {
                    table_depth: self.tables.len(),
                    ..Para::default()
                });
                self.budget.depth(self.paras.len());
            }
            "pPr" => {
                if let Some(p) = self.paras.last_mut() {
                    p.in_props = true;
                }
            }
            "pStyle" => {
                if let Some(p) = self.paras.last_mut() {
                    p.style = attr(e, "val");
                }
            }
            "numId" => {
                if let Some(p) = self.paras.last_mut() {
                    p.num_id = attr(e, "val");
                }
            }
            "ilvl" => {
                if let Some(p) = self.paras.last_mut() {
                    p.ilvl = attr_num(e, "val").and_then(|v| u8::try_from(v).ok());
                }
            }
            "t" => self.in_text = true,
            "tab" if !in_props => self.push_text("\t"),
            "br" | "cr" if !in_props => self.push_text("\n"),
            "noBreakHyphen" if !in_props => self.push_text("-"),
            "tbl" => {
                self.tables.push(Table::default());
                self.budget.depth(self.tables.len());
            }
            "tr" => {
                if let Some(t) = self.tables.last_mut() {
                    t.row = Some(Vec::new());
                }
            }
            "gridBefore" => {
                let n = attr_num(e, "val").unwrap_or(0).clamp(0, 64) as usize;
                if let Some(row) = self.tables.last_mut().and_then(|t| t.row.as_mut()) {
                    row.extend(std::iter::repeat_n(Vec::new(), n));
                }
            }
            "tc" => {
                if let Some(t) = self.tables.last_mut() {
                    t.cell = Some(Cell {
                        span: 1,
                        ..Cell::default()
                    });
                }
            }
            "gridSpan" => {
                let n = attr_num(e, "val").unwrap_or(1).clamp(1, 64) as usize;
                if let Some(c) = self.tables.last_mut().and_then(|t| t.cell.as_mut()) {
                    c.span = n;
                }
            }
            "vMerge" => {
                let restart = attr(e, "val").is_some_and(|v| v == "restart");
                if let Some(c) = self.tables.last_mut().and_then(|t| t.cell.as_mut()) {
                    c.vmerge = Some(if restart {
                        VMerge::Restart
                    } else {
                        VMerge::Continue
                    });
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, ns: Ns, name: &str) {
        if self.skip_depth > 0 {
            self.skip_depth -= 1;
            return;
        }
        if ns != Ns::W {
            return;
        }
        match name {
            "t" => self.in_text = false,
            "pPr" => {
                if let Some(p) = self.paras.last_mut() {
                    p.in_props = false;
                }
            }
            "p" => {
                if let Some(p) = self.paras.pop() {
                    self.finish_para(p);
                }
            }
            "tc" => {
                if let Some(t) = self.tables.last_mut() {
                    finish_cell(t, &mut self.budget);
                }
            }
            "tr" => {
                if let Some(t) = self.tables.last_mut() {
                    if t.cell.is_some() {
                        finish_cell(t, &mut self.budget);
                    }
                    if let Some(row) = t.row.take() {
                        t.rows.push(row);
                    }
                }
            }
            "tbl" => {
                if let Some(t) = self.tables.pop() {
                    self.finish_table(t);
                }
            }
            _ => {}
        }
    }

    fn finish_para(&mut self, p: Para) {
        let label = self
            .numbering
            .label(p.num_id.as_deref(), p.ilvl, p.style.as_deref());
        let text = match label {
            Some(label) => label + &p.text,
            None => p.text,
        };
        // A paragraph inside a cell belongs to the cell of the table it started in.
        if p.table_depth > 0
            && let Some(cell) = self
                .tables
                .get_mut(p.table_depth - 1)
                .and_then(|t| t.cell.as_mut())
        {
            cell.paras.push(text);
            return;
        }
        // A line break inside a body paragraph is a new line to a reader, as in a text file.
        self.blocks
            .extend(text.split('\n').map(|l| Block::Paragraph(l.to_string())));
    }

    fn finish_table(&mut self, mut t: Table) {
        if t.cell.is_some() {
            finish_cell(&mut t, &mut self.budget);
        }
        if let Some(row) = t.row.take() {
            t.rows.push(row);
        }
        t.rows.retain(|r| !r.is_empty());
        if t.rows.is_empty() {
            return;
        }
        // A table nested in a cell: its rows become lines of that cell.
        if let Some(cell) = self.tables.last_mut().and_then(|o| o.cell.as_mut()) {
            for row in &t.rows {
                let cells: Vec<String> = row
                    .iter()
                    .map(|c| c.join("\n"))
                    .filter(|c| !c.trim().is_empty())
                    .collect();
                if !cells.is_empty() {
                    cell.paras.push(cells.join("\t"));
                }
            }
            return;
        }
        // A one-cell table is a frame around text, not a table of anything.
        if t.rows.len() == 1 && t.rows.first().is_some_and(|r| r.len() == 1) {
            let paras = t.rows.into_iter().flatten().flatten();
            self.blocks.extend(paras.flat_map(|p| {
                p.split('\n')
                    .map(|l| Block::Paragraph(l.to_string()))
                    .collect::<Vec<_>>()
            }));
            return;
        }
        let width = t.rows.iter().map(Vec::len).max().unwrap_or(0);
        // Rows are padded to the widest: the padded area counts too (one very wide row over
        // many narrow ones would otherwise fill millions of empty cells).
        let padding: usize = t.rows.iter().map(|r| width - r.len()).sum();
        self.budget.cells(padding);
        if self.budget.exceeded.is_some() {
            return;
        }
        let rows = t
            .rows
            .into_iter()
            .map(|row| {
                let mut cells: Vec<String> = row.into_iter().map(|c| c.join("\n")).collect();
                cells.resize(width, String::new());
                cells
            })
            .collect();
        self.blocks.push(Block::Table(rows));
    }
}

fn finish_cell(t: &mut Table, budget: &mut Budget) {
    let Some(cell) = t.cell.take() else { return };
    let col = t.grid_col();
    if t.merge_origin.len() < col + cell.span {
        t.merge_origin.resize(col + cell.span, None);
    }
    budget.cells(cell.span);
    let paras = match cell.vmerge {
        Some(VMerge::Continue) if cell.paras.iter().all(|p| p.trim().is_empty()) => {
            let origin = t.merge_origin.get(col).cloned().flatten();
            // The copy counts against the text cap: this is where merged cells multiply.
            let copy: Vec<String> = origin.map(|o| o.as_ref().clone()).unwrap_or_default();
            budget.text(copy.iter().map(String::len).sum());
            copy
        }
        _ => cell.paras,
    };
    // One shared copy of the merge's text for all the columns it spans.
    let origin = cell.vmerge.map(|_| Rc::new(paras.clone()));
    for slot in t.merge_origin.iter_mut().skip(col).take(cell.span) {
        *slot = origin.clone();
    }
    let row = t.row.get_or_insert_with(Vec::new);
    row.push(paras);
    row.extend(std::iter::repeat_n(Vec::new(), cell.span - 1));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_reader_fails_past_its_cap_and_remembers() {
        let mut r = Capped::new(&[1u8; 10][..], 4);
        let mut out = Vec::new();
        assert!(r.read_to_end(&mut out).is_err());
        assert!(r.exceeded);
        let mut exact = Capped::new(&[1u8; 4][..], 4);
        out.clear();
        assert_eq!(exact.read_to_end(&mut out).unwrap(), 4);
        assert!(!exact.exceeded);
    }
}
