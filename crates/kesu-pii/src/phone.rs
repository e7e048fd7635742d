//! 手机号: a mainland mobile number, eleven digits starting with 1 and a second digit 3–9.
//! Written forms people use (`+86 138-0013-8000`, `0086…`, full-width digits) are normalised.

use crate::error::{PiiError, Result};
use crate::mask;

/// A checked mobile number. `Debug` is masked.
#[derive(Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(s: &str) -> Result<Phone> {
        let digits: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '(' | ')' | '+'))
            .map(|c| match c {
                '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
                c => c,
            })
            .collect();
        let national = if digits.len() == 15 && digits.starts_with("0086") {
            &digits[4..]
        } else if digits.len() == 13 && digits.starts_with("86") {
            &digits[2..]
        } else {
            &digits[..]
        };
        let b = national.as_bytes();
        if b.len() != 11 || !b.iter().all(u8::is_ascii_digit) || b[0] != b'1' || b[1] < b'3' {
            return Err(PiiError::Phone);
        }
        Ok(Phone(national.to_string()))
    }

    /// The eleven digits: the form that is encrypted and indexed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`.
    pub fn masked(&self) -> String {
        mask::phone(&self.0)
    }
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

impl Drop for Phone {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_forms_normalise_to_eleven_digits() {
        for s in [
            "13800135678",
            "138 0013 5678",
            "+86 138-0013-5678",
            "008613800135678",
        ] {
            assert_eq!(Phone::parse(s).unwrap().as_str(), "13800135678", "{s}");
        }
    }

    #[test]
    fn landlines_and_short_numbers_are_refused() {
        for s in [
            "0731-8888888",
            "1380013567",
            "12800135678",
            "1380013567a",
            "",
        ] {
            assert_eq!(Phone::parse(s), Err(PiiError::Phone), "{s}");
        }
    }

    #[test]
    fn debug_is_masked() {
        assert_eq!(
            format!("{:?}", Phone::parse("13800135678").unwrap()),
            "Phone(138****5678)"
        );
    }
}
