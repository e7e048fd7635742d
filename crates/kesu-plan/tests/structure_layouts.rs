//! The structure parser on plans of other shapes than the samples: a county plan numbered on
//! four levels, the same plan re-flowed from a PDF or run into one line, unnumbered measure
//! paragraphs with unit lines, a 工作要点 with units in words, task tables (as a Word table
//! and in a web page), GBK text. None of these is a sample plan; the rules that read them are
//! the same that read the samples.
#![expect(
    clippy::unwrap_used,
    reason = "fixtures: a plan that does not parse fails the test"
)]

use kesu_core::{Comparator, Plan, PlanLevel, Task};
use kesu_plan::{Block, Document, PlanError, parse_bytes, parse_text, structure};

const COUNTY: &str = "\
某某县全民科学素质行动规划纲要实施方案（2021—2025年）
为贯彻落实《全民科学素质行动规划纲要（2021—2035年）》，结合我县实际，制定本方案。
一、总体要求
（一）指导思想
以习近平新时代中国特色社会主义思想为指导，全面提升全县公民科学素质。
（二）基本原则
1．坚持协同推进。构建社会化科普大格局。
2．坚持开放合作。深化科普交流合作。
（三）主要目标
到2025年，全县公民具备科学素质的比例达到12%以上。
二、重点任务
（一）青少年科学素质提升行动（牵头单位：县教育局、县科协）
1．加强科学教育。
（1）提升中小学科学教育水平。开齐开足科学课程，每所学校配备至少1名科技辅导员。（责任单位：县教育局、县科协）
（2）开展青少年科技活动。每年举办青少年科技创新大赛1次。（责任单位：县科协、团县委）
2．实施馆校合作行动。推动中小学利用科普场馆开展教学活动。（责任单位：县教育局）
（二）农民科学素质提升行动（牵头单位：县农业农村局）
1．开展农民技能培训，培训高素质农民500人次以上。（责任单位：县农业农村局、县人社局、县妇联）
2．实施乡村振兴科技支撑行动，选派科技特派员30名。（责任单位：县科技局、县农业农村局）
三、保障措施
（一）加强组织领导。县科协负责统筹协调。（责任单位：县科协）
（二）加大经费投入。县财政每年安排科普经费不少于50万元。（责任单位：县财政局）
";

fn plan(text: &str) -> Plan {
    parse_text(text).unwrap()
}

fn paths(plan: &Plan) -> Vec<String> {
    plan.tasks.iter().map(Task::path_label).collect()
}

fn task<'a>(plan: &'a Plan, path: &str) -> &'a Task {
    plan.tasks
        .iter()
        .find(|t| t.path_label() == path)
        .unwrap_or_else(|| panic!("no task {path} in {:?}", paths(plan)))
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_string()).collect()
}

/// A task's path, lead, cooperating and responsible units.
type Assignment = (String, Vec<String>, Vec<String>, Vec<String>);

/// The tasks' assignments, to compare two readings of one plan.
fn outline(plan: &Plan) -> Vec<Assignment> {
    plan.tasks
        .iter()
        .map(|t| {
            (
                t.path_label(),
                t.lead.clone(),
                t.cooperating.clone(),
                t.responsible.clone(),
            )
        })
        .collect()
}

#[test]
fn a_county_plan_gives_the_leaves_of_its_task_part_only() {
    let p = plan(COUNTY);
    assert_eq!(
        paths(&p),
        vec![
            "二.(一).1.(1)",
            "二.(一).1.(2)",
            "二.(一).2",
            "二.(二).1",
            "二.(二).2"
        ]
    );
}

#[test]
fn a_section_lead_clause_is_inherited_by_measures_that_list_their_own_units() {
    let p = plan(COUNTY);
    let t = task(&p, "二.(一).1.(2)");
    assert_eq!(t.title, "开展青少年科技活动");
    assert_eq!(t.lead, names(&["县教育局", "县科协"]));
    assert_eq!(t.responsible, names(&["县科协", "团县委"]));
    assert!(t.cooperating.is_empty());
}

