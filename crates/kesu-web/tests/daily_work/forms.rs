//! Nothing typed is lost: uploads, refused numbers and forms, evidence in older Office formats,
//! error pages inside the layout.

use super::*;

#[tokio::test]
async fn an_upload_keeps_the_text_and_numbers_typed_with_it() {
    kesu_store::testing::each_backend(|db| async move {
        let x = scoped(db).await;
        let report = x.county_reports[A];
        let r = x.w.login(&reporter_of(&x.w, x.county_units[A])).await;
        let token = csrf(&x, &r).await;
        let target = format!("value_{}", x.city_target);
        let doc = include_bytes!("../data/evidence.doc");
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
        let xls = include_bytes!("../data/evidence.xls");
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
        let mut macro_doc = include_bytes!("../data/evidence.doc").to_vec();
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
