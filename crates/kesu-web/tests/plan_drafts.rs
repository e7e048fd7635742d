//! An office brings its own plan: upload → draft → check and correct → confirm, through the
//! real router on a real database (SQLite, and PostgreSQL when `KESU_TEST_PG_URL` is set), as
//! the API and the pages offer it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed set-up fails the test"
)]

mod common;

use axum::http::StatusCode;
use common::drafts::{
    NEW_PLAN, csrf, docx_of, messages, multipart, post_form, put_plan, send, units_by_role, upload,
    world,
};
use common::{A, B, CITY};
use kesu_store::testing::each_backend;
use serde_json::{Value, json};

#[tokio::test]
async fn an_uploaded_document_becomes_a_draft_that_is_corrected_and_confirmed_into_a_plan() {
    each_backend(|db| async move {
        let w = world(db).await;
        let admin = w.login("a_admin").await;
        let up = upload(&w, &admin, "要点.docx", &docx_of(NEW_PLAN), None).await;
        assert_eq!(up.status, StatusCode::CREATED, "{}", up.text());
        let draft = up.json();
        let id = draft["id"].as_i64().unwrap();
        assert_eq!(
            draft["region_code"], A,
            "the document's region, in the admin's scope"
        );
        assert_eq!(draft["plan"]["tasks"].as_array().unwrap().len(), 3);
        // The reader's doubt (a task without units) and the registry's (an unknown name).
        let said = messages(&draft);
        assert!(
            said.iter()
                .any(|m| m.contains("没有读出责任单位") && m.ends_with("@ tasks[2]")),
            "{said:?}"
        );
        assert!(
            said.iter().any(|m| m.contains("区教肓局")
                && m.contains("区教育局")
                && m.ends_with("@ tasks[0].cooperating[0]")),
            "{said:?}"
        );

        let mut plan = draft["plan"].clone();
        plan["tasks"][0]["cooperating"] = json!(["区教育局"]);
        plan["tasks"][2]["lead"] = json!(["区科协"]);
        let put = put_plan(&w, &admin, id, &plan).await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.text());
        let fixed = put.json();
        assert!(
            !messages(&fixed).iter().any(|m| m.contains("区教肓局")),
            "{:?}",
            messages(&fixed)
        );
        assert_eq!(fixed["version"], 2);

        let done = send(
            &w,
            &admin,
            "POST",
            &format!("/api/v1/plan-drafts/{id}/confirm"),
            &[],
            Vec::new(),
        )
        .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text());
        let done = done.json();
        assert_eq!(done["revision"], 1);
        assert_eq!(done["outcome"], "created");
        let plan_id = done["plan_id"].as_i64().unwrap();
        let (status, tasks) = w
            .call(
                &admin,
                "GET",
                &format!("/api/v1/plans/{plan_id}/tasks"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let tasks = tasks["tasks"].as_array().unwrap().clone();
        assert_eq!(units_by_role(&tasks[0], "cooperating"), ["区教育局"]);
        assert_eq!(units_by_role(&tasks[2], "lead"), ["区科协"]);
        // A confirmed draft takes no more edits.
        let again = send(
            &w,
            &admin,
            "POST",
            &format!("/api/v1/plan-drafts/{id}/confirm"),
            &[],
            Vec::new(),
        )
        .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());
    })
    .await;
}

/// A change that spoils one field of a plan JSON.
type Spoil = fn(&mut Value);

