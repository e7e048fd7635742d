//! The shapes of the JSON API: every request and response body of `/api/v1`, and nothing else.
//!
//! These types are the API's contract. The OpenAPI document is generated from them
//! (`utoipa::ToSchema`), so a client generated from `/api/v1/openapi.json` gets them typed.
//! Domain and store types are never serialised directly: each is copied here by a `From`, so
//! that a change inside Kesu cannot silently change what integrators receive.
//!
//! Dates are ISO 8601 calendar dates (`"2026-01-15"`, the day in China), instants RFC 3339
//! (`"2026-01-15T08:30:00Z"`).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};

pub mod citizens;
pub mod plan_drafts;
pub mod services;

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// Integers of request bodies. JSON Schema counts `3.0` as the integer 3, and so do we: a
/// client that writes every number as a float is not refused.
mod whole {
    use serde::{Deserialize, Deserializer, de::Error};
    use serde_json::Number;

    /// The integer a JSON number stands for, if it is a whole one.
    pub fn of(n: &Number) -> Option<i64> {
        if let Some(i) = n.as_i64() {
            return Some(i);
        }
        // Within ±2^63 a whole float converts exactly.
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.223_372_036_854_776e18)
            .map(|f| f as i64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let n = Number::deserialize(d)?;
        of(&n).ok_or_else(|| D::Error::custom(format!("{n} 不是整数 (not an integer)")))
    }

    /// [`deserialize`] for an optional integer (`null` or left out: none).
    pub fn option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        match Option::<Number>::deserialize(d)? {
            None => Ok(None),
            Some(n) => of(&n)
                .map(Some)
                .ok_or_else(|| D::Error::custom(format!("{n} 不是整数 (not an integer)"))),
        }
    }
}

/// An optional day of a query: ISO 8601, or empty (= not given), as the HTML forms send it.
fn day_or_empty() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
    OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(0)),
        )
        .into()
}

/// An optional day of a body: ISO 8601, empty or `null` (= not given).
fn day_empty_or_null() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOf, Type};
    let utoipa::openapi::schema::Schema::OneOf(one) = day_or_empty() else {
        return day_or_empty();
    };
    let mut items = one.items;
    items.push(ObjectBuilder::new().schema_type(Type::Null).into());
    let mut o = OneOf::new();
    o.items = items;
    o.into()
}

// ---------------------------------------------------------------------------------------------
// Shared

/// 错误: the body of every 4xx and 5xx answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"error": {"code": "not_found", "message": "未找到 (not found)"}}))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable machine code: `unauthenticated`, `bad_credentials`, `throttled`, `forbidden`,
    /// `not_found`, `invalid`, `conflict`, `bad_request`, `too_large`, `too_many_requests`,
    /// `csrf`, `unavailable`, `timeout`, `internal`.
    #[schema(example = "not_found")]
    pub code: String,
    /// For people: Chinese, with the English gist in brackets.
    #[schema(example = "未找到 (not found)")]
    pub message: String,
    /// The request field the error is about, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "due")]
    pub field: Option<String>,
    /// The request's id, as in the `x-request-id` header and the server's log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// 已完成: an action that answers nothing else.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Done {
    #[schema(example = true)]
    pub ok: bool,
}

/// A role of an account (角色).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// 管理员 (an office: everything in its region subtree).
    Admin,
    /// 审核人.
    Reviewer,
    /// 填报人 (its own unit's tasks and reports).
    Reporter,
    /// 查看人.
    Viewer,
}

impl From<kesu_core::authz::Role> for Role {
    fn from(r: kesu_core::authz::Role) -> Self {
        use kesu_core::authz::Role as R;
        match r {
            R::Admin => Role::Admin,
            R::Reviewer => Role::Reviewer,
            R::Reporter => Role::Reporter,
            R::Viewer => Role::Viewer,
        }
    }
}

/// A unit's part in a task (任务分工).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TaskRole {
    /// 牵头单位: consolidates the task's reports.
    Lead,
    /// 配合单位.
    Cooperating,
    /// 责任单位.
    Responsible,
}

