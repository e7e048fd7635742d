//! `kesu survey estimate` as a user runs it: the real binary on the R reference fixtures and on
//! broken files.
#![expect(
    clippy::unwrap_used,
    reason = "fixture helpers: a failure to set one up fails the test"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../kesu-survey/tests/fixtures")
        .join(name)
}

fn kesu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kesu"))
        .args(args)
        .output()
        .unwrap()
}

fn estimate(file: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["survey", "estimate", file.to_str().unwrap()];
    args.extend_from_slice(extra);
    kesu(&args)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ok(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    stdout(out)
}

/// A refused input: exit code, a message naming the file and saying why, no panic, no output.
fn assert_refused(out: &Output, code: i32, parts: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.starts_with("错误 (error): "), "{err}");
    for p in parts {
        assert!(err.contains(p), "message does not say {p:?}: {err}");
    }
    assert!(out.stdout.is_empty(), "{}", stdout(out));
}

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// expected.txt rows of one design, keyed by (by, level), as the CLI prints them.
fn expected(design: &str) -> BTreeMap<(String, String), Vec<String>> {
    std::fs::read_to_string(fixture("expected.txt"))
        .unwrap()
        .lines()
        .skip(1)
        .filter_map(|l| l.strip_prefix(&format!("{design},")))
        .map(|l| {
            let f: Vec<String> = l.split(',').map(str::to_string).collect();
            ((f[0].clone(), f[1].clone()), f[2..].to_vec())
        })
        .collect()
}

/// Every row of the CLI's CSV equals the R row: counts exactly, numbers to 1e-9 (logit 1e-8).
fn assert_matches_r(csv: &str, design: &str) {
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("by,level,n,wsum,est,se,wald_l,wald_u,deff,df,logit_l,logit_u")
    );
    let want = expected(design);
    let mut seen = 0;
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let w = &want[&(f[0].to_string(), f[1].to_string())];
        for (i, (got, r)) in f[2..].iter().zip(w).enumerate() {
            if i == 0 || i == 7 {
                assert_eq!(got, r, "{design} {line}: column {i}");
                continue;
            }
            let (g, r): (f64, f64) = (got.parse().unwrap(), r.parse().unwrap());
            let tol = if i >= 8 { 1e-8 } else { 1e-9 };
            assert!(
                (g - r).abs() <= tol * r.abs(),
                "{design} {} {}: column {i}: {g} vs R {r}",
                f[0],
                f[1]
            );
        }
        seen += 1;
    }
    assert_eq!(seen, want.len(), "{design}: one row per expected row");
}

const MARGINS: &str = "region,urban,sex,age_group,education";

#[test]
fn csv_output_reproduces_r_for_every_weighting() {
    let resp = fixture("respondents.csv");
    let margins = fixture("margins.csv");
    let m = margins.to_str().unwrap();
    let by = ["--by", "region,group"];
    let out = ok(&estimate(&resp, &by));
    assert_matches_r(&out, "design");
    let ps = ["--poststratify", "region,urban,sex", "--margins", m];
    assert_matches_r(&ok(&estimate(&resp, &[&by[..], &ps].concat())), "poststrat");
    let rake = ["--rake", MARGINS, "--margins", m];
    assert_matches_r(
        &ok(&estimate(&resp, &[&by[..], &rake].concat())),
        "calibrate_raking",
    );
    let r_rake = [&by[..], &rake, &["--rake-variance", "r-rake"]].concat();
    assert_matches_r(&ok(&estimate(&resp, &r_rake)), "rake");
}

#[test]
fn poststratification_variables_may_be_given_in_any_order() {
    let m = fixture("margins.csv");
    let a = ok(&estimate(
        &fixture("respondents.csv"),
        &[
            "--poststratify",
            "sex,region,urban",
            "--margins",
            m.to_str().unwrap(),
            "--by",
            "region,group",
        ],
    ));
    assert_matches_r(&a, "poststrat");
}

#[test]
fn lonely_psu_policies_and_fpc_match_r_on_the_tiny_design() {
    let text = std::fs::read_to_string(fixture("expected.txt")).unwrap();
    for fpc in [false, true] {
        for policy in ["remove", "certainty", "adjust", "average"] {
            let mut args = vec!["--by", "domain", "--lonely-psu", policy];
            if fpc {
                args.extend(["--fpc", "fpc"]);
            }
            let out = estimate(&fixture("tiny.csv"), &args);
            let csv = ok(&out);
            assert!(stderr(&out).contains("警告 (warning)") && stderr(&out).contains(": C"));
            let tag = format!("tiny_{}_{policy}", if fpc { "fpc" } else { "nofpc" });
            for line in csv.lines().skip(1) {
                let f: Vec<&str> = line.split(',').collect();
                let by = if f[0] == "overall" {
                    "overall"
                } else {
                    "domain"
                };
                let want = text
                    .lines()
                    .find(|l| l.starts_with(&format!("{tag},{by},{},", f[1])))
                    .unwrap();
                let w: Vec<f64> = want
                    .split(',')
                    .skip(3)
                    .map(|x| x.parse().unwrap())
                    .collect();
                let (est, se): (f64, f64) = (f[4].parse().unwrap(), f[5].parse().unwrap());
                assert!((est - w[0]).abs() < 1e-9 * w[0], "{tag} {line}");
                assert!(
                    (se - w[1]).abs() < 1e-9 * w[1],
                    "{tag} {line}: se {se} vs {}",
                    w[1]
                );
            }
        }
    }
}

