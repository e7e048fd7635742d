//! Outgrowing SQLite: an installation copied into PostgreSQL with `kesu db copy` runs there
//! unchanged — the same accounts sign in, the same pages answer, and new writes get new ids.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test fixtures: a failed set-up fails the test"
)]

mod common;

use axum::http::StatusCode;
use common::A;
use kesu_store::testing::{PG_URL_VAR, TestDb};

#[tokio::test]
async fn the_web_fixture_copied_to_postgres_serves_its_pages_and_takes_writes() {
    let Some(url) = std::env::var(PG_URL_VAR).ok().filter(|u| !u.is_empty()) else {
        eprintln!("{PG_URL_VAR} not set: skipped");
        return;
    };
    let sqlite = TestDb::sqlite().await.unwrap();
    let mut w = common::world(sqlite.db.clone()).await;
    // Some use on SQLite first: sessions, a saved report, its history.
    let c = w.login("a_admin").await;
    let report = w.slots(A).await[0].id;
    let (s, _) = w.page(&c, &format!("/reports/{report}")).await;
    assert_eq!(s, StatusCode::OK);

    let pg = TestDb::postgres(&url).await.unwrap();
    let copied = kesu_store::copy::sqlite_to_postgres(&sqlite.db, &pg.db, &mut |_, _| {})
        .await
        .unwrap();
    assert!(
        copied
            .tables
            .iter()
            .any(|t| t.table == "report" && t.rows > 0)
    );
    w.db = pg.db.clone();
    w.state.db = pg.db.clone();
    sqlite.db.close().await;

    // The SQLite session is in the copy too: the same cookie works.
    let (s, _) = w.page(&c, "/").await;
    assert_eq!(s, StatusCode::OK);
    let c = w.login("a_admin").await;
    for p in [
        "/".to_string(),
        "/plans".into(),
        format!("/plans/{}", w.plans[A]),
        format!("/rounds/{}", w.rounds[A]),
        format!("/reports/{report}"),
        "/notifications".into(),
        "/audit".into(),
        format!("/rounds/{}/late.xlsx", w.rounds[A]),
    ] {
        let (s, body) = w.page(&c, &p).await;
        assert_eq!(s, StatusCode::OK, "{p} on the PostgreSQL copy: {body}");
    }
    // A write on the copy: a new round gets an id after the copied ones.
    let round = kesu_store::reporting::NewRound {
        plan_id: w.plans[A],
        period: kesu_core::report::Period::parse("2025Q2").unwrap(),
        due: time::macros::date!(2025 - 07 - 15),
        lock: time::macros::date!(2025 - 07 - 31),
        demo: false,
    };
    let id = kesu_store::reporting::open_round(&w.db, &round, &kesu_store::Actor::new("a_admin"))
        .await
        .unwrap();
    assert!(w.rounds.values().all(|r| id > *r));
    let (s, _) = w.page(&c, &format!("/rounds/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    sqlite.cleanup().await;
    pg.cleanup().await;
}
