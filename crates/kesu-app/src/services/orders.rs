//! Volunteer service orders: 群众点单 → 社区派单 → 部门领单 → 服务队接单 → 完成 → 评价.
//!
//! Who is which party of an order:
//! - asker: the account that asked, or (no account) whoever holds the order's code;
//! - dispatcher: an office admin whose region covers the order's region;
//! - department: a reporter of the unit the order was dispatched to;
//! - team: the leader of a team whose region covers the order's region (or whose unit is the
//!   claiming department); once accepted, the leader of the team serving it.
//!
//! The steps themselves are `kesu_services::order`'s; here they are authorised, stored with
//! their history row and audited, and a second click on a stale page is a conflict.

use super::{Services, random, reads, who};
use crate::{Caller, Error, Principal, Result};
use kesu_core::authz::Role;
use kesu_services::code::{self, Code};
use kesu_services::order::{self, Assignee, Order, OrderInput, OrderState, Party, Step};
use kesu_services::personal;
use kesu_store::audit;
use kesu_store::services::{orders as store, volunteers};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

/// A request as typed: the order, and the asker's name and phone when asked without an account.
#[derive(Debug, Clone, Default)]
pub struct AskInput {
    pub order: OrderInput,
    pub name: String,
    pub phone: String,
}

/// A new order: its id, and the code a citizen without an account follows it by.
#[derive(Debug, Clone, Serialize)]
pub struct Asked {
    pub id: i64,
    pub code: Option<String>,
}

