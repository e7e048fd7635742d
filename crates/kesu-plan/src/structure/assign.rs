//! Which units an item names, and in which role: "(责任单位:…等,排名第一的为牵头单位,下同)",
//! "(牵头单位:…)", "牵头部门:… 配合部门:…", "(市教委、市科技局)", "(区教育局、区科协负责)",
//! "(X牵头,Y配合)", "(各责任单位)".

use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

/// Units by role, as written, in the order written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Units {
    pub lead: Vec<String>,
    pub cooperating: Vec<String>,
    pub responsible: Vec<String>,
}

impl Units {
    pub(super) fn is_empty(&self) -> bool {
        self.lead.is_empty() && self.cooperating.is_empty() && self.responsible.is_empty()
    }

    pub(super) fn append(&mut self, other: Units) {
        self.lead.extend(other.lead);
        self.cooperating.extend(other.cooperating);
        self.responsible.extend(other.responsible);
    }

    /// A list named without a role: under a "first is lead" rule its first unit leads and the
    /// rest cooperate; otherwise all are responsible.
    pub(super) fn add_roleless(&mut self, list: Vec<String>, first_leads: bool) {
        // "县教育局（牵头）、县科协": the marked units lead, the others cooperate.
        if list.iter().any(|u| LEAD_MARK.is_match(u)) {
            for u in list {
                if LEAD_MARK.is_match(&u) {
                    self.lead.push(unmark(&u));
                } else {
                    self.cooperating.push(u);
                }
            }
            return;
        }
        if first_leads {
            let mut it = list.into_iter();
            self.lead.extend(it.next());
            self.cooperating.extend(it);
        } else {
            self.responsible.extend(list);
        }
    }
}

/// "（牵头）" after a unit's name.
static LEAD_MARK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[(（【]\s*牵头\s*[)）】]").unwrap_or_else(|_| unreachable!("constant regex"))
});

fn unmark(name: &str) -> String {
    LEAD_MARK.replace_all(name, "").trim().to_string()
}

/// Whether the document says that the first unit of a list leads ("排名第一的为牵头单位",
/// "分别由排名第一的责任单位牵头", "排在首位的为牵头单位").
pub(super) fn first_leads(text: &str) -> bool {
    FIRST_LEADS.is_match(text)
}

static FIRST_LEADS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:(?:排名|排序|排列|排位|位列|列|排在|居)\s*(?:第一|首位|第1)[^，,。；;)）]{0,10}牵头)|(?:(?:第一|首)[个家位]?(?:单位|部门)\s*(?:为|是|作为)\s*牵头)",
    )
        .unwrap_or_else(|_| unreachable!("constant regex"))
});

/// The role a keyword names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Lead,
    Cooperating,
    Responsible,
}

static ROLE_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(牵头责任单位|牵头单位|牵头部门|主办单位|主责单位|主责部门|配合单位|配合部门|协办单位|协办部门|参与单位|参与部门|协同单位|协同部门|协作单位|协作部门|支持单位|协助单位|参加单位|责任单位|责任部门|责任主体|负责单位|负责部门|承办单位|实施单位|实施主体|落实单位|工作分工|责任分工|任务分工|职责分工|部门分工|分工|牵头|主办|主责|配合|协办|协同|参与|责任|承办)\s*[:：]",
    )
    .unwrap_or_else(|_| unreachable!("constant regex"))
});

fn role_of(word: &str) -> Role {
    if word.starts_with("牵头") || word.starts_with("主") {
        Role::Lead
    } else if word.starts_with("责任")
        || word.ends_with("分工")
        || word.starts_with("负责")
        || word.starts_with("承办")
        || word.starts_with("实施")
        || word.starts_with("落实")
    {
        Role::Responsible
    } else {
        Role::Cooperating
    }
}

