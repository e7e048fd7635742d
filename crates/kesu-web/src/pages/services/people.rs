//! Office pages of the services' people and money: the hub with the statistics, volunteers and
//! teams, service orders (a work list per role), pupils' credits and funding.

use super::{done, layout, minute, opt_i64, parse_f64, parse_local, services, user};
use crate::AppState;
use crate::auth::{Caller, ClientIp};
use crate::error::AppError;
use crate::pages::{FlashQuery, PageResult, UserBar, check_csrf, parse_date, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use kesu_app::services::orders::{self, AskInput, OrderView, Queues};
use kesu_app::services::stats::{self, Records, Stats};
use kesu_app::services::{credits, funding, volunteers};
use kesu_core::authz::Role;
use kesu_services::credit::{Rules, SourceKind};
use kesu_services::order::{Assignee, OrderInput, Step};
use kesu_services::volunteer::Correction;
use kesu_store::services::credits as credit_rows;
use kesu_store::services::volunteers as volunteer_rows;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "services/office_hub.html")]
struct HubPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    stats: Option<Stats>,
    region: String,
    is_reporter: bool,
}

#[derive(Deserialize, Default)]
pub struct HubQ {
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    msg: Option<String>,
}

/// `/services`: the services' statistics of the office's region (each figure links to its
/// records), and the ways into the catalogue, calendar, volunteers, orders, credits, funding.
pub async fn hub(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<HubQ>,
) -> PageResult {
    let s = services(&state)?;
    let is_reporter = caller.actor.role == Role::Reporter;
    let stats = if is_reporter {
        None
    } else {
        Some(stats::stats(&s, &user(&caller, None), q.region.as_deref()).await?)
    };
    let l = layout(&state, &caller, q.msg).await?;
    render(&HubPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        region: stats
            .as_ref()
            .map_or_else(String::new, |s| s.region.clone()),
        stats,
        is_reporter,
    })
}

#[derive(Template)]
#[template(path = "services/office_records.html")]
struct RecordsPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    r: Records,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RecordsQ {
    feed: String,
    region: String,
    period: String,
}

/// `/services/stats/records`: the records behind a figure (also what the indicators link to).
pub async fn records(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<RecordsQ>,
) -> PageResult {
    let s = services(&state)?;
    let r = stats::records(&s, &user(&caller, None), &q.feed, &q.region, &q.period).await?;
    let l = layout(&state, &caller, None).await?;
    render(&RecordsPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        r,
    })
}

#[derive(Template)]
#[template(path = "services/office_volunteers.html")]
struct VolunteersPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    region: String,
    teams: Vec<volunteer_rows::Team>,
    rows: Vec<volunteers::Row>,
    is_admin: bool,
}

#[derive(Deserialize, Default)]
pub struct TeamQ {
    #[serde(default)]
    team: Option<i64>,
    #[serde(default)]
    msg: Option<String>,
}

