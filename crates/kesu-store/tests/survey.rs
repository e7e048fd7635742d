//! Survey waves: stored all or nothing (with the literacy share they give), the same file twice
//! changes nothing, no personal columns; population margins from the region population tables.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers outside #[test] functions fail loudly"
)]

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

/// Results whose overall estimate is not a finite number: the indicator refuses it, after the
/// wave's rows are written in the same transaction.
fn results_with_a_share_that_cannot_be_recorded() -> Vec<ResultRow> {
    let mut r = results();
    r[0].est = f64::INFINITY;
    r
}

#[tokio::test]
async fn a_wave_whose_interval_is_a_point_records_its_share() {
    kesu_store::testing::each_backend(|db| async move {
        // SE 0: R's logit interval lands a rounding below the estimate.
        let mut r = results();
        r[0].est = 0.6;
        r[0].se = 0.0;
        r[0].logit_l = Some(0.599_999_999_994_457_5);
        r[0].logit_u = Some(0.599_999_999_994_457_5);
        survey::import_wave(
            &db,
            &Actor::new("tester"),
            &wave("abc"),
            &respondents(4),
            &margins(),
            &r,
        )
        .await
        .unwrap();
        let share = indicators::share_of(&db, "431302", 2024)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(share.value, 60.0);
        assert!(share.low.unwrap() <= 60.0 && share.high.unwrap() >= 60.0);
    })
    .await;
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
        assert!(
            err.to_string().contains("431302 2024 年的数值 inf"),
            "{err}"
        );
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

// ---------------------------------------------------------------------------------------------
// Population margins.

/// 娄星区 (431302) with townships 431302001 and 431302002; 2024 population of all three, the
/// townships with urban/rural, 431302 also by sex and age group.
async fn with_population(db: &Db) {
    let actor = Actor::new("tester");
    let regions = "code,name\n43,湖南省\n4313,娄底市\n431302,娄星区\n431302001,乐坪街道\n431302002,花山街道\n";
    kesu_store::regions::import_seed_csv(db, &actor, regions.as_bytes(), "regions.csv", "2023")
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("population.csv");
    std::fs::write(
        &path,
        "code,year,population,urban,rural,male_15-59,female_15-59,male_60+,female_60+\n\
         431302,2024,1000,700,300,300,280,200,220\n\
         431302001,2024,600,500,100,,,,\n\
         431302002,2024,400,200,200,,,,\n",
    )
    .unwrap();
    kesu_store::regions::import_population(db, &actor, &path)
        .await
        .unwrap();
}

fn rows(m: &[MarginRow]) -> Vec<(&str, &str, f64)> {
    m.iter()
        .map(|r| (r.margin.as_str(), r.level.as_str(), r.total))
        .collect()
}

async fn pop_margins(db: &Db, year: i32, names: &[&str]) -> Result<Vec<MarginRow>, StoreError> {
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    survey::population_margins(db, "431302", year, &names).await
}

#[tokio::test]
async fn population_margins_come_from_the_child_regions_the_urban_split_and_the_sex_age_groups() {
    kesu_store::testing::each_backend(|db| async move {
        with_population(&db).await;
        let m = pop_margins(
            &db,
            2024,
            &["region", "urban", "sex", "age_group", "region+urban"],
        )
        .await
        .unwrap();
        assert_eq!(
            rows(&m),
            [
                ("region", "431302001", 600.0),
                ("region", "431302002", 400.0),
                ("urban", "1", 700.0),
                ("urban", "0", 300.0),
                ("sex", "female", 500.0),
                ("sex", "male", 500.0),
                ("age_group", "15-59", 580.0),
                ("age_group", "60+", 420.0),
                ("region+urban", "431302001|1", 500.0),
                ("region+urban", "431302001|0", 100.0),
                ("region+urban", "431302002|1", 200.0),
                ("region+urban", "431302002|0", 200.0),
            ]
        );
        let joint = pop_margins(&db, 2024, &["age_group+sex"]).await.unwrap();
        assert_eq!(
            rows(&joint),
            [
                ("age_group+sex", "15-59|female", 280.0),
                ("age_group+sex", "60+|female", 220.0),
                ("age_group+sex", "15-59|male", 300.0),
                ("age_group+sex", "60+|male", 200.0),
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn a_variable_the_population_tables_do_not_hold_is_named() {
    kesu_store::testing::each_backend(|db| async move {
        with_population(&db).await;
        let err = pop_margins(&db, 2024, &["region+education"])
            .await
            .unwrap_err();
        assert!(err.to_string().contains("变量 education"), "{err}");
        let err = pop_margins(&db, 2024, &["urban+sex"]).await.unwrap_err();
        assert!(err.to_string().contains("urban+sex"), "{err}");
    })
    .await;
}

#[tokio::test]
async fn population_figures_missing_for_the_region_or_a_child_region_are_named() {
    kesu_store::testing::each_backend(|db| async move {
        with_population(&db).await;
        let err = pop_margins(&db, 2023, &["urban"]).await.unwrap_err();
        assert!(err.to_string().contains("431302 2023"), "{err}");
        let err = pop_margins(&db, 2023, &["region"]).await.unwrap_err();
        assert!(err.to_string().contains("431302001、431302002"), "{err}");
        // Townships have no sex × age-group figures.
        let err = pop_margins(&db, 2024, &["region+sex"]).await.unwrap_err();
        assert!(
            err.to_string()
                .contains("431302001 2024 年没有分性别、年龄组"),
            "{err}"
        );
    })
    .await;
}

#[tokio::test]
async fn the_same_file_weighted_to_other_margins_replaces_the_wave() {
    kesu_store::testing::each_backend(|db| async move {
        let first = import(&db, &wave("abc"), &respondents(10)).await.unwrap();
        let mut other = margins();
        other[0].total = 2e5;
        let again = survey::import_wave(
            &db,
            &Actor::new("tester"),
            &wave("abc"),
            &respondents(10),
            &other,
            &results(),
        )
        .await
        .unwrap();
        assert_eq!(again, Imported::Replaced(first.wave_id()));
        assert_eq!(survey::margins(&db, first.wave_id()).await.unwrap(), other);
    })
    .await;
}
