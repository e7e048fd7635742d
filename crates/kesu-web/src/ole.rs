//! The older Office formats offices still send — Word 97–2003 (.doc), Excel 97–2003 (.xls) and
//! Kingsoft WPS (.wps, .et) — recognised by their content: each is an OLE compound file (MS-CFB)
//! whose directory names the stream that holds the document (`WordDocument`; `Workbook` or
//! `Book`). Only the header, the allocation table and the directory are read, every chain
//! bounded by the file's own size, so a damaged or hostile file is refused, never followed in a
//! loop. A file with macros (a `Macros` or `_VBA_PROJECT_CUR` storage) is refused: people open
//! evidence files.

/// The first eight bytes of every compound file.
const SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
const FREE: u32 = 0xFFFF_FFFF;
/// Directory entries read at most (a document has a few dozen).
const MAX_ENTRIES: usize = 4096;

/// Why a compound file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OleError {
    #[error("文件已损坏，无法识别其内容 (damaged compound file: {0})")]
    Damaged(&'static str),
    #[error("文件含有宏，不能作为佐证材料；请另存为不含宏的文档或 PDF 后再上传 (macros)")]
    Macros,
}

/// Whether the bytes start like a compound file.
pub fn is_compound(bytes: &[u8]) -> bool {
    bytes.starts_with(&SIGNATURE)
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The names of the directory's entries (streams and storages).
pub fn entry_names(bytes: &[u8]) -> Result<Vec<String>, OleError> {
    let damaged = OleError::Damaged;
    if !is_compound(bytes) {
        return Err(damaged("signature"));
    }
    if u16_at(bytes, 28) != Some(0xFFFE) {
        return Err(damaged("byte order"));
    }
    let shift = u16_at(bytes, 30).ok_or(damaged("header"))?;
    if shift != 9 && shift != 12 {
        return Err(damaged("sector size"));
    }
    let size = 1usize << shift;
    // Sector n starts after the header, which takes one sector.
    let sectors = bytes.len().saturating_sub(size) / size;
    let sector = |n: u32| -> Option<&[u8]> {
        let n = usize::try_from(n).ok()?;
        (n < sectors).then(|| &bytes[size * (n + 1)..size * (n + 2)])
    };
    // The allocation table's sectors: the first 109 in the header, the rest in DIFAT sectors.
    let fat_count = u32_at(bytes, 44).ok_or(damaged("header"))? as usize;
    if fat_count > sectors {
        return Err(damaged("allocation table size"));
    }
    let mut fat_sectors = Vec::with_capacity(fat_count);
    for i in 0..109.min(fat_count) {
        fat_sectors.push(u32_at(bytes, 76 + 4 * i).ok_or(damaged("header"))?);
    }
    let mut difat = u32_at(bytes, 68).ok_or(damaged("header"))?;
    let mut hops = 0;
    while fat_sectors.len() < fat_count && difat != END_OF_CHAIN && difat != FREE {
        hops += 1;
        let s = sector(difat)
            .filter(|_| hops <= sectors)
            .ok_or(damaged("DIFAT"))?;
        for i in 0..size / 4 - 1 {
            if fat_sectors.len() < fat_count {
                fat_sectors.push(u32_at(s, 4 * i).ok_or(damaged("DIFAT"))?);
            }
        }
        difat = u32_at(s, size - 4).ok_or(damaged("DIFAT"))?;
    }
    let next = |n: u32| -> Result<u32, OleError> {
        let per = size / 4;
        let n = usize::try_from(n).map_err(|_| damaged("chain"))?;
        let fs = *fat_sectors.get(n / per).ok_or(damaged("chain"))?;
        let s = sector(fs).ok_or(damaged("chain"))?;
        u32_at(s, 4 * (n % per)).ok_or(damaged("chain"))
    };
    // The directory: a chain of sectors of 128-byte entries.
    let mut names = Vec::new();
    let mut at = u32_at(bytes, 48).ok_or(damaged("header"))?;
    let mut hops = 0;
    while at != END_OF_CHAIN {
        hops += 1;
        if hops > sectors || names.len() >= MAX_ENTRIES {
            return Err(damaged("directory chain"));
        }
        let s = sector(at).ok_or(damaged("directory"))?;
        for e in s.chunks_exact(128) {
            let kind = e[66];
            if kind == 0 {
                continue;
            }
            let len = usize::from(u16_at(e, 64).ok_or(damaged("entry"))?).min(64);
            let units: Vec<u16> = e[..len.saturating_sub(2)]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            names.push(String::from_utf16_lossy(&units));
        }
        at = next(at)?;
    }
    Ok(names)
}

/// The kind of a compound file by its streams: Word (.doc; WPS 文字 .wps) or Excel (.xls; WPS
/// 表格 .et). A well-formed compound file named .wps or .et whose streams are another
/// generation's (Works' `CONTENTS`, older Kingsoft layouts) is taken by its name; any other
/// compound file (an installer, a PowerPoint file, …) is `None`.
pub fn kind(bytes: &[u8], name: &str) -> Result<Option<&'static str>, OleError> {
    let names = entry_names(bytes)?;
    let has = |n: &str| names.iter().any(|e| e.eq_ignore_ascii_case(n));
    if has("Macros") || has("_VBA_PROJECT_CUR") || has("_VBA_PROJECT") {
        return Err(OleError::Macros);
    }
    let lower = name.to_lowercase();
    Ok(if has("WordDocument") {
        Some("application/msword")
    } else if has("Workbook") || has("Book") {
        Some("application/vnd.ms-excel")
    } else if lower.ends_with(".wps") {
        Some("application/vnd.ms-works")
    } else if lower.ends_with(".et") {
        Some("application/vnd.ms-excel")
    } else {
        None
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal compound file of 512-byte sectors: one allocation sector (sector 0), one
    /// directory sector (sector 1) with the root and the given streams.
    pub fn compound(streams: &[&str]) -> Vec<u8> {
        let mut b = vec![0u8; 512 * 3];
        b[..8].copy_from_slice(&SIGNATURE);
        b[24..26].copy_from_slice(&0x003Eu16.to_le_bytes());
        b[26..28].copy_from_slice(&3u16.to_le_bytes());
        b[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
        b[30..32].copy_from_slice(&9u16.to_le_bytes());
        b[32..34].copy_from_slice(&6u16.to_le_bytes());
        b[44..48].copy_from_slice(&1u32.to_le_bytes()); // one FAT sector
        b[48..52].copy_from_slice(&1u32.to_le_bytes()); // directory at sector 1
        b[60..64].copy_from_slice(&END_OF_CHAIN.to_le_bytes());
        b[68..72].copy_from_slice(&END_OF_CHAIN.to_le_bytes());
        b[76..80].copy_from_slice(&0u32.to_le_bytes()); // FAT at sector 0
        for i in 1..109 {
            b[76 + 4 * i..80 + 4 * i].copy_from_slice(&FREE.to_le_bytes());
        }
        // FAT (sector 0, at byte 512): sector 0 is FAT, sector 1 ends the directory chain.
        let fat = 512;
        b[fat..fat + 4].copy_from_slice(&0xFFFF_FFFDu32.to_le_bytes());
        b[fat + 4..fat + 8].copy_from_slice(&END_OF_CHAIN.to_le_bytes());
        for i in 2..128 {
            b[fat + 4 * i..fat + 4 * i + 4].copy_from_slice(&FREE.to_le_bytes());
        }
        let dir = 1024;
        let mut entry = |i: usize, name: &str, kind: u8| {
            let at = dir + 128 * i;
            let units: Vec<u16> = name.encode_utf16().collect();
            for (j, u) in units.iter().enumerate() {
                b[at + 2 * j..at + 2 * j + 2].copy_from_slice(&u.to_le_bytes());
            }
            let len = u16::try_from(2 * (units.len() + 1)).unwrap();
            b[at + 64..at + 66].copy_from_slice(&len.to_le_bytes());
            b[at + 66] = kind;
        };
        entry(0, "Root Entry", 5);
        for (i, s) in streams.iter().enumerate() {
            entry(i + 1, s, 2);
        }
        b
    }

    #[test]
    fn word_and_excel_are_told_apart_by_their_streams() {
        let doc = compound(&["WordDocument", "1Table", "\u{5}SummaryInformation"]);
        assert_eq!(kind(&doc, "a.doc"), Ok(Some("application/msword")));
        let xls = compound(&["Workbook"]);
        assert_eq!(kind(&xls, "a.xls"), Ok(Some("application/vnd.ms-excel")));
        let et = compound(&["Book"]);
        assert_eq!(kind(&et, "a.et"), Ok(Some("application/vnd.ms-excel")));
        assert_eq!(kind(&compound(&["Contents"]), "setup.msi"), Ok(None));
        // A Works-style word-processing file: a well-formed compound file named .wps.
        assert_eq!(
            kind(&compound(&["CONTENTS"]), "通知.wps"),
            Ok(Some("application/vnd.ms-works"))
        );
    }

    #[test]
    fn files_saved_by_an_office_suite_are_recognised() {
        // Written by LibreOffice as "Word 97–2003" and "Excel 97–2003".
        let doc = include_bytes!("../tests/data/evidence.doc");
        assert_eq!(kind(doc, "a.doc"), Ok(Some("application/msword")));
        let xls = include_bytes!("../tests/data/evidence.xls");
        assert_eq!(kind(xls, "a.xls"), Ok(Some("application/vnd.ms-excel")));
    }

    #[test]
    fn a_document_with_macros_is_refused() {
        let doc = compound(&["WordDocument", "Macros"]);
        assert_eq!(kind(&doc, "a.doc"), Err(OleError::Macros));
    }

    #[test]
    fn a_directory_chain_that_loops_is_refused_not_followed() {
        let mut doc = compound(&["WordDocument"]);
        // Sector 1 (the directory) points at itself.
        doc[512 + 4..512 + 8].copy_from_slice(&1u32.to_le_bytes());
        assert!(matches!(kind(&doc, "a.doc"), Err(OleError::Damaged(_))));
    }

    #[test]
    fn truncated_and_garbage_files_are_refused() {
        let doc = compound(&["WordDocument"]);
        assert!(kind(&doc[..600], "a.doc").is_err());
        assert!(kind(&SIGNATURE, "a.doc").is_err());
        let mut junk = SIGNATURE.to_vec();
        junk.extend(std::iter::repeat_n(0xFFu8, 4096));
        assert!(kind(&junk, "a.doc").is_err());
    }
}
