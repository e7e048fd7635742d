//! The assessment pages through the real router, on both backends: a county's own account
//! enters its self scores and the city office sees them; the office's reviewer scores and the
//! scheme's weights change the ranking as computed by hand; a county cannot score another
//! county (404) nor review (403); a bad scheme upload is refused by field and stores nothing;
//! every change leaves an audit row. Also: publishing a chosen subset of indicators.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test fixtures: a failed set-up fails the test"
)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{A, B, CITY, World};
use http_body_util::BodyExt;
use kesu_store::Actor;
use tower::ServiceExt;

/// The city and its two counties as stored regions, and a city plan (the assessment runs on
/// the assessing region's own plan).
async fn city_with_plan(w: &World) -> i64 {
    let csv = "code,name\n43,湖南省\n4313,娄底市\n431302,娄星区\n431321,双峰县\n";
    kesu_store::regions::import_seed_csv(&w.db, &Actor::new("t"), csv.as_bytes(), "r.csv", "2023")
        .await
        .unwrap();
    let text = "娄底市全民科学素质行动规划纲要实施方案（2021—2025年）\n\
         一、提升行动\n\
         （一）青少年科学素质提升行动\n\
         1.组织中小学生参加科技竞赛活动，累计不少于100场次。（各县市区人民政府负责）\n";
    let plan = kesu_plan::parse_text(text).unwrap();
    common::fixture::import_plan(&w.db, &plan, CITY).await
}

/// Two items judged by the office only, so every total can be computed by hand:
/// 经费保障 10 points, 宣传引导 5 points, both "done → full points".
const TWO_ITEMS: &str = r#"{
  "name": "测试考核方案",
  "items": [
    {"id": "funding", "name": "经费保障", "points": 10, "rule": {"type": "fixed"}, "source": "report_evidence"},
    {"id": "publicity", "name": "宣传引导", "points": 5, "rule": {"type": "fixed"}, "source": "report_evidence"}
  ]
}"#;

async fn send(w: &World, req: Request<Body>) -> (StatusCode, String, String) {
    let res = kesu_web::router(w.state.clone())
        .oneshot(req)
        .await
        .unwrap();
    let status = res.status();
    let loc = res
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, loc, String::from_utf8_lossy(&bytes).into_owned())
}

/// Post a urlencoded form (`fields` already encoded); status and body.
async fn post_form(w: &World, cookie: &str, path: &str, fields: &str) -> (StatusCode, String) {
    let req = Request::post(path)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(fields.to_string()))
        .unwrap();
    let (s, _, body) = send(w, req).await;
    (s, body)
}

/// Upload a file in a multipart form with the session's token.
async fn upload(
    w: &World,
    cookie: &str,
    path: &str,
    token: &str,
    name: &str,
    bytes: &str,
) -> (StatusCode, String) {
    let b = "XkesuBoundary7";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{token}\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: application/json\r\n\r\n{bytes}\r\n--{b}--\r\n"
    );
    let req = Request::post(path)
        .header(header::COOKIE, cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={b}"),
        )
        .body(Body::from(body))
        .unwrap();
    let (s, _, body) = send(w, req).await;
    (s, body)
}

/// The session's form token, from a page that carries it.
async fn csrf(w: &World, cookie: &str) -> String {
    let (_, html) = w.page(cookie, "/dashboard").await;
    let i = html.find("name=\"_csrf\" value=\"").unwrap() + "name=\"_csrf\" value=\"".len();
    html[i..i + html[i..].find('"').unwrap()].to_string()
}

fn enc(s: &str) -> String {
    kesu_web::pages::percent_encode(s)
}

const PAGE: &str = "/dashboard/regions/4313/assessment?year=2025";

fn review_path(county: &str) -> String {
    format!("/dashboard/regions/4313/assessment/2025/review/{county}")
}

fn self_path(county: &str) -> String {
    format!("/dashboard/regions/4313/assessment/2025/self/{county}")
}

