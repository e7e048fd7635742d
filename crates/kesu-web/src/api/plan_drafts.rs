//! Plan drafts over the API: upload a plan document (multipart `file`, optional `region`) into
//! a draft, read it, replace its plan with an edited plan JSON (422 naming the field), and
//! confirm it as a plan. The same use cases as the pages (`kesu_app::plans::drafts`); request
//! and response bodies are named structs, documented in the OpenAPI document by [`document`].

use crate::access::{app_caller, ctx};
use crate::auth::{Caller, ClientIp};
use crate::error::AppError;
use crate::routes::Routes;
use crate::{AppState, files, parse};
use axum::Json;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kesu_app::plans::drafts::{self, View};
use kesu_app::plans::{edit, read};
use kesu_core::Plan;
use kesu_core::plan_diff::Change;
use serde::{Deserialize, Serialize};

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .route("/plan-drafts", post(create))
        .route("/plan-drafts/{id}", get(show).put(replace))
        .route("/plan-drafts/{id}/confirm", post(confirm))
}

/// An error of these routes: the API's error shape, with the field a 422 is about
/// (`{"error": {"code", "message", "field"}}`).
pub struct DraftError {
    error: AppError,
    field: Option<String>,
}

impl From<kesu_app::Error> for DraftError {
    fn from(e: kesu_app::Error) -> Self {
        let field = match &e {
            kesu_app::Error::Invalid { field, .. } => field.clone(),
            _ => None,
        };
        DraftError {
            error: e.into(),
            field,
        }
    }
}

impl From<AppError> for DraftError {
    fn from(error: AppError) -> Self {
        DraftError { error, field: None }
    }
}

impl IntoResponse for DraftError {
    fn into_response(self) -> Response {
        match self.field {
            Some(field) => {
                let e = self.error;
                let body = serde_json::json!({"error": {"code": e.code(), "message": e.to_string(), "field": field}});
                (e.status(), Json(body)).into_response()
            }
            None => self.error.into_json(),
        }
    }
}

type Answer<T> = Result<T, DraftError>;

/// A doubt of the reader, or a unit name the region does not know: what and where.
#[derive(Debug, Serialize)]
pub struct WarningDto {
    pub message: String,
    /// A path into the plan JSON (`tasks[3].lead[0]`, `goals`) or the source (`source[120..480]`).
    pub path: String,
}

/// A member a collective name expands to.
#[derive(Debug, Serialize)]
pub struct MemberDto {
    /// A region code, or a unit name.
    pub key: String,
    pub name: String,
    pub included: bool,
}

/// A collective name (各县市区人民政府) and the members it expands to at import.
#[derive(Debug, Serialize)]
pub struct CollectiveDto {
    pub name: String,
    /// "各县市区人民政府 → 5 个县市区"
    pub summary: String,
    /// Kept as one unit, not expanded.
    pub keep: bool,
    pub members: Vec<MemberDto>,
}

/// The stored plan a draft would revise, with the changes confirming would make.
#[derive(Debug, Serialize)]
pub struct RevisesDto {
    pub plan_id: i64,
    pub revision: i64,
    pub changes: Vec<Change>,
}

/// A plan draft.
#[derive(Debug, Serialize)]
pub struct DraftDto {
    pub id: i64,
    /// Send it back (`If-Match` on PUT, `version` on confirm) to refuse a change made since.
    pub version: i64,
    /// `open` or `confirmed`.
    pub status: String,
    pub region_code: String,
    pub region_name: Option<String>,
    pub source_name: String,
    /// The plan JSON (`shared/plan-format.md`).
    pub plan: Plan,
    pub warnings: Vec<WarningDto>,
    pub collectives: Vec<CollectiveDto>,
    pub revises: Option<RevisesDto>,
    /// The document's text, one paragraph a line.
    pub source: String,
    /// Each task's place in `source` as `[start, end]` byte offsets, in task order.
    pub spans: Vec<Option<[usize; 2]>>,
    pub plan_id: Option<i64>,
    pub revision: Option<i64>,
}

impl From<View> for DraftDto {
    fn from(v: View) -> Self {
        DraftDto {
            id: v.id,
            version: v.version,
            status: v.status,
            region_code: v.region_code,
            region_name: v.region_name,
            source_name: v.source_name,
            plan: v.plan,
            warnings: v
                .warnings
                .into_iter()
                .map(|w| WarningDto {
                    message: w.message,
                    path: w.path,
                })
                .collect(),
            collectives: v
                .expansions
                .into_iter()
                .map(|e| CollectiveDto {
                    name: e.name,
                    summary: e.summary,
                    keep: e.keep,
                    members: e
                        .choices
                        .into_iter()
                        .map(|c| MemberDto {
                            key: c.key,
                            name: c.name,
                            included: c.included,
                        })
                        .collect(),
                })
                .collect(),
            revises: v.revises.map(|r| RevisesDto {
                plan_id: r.plan_id,
                revision: r.revision,
                changes: r.changes,
            }),
            source: v.source,
            spans: v.spans,
            plan_id: v.plan_id,
            revision: v.revision,
        }
    }
}

