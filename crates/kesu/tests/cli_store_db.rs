//! `kesu migrate` and database URLs, as a user runs them.
#![expect(
    clippy::unwrap_used,
    reason = "fixture helpers: a failure to set one up fails the test"
)]

use std::process::{Command, Output};

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

#[test]
fn migrate_creates_kesu_db_in_the_data_dir_then_reports_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("数据");
    let d = data.to_str().unwrap();
    let out = kesu(&["migrate", "--data-dir", d]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(data.join("kesu.db").exists());
    assert!(stderr(&out).contains("已应用迁移"), "{}", stderr(&out));
    let out = kesu(&["migrate", "--data-dir", d]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("up to date"), "{}", stderr(&out));
}

#[test]
fn migrate_on_every_test_backend_succeeds() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    for t in rt.block_on(kesu_store::testing::backends()) {
        let out = kesu(&["migrate", "--database-url", &t.url()]);
        assert_eq!(out.status.code(), Some(0), "{}: {}", t.name(), stderr(&out));
        assert!(stderr(&out).contains("up to date"), "{}", stderr(&out));
        rt.block_on(t.cleanup());
    }
}

#[test]
fn an_unknown_database_scheme_exits_64_with_a_message() {
    let out = kesu(&["migrate", "--database-url", "mysql://root@localhost/kesu"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(64), "{err}");
    assert!(err.contains("数据库地址无效"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn an_unreachable_postgres_exits_69_without_showing_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "postgres://kesu:s3cret@localhost/kesu?host={}",
        dir.path().display()
    );
    let out = kesu(&["migrate", "--database-url", &url]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(69), "{err}");
    assert!(err.contains("无法打开数据库"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn the_database_url_can_come_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("env.db");
    let out = Command::new(env!("CARGO_BIN_EXE_kesu"))
        .arg("migrate")
        .env("KESU_DATABASE_URL", format!("sqlite://{}", db.display()))
        .env_remove("KESU_DATA_DIR")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(db.exists());
}
