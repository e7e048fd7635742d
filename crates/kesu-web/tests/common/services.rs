//! The services' objects for the route tests: in each county a published base with a slot and
//! a booking, an activity with a check-in, an order asked by the office and one asked by a
//! citizen, a volunteer with an attendance record, and a pupil of a school (a unit without a
//! reporter account) with a teacher's award — made through the use cases, at the world's clock.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "shared by several test binaries; a failed set-up fails the test"
)]

use super::objects::{Instance, Scope};
use super::{A, B, World};
use kesu_app::services::bookings::{BookInput, NewSlot};
use kesu_app::services::checkin::{CheckInInput, NewActivity};
use kesu_app::services::orders::AskInput;
use kesu_app::services::{
    Services, Throttles, bookings, catalogue, checkin, credits, orders, personal, volunteers,
};
use kesu_app::{Caller, Ctx, Principal};
use kesu_services::catalogue::ResourceInput;
use kesu_services::checkin::{ActivityInput, Place};
use kesu_services::order::OrderInput;
use std::collections::BTreeMap;
use std::sync::Arc;
use time::Duration;

/// The kinds of services object a route names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Resource,
    Slot,
    Booking,
    /// A booking by its code (the citizen's pages).
    BookingCode,
    Activity,
    Checkin,
    Order,
    /// An order asked without an account, by its code.
    OrderCode,
    Volunteer,
    Attendance,
    Pupil,
    CreditSource,
}

/// One county's objects.
#[derive(Debug, Clone, Default)]
pub struct Objects {
    pub resource: i64,
    pub slot: i64,
    pub booking: i64,
    pub booking_code: String,
    pub activity: i64,
    pub checkin: i64,
    pub order: i64,
    pub order_code: String,
    pub volunteer: i64,
    pub attendance: i64,
    pub school: i64,
    pub pupil: i64,
    pub source: i64,
}

/// county code → its objects.
pub type Fixture = BTreeMap<String, Objects>;

