//! Work lists (待办): the reports waiting for the caller's review, the next one after a review,
//! and a unit's own reports ordered by what needs doing first.

use super::rounds::RoundState;
use crate::{Caller, Ctx, Principal, Result};
use kesu_core::authz::Actor;
use kesu_core::region::RegionCode;
use kesu_core::report::{self as rules, ReportState, Step};
use kesu_core::visibility::{ReportScope, RoundScope, TaskRole};
use kesu_store::reporting::{self, Round, Slot};

/// Whether report `s` of round `r` waits for `actor`'s review: the round's office takes up
/// what was submitted (or, with 县级初审, what its county passed up); the county office takes
/// up its county's submitted reports in a round with 县级初审.
pub fn awaits(actor: &Actor, r: &Round, s: &Slot) -> bool {
    let (Ok(region), Ok(round_region)) = (
        RegionCode::parse(&s.region_code),
        RegionCode::parse(&r.region_code),
    ) else {
        return false;
    };
    let scope = ReportScope {
        region: &region,
        unit: s.unit_id,
        role: TaskRole::parse(&s.role),
        lead_units: &[],
    };
    let round = RoundScope {
        region: &round_region,
        county_check: r.county_check,
    };
    let waiting = match actor.review_step(&scope, &round) {
        None => return false,
        Some(Step::Direct | Step::County) => ReportState::Submitted,
        Some(Step::Office) => ReportState::PreReviewed,
    };
    s.state() == waiting
}

/// A round with the reports in it waiting for the caller.
#[derive(Debug, Clone)]
pub struct Pending {
    pub round: Round,
    pub reports: Vec<Slot>,
}

/// Every report waiting for the caller's review, by round (newest round first; rounds with
/// nothing waiting left out).
pub async fn pending(ctx: &Ctx, caller: &Caller) -> Result<Vec<Pending>> {
    let Principal::User(actor) = &caller.principal else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for round in super::rounds(ctx, caller).await? {
        let reports: Vec<Slot> = super::round_slots(ctx, caller, &round)
            .await?
            .into_iter()
            .filter(|s| awaits(actor, &round, s))
            .collect();
        if !reports.is_empty() {
            out.push(Pending { round, reports });
        }
    }
    Ok(out)
}

/// The next report of round `round_id` waiting for the caller after report `after` (in the
/// round's task order, wrapping around), for "next pending report" after a review.
pub async fn next_pending(
    ctx: &Ctx,
    caller: &Caller,
    round_id: i64,
    after: i64,
) -> Result<Option<Slot>> {
    let Principal::User(actor) = &caller.principal else {
        return Ok(None);
    };
    let round = super::round(ctx, caller, round_id).await?;
    // The round's reports in task order: the first waiting one after `after`, else the first.
    let order = super::round_slots(ctx, caller, &round).await?;
    let here = order.iter().position(|s| s.id == after).unwrap_or(0);
    let waits = |(_, s): &(usize, &Slot)| s.id != after && awaits(actor, &round, s);
    let next = order
        .iter()
        .enumerate()
        .filter(waits)
        .find(|(i, _)| *i > here)
        .or_else(|| order.iter().enumerate().find(waits))
        .map(|(_, s)| s.clone());
    Ok(next)
}

/// Where one of the unit's reports stands for its reporter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Urgency {
    /// 已退回: the office sent it back; fix and resubmit.
    Returned,
    /// 逾期: past the due date and not handed in.
    Overdue,
    /// Due within a few days.
    DueSoon,
    /// Still to do, not urgent.
    Open,
    /// Handed in, waiting for review.
    Waiting,
    /// Accepted, or nothing more can be done (locked, closed).
    Done,
}

impl Urgency {
    pub fn zh(self) -> &'static str {
        match self {
            Urgency::Returned => "已退回",
            Urgency::Overdue => "逾期",
            Urgency::DueSoon => "即将截止",
            Urgency::Open => "待填报",
            Urgency::Waiting => "待审核",
            Urgency::Done => "已完成",
        }
    }
}

