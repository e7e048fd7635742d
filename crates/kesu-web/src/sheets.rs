//! Excel files the office and units exchange: the 催报 list of late units, the audit log, and the
//! bulk-entry template a unit downloads, fills offline and uploads again.
//!
//! The upload is all-or-nothing: every row is checked first and every problem reported with its
//! sheet, row and column; only a clean file is applied, in one transaction.

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use kesu_core::bulk::{
    self, COL_ACTION, COL_CONTENT, COL_ID, COL_TARGET, COL_VALUE, COL_VERSION, REPORTS, ReportEdit,
    RowProblem, VALUES,
};
use kesu_store::audit::AuditEntry;
use kesu_store::reporting::{Round, Slot, TargetValue};
use kesu_workbook::{Limits, Row, Value, WorkbookError};
use rust_xlsxwriter::{Format, FormatBorder, Workbook, Worksheet};
use std::collections::BTreeMap;

/// An xlsx writer failure is ours (500), never the user's.
pub(crate) fn xerr(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(format!("xlsx: {e}"))
}

/// The bold, shaded, bordered header row of every workbook Kesu writes.
pub(crate) fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_background_color(0xEEF2F7)
        .set_border(FormatBorder::Thin)
}

fn write_header(ws: &mut Worksheet, cols: &[(&str, f64)]) -> Result<(), AppError> {
    let h = header_format();
    for (i, (name, width)) in cols.iter().enumerate() {
        let c = u16::try_from(i).unwrap_or(u16::MAX);
        ws.write_string_with_format(0, c, *name, &h).map_err(xerr)?;
        ws.set_column_width(c, *width).map_err(xerr)?;
    }
    ws.set_freeze_panes(1, 0).map_err(xerr)?;
    Ok(())
}

fn row_u32(i: usize) -> u32 {
    u32::try_from(i + 1).unwrap_or(u32::MAX)
}

/// The list of late slots of a round: who must be chased (催报名单).
pub fn late_list(round: &Round, late: &[Slot], today: time::Date) -> Result<Vec<u8>, AppError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("催报名单").map_err(xerr)?;
    write_header(
        ws,
        &[
            ("序号", 6.0),
            ("单位", 28.0),
            ("角色", 10.0),
            ("任务编号", 14.0),
            ("任务", 50.0),
            ("状态", 10.0),
            ("截止日期", 12.0),
            ("逾期天数", 10.0),
        ],
    )?;
    let wrap = Format::new().set_text_wrap();
    for (i, s) in late.iter().enumerate() {
        let r = row_u32(i);
        let overdue = (today - round.due_date).whole_days().max(0);
        ws.write_number(r, 0, (i + 1) as f64).map_err(xerr)?;
        ws.write_string(r, 1, &s.unit_name).map_err(xerr)?;
        ws.write_string(r, 2, crate::pages::role_zh(&s.role))
            .map_err(xerr)?;
        ws.write_string(r, 3, &s.task_path).map_err(xerr)?;
        ws.write_string_with_format(r, 4, &s.task_title, &wrap)
            .map_err(xerr)?;
        ws.write_string(r, 5, s.state().zh()).map_err(xerr)?;
        ws.write_string(r, 6, round.due_date.to_string())
            .map_err(xerr)?;
        ws.write_number(r, 7, overdue as f64).map_err(xerr)?;
    }
    wb.save_to_buffer().map_err(xerr)
}

/// The audit log as a sheet.
pub fn audit(entries: &[AuditEntry]) -> Result<Vec<u8>, AppError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("审计日志").map_err(xerr)?;
    write_header(
        ws,
        &[
            ("时间", 18.0),
            ("操作人", 14.0),
            ("IP", 14.0),
            ("操作", 18.0),
            ("对象", 16.0),
            ("修改前", 50.0),
            ("修改后", 50.0),
        ],
    )?;
    for (i, e) in entries.iter().enumerate() {
        let r = row_u32(i);
        ws.write_string(r, 0, crate::pages::local_time(e.at))
            .map_err(xerr)?;
        ws.write_string(r, 1, &e.actor).map_err(xerr)?;
        ws.write_string(r, 2, e.ip.as_deref().unwrap_or(""))
            .map_err(xerr)?;
        ws.write_string(r, 3, &e.action).map_err(xerr)?;
        ws.write_string(r, 4, &e.object).map_err(xerr)?;
        ws.write_string(
            r,
            5,
            e.before.as_ref().map(|v| v.to_string()).unwrap_or_default(),
        )
        .map_err(xerr)?;
        ws.write_string(
            r,
            6,
            e.after.as_ref().map(|v| v.to_string()).unwrap_or_default(),
        )
        .map_err(xerr)?;
    }
    wb.save_to_buffer().map_err(xerr)
}

