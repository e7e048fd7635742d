//! Survey waves: stored all or nothing, the same file twice changes nothing, no personal columns.

use kesu_store::survey::{self, Imported, MarginRow, NewWave, Respondent, ResultRow};
use kesu_store::{Actor, Db, StoreError, indicators};
use std::collections::BTreeMap;

fn wave(sha: &str) -> NewWave {
    NewWave {
        region_code: "431302".into(),
        year: 2024,
        name: "年度调查".into(),
        rule: serde_json::json!({"description": "literate == 1", "version": 1}),
        design: serde_json::json!({"strata": "stratum", "psu": "psu"}),
        weighting: serde_json::json!({"method": "design"}),
        warnings: vec![],
        source_file: "respondents.csv".into(),
        source_sha256: sha.into(),
    }
}

fn respondents(n: usize) -> Vec<Respondent> {
    (0..n)
        .map(|i| Respondent {
            line: i as i64 + 2,
            stratum: Some(format!("S{}", i % 2)),
            psu: Some(format!("P{}", i % 4)),
            weight: 10.0 + i as f64,
            fpc: None,
            literate: i % 3 == 0,
            domains: BTreeMap::from([
                (
                    "group".to_string(),
                    if i % 2 == 0 { "农民" } else { "老年人" }.to_string(),
                ),
                ("sex".to_string(), "F".to_string()),
            ]),
        })
        .collect()
}

fn result(by: &str, level: &str, est: f64) -> ResultRow {
    ResultRow {
        by_var: by.into(),
        level: level.into(),
        n: 600,
        wsum: 1e5,
        est,
        se: 0.01,
        cv: Some(0.01 / est),
        deff: Some(1.4),
        df: 30,
        wald_l: est - 0.02,
        wald_u: est + 0.02,
        logit_l: Some(est - 0.019),
        logit_u: Some(est + 0.021),
        flags: String::new(),
    }
}

fn results() -> Vec<ResultRow> {
    vec![
        result("overall", "all", 0.15),
        result("group", "农民", 0.1),
        result("group", "老年人", 0.08),
    ]
}

fn margins() -> Vec<MarginRow> {
    vec![MarginRow {
        margin: "sex".into(),
        level: "F".into(),
        total: 1e5,
    }]
}

async fn import(db: &Db, w: &NewWave, r: &[Respondent]) -> Result<Imported, StoreError> {
    survey::import_wave(db, &Actor::new("tester"), w, r, &margins(), &results()).await
}

