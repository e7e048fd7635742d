//! The resource catalogue (科普资源名录) and science bases (科普基地): entries, certifications,
//! yearly reviews, and browsing for citizens.

use super::{Services, administer, office_region, parse_region, reads, venue_key, who};
use crate::{Caller, Error, Principal, Result};
use kesu_services::catalogue::{
    BaseLevel, BaseStatus, Certification, KeyGroup, ResourceInput, ResourceKind, Review,
    ReviewResult, base_status,
};
use kesu_store::audit;
use kesu_store::services::catalogue as store;
use serde::Serialize;
use serde_json::json;
use time::Date;

/// A catalogue entry as pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceView {
    pub id: i64,
    pub kind: String,
    pub kind_zh: &'static str,
    pub name: String,
    pub region_code: String,
    pub region_name: String,
    pub address: String,
    pub groups: Vec<&'static str>,
    pub description: String,
    pub owner_unit_id: Option<i64>,
    pub published: bool,
    pub status: BaseStatus,
    pub status_zh: String,
}

async fn region_name(s: &Services, code: &str) -> Result<String> {
    Ok(kesu_store::regions::get(&s.ctx.db, code)
        .await?
        .map(|r| r.name)
        .unwrap_or_default())
}

async fn view(s: &Services, r: store::Resource) -> Result<ResourceView> {
    let kind = ResourceKind::parse(&r.kind).map_err(|e| Error::Internal(e.to_string()))?;
    let status = if kind == ResourceKind::Base {
        status_of(s, r.id).await?
    } else {
        BaseStatus::Uncertified
    };
    let groups = KeyGroup::parse_list(&r.groups)
        .unwrap_or_default()
        .into_iter()
        .map(KeyGroup::zh)
        .collect();
    Ok(ResourceView {
        kind_zh: kind.zh(),
        region_name: region_name(s, &r.region_code).await?,
        status_zh: if kind == ResourceKind::Base {
            status.zh()
        } else {
            String::new()
        },
        id: r.id,
        kind: r.kind,
        name: r.name,
        region_code: r.region_code,
        address: r.address,
        groups,
        description: r.description,
        owner_unit_id: r.owner_unit_id,
        published: r.published,
        status,
    })
}

/// A base's certifications and reviews as the rules see them.
async fn certification(s: &Services, id: i64) -> Result<(Option<Certification>, Vec<Review>)> {
    let certs = store::certs(&s.ctx.db, id).await?;
    let cert = certs.last().and_then(|c| {
        Some(Certification {
            level: BaseLevel::parse(&c.level).ok()?,
            batch: c.batch.clone(),
            certified_on: c.certified_on,
            valid_until: c.valid_until,
        })
    });
    let reviews = store::reviews(&s.ctx.db, id)
        .await?
        .into_iter()
        .map(|r| Review {
            year: r.year,
            self_report: r.self_report,
            expert_score: r.expert_score,
            result: r
                .result
                .as_deref()
                .and_then(|x| ReviewResult::parse(x).ok()),
            decided_on: r.decided_on,
        })
        .collect();
    Ok((cert, reviews))
}

async fn status_of(s: &Services, id: i64) -> Result<BaseStatus> {
    let (cert, reviews) = certification(s, id).await?;
    Ok(base_status(cert.as_ref(), &reviews, s.ctx.today()))
}

/// The entry `id` if the caller may see it: a published entry is public (everyone reads the
/// catalogue); an unpublished one only the offices of its subtree; anything else is "not found".
pub(crate) async fn visible(s: &Services, caller: &Caller, id: i64) -> Result<store::Resource> {
    let r = store::get(&s.ctx.db, id).await?.ok_or(Error::NotFound)?;
    if r.published || reads(caller, &r.region_code)? {
        Ok(r)
    } else {
        Err(Error::NotFound)
    }
}

/// The entry if the caller administers it (404 out of the caller's subtree, 403 for a reading
/// role): what the office's forms check before reading their input.
pub async fn administered(s: &Services, caller: &Caller, id: i64) -> Result<()> {
    let r = store::get(&s.ctx.db, id).await?.ok_or(Error::NotFound)?;
    administer(caller, &r.region_code)
}

/// Whether the caller is signed in with an office role (its view is its subtree, not the
/// public catalogue).
fn is_office(caller: &Caller) -> bool {
    matches!(&caller.principal, Principal::User(a) if a.role != kesu_core::authz::Role::Reporter)
        || matches!(caller.principal, Principal::Operator)
}

