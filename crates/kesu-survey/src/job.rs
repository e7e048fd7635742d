//! A survey job as the user states it (估计任务): the options of an estimate by column names, the
//! set-up rules that turn them into a [`SurveySpec`], and the steps from readers to an
//! [`Estimation`], each error naming the input it is about. The `kesu survey estimate` and
//! `import` commands open the files and hand the readers here, so that both read, check and weigh
//! a respondents file the same way.

use crate::calibrate::{Margin, RakeVariance, WeightingReport};
use crate::design::LonelyPsu;
use crate::error::{Result, SurveyError};
use crate::estimate::{Difference, Domain, DomainEstimate, Survey};
use crate::factor::Factor;
use crate::input::{self, Format, Request};
use crate::rule::{AnswerItem, Comparison, Grade, LiteracyRule, RuleRecord};
use crate::spec::{SurveySpec, WeightingSpec, split_vars};
use crate::table::Table;
use serde::Serialize;
use std::io::{Read, Seek, SeekFrom};
use std::time::Instant;

/// One input of a job: a reader and the name it is known by (the file's path for the CLI). The
/// name decides the format (`.xlsx` a workbook, anything else CSV) and is named by every error.
#[derive(Debug)]
pub struct Source<R> {
    pub name: String,
    pub reader: R,
}

impl<R: Read + Seek> Source<R> {
    pub fn new(name: impl Into<String>, reader: R) -> Self {
        Source {
            name: name.into(),
            reader,
        }
    }

    /// Read `requests` from the start of the input (an error is not yet named).
    fn table(&mut self, requests: &[Request]) -> Result<Table> {
        let format = Format::of_name(&self.name)?;
        self.reader.seek(SeekFrom::Start(0))?;
        input::read_table(&mut self.reader, format, requests)
    }
}

/// The options of an estimate (估计设置), by column names, as the user gives them.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Strata column; `none`: one stratum.
    pub strata: String,
    /// PSU column; `none`: every respondent is a PSU.
    pub psu: String,
    /// Design weight column; `none`: all weights 1.
    pub weight: String,
    /// Finite population correction column.
    pub fpc: Option<String>,
    /// 0/1 literacy column (the default rule, on `literate`).
    pub literate: Option<String>,
    /// Score column (out of 100), compared with the threshold.
    pub score: Option<String>,
    /// Pass mark (default 70).
    pub threshold: Option<f64>,
    /// A grade of the 2024 scale instead of a threshold.
    pub grade: Option<Grade>,
    /// `score > threshold` instead of `>=`.
    pub strict: bool,
    /// Post-stratify on the crossing of these variables (one joint margin).
    pub poststratify: Vec<String>,
    /// Rake to these margins.
    pub rake: Vec<String>,
    /// Calibrate linearly (GREG) to these margins.
    pub calibrate: Vec<String>,
    pub rake_variance: RakeVariance,
    pub lonely_psu: LonelyPsu,
    /// Domains: variables or crossings (`region+sex`).
    pub by: Vec<String>,
    /// Differences of two domains, `VAR:A:B`.
    pub contrasts: Vec<String>,
}

impl Default for Options {
    /// The columns of the documented respondents file, the `literate` flag, design weights.
    fn default() -> Self {
        Options {
            strata: "stratum".into(),
            psu: "psu".into(),
            weight: "weight".into(),
            fpc: None,
            literate: None,
            score: None,
            threshold: None,
            grade: None,
            strict: false,
            poststratify: Vec::new(),
            rake: Vec::new(),
            calibrate: Vec::new(),
            rake_variance: RakeVariance::Greg,
            lonely_psu: LonelyPsu::Fail,
            by: Vec::new(),
            contrasts: Vec::new(),
        }
    }
}

/// A design column option: `none` (any case) means the file has no such column.
fn column(name: &str) -> Option<&str> {
    (!name.eq_ignore_ascii_case("none")).then_some(name)
}

