//! `kesu backup`, `kesu restore` and `kesu db copy`, as an operator runs them, on the demo
//! installation (SQLite always; PostgreSQL when `KESU_TEST_PG_URL` is set).
#![expect(
    clippy::unwrap_used,
    reason = "fixture helpers: a failure to set one up fails the test"
)]

use kesu_store::Db;
use kesu_store::copy::{self, TableSum};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn kesu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kesu"))
        .args(args)
        .env_remove("KESU_DATABASE_URL")
        .env_remove("KESU_DATA_DIR")
        .env_remove("KESU_CONFIG")
        .output()
        .unwrap()
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The demo installation in `data` (on `url` when given), with one evidence file.
fn demo(data: &Path, url: Option<&str>) {
    let mut args = vec!["--data-dir", s(data)];
    if let Some(u) = url {
        args.extend(["--database-url", u]);
    }
    args.extend(["demo", "--no-serve"]);
    ok(kesu(&args));
    let content = b"%PDF-1.4 evidence of a science day\n";
    let sha: String = {
        use sha2::Digest;
        sha2::Sha256::digest(content)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let dir = data.join("files").join(&sha[..2]);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(&sha), content).unwrap();
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

async fn sums(url: &str, like: Option<&str>) -> Vec<TableSum> {
    let db = Db::connect(url).await.unwrap();
    let tables = match like {
        Some(l) => {
            let other = Db::connect(l).await.unwrap();
            let t = copy::tables(&other).await.unwrap();
            other.close().await;
            t
        }
        None => copy::tables(&db).await.unwrap(),
    };
    let s = copy::checksums_with(&db, &tables).await.unwrap();
    db.close().await;
    s
}

/// The restored database has every row the source had when it was backed up: every table the
/// same, and the audit log one row longer (the restore records itself).
fn assert_same_rows(before: &[TableSum], after: &[TableSum]) {
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(after) {
        assert_eq!(b.table, a.table);
        if b.table == "audit_log" {
            assert_eq!(a.rows, b.rows + 1, "audit_log gains the restore's own row");
        } else {
            assert_eq!(b, a, "table {}", b.table);
        }
    }
    assert!(before.iter().any(|t| t.table == "report" && t.rows > 1000));
}

/// A fresh PostgreSQL database on the test server, dropped with the guard.
struct PgDb {
    admin: String,
    name: String,
    url: String,
}

impl PgDb {
    fn new(tag: &str) -> Option<Self> {
        let admin = std::env::var(kesu_store::testing::PG_URL_VAR)
            .ok()
            .filter(|u| !u.trim().is_empty())?;
        let name = format!(
            "kesu_{tag}_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        rt().block_on(async {
            let p = sqlx::PgPool::connect(&admin).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&p)
                .await
                .unwrap();
            p.close().await;
        });
        let url = admin.replacen("/postgres?", &format!("/{name}?"), 1);
        assert_ne!(url, admin, "KESU_TEST_PG_URL names the postgres database");
        Some(Self { admin, name, url })
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            rt().block_on(async {
                if let Ok(p) = sqlx::PgPool::connect(&admin).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&p)
                    .await;
                    p.close().await;
                }
            })
        })
        .join();
    }
}

fn evidence(data: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for d in std::fs::read_dir(data.join("files")).unwrap() {
        for f in std::fs::read_dir(d.unwrap().path()).unwrap() {
            out.push(f.unwrap().path().strip_prefix(data).unwrap().to_path_buf());
        }
    }
    out
}

