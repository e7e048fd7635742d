//! Unit names: one canonical name for the variants of one body within a region
//! (市科技局 / 市科学技术局 / 娄底市科学技术局; 团市委 / 共青团娄底市委员会).
//!
//! Plans name the same body in several ways: in full or abbreviated (市科学技术局, 市科技局),
//! with or without the place (娄底市教育局, 市教育局) and the party prefix (中共娄底市委宣传部,
//! 市委宣传部), with the Youth League's name turned round (共青团娄底市委员会, 团市委). The
//! canonical name is the short form with the level word and without the place: 市科技局,
//! 市委宣传部, 团市委, 区人社局.
//!
//! Only spellings of one name are merged, never two names: 市自然资源局 and
//! 市自然资源和规划局, 市教育局 and 市教委, 市科技局 and 市科技创新委 stay apart, because a
//! region may have both, or because the reader cannot know that they are one body.
//!
//! Every rule is a pattern of Chinese government names (科学技术 ↔ 科技, 人力资源和社会保障 ↔
//! 人社, 共青团…委员会 ↔ 团…委, a place name before 省/市/县/区); no place or body of a
//! particular plan is listed.

use kesu_core::RegionLevel;
use regex::Regex;
use std::sync::LazyLock;

/// The kind of body a unit is, for grouping units in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UnitKind {
    /// 党委部门: 市委宣传部, 市委组织部, 市委党校, 市纪委监委
    PartyDept,
    /// 政府部门: 市教育局, 市卫健委, 市政府办, 经开区管委会
    GovDept,
    /// 群团组织: 市科协, 市妇联, 市总工会, 团市委, 市工商联, 市残联
    MassOrg,
    /// 学校: 新余学院, 市第一中学
    School,
    /// 事业单位: 市广播电视台, 娄底日报社, 市科技馆, 市农科所, 市大数据中心
    Institution,
    /// 企业: 市广电集团, 某某有限公司
    Enterprise,
    /// 集合称谓: 各责任单位, 各镇人民政府, 各成员单位
    Collective,
    /// 其他: 警备区, anything not recognised
    Other,
}

impl UnitKind {
    /// The Chinese name of the kind (党委部门, 政府部门, …).
    pub fn label(self) -> &'static str {
        match self {
            Self::PartyDept => "党委部门",
            Self::GovDept => "政府部门",
            Self::MassOrg => "群团组织",
            Self::School => "学校",
            Self::Institution => "事业单位",
            Self::Enterprise => "企业",
            Self::Collective => "集合称谓",
            Self::Other => "其他",
        }
    }
}

/// A unit name in canonical form, with its kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnitName {
    /// The canonical name within the region: 市科技局, 团市委, 市委宣传部.
    pub canonical: String,
    pub kind: UnitKind,
}

/// The canonical name and kind of `name` within the region named `region` (e.g. "娄底市").
pub fn normalize(name: &str, region: Option<&str>) -> UnitName {
    let canonical = canonical_name(name, region);
    let kind = kind_of_canonical(&canonical);
    UnitName { canonical, kind }
}

/// Whether two names written in a plan of `region` name the same body.
pub fn same_body(a: &str, b: &str, region: Option<&str>) -> bool {
    canonical_name(a, region) == canonical_name(b, region)
}

/// The canonical name of `name` within the region named `region` (e.g. "娄底市").
///
/// With a region, a place name before the body is dropped only when it is that region (or a
/// place above it followed by it): "娄底市教育局" → 市教育局 in a 娄底市 plan, but
/// "长沙市教育局" stays whole there. Without a region every leading place name is dropped,
/// which merges the same body of different places; pass the region when it is known.
pub fn canonical_name(name: &str, region: Option<&str>) -> String {
    // One pass can uncover another variant mark (市科协、等 → 市科协、 → 市科协); a few passes
    // reach the fixed point, so the canonical name of a canonical name is itself.
    let mut current = canonical_once(name, region);
    for _ in 0..4 {
        let next = canonical_once(&current, region);
        if next == current {
            break;
        }
        current = next;
    }
    current
}

