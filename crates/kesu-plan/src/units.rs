//! Unit names: one canonical name for the variants of one body within a region
//! (市科技局 / 市科学技术局; 团市委 / 共青团XX市委).

/// The canonical name of `name` within the region named `region` (e.g. "娄底市"), if known.
/// TODO(issue 2).
pub fn canonical_name(name: &str, _region: Option<&str>) -> String {
    name.trim().to_string()
}
