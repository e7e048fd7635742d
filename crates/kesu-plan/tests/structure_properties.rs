//! Properties of the structure parser over arbitrary documents of plan-like pieces: paragraphs
//! and tables in any order (the text-only proptest in `no_panic.rs` never builds tables).
//! Whatever the input, the parser answers, and what it answers is well formed.

use kesu_plan::{Block, Document, structure};
use proptest::prelude::*;

fn piece() -> impl Strategy<Value = String> {
    let fixed = prop::sample::select(vec![
        "一、",
        "二、",
        "（一）",
        "(二)",
        "1．",
        "2.",
        "(1)",
        "（2）",
        "①",
        "一是",
        "第一部分",
        "¶",
        "措施",
        "任务",
        "分工",
        "目标",
        "保障措施",
        "组织实施",
        "指导思想",
        "附件",
        "抄送",
        "牵头单位：",
        "配合部门:",
        "责任单位：",
        "（责任单位：",
        "排名第一的为牵头单位，下同）",
        "牵头",
        "配合",
        "负责",
        "按职责分工负责",
        "县科协",
        "县教育局",
        "各乡镇",
        "等",
        "、",
        "，",
        "。",
        "；",
        "（",
        "）",
        "(",
        ")",
        "【",
        "】",
        "序号",
        "重点任务",
        "具体措施",
        "完成时限",
        "2025年",
        "到2025年",
        "超过",
        "15%",
        "1-2家",
        "每年",
        "—1—",
        "- 1 -",
        " ",
        "**",
        "- ",
        "«",
        "»",
        "\u{3000}",
        "\t",
    ])
    .prop_map(str::to_string);
    prop_oneof![
        5 => fixed,
        1 => "[0-9]{1,4}",
        1 => "[\u{4e00}-\u{9fa5}]{1,8}",
        1 => any::<char>().prop_map(|c| c.to_string()),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..12).prop_map(|p| p.concat())
}

fn block() -> impl Strategy<Value = Block> {
    prop_oneof![
        6 => text().prop_map(Block::Paragraph),
        1 => prop::collection::vec(prop::collection::vec(text(), 0..7), 0..8).prop_map(Block::Table),
    ]
}

fn document() -> impl Strategy<Value = Document> {
    prop::collection::vec(block(), 0..40).prop_map(|blocks| Document { blocks })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_document_parses_or_is_no_plan(doc in document()) {
        let _ = structure::read(&doc);
    }

    #[test]
    fn every_task_has_a_span_inside_the_source_on_character_boundaries(doc in document()) {
        if let Ok(out) = structure::read(&doc) {
            prop_assert_eq!(out.spans.len(), out.plan.tasks.len());
            for span in out.spans.iter().flatten() {
                prop_assert!(span.start <= span.end && span.end <= out.source.len());
                prop_assert!(out.source.is_char_boundary(span.start));
                prop_assert!(out.source.is_char_boundary(span.end));
            }
        }
    }

    #[test]
    fn every_task_has_a_path_of_labels_and_named_units(doc in document()) {
        if let Ok(plan) = structure::read(&doc).map(|o| o.plan) {
            prop_assert!(!plan.tasks.is_empty());
            for t in &plan.tasks {
                prop_assert!(!t.path.is_empty());
                prop_assert!(t.path.iter().all(|l| !l.trim().is_empty()));
                for u in t.lead.iter().chain(&t.cooperating).chain(&t.responsible) {
                    prop_assert!(!u.trim().is_empty(), "empty unit in {t:?}");
                }
            }
        }
    }
}
