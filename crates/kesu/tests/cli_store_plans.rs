//! `kesu plan import|list|show|export` and `kesu units …` as a user runs them, on every test
//! backend (SQLite; PostgreSQL when KESU_TEST_PG_URL is set), with the sample plans.
#![expect(
    clippy::unwrap_used,
    reason = "fixture helpers: a failure to set one up fails the test"
)]

use kesu_store::testing::{TestDb, backends};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const LOUDI: &str = "000_432ccf1c67a0d8b8.txt";

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../samples/plans")
        .join(name)
}

fn kesu(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kesu"))
        .arg("--database-url")
        .arg(url)
        .args(args)
        .env_remove("KESU_DATABASE_URL")
        .env_remove("KESU_DATA_DIR")
        .env("USER", "测试员")
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> Value {
    assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn on_each_backend(f: impl Fn(&TestDb, &str)) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    for t in rt.block_on(backends()) {
        eprintln!("-- backend: {}", t.name());
        f(&t, &t.url());
        rt.block_on(t.cleanup());
    }
}

/// Regions for the 娄底 sample, plus (when `twin`) a second city of the same name elsewhere.
fn import_regions(url: &str, twin: bool) {
    let mut csv = String::from("code,name\n43,湖南省\n4313,娄底市\n431302,娄星区\n");
    if twin {
        csv.push_str("44,广东省\n4499,娄底市\n");
    }
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("regions.csv");
    std::fs::write(&f, csv).unwrap();
    let out = kesu(
        url,
        &[
            "regions",
            "import",
            f.to_str().unwrap(),
            "--edition",
            "2023",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

fn import(url: &str, file: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["plan", "import", file.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    kesu(url, &args)
}

#[test]
fn a_plan_is_imported_once_and_again_changes_nothing() {
    on_each_backend(|_, url| {
        import_regions(url, false);
        let first = json(&import(url, &sample(LOUDI), &[]));
        assert_eq!(first["outcome"], "created");
        assert_eq!(first["region_code"], "4313");
        let again = import(url, &sample(LOUDI), &[]);
        let second = json(&again);
        assert_eq!(second["outcome"], "unchanged");
        assert_eq!(second["plan_id"], first["plan_id"]);
        assert!(stderr(&again).contains("未变化"), "{}", stderr(&again));
        let list = json(&kesu(url, &["plan", "list", "--format", "json"]));
        assert_eq!(list.as_array().unwrap().len(), 1);
        assert_eq!(list[0]["revision"], 1);
    });
}

#[test]
fn a_changed_document_becomes_revision_2_with_its_changes_listed() {
    on_each_backend(|_, url| {
        import_regions(url, false);
        json(&import(url, &sample(LOUDI), &[]));
        let text = std::fs::read_to_string(sample(LOUDI)).unwrap();
        let changed = text
            .replacen(
                "(责任单位:市教育局、市科技局、市科协等)(7)",
                "(责任单位:市教育局、市科协等)(7)",
                1,
            )
            .replacen(
                "至少配备1名以上的科技辅导员",
                "至少配备2名以上的科技辅导员",
                1,
            );
        assert_ne!(changed, text, "the edits apply");
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("娄底方案-修订.txt");
        std::fs::write(&copy, changed).unwrap();
        let out = import(url, &copy, &[]);
        let v = json(&out);
        assert_eq!(v["outcome"], "revised");
        assert_eq!(v["revision"], 2);
        let kinds: Vec<&str> = v["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["change"].as_str().unwrap())
            .collect();
        assert!(kinds.contains(&"reassigned"), "{kinds:?}");
        assert!(kinds.contains(&"targets_changed"), "{kinds:?}");
        let err = stderr(&out);
        assert!(err.contains("第 2 版"), "{err}");
        let list = json(&kesu(url, &["plan", "list", "--format", "json"]));
        assert_eq!(list.as_array().unwrap().len(), 1, "still one plan");
    });
}

#[test]
fn export_gives_the_same_json_as_plan_parse_and_an_xlsx_task_table() {
    on_each_backend(|_, url| {
        import_regions(url, false);
        let id = json(&import(url, &sample(LOUDI), &[]))["plan_id"]
            .as_i64()
            .unwrap()
            .to_string();
        let parsed = Command::new(env!("CARGO_BIN_EXE_kesu"))
            .args(["plan", "parse", sample(LOUDI).to_str().unwrap()])
            .output()
            .unwrap();
        let exported = kesu(url, &["plan", "export", &id, "--format", "json"]);
        assert_eq!(json(&exported), json(&parsed));
        let dir = tempfile::tempdir().unwrap();
        let xlsx = dir.path().join("任务分解表.xlsx");
        let out = kesu(
            url,
            &[
                "plan",
                "export",
                &id,
                "--format",
                "xlsx",
                "-o",
                xlsx.to_str().unwrap(),
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
    });
}

#[test]
fn show_lists_tasks_with_their_units_by_role() {
    on_each_backend(|_, url| {
        import_regions(url, false);
        let id = json(&import(url, &sample(LOUDI), &[]))["plan_id"].to_string();
        let v = json(&kesu(url, &["plan", "show", &id, "--format", "json"]));
        assert_eq!(
            v["plan"]["title"],
            "娄底市全民科学素质行动规划纲要实施方案(2021-2025年)"
        );
        let tasks = v["tasks"].as_array().unwrap();
        assert!(!tasks.is_empty());
        assert!(
            tasks[0]["units"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u["role"] == "lead")
        );
        let table = kesu(url, &["plan", "show", &id]);
        assert_eq!(table.status.code(), Some(0), "{}", stderr(&table));
        assert!(String::from_utf8_lossy(&table.stdout).contains("牵头单位"));
    });
}

#[test]
fn an_ambiguous_region_name_asks_for_region_and_the_code_settles_it() {
    on_each_backend(|_, url| {
        import_regions(url, true);
        let out = import(url, &sample(LOUDI), &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(65), "{err}");
        assert!(err.contains("--region"), "{err}");
        assert!(err.contains("4313") && err.contains("4499"), "{err}");
        let ok = json(&import(url, &sample(LOUDI), &["--region", "4499"]));
        assert_eq!(ok["region_code"], "4499");
    });
}

#[test]
fn a_plan_whose_region_is_not_stored_is_refused_with_advice() {
    on_each_backend(|_, url| {
        let out = import(url, &sample(LOUDI), &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(65), "{err}");
        assert!(err.contains("kesu regions import"), "{err}");
        let list = json(&kesu(url, &["plan", "list", "--format", "json"]));
        assert!(list.as_array().unwrap().is_empty());
    });
}

#[test]
fn an_unknown_plan_id_is_not_found() {
    on_each_backend(|_, url| {
        let out = kesu(url, &["plan", "show", "999"]);
        assert_eq!(out.status.code(), Some(65), "{}", stderr(&out));
        assert!(stderr(&out).contains("未找到方案"), "{}", stderr(&out));
    });
}

#[test]
fn units_are_registered_by_import_and_can_be_renamed_and_merged() {
    on_each_backend(|t, url| {
        import_regions(url, false);
        json(&import(url, &sample(LOUDI), &[]));
        let units = json(&kesu(
            url,
            &["units", "list", "--region", "4313", "--format", "json"],
        ));
        let names: Vec<&str> = units
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"市教育局"), "{names:?}");
        assert!(
            units
                .as_array()
                .unwrap()
                .iter()
                .all(|u| u["kind"].is_string())
        );

        let out = kesu(url, &["units", "rename", "市教育局", "娄底市教育局"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let units = json(&kesu(url, &["units", "list", "--format", "json"]));
        let renamed = units
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["name"] == "娄底市教育局")
            .unwrap();
        assert!(
            renamed["aliases"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a == "市教育局")
        );

        let before = units.as_array().unwrap().len();
        let out = kesu(url, &["units", "merge", "市科技局", "市科协"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let units = json(&kesu(url, &["units", "list", "--format", "json"]));
        assert_eq!(units.as_array().unwrap().len(), before - 1);

        // Both changes are in the audit log under the CLI user.
        let rt = tokio::runtime::Runtime::new().unwrap();
        let log = rt.block_on(kesu_store::audit::recent(&t.db, 20)).unwrap();
        let actions: Vec<(&str, &str)> = log
            .iter()
            .map(|e| (e.action.as_str(), e.actor.as_str()))
            .collect();
        assert!(actions.contains(&("unit.rename", "测试员")), "{actions:?}");
        assert!(actions.contains(&("unit.merge", "测试员")), "{actions:?}");
        assert!(
            actions.iter().any(|(a, _)| a.starts_with("plan.")),
            "{actions:?}"
        );
    });
}

#[test]
fn merging_a_unit_into_itself_is_refused() {
    on_each_backend(|_, url| {
        import_regions(url, false);
        json(&import(url, &sample(LOUDI), &[]));
        let out = kesu(url, &["units", "merge", "市科协", "市科协"]);
        assert_eq!(out.status.code(), Some(65), "{}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"));
    });
}

#[test]
fn each_sample_plan_finds_its_region_in_the_seed_regions_and_importing_twice_leaves_one() {
    let seeds =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/regions/seed-regions.csv.gz");
    let samples: Vec<PathBuf> = std::fs::read_dir(sample(""))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    assert_eq!(samples.len(), 5);
    on_each_backend(|_, url| {
        let out = kesu(
            url,
            &[
                "regions",
                "import",
                seeds.to_str().unwrap(),
                "--edition",
                "2023",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        for s in &samples {
            let v = json(&import(url, s, &[]));
            assert_eq!(v["outcome"], "created", "{}", s.display());
        }
        for s in &samples {
            let v = json(&import(url, s, &[]));
            assert_eq!(v["outcome"], "unchanged", "{}", s.display());
        }
        let list = json(&kesu(url, &["plan", "list", "--format", "json"]));
        let mut codes: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["region_code"].as_str().unwrap())
            .collect();
        codes.sort_unstable();
        assert_eq!(codes, ["341002", "3605", "4313", "4403", "50"]);
    });
}
