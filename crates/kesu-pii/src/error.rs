//! The one error type of the personal-data crate. Messages never contain the value they are
//! about: they say what is wrong with it, so they can be shown, logged and stored safely.

pub type Result<T, E = PiiError> = std::result::Result<T, E>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PiiError {
    #[error("身份证号应为18位，现为{0}位 (an ID number has 18 characters)")]
    IdLength(usize),
    #[error("身份证号前17位应为数字，末位为数字或X (ID number: digits, last one may be X)")]
    IdCharacters,
    #[error("身份证号校验位不符 (ID number check digit does not match, GB 11643)")]
    IdChecksum,
    #[error("身份证号前两位不是有效的省级行政区划代码 (ID number: unknown province prefix)")]
    IdRegion,
    #[error("身份证号中的出生日期无效 (ID number: invalid birth date)")]
    IdBirthDate,
    #[error("身份证号中的出生日期晚于今天 (ID number: birth date in the future)")]
    IdBirthInFuture,
    #[error("填写的出生日期与身份证号不一致 (birth date differs from the ID number)")]
    BirthDateMismatch,
    #[error("填写的性别与身份证号不一致 (sex differs from the ID number)")]
    SexMismatch,
    #[error("手机号应为以1开头的11位数字 (a mobile number has 11 digits starting with 1)")]
    Phone,
    #[error("密钥文件无效：{0} (invalid key file)")]
    KeyFile(String),
    #[error("未知的密钥编号 {0} (unknown key id)")]
    UnknownKey(u16),
    #[error("密文格式无效 (malformed ciphertext)")]
    Malformed,
    #[error("解密失败：密钥不符或数据被改动 (decryption failed: wrong key or tampered data)")]
    Decrypt,
    #[error("无法取得随机数 (no randomness available)")]
    Random,
}