/// The units an item's text assigns. `first_leads`: the document's "first is lead" rule.
pub(super) fn extract(text: &str, first_leads: bool) -> Units {
    // "【牵头单位】县科协【配合单位】县教育局": a role word in square brackets is a label.
    if text.contains(['【', '〔', '['])
        && let Cow::Owned(t) = BRACKETED_ROLE.replace_all(text, "$1：")
    {
        return extract_labelled(&t, first_leads);
    }
    extract_labelled(text, first_leads)
}

static BRACKETED_ROLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[【〔\[]\s*((?:牵头|配合|责任|协办|参与|主办|主责|协同|负责|承办|实施)(?:单位|部门|主体)?)\s*[】〕\]]\s*[:：]?")
        .unwrap_or_else(|_| unreachable!("constant regex"))
});

fn extract_labelled(text: &str, first_leads: bool) -> Units {
    let mut units = Units::default();
    let groups = groups(text);
    let mut inside = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        let Some(content) = text.get(g.open_end..g.close) else {
            continue;
        };
        // "(1)", "(一)", "(a)": too short to name a unit (a name has two characters or more).
        if content.len() < 4 {
            continue;
        }
        let trailing = i + 1 == groups.len() && is_end(text.get(g.close_end..).unwrap_or(""));
        let after_break = text
            .get(..g.open)
            .and_then(|b| b.trim_end().chars().next_back())
            .is_none_or(|c| super::labels::is_break(c) || c == ',' || c == '，');
        if let Some(u) = group_units(content, first_leads, trailing || after_break) {
            units.append(u);
            inside.push((g.open, g.close_end));
        }
    }
    // Role lines outside brackets: "牵头部门:市教育局、团市委" / "配合部门:…".
    let mut found = ROLE_WORD.captures_iter(text).filter_map(|c| {
        let (m, w) = (c.get(0)?, c.get(1)?);
        // Groups are in order and disjoint: the last one opening at or before the match.
        let k = groups.partition_point(|g| g.open <= m.start());
        let in_group = k
            .checked_sub(1)
            .and_then(|k| groups.get(k))
            .is_some_and(|g| m.start() < g.close_end);
        (!in_group).then_some((m.start(), m.end(), role_of(w.as_str())))
    });
    let mut cur = found.next();
    while let Some((_, end, role)) = cur {
        let next = found.next();
        // The list runs to the end of its sentence or line, or to the next role word.
        let limit = next.map_or(text.len(), |(s, _, _)| s);
        let stop = text
            .get(end..limit)
            .and_then(|r| r.find(['。', '；', ';', '\n']))
            .map_or(limit, |k| end + k);
        if let Some(list) = text.get(end..stop) {
            add_list(&mut units, role, list, first_leads, false);
        }
        cur = next;
    }
    if units.is_empty()
        && let Some(u) = closing_sentence(text, first_leads)
    {
        return u;
    }
    units
}

/// Roles in words as the last sentence of a text, without brackets or label: "…开展活动。
/// 市教育局牵头，市科协、团市委配合。" Every clause must be a list of units with its role word,
/// one of them 牵头 or 负责, so that an ordinary sentence never reads as units.
fn closing_sentence(text: &str, first_leads: bool) -> Option<Units> {
    let t = text.trim_end().trim_end_matches(['。', '；', ';', '.']);
    let start = t.rfind(['。', '；', ';', '\n']).map_or(0, |k| {
        k + t
            .get(k..)
            .and_then(|r| r.chars().next())
            .map_or(1, char::len_utf8)
    });
    let last = t.get(start..)?.trim();
    if last.is_empty() || last.chars().count() > 120 {
        return None;
    }
    if !(last.contains("牵头") || last.ends_with("负责")) {
        return None;
    }
    let u = worded(last, first_leads)?;
    // "各地要认真负责" is a sentence: a name with 各 must be a collective name.
    let names = u.lead.iter().chain(&u.cooperating).chain(&u.responsible);
    let plausible = |n: &String| !n.starts_with('各') || crate::units::collective(n).is_some();
    names.clone().all(plausible).then_some(u)
}

