//! Indicators as reports change: historical values enter as accepted reports (all or nothing),
//! and a report changed after a view changes the next view. SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, reason = "test helpers read fixture files")]

mod indicators_support;
use indicators_support::*;

#[tokio::test]
async fn historical_values_enter_as_accepted_reports_all_or_nothing() {
    each_backend(|db| async move {
        let plan = import(&db, LOUDI, "4313").await;
        let t = targets_of(&db, plan, FARMERS).await;
        let r = round(&db, plan, "2022Q4").await;
        let lead = slot(&db, r, FARMERS, Some(AGRI)).await;
        let other = slot(&db, r, "二.(一).2.(7)", Some("市教育局")).await;
        let actor = Actor::new("office");
        // A target of another task: nothing is stored.
        let bad = [
            indicators::HistoryValue {
                report_id: lead.id,
                target_id: t[0],
                value: 800.0,
            },
            indicators::HistoryValue {
                report_id: other.id,
                target_id: t[0],
                value: 1.0,
            },
        ];
        let e = indicators::import_history(&db, r, &bad, &actor)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("不属于"), "{e}");
        assert_eq!(
            reporting::slot(&db, lead.id).await.unwrap().state,
            "not_started"
        );
        let n = indicators::import_history(&db, r, &bad[..1], &actor)
            .await
            .unwrap();
        assert_eq!(n, 1);
        assert_eq!(
            reporting::slot(&db, lead.id).await.unwrap().state,
            "accepted"
        );
        let h = reporting::history(&db, lead.id).await.unwrap();
        assert_eq!(h.last().unwrap().action, "import");
        let p = evaluate(&db, plan, date!(2023 - 01 - 31)).await;
        assert_eq!(row(&p, t[0]).actual, Some(800.0));
        assert_eq!(row(&p, t[0]).sources, [lead.id]);
    })
    .await;
}

#[tokio::test]
async fn a_report_changed_after_a_view_changes_the_next_view() {
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
            &Actor::new("o"),
        )
        .await
        .unwrap();
        let training = task.targets[0].id;
        let r = round(&db, plan, "2024Q4").await;
        let villages: Vec<_> = reporting::slots(&db, r)
            .await
            .unwrap()
            .into_iter()
            .filter(|s| s.task_path == FARMERS && s.region_code.len() == 12)
            .collect();
        let day = date!(2025 - 01 - 15);
        report_accepted(&db, villages[0].id, &[(training, 50.0)]).await;
        assert_eq!(
            row(&evaluate(&db, plan, day).await, training).actual,
            Some(50.0)
        );
        // A village's report accepted (a village unit: the cached values are updated in place).
        report_accepted(&db, villages[1].id, &[(training, 70.0)]).await;
        assert_eq!(
            row(&evaluate(&db, plan, day).await, training).actual,
            Some(120.0)
        );
        // Unlocked: it no longer counts.
        let s = reporting::slot(&db, villages[0].id).await.unwrap();
        reporting::change(
            &db,
            s.id,
            Transition::Unlock,
            &ReportChange {
                expected_version: s.version,
                ..ReportChange::default()
            },
            NOW,
            &Actor::new("office"),
        )
        .await
        .unwrap();
        let p = evaluate(&db, plan, day).await;
        assert_eq!(row(&p, training).actual, Some(70.0));
        assert_eq!(row(&p, training).sources, [villages[1].id]);
        // The lead's report (the rule across reports): read again in full.
        let lead = slot(&db, r, FARMERS, Some(AGRI)).await;
        report_accepted(&db, lead.id, &[(training, 1000.0)]).await;
        assert_eq!(
            row(&evaluate(&db, plan, day).await, training).actual,
            Some(1070.0)
        );
    })
    .await;
}
