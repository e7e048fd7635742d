//! Question banks, published tests and attempts.

use crate::regions::prefix_end;
use crate::{Actor, Db, StoreError, StoreResult, Tx, audit};
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::types::Json;
use time::{Date, OffsetDateTime};

/// A question as stored. `options` and `answer` are JSON arrays.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionRow {
    pub id: i64,
    pub bank_id: i64,
    pub number: String,
    pub stem: String,
    pub options: Value,
    pub answer: Value,
    pub kind: String,
    pub benchmark: i32,
    pub dimension: String,
    pub difficulty: i32,
}

struct QRow {
    id: i64,
    bank_id: i64,
    number: String,
    stem: String,
    options: Json<Value>,
    answer: Json<Value>,
    kind: String,
    benchmark: i32,
    dimension: String,
    difficulty: i32,
}
from_row!(QRow {
    id: i64,
    bank_id: i64,
    number: String,
    stem: String,
    options: Json<Value>,
    answer: Json<Value>,
    kind: String,
    benchmark: i32,
    dimension: String,
    difficulty: i32,
});

/// A question to store.
#[derive(Debug, Clone)]
pub struct NewQuestion {
    pub number: String,
    pub stem: String,
    pub options: Value,
    pub answer: Value,
    pub kind: String,
    pub benchmark: i32,
    pub dimension: String,
    pub difficulty: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bank {
    pub id: i64,
    pub region_code: String,
    pub name: String,
    pub items: i32,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}
from_row!(Bank {
    id: i64,
    region_code: String,
    name: String,
    items: i32,
    created_by: String,
    created_at: OffsetDateTime,
});

/// Stores a bank with its questions; the same content for the same region is found, not
/// stored again. Returns `(bank id, created now)`.
pub async fn insert_bank(
    db: &Db,
    actor: &Actor,
    region_code: &str,
    name: &str,
    content_hash: &str,
    questions: &[NewQuestion],
) -> StoreResult<(i64, bool)> {
    let mut tx = db.begin().await?;
    let existing: Option<i64> = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT id FROM quiz_bank WHERE region_code = $1 AND content_hash = $2"
    )
    .bind(region_code)
    .bind(content_hash)
    .fetch_optional(&mut *c)
    .await)?;
    if let Some(id) = existing {
        return Ok((id, false));
    }
    let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "INSERT INTO quiz_bank (region_code, name, content_hash, items, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
    )
    .bind(region_code)
    .bind(name)
    .bind(content_hash)
    .bind(questions.len() as i32)
    .bind(&actor.name)
    .bind(OffsetDateTime::now_utc())
    .fetch_one(&mut *c)
    .await)?;
    for q in questions {
        on_tx!(&mut tx, |c| {
            sqlx::query(
            "INSERT INTO quiz_question (bank_id, number, stem, options, answer, kind, benchmark, dimension, difficulty)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        )
        .bind(id)
        .bind(&q.number)
        .bind(&q.stem)
        .bind(Json(&q.options))
        .bind(Json(&q.answer))
        .bind(&q.kind)
        .bind(q.benchmark)
        .bind(&q.dimension)
        .bind(q.difficulty)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
    }
    audit::record_in_region(
        &mut tx,
        actor,
        Some(region_code),
        "quiz.bank.import",
        &format!("quiz_bank:{id}"),
        None,
        Some(&json!({"name": name, "items": questions.len(), "hash": content_hash})),
    )
    .await?;
    tx.commit().await?;
    Ok((id, true))
}

pub async fn bank(db: &Db, id: i64) -> StoreResult<Option<Bank>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, region_code, name, items, created_by, created_at FROM quiz_bank WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?)
}

/// Banks of `region`'s subtree and of its ancestors (a city's bank serves its counties).
pub async fn banks_for(db: &Db, region: &str) -> StoreResult<Vec<Bank>> {
    let all: Vec<Bank> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, region_code, name, items, created_by, created_at FROM quiz_bank ORDER BY id DESC"
    )
    .fetch_all(p)
    .await
    })?;
    Ok(all
        .into_iter()
        .filter(|b| region.starts_with(&b.region_code) || b.region_code.starts_with(region))
        .collect())
}

