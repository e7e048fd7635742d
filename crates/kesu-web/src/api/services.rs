//! The services' JSON API (科普服务): the catalogue, visit slots and bookings, activities and
//! check-ins, service orders and the statistics. Bodies are the types of
//! [`super::types::services`]. Offices sign in as for the rest of the API; `/public/…` needs no
//! account (throttled per client address, and bookings per phone), and the catalogue, the
//! calendar and service orders answer both: a citizen sees what is published, an office what
//! it covers.

use super::extract::{ApiJson, ApiQuery, Id};
use super::types::ErrorBody;
use super::types::services::{
    ActivityList, ActivityParams, ActivityRequest, Booking, BookingRequest, CheckinReply,
    CheckinRequest, Created, DispatchTo, OrderCreated, OrderDetail, OrderParams, OrderRequest,
    OrderStep, PlaceKind, Resource, ResourceList, ResourceParams, ResourceRequest, Slot,
    SlotRequest, Stats, StatsParams, StepRequest,
};
use crate::AppState;
use crate::auth::{Caller, ClientIp, MaybeCaller};
use crate::error::{ApiError, AppError};
use crate::pages::services::{StepFields, anyone, public, services, user};
use crate::routes::Routes;
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kesu_app::services::bookings::{self, BookInput, NewSlot};
use kesu_app::services::catalogue;
use kesu_app::services::checkin::{self, CheckInInput, NewActivity};
use kesu_app::services::orders::{self, AskInput};
use kesu_app::services::stats;
use kesu_services::catalogue::ResourceInput;
use kesu_services::checkin::{ActivityInput, Place};
use kesu_services::order::OrderInput;
use time::OffsetDateTime;
use utoipa_axum::routes;

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .routes(routes!(list_resources, create_resource))
        .routes(routes!(get_resource))
        .routes(routes!(create_slot))
        .routes(routes!(get_slot))
        .routes(routes!(list_activities, create_activity))
        .routes(routes!(book))
        .routes(routes!(get_booking))
        .routes(routes!(cancel_booking))
        .routes(routes!(public_checkin))
        .routes(routes!(staff_checkin))
        .routes(routes!(ask))
        .routes(routes!(get_order))
        .routes(routes!(order_step))
        .routes(routes!(get_stats))
}

type ApiResult<T> = Result<Json<T>, ApiError>;

fn created<T: serde::Serialize>(v: T) -> Result<Response, ApiError> {
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// An instant of a request (RFC 3339), or the refusal naming its field.
fn instant(s: &str, field: &str) -> Result<OffsetDateTime, AppError> {
    OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339).map_err(|_| {
        AppError::InvalidField {
            field: field.to_string(),
            message: format!(
                "{field}“{s}”不是有效时刻，应为 2026-05-10T09:00:00+08:00 (not an RFC 3339 instant)"
            ),
        }
    })
}

/// The booking code of a path.
fn code(p: Result<Path<String>, PathRejection>) -> Result<String, AppError> {
    p.map(|Path(c)| c)
        .map_err(|e| AppError::BadRequest(format!("路径无效：{} (bad path)", e.body_text())))
}

/// 查找科普资源 (find resources)
///
/// The public sees published resources; an office also its subtree's unpublished ones.
#[utoipa::path(
    get, path = "/resources", tag = "services", operation_id = "list_resources",
    security((), ("session" = [])),
    params(ResourceParams),
    responses(
        (status = 200, description = "资源 (resources)", body = ResourceList),
        (status = 422, description = "地区或类别无效 (bad region or kind)", body = ErrorBody),
    ),
)]
async fn list_resources(
    State(state): State<AppState>,
    caller: MaybeCaller,
    ApiQuery(q): ApiQuery<ResourceParams>,
) -> ApiResult<ResourceList> {
    // The pages send an empty kind for 全部; over the API a kind is one of the enum or absent.
    if q.kind.as_deref().is_some_and(str::is_empty) {
        return Err(kesu_app::Error::invalid_field("kind", "类别无效 (unknown kind)").into());
    }
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
    Ok(Json(ResourceList {
        resources: resources.into_iter().map(Into::into).collect(),
    }))
}

