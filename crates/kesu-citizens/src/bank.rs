//! The question bank (题库), read from a workbook with the columns 题号, 题干, 选项A–选项E, 答案,
//! 题型 (单选/多选/判断), 基准 (1–26 of 《中国公民科学素质基准》), 维度 (知识/方法/精神与思想/应用)
//! and 难度. Every bad row is named with its column and reason; a bank with any bad row is
//! refused whole.

use crate::error::{CitizensError, Result};
use crate::table::{self, Columns, Limits, RowError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// 维度: the four parts of the national test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// 科学知识
    Knowledge,
    /// 科学方法
    Method,
    /// 科学精神与思想
    Spirit,
    /// 科学应用 (解决问题的能力)
    Application,
}

impl Dimension {
    pub const ALL: [Dimension; 4] = [
        Dimension::Knowledge,
        Dimension::Method,
        Dimension::Spirit,
        Dimension::Application,
    ];

    pub fn zh(self) -> &'static str {
        match self {
            Dimension::Knowledge => "知识",
            Dimension::Method => "方法",
            Dimension::Spirit => "精神与思想",
            Dimension::Application => "应用",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Knowledge => "knowledge",
            Dimension::Method => "method",
            Dimension::Spirit => "spirit",
            Dimension::Application => "application",
        }
    }

    /// `知识`/`科学知识`, `方法`, `精神与思想`/`科学精神`, `应用`, or the English names.
    pub fn parse(s: &str) -> Option<Dimension> {
        let s = s.trim().trim_start_matches("科学");
        match s {
            "知识" | "knowledge" => Some(Dimension::Knowledge),
            "方法" | "method" => Some(Dimension::Method),
            "精神与思想" | "精神和思想" | "精神" | "思想" | "spirit" => {
                Some(Dimension::Spirit)
            }
            "应用" | "application" => Some(Dimension::Application),
            _ => None,
        }
    }
}

/// 题型.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// 单选: exactly one right option.
    Single,
    /// 多选: two or more right options; all must be chosen, and only they.
    Multiple,
    /// 判断: 正确 (A) or 错误 (B).
    TrueFalse,
}

impl QuestionKind {
    pub fn zh(self) -> &'static str {
        match self {
            QuestionKind::Single => "单选",
            QuestionKind::Multiple => "多选",
            QuestionKind::TrueFalse => "判断",
        }
    }

    pub fn parse(s: &str) -> Option<QuestionKind> {
        match s.trim() {
            "单选" | "单选题" | "single" => Some(QuestionKind::Single),
            "多选" | "多选题" | "multiple" => Some(QuestionKind::Multiple),
            "判断" | "判断题" | "true_false" => Some(QuestionKind::TrueFalse),
            _ => None,
        }
    }
}

/// One item of the bank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// 题号, unique in the bank.
    pub number: String,
    /// 题干.
    pub stem: String,
    /// The options in the bank's order (A, B, …); a 判断 item has 正确, 错误.
    pub options: Vec<String>,
    /// The right options as indexes into `options`, ascending.
    pub answer: Vec<u8>,
    pub kind: QuestionKind,
    /// 基准: 1–26.
    pub benchmark: u8,
    pub dimension: Dimension,
    /// 难度: 1 (易) to 5 (难).
    pub difficulty: u8,
}

const LETTERS: [char; 5] = ['A', 'B', 'C', 'D', 'E'];

/// The option letter of index `i` (A–E).
pub fn letter(i: u8) -> char {
    LETTERS.get(usize::from(i)).copied().unwrap_or('?')
}

const COLUMNS: [(&[&str], bool); 12] = [
    (&["题号", "编号", "序号"], true),
    (&["题干", "题目"], true),
    (&["选项A", "A"], false),
    (&["选项B", "B"], false),
    (&["选项C", "C"], false),
    (&["选项D", "D"], false),
    (&["选项E", "E"], false),
    (&["答案", "正确答案"], true),
    (&["题型"], true),
    (&["基准"], true),
    (&["维度"], true),
    (&["难度"], true),
];

/// Reads a bank from the bytes of an .xlsx (or UTF-8 .csv) with a header row.
pub fn parse_bank(bytes: &[u8]) -> Result<Vec<Question>> {
    let mut columns: Option<Columns> = None;
    let mut header_error: Option<CitizensError> = None;
    let mut questions = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    table::each_row(bytes, Limits::BANK, |row, cells| {
        let Some(cols) = &columns else {
            match Columns::locate(cells, &COLUMNS) {
                Ok(c) => columns = Some(c),
                Err(e) => {
                    header_error = Some(e);
                    return false;
                }
            }
            return true;
        };
        match parse_row(row, cols, cells) {
            Ok(q) => {
                if let Some(first) = seen.insert(q.number.clone(), row) {
                    errors.push(RowError::new(
                        row,
                        "题号",
                        format!("题号与第 {first} 行重复 (duplicate number)"),
                    ));
                }
                questions.push(q);
            }
            Err(mut e) => errors.append(&mut e),
        }
        true
    })?;
    if let Some(e) = header_error {
        return Err(e);
    }
    if columns.is_none() {
        return Err(CitizensError::File("文件为空 (empty file)".into()));
    }
    if !errors.is_empty() {
        return Err(CitizensError::Rows(errors));
    }
    if questions.is_empty() {
        return Err(CitizensError::File("题库没有题目 (no questions)".into()));
    }
    Ok(questions)
}

