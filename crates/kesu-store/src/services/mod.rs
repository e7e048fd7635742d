//! Storage of the services for citizens: the catalogue and bases, activities, slots, bookings
//! and check-ins, volunteers and teams, service orders, pupils' credits and funding, and the
//! observations they give the plan's indicators.
//!
//! Queries and row mapping only: the rules are `kesu_services`, the use cases (with their audit
//! rows) `kesu_app::services`. Two guarantees do live here, because only the database can give
//! them under concurrency: a slot's places are taken by one conditional update
//! ([`slots::take_places`]), and a check-in is stored once per booking and once per client key
//! (unique constraints, [`checkins::insert`]).
//!
//! Times are stored in UTC (SQLite compares them as text, so every stored time has the same
//! offset); personal values arrive sealed, with their masks.

pub mod activities;
pub mod bookings;
pub mod catalogue;
pub mod checkins;
pub mod credits;
pub mod funding;
pub mod observations;
pub mod orders;
pub mod slots;
pub mod volunteers;

/// The services' personal columns, for key rotation: each column's name ends in `name_sealed`
/// or `phone_sealed`, the field it was sealed as.
pub const SEALED: [crate::sealed::Columns; 4] = [
    crate::sealed::Columns {
        table: "service_booking",
        columns: &["name_sealed", "phone_sealed"],
    },
    crate::sealed::Columns {
        table: "service_volunteer",
        columns: &["name_sealed", "phone_sealed"],
    },
    crate::sealed::Columns {
        table: "service_order",
        columns: &["asker_phone_sealed"],
    },
    crate::sealed::Columns {
        table: "service_pupil",
        columns: &["name_sealed"],
    },
];

use time::{OffsetDateTime, UtcOffset};

/// The same instant in UTC.
pub(crate) fn utc(t: OffsetDateTime) -> OffsetDateTime {
    t.to_offset(UtcOffset::UTC)
}

/// `[lo, hi)` of the codes in `region`'s subtree (`""` is everything).
pub(crate) fn subtree(region: &str) -> (String, String) {
    if region.is_empty() {
        (String::new(), ":".to_string())
    } else {
        (region.to_string(), crate::regions::prefix_end(region))
    }
}

/// A `LIKE` pattern that finds `text` anywhere, with the wildcards in it escaped (use with
/// `ESCAPE '\'`).
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}
