//! Plans as the caller may see them ([`list`], [`plan`], [`tasks`], [`task`]), and plans from
//! documents: reading an uploaded plan ([`read`]), importing it at once from the
//! command line ([`import`]), or through a draft the office checks and corrects in the browser
//! first ([`drafts`]): the task table beside the source text, the reader's doubts, edits
//! ([`edit`]), collective names expanded into their members ([`expand`]), the 任务分解表 out to
//! Excel and back, and confirmation as a new plan or a new revision.
//!
//! Scope: a draft belongs to the region of its plan, like a plan; an office admin covering the
//! region works on it. A reporter cannot see it (404), another office role may see that it is
//! there but not touch it (403), another region's office gets 404.

pub mod drafts;
pub mod edit;
pub mod expand;
pub mod import;
pub mod read;
mod region;
mod visible;

pub use visible::{list, plan, task, tasks};

use crate::{Caller, Error, Principal, Result};
use kesu_core::authz::Role;
use kesu_core::region::RegionCode;

/// The caller may work on the plans and drafts of `region`: an office admin covering it, or
/// the operator. A reporter (or anyone not covering it) gets [`Error::NotFound`], another
/// office role [`Error::Forbidden`].
pub(crate) fn may_administer(caller: &Caller, region: &str) -> Result<()> {
    match &caller.principal {
        Principal::Operator => Ok(()),
        Principal::Public => Err(Error::NotFound),
        Principal::User(a) => {
            let r = RegionCode::parse(region).map_err(|_| Error::NotFound)?;
            if a.role == Role::Reporter || !a.covers(&r) {
                Err(Error::NotFound)
            } else if a.role != Role::Admin {
                Err(Error::Forbidden)
            } else {
                Ok(())
            }
        }
    }
}

/// The caller may bring a plan in at all (before its file is read): an office admin or the
/// operator.
pub fn may_upload(caller: &Caller) -> Result<()> {
    match &caller.principal {
        Principal::Operator => Ok(()),
        Principal::Public => Err(Error::NotFound),
        Principal::User(a) if a.role == Role::Admin => Ok(()),
        Principal::User(_) => Err(Error::Forbidden),
    }
}

/// SHA-256 of bytes, as lowercase hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
