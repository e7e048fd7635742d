//! Roll-up benchmark (filled in with the rollup module).
fn main() {}
