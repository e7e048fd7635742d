//! Reports (进展填报): opening one with the caller's right to it, the lists of reports a caller
//! may see, and every change of a report (save, submit, review, unlock, exception, evidence).
//!
//! Every list of reports goes through [`visible`], which applies `kesu_core::visibility` — the
//! same rule as opening one report ([`open`]) — so that a list, a sibling list, a matrix or an
//! export never shows a report its reader could not open.

use crate::{Caller, Ctx, Error, Principal, Result};
use kesu_core::authz::{Action, Actor, Role};
use kesu_core::region::RegionCode;
use kesu_core::report::{self as rules, Step, Transition};
use kesu_core::visibility::{self, Denied, ReportKey, ReportScope, RoundScope, TaskRole};
use kesu_store::StoreError;
use kesu_store::reporting::{
    self, Attachment, NewAttachment, ReportChange, ReportEvent, Round, Slot, TargetValue,
};

pub mod chase;
pub mod entry;
pub mod rounds;
pub mod worklist;

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

/// What the rules see of a report and its round: the scope of `kesu_core::visibility`.
struct Seen {
    region: RegionCode,
    role: TaskRole,
    leads: Vec<i64>,
    round_region: RegionCode,
    county_check: bool,
}

impl Seen {
    async fn of(ctx: &Ctx, slot: &Slot) -> Result<Seen> {
        let region = RegionCode::parse(&slot.region_code).map_err(|_| Error::NotFound)?;
        let role = TaskRole::parse(&slot.role);
        let leads = match role {
            TaskRole::Lead => Vec::new(),
            _ => reporting::lead_units(&ctx.db, slot.round_id, slot.task_id).await?,
        };
        let round = reporting::round(&ctx.db, slot.round_id).await?;
        let round_region = RegionCode::parse(&round.region_code).map_err(|_| Error::NotFound)?;
        Ok(Seen {
            region,
            role,
            leads,
            round_region,
            county_check: round.county_check,
        })
    }

    fn report(&self, slot: &Slot) -> ReportScope<'_> {
        ReportScope {
            region: &self.region,
            unit: slot.unit_id,
            role: self.role,
            lead_units: &self.leads,
        }
    }

    fn round(&self) -> RoundScope<'_> {
        RoundScope {
            region: &self.round_region,
            county_check: self.county_check,
        }
    }
}

fn denied(d: Denied) -> Error {
    match d {
        Denied::NotFound => Error::NotFound,
        Denied::Forbidden => Error::Forbidden,
    }
}

/// The scope and role check of [`open`] on a slot already read.
async fn check(ctx: &Ctx, caller: &Caller, slot: &Slot, action: Action) -> Result<()> {
    let actor = match &caller.principal {
        Principal::Operator => return Ok(()),
        Principal::Public => return Err(Error::NotFound),
        Principal::User(a) => a,
    };
    let seen = Seen::of(ctx, slot).await?;
    actor
        .check_report(action, &seen.report(slot), &seen.round())
        .map_err(denied)
}

/// The caller's part in reviewing report `slot` (`kesu_core::visibility`), or why it has none:
/// the round's office reviews (directly, or after the county check), the county office checks
/// first where the round asks for 县级初审.
pub async fn review_step(ctx: &Ctx, caller: &Caller, slot: &Slot) -> Result<Step> {
    let actor = match &caller.principal {
        Principal::Operator => return Ok(Step::Direct),
        Principal::Public => return Err(Error::NotFound),
        Principal::User(a) => a,
    };
    let seen = Seen::of(ctx, slot).await?;
    actor
        .check_report(Action::Review, &seen.report(slot), &seen.round())
        .map_err(denied)?;
    actor
        .review_step(&seen.report(slot), &seen.round())
        .ok_or(Error::Forbidden)
}

/// Round `id` if the caller may see it: an office account over its region or over a unit
/// reporting in it (a county office follows its county in a city round: 本区填报情况), or an
/// account that may open at least one of its reports.
pub async fn round(ctx: &Ctx, caller: &Caller, id: i64) -> Result<Round> {
    let r = reporting::round(&ctx.db, id).await.map_err(not_found_or)?;
    let seen = match &caller.principal {
        Principal::Operator => true,
        Principal::Public => false,
        Principal::User(a) if a.role != Role::Reporter && covers(a, &r.region_code) => true,
        Principal::User(_) => !round_slots(ctx, caller, &r).await?.is_empty(),
    };
    if seen { Ok(r) } else { Err(Error::NotFound) }
}

/// Whether the actor's region contains region `code` (a stored code that does not parse is
/// covered by no one).
pub fn covers(a: &Actor, code: &str) -> bool {
    RegionCode::parse(code)
        .map(|c| a.covers(&c))
        .unwrap_or(false)
}

/// Whether the caller belongs to the office of round `r` (its region, or above): the office
/// that reviews its reports and administers it. A county office following a city round is not.
pub fn is_round_office(caller: &Caller, r: &Round) -> bool {
    match &caller.principal {
        Principal::Operator => true,
        Principal::Public => false,
        Principal::User(a) => a.role != Role::Reporter && covers(a, &r.region_code),
    }
}

