//! Weighting: post-stratification, raking (iterative proportional fitting) and linear calibration
//! (GREG) to population margins, and the matching adjustment of the linearised variable.
//!
//! Everything happens on *calibration cells*: the combinations of the weighting variables that
//! occur in the sample. A row's weight factor and its variance adjustment depend only on its
//! cell, so after one pass that sums the design weights per cell, fitting the weights and the
//! per-domain regression are done on a table of a few hundred cells, not on the rows.

use crate::design::Design;
use crate::error::{Result, SurveyError};
use crate::factor::{Factor, LEVEL_SEP, combine};
use crate::linalg::Cholesky;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Population counts of one margin: a variable (`sex`) or a crossing (`region+urban+sex`, levels
/// `east|1|F`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Margin {
    pub name: String,
    pub levels: Vec<String>,
    pub totals: Vec<f64>,
}

impl Margin {
    /// The variables of the margin (`region+urban+sex` → `[region, urban, sex]`).
    pub fn vars(&self) -> Vec<&str> {
        self.name.split(crate::factor::VAR_SEP).collect()
    }

    pub fn total(&self) -> f64 {
        self.totals.iter().sum()
    }

    /// The same margin with its variables in another order (levels rearranged to match), so
    /// that `--poststratify sex,region` finds the margin `region+sex`.
    pub fn reordered(&self, vars: &[&str]) -> Option<Margin> {
        let mine = self.vars();
        if mine.len() != vars.len() {
            return None;
        }
        let idx: Vec<usize> = vars
            .iter()
            .map(|v| mine.iter().position(|m| m == v))
            .collect::<Option<_>>()?;
        let levels = self
            .levels
            .iter()
            .map(|l| {
                let parts: Vec<&str> = l.split(LEVEL_SEP).collect();
                if parts.len() != idx.len() {
                    return None;
                }
                Some(
                    idx.iter()
                        .map(|&i| parts[i])
                        .collect::<Vec<_>>()
                        .join(&LEVEL_SEP.to_string()),
                )
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Margin {
            name: vars.join(&crate::factor::VAR_SEP.to_string()),
            levels,
            totals: self.totals.clone(),
        })
    }
}

/// How the variance of a raked estimate is linearised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RakeVariance {
    /// Residuals of the design-weighted regression on all margins (Deville–Särndal; R's
    /// `calibrate(calfun = "raking")`).
    #[default]
    Greg,
    /// R's `rake()`: ten back-fitting sweeps of unweighted cell means.
    RRake,
}

/// Convergence control of raking.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RakeControl {
    /// Stop when every margin is met to this relative error.
    pub tolerance: f64,
    pub max_passes: u32,
}

impl Default for RakeControl {
    fn default() -> Self {
        RakeControl {
            tolerance: 1e-12,
            max_passes: 10_000,
        }
    }
}

/// One weighting variable (or crossing) with its population margin. The factor's levels must be
/// spelled as the margin's (crossed levels joined with `|`).
#[derive(Debug, Clone, Copy)]
pub struct Calibration<'a> {
    pub factor: &'a Factor,
    pub margin: &'a Margin,
}

/// How the final weights are made from the design weights.
#[derive(Debug, Clone)]
pub enum Weighting<'a> {
    /// Design weights as given.
    Design,
    /// Post-stratification on one variable or crossing.
    PostStratify(Calibration<'a>),
    /// Raking to several margins.
    Rake {
        margins: Vec<Calibration<'a>>,
        variance: RakeVariance,
        control: RakeControl,
    },
    /// Linear calibration (GREG) to several margins; weights may turn negative.
    Linear { margins: Vec<Calibration<'a>> },
}

/// What the weighting did, recorded with the results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightingReport {
    /// `design`, `poststratify`, `rake`, `linear`.
    pub method: String,
    pub margins: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variance: Option<RakeVariance>,
    /// Raking passes used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passes: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub converged: Option<bool>,
    /// Largest relative difference between a weighted margin and its population count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_margin_error: Option<f64>,
    pub weight_sum: f64,
    pub min_weight: f64,
    pub max_weight: f64,
}

