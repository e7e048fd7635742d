//! The text layer of a PDF as `pdftotext -layout` gives it, made into paragraphs: pages end at
//! form feeds; each page's running header and footer (a line repeated at the top or bottom of
//! most pages, page numbers "— 3 —", "第 3 页 共 9 页") go; the visual lines of a paragraph are
//! joined back, a new paragraph starting where a line is indented past the page's margin (the
//! two-character first-line indent of Chinese documents), follows a line that stopped short of
//! the right edge, or begins with a numbering label; a page of two columns is read column by
//! column; a table (a header line naming 序号, 重点任务, 牵头单位 …) is read by the columns of its
//! header ([`layout_table`]).
//!
//! Running `pdftotext` is the caller's business (kesu-app's `pdf_text`): this crate takes text.

use super::{Block, Document};
use crate::structure::is_paragraph_start;
use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

mod layout_table;

/// A paragraph of the document from the lines of a PDF's text layer.
pub(crate) fn document(text: &str) -> Document {
    let pages: Vec<Vec<&str>> = text
        .split('\u{0c}')
        .map(|p| p.lines().map(|l| l.trim_end()).collect())
        .collect();
    let pages = strip_running_lines(pages);
    let mut blocks = Vec::new();
    let mut para = String::new();
    // Whether the last line read ended its paragraph (stopped short of the right edge).
    let mut ended = true;
    for page in &pages {
        let page = split_columns(page);
        let geometry = Geometry::of(&page);
        let mut i = 0;
        while let Some(line) = page.get(i) {
            i += 1;
            if line.trim().is_empty() {
                flush(&mut para, &mut blocks);
                ended = true;
                continue;
            }
            if let Some((rows, taken)) = layout_table::at(&page[i - 1..]) {
                flush(&mut para, &mut blocks);
                blocks.push(Block::Table(rows));
                i += taken - 1;
                ended = true;
                continue;
            }
            let indent = indent_of(line);
            let body = line.trim();
            let starts = ended
                || indent >= geometry.margin + 2
                || is_paragraph_start(body)
                || para.is_empty();
            if starts {
                flush(&mut para, &mut blocks);
            } else if para.ends_with(|c: char| c.is_ascii_alphanumeric())
                && body.starts_with(|c: char| c.is_ascii_alphanumeric())
            {
                para.push(' ');
            }
            para.push_str(body);
            // Short of the right edge by more than two or three characters: the paragraph's
            // last line.
            ended = width_of(line) * 100 < geometry.right * 90;
        }
    }
    flush(&mut para, &mut blocks);
    Document { blocks }
}

fn flush(para: &mut String, blocks: &mut Vec<Block>) {
    if !para.trim().is_empty() {
        blocks.push(Block::Paragraph(std::mem::take(para)));
    }
    para.clear();
}

/// Leading spaces of a line, in columns.
fn indent_of(line: &str) -> usize {
    line.chars().take_while(|c| *c == ' ').count()
}

/// A line's width as printed: a Chinese character or full-width mark counts two, others one
/// (`pdftotext -layout` gives each a column, but the page's width is in print).
fn width_of(line: &str) -> usize {
    line.chars()
        .map(|c| if crate::structure::is_wide(c) { 2 } else { 1 })
        .sum()
}

/// The margins of a page: where its lines start (the left margin, the most common indent of
/// its lines) and where full lines end (the right edge).
struct Geometry {
    margin: usize,
    right: usize,
}

impl Geometry {
    fn of(page: &[&str]) -> Self {
        let lines: Vec<&&str> = page.iter().filter(|l| !l.trim().is_empty()).collect();
        let mut indents: HashMap<usize, usize> = HashMap::new();
        for l in &lines {
            *indents.entry(indent_of(l)).or_default() += 1;
        }
        // The left margin: the smallest indent shared by a good part of the lines (body text
        // continues there; headings and first lines are indented past it).
        let min_share = (lines.len() / 5).max(1);
        let margin = indents
            .iter()
            .filter(|(_, n)| **n >= min_share)
            .map(|(i, _)| *i)
            .min()
            .or_else(|| indents.keys().min().copied())
            .unwrap_or(0);
        let mut widths: Vec<usize> = lines.iter().map(|l| width_of(l)).collect();
        widths.sort_unstable();
        // The right edge: what most full lines reach (the 80th percentile, so that a few
        // overlong lines do not move it).
        let right = widths
            .get(widths.len().saturating_mul(4) / 5)
            .copied()
            .unwrap_or(0);
        Self { margin, right }
    }
}