#[test]
fn targets_are_read_from_each_task_and_goals_from_the_goals_section() {
    let p = plan(COUNTY);
    let t = task(&p, "二.(二).1");
    assert_eq!(t.targets.len(), 1);
    assert_eq!(t.targets[0].comparator, Comparator::Ge);
    assert_eq!(t.targets[0].unit, "人次");
    assert_eq!(p.goals.len(), 1);
    assert_eq!(p.goals[0].unit, "%");
    assert_eq!(p.goals[0].year, Some(2025));
}

#[test]
fn the_head_gives_title_region_level_and_period() {
    let p = plan(COUNTY);
    assert_eq!(
        p.title,
        "某某县全民科学素质行动规划纲要实施方案（2021—2025年）"
    );
    assert_eq!(p.region.as_deref(), Some("某某县"));
    assert_eq!(p.level, Some(PlanLevel::County));
    assert_eq!(p.period, Some([2021, 2025]));
}

/// The county plan as `pdftotext` gives it: lines of 28 characters, page numbers between.
fn reflowed(text: &str) -> String {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        for chunk in chars.chunks(28) {
            out.push(chunk.iter().collect::<String>());
        }
        if n % 6 == 5 {
            out.push(format!("— {} —", n / 6 + 1));
        }
    }
    out.join("\n")
}

#[test]
fn the_same_plan_reflowed_from_a_pdf_gives_the_same_tasks() {
    assert_eq!(outline(&plan(&reflowed(COUNTY))), outline(&plan(COUNTY)));
}

#[test]
fn the_same_plan_run_into_one_line_gives_the_same_tasks() {
    let one_line: String = COUNTY.lines().collect();
    let p = plan(&one_line);
    assert_eq!(outline(&p), outline(&plan(COUNTY)));
    assert_eq!(
        p.title,
        "某某县全民科学素质行动规划纲要实施方案（2021—2025年）"
    );
    assert_eq!(p.goals.len(), 1);
}

#[test]
fn the_same_plan_with_a_space_between_every_character_gives_the_same_tasks() {
    // Some PDF extractions space out every Chinese character and print page numbers inline.
    let spaced: String = COUNTY
        .lines()
        .map(|l| {
            let mut out = String::new();
            for c in l.chars() {
                out.push(c);
                if !c.is_ascii_digit() {
                    out.push(' ');
                }
            }
            out
        })
        .collect::<Vec<_>>()
        .join(" — 2 — \n");
    assert_eq!(outline(&plan(&spaced)), outline(&plan(COUNTY)));
}

#[test]
fn pdf_debris_bullets_bold_marks_and_spaces_do_not_change_the_tasks() {
    let debris = COUNTY
        .replace("1．加强", "- 1．**加强")
        .replace("科学教育。\n", "科学教育**。\n")
        .replace("县农业农村局、县人社局", "县农业 农村局、 县人社局")
        .replace("500人次", "500 人次");
    assert_eq!(outline(&plan(&debris)), outline(&plan(COUNTY)));
}

const PARAGRAPHS: &str = "\
某某区全民科学素质行动实施方案（2022-2025年）
一、主要目标
到2025年，全区公民具备科学素质的比例超过18%。
二、提升行动
（一）实施青少年科学素质提升行动。
弘扬科学精神。实施科学家精神进校园行动，将科学精神融入课堂教学。
（责任单位：区教育局、区科协）
加强科学教育。推动中小学配齐科学教师，每年开展科技节活动2场次以上。
（责任单位：区教育局）
（二）实施老年人科学素质提升行动。
实施智慧助老行动。依托老年大学普及智能技术知识。
加强老年人健康科普服务。推动健康科普进社区。
牵头单位：区卫健委、区民政局
配合单位：区科协、区老龄办
三、组织实施
（一）加强组织领导。
区科协负责日常工作。
建立联席会议制度。
";

#[test]
fn unnumbered_measure_paragraphs_are_tasks_labelled_by_position() {
    let p = plan(PARAGRAPHS);
    assert_eq!(
        paths(&p),
        vec!["二.(一).¶1", "二.(一).¶2", "二.(二).¶1", "二.(二).¶2"]
    );
    assert_eq!(task(&p, "二.(二).¶2").title, "加强老年人健康科普服务");
}

