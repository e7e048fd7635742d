//! The public online test, for a phone's browser (WeChat, 390 px) and no account: the list of
//! open tests, a test's page with the entry form (name, phone, village from the region tree,
//! key group, consent to the stated purpose), the paper with its countdown (the deadline is
//! enforced on the server), and the score with a certificate. The paper never carries answers.
//!
//! Starting and submitting are throttled per client address and per phone, in memory.

use super::{keys, public_caller};
use crate::AppState;
use crate::auth::ClientIp;
use crate::error::{AppError, PageError};
use crate::pages::{PageResult, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Json, Redirect, Response};
use kesu_app::citizens::quiz::{self, AttemptResult, PublicTest, ShownPaper};
use kesu_citizens::bank::QuestionKind;
use kesu_citizens::ledger::KeyGroup;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

/// Fixed-window counters per key (an address, a phone's hash), in this process.
pub struct Throttle {
    hits: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Throttle {
    pub fn new() -> Self {
        Throttle {
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a hit for `key`; `false` when it is over `limit` within `window`.
    pub fn allow(&self, key: &str, limit: u32, window: Duration) -> bool {
        let now = Instant::now();
        let Ok(mut hits) = self.hits.lock() else {
            return true;
        };
        if hits.len() > 50_000 {
            hits.retain(|_, (t, _)| now.duration_since(*t) < window);
        }
        let e = hits.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(e.0) >= window {
            *e = (now, 0);
        }
        e.1 += 1;
        e.1 <= limit
    }
}

impl Default for Throttle {
    fn default() -> Self {
        Self::new()
    }
}

static THROTTLE: LazyLock<Throttle> = LazyLock::new(Throttle::new);
const WINDOW: Duration = Duration::from_secs(600);
/// Starts per address per window: a family or a class may share one address.
const STARTS_PER_IP: u32 = 30;
/// Tries per phone per window (only one can be counted anyway).
const STARTS_PER_PHONE: u32 = 5;
const SUBMITS_PER_IP: u32 = 60;

fn throttle(key: String, limit: u32) -> Result<(), AppError> {
    if THROTTLE.allow(&key, limit, WINDOW) {
        Ok(())
    } else {
        Err(AppError::TooMany(
            "操作过于频繁，请 10 分钟后再试 (too many requests; wait 10 minutes)".into(),
        ))
    }
}

/// Throttle keys never hold a phone number in clear, not even in memory.
fn phone_key(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let h = Sha256::digest(digits.as_bytes());
    format!("phone:{}", crate::auth::hex(&h[..12]))
}

/// The start throttle (pages and API): per address and per phone.
pub fn check_start_throttle(ip: Option<&str>, phone: &str) -> Result<(), AppError> {
    throttle(
        format!("start-ip:{}", ip.unwrap_or_default()),
        STARTS_PER_IP,
    )?;
    throttle(phone_key(phone), STARTS_PER_PHONE)
}

/// The submit throttle (pages and API): per address.
pub fn check_submit_throttle(ip: Option<&str>) -> Result<(), AppError> {
    throttle(
        format!("submit-ip:{}", ip.unwrap_or_default()),
        SUBMITS_PER_IP,
    )
}

pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../templates/citizens/quiz.js"),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "citizens/quiz_list.html")]
struct ListPage {
    tests: Vec<PublicTest>,
}

pub async fn list(State(state): State<AppState>) -> PageResult {
    let tests = quiz::open_tests(&super::ctx(&state)).await?;
    render(&ListPage { tests })
}

struct Option_ {
    code: String,
    name: String,
}

#[derive(Template)]
#[template(path = "citizens/quiz_intro.html")]
struct IntroPage {
    t: PublicTest,
    regions: Vec<Option_>,
    groups: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    form: StartForm,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct StartForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    village: String,
    #[serde(default)]
    key_group: String,
    #[serde(default)]
    consent: String,
}

async fn children(state: &AppState, code: &str) -> Result<Vec<Option_>, AppError> {
    Ok(kesu_store::regions::children(&state.db, Some(code))
        .await?
        .into_iter()
        .map(|r| Option_ {
            code: r.code,
            name: r.name,
        })
        .collect())
}

fn groups() -> Vec<(&'static str, &'static str)> {
    KeyGroup::ALL.iter().map(|g| (g.as_str(), g.zh())).collect()
}

async fn intro_page(
    state: &AppState,
    id: i64,
    error: Option<String>,
    form: StartForm,
) -> PageResult {
    let t = quiz::public_test(&super::ctx(state), id).await?;
    let regions = children(state, &t.region_code).await?;
    let mut res = render(&IntroPage {
        t,
        regions,
        groups: groups(),
        error: error.clone(),
        form,
    })?;
    if error.is_some() {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn intro(State(state): State<AppState>, Path(id): Path<i64>) -> PageResult {
    intro_page(&state, id, None, StartForm::default()).await
}

#[derive(Deserialize)]
pub struct RegionsQuery {
    /// The region whose children to list; the test's own region when left out.
    #[serde(default)]
    under: Option<String>,
}

#[derive(Serialize)]
pub struct RegionOption {
    pub code: String,
    pub name: String,
}

/// The children of `under` for the village picker, inside the test's region only.
pub async fn regions(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<RegionsQuery>,
) -> Result<Json<Vec<RegionOption>>, crate::error::ApiError> {
    let t = quiz::public_test(&super::ctx(&state), id)
        .await
        .map_err(AppError::from)?;
    let under = q.under.unwrap_or_else(|| t.region_code.clone());
    if !under.starts_with(&t.region_code) || under.len() >= 12 {
        return Err(AppError::NotFound.into());
    }
    let list = children(&state, &under).await?;
    Ok(Json(
        list.into_iter()
            .map(|o| RegionOption {
                code: o.code,
                name: o.name,
            })
            .collect(),
    ))
}

pub async fn start(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    Form(form): Form<StartForm>,
) -> PageResult {
    // An unknown test is 404 before any throttling counts.
    quiz::public_test(&super::ctx(&state), id).await?;
    check_start_throttle(ip.as_deref(), &form.phone)?;
    let keys = keys(&state)?;
    let r = quiz::start(
        &super::ctx(&state),
        &public_caller(ip),
        &keys,
        id,
        quiz::Start {
            name: form.name.clone(),
            phone: form.phone.clone(),
            village: form.village.clone(),
            key_group: form.key_group.clone(),
            consent: form.consent == "yes",
        },
    )
    .await;
    match r {
        Ok(s) => Ok(Redirect::to(&format!("/quiz/attempt/{}", s.token)).into_response()),
        Err(kesu_app::Error::Invalid { message, .. }) => {
            // Back to the form with what was typed (the phone too: it is the citizen's own
            // page, and nothing of it is stored).
            intro_page(&state, id, Some(message), form).await
        }
        Err(e) => Err(PageError::from(e)),
    }
}

#[derive(Template)]
#[template(path = "citizens/quiz_paper.html")]
struct PaperPage {
    token: String,
    p: ShownPaper,
}

impl PaperPage {
    fn multiple(&self, k: &QuestionKind) -> bool {
        *k == QuestionKind::Multiple
    }
}

pub async fn paper(State(state): State<AppState>, Path(token): Path<String>) -> PageResult {
    let p = quiz::paper(&super::ctx(&state), &token).await?;
    if p.submitted {
        return Ok(Redirect::to(&format!("/quiz/attempt/{token}/certificate")).into_response());
    }
    render(&PaperPage { token, p })
}

/// `q3=1&q3=2&…`: the shown positions chosen per item (1-based item numbers).
pub fn answers_from_form(pairs: &[(String, String)], items: usize) -> Vec<Vec<u8>> {
    let mut out = vec![Vec::new(); items];
    for (k, v) in pairs {
        let (Some(n), Ok(choice)) = (
            k.strip_prefix('q').and_then(|n| n.parse::<usize>().ok()),
            v.parse::<u8>(),
        ) else {
            continue;
        };
        if n >= 1 && n <= items && choice < 5 && !out[n - 1].contains(&choice) {
            out[n - 1].push(choice);
        }
    }
    out
}

pub async fn submit(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ClientIp(ip): ClientIp,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let ctx = super::ctx(&state);
    let p = quiz::paper(&ctx, &token).await?;
    check_submit_throttle(ip.as_deref())?;
    let answers = answers_from_form(&pairs, p.items.len());
    let keys = keys(&state)?;
    match quiz::submit(&ctx, &public_caller(ip), &keys, &token, answers).await {
        Ok(_) | Err(kesu_app::Error::Conflict(_)) => {
            Ok(Redirect::to(&format!("/quiz/attempt/{token}/certificate")).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "citizens/quiz_certificate.html")]
struct CertificatePage {
    r: AttemptResult,
    date: String,
}

pub async fn certificate(State(state): State<AppState>, Path(token): Path<String>) -> PageResult {
    let keys = keys(&state)?;
    let r = quiz::result(&super::ctx(&state), &keys, &token).await?;
    let date = kesu_store::reporting::china_date(r.submitted_at).to_string();
    render(&CertificatePage { r, date })
}