/// A line's text without spaces, its digits as `#`: the same running header on every page
/// gives the same key whatever its page number.
fn running_key(line: &str) -> String {
    line.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect()
}

/// How many lines at each end of a page may be its header or footer.
const MARGIN_LINES: usize = 2;

/// Drop the running headers and footers: page numbers at the top or bottom of a page, and a
/// short line (a title, a document number: at most 40 characters, not a numbered item) that
/// stands at the top of at least two pages and of two in five of them, or likewise at the
/// bottom. Body text is never that: it does not repeat, or when it does (a synthetic plan of
/// identical measures) its lines are long or numbered.
fn strip_running_lines(pages: Vec<Vec<&str>>) -> Vec<Vec<&str>> {
    let filled = |page: &[&str]| -> Vec<usize> {
        (0..page.len())
            .filter(|&i| page.get(i).is_some_and(|l| !l.trim().is_empty()))
            .collect()
    };
    let tops =
        |page: &[&str]| -> Vec<usize> { filled(page).into_iter().take(MARGIN_LINES).collect() };
    let bottoms = |page: &[&str]| -> Vec<usize> {
        filled(page).into_iter().rev().take(MARGIN_LINES).collect()
    };
    let candidate = |line: &str| {
        let t = line.trim();
        t.chars().count() <= 40 && !is_paragraph_start(t)
    };
    let count = |ends: &dyn Fn(&[&str]) -> Vec<usize>| -> HashMap<String, usize> {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for page in &pages {
            let mut keys: Vec<String> = ends(page)
                .into_iter()
                .filter_map(|i| page.get(i).filter(|l| candidate(l)).map(|l| running_key(l)))
                .collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                *seen.entry(k).or_default() += 1;
            }
        }
        seen
    };
    let (top_seen, bottom_seen) = (count(&tops), count(&bottoms));
    let filled_pages = pages.iter().filter(|p| !filled(p).is_empty()).count();
    let running = |seen: &HashMap<String, usize>, line: &str| {
        let n = seen.get(&running_key(line)).copied().unwrap_or(0);
        candidate(line) && n >= 2 && n * 5 >= filled_pages * 2
    };
    pages
        .into_iter()
        .map(|page| {
            let (top, bottom) = (tops(&page), bottoms(&page));
            page.iter()
                .enumerate()
                .filter(|&(i, l)| {
                    let at_top = top.contains(&i);
                    let at_bottom = bottom.contains(&i);
                    let drop = (at_top && running(&top_seen, l))
                        || (at_bottom && running(&bottom_seen, l))
                        || ((at_top || at_bottom) && PAGE_NUMBER.is_match(l));
                    !drop
                })
                .map(|(_, l)| *l)
                .collect()
        })
        .collect()
}

static PAGE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^[-—–－_~·\s]*(第\s*)?[0-9０-９]{1,4}(\s*页)?(\s*/\s*[0-9]{1,4})?(\s*共\s*[0-9]{1,4}\s*页)?[-—–－_~·\s]*$",
    )
    .unwrap_or_else(|_| unreachable!("constant regex"))
});

