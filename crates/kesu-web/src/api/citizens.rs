//! The citizens' JSON API: the public test (no account) and the offices' ledger and results.
//! Bodies are the types of [`super::types::citizens`]. Personal values leave only masked,
//! except a reveal, which needs the permission and a reason and is audited.

use super::extract::{ApiJson, ApiQuery, Id};
use super::types::ErrorBody;
use super::types::citizens::{
    AttemptResult, AttemptStarted, CountParams, EntriesParams, LedgerCount, LedgerEntry, Paper,
    PaperItem, PublicTest, RevealRequest, Revealed, StartAttemptRequest, SubmitAnswersRequest,
    TestResults,
};
use crate::AppState;
use crate::auth::{Caller, ClientIp};
use crate::error::{ApiError, AppError};
use crate::pages::citizens::{app_caller, ctx, keys, public_caller};
use crate::routes::Routes;
use axum::Json;
use axum::extract::{Path, State};
use kesu_app::citizens::{ledger, quiz};
use utoipa_axum::routes;

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .routes(routes!(open_tests))
        .routes(routes!(public_test))
        .routes(routes!(start))
        .routes(routes!(paper))
        .routes(routes!(submit))
        .routes(routes!(results))
        .routes(routes!(count))
        .routes(routes!(entries))
        .routes(routes!(reveal))
}

type ApiResult<T> = Result<Json<T>, ApiError>;

/// The attempt's token in a path.
fn token(
    p: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<String, AppError> {
    p.map(|Path(t)| t)
        .map_err(|e| AppError::BadRequest(format!("路径无效：{} (bad path)", e.body_text())))
}

/// 公开的测试 (open tests)
///
/// The tests open to the public now; no sign-in.
#[utoipa::path(
    get, path = "/public/tests", tag = "citizens", operation_id = "list_public_tests",
    security(()),
    responses((status = 200, description = "测试 (tests)", body = Vec<PublicTest>)),
)]
async fn open_tests(State(state): State<AppState>) -> ApiResult<Vec<PublicTest>> {
    let list = quiz::open_tests(&ctx(&state))
        .await
        .map_err(AppError::from)?;
    Ok(Json(list.into_iter().map(PublicTest::from).collect()))
}

/// 测试说明 (a public test)
///
/// No sign-in.
#[utoipa::path(
    get, path = "/public/tests/{id}", tag = "citizens", operation_id = "get_public_test",
    security(()),
    params(("id" = i64, Path, description = "测试编号 (test id)", example = 1)),
    responses(
        (status = 200, description = "测试 (the test)", body = PublicTest),
        (status = 404, description = "未找到 (not found)", body = ErrorBody),
    ),
)]
async fn public_test(State(state): State<AppState>, Id(id): Id) -> ApiResult<PublicTest> {
    Ok(Json(
        quiz::public_test(&ctx(&state), id)
            .await
            .map_err(AppError::from)?
            .into(),
    ))
}

/// 开始答题 (start an attempt)
///
/// A counted attempt for a citizen (no account): the details are checked, a phone that already
/// took the test is refused, the paper is drawn. Throttled per address and phone (429).
#[utoipa::path(
    post, path = "/public/tests/{id}/attempts", tag = "citizens", operation_id = "start_attempt",
    security(()),
    params(("id" = i64, Path, description = "测试编号 (test id)", example = 1)),
    request_body = StartAttemptRequest,
    responses(
        (status = 200, description = "已开始 (started)", body = AttemptStarted),
        (status = 404, description = "未找到 (not found)", body = ErrorBody),
        (status = 409, description = "该手机号已参加或测试未开放 (already taken, or not open)", body = ErrorBody),
        (status = 422, description = "信息无效或未同意 (bad details, or no consent)", body = ErrorBody),
        (status = 429, description = "过于频繁 (too many)", body = ErrorBody),
    ),
)]
async fn start(
    State(state): State<AppState>,
    Id(id): Id,
    ClientIp(ip): ClientIp,
    b: Result<ApiJson<StartAttemptRequest>, ApiError>,
) -> ApiResult<AttemptStarted> {
    // An unknown test is 404 whatever the body.
    quiz::public_test(&ctx(&state), id)
        .await
        .map_err(AppError::from)?;
    let ApiJson(b) = b?;
    crate::pages::citizens::public::check_start_throttle(ip.as_deref(), &b.phone)?;
    let keys = keys(&state)?;
    let s = quiz::start(
        &ctx(&state),
        &public_caller(ip),
        &keys,
        id,
        quiz::Start {
            name: b.name,
            phone: b.phone,
            village: b.village,
            key_group: b.key_group,
            consent: b.consent,
        },
    )
    .await
    .map_err(AppError::from)?;
    Ok(Json(AttemptStarted {
        attempt_id: s.attempt_id,
        token: s.token,
        deadline: s.deadline,
    }))
}

