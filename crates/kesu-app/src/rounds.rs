//! Opening a reporting round (开启填报轮次): an admin over a plan's region asks every unit
//! assigned to the plan's tasks for a report for one period.

use crate::{Caller, Ctx, Error, Principal, Result};
use kesu_core::authz::{Action, Scope};
use kesu_core::region::RegionCode;
use kesu_core::report::{Period, RoundDates};
use kesu_store::reporting::{self, NewRound, Round};
use time::Date;

/// A round to open, as the user typed it: the period and dates are checked only once the
/// caller's right to the plan is (so that a stranger learns nothing from a 422).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenRound {
    pub plan_id: i64,
    /// `2025Q1`, `2025年第一季度`, `2025H1`, `2025` … (`Period::parse`).
    pub period: String,
    /// 截止日期, `2025-04-15`.
    pub due: String,
    /// 锁定日期, not before the due date.
    pub lock: String,
}

/// A day as typed in a form or a request (`2025-04-15`); `what` names it in the message.
fn day(s: &str, field: &str, what: &str) -> Result<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &fmt).map_err(|_| {
        Error::invalid_field(
            field,
            format!("{what}“{s}”不是有效日期，应为 2025-04-15 (bad date)"),
        )
    })
}

/// Open a round of plan `r.plan_id` (seen by the caller, else 404) for an admin over the plan's
/// region (else 403): one report per task and assigned unit, whose users are notified. Refused
/// (422) when the lock date is before the due date or the plan has a round for the period.
pub async fn open(ctx: &Ctx, caller: &Caller, r: &OpenRound) -> Result<Round> {
    let plan = crate::plans::plan(ctx, caller, r.plan_id).await?;
    if let Principal::User(a) = &caller.principal {
        let region =
            RegionCode::parse(&plan.region_code).map_err(|e| Error::Internal(e.to_string()))?;
        let scope = Scope {
            region: &region,
            units: &[],
        };
        if !a.may(Action::Administer, &scope) {
            return Err(Error::Forbidden);
        }
    }
    let period =
        Period::parse(&r.period).map_err(|e| Error::invalid_field("period", e.to_string()))?;
    let due = day(&r.due, "due", "截止日期")?;
    let lock = day(&r.lock, "lock", "锁定日期")?;
    let dates =
        RoundDates::new(due, lock).map_err(|e| Error::invalid_field("lock", e.to_string()))?;
    let new = NewRound {
        plan_id: plan.id,
        period,
        due: dates.due,
        lock: dates.lock,
        demo: false,
    };
    let id = reporting::open_round(&ctx.db, &new, &caller.audit).await?;
    Ok(reporting::round(&ctx.db, id).await?)
}
