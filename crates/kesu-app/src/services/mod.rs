//! The services for citizens: catalogue and bases, slots and bookings, activities and
//! check-ins, volunteers and teams, service orders, pupils' credits, funding, and the statistics
//! the plan's indicators take from them.
//!
//! Every use case takes a [`Services`] (the [`Ctx`] plus what the services need besides: the
//! personal-data sealer, the booking rules, the order deadlines and the public throttles), the
//! [`Caller`] and a plain input. Who may do what:
//!
//! - the public (no account): browse published resources and activities, book a slot, see and
//!   cancel a booking by its code, check in at a venue with the venue's key, ask for a service
//!   and follow and rate it by its code, see a pupil's credits by the pupil's code;
//! - an office (管理员 of a region): everything in its region subtree; 审核人 and 查看人 read it;
//! - a unit's reporter: its unit's service orders (领单) and, for a school, its pupils;
//! - a team leader: the orders open to its team (接单).
//!
//! Another region's objects answer [`Error::NotFound`], as if they did not exist.

pub mod bookings;
pub mod catalogue;
pub mod checkin;
pub mod credits;
pub mod funding;
pub mod orders;
pub mod personal;
pub mod stats;
pub mod volunteers;

use crate::{Caller, Ctx, Error, Principal, Result};
use kesu_core::RegionCode;
use kesu_core::authz::{Action, Role, Scope};
use kesu_services::booking::BookingRules;
use kesu_services::order::Deadlines;
use kesu_services::personal::Sealer;
use kesu_services::throttle::{Limit, Throttle};
use kesu_services::{Reason, ServicesError};
use std::sync::{Arc, Mutex};
use time::Duration;

/// What the services' use cases share.
#[derive(Clone)]
pub struct Services {
    pub ctx: Ctx,
    /// The installation's personal-data sealer; `None` when no key ring is configured: what
    /// needs it answers [`Error::Unavailable`] (503), the rest works.
    pub sealer: Option<Arc<dyn Sealer>>,
    pub rules: BookingRules,
    pub deadlines: Deadlines,
    pub throttles: Arc<Throttles>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("ctx", &self.ctx)
            .field("rules", &self.rules)
            .finish_non_exhaustive()
    }
}

impl Services {
    /// The services on `ctx` with the default rules.
    pub fn new(ctx: Ctx, sealer: Arc<dyn Sealer>, throttles: Arc<Throttles>) -> Services {
        Services::with_sealer(ctx, Some(sealer), throttles)
    }

    /// The services on `ctx`, with the sealer if the installation has a key ring.
    pub fn with_sealer(
        ctx: Ctx,
        sealer: Option<Arc<dyn Sealer>>,
        throttles: Arc<Throttles>,
    ) -> Services {
        Services {
            ctx,
            sealer,
            rules: BookingRules::default(),
            deadlines: Deadlines::default(),
            throttles,
        }
    }

    /// The sealer, or 503 with what the operator must run: a booking, a volunteer, a pupil or
    /// an asker's phone is never stored in clear for want of a key.
    pub fn sealer(&self) -> Result<&dyn Sealer> {
        self.sealer
            .as_deref()
            .ok_or_else(|| Error::Unavailable(NO_KEYS.into()))
    }
}

/// Why personal data cannot be handled, and what to run.
pub const NO_KEYS: &str =
    "未配置个人信息加密密钥：请运行 kesu keys init 后重启 (no encryption keys configured)";

/// The throttles of public requests, from the configuration (`public_rate`, `KESU_PUBLIC_RATE`:
/// requests per minute per client address, default 30, `0` turns every public throttle off for
/// load tests; `public_phone_rate`, `KESU_PUBLIC_PHONE_RATE`: bookings per day per phone,
/// default 10, `0` = no limit).
#[derive(Debug)]
pub struct Throttles {
    per_address: Mutex<Throttle>,
    per_phone: Mutex<Throttle>,
}

/// Default requests per minute per address.
pub const DEFAULT_ADDRESS_RATE: u32 = 30;
/// Default bookings per day per phone.
pub const DEFAULT_PHONE_RATE: u32 = 10;

