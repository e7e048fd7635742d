//! The shapes of the services' API (科普服务): the resource catalogue, visit slots and
//! bookings, activities and check-ins, service orders and the statistics. Citizens book, check
//! themselves in and ask for a service without an account; names and phones leave masked.
//!
//! Instants in requests are RFC 3339 strings checked by the handler (a bad one is 422 naming
//! the field), so that every string the schema admits reaches the rules.

use super::{iso_date, whole};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};

/// The id of what was created.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Created {
    #[schema(example = 7)]
    pub id: i64,
}

/// 资源类别: a science base, an expert, a work (book, video …) or a mobile facility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ResourceKind {
    Base,
    Expert,
    Work,
    Mobile,
}

impl ResourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Base => "base",
            ResourceKind::Expert => "expert",
            ResourceKind::Work => "work",
            ResourceKind::Mobile => "mobile",
        }
    }
}

/// 加入资源名录: a new catalogue entry.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"kind": "base", "name": "娄星区科技馆", "region": "431302"}))]
pub struct ResourceRequest {
    pub kind: ResourceKind,
    pub name: String,
    /// The region code (6 digits for a county, 9 for a township …), in the caller's subtree.
    #[schema(example = "431302")]
    pub region: String,
    #[serde(default)]
    pub address: String,
    /// Key groups, comma separated (`youth,elderly` or 青少年、老年人).
    #[serde(default)]
    pub groups: String,
    #[serde(default)]
    pub description: String,
    /// The unit that runs it.
    #[serde(default, deserialize_with = "whole::option")]
    pub owner_unit_id: Option<i64>,
}

/// Which resources to list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResourceParams {
    /// A region code: the resources of its subtree.
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    #[param(value_type = Option<ResourceKind>)]
    pub kind: Option<String>,
    /// Words of the name, address or description.
    #[serde(default)]
    pub q: Option<String>,
    /// 0, 1, 2 … (fixed-size pages).
    #[serde(default)]
    pub page: Option<i64>,
}

/// The level of a certified science base (科普教育基地).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BaseLevel {
    National,
    Provincial,
    City,
    County,
}

impl From<kesu_services::catalogue::BaseLevel> for BaseLevel {
    fn from(l: kesu_services::catalogue::BaseLevel) -> Self {
        use kesu_services::catalogue::BaseLevel as L;
        match l {
            L::National => BaseLevel::National,
            L::Provincial => BaseLevel::Provincial,
            L::City => BaseLevel::City,
            L::County => BaseLevel::County,
        }
    }
}

/// Where a base stands today (认定状态).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum BaseStatus {
    /// Not (yet) certified: an ordinary venue.
    Uncertified,
    /// Certified and in force until `until`.
    Active {
        level: BaseLevel,
        #[serde(with = "iso_date")]
        until: Date,
    },
    /// The certification ran out on `on`.
    Expired {
        #[serde(with = "iso_date")]
        on: Date,
    },
    /// A failed review of `year` ended it on `on`.
    DroppedOut {
        year: i32,
        #[serde(with = "iso_date")]
        on: Date,
    },
}

impl From<kesu_services::catalogue::BaseStatus> for BaseStatus {
    fn from(s: kesu_services::catalogue::BaseStatus) -> Self {
        use kesu_services::catalogue::BaseStatus as S;
        match s {
            S::Uncertified => BaseStatus::Uncertified,
            S::Active { level, until } => BaseStatus::Active {
                level: level.into(),
                until,
            },
            S::Expired { on } => BaseStatus::Expired { on },
            S::DroppedOut { year, on } => BaseStatus::DroppedOut { year, on },
        }
    }
}

/// A catalogue entry (科普资源).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Resource {
    #[schema(example = 7)]
    pub id: i64,
    #[schema(example = "base")]
    pub kind: String,
    #[schema(example = "科普基地")]
    pub kind_zh: String,
    pub name: String,
    #[schema(example = "431302")]
    pub region_code: String,
    pub region_name: String,
    pub address: String,
    /// Key groups (Chinese names).
    pub groups: Vec<String>,
    pub description: String,
    pub owner_unit_id: Option<i64>,
    /// Shown to the public.
    pub published: bool,
    pub status: BaseStatus,
    pub status_zh: String,
}

