//! The five key groups (重点人群) of the 纲要: the rule is pure and lives in
//! [`kesu_indicators::groups`] (the annual report's use case needs it too); the dashboard
//! pages use it under this name.

pub use kesu_indicators::groups::{KeyGroup, TaskText, classify};