pub async fn questions(db: &Db, bank_id: i64) -> StoreResult<Vec<QuestionRow>> {
    let rows: Vec<QRow> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, bank_id, number, stem, options, answer, kind, benchmark, dimension, difficulty
         FROM quiz_question WHERE bank_id = $1 ORDER BY id"
    )
    .bind(bank_id)
    .fetch_all(p)
    .await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| QuestionRow {
            id: r.id,
            bank_id: r.bank_id,
            number: r.number,
            stem: r.stem,
            options: r.options.0,
            answer: r.answer.0,
            kind: r.kind,
            benchmark: r.benchmark,
            dimension: r.dimension,
            difficulty: r.difficulty,
        })
        .collect())
}

/// A published test.
#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    pub id: i64,
    pub region_code: String,
    pub bank_id: i64,
    pub title: String,
    pub purpose: String,
    pub opens_on: Date,
    pub closes_on: Date,
    pub blueprint: Value,
    pub created_by: String,
}

struct TestRow {
    id: i64,
    region_code: String,
    bank_id: i64,
    title: String,
    purpose: String,
    opens_on: Date,
    closes_on: Date,
    blueprint: Json<Value>,
    created_by: String,
}
from_row!(TestRow {
    id: i64,
    region_code: String,
    bank_id: i64,
    title: String,
    purpose: String,
    opens_on: Date,
    closes_on: Date,
    blueprint: Json<Value>,
    created_by: String,
});

