//! The audit log in people's words: each action's Chinese name (`report.accept` → 报告：通过),
//! what a row is about (`report:12` → 报告 #12, with its page), and the change as a field-by-field
//! difference of the before and after values — only the fields that changed, each named in
//! Chinese, long texts shortened.

use kesu_core::report::ReportState;
use serde_json::Value;

/// The Chinese name of an action.
pub fn action_zh(action: &str) -> String {
    let known = match action {
        "report.save" => "报告：保存草稿",
        "report.submit" => "报告：提交",
        "report.return" => "报告：退回",
        "report.accept" => "报告：通过",
        "report.forward" => "报告：县级初审通过",
        "report.unlock" => "报告：解锁",
        "report.attach" => "报告：添加附件",
        "report.detach" => "报告：删除附件",
        "report.exception" => "报告：准许锁定后补报",
        "report.import_history" => "报告：导入历史数据",
        "round.open" => "填报轮次：开启",
        "round.dates" => "填报轮次：修改日期",
        "round.close" => "填报轮次：关闭",
        "round.reopen" => "填报轮次：重新开放",
        "plan.import" => "方案：导入",
        "plan.revise" => "方案：修订",
        "task.expand_entities" => "任务：分解到下级",
        "unit.merge" => "单位：合并",
        "unit.rename" => "单位：改名",
        "unit.contact" => "单位：修改联系人",
        "user.add" => "账户：新建",
        "user.password" => "账户：修改密码",
        "session.start" => "登录",
        "session.end" => "退出登录",
        "regions.import" => "行政区划：导入",
        "regions.population" => "行政区划：导入人口数",
        "survey.import" => "素质调查：导入",
        "indicator.record" => "指标：录入数值",
        "indicators.publish" => "指标：发布公开",
        "assessment.scheme" => "考核：修改方案",
        "assessment.review" => "考核：审核评分",
        "assessment.self_score" => "考核：自评",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    // An action this table does not know yet: its resource in Chinese, the verb as recorded.
    let (resource, verb) = action.split_once('.').unwrap_or((action, ""));
    let zh = match resource {
        "report" => "报告",
        "round" => "填报轮次",
        "plan" => "方案",
        "unit" => "单位",
        "user" => "账户",
        "session" => "会话",
        "survey" => "素质调查",
        "assessment" => "考核",
        "indicator" | "indicators" => "指标",
        "regions" => "行政区划",
        _ => return action.to_string(),
    };
    if verb.is_empty() {
        zh.to_string()
    } else {
        format!("{zh}：{verb}")
    }
}

/// What a row is about, in words, and the page that shows it (if there is one).
pub fn object_label(object: &str) -> (String, Option<String>) {
    let Some((kind, id)) = object.split_once(':') else {
        return (object.to_string(), None);
    };
    let numeric = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
    let (zh, link) = match kind {
        "report" => ("报告", numeric.then(|| format!("/reports/{id}"))),
        "round" => ("填报轮次", numeric.then(|| format!("/rounds/{id}"))),
        "plan" => ("方案", numeric.then(|| format!("/plans/{id}"))),
        "unit" => ("单位", None),
        "user" => ("账户", None),
        "session" => ("会话", None),
        "task" => ("任务", None),
        "regions" => ("区划表", None),
        "survey" => ("调查", numeric.then(|| format!("/survey/{id}"))),
        _ => return (object.to_string(), None),
    };
    (format!("{zh} #{id}"), link)
}

/// A field's Chinese name.
fn field_zh(key: &str) -> String {
    let known = match key {
        "state" => "状态",
        "version" => "版本",
        "content" => "填报内容",
        "values" => "指标数值",
        "reason" => "原因/意见",
        "attachment" => "附件",
        "file" => "文件名",
        "sha256" => "文件指纹",
        "size" => "大小（字节）",
        "id" => "编号",
        "due" => "截止日期",
        "lock" => "锁定日期",
        "closed" => "已关闭",
        "county_check" => "县级初审",
        "plan_id" => "方案编号",
        "period" => "期间",
        "slots" => "报告数",
        "name" => "名称",
        "contact_person" => "联系人",
        "contact_phone" => "联系电话",
        "exception" => "准许锁定后补报",
        "merged_into" => "并入单位",
        "unit" => "单位",
        "role" => "角色",
        "username" => "用户名",
        "display_name" => "姓名",
        "region" => "区划",
        "title" => "标题",
        "revision" => "修订版本",
        _ => "",
    };
    if known.is_empty() {
        key.to_string()
    } else {
        known.to_string()
    }
}

/// Longest text shown in a difference before it is shortened.
const SHOWN_CHARS: usize = 120;

/// A value as people read it.
fn value_text(key: &str, v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "（空）".into(),
        Some(Value::Bool(b)) => if *b { "是" } else { "否" }.into(),
        Some(Value::Number(n)) => n
            .as_f64()
            .map(kesu_core::plan::fmt_num)
            .unwrap_or_else(|| n.to_string()),
        Some(Value::String(s)) if key == "state" => ReportState::parse(s)
            .map(|st| st.zh().to_string())
            .unwrap_or_else(|| s.clone()),
        Some(Value::String(s)) => shorten(s),
        Some(other) => shorten(&nested_text(other)),
    }
}

