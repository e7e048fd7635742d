//! One person's data on request (PIPL Art 45, 47): an export of everything Kesu holds about
//! them, and deletion. Both find the person through the blind indexes, need the reveal
//! permission and a reason, and are audited.

use super::{
    ATTEMPT_NAME, ATTEMPT_PHONE, ID_INDEX, KeyRing, LEDGER_ID, LEDGER_NAME, LEDGER_PHONE,
    PHONE_INDEX, holds_reveal, may_reveal, may_write, pii, reason,
};
use crate::{Caller, Ctx, Error, Result};
use kesu_pii::{IdNumber, Phone};
use kesu_store::citizens::{ledger as store, quiz};
use serde::Serialize;
use time::{Date, OffsetDateTime};

/// Everything held about one person, in clear (it is for that person).
#[derive(Debug, Clone, Serialize)]
pub struct PersonExport {
    pub entries: Vec<ExportedEntry>,
    pub attempts: Vec<ExportedAttempt>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportedEntry {
    pub id: i64,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub village: String,
    pub key_group: String,
    pub basis: String,
    pub basis_ref: String,
    pub score: Option<f64>,
    #[serde(serialize_with = "super::iso::date")]
    pub entered_on: Date,
    pub status: String,
    pub history: Vec<store::Event>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportedAttempt {
    pub id: i64,
    pub test_id: i64,
    pub name: String,
    pub phone: String,
    pub village: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
    pub score: Option<f64>,
    pub passed: Option<bool>,
}

async fn find(
    ctx: &Ctx,
    keys: &KeyRing,
    id_number: &str,
    phone: &str,
) -> Result<(Vec<store::Entry>, Vec<quiz::Attempt>, Vec<Vec<u8>>)> {
    let mut entries = Vec::new();
    let mut phones: Vec<Vec<u8>> = Vec::new();
    if !id_number.trim().is_empty() {
        let id = IdNumber::parse(id_number, ctx.today())
            .map_err(|e| Error::invalid_field("id_number", e.to_string()))?;
        entries =
            store::entries_by_id_idx(&ctx.db, &keys.blind_indexer(ID_INDEX).index(id.as_str()))
                .await?;
    }
    if !phone.trim().is_empty() {
        let p = Phone::parse(phone).map_err(|e| Error::invalid_field("phone", e.to_string()))?;
        phones.push(keys.blind_indexer(PHONE_INDEX).index(p.as_str()).to_vec());
    }
    if id_number.trim().is_empty() && phone.trim().is_empty() {
        return Err(Error::invalid(
            "请填写身份证号或手机号 (an ID number or a phone)",
        ));
    }
    for e in &entries {
        if let Some(ct) = &e.phone_ct {
            let p = keys.decrypt_string(LEDGER_PHONE, ct).map_err(pii)?;
            let idx = keys.blind_indexer(PHONE_INDEX).index(&p).to_vec();
            if !phones.contains(&idx) {
                phones.push(idx);
            }
        }
    }
    let mut attempts = Vec::new();
    for idx in &phones {
        attempts.extend(quiz::attempts_by_phone(&ctx.db, idx).await?);
    }
    Ok((entries, attempts, phones))
}

/// The caller must be allowed to reveal in every region the person's data lies in.
async fn check_all(
    ctx: &Ctx,
    caller: &Caller,
    entries: &[store::Entry],
    attempts: &[quiz::Attempt],
) -> Result<()> {
    if entries.is_empty() && attempts.is_empty() {
        return Err(Error::NotFound);
    }
    for r in entries
        .iter()
        .map(|e| &e.region_code)
        .chain(attempts.iter().map(|a| &a.region_code))
    {
        may_reveal(ctx, caller, r).await?;
    }
    Ok(())
}

pub async fn export(
    ctx: &Ctx,
    caller: &Caller,
    keys: &KeyRing,
    id_number: &str,
    phone: &str,
    why: &str,
) -> Result<PersonExport> {
    holds_reveal(ctx, caller).await?;
    let why = reason(why)?;
    let (entries, attempts, _) = find(ctx, keys, id_number, phone).await?;
    check_all(ctx, caller, &entries, &attempts).await?;
    for e in &entries {
        store::record_reveal(&ctx.db, &caller.audit, e.id, &e.region_code, "export", &why).await?;
    }
    // One row for the export as a whole, so an export of test attempts alone is audited too.
    let mut tx = ctx.db.begin().await?;
    kesu_store::audit::record(
        &mut tx,
        &caller.audit,
        "citizens.person.export",
        "person:*",
        None,
        Some(&serde_json::json!({"entries": entries.len(), "attempts": attempts.len(), "reason": why})),
    )
    .await?;
    tx.commit().await?;
    let dec = |ctx_name: &str, ct: Option<&[u8]>| -> Result<String> {
        match ct {
            None => Ok(String::new()),
            Some(ct) => Ok(keys.decrypt_string(ctx_name, ct).map_err(pii)?.to_string()),
        }
    };
    let mut out = PersonExport {
        entries: Vec::new(),
        attempts: Vec::new(),
    };
    for e in &entries {
        out.entries.push(ExportedEntry {
            id: e.id,
            name: dec(LEDGER_NAME, Some(&e.name_ct))?,
            id_number: dec(LEDGER_ID, Some(&e.id_ct))?,
            phone: dec(LEDGER_PHONE, e.phone_ct.as_deref())?,
            village: e.region_code.clone(),
            key_group: e.key_group.clone(),
            basis: e.basis.clone(),
            basis_ref: e.basis_ref.clone(),
            score: e.score,
            entered_on: e.entered_on,
            status: e.status.clone(),
            history: store::history(&ctx.db, e.id).await?,
        });
    }
    for a in &attempts {
        out.attempts.push(ExportedAttempt {
            id: a.id,
            test_id: a.test_id,
            name: dec(ATTEMPT_NAME, a.name_ct.as_deref())?,
            phone: dec(ATTEMPT_PHONE, a.phone_ct.as_deref())?,
            village: a.region_code.clone(),
            started_at: a.started_at,
            submitted_at: a.submitted_at,
            score: a.score,
            passed: a.passed,
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize)]
pub struct Erased {
    pub entries: usize,
    pub attempts: u64,
}

/// Deletes the person's ledger entries and the name and phone of their attempts (their
/// anonymous scores stay in the statistics). Needs write access and the reveal permission.
pub async fn erase(
    ctx: &Ctx,
    caller: &Caller,
    keys: &KeyRing,
    id_number: &str,
    phone: &str,
    why: &str,
) -> Result<Erased> {
    holds_reveal(ctx, caller).await?;
    let why = reason(why)?;
    let (entries, attempts, phones) = find(ctx, keys, id_number, phone).await?;
    check_all(ctx, caller, &entries, &attempts).await?;
    for r in entries
        .iter()
        .map(|e| &e.region_code)
        .chain(attempts.iter().map(|a| &a.region_code))
    {
        may_write(caller, r)?;
    }
    let mut tx = ctx.db.begin().await?;
    for e in &entries {
        store::erase(&mut tx, &caller.audit, e.id, &why).await?;
    }
    let mut n = 0;
    for idx in &phones {
        n += quiz::erase_phone(&mut tx, &caller.audit, idx).await?;
    }
    tx.commit().await?;
    Ok(Erased {
        entries: entries.len(),
        attempts: n,
    })
}