/// A unit's template for a round: one row per report slot, one row per target.
pub fn template(slots: &[(Slot, String, Vec<TargetValue>)]) -> Result<Vec<u8>, AppError> {
    let mut wb = Workbook::new();
    let locked = Format::new().set_background_color(0xF3F3F3);
    let wrap = Format::new().set_text_wrap();
    {
        let ws = wb.add_worksheet();
        ws.set_name(REPORTS).map_err(xerr)?;
        write_header(
            ws,
            &[
                (COL_ID, 10.0),
                (COL_VERSION, 6.0),
                ("任务编号", 14.0),
                ("任务", 40.0),
                ("角色", 10.0),
                ("状态", 10.0),
                (COL_CONTENT, 60.0),
                (COL_ACTION, 16.0),
            ],
        )?;
        for (i, (s, content, _)) in slots.iter().enumerate() {
            let r = row_u32(i);
            ws.write_number_with_format(r, 0, s.id as f64, &locked)
                .map_err(xerr)?;
            ws.write_number_with_format(r, 1, s.version as f64, &locked)
                .map_err(xerr)?;
            ws.write_string_with_format(r, 2, &s.task_path, &locked)
                .map_err(xerr)?;
            ws.write_string_with_format(r, 3, &s.task_title, &locked)
                .map_err(xerr)?;
            ws.write_string_with_format(r, 4, crate::pages::role_zh(&s.role), &locked)
                .map_err(xerr)?;
            ws.write_string_with_format(r, 5, s.state().zh(), &locked)
                .map_err(xerr)?;
            ws.write_string_with_format(r, 6, content, &wrap)
                .map_err(xerr)?;
        }
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name(VALUES).map_err(xerr)?;
        write_header(
            ws,
            &[
                (COL_ID, 10.0),
                (COL_TARGET, 10.0),
                ("任务编号", 14.0),
                ("量化目标", 50.0),
                ("计量单位", 10.0),
                (COL_VALUE, 12.0),
            ],
        )?;
        let mut r = 1u32;
        for (s, _, values) in slots {
            for v in values {
                ws.write_number_with_format(r, 0, s.id as f64, &locked)
                    .map_err(xerr)?;
                ws.write_number_with_format(r, 1, v.target_id as f64, &locked)
                    .map_err(xerr)?;
                ws.write_string_with_format(r, 2, &s.task_path, &locked)
                    .map_err(xerr)?;
                ws.write_string_with_format(r, 3, &v.text, &wrap)
                    .map_err(xerr)?;
                ws.write_string_with_format(r, 4, v.unit.as_deref().unwrap_or(""), &locked)
                    .map_err(xerr)?;
                if let Some(x) = v.value {
                    ws.write_number(r, 5, x).map_err(xerr)?;
                }
                r += 1;
            }
        }
    }
    wb.save_to_buffer().map_err(xerr)
}

/// What a bulk-entry template can hold: one row per report slot of a unit (a few hundred at
/// most) and the template's columns. A cell beyond these is refused with its name, before any
/// row is looked at.
pub fn template_limits() -> Limits {
    Limits {
        max_file_bytes: crate::MAX_UPLOAD as u64,
        max_rows: 50_000,
        max_columns: 64,
        max_cells: 1_000_000,
        ..Limits::default()
    }
}

fn cell_text(c: Option<&Value<'_>>) -> String {
    match c {
        None => String::new(),
        Some(Value::Text(s)) => s.trim().to_string(),
        Some(Value::Number(f)) => kesu_core::plan::fmt_num(*f),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Error(e)) => e.clone(),
    }
}

fn cell_number(c: Option<&Value<'_>>) -> Result<Option<f64>, String> {
    match c {
        None => Ok(None),
        Some(Value::Number(f)) if f.is_finite() => Ok(Some(*f)),
        Some(Value::Text(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::Text(s)) => s
            .trim()
            .replace([',', '，'], "")
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Some)
            .ok_or_else(|| format!("“{}”不是数字", s.trim())),
        Some(other) => Err(format!("“{other}”不是数字")),
    }
}

/// The header (the first non-empty row) as text by column, and the rows after it.
fn header_and_body(rows: &[Row]) -> (BTreeMap<String, u32>, &[Row]) {
    let Some((first, body)) = rows.split_first() else {
        return (BTreeMap::new(), &[]);
    };
    let mut header = BTreeMap::new();
    for (c, v) in &first.cells {
        header.entry(cell_text(Some(v))).or_insert(*c);
    }
    (header, body)
}

