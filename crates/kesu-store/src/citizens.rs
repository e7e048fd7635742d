//! Citizens: the online test's banks, tests and attempts ([`quiz`]) and the ledger of citizens
//! with scientific literacy ([`ledger`]).
//!
//! This module never sees a personal value in clear: names, ID numbers and phones arrive as
//! ciphertext (`*_ct`) and blind indexes (`*_idx`) made by the use-case layer with the key ring,
//! and leave the same way. Audit rows written here carry ids, regions and counts, never those
//! bytes.

pub mod feed;
pub mod ledger;
pub mod quiz;