/// An object or list deeper in a row, in words: `名称：甲；数量：3`, `甲、乙`.
fn nested_text(v: &Value) -> String {
    match v {
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| format!("{}：{}", field_zh(k), nested_text(v)))
            .collect::<Vec<_>>()
            .join("；"),
        Value::Array(a) => a.iter().map(nested_text).collect::<Vec<_>>().join("、"),
        Value::String(s) => s.clone(),
        Value::Null => "（空）".into(),
        other => value_text("", Some(other)),
    }
}

fn shorten(s: &str) -> String {
    let n = s.chars().count();
    if n <= SHOWN_CHARS {
        s.to_string()
    } else {
        let head: String = s.chars().take(SHOWN_CHARS).collect();
        format!("{head}…（共{n}字）")
    }
}

/// One changed field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    /// `None` when the field is new (a creation).
    pub before: Option<String>,
    /// `None` when the field is gone.
    pub after: Option<String>,
}

/// The fields that differ between `before` and `after`, in the order they appear; an object
/// nested one level (the values of a report by target) is compared key by key.
pub fn diff(before: Option<&Value>, after: Option<&Value>) -> Vec<FieldChange> {
    let mut out = Vec::new();
    match (before, after) {
        (Some(Value::Object(b)), Some(Value::Object(a))) => {
            let keys = b.keys().chain(a.keys().filter(|k| !b.contains_key(*k)));
            for k in keys {
                changes(k, &field_zh(k), b.get(k), a.get(k), true, true, &mut out);
            }
        }
        (None, Some(Value::Object(a))) => {
            for (k, v) in a {
                changes(k, &field_zh(k), None, Some(v), false, true, &mut out);
            }
        }
        (Some(Value::Object(b)), None) => {
            for (k, v) in b {
                changes(k, &field_zh(k), Some(v), None, true, false, &mut out);
            }
        }
        (b, a) if b != a => out.push(FieldChange {
            field: "内容".into(),
            before: b.map(|v| value_text("", Some(v))),
            after: a.map(|v| value_text("", Some(v))),
        }),
        _ => {}
    }
    out
}

/// Whether a value says nothing: missing, null, an empty text, object or list.
fn is_empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        _ => false,
    }
}

/// Bookkeeping fields that change with every write and say nothing to a reader.
const UNSHOWN: &[&str] = &["version"];