/// The ranking table of the assessment page: (code, rank, total) in display order.
fn ranking(html: &str) -> Vec<(String, u32, f64)> {
    let start = html.find("id=\"ranking\"").expect("a ranking table");
    let table = &html[start..start + html[start..].find("</table>").unwrap()];
    table
        .split("<tr data-code=\"")
        .skip(1)
        .map(|row| {
            let code = row[..row.find('"').unwrap()].to_string();
            let cells: Vec<&str> = row
                .split("<td")
                .skip(1)
                .map(|c| {
                    let c = &c[c.find('>').unwrap() + 1..];
                    &c[..c.find("</td>").unwrap()]
                })
                .collect();
            (code, cells[0].parse().unwrap(), cells[2].parse().unwrap())
        })
        .collect()
}

/// The city admin stores the two-item scheme through the upload form.
async fn two_item_scheme(w: &World, city: &str) {
    two_item_scheme_in(w, city, CITY).await;
}

/// An admin of `code` stores the two-item scheme through the upload form.
async fn two_item_scheme_in(w: &World, admin: &str, code: &str) {
    let token = csrf(w, admin).await;
    let (s, body) = upload(
        w,
        admin,
        &format!("/dashboard/regions/{code}/assessment/scheme/upload"),
        &token,
        "scheme.json",
        TWO_ITEMS,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
}

// ---------------------------------------------------------------- units

// The units' assessment runs in 娄星区 on its own plan (the world's county plan): its three
// units (区教育局, 区科协, 区融媒体中心) each lead or support a task, and each has a reporter.

const UNITS_PAGE: &str = "/dashboard/regions/431302/assessment?year=2025&by=units";

fn unit_self_path(unit: i64) -> String {
    format!("/dashboard/regions/431302/assessment/2025/units/self/{unit}")
}

fn unit_review_path(unit: i64) -> String {
    format!("/dashboard/regions/431302/assessment/2025/units/review/{unit}")
}

/// A unit of 娄星区 by name.
fn unit(w: &World, name: &str) -> i64 {
    w.units[A][name]
}

/// The reporter account of a unit.
fn reporter_of(w: &World, unit: i64) -> String {
    w.users
        .iter()
        .find(|(_, (_, _, u))| *u == Some(unit))
        .map(|(name, _)| name.clone())
        .expect("each unit of the world has a reporter")
}

#[tokio::test]
async fn the_units_assessment_ranks_the_plans_units_and_is_linked_from_each_units_dashboard() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let office = w.login("a_admin").await;
        let (s, html) = w.page(&office, UNITS_PAGE).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        let mut ranked: Vec<i64> = ranking(&html)
            .into_iter()
            .map(|r| r.0.parse().unwrap())
            .collect();
        ranked.sort_unstable();
        let mut units: Vec<i64> = w.units[A].values().copied().collect();
        units.sort_unstable();
        assert_eq!(ranked, units, "{html}");
        // The office's view links each unit's self-score form, and the regions' view.
        for u in &units {
            assert!(html.contains(&unit_self_path(*u)), "{html}");
        }
        assert!(
            html.contains("/dashboard/regions/431302/assessment?year=2025\""),
            "{html}"
        );
        // A unit's reporter finds its own form on its unit's dashboard, not another's.
        let edu = unit(&w, "区教育局");
        let reporter = w.login(&reporter_of(&w, edu)).await;
        let (s, html) = w.page(&reporter, &format!("/dashboard/units/{edu}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains(&unit_self_path(edu)), "{html}");
        assert!(
            !html.contains("by=units"),
            "the ranking is the office's: {html}"
        );
        // The office finds the units' ranking there instead.
        let (_, html) = w.page(&office, &format!("/dashboard/units/{edu}")).await;
        let html = html.replace("&#38;", "&").replace("&amp;", "&");
        assert!(html.contains(UNITS_PAGE), "{html}");
        // The ranking itself is the office's: a reporter gets 404.
        let (s, _) = w.page(&reporter, UNITS_PAGE).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn a_units_self_score_appears_for_the_reviewer_in_the_units_view() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let office = w.login("a_admin").await;
        two_item_scheme_in(&w, &office, A).await;
        let edu = unit(&w, "区教育局");
        let name = reporter_of(&w, edu);
        let reporter = w.login(&name).await;
        let (s, html) = w.page(&reporter, &unit_self_path(edu)).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("name=\"self_funding\""), "{html}");
        assert!(html.contains("name=\"_csrf\""), "{html}");
        let token = csrf(&w, &reporter).await;
        let (s, body) = post_form(
            &w,
            &reporter,
            &unit_self_path(edu),
            &format!(
                "_csrf={token}&self_funding=8&note_funding={}&self_publicity=",
                enc("科普经费已列入部门预算UQ")
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        let reviewer = w.login("a_reviewer").await;
        let (_, html) = w.page(&reviewer, UNITS_PAGE).await;
        let section = &html[html.find(&format!("id=\"c{edu}\"")).unwrap()..];
        let row = &section[section.find("data-item=\"funding\"").unwrap()..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(row.contains("<td class=\"self\">8"), "{row}");
        assert!(row.contains("科普经费已列入部门预算UQ"), "{row}");
        assert!(row.contains(&name), "who entered it: {row}");
        // A self score does not count until the office reviews it.
        assert!(ranking(&html).iter().all(|r| r.2 == 0.0), "{html}");
        // It is a unit's input, not a region's.
        let regions = kesu_store::assessment::inputs(
            &w.db,
            A,
            2025,
            kesu_store::indicators::AssessBy::Regions,
        )
        .await
        .unwrap();
        assert!(regions.is_empty(), "{regions:?}");
    })
    .await;
}

#[tokio::test]
async fn another_unit_cannot_self_score_a_unit_nor_may_a_unit_enter_reviewer_scores() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let office = w.login("a_admin").await;
        two_item_scheme_in(&w, &office, A).await;
        let (edu, assoc) = (unit(&w, "区教育局"), unit(&w, "区科协"));
        let own = w.login(&reporter_of(&w, edu)).await;
        let other = w.login(&reporter_of(&w, assoc)).await;
        let t_own = csrf(&w, &own).await;
        let t_other = csrf(&w, &other).await;
        // Another unit's reporter: the form is out of its scope.
        let (s, _) = w.page(&other, &unit_self_path(edu)).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = post_form(
            &w,
            &other,
            &unit_self_path(edu),
            &format!("_csrf={t_other}&self_funding=10"),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // Reviewer scores, even on its own unit: the office's, not the unit's.
        let (s, _) = post_form(
            &w,
            &own,
            &unit_review_path(edu),
            &format!("_csrf={t_own}&score_funding=10&reason_funding=x"),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // Nor on another unit, which it cannot see at all.
        let (s, _) = post_form(
            &w,
            &other,
            &unit_review_path(edu),
            &format!("_csrf={t_other}&score_funding=10&reason_funding=x"),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // The viewer neither self-scores nor reviews; the office does not self-score for a unit.
        let viewer = w.login("a_viewer").await;
        let tv = csrf(&w, &viewer).await;
        for path in [unit_self_path(edu), unit_review_path(edu)] {
            let (s, _) = post_form(
                &w,
                &viewer,
                &path,
                &format!("_csrf={tv}&self_funding=10&done_funding=yes"),
            )
            .await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{path}");
        }
        let to = csrf(&w, &office).await;
        let (s, _) = post_form(
            &w,
            &office,
            &unit_self_path(edu),
            &format!("_csrf={to}&self_funding=10"),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // A unit's own form without the session's token is refused.
        let (s, _) = post_form(&w, &own, &unit_self_path(edu), "self_funding=10").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // A unit that the plan does not assign: not an assessed body.
        let elsewhere = w.units[B]["区教育局"];
        let (s, _) = w.page(&office, &unit_self_path(elsewhere)).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let rows =
            kesu_store::assessment::inputs(&w.db, A, 2025, kesu_store::indicators::AssessBy::Units)
                .await
                .unwrap();
        assert!(rows.is_empty(), "nothing stored: {rows:?}");
    })
    .await;
}

#[tokio::test]
async fn a_reviewer_score_on_a_unit_changes_the_units_ranking_as_computed_by_hand() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let office = w.login("a_admin").await;
        two_item_scheme_in(&w, &office, A).await;
        let reviewer = w.login("a_reviewer").await;
        let token = csrf(&w, &reviewer).await;
        let (edu, assoc, media) = (
            unit(&w, "区教育局"),
            unit(&w, "区科协"),
            unit(&w, "区融媒体中心"),
        );
        // 区教育局 both items, 10 + 5 = 15; 区科协 funding, 10; 区融媒体中心 publicity, 5.
        for (u, fields) in [
            (edu, "done_funding=yes&done_publicity=yes"),
            (assoc, "done_funding=yes&done_publicity=no"),
            (media, "done_funding=no&done_publicity=yes"),
        ] {
            let (s, body) = post_form(
                &w,
                &reviewer,
                &unit_review_path(u),
                &format!("_csrf={token}&{fields}"),
            )
            .await;
            assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        }
        let (_, html) = w.page(&reviewer, UNITS_PAGE).await;
        let ids = |r: Vec<(String, u32, f64)>| {
            r.into_iter()
                .map(|(c, rank, t)| (c.parse::<i64>().unwrap(), rank, t))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(ranking(&html)),
            [(edu, 1, 15.0), (assoc, 2, 10.0), (media, 3, 5.0)]
        );
        // A score that differs from the (absent) self score needs a reason: refused, item named.
        let (s, body) = post_form(
            &w,
            &reviewer,
            &unit_review_path(edu),
            &format!("_csrf={token}&done_funding=yes&done_publicity=yes&score_funding=3"),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("经费保障") && body.contains("须填写理由"), "{body}");
        // With a reason: 区教育局 3 + 5 = 8, now behind 区科协's 10.
        let (s, body) = post_form(
            &w,
            &reviewer,
            &unit_review_path(edu),
            &format!(
                "_csrf={token}&done_funding=yes&done_publicity=yes&score_funding=3&reason_funding={}",
                enc("经费到位不足三成")
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        let (_, html) = w.page(&reviewer, UNITS_PAGE).await;
        assert_eq!(
            ids(ranking(&html)),
            [(assoc, 1, 10.0), (edu, 2, 8.0), (media, 3, 5.0)]
        );
        assert!(html.contains("经费到位不足三成"), "{html}");
        // The regions' ranking of the same region is another assessment: untouched.
        let rows = kesu_store::assessment::inputs(
            &w.db,
            A,
            2025,
            kesu_store::indicators::AssessBy::Regions,
        )
        .await
        .unwrap();
        assert!(rows.is_empty(), "{rows:?}");
    })
    .await;
}

#[tokio::test]
async fn every_change_to_a_units_assessment_leaves_an_audit_row_naming_who_made_it() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let office = w.login("a_admin").await;
        two_item_scheme_in(&w, &office, A).await;
        let edu = unit(&w, "区教育局");
        let name = reporter_of(&w, edu);
        let reporter = w.login(&name).await;
        let tr = csrf(&w, &reporter).await;
        for score in ["8", "9"] {
            let (s, body) = post_form(
                &w,
                &reporter,
                &unit_self_path(edu),
                &format!("_csrf={tr}&self_funding={score}"),
            )
            .await;
            assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        }
        let reviewer = w.login("a_reviewer").await;
        let tv = csrf(&w, &reviewer).await;
        // Agreeing with the self score needs no reason.
        let (s, body) = post_form(
            &w,
            &reviewer,
            &unit_review_path(edu),
            &format!("_csrf={tv}&score_funding=9"),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        let log = kesu_store::audit::for_object(
            &w.db,
            &format!("assessment_input:431302/2025/units/{edu}/funding"),
        )
        .await
        .unwrap();
        let seen: Vec<(&str, &str, Option<&serde_json::Value>)> = log
            .iter()
            .map(|e| (e.actor.as_str(), e.action.as_str(), e.after.as_ref()))
            .collect();
        assert_eq!(log.len(), 3, "{log:?}");
        assert!(
            log.iter()
                .filter(|e| e.action == "assessment.self_score")
                .all(|e| e.actor == name),
            "{seen:?}"
        );
        let review: Vec<_> = log
            .iter()
            .filter(|e| e.action == "assessment.review")
            .collect();
        assert_eq!(review.len(), 1, "{seen:?}");
        assert_eq!(review[0].actor, "a_reviewer");
        assert_eq!(review[0].after.as_ref().unwrap()["reviewer_score"], 9.0);
        // The second self score records what it replaced.
        assert!(
            log.iter().any(|e| e.action == "assessment.self_score"
                && e.before.as_ref().is_some_and(|b| b["self_score"] == 8.0)
                && e.after.as_ref().is_some_and(|a| a["self_score"] == 9.0)),
            "{seen:?}"
        );
    })
    .await;
}

