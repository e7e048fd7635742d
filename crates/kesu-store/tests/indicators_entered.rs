//! Assessment inputs entered on the pages: done facts and reviewer scores enter the assessment
//! (a file overrides them), a differing score needs a reason, every change is audited, schemes
//! are versioned and may not strand an entered score. SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, reason = "test helpers read fixture files")]

mod indicators_support;
use indicators_support::*;

use kesu_store::assessment::{self, InputKey, Review, SelfScore};

const FIXED: [&str; 6] = [
    "org_leadership",
    "org_study",
    "coordination",
    "funding",
    "publicity",
    "ledger",
];

fn key(county: &str) -> InputKey<'_> {
    InputKey {
        region_code: "4313",
        year: 2024,
        by: indicators::AssessBy::Regions,
        assessed: county,
    }
}

fn review(item: &str, score: Option<f64>, reason: Option<&str>, done: Option<bool>) -> Review {
    Review {
        item: item.into(),
        score,
        reason: reason.map(str::to_string),
        done,
    }
}

/// The office marks every fixed item done for the three counties, as `all_fixed_done` does in
/// a file.
async fn office_marks_fixed_items_done(db: &Db, scheme: &kesu_indicators::Scheme) {
    for c in ["431302", "431321", "431322"] {
        let entries: Vec<Review> = FIXED
            .iter()
            .map(|f| review(f, None, None, Some(true)))
            .collect();
        assessment::set_reviews(db, &key(c), scheme, &entries, &Actor::new("office"))
            .await
            .unwrap();
    }
}

