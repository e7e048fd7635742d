//! Citizens' personal data in the services: bookers', volunteers' and pupils' names and phones.
//!
//! PIPL and GB/T 35273: such values are encrypted at rest, found again only through a keyed
//! blind index, and shown masked (`138****5678`, `张*三`) on every page, export, log line and
//! audit row. Phones and masks are the shared personal-data crate's (`kesu_pii`); this module
//! adds names, and the [`Sealer`] trait through which the use cases encrypt (implemented over
//! the installation's key ring by `kesu_app::services::personal`).

use crate::error::{Result, ServicesError};

/// Which personal field a value is: part of the associated data of its ciphertext and of the
/// blind-index key, so that a phone's ciphertext cannot be passed off as a name and the
/// services' indexes cannot be joined with another module's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// 姓名
    Name,
    /// 手机号
    Phone,
    /// 身份证号
    IdNumber,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "services.name",
            Field::Phone => "services.phone",
            Field::IdNumber => "services.id_number",
        }
    }
}

/// Encryption at rest and blind indexes. Implementations are keyed; this crate never sees a key.
pub trait Sealer: Send + Sync {
    /// The ciphertext of `plain` (fresh nonce each time: equal values give different bytes).
    fn seal(&self, field: Field, plain: &str) -> Result<Vec<u8>>;
    /// The plain value back; fails on a ciphertext of another field or another key.
    fn open(&self, field: Field, sealed: &[u8]) -> Result<String>;
    /// A keyed, deterministic index of a normalised value (equal values, equal indexes).
    fn blind(&self, field: Field, normalised: &str) -> String;
}

/// A personal value ready to store: the ciphertext, its mask for lists, and (for phones) the
/// blind index used to find the person's other bookings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub sealed: Vec<u8>,
    pub masked: String,
    pub blind: Option<String>,
}

/// A mainland mobile number (`+86 138-1234-5678`, full-width digits …): its 11 digits.
pub fn normalise_phone(input: &str) -> Result<String> {
    kesu_pii::Phone::parse(input)
        .map(|p| p.as_str().to_string())
        .map_err(|_| {
            ServicesError::invalid(
                "phone",
                "手机号应为 11 位数字，以 1 开头 (a mobile number has 11 digits)",
            )
        })
}

/// A person's name: 1–30 characters, no digits or control characters.
pub fn normalise_name(input: &str) -> Result<String> {
    let name: String = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(ServicesError::invalid(
            "name",
            "请填写姓名 (name is required)",
        ));
    }
    if name.chars().count() > 30 {
        return Err(ServicesError::invalid(
            "name",
            "姓名不能超过 30 个字 (name is too long)",
        ));
    }
    if name.chars().any(|c| c.is_control() || c.is_ascii_digit()) {
        return Err(ServicesError::invalid(
            "name",
            "姓名不能含数字或控制字符 (name has digits or control characters)",
        ));
    }
    Ok(name)
}

/// `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    kesu_pii::mask::phone(phone)
}

/// `张*`, `张*三`, `欧**锋`.
pub fn mask_name(name: &str) -> String {
    kesu_pii::mask::name(name)
}

/// Seal a name: ciphertext and mask (names are not indexed: two people share a name).
pub fn seal_name(s: &dyn Sealer, name: &str) -> Result<Sealed> {
    let name = normalise_name(name)?;
    Ok(Sealed {
        sealed: s.seal(Field::Name, &name)?,
        masked: mask_name(&name),
        blind: None,
    })
}

/// Seal a phone: ciphertext, mask and blind index.
pub fn seal_phone(s: &dyn Sealer, phone: &str) -> Result<Sealed> {
    let phone = normalise_phone(phone)?;
    Ok(Sealed {
        sealed: s.seal(Field::Phone, &phone)?,
        masked: mask_phone(&phone),
        blind: Some(s.blind(Field::Phone, &phone)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_hide_the_middle() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳修文"), "欧**文");
    }

    #[test]
    fn phones_are_normalised_and_checked() {
        assert_eq!(normalise_phone("+86 138-1234-5678").unwrap(), "13812345678");
        assert!(normalise_phone("23812345678").is_err());
        assert!(normalise_phone("12812345678").is_err());
        assert!(normalise_phone("1381234567").is_err());
        assert!(normalise_phone("1381234567x").is_err());
    }

    #[test]
    fn names_are_trimmed_and_refuse_digits() {
        assert_eq!(normalise_name("  张  三 ").unwrap(), "张 三");
        assert!(normalise_name("张3").is_err());
        assert!(normalise_name("").is_err());
    }
}
