//! Sign-in throttling and sessions, on every backend: parallel guesses never overrun the count,
//! a stranger's guesses slow down the stranger's address only, sessions end when idle and on a
//! password change.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a failed set-up fails the test"
)]

use kesu_core::authz::Role;
use kesu_core::region::RegionCode;
use kesu_store::accounts::{
    self, Admission, Attempt, LoginLimits, LoginOutcome, NewSession, SessionLimits,
};
use kesu_store::testing::each_backend;
use kesu_store::{Actor, Db};
use time::{Duration, OffsetDateTime, macros::datetime};

const LIMITS: LoginLimits = LoginLimits {
    window: Duration::minutes(15),
    per_account: 5,
    per_address: 30,
};

const SESSIONS: SessionLimits = SessionLimits {
    idle: Duration::hours(12),
    lifetime: Duration::days(7),
};

const T0: OffsetDateTime = datetime!(2026-03-02 01:00 UTC);

const STRANGER: &str = "198.51.100.66";
const OWNER: &str = "203.0.113.10";

async fn user(db: &Db, name: &str) -> i64 {
    let u = accounts::NewUser {
        username: name.into(),
        display_name: name.into(),
        role: Role::Viewer,
        region: RegionCode::parse("431302").unwrap(),
        unit_id: None,
        password_hash: "$argon2id$not-used-here".into(),
    };
    accounts::add_user(db, &u, &Actor::system()).await.unwrap()
}

fn attempt<'a>(address: &'a str, username: &'a str, at: OffsetDateTime) -> Attempt<'a> {
    Attempt {
        address,
        ip: Some(address),
        username,
        at,
    }
}

async fn admit(db: &Db, address: &str, username: &str, at: OffsetDateTime) -> bool {
    let a = attempt(address, username, at);
    accounts::admit_login(db, &a, &LIMITS).await.unwrap() == Admission::Admitted
}

/// An admitted attempt that turned out wrong.
async fn fail(db: &Db, address: &str, username: &str, user_id: Option<i64>, at: OffsetDateTime) {
    let a = attempt(address, username, at);
    let outcome = if user_id.is_some() {
        LoginOutcome::BadPassword
    } else {
        LoginOutcome::UnknownUser
    };
    accounts::finish_login(db, &a, user_id, outcome, &LIMITS, None)
        .await
        .unwrap();
}

/// Sign in successfully at `at`; the session's id.
async fn sign_in(
    db: &Db,
    address: &str,
    username: &str,
    user_id: i64,
    token_hash: &str,
    at: OffsetDateTime,
) -> i64 {
    let a = attempt(address, username, at);
    let s = NewSession {
        token_hash,
        csrf_token: "csrf",
        limits: SESSIONS,
    };
    accounts::finish_login(db, &a, Some(user_id), LoginOutcome::Ok, &LIMITS, Some(s))
        .await
        .unwrap()
        .unwrap()
}

async fn live(db: &Db, token_hash: &str, at: OffsetDateTime) -> bool {
    accounts::session_by_token(db, token_hash, at, &SESSIONS)
        .await
        .unwrap()
        .is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_many_parallel_guesses_exactly_the_allowance_is_admitted_per_window() {
    each_backend(|db| async move {
        user(&db, "a_viewer").await;
        let guesses: Vec<_> = (0..40)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move { admit(&db, STRANGER, "a_viewer", T0).await })
            })
            .collect();
        let mut admitted = 0;
        for g in guesses {
            admitted += usize::from(g.await.unwrap());
        }
        assert_eq!(admitted, 5);
        // The window over, five more; not a sixth.
        let later = T0 + Duration::minutes(15);
        let guesses: Vec<_> = (0..20)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move { admit(&db, STRANGER, "a_viewer", later).await })
            })
            .collect();
        let mut admitted = 0;
        for g in guesses {
            admitted += usize::from(g.await.unwrap());
        }
        assert_eq!(admitted, 5);
    })
    .await;
}

#[tokio::test]
async fn a_refused_attempt_says_until_when_and_is_in_the_login_log() {
    each_backend(|db| async move {
        for i in 0..5 {
            assert!(admit(&db, STRANGER, "nobody", T0 + Duration::seconds(i)).await);
        }
        let a = attempt(STRANGER, "nobody", T0 + Duration::minutes(3));
        assert_eq!(
            accounts::admit_login(&db, &a, &LIMITS).await.unwrap(),
            Admission::Refused {
                until: T0 + Duration::minutes(15),
                whole_address: false
            }
        );
        let log = accounts::login_log(&db, Some("nobody"), 1).await.unwrap();
        assert_eq!(log[0].outcome, "throttled");
        assert_eq!(log[0].ip.as_deref(), Some(STRANGER));
    })
    .await;
}

#[tokio::test]
async fn a_stranger_guessing_does_not_keep_the_owner_at_another_address_out() {
    each_backend(|db| async move {
        let id = user(&db, "a_viewer").await;
        for i in 0..5 {
            let at = T0 + Duration::seconds(i);
            assert!(admit(&db, STRANGER, "a_viewer", at).await);
            fail(&db, STRANGER, "a_viewer", Some(id), at).await;
        }
        let at = T0 + Duration::seconds(10);
        assert!(
            !admit(&db, STRANGER, "a_viewer", at).await,
            "the stranger waits"
        );
        assert!(
            admit(&db, OWNER, "a_viewer", at).await,
            "the owner does not"
        );
        sign_in(&db, OWNER, "a_viewer", id, "owner-token", at).await;
        assert!(!admit(&db, STRANGER, "a_viewer", at).await, "still");
    })
    .await;
}