fn canonical_once(name: &str, region: Option<&str>) -> String {
    let cleaned = clean(name);
    if cleaned.is_empty() {
        return cleaned;
    }
    let rest = strip_party(&cleaned);
    let region = region.map(clean).filter(|r| !r.is_empty());

    // 共青团娄底市委员会 / 共青团娄底市委 / 团娄底市委 / 共青团市委 → 团市委.
    if let Some(c) = LEAGUE.captures(rest)
        && let Some(level) = c.name("level")
    {
        let level = level.as_str();
        let place = c.name("place").map_or("", |m| m.as_str());
        let ours = match &region {
            _ if place.is_empty() => true,
            None => true,
            Some(r) => r.ends_with(&format!("{place}{level}")),
        };
        return if ours {
            format!("团{level}委")
        } else {
            format!("共青团{place}{level}委")
        };
    }
    let rest = strip_place(rest, region.as_deref());

    let (level, body) = split_level(&rest);
    let mut body = shorten(body);
    // 中共…委员会宣传部 → …委宣传部
    if let Some(b) = body.strip_prefix("委员会") {
        body = format!("委{b}");
    }
    // A party office written without 委 (市宣传部, 市网信办) is the 委's office.
    if !level.is_empty() && PARTY_OFFICES.iter().any(|o| body == *o) {
        body = format!("委{body}");
    }
    format!("{level}{body}")
}

/// The kind of body `name` names.
pub fn unit_kind(name: &str) -> UnitKind {
    kind_of_canonical(&canonical_name(name, None))
}

/// Full-width brackets and spaces made plain, a list's 等 and punctuation dropped.
fn clean(name: &str) -> String {
    let mut s: String = name
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect();
    let trimmed = s
        .trim_matches(|c: char| "、,，;；:：。.\"“”'‘’".contains(c))
        .to_string();
    s = trimmed;
    if s.chars().count() > 2
        && let Some(t) = s.strip_suffix('等')
    {
        s = t.to_string();
    }
    // "市科技局(市知识产权局)": one office with two names; the first names it.
    if s.ends_with(')')
        && let Some(open) = s.rfind('(')
        && s[..open].chars().count() >= 3
    {
        s.truncate(open);
    }
    s
}

/// Drop 中共 / 中国共产党: 中共娄底市委宣传部 is 娄底市委宣传部.
fn strip_party(s: &str) -> &str {
    for p in ["中国共产党", "中共"] {
        if let Some(rest) = s.strip_prefix(p)
            && !rest.is_empty()
        {
            return rest;
        }
    }
    s
}

/// Administrative level words that end a place name.
const LEVEL_WORDS: &str = "特别行政区|自治区|自治州|自治县|地区|省|市|州|盟|县|区|旗";

/// A chain of place names at the start of a name: 湖南省娄底市, 黄山市屯溪区.
static PLACE_CHAIN: LazyLock<Regex> =
    LazyLock::new(|| re(&format!(r"^(?:\p{{Han}}{{2,8}}?(?:{LEVEL_WORDS}))+")));

/// One place name: the Han characters and its level word.
static PLACE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"^(?P<name>\p{{Han}}{{2,8}}?)(?P<level>{LEVEL_WORDS})"
    ))
});

/// The Youth League committee in any spelling.
static LEAGUE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:共青团|团)(?P<place>\p{Han}{2,8}?)?(?P<level>省|市|县|区|州|旗)委(?:员会)?$")
});

/// A level word at the start of a name after its place: 市, 区, 县, 省, 州, 旗.
static LEADING_LEVEL: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:自治区|自治州|自治县|省|市|州|县|区|旗|镇|乡)"));

/// The level word that ends a region's name ("娄底市" → 市).
static TRAILING_LEVEL: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"(?:{LEVEL_WORDS})$")));

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("built-in pattern does not compile: {e}"))
}

/// Characters before a level word that make it part of an ordinary word, not a place:
/// 经开区, 高新区, 社区, 园区, 景区; 城市, 超市; 联盟.
fn level_in_word(place_name: &str, level: &str) -> bool {
    let Some(last) = place_name.chars().next_back() else {
        return true;
    };
    match level {
        "区" => "开新社园景街片校营库牧矿林山城郊辖税范贸验能技业地警功试管示".contains(last),
        "市" => "城都超门股集夜".contains(last),
        "盟" => "联同".contains(last),
        "州" => "神".contains(last),
        _ => false,
    }
}

