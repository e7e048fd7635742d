//! Changes of reports in the store: a lead's acceptance settles only the input it is given, each
//! report through the same transition (history row, audit row); evidence files obey the round's
//! lock date and the caller's version, and bump it; reminders are stored once. SQLite and
//! PostgreSQL.
#![allow(
    clippy::unwrap_used,
    reason = "test fixtures: a failed set-up fails the test"
)]

use kesu_core::plan::Plan;
use kesu_core::report::{Period, Transition};
use kesu_store::reporting::{self, NewAttachment, NewRound, ReportChange, Slot};
use kesu_store::testing::each_backend;
use kesu_store::{Actor, Db, StoreError, audit, plans};
use time::macros::{date, datetime};

const NOW: time::OffsetDateTime = datetime!(2025-04-10 02:00 UTC);
/// After the round's lock date (2025-04-30).
const LOCKED: time::OffsetDateTime = datetime!(2025-05-02 02:00 UTC);

/// The 娄底 plan (tasks led by one unit with another cooperating) and a round on it.
async fn round(db: &Db) -> i64 {
    let path = format!(
        "{}/../kesu-plan/tests/gold/000_432ccf1c67a0d8b8.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let plan: Plan = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let src = plans::Source {
        name: "loudi.json",
        sha256: "loudi",
    };
    let id = plans::import(db, &plan, "4313", None, &src, &Actor::new("t"))
        .await
        .unwrap()
        .plan_id();
    reporting::open_round(
        db,
        &NewRound {
            plan_id: id,
            period: Period::parse("2025Q1").unwrap(),
            due: date!(2025 - 04 - 15),
            lock: date!(2025 - 04 - 30),
            demo: false,
        },
        &Actor::new("office"),
    )
    .await
    .unwrap()
}

/// The lead and cooperating reports of the first task that has both.
async fn lead_and_input(db: &Db, round: i64) -> (Slot, Slot) {
    let slots = reporting::slots(db, round).await.unwrap();
    slots
        .iter()
        .filter(|s| s.role == "lead")
        .find_map(|l| {
            slots
                .iter()
                .find(|s| s.task_id == l.task_id && s.role == "cooperating")
                .map(|c| (l.clone(), c.clone()))
        })
        .unwrap()
}

async fn step(db: &Db, id: i64, t: Transition) -> i64 {
    let s = reporting::slot(db, id).await.unwrap();
    let ch = ReportChange {
        expected_version: s.version,
        content: Some("本期工作".into()),
        ..Default::default()
    };
    reporting::change(db, id, t, &ch, NOW, &Actor::new("u"))
        .await
        .unwrap()
}

fn version_only(v: i64) -> ReportChange {
    ReportChange {
        expected_version: v,
        ..Default::default()
    }
}

#[tokio::test]
async fn accepting_a_lead_report_alone_leaves_its_input_as_it_was() {
    each_backend(|db| async move {
        let r = round(&db).await;
        let (lead, input) = lead_and_input(&db, r).await;
        step(&db, input.id, Transition::Submit).await;
        step(&db, lead.id, Transition::Submit).await;
        step(&db, lead.id, Transition::Accept).await;
        let s = reporting::slot(&db, input.id).await.unwrap();
        assert_eq!(s.state, "submitted", "no silent change of another report");
    })
    .await;
}

#[tokio::test]
async fn a_lead_accepted_with_its_input_settles_each_through_the_transition() {
    each_backend(|db| async move {
        let r = round(&db).await;
        let (lead, input) = lead_and_input(&db, r).await;
        step(&db, input.id, Transition::Submit).await;
        let v = step(&db, lead.id, Transition::Submit).await;
        // An unrelated report named among the input is left alone.
        let other = reporting::slots(&db, r)
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.task_id != lead.task_id)
            .unwrap();
        step(&db, other.id, Transition::Submit).await;
        let (_, settled) = reporting::accept_with_inputs(
            &db,
            lead.id,
            &version_only(v),
            &[input.id, other.id],
            NOW,
            &Actor::new("reviewer"),
        )
        .await
        .unwrap();
        assert_eq!(settled, vec![input.id]);
        let s = reporting::slot(&db, input.id).await.unwrap();
        assert_eq!((s.state.as_str(), s.version), ("accepted", 2));
        let history = reporting::history(&db, input.id).await.unwrap();
        let last = history.last().unwrap();
        assert_eq!(
            (last.action.as_str(), last.actor.as_str()),
            ("accept", "reviewer")
        );
        assert!(last.reason.as_deref().unwrap().contains("随牵头单位"));
        let rows = audit::for_object(&db, &format!("report:{}", input.id))
            .await
            .unwrap();
        assert_eq!(rows.last().unwrap().action, "report.accept");
        assert_eq!(
            reporting::slot(&db, other.id).await.unwrap().state,
            "submitted"
        );
    })
    .await;
}

