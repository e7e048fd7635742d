//! The actual value of an indicator from the values units reported.
//!
//! Only accepted reports count; "no data" is `None`, never 0, because a village that has not
//! reported is not a village that trained nobody. Every result carries the observations it used
//! ([`Actual::sources`]) so that anyone can redo the sum.

use crate::indicator::Aggregation;
use kesu_core::report::Period;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use time::{Date, Month};

/// A region code held by many observations at once: cloning it counts a reference instead of
/// copying the text, because a city's indicators pass hundreds of thousands of them around.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SharedCode(Arc<str>);

impl SharedCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for SharedCode {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SharedCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for SharedCode {
    fn from(s: &str) -> SharedCode {
        SharedCode(s.into())
    }
}

impl From<String> for SharedCode {
    fn from(s: String) -> SharedCode {
        SharedCode(s.into())
    }
}

impl From<&String> for SharedCode {
    fn from(s: &String) -> SharedCode {
        SharedCode(s.as_str().into())
    }
}

impl PartialEq<str> for SharedCode {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for SharedCode {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<SharedCode> for &str {
    fn eq(&self, other: &SharedCode) -> bool {
        *self == &*other.0
    }
}

impl Serialize for SharedCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SharedCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<SharedCode, D::Error> {
        Ok(SharedCode::from(String::deserialize(d)?))
    }
}

/// One value a unit entered for one target in one report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub report_id: i64,
    pub unit_id: i64,
    /// The region the value is for (any level; a village's value carries the village code).
    pub region_code: SharedCode,
    pub period: Period,
    pub value: f64,
    /// Whether the report was accepted (已通过). Others are ignored.
    pub accepted: bool,
}

/// An observation that went into a result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub report_id: i64,
    pub unit_id: i64,
    pub region_code: SharedCode,
    pub period: Period,
    pub value: f64,
}

impl From<&Observation> for Source {
    fn from(o: &Observation) -> Source {
        Source {
            report_id: o.report_id,
            unit_id: o.unit_id,
            region_code: o.region_code.clone(),
            period: o.period,
            value: o.value,
        }
    }
}

/// A span of days, both ends included. An observation is in the window when its whole period is.
/// Serialised with ISO dates (`"2021-01-01"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    #[serde(with = "iso_date")]
    pub from: Date,
    #[serde(with = "iso_date")]
    pub to: Date,
}

/// `"2021-01-01"` rather than time's default `[2021, 1]` (year, ordinal), which nobody reads.
mod iso_date {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use time::Date;
    use time::macros::format_description;

    const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
        format_description!("[year]-[month]-[day]");

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        let text = d.format(FORMAT).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        Date::parse(&text, FORMAT).map_err(D::Error::custom)
    }
}

impl Window {
    /// 1 January of `first` to 31 December of `last`.
    pub fn years(first: i32, last: i32) -> Window {
        let from = Date::from_calendar_date(first, Month::January, 1).unwrap_or(Date::MIN);
        let to = Date::from_calendar_date(last, Month::December, 31).unwrap_or(Date::MAX);
        Window { from, to }
    }

    /// The days of one period.
    pub fn period(p: Period) -> Window {
        let (from, to) = p.dates();
        Window { from, to }
    }

    /// Whether the whole of `p` lies in the window.
    pub fn contains(&self, p: Period) -> bool {
        self.months().contains(p)
    }

    /// The whole months of the window, for checking many periods quickly.
    pub fn months(&self) -> MonthSpan {
        // A period starts on the 1st and ends on its last month's last day, so only whole
        // months of the window can hold one.
        let mut first = month_index(self.from);
        if self.from.day() != 1 {
            first += 1;
        }
        let mut last = month_index(self.to);
        if self.to.day() != self.to.month().length(self.to.year()) {
            last -= 1;
        }
        MonthSpan { first, last }
    }

    /// The share of the window that has passed by the end of `day` (0 before it starts, 1 from
    /// its last day on). A window of whole calendar years is measured in years (the end of 2023
    /// is exactly 60% of 2021–2025, leap years or not), the day counted as a share of its year;
    /// other windows in days.
    pub fn elapsed(&self, day: Date) -> f64 {
        if day < self.from {
            return 0.0;
        }
        if day >= self.to {
            return 1.0;
        }
        let whole_years =
            self.from.ordinal() == 1 && self.to.month() == Month::December && self.to.day() == 31;
        if whole_years {
            let years = f64::from(self.to.year() - self.from.year() + 1);
            let in_year =
                f64::from(day.ordinal()) / f64::from(time::util::days_in_year(day.year()));
            return (f64::from(day.year() - self.from.year()) + in_year) / years;
        }
        let total = (self.to - self.from).whole_days() + 1;
        let done = (day - self.from).whole_days() + 1;
        done as f64 / total as f64
    }

