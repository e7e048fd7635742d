//! Evidence files of a report (佐证材料). Adding or removing one is a change of the report like a
//! save: the same transition rule (an editable report, not past the round's lock date without
//! the office's exception), the same version check against the caller's copy (a stale tab is
//! refused), a new version, a history row and an audit row — all in one transaction.

use super::{Change, Changed, Evidence, ReportChange, change_in, invalid};
use crate::audit::Actor as AuditActor;
use crate::{Db, StoreError, StoreResult};
use kesu_core::report::Transition;
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

/// An evidence file of a report.
#[derive(Debug, Clone, Serialize)]
pub struct Attachment {
    pub id: i64,
    pub report_id: i64,
    pub sha256: String,
    pub file_name: String,
    pub mime: String,
    pub size: i64,
    pub uploaded_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}
from_row!(Attachment {
    id: i64,
    report_id: i64,
    sha256: String,
    file_name: String,
    mime: String,
    size: i64,
    uploaded_by: String,
    at: OffsetDateTime,
});

/// A file to attach; its bytes are already stored by hash by the caller.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub sha256: String,
    pub file_name: String,
    pub mime: String,
    pub size: i64,
}

/// Attach a file to a report whose version the caller saw as `expected_version`. Returns the
/// attachment's id and the report's new version.
pub async fn add_attachment(
    db: &Db,
    report_id: i64,
    expected_version: i64,
    file: &NewAttachment,
    now: OffsetDateTime,
    by: &AuditActor,
) -> StoreResult<(i64, i64)> {
    let mut tx = db.begin().await?;
    let Changed {
        version,
        attachment,
    } = change_in(
        &mut tx,
        report_id,
        Transition::Save,
        &version_only(expected_version),
        Change {
            evidence: Evidence::Add(file),
            by_county: false,
        },
        now,
        by,
    )
    .await?;
    tx.commit().await?;
    let id = attachment.ok_or_else(|| StoreError::Conflict("附件未保存 (not attached)".into()))?;
    Ok((id, version))
}

/// Remove attachment `attachment_id` from report `report_id` (the file's row; the history and
/// the audit log keep its name and hash). Returns the report's new version.
pub async fn remove_attachment(
    db: &Db,
    report_id: i64,
    attachment_id: i64,
    expected_version: i64,
    now: OffsetDateTime,
    by: &AuditActor,
) -> StoreResult<i64> {
    let mut tx = db.begin().await?;
    let changed = change_in(
        &mut tx,
        report_id,
        Transition::Save,
        &version_only(expected_version),
        Change {
            evidence: Evidence::Remove(attachment_id),
            by_county: false,
        },
        now,
        by,
    )
    .await?;
    tx.commit().await?;
    Ok(changed.version)
}

/// What the report form sends in one go: the text and values as typed, and at most one evidence
/// file to add or one to remove, and whether to submit after.
#[derive(Debug, Clone, Default)]
pub struct FormWrite {
    /// The content, values and the version the form was built on.
    pub change: ReportChange,
    pub add: Option<NewAttachment>,
    pub remove: Option<i64>,
    pub submit: bool,
}

/// Save what the report form holds, then add or remove the evidence file, then submit if asked
/// — all in one transaction, each step its own history and audit row (a save that changes
/// nothing writes none). Typed text and numbers are never lost to an upload: they are saved
/// with it. Returns the report's new version and the attachment added, if any.
pub async fn write_form(
    db: &Db,
    report_id: i64,
    w: &FormWrite,
    now: OffsetDateTime,
    by: &AuditActor,
) -> StoreResult<(i64, Option<i64>)> {
    let mut tx = db.begin().await?;
    let mut version = w.change.expected_version;
    if changes_anything(&mut tx, report_id, &w.change).await?
        || (w.add.is_none() && w.remove.is_none() && !w.submit)
    {
        version = change_in(
            &mut tx,
            report_id,
            Transition::Save,
            &w.change,
            Change::plain(),
            now,
            by,
        )
        .await?
        .version;
    }
    let mut added = None;
    if let Some(file) = &w.add {
        let c = change_in(
            &mut tx,
            report_id,
            Transition::Save,
            &version_only(version),
            Change {
                evidence: Evidence::Add(file),
                by_county: false,
            },
            now,
            by,
        )
        .await?;
        version = c.version;
        added = c.attachment;
    }
    if let Some(id) = w.remove {
        version = change_in(
            &mut tx,
            report_id,
            Transition::Save,
            &version_only(version),
            Change {
                evidence: Evidence::Remove(id),
                by_county: false,
            },
            now,
            by,
        )
        .await?
        .version;
    }
    if w.submit {
        version = change_in(
            &mut tx,
            report_id,
            Transition::Submit,
            &version_only(version),
            Change::plain(),
            now,
            by,
        )
        .await?
        .version;
    }
    tx.commit().await?;
    Ok((version, added))
}

