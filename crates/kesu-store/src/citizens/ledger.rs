//! The ledger of citizens with scientific literacy: entries, counts, moves, removals, imports,
//! history, erasure, reveal permissions and key rotation.

use crate::regions::prefix_end;
use crate::{Actor, Db, StoreError, StoreResult, Tx, audit};
use serde::Serialize;
use serde_json::json;
use std::collections::HashSet;
use time::{Date, OffsetDateTime};

/// An entry to add. Personal fields are ciphertext and blind indexes.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub region_code: String,
    pub key_group: String,
    pub name_ct: Vec<u8>,
    pub id_ct: Vec<u8>,
    pub id_idx: Vec<u8>,
    pub phone_ct: Option<Vec<u8>>,
    pub phone_idx: Option<Vec<u8>>,
    /// `test`, `survey` or `import`.
    pub basis: String,
    /// The attempt id, the wave id, or the document.
    pub basis_ref: String,
    pub score: Option<f64>,
    pub entered_on: Date,
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: i64,
    pub region_code: String,
    pub key_group: String,
    pub name_ct: Vec<u8>,
    pub id_ct: Vec<u8>,
    pub phone_ct: Option<Vec<u8>>,
    pub basis: String,
    pub basis_ref: String,
    pub score: Option<f64>,
    pub entered_on: Date,
    pub status: String,
    pub removed_reason: Option<String>,
    pub removed_on: Option<Date>,
    pub import_id: Option<i64>,
}
from_row!(Entry {
    id: i64,
    region_code: String,
    key_group: String,
    name_ct: Vec<u8>,
    id_ct: Vec<u8>,
    phone_ct: Option<Vec<u8>>,
    basis: String,
    basis_ref: String,
    score: Option<f64>,
    entered_on: Date,
    status: String,
    removed_reason: Option<String>,
    removed_on: Option<Date>,
    import_id: Option<i64>,
});

const ENTRY_COLS: &str = "id, region_code, key_group, name_ct, id_ct, phone_ct, basis, basis_ref, score, entered_on, status, removed_reason, removed_on, import_id";

/// What adding an entry did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added {
    Added(i64),
    /// The person already has an active entry (its id and village).
    AlreadyIn {
        id: i64,
        region_code: String,
    },
}

async fn bump(tx: &mut Tx, region: &str, group: &str, delta: i64) -> StoreResult<()> {
    on_tx!(&mut *tx, |c| sqlx::query(
        "INSERT INTO ledger_count (region_code, key_group, n) VALUES ($1, $2, $3)
         ON CONFLICT (region_code, key_group) DO UPDATE SET n = ledger_count.n + excluded.n"
    )
    .bind(region)
    .bind(group)
    .bind(delta)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    Ok(())
}

async fn event(
    tx: &mut Tx,
    actor: &Actor,
    entry_id: i64,
    action: &str,
    from: Option<&str>,
    to: Option<&str>,
    note: Option<&str>,
) -> StoreResult<()> {
    on_tx!(&mut *tx, |c| sqlx::query(
        "INSERT INTO ledger_event (entry_id, at, actor, action, from_region, to_region, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(entry_id)
    .bind(OffsetDateTime::now_utc())
    .bind(&actor.name)
    .bind(action)
    .bind(from)
    .bind(to)
    .bind(note)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Adds one entry, unless the person already has an active one.
pub async fn add_entry(tx: &mut Tx, actor: &Actor, e: &NewEntry) -> StoreResult<Added> {
    let existing: Option<(i64, String)> = on_tx!(&mut *tx, |c| sqlx::query_as(
        "SELECT id, region_code FROM ledger_entry WHERE id_idx = $1 AND status = 'active'"
    )
    .bind(&e.id_idx)
    .fetch_optional(&mut *c)
    .await)?;
    if let Some((id, region_code)) = existing {
        return Ok(Added::AlreadyIn { id, region_code });
    }
    let id: i64 = on_tx!(&mut *tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO ledger_entry (region_code, key_group, name_ct, id_ct, id_idx, phone_ct, phone_idx,
            basis, basis_ref, score, entered_on, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'active', $12) RETURNING id"
    )
    .bind(&e.region_code)
    .bind(&e.key_group)
    .bind(&e.name_ct)
    .bind(&e.id_ct)
    .bind(&e.id_idx)
    .bind(&e.phone_ct)
    .bind(&e.phone_idx)
    .bind(&e.basis)
    .bind(&e.basis_ref)
    .bind(e.score)
    .bind(e.entered_on)
    .bind(OffsetDateTime::now_utc())
    .fetch_one(&mut *c)
    .await
    })?;
    bump(tx, &e.region_code, &e.key_group, 1).await?;
    event(
        tx,
        actor,
        id,
        "add",
        None,
        Some(&e.region_code),
        Some(&e.basis),
    )
    .await?;
    audit::record_in_region(
        tx,
        actor,
        Some(&e.region_code),
        "ledger.add",
        &format!("ledger_entry:{id}"),
        None,
        Some(
            &json!({"region": e.region_code, "group": e.key_group, "basis": e.basis,
            "basis_ref": e.basis_ref, "entered_on": e.entered_on.to_string()}),
        ),
    )
    .await?;
    Ok(Added::Added(id))
}

mod import;
pub use import::{
    BatchMaker, Import, ImportBatch, ImportEntry, import_batch, import_batch_size, import_finish,
    import_release, import_start,
};

/// Active entries in `region`'s subtree, per key group (from the tallies: a range over at most
/// the region's villages).
pub async fn count(db: &Db, region: &str) -> StoreResult<Vec<(String, i64)>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT key_group, CAST(SUM(n) AS BIGINT) FROM ledger_count
         WHERE region_code >= $1 AND region_code < $2 AND n <> 0
         GROUP BY key_group ORDER BY key_group"
    )
    .bind(region)
    .bind(prefix_end(region))
    .fetch_all(p)
    .await)?)
}

