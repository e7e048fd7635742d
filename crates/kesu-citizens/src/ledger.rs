//! The dynamic ledger of citizens with scientific literacy (具备科学素质公民动态台账): who is in it
//! (by key group), on what basis, how entries move between villages and leave, and how long
//! personal data is kept.

use crate::error::{CitizensError, Result};
use crate::table::{Columns, RowError};
use kesu_core::region::{RegionCode, RegionLevel};
use kesu_pii::{IdNumber, Phone, Sensitive};
use serde::{Deserialize, Serialize};
use time::Date;

/// 重点人群 (and 其他 for everyone else).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyGroup {
    /// 青少年
    Youth,
    /// 农民
    Farmers,
    /// 产业工人 (城镇劳动者)
    Workers,
    /// 老年人
    Elderly,
    /// 领导干部和公务员
    Officials,
    /// 其他
    Other,
}

impl KeyGroup {
    pub const ALL: [KeyGroup; 6] = [
        KeyGroup::Youth,
        KeyGroup::Farmers,
        KeyGroup::Workers,
        KeyGroup::Elderly,
        KeyGroup::Officials,
        KeyGroup::Other,
    ];

    pub fn zh(self) -> &'static str {
        match self {
            KeyGroup::Youth => "青少年",
            KeyGroup::Farmers => "农民",
            KeyGroup::Workers => "产业工人",
            KeyGroup::Elderly => "老年人",
            KeyGroup::Officials => "领导干部和公务员",
            KeyGroup::Other => "其他",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            KeyGroup::Youth => "youth",
            KeyGroup::Farmers => "farmers",
            KeyGroup::Workers => "workers",
            KeyGroup::Elderly => "elderly",
            KeyGroup::Officials => "officials",
            KeyGroup::Other => "other",
        }
    }

    /// The Chinese names (and common variants) or the English codes.
    pub fn parse(s: &str) -> Option<KeyGroup> {
        let s = s.trim();
        KeyGroup::ALL
            .into_iter()
            .find(|g| g.as_str() == s || g.zh() == s)
            .or(match s {
                "学生" | "青少年学生" => Some(KeyGroup::Youth),
                "城镇劳动者" | "城市劳动者" | "产业工人和城镇劳动者" => {
                    Some(KeyGroup::Workers)
                }
                "领导干部" | "公务员" => Some(KeyGroup::Officials),
                "老人" => Some(KeyGroup::Elderly),
                _ => None,
            })
    }
}

/// What an entry rests on (入账依据).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Basis {
    /// A passed online test attempt, with its score.
    Test { attempt_id: i64, score: f64 },
    /// A survey respondent who consented to be entered.
    Survey { wave_id: i64 },
    /// A village's sheet, with the document it rests on (a 文号, a register's name).
    Import { document: String },
}

impl Basis {
    pub fn kind(&self) -> BasisKind {
        match self {
            Basis::Test { .. } => BasisKind::Test,
            Basis::Survey { .. } => BasisKind::Survey,
            Basis::Import { .. } => BasisKind::Import,
        }
    }

    /// One line for screens: "测试合格（85 分）", "问卷调查（同意入账）", "村台账导入：…".
    pub fn describe(&self) -> String {
        match self {
            Basis::Test { score, .. } => format!("网络测试合格（{score} 分）"),
            Basis::Survey { .. } => "素质调查受访者（本人同意）".to_string(),
            Basis::Import { document } => format!("村（社区）台账导入：{document}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BasisKind {
    Test,
    Survey,
    Import,
}

impl BasisKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BasisKind::Test => "test",
            BasisKind::Survey => "survey",
            BasisKind::Import => "import",
        }
    }

    pub fn parse(s: &str) -> Option<BasisKind> {
        match s {
            "test" => Some(BasisKind::Test),
            "survey" => Some(BasisKind::Survey),
            "import" => Some(BasisKind::Import),
            _ => None,
        }
    }

