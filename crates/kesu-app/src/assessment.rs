//! The annual assessment (考核) of a region on its own plan: its ranking, the self scores of
//! the assessed bodies, the office's reviewer scores, and the scheme. Who may do what is
//! `kesu_core::assessment`; the scoring is `kesu_indicators::assess` through the store's
//! `kesu_store::indicators::assess`; the inputs and schemes are stored by
//! `kesu_store::assessment`.
//!
//! The forms' fields are read at the edge, item by item of the scheme in force, through the
//! `read` closures the write use cases take: the use case authorises first, then loads the
//! scheme and asks the edge for each item's entry.

use crate::{Caller, Ctx, Error, Principal, Result};
use kesu_core::RegionCode;
use kesu_core::assessment::{self as rules, Body, BodyKind, UnitLink};
use kesu_core::authz::Actor;
use kesu_core::visibility::Denied;
use kesu_indicators::Scheme;
use kesu_indicators::assess::Item;
use kesu_store::assessment::{
    self as store, InputKey, Review, SchemeInForce, SelfScore, StoredInput,
};
use kesu_store::indicators::{self as ind, AssessBy, AssessQuery, AssessmentReport};
use kesu_store::plans::PlanRow;

fn denied(d: Denied) -> Error {
    match d {
        Denied::NotFound => Error::NotFound,
        Denied::Forbidden => Error::Forbidden,
    }
}

fn kind(by: AssessBy) -> BodyKind {
    match by {
        AssessBy::Regions => BodyKind::Regions,
        AssessBy::Units => BodyKind::Units,
    }
}

/// The signed-in account the rules are applied to; the operator may do everything, the public
/// nothing.
fn actor(caller: &Caller) -> Result<Option<&Actor>> {
    match &caller.principal {
        Principal::User(a) => Ok(Some(a)),
        Principal::Operator => Ok(None),
        Principal::Public => Err(Error::NotFound),
    }
}

/// A region code of a request (a malformed one is a missing region: 404).
pub fn region(code: &str) -> Result<RegionCode> {
    RegionCode::parse(code).map_err(|_| Error::NotFound)
}

/// An assessment year (2000–2100).
pub fn year(year: i32) -> Result<i32> {
    if (2000..=2100).contains(&year) {
        Ok(year)
    } else {
        Err(Error::invalid_field(
            "year",
            format!("年度 {year} 无效 (bad year)"),
        ))
    }
}

/// The assessing region `code` if the caller may see its ranking and scheme (office roles
/// covering it; anyone else 404).
pub fn assessing(caller: &Caller, code: &str) -> Result<String> {
    let c = region(code)?;
    if let Some(a) = actor(caller)? {
        rules::may_see(a, &c).map_err(denied)?;
    }
    Ok(c.to_string())
}

/// Whether the caller enters reviewer scores for `code` (the ranking page shows the forms).
pub fn reviews(caller: &Caller, code: &str) -> Result<bool> {
    let c = region(code)?;
    Ok(match actor(caller)? {
        None => true,
        Some(a) => a.may(
            kesu_core::authz::Action::Review,
            &kesu_core::authz::Scope {
                region: &c,
                units: &[],
            },
        ),
    })
}

/// Whether the caller changes the scheme of `code`.
pub fn edits_scheme(caller: &Caller, code: &str) -> Result<bool> {
    let c = region(code)?;
    Ok(match actor(caller)? {
        None => true,
        Some(a) => rules::may_edit_scheme(a, &c).is_ok(),
    })
}

/// One body assessed by a region: a child region, or a unit of the region's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessed {
    /// The region code, or the unit id.
    pub id: String,
    pub name: String,
    /// Where it is: the child region itself, or the unit's region.
    pub region: RegionCode,
    pub unit: Option<i64>,
}

impl Assessed {
    fn rules(&self) -> Body<'_> {
        Body {
            region: &self.region,
            unit: self.unit,
        }
    }
}

/// The region's own plan the assessment is run on (the first, as the annual report does).
pub async fn own_plan(ctx: &Ctx, code: &str) -> Result<Option<PlanRow>> {
    Ok(kesu_store::plans::list(&ctx.db, code)
        .await?
        .into_iter()
        .find(|p| p.region_code == code))
}

