//! The services' records as indicator observations (指标自动取数), and the one entry point of
//! every fed value: the citizens' tests are counted in [`crate::citizens::feed`].
//!
//! [`observations`] answers one [`Feed`] for a region subtree up to a day, in the indicators'
//! own [`Observation`] type, each with a link to the records behind it. Report ids are 0 and
//! unit ids 0: these values come from records, not from a unit's report. The dashboards'
//! evaluation decides, per target, whether to use them ([`kesu_services::feed::classify`]).

use super::subtree;
use crate::reporting::china_date;
use crate::{Db, StoreResult};
use kesu_core::report::Period;
use kesu_indicators::actual::Observation;
use kesu_services::catalogue::{BaseLevel, Certification, Review, ReviewResult};
use kesu_services::feed::Feed;
use kesu_services::tally::{self, Span, Tally};
use serde::Serialize;
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime};

/// An observation computed from service records, and where to see the records.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceObservation {
    pub feed: Feed,
    pub observation: Observation,
    /// The page listing the records behind the value (`/services/stats/records?…`).
    pub link: String,
}

/// The link to the records behind a value.
pub fn records_link(feed: Feed, region: &str, period: Period) -> String {
    format!(
        "/services/stats/records?feed={}&region={region}&period={}",
        feed.key(),
        period.code()
    )
}

/// The values of `feed` in `region`'s subtree, per region and period, up to `until` (China
/// days). Counts and stocks per quarter (the quarter holding `until` to date); coverage and
/// funding per year.
pub async fn observations(
    db: &Db,
    feed: Feed,
    region: &str,
    until: Date,
) -> StoreResult<Vec<ServiceObservation>> {
    let tallies = tallies(db, feed, region, until).await?;
    Ok(tallies
        .into_iter()
        .map(|t| ServiceObservation {
            feed,
            link: records_link(feed, &t.region, t.period),
            observation: Observation {
                report_id: 0,
                unit_id: 0,
                region_code: t.region.into(),
                period: t.period,
                value: t.value,
                accepted: true,
            },
        })
        .collect())
}