#[test]
fn a_sqlite_backup_restores_into_a_fresh_data_dir_with_the_same_rows_and_files() {
    let dir = tempfile::tempdir().unwrap();
    let (data, back, archive) = (
        dir.path().join("data"),
        dir.path().join("restored"),
        dir.path().join("kesu.tar.gz"),
    );
    demo(&data, None);
    let url = kesu_store::default_url(&data);
    let before = rt().block_on(sums(&url, None));
    ok(kesu(&["--data-dir", s(&data), "backup", "-o", s(&archive)]));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&archive).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "a backup holds everything: private");
    }
    let out = ok(kesu(&["--data-dir", s(&back), "restore", s(&archive)]));
    assert!(stderr(&out).contains("校验一致"), "{}", stderr(&out));
    let after = rt().block_on(sums(&kesu_store::default_url(&back), None));
    assert_same_rows(&before, &after);
    assert_eq!(evidence(&data), evidence(&back));
    // The restored installation serves its demo accounts as before.
    let again = kesu(&["--data-dir", s(&back), "user", "list"]);
    assert!(again.status.success(), "{}", stderr(&again));
}

#[test]
fn a_restore_into_a_database_with_rows_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (data, archive) = (dir.path().join("data"), dir.path().join("b.tar.gz"));
    demo(&data, None);
    ok(kesu(&["--data-dir", s(&data), "backup", "-o", s(&archive)]));
    let url = kesu_store::default_url(&data);
    let before = rt().block_on(sums(&url, None));
    let out = kesu(&["--data-dir", s(&data), "restore", s(&archive)]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("非空"), "{}", stderr(&out));
    assert_eq!(rt().block_on(sums(&url, None)), before);
    // And a backup never overwrites an existing file.
    let out = kesu(&["--data-dir", s(&data), "backup", "-o", s(&archive)]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("已存在"), "{}", stderr(&out));
}

