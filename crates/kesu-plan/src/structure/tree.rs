//! The outline of a document: numbered items nested by their numbering, each with its own
//! paragraphs, unnumbered measure paragraphs (¶N) under headings, and the rows of task tables.
//!
//! A label is taken to start an item only if it continues the numbering so far: the next number
//! of a level already open (a sibling, or an uncle after it closes the levels below), the first
//! number of a new level below, or the number after the last one of its style when a document
//! numbers its items straight through the sections (1–22 across (一)…(十)). This is what tells
//! "(1)" the item from "(1)" in a sentence, and splits a 13,000-character line into items.

use super::clean::{self, Piece, Src};
use super::labels::{self, Found, Style};
use super::table::{self, Row};

/// One item of the outline.
#[derive(Debug, Default)]
pub(super) struct Item {
    /// The path label ("(一)", "¶2"); empty for a root.
    pub label: String,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    /// The item's own paragraphs: the first is the text after its label.
    pub paras: Vec<String>,
    /// Where each of `paras` stands in the source text.
    pub srcs: Vec<Src>,
    /// Text of tables inside the item that are not task tables (targets tables of a goals
    /// section, say).
    pub table_text: Vec<String>,
    /// The item is a row of a task table.
    pub row: Option<Box<Row>>,
    /// The item is in an appendix (附件).
    pub appendix: bool,
    /// The label stood inside a paragraph, not at its start.
    pub inline: bool,
}

/// Punctuation between a label and its text ("一、", "1. ", "(一)：").
const LEAD_PUNCT: &[char] = &['、', '.', '．', ':', '：', ' '];

/// The outline: `items[0]` is the root of the body; appendices have roots of their own.
#[derive(Debug)]
pub(super) struct Outline {
    pub items: Vec<Item>,
    pub roots: Vec<usize>,
    /// Tables that were not read as task tables: where they stand, how many rows they have,
    /// whether in an appendix.
    pub other_tables: Vec<OtherTable>,
}

/// A table not read as a task table.
#[derive(Debug, Clone, Copy)]
pub(super) struct OtherTable {
    pub src: Src,
    pub rows: usize,
    pub appendix: bool,
}

struct Builder<'s> {
    other_tables: Vec<OtherTable>,
    /// The document's source text, for the places of paragraphs cut inside a line.
    source: &'s str,
    items: Vec<Item>,
    roots: Vec<usize>,
    root: usize,
    /// Open levels: style, last number, item.
    stack: Vec<(Style, u32, usize)>,
    /// The last number seen of each style (for numbering straight through sections).
    seen: [Option<u32>; Style::COUNT],
    ended: bool,
    first_leads: bool,
}

/// Build the outline of the cleaned pieces of a document.
pub(super) fn build(pieces: Vec<Piece<'_>>, first_leads: bool, source: &str) -> Outline {
    let mut b = Builder {
        other_tables: Vec::new(),
        source,
        items: vec![Item::default()],
        roots: vec![0],
        root: 0,
        stack: Vec::new(),
        seen: [None; Style::COUNT],
        ended: false,
        first_leads,
    };
    for piece in pieces {
        if b.ended {
            break;
        }
        match piece {
            Piece::Para(p, src) => b.para(p, src),
            Piece::Table(rows, row_starts) => b.table(&rows, &row_starts),
        }
    }
    Outline {
        items: b.items,
        roots: b.roots,
        other_tables: b.other_tables,
    }
}

impl Item {
    /// Add a paragraph and where it stands in the source text.
    pub(super) fn push(&mut self, text: String, src: Src) {
        self.paras.push(text);
        self.srcs.push(src);
    }

    /// The stretch of source text the item's own paragraphs cover.
    pub(super) fn span(&self) -> Option<Src> {
        let start = self.srcs.iter().map(|s| s.0).min()?;
        let end = self.srcs.iter().map(|s| s.1).max()?;
        Some((start, end))
    }
}

