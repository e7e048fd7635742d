//! The admin's audit pages: `/audit` (the audit log of the admin's region, 50 rows a page, with
//! its filters; each row's action in Chinese, what it is about with a link, and the change as a
//! field-by-field difference; the region's login log below) and `/audit.xlsx` (the filtered log
//! as a workbook), read through `kesu_app::audit` (each admin its own subtree; rows about no
//! region only the top-level office). [`AuditQuery`] is shared with the API's audit endpoint.

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

/// The page of the audit log asked for, from 1.
#[derive(Deserialize, Default)]
pub(super) struct PageQuery {
    #[serde(default)]
    page: Option<String>,
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
    action_zh: String,
    object: String,
    object_link: Option<String>,
    changes: Vec<kesu_app::audit::describe::FieldChange>,
    ip: String,
}

/// Rows on one page of the audit log.
const PER_PAGE: i64 = 50;

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
    /// (action code, Chinese name, selected) for the action filter.
    actions: Vec<(String, String, bool)>,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
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

pub(super) async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
    Query(pq): Query<PageQuery>,
) -> PageResult {
    use kesu_app::audit::describe;
    let (ctx, c) = (access::ctx(&state), access::app_caller(&caller, None));
    let page = pq
        .page
        .as_deref()
        .and_then(|p| p.trim().parse::<i64>().ok())
        .unwrap_or(1)
        .max(1);
    let (rows, more) =
        kesu_app::audit::search_page(&ctx, &c, &q.to_query()?, page - 1, PER_PAGE).await?;
    let entries = rows
        .into_iter()
        .map(|e| {
            let (object, object_link) = describe::object_label(&e.object);
            AuditView {
                at: local_time(e.at),
                changes: describe::diff(e.before.as_ref(), e.after.as_ref()),
                action_zh: describe::action_zh(&e.action),
                ip: e.ip.unwrap_or_default(),
                actor: e.actor,
                action: e.action,
                object,
                object_link,
            }
        })
        .collect();
    let chosen = q.action.clone().unwrap_or_default();
    let actions = kesu_app::audit::actions(&ctx, &c)
        .await?
        .into_iter()
        .map(|a| {
            let selected = a == chosen;
            (describe::action_zh(&a), a, selected)
        })
        .map(|(zh, a, sel)| (a, zh, sel))
        .collect();
    let logins = kesu_app::audit::sign_ins(&ctx, &c, 20)
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
    let base = q.query_string();
    let link = |p: i64| {
        let sep = if base.is_empty() { "" } else { "&" };
        format!("/audit?{base}{sep}page={p}")
    };
    render(&AuditPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        prev: (page > 1).then(|| link(page - 1)),
        next: more.then(|| link(page + 1)),
        page,
        query: base,
        filter: q,
        entries,
        logins,
        actions,
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
