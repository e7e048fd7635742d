//! What the indicator tests share: the seed plans, rounds and reports through the reporting
//! rules, and the three counties of 娄底 that the assessment tests rank.
#![allow(
    dead_code,
    unused_imports,
    reason = "each test file uses the parts (and the imports) it needs"
)]
#![allow(clippy::unwrap_used, reason = "test helpers read fixture files")]

pub use kesu_core::RegionLevel;
pub use kesu_core::plan::Plan;
pub use kesu_core::report::{Period, Transition};
pub use kesu_indicators::Status;
pub use kesu_store::indicators::{self, ObservationFilter, Query};
pub use kesu_store::reporting::{self, NewRound, ReportChange};
pub use kesu_store::testing::each_backend;
pub use kesu_store::{Actor, Db, plans};
pub use time::macros::{date, datetime};

pub const LOUDI: &str = "000_432ccf1c67a0d8b8.json";
pub const TUNXI: &str = "004_ddb7f01bda5ff9fc.json";

pub fn gold(name: &str) -> Plan {
    let path = format!(
        "{}/../kesu-plan/tests/gold/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

pub async fn import(db: &Db, name: &str, region: &str) -> i64 {
    let plan = gold(name);
    plans::import(
        db,
        &plan,
        region,
        plan.region.as_deref(),
        &plans::Source { name, sha256: name },
        &Actor::new("tester"),
    )
    .await
    .unwrap()
    .plan_id()
}

pub async fn round(db: &Db, plan: i64, period: &str) -> i64 {
    reporting::open_round(
        db,
        &NewRound {
            plan_id: plan,
            period: Period::parse(period).unwrap(),
            due: date!(2025 - 12 - 01),
            lock: date!(2025 - 12 - 31),
            demo: false,
        },
        &Actor::new("office"),
    )
    .await
    .unwrap()
}

/// The slot of the task at `path` for the unit named `unit` (any unit when `None`).
pub async fn slot(db: &Db, round: i64, path: &str, unit: Option<&str>) -> reporting::Slot {
    reporting::slots(db, round)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.task_path == path && unit.is_none_or(|u| s.unit_name == u))
        .unwrap_or_else(|| panic!("no slot {path} {unit:?} in round {round}"))
}

/// The target ids of the task at `path`, in order.
pub async fn targets_of(db: &Db, plan: i64, path: &str) -> Vec<i64> {
    plans::tasks(db, plan)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.path == path)
        .unwrap()
        .targets
        .iter()
        .map(|t| t.id)
        .collect()
}

pub const NOW: time::OffsetDateTime = datetime!(2025-06-01 02:00 UTC);

pub async fn submit(db: &Db, report: i64, values: &[(i64, f64)]) {
    let s = reporting::slot(db, report).await.unwrap();
    reporting::change(
        db,
        report,
        Transition::Submit,
        &ReportChange {
            expected_version: s.version,
            content: Some("本期工作情况".into()),
            values: values.iter().map(|(t, v)| (*t, Some(*v))).collect(),
            reason: None,
        },
        NOW,
        &Actor::new("reporter"),
    )
    .await
    .unwrap();
}

pub async fn accept(db: &Db, report: i64) {
    let s = reporting::slot(db, report).await.unwrap();
    reporting::change(
        db,
        report,
        Transition::Accept,
        &ReportChange {
            expected_version: s.version,
            ..ReportChange::default()
        },
        NOW,
        &Actor::new("reviewer"),
    )
    .await
    .unwrap();
}

pub async fn report_accepted(db: &Db, report: i64, values: &[(i64, f64)]) {
    submit(db, report, values).await;
    accept(db, report).await;
}

pub fn row(p: &indicators::PlanIndicators, target: i64) -> &indicators::IndicatorRow {
    p.indicators.iter().find(|r| r.target_id == target).unwrap()
}

pub async fn evaluate(db: &Db, plan: i64, as_of: time::Date) -> indicators::PlanIndicators {
    indicators::evaluate_plan(db, &Query::new(plan, as_of))
        .await
        .unwrap()
}

pub const FARMERS: &str = "二.(二).2.(2)";
pub const AGRI: &str = "市农业农村局";

