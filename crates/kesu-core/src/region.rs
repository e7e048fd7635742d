//! Administrative division codes (统计用区划代码, NBS).
//!
//! Codes nest by prefix with a fixed length per level (2/4/6/9/12 digits), so "all regions under
//! X" is "all codes starting with X": the store relies on that for subtree queries.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Level of an administrative division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegionLevel {
    /// 省级, 2 digits
    Province = 1,
    /// 地级, 4 digits
    City = 2,
    /// 县级, 6 digits
    County = 3,
    /// 乡级 (乡镇、街道), 9 digits
    Township = 4,
    /// 村级 (村委会、居委会), 12 digits
    Village = 5,
}

impl RegionLevel {
    /// Number of digits of a code at this level.
    pub fn code_len(self) -> usize {
        match self {
            Self::Province => 2,
            Self::City => 4,
            Self::County => 6,
            Self::Township => 9,
            Self::Village => 12,
        }
    }

    /// The level whose codes have `len` digits.
    pub fn from_code_len(len: usize) -> Option<Self> {
        match len {
            2 => Some(Self::Province),
            4 => Some(Self::City),
            6 => Some(Self::County),
            9 => Some(Self::Township),
            12 => Some(Self::Village),
            _ => None,
        }
    }

    /// 1 (province) to 5 (village).
    pub fn depth(self) -> u8 {
        self as u8
    }

    /// The level from its depth (1–5).
    pub fn from_depth(depth: u8) -> Option<Self> {
        match depth {
            1 => Some(Self::Province),
            2 => Some(Self::City),
            3 => Some(Self::County),
            4 => Some(Self::Township),
            5 => Some(Self::Village),
            _ => None,
        }
    }

    /// The level one step down, if any.
    pub fn child(self) -> Option<Self> {
        Self::from_depth(self.depth() + 1)
    }

    /// Chinese name of the level (省级, 地级, …).
    pub fn zh(self) -> &'static str {
        match self {
            Self::Province => "省级",
            Self::City => "地级",
            Self::County => "县级",
            Self::Township => "乡级",
            Self::Village => "村级",
        }
    }
}

/// A validated region code: 2, 4, 6, 9 or 12 ASCII digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

/// Why a string is not a region code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionCodeError {
    #[error(
        "区划代码“{0}”无效：应为 2、4、6、9 或 12 位数字 (region code must have 2, 4, 6, 9 or 12 digits)"
    )]
    BadLength(String),
    #[error("区划代码“{0}”无效：只能包含数字 (region code must be digits only)")]
    NotDigits(String),
}

impl RegionCode {
    /// Parse and validate a code.
    pub fn parse(s: &str) -> Result<Self, RegionCodeError> {
        let s = s.trim();
        if !s.bytes().all(|b| b.is_ascii_digit()) || s.is_empty() {
            return Err(RegionCodeError::NotDigits(s.to_string()));
        }
        if RegionLevel::from_code_len(s.len()).is_none() {
            return Err(RegionCodeError::BadLength(s.to_string()));
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> RegionLevel {
        // Length is validated in `parse`, so this always matches.
        RegionLevel::from_code_len(self.0.len()).unwrap_or(RegionLevel::Village)
    }

    /// The parent code (one level up), or `None` for a province.
    pub fn parent(&self) -> Option<RegionCode> {
        let level = self.level();
        let up = RegionLevel::from_depth(level.depth().checked_sub(1)?)?;
        Some(Self(self.0.get(..up.code_len())?.to_string()))
    }

    /// All ancestors from the province down, excluding self.
    pub fn ancestors(&self) -> Vec<RegionCode> {
        let mut out = Vec::new();
        let mut cur = self.parent();
        while let Some(c) = cur {
            cur = c.parent();
            out.push(c);
        }
        out.reverse();
        out
    }

    /// Whether `other` is this region or lies below it.
    pub fn contains(&self, other: &RegionCode) -> bool {
        other.0.starts_with(&self.0)
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = RegionCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<RegionCode> for String {
    fn from(c: RegionCode) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn village_code_has_four_ancestors_in_order() {
        let c = RegionCode::parse("431302001001").unwrap();
        let a: Vec<String> = c.ancestors().into_iter().map(String::from).collect();
        assert_eq!(a, ["43", "4313", "431302", "431302001"]);
        assert_eq!(c.level(), RegionLevel::Village);
    }

    #[test]
    fn code_of_wrong_length_is_rejected_with_a_message() {
        let e = RegionCode::parse("43130").unwrap_err();
        assert!(e.to_string().contains("43130"));
    }

    #[test]
    fn subtree_is_a_prefix() {
        let city = RegionCode::parse("4313").unwrap();
        assert!(city.contains(&RegionCode::parse("431302001001").unwrap()));
        assert!(!city.contains(&RegionCode::parse("431402").unwrap()));
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in ".{0,20}") {
            let _ = RegionCode::parse(&s);
        }
    }
}