#[test]
fn a_unit_line_after_each_measure_paragraph_is_that_measures() {
    let p = plan(PARAGRAPHS);
    assert_eq!(
        task(&p, "二.(一).¶1").responsible,
        names(&["区教育局", "区科协"])
    );
    assert_eq!(task(&p, "二.(一).¶2").responsible, names(&["区教育局"]));
}

#[test]
fn unit_lines_after_all_measure_paragraphs_are_every_measures() {
    let p = plan(PARAGRAPHS);
    for path in ["二.(二).¶1", "二.(二).¶2"] {
        let t = task(&p, path);
        assert_eq!(t.lead, names(&["区卫健委", "区民政局"]));
        assert_eq!(t.cooperating, names(&["区科协", "区老龄办"]));
    }
}

#[test]
fn a_district_plan_is_of_district_level() {
    let p = plan(PARAGRAPHS);
    assert_eq!(p.level, Some(PlanLevel::District));
    assert_eq!(p.goals.len(), 1);
    assert_eq!(p.goals[0].comparator, Comparator::Gt);
}

#[test]
fn a_unit_line_after_the_last_numbered_item_is_the_units_of_all_items() {
    let p = plan(
        "某某市科学素质工作要点\n一、重点工作\n（一）青少年科学素质提升\n\
         1．开展科技教育活动。组织中小学生参加科技竞赛。\n\
         2．建设科普教育基地。新建科普教育基地5个。\n\
         3．培训科技辅导员。培训科技辅导员200名。\n\
         责任单位：市教育局、市科协\n\
         （二）农民科学素质提升\n4．开展农村实用技术培训。\n5．建设农村科普示范基地。\n\
         牵头单位：市农业农村局；配合单位：市科协\n",
    );
    assert_eq!(
        paths(&p),
        vec![
            "一.(一).1",
            "一.(一).2",
            "一.(一).3",
            "一.(二).4",
            "一.(二).5"
        ]
    );
    for path in ["一.(一).1", "一.(一).3"] {
        assert_eq!(task(&p, path).responsible, names(&["市教育局", "市科协"]));
    }
    assert_eq!(task(&p, "一.(二).4").lead, names(&["市农业农村局"]));
    assert_eq!(task(&p, "一.(二).4").cooperating, names(&["市科协"]));
}

#[test]
fn a_unit_clause_closing_the_last_item_is_the_units_of_all_when_no_other_names_any() {
    let p = plan(
        "某某省科学素质实施方案\n一、重点任务\n（一）青少年科学素质提升行动\n\
         1．加强科学教育。推进课程改革。\n2．开展科技活动。举办科技节。\n\
         3．培训科技教师。（牵头单位：省教育厅、省科协；配合单位：团省委）\n\
         （二）农民科学素质提升行动\n\
         4．开展农民培训。（责任单位：省农业农村厅）\n5．建设示范基地。（责任单位：省科技厅）\n",
    );
    for path in ["一.(一).1", "一.(一).3"] {
        assert_eq!(task(&p, path).lead, names(&["省教育厅", "省科协"]));
        assert_eq!(task(&p, path).cooperating, names(&["团省委"]));
    }
    assert_eq!(task(&p, "一.(二).4").responsible, names(&["省农业农村厅"]));
    assert_eq!(task(&p, "一.(二).5").responsible, names(&["省科技厅"]));
}

#[test]
fn a_list_numbered_inside_a_paragraph_stays_in_its_item() {
    let text = COUNTY.replace(
        "2．实施馆校合作行动。推动中小学利用科普场馆开展教学活动。",
        "2．实施馆校合作行动。推动中小学：(1)利用科普场馆开展教学；(2)开展研学活动。",
    );
    let p = plan(&text);
    assert_eq!(outline(&p), outline(&plan(COUNTY)));
    assert!(
        task(&p, "二.(一).2")
            .text
            .as_deref()
            .unwrap()
            .contains("(2)开展研学活动")
    );
}

