//! Plan drafts (方案草稿): an uploaded plan read into a draft, checked and corrected by the
//! office, then confirmed as a new plan or a new revision of the region's plan of the same
//! title (its changes shown first; tasks keep their ids by path, so reports stay attached).
//!
//! Each function loads the draft through [`open`] (scope: 404 out of it, 403 for an office
//! role that is not admin), applies a pure edit of [`super::edit`], and writes it with the
//! version the caller saw: a stale tab gets 409. Every change is audited with what changed
//! (`kesu_core::plan_diff`).

use super::edit::{self, PlanInfo, State, TaskInput};
use super::expand::{self, Registry, Resolved};
use super::read::Upload;
use super::region;
use crate::{Caller, Ctx, Error, Result};
use kesu_core::Plan;
use kesu_core::plan_diff::{self, Change};
use kesu_plan::Warning;
use kesu_store::plan_drafts::{self, Draft, Listed};
use kesu_store::plans::{ImportOutcome, Source};
use serde::Serialize;
use serde_json::{Value, json};

/// A draft as the office sees it.
#[derive(Debug, Clone, Serialize)]
pub struct View {
    pub id: i64,
    pub version: i64,
    /// `open` or `confirmed`.
    pub status: String,
    pub region_code: String,
    pub region_name: Option<String>,
    pub source_name: String,
    pub plan: Plan,
    /// The document's text, one paragraph a line.
    pub source: String,
    /// Each task's place in `source` (byte offsets), in task order.
    pub spans: Vec<Option<[usize; 2]>>,
    /// 存疑之处, first the reader's, then the units the registry does not know.
    pub warnings: Vec<Warning>,
    /// Collective names and their members.
    pub expansions: Vec<Resolved>,
    /// The stored plan this draft would revise, with the changes it would make.
    pub revises: Option<Revises>,
    /// Once confirmed: the plan and its revision.
    pub plan_id: Option<i64>,
    pub revision: Option<i64>,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: time::OffsetDateTime,
}

/// The region's stored plan of the same title, and what confirming would change in it.
#[derive(Debug, Clone, Serialize)]
pub struct Revises {
    pub plan_id: i64,
    pub revision: i64,
    pub changes: Vec<Change>,
}

/// What confirming did.
#[derive(Debug, Clone, Serialize)]
pub struct Confirmed {
    pub plan_id: i64,
    pub revision: i64,
    pub outcome: ImportOutcome,
}

/// The draft `id` if the caller may work on it.
async fn open(ctx: &Ctx, caller: &Caller, id: i64) -> Result<Draft> {
    let d = plan_drafts::get(&ctx.db, id).await?;
    super::may_administer(caller, &d.region_code)?;
    Ok(d)
}

fn decode(d: &Draft) -> Result<(Plan, State)> {
    let plan = serde_json::from_value(d.plan_json.clone())
        .map_err(|e| Error::Internal(format!("plan_draft {}: plan: {e}", d.id)))?;
    let state = serde_json::from_value(d.state_json.clone())
        .map_err(|e| Error::Internal(format!("plan_draft {}: state: {e}", d.id)))?;
    Ok((plan, state))
}

fn to_value(state: &State) -> Result<Value> {
    serde_json::to_value(state).map_err(|e| Error::Internal(format!("draft state: {e}")))
}

fn conflict(message: &str) -> Error {
    Error::Conflict(format!("{message}，请刷新页面后再操作 (stale draft)"))
}

/// The version an edit is made against: the caller's, which must be the current one.
fn expect(d: &Draft, version: Option<i64>) -> Result<i64> {
    if d.status != plan_drafts::OPEN {
        return Err(conflict("草稿已确认，不能再修改"));
    }
    match version {
        Some(v) if v != d.version => Err(conflict("草稿已被修改（可能在另一个窗口）")),
        _ => Ok(d.version),
    }
}

/// Read the uploaded plan into a new draft for the caller's region (or `region`, a code in
/// the caller's subtree). Call [`super::may_upload`] before reading the file.
pub async fn create(
    ctx: &Ctx,
    caller: &Caller,
    mut upload: Upload,
    region: Option<&str>,
) -> Result<View> {
    super::may_upload(caller)?;
    let place = region::resolve(ctx, caller, &upload.output.plan, region).await?;
    super::may_administer(caller, &place.code)?;
    let mut state = State::from_reader(&mut upload.output, place.doubt.into_iter().collect());
    state.expansions = expand::reconcile(&upload.output.plan, &[]);
    let id = plan_drafts::insert(
        &ctx.db,
        &plan_drafts::NewDraft {
            region_code: &place.code,
            source_name: &upload.name,
            source_sha256: &upload.sha256,
            source_text: &upload.output.source,
            plan: &upload.output.plan,
            state: &to_value(&state)?,
        },
        &caller.audit,
    )
    .await?;
    get(ctx, caller, id).await
}

