//! Pupils' science credits (学分制): pupils registered by their school, credits from check-ins,
//! test results and teachers' awards, versioned rules re-run over the past, reversals when a
//! source is voided. Schools see their pupils, offices their subtree, parents one pupil's record
//! by its code.

use super::{Services, administer, who};
use crate::{Caller, Error, Principal, Result};
use kesu_core::authz::Role;
use kesu_services::code::{self, Code};
use kesu_services::credit::{self, Rules, SourceKind, Term};
use kesu_services::personal;
use kesu_store::audit;
use kesu_store::services::credits as store;
use kesu_store::{Db, Tx};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime};

/// The pupil `id` if the caller may see it: its school's reporters, offices over its region.
async fn visible(s: &Services, caller: &Caller, id: i64) -> Result<store::Pupil> {
    let p = store::pupil(&s.ctx.db, id).await?.ok_or(Error::NotFound)?;
    if may_manage(caller, &p.region_code, p.school_unit_id)?
        || super::reads(caller, &p.region_code)?
    {
        Ok(p)
    } else {
        Err(Error::NotFound)
    }
}

/// Whether the caller manages a school's pupils: the school's reporter, or an admin over it.
fn may_manage(caller: &Caller, region: &str, school: i64) -> Result<bool> {
    Ok(match &caller.principal {
        Principal::Operator => true,
        Principal::Public => false,
        Principal::User(a) if a.role == Role::Reporter => a.unit_id == Some(school),
        Principal::User(_) => administer(caller, region).is_ok(),
    })
}

/// Register a pupil at a school; returns the pupil's id and the code parents use.
pub async fn add_pupil(
    s: &Services,
    caller: &Caller,
    school_unit_id: Option<i64>,
    grade: &str,
    class_name: &str,
    name: &str,
) -> Result<(i64, String)> {
    let school_unit_id = school_unit_id
        .ok_or_else(|| Error::invalid_field("school_unit_id", "请选择学校 (school required)"))?;
    let school = kesu_store::units::get(&s.ctx.db, school_unit_id)
        .await
        .map_err(|_| Error::NotFound)?;
    if !may_manage(caller, &school.region_code, school.id)? {
        return Err(Error::NotFound);
    }
    let grade = kesu_services::optional_text("grade", "年级", grade, 20)?;
    let class_name = kesu_services::optional_text("class_name", "班级", class_name, 20)?;
    let sealed = personal::seal_name(s.sealer()?, name)?;
    let now = s.ctx.now();
    let mut tx = s.ctx.db.begin().await?;
    let mut out = None;
    for _ in 0..8 {
        let c = Code::from_random(super::random::<{ code::RANDOM_BYTES }>()?);
        if let Some(id) = store::insert_pupil(
            &mut tx,
            &store::NewPupil {
                school_unit_id,
                region_code: &school.region_code,
                grade: &grade,
                class_name: &class_name,
                name_sealed: &sealed.sealed,
                name_masked: &sealed.masked,
                code: c.as_str(),
            },
            who(caller),
            now,
        )
        .await?
        {
            out = Some((id, c.display()));
            break;
        }
    }
    let (id, code) = out.ok_or_else(|| Error::Internal("no free pupil code".into()))?;
    audit::record_in_region(
        &mut tx,
        &caller.audit,
        Some(&school.region_code),
        "services.pupil.create",
        &format!("service_pupil:{id}"),
        None,
        Some(&json!({"school": school_unit_id, "grade": grade, "class": class_name, "name": sealed.masked})),
    )
    .await?;
    tx.commit().await?;
    Ok((id, code))
}

/// The pupils a caller manages or reads: a school's own, or an office's subtree.
pub async fn pupils(s: &Services, caller: &Caller) -> Result<Vec<store::Pupil>> {
    match &caller.principal {
        Principal::User(a) if a.role == Role::Reporter => match a.unit_id {
            Some(u) => Ok(store::pupils(&s.ctx.db, "", Some(u), 5000).await?),
            None => Ok(Vec::new()),
        },
        _ => {
            let region = super::office_region(caller)?;
            Ok(store::pupils(&s.ctx.db, &region, None, 5000).await?)
        }
    }
}

/// The rules in force for a region: its own latest version, else its nearest ancestor's, else
/// the initial rules.
pub async fn rules_for(db: &Db, region: &str) -> Result<Rules> {
    rules_with(db, region, None).await
}

