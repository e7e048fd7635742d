//! The 任务分解表 as an .xlsx workbook: one sheet per plan, one row per task.
//!
//! Columns: 序号, 路径, 任务, 牵头单位, 配合单位, 责任单位, 量化目标, 完成时限. The header row is
//! bold, frozen and filterable, and repeats on every printed page; long texts wrap.

use crate::PlanError;
use kesu_core::{Comparator, Plan, Target, TargetValue, Task};
use regex::Regex;
use rust_xlsxwriter::{
    DocProperties, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};
use std::sync::LazyLock;

/// Header of the task table, with each column's width in characters (a CJK character is about two).
const COLUMNS: [(&str, f64); 8] = [
    ("序号", 6.0),
    ("路径", 14.0),
    ("任务", 48.0),
    ("牵头单位", 20.0),
    ("配合单位", 28.0),
    ("责任单位", 20.0),
    ("量化目标", 42.0),
    ("完成时限", 11.0),
];

/// Sheet name when the plan names no region.
const DEFAULT_SHEET: &str = "任务分解表";

/// Excel refuses longer cell texts (32,767 characters); a task never comes near, garbage might.
const MAX_CELL_CHARS: usize = 32_000;

/// Write the task table of `plan` as .xlsx bytes.
pub fn task_table(plan: &Plan) -> Result<Vec<u8>, PlanError> {
    task_tables(&[plan])
}

/// Write several plans into one workbook, a sheet each (named from the plan's region, made
/// unique with a number).
pub fn task_tables(plans: &[&Plan]) -> Result<Vec<u8>, PlanError> {
    let mut workbook = Workbook::new();
    if let [plan] = plans {
        let mut props = DocProperties::new().set_subject("任务分解表");
        if !plan.title.is_empty() {
            props = props.set_title(&plan.title);
        }
        workbook.set_properties(&props);
    }
    let mut names: Vec<String> = Vec::new();
    for plan in plans {
        let name = unique_sheet_name(&sheet_name(plan), &names);
        let sheet = workbook.add_worksheet();
        sheet.set_name(&name).map_err(xlsx_error)?;
        write_sheet(sheet, plan).map_err(xlsx_error)?;
        names.push(name);
    }
    if plans.is_empty() {
        let sheet = workbook.add_worksheet();
        sheet.set_name(DEFAULT_SHEET).map_err(xlsx_error)?;
        write_header(sheet).map_err(xlsx_error)?;
    }
    workbook.save_to_buffer().map_err(xlsx_error)
}

fn xlsx_error(e: XlsxError) -> PlanError {
    PlanError::Xlsx(e.to_string())
}

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color(0xD9E1F2)
        .set_border(FormatBorder::Thin)
}

fn write_header(sheet: &mut Worksheet) -> Result<(), XlsxError> {
    let header = header_format();
    for (col, (name, width)) in (0u16..).zip(COLUMNS) {
        sheet.write_string_with_format(0, col, name, &header)?;
        sheet.set_column_width(col, width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.set_repeat_rows(0, 0)?;
    Ok(())
}

fn write_sheet(sheet: &mut Worksheet, plan: &Plan) -> Result<(), XlsxError> {
    write_header(sheet)?;
    let cell = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin);
    let number = cell.clone().set_align(FormatAlign::Center);
    let mut last_row = 0u32;
    for (row, (i, task)) in (1u32..).zip(plan.tasks.iter().enumerate()) {
        let cells = row_cells(task, plan);
        sheet.write_number_with_format(row, 0, (i + 1) as f64, &number)?;
        for (col, text) in (1u16..).zip(cells) {
            sheet.write_string_with_format(row, col, clip(&text), &cell)?;
        }
        last_row = row;
    }
    let last_col = u16::try_from(COLUMNS.len() - 1).unwrap_or(u16::MAX);
    sheet.autofilter(0, 0, last_row, last_col)?;
    sheet.set_landscape();
    sheet.set_paper_size(9); // A4
    sheet.set_print_fit_to_pages(1, 0);
    if !plan.title.is_empty() {
        // The plan's title on every printed page; `&` starts a header code, so it is doubled.
        sheet.set_header(format!("&C{}", plan.title.replace('&', "&&")));
    }
    Ok(())
}

/// The cells of a task's row after 序号: 路径, 任务, 牵头单位, 配合单位, 责任单位, 量化目标, 完成时限.
fn row_cells(task: &Task, plan: &Plan) -> [String; 7] {
    let targets = task
        .targets
        .iter()
        .map(target_line)
        .collect::<Vec<_>>()
        .join("\n");
    [
        task.path_label(),
        task.title.clone(),
        task.lead.join("、"),
        task.cooperating.join("、"),
        task.responsible.join("、"),
        targets,
        deadline(task, plan),
    ]
}

/// A target as a line of the 量化目标 cell: its text, then in brackets the comparator, value and
/// unit, the year and the entity it applies to ("每所中小学校至少配备1名科技辅导员（>=1名；每所
/// 中小学校）"). [`parse_target_line`] reads it back.
pub fn target_line(t: &Target) -> String {
    let mut detail = t.display_short();
    if let Some(y) = t.year {
        detail.push_str(&format!("；{y}年"));
    }
    if let Some(per) = &t.per {
        detail.push_str(&format!("；{per}"));
    }
    format!("{}（{detail}）", t.text)
}

/// A line written by [`target_line`] (also after a person edited its text in Excel), or `None`
/// when the line does not end in such brackets.
pub fn parse_target_line(line: &str) -> Option<Target> {
    let c = TARGET_LINE.captures(line.trim())?;
    let num = |m: Option<regex::Match<'_>>| m.and_then(|m| m.as_str().parse::<f64>().ok());
    let a = num(c.name("a"))?;
    let b = num(c.name("b"));
    let cmp = c.name("cmp").map(|m| m.as_str());
    let comparator = match (cmp, b) {
        (None, Some(_)) => Comparator::Range,
        (Some(">="), _) => Comparator::Ge,
        (Some(">"), _) => Comparator::Gt,
        (Some("<="), _) => Comparator::Le,
        (Some("<"), _) => Comparator::Lt,
        (Some("range"), _) => Comparator::Range,
        _ => Comparator::Eq,
    };
    let value = match b {
        Some(b) => TargetValue::Range([a, b]),
        None => TargetValue::Number(a),
    };
    let text = c.name("text")?.as_str().trim().to_string();
    let indicator = crate::targets::extract(&text)
        .into_iter()
        .next()
        .map(|t| t.indicator)
        .unwrap_or_default();
    Some(Target {
        text,
        indicator,
        comparator,
        value,
        unit: c.name("unit").map_or("", |m| m.as_str()).to_string(),
        year: c.name("year").and_then(|m| m.as_str().parse().ok()),
        per: c.name("per").map(|m| m.as_str().to_string()),
    })
}

static TARGET_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?P<text>.+)（(?P<cmp>>=|<=|>|<|=|range)?(?P<a>-?[0-9]+(?:\.[0-9]+)?)(?:–(?P<b>-?[0-9]+(?:\.[0-9]+)?))?(?P<unit>[^；）0-9]*)(?:；(?P<year>(?:19|20)[0-9]{2})年)?(?:；(?P<per>.+))?）$",
    )
    .unwrap_or_else(|_| unreachable!("constant regex"))
});

