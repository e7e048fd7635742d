//! What is kept between requests, and how it learns of writes — this process's and others'.
//!
//! Per database pool, an in-process cache holds:
//! - each plan's **live plan** ([`kesu_indicators::LivePlan`]): its accepted observations on
//!   its region tree, with the figures of every subtree kept current as reports change;
//! - **views** already computed (a plan's rows at a region on a day, a drill-down, the late
//!   list), valid until the next write;
//! - reference lists (populations, entities, region trees of views the live plan cannot serve).
//!
//! It lives here, beside the SQL that feeds it, rather than in `kesu-app`: what it must know is
//! which rows changed (audit rows and report events since the last look), and the web pages,
//! the API and the CLI all read indicators through this module.
//!
//! **Learning of writes.** Every view first [`sync`]s: it reads the audit rows and report
//! events newer than what this process has seen (two indexed range reads, usually empty). A
//! new report event sends the changed reports' values to the live plans (their figures are
//! updated along each report's path up the tree); a write to what live plans are built from —
//! regions, populations, plans, tasks, targets, units (audit objects `regions:`, `region:`,
//! `population:`, `plan:`, `task:`, `target:`, `unit:`) — drops them, to be rebuilt on next
//! use; any write makes computed views stale. Two `kesu serve` processes on one database thus
//! see each other's writes at their next view. On PostgreSQL a transaction can commit after
//! one with a higher id: an id below the highest seen but not seen itself (a gap) is looked
//! for again at every sync for [`SETTLE`] after it was noticed, so such a late commit is still
//! seen; a transaction that stays open longer than that between writing and committing is not.
//! Only gaps are read again, not every recent row: a round imported for the whole country
//! writes a million report events, and re-reading them at every view cost more than the view. With read replicas, what is kept across writes
//! (live plans, reference lists, the sync itself) is read on the primary; a computed view read
//! on a lagging replica lasts only until the next write.
//!
//! **Bounded memory.** Views and reference lists are kept least-recently-used first within
//! [`budget`]; live plans forget their least recently used spans' figures and views' report
//! lists, and whole plans are dropped when that is not enough. Nothing is computed for a
//! region nobody opens. [`stats`] tells what is held.

use super::observations::{ObsRow, fetch_reports, plan_rounds};
use super::regions::{EntityList, entity_list, tree_rows};
use super::targets::{PlanTarget, plan_targets};
use crate::{Db, StoreError, StoreResult, plans};
use kesu_core::report::Period;
use kesu_indicators::{Indicator, LivePlan};
use std::any::Any;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

/// How long a row's commit may lag behind a later id's (see the module documentation).
pub const SETTLE: Duration = Duration::from_secs(120);

/// Reports changed at once beyond which a live plan is rebuilt rather than updated.
const MAX_CHANGED: usize = 50_000;

/// The default memory budget of the cache (live plans and kept views), bytes.
const DEFAULT_BUDGET: usize = 1536 << 20;

static BUDGET: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(DEFAULT_BUDGET);

/// Set the memory budget of the cache, in bytes.
pub fn set_budget(bytes: usize) {
    BUDGET.store(bytes, std::sync::atomic::Ordering::Relaxed);
}

/// The memory budget of the cache, in bytes.
pub fn budget() -> usize {
    BUDGET.load(std::sync::atomic::Ordering::Relaxed)
}

/// Audit objects whose writes change what live plans are built from.
const REFERENCE: &[&str] = &[
    "regions:",
    "region:",
    "population:",
    "plan:",
    "task:",
    "target:",
    "unit:",
];

/// A plan's live state: the live plan and the periods of its rounds.
pub(super) struct PlanLive {
    pub plan_id: i64,
    pub live: LivePlan,
    pub region: String,
    pub targets: Vec<PlanTarget>,
    periods: HashMap<i64, Period>,
}

type PlanSlot = Arc<tokio::sync::Mutex<Option<PlanLive>>>;

/// Rows seen of a table: every id up to `max` but the `gaps`, each with when it was noticed.
#[derive(Default)]
struct Seen {
    max: i64,
    gaps: std::collections::BTreeMap<i64, std::time::Instant>,
}

