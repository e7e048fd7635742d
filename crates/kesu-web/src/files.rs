//! Evidence files: read from a multipart form, checked by content (not by name), stored once
//! per content under `<files dir>/<first two hex digits>/<sha256>`.

use crate::MAX_UPLOAD;
use crate::error::AppError;
use axum::extract::Multipart;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// An uploaded file.
#[derive(Debug, Clone)]
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A multipart form: its text fields and (at most) one file.
#[derive(Debug, Default)]
pub struct UploadForm {
    pub fields: BTreeMap<String, String>,
    pub file: Option<Upload>,
}

impl UploadForm {
    pub fn field(&self, k: &str) -> &str {
        self.fields.get(k).map(String::as_str).unwrap_or("")
    }
}

/// Read a multipart form, refusing a file over [`MAX_UPLOAD`] with 413.
pub async fn read_form(mut m: Multipart) -> Result<UploadForm, AppError> {
    let mut form = UploadForm::default();
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            AppError::BadRequest(format!("表单无法读取：{e} (malformed upload)"))
        }
    };
    while let Some(mut field) = m.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_string();
        if let Some(file_name) = field.file_name().map(sanitize_name) {
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                if bytes.len() + chunk.len() > MAX_UPLOAD {
                    return Err(too_large());
                }
                bytes.extend_from_slice(&chunk);
            }
            if !bytes.is_empty() || !file_name.is_empty() {
                form.file = Some(Upload {
                    name: file_name,
                    bytes,
                });
            }
        } else {
            let text = field.text().await.map_err(bad)?;
            form.fields.insert(name, text);
        }
    }
    Ok(form)
}

fn too_large() -> AppError {
    AppError::TooLarge(format!(
        "文件超过 {} MB 上限 (file too large)",
        MAX_UPLOAD / 1024 / 1024
    ))
}

/// A file name safe to keep and show: no directories, no control characters, at most 200 chars.
pub fn sanitize_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if clean.trim().is_empty() {
        "未命名文件".to_string()
    } else {
        clean
    }
}

/// The accepted kinds of evidence, recognised by their first bytes.
pub fn sniff(bytes: &[u8], name: &str) -> Option<&'static str> {
    let lower = name.to_lowercase();
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]) {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() > 12 && bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some("image/webp")
    } else if bytes.starts_with(b"PK\x03\x04") {
        // An Office Open XML file is a zip with a telling first part; check the name inside.
        let window = &bytes[..bytes.len().min(4096)];
        let has = |needle: &[u8]| window.windows(needle.len()).any(|w| w == needle);
        if has(b"word/") || (lower.ends_with(".docx") && has(b"[Content_Types].xml")) {
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        } else if has(b"xl/") || (lower.ends_with(".xlsx") && has(b"[Content_Types].xml")) {
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        } else {
            None
        }
    } else {
        None
    }
}

/// Where a file was stored.
pub struct Stored {
    pub sha256: String,
    pub mime: &'static str,
}

/// Check the file's kind and store it by content hash (once per content).
pub async fn store(dir: &Path, file: &Upload) -> Result<Stored, AppError> {
    if file.bytes.is_empty() {
        return Err(AppError::Invalid(format!(
            "文件“{}”是空的 (empty file)",
            file.name
        )));
    }
    let mime = sniff(&file.bytes, &file.name).ok_or_else(|| {
        AppError::Invalid(format!(
            "文件“{}”不是可接受的佐证材料类型：只接受 PDF、图片（PNG/JPEG/GIF/WebP）、Excel (.xlsx) 和 Word (.docx) (unsupported file type)",
            file.name
        ))
    })?;
    let sha256 = crate::auth::hex(&Sha256::digest(&file.bytes));
    let path = path_of(dir, &sha256)?;
    if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
        let parent = path
            .parent()
            .ok_or_else(|| AppError::Internal("files dir".into()))?;
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        // Write to a temporary name and rename, so a half-written file never has the final name.
        let tmp = path.with_extension("part");
        tokio::fs::write(&tmp, &file.bytes)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        tokio::fs::rename(&tmp, &path)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(Stored { sha256, mime })
}

/// The bytes of a stored file.
pub async fn load(dir: &Path, sha256: &str) -> Result<Vec<u8>, AppError> {
    tokio::fs::read(path_of(dir, sha256)?)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))
}

fn path_of(dir: &Path, sha256: &str) -> Result<PathBuf, AppError> {
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    Ok(dir.join(&sha256[..2]).join(sha256))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_recognised_by_content_not_name() {
        assert_eq!(sniff(b"%PDF-1.7 ...", "a.docx"), Some("application/pdf"));
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n....", "photo.pdf"),
            Some("image/png")
        );
        assert_eq!(sniff(b"MZ\x90\x00 an exe", "report.pdf"), None);
        assert_eq!(sniff(b"plain text", "notes.txt"), None);
    }

    #[test]
    fn file_names_lose_their_directories() {
        assert_eq!(sanitize_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_name("C:\\Users\\a\\报告.pdf"), "报告.pdf");
        assert_eq!(sanitize_name(""), "未命名文件");
    }

    #[tokio::test]
    async fn the_same_content_is_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let f = Upload {
            name: "a.pdf".into(),
            bytes: b"%PDF-1.4 hello".to_vec(),
        };
        let a = store(dir.path(), &f).await.unwrap();
        let b = store(
            dir.path(),
            &Upload {
                name: "b.pdf".into(),
                ..f.clone()
            },
        )
        .await
        .unwrap();
        assert_eq!(a.sha256, b.sha256);
        assert_eq!(load(dir.path(), &a.sha256).await.unwrap(), f.bytes);
        assert!(matches!(
            load(dir.path(), "../x").await,
            Err(AppError::NotFound)
        ));
    }
}
