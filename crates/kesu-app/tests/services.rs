//! The services' use cases on a real database (every backend): bookings under concurrency,
//! idempotent check-in with its refusals, an order through four accounts, credits from
//! check-ins, scope, throttling and personal data at rest.
#![allow(clippy::unwrap_used, reason = "test fixtures")]

use kesu_app::services::bookings::{self, BookInput, NewSlot};
use kesu_app::services::catalogue;
use kesu_app::services::checkin::{self, CheckInInput, NewActivity};
use kesu_app::services::orders::{self, AskInput};
use kesu_app::services::personal::RingSealer;
use kesu_app::services::{Services, Throttles, credits, stats, volunteers};
use kesu_app::{Caller, Ctx, Error};
use kesu_core::RegionCode;
use kesu_core::authz::{Actor, Role};
use kesu_services::catalogue::ResourceInput;
use kesu_services::checkin::{ActivityInput, Outcome, Place};
use kesu_services::order::{Assignee, OrderInput, Step};
use kesu_services::throttle::Limit;
use kesu_store::Db;
use kesu_store::accounts::{self, NewUser};
use kesu_store::testing::each_backend;
use std::sync::Arc;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2025-05-05 10:00 +8);

fn services(db: &Db, throttles: Throttles) -> Services {
    let mut ctx = Ctx::new(db.clone());
    ctx.fixed_now = Some(NOW);
    Services::new(
        ctx,
        Arc::new(RingSealer::ephemeral().unwrap()),
        Arc::new(throttles),
    )
}

async fn user(db: &Db, name: &str, role: Role, region: &str, unit: Option<i64>) -> Caller {
    let new = NewUser {
        username: name.into(),
        display_name: name.into(),
        role,
        region: RegionCode::parse(region).unwrap(),
        unit_id: unit,
        password_hash: "x".into(),
    };
    let id = accounts::add_user(db, &new, &kesu_store::Actor::system())
        .await
        .unwrap();
    Caller::user(
        Actor {
            user_id: id,
            username: name.into(),
            role,
            region: RegionCode::parse(region).unwrap(),
            unit_id: unit,
        },
        kesu_store::Actor::new(name),
    )
}

async fn unit(db: &Db, region: &str, name: &str) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let id = kesu_store::units::register(&mut tx, region, None, name)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

fn public() -> Caller {
    let mut a = kesu_store::Actor::new("public");
    a.ip = Some("10.0.0.1".into());
    Caller::public(a)
}

