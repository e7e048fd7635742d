//! Every route of the router × every role × objects in and out of scope: out of scope is always
//! 404 (no hint it exists), in scope but not allowed is 403, never a 500; what a user can read is
//! exactly what its scope says. The routes come from the router itself
//! (`kesu_web::routes::all`), checked against the written-out rules of `common::routes`: a route
//! added without a line there fails here.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test fixtures: a failed set-up fails the test"
)]

mod common;

use axum::http::StatusCode;
use common::routes::{self as spec, ROUTES};
use common::{A, B, World};
use kesu_core::authz::Role;
use serde_json::json;

/// Whether `user` may read a report of `unit` in `county`, by the rules written out again here.
fn may_read_report(w: &World, user: &str, county: &str, unit: i64, lead_units: &[i64]) -> bool {
    let (role, region, own) = &w.users[user];
    match role {
        Role::Reporter => *own == Some(unit) || own.is_some_and(|u| lead_units.contains(&u)),
        _ => county.starts_with(region.as_str()),
    }
}

#[tokio::test]
async fn reports_are_visible_exactly_in_scope_and_never_500() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        for user in w.users.keys().cloned().collect::<Vec<_>>() {
            let cookie = w.login(&user).await;
            for county in [A, B] {
                let slots = w.slots(county).await;
                for s in &slots {
                    let leads: Vec<i64> = if s.role == "lead" {
                        Vec::new()
                    } else {
                        slots
                            .iter()
                            .filter(|o| o.task_id == s.task_id && o.role == "lead")
                            .map(|o| o.unit_id)
                            .collect()
                    };
                    let expect = may_read_report(&w, &user, county, s.unit_id, &leads);
                    let (status, _) = w
                        .call(&cookie, "GET", &format!("/api/v1/reports/{}", s.id), None)
                        .await;
                    assert!(
                        status.as_u16() < 500,
                        "{user} GET report {}: {status}",
                        s.id
                    );
                    assert_eq!(
                        status == StatusCode::OK,
                        expect,
                        "{user} reads report {} of {county}: {status}",
                        s.id
                    );
                    if !expect {
                        assert_eq!(
                            status,
                            StatusCode::NOT_FOUND,
                            "{user} out of scope must get 404"
                        );
                    }
                    let (status, _) = w.page(&cookie, &format!("/reports/{}", s.id)).await;
                    assert_eq!(
                        status == StatusCode::OK,
                        expect,
                        "{user} report page {}: {status}",
                        s.id
                    );
                }
            }
        }
    })
    .await;
}

#[tokio::test]
async fn writes_out_of_scope_are_404_and_wrong_roles_403() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let target = w.slots(A).await.into_iter().next().unwrap();
        let body = json!({"version": target.version, "content": "x", "reason": "r"});
        let routes = [
            ("PUT", format!("/api/v1/reports/{}", target.id)),
            ("POST", format!("/api/v1/reports/{}/submit", target.id)),
            ("POST", format!("/api/v1/reports/{}/return", target.id)),
            ("POST", format!("/api/v1/reports/{}/accept", target.id)),
            ("POST", format!("/api/v1/reports/{}/unlock", target.id)),
        ];
        for user in ["b_admin", "b_reviewer", "b_viewer", "b_reporter0"] {
            let cookie = w.login(user).await;
            for (m, path) in &routes {
                let (status, v) = w.call(&cookie, m, path, Some(body.clone())).await;
                assert_eq!(status, StatusCode::NOT_FOUND, "{user} {m} {path}: {v}");
                assert_eq!(v["error"]["code"], "not_found");
            }
        }
        let cookie = w.login("a_viewer").await;
        for (m, path) in &routes {
            let (status, _) = w.call(&cookie, m, path, Some(body.clone())).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "viewer {m} {path}");
        }
        let cookie = w.login("a_reviewer").await;
        let (status, _) = w
            .call(&cookie, "PUT", &routes[0].1, Some(body.clone()))
            .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "a reviewer does not write reports"
        );
    })
    .await;
}