impl TaskRole {
    /// The role stored for a task's unit: `lead`, `cooperating`, anything else responsible.
    pub(crate) fn of(stored: &str) -> Self {
        use kesu_core::visibility::TaskRole as R;
        match R::parse(stored) {
            R::Lead => TaskRole::Lead,
            R::Cooperating => TaskRole::Cooperating,
            R::Responsible => TaskRole::Responsible,
        }
    }
}

/// The state of a report (填报状态).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    /// 未填报.
    NotStarted,
    /// 草稿.
    Draft,
    /// 已提交.
    Submitted,
    /// 已初审: the county office passed it up (县级初审); waiting for the round's office.
    #[serde(rename = "prereviewed")]
    PreReviewed,
    /// 已退回.
    Returned,
    /// 已通过.
    Accepted,
}

impl From<kesu_core::report::ReportState> for ReportState {
    fn from(s: kesu_core::report::ReportState) -> Self {
        use kesu_core::report::ReportState as S;
        match s {
            S::NotStarted => ReportState::NotStarted,
            S::Draft => ReportState::Draft,
            S::Submitted => ReportState::Submitted,
            S::PreReviewed => ReportState::PreReviewed,
            S::Returned => ReportState::Returned,
            S::Accepted => ReportState::Accepted,
        }
    }
}

/// The traffic light of a report against its round's due date (催报灯).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Light {
    /// Handed in, or not yet near the due date.
    Green,
    /// Not handed in, due within 3 days.
    Yellow,
    /// Not handed in and past the due date, or handed in late.
    Red,
}