/// 加入资源名录 (add a resource)
///
/// For an admin, in its own subtree.
#[utoipa::path(
    post, path = "/resources", tag = "services", operation_id = "create_resource",
    request_body = ResourceRequest,
    responses(
        (status = 201, description = "已加入 (added)", body = Created),
        (status = 403, description = "不是管理员 (not an admin)", body = ErrorBody),
        (status = 404, description = "地区不在权限范围内 (region out of scope)", body = ErrorBody),
        (status = 422, description = "字段无效 (bad field)", body = ErrorBody),
    ),
)]
async fn create_resource(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    b: Result<ApiJson<ResourceRequest>, ApiError>,
) -> Result<Response, ApiError> {
    // A reading role is 403 whatever the body.
    kesu_app::services::require_admin(&user(&caller, None))?;
    let ApiJson(b) = b?;
    let s = services(&state)?;
    let input = ResourceInput {
        kind: b.kind.as_str().to_string(),
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

/// 资源详情 (a resource)
#[utoipa::path(
    get, path = "/resources/{id}", tag = "services", operation_id = "get_resource",
    security((), ("session" = [])),
    params(("id" = i64, Path, description = "资源编号 (resource id)", example = 1)),
    responses(
        (status = 200, description = "资源 (the resource)", body = Resource),
        (status = 404, description = "未找到或未公开 (not found, or not published)", body = ErrorBody),
    ),
)]
async fn get_resource(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Id(id): Id,
) -> ApiResult<Resource> {
    let s = services(&state)?;
    Ok(Json(
        catalogue::get(&s, &anyone(&caller, None), id).await?.into(),
    ))
}

/// 开放参观时段 (open a visit slot)
///
/// For an admin over the base.
#[utoipa::path(
    post, path = "/slots", tag = "services", operation_id = "create_slot",
    request_body = SlotRequest,
    responses(
        (status = 201, description = "已开放 (opened)", body = Created),
        (status = 403, description = "不是管理员 (not an admin)", body = ErrorBody),
        (status = 404, description = "资源未找到或不在权限范围内 (resource not found or out of scope)", body = ErrorBody),
        (status = 422, description = "时刻或容量无效 (bad times or capacity)", body = ErrorBody),
    ),
)]
async fn create_slot(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    b: Result<ApiJson<SlotRequest>, ApiError>,
) -> Result<Response, ApiError> {
    kesu_app::services::require_admin(&user(&caller, None))?;
    let ApiJson(b) = b?;
    let s = services(&state)?;
    let id = bookings::create_slot(
        &s,
        &user(&caller, ip),
        &NewSlot {
            resource_id: b.resource_id,
            starts_at: instant(&b.start, "start")?,
            ends_at: instant(&b.end, "end")?,
            capacity: b.capacity,
        },
    )
    .await?;
    created(Created { id })
}

/// 时段 (a slot)
///
/// Its capacity and how many places are booked.
#[utoipa::path(
    get, path = "/slots/{id}", tag = "services", operation_id = "get_slot",
    security((), ("session" = [])),
    params(("id" = i64, Path, description = "时段编号 (slot id)", example = 1)),
    responses(
        (status = 200, description = "时段 (the slot)", body = Slot),
        (status = 404, description = "未找到或未公开 (not found, or not published)", body = ErrorBody),
    ),
)]
async fn get_slot(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Id(id): Id,
) -> ApiResult<Slot> {
    let s = services(&state)?;
    Ok(Json(
        bookings::slot(&s, &anyone(&caller, None), id).await?.into(),
    ))
}

/// 新增活动 (add an activity)
///
/// For an admin, in its own subtree.
#[utoipa::path(
    post, path = "/activities", tag = "services", operation_id = "create_activity",
    request_body = ActivityRequest,
    responses(
        (status = 201, description = "已新增 (added)", body = Created),
        (status = 403, description = "不是管理员 (not an admin)", body = ErrorBody),
        (status = 404, description = "地区不在权限范围内 (region out of scope)", body = ErrorBody),
        (status = 422, description = "字段无效 (bad field)", body = ErrorBody),
    ),
)]
async fn create_activity(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    b: Result<ApiJson<ActivityRequest>, ApiError>,
) -> Result<Response, ApiError> {
    kesu_app::services::require_admin(&user(&caller, None))?;
    let ApiJson(b) = b?;
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
            starts_at: instant(&b.start, "start")?,
            ends_at: instant(&b.end, "end")?,
            capacity: b.capacity,
        },
    )
    .await?;
    created(Created { id })
}

