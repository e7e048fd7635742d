//! Importing a survey wave (科学素质抽样调查): the set-up rules and the write.
//!
//! The edge (the `kesu survey import` command) opens the respondents file, reads it through
//! `kesu_survey` and estimates it; the rules of what is refused, which columns become domains,
//! where the population margins come from, and the write (the wave, its respondents, margins and
//! results, and the literacy-share indicator it gives, in one transaction with its audit row) are
//! here.

use crate::{Caller, Ctx, Error, Result};
use kesu_core::RegionCode;
use kesu_store::survey::{self, Imported, MarginRow, NewWave, Respondent, ResultRow};
use kesu_survey::{Margin, split_vars};

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

/// A respondents file with columns that look like names, ID numbers or phones is refused: the
/// estimate needs none of them and they are never stored.
pub fn refuse_personal(file: &str, header: &[String]) -> Result<()> {
    let personal: Vec<&str> = header
        .iter()
        .filter(|h| survey::is_personal_column(h))
        .map(String::as_str)
        .collect();
    if personal.is_empty() {
        return Ok(());
    }
    Err(Error::invalid(format!(
        "{file}: 列 {} 像是姓名、身份证号或电话；导入调查不需要也不保存个人信息，请删除这些列后再导入 (personal data columns refused; remove them)",
        personal.join(", ")
    )))
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
pub async fn import(
    ctx: &Ctx,
    caller: &Caller,
    wave: &NewWave,
    respondents: &[Respondent],
    margins: &[MarginRow],
    results: &[ResultRow],
) -> Result<Imported> {
    authorise(caller, &wave.region_code)?;
    overall(results)?;
    Ok(survey::import_wave(&ctx.db, &caller.audit, wave, respondents, margins, results).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(c: &[&str]) -> Vec<String> {
        c.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_file_with_a_name_column_is_refused_naming_the_column() {
        let e = refuse_personal("a.csv", &cols(&["region", "姓名", "literate"]));
        assert!(matches!(e, Err(Error::Invalid { message, .. }) if message.contains("姓名")));
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
