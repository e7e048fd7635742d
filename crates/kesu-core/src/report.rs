//! Reporting rounds and progress reports (进展填报): periods, report states and the rules that
//! move a report from one state to the next.
//!
//! A round (填报轮次) asks every responsible unit of a plan for a report on each of its tasks for
//! one period. A report is a slot (task × unit × round) that moves through
//! 未填报 → 草稿 → 已提交 → 已退回 / 已通过. A round may ask for 县级初审 (a county check): then a
//! report of a unit below the round's region goes 已提交 → 已初审 (its county office passes it up,
//! or returns it) before the round's office accepts or returns it. These rules are pure so that the
//! web server, the CLI and the tests share one definition.

use serde::{Deserialize, Serialize};
use std::fmt;
use time::Date;

/// The period a round covers: 2025年第一季度, 2025年上半年, 2025年度.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Period {
    /// 季度 (1–4).
    Quarter { year: i32, quarter: u8 },
    /// 半年 (1 = 上半年, 2 = 下半年).
    Half { year: i32, half: u8 },
    /// 年度.
    Year { year: i32 },
}

/// Why a period string could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "无法识别的填报期间“{0}”：应为 2025Q1、2025H1、2025 或 2025年第一季度、2025年上半年、2025年度 (unknown period)"
)]
pub struct BadPeriod(pub String);

impl Period {
    /// Parse `2025Q1`, `2025H2`, `2025`, `2025Y` or the Chinese forms `2025年第一季度`,
    /// `2025年上半年`, `2025年下半年`, `2025年度`, `2025年`.
    pub fn parse(s: &str) -> Result<Period, BadPeriod> {
        let bad = || BadPeriod(s.to_string());
        let t = s.trim();
        let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
        if digits.len() != 4 {
            return Err(bad());
        }
        let year: i32 = digits.parse().map_err(|_| bad())?;
        let rest = t[4..].trim_start_matches('年');
        let p = match rest {
            "" | "Y" | "y" | "度" => Period::Year { year },
            "H1" | "h1" | "上半年" => Period::Half { year, half: 1 },
            "H2" | "h2" | "下半年" => Period::Half { year, half: 2 },
            _ => {
                let q = match rest {
                    "Q1" | "q1" | "第一季度" | "一季度" | "第1季度" => 1,
                    "Q2" | "q2" | "第二季度" | "二季度" | "第2季度" => 2,
                    "Q3" | "q3" | "第三季度" | "三季度" | "第3季度" => 3,
                    "Q4" | "q4" | "第四季度" | "四季度" | "第4季度" => 4,
                    _ => return Err(bad()),
                };
                Period::Quarter { year, quarter: q }
            }
        };
        Ok(p)
    }

    /// The short machine form: `2025Q1`, `2025H1`, `2025`.
    pub fn code(&self) -> String {
        match self {
            Period::Quarter { year, quarter } => format!("{year}Q{quarter}"),
            Period::Half { year, half } => format!("{year}H{half}"),
            Period::Year { year } => format!("{year}"),
        }
    }

    pub fn year(&self) -> i32 {
        match *self {
            Period::Quarter { year, .. } | Period::Half { year, .. } | Period::Year { year } => {
                year
            }
        }
    }

    /// First and last day of the period.
    pub fn dates(&self) -> (Date, Date) {
        let (year, first_month, months) = match *self {
            Period::Quarter { year, quarter } => (year, 3 * (quarter.clamp(1, 4) - 1) + 1, 3),
            Period::Half { year, half } => (year, 6 * (half.clamp(1, 2) - 1) + 1, 6),
            Period::Year { year } => (year, 1, 12),
        };
        let month = |m: u8| time::Month::try_from(m).unwrap_or(time::Month::January);
        let start = Date::from_calendar_date(year, month(first_month), 1).unwrap_or(Date::MIN);
        let last_month = month(first_month + months - 1);
        let end = Date::from_calendar_date(year, last_month, last_month.length(year))
            .unwrap_or(Date::MAX);
        (start, end)
    }
}

