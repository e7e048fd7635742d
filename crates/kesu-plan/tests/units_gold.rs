//! Every unit name in the gold answers of the sample plans, normalised within its plan's
//! region: the variants a plan really uses collapse, and nothing else does.
#![expect(
    clippy::unwrap_used,
    reason = "fixture loading: a missing gold file fails the test"
)]

use kesu_core::Plan;
use kesu_plan::units::{UnitKind, canonical_name, unit_kind};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn gold_plans() -> Vec<Plan> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/gold");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let plans: Vec<Plan> = paths
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect();
    assert_eq!(plans.len(), 5);
    plans
}

fn unit_names(plan: &Plan) -> BTreeSet<String> {
    plan.tasks
        .iter()
        .flat_map(|t| t.lead.iter().chain(&t.cooperating).chain(&t.responsible))
        .cloned()
        .collect()
}

/// Canonical name → the names written in the plan that map to it, for names with variants.
fn merged(names: &BTreeSet<String>, region: Option<&str>) -> BTreeSet<BTreeSet<String>> {
    let mut groups: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for n in names {
        groups
            .entry(canonical_name(n, region))
            .or_default()
            .insert(n.clone());
    }
    groups.into_values().filter(|g| g.len() > 1).collect()
}

fn group(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn within_each_plan_only_spelling_variants_merge() {
    for plan in gold_plans() {
        let region = plan.region.as_deref();
        let got = merged(&unit_names(&plan), region);
        // The one plan that spells bodies two ways is the district plan (see its NOTES).
        let want: BTreeSet<BTreeSet<String>> = if region == Some("屯溪区") {
            [
                group(&["区科技经信局", "区科技经济和信息化局"]),
                group(&["区人力资源社会保障局", "区人力资源和社会保障局"]),
            ]
            .into_iter()
            .collect()
        } else {
            BTreeSet::new()
        };
        assert_eq!(got, want, "{region:?}");
    }
}

#[test]
fn across_plans_the_same_body_gets_one_name() {
    let mut all = BTreeSet::new();
    for plan in gold_plans() {
        for n in unit_names(&plan) {
            // Within its own region first (深圳市税务局 → 市税务局), then compared with the rest.
            all.insert(canonical_name(&n, plan.region.as_deref()));
        }
    }
    let got = merged(&all, None);
    for expected in [
        group(&["市卫健委", "市卫生健康委"]),
        group(&["市发改委", "市发展改革委"]),
        group(&["市人社局", "市人力资源和社会保障局", "市人力社保局"]),
        group(&["市应急局", "市应急管理局"]),
        group(&["市文化广电旅游体育局", "市文旅广体局"]),
        group(&["市工信局", "市工业和信息化局"]),
    ] {
        let canonical: BTreeSet<String> =
            expected.iter().map(|n| canonical_name(n, None)).collect();
        assert_eq!(
            canonical.len(),
            1,
            "{expected:?} should be one body: {canonical:?}"
        );
    }
    // Every merged group is one of the known variant families: no accidental merges.
    for g in &got {
        let kinds: BTreeSet<UnitKind> = g.iter().map(|n| unit_kind(n)).collect();
        assert_eq!(kinds.len(), 1, "a merged group mixes kinds: {g:?}");
    }
}

#[test]
fn distinct_bodies_of_the_gold_plans_stay_distinct() {
    for plan in gold_plans() {
        let region = plan.region.as_deref();
        let names = unit_names(&plan);
        let canon: BTreeSet<String> = names.iter().map(|n| canonical_name(n, region)).collect();
        let variants: usize = merged(&names, region).iter().map(|g| g.len() - 1).sum();
        assert_eq!(canon.len() + variants, names.len(), "{region:?}");
    }
    let r = Some("娄底市");
    assert_ne!(canonical_name("市教育局", r), canonical_name("市科技局", r));
    assert_ne!(
        canonical_name("市委宣传部", r),
        canonical_name("市委组织部", r)
    );
    assert_ne!(
        canonical_name("市委老干部局", r),
        canonical_name("市民政局", r)
    );
}

#[test]
fn every_gold_unit_has_a_kind() {
    for plan in gold_plans() {
        for n in unit_names(&plan) {
            let k = unit_kind(&n);
            let expected_other = n.ends_with("警备区");
            assert_eq!(k == UnitKind::Other, expected_other, "{n}: {k:?}");
        }
    }
}
