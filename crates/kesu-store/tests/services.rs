//! The services' storage guarantees, on every backend: no overbooking under concurrency, one
//! check-in per booking and per client key, order steps that lose a race change nothing.
#![allow(clippy::unwrap_used, reason = "test helpers set up fixtures")]

use kesu_services::feed::Feed;
use kesu_store::Db;
use kesu_store::services::{
    activities, bookings, catalogue, checkins, observations, orders, slots,
};
use kesu_store::testing::each_backend;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2025-05-05 10:00 +8);

async fn base(db: &Db) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let id = catalogue::insert(
        &mut tx,
        &catalogue::NewResource {
            kind: "base",
            name: "娄底市科技馆",
            region_code: "431302",
            address: "",
            groups: "youth",
            description: "",
            owner_unit_id: None,
            checkin_key: "k",
        },
        "test",
        NOW,
    )
    .await
    .unwrap()
    .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn slot(db: &Db, resource: i64, capacity: i64) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let id = slots::insert(
        &mut tx,
        &slots::NewSlot {
            resource_id: Some(resource),
            activity_id: None,
            region_code: "431302",
            starts_at: NOW + Duration::days(2),
            ends_at: NOW + Duration::days(2) + Duration::hours(2),
            capacity,
        },
        "test",
        NOW,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

/// One booking as the use case makes it: places and row in one transaction.
async fn book(db: Db, slot_id: i64, n: usize) -> bool {
    let mut tx = db.begin().await.unwrap();
    if !slots::take_places(&mut tx, slot_id, 1).await.unwrap() {
        tx.rollback().await.unwrap();
        return false;
    }
    let code = format!("CODE{n:05}");
    bookings::insert(
        &mut tx,
        &bookings::NewBooking {
            slot_id,
            region_code: "431302",
            code: &code,
            kind: "individual",
            organisation: None,
            people: 1,
            state: "confirmed",
            name_sealed: b"x",
            name_masked: "张*",
            phone_sealed: b"y",
            phone_masked: "138****0000",
            phone_blind: &format!("blind{n}"),
            pupil_id: None,
        },
        NOW,
    )
    .await
    .unwrap()
    .unwrap();
    tx.commit().await.unwrap();
    true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_bookings_for_the_last_ten_places_give_exactly_ten() {
    each_backend(|db| async move {
        let r = base(&db).await;
        let s = slot(&db, r, 100).await;
        // 90 of 100 places are gone already.
        let mut tx = db.begin().await.unwrap();
        assert!(slots::take_places(&mut tx, s, 90).await.unwrap());
        tx.commit().await.unwrap();

        let tasks: Vec<_> = (0..200)
            .map(|n| tokio::spawn(book(db.clone(), s, n)))
            .collect();
        let mut won = 0;
        for t in tasks {
            if t.await.unwrap() {
                won += 1;
            }
        }
        assert_eq!(won, 10);
        let slot = slots::get(&db, s).await.unwrap().unwrap();
        assert_eq!((slot.booked, slot.capacity), (100, 100));
        assert_eq!(bookings::of_slot(&db, s).await.unwrap().len(), 10);
    })
    .await;
}

#[tokio::test]
async fn places_are_never_taken_beyond_capacity_nor_given_back_below_zero() {
    each_backend(|db| async move {
        let r = base(&db).await;
        let s = slot(&db, r, 3).await;
        let mut tx = db.begin().await.unwrap();
        assert!(!slots::take_places(&mut tx, s, 4).await.unwrap());
        assert!(slots::take_places(&mut tx, s, 3).await.unwrap());
        slots::give_back(&mut tx, s, 5).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(slots::get(&db, s).await.unwrap().unwrap().booked, 3);
        // A capacity below what is booked is refused.
        let mut tx = db.begin().await.unwrap();
        assert!(!slots::set_capacity(&mut tx, s, 2).await.unwrap());
        tx.commit().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_booking_and_a_client_key_each_hold_one_check_in() {
    each_backend(|db| async move {
        let r = base(&db).await;
        let s = slot(&db, r, 10).await;
        assert!(book(db.clone(), s, 1).await);
        assert!(book(db.clone(), s, 2).await);
        let list = bookings::of_slot(&db, s).await.unwrap();
        let new = |booking_id: i64, key: &'static str| checkins::NewCheckin {
            booking_id,
            client_key: key,
            place: "base:1",
            region_code: "431302",
            people: 1,
            at: NOW,
            received_at: NOW,
            offline: false,
            by_actor: "test",
        };
        let mut tx = db.begin().await.unwrap();
        assert!(
            checkins::insert(&mut tx, &new(list[0].id, "key-0001"))
                .await
                .unwrap()
                .is_some()
        );
        // The same scan again, and another scan of the same booking: nothing stored.
        assert!(
            checkins::insert(&mut tx, &new(list[0].id, "key-0001"))
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            checkins::insert(&mut tx, &new(list[0].id, "key-0002"))
                .await
                .unwrap()
                .is_none()
        );
        // The same key for another booking: refused too (a key is one scan).
        assert!(
            checkins::insert(&mut tx, &new(list[1].id, "key-0001"))
                .await
                .unwrap()
                .is_none()
        );
        tx.commit().await.unwrap();
        assert_eq!(checkins::totals(&db, "4313").await.unwrap(), (1, 1));
    })
    .await;
}

#[tokio::test]
async fn an_order_step_on_a_stale_version_changes_nothing_and_writes_no_history() {
    each_backend(|db| async move {
        let mut tx = db.begin().await.unwrap();
        let id = orders::insert(
            &mut tx,
            &orders::NewOrder {
                title: "科普讲座",
                detail: "老年人防诈骗",
                category: "",
                region_code: "431302001",
                wanted_on: None,
                state: "asked",
                due_at: None,
                asker_user_id: None,
                asker_code: Some("ASK1"),
                asker_name_masked: "张*",
                asker_phone_sealed: None,
                asker_phone_masked: "",
            },
            NOW,
        )
        .await
        .unwrap()
        .unwrap();
        orders::asked_event(&mut tx, id, "public", NOW)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let u = orders::Update {
            state: "open",
            department_unit_id: None,
            team_id: None,
            dispatched_before: true,
            since: NOW,
            due_at: None,
            report: None,
            stars: None,
            comment: None,
        };
        let mut tx = db.begin().await.unwrap();
        assert!(
            orders::apply(
                &mut tx,
                id,
                0,
                &u,
                "a",
                "dispatcher",
                "dispatch",
                "asked",
                None,
                false
            )
            .await
            .unwrap()
        );
        // A second click from a page that still shows version 0.
        assert!(
            !orders::apply(
                &mut tx,
                id,
                0,
                &u,
                "b",
                "dispatcher",
                "dispatch",
                "asked",
                None,
                false
            )
            .await
            .unwrap()
        );
        tx.commit().await.unwrap();
        let o = orders::get(&db, id).await.unwrap().unwrap();
        assert_eq!((o.state.as_str(), o.version), ("open", 1));
        let ev = orders::events(&db, id).await.unwrap();
        assert_eq!(
            ev.iter().map(|e| e.step.as_str()).collect::<Vec<_>>(),
            vec!["ask", "dispatch"]
        );
    })
    .await;
}

#[tokio::test]
async fn check_ins_become_participant_observations_by_quarter() {
    each_backend(|db| async move {
        let mut tx = db.begin().await.unwrap();
        let a = activities::insert(
            &mut tx,
            &activities::NewActivity {
                title: "科普日",
                kind: "科普日",
                region_code: "431302001",
                place: "",
                key_group: None,
                organiser_unit_id: None,
                resource_id: None,
                starts_at: NOW,
                ends_at: NOW + Duration::hours(2),
                checkin_key: "k",
            },
            "test",
            NOW,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let r = base(&db).await;
        let s = slot(&db, r, 10).await;
        assert!(book(db.clone(), s, 1).await);
        let b = bookings::of_slot(&db, s).await.unwrap()[0].id;
        let mut tx = db.begin().await.unwrap();
        checkins::insert(
            &mut tx,
            &checkins::NewCheckin {
                booking_id: b,
                client_key: "key-0001",
                place: &format!("activity:{a}"),
                region_code: "431302001",
                people: 3,
                at: NOW,
                received_at: NOW,
                offline: false,
                by_actor: "test",
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let obs = observations::observations(&db, Feed::Participants, "4313", NOW.date())
            .await
            .unwrap();
        assert_eq!(obs.len(), 1);
        assert_eq!(obs[0].observation.value, 3.0);
        assert_eq!(obs[0].observation.region_code.as_str(), "431302001");
        assert!(obs[0].link.contains("period=2025Q2"));
        let acts =
            observations::observations(&db, Feed::Activities { mobile: false }, "4313", NOW.date())
                .await
                .unwrap();
        assert_eq!(acts[0].observation.value, 1.0);
        // Another region's subtree sees none of it.
        assert!(
            observations::observations(&db, Feed::Participants, "4314", NOW.date())
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}