impl Builder<'_> {
    fn top(&self) -> usize {
        self.stack.last().map_or(self.root, |e| e.2)
    }

    fn new_item(&mut self, parent: usize, label: String) -> usize {
        let appendix = self.items.get(parent).is_some_and(|p| p.appendix);
        let id = self.items.len();
        self.items.push(Item {
            label,
            parent: Some(parent),
            appendix,
            ..Item::default()
        });
        if let Some(p) = self.items.get_mut(parent) {
            p.children.push(id);
        }
        id
    }

    fn start_appendix(&mut self) {
        let id = self.items.len();
        self.items.push(Item {
            appendix: true,
            ..Item::default()
        });
        self.roots.push(id);
        self.root = id;
        self.stack.clear();
        self.seen = [None; Style::COUNT];
    }

    /// Whether a label found continues the numbering; if so the open levels are updated.
    fn accept(&mut self, f: &Found, src: &str, at_start: bool) -> Option<usize> {
        let pos = self.stack.iter().position(|e| e.0 == f.style);
        let parent = match pos {
            Some(k) => {
                let last = self.stack.get(k)?.1;
                let next = f.n == last + 1;
                // At the start of a paragraph a number may also skip ahead a little (a typo in
                // the numbering) or restart a list.
                let lenient = at_start && (f.n == 1 || (f.n > last && f.n <= last + 3));
                if !(next || lenient) {
                    return None;
                }
                self.stack.truncate(k);
                self.top()
            }
            None => {
                let straight_on = self.seen[f.style.index()].is_some_and(|s| f.n == s + 1);
                if !(f.n == 1 || straight_on || at_start) {
                    return None;
                }
                self.top()
            }
        };
        let id = self.new_item(parent, f.label(src));
        if let Some(item) = self.items.get_mut(id) {
            item.inline = !at_start;
        }
        self.stack.push((f.style, f.n, id));
        self.seen[f.style.index()] = Some(f.n);
        Some(id)
    }

    fn para(&mut self, text: String, src: Src) {
        if clean::ends_document(&text) {
            self.ended = true;
            return;
        }
        if clean::starts_appendix(&text) {
            self.start_appendix();
        }
        // Where the paragraph is cut: (offset where a new item's text starts, its item).
        let mut cuts: Vec<(usize, usize, usize)> = Vec::new();
        let before = self.top();
        let mut prev: Option<char> = None;
        let mut skip_to = 0;
        for (i, c) in text.char_indices() {
            if i < skip_to {
                prev = Some(c);
                continue;
            }
            // "…投入资金。附件名词解释…": an appendix starting inside a line.
            if c == '附' && prev == Some('。') && text.get(i..).is_some_and(clean::starts_appendix)
            {
                self.start_appendix();
                cuts.push((i, i, self.root));
            } else if labels::may_start(c)
                && let Some(f) = labels::label_at(&text, i, i == 0)
                && let Some(id) = self.accept(&f, &text, i == 0)
            {
                cuts.push((f.start, f.end, id));
                skip_to = f.end;
            }
            prev = Some(c);
        }
        // The common cases move the paragraph instead of copying it: no label in it (a
        // continuation), or one label at its start.
        match cuts.as_slice() {
            [] => {
                if !text.trim().is_empty()
                    && let Some(item) = self.items.get_mut(before)
                {
                    item.push(text, src);
                }
                return;
            }
            &[(0, end, id)] if self.items.get(id).is_some_and(|i| !i.label.is_empty()) => {
                let mut text = text;
                let skip = text
                    .get(end..)
                    .map_or(0, |r| r.len() - r.trim_start_matches(LEAD_PUNCT).len());
                let at = self.source_offsets(&text, src, &[end + skip]);
                let src = (at.first().copied().unwrap_or(src.0), src.1);
                text.drain(..end + skip);
                if let Some(item) = self.items.get_mut(id) {
                    item.push(text, src);
                }
                return;
            }
            _ => {}
        }
        let first = cuts.first().map_or(text.len(), |c| c.0);
        // Where each cut stands in the source: one alignment of the whole paragraph.
        let wanted: Vec<usize> = cuts.iter().flat_map(|c| [c.0, c.1]).collect();
        let at = self.source_offsets(&text, src, &wanted);
        let place = |k: usize| at.get(k).copied().unwrap_or(src.0);
        if let Some(head) = text.get(..first) {
            self.push_para(before, head, (src.0, place(0)));
        }
        for (k, &(_, end, id)) in cuts.iter().enumerate() {
            let stop = cuts.get(k + 1).map_or(text.len(), |c| c.0);
            let seg_src = (
                place(2 * k + 1),
                if k + 1 < cuts.len() {
                    place(2 * k + 2)
                } else {
                    src.1
                },
            );
            if let Some(seg) = text.get(end..stop) {
                // The first paragraph of a numbered item is its heading, even when empty.
                let seg = seg.trim_start_matches(LEAD_PUNCT);
                if let Some(item) = self.items.get_mut(id) {
                    if item.paras.is_empty() && item.label.is_empty() {
                        if !seg.trim().is_empty() {
                            item.push(seg.to_string(), seg_src);
                        }
                    } else {
                        item.push(seg.to_string(), seg_src);
                    }
                }
            }
        }
    }

    fn push_para(&mut self, id: usize, text: &str, src: Src) {
        if text.trim().is_empty() {
            return;
        }
        if let Some(item) = self.items.get_mut(id) {
            item.push(text.to_string(), src);
        }
    }

    /// The source offsets of byte offsets `wanted` (ascending) of a cleaned paragraph that
    /// stands at `src` in the source text.
    fn source_offsets(&self, text: &str, src: Src, wanted: &[usize]) -> Vec<usize> {
        let raw = self.source.get(src.0..src.1).unwrap_or("");
        clean::align(text, raw, wanted)
            .into_iter()
            .map(|o| src.0 + o)
            .collect()
    }

    fn table(&mut self, rows: &[Vec<String>], row_starts: &[usize]) {
        let top = self.top();
        let Some(task_rows) = table::read(rows, self.first_leads) else {
            // Other tables are kept as text for the goals they may state.
            if let Some(item) = self.items.get_mut(top) {
                item.table_text.push(table::as_text(rows));
            }
            let start = row_starts.first().copied().unwrap_or(0);
            let end = row_starts.last().copied().unwrap_or(start);
            self.other_tables.push(OtherTable {
                src: (start, end.saturating_sub(1).max(start)),
                rows: rows.len(),
                appendix: self.items.get(top).is_some_and(|i| i.appendix),
            });
            return;
        };
        // Group rows inside the table become items between the section and the rows.
        let mut groups: Vec<(String, usize)> = Vec::new();
        for mut row in task_rows {
            // A row that carries its whole path (Kesu's own table) is grouped by it.
            if let Some(mut path) = row.path.take() {
                row.label = path.pop().unwrap_or_default();
                row.groups = path;
            }
            let keep = groups
                .iter()
                .zip(&row.groups)
                .take_while(|(g, l)| &g.0 == *l)
                .count();
            groups.truncate(keep);
            for label in row.groups.iter().skip(keep) {
                let parent = groups.last().map_or(top, |g| g.1);
                let id = self.new_item(parent, label.clone());
                groups.push((label.clone(), id));
            }
            let parent = groups.last().map_or(top, |g| g.1);
            let id = self.new_item(parent, row.label.clone());
            // The row's lines in the source: from its first row to the start of the row after
            // its last (less the line end).
            let start = row_starts.get(row.rows.0).copied().unwrap_or(0);
            let end = row_starts
                .get(row.rows.1 + 1)
                .map_or(start, |e| e.saturating_sub(1));
            if let Some(item) = self.items.get_mut(id) {
                item.push(row.title.clone(), (start, end.max(start)));
                item.row = Some(Box::new(row));
            }
        }
    }
}

