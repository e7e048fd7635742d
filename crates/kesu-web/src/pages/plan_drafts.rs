//! Plan drafts in the browser (office admins): upload a plan document, check the draft — the
//! task table beside the source text, each task's place highlighted (`draft.js`), the reader's
//! doubts first — correct it (tasks edited, split, merged, deleted, added; collective names
//! narrowed; the 任务分解表 out to Excel and back) and confirm it as a plan. Each handler parses
//! the form, calls one `kesu_app::plans::drafts` function and renders or redirects; a refused
//! edit comes back to the draft with its message.

use super::errors::{FormError, form_error};
use super::{
    FlashQuery, Layout, PageResult, UserBar, check_csrf, redirect_with, render, xlsx_response,
};
use crate::access::{app_caller, ctx};
use crate::auth::{Caller, ClientIp};
use crate::error::{AppError, PageError};
use crate::{AppState, files, parse};
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kesu_app::plans::drafts::{self, View};
use kesu_app::plans::edit::{self, PlanInfo, TaskInput};
use kesu_app::plans::read;
use kesu_store::plan_drafts::Listed;
use serde::Deserialize;

pub fn routes() -> crate::routes::Routes<AppState> {
    crate::routes::Routes::new()
        .route("/plans/drafts", get(list).post(upload))
        .route("/plans/drafts/draft.js", get(script))
        .route("/plans/drafts/{id}", get(show))
        .route("/plans/drafts/{id}/info", post(info))
        .route("/plans/drafts/{id}/tasks", post(add))
        .route("/plans/drafts/{id}/tasks/{index}", post(task))
        .route("/plans/drafts/{id}/expansions", post(expansion))
        .route("/plans/drafts/{id}/draft.xlsx", get(download))
        .route("/plans/drafts/{id}/xlsx", post(upload_table))
        .route("/plans/drafts/{id}/confirm", post(confirm))
        .route("/plans/drafts/{id}/discard", post(discard))
}

/// The draft page's script: plain JavaScript in a file of its own (the CSP allows no inline
/// scripts).
pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../static/plan_drafts.js"),
    )
        .into_response()
}

fn draft_url(id: i64) -> String {
    format!("/plans/drafts/{id}")
}

/// A refused edit (bad input, a stale tab) goes back to the draft with its message, at the
/// place it is about; anything else is an error page.
fn back(id: i64, anchor: &str, e: kesu_app::Error) -> PageResult {
    match e {
        kesu_app::Error::Invalid { message, .. } | kesu_app::Error::Conflict(message) => Ok(
            redirect_with(&format!("{}{anchor}", draft_url(id)), &message),
        ),
        other => Err(PageError::from(other)),
    }
}

// ------------------------------------------------------------------ list and upload

struct RegionOption {
    code: String,
    name: String,
}

#[derive(Template)]
#[template(path = "plan_drafts/list.html")]
struct ListPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    regions: Vec<RegionOption>,
    drafts: Vec<Listed>,
    /// Why the last upload was refused (the file named), shown beside the file field.
    upload_error: Option<String>,
    /// The region chosen for the refused upload, chosen again.
    region: String,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(f): Query<FlashQuery>,
) -> PageResult {
    list_page(&state, &caller, f.msg, None, "").await
}

async fn list_page(
    state: &AppState,
    caller: &Caller,
    flash: Option<String>,
    upload_error: Option<String>,
    region: &str,
) -> PageResult {
    let c = app_caller(caller, None);
    let drafts = drafts::list(&ctx(state), &c).await?;
    let regions = drafts::upload_regions(&ctx(state), &c)
        .await?
        .into_iter()
        .map(|(code, name)| RegionOption { code, name })
        .collect();
    let l = Layout::new(state, caller).await?.with_flash(flash);
    render(&ListPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        regions,
        drafts,
        upload_error,
        region: region.to_string(),
    })
}

