//! The shapes of the plan-drafts API (方案草稿): a plan document uploaded into a draft, the
//! draft with the reader's plan JSON, its doubts and collective names, an edited plan JSON, and
//! what confirming stored.
//!
//! The plan JSON (`shared/plan-format.md`) is mirrored here field for field ([`PlanJson`]) so
//! that the document describes it; `kesu_core::Plan` stays the one that is parsed (its serde
//! path names the refused field) and is copied into the mirror on the way out.

use super::TaskRole;
use kesu_app::plans::drafts::View;
use kesu_core::plan::{Comparator as CoreComparator, Plan, PlanLevel, Target, TargetValue, Task};
use kesu_core::plan_diff::Change;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// 上传方案文件 (multipart/form-data).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[allow(dead_code)] // The multipart form's description: the handler reads the parts itself.
#[serde(deny_unknown_fields)] // documented as additionalProperties: false
pub struct PlanDraftUpload {
    /// .docx, .txt (any encoding), .html, .pdf (with a text layer) or a 任务分解表 .xlsx.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// 区划代码: the region the plan belongs to, in the caller's subtree. Left out: the region
    /// the document names, else the caller's own.
    #[schema(example = "431300")]
    pub region: Option<String>,
}

/// 方案 JSON: one plan as a task table (`shared/plan-format.md`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"title": "娄底市全民科学素质行动规划纲要实施方案(2021-2025年)",
    "region": "娄底市", "level": "city", "period": [2021, 2025], "issuer": "娄底市人民政府办公室",
    "goals": [], "tasks": [{"path": ["一", "1"], "title": "实施青少年科学素质提升行动",
    "lead": ["市教育局"], "cooperating": ["市科协"], "responsible": [], "targets": []}]}))]
pub struct PlanJson {
    /// 标题.
    pub title: String,
    /// The region the plan is for, as written (娄底市).
    pub region: Option<String>,
    pub level: Option<PlanJsonLevel>,
    /// First and last year covered (`[2020, 2020]` for an annual 工作要点).
    pub period: Option<[i32; 2]>,
    /// 印发单位.
    pub issuer: Option<String>,
    /// 主要目标: plan-wide quantitative goals.
    pub goals: Vec<PlanJsonTarget>,
    /// Every leaf work item, in document order.
    pub tasks: Vec<PlanJsonTask>,
}

/// The administrative level of the plan's region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PlanJsonLevel {
    /// 省级 (and the four 直辖市).
    Province,
    /// 地级市.
    City,
    /// 县, 县级市.
    County,
    /// 市辖区.
    District,
    /// 乡镇, 街道.
    Township,
}

/// A work item (任务/措施) with its units and quantitative targets.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanJsonTask {
    /// Numbering labels from the top down: `["二", "(一)", "2"]`; unnumbered ones `¶N`.
    pub path: Vec<String>,
    pub title: String,
    /// 牵头单位, as written.
    #[serde(default)]
    pub lead: Vec<String>,
    /// 配合单位.
    #[serde(default)]
    pub cooperating: Vec<String>,
    /// 责任单位 without a role.
    #[serde(default)]
    pub responsible: Vec<String>,
    /// 量化目标.
    #[serde(default)]
    pub targets: Vec<PlanJsonTarget>,
    /// The task's text in the document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// A quantitative commitment (量化目标), of a task or of the whole plan.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanJsonTarget {
    /// The clause that states it.
    pub text: String,
    /// What is counted or measured.
    pub indicator: String,
    pub comparator: Comparator,
    pub value: PlanJsonValue,
    /// As written: `%`, `人次`, `名` …
    pub unit: String,
    /// Deadline year, if stated.
    pub year: Option<i32>,
    /// The entity it applies to (每个村).
    pub per: Option<String>,
}

/// How the value is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Comparator {
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "=")]
    Eq,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "range")]
    Range,
}

/// A number, or `[low, high]` for `range`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum PlanJsonValue {
    Number(f64),
    Range([f64; 2]),
}

