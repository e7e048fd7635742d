//! Visit slots and bookings (科普基地预约).
//!
//! A slot is a time at a base (or an activity's registration) with a capacity. A citizen books
//! for 1–5 people; a school books a group as one order with a teacher, which waits for the
//! base's approval. The places are taken when the booking is made (also for a group waiting for
//! approval, so that an approval never overfills a slot) and given back when it is cancelled or
//! rejected. The rules here decide whether a request may go ahead; the store's conditional
//! update is what makes overbooking impossible under concurrency.
//!
//! No-shows are not a state someone must remember to set: a confirmed booking whose slot has
//! ended without a check-in *is* a no-show. Three in 90 days stop the phone number from booking
//! for 30 days after the last one (the rule venues such as 青岛科技馆 publish).

use crate::error::{Reason, Result, ServicesError, optional_text, required_text};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// The rules a base applies to bookings. One set for now; per-base rules would be a column.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BookingRules {
    /// How far ahead a slot can be booked.
    pub opens_days_before: i64,
    /// Largest individual booking.
    pub max_individual: i64,
    /// Smallest and largest group booking.
    pub min_group: i64,
    pub max_group: i64,
    /// A citizen cancels at the latest this long before the slot starts.
    pub cancel_minutes_before: i64,
    /// No-shows within `no_show_window_days` that stop a phone from booking …
    pub no_show_limit: usize,
    pub no_show_window_days: i64,
    /// … for this many days after the last one.
    pub ban_days: i64,
}

impl Default for BookingRules {
    fn default() -> Self {
        BookingRules {
            opens_days_before: 14,
            max_individual: 5,
            min_group: 6,
            max_group: 100,
            cancel_minutes_before: 120,
            no_show_limit: 3,
            no_show_window_days: 90,
            ban_days: 30,
        }
    }
}

/// A slot as the rules see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Slot {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    pub capacity: i64,
    pub booked: i64,
    pub cancelled: bool,
}

impl Slot {
    pub fn left(&self) -> i64 {
        (self.capacity - self.booked).max(0)
    }
}

/// A new slot as the office enters it.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotInput {
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub capacity: i64,
}

/// The largest capacity of one slot (a stadium-sized event is several slots).
pub const MAX_CAPACITY: i64 = 100_000;

impl SlotInput {
    /// Check a new slot: it ends after it starts, lasts at most a day, is not over, and holds
    /// 1–100,000 people.
    pub fn validate(&self, now: OffsetDateTime) -> Result<()> {
        if self.ends_at <= self.starts_at {
            return Err(ServicesError::invalid(
                "end",
                "结束时间须晚于开始时间 (end must be after start)",
            ));
        }
        if self.ends_at - self.starts_at > Duration::days(1) {
            return Err(ServicesError::invalid(
                "end",
                "一个时段不能超过一天，请分成多个时段 (a slot lasts at most a day)",
            ));
        }
        if self.ends_at <= now {
            return Err(ServicesError::invalid(
                "end",
                "时段已经结束 (the slot is in the past)",
            ));
        }
        if !(1..=MAX_CAPACITY).contains(&self.capacity) {
            return Err(ServicesError::invalid(
                "capacity",
                format!("容量应为 1 到 {MAX_CAPACITY} 人 (capacity out of range)"),
            ));
        }
        Ok(())
    }
}

/// Who books.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BookingKind {
    /// A citizen for themself and up to four companions.
    Individual,
    /// A school class or other group, booked by its teacher; waits for approval.
    Group { organisation: String },
}

/// The state of a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingState {
    /// 待审核 (a group): places held.
    Pending,
    /// 已确认
    Confirmed,
    /// 未通过 (a group the base turned down): places given back.
    Rejected,
    /// 已取消: places given back.
    Cancelled,
    /// 已签到
    CheckedIn,
}

impl BookingState {
    pub const ALL: [BookingState; 5] = [
        BookingState::Pending,
        BookingState::Confirmed,
        BookingState::Rejected,
        BookingState::Cancelled,
        BookingState::CheckedIn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BookingState::Pending => "pending",
            BookingState::Confirmed => "confirmed",
            BookingState::Rejected => "rejected",
            BookingState::Cancelled => "cancelled",
            BookingState::CheckedIn => "checked_in",
        }
    }

    pub fn parse(s: &str) -> Option<BookingState> {
        BookingState::ALL.into_iter().find(|b| b.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            BookingState::Pending => "待审核",
            BookingState::Confirmed => "已确认",
            BookingState::Rejected => "未通过",
            BookingState::Cancelled => "已取消",
            BookingState::CheckedIn => "已签到",
        }
    }

    /// Whether the booking holds places in its slot.
    pub fn holds_places(self) -> bool {
        matches!(
            self,
            BookingState::Pending | BookingState::Confirmed | BookingState::CheckedIn
        )
    }
}

