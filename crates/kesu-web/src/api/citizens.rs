//! The citizens' JSON API: the public test (no account) and the offices' ledger and results.
//! Request and response bodies are named structs (for the OpenAPI document to come); dates and
//! times are ISO strings. Personal values leave only masked, except a reveal, which needs the
//! permission and a reason and is audited.

use crate::AppState;
use crate::auth::{Caller, ClientIp};
use crate::error::{ApiError, AppError};
use crate::pages::citizens::{app_caller, ctx, keys, public_caller};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use kesu_app::citizens::{ledger, quiz};
use serde::{Deserialize, Serialize};

#[path = "citizens_openapi.rs"]
pub mod openapi;

pub fn routes() -> crate::routes::Routes<AppState> {
    crate::routes::Routes::new()
        .route("/public/tests", get(open_tests))
        .route("/public/tests/{id}", get(public_test))
        .route("/public/tests/{id}/attempts", post(start))
        .route("/public/attempts/{token}", get(paper))
        .route("/public/attempts/{token}/submit", post(submit))
        .route("/quiz/tests/{id}/results", get(results))
        .route("/ledger/count", get(count))
        .route("/ledger/entries", get(entries))
        .route("/ledger/entries/{id}/reveal", post(reveal))
}

type ApiResult<T> = Result<Json<T>, ApiError>;

fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, AppError> {
    b.map(|Json(v)| v).map_err(|e| {
        AppError::BadRequest(format!("请求体无效：{} (malformed JSON)", e.body_text()))
    })
}

/// A test as the public sees it (no items, no answers).
#[derive(Debug, Serialize, Deserialize)]
pub struct PublicTestDto {
    pub id: i64,
    pub title: String,
    pub purpose: String,
    pub region_code: String,
    pub region_name: String,
    pub items: u32,
    pub time_limit_minutes: u32,
    pub pass_mark: f64,
    pub opens_on: String,
    pub closes_on: String,
    pub open: bool,
}

impl From<quiz::PublicTest> for PublicTestDto {
    fn from(t: quiz::PublicTest) -> Self {
        PublicTestDto {
            id: t.id,
            title: t.title,
            purpose: t.purpose,
            region_code: t.region_code,
            region_name: t.region_name,
            items: t.items,
            time_limit_minutes: t.time_limit_minutes,
            pass_mark: t.pass_mark,
            opens_on: t.opens_on.to_string(),
            closes_on: t.closes_on.to_string(),
            open: t.open,
        }
    }
}

async fn open_tests(State(state): State<AppState>) -> ApiResult<Vec<PublicTestDto>> {
    let list = quiz::open_tests(&ctx(&state))
        .await
        .map_err(AppError::from)?;
    Ok(Json(list.into_iter().map(PublicTestDto::from).collect()))
}

