//! One unit's report in a round: `/reports/{id}` (the page; its form saves, submits, and adds
//! or removes evidence files in one go, so nothing typed is lost to an upload), the review
//! (`/reports/{id}/review`: return, accept, unlock, and the county's 初审通过 in a round with
//! 县级初审; after each, the next report waiting for the reviewer), the admin's exception for
//! filing after the lock date, and evidence downloads. A refused form comes back with the
//! message next to its field and every value as typed. What the page shows comes from
//! `kesu_app::reporting::view`. [`do_transition`] and [`do_attach`] are shared with the API.

use super::errors::{FormError, form_error};
use super::{
    CsrfForm, FlashQuery, Layout, PageResult, UserBar, check_csrf, light_class, local_time,
    redirect_with, render, role_zh,
};
use crate::auth::{Caller, ClientIp};
use crate::error::AppError;
use crate::{AppState, access, files};
use askama::Template;
use axum::Form;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use kesu_core::authz::{Action, Role};
use kesu_core::report::{self, ReportState, Step, Transition};
use kesu_store::reporting::{self, FormWrite, ReportChange, Slot};
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
    /// The box's value: as stored, or as typed in a refused form.
    value_text: String,
    label: String,
    rule: String,
    example: String,
    unit: String,
    error: Option<String>,
}

/// The next report waiting for the reviewer.
struct NextView {
    id: i64,
    label: String,
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

/// The review controls the caller gets, if any.
struct ReviewView {
    /// 初审 (the county passes up) or 审核 (the round's office accepts).
    county: bool,
    /// The reason as typed in a refused review.
    reason: String,
    error: Option<String>,
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
    content_error: Option<String>,
    form_error: Option<String>,
    values: Vec<ValueView>,
    siblings: Vec<SiblingView>,
    attachments: Vec<AttachmentView>,
    history: Vec<EventView>,
    can_edit: bool,
    review: Option<ReviewView>,
    /// The report waits for the county's check before the caller (the round's office) decides.
    awaits_county: bool,
    /// For a reviewer of the round: the next report waiting for them, or none left (`Some(None)`).
    next: Option<Option<NextView>>,
    can_admin: bool,
    can_unlock: bool,
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
        "forward" => "县级初审通过",
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

/// What the caller typed into the report form, when it comes back refused.
#[derive(Default)]
struct Typed {
    content: Option<String>,
    /// Target id → the box's text.
    values: BTreeMap<i64, String>,
    /// Target id → the message next to its box.
    value_errors: BTreeMap<i64, String>,
    /// A refusal about the form as a whole (a stale version, a locked round, a file).
    error: Option<FormError>,
    /// A refused review: the reason as typed and the message.
    review_reason: Option<String>,
    review_error: Option<String>,
}

pub(super) async fn report_page(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    page(&state, &caller, id, q.msg, Typed::default()).await
}

/// The report page, with `typed` in the form where a refused form comes back.
async fn page(
    state: &AppState,
    caller: &Caller,
    id: i64,
    flash: Option<String>,
    typed: Typed,
) -> PageResult {
    let v = kesu_app::reporting::view(&access::ctx(state), &access::app_caller(caller, None), id)
        .await?;
    let (slot, r) = (v.slot, v.round);
    let l = Layout::new(state, caller).await?.with_flash(flash);
    let today = state.today();
    let st = slot.state();
    let hints: BTreeMap<i64, kesu_app::reporting::entry::EntryHint> = v.hints.into_iter().collect();
    let values =
        v.values
            .into_iter()
            .map(|tv| {
                let h = hints.get(&tv.target_id);
                ValueView {
                    value_text: typed.values.get(&tv.target_id).cloned().unwrap_or_else(|| {
                        tv.value.map(kesu_core::plan::fmt_num).unwrap_or_default()
                    }),
                    error: typed.value_errors.get(&tv.target_id).cloned(),
                    label: h.map(|h| h.label.clone()).unwrap_or_default(),
                    rule: h.map(|h| h.rule.clone()).unwrap_or_default(),
                    example: h.map(|h| h.example.clone()).unwrap_or_default(),
                    unit: h
                        .map(|h| h.unit.clone())
                        .or(tv.unit.clone())
                        .unwrap_or_default(),
                    target_id: tv.target_id,
                    text: tv.text,
                }
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
            reason_label: if matches!(e.action.as_str(), "accept" | "forward") {
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
        && access::report(state, caller, id, Action::Report)
            .await
            .is_ok()
        && st.editable()
        && r.closed_at.is_none()
        && (today <= r.lock_date || slot.exception);
    // The review controls: for whoever the report now waits for.
    let waits_for = |step: Step| match step {
        Step::Direct | Step::County => st == ReportState::Submitted,
        Step::Office => st == ReportState::PreReviewed,
    };
    let review = v.review.filter(|s| waits_for(*s)).map(|s| ReviewView {
        county: s == Step::County,
        reason: typed.review_reason.clone().unwrap_or_default(),
        error: typed.review_error.clone(),
    });
    let awaits_county = v.review == Some(Step::Office) && st == ReportState::Submitted;
    // A reviewer who has nothing to do here is shown the next report waiting for them.
    let next = match (&v.review, &review) {
        (Some(_), None) => Some(
            kesu_app::reporting::worklist::next_pending(
                &access::ctx(state),
                &access::app_caller(caller, None),
                slot.round_id,
                id,
            )
            .await?
            .map(|n| NextView {
                id: n.id,
                label: format!("{} {} {}", n.unit_name, n.task_path, n.task_title),
            }),
        ),
        _ => None,
    };
    let can_admin = v.review.is_some_and(|s| s != Step::County)
        && caller.actor.role == Role::Admin
        && access::report(state, caller, id, Action::Administer)
            .await
            .is_ok();
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
        content: typed.content.unwrap_or(v.content),
        content_error: typed
            .error
            .as_ref()
            .filter(|e| e.field.as_deref() == Some("content"))
            .map(|e| e.message.clone()),
        form_error: typed
            .error
            .filter(|e| e.field.as_deref() != Some("content"))
            .map(|e| e.message),
        values,
        siblings,
        attachments,
        history,
        can_edit,
        review,
        awaits_county,
        next,
        can_unlock: can_admin && st == ReportState::Accepted,
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

/// A number as people type it: `1,200`, `１２００`, ` 15.5 `; `None` for an empty box.
fn parse_number(raw: &str) -> Result<Option<f64>, String> {
    let v: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | ' '))
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' | '。' => '.',
            _ => c,
        })
        .collect();
    if v.is_empty() {
        return Ok(None);
    }
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(Some(x)),
        _ => {
            let digits: String = v
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            Err(if !digits.is_empty() && digits.len() < v.len() {
                format!(
                    "“{}”不是数字：只填数字，单位不用写，如 {digits}",
                    raw.trim()
                )
            } else {
                format!("“{}”不是数字：请只填数字，如 120 或 15.5", raw.trim())
            })
        }
    }
}

/// The numbers of a report form's boxes (target id → value) and the message of each box that
/// is not a number (target id → message).
type ParsedValues = (Vec<(i64, Option<f64>)>, BTreeMap<i64, String>);

/// The `value_<target id>` fields of a report form: the numbers, or a message per box.
fn form_values(fields: &BTreeMap<String, String>) -> Result<ParsedValues, AppError> {
    let mut out = Vec::new();
    let mut errors = BTreeMap::new();
    for (k, v) in fields {
        let Some(id) = k.strip_prefix("value_") else {
            continue;
        };
        let id: i64 = id
            .parse()
            .map_err(|_| AppError::BadRequest(format!("字段“{k}”无效")))?;
        match parse_number(v) {
            Ok(x) => out.push((id, x)),
            Err(m) => {
                errors.insert(id, m);
            }
        }
    }
    Ok((out, errors))
}

fn field<'a>(fields: &'a BTreeMap<String, String>, k: &str) -> &'a str {
    fields.get(k).map(String::as_str).unwrap_or("")
}