#[tokio::test]
async fn plans_rounds_and_tasks_of_the_neighbour_county_are_404() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let cookie = w.login("a_admin").await;
        let (s, _) = w.call(&cookie, "GET", &format!("/api/v1/plans/{}/tasks", w.plans[B]), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = w.call(&cookie, "GET", &format!("/api/v1/rounds/{}/matrix", w.rounds[B]), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, v) = w.call(&cookie, "GET", "/api/v1/plans", None).await;
        assert_eq!(s, StatusCode::OK);
        let ids: Vec<i64> = v["plans"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, vec![w.plans[A]]);
        let body = json!({"plan_id": w.plans[B], "period": "2025Q2", "due": "2025-07-15", "lock": "2025-07-31"});
        let (s, _) = w.call(&cookie, "POST", "/api/v1/rounds", Some(body)).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let city = w.login("city_admin").await;
        let (s, v) = w.call(&city, "GET", "/api/v1/plans", None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["plans"].as_array().unwrap().len(), 2, "a city sees both counties");
    })
    .await;
}

#[tokio::test]
async fn only_admins_read_the_audit_log_and_only_their_subtree() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        for user in ["a_reviewer", "a_viewer", "a_reporter0"] {
            let cookie = w.login(user).await;
            let (s, _) = w.call(&cookie, "GET", "/api/v1/audit", None).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{user}");
        }
        let cookie = w.login("a_admin").await;
        let (s, v) = w
            .call(&cookie, "GET", "/api/v1/audit?limit=1000", None)
            .await;
        assert_eq!(s, StatusCode::OK);
        for e in v["entries"].as_array().unwrap() {
            if let Some(r) = e["region_code"].as_str() {
                assert!(r.starts_with(A), "audit entry of {r} leaked to {A}");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn no_session_is_401_for_the_api_and_a_redirect_for_pages() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let (s, v) = w.call("x=1", "GET", "/api/v1/me", None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert_eq!(v["error"]["code"], "unauthenticated");
        let (s, _) = w.page("x=1", "/rounds").await;
        assert_eq!(s, StatusCode::SEE_OTHER);
    })
    .await;
}

#[tokio::test]
async fn every_route_of_the_router_is_in_the_matrix() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let served = spec::router_routes(&w.state).await;
        let written: std::collections::BTreeSet<(String, String)> = ROUTES
            .iter()
            .map(|r| (r.method.to_string(), r.path.to_string()))
            .collect();
        let missing: Vec<_> = served.difference(&written).collect();
        assert!(
            missing.is_empty(),
            "routes without a line in tests/common/routes.rs saying who may reach them: {missing:?}"
        );
        let stale: Vec<_> = written.difference(&served).collect();
        assert!(
            stale.is_empty(),
            "lines for routes the router no longer has: {stale:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn every_route_answers_every_role_in_and_out_of_scope_as_the_rules_say() {
    kesu_store::testing::each_backend(|db| async move {
        let x = common::scope::scoped(db).await;
        let mut failures = Vec::new();
        let mut asked = 0usize;
        let mut who: Vec<Option<spec::Subject>> =
            spec::subjects(&x).into_iter().map(Some).collect();
        who.push(None);
        for s in &who {
            let (cookie, csrf) = match s {
                Some(s) => {
                    let c = x.w.login(&s.name).await;
                    let t = spec::csrf(&x, &c).await;
                    (Some(c), t)
                }
                None => (None, "0".repeat(64)),
            };
            let order = ROUTES.iter();
            for route in order {
                // Each sign-out on a session of its own.
                let (cookie, csrf) = match (s, route.need) {
                    (Some(s), spec::Need::SignOut) => {
                        let c = x.w.login(&s.name).await;
                        let t = spec::csrf(&x, &c).await;
                        (Some(c), t)
                    }
                    _ => (cookie.clone(), csrf.clone()),
                };
                for o in common::objects::instances(&x, route.obj).await {
                    let want = spec::expect(s.as_ref(), route, &o);
                    let path = o.path(route.path);
                    let (ct, body) = spec::body(route, &csrf, &o);
                    let (status, location, bytes, _) =
                        spec::send(&x, cookie.as_deref(), route.method, &path, ct, body).await;
                    asked += 1;
                    if !spec::answers(want, status, location.as_deref()) {
                        failures.push(format!(
                            "{} {} {path} ({}): {status}, expected {want:?} — {}",
                            s.as_ref().map_or("stranger", |s| s.name.as_str()),
                            route.method,
                            o.label,
                            String::from_utf8_lossy(&bytes)
                                .chars()
                                .take(160)
                                .collect::<String>()
                        ));
                    }
                }
            }
        }
        assert!(asked > 1000, "the matrix asked only {asked} questions");
        assert!(
            failures.is_empty(),
            "{} of {asked} answers differ from the rules:\n{}",
            failures.len(),
            failures.join("\n")
        );
    })
    .await;
}