#[tokio::test]
async fn an_edited_plan_with_a_bad_field_is_refused_with_422_naming_it_and_nothing_changes() {
    each_backend(|db| async move {
        let w = world(db).await;
        let admin = w.login("a_admin").await;
        let draft = upload(&w, &admin, "要点.txt", NEW_PLAN.as_bytes(), None)
            .await
            .json();
        let id = draft["id"].as_i64().unwrap();
        let cases: [(&str, Spoil); 4] = [
            ("tasks[1].lead[0]", |p| p["tasks"][1]["lead"] = json!([" "])),
            ("tasks[0].lead", |p| p["tasks"][0]["lead"] = json!(5)),
            ("tasks[2].path", |p| {
                p["tasks"][2]["path"] = p["tasks"][0]["path"].clone()
            }),
            ("tasks[1].targets[0].value", |p| {
                p["tasks"][1]["targets"][0]["comparator"] = json!("range");
                p["tasks"][1]["targets"][0]["value"] = json!([10, 2]);
            }),
        ];
        for (field, spoil) in cases {
            let mut plan = draft["plan"].clone();
            spoil(&mut plan);
            let a = put_plan(&w, &admin, id, &plan).await;
            assert_eq!(
                a.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{field}: {}",
                a.text()
            );
            assert_eq!(a.json()["error"]["field"], field, "{}", a.text());
            assert!(
                a.json()["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains(field)
            );
        }
        let (_, now) = w
            .call(&admin, "GET", &format!("/api/v1/plan-drafts/{id}"), None)
            .await;
        assert_eq!(now["version"], 1, "no refused edit was stored");
        assert_eq!(now["plan"], draft["plan"]);
    })
    .await;
}

#[tokio::test]
async fn a_draft_is_scoped_like_a_plan() {
    each_backend(|db| async move {
        let w = world(db).await;
        let admin = w.login("a_admin").await;
        let id = upload(&w, &admin, "要点.txt", NEW_PLAN.as_bytes(), None)
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        let api = format!("/api/v1/plan-drafts/{id}");
        let page = format!("/plans/drafts/{id}");
        for (user, want) in [
            ("b_admin", StatusCode::NOT_FOUND),
            ("a_reporter0", StatusCode::NOT_FOUND),
            ("a_reviewer", StatusCode::FORBIDDEN),
            ("city_admin", StatusCode::OK),
        ] {
            let c = w.login(user).await;
            assert_eq!(w.call(&c, "GET", &api, None).await.0, want, "{user} GET");
            assert_eq!(w.page(&c, &page).await.0, want, "{user} page");
            if want != StatusCode::OK {
                let put = put_plan(&w, &c, id, &json!({"title": "x", "tasks": []})).await;
                assert_eq!(put.status, want, "{user} PUT");
                let conf = send(&w, &c, "POST", &format!("{api}/confirm"), &[], Vec::new()).await;
                assert_eq!(conf.status, want, "{user} confirm");
            }
        }
        // Nor can an admin put a draft in another county.
        let other = upload(&w, &admin, "要点.txt", NEW_PLAN.as_bytes(), Some(B)).await;
        assert_eq!(
            other.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            other.text()
        );
        assert_eq!(other.json()["error"]["field"], "region");
        // And B's office does not see A's draft in its list.
        let b = w.login("b_admin").await;
        let (_, list) = w.page(&b, "/plans/drafts").await;
        assert!(
            !list.contains(&format!("/plans/drafts/{id}\"")),
            "B lists A's draft"
        );
    })
    .await;
}

/// The world's plan of county A, changed: a unit added, a target changed, a task added.
fn revised_plan_text() -> String {
    common::plan_text("娄星区")
        .replace("（区教育局牵头，区科协配合）", "（区教育局牵头，区科协、区融媒体中心配合）")
        .replace("每年不少于10场次", "每年不少于12场次")
        .replace(
            "2.建设科普基地5家以上。（区科协牵头，区教育局配合）\n",
            "2.建设科普基地5家以上。（区科协牵头，区教育局配合）\n3.开展科普进社区活动。（区科协负责）\n",
        )
}

#[tokio::test]
async fn a_changed_document_shows_its_changes_before_confirming_and_tasks_keep_their_ids() {
    each_backend(|db| async move {
        let w = world(db).await;
        let admin = w.login("a_admin").await;
        let plan_id = w.plans[A];
        let before = kesu_store::plans::tasks(&w.db, plan_id).await.unwrap();
        let slots_before = w.slots(A).await;
        let text = revised_plan_text();
        let draft = upload(&w, &admin, "方案-修订.docx", &docx_of(&text), None).await;
        assert_eq!(draft.status, StatusCode::CREATED, "{}", draft.text());
        let draft = draft.json();
        assert_eq!(draft["revises"]["plan_id"], plan_id);
        let kinds: Vec<&str> = draft["revises"]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["change"].as_str().unwrap())
            .collect();
        assert!(kinds.contains(&"reassigned"), "{kinds:?}");
        assert!(kinds.contains(&"targets_changed"), "{kinds:?}");
        assert!(kinds.contains(&"task_added"), "{kinds:?}");
        // The page says so too, before anything is stored.
        let id = draft["id"].as_i64().unwrap();
        let (_, html) = w.page(&admin, &format!("/plans/drafts/{id}")).await;
        assert!(
            html.contains("id=\"changes\""),
            "the page lists the changes"
        );
        assert!(html.contains("新增任务"), "the added task is named");
        assert_eq!(
            kesu_store::plans::get(&w.db, plan_id)
                .await
                .unwrap()
                .revision,
            1
        );

        let done = send(
            &w,
            &admin,
            "POST",
            &format!("/api/v1/plan-drafts/{id}/confirm"),
            &[],
            b"{\"version\": 1}".to_vec(),
        )
        .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text());
        assert_eq!(done.json()["plan_id"], plan_id);
        assert_eq!(done.json()["revision"], 2);
        let after = kesu_store::plans::tasks(&w.db, plan_id).await.unwrap();
        for t in &before {
            let same = after.iter().find(|a| a.path == t.path).unwrap();
            assert_eq!(same.id, t.id, "task {} keeps its id", t.path);
        }
        assert_eq!(after.len(), before.len() + 1);
        let coop: Vec<&str> = after[0]
            .units
            .iter()
            .filter(|u| u.role == "cooperating")
            .map(|u| u.unit_name.as_str())
            .collect();
        assert_eq!(coop, ["区科协", "区融媒体中心"]);
        // The round's reports are still on the same tasks.
        let slots_after = w.slots(A).await;
        assert_eq!(
            slots_before
                .iter()
                .map(|s| (s.id, s.task_id))
                .collect::<Vec<_>>(),
            slots_after
                .iter()
                .map(|s| (s.id, s.task_id))
                .collect::<Vec<_>>()
        );
    })
    .await;
}

