//! What changed between two editions of a plan: tasks added, removed, re-titled, re-assigned,
//! targets changed. Tasks are matched by their numbering path, which is how people refer to them
//! ("二(一)3").

use crate::plan::{Plan, Target, Task};
use serde::Serialize;
use std::collections::BTreeMap;

/// One change, for people and for the audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// 新增任务
    TaskAdded { path: String, title: String },
    /// 删除任务
    TaskRemoved { path: String, title: String },
    /// 任务名称变更
    TaskRetitled {
        path: String,
        before: String,
        after: String,
    },
    /// 责任单位变更 (lead / cooperating / responsible)
    Reassigned {
        path: String,
        role: &'static str,
        before: Vec<String>,
        after: Vec<String>,
    },
    /// 量化目标变更
    TargetsChanged {
        path: String,
        before: Vec<String>,
        after: Vec<String>,
    },
    /// 总体目标变更
    GoalsChanged {
        before: Vec<String>,
        after: Vec<String>,
    },
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::TaskAdded { path, title } => write!(f, "新增任务 {path} {title}"),
            Change::TaskRemoved { path, title } => write!(f, "删除任务 {path} {title}"),
            Change::TaskRetitled {
                path,
                before,
                after,
            } => {
                write!(f, "任务 {path} 名称：{before} → {after}")
            }
            Change::Reassigned {
                path,
                role,
                before,
                after,
            } => {
                let zh = match *role {
                    "lead" => "牵头单位",
                    "cooperating" => "配合单位",
                    _ => "责任单位",
                };
                write!(f, "任务 {path} {zh}：{} → {}", list(before), list(after))
            }
            Change::TargetsChanged {
                path,
                before,
                after,
            } => {
                write!(
                    f,
                    "任务 {path} 量化目标：{} → {}",
                    list(before),
                    list(after)
                )
            }
            Change::GoalsChanged { before, after } => {
                write!(f, "总体目标：{} → {}", list(before), list(after))
            }
        }
    }
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "（无）".to_string()
    } else {
        v.join("、")
    }
}

/// The path of a task as one string: `二.(一).3`.
pub fn path_key(task: &Task) -> String {
    task.path_label()
}

fn targets_text(t: &[Target]) -> Vec<String> {
    t.iter().map(|t| t.text.clone()).collect()
}

/// The changes that turn `old` into `new`, in the new document's order (removals last).
pub fn diff(old: &Plan, new: &Plan) -> Vec<Change> {
    let mut out = Vec::new();
    if targets_text(&old.goals) != targets_text(&new.goals) {
        out.push(Change::GoalsChanged {
            before: targets_text(&old.goals),
            after: targets_text(&new.goals),
        });
    }
    let before: BTreeMap<String, &Task> = old.tasks.iter().map(|t| (path_key(t), t)).collect();
    let after: BTreeMap<String, &Task> = new.tasks.iter().map(|t| (path_key(t), t)).collect();
    for t in &new.tasks {
        let key = path_key(t);
        let Some(o) = before.get(&key) else {
            out.push(Change::TaskAdded {
                path: key,
                title: t.title.clone(),
            });
            continue;
        };
        if o.title != t.title {
            out.push(Change::TaskRetitled {
                path: key.clone(),
                before: o.title.clone(),
                after: t.title.clone(),
            });
        }
        for (role, b, a) in [
            ("lead", &o.lead, &t.lead),
            ("cooperating", &o.cooperating, &t.cooperating),
            ("responsible", &o.responsible, &t.responsible),
        ] {
            if b != a {
                out.push(Change::Reassigned {
                    path: key.clone(),
                    role,
                    before: b.clone(),
                    after: a.clone(),
                });
            }
        }
        if o.targets != t.targets {
            out.push(Change::TargetsChanged {
                path: key.clone(),
                before: targets_text(&o.targets),
                after: targets_text(&t.targets),
            });
        }
    }
    for t in &old.tasks {
        let key = path_key(t);
        if !after.contains_key(&key) {
            out.push(Change::TaskRemoved {
                path: key,
                title: t.title.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(path: &[&str], title: &str, lead: &[&str]) -> Task {
        Task {
            path: path.iter().map(|s| s.to_string()).collect(),
            title: title.into(),
            lead: lead.iter().map(|s| s.to_string()).collect(),
            ..Task::default()
        }
    }

    fn plan(tasks: Vec<Task>) -> Plan {
        Plan {
            tasks,
            ..Plan::default()
        }
    }

    #[test]
    fn the_same_plan_has_no_changes() {
        let p = plan(vec![task(&["一", "1"], "a", &["市科协"])]);
        assert!(diff(&p, &p).is_empty());
    }

    #[test]
    fn added_removed_and_reassigned_tasks_are_named_by_path() {
        let old = plan(vec![
            task(&["一", "1"], "a", &["市科协"]),
            task(&["一", "2"], "b", &[]),
        ]);
        let new = plan(vec![
            task(&["一", "1"], "a", &["市教育局"]),
            task(&["一", "3"], "c", &[]),
        ]);
        let d = diff(&old, &new);
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(matches!(&d[0], Change::Reassigned { path, role: "lead", .. } if path == "一.1"));
        assert!(matches!(&d[1], Change::TaskAdded { path, .. } if path == "一.3"));
        assert!(matches!(&d[2], Change::TaskRemoved { path, .. } if path == "一.2"));
        assert_eq!(d[0].to_string(), "任务 一.1 牵头单位：市科协 → 市教育局");
    }
}