impl From<kesu_core::report::Light> for Light {
    fn from(l: kesu_core::report::Light) -> Self {
        use kesu_core::report::Light as L;
        match l {
            L::Green => Light::Green,
            L::Yellow => Light::Yellow,
            L::Red => Light::Red,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Session

/// 登录.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"username": "city-admin", "password": "correct horse battery staple"}))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// The signed-in account (当前用户).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Me {
    #[schema(example = 3)]
    pub id: i64,
    #[schema(example = "city-admin")]
    pub username: String,
    #[schema(example = "市纲要办")]
    pub display_name: String,
    pub role: Role,
    /// The account's region (NBS division code).
    #[schema(example = "330100000000")]
    pub region: String,
    #[schema(example = "杭州市")]
    pub region_name: String,
    /// The account's unit, for a reporter.
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
}

impl From<&crate::auth::Caller> for Me {
    fn from(c: &crate::auth::Caller) -> Self {
        Me {
            id: c.actor.user_id,
            username: c.actor.username.clone(),
            display_name: c.display_name.clone(),
            role: c.actor.role.into(),
            region: c.actor.region.as_str().to_string(),
            region_name: c.region_name.clone(),
            unit_id: c.actor.unit_id,
            unit_name: c.unit_name.clone(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Plans and tasks

/// The plans the caller may see.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanList {
    pub plans: Vec<Plan>,
}

/// A plan (实施方案), as imported.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Plan {
    #[schema(example = 1)]
    pub id: i64,
    /// The region the plan is for.
    #[schema(example = "330100000000")]
    pub region_code: String,
    #[schema(example = "杭州市全民科学素质行动规划纲要实施方案（2021—2025年）")]
    pub title: String,
    /// 省级, 市级, 县级 …
    pub level: Option<String>,
    #[schema(example = 2021)]
    pub period_start: Option<i64>,
    #[schema(example = 2025)]
    pub period_end: Option<i64>,
    pub issuer: Option<String>,
    /// 1 for the first import; each changed document adds one.
    #[schema(example = 1)]
    pub revision: i64,
    /// The file the plan was read from.
    pub source_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub imported_at: OffsetDateTime,
    #[schema(example = 42)]
    pub task_count: i64,
}

impl From<kesu_store::plans::PlanRow> for Plan {
    fn from(p: kesu_store::plans::PlanRow) -> Self {
        Plan {
            id: p.id,
            region_code: p.region_code,
            title: p.title,
            level: p.level,
            period_start: p.period_start,
            period_end: p.period_end,
            issuer: p.issuer,
            revision: p.revision,
            source_name: p.source_name,
            imported_at: p.imported_at,
            task_count: p.task_count,
        }
    }
}

/// A plan's tasks the caller may see.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TaskList {
    #[schema(example = 1)]
    pub plan_id: i64,
    pub tasks: Vec<Task>,
}

/// A task of a plan (任务), with its units and targets.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Task {
    #[schema(example = 17)]
    pub id: i64,
    #[schema(example = 1)]
    pub plan_id: i64,
    #[schema(example = "330100000000")]
    pub region_code: String,
    /// Its place in the plan's numbering (`三.(二).1`).
    #[schema(example = "三.(二).1")]
    pub path: String,
    pub title: String,
    pub units: Vec<TaskUnit>,
    pub targets: Vec<Target>,
}

impl From<kesu_store::plans::TaskRow> for Task {
    fn from(t: kesu_store::plans::TaskRow) -> Self {
        Task {
            id: t.id,
            plan_id: t.plan_id,
            region_code: t.region_code,
            path: t.path,
            title: t.title,
            units: t
                .units
                .into_iter()
                .map(|u| TaskUnit {
                    role: TaskRole::of(&u.role),
                    unit_id: u.unit_id,
                    unit_name: u.unit_name,
                })
                .collect(),
            targets: t.targets.into_iter().map(Target::from).collect(),
        }
    }
}

/// A unit assigned to a task.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TaskUnit {
    pub unit_id: i64,
    #[schema(example = "市科协")]
    pub unit_name: String,
    pub role: TaskRole,
}

/// A quantitative target of a task (目标).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Target {
    pub id: i64,
    pub task_id: Option<i64>,
    /// The sentence of the plan the target was read from.
    pub text: String,
    #[schema(example = "科普讲座场次")]
    pub indicator: Option<String>,
    /// `>=`, `<=`, `=`, `between`.
    #[schema(example = ">=")]
    pub comparator: String,
    #[schema(example = 100.0)]
    pub value: f64,
    /// The upper bound of a `between` target.
    pub value_high: Option<f64>,
    #[schema(example = "场")]
    pub unit: Option<String>,
    /// The year it is due.
    #[schema(example = 2025)]
    pub year: Option<i64>,
    /// Per entity or per period (每个村, 每年), when the target is.
    pub per: Option<String>,
}