/// The same values as plain tallies.
pub async fn tallies(db: &Db, feed: Feed, region: &str, until: Date) -> StoreResult<Vec<Tally>> {
    let (lo, hi) = subtree(region);
    match feed {
        Feed::QuizAttempts | Feed::QuizTests => {
            crate::citizens::feed::tallies(db, feed, region, until).await
        }
        Feed::Volunteers => {
            let rows: Vec<(i64, String, Date)> = on_db!(db, |p| sqlx::query_as(
                "SELECT id, region_code, registered_on FROM service_volunteer
                 WHERE region_code >= $1 AND region_code < $2"
            )
            .bind(&lo)
            .bind(&hi)
            .fetch_all(p)
            .await)?;
            Ok(standing(rows, until))
        }
        Feed::Teams => {
            let rows: Vec<(i64, String, OffsetDateTime)> = on_db!(db, |p| sqlx::query_as(
                "SELECT id, region_code, created_at FROM service_team
                 WHERE region_code >= $1 AND region_code < $2"
            )
            .bind(&lo)
            .bind(&hi)
            .fetch_all(p)
            .await)?;
            let rows = rows.into_iter().map(|(id, r, at)| (id, r, china_date(at)));
            Ok(standing(rows.collect(), until))
        }
        Feed::Activities { mobile } => {
            let rows = held_activities(db, &lo, &hi, mobile).await?;
            Ok(tally::counts(
                rows.iter()
                    .map(|(_, r, at)| (r.as_str(), china_date(*at), 1.0)),
                until,
            ))
        }
        Feed::VolunteerServices => {
            let served: Vec<(i64, String, OffsetDateTime)> = on_db!(db, |p| sqlx::query_as(
                "SELECT DISTINCT a.id, a.region_code, a.starts_at FROM service_activity a
                 JOIN service_attendance t ON t.activity_id = a.id
                 WHERE a.region_code >= $1 AND a.region_code < $2 AND a.cancelled = $3"
            )
            .bind(&lo)
            .bind(&hi)
            .bind(false)
            .fetch_all(p)
            .await)?;
            let orders: Vec<(String, OffsetDateTime)> = on_db!(db, |p| sqlx::query_as(
                "SELECT o.region_code, e.at FROM service_order o
                 JOIN service_order_event e ON e.order_id = o.id AND e.step = 'complete'
                 WHERE o.region_code >= $1 AND o.region_code < $2
                   AND o.state IN ('done', 'rated')"
            )
            .bind(&lo)
            .bind(&hi)
            .fetch_all(p)
            .await)?;
            Ok(tally::counts(
                served
                    .iter()
                    .map(|(_, r, at)| (r.as_str(), china_date(*at), 1.0))
                    .chain(
                        orders
                            .iter()
                            .map(|(r, at)| (r.as_str(), china_date(*at), 1.0)),
                    ),
                until,
            ))
        }
        Feed::Participants => {
            let rows: Vec<(String, OffsetDateTime, i64)> = on_db!(db, |p| sqlx::query_as(
                "SELECT region_code, at, people FROM service_checkin
                 WHERE region_code >= $1 AND region_code < $2 AND voided = $3"
            )
            .bind(&lo)
            .bind(&hi)
            .bind(false)
            .fetch_all(p)
            .await)?;
            Ok(tally::counts(
                rows.iter()
                    .map(|(r, at, n)| (r.as_str(), china_date(*at), *n as f64)),
                until,
            ))
        }
        Feed::Bases { level } => {
            let (certs, reviews) = super::catalogue::base_records(db, region).await?;
            Ok(tally::stocks(&base_spans(&certs, &reviews, level), until))
        }
        Feed::TownshipCoverage => {
            let townships: i64 = on_db!(db, |p| sqlx::query_scalar(
                "SELECT COUNT(*) FROM region WHERE code >= $1 AND code < $2 AND level = 4"
            )
            .bind(&lo)
            .bind(&hi)
            .fetch_one(p)
            .await)?;
            let rows = held_activities(db, &lo, &hi, true).await?;
            let visits: Vec<(String, Date)> = rows
                .into_iter()
                .filter(|(_, r, _)| r.len() >= 9)
                .map(|(_, r, at)| (r[..9].to_string(), china_date(at)))
                .collect();
            Ok(tally::coverage(
                region,
                usize::try_from(townships).unwrap_or(0),
                &visits,
                until,
            ))
        }
        Feed::Credits => {
            let rows: Vec<(String, OffsetDateTime, f64)> = on_db!(db, |p| sqlx::query_as(
                "SELECT region_code, at, points FROM service_credit_entry
                 WHERE region_code >= $1 AND region_code < $2"
            )
            .bind(&lo)
            .bind(&hi)
            .fetch_all(p)
            .await)?;
            Ok(tally::counts(
                rows.iter()
                    .map(|(r, at, v)| (r.as_str(), china_date(*at), *v)),
                until,
            ))
        }
        Feed::Funding {
            per_capita,
            ten_thousands,
        } => {
            let rows = super::funding::list(db, region).await?;
            let mut out = Vec::new();
            for f in rows.into_iter().filter(|f| f.year <= until.year()) {
                let value = if per_capita {
                    let pop: Option<i64> = on_db!(db, |p| {
                        sqlx::query_scalar(
                        "SELECT population FROM region_population WHERE region_code = $1 AND year <= $2
                         ORDER BY year DESC LIMIT 1"
                    )
                    .bind(&f.region_code)
                    .bind(f.year)
                    .fetch_optional(p)
                    .await
                    })?;
                    // No population, no per-head figure (never a made-up one).
                    match pop.and_then(|n| kesu_services::funding::per_capita(f.spent, n)) {
                        Some(v) => v,
                        None => continue,
                    }
                } else if ten_thousands {
                    f.spent / 10_000.0
                } else {
                    f.spent
                };
                out.push(Tally {
                    region: f.region_code,
                    period: Period::Year { year: f.year },
                    value,
                });
            }
            Ok(out)
        }
    }
}

/// Things registered on a day and standing since (volunteers, teams), counted per quarter.
fn standing(rows: Vec<(i64, String, Date)>, until: Date) -> Vec<Tally> {
    let spans: Vec<Span> = rows
        .into_iter()
        .map(|(id, region, from)| Span {
            id,
            region,
            from,
            to: None,
        })
        .collect();
    tally::stocks(&spans, until)
}

/// Activities held (not cancelled) in `[lo, hi)`, optionally only those of a mobile facility.
async fn held_activities(
    db: &Db,
    lo: &str,
    hi: &str,
    mobile: bool,
) -> StoreResult<Vec<(i64, String, OffsetDateTime)>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT a.id, a.region_code, a.starts_at FROM service_activity a
         LEFT JOIN service_resource r ON r.id = a.resource_id
         WHERE a.region_code >= $1 AND a.region_code < $2 AND a.cancelled = $3
           AND ($4 = $3 OR r.kind = 'mobile')"
    )
    .bind(lo)
    .bind(hi)
    .bind(false)
    .bind(mobile)
    .fetch_all(p)
    .await)?)
}

