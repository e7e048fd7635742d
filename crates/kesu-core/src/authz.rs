//! Who may see and do what (数据权限), checked per object.
//!
//! Every handler builds an [`Actor`] from the session and asks it before touching an object. An
//! object out of scope is reported as "not found" by the web layer, so that nothing hints it exists.

use crate::region::RegionCode;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A user's role. One role per account keeps the screens simple; an office that needs both
/// hats creates two accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// 管理员: an office (纲要办) — everything in its region subtree.
    Admin,
    /// 审核人: reads and reviews reports in its region subtree.
    Reviewer,
    /// 填报人: its own unit's tasks and reports only.
    Reporter,
    /// 查看人: reads its region subtree (leaders, dashboards).
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Reviewer, Role::Reporter, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Reviewer => "reviewer",
            Role::Reporter => "reporter",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The role's name on screen.
    pub fn zh(self) -> &'static str {
        match self {
            Role::Admin => "管理员",
            Role::Reviewer => "审核人",
            Role::Reporter => "填报人",
            Role::Viewer => "查看人",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The signed-in user as the rules see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    /// The region subtree the account belongs to (an office's region; a reporter's unit's region).
    pub region: RegionCode,
    /// A reporter's unit.
    pub unit_id: Option<i64>,
}

/// What an action is about, as far as scope is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope<'a> {
    /// The region the object belongs to (a plan's region, a report's unit's region).
    pub region: &'a RegionCode,
    /// The units that own the object (a report slot's unit; a task's assigned units). Empty for
    /// objects that belong to a region only (a plan, a round).
    pub units: &'a [i64],
}

/// What the actor wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read the object.
    Read,
    /// Write a report's content, save, submit (a reporter of the unit; an admin).
    Report,
    /// Return or accept a report.
    Review,
    /// Plans, rounds, users, unlocking, exceptions, the audit log.
    Administer,
}

impl Actor {
    /// Whether the region is in the actor's subtree.
    pub fn covers(&self, region: &RegionCode) -> bool {
        self.region.contains(region)
    }

    /// Whether the actor may see the object at all. A reporter sees only what its unit owns; the
    /// other roles see their region subtree.
    pub fn can_see(&self, scope: &Scope<'_>) -> bool {
        match self.role {
            Role::Reporter => match self.unit_id {
                Some(u) => scope.units.contains(&u),
                None => false,
            },
            Role::Admin | Role::Reviewer | Role::Viewer => self.covers(scope.region),
        }
    }

    /// Whether the actor may do `action` on the object.
    pub fn may(&self, action: Action, scope: &Scope<'_>) -> bool {
        if !self.can_see(scope) {
            return false;
        }
        match action {
            Action::Read => true,
            Action::Report => matches!(self.role, Role::Reporter | Role::Admin),
            Action::Review => matches!(self.role, Role::Reviewer | Role::Admin),
            Action::Administer => self.role == Role::Admin,
        }
    }
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

    #[test]
    fn a_county_office_never_sees_the_neighbour_county() {
        let office = actor(Role::Admin, "431302", None);
        let own = code("431302001");
        let neighbour = code("431321");
        assert!(office.can_see(&Scope {
            region: &own,
            units: &[]
        }));
        assert!(!office.can_see(&Scope {
            region: &neighbour,
            units: &[]
        }));
    }

    #[test]
    fn a_reporter_sees_only_its_units_objects_even_in_its_region() {
        let reporter = actor(Role::Reporter, "4313", Some(7));
        let r = code("4313");
        assert!(reporter.can_see(&Scope {
            region: &r,
            units: &[3, 7]
        }));
        assert!(!reporter.can_see(&Scope {
            region: &r,
            units: &[3]
        }));
        assert!(!reporter.can_see(&Scope {
            region: &r,
            units: &[]
        }));
    }

    #[test]
    fn a_viewer_reads_but_never_reviews_or_reports() {
        let viewer = actor(Role::Viewer, "43", None);
        let r = code("4313");
        let s = Scope {
            region: &r,
            units: &[1],
        };
        assert!(viewer.may(Action::Read, &s));
        assert!(!viewer.may(Action::Review, &s));
        assert!(!viewer.may(Action::Report, &s));
        assert!(!viewer.may(Action::Administer, &s));
    }

    #[test]
    fn a_reviewer_reviews_but_does_not_administer() {
        let reviewer = actor(Role::Reviewer, "4313", None);
        let r = code("431302");
        let s = Scope {
            region: &r,
            units: &[],
        };
        assert!(reviewer.may(Action::Review, &s));
        assert!(!reviewer.may(Action::Administer, &s));
    }

    fn any_code() -> impl Strategy<Value = RegionCode> {
        // Codes from a small alphabet so that prefixes collide often.
        (1usize..=5, proptest::collection::vec(0u8..3, 12)).prop_map(|(depth, digits)| {
            let len = [2, 4, 6, 9, 12][depth - 1];
            let s: String = digits[..len].iter().map(|d| char::from(b'1' + d)).collect();
            RegionCode::parse(&s).unwrap()
        })
    }

    proptest! {
        #[test]
        fn visible_exactly_when_in_scope(
            role in prop::sample::select(Role::ALL.to_vec()),
            home in any_code(),
            unit in prop::option::of(0i64..4),
            obj_region in any_code(),
            obj_units in proptest::collection::vec(0i64..4, 0..3),
        ) {
            let a = Actor { user_id: 1, username: "u".into(), role, region: home.clone(), unit_id: unit };
            let visible = a.can_see(&Scope { region: &obj_region, units: &obj_units });
            let in_scope = match role {
                Role::Reporter => unit.is_some_and(|u| obj_units.contains(&u)),
                _ => obj_region.as_str().starts_with(home.as_str()),
            };
            prop_assert_eq!(visible, in_scope);
        }
    }
}