#[test]
fn yi_shi_er_shi_inside_a_measure_stay_in_it_but_start_items_of_their_own_lines() {
    let inline = COUNTY.replace(
        "推动中小学利用科普场馆开展教学活动。",
        "具体措施：一是利用科普场馆开展教学；二是开展研学活动。",
    );
    assert_eq!(outline(&plan(&inline)), outline(&plan(COUNTY)));
    let lines = "某某县方案\n一、重点任务\n（一）青少年行动。\n一是加强科学教育。（责任单位：县教育局）\n\
                 二是开展科技活动。（责任单位：县科协）\n";
    assert_eq!(paths(&plan(lines)), vec!["一.(一).一是", "一.(一).二是"]);
}

#[test]
fn units_in_words_lead_cooperate_or_are_responsible() {
    let p = plan(
        "2023年某某市全民科学素质工作要点\n一、强化青少年科学素质\n\
         1．实施科技创新后备人才培养计划。（市教育局牵头，市科协、团市委配合）\n\
         2．举办青少年科技创新大赛。（市科协、市教育局负责）\n\
         二、加强科普能力建设\n3．新建社区科普大学教学点20个。（市科协牵头）\n\
         4．推进科普信息化。（各区县、各有关单位）\n",
    );
    assert_eq!(p.period, Some([2023, 2023]));
    let t = task(&p, "一.1");
    assert_eq!(t.lead, names(&["市教育局"]));
    assert_eq!(t.cooperating, names(&["市科协", "团市委"]));
    assert_eq!(task(&p, "一.2").responsible, names(&["市科协", "市教育局"]));
    assert_eq!(task(&p, "二.3").lead, names(&["市科协"]));
    assert_eq!(
        task(&p, "二.4").responsible,
        names(&["各区县", "各有关单位"])
    );
}

#[test]
fn the_first_is_lead_rule_applies_to_every_list_after_it() {
    let p = plan(
        "某某县科普工作实施方案\n一、重点任务\n\
         1．加强科普宣传。（责任单位：县科协、县委宣传部等，排名第一的为牵头单位，下同）\n\
         2．开展科技培训。（责任单位：县人社局、县科协）\n",
    );
    let t = task(&p, "一.2");
    assert_eq!(t.lead, names(&["县人社局"]));
    assert_eq!(t.cooperating, names(&["县科协"]));
    assert!(t.responsible.is_empty());
    assert_eq!(task(&p, "一.1").cooperating, names(&["县委宣传部"]));
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_string()).collect()
}

/// A Word document: a heading, a section, and the task table of that section.
fn table_document() -> Document {
    Document {
        blocks: vec![
            Block::Paragraph("某某县全民科学素质行动实施方案（2021—2025年）".into()),
            Block::Paragraph("一、工作目标".into()),
            Block::Paragraph("到2025年，全县公民具备科学素质的比例超过13%。".into()),
            Block::Paragraph("二、重点任务".into()),
            Block::Table(vec![
                row(&[
                    "序号",
                    "重点任务",
                    "具体措施",
                    "牵头单位",
                    "配合单位",
                    "完成时限",
                ]),
                row(&["（一）青少年科学素质提升行动"; 6]),
                row(&[
                    "1",
                    "加强科学教育",
                    "每所中小学配备1名以上科技辅导员。",
                    "县教育局",
                    "县科协、团县委",
                    "2025年底",
                ]),
                row(&[
                    "2",
                    "开展科技活动",
                    "每年举办科技节不少于2场次。",
                    "县科协",
                    "县教育局",
                    "每年",
                ]),
                row(&["（二）农民科学素质提升行动"; 6]),
                row(&[
                    "3",
                    "开展农民培训",
                    "培训高素质农民300人。",
                    "县农业农村局",
                    "县人社局",
                    "2023年",
                ]),
                row(&[
                    "3",
                    "开展农民培训",
                    "开展农村实用技术培训20期。",
                    "县农业农村局",
                    "县妇联",
                    "2024年",
                ]),
            ]),
            Block::Paragraph("三、保障措施".into()),
            Block::Paragraph("（一）加强组织领导。各乡镇要高度重视。（责任单位：各乡镇）".into()),
        ],
    }
}

#[test]
fn a_task_table_gives_a_task_per_row_under_its_section_and_group_rows() {
    let p = structure::read(&table_document()).unwrap().plan;
    assert_eq!(paths(&p), vec!["二.(一).1", "二.(一).2", "二.(二).3"]);
    let t = task(&p, "二.(一).1");
    assert_eq!(t.title, "加强科学教育");
    assert_eq!(t.lead, names(&["县教育局"]));
    assert_eq!(t.cooperating, names(&["县科协", "团县委"]));
    assert_eq!(t.targets.len(), 1);
    assert_eq!(t.targets[0].year, Some(2025), "完成时限 gives the deadline");
}

