//! Personal data of citizens (个人信息), kept safe: checks, masks, encryption at rest and keyed
//! blind indexes. Pure: it takes strings and bytes and never opens a file (the binary reads the
//! key file and hands its bytes to [`KeyRing::from_json`]).
//!
//! - [`IdNumber`]: a 居民身份证号 checked against GB 11643 (length, check digit, province prefix,
//!   birth date); birth date and sex are derived from it and compared with what was entered.
//! - [`Phone`]: a mainland mobile number (手机号), normalised to its 11 digits.
//! - [`mask`]: what screens, exports, logs and audit rows show instead of a value
//!   (`430***********1234`, `138****5678`, `张*`, `张*三`), following GB/T 35273 7.2 展示限制.
//! - [`Sensitive`]: a value whose `Debug`, `Display` and `Serialize` are masked, so it cannot be
//!   logged or serialised in clear by accident; [`Sensitive::expose`] is the one explicit way out.
//! - [`KeyRing`]: encryption keys with ids (SM4-GCM by default, AES-256-GCM as the configured
//!   alternative), the blind-index root key, the key file format and rotation. Every ciphertext
//!   carries its algorithm and key id: any known key decrypts, the current one encrypts.
//! - [`BlindIndexer`]: HMAC-SM3 (or HMAC-SHA-256) of a normalised value under a key derived per
//!   purpose, so that the ledger and, say, the volunteers cannot be joined on their indexes.

pub mod error;
pub mod id_number;
pub mod keys;
pub mod mask;
pub mod phone;
pub mod sensitive;

pub use error::{PiiError, Result};
pub use id_number::{IdNumber, Sex};
pub use keys::{Algorithm, BlindIndex, BlindIndexer, KeyRing, Suite};
pub use phone::Phone;
pub use sensitive::{Kind, Sensitive};
