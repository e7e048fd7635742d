//! A plan's title, region, level, period and issuer, from the lines before its first section
//! (the 通知 that issues it, the heading, the signature).

use kesu_core::PlanLevel;
use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

/// What the head of a document says about the plan.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct Meta {
    pub title: String,
    pub region: Option<String>,
    pub level: Option<PlanLevel>,
    pub period: Option<[i32; 2]>,
    pub issuer: Option<String>,
}

/// Read the metadata from the head paragraphs (everything before the first section).
pub(super) fn read(head: &[String]) -> Meta {
    let title = title(head);
    let region = title.as_deref().and_then(region_of);
    let issuer = issuer(head);
    let region = region.or_else(|| issuer.as_deref().and_then(region_of));
    let level = region.as_deref().map(|r| level_of(r, head));
    let period = title
        .as_deref()
        .and_then(period_of)
        .or_else(|| head.iter().take(40).find_map(|p| range_of(p)));
    Meta {
        title: title.unwrap_or_default(),
        region,
        level,
        period,
        issuer,
    }
}

/// Words a plan's name ends with or contains.
const PLAN_WORDS: &[&str] = &[
    "方案", "要点", "计划", "规划", "纲要", "清单", "意见", "安排", "办法", "任务",
];

fn is_plan_name(s: &str) -> bool {
    PLAN_WORDS.iter().any(|w| s.contains(w))
}

/// The plan's title: the 《…》 of the notice that issues it, the name between 关于印发 and 的通知,
/// or a heading line naming a plan.
fn title(head: &[String]) -> Option<String> {
    let window = head.iter().take(60);
    // The plan's own heading, the last one before the body: a short line naming a plan that
    // is not the notice issuing it nor a line of a web page's header.
    let heading = window.clone().rfind(|p| {
        p.chars().count() <= 80
            && !p.contains(['。', '>', '|', '：'])
            && !p.contains("印发")
            && !p.contains("的通知")
            && PLAN_END.is_match(p)
    });
    if let Some(h) = heading {
        return Some(h.clone());
    }
    for p in window.clone() {
        if !(p.contains("印发") || p.contains("通知") || p.contains("关于")) {
            continue;
        }
        if let Some(c) = BOOK_TITLE.captures(p) {
            let t = c.get(1)?.as_str();
            if is_plan_name(t) {
                return Some(t.to_string());
            }
        }
    }
    for p in window.clone() {
        if let Some(c) = NOTICE_NAME.captures(p) {
            let t = c.get(1)?.as_str();
            if is_plan_name(t) && t.chars().count() <= 80 {
                return Some(t.to_string());
            }
        }
    }
    // A heading run into the text after it ("…实施方案（2021—2025年）为贯彻落实…").
    if let Some(t) = window.clone().find_map(|p| PLAN_HEAD.find(p)) {
        return Some(t.as_str().to_string());
    }
    window.clone().find(|p| p.chars().count() <= 80).cloned()
}

/// A line that ends like a plan's name: "…实施方案", "…工作要点", "…方案（2021—2025年）".
static PLAN_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:方案|要点|计划|规划|纲要|清单|意见|安排|办法)(?:[(（](?:19|20)\d{2}[^)）]{0,16}[)）])?$")
        .unwrap_or_else(|_| unreachable!("constant regex"))
});

static PLAN_HEAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^.{2,60}(?:方案|要点|计划|清单)(?:[(（](?:19|20)\d{2}[^)）]{0,16}[)）])?")
        .unwrap_or_else(|_| unreachable!("constant regex"))
});

static BOOK_TITLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"印发[^《]{0,20}《([^》]{4,100})》")
        .unwrap_or_else(|_| unreachable!("constant regex"))
});

static NOTICE_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"关于印发(.{4,100}?)的通知").unwrap_or_else(|_| unreachable!("constant regex"))
});

/// "(2021-2025年)", "2021—2025年" → [2021, 2025]; a single year ("2020年…工作要点") → both
/// ends; "十四五" → its five years.
fn period_of(title: &str) -> Option<[i32; 2]> {
    if let Some(r) = range_of(title) {
        return Some(r);
    }
    if let Some(c) = YEAR.captures(title) {
        let y = c.get(1)?.as_str().parse().ok()?;
        return Some([y, y]);
    }
    let plans = [("十三五", 2016), ("十四五", 2021), ("十五五", 2026)];
    plans
        .iter()
        .find(|(w, _)| title.contains(w))
        .map(|(_, y)| [*y, *y + 4])
}

