//! Cleaning the decoded paragraphs before any structure is looked for: the debris of PDF
//! extraction (page numbers, "- " bullets, `**bold**` marks, spaces inside Chinese text, lines
//! broken in the middle of a word or a unit's name) and the blank lines of web pages.
//!
//! Everything here is one pass over the text: no paragraph is rebuilt more than once, so a long
//! document costs time in proportion to its length.

use super::{labels, text_table};
use crate::Block;
use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

/// Byte offsets into the document's source text ([`crate::Document::source_text`]).
pub(super) type Src = (usize, usize);

/// A cleaned piece of the document in order: a paragraph, or a table as decoded, each with
/// where it stands in the source text (a table: where each of its rows starts, and its end).
pub(super) enum Piece<'a> {
    Para(String, Src),
    Table(Cow<'a, [Vec<String>]>, Vec<usize>),
}

/// The document's paragraphs cleaned and re-joined, and its tables.
pub(super) fn pieces(blocks: &[Block]) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut pending: Option<(String, Src)> = None;
    let mut at = 0usize;
    let mut i = 0;
    while let Some(block) = blocks.get(i) {
        i += 1;
        match block {
            Block::Paragraph(raw) => {
                if raw.contains('\t')
                    && let Some(t) = blocks.get(i - 1..).and_then(text_table::at)
                {
                    if let Some((p, src)) = pending.take() {
                        out.push(Piece::Para(p, src));
                    }
                    let mut starts = Vec::with_capacity(t.blocks + 1);
                    for b in blocks.iter().skip(i - 1).take(t.blocks) {
                        starts.push(at);
                        at += block_len(b);
                    }
                    starts.push(at);
                    let mut row_starts: Vec<usize> = t
                        .row_blocks
                        .iter()
                        .filter_map(|&k| starts.get(k).copied())
                        .collect();
                    row_starts.push(at);
                    out.push(Piece::Table(Cow::Owned(t.rows), row_starts));
                    i += t.blocks - 1;
                    continue;
                }
                let block_start = at;
                at += raw.len() + 1;
                for (offset, seg) in indented_paragraphs(raw) {
                    let Some(line) = clean_line(seg) else {
                        continue;
                    };
                    let src = (block_start + offset, block_start + offset + seg.len());
                    pending = Some(match pending.take() {
                        Some((mut prev, (s, _))) if joins(&prev, &line) => {
                            prev.push_str(&line);
                            (prev, (s, src.1))
                        }
                        Some(prev) => {
                            out.push(Piece::Para(prev.0, prev.1));
                            (line, src)
                        }
                        None => (line, src),
                    });
                }
            }
            Block::Table(rows) => {
                if let Some((p, src)) = pending.take() {
                    out.push(Piece::Para(p, src));
                }
                let mut row_starts = Vec::with_capacity(rows.len() + 1);
                for row in rows {
                    row_starts.push(at);
                    at += row.iter().map(String::len).sum::<usize>() + row.len().max(1);
                }
                row_starts.push(at);
                out.push(Piece::Table(Cow::Borrowed(rows), row_starts));
            }
        }
    }
    if let Some((p, src)) = pending {
        out.push(Piece::Para(p, src));
    }
    out
}

/// How many bytes a block takes in the source text ([`crate::Document::source_text`]).
fn block_len(block: &Block) -> usize {
    match block {
        Block::Paragraph(p) => p.len() + 1,
        Block::Table(rows) => rows
            .iter()
            .map(|row| row.iter().map(String::len).sum::<usize>() + row.len().max(1))
            .sum(),
    }
}

