//! The world of the scope tests: [`super::world`] plus a city plan whose one task every county
//! reports on (the shape of the first leak of issue 10: peers on one task), a reporter for each
//! county's unit on it, an evidence file, a survey wave and a published snapshot in each
//! county — so that every kind of object exists once in county A and once in county B.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "shared by several test binaries; a failed set-up fails the test"
)]

use super::{A, B, CITY, World};
use kesu_core::authz::Role;
use kesu_core::report::Period;
use kesu_store::reporting::{self, NewRound};
use kesu_store::{Actor, Db};
use std::collections::BTreeMap;

/// A city plan with one task for every county (各县市区人民政府负责).
pub const CITY_PLAN: &str = "娄底市全民科学素质行动规划纲要实施方案（2021—2025年）\n\
     一、提升行动\n\
     （一）青少年科学素质提升行动\n\
     1.组织中小学生参加科技竞赛活动，累计不少于100场次。（各县市区人民政府负责）\n";

pub struct Scoped {
    pub w: World,
    pub city_plan: i64,
    pub city_task: i64,
    pub city_target: i64,
    pub city_round: i64,
    /// county code → the county's unit on the city task
    pub county_units: BTreeMap<String, i64>,
    /// county code → the county's report in the city round
    pub county_reports: BTreeMap<String, i64>,
    /// county code → an evidence file on the lead report of the county's first task
    pub attachments: BTreeMap<String, i64>,
    /// county code → a survey wave
    pub waves: BTreeMap<String, i64>,
    /// county code → a published snapshot
    pub snapshots: BTreeMap<String, i64>,
    /// county code → the services' objects
    pub services: super::services::Fixture,
    /// region code → a plan draft
    pub drafts: super::drafts::Fixture,
    /// The citizens' tests, attempts, ledger entries and moves.
    pub citizens: super::citizens::Citizens,
}

/// The province, the city and its two counties.
pub async fn store_regions(db: &Db) {
    let csv = format!(
        "code,name\n43,湖南省\n4313,娄底市\n431302,娄星区\n431321,双峰县\n{}",
        super::citizens::VILLAGE_ROWS
    );
    kesu_store::regions::import_seed_csv(db, &Actor::new("t"), csv.as_bytes(), "r.csv", "2023")
        .await
        .unwrap();
}

/// The reporter account of a unit.
pub fn reporter_of(w: &World, unit: i64) -> String {
    w.users
        .iter()
        .find(|(_, (r, _, u))| *r == Role::Reporter && *u == Some(unit))
        .unwrap()
        .0
        .clone()
}

pub async fn scoped(db: Db) -> Scoped {
    let mut w = super::world(db).await;
    let db = w.db.clone();
    store_regions(&db).await;
    let (city_plan, task, city_round) = city_plan_for_counties(&w, CITY_PLAN).await;
    let mut county_units = BTreeMap::new();
    let mut county_reports = BTreeMap::new();
    for s in reporting::slots(&db, city_round).await.unwrap() {
        for (county, tag) in [(A, "a"), (B, "b")] {
            if s.region_code == county {
                county_units.insert(county.to_string(), s.unit_id);
                county_reports.insert(county.to_string(), s.id);
                let name = format!("{tag}_county");
                let hash = kesu_web::auth::hash_password(super::PASSWORD).unwrap();
                kesu_store::accounts::add_user(
                    &db,
                    &kesu_store::accounts::NewUser {
                        username: name.clone(),
                        display_name: name.clone(),
                        role: Role::Reporter,
                        region: kesu_core::RegionCode::parse(county).unwrap(),
                        unit_id: Some(s.unit_id),
                        password_hash: hash,
                    },
                    &Actor::system(),
                )
                .await
                .unwrap();
                w.users
                    .insert(name, (Role::Reporter, county.into(), Some(s.unit_id)));
            }
        }
    }
    assert_eq!(county_reports.len(), 2, "a report per county");
    let mut attachments = BTreeMap::new();
    let mut waves = BTreeMap::new();
    let mut snapshots = BTreeMap::new();
    for county in [A, B] {
        let lead = lead_report(&w, county, 0).await;
        let bytes = format!("%PDF-1.4 evidence of {county}").into_bytes();
        let id = attach(&w, lead.id, &format!("证明-{county}.pdf"), &bytes).await;
        attachments.insert(county.to_string(), id);
        waves.insert(county.to_string(), wave(&db, county).await);
        let snapshot = kesu_store::indicators::publish(
            &db,
            &kesu_store::indicators::NewSnapshot {
                region_code: county.into(),
                year: 2025,
                title: format!("{county} 公开"),
                as_of: time::macros::date!(2025 - 04 - 10),
                payload: serde_json::json!({"region_name": county, "year": 2025,
                    "as_of": "2025-04-10", "plans": []}),
                report_html: "<p>公开报告</p>".into(),
            },
            &Actor::new("office"),
        )
        .await
        .unwrap();
        snapshots.insert(county.to_string(), snapshot);
    }
    let services = super::services::fixture(&w).await;
    let drafts = super::drafts::fixture(&w).await;
    let citizens = super::citizens::citizens(&w).await;
    Scoped {
        services,
        citizens,
        drafts,
        city_plan,
        city_task: task.id,
        city_target: task.targets[0].id,
        city_round,
        county_units,
        county_reports,
        attachments,
        waves,
        snapshots,
        w,
    }
}

