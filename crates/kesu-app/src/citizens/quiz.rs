//! The online literacy test: banks, publishing, the public attempt (start, paper, submit,
//! certificate), and the office's results and item statistics.

use super::{
    ATTEMPT_NAME, ATTEMPT_PHONE, KeyRing, PHONE_INDEX, may_read, may_write, office, pii, region,
};
use crate::{Caller, Ctx, Error, Result};
use kesu_citizens::RowError;
use kesu_citizens::bank::{Dimension, Question, QuestionKind, parse_bank};
use kesu_citizens::blueprint::{Blueprint, Paper, draw};
use kesu_citizens::ledger::{KeyGroup, check_name};
use kesu_citizens::scoring::{Score, score};
use kesu_citizens::stats::{AttemptResponses, ItemResponse, ItemStats, item_stats};
use kesu_core::region::RegionLevel;
use kesu_pii::{Kind, Phone};
use kesu_store::citizens::quiz as store;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use time::{Date, Duration, OffsetDateTime};

/// The note every participation figure carries: an online test is a self-selected sample.
pub const SAMPLE_NOTE: &str = "自愿参与样本，不代表全民科学素质比例";

/// Submissions up to this long after the deadline are still taken (network delay).
const GRACE: Duration = Duration::seconds(60);

/// What importing a bank did.
#[derive(Debug, Clone, Serialize)]
pub enum BankImport {
    Stored {
        bank_id: i64,
        items: usize,
        created: bool,
    },
    /// Nothing stored: every bad row.
    Refused(Vec<RowError>),
}

