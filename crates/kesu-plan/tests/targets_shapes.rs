//! The shapes of Chinese quantitative commitments the target reader understands, one
//! behaviour per test, and the shapes of numbers it must leave alone. The sentences are made up
//! in the style of plan documents; none is taken from a sample plan.

use kesu_core::{Comparator, Target, TargetValue};
use kesu_plan::targets::{extract, extract_goals};

fn one(text: &str) -> Target {
    let got = extract(text);
    assert_eq!(got.len(), 1, "one target in {text:?}, got {got:#?}");
    got.into_iter().next().unwrap_or_else(|| unreachable!())
}

fn key(t: &Target) -> (Comparator, TargetValue, &str) {
    (t.comparator, t.value, t.unit.as_str())
}

fn n(v: f64) -> TargetValue {
    TargetValue::Number(v)
}

fn none(text: &str) {
    let got = extract(text);
    assert!(got.is_empty(), "no target in {text:?}, got {got:#?}");
}

// --- comparator words ---

#[test]
fn chaoguo_is_strictly_greater() {
    let t = one("全市公民具备科学素质的比例超过18%");
    assert_eq!(key(&t), (Comparator::Gt, n(18.0), "%"));
    assert_eq!(t.indicator, "公民具备科学素质的比例");
}

#[test]
fn yishang_after_the_unit_is_at_least() {
    let t = one("开展科普讲座200场次以上");
    assert_eq!(key(&t), (Comparator::Ge, n(200.0), "场次"));
    assert_eq!(t.indicator, "科普讲座");
}

#[test]
fn bushaoyu_before_the_number_is_at_least() {
    assert_eq!(
        key(&one("举办青少年科技创新大赛不少于3场")),
        (Comparator::Ge, n(3.0), "场")
    );
}

#[test]
fn zhishao_before_the_verb_is_at_least() {
    let t = one("每个社区至少建设1个科普活动室");
    assert_eq!(key(&t), (Comparator::Ge, n(1.0), "个"));
    assert_eq!(t.per.as_deref(), Some("每个社区"));
    assert_eq!(t.indicator, "科普活动室");
}

#[test]
fn dadao_is_at_least() {
    assert_eq!(
        key(&one("科普示范学校达到30所")),
        (Comparator::Ge, n(30.0), "所")
    );
}

#[test]
fn a_bare_number_is_equal() {
    let t = one("新建科普e站12个");
    assert_eq!(key(&t), (Comparator::Eq, n(12.0), "个"));
    assert_eq!(t.indicator, "科普e站");
}

#[test]
fn upper_bounds_are_read() {
    assert_eq!(
        key(&one("单场活动人数控制在200人以内")),
        (Comparator::Le, n(200.0), "人")
    );
    assert_eq!(
        key(&one("安全事故发生率低于1%")),
        (Comparator::Lt, n(1.0), "%")
    );
    assert_eq!(
        key(&one("每期培训不超过50人")),
        (Comparator::Le, n(50.0), "人")
    );
}

#[test]
fn yu_and_duo_after_the_number_mean_more_than() {
    assert_eq!(
        key(&one("开展义诊100余场")),
        (Comparator::Gt, n(100.0), "场")
    );
    assert_eq!(
        key(&one("服务群众3000多人次")),
        (Comparator::Gt, n(3000.0), "人次")
    );
}

#[test]
fn a_raised_target_is_at_least() {
    assert_eq!(
        key(&one("科普网站访问量提高到50万人次")),
        (Comparator::Ge, n(500_000.0), "人次")
    );
}

#[test]
fn at_least_words_further_back_still_count() {
    // 不低于 governs a percentage written after a noun phrase.
    assert_eq!(
        key(&one("科普经费不低于本级财政支出的0.5%")).0,
        Comparator::Ge
    );
}

// --- ranges ---

#[test]
fn a_dash_between_two_numbers_is_a_range() {
    let t = one("每年创建市级科普示范社区3-5个");
    assert_eq!(
        key(&t),
        (Comparator::Range, TargetValue::Range([3.0, 5.0]), "个")
    );
    assert_eq!(t.per.as_deref(), Some("每年"));
}

#[test]
fn ranges_take_every_dash_and_zhi() {
    for text in [
        "培育2—3家",
        "培育2~3家",
        "培育2至3家",
        "培育2到3家",
        "培育两至三家",
    ] {
        assert_eq!(
            key(&one(text)),
            (Comparator::Range, TargetValue::Range([2.0, 3.0]), "家"),
            "{text}"
        );
    }
}

#[test]
fn a_range_of_percentages_is_a_range() {
    assert_eq!(
        key(&one("参与率提高10%-20%")),
        (Comparator::Range, TargetValue::Range([10.0, 20.0]), "%")
    );
}

// --- numbers ---

