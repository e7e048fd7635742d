//! `kesu plan parse FILE`: document in, plan JSON / table / 任务分解表 out. No database.

use super::plan::{ParseArgs, PlanFormat};
use anyhow::Context;
use kesu_core::{Plan, Target, Task};
use kesu_plan::PlanError;
use std::io::{IsTerminal, Write};
use std::path::Path;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

pub fn run(args: ParseArgs) -> anyhow::Result<()> {
    let file = args.file.display().to_string();
    let plan = read_plan(&args.file).with_context(|| file.clone())?;
    let result = match args.format {
        PlanFormat::Json => {
            let mut out = output(args.output.as_deref())?;
            serde_json::to_writer_pretty(&mut out, &plan)
                .map_err(std::io::Error::from)
                .and_then(|()| out.write_all(b"\n"))
                .and_then(|()| out.flush())
        }
        PlanFormat::Table => {
            let mut out = output(args.output.as_deref())?;
            write_table(&mut out, &plan).and_then(|()| out.flush())
        }
        PlanFormat::Xlsx => {
            let bytes = kesu_plan::xlsx::task_table(&plan).with_context(|| file.clone())?;
            if args.output.is_none() && std::io::stdout().is_terminal() {
                anyhow::bail!(
                    "xlsx 格式需要用 -o 指定输出文件，例如 -o 任务分解表.xlsx (xlsx needs -o FILE)"
                );
            }
            let mut out = output(args.output.as_deref())?;
            out.write_all(&bytes).and_then(|()| out.flush())
        }
    };
    match result {
        // `kesu plan parse … | head` closing the pipe early is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => {
            let target = args
                .output
                .map_or_else(|| "标准输出".to_string(), |p| p.display().to_string());
            Err(anyhow::anyhow!("{target}: 写入失败 (write failed): {e}"))
        }
        Ok(()) => Ok(()),
    }
}

/// Read and parse the file (`-`: standard input); a document with no tasks is no plan.
fn read_plan(path: &Path) -> anyhow::Result<Plan> {
    if path == Path::new("-") {
        use std::io::Read;
        let cap = kesu_plan::input::MAX_INPUT_BYTES as u64 + 1;
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .take(cap)
            .read_to_end(&mut bytes)
            .context("无法读取标准输入")?;
        kesu_plan::input::check_size(bytes.len() as u64)?;
        return plan_of(&bytes, "-");
    }
    let meta = std::fs::metadata(path).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "文件不存在 (no such file)",
            std::io::ErrorKind::PermissionDenied => "没有读取权限 (permission denied)",
            _ => "无法读取 (cannot read)",
        };
        anyhow::Error::new(e).context(reason)
    })?;
    if meta.is_dir() {
        anyhow::bail!("这是一个目录，不是文件 (is a directory)");
    }
    // Refuse a huge file before reading it into memory.
    kesu_plan::input::check_size(meta.len())?;
    let bytes = std::fs::read(path).context("无法读取 (cannot read)")?;
    plan_of(&bytes, &path.to_string_lossy())
}

fn plan_of(bytes: &[u8], name: &str) -> anyhow::Result<Plan> {
    let out = read_document(bytes, name)?;
    if out.plan.tasks.is_empty() {
        return Err(PlanError::NoPlan.into());
    }
    // The reader's doubts go to standard error, so that the JSON on standard output stays the
    // plan alone.
    for w in &out.warnings {
        eprintln!("存疑 (doubt) [{}]: {}", w.path, w.message);
    }
    Ok(out.plan)
}

/// Read a plan document of any kind Kesu takes: a PDF through its text layer (pdftotext, at the
/// edge), everything else by kesu-plan from its bytes.
pub fn read_document(bytes: &[u8], name: &str) -> anyhow::Result<kesu_plan::ParseOutput> {
    if bytes.starts_with(b"%PDF-") {
        let text = kesu_app::pdf_text::pdf_text(bytes).map_err(|e| match e {
            // The file's fault: a data error like any unreadable document.
            kesu_app::Error::Invalid { message, .. } => {
                anyhow::Error::new(PlanError::Unsupported(message))
            }
            kesu_app::Error::TooLarge(message) => {
                anyhow::Error::new(PlanError::Unsupported(message))
            }
            other => anyhow::anyhow!("{other}"),
        })?;
        return Ok(kesu_plan::read_pdf_text(&text)?);
    }
    Ok(kesu_plan::read(bytes, name)?)
}

/// Where output goes: the file given with `-o`, else standard output.
fn output(path: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match path {
        Some(p) => {
            // Flattened to a message: a missing output directory is not a missing input file
            // (exit 66), it is a failure to write (exit 1).
            let f = std::fs::File::create(p).map_err(|e| {
                anyhow::anyhow!("{}: 无法创建输出文件 (cannot create): {e}", p.display())
            })?;
            Box::new(std::io::BufWriter::new(f))
        }
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    })
}