/// The units of the list after a role word: roles in words win over the word's own role
/// ("责任单位：由市科协牵头，市教育局等单位参加", "责任单位：由市妇联负责").
fn add_list(units: &mut Units, role: Role, list: &str, first_leads: bool, has_lead: bool) {
    match worded(list, first_leads) {
        Some(u) => units.append(u),
        None => add(units, role, split_units(list), first_leads, has_lead),
    }
}

fn add(units: &mut Units, role: Role, list: Vec<String>, first_leads: bool, has_lead: bool) {
    match role {
        Role::Lead => units.lead.extend(list.iter().map(|u| unmark(u))),
        Role::Cooperating => units.cooperating.extend(list.iter().map(|u| unmark(u))),
        Role::Responsible => units.add_roleless(list, first_leads && !has_lead),
    }
}

/// A bracketed stretch of text, as byte offsets: `(` at `open`, content from `open_end` to
/// `close`, `)` ending at `close_end`.
#[derive(Debug, Clone, Copy)]
struct Group {
    open: usize,
    open_end: usize,
    close: usize,
    close_end: usize,
}

/// The outermost bracket pairs of a text (either width); unbalanced brackets are skipped.
fn groups(text: &str) -> Vec<Group> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut open = (0, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' | '（' | '【' => {
                if depth == 0 {
                    open = (i, i + c.len_utf8());
                }
                depth += 1;
            }
            ')' | '）' | '】' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    out.push(Group {
                        open: open.0,
                        open_end: open.1,
                        close: i,
                        close_end: i + c.len_utf8(),
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether what follows a bracket ends the item: only punctuation and spaces.
fn is_end(rest: &str) -> bool {
    rest.chars()
        .all(|c| c.is_whitespace() || matches!(c, '。' | '；' | ';' | '.' | '，' | ','))
}

/// The units a bracketed clause names, if it is a unit clause. `placed`: the clause stands where
/// unit lists stand (at the end of the item, or after a sentence), which a list without any
/// role word needs in order to count.
fn group_units(content: &str, first_leads: bool, placed: bool) -> Option<Units> {
    let content = content.trim();
    let mut units = Units::default();
    // "牵头单位:X;配合单位:Y", "责任单位:X等,排名第一的为牵头单位,下同".
    let words: Vec<_> = ROLE_WORD
        .captures_iter(content)
        .filter_map(|c| {
            Some((
                c.get(0)?.start(),
                c.get(0)?.end(),
                role_of(c.get(1)?.as_str()),
            ))
        })
        .collect();
    if let Some(&(first, _, _)) = words.first() {
        // Fields before the first role word ("牵头领导：…；") are not units, but a clause
        // that opens with something else is not a unit clause.
        let before = content.get(..first)?.trim();
        if !before.is_empty() && !before.ends_with([';', '；', ',', '，']) {
            return None;
        }
        let has_lead = words.iter().any(|w| w.2 == Role::Lead);
        for (k, &(_, end, role)) in words.iter().enumerate() {
            let stop = words.get(k + 1).map_or(content.len(), |w| w.0);
            let list = content.get(end..stop)?;
            add_list(&mut units, role, list, first_leads, has_lead);
        }
        return (!units.is_empty()).then_some(units);
    }
    // Roles in words: "X牵头,Y配合", "X、Y牵头，Z等按职责分工负责", "区教育局、区科协负责".
    if let Some(u) = worded(content, first_leads) {
        return Some(u);
    }
    // "(市教委、市科技局)", "(各责任单位)": a bare list, only where unit lists stand.
    if !placed {
        return None;
    }
    let list = split_units(content);
    let strong = list
        .iter()
        .any(|u| u.starts_with(['市', '区', '县', '省', '镇', '乡', '各', '团', '州', '旗']));
    if !list.is_empty() && strong && list.iter().all(|u| unit_like(u)) {
        units.add_roleless(list, first_leads);
        return Some(units);
    }
    None
}

/// Words after a list of units that give it a role, longest first.
const LEAD_WORDS: &[&str] = &["牵头负责", "牵头抓总", "牵头实施", "牵头落实", "牵头"];
const COOP_WORDS: &[&str] = &[
    "配合实施",
    "配合落实",
    "共同参与",
    "配合",
    "参与",
    "协助",
    "协同",
    "参加",
];
const RESP_WORDS: &[&str] = &[
    "按职责分工负责",
    "按职责分工落实",
    "按职责负责",
    "分工负责",
    "分别负责",
    "共同负责",
    "负责落实",
    "具体负责",
    "组织实施",
    "负责",
];

/// A clause of roles in words, each part a list of units followed by its role word. The lists
/// after a 牵头 cooperate (whatever their word); without a 牵头 they are responsible.
fn worded(content: &str, first_leads: bool) -> Option<Units> {
    let mut lead = Vec::new();
    let mut coop = Vec::new();
    let mut resp = Vec::new();
    let mut any_word = false;
    for clause in content.split([',', '，', ';', '；']) {
        let clause = clause.trim();
        let clause = clause.strip_prefix('由').unwrap_or(clause);
        if clause.is_empty() {
            continue;
        }
        let ends = |words: &[&str]| {
            words
                .iter()
                .find_map(|w| clause.strip_suffix(w).filter(|l| !l.trim().is_empty()))
        };
        let (list, into) = if let Some(l) = ends(LEAD_WORDS) {
            (l, &mut lead)
        } else if let Some(l) = ends(COOP_WORDS) {
            (l, &mut coop)
        } else if let Some(l) = ends(RESP_WORDS) {
            (l, &mut resp)
        } else {
            (clause, &mut resp)
        };
        let names = split_units(list);
        if names.is_empty() || !names.iter().all(|u| unit_like(u)) {
            return None;
        }
        any_word |= list.len() != clause.len();
        into.extend(names);
    }
    if !any_word {
        return None;
    }
    let mut units = Units::default();
    if lead.is_empty() {
        units.cooperating = coop;
        units.add_roleless(resp, first_leads);
    } else {
        units.lead = lead;
        units.cooperating = coop;
        units.cooperating.extend(resp);
    }
    (!units.is_empty()).then_some(units)
}

/// Split a list of units ("市教育局、团市委、市科协等,排名第一的为牵头单位,下同") into names:
/// riders that are not names are dropped, trailing 等 is removed.
pub(super) fn split_units(list: &str) -> Vec<String> {
    let mut out = Vec::new();
    for chunk in list.split([',', '，', ';', '；', '。', '\n']) {
        if RIDER.is_match(&LEAD_MARK.replace_all(chunk, "")) {
            continue;
        }
        for name in split_outside_brackets(chunk) {
            if let Some(n) = clean_name(name) {
                out.push(n);
            }
        }
    }
    out
}

/// The names of a list separated by 、 / or spaces, but not inside brackets: "各县（市、区）人民政府"
/// is one name.
fn split_outside_brackets(chunk: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut from = 0;
    for (i, c) in chunk.char_indices() {
        match c {
            '(' | '（' => depth += 1,
            ')' | '）' => depth = depth.saturating_sub(1),
            '、' | '/' | '／' | ' ' | '\t' | '\u{3000}' if depth == 0 => {
                out.push(chunk.get(from..i).unwrap_or(""));
                from = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(chunk.get(from..).unwrap_or(""));
    out
}

static RIDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"牵头|下同|排名|排序|排列|第一|首位|配合|分别|按职责|列前")
        .unwrap_or_else(|_| unreachable!("constant regex"))
});

/// A unit's name as written, without surrounding punctuation and a trailing 等 ("市科协等",
/// "市科协等单位"); `None` when nothing is left.
fn clean_name(name: &str) -> Option<String> {
    let mut n = name.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, '、' | ':' | '：' | '.' | '。' | '"' | '“' | '”')
    });
    // Brackets at the ends go only when unbalanced: "各乡镇（街道）" keeps its own.
    loop {
        let t = n
            .strip_prefix(['(', '（'])
            .filter(|t| opens(t) < closes(t) + 1 && !t.contains([')', '）']))
            .or_else(|| {
                n.strip_suffix([')', '）'])
                    .filter(|t| opens(t) <= closes(t))
            });
        match t {
            Some(t) => n = t.trim(),
            None => break,
        }
    }
    for suffix in [
        "等有关单位",
        "等相关单位",
        "等有关部门",
        "等相关部门",
        "等单位",
        "等部门",
        "等",
    ] {
        if n.chars().count() > suffix.chars().count() + 1
            && let Some(s) = n.strip_suffix(suffix)
        {
            n = s.trim_end();
            break;
        }
    }
    (!n.is_empty()).then(|| n.to_string())
}

