//! Citizens at the command line, on both backends: `kesu keys`, `kesu ledger import|count`,
//! `kesu quiz import|results`, and the bar that no 身份证号, phone number or name planted in a
//! ledger file or a test attempt is found in clear anywhere: the SQLite file and its WAL, a
//! PostgreSQL dump of the test schema, the data directory, everything the commands printed
//! (stdout and stderr), the audit rows, and every export.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers outside #[test] functions fail loudly"
)]

use kesu_store::testing::{TestDb, backends};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const REGIONS: &str = "code,name\n43,湖南省\n4313,娄底市\n431302,娄星区\n431302001,乐坪街道\n\
    431302001001,甲村\n431302001002,乙村\n";

/// Planted values: valid ID numbers (GB 11643 check digits), phones and names that occur
/// nowhere else.
const IDS: [&str; 3] = [
    "11010519491231002X",
    "430102199001011238",
    "430102198507071233",
];
const PHONES: [&str; 3] = ["13912340001", "13912340002", "13912340003"];
const NAMES: [&str; 3] = ["欧阳植入", "司马植入", "诸葛植入"];
/// In a refused file: a wrong check digit, so it must not appear in the error message either.
const BAD_ID: &str = "430102197303031239";
const ATTEMPT_PHONE: &str = "13698761234";
const ATTEMPT_NAME: &str = "上官植入";

struct Run {
    t: TestDb,
    data: tempfile::TempDir,
    /// The files handed to the commands (outside the data directory: they hold the values).
    inputs: tempfile::TempDir,
    /// Everything the commands printed.
    printed: String,
}

impl Run {
    fn kesu(&mut self, args: &[&str]) -> Output {
        let out = Command::new(env!("CARGO_BIN_EXE_kesu"))
            .env("KESU_DATABASE_URL", self.t.url())
            .env("KESU_DATA_DIR", self.data.path())
            .env_remove("KESU_KEYS")
            .args(args)
            .output()
            .expect("run kesu");
        self.printed.push_str(&String::from_utf8_lossy(&out.stdout));
        self.printed.push_str(&String::from_utf8_lossy(&out.stderr));
        out
    }

    fn path(&self, name: &str) -> PathBuf {
        self.data.path().join(name)
    }

    fn input(&self, name: &str) -> PathBuf {
        self.inputs.path().join(name)
    }
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn ledger_csv(rows: &[(&str, &str, &str)]) -> String {
    let mut s = String::from("姓名,身份证号,手机号,村(社区)代码,人群,依据,日期\n");
    for (name, id, phone) in rows {
        s.push_str(&format!(
            "{name},{id},{phone},431302001001,农民,甲村台账2025-1号,2025-03-01\n"
        ));
    }
    s
}

fn planted() -> Vec<&'static str> {
    IDS.iter()
        .chain(&PHONES)
        .chain(&NAMES)
        .chain([&BAD_ID, &ATTEMPT_PHONE, &ATTEMPT_NAME])
        .copied()
        .collect()
}

/// Every planted value found in `bytes`, with `what` for the message.
fn leaks(what: &str, bytes: &[u8]) -> Vec<String> {
    planted()
        .into_iter()
        .filter(|v| bytes.windows(v.len()).any(|w| w == v.as_bytes()))
        .map(|v| format!("{v} in {what}"))
        .collect()
}

/// The text of every part of a zip (an .xlsx), decompressed.
fn unzipped(path: &Path) -> Vec<u8> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut all = Vec::new();
    for i in 0..z.len() {
        z.by_index(i).unwrap().read_to_end(&mut all).unwrap();
    }
    all
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

