//! Audit rows about an account (session starts and ends, password changes, lockouts) carry the
//! account's region, so that a county reads only its own people's; rows without a region are
//! read only when asked for (the top-level office). SQLite and PostgreSQL.
#![allow(
    clippy::unwrap_used,
    reason = "test fixtures: a failed set-up fails the test"
)]

use kesu_core::RegionCode;
use kesu_core::authz::Role;
use kesu_store::accounts::{self, LoginOutcome, NewUser};
use kesu_store::audit::{self, Filter};
use kesu_store::testing::each_backend;
use kesu_store::{Actor, Db};
use time::Duration;

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

/// A sign-in, a password change, a lockout and a sign-out of `name`.
async fn live(db: &Db, name: &str, id: i64) {
    let session = accounts::create_session(
        db,
        id,
        &format!("t-{name}"),
        "c",
        Some("10.0.0.1"),
        Duration::hours(1),
    )
    .await
    .unwrap();
    accounts::set_password(db, id, "y", Some(session), &Actor::new(name))
        .await
        .unwrap();
    accounts::record_login(
        db,
        name,
        Some(id),
        LoginOutcome::BadPassword,
        None,
        1,
        Duration::minutes(5),
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
        for want in [
            "session.start",
            "user.password",
            "user.lockout",
            "session.end",
        ] {
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