impl From<kesu_store::plans::TargetRow> for Target {
    fn from(t: kesu_store::plans::TargetRow) -> Self {
        Target {
            id: t.id,
            task_id: t.task_id,
            text: t.text,
            indicator: t.indicator,
            comparator: t.comparator,
            value: t.value,
            value_high: t.value_high,
            unit: t.unit,
            year: t.year,
            per: t.per,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rounds

/// The rounds the caller may see, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RoundList {
    pub rounds: Vec<Round>,
}

/// A reporting round (填报轮次): one plan, one period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Round {
    #[schema(example = 5)]
    pub id: i64,
    #[schema(example = 1)]
    pub plan_id: i64,
    pub plan_title: String,
    #[schema(example = "330100000000")]
    pub region_code: String,
    /// `2025Q1`, `2025H1`, `2025`.
    #[schema(example = "2025Q1")]
    pub period: String,
    #[schema(example = "2025年第一季度 杭州市全民科学素质行动规划纲要实施方案")]
    pub title: String,
    /// Reports are due on this day (China).
    #[serde(with = "iso_date")]
    pub due_date: Date,
    /// After this day reports can no longer be changed without an exception.
    #[serde(with = "iso_date")]
    pub lock_date: Date,
    pub opened_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
    /// Demonstration data.
    pub demo: bool,
    /// Whether the round asks for 县级初审 (a county's units are checked by the county office
    /// first).
    pub county_check: bool,
    /// When the office closed the round (no unit writes after that), and who.
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    pub closed_by: Option<String>,
}

impl From<kesu_store::reporting::Round> for Round {
    fn from(r: kesu_store::reporting::Round) -> Self {
        Round {
            id: r.id,
            plan_id: r.plan_id,
            plan_title: r.plan_title,
            region_code: r.region_code,
            period: r.period,
            title: r.title,
            due_date: r.due_date,
            lock_date: r.lock_date,
            opened_by: r.opened_by,
            opened_at: r.opened_at,
            demo: r.demo,
            county_check: r.county_check,
            closed_at: r.closed_at,
            closed_by: r.closed_by,
        }
    }
}

/// 开启填报轮次.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"plan_id": 1, "period": "2025Q1", "due": "2025-04-10", "lock": "2025-04-30"}))]
pub struct OpenRoundRequest {
    #[serde(deserialize_with = "whole::deserialize")]
    pub plan_id: i64,
    /// A quarter (`2025Q1`), a half year (`2025H1`) or a year (`2025`).
    #[schema(pattern = r"^[0-9]{4}(Q[1-4]|H[12])?$", example = "2025Q1")]
    pub period: String,
    /// The due date; not after `lock`.
    #[schema(format = Date, example = "2025-04-10")]
    pub due: String,
    /// The lock date; not before `due`.
    #[schema(format = Date, example = "2025-04-30")]
    pub lock: String,
    /// Ask for 县级初审: the county offices check their counties' reports first.
    #[serde(default)]
    pub county_check: bool,
}

/// A round's status matrix (填报状态矩阵): its reports the caller may open.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Matrix {
    pub round: Round,
    /// Today in China, against which lateness and lights are judged.
    #[serde(with = "iso_date")]
    pub today: Date,
    pub counts: Counts,
    pub cells: Vec<MatrixCell>,
}

/// How many of the shown reports are in each state, and how many are late.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
pub struct Counts {
    pub not_started: u64,
    pub draft: u64,
    pub submitted: u64,
    /// 已初审 (县级初审 passed, waiting for the round's office).
    pub prereviewed: u64,
    pub returned: u64,
    pub accepted: u64,
    pub late: u64,
}

impl From<crate::pages::Counts> for Counts {
    fn from(c: crate::pages::Counts) -> Self {
        let n = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
        Counts {
            not_started: n(c.not_started),
            draft: n(c.draft),
            submitted: n(c.submitted),
            prereviewed: n(c.prereviewed),
            returned: n(c.returned),
            accepted: n(c.accepted),
            late: n(c.late),
        }
    }
}

/// One report of the matrix.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MatrixCell {
    #[schema(example = 101)]
    pub report_id: i64,
    pub task_id: i64,
    #[schema(example = "三.(二).1")]
    pub task_path: String,
    pub task_title: String,
    pub unit_id: i64,
    #[schema(example = "市科协")]
    pub unit_name: String,
    pub role: TaskRole,
    pub state: ReportState,
    pub light: Light,
    /// Handed in after the due date, or not handed in and past it.
    pub late: bool,
    /// The report's version (send it back with a change).
    pub version: i64,
}

// ---------------------------------------------------------------------------------------------
// Reports

/// A report (进展报告) with everything its page shows.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportDetail {
    pub report: Report,
    /// What the unit wrote.
    pub content: String,
    /// Why the report was last returned, while it is returned.
    pub return_reason: Option<String>,
    /// The task's targets with this report's values.
    pub values: Vec<ReportValue>,
    /// Every change, oldest first.
    pub history: Vec<ReportEvent>,
    /// Evidence files (佐证材料).
    pub attachments: Vec<Attachment>,
    /// The other reports of the task the caller may open: for a lead unit, its cooperating
    /// units' input (`content` once handed in).
    pub inputs: Vec<ReportInput>,
}

