//! The shipped default scheme on the five counties of 娄底, with inputs worked out by hand.
#![expect(clippy::unwrap_used, reason = "test fixtures")]

use kesu_core::Comparator;
use kesu_indicators::assess::{ShareYears, below_target_or_fell};
use kesu_indicators::{Assessed, ItemInput, Scheme, assess};

/// (code, name, fixed items not done, task attainment, late reports, share, share last year)
type County = (
    &'static str,
    &'static str,
    &'static [&'static str],
    f64,
    f64,
    f64,
    f64,
);

const COUNTIES: [County; 5] = [
    ("431302", "娄星区", &[], 0.9, 1.0, 16.0, 14.8),
    ("431321", "双峰县", &["ledger"], 0.8, 0.0, 13.5, 12.7),
    ("431322", "新化县", &[], 0.7, 2.0, 12.0, 12.3),
    ("431381", "冷水江市", &["funding"], 1.0, 0.0, 15.0, 14.2),
    ("431382", "涟源市", &[], 0.85, 3.0, 13.5, 12.0),
];

const FIXED: [&str; 6] = [
    "org_leadership",
    "org_study",
    "coordination",
    "funding",
    "publicity",
    "ledger",
];

fn inputs() -> Vec<Assessed> {
    COUNTIES
        .iter()
        .map(|(code, name, not_done, tasks, late, share, last)| {
            let mut items = std::collections::BTreeMap::new();
            for f in FIXED {
                items.insert(
                    f.to_string(),
                    ItemInput {
                        done: Some(!not_done.contains(&f)),
                        ..ItemInput::default()
                    },
                );
            }
            items.insert(
                "task_attainment".into(),
                ItemInput {
                    attainment: Some(*tasks),
                    ..ItemInput::default()
                },
            );
            items.insert(
                "reporting".into(),
                ItemInput {
                    shortfall: Some(*late),
                    ..ItemInput::default()
                },
            );
            // Progress against "超过15%": share / 15.
            items.insert(
                "literacy_share".into(),
                ItemInput {
                    attainment: Some(share / 15.0),
                    ..ItemInput::default()
                },
            );
            // The rise in percentage points, to one decimal as published.
            items.insert(
                "literacy_rise".into(),
                ItemInput {
                    value: Some(((share - last) * 10.0).round() / 10.0),
                    ..ItemInput::default()
                },
            );
            Assessed {
                id: (*code).into(),
                name: (*name).into(),
                items,
            }
        })
        .collect()
}

fn ranking(s: &Scheme) -> Vec<(String, f64, u32)> {
    assess(s, &inputs())
        .unwrap()
        .results
        .into_iter()
        .map(|r| (r.name, r.total, r.rank))
        .collect()
}

// Fixed items are worth 6 + 4 + 5 + 10 + 5 + 5 = 35. Rises: 涟源 1.5 (1st, 10), 娄星 1.2 (2nd, 8),
// 双峰 and 冷水江 0.8 (both 3rd, 8), 新化 −0.3 (5th, 6).
//   娄星   35 + 30×0.9 = 27  + (10 − 2×1) = 8  + 15 (16/15 capped)   + 8  = 93
//   双峰   30 + 24           + 10               + 15×0.9 = 13.5      + 8  = 85.5
//   新化   35 + 21           + 6                + 15×0.8 = 12        + 6  = 80
//   冷水江 25 + 30           + 10               + 15                 + 8  = 88
//   涟源   35 + 25.5         + 4                + 13.5               + 10 = 88
#[test]
fn the_default_scheme_ranks_the_five_counties_of_loudi_with_a_tie() {
    let s = Scheme::default_scheme().unwrap();
    assert_eq!(
        ranking(&s),
        [
            ("娄星区".to_string(), 93.0, 1),
            ("冷水江市".to_string(), 88.0, 2),
            ("涟源市".to_string(), 88.0, 2),
            ("双峰县".to_string(), 85.5, 4),
            ("新化县".to_string(), 80.0, 5),
        ]
    );
}

#[test]
fn doubling_the_funding_weight_drops_the_county_that_did_not_fund() {
    // Funding ×2: everyone but 冷水江 gains 10 points; 冷水江 stays at 88 and falls to last.
    let mut s = Scheme::default_scheme().unwrap();
    s.items
        .iter_mut()
        .find(|i| i.id == "funding")
        .unwrap()
        .weight = 2.0;
    assert_eq!(
        ranking(&s),
        [
            ("娄星区".to_string(), 103.0, 1),
            ("涟源市".to_string(), 98.0, 2),
            ("双峰县".to_string(), 95.5, 3),
            ("新化县".to_string(), 90.0, 4),
            ("冷水江市".to_string(), 88.0, 5),
        ]
    );
}

#[test]
fn the_top_two_for_commendation_include_the_tie() {
    let a = assess(&Scheme::default_scheme().unwrap(), &inputs()).unwrap();
    let names: Vec<&str> = a
        .commendation_candidates(Some(2), None)
        .into_iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(names, ["娄星区", "冷水江市", "涟源市"]);
}

#[test]
fn counties_below_15_percent_or_falling() {
    let shares: Vec<ShareYears> = COUNTIES
        .iter()
        .map(|(code, name, _, _, _, now, last)| ShareYears {
            id: (*code).into(),
            name: (*name).into(),
            this_year: Some(*now),
            last_year: Some(*last),
        })
        .collect();
    // "超过15%": 冷水江's 15.0 is not over it. 新化 also fell (12.3 → 12.0).
    let c = below_target_or_fell(&shares, Comparator::Gt, 15.0);
    let got: Vec<(&str, bool, bool)> = c
        .iter()
        .map(|x| (x.name.as_str(), x.below_target, x.fell))
        .collect();
    assert_eq!(
        got,
        [
            ("新化县", true, true),
            ("双峰县", true, false),
            ("涟源市", true, false),
            ("冷水江市", true, false),
        ]
    );
}
