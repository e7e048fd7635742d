//! A draft's plan and state, and the office's edits to them: pure functions on values (no
//! storage), each refusing bad input with a 422 that names the field (`tasks[3].lead[0]`).
//!
//! A task is known by its numbering path (`二.(一).3`): that is how the import matches it with
//! the stored plan's task (which keeps its id, so reports stay attached), and how the draft
//! keeps the task's place in the source text and the reader's doubts about it through edits.
//! Paths are therefore unique in a draft; a split or added task gets a path of its own.

use super::expand::Expansion;
use crate::{Error, Result};
use kesu_core::{Plan, Target, TargetValue, Task};
use kesu_plan::{ParseOutput, Warning};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Most tasks a plan may have (a 100-page plan has about 1 600).
pub const MAX_TASKS: usize = 20_000;
/// Longest title of a plan or a task, in characters.
pub const MAX_TITLE: usize = 2_000;
/// Longest unit name, in characters.
pub const MAX_UNIT: usize = 100;

/// The draft's state beside its plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Each task's place in the source text (byte offsets), by the task's path label.
    #[serde(default)]
    pub spans: BTreeMap<String, [usize; 2]>,
    /// The reader's doubts the office has not yet settled.
    #[serde(default)]
    pub doubts: Vec<Doubt>,
    /// Collective names and how the office expands them.
    #[serde(default)]
    pub expansions: Vec<Expansion>,
}

/// A doubt kept with a draft: about a task (by its path label, so that it follows the task
/// through edits) or about a place of the plan or the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Doubt {
    pub message: String,
    #[serde(default)]
    pub task: Option<String>,
    /// After the task (`.targets`, or empty), or the whole place (`goals`, `tasks`,
    /// `source[120..480]`).
    pub place: String,
}

impl State {
    /// The state of a fresh draft from what the reader made of the document (paths made
    /// unique first: the plan is changed in place), with `more` doubts about the whole plan.
    pub fn from_reader(out: &mut ParseOutput, more: Vec<String>) -> State {
        let renamed = unique_paths(&mut out.plan);
        let mut state = State::default();
        for (t, span) in out.plan.tasks.iter().zip(&out.spans) {
            if let Some(s) = span {
                state.spans.insert(t.path_label(), [s.start, s.end]);
            }
        }
        let mut doubts: Vec<Doubt> = more
            .into_iter()
            .map(|message| Doubt {
                message,
                task: None,
                place: "region".into(),
            })
            .collect();
        for w in &out.warnings {
            doubts.push(anchor(&out.plan, w));
        }
        for (i, old) in renamed {
            doubts.push(Doubt {
                message: format!(
                    "有两项任务编号都是 {old}，后一项已改为 {}，请核对编号",
                    out.plan.tasks[i].path_label()
                ),
                task: Some(out.plan.tasks[i].path_label()),
                place: ".path".into(),
            });
        }
        state.doubts = doubts;
        state
    }

    /// The doubts as paths into the plan as it is now (`tasks[7].targets`); a doubt about a
    /// task no longer in the plan is gone.
    pub fn warnings(&self, plan: &Plan) -> Vec<Warning> {
        let index: BTreeMap<String, usize> = plan
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| (t.path_label(), i))
            .collect();
        self.doubts
            .iter()
            .filter_map(|d| match &d.task {
                None => Some(Warning {
                    message: d.message.clone(),
                    path: d.place.clone(),
                }),
                Some(label) => index.get(label).map(|i| Warning {
                    message: d.message.clone(),
                    path: format!("tasks[{i}]{}", d.place),
                }),
            })
            .collect()
    }

    /// Each task's place in the source, in task order.
    pub fn spans_of(&self, plan: &Plan) -> Vec<Option<[usize; 2]>> {
        plan.tasks
            .iter()
            .map(|t| self.spans.get(&t.path_label()).copied())
            .collect()
    }

    /// Keep spans and doubts only for tasks still in `plan` (after a replacement).
    fn retain_tasks(&mut self, plan: &Plan) {
        let live: BTreeSet<String> = plan.tasks.iter().map(Task::path_label).collect();
        self.spans.retain(|k, _| live.contains(k));
        self.doubts
            .retain(|d| d.task.as_ref().is_none_or(|t| live.contains(t)));
    }

    /// The office has checked the task: its doubts are settled.
    fn settle(&mut self, label: &str) {
        self.doubts.retain(|d| d.task.as_deref() != Some(label));
    }
}