/// The paragraphs of one line of text, with their byte offsets in it. A web page copied as text
/// may keep its paragraphs only as the full-width indents (`　　`) that began them, inside one
/// very long line: such an indent in the middle of a line starts a paragraph. So does a run
/// of four or more plain or no-break spaces after the end of a sentence.
fn indented_paragraphs(line: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut cuts: Vec<usize> = Vec::new();
    let mut run_start: Option<usize> = None;
    let (mut wide, mut narrow) = (0usize, 0usize);
    let mut before: Option<char> = None;
    let mut seen_text = false;
    for (i, c) in line.char_indices() {
        match c {
            '\u{3000}' => wide += 1,
            ' ' | '\u{a0}' => narrow += 1,
            _ => {
                if let Some(start) = run_start.take()
                    && seen_text
                    && (wide >= 2
                        || (wide + narrow >= 4
                            && before.is_some_and(|b| {
                                matches!(b, '。' | '；' | '！' | '？' | '：' | '」' | '”')
                            })))
                {
                    cuts.push(start);
                }
                wide = 0;
                narrow = 0;
                seen_text = true;
                before = Some(c);
                continue;
            }
        }
        if run_start.is_none() {
            run_start = Some(i);
        }
    }
    let mut parts = Vec::with_capacity(cuts.len() + 1);
    let mut from = 0;
    for cut in cuts {
        parts.push((from, line.get(from..cut).unwrap_or("")));
        from = cut;
    }
    parts.push((from, line.get(from..).unwrap_or("")));
    parts.into_iter()
}

/// Map byte offsets `wanted` (ascending) of a cleaned paragraph `clean` to byte offsets of the
/// `raw` text it was cleaned from. Cleaning mostly drops characters (spaces, bullets, page
/// numbers, line ends) and rarely adds one ("一 总体" → "一、总体"): each character of `clean`
/// is looked for a few characters ahead in `raw`, and one not found there counts as added.
pub(super) fn align(clean: &str, raw: &str, wanted: &[usize]) -> Vec<usize> {
    if clean == raw {
        return wanted.to_vec();
    }
    const LOOKAHEAD: usize = 24;
    let mut out = Vec::with_capacity(wanted.len());
    let mut want = wanted.iter().peekable();
    let mut at = 0usize;
    for (i, c) in clean.char_indices() {
        while want.next_if(|&&w| w <= i).is_some() {
            out.push(at);
        }
        let ahead = raw.get(at..).unwrap_or("");
        if let Some((j, r)) = ahead.char_indices().take(LOOKAHEAD).find(|&(_, r)| r == c) {
            at += j + r.len_utf8();
        }
    }
    // Offsets at or past the end of the cleaned text: past what was matched, at the end of a
    // run of dropped characters.
    for _ in want {
        out.push(raw.len().min(at.max(out.last().copied().unwrap_or(0))));
    }
    out
}

/// Characters of Chinese text (ideographs, CJK and full-width punctuation, quotes and dashes):
/// spaces next to them are debris of PDF extraction, not word breaks.
pub(super) fn is_wide(c: char) -> bool {
    matches!(c,
        '\u{2010}'..='\u{205f}'
        | '\u{2460}'..='\u{24ff}'
        | '\u{2e80}'..='\u{9fff}'
        | '\u{f900}'..='\u{faff}'
        | '\u{fe30}'..='\u{fe4f}'
        | '\u{ff00}'..='\u{ffef}'
        | '\u{20000}'..='\u{3ffff}')
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{3000}' | '\u{a0}' | '\u{200b}' | '\u{feff}')
}

