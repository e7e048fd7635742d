//! The citizens' objects of the scope tests, in county A, in county B and in the city: a
//! question bank and a published test per county, a city test every county's villagers take,
//! submitted attempts (their tokens), ledger entries, open moves, and the reveal permission
//! held by some accounts. County B's entry and its villager's attempt carry planted personal
//! values ([`B_ENTRY`], [`B_ATTEMPT`]) that no page or API answer may ever show in full.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "shared by several test binaries; a failed set-up fails the test"
)]

use super::{A, B, CITY, World};
use kesu_app::citizens::{ledger, quiz};
use std::collections::BTreeMap;

/// Two villages (under one township) of each county: (county, township, villages).
pub const VILLAGES: [(&str, &str, [&str; 2]); 2] = [
    (A, "431302001", ["431302001001", "431302001002"]),
    (B, "431321001", ["431321001001", "431321001002"]),
];

/// The rows of [`VILLAGES`] for the region seed (`code,name` lines).
pub const VILLAGE_ROWS: &str = "431302001,乐坪街道\n431302001001,甲村\n431302001002,乙村\n\
    431321001,永丰镇\n431321001001,丙村\n431321001002,丁村\n";

/// A person's planted values.
pub struct Person {
    pub name: &'static str,
    pub id_number: &'static str,
    pub phone: &'static str,
}

/// County B's ledger entry: only masked forms may ever be shown, and only to those who may
/// read B's ledger.
pub const B_ENTRY: Person = Person {
    name: "郜鸾翾",
    id_number: "431321198807150022",
    phone: "19954321876",
};

/// A villager of B who took the city's test.
pub const B_ATTEMPT: Person = Person {
    name: "祁霡霂",
    id_number: "",
    phone: "16623457819",
};

/// The accounts granted the reveal permission: a reviewer (the permission, not the role,
/// decides) and one county's admin; the city admin and county A's admin do not hold it.
pub const REVEALERS: [&str; 2] = ["a_reviewer", "b_admin"];

pub struct Citizens {
    /// county code → its question bank
    pub banks: BTreeMap<String, i64>,
    /// region code (A, B, the city) → a published test
    pub tests: BTreeMap<String, i64>,
    /// (label, village, token) of submitted attempts: A's test by A, B's by B, the city's by B
    pub attempts: Vec<(String, String, String)>,
    /// county code → an entry in its first village (B's holds [`B_ENTRY`])
    pub entries: BTreeMap<String, i64>,
    /// (move id, from village, to village): A's entry to B's village, and within B
    pub moves: Vec<(i64, String, String)>,
}

fn ctx(w: &World) -> kesu_app::Ctx {
    kesu_app::Ctx {
        db: w.db.clone(),
        fixed_now: *w.state.clock,
    }
}

fn operator() -> kesu_app::Caller {
    let mut c = kesu_app::Caller::operator();
    c.audit = kesu_store::Actor::new("office");
    c
}

async fn bank_and_test(w: &World, region: &str, title: &str) -> (i64, i64) {
    let c = ctx(w);
    let csv = kesu_web::pages::citizens::demo::bank_csv();
    let bank = match quiz::import_bank(&c, &operator(), region, "题库", csv.as_bytes())
        .await
        .unwrap()
    {
        quiz::BankImport::Stored { bank_id, .. } => bank_id,
        other => panic!("{other:?}"),
    };
    let part = |dimension, count| kesu_citizens::blueprint::Part {
        dimension,
        benchmark: None,
        count,
    };
    use kesu_citizens::bank::Dimension;
    let test = quiz::publish(
        &c,
        &operator(),
        quiz::NewTest {
            region_code: region.into(),
            bank_id: bank,
            title: title.into(),
            purpose: "用于竞赛成绩统计和台账更新".into(),
            opens_on: w.state.today(),
            closes_on: w.state.today() + time::Duration::days(30),
            blueprint: kesu_citizens::blueprint::Blueprint {
                parts: vec![
                    part(Dimension::Knowledge, 2),
                    part(Dimension::Method, 1),
                    part(Dimension::Spirit, 1),
                    part(Dimension::Application, 1),
                ],
                time_limit_minutes: 20,
                pass_mark: 70.0,
                weights: Default::default(),
            },
        },
    )
    .await
    .unwrap();
    (bank, test)
}

