//! The citizens' features through the real router on a real database (SQLite, and PostgreSQL
//! when `KESU_TEST_PG_URL` is set): the public test scored by the national rule, one counted
//! attempt per phone, the server's time limit, the ledger's scope, reveals and moves.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed set-up fails the test"
)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use kesu_core::authz::Role;
use kesu_core::region::RegionCode;
use kesu_store::Db;
use kesu_store::testing::each_backend;
use kesu_web::pages::citizens::demo::BANK;
use kesu_web::{AppState, router};
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt;

const PASSWORD: &str = "correct-horse-1";
const VILLAGE_A: &str = "431302001001";
const VILLAGE_B: &str = "431302002001";
const REGIONS: &str = "code,name\n43,湖南省\n4313,娄底市\n431302,娄星区\n431302001,乐坪街道\n\
    431302001001,甲村\n431302001002,乙村\n431302002,花山街道\n431302002001,丙村\n";

struct T {
    db: Db,
    state: AppState,
    test_id: i64,
}

async fn setup(db: Db) -> T {
    kesu_store::regions::import_seed_csv(
        &db,
        &kesu_store::Actor::new("t"),
        REGIONS.as_bytes(),
        "r.csv",
        "2023",
    )
    .await
    .unwrap();
    for (name, role, region) in [
        ("city_admin", Role::Admin, "4313"),
        ("city_reviewer", Role::Reviewer, "4313"),
        ("town_admin", Role::Admin, "431302001"),
        ("va", Role::Admin, VILLAGE_A),
        ("vb", Role::Admin, VILLAGE_B),
    ] {
        let u = kesu_store::accounts::NewUser {
            username: name.into(),
            display_name: name.into(),
            role,
            region: RegionCode::parse(region).unwrap(),
            unit_id: None,
            password_hash: kesu_web::auth::hash_password(PASSWORD).unwrap(),
        };
        kesu_store::accounts::add_user(&db, &u, &kesu_store::Actor::system())
            .await
            .unwrap();
    }
    let mut state = AppState::new(
        db.clone(),
        std::env::temp_dir().join("kesu-citizens-test-files"),
    );
    state.clock = Arc::new(Some(time::macros::datetime!(2025-04-10 02:00 UTC)));
    state.keys = Some(Arc::new(
        kesu_pii::KeyRing::generate(kesu_pii::Suite::Sm, "2025-04-10").unwrap(),
    ));
    let test_id = kesu_web::pages::citizens::demo::seed(&db, "4313", state.today())
        .await
        .unwrap();
    T { db, state, test_id }
}

impl T {
    async fn login(&self, user: &str) -> String {
        let (status, _, cookie) = self
            .raw(
                "POST",
                "/api/v1/login",
                None,
                Some(json!({"username": user, "password": PASSWORD})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login {user}");
        cookie.unwrap()
    }

    async fn raw(
        &self,
        method: &str,
        path: &str,
        cookie: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value, Option<String>) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
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
        let cookie = res
            .headers()
            .get(header::SET_COOKIE)
            .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_string());
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let v = serde_json::from_slice(&bytes)
            .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()));
        (status, v, cookie)
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        cookie: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let (s, v, _) = self.raw(method, path, cookie, body).await;
        (s, v)
    }

    async fn start(&self, phone: &str) -> (StatusCode, Value) {
        let body = json!({"name": "张小三", "phone": phone, "village": VILLAGE_A, "key_group": "farmers", "consent": true});
        self.call(
            "POST",
            &format!("/api/v1/public/tests/{}/attempts", self.test_id),
            None,
            Some(body),
        )
        .await
    }

    /// The answers, as shown positions, that are right (or, `right = false`, all wrong).
    fn answers(paper: &Value, right: bool) -> Vec<Vec<u8>> {
        paper["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| {
                let stem = item["stem"].as_str().unwrap();
                let (_, _, opts, key, kind, ..) = BANK.iter().find(|b| b.1 == stem).unwrap();
                let texts: Vec<String> = if *kind == "判断" {
                    vec!["正确".into(), "错误".into()]
                } else {
                    opts.iter().map(|s| s.to_string()).collect()
                };
                let keyed: Vec<usize> = if *kind == "判断" {
                    vec![if *key == "对" { 0 } else { 1 }]
                } else {
                    key.chars().map(|c| (c as u8 - b'A') as usize).collect()
                };
                let shown: Vec<&str> = item["options"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| o.as_str().unwrap())
                    .collect();
                let pos = |i: usize| shown.iter().position(|s| *s == texts[i]).unwrap() as u8;
                if right {
                    keyed.iter().map(|i| pos(*i)).collect()
                } else {
                    let wrong = (0..texts.len()).find(|i| !keyed.contains(i)).unwrap();
                    vec![pos(wrong)]
                }
            })
            .collect()
    }
}

