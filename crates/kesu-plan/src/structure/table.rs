//! Task tables (工作分工表, 任务分解表, 重点任务清单): a header row naming the columns (序号,
//! 重点任务, 具体措施, 牵头单位, 配合单位, 责任单位, 完成时限), then one task per row.

use super::assign::{self, Units};
use super::labels::{self, Style};
use crate::targets;
use kesu_core::Target;

/// A task read from one row (or from several rows sharing one 序号).
#[derive(Debug, Clone, Default)]
pub(super) struct Row {
    /// Labels of the group rows above it inside the table ("一、青少年…" spanning the table).
    pub groups: Vec<String>,
    pub label: String,
    pub title: String,
    pub text: String,
    pub units: Units,
    /// The last year of the 完成时限 cell.
    pub deadline: Option<i32>,
    /// The first and last of the table's rows it was read from.
    pub rows: (usize, usize),
    /// The whole path from a 路径 column (Kesu's own 任务分解表): it replaces groups and label.
    pub path: Option<Vec<String>>,
    /// The targets of a 量化目标 column; without one they are read from the task's text.
    pub targets: Option<Vec<Target>>,
}

#[derive(Debug, Default)]
struct Columns {
    no: Option<usize>,
    task: Option<usize>,
    measure: Option<usize>,
    lead: Option<usize>,
    coop: Option<usize>,
    resp: Option<usize>,
    deadline: Option<usize>,
    path: Option<usize>,
    targets: Option<usize>,
}

impl Columns {
    fn is_task_table(&self) -> bool {
        (self.task.is_some() || self.measure.is_some())
            && (self.lead.is_some() || self.coop.is_some() || self.resp.is_some())
    }
}

/// Which column a header cell names.
fn header(cols: &mut Columns, i: usize, cell: &str) {
    let c: String = cell.chars().filter(|c| !c.is_whitespace()).collect();
    let slot = if c == "序号" || c == "编号" || c == "序" {
        &mut cols.no
    } else if c == "路径" {
        &mut cols.path
    } else if c.contains("目标") && !c.contains("任务") {
        &mut cols.targets
    } else if c.contains("领导") || c.contains("备注") {
        return;
    } else if c.contains("牵头") || c.contains("主责") {
        &mut cols.lead
    } else if c.contains("配合") || c.contains("协办") || c.contains("参与") || c.contains("协同")
    {
        &mut cols.coop
    } else if c.contains("责任单位")
        || c.contains("责任部门")
        || c.contains("负责单位")
        || c.contains("承办单位")
        || c.contains("实施单位")
        || c == "责任主体"
        || c == "实施主体"
    {
        &mut cols.resp
    } else if c.contains("时限") || c.contains("时间") || c.contains("进度") {
        &mut cols.deadline
    } else if c.contains("措施") || c.contains("内容") || c.contains("举措") || c.contains("要求")
    {
        &mut cols.measure
    } else if c.contains("任务") || c.contains("工作") || c.contains("事项") || c.contains("项目")
    {
        &mut cols.task
    } else {
        return;
    };
    if slot.is_none() {
        *slot = Some(i);
    }
}

/// A table that is not a task table as sentences, for the goals it may state. A table of
/// indicators with a column per year ("指标 | 2020年 | 2025年目标") states its goals in the
/// column of the target (named 目标, or the latest year): each row becomes "indicator value",
/// the base year's values left out. Other tables give their rows, cells joined by commas.
pub(super) fn as_text(rows: &[Vec<String>]) -> String {
    let header = rows.first().map(Vec::as_slice).unwrap_or_default();
    let year = |c: &str| year_of(c).filter(|_| c.chars().count() <= 16);
    let target_col = header
        .iter()
        .position(|c| c.contains("目标") && c.chars().count() <= 12)
        .or_else(|| {
            let years: Vec<(usize, i32)> = header
                .iter()
                .enumerate()
                .filter_map(|(i, c)| Some((i, year(c)?)))
                .collect();
            (years.len() >= 2)
                .then(|| years.iter().max_by_key(|(_, y)| *y).map(|(i, _)| *i))
                .flatten()
        })
        .filter(|&i| i > 0);
    let line = |r: &Vec<String>| -> String {
        match target_col {
            Some(i) => {
                let name = r.first().map_or("", |c| c.trim());
                let value = r.get(i).map_or("", |c| c.trim());
                if value.is_empty() {
                    String::new()
                } else {
                    format!("{name}{value}")
                }
            }
            None => r.iter().map(|c| c.trim()).collect::<Vec<_>>().join("，"),
        }
    };
    let skip = usize::from(target_col.is_some());
    rows.iter()
        .skip(skip)
        .map(line)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("；")
}