/// Who may do what on a unit's assessment routes, by the rules written out again here: the
/// ranking is for office roles covering 娄星区; a unit's forms are seen by office roles
/// covering it and by its own reporter (anyone else: 404); its self-score form is its
/// reporter's (others who see it: 403); reviewer scores are for reviewers and admins covering
/// 娄星区 (others who see it: 403).
#[tokio::test]
async fn every_account_gets_the_status_its_role_and_scope_call_for_on_a_units_assessment() {
    use kesu_core::authz::Role;
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let edu = unit(&w, "区教育局");
        for (user, (role, region, own_unit)) in w.users.clone() {
            let c = w.login(&user).await;
            let token = csrf(&w, &c).await;
            let office = matches!(role, Role::Admin | Role::Reviewer);
            let covers = A.starts_with(region.as_str());
            let (s, _) = w.page(&c, UNITS_PAGE).await;
            let want = if role != Role::Reporter && covers {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(s, want, "{user} reads the units' ranking");
            let sees = if role == Role::Reporter {
                own_unit == Some(edu)
            } else {
                covers
            };
            let (s, _) = w.page(&c, &unit_self_path(edu)).await;
            let want = if !sees {
                StatusCode::NOT_FOUND
            } else if role == Role::Reporter {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(s, want, "{user} opens 区教育局's self-score form");
            let (s, _) = post_form(&w, &c, &unit_review_path(edu), &format!("_csrf={token}")).await;
            let want = if !sees {
                StatusCode::NOT_FOUND
            } else if office {
                StatusCode::SEE_OTHER
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(s, want, "{user} reviews 区教育局");
        }
    })
    .await;
}

// ---------------------------------------------------------------- regions

#[tokio::test]
async fn the_assessment_page_ranks_the_counties_and_is_linked_from_the_region_page() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        city_with_plan(&w).await;
        let city = w.login("city_admin").await;
        let (s, html) = w.page(&city, "/dashboard/regions/4313").await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            html.contains("/dashboard/regions/4313/assessment?year=2025"),
            "{html}"
        );
        // The default scheme, computed from the data: both counties ranked.
        let (s, html) = w.page(&city, PAGE).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("内置默认方案"), "{html}");
        let codes: Vec<String> = ranking(&html).into_iter().map(|r| r.0).collect();
        assert_eq!(codes.len(), 2, "{html}");
        assert!(codes.contains(&A.to_string()) && codes.contains(&B.to_string()));
        // A county's own account finds its self-score form on its region page.
        let a = w.login("a_admin").await;
        let (_, html) = w.page(&a, "/dashboard/regions/431302").await;
        assert!(html.contains(&self_path(A)), "{html}");
        // The city's page is not the county's (out of scope).
        let (s, _) = w.page(&a, PAGE).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn a_self_score_entered_by_a_county_appears_for_the_reviewer() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        city_with_plan(&w).await;
        let city = w.login("city_admin").await;
        two_item_scheme(&w, &city).await;
        let a = w.login("a_admin").await;
        let (s, html) = w.page(&a, &self_path(A)).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("name=\"self_funding\""), "{html}");
        let token = csrf(&w, &a).await;
        let (s, body) = post_form(
            &w,
            &a,
            &self_path(A),
            &format!(
                "_csrf={token}&self_funding=8&note_funding={}&self_publicity=",
                enc("预算已列支，拨付八成XQ")
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        let (_, html) = w.page(&city, PAGE).await;
        let section = &html[html.find("id=\"c431302\"").unwrap()..];
        let row = &section[section.find("data-item=\"funding\"").unwrap()..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(row.contains("<td class=\"self\">8"), "{row}");
        assert!(row.contains("预算已列支，拨付八成XQ"), "{row}");
        assert!(row.contains("a_admin"), "who entered it: {row}");
        // The county's self score does not count until the office reviews it.
        assert!(ranking(&html).iter().all(|r| r.2 == 0.0), "{html}");
    })
    .await;
}

