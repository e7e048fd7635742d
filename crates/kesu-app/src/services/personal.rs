//! The services' personal data at rest, under the installation's key ring (`kesu_pii`):
//! SM4-GCM (or AES-256-GCM) per value with the field as bound context, and blind indexes under
//! the services' own purpose key, so bookers' and volunteers' phones cannot be joined with the
//! citizens' ledger on their indexes.
//!
//! The ring is the one the citizens' ledger uses, loaded once by whoever starts the process
//! (`kesu serve`: the configured `key_file`, `KESU_KEYS` or `<data dir>/keys.json`; `kesu demo`
//! creates one): a rotation (`kesu keys rotate`) keeps the old keys, so both kinds of data still
//! open. Without a ring the services answer 503 where they need one ([`super::Services::sealer`]).

use kesu_pii::{BlindIndexer, KeyRing, Suite};
use kesu_services::ServicesError;
use kesu_services::personal::{Field, Sealer};
use std::sync::Arc;

/// The blind-index purpose of the services' phones.
pub const PHONE_INDEX: &str = "services.phone";

fn broken(msg: impl std::fmt::Display) -> ServicesError {
    ServicesError::invalid(
        "personal",
        format!("个人信息加解密失败：{msg} (personal data)"),
    )
}

/// The services' sealer over a key ring.
pub struct RingSealer {
    ring: Arc<KeyRing>,
    phones: BlindIndexer,
}

impl std::fmt::Debug for RingSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RingSealer")
            .field("ring", &self.ring)
            .finish()
    }
}

impl RingSealer {
    pub fn new(ring: Arc<KeyRing>) -> RingSealer {
        RingSealer {
            phones: ring.blind_indexer(PHONE_INDEX),
            ring,
        }
    }

    /// A sealer under a fresh ring (tests; what it seals dies with the process).
    pub fn ephemeral() -> Result<RingSealer, ServicesError> {
        let ring = KeyRing::generate(Suite::Sm, "ephemeral").map_err(broken)?;
        Ok(RingSealer::new(Arc::new(ring)))
    }
}

impl Sealer for RingSealer {
    fn seal(&self, field: Field, plain: &str) -> kesu_services::Result<Vec<u8>> {
        self.ring.encrypt_str(field.as_str(), plain).map_err(broken)
    }

    fn open(&self, field: Field, sealed: &[u8]) -> kesu_services::Result<String> {
        self.ring
            .decrypt_string(field.as_str(), sealed)
            .map(|s| s.to_string())
            .map_err(broken)
    }

    fn blind(&self, field: Field, normalised: &str) -> String {
        // Only phones are looked up; the field still goes in, so a name never matches a phone.
        let index = self
            .phones
            .index(&format!("{}\u{0}{normalised}", field.as_str()));
        index.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// What a rotation re-encrypted among the services' personal values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Reencrypted {
    pub rows_seen: u64,
    pub values_reencrypted: u64,
}

/// After `KeyRing::rotate`: every booker's, volunteer's, asker's and pupil's sealed value under
/// the ring's current key (the operator only; `kesu keys rotate` runs it after the citizens'
/// ledger). Batches of rows, each written in its own audited transaction, so a rotation never
/// holds the database long and one that stopped half-way is finished by running it again (values
/// already under the current key are skipped).
pub async fn reencrypt_all(
    ctx: &crate::Ctx,
    caller: &crate::Caller,
    ring: &KeyRing,
) -> crate::Result<Reencrypted> {
    use crate::Error;
    use kesu_store::sealed;
    if caller.principal != crate::Principal::Operator {
        return Err(Error::Forbidden);
    }
    let mut out = Reencrypted::default();
    for spec in &kesu_store::services::SEALED {
        // The field each column was sealed as is its encryption context.
        let fields: Vec<Field> = spec
            .columns
            .iter()
            .map(|c| {
                if c.ends_with("phone_sealed") {
                    Field::Phone
                } else {
                    Field::Name
                }
            })
            .collect();
        let mut after = 0;
        loop {
            let rows = sealed::batch(&ctx.db, spec, after, 1000).await?;
            let Some(last) = rows.last() else { break };
            after = last.0;
            out.rows_seen += rows.len() as u64;
            let mut changed = Vec::new();
            for (id, values) in rows {
                if values.iter().flatten().all(|ct| ring.is_current(ct)) {
                    continue;
                }
                let mut new = Vec::with_capacity(values.len());
                for (field, v) in fields.iter().zip(values) {
                    new.push(match v {
                        None => None,
                        Some(ct) => {
                            out.values_reencrypted += u64::from(!ring.is_current(&ct));
                            Some(ring.reencrypt(field.as_str(), &ct).map_err(|e| {
                                Error::Internal(format!("{}#{id}: {e}", spec.table))
                            })?)
                        }
                    });
                }
                changed.push((id, new));
            }
            if !changed.is_empty() {
                let mut tx = ctx.db.begin().await?;
                sealed::update(&mut tx, spec, &changed).await?;
                kesu_store::audit::record(
                    &mut tx,
                    &caller.audit,
                    "services.keys.reencrypt",
                    &format!("{}:*", spec.table),
                    None,
                    Some(&serde_json::json!({"rows": changed.len(), "key": ring.current_id()})),
                )
                .await?;
                tx.commit().await?;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_opens_under_its_ring_and_field_only() {
        let v = RingSealer::ephemeral().unwrap();
        let s = v.seal(Field::Phone, "13812345678").unwrap();
        assert_eq!(v.open(Field::Phone, &s).unwrap(), "13812345678");
        assert!(v.open(Field::Name, &s).is_err());
        assert!(
            RingSealer::ephemeral()
                .unwrap()
                .open(Field::Phone, &s)
                .is_err()
        );
        assert!(!String::from_utf8_lossy(&s).contains("138"));
    }

    #[test]
    fn equal_values_seal_differently_but_index_alike() {
        let v = RingSealer::ephemeral().unwrap();
        assert_ne!(
            v.seal(Field::Phone, "13812345678").unwrap(),
            v.seal(Field::Phone, "13812345678").unwrap()
        );
        assert_eq!(
            v.blind(Field::Phone, "13812345678"),
            v.blind(Field::Phone, "13812345678")
        );
        assert_ne!(
            v.blind(Field::Phone, "13812345678"),
            v.blind(Field::Name, "13812345678")
        );
    }
}
