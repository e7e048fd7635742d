//! The services' pages: for citizens on phones under `/s` (browse and search resources, a
//! base's page, booking a slot, the booking code with its QR, checking in at an activity, asking
//! for a service, a pupil's credits), and for offices under `/services` (catalogue, slots and
//! bookings, the activity calendar, volunteers and teams, orders by role, credits, funding and
//! the statistics the indicators take). Each handler parses, calls one `kesu_app::services`
//! function and renders.

use crate::AppState;
use crate::auth::{Caller, MaybeCaller};
use crate::error::AppError;
use axum::routing::{get, post};
use kesu_app::services::{Services, personal};
use kesu_services::personal::Sealer;
use std::sync::Arc;

mod office;
mod people;
mod public;

pub use people::StepFields;
pub use public::checkin_message;

pub fn routes() -> crate::routes::Routes<AppState> {
    crate::routes::Routes::new()
        // Citizens (no account).
        .route("/s", get(public::home))
        .route("/s/checkin.js", get(public::checkin_js))
        .route("/s/resources/{id}", get(public::resource))
        .route(
            "/s/resources/{id}/checkin",
            get(public::base_checkin_page).post(public::base_checkin),
        )
        .route(
            "/s/slots/{id}/book",
            get(public::book_page).post(public::book),
        )
        .route("/s/bookings/{code}", get(public::booking))
        .route("/s/bookings/{code}/qr.svg", get(public::booking_qr))
        .route("/s/bookings/{code}/cancel", post(public::cancel))
        .route("/s/activities", get(public::activities))
        .route("/s/activities/{id}", get(public::activity))
        .route(
            "/s/activities/{id}/checkin",
            get(public::activity_checkin_page).post(public::activity_checkin),
        )
        .route("/s/orders/new", get(public::ask_page).post(public::ask))
        .route(
            "/s/orders/{code}",
            get(public::order).post(public::order_step),
        )
        .route("/s/credits", get(public::credits))
        // Offices.
        .route("/services", get(people::hub))
        .route("/services/stats/records", get(people::records))
        .route(
            "/services/resources",
            get(office::resources).post(office::create_resource),
        )
        .route(
            "/services/resources/{id}",
            get(office::resource).post(office::update_resource),
        )
        .route("/services/resources/{id}/certify", post(office::certify))
        .route("/services/resources/{id}/review", post(office::review))
        .route("/services/resources/{id}/slots", post(office::create_slot))
        .route("/services/slots/{id}", get(office::slot))
        .route("/services/bookings", get(office::bookings))
        .route(
            "/services/bookings/{id}/change",
            post(office::change_booking),
        )
        .route(
            "/services/bookings/{id}/reveal",
            post(office::reveal_booking),
        )
        .route(
            "/services/activities",
            get(office::activities).post(office::create_activity),
        )
        .route("/services/activities/{id}", get(office::activity))
        .route(
            "/services/activities/{id}/cancel",
            post(office::cancel_activity),
        )
        .route(
            "/services/activities/{id}/checkin",
            post(office::staff_checkin),
        )
        .route("/services/checkins/{id}/void", post(office::void_checkin))
        .route(
            "/services/volunteers",
            get(people::volunteers).post(people::register_volunteer),
        )
        .route("/services/teams", post(people::create_team))
        .route("/services/volunteers/{id}", get(people::volunteer))
        .route(
            "/services/volunteers/{id}/attendance",
            post(people::attendance),
        )
        .route("/services/attendance/{id}/correct", post(people::correct))
        .route("/services/orders", get(people::orders).post(people::ask))
        .route(
            "/services/orders/{id}",
            get(people::order).post(people::order_step),
        )
        .route(
            "/services/credits",
            get(people::credits).post(people::add_pupil),
        )
        .route("/services/credits/rules", post(people::set_rules))
        .route(
            "/services/credits/pupils/{id}",
            get(people::pupil).post(people::award),
        )
        .route(
            "/services/credits/sources/{id}/void",
            post(people::void_source),
        )
        .route(
            "/services/funding",
            get(people::funding).post(people::put_funding),
        )
}

/// The services' context for a request: the database and clock of the app, the installation's
/// personal-data key ring (the citizens' one; none: what needs it answers 503) and the public
/// throttles of the configuration.
pub fn services(state: &AppState) -> Result<Services, AppError> {
    let mut ctx = kesu_app::Ctx::new(state.db.clone());
    ctx.fixed_now = *state.clock;
    let sealer = state
        .keys
        .clone()
        .map(|ring| Arc::new(personal::RingSealer::new(ring)) as Arc<dyn Sealer>);
    Ok(Services::with_sealer(ctx, sealer, state.throttles.clone()))
}

/// The use cases' caller for a signed-in user.
pub fn user(caller: &Caller, ip: Option<String>) -> kesu_app::Caller {
    kesu_app::Caller::user(caller.actor.clone(), super::audit_actor(caller, ip))
}

/// The use cases' caller for whoever is asking: the signed-in user, or the public.
pub fn anyone(caller: &MaybeCaller, ip: Option<String>) -> kesu_app::Caller {
    match &caller.0 {
        Some(c) => user(c, ip),
        None => public(ip),
    }
}

/// A citizen without an account (audited as `public` with the address).
pub fn public(ip: Option<String>) -> kesu_app::Caller {
    let mut a = kesu_store::Actor::new("public");
    a.ip = ip;
    kesu_app::Caller::public(a)
}

/// A form's optional number (`""` is none).
fn opt_i64(s: &Option<String>, field: &str) -> Result<Option<i64>, AppError> {
    match s.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| AppError::Invalid(format!("{field}“{v}”不是整数 (not a whole number)"))),
    }
}

/// A form's local date-time (`2025-05-10T09:00`, China time).
fn parse_local(s: &str, field: &str) -> Result<time::OffsetDateTime, AppError> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let fmt2 = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    let t = s.trim();
    time::PrimitiveDateTime::parse(t, &fmt)
        .or_else(|_| time::PrimitiveDateTime::parse(t, &fmt2))
        .map(|p| p.assume_offset(kesu_store::reporting::CHINA))
        .map_err(|_| {
            AppError::Invalid(format!(
                "{field}“{s}”不是有效时间，应为 2025-05-10 09:00 (bad time)"
            ))
        })
}

/// A form's number.
fn parse_f64(s: &str, field: &str) -> Result<f64, AppError> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| AppError::Invalid(format!("{field}“{s}”不是数字 (not a number)")))
}

/// `2025-05-10 09:00` for a time.
fn minute(t: time::OffsetDateTime) -> String {
    kesu_services::checkin::china_minute(t)
}

/// The layout of an office page, with the flash message of a redirect.
async fn layout(
    state: &AppState,
    caller: &Caller,
    flash: Option<String>,
) -> Result<super::Layout, AppError> {
    Ok(super::Layout::new(state, caller).await?.with_flash(flash))
}

/// After a form: back to `path` with the outcome, or the reason it was refused (a failure of
/// ours stays an error page).
fn done(path: &str, r: Result<String, kesu_app::Error>) -> super::PageResult {
    match r {
        Ok(msg) => Ok(super::redirect_with(path, &msg)),
        Err(e) => {
            let e = AppError::from(e);
            if fixable(&e) {
                Ok(super::redirect_with(path, &e.to_string()))
            } else {
                Err(e.into())
            }
        }
    }
}

/// Errors the person can fix on the same page (shown there), as against failures of ours.
fn fixable(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Invalid(_)
            | AppError::InvalidField { .. }
            | AppError::Conflict(_)
            | AppError::TooMany(_)
            | AppError::BadRequest(_)
    )
}
