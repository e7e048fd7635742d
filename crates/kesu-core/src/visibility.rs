//! Who may open a report, and who may read which audit rows (报告和审计日志的可见范围): the one
//! rule every page, list, matrix, export and API answer applies.
//!
//! A report is one unit's answer on one task in one round. It may be opened by
//!
//! - the reporters of its own unit (填报人 of the unit), who also write it;
//! - the reporters of the task's lead unit (牵头单位) when the report is a cooperating or
//!   responsible unit's (配合单位 / 责任单位): the lead consolidates their input — that is the
//!   workflow. The lead only reads them; peers never see each other, and a cooperating unit does
//!   not see the lead's report;
//! - the office accounts (admin, reviewer, viewer) whose region contains the unit's region. A
//!   county office never sees another county's report, even on a task every county shares.
//!
//! Reviewing belongs to the round's office: accepting, returning and unlocking a report, and
//! letting a unit file after the lock date, are for the reviewers and admins whose region
//! contains the round's region (the office that opened it, or one above it). A county office
//! reads its county's reports in a city round but does not decide on them — unless the round asks
//! for 县级初审, where it checks them first and passes them up or returns them
//! ([`Actor::review_step`]).
//!
//! What a caller cannot open it cannot see anywhere: lists, sibling lists, matrices and exports
//! keep only what passes [`Actor::can_read_report`] (through [`visible`]), so a list never shows
//! more than the report pages would.

use crate::authz::{Action, Actor, Role};
use crate::region::RegionCode;
use crate::report::{Step, needs_county_check};
use std::collections::BTreeMap;

/// A unit's part in a task (任务分工).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskRole {
    /// 牵头单位: consolidates the task's reports.
    Lead,
    /// 配合单位.
    Cooperating,
    /// 责任单位 (a unit responsible on its own, or one of many: every county, every village).
    Responsible,
}

impl TaskRole {
    /// `lead`, `cooperating`, anything else is responsible (the store's `role` column).
    pub fn parse(s: &str) -> TaskRole {
        match s {
            "lead" => TaskRole::Lead,
            "cooperating" => TaskRole::Cooperating,
            _ => TaskRole::Responsible,
        }
    }
}

/// A report as far as visibility is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportScope<'a> {
    /// The region of the report's unit.
    pub region: &'a RegionCode,
    /// The report's unit.
    pub unit: i64,
    pub role: TaskRole,
    /// The units that lead the same task in the same round.
    pub lead_units: &'a [i64],
}

/// The round a report belongs to, as far as reviewing is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundScope<'a> {
    /// The region of the round's plan: the office that opened it.
    pub region: &'a RegionCode,
    /// Whether the round asks for 县级初审.
    pub county_check: bool,
}

/// Why an action on a report is refused: out of scope answers exactly like a missing report;
/// in scope with the wrong role is forbidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    NotFound,
    Forbidden,
}

impl Actor {
    /// Whether the actor may open the report at all (see the module's rule).
    pub fn can_read_report(&self, r: &ReportScope<'_>) -> bool {
        match self.role {
            Role::Reporter => self.unit_id.is_some_and(|u| {
                u == r.unit || (r.role != TaskRole::Lead && r.lead_units.contains(&u))
            }),
            Role::Admin | Role::Reviewer | Role::Viewer => self.covers(r.region),
        }
    }

    /// The actor's part in reviewing the report, if any: the round's office (its reviewers and
    /// admins, or an office above it) reviews — directly, or after the county check when the
    /// report goes through one; the office over the report's unit but below the round's region
    /// checks it first ([`Step::County`]) only when the round asks for 县级初审.
    pub fn review_step(&self, r: &ReportScope<'_>, round: &RoundScope<'_>) -> Option<Step> {
        if !matches!(self.role, Role::Reviewer | Role::Admin) || !self.covers(r.region) {
            return None;
        }
        let needs =
            needs_county_check(round.county_check, round.region.as_str(), r.region.as_str());
        if self.covers(round.region) {
            Some(Step::of(needs, false))
        } else if needs {
            Some(Step::County)
        } else {
            None
        }
    }

