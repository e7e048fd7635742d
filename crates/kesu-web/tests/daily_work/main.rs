//! The daily work of issue 17, through the real router on a real database (both backends):
//! review belongs to the round's office (and 县级初审 when a round asks for it), nothing typed
//! is lost to an upload or a refusal, errors answer inside the layout next to their field,
//! work lists lead to what needs doing, 催报 goes by unit, and the annual report's late list
//! agrees with the round pages.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test fixtures: a failed set-up fails the test"
)]

#[path = "../common/mod.rs"]
mod common;
mod forms;
mod lists;

use axum::http::StatusCode;
use common::routes::{csrf, send};
use common::scope::{Scoped, reporter_of, scoped};
use common::{A, B, CITY};
use kesu_core::report::{Period, Transition};
use kesu_store::Actor;
use kesu_store::reporting::{self, NewRound, ReportChange, RoundOptions};

async fn post_form(x: &Scoped, cookie: &str, path: &str, fields: &str) -> (StatusCode, String) {
    let ct = Some("application/x-www-form-urlencoded".to_string());
    let (s, loc, body, _) = send(x, Some(cookie), "POST", path, ct, fields.into()).await;
    (
        s,
        loc.unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned()),
    )
}

/// A multipart form: text fields and at most one file.
async fn post_multipart(
    x: &Scoped,
    cookie: &str,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> (StatusCode, String) {
    let b = "kesuDAILY";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    let ct = Some(format!("multipart/form-data; boundary={b}"));
    let (s, loc, body, _) = send(x, Some(cookie), "POST", path, ct, body).await;
    (
        s,
        loc.unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned()),
    )
}

/// Submit report `id` as its unit would (through the store, as of the world's clock).
async fn submit(x: &Scoped, id: i64) {
    let s = reporting::slot(&x.w.db, id).await.unwrap();
    reporting::change(
        &x.w.db,
        id,
        Transition::Submit,
        &ReportChange {
            expected_version: s.version,
            content: Some("本季度开展科技竞赛 3 场。".into()),
            ..Default::default()
        },
        x.w.state.now(),
        &Actor::new("unit"),
    )
    .await
    .unwrap();
}

/// A second city round (2025Q2) on the city plan, asking for 县级初审; its county reports.
async fn checked_round(x: &Scoped) -> (i64, i64, i64) {
    let id = reporting::open_round_with(
        &x.w.db,
        &NewRound {
            plan_id: x.city_plan,
            period: Period::parse("2025Q2").unwrap(),
            due: time::macros::date!(2025 - 04 - 20),
            lock: time::macros::date!(2025 - 05 - 30),
            demo: false,
        },
        RoundOptions { county_check: true },
        &Actor::new("office"),
    )
    .await
    .unwrap();
    let slots = reporting::slots(&x.w.db, id).await.unwrap();
    let of = |c: &str| slots.iter().find(|s| s.region_code == c).unwrap().id;
    (id, of(A), of(B))
}

/// The version of report `id` now.
async fn version(x: &Scoped, id: i64) -> i64 {
    reporting::slot(&x.w.db, id).await.unwrap().version
}

fn state_of(html: &str) -> String {
    let i = html.find("id=\"report-state\">").unwrap() + "id=\"report-state\">".len();
    html[i..].split('<').next().unwrap().to_string()
}