/// What a booker asks for, before personal data is sealed.
#[derive(Debug, Clone, PartialEq)]
pub struct BookingRequest {
    pub people: i64,
    pub kind: BookingKind,
}

impl BookingRequest {
    /// An individual booking or a group (with the organisation's name).
    pub fn new(people: i64, group_organisation: Option<&str>) -> Result<Self> {
        let kind = match group_organisation {
            Some(o) => BookingKind::Group {
                organisation: required_text("organisation", "学校或单位名称", o, 60)?,
            },
            None => BookingKind::Individual,
        };
        Ok(BookingRequest { people, kind })
    }
}

/// Whether a request may go ahead now, and the state the booking starts in. The caller gives the
/// person's recent no-shows (end times of their confirmed, never checked-in, ended slots).
pub fn admit(
    rules: &BookingRules,
    slot: &Slot,
    req: &BookingRequest,
    now: OffsetDateTime,
    no_shows: &[OffsetDateTime],
) -> Result<BookingState> {
    let (lo, hi, start_state) = match req.kind {
        BookingKind::Individual => (1, rules.max_individual, BookingState::Confirmed),
        BookingKind::Group { .. } => (rules.min_group, rules.max_group, BookingState::Pending),
    };
    if req.people < lo || req.people > hi {
        let what = match req.kind {
            BookingKind::Individual => "个人预约",
            BookingKind::Group { .. } => "团体预约",
        };
        return Err(ServicesError::Invalid {
            field: "people",
            message: format!("{what}人数应为 {lo} 到 {hi} 人 (people out of range)"),
        });
    }
    if slot.cancelled {
        return Err(ServicesError::refused(
            Reason::Cancelled,
            "该时段已取消 (the slot was cancelled)",
        ));
    }
    if now >= slot.starts_at {
        return Err(ServicesError::refused(
            Reason::WrongTime,
            "该时段已开始或已结束，不能再预约 (the slot has started)",
        ));
    }
    if slot.starts_at - now > Duration::days(rules.opens_days_before) {
        return Err(ServicesError::refused(
            Reason::WrongTime,
            format!(
                "只能预约 {} 天内的时段 (booking opens {} days ahead)",
                rules.opens_days_before, rules.opens_days_before
            ),
        ));
    }
    if let Some(until) = banned_until(rules, no_shows, now) {
        return Err(ServicesError::refused(
            Reason::Banned,
            format!(
                "近 {} 天内有 {} 次预约未到，{} 前暂停预约 (too many no-shows)",
                rules.no_show_window_days,
                rules.no_show_limit,
                until.date()
            ),
        ));
    }
    if slot.left() < req.people {
        return Err(full(slot.left()));
    }
    Ok(start_state)
}

/// The refusal for a slot with `left` places.
pub fn full(left: i64) -> ServicesError {
    ServicesError::refused(
        Reason::Full,
        if left <= 0 {
            "该时段已约满 (the slot is full)".to_string()
        } else {
            format!("该时段仅剩 {left} 个名额 (only {left} places left)")
        },
    )
}

/// Until when a person with these no-shows may not book, if they may not now.
pub fn banned_until(
    rules: &BookingRules,
    no_shows: &[OffsetDateTime],
    now: OffsetDateTime,
) -> Option<OffsetDateTime> {
    let mut recent: Vec<OffsetDateTime> = no_shows
        .iter()
        .copied()
        .filter(|t| *t <= now && now - *t <= Duration::days(rules.no_show_window_days))
        .collect();
    if recent.len() < rules.no_show_limit {
        return None;
    }
    recent.sort();
    let last = *recent.last()?;
    let until = last + Duration::days(rules.ban_days);
    (until > now).then_some(until)
}

/// Who changes a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// The booker, holding the code.
    Booker,
    /// The base's office.
    Office,
}