/// 活动日历 (the calendar)
///
/// Activities from a day on: the public's published ones, an office's in its subtree.
#[utoipa::path(
    get, path = "/activities", tag = "services", operation_id = "list_activities",
    security((), ("session" = [])),
    params(ActivityParams),
    responses(
        (status = 200, description = "活动 (activities)", body = ActivityList),
        (status = 422, description = "地区或日期无效 (bad region or day)", body = ErrorBody),
    ),
)]
async fn list_activities(
    State(state): State<AppState>,
    caller: MaybeCaller,
    ApiQuery(q): ApiQuery<ActivityParams>,
) -> ApiResult<ActivityList> {
    let s = services(&state)?;
    let from = match q.from.as_deref() {
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
    Ok(Json(ActivityList {
        activities: activities.into_iter().map(Into::into).collect(),
    }))
}

/// 预约 (book a visit)
///
/// No account: a name and a phone. Throttled per address and phone (429); a full slot is 409.
#[utoipa::path(
    post, path = "/public/bookings", tag = "services", operation_id = "book",
    security(()),
    request_body = BookingRequest,
    responses(
        (status = 201, description = "已预约，含预约码 (booked, with its code)", body = Booking),
        (status = 404, description = "时段未找到或未公开 (slot not found, or not published)", body = ErrorBody),
        (status = 409, description = "已约满或已取消 (full, or cancelled)", body = ErrorBody),
        (status = 422, description = "信息无效 (bad details)", body = ErrorBody),
        (status = 429, description = "过于频繁 (too many)", body = ErrorBody),
    ),
)]
async fn book(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(b): ApiJson<BookingRequest>,
) -> Result<Response, ApiError> {
    let s = services(&state)?;
    let v = bookings::book(
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
    created(Booking::from(v))
}

/// 查看预约 (a booking by its code)
#[utoipa::path(
    get, path = "/public/bookings/{code}", tag = "services", operation_id = "get_booking",
    security(()),
    params(("code" = String, Path, description = "预约码 (the booking's code)", example = "K7Q-M3X-PAC")),
    responses(
        (status = 200, description = "预约 (the booking)", body = Booking),
        (status = 404, description = "未找到 (not found)", body = ErrorBody),
    ),
)]
async fn get_booking(
    State(state): State<AppState>,
    c: Result<Path<String>, PathRejection>,
) -> ApiResult<Booking> {
    let c = code(c)?;
    let s = services(&state)?;
    Ok(Json(bookings::by_code(&s, &c).await?.into()))
}

/// 取消预约 (cancel a booking by its code)
#[utoipa::path(
    post, path = "/public/bookings/{code}/cancel", tag = "services", operation_id = "cancel_booking",
    security(()),
    params(("code" = String, Path, description = "预约码 (the booking's code)", example = "K7Q-M3X-PAC")),
    responses(
        (status = 200, description = "已取消 (cancelled)", body = Booking),
        (status = 404, description = "未找到 (not found)", body = ErrorBody),
        (status = 409, description = "已开始或已签到 (started, or checked in)", body = ErrorBody),
    ),
)]
async fn cancel_booking(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    c: Result<Path<String>, PathRejection>,
) -> ApiResult<Booking> {
    let c = code(c)?;
    let s = services(&state)?;
    Ok(Json(
        bookings::cancel_by_code(&s, &public(ip), &c).await?.into(),
    ))
}