/// The leading place chain of `s`, validated segment by segment; its byte length.
fn place_chain_len(s: &str) -> usize {
    let Some(m) = PLACE_CHAIN.find(s) else {
        return 0;
    };
    let chain = m.as_str();
    let mut end = 0;
    while end < chain.len() {
        let Some(c) = PLACE.captures(&chain[end..]) else {
            break;
        };
        let (Some(name), Some(level)) = (c.name("name"), c.name("level")) else {
            break;
        };
        if level_in_word(name.as_str(), level.as_str()) {
            break;
        }
        end += level.end();
    }
    // The body after the place must be a name, not nothing ("娄底市" alone is the place).
    if s[end..].chars().count() < 2 {
        return 0;
    }
    end
}

/// Drop the place name before the body, keeping its level word: 娄底市教育局 → 市教育局.
fn strip_place(s: &str, region: Option<&str>) -> String {
    if let Some(r) = region {
        // The region as written, maybe after the places above it.
        let level = TRAILING_LEVEL.find(r).map_or("", |m| m.as_str());
        if let Some(rest) = s.strip_prefix(r)
            && rest.chars().count() >= 2
            && !level.is_empty()
        {
            return format!("{level}{rest}");
        }
        let len = place_chain_len(s);
        if len > 0 && !level.is_empty() {
            let chain = &s[..len];
            if chain.ends_with(r) || r.ends_with(chain) {
                return format!("{level}{}", &s[len..]);
            }
        }
        return s.to_string();
    }
    let len = place_chain_len(s);
    if len == 0 {
        return s.to_string();
    }
    let chain = &s[..len];
    let level = TRAILING_LEVEL.find(chain).map_or("", |m| m.as_str());
    format!("{level}{}", &s[len..])
}

/// Split 市教育局 into 市 and 教育局; a name without a level word has an empty level.
fn split_level(s: &str) -> (&str, &str) {
    match LEADING_LEVEL.find(s) {
        // "区县科协": a list of levels, not one level (kept whole).
        Some(m) if s[m.end()..].chars().count() >= 2 && !starts_with_level(&s[m.end()..]) => {
            (m.as_str(), &s[m.end()..])
        }
        _ => ("", s),
    }
}

fn starts_with_level(s: &str) -> bool {
    // "县市区科协", "区县科协": a list of levels. 市场监管局, 市民服务中心, 市政公用局 start with
    // 市 but are bodies.
    LEADING_LEVEL
        .find(s)
        .is_some_and(|m| !s[m.end()..].starts_with(|c: char| "场民容貌政直辖属级域".contains(c)))
}

/// Party offices that are sometimes written without 委: 市宣传部 is 市委宣传部.
const PARTY_OFFICES: &[&str] = &[
    "宣传部",
    "组织部",
    "统战部",
    "政法委",
    "党校",
    "老干部局",
    "网信办",
    "文明办",
    "编办",
    "军民融合办",
    "巡察办",
];

