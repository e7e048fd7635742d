//! Office pages of the catalogue, slots and bookings, and the activity calendar with its
//! check-ins (`/services/resources`, `/services/slots`, `/services/bookings`,
//! `/services/activities`).

use super::{done, layout, minute, opt_i64, parse_local, services, user};
use crate::AppState;
use crate::auth::{Caller, ClientIp};
use crate::error::AppError;
use crate::pages::{FlashQuery, PageResult, UserBar, check_csrf, parse_date, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use kesu_app::services::bookings::{self, NewSlot, SlotView};
use kesu_app::services::catalogue::{self, CertifyInput, ResourceView};
use kesu_app::services::checkin::{self, ActivityView, CheckInInput, NewActivity};
use kesu_services::booking::Change;
use kesu_services::catalogue::{KeyGroup, ResourceInput, ResourceKind, Review, ReviewResult};
use kesu_services::checkin::{ActivityInput, Place};
use kesu_store::services::bookings as booking_rows;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct ListQ {
    #[serde(default)]
    msg: Option<String>,
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    state: Option<String>,
}

#[derive(Template)]
#[template(path = "services/office_resources.html")]
struct ResourcesPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    region: String,
    q: String,
    list: Vec<ResourceView>,
    kinds: Vec<(&'static str, &'static str)>,
    groups: Vec<&'static str>,
}

/// `/services/resources`: the catalogue of the office's subtree, and a form to add to it.
pub async fn resources(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQ>,
) -> PageResult {
    let s = services(&state)?;
    let list = catalogue::search(
        &s,
        &user(&caller, None),
        &catalogue::Query {
            text: q.q.clone(),
            kind: q.kind.clone(),
            ..Default::default()
        },
    )
    .await?;
    let l = layout(&state, &caller, q.msg).await?;
    render(&ResourcesPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf.clone(),
        region: caller.actor.region.as_str().to_string(),
        q: q.q.unwrap_or_default(),
        list,
        kinds: ResourceKind::ALL
            .into_iter()
            .map(|k| (k.as_str(), k.zh()))
            .collect(),
        groups: KeyGroup::ALL.into_iter().map(KeyGroup::zh).collect(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResourceForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    groups: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    owner_unit_id: Option<String>,
    #[serde(default)]
    published: Option<String>,
}

impl ResourceForm {
    fn input(&self) -> Result<ResourceInput, AppError> {
        Ok(ResourceInput {
            kind: self.kind.clone(),
            name: self.name.clone(),
            region: self.region.clone(),
            address: self.address.clone(),
            groups: self.groups.clone(),
            description: self.description.clone(),
            owner_unit_id: opt_i64(&self.owner_unit_id, "管理单位")?,
        })
    }
}

pub async fn create_resource(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Form(f): Form<ResourceForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let s = services(&state)?;
    let c = user(&caller, ip);
    kesu_app::services::require_admin(&c)?;
    let input = f.input()?;
    let r = catalogue::create(&s, &c, &input).await;
    match r {
        Ok(id) => Ok(crate::pages::redirect_with(
            &format!("/services/resources/{id}"),
            "已加入资源名录",
        )),
        Err(e) => done("/services/resources", Err(e)),
    }
}

#[derive(Template)]
#[template(path = "services/office_resource.html")]
struct ResourcePage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    d: catalogue::Detail,
    groups_text: String,
    can_edit: bool,
    has_slots: bool,
    checkin_url: Option<String>,
    checkin_qr: Option<String>,
    levels: Vec<(&'static str, &'static str)>,
    year: i32,
}

/// The public address of a path, from the request's Host (for QR posters).
pub(super) fn absolute(headers: &HeaderMap, path: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or("localhost");
    format!("http://{host}{path}")
}

/// `/services/resources/{id}`: an entry with its certification, reviews, slots and the QR
/// poster for self check-in at its door.
pub async fn resource(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<ListQ>,
) -> PageResult {
    let s = services(&state)?;
    let d = catalogue::office_detail(&s, &user(&caller, None), id).await?;
    let can_edit = d.checkin_key.is_some();
    let checkin_url = d
        .checkin_key
        .as_deref()
        .map(|k| absolute(&headers, &checkin::checkin_path(Place::Base(id), k)));
    let checkin_qr = match &checkin_url {
        Some(u) => Some(kesu_services::code::qr_svg(u).map_err(kesu_app::Error::from)?),
        None => None,
    };
    let has_slots = ResourceKind::parse(&d.resource.kind).is_ok_and(|k| k.has_slots());
    let l = layout(&state, &caller, q.msg).await?;
    render(&ResourcePage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf.clone(),
        groups_text: d.resource.groups.join("、"),
        levels: kesu_services::catalogue::BaseLevel::ALL
            .into_iter()
            .map(|l| (l.as_str(), l.zh()))
            .collect(),
        year: s.ctx.today().year(),
        d,
        can_edit,
        has_slots,
        checkin_url,
        checkin_qr,
    })
}