/// 试卷 (an attempt's paper)
///
/// The items in this attempt's order, without the key; the token is the attempt's secret.
#[utoipa::path(
    get, path = "/public/attempts/{token}", tag = "citizens", operation_id = "get_paper",
    security(()),
    params(("token" = String, Path, description = "答题凭证 (the attempt's token)")),
    responses(
        (status = 200, description = "试卷 (the paper)", body = Paper),
        (status = 404, description = "未找到 (not found)", body = ErrorBody),
    ),
)]
async fn paper(
    State(state): State<AppState>,
    t: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> ApiResult<Paper> {
    let t = token(t)?;
    let p = quiz::paper(&ctx(&state), &t)
        .await
        .map_err(AppError::from)?;
    Ok(Json(Paper {
        test_id: p.test_id,
        title: p.title,
        items: p
            .items
            .into_iter()
            .map(|i| PaperItem {
                n: i.n,
                stem: i.stem,
                kind: i.kind.zh().to_string(),
                dimension: i.dimension.zh().to_string(),
                options: i.options,
            })
            .collect(),
        deadline: p.deadline,
        seconds_left: p.seconds_left,
        submitted: p.submitted,
    }))
}

/// 交卷 (submit the answers)
///
/// Scored at once; after the deadline the attempt counts as late. Throttled per address (429).
#[utoipa::path(
    post, path = "/public/attempts/{token}/submit", tag = "citizens", operation_id = "submit_answers",
    security(()),
    params(("token" = String, Path, description = "答题凭证 (the attempt's token)")),
    request_body = SubmitAnswersRequest,
    responses(
        (status = 200, description = "成绩 (the result)", body = AttemptResult),
        (status = 404, description = "未找到 (not found)", body = ErrorBody),
        (status = 409, description = "已交卷 (already submitted)", body = ErrorBody),
        (status = 422, description = "答案无效 (bad answers)", body = ErrorBody),
        (status = 429, description = "过于频繁 (too many)", body = ErrorBody),
    ),
)]
async fn submit(
    State(state): State<AppState>,
    t: Result<Path<String>, axum::extract::rejection::PathRejection>,
    ClientIp(ip): ClientIp,
    b: Result<ApiJson<SubmitAnswersRequest>, ApiError>,
) -> ApiResult<AttemptResult> {
    let t = token(t)?;
    // An unknown attempt is 404 whatever the body.
    quiz::paper(&ctx(&state), &t)
        .await
        .map_err(AppError::from)?;
    let ApiJson(b) = b?;
    crate::pages::citizens::public::check_submit_throttle(ip.as_deref())?;
    if b.answers.iter().any(|a| a.len() > 5) {
        return Err(
            AppError::Invalid("每题最多 5 个选项 (at most 5 options per item)".into()).into(),
        );
    }
    let keys = keys(&state)?;
    let r = quiz::submit(&ctx(&state), &public_caller(ip), &keys, &t, b.answers)
        .await
        .map_err(AppError::from)?;
    Ok(Json(r.into()))
}