#[tokio::test]
async fn every_step_is_in_the_audit_log_under_the_admin_and_the_region() {
    each_backend(|db| async move {
        let w = world(db).await;
        let admin = w.login("a_admin").await;
        let draft = upload(&w, &admin, "要点.txt", NEW_PLAN.as_bytes(), None)
            .await
            .json();
        let id = draft["id"].as_i64().unwrap();
        let mut plan = draft["plan"].clone();
        plan["tasks"][2]["lead"] = json!(["区科协"]);
        assert_eq!(put_plan(&w, &admin, id, &plan).await.status, StatusCode::OK);
        let done = send(
            &w,
            &admin,
            "POST",
            &format!("/api/v1/plan-drafts/{id}/confirm"),
            &[],
            Vec::new(),
        )
        .await;
        let plan_id = done.json()["plan_id"].as_i64().unwrap();
        let log = kesu_store::audit::for_object(&w.db, &format!("plan_draft:{id}"))
            .await
            .unwrap();
        let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        for a in [
            "plan_draft.create",
            "plan_draft.replace",
            "plan_draft.confirm",
        ] {
            assert!(actions.contains(&a), "{a} in {actions:?}");
        }
        assert!(
            log.iter()
                .all(|e| e.actor == "a_admin" && e.region_code.as_deref() == Some(A))
        );
        // The edit's row says what changed.
        let edit = log
            .iter()
            .find(|e| e.action == "plan_draft.replace")
            .unwrap();
        let after = edit.after.as_ref().unwrap().to_string();
        assert!(
            after.contains("reassigned") && after.contains("区科协"),
            "{after}"
        );
        let import = kesu_store::audit::for_object(&w.db, &format!("plan:{plan_id}"))
            .await
            .unwrap();
        assert!(
            import
                .iter()
                .any(|e| e.action == "plan.import" && e.actor == "a_admin")
        );
        // B's admin reads none of it.
        let b = w.login("b_admin").await;
        let (_, rows) = w
            .call(&b, "GET", "/api/v1/audit?object=plan_draft", None)
            .await;
        assert!(
            !rows.to_string().contains(&format!("plan_draft:{id}")),
            "{rows}"
        );
    })
    .await;
}

/// A city plan whose tasks are given to collective names.
const CITY_PLAN: &str = "娄底市2025年全民科学素质工作要点\n\
    一、重点任务\n\
    1.组织中小学生参加科技竞赛活动，累计不少于100场次。（各县市区人民政府负责）\n\
    2.开展全国科普日活动。（市科协牵头，各成员单位配合）\n\
    3.推进科学教育进校园。（市教育局负责）\n";

