//! Visit slots and bookings: offices open slots, citizens book (1–5 people, or a school group
//! waiting for approval), see and cancel their booking by its code; offices approve, reject and
//! cancel. Places are taken inside the booking's transaction by one conditional update.

use super::{Services, administer, read, who};
use crate::{Caller, Error, Principal, Result};
use kesu_services::booking::{self, BookingRequest, BookingState, Change, SlotInput};
use kesu_services::checkin::{Place, china_minute};
use kesu_services::code::{self, Code};
use kesu_services::personal;
use kesu_store::audit;
use kesu_store::services::{activities, bookings as store, catalogue, checkins, slots};
use serde::Serialize;
use serde_json::json;
use time::{Duration, OffsetDateTime};

/// A slot as pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct SlotView {
    pub id: i64,
    pub resource_id: Option<i64>,
    pub activity_id: Option<i64>,
    pub region_code: String,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    pub capacity: i64,
    pub booked: i64,
    pub left: i64,
    pub cancelled: bool,
    /// `2025-05-10 09:00–11:00` (China time).
    pub label: String,
}

impl From<slots::Slot> for SlotView {
    fn from(s: slots::Slot) -> SlotView {
        let end = china_minute(s.ends_at);
        SlotView {
            label: format!("{}–{}", china_minute(s.starts_at), &end[11..]),
            left: (s.capacity - s.booked).max(0),
            id: s.id,
            resource_id: s.resource_id,
            activity_id: s.activity_id,
            region_code: s.region_code,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            capacity: s.capacity,
            booked: s.booked,
            cancelled: s.cancelled,
        }
    }
}

pub(crate) fn rules_slot(s: &slots::Slot) -> booking::Slot {
    booking::Slot {
        id: s.id,
        starts_at: s.starts_at,
        ends_at: s.ends_at,
        capacity: s.capacity,
        booked: s.booked,
        cancelled: s.cancelled,
    }
}

/// Where a slot's bookings check in.
pub(crate) fn place_of(s: &slots::Slot) -> Place {
    match (s.activity_id, s.resource_id) {
        (Some(a), _) => Place::Activity(a),
        (None, Some(r)) => Place::Base(r),
        (None, None) => Place::Base(0),
    }
}

/// A base's slots from now on.
pub(crate) async fn slots_of(s: &Services, resource_id: i64) -> Result<Vec<SlotView>> {
    Ok(slots::of_resource(&s.ctx.db, resource_id, s.ctx.now(), 200)
        .await?
        .into_iter()
        .map(SlotView::from)
        .collect())
}

/// The slot `id` if the caller may see it: a published base's or an activity's slot is public;
/// any slot of its subtree is its office's.
async fn visible_slot(s: &Services, caller: &Caller, id: i64) -> Result<slots::Slot> {
    let slot = slots::get(&s.ctx.db, id).await?.ok_or(Error::NotFound)?;
    let public = match (slot.activity_id, slot.resource_id) {
        (Some(_), _) => true,
        (None, Some(r)) => catalogue::get(&s.ctx.db, r)
            .await?
            .is_some_and(|r| r.published),
        _ => false,
    };
    if public || super::reads(caller, &slot.region_code)? {
        Ok(slot)
    } else {
        Err(Error::NotFound)
    }
}

/// One slot: capacity, booked, places left.
pub async fn slot(s: &Services, caller: &Caller, id: i64) -> Result<SlotView> {
    Ok(visible_slot(s, caller, id).await?.into())
}

/// A new slot at a base.
#[derive(Debug, Clone)]
pub struct NewSlot {
    pub resource_id: i64,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub capacity: i64,
}

