//! What a caller cannot open it cannot see anywhere. A unique marker is planted in county B's
//! reports — text, a value, an evidence file's name and its bytes — and every page, export
//! (printed PDFs read back by pdftotext) and API answer of every GET route of the router is read, with every object filled in, as each
//! account and as a stranger: only those the visibility rule lets open the report find the
//! marker (and they do find it, so the search is real). Citizens' personal values planted in
//! county B's ledger and test attempts never show in full to anyone, and masked only to the
//! offices that may read them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test fixtures: a failed set-up fails the test"
)]

mod common;

use common::objects::{Instance, Scope};
use common::routes::{self as spec, Obj, ROUTES};
use common::scope::{Scoped, attach, cooperating_report, reporter_of};
use common::{A, B};
use kesu_core::report::Transition;
use kesu_store::Actor;
use kesu_store::reporting::{self, ReportChange};
use std::collections::{BTreeMap, BTreeSet};

/// The pieces of one planted marker.
struct Marker {
    text: &'static str,
    value: f64,
    file_name: &'static str,
    file_text: &'static str,
}

impl Marker {
    /// Each piece as it appears in an answer.
    fn pieces(&self) -> [String; 4] {
        [
            self.text.to_string(),
            kesu_core::plan::fmt_num(self.value),
            self.file_name.to_string(),
            self.file_text.to_string(),
        ]
    }
}

/// B's cooperating unit's input on its first task: its lead unit and B's office may see it.
const COOP: Marker = Marker {
    text: "泄露标记甲Q7X配合材料",
    value: 88813.0,
    file_name: "泄露标记甲附件.pdf",
    file_text: "泄露标记甲文件内容",
};

/// B's report on the task the city gave every county: B's office and B's unit on it may see
/// it; county A (its office and its own unit on the same task) may not.
const COUNTY: Marker = Marker {
    text: "泄露标记乙K3Z县级报告",
    value: 77731.0,
    file_name: "泄露标记乙附件.pdf",
    file_text: "泄露标记乙文件内容",
};

/// Move a report through `steps` as its unit and the office would, with `content` and one value.
async fn work(x: &Scoped, id: i64, content: &str, target: i64, value: f64, steps: &[Transition]) {
    for t in steps {
        let s = reporting::slot(&x.w.db, id).await.unwrap();
        let ch = ReportChange {
            expected_version: s.version,
            content: (*t == Transition::Submit).then(|| content.to_string()),
            values: if *t == Transition::Submit {
                vec![(target, Some(value))]
            } else {
                Vec::new()
            },
            reason: None,
        };
        reporting::change(&x.w.db, id, *t, &ch, x.w.state.now(), &Actor::new("t"))
            .await
            .unwrap();
    }
}

async fn first_target(x: &Scoped, id: i64) -> i64 {
    let s = reporting::slot(&x.w.db, id).await.unwrap();
    reporting::values(&x.w.db, s.id).await.unwrap()[0].target_id
}

/// Plant both markers (and give county A a report of its own on the city's task, so that its
/// page has a list of the task's other reports to leak from).
async fn plant(x: &Scoped) -> (i64, i64) {
    let coop = cooperating_report(&x.w, B, 0).await;
    attach(
        &x.w,
        coop.id,
        COOP.file_name,
        format!("%PDF-1.4 {}", COOP.file_text).as_bytes(),
    )
    .await;
    let t = first_target(x, coop.id).await;
    work(x, coop.id, COOP.text, t, COOP.value, &[Transition::Submit]).await;
    let county = x.county_reports[B];
    attach(
        &x.w,
        county,
        COUNTY.file_name,
        format!("%PDF-1.4 {}", COUNTY.file_text).as_bytes(),
    )
    .await;
    let steps = [Transition::Submit, Transition::Accept];
    work(x, county, COUNTY.text, x.city_target, COUNTY.value, &steps).await;
    let a = x.county_reports[A];
    work(x, a, "娄星区本季度开展竞赛", x.city_target, 11.0, &steps).await;
    (coop.id, county)
}

/// Every object of a kind, for reading: all reports and evidence files of the three rounds,
/// every unit with a report, every target of every plan; the matrix's objects otherwise.
async fn all_instances(x: &Scoped, obj: Obj) -> Vec<Instance> {
    let mut slots = Vec::new();
    for round in [x.w.rounds[A], x.w.rounds[B], x.city_round] {
        slots.extend(reporting::slots(&x.w.db, round).await.unwrap());
    }
    let nothing = |label: String| Instance {
        label,
        params: BTreeMap::new(),
        plan_in_body: None,
        form: BTreeMap::new(),
        scope: Scope::Nothing,
    };
    let with = |mut i: Instance, k: &'static str, v: i64| {
        i.params.insert(k, v.to_string());
        i
    };
    match obj {
        Obj::Report => slots
            .iter()
            .map(|s| with(nothing(format!("report {}", s.id)), "id", s.id))
            .collect(),
        Obj::Attachment => {
            let mut out = Vec::new();
            for s in &slots {
                for a in reporting::attachments(&x.w.db, s.id).await.unwrap() {
                    out.push(with(nothing(format!("evidence {}", a.id)), "id", a.id));
                }
            }
            out
        }
        Obj::Unit => slots
            .iter()
            .map(|s| s.unit_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(|u| with(nothing(format!("unit {u}")), "id", u))
            .collect(),
        Obj::Target => {
            let mut out = Vec::new();
            for plan in [x.w.plans[A], x.w.plans[B], x.city_plan] {
                for t in kesu_store::plans::tasks(&x.w.db, plan).await.unwrap() {
                    for g in t.targets {
                        let i = with(nothing(format!("target {}", g.id)), "id", plan);
                        out.push(with(i, "target", g.id));
                    }
                }
            }
            out
        }
        other => common::objects::instances(x, other).await,
    }
}