/// A reader's warning anchored to its task's path label (`tasks[3].targets` → the label of
/// task 3 and `.targets`).
fn anchor(plan: &Plan, w: &Warning) -> Doubt {
    let task = w
        .path
        .strip_prefix("tasks[")
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(i, rest)| Some((i.parse::<usize>().ok()?, rest)));
    match task.and_then(|(i, rest)| Some((plan.tasks.get(i)?, rest))) {
        Some((t, rest)) => Doubt {
            message: w.message.clone(),
            task: Some(t.path_label()),
            place: rest.to_string(),
        },
        None => Doubt {
            message: w.message.clone(),
            task: None,
            place: w.path.clone(),
        },
    }
}

/// Make every task's path unique: a repeated one gets "-2", "-3" on its last label. Returns
/// the renamed tasks with their old label.
fn unique_paths(plan: &mut Plan) -> Vec<(usize, String)> {
    let mut seen = BTreeSet::new();
    let mut renamed = Vec::new();
    for i in 0..plan.tasks.len() {
        let label = plan.tasks[i].path_label();
        if seen.insert(label.clone()) {
            continue;
        }
        let path = fresh_path(&plan.tasks[i].path, &seen);
        plan.tasks[i].path = path;
        seen.insert(plan.tasks[i].path_label());
        renamed.push((i, label));
    }
    renamed
}

/// `path` with "-2", "-3" … on its last label, the first not in `taken`.
fn fresh_path(path: &[String], taken: &BTreeSet<String>) -> Vec<String> {
    (2..)
        .map(|k| {
            let mut p = path.to_vec();
            match p.last_mut() {
                Some(last) => last.push_str(&format!("-{k}")),
                None => p.push(format!("新增{k}")),
            }
            p
        })
        .find(|p| !taken.contains(&p.join(".")))
        .unwrap_or_default()
}

/// A task as the office writes it in the draft.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskInput {
    /// The numbering path as shown (`二.(一).3`); `None` keeps it (or, for a new task, makes one).
    pub path: Option<String>,
    pub title: String,
    pub lead: Vec<String>,
    pub cooperating: Vec<String>,
    pub responsible: Vec<String>,
    pub targets: Vec<Target>,
}

fn task_at(plan: &Plan, index: usize) -> Result<&Task> {
    plan.tasks.get(index).ok_or_else(|| {
        Error::invalid_field(
            format!("tasks[{index}]"),
            format!("草稿中没有第 {} 项任务 (no such task)", index + 1),
        )
    })
}

fn parse_path(text: &str, field: &str) -> Result<Vec<String>> {
    let path: Vec<String> = text.split('.').map(|s| s.trim().to_string()).collect();
    if path.iter().any(String::is_empty) {
        return Err(Error::invalid_field(
            field,
            format!("编号“{text}”无效：用点分隔各级编号，如 二.(一).3 (bad path)"),
        ));
    }
    Ok(path)
}

/// Save the office's version of task `index`; its doubts are settled.
pub fn save_task(plan: &mut Plan, state: &mut State, index: usize, input: TaskInput) -> Result<()> {
    let old = task_at(plan, index)?.path_label();
    let path = match &input.path {
        Some(p) => parse_path(p, &format!("tasks[{index}].path"))?,
        None => plan.tasks[index].path.clone(),
    };
    let t = &mut plan.tasks[index];
    t.path = path;
    t.title = input.title.trim().to_string();
    t.lead = input.lead;
    t.cooperating = input.cooperating;
    t.responsible = input.responsible;
    t.targets = input.targets;
    let new = t.path_label();
    validate(plan)?;
    if new != old
        && let Some(span) = state.spans.remove(&old)
    {
        state.spans.insert(new.clone(), span);
    }
    state.settle(&old);
    Ok(())
}