/// Confirming: the version the client saw (optional).
#[derive(Debug, Default, Deserialize)]
pub struct ConfirmRequest {
    #[serde(default)]
    pub version: Option<i64>,
}

/// What confirming stored.
#[derive(Debug, Serialize)]
pub struct ConfirmResponse {
    pub plan_id: i64,
    pub revision: i64,
    /// `created`, `revised` or `unchanged`.
    pub outcome: &'static str,
    pub changes: Vec<Change>,
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    multipart: Result<Multipart, MultipartRejection>,
) -> Answer<Response> {
    let c = app_caller(&caller, ip);
    // The role first: a caller who may not bring plans in has nothing read.
    kesu_app::plans::may_upload(&c)?;
    let multipart = multipart.map_err(|e| {
        AppError::BadRequest(format!("需要 multipart/form-data：{}", e.body_text()))
    })?;
    let form = files::read_form(multipart).await?;
    let region = Some(form.field("region").to_string()).filter(|r| !r.trim().is_empty());
    let file = form
        .file
        .ok_or_else(|| kesu_app::Error::invalid_field("file", "缺少文件字段 file (no file)"))?;
    let files::Upload { name, bytes } = file;
    let upload = parse::run("plan document", move || read::read_upload(&bytes, &name)).await??;
    let view = drafts::create(&ctx(&state), &c, upload, region.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(DraftDto::from(view))).into_response())
}

async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Answer<Json<DraftDto>> {
    let view = drafts::get(&ctx(&state), &app_caller(&caller, None), id).await?;
    Ok(Json(view.into()))
}

/// `If-Match: "3"` (or `3`): the version the client edited.
fn if_match(headers: &HeaderMap) -> Result<Option<i64>, AppError> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = v.to_str().unwrap_or("").trim();
    let bare = text.trim_start_matches("W/").trim_matches('"');
    bare.parse::<i64>().map(Some).map_err(|_| {
        AppError::BadRequest(format!(
            "If-Match 应为草稿的 version，如 \"3\"，而不是 {text} (bad If-Match)"
        ))
    })
}

async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer<Json<DraftDto>> {
    let (cx, c) = (ctx(&state), app_caller(&caller, ip));
    // Scope before the body: out of scope is 404 whatever was sent.
    drafts::version(&cx, &c, id).await?;
    let version = if_match(&headers)?;
    let plan = edit::parse_plan_json(&body)?;
    drafts::replace(&cx, &c, id, version, plan).await?;
    Ok(Json(drafts::get(&cx, &c, id).await?.into()))
}

async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    body: Bytes,
) -> Answer<Json<ConfirmResponse>> {
    let (cx, c) = (ctx(&state), app_caller(&caller, ip));
    drafts::version(&cx, &c, id).await?;
    let req: ConfirmRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ConfirmRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| AppError::BadRequest(format!("请求体无效：{e} (malformed JSON)")))?
    };
    let done = drafts::confirm(&cx, &c, id, req.version).await?;
    let (outcome, changes) = match done.outcome {
        kesu_store::plans::ImportOutcome::Created { .. } => ("created", Vec::new()),
        kesu_store::plans::ImportOutcome::Unchanged { .. } => ("unchanged", Vec::new()),
        kesu_store::plans::ImportOutcome::Revised { changes, .. } => ("revised", changes),
    };
    Ok(Json(ConfirmResponse {
        plan_id: done.plan_id,
        revision: done.revision,
        outcome,
        changes,
    }))
}