/// The body `id` of kind `by`, if `code`'s assessment ranks it (else 404); not yet authorised.
async fn body(ctx: &Ctx, code: &str, by: AssessBy, id: &str) -> Result<Assessed> {
    match by {
        AssessBy::Regions => {
            let c = region(id)?;
            let (id, name) = ind::child_regions(&ctx.db, code)
                .await?
                .into_iter()
                .find(|(k, _)| k == c.as_str())
                .ok_or(Error::NotFound)?;
            Ok(Assessed {
                id,
                name,
                region: c,
                unit: None,
            })
        }
        AssessBy::Units => {
            let unit: i64 = id.parse().map_err(|_| Error::NotFound)?;
            let plan = own_plan(ctx, code).await?.ok_or(Error::NotFound)?;
            let (id, name) = ind::assessed_bodies(&ctx.db, &plan, by)
                .await?
                .into_iter()
                .find(|(k, _)| *k == unit.to_string())
                .ok_or(Error::NotFound)?;
            let u = kesu_store::units::get(&ctx.db, unit).await?;
            let region =
                RegionCode::parse(&u.region_code).map_err(|e| Error::Internal(e.to_string()))?;
            Ok(Assessed {
                id,
                name,
                region,
                unit: Some(unit),
            })
        }
    }
}

/// Body `id` of `code`'s assessment of kind `by`, if the caller may fill its self scores: its
/// own accounts (others who see it 403, anyone else 404).
pub async fn self_scorer(
    ctx: &Ctx,
    caller: &Caller,
    code: &str,
    by: AssessBy,
    id: &str,
) -> Result<Assessed> {
    let code = region(code)?.to_string();
    let b = body(ctx, &code, by, id).await?;
    if let Some(a) = actor(caller)? {
        rules::may_self_score(a, kind(by), &b.rules()).map_err(denied)?;
    }
    Ok(b)
}

/// Body `id` of `code`'s assessment of kind `by`, if the caller may review it: reviewers and
/// admins of `code` (others who see it 403, anyone else 404).
pub async fn reviewer(
    ctx: &Ctx,
    caller: &Caller,
    code: &str,
    by: AssessBy,
    id: &str,
) -> Result<Assessed> {
    let assessing = region(code)?;
    let b = body(ctx, assessing.as_str(), by, id).await?;
    if let Some(a) = actor(caller)? {
        rules::may_review(a, &assessing, &b.rules()).map_err(denied)?;
    }
    Ok(b)
}

/// The scheme in force for `code` (its own, else its nearest ancestor's, else the default).
pub async fn scheme(ctx: &Ctx, code: &str) -> Result<SchemeInForce> {
    Ok(store::scheme_for(&ctx.db, code).await?)
}

/// What was entered for `code`'s assessment of `year` (self and reviewer scores, reasons, done
/// facts), every body's; `only` narrows to one body.
pub async fn inputs(
    ctx: &Ctx,
    code: &str,
    year: i32,
    by: AssessBy,
    only: Option<&str>,
) -> Result<Vec<StoredInput>> {
    Ok(match only {
        None => store::inputs(&ctx.db, code, year, by).await?,
        Some(assessed) => {
            let key = InputKey {
                region_code: code,
                year,
                by,
                assessed,
            };
            store::inputs_of(&ctx.db, &key)
                .await?
                .into_values()
                .collect()
        }
    })
}

/// Score `plan` for `year` with `scheme` on the stored inputs. An input that no longer fits (a
/// reviewer score left without a reason after the data changed) is an [`Error::Invalid`] the
/// page shows, so that the office can correct it there.
pub async fn run(
    ctx: &Ctx,
    plan: &PlanRow,
    year: i32,
    by: AssessBy,
    scheme: &Scheme,
) -> Result<AssessmentReport> {
    Ok(ind::assess(
        &ctx.db,
        &AssessQuery {
            plan_id: plan.id,
            year,
            by,
            scheme,
            inputs: &ind::ExtraInputs::new(),
            today: ctx.today(),
            top: 3,
        },
    )
    .await?)
}