    /// How long an entry on this basis counts, and how long its personal data is kept once the
    /// entry has ended. A test or survey result is evidence of literacy for the five-year plan
    /// period it falls in; a village sheet as long as its document. Records of processing are
    /// kept three years (PIPL Art 56 asks for at least three).
    pub fn retention(self) -> Retention {
        match self {
            BasisKind::Test | BasisKind::Survey | BasisKind::Import => Retention {
                valid_years: 5,
                keep_after_end_years: 3,
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Retention {
    pub valid_years: i32,
    pub keep_after_end_years: i32,
}

/// `date` plus whole years (29 February becomes 28 February in a common year).
pub fn add_years(date: Date, years: i32) -> Date {
    let y = date.year() + years;
    Date::from_calendar_date(y, date.month(), date.day())
        .or_else(|_| Date::from_calendar_date(y, date.month(), 28))
        .unwrap_or(date)
}

/// 移出原因.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemovalReason {
    /// 迁出 (left the region; a move to another village is a [`MoveState`] instead)
    MovedAway,
    /// 死亡
    Deceased,
    /// 有效期满 (the basis is older than its retention)
    Expired,
}

impl RemovalReason {
    pub fn zh(self) -> &'static str {
        match self {
            RemovalReason::MovedAway => "迁出",
            RemovalReason::Deceased => "死亡",
            RemovalReason::Expired => "有效期满",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RemovalReason::MovedAway => "moved_away",
            RemovalReason::Deceased => "deceased",
            RemovalReason::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<RemovalReason> {
        [
            RemovalReason::MovedAway,
            RemovalReason::Deceased,
            RemovalReason::Expired,
        ]
        .into_iter()
        .find(|r| r.as_str() == s || r.zh() == s)
    }
}

/// A move of an entry to another village: requested by the village it is in, accepted (or
/// rejected) by the receiving one; the requester may cancel while it is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MoveState {
    Requested,
    Accepted,
    Rejected,
    Cancelled,
}

/// What a village does to a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveAction {
    Accept,
    Reject,
    Cancel,
}

impl MoveAction {
    pub const ALL: [MoveAction; 3] = [MoveAction::Accept, MoveAction::Reject, MoveAction::Cancel];

    /// `accept`, `reject`, `cancel` (as forms send them).
    pub fn parse(s: &str) -> Option<MoveAction> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MoveAction::Accept => "accept",
            MoveAction::Reject => "reject",
            MoveAction::Cancel => "cancel",
        }
    }

    /// The button's label: 接收, 拒绝, 撤回.
    pub fn zh(self) -> &'static str {
        match self {
            MoveAction::Accept => "接收",
            MoveAction::Reject => "拒绝",
            MoveAction::Cancel => "撤回申请",
        }
    }
}

/// Which side of a move the caller is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveSide {
    /// The village the entry is in (or an office above it only).
    From,
    /// The receiving village (or an office above it only).
    To,
    /// An office covering both.
    Both,
}

