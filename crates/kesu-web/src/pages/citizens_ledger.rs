//! The ledger pages: counts by region and key group with coverage beside the survey estimate
//! and the over-claim flag; entries (masked), their history, adding, moving (requested by one
//! village, accepted by the other) and removing; a reveal with permission and reason (audited);
//! the resident-list check (the list is not kept); a person's export and deletion on request.
//! An account sees its own region subtree only: anything else is 404.

use super::{app_caller, ctx, keys};
use crate::AppState;
use crate::auth::{Caller, ClientIp};
use crate::error::AppError;
use crate::files;
use crate::pages::{Layout, PageResult, UserBar, check_csrf, parse_date, redirect_with, render};
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use kesu_app::citizens::ledger::{
    self, EntryDetail, EntryView, Field, Overview, ResidentCheck, Unlisted,
};
use kesu_app::citizens::person;
use kesu_citizens::ledger::KeyGroup;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct OverviewQuery {
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    msg: Option<String>,
}

#[derive(Template)]
#[template(path = "citizens/ledger.html")]
struct OverviewPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    o: Overview,
    groups: Vec<(&'static str, &'static str)>,
    entries: Vec<EntryView>,
    page: u32,
    is_admin: bool,
    today: String,
    residents: Option<(u32, u32, Vec<Unlisted>)>,
}

impl OverviewPage {
    fn f1(&self, x: &f64) -> String {
        format!("{x:.1}")
    }
}

async fn overview_page(
    state: &AppState,
    caller: &Caller,
    region: Option<String>,
    page: u32,
    flash: Option<String>,
    residents: Option<(u32, u32, Vec<Unlisted>)>,
) -> PageResult {
    let l = Layout::new(state, caller).await?.with_flash(flash);
    let region = region.unwrap_or_else(|| caller.actor.region.as_str().to_string());
    let c = ctx(state);
    let who = app_caller(caller, None);
    let keys = keys(state)?;
    let o = ledger::overview(&c, &who, &region, state.today().year()).await?;
    let entries = ledger::list(&c, &who, &keys, &region, page).await?;
    render(&OverviewPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        o,
        groups: KeyGroup::ALL.iter().map(|g| (g.as_str(), g.zh())).collect(),
        entries,
        page,
        is_admin: caller.actor.role == kesu_core::authz::Role::Admin,
        today: state.today().to_string(),
        residents,
    })
}

pub async fn overview(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<OverviewQuery>,
) -> PageResult {
    overview_page(&state, &caller, q.region, q.page.unwrap_or(0), q.msg, None).await
}

/// Missing fields are empty: the use case names what is wrong, after the caller's rights are
/// checked.
#[derive(Deserialize)]
pub struct AddForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    village: String,
    #[serde(default)]
    key_group: String,
    #[serde(default)]
    basis: String,
    #[serde(default)]
    attempt_id: String,
    #[serde(default)]
    wave_id: String,
    #[serde(default)]
    document: String,
    entered_on: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    sex: String,
}

fn opt_id(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

pub async fn add(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Form(f): Form<AddForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let keys = keys(&state)?;
    let birth_date = match f.birth_date.trim() {
        "" => None,
        d => Some(parse_date(d, "出生日期")?),
    };
    let out = ledger::add(
        &ctx(&state),
        &app_caller(&caller, ip),
        &keys,
        ledger::NewEntry {
            name: f.name,
            id_number: f.id_number,
            phone: f.phone,
            village: f.village.clone(),
            key_group: f.key_group,
            basis: f.basis,
            attempt_id: opt_id(&f.attempt_id),
            wave_id: opt_id(&f.wave_id),
            document: f.document,
            entered_on: parse_date(&f.entered_on, "入账日期")?,
            birth_date,
            sex: Some(f.sex),
        },
    )
    .await?;
    Ok(match out {
        ledger::AddOutcome::Added(id) => {
            redirect_with(&format!("/ledger/entries/{id}"), "已加入台账")
        }
        ledger::AddOutcome::AlreadyIn(Some(id)) => redirect_with(
            &format!("/ledger/entries/{id}"),
            "此人已在台账中，未重复加入",
        ),
        ledger::AddOutcome::AlreadyIn(None) => {
            redirect_with("/ledger", "此人已在其他村（社区）的台账中，未重复加入")
        }
    })
}

#[derive(Template)]
#[template(path = "citizens/ledger_entry.html")]
struct EntryPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    d: EntryDetail,
    revealed: Option<(String, String)>,
    today: String,
}

impl EntryPage {
    fn time(&self, t: &time::OffsetDateTime) -> String {
        crate::pages::local_time(*t)
    }
}

async fn entry_page(
    state: &AppState,
    caller: &Caller,
    id: i64,
    flash: Option<String>,
    revealed: Option<(String, String)>,
) -> PageResult {
    let l = Layout::new(state, caller).await?.with_flash(flash);
    let keys = keys(state)?;
    let d = ledger::detail(&ctx(state), &app_caller(caller, None), &keys, id).await?;
    let mut res = render(&EntryPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        d,
        revealed,
        today: state.today().to_string(),
    })?;
    // A page with a revealed value is never cached.
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