/// Starts and submits an attempt (no answers: it scores 0); its token.
async fn attempt(w: &World, test: i64, village: &str, name: &str, phone: &str) -> String {
    let c = ctx(w);
    let keys = w.state.keys.clone().unwrap();
    let public = kesu_app::Caller::public(kesu_store::Actor::new("public"));
    let s = quiz::start(
        &c,
        &public,
        &keys,
        test,
        quiz::Start {
            name: name.into(),
            phone: phone.into(),
            village: village.into(),
            key_group: "farmers".into(),
            consent: true,
        },
    )
    .await
    .unwrap();
    quiz::submit(&c, &public, &keys, &s.token, Vec::new())
        .await
        .unwrap();
    s.token
}

async fn entry(w: &World, village: &str, name: &str, id_number: &str, phone: &str) -> i64 {
    let keys = w.state.keys.clone().unwrap();
    let out = ledger::add(
        &ctx(w),
        &operator(),
        &keys,
        ledger::NewEntry {
            name: name.into(),
            id_number: id_number.into(),
            phone: phone.into(),
            village: village.into(),
            key_group: "农民".into(),
            basis: "import".into(),
            attempt_id: None,
            wave_id: None,
            document: "村台账2025-1".into(),
            entered_on: time::macros::date!(2025 - 03 - 01),
            birth_date: None,
            sex: None,
        },
    )
    .await
    .unwrap();
    match out {
        ledger::AddOutcome::Added(id) => id,
        other => panic!("{other:?}"),
    }
}

/// Creates the citizens' objects (the villages must be in the region seed).
pub async fn citizens(w: &World) -> Citizens {
    let mut banks = BTreeMap::new();
    let mut tests = BTreeMap::new();
    for (region, title) in [
        (A, "娄星区知识竞赛"),
        (B, "双峰县知识竞赛"),
        (CITY, "娄底市知识竞赛"),
    ] {
        let (bank, test) = bank_and_test(w, region, title).await;
        if region != CITY {
            banks.insert(region.to_string(), bank);
        }
        tests.insert(region.to_string(), test);
    }
    let (va, vb) = (VILLAGES[0].2, VILLAGES[1].2);
    let attempts = vec![
        (
            "A's attempt at A's test".to_string(),
            va[0].to_string(),
            attempt(w, tests[A], va[0], "甲村民", "13800000011").await,
        ),
        (
            "B's attempt at B's test".to_string(),
            vb[0].to_string(),
            attempt(w, tests[B], vb[0], "乙村民", "13800000012").await,
        ),
        (
            "B's attempt at the city's test".to_string(),
            vb[0].to_string(),
            attempt(w, tests[CITY], vb[0], B_ATTEMPT.name, B_ATTEMPT.phone).await,
        ),
    ];
    let a_entry = entry(w, va[0], "甲台账", "431302199001010034", "13800000021").await;
    let b_entry = entry(w, vb[0], B_ENTRY.name, B_ENTRY.id_number, B_ENTRY.phone).await;
    let b_other = entry(w, vb[0], "乙台账", "431321198505050042", "").await;
    let mut moves = Vec::new();
    for (e, from, to) in [(a_entry, va[0], vb[0]), (b_other, vb[0], vb[1])] {
        let id = ledger::request_move(&ctx(w), &operator(), e, to, "")
            .await
            .unwrap();
        moves.push((id, from.to_string(), to.to_string()));
    }
    for name in REVEALERS {
        kesu_app::citizens::ledger::set_reveal_permission(&ctx(w), &operator(), name, "grant")
            .await
            .unwrap();
    }
    Citizens {
        banks,
        tests,
        attempts,
        entries: BTreeMap::from([(A.to_string(), a_entry), (B.to_string(), b_entry)]),
        moves,
    }
}