    /// Whether the actor may do `action` on the report of `round`: [`Denied::NotFound`] when it
    /// may not even open it, [`Denied::Forbidden`] when its role does not allow the action.
    /// Only the unit's own reporters (and an admin over it) write a report; a lead unit reads
    /// its cooperating units' reports but never writes them; reviewing is the round's office's
    /// (and the county's check, see [`Actor::review_step`]); administering a report (unlocking
    /// it, an exception to the lock date) is the round's office admins'.
    pub fn check_report(
        &self,
        action: Action,
        r: &ReportScope<'_>,
        round: &RoundScope<'_>,
    ) -> Result<(), Denied> {
        if !self.can_read_report(r) {
            return Err(Denied::NotFound);
        }
        let own = self.unit_id == Some(r.unit);
        let office = self.covers(r.region);
        let allowed = match action {
            Action::Read => true,
            Action::Report => match self.role {
                Role::Reporter => own,
                Role::Admin => office,
                Role::Reviewer | Role::Viewer => false,
            },
            Action::Review => self.review_step(r, round).is_some(),
            Action::Administer => self.role == Role::Admin && self.covers(round.region),
        };
        if allowed {
            Ok(())
        } else {
            Err(Denied::Forbidden)
        }
    }

    /// Whether the actor may read audit rows of `region` (`None`: a row about no region — an
    /// import of the division table, a change of the whole installation). Only admins read the
    /// audit log; each its own subtree, and rows without a region only the top-level office:
    /// an admin whose region contains every region the installation knows
    /// (`knows_regions_outside` is false).
    pub fn can_read_audit(&self, region: Option<&RegionCode>, knows_regions_outside: bool) -> bool {
        if self.role != Role::Admin {
            return false;
        }
        match region {
            Some(r) => self.covers(r),
            None => !knows_regions_outside,
        }
    }
}

/// A report in a list, for [`visible`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportKey {
    pub round: i64,
    pub task: i64,
    pub unit: i64,
    pub role: TaskRole,
    /// The unit's region.
    pub region: RegionCode,
}

