//! Citizens' use cases: the online test ([`quiz`]), the ledger ([`ledger`], [`import`]), a
//! person's data on request ([`person`]) and key rotation ([`keys`]).
//!
//! Every function that touches personal values takes the installation's [`KeyRing`]: the edges
//! load it (the `kesu` binary from `KESU_KEYS` or `<data dir>/keys.json`) and pass it in. Values
//! are encrypted here before the store sees them and decrypted here only to be masked, matched,
//! or shown to a caller who has the reveal permission and gave a reason (audited).
//!
//! Scope: an account sees the ledger of its own region subtree only (a village its village, a
//! township its villages); anything else is [`Error::NotFound`]. Writes (add, move, remove,
//! import, publishing a test) need an office admin of the region. Citizens' data is the
//! offices' business: a unit's reporter is refused ([`Error::Forbidden`]) before any object is
//! looked up, so its answer says nothing about what exists. Checks come before the input is
//! validated, so a refused caller learns nothing from the validation either.

pub mod import;
pub mod keys;
pub mod ledger;
pub mod person;
pub mod quiz;

use crate::{Caller, Ctx, Error, Principal, Result};
use kesu_core::authz::Role;
use kesu_core::region::RegionCode;
pub use kesu_pii::KeyRing;

/// Blind-index purposes of this module: one key each, so citizens' indexes cannot be joined
/// with another module's (volunteers, bookings) even on the same value.
pub const ID_INDEX: &str = "citizens.id_number";
pub const PHONE_INDEX: &str = "citizens.phone";

/// Encryption contexts (`table.column`), bound to each ciphertext.
pub const LEDGER_NAME: &str = "ledger_entry.name_ct";
pub const LEDGER_ID: &str = "ledger_entry.id_ct";
pub const LEDGER_PHONE: &str = "ledger_entry.phone_ct";
pub const ATTEMPT_NAME: &str = "quiz_attempt.name_ct";
pub const ATTEMPT_PHONE: &str = "quiz_attempt.phone_ct";

pub(crate) fn region(code: &str) -> Result<RegionCode> {
    RegionCode::parse(code).map_err(|e| Error::invalid_field("region", e.to_string()))
}

/// The caller is an office (any role but a unit's reporter) or the operator. A reporter is
/// refused whatever it asks about (403), a citizen without an account finds nothing (404).
pub(crate) fn office(caller: &Caller) -> Result<()> {
    match &caller.principal {
        Principal::Operator => Ok(()),
        Principal::User(a) if a.role == Role::Reporter => Err(Error::Forbidden),
        Principal::User(_) => Ok(()),
        Principal::Public => Err(Error::NotFound),
    }
}

/// The caller may read what belongs to `region` (any office role covering it; the operator).
pub(crate) fn may_read(caller: &Caller, region: &str) -> Result<()> {
    office(caller)?;
    match &caller.principal {
        Principal::User(a) => {
            let r = RegionCode::parse(region).map_err(|_| Error::NotFound)?;
            if a.covers(&r) {
                Ok(())
            } else {
                Err(Error::NotFound)
            }
        }
        _ => Ok(()),
    }
}

/// The caller may change what belongs to `region`: an office admin covering it (or the
/// operator). Others who can see it get 403, others 404.
pub(crate) fn may_write(caller: &Caller, region: &str) -> Result<()> {
    may_read(caller, region)?;
    match caller.actor() {
        Some(a) if a.role != Role::Admin => Err(Error::Forbidden),
        _ => Ok(()),
    }
}

/// Whether the caller may see full personal values in `region` (with a reason, audited): the
/// operator, or an account holding the reveal permission that covers the region.
pub(crate) async fn may_reveal(ctx: &Ctx, caller: &Caller, region: &str) -> Result<()> {
    may_read(caller, region)?;
    holds_reveal(ctx, caller).await
}

/// The caller holds the reveal permission (wherever it applies): an office account granted it,
/// or the operator.
pub(crate) async fn holds_reveal(ctx: &Ctx, caller: &Caller) -> Result<()> {
    office(caller)?;
    match caller.actor() {
        None => Ok(()),
        Some(a) => {
            if kesu_store::citizens::ledger::has_permission(
                &ctx.db,
                a.user_id,
                kesu_store::citizens::ledger::REVEAL,
            )
            .await?
            {
                Ok(())
            } else {
                Err(Error::Forbidden)
            }
        }
    }
}

/// A reveal or an export needs a stated reason (PIPL: purpose of each processing).
pub(crate) fn reason(reason: &str) -> Result<String> {
    let r = reason.trim();
    if r.chars().count() < 2 {
        return Err(Error::invalid_field(
            "reason",
            "请填写查看原因 (a reason is required)",
        ));
    }
    if r.chars().count() > 200 {
        return Err(Error::invalid_field(
            "reason",
            "原因不超过 200 字 (at most 200 characters)",
        ));
    }
    Ok(r.to_string())
}

pub(crate) fn pii(e: kesu_pii::PiiError) -> Error {
    match e {
        kesu_pii::PiiError::UnknownKey(_)
        | kesu_pii::PiiError::Decrypt
        | kesu_pii::PiiError::Malformed => Error::Internal(format!("personal data: {e}")),
        kesu_pii::PiiError::Random | kesu_pii::PiiError::KeyFile(_) => {
            Error::Unavailable(e.to_string())
        }
        other => Error::invalid(other.to_string()),
    }
}

/// Decrypts and masks (names, IDs, phones for screens).
pub(crate) fn masked(
    keys: &KeyRing,
    context: &str,
    ct: Option<&[u8]>,
    kind: kesu_pii::Kind,
) -> String {
    match ct {
        None => String::new(),
        Some(ct) => match keys.decrypt_string(context, ct) {
            Ok(v) => kesu_pii::Sensitive::new(kind, v.as_str()).masked(),
            Err(_) => "（无法解密）".to_string(),
        },
    }
}

/// Serde helpers: dates as ISO strings (`2025-06-30`) in JSON, not `time`'s tuples.
pub mod iso {
    use serde::Serializer;
    use time::Date;

    pub fn date<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(d)
    }

    pub fn opt_date<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.collect_str(d),
            None => s.serialize_none(),
        }
    }
}