/// Whether a row of short cells names the columns of a task table (a header line).
pub(super) fn is_header(row: &[String]) -> bool {
    let mut cols = Columns::default();
    for (i, cell) in row.iter().enumerate() {
        header(&mut cols, i, cell);
    }
    cols.is_task_table() && row.iter().all(|c| c.trim().chars().count() <= 10)
}

/// The tasks of a task table, or `None` when the table is not one.
pub(super) fn read(rows: &[Vec<String>], first_leads: bool) -> Option<Vec<Row>> {
    // The header is among the first rows (a title row may come first).
    let columns = |row: &[String]| {
        let mut cols = Columns::default();
        for (i, cell) in row.iter().enumerate() {
            header(&mut cols, i, cell);
        }
        cols
    };
    let (mut h, mut cols) = rows.iter().take(4).enumerate().find_map(|(k, row)| {
        let cols = columns(row);
        cols.is_task_table().then_some((k, cols))
    })?;
    // A header on two rows ("责任单位" over "牵头单位 | 配合单位"): the second row names the
    // columns the first one only spans.
    if let Some(next) = rows.get(h + 1) {
        let sub = columns(next);
        let named = [
            sub.lead,
            sub.coop,
            sub.resp,
            sub.deadline,
            sub.measure,
            sub.task,
        ]
        .iter()
        .filter(|c| c.is_some())
        .count();
        let numbered = sub.no.is_none()
            && cols
                .no
                .and_then(|i| next.get(i))
                .is_some_and(|c| c.trim().parse::<u32>().is_ok());
        if named >= 2 && !numbered {
            cols = Columns {
                no: cols.no.or(sub.no),
                task: sub.task.or(cols.task),
                measure: sub.measure.or(cols.measure),
                lead: sub.lead.or(cols.lead),
                coop: sub.coop.or(cols.coop),
                resp: if sub.lead.is_some() || sub.coop.is_some() {
                    sub.resp
                } else {
                    sub.resp.or(cols.resp)
                },
                deadline: sub.deadline.or(cols.deadline),
                path: cols.path.or(sub.path),
                targets: sub.targets.or(cols.targets),
            };
            h += 1;
        }
    }
    let header_row = rows.get(h)?;
    let cell = |row: &[String], i: Option<usize>| -> String {
        i.and_then(|i| row.get(i))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let mut out: Vec<Row> = Vec::new();
    let mut groups: Vec<String> = Vec::new();
    let mut counter = 0u32;
    for (index, row) in rows.iter().enumerate().skip(h + 1) {
        if row == header_row || row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        // A row whose cells all say the same (a merged heading row) groups the rows below.
        let mut filled = row.iter().map(|c| c.trim()).filter(|c| !c.is_empty());
        let first = filled.next().unwrap_or("");
        if filled.all(|c| c == first) && row.len() > 1 {
            let t = super::clean::clean_line(first).unwrap_or_default();
            if let Some(f) = labels::label_at(&t, 0, true) {
                let label = f.label(&t);
                groups.truncate(group_depth(&groups, &label));
                groups.push(label);
            }
            continue;
        }
        let no = cell(row, cols.no);
        let task = clean(&cell(row, cols.task));
        let measure = clean(&cell(row, cols.measure));
        // "一 | 青少年科学素质提升行动 | | |": a heading row numbered in Chinese, with no units.
        let unit_cells = [cols.lead, cols.coop, cols.resp]
            .iter()
            .any(|&c| !cell(row, c).is_empty());
        if !unit_cells && measure.is_empty() && cols.no.is_some() {
            let mut t = no.clone();
            t.push('、');
            t.push_str(&task);
            if let Some(f) = labels::label_at(&t, 0, true)
                && matches!(f.style, Style::Cn | Style::CnParen | Style::Chapter)
            {
                let label = f.label(&t);
                groups.truncate(group_depth(&groups, &label));
                groups.push(label);
                continue;
            }
        }
        let label = label_of(&no).unwrap_or_else(|| {
            if no.is_empty() {
                String::new()
            } else {
                no.clone()
            }
        });
        let mut units = Units::default();
        units
            .lead
            .extend(assign::split_units(&cell(row, cols.lead)));
        units
            .cooperating
            .extend(assign::split_units(&cell(row, cols.coop)));
        units.add_roleless(assign::split_units(&cell(row, cols.resp)), first_leads);
        let deadline = year_of(&cell(row, cols.deadline));
        let found = cols
            .targets
            .map(|_| target_cell(&cell(row, cols.targets), deadline));
        // Kesu's own 任务分解表: the 路径 column is the whole path, the 任务 cell the title as
        // written, each row a task.
        let path: Option<Vec<String>> = cols
            .path
            .map(|_| cell(row, cols.path))
            .filter(|p| !p.is_empty())
            .map(|p| p.split('.').map(|l| l.trim().to_string()).collect());
        if let Some(path) = path {
            out.push(Row {
                groups: Vec::new(),
                label: path.last().cloned().unwrap_or_default(),
                title: cell(row, cols.task),
                text: task.clone(),
                units,
                deadline,
                rows: (index, index),
                path: Some(path),
                targets: found,
            });
            continue;
        }
        // Rows continuing a merged 序号 (or without one, under the same task) add to the task.
        if let Some(prev) = out.last_mut() {
            let same_no = !label.is_empty() && prev.label == label && prev.groups == groups;
            // (Only where rows have a number or a task to share: in a table of measures
            // alone each row is a task.)
            let shares = cols.no.is_some() || cols.task.is_some();
            let no_label_same_task =
                shares && label.is_empty() && (task.is_empty() || task == prev.title);
            if same_no || no_label_same_task {
                if !measure.is_empty() && !prev.text.ends_with(&measure) {
                    prev.text.push('\n');
                    prev.text.push_str(&measure);
                }
                merge(&mut prev.units.lead, units.lead);
                merge(&mut prev.units.cooperating, units.cooperating);
                merge(&mut prev.units.responsible, units.responsible);
                prev.deadline = prev.deadline.max(deadline);
                prev.rows.1 = index;
                if let (Some(have), Some(more)) = (prev.targets.as_mut(), found) {
                    have.extend(more);
                }
                continue;
            }
        }
        let label = if label.is_empty() {
            counter += 1;
            counter.to_string()
        } else {
            if let Ok(n) = label.parse::<u32>() {
                counter = n;
            }
            label
        };
        let title_src = if task.is_empty() { &measure } else { &task };
        let title = first_sentence(strip_label(title_src));
        let mut text = task.clone();
        if !measure.is_empty() {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&measure);
        }
        out.push(Row {
            groups: groups.clone(),
            label,
            title,
            text,
            units,
            deadline,
            rows: (index, index),
            path: None,
            targets: found,
        });
    }
    Some(out)
}

