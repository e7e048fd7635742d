//! 催报 by unit: `/rounds/{id}/chase` (the page) and `/rounds/{id}/late.xlsx` (the same list as a
//! workbook), one line per unit that still owes reports — 逾期项数, 未报项数, the tasks, and
//! whom to call (the unit registry's contact, which an admin edits on the page through
//! `/units/{id}/contact`). The list itself is `kesu_app::reporting::chase`.

use super::errors::form_error;
use super::{Layout, PageResult, UserBar, check_csrf, redirect_with, render, xlsx_response};
use crate::auth::{Caller, ClientIp};
use crate::error::AppError;
use crate::sheets::{header_format, xerr};
use crate::{AppState, access};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use kesu_app::reporting::chase::{self, UnitChase};
use kesu_core::authz::Role;
use rust_xlsxwriter::{Format, Workbook};
use serde::Deserialize;

struct ChaseLine {
    unit_id: i64,
    unit_name: String,
    region: String,
    overdue: usize,
    not_reported: usize,
    returned: usize,
    tasks: Vec<(i64, String)>,
    contact_person: String,
    contact_phone: String,
}

#[derive(Template)]
#[template(path = "chase.html")]
struct ChasePage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    round_id: i64,
    round_title: String,
    due: String,
    past_due: bool,
    lines: Vec<ChaseLine>,
    overdue_units: usize,
    can_edit: bool,
    back: String,
}

#[derive(Deserialize, Default)]
pub(super) struct ChaseQuery {
    #[serde(default)]
    msg: Option<String>,
}

async fn lines(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<(kesu_store::reporting::Round, Vec<UnitChase>), AppError> {
    Ok(chase::by_unit(&access::ctx(state), &access::app_caller(caller, None), id).await?)
}

pub(super) async fn chase_page(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<ChaseQuery>,
) -> PageResult {
    let (round, units) = lines(&state, &caller, id).await?;
    let l = Layout::new(&state, &caller).await?.with_flash(q.msg);
    let names = super::plans::region_names(
        &state,
        units.iter().map(|u| u.region_code.clone()).collect(),
    )
    .await?;
    render(&ChasePage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf.clone(),
        round_id: round.id,
        due: round.due_date.to_string(),
        past_due: state.today() > round.due_date,
        overdue_units: units.iter().filter(|u| u.overdue > 0).count(),
        can_edit: caller.actor.role == Role::Admin,
        back: format!("/rounds/{}/chase", round.id),
        round_title: round.title,
        lines: units
            .into_iter()
            .map(|u| ChaseLine {
                region: names.get(&u.region_code).cloned().unwrap_or(u.region_code),
                unit_id: u.unit_id,
                unit_name: u.unit_name,
                overdue: u.overdue,
                not_reported: u.not_reported,
                returned: u.returned,
                tasks: u.tasks,
                contact_person: u.contact_person.unwrap_or_default(),
                contact_phone: u.contact_phone.unwrap_or_default(),
            })
            .collect(),
    })
}

/// The chase list as a workbook: one row per unit.
pub(super) async fn chase_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> PageResult {
    let (round, units) = lines(&state, &caller, id).await?;
    let bytes = workbook(&round, &units)?;
    Ok(xlsx_response(
        bytes,
        &format!("催报名单-{}.xlsx", round.title),
    ))
}

fn workbook(
    round: &kesu_store::reporting::Round,
    units: &[UnitChase],
) -> Result<Vec<u8>, AppError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("催报名单").map_err(xerr)?;
    let cols = [
        ("序号", 6.0),
        ("单位", 28.0),
        ("地区代码", 10.0),
        ("逾期项数", 10.0),
        ("未报项数", 10.0),
        ("其中已退回", 10.0),
        ("联系人", 12.0),
        ("联系电话", 16.0),
        ("未报任务", 60.0),
    ];
    let h = header_format();
    for (i, (name, width)) in cols.iter().enumerate() {
        let c = u16::try_from(i).unwrap_or(u16::MAX);
        ws.write_string_with_format(0, c, *name, &h).map_err(xerr)?;
        ws.set_column_width(c, *width).map_err(xerr)?;
    }
    ws.set_freeze_panes(1, 0).map_err(xerr)?;
    let wrap = Format::new().set_text_wrap();
    for (i, u) in units.iter().enumerate() {
        let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
        ws.write_number(r, 0, (i + 1) as f64).map_err(xerr)?;
        ws.write_string(r, 1, &u.unit_name).map_err(xerr)?;
        ws.write_string(r, 2, &u.region_code).map_err(xerr)?;
        ws.write_number(r, 3, u.overdue as f64).map_err(xerr)?;
        ws.write_number(r, 4, u.not_reported as f64).map_err(xerr)?;
        ws.write_number(r, 5, u.returned as f64).map_err(xerr)?;
        ws.write_string(r, 6, u.contact_person.as_deref().unwrap_or(""))
            .map_err(xerr)?;
        ws.write_string(r, 7, u.contact_phone.as_deref().unwrap_or(""))
            .map_err(xerr)?;
        let tasks: Vec<&str> = u.tasks.iter().map(|(_, t)| t.as_str()).collect();
        ws.write_string_with_format(r, 8, tasks.join("\n"), &wrap)
            .map_err(xerr)?;
    }
    let note_row = u32::try_from(units.len() + 2).unwrap_or(u32::MAX);
    ws.write_string(
        note_row,
        1,
        format!("{}，截止日期 {}", round.title, round.due_date),
    )
    .map_err(xerr)?;
    wb.save_to_buffer().map_err(xerr)
}

#[derive(Deserialize)]
pub(super) struct ContactForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    phone: String,
    /// Where to come back to (a path of this site).
    #[serde(default)]
    back: String,
}

/// Set a unit's contact (an admin over it); back to the chase list it came from.
pub(super) async fn set_contact(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    Form(f): Form<ContactForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let c = access::app_caller(&caller, ip);
    let back = if f.back.starts_with('/') && !f.back.starts_with("//") {
        f.back.clone()
    } else {
        "/".to_string()
    };
    match chase::set_contact(&access::ctx(&state), &c, id, &f.person, &f.phone).await {
        Ok(()) => Ok(redirect_with(&back, "联系人已保存")),
        Err(e) => {
            let err = form_error(e)?;
            Ok(redirect_with(&back, &err.message))
        }
    }
}