fn opens(s: &str) -> usize {
    s.chars().filter(|c| matches!(c, '(' | '（')).count()
}

fn closes(s: &str) -> usize {
    s.chars().filter(|c| matches!(c, ')' | '）')).count()
}

/// Whether a name looks like a unit's: the endings of Chinese bodies' names (局, 委, 办, 中心,
/// 协会, 政府, 单位 …) or a collective "各…".
pub(super) fn unit_like(name: &str) -> bool {
    let len = name.chars().count();
    if !(2..=40).contains(&len) {
        return false;
    }
    if name.starts_with("各") {
        return true;
    }
    if len < 3
        || name.starts_with([
            '含', '如', '即', '指', '包', '简', '以', '主', '其', '和', '与',
        ])
    {
        return false;
    }
    const ENDS: &[&str] = &[
        "局",
        "委",
        "办",
        "厅",
        "部",
        "会",
        "院",
        "室",
        "中心",
        "团",
        "队",
        "社",
        "站",
        "所",
        "馆",
        "台",
        "司",
        "行",
        "政府",
        "协",
        "联",
        "处",
        "校",
        "街道",
        "镇",
        "乡",
        "署",
        "区",
        "单位",
        "部门",
        "机构",
        "组织",
        "办事处",
        "基地",
        "组",
        "集团",
        "公司",
        "厂",
        "报",
        "军",
        "庭",
        "科",
        "股",
        "委员会",
        "管委会",
        "领导小组",
    ];
    ENDS.iter().any(|e| name.ends_with(e))
}