/// A report's place: round, task, unit, state and version.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Report {
    #[schema(example = 101)]
    pub id: i64,
    pub round_id: i64,
    pub task_id: i64,
    #[schema(example = "三.(二).1")]
    pub task_path: String,
    pub task_title: String,
    pub unit_id: i64,
    #[schema(example = "市科协")]
    pub unit_name: String,
    pub role: TaskRole,
    /// The region of the report's unit.
    #[schema(example = "330100000000")]
    pub region_code: String,
    pub state: ReportState,
    /// Send it back with every change: a stale version is refused (409).
    #[schema(example = 3)]
    pub version: i64,
    /// The office let the unit submit after the lock date.
    pub exception: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated_at: Option<OffsetDateTime>,
}

impl From<kesu_store::reporting::Slot> for Report {
    fn from(s: kesu_store::reporting::Slot) -> Self {
        Report {
            state: s.state().into(),
            role: TaskRole::of(&s.role),
            id: s.id,
            round_id: s.round_id,
            task_id: s.task_id,
            task_path: s.task_path,
            task_title: s.task_title,
            unit_id: s.unit_id,
            unit_name: s.unit_name,
            region_code: s.region_code,
            version: s.version,
            exception: s.exception,
            submitted_at: s.submitted_at,
            updated_at: s.updated_at,
        }
    }
}

/// A target of the report's task with the value this report gives for it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportValue {
    pub target_id: i64,
    pub text: String,
    pub indicator: Option<String>,
    pub unit: Option<String>,
    /// `null` until the unit enters one.
    #[schema(example = 12.0)]
    pub value: Option<f64>,
    pub note: Option<String>,
}

impl From<kesu_store::reporting::TargetValue> for ReportValue {
    fn from(v: kesu_store::reporting::TargetValue) -> Self {
        ReportValue {
            target_id: v.target_id,
            text: v.text,
            indicator: v.indicator,
            unit: v.unit,
            value: v.value,
            note: v.note,
        }
    }
}

/// One change of a report (its history).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportEvent {
    /// The version the change made.
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    /// `save`, `submit`, `return`, `accept`, `unlock`, `exception`, `attach`, `detach`.
    #[schema(example = "submit")]
    pub action: String,
    /// A report state (`not_started`, `draft`, `submitted`, `returned`, `accepted`).
    #[schema(example = "draft")]
    pub from_state: String,
    #[schema(example = "submitted")]
    pub to_state: String,
    pub reason: Option<String>,
    /// The content after the change.
    pub content: String,
}

impl From<kesu_store::reporting::ReportEvent> for ReportEvent {
    fn from(e: kesu_store::reporting::ReportEvent) -> Self {
        ReportEvent {
            version: e.version,
            at: e.at,
            actor: e.actor,
            action: e.action,
            from_state: e.from_state,
            to_state: e.to_state,
            reason: e.reason,
            content: e.content,
        }
    }
}

/// An evidence file of a report (佐证材料).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Attachment {
    #[schema(example = 7)]
    pub id: i64,
    pub report_id: i64,
    /// The file's SHA-256 (hex): files are stored by content.
    pub sha256: String,
    #[schema(example = "活动照片.jpg")]
    pub file_name: String,
    /// The type found in the file's content.
    #[schema(example = "image/jpeg")]
    pub mime: String,
    /// Bytes.
    pub size: i64,
    pub uploaded_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl From<kesu_store::reporting::Attachment> for Attachment {
    fn from(a: kesu_store::reporting::Attachment) -> Self {
        Attachment {
            id: a.id,
            report_id: a.report_id,
            sha256: a.sha256,
            file_name: a.file_name,
            mime: a.mime,
            size: a.size,
            uploaded_by: a.uploaded_by,
            at: a.at,
        }
    }
}

/// Another unit's report on the same task.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportInput {
    pub report: Report,
    /// What it wrote, once handed in.
    pub content: Option<String>,
}

/// 保存 or 提交: the report's content and values.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"version": 3, "content": "本季度开展科普讲座 12 场。", "values": [{"target_id": 9, "value": 12}]}))]
pub struct ReportChangeRequest {
    /// The version the client saw; a stale one is refused (409).
    #[serde(deserialize_with = "whole::deserialize")]
    pub version: i64,
    /// The new content; absent keeps it.
    #[serde(default)]
    pub content: Option<String>,
    /// Values by target; `null` clears one.
    #[serde(default)]
    pub values: Vec<ValueInput>,
}

