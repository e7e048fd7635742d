//! Design-based estimation of a proportion over domains (`../shared/survey-methods.md` §2):
//! Taylor linearisation with PSUs sampled with replacement, optional fpc, lonely-PSU policies,
//! calibration-adjusted influence values, Wald and logit intervals, design effects, degrees of
//! freedom, and contrasts.
//!
//! Cost: one pass over the rows per domain variable (all its levels at once), then work per PSU
//! and per calibration cell. For a calibrated design every PSU carries an adjustment for every
//! domain level, so that part is O(PSU-cell pairs × levels).

use crate::calibrate::{CalModel, CellSums, Weighted, Weighting, WeightingReport, weight};
use crate::design::{Design, LonelyPsu};
use crate::error::{Result, SurveyError};
use crate::factor::{DENSE_LIMIT, Factor, FxBuild};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// `qnorm(0.975)`, as R's `confint` uses for Wald intervals.
pub const Z975: f64 = 1.959963984540054;

/// A cell that should not be published as is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Fewer than 1 degree of freedom: no t interval.
    DfBelow1,
    /// Fewer than 30 respondents.
    NBelow30,
    /// The estimate is 0 or 1: the standard error says nothing.
    Boundary,
    /// Coefficient of variation above 30 %.
    CvAbove30,
}

impl Flag {
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::DfBelow1 => "df<1",
            Flag::NBelow30 => "n<30",
            Flag::Boundary => "p∈{0,1}",
            Flag::CvAbove30 => "cv>30%",
        }
    }
}

/// The estimate for one domain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainEstimate {
    /// The domain variable (`overall` for everyone).
    pub by: String,
    /// Its level (`all` for everyone).
    pub level: String,
    /// Respondents in the domain.
    pub n: u64,
    /// Estimated population of the domain (Σ weights).
    pub wsum: f64,
    /// Estimated share.
    pub est: f64,
    pub se: f64,
    /// se / est (`None` when est = 0).
    pub cv: Option<f64>,
    /// Design effect against simple random sampling without replacement (`None` when undefined).
    pub deff: Option<f64>,
    /// Degrees of freedom: PSUs minus strata holding the domain.
    pub df: i64,
    pub wald_l: f64,
    pub wald_u: f64,
    /// Logit interval with t(df) (`None` when est is 0 or 1 or df < 1).
    pub logit_l: Option<f64>,
    pub logit_u: Option<f64>,
    pub flags: Vec<Flag>,
}

/// A difference of two estimates with its standard error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    /// `a - b`
    pub a: String,
    pub b: String,
    pub est: f64,
    pub se: f64,
    pub wald_l: f64,
    pub wald_u: f64,
    /// est / se
    pub z: f64,
    /// Two-sided normal p-value.
    pub p_value: f64,
}

impl Difference {
    /// The difference of two estimates from independent samples (two survey years): the
    /// variances add.
    pub fn independent(a: &DomainEstimate, b: &DomainEstimate) -> Difference {
        let est = a.est - b.est;
        let se = a.se.hypot(b.se);
        Difference::new(
            format!("{}={}", a.by, a.level),
            format!("{}={}", b.by, b.level),
            est,
            se,
        )
    }

    fn new(a: String, b: String, est: f64, se: f64) -> Difference {
        let z = if se > 0.0 { est / se } else { f64::NAN };
        let p_value = if se > 0.0 {
            statrs::function::erf::erfc(z.abs() / std::f64::consts::SQRT_2)
        } else if est == 0.0 {
            1.0
        } else {
            0.0
        };
        Difference {
            a,
            b,
            est,
            se,
            wald_l: est - Z975 * se,
            wald_u: est + Z975 * se,
            z: if z.is_finite() { z } else { 0.0 },
            p_value,
        }
    }
}

/// A domain picked for a contrast: a level of a factor, or everyone.
#[derive(Debug, Clone, Copy)]
pub enum Domain<'a> {
    Overall,
    Level(&'a Factor, &'a str),
}