/// A change to a booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The office approves a group.
    Approve,
    /// The office turns a group down (reason required).
    Reject { reason: String },
    /// The booker (before the cut-off) or the office (any time before the slot ends, with a
    /// reason) cancels.
    Cancel { reason: String },
}

/// The state after `change`, or why not. `slot` gives the times for the cut-off.
pub fn change(
    rules: &BookingRules,
    state: BookingState,
    slot: &Slot,
    change: &Change,
    by: Actor,
    now: OffsetDateTime,
) -> Result<BookingState> {
    let wrong = |what: &str| {
        ServicesError::refused(
            Reason::WrongState,
            format!(
                "预约当前为“{}”，不能{what} (not allowed in this state)",
                state.zh()
            ),
        )
    };
    match change {
        Change::Approve | Change::Reject { .. } if by != Actor::Office => {
            Err(ServicesError::refused(
                Reason::WrongParty,
                "只有基地管理方可以审核团体预约 (only the office reviews groups)",
            ))
        }
        Change::Approve => match state {
            BookingState::Pending => Ok(BookingState::Confirmed),
            _ => Err(wrong("审核通过")),
        },
        Change::Reject { reason } => {
            required_text("reason", "不通过的理由", reason, 500)?;
            match state {
                BookingState::Pending => Ok(BookingState::Rejected),
                _ => Err(wrong("审核不通过")),
            }
        }
        Change::Cancel { reason } => {
            optional_text("reason", "取消原因", reason, 500)?;
            if !matches!(state, BookingState::Pending | BookingState::Confirmed) {
                return Err(wrong("取消"));
            }
            match by {
                Actor::Booker => {
                    if slot.starts_at - now < Duration::minutes(rules.cancel_minutes_before) {
                        return Err(ServicesError::refused(
                            Reason::WrongTime,
                            format!(
                                "开始前 {} 分钟内不能自行取消，请联系基地 (too late to cancel)",
                                rules.cancel_minutes_before
                            ),
                        ));
                    }
                }
                Actor::Office => {
                    required_text("reason", "取消原因", reason, 500)?;
                    if now >= slot.ends_at {
                        return Err(ServicesError::refused(
                            Reason::WrongTime,
                            "时段已结束，不能取消 (the slot is over)",
                        ));
                    }
                }
            }
            Ok(BookingState::Cancelled)
        }
    }
}

