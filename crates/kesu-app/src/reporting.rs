//! Reports (进展填报): opening one with the caller's right to it, the lists of reports a caller
//! may see, and every change of a report (save, submit, review, unlock, exception, evidence).
//!
//! Every list of reports goes through [`visible`], which applies `kesu_core::visibility` — the
//! same rule as opening one report ([`open`]) — so that a list, a sibling list, a matrix or an
//! export never shows a report its reader could not open.

use crate::{Caller, Ctx, Error, Principal, Result};
use kesu_core::authz::{Action, Role};
use kesu_core::region::RegionCode;
use kesu_core::report::{self as rules, ReportState, Transition};
use kesu_core::visibility::{self, Denied, ReportKey, ReportScope, TaskRole};
use kesu_store::StoreError;
use kesu_store::reporting::{
    self, Attachment, NewAttachment, ReportChange, ReportEvent, Round, Slot, TargetValue,
};

fn not_found_or(e: StoreError) -> Error {
    match e {
        StoreError::NotFound { .. } => Error::NotFound,
        other => other.into(),
    }
}

fn key(s: &Slot) -> Option<ReportKey> {
    Some(ReportKey {
        round: s.round_id,
        task: s.task_id,
        unit: s.unit_id,
        role: TaskRole::parse(&s.role),
        region: RegionCode::parse(&s.region_code).ok()?,
    })
}

/// The reports among `slots` the caller may open, in order. `slots` must be whole tasks of a
/// round (a round's slots, or one task's), so that the lead units are known.
pub fn visible(caller: &Caller, slots: Vec<Slot>) -> Vec<Slot> {
    let actor = match &caller.principal {
        Principal::Operator => return slots,
        Principal::Public => return Vec::new(),
        Principal::User(a) => a,
    };
    // A slot whose stored region is not a code is shown to no one (it cannot be placed).
    let (keys, slots): (Vec<ReportKey>, Vec<Slot>) = slots
        .into_iter()
        .filter_map(|s| key(&s).map(|k| (k, s)))
        .unzip();
    visibility::visible(actor, &keys)
        .into_iter()
        .zip(slots)
        .filter_map(|(shown, s)| shown.then_some(s))
        .collect()
}

/// Report `id` if the caller may do `action` on it: out of scope is [`Error::NotFound`]
/// (exactly like a missing report), in scope with the wrong role [`Error::Forbidden`].
pub async fn open(ctx: &Ctx, caller: &Caller, id: i64, action: Action) -> Result<Slot> {
    let slot = reporting::slot(&ctx.db, id).await.map_err(not_found_or)?;
    check(ctx, caller, &slot, action).await?;
    Ok(slot)
}

/// The scope and role check of [`open`] on a slot already read.
async fn check(ctx: &Ctx, caller: &Caller, slot: &Slot, action: Action) -> Result<()> {
    let actor = match &caller.principal {
        Principal::Operator => return Ok(()),
        Principal::Public => return Err(Error::NotFound),
        Principal::User(a) => a,
    };
    let region = RegionCode::parse(&slot.region_code).map_err(|_| Error::NotFound)?;
    let role = TaskRole::parse(&slot.role);
    let leads = match role {
        TaskRole::Lead => Vec::new(),
        _ => reporting::lead_units(&ctx.db, slot.round_id, slot.task_id).await?,
    };
    actor
        .check_report(
            action,
            &ReportScope {
                region: &region,
                unit: slot.unit_id,
                role,
                lead_units: &leads,
            },
        )
        .map_err(|d| match d {
            Denied::NotFound => Error::NotFound,
            Denied::Forbidden => Error::Forbidden,
        })
}

/// Round `id` if the caller may see it: an office account over its region, or an account that
/// may open at least one of its reports.
pub async fn round(ctx: &Ctx, caller: &Caller, id: i64) -> Result<Round> {
    let r = reporting::round(&ctx.db, id).await.map_err(not_found_or)?;
    let seen = match &caller.principal {
        Principal::Operator => true,
        Principal::Public => false,
        Principal::User(a) if a.role != Role::Reporter => RegionCode::parse(&r.region_code)
            .map(|c| a.covers(&c))
            .unwrap_or(false),
        Principal::User(_) => !round_slots(ctx, caller, &r).await?.is_empty(),
    };
    if seen { Ok(r) } else { Err(Error::NotFound) }
}

/// The reports of a round the caller may open.
pub async fn round_slots(ctx: &Ctx, caller: &Caller, round: &Round) -> Result<Vec<Slot>> {
    Ok(visible(caller, reporting::slots(&ctx.db, round.id).await?))
}

/// The rounds the caller may see, newest first: an office's rounds in its subtree, a unit's
/// rounds with its reports.
pub async fn rounds(ctx: &Ctx, caller: &Caller) -> Result<Vec<Round>> {
    Ok(match &caller.principal {
        Principal::Operator => reporting::rounds_in(&ctx.db, "").await?,
        Principal::Public => Vec::new(),
        Principal::User(a) => match (a.role, a.unit_id) {
            (Role::Reporter, Some(u)) => reporting::rounds_of_unit(&ctx.db, u).await?,
            (Role::Reporter, None) => Vec::new(),
            _ => reporting::rounds_in(&ctx.db, a.region.as_str()).await?,
        },
    })
}

/// Another unit's report on the same task, as the report page lists it.
#[derive(Debug, Clone)]
pub struct Sibling {
    pub slot: Slot,
    /// What the unit wrote, once handed in.
    pub content: Option<String>,
}