/// Active entries in `region`'s subtree per child region (codes cut to `digits`) and key group.
pub async fn count_by_child(
    db: &Db,
    region: &str,
    digits: usize,
) -> StoreResult<Vec<(String, String, i64)>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT SUBSTR(region_code, 1, $3), key_group, CAST(SUM(n) AS BIGINT) FROM ledger_count
         WHERE region_code >= $1 AND region_code < $2 AND n <> 0
         GROUP BY 1, 2 ORDER BY 1, 2"
    )
    .bind(region)
    .bind(prefix_end(region))
    .bind(digits as i32)
    .fetch_all(p)
    .await)?)
}

/// A page of entries in `region`'s subtree (active first, then by id).
pub async fn entries(db: &Db, region: &str, offset: i64, limit: i64) -> StoreResult<Vec<Entry>> {
    let sql = format!(
        "SELECT {ENTRY_COLS} FROM ledger_entry WHERE region_code >= $1 AND region_code < $2
         ORDER BY CASE WHEN status = 'active' THEN 0 ELSE 1 END, id LIMIT $3 OFFSET $4"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(region)
    .bind(prefix_end(region))
    .bind(limit)
    .bind(offset)
    .fetch_all(p)
    .await)?)
}

pub async fn entry(db: &Db, id: i64) -> StoreResult<Option<Entry>> {
    let sql = format!("SELECT {ENTRY_COLS} FROM ledger_entry WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_optional(p)
    .await)?)
}

/// Every entry (any status) of the person with this ID-number index.
pub async fn entries_by_id_idx(db: &Db, id_idx: &[u8]) -> StoreResult<Vec<Entry>> {
    let sql = format!("SELECT {ENTRY_COLS} FROM ledger_entry WHERE id_idx = $1 ORDER BY id");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id_idx)
    .fetch_all(p)
    .await)?)
}

/// Which of `indexes` have an active entry anywhere (resident-list matching).
pub async fn active_among(db: &Db, indexes: &[Vec<u8>]) -> StoreResult<HashSet<Vec<u8>>> {
    let mut found = HashSet::new();
    for chunk in indexes.chunks(500) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id_idx FROM ledger_entry WHERE status = 'active' AND id_idx IN ({})",
            placeholders.join(",")
        );
        let rows: Vec<Vec<u8>> = on_db!(db, |p| {
            let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()));
            for i in chunk {
                q = q.bind(i);
            }
            q.fetch_all(p).await
        })?;
        found.extend(rows);
    }
    Ok(found)
}

