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
use time::{Date, OffsetDateTime};

/// Submitted attempts by a village of `region`'s subtree on China days `[from, to]`: (id,
/// village, China day, test title). The days are compared here, not in SQL: SQLite keeps
/// instants as text, which orders only within one offset.
async fn attempts(
    db: &Db,
    region: &str,
    from: Date,
    to: Date,
) -> StoreResult<Vec<(i64, String, Date, String)>> {
    let (lo, hi) = subtree(region);
    let rows: Vec<(i64, String, OffsetDateTime, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT a.id, a.region_code, a.submitted_at, t.title
         FROM quiz_attempt a JOIN quiz_test t ON t.id = a.test_id
         WHERE a.region_code >= $1 AND a.region_code < $2 AND a.submitted_at IS NOT NULL
         ORDER BY a.id"
    )
    .bind(&lo)
    .bind(&hi)
    .fetch_all(p)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, village, at, title)| (id, village, china_date(at), title))
        .filter(|(_, _, day, _)| *day >= from && *day <= to)
        .collect())
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
            let rows = attempts(db, region, EPOCH, until).await?;
            tally::counts(
                rows.iter()
                    .map(|(_, village, day, _)| (village.as_str(), *day, 1.0)),
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
        Feed::QuizAttempts => attempts(db, region, from, to)
            .await?
            .into_iter()
            .map(|(id, region_code, day, title)| Record {
                kind: "attempt",
                id,
                label: format!("答题 #{id}（{title}）"),
                region_code,
                day,
                value: 1.0,
            })
            .collect(),
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
