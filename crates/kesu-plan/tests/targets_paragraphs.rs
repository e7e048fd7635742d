//! Task paragraphs written the way other regions' plans write them (composed for this test,
//! not taken from any plan): every target is found, with its year and per entity, and the
//! names, dates, programme titles and numbering around them give nothing.

use kesu_plan::targets::extract;

fn check(text: &str, want: &[(&str, Option<i32>, Option<&str>)]) {
    let got: Vec<(String, Option<i32>, Option<String>)> = extract(text)
        .into_iter()
        .map(|t| (t.display_short(), t.year, t.per))
        .collect();
    let want: Vec<(String, Option<i32>, Option<String>)> = want
        .iter()
        .map(|(k, y, p)| (k.to_string(), *y, p.map(str::to_string)))
        .collect();
    assert_eq!(got, want, "{text}");
}

#[test]
fn a_school_measure_with_minimums_and_a_deadline() {
    check(
        "(1)实施科技创新后备人才培育计划。建立校内外结合的科技教育体系，每所中小学至少配备1名专职科技辅导员，每年开展青少年科技创新大赛、机器人竞赛等活动不少于5次。到2025年，全市建成市级科技教育特色学校30所以上，培育科技创新后备人才500名。（责任单位：市教育局、市科协、团市委）",
        &[
            (">=1名", None, Some("每所中小学")),
            (">=5次", None, Some("每年")),
            (">=30所", Some(2025), None),
            ("=500名", Some(2025), None),
        ],
    );
}

#[test]
fn a_farmer_measure_with_average_range_and_plan_end() {
    check(
        "2．实施高素质农民培育计划。围绕乡村振兴战略，年均培训高素质农民1.2万人次，每个行政村培养1—2名农村科普带头人；到“十四五”末，全市农村科普示范基地达到50个，农村专业技术协会不少于80家。（市农业农村局、市科协负责）",
        &[
            ("=12000人次", None, Some("年均")),
            ("1–2名", None, Some("每个行政村")),
            (">=50个", Some(2025), None),
            (">=80家", Some(2025), None),
        ],
    );
}

#[test]
fn coverage_rates_and_a_per_community_target() {
    check(
        "（三）提升基层科普能力。依托新时代文明实践中心（所、站），推动县（市、区）建设科技馆，力争实现县级科技馆覆盖率达到100%，乡镇（街道）科普站覆盖率90%以上。每个社区（村）建设科普宣传栏1个以上，每季度更新一次内容。",
        &[
            (">=100%", None, None),
            (">=90%", None, None),
            (">=1个", None, Some("每个社区（村）")),
            ("=1次", None, Some("每季度")),
        ],
    );
}

#[test]
fn volunteer_counts_in_wan() {
    check(
        "4.加强科普队伍建设。全市注册科技志愿者超过2万人，科技志愿服务队伍达到300支，每年开展科技志愿服务活动2000场次以上，受益群众100万人次以上。",
        &[
            (">20000人", None, None),
            (">=300支", None, None),
            (">=2000场次", None, Some("每年")),
            (">=1000000人次", None, Some("每年")),
        ],
    );
}

#[test]
fn growth_against_a_base_year_and_yearly_output() {
    check(
        "5.推进科普信息化。建设“科普云”平台，科普中国APP注册用户数较2020年增长50%，市级科普网站年访问量达到200万人次。每年制作科普短视频100部以上，创作科普图书10册。",
        &[
            ("=50%", None, None),
            (">=2000000人次", None, None),
            (">=100部", None, Some("每年")),
            ("=10册", None, Some("每年")),
        ],
    );
}

#[test]
fn a_funding_standard_per_head() {
    check(
        "6.强化经费保障。市、县两级财政科普经费按常住人口人均不低于1元的标准列入预算，并逐年有所增长。",
        &[(">=1元", None, None)],
    );
}

#[test]
fn programme_names_are_skipped_and_counts_kept() {
    check(
        "（7）落实“一村一名大学生”计划，实施“千名科技人员下乡”行动，组织科技特派员300名深入一线开展技术服务，服务企业（合作社）不少于500家。",
        &[("=300名", None, None), (">=500家", None, None)],
    );
}

#[test]
fn yearly_events_and_their_audience() {
    check(
        "（8）开展全国科普日、科技活动周等重点科普活动，每年举办各类科普讲座、培训200场次，参与人数20万人次；其中，“科技活动周”期间集中开展活动不少于30场。",
        &[
            ("=200场次", None, Some("每年")),
            ("=200000人次", None, Some("每年")),
            (">=30场", None, Some("每年")),
        ],
    );
}

#[test]
fn dated_steps_and_a_period() {
    check(
        "（9）2022年6月底前完成科普基础设施调查摸底；2023年底前，建成3个县级科技馆；2024年至2025年，每年新增1家省级科普教育基地。",
        &[("=3个", Some(2023), None), ("=1家", None, Some("每年"))],
    );
}

#[test]
fn training_hours_for_officials() {
    check(
        "（10）健全领导干部和公务员科学素质培训制度，将科学素质教育纳入干部教育培训内容，每年安排科学素质培训课程不少于4学时，干部网络学院科普课程不少于20门。",
        &[
            (">=4学时", None, Some("每年")),
            (">=20门", None, Some("每年")),
        ],
    );
}

#[test]
fn a_goal_with_a_rise_and_a_county_level() {
    check(
        "（11）到2025年，全市公民具备科学素质的比例达到16%以上，较2020年提高5个百分点；各县（市、区）均超过12%。",
        &[
            (">=16%", Some(2025), None),
            ("=5个百分点", Some(2025), None),
            (">12%", Some(2025), None),
        ],
    );
}

#[test]
fn enterprise_coverage_and_training() {
    check(
        "（12）鼓励企业设立科普开放日，规模以上工业企业科协组织覆盖率达到60%，每年举办职工技能竞赛不少于10场次，开展职业技能培训5万人次。",
        &[
            (">=60%", None, None),
            (">=10场次", None, Some("每年")),
            ("=50000人次", None, Some("每年")),
        ],
    );
}
