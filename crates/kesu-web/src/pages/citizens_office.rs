//! The offices' test pages: question banks (upload), publishing a test (region, period,
//! blueprint), and a test's results — participation and pass rates by region and key group,
//! always labelled as a self-selected sample, item statistics, and the attempts (masked).

use super::{app_caller, ctx, keys};
use crate::AppState;
use crate::auth::{Caller, ClientIp};
use crate::error::AppError;
use crate::files;
use crate::pages::{
    Layout, PageResult, UserBar, check_csrf, parse_date, redirect_with, render, xlsx_response,
};
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use kesu_app::citizens::quiz::{self, BankImport, TestResults};
use kesu_citizens::bank::Dimension;
use kesu_citizens::blueprint::{Blueprint, Part, Weights};
use rust_xlsxwriter::Workbook;
use serde::Deserialize;

struct TestLine {
    id: i64,
    title: String,
    region_code: String,
    opens_on: String,
    closes_on: String,
}

#[derive(Template)]
#[template(path = "citizens/office_home.html")]
struct HomePage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    region: String,
    is_admin: bool,
    tests: Vec<TestLine>,
    banks: Vec<kesu_store::citizens::quiz::Bank>,
    today: String,
}

#[derive(Deserialize, Default)]
pub struct Flash {
    #[serde(default)]
    msg: Option<String>,
}

pub async fn home(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Query(f): axum::extract::Query<Flash>,
) -> PageResult {
    let l = Layout::new(&state, &caller).await?.with_flash(f.msg);
    let region = caller.actor.region.as_str().to_string();
    let tests = quiz::tests_in(&ctx(&state), &app_caller(&caller, None), &region).await?;
    let banks = kesu_store::citizens::quiz::banks_for(&state.db, &region).await?;
    render(&HomePage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        is_admin: caller.actor.role == kesu_core::authz::Role::Admin,
        region,
        tests: tests
            .into_iter()
            .map(|t| TestLine {
                id: t.id,
                title: t.title,
                region_code: t.region_code,
                opens_on: t.opens_on.to_string(),
                closes_on: t.closes_on.to_string(),
            })
            .collect(),
        banks,
        today: state.today().to_string(),
    })
}

pub async fn import_bank(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> PageResult {
    let form = files::read_form(multipart).await?;
    check_csrf(&caller, form.field("_csrf"))?;
    let typed = form.field("name").trim().to_string();
    let Some(file) = form.file else {
        return Err(AppError::Invalid("请选择题库文件 (no file)".into()).into());
    };
    let name = if typed.is_empty() {
        file.name.clone()
    } else {
        typed
    };
    let region = caller.actor.region.as_str().to_string();
    let out = quiz::import_bank(
        &ctx(&state),
        &app_caller(&caller, ip),
        &region,
        &name,
        &file.bytes,
    )
    .await?;
    let msg = match out {
        BankImport::Stored {
            bank_id,
            items,
            created: true,
        } => format!("题库 {bank_id} 已导入：{items} 题"),
        BankImport::Stored { bank_id, .. } => format!("题库内容与题库 {bank_id} 相同，未重复导入"),
        BankImport::Refused(rows) => {
            return Err(super::refused("题库", &file.name, &rows).into());
        }
    };
    Ok(redirect_with("/citizens", &msg))
}

/// Missing fields are empty or 0: the use case names what is wrong, after the caller's rights
/// are checked.
#[derive(Deserialize)]
pub struct PublishForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    bank_id: i64,
    #[serde(default)]
    title: String,
    #[serde(default)]
    purpose: String,
    opens_on: String,
    closes_on: String,
    #[serde(default)]
    time_limit: u32,
    #[serde(default = "seventy")]
    pass_mark: f64,
    #[serde(default)]
    knowledge: u32,
    #[serde(default)]
    method: u32,
    #[serde(default)]
    spirit: u32,
    #[serde(default)]
    application: u32,
}

fn seventy() -> f64 {
    70.0
}

pub async fn publish(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Form(f): Form<PublishForm>,
) -> PageResult {
    check_csrf(&caller, &f.csrf)?;
    let parts = [
        (Dimension::Knowledge, f.knowledge),
        (Dimension::Method, f.method),
        (Dimension::Spirit, f.spirit),
        (Dimension::Application, f.application),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(dimension, count)| Part {
        dimension,
        benchmark: None,
        count,
    })
    .collect();
    let id = quiz::publish(
        &ctx(&state),
        &app_caller(&caller, ip),
        quiz::NewTest {
            region_code: caller.actor.region.as_str().to_string(),
            bank_id: f.bank_id,
            title: f.title,
            purpose: f.purpose,
            opens_on: parse_date(&f.opens_on, "开始日期")?,
            closes_on: parse_date(&f.closes_on, "结束日期")?,
            blueprint: Blueprint {
                parts,
                time_limit_minutes: f.time_limit,
                pass_mark: f.pass_mark,
                weights: Weights::default(),
            },
        },
    )
    .await?;
    Ok(redirect_with(
        &format!("/citizens/tests/{id}"),
        "测试已发布",
    ))
}