#[test]
fn a_lonely_psu_fails_by_default_naming_the_stratum() {
    let out = estimate(&fixture("tiny.csv"), &[]);
    assert_refused(
        &out,
        65,
        &["tiny.csv", "只有一个初级抽样单元", "C", "--lonely-psu"],
    );
}

#[test]
fn a_missing_file_exits_66() {
    let out = estimate(Path::new("没有这个文件.csv"), &[]);
    assert_refused(&out, 66, &["没有这个文件.csv", "文件不存在"]);
}

#[test]
fn a_missing_design_column_is_named_with_a_way_out() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(&dir, "r.csv", b"psu,weight,literate\n1,1,0\n2,1,1\n");
    let out = estimate(&f, &[]);
    assert_refused(&out, 65, &["r.csv", "缺少列 stratum", "--strata none"]);
    // Without strata the same file works.
    let csv = ok(&estimate(&f, &["--strata", "none"]));
    assert!(csv.contains("overall,all,2,2,0.5,"), "{csv}");
}

#[test]
fn a_negative_weight_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        &dir,
        "neg.csv",
        b"stratum,psu,weight,literate\nA,1,1,0\nA,2,1,1\nA,2,-3,1\n",
    );
    let out = estimate(&f, &[]);
    assert_refused(&out, 65, &["neg.csv: 第4行 列weight: 权数为负"]);
}

#[test]
fn a_non_numeric_weight_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        &dir,
        "w.csv",
        b"stratum,psu,weight,literate\r\nA,1,1,0\r\nA,2,n/a,1\r\n",
    );
    let out = estimate(&f, &[]);
    assert_refused(
        &out,
        65,
        &["w.csv: 第3行 列weight: 不是数字 (not a number): 'n/a'"],
    );
}

#[test]
fn a_literate_value_other_than_zero_or_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        &dir,
        "y.csv",
        b"stratum,psu,weight,literate\nA,1,1,0\nA,2,1,2\n",
    );
    let out = estimate(&f, &[]);
    assert_refused(&out, 65, &["y.csv: 第3行 列literate: 应为 0 或 1"]);
}

#[test]
fn a_sample_cell_missing_from_the_margins_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let margins = std::fs::read_to_string(fixture("margins.csv")).unwrap();
    let cut: String = margins
        .lines()
        .filter(|l| !l.starts_with("region+urban+sex,west|1|M"))
        .map(|l| format!("{l}\n"))
        .collect();
    let m = write(&dir, "m.csv", cut.as_bytes());
    let out = estimate(
        &fixture("respondents.csv"),
        &[
            "--poststratify",
            "region,urban,sex",
            "--margins",
            m.to_str().unwrap(),
        ],
    );
    assert_refused(&out, 65, &["respondents.csv", "west|1|M", "不在边际表中"]);
}

#[test]
fn a_margin_cell_without_respondents_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut margins = std::fs::read_to_string(fixture("margins.csv")).unwrap();
    // Still 6,000,000 in all: only the cell is wrong.
    margins = margins.replace(
        "region,west,1320000\n",
        "region,west,1319995\nregion,north,5\n",
    );
    let m = write(&dir, "m.csv", margins.as_bytes());
    let out = estimate(
        &fixture("respondents.csv"),
        &["--rake", MARGINS, "--margins", m.to_str().unwrap()],
    );
    assert_refused(&out, 65, &["m.csv", "region = north", "没有受访者"]);
}

#[test]
fn raking_margins_that_do_not_sum_to_the_same_n_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let margins = std::fs::read_to_string(fixture("margins.csv"))
        .unwrap()
        .replace("sex,M,3059999", "sex,M,3059000");
    let m = write(&dir, "m.csv", margins.as_bytes());
    let out = estimate(
        &fixture("respondents.csv"),
        &["--rake", MARGINS, "--margins", m.to_str().unwrap()],
    );
    assert_refused(&out, 65, &["m.csv", "边际 sex", "不一致"]);
}

#[test]
fn a_margin_the_margins_file_does_not_have_is_named() {
    let m = fixture("margins.csv");
    let out = estimate(
        &fixture("respondents.csv"),
        &[
            "--poststratify",
            "region,group",
            "--margins",
            m.to_str().unwrap(),
        ],
    );
    assert_refused(
        &out,
        65,
        &["margins.csv", "region+group", "region+urban+sex"],
    );
}