#[test]
fn a_damaged_backup_is_refused_before_anything_is_restored() {
    let dir = tempfile::tempdir().unwrap();
    let (data, back, archive) = (
        dir.path().join("data"),
        dir.path().join("restored"),
        dir.path().join("b.tar.gz"),
    );
    demo(&data, None);
    ok(kesu(&["--data-dir", s(&data), "backup", "-o", s(&archive)]));
    // Replace the evidence file's content inside the archive, keeping its name.
    let unpacked = dir.path().join("x");
    std::fs::create_dir_all(&unpacked).unwrap();
    let tar = |args: &[&str]| {
        assert!(Command::new("tar").args(args).status().unwrap().success());
    };
    tar(&["-xzf", s(&archive), "-C", s(&unpacked)]);
    let file = unpacked.join(&evidence(&data)[0]);
    std::fs::write(&file, b"forged").unwrap();
    let forged = dir.path().join("forged.tar.gz");
    tar(&[
        "-czf",
        s(&forged),
        "-C",
        s(&unpacked),
        "manifest.json",
        "kesu.db",
        "files",
    ]);
    let out = kesu(&["--data-dir", s(&back), "restore", s(&forged)]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("不是有效的科素备份"), "{err}");
    assert!(!back.join("kesu.db").exists(), "nothing restored");
    // Not a backup at all.
    let junk = dir.path().join("junk.tar.gz");
    std::fs::write(&junk, b"not a tar").unwrap();
    let out = kesu(&["--data-dir", s(&back), "restore", s(&junk)]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("不是有效的科素备份"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_postgres_backup_through_pg_dump_restores_into_a_fresh_database() {
    let (Some(src), Some(dst)) = (PgDb::new("bsrc"), PgDb::new("bdst")) else {
        eprintln!("KESU_TEST_PG_URL not set: skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (data, back, archive) = (
        dir.path().join("data"),
        dir.path().join("restored"),
        dir.path().join("pg.tar.gz"),
    );
    demo(&data, Some(&src.url));
    let before = rt().block_on(sums(&src.url, None));
    ok(kesu(&[
        "--data-dir",
        s(&data),
        "--database-url",
        &src.url,
        "backup",
        "-o",
        s(&archive),
    ]));
    ok(kesu(&[
        "--data-dir",
        s(&back),
        "--database-url",
        &dst.url,
        "restore",
        s(&archive),
    ]));
    let after = rt().block_on(sums(&dst.url, None));
    assert_same_rows(&before, &after);
    assert_eq!(evidence(&data), evidence(&back));
    // Identities continue after the restored ids: a new account gets a new id.
    use std::io::Write;
    let mut add = Command::new(env!("CARGO_BIN_EXE_kesu"))
        .args([
            "--database-url",
            &dst.url,
            "user",
            "add",
            "after_restore",
            "--role",
            "admin",
            "--region",
            "431302",
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(b"a-long-password-1\n")
        .unwrap();
    ok(add.wait_with_output().unwrap());
}

#[test]
fn a_sqlite_backup_restores_into_postgres() {
    let Some(dst) = PgDb::new("s2p") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (data, archive) = (dir.path().join("data"), dir.path().join("b.tar.gz"));
    demo(&data, None);
    ok(kesu(&["--data-dir", s(&data), "backup", "-o", s(&archive)]));
    let url = kesu_store::default_url(&data);
    let out = ok(kesu(&[
        "--data-dir",
        s(&dir.path().join("pgfiles")),
        "--database-url",
        &dst.url,
        "restore",
        s(&archive),
    ]));
    assert!(stderr(&out).contains("校验一致"), "{}", stderr(&out));
    // The source read with PostgreSQL's column kinds; the backup's own audit row came after.
    let before = rt().block_on(sums(&url, Some(&dst.url)));
    let after = rt().block_on(sums(&dst.url, None));
    for (b, a) in before.iter().zip(&after) {
        if b.table != "audit_log" {
            assert_eq!(b, a, "{}", b.table);
        }
    }
}

#[test]
fn db_copy_moves_the_demo_into_postgres_with_the_same_rows_and_it_serves_there() {
    let Some(dst) = PgDb::new("copy") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    demo(&data, None);
    let out = ok(kesu(&[
        "--data-dir",
        s(&data),
        "db",
        "copy",
        "--to",
        &dst.url,
    ]));
    let reported: Vec<TableSum> = serde_json::from_slice(&out.stdout).unwrap();
    let src = kesu_store::default_url(&data);
    let source = rt().block_on(sums(&src, Some(&dst.url)));
    let target = rt().block_on(sums(&dst.url, None));
    assert_eq!(source, target, "same rows and checksums, table by table");
    assert_eq!(reported, target);
    assert!(
        target
            .iter()
            .any(|t| t.table == "region" && t.rows > 10_000)
    );
    // A second copy into the now full database is refused.
    let again = kesu(&["--data-dir", s(&data), "db", "copy", "--to", &dst.url]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("非空"), "{}", stderr(&again));
    // The service runs on the copy unchanged: ready, and a demo account signs in.
    serve_and_sign_in(&data, &dst.url);
}

/// Start `kesu serve` on `url`, check `/readyz` and sign in with the first demo account.
fn serve_and_sign_in(data: &Path, url: &str) {
    use std::io::{Read, Write};
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bind = format!("127.0.0.1:{port}");
    let mut server = Command::new(env!("CARGO_BIN_EXE_kesu"))
        .args([
            "--data-dir",
            s(data),
            "--database-url",
            url,
            "serve",
            "--bind",
            &bind,
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let http = |req: String| -> String {
        for _ in 0..100 {
            if let Ok(mut c) = std::net::TcpStream::connect(&bind) {
                c.write_all(req.as_bytes()).unwrap();
                let mut out = String::new();
                let _ = c.read_to_string(&mut out);
                return out;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("server did not start");
    };
    let ready = http(format!(
        "GET /readyz HTTP/1.1\r\nHost: {bind}\r\nConnection: close\r\n\r\n"
    ));
    let accounts: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.join("demo-accounts.json")).unwrap()).unwrap();
    let body = serde_json::json!({
        "username": accounts[0]["username"],
        "password": accounts[0]["password"],
    })
    .to_string();
    let login = http(format!(
        "POST /api/v1/login HTTP/1.1\r\nHost: {bind}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    let _ = server.kill();
    let _ = server.wait();
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
}
