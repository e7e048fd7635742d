//! Numbering labels: 一、 (一) 1. (1) 1) ① 一是 第一， 第一章, in full and half width.
//!
//! A label is recognised by its shape alone here; whether it really starts an item (and is not
//! "2.0" in "计划2.0" or "一、" in "统一、规范") is decided by the caller from where it stands and
//! from the numbering sequence so far ([`super::tree`]).

/// The numbering styles, from the usual top level down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Style {
    /// 一、
    Cn,
    /// (一) （一）
    CnParen,
    /// 1. 1． １． 1、
    Num,
    /// (1) （1） ⑴
    NumParen,
    /// 1)
    NumHalfParen,
    /// ① ②
    Circled,
    /// 一是 二是
    CnShi,
    /// 第一， 第二，
    Ordinal,
    /// 第一章 第一部分 第一节
    Chapter,
}

impl Style {
    pub(super) const COUNT: usize = 9;

    pub(super) fn index(self) -> usize {
        self as usize
    }
}

/// A label found in a text: its style, its number, and where it stands (byte offsets; `end`
/// is just past the label and its punctuation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Found {
    pub style: Style,
    pub n: u32,
    pub start: usize,
    pub end: usize,
}

impl Found {
    /// The label as the path shows it: `一`, `(一)`, `1`, `(1)`, `①`, `一是`, `第一章`. Built
    /// only for labels that are taken: most candidates are not.
    pub(super) fn label(&self, src: &str) -> String {
        let raw = src.get(self.start..self.end).unwrap_or("");
        let numeral = |from: &str| -> String {
            from.chars()
                .take_while(|&c| cn_digit(c).is_some())
                .collect()
        };
        let skip_first = |s: &str| s.chars().skip(1).collect::<String>();
        match self.style {
            Style::Cn => numeral(raw),
            Style::CnParen => format!("({})", numeral(&skip_first(raw))),
            Style::Num => self.n.to_string(),
            Style::NumParen => format!("({})", self.n),
            Style::NumHalfParen => format!("{})", self.n),
            Style::Circled => raw.chars().take(1).collect(),
            Style::CnShi => format!("{}是", numeral(raw)),
            Style::Ordinal => format!("第{}", numeral(&skip_first(raw))),
            Style::Chapter => raw
                .trim_end_matches(['、', '：', ':', '，', ','])
                .to_string(),
        }
    }
}

/// Characters a label can begin with; anything else is skipped without a closer look.
pub(super) fn may_start(c: char) -> bool {
    matches!(c, '(' | '（' | '第')
        || c.is_ascii_digit()
        || ('０'..='９').contains(&c)
        || cn_digit(c).is_some()
        || ('\u{2460}'..='\u{249b}').contains(&c)
}

/// The label at byte `i` of `s`, if its shape and its surroundings allow one there. `at_start`:
/// `i` begins a paragraph, where more forms are labels than inside running text.
pub(super) fn label_at(s: &str, i: usize, at_start: bool) -> Option<Found> {
    let rest = s.get(i..)?;
    let prev = s.get(..i).and_then(|p| p.chars().next_back());
    let mut it = rest.char_indices();
    let (_, c) = it.next()?;
    let found = match c {
        '(' | '（' => paren(rest)?,
        '第' => ordinal(rest, at_start)?,
        '\u{2460}'..='\u{2473}' => Found {
            style: Style::Circled,
            n: c as u32 - 0x2460 + 1,
            start: 0,
            end: c.len_utf8(),
        },
        // ⑴…⒇: parenthesised numbers as one character.
        '\u{2474}'..='\u{2487}' => {
            let n = c as u32 - 0x2474 + 1;
            Found {
                style: Style::NumParen,
                n,
                start: 0,
                end: c.len_utf8(),
            }
        }
        // ⒈…⒛: numbers with a full stop as one character.
        '\u{2488}'..='\u{249b}' => {
            let n = c as u32 - 0x2488 + 1;
            Found {
                style: Style::Num,
                n,
                start: 0,
                end: c.len_utf8(),
            }
        }
        _ if digit(c).is_some() => arabic(rest, at_start)?,
        _ => chinese(rest)?,
    };
    if !fits_before(found.style, prev, at_start) {
        return None;
    }
    Some(Found {
        start: i,
        end: i + found.end,
        ..found
    })
}

/// Whether `s` begins with a label (as a paragraph does).
pub(super) fn starts_with_label(s: &str) -> bool {
    label_at(s, 0, true).is_some()
}

