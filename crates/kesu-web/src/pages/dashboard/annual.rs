//! The annual monitoring report (年度监测评估报告) of a region: goals against actuals, the
//! indicator tables, the comparison and ranking of its counties, the key groups, late and
//! returned reports, and the assessment — computed from the data, as one printable HTML page
//! (A4, CJK fonts, charts as SVG), a workbook of every table, and (through headless Chromium)
//! a PDF. `kesu report annual` and the dashboard's button make the same document.

use super::export::{self, Cell, Sheet};
use super::groups::KeyGroup;
use super::{IndicatorLine, light_css, line, num, pct};
use crate::error::AppError;
use askama::Template;
use kesu_core::RegionCode;
use kesu_indicators::svg::{self, Bar, BarChart};
use kesu_indicators::{Light, Scheme};
use kesu_store::Db;
use kesu_store::indicators::{
    self as ind, AssessBy, AssessQuery, AssessmentReport, ExtraInputs, PlanIndicators, StatusCounts,
};
use kesu_store::plans::PlanRow;
use kesu_store::reporting::LateOrReturned;
use std::collections::{BTreeMap, BTreeSet};
use time::Date;

/// A plan's indicators in the report.
pub struct AnnualPlan {
    pub id: i64,
    /// The plan's own region.
    pub region: String,
    pub row: PlanRow,
    pub title: String,
    pub counts: StatusCounts,
    pub mean: String,
    pub rows: Vec<IndicatorLine>,
    pub indicators: PlanIndicators,
}

/// A goal against its actual.
pub struct GoalLine {
    pub plan: String,
    pub text: String,
    pub target: String,
    pub actual: String,
    pub status: &'static str,
    pub light: &'static str,
}

/// A child region in the comparison.
pub struct ChildLine {
    pub code: String,
    pub name: String,
    pub mean: String,
    pub mean_value: Option<f64>,
    pub counts: StatusCounts,
    pub share: String,
}

/// A round's late and returned reports in the report: the same numbers as the round's page
/// (`kesu_store::reporting::discipline`, one query for both).
pub struct RoundDiscipline {
    pub round_id: i64,
    pub title: String,
    /// 逾期: late (handed in after the due date, or still not handed in past it).
    pub late: usize,
    /// 已退回: returned and not yet handed in again.
    pub returned_now: usize,
    /// 曾被退回: returned at least once.
    pub ever_returned: usize,
}

/// A line of the late and returned list.
pub struct LateLine {
    pub unit: String,
    pub region: String,
    pub task: String,
    pub period: String,
    pub due: String,
    pub submitted: String,
    pub late: bool,
    pub returned: i64,
}