impl From<TestRow> for Test {
    fn from(r: TestRow) -> Self {
        Test {
            id: r.id,
            region_code: r.region_code,
            bank_id: r.bank_id,
            title: r.title,
            purpose: r.purpose,
            opens_on: r.opens_on,
            closes_on: r.closes_on,
            blueprint: r.blueprint.0,
            created_by: r.created_by,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewTest {
    pub region_code: String,
    pub bank_id: i64,
    pub title: String,
    pub purpose: String,
    pub opens_on: Date,
    pub closes_on: Date,
    pub blueprint: Value,
}

pub async fn create_test(db: &Db, actor: &Actor, t: &NewTest) -> StoreResult<i64> {
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO quiz_test (region_code, bank_id, title, purpose, opens_on, closes_on, blueprint, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
    )
    .bind(&t.region_code)
    .bind(t.bank_id)
    .bind(&t.title)
    .bind(&t.purpose)
    .bind(t.opens_on)
    .bind(t.closes_on)
    .bind(Json(&t.blueprint))
    .bind(&actor.name)
    .bind(OffsetDateTime::now_utc())
    .fetch_one(&mut *c)
    .await
    })?;
    audit::record_in_region(
        &mut tx,
        actor,
        Some(&t.region_code),
        "quiz.test.publish",
        &format!("quiz_test:{id}"),
        None,
        Some(
            &json!({"title": t.title, "bank": t.bank_id, "opens_on": t.opens_on.to_string(),
            "closes_on": t.closes_on.to_string(), "blueprint": t.blueprint}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

const TEST_COLS: &str =
    "id, region_code, bank_id, title, purpose, opens_on, closes_on, blueprint, created_by";

pub async fn test(db: &Db, id: i64) -> StoreResult<Option<Test>> {
    let sql = format!("SELECT {TEST_COLS} FROM quiz_test WHERE id = $1");
    let row: Option<TestRow> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .fetch_optional(p)
        .await)?;
    Ok(row.map(Test::from))
}

/// Tests of `region`'s subtree, newest first.
pub async fn tests_in(db: &Db, region: &str) -> StoreResult<Vec<Test>> {
    let sql = format!(
        "SELECT {TEST_COLS} FROM quiz_test WHERE region_code >= $1 AND region_code < $2 ORDER BY id DESC"
    );
    let rows: Vec<TestRow> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(region)
        .bind(prefix_end(region))
        .fetch_all(p)
        .await)?;
    Ok(rows.into_iter().map(Test::from).collect())
}

/// Tests open on `today` (for the public list).
pub async fn open_tests(db: &Db, today: Date) -> StoreResult<Vec<Test>> {
    let sql = format!(
        "SELECT {TEST_COLS} FROM quiz_test WHERE opens_on <= $1 AND closes_on >= $1 ORDER BY id DESC"
    );
    let rows: Vec<TestRow> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(today)
        .fetch_all(p)
        .await)?;
    Ok(rows.into_iter().map(Test::from).collect())
}

/// An attempt to start: the citizen's details (encrypted) and the paper drawn for them.
#[derive(Debug, Clone)]
pub struct NewAttempt {
    pub test_id: i64,
    pub region_code: String,
    pub key_group: String,
    pub name_ct: Vec<u8>,
    pub phone_ct: Vec<u8>,
    pub phone_idx: Vec<u8>,
    pub token_hash: String,
    pub consent: String,
    pub started_at: OffsetDateTime,
    pub deadline: OffsetDateTime,
    pub seed: i64,
    pub paper: Value,
}

/// Starts an attempt; a phone that already has an attempt at this test is a conflict.
pub async fn start_attempt(db: &Db, actor: &Actor, a: &NewAttempt) -> StoreResult<i64> {
    let mut tx = db.begin().await?;
    let taken: Option<i64> = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT id FROM quiz_attempt WHERE test_id = $1 AND phone_idx = $2"
    )
    .bind(a.test_id)
    .bind(&a.phone_idx)
    .fetch_optional(&mut *c)
    .await)?;
    if taken.is_some() {
        return Err(StoreError::Conflict(
            "该手机号已参加过本次测试，每个手机号只计一次 (this phone has already taken this test)"
                .into(),
        ));
    }
    let id: i64 = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO quiz_attempt (test_id, region_code, key_group, name_ct, phone_ct, phone_idx,
            token_hash, consent, started_at, deadline, seed, paper)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id"
    )
    .bind(a.test_id)
    .bind(&a.region_code)
    .bind(&a.key_group)
    .bind(&a.name_ct)
    .bind(&a.phone_ct)
    .bind(&a.phone_idx)
    .bind(&a.token_hash)
    .bind(&a.consent)
    .bind(a.started_at)
    .bind(a.deadline)
    .bind(a.seed)
    .bind(Json(&a.paper))
    .fetch_one(&mut *c)
    .await
    })?;
    audit::record_in_region(
        &mut tx,
        actor,
        Some(&a.region_code),
        "quiz.attempt.start",
        &format!("quiz_attempt:{id}"),
        None,
        Some(&json!({"test": a.test_id, "region": a.region_code, "group": a.key_group})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// An attempt as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub id: i64,
    pub test_id: i64,
    pub region_code: String,
    pub key_group: String,
    pub name_ct: Option<Vec<u8>>,
    pub phone_ct: Option<Vec<u8>>,
    pub started_at: OffsetDateTime,
    pub deadline: OffsetDateTime,
    pub paper: Value,
    pub submitted_at: Option<OffsetDateTime>,
    pub answers: Option<Value>,
    pub score: Option<f64>,
    pub passed: Option<bool>,
    pub result: Option<Value>,
}

struct AttemptRow {
    id: i64,
    test_id: i64,
    region_code: String,
    key_group: String,
    name_ct: Option<Vec<u8>>,
    phone_ct: Option<Vec<u8>>,
    started_at: OffsetDateTime,
    deadline: OffsetDateTime,
    paper: Json<Value>,
    submitted_at: Option<OffsetDateTime>,
    answers: Option<Json<Value>>,
    score: Option<f64>,
    passed: Option<bool>,
    result: Option<Json<Value>>,
}
from_row!(AttemptRow {
    id: i64,
    test_id: i64,
    region_code: String,
    key_group: String,
    name_ct: Option<Vec<u8>>,
    phone_ct: Option<Vec<u8>>,
    started_at: OffsetDateTime,
    deadline: OffsetDateTime,
    paper: Json<Value>,
    submitted_at: Option<OffsetDateTime>,
    answers: Option<Json<Value>>,
    score: Option<f64>,
    passed: Option<bool>,
    result: Option<Json<Value>>,
});

impl From<AttemptRow> for Attempt {
    fn from(r: AttemptRow) -> Self {
        Attempt {
            id: r.id,
            test_id: r.test_id,
            region_code: r.region_code,
            key_group: r.key_group,
            name_ct: r.name_ct,
            phone_ct: r.phone_ct,
            started_at: r.started_at,
            deadline: r.deadline,
            paper: r.paper.0,
            submitted_at: r.submitted_at,
            answers: r.answers.map(|j| j.0),
            score: r.score,
            passed: r.passed,
            result: r.result.map(|j| j.0),
        }
    }
}

const ATTEMPT_COLS: &str = "id, test_id, region_code, key_group, name_ct, phone_ct, started_at, deadline, paper, submitted_at, answers, score, passed, result";

/// The attempt whose secret hashes to `token_hash`.
pub async fn attempt_by_token(db: &Db, token_hash: &str) -> StoreResult<Option<Attempt>> {
    let sql = format!("SELECT {ATTEMPT_COLS} FROM quiz_attempt WHERE token_hash = $1");
    let row: Option<AttemptRow> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(token_hash)
        .fetch_optional(p)
        .await)?;
    Ok(row.map(Attempt::from))
}

