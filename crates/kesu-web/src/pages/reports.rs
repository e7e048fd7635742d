//! One unit's report in a round: `/reports/{id}` (the page, save and submit), the reviewer's
//! return / accept / unlock, the admin's exception for filing after the lock date, and evidence
//! attachments (upload to `/reports/{id}/attachments`, download from `/attachments/{id}`, remove
//! with `/attachments/{id}/delete`). What the page shows comes from `kesu_app::reporting::view`
//! (other units' reports only where the caller may open them). [`do_transition`] and
//! [`do_attach`] are shared with the API.

use super::{
    CsrfForm, FlashQuery, Layout, PageResult, UserBar, check_csrf, light_class, local_time,
    redirect_with, render, role_zh,
};
use crate::auth::{Caller, ClientIp};
use crate::error::AppError;
use crate::{AppState, access, files};
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use kesu_core::authz::{Action, Role};
use kesu_core::report::{self, ReportState, Transition};
use kesu_store::reporting::{self, ReportChange, Slot};
use std::collections::BTreeMap;

struct SiblingView {
    unit_name: String,
    role_zh: &'static str,
    state: String,
    state_zh: &'static str,
    content: Option<String>,
}

struct ValueView {
    target_id: i64,
    text: String,
    unit: Option<String>,
    value_text: String,
}

struct AttachmentView {
    id: i64,
    file_name: String,
    size_text: String,
    uploaded_by: String,
    at: String,
}

struct EventView {
    at: String,
    actor: String,
    action_zh: &'static str,
    from_zh: &'static str,
    to_zh: &'static str,
    reason: Option<String>,
    /// 原因 for a return or unlock; 审核意见 for the comment a reviewer gives with an acceptance.
    reason_label: &'static str,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    slot: Slot,
    round_title: String,
    role_zh: &'static str,
    state_zh: &'static str,
    light: &'static str,
    late: bool,
    return_reason: Option<String>,
    content: String,
    values: Vec<ValueView>,
    siblings: Vec<SiblingView>,
    attachments: Vec<AttachmentView>,
    history: Vec<EventView>,
    can_edit: bool,
    can_review: bool,
    can_admin: bool,
}

fn state_zh(s: &str) -> &'static str {
    ReportState::parse(s).map(|s| s.zh()).unwrap_or("?")
}

fn action_zh(a: &str) -> &'static str {
    match a {
        "save" => "保存",
        "submit" => "提交",
        "return" => "退回",
        "accept" => "通过",
        "unlock" => "解锁",
        "attach" => "添加附件",
        "detach" => "删除附件",
        _ => "修改",
    }
}

pub fn size_text(n: i64) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MB", n as f64 / 1048576.0)
    } else {
        format!("{:.0} KB", (n as f64 / 1024.0).ceil())
    }
}

pub(super) async fn report_page(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let v = kesu_app::reporting::view(&access::ctx(&state), &access::app_caller(&caller, None), id)
        .await?;
    let (slot, r) = (v.slot, v.round);
    let l = Layout::new(&state, &caller).await?.with_flash(q.msg);
    let today = state.today();
    let st = slot.state();
    let values = v
        .values
        .into_iter()
        .map(|v| ValueView {
            target_id: v.target_id,
            text: v.text,
            unit: v.unit,
            value_text: v.value.map(kesu_core::plan::fmt_num).unwrap_or_default(),
        })
        .collect();
    let siblings = v
        .siblings
        .into_iter()
        .map(|s| SiblingView {
            role_zh: role_zh(&s.slot.role),
            state_zh: state_zh(&s.slot.state),
            content: s.content,
            unit_name: s.slot.unit_name,
            state: s.slot.state,
        })
        .collect();
    let attachments = v
        .attachments
        .into_iter()
        .map(|a| AttachmentView {
            id: a.id,
            size_text: size_text(a.size),
            at: local_time(a.at),
            file_name: a.file_name,
            uploaded_by: a.uploaded_by,
        })
        .collect();
    let history = v
        .history
        .into_iter()
        .map(|e| EventView {
            at: local_time(e.at),
            action_zh: action_zh(&e.action),
            from_zh: state_zh(&e.from_state),
            to_zh: state_zh(&e.to_state),
            reason_label: if e.action == "accept" {
                "审核意见"
            } else {
                "原因"
            },
            actor: e.actor,
            reason: e.reason,
        })
        .collect();
    let own = caller.actor.unit_id == Some(slot.unit_id) || caller.actor.role == Role::Admin;
    let can_edit = own
        && matches!(caller.actor.role, Role::Reporter | Role::Admin)
        && st.editable()
        && (today <= r.lock_date || slot.exception);
    let can_review = st == ReportState::Submitted && access::reviews(&caller, &slot.region_code)?;
    let can_admin = access::administers(&caller, &slot.region_code)?;
    render(&ReportPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf.clone(),
        round_title: r.title.clone(),
        role_zh: role_zh(&slot.role),
        state_zh: st.zh(),
        light: light_class(report::light(st, slot.submitted_on(), today, r.due_date)),
        late: report::is_late(st, slot.submitted_on(), today, r.due_date),
        return_reason: v.return_reason,
        content: v.content,
        values,
        siblings,
        attachments,
        history,
        can_edit,
        can_review,
        can_admin,
        slot,
    })
}

/// Apply a transition on behalf of the caller after the scope check. Shared by pages and API.
pub async fn do_transition(
    state: &AppState,
    caller: &Caller,
    id: i64,
    t: Transition,
    change: ReportChange,
    ip: Option<String>,
) -> Result<i64, AppError> {
    let c = access::app_caller(caller, ip);
    Ok(kesu_app::reporting::change(&access::ctx(state), &c, id, t, &change).await?)
}

