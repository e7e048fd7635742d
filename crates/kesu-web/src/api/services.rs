//! The services' JSON API: typed request and response bodies, ISO dates and RFC 3339 times.
//! Offices sign in as for the rest of the API; `/public/…` and asking for a service need no
//! account (throttled per client address, and bookings per phone).

use crate::AppState;
use crate::auth::{Caller, ClientIp, MaybeCaller};
use crate::error::{ApiError, AppError};
use crate::pages::services::{anyone, public, services, user};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kesu_app::services::bookings::{self, BookInput, BookingView, NewSlot, SlotView};
use kesu_app::services::catalogue::{self, ResourceView};
use kesu_app::services::checkin::{self, ActivityView, CheckInInput, NewActivity};
use kesu_app::services::orders::{self, AskInput, OrderView};
use kesu_app::services::stats;
use kesu_services::catalogue::ResourceInput;
use kesu_services::checkin::{ActivityInput, Outcome, Place};
use kesu_services::order::OrderInput;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

type ApiResult = Result<Response, ApiError>;

pub fn routes() -> crate::routes::Routes<AppState> {
    crate::routes::Routes::new()
        .route("/resources", get(list_resources).post(create_resource))
        .route("/resources/{id}", get(get_resource))
        .route("/slots", post(create_slot))
        .route("/slots/{id}", get(get_slot))
        .route("/activities", get(list_activities).post(create_activity))
        .route("/public/bookings", post(book))
        .route("/public/bookings/{code}", get(get_booking))
        .route("/public/bookings/{code}/cancel", post(cancel_booking))
        .route("/public/checkins", post(public_checkin))
        .route("/checkins", post(staff_checkin))
        .route("/orders", post(ask))
        .route("/orders/{id}", get(get_order))
        .route("/orders/{id}/{step}", post(order_step))
        .route("/services/stats", get(get_stats))
}

fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, AppError> {
    b.map(|Json(v)| v).map_err(|e| {
        AppError::BadRequest(format!("请求体无效：{} (malformed JSON)", e.body_text()))
    })
}