pub async fn update_resource(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    Form(f): Form<ResourceForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let s = services(&state)?;
    let c = user(&caller, ip);
    catalogue::administered(&s, &c, id).await?;
    let input = f.input()?;
    let r = catalogue::update(&s, &c, id, &input, f.published.is_some()).await;
    done(
        &format!("/services/resources/{id}"),
        r.map(|_| "已保存".into()),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CertifyForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    level: String,
    batch: String,
    certified_on: String,
    valid_until: String,
}

pub async fn certify(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    Form(f): Form<CertifyForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let s = services(&state)?;
    catalogue::administered(&s, &user(&caller, None), id).await?;
    let input = CertifyInput {
        level: f.level,
        batch: f.batch,
        certified_on: parse_date(&f.certified_on, "认定日期")?,
        valid_until: parse_date(&f.valid_until, "有效期至")?,
    };
    let r = catalogue::certify(&s, &user(&caller, ip), id, &input).await;
    done(
        &format!("/services/resources/{id}"),
        r.map(|_| "已记录认定".into()),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReviewForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    year: String,
    #[serde(default)]
    self_report: String,
    #[serde(default)]
    expert_score: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    decided_on: String,
}

pub async fn review(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    Form(f): Form<ReviewForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let s = services(&state)?;
    catalogue::administered(&s, &user(&caller, None), id).await?;
    let year: i32 = f
        .year
        .trim()
        .parse()
        .map_err(|_| AppError::Invalid("年度应为四位数字 (bad year)".into()))?;
    let score = match f.expert_score.trim() {
        "" => None,
        v => Some(super::parse_f64(v, "专家评分")?),
    };
    let result = match f.result.trim() {
        "" => None,
        v => Some(ReviewResult::parse(v).map_err(kesu_app::Error::from)?),
    };
    let decided_on = match f.decided_on.trim() {
        "" => None,
        d => Some(parse_date(d, "结论日期")?),
    };
    let rv = Review {
        year,
        self_report: f.self_report,
        expert_score: score,
        result,
        decided_on,
    };
    let r = catalogue::review(&s, &user(&caller, ip), id, &rv).await;
    done(
        &format!("/services/resources/{id}"),
        r.map(|_| "已记录复核".into()),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SlotForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    start: String,
    end: String,
    capacity: String,
}

pub async fn create_slot(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    Form(f): Form<SlotForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let s = services(&state)?;
    catalogue::administered(&s, &user(&caller, None), id).await?;
    let input = NewSlot {
        resource_id: id,
        starts_at: parse_local(&f.start, "开始时间")?,
        ends_at: parse_local(&f.end, "结束时间")?,
        capacity: f.capacity.trim().parse().unwrap_or(0),
    };
    let r = bookings::create_slot(&s, &user(&caller, ip), &input).await;
    done(
        &format!("/services/resources/{id}"),
        r.map(|_| "已开放时段".into()),
    )
}

#[derive(Template)]
#[template(path = "services/office_slot.html")]
struct SlotPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    slot: SlotView,
    list: Vec<booking_rows::Booking>,
    is_admin: bool,
}

/// `/services/slots/{id}`: a slot's bookings, with approve, reject, cancel and reveal.
pub async fn slot(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let s = services(&state)?;
    let (slot, list) = bookings::of_slot(&s, &user(&caller, None), id).await?;
    let l = layout(&state, &caller, q.msg).await?;
    render(&SlotPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf.clone(),
        is_admin: caller.actor.role == kesu_core::authz::Role::Admin,
        slot,
        list,
    })
}

#[derive(Template)]
#[template(path = "services/office_bookings.html")]
struct BookingsPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    state: String,
    list: Vec<booking_rows::Booking>,
}

