//! One streaming pass over each XML part of a workbook before calamine reads it, for what
//! calamine trusts: the shared-strings count it reserves memory for, the style records it copies
//! a font and format into, cell references it parses with unchecked arithmetic, and nesting.
//! Declared dimensions (`<dimension ref>`) are checked for form only and never used: cells are
//! counted and placed as they really are, while streaming.

use crate::archive::Archive;
use crate::error::{Result, WorkbookError};
use crate::limits::Limits;
use quick_xml::events::{BytesStart, Event};
use std::io::BufReader;

/// Excel's own bounds: a reference beyond them is not a cell.
pub(crate) const EXCEL_ROWS: u32 = 1_048_576;
pub(crate) const EXCEL_COLUMNS: u32 = 16_384;

/// Check every XML part (`.xml`, `.rels`) of a workbook archive.
pub(crate) fn check_parts(archive: &mut Archive<'_>, limits: &Limits) -> Result<()> {
    let parts: Vec<(String, u64)> = archive
        .entries()
        .iter()
        .filter(|e| {
            let n = e.name.to_ascii_lowercase();
            n.ends_with(".xml") || n.ends_with(".rels")
        })
        .map(|e| (e.name.clone(), e.size))
        .collect();
    for (name, size) in parts {
        let Some(reader) = archive.reader(&name)? else {
            continue;
        };
        let mut scan = Scan::new(&name, size, limits);
        let mut xml = quick_xml::Reader::from_reader(BufReader::new(reader));
        let config = xml.config_mut();
        config.check_end_names = false;
        config.expand_empty_elements = false;
        let mut buf = Vec::with_capacity(1024);
        loop {
            buf.clear();
            let event = match xml.read_event_into(&mut buf) {
                Ok(ev) => ev,
                Err(e) => {
                    let inner = xml.get_ref().get_ref();
                    if inner.exceeded() {
                        return Err(inner.error(std::io::Error::other("")));
                    }
                    return Err(match e {
                        quick_xml::Error::Io(io) => {
                            inner.error(std::io::Error::other(io.to_string()))
                        }
                        other => scan.bad(other.to_string()),
                    });
                }
            };
            match event {
                Event::Start(e) => {
                    scan.element(&e, true)?;
                    scan.open()?;
                }
                Event::Empty(e) => scan.element(&e, false)?,
                Event::End(e) => scan.close(e.local_name().as_ref()),
                Event::DocType(_) => {
                    return Err(scan.bad("不允许 DTD 声明 (DTD not allowed)".into()));
                }
                Event::Eof => break,
                _ => {}
            }
        }
    }
    Ok(())
}

/// What kind of part, known from its root element.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Root {
    Unknown,
    SharedStrings,
    Styles,
    Workbook,
    Other,
}

struct Scan<'l> {
    part: String,
    size: u64,
    limits: &'l Limits,
    root: Root,
    depth: u32,
    in_sheet_data: bool,
    strings: u64,
    sheets: u64,
    /// Style records: cell formats, fonts, fills, borders, number formats.
    styles: [u64; 5],
}

const STYLE_RECORDS: [&str; 5] = ["xf", "font", "fill", "border", "numFmt"];

impl<'l> Scan<'l> {
    fn new(part: &str, size: u64, limits: &'l Limits) -> Self {
        Scan {
            part: part.to_string(),
            size,
            limits,
            root: Root::Unknown,
            depth: 0,
            in_sheet_data: false,
            strings: 0,
            sheets: 0,
            styles: [0; 5],
        }
    }

    fn bad(&self, reason: String) -> WorkbookError {
        WorkbookError::BadXml {
            part: self.part.clone(),
            reason,
        }
    }

    fn too_many(&self, what: &'static str, count: u64, limit: u64) -> WorkbookError {
        WorkbookError::TooMany {
            part: self.part.clone(),
            what,
            count,
            limit,
        }
    }

    fn open(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > self.limits.max_xml_depth {
            return Err(WorkbookError::XmlTooDeep {
                part: self.part.clone(),
                limit: self.limits.max_xml_depth,
            });
        }
        Ok(())
    }

    fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        if name == "sheetData" {
            self.in_sheet_data = false;
        }
    }

    /// A start (`opens`) or empty element.
    fn element(&mut self, e: &BytesStart<'_>, opens: bool) -> Result<()> {
        let local = e.local_name();
        let name = local.as_ref();
        if self.root == Root::Unknown {
            self.root = match name {
                "sst" => Root::SharedStrings,
                "styleSheet" => Root::Styles,
                "workbook" => Root::Workbook,
                _ => Root::Other,
            };
            if self.root == Root::SharedStrings {
                self.shared_strings_header(e)?;
            }
        }
        match (self.root, name) {
            (Root::SharedStrings, "si") => {
                self.strings += 1;
                if self.strings > self.limits.max_shared_strings {
                    return Err(self.too_many(
                        "共享字符串 (shared strings)",
                        self.strings,
                        self.limits.max_shared_strings,
                    ));
                }
            }
            (Root::Styles, _) => self.style(e, name)?,
            (Root::Workbook, "sheet") => {
                self.sheets += 1;
                if self.sheets > self.limits.max_sheets {
                    return Err(self.too_many(
                        "工作表 (sheets)",
                        self.sheets,
                        self.limits.max_sheets,
                    ));
                }
            }
            (_, "sheetData") => self.in_sheet_data = opens,
            (_, "dimension") => {
                // Form only: the declared range is never used to size anything.
                if let Some(r) = attr(e, "ref") {
                    for side in r.split(':') {
                        self.reference(side, true)?;
                    }
                }
            }
            (_, "row") if self.in_sheet_data => {
                if let Some(r) = attr(e, "r") {
                    self.reference(&r, false)?;
                }
            }
            (_, "c") if self.in_sheet_data => {
                if let Some(r) = attr(e, "r") {
                    self.reference(&r, true)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// `<sst uniqueCount="…">`: calamine reserves that many strings up front.
    fn shared_strings_header(&self, e: &BytesStart<'_>) -> Result<()> {
        if self.size > self.limits.max_shared_string_bytes {
            return Err(WorkbookError::EntryTooLarge {
                entry: self.part.clone(),
                size: self.size,
                limit: self.limits.max_shared_string_bytes,
            });
        }
        // (`count` counts uses, not strings, and sizes nothing.)
        let Some(v) = attr(e, "uniqueCount") else {
            return Ok(());
        };
        let v = v.trim();
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.bad(format!("uniqueCount“{v}”不是数字 (bad count)")));
        }
        let n = v.parse::<u64>().unwrap_or(u64::MAX);
        let limit = self.limits.max_shared_strings;
        if n > limit {
            return Err(self.too_many("共享字符串 (shared strings, declared)", n, limit));
        }
        Ok(())
    }

    fn style(&mut self, e: &BytesStart<'_>, name: &str) -> Result<()> {
        if let Some(i) = STYLE_RECORDS.iter().position(|r| *r == name) {
            self.styles[i] += 1;
            if self.styles[i] > self.limits.max_styles {
                return Err(self.too_many(
                    "样式记录 (style records)",
                    self.styles[i],
                    self.limits.max_styles,
                ));
            }
        }
        for a in e.attributes().with_checks(false) {
            let a = a.map_err(|err| self.bad(err.to_string()))?;
            if a.value.len() > self.limits.max_style_attr_bytes {
                return Err(self.bad(format!(
                    "样式属性超过 {} 字节 (style attribute too long)",
                    self.limits.max_style_attr_bytes
                )));
            }
        }
        Ok(())
    }

    /// A cell (`B7`) or row (`7`) reference within Excel's bounds.
    fn reference(&self, text: &str, with_column: bool) -> Result<()> {
        if parse_reference(text, with_column).is_none() {
            return Err(WorkbookError::BadReference {
                sheet: self.part.clone(),
                reference: text.chars().take(40).collect(),
            });
        }
        Ok(())
    }
}

fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| a.value.into_owned())
}

/// `(row, column)`, zero-based, of `B7` (or of `7` for a row); `None` unless it is within
/// Excel's 1 048 576 rows and 16 384 columns (`XFD`).
pub(crate) fn parse_reference(text: &str, with_column: bool) -> Option<(u32, u32)> {
    let b = text.as_bytes();
    let letters = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    if (with_column && !(1..=3).contains(&letters)) || (!with_column && letters != 0) {
        return None;
    }
    let digits = &b[letters..];
    if digits.is_empty() || digits.len() > 7 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let col = b[..letters].iter().fold(0u32, |acc, c| {
        acc * 26 + u32::from(c.to_ascii_uppercase() - b'A') + 1
    });
    let row = digits
        .iter()
        .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
    if row == 0 || row > EXCEL_ROWS || col > EXCEL_COLUMNS {
        return None;
    }
    Some((row - 1, col.saturating_sub(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_held_to_excel_bounds() {
        assert_eq!(parse_reference("A1", true), Some((0, 0)));
        assert_eq!(
            parse_reference("XFD1048576", true),
            Some((1_048_575, 16_383))
        );
        assert_eq!(parse_reference("7", false), Some((6, 0)));
        for bad in [
            "XFE1",
            "A1048577",
            "A0",
            "AAAA1",
            "A",
            "1A",
            "A1x",
            "",
            "A12345678",
        ] {
            assert_eq!(parse_reference(bad, true), None, "{bad}");
        }
    }
}