/// The change of one field (`had_before`/`has_after`: whether that side exists at all).
fn changes(
    key: &str,
    label: &str,
    b: Option<&Value>,
    a: Option<&Value>,
    had_before: bool,
    has_after: bool,
    out: &mut Vec<FieldChange>,
) {
    if b == a || UNSHOWN.contains(&key) || (is_empty(b) && is_empty(a)) {
        return;
    }
    // An object on either side (the values by target) is compared key by key; a missing side
    // counts as an empty object.
    let empty = serde_json::Map::new();
    let as_map = |v: Option<&'_ Value>| match v {
        Some(Value::Object(o)) => Some(o.clone()),
        None | Some(Value::Null) => Some(empty.clone()),
        _ => None,
    };
    let objects = matches!(b, Some(Value::Object(_))) || matches!(a, Some(Value::Object(_)));
    if let (true, Some(bo), Some(ao)) = (objects, as_map(b), as_map(a)) {
        let keys = bo.keys().chain(ao.keys().filter(|k| !bo.contains_key(*k)));
        for k in keys {
            let sub = format!("{label}·{}", field_zh(k));
            changes(k, &sub, bo.get(k), ao.get(k), had_before, has_after, out);
        }
        return;
    }
    out.push(FieldChange {
        field: label.to_string(),
        before: had_before.then(|| value_text(key, b)),
        after: has_after.then(|| value_text(key, a)),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn actions_have_chinese_names_and_unknown_ones_keep_their_resource() {
        assert_eq!(action_zh("report.accept"), "报告：通过");
        assert_eq!(action_zh("round.close"), "填报轮次：关闭");
        assert_eq!(action_zh("report.frobnicate"), "报告：frobnicate");
        assert_eq!(action_zh("weird"), "weird");
    }

    #[test]
    fn only_the_changed_fields_are_shown_in_chinese() {
        let before = json!({"state": "submitted", "version": 2, "content": "汇总"});
        let after = json!({"state": "accepted", "version": 3, "content": "汇总", "reason": null});
        let d = diff(Some(&before), Some(&after));
        assert!(d.contains(&FieldChange {
            field: "状态".into(),
            before: Some("已提交".into()),
            after: Some("已通过".into())
        }));
        assert!(
            d.iter().all(|c| c.field != "填报内容" && c.field != "版本"),
            "unchanged text and the version counter are left out: {d:?}"
        );
        assert!(
            d.iter().all(|c| c.field != "原因/意见"),
            "nothing on either side is no change: {d:?}"
        );
        assert_eq!(d.len(), 1, "{d:?}");
    }

    #[test]
    fn values_by_target_are_compared_one_by_one() {
        let before = json!({"values": {"12": 3, "13": 5}});
        let after = json!({"values": {"12": 4, "13": 5}});
        let d = diff(Some(&before), Some(&after));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].field, "指标数值·12");
        assert_eq!(
            (d[0].before.as_deref(), d[0].after.as_deref()),
            (Some("3"), Some("4"))
        );
    }

    #[test]
    fn values_that_were_not_recorded_before_are_new_values_not_json() {
        let d = diff(
            Some(&json!({"content": "x"})),
            Some(&json!({"content": "x", "values": {"1": 420.0, "2": null}})),
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].field, "指标数值·1");
        assert_eq!(
            (d[0].before.as_deref(), d[0].after.as_deref()),
            (Some("（空）"), Some("420"))
        );
    }

    #[test]
    fn deeper_objects_read_as_words_not_json() {
        let d = diff(
            None,
            Some(&json!({"attachment": {"file": "a.pdf", "size": 12}, "tags": ["甲", "乙"]})),
        );
        let text: Vec<String> = d.iter().filter_map(|c| c.after.clone()).collect();
        assert!(
            text.iter().all(|t| !t.contains('{') && !t.contains('"')),
            "{text:?}"
        );
        assert!(text.contains(&"甲、乙".to_string()), "{text:?}");
    }

    #[test]
    fn long_texts_are_shortened_with_their_length() {
        let long = "字".repeat(300);
        let d = diff(
            Some(&json!({"content": ""})),
            Some(&json!({"content": long})),
        );
        let after = d[0].after.clone().unwrap();
        assert!(after.ends_with("…（共300字）"), "{after}");
    }

    #[test]
    fn a_creation_lists_every_field_as_new() {
        let d = diff(
            None,
            Some(&json!({"due": "2025-04-15", "county_check": true})),
        );
        assert_eq!(d.len(), 2);
        let check = d.iter().find(|c| c.field == "县级初审").unwrap();
        assert_eq!(check.after.as_deref(), Some("是"));
        assert!(d.iter().all(|c| c.before.is_none()));
    }

    #[test]
    fn objects_name_their_page() {
        assert_eq!(
            object_label("report:12"),
            ("报告 #12".to_string(), Some("/reports/12".to_string()))
        );
        assert_eq!(object_label("unit:3").1, None);
        assert_eq!(object_label("regions:2023").0, "区划表 #2023");
    }
}
