//! Activities (科普活动) and check-in by booking code (打卡/核销).
//!
//! A check-in is an idempotent redeem, as pretix does it: the client sends a key it generated
//! for this scan (a phone with a poor connection queues scans and sends them later, perhaps
//! twice). The same key is the same scan, counted once and answered as before; another scan of
//! an already checked-in booking is refused as "already checked in". Every refusal has one reason
//! from a closed set: wrong time, cancelled, not approved, wrong place, already checked in.

use crate::booking::{BookingState, Slot};
use crate::catalogue::KeyGroup;
use crate::error::{Reason, Result, ServicesError, optional_text, required_text};
use kesu_core::RegionCode;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// Check-in opens this long before the slot starts …
pub const OPENS_MINUTES_BEFORE: i64 = 60;
/// … and a scan queued offline is accepted this long after it happened.
pub const OFFLINE_HOURS: i64 = 72;

/// A new activity as the office enters it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ActivityInput {
    pub title: String,
    /// 讲座, 展览, 科普日, 大篷车巡展, 进校园 …
    pub kind: String,
    pub region: String,
    pub place: String,
    pub group: String,
    pub organiser_unit_id: Option<i64>,
    /// The catalogue entry it happens at or with (a base, a 大篷车).
    pub resource_id: Option<i64>,
}

/// A validated activity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    pub title: String,
    pub kind: String,
    pub region: RegionCode,
    pub place: String,
    pub group: Option<KeyGroup>,
    pub organiser_unit_id: Option<i64>,
    pub resource_id: Option<i64>,
}

impl ActivityInput {
    pub fn validate(&self) -> Result<Activity> {
        let region = RegionCode::parse(self.region.trim()).map_err(|e| {
            ServicesError::invalid("region", format!("区划代码无效：{e} (bad region code)"))
        })?;
        let group = if self.group.trim().is_empty() {
            None
        } else {
            Some(KeyGroup::parse(&self.group)?)
        };
        Ok(Activity {
            title: required_text("title", "活动名称", &self.title, 100)?,
            kind: required_text("kind", "活动类型", &self.kind, 20)?,
            region,
            place: optional_text("place", "活动地点", &self.place, 200)?,
            group,
            organiser_unit_id: self.organiser_unit_id,
            resource_id: self.resource_id,
        })
    }
}

/// Where a check-in happens: at an activity, or at a base's door for a plain visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "at", content = "id", rename_all = "snake_case")]
pub enum Place {
    Activity(i64),
    Base(i64),
}

/// What the rules need to know about the booking behind a code.
#[derive(Debug, Clone, PartialEq)]
pub struct Booking {
    pub state: BookingState,
    pub slot: Slot,
    /// The place its slot belongs to.
    pub place: Place,
    /// The activity is cancelled (its slot too).
    pub activity_cancelled: bool,
}

/// The booking's existing check-in, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    pub key: String,
    pub at: OffsetDateTime,
}

/// One scan as it reaches the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// The key the client generated for this scan (a UUID, or any 8–64 safe characters).
    pub key: String,
    /// When the scan happened, as the client says (queued offline scans); `None` for now.
    pub scanned_at: Option<OffsetDateTime>,
    /// When it reached the server.
    pub received_at: OffsetDateTime,
}

/// The answer to a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// A new check-in, to be stored at `at`.
    CheckedIn {
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
        offline: bool,
    },
    /// The same scan again (same key): already stored, counted once.
    Repeated {
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

/// Check a client's idempotency key: 8–64 letters, digits, `-` or `_`.
pub fn check_key(key: &str) -> Result<()> {
    let ok = (8..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ServicesError::invalid(
            "key",
            "签到请求标识应为 8–64 位字母、数字或 - _ (bad idempotency key)",
        ))
    }
}

