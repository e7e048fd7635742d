//! Audit rows about an account (session starts and ends, password changes) carry the
//! account's region, so that a county reads only its own people's; rows without a region are
//! read only when asked for (the top-level office). SQLite and PostgreSQL.
#![allow(
    clippy::unwrap_used,
    reason = "test fixtures: a failed set-up fails the test"
)]

use kesu_core::RegionCode;
use kesu_core::authz::Role;
use kesu_store::accounts::{
    self, Attempt, LoginLimits, LoginOutcome, NewSession, NewUser, SessionLimits,
};
use kesu_store::audit::{self, Filter};
use kesu_store::testing::each_backend;
use kesu_store::{Actor, Db};
use time::{Duration, OffsetDateTime};

async fn user(db: &Db, name: &str, region: &str) -> i64 {
    accounts::add_user(
        db,
        &NewUser {
            username: name.into(),
            display_name: name.into(),
            role: Role::Admin,
            region: RegionCode::parse(region).unwrap(),
            unit_id: None,
            password_hash: "x".into(),
        },
        &Actor::system(),
    )
    .await
    .unwrap()
}

/// A sign-in, a password change, a failed sign-in and a sign-out of `name`.
async fn live(db: &Db, name: &str, id: i64) {
    let limits = LoginLimits {
        window: Duration::minutes(15),
        per_account: 5,
        per_address: 30,
    };
    let attempt = |at| Attempt {
        address: "10.0.0.1",
        ip: Some("10.0.0.1"),
        username: name,
        at,
    };
    let session = accounts::finish_login(
        db,
        &attempt(OffsetDateTime::now_utc()),
        Some(id),
        LoginOutcome::Ok,
        &limits,
        Some(NewSession {
            token_hash: &format!("t-{name}"),
            csrf_token: "c",
            limits: SessionLimits {
                idle: Duration::hours(1),
                lifetime: Duration::hours(8),
            },
        }),
    )
    .await
    .unwrap()
    .unwrap();
    accounts::set_password(db, id, "y", Some(session), &Actor::new(name))
        .await
        .unwrap();
    accounts::finish_login(
        db,
        &attempt(OffsetDateTime::now_utc()),
        Some(id),
        LoginOutcome::BadPassword,
        &limits,
        None,
    )
    .await
    .unwrap();
    accounts::end_session(db, session, &Actor::new(name))
        .await
        .unwrap();
}

fn in_region(region: &str) -> Filter {
    Filter {
        region: Some(region.into()),
        ..Filter::default()
    }
}

#[tokio::test]
async fn rows_about_an_account_carry_its_region() {
    each_backend(|db| async move {
        let a = user(&db, "a", "431302").await;
        let b = user(&db, "b", "431321").await;
        live(&db, "a", a).await;
        live(&db, "b", b).await;
        let rows = audit::search(&db, &in_region("431302"), 1000)
            .await
            .unwrap();
        let actions: Vec<&str> = rows.iter().map(|e| e.action.as_str()).collect();
        for want in ["session.start", "user.password", "session.end"] {
            assert!(
                actions.contains(&want),
                "{want} of county A's account: {actions:?}"
            );
        }
        for e in &rows {
            assert_eq!(e.region_code.as_deref(), Some("431302"), "{e:?}");
            assert_ne!(
                e.object,
                format!("user:{b}"),
                "a row about B's account: {e:?}"
            );
            assert_ne!(e.actor, "b", "a row by B's account: {e:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn rows_without_a_region_only_when_asked_for() {
    each_backend(|db| async move {
        user(&db, "a", "431302").await;
        let mut tx = db.begin().await.unwrap();
        audit::record(
            &mut tx,
            &Actor::system(),
            "regions.import",
            "regions:2023",
            None,
            None,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let county = audit::search(&db, &in_region("4313"), 100).await.unwrap();
        assert!(county.iter().all(|e| e.region_code.is_some()), "{county:?}");
        let top = Filter {
            region: Some("4313".into()),
            unregioned: true,
            ..Filter::default()
        };
        let all = audit::search(&db, &top, 100).await.unwrap();
        assert!(all.iter().any(|e| e.action == "regions.import"));
        // The top-level office: the only region every plan and account lies in.
        assert!(!audit::knows_regions_outside(&db, "4313").await.unwrap());
        assert!(audit::knows_regions_outside(&db, "431321").await.unwrap());
    })
    .await;
}