impl From<Plan> for PlanJson {
    fn from(p: Plan) -> Self {
        PlanJson {
            title: p.title,
            region: p.region,
            level: p.level.map(Into::into),
            period: p.period,
            issuer: p.issuer,
            goals: p.goals.into_iter().map(Into::into).collect(),
            tasks: p.tasks.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<PlanLevel> for PlanJsonLevel {
    fn from(l: PlanLevel) -> Self {
        match l {
            PlanLevel::Province => PlanJsonLevel::Province,
            PlanLevel::City => PlanJsonLevel::City,
            PlanLevel::County => PlanJsonLevel::County,
            PlanLevel::District => PlanJsonLevel::District,
            PlanLevel::Township => PlanJsonLevel::Township,
        }
    }
}

impl From<Task> for PlanJsonTask {
    fn from(t: Task) -> Self {
        PlanJsonTask {
            path: t.path,
            title: t.title,
            lead: t.lead,
            cooperating: t.cooperating,
            responsible: t.responsible,
            targets: t.targets.into_iter().map(Into::into).collect(),
            text: t.text,
        }
    }
}

impl From<Target> for PlanJsonTarget {
    fn from(t: Target) -> Self {
        PlanJsonTarget {
            text: t.text,
            indicator: t.indicator,
            comparator: match t.comparator {
                CoreComparator::Gt => Comparator::Gt,
                CoreComparator::Ge => Comparator::Ge,
                CoreComparator::Eq => Comparator::Eq,
                CoreComparator::Le => Comparator::Le,
                CoreComparator::Lt => Comparator::Lt,
                CoreComparator::Range => Comparator::Range,
            },
            value: match t.value {
                TargetValue::Number(v) => PlanJsonValue::Number(v),
                TargetValue::Range(r) => PlanJsonValue::Range(r),
            },
            unit: t.unit,
            year: t.year,
            per: t.per,
        }
    }
}

/// Where a draft stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DraftStatus {
    /// 待确认: still being checked.
    Open,
    /// 已确认: imported as a plan (`plan_id`, `revision`).
    Confirmed,
}

/// 方案草稿: the plan the reader found, with what to check before confirming.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanDraft {
    #[schema(example = 3)]
    pub id: i64,
    /// Send it back (`If-Match` on PUT, `version` on confirm) to refuse a change made since.
    #[schema(example = 1)]
    pub version: i64,
    pub status: DraftStatus,
    #[schema(example = "431300")]
    pub region_code: String,
    #[schema(example = "娄底市")]
    pub region_name: Option<String>,
    /// The uploaded file's name.
    #[schema(example = "娄底市实施方案.docx")]
    pub source_name: String,
    pub plan: PlanJson,
    /// 存疑之处: the reader's doubts and unit names the region does not know.
    pub warnings: Vec<DraftWarning>,
    /// 集合称谓: collective names and the members they expand to at import.
    pub collectives: Vec<DraftCollective>,
    /// The stored plan this draft would revise, with the changes confirming would make.
    pub revises: Option<DraftRevises>,
    /// The document's text, one paragraph a line.
    pub source: String,
    /// Each task's place in `source` as `[start, end]` byte offsets, in task order (`null`:
    /// not found).
    pub spans: Vec<Option<[usize; 2]>>,
    /// The plan confirming made (confirmed drafts).
    pub plan_id: Option<i64>,
    pub revision: Option<i64>,
}

/// A doubt of the reader, or a unit name the region does not know: what and where.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DraftWarning {
    #[schema(example = "任务未找到牵头单位 (no lead unit found)")]
    pub message: String,
    /// A path into the plan JSON (`tasks[3].lead[0]`, `goals`) or the source
    /// (`source[120..480]`).
    #[schema(example = "tasks[3].lead")]
    pub path: String,
}

/// A collective name (各县市区人民政府) and the members it expands to at import.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DraftCollective {
    #[schema(example = "各县市区人民政府")]
    pub name: String,
    #[schema(example = "各县市区人民政府 → 5 个县市区")]
    pub summary: String,
    /// Kept as one unit, not expanded.
    pub keep: bool,
    pub members: Vec<DraftCollectiveMember>,
}

/// A member a collective name expands to.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DraftCollectiveMember {
    /// A region code, or a unit name.
    #[schema(example = "431302")]
    pub key: String,
    #[schema(example = "娄星区人民政府")]
    pub name: String,
    pub included: bool,
}

/// The stored plan a draft would revise.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DraftRevises {
    pub plan_id: i64,
    pub revision: i64,
    pub changes: Vec<PlanChange>,
}

