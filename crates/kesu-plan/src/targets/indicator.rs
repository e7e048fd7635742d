//! What a target counts or measures: the short noun phrase next to its number.
//!
//! Two shapes: "配备1名科技辅导员" (a counting verb, then the number, then the counted noun)
//! and "公民具备科学素质的比例超过15%" / "培育农村创业创新带头人1000名以上" (the subject, then
//! the number). The words around the noun that are not the noun (years, 每 phrases, 全市,
//! 力争, 开展, 均) are dropped.

use super::lexicon::{self, ends_with_any, starts_with_any};
use super::{LazyLock, Regex, re, squeeze, strip_label};

/// A leading deadline or period: 到2025年, 2025年目标:, “十四五”时期.
static YEAR_LEAD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:力争|确保|争取|预计)?(?:截止到|截至|截止|到|至|在)?(?:(?:19|20)[0-9]{2}年(?:底|末|前)?(?:目标)?|“?十[一二三四五六七八九]五”?(?:规划)?(?:时期|期间|期末|末|期)?)[:：，,]?",
    )
});

/// A leading scope: 全市, 我区, 本县, 各县市区, "市、各县市区".
static SCOPE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:(?:全|我|本|各)(?:县市区|县区|区县|乡镇|[省市县区乡镇村])(?:[(（][^)）]{0,12}[)）])?[、和及]?|[省市县区][、和及])+",
    )
});

/// A comparison with an earlier level that follows the noun: 较2020年, 比上年.
static COMPARED_WITH: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:较|比)(?:(?:19|20)[0-9]{2}年(?:底|末)?|上年|去年|上一年|基期)"));

/// Drop, repeatedly, what is not the noun at the start and end of `s`.
fn clean(s: &str) -> String {
    let mut t: &str = s;
    // "注册用户数较2020年增长": the noun ends where the comparison starts.
    if let Some(m) = COMPARED_WITH.find(t) {
        t = &t[..m.start()];
    }
    loop {
        let before = t.len();
        t = strip_label(t);
        if let Some(m) = YEAR_LEAD.find(t) {
            t = &t[m.end()..];
        }
        if let Some(p) = super::per_at(t, 0) {
            t = &t[p.end..];
        }
        if let Some(m) = SCOPE.find(t) {
            t = &t[m.end()..];
        }
        if let Some(w) = starts_with_any(t, lexicon::LEADING_NOISE)
            && t.len() > w.len()
        {
            t = &t[w.len()..];
        }
        t = t.trim_start_matches(['，', ',', '：', ':', '、']);
        if t.len() == before {
            break;
        }
    }
    loop {
        let before = t.len();
        if let Some(w) = ends_with_any(t, lexicon::TRAILING_NOISE) {
            t = &t[..t.len() - w.len()];
        }
        if let Some(w) = ends_with_any(t, lexicon::AT_LEAST_ADVERBS) {
            t = &t[..t.len() - w.len()];
        }
        t = t.trim_end_matches(['，', ',', '：', ':', '、']);
        if t.len() == before {
            break;
        }
    }
    t.to_string()
}

/// The noun after the number: "1个以上有一定规模的综合性科普活动场所" → 综合性科普活动场所.
fn noun_after(after: &str) -> String {
    let mut t = after.trim_start_matches('的');
    // A note in brackets after the noun is not part of it.
    if let Some(i) = t.find(['(', '（'])
        && i > 0
        && t.ends_with([')', '）'])
    {
        t = &t[..i];
    }
    if let Some(i) = t.rfind('的') {
        let tail = &t[i + '的'.len_utf8()..];
        if !tail.is_empty() {
            t = tail;
        }
    }
    t.to_string()
}

/// The indicator of a number whose clause reads `before` + number + `after`: the noun after the
/// number when a counting verb precedes it ("配备1名科技辅导员"), else the subject before it
/// ("科技志愿服务组织超过200个"). `None` when neither side names anything ("到2025年超过15%").
pub(super) fn indicator(before: &str, after: &str) -> Option<String> {
    let before = squeeze(before);
    let after = squeeze(after);
    let subject = clean(&before);
    let object = noun_after(&after);
    let raw = before.trim_end_matches(['，', ',']);
    let counting = ends_with_any(raw, lexicon::COUNTING_VERBS).is_some()
        || ends_with_any(raw, lexicon::AT_LEAST_ADVERBS).is_some()
        || raw.ends_with('、')
        || subject.is_empty();
    let pick = if counting && !object.is_empty() {
        object
    } else if !subject.is_empty() {
        subject
    } else {
        object
    };
    (!pick.is_empty()).then_some(pick)
}

/// The subject of a clause that states a level without a number ("公民具备科学素质的比例稳定在
/// 全省平均水平以上"): the words before its predicate.
pub(super) fn subject(clause: &str) -> Option<String> {
    let mut t = clean(&squeeze(clause));
    let cut = lexicon::PREDICATES
        .iter()
        .filter_map(|p| t.find(p))
        .filter(|&i| i > 0)
        .min();
    if let Some(i) = cut {
        t.truncate(i);
        t = clean(&t);
    }
    (!t.is_empty()).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_words_are_dropped() {
        assert_eq!(
            clean("市、各县市区公民具备科学素质的比例均"),
            "公民具备科学素质的比例"
        );
        assert_eq!(clean("全区技能人才"), "技能人才");
        assert_eq!(
            clean("市区科技志愿服务专家团成员"),
            "市区科技志愿服务专家团成员"
        );
    }

    #[test]
    fn years_and_modal_words_are_dropped() {
        assert_eq!(
            clean("2025年目标:我市公民具备科学素质的比例"),
            "公民具备科学素质的比例"
        );
        assert_eq!(
            clean("确保全面完成全市公民具备科学素质的比例"),
            "公民具备科学素质的比例"
        );
    }
}
