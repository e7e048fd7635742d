//! The citizens' tests as indicator values, on every backend: counted attempts by the
//! citizen's village (a village elsewhere, a paper started and left, a second attempt with
//! the same phone do not count), and tests published by the office's region.
#![allow(clippy::unwrap_used, reason = "test helpers set up fixtures")]

use kesu_core::report::Period;
use kesu_services::feed::Feed;
use kesu_store::citizens::quiz::{self, NewAttempt, NewTest, Submission};
use kesu_store::services::observations;
use kesu_store::testing::each_backend;
use kesu_store::{Actor, Db, StoreError};
use serde_json::json;
use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};

const CITY: &str = "4313";
const COUNTY: &str = "431302";
const VILLAGE: &str = "431302001001";
/// A village of another county of the city.
const ELSEWHERE: &str = "431321001001";
const DAY: Date = date!(2025 - 04 - 10);

async fn test_of(db: &Db, region: &str, opens_on: Date) -> i64 {
    let actor = Actor::new("office");
    let (bank, _) = quiz::insert_bank(
        db,
        &actor,
        region,
        "题库",
        &format!("hash-{region}-{opens_on}"),
        &[],
    )
    .await
    .unwrap();
    quiz::create_test(
        db,
        &actor,
        &NewTest {
            region_code: region.into(),
            bank_id: bank,
            title: format!("{region}知识竞赛"),
            purpose: "竞赛统计".into(),
            opens_on,
            closes_on: opens_on + time::Duration::days(60),
            blueprint: json!({}),
        },
    )
    .await
    .unwrap()
}

/// Starts an attempt at `test` by `phone` in `village`.
async fn start(db: &Db, test: i64, village: &str, phone: &str) -> Result<i64, StoreError> {
    let at = datetime!(2025-04-10 02:00 UTC);
    quiz::start_attempt(
        db,
        &Actor::new("public"),
        &NewAttempt {
            test_id: test,
            region_code: village.into(),
            key_group: "farmers".into(),
            name_ct: vec![1, 2, 3],
            phone_ct: vec![4, 5, 6],
            phone_idx: phone.as_bytes().to_vec(),
            token_hash: format!("token-{test}-{phone}"),
            consent: "同意".into(),
            started_at: at,
            deadline: at + time::Duration::minutes(20),
            seed: 1,
            paper: json!({"items": []}),
        },
    )
    .await
}

async fn submit(db: &Db, attempt: i64, at: OffsetDateTime) {
    quiz::submit(
        db,
        &Actor::new("public"),
        &Submission {
            attempt_id: attempt,
            submitted_at: at,
            answers: json!([]),
            score: 80.0,
            passed: true,
            result: json!({}),
            rule: "national".into(),
        },
    )
    .await
    .unwrap();
}

/// A counted attempt: started and submitted on `DAY`.
async fn counted(db: &Db, test: i64, village: &str, phone: &str) -> i64 {
    let id = start(db, test, village, phone).await.unwrap();
    submit(db, id, datetime!(2025-04-10 02:10 UTC)).await;
    id
}

/// The sum of a feed's values for `region` up to `until`.
async fn total(db: &Db, feed: Feed, region: &str, until: Date) -> f64 {
    observations::observations(db, feed, region, until)
        .await
        .unwrap()
        .iter()
        .map(|o| o.observation.value)
        .sum()
}

#[tokio::test]
async fn a_submitted_attempt_counts_for_its_villages_regions_only() {
    each_backend(|db| async move {
        let test = test_of(&db, CITY, date!(2025 - 04 - 01)).await;
        counted(&db, test, VILLAGE, "13800000001").await;
        counted(&db, test, ELSEWHERE, "13800000002").await;
        assert_eq!(total(&db, Feed::QuizAttempts, COUNTY, DAY).await, 1.0);
        assert_eq!(total(&db, Feed::QuizAttempts, VILLAGE, DAY).await, 1.0);
        assert_eq!(total(&db, Feed::QuizAttempts, CITY, DAY).await, 2.0);
        let obs = observations::observations(&db, Feed::QuizAttempts, COUNTY, DAY)
            .await
            .unwrap();
        assert_eq!(obs.len(), 1);
        assert_eq!(&*obs[0].observation.region_code, VILLAGE);
        assert_eq!(
            obs[0].observation.period,
            Period::Quarter {
                year: 2025,
                quarter: 2
            }
        );
        assert!(
            obs[0].link.contains("feed=quiz_attempts"),
            "{}",
            obs[0].link
        );
    })
    .await;
}

#[tokio::test]
async fn a_paper_started_and_left_does_not_count() {
    each_backend(|db| async move {
        let test = test_of(&db, COUNTY, date!(2025 - 04 - 01)).await;
        start(&db, test, VILLAGE, "13800000003").await.unwrap();
        assert_eq!(total(&db, Feed::QuizAttempts, COUNTY, DAY).await, 0.0);
        counted(&db, test, VILLAGE, "13800000004").await;
        assert_eq!(total(&db, Feed::QuizAttempts, COUNTY, DAY).await, 1.0);
    })
    .await;
}

#[tokio::test]
async fn a_second_attempt_with_the_same_phone_is_refused_and_does_not_count() {
    each_backend(|db| async move {
        let test = test_of(&db, COUNTY, date!(2025 - 04 - 01)).await;
        counted(&db, test, VILLAGE, "13800000005").await;
        let again = start(&db, test, VILLAGE, "13800000005").await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        assert_eq!(total(&db, Feed::QuizAttempts, COUNTY, DAY).await, 1.0);
        // The same phone at another test is another attempt.
        let other = test_of(&db, COUNTY, date!(2025 - 04 - 02)).await;
        counted(&db, other, VILLAGE, "13800000005").await;
        assert_eq!(total(&db, Feed::QuizAttempts, COUNTY, DAY).await, 2.0);
    })
    .await;
}

