//! Volunteer service orders: 群众点单 → 社区派单 → 部门领单 → 服务队接单 → 完成 → 评价.
//!
//! Each step belongs to one party and may be done by that party only:
//!
//! | step | party | from | to |
//! | --- | --- | --- | --- |
//! | 派单 dispatch to a department | dispatcher (community / office) | asked | dispatched |
//! | 派单 open to teams (抢单) | dispatcher | asked | open |
//! | 重新派单 re-dispatch (reason) | dispatcher | dispatched, claimed, open | dispatched or open |
//! | 驳回 reject (reason) | dispatcher | asked | rejected (final) |
//! | 领单 claim | department | dispatched | claimed |
//! | 退回 return (reason) | department | dispatched, claimed | asked |
//! | 接单 accept | team | claimed, open | accepted |
//! | 退回 return (reason) | team | accepted | claimed (or open when no department) |
//! | 完成 complete (report) | team | accepted | done |
//! | 评价 rate (1–5) | asker | done | rated (final) |
//! | 撤回 withdraw (reason) | asker | asked, dispatched, claimed, open | withdrawn (final) |
//!
//! Every waiting state has a deadline for the party whose move it is; a step taken late is
//! still taken, and recorded as late (it counts against that party in the assessment). A
//! dispatcher may re-dispatch an order that waits too long. The module's property tests hold the
//! table to its word: no step is skipped, none is done by another party, and every rejection,
//! return, re-dispatch and withdrawal carries a reason.

use crate::error::{Reason, Result, ServicesError, optional_text, required_text};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// Who takes part in an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// 点单方: the citizen or community that asked.
    Asker,
    /// 派单方: the community or office that routes orders in its region.
    Dispatcher,
    /// 领单部门: the department the order was dispatched to.
    Department,
    /// 接单服务队: a volunteer team.
    Team,
}

impl Party {
    pub const ALL: [Party; 4] = [
        Party::Asker,
        Party::Dispatcher,
        Party::Department,
        Party::Team,
    ];

    pub fn zh(self) -> &'static str {
        match self {
            Party::Asker => "点单方",
            Party::Dispatcher => "派单方",
            Party::Department => "领单部门",
            Party::Team => "志愿服务队",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Party::Asker => "asker",
            Party::Dispatcher => "dispatcher",
            Party::Department => "department",
            Party::Team => "team",
        }
    }

    pub fn parse(s: &str) -> Option<Party> {
        Party::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// The state of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// 待派单
    Asked,
    /// 已派单，待部门领单
    Dispatched,
    /// 已派单，面向服务队开放（待接单）
    Open,
    /// 已领单，待服务队接单
    Claimed,
    /// 已接单，服务中
    Accepted,
    /// 已完成，待评价
    Done,
    /// 已评价
    Rated,
    /// 已驳回
    Rejected,
    /// 已撤回
    Withdrawn,
}

impl OrderState {
    pub const ALL: [OrderState; 9] = [
        OrderState::Asked,
        OrderState::Dispatched,
        OrderState::Open,
        OrderState::Claimed,
        OrderState::Accepted,
        OrderState::Done,
        OrderState::Rated,
        OrderState::Rejected,
        OrderState::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Asked => "asked",
            OrderState::Dispatched => "dispatched",
            OrderState::Open => "open",
            OrderState::Claimed => "claimed",
            OrderState::Accepted => "accepted",
            OrderState::Done => "done",
            OrderState::Rated => "rated",
            OrderState::Rejected => "rejected",
            OrderState::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<OrderState> {
        OrderState::ALL.into_iter().find(|o| o.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            OrderState::Asked => "待派单",
            OrderState::Dispatched => "待领单",
            OrderState::Open => "待接单（开放抢单）",
            OrderState::Claimed => "待接单",
            OrderState::Accepted => "服务中",
            OrderState::Done => "待评价",
            OrderState::Rated => "已评价",
            OrderState::Rejected => "已驳回",
            OrderState::Withdrawn => "已撤回",
        }
    }

    /// The party whose move it is (`None` when the order is closed).
    pub fn waiting_for(self) -> Option<Party> {
        match self {
            OrderState::Asked => Some(Party::Dispatcher),
            OrderState::Dispatched => Some(Party::Department),
            OrderState::Open | OrderState::Claimed | OrderState::Accepted => Some(Party::Team),
            OrderState::Done => Some(Party::Asker),
            OrderState::Rated | OrderState::Rejected | OrderState::Withdrawn => None,
        }
    }

    pub fn is_closed(self) -> bool {
        self.waiting_for().is_none()
    }
}

/// Where a dispatcher sends an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", content = "unit_id", rename_all = "snake_case")]
pub enum Assignee {
    /// A department (a unit of the region), which claims it and has one of its teams serve.
    Department(i64),
    /// Any volunteer team of the region may accept it (抢单).
    Teams,
}

/// A step someone takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    Dispatch {
        assignee: Assignee,
        /// Required when the order was dispatched before (re-dispatch).
        #[serde(default)]
        reason: String,
    },
    Reject {
        reason: String,
    },
    Claim,
    Return {
        reason: String,
    },
    Accept {
        team_id: i64,
    },
    Complete {
        report: String,
    },
    Rate {
        stars: u8,
        #[serde(default)]
        comment: String,
    },
    Withdraw {
        reason: String,
    },
}

