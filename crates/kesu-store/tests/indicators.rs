//! Indicators from stored reports: accepted values become observations, each indicator's value
//! is computed by its kind and lists the reports it came from. Seed plans, real reports through
//! the reporting rules, hand-computed expectations. SQLite and PostgreSQL. (Regions, the
//! assessment, changes after a view and entered assessment inputs: `indicators_*.rs`.)
#![allow(clippy::unwrap_used, reason = "test helpers read fixture files")]

mod indicators_support;
use indicators_support::*;

#[tokio::test]
async fn only_accepted_values_are_observations() {
    each_backend(|db| async move {
        let plan = import(&db, LOUDI, "4313").await;
        let r = round(&db, plan, "2024Q1").await;
        let t = targets_of(&db, plan, FARMERS).await;
        let lead = slot(&db, r, FARMERS, Some(AGRI)).await;
        report_accepted(&db, lead.id, &[(t[0], 1200.0)]).await;
        // A cooperating unit's report that was submitted but not yet accepted.
        let other = reporting::slots(&db, r)
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.task_path == "二.(一).2.(7)")
            .unwrap();
        let t7 = targets_of(&db, plan, "二.(一).2.(7)").await;
        submit(&db, other.id, &[(t7[0], 1.0)]).await;

        let obs = indicators::observations(&db, plan, &ObservationFilter::default())
            .await
            .unwrap();
        assert_eq!(obs.len(), 1, "{obs:?}");
        assert_eq!(obs[0].target_id, t[0]);
        assert_eq!(obs[0].observation.report_id, lead.id);
        assert_eq!(obs[0].observation.region_code, "4313");
        assert_eq!(
            obs[0].observation.period,
            Period::Quarter {
                year: 2024,
                quarter: 1
            }
        );
        assert_eq!(obs[0].observation.value, 1200.0);
    })
    .await;
}

#[tokio::test]
async fn every_target_of_the_plan_is_an_indicator_goals_first() {
    each_backend(|db| async move {
        let plan = import(&db, LOUDI, "4313").await;
        let p = evaluate(&db, plan, date!(2024 - 06 - 30)).await;
        // 娄底: one goal and eight task targets (the gold file).
        assert_eq!(p.indicators.len(), 9);
        assert_eq!(p.indicators[0].task_path, "目标");
        assert_eq!(p.indicators[0].comparator, ">");
        assert_eq!(p.indicators[0].unit, "%");
        assert_eq!(p.counts.no_data, 9);
        assert!(p.indicators.iter().all(|r| r.actual.is_none()));
        assert!(p.indicators.iter().all(|r| r.status == Status::NoData));
    })
    .await;
}

#[tokio::test]
async fn a_count_adds_its_rounds_lists_its_reports_and_is_behind_schedule() {
    each_backend(|db| async move {
        let plan = import(&db, LOUDI, "4313").await;
        let t = targets_of(&db, plan, FARMERS).await;
        let mut reports = Vec::new();
        for (period, v) in [("2024Q1", 1200.0), ("2024Q2", 1800.0)] {
            let r = round(&db, plan, period).await;
            let s = slot(&db, r, FARMERS, Some(AGRI)).await;
            report_accepted(&db, s.id, &[(t[0], v)]).await;
            reports.push(s.id);
        }
        let p = evaluate(&db, plan, date!(2024 - 06 - 30)).await;
        let r = row(&p, t[0]);
        // 5000人次 over 2021–2025: on 30 June 2024, (3 + 182/366) / 5 = 69.9% of the period has
        // passed, so 3497 人次 would be on schedule; 3000 is behind.
        assert_eq!(r.actual, Some(3000.0));
        assert_eq!(r.progress, Some(0.6));
        assert_eq!(r.status, Status::Behind);
        assert_eq!(r.sources, reports);
        assert!(r.rule.contains("相加"), "{}", r.rule);
        assert!(r.explanation.contains("3000"), "{}", r.explanation);
        assert_eq!(r.task_path, FARMERS);
    })
    .await;
}

