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
//! Memory is bounded: a part that decompresses beyond [`MAX_XML_BYTES`] is refused (a zip bomb),
//! and the XML is streamed, never held whole.

use super::{Block, Document};
use crate::PlanError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Cursor, Read};

/// Largest decompressed size of one XML part (200 MB). Real document.xml files are a few MB.
pub const MAX_XML_BYTES: u64 = 200 * 1024 * 1024;

const MAIN_DOCUMENT: &str = "word/document.xml";

/// What kind of file a zip archive is.
pub(super) enum ZipKind {
    Docx,
    Xlsx,
    Pptx,
    Odt,
    Other,
    Broken,
}

pub(super) fn zip_kind(bytes: &[u8]) -> ZipKind {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return ZipKind::Broken;
    };
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
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| PlanError::BadDocx(format!("无法打开压缩包 ({e})")))?;
    let main = main_part(&mut zip)
        .ok_or_else(|| PlanError::BadDocx("缺少正文 word/document.xml".into()))?;
    let styles = read_part(&mut zip, "word/styles.xml", |r| parse_styles(r))?.unwrap_or_default();
    let numbering =
        read_part(&mut zip, "word/numbering.xml", |r| parse_numbering(r))?.unwrap_or_default();
    let mut body = Body::new(Numbering {
        styles,
        ..numbering
    });
    read_part(&mut zip, &main, |r| body.read(r))?
        .ok_or_else(|| PlanError::BadDocx(format!("缺少正文 {main}")))?;
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
    merge_origin: Vec<Option<Vec<String>>>,
}

impl Table {
    fn grid_col(&self) -> usize {
        self.row.as_ref().map_or(0, Vec::len)
    }
}