/// Imports a bank for `region` (an office admin's).
pub async fn import_bank(
    ctx: &Ctx,
    caller: &Caller,
    region_code: &str,
    name: &str,
    bytes: &[u8],
) -> Result<BankImport> {
    region(region_code)?;
    may_write(caller, region_code)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::invalid_field(
            "name",
            "题库名称 1–100 字 (bank name)",
        ));
    }
    let questions = match parse_bank(bytes) {
        Ok(q) => q,
        Err(kesu_citizens::CitizensError::Rows(rows)) => return Ok(BankImport::Refused(rows)),
        Err(e) => return Err(Error::invalid(e.to_string())),
    };
    let hash = hex(&Sha256::digest(bytes));
    let rows: Vec<store::NewQuestion> = questions
        .iter()
        .map(|q| store::NewQuestion {
            number: q.number.clone(),
            stem: q.stem.clone(),
            options: serde_json::json!(q.options),
            answer: serde_json::json!(q.answer),
            kind: serde_json::to_value(q.kind)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            benchmark: i32::from(q.benchmark),
            dimension: q.dimension.as_str().to_string(),
            difficulty: i32::from(q.difficulty),
        })
        .collect();
    let (bank_id, created) =
        store::insert_bank(&ctx.db, &caller.audit, region_code, name, &hash, &rows).await?;
    Ok(BankImport::Stored {
        bank_id,
        items: questions.len(),
        created,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn to_question(r: &store::QuestionRow) -> Option<(i64, Question)> {
    Some((
        r.id,
        Question {
            number: r.number.clone(),
            stem: r.stem.clone(),
            options: serde_json::from_value(r.options.clone()).ok()?,
            answer: serde_json::from_value(r.answer.clone()).ok()?,
            kind: serde_json::from_value(serde_json::Value::String(r.kind.clone())).ok()?,
            benchmark: u8::try_from(r.benchmark).ok()?,
            dimension: serde_json::from_value(serde_json::Value::String(r.dimension.clone()))
                .ok()?,
            difficulty: u8::try_from(r.difficulty).ok()?,
        },
    ))
}

async fn bank_questions(ctx: &Ctx, bank_id: i64) -> Result<Vec<(i64, Question)>> {
    Ok(store::questions(&ctx.db, bank_id)
        .await?
        .iter()
        .filter_map(to_question)
        .collect())
}

/// A test to publish.
#[derive(Debug, Clone)]
pub struct NewTest {
    pub region_code: String,
    pub bank_id: i64,
    pub title: String,
    /// The stated purpose citizens consent to.
    pub purpose: String,
    pub opens_on: Date,
    pub closes_on: Date,
    pub blueprint: Blueprint,
}

/// Publishes a test for the caller's region after checking the blueprint against the bank.
pub async fn publish(ctx: &Ctx, caller: &Caller, t: NewTest) -> Result<i64> {
    office(caller)?;
    region(&t.region_code)?;
    // The bank first: one the caller cannot see is 404 whatever its role.
    let bank = store::bank(&ctx.db, t.bank_id)
        .await?
        .ok_or(Error::NotFound)?;
    if !(t.region_code.starts_with(&bank.region_code)
        || bank.region_code.starts_with(&t.region_code))
    {
        return Err(Error::NotFound);
    }
    may_write(caller, &t.region_code)?;
    if t.title.trim().is_empty() || t.title.chars().count() > 100 {
        return Err(Error::invalid_field("title", "标题 1–100 字 (title)"));
    }
    if t.purpose.trim().chars().count() < 4 {
        return Err(Error::invalid_field(
            "purpose",
            "请写明收集个人信息的目的 (state the purpose)",
        ));
    }
    if t.closes_on < t.opens_on {
        return Err(Error::invalid_field(
            "closes_on",
            "结束日期早于开始日期 (closes before it opens)",
        ));
    }
    t.blueprint
        .check(&bank_questions(ctx, t.bank_id).await?)
        .map_err(|e| Error::invalid_field("blueprint", e.to_string()))?;
    let blueprint =
        serde_json::to_value(&t.blueprint).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(store::create_test(
        &ctx.db,
        &caller.audit,
        &store::NewTest {
            region_code: t.region_code,
            bank_id: t.bank_id,
            title: t.title.trim().to_string(),
            purpose: t.purpose.trim().to_string(),
            opens_on: t.opens_on,
            closes_on: t.closes_on,
            blueprint,
        },
    )
    .await?)
}

fn blueprint_of(t: &store::Test) -> Result<Blueprint> {
    serde_json::from_value(t.blueprint.clone())
        .map_err(|e| Error::Internal(format!("blueprint of test {}: {e}", t.id)))
}

/// What a citizen sees before starting: no items, no answers.
#[derive(Debug, Clone, Serialize)]
pub struct PublicTest {
    pub id: i64,
    pub title: String,
    pub purpose: String,
    pub region_code: String,
    pub region_name: String,
    pub items: u32,
    pub time_limit_minutes: u32,
    pub pass_mark: f64,
    #[serde(serialize_with = "super::iso::date")]
    pub opens_on: Date,
    #[serde(serialize_with = "super::iso::date")]
    pub closes_on: Date,
    pub open: bool,
}

pub async fn public_test(ctx: &Ctx, id: i64) -> Result<PublicTest> {
    let t = store::test(&ctx.db, id).await?.ok_or(Error::NotFound)?;
    let bp = blueprint_of(&t)?;
    let today = ctx.today();
    let region_name = kesu_store::regions::get(&ctx.db, &t.region_code)
        .await?
        .map(|r| r.name)
        .unwrap_or_default();
    Ok(PublicTest {
        id: t.id,
        title: t.title,
        purpose: t.purpose,
        region_code: t.region_code,
        region_name,
        items: bp.items_per_dimension().values().sum(),
        time_limit_minutes: bp.time_limit_minutes,
        pass_mark: bp.pass_mark,
        opens_on: t.opens_on,
        closes_on: t.closes_on,
        open: t.opens_on <= today && today <= t.closes_on,
    })
}

/// Tests open today, for the public list.
pub async fn open_tests(ctx: &Ctx) -> Result<Vec<PublicTest>> {
    let mut out = Vec::new();
    for t in store::open_tests(&ctx.db, ctx.today()).await? {
        out.push(public_test(ctx, t.id).await?);
    }
    Ok(out)
}

/// Tests of the caller's region.
pub async fn tests_in(ctx: &Ctx, caller: &Caller, region_code: &str) -> Result<Vec<store::Test>> {
    may_read(caller, region_code)?;
    Ok(store::tests_in(&ctx.db, region_code).await?)
}

/// A citizen's details to start an attempt.
#[derive(Debug, Clone)]
pub struct Start {
    pub name: String,
    pub phone: String,
    pub village: String,
    pub key_group: String,
    pub consent: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Started {
    pub attempt_id: i64,
    /// The secret the citizen's browser keeps for this attempt (only its hash is stored).
    pub token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub deadline: OffsetDateTime,
}

/// The hash under which an attempt's token is stored.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Starts a counted attempt: checks the details, refuses a phone that already took the test,
/// draws the paper and stores it with the attempt.
pub async fn start(
    ctx: &Ctx,
    caller: &Caller,
    keys: &KeyRing,
    test_id: i64,
    s: Start,
) -> Result<Started> {
    let t = store::test(&ctx.db, test_id)
        .await?
        .ok_or(Error::NotFound)?;
    let today = ctx.today();
    if today < t.opens_on || today > t.closes_on {
        return Err(Error::Conflict(format!(
            "本次测试开放时间为 {} 至 {} (the test is not open)",
            t.opens_on, t.closes_on
        )));
    }
    if !s.consent {
        return Err(Error::invalid_field(
            "consent",
            "请阅读并同意个人信息的使用目的 (consent is required)",
        ));
    }
    check_name(&s.name).map_err(|m| Error::invalid_field("name", format!("姓名{m}")))?;
    let phone = Phone::parse(&s.phone).map_err(|e| Error::invalid_field("phone", e.to_string()))?;
    let village = region(&s.village)
        .map_err(|_| Error::invalid_field("village", "请选择村（社区） (pick a village)"))?;
    if village.level() != RegionLevel::Village || !village.as_str().starts_with(&t.region_code) {
        return Err(Error::invalid_field(
            "village",
            "请选择本次测试范围内的村（社区） (a village of the test's region)",
        ));
    }
    if kesu_store::regions::get(&ctx.db, village.as_str())
        .await?
        .is_none()
    {
        return Err(Error::invalid_field(
            "village",
            "没有这个村（社区） (unknown village)",
        ));
    }
    let group = KeyGroup::parse(&s.key_group)
        .ok_or_else(|| Error::invalid_field("key_group", "请选择人群 (pick a key group)"))?;
    let bp = blueprint_of(&t)?;
    let mut seed_bytes = [0u8; 8];
    getrandom::fill(&mut seed_bytes).map_err(|_| Error::Unavailable("no randomness".into()))?;
    let seed = u64::from_le_bytes(seed_bytes);
    let paper = draw(&bank_questions(ctx, t.bank_id).await?, &bp, seed)
        .map_err(|e| Error::Conflict(e.to_string()))?;
    let mut token_bytes = [0u8; 32];
    getrandom::fill(&mut token_bytes).map_err(|_| Error::Unavailable("no randomness".into()))?;
    let token = hex(&token_bytes);
    let now = ctx.now();
    let deadline = now + Duration::minutes(i64::from(bp.time_limit_minutes));
    let id = store::start_attempt(
        &ctx.db,
        &caller.audit,
        &store::NewAttempt {
            test_id,
            region_code: village.as_str().to_string(),
            key_group: group.as_str().to_string(),
            name_ct: keys.encrypt_str(ATTEMPT_NAME, s.name.trim()).map_err(pii)?,
            phone_ct: keys
                .encrypt_str(ATTEMPT_PHONE, phone.as_str())
                .map_err(pii)?,
            phone_idx: keys
                .blind_indexer(PHONE_INDEX)
                .index(phone.as_str())
                .to_vec(),
            token_hash: token_hash(&token),
            consent: format!("{} 同意：{}", now.date(), t.purpose),
            started_at: now,
            deadline,
            seed: seed as i64,
            paper: serde_json::to_value(&paper).map_err(|e| Error::Internal(e.to_string()))?,
        },
    )
    .await?;
    Ok(Started {
        attempt_id: id,
        token,
        deadline,
    })
}

/// One item as shown: options in the attempt's order, no key.
#[derive(Debug, Clone, Serialize)]
pub struct ShownItem {
    pub n: usize,
    pub stem: String,
    pub kind: QuestionKind,
    pub dimension: Dimension,
    pub options: Vec<String>,
}

/// The paper of an attempt, as the citizen sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ShownPaper {
    pub test_id: i64,
    pub title: String,
    pub items: Vec<ShownItem>,
    #[serde(with = "time::serde::rfc3339")]
    pub deadline: OffsetDateTime,
    pub seconds_left: i64,
    pub submitted: bool,
}

async fn by_token(ctx: &Ctx, token: &str) -> Result<store::Attempt> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::NotFound);
    }
    store::attempt_by_token(&ctx.db, &token_hash(token))
        .await?
        .ok_or(Error::NotFound)
}

