//! Integrity of what the office and the public read (issue 10): a lead's acceptance changes its
//! cooperating units' reports only through the transition and the scope check; evidence files
//! obey the version and the lock date; reading notifications writes nothing; the audit log of a
//! county holds nothing about other regions' accounts; the public report holds exactly what the
//! office chose to publish.
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
use kesu_core::report::Transition;
use kesu_store::reporting::{self, ReportChange};
use kesu_store::{Actor, audit};
use serde_json::{Value, json};

/// A city plan whose task is led by a city department and done by every county.
const LED_PLAN: &str = "娄底市科普行动计划（2025年）\n\
     一、提升行动\n\
     （一）青少年科学素质提升行动\n\
     1.组织中小学生参加科技竞赛活动，累计不少于100场次。（市教育局牵头）\n";

async fn post_form(x: &Scoped, cookie: &str, path: &str, fields: &str) -> (StatusCode, String) {
    let ct = Some("application/x-www-form-urlencoded".to_string());
    let (s, loc, body, _) = send(x, Some(cookie), "POST", path, ct, fields.into()).await;
    (
        s,
        loc.unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned()),
    )
}

async fn api(
    x: &Scoped,
    cookie: &str,
    method: &str,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    x.w.call(cookie, method, path, Some(body)).await
}

/// A multipart upload of one file with the version the tab saw.
async fn upload(x: &Scoped, cookie: &str, path: &str, version: i64, csrf: &str) -> StatusCode {
    let b = "kesuINTEGRITY";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"version\"\r\n\r\n{version}\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"照片.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n%PDF-1.4 photo\r\n--{b}--\r\n"
    );
    let ct = Some(format!("multipart/form-data; boundary={b}"));
    send(x, Some(cookie), "POST", path, ct, body.into_bytes())
        .await
        .0
}

async fn change(x: &Scoped, id: i64, t: Transition, content: &str) {
    let s = reporting::slot(&x.w.db, id).await.unwrap();
    let ch = ReportChange {
        expected_version: s.version,
        content: Some(content.into()),
        ..Default::default()
    };
    reporting::change(&x.w.db, id, t, &ch, x.w.state.now(), &Actor::new("t"))
        .await
        .unwrap();
}

