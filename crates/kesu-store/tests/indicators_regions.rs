//! Indicators over the region tree: per-village targets counted and rolled up, drill-downs that
//! follow renamed regions, region filters, a municipality's children. SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, reason = "test helpers read fixture files")]

mod indicators_support;
use indicators_support::*;

#[tokio::test]
async fn a_per_village_target_counts_the_villages_that_meet_it_and_rolls_up() {
    each_backend(|db| async move {
        louxing_villages(&db).await;
        let plan = import(&db, LOUDI, "4313").await;
        let task = plans::tasks(&db, plan)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.path == FARMERS)
            .unwrap();
        let leaders = task.targets[1].id; // 每个村至少培育1名创业创新带头人
        let villages =
            kesu_store::regions::subtree(&db, Some("431302"), Some(RegionLevel::Village), None)
                .await
                .unwrap();
        assert_eq!(villages.len(), 233);
        let n = indicators::expand_entities(
            &db,
            task.id,
            "431302",
            RegionLevel::Village,
            &Actor::new("office"),
        )
        .await
        .unwrap();
        assert_eq!(n, 233);
        // Again: nothing new.
        let again = indicators::expand_entities(
            &db,
            task.id,
            "431302",
            RegionLevel::Village,
            &Actor::new("office"),
        )
        .await
        .unwrap();
        assert_eq!(again, 0);

        let r = round(&db, plan, "2024Q4").await;
        let slots = reporting::slots(&db, r).await.unwrap();
        let of = |code: &str| {
            slots
                .iter()
                .find(|s| s.task_path == FARMERS && s.region_code == code)
                .unwrap()
                .id
        };
        // Two villages of the first township meet it (1 and 2 leaders), one reports 0.
        let (v1, v2, v3) = (&villages[0].code, &villages[1].code, &villages[2].code);
        report_accepted(&db, of(v1), &[(leaders, 1.0)]).await;
        report_accepted(&db, of(v2), &[(leaders, 2.0)]).await;
        report_accepted(&db, of(v3), &[(leaders, 0.0)]).await;

        let mut q = Query::new(plan, date!(2025 - 01 - 15));
        q.region = Some("431302".into());
        let p = indicators::evaluate_plan(&db, &q).await.unwrap();
        let r = row(&p, leaders);
        let cov = r.coverage.as_ref().unwrap();
        assert_eq!((cov.total, cov.met, cov.no_data), (233, 2, 230));
        assert_eq!(r.actual, Some(2.0 / 233.0));
        assert_eq!(r.status, Status::Behind);
        assert_eq!(r.sources.len(), 3);
        assert!(cov.not_met.contains(&villages[2].name));

        // Roll-up: the county's value is the share of its villages meeting the target; its
        // first township has them all.
        let d = indicators::drill(&db, &q, leaders, "431302")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.node.value, Some(2.0 / 233.0));
        assert_eq!(d.node.met, 2);
        let township = &v1[..9];
        let child = d.children.iter().find(|c| c.code == township).unwrap();
        assert_eq!(child.met, 2);
        assert_eq!(child.reporting_leaves, 3);
        // Down to the village: its own report.
        let dv = indicators::drill(&db, &q, leaders, v2)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(dv.sources.len(), 1);
        assert_eq!(dv.sources[0].report_id, of(v2));
        assert_eq!(dv.sources[0].value, 2.0);
        assert_eq!(dv.path.first().unwrap().code, "431302");

        // A reporter's view: one village's unit sees its own report only.
        let unit = slots.iter().find(|s| s.id == of(v2)).unwrap().unit_id;
        let mut qu = Query::new(plan, date!(2025 - 01 - 15));
        qu.unit_id = Some(unit);
        let pu = indicators::evaluate_plan(&db, &qu).await.unwrap();
        assert!(pu.indicators.iter().all(|r| r.task_path == FARMERS));
        assert!(
            pu.indicators
                .iter()
                .all(|r| r.sources.iter().all(|s| *s == of(v2)))
        );
    })
    .await;
}

