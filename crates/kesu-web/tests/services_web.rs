//! The services through the real router on a real database: the API's statuses (201, 409, 404,
//! 422), public pages for citizens, check-in sent twice, an order through four accounts, the
//! office pages, scope and masking.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers; a failed set-up fails the test"
)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{A, world};
use http_body_util::BodyExt;
use kesu_store::testing::each_backend;
use serde_json::{Value, json};
use tower::ServiceExt;

/// A request without an account.
async fn anon(
    w: &common::World,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    w.call("", method, path, body).await
}

async fn anon_page(w: &common::World, path: &str) -> (StatusCode, String) {
    let res = kesu_web::router(w.state.clone())
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// A form post as a signed-in user (with the session's form token); status and Location.
async fn form(
    w: &common::World,
    cookie: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let (_, html) = w.page(cookie, "/services").await;
    let csrf = html
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("")
        .to_string();
    let mut body = format!("_csrf={csrf}");
    for (k, v) in fields {
        body.push_str(&format!("&{k}={}", kesu_web::pages::percent_encode(v)));
    }
    let res = kesu_web::router(w.state.clone())
        .oneshot(
            Request::post(path)
                .header(header::COOKIE, cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
        .unwrap();
    let loc = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (res.status(), loc)
}

/// A base with a slot of `capacity` places two days ahead of the world's clock.
async fn base_and_slot(w: &common::World, cookie: &str, capacity: i64) -> (i64, i64) {
    let (st, r) = w
        .call(
            cookie,
            "POST",
            "/api/v1/resources",
            Some(json!({"kind": "base", "name": "娄星区科技馆", "region": A, "groups": "青少年"})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    let id = r["id"].as_i64().unwrap();
    let (st, s) = w
        .call(cookie, "POST", "/api/v1/slots", Some(json!({"resource_id": id,
            "start": "2025-04-12T09:00:00+08:00", "end": "2025-04-12T11:00:00+08:00", "capacity": capacity})))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{s}");
    (id, s["id"].as_i64().unwrap())
}

fn booking(slot: i64, phone: &str) -> Value {
    json!({"slot_id": slot, "name": "张三", "phone": phone, "people": 1})
}

#[tokio::test]
async fn the_api_books_until_full_then_answers_409_and_another_region_sees_404() {
    each_backend(|db| async move {
        let w = world(db).await;
        let a = w.login("a_admin").await;
        let b = w.login("b_admin").await;
        let (resource, slot) = base_and_slot(&w, &a, 2).await;
        let (st, v) = anon(&w, "GET", &format!("/api/v1/slots/{slot}"), None).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!((v["capacity"].as_i64(), v["booked"].as_i64()), (Some(2), Some(0)));
        for phone in ["13800000001", "13800000002"] {
            let (st, v) = anon(&w, "POST", "/api/v1/public/bookings", Some(booking(slot, phone))).await;
            assert_eq!(st, StatusCode::CREATED, "{v}");
            assert_eq!(v["code"].as_str().unwrap().len(), 11);
            assert_eq!(v["phone_masked"], json!(format!("138****{}", &phone[7..])));
        }
        let (st, v) = anon(&w, "POST", "/api/v1/public/bookings", Some(booking(slot, "13800000003"))).await;
        assert_eq!(st, StatusCode::CONFLICT, "{v}");
        let (_, v) = anon(&w, "GET", &format!("/api/v1/slots/{slot}"), None).await;
        assert_eq!(v["booked"], json!(2));
        // A malformed phone is 422 naming it; a malformed body 400.
        let (st, v) = anon(&w, "POST", "/api/v1/public/bookings", Some(booking(slot, "12345"))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v["error"]["message"].as_str().unwrap().contains("手机号"));
        let (st, _) = anon(&w, "POST", "/api/v1/public/bookings", Some(json!({"slot_id": "x"}))).await;
        assert_eq!(st, StatusCode::BAD_REQUEST);
        // The other county's office: the published base is public, but its office page, its
        // slots' booking lists and its forms do not exist for it.
        let (st, _) = w.call(&b, "GET", &format!("/api/v1/resources/{resource}"), None).await;
        assert_eq!(st, StatusCode::OK);
        let (st, _) = w.page(&b, &format!("/services/resources/{resource}")).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let (st, _) = w
            .call(&b, "POST", "/api/v1/slots", Some(json!({"resource_id": resource,
                "start": "2025-04-12T13:00:00+08:00", "end": "2025-04-12T15:00:00+08:00", "capacity": 5})))
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let (st, _) = w.page(&b, &format!("/services/slots/{slot}")).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        // Only an office creates: a reviewer of the county is refused, a stranger must sign in.
        let r = w.login("a_reviewer").await;
        let (st, _) = w
            .call(&r, "POST", "/api/v1/resources", Some(json!({"kind": "work", "name": "科普读本", "region": A})))
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, _) = anon(&w, "POST", "/api/v1/resources", Some(json!({"kind": "work", "name": "x", "region": A}))).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
    })
    .await;
}

#[tokio::test]
async fn a_citizen_books_on_the_public_pages_and_sees_the_code_with_its_qr_and_only_masks() {
    each_backend(|db| async move {
        let w = world(db).await;
        let a = w.login("a_admin").await;
        let (resource, slot) = base_and_slot(&w, &a, 10).await;
        let (st, html) = anon_page(&w, "/s?q=科技馆").await;
        assert_eq!(st, StatusCode::OK);
        assert!(html.contains("娄星区科技馆"));
        let (st, html) = anon_page(&w, &format!("/s/resources/{resource}")).await;
        assert_eq!(st, StatusCode::OK);
        assert!(html.contains(&format!("/s/slots/{slot}/book")));
        let res = kesu_web::router(w.state.clone())
            .oneshot(
                Request::post(format!("/s/slots/{slot}/book"))
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(
                        "name=%E6%AC%A7%E9%98%B3%E4%BF%AE&phone=13812345678&people=2",
                    ))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let loc = res.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .to_string();
        let (st, html) = anon_page(&w, &loc).await;
        assert_eq!(st, StatusCode::OK);
        assert!(html.contains("<svg") && html.contains("138****5678") && html.contains("欧*修"));
        assert!(!html.contains("13812345678") && !html.contains("欧阳修"));
        // The office's list shows masks too; the full number only through an audited reveal.
        let (_, html) = w.page(&a, &format!("/services/slots/{slot}")).await;
        assert!(html.contains("138****5678") && !html.contains("13812345678"));
        // A refused form is shown again with its reason (too many people for an individual).
        let res = kesu_web::router(w.state.clone())
            .oneshot(
                Request::post(format!("/s/slots/{slot}/book"))
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(
                        "name=%E6%9D%8E%E5%9B%9B&phone=13900000000&people=9",
                    ))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        assert!(String::from_utf8_lossy(&bytes).contains("个人预约人数"));
        // An unknown code is simply not found.
        let (st, _) = anon_page(&w, "/s/bookings/AAAA-BBBB-C").await;
        assert_eq!(st, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn a_check_in_sent_twice_counts_once_and_needs_the_venues_key() {
    each_backend(|db| async move {
        let w = world(db).await;
        let a = w.login("a_admin").await;
        let (st, v) = w
            .call(&a, "POST", "/api/v1/activities", Some(json!({"title": "科技活动周开幕", "kind": "科技活动周",
                "region": "431302001", "start": "2025-04-10T10:30:00+08:00", "end": "2025-04-10T12:00:00+08:00", "capacity": 30})))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().unwrap();
        let key = kesu_store::services::activities::get(&w.db, id).await.unwrap().unwrap().checkin_key;
        let (_, acts) = anon(&w, "GET", "/api/v1/activities?region=4313", None).await;
        let slot = acts["activities"][0]["slot"]["id"].as_i64().unwrap();
        let (_, b) = anon(&w, "POST", "/api/v1/public/bookings", Some(booking(slot, "13700000001"))).await;
        let code = b["code"].as_str().unwrap().to_string();
        let scan = |k: &str, venue: &str| json!({"code": code, "place": {"at": "activity", "id": id}, "venue_key": venue, "key": k});
        let (st, v) = anon(&w, "POST", "/api/v1/public/checkins", Some(scan("9b2f-0001-aaaa", &key))).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["counted"], json!(true));
        let (st, v) = anon(&w, "POST", "/api/v1/public/checkins", Some(scan("9b2f-0001-aaaa", &key))).await;
        assert_eq!((st, v["counted"].clone()), (StatusCode::OK, json!(false)));
        let (st, v) = anon(&w, "POST", "/api/v1/public/checkins", Some(scan("9b2f-0002-bbbb", &key))).await;
        assert_eq!(st, StatusCode::CONFLICT);
        assert!(v["error"]["message"].as_str().unwrap().contains("已于"));
        let (st, _) = anon(&w, "POST", "/api/v1/public/checkins", Some(scan("9b2f-0003-cccc", "guess"))).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let (_, html) = w.page(&a, &format!("/services/activities/{id}")).await;
        assert!(html.contains("<span id=\"people\">1</span>"), "one check-in counted");
        // The statistics page counts the participant, and links to the record.
        let (_, html) = w.page(&a, "/services").await;
        assert!(html.contains("data-key=\"participants\""));
        let (st, html) = w
            .page(&a, "/services/stats/records?feed=participants&region=431302&period=2025Q2")
            .await;
        assert_eq!(st, StatusCode::OK);
        assert!(html.contains("共 1 条"), "{html}");
    })
    .await;
}

#[tokio::test]
async fn an_order_runs_from_asked_to_rated_with_four_accounts_through_the_api() {
    each_backend(|db| async move {
        let w = world(db).await;
        let asker = w.login("a_reviewer").await;
        let dispatcher = w.login("a_admin").await;
        let department = w.login("a_reporter0").await;
        let leader = w.login("a_viewer").await;
        let dept_unit = w.users["a_reporter0"].2.unwrap();
        let (st, _) = form(
            &w,
            &dispatcher,
            "/services/teams",
            &[
                ("name", "娄星区科技志愿服务队"),
                ("region", A),
                ("leader", "a_viewer"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        let (st, v) = w
            .call(
                &asker,
                "POST",
                "/api/v1/orders",
                Some(
                    json!({"title": "防诈骗讲座", "detail": "老年人约40人", "region": "431302001"}),
                ),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().unwrap();
        let step = |s: &str| format!("/api/v1/orders/{id}/{s}");
        // The wrong party is refused; a return without a reason is 422.
        let (st, _) = w
            .call(
                &department,
                "POST",
                &step("dispatch"),
                Some(json!({"unit_id": dept_unit})),
            )
            .await;
        assert_eq!(
            st,
            StatusCode::NOT_FOUND,
            "the department is not a party yet"
        );
        let (st, v) = w
            .call(
                &dispatcher,
                "POST",
                &step("dispatch"),
                Some(json!({"to": "department", "unit_id": dept_unit})),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let (st, _) = w
            .call(
                &department,
                "POST",
                &step("return"),
                Some(json!({"reason": ""})),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        let (st, _) = w
            .call(&leader, "POST", &step("claim"), Some(json!({})))
            .await;
        assert!(st == StatusCode::NOT_FOUND || st == StatusCode::FORBIDDEN);
        let (st, v) = w
            .call(&department, "POST", &step("claim"), Some(json!({})))
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let (st, v) = w
            .call(&leader, "POST", &step("accept"), Some(json!({})))
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let (st, v) = w
            .call(
                &leader,
                "POST",
                &step("complete"),
                Some(json!({"report": "讲座一场，38人"})),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let (st, _) = w
            .call(&leader, "POST", &step("rate"), Some(json!({"stars": 5})))
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, v) = w
            .call(
                &asker,
                "POST",
                &step("rate"),
                Some(json!({"stars": 5, "comment": "好"})),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["order"]["state"], json!("rated"));
        let steps: Vec<&str> = v["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["step"].as_str().unwrap())
            .collect();
        assert_eq!(
            steps,
            ["ask", "dispatch", "claim", "accept", "complete", "rate"]
        );
        // An unknown step is 404; another county's office cannot see the order.
        let (st, _) = w
            .call(&dispatcher, "POST", &step("teleport"), Some(json!({})))
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let b = w.login("b_admin").await;
        let (st, _) = w
            .call(&b, "GET", &format!("/api/v1/orders/{id}"), None)
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let (st, _) = w.page(&b, &format!("/services/orders/{id}")).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn every_office_page_renders_for_its_office() {
    each_backend(|db| async move {
        let w = world(db).await;
        let a = w.login("a_admin").await;
        let (resource, slot) = base_and_slot(&w, &a, 10).await;
        let (_, act) = w
            .call(&a, "POST", "/api/v1/activities", Some(json!({"title": "科普日", "kind": "科普日",
                "region": A, "start": "2025-04-11T09:00:00+08:00", "end": "2025-04-11T11:00:00+08:00", "capacity": 10})))
            .await;
        let activity = act["id"].as_i64().unwrap();
        let (_, o) = w.call(&a, "POST", "/api/v1/orders", Some(json!({"title": "讲座", "detail": "d", "region": A}))).await;
        let order = o["id"].as_i64().unwrap();
        for path in [
            "/services".to_string(),
            "/services/resources".into(),
            format!("/services/resources/{resource}"),
            format!("/services/slots/{slot}"),
            "/services/bookings".into(),
            "/services/activities".into(),
            format!("/services/activities/{activity}"),
            "/services/volunteers".into(),
            "/services/orders".into(),
            format!("/services/orders/{order}"),
            "/services/credits".into(),
            "/services/funding".into(),
            "/services/stats/records?feed=activities&region=431302&period=2025".into(),
        ] {
            let (st, html) = w.page(&a, &path).await;
            assert_eq!(st, StatusCode::OK, "{path}: {html}");
        }
        for path in ["/s", "/s/activities", "/s/orders/new", "/s/credits", &format!("/s/activities/{activity}")] {
            let (st, _) = anon_page(&w, path).await;
            assert_eq!(st, StatusCode::OK, "{path}");
        }
        // Without a session, office pages send to the login page.
        let (st, _) = anon_page(&w, "/services/resources").await;
        assert_eq!(st, StatusCode::SEE_OTHER);
    })
    .await;
}

#[tokio::test]
async fn volunteers_register_through_the_form_and_show_masked_with_their_hours() {
    each_backend(|db| async move {
        let w = world(db).await;
        let a = w.login("a_admin").await;
        let (st, loc) = form(
            &w,
            &a,
            "/services/volunteers",
            &[("name", "王五"), ("phone", "13611112222"), ("region", A)],
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{loc}");
        let (_, html) = w.page(&a, "/services/volunteers").await;
        assert!(html.contains("王*") && html.contains("136****2222"));
        assert!(!html.contains("13611112222"));
        // The same phone twice is refused with a reason.
        let (_, loc) = form(
            &w,
            &a,
            "/services/volunteers",
            &[("name", "王五"), ("phone", "13611112222"), ("region", A)],
        )
        .await;
        assert!(loc.contains("msg="), "{loc}");
        // Another county's office sees none of them.
        let b = w.login("b_admin").await;
        let (_, html) = w.page(&b, "/services/volunteers").await;
        assert!(!html.contains("136****2222"));
    })
    .await;
}
