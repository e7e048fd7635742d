//! What is kept between requests, and how it learns of writes.

use super::observations::{
    ObsRow, ObservationFilter, fetch_reports, led_or_cooperating, observations,
};
use super::regions::{entities, region_infos};
use crate::{Db, StoreResult};
use kesu_core::report::Period;
use kesu_indicators::coverage::Entity;
use kesu_indicators::{Observation, RegionTree};
use std::collections::HashMap;

/// Results kept between requests while nothing changes.
///
/// A city's villages reporting quarterly make hundreds of thousands of values; reading them,
/// rolling them up and listing their sources is most of a dashboard's time, and none of it
/// changes until a report (or a region, a plan, a survey figure) does. Every write to the
/// database records an audit row in its own transaction, so the highest audit id is a data
/// version: an entry is used while the version is unchanged, and for at most [`CACHE_TTL`]
/// (which bounds the staleness a PostgreSQL commit racing ahead of an earlier id could cause).
struct Memo {
    /// Holds the pool's options alive, so that no other pool can reuse its address (the key).
    _pool: std::sync::Arc<dyn std::any::Any + Send + Sync>,
    version: i64,
    loaded: std::time::Instant,
    used: std::time::Instant,
    value: std::sync::Arc<dyn std::any::Any + Send + Sync>,
}

pub const CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(60);
const CACHE_ENTRIES: usize = 512;

type MemoKey = (usize, String);

static MEMO: std::sync::LazyLock<std::sync::Mutex<HashMap<MemoKey, Memo>>> =
    std::sync::LazyLock::new(|| std::sync::Mutex::new(HashMap::new()));

/// The pool behind a `Db` (its options are shared by every clone of it), and a handle that
/// keeps that address taken.
fn pool_id(db: &Db) -> (usize, std::sync::Arc<dyn std::any::Any + Send + Sync>) {
    match db {
        Db::Sqlite(p) => {
            let o = p.connect_options();
            (std::sync::Arc::as_ptr(&o) as *const () as usize, o)
        }
        Db::Postgres(p) => {
            let o = p.connect_options();
            (std::sync::Arc::as_ptr(&o) as *const () as usize, o)
        }
    }
}

/// The database's data version: the latest audit row.
pub async fn data_version(db: &Db) -> StoreResult<i64> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT COALESCE(MAX(id), 0) FROM audit_log"
    )
    .fetch_one(p)
    .await)?)
}

pub(super) fn memo_get<T: std::any::Any + Send + Sync>(
    db: &Db,
    key: &str,
    version: i64,
) -> Option<std::sync::Arc<T>> {
    let now = std::time::Instant::now();
    let mut m = MEMO.lock().ok()?;
    let e = m.get_mut(&(pool_id(db).0, key.to_string()))?;
    if e.version != version || now.duration_since(e.loaded) >= CACHE_TTL {
        return None;
    }
    e.used = now;
    e.value.clone().downcast::<T>().ok()
}

/// An entry whatever its version, if not past [`CACHE_TTL`]: its version, load time, value.
pub(super) fn memo_get_stale<T: std::any::Any + Send + Sync>(
    db: &Db,
    key: &str,
) -> Option<(i64, std::time::Instant, std::sync::Arc<T>)> {
    let now = std::time::Instant::now();
    let m = MEMO.lock().ok()?;
    let e = m.get(&(pool_id(db).0, key.to_string()))?;
    if now.duration_since(e.loaded) >= CACHE_TTL {
        return None;
    }
    Some((e.version, e.loaded, e.value.clone().downcast::<T>().ok()?))
}

pub(super) fn memo_put<T: std::any::Any + Send + Sync>(
    db: &Db,
    key: &str,
    version: i64,
    value: std::sync::Arc<T>,
) {
    memo_put_loaded(db, key, version, value, std::time::Instant::now());
}