    /// "2021年1月1日至2025年12月31日".
    pub fn zh(&self) -> String {
        let d = |d: Date| format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day());
        format!("{}至{}", d(self.from), d(self.to))
    }
}

/// A window as whole months (see [`month_index`]); the test is integer arithmetic, no dates.
#[derive(Debug, Clone, Copy)]
pub struct MonthSpan {
    pub(crate) first: i64,
    pub(crate) last: i64,
}

impl MonthSpan {
    /// Whether the whole of `p` lies in the span.
    pub fn contains(self, p: Period) -> bool {
        let (a, b) = period_months(p);
        a >= self.first && b <= self.last
    }
}

/// Months counted from year 0: January 2025 is 2025 × 12.
fn month_index(d: Date) -> i64 {
    i64::from(d.year()) * 12 + i64::from(u8::from(d.month())) - 1
}

/// First and last month of a period, as [`month_index`] counts them.
pub(crate) fn period_months(p: Period) -> (i64, i64) {
    let (year, first, months) = match p {
        Period::Quarter { year, quarter } => (year, 3 * (i64::from(quarter.clamp(1, 4)) - 1), 3),
        Period::Half { year, half } => (year, 6 * (i64::from(half.clamp(1, 2)) - 1), 6),
        Period::Year { year } => (year, 0, 12),
    };
    let start = i64::from(year) * 12 + first;
    (start, start + months - 1)
}

/// Observations left out of a result, by reason, so the "how" view can say so.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// Reports not (yet) accepted.
    pub not_accepted: usize,
    /// Periods outside the window (or, for per-period targets, coarser than the cadence).
    pub outside_window: usize,
    /// NaN or infinite values.
    pub not_finite: usize,
}

/// An actual value and how it came about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Actual {
    /// `None` when no accepted observation is in scope.
    pub value: Option<f64>,
    /// The observations the value was computed from, sorted by region, unit, period, report.
    pub sources: Vec<Source>,
    /// A share over several regions was averaged without population weights because some
    /// region's population was missing.
    pub unweighted: bool,
    pub skipped: Skipped,
}

impl Actual {
    fn none(skipped: Skipped) -> Actual {
        Actual {
            value: None,
            sources: Vec::new(),
            unweighted: false,
            skipped,
        }
    }
}

/// Population per region code, for weighting shares.
pub type Population = HashMap<String, f64>;

/// Combine the accepted observations in `window` with `aggregation`.
///
/// `population` weights shares across regions; without it (or with a region missing) shares are
/// averaged without weights and [`Actual::unweighted`] says so.
pub fn actual(
    aggregation: Aggregation,
    observations: &[Observation],
    window: &Window,
    population: Option<&Population>,
) -> Actual {
    let mut skipped = Skipped::default();
    let months = window.months();
    let used: Vec<&Observation> = observations
        .iter()
        .filter(|o| {
            if !o.accepted {
                skipped.not_accepted += 1;
                false
            } else if !o.value.is_finite() {
                skipped.not_finite += 1;
                false
            } else if !months.contains(o.period) {
                skipped.outside_window += 1;
                false
            } else {
                true
            }
        })
        .collect();
    let mut out = combine(aggregation, &used, population);
    out.skipped = skipped;
    out
}

/// [`actual`] on observations already filtered (accepted, finite, in scope).
pub(crate) fn combine(
    aggregation: Aggregation,
    used: &[&Observation],
    population: Option<&Population>,
) -> Actual {
    let Some((value, picked, unweighted)) = pick(aggregation, used, population) else {
        return Actual::none(Skipped::default());
    };
    let mut sources: Vec<Source> = picked.into_iter().map(Source::from).collect();
    sort_sources(&mut sources);
    Actual {
        value: Some(value),
        sources,
        unweighted,
        skipped: Skipped::default(),
    }
}

/// The combined value, the observations it used and whether a share went unweighted; `None`
/// without observations.
fn pick<'a>(
    aggregation: Aggregation,
    used: &[&'a Observation],
    population: Option<&Population>,
) -> Option<(f64, Vec<&'a Observation>, bool)> {
    let first = *used.first()?;
    Some(match aggregation {
        Aggregation::Sum => (used.iter().map(|o| o.value).sum(), used.to_vec(), false),
        Aggregation::Latest => {
            let picked = latest_per_source(used);
            (picked.iter().map(|o| o.value).sum(), picked, false)
        }
        Aggregation::Max => {
            let mut best = first;
            for o in used {
                if o.value > best.value {
                    best = o;
                }
            }
            (best.value, vec![best], false)
        }
        Aggregation::WeightedMean => weighted_mean(used, population),
    })
}

