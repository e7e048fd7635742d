//! Plans imported for good: once per document, revisions with their changes, units registered
//! under canonical names.
#![allow(clippy::unwrap_used, reason = "test helpers read fixture files")]

use kesu_core::plan::Plan;
use kesu_store::plans::{self, ImportOutcome, Source};
use kesu_store::testing::each_backend;
use kesu_store::{Actor, units};

fn gold(name: &str) -> Plan {
    let path = format!(
        "{}/../kesu-plan/tests/gold/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn golds() -> Vec<(String, Plan)> {
    let dir = format!("{}/../kesu-plan/tests/gold", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names.into_iter().map(|n| (n.clone(), gold(&n))).collect()
}

fn src<'a>(name: &'a str, sha: &'a str) -> Source<'a> {
    Source { name, sha256: sha }
}

#[tokio::test]
async fn every_seed_imported_twice_is_stored_once() {
    each_backend(|db| async move {
        let actor = Actor::new("tester");
        for (i, (name, plan)) in golds().into_iter().enumerate() {
            let region = format!("43{:02}", i + 1);
            let first = plans::import(
                &db,
                &plan,
                &region,
                plan.region.as_deref(),
                &src(&name, "aaa"),
                &actor,
            )
            .await
            .unwrap();
            assert!(
                matches!(first, ImportOutcome::Created { .. }),
                "{name}: {first:?}"
            );
            let again = plans::import(
                &db,
                &plan,
                &region,
                plan.region.as_deref(),
                &src(&name, "aaa"),
                &actor,
            )
            .await
            .unwrap();
            assert_eq!(
                again,
                ImportOutcome::Unchanged {
                    plan_id: first.plan_id(),
                    revision: 1
                }
            );
            let stored = plans::tasks(&db, first.plan_id()).await.unwrap();
            assert_eq!(stored.len(), plan.tasks.len(), "{name}");
            assert_eq!(
                plans::plan_json(&db, first.plan_id(), None).await.unwrap(),
                plan,
                "{name}: export is the import"
            );
        }
        assert_eq!(plans::list(&db, "").await.unwrap().len(), golds().len());
    })
    .await;
}

#[tokio::test]
async fn a_changed_document_is_revision_two_with_its_changes_and_tasks_keep_their_ids() {
    each_backend(|db| async move {
        let actor = Actor::new("tester");
        let (name, plan) = golds().remove(0);
        let first = plans::import(
            &db,
            &plan,
            "4313",
            plan.region.as_deref(),
            &src(&name, "v1"),
            &actor,
        )
        .await
        .unwrap();
        let before = plans::tasks(&db, first.plan_id()).await.unwrap();
        let mut changed = plan.clone();
        let removed = changed.tasks.pop().unwrap();
        changed.tasks[0].lead = vec!["市发展改革委".into()];
        changed.tasks[0].cooperating.clear();
        let out = plans::import(
            &db,
            &changed,
            "4313",
            plan.region.as_deref(),
            &src(&name, "v2"),
            &actor,
        )
        .await
        .unwrap();
        let ImportOutcome::Revised {
            revision, changes, ..
        } = out
        else {
            panic!("{out:?}")
        };
        assert_eq!(revision, 2);
        let text: Vec<String> = changes.iter().map(|c| c.to_string()).collect();
        assert!(
            text.iter()
                .any(|t| t.contains("牵头单位") && t.contains("市发展改革委")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("删除任务") && t.contains(&removed.title)),
            "{text:?}"
        );
        let after = plans::tasks(&db, first.plan_id()).await.unwrap();
        assert_eq!(after.len(), before.len() - 1);
        assert_eq!(
            after[0].id, before[0].id,
            "a task keeps its id across revisions"
        );
        assert_eq!(
            plans::revisions(&db, first.plan_id()).await.unwrap().len(),
            2
        );
    })
    .await;
}

#[tokio::test]
async fn variant_spellings_of_one_body_become_one_unit() {
    each_backend(|db| async move {
        let actor = Actor::new("tester");
        let mut plan = gold(&golds()[0].0);
        plan.tasks.truncate(2);
        plan.tasks[0].lead = vec!["市科学技术局".into()];
        plan.tasks[1].lead = vec!["市科技局".into()];
        plan.tasks[0].cooperating.clear();
        plan.tasks[1].cooperating.clear();
        plan.tasks[0].responsible.clear();
        plan.tasks[1].responsible.clear();
        let out = plans::import(&db, &plan, "4313", Some("娄底市"), &src("x", "1"), &actor)
            .await
            .unwrap();
        let tasks = plans::tasks(&db, out.plan_id()).await.unwrap();
        assert_eq!(tasks[0].units[0].unit_id, tasks[1].units[0].unit_id);
        let u = units::resolve(&db, "市科学技术局").await.unwrap();
        assert_eq!(u.id, tasks[0].units[0].unit_id);
        let aliases = units::aliases(&db, u.id).await.unwrap();
        assert!(
            aliases.contains(&"市科学技术局".to_string())
                && aliases.contains(&"市科技局".to_string())
        );
    })
    .await;
}
