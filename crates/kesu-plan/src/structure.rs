//! Finding the plan's structure: numbering levels, sections, tasks and their units.
//!
//! The path of a document through this module:
//! 1. [`clean`]: paragraphs cleaned of PDF and web debris, lines broken mid-sentence joined;
//! 2. [`tree`]: the outline, items nested by their numbering ([`labels`]), unnumbered measure
//!    paragraphs as ¶N items, task-table rows ([`table`]) as items;
//! 3. here: which items are tasks (leaves of the parts that are not guiding ideas, goals or the
//!    closing 保障措施), their units ([`assign`]) with inheritance, their targets, the goals;
//! 4. [`meta`]: title, region, level, period and issuer from the head of the document.
//!
//! Rules are about the shapes of such documents (numbering, punctuation, words like 牵头,
//! 配合, 责任单位, 负责, 措施, 保障), never about one document.

mod assign;
mod clean;
mod doubts;
mod labels;
mod meta;
mod table;
mod text_table;
mod tree;

use crate::{Document, ParseOutput, PlanError, Span, targets};
use assign::Units;
use clean::{Piece, Src};
use kesu_core::{Plan, Task};
use tree::{Item, Outline};

/// Whether a line begins a paragraph of its own by what it says: a numbering label, a line of
/// units by role, the start of an appendix (for text whose line breaks are not paragraphs).
pub(crate) fn is_paragraph_start(line: &str) -> bool {
    labels::starts_with_label(line) || clean::starts_with_role(line) || clean::is_marker(line)
}

/// Characters of Chinese text (ideographs, full-width punctuation).
pub(crate) fn is_wide(c: char) -> bool {
    clean::is_wide(c)
}

/// Whether a row of short cells names the columns of a task table.
pub(crate) fn is_task_header(cells: &[String]) -> bool {
    table::is_header(cells)
}

/// Read a decoded document: the plan, its source text, the tasks' spans and the doubts.
/// [`PlanError::NoPlan`] when it has no tasks.
pub fn read(doc: &Document) -> Result<ParseOutput, PlanError> {
    let source = doc.source_text();
    let pieces = clean::pieces(&doc.blocks);
    let first_leads = pieces
        .iter()
        .any(|p| matches!(p, Piece::Para(s, _) if assign::first_leads(s)));
    let mut outline = tree::build(pieces, first_leads, &source);
    tree::fold_inline_lists(&mut outline, first_leads);
    tree::expand_paragraphs(&mut outline, first_leads);
    if outline.items.len() <= outline.roots.len() {
        return Err(PlanError::NoPlan);
    }
    let meta = meta::read(outline.items.first().map_or(&[][..], |r| &r.paras));
    let kinds = classify(&outline, first_leads);
    let units = own_units(&outline, &kinds, first_leads);
    let found = tasks(&outline, &kinds, &units);
    if found.tasks.is_empty() {
        return Err(PlanError::NoPlan);
    }
    let in_appendix = found.in_appendix;
    let goal_text = goal_text(&outline, &kinds, in_appendix);
    let goals = targets::extract_goals(&goal_text, meta.period);
    let (tasks, spans): (Vec<Task>, Vec<Option<Span>>) = found
        .tasks
        .into_iter()
        .map(|(task, src)| (task, src.map(|(start, end)| span(&source, start, end))))
        .unzip();
    let plan = Plan {
        title: meta.title,
        region: meta.region,
        level: meta.level,
        period: meta.period,
        issuer: meta.issuer,
        goals,
        tasks,
    };
    let warnings = doubts::doubts(&doubts::Facts {
        plan: &plan,
        source: &source,
        other_tables: &outline.other_tables,
        in_appendix,
        set_aside: found.set_aside,
        unused_list: found.unused_list,
        goal_text: &goal_text,
    });
    Ok(ParseOutput {
        plan,
        source,
        spans,
        warnings,
    })
}