/// 完成时限: the years the task's targets state ("2025年"), else the plan's last year.
fn deadline(task: &Task, plan: &Plan) -> String {
    let mut years: Vec<i32> = task.targets.iter().filter_map(|t| t.year).collect();
    years.sort_unstable();
    years.dedup();
    if years.is_empty()
        && let Some([_, last]) = plan.period
    {
        years.push(last);
    }
    years
        .iter()
        .map(|y| format!("{y}年"))
        .collect::<Vec<_>>()
        .join("、")
}

fn clip(text: &str) -> &str {
    match text.char_indices().nth(MAX_CELL_CHARS) {
        Some((end, _)) => text.get(..end).unwrap_or(text),
        None => text,
    }
}

/// A valid sheet name from the plan's region: at most 31 characters, none of `[]:*?/\`, not
/// starting or ending with an apostrophe.
fn sheet_name(plan: &Plan) -> String {
    let raw = plan.region.as_deref().unwrap_or_default();
    let cleaned: String = raw
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') && !c.is_control())
        .collect();
    let cleaned = cleaned.trim().trim_matches('\'').trim();
    if cleaned.is_empty() || cleaned.eq_ignore_ascii_case("history") {
        return DEFAULT_SHEET.to_string();
    }
    truncate_utf16(cleaned, 31)
}

/// Excel counts sheet-name length in UTF-16 units.
fn truncate_utf16(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut len = 0;
    for c in s.chars() {
        len += c.len_utf16();
        if len > max {
            break;
        }
        out.push(c);
    }
    out
}

/// `base`, or `base(2)`, `base(3)`, … if taken (sheet names are unique without regard to case).
fn unique_sheet_name(base: &str, taken: &[String]) -> String {
    let is_taken = |n: &str| taken.iter().any(|t| t.to_lowercase() == n.to_lowercase());
    if !is_taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|i| {
            let suffix = format!("({i})");
            format!("{}{suffix}", truncate_utf16(base, 31 - suffix.len()))
        })
        .find(|n| !is_taken(n))
        .unwrap_or_else(|| base.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_for(region: Option<&str>) -> Plan {
        Plan {
            region: region.map(str::to_string),
            ..Plan::default()
        }
    }

    #[test]
    fn sheet_is_named_from_the_region() {
        assert_eq!(sheet_name(&plan_for(Some("娄底市"))), "娄底市");
        assert_eq!(sheet_name(&plan_for(None)), "任务分解表");
    }

    #[test]
    fn sheet_name_drops_invalid_characters_and_is_cut_to_31() {
        assert_eq!(sheet_name(&plan_for(Some("[某市]/区:*?"))), "某市区");
        assert_eq!(sheet_name(&plan_for(Some("'''"))), "任务分解表");
        let long = "很长的区划名称".repeat(10);
        assert_eq!(sheet_name(&plan_for(Some(&long))).chars().count(), 31);
    }

    #[test]
    fn repeated_sheet_names_get_a_number() {
        let taken = vec!["某市".to_string(), "某市(2)".to_string()];
        assert_eq!(unique_sheet_name("某市", &taken), "某市(3)");
        assert_eq!(unique_sheet_name("某县", &taken), "某县");
    }

    #[test]
    fn clip_keeps_short_text_and_cuts_long_text_on_a_character() {
        assert_eq!(clip("科普"), "科普");
        let long = "科".repeat(MAX_CELL_CHARS + 5);
        assert_eq!(clip(&long).chars().count(), MAX_CELL_CHARS);
    }
}