/// Removes an active entry (moved away, deceased, expired).
pub async fn remove(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    reason: &str,
    on: Date,
) -> StoreResult<()> {
    let row: Option<(String, String)> = on_tx!(&mut *tx, |c| sqlx::query_as(
        "SELECT region_code, key_group FROM ledger_entry WHERE id = $1 AND status = 'active'"
    )
    .bind(id)
    .fetch_optional(&mut *c)
    .await)?;
    let Some((region, group)) = row else {
        return Err(StoreError::Conflict(
            "该条目不在台账中（已移出） (entry is not active)".into(),
        ));
    };
    on_tx!(&mut *tx, |c| {
        sqlx::query(
        "UPDATE ledger_entry SET status = 'removed', removed_reason = $1, removed_on = $2 WHERE id = $3"
    )
    .bind(reason)
    .bind(on)
    .bind(id)
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    // Open moves of a removed entry are moot.
    on_tx!(&mut *tx, |c| {
        sqlx::query(
        "UPDATE ledger_move SET state = 'cancelled', decided_by = $1, decided_at = $2 WHERE entry_id = $3 AND state = 'requested'"
    )
    .bind(&actor.name)
    .bind(OffsetDateTime::now_utc())
    .bind(id)
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    bump(tx, &region, &group, -1).await?;
    event(tx, actor, id, "remove", Some(&region), None, Some(reason)).await?;
    audit::record_in_region(
        tx,
        actor,
        Some(&region),
        "ledger.remove",
        &format!("ledger_entry:{id}"),
        Some(&json!({"status": "active"})),
        Some(&json!({"status": "removed", "reason": reason, "on": on.to_string()})),
    )
    .await?;
    Ok(())
}

/// A move between villages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Move {
    pub id: i64,
    pub entry_id: i64,
    pub from_region: String,
    pub to_region: String,
    pub state: String,
    pub requested_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    pub decided_by: Option<String>,
    pub note: Option<String>,
}
from_row!(Move {
    id: i64,
    entry_id: i64,
    from_region: String,
    to_region: String,
    state: String,
    requested_by: String,
    requested_at: OffsetDateTime,
    decided_by: Option<String>,
    note: Option<String>,
});

const MOVE_COLS: &str =
    "id, entry_id, from_region, to_region, state, requested_by, requested_at, decided_by, note";

pub async fn request_move(
    tx: &mut Tx,
    actor: &Actor,
    entry_id: i64,
    to: &str,
    note: Option<&str>,
) -> StoreResult<i64> {
    let from: Option<String> = on_tx!(&mut *tx, |c| sqlx::query_scalar(
        "SELECT region_code FROM ledger_entry WHERE id = $1 AND status = 'active'"
    )
    .bind(entry_id)
    .fetch_optional(&mut *c)
    .await)?;
    let Some(from) = from else {
        return Err(StoreError::Conflict(
            "该条目不在台账中 (entry is not active)".into(),
        ));
    };
    let open: Option<i64> = on_tx!(&mut *tx, |c| sqlx::query_scalar(
        "SELECT id FROM ledger_move WHERE entry_id = $1 AND state = 'requested'"
    )
    .bind(entry_id)
    .fetch_optional(&mut *c)
    .await)?;
    if open.is_some() {
        return Err(StoreError::Conflict(
            "已有待接收的迁移申请 (a move is already open)".into(),
        ));
    }
    let id: i64 = on_tx!(&mut *tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO ledger_move (entry_id, from_region, to_region, state, requested_by, requested_at, note)
         VALUES ($1, $2, $3, 'requested', $4, $5, $6) RETURNING id"
    )
    .bind(entry_id)
    .bind(&from)
    .bind(to)
    .bind(&actor.name)
    .bind(OffsetDateTime::now_utc())
    .bind(note)
    .fetch_one(&mut *c)
    .await
    })?;
    event(
        tx,
        actor,
        entry_id,
        "move_requested",
        Some(&from),
        Some(to),
        note,
    )
    .await?;
    audit::record_in_region(
        tx,
        actor,
        Some(&from),
        "ledger.move.request",
        &format!("ledger_move:{id}"),
        None,
        Some(&json!({"entry": entry_id, "from": from, "to": to})),
    )
    .await?;
    Ok(id)
}

pub async fn move_by_id(db: &Db, id: i64) -> StoreResult<Option<Move>> {
    let sql = format!("SELECT {MOVE_COLS} FROM ledger_move WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_optional(p)
    .await)?)
}

/// Open moves into or out of `region`'s subtree.
pub async fn open_moves(db: &Db, region: &str) -> StoreResult<Vec<Move>> {
    let sql = format!(
        "SELECT {MOVE_COLS} FROM ledger_move WHERE state = 'requested'
         AND ((to_region >= $1 AND to_region < $2) OR (from_region >= $1 AND from_region < $2)) ORDER BY id"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(region)
    .bind(prefix_end(region))
    .fetch_all(p)
    .await)?)
}

