//! The question bank: a good workbook reads whole; every bad row is named with its column.

#![allow(clippy::unwrap_used, reason = "test helpers build fixtures")]

use kesu_citizens::CitizensError;
use kesu_citizens::bank::{Dimension, QuestionKind, parse_bank};
use rust_xlsxwriter::Workbook;

const HEADER: [&str; 12] = [
    "题号", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "答案", "题型", "基准", "维度",
    "难度",
];

fn xlsx(rows: &[[&str; 12]]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

const GOOD: [[&str; 12]; 3] = [
    [
        "1",
        "光年是什么单位？",
        "时间",
        "长度",
        "速度",
        "",
        "",
        "B",
        "单选",
        "5",
        "知识",
        "易",
    ],
    [
        "2",
        "下列哪些是可再生能源？",
        "太阳能",
        "风能",
        "煤炭",
        "石油",
        "",
        "AB",
        "多选",
        "20",
        "应用",
        "3",
    ],
    [
        "3",
        "科学结论可以被新证据修正。",
        "",
        "",
        "",
        "",
        "",
        "对",
        "判断",
        "3",
        "精神与思想",
        "中",
    ],
];

#[test]
fn a_good_bank_reads_every_item_with_its_key() {
    let bank = parse_bank(&xlsx(&GOOD)).unwrap();
    assert_eq!(bank.len(), 3);
    assert_eq!(bank[0].answer, vec![1]);
    assert_eq!(bank[1].kind, QuestionKind::Multiple);
    assert_eq!(bank[1].answer, vec![0, 1]);
    assert_eq!(bank[2].options, vec!["正确", "错误"]);
    assert_eq!(bank[2].dimension, Dimension::Spirit);
    assert_eq!(bank[2].difficulty, 3);
}

#[test]
fn the_same_bank_reads_from_csv() {
    let mut csv = HEADER.join(",");
    for r in GOOD {
        csv.push('\n');
        csv.push_str(&r.join(","));
    }
    assert_eq!(
        parse_bank(csv.as_bytes()).unwrap(),
        parse_bank(&xlsx(&GOOD)).unwrap()
    );
}

#[test]
fn every_bad_row_is_named_and_nothing_is_returned() {
    let rows = [
        GOOD[0],
        [
            "2", "", "a", "b", "", "", "", "C", "单选", "27", "知识", "易",
        ],
        [
            "3", "题", "a", "b", "", "", "", "A", "多选", "1", "哲学", "9",
        ],
        [
            "1", "重复", "a", "b", "", "", "", "A", "单选", "1", "知识", "易",
        ],
    ];
    let Err(CitizensError::Rows(errors)) = parse_bank(&xlsx(&rows)) else {
        panic!("expected row errors");
    };
    let named: Vec<(u32, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
    assert!(named.contains(&(3, "题干")), "{named:?}");
    assert!(
        named.contains(&(3, "答案")),
        "C is not among two options: {named:?}"
    );
    assert!(named.contains(&(3, "基准")), "{named:?}");
    assert!(
        named.contains(&(4, "答案")),
        "multiple with one answer: {named:?}"
    );
    assert!(named.contains(&(4, "维度")), "{named:?}");
    assert!(named.contains(&(4, "难度")), "{named:?}");
    assert!(
        named.contains(&(5, "题号")),
        "duplicate of row 2: {named:?}"
    );
}

#[test]
fn a_missing_column_is_named() {
    let csv = "题号,题干,答案,题型,基准,维度\n1,x,A,单选,1,知识\n";
    let err = parse_bank(csv.as_bytes()).unwrap_err();
    assert!(err.to_string().contains("难度"), "{err}");
}

#[test]
fn a_file_that_is_neither_csv_nor_xlsx_is_refused_with_a_message() {
    let err = parse_bank(&[0xff, 0xfe, 0x00, 0x81, 0x90]).unwrap_err();
    assert!(matches!(err, CitizensError::File(_)), "{err}");
    let err = parse_bank(b"PK\x03\x04garbage").unwrap_err();
    assert!(err.to_string().contains("xlsx"), "{err}");
}

#[test]
fn a_long_csv_whose_first_4096_bytes_end_inside_a_character_reads() {
    let mut csv = HEADER.join(",");
    for i in 0..200 {
        csv.push_str(&format!(
            "\n{i},光年是什么单位？光年是什么单位？,时间,长度,,,,B,单选,5,知识,易"
        ));
    }
    assert_eq!(parse_bank(csv.as_bytes()).unwrap().len(), 200);
}
