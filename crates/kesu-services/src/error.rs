//! The one error type of the services' rules. Every variant names what is wrong in words a
//! citizen or an office clerk understands (Chinese, with the English gist); `field` names the
//! form field or JSON member when there is one.

pub type Result<T> = std::result::Result<T, ServicesError>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServicesError {
    /// A value is missing or malformed (a blank name, a phone that is not 11 digits).
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The request is well formed but the rules refuse it now (a full slot, a step by the
    /// wrong party, a check-in at the wrong time). The reason is one of a closed set so that a
    /// client can react to it.
    #[error("{message}")]
    Refused { reason: Reason, message: String },
}

impl ServicesError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }

    pub fn refused(reason: Reason, message: impl Into<String>) -> Self {
        Self::Refused {
            reason,
            message: message.into(),
        }
    }

    /// The refusal reason, when the rules refused.
    pub fn reason(&self) -> Option<Reason> {
        match self {
            Self::Refused { reason, .. } => Some(*reason),
            Self::Invalid { .. } => None,
        }
    }
}

/// Why the rules refused: a closed set, stable in the API (`"already_checked_in"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The slot or activity has no places left.
    Full,
    /// The slot, activity or booking is closed to this (not yet open, already started, ended).
    WrongTime,
    /// The booking or activity was cancelled.
    Cancelled,
    /// The booking has been checked in already (a second scan of the same code).
    AlreadyCheckedIn,
    /// The booking waits for its approval (a school group).
    NotApproved,
    /// The code belongs to another activity or base.
    WrongPlace,
    /// The state of the object does not allow the step (an order that is not waiting for it).
    WrongState,
    /// The caller is not the party that owns the step.
    WrongParty,
    /// The person may not book now (too many no-shows).
    Banned,
    /// A limit of the rules (people per booking, a term's credit cap) would be exceeded.
    Limit,
}

impl Reason {
    /// The reason in a few Chinese words, for screens.
    pub fn zh(self) -> &'static str {
        match self {
            Reason::Full => "名额已满",
            Reason::WrongTime => "不在可办理时间内",
            Reason::Cancelled => "已取消",
            Reason::AlreadyCheckedIn => "已签到",
            Reason::NotApproved => "尚未审核通过",
            Reason::WrongPlace => "不是本场活动或本基地的预约",
            Reason::WrongState => "当前状态不能办理",
            Reason::WrongParty => "不是该环节的办理方",
            Reason::Banned => "暂停预约",
            Reason::Limit => "超过限额",
        }
    }

    /// The stable machine name (`"already_checked_in"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Full => "full",
            Reason::WrongTime => "wrong_time",
            Reason::Cancelled => "cancelled",
            Reason::AlreadyCheckedIn => "already_checked_in",
            Reason::NotApproved => "not_approved",
            Reason::WrongPlace => "wrong_place",
            Reason::WrongState => "wrong_state",
            Reason::WrongParty => "wrong_party",
            Reason::Banned => "banned",
            Reason::Limit => "limit",
        }
    }
}

/// A text field that must hold something, at most `max` characters, trimmed.
pub fn required_text(field: &'static str, label: &str, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ServicesError::invalid(
            field,
            format!("请填写{label} ({field} is required)"),
        ));
    }
    optional_text(field, label, v, max)
}

/// A text field that may be empty, at most `max` characters, trimmed; control characters are
/// refused (they break exports and logs).
pub fn optional_text(field: &'static str, label: &str, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(ServicesError::invalid(
            field,
            format!("{label}不能超过 {max} 个字 ({field} is too long)"),
        ));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(ServicesError::invalid(
            field,
            format!("{label}含有控制字符 ({field} has control characters)"),
        ));
    }
    Ok(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_required_field_is_named() {
        let e = required_text("name", "姓名", "  ", 20).unwrap_err();
        assert!(matches!(e, ServicesError::Invalid { field: "name", .. }));
        assert!(e.to_string().contains("姓名"));
    }

    #[test]
    fn text_is_trimmed_and_bounded_in_characters_not_bytes() {
        assert_eq!(required_text("n", "名称", " 科技馆 ", 3).unwrap(), "科技馆");
        assert!(required_text("n", "名称", "科技馆A", 3).is_err());
        assert!(optional_text("n", "备注", "a\u{0}b", 10).is_err());
    }
}
