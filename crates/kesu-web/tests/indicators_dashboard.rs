//! The indicator dashboards through the real router: a plan's dashboard with its charts, the
//! drill-down from the city's number to a county and on to the reports behind it, the region,
//! unit and key-group pages, and who may see what (out of scope is 404).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test fixtures: a failed set-up fails the test"
)]

mod common;

use axum::http::StatusCode;
use common::{A, B, CITY, World};
use kesu_core::RegionLevel;
use kesu_core::authz::Role;
use kesu_core::report::{Period, Transition};
use kesu_store::reporting::{self, ReportChange};
use kesu_store::{Actor, Db};

/// Submit and accept a report with values, as the unit and the office would.
pub async fn accept(w: &World, report: i64, values: &[(i64, f64)]) {
    let now = w.state.now();
    let s = reporting::slot(&w.db, report).await.unwrap();
    for (t, v, values) in [
        (
            Transition::Submit,
            s.version,
            values.iter().map(|(t, v)| (*t, Some(*v))).collect(),
        ),
        (Transition::Accept, s.version + 1, Vec::new()),
    ] {
        reporting::change(
            &w.db,
            report,
            t,
            &ReportChange {
                expected_version: v,
                content: Some("本季度工作情况（内部）".into()),
                values,
                reason: None,
            },
            now,
            &Actor::new("office"),
        )
        .await
        .unwrap();
    }
}

/// The regions of the city and its two counties, by name.
pub async fn store_regions(db: &Db) {
    let csv = "code,name\n43,湖南省\n4313,娄底市\n431302,娄星区\n431321,双峰县\n";
    kesu_store::regions::import_seed_csv(db, &Actor::new("t"), csv.as_bytes(), "r.csv", "2023")
        .await
        .unwrap();
}

pub const CITY_PLAN: &str = "娄底市全民科学素质行动规划纲要实施方案（2021—2025年）\n\
     一、提升行动\n\
     （一）青少年科学素质提升行动\n\
     1.组织中小学生参加科技竞赛活动，累计不少于100场次。（各县市区人民政府负责）\n";

/// A city plan whose one task is reported by each county; the two counties report 30 and 20.
/// Returns the plan id, the target id and the county reports by county code.
pub async fn city_plan_with_county_reports(
    w: &World,
) -> (i64, i64, std::collections::BTreeMap<String, i64>) {
    store_regions(&w.db).await;
    let plan = kesu_plan::parse_text(CITY_PLAN).unwrap();
    assert_eq!(plan.tasks.len(), 1, "{plan:?}");
    assert_eq!(plan.tasks[0].targets.len(), 1, "{plan:?}");
    let id = common::fixture::import_plan(&w.db, &plan, CITY).await;
    let task = kesu_store::plans::tasks(&w.db, id).await.unwrap().remove(0);
    let target = task.targets[0].id;
    let n = kesu_store::indicators::expand_entities(
        &w.db,
        task.id,
        CITY,
        RegionLevel::County,
        &Actor::new("office"),
    )
    .await
    .unwrap();
    assert_eq!(n, 2);
    let round = reporting::open_round(
        &w.db,
        &reporting::NewRound {
            plan_id: id,
            period: Period::parse("2025Q1").unwrap(),
            due: time::macros::date!(2025 - 04 - 15),
            lock: time::macros::date!(2025 - 04 - 30),
            demo: false,
        },
        &Actor::new("office"),
    )
    .await
    .unwrap();
    let mut reports = std::collections::BTreeMap::new();
    for s in reporting::slots(&w.db, round).await.unwrap() {
        if s.region_code == A || s.region_code == B {
            let v = if s.region_code == A { 30.0 } else { 20.0 };
            accept(w, s.id, &[(target, v)]).await;
            reports.insert(s.region_code.clone(), s.id);
        }
    }
    assert_eq!(reports.len(), 2);
    (id, target, reports)
}

fn user(w: &World, role: Role, region: &str) -> String {
    w.users
        .iter()
        .find(|(_, (r, g, _))| *r == role && g == region)
        .unwrap()
        .0
        .clone()
}

/// The first target of county A's task whose title has `word`, and its lead unit's slot.
async fn county_target(w: &World, word: &str) -> (i64, reporting::Slot) {
    let plan = w.plans[A];
    let task = kesu_store::plans::tasks(&w.db, plan)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.title.contains(word))
        .unwrap();
    let slot = w
        .slots(A)
        .await
        .into_iter()
        .find(|s| s.task_id == task.id && s.role == "lead")
        .unwrap();
    (task.targets[0].id, slot)
}

