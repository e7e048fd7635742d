//! Bulk entry (批量填报): a unit fills the round's template offline and uploads it; each row
//! saves or submits one of its reports. This module is the rule that decides whether an upload
//! may be applied — the file is read at the edge, the reports as they stand are read from the
//! store, and the changes are written in one transaction by the use case.
//!
//! All or nothing: every problem is collected and named (sheet, row, column), and a file with
//! any problem changes nothing.

use crate::report::{self, ReportState, RoundDates, Transition};
use std::collections::BTreeMap;
use std::fmt;
use time::Date;

/// The template's two sheets and the columns the upload finds by name (the problems name them).
pub const REPORTS: &str = "填报";
pub const VALUES: &str = "量化指标";
pub const COL_ID: &str = "报告编号";
pub const COL_VERSION: &str = "版本";
pub const COL_CONTENT: &str = "工作进展";
pub const COL_ACTION: &str = "操作（保存/提交）";
pub const COL_TARGET: &str = "指标编号";
pub const COL_VALUE: &str = "填报值";

/// One problem of an uploaded file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowProblem {
    pub sheet: String,
    /// The row in the sheet (1-based; 0 when the problem is about a report, not a row).
    pub row: usize,
    pub column: String,
    pub reason: String,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "工作表“{}”第 {} 行“{}”列：{}",
            self.sheet, self.row, self.column, self.reason
        )
    }
}

/// The refusal of a file with problems, every problem on its own line.
pub fn refusal(problems: &[RowProblem]) -> String {
    let mut msg = format!("文件未导入，共 {} 处问题，未保存任何内容：", problems.len());
    for p in problems {
        msg.push('\n');
        msg.push_str(&p.to_string());
    }
    msg
}

/// What an uploaded template asks for, per report: new content, values, whether to submit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportEdit {
    /// The version the template was made at.
    pub version: i64,
    pub content: Option<String>,
    /// Values by target id; `None` clears one.
    pub values: Vec<(i64, Option<f64>)>,
    pub submit: bool,
}

/// A report of the uploading unit in the round, as it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportNow {
    pub version: i64,
    pub state: ReportState,
    /// The office's exception to the lock date.
    pub exception: bool,
    pub content: String,
    /// The targets of the report's task.
    pub targets: Vec<i64>,
}

/// A change to make: the report, save or submit, and the edit.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub report: i64,
    pub transition: Transition,
    pub edit: ReportEdit,
}

