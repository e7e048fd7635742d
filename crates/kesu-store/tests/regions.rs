//! The region tree: import (good and bad files), queries, population — on every backend.
#![expect(
    clippy::unwrap_used,
    reason = "fixture helpers: a failure to set one up fails the test"
)]

use kesu_core::RegionLevel;
use kesu_store::regions;
use kesu_store::testing::each_backend;
use kesu_store::{Actor, Db, StoreError, audit};
use std::path::Path;

const PROVINCES: &str = "code,name\n43,\"湖南省\"\n34,\"安徽省\"\n";
const CITIES: &str = "code,name,provinceCode\n4313,\"娄底市\",43\n3410,\"黄山市\",34\n";
const AREAS: &str = "code,name,cityCode,provinceCode\n431302,\"娄星区\",4313,43\n431381,\"冷水江市\",4313,43\n341002,\"屯溪区\",3410,34\n";
const STREETS: &str = "code,name,areaCode,provinceCode,cityCode\n\
    431302001,\"乐坪街道\",431302,43,4313\n\
    431302100,\"杉山镇\",431302,43,4313\n\
    341002001,\"昱东街道\",341002,34,3410\n";
const VILLAGES: &str = "code,name,streetCode,provinceCode,cityCode,areaCode\n\
    431302001001,\"新星社区居委会\",431302001,43,4313,431302\n\
    431302001002,\"珠山社区居委会\",431302001,43,4313,431302\n\
    431302100201,\"杉山村委会\",431302100,43,4313,431302\n\
    341002001001,\"柏树社区居委会\",341002001,34,3410,341002\n";

/// Write the five-level set into `dir`, with `replace` swapping one file's content.
fn write_set(dir: &Path, replace: &[(&str, &[u8])]) {
    for (name, body) in [
        ("provinces.csv", PROVINCES),
        ("cities.csv", CITIES),
        ("areas.csv", AREAS),
        ("streets.csv", STREETS),
        ("villages.csv", VILLAGES),
    ] {
        let bytes = replace
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(body.as_bytes(), |(_, b)| b);
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

async fn import_fixture(db: &Db) -> regions::ImportSummary {
    let dir = tempfile::tempdir().unwrap();
    write_set(dir.path(), &[]);
    regions::import_divisions(db, &Actor::new("tester"), dir.path(), Some("2023"))
        .await
        .unwrap()
}

/// Import with one file replaced; must fail; returns the bad rows.
async fn refused(db: &Db, replace: &[(&str, &[u8])]) -> Vec<kesu_store::BadRow> {
    let dir = tempfile::tempdir().unwrap();
    write_set(dir.path(), replace);
    match regions::import_divisions(db, &Actor::system(), dir.path(), Some("2023")).await {
        Err(StoreError::Import(e)) => e.rows,
        other => panic!("expected a refused import, got {other:?}"),
    }
}

#[tokio::test]
async fn a_five_level_set_is_imported_with_levels_parents_and_edition() {
    each_backend(|db| async move {
        let s = import_fixture(&db).await;
        assert_eq!(s.total, 14);
        let counts: Vec<i64> = s.levels.iter().map(|l| l.count).collect();
        assert_eq!(counts, [2, 2, 3, 3, 4]);
        assert_eq!(regions::count(&db).await.unwrap(), 14);
        let v = regions::get(&db, "431302001002").await.unwrap().unwrap();
        assert_eq!(v.name, "珠山社区居委会");
        assert_eq!(v.level, RegionLevel::Village);
        assert_eq!(v.parent_code.as_deref(), Some("431302001"));
        assert_eq!(v.edition, "2023");
        let p = regions::get(&db, "43").await.unwrap().unwrap();
        assert_eq!(p.parent_code, None);
        let eds = regions::editions(&db).await.unwrap();
        assert_eq!(eds.len(), 1);
        assert_eq!(eds[0].row_count, 14);
        assert_eq!(eds[0].actor, "tester");
    })
    .await;
}

#[tokio::test]
async fn an_import_is_audited_with_its_counts() {
    each_backend(|db| async move {
        import_fixture(&db).await;
        let a = audit::for_object(&db, "regions:2023").await.unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].action, "regions.import");
        assert_eq!(a[0].actor, "tester");
        assert_eq!(a[0].after.as_ref().unwrap()["total"], 14);
    })
    .await;
}

