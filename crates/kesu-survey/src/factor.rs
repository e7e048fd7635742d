//! Categorical columns, dictionary-encoded: one `u32` code per row and a small list of levels. All
//! grouping in the crate (strata, PSUs, domains, weighting cells) works on these codes, never on
//! strings per row.

use crate::error::{Result, SurveyError};
use std::collections::HashMap;

/// A categorical variable: `codes[i]` indexes `levels` for row `i`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Factor {
    name: String,
    levels: Vec<String>,
    codes: Vec<u32>,
}

/// Separator of the parts of a crossed level (`east|1|F`), as in the margins table.
pub const LEVEL_SEP: char = '|';
/// Separator of the variables of a crossing (`region+urban+sex`), as in the margins table.
pub const VAR_SEP: char = '+';

impl Factor {
    /// A factor from its levels and codes; every code must index a level.
    pub fn new(name: impl Into<String>, levels: Vec<String>, codes: Vec<u32>) -> Result<Self> {
        let name = name.into();
        if let Some(row) = codes.iter().position(|&c| c as usize >= levels.len()) {
            return Err(SurveyError::Invalid(format!(
                "factor {name}: row {row} has code {} but there are {} levels",
                codes[row],
                levels.len()
            )));
        }
        Ok(Factor {
            name,
            levels,
            codes,
        })
    }

    /// Codes known to index `levels` (built by this crate).
    pub(crate) fn from_parts(name: &str, levels: Vec<String>, codes: Vec<u32>) -> Self {
        Factor {
            name: name.to_string(),
            levels,
            codes,
        }
    }

