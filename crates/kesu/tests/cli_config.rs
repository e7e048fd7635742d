//! `kesu.toml`, `KESU_*` variables and flags, as an operator meets them through
//! `kesu config check` and every other command.
#![expect(
    clippy::unwrap_used,
    reason = "fixture helpers: a failure to set one up fails the test"
)]

use std::process::{Command, Output};

fn kesu(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kesu"));
    c.args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("KESU_") {
            c.env_remove(k);
        }
    }
    c.envs(env.iter().copied());
    c.output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The row of `key` in `kesu config check`'s table.
fn row<'a>(out: &'a str, key: &str) -> &'a str {
    out.lines()
        .find(|l| l.split_whitespace().next() == Some(key))
        .unwrap_or_else(|| panic!("no row {key} in\n{out}"))
}

#[test]
fn config_check_shows_each_value_with_its_source_and_hides_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kesu.toml");
    std::fs::write(
        &file,
        "bind = \"0.0.0.0:9000\"\n\
         database_url = \"postgres://kesu:s3cret@db.internal/kesu\"\n\
         read_database_urls = [\"postgres://kesu:s3cret@replica1/kesu\"]\n\
         log_format = \"json\"\n\
         backup_at = \"02:30\"\n\
         public_phone_rate = 5\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let out = kesu(
        &["config", "check", "--config", f, "--log-format", "pretty"],
        &[("KESU_BIND", "127.0.0.1:9001"), ("KESU_PUBLIC_RATE", "0")],
    );
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(!all.contains("s3cret"), "{all}");
    assert!(
        row(&all, "database_url").contains("kesu:***@db.internal"),
        "{all}"
    );
    assert!(row(&all, "database_url").contains("(file)"), "{all}");
    assert!(row(&all, "bind").contains("127.0.0.1:9001"), "{all}");
    assert!(row(&all, "bind").contains("(env)"), "{all}");
    assert!(row(&all, "log_format").contains("pretty"), "{all}");
    assert!(row(&all, "log_format").contains("(flag)"), "{all}");
    assert!(row(&all, "metrics_allow").contains("127.0.0.0/8"), "{all}");
    assert!(row(&all, "backup_at").contains("02:30"), "{all}");
    assert!(row(&all, "public_rate").contains("0 (off)"), "{all}");
    assert!(row(&all, "public_rate").contains("(env)"), "{all}");
    assert!(row(&all, "public_phone_rate").contains('5'), "{all}");
    assert!(all.contains("配置有效"), "{all}");
}

#[test]
fn a_bad_configuration_exits_78_naming_every_bad_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kesu.toml");
    std::fs::write(&file, "bind = \"everywhere\"\nbackup_keep = 0\n").unwrap();
    let out = kesu(
        &["config", "check"],
        &[
            ("KESU_CONFIG", file.to_str().unwrap()),
            ("KESU_METRICS_ALLOW", "10.0.0.0/8, not-an-address"),
        ],
    );
    let all = text(&out);
    assert_eq!(out.status.code(), Some(78), "{all}");
    assert!(all.contains("bind (KESU_BIND"), "{all}");
    assert!(all.contains("backup_keep"), "{all}");
    assert!(all.contains("not-an-address"), "{all}");
    assert!(!all.contains("panicked"), "{all}");
}

#[test]
fn an_unknown_key_is_refused_so_a_typo_is_not_silently_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kesu.toml");
    std::fs::write(&file, "secure_cookie = true\n").unwrap();
    let out = kesu(
        &["config", "check", "--config", file.to_str().unwrap()],
        &[],
    );
    assert_eq!(out.status.code(), Some(78), "{}", text(&out));
    assert!(text(&out).contains("secure_cookie"), "{}", text(&out));
}

#[test]
fn the_data_dir_of_the_file_is_used_by_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("kesu.toml");
    std::fs::write(&file, format!("data_dir = {:?}\n", data.to_str().unwrap())).unwrap();
    let out = kesu(&["migrate", "--config", file.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(data.join("kesu.db").exists());
}

#[test]
fn config_check_connect_reports_the_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    assert!(kesu(&["migrate", "--data-dir", d], &[]).status.success());
    let out = kesu(&["config", "check", "--connect", "--data-dir", d], &[]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(all.contains("primary reachable"), "{all}");
}