#[test]
fn json_records_rule_design_weighting_flags_and_contrasts() {
    let m = fixture("margins.csv");
    let out = ok(&estimate(
        &fixture("respondents.csv"),
        &[
            "--rake",
            MARGINS,
            "--margins",
            m.to_str().unwrap(),
            "--by",
            "group,region+urban",
            "--contrast",
            "region:east:west",
            "--format",
            "json",
        ],
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["rule"]["version"], 1);
    assert_eq!(v["rule"]["description"], "literate = 1");
    assert_eq!(v["design"]["n_psu"], 120);
    assert_eq!(v["weighting"]["method"], "rake");
    assert_eq!(v["weighting"]["variance"], "greg");
    assert_eq!(v["weighting"]["converged"], true);
    let est = v["estimates"].as_array().unwrap();
    assert_eq!(est.len(), 1 + 5 + 6);
    let cadre = est.iter().find(|e| e["level"] == "cadre").unwrap();
    assert!(cadre["cv"].as_f64().unwrap() > 0.0);
    assert!(
        est.iter()
            .any(|e| e["by"] == "region+urban" && e["level"] == "east|1")
    );
    let c = &v["contrasts"][0];
    assert_eq!(c["a"], "region=east");
    assert!(c["se"].as_f64().unwrap() > 0.0);
}

#[test]
fn contrasts_are_refused_in_csv_output() {
    let out = estimate(
        &fixture("respondents.csv"),
        &["--contrast", "region:east:west"],
    );
    assert_refused(&out, 1, &["--contrast", "json"]);
}

#[test]
fn table_output_shows_percentages_flags_and_differences() {
    let out = ok(&estimate(
        &fixture("tiny.csv"),
        &[
            "--by",
            "domain",
            "--lonely-psu",
            "remove",
            "--format",
            "table",
            "--contrast",
            "domain:x:y",
        ],
    ));
    assert!(out.contains("判定规则 (rule): literate = 1"), "{out}");
    assert!(out.contains("43.55"), "{out}");
    assert!(out.contains("n<30"), "{out}");
    assert!(out.contains("domain=x − domain=y"), "{out}");
}

#[test]
fn a_score_is_compared_with_the_threshold_or_a_grade() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        &dir,
        "s.csv",
        b"stratum,psu,weight,score\nA,1,1,69.5\nA,1,1,70\nA,2,1,85\nA,2,1,40\n",
    );
    let share = |extra: &[&str]| -> String {
        let csv = ok(&estimate(&f, &[&["--score", "score"], extra].concat()));
        csv.lines()
            .nth(1)
            .unwrap()
            .split(',')
            .nth(4)
            .unwrap()
            .to_string()
    };
    assert_eq!(share(&[]), "0.5");
    assert_eq!(share(&["--threshold", "60"]), "0.75");
    assert_eq!(share(&["--grade", "high"]), "0.25");
    assert_eq!(share(&["--threshold", "70", "--strict"]), "0.25");
    let json = ok(&estimate(&f, &["--score", "score", "--format", "json"]));
    assert!(json.contains("\"description\": \"score >= 70\""), "{json}");
}

#[test]
fn raw_answers_are_scored_with_an_answer_key() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        &dir,
        "a.csv",
        b"stratum,psu,weight,q1,q2\nA,1,1,A,b\nA,1,1,B,B\nA,2,1,a,C\nA,2,1,A,B\n",
    );
    let key = write(&dir, "key.csv", b"item,key,points\nq1,A,40\nq2,B,60\n");
    let csv = ok(&estimate(&f, &["--answer-key", key.to_str().unwrap()]));
    // Scores 100, 60, 40, 100: two of four reach 70.
    assert!(csv.contains("overall,all,4,4,0.5,"), "{csv}");
}

#[test]
fn a_gb18030_csv_with_chinese_names_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let text = "层,单元,权数,具备,地区\nA,1,1,1,东部\nA,1,2,0,西部\nA,2,1,1,东部\nA,2,1,0,西部\n";
    let (bytes, _, _) = encoding_rs::GB18030.encode(text);
    let f = write(&dir, "gbk.csv", &bytes);
    let csv = ok(&estimate(
        &f,
        &[
            "--strata",
            "层",
            "--psu",
            "单元",
            "--weight",
            "权数",
            "--literate",
            "具备",
            "--by",
            "地区",
        ],
    ));
    assert!(csv.contains("地区,东部,2,2,1,"), "{csv}");
}

#[test]
fn an_xlsx_file_gives_the_same_estimates_as_the_csv() {
    let args = ["--by", "domain", "--lonely-psu", "adjust", "--fpc", "fpc"];
    let csv = ok(&estimate(&fixture("tiny.csv"), &args));
    let xlsx = ok(&estimate(&fixture("tiny.xlsx"), &args));
    assert_eq!(csv, xlsx);
}