/// Ids skipped at once beyond which only the highest are awaited as gaps (a PostgreSQL
/// sequence can jump; transactions committing late took ids just below the next one).
const MAX_GAPS: i64 = 1000;

struct Kept {
    generation: u64,
    used: u64,
    bytes: usize,
    value: Arc<dyn Any + Send + Sync>,
}

/// One pool's cache.
struct Pool {
    /// The pool's options: while they live no other pool has their address (the key); once
    /// they are gone the entry is stale and dropped.
    alive: std::sync::Weak<dyn Any + Send + Sync>,
    /// Serialises syncs, so that a view never reads a live plan a sync is still updating.
    sync: Arc<tokio::sync::Mutex<()>>,
    audit: Seen,
    events: Seen,
    /// Bumped by every write seen: the validity of kept views.
    data: u64,
    /// Bumped by writes to what live plans are built from.
    reference: u64,
    plans: HashMap<i64, PlanSlot>,
    plan_used: HashMap<i64, u64>,
    /// Views, valid for one data generation.
    kept: HashMap<String, Kept>,
    /// Reference lists, valid for one reference generation.
    refs: HashMap<String, Kept>,
    clock: u64,
}

impl Pool {
    fn refs(&mut self) -> &mut HashMap<String, Kept> {
        &mut self.refs
    }

    fn refs_len(&self) -> usize {
        self.refs.len()
    }

    fn refs_bytes(&self) -> usize {
        self.refs.values().map(|k| k.bytes).sum()
    }
}

static POOLS: LazyLock<Mutex<HashMap<usize, Pool>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// The pool behind a `Db` (its options are shared by every clone of it, and live as long as
/// the pool), and those options.
fn pool_id(db: &Db) -> (usize, Arc<dyn Any + Send + Sync>) {
    match db {
        Db::Sqlite(p, _) => {
            let o = p.connect_options();
            (Arc::as_ptr(&o) as *const () as usize, o)
        }
        Db::Postgres(p) => {
            let o = p.connect_options();
            (Arc::as_ptr(&o) as *const () as usize, o)
        }
    }
}

fn with_pool<R>(db: &Db, f: impl FnOnce(&mut Pool) -> R) -> Option<R> {
    let mut pools = POOLS.lock().ok()?;
    let (id, _) = pool_id(db);
    pools.get_mut(&id).map(f)
}

/// The generations of a pool's data after a sync: `data` changes with every write,
/// `reference` with writes to regions, populations, plans and units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation {
    pub data: u64,
    pub reference: u64,
}

tokio::task_local! {
    /// The sync already done inside [`one_sync`]: the pool it was done for and its answer.
    static SYNCED: std::cell::Cell<Option<(usize, Generation)>>;
}

/// Learn of the writes since the last look (see the module documentation) and return the
/// pool's generations. Inside [`one_sync`] only the first call reads; the others reuse its
/// answer.
pub async fn sync(db: &Db) -> StoreResult<Generation> {
    let (id, _) = pool_id(db);
    if let Ok(Some((synced, g))) = SYNCED.try_with(std::cell::Cell::get)
        && synced == id
    {
        return Ok(g);
    }
    let g = on_primary(db, sync_here(db)).await?;
    let _ = SYNCED.try_with(|c| c.set(Some((id, g))));
    Ok(g)
}

/// Run `f` (one page or answer that only reads) with one sync for all its views: a region's
/// dashboard evaluates every plan at every child, and on PostgreSQL each sync is a round trip.
/// The views of `f` then show the data as of its first view, which is what one page should
/// show anyway. Not for code that writes and then reads: its own write would not be seen.
pub async fn one_sync<F: std::future::Future>(f: F) -> F::Output {
    SYNCED.scope(std::cell::Cell::new(None), f).await
}