#[tokio::test]
async fn collective_names_become_one_responsible_entity_per_member_as_the_office_narrows_them() {
    each_backend(|db| async move {
        let w = world(db).await;
        let admin = w.login("city_admin").await;
        let draft = upload(&w, &admin, "要点.txt", CITY_PLAN.as_bytes(), None).await;
        assert_eq!(draft.status, StatusCode::CREATED, "{}", draft.text());
        let draft = draft.json();
        let id = draft["id"].as_i64().unwrap();
        assert_eq!(draft["region_code"], CITY);
        let summaries: Vec<&str> = draft["collectives"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["summary"].as_str().unwrap())
            .collect();
        assert_eq!(
            summaries,
            ["各县市区人民政府 → 2 个县市区", "各成员单位 → 2 个成员单位"]
        );
        let (_, html) = w.page(&admin, &format!("/plans/drafts/{id}")).await;
        assert!(
            html.contains("各县市区人民政府 → 2 个县市区"),
            "the page shows it"
        );

        // The office takes 双峰县 out of the first.
        let token = csrf(&w, &admin).await;
        let a = post_form(
            &w,
            &admin,
            &format!("/plans/drafts/{id}/expansions"),
            &[
                ("_csrf", &token),
                ("version", "1"),
                ("name", "各县市区人民政府"),
                ("mode", "expand"),
                ("all", A),
                ("all", B),
                ("member", A),
            ],
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
        let (_, now) = w
            .call(&admin, "GET", &format!("/api/v1/plan-drafts/{id}"), None)
            .await;
        assert_eq!(
            now["collectives"][0]["summary"],
            "各县市区人民政府 → 1 个县市区"
        );

        let done = send(
            &w,
            &admin,
            "POST",
            &format!("/api/v1/plan-drafts/{id}/confirm"),
            &[],
            Vec::new(),
        )
        .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text());
        let plan_id = done.json()["plan_id"].as_i64().unwrap();
        let tasks = kesu_store::plans::tasks(&w.db, plan_id).await.unwrap();
        let first: Vec<(&str, &str, &str)> = tasks[0]
            .units
            .iter()
            .map(|u| (u.unit_name.as_str(), u.role.as_str(), ""))
            .collect();
        assert_eq!(first, [("娄星区", "responsible", "")]);
        let unit = kesu_store::units::get(&w.db, tasks[0].units[0].unit_id)
            .await
            .unwrap();
        assert_eq!(unit.region_code, A, "the county's own entity");
        // 各成员单位 are the other member units: the lead is not its own helper.
        let second: Vec<(&str, &str)> = tasks[1]
            .units
            .iter()
            .map(|u| (u.unit_name.as_str(), u.role.as_str()))
            .collect();
        assert_eq!(second, [("市科协", "lead"), ("市教育局", "cooperating")]);
        // The plan JSON keeps the words as written.
        let json = kesu_store::plans::plan_json(&w.db, plan_id, None)
            .await
            .unwrap();
        assert_eq!(json.tasks[0].responsible, ["各县市区人民政府"]);
        assert_eq!(json.tasks[1].cooperating, ["各成员单位"]);
    })
    .await;
}

