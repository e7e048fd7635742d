//! Collective names stand for sets of bodies (every county under the plan's region, the office's
//! member units); the reader classifies them, the import expands them. And for a name the
//! region's registry lacks, the nearest known names.

use kesu_core::RegionLevel;
use kesu_plan::units::{Collective, collective, nearest_names};

fn regions(name: &str) -> (RegionLevel, Vec<&'static str>, String) {
    match collective(name) {
        Some(Collective::Regions {
            level,
            endings,
            body,
        }) => (level, endings, body),
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn county_governments_are_every_county_under_the_region() {
    assert_eq!(
        regions("各县市区人民政府"),
        (RegionLevel::County, vec![], "人民政府".to_string())
    );
    assert_eq!(regions("各县（市、区）人民政府").0, RegionLevel::County);
    assert_eq!(regions("各区县政府").0, RegionLevel::County);
}

#[test]
fn townships_and_their_kinds_are_told_apart() {
    assert_eq!(
        regions("各乡镇（街道）"),
        (RegionLevel::Township, vec![], String::new())
    );
    assert_eq!(regions("各镇政府").1, vec!["镇"]);
    assert_eq!(regions("各镇人民政府").1, vec!["镇"]);
    assert_eq!(regions("各街道办事处").1, vec!["街道"]);
    assert_eq!(regions("各乡镇人民政府").1, vec!["乡", "镇"]);
}

#[test]
fn cities_and_villages_have_their_levels() {
    assert_eq!(regions("各市（州）人民政府").0, RegionLevel::City);
    assert_eq!(regions("各村（社区）").0, RegionLevel::Village);
}

#[test]
fn member_units_are_the_offices_members() {
    for name in [
        "各成员单位",
        "各有关单位",
        "各相关部门",
        "区科学素质纲要实施工作办公室各成员单位",
        "领导小组各成员单位",
    ] {
        assert_eq!(collective(name), Some(Collective::Members), "{name}");
    }
}

#[test]
fn the_name_of_one_body_is_no_collective() {
    for name in [
        "县科协",
        "市教育局",
        "各县科协联合会办公室大楼管理处有限公司",
    ] {
        assert_eq!(collective(name), None, "{name}");
    }
}

#[test]
fn nearest_names_put_the_same_body_first_then_similar_ones() {
    let known: Vec<String> = ["市科技局", "市科协", "市教育局", "市委宣传部", "团市委"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        nearest_names("娄底市科学技术局", &known, Some("娄底市"), 3)[0],
        "市科技局"
    );
    assert_eq!(nearest_names("市科学技术协会", &known, None, 1), ["市科协"]);
    assert!(nearest_names("市气象局", &known, None, 3).is_empty());
}

#[test]
fn a_name_with_one_character_miswritten_finds_the_body_meant() {
    let known: Vec<String> = ["区科协", "区教育局", "区卫健局"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        nearest_names("区教肓局", &known, Some("娄星区"), 3),
        ["区教育局"]
    );
    assert!(nearest_names("区气象局", &known, Some("娄星区"), 3).is_empty());
}