/// Whether a paragraph says nothing but which units are in charge ("牵头部门:…",
/// "(责任单位:…)").
pub(super) fn is_units_only(p: &str, first_leads: bool) -> bool {
    let p = p.trim();
    if super::clean::starts_with_role(p) && !p.trim_end_matches(['。', '；', ';']).contains('。')
    {
        return true;
    }
    let groups = groups(p);
    let [g] = groups.as_slice() else {
        return false;
    };
    let before = p.get(..g.open).unwrap_or("").trim();
    let after = p.get(g.close_end..).unwrap_or("");
    before.is_empty()
        && is_end(after)
        && p.get(g.open_end..g.close)
            .and_then(|c| group_units(c, first_leads, true))
            .is_some()
}

/// Whether a paragraph assigns units to a whole action or group of measures by its label
/// ("工作分工：市总工会牵头，市人社局参与。", "责任分工：…"), wherever it stands.
pub(super) fn is_block_line(p: &str) -> bool {
    BLOCK_LINE.is_match(p.trim_start())
}

static BLOCK_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[(（【]?(?:工作|责任|任务|职责|部门)?分工\s*[:：]")
        .unwrap_or_else(|_| unreachable!("constant regex"))
});

/// Where a unit clause that ends the text begins ("…开展活动。（牵头单位：…）"), if one does.
pub(super) fn trailing_clause(text: &str) -> Option<usize> {
    let g = *groups(text).last()?;
    let after = text.get(g.close_end..)?;
    let content = text.get(g.open_end..g.close)?;
    (is_end(after) && group_units(content, false, true).is_some()).then_some(g.open)
}

