//! Plan drafts for the route tests: one in county A, one in county B and one in the city,
//! made through the use case as each office's upload would be.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "shared by several test binaries; a failed set-up fails the test"
)]

use super::objects::{Instance, Scope};
use super::{A, B, CITY, World};
use std::collections::BTreeMap;

/// region code → draft id
pub type Fixture = BTreeMap<String, i64>;

/// A draft of a small plan in each of A, B and the city.
pub async fn fixture(w: &World) -> Fixture {
    let mut out = Fixture::new();
    let ctx = kesu_app::Ctx::new(w.db.clone());
    for region in [A, B, CITY] {
        let text = format!(
            "草稿{region}科学素质工作要点\n一、重点任务\n1.开展科普活动10场以上。（区科协负责）\n2.建设科普基地。（区教育局牵头）\n"
        );
        let upload = kesu_app::plans::read::read_upload(text.as_bytes(), "要点.txt").unwrap();
        let v = kesu_app::plans::drafts::create(
            &ctx,
            &kesu_app::Caller::operator(),
            upload,
            Some(region),
        )
        .await
        .unwrap();
        out.insert(region.to_string(), v.id);
    }
    out
}

/// The drafts as objects of a route: an office admin covering the region works on one.
pub fn instances(f: &Fixture) -> Vec<Instance> {
    f.iter()
        .map(|(region, id)| Instance {
            label: format!("draft of {region}"),
            params: BTreeMap::from([("id", id.to_string()), ("index", "0".to_string())]),
            plan_in_body: None,
            form: BTreeMap::new(),
            scope: Scope::Owned {
                region: region.clone(),
                units: Vec::new(),
            },
        })
        .collect()
}