/// A base in 431302 with a slot of `capacity` places two days ahead.
async fn base_and_slot(s: &Services, office: &Caller, capacity: i64) -> (i64, i64) {
    let r = catalogue::create(
        s,
        office,
        &ResourceInput {
            kind: "base".into(),
            name: "娄底市科技馆".into(),
            region: "431302".into(),
            groups: "青少年".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let slot = bookings::create_slot(
        s,
        office,
        &NewSlot {
            resource_id: r,
            starts_at: NOW + Duration::days(2),
            ends_at: NOW + Duration::days(2) + Duration::hours(2),
            capacity,
        },
    )
    .await
    .unwrap();
    (r, slot)
}

fn booking(slot_id: i64, i: usize) -> BookInput {
    BookInput {
        slot_id,
        name: "张三".into(),
        phone: format!("138{:08}", i),
        people: 1,
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_citizens_booking_the_last_ten_places_leave_ten_bookings_and_no_overbooking() {
    each_backend(|db| async move {
        let s = services(&db, Throttles::off());
        let office = user(&db, "admin_431302", Role::Admin, "431302", None).await;
        let (_, slot) = base_and_slot(&s, &office, 100).await;
        // Ninety places go to a school group first.
        let mut group = booking(slot, 0);
        group.people = 90;
        group.organisation = Some("娄星区第一小学".into());
        bookings::book(&s, &public(), &group, Some("10.0.0.1"))
            .await
            .unwrap();

        let tasks: Vec<_> = (1..=200)
            .map(|i| {
                let s = s.clone();
                tokio::spawn(async move {
                    bookings::book(&s, &public(), &booking(slot, i), Some("10.0.0.2")).await
                })
            })
            .collect();
        let (mut ok, mut full) = (0, 0);
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => ok += 1,
                Err(Error::Conflict(m)) => {
                    assert!(m.contains("约满") || m.contains("仅剩"), "{m}");
                    full += 1;
                }
                Err(e) => panic!("unexpected: {e:?}"),
            }
        }
        assert_eq!((ok, full), (10, 190));
        let v = bookings::slot(&s, &public(), slot).await.unwrap();
        assert_eq!((v.booked, v.capacity, v.left), (100, 100, 0));
    })
    .await;
}

#[tokio::test]
async fn a_scan_sent_twice_counts_once_and_every_refusal_says_why() {
    each_backend(|db| async move {
        let mut s = services(&db, Throttles::off());
        let office = user(&db, "admin_431302", Role::Admin, "431302", None).await;
        let a = checkin::create_activity(
            &s,
            &office,
            &NewActivity {
                input: ActivityInput {
                    title: "科普日主场活动".into(),
                    kind: "科普日".into(),
                    region: "431302001".into(),
                    ..Default::default()
                },
                starts_at: NOW + Duration::days(1),
                ends_at: NOW + Duration::days(1) + Duration::hours(3),
                capacity: 50,
            },
        )
        .await
        .unwrap();
        let view = checkin::activity(&s, &public(), a).await.unwrap();
        let slot = view.slot.unwrap().id;
        let b = bookings::book(&s, &public(), &booking(slot, 1), None)
            .await
            .unwrap();
        let key = checkin::detail(&s, &office, a)
            .await
            .unwrap()
            .checkin_key
            .unwrap();
        let scan = |client_key: &str, venue: &str| CheckInInput {
            code: b.code.clone(),
            place: Place::Activity(a),
            venue_key: Some(venue.into()),
            client_key: client_key.into(),
            scanned_at: None,
        };
        // Too early: refused with the time it opens.
        let e = checkin::check_in(&s, &public(), &scan("scan-0001", &key), None)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::Conflict(m) if m.contains("尚未开始")),
            "{e:?}"
        );
        // During the activity.
        s.ctx.fixed_now = Some(NOW + Duration::days(1) + Duration::minutes(10));
        let first = checkin::check_in(&s, &public(), &scan("scan-0001", &key), None)
            .await
            .unwrap();
        assert!(first.counted);
        assert!(matches!(first.outcome, Outcome::CheckedIn { .. }));
        // The queued copy of the same scan: counted once.
        let again = checkin::check_in(&s, &public(), &scan("scan-0001", &key), None)
            .await
            .unwrap();
        assert!(!again.counted);
        assert!(matches!(again.outcome, Outcome::Repeated { .. }));
        // Another scan of the same code.
        let e = checkin::check_in(&s, &public(), &scan("scan-0002", &key), None)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::Conflict(m) if m.contains("已于")),
            "{e:?}"
        );
        // Without the venue's key nobody checks in from afar.
        let e = checkin::check_in(
            &s,
            &public(),
            &scan("scan-0003", "wrong-key-wrong-key-12"),
            None,
        )
        .await
        .unwrap_err();
        assert!(matches!(e, Error::NotFound));
        let (_, people) = kesu_store::services::checkins::totals(&db, "4313")
            .await
            .unwrap();
        assert_eq!(people, 1);
        // A cancelled booking is refused as cancelled.
        s.ctx.fixed_now = Some(NOW);
        let b2 = bookings::book(&s, &public(), &booking(slot, 2), None)
            .await
            .unwrap();
        bookings::cancel_by_code(&s, &public(), &b2.code)
            .await
            .unwrap();
        s.ctx.fixed_now = Some(NOW + Duration::days(1) + Duration::minutes(20));
        let mut c = scan("scan-0004", &key);
        c.code = b2.code.clone();
        let e = checkin::check_in(&s, &public(), &c, None)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::Conflict(m) if m.contains("取消")),
            "{e:?}"
        );
        // The cancellation gave its place back.
        assert_eq!(bookings::slot(&s, &public(), slot).await.unwrap().booked, 1);
    })
    .await;
}

