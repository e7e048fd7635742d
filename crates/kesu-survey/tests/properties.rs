//! Properties every estimate must have, on random small surveys:
//! - the order of the rows does not matter;
//! - splitting a respondent's row into two rows of the same PSU with the weight shared between
//!   them changes neither the estimate nor its standard error;
//! - with equal weights and one PSU per respondent, the SE is the textbook with-replacement
//!   formula √(p̂(1−p̂)/(n−1)).
#![expect(
    clippy::unwrap_used,
    reason = "generated surveys are valid by construction; a failure is a bug"
)]

use kesu_survey::{
    Calibration, Design, DesignSpec, DomainEstimate, Factor, LonelyPsu, Margin, RakeControl,
    RakeVariance, Survey, Weighting,
};
use proptest::prelude::*;

/// One respondent: stratum, PSU within stratum, weight, literate, domain, cell a, cell b.
type Row = (u8, u8, f64, u8, u8, u8, u8);

/// Strata of 2–4 PSUs, 1–5 respondents each; every stratum holds all four cells of a×b, so
/// post-stratification and raking to margins on a and b always have a solution.
fn survey_rows() -> impl Strategy<Value = Vec<Row>> {
    let respondent = (1.0f64..100.0, 0u8..2, 0u8..3, 0u8..2, 0u8..2);
    let psu = proptest::collection::vec(respondent, 1..6);
    let stratum = proptest::collection::vec(psu, 2..5);
    proptest::collection::vec(stratum, 1..4).prop_map(|strata| {
        let mut rows = Vec::new();
        for (h, psus) in strata.iter().enumerate() {
            for (j, people) in psus.iter().enumerate() {
                for &(w, y, dom, a, b) in people {
                    rows.push((h as u8, j as u8, w, y, dom, a, b));
                }
            }
            // Guarantee every cell of a×b in each stratum (first PSU).
            for (a, b) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                rows.push((h as u8, 0, 10.0, a, 0, a, b));
            }
        }
        rows
    })
}

struct Built {
    strata: Factor,
    psu: Factor,
    domain: Factor,
    a: Factor,
    b: Factor,
    weights: Vec<f64>,
    y: Vec<u8>,
}

fn build(rows: &[Row]) -> Built {
    let s = |f: &dyn Fn(&Row) -> String| rows.iter().map(f).collect::<Vec<_>>();
    Built {
        strata: Factor::from_values("stratum", &s(&|r| format!("h{}", r.0))),
        psu: Factor::from_values("psu", &s(&|r| format!("p{}", r.1))),
        domain: Factor::from_values("domain", &s(&|r| format!("d{}", r.4))).ordered_like(&[
            "d0".into(),
            "d1".into(),
            "d2".into(),
        ]),
        a: Factor::from_values("a", &s(&|r| format!("a{}", r.5))),
        b: Factor::from_values("b", &s(&|r| format!("b{}", r.6))),
        weights: rows.iter().map(|r| r.2).collect(),
        y: rows.iter().map(|r| r.3).collect(),
    }
}

fn margins() -> (Margin, Margin) {
    (
        Margin {
            name: "a".into(),
            levels: vec!["a0".into(), "a1".into()],
            totals: vec![3000.0, 2000.0],
        },
        Margin {
            name: "b".into(),
            levels: vec!["b0".into(), "b1".into()],
            totals: vec![1500.0, 3500.0],
        },
    )
}

#[derive(Clone, Copy, Debug)]
enum Scheme {
    Design,
    PostStratify,
    RakeGreg,
    RakeR,
}

/// Overall and by domain under a weighting scheme.
fn estimates(b: &Built, scheme: Scheme) -> Vec<DomainEstimate> {
    let design = Design::new(DesignSpec {
        strata: Some(&b.strata),
        psu: Some(&b.psu),
        weights: b.weights.clone(),
        weight_column: "weight",
        fpc_column: "fpc",
        fpc: None,
        lonely_psu: LonelyPsu::Adjust,
    })
    .unwrap();
    let (ma, mb) = margins();
    let rake = |variance| Weighting::Rake {
        margins: vec![
            Calibration {
                factor: &b.a,
                margin: &ma,
            },
            Calibration {
                factor: &b.b,
                margin: &mb,
            },
        ],
        variance,
        control: RakeControl::default(),
    };
    let weighting = match scheme {
        Scheme::Design => Weighting::Design,
        Scheme::PostStratify => Weighting::PostStratify(Calibration {
            factor: &b.a,
            margin: &ma,
        }),
        Scheme::RakeGreg => rake(RakeVariance::Greg),
        Scheme::RakeR => rake(RakeVariance::RRake),
    };
    let s = Survey::new(design, b.y.clone(), &weighting).unwrap();
    let mut out = vec![s.overall().unwrap()];
    out.extend(s.by(&b.domain).unwrap());
    out
}

/// Equal to 1e-9 relative; an absolute 1e-14 absorbs rounding noise around a true zero (the SE
/// of a domain whose respondents are all literate).
fn near(x: f64, y: f64) -> bool {
    (x - y).abs() <= 1e-9 * x.abs().max(y.abs()) + 1e-14
}