/// Full or variant spellings of a body (as the end of the name) and their short form. Longest
/// first within a family; checked in order, the first that ends the body wins.
const SHORT_FORMS: &[(&str, &str)] = &[
    // party
    ("统一战线工作部", "统战部"),
    ("政法委员会", "政法委"),
    ("网络安全和信息化委员会办公室", "网信办"),
    ("精神文明建设指导委员会办公室", "文明办"),
    ("机构编制委员会办公室", "编办"),
    ("军民融合发展委员会办公室", "军民融合办"),
    ("纪律检查委员会", "纪委"),
    // government
    ("人民政府办公室", "政府办"),
    ("人民政府办公厅", "政府办公厅"),
    ("政府办公室", "政府办"),
    ("人民政府", "政府"),
    ("科学技术委员会", "科委"),
    ("科学技术局", "科技局"),
    ("科学技术厅", "科技厅"),
    ("科技创新委员会", "科技创新委"),
    ("科创委", "科技创新委"),
    ("教育委员会", "教委"),
    ("教育和体育局", "教体局"),
    ("教育体育局", "教体局"),
    ("人力资源和社会保障局", "人社局"),
    ("人力资源社会保障局", "人社局"),
    ("人力资源和社保局", "人社局"),
    ("人力社保局", "人社局"),
    ("人力资源和社会保障厅", "人社厅"),
    ("人力资源社会保障厅", "人社厅"),
    ("农业农村委员会", "农业农村委"),
    ("农业和农村局", "农业农村局"),
    ("卫生健康委员会", "卫健委"),
    ("卫生和健康委员会", "卫健委"),
    ("卫生健康委", "卫健委"),
    ("卫生健康局", "卫健局"),
    ("市场监督管理局", "市场监管局"),
    ("应急管理局", "应急局"),
    ("规划和自然资源局", "自然资源和规划局"),
    ("自然资源规划局", "自然资源和规划局"),
    ("住房和城乡建设局", "住建局"),
    ("住房城乡建设局", "住建局"),
    ("住房和城乡建设委员会", "住建委"),
    ("住房城乡建设委", "住建委"),
    ("发展和改革委员会", "发改委"),
    ("发展改革委员会", "发改委"),
    ("发展改革委", "发改委"),
    ("发展和改革局", "发改局"),
    ("发展改革局", "发改局"),
    ("科技经济和信息化局", "科技经信局"),
    ("科技经济信息化局", "科技经信局"),
    ("工业和信息化局", "工信局"),
    ("工业信息化局", "工信局"),
    ("经济和信息化委员会", "经信委"),
    ("经济信息化委员会", "经信委"),
    ("经济和信息化委", "经信委"),
    ("经济信息委", "经信委"),
    ("经济和信息化局", "经信局"),
    ("经济信息化局", "经信局"),
    ("交通运输局", "交通运输局"),
    ("交通局", "交通运输局"),
    ("林业和草原局", "林业局"),
    ("林草局", "林业局"),
    ("退役军人事务局", "退役军人局"),
    ("医疗保障局", "医保局"),
    ("国有资产监督管理委员会", "国资委"),
    ("城市管理和综合执法局", "城管和综合执法局"),
    ("城市管理局", "城管局"),
    ("政务服务和数据管理局", "政务服务数据管理局"),
    ("广播电视局", "广电局"),
    ("老龄工作委员会办公室", "老龄办"),
    ("老龄委办公室", "老龄办"),
    ("乡村振兴局", "乡村振兴局"),
    // mass organisations
    ("科学技术协会", "科协"),
    ("妇女联合会", "妇联"),
    ("工商业联合会", "工商联"),
    ("残疾人联合会", "残联"),
    ("文学艺术界联合会", "文联"),
    ("归国华侨联合会", "侨联"),
    ("社会科学界联合会", "社科联"),
    ("社会科学联合会", "社科联"),
    ("关心下一代工作委员会", "关工委"),
    ("人民武装部", "人武部"),
    ("农业科学研究所", "农科所"),
    ("农业科学研究院", "农科院"),
];

/// The culture, media, tourism and sports bureau, named by its parts in any order and length:
/// 文化广电旅游体育局, 文旅广体局, 文化和旅游局, 文广新旅局, 文化旅游委.
static CULTURE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:(?:文化|文|广播电视|广电|广|新闻出版|新闻|新|旅游|旅|体育|体)和?){2,}(?P<end>局|委员会|委)$",
    )
});

static CULTURE_PART: LazyLock<Regex> =
    LazyLock::new(|| re(r"文化|文|广播电视|广电|广|新闻出版|新闻|新|旅游|旅|体育|体"));

/// The short form of a body name (without place and level).
fn shorten(body: &str) -> String {
    if let Some(c) = CULTURE.captures(body) {
        let mut parts = [false; 5];
        let tail_start = c.name("end").map_or(body.len(), |m| m.start());
        for m in CULTURE_PART.find_iter(&body[..tail_start]) {
            let k = match m.as_str().chars().next() {
                Some('文') => 0,
                Some('广') => 1,
                Some('新') => 2,
                Some('旅') => 3,
                _ => 4,
            };
            parts[k] = true;
        }
        let end = match c.name("end").map(|m| m.as_str()) {
            Some("局") | None => "局",
            Some(_) => "委",
        };
        let mut out: String = ['文', '广', '新', '旅', '体']
            .iter()
            .zip(parts)
            .filter(|(_, on)| *on)
            .map(|(c, _)| *c)
            .collect();
        out.push_str(end);
        return out;
    }
    for (full, short) in SHORT_FORMS {
        if let Some(head) = body.strip_suffix(full) {
            return format!("{head}{short}");
        }
    }
    body.to_string()
}

