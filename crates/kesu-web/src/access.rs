//! Loading an object together with the caller's right to it. Every handler that takes an id
//! goes through here: out of scope and missing are the same 404. The rules themselves are
//! `kesu_core::authz` and `kesu_core::visibility`, applied by the use cases of `kesu_app`; this
//! module turns the web's caller into theirs.

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use kesu_core::authz::{Action, Scope};
use kesu_core::region::RegionCode;
use kesu_store::reporting::{Round, Slot};

fn region(code: &str) -> Result<RegionCode, AppError> {
    RegionCode::parse(code).map_err(|e| AppError::Internal(e.to_string()))
}

/// The use cases' context: the database and the clock.
pub fn ctx(state: &AppState) -> kesu_app::Ctx {
    kesu_app::Ctx {
        db: state.db.clone(),
        fixed_now: *state.clock,
    }
}

/// The signed-in caller as the use cases see it, with the client address for the audit log.
pub fn app_caller(caller: &Caller, ip: Option<String>) -> kesu_app::Caller {
    kesu_app::Caller::user(caller.actor.clone(), crate::pages::audit_actor(caller, ip))
}

/// The report slot `id` if the caller may do `action` on it (`kesu_core::visibility`): a lead
/// unit's reporter reads its cooperating units' reports of the same task (to consolidate them)
/// but does not write them; peers never see each other.
pub async fn report(
    state: &AppState,
    caller: &Caller,
    id: i64,
    action: Action,
) -> Result<Slot, AppError> {
    Ok(kesu_app::reporting::open(&ctx(state), &app_caller(caller, None), id, action).await?)
}

/// The round `id` if the caller may see it: its region subtree, or for a reporter a round in
/// which it may open a report.
pub async fn round(state: &AppState, caller: &Caller, id: i64) -> Result<Round, AppError> {
    Ok(kesu_app::reporting::round(&ctx(state), &app_caller(caller, None), id).await?)
}

/// The reports among `slots` (whole tasks of a round) the caller may open.
pub fn visible(caller: &Caller, slots: Vec<Slot>) -> Vec<Slot> {
    kesu_app::reporting::visible(&app_caller(caller, None), slots)
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
