//! `kesu survey import | waves | results` on a real database (both backends when PostgreSQL is
//! available): a wave is stored with its estimates and feeds the region's literacy share.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers outside #[test] functions fail loudly"
)]

use kesu_store::testing::{TestDb, backends};
use std::path::PathBuf;
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../kesu-survey/tests/fixtures")
}

fn kesu(t: &TestDb, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kesu"))
        .env("KESU_DATABASE_URL", t.url())
        .env_remove("KESU_DATA_DIR")
        .args(args)
        .output()
        .expect("run kesu")
}

fn import_args(file: &str) -> Vec<String> {
    let f = fixtures();
    vec![
        "survey".into(),
        "import".into(),
        f.join(file).display().to_string(),
        "--year".into(),
        "2024".into(),
        "--region".into(),
        "431302".into(),
        "--poststratify".into(),
        "region,urban,sex".into(),
        "--margins".into(),
        f.join("margins.csv").display().to_string(),
    ]
}

fn run_import(t: &TestDb, file: &str) -> Output {
    let args = import_args(file);
    kesu(t, &args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[tokio::test]
async fn an_imported_wave_stores_results_by_region_and_group_and_records_the_share() {
    for t in backends().await {
        let out = run_import(&t, "respondents.csv");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let again = run_import(&t, "respondents.csv");
        assert!(String::from_utf8_lossy(&again.stdout).contains("unchanged"));

        let out = kesu(&t, &["survey", "results", "1", "--format", "json"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let rows = v["results"].as_array().unwrap();
        let by = |b: &str| rows.iter().filter(|r| r["by_var"] == b).count();
        assert_eq!(by("overall"), 1);
        assert_eq!(by("region"), 3);
        assert!(by("group") >= 2);

        let share = kesu_store::indicators::share_of(&t.db, "431302", 2024)
            .await
            .unwrap()
            .expect("share recorded");
        let overall = rows[0]["est"].as_f64().unwrap();
        assert!((share.value - 100.0 * overall).abs() < 1e-9);
        assert!(share.low.unwrap() < share.value && share.value < share.high.unwrap());

        let waves = kesu(
            &t,
            &["survey", "waves", "--region", "4313", "--format", "json"],
        );
        let w: serde_json::Value = serde_json::from_slice(&waves.stdout).unwrap();
        assert_eq!(w.as_array().unwrap().len(), 1);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_file_with_a_name_column_is_refused_and_nothing_is_stored() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let src = std::fs::read_to_string(fixtures().join("respondents.csv")).unwrap();
        let mut lines = src.lines();
        let mut out = format!("姓名,{}\n", lines.next().unwrap());
        for l in lines.take(50) {
            out.push_str(&format!("张三,{l}\n"));
        }
        let path = dir.path().join("with-names.csv");
        std::fs::write(&path, out).unwrap();
        let o = kesu(
            &t,
            &[
                "survey",
                "import",
                path.to_str().unwrap(),
                "--year",
                "2024",
                "--region",
                "431302",
            ],
        );
        assert!(!o.status.success());
        assert!(String::from_utf8_lossy(&o.stderr).contains("姓名"));
        let waves = kesu(&t, &["survey", "waves", "--format", "json"]);
        let w: serde_json::Value = serde_json::from_slice(&waves.stdout).unwrap();
        assert!(w.as_array().unwrap().is_empty());
        t.cleanup().await;
    }
}