/// The targets of a 量化目标 cell, a line each: as Kesu writes them ("text（>=1名；2025年；每所
/// 中小学校）") read back exactly, else read from the line's words, due by the row's deadline.
fn target_cell(text: &str, deadline: Option<i32>) -> Vec<Target> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(t) = crate::xlsx::parse_target_line(line) {
            out.push(t);
            continue;
        }
        for mut t in targets::extract(line) {
            t.year = t.year.or(deadline);
            out.push(t);
        }
    }
    out
}

fn clean(s: &str) -> String {
    s.lines()
        .filter_map(super::clean::clean_line)
        .collect::<Vec<_>>()
        .join("\n")
}

/// How many group labels to keep before a new one: a label of a style already open replaces it.
fn group_depth(groups: &[String], label: &str) -> usize {
    let shape = |s: &str| {
        (
            s.starts_with('('),
            s.chars().next().is_some_and(|c| c.is_ascii_digit()),
        )
    };
    groups
        .iter()
        .position(|g| shape(g) == shape(label))
        .unwrap_or(groups.len())
}

/// Add units not yet listed. A task spans few rows, but a hostile table may repeat one 序号
/// over thousands: past a few dozen names the duplicates are only checked against the tail.
fn merge(into: &mut Vec<String>, from: Vec<String>) {
    for u in from {
        let start = into.len().saturating_sub(64);
        if !into.get(start..).is_some_and(|tail| tail.contains(&u)) {
            into.push(u);
        }
    }
}

/// The 序号 cell as a path label: "1", "（一）" → "(一)", "1." → "1".
fn label_of(no: &str) -> Option<String> {
    let t = no.trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(n) = t.parse::<u32>() {
        return Some(n.to_string());
    }
    let mut with_text = t.to_string();
    with_text.push('x');
    labels::label_at(&with_text, 0, true).map(|f| f.label(&with_text))
}

/// A task cell without a leading label of its own ("1.加强…" → "加强…").
fn strip_label(s: &str) -> &str {
    match labels::label_at(s, 0, true) {
        Some(f) => s.get(f.end..).unwrap_or(s),
        None => s,
    }
}