fn parse_row(row: u32, cols: &Columns, cells: &[String]) -> Result<Question, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut err = |column: &str, reason: &str| errors.push(RowError::new(row, column, reason));
    let number = cols.get(cells, 0).to_string();
    if number.is_empty() {
        err("题号", "不能为空 (required)");
    }
    let stem = cols.get(cells, 1).to_string();
    if stem.is_empty() {
        err("题干", "不能为空 (required)");
    }
    let kind = QuestionKind::parse(cols.get(cells, 8));
    if kind.is_none() {
        err(
            "题型",
            "应为 单选、多选 或 判断 (single, multiple or true/false)",
        );
    }
    let mut options: Vec<String> = (2..7).map(|i| cols.get(cells, i).to_string()).collect();
    while options.last().is_some_and(String::is_empty) {
        options.pop();
    }
    if let Some(gap) = options.iter().position(String::is_empty) {
        err(
            &format!("选项{}", LETTERS[gap]),
            "选项之间不能有空缺 (no gaps between options)",
        );
    }
    let raw_answer = cols.get(cells, 7);
    let mut answer = BTreeSet::new();
    match kind {
        Some(QuestionKind::TrueFalse) => {
            if options.is_empty() {
                options = vec!["正确".into(), "错误".into()];
            } else if options.len() != 2 {
                err("选项C", "判断题只有两个选项 (true/false has two options)");
            }
            match raw_answer.trim() {
                "A" | "a" | "对" | "正确" | "√" | "是" | "T" | "TRUE" => {
                    answer.insert(0u8);
                }
                "B" | "b" | "错" | "错误" | "×" | "否" | "F" | "FALSE" => {
                    answer.insert(1u8);
                }
                _ => err("答案", "判断题答案应为 对/错 或 A/B (true/false answer)"),
            }
        }
        Some(k) => {
            if options.len() < 2 {
                err("选项B", "选择题至少两个选项 (at least two options)");
            }
            for c in raw_answer
                .chars()
                .filter(|c| !c.is_whitespace() && *c != ',' && *c != '，')
            {
                match LETTERS.iter().position(|l| *l == c.to_ascii_uppercase()) {
                    Some(i) if i < options.len() => {
                        answer.insert(i as u8);
                    }
                    _ => {
                        err("答案", &format!("“{c}”不是已有的选项 (not an option)"));
                    }
                }
            }
            match (k, answer.len()) {
                (_, 0) => err("答案", "不能为空 (required)"),
                (QuestionKind::Single, n) if n > 1 => {
                    err("答案", "单选题只能有一个答案 (single choice: one answer)")
                }
                (QuestionKind::Multiple, 1) => {
                    err("答案", "多选题至少两个答案 (multiple choice: two or more)")
                }
                _ => {}
            }
        }
        None => {}
    }
    let benchmark = match cols.get(cells, 9).parse::<u8>() {
        Ok(b) if (1..=26).contains(&b) => b,
        _ => {
            err("基准", "应为 1–26 的整数 (benchmark 1–26)");
            0
        }
    };
    let dimension = Dimension::parse(cols.get(cells, 10));
    if dimension.is_none() {
        err("维度", "应为 知识、方法、精神与思想 或 应用 (dimension)");
    }
    let difficulty = parse_difficulty(cols.get(cells, 11));
    if difficulty.is_none() {
        err("难度", "应为 1–5 或 易/较易/中/较难/难 (difficulty)");
    }
    match (kind, dimension, difficulty) {
        (Some(kind), Some(dimension), Some(difficulty)) if errors.is_empty() => Ok(Question {
            number,
            stem,
            options,
            answer: answer.into_iter().collect(),
            kind,
            benchmark,
            dimension,
            difficulty,
        }),
        _ => Err(errors),
    }
}

fn parse_difficulty(s: &str) -> Option<u8> {
    match s.trim() {
        "易" | "容易" => Some(1),
        "较易" => Some(2),
        "中" | "中等" | "一般" => Some(3),
        "较难" => Some(4),
        "难" | "困难" => Some(5),
        n => n.parse::<u8>().ok().filter(|d| (1..=5).contains(d)),
    }
}
