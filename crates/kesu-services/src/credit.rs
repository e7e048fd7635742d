//! Pupils' science credits (科普教育学分制, 深圳's rule for compulsory education).
//!
//! The ledger is append-only: every entry points at its source (a check-in at an activity or
//! base, an online-test result, a teacher's award) and at the version of the rules that
//! computed it. Nothing is edited or deleted. When the rules change, or a source is voided (a
//! check-in made in error, a withdrawn award), [`reconcile`] compares what each source *should*
//! be worth under the rules in force with what the ledger holds for it, and appends the
//! difference: a rule created after the activities still counts them (the badge engines'
//! classic bug), and a voided source is reversed instead of lingering (ditto). A term's credits
//! are capped; sources count in the order they happened, so the cap falls on the latest ones.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use time::{Date, Month};

/// What earned a credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A check-in at an activity or a base visit (a booking checked in).
    CheckIn,
    /// A result of the online test (issue 13's test), as a score 0–100.
    TestResult,
    /// A teacher's award for a contest, a project, a club.
    Award,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::CheckIn => "check_in",
            SourceKind::TestResult => "test_result",
            SourceKind::Award => "award",
        }
    }

    pub fn parse(s: &str) -> Option<SourceKind> {
        [
            SourceKind::CheckIn,
            SourceKind::TestResult,
            SourceKind::Award,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            SourceKind::CheckIn => "活动签到",
            SourceKind::TestResult => "测试成绩",
            SourceKind::Award => "教师认定",
        }
    }
}

/// A school term (学期): the first runs September to January, the second February to August.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Term {
    /// The year the school year starts.
    pub year: i32,
    /// 1 or 2.
    pub n: u8,
}

impl Term {
    pub fn of(d: Date) -> Term {
        match d.month() {
            Month::September | Month::October | Month::November | Month::December => Term {
                year: d.year(),
                n: 1,
            },
            Month::January => Term {
                year: d.year() - 1,
                n: 1,
            },
            _ => Term {
                year: d.year() - 1,
                n: 2,
            },
        }
    }

    /// `2024-1` (stored) …
    pub fn code(self) -> String {
        format!("{}-{}", self.year, self.n)
    }

    pub fn parse(s: &str) -> Option<Term> {
        let (y, n) = s.split_once('-')?;
        let t = Term {
            year: y.parse().ok()?,
            n: n.parse().ok()?,
        };
        (t.n == 1 || t.n == 2).then_some(t)
    }

    /// … and `2024—2025学年第一学期` (shown).
    pub fn zh(self) -> String {
        format!(
            "{}—{}学年第{}学期",
            self.year,
            self.year + 1,
            if self.n == 1 { "一" } else { "二" }
        )
    }
}

/// The rules that turn sources into credits. A new version is a new row; entries name theirs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    pub version: i32,
    /// Credits per check-in.
    pub check_in: f64,
    /// A test score at or above this earns `test_points`.
    pub test_pass: f64,
    pub test_points: f64,
    /// The most a teacher may award for one thing.
    pub award_max: f64,
    /// The most a pupil earns in one term.
    pub term_cap: f64,
}

impl Rules {
    /// The first version an office starts from.
    pub fn initial() -> Rules {
        Rules {
            version: 1,
            check_in: 1.0,
            test_pass: 60.0,
            test_points: 2.0,
            award_max: 5.0,
            term_cap: 20.0,
        }
    }

    /// Check a new version's numbers.
    pub fn validate(&self) -> crate::Result<()> {
        let fields = [
            ("check_in", self.check_in, 100.0),
            ("test_pass", self.test_pass, 100.0),
            ("test_points", self.test_points, 100.0),
            ("award_max", self.award_max, 100.0),
            ("term_cap", self.term_cap, 1000.0),
        ];
        for (field, v, max) in fields {
            if !v.is_finite() || v < 0.0 || v > max {
                return Err(crate::ServicesError::invalid(
                    field,
                    format!("{field} 应在 0 到 {max} 之间 (out of range)"),
                ));
            }
        }
        Ok(())
    }
}

/// A source as the ledger sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub kind: SourceKind,
    pub id: i64,
    pub pupil_id: i64,
    pub on: Date,
    /// A test's score, or the points a teacher awarded; unused for check-ins.
    pub amount: f64,
    pub voided: bool,
}

/// An entry in the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub pupil_id: i64,
    pub kind: SourceKind,
    pub source_id: i64,
    pub term: Term,
    pub points: f64,
    pub rule_version: i32,
}

/// Why an entry was appended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// A source not yet credited.
    New,
    /// The rules changed what a source is worth (or the cap moved it).
    Recomputed,
    /// The source was voided: its credit reversed.
    Reversed,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::New => "new",
            Cause::Recomputed => "recomputed",
            Cause::Reversed => "reversed",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Cause::New => "记入",
            Cause::Recomputed => "按新规则重算",
            Cause::Reversed => "来源作废，冲销",
        }
    }
}

/// An entry to append, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Append {
    pub entry: Entry,
    pub cause: Cause,
}