/// `/services/bookings`: the office's recent bookings.
pub async fn bookings(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQ>,
) -> PageResult {
    let s = services(&state)?;
    let st = q.state.clone().filter(|x| !x.is_empty());
    let list = bookings::recent(&s, &user(&caller, None), st.as_deref()).await?;
    let l = layout(&state, &caller, q.msg).await?;
    render(&BookingsPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        state: st.unwrap_or_default(),
        list,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChangeForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    back: String,
}

fn back_or(back: &str, fallback: &str) -> String {
    // Only our own office paths: never a redirect elsewhere.
    if back.starts_with("/services/") && !back.contains("//") {
        back.to_string()
    } else {
        fallback.to_string()
    }
}

pub async fn change_booking(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    Form(f): Form<ChangeForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let s = services(&state)?;
    bookings::administered(&s, &user(&caller, None), id).await?;
    let ch = match f.action.as_str() {
        "approve" => Change::Approve,
        "reject" => Change::Reject { reason: f.reason },
        "cancel" => Change::Cancel { reason: f.reason },
        _ => return Err(AppError::BadRequest("未知操作 (unknown action)".into()).into()),
    };
    let r = bookings::office_change(&s, &user(&caller, ip), id, &ch).await;
    done(
        &back_or(&f.back, "/services/bookings"),
        r.map(|_| "已办理".into()),
    )
}

#[derive(Template)]
#[template(path = "services/office_reveal.html")]
struct RevealPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    what: String,
    name: String,
    phone: String,
    back: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RevealForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    back: String,
}

/// Show a booker's full name and phone to the office that must call them (audited).
pub async fn reveal_booking(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    Form(f): Form<RevealForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let s = services(&state)?;
    let back = back_or(&f.back, "/services/bookings");
    let (name, phone) = match bookings::reveal(&s, &user(&caller, ip), id, &f.purpose).await {
        Ok(x) => x,
        Err(e) => return done(&back, Err(e)),
    };
    let l = layout(&state, &caller, None).await?;
    let mut r = render(&RevealPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        what: format!("预约 #{id} 的联系人"),
        name,
        phone,
        back,
    })?;
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(r)
}

#[derive(Template)]
#[template(path = "services/office_activities.html")]
struct ActivitiesPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    region: String,
    list: Vec<ActivityView>,
    resources: Vec<ResourceView>,
    groups: Vec<(&'static str, &'static str)>,
    is_admin: bool,
}

/// `/services/activities`: the calendar of the office's subtree (the last week and the coming
/// two months) and a form to add an activity.
pub async fn activities(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQ>,
) -> PageResult {
    let s = services(&state)?;
    let c = user(&caller, None);
    let from = s.ctx.today() - time::Duration::days(7);
    let list = checkin::calendar(&s, &c, None, from, 70).await?;
    let resources = catalogue::search(&s, &c, &catalogue::Query::default()).await?;
    let l = layout(&state, &caller, q.msg).await?;
    render(&ActivitiesPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf.clone(),
        region: caller.actor.region.as_str().to_string(),
        list,
        resources,
        groups: KeyGroup::ALL
            .into_iter()
            .map(|g| (g.as_str(), g.zh()))
            .collect(),
        is_admin: caller.actor.role == kesu_core::authz::Role::Admin,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActivityForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    resource_id: Option<String>,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    capacity: String,
}

pub async fn create_activity(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Form(f): Form<ActivityForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let s = services(&state)?;
    kesu_app::services::require_admin(&user(&caller, None))?;
    let n = NewActivity {
        input: ActivityInput {
            title: f.title,
            kind: f.kind,
            region: f.region,
            place: f.place,
            group: f.group,
            organiser_unit_id: None,
            resource_id: opt_i64(&f.resource_id, "资源")?,
        },
        starts_at: parse_local(&f.start, "开始时间")?,
        ends_at: parse_local(&f.end, "结束时间")?,
        capacity: f.capacity.trim().parse().unwrap_or(0),
    };
    match checkin::create_activity(&s, &user(&caller, ip), &n).await {
        Ok(id) => Ok(crate::pages::redirect_with(
            &format!("/services/activities/{id}"),
            "已加入活动日历",
        )),
        Err(e) => done("/services/activities", Err(e)),
    }
}

struct CheckinRow {
    id: i64,
    code: String,
    name: String,
    people: i64,
    at: String,
    offline: bool,
    by: String,
    voided: bool,
}

#[derive(Template)]
#[template(path = "services/office_activity.html")]
struct ActivityPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    a: ActivityView,
    checkin_url: Option<String>,
    checkin_qr: Option<String>,
    rows: Vec<CheckinRow>,
    people: i64,
    can_admin: bool,
    volunteers: Vec<(i64, String, String)>,
}

