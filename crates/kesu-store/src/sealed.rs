//! Ciphertext columns read and written back in batches, for key rotation (`kesu keys rotate`):
//! the citizens' ledger and the services name their tables and columns, the use case
//! re-encrypts, this module moves the bytes. Blind indexes do not change with a rotation.

use crate::{Db, StoreResult, Tx};

/// The personal (ciphertext) columns of one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Columns {
    pub table: &'static str,
    pub columns: &'static [&'static str],
}

/// A row's ciphertexts, in the order of [`Columns::columns`].
pub type SealedRow = (i64, Vec<Option<Vec<u8>>>);

/// Up to `limit` rows with id > `after`, by id.
pub async fn batch(db: &Db, c: &Columns, after: i64, limit: i64) -> StoreResult<Vec<SealedRow>> {
    let cols = c.columns;
    let sql = format!(
        "SELECT id, {} FROM {} WHERE id > $1 ORDER BY id LIMIT $2",
        cols.join(", "),
        c.table
    );
    use sqlx::Row;
    let rows = on_db!(db, |p| {
        sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(after)
            .bind(limit)
            .fetch_all(p)
            .await
            .and_then(|rows| {
                rows.iter()
                    .map(|r| {
                        let id: i64 = r.try_get(0)?;
                        let v = (1..=cols.len())
                            .map(|i| r.try_get::<Option<Vec<u8>>, _>(i))
                            .collect::<Result<Vec<_>, _>>()?;
                        Ok((id, v))
                    })
                    .collect::<Result<Vec<_>, sqlx::Error>>()
            })
    })?;
    Ok(rows)
}

/// Writes re-encrypted ciphertexts back.
pub async fn update(tx: &mut Tx, c: &Columns, rows: &[SealedRow]) -> StoreResult<()> {
    let cols = c.columns;
    let sets: Vec<String> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", i + 1))
        .collect();
    let sql = format!(
        "UPDATE {} SET {} WHERE id = ${}",
        c.table,
        sets.join(", "),
        cols.len() + 1
    );
    for (id, values) in rows {
        on_tx!(&mut *tx, |c| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for v in values {
                q = q.bind(v);
            }
            q.bind(id).execute(&mut *c).await.map(|_| ())
        })?;
    }
    Ok(())
}