/// A page set in two columns, as `pdftotext -layout` prints it: each line holds a line of the
/// left column, a wide gap, and a line of the right one, the gap at the same place on most
/// lines. Read as the left column, then the right one. Other pages are returned as they are.
fn split_columns<'a>(page: &[&'a str]) -> Vec<&'a str> {
    let lines: Vec<&&str> = page.iter().filter(|l| !l.trim().is_empty()).collect();
    // A table's columns are not a page's: a page with a task table's header is left whole.
    if lines.len() < 8 || page.iter().any(|l| layout_table::is_header_line(l)) {
        return page.to_vec();
    }
    // For each column, how many lines have a gap of 4+ spaces covering it, with text on both
    // sides.
    let width = lines.iter().map(|l| width_of(l)).max().unwrap_or(0);
    let mut covered = vec![0usize; width + 1];
    for l in &lines {
        let chars: Vec<char> = l.chars().collect();
        let first = chars.iter().position(|c| *c != ' ').unwrap_or(0);
        let mut k = first;
        while k < chars.len() {
            if chars.get(k) == Some(&' ') {
                let start = k;
                while chars.get(k) == Some(&' ') {
                    k += 1;
                }
                if k - start >= 4 && k < chars.len() {
                    for slot in covered.iter_mut().take(k).skip(start + 1) {
                        *slot += 1;
                    }
                }
            } else {
                k += 1;
            }
        }
    }
    let Some((gap, n)) = covered
        .iter()
        .enumerate()
        .filter(|(c, _)| *c > width / 4 && *c < width * 3 / 4)
        .max_by_key(|(_, n)| **n)
    else {
        return page.to_vec();
    };
    if *n * 10 < lines.len() * 6 {
        return page.to_vec();
    }
    let byte_at = |l: &str, col: usize| l.char_indices().nth(col).map_or(l.len(), |(b, _)| b);
    let mut left = Vec::with_capacity(page.len());
    let mut right = Vec::with_capacity(page.len());
    for l in page {
        let b = byte_at(l, gap);
        let (a, z) = l.split_at(b);
        left.push(a.trim_end());
        right.push(z);
    }
    left.push("");
    left.extend(right);
    left
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paragraphs(text: &str) -> Vec<String> {
        document(text)
            .blocks
            .into_iter()
            .filter_map(|b| match b {
                Block::Paragraph(p) => Some(p),
                Block::Table(_) => None,
            })
            .collect()
    }

    #[test]
    fn an_indented_line_starts_a_paragraph_and_the_lines_below_it_join() {
        let text = "  一、总体要求\n  以习近平新时代中国特色社会主义思想为指导，坚持把科学普及放在与科\n技创新同等重要的位置，提升全民科学素质。\n  二、重点任务\n";
        assert_eq!(
            paragraphs(text),
            [
                "一、总体要求",
                "以习近平新时代中国特色社会主义思想为指导，坚持把科学普及放在与科技创新同等重要的位置，提升全民科学素质。",
                "二、重点任务"
            ]
        );
    }

    #[test]
    fn running_headers_and_page_numbers_go() {
        let page = |n: usize, body: &str| {
            format!("      某县全民科学素质行动实施方案\n\n  {body}\n\n                 —{n}—\n")
        };
        let text = [
            page(1, "一、总体要求"),
            page(2, "二、重点任务"),
            page(3, "三、保障措施"),
        ]
        .join("\u{0c}");
        assert_eq!(
            paragraphs(&text),
            ["一、总体要求", "二、重点任务", "三、保障措施"]
        );
    }

    #[test]
    fn a_paragraph_runs_on_across_a_page_break() {
        let full = "开展科普活动，每年举办科普讲座二十场次以上，组织科技工作者深入基层";
        let text = format!("  {full}\n{full}\n{full}\n\u{0c}{full}\n服务群众。\n  二、保障\n");
        let got = paragraphs(&text);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].ends_with("服务群众。"));
    }

    #[test]
    fn two_columns_are_read_one_after_the_other() {
        let rows: Vec<String> = (1..=10)
            .map(|i| format!("左栏第{i:02}行文字内容          右栏第{i:02}行文字内容"))
            .collect();
        let page: Vec<&str> = rows.iter().map(String::as_str).collect();
        let split = split_columns(&page);
        let text: Vec<&str> = split
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(text.first(), Some(&"左栏第01行文字内容"));
        assert_eq!(text.get(10), Some(&"右栏第01行文字内容"));
    }
}