fn paper_of(a: &store::Attempt) -> Result<Paper> {
    serde_json::from_value(a.paper.clone())
        .map_err(|e| Error::Internal(format!("paper of attempt {}: {e}", a.id)))
}

pub async fn paper(ctx: &Ctx, token: &str) -> Result<ShownPaper> {
    let a = by_token(ctx, token).await?;
    let t = store::test(&ctx.db, a.test_id)
        .await?
        .ok_or(Error::NotFound)?;
    let paper = paper_of(&a)?;
    let questions: HashMap<i64, Question> =
        bank_questions(ctx, t.bank_id).await?.into_iter().collect();
    let items = paper
        .items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let q = questions.get(&item.question_id)?;
            Some(ShownItem {
                n: i + 1,
                stem: q.stem.clone(),
                kind: q.kind,
                dimension: q.dimension,
                options: item
                    .order
                    .iter()
                    .filter_map(|o| q.options.get(usize::from(*o)).cloned())
                    .collect(),
            })
        })
        .collect();
    Ok(ShownPaper {
        test_id: t.id,
        title: t.title,
        items,
        deadline: a.deadline,
        seconds_left: (a.deadline - ctx.now()).whole_seconds().max(0),
        submitted: a.submitted_at.is_some(),
    })
}

/// A result as the citizen (and the certificate) sees it.
#[derive(Debug, Clone, Serialize)]
pub struct AttemptResult {
    pub attempt_id: i64,
    pub test_title: String,
    pub region_name: String,
    /// 张*三.
    pub name: String,
    pub score: f64,
    pub passed: bool,
    pub pass_mark: f64,
    pub by_dimension: Vec<(String, f64, f64)>,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    pub late: bool,
    /// 证书编号: test id and attempt id.
    pub certificate_no: String,
}

