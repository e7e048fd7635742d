//! The backup archive: one `.tar.gz` holding `manifest.json` (first, so a restore knows what
//! it reads before it reads it), the database (`kesu.db` or `kesu.pgdump`) and the evidence
//! files under `files/`. Reading an archive trusts nothing in it: only those names, only plain
//! files, no path leaving its directory, and every evidence file's content must hash to its
//! name.

use crate::{Error, Result};
use kesu_store::copy::TableSum;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

/// The archive format this version writes and reads.
pub const FORMAT: &str = "kesu-backup/1";
pub const MANIFEST: &str = "manifest.json";
pub const SQLITE_FILE: &str = "kesu.db";
pub const PG_FILE: &str = "kesu.pgdump";

/// What a backup holds, written first in the archive.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub kesu_version: String,
    /// `sqlite` or `postgres`.
    pub backend: String,
    pub schema_version: i64,
    /// Every table with its row count and checksum, as in the database file.
    pub tables: Vec<TableSum>,
    pub files: FileCount,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileCount {
    pub count: u64,
    pub bytes: u64,
}

impl Manifest {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

fn fs_err(path: &Path, e: std::io::Error) -> Error {
    Error::Unavailable(format!("{}：{e} (file error)", path.display()))
}

/// Every regular file under `dir`, as paths relative to it, sorted (symbolic links and other
/// oddities are not evidence and are left out). A missing directory has none.
pub fn evidence_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let abs = dir.join(&rel);
        let entries = std::fs::read_dir(&abs).map_err(|e| fs_err(&abs, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| fs_err(&abs, e))?;
            let ty = entry.file_type().map_err(|e| fs_err(&entry.path(), e))?;
            let name = rel.join(entry.file_name());
            if ty.is_dir() {
                stack.push(name);
            } else if ty.is_file() && !entry.file_name().to_string_lossy().starts_with('.') {
                out.push(name);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Write the archive to `out` (gzip-compressed tar): the manifest, the database file `db`
/// (stored as `db_name`), and every evidence file under `files_dir`. Blocking I/O.
pub fn write(
    out: &Path,
    manifest: &Manifest,
    db: &Path,
    db_name: &str,
    files_dir: &Path,
    files: &[PathBuf],
) -> Result<()> {
    let f = std::fs::File::create(out).map_err(|e| fs_err(out, e))?;
    let gz = flate2::write::GzEncoder::new(std::io::BufWriter::new(f), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    let json = serde_json::to_vec_pretty(manifest).map_err(|e| Error::Internal(e.to_string()))?;
    let mut header = tar::Header::new_gnu();
    header.set_size(json.len() as u64);
    header.set_mode(0o600);
    header.set_cksum();
    tar.append_data(&mut header, MANIFEST, json.as_slice())
        .map_err(|e| fs_err(out, e))?;
    tar.append_path_with_name(db, db_name)
        .map_err(|e| fs_err(db, e))?;
    for rel in files {
        let abs = files_dir.join(rel);
        tar.append_path_with_name(&abs, Path::new("files").join(rel))
            .map_err(|e| fs_err(&abs, e))?;
    }
    let gz = tar.into_inner().map_err(|e| fs_err(out, e))?;
    let mut w = gz.finish().map_err(|e| fs_err(out, e))?;
    w.flush().map_err(|e| fs_err(out, e))?;
    Ok(())
}

/// What [`read`] unpacked.
#[derive(Debug)]
pub struct Unpacked {
    pub manifest: Manifest,
    /// The database file, in the work directory.
    pub db: PathBuf,
    /// Evidence files, relative to `work/files`.
    pub files: Vec<PathBuf>,
}

fn bad(archive: &Path, why: impl std::fmt::Display) -> Error {
    Error::invalid(format!(
        "{} 不是有效的科素备份：{why} (not a valid Kesu backup)",
        archive.display()
    ))
}

/// A relative path of plain names only (no `..`, no root, no `.`).
fn plain(p: &Path) -> bool {
    p.components().all(|c| matches!(c, Component::Normal(_))) && p.components().next().is_some()
}

/// Unpack `archive` into `work` (an empty directory), checking it as it goes. Blocking I/O.
pub fn read(archive: &Path, work: &Path) -> Result<Unpacked> {
    let f = std::fs::File::open(archive).map_err(|e| fs_err(archive, e))?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(std::io::BufReader::new(f)));
    let entries = tar.entries().map_err(|e| bad(archive, e))?;
    let mut manifest: Option<Manifest> = None;
    let mut db: Option<PathBuf> = None;
    let mut files = Vec::new();
    let mut file_bytes = 0u64;
    for entry in entries {
        let mut entry = entry.map_err(|e| bad(archive, e))?;
        let path = entry.path().map_err(|e| bad(archive, e))?.into_owned();
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() || !plain(&path) {
            return Err(bad(archive, format!("不允许的条目 {}", path.display())));
        }
        let Some(m) = &manifest else {
            if path != Path::new(MANIFEST) {
                return Err(bad(archive, "第一个条目应为 manifest.json"));
            }
            let mut text = String::new();
            entry
                .by_ref()
                .take(1 << 24)
                .read_to_string(&mut text)
                .map_err(|e| bad(archive, e))?;
            let m: Manifest = serde_json::from_str(&text).map_err(|e| bad(archive, e))?;
            if m.format != FORMAT {
                return Err(bad(archive, format!("格式 {} 不受支持", m.format)));
            }
            manifest = Some(m);
            continue;
        };
        let name = path.to_string_lossy().into_owned();
        let expected_db = if m.backend == "sqlite" {
            SQLITE_FILE
        } else {
            PG_FILE
        };
        if name == expected_db && db.is_none() {
            let dest = work.join(expected_db);
            let mut out = std::fs::File::create(&dest).map_err(|e| fs_err(&dest, e))?;
            std::io::copy(&mut entry, &mut out).map_err(|e| bad(archive, e))?;
            out.sync_all().map_err(|e| fs_err(&dest, e))?;
            db = Some(dest);
        } else if let Ok(rel) = path.strip_prefix("files") {
            if !plain(rel) {
                return Err(bad(archive, format!("不允许的条目 {}", path.display())));
            }
            let dest = work.join("files").join(rel);
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent).map_err(|e| fs_err(parent, e))?;
            }
            let mut out = std::fs::File::create(&dest).map_err(|e| fs_err(&dest, e))?;
            let mut hash = Sha256::new();
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = entry.read(&mut buf).map_err(|e| bad(archive, e))?;
                if n == 0 {
                    break;
                }
                hash.update(&buf[..n]);
                out.write_all(&buf[..n]).map_err(|e| fs_err(&dest, e))?;
                file_bytes += n as u64;
            }
            // Evidence is stored by content hash: a file whose content does not match its name
            // is damaged (or planted) and is not restored.
            let digest: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
            let stem = rel.file_name().map(|n| n.to_string_lossy().into_owned());
            if stem.as_deref().is_some_and(|s| s.len() == 64) && stem.as_deref() != Some(&digest) {
                return Err(bad(
                    archive,
                    format!(
                        "证明材料 {} 的内容与名称不符 (evidence damaged)",
                        rel.display()
                    ),
                ));
            }
            files.push(rel.to_path_buf());
        } else {
            return Err(bad(archive, format!("未知的条目 {name}")));
        }
    }
    let manifest = manifest.ok_or_else(|| bad(archive, "缺少 manifest.json"))?;
    let db = db.ok_or_else(|| bad(archive, "缺少数据库文件 (no database in it)"))?;
    if files.len() as u64 != manifest.files.count || file_bytes != manifest.files.bytes {
        return Err(bad(
            archive,
            format!(
                "证明材料应有 {} 个 {} 字节，实有 {} 个 {} 字节 (evidence incomplete)",
                manifest.files.count,
                manifest.files.bytes,
                files.len(),
                file_bytes
            ),
        ));
    }
    Ok(Unpacked {
        manifest,
        db,
        files,
    })
}
