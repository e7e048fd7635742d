//! Synthetic respondents for benchmarks and tests, on the model of the reference generator
//! (`tests/fixtures/gen.py`): 3 regions × 4 strata, PSUs of unequal size and selection
//! probability, a sample that over-represents women, older and less educated people, literacy
//! driven by education, age, region and a PSU random effect. Deterministic for a given seed; no
//! I/O (the CLI writes the table out).

use crate::calibrate::Margin;
use crate::factor::Factor;
use crate::table::{Column, Table};

const REGIONS: [&str; 3] = ["east", "central", "west"];
const AGES: [&str; 5] = ["18-29", "30-39", "40-49", "50-59", "60-69"];
const EDUS: [&str; 4] = ["primary", "junior", "senior", "college"];
const SEXES: [&str; 2] = ["F", "M"];
const GROUPS: [&str; 5] = ["cadre", "elderly", "farmer", "other", "worker"];

const P_REGION: [f64; 3] = [0.45, 0.33, 0.22];
const P_URBAN: [f64; 3] = [0.72, 0.60, 0.52];
const P_MALE: f64 = 0.51;

/// Population size behind the synthetic samples (adults 18–69, the order of China's).
pub const POPULATION: u64 = 1_000_000_000;

/// Options of the generator.
#[derive(Debug, Clone, Copy)]
pub struct SynthSpec {
    pub rows: usize,
    pub seed: u64,
    /// PSUs in each of the 12 strata.
    pub psus_per_stratum: usize,
}

impl SynthSpec {
    pub fn new(rows: usize, seed: u64) -> Self {
        SynthSpec {
            rows,
            seed,
            psus_per_stratum: 400,
        }
    }
}

/// xoshiro256** seeded with splitmix64: fast, reproducible, no dependency.
struct Rng {
    s: [u64; 4],
}

impl Rng {
    fn new(seed: u64) -> Self {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Rng {
            s: [next(), next(), next(), next()],
        }
    }

    fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    fn choice(&mut self, probs: &[f64]) -> usize {
        let x = self.uniform();
        let mut acc = 0.0;
        for (i, p) in probs.iter().enumerate() {
            acc += p;
            if x < acc {
                return i;
            }
        }
        probs.len() - 1
    }
}

fn p_age(urban: usize) -> [f64; 5] {
    if urban == 1 {
        [0.21, 0.22, 0.21, 0.21, 0.15]
    } else {
        [0.15, 0.18, 0.21, 0.25, 0.21]
    }
}

/// Education given urban/rural and age (the young are better educated).
fn p_edu(urban: usize, age: usize) -> [f64; 4] {
    let mut p = if urban == 1 {
        [0.12, 0.33, 0.27, 0.28]
    } else {
        [0.32, 0.45, 0.16, 0.07]
    };
    let shift = [0.10, 0.05, 0.0, -0.06, -0.12][age] * if urban == 1 { 1.0 } else { 0.6 };
    p[0] -= shift;
    p[3] += shift;
    for x in &mut p {
        *x = f64::max(*x, 0.01);
    }
    let t: f64 = p.iter().sum();
    p.map(|x| x / t)
}

/// Population counts of the full cross region × urban × sex × age × education, in integers
/// summing to [`POPULATION`] (largest remainder).
fn population_cells() -> Vec<([usize; 5], u64)> {
    let mut cells = Vec::new();
    for r in 0..3 {
        for u in [1usize, 0] {
            let pu = if u == 1 { P_URBAN[r] } else { 1.0 - P_URBAN[r] };
            for s in 0..2 {
                let ps = if s == 1 { P_MALE } else { 1.0 - P_MALE };
                for a in 0..5 {
                    let pe = p_edu(u, a);
                    for e in 0..4 {
                        let p = P_REGION[r] * pu * ps * p_age(u)[a] * pe[e];
                        cells.push(([r, u, s, a, e], p * POPULATION as f64));
                    }
                }
            }
        }
    }
    let mut out: Vec<([usize; 5], u64)> =
        cells.iter().map(|(k, x)| (*k, x.floor() as u64)).collect();
    let short = POPULATION - out.iter().map(|(_, c)| c).sum::<u64>();
    let mut order: Vec<usize> = (0..cells.len()).collect();
    order.sort_by(|&i, &j| {
        let fi = cells[i].1 - cells[i].1.floor();
        let fj = cells[j].1 - cells[j].1.floor();
        fj.total_cmp(&fi)
    });
    for &i in order.iter().take(short as usize) {
        out[i].1 += 1;
    }
    out
}

