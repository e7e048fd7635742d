//! The activity calendar and check-in by booking code (打卡/核销), idempotent per client key.

use super::bookings::{BookingView, SlotView, place_of, rules_slot};
use super::{Services, administer, same_key, venue_key, who};
use crate::{Caller, Error, Principal, Result};
use kesu_services::booking::BookingState;
use kesu_services::checkin::{self, ActivityInput, Outcome, Place, Scan, china_minute};
use kesu_services::code::Code;
use kesu_store::audit;
use kesu_store::services::{activities, bookings, catalogue, checkins, slots};
use serde::Serialize;
use serde_json::json;
use time::{Date, Duration, OffsetDateTime};

/// A new activity with its times and registration places (0: no registration).
#[derive(Debug, Clone)]
pub struct NewActivity {
    pub input: ActivityInput,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub capacity: i64,
}

/// An activity as pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct ActivityView {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub region_code: String,
    pub region_name: String,
    pub place: String,
    pub group_zh: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    pub label: String,
    pub cancelled: bool,
    pub cancel_reason: Option<String>,
    pub resource_id: Option<i64>,
    pub resource_name: Option<String>,
    pub organiser_unit_id: Option<i64>,
    pub slot: Option<SlotView>,
}

async fn view(s: &Services, a: activities::Activity) -> Result<ActivityView> {
    let region_name = kesu_store::regions::get(&s.ctx.db, &a.region_code)
        .await?
        .map(|r| r.name)
        .unwrap_or_default();
    let resource_name = match a.resource_id {
        Some(r) => catalogue::get(&s.ctx.db, r).await?.map(|r| r.name),
        None => None,
    };
    let group_zh = a
        .key_group
        .as_deref()
        .and_then(|g| kesu_services::catalogue::KeyGroup::parse(g).ok())
        .map_or("", |g| g.zh());
    let end = china_minute(a.ends_at);
    Ok(ActivityView {
        label: format!("{}–{}", china_minute(a.starts_at), &end[11..]),
        slot: slots::of_activity(&s.ctx.db, a.id).await?.map(Into::into),
        region_name,
        resource_name,
        group_zh,
        id: a.id,
        title: a.title,
        kind: a.kind,
        region_code: a.region_code,
        place: a.place,
        starts_at: a.starts_at,
        ends_at: a.ends_at,
        cancelled: a.cancelled,
        cancel_reason: a.cancel_reason,
        resource_id: a.resource_id,
        organiser_unit_id: a.organiser_unit_id,
    })
}