#[tokio::test]
async fn an_order_goes_from_asked_to_rated_through_four_accounts_and_nobody_else() {
    each_backend(|db| async move {
        let s = services(&db, Throttles::off());
        let dept = unit(&db, "4313", "市科协").await;
        let asker = user(&db, "shequ", Role::Viewer, "431302001", None).await;
        let dispatcher = user(&db, "admin_431302", Role::Admin, "431302", None).await;
        let department = user(&db, "tb_kx", Role::Reporter, "4313", Some(dept)).await;
        let leader = user(&db, "duizhang", Role::Viewer, "431302", None).await;
        let stranger = user(&db, "admin_431321", Role::Admin, "431321", None).await;
        let team = volunteers::create_team(
            &s,
            &dispatcher,
            &volunteers::TeamInput {
                name: "娄星区科技志愿服务队".into(),
                region: "431302".into(),
                unit_id: Some(dept),
                leader_username: Some("duizhang".into()),
            },
        )
        .await
        .unwrap();
        let asked = orders::ask(
            &s,
            &asker,
            &AskInput {
                order: OrderInput {
                    title: "老年人防诈骗讲座".into(),
                    detail: "社区老年人约 40 人".into(),
                    region: "431302001".into(),
                    ..Default::default()
                },
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
        let id = asked.id;
        // Another county's office cannot even see it.
        assert!(matches!(
            orders::get(&s, &stranger, id, None).await,
            Err(Error::NotFound)
        ));
        // The team cannot accept before dispatch; the department cannot dispatch.
        assert!(
            orders::step(&s, &leader, id, &Step::Accept { team_id: 0 }, None, None)
                .await
                .is_err()
        );
        let dispatch = Step::Dispatch {
            assignee: Assignee::Department(dept),
            reason: String::new(),
        };
        assert!(
            orders::step(&s, &department, id, &dispatch, None, None)
                .await
                .is_err()
        );
        let v = orders::step(&s, &dispatcher, id, &dispatch, None, None)
            .await
            .unwrap();
        assert_eq!(v.order.state, "dispatched");
        // A stale page's second click is a conflict.
        let e = orders::step(&s, &department, id, &Step::Claim, Some(0), None)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Conflict(_)), "{e:?}");
        // A return needs a reason.
        let e = orders::step(
            &s,
            &department,
            id,
            &Step::Return { reason: " ".into() },
            None,
            None,
        )
        .await
        .unwrap_err();
        assert!(matches!(e, Error::Invalid { .. }));
        orders::step(&s, &department, id, &Step::Claim, None, None)
            .await
            .unwrap();
        orders::step(&s, &leader, id, &Step::Accept { team_id: 0 }, None, None)
            .await
            .unwrap();
        // Only the team completes, and only the asker rates.
        let done = Step::Complete {
            report: "讲座一场，到场 38 人".into(),
        };
        assert!(
            orders::step(&s, &asker, id, &done, None, None)
                .await
                .is_err()
        );
        orders::step(&s, &leader, id, &done, None, None)
            .await
            .unwrap();
        let rate = Step::Rate {
            stars: 5,
            comment: "讲得清楚".into(),
        };
        assert!(
            orders::step(&s, &leader, id, &rate, None, None)
                .await
                .is_err()
        );
        let v = orders::step(&s, &asker, id, &rate, None, None)
            .await
            .unwrap();
        assert_eq!(v.order.state, "rated");
        assert_eq!(v.order.team_id, Some(team));
        let steps: Vec<&str> = v.events.iter().map(|e| e.step.as_str()).collect();
        assert_eq!(
            steps,
            vec!["ask", "dispatch", "claim", "accept", "complete", "rate"]
        );
        // Every step is in the audit log.
        let audit = kesu_store::audit::for_object(&db, &format!("service_order:{id}"))
            .await
            .unwrap();
        assert_eq!(audit.len(), 6);
        // The completed order counts as a volunteer service.
        let st = stats::stats(&s, &dispatcher, None).await.unwrap();
        let f = st
            .figures
            .iter()
            .find(|f| f.key == "volunteer_services")
            .unwrap();
        assert_eq!(f.value, Some(1.0));
    })
    .await;
}