impl From<kesu_app::services::catalogue::ResourceView> for Resource {
    fn from(r: kesu_app::services::catalogue::ResourceView) -> Self {
        Resource {
            id: r.id,
            kind: r.kind,
            kind_zh: r.kind_zh.to_string(),
            name: r.name,
            region_code: r.region_code,
            region_name: r.region_name,
            address: r.address,
            groups: r.groups.into_iter().map(str::to_string).collect(),
            description: r.description,
            owner_unit_id: r.owner_unit_id,
            published: r.published,
            status: r.status.into(),
            status_zh: r.status_zh,
        }
    }
}

/// One page of resources.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ResourceList {
    pub resources: Vec<Resource>,
}

/// 开放参观时段: a new visit slot of a base.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"resource_id": 7, "start": "2026-05-10T09:00:00+08:00", "end": "2026-05-10T11:00:00+08:00", "capacity": 40}))]
pub struct SlotRequest {
    #[serde(deserialize_with = "whole::deserialize")]
    pub resource_id: i64,
    /// RFC 3339 (`2026-05-10T09:00:00+08:00`).
    #[schema(format = DateTime)]
    pub start: String,
    #[schema(format = DateTime)]
    pub end: String,
    /// Places (at least 1).
    #[serde(deserialize_with = "whole::deserialize")]
    pub capacity: i64,
}

/// A visit slot with its places.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Slot {
    pub id: i64,
    pub resource_id: Option<i64>,
    pub activity_id: Option<i64>,
    pub region_code: String,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    pub capacity: i64,
    pub booked: i64,
    pub left: i64,
    pub cancelled: bool,
    /// `2026-05-10 09:00–11:00` (China time).
    pub label: String,
}

impl From<kesu_app::services::bookings::SlotView> for Slot {
    fn from(s: kesu_app::services::bookings::SlotView) -> Self {
        Slot {
            id: s.id,
            resource_id: s.resource_id,
            activity_id: s.activity_id,
            region_code: s.region_code,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            capacity: s.capacity,
            booked: s.booked,
            left: s.left,
            cancelled: s.cancelled,
            label: s.label,
        }
    }
}

/// 新增活动: a new activity.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"title": "科技活动周开幕", "kind": "科技活动周", "region": "4313", "start": "2026-05-20T09:00:00+08:00", "end": "2026-05-20T12:00:00+08:00"}))]
pub struct ActivityRequest {
    pub title: String,
    /// 科技活动周, 科普日, 讲座 …
    pub kind: String,
    #[schema(example = "4313")]
    pub region: String,
    #[serde(default)]
    pub place: String,
    /// A key group (`youth` or 青少年), or empty for everyone.
    #[serde(default)]
    pub group: String,
    /// The base it takes place at.
    #[serde(default, deserialize_with = "whole::option")]
    pub resource_id: Option<i64>,
    /// RFC 3339.
    #[schema(format = DateTime)]
    pub start: String,
    #[schema(format = DateTime)]
    pub end: String,
    /// Registration places (0: no registration).
    #[serde(default, deserialize_with = "whole::deserialize")]
    pub capacity: i64,
}

/// Which activities to list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivityParams {
    /// A region code: the activities of its subtree.
    #[serde(default)]
    pub region: Option<String>,
    /// The first day (ISO 8601); today when left out or empty.
    #[serde(default)]
    #[param(schema_with = super::day_or_empty, example = "2026-05-01")]
    pub from: Option<String>,
    /// How many days from `from` (1 to 366; default 31).
    #[serde(default)]
    pub days: Option<i64>,
}