#[tokio::test]
async fn right_answers_score_100_and_pass_and_wrong_answers_score_0() {
    each_backend(|db| async move {
        let t = setup(db).await;
        for (phone, right, score) in [("13800000001", true, 100.0), ("13800000002", false, 0.0)] {
            let (s, started) = t.start(phone).await;
            assert_eq!(s, StatusCode::OK, "{started}");
            let token = started["token"].as_str().unwrap();
            let (s, paper) = t
                .call(
                    "GET",
                    &format!("/api/v1/public/attempts/{token}"),
                    None,
                    None,
                )
                .await;
            assert_eq!(s, StatusCode::OK);
            assert_eq!(paper["items"].as_array().unwrap().len(), 12);
            let answers = T::answers(&paper, right);
            let (s, result) = t
                .call(
                    "POST",
                    &format!("/api/v1/public/attempts/{token}/submit"),
                    None,
                    Some(json!({"answers": answers})),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{result}");
            assert_eq!(result["score"], json!(score));
            assert_eq!(result["passed"], json!(right));
        }
    })
    .await;
}

#[tokio::test]
async fn the_public_paper_never_holds_the_answers() {
    each_backend(|db| async move {
        let t = setup(db).await;
        let (_, started) = t.start("13800000003").await;
        let token = started["token"].as_str().unwrap();
        let (_, paper) = t
            .call(
                "GET",
                &format!("/api/v1/public/attempts/{token}"),
                None,
                None,
            )
            .await;
        let text = paper.to_string();
        assert!(
            !text.contains("answer") && !text.contains("correct"),
            "{text}"
        );
        let (_, test) = t
            .call(
                "GET",
                &format!("/api/v1/public/tests/{}", t.test_id),
                None,
                None,
            )
            .await;
        assert!(!test.to_string().contains("answer"));
    })
    .await;
}

#[tokio::test]
async fn a_second_attempt_with_the_same_phone_is_refused_however_it_is_written() {
    each_backend(|db| async move {
        let t = setup(db).await;
        assert_eq!(t.start("13800000004").await.0, StatusCode::OK);
        let (s, body) = t.start("+86 138-0000-0004").await;
        assert_eq!(s, StatusCode::CONFLICT, "{body}");
        assert!(body.to_string().contains("已参加过"), "{body}");
    })
    .await;
}

#[tokio::test]
async fn answers_after_the_time_limit_are_not_counted() {
    each_backend(|db| async move {
        let mut t = setup(db).await;
        let (_, started) = t.start("13800000005").await;
        let token = started["token"].as_str().unwrap().to_string();
        let (_, paper) = t
            .call(
                "GET",
                &format!("/api/v1/public/attempts/{token}"),
                None,
                None,
            )
            .await;
        // 20 minutes allowed; 25 minutes later.
        t.state.clock = Arc::new(Some(time::macros::datetime!(2025-04-10 02:25 UTC)));
        let (s, result) = t
            .call(
                "POST",
                &format!("/api/v1/public/attempts/{token}/submit"),
                None,
                Some(json!({"answers": T::answers(&paper, true)})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(result["score"], json!(0.0));
        assert_eq!(result["late"], json!(true));
    })
    .await;
}

async fn add_entry(t: &T, user: &str, village: &str, id_number: &str) -> i64 {
    add_entry_on(
        t,
        user,
        village,
        id_number,
        time::macros::date!(2025 - 03 - 01),
    )
    .await
}

async fn add_entry_on(
    t: &T,
    user: &str,
    village: &str,
    id_number: &str,
    entered_on: time::Date,
) -> i64 {
    let actor = kesu_store::accounts::user_by_name(&t.db, user)
        .await
        .unwrap()
        .unwrap();
    let who = kesu_core::authz::Actor {
        user_id: actor.id,
        username: actor.username.clone(),
        role: Role::parse(&actor.role).unwrap(),
        region: RegionCode::parse(&actor.region_code).unwrap(),
        unit_id: None,
    };
    let caller = kesu_app::Caller::user(who, kesu_store::Actor::new(user));
    let ctx = kesu_app::Ctx {
        db: t.db.clone(),
        fixed_now: *t.state.clock,
    };
    let out = kesu_app::citizens::ledger::add(
        &ctx,
        &caller,
        t.state.keys.as_ref().unwrap(),
        kesu_app::citizens::ledger::NewEntry {
            name: "李四".into(),
            id_number: id_number.into(),
            phone: "13912345678".into(),
            village: village.into(),
            key_group: "农民".into(),
            basis: "import".into(),
            attempt_id: None,
            wave_id: None,
            document: "村台账2025-1".into(),
            entered_on,
            birth_date: None,
            sex: None,
        },
    )
    .await
    .unwrap();
    match out {
        kesu_app::citizens::ledger::AddOutcome::Added(id) => id,
        other => panic!("{other:?}"),
    }
}

const ID_A: &str = "11010519491231002X";
const ID_B: &str = "430102199001011238";

#[tokio::test]
async fn a_village_or_township_sees_only_its_own_entries() {
    each_backend(|db| async move {
        let t = setup(db).await;
        let a = add_entry(&t, "va", VILLAGE_A, ID_A).await;
        let b = add_entry(&t, "vb", VILLAGE_B, ID_B).await;
        let va = t.login("va").await;
        let town = t.login("town_admin").await;
        assert_eq!(
            t.call("GET", &format!("/ledger/entries/{a}"), Some(&va), None)
                .await
                .0,
            StatusCode::OK
        );
        assert_eq!(
            t.call("GET", &format!("/ledger/entries/{b}"), Some(&va), None)
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            t.call("GET", &format!("/ledger/entries/{a}"), Some(&town), None)
                .await
                .0,
            StatusCode::OK
        );
        assert_eq!(
            t.call("GET", &format!("/ledger/entries/{b}"), Some(&town), None)
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        let (s, _) = t
            .call(
                "GET",
                &format!("/api/v1/ledger/count?region={VILLAGE_B}"),
                Some(&va),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, c) = t
            .call(
                "GET",
                "/api/v1/ledger/count?region=4313&by=group",
                Some(&t.login("city_admin").await),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(c["count"], json!(2));
        assert_eq!(c["by"]["农民"], json!(2));
        let (_, entries) = t
            .call(
                "GET",
                &format!("/api/v1/ledger/entries?region={VILLAGE_A}"),
                Some(&va),
                None,
            )
            .await;
        assert_eq!(entries.as_array().unwrap().len(), 1);
        assert_eq!(entries[0]["id_number"], json!("110***********002X"));
    })
    .await;
}

#[tokio::test]
async fn a_reveal_needs_the_permission_and_a_reason_and_leaves_an_audit_row() {
    each_backend(|db| async move {
        let t = setup(db).await;
        let a = add_entry(&t, "va", VILLAGE_A, ID_A).await;
        let path = format!("/api/v1/ledger/entries/{a}/reveal");
        let reviewer = t.login("city_reviewer").await;
        let (s, body) = t
            .call(
                "POST",
                &path,
                Some(&reviewer),
                Some(json!({"field": "id_number", "reason": "核对身份"})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(!body.to_string().contains(ID_A));
        let (_, html) = t
            .call(
                "GET",
                &format!("/ledger/entries/{a}"),
                Some(&reviewer),
                None,
            )
            .await;
        assert!(
            !html.to_string().contains(ID_A) && html.to_string().contains("110***********002X")
        );
        let admin = t.login("city_admin").await;
        assert_eq!(
            t.call(
                "POST",
                &path,
                Some(&admin),
                Some(json!({"field": "id_number", "reason": "核对身份"}))
            )
            .await
            .0,
            StatusCode::FORBIDDEN,
            "an admin without the permission sees masks only"
        );
        let caller = kesu_app::Caller::operator();
        let ctx = kesu_app::Ctx::new(t.db.clone());
        kesu_app::citizens::ledger::set_reveal_permission(&ctx, &caller, "city_admin", "grant")
            .await
            .unwrap();
        let (s, _) = t
            .call(
                "POST",
                &path,
                Some(&admin),
                Some(json!({"field": "id_number", "reason": " "})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a reason is required");
        let (s, v) = t
            .call(
                "POST",
                &path,
                Some(&admin),
                Some(json!({"field": "id_number", "reason": "核对身份"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["value"], json!(ID_A));
        let audit = serde_json::to_string(&kesu_store::audit::recent(&t.db, 10_000).await.unwrap())
            .unwrap();
        assert!(
            audit.contains("ledger.reveal") && audit.contains("核对身份"),
            "{audit}"
        );
        assert!(!audit.contains(ID_A), "the audit row never holds the value");
    })
    .await;
}

#[tokio::test]
async fn a_move_is_accepted_by_the_receiving_village_only() {
    each_backend(|db| async move {
        let t = setup(db).await;
        let a = add_entry(&t, "va", VILLAGE_A, ID_A).await;
        let va = t.login("va").await;
        let vb = t.login("vb").await;
        let ctx = kesu_app::Ctx::new(t.db.clone());
        let entry = kesu_store::citizens::ledger::entry(&t.db, a)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(entry.region_code, VILLAGE_A);
        let va_caller = caller_of(&t, "va").await;
        let m = kesu_app::citizens::ledger::request_move(&ctx, &va_caller, a, VILLAGE_B, "")
            .await
            .unwrap();
        let accept = |who| {
            let who: kesu_app::Caller = who;
            let ctx = ctx.clone();
            async move { kesu_app::citizens::ledger::decide_move(&ctx, &who, m, "accept").await }
        };
        assert!(matches!(
            accept(va_caller.clone()).await,
            Err(kesu_app::Error::Conflict(_))
        ));
        accept(caller_of(&t, "vb").await).await.unwrap();
        let entry = kesu_store::citizens::ledger::entry(&t.db, a)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(entry.region_code, VILLAGE_B);
        assert_eq!(
            t.call("GET", &format!("/ledger/entries/{a}"), Some(&va), None)
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            t.call("GET", &format!("/ledger/entries/{a}"), Some(&vb), None)
                .await
                .0,
            StatusCode::OK
        );
        let (_, c) = t
            .call(
                "GET",
                &format!("/api/v1/ledger/count?region={VILLAGE_B}"),
                Some(&vb),
                None,
            )
            .await;
        assert_eq!(c["count"], json!(1));
    })
    .await;
}

async fn caller_of(t: &T, user: &str) -> kesu_app::Caller {
    let u = kesu_store::accounts::user_by_name(&t.db, user)
        .await
        .unwrap()
        .unwrap();
    kesu_app::Caller::user(
        kesu_core::authz::Actor {
            user_id: u.id,
            username: u.username,
            role: Role::parse(&u.role).unwrap(),
            region: RegionCode::parse(&u.region_code).unwrap(),
            unit_id: None,
        },
        kesu_store::Actor::new(user),
    )
}

#[tokio::test]
async fn results_are_labelled_as_a_self_selected_sample() {
    each_backend(|db| async move {
        let t = setup(db).await;
        let (_, started) = t.start("13800000006").await;
        let token = started["token"].as_str().unwrap();
        let (_, paper) = t
            .call(
                "GET",
                &format!("/api/v1/public/attempts/{token}"),
                None,
                None,
            )
            .await;
        t.call(
            "POST",
            &format!("/api/v1/public/attempts/{token}/submit"),
            None,
            Some(json!({"answers": T::answers(&paper, true)})),
        )
        .await;
        let admin = t.login("city_admin").await;
        let (s, html) = t
            .call(
                "GET",
                &format!("/citizens/tests/{}", t.test_id),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let html = html.to_string();
        assert!(html.contains("自愿参与样本，不代表全民科学素质比例"));
        assert!(
            html.contains("张*三") && !html.contains("张小三") && !html.contains("13800000006")
        );
        let (s, _) = t
            .call(
                "GET",
                &format!("/citizens/tests/{}", t.test_id),
                Some(&t.login("vb").await),
                None,
            )
            .await;
        assert_eq!(
            s,
            StatusCode::OK,
            "a village sees its own part of a city test"
        );
    })
    .await;
}

#[tokio::test]
async fn retention_ends_old_entries_and_deletes_them_after_the_keep_period() {
    each_backend(|db| async move {
        let mut t = setup(db).await;
        let fresh = add_entry(&t, "va", VILLAGE_A, ID_A).await;
        let old = add_entry_on(
            &t,
            "va",
            VILLAGE_A,
            ID_B,
            time::macros::date!(2019 - 06 - 01),
        )
        .await;
        let ctx = |t: &T| kesu_app::Ctx {
            db: t.db.clone(),
            fixed_now: *t.state.clock,
        };
        let op = kesu_app::Caller::operator();
        // 2025-04-10: the 2019 entry is past its five years.
        let r = kesu_app::citizens::ledger::apply_retention(&ctx(&t), &op)
            .await
            .unwrap();
        assert_eq!((r.expired, r.purged), (1, 0));
        let e = kesu_store::citizens::ledger::entry(&t.db, old)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (e.status.as_str(), e.removed_reason.as_deref()),
            ("removed", Some("expired"))
        );
        // Four years later it has been kept three years after it ended: deleted.
        t.state.clock = Arc::new(Some(time::macros::datetime!(2029-04-10 02:00 UTC)));
        let r = kesu_app::citizens::ledger::apply_retention(&ctx(&t), &op)
            .await
            .unwrap();
        assert_eq!((r.expired, r.purged), (0, 1));
        assert!(
            kesu_store::citizens::ledger::entry(&t.db, old)
                .await
                .unwrap()
                .is_none()
        );
        let f = kesu_store::citizens::ledger::entry(&t.db, fresh)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(f.status, "active");
        let c = kesu_store::citizens::ledger::count(&t.db, "4313")
            .await
            .unwrap();
        assert_eq!(c.iter().map(|(_, n)| n).sum::<i64>(), 1);
        let denied = kesu_app::citizens::ledger::apply_retention(
            &ctx(&t),
            &caller_of(&t, "city_admin").await,
        )
        .await;
        assert!(matches!(denied, Err(kesu_app::Error::Forbidden)));
    })
    .await;
}

#[tokio::test]
async fn a_persons_data_is_exported_and_erased_on_request() {
    each_backend(|db| async move {
        let t = setup(db).await;
        let a = add_entry(&t, "va", VILLAGE_A, ID_A).await;
        // The same person took the test with the ledger entry's phone.
        let (_, started) = t.start("13912345678").await;
        let attempt = started["attempt_id"].as_i64().unwrap();
        let ctx = kesu_app::Ctx {
            db: t.db.clone(),
            fixed_now: *t.state.clock,
        };
        let keys = t.state.keys.clone().unwrap();
        let op = kesu_app::Caller::operator();
        let reviewer = caller_of(&t, "city_reviewer").await;
        let denied =
            kesu_app::citizens::person::export(&ctx, &reviewer, &keys, ID_A, "", "本人申请").await;
        assert!(matches!(denied, Err(kesu_app::Error::Forbidden)));
        let out = kesu_app::citizens::person::export(&ctx, &op, &keys, ID_A, "", "本人申请")
            .await
            .unwrap();
        assert_eq!(out.entries.len(), 1);
        assert_eq!(out.entries[0].id_number, ID_A);
        assert_eq!(out.attempts.len(), 1, "found through the entry's phone");
        assert_eq!(out.attempts[0].phone, "13912345678");
        let audit = serde_json::to_string(&kesu_store::audit::recent(&t.db, 10_000).await.unwrap())
            .unwrap();
        assert!(audit.contains("citizens.person.export") && !audit.contains(ID_A));
        let gone = kesu_app::citizens::person::erase(&ctx, &op, &keys, ID_A, "", "本人申请删除")
            .await
            .unwrap();
        assert_eq!((gone.entries, gone.attempts), (1, 1));
        assert!(
            kesu_store::citizens::ledger::entry(&t.db, a)
                .await
                .unwrap()
                .is_none()
        );
        let att = kesu_store::citizens::quiz::attempt(&t.db, attempt)
            .await
            .unwrap()
            .unwrap();
        assert!(att.name_ct.is_none() && att.phone_ct.is_none());
        let again =
            kesu_app::citizens::person::export(&ctx, &op, &keys, ID_A, "", "本人申请").await;
        assert!(matches!(again, Err(kesu_app::Error::NotFound)));
    })
    .await;
}

#[tokio::test]
async fn a_resident_list_returns_those_not_in_the_ledger_masked_and_is_not_kept() {
    each_backend(|db| async move {
        let t = setup(db).await;
        add_entry(&t, "vb", VILLAGE_B, ID_A).await;
        let list = format!("姓名,身份证号\n李四,{ID_A}\n王小五,{ID_B}\n");
        let ctx = kesu_app::Ctx {
            db: t.db.clone(),
            fixed_now: *t.state.clock,
        };
        let keys = t.state.keys.clone().unwrap();
        let before = kesu_store::audit::recent(&t.db, 10_000)
            .await
            .unwrap()
            .len();
        let va = caller_of(&t, "va").await;
        let out = kesu_app::citizens::ledger::unlisted_residents(
            &ctx,
            &va,
            &keys,
            VILLAGE_A,
            list.as_bytes(),
        )
        .await
        .unwrap();
        let kesu_app::citizens::ledger::ResidentCheck::Checked {
            residents,
            in_ledger,
            unlisted,
        } = out
        else {
            panic!("refused");
        };
        assert_eq!(
            (residents, in_ledger),
            (2, 1),
            "an entry in another village counts as in the ledger"
        );
        assert_eq!(unlisted.len(), 1);
        assert_eq!((unlisted[0].row, unlisted[0].name.as_str()), (3, "王*五"));
        assert_eq!(unlisted[0].id_number, "430***********1238");
        assert_eq!(
            kesu_store::audit::recent(&t.db, 10_000)
                .await
                .unwrap()
                .len(),
            before,
            "nothing written"
        );
        let other = kesu_app::citizens::ledger::unlisted_residents(
            &ctx,
            &va,
            &keys,
            VILLAGE_B,
            list.as_bytes(),
        )
        .await;
        assert!(matches!(other, Err(kesu_app::Error::NotFound)));
    })
    .await;
}