/// Run `f` with its reads on the primary (PostgreSQL), even inside a read replica's scope.
/// What is kept here is shared by every request and does not expire, so it is read where the
/// writes are: an audit row seen on the primary and a report's values read on a replica that
/// has not replayed them yet would keep the old values until the report changes again.
async fn on_primary<F: std::future::Future>(db: &Db, f: F) -> F::Output {
    match db {
        Db::Postgres(p) => crate::replica::scope(p.clone(), f).await,
        Db::Sqlite(..) => f.await,
    }
}

async fn sync_here(db: &Db) -> StoreResult<Generation> {
    let (id, options) = pool_id(db);
    let lock = {
        let mut pools = POOLS.lock().map_err(poisoned)?;
        // Pools closed and dropped leave entries behind: drop them (their address may be
        // reused by this very pool).
        pools.retain(|_, p| p.alive.strong_count() > 0);
        pools.get(&id).map(|p| p.sync.clone())
    };
    let Some(lock) = lock else {
        // First use: everything up to now is what will be read.
        let audit = max_id(db, "audit_log").await?;
        let events = max_id(db, "report_event").await?;
        let mut pools = POOLS.lock().map_err(poisoned)?;
        let p = pools.entry(id).or_insert_with(|| Pool {
            alive: Arc::downgrade(&options),
            sync: Arc::new(tokio::sync::Mutex::new(())),
            audit: Seen {
                max: audit,
                ..Seen::default()
            },
            events: Seen {
                max: events,
                ..Seen::default()
            },
            data: 1,
            reference: 1,
            plans: HashMap::new(),
            plan_used: HashMap::new(),
            kept: HashMap::new(),
            refs: HashMap::new(),
            clock: 0,
        });
        return Ok(Generation {
            data: p.data,
            reference: p.reference,
        });
    };
    let _serial = lock.lock().await;
    let (audit_from, audit_gaps, events_from, events_gaps) = with_pool(db, |p| {
        (p.audit.max, p.audit.gaps(), p.events.max, p.events.gaps())
    })
    .ok_or_else(|| poisoned(()))?;
    // One round trip for both tables (every view syncs first: on PostgreSQL a round trip is
    // what a warm view costs). Kind 0: an audit row (its object), 1: a report event (its report).
    // The rows above the highest seen, and the awaited gaps by id (a JSON array): reading from
    // the oldest gap up would re-read a whole bulk import at every view while a gap near its
    // start is awaited.
    // Each part its own index range or lookups by id: an `OR` of the two made PostgreSQL scan
    // the whole table (55 ms a view on 山东).
    let sql = match db {
        Db::Sqlite(..) => {
            "SELECT 0 AS kind, id, object, 0 AS report_id FROM audit_log WHERE id > $1
             UNION ALL
             SELECT 0, id, object, 0 FROM audit_log
              WHERE id IN (SELECT value FROM json_each($2)) AND id <= $1
             UNION ALL
             SELECT 1, id, '', report_id FROM report_event WHERE id > $3
             UNION ALL
             SELECT 1, id, '', report_id FROM report_event
              WHERE id IN (SELECT value FROM json_each($4)) AND id <= $3
             ORDER BY 1, 2"
        }
        Db::Postgres(..) => {
            "SELECT 0 AS kind, id, object, 0::BIGINT AS report_id FROM audit_log WHERE id > $1
             UNION ALL
             SELECT 0, id, object, 0 FROM audit_log
              WHERE id = ANY(ARRAY(SELECT json_array_elements_text($2::json)::BIGINT))
                AND id <= $1
             UNION ALL
             SELECT 1, id, '', report_id FROM report_event WHERE id > $3
             UNION ALL
             SELECT 1, id, '', report_id FROM report_event
              WHERE id = ANY(ARRAY(SELECT json_array_elements_text($4::json)::BIGINT))
                AND id <= $3
             ORDER BY 1, 2"
        }
    };
    let rows: Vec<(i32, i64, String, i64)> = on_db!(db, |p| sqlx::query_as(sql)
        .bind(audit_from)
        .bind(&audit_gaps)
        .bind(events_from)
        .bind(&events_gaps)
        .fetch_all(p)
        .await)?;
    let mut audit: Vec<(i64, String)> = Vec::new();
    let mut events: Vec<(i64, i64)> = Vec::new();
    for (kind, id, object, report) in rows {
        if kind == 0 {
            audit.push((id, object));
        } else {
            events.push((id, report));
        }
    }
    let now = std::time::Instant::now();
    let (reports, reference, plans) = with_pool(db, |p| {
        let new_audit = p.audit.take(&audit, now);
        let new_events = p.events.take(&events, now);
        let reference = new_audit
            .iter()
            .any(|(_, object)| REFERENCE.iter().any(|r| object.starts_with(r)));
        if !new_audit.is_empty() || !new_events.is_empty() {
            p.data += 1;
            // What was computed from the old data is of no more use.
            p.kept.clear();
        }
        if reference {
            p.reference += 1;
        }
        let reports: BTreeSet<i64> = new_events.iter().map(|(_, r)| *r).collect();
        let plans: Vec<PlanSlot> = p.plans.values().cloned().collect();
        (reports, reference, plans)
    })
    .ok_or_else(|| poisoned(()))?;
    for slot in plans {
        let mut guard = slot.lock().await;
        if reference {
            *guard = None;
            continue;
        }
        if reports.is_empty() {
            continue;
        }
        let keep = match guard.as_mut() {
            Some(pl) => apply_reports(db, pl, &reports).await?,
            None => true,
        };
        if !keep {
            *guard = None;
        }
    }
    let g = with_pool(db, |p| Generation {
        data: p.data,
        reference: p.reference,
    })
    .ok_or_else(|| poisoned(()))?;
    Ok(g)
}