#[test]
fn wan_is_folded_into_the_value() {
    assert_eq!(
        key(&one("培训农村劳动力2万人次以上")),
        (Comparator::Ge, n(20_000.0), "人次")
    );
    assert_eq!(
        key(&one("受众1.5万人")),
        (Comparator::Eq, n(15_000.0), "人")
    );
    assert_eq!(
        key(&one("投入资金300万元")),
        (Comparator::Eq, n(3_000_000.0), "元")
    );
}

#[test]
fn chinese_numerals_are_read() {
    assert_eq!(
        key(&one("建成两家科普基地")),
        (Comparator::Eq, n(2.0), "家")
    );
    assert_eq!(
        key(&one("打造十个科普示范村")),
        (Comparator::Eq, n(10.0), "个")
    );
    assert_eq!(
        key(&one("覆盖二十万人次")),
        (Comparator::Eq, n(200_000.0), "人次")
    );
    assert_eq!(key(&one("每年举办三次科普日活动")).1, n(3.0));
}

#[test]
fn yi_counts_with_a_comparator_or_a_per_phrase() {
    let t = one("每位教师每年参加一次以上科学培训");
    assert_eq!(key(&t), (Comparator::Ge, n(1.0), "次"));
    assert_eq!(t.per.as_deref(), Some("每位教师每年"));
    let t = one("每个行政村建设一个科普宣传栏");
    assert_eq!(key(&t), (Comparator::Eq, n(1.0), "个"));
    assert_eq!(t.per.as_deref(), Some("每个行政村"));
}

#[test]
fn yi_as_a_word_is_not_a_count() {
    none("培育一批科普示范基地");
    none("建设一支专业化的科普人才队伍");
    none("推出一大批优秀科普作品");
    none("实施一村一名大学生工程");
    none("打造一流的科普场馆");
    none("进一步完善工作机制");
}

#[test]
fn full_width_digits_and_percent_are_read() {
    assert_eq!(
        key(&one("覆盖率达到９０％")),
        (Comparator::Ge, n(90.0), "%")
    );
}

#[test]
fn pdf_spaces_and_line_breaks_inside_a_quantity_are_tolerated() {
    let t = one("培训农业从业人员 1 万人次以上");
    assert_eq!(key(&t), (Comparator::Ge, n(10_000.0), "人次"));
    assert_eq!(t.text, "培训农业从业人员1万人次以上");
    assert_eq!(key(&one("开展巡展活动不少于10\n场次")).2, "场次");
}

// --- year and per ---

#[test]
fn a_deadline_year_is_taken_from_its_sentence() {
    let t = one("到2025年，全县科普示范社区达到20个");
    assert_eq!(t.year, Some(2025));
    assert_eq!(t.text, "到2025年，全县科普示范社区达到20个");
    assert_eq!(t.indicator, "科普示范社区");
}

#[test]
fn a_deadline_governs_the_clauses_after_it_but_not_the_next_sentence() {
    let got = extract("到2024年底，建成科普基地10个，培育科普志愿者500人。每年举办科普活动20场。");
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].year, Some(2024));
    assert_eq!(got[1].year, Some(2024));
    assert_eq!(got[2].year, None);
    assert_eq!(got[2].per.as_deref(), Some("每年"));
}

#[test]
fn a_deadline_does_not_reach_back() {
    let got = extract("每年评选科普示范单位2个，到2025年累计达到10个");
    assert_eq!(got[0].year, None);
    assert_eq!(got[1].year, Some(2025));
}

#[test]
fn the_end_of_a_five_year_plan_is_a_year() {
    assert_eq!(one("力争到“十四五”末，科普场馆达到5个").year, Some(2025));
}

#[test]
fn a_month_deadline_gives_its_year() {
    assert_eq!(one("2023年6月底前完成培训100人次").year, Some(2023));
}

#[test]
fn meinian_governs_the_parallel_clauses_of_its_sentence() {
    let got = extract("每年组织科普讲座10场，科技下乡活动5次");
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].per.as_deref(), Some("每年"));
}

#[test]
fn meinian_stops_at_a_deadline() {
    let got = extract("每年新增科普基地2家，到2025年总数达到20家");
    assert_eq!(got[0].per.as_deref(), Some("每年"));
    assert_eq!(got[1].per, None);
}

#[test]
fn an_entity_per_phrase_with_bracketed_list_is_kept_whole() {
    let t = one("每个县（市、区）至少建成1座科技馆");
    assert_eq!(t.per.as_deref(), Some("每个县（市、区）"));
}

#[test]
fn per_thousand_people_is_a_per_phrase() {
    let t = one("每万人口拥有科普人员达到10人");
    assert_eq!(t.per.as_deref(), Some("每万人口"));
    assert_eq!(key(&t), (Comparator::Ge, n(10.0), "人"));
}

