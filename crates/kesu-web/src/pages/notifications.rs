//! The signed-in user's notifications: `/notifications` and `/notifications/read` (mark them all
//! read). Reading writes nothing: the unit's reports due soon are computed on every read
//! (`kesu_app::reporting::due_soon`); stored reminders come from
//! `kesu_app::reporting::send_due_soon_reminders`, for a scheduler.

use super::{CsrfForm, Layout, PageResult, UserBar, check_csrf, local_time, render};
use crate::auth::Caller;
use crate::{AppState, access};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use kesu_store::reporting;

/// A report of the caller's unit due soon (computed, not stored).
struct DueView {
    report_id: i64,
    task: String,
    round_title: String,
    due: String,
}

struct NoteView {
    at: String,
    message: String,
    link: Option<String>,
    read: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    due: Vec<DueView>,
    items: Vec<NoteView>,
}

pub(super) async fn notifications(State(state): State<AppState>, caller: Caller) -> PageResult {
    let due =
        kesu_app::reporting::due_soon(&access::ctx(&state), &access::app_caller(&caller, None))
            .await?
            .into_iter()
            .map(|d| DueView {
                report_id: d.slot.id,
                task: format!("{} {}", d.slot.task_path, d.slot.task_title),
                round_title: d.round_title,
                due: d.due.to_string(),
            })
            .collect();
    let l = Layout::new(&state, &caller).await?;
    let items = reporting::notifications(&state.db, caller.actor.user_id, 200)
        .await?
        .into_iter()
        .map(|n| NoteView {
            at: local_time(n.at),
            message: n.message,
            link: n.link,
            read: n.read_at.is_some(),
        })
        .collect();
    render(&NotificationsPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf,
        due,
        items,
    })
}

pub(super) async fn mark_read(
    State(state): State<AppState>,
    caller: Caller,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    reporting::mark_read(&state.db, caller.actor.user_id).await?;
    Ok(Redirect::to("/notifications").into_response())
}