impl Step {
    /// The step's name in the API (`dispatch`, `claim` …).
    pub fn name(&self) -> &'static str {
        match self {
            Step::Dispatch { .. } => "dispatch",
            Step::Reject { .. } => "reject",
            Step::Claim => "claim",
            Step::Return { .. } => "return",
            Step::Accept { .. } => "accept",
            Step::Complete { .. } => "complete",
            Step::Rate { .. } => "rate",
            Step::Withdraw { .. } => "withdraw",
        }
    }

    pub fn zh(&self) -> &'static str {
        match self {
            Step::Dispatch { .. } => "派单",
            Step::Reject { .. } => "驳回",
            Step::Claim => "领单",
            Step::Return { .. } => "退回",
            Step::Accept { .. } => "接单",
            Step::Complete { .. } => "完成",
            Step::Rate { .. } => "评价",
            Step::Withdraw { .. } => "撤回",
        }
    }

    /// The reason or text the step carries, for the history row.
    pub fn text(&self) -> Option<&str> {
        match self {
            Step::Dispatch { reason, .. }
            | Step::Reject { reason }
            | Step::Return { reason }
            | Step::Withdraw { reason } => Some(reason.as_str()),
            Step::Complete { report } => Some(report.as_str()),
            Step::Rate { comment, .. } => Some(comment.as_str()),
            Step::Claim | Step::Accept { .. } => None,
        }
        .filter(|t| !t.trim().is_empty())
    }
}

/// How long each party has for its move.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Deadlines {
    pub dispatch: Duration,
    pub claim: Duration,
    pub accept: Duration,
    pub complete: Duration,
    pub rate: Duration,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            dispatch: Duration::days(2),
            claim: Duration::days(2),
            accept: Duration::days(3),
            complete: Duration::days(14),
            rate: Duration::days(7),
        }
    }
}

impl Deadlines {
    /// The deadline of the move awaited in `state`, entered at `since`.
    pub fn due(&self, state: OrderState, since: OffsetDateTime) -> Option<OffsetDateTime> {
        let d = match state {
            OrderState::Asked => self.dispatch,
            OrderState::Dispatched => self.claim,
            OrderState::Open | OrderState::Claimed => self.accept,
            OrderState::Accepted => self.complete,
            OrderState::Done => self.rate,
            _ => return None,
        };
        Some(since + d)
    }
}

/// An order as the rules see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub state: OrderState,
    /// The department it was (last) dispatched to.
    pub department: Option<i64>,
    /// The team serving it.
    pub team: Option<i64>,
    /// Whether it has been dispatched at least once (a re-dispatch needs a reason).
    pub dispatched_before: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
}

impl Order {
    /// A new order, waiting for dispatch.
    pub fn new(now: OffsetDateTime) -> Order {
        Order {
            state: OrderState::Asked,
            department: None,
            team: None,
            dispatched_before: false,
            since: now,
        }
    }
}

/// The result of a step: the order after it, and whether it was taken after its deadline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Applied {
    pub order: Order,
    pub from: OrderState,
    pub late: bool,
}

/// Which party owns `step` in `state` (`None`: the step is not possible in this state).
pub fn owner(state: OrderState, step: &Step) -> Option<Party> {
    use OrderState as S;
    match (step, state) {
        (Step::Dispatch { .. }, S::Asked | S::Dispatched | S::Claimed | S::Open) => {
            Some(Party::Dispatcher)
        }
        (Step::Reject { .. }, S::Asked) => Some(Party::Dispatcher),
        (Step::Claim, S::Dispatched) => Some(Party::Department),
        (Step::Return { .. }, S::Dispatched | S::Claimed) => Some(Party::Department),
        (Step::Return { .. }, S::Accepted) => Some(Party::Team),
        (Step::Accept { .. }, S::Claimed | S::Open) => Some(Party::Team),
        (Step::Complete { .. }, S::Accepted) => Some(Party::Team),
        (Step::Rate { .. }, S::Done) => Some(Party::Asker),
        (Step::Withdraw { .. }, S::Asked | S::Dispatched | S::Claimed | S::Open) => {
            Some(Party::Asker)
        }
        _ => None,
    }
}

fn reason(field: &'static str, label: &str, text: &str) -> Result<()> {
    required_text(field, label, text, 1000).map(|_| ())
}

