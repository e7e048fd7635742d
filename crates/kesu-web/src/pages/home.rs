//! 工作台 (`/`) and the review queue (`/review`).
//!
//! A unit's reporter sees its reports as cards, what needs doing first on top — returned (with
//! the reason a click away), overdue (逾期N天, 还可补报至…), due soon — then the rest of the open
//! rounds; handed-in and finished ones are folded away; filters by round, state and keyword.
//! An office sees its to-do counts (待审核, 逾期单位, 新提交), each a link, and its rounds
//! newest first (a county office also the city rounds involving its county: 本区填报情况).
//! The review queue lists every report waiting for the caller, round by round.

use super::rounds::{RoundLine, round_lines, visible_rounds};
use super::{Layout, PageResult, UserBar, render, role_zh};
use crate::auth::{Caller, MaybeCaller};
use crate::error::AppError;
use crate::{AppState, access};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use kesu_app::reporting::worklist::{self, Urgency};
use kesu_core::authz::Role;
use kesu_core::report;
use serde::Deserialize;
use std::collections::BTreeSet;

/// One of the unit's reports, as a card.
struct TaskCard {
    id: i64,
    task_path: String,
    task_title: String,
    round_title: String,
    role_zh: &'static str,
    state: String,
    state_zh: &'static str,
    urgency: &'static str,
    urgency_zh: &'static str,
    /// 逾期N天 / 还有N天截止 / 截止日期.
    when: String,
    /// 还可补报至… (the lock date), when late but still allowed.
    late_until: Option<String>,
    writable: bool,
}

/// A group of cards under one heading.
struct Section {
    key: &'static str,
    title: &'static str,
    cards: Vec<TaskCard>,
    /// Shown folded (handed in, finished).
    folded: bool,
}

/// The reporter's filters.
#[derive(Deserialize, Default)]
pub(super) struct HomeQuery {
    #[serde(default)]
    msg: Option<String>,
    /// A round id.
    #[serde(default)]
    round: Option<String>,
    /// An urgency key (`returned`, `overdue`, …) or `all`.
    #[serde(default)]
    show: Option<String>,
    #[serde(default)]
    q: Option<String>,
}

/// A number on the to-do bar: its label, count and link.
struct Todo {
    label: &'static str,
    n: usize,
    href: String,
    id: &'static str,
    urgent: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    reporter: bool,
    sections: Vec<Section>,
    /// (urgency key, label, count) for the filter chips.
    chips: Vec<(&'static str, &'static str, usize)>,
    /// (round id, title, selected).
    round_options: Vec<(i64, String, bool)>,
    filter_round: Option<i64>,
    filter_show: String,
    filter_q: String,
    todos: Vec<Todo>,
    rounds: Vec<RoundLine>,
    more_rounds: usize,
    can_open: bool,
    admin_without_plans: bool,
    summary: Option<super::summary::Summary>,
}

fn urgency_key(u: Urgency) -> &'static str {
    match u {
        Urgency::Returned => "returned",
        Urgency::Overdue => "overdue",
        Urgency::DueSoon => "due_soon",
        Urgency::Open => "open",
        Urgency::Waiting => "waiting",
        Urgency::Done => "done",
    }
}

const URGENCIES: [Urgency; 6] = [
    Urgency::Returned,
    Urgency::Overdue,
    Urgency::DueSoon,
    Urgency::Open,
    Urgency::Waiting,
    Urgency::Done,
];

/// How many rounds the office's 工作台 lists (the rest are on `/rounds`).
const HOME_ROUNDS: usize = 8;