/// These routes in the OpenAPI document.
pub fn document(doc: &mut serde_json::Value) {
    use serde_json::json;
    let err = json!({"description": "错误", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let errors = |ok_code: &str, desc: &str, schema: &str| {
        let mut m = serde_json::Map::new();
        m.insert(ok_code.into(), json!({"description": desc, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}}));
        for c in ["400", "401", "403", "404", "409", "413", "422", "503"] {
            m.insert(c.into(), err.clone());
        }
        serde_json::Value::Object(m)
    };
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}});
    let paths = json!({
        "/plan-drafts": {"post": {
            "summary": "上传方案文件生成草稿（管理员）：.docx、.txt（任意编码）、.html、.pdf（文字层）、任务分解表 .xlsx；region 为所属区划代码（默认按文中区划识别，否则为本账户区划）",
            "requestBody": {"required": true, "content": {"multipart/form-data": {"schema": {"type": "object",
                "required": ["file"], "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "region": {"type": "string", "description": "区划代码，须在本账户管辖范围内"}}}}}},
            "responses": errors("201", "草稿：方案 JSON、存疑之处、集合称谓", "PlanDraft")}},
        "/plan-drafts/{id}": {
            "get": {"summary": "草稿详情（管理员）", "parameters": [id.clone()],
                "responses": errors("200", "草稿", "PlanDraft")},
            "put": {"summary": "以修改后的方案 JSON 替换草稿中的方案；无效时 422，error.field 指明字段（如 tasks[3].lead[0]）",
                "parameters": [id.clone(), {"name": "If-Match", "in": "header", "required": false,
                    "schema": {"type": "string", "example": "\"3\""}, "description": "草稿的 version；已被他人修改则 409"}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Plan"}}}},
                "responses": errors("200", "修改后的草稿", "PlanDraft")}},
        "/plan-drafts/{id}/confirm": {"post": {
            "summary": "确认导入：新方案，或同区划同名方案的新修订版（编号相同的任务保留原 id）",
            "parameters": [id],
            "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {
                "version": {"type": "integer", "format": "int64", "description": "草稿的 version；已被他人修改则 409"}}}}}},
            "responses": errors("200", "{plan_id, revision, outcome, changes}", "PlanDraftConfirmed")}}
    });
    let target = json!({"type": "object", "required": ["text", "indicator", "comparator", "value", "unit"], "properties": {
        "text": {"type": "string"}, "indicator": {"type": "string"},
        "comparator": {"type": "string", "enum": [">", ">=", "=", "<=", "<", "range"]},
        "value": {"oneOf": [{"type": "number"}, {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}]},
        "unit": {"type": "string"}, "year": {"type": "integer", "nullable": true}, "per": {"type": "string", "nullable": true}}});
    let names = json!({"type": "array", "items": {"type": "string"}});
    let schemas = json!({
        "Plan": {"type": "object", "required": ["title", "tasks"], "description": "方案 JSON（plan-format.md）", "properties": {
            "title": {"type": "string"}, "region": {"type": "string", "nullable": true},
            "level": {"type": "string", "nullable": true, "enum": ["province", "city", "county", "district", "township", null]},
            "period": {"type": "array", "nullable": true, "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
            "issuer": {"type": "string", "nullable": true},
            "goals": {"type": "array", "items": target.clone()},
            "tasks": {"type": "array", "items": {"type": "object", "required": ["path", "title"], "properties": {
                "path": names.clone(), "title": {"type": "string"}, "lead": names.clone(),
                "cooperating": names.clone(), "responsible": names, "targets": {"type": "array", "items": target},
                "text": {"type": "string"}}}}}},
        "PlanDraft": {"type": "object", "required": ["id", "version", "status", "region_code", "source_name", "plan", "warnings", "collectives", "source", "spans"],
            "properties": {
                "id": {"type": "integer", "format": "int64"}, "version": {"type": "integer", "format": "int64"},
                "status": {"type": "string", "enum": ["open", "confirmed"]},
                "region_code": {"type": "string"}, "region_name": {"type": "string", "nullable": true},
                "source_name": {"type": "string"}, "plan": {"$ref": "#/components/schemas/Plan"},
                "warnings": {"type": "array", "items": {"type": "object", "required": ["message", "path"], "properties": {
                    "message": {"type": "string"}, "path": {"type": "string"}}}},
                "collectives": {"type": "array", "items": {"type": "object", "properties": {
                    "name": {"type": "string"}, "summary": {"type": "string"}, "keep": {"type": "boolean"},
                    "members": {"type": "array", "items": {"type": "object", "properties": {
                        "key": {"type": "string"}, "name": {"type": "string"}, "included": {"type": "boolean"}}}}}}},
                "revises": {"type": "object", "nullable": true, "properties": {
                    "plan_id": {"type": "integer", "format": "int64"}, "revision": {"type": "integer", "format": "int64"},
                    "changes": {"type": "array", "items": {"type": "object"}}}},
                "source": {"type": "string"},
                "spans": {"type": "array", "items": {"type": "array", "nullable": true, "items": {"type": "integer"}}},
                "plan_id": {"type": "integer", "format": "int64", "nullable": true},
                "revision": {"type": "integer", "format": "int64", "nullable": true}}},
        "PlanDraftConfirmed": {"type": "object", "required": ["plan_id", "revision", "outcome", "changes"], "properties": {
            "plan_id": {"type": "integer", "format": "int64"}, "revision": {"type": "integer", "format": "int64"},
            "outcome": {"type": "string", "enum": ["created", "revised", "unchanged"]},
            "changes": {"type": "array", "items": {"type": "object"}}}}
    });
    if let (Some(all), Some(mine)) = (doc["paths"].as_object_mut(), paths.as_object()) {
        for (k, v) in mine {
            all.insert(k.clone(), v.clone());
        }
    }
    if let (Some(all), Some(mine)) = (
        doc["components"]["schemas"].as_object_mut(),
        schemas.as_object(),
    ) {
        for (k, v) in mine {
            all.insert(k.clone(), v.clone());
        }
    }
}
