//! Every page answers for the roles that may see it, on both backends (catches SQL that one
//! dialect refuses), and out-of-scope rounds are 404 for pages too.
#![allow(
    clippy::unwrap_used,
    reason = "test fixtures: a failed set-up fails the test"
)]

mod common;

use axum::http::StatusCode;
use common::{A, B};

#[tokio::test]
async fn every_page_answers_for_an_admin_of_the_region() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let c = w.login("a_admin").await;
        let report = w.slots(A).await[0].id;
        let pages = [
            "/".to_string(),
            "/plans".into(),
            format!("/plans/{}", w.plans[A]),
            "/rounds".into(),
            format!("/rounds/{}", w.rounds[A]),
            format!("/rounds/{}?late=1&state=not_started&q=科普", w.rounds[A]),
            format!("/reports/{report}"),
            "/notifications".into(),
            "/audit".into(),
            "/audit?actor=system&action=round.&from=2020-01-01&to=2099-12-31".into(),
            "/account/password".into(),
            format!("/rounds/{}/late.xlsx", w.rounds[A]),
            "/audit.xlsx".into(),
        ];
        for p in &pages {
            let (s, body) = w.page(&c, p).await;
            assert_eq!(s, StatusCode::OK, "{p}: {body}");
        }
        for p in [
            format!("/rounds/{}", w.rounds[B]),
            format!("/plans/{}", w.plans[B]),
        ] {
            let (s, _) = w.page(&c, &p).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{p}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_reporter_sees_its_work_and_downloads_its_template() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        // A round opened now that the unit has an account reaches it as a notification.
        let round = kesu_store::reporting::NewRound {
            plan_id: w.plans[A],
            period: kesu_core::report::Period::parse("2025Q2").unwrap(),
            due: time::macros::date!(2025 - 07 - 15),
            lock: time::macros::date!(2025 - 07 - 31),
            demo: false,
        };
        kesu_store::reporting::open_round(&w.db, &round, &kesu_store::Actor::new("a_admin"))
            .await
            .unwrap();
        let c = w.login("a_reporter0").await;
        for p in [
            "/".to_string(),
            "/plans".into(),
            format!("/plans/{}", w.plans[A]),
            format!("/rounds/{}", w.rounds[A]),
            "/notifications".into(),
            format!("/rounds/{}/template.xlsx", w.rounds[A]),
        ] {
            let (s, body) = w.page(&c, &p).await;
            assert_eq!(s, StatusCode::OK, "{p}: {body}");
        }
        let (_, notes) = w.page(&c, "/notifications").await;
        assert!(
            notes.contains("新的填报轮次"),
            "the round-opened notice reached the unit"
        );
        for p in ["/audit", "/audit.xlsx"] {
            let (s, _) = w.page(&c, p).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{p}");
        }
        let (s, _) = w
            .page(&c, &format!("/rounds/{}/late.xlsx", w.rounds[A]))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    })
    .await;
}
