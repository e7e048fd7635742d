//! Who may do what in an annual assessment (考核): the permission rules of the assessment,
//! next to [`crate::authz`] (roles and scope) and [`crate::visibility`] (reports).
//!
//! A region assesses either its child regions (the counties of a city) or the units assigned to
//! its own plan's tasks (牵头单位/责任单位). The ranking is for the office roles covering the
//! assessing region. A body's forms are for those who can see the body (its region for office
//! roles, its own unit for a reporter), anyone else 404; among them the self-score form is the
//! body's own account's (others 403), and reviewer scores are for reviewers and admins of the
//! assessing region (others 403). The scheme is changed by the assessing region's admin.

use crate::authz::{Action, Actor, Role, Scope};
use crate::region::RegionCode;
use crate::visibility::Denied;

/// What a region assesses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BodyKind {
    /// Its child regions.
    Regions,
    /// The units assigned to its own plan's tasks.
    Units,
}

/// An assessed body, as the rules see it: a child region, or a unit in its region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Body<'a> {
    /// The child region itself, or the unit's region.
    pub region: &'a RegionCode,
    /// The unit, for a unit.
    pub unit: Option<i64>,
}

impl Body<'_> {
    fn scope(&self) -> Scope<'_> {
        Scope {
            region: self.region,
            units: self.unit.as_slice(),
        }
    }
}

fn ok_or(allowed: bool, denied: Denied) -> Result<(), Denied> {
    if allowed { Ok(()) } else { Err(denied) }
}

/// The ranking and the scheme of `assessing` are for the office roles covering it; a reporter,
/// or anyone outside, gets 404.
pub fn may_see(actor: &Actor, assessing: &RegionCode) -> Result<(), Denied> {
    ok_or(
        actor.role != Role::Reporter && actor.covers(assessing),
        Denied::NotFound,
    )
}

/// Whether the actor can see the body at all: office roles covering its region, a reporter of
/// the unit itself. Anyone else gets 404, as for any object out of scope.
pub fn sees(actor: &Actor, body: &Body<'_>) -> Result<(), Denied> {
    ok_or(actor.can_see(&body.scope()), Denied::NotFound)
}

/// The self-score form is the assessed body's own word, so only its own accounts fill it: a
/// county's admin or reviewer of exactly that region; a unit's reporters (who report for it).
/// Those who see the body but are not its own account (the office above it, a viewer, for a
/// unit also an admin covering it): 403. The office does not self-score on a body's behalf, or
/// the comparison of self and reviewer scores would mean nothing.
pub fn may_self_score(actor: &Actor, kind: BodyKind, body: &Body<'_>) -> Result<(), Denied> {
    sees(actor, body)?;
    let own = match kind {
        BodyKind::Regions => {
            matches!(actor.role, Role::Admin | Role::Reviewer) && &actor.region == body.region
        }
        BodyKind::Units => actor.role == Role::Reporter && actor.may(Action::Report, &body.scope()),
    };
    ok_or(own, Denied::Forbidden)
}

/// Reviewer scores are the assessing office's: reviewers and admins of `assessing`. Those who
/// see the body without that right (the county's own office, the unit's reporter, a viewer):
/// 403.
pub fn may_review(actor: &Actor, assessing: &RegionCode, body: &Body<'_>) -> Result<(), Denied> {
    sees(actor, body)?;
    let office = Scope {
        region: assessing,
        units: &[],
    };
    ok_or(actor.may(Action::Review, &office), Denied::Forbidden)
}

/// The scheme of `assessing` is changed by its admin (out of scope 404, another role 403).
pub fn may_edit_scheme(actor: &Actor, assessing: &RegionCode) -> Result<(), Denied> {
    may_see(actor, assessing)?;
    let office = Scope {
        region: assessing,
        units: &[],
    };
    ok_or(actor.may(Action::Administer, &office), Denied::Forbidden)
}

/// Where a unit's dashboard sends an account for an assessment the unit is ranked in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitLink {
    /// The unit's own reporter: its self-score form.
    SelfScore,
    /// An office role covering the assessing region: the units' ranking.
    Ranking,
}

