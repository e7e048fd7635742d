//! Masks: what a person sees instead of a personal value (GB/T 35273-2020 7.2 展示限制). There is
//! no national pattern; practice keeps the first 3 and last 4 characters of an ID number, 3 + 4
//! digits of a phone number, and the first (and last) character of a name.

/// `430***********1234`: the first 3 and last 4 characters, a star for each one hidden. Shorter
/// values (not valid IDs, but masks must never leak) keep only their last character.
pub fn id_number(value: &str) -> String {
    keep_ends(value, 3, 4)
}

/// `138****5678`: the first 3 and last 4 digits.
pub fn phone(value: &str) -> String {
    keep_ends(value, 3, 4)
}

/// `张*` for two characters, `张*三` for three, `欧**锋` for four: first and last kept, except
/// that a two-character name keeps only its first (else it would be shown whole).
pub fn name(value: &str) -> String {
    let chars: Vec<char> = value.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".to_string(),
        2 => format!("{}*", chars[0]),
        n => {
            let mut s = String::new();
            s.push(chars[0]);
            s.extend(std::iter::repeat_n('*', n - 2));
            s.push(chars[n - 1]);
            s
        }
    }
}

/// Anything else personal: every character but the last hidden.
pub fn other(value: &str) -> String {
    let n = value.chars().count();
    if n <= 1 {
        return "*".repeat(n);
    }
    let last = value.chars().last().map(String::from).unwrap_or_default();
    format!("{}{}", "*".repeat(n - 1), last)
}

fn keep_ends(value: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = value.trim().chars().collect();
    let n = chars.len();
    if n < head + tail + 2 {
        // Too short to keep both ends and still hide something: hide all but the last.
        return other(&chars.iter().collect::<String>());
    }
    let mut s: String = chars[..head].iter().collect();
    s.extend(std::iter::repeat_n('*', n - head - tail));
    s.extend(&chars[n - tail..]);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_number_keeps_three_and_four() {
        assert_eq!(id_number("430102199001011234"), "430***********1234");
    }

    #[test]
    fn a_phone_keeps_three_and_four() {
        assert_eq!(phone("13800135678"), "138****5678");
    }

    #[test]
    fn names_keep_the_first_and_the_last_of_three_or_more() {
        assert_eq!(name("张三"), "张*");
        assert_eq!(name("张小三"), "张*三");
        assert_eq!(name("欧阳小锋"), "欧**锋");
        assert_eq!(name("张"), "*");
    }

    #[test]
    fn short_values_never_show_whole() {
        assert_eq!(id_number("1234"), "***4");
        assert_eq!(phone("12"), "*2");
        assert_eq!(other(""), "");
    }
}