#[tokio::test]
async fn a_period_filter_evaluates_at_its_end_with_the_rounds_up_to_it() {
    each_backend(|db| async move {
        let plan = import(&db, LOUDI, "4313").await;
        let t = targets_of(&db, plan, FARMERS).await;
        for (period, v) in [("2024Q1", 1200.0), ("2024Q2", 1800.0)] {
            let r = round(&db, plan, period).await;
            let s = slot(&db, r, FARMERS, Some(AGRI)).await;
            report_accepted(&db, s.id, &[(t[0], v)]).await;
        }
        let mut q = Query::new(plan, date!(2025 - 06 - 01));
        q.period = Some(Period::parse("2024Q1").unwrap());
        let p = indicators::evaluate_plan(&db, &q).await.unwrap();
        assert_eq!(p.as_of, date!(2024 - 03 - 31));
        assert_eq!(row(&p, t[0]).actual, Some(1200.0));
    })
    .await;
}

#[tokio::test]
async fn a_stock_takes_the_latest_report() {
    each_backend(|db| async move {
        let plan = import(&db, TUNXI, "341002").await;
        // 二.(八).16: "每年力争推荐1-2家", "到2025年，认定各级各类科普基地40家以上", "争创1-2家".
        let t = targets_of(&db, plan, "二.(八).16").await;
        let mut last = 0;
        for (period, v) in [("2024Q1", 30.0), ("2024Q2", 35.0)] {
            let r = round(&db, plan, period).await;
            let s = slot(&db, r, "二.(八).16", None).await;
            report_accepted(&db, s.id, &[(t[1], v)]).await;
            last = s.id;
        }
        let p = evaluate(&db, plan, date!(2024 - 06 - 30)).await;
        let r = row(&p, t[1]);
        assert_eq!(r.actual, Some(35.0));
        assert_eq!(r.progress, Some(0.875));
        assert_eq!(r.sources, [last]);
        assert!(r.rule.contains("最新"), "{}", r.rule);
    })
    .await;
}

#[tokio::test]
async fn a_yearly_target_is_judged_on_the_last_complete_year_and_a_cumulative_one_on_the_deadline()
{
    each_backend(|db| async move {
        let plan = import(&db, TUNXI, "341002").await;
        // 二.(一).1: "每年开展…巡讲活动2场次" (yearly).
        let talks = targets_of(&db, plan, "二.(一).1").await[0];
        // 二.(八).15: "巡展活动不少于10场次" (cumulative over 2022–2025).
        let shows = targets_of(&db, plan, "二.(八).15").await[0];
        for (period, v) in [("2023Q1", 1.0), ("2023Q3", 1.0), ("2024Q1", 1.0)] {
            let r = round(&db, plan, period).await;
            let a = slot(&db, r, "二.(一).1", None).await;
            report_accepted(&db, a.id, &[(talks, v)]).await;
            let b = slot(&db, r, "二.(八).15", None).await;
            report_accepted(&db, b.id, &[(shows, 2.0)]).await;
        }
        let p = evaluate(&db, plan, date!(2024 - 04 - 10)).await;
        // 2023 is the last complete year: 1 + 1 = 2 talks, the target.
        let yearly = row(&p, talks);
        assert_eq!(yearly.actual, Some(2.0));
        assert_eq!(yearly.status, Status::Met);
        assert!(!yearly.cumulative);
        assert_eq!(yearly.periods.len(), 3, "2022, 2023, 2024");
        // The cumulative count adds all three rounds: 6 of 10, with (2 + 101/366) / 4 = 56.9% of
        // 2022–2025 gone, 5.69 are due: on track.
        let cumulative = row(&p, shows);
        assert_eq!(cumulative.actual, Some(6.0));
        assert_eq!(cumulative.status, Status::OnTrack);
        assert!(cumulative.cumulative);
    })
    .await;
}