/// The value of each period that has observations (accepted and finite), oldest first: what
/// [`actual`] gives with [`Window::period`] for each, computed in one pass over the observations
/// and without listing sources (a trend line needs only the numbers).
pub fn trend(
    aggregation: Aggregation,
    observations: &[Observation],
    population: Option<&Population>,
) -> Vec<(Period, Option<f64>)> {
    let mut by_period: HashMap<Period, Vec<&Observation>> = HashMap::new();
    let mut periods: Vec<Period> = Vec::new();
    for o in observations {
        let list = by_period.entry(o.period).or_insert_with(|| {
            periods.push(o.period);
            Vec::new()
        });
        if o.accepted && o.value.is_finite() {
            list.push(o);
        }
    }
    periods.sort_by_key(|p| (p.dates().1, p.code()));
    periods
        .iter()
        .map(|&p| {
            // A period's value takes in every finer period inside it (a year holds its quarters).
            let span = Window::period(p).months();
            let mut used: Vec<&Observation> = Vec::new();
            for q in &periods {
                if span.contains(*q)
                    && let Some(list) = by_period.get(q)
                {
                    used.extend_from_slice(list);
                }
            }
            (p, pick(aggregation, &used, population).map(|(v, _, _)| v))
        })
        .collect()
}

/// Sort order of periods: by last month, then first month (a quarter after the year that ends
/// on the same day: the finer report is the more recent statement). Months, not dates: this
/// runs per observation in roll-ups.
pub(crate) fn period_key(p: Period) -> (i64, i64) {
    let (first, last) = period_months(p);
    (last, first)
}

pub(crate) fn sort_sources(sources: &mut [Source]) {
    sources.sort_by(|a, b| {
        (
            a.region_code.as_str(),
            a.unit_id,
            period_key(a.period),
            a.report_id,
        )
            .cmp(&(
                b.region_code.as_str(),
                b.unit_id,
                period_key(b.period),
                b.report_id,
            ))
    });
}

/// For each source (region × unit), the observation of the latest period; several in that
/// period → the last report (a correction supersedes).
fn latest_per_source<'a>(used: &[&'a Observation]) -> Vec<&'a Observation> {
    let mut best: BTreeMap<(&'a str, i64), &'a Observation> = BTreeMap::new();
    for o in used {
        let k = (o.region_code.as_str(), o.unit_id);
        match best.get(&k) {
            Some(b)
                if (period_key(b.period), b.report_id) >= (period_key(o.period), o.report_id) => {}
            _ => {
                best.insert(k, o);
            }
        }
    }
    best.into_values().collect()
}