/// Split task `index` into one task per line of `input.title`: the first keeps the task's
/// path (and id when stored), the others get paths of their own; each keeps the units, and
/// the targets go to the part whose text states them (else the first).
pub fn split_task(
    plan: &mut Plan,
    state: &mut State,
    index: usize,
    input: TaskInput,
) -> Result<usize> {
    let field = format!("tasks[{index}].title");
    let parts: Vec<String> = input
        .title
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    if parts.len() < 2 {
        return Err(Error::invalid_field(
            field,
            "拆分时请在任务名称中分行写出各项，每行一项 (one line per task to split)",
        ));
    }
    let base = task_at(plan, index)?.clone();
    let mut first = TaskInput {
        title: parts[0].clone(),
        ..input
    };
    let mut targets = std::mem::take(&mut first.targets);
    let mut pieces = Vec::with_capacity(parts.len());
    for (k, part) in parts.iter().enumerate() {
        let (mine, rest): (Vec<Target>, Vec<Target>) = targets
            .into_iter()
            .partition(|t| k > 0 && part.contains(&t.text));
        targets = rest;
        pieces.push(mine);
    }
    pieces[0].extend(targets);
    save_task(
        plan,
        state,
        index,
        TaskInput {
            targets: pieces[0].clone(),
            ..first
        },
    )?;
    let kept = plan.tasks[index].clone();
    let mut taken: BTreeSet<String> = plan.tasks.iter().map(Task::path_label).collect();
    let span = state.spans.get(&kept.path_label()).copied();
    for (k, part) in parts.iter().enumerate().skip(1) {
        let path = fresh_path(&base.path, &taken);
        taken.insert(path.join("."));
        let t = Task {
            path,
            title: part.clone(),
            targets: pieces[k].clone(),
            text: Some(part.clone()),
            ..kept.clone()
        };
        if let Some(s) = span {
            state.spans.insert(t.path_label(), s);
        }
        plan.tasks.insert(index + k, t);
    }
    plan.tasks[index].text = Some(parts[0].clone());
    validate(plan)?;
    Ok(parts.len())
}

/// Merge task `index` with the next one: titles joined, units and targets of both, the first's
/// path; the second's doubts move to the merged task.
pub fn merge_with_next(plan: &mut Plan, state: &mut State, index: usize) -> Result<()> {
    task_at(plan, index)?;
    if index + 1 >= plan.tasks.len() {
        return Err(Error::invalid_field(
            format!("tasks[{index}]"),
            "这是最后一项任务，没有下一项可以合并 (nothing to merge with)",
        ));
    }
    let second = plan.tasks.remove(index + 1);
    let first = &mut plan.tasks[index];
    let label = first.path_label();
    let gone = second.path_label();
    first.title = format!(
        "{}；{}",
        first.title.trim_end_matches(['。', '；']),
        second.title
    );
    for (mine, theirs) in [
        (&mut first.lead, &second.lead),
        (&mut first.cooperating, &second.cooperating),
        (&mut first.responsible, &second.responsible),
    ] {
        for n in theirs {
            if !mine.contains(n) {
                mine.push(n.clone());
            }
        }
    }
    first.targets.extend(second.targets);
    first.text = match (first.text.take(), second.text) {
        (Some(a), Some(b)) => Some(format!("{a}\n{b}")),
        (a, b) => a.or(b),
    };
    if let Some(b) = state.spans.remove(&gone) {
        let merged = match state.spans.get(&label) {
            Some(a) => [a[0].min(b[0]), a[1].max(b[1])],
            None => b,
        };
        state.spans.insert(label.clone(), merged);
    }
    for d in &mut state.doubts {
        if d.task.as_deref() == Some(gone.as_str()) {
            d.task = Some(label.clone());
        }
    }
    validate(plan)
}

/// Delete task `index` (a plan keeps at least one task).
pub fn delete_task(plan: &mut Plan, state: &mut State, index: usize) -> Result<()> {
    let label = task_at(plan, index)?.path_label();
    if plan.tasks.len() == 1 {
        return Err(Error::invalid_field(
            "tasks",
            "方案至少要有一项任务，不能删除最后一项 (a plan needs a task)",
        ));
    }
    plan.tasks.remove(index);
    state.spans.remove(&label);
    state.settle(&label);
    Ok(())
}

