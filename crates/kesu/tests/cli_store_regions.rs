//! `kesu regions …` as a user runs it, on every test backend (SQLite; PostgreSQL when
//! KESU_TEST_PG_URL is set): import, show, list, search, population, bad files, and a kill -9 in
//! the middle of an import.
#![expect(
    clippy::unwrap_used,
    reason = "fixture helpers: a failure to set one up fails the test"
)]

use kesu_store::testing::{TestDb, backends};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn kesu(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kesu"))
        .arg("--database-url")
        .arg(url)
        .args(args)
        .env_remove("KESU_DATABASE_URL")
        .env_remove("KESU_DATA_DIR")
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

/// Run `f` once per backend on a fresh database, with its URL.
fn on_each_backend(f: impl Fn(&TestDb, &str)) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    for t in rt.block_on(backends()) {
        eprintln!("-- backend: {}", t.name());
        f(&t, &t.url());
        rt.block_on(t.cleanup());
    }
}

/// A small five-level set: 湖南省 › 娄底市 › 娄星区 › 乐坪街道 › two villages; 广东省 › 深圳市.
fn write_set(dir: &Path, villages_extra: &str) {
    let files = [
        (
            "provinces.csv",
            "code,name\n43,\"湖南省\"\n44,\"广东省\"\n".to_string(),
        ),
        (
            "cities.csv",
            "code,name,provinceCode\n4313,\"娄底市\",43\n4403,\"深圳市\",44\n".to_string(),
        ),
        (
            "areas.csv",
            "code,name,cityCode,provinceCode\n431302,\"娄星区\",4313,43\n".to_string(),
        ),
        (
            "streets.csv",
            "code,name,areaCode,provinceCode,cityCode\n431302001,\"乐坪街道\",431302,43,4313\n"
                .to_string(),
        ),
        (
            "villages.csv",
            format!(
                "code,name,streetCode,provinceCode,cityCode,areaCode\n\
                 431302001001,\"新星社区居委会\",431302001,43,4313,431302\n\
                 431302001002,\"珠山社区居委会\",431302001,43,4313,431302\n{villages_extra}"
            ),
        ),
    ];
    for (name, body) in files {
        std::fs::write(dir.join(name), body).unwrap();
    }
}

#[test]
fn import_then_show_list_and_search_answer_in_json() {
    on_each_backend(|_, url| {
        let dir = tempfile::tempdir().unwrap();
        write_set(dir.path(), "");
        let d = dir.path().to_str().unwrap();
        let out = kesu(
            url,
            &[
                "regions",
                "import",
                d,
                "--edition",
                "2023",
                "--format",
                "json",
            ],
        );
        let s = json(&out);
        assert_eq!(s["total"], 8);
        assert!(stderr(&out).contains("已导入区划 8 条"), "{}", stderr(&out));

        let show = json(&kesu(url, &["regions", "show", "4313", "--format", "json"]));
        assert_eq!(show["name"], "娄底市");
        assert_eq!(show["level"], "city");
        assert_eq!(show["path"][0]["name"], "湖南省");
        assert_eq!(show["children"], 1);

        let villages = json(&kesu(
            url,
            &[
                "regions", "list", "--within", "43", "--level", "village", "--format", "json",
            ],
        ));
        assert_eq!(villages.as_array().unwrap().len(), 2);
        let children = json(&kesu(url, &["regions", "list", "--format", "json"]));
        assert_eq!(children.as_array().unwrap().len(), 2, "provinces");

        let found = json(&kesu(
            url,
            &["regions", "search", "娄底", "--format", "json"],
        ));
        assert_eq!(found[0]["code"], "4313");
    });
}

