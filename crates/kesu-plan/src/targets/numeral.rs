//! Numbers as plans write them: Arabic digits (half- or full-width, with a decimal part and a
//! 万/亿 multiplier) and Chinese numerals (两, 十, 二十万, 一百零五).

/// Whether `c` can be part of a Chinese numeral.
pub(crate) fn is_cn_numeral(c: char) -> bool {
    matches!(
        c,
        '零' | '〇'
            | '一'
            | '二'
            | '两'
            | '三'
            | '四'
            | '五'
            | '六'
            | '七'
            | '八'
            | '九'
            | '十'
            | '百'
            | '千'
            | '万'
            | '亿'
    )
}

fn cn_digit(c: char) -> Option<u64> {
    Some(match c {
        '零' | '〇' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

/// The value of a Chinese numeral such as 十, 两, 二十五, 一百零五, 二十万, 三千五百万.
///
/// `None` when the characters do not form one number: two digits in a row ("十四五", a name;
/// "二〇三五", a year written digit by digit), a bare 百/千/万 with no digit ("千村万户"), or a
/// multiplier out of order.
pub(crate) fn parse_chinese(s: &str) -> Option<f64> {
    // A number must name at least one digit or 十: "万" alone is a word (万人, 万家), not 10000.
    if !s
        .chars()
        .any(|c| cn_digit(c).is_some_and(|d| d > 0) || c == '十')
    {
        return None;
    }
    let mut total: u64 = 0; // completed 亿 and 万 groups
    let mut section: u64 = 0; // the current group below 万
    let mut digit: Option<u64> = None;
    let mut last_small = u64::MAX; // the last 十/百/千 of this group, to keep them in order
    let mut wan_seen = false; // 万 already used since the last 亿
    for c in s.chars() {
        if let Some(d) = cn_digit(c) {
            // Two digits in a row are a name or a year ("十四五", "二〇三五"); 零 only marks a gap.
            if digit.is_some() {
                return None;
            }
            if d > 0 {
                digit = Some(d);
            }
            continue;
        }
        let small = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            _ => 0,
        };
        if small > 0 {
            if small >= last_small {
                return None;
            }
            // 十 may stand alone (十五 = 15); 百 and 千 need a digit (一百).
            let d = match digit.take() {
                Some(d) => d,
                None if small == 10 => 1,
                None => return None,
            };
            section += d * small;
            last_small = small;
            continue;
        }
        let group = section + digit.take().unwrap_or(0);
        if c == '万' {
            if group == 0 || wan_seen {
                return None;
            }
            total = total.checked_add(group * 10_000)?;
            wan_seen = true;
        } else {
            if group == 0 && total == 0 {
                return None;
            }
            total = (total + group).checked_mul(100_000_000)?;
            wan_seen = false;
        }
        section = 0;
        last_small = u64::MAX;
    }
    Some((total + section + digit.unwrap_or(0)) as f64)
}

/// The value of Arabic digits, half- or full-width, with an optional decimal part (`.` or `．`).
pub(crate) fn parse_arabic(s: &str) -> Option<f64> {
    let ascii: String = s
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            _ => c,
        })
        .collect();
    ascii.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Whether `s` is written in Arabic digits (as opposed to Chinese numerals).
pub(crate) fn is_arabic(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
}

/// A number in either script, times the multiplier (万, 亿) written after it.
pub(crate) fn parse_number(digits: &str, multiplier: Option<&str>) -> Option<f64> {
    let base = if is_arabic(digits) {
        parse_arabic(digits)?
    } else {
        parse_chinese(digits)?
    };
    let factor = match multiplier {
        Some("万") => 10_000.0,
        Some("亿") => 100_000_000.0,
        _ => 1.0,
    };
    // 1.5万 = 15000 exactly, not 15000.000000000002
    Some(round6(base * factor))
}

fn round6(v: f64) -> f64 {
    if v.abs() < 1e12 {
        (v * 1e6).round() / 1e6
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numerals_read_as_numbers() {
        for (s, v) in [
            ("一", 1.0),
            ("两", 2.0),
            ("十", 10.0),
            ("十五", 15.0),
            ("二十", 20.0),
            ("二十五", 25.0),
            ("一百", 100.0),
            ("一百零五", 105.0),
            ("三千五百", 3500.0),
            ("二十万", 200_000.0),
            ("一万", 10_000.0),
            ("两万五千", 25_000.0),
            ("三亿", 300_000_000.0),
        ] {
            assert_eq!(parse_chinese(s), Some(v), "{s}");
        }
    }

    #[test]
    fn names_and_digit_by_digit_years_are_not_numbers() {
        for s in [
            "十四五",
            "二〇三五",
            "万",
            "千",
            "百",
            "一一",
            "十十",
            "百十百",
        ] {
            assert_eq!(parse_chinese(s), None, "{s}");
        }
    }

    #[test]
    fn arabic_digits_fold_multipliers() {
        assert_eq!(parse_number("1", Some("万")), Some(10_000.0));
        assert_eq!(parse_number("1.5", Some("万")), Some(15_000.0));
        assert_eq!(parse_number("１０", None), Some(10.0));
        assert_eq!(parse_number("21.1", None), Some(21.1));
    }
}