/// The calibration cells and how they adjust the linearised variable.
#[derive(Debug, Clone)]
pub(crate) struct CalModel {
    /// Calibration cell of each row.
    pub cell: Vec<u32>,
    pub n_cells: usize,
    /// Σ design weight per cell.
    pub d_cell: Vec<f64>,
    /// Number of rows per cell.
    pub n_cell: Vec<f64>,
    pub kind: CalKind,
    /// Σ final weight per (PSU, cell) with rows: `(psu, cell, W)`.
    pub psu_cell: Vec<(u32, u32, f64)>,
}

#[derive(Debug, Clone)]
pub(crate) enum CalKind {
    /// Post-strata: the adjustment is the design-weighted cell mean of e.
    PostStrata,
    /// Regression on the model row of each cell (intercept plus treatment dummies).
    Greg {
        /// Model columns of each cell (indices of the 1s).
        x: Vec<Vec<u32>>,
        p: usize,
        chol: Cholesky,
    },
    /// R `rake` back-fitting on the one-way margins.
    Backfit {
        /// For each margin, the margin cell of each calibration cell.
        margin_cell: Vec<Vec<u32>>,
        margin_sizes: Vec<usize>,
    },
}

/// Per-cell sums of one domain level, input of the adjustment.
pub(crate) struct CellSums<'s> {
    /// Σ d·y and Σ d over domain rows, per cell.
    pub dy: &'s [f64],
    pub d: &'s [f64],
    /// Σ y and count over domain rows, per cell (unweighted, for the `rake` back-fitting).
    pub y: &'s [f64],
    pub n: &'s [f64],
}

impl CalModel {
    /// The adjustment `f_k` of each cell for a domain with estimate `p` and weighted size `nhat`:
    /// the linearised variable of a row in cell k becomes `w (e - f_k)`.
    pub fn adjustment(&self, s: &CellSums<'_>, p: f64, nhat: f64) -> Vec<f64> {
        let k = self.n_cells;
        match &self.kind {
            CalKind::PostStrata => (0..k)
                .map(|c| {
                    if self.d_cell[c] > 0.0 {
                        (s.dy[c] - p * s.d[c]) / nhat / self.d_cell[c]
                    } else {
                        0.0
                    }
                })
                .collect(),
            CalKind::Greg { x, p: np, chol } => {
                let mut h = vec![0.0; *np];
                for c in 0..k {
                    let e = (s.dy[c] - p * s.d[c]) / nhat;
                    if e != 0.0 {
                        for &j in &x[c] {
                            h[j as usize] += e;
                        }
                    }
                }
                let b = chol.solve(&h);
                x.iter()
                    .map(|cols| cols.iter().map(|&j| b[j as usize]).sum())
                    .collect()
            }
            CalKind::Backfit {
                margin_cell,
                margin_sizes,
            } => {
                let e: Vec<f64> = (0..k).map(|c| (s.y[c] - p * s.n[c]) / nhat).collect();
                let mut g = vec![0.0; k];
                // R: `for (iterations in 1:10) for (margin in psvar) x <- x - psw*ave(x/psw, margin)`
                for _ in 0..10 {
                    for (mc, &size) in margin_cell.iter().zip(margin_sizes) {
                        let mut sum = vec![0.0; size];
                        let mut cnt = vec![0.0; size];
                        for c in 0..k {
                            let m = mc[c] as usize;
                            sum[m] += e[c] - self.n_cell[c] * g[c];
                            cnt[m] += self.n_cell[c];
                        }
                        for c in 0..k {
                            let m = mc[c] as usize;
                            if cnt[m] > 0.0 {
                                g[c] += sum[m] / cnt[m];
                            }
                        }
                    }
                }
                g
            }
        }
    }
}

/// Final weights, the variance model and a report.
pub(crate) struct Weighted {
    pub weights: Option<Vec<f64>>,
    pub model: Option<CalModel>,
    pub report: WeightingReport,
    pub warnings: Vec<String>,
}

