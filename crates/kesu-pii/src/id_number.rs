//! 居民身份证号 (citizen ID number) by GB 11643-1999: six digits of the address code (the first
//! two a province), eight of the birth date, three of the sequence (odd for men, even for
//! women) and a check character (ISO 7064 MOD 11-2: `0`–`9` or `X`).

use crate::error::{PiiError, Result};
use crate::mask;
use time::{Date, Month};

/// 性别, as coded by the sequence digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Sex {
    /// 男
    Male,
    /// 女
    Female,
}

impl Sex {
    /// `男`/`女` (also `M`/`F`, `male`/`female`) as written in sheets and forms.
    pub fn parse(s: &str) -> Option<Sex> {
        match s.trim() {
            "男" | "M" | "m" | "male" | "Male" => Some(Sex::Male),
            "女" | "F" | "f" | "female" | "Female" => Some(Sex::Female),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

/// A checked ID number. `Debug` is masked; the full value is only given by [`IdNumber::as_str`].
#[derive(Clone, PartialEq, Eq)]
pub struct IdNumber {
    value: String,
    birth: Date,
    sex: Sex,
}

/// The province-level codes (GB/T 2260) an ID number may start with: 31 provinces, Taiwan, Hong
/// Kong and Macao (residence permits since 2018 use 81, 82, 83).
const PROVINCES: [u8; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [u8; 11] = *b"10X98765432";

/// The check character of the first 17 digits (ISO 7064 MOD 11-2).
pub fn check_character(first17: &[u8; 17]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize]
}

impl IdNumber {
    /// Checks `s` (spaces around it ignored, a lower-case `x` accepted) and derives birth date
    /// and sex. `today` refuses birth dates in the future.
    pub fn parse(s: &str, today: Date) -> Result<IdNumber> {
        let value = normalise(s);
        let bytes = value.as_bytes();
        let len = value.chars().count();
        if len != 18 {
            return Err(PiiError::IdLength(len));
        }
        if !bytes[..17].iter().all(u8::is_ascii_digit)
            || !(bytes[17].is_ascii_digit() || bytes[17] == b'X')
        {
            return Err(PiiError::IdCharacters);
        }
        let mut first17 = [0u8; 17];
        first17.copy_from_slice(&bytes[..17]);
        if check_character(&first17) != bytes[17] {
            return Err(PiiError::IdChecksum);
        }
        let province = two_digits(&bytes[0..2]) as u8;
        if !PROVINCES.contains(&province) {
            return Err(PiiError::IdRegion);
        }
        let year = two_digits(&bytes[6..8]) * 100 + two_digits(&bytes[8..10]);
        let month =
            Month::try_from(two_digits(&bytes[10..12]) as u8).map_err(|_| PiiError::IdBirthDate)?;
        let day = two_digits(&bytes[12..14]) as u8;
        let birth =
            Date::from_calendar_date(year as i32, month, day).map_err(|_| PiiError::IdBirthDate)?;
        if year < 1900 {
            return Err(PiiError::IdBirthDate);
        }
        if birth > today {
            return Err(PiiError::IdBirthInFuture);
        }
        let sex = if (bytes[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        };
        Ok(IdNumber { value, birth, sex })
    }

    /// The full 18 characters (upper-case `X`): the form that is encrypted and indexed.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    pub fn birth_date(&self) -> Date {
        self.birth
    }

    pub fn sex(&self) -> Sex {
        self.sex
    }

    /// The first six digits: the address code where the number was first issued (not
    /// necessarily where the person lives now).
    pub fn address_code(&self) -> &str {
        &self.value[..6]
    }

    /// Age in whole years on `date`.
    pub fn age_on(&self, date: Date) -> i32 {
        let mut age = date.year() - self.birth.year();
        if (date.month() as u8, date.day()) < (self.birth.month() as u8, self.birth.day()) {
            age -= 1;
        }
        age
    }

    /// Compares what a person entered with what the number says; `None` is not compared.
    pub fn check_entered(&self, birth: Option<Date>, sex: Option<Sex>) -> Result<()> {
        if birth.is_some_and(|b| b != self.birth) {
            return Err(PiiError::BirthDateMismatch);
        }
        if sex.is_some_and(|s| s != self.sex) {
            return Err(PiiError::SexMismatch);
        }
        Ok(())
    }

    /// `430***********1234`.
    pub fn masked(&self) -> String {
        mask::id_number(&self.value)
    }
}

impl std::fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

impl Drop for IdNumber {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.value);
    }
}

/// Spaces removed, full-width digits and `Ｘ` folded, `x` upper-cased: the one form that is
/// encrypted and indexed, so that the same number always gives the same blind index.
pub fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            'x' | 'Ｘ' | 'ｘ' => 'X',
            c => c,
        })
        .collect()
}

