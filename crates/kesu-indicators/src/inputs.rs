//! The inputs of an assessment (考核) for one assessed body: what Kesu computes from the data,
//! what the office entered on the assessment pages, and what a file given to `kesu assess
//! --inputs` says, merged field by field with a fixed precedence (computed < entered < file).
//!
//! The facts themselves (mean task progress, late and returned reports, survey shares) are read
//! by the store; this module decides which scheme item each fact feeds and how.

use crate::IndicatorError;
use crate::assess::{ItemInput, ItemSource, Scheme};
use crate::literacy;
use crate::progress::attainment;
use kesu_core::Target;
use std::collections::BTreeMap;

/// Inputs by assessed id, then by item id.
pub type InputsById = BTreeMap<String, BTreeMap<String, ItemInput>>;

/// What Kesu knows about one assessed body for one year.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// Mean capped progress of each plan the body has tasks in (任务落实).
    pub plan_progress: Vec<f64>,
    /// Reports late or returned in the year (报送纪律).
    pub late_or_returned: usize,
    /// The body's literacy share this year and last year, in percent, when surveyed.
    pub share_now: Option<f64>,
    pub share_before: Option<f64>,
}

/// The computed inputs of the scheme's items whose source is a fact Kesu knows
/// ([`ItemSource::Indicator`] keys `plan.task_attainment`, `reports.late_or_returned`,
/// `goal.literacy_share`, `goal.literacy_share_change`); other items get nothing here.
/// `goal` is the plan's literacy-share target, when it has one.
pub fn computed(
    scheme: &Scheme,
    facts: &Facts,
    goal: Option<&Target>,
) -> BTreeMap<String, ItemInput> {
    let mut items: BTreeMap<String, ItemInput> = BTreeMap::new();
    for item in &scheme.items {
        let ItemSource::Indicator(key) = &item.source else {
            continue;
        };
        let input = || ItemInput::default();
        match key.as_str() {
            "plan.task_attainment" if !facts.plan_progress.is_empty() => {
                let p = &facts.plan_progress;
                let m = p.iter().sum::<f64>() / p.len() as f64;
                items
                    .entry(item.id.clone())
                    .or_insert_with(input)
                    .attainment = Some(m);
            }
            "reports.late_or_returned" => {
                items.entry(item.id.clone()).or_insert_with(input).shortfall =
                    Some(facts.late_or_returned as f64);
            }
            "goal.literacy_share" => {
                if let (Some(v), Some(g)) = (facts.share_now, goal) {
                    let a = attainment(g.comparator, &g.value, v).uncapped;
                    items
                        .entry(item.id.clone())
                        .or_insert_with(input)
                        .attainment = Some(a);
                }
            }
            "goal.literacy_share_change" => {
                if let (Some(now), Some(before)) = (facts.share_now, facts.share_before) {
                    items.entry(item.id.clone()).or_insert_with(input).value =
                        Some(literacy::rise(now, before));
                }
            }
            _ => {}
        }
    }
    items
}

/// Give `extra` precedence over what `into` holds, field by field: a field `extra` leaves
/// empty keeps its earlier value.
pub fn overlay(into: &mut ItemInput, extra: &ItemInput) {
    macro_rules! take {
        ($($f:ident),*) => { $( if extra.$f.is_some() { into.$f = extra.$f.clone(); } )* };
    }
    take!(
        attainment,
        done,
        shortfall,
        value,
        self_score,
        self_reason,
        reviewer_score,
        reviewer_reason
    );
}

/// One body's inputs: the computed ones, then those entered on the assessment pages (items no
/// longer in the scheme left out), then those of a file, each overriding the one before field
/// by field.
pub fn merged(
    scheme: &Scheme,
    computed: BTreeMap<String, ItemInput>,
    entered: Option<&BTreeMap<String, ItemInput>>,
    file: Option<&BTreeMap<String, ItemInput>>,
) -> BTreeMap<String, ItemInput> {
    let mut items = computed;
    for (item, input) in entered.into_iter().flatten() {
        if scheme.items.iter().any(|i| &i.id == item) {
            overlay(items.entry(item.clone()).or_default(), input);
        }
    }
    for (item, input) in file.into_iter().flatten() {
        overlay(items.entry(item.clone()).or_default(), input);
    }
    items
}

