//! Estimating the literacy share from a survey (科学素质抽样调查) and importing a wave.
//!
//! The edge (the `kesu survey estimate` and `import` commands) opens the files and hands their
//! readers here; the job's rules are `kesu_survey::job`'s. An estimate needs no database: it is
//! [`estimate`]. An import is three calls, because the population margins, when they come from
//! the population tables, are read from the database between the set-up and the estimate:
//! [`plan_wave`] (the header, what is refused, the job and its domains), [`estimate_wave`] (the
//! estimates and what is stored of them), and [`import`] (the wave, its respondents, margins and
//! results, and the literacy-share indicator it gives, in one transaction with its audit row).
//! The CPU steps answer with the survey's own error (`kesu_survey::SurveyError`, whose data
//! errors the CLI maps to exit status 65); the steps that touch the database with [`Error`].

use crate::{Caller, Ctx, Error, Result};
use kesu_core::RegionCode;
use kesu_store::survey::{self, Imported, MarginRow, NewWave, Respondent, ResultRow};
use kesu_survey::job::{self, Estimation, Options, Source};
use kesu_survey::{Factor, Margin, SurveyError, SurveySpec, WeightingSpec, split_vars};
use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};

/// Domain variables kept with each respondent when the file has them.
pub const KNOWN_DOMAINS: &[&str] = &["sex", "age_group", "urban", "education"];

/// Who may import a wave of `region`: the operator, or an office (no unit) administering it.
/// Out of scope is 404, in scope without the right 403.
pub fn authorise(caller: &Caller, region: &str) -> Result<RegionCode> {
    let code =
        RegionCode::parse(region).map_err(|e| Error::invalid_field("region", e.to_string()))?;
    caller.office_of(&code)?;
    Ok(code)
}

/// The domains of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domains {
    /// Estimated by: the region and key-group columns when the file has them, then every `--by`.
    pub by: Vec<String>,
    /// Stored with each respondent: the variables of `by`, the weighting variables and the known
    /// demographics the file has.
    pub stored: Vec<String>,
}

/// The domains of a file with `header`, estimated by `region_col`, `group_col` and `by`,
/// weighted on `weighting_vars`.
pub fn domains(
    header: &[String],
    region_col: &str,
    group_col: &str,
    by: &[String],
    weighting_vars: Vec<String>,
) -> Domains {
    let mut by_specs: Vec<String> = Vec::new();
    for spec in [region_col, group_col] {
        if header.iter().any(|h| h == spec) {
            by_specs.push(spec.to_string());
        }
    }
    for spec in by {
        if !by_specs.contains(spec) {
            by_specs.push(spec.clone());
        }
    }
    let mut stored: Vec<String> = Vec::new();
    for v in by_specs
        .iter()
        .flat_map(|s| split_vars(s))
        .map(String::from)
        .chain(weighting_vars)
        .chain(
            KNOWN_DOMAINS
                .iter()
                .filter(|v| header.iter().any(|h| h == *v))
                .map(|v| v.to_string()),
        )
    {
        if !stored.contains(&v) {
            stored.push(v);
        }
    }
    Domains {
        by: by_specs,
        stored,
    }
}

/// Margin rows (one per level) as margins, in the order of the rows.
pub fn margins_of_rows(rows: &[MarginRow]) -> Vec<Margin> {
    let mut out: Vec<Margin> = Vec::new();
    for r in rows {
        match out.iter_mut().find(|m| m.name == r.margin) {
            Some(m) => {
                m.levels.push(r.level.clone());
                m.totals.push(r.total);
            }
            None => out.push(Margin {
                name: r.margin.clone(),
                levels: vec![r.level.clone()],
                totals: vec![r.total],
            }),
        }
    }
    out
}

/// Where the population figures of a weighted wave came from, as stored with it: the base name
/// of the margins file (the same file elsewhere is the same source), else the population tables.
pub fn margins_source(margins_file: Option<&str>, region: &str, year: i32) -> String {
    match margins_file {
        Some(name) => format!("file:{name}"),
        None => format!("population:{region}:{year}"),
    }
}