#[tokio::test]
async fn a_success_starts_the_count_for_that_address_afresh() {
    each_backend(|db| async move {
        let id = user(&db, "a_viewer").await;
        for i in 0..4 {
            let at = T0 + Duration::seconds(i);
            assert!(admit(&db, OWNER, "a_viewer", at).await);
            fail(&db, OWNER, "a_viewer", Some(id), at).await;
        }
        assert!(admit(&db, OWNER, "a_viewer", T0 + Duration::seconds(5)).await);
        sign_in(&db, OWNER, "a_viewer", id, "t", T0 + Duration::seconds(5)).await;
        for i in 0..5 {
            assert!(admit(&db, OWNER, "a_viewer", T0 + Duration::seconds(10 + i)).await);
        }
    })
    .await;
}

#[tokio::test]
async fn an_address_failing_at_many_names_is_refused_for_every_name() {
    each_backend(|db| async move {
        for i in 0..30 {
            let name = format!("guess{i}");
            let at = T0 + Duration::seconds(i);
            assert!(admit(&db, STRANGER, &name, at).await);
            fail(&db, STRANGER, &name, None, at).await;
        }
        let at = T0 + Duration::minutes(1);
        let a = attempt(STRANGER, "yet-another", at);
        assert!(matches!(
            accounts::admit_login(&db, &a, &LIMITS).await.unwrap(),
            Admission::Refused {
                whole_address: true,
                ..
            }
        ));
        assert!(
            admit(&db, OWNER, "yet-another", at).await,
            "other addresses go on"
        );
        // A new window forgives.
        assert!(admit(&db, STRANGER, "yet-another", T0 + Duration::minutes(16)).await);
    })
    .await;
}

#[tokio::test]
async fn a_session_ends_after_twelve_hours_without_use_and_lives_on_while_used() {
    each_backend(|db| async move {
        let id = user(&db, "a_viewer").await;
        sign_in(&db, OWNER, "a_viewer", id, "idle", T0).await;
        sign_in(&db, OWNER, "a_viewer", id, "used", T0).await;
        assert!(live(&db, "idle", T0 + Duration::hours(11)).await);
        assert!(!live(&db, "idle", T0 + Duration::hours(12)).await);

        let session = accounts::session_by_token(&db, "used", T0, &SESSIONS)
            .await
            .unwrap()
            .unwrap()
            .session_id;
        let at = T0 + Duration::hours(11);
        assert!(
            accounts::touch_session(&db, session, at, Duration::minutes(1))
                .await
                .unwrap()
        );
        assert!(
            live(&db, "used", T0 + Duration::hours(22)).await,
            "idle since 11 h only"
        );
        assert!(!live(&db, "used", T0 + Duration::hours(23)).await);
    })
    .await;
}

#[tokio::test]
async fn a_session_is_written_down_as_used_at_most_once_a_minute_and_ends_after_a_week() {
    each_backend(|db| async move {
        let id = user(&db, "a_viewer").await;
        let session = sign_in(&db, OWNER, "a_viewer", id, "t", T0).await;
        let every = Duration::minutes(1);
        assert!(
            !accounts::touch_session(&db, session, T0 + Duration::seconds(30), every)
                .await
                .unwrap()
        );
        assert!(
            accounts::touch_session(&db, session, T0 + Duration::seconds(61), every)
                .await
                .unwrap()
        );
        assert!(
            !accounts::touch_session(&db, session, T0 + Duration::seconds(90), every)
                .await
                .unwrap()
        );
        // Used every few hours for a week: still, its lifetime ends it.
        let mut at = T0;
        while at < T0 + Duration::days(7) {
            at += Duration::hours(6);
            accounts::touch_session(&db, session, at, every)
                .await
                .unwrap();
        }
        assert!(!live(&db, "t", at).await);
        assert!(live(&db, "t", T0 + Duration::days(7) - Duration::hours(1)).await);
    })
    .await;
}

#[tokio::test]
async fn a_password_change_ends_every_session_but_the_one_that_made_it() {
    each_backend(|db| async move {
        let id = user(&db, "a_viewer").await;
        let now = OffsetDateTime::now_utc();
        let mine = sign_in(&db, OWNER, "a_viewer", id, "mine", now).await;
        sign_in(&db, STRANGER, "a_viewer", id, "stolen", now).await;
        sign_in(&db, OWNER, "a_viewer", id, "other-tab", now).await;
        assert_eq!(
            accounts::sessions_of(&db, id, now, &SESSIONS)
                .await
                .unwrap()
                .len(),
            3
        );

        accounts::set_password(&db, id, "$argon2id$new", Some(mine), &Actor::system())
            .await
            .unwrap();
        assert_eq!(
            accounts::sessions_of(&db, id, now, &SESSIONS)
                .await
                .unwrap(),
            vec![mine]
        );
        assert!(live(&db, "mine", now).await);
        assert!(!live(&db, "stolen", now).await);

        // Set by someone else (no session of the user's own to keep): every session ends.
        accounts::set_password(&db, id, "$argon2id$newer", None, &Actor::system())
            .await
            .unwrap();
        assert!(
            accounts::sessions_of(&db, id, now, &SESSIONS)
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}