fn range_of(s: &str) -> Option<[i32; 2]> {
    let c = YEAR_RANGE.captures(s)?;
    let a: i32 = c.get(1)?.as_str().parse().ok()?;
    let b: i32 = c.get(2)?.as_str().parse().ok()?;
    (a <= b && b - a <= 30).then_some([a, b])
}

static YEAR_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"((?:19|20)\d{2})\s*年?\s*[-—–－~～至到]+\s*((?:19|20)\d{2})\s*年")
        .unwrap_or_else(|_| unreachable!("constant regex"))
});

static YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"((?:19|20)\d{2})\s*年").unwrap_or_else(|_| unreachable!("constant regex"))
});

/// The levels of the administrative divisions by name.
static DIVISIONS: LazyLock<HashMap<&'static str, PlanLevel>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    let files = [
        (include_str!("../../data/divisions/areas.csv"), None),
        (
            include_str!("../../data/divisions/cities.csv"),
            Some(PlanLevel::City),
        ),
        (
            include_str!("../../data/divisions/provinces.csv"),
            Some(PlanLevel::Province),
        ),
    ];
    // Later files win: a name that is both a city and a county is the city.
    for (csv, level) in files {
        for line in csv.lines().skip(1) {
            let Some(name) = line.split(',').nth(1).map(|n| n.trim_matches('"')) else {
                continue;
            };
            if name.is_empty() || name.contains("辖") {
                continue;
            }
            let level = level.unwrap_or(if name.ends_with('区') {
                PlanLevel::District
            } else {
                PlanLevel::County
            });
            map.insert(name, level);
        }
    }
    map
});

/// The region a plan is for, from its title (or issuer): the last administrative unit named
/// before the subject ("娄底市全民科学素质…" → 娄底市; "黄山市屯溪区…" → 屯溪区).
fn region_of(text: &str) -> Option<String> {
    let t = LEADING_YEAR.replace(text, "");
    let t = t.trim_start_matches("关于");
    let mut best: Option<&str> = None;
    let mut i = 0;
    let mut parts = 0;
    while parts < 4 {
        let rest = t.get(i..)?;
        let Some(len) = division_prefix(rest) else {
            break;
        };
        best = rest.get(..len);
        i += len;
        parts += 1;
    }
    best.map(str::to_string)
}

static LEADING_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:19|20)\d{2}\s*(?:年度|年)?").unwrap_or_else(|_| unreachable!("constant regex"))
});

/// The byte length of the administrative unit's name at the start of `s`: a known division
/// (longest first), else a name up to the first 省/市/县/区/州/盟/旗.
fn division_prefix(s: &str) -> Option<usize> {
    let ends: Vec<usize> = s
        .char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .take(12)
        .collect();
    if let Some(&e) = ends.iter().rev().find(|&&e| {
        ends.first() != Some(&e) && s.get(..e).is_some_and(|p| DIVISIONS.contains_key(p))
    }) {
        return Some(e);
    }
    let stop = [
        "全民", "科学", "科普", "公民", "人民", "关于", "实施", "行动", "工作",
    ];
    for (k, (i, c)) in s.char_indices().take(10).enumerate() {
        let before = s.get(..i).unwrap_or("");
        if stop
            .iter()
            .any(|w| s.get(i..).is_some_and(|r| r.starts_with(w)))
        {
            return None;
        }
        if k >= 1
            && matches!(c, '省' | '市' | '县' | '区' | '州' | '盟' | '旗')
            && !before.is_empty()
        {
            return Some(i + c.len_utf8());
        }
    }
    None
}