pub async fn entry(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<OverviewQuery>,
) -> PageResult {
    entry_page(&state, &caller, id, q.msg, None).await
}

#[derive(Deserialize)]
pub struct RemoveForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    reason: String,
    on: String,
}

pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    Form(f): Form<RemoveForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let on = parse_date(&f.on, "移出日期")?;
    ledger::remove(&ctx(&state), &app_caller(&caller, ip), id, &f.reason, on).await?;
    Ok(redirect_with(
        &format!("/ledger/entries/{id}"),
        "已移出台账",
    ))
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    note: String,
}

pub async fn request_move(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    Form(f): Form<MoveForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    ledger::request_move(&ctx(&state), &app_caller(&caller, ip), id, &f.to, &f.note).await?;
    Ok(redirect_with(
        &format!("/ledger/entries/{id}"),
        "迁移申请已提交，待迁入村（社区）接收",
    ))
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    /// `accept`, `reject` or `cancel`.
    #[serde(default)]
    action: String,
}

pub async fn decide_move(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    Form(f): Form<DecideForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    ledger::decide_move(&ctx(&state), &app_caller(&caller, ip), id, &f.action).await?;
    Ok(redirect_with("/ledger", "迁移申请已处理"))
}

#[derive(Deserialize)]
pub struct RevealForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    field: String,
    reason: String,
}

pub async fn reveal(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    Form(f): Form<RevealForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let field = Field::parse(&f.field)
        .ok_or_else(|| AppError::Invalid("未知字段 (unknown field)".into()))?;
    let keys = keys(&state)?;
    let value = ledger::reveal(
        &ctx(&state),
        &app_caller(&caller, ip),
        &keys,
        id,
        field,
        &f.reason,
    )
    .await?;
    let label = match field {
        Field::Name => "姓名",
        Field::IdNumber => "身份证号",
        Field::Phone => "手机号",
    };
    entry_page(
        &state,
        &caller,
        id,
        Some("本次查看已记入审计日志".into()),
        Some((label.into(), value)),
    )
    .await
}

pub async fn residents(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> PageResult {
    let form = files::read_form(multipart).await?;
    check_csrf(&caller, form.field("_csrf"))?;
    let region = match form.field("region").trim() {
        "" => caller.actor.region.as_str().to_string(),
        r => r.to_string(),
    };
    let Some(file) = form.file else {
        return Err(AppError::Invalid("请选择居民名单文件 (no file)".into()).into());
    };
    let keys = keys(&state)?;
    let out = ledger::unlisted_residents(
        &ctx(&state),
        &app_caller(&caller, ip),
        &keys,
        &region,
        &file.bytes,
    )
    .await?;
    match out {
        ResidentCheck::Checked {
            residents,
            in_ledger,
            unlisted,
        } => {
            overview_page(
                &state,
                &caller,
                Some(region),
                0,
                None,
                Some((residents, in_ledger, unlisted)),
            )
            .await
        }
        ResidentCheck::Refused(rows) => Err(super::refused("名单", &file.name, &rows).into()),
    }
}

#[derive(Deserialize)]
pub struct PersonForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    phone: String,
    reason: String,
    action: String,
}

/// A person's data on request: `export` downloads it as JSON (the person's own copy),
/// `erase` deletes it.
pub async fn person(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Form(f): Form<PersonForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let keys = keys(&state)?;
    let c = ctx(&state);
    let who = app_caller(&caller, ip);
    match f.action.as_str() {
        "export" => {
            let out = person::export(&c, &who, &keys, &f.id_number, &f.phone, &f.reason).await?;
            let body =
                serde_json::to_vec_pretty(&out).map_err(|e| AppError::Internal(e.to_string()))?;
            Ok((
                [
                    (header::CONTENT_TYPE, "application/json; charset=utf-8"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"person.json\"",
                    ),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                body,
            )
                .into_response())
        }
        "erase" => {
            let out = person::erase(&c, &who, &keys, &f.id_number, &f.phone, &f.reason).await?;
            Ok(redirect_with(
                "/ledger",
                &format!(
                    "已删除：台账条目 {} 条，答题记录中的姓名和手机号 {} 条",
                    out.entries, out.attempts
                ),
            ))
        }
        _ => Err(AppError::Invalid("未知操作 (unknown action)".into()).into()),
    }
}

#[derive(Deserialize)]
pub struct PermissionForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    username: String,
    /// `grant` or `revoke`.
    #[serde(default)]
    action: String,
}

pub async fn permission(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Form(f): Form<PermissionForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    ledger::set_reveal_permission(
        &ctx(&state),
        &app_caller(&caller, ip),
        f.username.trim(),
        &f.action,
    )
    .await?;
    Ok(redirect_with(
        "/ledger",
        if f.action == "grant" {
            "已授予查看完整个人信息的权限"
        } else {
            "已收回权限"
        },
    ))
}
