//! A saved web page (.html, or HTML saved under a .doc/.txt name): its visible text as
//! paragraphs, its data tables as tables.
//!
//! Government sites publish plans as web pages, often with the 任务分解表 as an HTML table and
//! the whole page laid out in tables. So: block elements (`p`, `div`, `br`, `li`, headings, …)
//! end paragraphs; `script`, `style`, `head` and comments are dropped; entities are decoded; a
//! table becomes a [`Block::Table`] when it looks like data (at least two rows and two columns,
//! no table inside it, no cell longer than a page), and is otherwise layout whose cells are
//! read as paragraphs in order. As in .docx: `colspan` adds empty cells, `rowspan` repeats the
//! cell's text in the rows it covers.

use super::Block;

/// Whether decoded text is an HTML page rather than plain text with a `<` in it.
pub(super) fn is_html(text: &str) -> bool {
    let start = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    if !start.starts_with('<') {
        return false;
    }
    let head: String = start
        .chars()
        .take(4096)
        .collect::<String>()
        .to_ascii_lowercase();
    [
        "<html",
        "<!doctype html",
        "<body",
        "<head",
        "<meta ",
        "<div",
        "<p>",
        "<p ",
        "<table",
    ]
    .iter()
    .any(|tag| head.contains(tag))
}

/// Longest tag read as a tag.
const MAX_TAG_CHARS: usize = 4096;

/// A cell longer than this is page layout, not a table entry.
const MAX_DATA_CELL_CHARS: usize = 3000;

/// Widest data table (columns after `colspan`).
const MAX_GRID_WIDTH: usize = 256;

/// Most cells of a data table's grid.
const MAX_GRID_CELLS: usize = 1_000_000;

/// Most text `rowspan` may copy down in one table (16 MB); past it the cells below stay empty.
const MAX_CARRIED_BYTES: usize = 16 * 1024 * 1024;

enum Item {
    Para(String),
    Table(Vec<Vec<String>>),
}

#[derive(Default)]
struct Container {
    items: Vec<Item>,
    line: String,
    /// `colspan`/`rowspan` of the cell this container is.
    colspan: usize,
    rowspan: usize,
}

impl Container {
    fn cell(colspan: usize, rowspan: usize) -> Self {
        Self {
            colspan,
            rowspan,
            ..Self::default()
        }
    }

    fn break_line(&mut self) {
        let line = std::mem::take(&mut self.line);
        let line = line.trim();
        if !line.is_empty() {
            self.items.push(Item::Para(line.to_string()));
        }
    }

    fn push_text(&mut self, text: &str) {
        // HTML collapses white space; an ideographic space (full-width indentation) is kept
        // only inside a line.
        for c in text.chars() {
            let space = c.is_whitespace() && c != '\u{3000}' || c == '\u{a0}';
            if space {
                if !self.line.is_empty() && !self.line.ends_with(' ') {
                    self.line.push(' ');
                }
            } else {
                self.line.push(c);
            }
        }
    }

    fn has_table(&self) -> bool {
        self.items.iter().any(|i| matches!(i, Item::Table(_)))
    }

    /// The cell's text: its paragraphs joined by '\n' (a nested table as tab-separated lines).
    fn text(&self) -> String {
        let mut lines = Vec::new();
        for item in &self.items {
            match item {
                Item::Para(p) => lines.push(p.clone()),
                Item::Table(rows) => {
                    for row in rows {
                        let cells: Vec<&str> = row
                            .iter()
                            .map(String::as_str)
                            .filter(|c| !c.trim().is_empty())
                            .collect();
                        if !cells.is_empty() {
                            lines.push(cells.join("\t"));
                        }
                    }
                }
            }
        }
        lines.join("\n")
    }
}

#[derive(Default)]
struct Table {
    rows: Vec<Vec<Container>>,
}

struct Reader {
    /// Body first, then one container per open cell.
    containers: Vec<Container>,
    /// Open tables, innermost last; `containers` has a cell for each table with an open cell.
    tables: Vec<Table>,
    /// For each open table: how many containers were open when it started.
    table_base: Vec<usize>,
    pre: usize,
}

