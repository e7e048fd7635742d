//! The five key groups (重点人群) of the 纲要: which group a task serves.
//!
//! Plans arrange their actions by group ("（一）青少年科学素质提升行动", "（二）农民…"), but the
//! stored task keeps only its numbering, title and text. A task is classified by the group words
//! in its title, then in its text; a task with none takes the group most of its section's
//! classified tasks have (the section is the numbering without its last label, e.g. `二.(一)`), so
//! "建设科普网站" under the 青少年 action counts for 青少年. Tasks of the projects (工程) that
//! name no group stay unclassified.

use serde::Serialize;
use std::collections::HashMap;

/// A key group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyGroup {
    Youth,
    Farmers,
    Workers,
    Elderly,
    Officials,
}

impl KeyGroup {
    pub const ALL: [KeyGroup; 5] = [
        KeyGroup::Youth,
        KeyGroup::Farmers,
        KeyGroup::Workers,
        KeyGroup::Elderly,
        KeyGroup::Officials,
    ];

    /// 青少年 / 农民 / 产业工人和城市劳动者 / 老年人 / 领导干部和公务员.
    pub fn zh(self) -> &'static str {
        match self {
            KeyGroup::Youth => "青少年",
            KeyGroup::Farmers => "农民",
            KeyGroup::Workers => "产业工人和城市劳动者",
            KeyGroup::Elderly => "老年人",
            KeyGroup::Officials => "领导干部和公务员",
        }
    }

    /// The key in URLs: `youth`, `farmers`, …
    pub fn key(self) -> &'static str {
        match self {
            KeyGroup::Youth => "youth",
            KeyGroup::Farmers => "farmers",
            KeyGroup::Workers => "workers",
            KeyGroup::Elderly => "elderly",
            KeyGroup::Officials => "officials",
        }
    }

    pub fn from_key(k: &str) -> Option<KeyGroup> {
        KeyGroup::ALL.into_iter().find(|g| g.key() == k)
    }

    /// Words that name the group, most specific first.
    fn words(self) -> &'static [&'static str] {
        match self {
            KeyGroup::Youth => &[
                "青少年",
                "未成年",
                "中小学",
                "学生",
                "少年",
                "儿童",
                "校园",
                "学校",
                "科技辅导员",
                "科学教育",
                "高等教育",
                "高校",
                "教师",
            ],
            KeyGroup::Farmers => &["农民", "高素质农民", "农村", "乡村", "农业", "涉农", "农技"],
            KeyGroup::Workers => &[
                "产业工人",
                "城镇劳动者",
                "城市劳动者",
                "劳动者",
                "职工",
                "工匠",
                "技能人才",
                "职业技能",
                "技能",
                "农民工",
            ],
            KeyGroup::Elderly => &["老年", "老龄", "银龄", "长者"],
            KeyGroup::Officials => &["领导干部", "公务员", "干部", "党校", "行政学院"],
        }
    }
}

/// The group named first (earliest) in `text`; 农民工 is a worker, not a farmer.
fn named_in(text: &str) -> Option<KeyGroup> {
    let mut best: Option<(usize, usize, KeyGroup)> = None;
    for g in KeyGroup::ALL {
        for w in g.words() {
            if let Some(pos) = text.find(w) {
                // Earliest mention wins; at the same place the longer word (农民工 over 农民).
                let key = (pos, usize::MAX - w.len(), g);
                if best.is_none_or(|b| (key.0, key.1) < (b.0, b.1)) {
                    best = Some(key);
                }
            }
        }
    }
    best.map(|b| b.2)
}

/// A task as the classifier sees it.
#[derive(Debug, Clone)]
pub struct TaskText<'a> {
    /// `二.(一).2.(7)`.
    pub path: &'a str,
    pub title: &'a str,
    pub body: Option<&'a str>,
}

fn section(path: &str) -> &str {
    path.rsplit_once('.').map_or("", |(s, _)| s)
}

/// The key group of each task (`None`: no group), in the order given.
pub fn classify(tasks: &[TaskText<'_>]) -> Vec<Option<KeyGroup>> {
    let own: Vec<Option<KeyGroup>> = tasks
        .iter()
        .map(|t| named_in(t.title).or_else(|| t.body.and_then(named_in)))
        .collect();
    // Votes per section at every depth (二.(一).2 and 二.(一)).
    let mut votes: HashMap<&str, HashMap<KeyGroup, usize>> = HashMap::new();
    for (t, g) in tasks.iter().zip(&own) {
        if let Some(g) = g {
            let mut s = section(t.path);
            while !s.is_empty() {
                *votes.entry(s).or_default().entry(*g).or_default() += 1;
                s = section(s);
            }
        }
    }
    tasks
        .iter()
        .zip(own)
        .map(|(t, g)| {
            g.or_else(|| {
                let mut s = section(t.path);
                // Stop above the action level (二.(一)): the whole part (二) mixes groups.
                while s.contains('.') {
                    if let Some(v) = votes.get(s) {
                        let mut best: Vec<(&KeyGroup, &usize)> = v.iter().collect();
                        best.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
                        if let Some((g, _)) = best.first() {
                            return Some(**g);
                        }
                    }
                    s = section(s);
                }
                None
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t<'a>(path: &'a str, title: &'a str) -> TaskText<'a> {
        TaskText {
            path,
            title,
            body: None,
        }
    }

    #[test]
    fn a_task_naming_a_group_belongs_to_it() {
        let g = classify(&[
            t("二.(一).1", "提升基础教育阶段科学教育水平"),
            t("二.(二).1", "实施高素质农民培育计划"),
            t("二.(三).1", "开展技能人才培训"),
            t("二.(四).1", "实施银龄科普行动"),
            t("二.(五).1", "加强领导干部和公务员科学素质培训"),
        ]);
        assert_eq!(
            g,
            [
                Some(KeyGroup::Youth),
                Some(KeyGroup::Farmers),
                Some(KeyGroup::Workers),
                Some(KeyGroup::Elderly),
                Some(KeyGroup::Officials)
            ]
        );
    }

    #[test]
    fn migrant_workers_are_workers_not_farmers() {
        assert_eq!(
            classify(&[t("1", "开展农民工技能培训")]),
            [Some(KeyGroup::Workers)]
        );
    }

    #[test]
    fn a_task_without_group_words_takes_its_sections_group() {
        let g = classify(&[
            t("二.(一).2.(1)", "加强科学家精神的宣传教育"),
            t("二.(一).2.(2)", "提升基础教育阶段科学教育水平"),
            t("二.(一).2.(3)", "推进中小学科技辅导员队伍建设"),
        ]);
        assert_eq!(g, [Some(KeyGroup::Youth); 3]);
    }

    #[test]
    fn a_project_task_naming_no_group_stays_unclassified() {
        let g = classify(&[t("三.(一).1", "建设科普信息化平台")]);
        assert_eq!(g, [None]);
    }
}