#[test]
fn a_slash_period_is_a_per_phrase() {
    assert_eq!(one("开展培训不少于2次/年").per.as_deref(), Some("每年"));
}

#[test]
fn goals_without_a_year_are_due_at_the_end_of_the_period() {
    let got = extract_goals("确保全县公民具备科学素质的比例超过12%", Some([2021, 2021]));
    assert_eq!(got[0].year, Some(2021));
    let got = extract_goals("到2025年，比例达到15%", Some([2021, 2025]));
    assert_eq!(got[0].year, Some(2025));
}

// --- text and lists ---

#[test]
fn numbers_listed_with_dunhao_are_separate_targets() {
    let got = extract("认定科普示范社区20个、科普示范学校15所");
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].text, "认定科普示范社区20个");
    assert_eq!(got[1].text, "科普示范学校15所");
    assert_eq!(got[1].indicator, "科普示范学校");
}

#[test]
fn a_bracketed_note_after_the_target_is_not_its_text() {
    let t = one("每个社区配备1名科普宣传员(可由网格员兼任)");
    assert_eq!(t.text, "每个社区配备1名科普宣传员");
}

#[test]
fn a_label_before_the_clause_is_not_its_text() {
    assert_eq!(one("(3)举办科普讲座50场").text, "举办科普讲座50场");
}

#[test]
fn a_subject_in_the_clause_before_is_carried_into_the_text() {
    let t = one("全县公民具备科学素质的比例稳步提升，到2025年超过12%");
    assert_eq!(t.indicator, "公民具备科学素质的比例");
    assert_eq!(t.year, Some(2025));
}

// --- what is not a target ---

#[test]
fn dates_and_periods_are_not_targets() {
    none("根据《全民科学素质行动规划纲要（2021—2035年）》，结合本市实际，制定本方案");
    none("2022年6月21日");
    none("发布日期：2022-02-14 10:47");
    none("实施期限为2021-2025年");
    none("2020年是全面建成小康社会之年");
}

#[test]
fn a_period_written_with_zhi_is_not_a_deadline() {
    assert_eq!(one("2021年至2025年，每年培训教师100人").year, None);
}

#[test]
fn a_page_number_before_a_word_is_not_a_target() {
    none("加强科普队伍建设\n12\n名优特产品");
}

#[test]
fn document_numbers_and_codes_are_not_targets() {
    none("（国发〔2021〕9号）");
    none("余府发[2022]11号");
    none("豫ICP备15022753号-3");
    none("深入实施基础学科拔尖学生培养计划2.0");
    none("围绕“2+4+N”产业格局");
}

#[test]
fn numbering_and_ordinals_are_not_targets() {
    none("1.加强组织领导");
    none("（1）完善政策体系");
    none("一、指导思想");
    none("①建立健全机制");
    none("办好第三届全民科学素质大赛");
    none("获得第1名");
    none("党的十九届五中全会");
    none("第十四个五年规划");
}

#[test]
fn names_in_quotes_are_not_targets() {
    none("本方案中“5项行动”“5个工程”的责任单位");
    none("实施“六个一”工程");
    none("落实《2020年全国科技助力精准扶贫工作要点》");
    none("统筹推进“五位一体”总体布局");
}

#[test]
fn the_fourteenth_five_year_plan_is_not_a_number() {
    none("“十四五”时期科普工作取得新进展");
    none("十四五期间");
}

#[test]
fn a_number_that_starts_another_word_is_not_a_target() {
    none("推动60万以上人口的县建设科普场馆");
    none("公布获奖名单");
    none("实施健康素养66条等知识普及行动");
}

#[test]
fn a_baseline_in_brackets_is_not_a_target() {
    let got = extract("到2025年，比例达到15%（2020年为10.56%）");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].value, n(15.0));
}

#[test]
fn text_without_numbers_gives_nothing() {
    none("");
    none("加强组织领导，完善工作机制。");
    none("各责任单位要高度重视");
}

#[test]
fn durations_that_describe_or_limit_are_not_targets() {
    none("建设24小时自助图书馆");
    none("举办为期3天的培训班");
    none("3个月内完成整改");
    none("打造15分钟科普服务圈");
    none("面向60周岁以上老年人");
    none("提供7×24小时服务");
}

#[test]
fn durations_that_are_committed_are_targets() {
    assert_eq!(
        key(&one("每年参加科普培训不少于24小时")),
        (Comparator::Ge, n(24.0), "小时")
    );
    assert_eq!(one("开展志愿服务3天").value, n(3.0));
}

#[test]
fn the_start_of_a_rise_is_not_a_target() {
    let t = one("科普覆盖率由60%提高到80%");
    assert_eq!(key(&t), (Comparator::Ge, n(80.0), "%"));
}