/// Open a visit slot at a base (the base's office).
pub async fn create_slot(s: &Services, caller: &Caller, input: &NewSlot) -> Result<i64> {
    super::require_admin(caller)?;
    super::catalogue::administered(s, caller, input.resource_id).await?;
    let r = super::catalogue::visible(s, caller, input.resource_id).await?;
    let kind = kesu_services::catalogue::ResourceKind::parse(&r.kind)?;
    if !kind.has_slots() {
        return Err(Error::invalid_field(
            "resource_id",
            format!("{}不接受预约 (this kind has no visit slots)", kind.zh()),
        ));
    }
    SlotInput {
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        capacity: input.capacity,
    }
    .validate(s.ctx.now())?;
    let mut tx = s.ctx.db.begin().await?;
    let id = slots::insert(
        &mut tx,
        &slots::NewSlot {
            resource_id: Some(r.id),
            activity_id: None,
            region_code: &r.region_code,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            capacity: input.capacity,
        },
        who(caller),
        s.ctx.now(),
    )
    .await?;
    audit::record_in_region(
        &mut tx,
        &caller.audit,
        Some(&r.region_code),
        "services.slot.create",
        &format!("service_slot:{id}"),
        None,
        Some(
            &json!({"resource": r.id, "starts_at": china_minute(input.starts_at),
                     "ends_at": china_minute(input.ends_at), "capacity": input.capacity}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A booking as someone types it.
#[derive(Debug, Clone, Default)]
pub struct BookInput {
    pub slot_id: i64,
    pub name: String,
    pub phone: String,
    pub people: i64,
    /// A school or other group (then the booker is its teacher, and the base approves).
    pub organisation: Option<String>,
    /// A pupil's credit code: the visit then counts towards the pupil's credits.
    pub pupil_code: Option<String>,
}

/// A booking as its holder sees it (masks only).
#[derive(Debug, Clone, Serialize)]
pub struct BookingView {
    pub id: i64,
    /// `K7Q-M3X-PAC`
    pub code: String,
    pub state: String,
    pub state_zh: &'static str,
    pub kind: String,
    pub organisation: Option<String>,
    pub people: i64,
    pub name_masked: String,
    pub phone_masked: String,
    pub reason: Option<String>,
    pub slot: SlotView,
    /// What the booking is for: the base's or the activity's name.
    pub place_title: String,
    pub place_link: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub checked_in_at: Option<OffsetDateTime>,
    pub no_show: bool,
}

async fn booking_view(s: &Services, b: store::Booking) -> Result<BookingView> {
    let slot = slots::get(&s.ctx.db, b.slot_id)
        .await?
        .ok_or_else(|| Error::Internal(format!("booking {} without slot", b.id)))?;
    let (place_title, place_link) = match place_of(&slot) {
        Place::Activity(a) => (
            activities::get(&s.ctx.db, a)
                .await?
                .map(|a| a.title)
                .unwrap_or_default(),
            format!("/s/activities/{a}"),
        ),
        Place::Base(r) => (
            catalogue::get(&s.ctx.db, r)
                .await?
                .map(|r| r.name)
                .unwrap_or_default(),
            format!("/s/resources/{r}"),
        ),
    };
    let checked = checkins::for_booking(&s.ctx.db, b.id).await?;
    let state = BookingState::parse(&b.state)
        .ok_or_else(|| Error::Internal(format!("booking state {}", b.state)))?;
    let code = Code::parse(&b.code).map(|c| c.display()).unwrap_or(b.code);
    Ok(BookingView {
        id: b.id,
        code,
        state_zh: state.zh(),
        no_show: booking::is_no_show(state, &rules_slot(&slot), s.ctx.now()),
        state: b.state,
        kind: b.kind,
        organisation: b.organisation,
        people: b.people,
        name_masked: b.name_masked,
        phone_masked: b.phone_masked,
        reason: b.reason,
        slot: slot.into(),
        place_title,
        place_link,
        checked_in_at: checked.filter(|c| !c.voided).map(|c| c.at),
    })
}

/// Book a slot. Public callers are throttled per address and per phone. A full slot is a
/// conflict naming the places left.
pub async fn book(
    s: &Services,
    caller: &Caller,
    input: &BookInput,
    client: Option<&str>,
) -> Result<BookingView> {
    let now = s.ctx.now();
    let public = matches!(caller.principal, Principal::Public);
    if public {
        s.throttles.address(client, now)?;
    }
    let slot = visible_slot(s, caller, input.slot_id).await?;
    let req = BookingRequest::new(input.people, input.organisation.as_deref())?;
    let name = personal::seal_name(s.sealer()?, &input.name)?;
    let phone = personal::seal_phone(s.sealer()?, &input.phone)?;
    let blind = phone
        .blind
        .clone()
        .ok_or_else(|| Error::Internal("phone without index".into()))?;
    if public {
        s.throttles.phone(&blind, now)?;
    }
    let pupil_id = match input
        .pupil_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        None => None,
        Some(c) => {
            let canonical = Code::parse(c)
                .map_err(|_| Error::invalid_field("pupil_code", "学分码有误 (bad pupil code)"))?;
            Some(
                kesu_store::services::credits::pupil_by_code(&s.ctx.db, canonical.as_str())
                    .await?
                    .ok_or_else(|| {
                        Error::invalid_field("pupil_code", "学分码有误 (bad pupil code)")
                    })?
                    .id,
            )
        }
    };
    let (kind, organisation) = match &req.kind {
        booking::BookingKind::Individual => ("individual", None),
        booking::BookingKind::Group { organisation } => ("group", Some(organisation.as_str())),
    };
    let mut tx = s.ctx.db.begin().await?;
    let current = slots::get_in(&mut tx, slot.id)
        .await?
        .ok_or(Error::NotFound)?;
    let since = now - Duration::days(s.rules.no_show_window_days);
    let no_shows = store::no_shows(&mut tx, &blind, since, now).await?;
    let state = booking::admit(&s.rules, &rules_slot(&current), &req, now, &no_shows)?;
    if !slots::take_places(&mut tx, slot.id, req.people).await? {
        tx.rollback().await?;
        let left = slots::get(&s.ctx.db, slot.id)
            .await?
            .map_or(0, |s| (s.capacity - s.booked).max(0));
        return Err(booking::full(left).into());
    }
    let mut id = None;
    for _ in 0..8 {
        let code = Code::from_random(super::random::<{ code::RANDOM_BYTES }>()?)
            .as_str()
            .to_string();
        id = store::insert(
            &mut tx,
            &store::NewBooking {
                slot_id: slot.id,
                region_code: &slot.region_code,
                code: &code,
                kind,
                organisation,
                people: req.people,
                state: state.as_str(),
                name_sealed: &name.sealed,
                name_masked: &name.masked,
                phone_sealed: &phone.sealed,
                phone_masked: &phone.masked,
                phone_blind: &blind,
                pupil_id,
            },
            now,
        )
        .await?;
        if id.is_some() {
            break;
        }
    }
    let id = id.ok_or_else(|| Error::Internal("no free booking code".into()))?;
    audit::record_in_region(
        &mut tx,
        &caller.audit,
        Some(&slot.region_code),
        "services.booking.create",
        &format!("service_booking:{id}"),
        None,
        Some(
            &json!({"slot": slot.id, "kind": kind, "organisation": organisation,
                     "people": req.people, "state": state.as_str(),
                     "name": name.masked, "phone": phone.masked}),
        ),
    )
    .await?;
    tx.commit().await?;
    let b = store::get(&s.ctx.db, id).await?.ok_or(Error::NotFound)?;
    booking_view(s, b).await
}

/// A booking by its code (its holder's page). A code that is not well formed or not found is
/// the same "not found", so codes cannot be probed for shape.
pub async fn by_code(s: &Services, code: &str) -> Result<BookingView> {
    let c = Code::parse(code).map_err(|_| Error::NotFound)?;
    let b = store::by_code(&s.ctx.db, c.as_str())
        .await?
        .ok_or(Error::NotFound)?;
    booking_view(s, b).await
}

/// The QR code of a booking's code, as an SVG document.
pub fn qr(code: &str) -> Result<String> {
    let c = Code::parse(code).map_err(|_| Error::NotFound)?;
    Ok(code::qr_svg(c.as_str())?)
}

/// Change a booking: its holder cancels (by code, before the cut-off); the office approves,
/// rejects or cancels (with a reason). The places go back to the slot in the same transaction.
async fn change(
    s: &Services,
    caller: &Caller,
    b: store::Booking,
    ch: &Change,
    by: booking::Actor,
) -> Result<()> {
    let now = s.ctx.now();
    let mut tx = s.ctx.db.begin().await?;
    let slot = slots::get_in(&mut tx, b.slot_id)
        .await?
        .ok_or(Error::NotFound)?;
    // Re-read inside the transaction: a second click, or a scan at the door, may have come first.
    let current = store::by_code_in(&mut tx, &b.code)
        .await?
        .ok_or(Error::NotFound)?;
    let state = BookingState::parse(&current.state)
        .ok_or_else(|| Error::Internal(format!("booking state {}", current.state)))?;
    let next = booking::change(&s.rules, state, &rules_slot(&slot), ch, by, now)?;
    let reason = match ch {
        Change::Approve => None,
        Change::Reject { reason } | Change::Cancel { reason } => {
            Some(reason.trim()).filter(|r| !r.is_empty())
        }
    };
    store::set_state(&mut tx, b.id, next.as_str(), reason, now).await?;
    if state.holds_places() && !next.holds_places() {
        slots::give_back(&mut tx, b.slot_id, b.people).await?;
    }
    audit::record_in_region(
        &mut tx,
        &caller.audit,
        Some(&b.region_code),
        match ch {
            Change::Approve => "services.booking.approve",
            Change::Reject { .. } => "services.booking.reject",
            Change::Cancel { .. } => "services.booking.cancel",
        },
        &format!("service_booking:{}", b.id),
        Some(&json!({"state": state.as_str()})),
        Some(&json!({"state": next.as_str(), "reason": reason})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The holder cancels by code.
pub async fn cancel_by_code(s: &Services, caller: &Caller, code: &str) -> Result<BookingView> {
    let c = Code::parse(code).map_err(|_| Error::NotFound)?;
    let b = store::by_code(&s.ctx.db, c.as_str())
        .await?
        .ok_or(Error::NotFound)?;
    change(
        s,
        caller,
        b,
        &Change::Cancel {
            reason: String::new(),
        },
        booking::Actor::Booker,
    )
    .await?;
    by_code(s, c.as_str()).await
}

/// Whether the caller administers booking `id` (404 out of its subtree, 403 for a reading role).
pub async fn administered(s: &Services, caller: &Caller, id: i64) -> Result<()> {
    let b = store::get(&s.ctx.db, id).await?.ok_or(Error::NotFound)?;
    administer(caller, &b.region_code)
}

/// The office approves, rejects or cancels a booking of its subtree.
pub async fn office_change(s: &Services, caller: &Caller, id: i64, ch: &Change) -> Result<()> {
    administered(s, caller, id).await?;
    let b = store::get(&s.ctx.db, id).await?.ok_or(Error::NotFound)?;
    change(s, caller, b, ch, booking::Actor::Office).await
}

/// A slot's bookings, for its office.
pub async fn of_slot(
    s: &Services,
    caller: &Caller,
    slot_id: i64,
) -> Result<(SlotView, Vec<store::Booking>)> {
    let slot = slots::get(&s.ctx.db, slot_id)
        .await?
        .ok_or(Error::NotFound)?;
    read(caller, &slot.region_code)?;
    let list = store::of_slot(&s.ctx.db, slot_id).await?;
    Ok((slot.into(), list))
}

/// The office's recent bookings (optionally in one state).
pub async fn recent(
    s: &Services,
    caller: &Caller,
    state: Option<&str>,
) -> Result<Vec<store::Booking>> {
    let region = super::office_region(caller)?;
    if let Some(st) = state
        && BookingState::parse(st).is_none()
    {
        return Err(Error::invalid_field(
            "state",
            "预约状态无效 (unknown state)",
        ));
    }
    Ok(store::in_region(&s.ctx.db, &region, state, 500).await?)
}

/// The booker's name and phone in full, for the office that must call them: audited with the
/// purpose given. Reviewers and viewers may not.
pub async fn reveal(
    s: &Services,
    caller: &Caller,
    id: i64,
    purpose: &str,
) -> Result<(String, String)> {
    let b = store::get(&s.ctx.db, id).await?.ok_or(Error::NotFound)?;
    administer(caller, &b.region_code)?;
    let (name, phone) = store::sealed(&s.ctx.db, id).await?.ok_or(Error::NotFound)?;
    let contact = super::Contact {
        region: &b.region_code,
        object: format!("service_booking:{id}"),
        action: "services.booking.reveal",
        name_sealed: &name,
        phone_sealed: &phone,
        name_masked: &b.name_masked,
        phone_masked: &b.phone_masked,
    };
    super::reveal(s, caller, contact, purpose).await
}
