//! Quantitative targets (量化目标) in a piece of text: "每个村至少培育1名创业创新带头人".
//!
//! A target is a number with a measure word (5000人次, 1名, 90%, 1-2家, 两家), the words that
//! compare with it (超过, 以上, 不少于, 至少, 达到), the year it is due (到2025年) and the entity
//! it applies to (每个村, 每年). The text is read sentence by sentence (。！？): a deadline or a
//! 每年 stated early in a sentence governs the clauses after it, never the next sentence.
//!
//! What is not a target: dates and plan periods (2021-2025年, 2022年6月), document numbers
//! (〔2021〕9号), numbering (1. (1) 一、), ordinals (第一, 第三届), names in quotes or book-title
//! marks (“5项行动”, 《…2020年…》), version numbers (2.0), numbers without a measure word,
//! numbers that start a different word (60万以上人口, 66条等), and 一 without a comparator
//! (一批, 一支队伍, 一村一名: words, not counts).
//!
//! Every step looks at a bounded window around each number, so the time is linear in the
//! length of the text.

mod indicator;
mod lexicon;
mod numeral;

use kesu_core::{Comparator, Target, TargetValue};
use regex::{Captures, Regex};
use std::sync::LazyLock;

/// Every quantitative commitment stated in `text`, in order.
pub fn extract(text: &str) -> Vec<Target> {
    let mut out = Vec::new();
    for sentence in sentences(text) {
        extract_sentence(sentence, &mut out);
    }
    out
}

/// The targets of a goals paragraph (主要目标). A goal whose sentence states no year is due at
/// the end of the plan period (`period[1]`): an annual 工作要点's "确保…比例超过10%" is that
/// year's goal.
pub fn extract_goals(text: &str, period: Option<[i32; 2]>) -> Vec<Target> {
    let mut goals = extract(text);
    if let Some([_, end]) = period {
        for g in &mut goals {
            g.year.get_or_insert(end);
        }
    }
    goals
}

/// A built-in pattern. They are fixed strings checked by the unit tests, so failing to compile
/// one is a programming error, not a user-input condition.
fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("built-in pattern does not compile: {e}"))
}

/// Whitespace allowed inside a quantity: PDF text breaks lines anywhere ("不少于10\n场次",
/// "1 万人次"). Bounded, so that a match stays short.
const SP: &str = r"\s{0,4}";

const NUM: &str = r"[0-9０-９]+(?:[.．][0-9０-９]+)?|[零〇一二两三四五六七八九十百千万亿]+";

/// A number with its comparator words and measure word.
static QTY: LazyLock<Regex> = LazyLock::new(|| {
    let pre = lexicon::PRE_COMPARATORS.join("|");
    let units = lexicon::UNITS
        .iter()
        .map(|u| regex::escape(u))
        .collect::<Vec<_>>()
        .join("|");
    re(&format!(
        r"(?P<pre>{pre})?{SP}(?P<n1>{NUM}){SP}(?P<m1>[万亿])?{SP}(?:[%％])?(?:{SP}(?P<dash>[-－—–~～至到]){SP}(?P<n2>{NUM}){SP}(?P<m2>[万亿])?)?{SP}(?P<approx>余|多)?{SP}(?P<unit>{units})(?P<post>{SP}(?:及以上|以上|以下|以内|之内|左右))?"
    ))
});

/// A year, with the words around it that make it a deadline (到2025年, 2025年底, 2025年目标:).
static YEAR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?P<pre>截止到|截至|截止|到|至|于)?\s*(?P<y>(?:19|20)[0-9]{2})\s*年(?P<suf>底|末|前|以前|之前)?",
    )
});

/// The end of a five-year plan period: “十四五”末 = 2025.
static PLAN_END: LazyLock<Regex> =
    LazyLock::new(|| re(r"十(?P<n>[一二三四五六七八九])五[”\x22]?(?:规划)?(?:时期|期)?末"));

/// A collective subject at the start of a sentence: 县市区科协, 各乡镇政府 ("each of them").
static COLLECTIVE: LazyLock<Regex> = LazyLock::new(|| {
    let endings = lexicon::ORG_ENDINGS.join("|");
    re(&format!(
        r"^(?:各)?(?:[县市区乡镇村]|街道|社区){{2,}}\p{{Han}}{{0,4}}?(?:{endings})"
    ))
});

