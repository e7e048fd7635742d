//! Kesu's use cases: the one place where each thing a user can do is done.
//!
//! The edges (web pages, the JSON API, the CLI) only **parse** their input, **call** one function
//! of this crate and **render** its answer. A use-case function:
//!
//! 1. takes a [`Ctx`] (the database and the clock), the [`Caller`] (who asks, and what the
//!    audit log records about the request) and a plain input struct;
//! 2. **authorises**: an object out of the caller's scope is [`Error::NotFound`] (exactly like a
//!    missing one, so nothing hints it exists), in scope with the wrong role [`Error::Forbidden`];
//! 3. runs the **domain rules** of a pure crate (`kesu-core`, `kesu-plan`, `kesu-indicators`,
//!    `kesu-survey`, and the citizens' and services' crates), which take values and bytes, never
//!    files, sockets or databases;
//! 4. **writes** through `kesu_store` in one transaction (`db.begin()`), with the audit row
//!    (`kesu_store::audit::record`) inside it: the change and its audit row commit or vanish
//!    together;
//! 5. returns a plain Rust value (no HTML, no JSON shapes, no HTTP types).
//!
//! One module per resource (`reporting`, `plans`, `citizens`, `services`, …); a domain that
//! grows large gets a directory. No SQL here (that is `kesu-store`), no axum or askama (that is
//! `kesu-web`), no argument parsing (that is the `kesu` binary).

pub mod annual;
pub mod assessment;
pub mod audit;
pub mod bulk;
pub mod citizens;
pub mod error;
pub mod jobs;
pub mod ops;
pub mod pdf_text;
pub mod plans;
pub mod publish;
pub mod reporting;
pub mod services;
pub mod survey;

pub use error::{Error, Result};

use kesu_core::authz::Actor;
use time::OffsetDateTime;

/// What every use case shares: the database and the clock.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub db: kesu_store::Db,
    /// A fixed "now" for tests and the demo; `None` reads the clock.
    pub fixed_now: Option<OffsetDateTime>,
}

impl Ctx {
    pub fn new(db: kesu_store::Db) -> Self {
        Self {
            db,
            fixed_now: None,
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        self.fixed_now.unwrap_or_else(OffsetDateTime::now_utc)
    }

    /// Today in China (+08:00): due and lock dates, bookings and activities are days there.
    pub fn today(&self) -> time::Date {
        kesu_store::reporting::china_date(self.now())
    }
}

/// Who is asking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// A signed-in account: its role, region and unit decide what it may see and do.
    User(Actor),
    /// The operator at the command line, who has the database itself: full access.
    Operator,
    /// A citizen without an account (public pages, the online test, bookings, check-ins).
    Public,
}

/// The caller of a use case: who asks, and what the audit log records about the request
/// (name, request id, client address).
#[derive(Clone, Debug)]
pub struct Caller {
    pub principal: Principal,
    pub audit: kesu_store::Actor,
}

impl Caller {
    /// A signed-in user.
    pub fn user(actor: Actor, audit: kesu_store::Actor) -> Self {
        Self {
            principal: Principal::User(actor),
            audit,
        }
    }

    /// The CLI operator (`$USER` in the audit log).
    pub fn operator() -> Self {
        Self {
            principal: Principal::Operator,
            audit: kesu_store::Actor::cli(),
        }
    }

    /// A citizen without an account; `audit` carries the request id and address.
    pub fn public(audit: kesu_store::Actor) -> Self {
        Self {
            principal: Principal::Public,
            audit,
        }
    }

    /// Whether the caller may act for the office of `region` (publish it, import its surveys):
    /// the operator, or an office's account (no unit) administering it. Out of scope (a unit's
    /// account, the public) is 404, in scope without the right 403.
    pub fn office_of(&self, region: &kesu_core::RegionCode) -> Result<()> {
        match &self.principal {
            Principal::Operator => Ok(()),
            Principal::Public => Err(Error::NotFound),
            Principal::User(a) if !a.covers(region) || a.unit_id.is_some() => Err(Error::NotFound),
            Principal::User(a) => {
                let scope = kesu_core::authz::Scope { region, units: &[] };
                if a.may(kesu_core::authz::Action::Administer, &scope) {
                    Ok(())
                } else {
                    Err(Error::Forbidden)
                }
            }
        }
    }

    /// The signed-in account, if any.
    pub fn actor(&self) -> Option<&Actor> {
        match &self.principal {
            Principal::User(a) => Some(a),
            _ => None,
        }
    }
}