/// An activity of the calendar.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Activity {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub region_code: String,
    pub region_name: String,
    pub place: String,
    /// The key group it is for (Chinese), or empty.
    pub group_zh: String,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    pub label: String,
    pub cancelled: bool,
    pub cancel_reason: Option<String>,
    pub resource_id: Option<i64>,
    pub resource_name: Option<String>,
    pub organiser_unit_id: Option<i64>,
    /// Its registration places, when it takes registrations.
    pub slot: Option<Slot>,
}

impl From<kesu_app::services::checkin::ActivityView> for Activity {
    fn from(a: kesu_app::services::checkin::ActivityView) -> Self {
        Activity {
            id: a.id,
            title: a.title,
            kind: a.kind,
            region_code: a.region_code,
            region_name: a.region_name,
            place: a.place,
            group_zh: a.group_zh.to_string(),
            starts_at: a.starts_at,
            ends_at: a.ends_at,
            label: a.label,
            cancelled: a.cancelled,
            cancel_reason: a.cancel_reason,
            resource_id: a.resource_id,
            resource_name: a.resource_name,
            organiser_unit_id: a.organiser_unit_id,
            slot: a.slot.map(Into::into),
        }
    }
}

/// The calendar.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ActivityList {
    pub activities: Vec<Activity>,
}

/// 预约: a booking by a citizen (no account).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"slot_id": 3, "name": "张三", "phone": "13800000001", "people": 2}))]
pub struct BookingRequest {
    #[serde(deserialize_with = "whole::deserialize")]
    pub slot_id: i64,
    pub name: String,
    /// A mainland mobile number.
    pub phone: String,
    #[serde(deserialize_with = "whole::deserialize")]
    pub people: i64,
    /// A school or other group: then 6–100 people, waiting for approval.
    #[serde(default)]
    pub organisation: Option<String>,
    /// A pupil's code (研学), for a school's booking.
    #[serde(default)]
    pub pupil_code: Option<String>,
}

/// A booking, masked.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Booking {
    pub id: i64,
    /// The code to show, follow and cancel it by.
    #[schema(example = "K7Q-M3X-PAC")]
    pub code: String,
    #[schema(example = "confirmed")]
    pub state: String,
    pub state_zh: String,
    pub kind: String,
    pub organisation: Option<String>,
    pub people: i64,
    #[schema(example = "张*")]
    pub name_masked: String,
    #[schema(example = "138****0001")]
    pub phone_masked: String,
    pub reason: Option<String>,
    pub slot: Slot,
    /// What the booking is for: the base's or the activity's name, and its page.
    pub place_title: String,
    pub place_link: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub checked_in_at: Option<OffsetDateTime>,
    pub no_show: bool,
}

impl From<kesu_app::services::bookings::BookingView> for Booking {
    fn from(b: kesu_app::services::bookings::BookingView) -> Self {
        Booking {
            id: b.id,
            code: b.code,
            state: b.state,
            state_zh: b.state_zh.to_string(),
            kind: b.kind,
            organisation: b.organisation,
            people: b.people,
            name_masked: b.name_masked,
            phone_masked: b.phone_masked,
            reason: b.reason,
            slot: b.slot.into(),
            place_title: b.place_title,
            place_link: b.place_link,
            checked_in_at: b.checked_in_at,
            no_show: b.no_show,
        }
    }
}

/// Where a check-in happens: an activity or a base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PlaceKind {
    Activity,
    Base,
}

/// The place of a check-in.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct PlaceRequest {
    pub at: PlaceKind,
    #[serde(deserialize_with = "whole::deserialize")]
    pub id: i64,
}

/// 签到: a scan of a booking's code at a place.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"code": "K7Q-M3X-PAC", "place": {"at": "activity", "id": 4}, "venue_key": "9b2f…", "key": "9b2f-0001-aaaa"}))]
pub struct CheckinRequest {
    /// The booking's code.
    pub code: String,
    pub place: PlaceRequest,
    /// The venue's key from its QR poster (citizens checking themselves in).
    #[serde(default)]
    pub venue_key: Option<String>,
    /// The client's key for this scan (8–64 letters, digits, `-`, `_`): sent again, it
    /// counts once.
    pub key: String,
    /// When a queued scan happened (RFC 3339), by the client's clock.
    #[serde(default)]
    #[schema(format = DateTime)]
    pub scanned_at: Option<String>,
}

