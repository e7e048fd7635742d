//! Personal data in a respondents file (个人信息): the estimate needs no names, ID numbers or
//! phones, so a file with such columns is refused and they are never stored (PIPL).

use crate::error::{Result, SurveyError};

/// Whether a column name looks like it holds a name, an ID number or a phone number.
pub fn is_personal_column(name: &str) -> bool {
    let n = name.trim().to_lowercase();
    const EXACT: &[&str] = &[
        "name",
        "id_number",
        "idnumber",
        "id_no",
        "idcard",
        "id_card",
    ];
    const PARTS: &[&str] = &[
        "姓名",
        "名字",
        "身份证",
        "证件号",
        "手机",
        "电话",
        "phone",
        "mobile",
        "tel",
        "full_name",
        "fullname",
        "surname",
        "given_name",
    ];
    EXACT.contains(&n.as_str()) || PARTS.iter().any(|p| n.contains(p))
}

/// Refuse the respondents file `file` when its `header` has columns that look like names, ID
/// numbers or phones, naming them.
pub fn refuse_personal(file: &str, header: &[String]) -> Result<()> {
    let personal: Vec<&str> = header
        .iter()
        .filter(|h| is_personal_column(h))
        .map(String::as_str)
        .collect();
    if personal.is_empty() {
        return Ok(());
    }
    Err(SurveyError::Setup(format!(
        "{file}: 列 {} 像是姓名、身份证号或电话；导入调查不需要也不保存个人信息，请删除这些列后再导入 (personal data columns refused; remove them)",
        personal.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_id_numbers_and_phones_are_personal_in_chinese_and_english() {
        for c in [
            "姓名",
            "身份证号",
            "手机号码",
            "Phone",
            " name ",
            "ID_CARD",
            "联系电话",
        ] {
            assert!(is_personal_column(c), "{c}");
        }
    }

    #[test]
    fn design_and_domain_columns_are_not_personal() {
        for c in [
            "region",
            "stratum",
            "psu",
            "weight",
            "literate",
            "sex",
            "age_group",
        ] {
            assert!(!is_personal_column(c), "{c}");
        }
    }

    #[test]
    fn a_file_with_a_name_column_is_refused_naming_the_file_and_the_column() {
        let header: Vec<String> = ["region", "姓名", "literate"].map(String::from).to_vec();
        let e = refuse_personal("a.csv", &header).unwrap_err();
        assert!(!e.is_data_error());
        let m = e.to_string();
        assert!(m.starts_with("a.csv: 列 姓名 "), "{m}");
    }

    #[test]
    fn a_file_without_personal_columns_passes() {
        let header: Vec<String> = ["region", "literate"].map(String::from).to_vec();
        assert!(refuse_personal("a.csv", &header).is_ok());
    }
}