#[tokio::test]
async fn the_plan_dashboard_shows_counts_charts_and_a_sortable_table_with_sources() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        // 科普基地5家以上 (a stock): 3 reported.
        let (bases, slot) = county_target(&w, "科普基地").await;
        accept(&w, slot.id, &[(bases, 3.0)]).await;
        let c = w.login("a_admin").await;
        let (s, html) = w
            .page(&c, &format!("/dashboard/plans/{}", w.plans[A]))
            .await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("<svg"), "charts are inline SVG");
        assert!(html.contains("指标状态"), "the status chart");
        assert!(html.contains("data-sort"), "a sortable table");
        assert!(html.contains("3家"), "{html}");
        assert!(html.contains("60%"), "{html}");
        assert!(html.contains("滞后"), "{html}");
        assert!(html.contains(&format!("href=\"/reports/{}\"", slot.id)));
        assert!(html.contains("无数据"), "the target without reports");
        assert!(
            html.contains("年度监测评估报告"),
            "the annual report button"
        );
    })
    .await;
}

#[tokio::test]
async fn a_county_office_cannot_open_another_countys_plan_dashboard() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let c = w.login("b_admin").await;
        let (s, _) = w
            .page(&c, &format!("/dashboard/plans/{}", w.plans[A]))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = w.page(&c, "/dashboard/regions/431302").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn a_reporter_sees_only_its_units_indicators() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        // 每年不少于10场次: 2025 is under way, shown beside the last complete year.
        let (lectures, slot) = county_target(&w, "科普讲座").await;
        accept(&w, slot.id, &[(lectures, 4.0)]).await;
        let mine = w
            .users
            .iter()
            .find(|(_, (r, _, u))| *r == Role::Reporter && *u == Some(slot.unit_id))
            .unwrap()
            .0
            .clone();
        let c = w.login(&mine).await;
        let (s, html) = w
            .page(&c, &format!("/dashboard/plans/{}", w.plans[A]))
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("2025年度进行中：4场次"), "{html}");
        assert!(html.contains("本单位"), "{html}");
        // 区融媒体中心's task (科普网站) has no target; 科普基地 is led by 区科协 and cooperated
        // by 区教育局, so it shows. The office's region pages are not for a reporter.
        let (s, _) = w.page(&c, "/dashboard/regions/431302").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = w
            .page(&c, &format!("/dashboard/units/{}", slot.unit_id))
            .await;
        assert_eq!(s, StatusCode::OK);
        let other = w.units[A]
            .values()
            .find(|u| **u != slot.unit_id)
            .copied()
            .unwrap();
        let (s, _) = w.page(&c, &format!("/dashboard/units/{other}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // A reporter of another county sees nothing of this plan.
        let b = w
            .users
            .iter()
            .find(|(_, (r, g, _))| *r == Role::Reporter && g == B)
            .unwrap()
            .0
            .clone();
        let cb = w.login(&b).await;
        let (s, _) = w
            .page(&cb, &format!("/dashboard/plans/{}", w.plans[A]))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn drill_down_goes_from_the_city_number_to_a_county_to_its_reports() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let (plan, target, reports) = city_plan_with_county_reports(&w).await;
        let c = w.login("city_admin").await;
        let base = format!("/dashboard/plans/{plan}/indicators/{target}");
        let (s, html) = w.page(&c, &base).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("娄底市"), "{html}");
        assert!(html.contains("id=\"node-value\">50场次"), "30 + 20: {html}");
        assert!(html.contains("<svg"), "the county comparison chart");
        assert!(html.contains("娄星区") && html.contains("双峰县"));
        let county = format!("{base}?region={A}");
        assert!(html.contains(&format!("href=\"{county}\"")), "{html}");
        let (s, html) = w.page(&c, &county).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("id=\"node-value\">30场次"), "{html}");
        let report = format!("/reports/{}", reports[A]);
        assert!(html.contains(&format!("href=\"{report}\"")), "{html}");
        assert!(!html.contains(&format!("/reports/{}\"", reports[B])));
        // The report page enforces its own scope: the city office may read it.
        let (s, _) = w.page(&c, &report).await;
        assert_eq!(s, StatusCode::OK);
        // The county office may not open the city's plan at all.
        let ca = w.login("a_admin").await;
        let (s, _) = w.page(&ca, &county).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn the_region_dashboard_compares_its_counties() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        city_plan_with_county_reports(&w).await;
        let c = w.login("city_admin").await;
        let (s, html) = w.page(&c, "/dashboard/regions/4313").await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("下级地区比较"), "{html}");
        // Both counties, each with its own plan and the city plan on its reports.
        assert!(html.contains("/dashboard/regions/431302"), "{html}");
        assert!(html.contains("/dashboard/regions/431321"), "{html}");
        assert!(html.contains("重点人群"));
        // A county viewer: its own region only.
        let v = w.login(&user(&w, Role::Viewer, A)).await;
        let (s, _) = w.page(&v, "/dashboard/regions/431302").await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = w.page(&v, "/dashboard/regions/4313").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn the_key_group_page_lists_the_youth_indicators() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        city_plan_with_county_reports(&w).await;
        let c = w.login("city_admin").await;
        let (s, html) = w.page(&c, "/dashboard/groups/youth").await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("青少年"));
        assert!(html.contains("科技竞赛"), "{html}");
        let (s, html) = w.page(&c, "/dashboard/groups/elderly").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("没有归入该人群的指标"), "{html}");
        let (s, _) = w.page(&c, "/dashboard/groups/nobody").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn the_indicator_table_downloads_as_xlsx() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let c = w.login("a_viewer").await;
        let (s, body) = w
            .page(
                &c,
                &format!("/dashboard/plans/{}/indicators.xlsx", w.plans[A]),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.starts_with("PK"), "a zip file");
    })
    .await;
}