#[tokio::test]
async fn a_county_office_follows_its_county_in_a_city_round_but_cannot_decide_on_it() {
    kesu_store::testing::each_backend(|db| async move {
        let x = scoped(db).await;
        let report = x.county_reports[A];
        submit(&x, report).await;
        let a = x.w.login("a_admin").await;
        // 本区填报情况: the round opens, with its county's report only.
        let (s, html) = x.w.page(&a, &format!("/rounds/{}", x.city_round)).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("本区填报情况"), "{html}");
        assert!(html.contains(&format!("/reports/{report}")));
        assert!(!html.contains(&format!("/reports/{}", x.county_reports[B])));
        // It reads the report, and gets no review form.
        let (s, html) = x.w.page(&a, &format!("/reports/{report}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(!html.contains("id=\"review\""), "no review for the county");
        // Accepting anyway is refused, on the page and through the API.
        let token = csrf(&x, &a).await;
        let (s, _) = post_form(
            &x,
            &a,
            &format!("/reports/{report}/review"),
            &format!("_csrf={token}&version=1&action=accept"),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) =
            x.w.call(
                &a,
                "POST",
                &format!("/api/v1/reports/{report}/accept"),
                Some(serde_json::json!({"version": 1})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(
            reporting::slot(&x.w.db, report).await.unwrap().state,
            "submitted"
        );
        // The city office accepts it.
        let city = x.w.login("city_admin").await;
        let (s, _) =
            x.w.call(
                &city,
                "POST",
                &format!("/api/v1/reports/{report}/accept"),
                Some(serde_json::json!({"version": 1})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn with_a_county_check_the_county_passes_up_and_the_city_decides_both_in_the_history() {
    kesu_store::testing::each_backend(|db| async move {
        let x = scoped(db).await;
        let (_, report, _) = checked_round(&x).await;
        submit(&x, report).await;
        // The county office is told, and the city waits.
        let a_admin = kesu_store::accounts::user_by_name(&x.w.db, "a_admin")
            .await
            .unwrap()
            .unwrap();
        let notes = reporting::notifications(&x.w.db, a_admin.id, 20)
            .await
            .unwrap();
        assert!(
            notes.iter().any(|n| n.kind == "report_submitted"),
            "{notes:?}"
        );
        let city = x.w.login("city_admin").await;
        let (s, v) =
            x.w.call(
                &city,
                "POST",
                &format!("/api/v1/reports/{report}/accept"),
                Some(serde_json::json!({"version": 1})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert!(v.to_string().contains("县级初审"), "{v}");
        // The county checks: its page offers 初审通过, not 通过.
        let a = x.w.login("a_admin").await;
        let (_, html) = x.w.page(&a, &format!("/reports/{report}")).await;
        assert!(html.contains("value=\"forward\"") && !html.contains("value=\"accept\""));
        let token = csrf(&x, &a).await;
        let (s, loc) = post_form(
            &x,
            &a,
            &format!("/reports/{report}/review"),
            &format!("_csrf={token}&version=1&action=forward&reason=%E5%B7%B2%E6%A0%B8"),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{loc}");
        // The county cannot accept in the city's name.
        let (s, _) = post_form(
            &x,
            &a,
            &format!("/reports/{report}/review"),
            &format!("_csrf={token}&version=2&action=accept"),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // The city accepts what was passed up.
        let (s, v) =
            x.w.call(
                &city,
                "POST",
                &format!("/api/v1/reports/{report}/accept"),
                Some(serde_json::json!({"version": 2})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let steps: Vec<(String, String)> = v["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["action"].as_str().unwrap().to_string(),
                    e["actor"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            steps[1..],
            [
                ("forward".to_string(), "a_admin".to_string()),
                ("accept".to_string(), "city_admin".to_string())
            ]
        );
        let (_, html) = x.w.page(&city, &format!("/reports/{report}")).await;
        assert!(html.contains("县级初审通过（已提交 → 已初审）"), "{html}");
    })
    .await;
}

#[tokio::test]
async fn a_county_does_not_check_another_countys_report() {
    kesu_store::testing::each_backend(|db| async move {
        let x = scoped(db).await;
        let (_, _, b_report) = checked_round(&x).await;
        submit(&x, b_report).await;
        let a = x.w.login("a_admin").await;
        let token = csrf(&x, &a).await;
        let (s, _) = post_form(
            &x,
            &a,
            &format!("/reports/{b_report}/review"),
            &format!("_csrf={token}&version=1&action=forward"),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // Its own office passes it up through the API.
        let b = x.w.login("b_admin").await;
        let (s, v) =
            x.w.call(
                &b,
                "POST",
                &format!("/api/v1/reports/{b_report}/forward"),
                Some(serde_json::json!({"version": 1})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["report"]["state"], "prereviewed");
    })
    .await;
}