/// What may stand just before a label inside running text.
fn fits_before(style: Style, prev: Option<char>, at_start: bool) -> bool {
    let Some(p) = prev else { return true };
    if at_start {
        return true;
    }
    match style {
        // "统一、规范" is not item 一: inside text, 一、 follows the end of a sentence or a clause
        // in brackets.
        Style::Cn => is_break(p),
        Style::Num => {
            !(p.is_ascii_alphanumeric()
                || digit(p).is_some()
                || matches!(p, '.' | '．' | '-' | '第' | '〔' | '[' | '/' | '%' | '％'))
        }
        Style::CnParen | Style::NumParen | Style::Circled => p != '第',
        // "：一是…；二是…": after the colon or semicolon that introduces or separates them.
        Style::CnShi => matches!(p, '。' | '；' | ';' | '：' | ':'),
        Style::NumHalfParen | Style::Ordinal | Style::Chapter => false,
    }
}

/// Punctuation that ends a sentence or a bracketed clause: after it, a new item may begin.
pub(super) fn is_break(c: char) -> bool {
    matches!(
        c,
        '。' | '；'
            | ';'
            | '！'
            | '!'
            | '？'
            | '?'
            | '：'
            | ':'
            | ')'
            | '）'
            | '”'
            | '"'
            | '」'
            | '】'
    )
}

/// `(一)`, `（一）`, `(1)`, `（１）`.
fn paren(rest: &str) -> Option<Found> {
    let mut chars = rest.char_indices().skip(1);
    let (_, first) = chars.next()?;
    if cn_digit(first).is_some() {
        let (n, len) = cn_number(rest.get(first_len(rest)..)?)?;
        let close = first_len(rest) + len;
        let c = rest.get(close..)?.chars().next()?;
        if !matches!(c, ')' | '）') {
            return None;
        }
        return Some(Found {
            style: Style::CnParen,
            n,
            start: 0,
            end: close + c.len_utf8(),
        });
    }
    let (n, len) = digits(rest.get(first_len(rest)..)?)?;
    let close = first_len(rest) + len;
    let c = rest.get(close..)?.chars().next()?;
    if !matches!(c, ')' | '）') {
        return None;
    }
    Some(Found {
        style: Style::NumParen,
        n,
        start: 0,
        end: close + c.len_utf8(),
    })
}

fn first_len(s: &str) -> usize {
    s.chars().next().map_or(0, char::len_utf8)
}

/// `1.` `1．` `１．` `1、` (not "1.5", "2021-2025"), and `1)` at the start of a paragraph.
fn arabic(rest: &str, at_start: bool) -> Option<Found> {
    let (n, len) = digits(rest)?;
    let after = rest.get(len..)?;
    let mut it = after.chars();
    let p = it.next()?;
    let next = it.next();
    match p {
        '.' | '．' | '、' => {
            // "1.5", "2.0", "1..": a decimal, not a label; a label is followed by its text.
            match next {
                None => return None,
                Some(c) if digit(c).is_some() || c == '.' || c == '%' || c == '％' => return None,
                Some(_) => {}
            }
            Some(Found {
                style: Style::Num,
                n,
                start: 0,
                end: len + p.len_utf8(),
            })
        }
        ')' | '）' if at_start => Some(Found {
            style: Style::NumHalfParen,
            n,
            start: 0,
            end: len + p.len_utf8(),
        }),
        _ => None,
    }
}

/// `一、` `一．`, and at the start of a paragraph `一是`.
fn chinese(rest: &str) -> Option<Found> {
    let (n, len) = cn_number(rest)?;
    let after = rest.get(len..)?;
    let mut it = after.chars();
    let p = it.next()?;
    let next = it.next();
    match p {
        '、' => {}
        '.' | '．' if next.is_some_and(|c| digit(c).is_none()) => {}
        '是' => {
            return Some(Found {
                style: Style::CnShi,
                n,
                start: 0,
                end: len + p.len_utf8(),
            });
        }
        _ => return None,
    }
    // "一、" at the very end of a text labels nothing.
    next?;
    Some(Found {
        style: Style::Cn,
        n,
        start: 0,
        end: len + p.len_utf8(),
    })
}

/// `第一章`, `第二部分`, `第三节` and `第一，` (at the start of a paragraph only).
fn ordinal(rest: &str, at_start: bool) -> Option<Found> {
    if !at_start {
        return None;
    }
    let body = rest.get('第'.len_utf8()..)?;
    let (n, len) = cn_number(body)?;
    let after = body.get(len..)?;
    let head = '第'.len_utf8() + len;
    for word in ["部分", "章", "节", "篇"] {
        if after.starts_with(word) {
            let end = head + word.len();
            let skip = after
                .get(word.len()..)
                .and_then(|a| a.chars().next())
                .filter(|c| matches!(c, '、' | '：' | ':' | '，' | ','))
                .map_or(0, char::len_utf8);
            return Some(Found {
                style: Style::Chapter,
                n,
                start: 0,
                end: end + skip,
            });
        }
    }
    let p = after.chars().next()?;
    if matches!(p, '，' | ',' | '、') {
        return Some(Found {
            style: Style::Ordinal,
            n,
            start: 0,
            end: head + p.len_utf8(),
        });
    }
    None
}