/// The upload form again with why the file was refused (422), the region kept.
async fn refused(state: &AppState, caller: &Caller, region: &str, e: FormError) -> PageResult {
    let mut res = list_page(state, caller, None, Some(e.message), region).await?;
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

/// Read an uploaded file off the async workers.
async fn read_file(file: files::Upload) -> Result<read::Upload, AppError> {
    let files::Upload { name, bytes } = file;
    Ok(parse::run("plan document", move || read::read_upload(&bytes, &name)).await??)
}

pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> PageResult {
    let form = files::read_form(multipart).await?;
    check_csrf(&caller, form.field("_csrf"))?;
    let c = app_caller(&caller, ip);
    kesu_app::plans::may_upload(&c)?;
    let region = form.field("region");
    let Some(file) = form.file.clone() else {
        let e = FormError::new(Some("file"), "请选择方案文件 (no file)");
        return refused(&state, &caller, region, e).await;
    };
    // A file the reader refuses comes back to the upload form with the reason.
    let upload = match read_file(file).await {
        Err(AppError::Invalid(m) | AppError::InvalidField { message: m, .. }) => {
            return refused(&state, &caller, region, FormError::new(Some("file"), &m)).await;
        }
        other => other?,
    };
    let chosen = Some(region).filter(|r| !r.is_empty());
    let view = match drafts::create(&ctx(&state), &c, upload, chosen).await {
        Err(e) => return refused(&state, &caller, region, form_error(e)?).await,
        Ok(v) => v,
    };
    Ok(redirect_with(
        &draft_url(view.id),
        &format!(
            "已读取“{}”：{} 项任务，{} 处存疑，请核对后确认",
            view.source_name,
            view.plan.tasks.len(),
            view.warnings.len()
        ),
    ))
}

// ------------------------------------------------------------------ the draft page

/// A stretch of the source text: plain, or the place of task `task`.
struct Segment {
    text: String,
    task: Option<usize>,
}

/// The source cut at the tasks' places; a place overlapping an earlier one is not marked.
fn segments(source: &str, spans: &[Option<[usize; 2]>]) -> Vec<Segment> {
    let mut marks: Vec<(usize, usize, usize)> = spans
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.map(|[a, b]| (a, b, i)))
        .filter(|(a, b, _)| a < b && source.get(*a..*b).is_some())
        .collect();
    marks.sort_unstable();
    let mut out = Vec::new();
    let mut at = 0;
    for (a, b, i) in marks {
        if a < at {
            continue;
        }
        if a > at {
            out.push(Segment {
                text: source.get(at..a).unwrap_or_default().to_string(),
                task: None,
            });
        }
        out.push(Segment {
            text: source.get(a..b).unwrap_or_default().to_string(),
            task: Some(i),
        });
        at = b;
    }
    if at < source.len() {
        out.push(Segment {
            text: source.get(at..).unwrap_or_default().to_string(),
            task: None,
        });
    }
    out
}

struct TaskRow {
    index: usize,
    path: String,
    title: String,
    lead: String,
    cooperating: String,
    responsible: String,
    targets: Vec<String>,
    /// The targets in the 任务分解表's notation, one a line (the edit form).
    target_lines: String,
    doubts: usize,
    marked: bool,
}

struct DoubtLine {
    message: String,
    task: Option<usize>,
}

struct ChoiceBox {
    key: String,
    name: String,
    included: bool,
}

struct ExpansionBox {
    name: String,
    summary: String,
    keep: bool,
    /// Members offered one by one (up to [`MAX_CHOICES`]; more are all or none).
    choices: Vec<ChoiceBox>,
    count: usize,
}

/// Most members listed one by one for the office to narrow.
const MAX_CHOICES: usize = 300;

#[derive(Template)]
#[template(path = "plan_drafts/draft.html")]
struct DraftPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    csrf: String,
    d: View,
    region: String,
    period_start: String,
    period_end: String,
    issuer: String,
    doubts: Vec<DoubtLine>,
    tasks: Vec<TaskRow>,
    expansions: Vec<ExpansionBox>,
    changes: Vec<String>,
    segments: Vec<Segment>,
    open: bool,
}