/// The text without its unit clauses (for a title that would otherwise end in one).
pub(super) fn strip_unit_clauses(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for g in groups(text) {
        let is_units = text
            .get(g.open_end..g.close)
            .and_then(|c| group_units(c, false, is_end(text.get(g.close_end..).unwrap_or(""))))
            .is_some();
        if is_units {
            out.push_str(text.get(last..g.open).unwrap_or(""));
            last = g.close_end;
        }
    }
    out.push_str(text.get(last..).unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn a_responsible_list_under_the_first_is_lead_rule_splits_into_lead_and_cooperating() {
        let text = "激发兴趣。(责任单位:市教育局、团市委、市妇联等,排名第一的为牵头单位,下同)";
        assert!(first_leads(text));
        let u = extract(text, true);
        assert_eq!(u.lead, v(&["市教育局"]));
        assert_eq!(u.cooperating, v(&["团市委", "市妇联"]));
        assert!(u.responsible.is_empty());
    }

    #[test]
    fn without_the_rule_a_responsible_list_is_responsible() {
        let u = extract("加强培训。(责任单位: 市教育局、市科协)", false);
        assert_eq!(u.responsible, v(&["市教育局", "市科协"]));
        assert!(u.lead.is_empty());
    }

    #[test]
    fn a_lead_clause_names_leads() {
        let u = extract("提高决策能力。(牵头单位:市委组织部、市科协)", false);
        assert_eq!(u.lead, v(&["市委组织部", "市科协"]));
    }

    #[test]
    fn role_lines_name_leads_and_cooperating_units() {
        let u = extract(
            "牵头部门:市教育局、团市委\n配合部门:市委宣传部、市妇联",
            false,
        );
        assert_eq!(u.lead, v(&["市教育局", "团市委"]));
        assert_eq!(u.cooperating, v(&["市委宣传部", "市妇联"]));
    }

    #[test]
    fn a_trailing_list_ending_in_fuze_is_responsible() {
        let u = extract("开展活动。（区科协、区教育局、各镇人民政府负责）", false);
        assert_eq!(u.responsible, v(&["区科协", "区教育局", "各镇人民政府"]));
    }

    #[test]
    fn a_bare_trailing_list_after_a_sentence_is_responsible() {
        let u = extract("拓展新空间。(市科协、市经济信息委等)", false);
        assert_eq!(u.responsible, v(&["市科协", "市经济信息委"]));
        let u = extract("精准服务。(各责任单位)", false);
        assert_eq!(u.responsible, v(&["各责任单位"]));
    }

    #[test]
    fn brackets_inside_a_sentence_are_not_units() {
        assert!(extract("依托老年大学（学校、学习点）、社区等", false).is_empty());
        assert!(extract("以新时代文明实践中心(所、站)为阵地。", false).is_empty());
        assert!(extract("加强科普基地建设(含科技馆)。", false).is_empty());
    }

    #[test]
    fn lead_and_cooperating_in_words() {
        let u = extract("组织实施。(市科协牵头,市教育局、市科技局配合)", false);
        assert_eq!(u.lead, v(&["市科协"]));
        assert_eq!(u.cooperating, v(&["市教育局", "市科技局"]));
    }

    #[test]
    fn brackets_inside_a_name_are_kept() {
        let u = extract(
            "开展活动。（责任单位：各乡镇（街道）、县直有关单位）",
            false,
        );
        assert_eq!(u.responsible, v(&["各乡镇（街道）", "县直有关单位"]));
        assert_eq!(split_units("(市科协"), v(&["市科协"]));
    }

    #[test]
    fn a_lead_mark_after_a_name_makes_it_lead() {
        let u = extract(
            "开展活动。（责任单位：县教育局（牵头）、县科协、县妇联）",
            false,
        );
        assert_eq!(u.lead, v(&["县教育局"]));
        assert_eq!(u.cooperating, v(&["县科协", "县妇联"]));
    }

    #[test]
    fn square_brackets_hold_unit_clauses_too() {
        let u = extract("开展活动。【牵头单位：县科协；配合单位：县教育局】", false);
        assert_eq!(u.lead, v(&["县科协"]));
        assert_eq!(u.cooperating, v(&["县教育局"]));
    }

    #[test]
    fn a_field_before_the_role_words_is_skipped() {
        let u = extract("开展活动。（牵头领导：张三；责任单位：县科协）", false);
        assert_eq!(u.responsible, v(&["县科协"]));
    }

    #[test]
    fn a_first_secretary_leading_is_not_the_first_is_lead_rule() {
        assert!(!first_leads("由村党组织第一书记牵头负责"));
        assert!(first_leads("排名第一的为牵头单位"));
        assert!(first_leads("各项任务分别由排名第一的责任单位牵头"));
        assert!(first_leads("第一个单位为牵头单位"));
        assert!(first_leads("排在首位的为牵头单位"));
    }

    #[test]
    fn leads_in_words_and_the_rest_by_their_duties_cooperate() {
        let u = extract(
            "开展活动。（省教育厅、省科协牵头，省科技厅、团省委等按职责分工负责）",
            false,
        );
        assert_eq!(u.lead, v(&["省教育厅", "省科协"]));
        assert_eq!(u.cooperating, v(&["省科技厅", "团省委"]));
        assert!(u.responsible.is_empty());
    }

    #[test]
    fn a_sentence_in_brackets_is_not_a_unit_clause() {
        assert!(extract("开展活动。（由群众自发组织，社区负责提供场地）", false).is_empty());
        assert!(extract("开展活动。（具体办法另行制定）", false).is_empty());
    }

    #[test]
    fn short_role_words_name_roles_too() {
        let u = extract(
            "开展活动。（主办：县科协；协办：县教育局、县文旅局）",
            false,
        );
        assert_eq!(u.lead, v(&["县科协"]));
        assert_eq!(u.cooperating, v(&["县教育局", "县文旅局"]));
        let u = extract("开展活动。（责任主体：各乡镇人民政府）", false);
        assert_eq!(u.responsible, v(&["各乡镇人民政府"]));
    }

    #[test]
    fn deng_inside_a_name_is_kept() {
        assert_eq!(
            split_units("新余学院等院校、团市委"),
            v(&["新余学院等院校", "团市委"])
        );
    }

    #[test]
    fn roles_in_words_closing_the_text_without_brackets_are_units() {
        let u = extract("开展科普活动。市教育局牵头，市科协、团市委配合。", false);
        assert_eq!(u.lead, v(&["市教育局"]));
        assert_eq!(u.cooperating, v(&["市科协", "团市委"]));
        let u = extract("开展科普活动。区科协、区教育局负责。", false);
        assert_eq!(u.responsible, v(&["区科协", "区教育局"]));
    }

    #[test]
    fn an_ordinary_closing_sentence_is_not_units() {
        assert!(extract("开展科普活动。由社区牵头组织居民参与。", false).is_empty());
        assert!(extract("各单位要高度重视，认真负责。", false).is_empty());
        assert!(extract("开展活动。各地要认真负责。", false).is_empty());
    }

    #[test]
    fn a_units_only_paragraph_is_recognised() {
        assert!(is_units_only("(责任单位: 市委组织部、市科协)", false));
        assert!(is_units_only("配合部门:市委宣传部、市妇联", false));
        assert!(!is_units_only("加强培训。(责任单位:市科协)", false));
    }
}