/// Store `bytes` as evidence and attach them to `report` (at its current version), as the
/// upload would. Returns the attachment's id.
pub async fn attach(w: &World, report: i64, name: &str, bytes: &[u8]) -> i64 {
    let upload = kesu_web::files::Upload {
        name: name.into(),
        bytes: bytes.to_vec(),
    };
    let stored = kesu_web::files::store(&w.state.files_dir, &upload)
        .await
        .unwrap();
    let slot = reporting::slot(&w.db, report).await.unwrap();
    let file = reporting::NewAttachment {
        sha256: stored.sha256,
        file_name: name.into(),
        mime: stored.mime.into(),
        size: i64::try_from(bytes.len()).unwrap(),
    };
    reporting::add_attachment(
        &w.db,
        report,
        slot.version,
        &file,
        w.state.now(),
        &Actor::new("unit"),
    )
    .await
    .unwrap()
    .0
}

/// Import a city plan of one task, give that task to every county (a unit each) and open a
/// round on it. Returns the plan's id, the task and the round's id.
pub async fn city_plan_for_counties(
    w: &World,
    text: &str,
) -> (i64, kesu_store::plans::TaskRow, i64) {
    let plan = kesu_plan::parse_text(text).unwrap();
    let id = super::fixture::import_plan(&w.db, &plan, CITY).await;
    let task = kesu_store::plans::tasks(&w.db, id).await.unwrap().remove(0);
    kesu_store::indicators::expand_entities(
        &w.db,
        task.id,
        CITY,
        kesu_core::RegionLevel::County,
        &Actor::new("office"),
    )
    .await
    .unwrap();
    let round = reporting::open_round(
        &w.db,
        &NewRound {
            plan_id: id,
            period: Period::parse("2025Q1").unwrap(),
            due: time::macros::date!(2025 - 04 - 15),
            lock: time::macros::date!(2025 - 04 - 30),
            demo: false,
        },
        &Actor::new("office"),
    )
    .await
    .unwrap();
    (id, task, round)
}

/// The lead report of the county plan's `n`-th task (in task order).
pub async fn lead_report(w: &World, county: &str, n: usize) -> reporting::Slot {
    let slots = w.slots(county).await;
    let mut tasks: Vec<i64> = slots.iter().map(|s| s.task_id).collect();
    tasks.dedup();
    let task = tasks[n];
    slots
        .into_iter()
        .find(|s| s.task_id == task && s.role == "lead")
        .unwrap()
}

/// The cooperating report on the county plan's `n`-th task.
pub async fn cooperating_report(w: &World, county: &str, n: usize) -> reporting::Slot {
    let lead = lead_report(w, county, n).await;
    w.slots(county)
        .await
        .into_iter()
        .find(|s| s.task_id == lead.task_id && s.role != "lead")
        .unwrap()
}

/// A survey wave of `region` with one overall result.
async fn wave(db: &Db, region: &str) -> i64 {
    let w = kesu_store::survey::NewWave {
        region_code: region.into(),
        year: 2025,
        name: "年度调查".into(),
        rule: serde_json::json!({"kind": "score", "threshold": 70}),
        design: serde_json::json!({}),
        weighting: serde_json::json!({}),
        warnings: vec![],
        source_file: "w.csv".into(),
        source_sha256: format!("sha-{region}"),
    };
    let overall = kesu_store::survey::ResultRow {
        by_var: "overall".into(),
        level: "all".into(),
        n: 10,
        wsum: 10.0,
        est: 0.15,
        se: 0.01,
        cv: None,
        deff: None,
        df: 9,
        wald_l: 0.13,
        wald_u: 0.17,
        logit_l: None,
        logit_u: None,
        flags: String::new(),
    };
    let one = kesu_store::survey::Respondent {
        line: 2,
        stratum: None,
        psu: None,
        weight: 1.0,
        fpc: None,
        literate: true,
        domains: BTreeMap::new(),
    };
    kesu_store::survey::import_wave(db, &Actor::system(), &w, &[one], &[], &[overall])
        .await
        .unwrap()
        .wave_id()
}
