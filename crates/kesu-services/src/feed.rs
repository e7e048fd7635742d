//! Which plan targets Kesu's own records answer (指标自动取数): the services' records and the
//! citizens' online tests (竞赛). One [`classify`] decides for every kind of record, so no
//! target is claimed by two feeds (a 竞赛 target's 人次 are the test's attempts, never also
//! check-ins at activities).
//!
//! "注册科技志愿者超过5000人", "科技志愿服务组织超过200个", "累计开展志愿服务活动超过3000次",
//! "认定各级各类科普基地40家以上", "流动科普设施对90%以上乡镇(街道)的活动覆盖", "人均科普经费":
//! when the services run in Kesu, these numbers are counted from what happened, not typed into
//! reports months later. [`classify`] reads a target's unit and words and says which records
//! feed it; the store counts them. A target fed this way takes its actual value from the
//! records; what units report for it is shown beside, never added to it.
//!
//! The reading is deliberately narrow: a target about named campaigns ("科普惠民乡村行等活动"),
//! one kind of event ("进校园巡讲活动") or training (培训…人次) is not fed, because the calendar
//! holds every kind of activity and counting them all would overstate it.
//!
//! 竞赛 (the citizens' online test): "每年组织…网络知识竞赛，参与人次达到10万", "参加科学素质
//! 大赛…人次" are answered by counted attempts ([`Feed::QuizAttempts`]); "举办知识竞赛…场次" by
//! the tests published ([`Feed::QuizTests`]). Only a contest of knowledge (知识竞赛, 网络竞赛/大赛,
//! 科学素质大赛, 答题 for people) is such a test; contests of skills, inventions, works or talks
//! (技能大赛, 科技创新大赛, 机器人竞赛, 科普讲解大赛, 短视频大赛) are not, and are fed by nothing
//! (not by check-ins either). Pass rates (%) and people (人, not 人次) are not fed: the test is a
//! self-selected sample, and one person may take several tests.

use crate::catalogue::BaseLevel;
use kesu_core::Target;
use serde::{Deserialize, Serialize};

/// The records that feed a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "feed", rename_all = "snake_case")]
pub enum Feed {
    /// 注册志愿者 (人/名): volunteers registered by the end of each period (a stock).
    Volunteers,
    /// 志愿服务队/组织 (支/个): teams registered by the end of each period (a stock).
    Teams,
    /// 科普活动 (场次/次): activities held in each period (a count); `mobile` only those of a
    /// 大篷车 or 流动科技馆.
    Activities { mobile: bool },
    /// 志愿服务活动 (次): completed service orders and activities volunteers served at.
    VolunteerServices,
    /// 参与/参加 … 人次: people checked in at activities and bases in each period (a count).
    Participants,
    /// 科普基地 (家/个): bases certified and in force at the end of each period (a stock);
    /// `level` when the target names one (国家级科普教育基地).
    Bases { level: Option<BaseLevel> },
    /// 流动设施 乡镇覆盖 (%): the share of townships a mobile facility's activity reached in
    /// each year.
    TownshipCoverage,
    /// 学分: credits entered in each period (a count).
    Credits,
    /// 科普经费 (元/万元): spent per year, in the target's unit (`per_capita`: per head).
    Funding {
        per_capita: bool,
        ten_thousands: bool,
    },
    /// 竞赛 参与/参加 … 人次: counted (submitted) attempts at the citizens' online tests in each
    /// period, by the citizen's village (a count).
    QuizAttempts,
    /// 竞赛 … 场次/次: tests (竞赛) published, by the day they open and the publishing office's
    /// region (a count).
    QuizTests,
}

impl Feed {
    /// Every feed, for lists and statistics pages.
    pub const ALL: [Feed; 9] = [
        Feed::Volunteers,
        Feed::Teams,
        Feed::Activities { mobile: false },
        Feed::VolunteerServices,
        Feed::Participants,
        Feed::Bases { level: None },
        Feed::TownshipCoverage,
        Feed::Credits,
        Feed::Funding {
            per_capita: false,
            ten_thousands: false,
        },
    ];

    /// The citizens' test feeds (not on the services' statistics page).
    pub const QUIZ: [Feed; 2] = [Feed::QuizAttempts, Feed::QuizTests];