#[tokio::test]
async fn accepting_a_lead_report_accepts_each_input_with_its_own_history_and_audit_row() {
    kesu_store::testing::each_backend(|db| async move {
        let x = scoped(db).await;
        let (_, _, round) = common::scope::city_plan_for_counties(&x.w, LED_PLAN).await;
        let slots = reporting::slots(&x.w.db, round).await.unwrap();
        let lead = slots.iter().find(|s| s.role == "lead").unwrap().clone();
        let inputs: Vec<_> = slots
            .iter()
            .filter(|s| s.region_code == A || s.region_code == B)
            .cloned()
            .collect();
        assert_eq!(inputs.len(), 2);
        for s in &inputs {
            change(&x, s.id, Transition::Submit, "县级材料").await;
        }
        change(&x, lead.id, Transition::Submit, "全市汇总").await;
        let lead_v = reporting::slot(&x.w.db, lead.id).await.unwrap().version;
        // A county's reviewer may not accept the city's report (it cannot even see it).
        let a = x.w.login("a_reviewer").await;
        let path = format!("/api/v1/reports/{}/accept", lead.id);
        let (s, _) = api(&x, &a, "POST", &path, json!({"version": lead_v})).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // The city's admin accepts it: each county's input is accepted in its own right.
        let c = x.w.login("city_admin").await;
        let (s, v) = api(&x, &c, "POST", &path, json!({"version": lead_v})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        for input in &inputs {
            let (_, v) = api(
                &x,
                &c,
                "GET",
                &format!("/api/v1/reports/{}", input.id),
                json!({}),
            )
            .await;
            assert_eq!(v["report"]["state"], "accepted", "{v}");
            let last = v["history"].as_array().unwrap().last().unwrap().clone();
            assert_eq!(
                (last["action"].as_str(), last["actor"].as_str()),
                (Some("accept"), Some("city_admin"))
            );
            let rows = audit::for_object(&x.w.db, &format!("report:{}", input.id))
                .await
                .unwrap();
            let row = rows.last().unwrap();
            assert_eq!(row.action, "report.accept");
            assert_eq!(row.region_code.as_deref(), Some(input.region_code.as_str()));
            // Its unit is told, as for any acceptance.
            let county = reporter_of(&x.w, input.unit_id);
            let user = kesu_store::accounts::user_by_name(&x.w.db, &county)
                .await
                .unwrap()
                .unwrap();
            let notes = reporting::notifications(&x.w.db, user.id, 50)
                .await
                .unwrap();
            assert!(
                notes.iter().any(|n| n.kind == "report_accepted"),
                "{notes:?}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_stale_tab_can_neither_add_nor_remove_evidence() {
    kesu_store::testing::each_backend(|db| async move {
        let x = scoped(db).await;
        let lead = common::scope::lead_report(&x.w, A, 1).await;
        let r = x.w.login(&reporter_of(&x.w, lead.unit_id)).await;
        let token = csrf(&x, &r).await;
        let path = format!("/api/v1/reports/{}/attachments", lead.id);
        assert_eq!(upload(&x, &r, &path, 0, &token).await, StatusCode::CREATED);
        // The second tab still says version 0.
        assert_eq!(upload(&x, &r, &path, 0, &token).await, StatusCode::CONFLICT);
        let (_, v) = api(
            &x,
            &r,
            "GET",
            &format!("/api/v1/reports/{}", lead.id),
            json!({}),
        )
        .await;
        assert_eq!(v["report"]["version"], 1, "the file bumped the version");
        assert_eq!(v["attachments"].as_array().unwrap().len(), 1);
        let aid = v["attachments"][0]["id"].as_i64().unwrap();
        let del = format!("/api/v1/attachments/{aid}");
        let (s, _) = api(&x, &r, "DELETE", &del, json!({"version": 0})).await;
        assert_eq!(s, StatusCode::CONFLICT);
        // The page's form carries the version it was drawn at.
        let (_, html) = x.w.page(&r, &format!("/reports/{}", lead.id)).await;
        assert!(
            html.contains(&format!("name=\"detach\" value=\"{aid}\"")),
            "{html}"
        );
        assert!(html.contains("name=\"version\" value=\"1\""), "{html}");
        // Removing is a button of the report form: what is typed goes with it.
        let (s, loc) = post_form(
            &x,
            &r,
            &format!("/reports/{}", lead.id),
            &format!("_csrf={token}&version=1&detach={aid}&content="),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{loc}");
        let (_, v) = api(
            &x,
            &r,
            "GET",
            &format!("/api/v1/reports/{}", lead.id),
            json!({}),
        )
        .await;
        assert_eq!(v["report"]["version"], 2);
        assert!(v["attachments"].as_array().unwrap().is_empty());
        let actions: Vec<&str> = v["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["attach", "detach"]);
        // Another unit of the county cannot remove it (it cannot see the report).
        let other = common::scope::cooperating_report(&x.w, A, 1).await;
        let o = x.w.login(&reporter_of(&x.w, other.unit_id)).await;
        let aid = common::scope::attach(&x.w, lead.id, "留存.pdf", b"%PDF-1.4 kept").await;
        let (s, _) = api(
            &x,
            &o,
            "DELETE",
            &format!("/api/v1/attachments/{aid}"),
            json!({"version": 3}),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn evidence_after_the_lock_date_waits_for_the_offices_exception() {
    kesu_store::testing::each_backend(|db| async move {
        let mut x = scoped(db).await;
        x.w.state.clock = std::sync::Arc::new(Some(time::macros::datetime!(2025-05-02 02:00 UTC)));
        let lead = common::scope::lead_report(&x.w, A, 1).await;
        let r = x.w.login(&reporter_of(&x.w, lead.unit_id)).await;
        let token = csrf(&x, &r).await;
        let path = format!("/api/v1/reports/{}/attachments", lead.id);
        assert_eq!(upload(&x, &r, &path, 0, &token).await, StatusCode::CONFLICT);
        let admin = x.w.login("a_admin").await;
        let t = csrf(&x, &admin).await;
        let (s, _) = post_form(
            &x,
            &admin,
            &format!("/reports/{}/exception", lead.id),
            &format!("_csrf={t}"),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(upload(&x, &r, &path, 0, &token).await, StatusCode::CREATED);
    })
    .await;
}

#[tokio::test]
async fn reading_notifications_writes_nothing_and_shows_the_reports_due_soon() {
    kesu_store::testing::each_backend(|db| async move {
        let mut x = scoped(db).await;
        // Three days before the due date (2025-04-15).
        x.w.state.clock = std::sync::Arc::new(Some(time::macros::datetime!(2025-04-12 02:00 UTC)));
        let lead = common::scope::lead_report(&x.w, A, 0).await;
        let name = reporter_of(&x.w, lead.unit_id);
        let user = kesu_store::accounts::user_by_name(&x.w.db, &name)
            .await
            .unwrap()
            .unwrap();
        let before = reporting::notifications(&x.w.db, user.id, 500)
            .await
            .unwrap()
            .len();
        let version = kesu_store::indicators::data_version(&x.w.db).await.unwrap();
        let r = x.w.login(&name).await;
        let after_login = kesu_store::indicators::data_version(&x.w.db).await.unwrap();
        let (s, html) = x.w.page(&r, "/notifications").await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            html.contains("即将截止") && html.contains(&format!("/reports/{}", lead.id)),
            "{html}"
        );
        assert_eq!(
            reporting::notifications(&x.w.db, user.id, 500)
                .await
                .unwrap()
                .len(),
            before
        );
        assert_eq!(
            kesu_store::indicators::data_version(&x.w.db).await.unwrap(),
            after_login,
            "no audit row either"
        );
        assert!(after_login >= version);
        // The scheduler's entry point stores them, once.
        let ctx = kesu_app::Ctx {
            db: x.w.db.clone(),
            fixed_now: *x.w.state.clock,
        };
        let sent = kesu_app::reporting::send_due_soon_reminders(&ctx)
            .await
            .unwrap();
        assert!(sent > 0);
        assert_eq!(
            kesu_app::reporting::send_due_soon_reminders(&ctx)
                .await
                .unwrap(),
            0
        );
        let notes = reporting::notifications(&x.w.db, user.id, 500)
            .await
            .unwrap();
        assert_eq!(notes.iter().filter(|n| n.kind == "due_soon").count(), 1);
    })
    .await;
}

/// The user ids of accounts outside `region`.
async fn accounts_outside(x: &Scoped, region: &str) -> Vec<i64> {
    let mut out = Vec::new();
    for name in x.w.users.keys() {
        let u = kesu_store::accounts::user_by_name(&x.w.db, name)
            .await
            .unwrap()
            .unwrap();
        if !u.region_code.starts_with(region) {
            out.push(u.id);
        }
    }
    out
}

#[tokio::test]
async fn a_county_admin_reads_nothing_about_other_regions_accounts_in_the_audit_log() {
    kesu_store::testing::each_backend(|db| async move {
        let x = scoped(db).await;
        // Everyone signs in once (a session start each) and B's admin changes nothing else.
        for name in x.w.users.keys() {
            x.w.login(name).await;
        }
        let a = x.w.login("a_admin").await;
        let outside = accounts_outside(&x, A).await;
        let (s, v) = api(&x, &a, "GET", "/api/v1/audit?limit=10000", json!({})).await;
        assert_eq!(s, StatusCode::OK);
        let entries = v["entries"].as_array().unwrap();
        assert!(
            entries.iter().any(|e| e["action"] == "session.start"),
            "its own people's sign-ins"
        );
        for e in entries {
            let region = e["region_code"].as_str();
            assert!(
                region.is_some_and(|r| r.starts_with(A)),
                "a row of another region: {e}"
            );
            for id in &outside {
                assert_ne!(
                    e["object"],
                    format!("user:{id}"),
                    "a row about another region's account: {e}"
                );
            }
        }
        let (s, page) = x.w.page(&a, "/audit").await;
        assert_eq!(s, StatusCode::OK);
        for name in x.w.users.keys().filter(|n| !n.starts_with("a_")) {
            assert!(
                !page.contains(&format!(">{name}<")),
                "{name} on county A's audit page"
            );
        }
        for id in &outside {
            assert!(
                !page.contains(&format!(">user:{id}<")) && !page.contains(&format!(">账户 #{id}<")),
                "user:{id} on county A's audit page"
            );
        }
        let (_, _, xlsx, _) = send(&x, Some(&a), "GET", "/audit.xlsx", None, Vec::new()).await;
        let text = {
            use calamine::Reader;
            let mut wb: calamine::Xlsx<_> =
                calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
            let name = wb.sheet_names()[0].clone();
            let range = wb.worksheet_range(&name).unwrap();
            range
                .rows()
                .flat_map(|r| r.iter().map(|c| c.to_string()))
                .collect::<Vec<_>>()
        };
        for id in &outside {
            assert!(
                !text.contains(&format!("user:{id}")),
                "user:{id} in county A's workbook"
            );
        }
        assert!(
            !text.iter().any(|c| c == "regions.import"),
            "a row of no region"
        );
        assert!(
            text.iter().any(|c| c == "session.start"),
            "the workbook is read"
        );
        // The city office, over every plan and account, reads the rows of no region too.
        let c = x.w.login("city_admin").await;
        let (_, v) = api(&x, &c, "GET", "/api/v1/audit?limit=10000", json!({})).await;
        let entries = v["entries"].as_array().unwrap();
        assert!(
            entries
                .iter()
                .any(|e| e["region_code"].is_null() && e["action"] == "regions.import"),
            "the division table's import, a row of no region"
        );
        let b_admin = kesu_store::accounts::user_by_name(&x.w.db, "b_admin")
            .await
            .unwrap()
            .unwrap();
        assert!(
            entries
                .iter()
                .any(|e| e["object"] == format!("user:{}", b_admin.id))
        );
    })
    .await;
}

/// The indicator names of a plan at a region, by target id.
async fn indicators_of(x: &Scoped, plan: i64, region: &str) -> Vec<(i64, String)> {
    let mut q = kesu_store::indicators::Query::new(plan, x.w.state.today());
    q.region = Some(region.into());
    kesu_store::indicators::evaluate_plan(&x.w.db, &q)
        .await
        .unwrap()
        .indicators
        .into_iter()
        .map(|r| (r.target_id, r.indicator))
        .collect()
}

#[tokio::test]
async fn the_public_report_holds_exactly_the_chosen_indicators_and_the_ranking_only_when_ticked() {
    kesu_store::testing::each_backend(|db| async move {
        let x = scoped(db).await;
        let c = x.w.login("city_admin").await;
        let token = csrf(&x, &c).await;
        let a_plan = x.w.plans[A];
        let a_ind = indicators_of(&x, a_plan, A).await;
        let city_ind = indicators_of(&x, x.city_plan, CITY).await;
        assert!(a_ind.len() >= 2, "{a_ind:?}");
        // One indicator of county A's plan and the city's; county A's others are not chosen.
        let chosen = [a_ind[0].0, city_ind[0].0];
        for ranking in [false, true] {
            let mut form = format!(
                "_csrf={token}&year=2025&targets_listed=1&plan_{a_plan}=1&plan_{}=1",
                x.city_plan
            );
            for t in chosen {
                form.push_str(&format!("&target_{t}=1"));
            }
            if ranking {
                form.push_str("&ranking=1");
            }
            let (s, loc) = post_form(&x, &c, "/dashboard/regions/4313/publish", &form).await;
            assert_eq!(s, StatusCode::SEE_OTHER, "{loc}");
            let latest = kesu_store::indicators::snapshots(&x.w.db, CITY)
                .await
                .unwrap()[0]
                .id;
            let (s, _, page, _) = send(
                &x,
                None,
                "GET",
                &format!("/public/4313/{latest}"),
                None,
                Vec::new(),
            )
            .await;
            assert_eq!(s, StatusCode::OK);
            let (s, _, report, _) = send(
                &x,
                None,
                "GET",
                &format!("/public/4313/{latest}/report.html"),
                None,
                Vec::new(),
            )
            .await;
            assert_eq!(s, StatusCode::OK);
            let (page, report) = (
                String::from_utf8(page).unwrap(),
                String::from_utf8(report).unwrap(),
            );
            for (t, name) in a_ind.iter().chain(&city_ind) {
                let want = chosen.contains(t);
                assert_eq!(page.contains(name.as_str()), want, "public page, {name}");
                assert_eq!(
                    report.contains(name.as_str()),
                    want,
                    "public report, {name}: {report}"
                );
            }
            for word in ["考核结果", "表彰候选", "一票否决"] {
                assert_eq!(
                    report.contains(word),
                    ranking,
                    "{word} with ranking={ranking}"
                );
            }
            for private in ["逾期和退回的报告", "来源报告", "/reports/"] {
                assert!(!report.contains(private), "{private}");
            }
        }
    })
    .await;
}