impl Seen {
    /// The gaps still awaited, as a JSON array of ids (read by id beside the rows above the
    /// highest seen).
    fn gaps(&self) -> String {
        let ids: Vec<String> = self.gaps.keys().map(i64::to_string).collect();
        format!("[{}]", ids.join(","))
    }

    /// The rows not seen yet among `rows` (id and payload, by id): those above the highest seen
    /// (the ids skipped on the way are awaited as gaps) and those filling a gap. Gaps older
    /// than [`SETTLE`] are given up (an id a rolled-back transaction took never comes).
    fn take<T: Clone>(&mut self, rows: &[(i64, T)], now: std::time::Instant) -> Vec<(i64, T)> {
        self.gaps.retain(|_, at| now.duration_since(*at) < SETTLE);
        let mut new = Vec::new();
        for (id, payload) in rows {
            if *id > self.max {
                for skipped in (self.max + 1).max(id - MAX_GAPS)..*id {
                    self.gaps.insert(skipped, now);
                }
                self.max = *id;
                new.push((*id, payload.clone()));
            } else if self.gaps.remove(id).is_some() {
                new.push((*id, payload.clone()));
            }
        }
        new
    }
}

/// The database's data version: the latest audit row (every write records one).
pub async fn data_version(db: &Db) -> StoreResult<i64> {
    max_id(db, "audit_log").await
}

async fn max_id(db: &Db, table: &str) -> StoreResult<i64> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT COALESCE(MAX(id), 0) FROM {table}"));
    Ok(on_db!(db, |p| sqlx::query_scalar(sql).fetch_one(p).await)?)
}

fn poisoned<E>(_: E) -> StoreError {
    StoreError::Invalid("指标缓存不可用 (indicator cache lock poisoned)".into())
}

// ---------------------------------------------------------------- live plans

/// The live state of a plan, loaded on first use (all its accepted observations are read).
pub(super) async fn plan(db: &Db, plan_id: i64) -> StoreResult<PlanSlot> {
    let slot = with_pool(db, |p| {
        p.clock += 1;
        let now = p.clock;
        p.plan_used.insert(plan_id, now);
        p.plans.entry(plan_id).or_default().clone()
    })
    .ok_or_else(|| poisoned(()))?;
    {
        // Loading holds the slot: a sync that changes reports meanwhile waits, then applies
        // its changes to what was loaded (applying one twice changes nothing).
        let mut guard = slot.lock().await;
        if guard.is_none() {
            *guard = Some(on_primary(db, load_plan(db, plan_id)).await?);
        }
    }
    shrink(db).await;
    Ok(slot)
}