impl Throttles {
    pub fn new(per_address: Limit, per_phone: Limit) -> Throttles {
        Throttles {
            per_address: Mutex::new(Throttle::new(per_address)),
            per_phone: Mutex::new(Throttle::new(per_phone)),
        }
    }

    /// `per_minute` public requests per address and `per_day` bookings per phone; `0` is no
    /// limit, and no address limit means no phone limit either (a load test turns both off).
    pub fn per(per_minute: u32, per_day: u32) -> Throttles {
        Throttles::new(
            Limit {
                max: per_minute,
                per: Duration::minutes(1),
            },
            Limit {
                max: if per_minute == 0 { 0 } else { per_day },
                per: Duration::days(1),
            },
        )
    }

    /// The default limits.
    pub fn defaults() -> Throttles {
        Throttles::per(DEFAULT_ADDRESS_RATE, DEFAULT_PHONE_RATE)
    }

    /// No limits (tests, the CLI).
    pub fn off() -> Throttles {
        let none = Limit {
            max: 0,
            per: Duration::minutes(1),
        };
        Throttles::new(none, none)
    }

    fn hit(
        table: &Mutex<Throttle>,
        key: &str,
        now: time::OffsetDateTime,
        what: &str,
    ) -> Result<()> {
        let mut t = table
            .lock()
            .map_err(|_| Error::Internal("throttle lock".into()))?;
        t.hit(key, now).map_err(|wait| {
            Error::TooMany(format!(
                "{what}请求过于频繁，请 {} 秒后再试 (too many requests)",
                wait.whole_seconds().max(1)
            ))
        })
    }

    /// One public request from `address` (unknown addresses share one allowance).
    pub fn address(&self, address: Option<&str>, now: time::OffsetDateTime) -> Result<()> {
        Throttles::hit(&self.per_address, address.unwrap_or("-"), now, "")
    }

    /// One booking for the phone with blind index `blind`.
    pub fn phone(&self, blind: &str, now: time::OffsetDateTime) -> Result<()> {
        Throttles::hit(&self.per_phone, blind, now, "该手机号预约")
    }
}

impl From<ServicesError> for Error {
    fn from(e: ServicesError) -> Error {
        match e {
            ServicesError::Invalid { field, message } => Error::invalid_field(field, message),
            ServicesError::Refused { reason, message } => match reason {
                Reason::WrongParty => Error::Forbidden,
                _ => Error::Conflict(message),
            },
        }
    }
}

/// A region code that came from the database.
pub(crate) fn code(s: &str) -> Result<RegionCode> {
    RegionCode::parse(s).map_err(|e| Error::Internal(format!("stored region code {s}: {e}")))
}

/// A region code typed by a caller.
pub(crate) fn parse_region(s: &str) -> Result<RegionCode> {
    RegionCode::parse(s.trim())
        .map_err(|e| Error::invalid_field("region", format!("区划代码无效：{e} (bad region code)")))
}

/// Whether the caller may read office data of `region` (any office role covering it).
pub(crate) fn reads(caller: &Caller, region: &str) -> Result<bool> {
    Ok(match &caller.principal {
        Principal::Operator => true,
        Principal::Public => false,
        Principal::User(a) => {
            a.role != Role::Reporter
                && a.may(
                    Action::Read,
                    &Scope {
                        region: &code(region)?,
                        units: &[],
                    },
                )
        }
    })
}

/// Check that the caller administers `region`: out of its view 404, in view but not an admin 403.
pub(crate) fn administer(caller: &Caller, region: &str) -> Result<()> {
    match &caller.principal {
        Principal::Operator => Ok(()),
        Principal::Public => Err(Error::NotFound),
        Principal::User(a) => {
            let r = code(region)?;
            let scope = Scope {
                region: &r,
                units: &[],
            };
            if a.role == Role::Reporter || !a.may(Action::Read, &scope) {
                Err(Error::NotFound)
            } else if a.may(Action::Administer, &scope) {
                Ok(())
            } else {
                Err(Error::Forbidden)
            }
        }
    }
}