/// 测试结果 (a test's results)
///
/// For an office covering the test's region (a township office: its own villages):
/// participation and pass rates (a self-selected sample), item statistics, attempts masked.
#[utoipa::path(
    get, path = "/quiz/tests/{id}/results", tag = "citizens", operation_id = "test_results",
    params(("id" = i64, Path, description = "测试编号 (test id)", example = 1)),
    responses(
        (status = 200, description = "结果 (the results)", body = TestResults),
        (status = 403, description = "无权查看 (not allowed)", body = ErrorBody),
        (status = 404, description = "未找到或不在权限范围内 (not found or out of scope)", body = ErrorBody),
    ),
)]
async fn results(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<TestResults> {
    let keys = keys(&state)?;
    Ok(Json(
        quiz::results(&ctx(&state), &app_caller(&caller, None), &keys, id)
            .await
            .map_err(AppError::from)?
            .into(),
    ))
}

/// 台账人数 (ledger count)
///
/// How many people the ledger of a region in the caller's subtree holds.
#[utoipa::path(
    get, path = "/ledger/count", tag = "citizens", operation_id = "ledger_count",
    params(CountParams),
    responses(
        (status = 200, description = "人数 (the count)", body = LedgerCount),
        (status = 403, description = "无权查看 (not allowed)", body = ErrorBody),
        (status = 404, description = "地区不在权限范围内 (region out of scope)", body = ErrorBody),
        (status = 422, description = "参数无效 (bad parameter)", body = ErrorBody),
    ),
)]
async fn count(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<CountParams>,
) -> ApiResult<LedgerCount> {
    let by = match q.by.as_deref() {
        None => false,
        Some("group") => true,
        Some(_) => return Err(AppError::Invalid("by 只能是 group (by=group)".into()).into()),
    };
    let region = q
        .region
        .unwrap_or_else(|| caller.actor.region.as_str().to_string());
    let c = ledger::count(&ctx(&state), &app_caller(&caller, None), &region, by)
        .await
        .map_err(AppError::from)?;
    Ok(Json(LedgerCount {
        region: c.region,
        count: c.count,
        by: c.by,
    }))
}

/// 台账条目 (ledger entries)
///
/// One page of a region's ledger, masked.
#[utoipa::path(
    get, path = "/ledger/entries", tag = "citizens", operation_id = "ledger_entries",
    params(EntriesParams),
    responses(
        (status = 200, description = "条目 (entries)", body = Vec<LedgerEntry>),
        (status = 403, description = "无权查看 (not allowed)", body = ErrorBody),
        (status = 404, description = "地区不在权限范围内 (region out of scope)", body = ErrorBody),
    ),
)]
async fn entries(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<EntriesParams>,
) -> ApiResult<Vec<LedgerEntry>> {
    let keys = keys(&state)?;
    let region = q
        .region
        .unwrap_or_else(|| caller.actor.region.as_str().to_string());
    let list = ledger::list(
        &ctx(&state),
        &app_caller(&caller, None),
        &keys,
        &region,
        q.page,
    )
    .await
    .map_err(AppError::from)?;
    Ok(Json(list.into_iter().map(LedgerEntry::from).collect()))
}

/// 查看完整信息 (reveal a personal field)
///
/// For an account with the permission, with a reason; the audit log records who, what and why.
#[utoipa::path(
    post, path = "/ledger/entries/{id}/reveal", tag = "citizens", operation_id = "reveal_field",
    params(("id" = i64, Path, description = "台账条目编号 (entry id)", example = 1)),
    request_body = RevealRequest,
    responses(
        (status = 200, description = "完整值 (the value)", body = Revealed),
        (status = 403, description = "没有查看权限 (no permission)", body = ErrorBody),
        (status = 404, description = "未找到或不在权限范围内 (not found or out of scope)", body = ErrorBody),
        (status = 422, description = "字段无效或缺少原因 (bad field, or no reason)", body = ErrorBody),
    ),
)]
async fn reveal(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ClientIp(ip): ClientIp,
    ApiJson(b): ApiJson<RevealRequest>,
) -> ApiResult<Revealed> {
    let field = ledger::Field::parse(&b.field)
        .ok_or_else(|| AppError::Invalid("field: id_number, phone, name".into()))?;
    let keys = keys(&state)?;
    let value = ledger::reveal(
        &ctx(&state),
        &app_caller(&caller, ip),
        &keys,
        id,
        field,
        &b.reason,
    )
    .await
    .map_err(AppError::from)?;
    Ok(Json(Revealed { value }))
}