pub(super) async fn home(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    Query(q): Query<HomeQuery>,
) -> PageResult {
    let Some(caller) = caller else {
        return Ok(Redirect::to("/login").into_response());
    };
    let l = Layout::new(&state, &caller)
        .await?
        .with_flash(q.msg.clone());
    let reporter = caller.actor.role == Role::Reporter;
    let mut page = HomePage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        reporter,
        sections: Vec::new(),
        chips: Vec::new(),
        round_options: Vec::new(),
        filter_round: None,
        filter_show: String::new(),
        filter_q: String::new(),
        todos: Vec::new(),
        rounds: Vec::new(),
        more_rounds: 0,
        can_open: false,
        admin_without_plans: false,
        summary: None,
    };
    if reporter {
        fill_reporter(&state, &caller, &q, &mut page).await?;
    } else {
        fill_office(&state, &caller, &mut page).await?;
    }
    render(&page)
}

async fn fill_reporter(
    state: &AppState,
    caller: &Caller,
    q: &HomeQuery,
    page: &mut HomePage,
) -> Result<(), AppError> {
    let today = state.today();
    let tasks = worklist::my_tasks(&access::ctx(state), &access::app_caller(caller, None)).await?;
    page.filter_round = q.round.as_deref().and_then(|r| r.trim().parse().ok());
    let mut seen = BTreeSet::new();
    for t in &tasks {
        if seen.insert(t.round.id) {
            let selected = page.filter_round == Some(t.round.id);
            page.round_options
                .push((t.round.id, t.round.title.clone(), selected));
        }
    }
    page.filter_show = q.show.clone().unwrap_or_default();
    page.filter_q = q.q.clone().unwrap_or_default().trim().to_string();
    page.chips = URGENCIES
        .iter()
        .map(|u| {
            let n = tasks
                .iter()
                .filter(|t| t.urgency == *u && page.filter_round.is_none_or(|r| r == t.round.id))
                .count();
            (urgency_key(*u), u.zh(), n)
        })
        .collect();
    for u in URGENCIES {
        let key = urgency_key(u);
        if !page.filter_show.is_empty() && page.filter_show != "all" && page.filter_show != key {
            continue;
        }
        let cards: Vec<TaskCard> = tasks
            .iter()
            .filter(|t| t.urgency == u)
            .filter(|t| page.filter_round.is_none_or(|r| r == t.round.id))
            .filter(|t| {
                page.filter_q.is_empty()
                    || t.slot.task_title.contains(&page.filter_q)
                    || t.slot.task_path.contains(&page.filter_q)
                    || t.round.title.contains(&page.filter_q)
            })
            .map(|t| {
                let st = t.slot.state();
                let left = (t.round.due_date - today).whole_days();
                let when = match t.days_late {
                    Some(d) => format!("逾期{d}天"),
                    None if !st.handed_in() && (0..=30).contains(&left) => {
                        if left == 0 {
                            "今天截止".to_string()
                        } else {
                            format!("还有{left}天截止（{}）", t.round.due_date)
                        }
                    }
                    None => format!("截止 {}", t.round.due_date),
                };
                TaskCard {
                    id: t.slot.id,
                    task_path: t.slot.task_path.clone(),
                    task_title: t.slot.task_title.clone(),
                    round_title: t.round.title.clone(),
                    role_zh: role_zh(&t.slot.role),
                    state: t.slot.state.clone(),
                    state_zh: st.zh(),
                    urgency: key,
                    urgency_zh: u.zh(),
                    when,
                    late_until: t.late_until.map(|d| d.to_string()),
                    writable: t.writable,
                }
            })
            .collect();
        if cards.is_empty() {
            continue;
        }
        let focused = page.filter_show == key;
        page.sections.push(Section {
            key,
            title: u.zh(),
            folded: !focused && matches!(u, Urgency::Waiting | Urgency::Done),
            cards,
        });
    }
    Ok(())
}