/// Which of `reports` the actor may open, in order. The list must hold, for each (round, task)
/// in it, that task's lead reports too (a whole round, or every slot of one task), because the
/// lead units are read from it.
pub fn visible(actor: &Actor, reports: &[ReportKey]) -> Vec<bool> {
    let mut leads: BTreeMap<(i64, i64), Vec<i64>> = BTreeMap::new();
    for r in reports.iter().filter(|r| r.role == TaskRole::Lead) {
        leads.entry((r.round, r.task)).or_default().push(r.unit);
    }
    reports
        .iter()
        .map(|r| {
            actor.can_read_report(&ReportScope {
                region: &r.region,
                unit: r.unit,
                role: r.role,
                lead_units: leads.get(&(r.round, r.task)).map_or(&[], Vec::as_slice),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    fn actor(role: Role, region: &str, unit: Option<i64>) -> Actor {
        Actor {
            user_id: 1,
            username: "u".into(),
            role,
            region: code(region),
            unit_id: unit,
        }
    }

    /// A round of `region` without a county check.
    fn round(region: &RegionCode) -> RoundScope<'_> {
        RoundScope {
            region,
            county_check: false,
        }
    }

    fn key(task: i64, unit: i64, role: TaskRole, region: &str) -> ReportKey {
        ReportKey {
            round: 1,
            task,
            unit,
            role,
            region: code(region),
        }
    }

    /// A city task done by every county (units 11 and 12) and led by the city's unit 10.
    fn city_task() -> Vec<ReportKey> {
        vec![
            key(5, 10, TaskRole::Lead, "4313"),
            key(5, 11, TaskRole::Responsible, "431302"),
            key(5, 12, TaskRole::Responsible, "431321"),
        ]
    }

    #[test]
    fn a_county_never_sees_a_neighbour_county_on_a_shared_task() {
        let office = actor(Role::Admin, "431302", None);
        assert_eq!(visible(&office, &city_task()), [false, true, false]);
        let reporter = actor(Role::Reporter, "431302", Some(11));
        assert_eq!(visible(&reporter, &city_task()), [false, true, false]);
    }

    #[test]
    fn the_lead_unit_reads_its_cooperating_units_reports_but_they_do_not_read_its_own() {
        let lead = actor(Role::Reporter, "4313", Some(10));
        assert_eq!(visible(&lead, &city_task()), [true, true, true]);
        let coop = actor(Role::Reporter, "431321", Some(12));
        assert_eq!(visible(&coop, &city_task()), [false, false, true]);
    }

    #[test]
    fn the_city_office_sees_every_county() {
        for role in [Role::Admin, Role::Reviewer, Role::Viewer] {
            assert_eq!(
                visible(&actor(role, "4313", None), &city_task()),
                [true, true, true]
            );
        }
    }

    #[test]
    fn a_lead_reads_but_never_writes_or_reviews_a_cooperating_report() {
        let lead = actor(Role::Reporter, "4313", Some(10));
        let r = code("431302");
        let city = code("4313");
        let s = ReportScope {
            region: &r,
            unit: 11,
            role: TaskRole::Cooperating,
            lead_units: &[10],
        };
        let rd = round(&city);
        assert_eq!(lead.check_report(Action::Read, &s, &rd), Ok(()));
        assert_eq!(
            lead.check_report(Action::Report, &s, &rd),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            lead.check_report(Action::Review, &s, &rd),
            Err(Denied::Forbidden)
        );
    }

    #[test]
    fn out_of_scope_is_not_found_whatever_the_action() {
        let other = actor(Role::Admin, "431321", None);
        let r = code("431302");
        let s = ReportScope {
            region: &r,
            unit: 11,
            role: TaskRole::Responsible,
            lead_units: &[],
        };
        for a in [
            Action::Read,
            Action::Report,
            Action::Review,
            Action::Administer,
        ] {
            assert_eq!(other.check_report(a, &s, &round(&r)), Err(Denied::NotFound));
        }
    }

    #[test]
    fn a_viewer_reads_and_a_reviewer_reviews_but_neither_writes() {
        let r = code("431302");
        let s = ReportScope {
            region: &r,
            unit: 11,
            role: TaskRole::Responsible,
            lead_units: &[],
        };
        let city = code("4313");
        let rd = round(&city);
        let viewer = actor(Role::Viewer, "4313", None);
        assert_eq!(viewer.check_report(Action::Read, &s, &rd), Ok(()));
        assert_eq!(
            viewer.check_report(Action::Review, &s, &rd),
            Err(Denied::Forbidden)
        );
        let reviewer = actor(Role::Reviewer, "4313", None);
        assert_eq!(reviewer.check_report(Action::Review, &s, &rd), Ok(()));
        assert_eq!(
            reviewer.check_report(Action::Report, &s, &rd),
            Err(Denied::Forbidden)
        );
    }

    /// County 431302's report in a round of the city 4313.
    fn county_report(r: &RegionCode) -> ReportScope<'_> {
        ReportScope {
            region: r,
            unit: 11,
            role: TaskRole::Responsible,
            lead_units: &[10],
        }
    }

    #[test]
    fn a_county_office_reads_but_does_not_review_its_countys_report_in_a_city_round() {
        let (r, city) = (code("431302"), code("4313"));
        let s = county_report(&r);
        for role in [Role::Admin, Role::Reviewer] {
            let county = actor(role, "431302", None);
            assert_eq!(county.check_report(Action::Read, &s, &round(&city)), Ok(()));
            for a in [Action::Review, Action::Administer] {
                assert_eq!(
                    county.check_report(a, &s, &round(&city)),
                    Err(Denied::Forbidden),
                    "{role:?} {a:?}"
                );
            }
        }
        let office = actor(Role::Admin, "4313", None);
        for a in [Action::Review, Action::Administer] {
            assert_eq!(office.check_report(a, &s, &round(&city)), Ok(()));
        }
    }

    #[test]
    fn in_its_own_round_a_county_office_reviews_and_administers() {
        let r = code("431302");
        let s = county_report(&r);
        let county = actor(Role::Admin, "431302", None);
        for a in [Action::Review, Action::Administer] {
            assert_eq!(county.check_report(a, &s, &round(&r)), Ok(()));
        }
    }

    #[test]
    fn with_a_county_check_the_county_checks_first_and_the_city_reviews_after() {
        let (r, city) = (code("431302"), code("4313"));
        let s = county_report(&r);
        let checked = RoundScope {
            region: &city,
            county_check: true,
        };
        let county = actor(Role::Reviewer, "431302", None);
        assert_eq!(county.review_step(&s, &checked), Some(Step::County));
        assert_eq!(county.check_report(Action::Review, &s, &checked), Ok(()));
        assert_eq!(
            county.check_report(Action::Administer, &s, &checked),
            Err(Denied::Forbidden),
            "unlocking stays with the round's office"
        );
        let office = actor(Role::Reviewer, "4313", None);
        assert_eq!(office.review_step(&s, &checked), Some(Step::Office));
        let neighbour = actor(Role::Reviewer, "431321", None);
        assert_eq!(neighbour.review_step(&s, &checked), None);
        // The city's own units are reviewed directly.
        let own = ReportScope {
            region: &city,
            ..county_report(&r)
        };
        assert_eq!(office.review_step(&own, &checked), Some(Step::Direct));
        assert_eq!(county.review_step(&own, &checked), None);
    }

    #[test]
    fn audit_rows_without_a_region_are_for_the_top_level_office_only() {
        let county = actor(Role::Admin, "431302", None);
        let city = actor(Role::Admin, "4313", None);
        assert!(!county.can_read_audit(None, true));
        assert!(city.can_read_audit(None, false));
        assert!(!city.can_read_audit(None, true));
        assert!(county.can_read_audit(Some(&code("431302001")), true));
        assert!(!county.can_read_audit(Some(&code("431321")), true));
        let viewer = actor(Role::Viewer, "4313", None);
        assert!(!viewer.can_read_audit(Some(&code("431302")), false));
    }

    fn any_code() -> impl Strategy<Value = RegionCode> {
        (1usize..=3, proptest::collection::vec(0u8..2, 6)).prop_map(|(depth, digits)| {
            let len = [2, 4, 6][depth - 1];
            let s: String = digits[..len].iter().map(|d| char::from(b'1' + d)).collect();
            RegionCode::parse(&s).unwrap()
        })
    }

    fn any_role() -> impl Strategy<Value = TaskRole> {
        prop::sample::select(vec![
            TaskRole::Lead,
            TaskRole::Cooperating,
            TaskRole::Responsible,
        ])
    }

    proptest! {
        /// The list filter and the single-report check never disagree.
        #[test]
        fn a_list_shows_exactly_the_reports_that_open(
            role in prop::sample::select(Role::ALL.to_vec()),
            home in any_code(),
            unit in prop::option::of(0i64..4),
            reports in proptest::collection::vec((0i64..2, 0i64..4, any_role(), any_code()), 0..8),
        ) {
            let a = Actor { user_id: 1, username: "u".into(), role, region: home, unit_id: unit };
            let keys: Vec<ReportKey> = reports.iter().map(|(task, u, r, c)| ReportKey {
                round: 1, task: *task, unit: *u, role: *r, region: c.clone(),
            }).collect();
            let shown = visible(&a, &keys);
            for (k, shown) in keys.iter().zip(shown) {
                let leads: Vec<i64> = keys.iter()
                    .filter(|o| o.task == k.task && o.role == TaskRole::Lead)
                    .map(|o| o.unit).collect();
                let opens = a.check_report(Action::Read, &ReportScope {
                    region: &k.region, unit: k.unit, role: k.role, lead_units: &leads,
                }, &round(&k.region)).is_ok();
                prop_assert_eq!(shown, opens);
            }
        }
    }
}
