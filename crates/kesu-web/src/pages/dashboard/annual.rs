//! The annual monitoring report (年度监测评估报告) of a region: goals against actuals, the
//! indicator tables, the comparison and ranking of its counties, the key groups, late and
//! returned reports, and the assessment — computed from the data, as one printable HTML page
//! (A4, CJK fonts, charts as SVG), a workbook of every table, and (through headless Chromium)
//! a PDF. `kesu report annual` and the dashboard's button make the same document. The report
//! is built by `kesu_app::annual` (its model is `kesu_indicators::annual`); this module only
//! renders it.

use super::export::{self, Cell, Sheet};
use super::{IndicatorLine, light_css, line, num, pct};
use crate::error::AppError;
use askama::Template;
use kesu_app::annual::{self as app, PlanSection};
use kesu_indicators::Light;
use kesu_indicators::StatusCounts;
use kesu_indicators::annual::{GoalLine, RoundDiscipline};
use kesu_indicators::groups::KeyGroup;
use kesu_indicators::svg::{self, Bar, BarChart};
use kesu_store::Db;
use kesu_store::indicators::{AssessmentReport, PlanIndicators};
use kesu_store::plans::PlanRow;
use std::collections::BTreeMap;
use time::Date;

/// The report, as `kesu_app::annual` builds it (the model is `kesu_indicators::annual`).
pub type Annual = app::AnnualReport;

/// A plan evaluated for a region: an ancestor's plan on the region's reports, a descendant's on
/// its own region.
pub async fn evaluate_at(
    db: &Db,
    plan: &PlanRow,
    code: &str,
    as_of: Date,
) -> Result<PlanIndicators, AppError> {
    let ctx = kesu_app::Ctx::new(db.clone());
    Ok(app::evaluate_at(&ctx, plan, code, as_of).await?)
}

/// The key group of every live task of a plan, by task id.
pub async fn task_groups(
    db: &Db,
    plan_id: i64,
) -> Result<BTreeMap<i64, Option<KeyGroup>>, AppError> {
    let ctx = kesu_app::Ctx::new(db.clone());
    Ok(app::task_groups(&ctx, plan_id).await?)
}

/// A goal's actual with the survey's interval when there is one.
fn goal_actual(g: &GoalLine) -> String {
    match g.interval {
        Some((low, high)) => format!("{}（95%置信区间 {}–{}%）", g.actual, num(low), num(high)),
        None => g.actual.clone(),
    }
}

/// A child's literacy share as shown: 14.2%, or — without one.
fn share_text(share: Option<f64>) -> String {
    share.map_or_else(|| "—".to_string(), |v| format!("{}%", num(v)))
}

struct GoalView {
    text: String,
    target: String,
    actual: String,
    status: &'static str,
    light: &'static str,
}

struct PlanView {
    title: String,
    counts: StatusCounts,
    mean: String,
    rows: Vec<IndicatorLine>,
}

struct ChildView {
    name: String,
    mean: String,
    counts: StatusCounts,
    share: String,
}

struct LateView {
    unit: String,
    region: String,
    task: String,
    period: String,
    due: String,
    submitted: String,
    late: bool,
    returned: i64,
}

/// The report as the template shows it: numbers in words, charts drawn.
struct View<'a> {
    region_name: &'a str,
    year: i32,
    as_of: Date,
    goals: Vec<GoalView>,
    plans: Vec<PlanView>,
    children: Vec<ChildView>,
    children_chart: String,
    groups: Vec<(&'static str, String, usize)>,
    groups_chart: String,
    late_lines: Vec<LateView>,
    late_rounds: &'a [RoundDiscipline],
    assessment: Option<&'a AssessmentReport>,
    assessment_chart: String,
    missing_inputs: &'a [String],
}

fn plan_view(a: &Annual, p: &PlanSection) -> PlanView {
    let region = Some(a.region_code.as_str()).filter(|c| *c != p.region);
    PlanView {
        title: p.title.clone(),
        counts: p.counts,
        mean: pct(p.mean_progress),
        rows: p.indicators.iter().map(|r| line(r, p.id, region)).collect(),
    }
}

