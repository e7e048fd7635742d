//! Counting records into indicator values: per region and quarter (the finest reporting
//! period), as counts of what happened in the quarter or as levels standing at its end.
//!
//! The quarter that contains `until` is counted too, up to `until` ("to date"): records are
//! known the day they happen, unlike reports, which arrive after the period.

use crate::catalogue::{Certification, Review, ReviewResult};
use kesu_core::report::Period;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use time::{Date, Month};

/// One value for one region and period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tally {
    pub region: String,
    pub period: Period,
    pub value: f64,
}

/// The quarter containing `d`.
pub fn quarter_of(d: Date) -> Period {
    Period::Quarter {
        year: d.year(),
        quarter: (u8::from(d.month()) - 1) / 3 + 1,
    }
}

/// The last day of a quarter.
fn quarter_end(p: Period) -> Date {
    p.dates().1
}

fn next_quarter(p: Period) -> Period {
    match p {
        Period::Quarter { year, quarter: 4 } => Period::Quarter {
            year: year + 1,
            quarter: 1,
        },
        Period::Quarter { year, quarter } => Period::Quarter {
            year,
            quarter: quarter + 1,
        },
        other => other,
    }
}

/// Things that happened: `(region, day, amount)` summed per region and quarter, up to `until`.
pub fn counts<'a>(
    events: impl IntoIterator<Item = (&'a str, Date, f64)>,
    until: Date,
) -> Vec<Tally> {
    // Keyed by (region, year, quarter): periods have no order of their own.
    let mut sums: BTreeMap<(String, i32, u8), f64> = BTreeMap::new();
    for (region, day, amount) in events {
        if day > until {
            continue;
        }
        let quarter = (u8::from(day.month()) - 1) / 3 + 1;
        *sums
            .entry((region.to_string(), day.year(), quarter))
            .or_insert(0.0) += amount;
    }
    sums.into_iter()
        .map(|((region, year, quarter), value)| Tally {
            region,
            period: Period::Quarter { year, quarter },
            value: round2(value),
        })
        .collect()
}

/// Something that stands for a while: `id` in `region` from `from` until the day before `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub id: i64,
    pub region: String,
    pub from: Date,
    /// The first day it no longer stands.
    pub to: Option<Date>,
}

/// Levels: for each region, each quarter from its first span's start to `until`, the number of
/// distinct ids standing at the quarter's end (or on `until` for the quarter that holds it).
pub fn stocks(spans: &[Span], until: Date) -> Vec<Tally> {
    let mut by_region: BTreeMap<&str, Vec<&Span>> = BTreeMap::new();
    for s in spans.iter().filter(|s| s.from <= until) {
        by_region.entry(&s.region).or_default().push(s);
    }
    let last = quarter_of(until);
    let mut out = Vec::new();
    for (region, list) in by_region {
        let Some(first) = list.iter().map(|s| s.from).min() else {
            continue;
        };
        let mut q = quarter_of(first);
        loop {
            let day = quarter_end(q).min(until);
            let standing: BTreeSet<i64> = list
                .iter()
                .filter(|s| s.from <= day && s.to.is_none_or(|t| t > day))
                .map(|s| s.id)
                .collect();
            out.push(Tally {
                region: region.to_string(),
                period: q,
                value: standing.len() as f64,
            });
            if q == last {
                break;
            }
            q = next_quarter(q);
        }
    }
    out
}

/// The spans a base stands certified: each certification from its day to the day after its
/// valid-until, cut short by the first failed review decided after it.
pub fn base_spans(id: i64, region: &str, certs: &[Certification], reviews: &[Review]) -> Vec<Span> {
    certs
        .iter()
        .map(|c| {
            let expiry = c.valid_until.next_day().unwrap_or(c.valid_until);
            let failed = reviews
                .iter()
                .filter(|r| r.result == Some(ReviewResult::Fail))
                .filter_map(|r| r.decided_on)
                .filter(|d| *d >= c.certified_on)
                .min();
            Span {
                id,
                region: region.to_string(),
                from: c.certified_on,
                to: Some(failed.map_or(expiry, |f| f.min(expiry))),
            }
        })
        .collect()
}