#[tokio::test]
async fn a_file_that_is_no_plan_is_refused_naming_the_file_and_no_draft_is_made() {
    each_backend(|db| async move {
        let w = world(db).await;
        let admin = w.login("a_admin").await;
        let noise: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let prose = "今天天气很好，我们去公园散步。\n".repeat(50);
        for (name, bytes) in [("噪声.bin", noise), ("散文.txt", prose.into_bytes())] {
            let a = upload(&w, &admin, name, &bytes, None).await;
            assert_eq!(
                a.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{name}: {}",
                a.text()
            );
            assert!(
                a.json()["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains(name),
                "{}",
                a.text()
            );
            assert_eq!(a.json()["error"]["field"], "file");
        }
        assert!(
            kesu_store::plan_drafts::list(&w.db, "", 10)
                .await
                .unwrap()
                .is_empty()
        );
        // The page shows the upload form again with the refusal beside the file field (422).
        let token = csrf(&w, &admin).await;
        let (ct, body) = multipart(
            &[("_csrf", &token)],
            ("散文.txt", "只是一段话。".as_bytes()),
        );
        let a = send(
            &w,
            &admin,
            "POST",
            "/plans/drafts",
            &[("content-type", &ct)],
            body,
        )
        .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        let html = a.text();
        let error = html.find("id=\"form-error\"").unwrap();
        let field = html.find("name=\"file\"").unwrap();
        assert!(error < field, "the message stands above the file field");
        assert!(html[error..field].contains("散文.txt"), "{html}");
    })
    .await;
}

#[tokio::test]
async fn an_edit_from_a_stale_tab_is_a_conflict() {
    each_backend(|db| async move {
        let w = world(db).await;
        let admin = w.login("a_admin").await;
        let draft = upload(&w, &admin, "要点.txt", NEW_PLAN.as_bytes(), None)
            .await
            .json();
        let id = draft["id"].as_i64().unwrap();
        let path = format!("/api/v1/plan-drafts/{id}");
        let mut plan = draft["plan"].clone();
        plan["title"] = json!("娄星区2025年科普工作要点（修订）");
        let first = send(
            &w,
            &admin,
            "PUT",
            &path,
            &[("content-type", "application/json"), ("if-match", "\"1\"")],
            plan.to_string().into_bytes(),
        )
        .await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.text());
        let stale = send(
            &w,
            &admin,
            "PUT",
            &path,
            &[("content-type", "application/json"), ("if-match", "\"1\"")],
            draft["plan"].to_string().into_bytes(),
        )
        .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text());
        let conf = send(
            &w,
            &admin,
            "POST",
            &format!("{path}/confirm"),
            &[],
            b"{\"version\": 1}".to_vec(),
        )
        .await;
        assert_eq!(conf.status, StatusCode::CONFLICT);
        // The page's form, from a tab opened before the change, too.
        let token = csrf(&w, &admin).await;
        let a = post_form(
            &w,
            &admin,
            &format!("/plans/drafts/{id}/tasks/0"),
            &[("_csrf", &token), ("version", "1"), ("action", "delete")],
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        let (_, now) = w.call(&admin, "GET", &path, None).await;
        assert_eq!(
            now["plan"]["tasks"].as_array().unwrap().len(),
            3,
            "nothing deleted"
        );
    })
    .await;
}