#[tokio::test]
async fn a_county_cannot_score_another_county_nor_enter_reviewer_scores() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        city_with_plan(&w).await;
        let a = w.login("a_admin").await;
        let token = csrf(&w, &a).await;
        // Another county's self-score form: out of scope.
        let (s, _) = w.page(&a, &self_path(B)).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = post_form(
            &w,
            &a,
            &self_path(B),
            &format!("_csrf={token}&self_funding=10"),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // Reviewer scores, even for its own county: the office's, not the county's.
        let (s, _) = post_form(
            &w,
            &a,
            &review_path(A),
            &format!("_csrf={token}&score_funding=10&reason_funding=x"),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // The city office does not self-score for a county, nor does the county's viewer.
        for user in ["city_admin", "a_viewer"] {
            let c = w.login(user).await;
            let t = csrf(&w, &c).await;
            let (s, _) =
                post_form(&w, &c, &self_path(A), &format!("_csrf={t}&self_funding=10")).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{user}");
        }
        // A form without the session's token is refused.
        let (s, _) = post_form(&w, &a, &self_path(A), "self_funding=10").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let rows = kesu_store::assessment::inputs(
            &w.db,
            CITY,
            2025,
            kesu_store::indicators::AssessBy::Regions,
        )
        .await
        .unwrap();
        assert!(rows.is_empty(), "nothing stored: {rows:?}");
    })
    .await;
}