/// Everything the report shows.
pub struct Annual {
    pub region_code: String,
    pub region_name: String,
    pub year: i32,
    pub as_of: Date,
    pub plans: Vec<AnnualPlan>,
    pub goals: Vec<GoalLine>,
    pub children: Vec<ChildLine>,
    pub children_chart: String,
    pub groups: Vec<(&'static str, String, usize)>,
    pub groups_chart: String,
    pub late: Vec<LateOrReturned>,
    pub late_lines: Vec<LateLine>,
    /// The late and returned reports by round.
    pub late_rounds: Vec<RoundDiscipline>,
    pub assessment: Option<AssessmentReport>,
    pub assessment_chart: String,
    /// Items of the scheme for which no input was given (they score 0).
    pub missing_inputs: Vec<String>,
}

/// The plans that speak for a region: its own; without any, those of its nearest ancestor.
pub async fn main_plans(db: &Db, code: &str) -> Result<Vec<PlanRow>, AppError> {
    let mut c = RegionCode::parse(code).map_err(|e| AppError::Invalid(e.to_string()))?;
    loop {
        let own: Vec<PlanRow> = kesu_store::plans::list(db, c.as_str())
            .await?
            .into_iter()
            .filter(|p| p.region_code == c.as_str())
            .collect();
        if !own.is_empty() {
            return Ok(own);
        }
        match c.parent() {
            Some(p) => c = p,
            None => return Ok(Vec::new()),
        }
    }
}

async fn name_of(db: &Db, code: &str) -> Result<String, AppError> {
    Ok(kesu_store::regions::get(db, code)
        .await?
        .map_or_else(|| code.to_string(), |r| r.name))
}

/// The report as the office has set it up: the region's stored scheme, and the inputs entered
/// on the assessment pages (read by the store's `assess`). The web pages use this; the command
/// line can name another scheme and add an inputs file.
pub async fn build_configured(
    db: &Db,
    code: &str,
    year: i32,
    today: Date,
) -> Result<Annual, AppError> {
    let scheme = kesu_store::assessment::scheme_for(db, code).await?.scheme;
    build(db, code, year, today, &scheme, &ExtraInputs::new()).await
}

/// Gather the report of `code` for `year` (figures as of 31 December, or `today` if earlier):
/// the internal report, on the region's main plans with every indicator, the late and returned
/// reports and the assessment.
pub async fn build(
    db: &Db,
    code: &str,
    year: i32,
    today: Date,
    scheme: &Scheme,
    inputs: &ExtraInputs,
) -> Result<Annual, AppError> {
    let code = RegionCode::parse(code)
        .map_err(|e| AppError::Invalid(e.to_string()))?
        .to_string();
    let plans = main_plans(db, &code).await?;
    gather(db, &code, year, today, &plans, None, Some((scheme, inputs))).await
}

/// What an office chose to publish (公开范围): plans, their indicators (by target id) and whether
/// the assessment ranking (with 表彰候选 and 一票否决) goes with them. The public page and the
/// public report are both built from it ([`build_public`]), so neither shows more than the other.
#[derive(Debug, Clone)]
pub struct Selection {
    pub plans: Vec<PlanRow>,
    pub targets: BTreeSet<i64>,
    pub ranking: bool,
}

/// The public report of a selection: only the chosen plans and indicators (the region's
/// figures, its children's comparison and the key groups computed over them), no late or
/// returned reports, and the assessment only when its ranking was chosen.
pub async fn build_public(
    db: &Db,
    code: &str,
    year: i32,
    today: Date,
    sel: &Selection,
) -> Result<Annual, AppError> {
    let scheme = kesu_store::assessment::scheme_for(db, code).await?.scheme;
    let inputs = ExtraInputs::new();
    let assessment = sel.ranking.then_some((&scheme, &inputs));
    let mut a = gather(
        db,
        code,
        year,
        today,
        &sel.plans,
        Some(&sel.targets),
        assessment,
    )
    .await?;
    a.late.clear();
    a.late_lines.clear();
    a.late_rounds.clear();
    Ok(a)
}

/// The late and returned reports counted by round, newest round first.
async fn round_discipline(
    db: &Db,
    late: &[LateOrReturned],
) -> Result<Vec<RoundDiscipline>, AppError> {
    let mut by_round: BTreeMap<i64, RoundDiscipline> = BTreeMap::new();
    for l in late {
        let r = match by_round.entry(l.round_id) {
            std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::btree_map::Entry::Vacant(v) => {
                let title = kesu_store::reporting::round(db, l.round_id).await?.title;
                v.insert(RoundDiscipline {
                    round_id: l.round_id,
                    title,
                    late: 0,
                    returned_now: 0,
                    ever_returned: 0,
                })
            }
        };
        r.late += usize::from(l.late);
        r.returned_now += usize::from(l.state == "returned");
        r.ever_returned += usize::from(l.returned > 0);
    }
    Ok(by_round.into_values().rev().collect())
}

/// A plan evaluated for a region: an ancestor's plan on the region's reports, a descendant's on
/// its own region.
pub async fn evaluate_at(
    db: &Db,
    plan: &PlanRow,
    code: &str,
    as_of: Date,
) -> Result<PlanIndicators, AppError> {
    let mut q = ind::Query::new(plan.id, as_of);
    q.region = Some(if plan.region_code.starts_with(code) {
        plan.region_code.clone()
    } else {
        code.to_string()
    });
    Ok(ind::evaluate_plan(db, &q).await?)
}

/// The evaluation kept to the chosen targets, its counts and mean progress (no data counted as
/// 0, as `kesu_indicators::mean_progress` does) over them only.
pub fn restrict(mut e: PlanIndicators, targets: Option<&BTreeSet<i64>>) -> PlanIndicators {
    let Some(t) = targets else { return e };
    e.indicators.retain(|r| t.contains(&r.target_id));
    e.counts = StatusCounts::of(&e.indicators);
    let n = e.indicators.len();
    e.mean_progress = (n > 0).then(|| {
        e.indicators
            .iter()
            .map(|r| r.progress.unwrap_or(0.0))
            .sum::<f64>()
            / n as f64
    });
    e
}

/// The report of `code` on `plans`, kept to `targets` when given; the assessment with its
/// scheme and inputs when given.
async fn gather(
    db: &Db,
    code: &str,
    year: i32,
    today: Date,
    plans: &[PlanRow],
    targets: Option<&BTreeSet<i64>>,
    assess_with: Option<(&Scheme, &ExtraInputs)>,
) -> Result<Annual, AppError> {
    let code = code.to_string();
    let as_of = ind::year_end(year, today);
    let mut out_plans = Vec::new();
    let mut goals = Vec::new();
    for p in plans {
        let e = restrict(evaluate_at(db, p, &code, as_of).await?, targets);
        if targets.is_some() && e.indicators.is_empty() {
            continue;
        }
        let records = ind::records(db, &code, ind::LITERACY_SHARE).await?;
        for r in e.indicators.iter().filter(|r| r.task_id.is_none()) {
            // The literacy share with its interval when the region's own survey gives one.
            let ci = records
                .iter()
                .find(|x| x.region_code == code && x.year == year)
                .filter(|_| r.unit == "%")
                .and_then(|x| Some(format!("（95%置信区间 {}–{}%）", num(x.low?), num(x.high?))));
            goals.push(GoalLine {
                plan: p.title.clone(),
                text: r.text.clone(),
                target: r.target_zh.clone(),
                actual: format!("{}{}", super::actual_text(r), ci.unwrap_or_default()),
                status: r.status_zh,
                light: light_css(r.light),
            });
        }
        let region = Some(code.as_str()).filter(|c| *c != p.region_code);
        out_plans.push(AnnualPlan {
            id: p.id,
            region: p.region_code.clone(),
            row: p.clone(),
            title: p.title.clone(),
            counts: e.counts,
            mean: pct(e.mean_progress),
            rows: e.indicators.iter().map(|r| line(r, p.id, region)).collect(),
            indicators: e,
        });
    }
    // Child regions: each child's mean progress on the main plans (its reports).
    let mut children = Vec::new();
    for (c, name) in ind::child_regions(db, &code).await? {
        let mut sum = 0.0;
        let mut n = 0usize;
        let mut counts = StatusCounts::default();
        for p in out_plans
            .iter()
            .filter(|p| c.starts_with(&p.region) || p.region.starts_with(&c))
        {
            let e = restrict(evaluate_at(db, &p.row, &c, as_of).await?, targets);
            if let Some(m) = e.mean_progress {
                sum += m;
                n += 1;
            }
            counts.met += e.counts.met;
            counts.on_track += e.counts.on_track;
            counts.behind += e.counts.behind;
            counts.no_data += e.counts.no_data;
        }
        // The children's literacy shares come from surveys, not from the chosen indicators:
        // a public report leaves them out.
        let share = match targets {
            Some(_) => "—".to_string(),
            None => ind::share_of(db, &c, year)
                .await?
                .map_or_else(|| "—".to_string(), |r| format!("{}%", num(r.value))),
        };
        let mean_value = (n > 0).then(|| sum / n as f64);
        children.push(ChildLine {
            code: c,
            name,
            mean: pct(mean_value),
            mean_value,
            counts,
            share,
        });
    }
    let children_chart = svg::progress_chart(&BarChart {
        title: format!("{year}年下级地区指标平均完成进度"),
        unit: "%".into(),
        bars: children
            .iter()
            .map(|c| Bar {
                label: c.name.clone(),
                value: c.mean_value.map(|v| v * 100.0),
                light: None,
            })
            .collect(),
        target: None,
    });
    // Key groups over the main plans.
    let mut sums: BTreeMap<KeyGroup, (f64, usize)> = BTreeMap::new();
    for p in &out_plans {
        let groups = task_groups(db, p.id).await?;
        for r in &p.indicators.indicators {
            if let Some(g) = r.task_id.and_then(|t| groups.get(&t)).copied().flatten() {
                let s = sums.entry(g).or_insert((0.0, 0));
                s.0 += r.progress.unwrap_or(0.0);
                s.1 += 1;
            }
        }
    }
    let groups: Vec<(&'static str, String, usize)> = KeyGroup::ALL
        .iter()
        .map(|g| {
            let (s, n) = sums.get(g).copied().unwrap_or((0.0, 0));
            (g.zh(), pct((n > 0).then(|| s / n as f64)), n)
        })
        .collect();
    let groups_chart = svg::progress_chart(&BarChart {
        title: "重点人群指标平均完成进度".into(),
        unit: "%".into(),
        bars: KeyGroup::ALL
            .iter()
            .map(|g| {
                let (s, n) = sums.get(g).copied().unwrap_or((0.0, 0));
                Bar {
                    label: g.zh().into(),
                    value: (n > 0).then(|| s / n as f64 * 100.0),
                    light: None,
                }
            })
            .collect(),
        target: None,
    });
    // The same query as the round pages' 逾期 numbers and lists.
    let scope = kesu_store::reporting::discipline::Scope {
        region: &code,
        round: None,
        year: Some(year),
    };
    let late = kesu_store::reporting::discipline::late_or_returned(db, &scope, today).await?;
    let late_rounds = round_discipline(db, &late).await?;
    let mut unit_names: BTreeMap<String, String> = BTreeMap::new();
    for l in &late {
        if let std::collections::btree_map::Entry::Vacant(v) =
            unit_names.entry(l.region_code.clone())
        {
            let n = name_of(db, v.key()).await?;
            v.insert(n);
        }
    }
    let late_lines = late
        .iter()
        .map(|l| LateLine {
            unit: l.unit_name.clone(),
            region: unit_names.get(&l.region_code).cloned().unwrap_or_default(),
            task: format!("{} {}", l.task_path, l.task_title),
            period: kesu_core::report::Period::parse(&l.period)
                .map_or(l.period.clone(), |p| p.to_string()),
            due: l.due_date.to_string(),
            submitted: l
                .submitted_on
                .map_or_else(|| "未提交".to_string(), |d| d.to_string()),
            late: l.late,
            returned: l.returned,
        })
        .collect();
    // The assessment of the child regions on the first main plan of the region itself.
    let own = main_plans(db, &code).await?;
    let assessment = match (own.iter().find(|p| p.region_code == code), assess_with) {
        (Some(p), Some((scheme, inputs))) if !children.is_empty() => Some(
            ind::assess(
                db,
                &AssessQuery {
                    plan_id: p.id,
                    year,
                    by: AssessBy::Regions,
                    scheme,
                    inputs,
                    today,
                    top: 3,
                },
            )
            .await?,
        ),
        _ => None,
    };
    let assessment_chart = assessment.as_ref().map_or_else(String::new, |a| {
        svg::bar_chart(&BarChart {
            title: format!("{year}年度考核总分（满分{}）", num(a.assessment.max_total)),
            unit: "分".into(),
            bars: a
                .assessment
                .results
                .iter()
                .map(|r| Bar {
                    label: format!("{}. {}", r.rank, r.name),
                    value: Some(r.total),
                    light: Some(if a.commendation.contains(&r.id) {
                        Light::Green
                    } else {
                        Light::Yellow
                    }),
                })
                .collect(),
            target: None,
        })
    });
    let missing_inputs = match (&assessment, assess_with) {
        (Some(a), Some((scheme, _))) => scheme
            .items
            .iter()
            .filter(|item| {
                a.inputs.iter().all(|x| {
                    x.items.get(&item.id).is_none_or(|i| {
                        i.attainment.is_none()
                            && i.done.is_none()
                            && i.shortfall.is_none()
                            && i.value.is_none()
                            && i.reviewer_score.is_none()
                    })
                })
            })
            .map(|item| item.name.clone())
            .collect(),
        _ => Vec::new(),
    };
    Ok(Annual {
        region_name: name_of(db, &code).await?,
        region_code: code,
        year,
        as_of,
        plans: out_plans,
        goals,
        children,
        children_chart,
        groups,
        groups_chart,
        late,
        late_lines,
        late_rounds,
        assessment,
        assessment_chart,
        missing_inputs,
    })
}

/// The key group of every live task of a plan, by task id.
pub async fn task_groups(
    db: &Db,
    plan_id: i64,
) -> Result<BTreeMap<i64, Option<KeyGroup>>, AppError> {
    let all = ind::plan_tasks(db, plan_id).await?;
    let texts: Vec<super::groups::TaskText<'_>> = all
        .iter()
        .map(|t| super::groups::TaskText {
            path: &t.path,
            title: &t.title,
            body: t.body.as_deref(),
        })
        .collect();
    let g = super::groups::classify(&texts);
    Ok(all.iter().zip(g).map(|(t, g)| (t.id, g)).collect())
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
    a: &'a Annual,
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

fn render_page(a: &Annual, public: bool) -> Result<String, AppError> {
    let page = AnnualPage {
        a,
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
        public,
    };
    page.render()
        .map_err(|e| AppError::Internal(format!("template: {e}")))
}

/// The report as one standalone HTML page (internal: with the late and returned list).
pub fn html(a: &Annual) -> Result<String, AppError> {
    render_page(a, false)
}

/// The report for the public page: without the list of late and returned reports (which names
/// units and internal review), and without links into the platform.
pub fn public_html(a: &Annual) -> Result<String, AppError> {
    render_page(a, true)
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
            g.actual.clone().into(),
            g.status.into(),
        ]);
    }
    sheets.push(goals);
    for (i, p) in a.plans.iter().enumerate() {
        sheets.push(export::indicator_sheet(
            &format!("指标{}", i + 1),
            &p.indicators.indicators,
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
            c.mean_value.map_or(Cell::Empty, Cell::Percent),
            Cell::Number(c.counts.met as f64),
            Cell::Number(c.counts.on_track as f64),
            Cell::Number(c.counts.behind as f64),
            Cell::Number(c.counts.no_data as f64),
            c.share.clone().into(),
        ]);
    }
    sheets.push(children);
    let mut groups = Sheet::new(
        "重点人群",
        &[("人群", 24.0), ("平均完成进度", 14.0), ("指标数", 10.0)],
    );
    for (g, m, n) in &a.groups {
        groups
            .rows
            .push(vec![(*g).into(), m.clone().into(), Cell::Number(*n as f64)]);
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
    for (l, x) in a.late.iter().zip(&a.late_lines) {
        late.rows.push(vec![
            Cell::Number(l.report_id as f64),
            x.unit.clone().into(),
            x.region.clone().into(),
            x.task.clone().into(),
            x.period.clone().into(),
            x.due.clone().into(),
            x.submitted.clone().into(),
            if x.late { "是" } else { "" }.into(),
            Cell::Number(x.returned as f64),
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
