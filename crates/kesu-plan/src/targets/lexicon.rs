//! Word lists for reading quantities: measure words and the words they must not start, verbs,
//! comparator words. They describe Chinese, not any one plan.

/// Measure words (量词) and units a commitment is counted in, longest first so that 人次 wins
/// over 人 and 场次 over 场. Used verbatim in the quantity pattern.
pub(crate) const UNITS: &[&str] = &[
    "个百分点",
    "平方公里",
    "百分点",
    "平方米",
    "人次",
    "场次",
    "户次",
    "课时",
    "学时",
    "小时",
    "个月",
    "分钟",
    "公里",
    "千米",
    "%",
    "％",
    "‰",
    "个",
    "名",
    "人",
    "家",
    "所",
    "项",
    "场",
    "次",
    "期",
    "篇",
    "部",
    "本",
    "册",
    "件",
    "套",
    "台",
    "座",
    "处",
    "支",
    "批",
    "条",
    "户",
    "间",
    "门",
    "节",
    "种",
    "位",
    "天",
    "周",
    "倍",
    "亩",
    "元",
    "份",
    "张",
    "幅",
    "首",
    "集",
    "组",
    "棵",
    "辆",
    "块",
    "株",
];

/// Characters that, right after a one-character measure word, make it the first half of an
/// ordinary word instead: 人口, 名单, 家庭, 场所, 条件, 部门, 期间 … ("60万以上人口" is a
/// condition, "3个条件" is fine because 个 is the measure word there).
pub(crate) fn unit_starts_word(unit: &str, next: char) -> bool {
    let forbidden: &str = match unit {
        "人" => "口民群类文士物生事力格性大工居均员才们",
        "名" => "单称义牌录额片次誉言著胜列",
        "家" => "庭长属族乡园政电具居务风教访底",
        "所" => "有在以属谓得需长示述辖处提做获占",
        "项" => "目",
        "场" => "所地馆景面合域址长内外",
        "次" => "性数序要级生",
        "期" => "间限末望待刊内中满货盼",
        "部" => "门署分长委队",
        "本" => "地市级方单领区县省质身科土源部届次年",
        "台" => "账湾阶",
        "座" => "谈",
        "处" => "理置室长罚于分",
        "支" => "持撑出付部援",
        "条" => "件例款",
        "批" => "准复评示次",
        "户" => "籍外口",
        "间" => "隔接",
        "门" => "户类槛诊票",
        "节" => "日约能点目庆",
        "种" => "子植类养",
        "位" => "于置居次列数",
        "天" => "然津气文地下空堂",
        "周" => "年边末期密岁",
        "元" => "素旦宵",
        "套" => "餐",
        "首" => "都先次席创批",
        "集" => "团中体聚成群镇",
        "组" => "织建成长团",
        "个" => "性别案",
        "件" => "事",
        "份" => "额",
        _ => "",
    };
    forbidden.contains(next)
}

/// Comparator words written right before the number, longest first.
pub(crate) const PRE_COMPARATORS: &[&str] = &[
    "不超过",
    "不高于",
    "不多于",
    "不少于",
    "不低于",
    "不小于",
    "提高到",
    "提升到",
    "增加到",
    "增长到",
    "扩大到",
    "提高至",
    "提升至",
    "增加至",
    "增长至",
    "控制在",
    "超过",
    "多于",
    "高于",
    "大于",
    "达到",
    "至少",
    "最少",
    "低于",
    "少于",
    "小于",
    "不到",
    "达",
];

/// Adverbs that mean "at least" and precede the verb rather than the number
/// ("每个村至少培育1名").
pub(crate) const AT_LEAST_ADVERBS: &[&str] = &["至少", "不少于", "最少", "不低于"];

/// Verbs after which a number counts the noun that follows it ("配备1名科技辅导员",
/// "接受一次以上培训"), so the indicator is that noun.
pub(crate) const COUNTING_VERBS: &[&str] = &[
    "配备", "配齐", "培育", "培养", "培训", "接受", "拥有", "建成", "建设", "建立", "设立", "设置",
    "打造", "认定", "推荐", "争创", "创建", "新增", "实现", "开展", "组织", "举办", "评选", "选树",
    "选派", "选拔", "发展", "吸纳", "招募", "招聘", "引进", "聘请", "聘任", "确定", "命名", "遴选",
    "参加", "参与", "召开", "完成", "开设", "开办", "开发", "制作", "创作", "出版", "发布", "推出",
    "编写", "编印", "印发", "发放", "征集", "组建", "建", "设", "有", "办", "开", "覆盖", "资助",
    "扶持", "支持", "表彰", "奖励", "评出", "挂牌", "授牌", "提供", "安排", "投入", "落实", "打造",
    "注册", "下载", "进行", "学习", "研究", "举行", "实施", "评定", "培树",
];