pub async fn louxing_villages(db: &Db) {
    let path = format!(
        "{}/../kesu-indicators/tests/fixtures/431302_louxing.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(path).unwrap();
    kesu_store::regions::import_seed_csv(db, &Actor::new("tester"), &bytes, "louxing.csv", "2023")
        .await
        .unwrap();
}

// ---------------------------------------------------------------- assessment

pub const VENUES: &str = "三.(三).2.(2)"; // 每个县区均拥有1个以上…场所; 90%以上乡镇(街道)覆盖

pub async fn record_share(db: &Db, region: &str, year: i32, value: f64) {
    indicators::record_value(
        db,
        &indicators::NewRecord {
            region_code: region.into(),
            year,
            key: indicators::LITERACY_SHARE.into(),
            value,
            low: Some(value - 1.0),
            high: Some(value + 1.0),
            source: format!("{year}年公民科学素质抽样调查"),
        },
        &Actor::new("office"),
    )
    .await
    .unwrap();
}

pub async fn change_at(db: &Db, report: i64, t: Transition, values: &[(i64, f64)], at: &str) {
    let s = reporting::slot(db, report).await.unwrap();
    let f = time::macros::format_description!("[year]-[month]-[day]");
    let day = time::Date::parse(at, f).unwrap();
    reporting::change(
        db,
        report,
        t,
        &ReportChange {
            expected_version: s.version,
            content: None,
            values: values.iter().map(|(t, v)| (*t, Some(*v))).collect(),
            reason: (t == Transition::Return).then(|| "数据缺少佐证".to_string()),
        },
        day.with_hms(10, 0, 0).unwrap().assume_utc(),
        &Actor::new("u"),
    )
    .await
    .unwrap();
}

/// 娄底's plan, three counties reporting on the venues task for 2024Q4, survey shares for 2023
/// and 2024. Returns the plan id.
pub async fn three_counties(db: &Db) -> i64 {
    let csv = "code,name\n43,湖南省\n4313,娄底市\n431302,娄星区\n431321,双峰县\n431322,新化县\n";
    kesu_store::regions::import_seed_csv(db, &Actor::new("t"), csv.as_bytes(), "r.csv", "2023")
        .await
        .unwrap();
    let plan = import(db, LOUDI, "4313").await;
    let task = plans::tasks(db, plan)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.path == VENUES)
        .unwrap();
    let (venue, coverage) = (task.targets[0].id, task.targets[1].id);
    indicators::expand_entities(db, task.id, "4313", RegionLevel::County, &Actor::new("o"))
        .await
        .unwrap();
    let r = reporting::open_round(
        db,
        &NewRound {
            plan_id: plan,
            period: Period::parse("2024Q4").unwrap(),
            due: date!(2025 - 01 - 15),
            lock: date!(2025 - 01 - 31),
            demo: false,
        },
        &Actor::new("office"),
    )
    .await
    .unwrap();
    let slots = reporting::slots(db, r).await.unwrap();
    let of = |code: &str| slots.iter().find(|s| s.region_code == code).unwrap().id;
    // 娄星: a venue and 90% coverage, on time. 双峰: no venue, 90%, submitted late.
    // 新化: no venue, 90%, on time.
    for (code, v, day) in [
        ("431302", 1.0, "2025-01-10"),
        ("431321", 0.0, "2025-01-20"),
        ("431322", 0.0, "2025-01-10"),
    ] {
        change_at(
            db,
            of(code),
            Transition::Submit,
            &[(venue, v), (coverage, 90.0)],
            day,
        )
        .await;
        change_at(db, of(code), Transition::Accept, &[], "2025-01-25").await;
    }
    for (code, y2023, y2024) in [
        ("431302", 14.8, 16.0),
        ("431321", 13.8, 15.0),
        ("431322", 15.5, 15.0),
    ] {
        record_share(db, code, 2023, y2023).await;
        record_share(db, code, 2024, y2024).await;
    }
    plan
}

pub fn all_fixed_done() -> indicators::ExtraInputs {
    let fixed = [
        "org_leadership",
        "org_study",
        "coordination",
        "funding",
        "publicity",
        "ledger",
    ];
    ["431302", "431321", "431322"]
        .into_iter()
        .map(|c| {
            (
                c.to_string(),
                fixed
                    .iter()
                    .map(|f| {
                        (
                            f.to_string(),
                            kesu_indicators::ItemInput {
                                done: Some(true),
                                ..Default::default()
                            },
                        )
                    })
                    .collect(),
            )
        })
        .collect()
}

pub async fn assess(
    db: &Db,
    plan: i64,
    scheme: &kesu_indicators::Scheme,
) -> indicators::AssessmentReport {
    let inputs = all_fixed_done();
    indicators::assess(
        db,
        &indicators::AssessQuery {
            plan_id: plan,
            year: 2024,
            by: indicators::AssessBy::Regions,
            scheme,
            inputs: &inputs,
            today: date!(2025 - 06 - 01),
            top: 2,
        },
    )
    .await
    .unwrap()
}

pub fn ranking(r: &indicators::AssessmentReport) -> Vec<(String, f64, u32)> {
    r.assessment
        .results
        .iter()
        .map(|s| (s.name.clone(), s.total, s.rank))
        .collect()
}
