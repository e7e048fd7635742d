//! Whole-database checksums, the SQLite snapshot of a backup, and moving a SQLite installation
//! into PostgreSQL (the PostgreSQL parts run when `KESU_TEST_PG_URL` is set).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test fixtures: a failed set-up fails the test"
)]

use kesu_store::copy::{self, TableSum};
use kesu_store::testing::{PG_URL_VAR, TestDb};
use kesu_store::{Actor, Db, audit, backup};
use serde_json::json;
use time::macros::datetime;

fn pool(db: &Db) -> &sqlx::SqlitePool {
    match db {
        Db::Sqlite(p, ..) => p,
        Db::Postgres(_) => panic!("a SQLite source is expected"),
    }
}

/// Rows that are awkward to copy: text with tabs, newlines and backslashes, JSON with nested
/// keys in any order, floats at the edges, times with nanoseconds, booleans, NULLs, a unit
/// merged into one created after it (a forward self-reference) and text keys whose order
/// depends on the collation.
async fn awkward_rows(db: &Db) {
    let p = pool(db);
    let mut tx = db.begin().await.unwrap();
    audit::record(
        &mut tx,
        &Actor {
            name: "张三\\管理员".into(),
            request_id: Some("req\t1".into()),
            ip: None,
        },
        "unit.rename",
        "unit:1",
        Some(&json!({"name": "旧\n名", "z": [1.5, {"b": null, "a": "x"}], "n": 100.0})),
        Some(&json!({"a": 1, "big": 1e300, "tiny": -2.5e-8})),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let at = datetime!(2025-04-10 02:00:00.123456789 UTC);
    for (id, name) in [(1, "市科协"), (2, "市科学技术协会")] {
        sqlx::query(
            "INSERT INTO unit (id, region_code, name, kind, parent_id, merged_into, created_at)
             VALUES ($1, '431302', $2, 'association', NULL, NULL, $3)",
        )
        .bind(id)
        .bind(name)
        .bind(at)
        .execute(p)
        .await
        .unwrap();
    }
    // Unit 1 merged into unit 2, created after it.
    sqlx::query("UPDATE unit SET merged_into = 2 WHERE id = 1")
        .execute(p)
        .await
        .unwrap();
    for (key, value, low) in [
        ("a", 0.1, None),
        ("B", 1e300, Some(-0.0)),
        ("中", -2.5e-8, Some(3.0)),
    ] {
        sqlx::query(
            "INSERT INTO indicator_record (region_code, year, key, value, low, high, source, recorded_by, recorded_at)
             VALUES ('431302', 2024, $1, $2, $3, NULL, 'survey', 'x', $4)",
        )
        .bind(key)
        .bind(value)
        .bind(low)
        .bind(at)
        .execute(p)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO app_user (username, display_name, role, region_code, unit_id, password_hash, active, created_at)
         VALUES ('u1', '用户 一', 'viewer', '431302', 2, '$argon2id$x', $2, $1)",
    )
    .bind(at)
    .bind(false)
    .execute(p)
    .await
    .unwrap();
}

fn pg_url() -> Option<String> {
    std::env::var(PG_URL_VAR)
        .ok()
        .filter(|u| !u.trim().is_empty())
}

fn by_table(sums: &[TableSum], t: &str) -> TableSum {
    sums.iter().find(|s| s.table == t).unwrap().clone()
}

#[tokio::test]
async fn a_checksum_changes_with_one_value_and_only_for_its_table() {
    let t = TestDb::sqlite().await.unwrap();
    awkward_rows(&t.db).await;
    let before = copy::checksums(&t.db).await.unwrap();
    assert_eq!(
        before,
        copy::checksums(&t.db).await.unwrap(),
        "deterministic"
    );
    assert_eq!(by_table(&before, "indicator_record").rows, 3);
    sqlx::query("UPDATE indicator_record SET value = 0.1000000001 WHERE key = 'a'")
        .execute(pool(&t.db))
        .await
        .unwrap();
    let after = copy::checksums(&t.db).await.unwrap();
    for (b, a) in before.iter().zip(&after) {
        if b.table == "indicator_record" {
            assert_ne!(b.sha256, a.sha256);
            assert_eq!(b.rows, a.rows);
        } else {
            assert_eq!(b, a, "{}", b.table);
        }
    }
    t.cleanup().await;
}

#[tokio::test]
async fn a_sqlite_snapshot_taken_while_others_write_is_whole_and_private() {
    let t = TestDb::sqlite().await.unwrap();
    awkward_rows(&t.db).await;
    let writer = {
        let db = t.db.clone();
        tokio::spawn(async move {
            for i in 0..200 {
                let mut tx = db.begin().await.unwrap();
                audit::record(
                    &mut tx,
                    &Actor::system(),
                    "x",
                    &format!("x:{i}"),
                    None,
                    None,
                )
                .await
                .unwrap();
                tx.commit().await.unwrap();
            }
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("snap.db");
    backup::sqlite_snapshot(&t.db, &file).await.unwrap();
    writer.await.unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let snap = backup::open_sqlite_readonly(&file).await.unwrap();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(pool(&snap))
        .await
        .unwrap();
    assert_eq!(check, "ok");
    let rows = by_table(&copy::checksums(&snap).await.unwrap(), "audit_log").rows;
    assert!((1..=201).contains(&rows), "{rows}");
    snap.close().await;
    // A second snapshot to the same name is refused, not overwritten.
    assert!(backup::sqlite_snapshot(&t.db, &file).await.is_err());
    t.cleanup().await;
}

#[tokio::test]
async fn a_sqlite_installation_copied_to_postgres_has_the_same_rows_and_checksums() {
    let Some(url) = pg_url() else {
        eprintln!("{PG_URL_VAR} not set: PostgreSQL part skipped");
        return;
    };
    let src = TestDb::sqlite().await.unwrap();
    awkward_rows(&src.db).await;
    let dst = TestDb::postgres(&url).await.unwrap();
    let mut seen = Vec::new();
    let report =
        copy::sqlite_to_postgres(&src.db, &dst.db, &mut |t, n| seen.push((t.to_string(), n)))
            .await
            .unwrap();
    // The source read as PostgreSQL's columns say (its times are text to SQLite).
    let pg_tables = copy::tables(&dst.db).await.unwrap();
    let source = copy::checksums_with(&src.db, &pg_tables).await.unwrap();
    let target = copy::checksums(&dst.db).await.unwrap();
    assert_eq!(source, target);
    assert_eq!(report.tables, target);
    assert_eq!(seen.len(), target.len());
    assert_eq!(by_table(&target, "unit").rows, 2);
    // Identities continue after the copied ids.
    let mut tx = dst.db.begin().await.unwrap();
    let id = audit::record(&mut tx, &Actor::system(), "after", "x:1", None, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(id, 2, "the copied audit row had id 1");
    // What the copy stored reads back as it was written.
    let e = &audit::for_object(&dst.db, "unit:1").await.unwrap()[0];
    assert_eq!(e.actor, "张三\\管理员");
    assert_eq!(e.request_id.as_deref(), Some("req\t1"));
    assert_eq!(e.after.as_ref().unwrap()["big"], json!(1e300));
    src.cleanup().await;
    dst.cleanup().await;
}

#[tokio::test]
async fn a_copy_into_a_database_that_has_rows_is_refused_and_changes_nothing() {
    let Some(url) = pg_url() else {
        return;
    };
    let src = TestDb::sqlite().await.unwrap();
    awkward_rows(&src.db).await;
    let dst = TestDb::postgres(&url).await.unwrap();
    let mut tx = dst.db.begin().await.unwrap();
    audit::record(&mut tx, &Actor::system(), "already", "x:1", None, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let before = copy::checksums(&dst.db).await.unwrap();
    let err = copy::sqlite_to_postgres(&src.db, &dst.db, &mut |_, _| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("非空"), "{err}");
    assert_eq!(copy::checksums(&dst.db).await.unwrap(), before);
    src.cleanup().await;
    dst.cleanup().await;
}

#[tokio::test]
async fn a_copy_that_fails_half_way_leaves_the_target_empty_with_its_foreign_keys() {
    let Some(url) = pg_url() else {
        return;
    };
    let src = TestDb::sqlite().await.unwrap();
    awkward_rows(&src.db).await;
    // A dangling reference, written with SQLite's checks off: PostgreSQL will refuse it when
    // the foreign keys go back on, after most tables have been copied.
    let mut c = pool(&src.db).acquire().await.unwrap();
    sqlx::query("PRAGMA foreign_keys = OFF")
        .execute(&mut *c)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO unit_alias (region_code, alias, unit_id) VALUES ('431302', '幽灵', 99)",
    )
    .execute(&mut *c)
    .await
    .unwrap();
    sqlx::query("PRAGMA foreign_keys = ON")
        .execute(&mut *c)
        .await
        .unwrap();
    drop(c);
    let dst = TestDb::postgres(&url).await.unwrap();
    let err = copy::sqlite_to_postgres(&src.db, &dst.db, &mut |_, _| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unit_alias"), "{err}");
    assert!(copy::nonempty_tables(&dst.db).await.unwrap().is_empty());
    // The foreign keys are still there.
    let Db::Postgres(p) = &dst.db else {
        unreachable!()
    };
    let dangling = sqlx::query(
        "INSERT INTO unit_alias (region_code, alias, unit_id) VALUES ('431302', 'x', 99)",
    )
    .execute(p)
    .await;
    assert!(dangling.is_err());
    src.cleanup().await;
    dst.cleanup().await;
}
