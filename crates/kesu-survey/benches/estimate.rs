//! The estimation core on synthetic respondents held in memory (no file reading): design,
//! post-stratification on region×urban×sex, then overall, by region and by group
//! (`Survey::estimate_many`) — the benchmark job — at 100k, 1M and 10M rows to show the
//! cost is linear. Also raking on five margins (GREG variance) at 1M.
//!
//!     cargo bench -p kesu-survey --bench estimate

use kesu_survey::synth::{SynthSpec, margins, respondents};
use kesu_survey::{
    Calibration, Design, DesignSpec, Factor, LonelyPsu, Margin, RakeControl, RakeVariance, Survey,
    Table, Weighting, flags,
};

fn main() {
    divan::main();
}

fn data(rows: usize) -> (Table, Vec<Margin>) {
    (respondents(SynthSpec::new(rows, 20240416)), margins())
}

fn design(t: &Table) -> Design {
    match Design::new(DesignSpec {
        strata: t.factor("stratum").ok(),
        psu: t.factor("psu").ok(),
        weights: t.number("weight").map(<[f64]>::to_vec).unwrap_or_default(),
        weight_column: "weight",
        fpc_column: "fpc",
        fpc: None,
        lonely_psu: LonelyPsu::Fail,
    }) {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    }
}

fn factor<'t>(t: &'t Table, name: &str) -> &'t Factor {
    match t.factor(name) {
        Ok(f) => f,
        Err(e) => panic!("{e}"),
    }
}

fn margin<'m>(m: &'m [Margin], name: &str) -> &'m Margin {
    match m.iter().find(|x| x.name == name) {
        Some(x) => x,
        None => panic!("no margin {name}"),
    }
}

/// The benchmark job: returns the number of estimates so nothing is optimised away.
fn job(t: &Table, m: &[Margin], y: &[u8]) -> usize {
    let cells = match Factor::cross(&[factor(t, "region"), factor(t, "urban"), factor(t, "sex")]) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    let weighting = Weighting::PostStratify(Calibration {
        factor: &cells,
        margin: margin(m, "region+urban+sex"),
    });
    let s = match Survey::new(design(t), y.to_vec(), &weighting) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    s.estimate_many(&[factor(t, "region"), factor(t, "group")])
        .map_or(0, |v| v.len())
}

#[divan::bench(args = [100_000, 1_000_000, 10_000_000], sample_count = 5, sample_size = 1)]
fn poststratified_overall_by_region_by_group(bencher: divan::Bencher, rows: usize) {
    let (t, m) = data(rows);
    let y = flags("literate", t.number("literate").unwrap_or(&[])).unwrap_or_default();
    bencher.bench_local(|| job(&t, &m, &y));
}

#[divan::bench(args = [1_000_000], sample_count = 5, sample_size = 1)]
fn raked_five_margins_overall_by_region_by_group(bencher: divan::Bencher, rows: usize) {
    let (t, m) = data(rows);
    let y = flags("literate", t.number("literate").unwrap_or(&[])).unwrap_or_default();
    bencher.bench_local(|| {
        let names = ["region", "urban", "sex", "age_group", "education"];
        let weighting = Weighting::Rake {
            margins: names
                .iter()
                .map(|v| Calibration {
                    factor: factor(&t, v),
                    margin: margin(&m, v),
                })
                .collect(),
            variance: RakeVariance::Greg,
            control: RakeControl::default(),
        };
        let s = match Survey::new(design(&t), y.clone(), &weighting) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        s.estimate_many(&[factor(&t, "region"), factor(&t, "group")])
            .map_or(0, |v| v.len())
    });
}