#[tokio::test]
async fn a_reviewer_score_changes_the_ranking_as_computed_by_hand() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        city_with_plan(&w).await;
        let city = w.login("city_admin").await;
        two_item_scheme(&w, &city).await;
        let token = csrf(&w, &city).await;
        // 娄星: both items done, 10 + 5 = 15. 双峰: funding done, 10.
        for (county, fields) in [
            (A, "done_funding=yes&done_publicity=yes"),
            (B, "done_funding=yes&done_publicity=no"),
        ] {
            let (s, body) = post_form(
                &w,
                &city,
                &review_path(county),
                &format!("_csrf={token}&{fields}"),
            )
            .await;
            assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        }
        let (_, html) = w.page(&city, PAGE).await;
        assert_eq!(
            ranking(&html),
            [(A.to_string(), 1, 15.0), (B.to_string(), 2, 10.0)]
        );
        // A differing reviewer score without a reason is refused, naming the item.
        let (s, body) = post_form(
            &w,
            &city,
            &review_path(A),
            &format!("_csrf={token}&done_funding=yes&done_publicity=yes&score_funding=3"),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("经费保障") && body.contains("须填写理由"), "{body}");
        // With a reason: 娄星 3 + 5 = 8, now behind 双峰's 10.
        let (s, body) = post_form(
            &w,
            &city,
            &review_path(A),
            &format!(
                "_csrf={token}&done_funding=yes&done_publicity=yes&score_funding=3&reason_funding={}",
                enc("经费未足额拨付")
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        let (_, html) = w.page(&city, PAGE).await;
        assert_eq!(
            ranking(&html),
            [(B.to_string(), 1, 10.0), (A.to_string(), 2, 8.0)]
        );
        assert!(html.contains("经费未足额拨付"));
        // Every change is in the audit log with who made it.
        let log = kesu_store::audit::for_object(&w.db, "assessment_input:4313/2025/431302/funding")
            .await
            .unwrap();
        assert_eq!(log.len(), 2, "{log:?}");
        assert!(log.iter().all(|e| e.actor == "city_admin" && e.action == "assessment.review"));
    })
    .await;
}

