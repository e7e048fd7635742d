//! The assessment of the counties from their reports and surveys: scores, ranks and ties, the
//! weights of a scheme, late and returned reports, the literacy goal from recorded survey shares
//! and its path. SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, reason = "test helpers read fixture files")]

mod indicators_support;
use indicators_support::*;

// Of the plan's nine indicators at a county, three have progress: the share goal (16/15 and
// 15/15, both capped at 1), the venue (1 or 0 of 1 county), the 90% coverage (met by all).
//   娄星: fixed 35 + tasks 30×3/9 = 10 + reporting 10 + share 15 + rise +1.2 (1st) 10 = 80
//   双峰: 35 + 30×2/9 = 6.67 + late once 10−2 = 8 + 15 + rise +1.2 (1st) 10       = 74.67
//   新化: 35 + 6.67 + 10 + 15 + rise −0.5 (3rd) 8                                 = 74.67
#[tokio::test]
async fn the_default_scheme_ranks_the_counties_from_their_reports_and_surveys_with_a_tie() {
    each_backend(|db| async move {
        let plan = three_counties(&db).await;
        let scheme = kesu_indicators::Scheme::default_scheme().unwrap();
        let r = assess(&db, plan, &scheme).await;
        assert_eq!(
            ranking(&r),
            [
                ("娄星区".to_string(), 80.0, 1),
                ("双峰县".to_string(), 74.67, 2),
                ("新化县".to_string(), 74.67, 2),
            ]
        );
        // Top two for commendation: the tie is included.
        assert_eq!(r.commendation, ["431302", "431321", "431322"]);
        // "超过15%": 15.0 is not over it; 新化 also fell from 15.5 (不升反降).
        let concerns: Vec<(&str, bool, bool)> = r
            .concerns
            .iter()
            .map(|c| (c.name.as_str(), c.below_target, c.fell))
            .collect();
        assert_eq!(concerns, [("双峰县", true, false), ("新化县", true, true)]);
        assert!(r.no_share.is_empty());
    })
    .await;
}

#[tokio::test]
async fn doubling_the_reporting_weight_puts_the_punctual_county_ahead_of_the_late_one() {
    each_backend(|db| async move {
        let plan = three_counties(&db).await;
        let mut scheme = kesu_indicators::Scheme::default_scheme().unwrap();
        scheme
            .items
            .iter_mut()
            .find(|i| i.id == "reporting")
            .unwrap()
            .weight = 2.0;
        let r = assess(&db, plan, &scheme).await;
        assert_eq!(
            ranking(&r),
            [
                ("娄星区".to_string(), 90.0, 1),
                ("新化县".to_string(), 84.67, 2),
                ("双峰县".to_string(), 82.67, 3),
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn late_and_returned_reports_are_listed_without_the_return_reason() {
    each_backend(|db| async move {
        let plan = three_counties(&db).await;
        let late = indicators::late_or_returned(&db, "4313", 2024, date!(2025 - 06 - 01))
            .await
            .unwrap();
        // 双峰's late report, and the city units that never reported on the plan's tasks.
        let sf: Vec<_> = late.iter().filter(|l| l.region_code == "431321").collect();
        assert_eq!(sf.len(), 1);
        assert!(sf[0].late);
        assert_eq!(sf[0].plan_id, plan);
        let json = serde_json::to_string(&late).unwrap();
        assert!(!json.contains("佐证"));
    })
    .await;
}

#[tokio::test]
async fn the_literacy_goal_takes_the_recorded_survey_shares_weighted_by_population() {
    each_backend(|db| async move {
        let plan = three_counties(&db).await;
        let p = evaluate(&db, plan, date!(2024 - 12 - 31)).await;
        let goal = &p.indicators[0];
        // No populations stored: the plain mean of 16, 15 and 15, flagged in the explanation.
        assert_eq!(
            goal.actual.map(|v| (v * 1000.0).round() / 1000.0),
            Some(15.333)
        );
        assert_eq!(goal.records.len(), 3);
        assert!(goal.sources.is_empty());
        // A city figure of its own stands for the city.
        record_share(&db, "4313", 2024, 15.8).await;
        let p = evaluate(&db, plan, date!(2024 - 12 - 31)).await;
        assert_eq!(p.indicators[0].actual, Some(15.8));
        assert_eq!(p.indicators[0].status, Status::Met);
    })
    .await;
}

// "超过15%" over 2021–2025: at the end of 2023 (60% of the way) a city that stood at 12% in
// 2020 should be at 12 + 3 × 0.6 = 13.8%; 13.5% is behind. Without the 2020 figure the path
// would start from 0 (9% expected) and 13.5% would look on track.
#[tokio::test]
async fn a_share_is_on_track_against_the_path_from_the_year_before_the_plan() {
    each_backend(|db| async move {
        let plan = three_counties(&db).await;
        record_share(&db, "4313", 2023, 13.5).await;
        let p = evaluate(&db, plan, date!(2023 - 12 - 31)).await;
        assert_eq!(p.indicators[0].actual, Some(13.5));
        assert_eq!(p.indicators[0].status, Status::OnTrack);

        record_share(&db, "4313", 2020, 12.0).await;
        let p = evaluate(&db, plan, date!(2023 - 12 - 31)).await;
        let goal = &p.indicators[0];
        assert_eq!(goal.actual, Some(13.5), "the baseline is not an actual");
        assert_eq!(goal.status, Status::Behind);
        assert_eq!(
            goal.expected.map(|e| (e * 100.0).round() / 100.0),
            Some(13.8)
        );
        assert!(
            goal.explanation.contains("基线 12%"),
            "{}",
            goal.explanation
        );
    })
    .await;
}