/// The level of a region: from the list of divisions, else from the shape of its name.
fn level_of(region: &str, head: &[String]) -> PlanLevel {
    if let Some(l) = DIVISIONS.get(region) {
        return *l;
    }
    if region.ends_with('省') || region.ends_with("自治区") {
        return PlanLevel::Province;
    }
    if region.ends_with('县') || region.ends_with('旗') {
        return PlanLevel::County;
    }
    if region.ends_with('区') {
        return PlanLevel::District;
    }
    if region.ends_with('镇') || region.ends_with('乡') || region.ends_with("街道") {
        return PlanLevel::Township;
    }
    // A 市 whose notice goes to townships and no counties is a county-level city.
    let notice: String = head.iter().take(20).map(String::as_str).collect();
    let to_towns =
        notice.contains("各乡镇") || notice.contains("各镇") || notice.contains("街道办事处");
    let to_counties =
        notice.contains("各县") || notice.contains("县市区") || notice.contains("各区");
    if to_towns && !to_counties {
        PlanLevel::County
    } else {
        PlanLevel::City
    }
}

/// Endings of the names of issuing bodies.
const ISSUER_ENDS: &[&str] = &[
    "政府",
    "办公室",
    "办公厅",
    "委员会",
    "领导小组",
    "科学技术协会",
    "科协",
    "协会",
    "联合会",
    "局",
    "厅",
    "委",
    "办",
    "部",
];

fn is_issuer(s: &str) -> bool {
    let n = s.chars().count();
    (3..=40).contains(&n) && ISSUER_ENDS.iter().any(|e| s.ends_with(e))
}

/// Who issued the plan: the body before "关于印发" in the notice's heading, else the signature
/// above the notice's date.
fn issuer(head: &[String]) -> Option<String> {
    let window: Vec<&String> = head.iter().take(60).collect();
    for p in &window {
        let Some(k) = p.find("关于") else { continue };
        if !p.contains("印发") {
            continue;
        }
        let before = p.get(..k)?;
        let cut = before
            .char_indices()
            .rfind(|&(_, c)| !(c.is_alphanumeric() || matches!(c, '(' | ')' | '（' | '）')))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let name = before.get(cut..)?;
        if is_issuer(name) {
            return Some(name.to_string());
        }
    }
    for (k, p) in window.iter().enumerate() {
        if let Some(c) = SIGNATURE.captures(p) {
            let name = c.get(1)?.as_str();
            if is_issuer(name) {
                return Some(name.to_string());
            }
        }
        let next_is_date = window.get(k + 1).is_some_and(|n| DATE_LINE.is_match(n));
        if next_is_date && is_issuer(p) && !p.contains('。') {
            return Some((*p).clone());
        }
    }
    None
}

static SIGNATURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([\p{Han}()（）]{2,40}?(?:政府|办公室|办公厅|委员会|领导小组|科学技术协会|科协|局|厅))\s*(?:19|20)\d{2}年\d{1,2}月\d{1,2}日")
        .unwrap_or_else(|_| unreachable!("constant regex"))
});

static DATE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
        .unwrap_or_else(|_| unreachable!("constant regex"))
});

#[cfg(test)]
mod tests {
    use super::*;

    fn head(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn the_notice_heading_gives_title_and_issuer() {
        let m = read(&head(&[
            "某某市人民政府办公室关于印发《某某市全民科学素质行动规划纲要实施方案(2021-2025年)》的通知",
        ]));
        assert_eq!(
            m.title,
            "某某市全民科学素质行动规划纲要实施方案(2021-2025年)"
        );
        assert_eq!(m.issuer.as_deref(), Some("某某市人民政府办公室"));
        assert_eq!(m.region.as_deref(), Some("某某市"));
        assert_eq!(m.period, Some([2021, 2025]));
    }

    #[test]
    fn an_annual_work_plan_covers_its_year() {
        let m = read(&head(&[
            "关于印发《2020年某某县全民科学素质行动工作要点》的通知",
            "某某县全民科学素质纲要实施工作办公室",
            "2020年5月26日",
        ]));
        assert_eq!(m.period, Some([2020, 2020]));
        assert_eq!(m.region.as_deref(), Some("某某县"));
        assert_eq!(m.level, Some(PlanLevel::County));
        assert_eq!(
            m.issuer.as_deref(),
            Some("某某县全民科学素质纲要实施工作办公室")
        );
    }

    #[test]
    fn known_divisions_give_the_level() {
        assert_eq!(level_of("黄山市", &[]), PlanLevel::City);
        assert_eq!(level_of("屯溪区", &[]), PlanLevel::District);
        assert_eq!(level_of("湖南省", &[]), PlanLevel::Province);
        assert_eq!(
            region_of("黄山市屯溪区全民科学素质").as_deref(),
            Some("屯溪区")
        );
    }
}