/// The population margins `names` of `region` in `year`, from the population tables.
pub async fn population_margins(
    ctx: &Ctx,
    caller: &Caller,
    region: &str,
    year: i32,
    names: &[String],
) -> Result<Vec<Margin>> {
    let code = authorise(caller, region)?;
    let rows = survey::population_margins(&ctx.db, code.as_str(), year, names).await?;
    Ok(margins_of_rows(&rows))
}

/// The overall estimate among a wave's results (the literacy share it records).
pub fn overall(results: &[ResultRow]) -> Result<&ResultRow> {
    results
        .iter()
        .find(|r| r.by_var == "overall")
        .ok_or_else(|| Error::invalid("没有总体估计 (no overall estimate)"))
}

/// Store a wave with its respondents, margins and results, and the literacy-share indicator it
/// gives, in one transaction with its audit row. The same file again is unchanged; another file
/// of the same region, year and name replaces the wave.
pub async fn import(ctx: &Ctx, caller: &Caller, wave: &Wave) -> Result<Imported> {
    authorise(caller, &wave.wave.region_code)?;
    overall(&wave.results)?;
    Ok(survey::import_wave(
        &ctx.db,
        &caller.audit,
        &wave.wave,
        &wave.respondents,
        &wave.margins,
        &wave.results,
    )
    .await?)
}

/// Estimate the literacy share from `respondents` (no database): the answer key is read when
/// the rule scores answers, the margins when the weighting needs them.
pub fn estimate<R, K, M>(
    options: &Options,
    respondents: Source<R>,
    answer_key: Option<Source<K>>,
    margins: Option<Source<M>>,
) -> kesu_survey::Result<Estimation>
where
    R: Read + Seek,
    K: Read + Seek,
    M: Read + Seek,
{
    let key = answer_key.map(job::read_answer_key).transpose()?;
    let spec = options.spec(key)?;
    let (margins, margins_name) = match margins {
        Some(m) => {
            let name = m.name.clone();
            (job::read_margins(m)?, name)
        }
        None if spec.weighting != WeightingSpec::Design => {
            return Err(SurveyError::Setup(
                "--poststratify/--rake/--calibrate 需要 --margins MARGINS.csv (population margins needed)"
                    .into(),
            ));
        }
        None => (Vec::new(), String::new()),
    };
    job::estimate(options, &spec, respondents, &margins, &margins_name)
}

/// A survey wave to import, as the user states it.
#[derive(Debug, Clone)]
pub struct WaveRequest {
    /// 调查所属区划代码
    pub region: String,
    pub year: i32,
    /// 调查名称: distinguishes two surveys of one region in one year.
    pub name: String,
    /// The respondents' region column (estimated by region when the file has it).
    pub region_col: String,
    /// The respondents' key-group column (estimated by group when the file has it).
    pub group_col: String,
    /// Where the population margins come from.
    pub margins: MarginsFrom,
    pub options: Options,
}

/// Where the population margins of a wave come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarginsFrom {
    /// None: design weights.
    Nowhere,
    /// The margins file of this path (its base name is recorded as the source).
    File(String),
    /// The population tables of the wave's region and year.
    Population,
}

/// A wave's job, checked against the header of its respondents file.
#[derive(Debug, Clone)]
pub struct WavePlan {
    pub spec: SurveySpec,
    pub domains: Domains,
}

impl WavePlan {
    /// The margins the weighting needs, by name (what to read from the population tables).
    pub fn margin_names(&self) -> Vec<String> {
        self.spec.weighting.margin_names()
    }
}