/// A clause that says nothing but when: 到2025年, 力争到2025年底.
static YEAR_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:力争|确保|争取|预计)?(?:截止到|截至|截止|到|至)?(?:(?:19|20)[0-9]{2}年(?:底|末|前)?|“?十[一二三四五六七八九]五”?(?:时期|期)?末)$",
    )
});

/// A numbering label or bullet at the start of a clause: 1. (1) （一） 一、 ① - **.
static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:[-•·*]+\s*)?(?:[(（][0-9０-９一二三四五六七八九十]+[)）]|[0-9０-９]+[.．、]|[一二三四五六七八九十]+、|[①-⑳])",
    )
});

/// A goals heading at the start of a paragraph: 目标, 主要目标, 发展目标：.
static GOAL_HEADING: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:主要|工作|发展|总体|具体|近期|阶段|预期)?目标(?:任务)?[:：。.]?"));

fn sentences(text: &str) -> impl Iterator<Item = &str> {
    text.split(['。', '！', '？', '!', '?'])
}

fn is_clause_delim(c: char) -> bool {
    matches!(c, '，' | ',' | '；' | ';')
}

/// A number with its measure word, validated, relative to its sentence.
#[derive(Debug, Clone)]
struct Qty {
    /// Start of the match, including a comparator word before the number.
    start: usize,
    num_start: usize,
    end: usize,
    comparator: Comparator,
    value: TargetValue,
    unit: String,
    chinese_one: bool,
}

fn prev_char(s: &str, i: usize) -> Option<char> {
    s[..i].chars().next_back()
}

/// Byte spans inside quotation or book-title marks: names, not commitments.
fn quoted_spans(s: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut open: Option<(usize, char)> = None;
    let mut ascii_open: Option<usize> = None;
    for (i, c) in s.char_indices() {
        match c {
            '“' | '《' | '「' | '『' | '‘' => open = Some((i, c)),
            '”' | '》' | '」' | '』' | '’' => {
                if let Some((start, _)) = open.take()
                    && i - start <= 240
                {
                    spans.push((start, i));
                }
            }
            '"' => match ascii_open.take() {
                Some(start) if i - start <= 240 => spans.push((start, i)),
                Some(_) => {}
                None => ascii_open = Some(i),
            },
            _ => {}
        }
    }
    spans.sort_unstable();
    spans
}

fn in_spans(spans: &[(usize, usize)], pos: usize) -> bool {
    let k = spans.partition_point(|&(a, _)| a < pos);
    // Spans may nest («“…”»); the few before `pos` that could contain it are checked.
    spans[..k]
        .iter()
        .rev()
        .take(4)
        .any(|&(a, b)| a < pos && pos < b)
}

fn pre_comparator(word: &str) -> Comparator {
    match word {
        "不超过" | "不高于" | "不多于" | "控制在" => Comparator::Le,
        "超过" | "多于" | "高于" | "大于" => Comparator::Gt,
        "低于" | "少于" | "小于" | "不到" => Comparator::Lt,
        _ => Comparator::Ge,
    }
}

