//! Workbooks of the indicator pages, the assessment and the annual report: every table a page
//! or a report shows, as .xlsx with a bold, frozen header (for the office's own spreadsheets).

use crate::error::AppError;
use crate::sheets::{header_format, xerr};
use kesu_store::indicators::{IndicatorRow, PlanIndicators};
use rust_xlsxwriter::{Format, Workbook, Worksheet};

/// A cell of a table sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// A share written as a percentage (0.84 → 84%).
    Percent(f64),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<Option<f64>> for Cell {
    fn from(v: Option<f64>) -> Self {
        v.filter(|x| x.is_finite())
            .map_or(Cell::Empty, Cell::Number)
    }
}

/// One sheet: a name, columns (header, width) and rows.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub name: String,
    pub columns: Vec<(String, f64)>,
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    pub fn new(name: &str, columns: &[(&str, f64)]) -> Sheet {
        Sheet {
            name: name.to_string(),
            columns: columns
                .iter()
                .map(|(h, w)| ((*h).to_string(), *w))
                .collect(),
            rows: Vec::new(),
        }
    }
}

fn write_sheet(ws: &mut Worksheet, s: &Sheet) -> Result<(), AppError> {
    // Sheet names: at most 31 characters, none of []:*?/\ .
    let name: String = s
        .name
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect();
    ws.set_name(if name.is_empty() { "表" } else { &name })
        .map_err(xerr)?;
    let h = header_format();
    for (i, (title, width)) in s.columns.iter().enumerate() {
        let c = u16::try_from(i).unwrap_or(u16::MAX);
        ws.write_string_with_format(0, c, title, &h).map_err(xerr)?;
        ws.set_column_width(c, *width).map_err(xerr)?;
    }
    ws.set_freeze_panes(1, 0).map_err(xerr)?;
    let pct = Format::new().set_num_format("0.0%");
    let wrap = Format::new().set_text_wrap();
    for (ri, row) in s.rows.iter().enumerate() {
        let r = u32::try_from(ri + 1).unwrap_or(u32::MAX);
        for (ci, cell) in row.iter().enumerate() {
            let c = u16::try_from(ci).unwrap_or(u16::MAX);
            match cell {
                Cell::Text(t) if t.chars().count() > 40 => {
                    ws.write_string_with_format(r, c, t, &wrap).map_err(xerr)?;
                }
                Cell::Text(t) => {
                    ws.write_string(r, c, t).map_err(xerr)?;
                }
                Cell::Number(x) => {
                    ws.write_number(r, c, *x).map_err(xerr)?;
                }
                Cell::Percent(x) => {
                    ws.write_number_with_format(r, c, *x, &pct).map_err(xerr)?;
                }
                Cell::Empty => {}
            }
        }
    }
    Ok(())
}

/// A workbook of sheets.
pub fn workbook(sheets: &[Sheet]) -> Result<Vec<u8>, AppError> {
    let mut wb = Workbook::new();
    for s in sheets {
        let ws = wb.add_worksheet();
        write_sheet(ws, s)?;
    }
    wb.save_to_buffer().map_err(xerr)
}

/// The indicator table: one row per target.
pub fn indicator_sheet(name: &str, rows: &[IndicatorRow]) -> Sheet {
    let mut s = Sheet::new(
        name,
        &[
            ("任务编号", 14.0),
            ("任务", 30.0),
            ("指标", 30.0),
            ("比较", 8.0),
            ("目标值", 10.0),
            ("目标", 14.0),
            ("单位", 8.0),
            ("类型", 18.0),
            ("实际值", 12.0),
            ("完成进度", 10.0),
            ("应达进度值", 12.0),
            ("状态", 10.0),
            ("来源报告", 20.0),
            ("计算方法", 60.0),
        ],
    );
    for r in rows {
        let target = match r.target {
            kesu_core::TargetValue::Number(x) => Cell::Number(x),
            kesu_core::TargetValue::Range([lo, _]) => Cell::Number(lo),
        };
        s.rows.push(vec![
            r.task_path.clone().into(),
            r.task_title.clone().unwrap_or_default().into(),
            r.indicator.clone().into(),
            r.comparator.clone().into(),
            target,
            r.target_zh.clone().into(),
            r.unit.clone().into(),
            r.kind.clone().into(),
            r.actual.into(),
            r.progress.map_or(Cell::Empty, Cell::Percent),
            r.expected.into(),
            r.status_zh.into(),
            r.sources
                .iter()
                .map(|id| format!("#{id}"))
                .collect::<Vec<_>>()
                .join(" ")
                .into(),
            r.rule.clone().into(),
        ]);
    }
    s
}

/// `kesu indicators --format xlsx`: the indicator table of a plan.
pub fn indicators_xlsx(p: &PlanIndicators) -> Result<Vec<u8>, AppError> {
    workbook(&[indicator_sheet("指标", &p.indicators)])
}

/// The assessment's sheets: ranking, item scores, commendation candidates, concerns.
pub fn assessment_sheets(r: &kesu_store::indicators::AssessmentReport) -> Vec<Sheet> {
    let a = &r.assessment;
    let mut rank = Sheet::new(
        "考核排名",
        &[
            ("名次", 8.0),
            ("编号", 12.0),
            ("名称", 24.0),
            ("总分", 10.0),
            ("自评总分", 10.0),
            ("一票否决", 24.0),
            ("表彰候选", 10.0),
        ],
    );
    for s in &a.results {
        rank.rows.push(vec![
            Cell::Number(f64::from(s.rank)),
            s.id.clone().into(),
            s.name.clone().into(),
            Cell::Number(s.total),
            s.self_total.into(),
            s.vetoed_by.clone().unwrap_or_default().into(),
            if r.commendation.contains(&s.id) {
                "是".into()
            } else {
                Cell::Empty
            },
        ]);
    }
    let mut items = Sheet::new(
        "得分明细",
        &[
            ("名称", 20.0),
            ("考核项目", 36.0),
            ("计算分", 10.0),
            ("自评分", 10.0),
            ("评审分", 10.0),
            ("得分", 10.0),
            ("加权得分", 10.0),
            ("说明", 50.0),
        ],
    );
    for s in &a.results {
        for i in &s.items {
            items.rows.push(vec![
                s.name.clone().into(),
                i.name.clone().into(),
                i.computed.into(),
                i.self_score.into(),
                i.reviewer_score.into(),
                Cell::Number(i.score),
                Cell::Number(i.weighted),
                i.note.clone().into(),
            ]);
        }
    }
    let mut concerns = Sheet::new(
        "未达标和不升反降",
        &[
            ("名称", 20.0),
            ("本年比例(%)", 12.0),
            ("上年比例(%)", 12.0),
            ("变化(百分点)", 12.0),
            ("未达目标", 10.0),
            ("不升反降", 10.0),
            ("说明", 40.0),
        ],
    );
    for c in &r.concerns {
        concerns.rows.push(vec![
            c.name.clone().into(),
            Cell::Number(c.this_year),
            c.last_year.into(),
            c.change.into(),
            if c.below_target { "是" } else { "" }.into(),
            if c.fell { "是" } else { "" }.into(),
            c.reason.clone().into(),
        ]);
    }
    vec![rank, items, concerns]
}

/// `kesu assess --format xlsx`.
pub fn assessment_xlsx(r: &kesu_store::indicators::AssessmentReport) -> Result<Vec<u8>, AppError> {
    workbook(&assessment_sheets(r))
}
