//! `kesu plan parse` as a user runs it: the real binary on real and broken files.
#![expect(
    clippy::unwrap_used,
    reason = "fixture helpers: a failure to set one up fails the test"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn seed(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../samples/plans")
        .join(name)
}

const SEED: &str = "000_432ccf1c67a0d8b8.txt";

fn kesu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kesu"))
        .args(args)
        .output()
        .unwrap()
}

fn parse(path: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["plan", "parse", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    kesu(&args)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A refused file: the given exit code, a message naming the file and saying why, no panic,
/// nothing on stdout.
fn assert_refused(out: &Output, file: &Path, code: i32, why: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let name = file.file_name().unwrap().to_string_lossy();
    assert!(
        err.contains(name.as_ref()),
        "message does not name {name}: {err}"
    );
    assert!(err.contains(why), "message does not say {why}: {err}");
    assert!(out.stdout.is_empty());
}

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn an_empty_file_is_refused_as_empty() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "空文件.txt", b"");
    assert_refused(&parse(&file, &[]), &file, 65, "文件为空");
}

#[test]
fn a_binary_file_is_refused_as_binary() {
    let dir = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    let file = write(&dir, "data.bin", &bytes);
    assert_refused(&parse(&file, &[]), &file, 65, "二进制");
}

#[test]
fn a_png_renamed_docx_is_called_a_png() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0\0\0\x01\0\x08\x06\0\0\0".to_vec();
    bytes.extend((0..2000u32).map(|i| (i * 7 % 251) as u8));
    let file = write(&dir, "方案.docx", &bytes);
    let out = parse(&file, &[]);
    assert_refused(&out, &file, 65, "PNG");
    assert!(
        !stderr(&out).to_lowercase().contains("zip"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn text_without_a_plan_is_refused_as_no_plan() {
    let dir = tempfile::tempdir().unwrap();
    let text = "今天天气很好，我们去公园散步。\n公园里有很多人，孩子们在草地上玩耍。\n".repeat(20);
    let file = write(&dir, "随笔.txt", text.as_bytes());
    assert_refused(&parse(&file, &[]), &file, 65, "未找到方案内容");
}

#[test]
fn a_missing_file_exits_66_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("不存在的方案.txt");
    assert_refused(&parse(&file, &[]), &file, 66, "文件不存在");
}

#[test]
fn an_old_word_doc_is_refused_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".to_vec();
    bytes.resize(4096, 0);
    let file = write(&dir, "方案.doc", &bytes);
    assert_refused(&parse(&file, &[]), &file, 65, "另存为 .docx");
}

