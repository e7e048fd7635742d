//! The jobs `kesu serve` runs on a schedule, run once each as the scheduler would: reminders
//! stored once, ended sessions swept, the nightly backup made once a day, and a job another
//! server holds left alone.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test fixtures: a failed set-up fails the test"
)]

mod common;

use axum::http::StatusCode;
use kesu_app::Ctx;
use kesu_app::jobs::{self, Job, Outcome, Plan};
use time::macros::datetime;

fn ctx_at(db: &kesu_store::Db, now: time::OffsetDateTime) -> Ctx {
    let mut c = Ctx::new(db.clone());
    c.fixed_now = Some(now);
    c
}

fn done(o: Outcome) -> String {
    match o {
        Outcome::Done(s) => s,
        Outcome::Skipped(why) => panic!("skipped: {why}"),
    }
}

async fn notices_of(w: &common::World, user: &str) -> Vec<String> {
    let id = kesu_store::accounts::user_by_name(&w.db, user)
        .await
        .unwrap()
        .unwrap()
        .id;
    kesu_store::reporting::notifications(&w.db, id, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.message)
        .collect()
}

#[tokio::test]
async fn reminders_go_out_once_when_a_round_is_due_soon_and_again_once_when_overdue() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let plan = Plan::default();
        // The fixture's rounds are due 2025-04-15 and lock on 04-30.
        let soon = ctx_at(&w.db, datetime!(2025-04-13 01:00 UTC));
        let first = done(jobs::run(&soon, &plan, Job::Reminders).await.unwrap());
        assert!(!first.starts_with("due_soon=0"), "{first}");
        assert!(first.ends_with("overdue=0 orders=0"), "{first}");
        let again = done(jobs::run(&soon, &plan, Job::Reminders).await.unwrap());
        assert_eq!(again, "due_soon=0 overdue=0 orders=0");
        let late = ctx_at(&w.db, datetime!(2025-04-20 01:00 UTC));
        let overdue = done(jobs::run(&late, &plan, Job::Reminders).await.unwrap());
        assert!(!overdue.contains("overdue=0"), "{overdue}");
        assert_eq!(
            done(jobs::run(&late, &plan, Job::Reminders).await.unwrap()),
            "due_soon=0 overdue=0 orders=0"
        );
        let notes = notices_of(&w, "a_reporter0").await;
        assert_eq!(notes.iter().filter(|n| n.contains("即将截止")).count(), 1);
        assert_eq!(notes.iter().filter(|n| n.contains("已逾期")).count(), 1);
        // Offices get none: they have no unit.
        assert!(notices_of(&w, "a_admin").await.is_empty());
        // After the lock date nobody is told to hurry.
        let locked = ctx_at(&w.db, datetime!(2025-05-05 01:00 UTC));
        assert_eq!(
            done(jobs::run(&locked, &plan, Job::Reminders).await.unwrap()),
            "due_soon=0 overdue=0 orders=0"
        );
    })
    .await;
}

#[tokio::test]
async fn an_order_past_its_deadline_reminds_the_party_whose_move_it_is_once() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        // Two orders waiting to be dispatched in each county, asked at the world's 2025-04-10;
        // dispatching is due within two days.
        let objects = common::services::fixture(&w).await;
        let plan = Plan::default();
        let before = ctx_at(&w.db, datetime!(2025-04-11 01:00 UTC));
        let r = done(jobs::run(&before, &plan, Job::Reminders).await.unwrap());
        assert!(r.ends_with("orders=0"), "{r}");
        let late = ctx_at(&w.db, datetime!(2025-04-13 01:00 UTC));
        let r = done(jobs::run(&late, &plan, Job::Reminders).await.unwrap());
        assert!(!r.ends_with("orders=0"), "{r}");
        let r = done(jobs::run(&late, &plan, Job::Reminders).await.unwrap());
        assert!(r.ends_with("orders=0"), "told twice: {r}");
        // The county's admin dispatches; its reporters and the other county's admin are not
        // told about its orders.
        let a = notices_of(&w, "a_admin").await;
        let overdue = |n: &Vec<String>| n.iter().filter(|m| m.contains("服务订单已超时")).count();
        assert_eq!(overdue(&a), 2, "{a:?}");
        assert!(a.iter().any(|m| m.contains("科普讲座")), "{a:?}");
        assert_eq!(overdue(&notices_of(&w, "b_admin").await), 2);
        assert_eq!(overdue(&notices_of(&w, "a_reporter0").await), 0);
        assert_eq!(overdue(&notices_of(&w, "city_admin").await), 0);
        // Dispatched to a department on the 13th, it is the department's to claim by the 15th:
        // its reporter is told on the 16th, the admin not again.
        let unit = *w.units[common::A].values().next().unwrap();
        let reporter = w.reporter_of(unit);
        let mut s = kesu_app::services::Services::new(
            late.clone(),
            std::sync::Arc::new(kesu_app::services::personal::RingSealer::ephemeral().unwrap()),
            std::sync::Arc::new(kesu_app::services::Throttles::off()),
        );
        s.ctx.fixed_now = Some(datetime!(2025-04-13 02:00 UTC));
        let operator = kesu_app::Caller {
            principal: kesu_app::Principal::Operator,
            audit: kesu_store::Actor::system(),
        };
        let dispatch = kesu_services::order::Step::Dispatch {
            assignee: kesu_services::order::Assignee::Department(unit),
            reason: String::new(),
        };
        kesu_app::services::orders::step(
            &s,
            &operator,
            objects[common::A].order,
            &dispatch,
            None,
            None,
        )
        .await
        .unwrap();
        let claim_late = ctx_at(&w.db, datetime!(2025-04-16 01:00 UTC));
        let r = done(jobs::run(&claim_late, &plan, Job::Reminders).await.unwrap());
        assert!(r.ends_with("orders=1"), "{r}");
        assert_eq!(overdue(&notices_of(&w, &reporter).await), 1);
        assert_eq!(overdue(&notices_of(&w, "a_admin").await), 2);
    })
    .await;
}

