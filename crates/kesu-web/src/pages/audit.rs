//! The admin's audit pages: `/audit` (the audit log of the admin's region with its filters, and
//! the region's login log) and `/audit.xlsx` (the filtered log as a workbook), read through
//! `kesu_app::audit` (each admin its own subtree; rows about no region only the top-level
//! office). [`AuditQuery`] is shared with the API's audit endpoint.

use super::{
    Layout, PageResult, UserBar, local_time, parse_date, percent_encode, render, xlsx_response,
};
use crate::auth::Caller;
use crate::error::AppError;
use crate::{AppState, access, sheets};
use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub object: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl AuditQuery {
    /// The query for `kesu_app::audit` (dates checked; empty fields ignored).
    pub fn to_query(&self) -> Result<kesu_app::audit::Query, AppError> {
        let nonempty = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
        let date = |s: &Option<String>, f: &str| nonempty(s).map(|v| parse_date(&v, f)).transpose();
        Ok(kesu_app::audit::Query {
            actor: nonempty(&self.actor),
            action: nonempty(&self.action),
            object: nonempty(&self.object),
            from: date(&self.from, "起始日期")?,
            to: date(&self.to, "截止日期")?,
        })
    }

    fn query_string(&self) -> String {
        let parts = [
            ("actor", &self.actor),
            ("action", &self.action),
            ("object", &self.object),
            ("from", &self.from),
            ("to", &self.to),
        ];
        parts
            .iter()
            .filter_map(|(k, v)| {
                v.as_ref()
                    .filter(|v| !v.is_empty())
                    .map(|v| format!("{k}={}", percent_encode(v)))
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}

struct AuditView {
    at: String,
    actor: String,
    action: String,
    object: String,
    before: String,
    after: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    filter: AuditQuery,
    query: String,
    entries: Vec<AuditView>,
    logins: Vec<LoginView>,
}

struct LoginView {
    at: String,
    username: String,
    ip: String,
    outcome: &'static str,
}

fn outcome_zh(o: &str) -> &'static str {
    match o {
        "ok" => "成功",
        "bad_password" => "密码错误",
        "locked_out" => "账户锁定中",
        "throttled" => "尝试过于频繁",
        _ => "用户名不存在",
    }
}

fn json_text(v: &Option<serde_json::Value>) -> String {
    v.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

pub(super) async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    let (ctx, c) = (access::ctx(&state), access::app_caller(&caller, None));
    let entries = kesu_app::audit::search(&ctx, &c, &q.to_query()?, 500)
        .await?
        .into_iter()
        .map(|e| AuditView {
            at: local_time(e.at),
            before: json_text(&e.before),
            after: json_text(&e.after),
            actor: e.actor,
            action: e.action,
            object: e.object,
        })
        .collect();
    let logins = kesu_app::audit::sign_ins(&ctx, &c, 100)
        .await?
        .into_iter()
        .map(|e| LoginView {
            at: local_time(e.at),
            outcome: outcome_zh(&e.outcome),
            ip: e.ip.unwrap_or_default(),
            username: e.username,
        })
        .collect();
    let l = Layout::new(&state, &caller).await?;
    render(&AuditPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        query: q.query_string(),
        filter: q,
        entries,
        logins,
    })
}

pub(super) async fn audit_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    let entries = kesu_app::audit::search(
        &access::ctx(&state),
        &access::app_caller(&caller, None),
        &q.to_query()?,
        100_000,
    )
    .await?;
    Ok(xlsx_response(sheets::audit(&entries)?, "审计日志.xlsx"))
}