#[tokio::test]
async fn show_gives_the_path_and_counts_per_level_below() {
    each_backend(|db| async move {
        import_fixture(&db).await;
        let d = regions::show(&db, "4313").await.unwrap();
        assert_eq!(d.region.name, "娄底市");
        let path: Vec<&str> = d.path.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(path, ["湖南省"]);
        assert_eq!(d.children, 2);
        let counts: Vec<(RegionLevel, i64)> =
            d.descendants.iter().map(|c| (c.level, c.count)).collect();
        assert_eq!(
            counts,
            [
                (RegionLevel::County, 2),
                (RegionLevel::Township, 2),
                (RegionLevel::Village, 3)
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn a_subtree_is_every_code_under_the_prefix_and_nothing_else() {
    each_backend(|db| async move {
        import_fixture(&db).await;
        let v = regions::subtree(&db, Some("4313"), Some(RegionLevel::Village), None)
            .await
            .unwrap();
        let codes: Vec<&str> = v.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["431302001001", "431302001002", "431302100201"]);
        let all = regions::subtree(&db, Some("43"), None, None).await.unwrap();
        assert_eq!(all.len(), 8);
        assert!(
            all.iter()
                .all(|r| r.code.starts_with("43") && r.code != "43")
        );
        let provinces = regions::subtree(&db, None, Some(RegionLevel::Province), None)
            .await
            .unwrap();
        assert_eq!(provinces.len(), 2);
    })
    .await;
}

#[tokio::test]
async fn children_and_ancestors_follow_the_code_nesting() {
    each_backend(|db| async move {
        import_fixture(&db).await;
        let c = regions::children(&db, Some("4313")).await.unwrap();
        let names: Vec<&str> = c.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["娄星区", "冷水江市"]);
        let top = regions::children(&db, None).await.unwrap();
        assert_eq!(top.len(), 2);
        let a = regions::ancestors(&db, "431302001001").await.unwrap();
        let names: Vec<&str> = a.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["湖南省", "娄底市", "娄星区", "乐坪街道"]);
    })
    .await;
}

#[tokio::test]
async fn a_name_prefix_finds_the_region_shallowest_first() {
    each_backend(|db| async move {
        import_fixture(&db).await;
        let r = regions::search(&db, "娄底", 10).await.unwrap();
        assert_eq!(r[0].code, "4313");
        let r = regions::search(&db, "杉山", 10).await.unwrap();
        let codes: Vec<&str> = r.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["431302100", "431302100201"]);
    })
    .await;
}

#[tokio::test]
async fn a_name_inside_other_names_is_found_when_no_name_starts_with_it() {
    each_backend(|db| async move {
        import_fixture(&db).await;
        let r = regions::search(&db, "社区", 10).await.unwrap();
        assert_eq!(r.len(), 3);
        assert!(regions::search(&db, "100%", 10).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_region_name_resolves_alone_or_with_its_ancestors_name() {
    each_backend(|db| async move {
        import_fixture(&db).await;
        let r = regions::resolve_name(&db, "屯溪区").await.unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].code, "341002");
        let r = regions::resolve_name(&db, "黄山市屯溪区").await.unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].code, "341002");
        assert!(
            regions::resolve_name(&db, "长沙市")
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn an_unknown_or_malformed_code_is_an_error_not_a_panic() {
    each_backend(|db| async move {
        import_fixture(&db).await;
        assert!(matches!(
            regions::show(&db, "4399").await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            regions::show(&db, "43x").await,
            Err(StoreError::Invalid(_))
        ));
    })
    .await;
}

#[tokio::test]
async fn a_bad_code_refuses_the_import_naming_file_and_row() {
    each_backend(|db| async move {
        let bad = format!("{AREAS}43130,\"短码区\",4313,43\n");
        let rows = refused(&db, &[("areas.csv", bad.as_bytes())]).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].file, "areas.csv");
        assert_eq!(rows[0].row, 5);
        assert!(rows[0].reason.contains("43130"), "{}", rows[0].reason);
        assert_eq!(regions::count(&db).await.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn a_child_whose_parent_is_missing_refuses_the_import() {
    each_backend(|db| async move {
        let bad = format!("{STREETS}431399001,\"无主街道\",431399,43,4313\n");
        let rows = refused(&db, &[("streets.csv", bad.as_bytes())]).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!((rows[0].file.as_str(), rows[0].row), ("streets.csv", 5));
        assert!(
            rows[0].reason.contains("上级区划“431399”不存在"),
            "{}",
            rows[0].reason
        );
        assert_eq!(regions::count(&db).await.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn a_duplicate_code_refuses_the_import_pointing_at_the_first() {
    each_backend(|db| async move {
        let bad = format!("{VILLAGES}431302001001,\"重复社区\",431302001,43,4313,431302\n");
        let rows = refused(&db, &[("villages.csv", bad.as_bytes())]).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].row, 6);
        assert!(rows[0].reason.contains("第 2 行"), "{}", rows[0].reason);
        assert_eq!(regions::count(&db).await.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn a_wrong_column_set_refuses_the_import_at_the_header() {
    each_backend(|db| async move {
        let bad = "code,name,parent\n4313,\"娄底市\",43\n";
        let rows = refused(&db, &[("cities.csv", bad.as_bytes())]).await;
        // The header, then the cities' children whose parents are now missing.
        assert_eq!((rows[0].file.as_str(), rows[0].row), ("cities.csv", 1));
        assert!(rows[0].reason.contains("列不符"), "{}", rows[0].reason);
        assert!(rows.iter().skip(1).all(|r| r.reason.contains("不存在")));
        assert_eq!(regions::count(&db).await.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn invalid_utf8_refuses_the_import_naming_the_row() {
    each_backend(|db| async move {
        let mut bad = PROVINCES.as_bytes().to_vec();
        bad.extend_from_slice(b"44,\"\xB9\xE3\xB6\xAB\"\n"); // 广东 in GBK
        let rows = refused(&db, &[("provinces.csv", &bad)]).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!((rows[0].file.as_str(), rows[0].row), ("provinces.csv", 4));
        assert!(rows[0].reason.contains("UTF-8"));
        assert_eq!(regions::count(&db).await.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn every_bad_row_of_every_file_is_listed_and_nothing_is_stored() {
    each_backend(|db| async move {
        let areas = format!("{AREAS}4313xx,\"坏码\",4313,43\n431399,\"错上级\",4314,43\n");
        let villages = format!("{VILLAGES}341002001001,\"重复\",341002001,34,3410,341002\n");
        let rows = refused(
            &db,
            &[
                ("areas.csv", areas.as_bytes()),
                ("villages.csv", villages.as_bytes()),
            ],
        )
        .await;
        let at: Vec<(&str, u64)> = rows.iter().map(|r| (r.file.as_str(), r.row)).collect();
        assert_eq!(
            at,
            [("areas.csv", 5), ("areas.csv", 6), ("villages.csv", 6)]
        );
        assert_eq!(regions::count(&db).await.unwrap(), 0);
        assert!(regions::editions(&db).await.unwrap().is_empty());
        assert!(audit::recent(&db, 5).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_refused_import_leaves_an_earlier_import_untouched() {
    each_backend(|db| async move {
        import_fixture(&db).await;
        let bad = format!("{CITIES}9999,\"无省\",99\n");
        refused(&db, &[("cities.csv", bad.as_bytes())]).await;
        assert_eq!(regions::count(&db).await.unwrap(), 14);
        assert_eq!(regions::editions(&db).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_new_edition_renames_adds_and_keeps_codes_it_no_longer_lists() {
    each_backend(|db| async move {
        import_fixture(&db).await;
        let dir = tempfile::tempdir().unwrap();
        let villages = "code,name,streetCode,provinceCode,cityCode,areaCode\n\
            431302001001,\"新星社区\",431302001,43,4313,431302\n\
            431302001003,\"新设社区\",431302001,43,4313,431302\n";
        write_set(dir.path(), &[("villages.csv", villages.as_bytes())]);
        let s = regions::import_divisions(&db, &Actor::system(), dir.path(), Some("2024"))
            .await
            .unwrap();
        assert_eq!(s.before, 14);
        assert_eq!(s.not_in_edition, 3);
        let v = regions::get(&db, "431302001001").await.unwrap().unwrap();
        assert_eq!((v.name.as_str(), v.edition.as_str()), ("新星社区", "2024"));
        assert!(regions::get(&db, "431302001003").await.unwrap().is_some());
        let old = regions::get(&db, "431302001002").await.unwrap().unwrap();
        assert_eq!(old.edition, "2023");
    })
    .await;
}

#[tokio::test]
async fn a_village_may_hang_under_a_township_stored_by_an_earlier_import() {
    each_backend(|db| async move {
        import_fixture(&db).await;
        let csv = "code,name\n431302001009,\"后加社区\"\n";
        let s = regions::import_seed_csv(&db, &Actor::system(), csv.as_bytes(), "add.csv", "2024")
            .await
            .unwrap();
        assert_eq!(s.total, 1);
        assert_eq!(regions::count(&db).await.unwrap(), 15);
    })
    .await;
}

#[tokio::test]
async fn a_gzipped_code_name_file_imports_like_the_five_files() {
    use std::io::Write;
    each_backend(|db| async move {
        let csv = "code,name\n43,湖南省\n4313,娄底市\n431302,娄星区\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(csv.as_bytes()).unwrap();
        let bytes = gz.finish().unwrap();
        let s = regions::import_seed_csv(&db, &Actor::system(), &bytes, "seed.csv.gz", "2023")
            .await
            .unwrap();
        assert_eq!(s.total, 3);
        let d = regions::show(&db, "431302").await.unwrap();
        assert_eq!(d.path.len(), 2);
    })
    .await;
}

#[tokio::test]
async fn a_missing_file_of_the_set_is_named() {
    each_backend(|db| async move {
        let dir = tempfile::tempdir().unwrap();
        write_set(dir.path(), &[]);
        std::fs::remove_file(dir.path().join("streets.csv")).unwrap();
        let e = regions::import_divisions(&db, &Actor::system(), dir.path(), Some("2023"))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("streets.csv"), "{e}");
    })
    .await;
}

// ---- population ----

fn pop_file(body: &str) -> tempfile::NamedTempFile {
    let f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(f.path(), body).unwrap();
    f
}

#[tokio::test]
async fn population_with_urban_rural_and_sex_age_groups_is_stored_per_year() {
    each_backend(|db| async move {
        import_fixture(&db).await;
        let f = pop_file(
            "code,year,population,urban,rural,male_0-14,female_0-14,男_60+\n\
             4313,2020,3826996,1918000,1908996,400000,380000,300000\n\
             4313,2021,3800000,,,,,\n",
        );
        let s = regions::import_population(&db, &Actor::system(), f.path())
            .await
            .unwrap();
        assert_eq!((s.rows, s.regions, s.groups), (2, 1, 3));
        assert_eq!(s.years, [2020, 2021]);
        let p = regions::population(&db, "4313").await.unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].urban, Some(1_918_000));
        assert_eq!(p[0].groups.len(), 3);
        assert!(
            p[0].groups
                .iter()
                .any(|g| g.sex == "male" && g.age_group == "60+")
        );
        assert_eq!(p[1].urban, None);
        let d = regions::show(&db, "4313").await.unwrap();
        assert_eq!(d.population.unwrap().year, 2021);
    })
    .await;
}

#[tokio::test]
async fn population_imported_again_replaces_the_year() {
    each_backend(|db| async move {
        import_fixture(&db).await;
        let a = pop_file("code,year,population,male_0-14\n4313,2020,100,10\n");
        regions::import_population(&db, &Actor::system(), a.path())
            .await
            .unwrap();
        let b = pop_file("code,year,population,female_0-14\n4313,2020,120,12\n");
        regions::import_population(&db, &Actor::system(), b.path())
            .await
            .unwrap();
        let p = regions::population(&db, "4313").await.unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].population, 120);
        assert_eq!(p[0].groups.len(), 1);
        assert_eq!(p[0].groups[0].sex, "female");
    })
    .await;
}

#[tokio::test]
async fn bad_population_rows_are_all_listed_and_nothing_is_stored() {
    each_backend(|db| async move {
        import_fixture(&db).await;
        let f = pop_file(
            "code,year,population,urban,rural\n\
             4313,2020,100,60,40\n\
             4399,2020,100,,\n\
             4313,20x0,100,,\n\
             431302,2020,-5,,\n\
             431381,2020,100,60,30\n\
             4313,2020,100,,\n",
        );
        let e = regions::import_population(&db, &Actor::system(), f.path())
            .await
            .unwrap_err();
        let StoreError::Import(e) = e else {
            panic!("{e:?}")
        };
        let rows: Vec<u64> = e.rows.iter().map(|r| r.row).collect();
        assert_eq!(rows, [3, 4, 5, 6, 7], "{e}");
        assert!(regions::population(&db, "4313").await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_population_file_with_unknown_columns_is_refused_at_the_header() {
    each_backend(|db| async move {
        import_fixture(&db).await;
        let f = pop_file("code,year,people\n4313,2020,100\n");
        let e = regions::import_population(&db, &Actor::system(), f.path())
            .await
            .unwrap_err();
        let StoreError::Import(e) = e else {
            panic!("{e:?}")
        };
        assert_eq!(e.rows.len(), 1);
        assert_eq!(e.rows[0].row, 1);
        assert!(e.rows[0].reason.contains("people"), "{}", e.rows[0].reason);
    })
    .await;
}

#[tokio::test]
async fn foreign_keys_to_regions_hold_after_a_first_import() {
    each_backend(|db| async move {
        import_fixture(&db).await;
        let insert =
            "INSERT INTO region_population (region_code, year, population) VALUES ($1, 2020, 1)";
        let unknown = match &db {
            Db::Sqlite(p, _) => sqlx::query(insert).bind("4399").execute(p).await.is_err(),
            Db::Postgres(p) => sqlx::query(insert).bind("4399").execute(p).await.is_err(),
        };
        assert!(unknown, "a population row for an unknown region is refused");
        let known = match &db {
            Db::Sqlite(p, _) => sqlx::query(insert).bind("4313").execute(p).await.is_ok(),
            Db::Postgres(p) => sqlx::query(insert).bind("4313").execute(p).await.is_ok(),
        };
        assert!(known);
    })
    .await;
}

#[tokio::test]
async fn a_name_with_a_tab_or_control_character_is_refused() {
    each_backend(|db| async move {
        let bad = format!("{PROVINCES}44,\"广\t东\"\n");
        let rows = refused(&db, &[("provinces.csv", bad.as_bytes())]).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert!(rows[0].reason.contains("控制字符"), "{}", rows[0].reason);
    })
    .await;
}

#[tokio::test]
async fn in_a_code_name_file_a_child_may_come_before_its_parent() {
    each_backend(|db| async move {
        let csv = "name,code\n娄星区,431302\n娄底市,4313\n湖南省,43\n";
        let s = regions::import_seed_csv(&db, &Actor::system(), csv.as_bytes(), "x.csv", "2023")
            .await
            .unwrap();
        assert_eq!(s.total, 3);
        let csv = "code,name\n431399001,孤儿街道\n";
        let e = regions::import_seed_csv(&db, &Actor::system(), csv.as_bytes(), "y.csv", "2023")
            .await
            .unwrap_err();
        assert!(e.to_string().contains("431399"), "{e}");
    })
    .await;
}
