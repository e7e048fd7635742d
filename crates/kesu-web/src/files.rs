//! Evidence files: read from a multipart form, checked by content (not by name), stored once
//! per content under `<files dir>/<first two hex digits>/<sha256>`.

use crate::MAX_UPLOAD;
use crate::error::AppError;
use axum::extract::Multipart;
use kesu_workbook::{Archive, Limits, WorkbookError};
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
    // The file's name where it is known: the message says which file was too large.
    let bad = |file: Option<&str>, e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            too_large(file)
        } else {
            AppError::BadRequest(format!("表单无法读取：{e} (malformed upload)"))
        }
    };
    while let Some(mut field) = m.next_field().await.map_err(|e| bad(None, e))? {
        let name = field.name().unwrap_or("").to_string();
        if let Some(file_name) = field.file_name().map(sanitize_name) {
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|e| bad(Some(&file_name), e))? {
                if bytes.len() + chunk.len() > MAX_UPLOAD {
                    return Err(too_large(Some(&file_name)));
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
            let text = field.text().await.map_err(|e| bad(None, e))?;
            form.fields.insert(name, text);
        }
    }
    Ok(form)
}

fn too_large(file: Option<&str>) -> AppError {
    let mb = MAX_UPLOAD / 1024 / 1024;
    AppError::TooLarge(match file {
        Some(f) => format!("{f}：文件超过 {mb} MB 上限 (file too large)"),
        None => format!("文件超过 {mb} MB 上限 (file too large)"),
    })
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

/// What an evidence archive (.docx, .xlsx) may be: Kesu stores it and never opens it, but the
/// people who download it do, so a zip bomb is refused here by its declared sizes and ratio
/// (nothing is decompressed but archives nested inside, which are checked the same way).
fn attachment_limits() -> Limits {
    Limits {
        max_file_bytes: MAX_UPLOAD as u64,
        ..Limits::default()
    }
}

/// The kind of an Office Open XML archive, by the parts it really has.
fn zip_kind(bytes: &[u8], name: &str) -> Result<Option<&'static str>, WorkbookError> {
    let archive = Archive::open(bytes, &attachment_limits())?;
    let has_dir = |dir: &str| archive.entries().iter().any(|e| e.name.starts_with(dir));
    let typed = archive.contains("[Content_Types].xml");
    let lower = name.to_lowercase();
    Ok(
        if archive.contains("word/document.xml")
            || (typed && lower.ends_with(".docx") && has_dir("word/"))
        {
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        } else if archive.contains("xl/workbook.xml")
            || (typed && lower.ends_with(".xlsx") && has_dir("xl/"))
        {
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        } else {
            None
        },
    )
}

/// The accepted kinds of evidence, recognised by their content (first bytes; for Office files,
/// the parts of the archive).
pub fn sniff(bytes: &[u8], name: &str) -> Option<&'static str> {
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
    } else if kesu_workbook::is_zip(bytes) {
        zip_kind(bytes, name).ok().flatten()
    } else if crate::ole::is_compound(bytes) {
        crate::ole::kind(bytes, name).ok().flatten()
    } else {
        None
    }
}

/// Check an evidence file: not empty, an accepted kind, and (an archive) no zip bomb. The
/// error names the file and the problem.
pub fn check(bytes: &[u8], name: &str) -> Result<&'static str, AppError> {
    if bytes.is_empty() {
        return Err(AppError::Invalid(format!(
            "文件“{name}”是空的 (empty file)"
        )));
    }
    if kesu_workbook::is_zip(bytes) {
        zip_kind(bytes, name)
            .map_err(|e| AppError::Invalid(format!("文件“{name}”不能接受：{e}")))?;
    }
    if crate::ole::is_compound(bytes) {
        crate::ole::kind(bytes, name)
            .map_err(|e| AppError::Invalid(format!("文件“{name}”不能接受：{e}")))?;
    }
    sniff(bytes, name).ok_or_else(|| {
        AppError::Invalid(format!(
            "文件“{name}”不是可接受的佐证材料类型：只接受 PDF、图片（PNG/JPEG/GIF/WebP）、Word（.doc/.docx）、Excel（.xls/.xlsx）和 WPS（.wps/.et） (unsupported file type)"
        ))
    })
}

/// Where a file was stored.
pub struct Stored {
    pub sha256: String,
    pub mime: &'static str,
}

/// Check the file's kind and store it by content hash (once per content). The check and the
/// hash run off the async workers ([`crate::parse`]).
pub async fn store(dir: &Path, file: &Upload) -> Result<Stored, AppError> {
    let (bytes, name) = (file.bytes.clone(), file.name.clone());
    let (mime, sha256) = crate::parse::run("attachment", move || {
        let mime = check(&bytes, &name)?;
        Ok::<_, AppError>((mime, crate::auth::hex(&Sha256::digest(&bytes))))
    })
    .await??;
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

    fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in parts {
            w.start_file(*name, opts).unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn office_files_are_recognised_by_their_parts() {
        let docx = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", b"<w:document/>"),
        ]);
        assert_eq!(
            check(&docx, "report.pdf").unwrap(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
        let other = zip_of(&[("readme.txt", b"hello")]);
        assert!(matches!(check(&other, "a.docx"), Err(AppError::Invalid(_))));
    }

    #[test]
    fn a_zip_bomb_is_refused_naming_the_file_and_the_problem() {
        let bomb = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", &vec![b' '; 16 << 20]),
        ]);
        assert!(bomb.len() < 200_000);
        let Err(AppError::Invalid(msg)) = check(&bomb, "证明.docx") else {
            panic!("accepted a bomb")
        };
        assert!(
            msg.contains("证明.docx") && msg.contains("压缩炸弹"),
            "{msg}"
        );
    }

    #[test]
    fn a_bomb_nested_in_an_office_file_is_refused() {
        let inner = zip_of(&[("zeros", &vec![0u8; 16 << 20])]);
        let docx = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", b"<w:document/>"),
            ("word/embeddings/sheet.xlsx", &inner),
        ]);
        assert!(
            matches!(check(&docx, "a.docx"), Err(AppError::Invalid(m)) if m.contains("压缩炸弹"))
        );
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
