//! Indicator dashboards (指标看板): per plan, region, unit and key group; drill-down from a
//! region's number to its children and to the reports behind it; the annual monitoring report;
//! published snapshots. Numbers come from `kesu_store::indicators` (which applies the rules of
//! `kesu_indicators`); charts are SVG drawn on the server by `kesu_indicators::svg`.

pub mod export;
