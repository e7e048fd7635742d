//! The jobs `kesu serve` runs on its own, on a schedule:
//!
//! - `reminders`: due-soon (填报即将截止) and overdue (逾期未报) notifications for the accounts of
//!   units with open reports, and overdue service orders for the party whose move it is
//!   (`kesu_store::scheduled::remind_overdue_orders`) — shortly after start, then every day at
//!   08:00 China time;
//! - `sessions`: sweep ended sessions — every hour;
//! - `backup`: the nightly backup ([`crate::ops::backup`]) into the configured directory as
//!   `kesu-YYYYMMDD.tar.gz`, keeping the newest N — every day at the configured time, when one
//!   is configured.
//!
//! Every run is logged (target `kesu::jobs`: the job, what it did, how long it took, or the
//! error with its causes) and counted in the metrics. Two servers can run side by side: on
//! PostgreSQL a job runs only where it wins an advisory lock, and every job is safe to repeat
//! anyway (a reminder is stored once per round and account; a day's backup file, once made, is
//! not made again).

use crate::{Caller, Ctx, Principal, Result};
use kesu_store::scheduled;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use time::{OffsetDateTime, Time, UtcOffset};

/// Counter: job runs by job and outcome (`done`, `skipped`, `failed`).
pub const RUNS: &str = "kesu_jobs_total";
/// Histogram: seconds a job ran.
pub const SECONDS: &str = "kesu_job_duration_seconds";
/// Gauge: Unix time of the job's last successful run.
pub const LAST_SUCCESS: &str = "kesu_job_last_success_timestamp_seconds";

/// China Standard Time: the office's day.
const CHINA: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// One of the scheduled jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Reminders,
    Sessions,
    Backup,
}

impl Job {
    pub fn name(self) -> &'static str {
        match self {
            Job::Reminders => "reminders",
            Job::Sessions => "sessions",
            Job::Backup => "backup",
        }
    }
}

/// The nightly backup, when configured.
#[derive(Debug, Clone)]
pub struct BackupPlan {
    /// Time of day, China time.
    pub at: Time,
    pub dir: PathBuf,
    /// How many nightly backups to keep (the oldest beyond are deleted).
    pub keep: usize,
    /// The database URL (`pg_dump` reaches the database again through it).
    pub url: String,
    pub files_dir: PathBuf,
}

/// What runs when.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Daily reminders, China time.
    pub reminders_at: Time,
    pub sessions_every: Duration,
    /// A session unused this long has ended (the web's session limit).
    pub session_idle: time::Duration,
    pub backup: Option<BackupPlan>,
}