/// The changes an upload makes, or every reason it cannot be applied. `reports` are the
/// uploading unit's reports in the round; a row for any other report is refused. A row that
/// changes nothing and does not submit is skipped.
pub fn check(
    edits: BTreeMap<i64, ReportEdit>,
    reports: &BTreeMap<i64, ReportNow>,
    today: Date,
    dates: RoundDates,
) -> Result<Vec<Change>, Vec<RowProblem>> {
    let mut problems = Vec::new();
    let mut changes = Vec::new();
    for (id, e) in edits {
        let p = |column: &str, reason: String| RowProblem {
            sheet: REPORTS.to_string(),
            row: 0,
            column: column.to_string(),
            reason: format!("报告 {id}：{reason}"),
        };
        let Some(s) = reports.get(&id) else {
            problems.push(p(COL_ID, "不是本单位在本轮次的报告".into()));
            continue;
        };
        if s.version != e.version {
            problems.push(p(
                COL_VERSION,
                format!(
                    "模板中的版本 {} 已过期（当前 {}），请重新下载模板",
                    e.version, s.version
                ),
            ));
            continue;
        }
        for (t, _) in &e.values {
            if !s.targets.contains(t) {
                problems.push(p(COL_TARGET, format!("指标 {t} 不属于该任务")));
            }
        }
        let changed = e.content.as_deref() != Some(s.content.as_str()) || !e.values.is_empty();
        if !changed && !e.submit {
            continue;
        }
        if !s.state.editable() {
            problems.push(p(
                COL_ACTION,
                format!("当前状态为“{}”，不能修改", s.state.zh()),
            ));
            continue;
        }
        let t = if e.submit {
            Transition::Submit
        } else {
            Transition::Save
        };
        if let Err(err) = report::apply(s.state, t, today, dates, s.exception, None) {
            problems.push(p(COL_ACTION, err.to_string()));
            continue;
        }
        changes.push(Change {
            report: id,
            transition: t,
            edit: e,
        });
    }
    if problems.is_empty() {
        Ok(changes)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const DATES: RoundDates = RoundDates {
        due: date!(2025 - 04 - 15),
        lock: date!(2025 - 04 - 30),
        closed: false,
    };

    fn now(state: ReportState) -> ReportNow {
        ReportNow {
            version: 2,
            state,
            exception: false,
            content: "旧".into(),
            targets: vec![7],
        }
    }

    fn edit(content: &str, submit: bool) -> ReportEdit {
        ReportEdit {
            version: 2,
            content: Some(content.into()),
            values: Vec::new(),
            submit,
        }
    }

    fn one(id: i64, e: ReportEdit) -> BTreeMap<i64, ReportEdit> {
        BTreeMap::from([(id, e)])
    }

    #[test]
    fn a_changed_row_saves_and_a_submit_row_submits() {
        let reports = BTreeMap::from([(1, now(ReportState::Draft)), (2, now(ReportState::Draft))]);
        let edits = BTreeMap::from([(1, edit("新", false)), (2, edit("旧", true))]);
        let c = check(edits, &reports, date!(2025 - 04 - 10), DATES).unwrap();
        assert_eq!(
            c.iter()
                .map(|c| (c.report, c.transition))
                .collect::<Vec<_>>(),
            vec![(1, Transition::Save), (2, Transition::Submit)]
        );
    }

    #[test]
    fn a_row_that_changes_nothing_is_skipped() {
        let reports = BTreeMap::from([(1, now(ReportState::Accepted))]);
        let c = check(
            one(1, edit("旧", false)),
            &reports,
            date!(2025 - 04 - 10),
            DATES,
        );
        assert_eq!(c, Ok(Vec::new()));
    }

    #[test]
    fn every_problem_is_named_and_nothing_is_applied() {
        let reports = BTreeMap::from([
            (1, now(ReportState::Draft)),
            (2, now(ReportState::Accepted)),
            (3, now(ReportState::Draft)),
        ]);
        let mut stale = edit("新", false);
        stale.version = 1;
        let mut foreign_target = edit("新", false);
        foreign_target.values = vec![(99, Some(1.0))];
        let edits = BTreeMap::from([
            (1, stale),
            (2, edit("新", false)),
            (3, foreign_target),
            (4, edit("新", false)),
        ]);
        let problems = check(edits, &reports, date!(2025 - 04 - 10), DATES).unwrap_err();
        let reasons: Vec<&str> = problems.iter().map(|p| p.reason.as_str()).collect();
        assert_eq!(
            reasons,
            vec![
                "报告 1：模板中的版本 1 已过期（当前 2），请重新下载模板",
                "报告 2：当前状态为“已通过”，不能修改",
                "报告 3：指标 99 不属于该任务",
                "报告 4：不是本单位在本轮次的报告",
            ]
        );
    }

    #[test]
    fn after_the_lock_date_nothing_is_saved_without_the_exception() {
        let reports = BTreeMap::from([(1, now(ReportState::Draft))]);
        let late = date!(2025 - 05 - 01);
        let problems = check(one(1, edit("新", true)), &reports, late, DATES).unwrap_err();
        assert_eq!(problems[0].column, COL_ACTION);
        let mut excepted = reports.clone();
        excepted.get_mut(&1).unwrap().exception = true;
        assert!(check(one(1, edit("新", true)), &excepted, late, DATES).is_ok());
    }

    #[test]
    fn a_refusal_lists_every_problem() {
        let p = RowProblem {
            sheet: REPORTS.into(),
            row: 3,
            column: COL_VERSION.into(),
            reason: "版本号缺失或无效".into(),
        };
        assert_eq!(
            refusal(&[p]),
            "文件未导入，共 1 处问题，未保存任何内容：\n工作表“填报”第 3 行“版本”列：版本号缺失或无效"
        );
    }
}