#[test]
fn show_prints_a_readable_table() {
    on_each_backend(|_, url| {
        let dir = tempfile::tempdir().unwrap();
        write_set(dir.path(), "");
        kesu(
            url,
            &[
                "regions",
                "import",
                dir.path().to_str().unwrap(),
                "--edition",
                "2023",
            ],
        );
        let out = kesu(url, &["regions", "show", "431302001"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("湖南省 › 娄底市 › 娄星区 › 乐坪街道"),
            "{text}"
        );
        assert!(text.contains("村级下级  2"), "{text}");
    });
}

#[test]
fn a_bad_file_exits_65_listing_file_row_and_reason_and_stores_nothing() {
    on_each_backend(|_, url| {
        let dir = tempfile::tempdir().unwrap();
        write_set(
            dir.path(),
            "431302001002,\"重复\",431302001,43,4313,431302\n\
             4313020019,\"短码\",431302001,43,4313,431302\n",
        );
        let out = kesu(
            url,
            &[
                "regions",
                "import",
                dir.path().to_str().unwrap(),
                "--edition",
                "2023",
            ],
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(65), "{err}");
        assert!(err.contains("villages.csv 第 4 行"), "{err}");
        assert!(err.contains("villages.csv 第 5 行"), "{err}");
        assert!(err.contains("未写入任何数据"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        let none = kesu(url, &["regions", "show", "43"]);
        assert_eq!(none.status.code(), Some(65), "{}", stderr(&none));
        assert!(stderr(&none).contains("未找到区划"), "{}", stderr(&none));
    });
}

#[test]
fn a_directory_without_an_edition_asks_for_one() {
    on_each_backend(|_, url| {
        let dir = tempfile::tempdir().unwrap();
        write_set(dir.path(), "");
        let out = kesu(url, &["regions", "import", dir.path().to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(65), "{}", stderr(&out));
        assert!(stderr(&out).contains("--edition"), "{}", stderr(&out));
    });
}

#[test]
fn population_is_imported_and_shown() {
    on_each_backend(|_, url| {
        let dir = tempfile::tempdir().unwrap();
        write_set(dir.path(), "");
        kesu(
            url,
            &[
                "regions",
                "import",
                dir.path().to_str().unwrap(),
                "--edition",
                "2023",
            ],
        );
        let csv = dir.path().join("pop.csv");
        std::fs::write(
            &csv,
            "code,year,population,urban,rural\n4313,2020,3826996,1918000,1908996\n",
        )
        .unwrap();
        let out = kesu(url, &["regions", "population", csv.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let show = json(&kesu(url, &["regions", "show", "4313", "--format", "json"]));
        assert_eq!(show["population"]["population"], 3_826_996);
        assert_eq!(show["population"]["year"], 2020);
    });
}

/// A five-level set of `villages` villages (a multiple of 100) under one province.
fn write_big_set(dir: &Path, villages: usize) {
    use std::fmt::Write;
    let mut c = String::from("code,name,provinceCode\n");
    let mut a = String::from("code,name,cityCode,provinceCode\n");
    let mut s = String::from("code,name,areaCode,provinceCode,cityCode\n");
    let mut v = String::from("code,name,streetCode,provinceCode,cityCode,areaCode\n");
    for ci in 1..=10 {
        writeln!(c, "43{ci:02},\"市{ci}\",43").unwrap();
        for ai in 1..=50 {
            writeln!(a, "43{ci:02}{ai:02},\"区{ci}-{ai}\",43{ci:02},43").unwrap();
        }
    }
    // Street n sits in city n % 10, county (n / 10) % 50, with number n / 500: all distinct.
    for n in 0..villages / 100 {
        let city = format!("43{:02}", n % 10 + 1);
        let area = format!("{city}{:02}", (n / 10) % 50 + 1);
        let street = format!("{area}{:03}", n / 500 + 1);
        writeln!(s, "{street},\"街道{n}\",{area},43,{city}").unwrap();
        for vi in 1..=100 {
            writeln!(
                v,
                "{street}{vi:03},\"村{n}-{vi}\",{street},43,{city},{area}"
            )
            .unwrap();
        }
    }
    for (name, body) in [
        ("provinces.csv", "code,name\n43,\"湖南省\"\n".to_string()),
        ("cities.csv", c),
        ("areas.csv", a),
        ("streets.csv", s),
        ("villages.csv", v),
    ] {
        std::fs::write(dir.join(name), body).unwrap();
    }
}

/// Whether an import is inside its write transaction: SQLite's write lock is taken (a second
/// writer is refused at once), or PostgreSQL runs the COPY.
fn writing(t: &TestDb, rt: &tokio::runtime::Runtime) -> bool {
    match &t.db {
        kesu_store::Db::Sqlite(..) => rt.block_on(async {
            use sqlx::Connection;
            let url = t.url();
            let opts = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(url.trim_start_matches("sqlite://"))
                .busy_timeout(Duration::ZERO);
            let Ok(mut conn) = sqlx::SqliteConnection::connect_with(&opts).await else {
                return false;
            };
            let busy = sqlx::query("BEGIN IMMEDIATE").execute(&mut conn).await.is_err();
            if !busy {
                let _ = sqlx::query("ROLLBACK").execute(&mut conn).await;
            }
            let _ = conn.close().await;
            busy
        }),
        kesu_store::Db::Postgres(p) => rt.block_on(async {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE query LIKE 'COPY %' AND state = 'active'",
            )
            .fetch_one(p)
            .await
            .unwrap_or(0)
                > 0
        }),
    }
}

/// Start importing `dir`, wait until it writes, let it write a little, kill it (SIGKILL).
fn kill_mid_import(t: &TestDb, rt: &tokio::runtime::Runtime, dir: &Path) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kesu"))
        .args(["--database-url", &t.url(), "regions", "import"])
        .arg(dir)
        .args(["--edition", "2024"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !writing(t, rt) {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the import ended ({status}) before it could be killed: make the set larger");
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the import never started writing"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(200));
    if let Some(status) = child.try_wait().unwrap() {
        panic!("the import ended ({status}) before it could be killed: make the set larger");
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_kill_during_an_import_leaves_the_database_as_it_was() {
    let big = tempfile::tempdir().unwrap();
    write_big_set(big.path(), 150_000);
    let small = tempfile::tempdir().unwrap();
    write_set(small.path(), "");
    let rt = tokio::runtime::Runtime::new().unwrap();
    for t in rt.block_on(backends()) {
        eprintln!("-- backend: {}", t.name());
        let url = t.url();
        // An earlier import that must survive.
        let out = kesu(
            &url,
            &[
                "regions",
                "import",
                small.path().to_str().unwrap(),
                "--edition",
                "2023",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

        kill_mid_import(&t, &rt, big.path());

        let show = json(&kesu(&url, &["regions", "show", "43", "--format", "json"]));
        assert_eq!(show["edition"], "2023");
        let all = json(&kesu(
            &url,
            &["regions", "list", "--all", "--format", "json"],
        ));
        assert_eq!(all.as_array().unwrap().len(), 8, "only the earlier import");
        // The database is usable: the same import now completes.
        let out = kesu(
            &url,
            &[
                "regions",
                "import",
                big.path().to_str().unwrap(),
                "--edition",
                "2024",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        rt.block_on(t.cleanup());
    }
}

#[test]
fn a_kill_during_a_first_import_leaves_an_empty_working_database() {
    let big = tempfile::tempdir().unwrap();
    write_big_set(big.path(), 150_000);
    let rt = tokio::runtime::Runtime::new().unwrap();
    for t in rt.block_on(backends()) {
        eprintln!("-- backend: {}", t.name());
        let url = t.url();
        kill_mid_import(&t, &rt, big.path());
        let all = json(&kesu(
            &url,
            &["regions", "list", "--all", "--format", "json"],
        ));
        assert!(all.as_array().unwrap().is_empty());
        // Indexes and keys dropped for the load came back with the rollback.
        let small = tempfile::tempdir().unwrap();
        write_set(
            small.path(),
            "431302001001,\"重复\",431302001,43,4313,431302\n",
        );
        let out = kesu(
            &url,
            &[
                "regions",
                "import",
                small.path().to_str().unwrap(),
                "--edition",
                "2023",
            ],
        );
        assert_eq!(out.status.code(), Some(65), "{}", stderr(&out));
        write_set(small.path(), "");
        let out = kesu(
            &url,
            &[
                "regions",
                "import",
                small.path().to_str().unwrap(),
                "--edition",
                "2023",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let found = json(&kesu(
            &url,
            &["regions", "search", "娄底", "--format", "json"],
        ));
        assert_eq!(found[0]["code"], "4313");
        rt.block_on(t.cleanup());
    }
}
