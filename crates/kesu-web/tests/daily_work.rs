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

mod common;

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

#[tokio::test]
async fn an_upload_keeps_the_text_and_numbers_typed_with_it() {
    kesu_store::testing::each_backend(|db| async move {
        let x = scoped(db).await;
        let report = x.county_reports[A];
        let r = x.w.login(&reporter_of(&x.w, x.county_units[A])).await;
        let token = csrf(&x, &r).await;
        let target = format!("value_{}", x.city_target);
        let doc = include_bytes!("data/evidence.doc");
        let (s, loc) = post_multipart(
            &x,
            &r,
            &format!("/reports/{report}"),
            &[
                ("_csrf", &token),
                ("version", "0"),
                ("content", "组织科技竞赛 4 场，参赛学生 560 人次。"),
                (&target, "4"),
                ("action", "attach"),
            ],
            Some(("签到表.doc", doc)),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{loc}");
        let (_, html) = x.w.page(&r, &format!("/reports/{report}")).await;
        assert!(html.contains("组织科技竞赛 4 场，参赛学生 560 人次。"));
        assert!(
            html.contains(&format!(
                "name=\"{target}\" inputmode=\"decimal\" value=\"4\""
            )),
            "{html}"
        );
        assert!(html.contains("签到表.doc"));
        let history = reporting::history(&x.w.db, report).await.unwrap();
        let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["save", "attach"]);
        // Removing it while a draft is a button of the same form: the text goes with it.
        let aid = reporting::attachments(&x.w.db, report).await.unwrap()[0].id;
        let (s, _) = post_multipart(
            &x,
            &r,
            &format!("/reports/{report}"),
            &[
                ("_csrf", &token),
                ("version", "2"),
                ("content", "组织科技竞赛 5 场。"),
                (&target, "5"),
                ("detach", &aid.to_string()),
            ],
            None,
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert!(
            reporting::attachments(&x.w.db, report)
                .await
                .unwrap()
                .is_empty()
        );
        let (content, _) = reporting::content(&x.w.db, report).await.unwrap();
        assert_eq!(content, "组织科技竞赛 5 场。");
    })
    .await;
}

#[tokio::test]
async fn a_number_with_words_in_it_comes_back_with_the_message_beside_its_box_and_nothing_stored() {
    kesu_store::testing::each_backend(|db| async move {
        let x = scoped(db).await;
        let report = x.county_reports[A];
        let r = x.w.login(&reporter_of(&x.w, x.county_units[A])).await;
        let token = csrf(&x, &r).await;
        let target = format!("value_{}", x.city_target);
        let (s, html) = post_multipart(
            &x,
            &r,
            &format!("/reports/{report}"),
            &[
                ("_csrf", &token),
                ("version", "0"),
                ("content", "组织科技竞赛，参赛 120 名学生。"),
                (&target, "120名"),
                ("action", "save"),
            ],
            Some(("照片.pdf", b"%PDF-1.4 photo")),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("<nav>"), "inside the layout");
        assert!(
            html.contains("组织科技竞赛，参赛 120 名学生。"),
            "the text as typed"
        );
        assert!(html.contains("value=\"120名\""), "the box as typed");
        let beside = html
            .find(&format!("id=\"error-{}\"", x.city_target))
            .unwrap();
        assert!(
            html[beside..].starts_with(&format!("id=\"error-{}\">“120名”不是数字", x.city_target))
        );
        assert!(
            html.contains("照片.pdf") && html.contains("重新选择"),
            "the file is named"
        );
        assert!(!html.contains("(not"), "Chinese only");
        assert_eq!(reporting::slot(&x.w.db, report).await.unwrap().version, 0);
    })
    .await;
}

#[tokio::test]
async fn a_word_97_file_is_taken_and_one_with_macros_is_refused_by_name() {
    kesu_store::testing::each_backend(|db| async move {
        let x = scoped(db).await;
        let report = x.county_reports[A];
        let r = x.w.login(&reporter_of(&x.w, x.county_units[A])).await;
        let token = csrf(&x, &r).await;
        let xls = include_bytes!("data/evidence.xls");
        let (s, _) = post_multipart(
            &x,
            &r,
            &format!("/reports/{report}"),
            &[("_csrf", &token), ("version", "0"), ("action", "attach")],
            Some(("台账.et", xls)),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let a = reporting::attachments(&x.w.db, report).await.unwrap();
        assert_eq!(a[0].mime, "application/vnd.ms-excel");
        // The same Word file with a macro storage added to its directory.
        let mut macro_doc = include_bytes!("data/evidence.doc").to_vec();
        let v = reporting::slot(&x.w.db, report).await.unwrap().version;
        let at = second_entry(&macro_doc);
        macro_doc[at..at + 64].fill(0);
        let name: Vec<u8> = "Macros".encode_utf16().flat_map(u16::to_le_bytes).collect();
        macro_doc[at..at + name.len()].copy_from_slice(&name);
        macro_doc[at + 64..at + 66].copy_from_slice(&14u16.to_le_bytes());
        let (s, html) = post_multipart(
            &x,
            &r,
            &format!("/reports/{report}"),
            &[
                ("_csrf", &token),
                ("version", &v.to_string()),
                ("content", "内容不丢"),
                ("action", "attach"),
            ],
            Some(("宏.doc", &macro_doc)),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("宏.doc") && html.contains("含有宏"), "{html}");
        assert!(html.contains("内容不丢"));
        assert_eq!(
            reporting::attachments(&x.w.db, report).await.unwrap().len(),
            1
        );
    })
    .await;
}

/// Where the directory entry after the root starts in a compound file (renamed by the test).
fn second_entry(b: &[u8]) -> usize {
    let size = 1usize << u16::from_le_bytes([b[30], b[31]]);
    let first = u32::from_le_bytes(b[48..52].try_into().unwrap()) as usize;
    size * (first + 1) + 128
}

#[tokio::test]
async fn a_refused_round_form_comes_back_with_the_menu_the_message_and_the_values() {
    kesu_store::testing::each_backend(|db| async move {
        let x = scoped(db).await;
        let a = x.w.login("a_admin").await;
        let token = csrf(&x, &a).await;
        let plan = x.w.plans[A];
        let form = |period: &str, due: &str, lock: &str| {
            format!(
                "_csrf={token}&plan_id={plan}&period={}&due={due}&lock={lock}",
                urlencode(period)
            )
        };
        let (s, html) = post_form(
            &x,
            &a,
            "/rounds",
            &form("27年一季度", "2027-03-31", "2027-04-30"),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            html.contains("<nav>") && html.contains("viewport"),
            "inside the layout"
        );
        assert!(
            html.contains("id=\"period-error\">无法识别填报期间“27年一季度”"),
            "{html}"
        );
        assert!(html.contains("value=\"27年一季度\"") && html.contains("value=\"2027-03-31\""));
        let (s, html) = post_form(
            &x,
            &a,
            "/rounds",
            &form("2027年第一季度", "2027-03-31", "2027-03-01"),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            html.contains("id=\"lock-error\">锁定日期（2027-03-01）不能早于截止日期"),
            "{html}"
        );
        let (s, html) = post_form(
            &x,
            &a,
            "/rounds",
            &form("2025年第一季度", "2025-04-15", "2025-04-30"),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            html.contains("id=\"period-error\">该方案已有2025年第一季度的填报轮次"),
            "{html}"
        );
        assert!(!html.contains("(a round"), "Chinese only");
        // Nothing was opened.
        assert_eq!(
            kesu_store::reporting::rounds_in(&x.w.db, A)
                .await
                .unwrap()
                .len(),
            1
        );
    })
    .await;
}

fn urlencode(s: &str) -> String {
    kesu_web::pages::percent_encode(s)
}

#[tokio::test]
async fn a_return_without_a_reason_comes_back_with_the_message_beside_the_reason() {
    kesu_store::testing::each_backend(|db| async move {
        let x = scoped(db).await;
        let lead = common::scope::lead_report(&x.w, A, 0).await;
        submit(&x, lead.id).await;
        let r = x.w.login("a_reviewer").await;
        let token = csrf(&x, &r).await;
        let (s, html) = post_form(
            &x,
            &r,
            &format!("/reports/{}/review", lead.id),
            &format!("_csrf={token}&version=1&action=return&reason="),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            html.contains("id=\"review-error\" role=\"alert\">退回必须填写原因"),
            "{html}"
        );
        assert_eq!(state_of(&html), "已提交");
    })
    .await;
}

#[tokio::test]
async fn error_pages_are_inside_the_layout_with_a_back_link_that_needs_no_script() {
    kesu_store::testing::each_backend(|db| async move {
        let x = scoped(db).await;
        let r = x.w.login(&reporter_of(&x.w, x.county_units[A])).await;
        for (path, status) in [
            ("/no/such/page", StatusCode::NOT_FOUND),
            (
                &*format!("/reports/{}", x.county_reports[B]),
                StatusCode::NOT_FOUND,
            ),
            ("/review", StatusCode::FORBIDDEN),
        ] {
            let (s, html) = x.w.page(&r, path).await;
            assert_eq!(s, status, "{path}");
            assert!(
                html.contains("<nav>") && html.contains("退出"),
                "{path}: the menu"
            );
            assert!(html.contains("name=\"viewport\""), "{path}: phone-sized");
            assert!(
                html.contains("href=\"/\" data-back>返回上一页"),
                "{path}: {html}"
            );
            assert!(
                !html.contains("javascript:") && !html.contains("<script>"),
                "{path}"
            );
            assert!(!html.contains("(not"), "{path}: Chinese only");
        }
    })
    .await;
}

#[tokio::test]
async fn after_a_review_the_reviewer_sees_the_outcome_and_the_next_report_waiting() {
    kesu_store::testing::each_backend(|db| async move {
        let x = scoped(db).await;
        let first = common::scope::lead_report(&x.w, A, 0).await;
        let second = common::scope::lead_report(&x.w, A, 1).await;
        submit(&x, first.id).await;
        submit(&x, second.id).await;
        let r = x.w.login("a_reviewer").await;
        let token = csrf(&x, &r).await;
        let (s, loc) = post_form(
            &x,
            &r,
            &format!("/reports/{}/review", first.id),
            &format!(
                "_csrf={token}&version={}&action=accept",
                version(&x, first.id).await
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{loc}");
        assert!(
            loc.starts_with(&format!("/reports/{}?msg=", first.id)),
            "{loc}"
        );
        let (_, html) = x.w.page(&r, &format!("/reports/{}", first.id)).await;
        assert_eq!(state_of(&html), "已通过");
        assert!(
            html.contains(&format!(
                "href=\"/reports/{}#review\">下一份待审核 ›",
                second.id
            )),
            "{html}"
        );
        let (s, _) = post_form(
            &x,
            &r,
            &format!("/reports/{}/review", second.id),
            &format!(
                "_csrf={token}&version={}&action=return&reason=%E8%A1%A5%E5%85%85",
                version(&x, second.id).await
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (_, html) = x.w.page(&r, &format!("/reports/{}", second.id)).await;
        assert!(html.contains("本轮已没有等待您审核的报告"), "{html}");
    })
    .await;
}

#[tokio::test]
async fn a_submission_and_a_resubmission_are_news_for_the_office() {
    kesu_store::testing::each_backend(|db| async move {
        let x = scoped(db).await;
        let lead = common::scope::lead_report(&x.w, A, 0).await;
        submit(&x, lead.id).await;
        let reviewer = kesu_store::accounts::user_by_name(&x.w.db, "a_reviewer")
            .await
            .unwrap()
            .unwrap();
        let kinds =
            |n: Vec<reporting::Notification>| n.into_iter().map(|n| n.kind).collect::<Vec<_>>();
        let notes = kinds(
            reporting::notifications(&x.w.db, reviewer.id, 10)
                .await
                .unwrap(),
        );
        assert_eq!(notes, ["report_submitted"]);
        let r = x.w.login("a_reviewer").await;
        let version = reporting::slot(&x.w.db, lead.id).await.unwrap().version;
        let (s, v) =
            x.w.call(
                &r,
                "POST",
                &format!("/api/v1/reports/{}/return", lead.id),
                Some(serde_json::json!({"version": version, "reason": "缺照片"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        submit(&x, lead.id).await;
        let notes = kinds(
            reporting::notifications(&x.w.db, reviewer.id, 10)
                .await
                .unwrap(),
        );
        assert_eq!(notes, ["report_resubmitted", "report_submitted"]);
        // The other county's office hears nothing.
        let other = kesu_store::accounts::user_by_name(&x.w.db, "b_reviewer")
            .await
            .unwrap()
            .unwrap();
        assert!(
            reporting::notifications(&x.w.db, other.id, 10)
                .await
                .unwrap()
                .is_empty()
        );
        // On the office's 工作台: 待审核 1, a link to the queue.
        let (_, html) = x.w.page(&r, "/").await;
        assert!(
            html.contains("id=\"todo-pending\" href=\"/review\">待审核<b>1</b>"),
            "{html}"
        );
    })
    .await;
}

#[tokio::test]
async fn the_round_office_moves_dates_and_closes_a_round_and_units_stop_writing() {
    kesu_store::testing::each_backend(|db| async move {
        let x = scoped(db).await;
        let round = x.w.rounds[A];
        let a = x.w.login("a_admin").await;
        let token = csrf(&x, &a).await;
        let (s, html) = post_form(
            &x,
            &a,
            &format!("/rounds/{round}/dates"),
            &format!("_csrf={token}&due=2025-05-15&lock=2025-05-01"),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            html.contains("锁定日期（2025-05-01）不能早于截止日期")
                && html.contains("value=\"2025-05-15\"")
        );
        let (s, _) = post_form(
            &x,
            &a,
            &format!("/rounds/{round}/dates"),
            &format!("_csrf={token}&due=2025-05-15&lock=2025-05-31"),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let r = reporting::round(&x.w.db, round).await.unwrap();
        assert_eq!(r.due_date, time::macros::date!(2025 - 05 - 15));
        let (s, _) = post_form(
            &x,
            &a,
            &format!("/rounds/{round}/close"),
            &format!("_csrf={token}&action=close"),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let lead = common::scope::lead_report(&x.w, A, 0).await;
        let u = x.w.login(&reporter_of(&x.w, lead.unit_id)).await;
        let (s, v) =
            x.w.call(
                &u,
                "POST",
                &format!("/api/v1/reports/{}/submit", lead.id),
                Some(serde_json::json!({"version": 0, "content": "迟到的报告"})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert!(v.to_string().contains("已关闭"));
        // A county office that follows a city round does not administer it.
        let (s, _) = post_form(
            &x,
            &a,
            &format!("/rounds/{}/close", x.city_round),
            &format!("_csrf={token}&action=close"),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    })
    .await;
}

#[tokio::test]
async fn chasing_goes_by_unit_with_its_contact_before_and_after_the_deadline() {
    kesu_store::testing::each_backend(|db| async move {
        let x = scoped(db).await;
        let round = x.w.rounds[A];
        let lead = common::scope::lead_report(&x.w, A, 0).await;
        kesu_store::units::set_contact(
            &x.w.db,
            lead.unit_id,
            Some("王主任"),
            Some("0738-8312345"),
            &Actor::new("t"),
        )
        .await
        .unwrap();
        let a = x.w.login("a_admin").await;
        // Before the due date: nothing overdue, every unit still open listed once.
        let (s, html) = x.w.page(&a, &format!("/rounds/{round}/chase")).await;
        assert_eq!(s, StatusCode::OK);
        let units: std::collections::BTreeSet<i64> =
            x.w.slots(A).await.iter().map(|s| s.unit_id).collect();
        assert_eq!(html.matches("<tr id=\"unit-").count(), units.len());
        assert!(html.contains("王主任") && html.contains("0738-8312345"));
        assert!(html.contains("尚未截止"));
        // After it: the same units, each with its overdue count.
        let mut late = x.w.state.clone();
        late.clock = std::sync::Arc::new(Some(time::macros::datetime!(2025-04-20 02:00 UTC)));
        let res = page_with(&late, &format!("/rounds/{round}/chase"), &a).await;
        assert!(res.contains("逾期单位"), "{res}");
        let tasks =
            x.w.slots(A)
                .await
                .iter()
                .filter(|s| s.unit_id == lead.unit_id)
                .count();
        let row = &res[res
            .find(&format!("<tr id=\"unit-{}\"", lead.unit_id))
            .unwrap()..];
        assert!(
            row.contains(&format!("class=\"num error\">{tasks}</td>")),
            "{row}"
        );
        // The workbook: one row per unit, with the contact.
        let (_, _, xlsx, ct) = send(
            &x,
            Some(&a),
            "GET",
            &format!("/rounds/{round}/late.xlsx"),
            None,
            Vec::new(),
        )
        .await;
        assert!(ct.unwrap().contains("spreadsheetml"));
        let rows = read_sheet(xlsx);
        assert_eq!(
            rows.len(),
            units.len() + 1 + 2,
            "a header, one row per unit, a note: {rows:?}"
        );
        assert!(rows.iter().any(|r| r.contains(&"0738-8312345".to_string())));
    })
    .await;
}

fn read_sheet(bytes: Vec<u8>) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

/// A page as `cookie`'s user sees it through a server with `state` (another clock).
async fn page_with(state: &kesu_web::AppState, path: &str, cookie: &str) -> String {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let req = axum::http::Request::get(path)
        .header(axum::http::header::COOKIE, cookie)
        .body(axum::body::Body::empty())
        .unwrap();
    let res = kesu_web::router(state.clone()).oneshot(req).await.unwrap();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The number in the annual report's row of round `id` (`class` late or returned).
fn annual_count(html: &str, id: i64, class: &str) -> usize {
    let Some(at) = html.find(&format!("<tr data-round=\"{id}\">")) else {
        return 0;
    };
    let row = &html[at..html[at..].find("</tr>").unwrap() + at];
    let cell = &row[row.find(&format!("class=\"num {class}\">")).unwrap()
        + format!("class=\"num {class}\">").len()..];
    cell.split('<').next().unwrap().parse().unwrap()
}

/// A count of the round page's bar (`label` 逾期 or 已退回).
fn round_count(html: &str, label: &str) -> usize {
    let at = html.find(&format!("{label}<b>")).unwrap() + format!("{label}<b>").len();
    html[at..].split('<').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_annual_reports_late_and_returned_numbers_are_the_round_pages() {
    kesu_store::testing::each_backend(|db| async move {
        let x = scoped(db).await;
        // Some handed in, one returned, the rest left open; then past the due date.
        let lead = common::scope::lead_report(&x.w, A, 0).await;
        submit(&x, lead.id).await;
        submit(&x, x.county_reports[A]).await;
        reporting::change(
            &x.w.db,
            x.county_reports[A],
            Transition::Return,
            &ReportChange {
                expected_version: 1,
                reason: Some("缺签到表".into()),
                ..Default::default()
            },
            x.w.state.now(),
            &Actor::new("office"),
        )
        .await
        .unwrap();
        let mut later = x.w.state.clone();
        later.clock = std::sync::Arc::new(Some(time::macros::datetime!(2025-04-20 02:00 UTC)));
        let city = x.w.login("city_admin").await;
        let annual = page_with(
            &later,
            &format!("/dashboard/regions/{CITY}/annual.html?year=2025"),
            &city,
        )
        .await;
        let mut compared = 0;
        for round in [x.w.rounds[A], x.w.rounds[B], x.city_round] {
            let page = page_with(&later, &format!("/rounds/{round}"), &city).await;
            assert_eq!(
                annual_count(&annual, round, "late"),
                round_count(&page, "逾期"),
                "round {round}"
            );
            assert_eq!(
                annual_count(&annual, round, "returned"),
                round_count(&page, "已退回"),
                "round {round}"
            );
            compared += round_count(&page, "逾期");
        }
        assert!(compared > 0, "there were late reports to compare");
    })
    .await;
}

#[tokio::test]
async fn a_reporters_returned_report_is_the_first_thing_on_its_workbench() {
    kesu_store::testing::each_backend(|db| async move {
        let x = scoped(db).await;
        let lead = common::scope::lead_report(&x.w, A, 1).await;
        submit(&x, lead.id).await;
        reporting::change(
            &x.w.db,
            lead.id,
            Transition::Return,
            &ReportChange {
                expected_version: 1,
                reason: Some("请补充照片".into()),
                ..Default::default()
            },
            x.w.state.now(),
            &Actor::new("office"),
        )
        .await
        .unwrap();
        let r = x.w.login(&reporter_of(&x.w, lead.unit_id)).await;
        let (_, html) = x.w.page(&r, "/").await;
        let first_card = html.find("class=\"task-card").unwrap();
        assert!(
            html[first_card..].starts_with(&format!(
                "class=\"task-card returned\" href=\"/reports/{}\"",
                lead.id
            )),
            "{}",
            &html[first_card..first_card + 200]
        );
        // Filters: only what was handed in.
        let (_, html) = x.w.page(&r, "/?show=returned").await;
        assert_eq!(html.matches("class=\"task-card").count(), 1);
    })
    .await;
}

#[tokio::test]
async fn the_audit_log_is_paged_and_speaks_chinese() {
    kesu_store::testing::each_backend(|db| async move {
        let x = scoped(db).await;
        for report in [x.county_reports[A]] {
            submit(&x, report).await;
        }
        let lead = common::scope::lead_report(&x.w, A, 0).await;
        for _ in 0..30 {
            let v = reporting::slot(&x.w.db, lead.id).await.unwrap().version;
            reporting::change(
                &x.w.db,
                lead.id,
                Transition::Save,
                &ReportChange {
                    expected_version: v,
                    content: Some(format!("第 {v} 稿")),
                    ..Default::default()
                },
                x.w.state.now(),
                &Actor::new("unit"),
            )
            .await
            .unwrap();
        }
        let a = x.w.login("city_admin").await;
        let (_, html) = x.w.page(&a, "/audit").await;
        let log = &html[html.find("id=\"audit\"").unwrap()..html.find("id=\"pager\"").unwrap()];
        assert_eq!(log.matches("<td data-label=\"时间\">").count(), 50);
        assert!(html.contains("rel=\"next\""));
        assert!(html.contains("报告：保存草稿") && html.contains("报告：提交"));
        assert!(!html.contains(">report.save<"));
        // A save shows only the text that changed, old and new.
        assert!(html.contains("<span class=\"f\">填报内容</span> <span class=\"old\">第 28 稿</span> → <span class=\"new\">第 29 稿</span>"), "{html}");
        let (_, second) = x.w.page(&a, "/audit?page=2").await;
        assert!(second.contains("rel=\"prev\""));
        let (_, only) = x.w.page(&a, "/audit?action=report.submit").await;
        assert!(!only.contains("报告：保存草稿</td>"));
    })
    .await;
}

#[tokio::test]
async fn the_leaders_summary_gives_the_literacy_share_with_its_interval() {
    kesu_store::testing::each_backend(|db| async move {
        let x = scoped(db).await;
        // County A has a survey wave: 15%, interval 13%–17%.
        let v = x.w.login("a_viewer").await;
        let (s, html) = x.w.page(&v, "/").await;
        assert_eq!(s, StatusCode::OK);
        let summary = &html[html.find("id=\"summary\"").unwrap()..];
        assert!(summary.contains("<b class=\"big\">15%</b>"), "{summary}");
        assert!(summary.contains("95%置信区间 13%–17%"), "{summary}");
        assert!(
            summary.contains("报送率") && summary.contains("（0/"),
            "{summary}"
        );
        assert!(
            !html.contains("id=\"todos\""),
            "a leader has no review to-do"
        );
    })
    .await;
}