#[tokio::test]
async fn a_wave_is_stored_with_its_respondents_margins_and_results() {
    kesu_store::testing::each_backend(|db| async move {
        let id = import(&db, &wave("abc"), &respondents(1200))
            .await
            .unwrap()
            .wave_id();
        let w = survey::wave(&db, id).await.unwrap().unwrap();
        assert_eq!(
            (w.region_code.as_str(), w.year, w.n),
            ("431302", 2024, 1200)
        );
        assert_eq!(w.imported_by, "tester");
        assert_eq!(
            survey::respondents(&db, id).await.unwrap(),
            respondents(1200)
        );
        assert_eq!(survey::results(&db, id).await.unwrap(), results());
        assert_eq!(survey::margins(&db, id).await.unwrap(), margins());
        assert_eq!(survey::waves(&db, "4313").await.unwrap().len(), 1);
        assert!(survey::waves(&db, "4301").await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn the_same_file_imported_twice_changes_nothing() {
    kesu_store::testing::each_backend(|db| async move {
        let first = import(&db, &wave("abc"), &respondents(10)).await.unwrap();
        let before = survey::wave(&db, first.wave_id()).await.unwrap().unwrap();
        let again = import(&db, &wave("abc"), &respondents(10)).await.unwrap();
        assert_eq!(again, Imported::Unchanged(first.wave_id()));
        let after = survey::wave(&db, first.wave_id()).await.unwrap().unwrap();
        assert_eq!(before, after);
    })
    .await;
}

#[tokio::test]
async fn another_file_for_the_same_wave_replaces_its_rows() {
    kesu_store::testing::each_backend(|db| async move {
        let first = import(&db, &wave("abc"), &respondents(10)).await.unwrap();
        let second = import(&db, &wave("def"), &respondents(7)).await.unwrap();
        assert_eq!(second, Imported::Replaced(first.wave_id()));
        assert_eq!(
            survey::respondents(&db, first.wave_id())
                .await
                .unwrap()
                .len(),
            7
        );
        assert_eq!(survey::waves(&db, "431302").await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_column_holding_names_is_refused_and_nothing_is_stored() {
    kesu_store::testing::each_backend(|db| async move {
        let mut r = respondents(3);
        r[1].domains.insert("姓名".into(), "张三".into());
        let err = import(&db, &wave("abc"), &r).await.unwrap_err();
        assert!(err.to_string().contains("姓名"), "{err}");
        assert!(survey::waves(&db, "43").await.unwrap().is_empty());
    })
    .await;
}

#[test]
fn personal_columns_are_recognised_by_name() {
    for c in ["姓名", "身份证号", "name", "ID_Number", "phone", "手机号码"] {
        assert!(survey::is_personal_column(c), "{c}");
    }
    for c in ["group", "sex", "age_group", "region", "urban", "literate"] {
        assert!(!survey::is_personal_column(c), "{c}");
    }
}

#[tokio::test]
async fn the_previous_year_of_the_same_region_is_found() {
    kesu_store::testing::each_backend(|db| async move {
        let mut w23 = wave("x");
        w23.year = 2023;
        let old = import(&db, &w23, &respondents(5)).await.unwrap().wave_id();
        let new = import(&db, &wave("y"), &respondents(5))
            .await
            .unwrap()
            .wave_id();
        let w = survey::wave(&db, new).await.unwrap().unwrap();
        let prev = survey::previous_wave(&db, &w).await.unwrap().unwrap();
        assert_eq!(prev.id, old);
        let first = survey::wave(&db, old).await.unwrap().unwrap();
        assert!(survey::previous_wave(&db, &first).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn a_wave_records_its_overall_share_as_the_regions_literacy_share() {
    kesu_store::testing::each_backend(|db| async move {
        let id = import(&db, &wave("abc"), &respondents(10))
            .await
            .unwrap()
            .wave_id();
        let share = indicators::share_of(&db, "431302", 2024)
            .await
            .unwrap()
            .unwrap();
        assert!((share.value - 15.0).abs() < 1e-9);
        assert!((share.low.unwrap() - 13.1).abs() < 1e-9);
        assert!((share.high.unwrap() - 17.1).abs() < 1e-9);
        assert!(share.source.contains(&format!("#{id}")), "{}", share.source);
    })
    .await;
}

/// Results whose overall interval does not hold the estimate: the indicator refuses them,
/// after the wave's rows are written in the same transaction.
fn results_with_a_share_that_cannot_be_recorded() -> Vec<ResultRow> {
    let mut r = results();
    r[0].logit_l = Some(0.5);
    r
}

#[tokio::test]
async fn a_wave_whose_share_cannot_be_recorded_is_not_stored() {
    kesu_store::testing::each_backend(|db| async move {
        let err = survey::import_wave(
            &db,
            &Actor::new("tester"),
            &wave("abc"),
            &respondents(10),
            &margins(),
            &results_with_a_share_that_cannot_be_recorded(),
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("431302 2024"), "{err}");
        assert!(survey::waves(&db, "43").await.unwrap().is_empty());
        assert!(
            indicators::share_of(&db, "431302", 2024)
                .await
                .unwrap()
                .is_none()
        );
        let audit = kesu_store::audit::recent(&db, 100).await.unwrap();
        assert!(audit.is_empty(), "{audit:?}");
    })
    .await;
}

#[tokio::test]
async fn a_replacement_whose_share_cannot_be_recorded_keeps_the_earlier_wave_and_share() {
    kesu_store::testing::each_backend(|db| async move {
        let id = import(&db, &wave("abc"), &respondents(10))
            .await
            .unwrap()
            .wave_id();
        let share_before = indicators::share_of(&db, "431302", 2024).await.unwrap();
        survey::import_wave(
            &db,
            &Actor::new("tester"),
            &wave("def"),
            &respondents(7),
            &margins(),
            &results_with_a_share_that_cannot_be_recorded(),
        )
        .await
        .unwrap_err();
        let w = survey::wave(&db, id).await.unwrap().unwrap();
        assert_eq!((w.source_sha256.as_str(), w.n), ("abc", 10));
        assert_eq!(survey::respondents(&db, id).await.unwrap().len(), 10);
        assert_eq!(survey::results(&db, id).await.unwrap(), results());
        assert_eq!(
            indicators::share_of(&db, "431302", 2024).await.unwrap(),
            share_before
        );
    })
    .await;
}

#[tokio::test]
async fn a_wave_without_an_overall_estimate_is_refused() {
    kesu_store::testing::each_backend(|db| async move {
        let err = survey::import_wave(
            &db,
            &Actor::new("tester"),
            &wave("abc"),
            &respondents(10),
            &margins(),
            &results()[1..],
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("总体估计"), "{err}");
        assert!(survey::waves(&db, "43").await.unwrap().is_empty());
    })
    .await;
}