/// The late and returned reports of round `r` among those the caller may open: the same
/// query as the annual report's list (`kesu_store::reporting::discipline`).
pub async fn late_in_round(
    ctx: &Ctx,
    caller: &Caller,
    r: &Round,
) -> Result<Vec<reporting::LateOrReturned>> {
    let seen: std::collections::BTreeSet<i64> = round_slots(ctx, caller, r)
        .await?
        .iter()
        .map(|s| s.id)
        .collect();
    let scope = reporting::discipline::Scope {
        region: "",
        round: Some(r.id),
        year: None,
    };
    Ok(
        reporting::discipline::late_or_returned(&ctx.db, &scope, ctx.today())
            .await?
            .into_iter()
            .filter(|l| seen.contains(&l.report_id))
            .collect(),
    )
}

/// The reports of a round the caller may open.
pub async fn round_slots(ctx: &Ctx, caller: &Caller, round: &Round) -> Result<Vec<Slot>> {
    Ok(visible(caller, reporting::slots(&ctx.db, round.id).await?))
}

/// The rounds the caller may see, newest period first (then the latest opened): an office's
/// rounds in its subtree and the rounds above involving it, a unit's rounds with its reports.
pub async fn rounds(ctx: &Ctx, caller: &Caller) -> Result<Vec<Round>> {
    let mut list = rounds_unsorted(ctx, caller).await?;
    list.sort_by_key(|r| {
        let end = rules::Period::parse(&r.period)
            .map(|p| p.dates().1)
            .unwrap_or(time::Date::MIN);
        std::cmp::Reverse((end, r.opened_at, r.id))
    });
    Ok(list)
}

async fn rounds_unsorted(ctx: &Ctx, caller: &Caller) -> Result<Vec<Round>> {
    Ok(match &caller.principal {
        Principal::Operator => reporting::rounds_in(&ctx.db, "").await?,
        Principal::Public => Vec::new(),
        Principal::User(a) => match (a.role, a.unit_id) {
            (Role::Reporter, Some(u)) => reporting::rounds_of_unit(&ctx.db, u).await?,
            (Role::Reporter, None) => Vec::new(),
            _ => reporting::rounds_involving(&ctx.db, a.region.as_str()).await?,
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
    /// What to enter in each target's box, by target id (`entry::hint`).
    pub hints: Vec<(i64, entry::EntryHint)>,
    /// The caller's part in reviewing it, if any (`kesu_core::visibility`).
    pub review: Option<Step>,
    /// Whether the report goes through 县级初审 in its round.
    pub county_check: bool,
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
    let period = kesu_core::report::Period::parse(&round.period)
        .map(|p| p.to_string())
        .unwrap_or_else(|_| round.period.clone());
    let hints = kesu_store::indicators::plan_targets(&ctx.db, round.plan_id)
        .await?
        .into_iter()
        .filter(|t| t.task_id == Some(slot.task_id))
        .map(|t| (t.target_id, entry::hint(&t.target, &period)))
        .collect();
    Ok(ReportView {
        hints,
        review: review_step(ctx, caller, &slot).await.ok(),
        county_check: round.checks(&slot),
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
        Transition::Return | Transition::Accept | Transition::Forward => Action::Review,
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
    if t == Transition::Return && ch.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(Error::invalid_field(
            "reason",
            "退回必须填写原因，告诉填报单位要改什么 (a return needs a reason)",
        ));
    }
    let by_county = match t {
        Transition::Return | Transition::Accept | Transition::Forward => {
            let step = review_step(ctx, caller, &slot).await?;
            // The county checks and passes up; only the round's office accepts.
            let fits = match t {
                Transition::Forward => step == Step::County,
                Transition::Accept => step != Step::County,
                _ => true,
            };
            if !fits {
                return Err(Error::Forbidden);
            }
            step == Step::County
        }
        _ => false,
    };
    if t != Transition::Accept || TaskRole::parse(&slot.role) != TaskRole::Lead {
        return Ok(
            reporting::change_as(&ctx.db, id, t, ch, by_county, ctx.now(), &caller.audit).await?,
        );
    }
    let mut inputs = Vec::new();
    for s in reporting::sibling_slots(&ctx.db, &slot).await? {
        if s.state().pending_review() && check(ctx, caller, &s, Action::Review).await.is_ok() {
            inputs.push(s.id);
        }
    }
    let (v, _) =
        reporting::accept_with_inputs(&ctx.db, id, ch, &inputs, ctx.now(), &caller.audit).await?;
    Ok(v)
}

/// Save what the report form holds (text and values as typed), add or remove one evidence file
/// (its bytes already stored by hash) and submit if asked, in one transaction: nothing typed
/// is lost to an upload. Returns the report's new version and the attachment added.
pub async fn write(
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    w: &reporting::FormWrite,
) -> Result<(i64, Option<i64>)> {
    open(ctx, caller, id, Action::Report).await?;
    Ok(reporting::write_form(&ctx.db, id, w, ctx.now(), &caller.audit).await?)
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