/// A report with everything its page shows.
#[derive(Debug, Clone)]
pub struct ReportView {
    pub slot: Slot,
    pub round: Round,
    pub content: String,
    pub return_reason: Option<String>,
    pub values: Vec<TargetValue>,
    /// The other reports of the task that the caller may open (for a lead unit: its
    /// cooperating units' input; for a peer: none).
    pub siblings: Vec<Sibling>,
    pub attachments: Vec<Attachment>,
    pub history: Vec<ReportEvent>,
}

/// Report `id` as its page and the API show it, if the caller may open it.
pub async fn view(ctx: &Ctx, caller: &Caller, id: i64) -> Result<ReportView> {
    let slot = open(ctx, caller, id, Action::Read).await?;
    let round = reporting::round(&ctx.db, slot.round_id).await?;
    let (content, return_reason) = reporting::content(&ctx.db, id).await?;
    let mut task = reporting::sibling_slots(&ctx.db, &slot).await?;
    task.push(slot.clone());
    let mut siblings = Vec::new();
    for s in visible(caller, task).into_iter().filter(|s| s.id != id) {
        let (c, _) = reporting::content(&ctx.db, s.id).await?;
        siblings.push(Sibling {
            content: (s.state().handed_in() && !c.is_empty()).then_some(c),
            slot: s,
        });
    }
    Ok(ReportView {
        values: reporting::values(&ctx.db, id).await?,
        attachments: reporting::attachments(&ctx.db, id).await?,
        history: reporting::history(&ctx.db, id).await?,
        slot,
        round,
        content,
        return_reason,
        siblings,
    })
}

/// What a transition asks of the caller's right to the report.
fn action_of(t: Transition) -> Action {
    match t {
        Transition::Save | Transition::Submit => Action::Report,
        Transition::Return | Transition::Accept => Action::Review,
        Transition::Unlock => Action::Administer,
    }
}

/// Apply a transition to report `id` for the caller; returns the new version. Accepting a lead
/// unit's report also accepts its cooperating units' submitted input — each through the same
/// transition (history row, audit row, notification) and only where the caller may review it
/// (another county's input stays submitted for its own office).
pub async fn change(
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    t: Transition,
    ch: &ReportChange,
) -> Result<i64> {
    let slot = open(ctx, caller, id, action_of(t)).await?;
    if t != Transition::Accept || TaskRole::parse(&slot.role) != TaskRole::Lead {
        return Ok(reporting::change(&ctx.db, id, t, ch, ctx.now(), &caller.audit).await?);
    }
    let mut inputs = Vec::new();
    for s in reporting::sibling_slots(&ctx.db, &slot).await? {
        if s.state() == ReportState::Submitted
            && check(ctx, caller, &s, Action::Review).await.is_ok()
        {
            inputs.push(s.id);
        }
    }
    let (v, _) =
        reporting::accept_with_inputs(&ctx.db, id, ch, &inputs, ctx.now(), &caller.audit).await?;
    Ok(v)
}

/// Let report `id`'s unit submit after the lock date (an admin over it).
pub async fn grant_exception(ctx: &Ctx, caller: &Caller, id: i64) -> Result<()> {
    open(ctx, caller, id, Action::Administer).await?;
    Ok(reporting::grant_exception(&ctx.db, id, &caller.audit).await?)
}

/// Attach an evidence file (its bytes already stored by hash) to report `id`, whose version the
/// caller saw as `version`. Returns the attachment's id and the report's new version.
pub async fn attach(
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    version: i64,
    file: &NewAttachment,
) -> Result<(i64, i64)> {
    open(ctx, caller, id, Action::Report).await?;
    Ok(reporting::add_attachment(&ctx.db, id, version, file, ctx.now(), &caller.audit).await?)
}

/// Remove evidence file `attachment_id` from its report, whose version the caller saw as
/// `version`. Returns the report's id and new version.
pub async fn detach(
    ctx: &Ctx,
    caller: &Caller,
    attachment_id: i64,
    version: i64,
) -> Result<(i64, i64)> {
    let a = reporting::attachment(&ctx.db, attachment_id)
        .await
        .map_err(not_found_or)?;
    open(ctx, caller, a.report_id, Action::Report).await?;
    let v = reporting::remove_attachment(
        &ctx.db,
        a.report_id,
        attachment_id,
        version,
        ctx.now(),
        &caller.audit,
    )
    .await?;
    Ok((a.report_id, v))
}

/// Evidence file `id` if the caller may open its report.
pub async fn attachment(ctx: &Ctx, caller: &Caller, id: i64) -> Result<Attachment> {
    let a = reporting::attachment(&ctx.db, id)
        .await
        .map_err(not_found_or)?;
    open(ctx, caller, a.report_id, Action::Read).await?;
    Ok(a)
}

/// A report of the caller's unit due soon and not yet handed in (站内提醒), computed when read.
#[derive(Debug, Clone)]
pub struct DueSoon {
    pub slot: Slot,
    pub round_title: String,
    pub due: time::Date,
}

/// The caller's reports due within [`rules::WARN_DAYS`] days and still open: the reminders the
/// notification page shows. Computed on every read and never stored (a read never writes); the
/// stored reminders come from [`send_due_soon_reminders`].
pub async fn due_soon(ctx: &Ctx, caller: &Caller) -> Result<Vec<DueSoon>> {
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
        if rules::due_soon(s.state(), today, r.due_date) {
            out.push(DueSoon {
                round_title: r.title.clone(),
                due: r.due_date,
                slot: s,
            });
        }
    }
    Ok(out)
}

/// Store the "due soon" reminders of every open report as notifications, once per round and
/// account. The entry point for a scheduler (once a day); no page calls it.
pub async fn send_due_soon_reminders(ctx: &Ctx) -> Result<u64> {
    Ok(reporting::remind_due_soon(&ctx.db, ctx.today(), rules::WARN_DAYS).await?)
}
