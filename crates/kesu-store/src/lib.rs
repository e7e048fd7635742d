//! Kesu storage: schema, migrations and queries, on SQLite (the embedded default) and PostgreSQL,
//! from one SQL text.
//!
//! - [`Db`] is an enum over the two sqlx pools; [`Tx`] the same over their transactions. Queries
//!   are written once with `$1…$N` placeholders and portable SQL, and run on either arm through the
//!   crate's `on_db!` / `on_tx!` macros (the body is compiled once per backend). Where a dialect
//!   really differs (PostgreSQL `COPY`), a function writes the two arms by hand.
//! - Migrations live in `migrations/sqlite` and `migrations/postgres` with the same version numbers
//!   (DDL types differ); they are embedded in the binary ([`migrations`]) and applied by
//!   [`Db::open`] and `kesu migrate`.
//! - Every write goes through a [`Tx`] and records itself with [`audit::record`] in that
//!   transaction, so the change and its audit row commit or vanish together.
//!
//! No other crate sees a pool or SQL: they call the functions of this crate's modules.

#[macro_use]
mod macros;

pub mod accounts;
pub mod assessment;
pub mod audit;
pub mod backup;
pub mod citizens;
pub mod copy;
mod csvline;
mod db;
mod error;
pub mod indicators;
pub mod migrations;
pub mod plan_drafts;
pub mod plans;
pub mod regions;
pub mod replica;
pub mod reporting;
pub mod scheduled;
pub mod sealed;
pub mod services;
pub mod stats;
pub mod survey;
pub mod testing;
pub mod units;

pub use audit::Actor;
pub use db::{
    Backend, Db, Tx, WRITE_QUEUE, WriteGate, default_data_dir, default_url, redact_url, resolve_url,
};
pub use error::{BadRow, ImportErrors, StoreError, StoreResult};
