//! Volunteers (科技志愿者), teams (科技志愿服务队) and service hours.
//!
//! Hours come only from check-in and check-out records ("谁记录谁证明"): a volunteer cannot
//! type hours, an office cannot add them out of thin air. A wrong record is corrected by a new
//! record that replaces it, with a reason and the corrector's name, so the original stays
//! visible. Star levels follow the 民政部 2012 recording rules: one to five stars at 100, 300,
//! 600, 1,000 and 1,500 recorded hours.

use crate::error::{Result, ServicesError, required_text};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// A single record longer than this is refused: nobody serves for more than a day at once, and
/// a forgotten check-out must be corrected, not counted.
pub const MAX_RECORD_HOURS: i64 = 16;

/// The star thresholds in hours.
pub const STARS: [f64; 5] = [100.0, 300.0, 600.0, 1000.0, 1500.0];

/// One attendance record: a check-in, and its check-out once there is one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attendance {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub check_in: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub check_out: Option<OffsetDateTime>,
    /// The record this one corrects (it then no longer counts).
    pub corrects: Option<i64>,
}

impl Attendance {
    /// The record's hours, when it is complete.
    pub fn hours(&self) -> Option<f64> {
        let out = self.check_out?;
        Some((out - self.check_in).as_seconds_f64() / 3600.0)
    }
}

/// Check a check-out against its check-in.
pub fn check_out(check_in: OffsetDateTime, at: OffsetDateTime) -> Result<()> {
    if at <= check_in {
        return Err(ServicesError::invalid(
            "check_out",
            "签退时间须晚于签到时间 (check-out before check-in)",
        ));
    }
    if at - check_in > Duration::hours(MAX_RECORD_HOURS) {
        return Err(ServicesError::invalid(
            "check_out",
            format!(
                "单次服务超过 {MAX_RECORD_HOURS} 小时，请由管理方更正记录 (record too long; correct it)"
            ),
        ));
    }
    Ok(())
}

/// A correction as entered: the new times and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Correction {
    pub check_in: OffsetDateTime,
    pub check_out: OffsetDateTime,
    pub reason: String,
}

impl Correction {
    pub fn validate(&self) -> Result<()> {
        required_text("reason", "更正原因", &self.reason, 500)?;
        check_out(self.check_in, self.check_out)
    }
}

/// The hours that count: complete records not replaced by a correction.
pub fn total_hours(records: &[Attendance]) -> f64 {
    let replaced: std::collections::HashSet<i64> =
        records.iter().filter_map(|r| r.corrects).collect();
    let sum: f64 = records
        .iter()
        .filter(|r| !replaced.contains(&r.id))
        .filter_map(Attendance::hours)
        .sum();
    // Hours are shown with one decimal; keep the sum to that.
    (sum * 10.0).round() / 10.0
}

/// 0 to 5 stars for a number of hours.
pub fn stars(hours: f64) -> u8 {
    STARS.iter().filter(|t| hours >= **t).count() as u8
}

/// "★★★☆☆".
pub fn stars_text(n: u8) -> String {
    let n = usize::from(n.min(5));
    format!("{}{}", "★".repeat(n), "☆".repeat(5 - n))
}

/// What a record certificate (志愿服务记录证明) states.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Certificate {
    /// Certificate number: issuer region, year and volunteer number.
    pub number: String,
    pub name_masked: String,
    pub volunteer_no: String,
    pub hours: f64,
    pub stars: u8,
    pub records: usize,
    pub issuer: String,
    pub issued_on: time::Date,
}

/// The certificate of a volunteer's hours as of `issued_on`.
pub fn certificate(
    volunteer_no: &str,
    name_masked: &str,
    records: &[Attendance],
    issuer: &str,
    issued_on: time::Date,
) -> Certificate {
    let hours = total_hours(records);
    Certificate {
        number: format!("{}-{}", issued_on.year(), volunteer_no),
        name_masked: name_masked.to_string(),
        volunteer_no: volunteer_no.to_string(),
        hours,
        stars: stars(hours),
        records: records.iter().filter(|r| r.check_out.is_some()).count(),
        issuer: issuer.to_string(),
        issued_on,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn rec(id: i64, from: OffsetDateTime, hours: i64, corrects: Option<i64>) -> Attendance {
        Attendance {
            id,
            check_in: from,
            check_out: Some(from + Duration::hours(hours)),
            corrects,
        }
    }

    #[test]
    fn hours_are_the_sum_of_complete_records() {
        let t = datetime!(2025-03-01 09:00 +8);
        let open = Attendance {
            id: 3,
            check_in: t,
            check_out: None,
            corrects: None,
        };
        let r = [rec(1, t, 2, None), rec(2, t, 3, None), open];
        assert_eq!(total_hours(&r), 5.0);
    }

    #[test]
    fn a_correction_replaces_the_record_it_corrects() {
        let t = datetime!(2025-03-01 09:00 +8);
        let r = [rec(1, t, 10, None), rec(2, t, 3, Some(1))];
        assert_eq!(total_hours(&r), 3.0);
    }

    #[test]
    fn stars_follow_the_recording_rules() {
        assert_eq!(stars(99.9), 0);
        assert_eq!(stars(100.0), 1);
        assert_eq!(stars(600.0), 3);
        assert_eq!(stars(1500.0), 5);
        assert_eq!(stars_text(2), "★★☆☆☆");
    }

    #[test]
    fn a_check_out_before_check_in_or_after_sixteen_hours_is_refused() {
        let t = datetime!(2025-03-01 09:00 +8);
        assert!(check_out(t, t).is_err());
        assert!(check_out(t, t + Duration::hours(17)).is_err());
        assert!(check_out(t, t + Duration::hours(2)).is_ok());
    }

    #[test]
    fn a_correction_needs_a_reason() {
        let t = datetime!(2025-03-01 09:00 +8);
        let c = Correction {
            check_in: t,
            check_out: t + Duration::hours(2),
            reason: "".into(),
        };
        assert!(c.validate().is_err());
    }
}