/// Read an HTML page into blocks.
pub(super) fn read(html: &str) -> Vec<Block> {
    let mut r = Reader {
        containers: vec![Container::default()],
        tables: Vec::new(),
        table_base: Vec::new(),
        pre: 0,
    };
    let mut rest = html;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            r.text(rest);
            break;
        };
        let (text, tail) = rest.split_at(lt);
        r.text(text);
        rest = tail;
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after
                .find("-->")
                .map_or("", |end| after.get(end + 3..).unwrap_or(""));
            continue;
        }
        let Some((tag, after)) = split_tag(rest) else {
            // A lone '<' is text.
            r.text("<");
            rest = rest.get(1..).unwrap_or("");
            continue;
        };
        rest = after;
        let Some((name, closing)) = tag_name(tag) else {
            continue;
        };
        if !closing
            && matches!(
                name.as_str(),
                "script" | "style" | "head" | "noscript" | "template" | "svg" | "title"
            )
        {
            rest = skip_element(rest, &name);
            continue;
        }
        r.tag(&name, closing, tag);
    }
    while !r.tables.is_empty() {
        r.close_table();
    }
    let mut body = r.containers.swap_remove(0);
    body.break_line();
    body.items
        .into_iter()
        .map(|item| match item {
            Item::Para(p) => Block::Paragraph(p),
            Item::Table(t) => Block::Table(t),
        })
        .collect()
}

/// `<…>` at the start of `s` (quotes respected) and what follows it.
fn split_tag(s: &str) -> Option<(&str, &str)> {
    // `<` followed by anything but a name, `/`, `!` or `?` is a less-than sign.
    if !s
        .chars()
        .nth(1)
        .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'))
    {
        return None;
    }
    let mut quote = None;
    // A tag is short; a '<' with no '>' nearby is text (and a long scan per '<' would make a
    // page of them quadratic).
    for (i, c) in s.char_indices().skip(1).take(MAX_TAG_CHARS) {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some((s.get(..=i)?, s.get(i + 1..)?)),
            _ => {}
        }
    }
    None
}

/// Lower-case name of a tag and whether it closes; `None` for `<!DOCTYPE>`, `<?xml?>`.
fn tag_name(tag: &str) -> Option<(String, bool)> {
    let inner = tag.strip_prefix('<')?;
    let (closing, inner) = match inner.strip_prefix('/') {
        Some(i) => (true, i),
        None => (false, inner),
    };
    let name: String = inner
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == ':' || *c == '-')
        .collect::<String>()
        .to_ascii_lowercase();
    (!name.is_empty()).then_some((name, closing))
}

/// Skip to after `</name>` (or to the end), in one pass.
fn skip_element<'a>(s: &'a str, name: &str) -> &'a str {
    for (i, _) in s.match_indices("</") {
        let candidate = s.get(i + 2..i + 2 + name.len());
        if candidate.is_some_and(|c| c.eq_ignore_ascii_case(name)) {
            let rest = s.get(i..).unwrap_or("");
            return rest.find('>').and_then(|j| rest.get(j + 1..)).unwrap_or("");
        }
    }
    ""
}

/// A numeric attribute (`colspan="2"`), bounded.
fn span_attr(tag: &str, name: &str) -> usize {
    let lower = tag.to_ascii_lowercase();
    let Some(i) = lower.find(name) else { return 1 };
    let rest = lower.get(i + name.len()..).unwrap_or("");
    let rest = rest
        .trim_start()
        .strip_prefix('=')
        .unwrap_or("")
        .trim_start();
    let digits: String = rest
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse::<usize>().unwrap_or(1).clamp(1, 64)
}

/// The named entities Chinese government pages use (full HTML has two thousand).
fn named_entity(name: &str) -> Option<&'static str> {
    Some(match name {
        "nbsp" | "ensp" | "emsp" | "thinsp" => " ",
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        "ldquo" => "“",
        "rdquo" => "”",
        "lsquo" => "‘",
        "rsquo" => "’",
        "mdash" => "—",
        "ndash" => "–",
        "hellip" => "…",
        "middot" => "·",
        "bull" => "•",
        "times" => "×",
        "divide" => "÷",
        "plusmn" => "±",
        "deg" => "°",
        "le" => "≤",
        "ge" => "≥",
        "permil" => "‰",
        "yen" => "¥",
        "copy" => "©",
        "reg" => "®",
        "laquo" => "«",
        "raquo" => "»",
        "sect" => "§",
        _ => return None,
    })
}

