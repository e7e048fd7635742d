//! Citizens' pages (`/s/…`), made for phones: no account, personal data masked, every form
//! answered on the same page with the reason when it is refused.

use super::{fixable, public, services};
use crate::AppState;
use crate::auth::ClientIp;
use crate::error::{AppError, PageError};
use crate::pages::{PageResult, percent_encode, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kesu_app::services::bookings::{self, BookInput, BookingView, SlotView};
use kesu_app::services::catalogue::{self, ResourceView};
use kesu_app::services::checkin::{self, ActivityView, CheckInInput};
use kesu_app::services::credits;
use kesu_app::services::orders::{self, AskInput, OrderView};
use kesu_services::catalogue::ResourceKind;
use kesu_services::checkin::{Outcome, Place};
use kesu_services::order::{OrderInput, Step};
use serde::Deserialize;

/// A page with its status (a refused form answers 409/422/429 with the form again).
fn with_status(status: StatusCode, t: &impl Template) -> PageResult {
    let mut r = render(t)?;
    *r.status_mut() = status;
    Ok(r)
}

#[derive(Deserialize, Default)]
pub struct SearchQ {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "services/public_home.html")]
struct HomePage {
    q: String,
    region: String,
    kind: String,
    kinds: Vec<(&'static str, &'static str)>,
    results: Vec<ResourceView>,
    page: i64,
    more: bool,
    error: Option<String>,
}

/// `/s`: find bases, venues, experts, works and 大篷车 by words, region and kind.
pub async fn home(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Query(q): Query<SearchQ>,
) -> PageResult {
    let s = services(&state)?;
    let page = q.page.unwrap_or(0).max(0);
    let query = catalogue::Query {
        region: q.region.clone(),
        kind: q.kind.clone(),
        text: q.q.clone(),
        page,
    };
    let (results, error) = match catalogue::search(&s, &public(ip), &query).await {
        Ok(r) => (r, None),
        Err(e) => {
            let e = AppError::from(e);
            if !fixable(&e) {
                return Err(e.into());
            }
            (Vec::new(), Some(e.to_string()))
        }
    };
    render(&HomePage {
        more: results.len() as i64 == catalogue::PAGE,
        q: q.q.unwrap_or_default(),
        region: q.region.unwrap_or_default(),
        kind: q.kind.unwrap_or_default(),
        kinds: ResourceKind::ALL
            .into_iter()
            .map(|k| (k.as_str(), k.zh()))
            .collect(),
        results,
        page,
        error,
    })
}

#[derive(Template)]
#[template(path = "services/public_resource.html")]
struct ResourcePage {
    r: ResourceView,
    certs: Vec<(String, String, String)>,
    slots: Vec<SlotView>,
    activities: Vec<ActivityView>,
}

/// `/s/resources/{id}`: a base's page with its visit slots and coming activities.
pub async fn resource(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
) -> PageResult {
    let s = services(&state)?;
    let d = catalogue::detail(&s, &public(ip.clone()), id).await?;
    let today = s.ctx.today();
    let acts: Vec<ActivityView> = checkin::calendar(&s, &public(ip), None, today, 60)
        .await?
        .into_iter()
        .filter(|a| a.resource_id == Some(id) && !a.cancelled)
        .collect();
    let certs = d
        .certs
        .iter()
        .map(|c| {
            (
                kesu_services::catalogue::BaseLevel::parse(&c.level)
                    .map(|l| l.zh())
                    .unwrap_or("")
                    .to_string(),
                c.batch.clone(),
                c.valid_until.to_string(),
            )
        })
        .collect();
    render(&ResourcePage {
        r: d.resource,
        certs,
        slots: d.slots.into_iter().filter(|s| !s.cancelled).collect(),
        activities: acts,
    })
}

#[derive(Template)]
#[template(path = "services/public_book.html")]
struct BookPage {
    slot: SlotView,
    title: String,
    back: String,
    name: String,
    phone: String,
    people: i64,
    group: bool,
    organisation: String,
    pupil_code: String,
    error: Option<String>,
}

async fn slot_title(
    s: &kesu_app::services::Services,
    slot: &SlotView,
) -> Result<(String, String), AppError> {
    Ok(match (slot.activity_id, slot.resource_id) {
        (Some(a), _) => {
            let v = checkin::activity(s, &public(None), a).await?;
            (v.title, format!("/s/activities/{a}"))
        }
        (None, Some(r)) => {
            let v = catalogue::get(s, &public(None), r).await?;
            (v.name, format!("/s/resources/{r}"))
        }
        _ => (String::new(), "/s".into()),
    })
}

