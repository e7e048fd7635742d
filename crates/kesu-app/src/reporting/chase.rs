//! 催报 by unit: for a round, one line per unit that still owes reports — how many are overdue
//! and how many are not handed in at all, which tasks, and whom to call (the unit registry's
//! contact). Before the due date it lists what is still open, so that an office can chase
//! early; after it, the overdue first.

use crate::{Caller, Ctx, Error, Principal, Result};
use kesu_core::authz::Role;
use kesu_core::report as rules;
use kesu_store::reporting::Round;
use std::collections::BTreeMap;

/// A unit that still owes reports in a round.
#[derive(Debug, Clone)]
pub struct UnitChase {
    pub unit_id: i64,
    pub unit_name: String,
    pub region_code: String,
    /// 逾期项数: not handed in and past the due date.
    pub overdue: usize,
    /// 未报项数: not handed in (overdue or not).
    pub not_reported: usize,
    /// Of those, returned and waiting to be fixed.
    pub returned: usize,
    /// The tasks not handed in (`二.(一).1 标题`), and their reports.
    pub tasks: Vec<(i64, String)>,
    pub contact_person: Option<String>,
    pub contact_phone: Option<String>,
}

/// The chase list of round `round_id`: office accounts that see the round (a county office its
/// county's units), the units in the order to call them (most overdue first).
pub async fn by_unit(ctx: &Ctx, caller: &Caller, round_id: i64) -> Result<(Round, Vec<UnitChase>)> {
    let round = super::round(ctx, caller, round_id).await?;
    if let Principal::User(a) = &caller.principal
        && a.role == Role::Reporter
    {
        return Err(Error::Forbidden);
    }
    let today = ctx.today();
    let mut units: BTreeMap<i64, UnitChase> = BTreeMap::new();
    for s in super::round_slots(ctx, caller, &round).await? {
        let st = s.state();
        if st.handed_in() {
            continue;
        }
        let u = units.entry(s.unit_id).or_insert_with(|| UnitChase {
            unit_id: s.unit_id,
            unit_name: s.unit_name.clone(),
            region_code: s.region_code.clone(),
            overdue: 0,
            not_reported: 0,
            returned: 0,
            tasks: Vec::new(),
            contact_person: None,
            contact_phone: None,
        });
        u.not_reported += 1;
        if rules::is_late(st, s.submitted_on(), today, round.due_date) {
            u.overdue += 1;
        }
        if st == rules::ReportState::Returned {
            u.returned += 1;
        }
        u.tasks
            .push((s.id, format!("{} {}", s.task_path, s.task_title)));
    }
    let ids: Vec<i64> = units.keys().copied().collect();
    for unit in kesu_store::units::by_ids(&ctx.db, &ids).await? {
        if let Some(u) = units.get_mut(&unit.id) {
            u.contact_person = unit.contact_person;
            u.contact_phone = unit.contact_phone;
        }
    }
    let mut out: Vec<UnitChase> = units.into_values().collect();
    out.sort_by(|a, b| {
        (b.overdue, b.not_reported, &a.region_code, &a.unit_name).cmp(&(
            a.overdue,
            a.not_reported,
            &b.region_code,
            &b.unit_name,
        ))
    });
    Ok((round, out))
}

/// Set a unit's contact for chasing (an admin over the unit's region).
pub async fn set_contact(
    ctx: &Ctx,
    caller: &Caller,
    unit_id: i64,
    person: &str,
    phone: &str,
) -> Result<()> {
    let unit = kesu_store::units::get(&ctx.db, unit_id)
        .await
        .map_err(|e| match e {
            kesu_store::StoreError::NotFound { .. } => Error::NotFound,
            other => other.into(),
        })?;
    if let Principal::User(a) = &caller.principal {
        let seen = match a.role {
            Role::Reporter => a.unit_id == Some(unit_id),
            _ => super::covers(a, &unit.region_code),
        };
        if !seen {
            return Err(Error::NotFound);
        }
        if a.role != Role::Admin {
            return Err(Error::Forbidden);
        }
    } else if caller.principal == Principal::Public {
        return Err(Error::NotFound);
    }
    if phone
        .trim()
        .chars()
        .any(|c| !(c.is_ascii_digit() || "-+ ()转".contains(c)))
    {
        return Err(Error::invalid_field(
            "phone",
            "联系电话只能包含数字、空格和“-”“+”“()”“转”，如 0738-8312345 或 0738-8312345转801",
        ));
    }
    Ok(
        kesu_store::units::set_contact(&ctx.db, unit_id, Some(person), Some(phone), &caller.audit)
            .await?,
    )
}