#[tokio::test]
async fn a_scheme_weight_changed_on_the_page_changes_the_ranking() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        city_with_plan(&w).await;
        let city = w.login("city_admin").await;
        two_item_scheme(&w, &city).await;
        let token = csrf(&w, &city).await;
        // 娄星: funding only, 10. 双峰: publicity only, 5.
        for (county, fields) in [
            (A, "done_funding=yes&done_publicity=no"),
            (B, "done_funding=no&done_publicity=yes"),
        ] {
            post_form(
                &w,
                &city,
                &review_path(county),
                &format!("_csrf={token}&{fields}"),
            )
            .await;
        }
        let (_, html) = w.page(&city, PAGE).await;
        assert_eq!(
            ranking(&html),
            [(A.to_string(), 1, 10.0), (B.to_string(), 2, 5.0)]
        );
        // Weight 3 on publicity: 双峰 5 × 3 = 15 overtakes 娄星's 10.
        let (s, html) = w
            .page(&city, "/dashboard/regions/4313/assessment/scheme")
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("name=\"weight_publicity\""), "{html}");
        let (s, body) = post_form(
            &w,
            &city,
            "/dashboard/regions/4313/assessment/scheme",
            &format!("_csrf={token}&points_funding=10&weight_funding=1&points_publicity=5&weight_publicity=3"),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        let (_, html) = w.page(&city, PAGE).await;
        assert_eq!(
            ranking(&html),
            [(B.to_string(), 1, 15.0), (A.to_string(), 2, 10.0)]
        );
        assert!(html.contains("本地区第2版"), "upload was 1, weights 2: {html}");
        let log = kesu_store::audit::for_object(&w.db, "assessment_scheme:4313")
            .await
            .unwrap();
        assert_eq!(log.len(), 2);
        // A county admin may read its own scheme but not change the city's: out of scope.
        let a = w.login("a_admin").await;
        let ta = csrf(&w, &a).await;
        let (s, _) = post_form(
            &w,
            &a,
            "/dashboard/regions/4313/assessment/scheme",
            &format!("_csrf={ta}&weight_funding=9"),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // The county's reviewer may not change its own region's scheme either: wrong role.
        let r = w.login("a_reviewer").await;
        let tr = csrf(&w, &r).await;
        let (s, _) = post_form(
            &w,
            &r,
            "/dashboard/regions/431302/assessment/scheme",
            &format!("_csrf={tr}&weight_funding=9"),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    })
    .await;
}

