//! Word's automatic numbering (编号): `numbering.xml` and the numbering of paragraph styles,
//! written out as the text Word shows before a paragraph ("一、", "（一）", "1.", "①").

use super::{Ns, attr, attr_num, local, ns_of, skipped};
use quick_xml::NsReader;
use quick_xml::events::Event;
use std::collections::HashMap;
use std::io::BufRead;

#[derive(Default)]
pub(super) struct Numbering {
    abstracts: HashMap<String, Vec<Level>>,
    nums: HashMap<String, Num>,
    pub(super) styles: HashMap<String, StyleNum>,
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
pub(super) struct StyleNum {
    based_on: Option<String>,
    num_id: Option<String>,
    ilvl: Option<u8>,
}

impl Numbering {
    /// The number Word shows before a paragraph, if it has one; advances the list's counter.
    pub(super) fn label(
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

pub(super) fn parse_numbering<R: BufRead>(
    reader: &mut NsReader<R>,
) -> Result<Numbering, quick_xml::Error> {
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

pub(super) fn parse_styles<R: BufRead>(
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
}