async fn checkin_with(
    state: &AppState,
    caller: &kesu_app::Caller,
    b: CheckinRequest,
    ip: Option<&str>,
) -> ApiResult<CheckinReply> {
    let s = services(state)?;
    let scanned_at = match b.scanned_at.as_deref() {
        Some(t) => Some(instant(t, "scanned_at")?),
        None => None,
    };
    let input = CheckInInput {
        code: b.code,
        place: match b.place.at {
            PlaceKind::Activity => Place::Activity(b.place.id),
            PlaceKind::Base => Place::Base(b.place.id),
        },
        venue_key: b.venue_key,
        client_key: b.key,
        scanned_at,
    };
    let r = checkin::check_in(&s, caller, &input, ip).await?;
    Ok(Json(CheckinReply {
        message: crate::pages::services::checkin_message(&r.outcome, &r.booking),
        outcome: r.outcome.into(),
        counted: r.counted,
        booking: r.booking.into(),
    }))
}

/// 现场自助签到 (check oneself in)
///
/// With the venue's key from its QR poster; the same client key sent again counts once.
#[utoipa::path(
    post, path = "/public/checkins", tag = "services", operation_id = "public_checkin",
    security(()),
    request_body = CheckinRequest,
    responses(
        (status = 200, description = "签到结果 (the check-in)", body = CheckinReply),
        (status = 403, description = "现场码不对 (wrong venue key)", body = ErrorBody),
        (status = 404, description = "预约或地点未找到 (booking or place not found)", body = ErrorBody),
        (status = 409, description = "预约不在此处或已取消 (booking elsewhere, or cancelled)", body = ErrorBody),
        (status = 422, description = "字段无效 (bad field)", body = ErrorBody),
        (status = 429, description = "过于频繁 (too many)", body = ErrorBody),
    ),
)]
async fn public_checkin(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(b): ApiJson<CheckinRequest>,
) -> ApiResult<CheckinReply> {
    checkin_with(&state, &public(ip.clone()), b, ip.as_deref()).await
}

/// 工作人员签到 (check a visitor in)
///
/// Staff of the place's office scan a booking's code.
#[utoipa::path(
    post, path = "/checkins", tag = "services", operation_id = "staff_checkin",
    request_body = CheckinRequest,
    responses(
        (status = 200, description = "签到结果 (the check-in)", body = CheckinReply),
        (status = 403, description = "无权签到 (not allowed)", body = ErrorBody),
        (status = 404, description = "预约或地点未找到 (booking or place not found)", body = ErrorBody),
        (status = 409, description = "预约不在此处或已取消 (booking elsewhere, or cancelled)", body = ErrorBody),
        (status = 422, description = "字段无效 (bad field)", body = ErrorBody),
    ),
)]
async fn staff_checkin(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    ApiJson(b): ApiJson<CheckinRequest>,
) -> ApiResult<CheckinReply> {
    checkin_with(&state, &user(&caller, ip), b, None).await
}

/// 点单 (ask for a service)
///
/// Signed in, or without an account with a name and a phone (then the answer carries a code
/// to follow the order by). Throttled per address (429).
#[utoipa::path(
    post, path = "/orders", tag = "services", operation_id = "ask_service",
    security((), ("session" = [])),
    request_body = OrderRequest,
    responses(
        (status = 201, description = "已点单 (asked)", body = OrderCreated),
        (status = 404, description = "地区未找到 (region not found)", body = ErrorBody),
        (status = 422, description = "字段无效 (bad field)", body = ErrorBody),
        (status = 429, description = "过于频繁 (too many)", body = ErrorBody),
    ),
)]
async fn ask(
    State(state): State<AppState>,
    caller: MaybeCaller,
    ClientIp(ip): ClientIp,
    ApiJson(b): ApiJson<OrderRequest>,
) -> Result<Response, ApiError> {
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

/// 工单详情 (an order)
///
/// For its parties and the admins over its region; an asker without an account gives its code.
#[utoipa::path(
    get, path = "/orders/{id}", tag = "services", operation_id = "get_order",
    security((), ("session" = [])),
    params(("id" = i64, Path, description = "工单编号 (order id)", example = 1), OrderParams),
    responses(
        (status = 200, description = "工单 (the order)", body = OrderDetail),
        (status = 404, description = "未找到或无权查看 (not found, or not the caller's)", body = ErrorBody),
    ),
)]
async fn get_order(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Id(id): Id,
    ApiQuery(q): ApiQuery<OrderParams>,
) -> ApiResult<OrderDetail> {
    let s = services(&state)?;
    Ok(Json(
        orders::get(&s, &anyone(&caller, None), id, q.code.as_deref())
            .await?
            .into(),
    ))
}

