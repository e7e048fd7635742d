//! Work lists and what follows a review: news for the office, dates and closing, 催报 by
//! unit, the annual report's numbers, the workbench, the audit log, the leader's summary.

use super::*;

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
