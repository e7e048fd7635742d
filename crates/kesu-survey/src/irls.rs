//! The first step of R's `glm` IRLS for an intercept-only quasibinomial model, summed over every
//! domain at once.
//!
//! R's logit interval comes from `svyglm(y ~ 1, family = quasibinomial)`, whose IRLS starts from
//! per-row values μᵢ = (wᵢyᵢ + ½)/(wᵢ + 1) with prior weights wᵢ = pwᵢ·c (c = 1/mean(pw) of the
//! domain). The first step needs, per domain,
//!
//!   Σ G(wᵢ)  and  Σ ±H(wᵢ)  (+ for yᵢ = 1),  G(w) = ½w(w+½)/(w+1)²,  H(w) = G(w)·ln(1+2w) + ½w/(w+1),
//!
//! a logarithm per row and domain — the costliest thing in the whole estimation if done
//! directly. Instead, rows are binned once by their weight (128 bins per octave, read off the
//! float's bits: no logarithm), and each bin keeps the moments Σtᵏ (k ≤ 3) of the row's relative
//! position t ∈ [−1, 1] inside the bin. Per domain and bin, G and H are interpolated by a cubic
//! through four Chebyshev nodes, so the sum over the bin's rows is Σⱼ f(nodeⱼ)·(Lⱼ · moments).
//! The interpolation error is below 1e-10 of each term; the first step only sets where glm
//! starts, and its effect on the interval is damped by the later Newton steps.

/// Bins per octave of weight.
const PER_OCTAVE: usize = 128;
const MANT_BITS: u32 = 52;
const TOP_BITS: u32 = 7; // log2(PER_OCTAVE)

fn g(w: f64) -> f64 {
    let r = 1.0 / (w + 1.0);
    0.5 * w * (w + 0.5) * r * r
}

fn h(w: f64) -> f64 {
    g(w) * (2.0 * w).ln_1p() + 0.5 * w / (w + 1.0)
}

/// Centre of mantissa bin k (in [1, 2)) and 1 / half-width.
fn centre(k: usize) -> f64 {
    1.0 + (k as f64 + 0.5) / PER_OCTAVE as f64
}

/// Chebyshev nodes on [−1, 1] and, for each, the monomial coefficients of its Lagrange basis
/// polynomial (degree 3).
fn lagrange() -> ([f64; 4], [[f64; 4]; 4]) {
    let nodes: [f64; 4] =
        std::array::from_fn(|j| ((2 * j + 1) as f64 * std::f64::consts::PI / 8.0).cos());
    let mut basis = [[0.0; 4]; 4];
    for j in 0..4 {
        // Π_{m≠j} (t − t_m) / (t_j − t_m), expanded.
        let mut poly = vec![1.0];
        let mut denom = 1.0;
        for m in 0..4 {
            if m == j {
                continue;
            }
            let mut next = vec![0.0; poly.len() + 1];
            for (p, &c) in poly.iter().enumerate() {
                next[p + 1] += c;
                next[p] -= c * nodes[m];
            }
            poly = next;
            denom *= nodes[j] - nodes[m];
        }
        for (k, c) in poly.iter().enumerate() {
            basis[j][k] = c / denom;
        }
    }
    (nodes, basis)
}

/// Where a weight falls: its bin (octave and mantissa slice, from the float's bits) and its
/// relative position t ∈ [−1, 1] in the bin.
#[derive(Debug, Clone)]
pub(crate) struct Binning {
    /// Biased exponent of the smallest positive (normal) weight.
    e_lo: u64,
    bins: usize,
    inv_centre: Vec<f64>,
    t_scale: Vec<f64>,
}