/// The share (%) of `townships` reached by at least one visit in each year up to `until`:
/// `visits` are `(township code, day)`.
pub fn coverage(
    region: &str,
    townships: usize,
    visits: &[(String, Date)],
    until: Date,
) -> Vec<Tally> {
    if townships == 0 {
        return Vec::new();
    }
    let mut by_year: BTreeMap<i32, BTreeSet<&str>> = BTreeMap::new();
    for (t, d) in visits.iter().filter(|(_, d)| *d <= until) {
        by_year.entry(d.year()).or_default().insert(t);
    }
    by_year
        .into_iter()
        .map(|(year, reached)| Tally {
            region: region.to_string(),
            period: Period::Year { year },
            value: round2(reached.len() as f64 / townships as f64 * 100.0),
        })
        .collect()
}

/// 1 January of `year`.
pub fn year_start(year: i32) -> Date {
    Date::from_calendar_date(year, Month::January, 1).unwrap_or(Date::MIN)
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::BaseLevel;
    use time::macros::date;

    #[test]
    fn counts_are_summed_per_region_and_quarter_up_to_the_day() {
        let e = [
            ("431302", date!(2025 - 01 - 05), 1.0),
            ("431302", date!(2025 - 03 - 31), 2.0),
            ("431302", date!(2025 - 04 - 01), 4.0),
            ("431321", date!(2025 - 02 - 01), 8.0),
            ("431302", date!(2025 - 06 - 01), 16.0),
        ];
        let t = counts(
            e.iter().map(|(r, d, v)| (*r, *d, *v)),
            date!(2025 - 05 - 01),
        );
        let q1 = Period::Quarter {
            year: 2025,
            quarter: 1,
        };
        let q2 = Period::Quarter {
            year: 2025,
            quarter: 2,
        };
        assert_eq!(
            t,
            vec![
                Tally {
                    region: "431302".into(),
                    period: q1,
                    value: 3.0
                },
                Tally {
                    region: "431302".into(),
                    period: q2,
                    value: 4.0
                },
                Tally {
                    region: "431321".into(),
                    period: q1,
                    value: 8.0
                },
            ]
        );
    }

    #[test]
    fn stocks_count_what_stands_at_each_quarter_end() {
        let s = [
            Span {
                id: 1,
                region: "4313".into(),
                from: date!(2024 - 11 - 01),
                to: None,
            },
            Span {
                id: 2,
                region: "4313".into(),
                from: date!(2025 - 02 - 01),
                to: Some(date!(2025 - 05 - 01)),
            },
        ];
        let t = stocks(&s, date!(2025 - 05 - 20));
        let v: Vec<(Period, f64)> = t.iter().map(|x| (x.period, x.value)).collect();
        assert_eq!(
            v,
            vec![
                (
                    Period::Quarter {
                        year: 2024,
                        quarter: 4
                    },
                    1.0
                ),
                (
                    Period::Quarter {
                        year: 2025,
                        quarter: 1
                    },
                    2.0
                ),
                (
                    Period::Quarter {
                        year: 2025,
                        quarter: 2
                    },
                    1.0
                ),
            ]
        );
    }

    #[test]
    fn a_failed_review_ends_a_base_span() {
        let c = Certification::new(
            BaseLevel::City,
            "第一批",
            date!(2021 - 06 - 01),
            date!(2025 - 12 - 31),
        )
        .unwrap();
        let r = Review {
            year: 2023,
            self_report: String::new(),
            expert_score: Some(40.0),
            result: Some(ReviewResult::Fail),
            decided_on: Some(date!(2024 - 03 - 15)),
        };
        let s = base_spans(7, "4313", std::slice::from_ref(&c), &[r]);
        assert_eq!(s[0].to, Some(date!(2024 - 03 - 15)));
        let s = base_spans(7, "4313", &[c], &[]);
        assert_eq!(s[0].to, Some(date!(2026 - 01 - 01)));
    }

    #[test]
    fn coverage_is_the_share_of_townships_reached_each_year() {
        let v = vec![
            ("431302001".to_string(), date!(2025 - 03 - 01)),
            ("431302001".to_string(), date!(2025 - 04 - 01)),
            ("431302002".to_string(), date!(2025 - 05 - 01)),
        ];
        let t = coverage("431302", 4, &v, date!(2025 - 12 - 31));
        assert_eq!(t[0].value, 50.0);
        assert!(coverage("431302", 0, &v, date!(2025 - 12 - 31)).is_empty());
    }
}