/// Set up the import of `respondents`: a file with personal-data columns is refused, the
/// options become a job, the margins must match the weighting, and the domains are those the
/// file has.
pub fn plan_wave<R: Read + Seek, K: Read + Seek>(
    req: &WaveRequest,
    respondents: &mut Source<R>,
    answer_key: Option<Source<K>>,
) -> kesu_survey::Result<WavePlan> {
    let header = job::read_header(respondents)?;
    kesu_survey::refuse_personal(&respondents.name, &header)?;
    let key = answer_key.map(job::read_answer_key).transpose()?;
    let spec = req.options.spec(key)?;
    let weighted = spec.weighting != WeightingSpec::Design;
    match req.margins {
        MarginsFrom::Population if !weighted => {
            return Err(SurveyError::Setup(
                "--margins-from-population 需与 --poststratify、--rake 或 --calibrate 同用 (population margins are for weighting)"
                    .into(),
            ));
        }
        MarginsFrom::Nowhere if weighted => {
            return Err(SurveyError::Setup(
                "--poststratify/--rake/--calibrate 需要 --margins MARGINS.csv 或 --margins-from-population (population margins needed)"
                    .into(),
            ));
        }
        _ => {}
    }
    let domains = domains(
        &header,
        &req.region_col,
        &req.group_col,
        &req.options.by,
        spec.weighting.variables(),
    );
    Ok(WavePlan { spec, domains })
}

/// A wave ready to store: what [`import`] writes.
#[derive(Debug, Clone)]
pub struct Wave {
    pub wave: NewWave,
    pub respondents: Vec<Respondent>,
    pub margins: Vec<MarginRow>,
    pub results: Vec<ResultRow>,
}

/// Read the respondents of a planned wave, weight them to `margins` (named `margins_name` in
/// errors), estimate overall and by every domain, and make the rows to store.
pub fn estimate_wave<R: Read + Seek>(
    req: &WaveRequest,
    plan: &WavePlan,
    mut respondents: Source<R>,
    margins: &[Margin],
    margins_name: &str,
) -> kesu_survey::Result<Wave> {
    let (spec, file) = (&plan.spec, respondents.name.clone());
    let domains: Vec<&str> = plan.domains.stored.iter().map(String::as_str).collect();
    let mut table = job::read_respondents(&mut respondents, &req.options, spec, &domains)?;
    let n = table.n_rows();
    if req.margins == MarginsFrom::Population
        && let Some(u) = spec
            .uncovered_level(&table, margins)
            .map_err(|e| table.locate(e).in_input(&file))?
    {
        return Err(SurveyError::Setup(format!(
            "{file} 第{}行: 样本中 {} = {} 在 {} {} 年的人口表中没有人口数；人口表中 {} 的水平为 {} (a level of the sample has no population count)",
            table.line(u.row),
            u.variable,
            u.level,
            req.region,
            req.year,
            u.variable,
            u.known.join(", ")
        )));
    }
    let survey_est = job::weigh(spec, &mut table, margins, &file, margins_name)?;
    let table = table;
    let in_file = |e: SurveyError| table.locate(e).in_input(&file);
    let design = survey_est.design();
    let design_json = serde_json::json!({
        "strata": spec.strata, "psu": spec.psu, "weight": spec.weight, "fpc": spec.fpc,
        "n_strata": design.n_strata(), "n_psu": design.n_psu(),
        "lonely_psu": spec.lonely_psu.as_str(), "lonely_strata": design.lonely_strata(),
    });
    let by_factors = job::domain_factors(&table, margins, &plan.domains.by, &file)?;
    let estimates = survey_est
        .estimate_many(&by_factors.iter().collect::<Vec<_>>())
        .map_err(in_file)?;

    // What is stored.
    let level_of =
        |f: Option<&Factor>, row: usize| f.map(|f| f.levels()[f.codes()[row] as usize].clone());
    let domain_factors: Vec<(&str, &Factor)> = plan
        .domains
        .stored
        .iter()
        .map(|v| table.factor(v).map(|f| (v.as_str(), f)))
        .collect::<kesu_survey::Result<_>>()
        .map_err(in_file)?;
    let factor = |c: Option<&str>| c.map(|c| table.factor(c)).transpose().map_err(in_file);
    let (strata_f, psu_f) = (
        factor(spec.strata.as_deref())?,
        factor(spec.psu.as_deref())?,
    );
    let fpc = spec
        .fpc
        .as_deref()
        .map(|c| table.number(c))
        .transpose()
        .map_err(in_file)?;
    let (weights, y) = (design.weights(), survey_est.outcome());
    let respondent_rows: Vec<Respondent> = (0..n)
        .map(|row| Respondent {
            line: table.line(row) as i64,
            stratum: level_of(strata_f, row),
            psu: level_of(psu_f, row),
            weight: weights[row],
            fpc: fpc.map(|f| f[row]),
            literate: y[row] == 1,
            domains: domain_factors
                .iter()
                .map(|(v, f)| (v.to_string(), f.levels()[f.codes()[row] as usize].clone()))
                .collect::<BTreeMap<_, _>>(),
        })
        .collect();
    let margin_rows: Vec<MarginRow> = margins
        .iter()
        .flat_map(|m| {
            m.levels.iter().zip(&m.totals).map(|(l, t)| MarginRow {
                margin: m.name.clone(),
                level: l.clone(),
                total: *t,
            })
        })
        .collect();
    let results: Vec<ResultRow> = estimates.iter().map(result_row).collect();
    let weighting = {
        let mut w = serde_json::to_value(survey_est.weighting()).map_err(json_error)?;
        if spec.weighting != WeightingSpec::Design
            && let Some(o) = w.as_object_mut()
        {
            let file_name = match &req.margins {
                MarginsFrom::File(path) => Some(base_name(path)),
                _ => None,
            };
            let source = margins_source(file_name.as_deref(), &req.region, req.year);
            o.insert("margins_source".into(), source.into());
        }
        w
    };
    let wave = NewWave {
        region_code: req.region.clone(),
        year: req.year,
        name: req.name.clone(),
        rule: serde_json::to_value(spec.rule.record()).map_err(json_error)?,
        design: design_json,
        weighting,
        warnings: survey_est.warnings().to_vec(),
        source_file: base_name(&file),
        source_sha256: sha256(&mut respondents.reader).map_err(|e| e.in_input(&file))?,
    };
    Ok(Wave {
        wave,
        respondents: respondent_rows,
        margins: margin_rows,
        results,
    })
}