/// What a scan did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// A new check-in at `at` (`offline`: scanned while the client was offline).
    CheckedIn {
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
        offline: bool,
    },
    /// The same scan again (same key): already stored, counted once.
    Repeated {
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

impl From<kesu_services::checkin::Outcome> for Outcome {
    fn from(o: kesu_services::checkin::Outcome) -> Self {
        use kesu_services::checkin::Outcome as O;
        match o {
            O::CheckedIn { at, offline } => Outcome::CheckedIn { at, offline },
            O::Repeated { at } => Outcome::Repeated { at },
        }
    }
}

/// The answer to a scan.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CheckinReply {
    pub outcome: Outcome,
    /// Whether this scan counted (a repeat does not).
    pub counted: bool,
    /// For the person at the door.
    pub message: String,
    pub booking: Booking,
}

/// 点单: a new service order; `name` and `phone` when asked without an account.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"title": "社区科普讲座", "detail": "老年人防诈骗", "region": "431302001"}))]
pub struct OrderRequest {
    pub title: String,
    pub detail: String,
    pub region: String,
    #[serde(default)]
    pub category: String,
    /// The day wanted (ISO 8601), or empty.
    #[serde(default)]
    #[schema(schema_with = super::day_empty_or_null)]
    pub wanted_on: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
}

/// A new order: its id, and (asked without an account) the code to follow it by.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrderCreated {
    pub id: i64,
    pub code: Option<String>,
}

/// The asker's code, for an order asked without an account.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderParams {
    #[serde(default)]
    pub code: Option<String>,
}

/// A step on an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OrderStep {
    /// 派单 (to a department, or to the volunteer teams).
    Dispatch,
    /// 驳回.
    Reject,
    /// 领单.
    Claim,
    /// 退回.
    Return,
    /// 接单.
    Accept,
    /// 完成 (with a report).
    Complete,
    /// 评价 (stars and a comment).
    Rate,
    /// 撤回.
    Withdraw,
}

impl OrderStep {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStep::Dispatch => "dispatch",
            OrderStep::Reject => "reject",
            OrderStep::Claim => "claim",
            OrderStep::Return => "return",
            OrderStep::Accept => "accept",
            OrderStep::Complete => "complete",
            OrderStep::Rate => "rate",
            OrderStep::Withdraw => "withdraw",
        }
    }
}

/// Where a dispatched order goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DispatchTo {
    Department,
    Teams,
}

/// The fields of a step; each step reads those it needs.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct StepRequest {
    /// The version the client last saw (a stale one is 409).
    #[serde(default, deserialize_with = "whole::option")]
    pub version: Option<i64>,
    /// The asker's code (asked without an account).
    #[serde(default)]
    pub code: Option<String>,
    /// dispatch: to a department (`unit_id`) or to the teams.
    #[serde(default)]
    pub to: Option<DispatchTo>,
    #[serde(default, deserialize_with = "whole::option")]
    pub unit_id: Option<i64>,
    #[serde(default, deserialize_with = "whole::option")]
    pub team_id: Option<i64>,
    #[serde(default)]
    pub reason: String,
    /// complete: what was done.
    #[serde(default)]
    pub report: String,
    /// rate: 1 to 5.
    #[serde(default, deserialize_with = "whole::option")]
    pub stars: Option<i64>,
    #[serde(default)]
    pub comment: String,
}

/// A service order as the caller may see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrderDetail {
    pub order: Order,
    pub state_zh: String,
    /// Who must act next.
    pub waiting_for: Option<String>,
    pub overdue: bool,
    pub department_name: Option<String>,
    pub team_name: Option<String>,
    pub region_name: String,
    pub events: Vec<OrderEvent>,
    /// The caller's parties (asker, dispatcher, department, team).
    pub parties: Vec<String>,
    /// The steps the caller may take now.
    pub steps: Vec<String>,
}