/// Read the `value_<target id>` fields of a report form.
fn form_values(fields: &BTreeMap<String, String>) -> Result<Vec<(i64, Option<f64>)>, AppError> {
    let mut out = Vec::new();
    for (k, v) in fields {
        let Some(id) = k.strip_prefix("value_") else {
            continue;
        };
        let id: i64 = id
            .parse()
            .map_err(|_| AppError::BadRequest(format!("字段“{k}”无效")))?;
        let v = v.trim().replace([',', '，'], "");
        let value = if v.is_empty() {
            None
        } else {
            Some(
                v.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| {
                        AppError::Invalid(format!("“{v}”不是数字，请填写数值 (not a number)"))
                    })?,
            )
        };
        out.push((id, value));
    }
    Ok(out)
}

fn field<'a>(fields: &'a BTreeMap<String, String>, k: &str) -> &'a str {
    fields.get(k).map(String::as_str).unwrap_or("")
}

fn version_field(fields: &BTreeMap<String, String>) -> Result<i64, AppError> {
    field(fields, "version")
        .parse()
        .map_err(|_| AppError::BadRequest("缺少版本号 (no version)".into()))
}

pub(super) async fn save_report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    Form(fields): Form<BTreeMap<String, String>>,
) -> PageResult {
    check_csrf(&caller, field(&fields, "_csrf"))?;
    let t = if field(&fields, "action") == "submit" {
        Transition::Submit
    } else {
        Transition::Save
    };
    let change = ReportChange {
        expected_version: version_field(&fields)?,
        content: Some(field(&fields, "content").to_string()),
        values: form_values(&fields)?,
        reason: None,
    };
    do_transition(&state, &caller, id, t, change, ip.clone()).await?;
    let msg = if t == Transition::Submit {
        "已提交"
    } else {
        "已保存草稿"
    };
    Ok(redirect_with(&format!("/reports/{id}"), msg))
}

pub(super) async fn review_report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    Form(fields): Form<BTreeMap<String, String>>,
) -> PageResult {
    check_csrf(&caller, field(&fields, "_csrf"))?;
    let t = match field(&fields, "action") {
        "return" => Transition::Return,
        "accept" => Transition::Accept,
        "unlock" => Transition::Unlock,
        other => return Err(AppError::BadRequest(format!("未知操作“{other}”")).into()),
    };
    let reason = Some(field(&fields, "reason").to_string()).filter(|r| !r.trim().is_empty());
    let change = ReportChange {
        expected_version: version_field(&fields)?,
        reason,
        ..Default::default()
    };
    do_transition(&state, &caller, id, t, change, ip.clone()).await?;
    let msg = match t {
        Transition::Accept => "已通过",
        Transition::Unlock => "已解锁",
        _ => "已退回",
    };
    Ok(redirect_with(&format!("/reports/{id}"), msg))
}

pub(super) async fn grant_exception(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let c = access::app_caller(&caller, ip);
    kesu_app::reporting::grant_exception(&access::ctx(&state), &c, id).await?;
    Ok(redirect_with(
        &format!("/reports/{id}"),
        "已准许该单位在锁定后补报",
    ))
}

/// Store an uploaded evidence file for a report the caller may write, whose version the caller
/// saw as `version` (a stale tab is refused like a stale save). Returns the attachment's id.
/// Shared by page and API.
pub async fn do_attach(
    state: &AppState,
    caller: &Caller,
    id: i64,
    version: i64,
    file: files::Upload,
    ip: Option<String>,
) -> Result<i64, AppError> {
    // Scope first: nothing of an out-of-scope caller's file is kept.
    access::report(state, caller, id, Action::Report).await?;
    let stored = files::store(&state.files_dir, &file).await?;
    let new = reporting::NewAttachment {
        sha256: stored.sha256,
        file_name: file.name,
        mime: stored.mime.to_string(),
        size: i64::try_from(file.bytes.len()).unwrap_or(i64::MAX),
    };
    let c = access::app_caller(caller, ip);
    let (aid, _) = kesu_app::reporting::attach(&access::ctx(state), &c, id, version, &new).await?;
    Ok(aid)
}

/// The version a form or multipart body says its tab saw.
pub fn parse_version(v: &str) -> Result<i64, AppError> {
    v.trim()
        .parse()
        .map_err(|_| AppError::BadRequest("缺少版本号 (no version)".into()))
}

pub(super) async fn upload_attachment(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> PageResult {
    let form = files::read_form(multipart).await?;
    check_csrf(&caller, form.field("_csrf"))?;
    let version = parse_version(form.field("version"))?;
    let Some(file) = form.file else {
        return Err(AppError::Invalid("请选择要上传的文件 (no file)".into()).into());
    };
    do_attach(&state, &caller, id, version, file, ip.clone()).await?;
    Ok(redirect_with(&format!("/reports/{id}"), "附件已上传"))
}

#[derive(serde::Deserialize)]
pub(super) struct DetachForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    version: String,
}

pub(super) async fn remove_attachment(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    Form(f): Form<DetachForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let version = parse_version(&f.version)?;
    let c = access::app_caller(&caller, ip);
    let (report, _) = kesu_app::reporting::detach(&access::ctx(&state), &c, id, version).await?;
    Ok(redirect_with(&format!("/reports/{report}"), "附件已删除"))
}

pub(super) async fn download_attachment(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> PageResult {
    let a = kesu_app::reporting::attachment(
        &access::ctx(&state),
        &access::app_caller(&caller, None),
        id,
    )
    .await?;
    let bytes = files::load(&state.files_dir, &a.sha256).await?;
    Ok(super::file_response(
        bytes,
        &a.mime,
        &a.file_name,
        "file",
        false,
    ))
}
