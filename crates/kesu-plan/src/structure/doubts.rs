//! What the reader is unsure of, said plainly in Chinese with the place, so that the office
//! checks those places first: a table or list in an appendix not read as tasks, few tasks for
//! a long document, tasks without units, numbers not read as targets.
//!
//! A place is a path into the plan JSON (`tasks[3]`, `goals`) or into the source text
//! (`source[120..480]`, byte offsets of [`crate::ParseOutput::source`]).

use super::tree::OtherTable;
use crate::Warning;
use kesu_core::{Plan, Target};

/// What the doubts are read from.
pub(super) struct Facts<'a> {
    pub plan: &'a Plan,
    pub source: &'a str,
    pub other_tables: &'a [OtherTable],
    pub in_appendix: bool,
    pub set_aside: usize,
    pub unused_list: usize,
    pub goal_text: &'a str,
}

/// Characters of text per task below which a long document is said to have few tasks.
const CHARS_PER_TASK: usize = 2_500;
/// A document shorter than this is not called long.
const LONG_DOCUMENT: usize = 6_000;

pub(super) fn doubts(f: &Facts<'_>) -> Vec<Warning> {
    let mut out = Vec::new();
    for t in f.other_tables.iter().filter(|t| t.appendix && t.rows >= 2) {
        out.push(Warning {
            message: format!(
                "附件中有一张 {} 行的表格未作为任务读取：没有认出“重点任务”“牵头单位”“责任单位”等表头，请核对是否为任务分工表",
                t.rows
            ),
            path: format!("source[{}..{}]", t.src.0, t.src.1),
        });
    }
    if f.set_aside > 0 {
        let (taken, other) = if f.in_appendix {
            ("附件", "正文")
        } else {
            ("正文", "附件")
        };
        out.push(Warning {
            message: format!(
                "任务取自{taken}；{other}中另有 {} 项写明责任单位的条目未作为任务读取，请核对",
                f.set_aside
            ),
            path: "tasks".into(),
        });
    }
    if f.unused_list >= 3 {
        out.push(Warning {
            message: format!(
                "附件中有 {} 条编号条目未作为任务读取（没有写明责任单位），请核对是否为任务清单",
                f.unused_list
            ),
            path: "tasks".into(),
        });
    }
    let chars = f.source.chars().count();
    let n = f.plan.tasks.len();
    if chars >= LONG_DOCUMENT && n * CHARS_PER_TASK < chars {
        out.push(Warning {
            message: format!(
                "全文约 {chars} 字，只读出 {n} 项任务，可能有任务未被识别（如编号方式特殊、任务写在图片或未识别的表格中）"
            ),
            path: "tasks".into(),
        });
    }
    for (i, t) in f.plan.tasks.iter().enumerate() {
        let place = task_place(&t.path, &t.title);
        if t.lead.is_empty() && t.cooperating.is_empty() && t.responsible.is_empty() {
            out.push(Warning {
                message: format!("任务 {place} 没有读出责任单位，请补充牵头或责任单位"),
                path: format!("tasks[{i}]"),
            });
        }
        let text = t.text.as_deref().unwrap_or("");
        let loose = loose_numbers(text, &t.targets);
        if !loose.is_empty() {
            out.push(Warning {
                message: format!(
                    "任务 {place} 中的数字 {} 未能读作量化目标，请核对是否为目标",
                    loose.join("、")
                ),
                path: format!("tasks[{i}].targets"),
            });
        }
    }
    let loose: Vec<String> = loose_numbers(f.goal_text, &f.plan.goals)
        .into_iter()
        .filter(|n| n.ends_with(['%', '％']))
        .collect();
    if !loose.is_empty() {
        out.push(Warning {
            message: format!("目标部分的数字 {} 未能读作目标，请核对", loose.join("、")),
            path: "goals".into(),
        });
    }
    out
}

/// "二.(一).1「加强…」": a task as a person finds it.
fn task_place(path: &[String], title: &str) -> String {
    let short: String = title.chars().take(24).collect();
    let more = if title.chars().count() > 24 {
        "…"
    } else {
        ""
    };
    format!("{}「{short}{more}」", path.join("."))
}

/// Numbers in `text` that no target states, as written ("60万", "15%"): dates, years, numbers
/// in titles of documents and quotes, ordinals and numbering are not counted.
fn loose_numbers(text: &str, targets: &[Target]) -> Vec<String> {
    // Byte ranges of the text the targets were read from.
    let covered: Vec<(usize, usize)> = targets
        .iter()
        .filter_map(|t| text.find(&t.text).map(|at| (at, at + t.text.len())))
        .collect();
    let mut out: Vec<String> = Vec::new();
    let mut quoted = 0i32;
    let mut prev: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '《' | '“' | '〔' | '[' | '【' | '「' => quoted += 1,
            '》' | '”' | '〕' | ']' | '】' | '」' => quoted = (quoted - 1).max(0),
            _ => {}
        }
        if !is_digit(c) {
            prev = Some(c);
            continue;
        }
        let start = i;
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = chars.peek() {
            if is_digit(d) || matches!(d, '.' | '．') {
                end = j + d.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        let rest = text.get(end..).unwrap_or("");
        let after = rest.trim_start().chars().next();
        let label = matches!(prev, None | Some('\n'))
            && matches!(after, Some('.' | '．' | '、' | ')' | '）'));
        let inside = covered.iter().any(|&(a, b)| a <= start && end <= b);
        let number_text = text.get(start..end).unwrap_or("");
        // "计划2.0", "2+4+N": a version, a formula.
        let version = number_text.ends_with(".0") || number_text.ends_with("．0");
        let formula = prev == Some('+') || after == Some('+');
        let skip = quoted > 0
            || inside
            || label
            || version
            || formula
            || prev.is_some_and(|p| matches!(p, '第' | '-' | '—' | '～' | '~' | '至'))
            || after.is_some_and(|a| {
                matches!(
                    a,
                    '年' | '月' | '日' | '号' | '届' | '时' | '点' | '版' | '-' | '—' | '～' | '~'
                )
            })
            || rest.trim_start().starts_with("周年");
        prev = text.get(..end).and_then(|t| t.chars().next_back());
        if skip {
            continue;
        }
        let mut number = number_text.to_string();
        if let Some(m) = after.filter(|a| matches!(a, '万' | '亿' | '%' | '％')) {
            number.push(m);
        }
        if !out.contains(&number) {
            out.push(number);
        }
        if out.len() >= 3 {
            break;
        }
    }
    out
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_that_are_dates_titles_or_ordinals_are_not_loose() {
        let text = "2021年起，落实《纲要（2021—2035年）》，办好第3届大赛，每年举办1次。";
        assert!(loose_numbers(text, &[]).contains(&"1".to_string()));
        assert_eq!(
            loose_numbers(text, &[]).len(),
            1,
            "{:?}",
            loose_numbers(text, &[])
        );
    }

    #[test]
    fn a_number_inside_a_target_clause_is_not_loose() {
        let targets = crate::targets::extract("培训农民500人以上");
        let text = "开展培训，培训农民500人以上，覆盖60万人口。";
        assert_eq!(loose_numbers(text, &targets), ["60万"]);
    }
}