/// The link, if any, an account gets on unit `unit`'s dashboard for the assessment of
/// `assessing`.
pub fn unit_link(actor: &Actor, unit: i64, assessing: &RegionCode) -> Option<UnitLink> {
    if actor.role == Role::Reporter && actor.unit_id == Some(unit) {
        Some(UnitLink::SelfScore)
    } else if actor.role != Role::Reporter && actor.covers(assessing) {
        Some(UnitLink::Ranking)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    const CITY: &str = "4313";
    const COUNTY: &str = "431302";
    const OTHER: &str = "431321";

    #[test]
    fn the_ranking_is_for_office_roles_covering_the_region() {
        let city = code(CITY);
        assert_eq!(may_see(&actor(Role::Viewer, CITY, None), &city), Ok(()));
        assert_eq!(
            may_see(&actor(Role::Admin, COUNTY, None), &city),
            Err(Denied::NotFound)
        );
        assert_eq!(
            may_see(&actor(Role::Reporter, CITY, Some(3)), &city),
            Err(Denied::NotFound)
        );
    }

    #[test]
    fn a_county_self_scores_itself_and_the_city_reviews_it() {
        let (city, county) = (code(CITY), code(COUNTY));
        let body = Body {
            region: &county,
            unit: None,
        };
        let county_admin = actor(Role::Reviewer, COUNTY, None);
        let city_admin = actor(Role::Admin, CITY, None);
        assert_eq!(
            may_self_score(&county_admin, BodyKind::Regions, &body),
            Ok(())
        );
        assert_eq!(
            may_self_score(&city_admin, BodyKind::Regions, &body),
            Err(Denied::Forbidden)
        );
        assert_eq!(may_review(&city_admin, &city, &body), Ok(()));
        assert_eq!(
            may_review(&county_admin, &city, &body),
            Err(Denied::Forbidden)
        );
        let stranger = actor(Role::Admin, OTHER, None);
        assert_eq!(
            may_self_score(&stranger, BodyKind::Regions, &body),
            Err(Denied::NotFound)
        );
        assert_eq!(may_review(&stranger, &city, &body), Err(Denied::NotFound));
    }

    #[test]
    fn a_unit_self_scores_through_its_reporters_only() {
        let county = code(COUNTY);
        let body = Body {
            region: &county,
            unit: Some(7),
        };
        assert_eq!(
            may_self_score(
                &actor(Role::Reporter, COUNTY, Some(7)),
                BodyKind::Units,
                &body
            ),
            Ok(())
        );
        assert_eq!(
            may_self_score(&actor(Role::Admin, COUNTY, None), BodyKind::Units, &body),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            may_self_score(
                &actor(Role::Reporter, COUNTY, Some(8)),
                BodyKind::Units,
                &body
            ),
            Err(Denied::NotFound)
        );
    }

    #[test]
    fn the_scheme_is_the_admins() {
        let city = code(CITY);
        assert_eq!(
            may_edit_scheme(&actor(Role::Admin, CITY, None), &city),
            Ok(())
        );
        assert_eq!(
            may_edit_scheme(&actor(Role::Reviewer, CITY, None), &city),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            may_edit_scheme(&actor(Role::Admin, COUNTY, None), &city),
            Err(Denied::NotFound)
        );
    }

    #[test]
    fn a_units_dashboard_links_its_reporters_to_their_form_and_offices_to_the_ranking() {
        let city = code(CITY);
        assert_eq!(
            unit_link(&actor(Role::Reporter, COUNTY, Some(7)), 7, &city),
            Some(UnitLink::SelfScore)
        );
        assert_eq!(
            unit_link(&actor(Role::Viewer, CITY, None), 7, &city),
            Some(UnitLink::Ranking)
        );
        assert_eq!(unit_link(&actor(Role::Admin, COUNTY, None), 7, &city), None);
        assert_eq!(
            unit_link(&actor(Role::Reporter, COUNTY, Some(8)), 7, &city),
            None
        );
    }
}