/// A span of the source on character boundaries, without the spaces at its ends.
fn span(source: &str, start: usize, end: usize) -> Span {
    let floor = |mut i: usize| {
        i = i.min(source.len());
        while !source.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let (start, end) = (floor(start), floor(end.max(start)));
    let text = source.get(start..end).unwrap_or("");
    let lead = text.len() - text.trim_start().len();
    let trail = text.len() - text.trim_end().len();
    Span {
        start: start + lead,
        end: (end - trail).max(start + lead),
    }
}

/// What an item is, from its heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// 指导思想, 基本原则, 总体要求, 前言: not tasks.
    Guide,
    /// 目标, 主要目标, 发展目标: the goals, not tasks.
    Goal,
    /// 保障措施, 组织实施, 进度安排: the closing part, not tasks.
    Closing,
    /// 任务 next to a 措施 sibling: a summary of the measures, not a task.
    Summary,
    /// 措施: the heading of the measures.
    Measures,
    /// 分工: the units of the enclosing item.
    UnitBlock,
    Other,
}

/// Each item's kind, and whether it is excluded from the tasks (itself or by an ancestor).
struct Kinds {
    kind: Vec<Kind>,
    excluded: Vec<bool>,
    /// A 目标任务 section that also holds tasks (with units): its own text gives goals, its
    /// items are tasks.
    mixed: Vec<bool>,
}

fn heading(item: &Item) -> String {
    if let Some(row) = &item.row {
        return row.title.clone();
    }
    item.paras
        .iter()
        .find(|p| !p.trim().is_empty())
        .map(|p| tree::title_of(p))
        .unwrap_or_default()
}

fn kind_of(title: &str, depth: usize) -> Kind {
    let t: String = title.chars().filter(|c| !c.is_whitespace()).collect();
    let n = t.chars().count();
    const GUIDE: &[&str] = &[
        "指导思想",
        "基本原则",
        "工作原则",
        "总体要求",
        "总体思路",
        "基本思路",
        "前言",
        "面临形势",
        "发展形势",
        "形势分析",
        "发展现状",
        "发展基础",
        "重要意义",
        "编制依据",
        "适用范围",
    ];
    const CLOSING: &[&str] = &[
        "保障措施",
        "组织实施",
        "实施保障",
        "保障机制",
        "组织保障",
        "进度安排",
        "实施步骤",
        "工作步骤",
        "步骤安排",
        "时间安排",
        "实施进度",
        "附则",
    ];
    if t.is_empty() {
        return Kind::Other;
    }
    // A heading run into its text on one line ("(三)目标到2025年,…", "(一)指导思想以…"): the
    // section's name is how the heading begins.
    if depth <= 2 {
        const GOAL_HEADS: &[&str] = &["主要目标", "发展目标", "工作目标", "总体目标", "目标"];
        if GOAL_HEADS.iter().any(|w| t.starts_with(w)) && !t.starts_with("目标责任") {
            return Kind::Goal;
        }
        if ["指导思想", "基本原则", "工作原则", "总体要求"]
            .iter()
            .any(|w| t.starts_with(w))
        {
            return Kind::Guide;
        }
    }
    let guide = GUIDE.iter().any(|w| t.contains(w)) || t == "原则";
    if (t.ends_with("目标") && n <= 15)
        || (t.contains("目标") && guide)
        || (n <= 8 && (t.ends_with("目标任务") || t.ends_with("目标要求")))
    {
        return Kind::Goal;
    }
    if guide && n <= 20 {
        return Kind::Guide;
    }
    let closing = CLOSING.iter().any(|w| t.contains(w))
        || (depth <= 1 && t.contains("保障") && !t.contains("行动") && !t.contains("工程"))
        || (depth <= 1 && n <= 8 && (t.contains("组织领导") || t.ends_with("工作要求")));
    if closing && n <= 30 {
        return Kind::Closing;
    }
    if tree::is_measures_title(&t) {
        return Kind::Measures;
    }
    // Only a summary when a 措施 sibling follows (checked by the caller), so a heading run
    // into its text ("1.任务激发青少年…") counts too.
    let summary = ["任务", "主要任务", "工作任务", "重点任务", "任务目标"];
    if summary.iter().any(|w| t.starts_with(w)) {
        return Kind::Summary;
    }
    let blocks = [
        "分工",
        "责任分工",
        "职责分工",
        "任务分工",
        "工作分工",
        "部门分工",
        "责任单位",
        "牵头单位",
        "分工安排",
    ];
    if blocks.contains(&t.as_str()) {
        return Kind::UnitBlock;
    }
    Kind::Other
}