// The region tree behind a drill-down is kept across report changes (they cannot rename a
// region), but not across a regions import.
#[tokio::test]
async fn a_region_renamed_after_a_view_is_named_anew_in_the_next_view() {
    each_backend(|db| async move {
        louxing_villages(&db).await;
        let plan = import(&db, LOUDI, "4313").await;
        let task = plans::tasks(&db, plan)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.path == FARMERS)
            .unwrap();
        let leaders = task.targets[1].id;
        let office = Actor::new("office");
        indicators::expand_entities(&db, task.id, "431302", RegionLevel::Village, &office)
            .await
            .unwrap();
        let r = round(&db, plan, "2024Q4").await;
        let slots = reporting::slots(&db, r).await.unwrap();
        let villages: Vec<&reporting::Slot> = slots
            .iter()
            .filter(|s| s.task_path == FARMERS && s.region_code.len() == 12)
            .collect();
        let township = villages[0].region_code[..9].to_string();
        let mut q = Query::new(plan, date!(2025 - 01 - 15));
        q.region = Some("431302".into());
        let name_of_township = |d: &indicators::DrillDown| {
            d.children
                .iter()
                .find(|c| c.code == township)
                .map(|c| (c.name.clone(), c.met))
                .unwrap()
        };
        let before = indicators::drill(&db, &q, leaders, "431302")
            .await
            .unwrap()
            .unwrap();
        let (old_name, met) = name_of_township(&before);
        assert_eq!(met, 0);

        // A report changes: the tree is kept, the value is new.
        report_accepted(&db, villages[0].id, &[(leaders, 1.0)]).await;
        let after_report = indicators::drill(&db, &q, leaders, "431302")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(name_of_township(&after_report), (old_name.clone(), 1));

        // The township is renamed by a regions import: the next view says so.
        let csv = format!("code,name\n{township},新名街道\n");
        kesu_store::regions::import_seed_csv(&db, &office, csv.as_bytes(), "rename.csv", "2024")
            .await
            .unwrap();
        let renamed = indicators::drill(&db, &q, leaders, "431302")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(name_of_township(&renamed), ("新名街道".to_string(), 1));
        assert_ne!(old_name, "新名街道");
    })
    .await;
}

#[tokio::test]
async fn a_region_filter_keeps_only_the_reports_of_its_subtree() {
    each_backend(|db| async move {
        louxing_villages(&db).await;
        let plan = import(&db, LOUDI, "4313").await;
        let task = plans::tasks(&db, plan)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.path == FARMERS)
            .unwrap();
        indicators::expand_entities(
            &db,
            task.id,
            "431302",
            RegionLevel::Village,
            &Actor::new("office"),
        )
        .await
        .unwrap();
        let training = task.targets[0].id;
        let r = round(&db, plan, "2024Q4").await;
        let slots = reporting::slots(&db, r).await.unwrap();
        let villages: Vec<_> = slots
            .iter()
            .filter(|s| s.task_path == FARMERS && s.region_code.len() == 12)
            .collect();
        let first_township = &villages[0].region_code[..9];
        let other = villages
            .iter()
            .find(|s| !s.region_code.starts_with(first_township))
            .unwrap();
        report_accepted(&db, villages[0].id, &[(training, 50.0)]).await;
        report_accepted(&db, other.id, &[(training, 70.0)]).await;
        let city = evaluate(&db, plan, date!(2025 - 01 - 15)).await;
        assert_eq!(row(&city, training).actual, Some(120.0));
        let mut q = Query::new(plan, date!(2025 - 01 - 15));
        q.region = Some(first_township.to_string());
        let p = indicators::evaluate_plan(&db, &q).await.unwrap();
        assert_eq!(row(&p, training).actual, Some(50.0));
        assert_eq!(row(&p, training).sources, [villages[0].id]);
    })
    .await;
}

#[tokio::test]
async fn a_municipalitys_children_are_its_districts_and_counties_not_the_grouping_level() {
    each_backend(|db| async move {
        let csv = "code,name\n50,重庆市\n5001,市辖区\n500101,万州区\n500102,涪陵区\n5002,县\n500229,城口县\n";
        kesu_store::regions::import_seed_csv(&db, &Actor::new("t"), csv.as_bytes(), "r.csv", "2023")
            .await
            .unwrap();
        let c = indicators::child_regions(&db, "50").await.unwrap();
        let names: Vec<&str> = c.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(names, ["万州区", "涪陵区", "城口县"]);
    })
    .await;
}