/// The office's reviewer scores, reasons and done facts for body `id`: `read` gives the entry
/// of each item of the scheme in force. Returns the body and how many items changed.
pub async fn save_reviews(
    ctx: &Ctx,
    caller: &Caller,
    (code, year, by, id): (&str, i32, AssessBy, &str),
    mut read: impl FnMut(&Item) -> Result<Review>,
) -> Result<(Assessed, usize)> {
    let b = reviewer(ctx, caller, code, by, id).await?;
    let year = self::year(year)?;
    let scheme = store::scheme_for(&ctx.db, code).await?.scheme;
    let entries = scheme
        .items
        .iter()
        .map(&mut read)
        .collect::<Result<Vec<_>>>()?;
    let key = InputKey {
        region_code: code,
        year,
        by,
        assessed: &b.id,
    };
    let n = store::set_reviews(&ctx.db, &key, &scheme, &entries, &caller.audit).await?;
    Ok((b, n))
}

/// Body `id`'s own self scores and notes: `read` gives the entry of each item of the scheme in
/// force. Returns the body and how many items changed.
pub async fn save_self_scores(
    ctx: &Ctx,
    caller: &Caller,
    (code, year, by, id): (&str, i32, AssessBy, &str),
    mut read: impl FnMut(&Item) -> Result<SelfScore>,
) -> Result<(Assessed, usize)> {
    let b = self_scorer(ctx, caller, code, by, id).await?;
    let year = self::year(year)?;
    let scheme = store::scheme_for(&ctx.db, code).await?.scheme;
    let entries = scheme
        .items
        .iter()
        .map(&mut read)
        .collect::<Result<Vec<_>>>()?;
    let key = InputKey {
        region_code: code,
        year,
        by,
        assessed: &b.id,
    };
    let n = store::set_self_scores(&ctx.db, &key, &scheme, &entries, &caller.audit).await?;
    Ok((b, n))
}

/// The assessing region `code` if the caller may change its scheme: its admin (out of scope
/// 404, another role 403). Checked before an uploaded scheme is read.
pub fn scheme_editor(caller: &Caller, code: &str) -> Result<String> {
    let c = region(code)?;
    if let Some(a) = actor(caller)? {
        rules::may_edit_scheme(a, &c).map_err(denied)?;
    }
    Ok(c.to_string())
}

/// Change the points and weights of the items of `code`'s scheme (`edit` is given each item;
/// the rest of the scheme is kept) and save it as the region's next version.
pub async fn save_weights(
    ctx: &Ctx,
    caller: &Caller,
    code: &str,
    mut edit: impl FnMut(&mut Item) -> Result<()>,
) -> Result<i32> {
    let code = scheme_editor(caller, code)?;
    let mut scheme = store::scheme_for(&ctx.db, &code).await?.scheme;
    for item in &mut scheme.items {
        edit(item)?;
    }
    Ok(store::save_scheme(&ctx.db, &code, &scheme, &caller.audit).await?)
}

/// Replace `code`'s scheme (an uploaded file, already read) as the region's next version.
pub async fn replace_scheme(
    ctx: &Ctx,
    caller: &Caller,
    code: &str,
    scheme: &Scheme,
) -> Result<i32> {
    let code = scheme_editor(caller, code)?;
    Ok(store::save_scheme(&ctx.db, &code, scheme, &caller.audit).await?)
}

/// An assessment a unit is ranked in, as its dashboard links it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitAssessment {
    /// The assessing region (the plan's).
    pub region_code: String,
    pub region_name: String,
    pub link: UnitLink,
}

/// The assessments unit `unit` is ranked in (the assessing region of each of its plans that is
/// that region's own assessed plan) with the link the caller gets: its reporters their
/// self-score form, office roles covering the assessing region the units' ranking.
pub async fn unit_assessments(
    ctx: &Ctx,
    caller: &Caller,
    unit: i64,
) -> Result<Vec<UnitAssessment>> {
    let Some(a) = actor(caller)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for p in kesu_store::plans::of_unit(&ctx.db, unit).await? {
        if own_plan(ctx, &p.region_code).await?.map(|o| o.id) != Some(p.id) {
            continue;
        }
        let id = unit.to_string();
        if !ind::assessed_bodies(&ctx.db, &p, AssessBy::Units)
            .await?
            .iter()
            .any(|(k, _)| *k == id)
        {
            continue;
        }
        let Ok(assessing) = RegionCode::parse(&p.region_code) else {
            continue;
        };
        if let Some(link) = rules::unit_link(a, unit, &assessing) {
            out.push(UnitAssessment {
                region_name: kesu_store::regions::get(&ctx.db, &p.region_code)
                    .await?
                    .map_or_else(|| p.region_code.clone(), |r| r.name),
                region_code: p.region_code,
                link,
            });
        }
    }
    Ok(out)
}
