//! `kesu ledger import`: a village sheet (.xlsx or .csv with 姓名, 身份证号, 手机号, 村(社区)代码,
//! 人群, 依据, 日期) into the ledger, all or nothing.
//!
//! One transaction for the whole file. A reader thread parses, checks, encrypts and indexes
//! rows and hands batches to the writer (this task), which inserts them while the next batch is
//! prepared; the two cores work at once. Every bad row is collected; if there is any, the
//! transaction is rolled back and the errors are returned — nothing is stored. A person already
//! in the ledger (or twice in the file) is reported by row and not added again, so the same
//! file imported twice adds nothing. A process killed mid-import leaves an uncommitted
//! transaction, which the database discards.

use super::{ID_INDEX, KeyRing, LEDGER_ID, LEDGER_NAME, LEDGER_PHONE, PHONE_INDEX, may_write};
use crate::{Caller, Ctx, Error, Principal, Result};
use kesu_citizens::ledger::{LEDGER_COLUMNS, parse_ledger_row};
use kesu_citizens::table::{self, Columns, Limits, RowError};
use kesu_store::citizens::ledger::{self as store, NewEntry};
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

struct Prepared {
    rows: Vec<u32>,
    entries: Vec<NewEntry>,
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

    let (tx_batches, mut rx_batches) = tokio::sync::mpsc::channel::<Prepared>(64);
    let batch = store::import_batch_size(&ctx.db);
    let reader = tokio::task::spawn_blocking(move || {
        read(bytes, &keys, &villages, &scope, today, batch, tx_batches)
    });

    let mut tx = ctx.db.begin().await?;
    let import_id = store::import_start(&mut tx, &caller.audit, file_name, &hash).await?;
    let mut added = 0u64;
    let mut already: Vec<AlreadyIn> = Vec::new();
    while let Some(batch) = rx_batches.recv().await {
        let inserted = store::import_batch(&mut tx, import_id, &batch.entries).await?;
        for (row, ok) in batch.rows.iter().zip(inserted) {
            if ok {
                added += 1;
            } else {
                already.push(AlreadyIn {
                    row: *row,
                    same_as_row: None,
                });
            }
        }
    }
    let end = reader
        .await
        .map_err(|e| Error::Internal(format!("import reader: {e}")))?;
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
        import_id,
        end.rows,
        added,
        already.len() as u64,
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

/// The reader thread: parse, check, encrypt, index, batch. After the first bad row it stops
/// sending (the import will be refused) but keeps checking, to name every bad row.
fn read(
    bytes: Vec<u8>,
    keys: &KeyRing,
    villages: &HashSet<String>,
    scope: &str,
    today: time::Date,
    batch_size: usize,
    out: tokio::sync::mpsc::Sender<Prepared>,
) -> ReaderEnd {
    let ids = keys.blind_indexer(ID_INDEX);
    let phones = keys.blind_indexer(PHONE_INDEX);
    let mut columns: Option<Columns> = None;
    let mut end = ReaderEnd {
        rows: 0,
        errors: Vec::new(),
        in_file: Vec::new(),
        fatal: None,
    };
    let mut seen: HashMap<[u8; 16], u32> = HashMap::new();
    let mut batch = Prepared {
        rows: Vec::with_capacity(batch_size),
        entries: Vec::with_capacity(batch_size),
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
        let sealed = (|| -> kesu_pii::Result<NewEntry> {
            Ok(NewEntry {
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
                basis: "import".to_string(),
                basis_ref: r.document.clone(),
                score: None,
                entered_on: r.date,
            })
        })();
        match sealed {
            Ok(e) => {
                batch.rows.push(row);
                batch.entries.push(e);
            }
            Err(e) => {
                end.fatal = Some(e.to_string());
                return false;
            }
        }
        if batch.entries.len() == batch_size {
            let full = std::mem::replace(
                &mut batch,
                Prepared {
                    rows: Vec::with_capacity(batch_size),
                    entries: Vec::with_capacity(batch_size),
                },
            );
            if out.blocking_send(full).is_err() {
                // The writer stopped (a database error): it reports that.
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
    if end.errors.is_empty() && end.fatal.is_none() && !batch.entries.is_empty() {
        let _ = out.blocking_send(batch);
    }
    end
}