/// One of a unit's reports on its 工作台.
#[derive(Debug, Clone)]
pub struct Task {
    pub slot: Slot,
    pub round: Round,
    pub urgency: Urgency,
    /// Days past the due date (逾期N天), when late and not handed in.
    pub days_late: Option<i64>,
    /// The last day it can still be filed (还可补报至…): the lock date, when past due and before
    /// the lock (or with the office's exception).
    pub late_until: Option<time::Date>,
    /// Whether the unit can still write it now.
    pub writable: bool,
}

/// The caller's unit's reports, what needs doing first on top: returned, then overdue, then due
/// soon, then the rest of the open rounds, then handed-in and finished ones; within each, the
/// round due first.
pub async fn my_tasks(ctx: &Ctx, caller: &Caller) -> Result<Vec<Task>> {
    let Some(unit) = caller.actor().and_then(|a| a.unit_id) else {
        return Ok(Vec::new());
    };
    let today = ctx.today();
    let rounds = reporting::rounds_of_unit(&ctx.db, unit).await?;
    let mut out = Vec::new();
    for s in reporting::slots_of_unit(&ctx.db, unit, None).await? {
        let Some(r) = rounds.iter().find(|r| r.id == s.round_id) else {
            continue;
        };
        let st = s.state();
        let round_state = RoundState::of(r, today);
        let writable =
            st.editable() && r.closed_at.is_none() && (today <= r.lock_date || s.exception);
        let past_due = today > r.due_date;
        let urgency = if !writable && !st.handed_in() {
            Urgency::Done
        } else if st == ReportState::Returned {
            Urgency::Returned
        } else if st.handed_in() {
            if st == ReportState::Accepted {
                Urgency::Done
            } else {
                Urgency::Waiting
            }
        } else if past_due {
            Urgency::Overdue
        } else if rules::due_soon(st, today, r.due_date) {
            Urgency::DueSoon
        } else {
            Urgency::Open
        };
        let days_late = (past_due && !st.handed_in()).then(|| (today - r.due_date).whole_days());
        // Late but still allowed: until the lock date (or, with the office's exception, open-ended).
        let late_until = (past_due && writable && !st.handed_in() && round_state.takes_reports())
            .then_some(r.lock_date);
        out.push(Task {
            urgency,
            days_late,
            late_until,
            writable,
            round: r.clone(),
            slot: s,
        });
    }
    out.sort_by(|a, b| {
        (a.urgency, a.round.due_date, a.round.id, &a.slot.task_path).cmp(&(
            b.urgency,
            b.round.due_date,
            b.round.id,
            &b.slot.task_path,
        ))
    });
    Ok(out)
}

/// Counts of a set of reports by state, and how many are late.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Counts {
    pub not_started: usize,
    pub draft: usize,
    pub submitted: usize,
    /// 已初审: passed up by the county office, waiting for the round's office.
    pub prereviewed: usize,
    pub returned: usize,
    pub accepted: usize,
    pub late: usize,
}

impl Counts {
    pub fn of<'a>(
        slots: impl IntoIterator<Item = &'a Slot>,
        today: time::Date,
        due: time::Date,
    ) -> Self {
        let mut c = Counts::default();
        for s in slots {
            match s.state() {
                ReportState::NotStarted => c.not_started += 1,
                ReportState::Draft => c.draft += 1,
                ReportState::Submitted => c.submitted += 1,
                ReportState::PreReviewed => c.prereviewed += 1,
                ReportState::Returned => c.returned += 1,
                ReportState::Accepted => c.accepted += 1,
            }
            if rules::is_late(s.state(), s.submitted_on(), today, due) {
                c.late += 1;
            }
        }
        c
    }

    pub fn total(&self) -> usize {
        self.not_started
            + self.draft
            + self.submitted
            + self.prereviewed
            + self.returned
            + self.accepted
    }

    /// Handed in (submitted, checked or accepted).
    pub fn handed_in(&self) -> usize {
        self.submitted + self.prereviewed + self.accepted
    }
}