/// [`rules_for`], with `pending` (a region and rules not yet committed) taking the place of
/// that region's stored versions.
async fn rules_with(db: &Db, region: &str, pending: Option<(&str, &Rules)>) -> Result<Rules> {
    for len in [12usize, 9, 6, 4, 2] {
        if region.len() < len {
            continue;
        }
        let prefix = &region[..len];
        if let Some((r, rules)) = pending
            && r == prefix
        {
            return Ok(rules.clone());
        }
        if let Some((_, json)) = store::rules(db, prefix).await?.pop() {
            return serde_json::from_value(json)
                .map_err(|e| Error::Internal(format!("stored credit rules: {e}")));
        }
    }
    Ok(Rules::initial())
}

/// Bring one pupil's ledger in line with the rules in force (appending only).
async fn reconcile(
    s: &Services,
    tx: &mut Tx,
    pupil_id: i64,
    region: &str,
    rules: &Rules,
) -> Result<usize> {
    let sources: Vec<credit::Source> = store::sources_in(tx, "", Some(pupil_id))
        .await?
        .into_iter()
        .filter_map(|x| {
            Some(credit::Source {
                kind: SourceKind::parse(&x.kind)?,
                id: x.id,
                pupil_id: x.pupil_id,
                on: x.on_day,
                amount: x.amount,
                voided: x.voided,
            })
        })
        .collect();
    let ledger: Vec<credit::Entry> = store::entries_in(tx, "", Some(pupil_id))
        .await?
        .into_iter()
        .filter_map(|e| {
            let kind = sources.iter().find(|x| x.id == e.source_id)?.kind;
            Some(credit::Entry {
                pupil_id: e.pupil_id,
                kind,
                source_id: e.source_id,
                term: Term::parse(&e.term)?,
                points: e.points,
                rule_version: e.rule_version,
            })
        })
        .collect();
    let appends = credit::reconcile(rules, &sources, &ledger);
    let now = s.ctx.now();
    for a in &appends {
        store::append(
            tx,
            &store::NewEntry {
                pupil_id,
                source_id: a.entry.source_id,
                region_code: region,
                term: &a.entry.term.code(),
                points: a.entry.points,
                rule_version: a.entry.rule_version,
                cause: a.cause.as_str(),
            },
            now,
        )
        .await?;
    }
    Ok(appends.len())
}

/// What a new source is.
struct SourceSpec<'a> {
    kind: SourceKind,
    on: Date,
    amount: f64,
    r#ref: &'a str,
    note: &'a str,
}

async fn add_source(
    s: &Services,
    tx: &mut Tx,
    p: &store::Pupil,
    spec: &SourceSpec<'_>,
    caller: &Caller,
) -> Result<i64> {
    let SourceSpec {
        kind,
        on,
        amount,
        r#ref,
        note,
    } = *spec;
    let id = store::insert_source(
        tx,
        &store::NewSource {
            kind: kind.as_str(),
            pupil_id: p.id,
            region_code: &p.region_code,
            on_day: on,
            amount,
            r#ref,
            note,
        },
        who(caller),
        s.ctx.now(),
    )
    .await?
    .ok_or_else(|| Error::Conflict("该记录已计入学分 (already credited)".into()))?;
    let rules = rules_for(&s.ctx.db, &p.region_code).await?;
    reconcile(s, tx, p.id, &p.region_code, &rules).await?;
    Ok(id)
}

/// A check-in of a pupil's booking earns its credit (inside the check-in's transaction).
pub(crate) async fn credit_check_in(
    s: &Services,
    tx: &mut Tx,
    pupil_id: i64,
    checkin_id: i64,
    at: OffsetDateTime,
    caller: &Caller,
) -> Result<()> {
    let Some(p) = store::pupil(&s.ctx.db, pupil_id).await? else {
        return Ok(());
    };
    let day = kesu_store::reporting::china_date(at);
    let r = format!("checkin:{checkin_id}");
    let spec = SourceSpec {
        kind: SourceKind::CheckIn,
        on: day,
        amount: 0.0,
        r#ref: &r,
        note: "",
    };
    add_source(s, tx, &p, &spec, caller).await?;
    Ok(())
}