/// The standing spans of every base, optionally of one level.
fn base_spans(
    certs: &[(super::catalogue::Cert, String)],
    reviews: &[super::catalogue::Review],
    level: Option<BaseLevel>,
) -> Vec<Span> {
    let mut by_base: BTreeMap<i64, (String, Vec<Certification>)> = BTreeMap::new();
    for (c, region) in certs {
        let Ok(l) = BaseLevel::parse(&c.level) else {
            continue;
        };
        if level.is_some_and(|want| want != l) {
            continue;
        }
        by_base
            .entry(c.resource_id)
            .or_insert_with(|| (region.clone(), Vec::new()))
            .1
            .push(Certification {
                level: l,
                batch: c.batch.clone(),
                certified_on: c.certified_on,
                valid_until: c.valid_until,
            });
    }
    let mut out = Vec::new();
    for (id, (region, list)) in by_base {
        let rs: Vec<Review> = reviews
            .iter()
            .filter(|r| r.resource_id == id)
            .map(|r| Review {
                year: r.year,
                self_report: String::new(),
                expert_score: r.expert_score,
                result: r
                    .result
                    .as_deref()
                    .and_then(|s| ReviewResult::parse(s).ok()),
                decided_on: r.decided_on,
            })
            .collect();
        out.extend(tally::base_spans(id, &region, &list, &rs));
    }
    out
}

/// One record behind a value (a row of the records page).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// `activity`, `checkin`, `volunteer`, `team`, `base`, `order`, `credit`, `funding`;
    /// `attempt`, `test` (the citizens' tests).
    pub kind: &'static str,
    pub id: i64,
    pub label: String,
    pub region_code: String,
    pub day: Date,
    pub value: f64,
}