async fn public_test(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<PublicTestDto> {
    Ok(Json(
        quiz::public_test(&ctx(&state), id)
            .await
            .map_err(AppError::from)?
            .into(),
    ))
}

/// Starting an attempt: the citizen's details and consent.
#[derive(Debug, Serialize, Deserialize)]
pub struct StartRequest {
    pub name: String,
    pub phone: String,
    /// A 12-digit village code inside the test's region.
    pub village: String,
    /// `youth`, `farmers`, `workers`, `elderly`, `officials`, `other` (or the Chinese names).
    pub key_group: String,
    pub consent: bool,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct StartResponse {
    pub attempt_id: i64,
    /// Keep it: it opens the paper, submits it and shows the certificate.
    pub token: String,
    pub deadline: String,
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

async fn start(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    b: Result<Json<StartRequest>, JsonRejection>,
) -> ApiResult<StartResponse> {
    // An unknown test is 404 whatever the body.
    quiz::public_test(&ctx(&state), id)
        .await
        .map_err(AppError::from)?;
    let b = body(b)?;
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
    Ok(Json(StartResponse {
        attempt_id: s.attempt_id,
        token: s.token,
        deadline: rfc3339(s.deadline),
    }))
}

/// One item as shown: the options in this attempt's order, no key.
#[derive(Debug, Serialize, Deserialize)]
pub struct ItemDto {
    pub n: usize,
    pub stem: String,
    /// `single`, `multiple` or `true_false`.
    pub kind: String,
    pub dimension: String,
    pub options: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct PaperDto {
    pub test_id: i64,
    pub title: String,
    pub items: Vec<ItemDto>,
    pub deadline: String,
    pub seconds_left: i64,
    pub submitted: bool,
}

async fn paper(State(state): State<AppState>, Path(token): Path<String>) -> ApiResult<PaperDto> {
    let p = quiz::paper(&ctx(&state), &token)
        .await
        .map_err(AppError::from)?;
    Ok(Json(PaperDto {
        test_id: p.test_id,
        title: p.title,
        items: p
            .items
            .into_iter()
            .map(|i| ItemDto {
                n: i.n,
                stem: i.stem,
                kind: i.kind.zh().to_string(),
                dimension: i.dimension.zh().to_string(),
                options: i.options,
            })
            .collect(),
        deadline: rfc3339(p.deadline),
        seconds_left: p.seconds_left,
        submitted: p.submitted,
    }))
}

/// The answers: for each item in paper order, the positions (0-based, as shown) chosen.
#[derive(Debug, Serialize, Deserialize)]
pub struct SubmitRequest {
    pub answers: Vec<Vec<u8>>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct DimensionScoreDto {
    pub dimension: String,
    pub points: f64,
    pub of: f64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ResultDto {
    pub attempt_id: i64,
    pub test_title: String,
    pub name: String,
    pub score: f64,
    pub passed: bool,
    pub pass_mark: f64,
    pub by_dimension: Vec<DimensionScoreDto>,
    pub submitted_at: String,
    pub late: bool,
    pub certificate_no: String,
}

async fn submit(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ClientIp(ip): ClientIp,
    b: Result<Json<SubmitRequest>, JsonRejection>,
) -> ApiResult<ResultDto> {
    // An unknown attempt is 404 whatever the body.
    quiz::paper(&ctx(&state), &token)
        .await
        .map_err(AppError::from)?;
    let b = body(b)?;
    crate::pages::citizens::public::check_submit_throttle(ip.as_deref())?;
    if b.answers.iter().any(|a| a.len() > 5) {
        return Err(
            AppError::Invalid("每题最多 5 个选项 (at most 5 options per item)".into()).into(),
        );
    }
    let keys = keys(&state)?;
    let r = quiz::submit(&ctx(&state), &public_caller(ip), &keys, &token, b.answers)
        .await
        .map_err(AppError::from)?;
    Ok(Json(ResultDto {
        attempt_id: r.attempt_id,
        test_title: r.test_title,
        name: r.name,
        score: r.score,
        passed: r.passed,
        pass_mark: r.pass_mark,
        by_dimension: r
            .by_dimension
            .into_iter()
            .map(|(dimension, points, of)| DimensionScoreDto {
                dimension,
                points,
                of,
            })
            .collect(),
        submitted_at: rfc3339(r.submitted_at),
        late: r.late,
        certificate_no: r.certificate_no,
    }))
}

/// Participation and pass rate of one region and key group.
#[derive(Debug, Serialize, Deserialize)]
pub struct ParticipationDto {
    pub region_code: String,
    pub region_name: String,
    pub key_group: String,
    pub attempts: i64,
    pub passed: i64,
    /// percent
    pub pass_rate: f64,
}

/// An item's statistics: facility (share right), discrimination (point-biserial against the
/// rest score), upper minus lower 27 % groups, and why to look at it.
#[derive(Debug, Serialize, Deserialize)]
pub struct ItemStatsDto {
    pub question_id: i64,
    pub number: String,
    pub stem: String,
    pub dimension: String,
    pub benchmark: u8,
    pub attempts: u32,
    pub facility: f64,
    pub discrimination: Option<f64>,
    pub upper_lower: Option<f64>,
    pub flags: Vec<String>,
}

/// One attempt, masked.
#[derive(Debug, Serialize, Deserialize)]
pub struct AttemptLineDto {
    pub attempt_id: i64,
    pub region_code: String,
    pub key_group: String,
    pub name: String,
    pub phone: String,
    pub score: f64,
    pub passed: bool,
    pub submitted_at: String,
}

/// A test's results for the caller's part of its region. `note` says what the figures are: a
/// self-selected sample, never the literacy share (that comes from the survey).
#[derive(Debug, Serialize, Deserialize)]
pub struct TestResultsDto {
    pub test_id: i64,
    pub title: String,
    pub region_code: String,
    pub note: String,
    pub attempts: i64,
    pub passed: i64,
    pub by_region: Vec<ParticipationDto>,
    pub items: Vec<ItemStatsDto>,
    pub lines: Vec<AttemptLineDto>,
}

impl From<quiz::TestResults> for TestResultsDto {
    fn from(r: quiz::TestResults) -> Self {
        TestResultsDto {
            test_id: r.test_id,
            title: r.title,
            region_code: r.region_code,
            note: r.note.to_string(),
            attempts: r.attempts,
            passed: r.passed,
            by_region: r
                .by_region
                .into_iter()
                .map(|p| ParticipationDto {
                    region_code: p.region_code,
                    region_name: p.region_name,
                    key_group: p.key_group,
                    attempts: p.attempts,
                    passed: p.passed,
                    pass_rate: p.pass_rate,
                })
                .collect(),
            items: r
                .items
                .into_iter()
                .map(|i| ItemStatsDto {
                    question_id: i.question_id,
                    number: i.number,
                    stem: i.stem,
                    dimension: i.dimension,
                    benchmark: i.benchmark,
                    attempts: i.stats.attempts,
                    facility: i.stats.facility,
                    discrimination: i.stats.discrimination,
                    upper_lower: i.stats.upper_lower,
                    flags: i.stats.flags.iter().map(|f| f.to_string()).collect(),
                })
                .collect(),
            lines: r
                .lines
                .into_iter()
                .map(|a| AttemptLineDto {
                    attempt_id: a.attempt_id,
                    region_code: a.region_code,
                    key_group: a.key_group,
                    name: a.name,
                    phone: a.phone,
                    score: a.score,
                    passed: a.passed,
                    submitted_at: rfc3339(a.submitted_at),
                })
                .collect(),
        }
    }
}

async fn results(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<TestResultsDto> {
    let keys = keys(&state)?;
    Ok(Json(
        quiz::results(&ctx(&state), &app_caller(&caller, None), &keys, id)
            .await
            .map_err(AppError::from)?
            .into(),
    ))
}

#[derive(Debug, Deserialize)]
pub struct CountQuery {
    /// The caller's own region when left out.
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub by: Option<String>,
}

/// `{"region": "4313", "count": 120, "by": {"农民": 80, …}}` (`by` when asked with `by=group`).
#[derive(Debug, Serialize, Deserialize)]
pub struct CountDto {
    pub region: String,
    pub count: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<std::collections::BTreeMap<String, i64>>,
}

async fn count(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<CountQuery>,
) -> ApiResult<CountDto> {
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
    Ok(Json(CountDto {
        region: c.region,
        count: c.count,
        by: c.by,
    }))
}

#[derive(Debug, Deserialize)]
pub struct EntriesQuery {
    /// The caller's own region when left out.
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub page: u32,
}

/// An entry, masked.
#[derive(Debug, Serialize, Deserialize)]
pub struct EntryDto {
    pub id: i64,
    pub region_code: String,
    pub key_group: String,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub basis: String,
    pub entered_on: String,
    pub status: String,
}

async fn entries(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<EntriesQuery>,
) -> ApiResult<Vec<EntryDto>> {
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
    Ok(Json(
        list.into_iter()
            .map(|e| EntryDto {
                id: e.id,
                region_code: e.region_code,
                key_group: e.key_group,
                name: e.name,
                id_number: e.id_number,
                phone: e.phone,
                basis: e.basis,
                entered_on: e.entered_on.to_string(),
                status: e.status,
            })
            .collect(),
    ))
}

/// A reveal: which field and why (recorded in the audit log).
#[derive(Debug, Serialize, Deserialize)]
pub struct RevealRequest {
    /// `id_number`, `phone` or `name`.
    pub field: String,
    pub reason: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct RevealResponse {
    pub value: String,
}

async fn reveal(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    b: Result<Json<RevealRequest>, JsonRejection>,
) -> ApiResult<RevealResponse> {
    let b = body(b)?;
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
    Ok(Json(RevealResponse { value }))
}
