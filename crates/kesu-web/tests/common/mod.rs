//! A small world for web tests: two counties of one city, units in each, a plan per county with
//! tasks led by one unit and supported by another, one account per role, and an open round.
//! Everything goes through the real store on a real database (SQLite, and PostgreSQL when
//! `KESU_TEST_PG_URL` is set), and requests go through the real router.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "shared by several test binaries; a failed set-up fails the test"
)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use kesu_core::authz::Role;
use kesu_core::region::RegionCode;
use kesu_store::Db;
use kesu_web::{AppState, router};
use serde_json::Value;
use std::collections::BTreeMap;
use tower::ServiceExt;

pub const PASSWORD: &str = "correct-horse-1";

/// A county plan in the shape documents have: numbered tasks with trailing units.
pub fn plan_text(county: &str) -> String {
    format!(
        "{county}全民科学素质行动规划纲要实施方案（2021—2025年）\n\
         一、提升行动\n\
         （一）青少年科学素质提升行动\n\
         1.开展科普讲座，每年不少于10场次。（区教育局牵头，区科协配合）\n\
         2.建设科普基地5家以上。（区科协牵头，区教育局配合）\n\
         二、重点工程\n\
         （一）科普信息化工程\n\
         1.建设科普网站。（区融媒体中心负责）\n"
    )
}

pub struct World {
    pub db: Db,
    pub state: AppState,
    pub dir: tempfile::TempDir,
    /// user name → (role, region, unit)
    pub users: BTreeMap<String, (Role, String, Option<i64>)>,
    /// county code → plan id
    pub plans: BTreeMap<String, i64>,
    /// county code → round id
    pub rounds: BTreeMap<String, i64>,
    /// county code → unit name → unit id
    pub units: BTreeMap<String, BTreeMap<String, i64>>,
}

pub const CITY: &str = "4313";
pub const A: &str = "431302";
pub const B: &str = "431321";

async fn add_user(db: &Db, w: &mut World, name: &str, role: Role, region: &str, unit: Option<i64>) {
    let hash = kesu_web::auth::hash_password(PASSWORD).unwrap();
    let u = kesu_store::accounts::NewUser {
        username: name.into(),
        display_name: name.into(),
        role,
        region: RegionCode::parse(region).unwrap(),
        unit_id: unit,
        password_hash: hash,
    };
    kesu_store::accounts::add_user(db, &u, &kesu_store::Actor::system())
        .await
        .unwrap();
    w.users.insert(name.into(), (role, region.into(), unit));
}

pub async fn world(db: Db) -> World {
    let dir = tempfile::tempdir().unwrap();
    let mut state = AppState::new(db.clone(), dir.path().join("files"));
    state.clock = std::sync::Arc::new(Some(time::macros::datetime!(2025-04-10 02:00 UTC)));
    state.keys = Some(std::sync::Arc::new(
        kesu_pii::KeyRing::generate(kesu_pii::Suite::Sm, "2025-04-10").unwrap(),
    ));
    let mut w = World {
        db: db.clone(),
        state,
        dir,
        users: BTreeMap::new(),
        plans: BTreeMap::new(),
        rounds: BTreeMap::new(),
        units: BTreeMap::new(),
    };
    crate::common::fixture::regions(&db).await;
    for (county, name) in [(A, "娄星区"), (B, "双峰县")] {
        let plan = kesu_plan::parse_text(&plan_text(name)).unwrap();
        let id = crate::common::fixture::import_plan(&db, &plan, county).await;
        w.plans.insert(county.into(), id);
        w.units.insert(
            county.into(),
            crate::common::fixture::units_of(&db, county).await,
        );
        let round = kesu_store::reporting::NewRound {
            plan_id: id,
            period: kesu_core::report::Period::parse("2025Q1").unwrap(),
            due: time::macros::date!(2025 - 04 - 15),
            lock: time::macros::date!(2025 - 04 - 30),
            demo: false,
        };
        let r = kesu_store::reporting::open_round(&db, &round, &kesu_store::Actor::system())
            .await
            .unwrap();
        w.rounds.insert(county.into(), r);
    }
    add_user(&db, &mut w, "city_admin", Role::Admin, CITY, None).await;
    for (county, tag) in [(A, "a"), (B, "b")] {
        add_user(
            &db,
            &mut w,
            &format!("{tag}_admin"),
            Role::Admin,
            county,
            None,
        )
        .await;
        add_user(
            &db,
            &mut w,
            &format!("{tag}_reviewer"),
            Role::Reviewer,
            county,
            None,
        )
        .await;
        add_user(
            &db,
            &mut w,
            &format!("{tag}_viewer"),
            Role::Viewer,
            county,
            None,
        )
        .await;
        let units = w.units[county].clone();
        for (i, (_, id)) in units.iter().enumerate() {
            add_user(
                &db,
                &mut w,
                &format!("{tag}_reporter{i}"),
                Role::Reporter,
                county,
                Some(*id),
            )
            .await;
        }
    }
    w
}

impl World {
    /// Sign in and return the session cookie.
    pub async fn login(&self, user: &str) -> String {
        let body = serde_json::json!({"username": user, "password": PASSWORD}).to_string();
        let res = router(self.state.clone())
            .oneshot(
                Request::post("/api/v1/login")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "login {user}");
        let cookie = res
            .headers()
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap();
        cookie.split(';').next().unwrap().to_string()
    }

    /// A JSON request as a signed-in user; status and body.
    pub async fn call(
        &self,
        cookie: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, cookie);
        let body = match body {
            Some(b) => {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Body::from(b.to_string())
            }
            None => Body::empty(),
        };
        let res = router(self.state.clone())
            .oneshot(req.body(body).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let v = serde_json::from_slice(&bytes)
            .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()));
        (status, v)
    }

    /// A page request as a signed-in user; status and HTML.
    pub async fn page(&self, cookie: &str, path: &str) -> (StatusCode, String) {
        let req = Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        let res = router(self.state.clone()).oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The user name of a reporter of `unit`.
    pub fn reporter_of(&self, unit: i64) -> String {
        self.users
            .iter()
            .find(|(_, (r, _, u))| *r == Role::Reporter && *u == Some(unit))
            .map(|(name, _)| name.clone())
            .expect("every unit of the fixture has a reporter")
    }

    /// The report slots of a county's round.
    pub async fn slots(&self, county: &str) -> Vec<kesu_store::reporting::Slot> {
        kesu_store::reporting::slots(&self.db, self.rounds[county])
            .await
            .unwrap()
    }
}

pub mod citizens;
pub mod drafts;
pub mod fixture;
pub mod objects;
pub mod routes;
pub mod scope;
pub mod services;
