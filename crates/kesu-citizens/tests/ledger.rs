//! Ledger rules: import rows, moves, coverage, item statistics.

#![allow(clippy::unwrap_used, reason = "test helpers build fixtures")]

use kesu_citizens::coverage::{Estimate, coverage};
use kesu_citizens::ledger::{
    LEDGER_COLUMNS, MoveAction, MoveSide, MoveState, check_move, parse_ledger_row,
};
use kesu_citizens::stats::{AttemptResponses, ItemResponse, item_stats};
use kesu_citizens::table::Columns;
use kesu_core::region::RegionCode;
use time::macros::date;

fn cols() -> Columns {
    let header: Vec<String> = [
        "姓名",
        "身份证号",
        "手机号",
        "村(社区)代码",
        "人群",
        "依据",
        "日期",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    Columns::locate(&header, &LEDGER_COLUMNS).unwrap()
}

fn row(cells: [&str; 7]) -> Vec<String> {
    cells.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_good_row_is_checked_and_its_debug_is_masked() {
    let r = parse_ledger_row(
        2,
        &cols(),
        &row([
            "张小三",
            "11010519491231002X",
            "13800135678",
            "431302001001",
            "农民",
            "娄星区台账2025-1号",
            "2025-06-30",
        ]),
        date!(2026 - 01 - 01),
    )
    .unwrap();
    let debug = format!("{r:?}");
    assert!(
        !debug.contains("11010519491231002X")
            && !debug.contains("13800135678")
            && !debug.contains("张小三"),
        "{debug}"
    );
    assert_eq!(r.date, date!(2025 - 06 - 30));
}

#[test]
fn a_bad_checksum_names_its_row_and_column_but_not_the_value() {
    let errs = parse_ledger_row(
        7,
        &cols(),
        &row([
            "张三",
            "110105194912310021",
            "",
            "431302001001",
            "农民",
            "文件",
            "2025-06-30",
        ]),
        date!(2026 - 01 - 01),
    )
    .unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!((errs[0].row, errs[0].column.as_str()), (7, "身份证号"));
    assert!(errs[0].reason.contains("校验位"));
    assert!(!errs[0].to_string().contains("110105194912310021"));
}

#[test]
fn every_bad_cell_of_a_row_is_reported() {
    let errs = parse_ledger_row(
        3,
        &cols(),
        &row(["", "1", "123", "4313", "学者", "", "明天"]),
        date!(2026 - 01 - 01),
    )
    .unwrap_err();
    let columns: Vec<&str> = errs.iter().map(|e| e.column.as_str()).collect();
    assert_eq!(
        columns,
        [
            "姓名",
            "身份证号",
            "手机号",
            "村(社区)代码",
            "人群",
            "依据",
            "日期"
        ]
    );
}

#[test]
fn a_move_is_accepted_only_by_the_receiving_village() {
    assert!(
        MoveState::Requested
            .apply(MoveAction::Accept, MoveSide::From)
            .is_err()
    );
    assert_eq!(
        MoveState::Requested
            .apply(MoveAction::Accept, MoveSide::To)
            .unwrap(),
        MoveState::Accepted
    );
    assert_eq!(
        MoveState::Requested
            .apply(MoveAction::Cancel, MoveSide::From)
            .unwrap(),
        MoveState::Cancelled
    );
    assert!(
        MoveState::Accepted
            .apply(MoveAction::Reject, MoveSide::To)
            .is_err()
    );
}

#[test]
fn each_side_is_offered_only_what_it_may_do_to_an_open_move() {
    use MoveAction::{Accept, Cancel, Reject};
    assert_eq!(MoveState::Requested.actions(MoveSide::From), vec![Cancel]);
    assert_eq!(
        MoveState::Requested.actions(MoveSide::To),
        vec![Accept, Reject]
    );
    assert_eq!(
        MoveState::Requested.actions(MoveSide::Both),
        vec![Accept, Reject, Cancel]
    );
    assert!(MoveState::Accepted.actions(MoveSide::Both).is_empty());
}

#[test]
fn a_move_goes_to_another_village() {
    let a = RegionCode::parse("431302001001").unwrap();
    assert!(check_move(&a, &a).is_err());
    assert!(check_move(&a, &RegionCode::parse("431302001").unwrap()).is_err());
    assert!(check_move(&a, &RegionCode::parse("431302001002").unwrap()).is_ok());
}

#[test]
fn a_ledger_above_the_estimates_upper_bound_is_flagged() {
    let e = Estimate {
        year: 2025,
        share: 12.0,
        low: 10.0,
        high: 14.0,
    };
    let ok = coverage(130, Some(1000), Some(e));
    assert!(!ok.over_claim);
    assert_eq!(ok.plausible_max, Some(140));
    assert!(coverage(141, Some(1000), Some(e)).over_claim);
    assert!(
        !coverage(141, None, Some(e)).over_claim,
        "no population, no judgement"
    );
}

#[test]
fn a_good_item_discriminates_and_a_miskeyed_one_is_flagged() {
    // 20 attempts; item 1 is right exactly for the better half, item 2 for the worse half.
    let attempts: Vec<AttemptResponses> = (0..20)
        .map(|i| {
            let good = i >= 10;
            AttemptResponses {
                total: i as f64 * 5.0,
                items: vec![
                    ItemResponse {
                        question_id: 1,
                        correct: good,
                        points: if good { 5.0 } else { 0.0 },
                    },
                    ItemResponse {
                        question_id: 2,
                        correct: !good,
                        points: if good { 0.0 } else { 5.0 },
                    },
                ],
            }
        })
        .collect();
    let s = item_stats(&attempts);
    assert_eq!(s[0].facility, 0.5);
    assert!(s[0].discrimination.unwrap() > 0.5);
    assert_eq!(s[0].upper_lower, Some(1.0));
    assert!(s[0].flags.is_empty(), "{:?}", s[0].flags);
    assert!(s[1].discrimination.unwrap() < 0.0);
    assert!(s[1].flags.iter().any(|f| f.contains("区分度为负")));
}