#[test]
fn rows_sharing_a_number_are_one_task_with_all_their_measures_and_units() {
    let p = structure::read(&table_document()).unwrap().plan;
    let t = task(&p, "二.(二).3");
    assert_eq!(t.cooperating, names(&["县人社局", "县妇联"]));
    assert_eq!(t.targets.len(), 2);
}

/// A .docx of paragraphs and tables: `Ok(line)` a paragraph, `Err(rows)` a table whose cells
/// may be `^` to continue the merged cell above (Word's vMerge).
fn docx(parts: &[Result<&str, &[&[&str]]>]) -> Vec<u8> {
    use std::io::Write;
    let para = |t: &str| format!("<w:p><w:r><w:t xml:space=\"preserve\">{t}</w:t></w:r></w:p>");
    let mut body = String::new();
    for part in parts {
        match part {
            Ok(line) => body.push_str(&para(line)),
            Err(rows) => {
                body.push_str("<w:tbl>");
                for (r, row) in rows.iter().enumerate() {
                    body.push_str("<w:tr>");
                    for (c, cell) in row.iter().enumerate() {
                        let below_is_merged = rows.get(r + 1).and_then(|n| n.get(c)) == Some(&"^");
                        if *cell == "^" {
                            body.push_str("<w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>");
                        } else if below_is_merged {
                            body.push_str(&format!(
                                "<w:tc><w:tcPr><w:vMerge w:val=\"restart\"/></w:tcPr>{}</w:tc>",
                                para(cell)
                            ));
                        } else {
                            body.push_str(&format!("<w:tc>{}</w:tc>", para(cell)));
                        }
                    }
                    body.push_str("</w:tr>");
                }
                body.push_str("</w:tbl>");
            }
        }
    }
    let xml = format!(
        "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file(
        "word/document.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(xml.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

#[test]
fn a_word_task_table_with_merged_cells_gives_one_task_per_number() {
    let table: &[&[&str]] = &[
        &[
            "序号",
            "重点任务",
            "具体措施",
            "牵头单位",
            "配合单位",
            "完成时限",
        ],
        &[
            "1",
            "加强科学教育",
            "配备科技辅导员。",
            "县教育局",
            "县科协",
            "2025年",
        ],
        &[
            "2",
            "开展农民培训",
            "培训高素质农民300人。",
            "县农业农村局",
            "县人社局",
            "2023年",
        ],
        &["^", "^", "开展实用技术培训20期。", "^", "县妇联", "2024年"],
    ];
    let bytes = docx(&[
        Ok("某某县全民科学素质行动实施方案（2021—2025年）"),
        Ok("一、重点任务"),
        Err(table),
        Ok("二、保障措施"),
    ]);
    let p = parse_bytes(&bytes, "方案.docx").unwrap();
    assert_eq!(paths(&p), vec!["一.1", "一.2"]);
    let t = task(&p, "一.2");
    assert_eq!(t.lead, names(&["县农业农村局"]));
    assert_eq!(t.cooperating, names(&["县人社局", "县妇联"]));
    assert_eq!(t.targets.len(), 2);
}

#[test]
fn a_web_page_with_a_task_table_reads_like_the_word_document() {
    let html = "<html><head><meta charset=\"utf-8\"></head><body>\
        <div>首页 &gt; 通知公告</div>\
        <p>某某县人民政府办公室关于印发某某县全民科学素质行动实施方案（2021—2025年）的通知</p>\
        <p>各乡镇人民政府，县直各单位：</p>\
        <p>某某县全民科学素质行动实施方案（2021—2025年）</p>\
        <p>一、重点任务</p>\
        <table border=\"1\">\
        <tr><td>序号</td><td>工作任务</td><td>责任单位</td></tr>\
        <tr><td>1</td><td>加强科学教育，每所学校配备1名科技辅导员。</td><td>县教育局、县科协</td></tr>\
        <tr><td>2</td><td>开展科技活动</td><td>县科协</td></tr>\
        </table><div>版权所有：某某县人民政府</div></body></html>";
    let p = parse_bytes(html.as_bytes(), "plan.html").unwrap();
    assert_eq!(paths(&p), vec!["一.1", "一.2"]);
    assert_eq!(task(&p, "一.1").responsible, names(&["县教育局", "县科协"]));
    assert_eq!(p.issuer.as_deref(), Some("某某县人民政府办公室"));
}

#[test]
fn gbk_text_gives_the_same_plan_as_utf8() {
    let (gbk, _, bad) = encoding_rs::GBK.encode(COUNTY);
    assert!(!bad);
    assert_eq!(parse_bytes(&gbk, "plan.txt").unwrap(), plan(COUNTY));
}

#[test]
fn an_appendix_of_definitions_adds_no_tasks() {
    let text = format!(
        "{COUNTY}附件\n名词解释\n一、英才计划\n中学生科技创新后备人才培养计划。（县科协）\n"
    );
    assert_eq!(outline(&plan(&text)), outline(&plan(COUNTY)));
}

#[test]
fn a_plan_sent_as_the_appendix_of_its_notice_is_read() {
    let text = format!(
        "某某县人民政府办公室关于印发某某县全民科学素质行动规划纲要实施方案的通知\n\
         各乡镇人民政府：现将方案印发给你们，请认真执行。\n附件：某某县全民科学素质行动规划纲要实施方案\n{COUNTY}"
    );
    let p = plan(&text);
    assert_eq!(outline(&p), outline(&plan(COUNTY)));
    assert_eq!(p.goals.len(), 1);
    assert_eq!(p.issuer.as_deref(), Some("某某县人民政府办公室"));
}

#[test]
fn an_attached_task_table_gives_the_tasks_when_the_text_names_no_units() {
    let doc = Document {
        blocks: vec![
            Block::Paragraph("某某县全民科学素质行动实施方案".into()),
            Block::Paragraph("一、重点任务".into()),
            Block::Paragraph("（一）青少年科学素质提升行动。加强科学教育。".into()),
            Block::Paragraph("（二）农民科学素质提升行动。开展农民培训。".into()),
            Block::Paragraph("附件：重点任务分工表".into()),
            Block::Table(vec![
                row(&["序号", "工作任务", "牵头单位", "配合单位"]),
                row(&["1", "加强科学教育", "县教育局", "县科协"]),
                row(&["2", "开展农民培训", "县农业农村局", "县人社局"]),
            ]),
        ],
    };
    let p = structure::read(&doc).unwrap().plan;
    assert_eq!(paths(&p), vec!["1", "2"]);
    assert_eq!(task(&p, "2").lead, names(&["县农业农村局"]));
}

#[test]
fn a_goals_and_tasks_section_gives_both() {
    let p = plan(
        "某某县科普工作实施方案\n二、目标任务\n到2025年，全县公民具备科学素质的比例超过12%。\n\
         （一）加强青少年科普。开展科技活动。（责任单位：县教育局）\n\
         （二）加强农民科普。开展技能培训。（责任单位：县农业农村局）\n三、保障措施\n",
    );
    assert_eq!(paths(&p), vec!["二.(一)", "二.(二)"]);
    assert_eq!(p.goals.len(), 1);
}

#[test]
fn sections_after_the_closing_part_are_not_tasks() {
    let text = format!("{COUNTY}四、监测评估\n（一）开展监测。每年开展一次监测。（县科协负责）\n");
    assert_eq!(outline(&plan(&text)), outline(&plan(COUNTY)));
}

#[test]
fn a_plan_of_only_principles_and_safeguards_has_no_tasks() {
    let text = "某某县方案\n一、指导思想\n以科学为指导。\n二、保障措施\n（一）加强领导。（责任单位：县科协）\n";
    assert!(matches!(parse_text(text), Err(PlanError::NoPlan)));
}

#[test]
fn prose_without_numbering_is_no_plan() {
    let text = "今天天气很好，我们去公园散步。\n公园里有很多人，孩子们在草地上玩耍。\n".repeat(5);
    assert!(matches!(parse_text(&text), Err(PlanError::NoPlan)));
}