/// Make every kind of object once in county A and once in county B.
pub async fn fixture(w: &World) -> Fixture {
    let mut ctx = Ctx::new(w.db.clone());
    ctx.fixed_now = *w.state.clock;
    // The server's own ring, so that what is sealed here opens in its pages.
    let s = Services::new(
        ctx,
        Arc::new(personal::RingSealer::new(w.state.keys.clone().unwrap())),
        Arc::new(Throttles::off()),
    );
    let op = Caller {
        principal: Principal::Operator,
        audit: kesu_store::Actor::system(),
    };
    let public = Caller::public(kesu_store::Actor::new("public"));
    let now = s.ctx.now();
    let mut out = Fixture::new();
    for (i, county) in [A, B].into_iter().enumerate() {
        let mut o = Objects::default();
        o.resource = catalogue::create(
            &s,
            &op,
            &ResourceInput {
                kind: "base".into(),
                name: format!("{county}科技馆"),
                region: county.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        o.slot = bookings::create_slot(
            &s,
            &op,
            &NewSlot {
                resource_id: o.resource,
                starts_at: now + Duration::days(2),
                ends_at: now + Duration::days(2) + Duration::hours(2),
                capacity: 50,
            },
        )
        .await
        .unwrap();
        let b = bookings::book(
            &s,
            &public,
            &BookInput {
                slot_id: o.slot,
                name: "张三".into(),
                phone: format!("1380000000{i}"),
                people: 1,
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
        o.booking = b.id;
        o.booking_code = b.code;
        o.activity = checkin::create_activity(
            &s,
            &op,
            &NewActivity {
                input: ActivityInput {
                    title: format!("{county}科普日"),
                    kind: "科普日".into(),
                    region: county.into(),
                    ..Default::default()
                },
                starts_at: now + Duration::minutes(30),
                ends_at: now + Duration::hours(3),
                capacity: 20,
            },
        )
        .await
        .unwrap();
        let slot = checkin::activity(&s, &op, o.activity)
            .await
            .unwrap()
            .slot
            .unwrap();
        let at_activity = bookings::book(
            &s,
            &public,
            &BookInput {
                slot_id: slot.id,
                name: "李四".into(),
                phone: format!("1390000000{i}"),
                people: 2,
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
        checkin::check_in(
            &s,
            &op,
            &CheckInInput {
                code: at_activity.code,
                place: Place::Activity(o.activity),
                venue_key: None,
                client_key: format!("fixture-{county}"),
                scanned_at: None,
            },
            None,
        )
        .await
        .unwrap();
        o.checkin =
            kesu_store::services::checkins::at_place(&w.db, &format!("activity:{}", o.activity), 1)
                .await
                .unwrap()[0]
                .id;
        let order = |title: &str| OrderInput {
            title: title.into(),
            detail: "社区需求".into(),
            region: county.into(),
            ..Default::default()
        };
        o.order = orders::ask(
            &s,
            &op,
            &AskInput {
                order: order("科普讲座"),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap()
        .id;
        o.order_code = orders::ask(
            &s,
            &public,
            &AskInput {
                order: order("科普展览"),
                name: "王五".into(),
                phone: format!("1370000000{i}"),
            },
            None,
        )
        .await
        .unwrap()
        .code
        .unwrap();
        let (v, _) = volunteers::register(
            &s,
            &op,
            &volunteers::VolunteerInput {
                name: "赵六".into(),
                phone: format!("1360000000{i}"),
                region: county.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        o.volunteer = v;
        o.attendance = volunteers::check_in(&s, &op, v, None, None).await.unwrap();
        let mut tx = w.db.begin().await.unwrap();
        o.school = kesu_store::units::register(&mut tx, county, None, &format!("{county}第一小学"))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let (pupil, _) = credits::add_pupil(&s, &op, Some(o.school), "五年级", "1班", "周小雨")
            .await
            .unwrap();
        o.pupil = pupil;
        o.source = credits::award(
            &s,
            &op,
            &credits::AwardInput {
                pupil_id: pupil,
                kind: kesu_services::credit::SourceKind::Award,
                amount: 2.0,
                on: s.ctx.today(),
                note: "科技节".into(),
                r#ref: None,
            },
        )
        .await
        .unwrap();
        out.insert(county.to_string(), o);
    }
    out
}

fn one(label: String, scope: Scope, params: &[(&'static str, String)]) -> Instance {
    Instance {
        label,
        params: params.iter().cloned().collect(),
        plan_in_body: None,
        form: Default::default(),
        scope,
    }
}

/// The objects of a kind in both counties, with what the rules see of each: office objects
/// belong to their county's offices; a pupil and its credits also to its school.
pub fn instances(f: &Fixture, kind: Kind) -> Vec<Instance> {
    let mut out = Vec::new();
    for (county, o) in f {
        let region = || Scope::Region(county.clone());
        let school = || Scope::Unit {
            region: county.clone(),
            id: o.school,
        };
        let label = format!("{kind:?} of {county}");
        out.push(match kind {
            Kind::Resource => one(label, region(), &[("id", o.resource.to_string())]),
            Kind::Slot => one(label, region(), &[("id", o.slot.to_string())]),
            Kind::Booking => one(label, region(), &[("id", o.booking.to_string())]),
            Kind::BookingCode => one(label, Scope::Public, &[("code", o.booking_code.clone())]),
            Kind::Activity => one(label, region(), &[("id", o.activity.to_string())]),
            Kind::Checkin => one(label, region(), &[("id", o.checkin.to_string())]),
            Kind::Order => one(
                label,
                region(),
                &[("id", o.order.to_string()), ("step", "claim".to_string())],
            ),
            Kind::OrderCode => one(label, Scope::Public, &[("code", o.order_code.clone())]),
            Kind::Volunteer => one(label, region(), &[("id", o.volunteer.to_string())]),
            Kind::Attendance => one(label, region(), &[("id", o.attendance.to_string())]),
            Kind::Pupil => one(label, school(), &[("id", o.pupil.to_string())]),
            Kind::CreditSource => one(label, school(), &[("id", o.source.to_string())]),
        });
    }
    out
}