#[derive(Template)]
#[template(path = "citizens/office_results.html")]
struct ResultsPage {
    user: Option<UserBar>,
    demo: bool,
    flash: Option<String>,
    r: TestResults,
    public_url: String,
}

fn pct(x: f64) -> String {
    format!("{x:.1}%")
}

fn opt2(x: &Option<f64>) -> String {
    x.map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into())
}

impl ResultsPage {
    fn pct(&self, x: f64) -> String {
        pct(x)
    }
    fn opt2(&self, x: &Option<f64>) -> String {
        opt2(x)
    }
}

pub async fn results(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    axum::extract::Query(f): axum::extract::Query<Flash>,
) -> PageResult {
    let l = Layout::new(&state, &caller).await?.with_flash(f.msg);
    let keys = keys(&state)?;
    let r = quiz::results(&ctx(&state), &app_caller(&caller, None), &keys, id).await?;
    render(&ResultsPage {
        user: l.user,
        demo: l.demo,
        flash: l.flash,
        public_url: format!("/quiz/{id}"),
        r,
    })
}

pub async fn results_download(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> PageResult {
    let keys = keys(&state)?;
    let r = quiz::results(&ctx(&state), &app_caller(&caller, None), &keys, id).await?;
    let bytes = results_xlsx(&r).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(xlsx_response(bytes, &format!("测试{id}结果.xlsx")))
}

/// The results workbook (also `kesu quiz results --format xlsx`): participation with the
/// sample note on top, item statistics, the attempts with masked names and phones.
pub fn results_xlsx(r: &TestResults) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let ws = wb.add_worksheet().set_name("参与情况")?;
    ws.write_string_with_format(0, 0, format!("{}（{}）", r.title, quiz::SAMPLE_NOTE), &bold)?;
    for (c, h) in [
        "区划代码",
        "区划",
        "人群",
        "参与人次",
        "合格人次",
        "合格率(%)",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(2, c as u16, *h, &bold)?;
    }
    for (i, p) in r.by_region.iter().enumerate() {
        let row = 3 + i as u32;
        ws.write_string(row, 0, &p.region_code)?;
        ws.write_string(row, 1, &p.region_name)?;
        ws.write_string(row, 2, &p.key_group)?;
        ws.write_number(row, 3, p.attempts as f64)?;
        ws.write_number(row, 4, p.passed as f64)?;
        ws.write_number(row, 5, (p.pass_rate * 10.0).round() / 10.0)?;
    }
    let ws = wb.add_worksheet().set_name("题目分析")?;
    for (c, h) in [
        "题号",
        "题干",
        "维度",
        "基准",
        "作答人次",
        "通过率",
        "区分度(点二列)",
        "高低分组差",
        "提示",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, it) in r.items.iter().enumerate() {
        let row = 1 + i as u32;
        ws.write_string(row, 0, &it.number)?;
        ws.write_string(row, 1, &it.stem)?;
        ws.write_string(row, 2, &it.dimension)?;
        ws.write_number(row, 3, f64::from(it.benchmark))?;
        ws.write_number(row, 4, f64::from(it.stats.attempts))?;
        ws.write_number(row, 5, (it.stats.facility * 1000.0).round() / 1000.0)?;
        ws.write_string(row, 6, opt2(&it.stats.discrimination))?;
        ws.write_string(row, 7, opt2(&it.stats.upper_lower))?;
        ws.write_string(row, 8, it.stats.flags.join("；"))?;
    }
    let ws = wb.add_worksheet().set_name("答题记录")?;
    for (c, h) in [
        "编号",
        "村（社区）代码",
        "人群",
        "姓名",
        "手机号",
        "成绩",
        "合格",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, a) in r.lines.iter().enumerate() {
        let row = 1 + i as u32;
        ws.write_number(row, 0, a.attempt_id as f64)?;
        ws.write_string(row, 1, &a.region_code)?;
        ws.write_string(row, 2, &a.key_group)?;
        ws.write_string(row, 3, &a.name)?;
        ws.write_string(row, 4, &a.phone)?;
        ws.write_number(row, 5, a.score)?;
        ws.write_string(row, 6, if a.passed { "是" } else { "否" })?;
    }
    wb.save_to_buffer()
}