/// A voided check-in reverses the credits it gave (inside the voiding transaction).
pub(crate) async fn void_check_in(
    s: &Services,
    tx: &mut Tx,
    checkin_id: i64,
    reason: &str,
    _caller: &Caller,
) -> Result<()> {
    let r = format!("checkin:{checkin_id}");
    if store::void_by_ref(tx, &r, reason).await? == 0 {
        return Ok(());
    }
    let booking: Option<i64> = {
        let c = kesu_store::services::checkins::get(&s.ctx.db, checkin_id).await?;
        match c {
            Some(c) => store::pupil_of_booking(tx, c.booking_id).await?,
            None => None,
        }
    };
    if let Some(pid) = booking
        && let Some(p) = store::pupil(&s.ctx.db, pid).await?
    {
        let rules = rules_for(&s.ctx.db, &p.region_code).await?;
        reconcile(s, tx, p.id, &p.region_code, &rules).await?;
    }
    Ok(())
}

/// What a teacher awards or records.
#[derive(Debug, Clone)]
pub struct AwardInput {
    pub pupil_id: i64,
    pub kind: SourceKind,
    /// Points awarded, or the test score.
    pub amount: f64,
    pub on: Date,
    pub note: String,
    /// The test result's reference (`test:123`) for test results; awards get their own.
    pub r#ref: Option<String>,
}