/// One paragraph cleaned, or `None` when nothing of it is content (blank, a page number).
pub(super) fn clean_line(raw: &str) -> Option<String> {
    let raw = raw.trim_matches(is_space);
    if raw.is_empty() {
        return None;
    }
    // A label followed by a space ("一 总体要求", "1 总体要求") would lose the space below and
    // run into its text; give it its punctuation first.
    let fixed;
    let label_first =
        raw.starts_with(|c: char| c.is_ascii_digit() || "一二三四五六七八九十".contains(c));
    let raw = if label_first && let Some(c) = LABEL_SPACE.captures(raw) {
        let (whole, label, text) = (c.get(0)?, c.get(1)?, c.get(2)?);
        let mark = if label.as_str().starts_with(|c: char| c.is_ascii_digit()) {
            "."
        } else {
            "、"
        };
        fixed = format!(
            "{}{mark}{}{}",
            label.as_str(),
            text.as_str(),
            raw.get(whole.end()..)?
        );
        fixed.as_str()
    } else {
        raw
    };
    let mut out = String::with_capacity(raw.len());
    // Most paragraphs have nothing to clean: they are copied whole.
    let found = scan(raw);
    let plain = !found.spaces;
    if plain {
        out.push_str(raw);
    }
    // Spaces are held back until the next character shows whether they separate words.
    let mut space = false;
    let mut last: Option<char> = None;
    let mut chars = raw.chars().peekable();
    while !plain && let Some(c) = chars.next() {
        match c {
            '\0' | '\u{200b}' | '\u{feff}' | '\u{ad}' => continue,
            // `**bold**` marks of text converted through Markdown.
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                continue;
            }
            _ if is_space(c) => {
                space = true;
                continue;
            }
            _ => {}
        }
        if space && !out.is_empty() && !(is_wide(c) || last.is_some_and(is_wide)) {
            out.push(' ');
        }
        space = false;
        out.push(c);
        last = Some(c);
    }
    if out.len() <= 80 && PAGE_NUMBER.is_match(&out) {
        return None;
    }
    // Rarer debris, fixed only where it occurs: page numbers inside a line ("…日—1—全民…"),
    // spaces inside brackets and before a label's dot ("( 1 )", "1 .加强"), « » for 《 》.
    if found.dash_digit
        && let Cow::Owned(f) = INLINE_PAGE.replace_all(&out, "")
    {
        out = f;
    }
    if found.spaces && out.contains(' ') {
        if let Cow::Owned(f) = OPEN_SPACE.replace_all(&out, "$1") {
            out = f;
        }
        if let Cow::Owned(f) = CLOSE_SPACE.replace_all(&out, "$1") {
            out = f;
        }
        if let Cow::Owned(f) = DOT_SPACE.replace(&out, "$n$dot") {
            out = f;
        }
    }
    if found.guillemets {
        out = out.replace('«', "《").replace('»', "》");
    }
    let mut s = out.as_str();
    // Bullets in front of a paragraph ("- 1.提升…", "• ", "# "): formatting, not text.
    loop {
        let t = s
            .strip_prefix("- ")
            .or_else(|| s.strip_prefix("-").filter(|r| labels::starts_with_label(r)))
            .or_else(|| s.strip_prefix("* "))
            .or_else(|| s.strip_prefix("> "))
            .or_else(|| {
                s.strip_prefix([
                    '•', '●', '◆', '■', '□', '○', '▪', '◇', '★', '☆', '▲', '►', '·', '#',
                ])
            });
        match t {
            Some(t) if !t.trim_start().is_empty() => s = t.trim_start(),
            _ => break,
        }
    }
    if s.len() == out.len() {
        return Some(out);
    }
    Some(s.to_string())
}

/// What one byte scan of a paragraph finds: whether the character loop of [`clean_line`] has
/// work (whitespace, NUL, zero-width characters, soft hyphens, `*`); whether a dash comes
/// before a digit (a page number inside a line, perhaps); whether there are « ». Chinese text
/// is mostly three-byte characters none of which qualify, so one pass answers all three.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Scan {
    spaces: bool,
    dash_digit: bool,
    guillemets: bool,
}