fn decode_entities(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('&') {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or(""));
        rest = rest.get(amp..).unwrap_or("");
        // Entity names are short: look for the ';' nearby only.
        let end = rest.bytes().skip(1).take(32).position(|b| b == b';');
        let decoded = end.and_then(|e| {
            let name = rest.get(1..e + 1)?;
            let s = if let Some(num) = name.strip_prefix('#') {
                let code = match num.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => num.parse().ok(),
                };
                char::from_u32(code?).filter(|c| *c != '\0')?.to_string()
            } else {
                named_entity(name)?.to_string()
            };
            Some((s, e + 2))
        });
        match decoded {
            Some((s, len)) => {
                out.push_str(&s);
                rest = rest.get(len..).unwrap_or("");
            }
            None => {
                out.push('&');
                rest = rest.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out.into()
}

impl Reader {
    fn current(&mut self) -> &mut Container {
        let last = self.containers.len() - 1;
        &mut self.containers[last]
    }

    fn text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        let text = decode_entities(text);
        if self.pre > 0 {
            for (i, line) in text.split('\n').enumerate() {
                if i > 0 {
                    self.current().break_line();
                }
                self.current().line.push_str(line.trim_end_matches('\r'));
            }
        } else {
            self.current().push_text(&text);
        }
    }

    fn tag(&mut self, name: &str, closing: bool, raw: &str) {
        match name {
            "table" if !closing => {
                self.current().break_line();
                self.tables.push(Table::default());
                self.table_base.push(self.containers.len());
            }
            "table" if !self.tables.is_empty() => self.close_table(),
            "tr" if !self.tables.is_empty() => {
                self.close_cell();
                if !closing && let Some(t) = self.tables.last_mut() {
                    t.rows.push(Vec::new());
                }
            }
            "td" | "th" if !self.tables.is_empty() => {
                self.close_cell();
                if !closing {
                    if let Some(t) = self.tables.last_mut()
                        && t.rows.is_empty()
                    {
                        t.rows.push(Vec::new());
                    }
                    self.containers.push(Container::cell(
                        span_attr(raw, "colspan"),
                        span_attr(raw, "rowspan"),
                    ));
                }
            }
            "pre" => {
                self.current().break_line();
                self.pre = if closing {
                    self.pre.saturating_sub(1)
                } else {
                    self.pre + 1
                };
            }
            "br" | "p" | "div" | "li" | "ul" | "ol" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
            | "section" | "article" | "header" | "footer" | "blockquote" | "dd" | "dt" | "dl"
            | "hr" | "center" | "nav" | "aside" | "main" | "figure" | "figcaption" | "address"
            | "form" | "caption" | "body" | "html" => self.current().break_line(),
            _ => {}
        }
    }

    /// Close the open cell of the innermost table, if any.
    fn close_cell(&mut self) {
        let Some(&base) = self.table_base.last() else {
            return;
        };
        if self.containers.len() > base {
            let mut cell = self.containers.pop().unwrap_or_default();
            cell.break_line();
            if let Some(t) = self.tables.last_mut() {
                if t.rows.is_empty() {
                    t.rows.push(Vec::new());
                }
                if let Some(row) = t.rows.last_mut() {
                    row.push(cell);
                }
            }
        }
    }

    fn close_table(&mut self) {
        self.close_cell();
        let Some(table) = self.tables.pop() else {
            return;
        };
        self.table_base.pop();
        let rows: Vec<Vec<Container>> = table.rows.into_iter().filter(|r| !r.is_empty()).collect();
        let width = rows
            .iter()
            .map(|r| r.iter().map(|c| c.colspan).sum::<usize>())
            .max()
            .unwrap_or(0);
        // A grid wider or larger than any table of a plan is read as layout, so that spans
        // cannot make millions of empty cells.
        let layout = rows.len() < 2
            || !(2..=MAX_GRID_WIDTH).contains(&width)
            || rows.len().saturating_mul(width) > MAX_GRID_CELLS
            || rows
                .iter()
                .flatten()
                .any(|c| c.has_table() || c.text().chars().count() > MAX_DATA_CELL_CHARS);
        let parent = self.current();
        parent.break_line();
        if layout {
            // Layout: the cells' content, in reading order, belongs to the enclosing container.
            for cell in rows.into_iter().flatten() {
                parent.items.extend(cell.items);
            }
            return;
        }
        parent.items.push(Item::Table(grid(rows, width)));
    }
}