impl MoveState {
    pub fn as_str(self) -> &'static str {
        match self {
            MoveState::Requested => "requested",
            MoveState::Accepted => "accepted",
            MoveState::Rejected => "rejected",
            MoveState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<MoveState> {
        [
            MoveState::Requested,
            MoveState::Accepted,
            MoveState::Rejected,
            MoveState::Cancelled,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            MoveState::Requested => "待接收",
            MoveState::Accepted => "已接收",
            MoveState::Rejected => "已拒绝",
            MoveState::Cancelled => "已撤回",
        }
    }

    /// The state after `action` by `side`, or why it is not allowed.
    /// What `side` may do to a move in this state (the buttons a page shows): nothing once
    /// it is closed.
    pub fn actions(self, side: MoveSide) -> Vec<MoveAction> {
        MoveAction::ALL
            .into_iter()
            .filter(|a| self.apply(*a, side).is_ok())
            .collect()
    }

    pub fn apply(self, action: MoveAction, side: MoveSide) -> Result<MoveState> {
        if self != MoveState::Requested {
            return Err(CitizensError::Rule(format!(
                "迁移申请已{}，不能再处理 (the move is closed)",
                self.zh()
            )));
        }
        match (action, side) {
            (MoveAction::Accept, MoveSide::To | MoveSide::Both) => Ok(MoveState::Accepted),
            (MoveAction::Reject, MoveSide::To | MoveSide::Both) => Ok(MoveState::Rejected),
            (MoveAction::Cancel, MoveSide::From | MoveSide::Both) => Ok(MoveState::Cancelled),
            (MoveAction::Cancel, MoveSide::To) => Err(CitizensError::Rule(
                "只有申请方可以撤回 (only the requesting village cancels)".into(),
            )),
            (_, MoveSide::From) => Err(CitizensError::Rule(
                "只有接收方可以接收或拒绝 (only the receiving village accepts or rejects)".into(),
            )),
        }
    }
}

/// Checks a move request: to another village (a 12-digit code).
pub fn check_move(from: &RegionCode, to: &RegionCode) -> Result<()> {
    if to.level() != RegionLevel::Village {
        return Err(CitizensError::Rule(
            "只能迁往村（社区），请选择 12 位村级代码 (moves go to a village)".into(),
        ));
    }
    if from == to {
        return Err(CitizensError::Rule(
            "迁入村与所在村相同 (same village)".into(),
        ));
    }
    Ok(())
}

/// The columns of a ledger import: 姓名, 身份证号, 手机号, 村(社区)代码, 人群, 依据, 日期.
pub const LEDGER_COLUMNS: [(&[&str], bool); 7] = [
    (&["姓名"], true),
    (&["身份证号", "身份证号码", "公民身份号码"], true),
    (&["手机号", "手机号码", "联系电话"], true),
    (
        &["村(社区)代码", "村代码", "社区代码", "村（社区）代码"],
        true,
    ),
    (&["人群", "重点人群"], true),
    (&["依据", "入账依据"], true),
    (&["日期", "入账日期"], true),
];

/// One checked row of a ledger import. Personal fields are [`Sensitive`] or checked types whose
/// `Debug` is masked.
#[derive(Debug)]
pub struct LedgerRow {
    pub row: u32,
    pub name: Sensitive,
    pub id_number: IdNumber,
    /// 手机号 may be left empty.
    pub phone: Option<Phone>,
    pub village: RegionCode,
    pub group: KeyGroup,
    pub document: String,
    pub date: Date,
}

/// Checks one row (cells as located by [`LEDGER_COLUMNS`]). Errors name the column and never
/// contain the personal value.
pub fn parse_ledger_row(
    row: u32,
    cols: &Columns,
    cells: &[String],
    today: Date,
) -> Result<LedgerRow, Vec<RowError>> {
    let mut errors = Vec::new();
    let name = cols.get(cells, 0);
    if let Err(e) = check_name(name) {
        errors.push(RowError::new(row, "姓名", e));
    }
    let id = IdNumber::parse(cols.get(cells, 1), today)
        .map_err(|e| errors.push(RowError::new(row, "身份证号", e.to_string())))
        .ok();
    let raw_phone = cols.get(cells, 2);
    let phone = if raw_phone.is_empty() {
        None
    } else {
        Phone::parse(raw_phone)
            .map_err(|e| errors.push(RowError::new(row, "手机号", e.to_string())))
            .ok()
    };
    let village = match RegionCode::parse(cols.get(cells, 3)) {
        Ok(c) if c.level() == RegionLevel::Village => Some(c),
        Ok(_) => {
            errors.push(RowError::new(
                row,
                "村(社区)代码",
                "应为 12 位村级代码 (a 12-digit village code)",
            ));
            None
        }
        Err(e) => {
            errors.push(RowError::new(row, "村(社区)代码", e.to_string()));
            None
        }
    };
    let group = KeyGroup::parse(cols.get(cells, 4));
    if group.is_none() {
        errors.push(RowError::new(
            row,
            "人群",
            "应为 青少年、农民、产业工人、老年人、领导干部和公务员 或 其他 (key group)",
        ));
    }
    let document = cols.get(cells, 5).to_string();
    if document.is_empty() {
        errors.push(RowError::new(
            row,
            "依据",
            "不能为空：请写明所依据的文件或台账 (the document the entry rests on)",
        ));
    } else if document.chars().count() > 200 {
        errors.push(RowError::new(
            row,
            "依据",
            "不超过 200 字 (at most 200 characters)",
        ));
    }
    let date = parse_date(cols.get(cells, 6));
    match date {
        None => errors.push(RowError::new(
            row,
            "日期",
            "应为日期，如 2025-06-30 (a date)",
        )),
        Some(d) if d > today => errors.push(RowError::new(row, "日期", "晚于今天 (in the future)")),
        _ => {}
    }
    match (id, village, group, date) {
        (Some(id_number), Some(village), Some(group), Some(date)) if errors.is_empty() => {
            Ok(LedgerRow {
                row,
                name: Sensitive::name(name.trim()),
                id_number,
                phone,
                village,
                group,
                document,
                date,
            })
        }
        _ => Err(errors),
    }
}

/// A person's name: 1–30 characters, no digits (a column mix-up would put an ID here).
pub fn check_name(name: &str) -> Result<(), &'static str> {
    let n = name.trim().chars().count();
    if n == 0 {
        return Err("不能为空 (required)");
    }
    if n > 30 {
        return Err("不超过 30 个字 (at most 30 characters)");
    }
    if name.chars().any(|c| c.is_ascii_digit()) {
        return Err("不能含数字 (no digits in a name)");
    }
    Ok(())
}

/// `2025-06-30`, `2025/6/30`, `2025.6.30` or `2025年6月30日`.
pub fn parse_date(s: &str) -> Option<Date> {
    let parts: Vec<&str> = s
        .trim()
        .trim_end_matches('日')
        .split(['-', '/', '.', '年', '月'])
        .collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}