impl Default for Plan {
    fn default() -> Self {
        Self {
            reminders_at: time::macros::time!(08:00),
            sessions_every: Duration::from_secs(3600),
            session_idle: time::Duration::hours(12),
            backup: None,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Done; what was done, for the log.
    Done(String),
    /// Not run; why (another server holds it, today's backup exists).
    Skipped(String),
}

/// The next `at` (China time) strictly after `now`.
pub fn next_daily(now: OffsetDateTime, at: Time) -> OffsetDateTime {
    let local = now.to_offset(CHINA);
    let today = local.date().with_time(at).assume_offset(CHINA);
    if today > now {
        today
    } else {
        today + time::Duration::days(1)
    }
}

/// The caller jobs act as: the operator, recorded as `system` in the audit log.
fn system() -> Caller {
    Caller {
        principal: Principal::Operator,
        audit: kesu_store::Actor::system(),
    }
}

/// Run `job` once now (if this server wins it), without logging.
pub async fn run(ctx: &Ctx, plan: &Plan, job: Job) -> Result<Outcome> {
    let Some(claim) = scheduled::try_lock(&ctx.db, job.name()).await? else {
        return Ok(Outcome::Skipped(
            "另一台服务器正在运行 (another server holds it)".into(),
        ));
    };
    let result = run_claimed(ctx, plan, job).await;
    claim.release().await?;
    result
}

async fn run_claimed(ctx: &Ctx, plan: &Plan, job: Job) -> Result<Outcome> {
    match job {
        Job::Reminders => {
            let today = ctx.today();
            let soon = crate::reporting::send_due_soon_reminders(ctx).await?;
            let overdue = scheduled::remind_overdue(&ctx.db, today).await?;
            let orders = scheduled::remind_overdue_orders(&ctx.db, ctx.now()).await?;
            Ok(Outcome::Done(format!(
                "due_soon={soon} overdue={overdue} orders={orders}"
            )))
        }
        Job::Sessions => {
            let n = scheduled::purge_sessions(&ctx.db, ctx.now(), plan.session_idle).await?;
            Ok(Outcome::Done(format!("removed={n}")))
        }
        Job::Backup => {
            let Some(b) = &plan.backup else {
                return Ok(Outcome::Skipped("未配置 (not configured)".into()));
            };
            nightly_backup(ctx, b).await
        }
    }
}

/// The name of the day's backup, `kesu-YYYYMMDD.tar.gz` (China date).
pub fn backup_name(now: OffsetDateTime) -> String {
    let d = now.to_offset(CHINA).date();
    format!(
        "kesu-{:04}{:02}{:02}.tar.gz",
        d.year(),
        u8::from(d.month()),
        d.day()
    )
}

fn is_nightly(name: &str) -> bool {
    name.len() == "kesu-YYYYMMDD.tar.gz".len()
        && name.starts_with("kesu-")
        && name.ends_with(".tar.gz")
        && name[5..13].bytes().all(|b| b.is_ascii_digit())
}

async fn nightly_backup(ctx: &Ctx, b: &BackupPlan) -> Result<Outcome> {
    let out = b.dir.join(backup_name(ctx.now()));
    if out.exists() {
        return Ok(Outcome::Skipped(format!(
            "{} 已存在 (today's backup exists)",
            out.display()
        )));
    }
    std::fs::create_dir_all(&b.dir).map_err(|e| {
        crate::Error::Unavailable(format!("{}：{e} (cannot create)", b.dir.display()))
    })?;
    let m = crate::ops::backup(ctx, &system(), &b.url, &b.files_dir, &out).await?;
    let removed = prune(&b.dir, b.keep)?;
    Ok(Outcome::Done(format!(
        "file={} rows={} files={} pruned={removed}",
        out.display(),
        m.rows(),
        m.files.count
    )))
}

/// Delete the oldest nightly backups in `dir` beyond the newest `keep`; other files are left
/// alone.
pub fn prune(dir: &Path, keep: usize) -> Result<usize> {
    let err = |e: std::io::Error| crate::Error::Unavailable(format!("{}：{e}", dir.display()));
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(err)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_nightly(n))
        .collect();
    names.sort();
    let excess = names.len().saturating_sub(keep.max(1));
    for n in &names[..excess] {
        std::fs::remove_file(dir.join(n)).map_err(err)?;
    }
    Ok(excess)
}

/// Run `job` once, log what happened and count it.
pub async fn run_logged(ctx: &Ctx, plan: &Plan, job: Job) -> Option<Outcome> {
    let started = Instant::now();
    let result = run(ctx, plan, job).await;
    let elapsed = started.elapsed();
    let duration_ms = elapsed.as_millis() as u64;
    let name = job.name();
    let outcome = match &result {
        Ok(Outcome::Done(what)) => {
            tracing::info!(target: "kesu::jobs", job = name, duration_ms, result = %what, "job done");
            metrics::gauge!(LAST_SUCCESS, "job" => name)
                .set(OffsetDateTime::now_utc().unix_timestamp() as f64);
            "done"
        }
        Ok(Outcome::Skipped(why)) => {
            tracing::info!(target: "kesu::jobs", job = name, reason = %why, "job skipped");
            "skipped"
        }
        Err(e) => {
            let cause = match e {
                crate::Error::Internal(m) => m.clone(),
                other => other.to_string(),
            };
            tracing::error!(target: "kesu::jobs", job = name, duration_ms, %cause, "job failed");
            "failed"
        }
    };
    metrics::counter!(RUNS, "job" => name, "outcome" => outcome).increment(1);
    metrics::histogram!(SECONDS, "job" => name).record(elapsed.as_secs_f64());
    result.ok()
}

/// The running jobs; dropping this stops them (a run in progress is cut short, which every job
/// tolerates: nothing is half-written).
pub struct Running(Vec<tokio::task::JoinHandle<()>>);

impl Drop for Running {
    fn drop(&mut self) {
        for h in &self.0 {
            h.abort();
        }
    }
}

fn until(t: OffsetDateTime) -> Duration {
    let d = t - OffsetDateTime::now_utc();
    Duration::from_secs_f64(d.as_seconds_f64().max(0.0))
}

/// Start the jobs of `plan` in the background (needs a Tokio runtime).
pub fn start(ctx: Ctx, plan: Plan) -> Running {
    let mut tasks = Vec::new();
    {
        let (ctx, plan) = (ctx.clone(), plan.clone());
        tasks.push(tokio::spawn(async move {
            // Once shortly after start (a server down at 08:00 still reminds that day).
            tokio::time::sleep(Duration::from_secs(30)).await;
            loop {
                run_logged(&ctx, &plan, Job::Reminders).await;
                let next = next_daily(OffsetDateTime::now_utc(), plan.reminders_at);
                tokio::time::sleep(until(next)).await;
            }
        }));
    }
    {
        let (ctx, plan) = (ctx.clone(), plan.clone());
        tasks.push(tokio::spawn(async move {
            let mut every = tokio::time::interval(plan.sessions_every);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                run_logged(&ctx, &plan, Job::Sessions).await;
            }
        }));
    }
    if let Some(b) = plan.backup.clone() {
        tracing::info!(target: "kesu::jobs", dir = %b.dir.display(), keep = b.keep, "nightly backup scheduled");
        tasks.push(tokio::spawn(async move {
            loop {
                let next = next_daily(OffsetDateTime::now_utc(), b.at);
                tokio::time::sleep(until(next)).await;
                run_logged(&ctx, &plan, Job::Backup).await;
            }
        }));
    }
    Running(tasks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, time};

