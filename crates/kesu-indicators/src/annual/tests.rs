#![allow(clippy::unwrap_used, reason = "fixed test values")]

use super::*;
use crate::assess::ItemInput;
use std::collections::BTreeSet;

fn fig(target_id: i64, status: Status, progress: Option<f64>) -> Figure {
    Figure {
        target_id,
        task_id: Some(target_id * 10),
        status,
        progress,
    }
}

fn evaluated(rows: Vec<Figure>) -> Evaluated<Figure> {
    Evaluated {
        counts: StatusCounts::of(rows.iter().map(|r| r.status)),
        // Deliberately not the mean of the rows: the internal report keeps what it was given.
        mean_progress: Some(0.5),
        rows,
    }
}

fn public(targets: &[i64], ranking: bool) -> Audience {
    Audience::Public {
        targets: targets.iter().copied().collect(),
        ranking,
    }
}

fn id(f: &Figure) -> Figure {
    *f
}

#[test]
fn the_internal_report_keeps_a_plans_evaluation_as_it_is() {
    let e = evaluated(vec![
        fig(1, Status::Met, Some(1.0)),
        fig(2, Status::Behind, Some(0.2)),
    ]);
    let kept = e.clone().restrict(&Audience::Internal, id);
    assert_eq!(kept.rows, e.rows);
    assert_eq!(kept.mean_progress, Some(0.5));
}

#[test]
fn a_public_report_keeps_only_the_chosen_indicators_and_counts_them_alone() {
    let e = evaluated(vec![
        fig(1, Status::Met, Some(1.0)),
        fig(2, Status::Behind, Some(0.2)),
        fig(3, Status::OnTrack, Some(0.6)),
    ]);
    let kept = e.restrict(&public(&[1, 3], false), id);
    assert_eq!(
        kept.rows.iter().map(|r| r.target_id).collect::<Vec<_>>(),
        [1, 3]
    );
    assert_eq!(
        kept.counts,
        StatusCounts {
            met: 1,
            on_track: 1,
            behind: 0,
            no_data: 0
        }
    );
    assert_eq!(kept.mean_progress, Some(0.8));
}

#[test]
fn a_chosen_indicator_without_data_counts_as_zero_in_the_mean() {
    let e = evaluated(vec![
        fig(1, Status::Met, Some(1.0)),
        fig(2, Status::NoData, None),
    ]);
    assert_eq!(
        e.restrict(&public(&[1, 2], false), id).mean_progress,
        Some(0.5)
    );
}

#[test]
fn a_plan_without_a_chosen_indicator_is_left_out_of_a_public_report() {
    let e = evaluated(vec![fig(1, Status::Met, Some(1.0))]);
    let audience = public(&[9], false);
    let kept = e.restrict(&audience, id);
    assert!(PlanSection::of(1, "4313", "方案", kept, &audience).is_none());
}

#[test]
fn the_internal_report_lists_a_main_plan_even_without_indicators() {
    let e = evaluated(Vec::new());
    assert!(PlanSection::of(1, "4313", "方案", e, &Audience::Internal).is_some());
}

#[test]
fn a_plan_concerns_the_regions_above_and_below_its_own_but_not_its_siblings() {
    let p = PlanSection::of(
        1,
        "4313",
        "方案",
        evaluated(Vec::new()),
        &Audience::Internal,
    )
    .unwrap();
    assert!(p.concerns("431302"));
    assert!(p.concerns("43"));
    assert!(!p.concerns("4312"));
}

#[test]
fn a_childs_mean_progress_averages_only_the_plans_that_have_one() {
    let c = ChildLine::of(
        "431302".into(),
        "娄星区".into(),
        [
            (StatusCounts::of([Status::Met]), Some(0.9)),
            (StatusCounts::of([Status::NoData]), None),
            (StatusCounts::of([Status::Behind]), Some(0.3)),
        ],
        None,
    );
    assert!((c.mean_progress.unwrap() - 0.6).abs() < 1e-12);
    assert_eq!(
        c.counts,
        StatusCounts {
            met: 1,
            on_track: 0,
            behind: 1,
            no_data: 1
        }
    );
}

