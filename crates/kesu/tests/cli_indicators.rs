//! `kesu indicators`, as a user runs it, on every test backend: a seed plan, accepted reports,
//! one entry per target with its value, status, sources and rule.
#![expect(
    clippy::unwrap_used,
    reason = "fixture helpers: a failure to set one up fails the test"
)]

use kesu_core::report::{Period, Transition};
use kesu_store::reporting::{self, NewRound, ReportChange};
use kesu_store::{Actor, Db, plans};
use serde_json::Value;
use std::process::{Command, Output};
use time::macros::{date, datetime};

fn kesu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kesu"))
        .args(args)
        .env_remove("KESU_DATABASE_URL")
        .env_remove("KESU_DATA_DIR")
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const FARMERS: &str = "二.(二).2.(2)";

/// 娄底's plan with two accepted quarters of farmer training (1200 + 1800 人次) from the lead
/// unit. Returns the plan id and the two report ids.
async fn loudi_with_reports(db: &Db) -> (i64, Vec<i64>) {
    let path = format!(
        "{}/../kesu-plan/tests/gold/000_432ccf1c67a0d8b8.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let plan: kesu_core::plan::Plan =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let src = plans::Source {
        name: "loudi.json",
        sha256: "loudi",
    };
    let id = plans::import(db, &plan, "4313", Some("娄底市"), &src, &Actor::new("t"))
        .await
        .unwrap()
        .plan_id();
    let target = plans::tasks(db, id)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.path == FARMERS)
        .unwrap()
        .targets[0]
        .id;
    let mut reports = Vec::new();
    for (period, v) in [("2024Q1", 1200.0), ("2024Q2", 1800.0)] {
        let round = reporting::open_round(
            db,
            &NewRound {
                plan_id: id,
                period: Period::parse(period).unwrap(),
                due: date!(2025 - 12 - 01),
                lock: date!(2025 - 12 - 31),
                demo: false,
            },
            &Actor::new("office"),
        )
        .await
        .unwrap();
        let slot = reporting::slots(db, round)
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.task_path == FARMERS && s.role == "lead")
            .unwrap();
        let now = datetime!(2025-06-01 02:00 UTC);
        for (t, ver, values) in [
            (Transition::Submit, 0, vec![(target, Some(v))]),
            (Transition::Accept, 1, vec![]),
        ] {
            reporting::change(
                db,
                slot.id,
                t,
                &ReportChange {
                    expected_version: ver,
                    content: None,
                    values,
                    reason: None,
                },
                now,
                &Actor::new("u"),
            )
            .await
            .unwrap();
        }
        reports.push(slot.id);
    }
    (id, reports)
}

#[test]
fn indicators_as_json_give_one_entry_per_target_with_value_status_and_sources() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    for t in rt.block_on(kesu_store::testing::backends()) {
        let (plan, reports) = rt.block_on(loudi_with_reports(&t.db));
        let out = kesu(&[
            "indicators",
            "--database-url",
            &t.url(),
            "--plan",
            &plan.to_string(),
            "--as-of",
            "2024-06-30",
            "--format",
            "json",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}: {}", t.name(), stderr(&out));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let list = v["indicators"].as_array().unwrap();
        assert_eq!(list.len(), 9, "one goal and eight task targets");
        for e in list {
            for k in [
                "task_path",
                "indicator",
                "comparator",
                "target",
                "unit",
                "actual",
                "progress",
                "status",
                "sources",
                "rule",
            ] {
                assert!(e.get(k).is_some(), "{k} missing in {e}");
            }
        }
        // The goal (literacy share) has no report: null, not 0.
        assert_eq!(list[0]["task_path"], "目标");
        assert!(list[0]["actual"].is_null());
        assert_eq!(list[0]["status"], "no_data");
        let training = list
            .iter()
            .find(|e| e["task_path"] == FARMERS && e["unit"] == "人次")
            .unwrap();
        assert_eq!(training["actual"], 3000.0);
        assert_eq!(training["target"], 5000.0);
        assert_eq!(training["comparator"], ">=");
        assert_eq!(training["progress"], 0.6);
        assert_eq!(training["status"], "behind");
        assert_eq!(
            training["sources"],
            serde_json::json!([reports[0], reports[1]])
        );
        assert!(training["rule"].as_str().unwrap().contains("相加"));
        rt.block_on(t.cleanup());
    }
}