pub async fn attempt(db: &Db, id: i64) -> StoreResult<Option<Attempt>> {
    let sql = format!("SELECT {ATTEMPT_COLS} FROM quiz_attempt WHERE id = $1");
    let row: Option<AttemptRow> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .fetch_optional(p)
        .await)?;
    Ok(row.map(Attempt::from))
}

/// Submitted attempts of a test (for results and item statistics), by id.
pub async fn submitted_attempts(db: &Db, test_id: i64) -> StoreResult<Vec<Attempt>> {
    let sql = format!(
        "SELECT {ATTEMPT_COLS} FROM quiz_attempt WHERE test_id = $1 AND submitted_at IS NOT NULL ORDER BY id"
    );
    let rows: Vec<AttemptRow> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(test_id)
        .fetch_all(p)
        .await)?;
    Ok(rows.into_iter().map(Attempt::from).collect())
}

/// A scored submission.
#[derive(Debug, Clone)]
pub struct Submission {
    pub attempt_id: i64,
    pub submitted_at: OffsetDateTime,
    pub answers: Value,
    pub score: f64,
    pub passed: bool,
    pub result: Value,
    pub rule: String,
}

/// Records a submission once (a second one is a conflict) and, in the same transaction, the
/// test's participation figures (参与人次, 合格人次) for its region and year as recorded
/// indicator values (`citizens.quiz_participants`, `citizens.quiz_passed`).
pub async fn submit(db: &Db, actor: &Actor, s: &Submission) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    let done = on_tx!(&mut tx, |c| {
        sqlx::query(
        "UPDATE quiz_attempt SET submitted_at = $1, answers = $2, score = $3, passed = $4, result = $5, rule = $6
         WHERE id = $7 AND submitted_at IS NULL"
    )
    .bind(s.submitted_at)
    .bind(Json(&s.answers))
    .bind(s.score)
    .bind(s.passed)
    .bind(Json(&s.result))
    .bind(&s.rule)
    .bind(s.attempt_id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    if done == 0 {
        return Err(StoreError::Conflict(
            "本次答题已提交 (already submitted)".into(),
        ));
    }
    let (test_id, region): (i64, String) = on_tx!(&mut tx, |c| {
        sqlx::query_as(
        "SELECT t.id, t.region_code FROM quiz_attempt a JOIN quiz_test t ON t.id = a.test_id WHERE a.id = $1"
    )
    .bind(s.attempt_id)
    .fetch_one(&mut *c)
    .await
    })?;
    audit::record_in_region(
        &mut tx,
        actor,
        Some(&region),
        "quiz.attempt.submit",
        &format!("quiz_attempt:{}", s.attempt_id),
        None,
        Some(&json!({"test": test_id, "score": s.score, "passed": s.passed})),
    )
    .await?;
    record_participation(&mut tx, actor, test_id, &region, s.submitted_at).await?;
    tx.commit().await
}

/// Recorded figures: participants and passes of all tests in `region` in the year, as
/// `indicator_record` values. The plans' 竞赛 targets do not read these: they are fed from the
/// attempts themselves, by village ([`super::feed`]).
async fn record_participation(
    tx: &mut Tx,
    actor: &Actor,
    _test_id: i64,
    region: &str,
    at: OffsetDateTime,
) -> StoreResult<()> {
    let year = crate::reporting::china_date(at).year();
    let (n, passed): (i64, i64) = on_tx!(&mut *tx, |c| sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN a.passed THEN 1 ELSE 0 END), 0)
         FROM quiz_attempt a JOIN quiz_test t ON t.id = a.test_id
         WHERE t.region_code = $1 AND a.submitted_at IS NOT NULL
           AND a.submitted_at >= $2 AND a.submitted_at < $3"
    )
    .bind(region)
    .bind(year_start(year))
    .bind(year_start(year + 1))
    .fetch_one(&mut *c)
    .await)?;
    for (key, value) in [(QUIZ_PARTICIPANTS, n), (QUIZ_PASSED, passed)] {
        crate::indicators::record_value_in(
            tx,
            &crate::indicators::NewRecord {
                region_code: region.to_string(),
                year,
                key: key.to_string(),
                value: value as f64,
                low: None,
                high: None,
                source: "网络科学素质测试（自愿参与样本）".to_string(),
            },
            actor,
        )
        .await?;
    }
    Ok(())
}