/// The plan JSON of a seed, parsed by the binary.
fn seed_json(path: &Path) -> serde_json::Value {
    let out = parse(path, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_seed_gives_plan_json_with_tasks() {
    let plan = seed_json(&seed(SEED));
    let tasks = plan["tasks"].as_array().unwrap();
    assert!(!tasks.is_empty());
    assert!(
        tasks
            .iter()
            .all(|t| t["path"].is_array() && t["title"].is_string())
    );
    assert!(plan["title"].as_str().is_some_and(|t| !t.is_empty()));
}

#[test]
fn json_output_keeps_chinese_unescaped() {
    let out = parse(&seed(SEED), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("\\u"), "escaped characters in the JSON");
    assert!(text.contains("\"tasks\""));
}

#[test]
fn a_gbk_copy_of_a_seed_gives_the_same_plan() {
    let dir = tempfile::tempdir().unwrap();
    let utf8 = std::fs::read_to_string(seed(SEED)).unwrap();
    let (gbk, _, unmappable) = encoding_rs::GB18030.encode(&utf8);
    assert!(!unmappable);
    let file = write(&dir, "gbk.txt", &gbk);
    assert_eq!(seed_json(&file), seed_json(&seed(SEED)));
}

#[test]
fn json_goes_to_the_file_given_with_o() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("plan.json");
    let out = parse(&seed(SEED), &["-o", target.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let plan: serde_json::Value = serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert_eq!(plan, seed_json(&seed(SEED)));
}

#[test]
fn the_table_format_shows_the_columns_and_every_task() {
    let plan = seed_json(&seed(SEED));
    let out = parse(&seed(SEED), &["--format", "table"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("牵头单位") && text.contains("量化目标"));
    for task in plan["tasks"].as_array().unwrap() {
        let path: Vec<&str> = task["path"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str())
            .collect();
        assert!(
            text.contains(&path.join(".")),
            "task {path:?} missing from the table"
        );
    }
}

#[test]
fn xlsx_is_written_to_the_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("任务分解表.xlsx");
    let out = parse(
        &seed(SEED),
        &["--format", "xlsx", "-o", target.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(&target).unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"));
}

#[test]
fn xlsx_to_a_pipe_is_the_workbook() {
    let out = parse(&seed(SEED), &["--format", "xlsx"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.starts_with(b"PK\x03\x04"));
}

/// `kesu plan parse -` with `input` on standard input.
fn parse_stdin(input: &[u8]) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_kesu"))
        .args(["plan", "parse", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_dash_reads_standard_input() {
    let out = parse_stdin(&std::fs::read(seed(SEED)).unwrap());
    assert!(out.status.success(), "{}", stderr(&out));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan, seed_json(&seed(SEED)));
}

#[test]
fn empty_standard_input_is_refused_as_empty() {
    let out = parse_stdin(b"");
    assert_eq!(out.status.code(), Some(65), "{}", stderr(&out));
    assert!(stderr(&out).contains("文件为空"), "{}", stderr(&out));
}

#[test]
fn an_output_in_a_missing_directory_fails_naming_it_and_not_as_missing_input() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("没有这个目录").join("plan.json");
    let out = parse(&seed(SEED), &["-o", target.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("没有这个目录") && err.contains("无法创建输出文件"),
        "{err}"
    );
}

/// The plan JSON of `kesu plan parse FILE` (stdout), as a value.
fn plan_json(file: &Path) -> serde_json::Value {
    let out = parse(file, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Tasks as compared after a round trip: path, title, units and targets (without the text and
/// indicator, which Kesu's table writes as the clause).
fn tasks_of(plan: &serde_json::Value) -> Vec<serde_json::Value> {
    plan["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let targets: Vec<serde_json::Value> = t["targets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| {
                    serde_json::json!([g["comparator"], g["value"], g["unit"], g["year"], g["per"]])
                })
                .collect();
            serde_json::json!([
                t["path"],
                t["title"],
                t["lead"],
                t["cooperating"],
                t["responsible"],
                targets
            ])
        })
        .collect()
}

#[test]
fn each_samples_own_task_table_parses_back_to_the_same_tasks_units_and_targets() {
    let dir = tempfile::tempdir().unwrap();
    let mut names: Vec<PathBuf> = std::fs::read_dir(seed(""))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for sample in names {
        let xlsx = dir.path().join("任务分解表.xlsx");
        let out = parse(&sample, &["--format", "xlsx", "-o", xlsx.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(
            tasks_of(&plan_json(&xlsx)),
            tasks_of(&plan_json(&sample)),
            "{}",
            sample.display()
        );
    }
}

#[test]
fn a_pdf_is_read_through_its_text_layer() {
    let pdf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../kesu-plan/tests/pdf/004_ddb7f01bda5ff9fc.pdf");
    let from_pdf = plan_json(&pdf);
    let from_text = plan_json(&seed("004_ddb7f01bda5ff9fc.txt"));
    let paths = |p: &serde_json::Value| -> Vec<serde_json::Value> {
        p["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["path"].clone())
            .collect()
    };
    assert_eq!(paths(&from_pdf), paths(&from_text));
    assert_eq!(from_pdf["region"], "屯溪区");
}

#[test]
fn a_broken_pdf_is_refused_as_bad_data_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "方案.pdf", b"%PDF-1.4\nnot really a pdf\n");
    assert_refused(&parse(&file, &[]), &file, 65, "PDF");
}

#[test]
fn doubts_go_to_standard_error_and_the_json_stays_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "方案.txt",
        "一、重点任务\n1.开展科普讲座。（责任单位：县科协）\n2.开展科技培训。\n".as_bytes(),
    );
    let out = parse(&file, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("没有读出责任单位"),
        "{}",
        stderr(&out)
    );
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["tasks"].as_array().unwrap().len(), 2);
}

/// The gold plan JSON of a sample (`crates/kesu-plan/tests/gold`, the samples' answers).
fn gold_json(sample: &Path) -> serde_json::Value {
    let name = sample.file_stem().unwrap().to_str().unwrap();
    let gold = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../kesu-plan/tests/gold")
        .join(format!("{name}.json"));
    serde_json::from_slice(&std::fs::read(gold).unwrap()).unwrap()
}

/// Numbers as floats: the gold writes a target of 1 as `1`, the reader as `1.0`.
fn numbers_as_floats(v: Vec<serde_json::Value>) -> Vec<serde_json::Value> {
    fn walk(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Number(n) => serde_json::json!(n.as_f64().unwrap()),
            serde_json::Value::Array(a) => a.into_iter().map(walk).collect(),
            other => other,
        }
    }
    v.into_iter().map(walk).collect()
}

#[test]
fn each_samples_own_task_table_gives_the_tasks_units_and_targets_of_its_gold_json() {
    let dir = tempfile::tempdir().unwrap();
    let mut names: Vec<PathBuf> = std::fs::read_dir(seed(""))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    assert_eq!(names.len(), 5, "the five samples");
    for sample in names {
        let xlsx = dir.path().join("任务分解表.xlsx");
        let out = parse(&sample, &["--format", "xlsx", "-o", xlsx.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        let (read, gold) = (
            numbers_as_floats(tasks_of(&plan_json(&xlsx))),
            numbers_as_floats(tasks_of(&gold_json(&sample))),
        );
        assert_eq!(read.len(), gold.len(), "{}", sample.display());
        for (r, g) in read.iter().zip(&gold) {
            assert_eq!(r, g, "{}", sample.display());
        }
    }
}