fn classify(o: &Outline, first_leads: bool) -> Kinds {
    let n = o.items.len();
    // Whether an item or anything under it names units (children come after their parents).
    let mut with_units = vec![false; n];
    for id in (0..n).rev() {
        let Some(item) = o.items.get(id) else {
            continue;
        };
        let own = match &item.row {
            Some(row) => !row.units.is_empty(),
            None => {
                !item.label.is_empty()
                    && item
                        .paras
                        .iter()
                        .any(|p| !assign::extract(p, first_leads).is_empty())
            }
        };
        let below = with_units.get(id).copied().unwrap_or(false);
        if let Some(w) = with_units.get_mut(id) {
            *w = own || below;
        }
        if (own || below)
            && let Some(w) = item.parent.and_then(|p| with_units.get_mut(p))
        {
            *w = true;
        }
    }
    let mut mixed = vec![false; n];
    let mut depth = vec![0usize; n];
    let mut kind = vec![Kind::Other; n];
    let mut excluded = vec![false; n];
    for (id, item) in o.items.iter().enumerate() {
        if item.label.is_empty() {
            continue;
        }
        let parent = item.parent.unwrap_or(0);
        let d = depth.get(parent).copied().unwrap_or(0) + 1;
        if let Some(x) = depth.get_mut(id) {
            *x = d;
        }
        if let Some(k) = kind.get_mut(id) {
            *k = if item.row.is_some() {
                Kind::Other
            } else {
                kind_of(&heading(item), d)
            };
        }
    }
    // Per item: whether one of its children heads the measures; whether a closing part has
    // been seen among its children so far (document order is id order among siblings).
    let mut has_measures = vec![false; n];
    for (id, item) in o.items.iter().enumerate() {
        if kind.get(id) == Some(&Kind::Measures)
            && let Some(h) = item.parent.and_then(|p| has_measures.get_mut(p))
        {
            *h = true;
        }
    }
    let mut closed = vec![false; n];
    for (id, item) in o.items.iter().enumerate() {
        if item.label.is_empty() {
            continue;
        }
        let parent = item.parent.unwrap_or(0);
        let k = kind.get(id).copied().unwrap_or(Kind::Other);
        let by_parent = excluded.get(parent).copied().unwrap_or(false);
        let summary_with_measures =
            k == Kind::Summary && has_measures.get(parent).copied().unwrap_or(false);
        // What follows the closing part at the top level (监测评估, 附则) is closing too.
        let after_closing = closed.get(parent).copied().unwrap_or(false);
        if k == Kind::Closing
            && o.items.get(parent).is_some_and(|p| p.label.is_empty())
            && let Some(c) = closed.get_mut(parent)
        {
            *c = true;
        }
        let is_mixed = k == Kind::Goal
            && with_units.get(id).copied().unwrap_or(false)
            && heading(item).contains("任务");
        if let Some(m) = mixed.get_mut(id) {
            *m = is_mixed;
        }
        let own = (matches!(
            k,
            Kind::Guide | Kind::Goal | Kind::Closing | Kind::UnitBlock
        ) && !is_mixed)
            || summary_with_measures
            || after_closing;
        if let Some(e) = excluded.get_mut(id) {
            *e = by_parent || own;
        }
    }
    Kinds {
        kind,
        excluded,
        mixed,
    }
}