    /// Where the records come from, in words: 服务记录 or 竞赛记录 (shown where a fed value is
    /// explained, in place of 报告).
    pub fn source_zh(self) -> &'static str {
        if self.is_quiz() {
            "竞赛记录"
        } else {
            "服务记录"
        }
    }

    /// The indicators' account of a value (its rule, its explanation), said of this feed's
    /// records rather than of reports: a fed value never comes from a report, and a reader
    /// who sees "3份报告" looks for reports that are not there. `{src}` is [`Feed::source_zh`].
    pub fn explain(self, text: &str) -> String {
        // Longest phrases first; what is left of 报告 after them is the records too.
        const PHRASES: [(&str, &str); 7] = [
            (
                "每个填报来源（单位×地区）取最新一期的数值，再将各来源相加；同一期有多份报告时取最后一份",
                "每个地区取最新一期（期末）的数值，再将各地区相加",
            ),
            ("只计已通过审核的报告", "只计{src}，单位填报另列、不计入"),
            ("已通过报告的数值", "{src}的数值"),
            ("无已通过的报告", "无{src}"),
            ("份报告）", "个地区·季度的{src}）"),
            ("按季度报告", "按季度统计"),
            ("报告", "{src}"),
        ];
        let mut out = text.to_string();
        for (from, to) in PHRASES {
            out = out.replace(from, &to.replace("{src}", self.source_zh()));
        }
        out
    }

    /// Whether the citizens' tests feed it.
    pub fn is_quiz(self) -> bool {
        matches!(self, Feed::QuizAttempts | Feed::QuizTests)
    }

    /// The name used in links (`?feed=volunteers`).
    pub fn key(self) -> &'static str {
        match self {
            Feed::Volunteers => "volunteers",
            Feed::Teams => "teams",
            Feed::Activities { mobile: false } => "activities",
            Feed::Activities { mobile: true } => "mobile_activities",
            Feed::VolunteerServices => "volunteer_services",
            Feed::Participants => "participants",
            Feed::Bases { level: None } => "bases",
            Feed::Bases { level: Some(_) } => "bases_level",
            Feed::TownshipCoverage => "township_coverage",
            Feed::Credits => "credits",
            Feed::Funding {
                per_capita: true, ..
            } => "funding_per_capita",
            Feed::Funding { .. } => "funding",
            Feed::QuizAttempts => "quiz_attempts",
            Feed::QuizTests => "quiz_tests",
        }
    }

    pub fn zh(self) -> String {
        match self {
            Feed::Volunteers => "注册志愿者（人）".into(),
            Feed::Teams => "志愿服务队（支）".into(),
            Feed::Activities { mobile: false } => "科普活动（场次）".into(),
            Feed::Activities { mobile: true } => "流动设施巡展活动（场次）".into(),
            Feed::VolunteerServices => "志愿服务活动（次）".into(),
            Feed::Participants => "活动与参观签到（人次）".into(),
            Feed::Bases { level: None } => "在认定期内的科普基地（家）".into(),
            Feed::Bases { level: Some(l) } => format!("在认定期内的{}科普基地（家）", l.zh()),
            Feed::TownshipCoverage => "流动设施活动覆盖乡镇（%）".into(),
            Feed::Credits => "青少年科普学分（分）".into(),
            Feed::Funding {
                per_capita: true, ..
            } => "人均科普经费支出（元）".into(),
            Feed::Funding {
                ten_thousands: true,
                ..
            } => "科普经费支出（万元）".into(),
            Feed::Funding { .. } => "科普经费支出（元）".into(),
            Feed::QuizAttempts => "网络科学素质测试（竞赛）答题（人次）".into(),
            Feed::QuizTests => "发布的网络科学素质测试（竞赛）（场）".into(),
        }
    }

    /// Whether each period's value is a level at its end (stocks) rather than what happened in
    /// it (counts). Coverage and per-head funding are ratios, one per year.
    pub fn is_stock(self) -> bool {
        matches!(self, Feed::Volunteers | Feed::Teams | Feed::Bases { .. })
    }

    /// Whether the value is a ratio (percent, yuan per head): never summed across regions.
    pub fn is_ratio(self) -> bool {
        matches!(
            self,
            Feed::TownshipCoverage
                | Feed::Funding {
                    per_capita: true,
                    ..
                }
        )
    }
}

