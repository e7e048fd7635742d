//! Quantitative targets (量化目标) in a piece of text: "每个村至少培育1名创业创新带头人".

use kesu_core::Target;

/// Every quantitative commitment stated in `text`, in order. TODO(issue 2).
pub fn extract(_text: &str) -> Vec<Target> {
    Vec::new()
}
