//! The drill-down (下钻) from a region's number of one indicator to its children and on to the
//! reports behind it: `/dashboard/plans/{id}/indicators/{target}?region=`. The plan must be in
//! the caller's scope and the region within it and covered by the caller; a reporter's view is
//! its own unit's reports only. A target Kesu's records answer (服务记录, 竞赛记录) shows that
//! value and links to the records; the regions and reports below are then what units
//! reported, beside it and never added.

use super::super::{Layout, PageResult, UserBar, render};
use super::{Filter, num, pct, period_param, region_param, reporter_unit, store_err};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::pages::plans::plan_in_scope;
use askama::Template;
use axum::extract::{Path, Query, State};
use kesu_core::report::Period;
use kesu_indicators::svg::{self, Bar, BarChart, LineChart, Series};
use kesu_store::indicators as ind;
use std::collections::BTreeMap;

struct NodeLine {
    code: String,
    name: String,
    value: String,
    value_sort: f64,
    reporting: String,
    href: String,
}

struct SourceLine {
    report_id: i64,
    unit: String,
    region: String,
    period: String,
    value: String,
}

#[derive(Template)]
#[template(path = "dashboard_drill.html")]
struct DrillPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    plan_id: i64,
    plan_title: String,
    indicator: String,
    target: String,
    rule: String,
    path: Vec<NodeLine>,
    node: NodeLine,
    children: Vec<NodeLine>,
    chart: String,
    trend: String,
    sources: Vec<SourceLine>,
    sources_below: usize,
    explanation: String,
    /// When Kesu's records answer the target: where from and what (linked to them), and the
    /// value they give; the regions and reports below are then what units reported, beside.
    fed: Option<(String, String, String)>,
}

pub(super) async fn drill_page(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, target)): Path<(i64, i64)>,
    Query(f): Query<Filter>,
) -> PageResult {
    let plan = plan_in_scope(&state, &caller, id).await?;
    let unit = reporter_unit(&caller)?;
    let code = match f.region.as_deref().filter(|s| !s.is_empty()) {
        Some(r) => region_param(&caller, r, &plan.region_code)?,
        None => plan.region_code.clone(),
    };
    let mut q = ind::Query::new(id, state.today());
    q.unit_id = unit;
    q.period = period_param(f.period.as_deref())?;
    let d = ind::drill(&state.db, &q, target, &code)
        .await
        .map_err(store_err)?
        .ok_or(AppError::NotFound)?;
    // The explanation of the indicator at this region.
    let mut qr = q.clone();
    qr.region = Some(code.clone());
    let e = ind::evaluate_plan(&state.db, &qr).await?;
    let row = e.indicators.iter().find(|r| r.target_id == target);
    let per_entity = row.is_some_and(|r| r.coverage.is_some());
    let share = row.is_some_and(|r| r.unit == "%");
    let shown = |v: Option<f64>| -> String {
        match v {
            None => "无数据".into(),
            Some(x) if per_entity => format!("{} 达标", pct(Some(x))),
            Some(x) => format!("{}{}", num(x), d.unit),
        }
    };
    let href = |c: &str| format!("/dashboard/plans/{id}/indicators/{target}?region={c}");
    let node_line = |n: &ind::NodeRow| NodeLine {
        code: n.code.clone(),
        name: n.name.clone(),
        value: shown(n.value),
        value_sort: n.value.unwrap_or(-1.0),
        reporting: if per_entity {
            format!("{}/{}（达标 {}）", n.reporting_leaves, n.leaves, n.met)
        } else if n.value.is_some() && n.reporting_leaves == 0 {
            // A county that reports for itself: its villages have no data of their own, and
            // "0/233" beside a number reads like a mistake.
            format!("0/{}（数值由本级或中间层级填报）", n.leaves)
        } else {
            format!("{}/{}", n.reporting_leaves, n.leaves)
        },
        href: href(&n.code),
    };
    let target_value = row.map(|r| match r.target {
        kesu_core::TargetValue::Number(x) => x,
        kesu_core::TargetValue::Range([lo, _]) => lo,
    });
    let chart = svg::bar_chart(&BarChart {
        title: format!("{}：下级比较", d.indicator),
        unit: if per_entity {
            "%".into()
        } else {
            d.unit.clone()
        },
        bars: d
            .children
            .iter()
            .map(|c| Bar {
                label: c.name.clone(),
                value: c.value.map(|v| if per_entity { v * 100.0 } else { v }),
                light: None,
            })
            .collect(),
        // A city's count target is not each county's: the line only for shares and coverage.
        target: if per_entity {
            Some(100.0)
        } else if share {
            target_value
        } else {
            None
        },
    });
    let trend = svg::line_chart(&LineChart {
        title: format!("{}：各期数值", d.indicator),
        unit: d.unit.clone(),
        x_labels: d.trend.iter().map(|(p, _)| p.clone()).collect(),
        series: vec![Series {
            name: d.node.name.clone(),
            values: d.trend.iter().map(|(_, v)| *v).collect(),
        }],
        target: if share { target_value } else { None },
    });
    let mut unit_names: BTreeMap<i64, String> = BTreeMap::new();
    for s in &d.sources {
        if let std::collections::btree_map::Entry::Vacant(v) = unit_names.entry(s.unit_id) {
            let name = kesu_store::units::get(&state.db, s.unit_id)
                .await
                .map(|u| u.name)
                .unwrap_or_else(|_| format!("单位 {}", s.unit_id));
            v.insert(name);
        }
    }
    let sources = d
        .sources
        .iter()
        .map(|s| SourceLine {
            report_id: s.report_id,
            unit: unit_names.get(&s.unit_id).cloned().unwrap_or_default(),
            region: s.region_code.clone(),
            period: Period::parse(&s.period).map_or(s.period.clone(), |p| p.to_string()),
            value: num(s.value),
        })
        .collect();
    let l = Layout::new(&state, &caller).await?;
    render(&DrillPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        plan_id: id,
        plan_title: plan.title,
        indicator: d.indicator.clone(),
        target: d.target_zh.clone(),
        // A fed value's rule speaks of its records (the drill's own is the reports').
        rule: row
            .filter(|r| r.fed.is_some())
            .map_or_else(|| d.rule.clone(), |r| r.rule.clone()),
        path: d.path.iter().map(node_line).collect(),
        node: node_line(&d.node),
        children: d.children.iter().map(node_line).collect(),
        chart,
        trend,
        sources,
        sources_below: d.sources_below,
        explanation: row.map(|r| r.explanation.clone()).unwrap_or_default(),
        fed: row.and_then(|r| {
            let f = r.fed.as_ref()?;
            Some((super::fed_what(f), f.link.clone(), super::actual_text(r)))
        }),
    })
}
