//! The one piece of linear algebra calibration needs: solving `G b = h` for a small symmetric
//! positive semi-definite `G` (the weighted cross-product of the calibration model matrix). The
//! model may be rank deficient (overlapping margins, an empty level); then any solution gives the
//! same fitted values `x'b`, which is all the estimators use, so near-zero pivots are dropped.

/// A pivoted Cholesky factorisation `P'GP = LL'` truncated at the numerical rank.
#[derive(Debug, Clone)]
pub(crate) struct Cholesky {
    p: usize,
    /// Pivot order: `perm[k]` is the original index of the k-th pivot.
    perm: Vec<usize>,
    /// Lower triangle, row-major p×p, in pivoted order; only the first `rank` columns are used.
    l: Vec<f64>,
    rank: usize,
}

impl Cholesky {
    /// Factorise `g` (p×p, row-major, symmetric).
    pub fn new(g: &[f64], p: usize) -> Self {
        let mut a = g.to_vec();
        let mut perm: Vec<usize> = (0..p).collect();
        let max_diag = (0..p).map(|i| a[i * p + i].abs()).fold(0.0, f64::max);
        let tol = max_diag * 1e-12;
        let mut rank = 0;
        for k in 0..p {
            // Pivot: the largest remaining diagonal.
            let (j, d) =
                (k..p)
                    .map(|j| (j, a[j * p + j]))
                    .fold(
                        (k, f64::NEG_INFINITY),
                        |acc, x| if x.1 > acc.1 { x } else { acc },
                    );
            if d <= tol {
                break;
            }
            if j != k {
                swap_sym(&mut a, p, j, k);
                perm.swap(j, k);
            }
            let dk = a[k * p + k].sqrt();
            a[k * p + k] = dk;
            for i in k + 1..p {
                a[i * p + k] /= dk;
            }
            for i in k + 1..p {
                let lik = a[i * p + k];
                for jj in k + 1..=i {
                    a[i * p + jj] -= lik * a[jj * p + k];
                }
            }
            // Keep the upper triangle in step (the pivot search and swaps read both).
            for i in k + 1..p {
                for jj in k + 1..i {
                    a[jj * p + i] = a[i * p + jj];
                }
            }
            rank = k + 1;
        }
        Cholesky {
            p,
            perm,
            l: a,
            rank,
        }
    }

    #[cfg(test)]
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// A solution of `G b = h` (coefficients of dropped pivots are zero).
    pub fn solve(&self, h: &[f64]) -> Vec<f64> {
        let (p, r) = (self.p, self.rank);
        let mut z: Vec<f64> = (0..r).map(|k| h[self.perm[k]]).collect();
        // L y = P'h (first r rows), then L' x = y.
        for i in 0..r {
            let mut s = z[i];
            for k in 0..i {
                s -= self.l[i * p + k] * z[k];
            }
            z[i] = s / self.l[i * p + i];
        }
        for i in (0..r).rev() {
            let mut s = z[i];
            for k in i + 1..r {
                s -= self.l[k * p + i] * z[k];
            }
            z[i] = s / self.l[i * p + i];
        }
        let mut b = vec![0.0; p];
        for k in 0..r {
            b[self.perm[k]] = z[k];
        }
        b
    }
}

/// Swap rows and columns `i` and `j` of a symmetric row-major matrix.
fn swap_sym(a: &mut [f64], p: usize, i: usize, j: usize) {
    for c in 0..p {
        a.swap(i * p + c, j * p + c);
    }
    for r in 0..p {
        a.swap(r * p + i, r * p + j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_full_rank_system() {
        let g = [4.0, 2.0, 0.6, 2.0, 5.0, 1.0, 0.6, 1.0, 3.0];
        let b_true = [1.0, -2.0, 0.5];
        let h: Vec<f64> = (0..3)
            .map(|i| (0..3).map(|j| g[i * 3 + j] * b_true[j]).sum())
            .collect();
        let c = Cholesky::new(&g, 3);
        assert_eq!(c.rank(), 3);
        let b = c.solve(&h);
        for (x, y) in b.iter().zip(b_true) {
            assert!((x - y).abs() < 1e-12);
        }
    }

    #[test]
    fn a_rank_deficient_system_gets_a_solution_with_the_same_fit() {
        // x = (1, a, 1-a): the third column is intercept minus the second.
        let rows = [[1.0, 1.0, 0.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0]];
        let w = [2.0, 3.0, 1.0];
        let e = [0.5, -1.0, 0.25];
        let mut g = [0.0; 9];
        let mut h = [0.0; 3];
        for ((x, wi), ei) in rows.iter().zip(w).zip(e) {
            for i in 0..3 {
                h[i] += wi * x[i] * ei;
                for j in 0..3 {
                    g[i * 3 + j] += wi * x[i] * x[j];
                }
            }
        }
        let c = Cholesky::new(&g, 3);
        assert_eq!(c.rank(), 2);
        let b = c.solve(&h);
        // Fitted values are the weighted group means of e: a=1 rows (0.5, 0.25 with w 2, 1)
        // and the a=0 row (-1).
        let fit = |x: &[f64; 3]| x.iter().zip(&b).map(|(a, b)| a * b).sum::<f64>();
        assert!((fit(&rows[0]) - (2.0 * 0.5 + 0.25) / 3.0).abs() < 1e-12);
        assert!((fit(&rows[1]) + 1.0).abs() < 1e-12);
    }
}