#[tokio::test]
async fn a_cooperating_units_input_is_not_counted_again_when_the_lead_reports() {
    each_backend(|db| async move {
        let plan = import(&db, LOUDI, "4313").await;
        let t = targets_of(&db, plan, FARMERS).await;
        let r = round(&db, plan, "2024Q1").await;
        let all: Vec<_> = reporting::slots(&db, r)
            .await
            .unwrap()
            .into_iter()
            .filter(|s| s.task_path == FARMERS)
            .collect();
        let lead = all.iter().find(|s| s.role == "lead").unwrap();
        let coop = all.iter().find(|s| s.role != "lead").unwrap();
        // The cooperating unit sends its part; the lead reports the consolidated total.
        submit(&db, coop.id, &[(t[0], 400.0)]).await;
        submit(&db, lead.id, &[(t[0], 1000.0)]).await;
        // The reviewer accepts the lead's report with its input (each through the transition).
        let v = reporting::slot(&db, lead.id).await.unwrap().version;
        let ch = ReportChange {
            expected_version: v,
            ..ReportChange::default()
        };
        reporting::accept_with_inputs(&db, lead.id, &ch, &[coop.id], NOW, &Actor::new("reviewer"))
            .await
            .unwrap();
        assert_eq!(
            reporting::slot(&db, coop.id).await.unwrap().state,
            "accepted"
        );
        let p = evaluate(&db, plan, date!(2024 - 06 - 30)).await;
        assert_eq!(row(&p, t[0]).actual, Some(1000.0));
        assert_eq!(row(&p, t[0]).sources, [lead.id]);
    })
    .await;
}

/// Every target of the five seed plans is an indicator. One accepted report per task target in
/// 2025Q4 giving exactly the target's (lower) value, judged after the plan period (15 January
/// 2026): a count, a stock and a yearly target are met; "超过" (>) is not met by the value
/// itself, and with the deadline past it is behind; a per-entity target has no data without its
/// entities (no villages or schools stored here); a goal has no data without a survey figure.
#[tokio::test]
async fn every_target_of_the_five_seed_plans_is_tracked() {
    each_backend(|db| async move {
        let seeds = [
            ("000_432ccf1c67a0d8b8.json", "4313"),
            ("001_56b7c3f215b0a4b2.json", "4403"),
            ("002_f6d2d5e634e4ea7e.json", "3605"),
            ("003_d1be8f63f2575b76.json", "50"),
            ("004_ddb7f01bda5ff9fc.json", "341002"),
        ];
        let mut tracked = 0;
        for (file, region) in seeds {
            let gold = gold(file);
            let plan = import(&db, file, region).await;
            let expected_rows =
                gold.goals.len() + gold.tasks.iter().map(|t| t.targets.len()).sum::<usize>();
            let r = round(&db, plan, "2025Q4").await;
            let slots = reporting::slots(&db, r).await.unwrap();
            let mut reported = std::collections::BTreeSet::new();
            for task in plans::tasks(&db, plan).await.unwrap() {
                if task.targets.is_empty() {
                    continue;
                }
                let Some(s) = slots.iter().find(|s| s.task_id == task.id) else {
                    continue;
                };
                let values: Vec<(i64, f64)> =
                    task.targets.iter().map(|t| (t.id, t.value)).collect();
                report_accepted(&db, s.id, &values).await;
                reported.extend(task.targets.iter().map(|t| t.id));
            }
            // Every task with a target has a unit to report it.
            assert_eq!(
                reported.len(),
                gold.tasks.iter().map(|t| t.targets.len()).sum::<usize>(),
                "{file}"
            );
            let p = evaluate(&db, plan, date!(2026 - 01 - 15)).await;
            assert_eq!(p.indicators.len(), expected_rows, "{file}");
            for row in &p.indicators {
                tracked += 1;
                let per_entity = row.kind.starts_with("按对象");
                let expected = if row.task_id.is_none() || per_entity {
                    Status::NoData
                } else if row.comparator == ">" {
                    Status::Behind
                } else {
                    Status::Met
                };
                assert_eq!(
                    row.status, expected,
                    "{file} {} {}: {}",
                    row.task_path, row.text, row.explanation
                );
                if expected != Status::NoData {
                    assert_eq!(row.sources.len(), 1, "{file} {}", row.text);
                }
            }
        }
        // 娄底 9, 深圳 1, 新余 3, 重庆 1, 屯溪 20.
        assert_eq!(tracked, 34);
    })
    .await;
}