/// Ask for a service (点单): a signed-in account for a region it covers, or a citizen (with
/// name and phone, throttled per address).
pub async fn ask(
    s: &Services,
    caller: &Caller,
    input: &AskInput,
    client: Option<&str>,
) -> Result<Asked> {
    let now = s.ctx.now();
    let o = input.order.validate(s.ctx.today())?;
    let (user, name_masked, phone) = match &caller.principal {
        Principal::Public => {
            s.throttles.address(client, now)?;
            let name = personal::normalise_name(&input.name)?;
            let phone = personal::seal_phone(s.sealer()?, &input.phone)?;
            (None, personal::mask_name(&name), Some(phone))
        }
        Principal::User(a) => {
            if !a.covers(&o.region) {
                return Err(Error::invalid_field(
                    "region",
                    "只能为本账户所在地区点单 (the region is outside your area)",
                ));
            }
            (Some(a.user_id), String::new(), None)
        }
        Principal::Operator => (None, String::new(), None),
    };
    let due = s.deadlines.due(OrderState::Asked, now);
    let mut tx = s.ctx.db.begin().await?;
    let mut out = None;
    for _ in 0..8 {
        let c = match caller.principal {
            Principal::Public => Some(Code::from_random(random::<{ code::RANDOM_BYTES }>()?)),
            _ => None,
        };
        let id = store::insert(
            &mut tx,
            &store::NewOrder {
                title: &o.title,
                detail: &o.detail,
                category: &o.category,
                region_code: o.region.as_str(),
                wanted_on: o.wanted_on,
                state: OrderState::Asked.as_str(),
                due_at: due,
                asker_user_id: user,
                asker_code: c.as_ref().map(Code::as_str),
                asker_name_masked: &name_masked,
                asker_phone_sealed: phone.as_ref().map(|p| p.sealed.as_slice()),
                asker_phone_masked: phone.as_ref().map_or("", |p| p.masked.as_str()),
            },
            now,
        )
        .await?;
        if let Some(id) = id {
            out = Some((id, c.map(|c| c.display())));
            break;
        }
    }
    let (id, code) = out.ok_or_else(|| Error::Internal("no free order code".into()))?;
    store::asked_event(&mut tx, id, who(caller), now).await?;
    audit::record_in_region(
        &mut tx,
        &caller.audit,
        Some(o.region.as_str()),
        "services.order.ask",
        &format!("service_order:{id}"),
        None,
        Some(
            &json!({"title": o.title, "region": o.region.as_str(), "category": o.category,
                     "asker": name_masked, "phone": phone.as_ref().map(|p| p.masked.clone())}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Asked { id, code })
}

/// The teams the caller leads.
async fn led_teams(s: &Services, caller: &Caller) -> Result<Vec<volunteers::Team>> {
    Ok(match &caller.principal {
        Principal::User(a) => volunteers::teams_led_by(&s.ctx.db, a.user_id).await?,
        _ => Vec::new(),
    })
}

/// Whether `team` may serve `o` now.
fn team_fits(team: &volunteers::Team, o: &store::Order) -> bool {
    let covers = o.region_code.starts_with(&team.region_code);
    match OrderState::parse(&o.state) {
        Some(OrderState::Open) => covers,
        Some(OrderState::Claimed) => {
            covers || (team.unit_id.is_some() && team.unit_id == o.department_unit_id)
        }
        Some(OrderState::Accepted | OrderState::Done | OrderState::Rated) => {
            o.team_id == Some(team.id)
        }
        _ => false,
    }
}

/// The parties the caller is in an order (empty: none).
async fn parties(
    s: &Services,
    caller: &Caller,
    o: &store::Order,
    asker_code: Option<&str>,
) -> Result<Vec<Party>> {
    let mut out = Vec::new();
    let code_holder = asker_code
        .and_then(|c| Code::parse(c).ok())
        .is_some_and(|c| o.asker_code.as_deref() == Some(c.as_str()));
    match &caller.principal {
        Principal::Operator => return Ok(Party::ALL.to_vec()),
        Principal::Public => {
            if code_holder {
                out.push(Party::Asker);
            }
            return Ok(out);
        }
        Principal::User(a) => {
            if code_holder || o.asker_user_id == Some(a.user_id) {
                out.push(Party::Asker);
            }
            if a.role == Role::Admin && a.covers(&super::code(&o.region_code)?) {
                out.push(Party::Dispatcher);
            }
            if a.role == Role::Reporter && a.unit_id.is_some() && a.unit_id == o.department_unit_id
            {
                out.push(Party::Department);
            }
        }
    }
    if led_teams(s, caller).await?.iter().any(|t| team_fits(t, o)) {
        out.push(Party::Team);
    }
    Ok(out)
}

/// An order as pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct OrderView {
    pub order: store::Order,
    pub state_zh: &'static str,
    pub waiting_for: Option<&'static str>,
    pub overdue: bool,
    pub department_name: Option<String>,
    pub team_name: Option<String>,
    pub region_name: String,
    pub events: Vec<store::Event>,
    /// The caller's parties and the steps it may take now.
    pub parties: Vec<Party>,
    pub steps: Vec<&'static str>,
}

fn rules_order(o: &store::Order) -> Result<Order> {
    Ok(Order {
        state: OrderState::parse(&o.state)
            .ok_or_else(|| Error::Internal(format!("order state {}", o.state)))?,
        department: o.department_unit_id,
        team: o.team_id,
        dispatched_before: o.dispatched_before,
        since: o.since,
    })
}

async fn view(s: &Services, o: store::Order, parties: Vec<Party>) -> Result<OrderView> {
    let r = rules_order(&o)?;
    let department_name = match o.department_unit_id {
        Some(u) => kesu_store::units::get(&s.ctx.db, u)
            .await
            .ok()
            .map(|u| u.name),
        None => None,
    };
    let team_name = match o.team_id {
        Some(t) => volunteers::team(&s.ctx.db, t).await?.map(|t| t.name),
        None => None,
    };
    let region_name = kesu_store::regions::get(&s.ctx.db, &o.region_code)
        .await?
        .map(|r| r.name)
        .unwrap_or_default();
    Ok(OrderView {
        state_zh: r.state.zh(),
        waiting_for: r.state.waiting_for().map(Party::zh),
        overdue: o.due_at.is_some_and(|d| s.ctx.now() > d),
        events: store::events(&s.ctx.db, o.id).await?,
        steps: order::possible_steps(&r, &parties),
        department_name,
        team_name,
        region_name,
        parties,
        order: o,
    })
}

/// The caller's parties in order `id`, before a step's input is read: 404 when the order is not
/// the caller's to see, 403 when it sees it but takes no part in it.
pub async fn may_act(
    s: &Services,
    caller: &Caller,
    id: i64,
    asker_code: Option<&str>,
) -> Result<Vec<Party>> {
    let o = store::get(&s.ctx.db, id).await?.ok_or(Error::NotFound)?;
    let p = parties(s, caller, &o, asker_code).await?;
    if !p.is_empty() {
        Ok(p)
    } else if reads(caller, &o.region_code)? {
        Err(Error::Forbidden)
    } else {
        Err(Error::NotFound)
    }
}

/// An order, for its parties and the offices over its region.
pub async fn get(
    s: &Services,
    caller: &Caller,
    id: i64,
    asker_code: Option<&str>,
) -> Result<OrderView> {
    let o = store::get(&s.ctx.db, id).await?.ok_or(Error::NotFound)?;
    let p = parties(s, caller, &o, asker_code).await?;
    if p.is_empty() && !reads(caller, &o.region_code)? {
        return Err(Error::NotFound);
    }
    view(s, o, p).await
}

/// An order by its asker's code (a citizen without an account).
pub async fn by_code(s: &Services, caller: &Caller, code: &str) -> Result<OrderView> {
    let c = Code::parse(code).map_err(|_| Error::NotFound)?;
    let o = store::by_asker_code(&s.ctx.db, c.as_str())
        .await?
        .ok_or(Error::NotFound)?;
    get(s, caller, o.id, Some(c.as_str())).await
}

/// Take a step on an order. `version` is the one the caller's page showed (a stale one is a
/// conflict); `asker_code` identifies a citizen asker.
pub async fn step(
    s: &Services,
    caller: &Caller,
    id: i64,
    step: &Step,
    version: Option<i64>,
    asker_code: Option<&str>,
) -> Result<OrderView> {
    let o = store::get(&s.ctx.db, id).await?.ok_or(Error::NotFound)?;
    let p = parties(s, caller, &o, asker_code).await?;
    if p.is_empty() && !reads(caller, &o.region_code)? {
        return Err(Error::NotFound);
    }
    let mut step = step.clone();
    match &mut step {
        Step::Accept { team_id } => {
            let teams = led_teams(s, caller).await?;
            let fits: Vec<&volunteers::Team> = teams.iter().filter(|t| team_fits(t, &o)).collect();
            let chosen = if *team_id == 0 {
                fits.first().copied()
            } else {
                fits.iter().find(|t| t.id == *team_id).copied()
            };
            match chosen {
                Some(t) => *team_id = t.id,
                None if p.contains(&Party::Team) => {
                    return Err(Error::invalid_field(
                        "team_id",
                        "该服务队不能承接此工单 (team not eligible)",
                    ));
                }
                None => {}
            }
        }
        Step::Dispatch {
            assignee: Assignee::Department(unit),
            ..
        } => {
            let u = kesu_store::units::get(&s.ctx.db, *unit)
                .await
                .map_err(|_| Error::invalid_field("unit_id", "领单部门不存在 (no such unit)"))?;
            let related = o.region_code.starts_with(&u.region_code)
                || u.region_code.starts_with(&o.region_code);
            if !related {
                return Err(Error::invalid_field(
                    "unit_id",
                    "领单部门不在工单所在地区 (unit in another region)",
                ));
            }
        }
        _ => {}
    }
    let now = s.ctx.now();
    let applied = order::apply(&rules_order(&o)?, &p, &step, now, &s.deadlines)?;
    let next = &applied.order;
    let (report, stars, comment) = match &step {
        Step::Complete { report } => (Some(report.trim()), None, None),
        Step::Rate { stars, comment } => (None, Some(i32::from(*stars)), Some(comment.trim())),
        _ => (None, None, None),
    };
    let party = p
        .iter()
        .copied()
        .find(|x| Some(*x) == order::owner(state_of(&o), &step))
        .unwrap_or(Party::Dispatcher);
    let mut tx = s.ctx.db.begin().await?;
    let ok = store::apply(
        &mut tx,
        id,
        version.unwrap_or(o.version),
        &store::Update {
            state: next.state.as_str(),
            department_unit_id: next.department,
            team_id: next.team,
            dispatched_before: next.dispatched_before,
            since: now,
            due_at: s.deadlines.due(next.state, now),
            report,
            stars,
            comment,
        },
        who(caller),
        party.as_str(),
        step.name(),
        &o.state,
        step.text(),
        applied.late,
    )
    .await?;
    if !ok {
        return Err(Error::Conflict(
            "工单已被他人处理，请刷新后再试 (the order changed meanwhile)".into(),
        ));
    }
    audit::record_in_region(
        &mut tx,
        &caller.audit,
        Some(&o.region_code),
        &format!("services.order.{}", step.name()),
        &format!("service_order:{id}"),
        Some(&json!({"state": o.state, "department": o.department_unit_id, "team": o.team_id})),
        Some(
            &json!({"state": next.state.as_str(), "department": next.department,
                     "team": next.team, "party": party.as_str(), "text": step.text(),
                     "late": applied.late}),
        ),
    )
    .await?;
    tx.commit().await?;
    get(s, caller, id, asker_code).await
}

/// A stored order's state (an unknown one reads as asked; the table never holds one).
fn state_of(o: &store::Order) -> OrderState {
    OrderState::parse(&o.state).unwrap_or(OrderState::Asked)
}

/// An account's work lists: one per party it can be.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Queues {
    /// 待派单 (and overdue ones to re-dispatch), for a dispatcher.
    pub dispatch: Vec<OrderView>,
    /// 待领单 and 已领单, for a department.
    pub department: Vec<OrderView>,
    /// Open, claimed and in service, for a team leader.
    pub team: Vec<OrderView>,
    /// Asked by the account.
    pub mine: Vec<OrderView>,
    pub is_dispatcher: bool,
    pub is_department: bool,
    pub is_team: bool,
}