fn kind_of_canonical(c: &str) -> UnitKind {
    let any = |words: &[&str]| words.iter().any(|w| c.contains(w));
    let ends = |words: &[&str]| words.iter().any(|w| c.ends_with(w));
    if c.starts_with('各')
        || any(&[
            "成员单位",
            "有关单位",
            "相关单位",
            "有关部门",
            "相关部门",
            "责任单位",
            "各单位",
            "各部门",
        ])
    {
        return UnitKind::Collective;
    }
    if ends(&[
        "警备区",
        "军分区",
        "人武部",
        "武装部",
        "消防救援支队",
        "消防救援大队",
    ]) {
        return UnitKind::Other;
    }
    if LEAGUE_CANONICAL.is_match(c)
        || ends(&[
            "科协",
            "妇联",
            "总工会",
            "工会",
            "工商联",
            "残联",
            "文联",
            "侨联",
            "社科联",
            "社联",
            "红十字会",
            "关工委",
            "联合会",
            "协会",
            "学会",
            "商会",
            "少工委",
        ])
    {
        return UnitKind::MassOrg;
    }
    let (_, body) = split_level(c);
    if body.starts_with('委') || any(&["纪委", "监委", "党校", "党委", "党工委", "党组"])
    {
        return UnitKind::PartyDept;
    }
    if ends(&[
        "学校",
        "学院",
        "大学",
        "中学",
        "小学",
        "幼儿园",
        "职校",
        "技校",
        "院校",
        "中专",
    ]) {
        return UnitKind::School;
    }
    if any(&["公司", "集团", "企业", "银行", "有限", "股份"]) || c.ends_with('厂') {
        return UnitKind::Enterprise;
    }
    if ends(&[
        "电视台",
        "广播台",
        "报社",
        "融媒体中心",
        "中心",
        "科技馆",
        "图书馆",
        "博物馆",
        "文化馆",
        "纪念馆",
        "研究所",
        "研究院",
        "科学院",
        "农科所",
        "农科院",
        "医院",
        "站",
        "馆",
        "台",
    ]) {
        return UnitKind::Institution;
    }
    if ends(&[
        "局",
        "委",
        "厅",
        "办",
        "署",
        "政府",
        "管委会",
        "委员会",
        "办公室",
        "部",
        "处",
        "分局",
        "办事处",
        "室",
    ]) {
        return UnitKind::GovDept;
    }
    UnitKind::Other
}

static LEAGUE_CANONICAL: LazyLock<Regex> = LazyLock::new(|| re(r"^团(?:省|市|县|区|州|旗)委$"));

/// What a collective name (集合称谓) stands for, for the import to expand into one responsible
/// entity each; the plan keeps the words as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Collective {
    /// Every region of `level` under the plan's region ("各县市区人民政府" in a city's plan: its
    /// counties), limited to regions whose names end in one of `endings` when the name says
    /// which ("各镇政府": 镇 only, "各街道办事处": 街道 only; empty: all), each through its `body`
    /// (人民政府, 办事处, or nothing).
    Regions {
        level: RegionLevel,
        endings: Vec<&'static str>,
        body: String,
    },
    /// The office's member units: 各成员单位, 各有关单位, 领导小组各成员单位.
    Members,
}