/// A value for one target of the report's task.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct ValueInput {
    #[serde(deserialize_with = "whole::deserialize")]
    pub target_id: i64,
    pub value: Option<f64>,
}

/// 退回, 通过, 解锁: the version the client saw (and for a return, why).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"version": 4, "reason": "请补充活动照片"}))]
pub struct ReviewRequest {
    /// The version the client saw; a stale one is refused (409).
    #[serde(deserialize_with = "whole::deserialize")]
    pub version: i64,
    /// Why (a return needs one: 422 without).
    #[serde(default)]
    pub reason: Option<String>,
}

/// The version of the report the client saw.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"version": 4}))]
pub struct VersionRequest {
    /// A stale one is refused (409).
    #[serde(deserialize_with = "whole::deserialize")]
    pub version: i64,
}

/// 上传佐证材料 (multipart/form-data): these parts and no others.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // The multipart form's description: the handler reads the parts itself.
pub struct AttachmentUpload {
    /// PDF, image, .xlsx or .docx, up to 20 MB; the type is checked by content.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// The version of the report the client saw; a stale one is refused (409).
    pub version: i64,
    /// Ignored: the form token that the report page's own upload form carries.
    #[serde(rename = "_csrf", default)]
    pub csrf: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Audit

/// What to look for in the audit log; every parameter narrows.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Who made the change (account name).
    pub actor: Option<String>,
    /// An action or its prefix (`report.`).
    pub action: Option<String>,
    /// What it was done to (`report:12`).
    pub object: Option<String>,
    /// From this day on (China); empty is the same as absent.
    #[param(schema_with = day_or_empty, example = "2025-01-01")]
    pub from: Option<String>,
    /// Up to this day (China); empty is the same as absent.
    #[param(schema_with = day_or_empty, example = "2025-12-31")]
    pub to: Option<String>,
    /// At most this many entries, newest first (default 500; taken between 1 and 10,000).
    pub limit: Option<i64>,
}

/// Audit log entries, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditList {
    pub entries: Vec<AuditEntry>,
}

/// One row of the audit log (审计日志).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    /// The web request that made the change.
    pub request_id: Option<String>,
    /// The client's address.
    pub ip: Option<String>,
    /// `report.submit`, `plan.import`, `unit.merge` …
    #[schema(example = "report.submit")]
    pub action: String,
    /// `report:12`, `plan:3` …
    #[schema(example = "report:12")]
    pub object: String,
    pub region_code: Option<String>,
    /// The object before the change (any JSON).
    pub before: Option<Value>,
    /// The object after the change (any JSON).
    pub after: Option<Value>,
}

impl From<kesu_store::audit::AuditEntry> for AuditEntry {
    fn from(e: kesu_store::audit::AuditEntry) -> Self {
        AuditEntry {
            id: e.id,
            at: e.at,
            actor: e.actor,
            request_id: e.request_id,
            ip: e.ip,
            action: e.action,
            object: e.object,
            region_code: e.region_code,
            before: e.before,
            after: e.after,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn a_round_serialises_its_dates_as_iso_strings() {
        let r = Round {
            id: 1,
            plan_id: 2,
            plan_title: "方案".into(),
            region_code: "330100000000".into(),
            period: "2026Q1".into(),
            title: "t".into(),
            due_date: date!(2026 - 01 - 15),
            lock_date: date!(2026 - 02 - 01),
            opened_by: "a".into(),
            opened_at: datetime!(2026-01-02 03:04:05 UTC),
            demo: false,
            county_check: false,
            closed_at: None,
            closed_by: None,
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["due_date"], "2026-01-15");
        assert_eq!(v["lock_date"], "2026-02-01");
        assert_eq!(v["opened_at"], "2026-01-02T03:04:05Z");
    }
}