impl Options {
    /// The job by column names. `answer_key` is the key read by [`read_answer_key`], when the
    /// rule scores answers.
    pub fn spec(&self, answer_key: Option<Vec<AnswerItem>>) -> Result<SurveySpec> {
        let rule = self.rule(answer_key)?;
        // `poststratify a,b,c` is one joint margin; `rake a,b,c` are three margins.
        let weighting = if !self.poststratify.is_empty() {
            WeightingSpec::PostStratify(self.poststratify.clone())
        } else if !self.rake.is_empty() {
            WeightingSpec::Rake {
                margins: self.rake.clone(),
                variance: self.rake_variance,
            }
        } else if !self.calibrate.is_empty() {
            WeightingSpec::Linear(self.calibrate.clone())
        } else {
            WeightingSpec::Design
        };
        Ok(SurveySpec {
            strata: column(&self.strata).map(String::from),
            psu: column(&self.psu).map(String::from),
            weight: column(&self.weight).map(String::from),
            fpc: self.fpc.clone(),
            lonely_psu: self.lonely_psu,
            rule,
            weighting,
        })
    }

    /// The literacy rule: a score against a threshold or grade, scored answers, else a 0/1 flag.
    fn rule(&self, answer_key: Option<Vec<AnswerItem>>) -> Result<LiteracyRule> {
        let comparison = if self.strict {
            Comparison::Above
        } else {
            Comparison::AtLeast
        };
        let threshold = match (self.grade, self.threshold) {
            (Some(g), _) => g.threshold().unwrap_or(70.0),
            (None, Some(t)) => t,
            (None, None) => 70.0,
        };
        let rule = if let Some(score) = &self.score {
            LiteracyRule::Score {
                column: score.clone(),
                threshold,
                comparison,
            }
        } else if let Some(items) = answer_key {
            LiteracyRule::Answers {
                items,
                threshold,
                comparison,
            }
        } else {
            if self.threshold.is_some() || self.strict {
                return Err(SurveyError::Setup(
                    "--threshold/--strict 需要 --score 或 --answer-key (a threshold needs a score)"
                        .into(),
                ));
            }
            LiteracyRule::Flag {
                column: self.literate.clone().unwrap_or_else(|| "literate".into()),
            }
        };
        rule.validate()?;
        Ok(rule)
    }

    /// A default design column that is missing gets a hint on how to do without it.
    fn hint_default_column(&self, e: SurveyError) -> SurveyError {
        match e {
            SurveyError::MissingColumn { column, hint } => {
                let flag = if column == self.strata {
                    Some("--strata")
                } else if column == self.psu {
                    Some("--psu")
                } else if column == self.weight {
                    Some("--weight")
                } else {
                    None
                };
                let hint = match flag {
                    Some(flag) => format!(
                        "{hint}；可用 {flag} COL 指定列名，或 {flag} none 表示没有该设计信息 (name the column with {flag} COL, or {flag} none)"
                    ),
                    None => hint,
                };
                SurveyError::MissingColumn { column, hint }
            }
            other => other,
        }
    }
}

/// An answer key: `item,key,points` per row (item = the answer column of the respondents).
pub fn read_answer_key<R: Read + Seek>(mut src: Source<R>) -> Result<Vec<AnswerItem>> {
    let requests = [
        Request::category("item"),
        Request::category("key"),
        Request::number("points"),
    ];
    let key = |src: &mut Source<R>| -> Result<Vec<AnswerItem>> {
        let t = src.table(&requests)?;
        let (items, keys) = (t.factor("item")?, t.factor("key")?);
        let points = t.number("points")?;
        let mut out: Vec<AnswerItem> = Vec::new();
        for (row, ((&i, &k), &p)) in items
            .codes()
            .iter()
            .zip(keys.codes())
            .zip(points)
            .enumerate()
        {
            let column = items.levels()[i as usize].clone();
            if out.iter().any(|x| x.column == column) {
                return Err(SurveyError::Setup(format!(
                    "第{}行: 题目 {column} 重复 (duplicate item)",
                    t.line(row)
                )));
            }
            out.push(AnswerItem {
                column,
                key: keys.levels()[k as usize].clone(),
                points: p,
            });
        }
        Ok(out)
    };
    key(&mut src).map_err(|e| e.in_input(&src.name))
}

/// A margins table (`margin,level,N`), named in its errors.
pub fn read_margins<R: Read + Seek>(src: Source<R>) -> Result<Vec<Margin>> {
    let Source { name, reader } = src;
    Format::of_name(&name)
        .and_then(|format| input::read_margins(reader, format))
        .map_err(|e| e.in_input(name))
}