/// A design with its outcome and final weights, ready to estimate.
#[derive(Debug, Clone)]
pub struct Survey {
    design: Design,
    y: Vec<u8>,
    weighted: Option<Vec<f64>>,
    model: Option<CalModel>,
    report: WeightingReport,
    warnings: Vec<String>,
    /// Weight bins for the first step of glm's IRLS (logit intervals).
    binning: crate::irls::Binning,
}

/// Sums over the rows of one domain level held by one PSU.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    wy: f64,
    w: f64,
    rows: u32,
    nonzero: u32,
}

/// One domain variable's sums over a range of rows (see [`Survey::dense_sums`]).
struct Acc {
    slots: Vec<Slot>,
    cells: Vec<[f64; 4]>,
    moments: Vec<[f64; 4]>,
}

/// Per (PSU, level) and per (cell, level) sums of one domain variable.
struct LevelSums {
    n_levels: usize,
    /// (psu, level, sums) for every pair with rows, grouped by level.
    by_level: Vec<Vec<(u32, Slot)>>,
    /// Per level × cell: Σ d y, Σ d, Σ y, rows (row-major by level).
    cells: Option<[Vec<f64>; 4]>,
    /// Per level: the sums R's `glm` needs for its first IRLS step from its per-row start
    /// values (see [`Survey::irls_start`]): Σ W, Σ W z.
    irls: Vec<[f64; 2]>,
}

impl Survey {
    /// Weight the design and attach the 0/1 outcome.
    pub fn new(design: Design, y: Vec<u8>, weighting: &Weighting<'_>) -> Result<Survey> {
        if y.len() != design.n_rows() {
            return Err(SurveyError::Invalid(format!(
                "{} outcomes for {} respondents",
                y.len(),
                design.n_rows()
            )));
        }
        if let Some(row) = y.iter().position(|&v| v > 1) {
            return Err(SurveyError::at_row(
                row,
                "literate",
                "应为 0 或 1 (must be 0 or 1)",
            ));
        }
        let Weighted {
            weights,
            model,
            report,
            mut warnings,
        } = weight(&design, weighting)?;
        if design.lonely_psu != LonelyPsu::Fail && !design.lonely.is_empty() {
            warnings.insert(
                0,
                format!(
                    "以下层只有一个初级抽样单元，按 {} 处理 (strata with a single PSU, handled by lonely-psu={}): {}",
                    design.lonely_psu.as_str(),
                    design.lonely_psu.as_str(),
                    design.lonely_strata().join(", ")
                ),
            );
        }
        let binning = crate::irls::Binning::new(weights.as_deref().unwrap_or(&design.weights));
        Ok(Survey {
            design,
            y,
            weighted: weights,
            model,
            report,
            warnings,
            binning,
        })
    }

    pub fn design(&self) -> &Design {
        &self.design
    }

    /// The 0/1 outcome of every respondent (1: literate under the rule).
    pub fn outcome(&self) -> &[u8] {
        &self.y
    }

    /// Final weights (design weights when there is no weighting).
    pub fn weights(&self) -> &[f64] {
        self.weighted.as_deref().unwrap_or(&self.design.weights)
    }

    pub fn weighting(&self) -> &WeightingReport {
        &self.report
    }

    /// Warnings to show with the results (lonely PSUs, raking that did not converge…).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The estimate for everyone.
    pub fn overall(&self) -> Result<DomainEstimate> {
        let mut sums = self.level_sums(None, 1)?;
        self.irls_start(std::slice::from_mut(&mut sums), &[None]);
        let mut out = self.estimate_level(&sums, 0, "overall", "all")?;
        out.by = "overall".into();
        Ok(out)
    }

    /// One estimate per level of `by` (levels in the factor's order).
    pub fn by(&self, by: &Factor) -> Result<Vec<DomainEstimate>> {
        let mut sums = self.level_sums(Some(by.codes()), by.levels().len())?;
        self.irls_start(std::slice::from_mut(&mut sums), &[Some(by.codes())]);
        by.levels()
            .iter()
            .enumerate()
            .filter(|(l, _)| !sums.by_level[*l].is_empty())
            .map(|(l, name)| self.estimate_level(&sums, l, by.name(), name))
            .collect()
    }