/// In a document whose items start paragraphs, a list numbered inside one paragraph
/// ("…包括：(1)…；(2)…；(3)…。（责任单位：…）") is an enumeration within an item, not items of
/// its own, unless its entries name units of their own. Such lists are folded back into the
/// item's text. (A document run into one line keeps its inline labels: they are all it has.)
pub(super) fn fold_inline_lists(outline: &mut Outline, first_leads: bool) {
    let at_start = outline
        .items
        .iter()
        .filter(|i| !i.label.is_empty() && !i.inline && i.row.is_none())
        .count();
    if at_start < 3 {
        return;
    }
    for id in 0..outline.items.len() {
        let Some(item) = outline.items.get(id) else {
            continue;
        };
        if item.label.is_empty() || item.children.is_empty() {
            continue;
        }
        let kids = &item.children;
        let foldable = kids.iter().all(|&c| {
            outline
                .items
                .get(c)
                .is_some_and(|k| k.inline && k.children.is_empty() && k.row.is_none())
        });
        if !foldable {
            continue;
        }
        let Some((&last, others)) = kids.split_last() else {
            continue;
        };
        let names_units = |c: usize, whole: bool| {
            outline.items.get(c).is_some_and(|k| {
                let text = k.paras.concat();
                let text = match super::assign::trailing_clause(&text) {
                    Some(at) if !whole => text.get(..at).unwrap_or("").to_string(),
                    _ => text,
                };
                !super::assign::extract(&text, first_leads).is_empty()
            })
        };
        if others.iter().any(|&c| names_units(c, true)) || names_units(last, false) {
            continue;
        }
        let kids = kids.clone();
        let mut folded = String::new();
        let mut folded_end = 0;
        for c in kids {
            if let Some(k) = outline.items.get_mut(c) {
                folded.push_str(&k.label);
                folded.push_str(&k.paras.concat());
                folded_end = k.span().map_or(folded_end, |s| s.1.max(folded_end));
                k.label.clear();
                k.paras.clear();
                k.srcs.clear();
                k.parent = None;
            }
        }
        if let Some(item) = outline.items.get_mut(id) {
            item.children.clear();
            match (item.paras.last_mut(), item.srcs.last_mut()) {
                (Some(p), Some(s)) => {
                    p.push_str(&folded);
                    s.1 = s.1.max(folded_end);
                }
                _ => item.push(folded, (folded_end, folded_end)),
            }
        }
    }
}