// ---------------------------------------------------------------------------------------------
// The terminal table.

/// Columns of the terminal table and their display widths (a CJK character is 2 wide).
const TITLE_W: usize = 28;
const LEAD_W: usize = 14;
const COOP_W: usize = 18;
const RESP_W: usize = 14;
const TARGET_W: usize = 30;
const SEP: &str = " │ ";

fn write_table(out: &mut dyn Write, plan: &Plan) -> std::io::Result<()> {
    let title = if plan.title.is_empty() {
        "（无标题）"
    } else {
        &plan.title
    };
    writeln!(out, "{title}")?;
    let mut facts = Vec::new();
    if let Some(r) = &plan.region {
        facts.push(format!("区划：{r}"));
    }
    if let Some([a, b]) = plan.period {
        facts.push(format!("期限：{a}–{b}年"));
    }
    if let Some(i) = &plan.issuer {
        facts.push(format!("印发：{i}"));
    }
    facts.push(format!("任务 {} 项", plan.tasks.len()));
    writeln!(out, "{}", facts.join("  "))?;
    if !plan.goals.is_empty() {
        writeln!(out, "\n主要目标：")?;
        for g in &plan.goals {
            writeln!(out, "  · {}", target_line(g))?;
        }
    }
    writeln!(out)?;

    let path_w = plan
        .tasks
        .iter()
        .map(|t| t.path_label().width())
        .max()
        .unwrap_or(0)
        .clamp(4, 16);
    let widths = [path_w, TITLE_W, LEAD_W, COOP_W, RESP_W, TARGET_W];
    let header = [
        "路径",
        "任务",
        "牵头单位",
        "配合单位",
        "责任单位",
        "量化目标",
    ]
    .map(str::to_string);
    write_row(out, &widths, &header)?;
    let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
    writeln!(out, "{}", rule.join("─┼─"))?;
    for task in &plan.tasks {
        write_row(out, &widths, &task_cells(task))?;
    }
    Ok(())
}

fn task_cells(task: &Task) -> [String; 6] {
    let targets: Vec<String> = task.targets.iter().map(target_line).collect();
    [
        task.path_label(),
        task.title.clone(),
        task.lead.join("、"),
        task.cooperating.join("、"),
        task.responsible.join("、"),
        targets.join("\n"),
    ]
}

/// "科技辅导员 >=1名（每所中小学校，2025年）"
fn target_line(t: &Target) -> String {
    let what = if t.indicator.is_empty() {
        &t.text
    } else {
        &t.indicator
    };
    let mut scope = Vec::new();
    if let Some(per) = &t.per {
        scope.push(per.clone());
    }
    if let Some(y) = t.year {
        scope.push(format!("{y}年"));
    }
    let scope = if scope.is_empty() {
        String::new()
    } else {
        format!("（{}）", scope.join("，"))
    };
    format!("{what} {}{scope}", t.display_short())
}

/// One table row: each cell wrapped to its column, lines side by side.
fn write_row(out: &mut dyn Write, widths: &[usize], cells: &[String]) -> std::io::Result<()> {
    let wrapped: Vec<Vec<String>> = widths.iter().zip(cells).map(|(w, c)| wrap(c, *w)).collect();
    let height = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
    for line in 0..height {
        let parts: Vec<String> = widths
            .iter()
            .zip(&wrapped)
            .map(|(w, lines)| pad(lines.get(line).map_or("", String::as_str), *w))
            .collect();
        writeln!(out, "{}", parts.join(SEP).trim_end())?;
    }
    Ok(())
}

/// Break `text` into lines of at most `width` display columns (at newlines, and anywhere
/// else when a line is full: Chinese has no spaces to break at).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut w = 0;
        for c in para.chars() {
            let cw = c.width().unwrap_or(0);
            if w + cw > width && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                w = 0;
            }
            line.push(c);
            w += cw;
        }
        lines.push(line);
    }
    lines
}

fn pad(s: &str, width: usize) -> String {
    let w = s.width();
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_counts_cjk_as_two_columns() {
        assert_eq!(wrap("市教育局市科协", 8), ["市教育局", "市科协"]);
        assert_eq!(wrap("ab科普", 3), ["ab", "科", "普"]);
        assert_eq!(wrap("一\n二", 10), ["一", "二"]);
    }

    #[test]
    fn pad_fills_to_display_width() {
        assert_eq!(pad("科普", 6), "科普  ");
        assert_eq!(pad("abc", 2), "abc");
    }
}
