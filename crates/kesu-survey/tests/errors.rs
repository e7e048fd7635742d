//! Bad input gives one clear error naming the column, line, stratum or cell — never a panic and
//! never a silent NaN. Cells that can be estimated but not trusted are flagged instead.

use kesu_survey::input::{Request, read_csv};
use kesu_survey::{
    Calibration, Design, DesignSpec, Difference, Domain, Factor, Flag, LonelyPsu, Margin,
    RakeControl, RakeVariance, Survey, SurveyError, Weighting,
};

fn f(name: &str, v: &[&str]) -> Factor {
    Factor::from_values(name, v)
}

fn spec<'a>(strata: &'a Factor, psu: &'a Factor, w: Vec<f64>) -> DesignSpec<'a> {
    DesignSpec {
        strata: Some(strata),
        psu: Some(psu),
        weights: w,
        weight_column: "weight",
        fpc_column: "fpc",
        fpc: None,
        lonely_psu: LonelyPsu::Fail,
    }
}

/// Two strata of two PSUs, eight respondents.
fn small() -> (Factor, Factor, Vec<f64>, Vec<u8>) {
    (
        f("stratum", &["A", "A", "A", "A", "B", "B", "B", "B"]),
        f("psu", &["1", "1", "2", "2", "3", "3", "4", "4"]),
        vec![10.0, 12.0, 9.0, 11.0, 20.0, 18.0, 25.0, 22.0],
        vec![1, 0, 0, 1, 0, 0, 1, 0],
    )
}

fn margin(name: &str, levels: &[&str], totals: &[f64]) -> Margin {
    Margin {
        name: name.into(),
        levels: levels.iter().map(|s| s.to_string()).collect(),
        totals: totals.to_vec(),
    }
}

#[test]
fn a_missing_column_is_named() {
    let e = read_csv("a,b\n1,2\n".as_bytes(), &[Request::number("weight")]).unwrap_err();
    assert!(matches!(&e, SurveyError::MissingColumn { column, .. } if column == "weight"));
}

#[test]
fn a_non_finite_weight_is_refused_with_its_line() {
    let (s, p, mut w, _) = small();
    w[5] = f64::NAN;
    let e = Design::new(spec(&s, &p, w)).unwrap_err();
    assert!(e.to_string().starts_with("第7行 列weight"), "{e}");
}

#[test]
fn a_cell_in_the_sample_but_not_in_the_margins_is_named_with_its_first_line() {
    let (s, p, w, y) = small();
    let sex = f("sex", &["F", "M", "F", "M", "F", "M", "X", "M"]);
    let m = margin("sex", &["F", "M"], &[50.0, 50.0]);
    let e = Survey::new(
        Design::new(spec(&s, &p, w)).unwrap(),
        y,
        &Weighting::PostStratify(Calibration {
            factor: &sex,
            margin: &m,
        }),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "样本中的单元 sex = X 不在边际表中 (cell in the sample but not in the margins; first at line 8)"
    );
}

#[test]
fn a_margin_cell_without_respondents_is_named() {
    let (s, p, w, y) = small();
    let sex = f("sex", &["F", "M", "F", "M", "F", "M", "F", "M"]);
    let m = margin("sex", &["F", "M", "X"], &[50.0, 50.0, 3.0]);
    let e = Survey::new(
        Design::new(spec(&s, &p, w)).unwrap(),
        y,
        &Weighting::PostStratify(Calibration {
            factor: &sex,
            margin: &m,
        }),
    )
    .unwrap_err();
    assert!(
        matches!(&e, SurveyError::CellNotInSample { cell, population, .. } if cell == "X" && *population == 3.0),
        "{e}"
    );
}

#[test]
fn an_empty_population_cell_is_ignored() {
    let (s, p, w, y) = small();
    let sex = f("sex", &["F", "M", "F", "M", "F", "M", "F", "M"]);
    let m = margin("sex", &["F", "M", "X"], &[50.0, 50.0, 0.0]);
    let s = Survey::new(
        Design::new(spec(&s, &p, w)).unwrap(),
        y,
        &Weighting::PostStratify(Calibration {
            factor: &sex,
            margin: &m,
        }),
    )
    .unwrap();
    assert!((s.overall().unwrap().wsum - 100.0).abs() < 1e-9);
}

#[test]
fn raking_margins_must_count_the_same_population() {
    let (s, p, w, y) = small();
    let sex = f("sex", &["F", "M", "F", "M", "F", "M", "F", "M"]);
    let age = f("age", &["y", "y", "o", "o", "y", "o", "y", "o"]);
    let (ms, ma) = (
        margin("sex", &["F", "M"], &[50.0, 50.0]),
        margin("age", &["y", "o"], &[50.0, 51.0]),
    );
    let e = Survey::new(
        Design::new(spec(&s, &p, w)).unwrap(),
        y,
        &Weighting::Rake {
            margins: vec![
                Calibration {
                    factor: &sex,
                    margin: &ms,
                },
                Calibration {
                    factor: &age,
                    margin: &ma,
                },
            ],
            variance: RakeVariance::Greg,
            control: RakeControl::default(),
        },
    )
    .unwrap_err();
    assert!(matches!(e, SurveyError::MarginTotals { .. }), "{e}");
}