/// `/services/activities/{id}`: the activity, its check-in poster and its check-ins.
pub async fn activity(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<ListQ>,
) -> PageResult {
    let s = services(&state)?;
    let c = user(&caller, None);
    let d = checkin::detail(&s, &c, id).await?;
    let checkin_url = d
        .checkin_key
        .as_deref()
        .map(|k| absolute(&headers, &checkin::checkin_path(Place::Activity(id), k)));
    let checkin_qr = match &checkin_url {
        Some(u) => Some(kesu_services::code::qr_svg(u).map_err(kesu_app::Error::from)?),
        None => None,
    };
    let mut rows = Vec::with_capacity(d.checkins.len());
    for ch in &d.checkins {
        let b = booking_rows::get(&state.db, ch.booking_id).await?;
        rows.push(CheckinRow {
            id: ch.id,
            code: b
                .as_ref()
                .map(|b| {
                    kesu_services::code::Code::parse(&b.code)
                        .map(|c| c.display())
                        .unwrap_or_default()
                })
                .unwrap_or_default(),
            name: b.map(|b| b.name_masked).unwrap_or_default(),
            people: ch.people,
            at: minute(ch.at),
            offline: ch.offline,
            by: ch.by_actor.clone(),
            voided: ch.voided,
        });
    }
    let people = d
        .checkins
        .iter()
        .filter(|c| !c.voided)
        .map(|c| c.people)
        .sum();
    let volunteers = kesu_app::services::volunteers::list(&s, &c, None)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| {
            (
                r.volunteer.id,
                r.volunteer.volunteer_no,
                r.volunteer.name_masked,
            )
        })
        .collect();
    let l = layout(&state, &caller, q.msg).await?;
    render(&ActivityPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf.clone(),
        can_admin: d.checkin_key.is_some(),
        a: d.activity,
        checkin_url,
        checkin_qr,
        rows,
        people,
        volunteers,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReasonForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

pub async fn cancel_activity(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let s = services(&state)?;
    let r = checkin::cancel_activity(&s, &user(&caller, ip), id, &f.reason).await;
    done(
        &format!("/services/activities/{id}"),
        r.map(|_| "活动已取消".into()),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StaffCheckinForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

/// Staff at the door type or scan a code.
pub async fn staff_checkin(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    Form(f): Form<StaffCheckinForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let s = services(&state)?;
    let input = CheckInInput {
        code: f.code,
        place: Place::Activity(id),
        venue_key: None,
        client_key: crate::auth::new_token()?[..32].to_string(),
        scanned_at: None,
    };
    let r = checkin::check_in(&s, &user(&caller, ip), &input, None)
        .await
        .map(|r| super::public::checkin_message(&r.outcome, &r.booking));
    done(&format!("/services/activities/{id}"), r)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VoidForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    back: String,
}

pub async fn void_checkin(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    Form(f): Form<VoidForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let s = services(&state)?;
    let r = checkin::void(&s, &user(&caller, ip), id, &f.reason).await;
    done(
        &back_or(&f.back, "/services/activities"),
        r.map(|_| "签到已作废".into()),
    )
}