async fn exercise(r: &mut Run) -> i64 {
    kesu_store::regions::import_seed_csv(
        &r.t.db,
        &kesu_store::Actor::new("t"),
        REGIONS.as_bytes(),
        "r.csv",
        "2023",
    )
    .await
    .unwrap();
    ok(&r.kesu(&["keys", "init"]));
    let rows: Vec<(&str, &str, &str)> = (0..3).map(|i| (NAMES[i], IDS[i], PHONES[i])).collect();
    std::fs::write(r.input("ledger.csv"), ledger_csv(&rows)).unwrap();
    let first = ok(&r.kesu(&["ledger", "import", r.input("ledger.csv").to_str().unwrap()]));
    assert!(first.contains("\"added\": 3"), "{first}");
    let again = ok(&r.kesu(&["ledger", "import", r.input("ledger.csv").to_str().unwrap()]));
    assert!(
        again.contains("\"added\": 0"),
        "the same file twice adds nothing: {again}"
    );
    std::fs::write(
        r.input("bad.csv"),
        ledger_csv(&[("某某", BAD_ID, "13800000000")]),
    )
    .unwrap();
    let bad = r.kesu(&["ledger", "import", r.input("bad.csv").to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("第 2 行“身份证号”列"));
    let count = ok(&r.kesu(&[
        "ledger", "count", "--region", "4313", "--by", "group", "--format", "json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&count).unwrap();
    assert_eq!(v["count"], 3);
    assert_eq!(v["by"]["农民"], 3);

    // A test attempt with a planted name and phone, through the use cases.
    let test_id =
        kesu_web::pages::citizens::demo::seed(&r.t.db, "4313", time::macros::date!(2025 - 04 - 10))
            .await
            .unwrap();
    let keys = kesu_pii::KeyRing::from_json(&std::fs::read(r.path("keys.json")).unwrap()).unwrap();
    let ctx = kesu_app::Ctx {
        db: r.t.db.clone(),
        fixed_now: Some(time::macros::datetime!(2025-04-10 02:00 UTC)),
    };
    let public = kesu_app::Caller::public(kesu_store::Actor::new("public"));
    let started = kesu_app::citizens::quiz::start(
        &ctx,
        &public,
        &keys,
        test_id,
        kesu_app::citizens::quiz::Start {
            name: ATTEMPT_NAME.into(),
            phone: ATTEMPT_PHONE.into(),
            village: "431302001002".into(),
            key_group: "youth".into(),
            consent: true,
        },
    )
    .await
    .unwrap();
    kesu_app::citizens::quiz::submit(&ctx, &public, &keys, &started.token, vec![vec![0]; 12])
        .await
        .unwrap();
    // A reveal: the value reaches the caller, never the audit row.
    let entry = kesu_store::citizens::ledger::entries(&r.t.db, "4313", 0, 1)
        .await
        .unwrap()
        .remove(0);
    let shown = kesu_app::citizens::ledger::reveal(
        &ctx,
        &kesu_app::Caller::operator(),
        &keys,
        entry.id,
        kesu_app::citizens::ledger::Field::IdNumber,
        "核对",
    )
    .await
    .unwrap();
    assert!(IDS.contains(&shown.as_str()));

    let results = ok(&r.kesu(&[
        "quiz",
        "results",
        "--test",
        &test_id.to_string(),
        "--format",
        "json",
    ]));
    assert!(results.contains("上**入"), "{results}");
    ok(&r.kesu(&[
        "quiz",
        "results",
        "--test",
        &test_id.to_string(),
        "--format",
        "xlsx",
        "-o",
        r.path("results.xlsx").to_str().unwrap(),
    ]));
    test_id
}

#[tokio::test]
async fn no_planted_id_number_phone_or_name_is_stored_printed_audited_or_exported_in_clear() {
    for t in backends().await {
        let mut r = Run {
            t,
            data: tempfile::tempdir().unwrap(),
            inputs: tempfile::tempdir().unwrap(),
            printed: String::new(),
        };
        exercise(&mut r).await;
        let mut found = Vec::new();
        found.extend(leaks("what the commands printed", r.printed.as_bytes()));
        let audit = kesu_store::audit::recent(&r.t.db, 100_000).await.unwrap();
        found.extend(leaks(
            "the audit rows",
            serde_json::to_string(&audit).unwrap().as_bytes(),
        ));
        let mut files = Vec::new();
        files_under(r.data.path(), &mut files);
        for f in &files {
            let bytes = if f.extension().is_some_and(|e| e == "xlsx") {
                unzipped(f)
            } else {
                std::fs::read(f).unwrap()
            };
            found.extend(leaks(&f.display().to_string(), &bytes));
        }
        let url = r.t.url();
        match r.t.db.backend() {
            kesu_store::Backend::Sqlite => {
                let db_file = PathBuf::from(url.trim_start_matches("sqlite://"));
                let wal = PathBuf::from(format!("{}-wal", db_file.display()));
                assert!(wal.exists(), "the WAL is searched too");
                for f in [db_file, wal] {
                    found.extend(leaks(&f.display().to_string(), &std::fs::read(&f).unwrap()));
                }
            }
            kesu_store::Backend::Postgres => {
                let (server, schema) = url.split_once("options[search_path]=").unwrap();
                let server = server.trim_end_matches(['?', '&']);
                let dump = Command::new("pg_dump")
                    .args(["--dbname", server, "--schema", schema])
                    .output()
                    .unwrap();
                assert!(
                    dump.status.success(),
                    "{}",
                    String::from_utf8_lossy(&dump.stderr)
                );
                assert!(
                    String::from_utf8_lossy(&dump.stdout).contains("ledger_entry"),
                    "the dump holds the ledger"
                );
                found.extend(leaks("pg_dump", &dump.stdout));
            }
        }
        let name = r.t.name();
        r.t.cleanup().await;
        assert!(found.is_empty(), "{name}: {found:#?}");
    }
}

#[tokio::test]
async fn keys_rotate_reencrypts_every_value_and_keeps_it_readable() {
    for t in backends().await {
        let mut r = Run {
            t,
            data: tempfile::tempdir().unwrap(),
            inputs: tempfile::tempdir().unwrap(),
            printed: String::new(),
        };
        exercise(&mut r).await;
        let out = ok(&r.kesu(&["keys", "rotate", "--algorithm", "aes-256-gcm"]));
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["current"], 2);
        assert!(v["reencrypted"].as_u64().unwrap() >= 3 * 3 + 2, "{out}");
        let keys =
            kesu_pii::KeyRing::from_json(&std::fs::read(r.path("keys.json")).unwrap()).unwrap();
        for e in kesu_store::citizens::ledger::entries(&r.t.db, "4313", 0, 10)
            .await
            .unwrap()
        {
            assert!(keys.is_current(&e.id_ct) && keys.is_current(&e.name_ct));
            let id = keys.decrypt_string("ledger_entry.id_ct", &e.id_ct).unwrap();
            assert!(IDS.contains(&id.as_str()));
        }
        // Counting by blind index still works after rotation: the same file adds nothing.
        let again = ok(&r.kesu(&["ledger", "import", r.input("ledger.csv").to_str().unwrap()]));
        assert!(again.contains("\"added\": 0"), "{again}");
        r.t.cleanup().await;
    }
}

#[tokio::test]
async fn a_key_file_others_can_read_is_refused() {
    let mut r = Run {
        t: TestDb::sqlite().await.unwrap(),
        data: tempfile::tempdir().unwrap(),
        inputs: tempfile::tempdir().unwrap(),
        printed: String::new(),
    };
    ok(&r.kesu(&["keys", "init"]));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(r.path("keys.json"), std::fs::Permissions::from_mode(0o644))
            .unwrap();
        let out = r.kesu(&["keys", "show"]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("chmod 600"));
    }
    let again = r.kesu(&["keys", "init"]);
    assert!(!again.status.success(), "init never overwrites a key file");
    r.t.cleanup().await;
}

/// A valid 身份证号 (GB 11643 check digit) for the `i`-th person of a generated file.
fn generated_id(i: u32) -> String {
    let birth = time::macros::date!(1960 - 01 - 01) + time::Duration::days(i64::from(i / 1000));
    let body = format!(
        "430102{:04}{:02}{:02}{:03}",
        birth.year(),
        birth.month() as u8,
        birth.day(),
        i % 1000
    );
    let mut first17 = [0u8; 17];
    first17.copy_from_slice(body.as_bytes());
    format!(
        "{body}{}",
        kesu_pii::id_number::check_character(&first17) as char
    )
}

#[tokio::test]
async fn an_import_killed_midway_leaves_the_ledger_as_it_was() {
    killed_import(true).await;
}

/// Into an empty ledger an import on SQLite sets the ledger's indexes aside and builds them at
/// the end: killed before that, the ledger is empty and keeps its indexes (the same file twice
/// still adds nothing).
#[tokio::test]
async fn an_import_killed_midway_into_an_empty_ledger_leaves_it_empty_with_its_indexes() {
    killed_import(false).await;
}

/// Starts importing a 200,000-row file (after a first small import when `prefilled`), kills the
/// process with SIGKILL while it writes, and checks that nothing of it is stored.
async fn killed_import(prefilled: bool) {
    use std::io::BufRead;
    const ROWS: u32 = 200_000;
    let before = if prefilled { 3 } else { 0 };
    for t in backends().await {
        let mut r = Run {
            t,
            data: tempfile::tempdir().unwrap(),
            inputs: tempfile::tempdir().unwrap(),
            printed: String::new(),
        };
        kesu_store::regions::import_seed_csv(
            &r.t.db,
            &kesu_store::Actor::new("t"),
            REGIONS.as_bytes(),
            "r.csv",
            "2023",
        )
        .await
        .unwrap();
        ok(&r.kesu(&["keys", "init"]));
        let rows: Vec<(&str, &str, &str)> = (0..3).map(|i| (NAMES[i], IDS[i], PHONES[i])).collect();
        std::fs::write(r.input("ledger.csv"), ledger_csv(&rows)).unwrap();
        if prefilled {
            ok(&r.kesu(&["ledger", "import", r.input("ledger.csv").to_str().unwrap()]));
        }
        let mut big = String::from("姓名,身份证号,手机号,村(社区)代码,人群,依据,日期\n");
        for i in 0..ROWS {
            big.push_str(&format!(
                "某人,{},139{i:08},43130200100{},农民,乙村台账,2025-03-01\n",
                generated_id(i),
                1 + i % 2
            ));
        }
        std::fs::write(r.input("big.csv"), big).unwrap();

        let mut child = Command::new(env!("CARGO_BIN_EXE_kesu"))
            .env("KESU_DATABASE_URL", r.t.url())
            .env("KESU_DATA_DIR", r.data.path())
            .env_remove("KESU_KEYS")
            .args(["ledger", "import", r.input("big.csv").to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Wait until rows are being written, then kill -9.
        let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut writing = false;
        for line in stderr.lines() {
            if line.unwrap().contains("已写入") {
                writing = true;
                break;
            }
        }
        assert!(writing, "the import ended before it could be killed");
        child.kill().unwrap();
        let status = child.wait().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(status.signal(), Some(9), "killed, not finished: {status}");
        }

        let count = ok(&r.kesu(&["ledger", "count", "--region", "43", "--format", "json"]));
        let v: serde_json::Value = serde_json::from_str(&count).unwrap();
        assert_eq!(v["count"], before, "{}", r.t.name());
        let stored = kesu_store::citizens::ledger::entries(&r.t.db, "43", 0, 10)
            .await
            .unwrap();
        assert_eq!(
            stored.len(),
            before,
            "no row of the killed import is stored"
        );
        // The database is not left locked: the next import runs, and the ledger's unique index
        // is there (the same file again adds nothing).
        let file = r.input("ledger.csv");
        let first = ok(&r.kesu(&["ledger", "import", file.to_str().unwrap()]));
        assert!(
            first.contains(&format!("\"added\": {}", 3 - before)),
            "{first}"
        );
        let again = ok(&r.kesu(&["ledger", "import", file.to_str().unwrap()]));
        assert!(again.contains("\"added\": 0"), "{again}");
        r.t.cleanup().await;
    }
}

#[tokio::test]
async fn a_file_with_some_people_already_in_reports_them_by_row_and_adds_the_others() {
    for t in backends().await {
        let mut r = Run {
            t,
            data: tempfile::tempdir().unwrap(),
            inputs: tempfile::tempdir().unwrap(),
            printed: String::new(),
        };
        kesu_store::regions::import_seed_csv(
            &r.t.db,
            &kesu_store::Actor::new("t"),
            REGIONS.as_bytes(),
            "r.csv",
            "2023",
        )
        .await
        .unwrap();
        ok(&r.kesu(&["keys", "init"]));
        std::fs::write(
            r.input("first.csv"),
            ledger_csv(&[(NAMES[0], IDS[0], PHONES[0])]),
        )
        .unwrap();
        ok(&r.kesu(&["ledger", "import", r.input("first.csv").to_str().unwrap()]));
        // Row 2 is new, row 3 already in the ledger, row 4 new.
        std::fs::write(
            r.input("mixed.csv"),
            ledger_csv(&[
                (NAMES[1], IDS[1], PHONES[1]),
                (NAMES[0], IDS[0], PHONES[0]),
                (NAMES[2], IDS[2], PHONES[2]),
            ]),
        )
        .unwrap();
        let out = ok(&r.kesu(&["ledger", "import", r.input("mixed.csv").to_str().unwrap()]));
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["added"], 2, "{out}");
        assert_eq!(
            v["already"],
            serde_json::json!([{"row": 3, "same_as_row": null}])
        );
        let count = ok(&r.kesu(&["ledger", "count", "--region", "43", "--format", "json"]));
        let c: serde_json::Value = serde_json::from_str(&count).unwrap();
        assert_eq!(c["count"], 3);
        r.t.cleanup().await;
    }
}