#[tokio::test]
async fn an_attempt_counts_on_its_china_day_and_not_before() {
    each_backend(|db| async move {
        let test = test_of(&db, COUNTY, date!(2025 - 06 - 01)).await;
        let id = start(&db, test, VILLAGE, "13800000006").await.unwrap();
        // 30 June 20:00 UTC is 1 July in China: the third quarter.
        submit(&db, id, datetime!(2025-06-30 20:00 UTC)).await;
        assert_eq!(
            total(&db, Feed::QuizAttempts, COUNTY, date!(2025 - 06 - 30)).await,
            0.0
        );
        let obs =
            observations::observations(&db, Feed::QuizAttempts, COUNTY, date!(2025 - 07 - 01))
                .await
                .unwrap();
        assert_eq!(obs.len(), 1);
        assert_eq!(
            obs[0].observation.period,
            Period::Quarter {
                year: 2025,
                quarter: 3
            }
        );
    })
    .await;
}

#[tokio::test]
async fn tests_published_count_for_the_offices_region_from_the_day_they_open() {
    each_backend(|db| async move {
        test_of(&db, COUNTY, date!(2025 - 04 - 01)).await;
        test_of(&db, CITY, date!(2025 - 04 - 01)).await;
        test_of(&db, COUNTY, date!(2025 - 05 - 01)).await;
        assert_eq!(total(&db, Feed::QuizTests, COUNTY, DAY).await, 1.0);
        assert_eq!(total(&db, Feed::QuizTests, CITY, DAY).await, 2.0);
        assert_eq!(
            total(&db, Feed::QuizTests, COUNTY, date!(2025 - 05 - 01)).await,
            2.0
        );
        assert_eq!(total(&db, Feed::QuizTests, "431321", DAY).await, 0.0);
    })
    .await;
}

#[tokio::test]
async fn the_records_behind_a_count_are_the_attempts_by_number_never_by_person() {
    each_backend(|db| async move {
        let test = test_of(&db, CITY, date!(2025 - 04 - 01)).await;
        let mine = counted(&db, test, VILLAGE, "13800000007").await;
        counted(&db, test, ELSEWHERE, "13800000008").await;
        let records = observations::records(
            &db,
            Feed::QuizAttempts,
            COUNTY,
            date!(2025 - 01 - 01),
            DAY,
            100,
        )
        .await
        .unwrap();
        assert_eq!(records.len(), 1);
        let r = &records[0];
        assert_eq!((r.kind, r.id, r.value, r.day), ("attempt", mine, 1.0, DAY));
        assert_eq!(r.label, format!("答题 #{mine}（{CITY}知识竞赛）"));
        // Outside the period asked: none.
        let before = observations::records(
            &db,
            Feed::QuizAttempts,
            COUNTY,
            date!(2025 - 01 - 01),
            date!(2025 - 04 - 09),
            100,
        )
        .await
        .unwrap();
        assert!(before.is_empty());
        let tests =
            observations::records(&db, Feed::QuizTests, CITY, date!(2025 - 01 - 01), DAY, 100)
                .await
                .unwrap();
        assert_eq!((tests.len(), tests[0].kind, tests[0].id), (1, "test", test));
    })
    .await;
}

/// Figures for docs/PERFORMANCE.md (not a test of speed: it asserts the count only):
/// `cargo test --release -p kesu-store --test quiz_feed -- --ignored --nocapture`.
/// 100,000 submitted attempts in 1,000 villages of one county on SQLite; the time of one
/// region's values (what a dashboard view of a 竞赛 target reads), city, county, township.
#[tokio::test]
#[ignore = "benchmark"]
async fn bench_quiz_counts() {
    let t = kesu_store::testing::TestDb::sqlite().await.unwrap();
    let db = t.db.clone();
    let test = test_of(&db, CITY, date!(2025 - 04 - 01)).await;
    counted(&db, test, VILLAGE, "13800000009").await;
    let Db::Sqlite(pool, _) = &db else {
        panic!("sqlite")
    };
    let started = std::time::Instant::now();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
         INSERT INTO quiz_attempt (test_id, region_code, key_group, token_hash, consent,
             started_at, deadline, seed, paper, submitted_at, answers, score, passed, result, rule)
         SELECT a.test_id, '431302' || printf('%03d', n.i % 10 + 1) || printf('%03d', n.i % 100 + 1),
             a.key_group, a.token_hash || '-' || n.i, a.consent, a.started_at, a.deadline, a.seed,
             a.paper, a.submitted_at, a.answers, a.score, a.passed, a.result, a.rule
         FROM quiz_attempt a, n",
    )
    .execute(pool)
    .await
    .unwrap();
    eprintln!("insert 99,999 attempts: {:?}", started.elapsed());
    for region in [CITY, COUNTY, "431302001"] {
        let mut best = std::time::Duration::MAX;
        let mut sum = 0.0;
        for _ in 0..7 {
            let s = std::time::Instant::now();
            sum = total(&db, Feed::QuizAttempts, region, DAY).await;
            best = best.min(s.elapsed());
        }
        eprintln!("{region}: {sum} attempts, best of 7 {best:?}");
    }
    assert_eq!(total(&db, Feed::QuizAttempts, CITY, DAY).await, 100_000.0);
}