#[tokio::test]
async fn a_public_asker_follows_and_rates_by_code_only() {
    each_backend(|db| async move {
        let s = services(&db, Throttles::off());
        let dispatcher = user(&db, "admin_431302", Role::Admin, "431302", None).await;
        let asked = orders::ask(
            &s,
            &public(),
            &AskInput {
                order: OrderInput {
                    title: "科普进社区".into(),
                    detail: "希望安排一次科普展".into(),
                    region: "431302001".into(),
                    ..Default::default()
                },
                name: "李四".into(),
                phone: "13900001111".into(),
            },
            Some("10.0.0.1"),
        )
        .await
        .unwrap();
        let code = asked.code.unwrap();
        let v = orders::by_code(&s, &public(), &code).await.unwrap();
        assert_eq!(v.order.asker_phone_masked, "139****1111");
        assert_eq!(v.steps, vec!["withdraw"]);
        // Without the code, a citizen is nobody in the order.
        assert!(matches!(
            orders::get(&s, &public(), asked.id, None).await,
            Err(Error::NotFound)
        ));
        let r = orders::step(
            &s,
            &dispatcher,
            asked.id,
            &Step::Reject {
                reason: "超出服务范围".into(),
            },
            None,
            None,
        )
        .await
        .unwrap();
        assert_eq!(r.order.state, "rejected");
    })
    .await;
}