/// Add a task after task `after` (at the end when `None`); returns its index. Without a path
/// it gets one of its own (新增1, 新增2 …).
pub fn add_task(plan: &mut Plan, after: Option<usize>, input: TaskInput) -> Result<usize> {
    let at = match after {
        Some(i) => task_at(plan, i).map(|_| i + 1)?,
        None => plan.tasks.len(),
    };
    let taken: BTreeSet<String> = plan.tasks.iter().map(Task::path_label).collect();
    let path = match &input.path {
        Some(p) if !p.trim().is_empty() => parse_path(p, &format!("tasks[{at}].path"))?,
        _ => (1..)
            .map(|k| vec![format!("新增{k}")])
            .find(|p| !taken.contains(&p.join(".")))
            .unwrap_or_default(),
    };
    plan.tasks.insert(
        at,
        Task {
            path,
            title: input.title.trim().to_string(),
            lead: input.lead,
            cooperating: input.cooperating,
            responsible: input.responsible,
            text: Some(input.title.trim().to_string()),
            targets: input.targets,
        },
    );
    validate(plan)?;
    Ok(at)
}

/// The plan's own fields as the office writes them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanInfo {
    pub title: String,
    pub period: Option<[i32; 2]>,
    pub issuer: Option<String>,
}

/// Change the plan's title, period and issuer.
pub fn set_info(plan: &mut Plan, info: PlanInfo) -> Result<()> {
    plan.title = info.title.trim().to_string();
    plan.period = info.period;
    plan.issuer = info
        .issuer
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    validate(plan)
}

/// Replace the plan by an edited one (the API's PUT): spans and doubts stay with the tasks
/// whose paths remain; collective names are reconciled.
pub fn replace(plan: &mut Plan, state: &mut State, new: Plan) -> Result<()> {
    validate(&new)?;
    *plan = new;
    state.retain_tasks(plan);
    state.expansions = super::expand::reconcile(plan, &state.expansions);
    Ok(())
}

/// Replace the tasks by those of a 任务分解表 read back (the plan's title, region, period and
/// goals stay: the table holds tasks only). A task keeps its full text when its path and title
/// are unchanged.
pub fn replace_tasks(plan: &mut Plan, state: &mut State, mut tasks: Vec<Task>) -> Result<()> {
    let texts: BTreeMap<(String, String), Option<String>> = plan
        .tasks
        .iter()
        .map(|t| ((t.path_label(), t.title.clone()), t.text.clone()))
        .collect();
    for t in &mut tasks {
        if let Some(text) = texts.get(&(t.path_label(), t.title.clone())) {
            t.text = text.clone();
        }
    }
    let new = Plan {
        tasks,
        ..plan.clone()
    };
    replace(plan, state, new)
}

/// Read an edited plan JSON; a value of the wrong shape is refused naming its path
/// (`tasks[3].lead[0]`).
pub fn parse_plan_json(bytes: &[u8]) -> Result<Plan> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { String::new() } else { path };
        let inner = e.into_inner();
        let message = format!(
            "方案 JSON 无效{}：{inner} (invalid plan JSON)",
            if field.is_empty() {
                String::new()
            } else {
                format!("（{field}）")
            }
        );
        if field.is_empty() {
            Error::invalid(message)
        } else {
            Error::invalid_field(field, message)
        }
    })
}

