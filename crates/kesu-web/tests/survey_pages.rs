//! The survey pages: a wave's shares with error bars and the change since the previous wave, in
//! the office's region only.
#![allow(
    clippy::unwrap_used,
    reason = "test fixtures: a failed set-up fails the test"
)]

mod common;

use axum::http::StatusCode;
use common::{A, B};
use kesu_store::survey::{NewWave, Respondent, ResultRow, import_wave};
use std::collections::BTreeMap;

fn result(by: &str, level: &str, est: f64, se: f64) -> ResultRow {
    ResultRow {
        by_var: by.into(),
        level: level.into(),
        n: 500,
        wsum: 1e5,
        est,
        se,
        cv: Some(se / est),
        deff: Some(1.4),
        df: 40,
        wald_l: est - 1.96 * se,
        wald_u: est + 1.96 * se,
        logit_l: Some(est - 1.9 * se),
        logit_u: Some(est + 2.0 * se),
        flags: String::new(),
    }
}

async fn wave(db: &kesu_store::Db, region: &str, year: i32, est: f64) -> i64 {
    let w = NewWave {
        region_code: region.into(),
        year,
        name: "年度调查".into(),
        rule: serde_json::json!({"kind": "score", "threshold": 70}),
        design: serde_json::json!({}),
        weighting: serde_json::json!({}),
        warnings: vec![],
        source_file: format!("w{year}.csv"),
        source_sha256: format!("sha{year}{region}"),
    };
    let people: Vec<Respondent> = (0..10)
        .map(|i| Respondent {
            line: i + 2,
            stratum: Some("s".into()),
            psu: Some(format!("p{i}")),
            weight: 1.0,
            fpc: None,
            literate: i % 3 == 0,
            domains: BTreeMap::from([("group".to_string(), "农民".to_string())]),
        })
        .collect();
    let results = vec![
        result("overall", "all", est, 0.01),
        result("group", "农民", est - 0.03, 0.015),
        result("group", "青少年", est + 0.05, 0.02),
    ];
    import_wave(db, &kesu_store::Actor::system(), &w, &people, &[], &results)
        .await
        .unwrap()
        .wave_id()
}

#[tokio::test]
async fn a_wave_shows_its_shares_with_intervals_and_the_change_since_last_year() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        wave(&w.db, A, 2024, 0.12).await;
        let id = wave(&w.db, A, 2025, 0.16).await;
        let c = w.login("a_admin").await;
        let (s, html) = w.page(&c, &format!("/survey/{id}")).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(
            html.contains("16.00%") && html.contains("<svg"),
            "share and chart"
        );
        assert!(
            html.contains("+4.00 个百分点") && html.contains("显著"),
            "change and verdict"
        );
        let (s, list) = w.page(&c, "/survey").await;
        assert_eq!(s, StatusCode::OK);
        assert!(list.contains("2025") && list.contains("2024"));
    })
    .await;
}

#[tokio::test]
async fn another_countys_wave_is_404_and_reporters_are_refused() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let id = wave(&w.db, B, 2025, 0.2).await;
        let c = w.login("a_admin").await;
        let (s, _) = w.page(&c, &format!("/survey/{id}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, list) = w.page(&c, "/survey").await;
        assert!(!list.contains(&format!("/survey/{id}")));
        let r = w.login("a_reporter0").await;
        let (s, _) = w.page(&r, "/survey").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    })
    .await;
}