/// Whether the caller manages pupil `id` (its school's reporter, an admin over it): 404 out
/// of view, 403 for a reading role.
pub async fn authorize_manage(s: &Services, caller: &Caller, id: i64) -> Result<()> {
    let p = visible(s, caller, id).await?;
    if may_manage(caller, &p.region_code, p.school_unit_id)? {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// A teacher's award or a test result for a pupil of the caller's school (or office).
pub async fn award(s: &Services, caller: &Caller, a: &AwardInput) -> Result<i64> {
    authorize_manage(s, caller, a.pupil_id).await?;
    let p = visible(s, caller, a.pupil_id).await?;
    if a.kind == SourceKind::CheckIn {
        return Err(Error::invalid_field(
            "kind",
            "签到学分由签到记录自动计入 (check-ins credit themselves)",
        ));
    }
    if !a.amount.is_finite() || !(0.0..=100.0).contains(&a.amount) {
        return Err(Error::invalid_field(
            "amount",
            "分值应在 0 到 100 之间 (out of range)",
        ));
    }
    if a.on > s.ctx.today() {
        return Err(Error::invalid_field(
            "on",
            "日期不能晚于今天 (date in the future)",
        ));
    }
    let note = kesu_services::optional_text("note", "说明", &a.note, 200)?;
    let r = match (&a.kind, &a.r#ref) {
        (SourceKind::TestResult, Some(r)) if !r.trim().is_empty() => {
            kesu_services::required_text("ref", "成绩编号", r, 60)?
        }
        (SourceKind::TestResult, _) => {
            return Err(Error::invalid_field(
                "ref",
                "请填写测试成绩编号 (test reference required)",
            ));
        }
        _ => {
            let b: [u8; 8] = super::random()?;
            format!(
                "award:{}",
                b.iter().map(|x| format!("{x:02x}")).collect::<String>()
            )
        }
    };
    let mut tx = s.ctx.db.begin().await?;
    let spec = SourceSpec {
        kind: a.kind,
        on: a.on,
        amount: a.amount,
        r#ref: &r,
        note: &note,
    };
    let id = add_source(s, &mut tx, &p, &spec, caller).await?;
    audit::record_in_region(
        &mut tx,
        &caller.audit,
        Some(&p.region_code),
        "services.credit.source",
        &format!("service_credit_source:{id}"),
        None,
        Some(
            &json!({"pupil": p.id, "kind": a.kind.as_str(), "amount": a.amount,
                     "on": a.on.to_string(), "ref": r, "note": note}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Void a source (an award withdrawn, a result annulled): its credit is reversed.
pub async fn void_source(s: &Services, caller: &Caller, id: i64, reason: &str) -> Result<()> {
    let src = store::source(&s.ctx.db, id).await?.ok_or(Error::NotFound)?;
    let p = visible(s, caller, src.pupil_id).await?;
    if !may_manage(caller, &p.region_code, p.school_unit_id)? {
        return Err(Error::Forbidden);
    }
    let reason = kesu_services::required_text("reason", "作废原因", reason, 500)?;
    let mut tx = s.ctx.db.begin().await?;
    if !store::void_source(&mut tx, id, &reason).await? {
        return Err(Error::Conflict("该记录已作废 (already voided)".into()));
    }
    let rules = rules_for(&s.ctx.db, &p.region_code).await?;
    reconcile(s, &mut tx, p.id, &p.region_code, &rules).await?;
    audit::record_in_region(
        &mut tx,
        &caller.audit,
        Some(&p.region_code),
        "services.credit.void",
        &format!("service_credit_source:{id}"),
        Some(&json!({"voided": false})),
        Some(&json!({"voided": true, "reason": reason})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Save a new version of a region's rules (its office) and re-run them over every pupil of the
/// region: past sources count under the new rules, by appended entries.
pub async fn set_rules(s: &Services, caller: &Caller, region: &str, rules: &Rules) -> Result<i32> {
    super::require_admin(caller)?;
    let region = super::parse_region(region)?;
    let region = region.as_str();
    administer(caller, region)?;
    rules.validate()?;
    let before = rules_for(&s.ctx.db, region).await?;
    let version = store::rules(&s.ctx.db, region)
        .await?
        .last()
        .map_or(before.version, |(v, _)| *v)
        + 1;
    let new = Rules {
        version,
        ..rules.clone()
    };
    let json = serde_json::to_value(&new).map_err(|e| Error::Internal(e.to_string()))?;
    let mut tx = s.ctx.db.begin().await?;
    store::add_rules(&mut tx, region, version, &json, who(caller), s.ctx.now())
        .await?
        .ok_or_else(|| {
            Error::Conflict("规则已被他人更新，请刷新 (rules changed meanwhile)".into())
        })?;
    // Re-run over the subtree's pupils, each under the rules in force for its own region.
    let pupils = store::pupils(&s.ctx.db, region, None, 1_000_000).await?;
    let mut appended = 0;
    for p in &pupils {
        let rules = rules_with(&s.ctx.db, &p.region_code, Some((region, &new))).await?;
        appended += reconcile(s, &mut tx, p.id, &p.region_code, &rules).await?;
    }
    audit::record_in_region(
        &mut tx,
        &caller.audit,
        Some(region),
        "services.credit.rules",
        &format!("service_credit_rules:{region}/{version}"),
        serde_json::to_value(&before).ok().as_ref(),
        Some(&json!({"rules": json, "pupils": pupils.len(), "entries_appended": appended})),
    )
    .await?;
    tx.commit().await?;
    Ok(version)
}

/// A pupil's record: credits per term, the ledger and its sources.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub pupil: store::Pupil,
    pub by_term: Vec<(String, f64)>,
    pub total: f64,
    pub entries: Vec<store::Entry>,
    pub sources: Vec<store::Source>,
}

async fn record(s: &Services, p: store::Pupil) -> Result<Record> {
    let entries = store::entries_of(&s.ctx.db, p.id).await?;
    let sources = store::sources_of(&s.ctx.db, p.id).await?;
    let mut terms: BTreeMap<String, f64> = BTreeMap::new();
    for e in &entries {
        *terms.entry(e.term.clone()).or_insert(0.0) += e.points;
    }
    let by_term: Vec<(String, f64)> = terms
        .into_iter()
        .map(|(t, v)| {
            let label = Term::parse(&t).map_or(t, Term::zh);
            (label, (v * 100.0).round() / 100.0)
        })
        .collect();
    let total = (by_term.iter().map(|(_, v)| v).sum::<f64>() * 100.0).round() / 100.0;
    Ok(Record {
        pupil: p,
        by_term,
        total,
        entries,
        sources,
    })
}

/// A pupil's record for its school or office.
pub async fn pupil_record(s: &Services, caller: &Caller, id: i64) -> Result<Record> {
    let p = visible(s, caller, id).await?;
    record(s, p).await
}

/// A pupil's record for a parent holding the pupil's code (no account).
pub async fn record_by_code(s: &Services, code: &str) -> Result<Record> {
    let c = Code::parse(code).map_err(|_| Error::NotFound)?;
    let p = store::pupil_by_code(&s.ctx.db, c.as_str())
        .await?
        .ok_or(Error::NotFound)?;
    record(s, p).await
}
