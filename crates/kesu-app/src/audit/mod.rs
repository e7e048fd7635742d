//! Reading the audit log and the sign-in log (审计日志): admins only, each its own region
//! subtree; rows about no region (the division table, the whole installation) only for the
//! top-level office (`kesu_core::visibility`, `Actor::can_read_audit`). The audit page, its
//! workbook and the API all read through here.

pub mod describe;

use crate::{Caller, Ctx, Error, Principal, Result};
use kesu_core::authz::Role;
use kesu_store::accounts::LoginEntry;
use kesu_store::audit::{self, AuditEntry, Filter};

/// What to look for; every field narrows (see [`kesu_store::audit::Filter`]).
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub actor: Option<String>,
    /// An action or its prefix (`report.`).
    pub action: Option<String>,
    pub object: Option<String>,
    pub from: Option<time::Date>,
    pub to: Option<time::Date>,
}

/// The region subtree the caller reads, and whether it also reads rows without a region.
async fn reach(ctx: &Ctx, caller: &Caller) -> Result<(Option<String>, bool)> {
    match &caller.principal {
        Principal::Operator => Ok((None, true)),
        Principal::Public => Err(Error::NotFound),
        Principal::User(a) if a.role != Role::Admin => Err(Error::Forbidden),
        Principal::User(a) => {
            let outside = audit::knows_regions_outside(&ctx.db, a.region.as_str()).await?;
            Ok((Some(a.region.to_string()), a.can_read_audit(None, outside)))
        }
    }
}

/// The newest `limit` rows matching `q` that the caller may read, newest first.
pub async fn search(ctx: &Ctx, caller: &Caller, q: &Query, limit: i64) -> Result<Vec<AuditEntry>> {
    let (region, unregioned) = reach(ctx, caller).await?;
    let f = Filter {
        region,
        unregioned,
        actor: q.actor.clone(),
        action: q.action.clone(),
        object: q.object.clone(),
        from: q.from,
        to: q.to,
    };
    Ok(audit::search(&ctx.db, &f, limit).await?)
}

/// One page of the rows matching `q` that the caller may read, newest first (`page` from 0),
/// and whether there are more.
pub async fn search_page(
    ctx: &Ctx,
    caller: &Caller,
    q: &Query,
    page: i64,
    per_page: i64,
) -> Result<(Vec<AuditEntry>, bool)> {
    let (region, unregioned) = reach(ctx, caller).await?;
    let f = Filter {
        region,
        unregioned,
        actor: q.actor.clone(),
        action: q.action.clone(),
        object: q.object.clone(),
        from: q.from,
        to: q.to,
    };
    let offset = page.max(0).saturating_mul(per_page);
    let mut rows = audit::search_page(&ctx.db, &f, offset, per_page + 1).await?;
    let more = rows.len() as i64 > per_page;
    rows.truncate(usize::try_from(per_page).unwrap_or(0));
    Ok((rows, more))
}

/// The actions recorded in the rows the caller may read (for the action filter).
pub async fn actions(ctx: &Ctx, caller: &Caller) -> Result<Vec<String>> {
    let (region, unregioned) = reach(ctx, caller).await?;
    Ok(audit::actions(&ctx.db, region.as_deref(), unregioned).await?)
}

/// The newest `limit` sign-in attempts on accounts of the caller's subtree (attempts on unknown
/// names belong to no region: the operator's only).
pub async fn sign_ins(ctx: &Ctx, caller: &Caller, limit: i64) -> Result<Vec<LoginEntry>> {
    match reach(ctx, caller).await? {
        (Some(region), _) => Ok(kesu_store::accounts::login_log_in(&ctx.db, &region, limit).await?),
        (None, _) => Ok(kesu_store::accounts::login_log(&ctx.db, None, limit).await?),
    }
}