#[test]
fn indicators_for_a_period_count_the_rounds_up_to_it() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let t = rt.block_on(kesu_store::testing::TestDb::sqlite()).unwrap();
    let (plan, reports) = rt.block_on(loudi_with_reports(&t.db));
    let out = kesu(&[
        "indicators",
        "--database-url",
        &t.url(),
        "--plan",
        &plan.to_string(),
        "--period",
        "2024Q1",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let training = v["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["task_path"] == FARMERS && e["unit"] == "人次")
        .unwrap()
        .clone();
    assert_eq!(training["actual"], 1200.0);
    assert_eq!(training["sources"], serde_json::json!([reports[0]]));
    rt.block_on(t.cleanup());
}

#[test]
fn indicators_as_a_table_show_status_and_a_summary() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let t = rt.block_on(kesu_store::testing::TestDb::sqlite()).unwrap();
    let (plan, _) = rt.block_on(loudi_with_reports(&t.db));
    let out = kesu(&[
        "indicators",
        "--database-url",
        &t.url(),
        "--plan",
        &plan.to_string(),
        "--as-of",
        "2024-06-30",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("3000人次"), "{table}");
    assert!(table.contains("滞后"), "{table}");
    assert!(table.contains("无数据"), "{table}");
    assert!(stderr(&out).contains("滞后 1"), "{}", stderr(&out));
    rt.block_on(t.cleanup());
}

#[test]
fn indicators_as_xlsx_write_a_workbook() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let t = rt.block_on(kesu_store::testing::TestDb::sqlite()).unwrap();
    let (plan, _) = rt.block_on(loudi_with_reports(&t.db));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("指标.xlsx");
    let out = kesu(&[
        "indicators",
        "--database-url",
        &t.url(),
        "--plan",
        &plan.to_string(),
        "--format",
        "xlsx",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"PK"), "an .xlsx is a zip file");
    rt.block_on(t.cleanup());
}

#[test]
fn an_unknown_plan_fails_with_a_message() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let t = rt.block_on(kesu_store::testing::TestDb::sqlite()).unwrap();
    let out = kesu(&["indicators", "--database-url", &t.url(), "--plan", "999"]);
    let err = stderr(&out);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("未找到方案"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    rt.block_on(t.cleanup());
}

#[test]
fn a_bad_period_is_refused_with_the_accepted_forms() {
    let out = kesu(&["indicators", "--plan", "1", "--period", "2024Q5"]);
    let err = stderr(&out);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("2025Q1"), "{err}");
}