async fn fill_office(
    state: &AppState,
    caller: &Caller,
    page: &mut HomePage,
) -> Result<(), AppError> {
    let ctx = access::ctx(state);
    let app_caller = access::app_caller(caller, None);
    let today = state.today();
    let rounds = visible_rounds(state, caller).await?;
    if caller.actor.role != Role::Viewer {
        let pending: usize = worklist::pending(&ctx, &app_caller)
            .await?
            .iter()
            .map(|p| p.reports.len())
            .sum();
        // Units with overdue reports in the rounds still taking reports, and the round to chase.
        let mut late_units = BTreeSet::new();
        let mut chase_round = None;
        for r in rounds
            .iter()
            .filter(|r| kesu_app::reporting::rounds::RoundState::of(r, today).takes_reports())
        {
            let slots = super::rounds::visible_slots(state, caller, r).await?;
            let before = late_units.len();
            late_units.extend(
                slots
                    .iter()
                    .filter(|s| {
                        !s.state().handed_in()
                            && report::is_late(s.state(), s.submitted_on(), today, r.due_date)
                    })
                    .map(|s| s.unit_id),
            );
            if late_units.len() > before && chase_round.is_none() {
                chase_round = Some(r.id);
            }
        }
        let fresh = kesu_store::reporting::unread_count_of(
            &state.db,
            caller.actor.user_id,
            &["report_submitted", "report_resubmitted", "report_forwarded"],
        )
        .await?;
        page.todos = vec![
            Todo {
                label: "待审核",
                n: pending,
                href: "/review".into(),
                id: "todo-pending",
                urgent: pending > 0,
            },
            Todo {
                label: "逾期单位",
                n: late_units.len(),
                href: chase_round
                    .map(|r| format!("/rounds/{r}/chase"))
                    .unwrap_or_else(|| "/rounds".into()),
                id: "todo-late",
                urgent: !late_units.is_empty(),
            },
            Todo {
                label: "新提交",
                n: usize::try_from(fresh).unwrap_or(0),
                href: "/notifications".into(),
                id: "todo-fresh",
                urgent: false,
            },
        ];
    } else {
        page.summary = Some(super::summary::summary(state, caller).await?);
    }
    page.more_rounds = rounds.len().saturating_sub(HOME_ROUNDS);
    page.rounds = round_lines(
        state,
        caller,
        rounds.into_iter().take(HOME_ROUNDS).collect(),
    )
    .await?;
    if caller.actor.role == Role::Admin {
        let plans = super::plans::plans_in_scope(state, caller).await?;
        page.can_open = !plans.is_empty();
        page.admin_without_plans = plans.is_empty();
    }
    Ok(())
}

/// A report in the review queue.
struct QueueItem {
    id: i64,
    unit_name: String,
    task: String,
    state_zh: &'static str,
    submitted: String,
}

struct QueueRound {
    id: i64,
    title: String,
    items: Vec<QueueItem>,
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    rounds: Vec<QueueRound>,
    total: usize,
}

#[derive(Deserialize, Default)]
pub(super) struct ReviewQuery {
    #[serde(default)]
    round: Option<String>,
    #[serde(default)]
    msg: Option<String>,
}

/// Every report waiting for the caller's review (`?round=` narrows to one round).
pub(super) async fn review_queue(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ReviewQuery>,
) -> PageResult {
    if caller.actor.role == Role::Reporter {
        return Err(AppError::Forbidden.into());
    }
    let l = Layout::new(&state, &caller).await?.with_flash(q.msg);
    let only: Option<i64> = q.round.as_deref().and_then(|r| r.trim().parse().ok());
    let pending =
        worklist::pending(&access::ctx(&state), &access::app_caller(&caller, None)).await?;
    let rounds: Vec<QueueRound> = pending
        .into_iter()
        .filter(|p| only.is_none_or(|r| r == p.round.id))
        .map(|p| QueueRound {
            id: p.round.id,
            title: p.round.title,
            items: p
                .reports
                .into_iter()
                .map(|s| QueueItem {
                    id: s.id,
                    state_zh: s.state().zh(),
                    submitted: s.submitted_at.map(super::local_time).unwrap_or_default(),
                    task: format!("{} {}", s.task_path, s.task_title),
                    unit_name: s.unit_name,
                })
                .collect(),
        })
        .collect();
    render(&ReviewPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        total: rounds.iter().map(|r| r.items.len()).sum(),
        rounds,
    })
}