/// Everything a live plan is built from, read in full.
async fn load_plan(db: &Db, plan_id: i64) -> StoreResult<PlanLive> {
    let plan = plans::get(db, plan_id).await?;
    let targets = plan_targets(db, plan_id).await?;
    let (infos, root_given) = tree_rows(db, &plan.region_code, i32::MIN).await?;
    let mut live = LivePlan::new(&infos, &plan.region_code, root_given);
    let periods = plan_rounds(db, plan_id).await?;
    let rows = super::observations::all_rows(db, plan_id).await?;
    let mut by_target = super::observations::by_target(rows, &periods);
    for t in &targets {
        let ind = Indicator::from_target(&t.target);
        let level = match ind.kind.entity().map(entity_list) {
            Some(EntityList::Regions(l)) => Some(l),
            _ => None,
        };
        let obs = by_target.remove(&t.target_id).unwrap_or_default();
        live.load_target(t.target_id, ind, level, obs);
    }
    Ok(PlanLive {
        plan_id,
        live,
        region: plan.region_code,
        targets,
        periods,
    })
}

/// Send the current values of changed reports to a live plan. `false` when the plan should
/// rather be rebuilt (too many changes).
async fn apply_reports(db: &Db, pl: &mut PlanLive, reports: &BTreeSet<i64>) -> StoreResult<bool> {
    let ids: Vec<i64> = reports.iter().copied().collect();
    let plan_id = pl.plan_id;
    let mut changed: Vec<(i64, String, i32, i64)> = Vec::new();
    for chunk in ids.chunks(500) {
        changed.extend(super::observations::reports_of_plan(db, plan_id, chunk).await?);
    }
    if changed.is_empty() {
        return Ok(true);
    }
    if changed.len() > MAX_CHANGED {
        return Ok(false);
    }
    // The lead-over-cooperating rule spans a round's reports: when a lead or cooperating
    // unit's report changed, every lead and cooperating report of its round is read again.
    let rounds: BTreeSet<i64> = changed.iter().filter(|r| r.2 != 0).map(|r| r.3).collect();
    if !rounds.is_empty() {
        let rounds: Vec<i64> = rounds.into_iter().collect();
        changed.extend(super::observations::lead_and_cooperating(db, &rounds).await?);
        changed.sort_by_key(|r| r.0);
        changed.dedup_by_key(|r| r.0);
    }
    if changed.iter().any(|r| !pl.periods.contains_key(&r.3)) {
        pl.periods = plan_rounds(db, plan_id).await?;
    }
    let mut rows: Vec<ObsRow> = Vec::new();
    let ids: Vec<i64> = changed.iter().map(|r| r.0).collect();
    for chunk in ids.chunks(500) {
        rows.extend(fetch_reports(db, plan_id, chunk).await?);
    }
    let mut by_target = super::observations::by_target(rows, &pl.periods);
    let gone: Vec<(i64, &str)> = changed.iter().map(|r| (r.0, r.1.as_str())).collect();
    let targets: Vec<i64> = pl.live.targets().collect();
    for t in targets {
        let fresh = by_target.remove(&t).unwrap_or_default();
        pl.live.replace_reports(t, &gone, fresh);
    }
    Ok(true)
}

// ---------------------------------------------------------------- kept views

/// A view computed at generation `data`, if still valid.
pub(crate) fn kept<T: Any + Send + Sync>(db: &Db, key: &str, data: u64) -> Option<Arc<T>> {
    let mut pools = POOLS.lock().ok()?;
    let p = pools.get_mut(&pool_id(db).0)?;
    p.clock += 1;
    let now = p.clock;
    let e = p.kept.get_mut(key)?;
    if e.generation != data {
        return None;
    }
    e.used = now;
    e.value.clone().downcast::<T>().ok()
}