/// A factor's levels mapped to a margin's, with Σ d and row counts per margin level.
struct Matched {
    map: Vec<u32>,
    dsum: Vec<f64>,
    count: Vec<f64>,
}

/// Map a factor's levels to a margin's, checking both directions.
fn match_margin(cal: &Calibration<'_>, d: &[f64]) -> Result<Matched> {
    let Calibration { factor, margin } = *cal;
    if margin.levels.len() != margin.totals.len() {
        return Err(SurveyError::Invalid(format!(
            "margin {} has {} levels and {} totals",
            margin.name,
            margin.levels.len(),
            margin.totals.len()
        )));
    }
    let index: HashMap<&str, u32> = margin
        .levels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i as u32))
        .collect();
    let mut map = Vec::with_capacity(factor.levels().len());
    for (code, level) in factor.levels().iter().enumerate() {
        match index.get(level.as_str()) {
            Some(&m) => map.push(m),
            None => {
                let row = factor.first_row_of(code as u32).unwrap_or(0);
                return Err(SurveyError::CellNotInMargins {
                    margin: margin.name.clone(),
                    cell: level.clone(),
                    line: row as u64 + 2,
                });
            }
        }
    }
    // Weight per margin cell, to find population cells without respondents (or with zero weight).
    let n_levels = factor.levels().len();
    let codes = factor.codes();
    let parts = crate::par::halves(codes.len(), |rows| {
        let mut sums = vec![0.0; n_levels];
        let mut counts = vec![0.0; n_levels];
        for i in rows {
            sums[codes[i] as usize] += d[i];
            counts[codes[i] as usize] += 1.0;
        }
        (sums, counts)
    });
    let mut by_level = vec![0.0; n_levels];
    let mut count_level = vec![0.0; n_levels];
    for (sums, counts) in parts {
        for l in 0..n_levels {
            by_level[l] += sums[l];
            count_level[l] += counts[l];
        }
    }
    let mut dsum = vec![0.0; margin.levels.len()];
    let mut count = vec![0.0; margin.levels.len()];
    let mut seen = vec![false; margin.levels.len()];
    for (code, &m) in map.iter().enumerate() {
        let m = m as usize;
        dsum[m] += by_level[code];
        count[m] += count_level[code];
        seen[m] |= count_level[code] > 0.0;
    }
    for (m, level) in margin.levels.iter().enumerate() {
        let total = margin.totals[m];
        if !(total.is_finite() && total >= 0.0) {
            return Err(SurveyError::BadCellTotal {
                margin: margin.name.clone(),
                cell: level.clone(),
                reason: format!("总体数无效 (invalid population count): {total}"),
            });
        }
        match (seen[m], total > 0.0) {
            (false, true) => {
                return Err(SurveyError::CellNotInSample {
                    margin: margin.name.clone(),
                    cell: level.clone(),
                    population: total,
                });
            }
            (true, false) => {
                return Err(SurveyError::BadCellTotal {
                    margin: margin.name.clone(),
                    cell: level.clone(),
                    reason: "样本中有受访者但总体数为 0 (respondents in a cell whose population count is 0)".into(),
                });
            }
            (true, true) if dsum[m] <= 0.0 => {
                return Err(SurveyError::BadCellTotal {
                    margin: margin.name.clone(),
                    cell: level.clone(),
                    reason: "该单元受访者的设计权数之和为 0 (design weights of the cell sum to 0)"
                        .into(),
                });
            }
            _ => {}
        }
    }
    Ok(Matched { map, dsum, count })
}

