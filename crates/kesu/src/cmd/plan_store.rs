//! `kesu plan import|list|show|export`: plans kept in the database.

use super::GlobalOpts;
use super::db::{print_json, print_table, with_db};
use super::plan::{ExportArgs, ImportArgs, ListArgs, ListFormat, PlanFormat, ShowArgs};
use anyhow::{Context, bail};
use kesu_app::Caller;
use kesu_store::StoreError;
use kesu_store::plans::{self, ImportOutcome};
use serde::Serialize;
use std::io::{IsTerminal, Write};

/// What `plan import --format json` prints.
#[derive(Serialize)]
struct Imported<'a> {
    region_code: &'a str,
    region_name: &'a str,
    #[serde(flatten)]
    outcome: &'a ImportOutcome,
}

/// A use case's refusal as the CLI reports it: the user's fault exits 65 (data error).
fn app_error(e: kesu_app::Error) -> anyhow::Error {
    match e {
        kesu_app::Error::Invalid { message, .. } | kesu_app::Error::TooLarge(message) => {
            StoreError::Invalid(message).into()
        }
        other => anyhow::anyhow!("{other}"),
    }
}

pub fn import(g: &GlobalOpts, a: ImportArgs) -> anyhow::Result<()> {
    let file = a.file.display().to_string();
    let bytes = std::fs::read(&a.file).with_context(|| format!("{file}: 无法读取文件"))?;
    let upload = kesu_app::plans::read::read_upload(&bytes, &file).map_err(app_error)?;
    let imported = with_db(g, |db| async move {
        let ctx = kesu_app::Ctx::new(db);
        kesu_app::plans::import::import(&ctx, &Caller::operator(), upload, a.region.as_deref())
            .await
            .map_err(app_error)
    })?;
    for w in &imported.warnings {
        eprintln!("存疑 (doubt) [{}]: {}", w.path, w.message);
    }
    for e in &imported.expansions {
        eprintln!("集合称谓 (collective name): {e}");
    }
    let region_name = imported
        .region_name
        .as_deref()
        .unwrap_or(&imported.region_code);
    let outcome = &imported.outcome;
    if a.format == ListFormat::Json {
        print_json(&Imported {
            region_code: &imported.region_code,
            region_name,
            outcome,
        })?;
    }
    let place = format!("{region_name}（{}）", imported.region_code);
    match outcome {
        ImportOutcome::Created {
            plan_id,
            tasks,
            units,
        } => eprintln!(
            "已导入方案 {plan_id}：{place}，任务 {tasks} 项，责任单位 {units} 个 (imported)"
        ),
        ImportOutcome::Unchanged { plan_id, revision } => eprintln!(
            "方案 {plan_id} 未变化：与已存的第 {revision} 版相同，未做任何修改 (unchanged, nothing stored)"
        ),
        ImportOutcome::Revised {
            plan_id,
            revision,
            changes,
        } => {
            eprintln!(
                "方案 {plan_id} 已更新为第 {revision} 版：{place}，{} 处变更 (new revision):",
                changes.len()
            );
            for c in changes {
                eprintln!("  · {c}");
            }
        }
    }
    Ok(())
}

fn period(start: Option<i64>, end: Option<i64>) -> String {
    match (start, end) {
        (Some(a), Some(b)) if a == b => format!("{a}"),
        (Some(a), Some(b)) => format!("{a}–{b}"),
        _ => String::new(),
    }
}

pub fn list(g: &GlobalOpts, a: ListArgs) -> anyhow::Result<()> {
    let rows = with_db(g, |db| async move { Ok(plans::list(&db, "").await?) })?;
    if a.format == ListFormat::Json {
        return print_json(&rows);
    }
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|p| {
            vec![
                p.id.to_string(),
                p.region_code.clone(),
                p.title.clone(),
                period(p.period_start, p.period_end),
                p.revision.to_string(),
                p.task_count.to_string(),
            ]
        })
        .collect();
    print_table(&["编号", "区划", "标题", "期限", "版本", "任务"], &table)?;
    eprintln!("共 {} 个方案 (plans)", rows.len());
    Ok(())
}