impl fmt::Display for Period {
    /// The Chinese label: 2025年第一季度, 2025年上半年, 2025年度.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::Quarter { year, quarter } => {
                let q = ["一", "二", "三", "四"].get(usize::from(quarter.clamp(1, 4)) - 1);
                write!(f, "{year}年第{}季度", q.unwrap_or(&"?"))
            }
            Period::Half { year, half: 1 } => write!(f, "{year}年上半年"),
            Period::Half { year, .. } => write!(f, "{year}年下半年"),
            Period::Year { year } => write!(f, "{year}年度"),
        }
    }
}

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    /// 未填报: the slot exists, nothing written yet.
    NotStarted,
    /// 草稿: saved, not submitted.
    Draft,
    /// 已提交: waiting for review (or, for a cooperating unit, for its lead unit; in a round with
    /// 县级初审, for the county office's check).
    Submitted,
    /// 已初审: the county office has checked it and passed it up; waiting for the round's office.
    PreReviewed,
    /// 已退回: returned with a reason; the unit fixes and resubmits.
    Returned,
    /// 已通过: accepted and locked.
    Accepted,
}

impl ReportState {
    pub const ALL: [ReportState; 6] = [
        ReportState::NotStarted,
        ReportState::Draft,
        ReportState::Submitted,
        ReportState::PreReviewed,
        ReportState::Returned,
        ReportState::Accepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportState::NotStarted => "not_started",
            ReportState::Draft => "draft",
            ReportState::Submitted => "submitted",
            ReportState::PreReviewed => "prereviewed",
            ReportState::Returned => "returned",
            ReportState::Accepted => "accepted",
        }
    }

    pub fn parse(s: &str) -> Option<ReportState> {
        ReportState::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            ReportState::NotStarted => "未填报",
            ReportState::Draft => "草稿",
            ReportState::Submitted => "已提交",
            ReportState::PreReviewed => "已初审",
            ReportState::Returned => "已退回",
            ReportState::Accepted => "已通过",
        }
    }

    /// Whether the unit may still change the content.
    pub fn editable(self) -> bool {
        matches!(
            self,
            ReportState::NotStarted | ReportState::Draft | ReportState::Returned
        )
    }

    /// Whether the unit has handed it in (it counts as "not late" from then on).
    pub fn handed_in(self) -> bool {
        matches!(
            self,
            ReportState::Submitted | ReportState::PreReviewed | ReportState::Accepted
        )
    }

    /// Whether it waits for a reviewer (submitted, or checked by the county and passed up).
    pub fn pending_review(self) -> bool {
        matches!(self, ReportState::Submitted | ReportState::PreReviewed)
    }
}

impl fmt::Display for ReportState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.zh())
    }
}

/// A move from one state to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    /// 保存: write the content; the report becomes (or stays) a draft. A returned report stays
    /// returned until it is submitted again, so the office still sees it was sent back.
    Save,
    /// 提交.
    Submit,
    /// 退回 (with a reason).
    Return,
    /// 初审通过: the county office passes a submitted report up to the round's office (县级初审).
    Forward,
    /// 通过: accept and lock.
    Accept,
    /// 解锁: an admin reopens an accepted report.
    Unlock,
}

impl Transition {
    pub fn zh(self) -> &'static str {
        match self {
            Transition::Save => "保存",
            Transition::Submit => "提交",
            Transition::Return => "退回",
            Transition::Forward => "初审通过",
            Transition::Accept => "通过",
            Transition::Unlock => "解锁",
        }
    }
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("报告当前状态为“{from}”，不能{action} (cannot {action} a report that is {from})")]
    NotAllowed {
        from: ReportState,
        action: &'static str,
    },
    #[error("退回必须填写原因 (a return needs a reason)")]
    ReasonRequired,
    #[error("本轮已于 {0} 锁定，不能再提交或修改；请联系纲要办申请例外 (the round is locked)")]
    Locked(Date),
    #[error("本轮填报已关闭，不能再提交或修改 (the round is closed)")]
    Closed,
    #[error(
        "该报告须先经县级初审，县级纲要办通过后再由本轮的纲要办审核 (waiting for the county check)"
    )]
    AwaitsCountyCheck,
}

/// The dates of a round that decide lateness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundDates {
    /// 截止日期: after it, a submission is late (but allowed).
    pub due: Date,
    /// 锁定日期: after it, no more submissions unless the office grants an exception.
    pub lock: Date,
    /// 已关闭: the office has closed the round; no unit writes in it any more, exception or not.
    pub closed: bool,
}

/// Who reviews a report, in a round with or without 县级初审.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// No county check for this report: the round's office reviews it once submitted.
    Direct,
    /// The report goes through 县级初审 and the county office acts: it passes the submitted
    /// report up ([`Transition::Forward`]) or returns it.
    County,
    /// The report goes through 县级初审 and the round's office acts: it accepts or returns the
    /// report once the county has passed it up.
    Office,
}