fn refuse(field: impl Into<String>, message: impl Into<String>) -> Error {
    let field = field.into();
    let message = message.into();
    Error::invalid_field(field.clone(), format!("{field}：{message}"))
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Check a plan as the office edited it. The first problem is refused, naming its field.
pub fn validate(plan: &Plan) -> Result<()> {
    if plan.title.trim().is_empty() {
        return Err(refuse("title", "方案标题不能为空 (title required)"));
    }
    if chars(&plan.title) > MAX_TITLE {
        return Err(refuse(
            "title",
            format!("方案标题超过 {MAX_TITLE} 字 (too long)"),
        ));
    }
    if let Some([a, b]) = plan.period {
        for (i, y) in [a, b].into_iter().enumerate() {
            if !(1949..=2100).contains(&y) {
                return Err(refuse(
                    format!("period[{i}]"),
                    format!("年份 {y} 不合理 (bad year)"),
                ));
            }
        }
        if a > b {
            return Err(refuse(
                "period",
                format!("起始年 {a} 晚于结束年 {b} (bad period)"),
            ));
        }
    }
    if plan.tasks.is_empty() {
        return Err(refuse(
            "tasks",
            "方案至少要有一项任务 (a plan needs a task)",
        ));
    }
    if plan.tasks.len() > MAX_TASKS {
        return Err(refuse(
            "tasks",
            format!("任务超过 {MAX_TASKS} 项 (too many tasks)"),
        ));
    }
    for (i, g) in plan.goals.iter().enumerate() {
        check_target(g, &format!("goals[{i}]"))?;
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, t) in plan.tasks.iter().enumerate() {
        let at = |f: &str| format!("tasks[{i}]{f}");
        if t.path.is_empty()
            || t.path
                .iter()
                .any(|l| l.trim().is_empty() || l.contains('.'))
        {
            return Err(refuse(
                at(".path"),
                "任务编号不能为空，各级编号中不能有点号 (bad path)",
            ));
        }
        let label = t.path_label();
        if let Some(j) = seen.insert(label.clone(), i) {
            return Err(refuse(
                at(".path"),
                format!(
                    "编号 {label} 与第 {} 项任务重复，请改用不同的编号 (duplicate path)",
                    j + 1
                ),
            ));
        }
        if t.title.trim().is_empty() {
            return Err(refuse(at(".title"), "任务名称不能为空 (title required)"));
        }
        if chars(&t.title) > MAX_TITLE {
            return Err(refuse(
                at(".title"),
                format!("任务名称超过 {MAX_TITLE} 字 (too long)"),
            ));
        }
        if t.text.as_deref().map_or(0, chars) > 100_000 {
            return Err(refuse(at(".text"), "任务全文超过 10 万字 (too long)"));
        }
        for (role, names) in [
            ("lead", &t.lead),
            ("cooperating", &t.cooperating),
            ("responsible", &t.responsible),
        ] {
            let mut in_role = BTreeSet::new();
            for (k, n) in names.iter().enumerate() {
                let f = at(&format!(".{role}[{k}]"));
                if n.trim().is_empty() || n.chars().any(char::is_control) {
                    return Err(refuse(f, "单位名称不能为空或含控制字符 (bad unit name)"));
                }
                if chars(n) > MAX_UNIT {
                    return Err(refuse(f, format!("单位名称超过 {MAX_UNIT} 字 (too long)")));
                }
                if !in_role.insert(n.trim()) {
                    return Err(refuse(f, format!("单位“{n}”重复 (listed twice)")));
                }
            }
        }
        for (k, g) in t.targets.iter().enumerate() {
            check_target(g, &at(&format!(".targets[{k}]")))?;
        }
    }
    Ok(())
}

fn check_target(t: &Target, at: &str) -> Result<()> {
    if t.text.trim().is_empty() {
        return Err(refuse(
            format!("{at}.text"),
            "目标原文不能为空 (text required)",
        ));
    }
    let ok = match t.value {
        TargetValue::Number(v) => v.is_finite(),
        TargetValue::Range([a, b]) => a.is_finite() && b.is_finite() && a <= b,
    };
    if !ok {
        return Err(refuse(
            format!("{at}.value"),
            "目标值无效（区间须由小到大）(bad value)",
        ));
    }
    if let Some(y) = t.year
        && !(1949..=2100).contains(&y)
    {
        return Err(refuse(
            format!("{at}.year"),
            format!("年份 {y} 不合理 (bad year)"),
        ));
    }
    if chars(&t.unit) > 20 {
        return Err(refuse(
            format!("{at}.unit"),
            "计量单位超过 20 字 (too long)",
        ));
    }
    Ok(())
}

/// Unit names as typed in a form: separated by 、，,；; or new lines, blanks dropped.
pub fn split_units(text: &str) -> Vec<String> {
    text.split(['、', '，', ',', '；', ';', '\n', '\r'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Targets as typed in a form, one a line: the 任务分解表's notation ("…（>=1名；2025年）"),
/// else read from the words ("培训1000人次以上"). A line that states no number is refused.
pub fn targets_from_lines(text: &str, field: &str) -> Result<Vec<Target>> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(t) = kesu_plan::xlsx::parse_target_line(line) {
            out.push(t);
            continue;
        }
        match kesu_plan::targets::extract(line).into_iter().next() {
            Some(t) => out.push(t),
            None => {
                return Err(refuse(
                    field,
                    format!(
                        "第 {} 行“{line}”读不出目标值：请写成“培训科技辅导员100人次以上”或“…（>=100人次；2025年）”(no number in target line)",
                        n + 1
                    ),
                ));
            }
        }
    }
    Ok(out)
}
