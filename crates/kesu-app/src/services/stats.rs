//! The services' statistics: what the records say about the plan's service targets, each
//! figure one click away from the records behind it. The same numbers feed the indicators
//! ([`target_observations`]), with the citizens' tests (竞赛: attempts and tests published),
//! whose records are listed by the same [`records`] page.

use super::{Services, office_region, read};
use crate::{Caller, Error, Result};
use kesu_core::Target;
use kesu_core::report::Period;
use kesu_services::feed::{self, Feed};
use kesu_services::tally::Tally;
use kesu_store::services::observations::{self, Record, ServiceObservation};
use serde::Serialize;
use time::Date;

/// One figure of the statistics page.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub key: &'static str,
    pub zh: String,
    /// The value to date: the sum for counts, what stands now for stocks, this year's for
    /// coverage and funding; `None` when there are no records.
    pub value: Option<f64>,
    /// How the value is formed, in words.
    pub basis: &'static str,
    /// The records behind it.
    pub link: String,
}

/// The statistics of a region subtree (the office's own, or a part of it).
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub region: String,
    pub region_name: String,
    pub as_of: Date,
    pub figures: Vec<Figure>,
}

fn total(feed: Feed, t: &[Tally], today: Date) -> Option<f64> {
    if t.is_empty() {
        return None;
    }
    let v: f64 = if feed.is_stock() {
        // What stands in the latest quarter, over every region.
        let last = t.iter().map(|x| x.period.dates().1).max()?;
        t.iter()
            .filter(|x| x.period.dates().1 == last)
            .map(|x| x.value)
            .sum()
    } else if matches!(feed, Feed::TownshipCoverage | Feed::Funding { .. }) {
        let year = Period::Year { year: today.year() };
        t.iter().filter(|x| x.period == year).map(|x| x.value).sum()
    } else {
        t.iter().map(|x| x.value).sum()
    };
    Some((v * 100.0).round() / 100.0)
}

fn basis(feed: Feed) -> &'static str {
    if feed.is_stock() {
        "当前存量"
    } else if matches!(feed, Feed::TownshipCoverage | Feed::Funding { .. }) {
        "本年度"
    } else {
        "累计至今"
    }
}

/// The figures of `region` (default: the caller's office region).
pub async fn stats(s: &Services, caller: &Caller, region: Option<&str>) -> Result<Stats> {
    let own = office_region(caller)?;
    let region = match region.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => super::parse_region(r)?.as_str().to_string(),
        None => own,
    };
    if region.is_empty() {
        return Err(Error::invalid_field(
            "region",
            "请指定地区 (region required)",
        ));
    }
    read(caller, &region)?;
    let today = s.ctx.today();
    let mut figures = Vec::new();
    for f in Feed::ALL {
        let t = observations::tallies(&s.ctx.db, f, &region, today).await?;
        let period = if basis(f) == "累计至今" {
            format!("{}-{}", kesu_services::tally::year_start(2000), today)
        } else if basis(f) == "本年度" {
            today.year().to_string()
        } else {
            format!("to-{today}")
        };
        figures.push(Figure {
            key: f.key(),
            zh: f.zh(),
            value: total(f, &t, today),
            basis: basis(f),
            link: format!(
                "/services/stats/records?feed={}&region={region}&period={period}",
                f.key()
            ),
        });
    }
    let region_name = kesu_store::regions::get(&s.ctx.db, &region)
        .await?
        .map(|r| r.name)
        .unwrap_or_default();
    Ok(Stats {
        region,
        region_name,
        as_of: today,
        figures,
    })
}

/// The feed named by a link key (the citizens' tests' too: their records page is this one).
pub fn feed_of(key: &str) -> Result<Feed> {
    let all = Feed::ALL.into_iter().chain(Feed::QUIZ).chain([
        Feed::Activities { mobile: true },
        Feed::Funding {
            per_capita: true,
            ten_thousands: false,
        },
        Feed::Bases {
            level: Some(kesu_services::catalogue::BaseLevel::National),
        },
    ]);
    all.into_iter()
        .find(|f| f.key() == key)
        .ok_or_else(|| Error::invalid_field("feed", format!("未知的统计项“{key}” (unknown feed)")))
}

/// The days a link's period covers: a period code (`2025Q2`, `2025`), `FROM-TO` dates, or
/// `to-DATE` (what stands on a day).
pub fn period_days(p: &str, today: Date) -> Result<(Date, Date)> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let bad = || Error::invalid_field("period", format!("期间“{p}”无效 (bad period)"));
    if let Some(d) = p.strip_prefix("to-") {
        let d = Date::parse(d, &fmt).map_err(|_| bad())?;
        return Ok((d, d));
    }
    if p.len() == 21 && p.as_bytes()[10] == b'-' {
        let a = Date::parse(&p[..10], &fmt).map_err(|_| bad())?;
        let b = Date::parse(&p[11..], &fmt).map_err(|_| bad())?;
        return Ok((a, b.min(today)));
    }
    let period = Period::parse(p).map_err(|_| bad())?;
    let (a, b) = period.dates();
    Ok((a, b.min(today)))
}

/// The records behind one figure.
#[derive(Debug, Clone, Serialize)]
pub struct Records {
    pub feed_zh: String,
    /// 服务记录 or 竞赛记录.
    pub source: &'static str,
    pub region: String,
    pub from: Date,
    pub to: Date,
    pub records: Vec<Record>,
    pub total: f64,
}

/// The records behind a figure: `feed` in `region`'s subtree over `period`.
pub async fn records(
    s: &Services,
    caller: &Caller,
    feed_key: &str,
    region: &str,
    period: &str,
) -> Result<Records> {
    office_region(caller)?;
    let f = feed_of(feed_key)?;
    let region = super::parse_region(region)?.as_str().to_string();
    read(caller, &region)?;
    let (from, to) = period_days(period, s.ctx.today())?;
    let records = observations::records(&s.ctx.db, f, &region, from, to, 5000).await?;
    let total = (records.iter().map(|r| r.value).sum::<f64>() * 100.0).round() / 100.0;
    Ok(Records {
        feed_zh: f.zh(),
        source: f.source_zh(),
        region,
        from,
        to,
        records,
        total,
    })
}

/// The observations of a plan target counted from Kesu's records (the services' or the
/// citizens' tests), when its words say they answer it (`None`: they do not). This is the hook for the indicators: a target fed this way
/// takes these values instead of adding them to what units report.
pub async fn target_observations(
    db: &kesu_store::Db,
    target: &Target,
    region: &str,
    until: Date,
) -> Result<Option<Vec<ServiceObservation>>> {
    match feed::classify(target) {
        None => Ok(None),
        Some(f) => Ok(Some(
            observations::observations(db, f, region, until).await?,
        )),
    }
}
