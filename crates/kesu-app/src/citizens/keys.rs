//! Key rotation: re-encrypt every personal value under the current key. Run after
//! `KeyRing::rotate` added a key (the CLI's `kesu keys rotate` does both); batches of rows, each
//! in its own transaction, so a long rotation never holds the database, and a rotation that
//! stops half-way is finished by running it again (rows already current are skipped). Blind
//! indexes do not change.

use super::{KeyRing, pii};
use crate::{Caller, Ctx, Error, Principal, Result};
use kesu_store::citizens::ledger::{self as store, Sealed};
use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Rotated {
    pub rows_seen: u64,
    pub values_reencrypted: u64,
}

pub async fn reencrypt_all(ctx: &Ctx, caller: &Caller, keys: &KeyRing) -> Result<Rotated> {
    if caller.principal != Principal::Operator {
        return Err(Error::Forbidden);
    }
    let mut out = Rotated::default();
    for which in [Sealed::LedgerEntry, Sealed::QuizAttempt] {
        let table = match which {
            Sealed::LedgerEntry => "ledger_entry",
            Sealed::QuizAttempt => "quiz_attempt",
        };
        let mut after = 0;
        loop {
            let rows = store::sealed_batch(&ctx.db, which, after, 1000).await?;
            let Some(last) = rows.last() else { break };
            after = last.0;
            out.rows_seen += rows.len() as u64;
            let mut changed = Vec::new();
            for (id, values) in rows {
                if values.iter().flatten().all(|ct| keys.is_current(ct)) {
                    continue;
                }
                let mut new = Vec::with_capacity(values.len());
                for (col, v) in which.columns().iter().zip(values) {
                    let context = format!("{table}.{col}");
                    new.push(match v {
                        None => None,
                        Some(ct) => {
                            out.values_reencrypted += u64::from(!keys.is_current(&ct));
                            Some(keys.reencrypt(&context, &ct).map_err(pii)?)
                        }
                    });
                }
                changed.push((id, new));
            }
            if !changed.is_empty() {
                let mut tx = ctx.db.begin().await?;
                store::update_sealed(&mut tx, which, &changed).await?;
                kesu_store::audit::record(
                    &mut tx,
                    &caller.audit,
                    "citizens.keys.reencrypt",
                    &format!("{table}:*"),
                    None,
                    Some(&serde_json::json!({"rows": changed.len(), "key": keys.current_id()})),
                )
                .await?;
                tx.commit().await?;
            }
        }
    }
    Ok(out)
}