/// Read one match of [`QTY`] into a [`Qty`], or `None` when it is not a count.
fn read_qty(s: &str, caps: &Captures<'_>, quoted: &[(usize, usize)]) -> Option<Qty> {
    let whole = caps.get(0)?;
    let n1 = caps.name("n1")?;
    let unit_m = caps.name("unit")?;
    let pre = caps.name("pre");
    let chinese = !numeral::is_arabic(n1.as_str());

    // What precedes the number: a letter or digit makes it part of a code (V2.0, G20), 第 an
    // ordinal, 前 a rank; for Chinese numerals a word-forming character (统一, 之一, 进一步).
    let before = if pre.is_some() {
        whole.start()
    } else {
        n1.start()
    };
    if let Some(p) = prev_char(s, before) {
        if p.is_ascii_alphanumeric()
            || matches!(p, '.' | '．' | '_' | '/' | '第' | '前' | '×' | '*' | '＊')
        {
            return None;
        }
        if chinese && lexicon::CN_WORD_PREFIX.contains(p) {
            return None;
        }
        // A clock time (10:47).
        if matches!(p, ':' | '：')
            && prev_char(s, before - p.len_utf8()).is_some_and(|c| c.is_ascii_digit())
        {
            return None;
        }
    }
    if in_spans(quoted, n1.start()) {
        return None;
    }
    let unit = unit_m.as_str();
    // Web pages and PDFs put spaces inside words ("名 称"), so look past them.
    let after_unit = s[unit_m.end()..].chars().find(|c| !c.is_whitespace());
    // "30所以上": a comparator after the unit shows it is one ("所以" is not meant).
    let post_follows = caps.name("post").is_some();
    if let Some(c) = after_unit {
        if !post_follows && lexicon::unit_starts_word(unit, c) {
            return None;
        }
        // 三个一, 五位一体: a slogan built of numerals.
        if chinese && numeral::is_cn_numeral(c) {
            return None;
        }
    }
    // "健康素养66条等": a quantity followed by 等 names a standard or a list, not a commitment.
    let rest = s[whole.end()..].trim_start();
    if rest.starts_with('等') {
        return None;
    }
    // "由10%提高到15%": the first number is where the rise starts, not the commitment.
    if ["提高", "提升", "增加", "增长", "上升", "扩大"]
        .iter()
        .any(|w| {
            rest.strip_prefix(w)
                .is_some_and(|r| r.starts_with(['到', '至']))
        })
    {
        return None;
    }
    // "15分钟科普服务圈", "1小时经济圈": a concept named by a distance or time.
    if rest.chars().take(6).any(|c| c == '圈') {
        return None;
    }
    let post = caps.name("post").map(|m| m.as_str().trim());
    if lexicon::DURATIONS.contains(&unit) {
        let bare = pre.is_none() && post.is_none() && caps.name("approx").is_none();
        if rest.starts_with('内') || (bare && rest.starts_with(|c: char| is_han(c))) {
            return None;
        }
    }
    // A numbering label followed by a space at the start of a line ("3 人才队伍建设").
    let line_start = s[..n1.start()]
        .chars()
        .rev()
        .find(|c| !matches!(c, ' ' | '\t' | '\u{3000}'))
        .is_none_or(|c| c == '\n' || c == '\r');
    if line_start
        && pre.is_none()
        && !chinese
        && s[n1.end()..unit_m.start()].contains(char::is_whitespace)
    {
        return None;
    }

    let m1 = caps.name("m1").map(|m| m.as_str());
    let v1 = numeral::parse_number(n1.as_str(), m1)?;
    let (value, range) = match caps.name("n2") {
        Some(n2) => {
            let m2 = caps.name("m2").map(|m| m.as_str()).or(m1);
            // 1-2万人: the multiplier written once applies to both ends.
            let v1 = if m1.is_none() && m2.is_some() {
                numeral::parse_number(n1.as_str(), m2)?
            } else {
                v1
            };
            let v2 = numeral::parse_number(n2.as_str(), m2)?;
            if v2 <= v1 {
                return None;
            }
            (TargetValue::Range([v1, v2]), true)
        }
        None => (TargetValue::Number(v1), false),
    };

    let mut comparator = if range {
        Comparator::Range
    } else {
        Comparator::Eq
    };
    if !range {
        if let Some(p) = pre {
            comparator = pre_comparator(p.as_str());
        }
        match post {
            Some("以上" | "及以上") if comparator != Comparator::Gt => {
                comparator = Comparator::Ge
            }
            Some("以下" | "以内" | "之内") if comparator != Comparator::Lt => {
                comparator = Comparator::Le
            }
            _ => {}
        }
        if caps.name("approx").is_some() && comparator == Comparator::Eq {
            comparator = Comparator::Gt;
        }
    }
    let unit = match unit {
        "％" => "%",
        u => u,
    };
    Some(Qty {
        start: whole.start(),
        num_start: n1.start(),
        end: whole.end(),
        comparator,
        value,
        unit: unit.to_string(),
        chinese_one: chinese && v1 == 1.0 && !range,
    })
}

/// A deadline year in a sentence: where it ends and the year.
#[derive(Debug, Clone, Copy)]
struct YearMark {
    start: usize,
    end: usize,
    /// `None` for the end of a period (2024年至2025年): it ends the scope of an earlier deadline
    /// without giving one.
    year: Option<i32>,
}