/// What one source is worth under `rules`, before the term cap.
pub fn worth(rules: &Rules, s: &Source) -> f64 {
    if s.voided {
        return 0.0;
    }
    match s.kind {
        SourceKind::CheckIn => rules.check_in,
        SourceKind::TestResult if s.amount >= rules.test_pass => rules.test_points,
        SourceKind::TestResult => 0.0,
        SourceKind::Award => s.amount.clamp(0.0, rules.award_max),
    }
}

/// What each source should hold under `rules`, the term cap applied in the order the sources
/// happened (then by kind and id, so the result never depends on input order).
pub fn due(rules: &Rules, sources: &[Source]) -> BTreeMap<(SourceKind, i64), (i64, Term, f64)> {
    let mut sorted: Vec<&Source> = sources.iter().collect();
    sorted.sort_by_key(|s| (s.pupil_id, Term::of(s.on), s.on, s.kind, s.id));
    let mut running: HashMap<(i64, Term), f64> = HashMap::new();
    let mut out = BTreeMap::new();
    for s in sorted {
        let term = Term::of(s.on);
        let used = running.entry((s.pupil_id, term)).or_insert(0.0);
        let room = (rules.term_cap - *used).max(0.0);
        let v = round2(worth(rules, s).min(room));
        *used += v;
        out.insert((s.kind, s.id), (s.pupil_id, term, v));
    }
    out
}

/// The entries to append so that the ledger holds, for every source, what `rules` say it is
/// worth. Running it again right after appending gives nothing.
pub fn reconcile(rules: &Rules, sources: &[Source], ledger: &[Entry]) -> Vec<Append> {
    let mut held: HashMap<(SourceKind, i64), f64> = HashMap::new();
    for e in ledger {
        *held.entry((e.kind, e.source_id)).or_insert(0.0) += e.points;
    }
    let voided: HashMap<(SourceKind, i64), bool> =
        sources.iter().map(|s| ((s.kind, s.id), s.voided)).collect();
    let mut out = Vec::new();
    for ((kind, id), (pupil_id, term, want)) in due(rules, sources) {
        let have = round2(held.get(&(kind, id)).copied().unwrap_or(0.0));
        let diff = round2(want - have);
        if diff.abs() < 0.005 {
            continue;
        }
        let cause = if voided.get(&(kind, id)).copied().unwrap_or(false) {
            Cause::Reversed
        } else if !held.contains_key(&(kind, id)) {
            Cause::New
        } else {
            Cause::Recomputed
        };
        out.push(Append {
            entry: Entry {
                pupil_id,
                kind,
                source_id: id,
                term,
                points: diff,
                rule_version: rules.version,
            },
            cause,
        });
    }
    out
}