impl Step {
    /// The step of a reviewer: `needs_check` (the report goes through 县级初审, see
    /// [`needs_county_check`]) and whether the reviewer is the county office.
    pub fn of(needs_check: bool, by_county: bool) -> Step {
        match (needs_check, by_county) {
            (false, _) => Step::Direct,
            (true, true) => Step::County,
            (true, false) => Step::Office,
        }
    }
}

/// Whether a report goes through 县级初审: its round asks for it and the report's unit is below
/// the round's region (a county's unit in a city round). The round's own units are reviewed
/// directly. Region codes are prefix-nested, so "below" is "longer".
pub fn needs_county_check(round_asks: bool, round_region: &str, report_region: &str) -> bool {
    round_asks
        && report_region.len() > round_region.len()
        && report_region.starts_with(round_region)
}

/// Apply `t` to a report in state `from` on day `today`, in a round without a county check (or
/// for a save or submission, where it plays no part): [`apply_as`] with [`Step::Direct`].
pub fn apply(
    from: ReportState,
    t: Transition,
    today: Date,
    dates: RoundDates,
    exception: bool,
    reason: Option<&str>,
) -> Result<ReportState, TransitionError> {
    apply_as(from, t, today, dates, exception, reason, Step::Direct)
}

/// Apply `t` to a report in state `from` on day `today`. `exception` is the office's permission
/// to submit after the lock date; `reason` is the return reason; `step` says who reviews (a
/// county office checks first, the round's office reviews what it passed up).
pub fn apply_as(
    from: ReportState,
    t: Transition,
    today: Date,
    dates: RoundDates,
    exception: bool,
    reason: Option<&str>,
    step: Step,
) -> Result<ReportState, TransitionError> {
    use ReportState as S;
    let refuse = || TransitionError::NotAllowed {
        from,
        action: t.zh(),
    };
    let locked = today > dates.lock && !exception;
    // What the reviewer of this step takes up: the county the submitted report, the round's
    // office the report the county passed up (or, without a check, the submitted one).
    let waiting = match step {
        Step::Direct | Step::County => S::Submitted,
        Step::Office => S::PreReviewed,
    };
    let reviewing = |to: S| {
        if from == waiting {
            Ok(to)
        } else if step == Step::Office && from == S::Submitted {
            Err(TransitionError::AwaitsCountyCheck)
        } else {
            Err(refuse())
        }
    };
    match t {
        Transition::Save | Transition::Submit if dates.closed => Err(TransitionError::Closed),
        Transition::Save | Transition::Submit if locked => Err(TransitionError::Locked(dates.lock)),
        Transition::Save => match from {
            S::NotStarted | S::Draft => Ok(S::Draft),
            S::Returned => Ok(S::Returned),
            _ => Err(refuse()),
        },
        Transition::Submit if from.editable() => Ok(S::Submitted),
        Transition::Return => {
            let to = reviewing(S::Returned)?;
            if reason.is_none_or(|r| r.trim().is_empty()) {
                Err(TransitionError::ReasonRequired)
            } else {
                Ok(to)
            }
        }
        Transition::Forward if step == Step::County => reviewing(S::PreReviewed),
        Transition::Accept if step != Step::County => reviewing(S::Accepted),
        Transition::Unlock if from == S::Accepted => Ok(S::Returned),
        _ => Err(refuse()),
    }
}

/// A slot's traffic light on the office's matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Light {
    /// Handed in, or not yet near the due date.
    Green,
    /// Not handed in, due within 3 days.
    Yellow,
    /// Not handed in and past the due date, or handed in late.
    Red,
}

/// Days before the due date from which an open slot turns yellow.
pub const WARN_DAYS: i64 = 3;

/// The light of a slot. `submitted_on` is the day it was (last) handed in.
pub fn light(state: ReportState, submitted_on: Option<Date>, today: Date, due: Date) -> Light {
    if state.handed_in() {
        return if submitted_on.is_some_and(|d| d > due) {
            Light::Red
        } else {
            Light::Green
        };
    }
    if today > due {
        Light::Red
    } else if (due - today).whole_days() <= WARN_DAYS {
        Light::Yellow
    } else {
        Light::Green
    }
}

/// Whether an open report (not handed in) is due within [`WARN_DAYS`] days from `today`: the
/// "due soon" reminder.
pub fn due_soon(state: ReportState, today: Date, due: Date) -> bool {
    let days = (due - today).whole_days();
    state.editable() && (0..=WARN_DAYS).contains(&days)
}