/// Each region's latest period (mean of its sources in that period), then a population-weighted
/// mean over regions.
fn weighted_mean<'a>(
    used: &[&'a Observation],
    population: Option<&Population>,
) -> (f64, Vec<&'a Observation>, bool) {
    let mut latest: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for o in used {
        let k = period_key(o.period);
        let e = latest.entry(o.region_code.as_str()).or_insert(k);
        if k > *e {
            *e = k;
        }
    }
    // Per region: sum and count of the values in its latest period.
    let mut per_region: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    let mut picked = Vec::new();
    for o in used {
        if latest.get(o.region_code.as_str()) == Some(&period_key(o.period)) {
            let e = per_region.entry(o.region_code.as_str()).or_insert((0.0, 0));
            e.0 += o.value;
            e.1 += 1;
            picked.push(*o);
        }
    }
    let means: Vec<(&str, f64)> = per_region
        .into_iter()
        .map(|(r, (s, n))| (r, s / n as f64))
        .collect();
    if means.len() == 1 {
        return (means[0].1, picked, false);
    }
    let weights: Option<Vec<f64>> = means
        .iter()
        .map(|(r, _)| {
            population
                .and_then(|p| p.get(*r))
                .copied()
                .filter(|w| w.is_finite() && *w > 0.0)
        })
        .collect();
    match weights {
        Some(w) => {
            let total: f64 = w.iter().sum();
            let v = means.iter().zip(&w).map(|((_, m), w)| m * w).sum::<f64>() / total;
            (v, picked, false)
        }
        None => {
            let v = means.iter().map(|(_, m)| m).sum::<f64>() / means.len() as f64;
            (v, picked, true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(year: i32, quarter: u8) -> Period {
        Period::Quarter { year, quarter }
    }

    fn obs(report_id: i64, unit_id: i64, region: &str, period: Period, value: f64) -> Observation {
        Observation {
            report_id,
            unit_id,
            region_code: region.into(),
            period,
            value,
            accepted: true,
        }
    }

    fn plan() -> Window {
        Window::years(2021, 2025)
    }

    #[test]
    fn counts_add_every_accepted_report_in_the_window() {
        let o = [
            obs(1, 10, "431302", q(2022, 1), 1200.0),
            obs(2, 10, "431302", q(2022, 2), 800.0),
            obs(3, 11, "431321", q(2023, 4), 500.0),
        ];
        let a = actual(Aggregation::Sum, &o, &plan(), None);
        assert_eq!(a.value, Some(2500.0));
        assert_eq!(a.sources.len(), 3);
    }

    #[test]
    fn no_accepted_report_is_no_data_not_zero() {
        let mut o = obs(1, 10, "431302", q(2022, 1), 1200.0);
        o.accepted = false;
        let a = actual(Aggregation::Sum, &[o], &plan(), None);
        assert_eq!(a.value, None);
        assert_eq!(a.skipped.not_accepted, 1);
    }

    #[test]
    fn a_reported_zero_is_zero_not_no_data() {
        let a = actual(
            Aggregation::Sum,
            &[obs(1, 10, "431302", q(2022, 1), 0.0)],
            &plan(),
            None,
        );
        assert_eq!(a.value, Some(0.0));
    }

    #[test]
    fn reports_outside_the_window_are_left_out_and_counted() {
        let o = [
            obs(1, 10, "431302", q(2020, 4), 100.0),
            obs(2, 10, "431302", q(2021, 1), 7.0),
        ];
        let a = actual(Aggregation::Sum, &o, &plan(), None);
        assert_eq!(a.value, Some(7.0));
        assert_eq!(a.skipped.outside_window, 1);
    }

    #[test]
    fn a_stock_takes_each_sources_latest_value_and_adds_the_sources() {
        // 科协 reports 12 then 15 bases; 教育局 reports 4 then (later) 5.
        let o = [
            obs(1, 1, "431302", q(2023, 4), 12.0),
            obs(2, 1, "431302", q(2024, 2), 15.0),
            obs(3, 2, "431302", q(2023, 2), 4.0),
            obs(4, 2, "431302", q(2024, 1), 5.0),
        ];
        let a = actual(Aggregation::Latest, &o, &plan(), None);
        assert_eq!(a.value, Some(20.0));
        let ids: Vec<i64> = a.sources.iter().map(|s| s.report_id).collect();
        assert_eq!(ids, [2, 4]);
    }

    #[test]
    fn a_correction_in_the_same_period_supersedes_the_earlier_report() {
        let o = [
            obs(7, 1, "431302", q(2024, 2), 15.0),
            obs(9, 1, "431302", q(2024, 2), 14.0),
        ];
        assert_eq!(
            actual(Aggregation::Latest, &o, &plan(), None).value,
            Some(14.0)
        );
    }

    #[test]
    fn max_takes_the_largest_value_once() {
        let o = [
            obs(1, 1, "4313", q(2024, 2), 2100.0),
            obs(2, 2, "4313", q(2024, 2), 2300.0),
        ];
        let a = actual(Aggregation::Max, &o, &plan(), None);
        assert_eq!(a.value, Some(2300.0));
        assert_eq!(a.sources.len(), 1);
    }

    #[test]
    fn shares_of_two_counties_are_weighted_by_population() {
        // 12% of 300 000 and 18% of 100 000 people: (36 000 + 18 000) / 400 000 = 13.5%.
        let o = [
            obs(1, 1, "431302", q(2024, 4), 12.0),
            obs(2, 1, "431321", q(2024, 4), 18.0),
        ];
        let pop = Population::from([("431302".into(), 300_000.0), ("431321".into(), 100_000.0)]);
        let a = actual(Aggregation::WeightedMean, &o, &plan(), Some(&pop));
        assert_eq!(a.value, Some(13.5));
        assert!(!a.unweighted);
    }

    #[test]
    fn a_missing_population_falls_back_to_a_simple_mean_and_says_so() {
        let o = [
            obs(1, 1, "431302", q(2024, 4), 12.0),
            obs(2, 1, "431321", q(2024, 4), 18.0),
        ];
        let pop = Population::from([("431302".into(), 300_000.0)]);
        let a = actual(Aggregation::WeightedMean, &o, &plan(), Some(&pop));
        assert_eq!(a.value, Some(15.0));
        assert!(a.unweighted);
    }

    #[test]
    fn a_share_takes_each_regions_latest_period() {
        let o = [
            obs(1, 1, "431302", q(2023, 4), 11.0),
            obs(2, 1, "431302", q(2024, 4), 13.0),
        ];
        let a = actual(Aggregation::WeightedMean, &o, &plan(), None);
        assert_eq!(a.value, Some(13.0));
        assert!(!a.unweighted, "one region needs no weights");
    }

    #[test]
    fn elapsed_share_counts_the_current_day() {
        let w = Window::years(2024, 2024);
        assert_eq!(w.elapsed(time::macros::date!(2023 - 12 - 31)), 0.0);
        assert_eq!(w.elapsed(time::macros::date!(2024 - 12 - 31)), 1.0);
        // 2024 is a leap year: 1 January is day 1 of 366.
        assert_eq!(w.elapsed(time::macros::date!(2024 - 01 - 01)), 1.0 / 366.0);
    }

    #[test]
    fn a_window_serialises_with_iso_dates() {
        let w = Window::years(2021, 2025);
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(json, r#"{"from":"2021-01-01","to":"2025-12-31"}"#);
        assert_eq!(serde_json::from_str::<Window>(&json).unwrap(), w);
    }

    #[test]
    fn a_period_is_in_a_window_only_when_wholly_inside() {
        let w = Window::years(2021, 2025);
        assert!(w.contains(q(2021, 1)));
        assert!(w.contains(q(2025, 4)));
        assert!(w.contains(Period::Year { year: 2025 }));
        assert!(!w.contains(q(2020, 4)));
        assert!(!w.contains(q(2026, 1)));
        let q2 = Window::period(q(2024, 2));
        assert!(q2.contains(q(2024, 2)));
        assert!(!q2.contains(Period::Half {
            year: 2024,
            half: 1
        }));
        let odd = Window {
            from: time::macros::date!(2024 - 04 - 02),
            to: time::macros::date!(2024 - 09 - 29),
        };
        assert!(!odd.contains(q(2024, 2)), "starts a day before the window");
        assert!(!odd.contains(q(2024, 3)), "ends after the window");
    }

    #[test]
    fn elapsed_share_of_a_plan_is_measured_in_years() {
        let w = Window::years(2021, 2025);
        assert_eq!(w.elapsed(time::macros::date!(2023 - 12 - 31)), 0.6);
    }

    #[test]
    fn elapsed_share_of_a_quarter_is_measured_in_days() {
        let w = Window::period(q(2025, 1));
        // 31 January is day 31 of 90.
        assert_eq!(w.elapsed(time::macros::date!(2025 - 01 - 31)), 31.0 / 90.0);
    }

    fn any_period() -> impl proptest::strategy::Strategy<Value = Period> {
        use proptest::prelude::*;
        prop_oneof![
            (2021..2024i32, 1..=4u8).prop_map(|(year, quarter)| Period::Quarter { year, quarter }),
            (2021..2024i32, 1..=2u8).prop_map(|(year, half)| Period::Half { year, half }),
            (2021..2024i32).prop_map(|year| Period::Year { year }),
        ]
    }

    proptest::proptest! {
        #[test]
        fn a_trend_gives_each_periods_actual_value(
            rows in proptest::collection::vec(
                (0..4usize, 0..3i64, any_period(), -5.0..50.0f64, proptest::bool::weighted(0.8)),
                0..60,
            ),
            aggregation in proptest::sample::select(vec![
                Aggregation::Sum,
                Aggregation::Latest,
                Aggregation::Max,
                Aggregation::WeightedMean,
            ]),
        ) {
            let regions = ["500101", "500102", "500103", "500104"];
            let observations: Vec<Observation> = rows
                .iter()
                .enumerate()
                .map(|(i, &(r, unit, period, value, accepted))| Observation {
                    accepted,
                    ..obs(i as i64, unit, regions[r], period, value)
                })
                .collect();
            let population: Population =
                regions.iter().map(|r| (r.to_string(), 1000.0)).collect();
            for (period, value) in trend(aggregation, &observations, Some(&population)) {
                let expected =
                    actual(aggregation, &observations, &Window::period(period), Some(&population));
                // The same numbers, possibly added in another order.
                let close = match (value, expected.value) {
                    (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * (1.0 + b.abs()),
                    (a, b) => a == b,
                };
                proptest::prop_assert!(close, "{:?}: {:?} vs {:?}", period, value, expected.value);
            }
        }
    }
}