async fn check_owner(s: &Services, region: &str, unit: Option<i64>) -> Result<()> {
    if let Some(u) = unit {
        let unit = kesu_store::units::get(&s.ctx.db, u)
            .await
            .map_err(|_| Error::invalid_field("owner_unit_id", "管理单位不存在 (no such unit)"))?;
        // A county's base may be run by a city unit (市科协) or by one of the county's own.
        let related = region.starts_with(&unit.region_code) || unit.region_code.starts_with(region);
        if !related {
            return Err(Error::invalid_field(
                "owner_unit_id",
                "管理单位不在该地区 (the unit is in another region)",
            ));
        }
    }
    Ok(())
}

/// Add an entry to the catalogue (an office of its region).
pub async fn create(s: &Services, caller: &Caller, input: &ResourceInput) -> Result<i64> {
    super::require_admin(caller)?;
    let r = input.validate()?;
    administer(caller, r.region.as_str())?;
    check_owner(s, r.region.as_str(), r.owner_unit_id).await?;
    let groups = KeyGroup::join(&r.groups);
    let key = venue_key()?;
    let now = s.ctx.now();
    let mut tx = s.ctx.db.begin().await?;
    let id = store::insert(
        &mut tx,
        &store::NewResource {
            kind: r.kind.as_str(),
            name: &r.name,
            region_code: r.region.as_str(),
            address: &r.address,
            groups: &groups,
            description: &r.description,
            owner_unit_id: r.owner_unit_id,
            checkin_key: &key,
        },
        who(caller),
        now,
    )
    .await?
    .ok_or_else(|| {
        Error::Conflict(format!(
            "该地区已有同名的{}“{}” (already in the catalogue)",
            r.kind.zh(),
            r.name
        ))
    })?;
    audit::record_in_region(
        &mut tx,
        &caller.audit,
        Some(r.region.as_str()),
        "services.resource.create",
        &format!("service_resource:{id}"),
        None,
        Some(
            &json!({"kind": r.kind.as_str(), "name": r.name, "region": r.region.as_str(),
                     "address": r.address, "groups": groups}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Change an entry's description and whether citizens see it (its kind and region stay).
pub async fn update(
    s: &Services,
    caller: &Caller,
    id: i64,
    input: &ResourceInput,
    published: bool,
) -> Result<()> {
    administered(s, caller, id).await?;
    let before = visible(s, caller, id).await?;
    let mut input = input.clone();
    input.kind = before.kind.clone();
    input.region = before.region_code.clone();
    let r = input.validate()?;
    check_owner(s, r.region.as_str(), r.owner_unit_id).await?;
    let groups = KeyGroup::join(&r.groups);
    let mut tx = s.ctx.db.begin().await?;
    store::update(
        &mut tx,
        id,
        &store::NewResource {
            kind: r.kind.as_str(),
            name: &r.name,
            region_code: r.region.as_str(),
            address: &r.address,
            groups: &groups,
            description: &r.description,
            owner_unit_id: r.owner_unit_id,
            checkin_key: "",
        },
        published,
        s.ctx.now(),
    )
    .await?;
    audit::record_in_region(
        &mut tx,
        &caller.audit,
        Some(&before.region_code),
        "services.resource.update",
        &format!("service_resource:{id}"),
        Some(&json!({"name": before.name, "address": before.address, "groups": before.groups,
                     "published": before.published})),
        Some(&json!({"name": r.name, "address": r.address, "groups": groups, "published": published})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One entry.
pub async fn get(s: &Services, caller: &Caller, id: i64) -> Result<ResourceView> {
    let r = visible(s, caller, id).await?;
    view(s, r).await
}

/// What a citizen or an office looks for.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub region: Option<String>,
    pub kind: Option<String>,
    pub text: Option<String>,
    pub page: i64,
}

/// Entries per page.
pub const PAGE: i64 = 20;

/// Entries matching `q`: for the public, published ones anywhere; for an office, its subtree.
pub async fn search(s: &Services, caller: &Caller, q: &Query) -> Result<Vec<ResourceView>> {
    let office = is_office(caller);
    let asked = match q.region.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => parse_region(r)?.as_str().to_string(),
        None => String::new(),
    };
    let region = if office {
        let own = office_region(caller)?;
        if asked.is_empty() {
            own
        } else if asked.starts_with(&own) {
            asked
        } else {
            // Another region's catalogue is not the office's to see.
            return Ok(Vec::new());
        }
    } else {
        asked
    };
    let kind = match q.kind.as_deref().filter(|k| !k.is_empty()) {
        Some(k) => Some(ResourceKind::parse(k)?.as_str().to_string()),
        None => None,
    };
    let rows = store::search(
        &s.ctx.db,
        &store::Filter {
            region,
            kind,
            text: q.text.clone(),
            published_only: !office,
            limit: PAGE,
            // A page far past the end is an empty page, not an overflow.
            offset: q.page.max(0).saturating_mul(PAGE),
        },
    )
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(view(s, r).await?);
    }
    Ok(out)
}

/// A certification as entered.
#[derive(Debug, Clone)]
pub struct CertifyInput {
    pub level: String,
    pub batch: String,
    pub certified_on: Date,
    pub valid_until: Date,
}

/// Certify a base (a new batch is a new certification; the latest is in force).
pub async fn certify(s: &Services, caller: &Caller, id: i64, input: &CertifyInput) -> Result<i64> {
    administered(s, caller, id).await?;
    let r = visible(s, caller, id).await?;
    if r.kind != ResourceKind::Base.as_str() {
        return Err(Error::invalid_field(
            "kind",
            "只有基地/场馆可以认定为科普基地 (only bases are certified)",
        ));
    }
    let c = Certification::new(
        BaseLevel::parse(&input.level)?,
        &input.batch,
        input.certified_on,
        input.valid_until,
    )?;
    let mut tx = s.ctx.db.begin().await?;
    let cid = store::add_cert(
        &mut tx,
        id,
        c.level.as_str(),
        &c.batch,
        c.certified_on,
        c.valid_until,
        who(caller),
        s.ctx.now(),
    )
    .await?;
    audit::record_in_region(
        &mut tx,
        &caller.audit,
        Some(&r.region_code),
        "services.base.certify",
        &format!("service_resource:{id}"),
        None,
        Some(&json!({"certification": cid, "level": c.level.as_str(), "batch": c.batch,
                     "certified_on": c.certified_on.to_string(), "valid_until": c.valid_until.to_string()})),
    )
    .await?;
    tx.commit().await?;
    Ok(cid)
}

/// Record a base's review of a year (self-report, expert score, result and its day).
pub async fn review(s: &Services, caller: &Caller, id: i64, r: &Review) -> Result<()> {
    administered(s, caller, id).await?;
    let res = visible(s, caller, id).await?;
    r.validate()?;
    if store::certs(&s.ctx.db, id).await?.is_empty() {
        return Err(Error::Conflict(
            "该基地尚未认定，无需复核 (the base is not certified)".into(),
        ));
    }
    let mut tx = s.ctx.db.begin().await?;
    let before = store::put_review(
        &mut tx,
        id,
        r.year,
        &r.self_report,
        r.expert_score,
        r.result.map(ReviewResult::as_str),
        r.decided_on,
        who(caller),
        s.ctx.now(),
    )
    .await?;
    audit::record_in_region(
        &mut tx,
        &caller.audit,
        Some(&res.region_code),
        "services.base.review",
        &format!("service_resource:{id}"),
        before
            .map(|b| json!({"year": b.year, "expert_score": b.expert_score, "result": b.result}))
            .as_ref(),
        Some(&json!({"year": r.year, "expert_score": r.expert_score,
                     "result": r.result.map(ReviewResult::as_str),
                     "decided_on": r.decided_on.map(|d| d.to_string())})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A base's page: the entry, its certifications, reviews and coming slots.
#[derive(Debug, Clone, Serialize)]
pub struct Detail {
    pub resource: ResourceView,
    pub certs: Vec<store::Cert>,
    pub reviews: Vec<store::Review>,
    pub slots: Vec<super::bookings::SlotView>,
    /// The self check-in link's key (offices administering it only).
    pub checkin_key: Option<String>,
}

/// A base's page for its office: the office of its subtree only (another region's entry, or a
/// unit's reporter, 404 — they have the public page).
pub async fn office_detail(s: &Services, caller: &Caller, id: i64) -> Result<Detail> {
    let r = store::get(&s.ctx.db, id).await?.ok_or(Error::NotFound)?;
    super::read(caller, &r.region_code)?;
    detail(s, caller, id).await
}

pub async fn detail(s: &Services, caller: &Caller, id: i64) -> Result<Detail> {
    let r = visible(s, caller, id).await?;
    let key = (administer(caller, &r.region_code).is_ok()).then(|| r.checkin_key.clone());
    let certs = store::certs(&s.ctx.db, id).await?;
    let reviews = if reads(caller, &r.region_code)? {
        store::reviews(&s.ctx.db, id).await?
    } else {
        // Self-reports and scores are the office's; citizens see the status line.
        Vec::new()
    };
    let slots = super::bookings::slots_of(s, id).await?;
    Ok(Detail {
        resource: view(s, r).await?,
        certs,
        reviews,
        slots,
        checkin_key: key,
    })
}