/// Each item's own units: from its text (or table row), with the units of a 分工 block and of
/// a 任务 summary handed up to the item that holds them.
fn own_units(o: &Outline, kinds: &Kinds, first_leads: bool) -> Vec<Units> {
    let mut units: Vec<Units> = o
        .items
        .iter()
        .map(|item| match &item.row {
            Some(row) => row.units.clone(),
            None if item.label.is_empty() => Units::default(),
            None => match item.paras.as_slice() {
                [one] => assign::extract(one, first_leads),
                many => assign::extract(&many.join("\n"), first_leads),
            },
        })
        .collect();
    // A 分工 line after the last item of an action ("工作分工：A牵头，B参与。") is the action's,
    // whatever the items name themselves: it says so by its label.
    let mut handed_up = vec![false; o.items.len()];
    for (pid, parent) in o.items.iter().enumerate() {
        if parent.label.is_empty() {
            continue;
        }
        let Some(&last) = parent.children.last() else {
            continue;
        };
        let Some(item) = o.items.get(last) else {
            continue;
        };
        if item.row.is_some() || !item.children.is_empty() {
            continue;
        }
        let mut block: Vec<&str> = Vec::new();
        let mut own: Vec<&str> = Vec::new();
        for (k, p) in item.paras.iter().enumerate() {
            if k > 0 && assign::is_block_line(p) {
                block.push(p);
            } else {
                own.push(p);
            }
        }
        if block.is_empty() {
            continue;
        }
        let join = |v: &[&str]| v.join("\n");
        let u = assign::extract(&join(&block), first_leads);
        if let Some(x) = units.get_mut(last) {
            *x = assign::extract(&join(&own), first_leads);
        }
        if let Some(x) = units.get_mut(pid) {
            x.append(u);
        }
        if let Some(h) = handed_up.get_mut(pid) {
            *h = true;
        }
    }
    // A unit line after the last of several numbered items that name no units of their own
    // is the units of them all ("1.… 2.… 3.… 责任单位：…"), and so is a unit clause closing
    // the last item when none of the others names any.
    for (pid, parent) in o.items.iter().enumerate() {
        if parent.label.is_empty() || handed_up.get(pid).copied().unwrap_or(false) {
            continue;
        }
        let Some((&last, others)) = parent.children.split_last() else {
            continue;
        };
        // Only where the items' parent names no units itself: under an action that has its
        // own, a clause closing the last measure is that measure's.
        if others.is_empty()
            || units.get(pid).is_some_and(|u| !u.is_empty())
            || others
                .iter()
                .any(|&c| units.get(c).is_none_or(|u| !u.is_empty()))
        {
            continue;
        }
        let Some(item) = o.items.get(last) else {
            continue;
        };
        if item.row.is_some() || !item.children.is_empty() {
            continue;
        }
        let mut lines: Vec<&String> = Vec::new();
        let mut text: Vec<&String> = Vec::new();
        for (k, p) in item.paras.iter().enumerate() {
            if k > 0 && assign::is_units_only(p, first_leads) {
                lines.push(p);
            } else {
                text.push(p);
            }
        }
        let joined = |v: &[&String]| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n");
        let body = joined(&text);
        // The unit line may also close the last item's own text: "3.…。（牵头单位：…）".
        let (body, clause) = if lines.is_empty() {
            match assign::trailing_clause(&body) {
                Some(k) => (
                    body.get(..k).unwrap_or("").to_string(),
                    body.get(k..).unwrap_or("").to_string(),
                ),
                None => continue,
            }
        } else {
            (body, joined(&lines))
        };
        if !assign::extract(&body, first_leads).is_empty() {
            continue;
        }
        let u = assign::extract(&clause, first_leads);
        if let Some(x) = units.get_mut(last) {
            *x = Units::default();
        }
        if let Some(x) = units.get_mut(pid) {
            x.append(u);
        }
    }
    for (id, item) in o.items.iter().enumerate() {
        let Some(parent) = item.parent else { continue };
        let k = kinds.kind.get(id).copied().unwrap_or(Kind::Other);
        let parent_labelled = o.items.get(parent).is_some_and(|p| !p.label.is_empty());
        if !parent_labelled {
            continue;
        }
        let hand_up = match k {
            Kind::UnitBlock => true,
            Kind::Summary => units.get(parent).is_some_and(Units::is_empty),
            _ => false,
        };
        if hand_up {
            let u = units.get(id).cloned().unwrap_or_default();
            if let Some(p) = units.get_mut(parent) {
                p.append(u);
            }
        }
    }
    units
}