/// Three counties of 娄底 reporting on the venues task (三.(三).2.(2)) for 2024Q4 — 娄星 a venue,
/// the others none; 双峰 late — and their survey shares for 2023 and 2024 recorded with
/// `kesu indicators record`. Returns the plan id.
async fn three_counties(db: &Db, url: &str) -> i64 {
    let csv = "code,name\n43,湖南省\n4313,娄底市\n431302,娄星区\n431321,双峰县\n431322,新化县\n";
    kesu_store::regions::import_seed_csv(db, &Actor::new("t"), csv.as_bytes(), "r.csv", "2023")
        .await
        .unwrap();
    let (plan, _) = loudi_with_reports(db).await;
    let task = plans::tasks(db, plan)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.path == "三.(三).2.(2)")
        .unwrap();
    let out = kesu(&[
        "indicators",
        "expand",
        "--database-url",
        url,
        "--task",
        &task.id.to_string(),
        "--level",
        "county",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let round = reporting::open_round(
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
    let slots = reporting::slots(db, round).await.unwrap();
    for (code, venue, day) in [
        ("431302", 1.0, datetime!(2025-01-10 02:00 UTC)),
        ("431321", 0.0, datetime!(2025-01-20 02:00 UTC)),
        ("431322", 0.0, datetime!(2025-01-10 02:00 UTC)),
    ] {
        let s = slots.iter().find(|s| s.region_code == code).unwrap();
        let values = vec![
            (task.targets[0].id, Some(venue)),
            (task.targets[1].id, Some(90.0)),
        ];
        for (t, ver, values, at) in [
            (Transition::Submit, 0, values, day),
            (
                Transition::Accept,
                1,
                vec![],
                datetime!(2025-01-25 02:00 UTC),
            ),
        ] {
            reporting::change(
                db,
                s.id,
                t,
                &ReportChange {
                    expected_version: ver,
                    content: None,
                    values,
                    reason: None,
                },
                at,
                &Actor::new("u"),
            )
            .await
            .unwrap();
        }
    }
    plan
}

fn record_shares(url: &str) {
    for (code, y2023, y2024) in [
        ("431302", "14.8", "16.0"),
        ("431321", "13.8", "15.0"),
        ("431322", "15.5", "15.0"),
    ] {
        for (year, v) in [("2023", y2023), ("2024", y2024)] {
            let out = kesu(&[
                "indicators",
                "record",
                "--database-url",
                url,
                "--region",
                code,
                "--year",
                year,
                "--value",
                v,
            ]);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        }
    }
}

fn inputs_file(dir: &std::path::Path) -> String {
    let done = serde_json::json!({"done": true});
    let fixed = [
        "org_leadership",
        "org_study",
        "coordination",
        "funding",
        "publicity",
        "ledger",
    ];
    let per: serde_json::Map<String, Value> = fixed
        .iter()
        .map(|f| (f.to_string(), done.clone()))
        .collect();
    let all: serde_json::Map<String, Value> = ["431302", "431321", "431322"]
        .iter()
        .map(|c| (c.to_string(), Value::Object(per.clone())))
        .collect();
    let path = dir.join("inputs.json");
    std::fs::write(&path, Value::Object(all).to_string()).unwrap();
    path.to_str().unwrap().to_string()
}

// As in kesu-store's tests: 娄星 80, 双峰 and 新化 tied at 74.67 (see there for the sums).
#[test]
fn assess_ranks_the_counties_with_ties_and_lists_commendation_and_concerns() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    for t in rt.block_on(kesu_store::testing::backends()) {
        let url = t.url();
        let plan = rt.block_on(three_counties(&t.db, &url));
        record_shares(&url);
        let dir = tempfile::tempdir().unwrap();
        let inputs = inputs_file(dir.path());
        let out = kesu(&[
            "assess",
            "--database-url",
            &url,
            "--plan",
            &plan.to_string(),
            "--year",
            "2024",
            "--inputs",
            &inputs,
            "--top",
            "2",
            "--format",
            "json",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}: {}", t.name(), stderr(&out));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let ranking: Vec<(String, f64, u64)> = v["assessment"]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["name"].as_str().unwrap().to_string(),
                    r["total"].as_f64().unwrap(),
                    r["rank"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            ranking,
            [
                ("娄星区".to_string(), 80.0, 1),
                ("双峰县".to_string(), 74.67, 2),
                ("新化县".to_string(), 74.67, 2),
            ],
            "{}",
            t.name()
        );
        assert_eq!(
            v["commendation"],
            serde_json::json!(["431302", "431321", "431322"])
        );
        let fell: Vec<&str> = v["concerns"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["fell"] == true)
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(fell, ["新化县"]);
        let xlsx = dir.path().join("考核.xlsx");
        let out = kesu(&[
            "assess",
            "--database-url",
            &url,
            "--plan",
            &plan.to_string(),
            "--year",
            "2024",
            "--format",
            "xlsx",
            "-o",
            xlsx.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
        rt.block_on(t.cleanup());
    }
}

#[test]
fn a_scheme_with_a_bad_item_exits_65_naming_it() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let t = rt.block_on(kesu_store::testing::TestDb::sqlite()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let scheme = dir.path().join("scheme.json");
    std::fs::write(
        &scheme,
        r#"{"name":"测试","items":[{"id":"x","name":"经费","points":-1,"rule":{"type":"fixed"},"source":"report_evidence"}]}"#,
    )
    .unwrap();
    let out = kesu(&[
        "assess",
        "--database-url",
        &t.url(),
        "--scheme",
        scheme.to_str().unwrap(),
        "--plan",
        "1",
        "--year",
        "2024",
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(65), "{err}");
    assert!(err.contains("经费"), "{err}");
    rt.block_on(t.cleanup());
}

#[test]
fn the_annual_report_is_written_as_html_xlsx_and_pdf() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let t = rt.block_on(kesu_store::testing::TestDb::sqlite()).unwrap();
    let url = t.url();
    rt.block_on(three_counties(&t.db, &url));
    record_shares(&url);
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("娄底市2024年报.html");
    let out = kesu(&[
        "report",
        "annual",
        "--database-url",
        &url,
        "--region",
        "4313",
        "--year",
        "2024",
        "-o",
        html.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("娄底市2024年度全民科学素质行动监测评估报告"));
    // Goals against actuals: the city's share is the plain mean of its counties' (no
    // populations): (16 + 15 + 15) / 3.
    assert!(page.contains("15.33%"), "{page}");
    assert!(
        page.contains("新化县") && page.contains("不升反降"),
        "{page}"
    );
    assert!(page.contains("逾期和退回的报告"), "{page}");
    let xlsx = dir.path().join("年报.xlsx");
    let out = kesu(&[
        "report",
        "annual",
        "--database-url",
        &url,
        "--region",
        "4313",
        "--year",
        "2024",
        "-o",
        xlsx.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
    let pdf = dir.path().join("年报.pdf");
    let out = kesu(&[
        "report",
        "annual",
        "--database-url",
        &url,
        "--region",
        "4313",
        "--year",
        "2024",
        "-o",
        pdf.to_str().unwrap(),
    ]);
    let printer = [
        "/usr/bin/chromium-headless-shell",
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
    ];
    if printer.iter().any(|p| std::path::Path::new(p).exists()) {
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    } else {
        assert_ne!(out.status.code(), Some(0));
        assert!(stderr(&out).contains("chromium"), "{}", stderr(&out));
    }
    let out = kesu(&[
        "report",
        "annual",
        "--database-url",
        &url,
        "--region",
        "4313",
        "--year",
        "2024",
        "-o",
        "report.doc",
    ]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains(".html、.pdf 或 .xlsx"),
        "{}",
        stderr(&out)
    );
    rt.block_on(t.cleanup());
}