fn assert_same(a: &[DomainEstimate], b: &[DomainEstimate], counts_too: bool) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_eq!((&x.by, &x.level), (&y.by, &y.level));
        assert!(near(x.est, y.est), "est {} vs {}", x.est, y.est);
        assert!(
            near(x.se, y.se),
            "{} {}: se {} vs {}",
            x.by,
            x.level,
            x.se,
            y.se
        );
        assert!(near(x.wsum, y.wsum), "wsum {} vs {}", x.wsum, y.wsum);
        assert_eq!(x.df, y.df);
        if counts_too {
            assert_eq!(x.n, y.n);
            match (x.deff, y.deff) {
                (Some(p), Some(q)) => assert!(near(p, q), "deff {p} vs {q}"),
                (p, q) => assert_eq!(p, q),
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn row_order_does_not_change_any_estimate(rows in survey_rows(), seed in any::<u64>()) {
        let mut shuffled = rows.clone();
        // A deterministic shuffle from the seed (Fisher–Yates with an LCG).
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (x >> 33) as usize % (i + 1));
        }
        for scheme in [Scheme::Design, Scheme::PostStratify, Scheme::RakeGreg, Scheme::RakeR] {
            let a = estimates(&build(&rows), scheme);
            let b = estimates(&build(&shuffled), scheme);
            assert_same(&a, &b, true);
        }
    }

    #[test]
    fn splitting_a_respondent_within_its_psu_changes_neither_estimate_nor_se(
        rows in survey_rows(), pick in any::<prop::sample::Index>(), share in 0.1f64..0.9
    ) {
        let i = pick.index(rows.len());
        let mut split = rows.clone();
        let r = split[i];
        split[i].2 = r.2 * share;
        split.push((r.0, r.1, r.2 * (1.0 - share), r.3, r.4, r.5, r.6));
        // The R `rake` variance back-fits unweighted cell means, so it depends on row counts:
        // only the weighted estimators are invariant.
        for scheme in [Scheme::Design, Scheme::PostStratify, Scheme::RakeGreg] {
            let a = estimates(&build(&rows), scheme);
            let b = estimates(&build(&split), scheme);
            assert_same(&a, &b, false);
        }
    }

    #[test]
    fn equal_weights_and_one_psu_each_give_the_textbook_se(
        ys in proptest::collection::vec(0u8..2, 3..200), w in 1.0f64..1000.0
    ) {
        let n = ys.len();
        let design = Design::new(DesignSpec {
            strata: None,
            psu: None,
            weights: vec![w; n],
            weight_column: "weight",
            fpc_column: "fpc",
            fpc: None,
            lonely_psu: LonelyPsu::Fail,
        })
        .unwrap();
        let s = Survey::new(design, ys.clone(), &Weighting::Design).unwrap();
        let e = s.overall().unwrap();
        let p = ys.iter().map(|&y| f64::from(y)).sum::<f64>() / n as f64;
        let textbook = (p * (1.0 - p) / (n as f64 - 1.0)).sqrt();
        prop_assert!(near(e.est, p));
        prop_assert!((e.se - textbook).abs() <= 1e-12 + 1e-9 * textbook, "{} vs {}", e.se, textbook);
        prop_assert_eq!(e.df, n as i64 - 1);
        // Against SRS without replacement of n from N = n·w the design effect is N/(N − n).
        if p > 0.0 && p < 1.0 && w > 1.0 {
            let big_n = w * n as f64;
            prop_assert!(near(e.deff.unwrap(), big_n / (big_n - n as f64)));
        }
    }
}

/// One fused pass (two threads above 200,000 rows) gives what separate calls give.
#[test]
fn estimate_many_agrees_with_overall_and_by() {
    use kesu_survey::synth::{SynthSpec, margins, respondents};
    for rows in [20_000, 250_000] {
        let t = respondents(SynthSpec::new(rows, 11));
        let m = margins();
        let cells = Factor::cross(&[
            t.factor("region").unwrap(),
            t.factor("urban").unwrap(),
            t.factor("sex").unwrap(),
        ])
        .unwrap();
        let margin = m.iter().find(|x| x.name == "region+urban+sex").unwrap();
        for weighting in [
            Weighting::Design,
            Weighting::PostStratify(Calibration {
                factor: &cells,
                margin,
            }),
        ] {
            let design = Design::new(DesignSpec {
                strata: Some(t.factor("stratum").unwrap()),
                psu: Some(t.factor("psu").unwrap()),
                weights: t.number("weight").unwrap().to_vec(),
                weight_column: "weight",
                fpc_column: "fpc",
                fpc: None,
                lonely_psu: LonelyPsu::Fail,
            })
            .unwrap();
            let y = kesu_survey::flags("literate", t.number("literate").unwrap()).unwrap();
            let s = Survey::new(design, y, &weighting).unwrap();
            let (region, group) = (t.factor("region").unwrap(), t.factor("group").unwrap());
            let mut separate = vec![s.overall().unwrap()];
            separate.extend(s.by(region).unwrap());
            separate.extend(s.by(group).unwrap());
            let fused = s.estimate_many(&[region, group]).unwrap();
            assert_same(&separate, &fused, true);
        }
    }
}