#[test]
fn raking_that_cannot_meet_its_margins_is_an_error() {
    let (s, p, w, y) = small();
    // Every woman is young: 80 young people cannot hold 90 women.
    let sex = f("sex", &["F", "M", "F", "M", "F", "M", "F", "M"]);
    let age = f("age", &["y", "o", "y", "o", "y", "o", "y", "y"]);
    let (ms, ma) = (
        margin("sex", &["F", "M"], &[90.0, 10.0]),
        margin("age", &["y", "o"], &[80.0, 20.0]),
    );
    let e = Survey::new(
        Design::new(spec(&s, &p, w)).unwrap(),
        y,
        &Weighting::Rake {
            margins: vec![
                Calibration {
                    factor: &sex,
                    margin: &ms,
                },
                Calibration {
                    factor: &age,
                    margin: &ma,
                },
            ],
            variance: RakeVariance::Greg,
            control: RakeControl {
                tolerance: 1e-12,
                max_passes: 200,
            },
        },
    )
    .unwrap_err();
    assert!(matches!(e, SurveyError::NoConvergence { .. }), "{e}");
}

#[test]
fn a_contrast_with_a_level_that_does_not_exist_is_an_empty_domain() {
    let (s, p, w, y) = small();
    let region = f("region", &["e", "e", "w", "w", "e", "w", "e", "w"]);
    let survey = Survey::new(Design::new(spec(&s, &p, w)).unwrap(), y, &Weighting::Design).unwrap();
    let e = survey
        .contrast(Domain::Level(&region, "e"), Domain::Level(&region, "north"))
        .unwrap_err();
    assert!(matches!(&e, SurveyError::EmptyDomain { level, .. } if level == "north"));
}

#[test]
fn a_domain_whose_weights_are_all_zero_is_an_empty_domain() {
    let (s, p, mut w, y) = small();
    w[0] = 0.0;
    w[1] = 0.0;
    let g = f("g", &["z", "z", "a", "a", "a", "a", "a", "a"]);
    let survey = Survey::new(Design::new(spec(&s, &p, w)).unwrap(), y, &Weighting::Design).unwrap();
    let e = survey.by(&g).unwrap_err();
    assert!(
        matches!(&e, SurveyError::EmptyDomain { level, .. } if level == "z"),
        "{e}"
    );
}

#[test]
fn an_untrustworthy_cell_is_flagged_and_has_no_nan() {
    let (s, p, w, _) = small();
    // Everyone in domain "one" (a single respondent) is literate.
    let y = vec![1, 0, 0, 1, 0, 0, 1, 0];
    let g = f("g", &["one", "b", "b", "b", "b", "b", "b", "b"]);
    let survey = Survey::new(Design::new(spec(&s, &p, w)).unwrap(), y, &Weighting::Design).unwrap();
    let all = survey.estimate_many(&[&g]).unwrap();
    let one = all.iter().find(|e| e.level == "one").unwrap();
    assert_eq!(one.est, 1.0);
    assert!(one.flags.contains(&Flag::Boundary));
    assert!(one.flags.contains(&Flag::DfBelow1));
    assert!(one.flags.contains(&Flag::NBelow30));
    assert_eq!((one.logit_l, one.logit_u, one.deff), (None, None, None));
    for e in &all {
        for x in [e.est, e.se, e.wsum, e.wald_l, e.wald_u] {
            assert!(x.is_finite(), "{e:?}");
        }
        for x in [e.cv, e.deff, e.logit_l, e.logit_u].into_iter().flatten() {
            assert!(x.is_finite(), "{e:?}");
        }
    }
}

#[test]
fn a_change_between_two_independent_surveys_adds_the_variances() {
    let (s, p, w, y) = small();
    let a = Survey::new(
        Design::new(spec(&s, &p, w.clone())).unwrap(),
        y,
        &Weighting::Design,
    )
    .unwrap()
    .overall()
    .unwrap();
    let b = Survey::new(
        Design::new(spec(&s, &p, w)).unwrap(),
        vec![1, 1, 0, 1, 0, 0, 1, 1],
        &Weighting::Design,
    )
    .unwrap()
    .overall()
    .unwrap();
    let d = Difference::independent(&b, &a);
    assert!((d.est - (b.est - a.est)).abs() < 1e-15);
    assert!((d.se - (a.se * a.se + b.se * b.se).sqrt()).abs() < 1e-15);
    assert!(d.p_value > 0.0 && d.p_value <= 1.0);
}

proptest::proptest! {
    /// Whatever bytes the respondents file holds, reading and estimating ends in a value or an
    /// error, never a panic.
    #[test]
    fn no_input_panics(text in "(stratum,psu,weight,literate\n)?([AB ,0-9.\\-x\"\n]{0,12}\n){0,12}") {
        let req = [
            Request::category("stratum"),
            Request::category("psu"),
            Request::number("weight"),
            Request::number("literate"),
        ];
        if let Ok(t) = read_csv(text.as_bytes(), &req) {
            let y = kesu_survey::flags("literate", t.number("literate").unwrap());
            let d = Design::new(DesignSpec {
                lonely_psu: LonelyPsu::Adjust,
                ..spec(
                    t.factor("stratum").unwrap(),
                    t.factor("psu").unwrap(),
                    t.number("weight").unwrap().to_vec(),
                )
            });
            if let (Ok(y), Ok(d)) = (y, d)
                && let Ok(s) = Survey::new(d, y, &Weighting::Design)
                && let Ok(e) = s.overall()
            {
                proptest::prop_assert!(e.est.is_finite() && e.se.is_finite());
            }
        }
    }
}
