//! The OpenAPI 3.0 document of `/api/v1`, written out by hand: it is short, and a test checks
//! that every route the router serves is in it.

use axum::Json;
use serde_json::{Value, json};

pub async fn document() -> Json<Value> {
    Json(spec())
}

fn error_ref() -> Value {
    json!({"description": "错误", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn ok_json(desc: &str) -> Value {
    json!({"description": desc, "content": {"application/json": {"schema": {"type": "object"}}}})
}

fn id_param() -> Value {
    json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}})
}

fn std_errors(mut responses: serde_json::Map<String, Value>) -> Value {
    for code in ["400", "401", "403", "404", "409", "422"] {
        responses.entry(code).or_insert_with(error_ref);
    }
    Value::Object(responses)
}

fn op(summary: &str, with_id: bool, body: Option<Value>, ok_code: &str) -> Value {
    let mut o = serde_json::Map::new();
    o.insert("summary".into(), json!(summary));
    if with_id {
        o.insert("parameters".into(), json!([id_param()]));
    }
    if let Some(b) = body {
        o.insert(
            "requestBody".into(),
            json!({"required": true, "content": b}),
        );
    }
    let mut r = serde_json::Map::new();
    r.insert(ok_code.into(), ok_json("成功"));
    o.insert("responses".into(), std_errors(r));
    Value::Object(o)
}

fn json_body(schema: Value) -> Value {
    json!({"application/json": {"schema": schema}})
}

pub fn spec() -> Value {
    let mut doc = base_spec();
    super::citizens::openapi::extend(&mut doc);
    doc
}

fn base_spec() -> Value {
    let version = json!({"type": "object", "required": ["version"], "properties": {
        "version": {"type": "integer", "format": "int64", "description": "客户端看到的报告版本；过期则 409"},
        "reason": {"type": "string", "description": "退回原因（退回时必填）"}}});
    let report_body = json!({"type": "object", "required": ["version"], "properties": {
        "version": {"type": "integer", "format": "int64"},
        "content": {"type": "string"},
        "values": {"type": "array", "items": {"type": "object", "required": ["target_id"], "properties": {
            "target_id": {"type": "integer", "format": "int64"},
            "value": {"type": "number", "nullable": true}}}}}});
    let mut doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "科素 Kesu API", "version": "1",
                 "description": "全民科学素质纲要实施工作平台的 JSON 接口。登录后以会话 Cookie 认证；超出权限范围的对象一律返回 404。"},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": crate::auth::COOKIE}},
            "schemas": {"Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}}
        },
        "security": [{"session": []}],
        "paths": {
            "/login": {"post": {
                "summary": "登录", "security": [],
                "requestBody": {"required": true, "content": json_body(json!({"type": "object", "required": ["username", "password"],
                    "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}))},
                "responses": std_errors(serde_json::Map::from_iter([
                    ("200".to_string(), ok_json("已登录，Set-Cookie 含会话")),
                    ("429".to_string(), error_ref())]))}},
            "/logout": {"post": op("退出登录", false, None, "200")},
            "/me": {"get": op("当前用户", false, None, "200")},
            "/plans": {"get": op("可见的方案", false, None, "200")},
            "/plans/{id}/tasks": {"get": op("方案的任务", true, None, "200")},
            "/tasks/{id}": {"get": op("任务详情", true, None, "200")},
            "/rounds": {
                "get": op("可见的填报轮次", false, None, "200"),
                "post": op("开启填报轮次（管理员）", false, Some(json_body(json!({"type": "object",
                    "required": ["plan_id", "period", "due", "lock"], "properties": {
                        "plan_id": {"type": "integer", "format": "int64"},
                        "period": {"type": "string", "example": "2025Q1"},
                        "due": {"type": "string", "format": "date"},
                        "lock": {"type": "string", "format": "date"},
                        "county_check": {"type": "boolean", "default": false,
                            "description": "需要县级初审：区县纲要办先审本区县单位的报告"}}}))), "201")},
            "/rounds/{id}/matrix": {"get": op("填报状态矩阵", true, None, "200")},
            "/reports/{id}": {
                "get": op("报告详情（内容、指标值、历史、附件）", true, None, "200"),
                "put": op("保存草稿", true, Some(json_body(report_body.clone())), "200")},
            "/reports/{id}/submit": {"post": op("提交", true, Some(json_body(report_body)), "200")},
            "/reports/{id}/return": {"post": op("退回（审核人）", true, Some(json_body(version.clone())), "200")},
            "/reports/{id}/accept": {"post": op("通过（审核人）", true, Some(json_body(version.clone())), "200")},
            "/reports/{id}/unlock": {"post": op("解锁（管理员）", true, Some(json_body(version.clone())), "200")},
            "/reports/{id}/forward": {"post": op("县级初审通过（区县纲要办，本轮需县级初审时）", true, Some(json_body(version)), "200")},
            "/reports/{id}/attachments": {"post": {
                "summary": "上传佐证材料（PDF、图片、xlsx、docx，≤20 MB）；与保存一样需报告未锁定、版本未过期，成功后版本加一",
                "parameters": [id_param()],
                "requestBody": {"required": true, "content": {"multipart/form-data": {"schema": {"type": "object",
                    "required": ["file", "version"], "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "version": {"type": "integer", "format": "int64", "description": "客户端看到的报告版本；过期则 409"}}}}}},
                "responses": std_errors(serde_json::Map::from_iter([
                    ("201".to_string(), ok_json("已上传")), ("413".to_string(), error_ref())]))}},
            "/attachments/{id}": {"delete": op("删除佐证材料（与保存相同的规则；成功后版本加一）", true, Some(json_body(json!({"type": "object",
                "required": ["version"], "properties": {"version": {"type": "integer", "format": "int64"}}}))), "200")},
            "/audit": {"get": {
                "summary": "审计日志（管理员）",
                "parameters": [
                    {"name": "actor", "in": "query", "schema": {"type": "string"}},
                    {"name": "action", "in": "query", "schema": {"type": "string"}},
                    {"name": "object", "in": "query", "schema": {"type": "string"}},
                    {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
                    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10000}}],
                "responses": std_errors(serde_json::Map::from_iter([("200".to_string(), ok_json("日志条目"))]))}}
        }
    });
    crate::api::services::document(&mut doc);
    crate::api::plan_drafts::document(&mut doc);
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_path_of_the_router_is_documented() {
        let s = spec();
        let paths = s["paths"].as_object().unwrap();
        let served: Vec<String> = crate::api::listed()
            .paths()
            .iter()
            .filter(|p| *p != "/openapi.json")
            .cloned()
            .collect();
        for p in &served {
            assert!(paths.contains_key(p), "{p} missing from openapi.json");
        }
        assert_eq!(
            paths.len(),
            served.len(),
            "documented paths the router lacks"
        );
    }
}