fn year_marks(s: &str) -> Vec<YearMark> {
    let mut marks = Vec::new();
    for caps in YEAR.captures_iter(s) {
        let (Some(whole), Some(y)) = (caps.get(0), caps.name("y")) else {
            continue;
        };
        // Part of a range (2021-2025年, 2022年到2025年 is read at its second year) or a date.
        let before_year = s[..y.start()].trim_end();
        let period_end = |marks: &mut Vec<YearMark>| {
            marks.push(YearMark {
                start: whole.start(),
                end: whole.end(),
                year: None,
            });
        };
        if before_year.ends_with(['-', '－', '—', '–', '~', '～']) {
            period_end(&mut marks);
            continue;
        }
        if before_year.ends_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let rest = s[whole.end()..].trim_start();
        if rest.starts_with(['月', '度', '-', '－', '—', '–', '~', '～', '至', '到']) {
            continue;
        }
        // 2023年6月底前: a deadline with a month; 2022年6月21日: a date.
        let month_end = rest
            .trim_start_matches(|c: char| c.is_ascii_digit() || c.is_whitespace())
            .strip_prefix('月')
            .map(str::trim_start);
        let mut month_deadline = false;
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            match month_end {
                Some(m) if m.starts_with(['底', '前', '末']) || m.starts_with("份前") => {
                    month_deadline = true;
                }
                _ => continue,
            }
        }
        let pre = caps.name("pre");
        // 2021年至2025年, 2021至2025年: a period, not a deadline.
        if pre.is_some_and(|p| {
            matches!(p.as_str(), "至" | "到")
                && s[..p.start()]
                    .trim_end()
                    .ends_with(|c: char| c == '年' || c.is_ascii_digit())
        }) {
            period_end(&mut marks);
            continue;
        }
        // 于 only when it is "于2025年前/底".
        let has_pre = pre.is_some_and(|p| p.as_str() != "于" || caps.name("suf").is_some());
        let deadline = has_pre
            || month_deadline
            || caps.name("suf").is_some()
            || rest.is_empty()
            || rest.starts_with(['，', ',', '：', ':', '；', ';', '、'])
            || rest.starts_with("目标");
        if !deadline {
            continue;
        }
        if let Ok(year) = y.as_str().parse::<i32>() {
            marks.push(YearMark {
                start: whole.start(),
                end: whole.end(),
                year: Some(year),
            });
        }
    }
    for caps in PLAN_END.captures_iter(s) {
        let (Some(whole), Some(n)) = (caps.get(0), caps.name("n")) else {
            continue;
        };
        if let Some(n) = numeral::parse_chinese(n.as_str()) {
            // The n-th five-year plan ends in 1955 + 5n (十四五: 2021–2025).
            marks.push(YearMark {
                start: whole.start(),
                end: whole.end(),
                year: Some(1955 + 5 * (10 + n as i32)),
            });
        }
    }
    marks.sort_by_key(|m| m.start);
    marks
}

/// A per-entity phrase: 每个村, 每所中小学校, 每年.
#[derive(Debug, Clone, Copy)]
struct Per {
    start: usize,
    end: usize,
    time: bool,
}

/// The per phrase that starts at `i` (a `每`), if any.
fn per_at(s: &str, i: usize) -> Option<Per> {
    let rest = s[i..].strip_prefix('每')?;
    let base = i + '每'.len_utf8();
    if let Some(t) = lexicon::starts_with_any(rest, lexicon::PER_TIMES) {
        return Some(Per {
            start: i,
            end: base + t.len(),
            time: true,
        });
    }
    let measure = lexicon::starts_with_any(rest, lexicon::PER_MEASURES).unwrap_or("");
    let noun_start = base + measure.len();
    let mut n = 0;
    let mut depth = 0u32; // inside brackets, a list is part of the noun: 每个县（市、区）
    for (off, c) in s[noun_start..].char_indices() {
        let pos = noun_start + off;
        if n > 0
            && depth == 0
            && (lexicon::starts_with_any(&s[pos..], lexicon::PER_STOPS).is_some())
        {
            return Some(Per {
                start: i,
                end: pos,
                time: false,
            });
        }
        match c {
            '(' | '（' => depth += 1,
            ')' | '）' => depth = depth.saturating_sub(1),
            _ => {}
        }
        let noun_char = is_han(c)
            || matches!(c, '(' | ')' | '（' | '）')
            || (depth > 0 && matches!(c, '、' | ',' | '，'));
        if !noun_char {
            return (n > 0).then_some(Per {
                start: i,
                end: pos,
                time: false,
            });
        }
        n += 1;
        if n > 10 {
            return None;
        }
    }
    (n > 0).then_some(Per {
        start: i,
        end: s.len(),
        time: false,
    })
}