fn two_digits(b: &[u8]) -> u32 {
    u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0')
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 07);

    #[test]
    fn the_standards_example_is_valid_with_birth_and_sex() {
        // The example of GB 11643-1999 itself.
        let id = IdNumber::parse("11010519491231002X", TODAY).unwrap();
        assert_eq!(id.birth_date(), date!(1949 - 12 - 31));
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.address_code(), "110105");
    }

    #[test]
    fn a_lower_case_x_and_spaces_are_normalised() {
        let id = IdNumber::parse(" 11010519491231002x ", TODAY).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn a_wrong_check_digit_is_refused() {
        assert_eq!(
            IdNumber::parse("110105194912310021", TODAY),
            Err(PiiError::IdChecksum)
        );
    }

    #[test]
    fn fifteen_digit_numbers_are_refused_by_length() {
        assert_eq!(
            IdNumber::parse("110105491231002", TODAY),
            Err(PiiError::IdLength(15))
        );
    }

    #[test]
    fn an_unknown_province_is_refused() {
        assert_eq!(
            IdNumber::parse(&with_check("99010519491231002"), TODAY),
            Err(PiiError::IdRegion)
        );
    }

    #[test]
    fn an_impossible_or_future_birth_date_is_refused() {
        assert_eq!(
            IdNumber::parse(&with_check("43010219900230123"), TODAY),
            Err(PiiError::IdBirthDate)
        );
        assert_eq!(
            IdNumber::parse(&with_check("43010220300101123"), TODAY),
            Err(PiiError::IdBirthInFuture)
        );
    }

    #[test]
    fn entered_birth_date_and_sex_are_compared() {
        let id = IdNumber::parse(&with_check("43010219900101123"), TODAY).unwrap();
        assert_eq!(id.sex(), Sex::Male);
        assert!(
            id.check_entered(Some(date!(1990 - 01 - 01)), Some(Sex::Male))
                .is_ok()
        );
        assert_eq!(
            id.check_entered(Some(date!(1990 - 01 - 02)), None),
            Err(PiiError::BirthDateMismatch)
        );
        assert_eq!(
            id.check_entered(None, Some(Sex::Female)),
            Err(PiiError::SexMismatch)
        );
    }

    #[test]
    fn age_counts_whole_years() {
        let id = IdNumber::parse(&with_check("43010219900615123"), TODAY).unwrap();
        assert_eq!(id.age_on(date!(2020 - 06 - 14)), 29);
        assert_eq!(id.age_on(date!(2020 - 06 - 15)), 30);
    }

    #[test]
    fn debug_never_shows_the_number() {
        let id = IdNumber::parse("11010519491231002X", TODAY).unwrap();
        assert_eq!(format!("{id:?}"), "IdNumber(110***********002X)");
    }

    fn with_check(first17: &str) -> String {
        let mut a = [0u8; 17];
        a.copy_from_slice(first17.as_bytes());
        format!("{first17}{}", check_character(&a) as char)
    }
}