/// A file's inputs must name assessed bodies only: the first id that is not one is refused,
/// with the list of valid ids and names.
pub fn check_ids(file: &InputsById, bodies: &[(String, String)]) -> Result<(), IndicatorError> {
    for id in file.keys() {
        if !bodies.iter().any(|(b, _)| b == id) {
            return Err(IndicatorError::UnknownEntity {
                entity: id.clone(),
                expected: bodies
                    .iter()
                    .map(|(b, n)| format!("{b} {n}"))
                    .collect::<Vec<_>>()
                    .join("、"),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kesu_core::{Comparator, TargetValue};

    fn scheme() -> Scheme {
        Scheme::default_scheme().unwrap()
    }

    fn key_item(s: &Scheme, key: &str) -> String {
        s.items
            .iter()
            .find(|i| matches!(&i.source, ItemSource::Indicator(k) if k == key))
            .map(|i| i.id.clone())
            .unwrap()
    }

    fn goal() -> Target {
        Target {
            text: "公民具备科学素质的比例超过15%".into(),
            indicator: "公民具备科学素质的比例".into(),
            comparator: Comparator::Gt,
            value: TargetValue::Number(15.0),
            unit: "%".into(),
            year: Some(2025),
            per: None,
        }
    }

    #[test]
    fn computed_inputs_feed_the_items_of_their_source() {
        let s = scheme();
        let facts = Facts {
            plan_progress: vec![0.5, 1.0],
            late_or_returned: 3,
            share_now: Some(12.0),
            share_before: Some(10.96),
        };
        let items = computed(&s, &facts, Some(&goal()));
        assert_eq!(
            items[&key_item(&s, "plan.task_attainment")].attainment,
            Some(0.75)
        );
        assert_eq!(
            items[&key_item(&s, "reports.late_or_returned")].shortfall,
            Some(3.0)
        );
        assert_eq!(
            items[&key_item(&s, "goal.literacy_share")].attainment,
            Some(0.8)
        );
        assert_eq!(
            items[&key_item(&s, "goal.literacy_share_change")].value,
            Some(1.0),
            "in percentage points, to one decimal"
        );
    }

    #[test]
    fn without_a_survey_the_share_items_get_nothing() {
        let s = scheme();
        let items = computed(&s, &Facts::default(), Some(&goal()));
        assert!(!items.contains_key(&key_item(&s, "goal.literacy_share")));
        assert!(!items.contains_key(&key_item(&s, "plan.task_attainment")));
    }

    #[test]
    fn entered_inputs_override_computed_ones_and_a_file_overrides_both_field_by_field() {
        let s = scheme();
        let item = key_item(&s, "reports.late_or_returned");
        let mut base = BTreeMap::new();
        base.insert(
            item.clone(),
            ItemInput {
                shortfall: Some(2.0),
                ..Default::default()
            },
        );
        let entered = BTreeMap::from([(
            item.clone(),
            ItemInput {
                self_score: Some(4.0),
                reviewer_score: Some(3.0),
                reviewer_reason: Some("迟报一次".into()),
                ..Default::default()
            },
        )]);
        let file = BTreeMap::from([(
            item.clone(),
            ItemInput {
                reviewer_score: Some(5.0),
                ..Default::default()
            },
        )]);
        let m = merged(&s, base, Some(&entered), Some(&file));
        let i = &m[&item];
        assert_eq!(i.shortfall, Some(2.0), "computed, not overridden");
        assert_eq!(i.self_score, Some(4.0), "entered");
        assert_eq!(i.reviewer_score, Some(5.0), "the file wins");
        assert_eq!(i.reviewer_reason.as_deref(), Some("迟报一次"));
    }

    #[test]
    fn entered_inputs_of_items_no_longer_in_the_scheme_are_left_out() {
        let s = scheme();
        let entered = BTreeMap::from([("gone".to_string(), ItemInput::default())]);
        assert!(merged(&s, BTreeMap::new(), Some(&entered), None).is_empty());
    }

    #[test]
    fn a_file_naming_an_unknown_body_is_refused_with_the_valid_ones() {
        let file = InputsById::from([("431399".to_string(), BTreeMap::new())]);
        let bodies = [("431302".to_string(), "娄星区".to_string())];
        let e = check_ids(&file, &bodies).unwrap_err().to_string();
        assert!(e.contains("431399") && e.contains("431302 娄星区"), "{e}");
    }
}