/// Unnumbered measure paragraphs become items of their own (¶1, ¶2, …) under a heading that
/// has no numbered items below it: under a 措施 heading always, under another heading when
/// its paragraphs read as separate measures (each opens with a short title sentence, or each
/// ends with its units).
pub(super) fn expand_paragraphs(outline: &mut Outline, first_leads: bool) {
    let n = outline.items.len();
    for id in 0..n {
        let Some(item) = outline.items.get(id) else {
            continue;
        };
        if item.label.is_empty() || !item.children.is_empty() || item.row.is_some() {
            continue;
        }
        if item.paras.len() < 2 {
            continue;
        }
        let Some(head) = item.paras.first() else {
            continue;
        };
        if !is_heading_only(head) {
            continue;
        }
        let measures = is_measures_title(&title_of(head));
        let body: Vec<usize> = (1..item.paras.len())
            .filter(|&k| {
                item.paras
                    .get(k)
                    .is_some_and(|p| !super::assign::is_units_only(p, first_leads))
            })
            .collect();
        let separate = body.len() >= 2 && {
            let short = body
                .iter()
                .filter(|&&k| item.paras.get(k).is_some_and(|p| opens_with_title(p)))
                .count();
            let with_units = body
                .iter()
                .filter(|&&k| {
                    item.paras
                        .get(k)
                        .is_some_and(|p| !super::assign::extract(p, first_leads).is_empty())
                })
                .count();
            short * 2 > body.len() || with_units == body.len()
        };
        if !(separate || (measures && !body.is_empty())) {
            continue;
        }
        // A unit line goes with the measure paragraph before it, unless the unit lines all
        // come after the last measure (then they are the heading's, for every measure).
        let last_body = body.last().copied().unwrap_or(0);
        let mut is_body = vec![false; item.paras.len()];
        for &k in &body {
            if let Some(b) = is_body.get_mut(k) {
                *b = true;
            }
        }
        let trailing_only = (1..item.paras.len())
            .all(|k| is_body.get(k).copied().unwrap_or(false) || k > last_body);
        let appendix = item.appendix;
        let mut kept: Vec<(String, Src)> = Vec::new();
        let mut moved: Vec<Vec<(String, Src)>> = Vec::new();
        if let Some(item) = outline.items.get_mut(id) {
            let srcs = std::mem::take(&mut item.srcs);
            let paras = std::mem::take(&mut item.paras);
            for (k, p) in paras.into_iter().zip(srcs).enumerate() {
                if is_body.get(k).copied().unwrap_or(false) {
                    moved.push(vec![p]);
                } else if k > 0
                    && !trailing_only
                    && let Some(last) = moved.last_mut()
                {
                    last.push(p);
                } else {
                    kept.push(p);
                }
            }
            (item.paras, item.srcs) = kept.into_iter().unzip();
        }
        for (k, paras) in moved.into_iter().enumerate() {
            let child = outline.items.len();
            let (paras, srcs) = paras.into_iter().unzip();
            outline.items.push(Item {
                label: format!("¶{}", k + 1),
                parent: Some(id),
                paras,
                srcs,
                appendix,
                ..Item::default()
            });
            if let Some(item) = outline.items.get_mut(id) {
                item.children.push(child);
            }
        }
    }
}

/// A heading with nothing after it: one short sentence at most ("2.措施。", "(一)指导思想").
fn is_heading_only(p: &str) -> bool {
    let t = p.trim_end_matches(['。', '：', ':', '；', ';', ' ']);
    !t.contains(['。', '；', ';', '！', '？']) && t.chars().count() <= 40
}