/// When the scan counts as having happened: the client's time for a queued scan, if plausible.
fn scan_time(scan: &Scan) -> Result<(OffsetDateTime, bool)> {
    match scan.scanned_at {
        None => Ok((scan.received_at, false)),
        // A clock a little ahead is the phone's, not a scan from the future.
        Some(t) if t > scan.received_at + Duration::minutes(5) => Ok((scan.received_at, false)),
        Some(t) if scan.received_at - t > Duration::hours(OFFLINE_HOURS) => {
            Err(ServicesError::refused(
                Reason::WrongTime,
                format!("离线签到已超过 {OFFLINE_HOURS} 小时，不再受理 (offline scan too old)"),
            ))
        }
        Some(t) => Ok((t, scan.received_at - t > Duration::minutes(1))),
    }
}

/// Decide a scan of `booking` at `place`.
pub fn check_in(
    booking: &Booking,
    place: Place,
    existing: Option<&Existing>,
    scan: &Scan,
) -> Result<Outcome> {
    check_key(&scan.key)?;
    if let Some(e) = existing {
        if e.key == scan.key {
            return Ok(Outcome::Repeated { at: e.at });
        }
        return Err(ServicesError::refused(
            Reason::AlreadyCheckedIn,
            format!(
                "该预约已于 {} 签到，不重复计数 (already checked in)",
                china_minute(e.at)
            ),
        ));
    }
    if booking.place != place {
        return Err(ServicesError::refused(
            Reason::WrongPlace,
            "该预约码不是本场活动（或本基地）的预约 (the code is for another place)",
        ));
    }
    match booking.state {
        BookingState::Cancelled | BookingState::Rejected => {
            return Err(ServicesError::refused(
                Reason::Cancelled,
                "该预约已取消或未通过审核 (the booking was cancelled)",
            ));
        }
        BookingState::Pending => {
            return Err(ServicesError::refused(
                Reason::NotApproved,
                "团体预约尚未审核通过 (the group booking is not approved yet)",
            ));
        }
        BookingState::CheckedIn => {
            return Err(ServicesError::refused(
                Reason::AlreadyCheckedIn,
                "该预约已签到，不重复计数 (already checked in)",
            ));
        }
        BookingState::Confirmed => {}
    }
    if booking.slot.cancelled || booking.activity_cancelled {
        return Err(ServicesError::refused(
            Reason::Cancelled,
            "活动（时段）已取消 (the activity was cancelled)",
        ));
    }
    let (at, offline) = scan_time(scan)?;
    let opens = booking.slot.starts_at - Duration::minutes(OPENS_MINUTES_BEFORE);
    if at < opens {
        return Err(ServicesError::refused(
            Reason::WrongTime,
            format!(
                "签到尚未开始：{} 起可签到 (check-in not open yet)",
                china_minute(opens)
            ),
        ));
    }
    if at >= booking.slot.ends_at {
        return Err(ServicesError::refused(
            Reason::WrongTime,
            format!(
                "活动已于 {} 结束，不能签到 (the activity is over)",
                china_minute(booking.slot.ends_at)
            ),
        ));
    }
    Ok(Outcome::CheckedIn { at, offline })
}

