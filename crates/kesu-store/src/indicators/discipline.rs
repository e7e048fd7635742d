//! Reporting discipline for the indicators (the assessment's 报送纪律 item, `kesu-bench`): the
//! late and returned reports of a year, read by the one query the round pages and the annual
//! report use ([`crate::reporting::discipline`]), so that every count agrees.

pub use crate::reporting::discipline::LateOrReturned;
use crate::reporting::discipline::Scope;
use crate::{Db, StoreResult};
use time::Date;

/// Reports of the rounds of `year` from units in `region`'s subtree that were late (submitted
/// after the due date, or not submitted and past it on `today`) or sent back.
pub async fn late_or_returned(
    db: &Db,
    region: &str,
    year: i32,
    today: Date,
) -> StoreResult<Vec<LateOrReturned>> {
    let scope = Scope {
        region,
        round: None,
        year: Some(year),
    };
    crate::reporting::discipline::late_or_returned(db, &scope, today).await
}
