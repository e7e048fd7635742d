//! Two-way data parallelism for the passes over rows. Large inputs are split into two fixed
//! halves (never "one part per core"), each summed on its own thread and the two results
//! combined in order, so a result does not depend on the machine it was computed on.

use std::ops::Range;

/// Rows at and above which a pass is split in two halves on two threads.
pub(crate) const PARALLEL_ROWS: usize = 200_000;

/// `f` over `[0, n)`: as one range, or as two halves on two threads (first half first).
pub(crate) fn halves<T: Send>(n: usize, f: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    if n < PARALLEL_ROWS {
        return vec![f(0..n)];
    }
    let mid = n / 2;
    std::thread::scope(|s| {
        let second = s.spawn(|| f(mid..n));
        let first = f(0..mid);
        match second.join() {
            Ok(b) => vec![first, b],
            // Only a bug can panic here; pass it on rather than hide it.
            Err(e) => std::panic::resume_unwind(e),
        }
    })
}

/// Fill `out[i]` for every row with `f(i)` (two halves on two threads for large inputs), while
/// folding a per-half accumulator `acc(range, out_slice)`; returns the accumulators in order.
pub(crate) fn fill_halves<O: Send, T: Send>(
    out: &mut [O],
    f: impl Fn(Range<usize>, &mut [O]) -> T + Sync,
) -> Vec<T> {
    let n = out.len();
    if n < PARALLEL_ROWS {
        return vec![f(0..n, out)];
    }
    let mid = n / 2;
    let (a, b) = out.split_at_mut(mid);
    std::thread::scope(|s| {
        let second = s.spawn(|| f(mid..n, b));
        let first = f(0..mid, a);
        match second.join() {
            Ok(t) => vec![first, t],
            Err(e) => std::panic::resume_unwind(e),
        }
    })
}