/// 办理工单 (a step on an order)
///
/// dispatch 派单, claim 领单, accept 接单, complete 完成, rate 评价, reject 驳回, return 退回,
/// withdraw 撤回 — each for the party whose turn it is.
#[utoipa::path(
    post, path = "/orders/{id}/{step}", tag = "services", operation_id = "order_step",
    security((), ("session" = [])),
    params(
        ("id" = i64, Path, description = "工单编号 (order id)", example = 1),
        ("step" = OrderStep, Path, description = "步骤 (the step)"),
    ),
    request_body = StepRequest,
    responses(
        (status = 200, description = "工单 (the order after the step)", body = OrderDetail),
        (status = 403, description = "不是该方或不能走这一步 (not the party whose turn it is)", body = ErrorBody),
        (status = 404, description = "未找到或无权查看 (not found, or not the caller's)", body = ErrorBody),
        (status = 409, description = "版本过期或状态不允许 (stale version or state)", body = ErrorBody),
        (status = 422, description = "字段无效 (bad field)", body = ErrorBody),
    ),
)]
async fn order_step(
    State(state): State<AppState>,
    caller: MaybeCaller,
    ClientIp(ip): ClientIp,
    p: Result<Path<(String, String)>, PathRejection>,
    b: Result<ApiJson<StepRequest>, ApiError>,
) -> ApiResult<OrderDetail> {
    let Path((id, step)) =
        p.map_err(|e| AppError::BadRequest(format!("路径无效：{} (bad path)", e.body_text())))?;
    // An id that is not a number names nothing (as `extract::Id`).
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    // A step the table does not have is a path that does not exist, whatever the body.
    if !StepFields::NAMES.contains(&step.as_str()) {
        return Err(AppError::NotFound.into());
    }
    let ApiJson(b) = b?;
    let fields = StepFields {
        to: match b.to {
            Some(DispatchTo::Teams) => "teams".into(),
            Some(DispatchTo::Department) => "department".into(),
            None => String::new(),
        },
        unit_id: b.unit_id,
        team_id: b.team_id,
        reason: b.reason,
        report: b.report,
        stars: match b.stars {
            None => None,
            Some(n) => Some(u8::try_from(n).map_err(|_| AppError::InvalidField {
                field: "stars".into(),
                message: "评分应为 1 到 5 星 (stars: 1 to 5)".into(),
            })?),
        },
        comment: b.comment,
    };
    let s = services(&state)?;
    let st = fields.step(&step)?;
    Ok(Json(
        orders::step(
            &s,
            &anyone(&caller, ip),
            id,
            &st,
            b.version,
            b.code.as_deref(),
        )
        .await?
        .into(),
    ))
}

/// 科普服务统计 (the services' statistics)
///
/// The figures the indicators take automatically, for an office's region (or a part of it).
#[utoipa::path(
    get, path = "/services/stats", tag = "services", operation_id = "services_stats",
    params(StatsParams),
    responses(
        (status = 200, description = "统计 (the figures)", body = Stats),
        (status = 403, description = "不是机关账户 (not an office account)", body = ErrorBody),
        (status = 404, description = "地区不在权限范围内 (region out of scope)", body = ErrorBody),
        (status = 422, description = "地区无效 (bad region)", body = ErrorBody),
    ),
)]
async fn get_stats(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<StatsParams>,
) -> ApiResult<Stats> {
    let s = services(&state)?;
    Ok(Json(
        stats::stats(&s, &user(&caller, None), q.region.as_deref())
            .await?
            .into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_of_the_document_is_a_step_of_the_rules() {
        use OrderStep::*;
        let doc = [
            Dispatch, Reject, Claim, Return, Accept, Complete, Rate, Withdraw,
        ];
        let names: Vec<&str> = doc.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, StepFields::NAMES);
    }
}