/// An answer as text: a workbook's cells, anything else as UTF-8; form tokens and file hashes
/// (64 hex digits, where a number could show by chance) taken out.
fn text_of(bytes: &[u8], content_type: Option<&str>) -> String {
    use calamine::Reader;
    let raw = if content_type.is_some_and(|c| c.contains("spreadsheetml")) {
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
        let mut out = String::new();
        for name in wb.sheet_names() {
            let range = wb.worksheet_range(&name).unwrap();
            for row in range.rows() {
                for c in row {
                    out.push_str(&c.to_string());
                    out.push('\t');
                }
                out.push('\n');
            }
        }
        out
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    };
    let mut out = String::with_capacity(raw.len());
    let mut run = String::new();
    for ch in raw.chars() {
        if ch.is_ascii_hexdigit() {
            run.push(ch);
            continue;
        }
        if run.len() < 64 {
            out.push_str(&run);
        }
        run.clear();
        out.push(ch);
    }
    if run.len() < 64 {
        out.push_str(&run);
    }
    out
}

/// A PDF's text, with the line breaks and the runs of spaces of its layout taken out so that a
/// marker wrapped across lines is still found.
fn pdf_text(bytes: &[u8]) -> String {
    let text = kesu_app::pdf_text::pdf_text(bytes)
        .unwrap_or_else(|e| panic!("pdftotext (apt-get install poppler-utils): {e}"));
    text.split_whitespace().collect()
}

/// Everything `who` (`None`: a stranger) can read through the GET routes, as (where, text).
async fn everything_readable(x: &Scoped, who: Option<&str>) -> Vec<(String, String)> {
    let cookie = match who {
        Some(u) => Some(x.w.login(u).await),
        None => None,
    };
    let served = spec::router_routes(&x.w.state).await;
    let mut out = Vec::new();
    for (method, path) in served.iter().filter(|(m, _)| m == "GET") {
        let route = ROUTES
            .iter()
            .find(|r| r.method == method && r.path == path)
            .unwrap_or_else(|| panic!("GET {path} is not in tests/common/routes.rs"));
        // A printed PDF is read back through its text layer (pdftotext, as a reader's copy
        // and paste would); the printer keeps one PDF per page, so each region prints once.
        let pdf = path.ends_with(".pdf");
        for o in all_instances(x, route.obj).await {
            let p = o.path(path);
            let (status, _, bytes, ct) =
                spec::send(x, cookie.as_deref(), "GET", &p, None, Vec::new()).await;
            assert!(status.as_u16() < 500, "{who:?} GET {p}: {status}");
            if status.is_success() {
                let text = if pdf {
                    assert_eq!(ct.as_deref(), Some("application/pdf"), "{who:?} GET {p}");
                    pdf_text(&bytes)
                } else {
                    text_of(&bytes, ct.as_deref())
                };
                out.push((p, text));
            }
        }
    }
    out
}

