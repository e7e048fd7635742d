//! Store calls that set up the world of the web tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test fixtures: a failed set-up fails the test"
)]

use kesu_core::plan::Plan;
use kesu_store::Db;
use std::collections::BTreeMap;

/// Regions are looked up by name only for display; the tests need none stored.
pub async fn regions(_db: &Db) {}

/// Import a plan for a county, as `kesu plan import` would.
pub async fn import_plan(db: &Db, plan: &Plan, county: &str) -> i64 {
    let sha = format!("{county}-{}", plan.title.len());
    let src = kesu_store::plans::Source {
        name: "plan.txt",
        sha256: &sha,
    };
    kesu_store::plans::import(
        db,
        plan,
        county,
        plan.region.as_deref(),
        &src,
        &kesu_store::Actor::system(),
    )
    .await
    .unwrap()
    .plan_id()
}

/// The county's units by name.
pub async fn units_of(db: &Db, county: &str) -> BTreeMap<String, i64> {
    kesu_store::units::list(db, county)
        .await
        .unwrap()
        .into_iter()
        .map(|u| (u.name, u.id))
        .collect()
}
