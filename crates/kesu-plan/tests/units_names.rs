//! The unit-name normaliser: variants of one body get one canonical name within a region,
//! distinct bodies keep distinct names. Place and body names in these tests are examples of
//! the patterns; the normaliser has no list of them.

use kesu_plan::units::{UnitKind, canonical_name, normalize, same_body, unit_kind};

fn canon(name: &str, region: &str) -> String {
    canonical_name(name, Some(region))
}

fn all_same(names: &[&str], region: &str) {
    let first = canon(names[0], region);
    for n in names {
        assert_eq!(canon(n, region), first, "{n} should be {first} in {region}");
    }
}

#[test]
fn full_and_short_names_of_a_bureau_are_one_body() {
    all_same(
        &[
            "市科技局",
            "市科学技术局",
            "娄底市科学技术局",
            "娄底市科技局",
        ],
        "娄底市",
    );
    assert_eq!(canon("娄底市科学技术局", "娄底市"), "市科技局");
}

#[test]
fn the_youth_league_in_every_spelling_is_one_body() {
    all_same(
        &[
            "团市委",
            "共青团娄底市委",
            "共青团娄底市委员会",
            "团娄底市委",
            "共青团市委",
        ],
        "娄底市",
    );
    assert_eq!(canon("共青团娄底市委员会", "娄底市"), "团市委");
    assert_eq!(canon("共青团屯溪区委员会", "屯溪区"), "团区委");
}

#[test]
fn another_places_youth_league_is_not_ours() {
    assert_ne!(canon("共青团长沙市委", "娄底市"), canon("团市委", "娄底市"));
}

#[test]
fn the_party_prefix_and_place_are_dropped_from_party_offices() {
    all_same(
        &[
            "市委宣传部",
            "中共娄底市委宣传部",
            "中国共产党娄底市委员会宣传部",
        ],
        "娄底市",
    );
    assert_eq!(canon("中共娄底市委宣传部", "娄底市"), "市委宣传部");
}

#[test]
fn mass_organisations_in_full_and_short() {
    all_same(&["市妇联", "市妇女联合会", "娄底市妇女联合会"], "娄底市");
    all_same(&["市科协", "市科学技术协会"], "娄底市");
    all_same(&["市总工会", "娄底市总工会"], "娄底市");
    all_same(&["市工商联", "市工商业联合会"], "娄底市");
    all_same(&["市残联", "市残疾人联合会"], "娄底市");
}

#[test]
fn education_commissions_in_full_and_short() {
    all_same(&["市教委", "市教育委员会", "重庆市教育委员会"], "重庆市");
    assert_eq!(canon("重庆市教育委员会", "重庆市"), "市教委");
}

#[test]
fn the_region_prefix_is_dropped_when_it_is_the_plans_region() {
    assert_eq!(canon("娄底市教育局", "娄底市"), "市教育局");
    assert_eq!(canon("黄山市屯溪区科学技术协会", "屯溪区"), "区科协");
    assert_eq!(canon("湖南省娄底市教育局", "娄底市"), "市教育局");
}

#[test]
fn another_places_body_keeps_its_place() {
    assert_eq!(canon("长沙市教育局", "娄底市"), "长沙市教育局");
    assert_ne!(canon("黄山市科协", "屯溪区"), canon("区科协", "屯溪区"));
}

#[test]
fn any_place_name_is_recognised_by_its_shape() {
    // No list of places: a name ending in 省/市/县/区 before a body is a place.
    for (name, want) in [
        ("某某市卫生健康委员会", "市卫健委"),
        ("甲乙县人力资源和社会保障局", "县人社局"),
        ("丙丁区市场监督管理局", "区市场监管局"),
        ("戊己省科学技术厅", "省科技厅"),
    ] {
        assert_eq!(canonical_name(name, None), want, "{name}");
    }
}

#[test]
fn district_and_county_levels_are_kept() {
    assert_eq!(canon("区教育局", "屯溪区"), "区教育局");
    assert_eq!(canon("县科协", "某县"), "县科协");
    assert_ne!(canon("区教育局", "屯溪区"), canon("市教育局", "屯溪区"));
}

#[test]
fn generic_full_and_short_pairs_collapse() {
    for (a, b) in [
        ("市人力资源和社会保障局", "市人社局"),
        ("市人力资源社会保障局", "市人力社保局"),
        ("市卫生健康委员会", "市卫健委"),
        ("市卫生健康委", "市卫健委"),
        ("市市场监督管理局", "市市场监管局"),
        ("市应急管理局", "市应急局"),
        ("市发展和改革委员会", "市发改委"),
        ("市发展改革委", "市发改委"),
        ("市住房和城乡建设局", "市住建局"),
        ("市工业和信息化局", "市工信局"),
        ("市经济和信息化委员会", "市经济信息委"),
        ("区科技经济和信息化局", "区科技经信局"),
        ("市自然资源和规划局", "市规划和自然资源局"),
        ("市文化广电旅游体育局", "市文旅广体局"),
        ("市文化和旅游局", "市文旅局"),
        ("市文化广电新闻出版旅游局", "市文广新旅局"),
        ("市林业和草原局", "市林业局"),
        ("市退役军人事务局", "市退役军人局"),
        ("市人民政府", "市政府"),
        ("市人民政府办公室", "市政府办"),
        ("市老龄工作委员会办公室", "市老龄办"),
        ("市社会科学界联合会", "市社科联"),
        ("市农业科学研究所", "市农科所"),
        ("市委网络安全和信息化委员会办公室", "市委网信办"),
        ("市网信办", "市委网信办"),
        ("各镇人民政府", "各镇政府"),
    ] {
        assert!(same_body(a, b, None), "{a} = {b}");
    }
}