/// Scores and stores the answers (per item, the shown positions chosen). After the deadline
/// (and a minute's grace) the answers are not taken: the attempt is closed with no answers.
pub async fn submit(
    ctx: &Ctx,
    caller: &Caller,
    keys: &KeyRing,
    token: &str,
    answers: Vec<Vec<u8>>,
) -> Result<AttemptResult> {
    let a = by_token(ctx, token).await?;
    if a.submitted_at.is_some() {
        return Err(Error::Conflict("本次答题已提交 (already submitted)".into()));
    }
    let t = store::test(&ctx.db, a.test_id)
        .await?
        .ok_or(Error::NotFound)?;
    let bp = blueprint_of(&t)?;
    let paper = paper_of(&a)?;
    if answers.len() > paper.items.len() {
        return Err(Error::invalid_field(
            "answers",
            "答案多于题目 (more answers than items)",
        ));
    }
    let now = ctx.now();
    let late = now > a.deadline + GRACE;
    let answers: Vec<Vec<u8>> = if late { Vec::new() } else { answers };
    let questions: HashMap<i64, Question> =
        bank_questions(ctx, t.bank_id).await?.into_iter().collect();
    let s: Score = score(&paper, &questions, &answers, &bp);
    let result =
        serde_json::json!({"by_dimension": s.by_dimension, "correct": s.correct, "late": late});
    store::submit(
        &ctx.db,
        &caller.audit,
        &store::Submission {
            attempt_id: a.id,
            submitted_at: now,
            answers: serde_json::json!(answers),
            score: s.total,
            passed: s.passed,
            result,
            rule: s.rule.clone(),
        },
    )
    .await?;
    result_of(ctx, keys, a.id).await
}