/// Closes a move in `state` (accepted, rejected, cancelled); an accepted move moves the entry.
pub async fn decide_move(tx: &mut Tx, actor: &Actor, m: &Move, state: &str) -> StoreResult<()> {
    let n = on_tx!(&mut *tx, |c| {
        sqlx::query(
        "UPDATE ledger_move SET state = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND state = 'requested'"
    )
    .bind(state)
    .bind(&actor.name)
    .bind(OffsetDateTime::now_utc())
    .bind(m.id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    if n == 0 {
        return Err(StoreError::Conflict(
            "迁移申请已处理 (the move is closed)".into(),
        ));
    }
    if state == "accepted" {
        let group: Option<String> = on_tx!(&mut *tx, |c| sqlx::query_scalar(
            "SELECT key_group FROM ledger_entry WHERE id = $1 AND status = 'active'"
        )
        .bind(m.entry_id)
        .fetch_optional(&mut *c)
        .await)?;
        let Some(group) = group else {
            return Err(StoreError::Conflict(
                "该条目不在台账中 (entry is not active)".into(),
            ));
        };
        on_tx!(&mut *tx, |c| sqlx::query(
            "UPDATE ledger_entry SET region_code = $1 WHERE id = $2"
        )
        .bind(&m.to_region)
        .bind(m.entry_id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        bump(tx, &m.from_region, &group, -1).await?;
        bump(tx, &m.to_region, &group, 1).await?;
    }
    event(
        tx,
        actor,
        m.entry_id,
        &format!("move_{state}"),
        Some(&m.from_region),
        Some(&m.to_region),
        None,
    )
    .await?;
    audit::record_in_region(
        tx,
        actor,
        Some(&m.to_region),
        &format!("ledger.move.{state}"),
        &format!("ledger_move:{}", m.id),
        Some(&json!({"state": "requested"})),
        Some(
            &json!({"state": state, "entry": m.entry_id, "from": m.from_region, "to": m.to_region}),
        ),
    )
    .await?;
    Ok(())
}

/// One line of an entry's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub id: i64,
    pub entry_id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    pub action: String,
    pub from_region: Option<String>,
    pub to_region: Option<String>,
    pub note: Option<String>,
}
from_row!(Event {
    id: i64,
    entry_id: i64,
    at: OffsetDateTime,
    actor: String,
    action: String,
    from_region: Option<String>,
    to_region: Option<String>,
    note: Option<String>,
});

pub async fn history(db: &Db, entry_id: i64) -> StoreResult<Vec<Event>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, entry_id, at, actor, action, from_region, to_region, note FROM ledger_event
         WHERE entry_id = $1 ORDER BY id"
    )
    .bind(entry_id)
    .fetch_all(p)
    .await)?)
}

/// Records that a full value was shown: an audit row with the reason and a history line.
/// `field` names what was shown (`id_number`, `phone`, `name`, `export`), never the value.
pub async fn record_reveal(
    db: &Db,
    actor: &Actor,
    entry_id: i64,
    region: &str,
    field: &str,
    reason: &str,
) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    event(
        &mut tx,
        actor,
        entry_id,
        "reveal",
        None,
        None,
        Some(&format!("{field}: {reason}")),
    )
    .await?;
    audit::record_in_region(
        &mut tx,
        actor,
        Some(region),
        "ledger.reveal",
        &format!("ledger_entry:{entry_id}"),
        None,
        Some(&json!({"field": field, "reason": reason})),
    )
    .await?;
    tx.commit().await
}