/// The units of a task. Without units of its own, those of the enclosing items, each role from
/// the nearest that names it. With units of its own, those win ("a measure's own units win over
/// its block"), except that a measure naming no lead takes the lead of the nearest enclosing
/// item that names nothing but a lead: a section's "(牵头单位：…)" over measures that each name
/// their "(责任单位：…)" divides the roles between the levels.
fn effective_units(o: &Outline, units: &[Units], id: usize) -> Units {
    let mut u = units.get(id).cloned().unwrap_or_default();
    let own = !u.is_empty();
    let mut cur = o.items.get(id).and_then(|i| i.parent);
    while let Some(p) = cur {
        let Some(pu) = units.get(p) else { break };
        if own {
            if !pu.is_empty() {
                if u.lead.is_empty() && pu.cooperating.is_empty() && pu.responsible.is_empty() {
                    u.lead = pu.lead.clone();
                }
                break;
            }
        } else {
            if u.lead.is_empty() {
                u.lead = pu.lead.clone();
            }
            if u.cooperating.is_empty() {
                u.cooperating = pu.cooperating.clone();
            }
            if u.responsible.is_empty() {
                u.responsible = pu.responsible.clone();
            }
        }
        cur = o.items.get(p).and_then(|i| i.parent);
    }
    u
}

/// The tasks: leaves of the parts that are not excluded, in document order. Where the document
/// assigns units at all, a task has units (its own or inherited). An appendix gives the tasks
/// when the body gives none (a notice whose plan is its 附件) or names no units where the
/// appendix does (a plan whose 任务分工表 is attached). Also says whether they came from an
/// appendix.
fn tasks(o: &Outline, kinds: &Kinds, units: &[Units]) -> Found {
    let mut body = Vec::new();
    let mut appendix = Vec::new();
    for &root in &o.roots {
        let mut order = Vec::new();
        walk(o, root, &mut order);
        for id in order {
            let Some(item) = o.items.get(id) else {
                continue;
            };
            if item.label.is_empty() || !item.children.is_empty() {
                continue;
            }
            if kinds.excluded.get(id).copied().unwrap_or(true) {
                continue;
            }
            let u = effective_units(o, units, id);
            let entry = (id, u);
            if item.appendix {
                appendix.push(entry);
            } else {
                body.push(entry);
            }
        }
    }
    // Where the document assigns units, a leaf without any is kept only when it stands where
    // tasks with units stand (as deep, numbered alike): a measure whose 分工 was left out is
    // still a task, a stray paragraph elsewhere is not.
    let shape = |id: usize| {
        let mut depth = 0;
        let mut cur = Some(id);
        while let Some(i) = cur {
            depth += 1;
            cur = o.items.get(i).and_then(|it| it.parent);
        }
        let style = o.items.get(id).map_or(0, |it| label_shape(&it.label));
        (depth, style)
    };
    let pick = |mut list: Vec<(usize, Units)>| {
        if list.iter().any(|(_, u)| !u.is_empty()) {
            let shapes: Vec<(usize, u8)> = list
                .iter()
                .filter(|(_, u)| !u.is_empty())
                .map(|(id, _)| shape(*id))
                .collect();
            list.retain(|(id, u)| !u.is_empty() || shapes.contains(&shape(*id)));
        }
        list
    };
    let has_units = |list: &[(usize, Units)]| list.iter().any(|(_, u)| !u.is_empty());
    // A body item that sends the reader to the appendix ("具体任务分工见附件") is not a task
    // when the appendix gives tasks with units: those are its tasks.
    if has_units(&appendix) {
        body.retain(|(id, _)| {
            o.items
                .get(*id)
                .is_none_or(|item| !item.paras.iter().any(|p| refers_to_appendix(p)))
        });
    }
    // The body, unless it is empty, or names no units where an appendix (a 任务分工表) does.
    let in_appendix = body.is_empty() || (!has_units(&body) && has_units(&appendix));
    let (chosen, other) = if in_appendix {
        (pick(appendix), body)
    } else {
        (pick(body), appendix)
    };
    let set_aside = other.iter().filter(|(_, u)| !u.is_empty()).count();
    // Numbered items of an appendix not taken for tasks (a list of tasks without units, perhaps),
    // unless the appendix explains terms.
    let glossary = |id: usize| {
        let mut root = id;
        while let Some(p) = o.items.get(root).and_then(|i| i.parent) {
            root = p;
        }
        o.items.get(root).is_some_and(|r| {
            r.paras.iter().take(3).any(|p| {
                ["解释", "释义", "术语", "说明"]
                    .iter()
                    .any(|w| p.contains(w))
            })
        })
    };
    let unused_list = if in_appendix {
        0
    } else {
        other
            .iter()
            .filter(|(id, u)| u.is_empty() && !glossary(*id))
            .count()
    };
    let tasks = chosen
        .into_iter()
        .filter_map(|(id, u)| Some((task(o, id, u)?, o.items.get(id)?.span())))
        .collect();
    Found {
        tasks,
        in_appendix,
        set_aside,
        unused_list,
    }
}