/// A paragraph opening with a short title sentence ("实施智慧助老行动。聚焦…").
fn opens_with_title(p: &str) -> bool {
    match p.find('。') {
        Some(k) => {
            let n = p.get(..k).map_or(0, |s| s.chars().count());
            n <= 30 && p.len() > k + '。'.len_utf8()
        }
        None => false,
    }
}

/// The title of an item from its first paragraph: the first sentence, without the final 。.
pub(super) fn title_of(p: &str) -> String {
    let p = p.trim_start_matches([
        '、', '.', '．', ':', '：', ' ', '，', ',', '—', '－', '-', '•', '●',
    ]);
    let end = p.find('。').unwrap_or(p.len());
    let t = p.get(..end).unwrap_or(p);
    let t = if t.contains(['(', '（']) {
        super::assign::strip_unit_clauses(t)
    } else {
        t.to_string()
    };
    t.trim_end_matches(['。', '；', ';', '：', ':', '，', ',', ' '])
        .trim()
        .to_string()
}

/// 措施, 主要措施, 具体措施, 工作措施 …: the heading of a block of measures.
pub(super) fn is_measures_title(t: &str) -> bool {
    let t = t.trim();
    t.chars().count() <= 6 && (t.ends_with("措施") || t.ends_with("举措"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Block;

    fn outline(lines: &[&str]) -> Outline {
        let blocks: Vec<Block> = lines
            .iter()
            .map(|l| Block::Paragraph((*l).to_string()))
            .collect();
        let doc = crate::Document { blocks };
        let source = doc.source_text();
        let mut o = build(clean::pieces(&doc.blocks), false, &source);
        fold_inline_lists(&mut o, false);
        expand_paragraphs(&mut o, false);
        o
    }

    fn labels_of(o: &Outline) -> Vec<String> {
        o.items.iter().map(|i| i.label.clone()).collect()
    }

    #[test]
    fn labels_inside_one_long_line_split_it_into_items() {
        let o = outline(&[
            "前言。一、总体要求(一)指导思想以科学为指导。二、任务(一)青少年行动1.任务激发兴趣。2.措施(1)加强宣传。(责任单位:市教育局)(2)提升水平2021-2025年达到1.5倍。(责任单位:市科协)",
        ]);
        assert_eq!(
            labels_of(&o),
            vec!["", "一", "(一)", "二", "(一)", "1", "2", "(1)", "(2)"]
        );
        assert_eq!(
            o.items[8].paras,
            vec!["提升水平2021-2025年达到1.5倍。(责任单位:市科协)"]
        );
    }

    #[test]
    fn a_number_in_a_sentence_is_not_an_item() {
        let o = outline(&[
            "一、任务",
            "1.加强宣传,开展(3)类活动,统一、规范。",
            "2.提升水平。",
        ]);
        assert_eq!(labels_of(&o), vec!["", "一", "1", "2"]);
    }

    #[test]
    fn numbering_straight_through_sections_is_followed() {
        let o = outline(&[
            "一、任务",
            "（一）甲",
            "1．加强。",
            "2．提升。",
            "（二）乙",
            "3．培训。",
        ]);
        assert_eq!(labels_of(&o), vec!["", "一", "(一)", "1", "2", "(二)", "3"]);
    }

    #[test]
    fn measure_paragraphs_under_a_measures_heading_get_pilcrow_labels() {
        let o = outline(&[
            "一、行动",
            "2.措施。",
            "实施智慧助老行动。聚焦老年人需求。",
            "加强健康科普服务。推动进社区。",
            "3.分工。",
        ]);
        assert_eq!(labels_of(&o), vec!["", "一", "2", "3", "¶1", "¶2"]);
        assert_eq!(o.items[4].parent, Some(2));
    }

    #[test]
    fn a_heading_with_one_body_paragraph_stays_a_leaf() {
        let o = outline(&[
            "一、行动",
            "(一)青少年行动",
            "加强培训,提升能力。(责任单位:县科协)",
        ]);
        assert_eq!(labels_of(&o), vec!["", "一", "(一)"]);
    }

    #[test]
    fn an_appendix_inside_a_line_starts_a_root_of_its_own() {
        let o = outline(&["一、任务1.加强。二、保障1.投入。附件名词解释一、英才计划。"]);
        assert_eq!(o.roots.len(), 2);
        let appendix = &o.items[o.roots[1]];
        assert!(appendix.appendix);
        assert_eq!(appendix.paras, vec!["附件名词解释一、英才计划。"]);
    }
}
