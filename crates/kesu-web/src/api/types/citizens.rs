//! The shapes of the citizens' API: the public online test (no account) and the offices'
//! ledger and results. Personal values are masked (`张*三`, `110***********002X`) except in a
//! reveal.

use super::{iso_date, whole};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};

/// A test as the public sees it (no items, no answers).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicTest {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "2026年娄底市公民科学素质网络测试")]
    pub title: String,
    pub purpose: String,
    #[schema(example = "4313")]
    pub region_code: String,
    #[schema(example = "娄底市")]
    pub region_name: String,
    /// How many items a paper has.
    #[schema(example = 20)]
    pub items: u32,
    #[schema(example = 30)]
    pub time_limit_minutes: u32,
    /// Percent.
    #[schema(example = 60.0)]
    pub pass_mark: f64,
    #[serde(with = "iso_date")]
    pub opens_on: Date,
    #[serde(with = "iso_date")]
    pub closes_on: Date,
    /// Open today.
    pub open: bool,
}

impl From<kesu_app::citizens::quiz::PublicTest> for PublicTest {
    fn from(t: kesu_app::citizens::quiz::PublicTest) -> Self {
        PublicTest {
            id: t.id,
            title: t.title,
            purpose: t.purpose,
            region_code: t.region_code,
            region_name: t.region_name,
            items: t.items,
            time_limit_minutes: t.time_limit_minutes,
            pass_mark: t.pass_mark,
            opens_on: t.opens_on,
            closes_on: t.closes_on,
            open: t.open,
        }
    }
}

/// Starting an attempt: the citizen's details and consent.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"name": "张三", "phone": "13800138000", "village": "431302001001",
    "key_group": "farmers", "consent": true}))]
pub struct StartAttemptRequest {
    pub name: String,
    pub phone: String,
    /// A 12-digit village code inside the test's region.
    pub village: String,
    /// `youth`, `farmers`, `workers`, `elderly`, `officials`, `other` (or the Chinese names).
    pub key_group: String,
    /// Consent to the processing of the details (PIPL); without it nothing is stored.
    pub consent: bool,
}

/// A started attempt.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AttemptStarted {
    pub attempt_id: i64,
    /// Keep it: it opens the paper, submits it and shows the certificate.
    pub token: String,
    /// The answers must arrive by then.
    #[serde(with = "time::serde::rfc3339")]
    pub deadline: OffsetDateTime,
}

/// One item as shown: the options in this attempt's order, no key.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PaperItem {
    /// 1, 2, 3 … in the paper.
    pub n: usize,
    pub stem: String,
    /// 单选, 多选 or 判断.
    #[schema(example = "单选")]
    pub kind: String,
    #[schema(example = "科学知识")]
    pub dimension: String,
    pub options: Vec<String>,
}

/// An attempt's paper.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Paper {
    pub test_id: i64,
    pub title: String,
    pub items: Vec<PaperItem>,
    #[serde(with = "time::serde::rfc3339")]
    pub deadline: OffsetDateTime,
    pub seconds_left: i64,
    pub submitted: bool,
}

/// The answers: for each item in paper order, the positions (0-based, as shown) chosen.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"answers": [[0], [1, 2], [1]]}))]
pub struct SubmitAnswersRequest {
    #[schema(schema_with = answers_schema)]
    #[serde(deserialize_with = "answers")]
    pub answers: Vec<Vec<u8>>,
}

/// Positions as whole numbers (`2` or `2.0`), each a byte.
fn answers<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
    use serde::de::Error;
    let raw = Vec::<Vec<serde_json::Number>>::deserialize(d)?;
    raw.iter()
        .map(|item| {
            item.iter()
                .map(|n| {
                    whole::of(n)
                        .and_then(|i| u8::try_from(i).ok())
                        .ok_or_else(|| {
                            D::Error::custom(format!("{n} 不是选项序号 (not a position)"))
                        })
                })
                .collect()
        })
        .collect()
}