/// The population margins of the synthetic population: `region`, `urban`, `sex`, `age_group`,
/// `education` and the joint `region+urban+sex`.
pub fn margins() -> Vec<Margin> {
    let cells = population_cells();
    let one = |name: &str, levels: Vec<String>, key: &dyn Fn(&[usize; 5]) -> usize| {
        let mut totals = vec![0.0; levels.len()];
        for (k, c) in &cells {
            totals[key(k)] += *c as f64;
        }
        Margin {
            name: name.into(),
            levels,
            totals,
        }
    };
    let strs = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut joint_levels = Vec::new();
    for r in REGIONS {
        for u in ["0", "1"] {
            for s in SEXES {
                joint_levels.push(format!("{r}|{u}|{s}"));
            }
        }
    }
    vec![
        one("region", strs(&REGIONS), &|k| k[0]),
        one("urban", strs(&["0", "1"]), &|k| k[1]),
        one("sex", strs(&SEXES), &|k| k[2]),
        one("age_group", strs(&AGES), &|k| k[3]),
        one("education", strs(&EDUS), &|k| k[4]),
        one("region+urban+sex", joint_levels, &|k| {
            k[0] * 4 + k[1] * 2 + k[2]
        }),
    ]
}

/// Generate respondents as a table with columns `stratum, psu` (categories), `weight`
/// (number), `region, urban, sex, age_group, education, group` (categories) and `literate`
/// (number, 0/1).
pub fn respondents(spec: SynthSpec) -> Table {
    let n = spec.rows;
    let psus = spec.psus_per_stratum.max(1);
    let mut rng = Rng::new(spec.seed);
    let cells = population_cells();
    // Population of (region, urban) for the stratum sizes.
    let mut pop_ru = [[0f64; 2]; 3];
    for (k, c) in &cells {
        pop_ru[k[0]][k[1]] += *c as f64;
    }
    let n_strata = 12;
    let mut stratum = Vec::with_capacity(n);
    let mut psu = Vec::with_capacity(n);
    let mut weight = Vec::with_capacity(n);
    let mut region = Vec::with_capacity(n);
    let mut urban_c = Vec::with_capacity(n);
    let mut sex_c = Vec::with_capacity(n);
    let mut age_c = Vec::with_capacity(n);
    let mut edu_c = Vec::with_capacity(n);
    let mut group_c = Vec::with_capacity(n);
    let mut literate = Vec::with_capacity(n);
    let p_age_sample = [0.13, 0.18, 0.22, 0.26, 0.21];
    let age_eff = [0.45, 0.30, 0.0, -0.40, -0.95];
    let edu_eff = [0.0, 0.95, 1.85, 2.90];
    let reg_eff = [0.30, 0.0, -0.25];
    let mut stratum_names = Vec::new();
    let mut psu_names = Vec::new();
    for h in 0..n_strata {
        let (r, s) = (h / 4, h % 4 + 1);
        let n_h = n / n_strata + usize::from(h < n % n_strata);
        let (u_major, share) = match s {
            1 => (1, 0.60),
            2 => (1, 0.40),
            3 => (0, 0.55),
            _ => (0, 0.45),
        };
        let pop_h = pop_ru[r][u_major] * share;
        stratum_names.push(format!("{}{s}", REGIONS[r][..1].to_ascii_uppercase()));
        let raw: Vec<f64> = (0..psus).map(|_| rng.range(0.6, 1.4)).collect();
        let total: f64 = raw.iter().sum();
        let mut sizes: Vec<usize> = raw
            .iter()
            .map(|x| (n_h as f64 * x / total) as usize)
            .collect();
        let short = n_h - sizes.iter().sum::<usize>();
        for i in 0..short {
            sizes[i % psus] += 1;
        }
        let urban_rate = if s <= 2 { 0.92 } else { 0.12 };
        for (j, &m) in sizes.iter().enumerate() {
            let psu_code = psu_names.len() as u32;
            psu_names.push(format!("{}-{:03}", stratum_names[h], j + 1));
            let a_psu = rng.range(0.7, 1.4);
            let psu_re = 0.35 * rng.normal();
            for _ in 0..m {
                let u = usize::from(rng.uniform() < urban_rate);
                let sx = usize::from(rng.uniform() >= 0.55); // 0 = F (55 % in the sample)
                let a = rng.choice(&p_age_sample);
                let mut pe = p_edu(u, a);
                pe = [pe[0] * 1.15, pe[1] * 1.05, pe[2], pe[3] * 0.80];
                let t: f64 = pe.iter().sum();
                let e = rng.choice(&pe.map(|x| x / t));
                let g = if a == 4 {
                    1
                } else if u == 0 && rng.uniform() < 0.70 {
                    2
                } else if u == 1 && (e == 1 || e == 2) && rng.uniform() < 0.45 {
                    4
                } else if e >= 2 && rng.uniform() < 0.08 {
                    0
                } else {
                    3
                };
                let k_adults = [1.0, 2.0, 3.0, 4.0][rng.choice(&[0.15, 0.50, 0.25, 0.10])];
                let w = pop_h / n_h as f64 * a_psu * k_adults / 2.3;
                let eta = -3.35
                    + edu_eff[e]
                    + age_eff[a]
                    + 0.40 * u as f64
                    + reg_eff[r]
                    + if sx == 1 { 0.15 } else { 0.0 }
                    + if g == 0 { 0.45 } else { 0.0 }
                    + psu_re;
                let lit = rng.uniform() < 1.0 / (1.0 + (-eta).exp());
                stratum.push(h as u32);
                psu.push(psu_code);
                // Six decimals, as the reference files carry.
                weight.push((w * 1e6).round() / 1e6);
                region.push(r as u32);
                urban_c.push(u as u32);
                sex_c.push(sx as u32);
                age_c.push(a as u32);
                edu_c.push(e as u32);
                group_c.push(g as u32);
                literate.push(if lit { 1.0 } else { 0.0 });
            }
        }
    }
    let strs = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut t = Table::new(weight.len());
    let cols: Vec<(&str, Column)> = vec![
        ("stratum", cat("stratum", stratum_names, stratum)),
        ("psu", cat("psu", psu_names, psu)),
        ("weight", Column::Number(weight)),
        ("region", cat("region", strs(&REGIONS), region)),
        ("urban", cat("urban", strs(&["0", "1"]), urban_c)),
        ("sex", cat("sex", strs(&SEXES), sex_c)),
        ("age_group", cat("age_group", strs(&AGES), age_c)),
        ("education", cat("education", strs(&EDUS), edu_c)),
        ("group", cat("group", strs(&GROUPS), group_c)),
        ("literate", Column::Number(literate)),
    ];
    for (name, col) in cols {
        // Lengths agree by construction.
        let _ = t.push(name, col);
    }
    t
}

fn cat(name: &str, levels: Vec<String>, codes: Vec<u32>) -> Column {
    Column::Category(Factor::from_parts(name, levels, codes))
}

/// The columns of [`respondents`] in file order (after `id`).
pub const COLUMNS: [&str; 10] = [
    "stratum",
    "psu",
    "weight",
    "region",
    "urban",
    "sex",
    "age_group",
    "education",
    "group",
    "literate",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_respondents() {
        let a = respondents(SynthSpec::new(2000, 7));
        let b = respondents(SynthSpec::new(2000, 7));
        assert_eq!(a.number("weight").unwrap(), b.number("weight").unwrap());
        assert_eq!(a.n_rows(), 2000);
    }

    #[test]
    fn every_margin_counts_the_whole_population() {
        for m in margins() {
            assert_eq!(m.total(), POPULATION as f64, "{}", m.name);
        }
    }
}