/// The result of a submitted attempt, by its token (the certificate page).
pub async fn result(ctx: &Ctx, keys: &KeyRing, token: &str) -> Result<AttemptResult> {
    let a = by_token(ctx, token).await?;
    result_of(ctx, keys, a.id).await
}

async fn result_of(ctx: &Ctx, keys: &KeyRing, attempt_id: i64) -> Result<AttemptResult> {
    let a = store::attempt(&ctx.db, attempt_id)
        .await?
        .ok_or(Error::NotFound)?;
    let (Some(submitted_at), Some(score)) = (a.submitted_at, a.score) else {
        return Err(Error::Conflict("尚未提交 (not submitted yet)".into()));
    };
    let t = store::test(&ctx.db, a.test_id)
        .await?
        .ok_or(Error::NotFound)?;
    let bp = blueprint_of(&t)?;
    let region_name = kesu_store::regions::get(&ctx.db, &a.region_code)
        .await?
        .map(|r| r.name)
        .unwrap_or_default();
    let by: HashMap<Dimension, kesu_citizens::scoring::DimensionScore> = a
        .result
        .as_ref()
        .and_then(|r| serde_json::from_value(r["by_dimension"].clone()).ok())
        .unwrap_or_default();
    let by_dimension = Dimension::ALL
        .iter()
        .filter(|d| bp.weights.of(**d) > 0.0)
        .map(|d| {
            (
                d.zh().to_string(),
                by.get(d).map(|x| x.points).unwrap_or(0.0),
                bp.weights.of(*d),
            )
        })
        .collect();
    Ok(AttemptResult {
        attempt_id: a.id,
        test_title: t.title,
        region_name,
        name: super::masked(keys, ATTEMPT_NAME, a.name_ct.as_deref(), Kind::Name),
        score,
        passed: a.passed.unwrap_or(false),
        pass_mark: bp.pass_mark,
        by_dimension,
        submitted_at,
        late: a
            .result
            .as_ref()
            .and_then(|r| r["late"].as_bool())
            .unwrap_or(false),
        certificate_no: format!("KS{:04}-{:06}", t.id, a.id),
    })
}

/// Participation and pass rate of one group of attempts.
#[derive(Debug, Clone, Serialize)]
pub struct ParticipationRow {
    pub region_code: String,
    pub region_name: String,
    pub key_group: String,
    pub attempts: i64,
    pub passed: i64,
    /// percent
    pub pass_rate: f64,
}

/// One attempt in the results, masked.
#[derive(Debug, Clone, Serialize)]
pub struct AttemptLine {
    pub attempt_id: i64,
    pub region_code: String,
    pub key_group: String,
    pub name: String,
    pub phone: String,
    pub score: f64,
    pub passed: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
}