/// The header of a respondents file (CSV or workbook), read through the same reader as the
/// data: a request for a column no file has makes the reader list the header.
pub fn read_header<R: Read + Seek>(src: &mut Source<R>) -> Result<Vec<String>> {
    const PROBE: &str = "\u{1}kesu-header-probe";
    match src.table(&[Request::category(PROBE)]) {
        Err(SurveyError::MissingColumn { hint, .. }) => Ok(hint
            .split_once("(header): ")
            .map(|(_, h)| h.split(',').map(|s| s.trim().to_string()).collect())
            .unwrap_or_default()),
        Err(e) => Err(e.in_input(&src.name)),
        Ok(_) => Ok(Vec::new()),
    }
}

/// The columns `spec` needs, and `domains`, from the respondents; a missing default design
/// column gets a hint on how to do without it.
pub fn read_respondents<R: Read + Seek>(
    src: &mut Source<R>,
    options: &Options,
    spec: &SurveySpec,
    domains: &[&str],
) -> Result<Table> {
    src.table(&spec.requests(domains))
        .map_err(|e| options.hint_default_column(e).in_input(&src.name))
}

/// Build the design and weight it to `margins`; an error names the respondents (`file`, with
/// the line), the margins (`margins_name`), or both when it is about how they fit together.
pub fn weigh(
    spec: &SurveySpec,
    table: &mut Table,
    margins: &[Margin],
    file: &str,
    margins_name: &str,
) -> Result<Survey> {
    spec.build(table, margins)
        .map_err(|e| match table.locate(e) {
            e @ SurveyError::MissingMargin { .. } => e.in_input(margins_name),
            // Sample/margin mismatches are about the margins as much as the respondents.
            e @ (SurveyError::CellNotInSample { .. }
            | SurveyError::MarginTotals { .. }
            | SurveyError::BadCellTotal { .. }) => e.in_input(format!("{file} / {margins_name}")),
            other => other.in_input(file),
        })
}