impl Binning {
    /// Bins covering the positive weights of `pw`.
    pub fn new(pw: &[f64]) -> Self {
        let ranges = crate::par::halves(pw.len(), |rows| {
            let (mut lo, mut hi) = (u64::MAX, 0u64);
            for &p in &pw[rows] {
                if p > 0.0 {
                    let e = (p.to_bits() >> MANT_BITS) & 0x7ff;
                    if e > 0 {
                        lo = lo.min(e);
                        hi = hi.max(e);
                    }
                }
            }
            (lo, hi)
        });
        let e_lo = ranges.iter().map(|r| r.0).min().unwrap_or(u64::MAX);
        let e_hi = ranges.iter().map(|r| r.1).max().unwrap_or(0);
        let octaves = if e_lo <= e_hi {
            (e_hi - e_lo + 1) as usize
        } else {
            0
        };
        Binning {
            e_lo,
            bins: octaves * PER_OCTAVE,
            inv_centre: (0..PER_OCTAVE).map(|k| 1.0 / centre(k)).collect(),
            // t = (m/centre − 1) / half-width, half-width = (½/PER_OCTAVE)/centre.
            t_scale: (0..PER_OCTAVE)
                .map(|k| 2.0 * PER_OCTAVE as f64 * centre(k))
                .collect(),
        }
    }

    pub fn bins(&self) -> usize {
        self.bins
    }

    /// `(bin, t)` of a positive normal weight; `None` for zero, negative or subnormal weights
    /// (the caller sums subnormal ones exactly).
    #[inline]
    pub fn locate(&self, p: f64) -> Option<(usize, f64)> {
        let bits = p.to_bits();
        let e = (bits >> MANT_BITS) & 0x7ff;
        if p <= 0.0 || e == 0 || e < self.e_lo {
            return None;
        }
        let k = ((bits >> (MANT_BITS - TOP_BITS)) & (PER_OCTAVE as u64 - 1)) as usize;
        let m = f64::from_bits((bits & ((1u64 << MANT_BITS) - 1)) | (1023u64 << MANT_BITS));
        let t = (m * self.inv_centre[k] - 1.0) * self.t_scale[k];
        let bin = (e - self.e_lo) as usize * PER_OCTAVE + k;
        (bin < self.bins).then_some((bin, t))
    }

    /// Add a located row to `moments` (laid out level × y × bin); `powers` = [1, t, t², t³].
    #[inline]
    pub fn add(
        &self,
        moments: &mut [[f64; 4]],
        level: usize,
        y: u8,
        bin: usize,
        powers: &[f64; 4],
    ) {
        let a = &mut moments[(level * 2 + usize::from(y == 1)) * self.bins + bin];
        for j in 0..4 {
            a[j] += powers[j];
        }
    }

    /// `[Σ G(pwᵢ c), Σ ±H(pwᵢ c)]` per level of one domain variable from its moments, with
    /// `scale[l]` = c; `exact` holds the rows that could not be binned, already summed.
    pub fn evaluate(
        &self,
        moments: &[[f64; 4]],
        exact: &[[f64; 2]],
        scale: &[f64],
    ) -> Vec<[f64; 2]> {
        let (nodes, basis) = lagrange();
        scale
            .iter()
            .enumerate()
            .map(|(l, &c)| {
                let mut sum = exact.get(l).copied().unwrap_or([0.0; 2]);
                for yi in 0..2 {
                    for bin in 0..self.bins {
                        let mom = moments[(l * 2 + yi) * self.bins + bin];
                        if mom[0] == 0.0 {
                            continue;
                        }
                        let (octave, k) = (bin / PER_OCTAVE, bin % PER_OCTAVE);
                        let power = f64::from_bits((self.e_lo + octave as u64) << MANT_BITS);
                        let w_centre = power * centre(k) * c;
                        let half_width = 0.5 / PER_OCTAVE as f64 / centre(k);
                        for j in 0..4 {
                            let weight: f64 = (0..4).map(|q| basis[j][q] * mom[q]).sum();
                            let w = w_centre * (1.0 + half_width * nodes[j]);
                            sum[0] += weight * g(w);
                            sum[1] += if yi == 1 {
                                weight * h(w)
                            } else {
                                -weight * h(w)
                            };
                        }
                    }
                }
                sum
            })
            .collect()
    }
}

/// `[G(w), ±H(w)]` of one row, computed directly.
pub(crate) fn exact_terms(w: f64, y: u8) -> [f64; 2] {
    [g(w), if y == 1 { h(w) } else { -h(w) }]
}

