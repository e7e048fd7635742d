//! Phase timings of the estimation core on synthetic data held in memory, the best of several
//! runs (robust on a shared machine): `cargo run --release -p kesu-survey --example core_timing
//! -- 10000000`.

use kesu_survey::synth::{SynthSpec, margins, respondents};
use kesu_survey::{Calibration, Design, DesignSpec, Factor, LonelyPsu, Survey, Weighting, flags};
use std::time::Instant;

/// CPU seconds used by this process so far (user + system, all threads), from /proc (Linux);
/// steadier than wall time on a shared machine.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|x| x.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rows: usize = std::env::args()
        .nth(1)
        .map_or(Ok(1_000_000), |a| a.parse())?;
    let t = respondents(SynthSpec::new(rows, 20240416));
    let m = margins();
    let y = flags("literate", t.number("literate")?)?;
    let (mut best_d, mut best_w, mut best_e) = (f64::MAX, f64::MAX, f64::MAX);
    let mut cpu = f64::MAX;
    for _ in 0..7 {
        let c0 = cpu_seconds();
        let t0 = Instant::now();
        let design = Design::new(DesignSpec {
            strata: Some(t.factor("stratum")?),
            psu: Some(t.factor("psu")?),
            weights: t.number("weight")?.to_vec(),
            weight_column: "weight",
            fpc_column: "fpc",
            fpc: None,
            lonely_psu: LonelyPsu::Fail,
        })?;
        let t1 = Instant::now();
        let cells = Factor::cross(&[t.factor("region")?, t.factor("urban")?, t.factor("sex")?])?;
        let margin = m
            .iter()
            .find(|x| x.name == "region+urban+sex")
            .ok_or("no margin")?;
        let s = Survey::new(
            design,
            y.clone(),
            &Weighting::PostStratify(Calibration {
                factor: &cells,
                margin,
            }),
        )?;
        let t2 = Instant::now();
        let e = s.estimate_many(&[t.factor("region")?, t.factor("group")?])?;
        let t3 = Instant::now();
        assert_eq!(e.len(), 9);
        best_d = best_d.min((t1 - t0).as_secs_f64());
        best_w = best_w.min((t2 - t1).as_secs_f64());
        best_e = best_e.min((t3 - t2).as_secs_f64());
        cpu = cpu.min(cpu_seconds() - c0);
    }
    println!(
        "{rows} rows, best of 7: design {best_d:.3} s, cross+post-stratify {best_w:.3} s, estimates {best_e:.3} s, total {:.3} s wall; {cpu:.2} s CPU",
        best_d + best_w + best_e
    );
    Ok(())
}
