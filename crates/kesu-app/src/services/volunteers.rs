//! Volunteer teams and volunteers (real-name, sealed), service hours from check-in and
//! check-out records only, audited corrections, star levels and the record certificate.

use super::{Services, administer, random, who};
use crate::{Caller, Error, Principal, Result};
use kesu_services::code::{self, Code};
use kesu_services::personal;
use kesu_services::volunteer::{self, Attendance, Correction};
use kesu_store::audit;
use kesu_store::services::volunteers as store;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;

/// A new team.
#[derive(Debug, Clone, Default)]
pub struct TeamInput {
    pub name: String,
    pub region: String,
    pub unit_id: Option<i64>,
    /// The account that acts for the team (接单); optional.
    pub leader_username: Option<String>,
}

/// Register a volunteer team (the office of its region).
pub async fn create_team(s: &Services, caller: &Caller, t: &TeamInput) -> Result<i64> {
    super::require_admin(caller)?;
    let region = super::parse_region(&t.region)?;
    administer(caller, region.as_str())?;
    let name = kesu_services::required_text("name", "服务队名称", &t.name, 60)?;
    if let Some(u) = t.unit_id {
        kesu_store::units::get(&s.ctx.db, u)
            .await
            .map_err(|_| Error::invalid_field("unit_id", "所属单位不存在 (no such unit)"))?;
    }
    let leader = match t
        .leader_username
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        None => None,
        Some(u) => Some(
            kesu_store::accounts::user_by_name(&s.ctx.db, u)
                .await?
                .filter(|x| x.active)
                .ok_or_else(|| {
                    Error::invalid_field("leader", format!("账户“{u}”不存在 (no such account)"))
                })?
                .id,
        ),
    };
    let mut tx = s.ctx.db.begin().await?;
    let id = store::insert_team(
        &mut tx,
        &name,
        region.as_str(),
        t.unit_id,
        leader,
        who(caller),
        s.ctx.now(),
    )
    .await?
    .ok_or_else(|| Error::Conflict(format!("该地区已有“{name}” (team exists)")))?;
    audit::record_in_region(
        &mut tx,
        &caller.audit,
        Some(region.as_str()),
        "services.team.create",
        &format!("service_team:{id}"),
        None,
        Some(
            &json!({"name": name, "region": region.as_str(), "unit": t.unit_id, "leader": leader}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The teams an office sees, or the teams a leader leads.
pub async fn teams(s: &Services, caller: &Caller) -> Result<Vec<store::Team>> {
    match &caller.principal {
        Principal::User(a) if a.role == kesu_core::authz::Role::Reporter => {
            Ok(store::teams_led_by(&s.ctx.db, a.user_id).await?)
        }
        Principal::User(a) => {
            let mut out = store::teams(&s.ctx.db, a.region.as_str()).await?;
            for t in store::teams_led_by(&s.ctx.db, a.user_id).await? {
                if !out.iter().any(|x| x.id == t.id) {
                    out.push(t);
                }
            }
            Ok(out)
        }
        Principal::Operator => Ok(store::teams(&s.ctx.db, "").await?),
        Principal::Public => Err(Error::NotFound),
    }
}

/// A new volunteer, as the office types them.
#[derive(Debug, Clone, Default)]
pub struct VolunteerInput {
    pub name: String,
    pub phone: String,
    pub region: String,
    pub team_id: Option<i64>,
    pub skills: String,
}

/// Register a volunteer (real name and phone, sealed); returns the id and volunteer number.
pub async fn register(s: &Services, caller: &Caller, v: &VolunteerInput) -> Result<(i64, String)> {
    super::require_admin(caller)?;
    let region = super::parse_region(&v.region)?;
    administer(caller, region.as_str())?;
    if let Some(t) = v.team_id {
        let team = store::team(&s.ctx.db, t)
            .await?
            .filter(|t| super::reads(caller, &t.region_code).unwrap_or(false))
            .ok_or_else(|| Error::invalid_field("team_id", "服务队不存在 (no such team)"))?;
        let _ = team;
    }
    let skills = kesu_services::optional_text("skills", "专长", &v.skills, 200)?;
    let name = personal::seal_name(s.sealer()?, &v.name)?;
    let phone = personal::seal_phone(s.sealer()?, &v.phone)?;
    let blind = phone.blind.clone().unwrap_or_default();
    let now = s.ctx.now();
    let mut tx = s.ctx.db.begin().await?;
    let mut out = None;
    for _ in 0..8 {
        let no = Code::from_random(random::<{ code::RANDOM_BYTES }>()?).display();
        if let Some(id) = store::insert_volunteer(
            &mut tx,
            &store::NewVolunteer {
                volunteer_no: &no,
                region_code: region.as_str(),
                team_id: v.team_id,
                name_sealed: &name.sealed,
                name_masked: &name.masked,
                phone_sealed: &phone.sealed,
                phone_masked: &phone.masked,
                phone_blind: &blind,
                skills: &skills,
                registered_on: s.ctx.today(),
            },
            who(caller),
            now,
        )
        .await?
        {
            out = Some((id, no));
            break;
        }
        if store::by_phone(&s.ctx.db, &blind).await?.is_some() {
            return Err(Error::Conflict(format!(
                "手机号 {} 已注册为志愿者 (already registered)",
                phone.masked
            )));
        }
    }
    let (id, no) = out.ok_or_else(|| Error::Internal("no free volunteer number".into()))?;
    audit::record_in_region(
        &mut tx,
        &caller.audit,
        Some(region.as_str()),
        "services.volunteer.register",
        &format!("service_volunteer:{id}"),
        None,
        Some(&json!({"no": no, "name": name.masked, "phone": phone.masked, "team": v.team_id, "skills": skills})),
    )
    .await?;
    tx.commit().await?;
    Ok((id, no))
}

/// Whether the caller may record a volunteer's hours: the office over the volunteer's region,
/// or the leader of the volunteer's team.
async fn may_record(s: &Services, caller: &Caller, v: &store::Volunteer) -> Result<bool> {
    if administer(caller, &v.region_code).is_ok() {
        return Ok(true);
    }
    Ok(match (&caller.principal, v.team_id) {
        (Principal::User(a), Some(t)) => store::team(&s.ctx.db, t)
            .await?
            .is_some_and(|t| t.leader_user_id == Some(a.user_id)),
        _ => false,
    })
}

async fn visible(s: &Services, caller: &Caller, id: i64) -> Result<store::Volunteer> {
    let v = store::volunteer(&s.ctx.db, id)
        .await?
        .ok_or(Error::NotFound)?;
    if super::reads(caller, &v.region_code)? || may_record(s, caller, &v).await? {
        Ok(v)
    } else {
        Err(Error::NotFound)
    }
}

/// Whether the caller may record volunteer `id`'s hours (404 out of view, 403 in view).
pub async fn authorize_record(s: &Services, caller: &Caller, id: i64) -> Result<()> {
    let v = visible(s, caller, id).await?;
    if may_record(s, caller, &v).await? {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Whether the caller may correct attendance record `id` (its volunteer's office).
pub async fn authorize_correct(s: &Services, caller: &Caller, id: i64) -> Result<()> {
    let old = store::attendance_record(&s.ctx.db, id)
        .await?
        .ok_or(Error::NotFound)?;
    let v = visible(s, caller, old.volunteer_id).await?;
    administer(caller, &v.region_code)
}

/// Check a volunteer in (at an activity or for an order), now.
pub async fn check_in(
    s: &Services,
    caller: &Caller,
    volunteer_id: i64,
    activity_id: Option<i64>,
    order_id: Option<i64>,
) -> Result<i64> {
    let v = visible(s, caller, volunteer_id).await?;
    if !may_record(s, caller, &v).await? {
        return Err(Error::Forbidden);
    }
    let region = match activity_id {
        Some(a) => {
            kesu_store::services::activities::get(&s.ctx.db, a)
                .await?
                .ok_or_else(|| {
                    Error::invalid_field("activity_id", "活动不存在 (no such activity)")
                })?
                .region_code
        }
        None => v.region_code.clone(),
    };
    let now = s.ctx.now();
    let mut tx = s.ctx.db.begin().await?;
    if store::open_record(&mut tx, v.id).await?.is_some() {
        return Err(Error::Conflict(
            "该志愿者已签到尚未签退 (already checked in)".into(),
        ));
    }
    let id = store::insert_attendance(
        &mut tx,
        &store::NewAttendance {
            volunteer_id: v.id,
            activity_id,
            order_id,
            region_code: &region,
            check_in: now,
            check_out: None,
            corrects: None,
            reason: None,
        },
        who(caller),
        now,
    )
    .await?
    .ok_or_else(|| Error::Internal("attendance insert".into()))?;
    audit::record_in_region(
        &mut tx,
        &caller.audit,
        Some(&v.region_code),
        "services.volunteer.check_in",
        &format!("service_attendance:{id}"),
        None,
        Some(&json!({"volunteer": v.volunteer_no, "activity": activity_id, "order": order_id})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Check a volunteer out of their open record, now.
pub async fn check_out(s: &Services, caller: &Caller, volunteer_id: i64) -> Result<f64> {
    let v = visible(s, caller, volunteer_id).await?;
    if !may_record(s, caller, &v).await? {
        return Err(Error::Forbidden);
    }
    let now = s.ctx.now();
    let mut tx = s.ctx.db.begin().await?;
    let open = store::open_record(&mut tx, v.id)
        .await?
        .ok_or_else(|| Error::Conflict("该志愿者没有未签退的记录 (not checked in)".into()))?;
    volunteer::check_out(open.check_in, now)?;
    store::check_out(&mut tx, open.id, now).await?;
    let hours = ((now - open.check_in).as_seconds_f64() / 360.0).round() / 10.0;
    audit::record_in_region(
        &mut tx,
        &caller.audit,
        Some(&v.region_code),
        "services.volunteer.check_out",
        &format!("service_attendance:{}", open.id),
        None,
        Some(&json!({"volunteer": v.volunteer_no, "hours": hours})),
    )
    .await?;
    tx.commit().await?;
    Ok(hours)
}

/// Correct a record (the office only): a new record replaces it, with the reason; both stay.
pub async fn correct(
    s: &Services,
    caller: &Caller,
    attendance_id: i64,
    c: &Correction,
) -> Result<i64> {
    let old = store::attendance_record(&s.ctx.db, attendance_id)
        .await?
        .ok_or(Error::NotFound)?;
    let v = visible(s, caller, old.volunteer_id).await?;
    administer(caller, &v.region_code)?;
    c.validate()?;
    let mut tx = s.ctx.db.begin().await?;
    let id = store::insert_attendance(
        &mut tx,
        &store::NewAttendance {
            volunteer_id: old.volunteer_id,
            activity_id: old.activity_id,
            order_id: old.order_id,
            region_code: &old.region_code,
            check_in: c.check_in,
            check_out: Some(c.check_out),
            corrects: Some(old.id),
            reason: Some(c.reason.trim()),
        },
        who(caller),
        s.ctx.now(),
    )
    .await?
    .ok_or_else(|| {
        Error::Conflict("该记录已被更正过，请更正最新的记录 (already corrected)".into())
    })?;
    audit::record_in_region(
        &mut tx,
        &caller.audit,
        Some(&v.region_code),
        "services.volunteer.correct",
        &format!("service_attendance:{}", old.id),
        Some(&json!({"check_in": old.check_in.to_string(), "check_out": old.check_out.map(|t| t.to_string())})),
        Some(&json!({"record": id, "check_in": c.check_in.to_string(),
                     "check_out": c.check_out.to_string(), "reason": c.reason.trim()})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

fn rules_records(list: &[store::Attendance]) -> Vec<Attendance> {
    list.iter()
        .map(|a| Attendance {
            id: a.id,
            check_in: a.check_in,
            check_out: a.check_out,
            corrects: a.corrects,
        })
        .collect()
}

/// A volunteer with their hours.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub volunteer: store::Volunteer,
    pub hours: f64,
    pub stars: u8,
    pub stars_text: String,
}

/// The volunteers an office sees (or a leader's team members), with hours and stars.
pub async fn list(s: &Services, caller: &Caller, team_id: Option<i64>) -> Result<Vec<Row>> {
    let (region, team) = match (&caller.principal, team_id) {
        (Principal::User(a), Some(t)) => {
            let team = store::team(&s.ctx.db, t).await?.ok_or(Error::NotFound)?;
            let leads = team.leader_user_id == Some(a.user_id);
            if !leads {
                super::read(caller, &team.region_code)?;
            }
            (String::new(), Some(t))
        }
        (_, t) => (super::office_region(caller)?, t),
    };
    let vols = store::volunteers(&s.ctx.db, &region, team, 5000).await?;
    let records = store::attendance_in(&s.ctx.db, &region).await?;
    let mut by: HashMap<i64, Vec<store::Attendance>> = HashMap::new();
    for r in records {
        by.entry(r.volunteer_id).or_default().push(r);
    }
    Ok(vols
        .into_iter()
        .map(|v| {
            let hours =
                volunteer::total_hours(&rules_records(by.get(&v.id).map_or(&[][..], |x| x)));
            let stars = volunteer::stars(hours);
            Row {
                volunteer: v,
                hours,
                stars,
                stars_text: volunteer::stars_text(stars),
            }
        })
        .collect())
}

/// A volunteer's page: records, hours, stars and the record certificate.
#[derive(Debug, Clone, Serialize)]
pub struct Detail {
    pub volunteer: store::Volunteer,
    pub team: Option<store::Team>,
    pub records: Vec<store::Attendance>,
    pub certificate: volunteer::Certificate,
    pub stars_text: String,
    pub may_record: bool,
    pub may_correct: bool,
}

pub async fn detail(s: &Services, caller: &Caller, id: i64) -> Result<Detail> {
    let v = visible(s, caller, id).await?;
    let records = store::attendance(&s.ctx.db, id).await?;
    let team = match v.team_id {
        Some(t) => store::team(&s.ctx.db, t).await?,
        None => None,
    };
    let issuer = kesu_store::regions::get(&s.ctx.db, &v.region_code)
        .await?
        .map(|r| format!("{}科技志愿服务管理机构", r.name))
        .unwrap_or_default();
    let certificate = volunteer::certificate(
        &v.volunteer_no,
        &v.name_masked,
        &rules_records(&records),
        &issuer,
        s.ctx.today(),
    );
    Ok(Detail {
        stars_text: volunteer::stars_text(certificate.stars),
        may_record: may_record(s, caller, &v).await?,
        may_correct: administer(caller, &v.region_code).is_ok(),
        volunteer: v,
        team,
        records,
        certificate,
    })
}

/// A volunteer's name and phone in full (the office, audited with its purpose).
pub async fn reveal(
    s: &Services,
    caller: &Caller,
    id: i64,
    purpose: &str,
) -> Result<(String, String)> {
    let v = visible(s, caller, id).await?;
    administer(caller, &v.region_code)?;
    let (name, phone) = store::sealed(&s.ctx.db, id).await?.ok_or(Error::NotFound)?;
    let contact = super::Contact {
        region: &v.region_code,
        object: format!("service_volunteer:{id}"),
        action: "services.volunteer.reveal",
        name_sealed: &name,
        phone_sealed: &phone,
        name_masked: &v.name_masked,
        phone_masked: &v.phone_masked,
    };
    super::reveal(s, caller, contact, purpose).await
}