/// As [`memo_put`], keeping the time of the full load an incremental update started from.
pub(super) fn memo_put_loaded<T: std::any::Any + Send + Sync>(
    db: &Db,
    key: &str,
    version: i64,
    value: std::sync::Arc<T>,
    loaded: std::time::Instant,
) {
    let now = std::time::Instant::now();
    if let Ok(mut m) = MEMO.lock() {
        if m.len() >= CACHE_ENTRIES {
            // Drop what is stale, else the least recently used.
            m.retain(|_, e| e.version == version && now.duration_since(e.loaded) < CACHE_TTL);
            if m.len() >= CACHE_ENTRIES
                && let Some(k) = m.iter().min_by_key(|(_, e)| e.used).map(|(k, _)| k.clone())
            {
                m.remove(&k);
            }
        }
        let (id, pool) = pool_id(db);
        m.insert(
            (id, key.to_string()),
            Memo {
                _pool: pool,
                version,
                loaded,
                used: now,
                value,
            },
        );
    }
}

/// A plan's accepted observations by target, each list in region order. Lists are shared so
/// that an update of one target's list leaves the others in place.
pub type ObservationsByTarget = HashMap<i64, std::sync::Arc<Vec<Observation>>>;

/// Every accepted observation of a plan by target (each in region order), from the cache when
/// the data has not changed since it was read.
pub async fn cached_observations(
    db: &Db,
    plan_id: i64,
) -> StoreResult<std::sync::Arc<ObservationsByTarget>> {
    // Observations change only with a report's state or values, and every such change writes
    // a report_event row: its latest id versions them (a survey figure or a login does not
    // throw away half a million values).
    let version: i64 = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COALESCE(MAX(id), 0) FROM report_event"
    )
    .fetch_one(p)
    .await)?;
    let key = format!("obs/{plan_id}");
    if let Some(v) = memo_get(db, &key, version) {
        return Ok(v);
    }
    // A few reports changed since the values were read: update those, not all.
    if let Some((was, loaded, old)) = memo_get_stale::<ObservationsByTarget>(db, &key)
        && was < version
        && let Some(updated) = refresh(db, plan_id, was, version, &old).await?
    {
        let arc = std::sync::Arc::new(updated);
        memo_put_loaded(db, &key, version, arc.clone(), loaded);
        return Ok(arc);
    }
    let mut by_target: HashMap<i64, Vec<Observation>> = HashMap::new();
    for o in observations(db, plan_id, &ObservationFilter::default()).await? {
        by_target
            .entry(o.target_id)
            .or_default()
            .push(o.observation);
    }
    let by_target: ObservationsByTarget = by_target
        .into_iter()
        .map(|(t, list)| (t, std::sync::Arc::new(list)))
        .collect();
    let arc = std::sync::Arc::new(by_target);
    memo_put(db, &key, version, arc.clone());
    Ok(arc)
}

/// Reports changed by more than this many events are read again in full.
const REFRESH_MAX: usize = 2_000;

/// The plan's observations with the reports changed between two report_event ids read again.
/// `None` when a full read is simpler or required: too many changes, or a lead or cooperating
/// unit's report among them (the lead-over-cooperating rule spans reports).
async fn refresh(
    db: &Db,
    plan_id: i64,
    from: i64,
    to: i64,
    old: &ObservationsByTarget,
) -> StoreResult<Option<ObservationsByTarget>> {
    let changed: Vec<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT DISTINCT report_id FROM report_event WHERE id > $1 AND id <= $2"
    )
    .bind(from)
    .bind(to)
    .fetch_all(p)
    .await)?;
    if changed.len() > REFRESH_MAX {
        return Ok(None);
    }
    let mut fresh: Vec<(i64, Observation)> = Vec::new();
    for chunk in changed.chunks(500) {
        if led_or_cooperating(db, plan_id, chunk).await? {
            return Ok(None);
        }
        let rows: Vec<ObsRow> = fetch_reports(db, plan_id, chunk).await?;
        let periods: HashMap<i64, Period> = on_db!(db, |p| sqlx::query_as::<_, (i64, String)>(
            "SELECT id, period FROM reporting_round WHERE plan_id = $1"
        )
        .bind(plan_id)
        .fetch_all(p)
        .await)?
        .into_iter()
        .filter_map(|(id, c)| Period::parse(&c).ok().map(|p| (id, p)))
        .collect();
        for r in rows {
            let Some(period) = periods.get(&r.round_id).copied() else {
                continue;
            };
            fresh.push((
                r.target_id,
                Observation {
                    report_id: r.report_id,
                    unit_id: r.unit_id,
                    region_code: r.region_code.into(),
                    period,
                    value: r.value,
                    accepted: true,
                },
            ));
        }
    }
    let gone: std::collections::HashSet<i64> = changed.into_iter().collect();
    let mut fresh_by_target: HashMap<i64, Vec<Observation>> = HashMap::new();
    for (target, o) in fresh {
        fresh_by_target.entry(target).or_default().push(o);
    }
    let mut out: ObservationsByTarget = HashMap::with_capacity(old.len());
    for (target, list) in old {
        let added = fresh_by_target.remove(target);
        if added.is_none() && !list.iter().any(|o| gone.contains(&o.report_id)) {
            // Untouched: shared, not copied.
            out.insert(*target, list.clone());
            continue;
        }
        let mut l: Vec<Observation> = list
            .iter()
            .filter(|o| !gone.contains(&o.report_id))
            .cloned()
            .collect();
        l.extend(added.unwrap_or_default());
        sort_by_region(&mut l);
        out.insert(*target, std::sync::Arc::new(l));
    }
    for (target, mut l) in fresh_by_target {
        sort_by_region(&mut l);
        out.insert(target, std::sync::Arc::new(l));
    }
    Ok(Some(out))
}