    /// The estimate for everyone, then one per level of each of `by`, from a single pass over
    /// the rows (split in two halves on two threads for large surveys). The same as
    /// [`Survey::overall`] followed by [`Survey::by`] for each, up to the last bits of the sums.
    pub fn estimate_many(&self, by: &[&Factor]) -> Result<Vec<DomainEstimate>> {
        let n = self.design.n_rows();
        let n_psu = self.design.n_psu();
        if let Some(f) = by.iter().find(|f| f.len() != n) {
            return Err(SurveyError::Invalid(format!(
                "domain variable {} has {} rows, the survey {n}",
                f.name(),
                f.len()
            )));
        }
        let dims: Vec<usize> = std::iter::once(1)
            .chain(by.iter().map(|f| f.levels().len()))
            .collect();
        if dims
            .iter()
            .any(|&l| (n_psu as u64) * (l as u64) > DENSE_LIMIT)
        {
            // Too many PSU × level pairs for dense tables: one hashed pass per variable.
            let mut out = vec![self.overall()?];
            for f in by {
                out.extend(self.by(f)?);
            }
            return Ok(out);
        }
        let codes: Vec<&[u32]> = by.iter().map(|f| f.codes()).collect();
        let mut parts = crate::par::halves(n, |rows| self.dense_sums(&dims, &codes, rows));
        let (mut accs, mut odd) = parts.remove(0);
        for (other, more_odd) in parts {
            odd.extend(more_odd);
            for (x, y) in accs.iter_mut().zip(other) {
                for (s, t) in x.slots.iter_mut().zip(&y.slots) {
                    s.w += t.w;
                    s.wy += t.wy;
                    s.rows += t.rows;
                    s.nonzero += t.nonzero;
                }
                for (c, e) in x.cells.iter_mut().zip(&y.cells) {
                    for j in 0..4 {
                        c[j] += e[j];
                    }
                }
                for (c, e) in x.moments.iter_mut().zip(&y.moments) {
                    for j in 0..4 {
                        c[j] += e[j];
                    }
                }
            }
        }
        let mut all: Vec<LevelSums> = Vec::with_capacity(accs.len());
        let pw = self.weights();
        for (f, acc) in accs.into_iter().enumerate() {
            let mut sums = self.sums_from_dense(acc.slots, acc.cells, dims[f]);
            let scale = self.glm_scale(&sums);
            // Rows with weights too small to bin, summed directly.
            let mut exact = vec![[0.0; 2]; dims[f]];
            for &i in &odd {
                let l = if f == 0 { 0 } else { codes[f - 1][i] as usize };
                let [a, b] = crate::irls::exact_terms(pw[i] * scale[l], self.y[i]);
                exact[l][0] += a;
                exact[l][1] += b;
            }
            sums.irls = self.binning.evaluate(&acc.moments, &exact, &scale);
            all.push(sums);
        }
        let mut out = Vec::new();
        for (f, sums) in all.into_iter().enumerate() {
            if f == 0 {
                out.push(self.estimate_level(&sums, 0, "overall", "all")?);
            } else {
                let factor = by[f - 1];
                for (l, name) in factor.levels().iter().enumerate() {
                    if !sums.by_level[l].is_empty() {
                        out.push(self.estimate_level(&sums, l, factor.name(), name)?);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Dense per (PSU, level) slots, per (cell, level) sums and weight-bin moments (for glm's
    /// first IRLS step) of several domain variables (the first being everyone) over a range of
    /// rows; also the rows whose weight could not be binned.
    fn dense_sums(
        &self,
        dims: &[usize],
        codes: &[&[u32]],
        rows: std::ops::Range<usize>,
    ) -> (Vec<Acc>, Vec<usize>) {
        let n_psu = self.design.n_psu();
        let k = self.model.as_ref().map_or(0, |m| m.n_cells);
        let bins = self.binning.bins();
        let mut accs: Vec<Acc> = dims
            .iter()
            .map(|&l| Acc {
                slots: vec![Slot::default(); n_psu * l],
                cells: vec![[0.0; 4]; k * l],
                moments: vec![[0.0; 4]; l * 2 * bins],
            })
            .collect();
        let mut odd = Vec::new();
        match &self.model {
            Some(m) => self.dense_rows::<true>(&mut accs, &mut odd, dims, codes, &m.cell, rows),
            None => self.dense_rows::<false>(&mut accs, &mut odd, dims, codes, &[], rows),
        }
        (accs, odd)
    }

    /// The row loop of [`Survey::dense_sums`], compiled once with and once without calibration
    /// cells so the hot loop has no test for them.
    fn dense_rows<const CAL: bool>(
        &self,
        accs: &mut [Acc],
        odd: &mut Vec<usize>,
        dims: &[usize],
        codes: &[&[u32]],
        cell: &[u32],
        rows: std::ops::Range<usize>,
    ) {
        let k = self.model.as_ref().map_or(0, |m| m.n_cells);
        let w = self.weights();
        let d = &self.design.weights;
        let psu = &self.design.psu;
        let y = &self.y;
        let binning = &self.binning;
        let Some((overall, by)) = accs.split_first_mut() else {
            return;
        };
        for i in rows {
            let (p, wi, yi) = (psu[i] as usize, w[i], y[i]);
            let located = binning.locate(wi);
            if located.is_none() && wi > 0.0 {
                odd.push(i);
            }
            let powers = located.map(|(bin, t)| (bin, [1.0, t, t * t, t * t * t]));
            let c = if CAL { cell[i] as usize } else { 0 };
            let yf = f64::from(yi);
            let cell_row = [d[i] * yf, d[i], yf, 1.0];
            add(&mut overall.slots[p], wi, yi);
            if CAL {
                let a = &mut overall.cells[c];
                for j in 0..4 {
                    a[j] += cell_row[j];
                }
            }
            if let Some((bin, pw)) = &powers {
                binning.add(&mut overall.moments, 0, yi, *bin, pw);
            }
            for ((acc, code), &l) in by.iter_mut().zip(codes).zip(&dims[1..]) {
                let level = code[i] as usize;
                add(&mut acc.slots[p * l + level], wi, yi);
                if CAL {
                    let a = &mut acc.cells[level * k + c];
                    for j in 0..4 {
                        a[j] += cell_row[j];
                    }
                }
                if let Some((bin, pw)) = &powers {
                    binning.add(&mut acc.moments, level, yi, *bin, pw);
                }
            }
        }
    }

    /// R's logit interval (`svyciprop(method = "logit")`) comes from `svyglm(y ~ 1,
    /// family = quasibinomial)`: IRLS from per-row start values `μᵢ = (wᵢyᵢ + ½)/(wᵢ + 1)`
    /// with prior weights `wᵢ = pwᵢ / mean(pw)` over the analysed (sub)sample, stopped when the
    /// deviance changes by less than 1e-8 relative. The stopping point is what makes R's interval
    /// differ from the closed form by up to a few 1e-8, so it is reproduced: the first step needs
    /// per-row sums ([`crate::irls::first_step`], all domain variables at once); later steps
    /// need only the domain's totals. Per level: `[Σ W, Σ W z]` over rows with wᵢ > 0.
    fn irls_start(&self, sums: &mut [LevelSums], codes: &[Option<&[u32]>]) {
        let scale: Vec<Vec<f64>> = sums.iter().map(|s| self.glm_scale(s)).collect();
        let start = crate::irls::first_step(&self.binning, self.weights(), &self.y, codes, &scale);
        for (s, st) in sums.iter_mut().zip(start) {
            s.irls = st;
        }
    }

    /// 1 / mean(pw) per level: glm's prior weights are pw / mean(pw), the mean taken over the
    /// domain's rows, or over all rows for a calibrated design (R keeps the others with weight
    /// zero).
    fn glm_scale(&self, sums: &LevelSums) -> Vec<f64> {
        let n = self.design.n_rows() as u64;
        sums.by_level
            .iter()
            .map(|slots| {
                let (_, nhat) = totals(slots);
                let rows: u64 = if self.model.is_some() {
                    n
                } else {
                    slots.iter().map(|(_, x)| u64::from(x.rows)).sum()
                };
                if nhat > 0.0 { rows as f64 / nhat } else { 0.0 }
            })
            .collect()
    }

    /// `(Σ w, Σ w y)` of glm's prior weights wᵢ = pwᵢ / mean(pw) for a level: the mean is over
    /// the rows R analyses (the domain's, or all rows for a calibrated design), so Σ w is that
    /// number of rows.
    fn prior_totals(&self, sums: &LevelSums, level: usize) -> (f64, f64) {
        let slots = &sums.by_level[level];
        let (p, _) = totals(slots);
        let rows = if self.model.is_some() {
            self.design.n_rows() as f64
        } else {
            slots.iter().map(|(_, x)| f64::from(x.rows)).sum()
        };
        (rows, p * rows)
    }

    fn sums_from_dense(&self, acc: Vec<Slot>, cells: Vec<[f64; 4]>, n_levels: usize) -> LevelSums {
        let mut by_level: Vec<Vec<(u32, Slot)>> = vec![Vec::new(); n_levels];
        for (k, s) in acc.into_iter().enumerate() {
            if s.rows > 0 {
                by_level[k % n_levels].push(((k / n_levels) as u32, s));
            }
        }
        let cells = self.model.as_ref().map(|_| {
            let mut cols: [Vec<f64>; 4] = Default::default();
            for (j, col) in cols.iter_mut().enumerate() {
                *col = cells.iter().map(|a| a[j]).collect();
            }
            cols
        });
        LevelSums {
            n_levels,
            by_level,
            cells,
            irls: Vec::new(),
        }
    }

    /// The difference of two domains of this survey, with the standard error from the PSU totals
    /// of the difference (domains share PSUs, so their estimates are correlated).
    pub fn contrast(&self, a: Domain<'_>, b: Domain<'_>) -> Result<Difference> {
        let (pa, ta, ha, na) = self.domain_totals(a)?;
        let (pb, tb, hb, nb) = self.domain_totals(b)?;
        let t: Vec<f64> = ta.iter().zip(&tb).map(|(x, y)| x - y).collect();
        let present: Vec<bool> = ha.iter().zip(&hb).map(|(x, y)| *x || *y).collect();
        let var = self.variance(&t, &present)?;
        Ok(Difference::new(na, nb, pa - pb, var.sqrt()))
    }

    fn domain_totals(&self, d: Domain<'_>) -> Result<(f64, Vec<f64>, Vec<bool>, String)> {
        let (codes, n_levels, level, name) = match d {
            Domain::Overall => (None, 1, 0usize, "overall".to_string()),
            Domain::Level(f, l) => {
                let code = f.level_index(l).ok_or_else(|| SurveyError::EmptyDomain {
                    by: f.name().into(),
                    level: l.into(),
                })?;
                (
                    Some(f.codes()),
                    f.levels().len(),
                    code as usize,
                    format!("{}={l}", f.name()),
                )
            }
        };
        let sums = self.level_sums(codes, n_levels)?;
        let slots = &sums.by_level[level];
        let (p, nhat) = totals(slots);
        if nhat <= 0.0 {
            return Err(SurveyError::EmptyDomain {
                by: name.clone(),
                level: String::new(),
            });
        }
        let (t, present) = self.psu_totals(&sums, level, p, nhat);
        Ok((p, t, present, name))
    }

    /// One pass over the rows: sums per (PSU, level) and, when calibrated, per (cell, level).
    /// `codes: None` is the overall domain (one level, every row).
    fn level_sums(&self, codes: Option<&[u32]>, n_levels: usize) -> Result<LevelSums> {
        let n = self.design.n_rows();
        if let Some(c) = codes
            && c.len() != n
        {
            return Err(SurveyError::Invalid(format!(
                "domain variable has {} rows, the survey {n}",
                c.len()
            )));
        }
        match codes {
            Some(c) => Ok(self.accumulate(n_levels, |i| c[i] as usize)),
            None => Ok(self.accumulate(1, |_| 0)),
        }
    }

    fn accumulate(&self, n_levels: usize, level_of: impl Fn(usize) -> usize) -> LevelSums {
        let n = self.design.n_rows();
        let w = self.weights();
        let d = &self.design.weights;
        let psu = &self.design.psu;
        let y = &self.y;
        let n_psu = self.design.n_psu();
        let mut by_level: Vec<Vec<(u32, Slot)>> = vec![Vec::new(); n_levels];
        // Per (cell, level): Σ d y, Σ d, Σ y, rows. Separate loops with and without calibration
        // keep the hot loop free of branches.
        let mut cells: Option<Vec<[f64; 4]>> = None;
        let add_cell = |acc: &mut [[f64; 4]], j: usize, i: usize| {
            let a = &mut acc[j];
            let yi = f64::from(y[i]);
            a[0] += d[i] * yi;
            a[1] += d[i];
            a[2] += yi;
            a[3] += 1.0;
        };
        if (n_psu as u64) * (n_levels as u64) <= DENSE_LIMIT {
            let mut acc = vec![Slot::default(); n_psu * n_levels];
            match &self.model {
                Some(m) => {
                    let k = m.n_cells;
                    let mut cacc = vec![[0.0; 4]; k * n_levels];
                    for i in 0..n {
                        let l = level_of(i);
                        add(&mut acc[psu[i] as usize * n_levels + l], w[i], y[i]);
                        add_cell(&mut cacc, l * k + m.cell[i] as usize, i);
                    }
                    cells = Some(cacc);
                }
                None => {
                    for i in 0..n {
                        let l = level_of(i);
                        add(&mut acc[psu[i] as usize * n_levels + l], w[i], y[i]);
                    }
                }
            }
            for (k, s) in acc.into_iter().enumerate() {
                if s.rows > 0 {
                    by_level[k % n_levels].push(((k / n_levels) as u32, s));
                }
            }
        } else {
            let mut acc: HashMap<(u32, u32), Slot, FxBuild> = HashMap::default();
            for i in 0..n {
                add(
                    acc.entry((level_of(i) as u32, psu[i])).or_default(),
                    w[i],
                    y[i],
                );
            }
            for ((l, p), s) in acc {
                by_level[l as usize].push((p, s));
            }
            for v in &mut by_level {
                v.sort_unstable_by_key(|&(p, _)| p);
            }
            if let Some(m) = &self.model {
                let k = m.n_cells;
                let mut cacc = vec![[0.0; 4]; k * n_levels];
                for i in 0..n {
                    add_cell(&mut cacc, level_of(i) * k + m.cell[i] as usize, i);
                }
                cells = Some(cacc);
            }
        }
        let cells = cells.map(|acc| {
            let mut cols: [Vec<f64>; 4] = Default::default();
            for (j, col) in cols.iter_mut().enumerate() {
                *col = acc.iter().map(|a| a[j]).collect();
            }
            cols
        });
        LevelSums {
            n_levels,
            by_level,
            cells,
            irls: Vec::new(),
        }
    }

    /// PSU totals of the linearised variable of one level, and the strata present in the
    /// analysed (sub)sample.
    fn psu_totals(
        &self,
        sums: &LevelSums,
        level: usize,
        p: f64,
        nhat: f64,
    ) -> (Vec<f64>, Vec<bool>) {
        let design = &self.design;
        let mut t = vec![0.0; design.n_psu()];
        let mut present = vec![false; design.n_strata()];
        for &(psu, s) in &sums.by_level[level] {
            t[psu as usize] = (s.wy - p * s.w) / nhat;
            present[design.psu_stratum[psu as usize] as usize] = true;
        }
        if let (Some(model), Some(cells)) = (&self.model, &sums.cells) {
            let k = model.n_cells;
            let r = level * k..(level + 1) * k;
            let adj = model.adjustment(
                &CellSums {
                    dy: &cells[0][r.clone()],
                    d: &cells[1][r.clone()],
                    y: &cells[2][r.clone()],
                    n: &cells[3][r],
                },
                p,
                nhat,
            );
            for &(psu, cell, wsum) in &model.psu_cell {
                t[psu as usize] -= adj[cell as usize] * wsum;
            }
            // A calibrated domain keeps every row (with weight zero outside the domain), so
            // every stratum is in the analysed sample.
            present.iter_mut().for_each(|x| *x = true);
        }
        debug_assert_eq!(sums.n_levels, sums.by_level.len());
        (t, present)
    }

    /// Σ over strata of the with-replacement variance of PSU totals (§2.3–2.4).
    fn variance(&self, t: &[f64], present: &[bool]) -> Result<f64> {
        let d = &self.design;
        let h_count = d.n_strata();
        let mut s1 = vec![0.0; h_count];
        for (p, &x) in t.iter().enumerate() {
            s1[d.psu_stratum[p] as usize] += x;
        }
        let mean: Vec<f64> = s1
            .iter()
            .zip(&d.n_h)
            .map(|(s, &n)| if n > 0 { s / n as f64 } else { 0.0 })
            .collect();
        let mut ss = vec![0.0; h_count];
        for (p, &x) in t.iter().enumerate() {
            let h = d.psu_stratum[p] as usize;
            ss[h] += (x - mean[h]) * (x - mean[h]);
        }
        let mut v = 0.0;
        let (mut strata, mut ok) = (0usize, 0usize);
        for h in 0..h_count {
            if !present[h] {
                continue;
            }
            strata += 1;
            let nh = d.n_h[h];
            if d.certainty[h] {
                ok += 1;
                continue;
            }
            let fpc = 1.0 - d.f_h[h];
            if nh >= 2 {
                ok += 1;
                v += fpc * nh as f64 / (nh as f64 - 1.0) * ss[h];
            } else {
                match d.lonely_psu {
                    LonelyPsu::Fail => {
                        return Err(SurveyError::LonelyPsu {
                            strata: vec![d.stratum_names[h].clone()],
                        });
                    }
                    LonelyPsu::Remove | LonelyPsu::Certainty => ok += 1,
                    LonelyPsu::Adjust => {
                        ok += 1;
                        // survey 4.1-1 centres a lonely PSU's total at zero.
                        v += fpc * s1[h] * s1[h];
                    }
                    LonelyPsu::Average => {}
                }
            }
        }
        if d.lonely_psu == LonelyPsu::Average && ok < strata {
            if ok == 0 {
                return Err(SurveyError::NoVariance(
                    "每个层都只有一个初级抽样单元 (every stratum has a single PSU)".into(),
                ));
            }
            v *= strata as f64 / ok as f64;
        }
        Ok(v)
    }

    fn estimate_level(
        &self,
        sums: &LevelSums,
        level: usize,
        by: &str,
        name: &str,
    ) -> Result<DomainEstimate> {
        let slots = &sums.by_level[level];
        let (p, nhat) = totals(slots);
        if nhat <= 0.0 {
            return Err(SurveyError::EmptyDomain {
                by: by.into(),
                level: name.into(),
            });
        }
        let n: u64 = slots.iter().map(|(_, s)| s.rows as u64).sum();
        let n_nonzero: u64 = slots.iter().map(|(_, s)| s.nonzero as u64).sum();
        // df: PSUs with a non-zero weight in the domain, minus their strata.
        let mut strata_seen = vec![false; self.design.n_strata()];
        let mut psus = 0i64;
        for &(psu, s) in slots {
            if s.nonzero > 0 {
                psus += 1;
                strata_seen[self.design.psu_stratum[psu as usize] as usize] = true;
            }
        }
        let df = psus - strata_seen.iter().filter(|&&x| x).count() as i64;

        let (t, present) = self.psu_totals(sums, level, p, nhat);
        let var = self.variance(&t, &present)?;
        let se = var.sqrt();

        // Design effect against SRS without replacement of n_nonzero from nhat (§2.8).
        let nn = n_nonzero as f64;
        let deff = if n_nonzero > 1 && nhat > nn && p > 0.0 && p < 1.0 {
            let s2 = p * (1.0 - p) * nn / (nn - 1.0);
            let vsrs = s2 * (nhat - nn) / (nhat * nn);
            Some(var / vsrs)
        } else {
            None
        };
        let (logit_l, logit_u) = if p > 0.0 && p < 1.0 && df >= 1 {
            let (eta, mu) = glm_logit(sums.irls[level], self.prior_totals(sums, level));
            // svyglm's sandwich: the linearised variable at glm's fitted μ, on the logit scale.
            let (t_mu, present_mu) = self.psu_totals(sums, level, mu, nhat);
            let se_eta = self.variance(&t_mu, &present_mu)?.sqrt() / (mu * (1.0 - mu));
            let q = crate::dist::t975(df as f64);
            (Some(expit(eta - q * se_eta)), Some(expit(eta + q * se_eta)))
        } else {
            (None, None)
        };
        let cv = if p > 0.0 { Some(se / p) } else { None };
        let mut flags = Vec::new();
        if df < 1 {
            flags.push(Flag::DfBelow1);
        }
        if n < 30 {
            flags.push(Flag::NBelow30);
        }
        if p <= 0.0 || p >= 1.0 {
            flags.push(Flag::Boundary);
        }
        if cv.is_some_and(|c| c > 0.30) {
            flags.push(Flag::CvAbove30);
        }
        Ok(DomainEstimate {
            by: by.into(),
            level: name.into(),
            n,
            wsum: nhat,
            est: p,
            se,
            cv,
            deff,
            df,
            wald_l: p - Z975 * se,
            wald_u: p + Z975 * se,
            logit_l,
            logit_u,
            flags,
        })
    }
}

#[inline]
fn add(s: &mut Slot, w: f64, y: u8) {
    s.w += w;
    s.wy += w * f64::from(y);
    s.rows += 1;
    s.nonzero += u32::from(w != 0.0);
}

/// (p̂, N̂) of a level from its PSU slots.
fn totals(slots: &[(u32, Slot)]) -> (f64, f64) {
    let (mut wy, mut w) = (0.0, 0.0);
    for (_, s) in slots {
        wy += s.wy;
        w += s.w;
    }
    (if w > 0.0 { wy / w } else { 0.0 }, w)
}

/// R's logit inverse link (`make.link("logit")$linkinv`): e^η / (1 + e^η).
fn expit(x: f64) -> f64 {
    let t = x.exp();
    t / (1.0 + t)
}

/// `glm(y ~ 1, family = quasibinomial, weights = w)` as R's `glm.fit` runs it: the first IRLS
/// step from the per-row start values (sums in `start`), then Newton steps on the totals, until
/// |dev − dev_old| / (|dev| + 0.1) < 1e-8 (at most 25 iterations). Returns (η̂, μ̂).
///
/// glm also compares the first step's deviance with the deviance at the start values; the two
/// are far apart for any real data (start values 0.25/0.75 at weight 1 against a fitted share),
/// so that comparison is taken as "not converged" rather than paying a second logarithm per row.
fn glm_logit(start: [f64; 2], (b, a): (f64, f64)) -> (f64, f64) {
    const EPSILON: f64 = 1e-8;
    const MAXIT: usize = 25;
    let deviance = |mu: f64| -2.0 * (a * mu.ln() + (b - a) * (1.0 - mu).ln());
    let [sw, swz] = start;
    let mut eta = swz / sw;
    let mut mu = expit(eta);
    let mut dev = deviance(mu);
    let converged = |dev: f64, old: f64| (dev - old).abs() / (dev.abs() + 0.1) < EPSILON;
    let mut dev_old = f64::INFINITY;
    let mut iter = 1;
    while !converged(dev, dev_old) && iter < MAXIT {
        // Weighted least squares of z = η + (y − μ)/(μ(1−μ)) on an intercept, with weights
        // w μ(1−μ) the same for every row.
        eta += (a - mu * b) / (mu * (1.0 - mu) * b);
        mu = expit(eta);
        dev_old = dev;
        dev = deviance(mu);
        iter += 1;
    }
    (eta, mu)
}
