//! `kesu survey import | waves | results` on a real database (both backends when PostgreSQL is
//! available): a wave is stored with its estimates and feeds the region's literacy share.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers outside #[test] functions fail loudly"
)]

use kesu_store::testing::{TestDb, backends};
use std::path::PathBuf;
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../kesu-survey/tests/fixtures")
}

fn kesu(t: &TestDb, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kesu"))
        .env("KESU_DATABASE_URL", t.url())
        .env_remove("KESU_DATA_DIR")
        .args(args)
        .output()
        .expect("run kesu")
}

fn import_args(file: &str) -> Vec<String> {
    let f = fixtures();
    vec![
        "survey".into(),
        "import".into(),
        f.join(file).display().to_string(),
        "--year".into(),
        "2024".into(),
        "--region".into(),
        "431302".into(),
        "--poststratify".into(),
        "region,urban,sex".into(),
        "--margins".into(),
        f.join("margins.csv").display().to_string(),
    ]
}

fn run_import(t: &TestDb, file: &str) -> Output {
    let args = import_args(file);
    kesu(t, &args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[tokio::test]
async fn an_imported_wave_stores_results_by_region_and_group_and_records_the_share() {
    for t in backends().await {
        let out = run_import(&t, "respondents.csv");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let again = run_import(&t, "respondents.csv");
        assert!(String::from_utf8_lossy(&again.stdout).contains("unchanged"));

        let out = kesu(&t, &["survey", "results", "1", "--format", "json"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let rows = v["results"].as_array().unwrap();
        let by = |b: &str| rows.iter().filter(|r| r["by_var"] == b).count();
        assert_eq!(by("overall"), 1);
        assert_eq!(by("region"), 3);
        assert!(by("group") >= 2);

        let share = kesu_store::indicators::share_of(&t.db, "431302", 2024)
            .await
            .unwrap()
            .expect("share recorded");
        let overall = rows[0]["est"].as_f64().unwrap();
        assert!((share.value - 100.0 * overall).abs() < 1e-9);
        assert!(share.low.unwrap() < share.value && share.value < share.high.unwrap());

        let waves = kesu(
            &t,
            &["survey", "waves", "--region", "4313", "--format", "json"],
        );
        let w: serde_json::Value = serde_json::from_slice(&waves.stdout).unwrap();
        assert_eq!(w.as_array().unwrap().len(), 1);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_file_with_a_name_column_is_refused_and_nothing_is_stored() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let src = std::fs::read_to_string(fixtures().join("respondents.csv")).unwrap();
        let mut lines = src.lines();
        let mut out = format!("姓名,{}\n", lines.next().unwrap());
        for l in lines.take(50) {
            out.push_str(&format!("张三,{l}\n"));
        }
        let path = dir.path().join("with-names.csv");
        std::fs::write(&path, out).unwrap();
        let o = kesu(
            &t,
            &[
                "survey",
                "import",
                path.to_str().unwrap(),
                "--year",
                "2024",
                "--region",
                "431302",
            ],
        );
        assert!(!o.status.success());
        assert!(String::from_utf8_lossy(&o.stderr).contains("姓名"));
        let waves = kesu(&t, &["survey", "waves", "--format", "json"]);
        let w: serde_json::Value = serde_json::from_slice(&waves.stdout).unwrap();
        assert!(w.as_array().unwrap().is_empty());
        t.cleanup().await;
    }
}

// ---------------------------------------------------------------------------------------------
// Margins from the region population tables (--margins-from-population).

/// The reference sample's regions as the child townships of 431302.
const CHILDREN: [(&str, &str); 3] = [
    ("east", "431302001"),
    ("central", "431302002"),
    ("west", "431302003"),
];

/// The reference margins (`margins.csv`), as `margin -> [(level, N)]`.
fn reference_margins() -> std::collections::BTreeMap<String, Vec<(String, f64)>> {
    let text = std::fs::read_to_string(fixtures().join("margins.csv")).unwrap();
    let mut out: std::collections::BTreeMap<String, Vec<(String, f64)>> = Default::default();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        out.entry(f[0].to_string())
            .or_default()
            .push((f[1].to_string(), f[2].parse().unwrap()));
    }
    out
}

fn child(region: &str) -> &'static str {
    CHILDREN.iter().find(|(r, _)| *r == region).unwrap().1
}

fn sex(s: &str) -> &str {
    match s {
        "F" => "female",
        "M" => "male",
        other => other,
    }
}

/// The reference respondents with region codes for regions and, when `relabel_sex`, the
/// population tables' `male`/`female` for `M`/`F`.
fn respondents_as_townships(dir: &std::path::Path, relabel_sex: bool) -> PathBuf {
    let src = std::fs::read_to_string(fixtures().join("respondents.csv")).unwrap();
    let mut lines = src.lines();
    let header = lines.next().unwrap();
    let cols: Vec<&str> = header.split(',').collect();
    let (ri, si) = (
        cols.iter().position(|c| *c == "region").unwrap(),
        cols.iter().position(|c| *c == "sex").unwrap(),
    );
    let mut out = format!("{header}\n");
    for l in lines {
        let mut f: Vec<&str> = l.split(',').collect();
        f[ri] = child(f[ri]);
        if relabel_sex {
            f[si] = sex(f[si]);
        }
        out.push_str(&f.join(","));
        out.push('\n');
    }
    let path = dir.join("respondents-townships.csv");
    std::fs::write(&path, out).unwrap();
    path
}

/// Regions 湖南省 › 娄底市 › 娄星区 (431302) › three townships, and their 2024 population: each
/// township's urban and rural counts from the reference region+urban+sex margin, and 431302's
/// population by sex and age group (a crossing whose one-way sums are the reference sex and
/// age-group margins). Also writes `equivalent.csv`, the same margins as a margins file.
fn load_population(t: &TestDb, dir: &std::path::Path) -> PathBuf {
    let codes = dir.join("regions.csv");
    let mut regions = "code,name\n43,湖南省\n4313,娄底市\n431302,娄星区\n".to_string();
    for (i, (_, code)) in CHILDREN.iter().enumerate() {
        regions.push_str(&format!("{code},街道{i}\n"));
    }
    std::fs::write(&codes, regions).unwrap();
    let out = kesu(
        t,
        &[
            "regions",
            "import",
            codes.to_str().unwrap(),
            "--edition",
            "2023",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let m = reference_margins();
    let cell = |region: &str, urban: &str| -> i64 {
        m["region+urban+sex"]
            .iter()
            .filter(|(l, _)| l.starts_with(&format!("{region}|{urban}|")))
            .map(|(_, n)| *n as i64)
            .sum()
    };
    let sexes = &m["sex"];
    let ages = &m["age_group"];
    let total: f64 = ages.iter().map(|(_, n)| n).sum();
    // Female share of each age group proportional to the female total, the last group taking
    // the rounding remainder, so that both one-way sums are exact.
    let female_total = sexes.iter().find(|(l, _)| l == "F").unwrap().1 as i64;
    let mut female: Vec<i64> = ages
        .iter()
        .map(|(_, n)| (n * female_total as f64 / total).floor() as i64)
        .collect();
    let last = female.len() - 1;
    female[last] = female_total - female[..last].iter().sum::<i64>();
    let group_cols: Vec<String> = ages
        .iter()
        .flat_map(|(a, _)| [format!("female_{a}"), format!("male_{a}")])
        .collect();
    let group_vals: Vec<String> = ages
        .iter()
        .zip(&female)
        .flat_map(|((_, n), f)| [f.to_string(), (*n as i64 - f).to_string()])
        .collect();
    let (mut urban_all, mut rural_all) = (0, 0);
    let mut rows = String::new();
    let mut equivalent = "margin,level,N\n".to_string();
    for (region, code) in CHILDREN {
        let (u, r) = (cell(region, "1"), cell(region, "0"));
        urban_all += u;
        rural_all += r;
        rows.push_str(&format!(
            "{code},2024,{},{u},{r}{}\n",
            u + r,
            ",".repeat(group_cols.len())
        ));
        equivalent.push_str(&format!(
            "region+urban,{code}|1,{u}\nregion+urban,{code}|0,{r}\n"
        ));
        equivalent.push_str(&format!("region,{code},{}\n", u + r));
    }
    rows.push_str(&format!(
        "431302,2024,{},{urban_all},{rural_all},{}\n",
        urban_all + rural_all,
        group_vals.join(",")
    ));
    equivalent.push_str(&format!("urban,1,{urban_all}\nurban,0,{rural_all}\n"));
    for (s, n) in sexes {
        equivalent.push_str(&format!("sex,{},{n}\n", sex(s)));
    }
    for (a, n) in ages {
        equivalent.push_str(&format!("age_group,{a},{n}\n"));
    }
    let pop = dir.join("population.csv");
    std::fs::write(
        &pop,
        format!(
            "code,year,population,urban,rural,{}\n{rows}",
            group_cols.join(",")
        ),
    )
    .unwrap();
    let out = kesu(t, &["regions", "population", pop.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let eq = dir.join("equivalent.csv");
    std::fs::write(&eq, equivalent).unwrap();
    eq
}

fn import_wave(t: &TestDb, file: &std::path::Path, name: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "survey",
        "import",
        file.to_str().unwrap(),
        "--year",
        "2024",
        "--region",
        "431302",
        "--name",
        name,
    ];
    args.extend_from_slice(extra);
    kesu(t, &args)
}

fn stored_results(t: &TestDb, id: i64) -> Vec<serde_json::Value> {
    let out = kesu(
        t,
        &["survey", "results", &id.to_string(), "--format", "json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["results"].as_array().unwrap().clone()
}

fn assert_same_estimates(a: &[serde_json::Value], b: &[serde_json::Value]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_eq!(
            (&x["by_var"], &x["level"], &x["n"]),
            (&y["by_var"], &y["level"], &y["n"])
        );
        for k in [
            "wsum", "est", "se", "wald_l", "wald_u", "logit_l", "logit_u",
        ] {
            let (p, q) = (x[k].as_f64().unwrap(), y[k].as_f64().unwrap());
            assert!(
                (p - q).abs() <= 1e-12 * p.abs().max(1.0),
                "{} {} {k}: {p} vs {q}",
                x["by_var"],
                x["level"]
            );
        }
    }
}

#[tokio::test]
async fn a_wave_weighted_from_the_population_tables_matches_the_same_margins_given_as_a_file() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let equivalent = load_population(&t, dir.path());
        let file = respondents_as_townships(dir.path(), true);
        for (i, weighting) in [
            ["--poststratify", "region,urban"],
            ["--rake", "region,urban,sex,age_group"],
        ]
        .iter()
        .enumerate()
        {
            let pop_name = format!("人口表{i}");
            let file_name = format!("边际文件{i}");
            let out = import_wave(
                &t,
                &file,
                &pop_name,
                &[weighting[0], weighting[1], "--margins-from-population"],
            );
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let out = import_wave(
                &t,
                &file,
                &file_name,
                &[
                    weighting[0],
                    weighting[1],
                    "--margins",
                    equivalent.to_str().unwrap(),
                ],
            );
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let waves = kesu(&t, &["survey", "waves", "--format", "json"]);
            let w: serde_json::Value = serde_json::from_slice(&waves.stdout).unwrap();
            let id_of = |name: &str| {
                w.as_array()
                    .unwrap()
                    .iter()
                    .find(|x| x["name"] == name)
                    .unwrap()["id"]
                    .as_i64()
                    .unwrap()
            };
            let (a, b) = (id_of(&pop_name), id_of(&file_name));
            assert_same_estimates(&stored_results(&t, a), &stored_results(&t, b));
            let margins = kesu_store::survey::margins(&t.db, a).await.unwrap();
            assert!(!margins.is_empty());
            assert!(
                margins
                    .iter()
                    .any(|m| m.margin.starts_with("region") && m.level.starts_with("431302001")),
                "{margins:?}"
            );
        }
        t.cleanup().await;
    }
}

/// The import fails with a message saying `parts`, and stores no wave and no share.
async fn assert_refused_and_nothing_stored(t: &TestDb, out: &Output, parts: &[&str]) {
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    for p in parts {
        assert!(err.contains(p), "message does not say {p:?}: {err}");
    }
    assert!(
        kesu_store::survey::waves(&t.db, "")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        kesu_store::indicators::share_of(&t.db, "431302", 2024)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_variable_the_population_tables_do_not_hold_is_named_and_nothing_is_stored() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        load_population(&t, dir.path());
        let file = respondents_as_townships(dir.path(), true);
        let out = import_wave(
            &t,
            &file,
            "x",
            &["--rake", "region,education", "--margins-from-population"],
        );
        assert_refused_and_nothing_stored(&t, &out, &["education", "region", "urban"]).await;
        let out = import_wave(
            &t,
            &file,
            "x",
            &["--poststratify", "urban,sex", "--margins-from-population"],
        );
        assert_refused_and_nothing_stored(&t, &out, &["urban+sex", "没有城乡与性别"]).await;
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_sample_level_without_a_population_count_is_named_and_nothing_is_stored() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        load_population(&t, dir.path());
        // Sex spelled F/M, not as the population tables (male/female).
        let file = respondents_as_townships(dir.path(), false);
        let out = import_wave(
            &t,
            &file,
            "x",
            &["--rake", "region,sex", "--margins-from-population"],
        );
        assert_refused_and_nothing_stored(&t, &out, &["sex = F", "第2行", "female, male"]).await;
        t.cleanup().await;
    }
}

#[tokio::test]
async fn population_tables_missing_for_the_wave_year_are_named_and_nothing_is_stored() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        load_population(&t, dir.path());
        let file = respondents_as_townships(dir.path(), true);
        let out = kesu(
            &t,
            &[
                "survey",
                "import",
                file.to_str().unwrap(),
                "--year",
                "2023",
                "--region",
                "431302",
                "--poststratify",
                "urban",
                "--margins-from-population",
            ],
        );
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("431302 2023"), "{err}");
        assert!(
            kesu_store::survey::waves(&t.db, "")
                .await
                .unwrap()
                .is_empty()
        );
        let out = import_wave(
            &t,
            &file,
            "x",
            &["--poststratify", "region", "--margins-from-population"],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        t.cleanup().await;
    }
}