/// The task a warning's path is about (`tasks[3].lead[0]` → 3).
fn task_of(path: &str) -> Option<usize> {
    path.strip_prefix("tasks[")?.split_once(']')?.0.parse().ok()
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(f): Query<FlashQuery>,
) -> PageResult {
    let d = drafts::get(&ctx(&state), &app_caller(&caller, None), id).await?;
    let l = Layout::new(&state, &caller).await?.with_flash(f.msg);
    let doubts: Vec<DoubtLine> = d
        .warnings
        .iter()
        .map(|w| DoubtLine {
            message: w.message.clone(),
            task: task_of(&w.path),
        })
        .collect();
    let tasks = d
        .plan
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| TaskRow {
            index: i,
            path: t.path_label(),
            title: t.title.clone(),
            lead: t.lead.join("、"),
            cooperating: t.cooperating.join("、"),
            responsible: t.responsible.join("、"),
            targets: t.targets.iter().map(|g| g.text.clone()).collect(),
            target_lines: t
                .targets
                .iter()
                .map(kesu_plan::xlsx::target_line)
                .collect::<Vec<_>>()
                .join("\n"),
            doubts: doubts.iter().filter(|x| x.task == Some(i)).count(),
            marked: d.spans.get(i).copied().flatten().is_some(),
        })
        .collect();
    let expansions = d
        .expansions
        .iter()
        .map(|e| ExpansionBox {
            name: e.name.clone(),
            summary: e.summary.clone(),
            keep: e.keep,
            count: e.choices.len(),
            choices: if e.choices.len() <= MAX_CHOICES {
                e.choices
                    .iter()
                    .map(|c| ChoiceBox {
                        key: c.key.clone(),
                        name: c.name.clone(),
                        included: c.included,
                    })
                    .collect()
            } else {
                Vec::new()
            },
        })
        .collect();
    let changes = d
        .revises
        .as_ref()
        .map(|r| r.changes.iter().map(ToString::to_string).collect())
        .unwrap_or_default();
    let segments = segments(&d.source, &d.spans);
    let (period_start, period_end) = match d.plan.period {
        Some([a, b]) => (a.to_string(), b.to_string()),
        None => (String::new(), String::new()),
    };
    render(&DraftPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        csrf: caller.csrf.clone(),
        region: d.region_name.clone().map_or_else(
            || d.region_code.clone(),
            |n| format!("{n}（{}）", d.region_code),
        ),
        issuer: d.plan.issuer.clone().unwrap_or_default(),
        open: d.status == kesu_store::plan_drafts::OPEN,
        period_start,
        period_end,
        doubts,
        tasks,
        expansions,
        changes,
        segments,
        d,
    })
}

// ------------------------------------------------------------------ edits

/// A task's form: its fields, and which button was pressed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TaskForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    version: Option<i64>,
    /// save / split / merge / delete
    action: String,
    /// After which task a new one goes (add).
    after: Option<usize>,
    path: String,
    title: String,
    lead: String,
    cooperating: String,
    responsible: String,
    targets: String,
}

impl TaskForm {
    fn input(&self, field: &str) -> kesu_app::Result<TaskInput> {
        Ok(TaskInput {
            path: Some(self.path.trim().to_string()).filter(|p| !p.is_empty()),
            title: self.title.clone(),
            lead: edit::split_units(&self.lead),
            cooperating: edit::split_units(&self.cooperating),
            responsible: edit::split_units(&self.responsible),
            targets: edit::targets_from_lines(&self.targets, field)?,
        })
    }
}