struct Body {
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
            "p" => self.paras.push(Para {
                table_depth: self.tables.len(),
                ..Para::default()
            }),
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
            "tbl" => self.tables.push(Table::default()),
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
                    finish_cell(t);
                }
            }
            "tr" => {
                if let Some(t) = self.tables.last_mut() {
                    if t.cell.is_some() {
                        finish_cell(t);
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
            finish_cell(&mut t);
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

fn finish_cell(t: &mut Table) {
    let Some(cell) = t.cell.take() else { return };
    let col = t.grid_col();
    if t.merge_origin.len() < col + cell.span {
        t.merge_origin.resize(col + cell.span, None);
    }
    let paras = match cell.vmerge {
        Some(VMerge::Continue) if cell.paras.iter().all(|p| p.trim().is_empty()) => t
            .merge_origin
            .get(col)
            .cloned()
            .flatten()
            .unwrap_or_default(),
        _ => cell.paras,
    };
    let origin = cell.vmerge.map(|_| paras.clone());
    for slot in t.merge_origin.iter_mut().skip(col).take(cell.span) {
        *slot = origin.clone();
    }
    let row = t.row.get_or_insert_with(Vec::new);
    row.push(paras);
    row.extend(std::iter::repeat_n(Vec::new(), cell.span - 1));
}

// ---------------------------------------------------------------------------------------------
// Automatic numbering (编号): numbering.xml and the numbering of paragraph styles.

#[derive(Default)]
struct Numbering {
    abstracts: HashMap<String, Vec<Level>>,
    nums: HashMap<String, Num>,
    styles: HashMap<String, StyleNum>,
    /// Current counter of each level, per list (numId).
    counters: HashMap<String, [Option<i64>; 9]>,
}

#[derive(Default)]
struct Num {
    abstract_id: String,
    start_overrides: HashMap<u8, i64>,
}

#[derive(Clone)]
struct Level {
    start: i64,
    format: String,
    text: String,
    suffix: String,
    legal: bool,
}

impl Default for Level {
    fn default() -> Self {
        Self {
            start: 1,
            format: "decimal".into(),
            text: String::new(),
            suffix: "tab".into(),
            legal: false,
        }
    }
}

#[derive(Default, Clone)]
struct StyleNum {
    based_on: Option<String>,
    num_id: Option<String>,
    ilvl: Option<u8>,
}

impl Numbering {
    /// The number Word shows before a paragraph, if it has one; advances the list's counter.
    fn label(
        &mut self,
        num_id: Option<&str>,
        ilvl: Option<u8>,
        style: Option<&str>,
    ) -> Option<String> {
        let (style_num, style_lvl) = self.style_numbering(style);
        let num_id = num_id.map(str::to_string).or(style_num)?;
        let ilvl = usize::from(ilvl.or(style_lvl).unwrap_or(0)).min(8);
        let num = self.nums.get(&num_id)?;
        let levels = self.abstracts.get(&num.abstract_id)?;
        let level = levels.get(ilvl)?;
        if level.format == "bullet" {
            return None;
        }
        let counters = self.counters.entry(num_id.clone()).or_insert([None; 9]);
        let start_of = |l: usize| -> i64 {
            u8::try_from(l)
                .ok()
                .and_then(|l| num.start_overrides.get(&l).copied())
                .or_else(|| levels.get(l).map(|lv| lv.start))
                .unwrap_or(1)
        };
        let next = counters
            .get(ilvl)
            .copied()
            .flatten()
            .map_or_else(|| start_of(ilvl), |c| c.saturating_add(1));
        if let Some(c) = counters.get_mut(ilvl) {
            *c = Some(next);
        }
        for deeper in counters.iter_mut().skip(ilvl + 1) {
            *deeper = None;
        }
        let mut out = String::new();
        let mut chars = level.text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '%'
                && let Some(d) = chars.peek().and_then(|d| d.to_digit(10))
                && (1..=9).contains(&d)
            {
                chars.next();
                let l = d as usize - 1;
                let value = counters
                    .get(l)
                    .copied()
                    .flatten()
                    .unwrap_or_else(|| start_of(l));
                let format = if level.legal {
                    "decimal"
                } else {
                    levels.get(l).map_or("decimal", |lv| lv.format.as_str())
                };
                out.push_str(&format_number(value, format));
            } else {
                out.push(c);
            }
        }
        if out.is_empty() {
            return None;
        }
        // Word puts a tab after the number by default; a space reads the same in text.
        if level.suffix != "nothing" {
            out.push(' ');
        }
        Some(out)
    }

    /// The list a paragraph style puts its paragraphs in, following `basedOn`.
    fn style_numbering(&self, style: Option<&str>) -> (Option<String>, Option<u8>) {
        let (mut num, mut lvl) = (None, None);
        let mut current = style.map(str::to_string);
        for _ in 0..16 {
            let Some(s) = current.as_ref().and_then(|id| self.styles.get(id)) else {
                break;
            };
            num = num.or_else(|| s.num_id.clone());
            lvl = lvl.or(s.ilvl);
            current = s.based_on.clone();
        }
        (num, lvl)
    }
}

fn parse_numbering<R: BufRead>(reader: &mut NsReader<R>) -> Result<Numbering, quick_xml::Error> {
    let mut n = Numbering::default();
    let mut buf = Vec::new();
    let mut skip = 0usize;
    let mut abstract_id: Option<String> = None;
    let mut level: Option<(usize, Level)> = None;
    let mut num: Option<(String, Num)> = None;
    let mut override_lvl: Option<u8> = None;
    loop {
        let (ns, ev) = reader.read_resolved_event_into(&mut buf)?;
        let ns = ns_of(&ns);
        match ev {
            Event::Start(e) => {
                let name = local(&e);
                if skip > 0 {
                    skip += 1;
                } else if skipped(&ns, name) {
                    skip = 1;
                } else if ns == Ns::W {
                    match name {
                        "abstractNum" => abstract_id = attr(&e, "abstractNumId"),
                        "lvl" if abstract_id.is_some() && num.is_none() => {
                            let ilvl = attr_num(&e, "ilvl").unwrap_or(0).clamp(0, 8) as usize;
                            level = Some((ilvl, Level::default()));
                        }
                        "start" => {
                            if let (Some((_, l)), Some(v)) = (level.as_mut(), attr_num(&e, "val")) {
                                l.start = v;
                            }
                        }
                        "numFmt" => {
                            if let (Some((_, l)), Some(v)) = (level.as_mut(), attr(&e, "val")) {
                                l.format = v;
                            }
                        }
                        "lvlText" => {
                            if let (Some((_, l)), Some(v)) = (level.as_mut(), attr(&e, "val")) {
                                l.text = v;
                            }
                        }
                        "suff" => {
                            if let (Some((_, l)), Some(v)) = (level.as_mut(), attr(&e, "val")) {
                                l.suffix = v;
                            }
                        }
                        "isLgl" => {
                            if let Some((_, l)) = level.as_mut() {
                                l.legal = attr(&e, "val").is_none_or(|v| v != "0" && v != "false");
                            }
                        }
                        "num" => {
                            if let Some(id) = attr(&e, "numId") {
                                num = Some((id, Num::default()));
                            }
                        }
                        "abstractNumId" => {
                            if let (Some((_, nm)), Some(v)) = (num.as_mut(), attr(&e, "val")) {
                                nm.abstract_id = v;
                            }
                        }
                        "lvlOverride" => {
                            override_lvl = attr_num(&e, "ilvl").and_then(|v| u8::try_from(v).ok());
                        }
                        "startOverride" => {
                            if let (Some((_, nm)), Some(l), Some(v)) =
                                (num.as_mut(), override_lvl, attr_num(&e, "val"))
                            {
                                nm.start_overrides.insert(l, v);
                            }
                        }
                        _ => {}
                    }
                }
            }
            Event::End(e) => {
                if skip > 0 {
                    skip -= 1;
                } else if ns == Ns::W {
                    let name = e.name().0;
                    match name.rsplit(':').next().unwrap_or(name) {
                        "lvl" => {
                            if let (Some(id), Some((ilvl, l))) =
                                (abstract_id.as_ref(), level.take())
                            {
                                let levels = n.abstracts.entry(id.clone()).or_default();
                                if levels.len() <= ilvl {
                                    levels.resize(ilvl + 1, Level::default());
                                }
                                if let Some(slot) = levels.get_mut(ilvl) {
                                    *slot = l;
                                }
                            }
                        }
                        "abstractNum" => abstract_id = None,
                        "num" => {
                            if let Some((id, nm)) = num.take() {
                                n.nums.insert(id, nm);
                            }
                        }
                        "lvlOverride" => override_lvl = None,
                        _ => {}
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(n)
}

fn parse_styles<R: BufRead>(
    reader: &mut NsReader<R>,
) -> Result<HashMap<String, StyleNum>, quick_xml::Error> {
    let mut styles = HashMap::new();
    let mut buf = Vec::new();
    let mut skip = 0usize;
    let mut current: Option<(String, StyleNum)> = None;
    loop {
        let (ns, ev) = reader.read_resolved_event_into(&mut buf)?;
        let ns = ns_of(&ns);
        match ev {
            Event::Start(e) => {
                let name = local(&e);
                if skip > 0 {
                    skip += 1;
                } else if skipped(&ns, name) {
                    skip = 1;
                } else if ns == Ns::W {
                    match name {
                        "style" => {
                            let paragraph = attr(&e, "type").is_none_or(|t| t == "paragraph");
                            current = attr(&e, "styleId")
                                .filter(|_| paragraph)
                                .map(|id| (id, StyleNum::default()));
                        }
                        "basedOn" => {
                            if let Some((_, s)) = current.as_mut() {
                                s.based_on = attr(&e, "val");
                            }
                        }
                        "numId" => {
                            if let Some((_, s)) = current.as_mut() {
                                s.num_id = attr(&e, "val");
                            }
                        }
                        "ilvl" => {
                            if let Some((_, s)) = current.as_mut() {
                                s.ilvl = attr_num(&e, "val").and_then(|v| u8::try_from(v).ok());
                            }
                        }
                        _ => {}
                    }
                }
            }
            Event::End(e) => {
                if skip > 0 {
                    skip -= 1;
                } else if ns == Ns::W
                    && e.name().0.rsplit(':').next() == Some("style")
                    && let Some((id, s)) = current.take()
                {
                    styles.insert(id, s);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(styles)
}

/// A counter value in one of Word's number formats.
fn format_number(n: i64, format: &str) -> String {
    let small = |base: u32| -> Option<String> {
        (1..=20)
            .contains(&n)
            .then(|| char::from_u32(base + n as u32 - 1))
            .flatten()
            .map(String::from)
    };
    match format {
        "chineseCounting"
        | "chineseCountingThousand"
        | "japaneseCounting"
        | "taiwaneseCounting"
        | "taiwaneseCountingThousand"
        | "koreanCounting" => chinese_numeral(n, false),
        "chineseLegalSimplified" | "ideographLegalTraditional" => chinese_numeral(n, true),
        "ideographTraditional" => cycle(
            n,
            &['甲', '乙', '丙', '丁', '戊', '己', '庚', '辛', '壬', '癸'],
        ),
        "ideographZodiac" => cycle(
            n,
            &[
                '子', '丑', '寅', '卯', '辰', '巳', '午', '未', '申', '酉', '戌', '亥',
            ],
        ),
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" | "ideographEnclosedCircle" => {
            small(0x2460).unwrap_or_else(|| n.to_string())
        }
        "decimalEnclosedParen" => small(0x2474).unwrap_or_else(|| format!("({n})")),
        "decimalEnclosedFullstop" => small(0x2488).unwrap_or_else(|| format!("{n}.")),
        "decimalFullWidth" | "decimalFullWidth2" => n
            .to_string()
            .chars()
            .map(|c| {
                c.to_digit(10)
                    .and_then(|d| char::from_u32(0xFF10 + d))
                    .unwrap_or(c)
            })
            .collect(),
        "decimalZero" => format!("{n:02}"),
        "lowerLetter" => letters(n).to_lowercase(),
        "upperLetter" => letters(n),
        "lowerRoman" => roman(n).to_lowercase(),
        "upperRoman" => roman(n),
        "none" => String::new(),
        _ => n.to_string(),
    }
}

fn cycle(n: i64, symbols: &[char]) -> String {
    let len = symbols.len() as i64;
    symbols
        .get(((n - 1).rem_euclid(len)) as usize)
        .map(|c| c.to_string())
        .unwrap_or_default()
}

/// 一 … 十 … 二十一 … 一百零一 (or 壹 … 拾 in the legal form), as Word writes list numbers.
fn chinese_numeral(n: i64, legal: bool) -> String {
    let digits: [char; 10] = if legal {
        ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖']
    } else {
        ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九']
    };
    let units = if legal {
        ['拾', '佰', '仟']
    } else {
        ['十', '百', '千']
    };
    if !(1..10_000).contains(&n) {
        return n.to_string();
    }
    let digit = |d: i64| digits.get(d as usize).copied().unwrap_or('?');
    let parts = [
        (n / 1000, Some(units[2])),
        (n / 100 % 10, Some(units[1])),
        (n / 10 % 10, Some(units[0])),
        (n % 10, None),
    ];
    let mut out = String::new();
    let mut pending_zero = false;
    for (d, unit) in parts {
        if d == 0 {
            pending_zero = !out.is_empty();
            continue;
        }
        if pending_zero {
            out.push('零');
            pending_zero = false;
        }
        // 十一, not 一十一, when the tens lead.
        if !(d == 1 && unit == Some(units[0]) && out.is_empty() && !legal) {
            out.push(digit(d));
        }
        if let Some(u) = unit {
            out.push(u);
        }
    }
    out
}

fn letters(n: i64) -> String {
    // Past zz…z (ten letters) Word's form is unreadable anyway; digits say the same.
    if !(1..=260).contains(&n) {
        return n.to_string();
    }
    // Word repeats the letter: a … z, aa … zz.
    let letter = char::from(b'A' + ((n - 1) % 26) as u8);
    std::iter::repeat_n(letter, ((n - 1) / 26 + 1) as usize).collect()
}

fn roman(n: i64) -> String {
    if !(1..4000).contains(&n) {
        return n.to_string();
    }
    let table = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut n = n;
    let mut out = String::new();
    for (v, s) in table {
        while n >= v {
            out.push_str(s);
            n -= v;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_list_numbers_read_as_word_writes_them() {
        let got: Vec<String> = [1, 10, 11, 20, 21, 100, 101, 110]
            .iter()
            .map(|&n| chinese_numeral(n, false))
            .collect();
        assert_eq!(
            got,
            [
                "一",
                "十",
                "十一",
                "二十",
                "二十一",
                "一百",
                "一百零一",
                "一百一十"
            ]
        );
    }

    #[test]
    fn enclosed_and_full_width_formats() {
        assert_eq!(format_number(3, "decimalEnclosedCircle"), "③");
        assert_eq!(format_number(2, "decimalEnclosedParen"), "⑵");
        assert_eq!(format_number(12, "decimalFullWidth"), "１２");
        assert_eq!(format_number(2, "ideographTraditional"), "乙");
        assert_eq!(format_number(28, "lowerLetter"), "bb");
        assert_eq!(format_number(14, "upperRoman"), "XIV");
    }

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
