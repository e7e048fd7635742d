//! Opening databases, migrations and the audit log, on every backend.

use kesu_store::testing::each_backend;
use kesu_store::{Actor, Backend, Db, StoreError, audit};
use serde_json::json;

#[tokio::test]
async fn migrations_are_applied_once_and_a_second_run_applies_nothing() {
    each_backend(|db| async move {
        let applied = db.applied_migrations().await.unwrap();
        let expected: Vec<i64> = kesu_store::migrations::ALL
            .iter()
            .map(|m| m.version)
            .collect();
        assert_eq!(applied, expected);
        assert!(db.migrate().await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn an_audit_record_keeps_who_what_before_and_after() {
    each_backend(|db| async move {
        let mut tx = db.begin().await.unwrap();
        let actor = Actor {
            name: "张三".into(),
            request_id: Some("req-1".into()),
            ip: Some("127.0.0.1".into()),
        };
        audit::record(
            &mut tx,
            &actor,
            "unit.rename",
            "unit:7",
            Some(&json!({"name": "市科技局"})),
            Some(&json!({"name": "市科学技术局"})),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        let got = audit::for_object(&db, "unit:7").await.unwrap();
        assert_eq!(got.len(), 1);
        let e = &got[0];
        assert_eq!(e.actor, "张三");
        assert_eq!(e.action, "unit.rename");
        assert_eq!(e.request_id.as_deref(), Some("req-1"));
        assert_eq!(e.before, Some(json!({"name": "市科技局"})));
        assert_eq!(e.after, Some(json!({"name": "市科学技术局"})));
        let age = time::OffsetDateTime::now_utc() - e.at;
        assert!(age.whole_seconds().abs() < 60, "timestamp is now: {}", e.at);
    })
    .await;
}

#[tokio::test]
async fn an_audit_record_without_before_or_after_stores_nulls() {
    each_backend(|db| async move {
        let mut tx = db.begin().await.unwrap();
        audit::record(&mut tx, &Actor::system(), "x.create", "x:1", None, None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let got = audit::recent(&db, 10).await.unwrap();
        assert_eq!(got[0].before, None);
        assert_eq!(got[0].after, None);
        assert_eq!(got[0].actor, "system");
    })
    .await;
}

#[tokio::test]
async fn a_rolled_back_change_leaves_no_audit_row() {
    each_backend(|db| async move {
        let mut tx = db.begin().await.unwrap();
        audit::record(&mut tx, &Actor::system(), "x.create", "x:1", None, None)
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        // A transaction dropped without commit rolls back too.
        let mut tx = db.begin().await.unwrap();
        audit::record(&mut tx, &Actor::system(), "x.create", "x:2", None, None)
            .await
            .unwrap();
        drop(tx);
        assert!(audit::recent(&db, 10).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_missing_sqlite_file_and_its_directory_are_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("kesu.db");
    let db = Db::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    assert_eq!(db.backend(), Backend::Sqlite);
    assert!(path.exists());
    if let Db::Sqlite(p, _) = &db {
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(p)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(p)
            .await
            .unwrap();
        assert_eq!(fk, 1);
    }
    db.close().await;
}

async fn open_err(url: &str) -> StoreError {
    match Db::open(url).await {
        Ok(_) => panic!("{url} should not open"),
        Err(e) => e,
    }
}

#[tokio::test]
async fn an_unknown_scheme_is_a_bad_url() {
    let e = open_err("mysql://root@localhost/kesu").await;
    assert!(matches!(e, StoreError::BadUrl { .. }), "{e:?}");
    assert!(e.to_string().contains("sqlite://"), "{e}");
}

#[tokio::test]
async fn an_empty_url_is_a_bad_url() {
    assert!(matches!(open_err("").await, StoreError::BadUrl { .. }));
    assert!(matches!(
        open_err("sqlite://").await,
        StoreError::BadUrl { .. }
    ));
}

#[tokio::test]
async fn a_sqlite_url_naming_a_directory_is_a_bad_url() {
    let dir = tempfile::tempdir().unwrap();
    let e = open_err(&format!("sqlite://{}", dir.path().display())).await;
    assert!(matches!(e, StoreError::BadUrl { .. }), "{e:?}");
}

#[tokio::test]
async fn an_unreachable_postgres_server_is_a_connect_error_without_the_password() {
    let dir = tempfile::tempdir().unwrap();
    // A socket directory where no server listens: fails at once, no network involved.
    let url = format!(
        "postgres://kesu:s3cret@localhost/kesu?host={}",
        dir.path().display()
    );
    let e = open_err(&url).await;
    assert!(matches!(e, StoreError::Connect { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("无法打开数据库"), "{msg}");
    assert!(!msg.contains("s3cret"), "{msg}");
}

#[tokio::test]
async fn a_malformed_postgres_url_is_a_bad_url() {
    let e = open_err("postgres://kesu@[broken/kesu").await;
    assert!(matches!(e, StoreError::BadUrl { .. }), "{e:?}");
}

#[test]
fn migration_directories_hold_the_same_versions_and_all_are_embedded() {
    let list = |d: &str| -> Vec<String> {
        let mut v: Vec<String> =
            std::fs::read_dir(format!("{}/migrations/{d}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
        v.sort();
        v
    };
    let sqlite = list("sqlite");
    assert_eq!(sqlite, list("postgres"));
    let embedded: Vec<String> = kesu_store::migrations::ALL
        .iter()
        .map(|m| format!("{}.sql", m.name))
        .collect();
    assert_eq!(sqlite, embedded);
    // Ascending; gaps are allowed (a number is reserved for each branch of work).
    for (i, m) in kesu_store::migrations::ALL.iter().enumerate() {
        assert!(i == 0 || kesu_store::migrations::ALL[i - 1].version < m.version);
        assert!(m.name.starts_with(&format!("{:04}_", m.version)));
    }
}

/// The two DDL dialects must build the same tables with the same columns (types differ).
#[tokio::test]
async fn both_backends_build_the_same_tables_and_columns() {
    let Ok(url) = std::env::var(kesu_store::testing::PG_URL_VAR) else {
        eprintln!("KESU_TEST_PG_URL not set: nothing to compare");
        return;
    };
    let sqlite = kesu_store::testing::TestDb::sqlite().await.unwrap();
    let pg = kesu_store::testing::TestDb::postgres(&url).await.unwrap();
    let mut a: Vec<(String, String)> = match &sqlite.db {
        Db::Sqlite(p, _) => sqlx::query_as(
            "SELECT m.name, c.name FROM sqlite_master m JOIN pragma_table_info(m.name) c
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
        )
        .fetch_all(p)
        .await
        .unwrap(),
        Db::Postgres(_) => unreachable!(),
    };
    let mut b: Vec<(String, String)> = match &pg.db {
        Db::Postgres(p) => sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
        )
        .fetch_all(p)
        .await
        .unwrap(),
        Db::Sqlite(..) => unreachable!(),
    };
    a.sort();
    b.sort();
    sqlite.cleanup().await;
    pg.cleanup().await;
    assert_eq!(a, b);
}