pub async fn task(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path((id, index)): Path<(i64, usize)>,
    Form(f): Form<TaskForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let (cx, c) = (ctx(&state), app_caller(&caller, ip));
    // The draft's scope first: an out-of-scope caller learns nothing from the form.
    drafts::version(&cx, &c, id).await?;
    let anchor = format!("#task-{index}");
    let done = match f.action.as_str() {
        "save" | "split" => match f.input(&format!("tasks[{index}].targets")) {
            Err(e) => Err(e),
            Ok(input) if f.action == "save" => {
                drafts::save_task(&cx, &c, id, f.version, index, input)
                    .await
                    .map(|_| "已保存任务")
            }
            Ok(input) => drafts::split_task(&cx, &c, id, f.version, index, input)
                .await
                .map(|_| "已拆分任务"),
        },
        "merge" => drafts::merge_with_next(&cx, &c, id, f.version, index)
            .await
            .map(|_| "已与下一项合并"),
        "delete" => drafts::delete_task(&cx, &c, id, f.version, index)
            .await
            .map(|_| "已删除任务"),
        other => Err(kesu_app::Error::invalid_field(
            "action",
            format!("未知的操作“{other}” (unknown action)"),
        )),
    };
    match done {
        Ok(msg) => Ok(redirect_with(&format!("{}{anchor}", draft_url(id)), msg)),
        Err(e) => back(id, &anchor, e),
    }
}

pub async fn add(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    Form(f): Form<TaskForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let (cx, c) = (ctx(&state), app_caller(&caller, ip));
    drafts::version(&cx, &c, id).await?;
    let done = match f.input("targets") {
        Ok(input) => drafts::add_task(&cx, &c, id, f.version, f.after, input).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(_) => Ok(redirect_with(
            &format!("{}#add-task", draft_url(id)),
            "已添加任务",
        )),
        Err(e) => back(id, "#add-task", e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct InfoForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    version: Option<i64>,
    title: String,
    period_start: String,
    period_end: String,
    issuer: String,
}

fn year(s: &str, field: &str) -> kesu_app::Result<Option<i32>> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|_| {
        kesu_app::Error::invalid_field(
            field,
            format!("“{s}”不是年份，应为 2025 这样的四位数 (bad year)"),
        )
    })
}

pub async fn info(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    Form(f): Form<InfoForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let (cx, c) = (ctx(&state), app_caller(&caller, ip));
    let period = match (
        year(&f.period_start, "period[0]"),
        year(&f.period_end, "period[1]"),
    ) {
        (Ok(Some(a)), Ok(Some(b))) => Ok(Some([a, b])),
        (Ok(None), Ok(None)) => Ok(None),
        (Err(e), _) | (_, Err(e)) => Err(e),
        _ => Err(kesu_app::Error::invalid_field(
            "period",
            "期限请填写起止两个年份 (both years)",
        )),
    };
    let done = match period {
        Ok(period) => {
            let info = PlanInfo {
                title: f.title,
                period,
                issuer: Some(f.issuer),
            };
            drafts::set_info(&cx, &c, id, f.version, info).await
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(_) => Ok(redirect_with(
            &format!("{}#info", draft_url(id)),
            "已保存方案信息",
        )),
        Err(e) => back(id, "#info", e),
    }
}

/// The collective-name form, as pairs: `version`, `name`, `mode` (expand / keep), and for each
/// member listed an `all` field and, when ticked, a `member` field with its key.
pub async fn expansion(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let field = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map_or("", |(_, v)| v.as_str())
    };
    let values = |k: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .collect()
    };
    check_csrf(&caller, field("_csrf"))?;
    let version = field("version").parse::<i64>().ok();
    let ticked = values("member");
    let excluded: Vec<String> = values("all")
        .into_iter()
        .filter(|k| !ticked.contains(k))
        .collect();
    let keep = field("mode") == "keep";
    let done = drafts::set_expansion(
        &ctx(&state),
        &app_caller(&caller, ip),
        id,
        version,
        field("name"),
        keep,
        excluded,
    )
    .await;
    match done {
        Ok(_) => Ok(redirect_with(
            &format!("{}#collectives", draft_url(id)),
            "已保存集合称谓的展开方式",
        )),
        Err(e) => back(id, "#collectives", e),
    }
}

/// The draft as the 任务分解表 (.xlsx), to edit in Excel and upload back.
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> PageResult {
    let d = drafts::get(&ctx(&state), &app_caller(&caller, None), id).await?;
    let title = d.plan.title.clone();
    let plan = d.plan;
    let bytes = parse::run("task table", move || kesu_plan::xlsx::task_table(&plan))
        .await?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(xlsx_response(
        bytes,
        &format!("{title}-任务分解表（草稿{id}）.xlsx"),
    ))
}