/// What `plan show --format json` prints.
#[derive(Serialize)]
struct Shown {
    plan: plans::PlanRow,
    goals: Vec<plans::TargetRow>,
    tasks: Vec<plans::TaskRow>,
    revisions: Vec<plans::Revision>,
}

fn target_short(t: &plans::TargetRow) -> String {
    let value = match t.value_high {
        Some(h) => format!(
            "{}–{}",
            kesu_core::plan::fmt_num(t.value),
            kesu_core::plan::fmt_num(h)
        ),
        None => kesu_core::plan::fmt_num(t.value),
    };
    let cmp = if t.comparator == "range" {
        ""
    } else {
        t.comparator.as_str()
    };
    format!(
        "{}{cmp}{value}{}",
        t.indicator.clone().unwrap_or_default(),
        t.unit.clone().unwrap_or_default()
    )
}

pub fn show(g: &GlobalOpts, a: ShowArgs) -> anyhow::Result<()> {
    let id = a.id;
    let shown = with_db(g, |db| async move {
        Ok(Shown {
            plan: plans::get(&db, id).await?,
            goals: plans::goals(&db, id).await?,
            tasks: plans::tasks(&db, id).await?,
            revisions: plans::revisions(&db, id).await?,
        })
    })?;
    if a.format == ListFormat::Json {
        return print_json(&shown);
    }
    let p = &shown.plan;
    println!("{}", p.title);
    println!(
        "编号 {}  区划 {}  期限 {}  印发 {}  第 {} 版  任务 {} 项",
        p.id,
        p.region_code,
        period(p.period_start, p.period_end),
        p.issuer.clone().unwrap_or_default(),
        p.revision,
        p.task_count
    );
    if !shown.goals.is_empty() {
        println!("主要目标：");
        for goal in &shown.goals {
            println!("  · {}", goal.text);
        }
    }
    println!();
    let by_role = |t: &plans::TaskRow, role: &str| -> String {
        t.units
            .iter()
            .filter(|u| u.role == role)
            .map(|u| u.unit_name.as_str())
            .collect::<Vec<_>>()
            .join("、")
    };
    let rows: Vec<Vec<String>> = shown
        .tasks
        .iter()
        .map(|t| {
            vec![
                t.path.clone(),
                t.title.clone(),
                by_role(t, "lead"),
                by_role(t, "cooperating"),
                by_role(t, "responsible"),
                t.targets
                    .iter()
                    .map(target_short)
                    .collect::<Vec<_>>()
                    .join("；"),
            ]
        })
        .collect();
    print_table(
        &[
            "路径",
            "任务",
            "牵头单位",
            "配合单位",
            "责任单位",
            "量化目标",
        ],
        &rows,
    )?;
    if shown.revisions.len() > 1 {
        println!();
        for r in &shown.revisions {
            println!(
                "第 {} 版：{} 由 {} 导入（{}）",
                r.revision, r.imported_at, r.imported_by, r.source_name
            );
        }
    }
    Ok(())
}

pub fn export(g: &GlobalOpts, a: ExportArgs) -> anyhow::Result<()> {
    let id = a.id;
    let plan = with_db(
        g,
        |db| async move { Ok(plans::plan_json(&db, id, None).await?) },
    )?;
    let bytes = match a.format {
        PlanFormat::Json => {
            let mut v = serde_json::to_vec_pretty(&plan)?;
            v.push(b'\n');
            v
        }
        PlanFormat::Xlsx => {
            if a.output.is_none() && std::io::stdout().is_terminal() {
                bail!(
                    "xlsx 格式需要用 -o 指定输出文件，例如 -o 任务分解表.xlsx (xlsx needs -o FILE)"
                );
            }
            kesu_plan::xlsx::task_table(&plan)?
        }
        PlanFormat::Table => {
            bail!(
                "导出只支持 json 和 xlsx；查看任务表请用 kesu plan show {id} (export: json or xlsx)"
            )
        }
    };
    match &a.output {
        Some(path) => std::fs::write(path, &bytes)
            .with_context(|| format!("{}: 写入失败 (write failed)", path.display())),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(&bytes).and_then(|()| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => Ok(other.context("标准输出写入失败 (write failed)")?),
            }
        }
    }
}