/// What a collective name stands for, or `None` for the name of one body.
pub fn collective(name: &str) -> Option<Collective> {
    // Not `clean`: its "(…)" at the end is another name of the body, here it is part of the set.
    let n: String = name
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect();
    let n = n.trim_end_matches('等');
    let at = n.find('各')?;
    let rest = n.get(at + '各'.len_utf8()..)?;
    const MEMBERS: &[&str] = &[
        "成员单位",
        "有关单位",
        "相关单位",
        "有关部门",
        "相关部门",
        "责任单位",
        "单位",
        "部门",
        "有关方面",
    ];
    if MEMBERS
        .iter()
        .any(|m| rest == *m || rest.ends_with(m) && !rest.contains("政府"))
    {
        return Some(Collective::Members);
    }
    // The places named before the body: 县市区, 县(市、区), 乡镇(街道), 镇, 街道, 市(州).
    let body_at = ["人民政府", "政府", "办事处", "党委", "党工委", "管委会"]
        .iter()
        .filter_map(|b| rest.find(b))
        .min()
        .unwrap_or(rest.len());
    let places = rest.get(..body_at)?;
    let body = rest.get(body_at..)?.to_string();
    // Only the words of levels: "各地要认真" is a sentence, not a set of regions.
    if places.is_empty()
        || places.chars().count() > 10
        || !places
            .chars()
            .all(|c| "县市区乡镇街道村社州盟旗地、()".contains(c))
    {
        return None;
    }
    let has = |w: &str| places.contains(w);
    let (level, endings): (RegionLevel, Vec<&'static str>) = if has("村") || has("社区") {
        (RegionLevel::Village, Vec::new())
    } else if has("乡") || has("镇") || has("街道") {
        let mut endings = Vec::new();
        if has("乡") {
            endings.push("乡");
        }
        if has("镇") {
            endings.push("镇");
        }
        if has("街道") || body == "办事处" {
            endings.push("街道");
        }
        // All kinds named: no limit.
        if endings.len() == 3 {
            endings.clear();
        }
        (RegionLevel::Township, endings)
    } else if has("县") || has("区") || has("旗") {
        (RegionLevel::County, Vec::new())
    } else if has("市") || has("州") || has("盟") || has("地") {
        (RegionLevel::City, Vec::new())
    } else {
        return None;
    };
    Some(Collective::Regions {
        level,
        endings,
        body,
    })
}

/// The names of `known` (the region's unit registry) nearest to `name`, best first, at most
/// `n`: the same body written otherwise first ([`same_body`]), then by the characters the two
/// canonical names share. For a name the registry lacks, so that the office can pick the body
/// it meant.
pub fn nearest_names<'a>(
    name: &str,
    known: &'a [String],
    region: Option<&str>,
    n: usize,
) -> Vec<&'a str> {
    let target = canonical_name(name, region);
    let grams = bigrams(&target);
    let mut scored: Vec<(f64, &'a str)> = known
        .iter()
        .filter_map(|k| {
            let c = canonical_name(k, region);
            let score = if c == target {
                2.0
            } else {
                let other = bigrams(&c);
                let common = grams.iter().filter(|g| other.contains(g)).count();
                let dice = 2.0 * common as f64 / (grams.len() + other.len()).max(1) as f64;
                let contains = !c.is_empty() && (c.contains(&target) || target.contains(&c));
                // A slip of the pen in a short name (教肓局 for 教育局) may share no pair at all.
                let slip = one_slip(&c, &target);
                dice + if contains || slip { 0.3 } else { 0.0 } + if slip { 0.3 } else { 0.0 }
            };
            (score >= 0.4).then_some((score, k.as_str()))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.into_iter().take(n).map(|(_, k)| k).collect()
}

/// Whether two names of three or more characters differ in exactly one character's place.
fn one_slip(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    a.len() == b.len() && a.len() >= 3 && a.iter().zip(&b).filter(|(x, y)| x != y).count() == 1
}

/// The pairs of neighbouring characters of a name (a one-character name is its own pair).
fn bigrams(s: &str) -> Vec<(char, char)> {
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        [] => Vec::new(),
        [c] => vec![(*c, *c)],
        _ => chars.windows(2).map(|w| (w[0], w[1])).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_patterns_compile() {
        for r in [
            &PLACE_CHAIN,
            &PLACE,
            &LEAGUE,
            &LEADING_LEVEL,
            &TRAILING_LEVEL,
            &CULTURE,
            &CULTURE_PART,
            &LEAGUE_CANONICAL,
        ] {
            assert!(!r.as_str().is_empty());
        }
    }

    #[test]
    fn place_chains_stop_at_zone_words() {
        assert_eq!(place_chain_len("湖南省娄底市教育局"), "湖南省娄底市".len());
        assert_eq!(place_chain_len("经开区管委会"), 0);
        assert_eq!(place_chain_len("娄底经开区管委会"), 0);
        assert_eq!(place_chain_len("市市场监管局"), 0);
    }
}