/// Put an activity on the calendar (the office of its region), with a registration slot when it
/// has places.
pub async fn create_activity(s: &Services, caller: &Caller, n: &NewActivity) -> Result<i64> {
    super::require_admin(caller)?;
    let a = n.input.validate()?;
    administer(caller, a.region.as_str())?;
    if n.ends_at <= n.starts_at || n.ends_at - n.starts_at > Duration::days(31) {
        return Err(Error::invalid_field(
            "end",
            "结束时间须晚于开始时间，且活动不超过 31 天 (bad times)",
        ));
    }
    if let Some(r) = a.resource_id {
        // The resource must be one the office sees (its own catalogue: a city's 大篷车 for the
        // city's townships, a county's base for the county).
        super::catalogue::visible(s, caller, r).await.map_err(|_| {
            Error::invalid_field("resource_id", "所选资源不存在 (no such resource)")
        })?;
    }
    let slot_input = (n.capacity > 0).then(|| kesu_services::booking::SlotInput {
        starts_at: n.starts_at,
        ends_at: n.ends_at.min(n.starts_at + Duration::days(1)),
        capacity: n.capacity,
    });
    if let Some(si) = &slot_input {
        si.validate(s.ctx.now())?;
    }
    let key = venue_key()?;
    let now = s.ctx.now();
    let group = a.group.map(|g| g.as_str());
    let mut tx = s.ctx.db.begin().await?;
    let id = activities::insert(
        &mut tx,
        &activities::NewActivity {
            title: &a.title,
            kind: &a.kind,
            region_code: a.region.as_str(),
            place: &a.place,
            key_group: group,
            organiser_unit_id: a.organiser_unit_id,
            resource_id: a.resource_id,
            starts_at: n.starts_at,
            ends_at: n.ends_at,
            checkin_key: &key,
        },
        who(caller),
        now,
    )
    .await?;
    if let Some(si) = slot_input {
        slots::insert(
            &mut tx,
            &slots::NewSlot {
                resource_id: a.resource_id,
                activity_id: Some(id),
                region_code: a.region.as_str(),
                starts_at: si.starts_at,
                ends_at: si.ends_at,
                capacity: si.capacity,
            },
            who(caller),
            now,
        )
        .await?;
    }
    audit::record_in_region(
        &mut tx,
        &caller.audit,
        Some(a.region.as_str()),
        "services.activity.create",
        &format!("service_activity:{id}"),
        None,
        Some(
            &json!({"title": a.title, "kind": a.kind, "region": a.region.as_str(),
                     "starts_at": china_minute(n.starts_at), "ends_at": china_minute(n.ends_at),
                     "capacity": n.capacity, "resource": a.resource_id, "group": group}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Cancel an activity (with a reason); its bookings are then refused at the door as cancelled.
pub async fn cancel_activity(s: &Services, caller: &Caller, id: i64, reason: &str) -> Result<()> {
    let a = activities::get(&s.ctx.db, id)
        .await?
        .ok_or(Error::NotFound)?;
    administer(caller, &a.region_code)?;
    let reason = kesu_services::required_text("reason", "取消原因", reason, 500)?;
    let mut tx = s.ctx.db.begin().await?;
    if !activities::cancel(&mut tx, id, &reason).await? {
        return Err(Error::Conflict("活动已取消 (already cancelled)".into()));
    }
    audit::record_in_region(
        &mut tx,
        &caller.audit,
        Some(&a.region_code),
        "services.activity.cancel",
        &format!("service_activity:{id}"),
        Some(&json!({"cancelled": false})),
        Some(&json!({"cancelled": true, "reason": reason})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One activity (public: the calendar is public).
pub async fn activity(s: &Services, caller: &Caller, id: i64) -> Result<ActivityView> {
    let a = activities::get(&s.ctx.db, id)
        .await?
        .ok_or(Error::NotFound)?;
    office_may_see(caller, &a.region_code)?;
    view(s, a).await
}

/// An office sees its own subtree only; everyone else sees the public calendar.
fn office_may_see(caller: &Caller, region: &str) -> Result<()> {
    match &caller.principal {
        Principal::User(a) if a.role != kesu_core::authz::Role::Reporter => {
            super::read(caller, region)
        }
        _ => Ok(()),
    }
}

/// An activity's office page: the activity, its check-in link key (its administrators only)
/// and its check-ins.
#[derive(Debug, Clone, Serialize)]
pub struct ActivityDetail {
    pub activity: ActivityView,
    pub checkin_key: Option<String>,
    pub checkins: Vec<checkins::Checkin>,
}

pub async fn detail(s: &Services, caller: &Caller, id: i64) -> Result<ActivityDetail> {
    let a = activities::get(&s.ctx.db, id)
        .await?
        .ok_or(Error::NotFound)?;
    super::read(caller, &a.region_code)?;
    let key = administer(caller, &a.region_code)
        .is_ok()
        .then(|| a.checkin_key.clone());
    let list = checkins::at_place(&s.ctx.db, &format!("activity:{id}"), 1000).await?;
    Ok(ActivityDetail {
        activity: view(s, a).await?,
        checkin_key: key,
        checkins: list,
    })
}

/// The calendar: activities from `from` for `days` days, in `region` (the office's own subtree
/// when the caller is an office).
pub async fn calendar(
    s: &Services,
    caller: &Caller,
    region: Option<&str>,
    from: Date,
    days: i64,
) -> Result<Vec<ActivityView>> {
    let asked = match region.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => super::parse_region(r)?.as_str().to_string(),
        None => String::new(),
    };
    let region = match &caller.principal {
        Principal::User(a) if a.role != kesu_core::authz::Role::Reporter => {
            let own = a.region.as_str();
            if asked.is_empty() {
                own.to_string()
            } else if asked.starts_with(own) {
                asked
            } else {
                return Ok(Vec::new());
            }
        }
        _ => asked,
    };
    let start = from.midnight().assume_offset(kesu_store::reporting::CHINA);
    let end = start + Duration::days(days.clamp(1, 366));
    let list = activities::between(&s.ctx.db, &region, start, end, 500).await?;
    let mut out = Vec::with_capacity(list.len());
    for a in list {
        out.push(view(s, a).await?);
    }
    Ok(out)
}

/// A scan at a place.
#[derive(Debug, Clone)]
pub struct CheckInInput {
    pub code: String,
    pub place: Place,
    /// The venue's key from its QR poster: required of citizens checking themselves in.
    pub venue_key: Option<String>,
    /// The client's key for this scan (idempotency).
    pub client_key: String,
    /// When a queued scan happened, by the client's clock.
    pub scanned_at: Option<OffsetDateTime>,
}

/// The answer to a scan.
#[derive(Debug, Clone, Serialize)]
pub struct CheckInResult {
    pub outcome: Outcome,
    pub booking: BookingView,
    /// Whether this request added a check-in (false for a repeat of the same scan).
    pub counted: bool,
}

/// The place's region and check-in key.
async fn place_info(s: &Services, place: Place) -> Result<(String, String, bool)> {
    match place {
        Place::Activity(id) => {
            let a = activities::get(&s.ctx.db, id)
                .await?
                .ok_or(Error::NotFound)?;
            Ok((a.region_code, a.checkin_key, a.cancelled))
        }
        Place::Base(id) => {
            let r = catalogue::get(&s.ctx.db, id)
                .await?
                .ok_or(Error::NotFound)?;
            Ok((r.region_code, r.checkin_key, false))
        }
    }
}

fn place_text(p: Place) -> String {
    match p {
        Place::Activity(id) => format!("activity:{id}"),
        Place::Base(id) => format!("base:{id}"),
    }
}

/// Check in a booking at a place: by the citizen with the venue's key (throttled per address),
/// or by the place's staff. The same scan sent again counts once; every refusal says why.
pub async fn check_in(
    s: &Services,
    caller: &Caller,
    input: &CheckInInput,
    client: Option<&str>,
) -> Result<CheckInResult> {
    let now = s.ctx.now();
    let (region, key, _) = place_info(s, input.place).await?;
    match &caller.principal {
        Principal::Public => {
            s.throttles.address(client, now)?;
            let given = input.venue_key.as_deref().unwrap_or("");
            if !same_key(given, &key) {
                return Err(Error::NotFound);
            }
        }
        _ => super::read(caller, &region)?,
    }
    checkin::check_key(&input.client_key)?;
    let code = Code::parse(&input.code)?;
    let scan = Scan {
        key: input.client_key.clone(),
        scanned_at: input.scanned_at,
        received_at: now,
    };
    let mut tx = s.ctx.db.begin().await?;
    let b = bookings::by_code_in(&mut tx, code.as_str())
        .await?
        .ok_or_else(|| {
            Error::invalid_field("code", "未找到该预约码，请核对 (no booking with this code)")
        })?;
    if let Some(prior) = checkins::by_key(&mut tx, &input.client_key).await?
        && prior.booking_id != b.id
    {
        return Err(Error::invalid_field(
            "key",
            "该签到请求标识已用于另一个预约 (the key belongs to another scan)",
        ));
    }
    let slot = slots::get_in(&mut tx, b.slot_id)
        .await?
        .ok_or(Error::NotFound)?;
    let activity_cancelled = match slot.activity_id {
        Some(a) => activities::get_in(&mut tx, a)
            .await?
            .is_some_and(|a| a.cancelled),
        None => false,
    };
    let state = BookingState::parse(&b.state)
        .ok_or_else(|| Error::Internal(format!("booking state {}", b.state)))?;
    let rules_booking = checkin::Booking {
        state,
        slot: rules_slot(&slot),
        place: place_of(&slot),
        activity_cancelled,
    };
    let existing = checkins::of_booking(&mut tx, b.id)
        .await?
        .map(|c| checkin::Existing {
            key: c.client_key,
            at: c.at,
        });
    let outcome = checkin::check_in(&rules_booking, input.place, existing.as_ref(), &scan)?;
    let counted = match outcome {
        Outcome::Repeated { .. } => false,
        Outcome::CheckedIn { at, offline } => {
            let place = place_text(input.place);
            let inserted = checkins::insert(
                &mut tx,
                &checkins::NewCheckin {
                    booking_id: b.id,
                    client_key: &input.client_key,
                    place: &place,
                    region_code: &b.region_code,
                    people: b.people,
                    at,
                    received_at: now,
                    offline,
                    by_actor: who(caller),
                },
            )
            .await?;
            let Some(cid) = inserted else {
                // Another scanner stored this booking's check-in between our read and write
                // (PostgreSQL); answer as the rules do for it.
                tx.rollback().await?;
                return Box::pin(check_in(s, caller, input, client)).await;
            };
            bookings::set_state(&mut tx, b.id, BookingState::CheckedIn.as_str(), None, now).await?;
            if let Some(pupil) = b.pupil_id {
                super::credits::credit_check_in(s, &mut tx, pupil, cid, at, caller).await?;
            }
            audit::record_in_region(
                &mut tx,
                &caller.audit,
                Some(&b.region_code),
                "services.checkin",
                &format!("service_booking:{}", b.id),
                Some(&json!({"state": state.as_str()})),
                Some(
                    &json!({"state": "checked_in", "checkin": cid, "place": place,
                             "at": china_minute(at), "offline": offline, "people": b.people,
                             "name": b.name_masked}),
                ),
            )
            .await?;
            true
        }
    };
    tx.commit().await?;
    let booking = super::bookings::by_code(s, code.as_str()).await?;
    Ok(CheckInResult {
        outcome,
        booking,
        counted,
    })
}

/// Void a check-in made in error (the place's office, with a reason): it stays, marked, no
/// longer counts, and any credit it gave is reversed.
pub async fn void(s: &Services, caller: &Caller, id: i64, reason: &str) -> Result<()> {
    let c = checkins::get(&s.ctx.db, id).await?.ok_or(Error::NotFound)?;
    administer(caller, &c.region_code)?;
    let reason = kesu_services::required_text("reason", "作废原因", reason, 500)?;
    let mut tx = s.ctx.db.begin().await?;
    if !checkins::void(&mut tx, id, &reason).await? {
        return Err(Error::Conflict("该签到已作废 (already voided)".into()));
    }
    super::credits::void_check_in(s, &mut tx, id, &reason, caller).await?;
    audit::record_in_region(
        &mut tx,
        &caller.audit,
        Some(&c.region_code),
        "services.checkin.void",
        &format!("service_checkin:{id}"),
        Some(&json!({"voided": false})),
        Some(&json!({"voided": true, "reason": reason})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The public link of a place's self check-in page (for its QR poster).
pub fn checkin_path(place: Place, key: &str) -> String {
    match place {
        Place::Activity(id) => format!("/s/activities/{id}/checkin?k={key}"),
        Place::Base(id) => format!("/s/resources/{id}/checkin?k={key}"),
    }
}