/// Per item, at most 5 positions, each a byte.
fn answers_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
    let position = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .minimum(Some(0))
        .maximum(Some(255));
    let item = ArrayBuilder::new().items(position).max_items(Some(5));
    ArrayBuilder::new().items(item).build()
}

/// Points in one dimension of the test.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DimensionScore {
    #[schema(example = "科学知识")]
    pub dimension: String,
    pub points: f64,
    pub of: f64,
}

/// The result of a submitted attempt (and its certificate number).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AttemptResult {
    pub attempt_id: i64,
    pub test_title: String,
    /// Masked: 张*三.
    #[schema(example = "张*三")]
    pub name: String,
    pub score: f64,
    pub passed: bool,
    pub pass_mark: f64,
    pub by_dimension: Vec<DimensionScore>,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    /// Arrived after the deadline (not counted as passed).
    pub late: bool,
    /// 证书编号.
    pub certificate_no: String,
}

impl From<kesu_app::citizens::quiz::AttemptResult> for AttemptResult {
    fn from(r: kesu_app::citizens::quiz::AttemptResult) -> Self {
        AttemptResult {
            attempt_id: r.attempt_id,
            test_title: r.test_title,
            name: r.name,
            score: r.score,
            passed: r.passed,
            pass_mark: r.pass_mark,
            by_dimension: r
                .by_dimension
                .into_iter()
                .map(|(dimension, points, of)| DimensionScore {
                    dimension,
                    points,
                    of,
                })
                .collect(),
            submitted_at: r.submitted_at,
            late: r.late,
            certificate_no: r.certificate_no,
        }
    }
}

/// A test's results for an office: a self-selected sample, not a survey.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TestResults {
    pub test_id: i64,
    pub title: String,
    pub region_code: String,
    /// That the figures describe who chose to take the test, not the population.
    pub note: String,
    pub attempts: i64,
    pub passed: i64,
    /// Participation and pass rate by child region and key group.
    pub by_region: Vec<Participation>,
    /// Item statistics.
    pub items: Vec<ItemResult>,
    /// The attempts, masked.
    pub lines: Vec<AttemptLine>,
}

/// Participation and pass rate of one group of attempts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Participation {
    pub region_code: String,
    pub region_name: String,
    pub key_group: String,
    pub attempts: i64,
    pub passed: i64,
    /// Percent.
    pub pass_rate: f64,
}

/// An item with its statistics.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ItemResult {
    pub question_id: i64,
    pub number: String,
    pub stem: String,
    pub dimension: String,
    /// The benchmark (基准) the item tests.
    pub benchmark: u8,
    pub stats: ItemStats,
}

/// How an item behaved.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ItemStats {
    pub question_id: i64,
    pub attempts: u32,
    /// Share right, 0–1.
    pub facility: f64,
    /// Point-biserial against the rest score; `null` when it cannot be computed.
    pub discrimination: Option<f64>,
    /// Upper minus lower 27 % right share; `null` below 4 attempts.
    pub upper_lower: Option<f64>,
    /// Why to look at it (empty: nothing to say).
    pub flags: Vec<String>,
}

/// One attempt in the results, masked.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AttemptLine {
    pub attempt_id: i64,
    pub region_code: String,
    pub key_group: String,
    #[schema(example = "张*三")]
    pub name: String,
    #[schema(example = "138****8000")]
    pub phone: String,
    pub score: f64,
    pub passed: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
}

