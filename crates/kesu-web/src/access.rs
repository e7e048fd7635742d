//! Loading an object together with the caller's right to it. Every handler that takes an id
//! goes through here: out of scope and missing are the same 404.

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use kesu_core::authz::{Action, Role, Scope};
use kesu_core::region::RegionCode;
use kesu_store::reporting::{self, Round, Slot};

fn region(code: &str) -> Result<RegionCode, AppError> {
    RegionCode::parse(code).map_err(|e| AppError::Internal(e.to_string()))
}

/// The report slot `id` if the caller may do `action` on it. A lead unit's reporter may read its
/// cooperating units' reports of the same task (to consolidate them), not write them.
pub async fn report(
    state: &AppState,
    caller: &Caller,
    id: i64,
    action: Action,
) -> Result<Slot, AppError> {
    let slot = match reporting::slot(&state.db, id).await {
        Ok(s) => s,
        Err(kesu_store::StoreError::NotFound { .. }) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let code = region(&slot.region_code)?;
    let own = [slot.unit_id];
    let mut readers = vec![slot.unit_id];
    if slot.role != "lead" {
        readers.extend(reporting::lead_units(&state.db, slot.round_id, slot.task_id).await?);
    }
    let readable = caller.actor.can_see(&Scope {
        region: &code,
        units: &readers,
    });
    if !readable {
        return Err(AppError::NotFound);
    }
    let units: &[i64] = if action == Action::Read {
        &readers
    } else {
        &own
    };
    if !caller.actor.may(
        action,
        &Scope {
            region: &code,
            units,
        },
    ) {
        return Err(AppError::Forbidden);
    }
    Ok(slot)
}

/// The round `id` if the caller may see it: its region subtree, or for a reporter a round in
/// which its unit has a slot.
pub async fn round(state: &AppState, caller: &Caller, id: i64) -> Result<Round, AppError> {
    let round = match reporting::round(&state.db, id).await {
        Ok(r) => r,
        Err(kesu_store::StoreError::NotFound { .. }) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let visible = match (caller.actor.role, caller.actor.unit_id) {
        (Role::Reporter, Some(unit)) => reporting::slots_of_unit(&state.db, unit, Some(id))
            .await
            .map(|s| !s.is_empty())?,
        (Role::Reporter, None) => false,
        _ => caller.actor.covers(&region(&round.region_code)?),
    };
    if visible {
        Ok(round)
    } else {
        Err(AppError::NotFound)
    }
}

/// Whether the caller administers (admin role, in scope) an object of `region_code`.
pub fn administers(caller: &Caller, region_code: &str) -> Result<bool, AppError> {
    let code = region(region_code)?;
    Ok(caller.actor.may(
        Action::Administer,
        &Scope {
            region: &code,
            units: &[],
        },
    ))
}

/// Whether the caller may review in `region_code`.
pub fn reviews(caller: &Caller, region_code: &str) -> Result<bool, AppError> {
    let code = region(region_code)?;
    Ok(caller.actor.may(
        Action::Review,
        &Scope {
            region: &code,
            units: &[],
        },
    ))
}
