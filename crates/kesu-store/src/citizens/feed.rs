//! The citizens' online tests (竞赛) as indicator values (指标自动取数): counted attempts and
//! tests published, for the plan targets [`kesu_services::feed::classify`] gives to
//! [`Feed::QuizAttempts`] and [`Feed::QuizTests`]. Reached through
//! [`crate::services::observations`], the one entry point of every fed value.
//!
//! A counted attempt is a submitted one (a paper started and left is no participation), dated
//! by its submission's China day and placed in the citizen's village, so a county's figure
//! holds the attempts of its villagers at any office's test. A second attempt with the same
//! phone is refused when started and so never stored. A test is dated by the day it opens and
//! placed in the region of the office that published it. No personal value is read here.

use crate::reporting::china_date;
use crate::services::observations::Record;
use crate::services::subtree;
use crate::{Db, StoreResult};
use kesu_services::feed::Feed;
use kesu_services::tally::{self, Tally};
use std::collections::HashMap;
use time::{Date, OffsetDateTime};

/// Submitted attempts by a village of `region`'s subtree on China days `[from, to]`: (id,
/// village, China day, test id). The days are compared here, not in SQL: SQLite keeps
/// instants as text, which orders only within one offset. Read from the index on (village,
/// submitted at) with the id.
async fn attempts(
    db: &Db,
    region: &str,
    from: Date,
    to: Date,
) -> StoreResult<Vec<(i64, String, Date, i64)>> {
    let (lo, hi) = subtree(region);
    let rows: Vec<(i64, String, OffsetDateTime, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, region_code, submitted_at, test_id FROM quiz_attempt
         WHERE region_code >= $1 AND region_code < $2 AND submitted_at IS NOT NULL"
    )
    .bind(&lo)
    .bind(&hi)
    .fetch_all(p)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, village, at, test)| (id, village, china_date(at), test))
        .filter(|(_, _, day, _)| *day >= from && *day <= to)
        .collect())
}

/// Submitted attempts by village and China day in `region`'s subtree, counted in SQL (a
/// county's dashboard reads villages × days, not every attempt). China keeps +8 hours all
/// year, so its day is the stored instant moved by 8 hours, in each backend's own terms.
async fn attempt_days(db: &Db, region: &str) -> StoreResult<Vec<(String, Date, i64)>> {
    let (lo, hi) = subtree(region);
    let sql = match db {
        Db::Sqlite(..) => {
            "SELECT region_code, date(submitted_at, '+8 hours') AS day, COUNT(*) FROM quiz_attempt
             WHERE region_code >= $1 AND region_code < $2 AND submitted_at IS NOT NULL
             GROUP BY 1, 2"
        }
        Db::Postgres(_) => {
            "SELECT region_code, CAST((submitted_at AT TIME ZONE 'UTC') + INTERVAL '8 hours' AS DATE)
                 AS day, COUNT(*) FROM quiz_attempt
             WHERE region_code >= $1 AND region_code < $2 AND submitted_at IS NOT NULL
             GROUP BY 1, 2"
        }
    };
    Ok(on_db!(db, |p| sqlx::query_as(sql)
        .bind(&lo)
        .bind(&hi)
        .fetch_all(p)
        .await)?)
}

/// The titles of tests by id.
async fn titles(db: &Db, ids: &[i64]) -> StoreResult<HashMap<i64, String>> {
    let mut out = HashMap::new();
    for id in ids {
        if !out.contains_key(id)
            && let Some(t) = super::quiz::test(db, *id).await?
        {
            out.insert(*id, t.title);
        }
    }
    Ok(out)
}

/// Tests published by an office of `region`'s subtree opening in `[from, to]`: (id, region,
/// opens on, title).
async fn tests(
    db: &Db,
    region: &str,
    from: Date,
    to: Date,
) -> StoreResult<Vec<(i64, String, Date, String)>> {
    let (lo, hi) = subtree(region);
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, region_code, opens_on, title FROM quiz_test
         WHERE region_code >= $1 AND region_code < $2 AND opens_on >= $3 AND opens_on <= $4
         ORDER BY opens_on, id"
    )
    .bind(&lo)
    .bind(&hi)
    .bind(from)
    .bind(to)
    .fetch_all(p)
    .await)?)
}

/// The earliest day anything is counted from (the tests came long after).
const EPOCH: Date = time::macros::date!(2000 - 01 - 01);

/// The values of a test feed in `region`'s subtree, per region and quarter, up to `until`.
/// Any other feed has none here.
pub async fn tallies(db: &Db, feed: Feed, region: &str, until: Date) -> StoreResult<Vec<Tally>> {
    Ok(match feed {
        Feed::QuizAttempts => {
            let rows = attempt_days(db, region).await?;
            tally::counts(
                rows.iter()
                    .map(|(village, day, n)| (village.as_str(), *day, *n as f64)),
                until,
            )
        }
        Feed::QuizTests => {
            let rows = tests(db, region, EPOCH, until).await?;
            tally::counts(
                rows.iter().map(|(_, r, day, _)| (r.as_str(), *day, 1.0)),
                until,
            )
        }
        _ => Vec::new(),
    })
}

/// The records behind a test feed's value in `region`'s subtree over `[from, to]` China days:
/// the attempts (by number and test, never by person) or the tests.
pub async fn records(
    db: &Db,
    feed: Feed,
    region: &str,
    from: Date,
    to: Date,
) -> StoreResult<Vec<Record>> {
    Ok(match feed {
        Feed::QuizAttempts => {
            let mut rows = attempts(db, region, from, to).await?;
            rows.sort_by_key(|(id, ..)| *id);
            let mut tests: Vec<i64> = rows.iter().map(|r| r.3).collect();
            tests.sort_unstable();
            tests.dedup();
            let titles = titles(db, &tests).await?;
            rows.into_iter()
                .map(|(id, region_code, day, test)| Record {
                    kind: "attempt",
                    id,
                    label: format!(
                        "答题 #{id}（{}）",
                        titles.get(&test).map_or("", String::as_str)
                    ),
                    region_code,
                    day,
                    value: 1.0,
                })
                .collect()
        }
        Feed::QuizTests => tests(db, region, from, to)
            .await?
            .into_iter()
            .map(|(id, region_code, day, title)| Record {
                kind: "test",
                id,
                label: title,
                region_code,
                day,
                value: 1.0,
            })
            .collect(),
        _ => Vec::new(),
    })
}