/// Whether saving `ch` would change the report's text or values (a stale version always
/// "changes": the save then refuses it).
async fn changes_anything(
    tx: &mut crate::Tx,
    report_id: i64,
    ch: &ReportChange,
) -> StoreResult<bool> {
    let row: Option<(String, i64)> = on_tx!(&mut *tx, |c| sqlx::query_as(
        "SELECT content, version FROM report WHERE id = $1"
    )
    .bind(report_id)
    .fetch_optional(&mut *c)
    .await)?;
    let Some((content, version)) = row else {
        return Ok(true);
    };
    if version != ch.expected_version || ch.content.as_ref().is_some_and(|c| *c != content) {
        return Ok(true);
    }
    let stored: Vec<(i64, Option<f64>)> = on_tx!(&mut *tx, |c| sqlx::query_as(
        "SELECT target_id, value FROM report_value WHERE report_id = $1"
    )
    .bind(report_id)
    .fetch_all(&mut *c)
    .await)?;
    Ok(ch.values.iter().any(|(t, v)| {
        let old = stored.iter().find(|(s, _)| s == t).and_then(|(_, v)| *v);
        old != *v
    }))
}

fn version_only(expected_version: i64) -> ReportChange {
    ReportChange {
        expected_version,
        ..Default::default()
    }
}

/// What an evidence change did, for the history and audit rows.
pub(super) struct Done {
    /// `attach` or `detach`: the history row's action (and `report.attach` in the audit log).
    pub action: &'static str,
    pub id: i64,
    /// The file's id, name, hash and size.
    pub detail: Value,
}

/// Insert or delete the attachment row inside the change's transaction.
pub(super) async fn apply(
    tx: &mut crate::Tx,
    report_id: i64,
    evidence: &Evidence<'_>,
    now: OffsetDateTime,
    by: &AuditActor,
) -> StoreResult<Option<Done>> {
    match evidence {
        Evidence::None => Ok(None),
        Evidence::Add(f) => {
            let id: i64 = on_tx!(&mut *tx, |c| {
                sqlx::query_scalar(
                "INSERT INTO attachment (report_id, sha256, file_name, mime, size, uploaded_by, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
            )
            .bind(report_id)
            .bind(&f.sha256)
            .bind(&f.file_name)
            .bind(&f.mime)
            .bind(f.size)
            .bind(&by.name)
            .bind(now)
            .fetch_one(&mut *c)
            .await
            })?;
            Ok(Some(Done {
                action: "attach",
                id,
                detail: json!({"id": id, "file": f.file_name, "sha256": f.sha256, "size": f.size}),
            }))
        }
        Evidence::Remove(id) => {
            let a: Option<Attachment> = on_tx!(&mut *tx, |c| sqlx::query_as(ATTACHMENT_SQL)
                .bind(*id)
                .fetch_optional(&mut *c)
                .await)?;
            let a = a.filter(|a| a.report_id == report_id).ok_or_else(|| {
                invalid(format!(
                    "附件 {id} 不属于该报告 (attachment not of this report)"
                ))
            })?;
            on_tx!(&mut *tx, |c| sqlx::query(
                "DELETE FROM attachment WHERE id = $1"
            )
            .bind(a.id)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
            Ok(Some(Done {
                action: "detach",
                id: a.id,
                detail: json!({"id": a.id, "file": a.file_name, "sha256": a.sha256, "size": a.size}),
            }))
        }
    }
}

const ATTACHMENT_SQL: &str = "SELECT id, report_id, sha256, file_name, mime, size, uploaded_by, at FROM attachment WHERE id = $1";

pub async fn attachments(db: &Db, report_id: i64) -> StoreResult<Vec<Attachment>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, report_id, sha256, file_name, mime, size, uploaded_by, at
         FROM attachment WHERE report_id = $1 ORDER BY id"
    )
    .bind(report_id)
    .fetch_all(p)
    .await)?)
}

pub async fn attachment(db: &Db, id: i64) -> StoreResult<Attachment> {
    let a: Option<Attachment> = on_db!(db, |p| sqlx::query_as(ATTACHMENT_SQL)
        .bind(id)
        .fetch_optional(p)
        .await)?;
    a.ok_or(StoreError::NotFound {
        what: "附件",
        key: id.to_string(),
    })
}