fn evidence(name: &str) -> NewAttachment {
    NewAttachment {
        sha256: format!("sha-{name}"),
        file_name: name.into(),
        mime: "application/pdf".into(),
        size: 3,
    }
}

#[tokio::test]
async fn evidence_is_a_change_of_the_report_with_its_version_and_history() {
    each_backend(|db| async move {
        let r = round(&db).await;
        let (lead, _) = lead_and_input(&db, r).await;
        let by = Actor::new("u");
        let (a, v) = reporting::add_attachment(&db, lead.id, 0, &evidence("照片.pdf"), NOW, &by)
            .await
            .unwrap();
        assert_eq!(v, 1);
        let s = reporting::slot(&db, lead.id).await.unwrap();
        assert_eq!((s.state.as_str(), s.version), ("draft", 1));
        // A second tab still at version 0 is refused, and nothing is added.
        let stale = reporting::add_attachment(&db, lead.id, 0, &evidence("旧.pdf"), NOW, &by).await;
        assert!(matches!(stale, Err(StoreError::Conflict(m)) if m.contains("版本")));
        let v = reporting::remove_attachment(&db, lead.id, a, 1, NOW, &by)
            .await
            .unwrap();
        assert_eq!(v, 2);
        assert!(
            reporting::attachments(&db, lead.id)
                .await
                .unwrap()
                .is_empty()
        );
        let actions: Vec<String> = reporting::history(&db, lead.id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(actions, ["attach", "detach"]);
        let rows: Vec<String> = audit::for_object(&db, &format!("report:{}", lead.id))
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(rows, ["report.attach", "report.detach"]);
    })
    .await;
}

#[tokio::test]
async fn evidence_waits_for_an_exception_after_the_lock_date() {
    each_backend(|db| async move {
        let r = round(&db).await;
        let (lead, input) = lead_and_input(&db, r).await;
        let by = Actor::new("u");
        let late =
            reporting::add_attachment(&db, lead.id, 0, &evidence("迟.pdf"), LOCKED, &by).await;
        assert!(matches!(late, Err(StoreError::Conflict(m)) if m.contains("锁定")));
        assert!(
            reporting::attachments(&db, lead.id)
                .await
                .unwrap()
                .is_empty()
        );
        reporting::grant_exception(&db, lead.id, &Actor::new("office"))
            .await
            .unwrap();
        reporting::add_attachment(&db, lead.id, 0, &evidence("迟.pdf"), LOCKED, &by)
            .await
            .unwrap();
        // Another report's file cannot be removed through this one.
        let (theirs, _) =
            reporting::add_attachment(&db, input.id, 0, &evidence("别.pdf"), NOW, &by)
                .await
                .unwrap();
        let wrong = reporting::remove_attachment(&db, lead.id, theirs, 1, NOW, &by).await;
        assert!(matches!(wrong, Err(StoreError::Invalid(_))));
        assert_eq!(
            reporting::attachments(&db, input.id).await.unwrap().len(),
            1
        );
    })
    .await;
}

#[tokio::test]
async fn an_accepted_report_takes_no_evidence_until_unlocked() {
    each_backend(|db| async move {
        let r = round(&db).await;
        let (lead, _) = lead_and_input(&db, r).await;
        step(&db, lead.id, Transition::Submit).await;
        let v = step(&db, lead.id, Transition::Accept).await;
        let refused =
            reporting::add_attachment(&db, lead.id, v, &evidence("x.pdf"), NOW, &Actor::new("u"))
                .await;
        assert!(matches!(refused, Err(StoreError::Conflict(_))));
    })
    .await;
}

#[tokio::test]
async fn due_soon_reminders_are_stored_once_per_round_and_account() {
    each_backend(|db| async move {
        let r = round(&db).await;
        let (lead, _) = lead_and_input(&db, r).await;
        let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".to_string();
        let user = kesu_store::accounts::add_user(
            &db,
            &kesu_store::accounts::NewUser {
                username: "tb".into(),
                display_name: "tb".into(),
                role: kesu_core::authz::Role::Reporter,
                region: kesu_core::RegionCode::parse("4313").unwrap(),
                unit_id: Some(lead.unit_id),
                password_hash: hash,
            },
            &Actor::system(),
        )
        .await
        .unwrap();
        let first = reporting::remind_due_soon(&db, date!(2025 - 04 - 13), 3)
            .await
            .unwrap();
        assert_eq!(first, 1);
        let again = reporting::remind_due_soon(&db, date!(2025 - 04 - 14), 3)
            .await
            .unwrap();
        assert_eq!(again, 0);
        let notes = reporting::notifications(&db, user, 10).await.unwrap();
        assert_eq!(notes.iter().filter(|n| n.kind == "due_soon").count(), 1);
    })
    .await;
}
