//! The reader says what it is unsure of, in Chinese, with the place (a path into the plan JSON
//! or the source text).

use kesu_plan::Warning;

fn doubts(text: &str) -> Vec<Warning> {
    match kesu_plan::read(text.as_bytes(), "plan.txt") {
        Ok(out) => out.warnings,
        Err(e) => panic!("does not parse: {e}"),
    }
}

fn has(warnings: &[Warning], path: &str, words: &str) -> bool {
    warnings
        .iter()
        .any(|w| w.path.starts_with(path) && w.message.contains(words))
}

#[test]
fn a_task_without_units_is_named_with_its_path_and_title() {
    let w = doubts(
        "一、重点任务\n1.开展科普讲座。（责任单位：县科协）\n2.建设科普阵地。（责任单位：县科协）\n3.开展科技培训。\n",
    );
    assert!(
        has(&w, "tasks[2]", "3「开展科技培训」 没有读出责任单位"),
        "{w:?}"
    );
    assert!(!has(&w, "tasks[0]", "没有读出责任单位"), "{w:?}");
}

#[test]
fn a_number_not_read_as_a_target_is_pointed_out() {
    let w = doubts("一、重点任务\n1.推动60万人口以上的县建设科技馆。（责任单位：县科协）\n");
    assert!(has(&w, "tasks[0].targets", "60万"), "{w:?}");
}

#[test]
fn dates_and_numbers_in_titles_of_documents_are_no_doubt() {
    let w = doubts(
        "一、重点任务\n1.2022年起落实《纲要（2021—2035年）》，办好第3届大赛。（责任单位：县科协）\n",
    );
    assert!(!w.iter().any(|w| w.path.ends_with("targets")), "{w:?}");
}

#[test]
fn a_table_in_an_appendix_that_is_not_a_task_table_is_pointed_out() {
    let rows = "序号\t指标名称\t2020年\t2025年\n1\t科学素质比例\t10%\t15%\n2\t科普场馆\t2个\t5个\n";
    let text = format!("一、重点任务\n1.开展科普讲座。（责任单位：县科协）\n附件\n{rows}");
    let w = doubts(&text);
    assert!(
        has(&w, "source[", "附件中有一张 3 行的表格未作为任务读取"),
        "{w:?}"
    );
}

#[test]
fn few_tasks_for_a_long_document_are_pointed_out() {
    let filler =
        "为深入贯彻落实全民科学素质行动规划纲要，进一步提升公民科学素质，结合实际制定本方案。"
            .repeat(200);
    let text = format!("{filler}\n一、重点任务\n1.开展科普讲座。（责任单位：县科协）\n");
    let w = doubts(&text);
    assert!(has(&w, "tasks", "只读出 1 项任务"), "{w:?}");
}

#[test]
fn the_sample_plans_have_no_task_without_units() {
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../samples/plans"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let bytes = std::fs::read(entry.path()).unwrap_or_default();
        let out = kesu_plan::read(&bytes, "plan.txt");
        let Ok(out) = out else {
            panic!("{:?} does not parse", entry.path())
        };
        assert!(
            !out.warnings
                .iter()
                .any(|w| w.message.contains("没有读出责任单位")),
            "{:?}: {:?}",
            entry.path(),
            out.warnings
        );
    }
}

#[test]
fn a_numbered_list_in_an_appendix_not_read_as_tasks_is_pointed_out() {
    let text = "一、重点任务\n1.开展科普讲座。（责任单位：县科协）\n附件\n重点工作清单\n1.建设科技馆。\n2.建设科普e站。\n3.培训科技辅导员。\n";
    let w = doubts(text);
    assert!(
        has(&w, "tasks", "附件中有 3 条编号条目未作为任务读取"),
        "{w:?}"
    );
}

#[test]
fn an_appendix_explaining_terms_is_no_doubt() {
    let text = "一、重点任务\n1.开展科普讲座。（责任单位：县科协）\n附件\n名词解释\n1.英才计划。\n2.科普中国。\n3.科技馆。\n";
    let w = doubts(text);
    assert!(!w.iter().any(|w| w.message.contains("编号条目")), "{w:?}");
}