/// Whether a booking in `state` for `slot` is a no-show at `now`.
pub fn is_no_show(state: BookingState, slot: &Slot, now: OffsetDateTime) -> bool {
    state == BookingState::Confirmed && now >= slot.ends_at && !slot.cancelled
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn slot(capacity: i64, booked: i64) -> Slot {
        Slot {
            id: 1,
            starts_at: datetime!(2025-05-10 09:00 +8),
            ends_at: datetime!(2025-05-10 11:00 +8),
            capacity,
            booked,
            cancelled: false,
        }
    }

    const NOW: OffsetDateTime = datetime!(2025-05-05 12:00 +8);

    fn one() -> BookingRequest {
        BookingRequest::new(1, None).unwrap()
    }

    #[test]
    fn an_individual_booking_is_confirmed_at_once() {
        let s = admit(&BookingRules::default(), &slot(10, 0), &one(), NOW, &[]).unwrap();
        assert_eq!(s, BookingState::Confirmed);
    }

    #[test]
    fn a_school_group_waits_for_approval() {
        let req = BookingRequest::new(40, Some("娄星区第一小学")).unwrap();
        let s = admit(&BookingRules::default(), &slot(100, 0), &req, NOW, &[]).unwrap();
        assert_eq!(s, BookingState::Pending);
        assert!(s.holds_places());
    }

    #[test]
    fn too_many_people_for_the_places_left_is_full() {
        let req = BookingRequest::new(3, None).unwrap();
        let e = admit(&BookingRules::default(), &slot(10, 8), &req, NOW, &[]).unwrap_err();
        assert_eq!(e.reason(), Some(Reason::Full));
        assert!(e.to_string().contains("仅剩 2"));
    }

    #[test]
    fn an_individual_cannot_book_for_a_crowd() {
        let req = BookingRequest::new(6, None).unwrap();
        let e = admit(&BookingRules::default(), &slot(10, 0), &req, NOW, &[]).unwrap_err();
        assert!(matches!(
            e,
            ServicesError::Invalid {
                field: "people",
                ..
            }
        ));
    }

    #[test]
    fn a_started_slot_or_one_too_far_ahead_cannot_be_booked() {
        let r = BookingRules::default();
        let started = datetime!(2025-05-10 09:30 +8);
        assert_eq!(
            admit(&r, &slot(10, 0), &one(), started, &[])
                .unwrap_err()
                .reason(),
            Some(Reason::WrongTime)
        );
        let early = datetime!(2025-04-01 09:30 +8);
        assert_eq!(
            admit(&r, &slot(10, 0), &one(), early, &[])
                .unwrap_err()
                .reason(),
            Some(Reason::WrongTime)
        );
    }

    #[test]
    fn three_no_shows_in_ninety_days_stop_booking_for_thirty_days_after_the_last() {
        let r = BookingRules::default();
        let shows = [
            datetime!(2025-03-01 11:00 +8),
            datetime!(2025-04-01 11:00 +8),
            datetime!(2025-04-20 11:00 +8),
        ];
        let e = admit(&r, &slot(10, 0), &one(), NOW, &shows).unwrap_err();
        assert_eq!(e.reason(), Some(Reason::Banned));
        // Thirty days after the last one, booking is open again.
        let later = datetime!(2025-05-21 12:00 +8);
        assert_eq!(banned_until(&r, &shows, later), None);
        // Two are not enough.
        assert_eq!(banned_until(&r, &shows[1..], NOW), None);
    }

    #[test]
    fn a_booker_cancels_only_before_the_cut_off() {
        let r = BookingRules::default();
        let s = slot(10, 1);
        let c = Change::Cancel {
            reason: String::new(),
        };
        assert_eq!(
            change(&r, BookingState::Confirmed, &s, &c, Actor::Booker, NOW).unwrap(),
            BookingState::Cancelled
        );
        let late = datetime!(2025-05-10 08:00 +8);
        let e = change(&r, BookingState::Confirmed, &s, &c, Actor::Booker, late).unwrap_err();
        assert_eq!(e.reason(), Some(Reason::WrongTime));
    }

    #[test]
    fn the_office_cancels_with_a_reason_only() {
        let r = BookingRules::default();
        let c = Change::Cancel { reason: " ".into() };
        assert!(
            change(
                &r,
                BookingState::Confirmed,
                &slot(1, 1),
                &c,
                Actor::Office,
                NOW
            )
            .is_err()
        );
    }

    #[test]
    fn only_the_office_approves_and_a_rejection_needs_a_reason() {
        let r = BookingRules::default();
        let s = slot(100, 40);
        let e = change(
            &r,
            BookingState::Pending,
            &s,
            &Change::Approve,
            Actor::Booker,
            NOW,
        )
        .unwrap_err();
        assert_eq!(e.reason(), Some(Reason::WrongParty));
        let no_reason = Change::Reject {
            reason: String::new(),
        };
        assert!(
            change(
                &r,
                BookingState::Pending,
                &s,
                &no_reason,
                Actor::Office,
                NOW
            )
            .is_err()
        );
        let with = Change::Reject {
            reason: "当日场馆检修".into(),
        };
        assert_eq!(
            change(&r, BookingState::Pending, &s, &with, Actor::Office, NOW).unwrap(),
            BookingState::Rejected
        );
    }

    #[test]
    fn a_confirmed_booking_of_an_ended_slot_is_a_no_show() {
        let s = slot(10, 1);
        assert!(!is_no_show(BookingState::Confirmed, &s, NOW));
        assert!(is_no_show(
            BookingState::Confirmed,
            &s,
            datetime!(2025-05-10 11:00 +8)
        ));
        assert!(!is_no_show(
            BookingState::CheckedIn,
            &s,
            datetime!(2025-05-10 12:00 +8)
        ));
    }

    #[test]
    fn a_slot_must_end_after_it_starts_and_hold_someone() {
        let ok = SlotInput {
            starts_at: datetime!(2025-05-10 09:00 +8),
            ends_at: datetime!(2025-05-10 11:00 +8),
            capacity: 50,
        };
        assert!(ok.validate(NOW).is_ok());
        let mut bad = ok.clone();
        bad.ends_at = bad.starts_at;
        assert!(bad.validate(NOW).is_err());
        let mut bad = ok.clone();
        bad.capacity = 0;
        assert!(bad.validate(NOW).is_err());
        let mut bad = ok;
        bad.ends_at = datetime!(2025-05-12 11:00 +8);
        assert!(bad.validate(NOW).is_err());
    }
}