#[tokio::test]
async fn the_session_sweep_removes_ended_sessions_only() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let live = w.login("a_admin").await;
        w.login("a_viewer").await;
        let plan = Plan {
            session_idle: kesu_web::auth::SESSIONS.idle,
            ..Plan::default()
        };
        // Now: both sessions are in use; nothing goes.
        let now = Ctx::new(w.db.clone());
        assert_eq!(
            done(jobs::run(&now, &plan, Job::Sessions).await.unwrap()),
            "removed=0"
        );
        let (s, _) = w.page(&live, "/").await;
        assert_eq!(s, StatusCode::OK);
        // A day without use later: both have ended and are swept; the cookie no longer works.
        let later = ctx_at(
            &w.db,
            time::OffsetDateTime::now_utc() + time::Duration::hours(24),
        );
        assert_eq!(
            done(jobs::run(&later, &plan, Job::Sessions).await.unwrap()),
            "removed=2"
        );
        let (s, _) = w.page(&live, "/").await;
        assert_eq!(s, StatusCode::SEE_OTHER, "back to the sign-in page");
    })
    .await;
}

#[tokio::test]
async fn the_nightly_backup_is_made_once_a_day_and_recorded() {
    for t in kesu_store::testing::backends().await {
        let name = t.name();
        let w = common::world(t.db.clone()).await;
        let dir = tempfile::tempdir().unwrap();
        let plan = Plan {
            backup: Some(jobs::BackupPlan {
                at: time::macros::time!(02:30),
                dir: dir.path().join("backups"),
                keep: 7,
                url: t.url(),
                files_dir: w.dir.path().join("files"),
            }),
            ..Plan::default()
        };
        let ctx = ctx_at(&w.db, datetime!(2025-04-10 18:30 UTC));
        let r = done(jobs::run(&ctx, &plan, Job::Backup).await.unwrap());
        assert!(r.contains("kesu-20250411.tar.gz"), "{name}: {r}");
        assert!(dir.path().join("backups/kesu-20250411.tar.gz").is_file());
        match jobs::run(&ctx, &plan, Job::Backup).await.unwrap() {
            Outcome::Skipped(why) => assert!(why.contains("已存在"), "{why}"),
            other => panic!("{name}: a second backup the same day: {other:?}"),
        }
        let audit = kesu_store::audit::recent(&w.db, 1).await.unwrap();
        assert_eq!(audit[0].action, "ops.backup");
        assert_eq!(audit[0].actor, "system");
        // No plan, no backup.
        let none = jobs::run(&ctx, &Plan::default(), Job::Backup)
            .await
            .unwrap();
        assert!(matches!(none, Outcome::Skipped(_)), "{name}");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_job_another_server_is_running_is_skipped_on_postgres() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let ctx = Ctx::new(w.db.clone());
        let held = kesu_store::scheduled::try_lock(&w.db, "reminders")
            .await
            .unwrap()
            .unwrap();
        let r = jobs::run(&ctx, &Plan::default(), Job::Reminders)
            .await
            .unwrap();
        match w.db.backend() {
            kesu_store::Backend::Postgres => {
                assert!(matches!(r, Outcome::Skipped(_)), "{r:?}");
                // Another job is not blocked by it.
                let s = jobs::run(&ctx, &Plan::default(), Job::Sessions)
                    .await
                    .unwrap();
                assert!(matches!(s, Outcome::Done(_)), "{s:?}");
            }
            // SQLite servers share the file's single writer; the job is safe to repeat.
            kesu_store::Backend::Sqlite => assert!(matches!(r, Outcome::Done(_)), "{r:?}"),
        }
        held.release().await.unwrap();
        let r = jobs::run(&ctx, &Plan::default(), Job::Reminders)
            .await
            .unwrap();
        assert!(matches!(r, Outcome::Done(_)), "released: {r:?}");
    })
    .await;
}