/// The tasks found, and where.
struct Found {
    tasks: Vec<(Task, Option<Src>)>,
    /// They come from an appendix (a 分工表 the body refers to, a plan attached to its notice).
    in_appendix: bool,
    /// Leaves with units in the part not taken (the body, or the appendix).
    set_aside: usize,
    /// Numbered items without units in an appendix not taken.
    unused_list: usize,
}

/// The kind of numbering of a path label: `一`, `(一)`, `1`, `(1)`, `¶1`, other.
fn label_shape(label: &str) -> u8 {
    let paren = label.starts_with('(');
    match label.chars().find(|c| *c != '(') {
        Some('¶') => 4,
        Some(c) if c.is_ascii_digit() => 2 + u8::from(paren),
        Some(c) if "一二三四五六七八九十".contains(c) => u8::from(paren),
        _ => 5,
    }
}

/// "详见附件", "见附件1", "（附后）", "列入附表": a text that refers its contents to an appendix.
fn refers_to_appendix(p: &str) -> bool {
    REFERS.is_match(p)
}

static REFERS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"见附[件表]|附[件表][0-9一二三四五六七八九十]*[中所]?列|附后|详见[^。]{0,12}(?:清单|分工表|任务表)")
        .unwrap_or_else(|_| unreachable!("constant regex"))
});

fn walk(o: &Outline, id: usize, out: &mut Vec<usize>) {
    // An explicit stack: a hostile document may nest deeply.
    let mut stack = vec![id];
    while let Some(i) = stack.pop() {
        out.push(i);
        if let Some(item) = o.items.get(i) {
            stack.extend(item.children.iter().rev());
        }
    }
}