/// Take `step` on `order` as someone holding `parties` (an account can be, say, both the asker
/// and the dispatcher of its own community's order). The order is unchanged on any error.
pub fn apply(
    order: &Order,
    parties: &[Party],
    step: &Step,
    now: OffsetDateTime,
    deadlines: &Deadlines,
) -> Result<Applied> {
    let Some(who) = owner(order.state, step) else {
        return Err(ServicesError::refused(
            Reason::WrongState,
            format!(
                "工单当前为“{}”，不能{} (the order is not waiting for this step)",
                order.state.zh(),
                step.zh()
            ),
        ));
    };
    if !parties.contains(&who) {
        return Err(ServicesError::refused(
            Reason::WrongParty,
            format!(
                "“{}”只能由{}办理 (only the {} may take this step)",
                step.zh(),
                who.zh(),
                who.as_str()
            ),
        ));
    }
    let mut next = order.clone();
    match step {
        Step::Dispatch {
            assignee,
            reason: r,
        } => {
            if order.state != OrderState::Asked || order.dispatched_before {
                reason("reason", "重新派单的原因", r)?;
            } else {
                optional_text("reason", "派单说明", r, 1000)?;
            }
            next.team = None;
            match assignee {
                Assignee::Department(unit) => {
                    next.state = OrderState::Dispatched;
                    next.department = Some(*unit);
                }
                Assignee::Teams => {
                    next.state = OrderState::Open;
                    next.department = None;
                }
            }
            next.dispatched_before = true;
        }
        Step::Reject { reason: r } => {
            reason("reason", "驳回理由", r)?;
            next.state = OrderState::Rejected;
        }
        Step::Claim => next.state = OrderState::Claimed,
        Step::Return { reason: r } => {
            reason("reason", "退回理由", r)?;
            next.state = match order.state {
                OrderState::Accepted if order.department.is_some() => OrderState::Claimed,
                OrderState::Accepted => OrderState::Open,
                _ => {
                    next.department = None;
                    OrderState::Asked
                }
            };
            next.team = None;
        }
        Step::Accept { team_id } => {
            next.state = OrderState::Accepted;
            next.team = Some(*team_id);
        }
        Step::Complete { report } => {
            required_text("report", "服务小结", report, 4000)?;
            next.state = OrderState::Done;
        }
        Step::Rate { stars, comment } => {
            if !(1..=5).contains(stars) {
                return Err(ServicesError::invalid(
                    "stars",
                    "评价为 1 到 5 星 (stars 1–5)",
                ));
            }
            optional_text("comment", "评价意见", comment, 1000)?;
            next.state = OrderState::Rated;
        }
        Step::Withdraw { reason: r } => {
            reason("reason", "撤回原因", r)?;
            next.state = OrderState::Withdrawn;
        }
    }
    let late = deadlines
        .due(order.state, order.since)
        .is_some_and(|due| now > due);
    next.since = now;
    Ok(Applied {
        order: next,
        from: order.state,
        late,
    })
}

/// The steps `parties` may take on `order` now (for buttons; the forms still go through
/// [`apply`]).
pub fn possible_steps(order: &Order, parties: &[Party]) -> Vec<&'static str> {
    let probes = [
        Step::Dispatch {
            assignee: Assignee::Teams,
            reason: String::new(),
        },
        Step::Reject {
            reason: String::new(),
        },
        Step::Claim,
        Step::Return {
            reason: String::new(),
        },
        Step::Accept { team_id: 0 },
        Step::Complete {
            report: String::new(),
        },
        Step::Rate {
            stars: 5,
            comment: String::new(),
        },
        Step::Withdraw {
            reason: String::new(),
        },
    ];
    probes
        .iter()
        .filter(|s| owner(order.state, s).is_some_and(|p| parties.contains(&p)))
        .map(Step::name)
        .collect()
}

/// A new order's request, as the asker types it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OrderInput {
    pub title: String,
    pub detail: String,
    pub region: String,
    /// What kind of service (科普讲座, 技术指导, 健康咨询 …).
    #[serde(default)]
    pub category: String,
    /// The day service is wanted, if any.
    #[serde(default)]
    pub wanted_on: Option<time::Date>,
}

/// A validated new order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewOrder {
    pub title: String,
    pub detail: String,
    pub region: kesu_core::RegionCode,
    pub category: String,
    pub wanted_on: Option<time::Date>,
}

impl OrderInput {
    pub fn validate(&self, today: time::Date) -> Result<NewOrder> {
        let region = kesu_core::RegionCode::parse(self.region.trim()).map_err(|e| {
            ServicesError::invalid("region", format!("区划代码无效：{e} (bad region code)"))
        })?;
        if self.wanted_on.is_some_and(|d| d < today) {
            return Err(ServicesError::invalid(
                "wanted_on",
                "期望服务日期不能早于今天 (wanted date in the past)",
            ));
        }
        Ok(NewOrder {
            title: required_text("title", "需求标题", &self.title, 60)?,
            detail: required_text("detail", "需求说明", &self.detail, 2000)?,
            region,
            category: optional_text("category", "服务类别", &self.category, 20)?,
            wanted_on: self.wanted_on,
        })
    }
}

#[cfg(test)]
mod tests;