#[tokio::test]
async fn another_regions_office_sees_nothing_and_a_viewer_changes_nothing() {
    each_backend(|db| async move {
        let s = services(&db, Throttles::off());
        let office = user(&db, "admin_431302", Role::Admin, "431302", None).await;
        let other = user(&db, "admin_431321", Role::Admin, "431321", None).await;
        let viewer = user(&db, "lingdao_431302", Role::Viewer, "431302", None).await;
        let (r, slot) = base_and_slot(&s, &office, 10).await;
        let b = bookings::book(&s, &public(), &booking(slot, 1), None)
            .await
            .unwrap();
        // The published base is public; its office page is not the other county's.
        assert!(catalogue::get(&s, &other, r).await.is_ok());
        assert!(matches!(
            catalogue::office_detail(&s, &other, r).await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            bookings::of_slot(&s, &other, slot).await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            bookings::reveal(&s, &other, b.id, "回访").await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            bookings::reveal(&s, &viewer, b.id, "回访").await,
            Err(Error::Forbidden)
        ));
        let input = ResourceInput {
            kind: "expert".into(),
            name: "王教授".into(),
            region: "431302".into(),
            ..Default::default()
        };
        assert!(matches!(
            catalogue::create(&s, &viewer, &input).await,
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            catalogue::create(&s, &other, &input).await,
            Err(Error::NotFound)
        ));
        // The office's search never lists another region's entries.
        let q = catalogue::Query {
            region: Some("4313".into()),
            ..Default::default()
        };
        assert!(catalogue::search(&s, &other, &q).await.unwrap().is_empty());
        // The public sees the published base.
        assert_eq!(catalogue::search(&s, &public(), &q).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn names_and_phones_are_sealed_at_rest_masked_in_the_audit_and_revealed_only_with_a_purpose()
{
    each_backend(|db| async move {
        let s = services(&db, Throttles::off());
        let office = user(&db, "admin_431302", Role::Admin, "431302", None).await;
        let (_, slot) = base_and_slot(&s, &office, 10).await;
        let mut input = booking(slot, 1);
        input.phone = "13812345678".into();
        input.name = "欧阳修文".into();
        let b = bookings::book(&s, &public(), &input, None).await.unwrap();
        assert_eq!(
            (b.name_masked.as_str(), b.phone_masked.as_str()),
            ("欧**文", "138****5678")
        );
        let (name, phone) = kesu_store::services::bookings::sealed(&db, b.id)
            .await
            .unwrap()
            .unwrap();
        assert!(!String::from_utf8_lossy(&name).contains("欧阳"));
        assert!(!String::from_utf8_lossy(&phone).contains("12345678"));
        let log = kesu_store::audit::search(&db, &Default::default(), 100)
            .await
            .unwrap();
        for e in &log {
            let text = serde_json::to_string(&e.after).unwrap();
            assert!(
                !text.contains("13812345678") && !text.contains("欧阳修文"),
                "{text}"
            );
        }
        assert!(bookings::reveal(&s, &office, b.id, "  ").await.is_err());
        let (n, p) = bookings::reveal(&s, &office, b.id, "电话通知闭馆")
            .await
            .unwrap();
        assert_eq!((n.as_str(), p.as_str()), ("欧阳修文", "13812345678"));
        let reveals = kesu_store::audit::for_object(&db, &format!("service_booking:{}", b.id))
            .await
            .unwrap();
        assert!(
            reveals
                .iter()
                .any(|e| e.action == "services.booking.reveal")
        );
    })
    .await;
}

#[tokio::test]
async fn bookings_are_throttled_per_address_and_per_phone() {
    each_backend(|db| async move {
        let throttles = Throttles::new(
            Limit {
                max: 3,
                per: Duration::minutes(1),
            },
            Limit {
                max: 2,
                per: Duration::days(1),
            },
        );
        let s = services(&db, throttles);
        let office = user(&db, "admin_431302", Role::Admin, "431302", None).await;
        let (_, slot) = base_and_slot(&s, &office, 50).await;
        // One phone, three addresses: the phone's third booking of the day is refused.
        for (i, ip) in ["10.0.0.1", "10.0.0.2"].iter().enumerate() {
            let mut b = booking(slot, 7);
            b.name = format!("张{}", ["一", "二"][i]);
            bookings::book(&s, &public(), &b, Some(ip)).await.unwrap();
        }
        let e = bookings::book(&s, &public(), &booking(slot, 7), Some("10.0.0.3"))
            .await
            .unwrap_err();
        assert!(matches!(e, Error::TooMany(_)), "{e:?}");
        // One address: its fourth request in a minute is refused, whatever the phone.
        for i in 0..2 {
            bookings::book(&s, &public(), &booking(slot, 100 + i), Some("10.0.0.9"))
                .await
                .unwrap();
        }
        let _ = bookings::book(&s, &public(), &booking(slot, 102), Some("10.0.0.9")).await;
        let e = bookings::book(&s, &public(), &booking(slot, 103), Some("10.0.0.9"))
            .await
            .unwrap_err();
        assert!(matches!(e, Error::TooMany(_)), "{e:?}");
    })
    .await;
}

#[tokio::test]
async fn a_pupils_check_in_earns_a_credit_that_a_voided_check_in_takes_back() {
    each_backend(|db| async move {
        let mut s = services(&db, Throttles::off());
        let school = unit(&db, "431302", "娄星区第一小学").await;
        let office = user(&db, "admin_431302", Role::Admin, "431302", None).await;
        let teacher = user(&db, "tb_school", Role::Reporter, "431302", Some(school)).await;
        let (pupil, code) =
            credits::add_pupil(&s, &teacher, Some(school), "五年级", "2班", "王小明")
                .await
                .unwrap();
        let (r, slot) = base_and_slot(&s, &office, 10).await;
        let mut b = booking(slot, 1);
        b.pupil_code = Some(code.clone());
        let b = bookings::book(&s, &public(), &b, None).await.unwrap();
        s.ctx.fixed_now = Some(NOW + Duration::days(2) + Duration::minutes(5));
        let done = checkin::check_in(
            &s,
            &office,
            &CheckInInput {
                code: b.code.clone(),
                place: Place::Base(r),
                venue_key: None,
                client_key: "desk-0001".into(),
                scanned_at: None,
            },
            None,
        )
        .await
        .unwrap();
        assert!(done.counted);
        let rec = credits::record_by_code(&s, &code).await.unwrap();
        assert_eq!(rec.total, 1.0);
        assert_eq!(rec.pupil.name_masked, "王*明");
        // New rules count the past visit again, by an appended entry.
        let rules = kesu_services::credit::Rules {
            check_in: 2.0,
            ..kesu_services::credit::Rules::initial()
        };
        credits::set_rules(&s, &office, "431302", &rules)
            .await
            .unwrap();
        assert_eq!(
            credits::pupil_record(&s, &teacher, pupil)
                .await
                .unwrap()
                .total,
            2.0
        );
        // The visit was recorded in error: voiding it reverses the credit, and the ledger keeps all.
        let cid = kesu_store::services::checkins::totals(&db, "431302")
            .await
            .unwrap();
        assert_eq!(cid, (1, 1));
        let list = kesu_store::services::checkins::at_place(&db, &format!("base:{r}"), 10)
            .await
            .unwrap();
        checkin::void(&s, &office, list[0].id, "误扫")
            .await
            .unwrap();
        let rec = credits::pupil_record(&s, &teacher, pupil).await.unwrap();
        assert_eq!(rec.total, 0.0);
        assert_eq!(rec.entries.len(), 3);
        // Another school's teacher cannot see the pupil.
        let other_school = unit(&db, "431302", "娄星区第二小学").await;
        let other = user(
            &db,
            "tb_other",
            Role::Reporter,
            "431302",
            Some(other_school),
        )
        .await;
        assert!(matches!(
            credits::pupil_record(&s, &other, pupil).await,
            Err(Error::NotFound)
        ));
    })
    .await;
}
