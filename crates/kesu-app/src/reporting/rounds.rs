//! Opening, rescheduling and closing a reporting round (填报轮次): the office (an admin over the
//! plan's region) does it; every refusal of the input names its form field, so that the form
//! shows the message next to it and keeps what was typed.

use crate::{Caller, Ctx, Error, Principal, Result};
use kesu_core::authz::Role;
use kesu_core::report::Period;
use kesu_store::reporting::{self, NewRound, Round, RoundOptions};

/// What the "open a round" form sends, as typed.
#[derive(Debug, Clone, Default)]
pub struct RoundForm {
    pub plan_id: i64,
    /// 2025年第一季度, 2025Q1, …
    pub period: String,
    /// `2025-04-15`.
    pub due: String,
    pub lock: String,
    /// Ask for 县级初审.
    pub county_check: bool,
}

/// A form date (`2025-04-15`), or the refusal naming the field.
pub fn parse_date(s: &str, field: &str, label: &str) -> Result<time::Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    if s.trim().is_empty() {
        return Err(Error::invalid_field(field, format!("请填写{label}")));
    }
    time::Date::parse(s.trim(), &fmt).map_err(|_| {
        Error::invalid_field(
            field,
            format!(
                "{label}“{}”不是有效日期，应为 2025-04-15 这样的格式",
                s.trim()
            ),
        )
    })
}

/// The due and lock dates of a form, checked against each other.
fn dates(due: &str, lock: &str) -> Result<(time::Date, time::Date)> {
    let due = parse_date(due, "due", "截止日期")?;
    let lock = parse_date(lock, "lock", "锁定日期")?;
    if lock < due {
        return Err(Error::invalid_field(
            "lock",
            format!("锁定日期（{lock}）不能早于截止日期（{due}）：截止后到锁定前仍可补报"),
        ));
    }
    Ok((due, lock))
}

/// The plan `id` if the caller administers its region: out of scope is not found, an office
/// role other than admin is forbidden.
async fn administered_plan(
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
) -> Result<kesu_store::plans::PlanRow> {
    let plan = kesu_store::plans::get(&ctx.db, id)
        .await
        .map_err(|e| match e {
            kesu_store::StoreError::NotFound { .. } => Error::NotFound,
            other => other.into(),
        })?;
    let a = match &caller.principal {
        Principal::Operator => return Ok(plan),
        Principal::Public => return Err(Error::NotFound),
        Principal::User(a) => a,
    };
    // Seen as the plan pages see it: a reporter the plans of its unit's tasks.
    let seen = match (a.role, a.unit_id) {
        (Role::Reporter, Some(u)) => kesu_store::plans::of_unit(&ctx.db, u)
            .await?
            .iter()
            .any(|p| p.id == id),
        (Role::Reporter, None) => false,
        _ => super::covers(a, &plan.region_code),
    };
    if !seen {
        Err(Error::NotFound)
    } else if a.role != Role::Admin {
        Err(Error::Forbidden)
    } else {
        Ok(plan)
    }
}

/// Open a round of a plan the caller administers. Every unit with a task gets a report slot
/// and a notification.
pub async fn open_round(ctx: &Ctx, caller: &Caller, f: &RoundForm) -> Result<i64> {
    administered_plan(ctx, caller, f.plan_id).await?;
    let period = Period::parse(&f.period).map_err(|_| {
        Error::invalid_field(
            "period",
            format!(
                "无法识别填报期间“{}”：请写成 2025年第一季度、2025年上半年、2025年度，或 2025Q1、2025H1、2025",
                f.period.trim()
            ),
        )
    })?;
    let (due, lock) = dates(&f.due, &f.lock)?;
    if reporting::round_for_period(&ctx.db, f.plan_id, &period.code())
        .await?
        .is_some()
    {
        return Err(Error::invalid_field(
            "period",
            format!("该方案已有{period}的填报轮次，不能重复开启"),
        ));
    }
    let new = NewRound {
        plan_id: f.plan_id,
        period,
        due,
        lock,
        demo: false,
    };
    let opts = RoundOptions {
        county_check: f.county_check,
    };
    Ok(reporting::open_round_with(&ctx.db, &new, opts, &caller.audit).await?)
}

/// The round `id` if the caller is its office's admin.
async fn administered_round(ctx: &Ctx, caller: &Caller, id: i64) -> Result<Round> {
    let r = super::round(ctx, caller, id).await?;
    match &caller.principal {
        Principal::User(a) if !(a.role == Role::Admin && super::covers(a, &r.region_code)) => {
            Err(Error::Forbidden)
        }
        _ => Ok(r),
    }
}

/// Move a round's due and lock dates (its office's admin).
pub async fn reschedule(ctx: &Ctx, caller: &Caller, id: i64, due: &str, lock: &str) -> Result<()> {
    administered_round(ctx, caller, id).await?;
    let (due, lock) = dates(due, lock)?;
    Ok(reporting::set_round_dates(&ctx.db, id, due, lock, &caller.audit).await?)
}

/// Close a round (no unit writes in it any more) or open it again (its office's admin).
pub async fn close(ctx: &Ctx, caller: &Caller, id: i64, closed: bool) -> Result<()> {
    administered_round(ctx, caller, id).await?;
    Ok(reporting::set_round_closed(&ctx.db, id, closed, ctx.now(), &caller.audit).await?)
}

/// Where a round stands, for lists: 进行中, 已截止 (past due, still taking late reports), 已锁定,
/// 已关闭.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundState {
    Open,
    PastDue,
    Locked,
    Closed,
}

impl RoundState {
    pub fn of(r: &Round, today: time::Date) -> RoundState {
        if r.closed_at.is_some() {
            RoundState::Closed
        } else if today > r.lock_date {
            RoundState::Locked
        } else if today > r.due_date {
            RoundState::PastDue
        } else {
            RoundState::Open
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            RoundState::Open => "进行中",
            RoundState::PastDue => "已截止（可补报）",
            RoundState::Locked => "已锁定",
            RoundState::Closed => "已关闭",
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            RoundState::Open => "open",
            RoundState::PastDue => "pastdue",
            RoundState::Locked => "locked",
            RoundState::Closed => "closed",
        }
    }

    /// Whether units still write in it (open, or past due but not locked).
    pub fn takes_reports(self) -> bool {
        matches!(self, RoundState::Open | RoundState::PastDue)
    }
}