fn scan(s: &str) -> Scan {
    let b = s.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    // A digit at `i`, or after one space.
    let digit_at =
        |i: usize| at(i).is_ascii_digit() || (at(i) == b' ' && at(i + 1).is_ascii_digit());
    let mut out = Scan::default();
    for (i, &c) in b.iter().enumerate() {
        match c {
            0 | b'*' | b'\t'..=b'\r' | b' ' => out.spaces = true,
            b'-' => out.dash_digit |= digit_at(i + 1),
            // U+0085, U+00A0, U+00AD; « (U+00AB), » (U+00BB)
            0xC2 => match at(i + 1) {
                0x85 | 0xA0 | 0xAD => out.spaces = true,
                0xAB | 0xBB => out.guillemets = true,
                _ => {}
            },
            // U+1680
            0xE1 => out.spaces |= at(i + 1) == 0x9A && at(i + 2) == 0x80,
            0xE2 => match (at(i + 1), at(i + 2)) {
                // U+2000–U+200B, U+2028, U+2029, U+202F, U+205F
                (0x80, 0x80..=0x8B | 0xA8 | 0xA9 | 0xAF) | (0x81, 0x9F) => out.spaces = true,
                // – — (U+2013, U+2014)
                (0x80, 0x93 | 0x94) => out.dash_digit |= digit_at(i + 3),
                _ => {}
            },
            // U+3000
            0xE3 => out.spaces |= at(i + 1) == 0x80 && at(i + 2) == 0x80,
            0xEF => match (at(i + 1), at(i + 2)) {
                // U+FEFF
                (0xBB, 0xBF) => out.spaces = true,
                // － (U+FF0D)
                (0xBC, 0x8D) => out.dash_digit |= digit_at(i + 3),
                _ => {}
            },
            _ => {}
        }
    }
    out
}

static LABEL_SPACE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([一二三四五六七八九十]{1,3}|[0-9]{1,2})[ \t\u{3000}\u{a0}]+(\p{Han})")
        .unwrap_or_else(|_| unreachable!("constant regex"))
});

static INLINE_PAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[—–－]\s?[0-9]{1,3}\s?[—–－]|\s-\s[0-9]{1,3}\s-\s")
        .unwrap_or_else(|_| unreachable!("constant regex"))
});

static OPEN_SPACE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([(（])\s+").unwrap_or_else(|_| unreachable!("constant regex")));

static CLOSE_SPACE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\s+([)）])").unwrap_or_else(|_| unreachable!("constant regex")));

static DOT_SPACE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<n>[0-9]{1,2})\s+(?P<dot>[.．、])")
        .unwrap_or_else(|_| unreachable!("constant regex"))
});

static PAGE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^[-—–－_~·\s]*(第\s*)?[0-9０-９]{1,4}(\s*页)?(\s*/\s*[0-9]{1,4})?(\s*共\s*[0-9]{1,4}\s*页)?[-—–－_~·\s]*$",
    )
    .unwrap_or_else(|_| unreachable!("constant regex"))
});

/// Whether `next` continues the paragraph `prev` (a line a PDF broke mid-sentence) rather than
/// starting a new one. Looks only at the ends of `prev`, so a long run of joins stays linear.
fn joins(prev: &str, next: &str) -> bool {
    if labels::starts_with_label(next) || starts_with_role(next) || is_marker(next) {
        return false;
    }
    // A title printed on two lines: "…实施方案" / "（2022—2025年）".
    if prev.len() < 240 && YEAR_PAREN.is_match(next) {
        return true;
    }
    let Some(last) = prev.chars().next_back() else {
        return false;
    };
    if matches!(last, '：' | ':' | '、' | '，' | ',' | '(' | '（') {
        return true;
    }
    // A heading that names a document ("…关于印发…的通知", "…实施方案") ends its line, unless a
    // 《 is still open.
    if DOCUMENT_END.iter().any(|w| prev.ends_with(w)) {
        let t = tail(prev, 240);
        return t.matches('《').count() > t.matches('》').count();
    }
    let tail = tail(prev, 120);
    let unclosed = opens(tail) > closes(tail);
    if ends_sentence(last) && !unclosed {
        return false;
    }
    // A short line is a heading or a line of its own (a signature, a unit list).
    if prev.len() < 75 {
        return unclosed;
    }
    // A numbered heading without a full stop is a heading, however the next line begins.
    if prev.len() <= 150 && labels::starts_with_label(prev) && !prev.contains('。') {
        return unclosed;
    }
    true
}

/// Words that end the name of a document or a notice's heading.
const DOCUMENT_END: &[&str] = &[
    "的通知",
    "实施方案",
    "工作方案",
    "行动方案",
    "工作要点",
    "实施意见",
    "行动计划",
    "任务清单",
    "分工表",
];