/// The first sentence of a cell, without its final 。.
fn first_sentence(s: &str) -> String {
    let line = s.lines().next().unwrap_or("");
    let end = line.find('。').unwrap_or(line.len());
    line.get(..end)
        .unwrap_or(line)
        .trim_end_matches(['；', ';', '：', ':', '，', ','])
        .trim()
        .to_string()
}

/// The last four-digit year (1900–2199) in a 完成时限 cell: "2021-2025年" → 2025.
pub(super) fn year_of(s: &str) -> Option<i32> {
    let mut best = None;
    let b = s.as_bytes();
    let mut i = 0;
    while i + 4 <= b.len() {
        let w = b.get(i..i + 4)?;
        let before = i.checked_sub(1).and_then(|k| b.get(k));
        let after = b.get(i + 4);
        if w.iter().all(u8::is_ascii_digit)
            && !before.is_some_and(u8::is_ascii_digit)
            && !after.is_some_and(u8::is_ascii_digit)
        {
            let y = w.iter().fold(0i32, |a, d| a * 10 + i32::from(d - b'0'));
            if (1900..2200).contains(&y) {
                best = Some(y);
            }
            i += 4;
        } else {
            i += 1;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|c| (*c).to_string()).collect())
            .collect()
    }

    #[test]
    fn a_header_with_task_and_unit_columns_makes_a_task_table() {
        let rows = t(&[
            &[
                "序号",
                "重点任务",
                "具体措施",
                "牵头单位",
                "配合单位",
                "完成时限",
            ],
            &[
                "1",
                "加强科普。",
                "开展活动10场次",
                "县科协",
                "县教育局、县文旅局",
                "2025年",
            ],
            &["2", "提升能力", "培训", "县教育局", "", "2021-2023年"],
        ]);
        let rows = read(&rows, false).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].label, "1");
        assert_eq!(rows[0].title, "加强科普");
        assert_eq!(rows[0].units.lead, vec!["县科协"]);
        assert_eq!(rows[0].units.cooperating, vec!["县教育局", "县文旅局"]);
        assert_eq!(rows[0].deadline, Some(2025));
        assert_eq!(rows[1].deadline, Some(2023));
    }

    #[test]
    fn a_table_without_unit_columns_is_not_a_task_table() {
        let rows = t(&[&["指标", "2020年", "2025年"], &["比例", "10%", "15%"]]);
        assert!(read(&rows, false).is_none());
    }

    #[test]
    fn merged_number_cells_make_one_task() {
        let rows = t(&[
            &["序号", "工作任务", "具体措施", "责任单位"],
            &["1", "加强科普", "措施一", "县科协"],
            &["1", "加强科普", "措施二", "县教育局"],
        ]);
        let rows = read(&rows, false).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].units.responsible, vec!["县科协", "县教育局"]);
        assert!(rows[0].text.contains("措施二"));
    }

    #[test]
    fn a_header_on_two_rows_names_the_lead_and_cooperating_columns() {
        let rows = t(&[
            &["序号", "重点任务", "责任单位", "责任单位"],
            &["序号", "重点任务", "牵头单位", "配合单位"],
            &["1", "加强科普", "县科协", "县教育局"],
        ]);
        let rows = read(&rows, false).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].units.lead, vec!["县科协"]);
        assert_eq!(rows[0].units.cooperating, vec!["县教育局"]);
    }

    #[test]
    fn a_row_numbered_in_chinese_without_units_groups_the_rows_below() {
        let rows = t(&[
            &["序号", "重点任务", "牵头单位"],
            &["一", "青少年科学素质提升行动", ""],
            &["1", "加强科普", "县科协"],
            &["（二）", "农民科学素质提升行动", ""],
            &["2", "开展培训", "县农业农村局"],
        ]);
        let rows = read(&rows, false).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].groups, vec!["一"]);
        assert_eq!(rows[1].groups, vec!["一", "(二)"]);
    }

    #[test]
    fn group_rows_spanning_the_table_label_the_rows_below() {
        let rows = t(&[
            &["序号", "工作任务", "责任单位"],
            &["一、青少年行动", "一、青少年行动", "一、青少年行动"],
            &["1", "加强科普", "县科协"],
            &["二、农民行动", "二、农民行动", "二、农民行动"],
            &["2", "培训", "县农业农村局"],
        ]);
        let rows = read(&rows, false).unwrap();
        assert_eq!(rows[0].groups, vec!["一"]);
        assert_eq!(rows[1].groups, vec!["二"]);
    }
}
