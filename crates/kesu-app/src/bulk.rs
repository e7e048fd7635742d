//! Bulk entry (批量填报): a unit's reporter uploads the round's template, filled offline; each
//! row saves or submits one of the unit's reports. The file is read at the edge into
//! [`ReportEdit`]s; here the edits are checked against the reports as they stand
//! (`kesu_core::bulk::check`: all or nothing, every problem named) and applied in one
//! transaction.

use crate::{Caller, Ctx, Error, Result};
use kesu_core::authz::Role;
use kesu_core::bulk::{self, ReportEdit, ReportNow};
use kesu_core::report::Transition;
use kesu_store::reporting::{self, ReportChange};
use std::collections::BTreeMap;

/// What an upload changed (or, checked only, would change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Done {
    /// Reports saved or submitted.
    pub changed: usize,
    /// Of those, submitted.
    pub submitted: usize,
}

/// The unit whose reports the caller enters in bulk: a reporter's own; anyone else 403 (an
/// office reviews reports, it does not write them). Checked before the file is read.
pub fn may_bulk_enter(caller: &Caller) -> Result<i64> {
    caller
        .actor()
        .filter(|a| a.role == Role::Reporter)
        .and_then(|a| a.unit_id)
        .ok_or(Error::Forbidden)
}

/// Check `edits` against the caller's unit's reports in round `round_id` and, unless
/// `dry_run`, apply them in one transaction. A file with any problem changes nothing: the
/// error lists every problem.
pub async fn bulk_entry(
    ctx: &Ctx,
    caller: &Caller,
    round_id: i64,
    edits: BTreeMap<i64, ReportEdit>,
    dry_run: bool,
) -> Result<Done> {
    let unit = may_bulk_enter(caller)?;
    let round = crate::reporting::round(ctx, caller, round_id).await?;
    let mut reports = BTreeMap::new();
    for s in reporting::slots_of_unit(&ctx.db, unit, Some(round.id)).await? {
        if !edits.contains_key(&s.id) {
            continue;
        }
        let (content, _) = reporting::content(&ctx.db, s.id).await?;
        let targets = reporting::values(&ctx.db, s.id)
            .await?
            .iter()
            .map(|v| v.target_id)
            .collect();
        reports.insert(
            s.id,
            ReportNow {
                version: s.version,
                state: s.state(),
                exception: s.exception,
                content,
                targets,
            },
        );
    }
    let changes = bulk::check(edits, &reports, ctx.today(), round.dates())
        .map_err(|p| Error::invalid(bulk::refusal(&p)))?;
    let done = Done {
        changed: changes.len(),
        submitted: changes
            .iter()
            .filter(|c| c.transition == Transition::Submit)
            .count(),
    };
    if !dry_run {
        let changes: Vec<(i64, Transition, ReportChange)> = changes
            .into_iter()
            .map(|c| {
                (
                    c.report,
                    c.transition,
                    ReportChange {
                        expected_version: c.edit.version,
                        content: c.edit.content,
                        values: c.edit.values,
                        reason: None,
                    },
                )
            })
            .collect();
        reporting::change_many(&ctx.db, &changes, ctx.now(), &caller.audit).await?;
    }
    Ok(done)
}
