//! The citizens' operations of the OpenAPI document: the public test (no session: the
//! attempt's token is its key) and the offices' results and ledger. The schemas are those of
//! the named request and response structs of [`super`]; personal values in them are always
//! masked, except a reveal's answer.

use serde_json::{Map, Value, json};

fn error() -> Value {
    json!({"description": "错误", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn ok(desc: &str, schema: Value) -> Value {
    json!({"description": desc, "content": {"application/json": {"schema": schema}}})
}

fn path_param(name: &str, schema: Value, desc: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": schema, "description": desc})
}

fn id() -> Value {
    path_param("id", json!({"type": "integer", "format": "int64"}), "编号")
}

fn token() -> Value {
    path_param(
        "token",
        json!({"type": "string", "pattern": "^[0-9a-f]{64}$"}),
        "开始答题时返回的令牌（答题凭据，勿分享）",
    )
}

fn query(name: &str, schema: Value, desc: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "schema": schema, "description": desc})
}

/// An operation: summary, parameters, optional JSON body (a schema name), the 200 answer and
/// the error codes it may give.
fn op(
    summary: &str,
    public: bool,
    params: Vec<Value>,
    body: Option<&str>,
    answer: Value,
    errors: &[&str],
) -> Value {
    let mut o = Map::new();
    o.insert("summary".into(), json!(summary));
    if public {
        o.insert("security".into(), json!([]));
    }
    if !params.is_empty() {
        o.insert("parameters".into(), Value::Array(params));
    }
    if let Some(b) = body {
        o.insert(
            "requestBody".into(),
            json!({"required": true, "content": {"application/json": {"schema": schema_ref(b)}}}),
        );
    }
    let mut r = Map::new();
    r.insert("200".into(), ok("成功", answer));
    for code in errors {
        r.insert((*code).to_string(), error());
    }
    o.insert("responses".into(), Value::Object(r));
    Value::Object(o)
}

fn array_of(name: &str) -> Value {
    json!({"type": "array", "items": schema_ref(name)})
}

const PUBLIC: &[&str] = &["400", "404", "409", "422", "429", "503"];
const OFFICE: &[&str] = &["401", "403", "404", "422", "503"];

/// The citizens' paths (under `/api/v1`).
pub fn paths() -> Map<String, Value> {
    let region = query(
        "region",
        json!({"type": "string"}),
        "区划代码；缺省为本账户的区划",
    );
    let p = [
        (
            "/public/tests",
            json!({"get": op("开放中的测试（无需登录）", true, vec![], None, array_of("PublicTest"), &["503"])}),
        ),
        (
            "/public/tests/{id}",
            json!({"get": op("一次测试的说明（无题目、无答案）", true, vec![id()], None, schema_ref("PublicTest"), &["404"])}),
        ),
        (
            "/public/tests/{id}/attempts",
            json!({"post": op(
                "开始答题：姓名、手机号、村（社区）、人群和同意声明；同一手机号每次测试只计一次（409）",
                true, vec![id()], Some("StartRequest"), schema_ref("StartResponse"), PUBLIC)}),
        ),
        (
            "/public/attempts/{token}",
            json!({"get": op("本次答题的试卷（按本次顺序的选项，无答案）", true, vec![token()], None, schema_ref("Paper"), &["404"])}),
        ),
        (
            "/public/attempts/{token}/submit",
            json!({"post": op(
                "交卷并评分（超过时限一分钟后提交的答案不计）；已交卷为 409",
                true, vec![token()], Some("SubmitRequest"), schema_ref("AttemptResult"), PUBLIC)}),
        ),
        (
            "/quiz/tests/{id}/results",
            json!({"get": op(
                "测试结果（本账户区划内的部分）：按区划和人群的参与与合格情况（自愿参与样本，不是科学素质比例）、题目分析、答题记录（脱敏）",
                false, vec![id()], None, schema_ref("TestResults"), OFFICE)}),
        ),
        (
            "/ledger/count",
            json!({"get": op("台账人数（可按人群分）", false, vec![
                region.clone(),
                query("by", json!({"type": "string", "enum": ["group"]}), "group：按人群分")],
                None, schema_ref("LedgerCount"), OFFICE)}),
        ),
        (
            "/ledger/entries",
            json!({"get": op("台账条目（每页 50 条，个人信息脱敏）", false, vec![
                region,
                query("page", json!({"type": "integer", "minimum": 0}), "页码，从 0 开始")],
                None, array_of("LedgerEntry"), OFFICE)}),
        ),
        (
            "/ledger/entries/{id}/reveal",
            json!({"post": op(
                "查看一个字段的完整值：需要“查看完整个人信息”权限和原因，每次记入审计日志",
                false, vec![id()], Some("RevealRequest"), schema_ref("RevealResponse"), OFFICE)}),
        ),
    ];
    p.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn obj(required: &[&str], props: Value) -> Value {
    json!({"type": "object", "required": required, "properties": props})
}

/// The citizens' schemas, by struct name.
pub fn schemas() -> Map<String, Value> {
    let s = json!({"type": "string"});
    let int = json!({"type": "integer", "format": "int64"});
    let num = json!({"type": "number"});
    let boolean = json!({"type": "boolean"});
    let date = json!({"type": "string", "format": "date"});
    let time = json!({"type": "string", "format": "date-time"});
    let masked =
        |example: &str| json!({"type": "string", "description": "脱敏", "example": example});
    let list = [
        (
            "PublicTest",
            obj(
                &[
                    "id",
                    "title",
                    "purpose",
                    "region_code",
                    "items",
                    "time_limit_minutes",
                    "pass_mark",
                    "open",
                ],
                json!({"id": int, "title": s, "purpose": {"type": "string", "description": "收集个人信息的目的（答题人同意的内容）"},
                    "region_code": s, "region_name": s, "items": {"type": "integer"},
                    "time_limit_minutes": {"type": "integer"}, "pass_mark": num,
                    "opens_on": date, "closes_on": date, "open": boolean}),
            ),
        ),
        (
            "StartRequest",
            obj(
                &["name", "phone", "village", "key_group", "consent"],
                json!({"name": s, "phone": {"type": "string", "example": "13800138000"},
                    "village": {"type": "string", "description": "测试范围内的 12 位村级代码"},
                    "key_group": {"type": "string", "description": "youth, farmers, workers, elderly, officials, other（或中文名）"},
                    "consent": {"type": "boolean", "description": "同意所述目的；必须为 true"}}),
            ),
        ),
        (
            "StartResponse",
            obj(
                &["attempt_id", "token", "deadline"],
                json!({"attempt_id": int, "token": {"type": "string", "description": "答题凭据：打开试卷、交卷、查看证书"}, "deadline": time}),
            ),
        ),
        (
            "Item",
            obj(
                &["n", "stem", "kind", "dimension", "options"],
                json!({"n": {"type": "integer"}, "stem": s, "kind": {"type": "string", "enum": ["单选", "多选", "判断"]},
                    "dimension": {"type": "string", "enum": ["知识", "方法", "精神与思想", "应用"]},
                    "options": {"type": "array", "items": s}}),
            ),
        ),
        (
            "Paper",
            obj(
                &[
                    "test_id",
                    "title",
                    "items",
                    "deadline",
                    "seconds_left",
                    "submitted",
                ],
                json!({"test_id": int, "title": s, "items": array_of("Item"), "deadline": time,
                    "seconds_left": {"type": "integer"}, "submitted": boolean}),
            ),
        ),
        (
            "SubmitRequest",
            obj(
                &["answers"],
                json!({"answers": {"type": "array", "description": "按试卷顺序，每题所选选项的位置（从 0 开始，按本次显示的顺序）",
                    "items": {"type": "array", "maxItems": 5, "items": {"type": "integer", "minimum": 0, "maximum": 4}}}}),
            ),
        ),
        (
            "DimensionScore",
            obj(
                &["dimension", "points", "of"],
                json!({"dimension": s, "points": num, "of": num}),
            ),
        ),
        (
            "AttemptResult",
            obj(
                &[
                    "attempt_id",
                    "test_title",
                    "name",
                    "score",
                    "passed",
                    "pass_mark",
                    "by_dimension",
                    "submitted_at",
                    "late",
                    "certificate_no",
                ],
                json!({"attempt_id": int, "test_title": s, "name": masked("张*三"), "score": num, "passed": boolean,
                    "pass_mark": num, "by_dimension": array_of("DimensionScore"), "submitted_at": time,
                    "late": {"type": "boolean", "description": "超时提交：答案未计"}, "certificate_no": s}),
            ),
        ),
        (
            "Participation",
            obj(
                &[
                    "region_code",
                    "key_group",
                    "attempts",
                    "passed",
                    "pass_rate",
                ],
                json!({"region_code": s, "region_name": s, "key_group": s, "attempts": int, "passed": int,
                    "pass_rate": {"type": "number", "description": "百分比"}}),
            ),
        ),
        (
            "ItemStats",
            obj(
                &["question_id", "number", "attempts", "facility"],
                json!({"question_id": int, "number": s, "stem": s, "dimension": s, "benchmark": {"type": "integer"},
                    "attempts": {"type": "integer"}, "facility": {"type": "number", "description": "通过率 0–1"},
                    "discrimination": {"type": "number", "nullable": true, "description": "点二列相关（与其余得分）"},
                    "upper_lower": {"type": "number", "nullable": true, "description": "高低分组（各 27%）通过率之差"},
                    "flags": {"type": "array", "items": s}}),
            ),
        ),
        (
            "AttemptLine",
            obj(
                &[
                    "attempt_id",
                    "region_code",
                    "name",
                    "phone",
                    "score",
                    "passed",
                ],
                json!({"attempt_id": int, "region_code": s, "key_group": s, "name": masked("张*三"),
                    "phone": masked("138****5678"), "score": num, "passed": boolean, "submitted_at": time}),
            ),
        ),
        (
            "TestResults",
            obj(
                &[
                    "test_id",
                    "title",
                    "region_code",
                    "note",
                    "attempts",
                    "passed",
                    "by_region",
                    "items",
                    "lines",
                ],
                json!({"test_id": int, "title": s, "region_code": s,
                    "note": {"type": "string", "description": "自愿参与样本，不代表全民科学素质比例"},
                    "attempts": int, "passed": int, "by_region": array_of("Participation"),
                    "items": array_of("ItemStats"), "lines": array_of("AttemptLine")}),
            ),
        ),
        (
            "LedgerCount",
            obj(
                &["region", "count"],
                json!({"region": s, "count": int,
                    "by": {"type": "object", "additionalProperties": {"type": "integer"}, "description": "按人群（by=group 时）"}}),
            ),
        ),
        (
            "LedgerEntry",
            obj(
                &[
                    "id",
                    "region_code",
                    "key_group",
                    "name",
                    "id_number",
                    "phone",
                    "basis",
                    "entered_on",
                    "status",
                ],
                json!({"id": int, "region_code": s, "key_group": s, "name": masked("张*三"),
                    "id_number": masked("430***********1234"), "phone": masked("138****5678"),
                    "basis": s, "entered_on": date, "status": s}),
            ),
        ),
        (
            "RevealRequest",
            obj(
                &["field", "reason"],
                json!({"field": {"type": "string", "enum": ["id_number", "phone", "name"]},
                    "reason": {"type": "string", "minLength": 2, "maxLength": 200, "description": "查看原因（记入审计日志）"}}),
            ),
        ),
        (
            "RevealResponse",
            obj(
                &["value"],
                json!({"value": {"type": "string", "description": "完整值（仅本次返回）"}}),
            ),
        ),
    ];
    list.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Adds the citizens' paths and schemas to the document.
pub fn extend(doc: &mut Value) {
    if let Some(p) = doc["paths"].as_object_mut() {
        p.extend(paths());
    }
    if let Some(s) = doc["components"]["schemas"].as_object_mut() {
        s.extend(schemas());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    match (k.as_str(), x) {
                        ("$ref", Value::String(r)) => out.push(r.clone()),
                        _ => refs(x, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }

    #[test]
    fn every_schema_the_citizens_operations_name_is_in_the_document() {
        let doc = crate::api::openapi::spec();
        let mut out = Vec::new();
        refs(&doc["paths"], &mut out);
        refs(&doc["components"]["schemas"], &mut out);
        for r in out {
            let name = r.trim_start_matches("#/components/schemas/");
            assert!(doc["components"]["schemas"].get(name).is_some(), "{r}");
        }
    }

    #[test]
    fn public_operations_need_no_session_and_office_ones_do() {
        let p = paths();
        for (path, item) in &p {
            for (_, o) in item.as_object().unwrap() {
                let public = o.get("security") == Some(&json!([]));
                assert_eq!(public, path.starts_with("/public/"), "{path}");
            }
        }
    }
}