/// A service order (服务工单).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Order {
    pub id: i64,
    pub title: String,
    pub detail: String,
    pub category: String,
    pub region_code: String,
    #[serde(with = "iso_date::option")]
    #[schema(value_type = Option<Date>)]
    pub wanted_on: Option<Date>,
    pub state: String,
    pub department_unit_id: Option<i64>,
    pub team_id: Option<i64>,
    pub dispatched_before: bool,
    /// In its state since.
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    pub asker_user_id: Option<i64>,
    pub asker_name_masked: String,
    pub asker_phone_masked: String,
    pub report: Option<String>,
    pub stars: Option<i32>,
    pub comment: Option<String>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A step taken on an order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrderEvent {
    pub id: i64,
    pub order_id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    pub party: String,
    pub step: String,
    pub from_state: String,
    pub to_state: String,
    pub text: Option<String>,
    pub late: bool,
}

impl From<kesu_app::services::orders::OrderView> for OrderDetail {
    fn from(v: kesu_app::services::orders::OrderView) -> Self {
        let o = v.order;
        OrderDetail {
            order: Order {
                id: o.id,
                title: o.title,
                detail: o.detail,
                category: o.category,
                region_code: o.region_code,
                wanted_on: o.wanted_on,
                state: o.state,
                department_unit_id: o.department_unit_id,
                team_id: o.team_id,
                dispatched_before: o.dispatched_before,
                since: o.since,
                due_at: o.due_at,
                asker_user_id: o.asker_user_id,
                asker_name_masked: o.asker_name_masked,
                asker_phone_masked: o.asker_phone_masked,
                report: o.report,
                stars: o.stars,
                comment: o.comment,
                version: o.version,
                created_at: o.created_at,
            },
            state_zh: v.state_zh.to_string(),
            waiting_for: v.waiting_for.map(str::to_string),
            overdue: v.overdue,
            department_name: v.department_name,
            team_name: v.team_name,
            region_name: v.region_name,
            events: v
                .events
                .into_iter()
                .map(|e| OrderEvent {
                    id: e.id,
                    order_id: e.order_id,
                    at: e.at,
                    actor: e.actor,
                    party: e.party,
                    step: e.step,
                    from_state: e.from_state,
                    to_state: e.to_state,
                    text: e.text,
                    late: e.late,
                })
                .collect(),
            parties: v
                .parties
                .into_iter()
                .map(|p| p.as_str().to_string())
                .collect(),
            steps: v.steps.into_iter().map(str::to_string).collect(),
        }
    }
}

/// Which region's statistics.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// A region code in the caller's subtree; the caller's own region when left out.
    #[serde(default)]
    pub region: Option<String>,
}

/// One figure of the services' statistics.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Figure {
    #[schema(example = "bookings")]
    pub key: String,
    pub zh: String,
    /// The value to date (a sum for counts, what stands now for stocks, this year's for
    /// coverage and funding); none without records.
    pub value: Option<f64>,
    /// How the value is formed, in words.
    pub basis: String,
    /// The records behind it.
    pub link: String,
}

/// The services' statistics of a region subtree (自动取数的指标值).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Stats {
    pub region: String,
    pub region_name: String,
    #[serde(with = "iso_date")]
    pub as_of: Date,
    pub figures: Vec<Figure>,
}

impl From<kesu_app::services::stats::Stats> for Stats {
    fn from(s: kesu_app::services::stats::Stats) -> Self {
        Stats {
            region: s.region,
            region_name: s.region_name,
            as_of: s.as_of,
            figures: s
                .figures
                .into_iter()
                .map(|f| Figure {
                    key: f.key.to_string(),
                    zh: f.zh,
                    value: f.value,
                    basis: f.basis.to_string(),
                    link: f.link,
                })
                .collect(),
        }
    }
}