    #[test]
    fn the_next_run_is_the_next_time_of_day_in_china() {
        // 2025-04-10 01:00 UTC is 09:00 in China: 08:00 has passed, so tomorrow.
        let now = datetime!(2025-04-10 01:00 UTC);
        assert_eq!(
            next_daily(now, time!(08:00)),
            datetime!(2025-04-11 08:00 +08:00)
        );
        assert_eq!(
            next_daily(now, time!(23:30)),
            datetime!(2025-04-10 23:30 +08:00)
        );
        // Exactly at the time: the next one, not this one again.
        let at = datetime!(2025-04-10 02:30 +08:00);
        assert_eq!(next_daily(at, time!(02:30)), at + time::Duration::days(1));
    }

    #[test]
    fn the_backup_file_is_named_by_the_china_date() {
        // 2025-04-10 17:00 UTC is already 04-11 in China.
        assert_eq!(
            backup_name(datetime!(2025-04-10 17:00 UTC)),
            "kesu-20250411.tar.gz"
        );
        assert!(is_nightly("kesu-20250411.tar.gz"));
        assert!(!is_nightly("kesu-manual.tar.gz"));
        assert!(!is_nightly("kesu-20250411.tar.gz.bak"));
    }

    #[test]
    fn pruning_keeps_the_newest_nightly_backups_and_nothing_else_is_touched() {
        let dir = tempfile::tempdir().unwrap();
        for n in [
            "kesu-20250401.tar.gz",
            "kesu-20250402.tar.gz",
            "kesu-20250403.tar.gz",
            "before-upgrade.tar.gz",
        ] {
            std::fs::write(dir.path().join(n), b"x").unwrap();
        }
        assert_eq!(prune(dir.path(), 2).unwrap(), 1);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "before-upgrade.tar.gz",
                "kesu-20250402.tar.gz",
                "kesu-20250403.tar.gz"
            ]
        );
    }
}