/// Keep a view computed at generation `data`; `bytes` estimates its size.
pub(crate) fn keep<T: Any + Send + Sync>(
    db: &Db,
    key: &str,
    data: u64,
    value: Arc<T>,
    bytes: usize,
) {
    let Ok(mut pools) = POOLS.lock() else {
        return;
    };
    let Some(p) = pools.get_mut(&pool_id(db).0) else {
        return;
    };
    if p.data != data {
        return;
    }
    p.clock += 1;
    let used = p.clock;
    p.kept.insert(
        key.to_string(),
        Kept {
            generation: data,
            used,
            bytes: bytes + key.len() + 64,
            value,
        },
    );
    let limit = budget() / 4;
    let mut total: usize = p.kept.values().map(|k| k.bytes).sum();
    while total > limit {
        let Some(oldest) = p
            .kept
            .iter()
            .min_by_key(|(_, k)| k.used)
            .map(|(k, _)| k.clone())
        else {
            break;
        };
        if let Some(k) = p.kept.remove(&oldest) {
            total -= k.bytes;
        }
    }
}

/// A reference list (populations, entities, a region tree) kept while regions, populations,
/// plans and units are unchanged.
pub(super) async fn reference<T, F, Fut>(
    db: &Db,
    key: &str,
    g: Generation,
    load: F,
) -> StoreResult<Arc<T>>
where
    T: Any + Send + Sync,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = StoreResult<(T, usize)>>,
{
    let key = format!("ref/{}/{key}", g.reference);
    // Reference lists survive data writes: they are kept under the reference generation and
    // looked up whatever the data generation.
    let found = {
        let mut pools = POOLS.lock().map_err(poisoned)?;
        pools.get_mut(&pool_id(db).0).and_then(|p| {
            p.clock += 1;
            let now = p.clock;
            let e = p.refs().get_mut(&key)?;
            e.used = now;
            e.value.clone().downcast::<T>().ok()
        })
    };
    if let Some(v) = found {
        return Ok(v);
    }
    let (value, bytes) = on_primary(db, load()).await?;
    let value = Arc::new(value);
    if let Ok(mut pools) = POOLS.lock()
        && let Some(p) = pools.get_mut(&pool_id(db).0)
    {
        p.clock += 1;
        let used = p.clock;
        let limit = budget() / 8;
        let refs = p.refs();
        refs.insert(
            key,
            Kept {
                generation: g.reference,
                used,
                bytes: bytes + 64,
                value: value.clone(),
            },
        );
        refs.retain(|_, k| k.generation == g.reference);
        let mut total: usize = refs.values().map(|k| k.bytes).sum();
        while total > limit {
            let Some(oldest) = refs
                .iter()
                .min_by_key(|(_, k)| k.used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(k) = refs.remove(&oldest) {
                total -= k.bytes;
            }
        }
    }
    Ok(value)
}

// ---------------------------------------------------------------- memory

/// What the cache holds for one pool.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Live plans loaded.
    pub plans: usize,
    /// Observations they hold.
    pub observations: usize,
    /// Estimated bytes of the live plans.
    pub live_bytes: usize,
    /// Views and reference lists kept, and their estimated bytes.
    pub views: usize,
    pub view_bytes: usize,
}

/// What the cache holds for `db`'s pool.
pub async fn stats(db: &Db) -> Stats {
    let (slots, views, view_bytes) = with_pool(db, |p| {
        let slots: Vec<PlanSlot> = p.plans.values().cloned().collect();
        let views = p.kept.len() + p.refs_len();
        let bytes = p.kept.values().map(|k| k.bytes).sum::<usize>() + p.refs_bytes();
        (slots, views, bytes)
    })
    .unwrap_or_default();
    let mut s = Stats {
        views,
        view_bytes,
        ..Stats::default()
    };
    for slot in slots {
        if let Some(pl) = slot.lock().await.as_ref() {
            s.plans += 1;
            s.observations += pl.live.len();
            s.live_bytes += pl.live.bytes();
        }
    }
    s
}