/// 方案变更: one difference between two editions of a plan; tasks are matched by `path`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum PlanChange {
    /// 新增任务.
    TaskAdded { path: String, title: String },
    /// 删除任务.
    TaskRemoved { path: String, title: String },
    /// 任务名称变更.
    TaskRetitled {
        path: String,
        before: String,
        after: String,
    },
    /// 责任单位变更: the units of one role.
    Reassigned {
        path: String,
        role: TaskRole,
        before: Vec<String>,
        after: Vec<String>,
    },
    /// 量化目标变更 (each target as text).
    TargetsChanged {
        path: String,
        before: Vec<String>,
        after: Vec<String>,
    },
    /// 总体目标变更.
    GoalsChanged {
        before: Vec<String>,
        after: Vec<String>,
    },
}

impl From<Change> for PlanChange {
    fn from(c: Change) -> Self {
        match c {
            Change::TaskAdded { path, title } => PlanChange::TaskAdded { path, title },
            Change::TaskRemoved { path, title } => PlanChange::TaskRemoved { path, title },
            Change::TaskRetitled {
                path,
                before,
                after,
            } => PlanChange::TaskRetitled {
                path,
                before,
                after,
            },
            Change::Reassigned {
                path,
                role,
                before,
                after,
            } => PlanChange::Reassigned {
                path,
                role: TaskRole::of(role),
                before,
                after,
            },
            Change::TargetsChanged {
                path,
                before,
                after,
            } => PlanChange::TargetsChanged {
                path,
                before,
                after,
            },
            Change::GoalsChanged { before, after } => PlanChange::GoalsChanged { before, after },
        }
    }
}

fn changes(cs: Vec<Change>) -> Vec<PlanChange> {
    cs.into_iter().map(Into::into).collect()
}

impl From<View> for PlanDraft {
    fn from(v: View) -> Self {
        PlanDraft {
            id: v.id,
            version: v.version,
            status: if v.status == "confirmed" {
                DraftStatus::Confirmed
            } else {
                DraftStatus::Open
            },
            region_code: v.region_code,
            region_name: v.region_name,
            source_name: v.source_name,
            plan: v.plan.into(),
            warnings: v
                .warnings
                .into_iter()
                .map(|w| DraftWarning {
                    message: w.message,
                    path: w.path,
                })
                .collect(),
            collectives: v
                .expansions
                .into_iter()
                .map(|e| DraftCollective {
                    name: e.name,
                    summary: e.summary,
                    keep: e.keep,
                    members: e
                        .choices
                        .into_iter()
                        .map(|c| DraftCollectiveMember {
                            key: c.key,
                            name: c.name,
                            included: c.included,
                        })
                        .collect(),
                })
                .collect(),
            revises: v.revises.map(|r| DraftRevises {
                plan_id: r.plan_id,
                revision: r.revision,
                changes: changes(r.changes),
            }),
            source: v.source,
            spans: v.spans,
            plan_id: v.plan_id,
            revision: v.revision,
        }
    }
}

/// 确认导入: the version the client saw (optional; a stale one is 409).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ConfirmDraftRequest {
    #[serde(default)]
    #[schema(example = 2)]
    pub version: Option<i64>,
}

/// What confirming did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ConfirmOutcome {
    /// 新方案.
    Created,
    /// 新修订版 of the plan of the same region and title (tasks of the same path keep their id).
    Revised,
    /// The same as the stored revision: nothing stored.
    Unchanged,
}

/// 已确认: the plan confirming stored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanDraftConfirmed {
    #[schema(example = 4)]
    pub plan_id: i64,
    #[schema(example = 1)]
    pub revision: i64,
    pub outcome: ConfirmOutcome,
    /// The changes of a revision (empty otherwise).
    pub changes: Vec<PlanChange>,
}

impl From<kesu_app::plans::drafts::Confirmed> for PlanDraftConfirmed {
    fn from(done: kesu_app::plans::drafts::Confirmed) -> Self {
        use kesu_store::plans::ImportOutcome as O;
        let (outcome, cs) = match done.outcome {
            O::Created { .. } => (ConfirmOutcome::Created, Vec::new()),
            O::Unchanged { .. } => (ConfirmOutcome::Unchanged, Vec::new()),
            O::Revised { changes, .. } => (ConfirmOutcome::Revised, changes),
        };
        PlanDraftConfirmed {
            plan_id: done.plan_id,
            revision: done.revision,
            outcome,
            changes: changes(cs),
        }
    }
}