fn task(o: &Outline, id: usize, u: Units) -> Option<Task> {
    let item = o.items.get(id)?;
    let mut path = Vec::new();
    let mut cur = Some(id);
    while let Some(i) = cur {
        let it = o.items.get(i)?;
        if !it.label.is_empty() {
            path.push(it.label.clone());
        }
        cur = it.parent;
    }
    path.reverse();
    let (title, text, deadline) = match &item.row {
        Some(row) => (row.title.clone(), row.text.clone(), row.deadline),
        None => (
            heading(item),
            item.paras
                .iter()
                .filter(|p| !p.trim().is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join("\n"),
            None,
        ),
    };
    let found = match item.row.as_ref().and_then(|r| r.targets.clone()) {
        Some(from_column) => from_column,
        None => {
            let mut found = targets::extract(&sentences(&text));
            if let Some(y) = deadline {
                for t in &mut found {
                    t.year = t.year.or(Some(y));
                }
            }
            found
        }
    };
    Some(Task {
        path,
        title,
        lead: u.lead,
        cooperating: u.cooperating,
        responsible: u.responsible,
        targets: found,
        text: Some(text),
    })
}

/// The text the plan-wide goals are read from: the innermost 目标 sections with everything
/// under them; without one, the sentences of the preamble that speak of a 目标.
fn goal_text(o: &Outline, kinds: &Kinds, in_appendix: bool) -> String {
    // The goals of the part that gives the tasks; else of the other part (a body that refers
    // its tasks to an attached 分工表 still states its goals).
    let mut parts = goal_parts(o, kinds, in_appendix);
    if parts.is_empty() {
        parts = goal_parts(o, kinds, !in_appendix);
    }
    let root = if in_appendix {
        o.roots.get(1).and_then(|&r| o.items.get(r))
    } else {
        o.items.first()
    };
    if parts.is_empty()
        && let Some(root) = root
    {
        // The preamble, and the 总体要求 that often states the goals without a section of
        // their own.
        let guides = o.items.iter().enumerate().filter(|(id, it)| {
            it.appendix == in_appendix && kinds.kind.get(*id) == Some(&Kind::Guide)
        });
        let paras = root
            .paras
            .iter()
            .chain(guides.flat_map(|(_, it)| it.paras.iter()));
        for p in paras {
            parts.extend(
                p.split_inclusive(['。', '；'])
                    .filter(|s| states_a_goal(s))
                    .map(str::to_string),
            );
        }
    }
    sentences(&parts.join("\n"))
}

/// Whether a sentence of a preamble states a plan-wide goal: it speaks of a 目标, or it looks
/// ahead (力争, 确保, 到2025年) to a share ("力争全区公民具备科学素质的比例达到16%以上", the
/// goal of an annual 工作要点 that has no 目标 section).
fn states_a_goal(sentence: &str) -> bool {
    if !sentence.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    if sentence.contains("目标") {
        return true;
    }
    let ahead = ["力争", "确保", "争取", "努力实现"]
        .iter()
        .any(|w| sentence.contains(w))
        || AHEAD_YEAR.is_match(sentence);
    ahead && (sentence.contains(['%', '％']) || sentence.contains("比例"))
}

static AHEAD_YEAR: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?:到|至)\s*20[0-9]{2}\s*年")
        .unwrap_or_else(|_| unreachable!("constant regex"))
});

/// The text of the innermost 目标 sections of the body or of the appendices, with everything
/// under them.
fn goal_parts(o: &Outline, kinds: &Kinds, in_appendix: bool) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    let goal = |i: usize| kinds.kind.get(i) == Some(&Kind::Goal);
    for (id, item) in o.items.iter().enumerate() {
        if item.appendix != in_appendix || !goal(id) {
            continue;
        }
        let mut under = Vec::new();
        if kinds.mixed.get(id).copied().unwrap_or(false) {
            // Only the section's own lines: what is under it is tasks.
            under.push(id);
        } else {
            walk(o, id, &mut under);
            if under.iter().skip(1).any(|&d| goal(d)) {
                continue;
            }
        }
        for d in under {
            if let Some(it) = o.items.get(d) {
                parts.extend(it.paras.iter().filter(|p| !p.trim().is_empty()).cloned());
                parts.extend(it.table_text.iter().cloned());
            }
        }
    }
    parts
}

/// Text whose lines are read as sentences: a line that does not end a sentence (a heading, a
/// table cell) is closed with a 。 so that it does not run into the next one.
fn sentences(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (k, line) in text.split('\n').enumerate() {
        if k > 0 {
            let ends = out
                .chars()
                .next_back()
                .is_none_or(|c| matches!(c, '。' | '！' | '？' | '!' | '?' | '；' | ';'));
            out.push_str(if ends { "\n" } else { "。\n" });
        }
        out.push_str(line);
    }
    out
}