/// `/services/volunteers`: teams and volunteers with their hours and stars.
pub async fn volunteers(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<TeamQ>,
) -> PageResult {
    let s = services(&state)?;
    let c = user(&caller, None);
    let teams = volunteers::teams(&s, &c).await?;
    let rows = if caller.actor.role == Role::Reporter && q.team.is_none() {
        Vec::new()
    } else {
        volunteers::list(&s, &c, q.team).await?
    };
    let l = layout(&state, &caller, q.msg).await?;
    render(&VolunteersPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf.clone(),
        region: caller.actor.region.as_str().to_string(),
        teams,
        rows,
        is_admin: caller.actor.role == Role::Admin,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VolunteerForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    team_id: Option<String>,
    #[serde(default)]
    skills: String,
}

pub async fn register_volunteer(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Form(f): Form<VolunteerForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let s = services(&state)?;
    kesu_app::services::require_admin(&user(&caller, None))?;
    let input = volunteers::VolunteerInput {
        name: f.name,
        phone: f.phone,
        region: f.region,
        team_id: opt_i64(&f.team_id, "服务队")?,
        skills: f.skills,
    };
    let r = volunteers::register(&s, &user(&caller, ip), &input).await;
    done(
        "/services/volunteers",
        r.map(|(_, no)| format!("已登记，志愿者编号 {no}")),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TeamForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    unit_id: Option<String>,
    #[serde(default)]
    leader: String,
}

pub async fn create_team(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Form(f): Form<TeamForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let s = services(&state)?;
    kesu_app::services::require_admin(&user(&caller, None))?;
    let input = volunteers::TeamInput {
        name: f.name,
        region: f.region,
        unit_id: opt_i64(&f.unit_id, "所属单位")?,
        leader_username: Some(f.leader),
    };
    let r = volunteers::create_team(&s, &user(&caller, ip), &input).await;
    done("/services/volunteers", r.map(|_| "已登记服务队".into()))
}

struct RecordRow {
    id: i64,
    check_in: String,
    check_out: String,
    hours: String,
    corrects: Option<i64>,
    reason: String,
    by: String,
    replaced: bool,
}

#[derive(Template)]
#[template(path = "services/office_volunteer.html")]
struct VolunteerPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    d: volunteers::Detail,
    rows: Vec<RecordRow>,
}

/// `/services/volunteers/{id}`: a volunteer's records, hours, stars and certificate.
pub async fn volunteer(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let s = services(&state)?;
    let d = volunteers::detail(&s, &user(&caller, None), id).await?;
    let replaced: Vec<i64> = d.records.iter().filter_map(|r| r.corrects).collect();
    let rows = d
        .records
        .iter()
        .map(|r| RecordRow {
            id: r.id,
            check_in: minute(r.check_in),
            check_out: r.check_out.map(minute).unwrap_or_default(),
            hours: r
                .check_out
                .map(|o| format!("{:.1}", (o - r.check_in).as_seconds_f64() / 3600.0))
                .unwrap_or_default(),
            corrects: r.corrects,
            reason: r.reason.clone().unwrap_or_default(),
            by: r.recorded_by.clone(),
            replaced: replaced.contains(&r.id),
        })
        .collect();
    let l = layout(&state, &caller, q.msg).await?;
    render(&VolunteerPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf.clone(),
        d,
        rows,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AttendanceForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    action: String,
    #[serde(default)]
    activity_id: Option<String>,
    #[serde(default)]
    back: String,
}

/// Check a volunteer in or out, now.
pub async fn attendance(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    Form(f): Form<AttendanceForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let s = services(&state)?;
    let c = user(&caller, ip);
    volunteers::authorize_record(&s, &c, id).await?;
    let r = match f.action.as_str() {
        "in" => volunteers::check_in(&s, &c, id, opt_i64(&f.activity_id, "活动")?, None)
            .await
            .map(|_| "已签到".to_string()),
        "out" => volunteers::check_out(&s, &c, id)
            .await
            .map(|h| format!("已签退，本次 {h} 小时")),
        _ => return Err(AppError::BadRequest("未知操作 (unknown action)".into()).into()),
    };
    let back = if f.back.starts_with("/services/") && !f.back.contains("//") {
        f.back
    } else {
        format!("/services/volunteers/{id}")
    };
    done(&back, r)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CorrectForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    check_in: String,
    check_out: String,
    #[serde(default)]
    reason: String,
    volunteer_id: i64,
}

/// Correct a record (audited; the original stays).
pub async fn correct(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    Form(f): Form<CorrectForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let s = services(&state)?;
    volunteers::authorize_correct(&s, &user(&caller, None), id).await?;
    let c = Correction {
        check_in: parse_local(&f.check_in, "签到时间")?,
        check_out: parse_local(&f.check_out, "签退时间")?,
        reason: f.reason,
    };
    let r = volunteers::correct(&s, &user(&caller, ip), id, &c).await;
    done(
        &format!("/services/volunteers/{}", f.volunteer_id),
        r.map(|_| "已更正".into()),
    )
}

#[derive(Template)]
#[template(path = "services/office_orders.html")]
struct OrdersPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    q: Queues,
    region: String,
}

/// `/services/orders`: the caller's work lists (派单, 领单, 接单, my orders) and the 点单 form.
pub async fn orders(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let s = services(&state)?;
    let queues = orders::queues(&s, &user(&caller, None)).await?;
    let l = layout(&state, &caller, q.msg).await?;
    render(&OrdersPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf.clone(),
        q: queues,
        region: caller.actor.region.as_str().to_string(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AskForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
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
}

pub async fn ask(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Form(f): Form<AskForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let s = services(&state)?;
    let wanted_on = match f.wanted_on.trim() {
        "" => None,
        d => Some(parse_date(d, "期望服务日期")?),
    };
    let input = AskInput {
        order: OrderInput {
            title: f.title,
            detail: f.detail,
            region: f.region,
            category: f.category,
            wanted_on,
        },
        ..Default::default()
    };
    match orders::ask(&s, &user(&caller, ip), &input, None).await {
        Ok(a) => Ok(crate::pages::redirect_with(
            &format!("/services/orders/{}", a.id),
            "已点单",
        )),
        Err(e) => done("/services/orders", Err(e)),
    }
}

#[derive(Template)]
#[template(path = "services/office_order.html")]
struct OrderPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    o: OrderView,
    events: Vec<(String, String, String, String, bool)>,
    units: Vec<(i64, String)>,
    teams: Vec<(i64, String)>,
    due: String,
}

/// `/services/orders/{id}`: an order, its history and the forms of the steps the caller may
/// take.
pub async fn order(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let s = services(&state)?;
    let c = user(&caller, None);
    let o = orders::get(&s, &c, id, None).await?;
    let events = o
        .events
        .iter()
        .map(|e| {
            (
                minute(e.at),
                e.actor.clone(),
                e.step.clone(),
                e.text.clone().unwrap_or_default(),
                e.late,
            )
        })
        .collect();
    let units = if o.steps.contains(&"dispatch") {
        // The departments of the order's region and its ancestors.
        let mut v = Vec::new();
        for len in [2usize, 4, 6, 9] {
            if o.order.region_code.len() >= len {
                for u in kesu_store::units::list(&state.db, &o.order.region_code[..len]).await? {
                    if o.order.region_code.starts_with(&u.region_code)
                        && u.merged_into.is_none()
                        && !v.iter().any(|(id, _)| *id == u.id)
                    {
                        v.push((u.id, u.name));
                    }
                }
            }
        }
        v
    } else {
        Vec::new()
    };
    let teams = volunteers::teams(&s, &c)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|t| t.leader_user_id == Some(caller.actor.user_id))
        .map(|t| (t.id, t.name))
        .collect();
    let l = layout(&state, &caller, q.msg).await?;
    render(&OrderPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf.clone(),
        due: o.order.due_at.map(minute).unwrap_or_default(),
        o,
        events,
        units,
        teams,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StepForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    step: String,
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    to: String,
    #[serde(default)]
    unit_id: Option<String>,
    #[serde(default)]
    team_id: Option<String>,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    report: String,
    #[serde(default)]
    stars: String,
    #[serde(default)]
    comment: String,
}

/// A step as a form or an API body gives it.
#[derive(Debug, Deserialize, Default)]
pub struct StepFields {
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub unit_id: Option<i64>,
    #[serde(default)]
    pub team_id: Option<i64>,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub report: String,
    #[serde(default)]
    pub stars: Option<u8>,
    #[serde(default)]
    pub comment: String,
}

impl StepFields {
    /// The steps' names.
    pub const NAMES: [&'static str; 8] = [
        "dispatch", "reject", "claim", "return", "accept", "complete", "rate", "withdraw",
    ];

    /// The rules' step called `name`.
    pub fn step(self, name: &str) -> Result<Step, AppError> {
        Ok(match name {
            "dispatch" => Step::Dispatch {
                assignee: match (self.to.as_str(), self.unit_id) {
                    ("teams", _) => Assignee::Teams,
                    (_, Some(u)) => Assignee::Department(u),
                    _ => {
                        return Err(AppError::Invalid(
                            "请选择领单部门，或开放给服务队 (choose a department or teams)".into(),
                        ));
                    }
                },
                reason: self.reason,
            },
            "reject" => Step::Reject {
                reason: self.reason,
            },
            "claim" => Step::Claim,
            "return" => Step::Return {
                reason: self.reason,
            },
            "accept" => Step::Accept {
                team_id: self.team_id.unwrap_or(0),
            },
            "complete" => Step::Complete {
                report: self.report,
            },
            "rate" => Step::Rate {
                stars: self.stars.unwrap_or(0),
                comment: self.comment,
            },
            "withdraw" => Step::Withdraw {
                reason: self.reason,
            },
            other => {
                return Err(AppError::BadRequest(format!(
                    "未知的办理环节“{other}” (unknown step)"
                )));
            }
        })
    }
}

pub async fn order_step(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let s = services(&state)?;
    orders::may_act(&s, &user(&caller, None), id, None).await?;
    let step = StepFields {
        to: f.to,
        unit_id: opt_i64(&f.unit_id, "领单部门")?,
        team_id: opt_i64(&f.team_id, "服务队")?,
        reason: f.reason,
        report: f.report,
        stars: f.stars.trim().parse().ok(),
        comment: f.comment,
    }
    .step(&f.step)?;
    let r = orders::step(&s, &user(&caller, ip), id, &step, f.version, None).await;
    done(
        &format!("/services/orders/{id}"),
        r.map(|v| format!("已办理：{}", v.state_zh)),
    )
}

#[derive(Template)]
#[template(path = "services/office_credits.html")]
struct CreditsPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    pupils: Vec<credit_rows::Pupil>,
    is_admin: bool,
    school: Option<i64>,
    region: String,
    rules: Rules,
}

/// `/services/credits`: a school's pupils (or an office's), registering pupils, and the
/// office's credit rules.
pub async fn credits(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let s = services(&state)?;
    let pupils = credits::pupils(&s, &user(&caller, None)).await?;
    let rules = credits::rules_for(&state.db, caller.actor.region.as_str()).await?;
    let l = layout(&state, &caller, q.msg).await?;
    render(&CreditsPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf.clone(),
        pupils,
        is_admin: caller.actor.role == Role::Admin,
        school: caller
            .actor
            .unit_id
            .filter(|_| caller.actor.role == Role::Reporter),
        region: caller.actor.region.as_str().to_string(),
        rules,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PupilForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    school_unit_id: Option<String>,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    class_name: String,
    #[serde(default)]
    name: String,
}

pub async fn add_pupil(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Form(f): Form<PupilForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let s = services(&state)?;
    let r = credits::add_pupil(
        &s,
        &user(&caller, ip),
        opt_i64(&f.school_unit_id, "学校")?,
        &f.grade,
        &f.class_name,
        &f.name,
    )
    .await;
    done(
        "/services/credits",
        r.map(|(_, code)| format!("已登记，学分码 {code}（请交给学生和家长）")),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RulesForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    region: String,
    check_in: String,
    test_pass: String,
    test_points: String,
    award_max: String,
    term_cap: String,
}

pub async fn set_rules(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Form(f): Form<RulesForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let s = services(&state)?;
    kesu_app::services::require_admin(&user(&caller, None))?;
    let rules = Rules {
        version: 0,
        check_in: parse_f64(&f.check_in, "每次签到学分")?,
        test_pass: parse_f64(&f.test_pass, "测试合格分数")?,
        test_points: parse_f64(&f.test_points, "测试合格学分")?,
        award_max: parse_f64(&f.award_max, "单项认定上限")?,
        term_cap: parse_f64(&f.term_cap, "每学期上限")?,
    };
    let r = credits::set_rules(&s, &user(&caller, ip), &f.region, &rules).await;
    done(
        "/services/credits",
        r.map(|v| format!("已保存第 {v} 版规则，并按新规则重算了已有记录")),
    )
}

#[derive(Template)]
#[template(path = "services/office_pupil.html")]
struct PupilPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    r: credits::Record,
    sources: Vec<(i64, &'static str, String, f64, String, bool, String)>,
    today: String,
}

/// `/services/credits/pupils/{id}`: a pupil's ledger, with awards and voids.
pub async fn pupil(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let s = services(&state)?;
    let r = credits::pupil_record(&s, &user(&caller, None), id).await?;
    let sources = r
        .sources
        .iter()
        .map(|x| {
            (
                x.id,
                SourceKind::parse(&x.kind).map_or("", SourceKind::zh),
                x.on_day.to_string(),
                x.amount,
                x.note.clone(),
                x.voided,
                x.void_reason.clone().unwrap_or_default(),
            )
        })
        .collect();
    let l = layout(&state, &caller, q.msg).await?;
    render(&PupilPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf.clone(),
        today: s.ctx.today().to_string(),
        r,
        sources,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AwardForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    kind: String,
    amount: String,
    on: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    r#ref: String,
}

pub async fn award(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    Form(f): Form<AwardForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let s = services(&state)?;
    credits::authorize_manage(&s, &user(&caller, None), id).await?;
    let kind = SourceKind::parse(&f.kind)
        .ok_or_else(|| AppError::Invalid("学分来源无效 (unknown kind)".into()))?;
    let a = credits::AwardInput {
        pupil_id: id,
        kind,
        amount: parse_f64(&f.amount, "分值")?,
        on: parse_date(&f.on, "日期")?,
        note: f.note,
        r#ref: Some(f.r#ref).filter(|r| !r.trim().is_empty()),
    };
    let r = credits::award(&s, &user(&caller, ip), &a).await;
    done(
        &format!("/services/credits/pupils/{id}"),
        r.map(|_| "已记入".into()),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VoidForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    pupil_id: i64,
}

pub async fn void_source(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    Form(f): Form<VoidForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let s = services(&state)?;
    let r = credits::void_source(&s, &user(&caller, ip), id, &f.reason).await;
    done(
        &format!("/services/credits/pupils/{}", f.pupil_id),
        r.map(|_| "已作废，学分已冲销".into()),
    )
}

#[derive(Template)]
#[template(path = "services/office_funding.html")]
struct FundingPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    rows: Vec<funding::Row>,
    region: String,
    year: i32,
    is_admin: bool,
}

/// `/services/funding`: 科普经费 by region and year, per head.
pub async fn funding(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let s = services(&state)?;
    let rows = funding::list(&s, &user(&caller, None)).await?;
    let l = layout(&state, &caller, q.msg).await?;
    render(&FundingPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf.clone(),
        rows,
        region: caller.actor.region.as_str().to_string(),
        year: s.ctx.today().year(),
        is_admin: caller.actor.role == Role::Admin,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FundingForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    region: String,
    year: String,
    budgeted: String,
    spent: String,
    #[serde(default)]
    note: String,
}

pub async fn put_funding(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Form(f): Form<FundingForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let s = services(&state)?;
    kesu_app::services::require_admin(&user(&caller, None))?;
    let input = kesu_services::funding::Funding {
        region: f.region.trim().to_string(),
        year: f
            .year
            .trim()
            .parse()
            .map_err(|_| AppError::Invalid("年度应为四位数字 (bad year)".into()))?,
        budgeted: parse_f64(&f.budgeted, "预算")?,
        spent: parse_f64(&f.spent, "支出")?,
        note: f.note,
    };
    let r = funding::put(&s, &user(&caller, ip), &input).await;
    done("/services/funding", r.map(|_| "已保存".into()))
}