/// The last `max` bytes of `s` or fewer, cut at a character boundary.
fn tail(s: &str, max: usize) -> &str {
    let mut start = s.len().saturating_sub(max);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    s.get(start..).unwrap_or("")
}

fn opens(s: &str) -> usize {
    s.chars().filter(|c| matches!(c, '(' | '（')).count()
}

fn closes(s: &str) -> usize {
    s.chars().filter(|c| matches!(c, ')' | '）')).count()
}

fn ends_sentence(c: char) -> bool {
    matches!(
        c,
        '。' | '！' | '!' | '？' | '?' | '；' | ';' | '…' | '】' | '」' | '』' | ')' | '）'
    )
}

static YEAR_PAREN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[(（]\s*\d{4}\s*[-—–－~～至到]+\s*\d{4}\s*年?\s*[)）]")
        .unwrap_or_else(|_| unreachable!("constant regex"))
});

/// A line that names units by role ("牵头部门:…", "配合单位：…") starts a paragraph of its own.
pub(super) fn starts_with_role(s: &str) -> bool {
    ROLE_START.is_match(s)
}

static ROLE_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:[(（【]?(?:(?:牵头|配合|责任|协办|参与|主办|主责|协同|协作|负责|承办|实施)(?:单位|部门|主体)?|(?:工作|责任|任务|职责|部门)?分工)\s*[:：]|[【〔\[]\s*(?:牵头|配合|责任|协办|参与|主办|主责|协同|负责|承办|实施)(?:单位|部门|主体)?\s*[】〕\]])",
    )
    .unwrap_or_else(|_| unreachable!("constant regex"))
});

/// Lines that begin an appendix or end the document: never part of the paragraph before them.
pub(super) fn is_marker(s: &str) -> bool {
    starts_appendix(s) || ends_document(s)
}

/// "附件", "附件1：…", "附件：任务分工表", "附件名词解释" (not "附件中所列…", a sentence about
/// the appendix).
pub(super) fn starts_appendix(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("附件") else {
        return false;
    };
    match rest.chars().next() {
        None => true,
        Some(c) => !matches!(
            c,
            '中' | '所'
                | '的'
                | '是'
                | '和'
                | '与'
                | '及'
                | '为'
                | '已'
                | '内'
                | '里'
                | '上'
                | '，'
                | ','
                | '。'
                | '、'
        ),
    }
}