    /// A factor from one string per row; levels in order of first appearance.
    pub fn from_values<S: AsRef<str>>(name: impl Into<String>, values: &[S]) -> Self {
        let mut index: HashMap<&str, u32> = HashMap::new();
        let mut levels = Vec::new();
        let codes = values
            .iter()
            .map(|v| {
                let v = v.as_ref();
                *index.entry(v).or_insert_with(|| {
                    levels.push(v.to_string());
                    (levels.len() - 1) as u32
                })
            })
            .collect();
        Factor {
            name: name.into(),
            levels,
            codes,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn levels(&self) -> &[String] {
        &self.levels
    }

    pub fn codes(&self) -> &[u32] {
        &self.codes
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The level index of a level name.
    pub fn level_index(&self, level: &str) -> Option<u32> {
        self.levels
            .iter()
            .position(|l| l == level)
            .map(|i| i as u32)
    }

    /// The first row holding level `code` (for error messages).
    pub fn first_row_of(&self, code: u32) -> Option<usize> {
        self.codes.iter().position(|&c| c == code)
    }

    /// Rename the factor (e.g. after crossing).
    pub fn renamed(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Put the levels in a given order: those of `order` that occur come first, in that order;
    /// the others follow in natural order (numbers by value, text by code point).
    pub fn ordered_like(mut self, order: &[String]) -> Self {
        let pos: HashMap<&str, usize> = order
            .iter()
            .enumerate()
            .map(|(i, l)| (l.as_str(), i))
            .collect();
        let mut idx: Vec<usize> = (0..self.levels.len()).collect();
        idx.sort_by(|&a, &b| {
            let (la, lb) = (&self.levels[a], &self.levels[b]);
            match (pos.get(la.as_str()), pos.get(lb.as_str())) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => natural_cmp(la, lb),
            }
        });
        self.reorder(&idx);
        self
    }

    /// Levels in natural order (numbers by value, then text by code point).
    pub fn sorted(self) -> Self {
        self.ordered_like(&[])
    }

    /// `idx[new] = old`.
    fn reorder(&mut self, idx: &[usize]) {
        let mut old_to_new = vec![0u32; idx.len()];
        for (new, &old) in idx.iter().enumerate() {
            old_to_new[old] = new as u32;
        }
        self.levels = idx.iter().map(|&old| self.levels[old].clone()).collect();
        for c in &mut self.codes {
            *c = old_to_new[*c as usize];
        }
    }

    /// The crossing of several factors of the same length: the name joins theirs with `+`, a level
    /// joins theirs with `|`. Only combinations that occur become levels, ordered as the parts
    /// are (first part slowest).
    pub fn cross(parts: &[&Factor]) -> Result<Factor> {
        let Some(first) = parts.first() else {
            return Err(SurveyError::Invalid("crossing of no variables".into()));
        };
        if let Some(bad) = parts.iter().find(|f| f.len() != first.len()) {
            return Err(SurveyError::Invalid(format!(
                "cannot cross {} ({} rows) with {} ({} rows)",
                first.name,
                first.len(),
                bad.name,
                bad.len()
            )));
        }
        if parts.len() == 1 {
            return Ok((*first).clone());
        }
        let inputs: Vec<(&[u32], usize)> = parts
            .iter()
            .map(|f| (f.codes.as_slice(), f.levels.len()))
            .collect();
        let joint = combine(&inputs);
        let levels = joint
            .parts
            .iter()
            .map(|combo| {
                combo
                    .iter()
                    .zip(parts)
                    .map(|(&c, f)| f.levels[c as usize].as_str())
                    .collect::<Vec<_>>()
                    .join(&LEVEL_SEP.to_string())
            })
            .collect();
        let name = parts
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(&VAR_SEP.to_string());
        Ok(Factor {
            name,
            levels,
            codes: joint.codes,
        })
    }
}

/// Numbers by value first, then anything else by code point; so `2 < 10` and `18-29 < 30-39`.
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.total_cmp(&y),
        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

/// The joint code of several code columns.
pub(crate) struct Joint {
    /// Joint code per row.
    pub codes: Vec<u32>,
    /// For each joint code, the code of each input.
    pub parts: Vec<Vec<u32>>,
}

/// Cross several code columns (`(codes, number of levels)`), keeping only the combinations that
/// occur, numbered in lexicographic order of the inputs' codes. O(rows × inputs).
pub(crate) fn combine(inputs: &[(&[u32], usize)]) -> Joint {
    let n = inputs.first().map_or(0, |(c, _)| c.len());
    // Small product of level counts: one mixed-radix key per row, a dense table of keys seen.
    let product = inputs
        .iter()
        .try_fold(1u64, |acc, &(_, l)| acc.checked_mul(l as u64))
        .filter(|&p| p <= DENSE_LIMIT);
    if let Some(size) = product {
        let mut codes: Vec<u32> = vec![0; n];
        crate::par::fill_halves(&mut codes, |rows, out| {
            for (c, i) in out.iter_mut().zip(rows) {
                let mut key = 0u32;
                for &(next, l) in inputs {
                    key = key * l as u32 + next[i];
                }
                *c = key;
            }
        });
        let mut slot = vec![u32::MAX; size as usize];
        for &c in &codes {
            slot[c as usize] = 0;
        }
        let mut parts = Vec::new();
        for (key, s) in slot.iter_mut().enumerate() {
            if *s == 0 {
                *s = parts.len() as u32;
                let mut p = vec![0u32; inputs.len()];
                let mut k = key;
                for (j, &(_, l)) in inputs.iter().enumerate().rev() {
                    p[j] = (k % l) as u32;
                    k /= l;
                }
                parts.push(p);
            }
        }
        for c in &mut codes {
            *c = slot[*c as usize];
        }
        return Joint { codes, parts };
    }
    // Otherwise fold the inputs one at a time so the key never overflows: after each step the
    // running code has at most `n` distinct values.
    let mut codes: Vec<u32> = vec![0; n];
    let mut parts: Vec<Vec<u32>> = vec![Vec::new()];
    for &(next, n_next) in inputs {
        let mut map: HashMap<u64, u32, FxBuild> = HashMap::default();
        for (c, &x) in codes.iter().zip(next) {
            map.entry(*c as u64 * n_next as u64 + x as u64).or_insert(0);
        }
        let mut keys: Vec<u64> = map.keys().copied().collect();
        keys.sort_unstable();
        for (i, k) in keys.iter().enumerate() {
            map.insert(*k, i as u32);
        }
        for (c, &x) in codes.iter_mut().zip(next) {
            let key = *c as u64 * n_next as u64 + x as u64;
            *c = map.get(&key).copied().unwrap_or(0);
        }
        parts = keys
            .iter()
            .map(|&k| {
                let mut p = parts[(k / n_next as u64) as usize].clone();
                p.push((k % n_next as u64) as u32);
                p
            })
            .collect();
    }
    Joint { codes, parts }
}

/// Largest table indexed densely (entries); above it a hash map is used.
pub(crate) const DENSE_LIMIT: u64 = 1 << 24;

/// A fast hasher for small integer and short byte-string keys (FxHash). The keys are the user's
/// own codes, so hash flooding is not a concern.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl std::hash::Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

pub(crate) type FxBuild = std::hash::BuildHasherDefault<FxHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_first_appearance() {
        let f = Factor::from_values("x", &["b", "a", "b", "c"]);
        assert_eq!(f.levels(), ["b", "a", "c"]);
        assert_eq!(f.codes(), [0, 1, 0, 2]);
    }

    #[test]
    fn natural_order_puts_numbers_by_value() {
        let f = Factor::from_values("x", &["10", "9", "b", "a"]).sorted();
        assert_eq!(f.levels(), ["9", "10", "a", "b"]);
        assert_eq!(f.codes(), [1, 0, 3, 2]);
    }

    #[test]
    fn crossing_keeps_only_occurring_cells_in_part_order() {
        let a = Factor::from_values("region", &["east", "west", "east", "east"]);
        let b = Factor::from_values("sex", &["F", "M", "M", "F"]);
        let x = Factor::cross(&[&a, &b]).unwrap();
        assert_eq!(x.name(), "region+sex");
        assert_eq!(x.levels(), ["east|F", "east|M", "west|M"]);
        assert_eq!(x.codes(), [0, 2, 1, 0]);
    }

    #[test]
    fn crossing_many_levels_uses_the_sparse_path_with_the_same_result() {
        // 5000 × 5000 possible cells is above the dense limit.
        let a: Vec<String> = (0..5000).map(|i| format!("a{i}")).collect();
        let b: Vec<String> = (0..5000).map(|i| format!("b{}", (i * 7) % 5000)).collect();
        let fa = Factor::from_values("a", &a);
        let fb = Factor::from_values("b", &b);
        let x = Factor::cross(&[&fa, &fb]).unwrap();
        assert_eq!(x.levels().len(), 5000);
        assert_eq!(x.levels()[0], "a0|b0");
        assert_eq!(x.levels()[1], "a1|b7");
        assert_eq!(x.codes()[1], 1);
    }

    #[test]
    fn given_order_comes_first() {
        let f = Factor::from_values("r", &["west", "east", "north"]).ordered_like(&[
            "east".into(),
            "central".into(),
            "west".into(),
        ]);
        assert_eq!(f.levels(), ["east", "west", "north"]);
    }
}
