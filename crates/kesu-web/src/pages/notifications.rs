//! The signed-in user's notifications: `/notifications` (which also makes the due-soon
//! reminders, when someone looks) and `/notifications/read` (mark them all read).

use super::{CsrfForm, Layout, PageResult, UserBar, check_csrf, local_time, render};
use crate::AppState;
use crate::auth::Caller;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use kesu_core::report;
use kesu_store::reporting;

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
    items: Vec<NoteView>,
}

pub(super) async fn notifications(State(state): State<AppState>, caller: Caller) -> PageResult {
    // Reminders are made when someone looks, rather than by a background job.
    reporting::remind_due_soon(&state.db, state.today(), report::WARN_DAYS).await?;
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
