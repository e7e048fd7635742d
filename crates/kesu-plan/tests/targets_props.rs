//! Whatever text the target reader is given, it returns, without panicking, and its work grows
//! with the length of the text, not with its square.

use kesu_plan::targets::{extract, extract_goals};
use proptest::prelude::*;

/// Pieces quantitative sentences are made of, to reach the reader's rules more often than
/// random characters would.
fn fragment() -> impl Strategy<Value = String> {
    let fixed = prop::sample::select(vec![
        "到",
        "2025年",
        "年",
        "底",
        "每",
        "每年",
        "每个",
        "村",
        "至少",
        "不少于",
        "超过",
        "达到",
        "以上",
        "以内",
        "余",
        "多",
        "1",
        "12",
        "1.5",
        "０",
        "万",
        "亿",
        "一",
        "两",
        "十",
        "百",
        "千",
        "零",
        "〇",
        "-",
        "—",
        "~",
        "至",
        "个",
        "名",
        "人次",
        "人",
        "家",
        "场次",
        "%",
        "％",
        "，",
        "、",
        "。",
        "；",
        "：",
        ":",
        "(",
        ")",
        "（",
        "）",
        "“",
        "”",
        "《",
        "》",
        "\"",
        "/",
        "第",
        "前",
        "十四五",
        "”末",
        "其中",
        "等",
        "的",
        "配备",
        "开展",
        "\n",
        " ",
        "\u{3000}",
        "**",
        "- ",
        "1.",
        "(1)",
        "一、",
        "①",
        "各",
        "县市区",
        "科协",
        "目标",
        "主要目标",
    ])
    .prop_map(str::to_string);
    prop_oneof![4 => fixed, 1 => ".{0,6}"]
}

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..80).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn extract_never_panics_on_plan_like_text(text in document()) {
        let got = extract(&text);
        for t in &got {
            prop_assert!(!t.unit.is_empty());
        }
        let _ = extract_goals(&text, Some([2021, 2025]));
    }

    #[test]
    fn extract_never_panics_on_arbitrary_strings(text in any::<String>()) {
        let _ = extract(&text);
    }
}

/// Inputs that would make a reader that rescans its text per number quadratic: one endless
/// sentence full of numbers, of 每, of list marks, of brackets. Each is a few megabytes; a
/// quadratic reader would not finish in any reasonable test time (no clock is asserted: the
/// speed figures are in docs/PERFORMANCE.md).
#[test]
fn pathological_long_inputs_finish() {
    let n = 50_000;
    let cases = [
        "培训100人次".repeat(n),
        "每个村每年".repeat(n) + "1名",
        "、10个".repeat(n),
        "到2025年".repeat(n) + "1个",
        "（2020年为".repeat(n) + "1个",
        "“".repeat(n) + "5个",
        "一".repeat(n) + "个",
        "1".repeat(n) + "名",
        " ".repeat(n) + "10 名",
        "，".repeat(n) + "10名",
        "至少".repeat(n) + &"1名以上".repeat(n),
        "每(".repeat(n) + "1名",
    ];
    for text in &cases {
        let got = extract(text);
        assert!(got.len() <= text.len());
    }
    assert_eq!(extract(&cases[0]).len(), n);
}

/// Speed figures for docs/PERFORMANCE.md (prints, asserts nothing about time):
/// `cargo test --release -p kesu-plan --test targets_props -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check; run on request"]
fn speed_report() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../samples/plans");
    let mut samples = String::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        samples += &std::fs::read_to_string(p).unwrap_or_default();
    }
    let dense = "到2025年，每年开展科普活动不少于10场次、培训1.5万人次以上，".repeat(2000);
    for (name, base) in [("samples", samples), ("dense targets", dense)] {
        for k in [1usize, 10, 100] {
            let text = base.repeat(k);
            let _ = extract(&text); // warm up (patterns compiled once)
            let runs = 5;
            let start = std::time::Instant::now();
            let mut n = 0;
            for _ in 0..runs {
                n = extract(&text).len();
            }
            let per = start.elapsed() / runs;
            println!(
                "{name} x{k}: {:.1} MB, {n} targets, {:.2} ms",
                text.len() as f64 / 1e6,
                per.as_secs_f64() * 1e3
            );
        }
    }
}