/// The draft `id` with its doubts, collective names and (for a plan already stored) changes.
pub async fn get(ctx: &Ctx, caller: &Caller, id: i64) -> Result<View> {
    let d = open(ctx, caller, id).await?;
    let (plan, state) = decode(&d)?;
    let region_name = kesu_store::regions::get(&ctx.db, &d.region_code)
        .await?
        .map(|r| r.name);
    let registry = Registry::load(&ctx.db, &d.region_code, region_name.clone()).await?;
    let expansions = expand::resolve(&ctx.db, &registry, &plan, &state.expansions).await?;
    let mut warnings = state.warnings(&plan);
    warnings.extend(expand::unknown_units(&registry, &plan));
    let revises = if d.status == plan_drafts::OPEN {
        revises(ctx, &d.region_code, &plan).await?
    } else {
        None
    };
    Ok(View {
        spans: state.spans_of(&plan),
        id: d.id,
        version: d.version,
        status: d.status,
        region_code: d.region_code,
        region_name,
        source_name: d.source_name,
        plan,
        source: d.source_text,
        warnings,
        expansions,
        revises,
        plan_id: d.plan_id,
        revision: d.revision,
        created_by: d.created_by,
        updated_at: d.updated_at,
    })
}

/// The region's plan of this title, if stored, and the changes from its current revision.
async fn revises(ctx: &Ctx, region: &str, plan: &Plan) -> Result<Option<Revises>> {
    let Some(stored) = kesu_store::plans::list(&ctx.db, region)
        .await?
        .into_iter()
        .find(|p| p.region_code == region && p.title == plan.title)
    else {
        return Ok(None);
    };
    let old = kesu_store::plans::plan_json(&ctx.db, stored.id, None).await?;
    Ok(Some(Revises {
        plan_id: stored.id,
        revision: stored.revision,
        changes: plan_diff::diff(&old, plan),
    }))
}

/// The drafts of the caller's region subtree, open ones first.
pub async fn list(ctx: &Ctx, caller: &Caller) -> Result<Vec<Listed>> {
    super::may_upload(caller)?;
    let prefix = caller
        .actor()
        .map_or_else(String::new, |a| a.region.to_string());
    Ok(plan_drafts::list(&ctx.db, &prefix, 200).await?)
}

/// Apply `f` to the draft seen at `version` and store it, audited as `action` with `details`
/// and the plan's changes. Returns the new version.
async fn change<F>(
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    version: Option<i64>,
    action: &str,
    f: F,
) -> Result<i64>
where
    F: FnOnce(&mut Plan, &mut State) -> Result<Value>,
{
    let d = open(ctx, caller, id).await?;
    let expected = expect(&d, version)?;
    let (mut plan, mut state) = decode(&d)?;
    let before = plan.clone();
    let details = f(&mut plan, &mut state)?;
    state.expansions = expand::reconcile(&plan, &state.expansions);
    let changes = plan_diff::diff(&before, &plan);
    let edit = plan_drafts::Edit {
        plan: &plan,
        state: &to_value(&state)?,
        action,
        details: &json!({"details": details, "changes": changes}),
    };
    Ok(plan_drafts::update(&ctx.db, id, expected, &edit, &caller.audit).await?)
}

/// Save the office's version of task `index` (its doubts are settled).
pub async fn save_task(
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    version: Option<i64>,
    index: usize,
    input: TaskInput,
) -> Result<i64> {
    change(ctx, caller, id, version, "plan_draft.task", |p, s| {
        edit::save_task(p, s, index, input)?;
        Ok(json!({"task": index}))
    })
    .await
}

/// Split task `index`, one task per line of the title.
pub async fn split_task(
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    version: Option<i64>,
    index: usize,
    input: TaskInput,
) -> Result<i64> {
    change(ctx, caller, id, version, "plan_draft.split", |p, s| {
        let parts = edit::split_task(p, s, index, input)?;
        Ok(json!({"task": index, "parts": parts}))
    })
    .await
}

/// Merge task `index` with the next.
pub async fn merge_with_next(
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    version: Option<i64>,
    index: usize,
) -> Result<i64> {
    change(ctx, caller, id, version, "plan_draft.merge", |p, s| {
        edit::merge_with_next(p, s, index)?;
        Ok(json!({"task": index}))
    })
    .await
}

/// Delete task `index`.
pub async fn delete_task(
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    version: Option<i64>,
    index: usize,
) -> Result<i64> {
    change(ctx, caller, id, version, "plan_draft.delete", |p, s| {
        edit::delete_task(p, s, index)?;
        Ok(json!({"task": index}))
    })
    .await
}

/// Add a task after task `after` (at the end when `None`).
pub async fn add_task(
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    version: Option<i64>,
    after: Option<usize>,
    input: TaskInput,
) -> Result<i64> {
    change(ctx, caller, id, version, "plan_draft.add", |p, _| {
        let at = edit::add_task(p, after, input)?;
        Ok(json!({"task": at}))
    })
    .await
}

/// Change the plan's title, period and issuer (the title decides which stored plan a draft
/// revises).
pub async fn set_info(
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    version: Option<i64>,
    info: PlanInfo,
) -> Result<i64> {
    change(ctx, caller, id, version, "plan_draft.info", |p, _| {
        edit::set_info(p, info)?;
        Ok(json!({"title": p.title, "period": p.period, "issuer": p.issuer}))
    })
    .await
}