#[tokio::test]
async fn the_annual_report_downloads_as_a_printable_page_for_the_office_only() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        city_plan_with_county_reports(&w).await;
        let c = w.login("city_admin").await;
        let (s, html) = w.page(&c, "/dashboard/regions/4313").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("/dashboard/regions/4313/annual.html?year=2025"));
        let (s, html) = w
            .page(&c, "/dashboard/regions/4313/annual.html?year=2025")
            .await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("娄底市2025年度全民科学素质行动监测评估报告"));
        assert!(html.contains("size: A4"), "prints on A4");
        assert!(html.contains("Noto Serif CJK SC"), "a CJK font stack");
        assert!(html.contains("<svg"), "charts");
        assert!(html.contains("主要目标完成情况"));
        assert!(html.contains("娄星区") && html.contains("双峰县"));
        assert!(html.contains("考核结果"));
        let (s, body) = w
            .page(&c, "/dashboard/regions/4313/annual.xlsx?year=2025")
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.starts_with("PK"));
        // A county office: not the city's report.
        let ca = w.login("a_admin").await;
        let (s, _) = w
            .page(&ca, "/dashboard/regions/4313/annual.html?year=2025")
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn the_annual_report_prints_to_pdf_on_the_server_or_says_why_not() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        city_plan_with_county_reports(&w).await;
        let c = w.login("city_admin").await;
        let (_, html) = w.page(&c, "/dashboard/regions/4313").await;
        assert!(html.contains("/dashboard/regions/4313/annual.pdf?year=2025"));
        let (s, body) = w
            .page(&c, "/dashboard/regions/4313/annual.pdf?year=2025")
            .await;
        if kesu_web::pages::dashboard::annual::printer().is_some() {
            assert_eq!(s, StatusCode::OK);
            assert!(body.starts_with("%PDF"));
        } else {
            assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
            assert!(body.contains("chromium"), "{body}");
        }
        // A county office: not the city's report, printer or not.
        let ca = w.login("a_admin").await;
        let (s, _) = w
            .page(&ca, "/dashboard/regions/4313/annual.pdf?year=2025")
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    })
    .await;
}

/// Post a form as a signed-in user; status and the redirect target.
async fn post_form(w: &World, cookie: &str, path: &str, body: &str) -> (StatusCode, String) {
    use axum::body::Body;
    use axum::http::{Request, header};
    use tower::ServiceExt;
    let req = Request::post(path)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_string()))
        .unwrap();
    let res = kesu_web::router(w.state.clone())
        .oneshot(req)
        .await
        .unwrap();
    let loc = res
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (res.status(), loc)
}

/// The session's form token, from a page that carries it.
async fn csrf(w: &World, cookie: &str) -> String {
    let (_, html) = w.page(cookie, "/dashboard").await;
    let i = html.find("name=\"_csrf\" value=\"").unwrap() + "name=\"_csrf\" value=\"".len();
    html[i..i + html[i..].find('"').unwrap()].to_string()
}

