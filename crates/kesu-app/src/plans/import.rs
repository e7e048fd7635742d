//! Importing a plan at once, without a draft (`kesu plan import`): read, find its region,
//! expand collective names into every member, store it as a new plan or a new revision.

use super::expand::{self, Registry};
use super::read::Upload;
use super::region;
use crate::{Caller, Ctx, Result};
use kesu_plan::Warning;
use kesu_store::plans::{self, ImportOutcome, Source};

/// What an import did.
#[derive(Debug, Clone)]
pub struct Imported {
    pub region_code: String,
    pub region_name: Option<String>,
    pub outcome: ImportOutcome,
    /// The reader's doubts and the unit names the region's registry did not know.
    pub warnings: Vec<Warning>,
    /// How each collective name was expanded ("各县市区人民政府 → 5 个县市区").
    pub expansions: Vec<String>,
}

/// Store the plan read from `upload` for `region` (a code), else for the region its document
/// names. Every member of a collective name gets the task.
pub async fn import(
    ctx: &Ctx,
    caller: &Caller,
    upload: Upload,
    region: Option<&str>,
) -> Result<Imported> {
    super::may_upload(caller)?;
    let plan = &upload.output.plan;
    let place = region::resolve(ctx, caller, plan, region).await?;
    super::may_administer(caller, &place.code)?;
    let registry = Registry::load(&ctx.db, &place.code, place.name.clone()).await?;
    let rules = expand::reconcile(plan, &[]);
    let resolved = expand::resolve(&ctx.db, &registry, plan, &rules).await?;
    let members = expand::members(&registry, &resolved, &rules);
    let mut warnings = upload.output.warnings.clone();
    warnings.extend(place.doubt.map(|message| Warning {
        message,
        path: "region".into(),
    }));
    warnings.extend(expand::unknown_units(&registry, plan));
    let mut tx = ctx.db.begin().await?;
    let outcome = plans::import_tx(
        &mut tx,
        plan,
        &place.code,
        place.name.as_deref(),
        &Source {
            name: &upload.name,
            sha256: &upload.sha256,
        },
        &members,
        &caller.audit,
    )
    .await?;
    tx.commit().await?;
    Ok(Imported {
        region_code: place.code,
        region_name: place.name,
        outcome,
        warnings,
        expansions: resolved.into_iter().map(|r| r.summary).collect(),
    })
}