/// Check that the caller may read office data of `region` (404 otherwise).
pub(crate) fn read(caller: &Caller, region: &str) -> Result<()> {
    if reads(caller, region)? {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// The region an office caller works in ("" for the operator: everything). A unit's reporter is
/// the wrong role for office lists (403); the public has none (404).
pub(crate) fn office_region(caller: &Caller) -> Result<String> {
    match &caller.principal {
        Principal::Operator => Ok(String::new()),
        Principal::User(a) if a.role != Role::Reporter => Ok(a.region.as_str().to_string()),
        Principal::User(_) => Err(Error::Forbidden),
        Principal::Public => Err(Error::NotFound),
    }
}

/// Check, before anything in the request is read, that the caller is an office admin (creating
/// catalogue entries, slots, activities, teams, volunteers, funding, rules): the wrong role is
/// 403 whatever the input, and the object's region is checked once the input names it.
pub fn require_admin(caller: &Caller) -> Result<()> {
    match &caller.principal {
        Principal::Operator => Ok(()),
        Principal::User(a) if a.role == Role::Admin => Ok(()),
        Principal::User(_) => Err(Error::Forbidden),
        Principal::Public => Err(Error::NotFound),
    }
}

/// A person's sealed contact as stored, and what the audit row may say of it.
pub(crate) struct Contact<'a> {
    pub region: &'a str,
    /// `service_booking:7`
    pub object: String,
    /// `services.booking.reveal`
    pub action: &'a str,
    pub name_sealed: &'a [u8],
    pub phone_sealed: &'a [u8],
    pub name_masked: &'a str,
    pub phone_masked: &'a str,
}

/// A name and phone in full, for the office that must call the person: the purpose is required
/// and the reveal is audited (with the masks, never the values).
pub(crate) async fn reveal(
    s: &Services,
    caller: &Caller,
    c: Contact<'_>,
    purpose: &str,
) -> Result<(String, String)> {
    use kesu_services::personal::Field;
    let purpose = kesu_services::required_text("purpose", "查看目的", purpose, 200)?;
    let out = (
        s.sealer()?.open(Field::Name, c.name_sealed)?,
        s.sealer()?.open(Field::Phone, c.phone_sealed)?,
    );
    let mut tx = s.ctx.db.begin().await?;
    kesu_store::audit::record_in_region(
        &mut tx,
        &caller.audit,
        Some(c.region),
        c.action,
        &c.object,
        None,
        Some(&serde_json::json!({"purpose": purpose, "name": c.name_masked, "phone": c.phone_masked})),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// `n` random bytes.
pub(crate) fn random<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| Error::Internal(format!("random: {e}")))?;
    Ok(b)
}

/// A random token for a venue's check-in link (22 URL-safe characters, 128 bits).
pub(crate) fn venue_key() -> Result<String> {
    const A: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let b: [u8; 22] = random()?;
    Ok(b.iter()
        .map(|x| char::from(A[usize::from(*x) % A.len()]))
        .collect())
}

/// Compare a venue key in constant time.
pub(crate) fn same_key(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The audit actor's name for the caller.
pub(crate) fn who(caller: &Caller) -> &str {
    &caller.audit.name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_limit_per_minute_and_zero_turns_every_throttle_off() {
        let t = Throttles::per(2, 10);
        let now = time::OffsetDateTime::UNIX_EPOCH;
        assert!(t.address(Some("1.1.1.1"), now).is_ok());
        assert!(t.address(Some("1.1.1.1"), now).is_ok());
        assert!(matches!(
            t.address(Some("1.1.1.1"), now),
            Err(Error::TooMany(_))
        ));
        assert!(t.address(Some("2.2.2.2"), now).is_ok());
        let off = Throttles::per(0, 1);
        for _ in 0..1000 {
            assert!(off.address(Some("1.1.1.1"), now).is_ok());
            assert!(off.phone("p", now).is_ok());
        }
    }

    #[test]
    fn a_phone_gets_its_bookings_per_day() {
        let t = Throttles::per(30, 1);
        let now = time::OffsetDateTime::UNIX_EPOCH;
        assert!(t.phone("p", now).is_ok());
        assert!(matches!(t.phone("p", now), Err(Error::TooMany(_))));
        assert!(t.phone("q", now).is_ok());
    }
}