/// `[Σ G(pwᵢ c), Σ ±H(pwᵢ c)]` per domain level, for several domain variables at once, in a pass
/// of its own. `codes[f]` is the level of each row for variable f (`None`: one level,
/// everyone); `scale[f][l]` is c for level l. Rows with pw ≤ 0 are left out, as glm leaves out
/// zero prior weights.
pub(crate) fn first_step(
    binning: &Binning,
    pw: &[f64],
    y: &[u8],
    codes: &[Option<&[u32]>],
    scale: &[Vec<f64>],
) -> Vec<Vec<[f64; 2]>> {
    let parts = crate::par::halves(pw.len(), |rows| {
        let mut moments: Vec<Vec<[f64; 4]>> = scale
            .iter()
            .map(|s| vec![[0.0; 4]; s.len() * 2 * binning.bins()])
            .collect();
        let mut exact: Vec<Vec<[f64; 2]>> = scale.iter().map(|s| vec![[0.0; 2]; s.len()]).collect();
        for i in rows {
            let p = pw[i];
            if p <= 0.0 {
                continue;
            }
            match binning.locate(p) {
                Some((bin, t)) => {
                    let powers = [1.0, t, t * t, t * t * t];
                    for (f, c) in codes.iter().enumerate() {
                        let l = c.map_or(0, |c| c[i] as usize);
                        binning.add(&mut moments[f], l, y[i], bin, &powers);
                    }
                }
                None => {
                    for (f, c) in codes.iter().enumerate() {
                        let l = c.map_or(0, |c| c[i] as usize);
                        let [a, b] = exact_terms(p * scale[f][l], y[i]);
                        exact[f][l][0] += a;
                        exact[f][l][1] += b;
                    }
                }
            }
        }
        (moments, exact)
    });
    (0..scale.len())
        .map(|f| {
            let mut moments = vec![[0.0; 4]; scale[f].len() * 2 * binning.bins()];
            let mut exact = vec![[0.0; 2]; scale[f].len()];
            for (m, e) in &parts {
                for (a, b) in moments.iter_mut().zip(&m[f]) {
                    for j in 0..4 {
                        a[j] += b[j];
                    }
                }
                for (a, b) in exact.iter_mut().zip(&e[f]) {
                    a[0] += b[0];
                    a[1] += b[1];
                }
            }
            binning.evaluate(&moments, &exact, &scale[f])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The binned sums agree with the direct per-row sums.
    #[test]
    fn binned_sums_match_direct_sums() {
        let mut x = 12345u64;
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        let n = 50_000;
        let pw: Vec<f64> = (0..n).map(|_| 10f64.powf(1.0 + 3.0 * next())).collect();
        let y: Vec<u8> = (0..n).map(|_| u8::from(next() < 0.3)).collect();
        let codes: Vec<u32> = (0..n).map(|i| (i % 3) as u32).collect();
        let scale = vec![
            vec![1.0 / 300.0],
            vec![1.0 / 250.0, 1.0 / 400.0, 1.0 / 2000.0],
        ];
        let got = first_step(&Binning::new(&pw), &pw, &y, &[None, Some(&codes)], &scale);
        for (f, levels) in scale.iter().enumerate() {
            for (l, &c) in levels.iter().enumerate() {
                let (mut sg, mut sh) = (0.0, 0.0);
                for i in 0..n {
                    if f == 1 && codes[i] as usize != l {
                        continue;
                    }
                    let w = pw[i] * c;
                    sg += g(w);
                    sh += if y[i] == 1 { h(w) } else { -h(w) };
                }
                let [bg, bh] = got[f][l];
                assert!((bg - sg).abs() <= 1e-10 * sg.abs(), "{f} {l}: {bg} vs {sg}");
                let scale_h: f64 = (0..n).map(|i| h(pw[i] * c).abs()).sum();
                assert!((bh - sh).abs() <= 1e-10 * scale_h, "{f} {l}: {bh} vs {sh}");
            }
        }
    }
}