/// A pupil's credits per term.
pub fn by_term(ledger: &[Entry]) -> BTreeMap<Term, f64> {
    let mut out = BTreeMap::new();
    for e in ledger {
        *out.entry(e.term).or_insert(0.0) += e.points;
    }
    for v in out.values_mut() {
        *v = round2(*v);
    }
    out
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn checkin(id: i64, pupil: i64, on: Date) -> Source {
        Source {
            kind: SourceKind::CheckIn,
            id,
            pupil_id: pupil,
            on,
            amount: 0.0,
            voided: false,
        }
    }

    fn apply(ledger: &mut Vec<Entry>, appends: Vec<Append>) {
        ledger.extend(appends.into_iter().map(|a| a.entry));
    }

    #[test]
    fn terms_run_september_to_january_and_february_to_august() {
        assert_eq!(Term::of(date!(2024 - 09 - 01)), Term { year: 2024, n: 1 });
        assert_eq!(Term::of(date!(2025 - 01 - 20)), Term { year: 2024, n: 1 });
        assert_eq!(Term::of(date!(2025 - 03 - 01)), Term { year: 2024, n: 2 });
        assert_eq!(Term { year: 2024, n: 2 }.zh(), "2024—2025学年第二学期");
        assert_eq!(Term::parse("2024-2"), Some(Term { year: 2024, n: 2 }));
    }

    #[test]
    fn a_check_in_earns_its_credit_once() {
        let r = Rules::initial();
        let s = [checkin(1, 9, date!(2025 - 03 - 02))];
        let mut ledger = Vec::new();
        let a = reconcile(&r, &s, &ledger);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].cause, Cause::New);
        apply(&mut ledger, a);
        assert!(reconcile(&r, &s, &ledger).is_empty());
    }

    #[test]
    fn a_voided_source_is_reversed_by_a_new_entry() {
        let r = Rules::initial();
        let mut s = vec![checkin(1, 9, date!(2025 - 03 - 02))];
        let mut ledger = Vec::new();
        let a = reconcile(&r, &s, &ledger);
        apply(&mut ledger, a);
        s[0].voided = true;
        let a = reconcile(&r, &s, &ledger);
        assert_eq!(a.len(), 1);
        assert_eq!((a[0].cause, a[0].entry.points), (Cause::Reversed, -1.0));
        apply(&mut ledger, a);
        assert_eq!(ledger.len(), 2, "the original entry stays");
        assert_eq!(by_term(&ledger).values().sum::<f64>(), 0.0);
    }

    #[test]
    fn a_new_rule_version_counts_past_sources() {
        let r1 = Rules::initial();
        let s = [
            checkin(1, 9, date!(2025 - 03 - 02)),
            checkin(2, 9, date!(2025 - 03 - 09)),
        ];
        let mut ledger = Vec::new();
        let a = reconcile(&r1, &s, &ledger);
        apply(&mut ledger, a);
        let r2 = Rules {
            version: 2,
            check_in: 1.5,
            ..r1
        };
        let a = reconcile(&r2, &s, &ledger);
        assert_eq!(a.len(), 2);
        assert!(
            a.iter()
                .all(|x| x.cause == Cause::Recomputed && x.entry.rule_version == 2)
        );
        apply(&mut ledger, a);
        assert_eq!(by_term(&ledger)[&Term { year: 2024, n: 2 }], 3.0);
    }

    #[test]
    fn the_term_cap_falls_on_the_latest_sources() {
        let r = Rules {
            term_cap: 2.5,
            ..Rules::initial()
        };
        let s: Vec<Source> = (1..=4)
            .map(|i| checkin(i, 9, date!(2025 - 03 - 01) + time::Duration::days(i)))
            .collect();
        let d = due(&r, &s);
        let v: Vec<f64> = (1..=4).map(|i| d[&(SourceKind::CheckIn, i)].2).collect();
        assert_eq!(v, vec![1.0, 1.0, 0.5, 0.0]);
    }

    #[test]
    fn a_failed_test_earns_nothing_and_an_award_is_bounded() {
        let r = Rules::initial();
        let t = Source {
            kind: SourceKind::TestResult,
            id: 1,
            pupil_id: 9,
            on: date!(2025 - 03 - 01),
            amount: 59.0,
            voided: false,
        };
        assert_eq!(worth(&r, &t), 0.0);
        let a = Source {
            kind: SourceKind::Award,
            amount: 50.0,
            ..t
        };
        assert_eq!(worth(&r, &a), r.award_max);
    }

    fn any_source() -> impl Strategy<Value = Source> {
        (
            0usize..3,
            1i64..30,
            1i64..4,
            0i64..400,
            0.0f64..100.0,
            any::<bool>(),
        )
            .prop_map(|(k, id, pupil, day, amount, voided)| Source {
                kind: [
                    SourceKind::CheckIn,
                    SourceKind::TestResult,
                    SourceKind::Award,
                ][k],
                id,
                pupil_id: pupil,
                on: date!(2024 - 06 - 01) + time::Duration::days(day),
                amount,
                voided,
            })
    }

    fn any_rules() -> impl Strategy<Value = Rules> {
        (1i32..5, 0.0f64..3.0, 0.0f64..5.0, 0.0f64..30.0).prop_map(|(v, c, t, cap)| Rules {
            version: v,
            check_in: c,
            test_pass: 60.0,
            test_points: t,
            award_max: 5.0,
            term_cap: cap,
        })
    }

    proptest! {
        /// Whatever rule versions run over whatever sources (some voided along the way), the
        /// ledger only grows, ends holding exactly what the last rules say each source is worth,
        /// never more than the cap in a term, nothing for a voided source, and a second run
        /// appends nothing.
        #[test]
        fn the_ledger_converges_to_the_rules(
            sources in proptest::collection::vec(any_source(), 0..25),
            versions in proptest::collection::vec(any_rules(), 1..4),
            void_later in proptest::collection::vec(any::<bool>(), 25),
        ) {
            // One source per (kind, id).
            let mut seen = std::collections::HashSet::new();
            let mut sources: Vec<Source> = sources.into_iter().filter(|s| seen.insert((s.kind, s.id))).collect();
            let mut ledger: Vec<Entry> = Vec::new();
            for (i, rules) in versions.iter().enumerate() {
                let before = ledger.len();
                let a = reconcile(rules, &sources, &ledger);
                apply(&mut ledger, a);
                prop_assert!(ledger.len() >= before);
                if i == 0 {
                    for (s, v) in sources.iter_mut().zip(&void_later) {
                        s.voided |= *v;
                    }
                }
            }
            let last = versions.last().unwrap();
            let a = reconcile(last, &sources, &ledger);
        apply(&mut ledger, a);
            prop_assert!(reconcile(last, &sources, &ledger).is_empty());
            let want = due(last, &sources);
            for s in &sources {
                let have: f64 = ledger.iter().filter(|e| e.kind == s.kind && e.source_id == s.id).map(|e| e.points).sum();
                prop_assert!((have - want[&(s.kind, s.id)].2).abs() < 0.01);
                if s.voided {
                    prop_assert!(have.abs() < 0.01);
                }
            }
            let mut per: HashMap<(i64, Term), f64> = HashMap::new();
            for e in &ledger {
                *per.entry((e.pupil_id, e.term)).or_insert(0.0) += e.points;
            }
            for v in per.values() {
                prop_assert!(*v <= last.term_cap + 0.01);
            }
        }
    }
}