#[tokio::test]
async fn a_bad_scheme_is_refused_with_the_field_named_and_nothing_is_stored() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        city_with_plan(&w).await;
        let city = w.login("city_admin").await;
        let token = csrf(&w, &city).await;
        // An item without its points.
        let broken = TWO_ITEMS.replace("\"points\": 5, ", "");
        let (s, body) = upload(
            &w,
            &city,
            "/dashboard/regions/4313/assessment/scheme/upload",
            &token,
            "mine.json",
            &broken,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body.contains("mine.json") && body.contains("points"),
            "{body}"
        );
        // A negative weight: the item and the field are named.
        let negative = TWO_ITEMS.replace(
            "\"source\": \"report_evidence\"}\n  ]",
            "\"source\": \"report_evidence\", \"weight\": -2}\n  ]",
        );
        assert_ne!(negative, TWO_ITEMS);
        let (s, body) = upload(
            &w,
            &city,
            "/dashboard/regions/4313/assessment/scheme/upload",
            &token,
            "mine.json",
            &negative,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body.contains("宣传引导") && body.contains("weight"),
            "{body}"
        );
        // A weight that is not a number on the form: the field is named.
        let (s, body) = post_form(
            &w,
            &city,
            "/dashboard/regions/4313/assessment/scheme",
            &format!("_csrf={token}&weight_funding=abc"),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        // Pages say it in Chinese only: the item and its field by name.
        assert!(body.contains("（funding）的权重“abc”"), "{body}");
        assert!(
            kesu_store::assessment::own_scheme(&w.db, CITY)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            kesu_store::audit::for_object(&w.db, "assessment_scheme:4313")
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn publishing_a_subset_of_indicators_shows_only_those_publicly() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let plan = w.plans[A];
        let tasks = kesu_store::plans::tasks(&w.db, plan).await.unwrap();
        let target_of = |word: &str| {
            tasks
                .iter()
                .find(|t| t.title.contains(word))
                .unwrap()
                .targets[0]
                .id
        };
        let (bases, lectures) = (target_of("科普基地"), target_of("科普讲座"));
        let a = w.login("a_admin").await;
        // The form lists each indicator, ticked by default.
        let (_, html) = w.page(&a, "/dashboard/regions/431302").await;
        for t in [bases, lectures] {
            assert!(
                html.contains(&format!("name=\"target_{t}\" value=\"1\" checked")),
                "{html}"
            );
        }
        let token = csrf(&w, &a).await;
        let (s, body) = post_form(
            &w,
            &a,
            "/dashboard/regions/431302/publish",
            &format!("_csrf={token}&year=2025&targets_listed=1&plan_{plan}=1&target_{bases}=1"),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        let req = Request::get("/public/431302").body(Body::empty()).unwrap();
        let (s, _, html) = send(&w, req).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("科普基地"), "{html}");
        assert!(!html.contains("科普讲座"), "not chosen: {html}");
        // Nothing ticked: refused, nothing new published.
        let (s, body) = post_form(
            &w,
            &a,
            "/dashboard/regions/431302/publish",
            &format!("_csrf={token}&year=2025&targets_listed=1&plan_{plan}=1"),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("至少选择一个指标"), "{body}");
        assert_eq!(
            kesu_store::indicators::snapshots(&w.db, A)
                .await
                .unwrap()
                .len(),
            1
        );
    })
    .await;
}