/// Choose the members of the collective name `name`: keep it as one unit, or expand it without
/// the `excluded` members (region codes or unit names).
pub async fn set_expansion(
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    version: Option<i64>,
    name: &str,
    keep: bool,
    excluded: Vec<String>,
) -> Result<i64> {
    change(ctx, caller, id, version, "plan_draft.expansion", |_, s| {
        let e = s
            .expansions
            .iter_mut()
            .find(|e| e.name == name)
            .ok_or_else(|| {
                Error::invalid_field("name", format!("草稿中没有集合称谓“{name}” (no such name)"))
            })?;
        e.keep = keep;
        e.excluded = excluded;
        Ok(json!({"name": name, "keep": keep, "excluded": e.excluded}))
    })
    .await
}

/// Replace the draft's plan by an edited plan JSON (checked whole, 422 naming the field).
/// Without `version` the current one is taken (an API client that does not track versions).
pub async fn replace(
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    version: Option<i64>,
    plan: Plan,
) -> Result<i64> {
    change(ctx, caller, id, version, "plan_draft.replace", |p, s| {
        edit::replace(p, s, plan)?;
        Ok(json!({"tasks": p.tasks.len()}))
    })
    .await
}

/// Replace the draft's tasks by those of its 任务分解表 edited in Excel and uploaded back.
pub async fn replace_from_table(
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    version: Option<i64>,
    upload: Upload,
) -> Result<i64> {
    if !upload.is_workbook {
        return Err(Error::invalid_field(
            "file",
            format!(
                "{}：请上传从本页下载并修改后的任务分解表 (.xlsx)；新的方案文件请在“上传方案”中上传 (not a workbook)",
                upload.name
            ),
        ));
    }
    change(ctx, caller, id, version, "plan_draft.table", |p, s| {
        edit::replace_tasks(p, s, upload.output.plan.tasks)?;
        Ok(json!({"source": upload.name, "sha256": upload.sha256, "tasks": p.tasks.len()}))
    })
    .await
}

/// Confirm the draft: store its plan (collective names expanded as chosen), as a new plan or
/// a new revision of the region's plan of the same title, and close the draft.
pub async fn confirm(
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    version: Option<i64>,
) -> Result<Confirmed> {
    let d = open(ctx, caller, id).await?;
    let expected = expect(&d, version)?;
    let (plan, state) = decode(&d)?;
    edit::validate(&plan)?;
    let region_name = kesu_store::regions::get(&ctx.db, &d.region_code)
        .await?
        .map(|r| r.name);
    let registry = Registry::load(&ctx.db, &d.region_code, region_name.clone()).await?;
    let resolved = expand::resolve(&ctx.db, &registry, &plan, &state.expansions).await?;
    let members = expand::members(&registry, &resolved, &state.expansions);
    // What is stored is the plan with its members: the same again changes nothing, anything
    // else edited is a new revision.
    let content = serde_json::to_vec(&(&plan, &members))
        .map_err(|e| Error::Internal(format!("draft content: {e}")))?;
    let sha = super::sha256_hex(&content);
    let outcome = plan_drafts::confirm(
        &ctx.db,
        id,
        &plan_drafts::Confirm {
            expected_version: expected,
            plan: &plan,
            region_name: region_name.as_deref(),
            source: Source {
                name: &d.source_name,
                sha256: &sha,
            },
            expansions: &members,
        },
        &caller.audit,
    )
    .await?;
    let (plan_id, revision) = (outcome.plan_id(), outcome.revision());
    Ok(Confirmed {
        plan_id,
        revision,
        outcome,
    })
}

/// Discard an open draft.
pub async fn discard(ctx: &Ctx, caller: &Caller, id: i64, version: Option<i64>) -> Result<()> {
    let d = open(ctx, caller, id).await?;
    let expected = expect(&d, version)?;
    Ok(plan_drafts::discard(&ctx.db, id, expected, &caller.audit).await?)
}

/// The current version of the draft `id`, if the caller may work on it: the check before an
/// upload or a body is read.
pub async fn version(ctx: &Ctx, caller: &Caller, id: i64) -> Result<i64> {
    Ok(open(ctx, caller, id).await?.version)
}

/// The regions a caller may upload a plan for, as (code, name): its own and the regions
/// directly below it.
pub async fn upload_regions(ctx: &Ctx, caller: &Caller) -> Result<Vec<(String, String)>> {
    super::may_upload(caller)?;
    let Some(own) = caller.actor().map(|a| a.region.to_string()) else {
        return Ok(Vec::new());
    };
    let name = kesu_store::regions::get(&ctx.db, &own)
        .await?
        .map_or_else(|| own.clone(), |r| r.name);
    let mut out = vec![(own.clone(), name)];
    out.extend(
        kesu_store::regions::children(&ctx.db, Some(&own))
            .await?
            .into_iter()
            .map(|r| (r.code, r.name)),
    );
    Ok(out)
}
