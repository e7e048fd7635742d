//! The unit-name normaliser never panics and is idempotent, whatever it is given.

use kesu_plan::units::{canonical_name, normalize};
use proptest::prelude::*;

/// Pieces unit names are made of: places, levels, party and league marks, bodies, list marks.
fn name() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "中共",
        "中国共产党",
        "共青团",
        "团",
        "娄底",
        "黄山",
        "湖南",
        "省",
        "市",
        "县",
        "区",
        "州",
        "旗",
        "委",
        "委员会",
        "宣传部",
        "科学技术",
        "科技",
        "局",
        "协会",
        "科协",
        "妇女",
        "联合会",
        "人力资源和社会保障",
        "卫生健康",
        "文化",
        "广电",
        "旅游",
        "体育",
        "和",
        "等",
        "、",
        "（",
        "）",
        "(",
        ")",
        " ",
        "各",
        "人民政府",
        "办公室",
        "经开区",
        "社区",
        "场",
    ])
    .prop_map(str::to_string);
    prop::collection::vec(prop_oneof![5 => piece, 1 => ".{0,3}"], 0..12).prop_map(|v| v.concat())
}

fn region() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop::sample::select(vec![
        "娄底市",
        "屯溪区",
        "湖南省",
        "某县",
        "市",
        "",
    ]))
    .prop_map(|r| r.map(str::to_string))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn canonical_names_are_idempotent(n in name(), r in region()) {
        let once = canonical_name(&n, r.as_deref());
        prop_assert_eq!(canonical_name(&once, r.as_deref()), once);
    }

    #[test]
    fn arbitrary_strings_never_panic(n in any::<String>(), r in any::<Option<String>>()) {
        let u = normalize(&n, r.as_deref());
        prop_assert_eq!(canonical_name(&u.canonical, r.as_deref()), u.canonical);
    }
}