/// A domain variable or crossing, levels in a useful order: the margins' order when a margin
/// is over the variable, else natural order.
pub fn domain_factor(table: &Table, margins: &[Margin], vars: &[&str]) -> Result<Factor> {
    let parts = vars
        .iter()
        .map(|v| {
            let f = table.factor(v)?.clone();
            Ok(match margins.iter().find(|m| m.name == *v) {
                Some(m) => f.ordered_like(&m.levels),
                None => f.sorted(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let refs: Vec<&Factor> = parts.iter().collect();
    Factor::cross(&refs)
}

/// The factors of domain specifications (`region`, `region+sex`), errors named by `file`.
pub fn domain_factors(
    table: &Table,
    margins: &[Margin],
    specs: &[String],
    file: &str,
) -> Result<Vec<Factor>> {
    specs
        .iter()
        .map(|spec| domain_factor(table, margins, &split_vars(spec)))
        .collect::<Result<_>>()
        .map_err(|e| table.locate(e).in_input(file))
}

/// A contrast `VAR:A:B` (the difference of level A and level B of VAR).
pub fn parse_contrast(spec: &str) -> Result<(&str, &str, &str)> {
    let mut it = spec.splitn(3, ':');
    match (it.next(), it.next(), it.next()) {
        (Some(v), Some(a), Some(b)) if !v.is_empty() && !a.is_empty() && !b.is_empty() => {
            Ok((v, a, b))
        }
        _ => Err(SurveyError::Setup(format!(
            "--contrast {spec}: 格式应为 VAR:A:B，如 urban:1:0 (expected VAR:A:B)"
        ))),
    }
}

/// The design as reported with an estimate.
#[derive(Debug, Clone, Serialize)]
pub struct DesignInfo {
    pub respondents: usize,
    pub strata: Option<String>,
    pub psu: Option<String>,
    pub weight: Option<String>,
    pub fpc: Option<String>,
    pub n_strata: usize,
    pub n_psu: usize,
    pub lonely_psu: LonelyPsu,
    pub lonely_strata: Vec<String>,
}

/// Everything an estimate produces (as written in JSON).
#[derive(Debug, Clone, Serialize)]
pub struct Estimation {
    pub file: String,
    pub rule: RuleRecord,
    pub design: DesignInfo,
    pub weighting: WeightingReport,
    pub warnings: Vec<String>,
    pub estimates: Vec<DomainEstimate>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contrasts: Vec<Difference>,
    /// Seconds since the start at the end of each phase (read, design+weighting, estimates).
    #[serde(skip)]
    pub phases: Vec<(&'static str, f64)>,
}

/// Read the respondents, weight them to `margins` (named `margins_name`) and estimate overall,
/// by every domain of `options.by` and every contrast of `options.contrasts`.
pub fn estimate<R: Read + Seek>(
    options: &Options,
    spec: &SurveySpec,
    mut respondents: Source<R>,
    margins: &[Margin],
    margins_name: &str,
) -> Result<Estimation> {
    let clock = Instant::now();
    let mut phases: Vec<(&'static str, f64)> = Vec::new();
    let mut lap = |name: &'static str| phases.push((name, clock.elapsed().as_secs_f64()));
    let file = respondents.name.clone();
    let by: Vec<&str> = options.by.iter().map(String::as_str).collect();
    let mut table = read_respondents(&mut respondents, options, spec, &by)?;
    lap("read");
    let n = table.n_rows();
    let survey = weigh(spec, &mut table, margins, &file, margins_name)?;
    let table = table;
    let in_file = |e: SurveyError| table.locate(e).in_input(&file);
    let design = survey.design();
    let info = DesignInfo {
        respondents: n,
        strata: spec.strata.clone(),
        psu: spec.psu.clone(),
        weight: spec.weight.clone(),
        fpc: spec.fpc.clone(),
        n_strata: design.n_strata(),
        n_psu: design.n_psu(),
        lonely_psu: spec.lonely_psu,
        lonely_strata: design.lonely_strata(),
    };
    lap("design+weighting");
    let by_factors = domain_factors(&table, margins, &options.by, &file)?;
    let estimates = survey
        .estimate_many(&by_factors.iter().collect::<Vec<_>>())
        .map_err(in_file)?;
    let mut contrasts = Vec::new();
    for c in &options.contrasts {
        let (var, a, b) = parse_contrast(c)?;
        let f = match by_factors.iter().find(|f| f.name() == var) {
            Some(f) => f.clone(),
            None => domain_factor(&table, margins, &split_vars(var)).map_err(in_file)?,
        };
        for level in [a, b] {
            if f.level_index(level).is_none() {
                return Err(SurveyError::Setup(format!(
                    "--contrast {c}: {var} 没有水平 {level} (no such level; levels: {})",
                    f.levels().join(", ")
                )));
            }
        }
        contrasts.push(
            survey
                .contrast(Domain::Level(&f, a), Domain::Level(&f, b))
                .map_err(in_file)?,
        );
    }
    lap("estimates");
    Ok(Estimation {
        file: file.clone(),
        rule: spec.rule.record(),
        design: info,
        weighting: survey.weighting().clone(),
        warnings: survey.warnings().to_vec(),
        estimates,
        contrasts,
        phases,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn src(name: &str, text: &str) -> Source<Cursor<Vec<u8>>> {
        Source::new(name, Cursor::new(text.as_bytes().to_vec()))
    }

    const TWO_STRATA: &str = "stratum,psu,weight,literate,sex\n\
        A,1,10,1,m\nA,1,12,0,f\nA,2,9,0,m\nA,2,11,1,f\n\
        B,3,20,0,m\nB,3,18,0,f\nB,4,25,1,m\nB,4,22,0,f\n";

    #[test]
    fn none_means_the_file_has_no_such_design_column() {
        let o = Options {
            strata: "NONE".into(),
            ..Options::default()
        };
        let spec = o.spec(None).unwrap();
        assert_eq!(spec.strata, None);
        assert_eq!(spec.psu.as_deref(), Some("psu"));
    }

    #[test]
    fn the_default_rule_is_the_literate_flag() {
        let spec = Options::default().spec(None).unwrap();
        assert_eq!(
            spec.rule,
            LiteracyRule::Flag {
                column: "literate".into()
            }
        );
    }

    #[test]
    fn a_grade_sets_the_threshold_of_a_score() {
        let o = Options {
            score: Some("score".into()),
            grade: Some(Grade::High),
            strict: true,
            ..Options::default()
        };
        assert_eq!(
            o.spec(None).unwrap().rule,
            LiteracyRule::Score {
                column: "score".into(),
                threshold: 85.0,
                comparison: Comparison::Above,
            }
        );
    }

    #[test]
    fn a_threshold_without_a_score_is_refused_as_a_setup_error() {
        let o = Options {
            threshold: Some(60.0),
            ..Options::default()
        };
        let e = o.spec(None).unwrap_err();
        assert!(matches!(e, SurveyError::Setup(ref m) if m.contains("--threshold")));
        assert!(!e.is_data_error());
    }

    #[test]
    fn poststratify_is_one_joint_margin_and_rake_is_several() {
        let post = Options {
            poststratify: vec!["region".into(), "sex".into()],
            ..Options::default()
        };
        assert_eq!(
            post.spec(None).unwrap().weighting.margin_names(),
            vec!["region+sex"]
        );
        let rake = Options {
            rake: vec!["region".into(), "sex".into()],
            ..Options::default()
        };
        assert_eq!(
            rake.spec(None).unwrap().weighting.margin_names(),
            vec!["region", "sex"]
        );
    }

    #[test]
    fn an_answer_key_is_read_item_by_item() {
        let key = read_answer_key(src("key.csv", "item,key,points\nq1,A,50\nq2,C,50\n")).unwrap();
        assert_eq!(key.len(), 2);
        assert_eq!((key[1].column.as_str(), key[1].key.as_str()), ("q2", "C"));
    }

    #[test]
    fn a_duplicate_item_of_an_answer_key_names_the_key_and_its_line() {
        let e = read_answer_key(src("key.csv", "item,key,points\nq1,A,50\nq1,B,50\n"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("key.csv: 第3行: 题目 q1 重复"), "{e}");
    }

    #[test]
    fn the_header_is_read_without_reading_the_data() {
        let h = read_header(&mut src("r.csv", TWO_STRATA)).unwrap();
        assert_eq!(h, vec!["stratum", "psu", "weight", "literate", "sex"]);
    }

    #[test]
    fn a_missing_default_design_column_hints_at_none() {
        let o = Options::default();
        let spec = o.spec(None).unwrap();
        let e = read_respondents(
            &mut src("r.csv", "psu,weight,literate\n1,1,1\n"),
            &o,
            &spec,
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("r.csv: 缺少列 stratum"), "{e}");
        assert!(e.contains("--strata none"), "{e}");
    }

    #[test]
    fn a_margin_without_respondents_names_both_files() {
        let o = Options {
            poststratify: vec!["sex".into()],
            ..Options::default()
        };
        let spec = o.spec(None).unwrap();
        let margins = read_margins(src(
            "m.csv",
            "margin,level,N\nsex,m,100\nsex,f,100\nsex,x,5\n",
        ))
        .unwrap();
        let e = estimate(&o, &spec, src("r.csv", TWO_STRATA), &margins, "m.csv")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("r.csv / m.csv: "), "{e}");
        assert!(e.contains("sex = x"), "{e}");
    }

    #[test]
    fn an_estimate_is_overall_then_by_domain_with_contrasts() {
        let o = Options {
            by: vec!["sex".into()],
            contrasts: vec!["sex:m:f".into()],
            ..Options::default()
        };
        let spec = o.spec(None).unwrap();
        let est = estimate(&o, &spec, src("r.csv", TWO_STRATA), &[], "").unwrap();
        let levels: Vec<(&str, &str)> = est
            .estimates
            .iter()
            .map(|e| (e.by.as_str(), e.level.as_str()))
            .collect();
        assert_eq!(levels, vec![("overall", "all"), ("sex", "f"), ("sex", "m")]);
        assert_eq!(est.design.n_strata, 2);
        assert_eq!(est.contrasts.len(), 1);
        assert_eq!(est.phases.len(), 3);
    }

    #[test]
    fn a_contrast_of_an_unknown_level_lists_the_levels() {
        let o = Options {
            by: vec!["sex".into()],
            contrasts: vec!["sex:m:x".into()],
            ..Options::default()
        };
        let spec = o.spec(None).unwrap();
        let e = estimate(&o, &spec, src("r.csv", TWO_STRATA), &[], "")
            .unwrap_err()
            .to_string();
        assert!(e.contains("sex 没有水平 x") && e.contains("f, m"), "{e}");
    }

    #[test]
    fn a_contrast_must_be_var_a_b() {
        assert!(parse_contrast("urban:1:0").is_ok());
        assert!(matches!(
            parse_contrast("urban:1"),
            Err(SurveyError::Setup(_))
        ));
    }
}