/// Lay cells on a grid: `colspan` leaves empty cells after, `rowspan` repeats the text below.
fn grid(rows: Vec<Vec<Container>>, width: usize) -> Vec<Vec<String>> {
    // Per column: text carried down by a rowspan and how many more rows it covers.
    let mut carried: Vec<Option<(String, usize)>> = vec![None; width];
    let mut copied = 0usize;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut cells: Vec<String> = Vec::with_capacity(width);
        let mut input = row.into_iter();
        let mut col = 0;
        while col < width {
            if let Some(Some((text, left))) = carried.get_mut(col) {
                copied = copied.saturating_add(text.len());
                cells.push(if copied <= MAX_CARRIED_BYTES {
                    text.clone()
                } else {
                    String::new()
                });
                *left -= 1;
                if *left == 0 {
                    carried[col] = None;
                }
                col += 1;
                continue;
            }
            let Some(cell) = input.next() else {
                cells.push(String::new());
                col += 1;
                continue;
            };
            let text = cell.text();
            for k in 0..cell.colspan.min(width - col) {
                cells.push(if k == 0 { text.clone() } else { String::new() });
                if cell.rowspan > 1 && k == 0 {
                    carried[col] = Some((text.clone(), cell.rowspan - 1));
                }
            }
            col += cell.colspan.min(width - col);
        }
        out.push(cells);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn para(s: &str) -> Block {
        Block::Paragraph(s.into())
    }

    #[test]
    fn a_page_is_recognised_and_plain_text_is_not() {
        assert!(is_html(
            "<!DOCTYPE html><html><body><p>一、目标</p></body></html>"
        ));
        assert!(is_html("\u{feff}  <div class=\"c\">一、目标</div>"));
        assert!(!is_html("一、目标 <5%"));
        assert!(!is_html("<某市>实施方案"));
    }

    #[test]
    fn block_elements_make_paragraphs_and_scripts_vanish() {
        let html = "<html><head><title>t</title><script>var a = '<p>x</p>';</script></head>\
            <body><!-- nav --><h1>某市实施方案</h1><p>一、总体要求</p><div>（一）<b>指导思想</b></div>\
            第一行<br>第二行&nbsp;&amp;&#x4E00;</body></html>";
        assert_eq!(
            read(html),
            [
                para("某市实施方案"),
                para("一、总体要求"),
                para("（一）指导思想"),
                para("第一行"),
                para("第二行 &一")
            ]
        );
    }

    #[test]
    fn a_data_table_keeps_its_grid_with_spans() {
        let html = "<table><tr><th>序号</th><th>任务</th><th>牵头单位</th></tr>\
            <tr><td colspan=3>一、科普能力提升</td></tr>\
            <tr><td>1</td><td><p>建设科技馆</p><p>2025年前</p></td><td rowspan=\"2\">市科协</td></tr>\
            <tr><td>2</td><td>建设科普基地</td></tr></table>";
        assert_eq!(
            read(html),
            [Block::Table(vec![
                vec!["序号".into(), "任务".into(), "牵头单位".into()],
                vec!["一、科普能力提升".into(), "".into(), "".into()],
                vec!["1".into(), "建设科技馆\n2025年前".into(), "市科协".into()],
                vec!["2".into(), "建设科普基地".into(), "市科协".into()],
            ])]
        );
    }

    #[test]
    fn a_layout_table_gives_its_paragraphs_and_keeps_the_data_table_inside() {
        let html = "<table><tr><td>导航</td><td><p>一、重点任务</p>\
            <table><tr><td>任务</td><td>牵头单位</td></tr><tr><td>科普讲座</td><td>市科协</td></tr></table>\
            <p>二、保障措施</p></td></tr></table>";
        assert_eq!(
            read(html),
            [
                para("导航"),
                para("一、重点任务"),
                Block::Table(vec![
                    vec!["任务".into(), "牵头单位".into()],
                    vec!["科普讲座".into(), "市科协".into()]
                ]),
                para("二、保障措施"),
            ]
        );
    }

    #[test]
    fn broken_markup_still_gives_text() {
        assert_eq!(
            read("<p>一、目标 < 5%<p>二、任务<td>x"),
            [para("一、目标 < 5%"), para("二、任务x")]
        );
    }
}