/// Recorded-figure key: submitted attempts of the region's tests in a year (参与人次).
pub const QUIZ_PARTICIPANTS: &str = "citizens.quiz_participants";
/// Recorded-figure key: passed attempts (合格人次).
pub const QUIZ_PASSED: &str = "citizens.quiz_passed";

fn year_start(year: i32) -> OffsetDateTime {
    let offset = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    Date::from_calendar_date(year, time::Month::January, 1)
        .map(|d| d.midnight().assume_offset(offset))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Participation by region (cut to `depth` digits) and key group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Participation {
    pub region_code: String,
    pub key_group: String,
    pub attempts: i64,
    pub passed: i64,
}
from_row!(Participation {
    region_code: String,
    key_group: String,
    attempts: i64,
    passed: i64,
});

pub async fn participation(
    db: &Db,
    test_id: i64,
    region: &str,
    digits: usize,
) -> StoreResult<Vec<Participation>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT SUBSTR(region_code, 1, $4) AS region_code, key_group, COUNT(*) AS attempts,
                COALESCE(SUM(CASE WHEN passed THEN 1 ELSE 0 END), 0) AS passed
         FROM quiz_attempt WHERE test_id = $1 AND submitted_at IS NOT NULL
           AND region_code >= $2 AND region_code < $3
         GROUP BY 1, 2 ORDER BY 1, 2"
    )
    .bind(test_id)
    .bind(region)
    .bind(prefix_end(region))
    .bind(digits as i32)
    .fetch_all(p)
    .await)?)
}

/// Erases the name and phone of every attempt with this phone index (deletion on request);
/// scores stay, anonymous, for the statistics. Returns how many attempts were erased.
pub async fn erase_phone(tx: &mut Tx, actor: &Actor, phone_idx: &[u8]) -> StoreResult<u64> {
    let n = on_tx!(&mut *tx, |c| {
        sqlx::query(
        "UPDATE quiz_attempt SET name_ct = NULL, phone_ct = NULL, phone_idx = NULL WHERE phone_idx = $1"
    )
    .bind(phone_idx)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    if n > 0 {
        audit::record(
            tx,
            actor,
            "quiz.attempt.erase",
            "quiz_attempt:*",
            None,
            Some(&json!({"attempts": n})),
        )
        .await?;
    }
    Ok(n)
}

/// Attempts with this phone index (a person's export).
pub async fn attempts_by_phone(db: &Db, phone_idx: &[u8]) -> StoreResult<Vec<Attempt>> {
    let sql = format!("SELECT {ATTEMPT_COLS} FROM quiz_attempt WHERE phone_idx = $1 ORDER BY id");
    let rows: Vec<AttemptRow> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(phone_idx)
        .fetch_all(p)
        .await)?;
    Ok(rows.into_iter().map(Attempt::from).collect())
}