/// Read an uploaded template into edits per report id; every problem is collected. The file is
/// checked against [`template_limits`] first: a file beyond them is one problem naming why.
pub fn parse_upload(bytes: &[u8]) -> Result<BTreeMap<i64, ReportEdit>, Vec<RowProblem>> {
    let problem = |sheet: &str, row: usize, column: &str, reason: String| RowProblem {
        sheet: sheet.to_string(),
        row,
        column: column.to_string(),
        reason,
    };
    let unreadable = |e: WorkbookError| vec![problem("", 0, "", format!("文件无法读取：{e}"))];
    let mut wb = kesu_workbook::Workbook::open(bytes, &template_limits()).map_err(unreadable)?;
    let mut edits: BTreeMap<i64, ReportEdit> = BTreeMap::new();
    let mut problems = Vec::new();
    if !wb.sheet_names().iter().any(|s| s == REPORTS) {
        return Err(vec![problem(
            REPORTS,
            0,
            "",
            "缺少工作表，请使用下载的模板".into(),
        )]);
    }
    let reports = wb.rows(REPORTS).map_err(unreadable)?;
    let (header, body) = header_and_body(&reports);
    let col = |name: &str| header.get(name).copied();
    let (Some(c_id), Some(c_ver), Some(c_content), Some(c_action)) = (
        col(COL_ID),
        col(COL_VERSION),
        col(COL_CONTENT),
        col(COL_ACTION),
    ) else {
        return Err(vec![problem(
            REPORTS,
            1,
            "",
            "表头与模板不符，请使用下载的模板".into(),
        )]);
    };
    for row in body {
        let line = row.number() as usize;
        let get = |c: u32| row.get(c);
        let id_text = cell_text(get(c_id));
        if id_text.is_empty() && row.cells.iter().all(|(_, v)| cell_text(Some(v)).is_empty()) {
            continue;
        }
        let Ok(id) = id_text.parse::<i64>() else {
            problems.push(problem(
                REPORTS,
                line,
                COL_ID,
                format!("“{id_text}”不是报告编号"),
            ));
            continue;
        };
        let version = match cell_text(get(c_ver)).parse::<i64>() {
            Ok(v) => v,
            Err(_) => {
                problems.push(problem(
                    REPORTS,
                    line,
                    COL_VERSION,
                    "版本号缺失或无效".into(),
                ));
                continue;
            }
        };
        let submit = match cell_text(get(c_action)).as_str() {
            "" | "保存" => false,
            "提交" => true,
            other => {
                problems.push(problem(
                    REPORTS,
                    line,
                    COL_ACTION,
                    format!("“{other}”应为“保存”或“提交”"),
                ));
                false
            }
        };
        let content = cell_text(get(c_content));
        if edits.contains_key(&id) {
            problems.push(problem(
                REPORTS,
                line,
                COL_ID,
                format!("报告 {id} 重复出现"),
            ));
            continue;
        }
        edits.insert(
            id,
            ReportEdit {
                version,
                content: Some(content),
                values: Vec::new(),
                submit,
            },
        );
    }
    if wb.sheet_names().iter().any(|s| s == VALUES) {
        let values = wb.rows(VALUES).map_err(unreadable)?;
        let (header, body) = header_and_body(&values);
        let col = |name: &str| header.get(name).copied();
        if let (Some(c_id), Some(c_target), Some(c_value)) =
            (col(COL_ID), col(COL_TARGET), col(COL_VALUE))
        {
            for row in body {
                let line = row.number() as usize;
                let get = |c: u32| row.get(c);
                let (Ok(id), Ok(target)) = (
                    cell_text(get(c_id)).parse::<i64>(),
                    cell_text(get(c_target)).parse::<i64>(),
                ) else {
                    if row
                        .cells
                        .iter()
                        .any(|(_, v)| !cell_text(Some(v)).is_empty())
                    {
                        problems.push(problem(
                            VALUES,
                            line,
                            COL_ID,
                            "报告编号或指标编号无效".into(),
                        ));
                    }
                    continue;
                };
                match cell_number(get(c_value)) {
                    Ok(v) => match edits.get_mut(&id) {
                        Some(e) => e.values.push((target, v)),
                        None => problems.push(problem(
                            VALUES,
                            line,
                            COL_ID,
                            format!("报告 {id} 不在“填报”工作表中"),
                        )),
                    },
                    Err(reason) => problems.push(problem(VALUES, line, COL_VALUE, reason)),
                }
            }
        } else {
            problems.push(problem(
                VALUES,
                1,
                "",
                "表头与模板不符，请使用下载的模板".into(),
            ));
        }
    }
    if problems.is_empty() {
        Ok(edits)
    } else {
        Err(problems)
    }
}

