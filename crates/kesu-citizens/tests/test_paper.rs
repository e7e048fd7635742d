//! Drawing a paper by the blueprint and scoring it by the national rule.

#![allow(clippy::unwrap_used, reason = "test helpers build fixtures")]

use kesu_citizens::bank::{Dimension, Question, QuestionKind};
use kesu_citizens::blueprint::{Blueprint, Part, draw};
use kesu_citizens::scoring::score;
use std::collections::HashMap;

fn bank() -> Vec<(i64, Question)> {
    let mut v = Vec::new();
    let mut id = 0;
    for d in Dimension::ALL {
        for k in 0..12 {
            id += 1;
            let (kind, options, answer) = match k % 3 {
                0 => (QuestionKind::Single, vec!["a", "b", "c", "d"], vec![2]),
                1 => (
                    QuestionKind::Multiple,
                    vec!["a", "b", "c", "d", "e"],
                    vec![0, 3],
                ),
                _ => (QuestionKind::TrueFalse, vec!["正确", "错误"], vec![1]),
            };
            v.push((
                id,
                Question {
                    number: id.to_string(),
                    stem: format!("题 {id}"),
                    options: options.into_iter().map(String::from).collect(),
                    answer,
                    kind,
                    benchmark: (k % 4 + 1) as u8,
                    dimension: d,
                    difficulty: 3,
                },
            ));
        }
    }
    v
}

fn answers(
    paper: &kesu_citizens::blueprint::Paper,
    questions: &HashMap<i64, Question>,
    right: bool,
) -> Vec<Vec<u8>> {
    paper
        .items
        .iter()
        .map(|item| {
            let q = &questions[&item.question_id];
            let shown =
                |bank_option: u8| item.order.iter().position(|o| *o == bank_option).unwrap() as u8;
            if right {
                q.answer.iter().map(|a| shown(*a)).collect()
            } else {
                let wrong = (0..q.options.len() as u8)
                    .find(|o| !q.answer.contains(o))
                    .unwrap();
                vec![shown(wrong)]
            }
        })
        .collect()
}

#[test]
fn the_same_seed_draws_the_same_paper_and_another_seed_another() {
    let b = bank();
    let bp = Blueprint::standard();
    assert_eq!(draw(&b, &bp, 7).unwrap(), draw(&b, &bp, 7).unwrap());
    assert_ne!(draw(&b, &bp, 7).unwrap(), draw(&b, &bp, 8).unwrap());
}

#[test]
fn a_paper_follows_the_blueprint_without_repeating_an_item() {
    let b = bank();
    let mut bp = Blueprint::standard();
    bp.parts.push(Part {
        dimension: Dimension::Method,
        benchmark: Some(2),
        count: 3,
    });
    let paper = draw(&b, &bp, 42).unwrap();
    let q: HashMap<_, _> = b.iter().cloned().collect();
    let mut ids: Vec<_> = paper.items.iter().map(|i| i.question_id).collect();
    assert_eq!(ids.len(), 23);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 23, "no item twice");
    let method_b2 = paper
        .items
        .iter()
        .filter(|i| {
            q[&i.question_id].dimension == Dimension::Method && q[&i.question_id].benchmark == 2
        })
        .count();
    assert!(method_b2 >= 3);
    let knowledge = paper
        .items
        .iter()
        .filter(|i| q[&i.question_id].dimension == Dimension::Knowledge)
        .count();
    assert_eq!(knowledge, 8);
}

#[test]
fn a_blueprint_the_bank_cannot_fill_says_which_part() {
    let mut bp = Blueprint::standard();
    bp.parts[0].count = 13;
    let err = bp.check(&bank()).unwrap_err();
    assert!(err.to_string().contains("知识"), "{err}");
}

#[test]
fn weights_that_do_not_add_up_to_100_are_refused() {
    let mut bp = Blueprint::standard();
    bp.weights.0.insert(Dimension::Knowledge, 50.0);
    assert!(bp.check(&bank()).is_err());
}

#[test]
fn all_right_scores_100_and_passes_all_wrong_scores_0() {
    let b = bank();
    let q: HashMap<_, _> = b.iter().cloned().collect();
    let bp = Blueprint::standard();
    let paper = draw(&b, &bp, 3).unwrap();
    let s = score(&paper, &q, &answers(&paper, &q, true), &bp);
    assert_eq!(s.total, 100.0);
    assert!(s.passed);
    let s = score(&paper, &q, &answers(&paper, &q, false), &bp);
    assert_eq!(s.total, 0.0);
    assert!(!s.passed);
}

#[test]
fn each_dimension_is_worth_its_weight_shared_by_its_items() {
    let b = bank();
    let q: HashMap<_, _> = b.iter().cloned().collect();
    let bp = Blueprint::standard();
    let paper = draw(&b, &bp, 3).unwrap();
    let mut a = answers(&paper, &q, true);
    // Spoil every 知识 item: 40 of 100 points are lost, 60 is not above 70.
    for (i, item) in paper.items.iter().enumerate() {
        if q[&item.question_id].dimension == Dimension::Knowledge {
            a[i].clear();
        }
    }
    let s = score(&paper, &q, &a, &bp);
    assert_eq!(s.total, 60.0);
    assert!(!s.passed);
    assert_eq!(s.by_dimension[&Dimension::Method].points, 20.0);
}

#[test]
fn exactly_the_pass_mark_does_not_pass() {
    let b = bank();
    let q: HashMap<_, _> = b.iter().cloned().collect();
    let bp = Blueprint {
        parts: vec![
            Part {
                dimension: Dimension::Knowledge,
                benchmark: None,
                count: 10,
            },
            Part {
                dimension: Dimension::Method,
                benchmark: None,
                count: 1,
            },
            Part {
                dimension: Dimension::Spirit,
                benchmark: None,
                count: 1,
            },
            Part {
                dimension: Dimension::Application,
                benchmark: None,
                count: 1,
            },
        ],
        ..Blueprint::standard()
    };
    let paper = draw(&b, &bp, 1).unwrap();
    let mut a = answers(&paper, &q, true);
    // Two of ten 知识 items wrong: 40 − 2 × 4 = 32, total 92.
    let mut spoiled = 0;
    for (i, item) in paper.items.iter().enumerate() {
        if q[&item.question_id].dimension == Dimension::Knowledge && spoiled < 2 {
            a[i].clear();
            spoiled += 1;
        }
    }
    let s = score(&paper, &q, &a, &bp);
    assert_eq!(s.total, 92.0);
    let mut bp70 = bp.clone();
    bp70.pass_mark = 92.0;
    assert!(
        !score(&paper, &q, &a, &bp70).passed,
        "a score equal to the mark is not above it"
    );
}

#[test]
fn a_multiple_choice_item_with_one_option_missing_scores_nothing() {
    let b = bank();
    let q: HashMap<_, _> = b.iter().cloned().collect();
    let bp = Blueprint::standard();
    let paper = draw(&b, &bp, 9).unwrap();
    let mut a = answers(&paper, &q, true);
    let i = paper
        .items
        .iter()
        .position(|it| q[&it.question_id].kind == QuestionKind::Multiple)
        .unwrap();
    a[i].truncate(1);
    let s = score(&paper, &q, &a, &bp);
    assert!(!s.correct[i]);
    assert!(s.total < 100.0);
}