/// What each account may do on the assessment routes, by the rules written out again here:
/// a reporter and anyone outside the object's region get 404; the county's own admin or
/// reviewer self-scores (others covering it: 403); reviewers and admins of the city review
/// (others covering the county: 403).
#[tokio::test]
async fn every_account_gets_the_status_its_role_and_scope_call_for_on_the_assessment_routes() {
    use kesu_core::authz::Role;
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        city_with_plan(&w).await;
        for (user, (role, region, _)) in w.users.clone() {
            let c = w.login(&user).await;
            let token = csrf(&w, &c).await;
            let outside = |code: &str| role == Role::Reporter || !code.starts_with(region.as_str());
            let office = matches!(role, Role::Admin | Role::Reviewer);
            let (s, _) = w.page(&c, PAGE).await;
            let want = if outside(CITY) {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::OK
            };
            assert_eq!(s, want, "{user} reads the city's assessment");
            for county in [A, B] {
                let (s, _) = w.page(&c, &self_path(county)).await;
                let want = if outside(county) {
                    StatusCode::NOT_FOUND
                } else if office && region == county {
                    StatusCode::OK
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(s, want, "{user} opens {county}'s self-score form");
                let (s, _) =
                    post_form(&w, &c, &review_path(county), &format!("_csrf={token}")).await;
                let want = if outside(county) {
                    StatusCode::NOT_FOUND
                } else if office && region == CITY {
                    StatusCode::SEE_OTHER
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(s, want, "{user} reviews {county}");
            }
        }
    })
    .await;
}