/// The records behind `feed`'s value for `region`'s subtree in `[from, to]` (China days); for
/// stocks, what stands on `to`.
pub async fn records(
    db: &Db,
    feed: Feed,
    region: &str,
    from: Date,
    to: Date,
    limit: usize,
) -> StoreResult<Vec<Record>> {
    let (lo, hi) = subtree(region);
    let within = |d: Date| d >= from && d <= to;
    let mut out: Vec<Record> = match feed {
        Feed::QuizAttempts | Feed::QuizTests => {
            crate::citizens::feed::records(db, feed, region, from, to).await?
        }
        Feed::Volunteers => {
            let rows: Vec<(i64, String, String, Date)> = on_db!(db, |p| sqlx::query_as(
                "SELECT id, volunteer_no, region_code, registered_on FROM service_volunteer
                 WHERE region_code >= $1 AND region_code < $2 ORDER BY id"
            )
            .bind(&lo)
            .bind(&hi)
            .fetch_all(p)
            .await)?;
            rows.into_iter()
                .filter(|r| r.3 <= to)
                .map(|(id, no, region_code, day)| Record {
                    kind: "volunteer",
                    id,
                    label: format!("志愿者 {no}"),
                    region_code,
                    day,
                    value: 1.0,
                })
                .collect()
        }
        Feed::Teams => {
            let rows: Vec<(i64, String, String, OffsetDateTime)> = on_db!(db, |p| sqlx::query_as(
                "SELECT id, name, region_code, created_at FROM service_team
                 WHERE region_code >= $1 AND region_code < $2 ORDER BY id"
            )
            .bind(&lo)
            .bind(&hi)
            .fetch_all(p)
            .await)?;
            rows.into_iter()
                .map(|(id, name, region_code, at)| Record {
                    kind: "team",
                    id,
                    label: name,
                    region_code,
                    day: china_date(at),
                    value: 1.0,
                })
                .filter(|r| r.day <= to)
                .collect()
        }
        Feed::Activities { mobile } => activity_records(db, &lo, &hi, mobile)
            .await?
            .into_iter()
            .filter(|r| within(r.day))
            .collect(),
        Feed::TownshipCoverage => activity_records(db, &lo, &hi, true)
            .await?
            .into_iter()
            .filter(|r| within(r.day))
            .collect(),
        Feed::Participants => {
            let rows: Vec<(i64, String, OffsetDateTime, i64, String)> =
                on_db!(db, |p| sqlx::query_as(
                    "SELECT id, region_code, at, people, place FROM service_checkin
                 WHERE region_code >= $1 AND region_code < $2 AND voided = $3 ORDER BY id"
                )
                .bind(&lo)
                .bind(&hi)
                .bind(false)
                .fetch_all(p)
                .await)?;
            rows.into_iter()
                .map(|(id, region_code, at, people, place)| Record {
                    kind: "checkin",
                    id,
                    label: format!("签到 #{id}（{place}）"),
                    region_code,
                    day: china_date(at),
                    value: people as f64,
                })
                .filter(|r| within(r.day))
                .collect()
        }
        Feed::VolunteerServices => {
            let orders: Vec<(i64, String, String, OffsetDateTime)> =
                on_db!(db, |p| sqlx::query_as(
                    "SELECT o.id, o.title, o.region_code, e.at FROM service_order o
                 JOIN service_order_event e ON e.order_id = o.id AND e.step = 'complete'
                 WHERE o.region_code >= $1 AND o.region_code < $2 AND o.state IN ('done', 'rated')
                 ORDER BY o.id"
                )
                .bind(&lo)
                .bind(&hi)
                .fetch_all(p)
                .await)?;
            let served: Vec<(i64, String, String, OffsetDateTime)> = on_db!(db, |p| {
                sqlx::query_as(
                "SELECT DISTINCT a.id, a.title, a.region_code, a.starts_at FROM service_activity a
                 JOIN service_attendance t ON t.activity_id = a.id
                 WHERE a.region_code >= $1 AND a.region_code < $2 AND a.cancelled = $3"
            )
            .bind(&lo)
            .bind(&hi)
            .bind(false)
            .fetch_all(p)
            .await
            })?;
            orders
                .into_iter()
                .map(|(id, title, region_code, at)| Record {
                    kind: "order",
                    id,
                    label: title,
                    region_code,
                    day: china_date(at),
                    value: 1.0,
                })
                .chain(
                    served
                        .into_iter()
                        .map(|(id, title, region_code, at)| Record {
                            kind: "activity",
                            id,
                            label: title,
                            region_code,
                            day: china_date(at),
                            value: 1.0,
                        }),
                )
                .filter(|r| within(r.day))
                .collect()
        }
        Feed::Bases { level } => {
            let (certs, reviews) = super::catalogue::base_records(db, region).await?;
            let spans = base_spans(&certs, &reviews, level);
            let mut ids: Vec<i64> = spans
                .iter()
                .filter(|s| s.from <= to && s.to.is_none_or(|t| t > to))
                .map(|s| s.id)
                .collect();
            ids.sort_unstable();
            ids.dedup();
            let mut v = Vec::new();
            for id in ids {
                if let Some(r) = super::catalogue::get(db, id).await? {
                    v.push(Record {
                        kind: "base",
                        id,
                        label: r.name,
                        region_code: r.region_code,
                        day: to,
                        value: 1.0,
                    });
                }
            }
            v
        }
        Feed::Credits => {
            let rows: Vec<(i64, i64, String, OffsetDateTime, f64)> =
                on_db!(db, |p| sqlx::query_as(
                    "SELECT id, pupil_id, region_code, at, points FROM service_credit_entry
                 WHERE region_code >= $1 AND region_code < $2 ORDER BY id"
                )
                .bind(&lo)
                .bind(&hi)
                .fetch_all(p)
                .await)?;
            rows.into_iter()
                .map(|(id, pupil, region_code, at, points)| Record {
                    kind: "credit",
                    id,
                    label: format!("学生 #{pupil} 学分记录"),
                    region_code,
                    day: china_date(at),
                    value: points,
                })
                .filter(|r| within(r.day))
                .collect()
        }
        Feed::Funding { .. } => super::funding::list(db, region)
            .await?
            .into_iter()
            .filter(|f| f.year >= from.year() && f.year <= to.year())
            .map(|f| Record {
                kind: "funding",
                id: f.id,
                label: format!("{} 年科普经费支出", f.year),
                day: tally::year_start(f.year),
                region_code: f.region_code,
                value: f.spent,
            })
            .collect(),
    };
    out.truncate(limit);
    Ok(out)
}

async fn activity_records(db: &Db, lo: &str, hi: &str, mobile: bool) -> StoreResult<Vec<Record>> {
    let rows: Vec<(i64, String, String, OffsetDateTime)> = on_db!(db, |p| sqlx::query_as(
        "SELECT a.id, a.title, a.region_code, a.starts_at FROM service_activity a
         LEFT JOIN service_resource r ON r.id = a.resource_id
         WHERE a.region_code >= $1 AND a.region_code < $2 AND a.cancelled = $3
           AND ($4 = $3 OR r.kind = 'mobile') ORDER BY a.starts_at, a.id"
    )
    .bind(lo)
    .bind(hi)
    .bind(false)
    .bind(mobile)
    .fetch_all(p)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, title, region_code, at)| Record {
            kind: "activity",
            id,
            label: title,
            region_code,
            day: china_date(at),
            value: 1.0,
        })
        .collect())
}
