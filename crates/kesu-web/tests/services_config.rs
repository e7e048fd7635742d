//! What the services take from the installation: the one personal-data key ring the citizens'
//! ledger uses (none configured: what needs it answers 503 with what to run, the rest works) and
//! the public throttles of the configuration (`public_rate`; `0` turns them off).
#![allow(
    clippy::unwrap_used,
    reason = "test helpers; a failed set-up fails the test"
)]

mod common;

use axum::http::StatusCode;
use common::{A, world};
use kesu_app::services::personal::{self, RingSealer};
use kesu_app::services::{Services, Throttles, bookings};
use kesu_app::{Caller, Ctx, Principal};
use kesu_store::testing::each_backend;
use serde_json::{Value, json};
use std::sync::Arc;

/// A base in county A with one slot of `capacity` places; the slot's id.
async fn slot(w: &common::World, capacity: i64) -> (i64, i64) {
    let a = w.login("a_admin").await;
    let (st, r) = w
        .call(
            &a,
            "POST",
            "/api/v1/resources",
            Some(json!({"kind": "base", "name": "娄星区科技馆", "region": A})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    let resource = r["id"].as_i64().unwrap();
    let (st, s) = w
        .call(&a, "POST", "/api/v1/slots", Some(json!({"resource_id": resource,
            "start": "2025-04-12T09:00:00+08:00", "end": "2025-04-12T11:00:00+08:00", "capacity": capacity})))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{s}");
    (resource, s["id"].as_i64().unwrap())
}

async fn book(w: &common::World, slot: i64, phone: &str) -> (StatusCode, Value) {
    let body = json!({"slot_id": slot, "name": "张三", "phone": phone, "people": 1});
    w.call("", "POST", "/api/v1/public/bookings", Some(body))
        .await
}

fn operator() -> Caller {
    Caller {
        principal: Principal::Operator,
        audit: kesu_store::Actor::system(),
    }
}

#[tokio::test]
async fn a_booking_is_sealed_under_the_key_ring_the_server_loaded_for_citizens() {
    each_backend(|db| async move {
        let w = world(db).await;
        let (_, slot) = slot(&w, 5).await;
        let (st, v) = book(&w, slot, "13800000001").await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().unwrap();
        let with = |sealer: RingSealer| {
            Services::new(
                Ctx::new(w.db.clone()),
                Arc::new(sealer),
                Arc::new(Throttles::off()),
            )
        };
        let ring = w.state.keys.clone().unwrap();
        let (name, phone) = bookings::reveal(&with(RingSealer::new(ring)), &operator(), id, "回访")
            .await
            .unwrap();
        assert_eq!((name.as_str(), phone.as_str()), ("张三", "13800000001"));
        // Any other ring (a keys.json of its own, as the services once made) opens nothing.
        let other = RingSealer::ephemeral().unwrap();
        assert!(
            bookings::reveal(&with(other), &operator(), id, "回访")
                .await
                .is_err()
        );
    })
    .await;
}

#[tokio::test]
async fn a_key_rotation_moves_the_services_personal_values_to_the_new_key_once() {
    each_backend(|db| async move {
        let w = world(db).await;
        let (_, slot) = slot(&w, 5).await;
        let (st, v) = book(&w, slot, "13800000001").await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().unwrap();
        let old = w.state.keys.clone().unwrap();
        let mut ring = kesu_pii::KeyRing::from_json(old.to_json().as_bytes()).unwrap();
        ring.rotate(None, "2025-05-01").unwrap();
        let ctx = Ctx::new(w.db.clone());
        let r = personal::reencrypt_all(&ctx, &operator(), &ring)
            .await
            .unwrap();
        assert_eq!(
            r.values_reencrypted, 2,
            "the booker's name and phone: {r:?}"
        );
        let stored = kesu_store::sealed::batch(&w.db, &kesu_store::services::SEALED[0], 0, 10)
            .await
            .unwrap();
        assert!(
            stored
                .iter()
                .flat_map(|(_, v)| v.iter().flatten())
                .all(|ct| ring.is_current(ct))
        );
        let again = personal::reencrypt_all(&ctx, &operator(), &ring)
            .await
            .unwrap();
        assert_eq!(again.values_reencrypted, 0);
        let s = Services::new(
            ctx,
            Arc::new(RingSealer::new(Arc::new(ring))),
            Arc::new(Throttles::off()),
        );
        let (_, phone) = bookings::reveal(&s, &operator(), id, "回访").await.unwrap();
        assert_eq!(phone, "13800000001");
        // Only the operator rotates.
        let public = Caller::public(kesu_store::Actor::new("public"));
        assert!(
            personal::reencrypt_all(&s.ctx, &public, &old)
                .await
                .is_err()
        );
    })
    .await;
}

#[tokio::test]
async fn without_keys_a_booking_answers_503_with_what_to_run_and_stores_nothing() {
    each_backend(|db| async move {
        let mut w = world(db).await;
        let (resource, slot) = slot(&w, 5).await;
        w.state.keys = None;
        let (st, v) = book(&w, slot, "13800000001").await;
        assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE, "{v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("kesu keys init"),
            "{v}"
        );
        let (_, s) = w
            .call("", "GET", &format!("/api/v1/slots/{slot}"), None)
            .await;
        assert_eq!(s["booked"], json!(0), "{s}");
        // The catalogue needs no keys: browsing still works; the forms that would take a
        // name and phone say at once that they cannot.
        let (st, _) = w.page("", &format!("/s/resources/{resource}")).await;
        assert_eq!(st, StatusCode::OK);
        for form in [format!("/s/slots/{slot}/book"), "/s/orders/new".into()] {
            let (st, html) = w.page("", &form).await;
            assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE, "{form}");
            assert!(html.contains("kesu keys init"), "{form}: {html}");
        }
    })
    .await;
}

#[tokio::test]
async fn the_configured_public_rate_limits_an_address_and_zero_turns_it_off() {
    each_backend(|db| async move {
        let mut w = world(db).await;
        let (_, slot) = slot(&w, 500).await;
        w.state.throttles = Arc::new(Throttles::per(2, 10));
        for phone in ["13800000001", "13800000002"] {
            let (st, v) = book(&w, slot, phone).await;
            assert_eq!(st, StatusCode::CREATED, "{v}");
        }
        let (st, v) = book(&w, slot, "13800000003").await;
        assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "{v}");
        w.state.throttles = Arc::new(Throttles::per(0, 10));
        for i in 0..40 {
            let (st, v) = book(&w, slot, &format!("139000000{i:02}")).await;
            assert_eq!(st, StatusCode::CREATED, "{v}");
        }
    })
    .await;
}

#[tokio::test]
async fn the_configured_phone_rate_limits_bookings_of_one_phone() {
    each_backend(|db| async move {
        let mut w = world(db).await;
        let (_, slot) = slot(&w, 500).await;
        w.state.throttles = Arc::new(Throttles::per(1000, 1));
        let (st, v) = book(&w, slot, "13800000001").await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        let (st, v) = book(&w, slot, "13800000001").await;
        assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "{v}");
        let (st, v) = book(&w, slot, "13800000002").await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
    })
    .await;
}