/// `/s/slots/{id}/book`: the booking form.
pub async fn book_page(State(state): State<AppState>, Path(id): Path<i64>) -> PageResult {
    let s = services(&state)?;
    // No form a citizen fills in for nothing: without keys, say so before.
    s.sealer()?;
    let slot = bookings::slot(&s, &public(None), id).await?;
    let (title, back) = slot_title(&s, &slot).await?;
    render(&BookPage {
        slot,
        title,
        back,
        name: String::new(),
        phone: String::new(),
        people: 1,
        group: false,
        organisation: String::new(),
        pupil_code: String::new(),
        error: None,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BookForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    people: String,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    pupil_code: String,
}

/// Book: on success to the booking's page; a refusal shows the form again with the reason.
pub async fn book(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    Form(f): Form<BookForm>,
) -> PageResult {
    let s = services(&state)?;
    let slot = bookings::slot(&s, &public(None), id).await?;
    let group = f.group.is_some();
    let people: i64 = f.people.trim().parse().unwrap_or(0);
    let input = BookInput {
        slot_id: id,
        name: f.name.clone(),
        phone: f.phone.clone(),
        people,
        organisation: group.then(|| f.organisation.clone()),
        pupil_code: Some(f.pupil_code.clone()),
    };
    match bookings::book(&s, &public(ip.clone()), &input, ip.as_deref()).await {
        Ok(b) => Ok(Redirect::to(&format!("/s/bookings/{}", b.code)).into_response()),
        Err(e) => {
            let e = AppError::from(e);
            if !fixable(&e) {
                return Err(e.into());
            }
            let (title, back) = slot_title(&s, &slot).await?;
            with_status(
                e.status(),
                &BookPage {
                    slot: bookings::slot(&s, &public(None), id).await?,
                    title,
                    back,
                    name: f.name,
                    phone: f.phone,
                    people: people.max(1),
                    group,
                    organisation: f.organisation,
                    pupil_code: f.pupil_code,
                    error: Some(e.to_string()),
                },
            )
        }
    }
}

#[derive(Template)]
#[template(path = "services/public_booking.html")]
struct BookingPage {
    b: BookingView,
    qr: String,
    can_cancel: bool,
    checked_in_at: Option<String>,
    flash: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct MsgQ {
    #[serde(default)]
    msg: Option<String>,
}

/// `/s/bookings/{code}`: the booking with its code and QR, to show at the door.
pub async fn booking(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<MsgQ>,
) -> PageResult {
    let s = services(&state)?;
    let b = bookings::by_code(&s, &code).await?;
    let qr = bookings::qr(&b.code)?;
    render(&BookingPage {
        can_cancel: matches!(b.state.as_str(), "pending" | "confirmed")
            && b.slot.starts_at > s.ctx.now(),
        checked_in_at: b.checked_in_at.map(super::minute),
        flash: q.msg.filter(|m| !m.is_empty()),
        b,
        qr,
    })
}

/// The booking's QR as an SVG file.
pub async fn booking_qr(State(state): State<AppState>, Path(code): Path<String>) -> PageResult {
    let s = services(&state)?;
    let b = bookings::by_code(&s, &code).await?;
    let svg = bookings::qr(&b.code)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response())
}

/// Cancel by code.
pub async fn cancel(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
) -> PageResult {
    let s = services(&state)?;
    let msg = match bookings::cancel_by_code(&s, &public(ip), &code).await {
        Ok(_) => "预约已取消".to_string(),
        Err(e) => {
            let e = AppError::from(e);
            if !fixable(&e) {
                return Err(e.into());
            }
            e.to_string()
        }
    };
    let b = bookings::by_code(&s, &code).await?;
    Ok(Redirect::to(&format!(
        "/s/bookings/{}?msg={}",
        b.code,
        percent_encode(&msg)
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "services/public_activities.html")]
struct ActivitiesPage {
    region: String,
    list: Vec<ActivityView>,
}

#[derive(Deserialize, Default)]
pub struct RegionQ {
    #[serde(default)]
    region: Option<String>,
}

/// `/s/activities`: the coming month's activities.
pub async fn activities(State(state): State<AppState>, Query(q): Query<RegionQ>) -> PageResult {
    let s = services(&state)?;
    let list = checkin::calendar(&s, &public(None), q.region.as_deref(), s.ctx.today(), 31).await?;
    render(&ActivitiesPage {
        region: q.region.unwrap_or_default(),
        list,
    })
}

#[derive(Template)]
#[template(path = "services/public_activity.html")]
struct ActivityPage {
    a: ActivityView,
    bookable: bool,
}

/// `/s/activities/{id}`.
pub async fn activity(State(state): State<AppState>, Path(id): Path<i64>) -> PageResult {
    let s = services(&state)?;
    let a = checkin::activity(&s, &public(None), id).await?;
    let bookable = !a.cancelled
        && a.slot
            .as_ref()
            .is_some_and(|x| x.left > 0 && x.starts_at > s.ctx.now());
    render(&ActivityPage { a, bookable })
}

#[derive(Template)]
#[template(path = "services/public_checkin.html")]
struct CheckinPage {
    title: String,
    place_at: &'static str,
    place_id: i64,
    key: String,
    action: String,
    result: Option<(bool, String)>,
}

#[derive(Deserialize, Default)]
pub struct KeyQ {
    #[serde(default)]
    k: String,
}

/// A check-in place's title, kind, id and form action.
async fn place_meta(
    s: &kesu_app::services::Services,
    place: Place,
) -> Result<(String, &'static str, i64, String), AppError> {
    Ok(match place {
        Place::Activity(id) => (
            checkin::activity(s, &public(None), id).await?.title,
            "activity",
            id,
            format!("/s/activities/{id}/checkin"),
        ),
        Place::Base(id) => (
            catalogue::get(s, &public(None), id).await?.name,
            "base",
            id,
            format!("/s/resources/{id}/checkin"),
        ),
    })
}

async fn checkin_page(state: &AppState, place: Place, key: String) -> PageResult {
    let s = services(state)?;
    let (title, place_at, place_id, action) = place_meta(&s, place).await?;
    render(&CheckinPage {
        title,
        place_at,
        place_id,
        key,
        action,
        result: None,
    })
}

/// `/s/activities/{id}/checkin?k=…`: the check-in page the venue's QR opens.
pub async fn activity_checkin_page(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<KeyQ>,
) -> PageResult {
    checkin_page(&state, Place::Activity(id), q.k).await
}

/// `/s/resources/{id}/checkin?k=…`: a base's door.
pub async fn base_checkin_page(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<KeyQ>,
) -> PageResult {
    checkin_page(&state, Place::Base(id), q.k).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CheckinForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    k: String,
    /// The scan's key (the page's script makes one; without script the server does).
    #[serde(default)]
    key: String,
}

/// The check-in form without script: the answer on the same page.
async fn checkin_post(
    state: &AppState,
    ip: Option<String>,
    place: Place,
    f: CheckinForm,
) -> PageResult {
    let s = services(state)?;
    let key = if f.key.trim().is_empty() {
        crate::auth::new_token()?[..32].to_string()
    } else {
        f.key.clone()
    };
    let input = CheckInInput {
        code: f.code.clone(),
        place,
        venue_key: Some(f.k.clone()),
        client_key: key,
        scanned_at: None,
    };
    let result = match checkin::check_in(&s, &public(ip.clone()), &input, ip.as_deref()).await {
        Ok(r) => (true, checkin_message(&r.outcome, &r.booking)),
        Err(e) => {
            let e = AppError::from(e);
            if !fixable(&e) {
                return Err(e.into());
            }
            (false, e.to_string())
        }
    };
    let (title, at, id, action) = place_meta(&s, place).await?;
    let status = if result.0 {
        StatusCode::OK
    } else {
        StatusCode::CONFLICT
    };
    with_status(
        status,
        &CheckinPage {
            title,
            place_at: at,
            place_id: id,
            key: input.venue_key.unwrap_or_default(),
            action,
            result: Some(result),
        },
    )
}

/// The words for a check-in that went through.
pub fn checkin_message(o: &Outcome, b: &BookingView) -> String {
    match o {
        Outcome::CheckedIn { at, .. } => format!(
            "签到成功：{}，{} 人（{}）",
            b.name_masked,
            b.people,
            super::minute(*at)
        ),
        Outcome::Repeated { at } => format!(
            "已签到（{}），本次为重复提交，不重复计数",
            super::minute(*at)
        ),
    }
}

pub async fn activity_checkin(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    Form(f): Form<CheckinForm>,
) -> PageResult {
    checkin_post(&state, ip, Place::Activity(id), f).await
}

pub async fn base_checkin(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    Form(f): Form<CheckinForm>,
) -> PageResult {
    checkin_post(&state, ip, Place::Base(id), f).await
}

/// The check-in page's script: scans queued on the phone and sent (once each) when online.
pub async fn checkin_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../../templates/services/checkin.js"),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "services/public_ask.html")]
struct AskPage {
    f: AskForm,
    error: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AskForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    detail: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    wanted_on: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
}

/// `/s/orders/new`: ask for a volunteer service (群众点单).
pub async fn ask_page(State(state): State<AppState>, Query(q): Query<RegionQ>) -> PageResult {
    services(&state)?.sealer()?;
    render(&AskPage {
        f: AskForm {
            region: q.region.unwrap_or_default(),
            ..Default::default()
        },
        error: None,
    })
}

pub async fn ask(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Form(f): Form<AskForm>,
) -> PageResult {
    let s = services(&state)?;
    let wanted_on = match f.wanted_on.trim() {
        "" => None,
        d => Some(crate::pages::parse_date(d, "期望服务日期")?),
    };
    let input = AskInput {
        order: OrderInput {
            title: f.title.clone(),
            detail: f.detail.clone(),
            region: f.region.clone(),
            category: f.category.clone(),
            wanted_on,
        },
        name: f.name.clone(),
        phone: f.phone.clone(),
    };
    match orders::ask(&s, &public(ip.clone()), &input, ip.as_deref()).await {
        Ok(a) => {
            let code = a.code.unwrap_or_default();
            Ok(Redirect::to(&format!(
                "/s/orders/{code}?msg={}",
                percent_encode("已提交，请保存本页地址或工单码以便查询和评价")
            ))
            .into_response())
        }
        Err(e) => {
            let e = AppError::from(e);
            if !fixable(&e) {
                return Err(e.into());
            }
            with_status(
                e.status(),
                &AskPage {
                    f,
                    error: Some(e.to_string()),
                },
            )
        }
    }
}

#[derive(Template)]
#[template(path = "services/public_order.html")]
struct OrderPage {
    code: String,
    o: OrderView,
    flash: Option<String>,
    events: Vec<(String, String, String)>,
}

fn event_rows(o: &OrderView) -> Vec<(String, String, String)> {
    o.events
        .iter()
        .map(|e| {
            let step = match e.step.as_str() {
                "ask" => "点单",
                "dispatch" => "派单",
                "claim" => "领单",
                "accept" => "接单",
                "complete" => "完成",
                "rate" => "评价",
                "reject" => "驳回",
                "return" => "退回",
                "withdraw" => "撤回",
                other => other,
            };
            (
                super::minute(e.at),
                step.to_string(),
                e.text.clone().unwrap_or_default(),
            )
        })
        .collect()
}

/// `/s/orders/{code}`: the asker follows the order, withdraws or rates it.
pub async fn order(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<MsgQ>,
) -> PageResult {
    let s = services(&state)?;
    let o = orders::by_code(&s, &public(None), &code).await?;
    render(&OrderPage {
        events: event_rows(&o),
        code,
        o,
        flash: q.msg.filter(|m| !m.is_empty()),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OrderStepForm {
    step: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    stars: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    version: Option<i64>,
}

/// The asker's steps by code: withdraw (with a reason) or rate.
pub async fn order_step(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    Form(f): Form<OrderStepForm>,
) -> Result<Response, PageError> {
    let s = services(&state)?;
    let o = orders::by_code(&s, &public(None), &code).await?;
    let step = match f.step.as_str() {
        "rate" => Step::Rate {
            stars: f.stars.trim().parse().unwrap_or(0),
            comment: f.comment,
        },
        "withdraw" => Step::Withdraw { reason: f.reason },
        _ => return Err(AppError::BadRequest("未知操作 (unknown step)".into()).into()),
    };
    let msg = match orders::step(&s, &public(ip), o.order.id, &step, f.version, Some(&code)).await {
        Ok(_) => "已提交".to_string(),
        Err(e) => {
            let e = AppError::from(e);
            if !fixable(&e) {
                return Err(e.into());
            }
            e.to_string()
        }
    };
    Ok(Redirect::to(&format!("/s/orders/{code}?msg={}", percent_encode(&msg))).into_response())
}

#[derive(Template)]
#[template(path = "services/public_credits.html")]
struct CreditsPage {
    code: String,
    record: Option<credits::Record>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct CodeQ {
    #[serde(default)]
    code: Option<String>,
}

/// `/s/credits?code=…`: a pupil's credits for parents, by the pupil's code.
pub async fn credits(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Query(q): Query<CodeQ>,
) -> PageResult {
    let s = services(&state)?;
    let code = q.code.unwrap_or_default();
    if code.trim().is_empty() {
        return render(&CreditsPage {
            code,
            record: None,
            error: None,
        });
    }
    // Looking codes up is throttled like bookings: codes must not be tried in bulk.
    s.throttles
        .address(ip.as_deref(), s.ctx.now())
        .map_err(AppError::from)?;
    match credits::record_by_code(&s, &code).await {
        Ok(r) => render(&CreditsPage {
            code,
            record: Some(r),
            error: None,
        }),
        Err(kesu_app::Error::NotFound) => with_status(
            StatusCode::NOT_FOUND,
            &CreditsPage {
                code,
                record: None,
                error: Some("未找到该学分码，请核对 (no such code)".into()),
            },
        ),
        Err(e) => Err(AppError::from(e).into()),
    }
}