fn per_phrases(s: &str) -> Vec<Per> {
    let mut out: Vec<Per> = Vec::new();
    for (i, c) in s.char_indices() {
        if out.last().is_some_and(|p| i < p.end) {
            continue;
        }
        let per = match c {
            '每' => per_at(s, i),
            // 年均 ("on average per year") is a per-year figure, kept as written; not in a
            // date ("2025年均…" does not occur as one).
            '年' if s[i..].starts_with("年均")
                && !prev_char(s, i).is_some_and(|p| p.is_ascii_digit()) =>
            {
                Some(Per {
                    start: i,
                    end: i + "年均".len(),
                    time: true,
                })
            }
            _ => None,
        };
        out.extend(per);
    }
    out
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}')
}

/// `s` without whitespace, except one space between two Latin words: PDF line breaks and
/// spaces inside CJK text and around numbers ("1 万人次") go; `**` bold marks go too.
fn squeeze(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.trim().chars() {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space
            && c.is_ascii_alphabetic()
            && out
                .chars()
                .next_back()
                .is_some_and(|p| p.is_ascii_alphabetic())
        {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    out.replace("**", "")
}

/// Strip a numbering label or bullet, and a goals heading run into the text ("(三)目标到2025年",
/// "一、主要目标“十四五”时期"), from the start of `s`.
fn strip_label(s: &str) -> &str {
    let mut t = s.trim_start();
    if let Some(m) = LABEL.find(t)
        // "1.5万人" is a decimal, not label 1.
        && !t[m.end()..].starts_with(|c: char| c.is_ascii_digit())
    {
        t = t[m.end()..].trim_start();
    }
    if let Some(m) = GOAL_HEADING.find(t)
        && m.end() < t.len()
    {
        t = t[m.end()..].trim_start();
    }
    t
}

/// Where a list of targets breaks between two numbers: the last 、, else the last 和 / 及
/// ("建成示范社区20个和示范学校30所"). Position and length of the separator.
fn list_break(between: &str) -> Option<(usize, usize)> {
    if let Some(i) = between.rfind('、') {
        return Some((i, '、'.len_utf8()));
    }
    ["以及", "和", "及", "并"]
        .iter()
        .filter_map(|w| between.rfind(w).map(|i| (i, w.len())))
        .max()
}

/// Byte spans of bracketed notes that state a baseline ("（2020年为10.5%）"): figures of the
/// past, not commitments.
fn baseline_spans(s: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut open: Option<usize> = None;
    for (i, c) in s.char_indices() {
        match c {
            '(' | '（' => open = Some(i),
            ')' | '）' => {
                if let Some(start) = open.take() {
                    let inner = &s[start..i];
                    if inner.len() <= 240
                        && year_in(inner)
                        && !inner.contains(['到', '至', '前', '底'])
                    {
                        spans.push((start, i));
                    }
                }
            }
            _ => {}
        }
    }
    spans
}

fn year_in(s: &str) -> bool {
    s.match_indices('年').any(|(i, _)| {
        let digits: Vec<char> = s[..i].trim_end().chars().rev().take(4).collect();
        digits.len() == 4 && digits.iter().all(|c| c.is_ascii_digit())
    })
}

/// Back up from `to` at most `max_chars` characters, not before `from`.
fn window_start(s: &str, from: usize, to: usize, max_chars: usize) -> usize {
    s[from..to]
        .char_indices()
        .rev()
        .nth(max_chars.saturating_sub(1))
        .map_or(from, |(i, _)| from + i)
}

/// Forward from `from` at most `max_chars` characters, not past `to`.
fn window_end(s: &str, from: usize, to: usize, max_chars: usize) -> usize {
    s[from..to]
        .char_indices()
        .nth(max_chars)
        .map_or(to, |(i, _)| from + i)
}

/// Longest a target's text may be on either side of its number, in characters.
const TEXT_REACH: usize = 60;

fn extract_sentence(s: &str, out: &mut Vec<Target>) {
    let quoted = quoted_spans(s);
    let mut qtys: Vec<Qty> = QTY
        .captures_iter(s)
        .filter_map(|caps| read_qty(s, &caps, &quoted))
        .collect();
    if qtys.is_empty() {
        return;
    }

    // Clause starts: the sentence start and the position after each ，；.
    let mut clause_starts = vec![0];
    let mut delims = Vec::new();
    for (i, c) in s.char_indices() {
        if is_clause_delim(c) {
            delims.push(i);
            clause_starts.push(i + c.len_utf8());
        }
    }
    let clause_of = |pos: usize| clause_starts.partition_point(|&c| c <= pos) - 1;
    let clause_end = |k: usize| delims.get(k).copied().unwrap_or(s.len());

    // 至少 before the verb ("每个村至少培育1名") makes a bare number a minimum.
    let mut prev_end = 0;
    for q in &mut qtys {
        let from = clause_starts[clause_of(q.start)].max(prev_end);
        let w = window_start(s, from, q.start, 24);
        if q.comparator == Comparator::Eq
            && lexicon::AT_LEAST_ADVERBS
                .iter()
                .any(|a| s[w..q.start].contains(a))
        {
            q.comparator = Comparator::Ge;
        }
        prev_end = q.end;
    }

    let years = year_marks(s);
    let baselines = baseline_spans(s);
    let pers = per_phrases(s);
    // For each per phrase, the index of the last 每年-like phrase up to it.
    let mut last_time: Vec<Option<usize>> = Vec::with_capacity(pers.len());
    for (j, p) in pers.iter().enumerate() {
        let prev = last_time.last().copied().flatten();
        last_time.push(if p.time { Some(j) } else { prev });
    }
    let first_semicolon = s.find(['；', ';']).unwrap_or(s.len());
    let head = strip_label(s);
    let collective = COLLECTIVE
        .find(head)
        .map(|m| (squeeze(m.as_str()), s.len() - head.len() + m.end()));

    let mut last_indicator = String::new();
    for (k, q) in qtys.iter().enumerate() {
        let ci = clause_of(q.start);
        let c_start = clause_starts[ci];
        let c_end = clause_end(ci);

        // Several numbers in one clause, listed with 、, are separate targets
        // ("培养10名黄山工匠、2-3名安徽工匠").
        let prev_same = k
            .checked_sub(1)
            .map(|j| &qtys[j])
            .filter(|p| clause_of(p.start) == ci);
        let next_same = qtys.get(k + 1).filter(|n| clause_of(n.start) == ci);
        let sub_start = prev_same
            .and_then(|p| list_break(&s[p.end..q.start]).map(|(i, len)| p.end + i + len))
            .unwrap_or(c_start);
        let sub_end = next_same
            .and_then(|n| list_break(&s[q.end..n.start]).map(|(i, _)| q.end + i))
            .unwrap_or(c_end);
        let lo = window_start(s, sub_start, q.start, TEXT_REACH);
        let hi = window_end(s, q.end, sub_end, TEXT_REACH);

        // Deadline: the last year stated before the number in this sentence.
        let year_k = years.partition_point(|y| y.end <= q.num_start);
        let year = year_k.checked_sub(1).map(|j| years[j]);

        // Per entity: the 每 phrases just before the number in its clause; else a 每年 of an
        // earlier clause, unless a deadline came after it; else a collective subject.
        let per_k = pers.partition_point(|p| p.end <= q.num_start);
        let mut per = None;
        if let Some(last) = per_k.checked_sub(1).map(|j| pers[j])
            && last.start >= c_start
        {
            let mut first = last;
            for p in pers[..per_k - 1].iter().rev() {
                if s[p.end..first.start].trim().is_empty() && p.start >= c_start {
                    first = *p;
                } else {
                    break;
                }
            }
            per = Some(squeeze(&s[first.start..last.end]));
        }
        if per.is_none()
            && let Some(p) = per_k
                .checked_sub(1)
                .and_then(|j| last_time[j])
                .map(|j| pers[j])
            && year.is_none_or(|y| y.start < p.start)
        {
            per = Some(squeeze(&s[p.start..p.end]));
        }
        if per.is_none()
            && let Some((subject, end)) = &collective
            && *end <= q.start
            && q.start < first_semicolon
        {
            per = Some(subject.clone());
        }

        // "/年" after the unit: 2次/年.
        if per.is_none()
            && let Some(rest) = s[q.end..].strip_prefix(['/', '／'])
            && let Some(t) = lexicon::starts_with_any(rest, lexicon::PER_TIMES)
        {
            per = Some(format!("每{t}"));
        }
        // A bare 一 is a word (一批, 一支队伍, 一村一名), not a count, unless a comparator or a
        // per phrase makes it one ("每年…至少一次", "每个村建设一个科普活动室").
        if q.chinese_one
            && q.comparator == Comparator::Eq
            && (per.is_none() || matches!(q.unit.as_str(), "批" | "支"))
        {
            continue;
        }
        if in_spans(&baselines, q.num_start) {
            continue;
        }

        let before = &s[lo..q.start];
        let after = &s[q.end..hi];
        let mut text_start = lo;
        let own = indicator::indicator(before, after);
        // "…比例稳定在全省平均水平以上，到2025年超过15%": the subject is in the clause before.
        let from_previous = match &own {
            None if ci > 0 && sub_start == c_start => {
                let p_start = window_start(s, clause_starts[ci - 1], c_start, TEXT_REACH);
                indicator::subject(&s[p_start..delims[ci - 1]]).map(|i| (i, p_start))
            }
            _ => None,
        };
        let indicator = match (own, from_previous) {
            (Some(i), _) => i,
            (None, Some((i, p_start))) => {
                text_start = p_start;
                i
            }
            // "…比例达到16%，较2020年提高5个百分点；各县（市、区）均超过12%": still the
            // sentence's subject.
            (None, None) => last_indicator.clone(),
        };
        last_indicator.clone_from(&indicator);
        // A clause that only says when ("到2025年，") belongs to the target it introduces.
        // Only a short clause can be one (this also keeps the work per number bounded).
        if text_start == c_start
            && ci > 0
            && sub_start == c_start
            && c_start - clause_starts[ci - 1] <= 80
        {
            let p_start = clause_starts[ci - 1];
            let prev = squeeze(strip_label(&s[p_start..delims[ci - 1]]));
            if YEAR_ONLY.is_match(&prev) {
                text_start = p_start;
            }
        }
        let text = target_text(s, text_start, q.end, hi);

        out.push(Target {
            text,
            indicator,
            comparator: q.comparator,
            value: q.value,
            unit: q.unit.clone(),
            year: year.and_then(|y| y.year),
            per,
        });
    }
}

/// The clause text from `start` to `hi`, without a label before it or a parenthetical note after
/// the number ("每个网格配备1名科普信息员(一般由网格员兼任)").
fn target_text(s: &str, start: usize, qty_end: usize, hi: usize) -> String {
    let mut end = hi;
    let tail = s[qty_end..hi].trim_end();
    if tail.ends_with([')', '）'])
        && let Some(open) = tail.rfind(['(', '（'])
    {
        end = qty_end + open;
    }
    squeeze(strip_label(&s[start..end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_patterns_compile() {
        for r in [
            &QTY,
            &YEAR,
            &PLAN_END,
            &COLLECTIVE,
            &YEAR_ONLY,
            &LABEL,
            &GOAL_HEADING,
        ] {
            assert!(!r.as_str().is_empty());
        }
    }

    #[test]
    fn labels_are_stripped_but_decimals_are_not() {
        assert_eq!(strip_label("(1)加强"), "加强");
        assert_eq!(strip_label("1.加强"), "加强");
        assert_eq!(strip_label("1．加强"), "加强");
        assert_eq!(strip_label("一、加强"), "加强");
        assert_eq!(strip_label("- 2.提升"), "提升");
        assert_eq!(strip_label("1.5万人"), "1.5万人");
    }

    #[test]
    fn squeeze_removes_pdf_spaces_between_cjk_and_digits() {
        assert_eq!(
            squeeze("培训农业从业人员 1 万人次以上"),
            "培训农业从业人员1万人次以上"
        );
        assert_eq!(squeeze("不少于10\n场次"), "不少于10场次");
        assert_eq!(squeeze("Big Data 中心"), "Big Data中心");
    }
}