/// An item with its statistics.
#[derive(Debug, Clone, Serialize)]
pub struct ItemLine {
    pub question_id: i64,
    pub number: String,
    pub stem: String,
    pub dimension: String,
    pub benchmark: u8,
    pub stats: ItemStats,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestResults {
    pub test_id: i64,
    pub title: String,
    pub region_code: String,
    /// Always [`SAMPLE_NOTE`].
    pub note: &'static str,
    pub attempts: i64,
    pub passed: i64,
    pub by_region: Vec<ParticipationRow>,
    pub items: Vec<ItemLine>,
    pub lines: Vec<AttemptLine>,
}

/// Results of a test for an office covering its region: participation and pass rates by child
/// region and key group (labelled as a self-selected sample), item statistics, attempts masked.
pub async fn results(
    ctx: &Ctx,
    caller: &Caller,
    keys: &KeyRing,
    test_id: i64,
) -> Result<TestResults> {
    office(caller)?;
    let t = store::test(&ctx.db, test_id)
        .await?
        .ok_or(Error::NotFound)?;
    // A township office sees the results of its own villages only.
    let scope = match caller.actor() {
        Some(a) if t.region_code.starts_with(a.region.as_str()) => t.region_code.clone(),
        Some(a) if a.region.as_str().starts_with(&t.region_code) => a.region.as_str().to_string(),
        Some(_) => return Err(Error::NotFound),
        None => t.region_code.clone(),
    };
    may_read(caller, &scope)?;
    let child_digits = region(&scope)?
        .level()
        .child()
        .map(|l| l.code_len())
        .unwrap_or(12);
    let rows = store::participation(&ctx.db, test_id, &scope, child_digits).await?;
    let codes: Vec<String> = rows.iter().map(|r| r.region_code.clone()).collect();
    let names = kesu_store::indicators::region_names(&ctx.db, &codes).await?;
    let by_region: Vec<ParticipationRow> = rows
        .into_iter()
        .map(|r| ParticipationRow {
            region_name: names.get(&r.region_code).cloned().unwrap_or_default(),
            key_group: KeyGroup::parse(&r.key_group)
                .map(|g| g.zh().to_string())
                .unwrap_or(r.key_group),
            pass_rate: if r.attempts > 0 {
                r.passed as f64 / r.attempts as f64 * 100.0
            } else {
                0.0
            },
            region_code: r.region_code,
            attempts: r.attempts,
            passed: r.passed,
        })
        .collect();
    let attempts: Vec<store::Attempt> = store::submitted_attempts(&ctx.db, test_id)
        .await?
        .into_iter()
        .filter(|a| a.region_code.starts_with(&scope))
        .collect();
    let bp = blueprint_of(&t)?;
    let bank: HashMap<i64, Question> = bank_questions(ctx, t.bank_id).await?.into_iter().collect();
    let per_dim = bp.items_per_dimension();
    let responses: Vec<AttemptResponses> = attempts
        .iter()
        .filter_map(|a| {
            let paper = paper_of(a).ok()?;
            let correct: Vec<bool> = a
                .result
                .as_ref()
                .and_then(|r| serde_json::from_value(r["correct"].clone()).ok())?;
            let items = paper
                .items
                .iter()
                .zip(correct)
                .map(|(item, ok)| {
                    let points = bank
                        .get(&item.question_id)
                        .map(|q| {
                            bp.weights.of(q.dimension)
                                / f64::from(per_dim.get(&q.dimension).copied().unwrap_or(1).max(1))
                        })
                        .unwrap_or(0.0);
                    ItemResponse {
                        question_id: item.question_id,
                        correct: ok,
                        points: if ok { points } else { 0.0 },
                    }
                })
                .collect();
            Some(AttemptResponses {
                total: a.score.unwrap_or(0.0),
                items,
            })
        })
        .collect();
    let items = item_stats(&responses)
        .into_iter()
        .filter_map(|s| {
            let q = bank.get(&s.question_id)?;
            Some(ItemLine {
                question_id: s.question_id,
                number: q.number.clone(),
                stem: q.stem.clone(),
                dimension: q.dimension.zh().to_string(),
                benchmark: q.benchmark,
                stats: s,
            })
        })
        .collect();
    let lines: Vec<AttemptLine> = attempts
        .iter()
        .map(|a| AttemptLine {
            attempt_id: a.id,
            region_code: a.region_code.clone(),
            key_group: KeyGroup::parse(&a.key_group)
                .map(|g| g.zh().to_string())
                .unwrap_or_default(),
            name: super::masked(keys, ATTEMPT_NAME, a.name_ct.as_deref(), Kind::Name),
            phone: super::masked(keys, ATTEMPT_PHONE, a.phone_ct.as_deref(), Kind::Phone),
            score: a.score.unwrap_or(0.0),
            passed: a.passed.unwrap_or(false),
            submitted_at: a.submitted_at.unwrap_or(a.started_at),
        })
        .collect();
    Ok(TestResults {
        test_id,
        title: t.title,
        region_code: scope,
        note: SAMPLE_NOTE,
        attempts: lines.len() as i64,
        passed: lines.iter().filter(|l| l.passed).count() as i64,
        by_region,
        items,
        lines,
    })
}

/// The masked name of an attempt, for lists that show one (never the value).
pub fn masked_name(keys: &KeyRing, ct: Option<&[u8]>) -> String {
    super::masked(keys, ATTEMPT_NAME, ct, Kind::Name)
}