/// Lines after which nothing belongs to the plan: the distribution list of an official
/// document, and the footers of web pages.
pub(super) fn ends_document(s: &str) -> bool {
    const ENDS: &[&str] = &[
        "抄送",
        "抄报",
        "【本文地址】",
        "【打印本页】",
        "【关闭窗口】",
        "打印本页",
        "关闭窗口",
        "【我要纠错】",
        "扫一扫在手机打开",
        "相关附件",
        "相关链接",
        "上一篇",
        "下一篇",
        "今日新闻",
        "推荐新闻",
        "版权所有",
        "CopyRight",
        "Copyright",
        "主办单位：",
        "主办单位:",
    ];
    s.len() <= 600 && ENDS.iter().any(|e| s.starts_with(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paras(lines: &[&str]) -> Vec<String> {
        let blocks: Vec<Block> = lines
            .iter()
            .map(|l| Block::Paragraph((*l).to_string()))
            .collect();
        pieces(&blocks)
            .into_iter()
            .filter_map(|p| match p {
                Piece::Para(s, _) => Some(s),
                Piece::Table(..) => None,
            })
            .collect()
    }

    #[test]
    fn spaces_inside_chinese_text_are_removed_and_between_latin_words_kept() {
        assert_eq!(
            clean_line("到 2025 年,比例达到 15%").as_deref(),
            Some("到2025年,比例达到15%")
        );
        assert_eq!(
            clean_line("Open Data 平台").as_deref(),
            Some("Open Data平台")
        );
    }

    #[test]
    fn the_byte_scan_finds_every_character_the_cleaning_changes() {
        for c in [
            '\0', '*', ' ', '\t', '\u{85}', '\u{a0}', '\u{ad}', '\u{1680}', '\u{2003}', '\u{200b}',
            '\u{2028}', '\u{202f}', '\u{205f}', '\u{3000}', '\u{feff}',
        ] {
            assert!(scan(&format!("科普{c}活动")).spaces, "{c:?}");
        }
        assert_eq!(scan("开展“科普”活动——、。《》（1）"), Scan::default());
        assert!(scan("日—1—全民").dash_digit);
        assert!(scan("日－ 1 －全民").dash_digit);
        assert!(scan("现将«纲要»").guillemets);
    }

    #[test]
    fn every_unicode_space_is_found_by_the_byte_scan() {
        for c in (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|&c| is_space(c))
        {
            assert!(scan(&c.to_string()).spaces, "{c:?}");
        }
    }

    #[test]
    fn bold_marks_bullets_and_page_numbers_go() {
        assert_eq!(
            clean_line("- 3. **夯实基础**。围绕").as_deref(),
            Some("3.夯实基础。围绕")
        );
        assert_eq!(clean_line("- 1 -"), None);
        assert_eq!(clean_line("— 12 —"), None);
        assert_eq!(clean_line("第 3 页 共 12 页"), None);
    }

    #[test]
    fn spaces_inside_brackets_and_before_a_labels_dot_go() {
        assert_eq!(clean_line("( 1 ) 加强").as_deref(), Some("(1)加强"));
        assert_eq!(clean_line("1 .加强科普").as_deref(), Some("1.加强科普"));
        assert_eq!(
            clean_line("纲要 ( 2021—2035 年 )").as_deref(),
            Some("纲要(2021—2035年)")
        );
    }

    #[test]
    fn page_numbers_inside_a_line_and_guillemets_are_mended() {
        assert_eq!(
            clean_line("2021 年 6 月 3 日 — 1 — 全民科学素质").as_deref(),
            Some("2021年6月3日全民科学素质")
        );
        assert_eq!(
            clean_line("现将 «全 民 科 学 素 质 行 动 规 划 纲 要» 印发").as_deref(),
            Some("现将《全民科学素质行动规划纲要》印发")
        );
        assert_eq!(
            clean_line("(2006—2010—2020年)").as_deref(),
            Some("(2006—2010—2020年)")
        );
    }

    #[test]
    fn a_label_followed_by_a_space_keeps_its_punctuation() {
        assert_eq!(clean_line("一 总体要求").as_deref(), Some("一、总体要求"));
    }

    #[test]
    fn a_line_broken_mid_sentence_is_joined() {
        let long = "培训农业从业人员1万人次以上,开展各类活动,举办各类讲座培训,不少于10";
        assert_eq!(
            paras(&[long, "场次。(责任单位:市科协)"]),
            vec![format!("{long}场次。(责任单位:市科协)")]
        );
        assert_eq!(
            paras(&["(牵头单位:", "市农业农村局)"]),
            vec!["(牵头单位:市农业农村局)"]
        );
    }

    #[test]
    fn headings_labels_and_role_lines_start_new_paragraphs() {
        assert_eq!(
            paras(&["(一)指导思想", "以习近平新时代中国特色社会主义思想为指导"]).len(),
            2
        );
        assert_eq!(paras(&["牵头部门:市教育局", "配合部门:市科协"]).len(), 2);
        let long = "加强科普基础设施建设合理布局,丰富科普基础设施服务内容,促进资源合理配置";
        assert_eq!(paras(&[long, "2.构建现代科技馆体系。"]).len(), 2);
    }

    #[test]
    fn a_title_printed_on_two_lines_is_one() {
        assert_eq!(
            paras(&["某区全民科学素质行动规划纲要实施方案", "（2022—2025年）"]),
            vec!["某区全民科学素质行动规划纲要实施方案（2022—2025年）"]
        );
    }
}