/// All margins of a raking or calibration must count the same population.
fn check_totals(margins: &[Calibration<'_>]) -> Result<()> {
    let Some(first) = margins.first() else {
        return Err(SurveyError::Invalid("no margins to weight to".into()));
    };
    let t0 = first.margin.total();
    for m in &margins[1..] {
        let t = m.margin.total();
        if (t - t0).abs() > 1e-9 * t0.abs().max(1.0) {
            return Err(SurveyError::MarginTotals {
                margin: m.margin.name.clone(),
                total: t,
                first: first.margin.name.clone(),
                first_total: t0,
            });
        }
    }
    Ok(())
}

pub(crate) fn weight(design: &Design, weighting: &Weighting<'_>) -> Result<Weighted> {
    let d = design.weights();
    match weighting {
        Weighting::Design => Ok(Weighted {
            weights: None,
            model: None,
            report: report("design", vec![], None, d),
            warnings: vec![],
        }),
        Weighting::PostStratify(cal) => poststratify(design, cal),
        Weighting::Rake {
            margins,
            variance,
            control,
        } => rake(design, margins, *variance, *control),
        Weighting::Linear { margins } => linear(design, margins),
    }
}

fn report(
    method: &str,
    margins: Vec<String>,
    variance: Option<RakeVariance>,
    w: &[f64],
) -> WeightingReport {
    let (mut lo, mut hi, mut sum) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
    for &x in w {
        lo = lo.min(x);
        hi = hi.max(x);
        sum += x;
    }
    WeightingReport {
        method: method.into(),
        margins,
        variance,
        passes: None,
        converged: None,
        max_margin_error: None,
        weight_sum: sum,
        min_weight: lo,
        max_weight: hi,
    }
}

fn check_len(design: &Design, f: &Factor) -> Result<()> {
    if f.len() != design.n_rows() {
        return Err(SurveyError::Invalid(format!(
            "weighting variable {} has {} rows, the design {}",
            f.name(),
            f.len(),
            design.n_rows()
        )));
    }
    Ok(())
}

/// Σ w per (PSU, cell): a dense table when small enough, a hash map otherwise.
enum PairSums {
    Dense {
        cells: usize,
        acc: Vec<f64>,
        seen: Vec<bool>,
    },
    Sparse(HashMap<(u32, u32), f64, crate::factor::FxBuild>),
}

impl PairSums {
    fn new(n_psu: usize, n_cells: usize) -> Self {
        let size = (n_psu as u64) * (n_cells as u64);
        if size <= crate::factor::DENSE_LIMIT {
            PairSums::Dense {
                cells: n_cells,
                acc: vec![0.0; size as usize],
                seen: vec![false; size as usize],
            }
        } else {
            PairSums::Sparse(HashMap::default())
        }
    }

    #[inline]
    fn add(&mut self, psu: u32, cell: u32, x: f64) {
        match self {
            PairSums::Dense { cells, acc, seen } => {
                let i = psu as usize * *cells + cell as usize;
                acc[i] += x;
                seen[i] = true;
            }
            PairSums::Sparse(map) => *map.entry((psu, cell)).or_insert(0.0) += x,
        }
    }

    /// Add another accumulator of the same shape.
    fn merge(&mut self, other: PairSums) {
        match (self, other) {
            (
                PairSums::Dense { acc, seen, .. },
                PairSums::Dense {
                    acc: acc2,
                    seen: seen2,
                    ..
                },
            ) => {
                for (a, b) in acc.iter_mut().zip(acc2) {
                    *a += b;
                }
                for (s, t) in seen.iter_mut().zip(seen2) {
                    *s |= t;
                }
            }
            (PairSums::Sparse(map), PairSums::Sparse(map2)) => {
                for (k, v) in map2 {
                    *map.entry(k).or_insert(0.0) += v;
                }
            }
            // Both sides are built with the same sizes, so their kinds agree.
            _ => {}
        }
    }

    /// `(psu, cell, Σ)` for every pair with rows, by PSU then cell.
    fn into_list(self) -> Vec<(u32, u32, f64)> {
        match self {
            PairSums::Dense { cells, acc, seen } => acc
                .iter()
                .zip(&seen)
                .enumerate()
                .filter(|(_, (_, s))| **s)
                .map(|(i, (&a, _))| ((i / cells) as u32, (i % cells) as u32, a))
                .collect(),
            PairSums::Sparse(map) => {
                let mut out: Vec<(u32, u32, f64)> =
                    map.into_iter().map(|((p, c), a)| (p, c, a)).collect();
                out.sort_unstable_by_key(|&(p, c, _)| (p, c));
                out
            }
        }
    }
}

/// Σ w per (PSU, cell), as a sparse list.
fn psu_cell_sums(design: &Design, cell: &[u32], n_cells: usize, w: &[f64]) -> Vec<(u32, u32, f64)> {
    let psu = &design.psu;
    let mut parts = crate::par::halves(cell.len(), |rows| {
        let mut acc = PairSums::new(design.n_psu(), n_cells);
        for i in rows {
            acc.add(psu[i], cell[i], w[i]);
        }
        acc
    });
    let mut acc = parts.remove(0);
    for other in parts {
        acc.merge(other);
    }
    acc.into_list()
}

fn cell_sums(cell: &[u32], n_cells: usize, d: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut dsum = vec![0.0; n_cells];
    let mut nsum = vec![0.0; n_cells];
    for (&c, &w) in cell.iter().zip(d) {
        dsum[c as usize] += w;
        nsum[c as usize] += 1.0;
    }
    (dsum, nsum)
}

fn poststratify(design: &Design, cal: &Calibration<'_>) -> Result<Weighted> {
    check_len(design, cal.factor)?;
    let d = design.weights();
    let Matched {
        map,
        dsum: d_cell,
        count: n_cell,
    } = match_margin(cal, d)?;
    let n_cells = cal.margin.levels.len();
    let ratio: Vec<f64> = (0..n_cells)
        .map(|c| {
            if d_cell[c] > 0.0 {
                cal.margin.totals[c] / d_cell[c]
            } else {
                0.0
            }
        })
        .collect();
    // One pass: cell and weight of each row (two halves on two threads when large)…
    let n = design.n_rows();
    let codes = cal.factor.codes();
    let mut cell = vec![0u32; n];
    let mut w = vec![0.0; n];
    crate::par::fill_halves(&mut cell, |rows, out| {
        for (o, i) in out.iter_mut().zip(rows) {
            *o = map[codes[i] as usize];
        }
    });
    crate::par::fill_halves(&mut w, |rows, out| {
        for (o, i) in out.iter_mut().zip(rows) {
            *o = d[i] * ratio[cell[i] as usize];
        }
    });
    // …then Σ w per (PSU, cell).
    let psu_cell = psu_cell_sums(design, &cell, n_cells, &w);
    let rep = report("poststratify", vec![cal.margin.name.clone()], None, &w);
    Ok(Weighted {
        weights: Some(w),
        model: Some(CalModel {
            cell,
            n_cells,
            d_cell,
            n_cell,
            kind: CalKind::PostStrata,
            psu_cell,
        }),
        report: rep,
        warnings: vec![],
    })
}

/// The joint calibration cells of several margins.
struct Cells {
    cell: Vec<u32>,
    /// For each margin, the margin level of each cell.
    margin_cell: Vec<Vec<u32>>,
    sizes: Vec<usize>,
}

fn joint_cells(design: &Design, margins: &[Calibration<'_>]) -> Result<Cells> {
    let d = design.weights();
    let mut mapped: Vec<Vec<u32>> = Vec::with_capacity(margins.len());
    for cal in margins {
        check_len(design, cal.factor)?;
        let map = match_margin(cal, d)?.map;
        mapped.push(
            cal.factor
                .codes()
                .iter()
                .map(|&c| map[c as usize])
                .collect(),
        );
    }
    let sizes: Vec<usize> = margins.iter().map(|c| c.margin.levels.len()).collect();
    let inputs: Vec<(&[u32], usize)> = mapped
        .iter()
        .zip(&sizes)
        .map(|(v, &s)| (v.as_slice(), s))
        .collect();
    let joint = combine(&inputs);
    let margin_cell = (0..margins.len())
        .map(|m| joint.parts.iter().map(|p| p[m]).collect())
        .collect();
    Ok(Cells {
        cell: joint.codes,
        margin_cell,
        sizes,
    })
}

/// Model rows of the cells: intercept, then a dummy for every level but the first of each margin.
fn model_rows(cells: &Cells) -> (Vec<Vec<u32>>, usize) {
    let mut offsets = Vec::with_capacity(cells.sizes.len());
    let mut p = 1usize;
    for &s in &cells.sizes {
        offsets.push(p);
        p += s.saturating_sub(1);
    }
    let n_cells = cells.margin_cell.first().map_or(0, Vec::len);
    let x = (0..n_cells)
        .map(|k| {
            let mut cols = vec![0u32];
            for (m, mc) in cells.margin_cell.iter().enumerate() {
                let level = mc[k] as usize;
                if level > 0 {
                    cols.push((offsets[m] + level - 1) as u32);
                }
            }
            cols
        })
        .collect();
    (x, p)
}

fn gram(x: &[Vec<u32>], d_cell: &[f64], p: usize) -> Vec<f64> {
    let mut g = vec![0.0; p * p];
    for (cols, &dk) in x.iter().zip(d_cell) {
        for &i in cols {
            for &j in cols {
                g[i as usize * p + j as usize] += dk;
            }
        }
    }
    g
}

fn rake(
    design: &Design,
    margins: &[Calibration<'_>],
    variance: RakeVariance,
    control: RakeControl,
) -> Result<Weighted> {
    check_totals(margins)?;
    let d = design.weights();
    let cells = joint_cells(design, margins)?;
    let n_cells = cells.margin_cell.first().map_or(0, Vec::len);
    let (d_cell, n_cell) = cell_sums(&cells.cell, n_cells, d);

    // Iterative proportional fitting on the cell table: g_k multiplies the design weights of
    // cell k. Each pass post-stratifies to every margin in turn, as R's `rake` does.
    let mut g = vec![1.0; n_cells];
    let misfit = |g: &[f64]| -> f64 {
        let mut worst: f64 = 0.0;
        for (m, cal) in margins.iter().enumerate() {
            let mut t = vec![0.0; cells.sizes[m]];
            for k in 0..n_cells {
                t[cells.margin_cell[m][k] as usize] += d_cell[k] * g[k];
            }
            for (ti, &target) in t.iter().zip(&cal.margin.totals) {
                if target > 0.0 {
                    worst = worst.max((ti - target).abs() / target);
                }
            }
        }
        worst
    };
    let mut passes = 0;
    let mut err = misfit(&g);
    while err > control.tolerance && passes < control.max_passes {
        for (m, cal) in margins.iter().enumerate() {
            let mut t = vec![0.0; cells.sizes[m]];
            for k in 0..n_cells {
                t[cells.margin_cell[m][k] as usize] += d_cell[k] * g[k];
            }
            for k in 0..n_cells {
                let c = cells.margin_cell[m][k] as usize;
                if t[c] > 0.0 {
                    g[k] *= cal.margin.totals[c] / t[c];
                }
            }
        }
        passes += 1;
        let next = misfit(&g);
        // Floating-point noise floor: stop once a pass no longer improves the fit.
        if next >= err && next < 1e-10 {
            err = next;
            break;
        }
        err = next;
    }
    let converged = err <= control.tolerance.max(1e-10);
    // Weights that miss a margin by more than a millionth are not raked weights: estimates from
    // them would be silently wrong (typically the margins contradict the sample's empty cells).
    if err > 1e-6 {
        return Err(SurveyError::NoConvergence { passes, error: err });
    }
    let mut warnings = Vec::new();
    if !converged {
        warnings.push(format!(
            "加权调整（raking）未完全收敛 (raking did not fully converge): {passes} 轮后边际最大相对误差 {err:.3e}"
        ));
    }
    let w: Vec<f64> = cells
        .cell
        .iter()
        .zip(d)
        .map(|(&k, &x)| x * g[k as usize])
        .collect();
    let kind = match variance {
        RakeVariance::Greg => {
            let (x, p) = model_rows(&cells);
            let chol = Cholesky::new(&gram(&x, &d_cell, p), p);
            CalKind::Greg { x, p, chol }
        }
        RakeVariance::RRake => CalKind::Backfit {
            margin_cell: cells.margin_cell.clone(),
            margin_sizes: cells.sizes.clone(),
        },
    };
    let psu_cell = psu_cell_sums(design, &cells.cell, n_cells, &w);
    let mut rep = report(
        "rake",
        margins.iter().map(|c| c.margin.name.clone()).collect(),
        Some(variance),
        &w,
    );
    rep.passes = Some(passes);
    rep.converged = Some(converged);
    rep.max_margin_error = Some(err);
    Ok(Weighted {
        weights: Some(w),
        model: Some(CalModel {
            cell: cells.cell,
            n_cells,
            d_cell,
            n_cell,
            kind,
            psu_cell,
        }),
        report: rep,
        warnings,
    })
}

fn linear(design: &Design, margins: &[Calibration<'_>]) -> Result<Weighted> {
    check_totals(margins)?;
    let d = design.weights();
    let cells = joint_cells(design, margins)?;
    let n_cells = cells.margin_cell.first().map_or(0, Vec::len);
    let (d_cell, n_cell) = cell_sums(&cells.cell, n_cells, d);
    let (x, p) = model_rows(&cells);
    let chol = Cholesky::new(&gram(&x, &d_cell, p), p);

    // Population totals of the model columns, minus their design-weighted estimates.
    let mut target = vec![0.0; p];
    target[0] = margins[0].margin.total();
    let mut offset = 1;
    for (m, cal) in margins.iter().enumerate() {
        for level in 1..cells.sizes[m] {
            target[offset + level - 1] = cal.margin.totals[level];
        }
        offset += cells.sizes[m].saturating_sub(1);
    }
    for (cols, &dk) in x.iter().zip(&d_cell) {
        for &j in cols {
            target[j as usize] -= dk;
        }
    }
    let lambda = chol.solve(&target);
    let g: Vec<f64> = x
        .iter()
        .map(|cols| 1.0 + cols.iter().map(|&j| lambda[j as usize]).sum::<f64>())
        .collect();
    let w: Vec<f64> = cells
        .cell
        .iter()
        .zip(d)
        .map(|(&k, &x)| x * g[k as usize])
        .collect();
    let mut warnings = Vec::new();
    let negative = w.iter().filter(|&&x| x < 0.0).count();
    if negative > 0 {
        warnings.push(format!(
            "线性校准产生了 {negative} 个负权数 (linear calibration gave {negative} negative weights); 可改用 raking"
        ));
    }
    // Check the fit (a rank-deficient model with inconsistent margins cannot meet them all).
    let mut worst: f64 = 0.0;
    for (m, cal) in margins.iter().enumerate() {
        let mut t = vec![0.0; cells.sizes[m]];
        for k in 0..n_cells {
            t[cells.margin_cell[m][k] as usize] += d_cell[k] * g[k];
        }
        for (ti, &target) in t.iter().zip(&cal.margin.totals) {
            if target > 0.0 {
                worst = worst.max((ti - target).abs() / target);
            }
        }
    }
    if worst > 1e-8 {
        warnings.push(format!(
            "线性校准未能满足全部边际 (linear calibration misses a margin): 最大相对误差 {worst:.3e}"
        ));
    }
    let psu_cell = psu_cell_sums(design, &cells.cell, n_cells, &w);
    let mut rep = report(
        "linear",
        margins.iter().map(|c| c.margin.name.clone()).collect(),
        None,
        &w,
    );
    rep.max_margin_error = Some(worst);
    Ok(Weighted {
        weights: Some(w),
        model: Some(CalModel {
            cell: cells.cell,
            n_cells,
            d_cell,
            n_cell,
            kind: CalKind::Greg { x, p, chol },
            psu_cell,
        }),
        report: rep,
        warnings,
    })
}
