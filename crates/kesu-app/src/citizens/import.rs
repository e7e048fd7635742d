//! `kesu ledger import`: a village sheet (.xlsx or .csv with 姓名, 身份证号, 手机号, 村(社区)代码,
//! 人群, 依据, 日期) into the ledger, all or nothing.
//!
//! One transaction for the whole file, in a pipeline: a reader thread parses and checks rows
//! and de-duplicates them on the ID number's blind index (in file order, so the first of two
//! rows is the one kept); [`SEALERS`] threads encrypt and index them and build each batch's
//! INSERT with its values bound; the writer (this task), the one serial stage, runs each batch
//! while the next ones are prepared. Every bad row is collected; if there is any, the
//! transaction is rolled back and the errors are returned — nothing is stored. A person already
//! in the ledger (or twice in the file) is reported by row and not added again, so the same
//! file imported twice adds nothing. A process killed mid-import leaves an uncommitted
//! transaction, which the database discards.

use super::{ID_INDEX, KeyRing, LEDGER_ID, LEDGER_NAME, LEDGER_PHONE, PHONE_INDEX, may_write};
use crate::{Caller, Ctx, Error, Principal, Result};
use kesu_citizens::ledger::{LEDGER_COLUMNS, LedgerRow, parse_ledger_row};
use kesu_citizens::table::{self, Columns, Limits, RowError};
use kesu_store::citizens::ledger::{self as store, BatchMaker, ImportBatch, ImportEntry};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub enum ImportOutcome {
    Imported(ImportReport),
    /// Nothing stored: every bad row.
    Refused(Vec<RowError>),
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub import_id: i64,
    pub rows: u64,
    pub added: u64,
    /// Rows whose person was already in the ledger (or earlier in the file): reported, not added.
    pub already: Vec<AlreadyIn>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlreadyIn {
    pub row: u32,
    /// The earlier row of the same file with the same person, if that is why.
    pub same_as_row: Option<u32>,
}

/// Threads that encrypt and index checked rows. Sealing is most of the CPU work outside the
/// database; two keep up with SQLite's writer on a two-core machine.
const SEALERS: usize = 2;

/// Checked rows on their way to a sealer.
struct Checked {
    rows: Vec<(LedgerRow, [u8; 16])>,
}

/// Sealed rows on their way to the writer, their INSERT ready.
struct Prepared {
    rows: Vec<u32>,
    /// The villages and key groups of the batch, each once, and each row's among them.
    places: Vec<(String, String)>,
    place_of: Vec<u32>,
    batch: ImportBatch,
}

struct ReaderEnd {
    rows: u64,
    errors: Vec<RowError>,
    in_file: Vec<AlreadyIn>,
    fatal: Option<String>,
}

/// Imports `bytes` (named `file_name` in messages and the import record).
pub async fn import(
    ctx: &Ctx,
    caller: &Caller,
    keys: Arc<KeyRing>,
    file_name: &str,
    bytes: Vec<u8>,
    mut progress: impl FnMut(u64),
) -> Result<ImportOutcome> {
    // Whose villages the rows may name: the operator any, an office admin its own.
    let scope = match &caller.principal {
        Principal::Operator => String::new(),
        Principal::User(a) => {
            may_write(caller, a.region.as_str())?;
            a.region.as_str().to_string()
        }
        Principal::Public => return Err(Error::NotFound),
    };
    let villages: HashSet<String> = kesu_store::regions::subtree(
        &ctx.db,
        (!scope.is_empty()).then_some(scope.as_str()),
        Some(kesu_core::region::RegionLevel::Village),
        None,
    )
    .await?
    .into_iter()
    .map(|r| r.code)
    .collect();
    let hash: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let today = ctx.today();

    let file_bytes = bytes.len() as u64;
    let mut tx = ctx.db.begin().await?;
    let import = store::import_start(&mut tx, &caller.audit, file_name, &hash, file_bytes).await?;
    let import_id = import.id;
    let maker = import.batches();
    let batch = store::import_batch_size(&ctx.db);
    // Bounded queues: the file is read no faster than the database writes.
    let (tx_checked, rx_checked) = std::sync::mpsc::sync_channel::<Checked>(4 * SEALERS);
    let (tx_sealed, mut rx_sealed) = tokio::sync::mpsc::channel::<Prepared>(4);
    let reader_keys = keys.clone();
    let reader = tokio::task::spawn_blocking(move || {
        read(
            bytes,
            &reader_keys,
            &villages,
            &scope,
            today,
            batch,
            tx_checked,
        )
    });
    let rx_checked = Arc::new(std::sync::Mutex::new(rx_checked));
    let sealers: Vec<_> = (0..SEALERS)
        .map(|_| {
            let (keys, input, out) = (keys.clone(), rx_checked.clone(), tx_sealed.clone());
            tokio::task::spawn_blocking(move || seal(&keys, maker, &input, &out))
        })
        .collect();
    drop(tx_sealed);

    let mut added = 0u64;
    let mut written = 0u64;
    let mut already: Vec<AlreadyIn> = Vec::new();
    // What the import adds per village and key group, for the tallies.
    let mut tallies = Tallies::default();
    while let Some(batch) = rx_sealed.recv().await {
        written += batch.rows.len() as u64;
        let inserted = store::import_batch(&mut tx, &import, batch.batch).await?;
        let slots: Vec<usize> = batch
            .places
            .iter()
            .map(|(region, group)| tallies.slot(region, group))
            .collect();
        for ((row, ok), place) in batch.rows.iter().zip(inserted).zip(batch.place_of) {
            if ok {
                added += 1;
                tallies.counts[slots[place as usize]].2 += 1;
            } else {
                already.push(AlreadyIn {
                    row: *row,
                    same_as_row: None,
                });
            }
        }
        progress(written);
    }
    let mut end = reader
        .await
        .map_err(|e| Error::Internal(format!("import reader: {e}")))?;
    for s in sealers {
        if let Err(e) = s
            .await
            .map_err(|e| Error::Internal(format!("import sealer: {e}")))?
        {
            end.fatal.get_or_insert(e);
        }
    }
    if let Some(message) = end.fatal {
        store::import_release(&mut tx).await?;
        tx.rollback().await?;
        return Err(Error::invalid(format!("{file_name}：{message}")));
    }
    if !end.errors.is_empty() {
        store::import_release(&mut tx).await?;
        tx.rollback().await?;
        return Ok(ImportOutcome::Refused(end.errors));
    }
    already.extend(end.in_file);
    already.sort_by_key(|a| a.row);
    store::import_finish(
        &mut tx,
        &caller.audit,
        import,
        end.rows,
        added,
        already.len() as u64,
        &tallies.counts,
    )
    .await?;
    tx.commit().await?;
    Ok(ImportOutcome::Imported(ImportReport {
        import_id,
        rows: end.rows,
        added,
        already,
    }))
}

/// What an import adds per village and key group (a batch's places are looked up by borrowed
/// names: no string copied per row).
#[derive(Default)]
struct Tallies {
    slots: HashMap<String, HashMap<String, usize>>,
    /// Village, key group, entries added.
    counts: Vec<(String, String, i64)>,
}

impl Tallies {
    fn slot(&mut self, region: &str, group: &str) -> usize {
        if let Some(&i) = self.slots.get(region).and_then(|g| g.get(group)) {
            return i;
        }
        let i = self.counts.len();
        self.counts.push((region.to_string(), group.to_string(), 0));
        self.slots
            .entry(region.to_string())
            .or_default()
            .insert(group.to_string(), i);
        i
    }
}

/// The reader thread: parse, check, de-duplicate, batch. After the first bad row it stops
/// sending (the import will be refused) but keeps checking, to name every bad row.
fn read(
    bytes: Vec<u8>,
    keys: &KeyRing,
    villages: &HashSet<String>,
    scope: &str,
    today: time::Date,
    batch_size: usize,
    out: std::sync::mpsc::SyncSender<Checked>,
) -> ReaderEnd {
    let ids = keys.blind_indexer(ID_INDEX);
    let mut columns: Option<Columns> = None;
    let mut end = ReaderEnd {
        rows: 0,
        errors: Vec::new(),
        in_file: Vec::new(),
        fatal: None,
    };
    let mut seen: HashMap<[u8; 16], u32> = HashMap::new();
    let mut batch = Checked {
        rows: Vec::with_capacity(batch_size),
    };
    let result = table::each_row(&bytes, Limits::LEDGER, |row, cells| {
        let Some(cols) = &columns else {
            match Columns::locate(cells, &LEDGER_COLUMNS) {
                Ok(c) => columns = Some(c),
                Err(e) => {
                    end.fatal = Some(e.to_string());
                    return false;
                }
            }
            return true;
        };
        end.rows += 1;
        let r = match parse_ledger_row(row, cols, cells, today) {
            Ok(r) => r,
            Err(mut e) => {
                end.errors.append(&mut e);
                return true;
            }
        };
        if !r.village.as_str().starts_with(scope) {
            end.errors.push(RowError::new(
                row,
                "村(社区)代码",
                "不在本账户辖区内 (outside your region)",
            ));
            return true;
        }
        if !villages.contains(r.village.as_str()) {
            end.errors.push(RowError::new(
                row,
                "村(社区)代码",
                "区划表中没有这个村（社区） (unknown village)",
            ));
            return true;
        }
        let idx = ids.index(r.id_number.as_str());
        if let Some(first) = seen.get(&idx) {
            end.in_file.push(AlreadyIn {
                row,
                same_as_row: Some(*first),
            });
            return true;
        }
        seen.insert(idx, row);
        if !end.errors.is_empty() {
            return true;
        }
        batch.rows.push((r, idx));
        if batch.rows.len() == batch_size {
            let full = std::mem::replace(
                &mut batch,
                Checked {
                    rows: Vec::with_capacity(batch_size),
                },
            );
            if out.send(full).is_err() {
                // The sealers stopped (an encryption error): they report it.
                return false;
            }
        }
        true
    });
    if let Err(e) = result {
        end.fatal = Some(e.to_string());
    }
    if columns.is_none() && end.fatal.is_none() {
        end.fatal = Some("文件为空 (empty file)".into());
    }
    if end.errors.is_empty() && end.fatal.is_none() && !batch.rows.is_empty() {
        let _ = out.send(batch);
    }
    end
}

/// A sealer thread: encrypts name, ID number and phone and indexes the phone, for batches
/// taken from the reader until it is done. An error (the random source failing) is returned
/// and stops the import.
fn seal(
    keys: &KeyRing,
    maker: BatchMaker,
    input: &std::sync::Mutex<std::sync::mpsc::Receiver<Checked>>,
    out: &tokio::sync::mpsc::Sender<Prepared>,
) -> std::result::Result<(), String> {
    let phones = keys.blind_indexer(PHONE_INDEX);
    loop {
        // The lock is held only to take one batch.
        let next = match input.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return Err("import sealer: a sealer thread panicked".into()),
        };
        let Ok(batch) = next else {
            return Ok(());
        };
        // In index order: the ID index's B-tree is then walked forwards within a batch. The
        // order is sorted, not the rows (a row is a few hundred bytes to move).
        let mut rows = batch.rows;
        let mut order: Vec<([u8; 16], usize)> =
            rows.iter().enumerate().map(|(i, r)| (r.1, i)).collect();
        order.sort_unstable();
        let mut row_numbers = Vec::with_capacity(rows.len());
        let mut entries = Vec::with_capacity(rows.len());
        for (idx, i) in order {
            let r = &mut rows[i].0;
            let entry = (|| -> kesu_pii::Result<ImportEntry> {
                Ok(ImportEntry {
                    region_code: r.village.as_str().to_string(),
                    key_group: r.group.as_str().to_string(),
                    name_ct: keys.encrypt_str(LEDGER_NAME, r.name.expose())?,
                    id_ct: keys.encrypt_str(LEDGER_ID, r.id_number.as_str())?,
                    id_idx: idx.to_vec(),
                    phone_ct: r
                        .phone
                        .as_ref()
                        .map(|p| keys.encrypt_str(LEDGER_PHONE, p.as_str()))
                        .transpose()?,
                    phone_idx: r.phone.as_ref().map(|p| phones.index(p.as_str()).to_vec()),
                    basis_ref: std::mem::take(&mut r.document),
                    entered_on: r.date,
                })
            })()
            .map_err(|e| e.to_string())?;
            row_numbers.push(r.row);
            entries.push(entry);
        }
        let (places, place_of) = places(&entries);
        let prepared = Prepared {
            rows: row_numbers,
            places,
            place_of,
            batch: maker.make(entries),
        };
        if out.blocking_send(prepared).is_err() {
            // The writer stopped (a database error): it reports that.
            return Ok(());
        }
    }
}

/// The villages and key groups of `entries`, each once, and each entry's among them.
fn places(entries: &[ImportEntry]) -> (Vec<(String, String)>, Vec<u32>) {
    let mut seen: HashMap<(&str, &str), u32> = HashMap::new();
    let mut places = Vec::new();
    let place_of = entries
        .iter()
        .map(|e| {
            *seen
                .entry((e.region_code.as_str(), e.key_group.as_str()))
                .or_insert_with(|| {
                    places.push((e.region_code.clone(), e.key_group.clone()));
                    (places.len() - 1) as u32
                })
        })
        .collect();
    (places, place_of)
}