/// Leading words dropped from an indicator taken from before the number: modal words, "in
/// total", "of which", and the verb of a "开展X N场次" construction (the counted thing is X).
/// 培训, 注册, 下载 stay: "培训农业从业人员" counts trainings, not people in general.
pub(crate) const LEADING_NOISE: &[&str] = &[
    "力争",
    "确保",
    "争取",
    "努力",
    "全面",
    "完成",
    "实现",
    "其中",
    "累计",
    "共计",
    "总计",
    "共",
    "新增",
    "要",
    "将",
    "再",
    "还",
    "并",
    "同时",
    "此外",
    "另外",
    "开展",
    "培育",
    "培养",
    "认定",
    "邀请",
    "推荐",
    "争创",
    "组织",
    "举办",
    "建设",
    "建成",
    "创建",
    "评选",
    "选树",
    "打造",
    "均",
    "使",
    "让",
    "推动",
    "促进",
    "年均",
    "每年",
    "新建",
    "新认定",
    "新培育",
    "建立",
    "设立",
];

/// Trailing words dropped from an indicator taken from before the number.
pub(crate) const TRAILING_NOISE: &[&str] = &[
    "均",
    "都",
    "要",
    "应",
    "须",
    "需",
    "将",
    "力争",
    "达到",
    "超过",
    "不少于",
    "至少",
    "总数",
    "累计",
    "共",
    "总量",
    "数量",
    "稳定在",
    "保持在",
    "提高到",
    "提升到",
    "增长到",
    "增加到",
    "控制在",
    "在",
    "为",
    "达",
    "的",
    "稳步",
    "逐步",
    "持续",
    "不断",
    "进一步",
    "明显",
    "显著",
    "大幅",
    "有效",
];

/// Predicates that end the subject of a goal sentence ("比例稳定在全省平均水平以上").
pub(crate) const PREDICATES: &[&str] = &[
    "稳定在",
    "保持在",
    "保持",
    "达到",
    "超过",
    "提高到",
    "提升到",
    "提高",
    "提升",
    "增长",
    "位居",
    "处于",
    "进入",
    "不低于",
    "不少于",
];

/// What ends the noun of a per-entity phrase: "每所中小学校|至少配备", "每个网格|配备".
pub(crate) const PER_STOPS: &[&str] = &[
    "至少",
    "不少于",
    "均",
    "都",
    "要",
    "应",
    "须",
    "需",
    "必须",
    "原则上",
    "力争",
    "配备",
    "配齐",
    "培育",
    "培养",
    "培训",
    "开展",
    "举办",
    "组织",
    "接受",
    "拥有",
    "建成",
    "建设",
    "建立",
    "设立",
    "设置",
    "打造",
    "认定",
    "推荐",
    "创建",
    "达到",
    "新增",
    "落实",
    "选派",
    "安排",
    "参加",
    "参与",
    "召开",
    "完成",
    "实现",
    "确保",
    "争取",
    "定期",
    "每",
    "有",
    "设",
    "建",
    "配",
    "办",
    "开",
    "举",
    "至",
    "不",
];

/// Time units of a per-period phrase: 每年, 每季度, 每学期.
pub(crate) const PER_TIMES: &[&str] = &[
    "年度",
    "半年",
    "个季度",
    "季度",
    "个月",
    "学期",
    "学年",
    "星期",
    "两年",
    "三年",
    "年",
    "季",
    "月",
    "周",
    "天",
    "日",
];

/// Measure words that may follow 每 before the noun: 每个村, 每所学校, 每名辅导员.
pub(crate) const PER_MEASURES: &[&str] = &[
    "个", "所", "名", "位", "家", "户", "座", "支", "间", "项", "条", "类", "期", "场", "次",
];

/// Characters before a Chinese numeral that make it part of a word: 统一, 唯一, 第一, 之一,
/// 进一步, 同一, 逐一.
pub(crate) const CN_WORD_PREFIX: &str = "统唯之第某同单逐专初进均划归合整万千百前";

/// Endings of an organisation name, for a collective subject such as 县市区科协.
pub(crate) const ORG_ENDINGS: &[&str] = &[
    "科协",
    "政府",
    "党委",
    "部门",
    "单位",
    "协会",
    "学会",
    "组织",
    "委员会",
    "学校",
    "医院",
    "企业",
    "局",
    "委",
    "办",
    "馆",
    "中心",
    "站",
];

/// Whether `text` starts with one of `words`; the longest such word.
pub(crate) fn starts_with_any<'a>(text: &str, words: &[&'a str]) -> Option<&'a str> {
    words
        .iter()
        .filter(|w| text.starts_with(**w))
        .max_by_key(|w| w.len())
        .copied()
}

/// Whether `text` ends with one of `words`; the longest such word.
pub(crate) fn ends_with_any<'a>(text: &str, words: &[&'a str]) -> Option<&'a str> {
    words
        .iter()
        .filter(|w| text.ends_with(**w))
        .max_by_key(|w| w.len())
        .copied()
}

/// Units of duration: a bare duration before a noun is an attribute ("24小时自助图书馆",
/// "为期3天的培训"), one followed by 内 a time limit ("3个月内完成"), not a count.
pub(crate) const DURATIONS: &[&str] = &["分钟", "小时", "天", "周", "个月"];
