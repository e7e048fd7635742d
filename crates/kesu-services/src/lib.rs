//! Services for citizens, as rules without I/O.
//!
//! The plans ask offices to run services, not only to report on them (深圳: 科普资源名录, 科普基地
//! 预约, 科普活动打卡, "群众点单、社区派单、部门领单、科技志愿服务队接单", 科普教育学分制; 屯溪,
//! 娄底, 新余: volunteers, teams, activities, bases, 大篷车 coverage of townships, 人均科普经费).
//! This crate holds what those services decide, as functions of plain values; the use cases
//! (`kesu_app::services`) load and store, the web renders.
//!
//! - [`catalogue`]: resource kinds, key groups, science bases' certification and yearly reviews.
//! - [`booking`]: visit slots, individual and school-group bookings, cancellation, no-shows.
//! - [`code`]: booking codes (short, typeable, unguessable) and their QR as SVG.
//! - [`checkin`]: activities and idempotent check-in with a reason for every refusal.
//! - [`volunteer`]: service hours from check-in/out records, corrections, stars, certificates.
//! - [`order`]: the service-order state machine (property-tested).
//! - [`credit`]: pupils' append-only credit ledger, versioned rules, reversals, term caps.
//! - [`funding`]: 科普经费 per region and year, per head.
//! - [`feed`]: which plan targets these records answer.
//! - [`personal`]: names and phones: validation, masks, and the sealing trait.
//! - [`tally`]: records counted into indicator values per region and quarter.
//! - [`throttle`]: the rate rule for public requests.

pub mod booking;
pub mod catalogue;
pub mod checkin;
pub mod code;
pub mod credit;
mod error;
pub mod feed;
pub mod funding;
pub mod order;
pub mod personal;
pub mod tally;
pub mod throttle;
pub mod volunteer;

pub use error::{Reason, Result, ServicesError, optional_text, required_text};