/// Read an uploaded template (off the async workers) and hand it to the bulk-entry use case,
/// which checks it against the caller's reports and, unless `dry_run`, applies it in one
/// transaction. Returns a message for the user; a file with problems is refused as a whole with
/// every problem listed.
pub async fn apply_upload(
    state: &AppState,
    caller: &Caller,
    round: &Round,
    bytes: Vec<u8>,
    dry_run: bool,
    by: &kesu_store::Actor,
) -> Result<String, AppError> {
    let c = kesu_app::Caller::user(caller.actor.clone(), by.clone());
    kesu_app::bulk::may_bulk_enter(&c)?;
    let edits = crate::parse::run("bulk entry", move || parse_upload(&bytes))
        .await?
        .map_err(|p| AppError::Invalid(bulk::refusal(&p)))?;
    let done = kesu_app::bulk::bulk_entry(&crate::access::ctx(state), &c, round.id, edits, dry_run)
        .await?;
    Ok(if dry_run {
        format!(
            "检查通过：将更新 {} 份报告（其中提交 {} 份）。取消“仅检查”后再上传即可保存。",
            done.changed, done.submitted
        )
    } else {
        format!(
            "已导入：更新 {} 份报告（其中提交 {} 份）。",
            done.changed, done.submitted
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(rows: &[&[&str]], values: &[&[&str]]) -> Vec<u8> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name(REPORTS).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
        let ws = wb.add_worksheet();
        ws.set_name(VALUES).unwrap();
        for (r, row) in values.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
        wb.save_to_buffer().unwrap()
    }

    const H: &[&str] = &[
        COL_ID,
        COL_VERSION,
        "任务编号",
        "任务",
        "角色",
        "状态",
        COL_CONTENT,
        COL_ACTION,
    ];
    const HV: &[&str] = &[
        COL_ID,
        COL_TARGET,
        "任务编号",
        "量化目标",
        "计量单位",
        COL_VALUE,
    ];

    #[test]
    fn a_filled_template_reads_into_edits() {
        let b = sheet(
            &[H, &["7", "2", "一", "t", "", "", "完成培训", "提交"]],
            &[HV, &["7", "3", "", "", "", "1200"]],
        );
        let e = parse_upload(&b).unwrap();
        let e7 = &e[&7];
        assert_eq!(e7.version, 2);
        assert!(e7.submit);
        assert_eq!(e7.content.as_deref(), Some("完成培训"));
        assert_eq!(e7.values, vec![(3, Some(1200.0))]);
    }

    #[test]
    fn every_bad_row_is_reported_with_sheet_row_and_column() {
        let b = sheet(
            &[
                H,
                &["x", "1", "", "", "", "", "", ""],
                &["8", "1", "", "", "", "", "", "删除"],
            ],
            &[HV, &["8", "3", "", "", "", "很多"]],
        );
        let p = parse_upload(&b).unwrap_err();
        assert_eq!(p.len(), 3, "{p:?}");
        assert_eq!((p[0].row, p[0].column.as_str()), (2, COL_ID));
        assert_eq!((p[1].row, p[1].column.as_str()), (3, COL_ACTION));
        assert_eq!(
            (p[2].sheet.as_str(), p[2].row, p[2].column.as_str()),
            (VALUES, 2, COL_VALUE)
        );
    }

    #[test]
    fn a_file_that_is_not_a_workbook_is_refused_clearly() {
        let p = parse_upload(b"not a zip").unwrap_err();
        assert!(p[0].reason.contains("xlsx"));
    }

    #[test]
    fn a_workbook_without_the_template_header_is_refused() {
        let b = sheet(&[&["a", "b"]], &[HV]);
        assert!(parse_upload(&b).unwrap_err()[0].reason.contains("表头"));
    }

    /// The attack of issue 10: the template's sheet with one cell in A1 and one in XFD1048576.
    /// Read as a range it would be 17 billion cells; it is refused naming the far cell.
    #[test]
    fn a_cell_far_outside_the_template_is_refused_naming_it() {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name(REPORTS).unwrap();
        ws.write_string(0, 0, COL_ID).unwrap();
        ws.write_number(1_048_575, 16_383, 1.0).unwrap();
        let p = parse_upload(&wb.save_to_buffer().unwrap()).unwrap_err();
        assert_eq!(p.len(), 1);
        assert!(p[0].reason.contains("XFD1048576"), "{p:?}");
    }

    #[test]
    fn a_template_row_far_down_is_read_at_its_row() {
        let mut b = rust_xlsxwriter::Workbook::new();
        let ws = b.add_worksheet();
        ws.set_name(REPORTS).unwrap();
        for (c, h) in H.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        ws.write_string(40_000, 0, "x").unwrap();
        let p = parse_upload(&b.save_to_buffer().unwrap()).unwrap_err();
        assert_eq!((p[0].row, p[0].column.as_str()), (40_001, COL_ID));
    }
}