#[test]
fn distinct_bodies_stay_distinct() {
    for (a, b) in [
        ("市教育局", "市科技局"),
        ("市委宣传部", "市委组织部"),
        ("市教育局", "市教委"),
        ("市科技局", "市科技创新委"),
        ("市自然资源局", "市自然资源和规划局"),
        ("市工信局", "市经信局"),
        ("市水利局", "市水务局"),
        ("市文旅局", "市文广旅局"),
        ("市生态环境局", "区生态环境分局"),
        ("市政府办", "市委办"),
        ("经开区管委会", "高新区管委会"),
        ("市农业农村局", "市农业农村委"),
        ("市卫健委", "市卫健局"),
        ("市社联", "市社科联"),
    ] {
        assert!(!same_body(a, b, None), "{a} ≠ {b}");
    }
}

#[test]
fn zone_and_area_words_are_not_places() {
    assert_eq!(
        canonical_name("娄底经开区管委会", Some("娄底市")),
        "娄底经开区管委会"
    );
    assert_eq!(canonical_name("某某社区居委会", None), "某某社区居委会");
    assert_eq!(canonical_name("深圳警备区", Some("深圳市")), "深圳警备区");
}

#[test]
fn list_marks_and_spaces_are_dropped() {
    assert_eq!(canonical_name(" 市科协等", None), "市科协");
    assert_eq!(canonical_name("市 科协", None), "市科协");
    assert_eq!(canonical_name("市科协、", None), "市科协");
    assert_eq!(canonical_name("", None), "");
}

#[test]
fn a_second_name_in_brackets_is_dropped() {
    assert!(same_body("市科学技术局（市知识产权局）", "市科技局", None));
}

#[test]
fn canonical_names_are_fixed_points() {
    for (name, region) in [
        ("娄底市科学技术局", Some("娄底市")),
        ("共青团娄底市委员会", Some("娄底市")),
        ("中共娄底市委宣传部", Some("娄底市")),
        ("市文化广电旅游体育局", None),
        ("区人力资源社会保障局", Some("屯溪区")),
        ("长沙市教育局", Some("娄底市")),
        ("共青团长沙市委", Some("娄底市")),
        ("各镇人民政府", None),
        ("县市区科协", None),
        ("市市场监督管理局", None),
    ] {
        let once = canonical_name(name, region);
        assert_eq!(canonical_name(&once, region), once, "{name}");
    }
}

#[test]
fn kinds_are_recognised() {
    for (name, kind) in [
        ("市委宣传部", UnitKind::PartyDept),
        ("中共娄底市委组织部", UnitKind::PartyDept),
        ("市委党校", UnitKind::PartyDept),
        ("市委老干部局", UnitKind::PartyDept),
        ("市教育局", UnitKind::GovDept),
        ("市卫生健康委员会", UnitKind::GovDept),
        ("娄底经开区管委会", UnitKind::GovDept),
        ("市人民政府办公室", UnitKind::GovDept),
        ("市科协", UnitKind::MassOrg),
        ("市妇联", UnitKind::MassOrg),
        ("市总工会", UnitKind::MassOrg),
        ("共青团娄底市委员会", UnitKind::MassOrg),
        ("团区委", UnitKind::MassOrg),
        ("市社科联", UnitKind::MassOrg),
        ("新余学院等院校", UnitKind::School),
        ("某某职业技术学院", UnitKind::School),
        ("市广播电视台", UnitKind::Institution),
        ("娄底日报社", UnitKind::Institution),
        ("市农科所", UnitKind::Institution),
        ("区融媒体中心", UnitKind::Institution),
        ("市广电集团", UnitKind::Enterprise),
        ("某某科技有限公司", UnitKind::Enterprise),
        ("各责任单位", UnitKind::Collective),
        ("各镇人民政府", UnitKind::Collective),
        (
            "区科学素质纲要实施工作办公室各成员单位",
            UnitKind::Collective,
        ),
        ("深圳警备区", UnitKind::Other),
        ("市人武部", UnitKind::Other),
        ("市直各单位", UnitKind::Collective),
    ] {
        assert_eq!(unit_kind(name), kind, "{name}");
    }
    assert_eq!(UnitKind::MassOrg.label(), "群团组织");
}

#[test]
fn normalize_gives_name_and_kind() {
    let u = normalize("娄底市妇女联合会", Some("娄底市"));
    assert_eq!(u.canonical, "市妇联");
    assert_eq!(u.kind, UnitKind::MassOrg);
}