/// Deletes an entry on the person's request (PIPL Art 47): the row and its moves go; a history
/// line without personal data stays to show it happened.
pub async fn erase(tx: &mut Tx, actor: &Actor, id: i64, reason: &str) -> StoreResult<()> {
    let row: Option<(String, String, String)> = on_tx!(&mut *tx, |c| sqlx::query_as(
        "SELECT region_code, key_group, status FROM ledger_entry WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(&mut *c)
    .await)?;
    let Some((region, group, status)) = row else {
        return Err(StoreError::NotFound {
            what: "台账条目",
            key: id.to_string(),
        });
    };
    on_tx!(&mut *tx, |c| sqlx::query(
        "DELETE FROM ledger_entry WHERE id = $1"
    )
    .bind(id)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    if status == "active" {
        bump(tx, &region, &group, -1).await?;
    }
    event(tx, actor, id, "erase", Some(&region), None, Some(reason)).await?;
    audit::record_in_region(
        tx,
        actor,
        Some(&region),
        "ledger.erase",
        &format!("ledger_entry:{id}"),
        Some(&json!({"status": status, "group": group})),
        Some(&json!({"erased": true, "reason": reason})),
    )
    .await?;
    Ok(())
}

/// Ends entries whose basis is older than `valid_before` (retention): removed as expired.
/// Returns how many.
pub async fn expire(
    tx: &mut Tx,
    actor: &Actor,
    basis: &str,
    valid_before: Date,
    today: Date,
) -> StoreResult<u64> {
    let ids: Vec<i64> = on_tx!(&mut *tx, |c| sqlx::query_scalar(
        "SELECT id FROM ledger_entry WHERE status = 'active' AND basis = $1 AND entered_on < $2"
    )
    .bind(basis)
    .bind(valid_before)
    .fetch_all(&mut *c)
    .await)?;
    for id in &ids {
        remove(tx, actor, *id, "expired", today).await?;
    }
    Ok(ids.len() as u64)
}

/// Deletes entries removed before `removed_before` (their personal data is kept no longer).
pub async fn purge_removed(
    tx: &mut Tx,
    actor: &Actor,
    basis: &str,
    removed_before: Date,
) -> StoreResult<u64> {
    let n = on_tx!(&mut *tx, |c| sqlx::query(
        "DELETE FROM ledger_entry WHERE status = 'removed' AND basis = $1 AND removed_on < $2"
    )
    .bind(basis)
    .bind(removed_before)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    if n > 0 {
        audit::record(
            tx,
            actor,
            "ledger.purge",
            "ledger_entry:*",
            None,
            Some(&json!({"basis": basis, "deleted": n})),
        )
        .await?;
    }
    Ok(n)
}

// ------------------------------------------------------------------ permissions

/// The permission to see full personal values.
pub const REVEAL: &str = "pii.reveal";

pub async fn grant(db: &Db, actor: &Actor, user_id: i64, permission: &str) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| {
        sqlx::query(
        "INSERT INTO citizen_permission (user_id, permission, granted_by, granted_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, permission) DO NOTHING"
    )
    .bind(user_id)
    .bind(permission)
    .bind(&actor.name)
    .bind(OffsetDateTime::now_utc())
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    audit::record(
        &mut tx,
        actor,
        "citizens.permission.grant",
        &format!("user:{user_id}"),
        None,
        Some(&json!({"permission": permission})),
    )
    .await?;
    tx.commit().await
}

pub async fn revoke(db: &Db, actor: &Actor, user_id: i64, permission: &str) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM citizen_permission WHERE user_id = $1 AND permission = $2"
    )
    .bind(user_id)
    .bind(permission)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    audit::record(
        &mut tx,
        actor,
        "citizens.permission.revoke",
        &format!("user:{user_id}"),
        Some(&json!({"permission": permission})),
        None,
    )
    .await?;
    tx.commit().await
}

pub async fn has_permission(db: &Db, user_id: i64, permission: &str) -> StoreResult<bool> {
    let n: i64 = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM citizen_permission WHERE user_id = $1 AND permission = $2"
    )
    .bind(user_id)
    .bind(permission)
    .fetch_one(p)
    .await)?;
    Ok(n > 0)
}

// ------------------------------------------------------------------ key rotation

/// Personal columns of one table, for re-encryption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sealed {
    LedgerEntry,
    QuizAttempt,
}

impl Sealed {
    fn table(self) -> &'static str {
        match self {
            Sealed::LedgerEntry => "ledger_entry",
            Sealed::QuizAttempt => "quiz_attempt",
        }
    }

    /// The ciphertext columns, which are also the encryption contexts `table.column`.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Sealed::LedgerEntry => &["name_ct", "id_ct", "phone_ct"],
            Sealed::QuizAttempt => &["name_ct", "phone_ct"],
        }
    }
}

/// A row's ciphertexts, in [`Sealed::columns`] order.
pub use crate::sealed::SealedRow;

impl Sealed {
    fn spec(self) -> crate::sealed::Columns {
        crate::sealed::Columns {
            table: self.table(),
            columns: self.columns(),
        }
    }
}

/// Up to `limit` rows with id > `after`.
pub async fn sealed_batch(
    db: &Db,
    which: Sealed,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<SealedRow>> {
    crate::sealed::batch(db, &which.spec(), after, limit).await
}

/// Writes re-encrypted ciphertexts back (blind indexes do not change with rotation).
pub async fn update_sealed(tx: &mut Tx, which: Sealed, rows: &[SealedRow]) -> StoreResult<()> {
    crate::sealed::update(tx, &which.spec(), rows).await
}