fn version_field(fields: &BTreeMap<String, String>) -> Result<i64, AppError> {
    parse_version(field(fields, "version"))
}

/// A form posted as `multipart/form-data` (with a file) or urlencoded (without).
async fn read_report_form(
    state: &AppState,
    req: Request,
) -> Result<(BTreeMap<String, String>, Option<files::Upload>), AppError> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if multipart {
        let m = Multipart::from_request(req, state)
            .await
            .map_err(|e| AppError::BadRequest(format!("表单无法读取：{}", e.body_text())))?;
        let form = files::read_form(m).await?;
        // A file input left empty sends a part without a name or bytes.
        let file = form.file.filter(|f| !f.bytes.is_empty());
        Ok((form.fields, file))
    } else {
        let Form(fields) = Form::<BTreeMap<String, String>>::from_request(req, state)
            .await
            .map_err(|e| AppError::BadRequest(format!("表单无法读取：{}", e.body_text())))?;
        Ok((fields, None))
    }
}

/// The report form: save (保存草稿), submit (提交), add the chosen file (上传附件) or remove one
/// (删除), always with the text and numbers as typed — saved first, in the same transaction.
pub(super) async fn save_report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    req: Request,
) -> PageResult {
    let (fields, file) = read_report_form(&state, req).await?;
    check_csrf(&caller, field(&fields, "_csrf"))?;
    let version = version_field(&fields)?;
    let action = field(&fields, "action");
    let submit = action == "submit";
    let remove = fields
        .get("detach")
        .and_then(|v| v.trim().parse::<i64>().ok());
    let content = field(&fields, "content").to_string();
    let (values, value_errors) = form_values(&fields)?;
    let typed = |error: Option<FormError>, value_errors: BTreeMap<i64, String>| Typed {
        content: Some(content.clone()),
        values: fields
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("value_")?.parse().ok()?, v.clone())))
            .collect(),
        value_errors,
        error,
        ..Typed::default()
    };
    if !value_errors.is_empty() {
        let lost_file = file.as_ref().map(|f| {
            FormError::new(
                None,
                &format!(
                    "有数值填写不正确，尚未保存；所选文件“{}”也未上传，改正后请重新选择。",
                    f.name
                ),
            )
        });
        return refused(&state, &caller, id, typed(lost_file, value_errors)).await;
    }
    // Scope first: nothing of an out-of-scope caller's file is kept.
    access::report(&state, &caller, id, Action::Report).await?;
    let add = match &file {
        Some(f) => match files::store(&state.files_dir, f).await {
            Ok(stored) => Some(reporting::NewAttachment {
                sha256: stored.sha256,
                file_name: f.name.clone(),
                mime: stored.mime.to_string(),
                size: i64::try_from(f.bytes.len()).unwrap_or(i64::MAX),
            }),
            Err(AppError::Invalid(m)) => {
                let e = FormError::new(
                    Some("file"),
                    &format!("{m}。文字和数值尚未保存，请改选文件后再提交。"),
                );
                return refused(&state, &caller, id, typed(Some(e), BTreeMap::new())).await;
            }
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let w = FormWrite {
        change: ReportChange {
            expected_version: version,
            content: Some(content.clone()),
            values,
            reason: None,
        },
        add,
        remove,
        submit,
    };
    let c = access::app_caller(&caller, ip);
    match kesu_app::reporting::write(&access::ctx(&state), &c, id, &w).await {
        Ok(_) => {
            let msg = match (submit, &w.add, w.remove) {
                (true, _, _) => "已提交",
                (_, Some(_), _) => "附件已上传，填写的内容已一并保存为草稿",
                (_, _, Some(_)) => "附件已删除，填写的内容已一并保存为草稿",
                _ => "已保存草稿",
            };
            let anchor = if w.add.is_some() || w.remove.is_some() {
                "#evidence"
            } else {
                ""
            };
            Ok(redirect_with(&format!("/reports/{id}{anchor}"), msg))
        }
        Err(e) => {
            let e = form_error(e)?;
            refused(&state, &caller, id, typed(Some(e), BTreeMap::new())).await
        }
    }
}

/// The report page again with what was typed and why it was refused (422).
async fn refused(state: &AppState, caller: &Caller, id: i64, typed: Typed) -> PageResult {
    let mut res = page(state, caller, id, None, typed).await?;
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
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
        "forward" => Transition::Forward,
        "unlock" => Transition::Unlock,
        other => return Err(AppError::BadRequest(format!("未知操作“{other}”")).into()),
    };
    let typed_reason = field(&fields, "reason").to_string();
    let reason = Some(typed_reason.clone()).filter(|r| !r.trim().is_empty());
    let change = ReportChange {
        expected_version: version_field(&fields)?,
        reason,
        ..Default::default()
    };
    let c = access::app_caller(&caller, ip);
    let ctx = access::ctx(&state);
    if let Err(e) = kesu_app::reporting::change(&ctx, &c, id, t, &change).await {
        {
            let e = form_error(e)?;
            let typed = Typed {
                review_reason: Some(typed_reason),
                review_error: Some(e.message),
                ..Typed::default()
            };
            return refused(&state, &caller, id, typed).await;
        }
    }
    let done = match t {
        Transition::Accept => "已通过",
        Transition::Forward => "已通过初审，报送上级审核",
        Transition::Unlock => "已解锁",
        _ => "已退回",
    };
    // Back to the report with its new state; the page links the next one waiting.
    Ok(redirect_with(&format!("/reports/{id}#next"), done))
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

/// The separate upload form (kept for scripts and old pages): the file only, back to the page.
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
    Ok(redirect_with(
        &format!("/reports/{id}#evidence"),
        "附件已上传",
    ))
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
    Ok(redirect_with(
        &format!("/reports/{report}#evidence"),
        "附件已删除",
    ))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_as_people_type_them() {
        assert_eq!(parse_number(" 1,200 "), Ok(Some(1200.0)));
        assert_eq!(parse_number("１２０"), Ok(Some(120.0)));
        assert_eq!(parse_number("15.5"), Ok(Some(15.5)));
        assert_eq!(parse_number(""), Ok(None));
    }

    #[test]
    fn a_number_with_its_unit_is_refused_with_the_number_to_type() {
        let e = parse_number("120名").unwrap_err();
        assert!(e.contains("120名") && e.contains("如 120"), "{e}");
        assert!(parse_number("很多").is_err());
        assert!(parse_number("inf").is_err());
    }
}