pub async fn queues(s: &Services, caller: &Caller) -> Result<Queues> {
    let Principal::User(a) = &caller.principal else {
        return Err(Error::NotFound);
    };
    let mut q = Queues::default();
    let now: OffsetDateTime = s.ctx.now();
    let all = |f: store::Filter| async move { store::list(&s.ctx.db, &f).await };
    if a.role == Role::Admin {
        q.is_dispatcher = true;
        for o in all(store::Filter {
            region: a.region.as_str().to_string(),
            limit: 1000,
            ..Default::default()
        })
        .await?
        {
            let st = state_of(&o);
            let waiting = st == OrderState::Asked
                || (matches!(
                    st,
                    OrderState::Dispatched | OrderState::Claimed | OrderState::Open
                ) && o.due_at.is_some_and(|d| now > d));
            if waiting {
                let p = parties(s, caller, &o, None).await?;
                q.dispatch.push(view(s, o, p).await?);
            }
        }
    }
    if a.role == Role::Reporter
        && let Some(unit) = a.unit_id
    {
        q.is_department = true;
        for o in all(store::Filter {
            department_unit_id: Some(unit),
            limit: 1000,
            ..Default::default()
        })
        .await?
        {
            if matches!(state_of(&o), OrderState::Dispatched | OrderState::Claimed) {
                let p = parties(s, caller, &o, None).await?;
                q.department.push(view(s, o, p).await?);
            }
        }
    }
    let teams = led_teams(s, caller).await?;
    if !teams.is_empty() {
        q.is_team = true;
        for o in all(store::Filter {
            limit: 5000,
            ..Default::default()
        })
        .await?
        {
            let active = matches!(
                state_of(&o),
                OrderState::Open | OrderState::Claimed | OrderState::Accepted
            );
            if active && teams.iter().any(|t| team_fits(t, &o)) {
                let p = parties(s, caller, &o, None).await?;
                q.team.push(view(s, o, p).await?);
            }
        }
    }
    for o in all(store::Filter {
        asker_user_id: Some(a.user_id),
        limit: 200,
        ..Default::default()
    })
    .await?
    {
        let p = parties(s, caller, &o, None).await?;
        q.mine.push(view(s, o, p).await?);
    }
    Ok(q)
}