fn created<T: Serialize>(v: T) -> ApiResult {
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

fn ok<T: Serialize>(v: T) -> ApiResult {
    Ok(Json(v).into_response())
}

/// `{"id": …}`
#[derive(Serialize)]
pub struct Created {
    pub id: i64,
}

/// A new catalogue entry.
#[derive(Deserialize)]
pub struct ResourceBody {
    /// `base`, `expert`, `work` or `mobile`.
    pub kind: String,
    pub name: String,
    /// The region code (6 digits for a county, 9 for a township …).
    pub region: String,
    #[serde(default)]
    pub address: String,
    /// Key groups, comma separated (`youth,elderly` or 青少年、老年人).
    #[serde(default)]
    pub groups: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub owner_unit_id: Option<i64>,
}

async fn create_resource(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    b: Result<Json<ResourceBody>, JsonRejection>,
) -> ApiResult {
    kesu_app::services::require_admin(&user(&caller, None))?;
    let b = body(b)?;
    let s = services(&state)?;
    let input = ResourceInput {
        kind: b.kind,
        name: b.name,
        region: b.region,
        address: b.address,
        groups: b.groups,
        description: b.description,
        owner_unit_id: b.owner_unit_id,
    };
    let id = catalogue::create(&s, &user(&caller, ip), &input).await?;
    created(Created { id })
}

#[derive(Deserialize, Default)]
pub struct ResourceQuery {
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub page: Option<i64>,
}

#[derive(Serialize)]
pub struct ResourceList {
    pub resources: Vec<ResourceView>,
}

async fn list_resources(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Query(q): Query<ResourceQuery>,
) -> ApiResult {
    let s = services(&state)?;
    let resources = catalogue::search(
        &s,
        &anyone(&caller, None),
        &catalogue::Query {
            region: q.region,
            kind: q.kind,
            text: q.q,
            page: q.page.unwrap_or(0),
        },
    )
    .await?;
    ok(ResourceList { resources })
}

async fn get_resource(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Path(id): Path<i64>,
) -> ApiResult {
    let s = services(&state)?;
    ok(catalogue::get(&s, &anyone(&caller, None), id).await?)
}

/// A new visit slot.
#[derive(Deserialize)]
pub struct SlotBody {
    pub resource_id: i64,
    /// RFC 3339 (`2025-05-10T09:00:00+08:00`).
    #[serde(with = "time::serde::rfc3339")]
    pub start: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub end: OffsetDateTime,
    pub capacity: i64,
}

async fn create_slot(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    b: Result<Json<SlotBody>, JsonRejection>,
) -> ApiResult {
    kesu_app::services::require_admin(&user(&caller, None))?;
    let b = body(b)?;
    let s = services(&state)?;
    let id = bookings::create_slot(
        &s,
        &user(&caller, ip),
        &NewSlot {
            resource_id: b.resource_id,
            starts_at: b.start,
            ends_at: b.end,
            capacity: b.capacity,
        },
    )
    .await?;
    created(Created { id })
}

async fn get_slot(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Path(id): Path<i64>,
) -> ApiResult {
    let s = services(&state)?;
    let v: SlotView = bookings::slot(&s, &anyone(&caller, None), id).await?;
    ok(v)
}

/// A new activity.
#[derive(Deserialize)]
pub struct ActivityBody {
    pub title: String,
    pub kind: String,
    pub region: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub resource_id: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    pub start: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub end: OffsetDateTime,
    /// Registration places (0: no registration).
    #[serde(default)]
    pub capacity: i64,
}

async fn create_activity(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    b: Result<Json<ActivityBody>, JsonRejection>,
) -> ApiResult {
    kesu_app::services::require_admin(&user(&caller, None))?;
    let b = body(b)?;
    let s = services(&state)?;
    let id = checkin::create_activity(
        &s,
        &user(&caller, ip),
        &NewActivity {
            input: ActivityInput {
                title: b.title,
                kind: b.kind,
                region: b.region,
                place: b.place,
                group: b.group,
                organiser_unit_id: None,
                resource_id: b.resource_id,
            },
            starts_at: b.start,
            ends_at: b.end,
            capacity: b.capacity,
        },
    )
    .await?;
    created(Created { id })
}

#[derive(Deserialize, Default)]
pub struct ActivityQuery {
    #[serde(default)]
    pub region: Option<String>,
    /// ISO date (`2025-05-01`); default today.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub days: Option<i64>,
}

#[derive(Serialize)]
pub struct ActivityList {
    pub activities: Vec<ActivityView>,
}

async fn list_activities(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Query(q): Query<ActivityQuery>,
) -> ApiResult {
    let s = services(&state)?;
    let from: Date = match q.from.as_deref() {
        Some(d) if !d.is_empty() => crate::pages::parse_date(d, "from")?,
        _ => s.ctx.today(),
    };
    let activities = checkin::calendar(
        &s,
        &anyone(&caller, None),
        q.region.as_deref(),
        from,
        q.days.unwrap_or(31),
    )
    .await?;
    ok(ActivityList { activities })
}

/// A booking by a citizen (no account).
#[derive(Deserialize)]
pub struct BookingBody {
    pub slot_id: i64,
    pub name: String,
    pub phone: String,
    pub people: i64,
    /// A school or other group: then 6–100 people, waiting for approval.
    #[serde(default)]
    pub organisation: Option<String>,
    #[serde(default)]
    pub pupil_code: Option<String>,
}

async fn book(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    b: Result<Json<BookingBody>, JsonRejection>,
) -> ApiResult {
    let b = body(b)?;
    let s = services(&state)?;
    let v: BookingView = bookings::book(
        &s,
        &public(ip.clone()),
        &BookInput {
            slot_id: b.slot_id,
            name: b.name,
            phone: b.phone,
            people: b.people,
            organisation: b.organisation,
            pupil_code: b.pupil_code,
        },
        ip.as_deref(),
    )
    .await?;
    created(v)
}

async fn get_booking(State(state): State<AppState>, Path(code): Path<String>) -> ApiResult {
    let s = services(&state)?;
    ok(bookings::by_code(&s, &code).await?)
}

async fn cancel_booking(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
) -> ApiResult {
    let s = services(&state)?;
    ok(bookings::cancel_by_code(&s, &public(ip), &code).await?)
}

/// Where a check-in happens.
#[derive(Deserialize)]
pub struct PlaceBody {
    /// `activity` or `base`.
    pub at: String,
    pub id: i64,
}

impl PlaceBody {
    fn place(&self) -> Result<Place, AppError> {
        match self.at.as_str() {
            "activity" => Ok(Place::Activity(self.id)),
            "base" => Ok(Place::Base(self.id)),
            _ => Err(AppError::Invalid(
                "place.at 应为 activity 或 base (unknown place)".into(),
            )),
        }
    }
}

/// A scan at a place.
#[derive(Deserialize)]
pub struct CheckinBody {
    pub code: String,
    pub place: PlaceBody,
    /// The venue's key from its QR poster (citizens checking themselves in).
    #[serde(default)]
    pub venue_key: Option<String>,
    /// The client's key for this scan: the same key sent again counts once.
    pub key: String,
    /// When a queued scan happened (RFC 3339), by the client's clock.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub scanned_at: Option<OffsetDateTime>,
}

/// The answer to a scan.
#[derive(Serialize)]
pub struct CheckinReply {
    pub outcome: Outcome,
    pub counted: bool,
    pub message: String,
    pub booking: BookingView,
}

async fn checkin_with(
    state: &AppState,
    caller: &kesu_app::Caller,
    b: CheckinBody,
    ip: Option<&str>,
) -> ApiResult {
    let s = services(state)?;
    let input = CheckInInput {
        code: b.code,
        place: b.place.place()?,
        venue_key: b.venue_key,
        client_key: b.key,
        scanned_at: b.scanned_at,
    };
    let r = checkin::check_in(&s, caller, &input, ip).await?;
    ok(CheckinReply {
        message: crate::pages::services::checkin_message(&r.outcome, &r.booking),
        outcome: r.outcome,
        counted: r.counted,
        booking: r.booking,
    })
}

async fn public_checkin(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    b: Result<Json<CheckinBody>, JsonRejection>,
) -> ApiResult {
    let b = body(b)?;
    checkin_with(&state, &public(ip.clone()), b, ip.as_deref()).await
}

async fn staff_checkin(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    b: Result<Json<CheckinBody>, JsonRejection>,
) -> ApiResult {
    let b = body(b)?;
    checkin_with(&state, &user(&caller, ip), b, None).await
}

/// A new service order; `name` and `phone` when asked without an account.
#[derive(Deserialize)]
pub struct OrderBody {
    pub title: String,
    pub detail: String,
    pub region: String,
    #[serde(default)]
    pub category: String,
    /// ISO date.
    #[serde(default)]
    pub wanted_on: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
}

/// A new order: its id, and (asked without an account) the code to follow it by.
#[derive(Serialize)]
pub struct OrderCreated {
    pub id: i64,
    pub code: Option<String>,
}

async fn ask(
    State(state): State<AppState>,
    caller: MaybeCaller,
    ClientIp(ip): ClientIp,
    b: Result<Json<OrderBody>, JsonRejection>,
) -> ApiResult {
    let b = body(b)?;
    let s = services(&state)?;
    let wanted_on = match b.wanted_on.as_deref() {
        Some(d) if !d.is_empty() => Some(crate::pages::parse_date(d, "wanted_on")?),
        _ => None,
    };
    let a = orders::ask(
        &s,
        &anyone(&caller, ip.clone()),
        &AskInput {
            order: OrderInput {
                title: b.title,
                detail: b.detail,
                region: b.region,
                category: b.category,
                wanted_on,
            },
            name: b.name,
            phone: b.phone,
        },
        ip.as_deref(),
    )
    .await?;
    created(OrderCreated {
        id: a.id,
        code: a.code,
    })
}

#[derive(Deserialize, Default)]
pub struct CodeQuery {
    /// The asker's code (asked without an account).
    #[serde(default)]
    pub code: Option<String>,
}

async fn get_order(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Path(id): Path<i64>,
    Query(q): Query<CodeQuery>,
) -> ApiResult {
    let s = services(&state)?;
    let v: OrderView = orders::get(&s, &anyone(&caller, None), id, q.code.as_deref()).await?;
    ok(v)
}

/// A step on an order.
#[derive(Deserialize, Default)]
pub struct StepBody {
    /// The version the client last saw (a stale one is 409).
    #[serde(default)]
    pub version: Option<i64>,
    /// The asker's code (asked without an account).
    #[serde(default)]
    pub code: Option<String>,
    #[serde(flatten)]
    pub fields: crate::pages::services::StepFields,
}

async fn order_step(
    State(state): State<AppState>,
    caller: MaybeCaller,
    ClientIp(ip): ClientIp,
    Path((id, step)): Path<(i64, String)>,
    b: Result<Json<StepBody>, JsonRejection>,
) -> ApiResult {
    // A step the table does not have is a path that does not exist.
    if !crate::pages::services::StepFields::NAMES.contains(&step.as_str()) {
        return Err(AppError::NotFound.into());
    }
    let b = body(b)?;
    let s = services(&state)?;
    let st = b.fields.step(&step)?;
    let v = orders::step(
        &s,
        &anyone(&caller, ip),
        id,
        &st,
        b.version,
        b.code.as_deref(),
    )
    .await?;
    ok(v)
}

#[derive(Deserialize, Default)]
pub struct StatsQuery {
    #[serde(default)]
    pub region: Option<String>,
}

async fn get_stats(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<StatsQuery>,
) -> ApiResult {
    let s = services(&state)?;
    ok(stats::stats(&s, &user(&caller, None), q.region.as_deref()).await?)
}

/// The OpenAPI description of these paths (merged into the API's document).
pub fn document(doc: &mut serde_json::Value) {
    use serde_json::json;
    let err = json!({"description": "错误", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let errors = |ok_code: &str, desc: &str| {
        let mut m = serde_json::Map::new();
        m.insert(ok_code.into(), json!({"description": desc, "content": {"application/json": {"schema": {"type": "object"}}}}));
        for c in ["400", "401", "403", "404", "409", "422", "429"] {
            m.insert(c.into(), err.clone());
        }
        serde_json::Value::Object(m)
    };
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}});
    let code = json!({"name": "code", "in": "path", "required": true, "schema": {"type": "string", "example": "K7Q-M3X-PAC"}});
    let body = |props: serde_json::Value, required: &[&str]| json!({"required": true, "content": {"application/json": {"schema": {"type": "object", "required": required, "properties": props}}}});
    let time = json!({"type": "string", "format": "date-time"});
    let paths = json!({
        "/resources": {
            "get": {"summary": "查找科普资源（公众：已公开；管理员：本辖区）", "security": [],
                "parameters": [{"name": "region", "in": "query", "schema": {"type": "string"}},
                               {"name": "kind", "in": "query", "schema": {"type": "string", "enum": ["base", "expert", "work", "mobile"]}},
                               {"name": "q", "in": "query", "schema": {"type": "string"}},
                               {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 0}}],
                "responses": errors("200", "资源列表")},
            "post": {"summary": "加入资源名录（管理员）",
                "requestBody": body(json!({"kind": {"type": "string", "enum": ["base", "expert", "work", "mobile"]},
                    "name": {"type": "string"}, "region": {"type": "string"}, "address": {"type": "string"},
                    "groups": {"type": "string"}, "description": {"type": "string"},
                    "owner_unit_id": {"type": "integer", "format": "int64", "nullable": true}}), &["kind", "name", "region"]),
                "responses": errors("201", "{\"id\"}")}},
        "/resources/{id}": {"get": {"summary": "资源详情", "security": [], "parameters": [id.clone()], "responses": errors("200", "资源")}},
        "/slots": {"post": {"summary": "开放参观时段（管理员）",
            "requestBody": body(json!({"resource_id": {"type": "integer", "format": "int64"}, "start": time, "end": time,
                "capacity": {"type": "integer", "minimum": 1}}), &["resource_id", "start", "end", "capacity"]),
            "responses": errors("201", "{\"id\"}")}},
        "/slots/{id}": {"get": {"summary": "时段的容量与已约人数", "security": [], "parameters": [id.clone()], "responses": errors("200", "时段")}},
        "/activities": {
            "get": {"summary": "活动日历", "security": [],
                "parameters": [{"name": "region", "in": "query", "schema": {"type": "string"}},
                               {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
                               {"name": "days", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 366}}],
                "responses": errors("200", "活动列表")},
            "post": {"summary": "新增活动（管理员）",
                "requestBody": body(json!({"title": {"type": "string"}, "kind": {"type": "string"}, "region": {"type": "string"},
                    "place": {"type": "string"}, "group": {"type": "string"}, "resource_id": {"type": "integer", "format": "int64", "nullable": true},
                    "start": time, "end": time, "capacity": {"type": "integer", "minimum": 0}}), &["title", "kind", "region", "start", "end"]),
                "responses": errors("201", "{\"id\"}")}},
        "/public/bookings": {"post": {"summary": "预约（无需账户；按地址和手机号限流）", "security": [],
            "requestBody": body(json!({"slot_id": {"type": "integer", "format": "int64"}, "name": {"type": "string"},
                "phone": {"type": "string"}, "people": {"type": "integer", "minimum": 1},
                "organisation": {"type": "string", "nullable": true}, "pupil_code": {"type": "string", "nullable": true}}),
                &["slot_id", "name", "phone", "people"]),
            "responses": errors("201", "预约（含预约码）；约满为 409")}},
        "/public/bookings/{code}": {"get": {"summary": "凭预约码查看预约", "security": [], "parameters": [code.clone()], "responses": errors("200", "预约")}},
        "/public/bookings/{code}/cancel": {"post": {"summary": "凭预约码取消", "security": [], "parameters": [code], "responses": errors("200", "预约")}},
        "/public/checkins": {"post": {"summary": "现场自助签到（需现场二维码中的 venue_key；同一 key 重复提交只计一次）", "security": [],
            "requestBody": body(json!({"code": {"type": "string"}, "place": {"type": "object", "required": ["at", "id"], "properties": {
                "at": {"type": "string", "enum": ["activity", "base"]}, "id": {"type": "integer", "format": "int64"}}},
                "venue_key": {"type": "string"}, "key": {"type": "string", "minLength": 8, "maxLength": 64},
                "scanned_at": {"type": "string", "format": "date-time", "nullable": true}}), &["code", "place", "key"]),
            "responses": errors("200", "签到结果")}},
        "/checkins": {"post": {"summary": "工作人员签到",
            "requestBody": body(json!({"code": {"type": "string"}, "place": {"type": "object", "required": ["at", "id"], "properties": {
                "at": {"type": "string", "enum": ["activity", "base"]}, "id": {"type": "integer", "format": "int64"}}},
                "key": {"type": "string", "minLength": 8, "maxLength": 64}}), &["code", "place", "key"]),
            "responses": errors("200", "签到结果")}},
        "/orders": {"post": {"summary": "点单（登录账户，或公众填写姓名和手机号）", "security": [],
            "requestBody": body(json!({"title": {"type": "string"}, "detail": {"type": "string"}, "region": {"type": "string"},
                "category": {"type": "string"}, "wanted_on": {"type": "string", "format": "date", "nullable": true},
                "name": {"type": "string"}, "phone": {"type": "string"}}), &["title", "detail", "region"]),
            "responses": errors("201", "{\"id\", \"code\"}")}},
        "/orders/{id}": {"get": {"summary": "工单详情（工单各方与辖区管理员）", "security": [],
            "parameters": [id.clone(), {"name": "code", "in": "query", "schema": {"type": "string"}}],
            "responses": errors("200", "工单")}},
        "/orders/{id}/{step}": {"post": {"summary": "办理工单：dispatch 派单、claim 领单、accept 接单、complete 完成、rate 评价、reject 驳回、return 退回、withdraw 撤回", "security": [],
            "parameters": [id, {"name": "step", "in": "path", "required": true, "schema": {"type": "string",
                "enum": ["dispatch", "claim", "accept", "complete", "rate", "reject", "return", "withdraw"]}}],
            "requestBody": body(json!({"version": {"type": "integer", "format": "int64"}, "code": {"type": "string"},
                "to": {"type": "string", "enum": ["department", "teams"]}, "unit_id": {"type": "integer", "format": "int64"},
                "team_id": {"type": "integer", "format": "int64"}, "reason": {"type": "string"}, "report": {"type": "string"},
                "stars": {"type": "integer", "minimum": 1, "maximum": 5}, "comment": {"type": "string"}}), &[]),
            "responses": errors("200", "工单")}},
        "/services/stats": {"get": {"summary": "科普服务统计（自动取数的指标值）",
            "parameters": [{"name": "region", "in": "query", "schema": {"type": "string"}}],
            "responses": errors("200", "统计")}}
    });
    if let (Some(all), Some(mine)) = (doc["paths"].as_object_mut(), paths.as_object()) {
        for (k, v) in mine {
            all.insert(k.clone(), v.clone());
        }
    }
}