/// A domain estimate as stored.
fn result_row(e: &kesu_survey::DomainEstimate) -> ResultRow {
    ResultRow {
        by_var: e.by.clone(),
        level: e.level.clone(),
        n: e.n as i64,
        wsum: e.wsum,
        est: e.est,
        se: e.se,
        cv: e.cv,
        deff: e.deff,
        df: e.df,
        wald_l: e.wald_l,
        wald_u: e.wald_u,
        logit_l: e.logit_l,
        logit_u: e.logit_u,
        flags: e
            .flags
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// The last part of a path: the same file elsewhere is the same source.
fn base_name(path: &str) -> String {
    path.rsplit('/')
        .find(|s| !s.is_empty())
        .unwrap_or(path)
        .to_string()
}

/// The SHA-256 of the whole input, read as a stream: a ten-million-respondent file is not
/// held in memory a second time.
fn sha256<R: Read + Seek>(reader: &mut R) -> kesu_survey::Result<String> {
    use sha2::Digest;
    reader.seek(SeekFrom::Start(0))?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let k = reader.read(&mut buf)?;
        if k == 0 {
            break;
        }
        hasher.update(&buf[..k]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

fn json_error(e: serde_json::Error) -> SurveyError {
    SurveyError::Invalid(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(c: &[&str]) -> Vec<String> {
        c.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_region_and_group_columns_are_domains_only_when_the_file_has_them() {
        let d = domains(
            &cols(&["region", "sex", "q1"]),
            "region",
            "group",
            &cols(&["urban"]),
            cols(&["sex"]),
        );
        assert_eq!(d.by, cols(&["region", "urban"]));
        assert_eq!(d.stored, cols(&["region", "urban", "sex"]));
    }

    #[test]
    fn margin_rows_become_margins_in_their_order() {
        let row = |m: &str, l: &str, t: f64| MarginRow {
            margin: m.into(),
            level: l.into(),
            total: t,
        };
        let m = margins_of_rows(&[
            row("sex", "male", 5.0),
            row("urban", "1", 3.0),
            row("sex", "female", 4.0),
        ]);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].levels, cols(&["male", "female"]));
        assert_eq!(m[0].totals, vec![5.0, 4.0]);
    }
}