#[test]
fn every_key_group_is_listed_and_one_without_indicators_has_no_mean() {
    let g = group_means([(KeyGroup::Farmers, Some(0.8)), (KeyGroup::Farmers, None)]);
    assert_eq!(g.len(), KeyGroup::ALL.len());
    assert_eq!(g[0].group, KeyGroup::Youth);
    assert_eq!((g[0].mean_progress, g[0].indicators), (None, 0));
    assert_eq!((g[1].mean_progress, g[1].indicators), (Some(0.4), 2));
}

fn late(round_id: i64, late: bool, returned_now: bool, returned: i64) -> LateLine {
    let due = Date::from_calendar_date(2025, time::Month::April, 15).unwrap();
    LateLine {
        report_id: 1,
        round_id,
        unit: "县科协".into(),
        region: "娄星区".into(),
        task: "二.(一).1 科普进校园".into(),
        period: "2025年第一季度".into(),
        due,
        submitted: None,
        late,
        returned_now,
        returned,
    }
}

#[test]
fn late_and_returned_reports_are_counted_by_round_newest_first() {
    let titles: BTreeMap<i64, String> = [(3, "一季度".into()), (7, "二季度".into())].into();
    let rounds = round_discipline(
        &[
            late(3, true, false, 0),
            late(7, true, true, 2),
            late(7, false, false, 1),
        ],
        &titles,
    );
    assert_eq!(
        rounds,
        [
            RoundDiscipline {
                round_id: 7,
                title: "二季度".into(),
                late: 1,
                returned_now: 1,
                ever_returned: 2
            },
            RoundDiscipline {
                round_id: 3,
                title: "一季度".into(),
                late: 1,
                returned_now: 0,
                ever_returned: 0
            }
        ]
    );
}

#[test]
fn an_item_no_body_has_any_input_for_is_listed_as_unscored() {
    let scheme = Scheme::default_scheme().unwrap();
    let first = scheme.items[0].id.clone();
    let given = Assessed {
        id: "431302".into(),
        name: "娄星区".into(),
        items: [(
            first,
            ItemInput {
                done: Some(true),
                ..ItemInput::default()
            },
        )]
        .into(),
    };
    let missing = unscored_items(&scheme, &[given]);
    assert!(!missing.contains(&scheme.items[0].name));
    assert_eq!(missing.len(), scheme.items.len() - 1);
}

#[test]
fn a_public_report_lists_no_late_reports_and_no_child_shares() {
    let a = public(&[1], true);
    assert!(!a.lists_late());
    assert!(!a.shows_child_shares());
    assert!(Audience::Internal.lists_late());
}

#[test]
fn a_public_report_ranks_only_when_the_ranking_was_chosen() {
    assert!(!public(&[1], false).ranks());
    assert!(public(&[1], true).ranks());
    assert!(Audience::Internal.ranks());
}

fn set(ids: &[i64]) -> BTreeSet<i64> {
    ids.iter().copied().collect()
}

#[test]
fn a_plan_publishes_only_its_ticked_indicators() {
    assert_eq!(chosen_targets(&[1, 2, 3], &set(&[2, 9]), false), vec![2]);
}

#[test]
fn a_plan_of_a_plans_only_form_publishes_all_its_indicators() {
    assert_eq!(chosen_targets(&[1, 2], &set(&[]), false), vec![1, 2]);
}

#[test]
fn a_plan_with_none_ticked_on_a_listing_form_publishes_none() {
    assert!(chosen_targets(&[1, 2], &set(&[9]), true).is_empty());
}

#[test]
fn a_public_plan_carries_its_sections_counts_and_mean() {
    let e = evaluated(vec![
        fig(1, Status::Met, Some(1.0)),
        fig(2, Status::Behind, Some(0.2)),
    ]);
    let p = PlanSection::of(1, "4313", "方案", e, &Audience::Internal).unwrap();
    let plan = PublicPlan::of(&p, |f| PublicIndicator {
        task_path: f.target_id.to_string(),
        indicator: String::new(),
        target: String::new(),
        actual: String::new(),
        progress: f.progress,
        status: String::new(),
        light: f.status.light(),
    });
    assert_eq!((plan.met, plan.behind, plan.mean), (1, 1, Some(0.5)));
    assert_eq!(plan.counts(), p.counts);
    assert_eq!(plan.indicators.len(), 2);
}