impl From<kesu_app::citizens::quiz::TestResults> for TestResults {
    fn from(r: kesu_app::citizens::quiz::TestResults) -> Self {
        TestResults {
            test_id: r.test_id,
            title: r.title,
            region_code: r.region_code,
            note: r.note.to_string(),
            attempts: r.attempts,
            passed: r.passed,
            by_region: r
                .by_region
                .into_iter()
                .map(|p| Participation {
                    region_code: p.region_code,
                    region_name: p.region_name,
                    key_group: p.key_group,
                    attempts: p.attempts,
                    passed: p.passed,
                    pass_rate: p.pass_rate,
                })
                .collect(),
            items: r
                .items
                .into_iter()
                .map(|i| ItemResult {
                    question_id: i.question_id,
                    number: i.number,
                    stem: i.stem,
                    dimension: i.dimension,
                    benchmark: i.benchmark,
                    stats: ItemStats {
                        question_id: i.stats.question_id,
                        attempts: i.stats.attempts,
                        facility: i.stats.facility,
                        discrimination: i.stats.discrimination,
                        upper_lower: i.stats.upper_lower,
                        flags: i.stats.flags.iter().map(|f| f.to_string()).collect(),
                    },
                })
                .collect(),
            lines: r
                .lines
                .into_iter()
                .map(|l| AttemptLine {
                    attempt_id: l.attempt_id,
                    region_code: l.region_code,
                    key_group: l.key_group,
                    name: l.name,
                    phone: l.phone,
                    score: l.score,
                    passed: l.passed,
                    submitted_at: l.submitted_at,
                })
                .collect(),
        }
    }
}

/// Whether to count by key group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CountBy {
    /// By key group (重点人群).
    Group,
}

/// Which ledger to count.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CountParams {
    /// A region code in the caller's subtree; the caller's own region when left out.
    #[serde(default)]
    #[param(example = "4313")]
    pub region: Option<String>,
    /// `group`: also count by key group (anything else is refused, 422).
    #[serde(default)]
    #[param(value_type = Option<CountBy>)]
    pub by: Option<String>,
}

/// 台账人数.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"region": "4313", "count": 120, "by": {"农民": 80, "青少年": 40}}))]
pub struct LedgerCount {
    pub region: String,
    pub count: i64,
    /// By key group (Chinese name), when asked with `by=group`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<BTreeMap<String, i64>>,
}

/// Which ledger entries to list.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntriesParams {
    /// A region code in the caller's subtree; the caller's own region when left out.
    #[serde(default)]
    #[param(example = "431302001001")]
    pub region: Option<String>,
    /// 0, 1, 2 … (fixed-size pages).
    #[serde(default)]
    #[param(value_type = i64, minimum = 0, maximum = 4294967295.0)]
    pub page: u32,
}

/// A ledger entry (台账条目), masked.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LedgerEntry {
    pub id: i64,
    pub region_code: String,
    /// 重点人群 (Chinese name).
    pub key_group: String,
    #[schema(example = "张*三")]
    pub name: String,
    #[schema(example = "110***********002X")]
    pub id_number: String,
    #[schema(example = "138****8000")]
    pub phone: String,
    /// Why the person counts as having basic literacy (认定依据).
    pub basis: String,
    #[serde(with = "iso_date")]
    pub entered_on: Date,
    pub status: String,
}

impl From<kesu_app::citizens::ledger::EntryView> for LedgerEntry {
    fn from(e: kesu_app::citizens::ledger::EntryView) -> Self {
        LedgerEntry {
            id: e.id,
            region_code: e.region_code,
            key_group: e.key_group,
            name: e.name,
            id_number: e.id_number,
            phone: e.phone,
            basis: e.basis,
            entered_on: e.entered_on,
            status: e.status,
        }
    }
}

/// A personal field of a ledger entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RevealField {
    IdNumber,
    Phone,
    Name,
}

/// A reveal: which field and why (recorded in the audit log).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"field": "phone", "reason": "核实联系方式"}))]
pub struct RevealRequest {
    /// `id_number`, `phone` or `name` (anything else is refused, 422).
    #[schema(value_type = RevealField)]
    pub field: String,
    /// Why (required; kept in the audit log).
    pub reason: String,
}

/// The revealed value.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Revealed {
    pub value: String,
}