fn view(a: &Annual) -> View<'_> {
    let year = a.year;
    let children_chart = svg::progress_chart(&BarChart {
        title: format!("{year}年下级地区指标平均完成进度"),
        unit: "%".into(),
        bars: a
            .children
            .iter()
            .map(|c| Bar {
                label: c.name.clone(),
                value: c.mean_progress.map(|v| v * 100.0),
                light: None,
            })
            .collect(),
        target: None,
    });
    let groups_chart = svg::progress_chart(&BarChart {
        title: "重点人群指标平均完成进度".into(),
        unit: "%".into(),
        bars: a
            .groups
            .iter()
            .map(|g| Bar {
                label: g.group.zh().into(),
                value: g.mean_progress.map(|v| v * 100.0),
                light: None,
            })
            .collect(),
        target: None,
    });
    View {
        region_name: &a.region_name,
        year,
        as_of: a.as_of,
        goals: a
            .goals
            .iter()
            .map(|g| GoalView {
                text: g.text.clone(),
                target: g.target.clone(),
                actual: goal_actual(g),
                status: g.status,
                light: light_css(g.light),
            })
            .collect(),
        plans: a.plans.iter().map(|p| plan_view(a, p)).collect(),
        children: a
            .children
            .iter()
            .map(|c| ChildView {
                name: c.name.clone(),
                mean: pct(c.mean_progress),
                counts: c.counts,
                share: share_text(c.literacy_share),
            })
            .collect(),
        children_chart,
        groups: a
            .groups
            .iter()
            .map(|g| (g.group.zh(), pct(g.mean_progress), g.indicators))
            .collect(),
        groups_chart,
        late_lines: a
            .late
            .iter()
            .map(|l| LateView {
                unit: l.unit.clone(),
                region: l.region.clone(),
                task: l.task.clone(),
                period: l.period.clone(),
                due: l.due.to_string(),
                submitted: submitted_text(l.submitted),
                late: l.late,
                returned: l.returned,
            })
            .collect(),
        late_rounds: &a.late_rounds,
        assessment: a.assessment.as_ref(),
        assessment_chart: assessment_chart(a),
        missing_inputs: &a.missing_inputs,
    }
}

fn submitted_text(d: Option<Date>) -> String {
    d.map_or_else(|| "未提交".to_string(), |d| d.to_string())
}

/// The assessment's bar chart: totals by rank, commendation candidates in green.
fn assessment_chart(a: &Annual) -> String {
    a.assessment.as_ref().map_or_else(String::new, |r| {
        svg::bar_chart(&BarChart {
            title: format!(
                "{}年度考核总分（满分{}）",
                a.year,
                num(r.assessment.max_total)
            ),
            unit: "分".into(),
            bars: r
                .assessment
                .results
                .iter()
                .map(|s| Bar {
                    label: format!("{}. {}", s.rank, s.name),
                    value: Some(s.total),
                    light: Some(if r.commendation.contains(&s.id) {
                        Light::Green
                    } else {
                        Light::Yellow
                    }),
                })
                .collect(),
            target: None,
        })
    })
}

/// One scored body in the report's ranking table.
pub struct RankLine {
    pub rank: u32,
    pub name: String,
    pub total: String,
    pub commended: bool,
    pub vetoed: String,
}

#[derive(Template)]
#[template(path = "annual.html")]
struct AnnualPage<'a> {
    a: View<'a>,
    ranking: Vec<RankLine>,
    concerns: Vec<(String, String)>,
    max_total: String,
    scheme: String,
    public: bool,
}

fn ranking(a: &Annual) -> Vec<RankLine> {
    a.assessment.as_ref().map_or_else(Vec::new, |r| {
        r.assessment
            .results
            .iter()
            .map(|s| RankLine {
                rank: s.rank,
                name: s.name.clone(),
                total: num(s.total),
                commended: r.commendation.contains(&s.id),
                vetoed: s.vetoed_by.clone().unwrap_or_default(),
            })
            .collect()
    })
}