/// Keep the live plans within the budget (what views and reference lists do not use):
/// forget figures least recently used, then whole plans least recently used.
async fn shrink(db: &Db) {
    let Some(mut order) = with_pool(db, |p| {
        let mut v: Vec<(u64, i64, PlanSlot)> = p
            .plans
            .iter()
            .map(|(id, s)| (p.plan_used.get(id).copied().unwrap_or(0), *id, s.clone()))
            .collect();
        v.sort_by_key(|e| std::cmp::Reverse(e.0));
        v
    }) else {
        return;
    };
    let limit = budget() - budget() / 4 - budget() / 8;
    let mut total = 0usize;
    let mut dropped = Vec::new();
    // Most recently used first: they keep their share, the oldest give up theirs.
    for (_, id, slot) in order.drain(..) {
        let Ok(mut guard) = slot.try_lock() else {
            continue;
        };
        let Some(pl) = guard.as_mut() else {
            continue;
        };
        let left = limit.saturating_sub(total);
        let held = pl.live.shrink_to(left);
        if held > left && total > 0 {
            *guard = None;
            dropped.push(id);
            continue;
        }
        total += held;
    }
    if !dropped.is_empty() {
        with_pool(db, |p| {
            for id in dropped {
                p.plans.remove(&id);
                p.plan_used.remove(&id);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_GAPS, SETTLE, Seen};
    use std::time::{Duration, Instant};

    fn seen(max: i64) -> Seen {
        Seen {
            max,
            ..Seen::default()
        }
    }

    #[test]
    fn rows_above_the_highest_seen_are_new_once() {
        let mut s = seen(10);
        let now = Instant::now();
        assert_eq!(s.take(&[(11, 'a'), (12, 'b')], now), [(11, 'a'), (12, 'b')]);
        assert_eq!((s.max, s.gaps()), (12, "[]".to_string()));
        assert!(s.take::<char>(&[], now).is_empty());
    }

    #[test]
    fn a_skipped_id_is_read_again_until_it_commits() {
        let mut s = seen(10);
        let now = Instant::now();
        // 11 is still open when 12 commits.
        assert_eq!(s.take(&[(12, 'b')], now), [(12, 'b')]);
        assert_eq!((s.max, s.gaps()), (12, "[11]".to_string()));
        // 11 commits: seen once, 12 not again.
        assert_eq!(s.take(&[(11, 'a'), (12, 'b')], now), [(11, 'a')]);
        assert_eq!((s.max, s.gaps()), (12, "[]".to_string()));
    }

    #[test]
    fn a_gap_is_given_up_after_settle() {
        let mut s = seen(10);
        let now = Instant::now();
        s.take(&[(12, 'b')], now);
        let later = now + SETTLE + Duration::from_secs(1);
        assert!(s.take(&[(12, 'b')], later).is_empty());
        assert_eq!((s.max, s.gaps()), (12, "[]".to_string()));
    }

    #[test]
    fn a_bulk_import_leaves_nothing_to_read_again() {
        let mut s = seen(0);
        let rows: Vec<(i64, ())> = (1..=100_000).map(|i| (i, ())).collect();
        assert_eq!(s.take(&rows, Instant::now()).len(), 100_000);
        assert_eq!((s.max, s.gaps()), (100_000, "[]".to_string()));
    }

    #[test]
    fn a_jump_of_the_sequence_awaits_only_the_ids_below_it() {
        let mut s = seen(0);
        s.take(&[(1_000_000, ())], Instant::now());
        assert_eq!(s.gaps.len() as i64, MAX_GAPS);
        assert!(s.gaps().starts_with(&format!("[{},", 1_000_000 - MAX_GAPS)));
    }

    #[test]
    fn a_gap_at_the_start_of_a_bulk_import_is_awaited_alone() {
        // Id 1 is still open while 2..=100 000 commit: only 1 is read again, not the import.
        let mut s = seen(0);
        let rows: Vec<(i64, ())> = (2..=100_000).map(|i| (i, ())).collect();
        s.take(&rows, Instant::now());
        assert_eq!((s.max, s.gaps()), (100_000, "[1]".to_string()));
    }
}