/// The 任务分解表 edited in Excel, uploaded back: it replaces the draft's tasks.
pub async fn upload_table(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> PageResult {
    let (cx, c) = (ctx(&state), app_caller(&caller, ip));
    // Scope before the body: an out-of-scope caller's upload is not read.
    let current = drafts::version(&cx, &c, id).await?;
    let form = files::read_form(multipart).await?;
    check_csrf(&caller, form.field("_csrf"))?;
    let version = form.field("version").parse::<i64>().ok();
    if version.is_some_and(|v| v != current) {
        return back(
            id,
            "#table",
            kesu_app::Error::Conflict(
                "草稿已被修改（可能在另一个窗口），请刷新页面后再上传 (stale draft)".into(),
            ),
        );
    }
    let Some(file) = form.file.clone() else {
        return back(
            id,
            "#table",
            kesu_app::Error::invalid_field("file", "请选择任务分解表文件 (no file)"),
        );
    };
    let done = match read_file(file).await {
        Ok(upload) => drafts::replace_from_table(&cx, &c, id, version, upload).await,
        Err(AppError::Invalid(m)) => Err(kesu_app::Error::invalid(m)),
        Err(AppError::InvalidField { field, message }) => {
            Err(kesu_app::Error::invalid_field(field, message))
        }
        Err(e) => return Err(e.into()),
    };
    match done {
        Ok(_) => Ok(redirect_with(
            &format!("{}#tasks", draft_url(id)),
            "已按上传的任务分解表更新任务",
        )),
        Err(e) => back(id, "#table", e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VersionForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    version: Option<i64>,
}

pub async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    Form(f): Form<VersionForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let version = f
        .version
        .ok_or_else(|| AppError::BadRequest("缺少草稿版本 (no version)".into()))?;
    match drafts::confirm(&ctx(&state), &app_caller(&caller, ip), id, Some(version)).await {
        Ok(c) => {
            let msg = match c.outcome {
                kesu_store::plans::ImportOutcome::Created { tasks, .. } => {
                    format!("方案已导入：{tasks} 项任务")
                }
                kesu_store::plans::ImportOutcome::Unchanged { revision, .. } => {
                    format!("与已存的第 {revision} 版相同，未做修改")
                }
                kesu_store::plans::ImportOutcome::Revised {
                    revision, changes, ..
                } => format!("方案已更新为第 {revision} 版：{} 处变更", changes.len()),
            };
            Ok(redirect_with(&format!("/plans/{}", c.plan_id), &msg))
        }
        Err(e) => back(id, "#confirm", e),
    }
}

pub async fn discard(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    Form(f): Form<VersionForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let version = f
        .version
        .ok_or_else(|| AppError::BadRequest("缺少草稿版本 (no version)".into()))?;
    match drafts::discard(&ctx(&state), &app_caller(&caller, ip), id, Some(version)).await {
        Ok(()) => Ok(redirect_with("/plans/drafts", "草稿已删除")),
        Err(e) => back(id, "#confirm", e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_is_cut_at_each_task_and_an_overlapping_place_is_left_unmarked() {
        let src = "一、甲乙\n二、丙丁\n";
        let a = "一、甲乙".len();
        let spans = [Some([0, a]), Some([a + 1, src.len() - 1]), Some([2, 5])];
        let s = segments(src, &spans);
        let marked: Vec<Option<usize>> = s.iter().map(|x| x.task).collect();
        assert_eq!(marked, [Some(0), None, Some(1), None]);
        assert_eq!(s.iter().map(|x| x.text.as_str()).collect::<String>(), src);
    }

    #[test]
    fn a_place_off_a_character_boundary_is_ignored() {
        let s = segments("甲乙", &[Some([1, 4])]);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].task, None);
    }

    #[test]
    fn a_warning_path_names_its_task() {
        assert_eq!(task_of("tasks[12].lead[0]"), Some(12));
        assert_eq!(task_of("goals"), None);
    }
}