#[tokio::test]
async fn a_marker_in_one_units_report_shows_only_to_those_who_may_open_it() {
    kesu_store::testing::each_backend(|db| async move {
        let x = common::scope::scoped(db).await;
        let (coop, county) = plant(&x).await;
        let b_lead = {
            let c = reporting::slot(&x.w.db, coop).await.unwrap();
            let leads = reporting::lead_units(&x.w.db, c.round_id, c.task_id)
                .await
                .unwrap();
            reporter_of(&x.w, leads[0])
        };
        let b_coop = reporter_of(&x.w, reporting::slot(&x.w.db, coop).await.unwrap().unit_id);
        let b_county = reporter_of(
            &x.w,
            reporting::slot(&x.w.db, county).await.unwrap().unit_id,
        );
        let office_b = ["city_admin", "b_admin", "b_reviewer", "b_viewer"];
        let may_see = |m: &Marker, user: &str| -> bool {
            office_b.contains(&user)
                || if std::ptr::eq(m, &COOP) {
                    user == b_lead || user == b_coop
                } else {
                    user == b_county
                }
        };
        let mut who: Vec<Option<String>> = x.w.users.keys().cloned().map(Some).collect();
        who.push(None);
        let mut failures = Vec::new();
        let mut city_total_printed = false;
        for user in &who {
            let pages = everything_readable(&x, user.as_deref()).await;
            assert!(!pages.is_empty(), "{user:?} reads nothing at all");
            // B's figure with A's 11 is the city's total in the city's printed report.
            let total = kesu_core::plan::fmt_num(COUNTY.value + 11.0);
            city_total_printed |= user.as_deref() == Some("city_admin")
                && pages
                    .iter()
                    .any(|(p, t)| p.ends_with(".pdf") && t.contains(&total));
            for m in [&COOP, &COUNTY] {
                let allowed = user.as_deref().is_some_and(|u| may_see(m, u));
                for piece in m.pieces() {
                    let found: Vec<&str> = pages
                        .iter()
                        .filter(|(_, t)| t.contains(&piece))
                        .map(|(p, _)| p.as_str())
                        .collect();
                    if allowed && found.is_empty() {
                        failures.push(format!("{user:?} may open it but finds “{piece}” nowhere"));
                    }
                    if !allowed && !found.is_empty() {
                        failures.push(format!("{user:?} finds “{piece}” in {found:?}"));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        // The printed reports are really read (and, above, show no marker to anyone else).
        assert!(
            city_total_printed,
            "the city's printed report does not show its total"
        );
    })
    .await;
}

#[tokio::test]
async fn citizens_personal_values_never_show_in_full_and_masked_only_to_their_offices() {
    kesu_store::testing::each_backend(|db| async move {
        let x = common::scope::scoped(db).await;
        let (entry, attempt) = (&common::citizens::B_ENTRY, &common::citizens::B_ATTEMPT);
        // In full: nowhere, for no one — not even the office that owns them (only a reveal,
        // which is a POST, shows a value).
        let full = [
            entry.name,
            entry.id_number,
            entry.phone,
            attempt.name,
            attempt.phone,
        ];
        // Masked: to the offices that may read B's ledger and B's part of the city's test.
        let masked = [
            kesu_pii::mask::id_number(entry.id_number),
            kesu_pii::mask::phone(entry.phone),
            kesu_pii::mask::phone(attempt.phone),
        ];
        let b_offices = ["city_admin", "b_admin", "b_reviewer", "b_viewer"];
        let mut who: Vec<Option<String>> = x.w.users.keys().cloned().map(Some).collect();
        who.push(None);
        let mut failures = Vec::new();
        for user in &who {
            let pages = everything_readable(&x, user.as_deref()).await;
            let find = |piece: &str| -> Vec<String> {
                pages
                    .iter()
                    .filter(|(_, t)| t.contains(piece))
                    .map(|(p, _)| p.clone())
                    .collect()
            };
            for piece in full {
                let found = find(piece);
                if !found.is_empty() {
                    failures.push(format!("{user:?} finds “{piece}” in full in {found:?}"));
                }
            }
            let allowed = user.as_deref().is_some_and(|u| b_offices.contains(&u));
            for piece in &masked {
                let found = find(piece);
                if allowed && found.is_empty() {
                    failures.push(format!("{user:?} may read it but finds “{piece}” nowhere"));
                }
                if !allowed && !found.is_empty() {
                    failures.push(format!("{user:?} finds “{piece}” in {found:?}"));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    })
    .await;
}

/// What a write leaves behind: the newest audit row and every account's notifications.
async fn traces(x: &Scoped) -> (i64, usize) {
    let mut notes = 0;
    for name in x.w.users.keys() {
        let u = kesu_store::accounts::user_by_name(&x.w.db, name)
            .await
            .unwrap()
            .unwrap();
        notes += reporting::notifications(&x.w.db, u.id, 10_000)
            .await
            .unwrap()
            .len();
    }
    (
        kesu_store::indicators::data_version(&x.w.db).await.unwrap(),
        notes,
    )
}

#[tokio::test]
async fn no_get_route_writes() {
    kesu_store::testing::each_backend(|db| async move {
        let mut x = common::scope::scoped(db).await;
        plant(&x).await;
        // Two days before the due date: reminders would be due, if a read made them.
        x.w.state.clock = std::sync::Arc::new(Some(time::macros::datetime!(2025-04-13 02:00 UTC)));
        for user in [
            Some("a_admin"),
            Some("a_reporter0"),
            Some("a_county"),
            Some("city_admin"),
            None,
        ] {
            let cookie = match user {
                Some(u) => Some(x.w.login(u).await),
                None => None,
            };
            let before = traces(&x).await;
            let served = spec::router_routes(&x.w.state).await;
            for (_, path) in served.iter().filter(|(m, _)| m == "GET") {
                let route = ROUTES
                    .iter()
                    .find(|r| r.method == "GET" && r.path == path)
                    .unwrap();
                if path.ends_with(".pdf") {
                    continue;
                }
                for o in all_instances(&x, route.obj).await {
                    spec::send(
                        &x,
                        cookie.as_deref(),
                        "GET",
                        &o.path(path),
                        None,
                        Vec::new(),
                    )
                    .await;
                }
            }
            assert_eq!(
                traces(&x).await,
                before,
                "{user:?}'s reading wrote something"
            );
        }
    })
    .await;
}