fn any(s: &str, words: &[&str]) -> bool {
    words.iter().any(|w| s.contains(w))
}

/// Whether `per` names an entity (每个村, 每所学校) rather than a cadence (每年): entity targets
/// are judged entity by entity, which regional totals cannot answer.
fn per_entity(per: Option<&str>) -> bool {
    per.is_some_and(|p| {
        let p = p.trim();
        !p.is_empty() && !matches!(p, "每年" | "每年度" | "每半年" | "每季度" | "每月")
    })
}

/// A contest of knowledge: what the citizens' online test is.
const KNOWLEDGE_CONTEST: [&str; 6] = [
    "知识竞赛",
    "知识大赛",
    "网络竞赛",
    "网络大赛",
    "素质竞赛",
    "素质大赛",
];

/// Contests that are not tests of knowledge (skills, inventions, works, talks), and training.
const OTHER_CONTEST: [&str; 13] = [
    "技能",
    "创新",
    "创业",
    "机器人",
    "编程",
    "讲解",
    "视频",
    "作品",
    "征文",
    "影像",
    "动漫",
    "辅导员",
    "培训",
];

/// Whether `w` speaks of a contest of any kind.
fn contest(w: &str) -> bool {
    any(w, &["竞赛", "大赛"])
}

/// The citizens' test feed of `w` in `unit`, if its words are about a contest of knowledge.
fn quiz(unit: &str, w: &str) -> Option<Feed> {
    if any(w, &OTHER_CONTEST) {
        return None;
    }
    match unit {
        "人次" if any(w, &KNOWLEDGE_CONTEST) || w.contains("答题") => Some(Feed::QuizAttempts),
        "场次" | "场" | "次" | "期" | "届" if any(w, &KNOWLEDGE_CONTEST) => {
            Some(Feed::QuizTests)
        }
        _ => None,
    }
}

/// The records that feed `t`, read from its own words only.
pub fn classify(t: &Target) -> Option<Feed> {
    classify_in(t, "")
}

/// The clause just before `text` in `context` (the task's text the target was found in), back
/// to the previous comma or sentence break: "每年组织农民科学素质网络知识竞赛，参与人次达到1000
/// 人次以上" gives the target "参与人次达到1000人次以上" and leads with "每年组织农民科学素质网络
/// 知识竞赛". Nothing when `text` is not in `context`, or begins its sentence.
pub fn lead_in<'a>(text: &str, context: &'a str) -> &'a str {
    let text = text.trim();
    let Some(at) = (!text.is_empty()).then(|| context.find(text)).flatten() else {
        return "";
    };
    let before = context[..at].trim_end_matches(['，', ',', ' ']);
    let start = before
        .rfind(['，', ',', '。', '；', ';', '\n'])
        .map_or(0, |i| {
            i + before[i..].chars().next().map_or(1, char::len_utf8)
        });
    &before[start..]
}

/// Whether an indicator names only a measure ("参与人次", "参加人数"), not what is measured:
/// then the clause before the target says what ([`lead_in`]).
fn bare(indicator: &str) -> bool {
    const MEASURE: [&str; 9] = [
        "参与", "参加", "参赛", "人次", "人数", "达到", "累计", "总", "共",
    ];
    let mut rest = indicator.to_string();
    for m in MEASURE {
        rest = rest.replace(m, "");
    }
    rest.trim_matches(|c: char| c.is_whitespace() || c.is_ascii_punctuation())
        .is_empty()
}