#[tokio::test]
async fn the_draft_page_puts_the_doubts_first_and_each_task_beside_its_place_in_the_source() {
    each_backend(|db| async move {
        let w = world(db).await;
        let admin = w.login("a_admin").await;
        let id = upload(&w, &admin, "要点.docx", &docx_of(NEW_PLAN), None)
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        let (status, html) = w.page(&admin, &format!("/plans/drafts/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        let doubts = html.find("id=\"doubts\"").unwrap();
        let table = html.find("id=\"draft-tasks\"").unwrap();
        assert!(doubts < table, "the doubts come before the task table");
        for i in 0..3 {
            assert!(
                html.contains(&format!(
                    "<tr class=\"task\" id=\"task-{i}\" data-task=\"{i}\" data-src=\"src-{i}\""
                )),
                "task {i} knows its place"
            );
        }
        let mark = html.find("<mark id=\"src-1\" data-task=\"1\">").unwrap();
        assert!(
            html[mark..].starts_with("<mark id=\"src-1\" data-task=\"1\">建设科普e站10个以上"),
            "{}",
            &html[mark..mark + 120]
        );
        assert!(html.contains("<script src=\"/plans/drafts/draft.js\""));
        assert!(!html.contains("<script>"), "no inline script");
        let (s, js) = w.page(&admin, "/plans/drafts/draft.js").await;
        assert_eq!(s, StatusCode::OK);
        assert!(js.contains("scrollIntoView"));
        assert!(html.contains("@media (max-width"), "a layout for phones");
    })
    .await;
}

#[tokio::test]
async fn tasks_are_edited_split_merged_deleted_and_added_in_the_page() {
    each_backend(|db| async move {
        let w = world(db).await;
        let admin = w.login("a_admin").await;
        let id = upload(&w, &admin, "要点.txt", NEW_PLAN.as_bytes(), None)
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        let token = csrf(&w, &admin).await;
        let base = format!("/plans/drafts/{id}");
        let get = || async {
            w.call(&admin, "GET", &format!("/api/v1/plan-drafts/{id}"), None)
                .await
                .1
        };
        let step = |path: String, pairs: Vec<(&'static str, String)>| {
            let (w, admin, token) = (&w, &admin, &token);
            async move {
                let mut all: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
                all.extend(pairs.iter().map(|(k, v)| (*k, v.as_str())));
                let a = post_form(w, admin, &path, &all).await;
                assert_eq!(a.status, StatusCode::SEE_OTHER, "{path}: {}", a.text());
                assert!(
                    !a.location.contains("%E8%8D%89%E7%A8%BF%E5%B7%B2"),
                    "{}",
                    a.location
                );
                a
            }
        };
        // Save: units typed with 、, a target in the table's notation.
        step(
            format!("{base}/tasks/2"),
            vec![
                ("version", "1".into()),
                ("action", "save".into()),
                ("path", "一.3".into()),
                ("title", "组织科普讲解大赛".into()),
                ("lead", "区科协".into()),
                ("cooperating", "区教育局、区融媒体中心".into()),
                ("responsible", String::new()),
                ("targets", "参赛选手100人以上（>=100人；2025年）".into()),
            ],
        )
        .await;
        let d = get().await;
        assert_eq!(
            d["plan"]["tasks"][2]["cooperating"],
            json!(["区教育局", "区融媒体中心"])
        );
        assert_eq!(d["plan"]["tasks"][2]["targets"][0]["value"], 100.0);
        assert!(
            !messages(&d).iter().any(|m| m.ends_with("@ tasks[2]")),
            "its doubt is settled"
        );
        // Split task 1 into two lines.
        step(
            format!("{base}/tasks/1"),
            vec![
                ("version", "2".into()),
                ("action", "split".into()),
                ("title", "建设科普e站\n完善科普e站管理制度".into()),
                ("lead", String::new()),
                ("responsible", "区科协".into()),
            ],
        )
        .await;
        let d = get().await;
        let titles: Vec<&str> = d["plan"]["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap())
            .collect();
        assert_eq!(
            titles,
            [
                "开展科技活动周活动，全年不少于20场次",
                "建设科普e站",
                "完善科普e站管理制度",
                "组织科普讲解大赛"
            ]
        );
        assert_ne!(
            d["plan"]["tasks"][1]["path"], d["plan"]["tasks"][2]["path"],
            "the new task has a path of its own"
        );
        assert!(
            d["spans"][2].is_array(),
            "the new task points at the same place"
        );
        // Merge them back, delete the first, add one at the end.
        step(
            format!("{base}/tasks/1"),
            vec![("version", "3".into()), ("action", "merge".into())],
        )
        .await;
        step(
            format!("{base}/tasks/0"),
            vec![("version", "4".into()), ("action", "delete".into())],
        )
        .await;
        step(
            format!("{base}/tasks"),
            vec![
                ("version", "5".into()),
                ("title", "开展科普进社区活动".into()),
                ("responsible", "区科协".into()),
            ],
        )
        .await;
        let d = get().await;
        let titles: Vec<&str> = d["plan"]["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap())
            .collect();
        assert_eq!(
            titles,
            [
                "建设科普e站；完善科普e站管理制度",
                "组织科普讲解大赛",
                "开展科普进社区活动"
            ]
        );
        assert_eq!(d["plan"]["tasks"][2]["path"], json!(["新增1"]));
        // A target line without a number is sent back with its message, and nothing changes.
        let a = post_form(
            &w,
            &admin,
            &format!("{base}/tasks/0"),
            &[
                ("_csrf", &token),
                ("version", "6"),
                ("action", "save"),
                ("title", "x"),
                ("targets", "多多益善"),
            ],
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        assert!(a.location.contains("msg="), "{}", a.location);
        assert_eq!(get().await["version"], 6);
    })
    .await;
}

#[tokio::test]
async fn the_task_table_goes_out_to_excel_and_comes_back_in() {
    each_backend(|db| async move {
        let w = world(db).await;
        let admin = w.login("a_admin").await;
        let draft = upload(&w, &admin, "要点.txt", NEW_PLAN.as_bytes(), None)
            .await
            .json();
        let id = draft["id"].as_i64().unwrap();
        let out = send(
            &w,
            &admin,
            "GET",
            &format!("/plans/drafts/{id}/draft.xlsx"),
            &[],
            Vec::new(),
        )
        .await;
        assert_eq!(out.status, StatusCode::OK);
        assert!(out.body.starts_with(b"PK"));
        let token = csrf(&w, &admin).await;
        let up = |bytes: Vec<u8>, version: &'static str| {
            let (w, admin, token) = (&w, &admin, &token);
            async move {
                let (ct, body) = multipart(
                    &[("_csrf", token), ("version", version)],
                    ("任务分解表.xlsx", &bytes),
                );
                send(
                    w,
                    admin,
                    "POST",
                    &format!("/plans/drafts/{id}/xlsx"),
                    &[("content-type", &ct)],
                    body,
                )
                .await
            }
        };
        // Back unchanged: the same tasks.
        let a = up(out.body.clone(), "1").await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
        let (_, same) = w
            .call(&admin, "GET", &format!("/api/v1/plan-drafts/{id}"), None)
            .await;
        for (x, y) in same["plan"]["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .zip(draft["plan"]["tasks"].as_array().unwrap())
        {
            for k in [
                "path",
                "title",
                "lead",
                "cooperating",
                "responsible",
                "targets",
            ] {
                assert_eq!(x[k], y[k], "{k}");
            }
        }
        // Edited in Excel: a lead changed.
        let mut plan: kesu_core::Plan = serde_json::from_value(draft["plan"].clone()).unwrap();
        plan.tasks[2].lead = vec!["区科协".into()];
        let a = up(kesu_plan::xlsx::task_table(&plan).unwrap(), "2").await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
        let (_, now) = w
            .call(&admin, "GET", &format!("/api/v1/plan-drafts/{id}"), None)
            .await;
        assert_eq!(now["plan"]["tasks"][2]["lead"], json!(["区科协"]));
        assert_eq!(
            now["plan"]["title"], draft["plan"]["title"],
            "the title stays"
        );
        // A Word file is no task table.
        let a = up(docx_of(NEW_PLAN), "3").await;
        assert!(a.location.contains("msg="), "{}", a.location);
        assert_eq!(
            w.call(&admin, "GET", &format!("/api/v1/plan-drafts/{id}"), None)
                .await
                .1["version"],
            3
        );
    })
    .await;
}

#[tokio::test]
async fn an_admin_fixes_a_task_in_the_page_confirms_and_the_plan_shows_the_fix() {
    each_backend(|db| async move {
        let w = world(db).await;
        let admin = w.login("a_admin").await;
        let token = csrf(&w, &admin).await;
        let (ct, body) = multipart(&[("_csrf", &token)], ("要点.docx", &docx_of(NEW_PLAN)));
        let a = send(
            &w,
            &admin,
            "POST",
            "/plans/drafts",
            &[("content-type", &ct)],
            body,
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
        let page = a.location.split('?').next().unwrap().to_string();
        let id: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
        let (_, html) = w.page(&admin, &a.location).await;
        assert!(html.contains("区教肓局"), "the doubt is on the page");
        let a = post_form(
            &w,
            &admin,
            &format!("{page}/tasks/0"),
            &[
                ("_csrf", &token),
                ("version", "1"),
                ("action", "save"),
                ("path", "一.1"),
                ("title", "开展科技活动周活动，全年不少于20场次"),
                ("lead", "区科协"),
                ("cooperating", "区教育局"),
                ("targets", "全年不少于20场次（>=20场次）"),
            ],
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
        let a = post_form(
            &w,
            &admin,
            &format!("{page}/confirm"),
            &[("_csrf", &token), ("version", "2")],
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
        assert!(a.location.starts_with("/plans/"), "{}", a.location);
        let (status, plan_page) = w.page(&admin, a.location.split('?').next().unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            plan_page.contains("区教育局") && !plan_page.contains("区教肓局"),
            "the fix is in the plan"
        );
        let (_, list) = w.page(&admin, "/plans/drafts").await;
        assert!(list.contains(&format!("/plans/drafts/{id}")) && list.contains("已确认"));
        let (_, plans) = w.page(&admin, "/plans").await;
        assert!(
            plans.contains("href=\"/plans/drafts\""),
            "the plans page links to the upload"
        );
    })
    .await;
}

#[tokio::test]
async fn the_openapi_document_describes_the_draft_routes() {
    let doc: serde_json::Value =
        serde_json::from_str(kesu_web::api::openapi::json()).expect("the document is JSON");
    for p in [
        "/plan-drafts",
        "/plan-drafts/{id}",
        "/plan-drafts/{id}/confirm",
    ] {
        assert!(doc["paths"][p].is_object(), "{p}");
    }
    assert!(doc["paths"]["/plan-drafts/{id}"]["put"]["responses"]["422"].is_object());
    assert!(doc["components"]["schemas"]["PlanDraft"].is_object());
}