/// `2025-05-10 09:00` in China time.
pub fn china_minute(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC));
    format!(
        "{}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn booking(state: BookingState) -> Booking {
        Booking {
            state,
            slot: Slot {
                id: 1,
                starts_at: datetime!(2025-05-10 09:00 +8),
                ends_at: datetime!(2025-05-10 11:00 +8),
                capacity: 10,
                booked: 1,
                cancelled: false,
            },
            place: Place::Activity(7),
            activity_cancelled: false,
        }
    }

    fn scan(key: &str, at: OffsetDateTime) -> Scan {
        Scan {
            key: key.into(),
            scanned_at: None,
            received_at: at,
        }
    }

    const DURING: OffsetDateTime = datetime!(2025-05-10 09:10 +8);

    #[test]
    fn a_confirmed_booking_checks_in_during_its_slot() {
        let o = check_in(
            &booking(BookingState::Confirmed),
            Place::Activity(7),
            None,
            &scan("scan-0001", DURING),
        )
        .unwrap();
        assert_eq!(
            o,
            Outcome::CheckedIn {
                at: DURING,
                offline: false
            }
        );
    }

    #[test]
    fn the_same_scan_sent_twice_counts_once() {
        let prior = Existing {
            key: "scan-0001".into(),
            at: DURING,
        };
        let o = check_in(
            &booking(BookingState::CheckedIn),
            Place::Activity(7),
            Some(&prior),
            &scan("scan-0001", DURING + Duration::minutes(5)),
        )
        .unwrap();
        assert_eq!(o, Outcome::Repeated { at: DURING });
    }

    #[test]
    fn a_second_scan_of_the_same_code_is_refused_as_already_checked_in() {
        let prior = Existing {
            key: "scan-0001".into(),
            at: DURING,
        };
        let e = check_in(
            &booking(BookingState::CheckedIn),
            Place::Activity(7),
            Some(&prior),
            &scan("scan-0002", DURING),
        )
        .unwrap_err();
        assert_eq!(e.reason(), Some(Reason::AlreadyCheckedIn));
        assert!(e.to_string().contains("09:10"));
    }

    #[test]
    fn too_early_and_too_late_are_the_wrong_time() {
        let b = booking(BookingState::Confirmed);
        let early = scan("scan-0001", datetime!(2025-05-10 07:59 +8));
        let e = check_in(&b, Place::Activity(7), None, &early).unwrap_err();
        assert_eq!(e.reason(), Some(Reason::WrongTime));
        let late = scan("scan-0001", datetime!(2025-05-10 11:00 +8));
        let e = check_in(&b, Place::Activity(7), None, &late).unwrap_err();
        assert_eq!(e.reason(), Some(Reason::WrongTime));
    }

    #[test]
    fn cancelled_bookings_and_activities_are_refused_as_cancelled() {
        let e = check_in(
            &booking(BookingState::Cancelled),
            Place::Activity(7),
            None,
            &scan("scan-0001", DURING),
        )
        .unwrap_err();
        assert_eq!(e.reason(), Some(Reason::Cancelled));
        let mut b = booking(BookingState::Confirmed);
        b.activity_cancelled = true;
        let e = check_in(&b, Place::Activity(7), None, &scan("scan-0001", DURING)).unwrap_err();
        assert_eq!(e.reason(), Some(Reason::Cancelled));
    }

    #[test]
    fn a_code_for_another_place_is_refused() {
        let e = check_in(
            &booking(BookingState::Confirmed),
            Place::Activity(8),
            None,
            &scan("scan-0001", DURING),
        )
        .unwrap_err();
        assert_eq!(e.reason(), Some(Reason::WrongPlace));
    }

    #[test]
    fn a_group_waiting_for_approval_cannot_check_in() {
        let e = check_in(
            &booking(BookingState::Pending),
            Place::Activity(7),
            None,
            &scan("scan-0001", DURING),
        )
        .unwrap_err();
        assert_eq!(e.reason(), Some(Reason::NotApproved));
    }

    #[test]
    fn a_queued_offline_scan_counts_at_the_time_it_happened() {
        let s = Scan {
            key: "offline-1".into(),
            scanned_at: Some(DURING),
            received_at: datetime!(2025-05-10 14:00 +8),
        };
        let o = check_in(
            &booking(BookingState::Confirmed),
            Place::Activity(7),
            None,
            &s,
        )
        .unwrap();
        assert_eq!(
            o,
            Outcome::CheckedIn {
                at: DURING,
                offline: true
            }
        );
        // Three days later is too late to believe.
        let s = Scan {
            received_at: datetime!(2025-05-14 14:00 +8),
            ..s
        };
        let e = check_in(
            &booking(BookingState::Confirmed),
            Place::Activity(7),
            None,
            &s,
        )
        .unwrap_err();
        assert_eq!(e.reason(), Some(Reason::WrongTime));
    }

    #[test]
    fn a_key_must_be_plain_and_long_enough() {
        assert!(check_key("abc").is_err());
        assert!(check_key("abcd efgh").is_err());
        assert!(check_key("0b8f2c1e-7a9d-4c55-9d2e-1f3a4b5c6d7e").is_ok());
    }
}