/// The records that feed `t`, found in `context` (its task's text). A target whose indicator
/// names only a measure ("参与人次达到10万") is read with the clause just before it, which says
/// of what ("每年组织…网络知识竞赛，"); any other target by its own words alone, so that a
/// neighbouring commitment ("推荐1-2家通过省级评审，认定科普基地40家") never colours it.
pub fn classify_in(t: &Target, context: &str) -> Option<Feed> {
    if per_entity(t.per.as_deref()) {
        return None;
    }
    let unit = t.unit.trim();
    let lead = if bare(&t.indicator) {
        lead_in(&t.text, context)
    } else {
        ""
    };
    let words = format!("{lead} {} {}", t.indicator, t.text);
    let w = words.as_str();
    if let Some(f) = quiz(unit, w) {
        return Some(f);
    }
    match unit {
        "%" | "％"
            if any(w, &["乡镇", "街道"]) && any(w, &["大篷车", "流动"]) && w.contains("覆盖") =>
        {
            Some(Feed::TownshipCoverage)
        }
        "元" | "万元" if w.contains("经费") => Some(Feed::Funding {
            per_capita: w.contains("人均"),
            ten_thousands: unit == "万元",
        }),
        "分" | "学分" if w.contains("学分") => Some(Feed::Credits),
        "人" | "名" if w.contains("志愿者") && !any(w, &["培训", "培育"]) => {
            Some(Feed::Volunteers)
        }
        "支" | "个" | "家" if any(w, &["志愿服务队", "志愿服务组织", "志愿者组织", "志愿组织"]) => {
            Some(Feed::Teams)
        }
        "家" | "个" if any(w, &["科普基地", "科普教育基地"]) => Some(Feed::Bases {
            level: if w.contains("国家级") {
                Some(BaseLevel::National)
            } else if w.contains("省级") {
                Some(BaseLevel::Provincial)
            } else {
                None
            },
        }),
        // A contest's 人次 are its entrants, never check-ins (fed by the test above, or not).
        "人次"
            if any(w, &["参与", "参加", "参观", "受益"]) && !w.contains("培训") && !contest(w) =>
        {
            Some(Feed::Participants)
        }
        "场次" | "场" | "次" if any(w, &["大篷车", "流动科技馆"]) && w.contains("巡展") => {
            Some(Feed::Activities { mobile: true })
        }
        "场次" | "场" | "次" if w.contains("志愿服务活动") => {
            Some(Feed::VolunteerServices)
        }
        "场次" | "场" | "次" if w.contains("科普活动") && !any(w, &["等活动", "进校园"]) => {
            Some(Feed::Activities { mobile: false })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kesu_core::{Comparator, TargetValue};

    fn t(text: &str, indicator: &str, unit: &str, per: Option<&str>) -> Target {
        Target {
            text: text.into(),
            indicator: indicator.into(),
            comparator: Comparator::Gt,
            value: TargetValue::Number(1.0),
            unit: unit.into(),
            year: Some(2025),
            per: per.map(Into::into),
        }
    }

    #[test]
    fn the_seed_plans_service_targets_are_fed() {
        let cases = [
            (
                t(
                    "注册科技（科普）志愿者超过5000人",
                    "注册科技（科普）志愿者",
                    "人",
                    None,
                ),
                Some(Feed::Volunteers),
            ),
            (
                t(
                    "到2025年，全区注册成立的科技志愿服务组织超过200个",
                    "注册成立的科技志愿服务组织",
                    "个",
                    None,
                ),
                Some(Feed::Teams),
            ),
            (
                t("累计开展志愿服务活动超过3000次", "志愿服务活动", "次", None),
                Some(Feed::VolunteerServices),
            ),
            (
                t(
                    "到2025年，认定各级各类科普基地40家以上",
                    "各级各类科普基地",
                    "家",
                    None,
                ),
                Some(Feed::Bases { level: None }),
            ),
            (
                t(
                    "争创1-2家国家级科普教育基地",
                    "国家级科普教育基地",
                    "家",
                    None,
                ),
                Some(Feed::Bases {
                    level: Some(BaseLevel::National),
                }),
            ),
            (
                t(
                    "确保到2025年实现流动科普设施对我市90%以上乡镇(街道)的活动覆盖",
                    "流动科普设施活动覆盖乡镇(街道)比例",
                    "%",
                    None,
                ),
                Some(Feed::TownshipCoverage),
            ),
            (
                t(
                    "邀请中国流动科技馆巡展、省科普大篷车巡展活动不少于10场次",
                    "中国流动科技馆巡展、省科普大篷车巡展活动",
                    "场次",
                    None,
                ),
                Some(Feed::Activities { mobile: true }),
            ),
        ];
        for (target, want) in cases {
            assert_eq!(classify(&target), want, "{}", target.text);
        }
    }

    #[test]
    fn training_named_campaigns_and_per_entity_targets_are_not_fed() {
        let not = [
            t(
                "开展线上线下融合农民教育培训5000人次以上",
                "农民教育培训",
                "人次",
                None,
            ),
            t(
                "开展“科普惠民乡村行”等活动超过30场次",
                "“科普惠民乡村行”等活动",
                "场次",
                None,
            ),
            t(
                "每年开展省科技（科普）志愿服务专家团进校园巡讲活动2场次",
                "进校园巡讲活动",
                "场次",
                Some("每年"),
            ),
            t(
                "每个村至少培育1名创业创新带头人",
                "创业创新带头人",
                "名",
                Some("每个村"),
            ),
            t(
                "公民具备科学素质的比例超过15%",
                "公民具备科学素质的比例",
                "%",
                None,
            ),
        ];
        for target in not {
            assert_eq!(classify(&target), None, "{}", target.text);
        }
    }

    #[test]
    fn funding_credits_and_participants_are_read_from_their_words() {
        assert_eq!(
            classify(&t("人均科普经费达到2元", "人均科普经费", "元", None)),
            Some(Feed::Funding {
                per_capita: true,
                ten_thousands: false
            })
        );
        assert_eq!(
            classify(&t("科普经费投入500万元", "科普经费", "万元", Some("每年"))),
            Some(Feed::Funding {
                per_capita: false,
                ten_thousands: true
            })
        );
        assert_eq!(
            classify(&t("学生获得科普学分10分", "科普学分", "分", None)),
            Some(Feed::Credits)
        );
        assert_eq!(
            classify(&t("参与科普活动10万人次", "参与科普活动", "人次", None)),
            Some(Feed::Participants)
        );
        assert_eq!(
            classify(&t("开展科普活动100场次", "科普活动", "场次", Some("每年"))),
            Some(Feed::Activities { mobile: false })
        );
    }

    #[test]
    fn knowledge_contest_entrants_are_fed_by_the_tests_attempts() {
        let cases = [
            t(
                "每年组织农民科学素质网络知识竞赛，参与人次达到10万",
                "农民科学素质网络知识竞赛参与人次",
                "人次",
                Some("每年"),
            ),
            t(
                "参加重庆市全民科学素质大赛30万人次以上",
                "全民科学素质大赛",
                "人次",
                None,
            ),
            t(
                "定期举办公民科学素质网络大赛，参与5万人次",
                "公民科学素质网络大赛",
                "人次",
                None,
            ),
            t(
                "中学生防灾减灾知识竞赛参与2000人次",
                "防灾减灾知识竞赛",
                "人次",
                None,
            ),
            t("参与科普答题活动1万人次", "科普答题", "人次", None),
        ];
        for target in cases {
            assert_eq!(
                classify(&target),
                Some(Feed::QuizAttempts),
                "{}",
                target.text
            );
        }
    }

    #[test]
    fn knowledge_contests_held_are_fed_by_the_tests_published() {
        let cases = [
            t(
                "每年举办农民科学素质网络知识竞赛2场次",
                "农民科学素质网络知识竞赛",
                "场次",
                Some("每年"),
            ),
            t(
                "办好第三届重庆市全民科学素质大赛，共3届",
                "全民科学素质大赛",
                "届",
                None,
            ),
            t("开展网络竞赛4次", "网络竞赛", "次", None),
        ];
        for target in cases {
            assert_eq!(classify(&target), Some(Feed::QuizTests), "{}", target.text);
        }
    }

    #[test]
    fn the_clause_before_a_target_in_its_sentence_says_what_is_counted() {
        let task = "加强农民科普。每年组织农民科学素质网络知识竞赛，参与人次达到1000人次以上；\
            组织群众参加科普活动，参与人次达到5000人次以上。";
        let quiz_target = t("参与人次达到1000人次以上", "参与人次", "人次", Some("每年"));
        let checkins = t("参与人次达到5000人次以上", "参与人次", "人次", None);
        assert_eq!(
            lead_in(&quiz_target.text, task),
            "每年组织农民科学素质网络知识竞赛"
        );
        assert_eq!(classify_in(&quiz_target, task), Some(Feed::QuizAttempts));
        assert_eq!(classify_in(&checkins, task), Some(Feed::Participants));
        // Alone, the words name no contest.
        assert_eq!(classify(&quiz_target), Some(Feed::Participants));
        assert_eq!(lead_in("不在其中", task), "");
        assert_eq!(lead_in("加强农民科普", task), "");
    }

    #[test]
    fn a_target_that_names_what_it_counts_is_not_coloured_by_its_neighbour() {
        let task = "深化省级科普教育基地创建活动，每年力争推荐1-2家通过省级评审，\
            到2025年，认定各级各类科普基地40家以上。";
        let bases = t(
            "到2025年，认定各级各类科普基地40家以上",
            "各级各类科普基地",
            "家",
            None,
        );
        assert_eq!(classify_in(&bases, task), Some(Feed::Bases { level: None }));
        let task = "举办网络知识竞赛2场，参与科普活动1000人次。";
        let activities = t("参与科普活动1000人次", "参与科普活动", "人次", None);
        assert_eq!(classify_in(&activities, task), Some(Feed::Participants));
    }

    #[test]
    fn other_contests_training_and_pass_rates_are_not_fed_by_the_tests() {
        let not = [
            // The seeds' 人次 targets are all training.
            t(
                "开展线上线下融合农民教育培训5000人次以上",
                "农民教育培训",
                "人次",
                None,
            ),
            t(
                "培训农业从业人员1万人次以上",
                "培训农业从业人员",
                "人次",
                None,
            ),
            t(
                "开展职业技能培训及技能等级认定300人次",
                "职业技能培训及技能等级认定",
                "人次",
                None,
            ),
            // Contests that are not tests of knowledge, neither by the test nor by check-ins.
            t(
                "参加青少年科技创新大赛5000人次",
                "青少年科技创新大赛",
                "人次",
                None,
            ),
            t(
                "举办农民技能大赛、乡土人才创新创业大赛3场",
                "农民技能大赛",
                "场",
                None,
            ),
            t("开展科普讲解大赛2场次", "科普讲解大赛", "场次", None),
            t(
                "组织参加全国青少年机器人竞赛1000人次",
                "机器人竞赛",
                "人次",
                None,
            ),
            t("知识竞赛培训骨干200人次", "知识竞赛培训骨干", "人次", None),
            // A pass rate is of a self-selected sample; people are not 人次.
            t("网络知识竞赛合格率达到80%", "网络知识竞赛合格率", "%", None),
            t("参加网络知识竞赛1万人", "网络知识竞赛参赛人数", "人", None),
            // Judged village by village: regional totals cannot answer it.
            t(
                "每个村每年组织1次知识竞赛",
                "知识竞赛",
                "次",
                Some("每个村"),
            ),
        ];
        for target in not {
            let f = classify(&target);
            assert!(
                !matches!(
                    f,
                    Some(Feed::QuizAttempts | Feed::QuizTests | Feed::Participants)
                ),
                "{}: {f:?}",
                target.text
            );
        }
    }

    #[test]
    fn activity_participants_stay_with_the_check_ins() {
        assert_eq!(
            classify(&t(
                "组织群众参加科普活动1000人次以上",
                "参加科普活动",
                "人次",
                None
            )),
            Some(Feed::Participants)
        );
    }

    #[test]
    fn a_fed_value_names_where_it_comes_from() {
        assert_eq!(Feed::QuizAttempts.source_zh(), "竞赛记录");
        assert_eq!(Feed::Participants.source_zh(), "服务记录");
        assert!(
            Feed::QUIZ
                .iter()
                .all(|f| f.is_quiz() && !Feed::ALL.contains(f))
        );
    }

    #[test]
    fn a_fed_explanation_speaks_of_records_not_reports() {
        let text = "总量（人次）：将范围内各期已通过报告的数值相加；整个规划期。只计已通过审核的报告；\
            没有数据时显示“无数据”，不按0计。\n实际值 12人次（3份报告），目标 ≥10万人次。";
        let out = Feed::QuizAttempts.explain(text);
        assert!(!out.contains("报告"), "{out}");
        assert!(out.contains("各期竞赛记录的数值相加"), "{out}");
        assert!(out.contains("（3个地区·季度的竞赛记录）"), "{out}");
        let stock = "每个填报来源（单位×地区）取最新一期的数值，再将各来源相加；同一期有多份报告时取最后一份";
        let out = Feed::Volunteers.explain(stock);
        assert!(!out.contains("报告") && !out.contains("单位×地区"), "{out}");
    }

    #[test]
    fn stocks_and_ratios_are_told_apart() {
        assert!(Feed::Volunteers.is_stock());
        assert!(!Feed::Participants.is_stock());
        assert!(Feed::TownshipCoverage.is_ratio());
    }
}