/// Region order (byte order), then report: a region's subtree is one slice.
fn sort_by_region(list: &mut [Observation]) {
    if !list.is_sorted_by(|a, b| (&a.region_code, a.report_id) <= (&b.region_code, b.report_id)) {
        list.sort_by(|a, b| {
            (a.region_code.as_str(), a.report_id).cmp(&(b.region_code.as_str(), b.report_id))
        });
    }
}

/// A kept value built from regions, populations and units: current when the data is
/// unchanged, and also when everything written since only touched reports, rounds, recorded
/// figures or snapshots (then it is kept for the new version).
async fn memo_reference<T: std::any::Any + Send + Sync>(
    db: &Db,
    key: &str,
    version: i64,
) -> StoreResult<Option<std::sync::Arc<T>>> {
    if let Some(v) = memo_get(db, key, version) {
        return Ok(Some(v));
    }
    if let Some((was, loaded, old)) = memo_get_stale::<T>(db, key)
        && was < version
        && reference_unchanged(db, was, version).await?
    {
        memo_put_loaded(db, key, version, old.clone(), loaded);
        return Ok(Some(old));
    }
    Ok(None)
}

/// Whether every audited write between two data versions left regions, populations and units
/// alone. Known objects only (a report, a round, a recorded figure, a snapshot): anything else,
/// such as a plan import that adds units, counts as a change.
async fn reference_unchanged(db: &Db, from: i64, to: i64) -> StoreResult<bool> {
    let others: i64 = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE id > $1 AND id <= $2
           AND object NOT LIKE 'report:%' AND object NOT LIKE 'round:%'
           AND object NOT LIKE 'indicator_record:%' AND object NOT LIKE 'snapshot:%'"
    )
    .bind(from)
    .bind(to)
    .fetch_one(p)
    .await)?;
    Ok(others == 0)
}

/// [`entities`], kept while the data is unchanged.
pub(super) async fn cached_entities(
    db: &Db,
    region: &str,
    entity: &str,
    version: i64,
) -> StoreResult<std::sync::Arc<Option<Vec<Entity>>>> {
    let key = format!("entities/{region}/{entity}");
    if let Some(v) = memo_reference(db, &key, version).await? {
        return Ok(v);
    }
    let arc = std::sync::Arc::new(entities(db, region, entity).await?);
    memo_put(db, &key, version, arc.clone());
    Ok(arc)
}

/// The region tree of `region`'s subtree, kept while the data is unchanged.
pub(super) async fn cached_tree(
    db: &Db,
    region: &str,
    year: i32,
    version: i64,
) -> StoreResult<std::sync::Arc<RegionTree>> {
    let key = format!("tree/{region}/{year}");
    if let Some(v) = memo_reference(db, &key, version).await? {
        return Ok(v);
    }
    let infos = region_infos(db, region, year).await?;
    let arc = std::sync::Arc::new(RegionTree::new(&infos));
    memo_put(db, &key, version, arc.clone());
    Ok(arc)
}