async fn assess_with(
    db: &Db,
    plan: i64,
    scheme: &kesu_indicators::Scheme,
    inputs: &indicators::ExtraInputs,
) -> indicators::AssessmentReport {
    indicators::assess(
        db,
        &indicators::AssessQuery {
            plan_id: plan,
            year: 2024,
            by: indicators::AssessBy::Regions,
            scheme,
            inputs,
            today: date!(2025 - 06 - 01),
            top: 2,
        },
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn stored_done_facts_and_reviewer_scores_enter_the_assessment_and_a_file_overrides_them() {
    each_backend(|db| async move {
        let plan = three_counties(&db).await;
        let scheme = kesu_indicators::Scheme::default_scheme().unwrap();
        office_marks_fixed_items_done(&db, &scheme).await;
        let none = indicators::ExtraInputs::new();
        // The same as the file with every fixed item done (80, 74.67, 74.67).
        let r = assess_with(&db, plan, &scheme, &none).await;
        assert_eq!(
            ranking(&r),
            [
                ("娄星区".to_string(), 80.0, 1),
                ("双峰县".to_string(), 74.67, 2),
                ("新化县".to_string(), 74.67, 2),
            ]
        );
        // The office marks 新化's reporting 6 of 10 (computed 10): 74.67 − 4 = 70.67, third.
        assessment::set_reviews(
            &db,
            &key("431322"),
            &scheme,
            &[review(
                "reporting",
                Some(6.0),
                Some("数据两次退回修改"),
                None,
            )],
            &Actor::new("office"),
        )
        .await
        .unwrap();
        let r = assess_with(&db, plan, &scheme, &none).await;
        assert_eq!(
            ranking(&r),
            [
                ("娄星区".to_string(), 80.0, 1),
                ("双峰县".to_string(), 74.67, 2),
                ("新化县".to_string(), 70.67, 3),
            ]
        );
        let xinhua = r.inputs.iter().find(|a| a.id == "431322").unwrap();
        assert_eq!(
            xinhua.items["reporting"].reviewer_reason.as_deref(),
            Some("数据两次退回修改")
        );
        // A file given to `kesu assess --inputs` takes precedence, field by field.
        let mut file = indicators::ExtraInputs::new();
        file.entry("431322".into()).or_default().insert(
            "reporting".into(),
            kesu_indicators::ItemInput {
                reviewer_score: Some(10.0),
                reviewer_reason: Some("复核后恢复满分".into()),
                ..Default::default()
            },
        );
        let r = assess_with(&db, plan, &scheme, &file).await;
        assert_eq!(r.assessment.results[2].total, 74.67, "{:?}", ranking(&r));
    })
    .await;
}

#[tokio::test]
async fn a_reviewer_score_that_differs_from_the_self_score_needs_a_reason_and_nothing_is_stored() {
    each_backend(|db| async move {
        let scheme = kesu_indicators::Scheme::default_scheme().unwrap();
        assessment::set_self_scores(
            &db,
            &key("431321"),
            &scheme,
            &[SelfScore {
                item: "funding".into(),
                score: Some(10.0),
                note: Some("经费已列入预算".into()),
            }],
            &Actor::new("county"),
        )
        .await
        .unwrap();
        // Agreeing with the self score needs no reason; a different score does, and the whole
        // form is refused (the agreeing line is not stored either).
        let e = assessment::set_reviews(
            &db,
            &key("431321"),
            &scheme,
            &[
                review("funding", Some(10.0), None, Some(true)),
                review("publicity", Some(3.0), None, None),
            ],
            &Actor::new("office"),
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("须填写理由"), "{e}");
        assert!(e.to_string().contains("宣传引导"), "{e}");
        let stored = assessment::inputs_of(&db, &key("431321")).await.unwrap();
        assert_eq!(stored["funding"].reviewer_score, None);
        assert!(!stored.contains_key("publicity"));
        // The agreeing score alone is stored, and scored with "同意自评分" as its reason.
        assessment::set_reviews(
            &db,
            &key("431321"),
            &scheme,
            &[review("funding", Some(10.0), None, Some(true))],
            &Actor::new("office"),
        )
        .await
        .unwrap();
        let rows = assessment::inputs(&db, "4313", 2024, indicators::AssessBy::Regions)
            .await
            .unwrap();
        let extra = assessment::as_extra(&rows);
        let f = &extra["431321"]["funding"];
        assert_eq!(
            (f.self_score, f.reviewer_score, f.done),
            (Some(10.0), Some(10.0), Some(true))
        );
        assert_eq!(f.reviewer_reason.as_deref(), Some("同意自评分"));
        assert_eq!(f.self_reason.as_deref(), Some("经费已列入预算"));
        // Out of range and unknown items are refused by name.
        let e = assessment::set_self_scores(
            &db,
            &key("431321"),
            &scheme,
            &[SelfScore {
                item: "funding".into(),
                score: Some(12.0),
                note: None,
            }],
            &Actor::new("county"),
        )
        .await
        .unwrap_err();
        assert!(
            e.to_string().contains("经费保障") && e.to_string().contains("0 到 10"),
            "{e}"
        );
        let e = assessment::set_self_scores(
            &db,
            &key("431321"),
            &scheme,
            &[SelfScore {
                item: "bonus".into(),
                score: Some(1.0),
                note: None,
            }],
            &Actor::new("county"),
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("bonus"), "{e}");
    })
    .await;
}

#[tokio::test]
async fn every_entered_change_has_an_audit_row_and_an_unchanged_form_adds_none() {
    each_backend(|db| async move {
        let scheme = kesu_indicators::Scheme::default_scheme().unwrap();
        let entry = SelfScore {
            item: "ledger".into(),
            score: Some(4.0),
            note: Some("台账已建立".into()),
        };
        let by = Actor::new("county");
        let n = assessment::set_self_scores(
            &db,
            &key("431302"),
            &scheme,
            std::slice::from_ref(&entry),
            &by,
        )
        .await
        .unwrap();
        assert_eq!(n, 1);
        let n = assessment::set_self_scores(&db, &key("431302"), &scheme, &[entry], &by)
            .await
            .unwrap();
        assert_eq!(n, 0, "nothing changed");
        assessment::set_reviews(
            &db,
            &key("431302"),
            &scheme,
            &[review(
                "ledger",
                Some(3.0),
                Some("部分村未建台账"),
                Some(true),
            )],
            &Actor::new("office"),
        )
        .await
        .unwrap();
        let log = kesu_store::audit::for_object(&db, "assessment_input:4313/2024/431302/ledger")
            .await
            .unwrap();
        let mut actions: Vec<(&str, &str)> = log
            .iter()
            .map(|e| (e.action.as_str(), e.actor.as_str()))
            .collect();
        actions.sort_unstable();
        assert_eq!(
            actions,
            [
                ("assessment.review", "office"),
                ("assessment.self_score", "county")
            ]
        );
        let review_row = log
            .iter()
            .find(|e| e.action == "assessment.review")
            .unwrap();
        assert_eq!(review_row.region_code.as_deref(), Some("431302"));
        assert_eq!(
            review_row.after.as_ref().unwrap()["reviewer_reason"],
            "部分村未建台账"
        );
    })
    .await;
}

#[tokio::test]
async fn a_saved_scheme_is_versioned_audited_and_serves_the_regions_below() {
    each_backend(|db| async move {
        let default = assessment::scheme_for(&db, "431302").await.unwrap();
        assert_eq!((default.version, default.region_code), (0, None));
        let mut s = default.scheme.clone();
        s.items[0].weight = 2.0;
        let by = Actor::new("office");
        assert_eq!(
            assessment::save_scheme(&db, "4313", &s, &by).await.unwrap(),
            1
        );
        s.items[0].points = 8.0;
        assert_eq!(
            assessment::save_scheme(&db, "4313", &s, &by).await.unwrap(),
            2
        );
        let county = assessment::scheme_for(&db, "431302").await.unwrap();
        assert_eq!(county.region_code.as_deref(), Some("4313"));
        assert_eq!(county.version, 2);
        assert_eq!(county.scheme, s);
        let log = kesu_store::audit::for_object(&db, "assessment_scheme:4313")
            .await
            .unwrap();
        assert_eq!(log.len(), 2);
        let second = log
            .iter()
            .find(|e| e.after.as_ref().unwrap()["version"] == 2)
            .unwrap();
        assert_eq!(second.before.as_ref().unwrap()["version"], 1);
        // Another city still has the default.
        assert_eq!(
            assessment::scheme_for(&db, "4312").await.unwrap().version,
            0
        );
    })
    .await;
}

#[tokio::test]
async fn a_scheme_that_would_leave_an_entered_score_out_of_range_is_refused_and_not_stored() {
    each_backend(|db| async move {
        let mut s = kesu_indicators::Scheme::default_scheme().unwrap();
        assessment::set_self_scores(
            &db,
            &key("431322"),
            &s,
            &[SelfScore {
                item: "funding".into(),
                score: Some(9.0),
                note: None,
            }],
            &Actor::new("county"),
        )
        .await
        .unwrap();
        s.items
            .iter_mut()
            .find(|i| i.id == "funding")
            .unwrap()
            .points = 5.0;
        let e = assessment::save_scheme(&db, "4313", &s, &Actor::new("office"))
            .await
            .unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("funding") && m.contains("431322") && m.contains("自评分"),
            "{m}"
        );
        assert!(assessment::own_scheme(&db, "4313").await.unwrap().is_none());
        // A negative weight is refused by the item's name.
        let mut s = kesu_indicators::Scheme::default_scheme().unwrap();
        s.items[1].weight = -1.0;
        let e = assessment::save_scheme(&db, "4313", &s, &Actor::new("office"))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("weight"), "{e}");
        assert!(
            kesu_store::audit::for_object(&db, "assessment_scheme:4313")
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}