/// One or two digits (ASCII or full width) not followed by a third: the number and byte length.
fn digits(s: &str) -> Option<(u32, usize)> {
    let mut n = 0u32;
    let mut len = 0;
    let mut count = 0;
    for c in s.chars() {
        let Some(d) = digit(c) else { break };
        count += 1;
        if count > 2 {
            return None;
        }
        n = n * 10 + d;
        len += c.len_utf8();
    }
    (count > 0 && n > 0).then_some((n, len))
}

/// An ASCII or full-width digit's value.
pub(super) fn digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

fn cn_digit(c: char) -> Option<u32> {
    Some(match c {
        '一' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        '十' => 10,
        _ => return None,
    })
}

/// A Chinese numeral from 一 to 九十九 at the start of `s`: its value and byte length.
pub(super) fn cn_number(s: &str) -> Option<(u32, usize)> {
    let mut vals = [0u32; 3];
    let mut count = 0;
    let mut len = 0;
    for c in s.chars() {
        let Some(v) = cn_digit(c) else { break };
        if count == 3 {
            return None;
        }
        vals[count] = v;
        count += 1;
        len += c.len_utf8();
    }
    let n = match vals.get(..count)? {
        [d] => *d,
        [10, d] if *d < 10 => 10 + d,
        [d, 10] if *d < 10 && *d > 1 => d * 10,
        [d, 10, e] if *d < 10 && *d > 1 && *e < 10 => d * 10 + e,
        _ => return None,
    };
    Some((n, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(s: &str) -> Option<(Style, u32, String)> {
        label_at(s, 0, true).map(|f| (f.style, f.n, f.label(s)))
    }

    #[test]
    fn every_width_of_every_level_is_a_label() {
        assert_eq!(label("一、总体要求"), Some((Style::Cn, 1, "一".into())));
        assert_eq!(label("十一、其他"), Some((Style::Cn, 11, "十一".into())));
        assert_eq!(
            label("（二）目标"),
            Some((Style::CnParen, 2, "(二)".into()))
        );
        assert_eq!(
            label("(十二)目标"),
            Some((Style::CnParen, 12, "(十二)".into()))
        );
        assert_eq!(label("1．利用"), Some((Style::Num, 1, "1".into())));
        assert_eq!(label("１２．利用"), Some((Style::Num, 12, "12".into())));
        assert_eq!(label("3、利用"), Some((Style::Num, 3, "3".into())));
        assert_eq!(label("（3）利用"), Some((Style::NumParen, 3, "(3)".into())));
        assert_eq!(label("4)利用"), Some((Style::NumHalfParen, 4, "4)".into())));
        assert_eq!(label("②利用"), Some((Style::Circled, 2, "②".into())));
        assert_eq!(label("⑵利用"), Some((Style::NumParen, 2, "(2)".into())));
        assert_eq!(label("二是加强"), Some((Style::CnShi, 2, "二是".into())));
        assert_eq!(
            label("第三，加强"),
            Some((Style::Ordinal, 3, "第三".into()))
        );
        assert_eq!(
            label("第二部分 任务"),
            Some((Style::Chapter, 2, "第二部分".into()))
        );
    }

    #[test]
    fn numbers_that_are_not_labels_are_refused() {
        assert_eq!(label("2.0版本"), None);
        assert_eq!(label("1.5万人"), None);
        assert_eq!(label("2021-2025年"), None);
        assert_eq!(label("123.项"), None);
        assert_eq!(label("(2021-2025年)"), None);
        assert_eq!(label("(一般由网格长兼任)"), None);
        assert_eq!(label("5项行动"), None);
    }

    #[test]
    fn inside_text_a_chinese_comma_label_needs_a_sentence_end_before_it() {
        let s = "统一、规范。二、任务";
        let i = s.find("一、").unwrap();
        assert!(label_at(s, i, false).is_none());
        let j = s.find("二、").unwrap();
        assert_eq!(label_at(s, j, false).map(|f| f.n), Some(2));
    }

    #[test]
    fn inside_text_yi_shi_follows_a_colon_or_a_semicolon() {
        let s = "主要措施：一是加强宣传；二是统一是非标准。";
        let i = s.find("一是").unwrap();
        assert_eq!(label_at(s, i, false).map(|f| f.n), Some(1));
        let j = s.find("二是").unwrap();
        assert_eq!(label_at(s, j, false).map(|f| f.n), Some(2));
        let k = s.rfind("一是").unwrap();
        assert!(label_at(s, k, false).is_none());
    }

    #[test]
    fn inside_text_a_number_label_is_not_part_of_a_longer_number() {
        let s = "计划12.项目";
        let i = s.find("2.").unwrap();
        assert!(label_at(s, i, false).is_none());
        let t = "原则1.突出";
        let j = t.find('1').unwrap();
        assert_eq!(label_at(t, j, false).map(|f| f.n), Some(1));
    }
}