/// The report as one standalone HTML page. The internal report lists the late and returned
/// reports; the public one (its audience says which) leaves them out, with the children's
/// survey shares, the report sources and any link into the platform.
pub fn html(a: &Annual) -> Result<String, AppError> {
    let page = AnnualPage {
        a: view(a),
        ranking: ranking(a),
        concerns: a.assessment.as_ref().map_or_else(Vec::new, |r| {
            r.concerns
                .iter()
                .map(|c| (c.name.clone(), c.reason.clone()))
                .collect()
        }),
        max_total: a
            .assessment
            .as_ref()
            .map_or_else(String::new, |r| num(r.assessment.max_total)),
        scheme: a
            .assessment
            .as_ref()
            .map_or_else(String::new, |r| r.assessment.scheme.clone()),
        public: a.audience.is_public(),
    };
    page.render()
        .map_err(|e| AppError::Internal(format!("template: {e}")))
}

/// Every table of the report as a workbook.
pub fn xlsx(a: &Annual) -> Result<Vec<u8>, AppError> {
    let mut sheets = Vec::new();
    let mut goals = Sheet::new(
        "主要目标",
        &[
            ("方案", 40.0),
            ("目标", 50.0),
            ("目标值", 12.0),
            ("实际", 30.0),
            ("状态", 10.0),
        ],
    );
    for g in &a.goals {
        goals.rows.push(vec![
            g.plan.clone().into(),
            g.text.clone().into(),
            g.target.clone().into(),
            goal_actual(g).into(),
            g.status.into(),
        ]);
    }
    sheets.push(goals);
    for (i, p) in a.plans.iter().enumerate() {
        sheets.push(export::indicator_sheet(
            &format!("指标{}", i + 1),
            &p.indicators,
        ));
    }
    let mut children = Sheet::new(
        "下级地区",
        &[
            ("代码", 14.0),
            ("地区", 20.0),
            ("平均完成进度", 14.0),
            ("已达标", 8.0),
            ("按进度推进", 10.0),
            ("滞后", 8.0),
            ("无数据", 8.0),
            ("科学素质比例", 14.0),
        ],
    );
    for c in &a.children {
        children.rows.push(vec![
            c.code.clone().into(),
            c.name.clone().into(),
            c.mean_progress.map_or(Cell::Empty, Cell::Percent),
            Cell::Number(c.counts.met as f64),
            Cell::Number(c.counts.on_track as f64),
            Cell::Number(c.counts.behind as f64),
            Cell::Number(c.counts.no_data as f64),
            share_text(c.literacy_share).into(),
        ]);
    }
    sheets.push(children);
    let mut groups = Sheet::new(
        "重点人群",
        &[("人群", 24.0), ("平均完成进度", 14.0), ("指标数", 10.0)],
    );
    for g in &a.groups {
        groups.rows.push(vec![
            g.group.zh().into(),
            pct(g.mean_progress).into(),
            Cell::Number(g.indicators as f64),
        ]);
    }
    sheets.push(groups);
    let mut late = Sheet::new(
        "逾期和退回报告",
        &[
            ("报告编号", 10.0),
            ("单位", 24.0),
            ("地区", 14.0),
            ("任务", 40.0),
            ("期间", 16.0),
            ("截止日期", 12.0),
            ("提交日期", 12.0),
            ("逾期", 8.0),
            ("退回次数", 10.0),
        ],
    );
    for l in &a.late {
        late.rows.push(vec![
            Cell::Number(l.report_id as f64),
            l.unit.clone().into(),
            l.region.clone().into(),
            l.task.clone().into(),
            l.period.clone().into(),
            l.due.to_string().into(),
            submitted_text(l.submitted).into(),
            if l.late { "是" } else { "" }.into(),
            Cell::Number(l.returned as f64),
        ]);
    }
    sheets.push(late);
    if let Some(r) = &a.assessment {
        sheets.extend(export::assessment_sheets(r));
    }
    export::workbook(&sheets)
}

// Printing (Chromium, bounded in number, time and repeats) is `crate::print`'s; these names
// stay here for the CLI's `kesu report annual -o FILE.pdf`.
pub use crate::print::{NO_PRINTER, pdf_bytes, printer};
