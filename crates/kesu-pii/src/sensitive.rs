//! [`Sensitive`]: a personal value that cannot be printed, logged or serialised in clear by
//! accident. `Debug`, `Display` and `Serialize` give the mask; [`Sensitive::expose`] is the one
//! explicit way to the value (for encryption, or a reveal that has been authorised and audited).

use crate::mask;
use serde::{Serialize, Serializer};
use zeroize::Zeroize;

/// What kind of value it is: decides the mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 身份证号
    IdNumber,
    /// 手机号
    Phone,
    /// 姓名
    Name,
    /// anything else personal
    Other,
}

#[derive(Clone, PartialEq, Eq)]
pub struct Sensitive {
    kind: Kind,
    value: String,
}

impl Sensitive {
    pub fn new(kind: Kind, value: impl Into<String>) -> Self {
        Self {
            kind,
            value: value.into(),
        }
    }

    pub fn id_number(value: impl Into<String>) -> Self {
        Self::new(Kind::IdNumber, value)
    }

    pub fn phone(value: impl Into<String>) -> Self {
        Self::new(Kind::Phone, value)
    }

    pub fn name(value: impl Into<String>) -> Self {
        Self::new(Kind::Name, value)
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The mask (`430***********1234`, `138****5678`, `张*三`).
    pub fn masked(&self) -> String {
        match self.kind {
            Kind::IdNumber => mask::id_number(&self.value),
            Kind::Phone => mask::phone(&self.value),
            Kind::Name => mask::name(&self.value),
            Kind::Other => mask::other(&self.value),
        }
    }

    /// The value in clear. Call it only to encrypt, to index, or to show a reveal that was
    /// authorised and audited.
    pub fn expose(&self) -> &str {
        &self.value
    }
}

impl std::fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sensitive({:?}, {})", self.kind, self.masked())
    }
}

impl std::fmt::Display for Sensitive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

impl Serialize for Sensitive {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.masked())
    }
}

impl Drop for Sensitive {
    fn drop(&mut self) {
        self.value.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_display_and_json_are_masked() {
        let s = Sensitive::id_number("430102199001011234");
        assert_eq!(format!("{s}"), "430***********1234");
        assert_eq!(format!("{s:?}"), "Sensitive(IdNumber, 430***********1234)");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"430***********1234\"");
        assert_eq!(s.expose(), "430102199001011234");
    }

    #[test]
    fn a_struct_holding_one_is_masked_too() {
        #[derive(Debug, Serialize)]
        struct Person {
            phone: Sensitive,
        }
        let p = Person {
            phone: Sensitive::phone("13800135678"),
        };
        assert!(!format!("{p:?}").contains("13800135678"));
        assert!(!serde_json::to_string(&p).unwrap().contains("13800135678"));
    }
}