/// A GET without any cookie.
async fn anonymous(w: &World, path: &str) -> (StatusCode, String) {
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let res = kesu_web::router(w.state.clone())
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn a_published_snapshot_is_readable_without_login_and_shows_no_private_field() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let (plan, target, reports) = city_plan_with_county_reports(&w).await;
        // Private material: a report's content, a return reason, a unit's name in review.
        let s = reporting::slot(&w.db, reports[A]).await.unwrap();
        reporting::change(
            &w.db,
            s.id,
            Transition::Unlock,
            &ReportChange {
                expected_version: s.version,
                ..ReportChange::default()
            },
            w.state.now(),
            &Actor::new("office"),
        )
        .await
        .unwrap();
        let s = reporting::slot(&w.db, reports[A]).await.unwrap();
        reporting::change(
            &w.db,
            s.id,
            Transition::Submit,
            &ReportChange {
                expected_version: s.version,
                content: Some("内部意见：经费尚未到位XYZ".into()),
                values: vec![(target, Some(30.0))],
                reason: None,
            },
            w.state.now(),
            &Actor::new("unit"),
        )
        .await
        .unwrap();
        let s = reporting::slot(&w.db, reports[A]).await.unwrap();
        reporting::change(
            &w.db,
            s.id,
            Transition::Return,
            &ReportChange {
                expected_version: s.version,
                reason: Some("退回原因：佐证材料不全ABC".into()),
                ..ReportChange::default()
            },
            w.state.now(),
            &Actor::new("office"),
        )
        .await
        .unwrap();

        // Nothing published yet: the page says so, without login.
        let (st, html) = anonymous(&w, "/public/4313").await;
        assert_eq!(st, StatusCode::OK);
        assert!(html.contains("尚未发布"), "{html}");

        // A viewer may not publish; the admin may.
        let v = w.login("a_viewer").await;
        let token = csrf(&w, &v).await;
        let (st, _) = post_form(
            &w,
            &v,
            "/dashboard/regions/431302/publish",
            &format!("_csrf={token}&year=2025&plan_{}=1", w.plans[A]),
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let c = w.login("city_admin").await;
        let token = csrf(&w, &c).await;
        let (st, loc) = post_form(
            &w,
            &c,
            "/dashboard/regions/4313/publish",
            &format!("_csrf={token}&year=2025&plan_{plan}=1"),
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{loc}");

        let (st, html) = anonymous(&w, "/public/4313").await;
        assert_eq!(st, StatusCode::OK, "{html}");
        assert!(
            html.contains("娄底市2025年度全民科学素质行动实施进展"),
            "{html}"
        );
        assert!(html.contains("科技竞赛"), "the indicator: {html}");
        assert!(html.contains("<svg"), "progress bars");
        let i = html.find("report.html").unwrap();
        let start = html[..i].rfind("href=\"").unwrap() + 6;
        let report_link = html[start..i + "report.html".len()].to_string();
        let (st, report) = anonymous(&w, &report_link).await;
        assert_eq!(st, StatusCode::OK);
        assert!(report.contains("年度全民科学素质行动监测评估报告"));
        for page in [&html, &report] {
            for private in [
                "XYZ",
                "ABC",
                "内部意见",
                "退回原因",
                "/reports/",
                "_csrf",
                "逾期和退回的报告",
                "区教育局",
                "本季度工作情况",
            ] {
                assert!(!page.contains(private), "{private} leaked");
            }
        }
        // Out of scope: a county office cannot publish for the city.
        let a = w.login("a_admin").await;
        let ta = csrf(&w, &a).await;
        let (st, _) = post_form(
            &w,
            &a,
            "/dashboard/regions/4313/publish",
            &format!("_csrf={ta}&plan_{plan}=1"),
        )
        .await;
        assert_eq!(st, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn publishing_returns_to_the_region_dashboard_with_its_confirmation() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let (plan, _, _) = city_plan_with_county_reports(&w).await;
        let c = w.login("city_admin").await;
        let token = csrf(&w, &c).await;
        let (st, loc) = post_form(
            &w,
            &c,
            "/dashboard/regions/4313/publish",
            &format!("_csrf={token}&year=2025&plan_{plan}=1"),
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{loc}");
        assert!(loc.starts_with("/dashboard/regions/4313?msg="), "{loc}");
        let (st, html) = w.page(&c, &loc).await;
        assert_eq!(st, StatusCode::OK);
        assert!(
            html.contains("<div class=\"flash\">已发布到公开页面</div>"),
            "the office is told the snapshot is out: {html}"
        );
    })
    .await;
}