/// Whether a slot counts as late: not handed in after the due date, or handed in after it.
pub fn is_late(state: ReportState, submitted_on: Option<Date>, today: Date, due: Date) -> bool {
    if state.handed_in() {
        submitted_on.is_some_and(|d| d > due)
    } else {
        today > due
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const DATES: RoundDates = RoundDates {
        due: date!(2025 - 04 - 15),
        lock: date!(2025 - 04 - 30),
        closed: false,
    };

    #[test]
    fn periods_read_machine_and_chinese_forms() {
        assert_eq!(
            Period::parse("2025Q1").unwrap(),
            Period::Quarter {
                year: 2025,
                quarter: 1
            }
        );
        assert_eq!(Period::parse("2025年第一季度").unwrap().code(), "2025Q1");
        assert_eq!(Period::parse("2025年上半年").unwrap().code(), "2025H1");
        assert_eq!(
            Period::parse("2025年度").unwrap(),
            Period::Year { year: 2025 }
        );
        assert_eq!(Period::parse("2025").unwrap().to_string(), "2025年度");
        assert!(Period::parse("2025Q5").is_err());
        assert!(Period::parse("明年").is_err());
    }

    #[test]
    fn a_period_knows_its_first_and_last_day() {
        let (a, b) = Period::parse("2024Q1").unwrap().dates();
        assert_eq!((a, b), (date!(2024 - 01 - 01), date!(2024 - 03 - 31)));
        let (_, b) = Period::parse("2024H1").unwrap().dates();
        assert_eq!(b, date!(2024 - 06 - 30));
        let (_, b) = Period::parse("2024").unwrap().dates();
        assert_eq!(b, date!(2024 - 12 - 31));
    }

    #[test]
    fn a_reminder_is_due_in_the_last_days_before_the_due_date_for_open_reports_only() {
        let due = date!(2025 - 04 - 15);
        assert!(due_soon(ReportState::Draft, date!(2025 - 04 - 12), due));
        assert!(due_soon(ReportState::NotStarted, due, due));
        assert!(!due_soon(ReportState::Draft, date!(2025 - 04 - 11), due));
        assert!(!due_soon(ReportState::Draft, date!(2025 - 04 - 16), due));
        assert!(!due_soon(
            ReportState::Submitted,
            date!(2025 - 04 - 14),
            due
        ));
    }

    #[test]
    fn the_round_trip_of_a_report() {
        let d = date!(2025 - 04 - 10);
        let s = apply(
            ReportState::NotStarted,
            Transition::Save,
            d,
            DATES,
            false,
            None,
        )
        .unwrap();
        assert_eq!(s, ReportState::Draft);
        let s = apply(s, Transition::Submit, d, DATES, false, None).unwrap();
        let s = apply(s, Transition::Return, d, DATES, false, Some("数据不全")).unwrap();
        assert_eq!(s, ReportState::Returned);
        let s = apply(s, Transition::Save, d, DATES, false, None).unwrap();
        assert_eq!(
            s,
            ReportState::Returned,
            "a returned report stays visible as returned"
        );
        let s = apply(s, Transition::Submit, d, DATES, false, None).unwrap();
        let s = apply(s, Transition::Accept, d, DATES, false, None).unwrap();
        assert_eq!(s, ReportState::Accepted);
        assert!(!s.editable());
    }

    #[test]
    fn a_return_needs_a_reason() {
        let d = date!(2025 - 04 - 10);
        let r = apply(
            ReportState::Submitted,
            Transition::Return,
            d,
            DATES,
            false,
            Some("  "),
        );
        assert_eq!(r, Err(TransitionError::ReasonRequired));
    }

    #[test]
    fn an_accepted_report_cannot_be_edited_until_unlocked() {
        let d = date!(2025 - 04 - 10);
        assert!(
            apply(
                ReportState::Accepted,
                Transition::Save,
                d,
                DATES,
                false,
                None
            )
            .is_err()
        );
        let s = apply(
            ReportState::Accepted,
            Transition::Unlock,
            d,
            DATES,
            false,
            None,
        )
        .unwrap();
        assert!(s.editable());
    }

    #[test]
    fn late_is_allowed_until_the_lock_then_needs_an_exception() {
        let late = date!(2025 - 04 - 20);
        assert!(
            apply(
                ReportState::Draft,
                Transition::Submit,
                late,
                DATES,
                false,
                None
            )
            .is_ok()
        );
        let after_lock = date!(2025 - 05 - 02);
        let r = apply(
            ReportState::Draft,
            Transition::Submit,
            after_lock,
            DATES,
            false,
            None,
        );
        assert!(matches!(r, Err(TransitionError::Locked(_))));
        assert!(
            apply(
                ReportState::Draft,
                Transition::Submit,
                after_lock,
                DATES,
                true,
                None
            )
            .is_ok()
        );
    }

    #[test]
    fn review_is_only_of_submitted_reports() {
        let d = date!(2025 - 04 - 10);
        assert!(
            apply(
                ReportState::Draft,
                Transition::Accept,
                d,
                DATES,
                false,
                None
            )
            .is_err()
        );
        assert!(
            apply(
                ReportState::Draft,
                Transition::Return,
                d,
                DATES,
                false,
                Some("x")
            )
            .is_err()
        );
    }

    #[test]
    fn lights_turn_yellow_three_days_before_and_red_when_late() {
        let due = DATES.due;
        let open = ReportState::Draft;
        assert_eq!(light(open, None, date!(2025 - 04 - 11), due), Light::Green);
        assert_eq!(light(open, None, date!(2025 - 04 - 12), due), Light::Yellow);
        assert_eq!(light(open, None, date!(2025 - 04 - 15), due), Light::Yellow);
        assert_eq!(light(open, None, date!(2025 - 04 - 16), due), Light::Red);
        let on_time = Some(date!(2025 - 04 - 14));
        assert_eq!(
            light(ReportState::Submitted, on_time, date!(2025 - 05 - 01), due),
            Light::Green
        );
        let late = Some(date!(2025 - 04 - 17));
        assert_eq!(
            light(ReportState::Accepted, late, date!(2025 - 05 - 01), due),
            Light::Red
        );
        assert!(is_late(
            ReportState::Accepted,
            late,
            date!(2025 - 05 - 01),
            due
        ));
    }

    #[test]
    fn with_a_county_check_the_county_passes_up_and_the_round_office_decides() {
        let d = date!(2025 - 04 - 10);
        let go = |from, t, step| apply_as(from, t, d, DATES, false, Some("理由"), step);
        let s = go(ReportState::Submitted, Transition::Forward, Step::County).unwrap();
        assert_eq!(s, ReportState::PreReviewed);
        assert!(s.handed_in() && s.pending_review() && !s.editable());
        assert_eq!(
            go(s, Transition::Accept, Step::Office),
            Ok(ReportState::Accepted)
        );
        assert_eq!(
            go(s, Transition::Return, Step::Office),
            Ok(ReportState::Returned)
        );
    }

    #[test]
    fn the_round_office_waits_for_the_county_check() {
        let d = date!(2025 - 04 - 10);
        for t in [Transition::Accept, Transition::Return] {
            assert_eq!(
                apply_as(
                    ReportState::Submitted,
                    t,
                    d,
                    DATES,
                    false,
                    Some("x"),
                    Step::Office
                ),
                Err(TransitionError::AwaitsCountyCheck)
            );
        }
    }

    #[test]
    fn a_county_office_returns_or_passes_up_but_never_accepts() {
        let d = date!(2025 - 04 - 10);
        let go = |from, t| apply_as(from, t, d, DATES, false, Some("签到表缺失"), Step::County);
        assert_eq!(
            go(ReportState::Submitted, Transition::Return),
            Ok(ReportState::Returned)
        );
        assert!(go(ReportState::Submitted, Transition::Accept).is_err());
        assert!(go(ReportState::PreReviewed, Transition::Return).is_err());
        assert!(go(ReportState::PreReviewed, Transition::Forward).is_err());
    }

    #[test]
    fn without_a_county_check_there_is_nothing_to_pass_up() {
        let d = date!(2025 - 04 - 10);
        assert!(
            apply(
                ReportState::Submitted,
                Transition::Forward,
                d,
                DATES,
                false,
                None
            )
            .is_err()
        );
    }

    #[test]
    fn only_reports_below_the_rounds_region_go_through_the_county_check() {
        assert!(needs_county_check(true, "4313", "431302"));
        assert!(!needs_county_check(true, "4313", "4313"));
        assert!(!needs_county_check(false, "4313", "431302"));
        assert!(!needs_county_check(true, "4313", "440303"));
    }

    #[test]
    fn a_closed_round_takes_no_more_writes_even_with_an_exception() {
        let closed = RoundDates {
            closed: true,
            ..DATES
        };
        let d = date!(2025 - 04 - 10);
        for t in [Transition::Save, Transition::Submit] {
            assert_eq!(
                apply(ReportState::Draft, t, d, closed, true, None),
                Err(TransitionError::Closed)
            );
        }
        assert_eq!(
            apply(
                ReportState::Submitted,
                Transition::Accept,
                d,
                closed,
                false,
                None
            ),
            Ok(ReportState::Accepted),
            "the office still reviews what was handed in"
        );
    }
}
