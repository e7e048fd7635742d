//! Bytes to a [`Document`]: what kind of file it is, its text encoding (UTF-8, UTF-16,
//! GB18030/GBK), .docx reading ([`docx`]), saved web pages ([`html`]), Excel task tables
//! ([`workbook`]) and the text layer of PDFs ([`pdf`]).
//!
//! The content decides, never the extension: a PNG renamed `.docx` is reported as a PNG image,
//! a GBK file named `.txt` is read as GBK. Files that are not plan documents are refused with a
//! message that says what they are and, where there is one, what to do about it.

mod docx;
mod html;
pub(crate) mod pdf;
mod workbook;

use crate::PlanError;
use encoding_rs::{GB18030, UTF_16BE, UTF_16LE};
use std::borrow::Cow;

/// Largest input read (200 MB). A plan is a few hundred kilobytes of text; anything far bigger
/// is a wrong file, and refusing it bounds memory.
pub const MAX_INPUT_BYTES: usize = 200 * 1024 * 1024;

/// Largest plain-text or web-page file read (20 MB). The full text of a plan is well under 1 MB;
/// tens of megabytes of text are a log, a data dump or a wrong file, and saying so beats
/// printing thousands of "tasks". (A .docx may be larger: its pictures do not count.)
pub const MAX_TEXT_BYTES: usize = 20 * 1024 * 1024;

/// A decoded document: paragraphs and tables in document order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    pub blocks: Vec<Block>,
}

/// One block of a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph (a line of a text file), as found: no clean-up yet.
    Paragraph(String),
    /// A table: rows of cell texts (a cell's paragraphs joined by '\n').
    Table(Vec<Vec<String>>),
}

impl Document {
    /// The text a reviewer sees: one paragraph a line, a table row a line with its cells
    /// separated by tabs (a cell's own line breaks become spaces).
    pub fn source_text(&self) -> String {
        let mut out = String::new();
        for block in &self.blocks {
            match block {
                Block::Paragraph(p) => {
                    out.push_str(p);
                    out.push('\n');
                }
                Block::Table(rows) => {
                    for row in rows {
                        for (k, cell) in row.iter().enumerate() {
                            if k > 0 {
                                out.push('\t');
                            }
                            out.extend(cell.chars().map(|c| if c == '\n' { ' ' } else { c }));
                        }
                        out.push('\n');
                    }
                }
            }
        }
        out
    }

    /// One paragraph per line of `text`. Lines end at `\n`, `\r\n` or `\r`, and also at a
    /// vertical tab or form feed (a manual line break pasted from Word, a page break from a PDF)
    /// and the Unicode line and paragraph separators; NULs are dropped. Split straight from
    /// the text, so a large file is never copied whole once more.
    pub fn from_text(text: &str) -> Self {
        let mut blocks = Vec::new();
        for line in text.lines() {
            if needs_normalising(line) {
                let parts =
                    line.split(['\r', '\u{0b}', '\u{0c}', '\u{2028}', '\u{2029}', '\u{85}']);
                blocks.extend(parts.map(|p| Block::Paragraph(p.replace('\0', ""))));
            } else {
                blocks.push(Block::Paragraph(line.to_string()));
            }
        }
        Self { blocks }
    }
}

/// Decode a file's bytes into paragraphs and tables. `file_name` only words the messages
/// (a PNG named `.docx` is worth saying so); the content decides the format.
pub fn decode(bytes: &[u8], file_name: &str) -> Result<Document, PlanError> {
    check_size(bytes.len() as u64)?;
    // Trailing NULs are padding some editors leave behind, not content (of a text file: a zip
    // ends in zeros of its own).
    let trimmed = trim_trailing_nuls(bytes);
    if trimmed.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(PlanError::Empty);
    }
    match sniff(bytes) {
        Sniffed::Docx => non_empty(docx::read(bytes)?),
        Sniffed::Xlsx => non_empty(workbook::read(bytes)?),
        Sniffed::Refused(what) => Err(PlanError::Unsupported(refusal(what, file_name))),
        Sniffed::Text => {
            check_text_size(bytes.len())?;
            let text = decode_text(bytes)?;
            if text
                .trim_matches(|c: char| c.is_whitespace() || c == '\0')
                .is_empty()
            {
                return Err(PlanError::Empty);
            }
            if html::is_html(&text) {
                return non_empty(Document {
                    blocks: html::read(&normalise_text(&text)),
                });
            }
            Ok(Document::from_text(&text))
        }
    }
}

/// A Word document or web page without any text is as empty as an empty file.
fn non_empty(doc: Document) -> Result<Document, PlanError> {
    let has_text = doc.blocks.iter().any(|b| match b {
        Block::Paragraph(p) => !p.trim().is_empty(),
        Block::Table(rows) => rows.iter().flatten().any(|c| !c.trim().is_empty()),
    });
    if has_text {
        Ok(doc)
    } else {
        Err(PlanError::Empty)
    }
}

/// Refuse text (a text file, a web page, a PDF's text layer) over [`MAX_TEXT_BYTES`].
pub fn check_text_size(len: usize) -> Result<(), PlanError> {
    if len > MAX_TEXT_BYTES {
        return Err(PlanError::Unsupported(format!(
            "文本文件过大：{} MB，超过 {} MB。一份方案的全文通常不足 1 MB，请确认选择的是方案文件 (text file too large for a plan)",
            len / (1024 * 1024),
            MAX_TEXT_BYTES / (1024 * 1024)
        )));
    }
    Ok(())
}

/// Refuse inputs over [`MAX_INPUT_BYTES`]; callers holding a path check before reading it.
pub fn check_size(len: u64) -> Result<(), PlanError> {
    if len > MAX_INPUT_BYTES as u64 {
        return Err(PlanError::Unsupported(format!(
            "文件过大：{} MB，超过 {} MB 上限，不像是一份方案 (file too large)",
            len / (1024 * 1024),
            MAX_INPUT_BYTES / (1024 * 1024)
        )));
    }
    Ok(())
}

/// What the first bytes say a file is.
enum Sniffed {
    Docx,
    Xlsx,
    Text,
    Refused(&'static str),
}

/// Recognise the file by its content. Formats people send by mistake get a name and advice.
fn sniff(bytes: &[u8]) -> Sniffed {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "PNG 图片 (image)"),
        (b"\xff\xd8\xff", "JPEG 图片 (image)"),
        (b"GIF87a", "GIF 图片 (image)"),
        (b"GIF89a", "GIF 图片 (image)"),
        (b"II*\0", "TIFF 图片 (image)"),
        (b"MM\0*", "TIFF 图片 (image)"),
        (
            b"%PDF-",
            "PDF 文件：请在阅读器中复制全文另存为 .txt，或转换为 .docx 后再导入 (PDF is not supported)",
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            "旧版 Word .doc（或 .xls/.wps）文件：旧版 Word .doc 请另存为 .docx (old binary Office file; save as .docx)",
        ),
        (
            b"{\\rtf",
            "RTF 文件：请用 Word 或 WPS 另存为 .docx (RTF; save as .docx)",
        ),
        (b"\x1f\x8b", "gzip 压缩文件 (compressed archive)"),
        (b"7z\xbc\xaf\x27\x1c", "7z 压缩文件 (compressed archive)"),
        (b"Rar!\x1a\x07", "RAR 压缩文件 (compressed archive)"),
        (b"\x7fELF", "可执行程序 (executable)"),
        (b"MZ", "可执行程序 (executable)"),
        (b"SQLite format 3\0", "SQLite 数据库 (database)"),
    ];
    // A password-protected .docx is an OLE container holding an "EncryptedPackage" stream.
    if bytes.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
        && contains_utf16le(bytes, "EncryptedPackage")
    {
        return Sniffed::Refused(
            "加密的 Word 文档：请在 Word 或 WPS 中取消密码保护后另存为 .docx (password-protected document)",
        );
    }
    // Word's "single file web page" (.mht, often named .doc): MIME parts, quoted-printable.
    let head = bytes.get(..1024).unwrap_or(bytes);
    if head
        .windows(13)
        .any(|w| w.eq_ignore_ascii_case(b"MIME-Version:"))
        && head
            .windows(17)
            .any(|w| w.eq_ignore_ascii_case(b"multipart/related"))
    {
        return Sniffed::Refused(
            "网页归档文件 (.mht/.mhtml)：请用 Word 或 WPS 打开后另存为 .docx (web archive; save as .docx)",
        );
    }
    for (magic, what) in MAGIC {
        if bytes.starts_with(magic) {
            // "MZ" is two letters a text could start with; only a binary body makes it a program.
            if *magic == b"MZ" && !looks_binary(bytes) {
                continue;
            }
            return Sniffed::Refused(what);
        }
    }
    if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        return Sniffed::Refused("WebP 图片 (image)");
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return match docx::zip_kind(bytes) {
            docx::ZipKind::Docx => Sniffed::Docx,
            docx::ZipKind::Xlsx => Sniffed::Xlsx,
            docx::ZipKind::Pptx => Sniffed::Refused("PowerPoint 演示文稿 (presentation)"),
            docx::ZipKind::Odt => {
                Sniffed::Refused("OpenDocument 文档 (.odt)：请另存为 .docx (save as .docx)")
            }
            docx::ZipKind::Other => Sniffed::Refused("ZIP 压缩包，不是 Word 文档 (zip archive)"),
            docx::ZipKind::TooManyEntries => Sniffed::Refused(
                "压缩包内文件过多（超过一万个），不是一份 Word 或 Excel 文档 (too many zip entries)",
            ),
            docx::ZipKind::Broken => {
                Sniffed::Refused("损坏的 ZIP/Word 文件，无法打开 (damaged zip or .docx)")
            }
        };
    }
    // UTF-16 text has NULs in every other byte of its ASCII; look at the BOM or the NUL
    // pattern before calling such a file binary.
    if bytes.starts_with(b"\xff\xfe")
        || bytes.starts_with(b"\xfe\xff")
        || utf16_parity(bytes).is_some()
    {
        return Sniffed::Text;
    }
    if looks_binary(trim_trailing_nuls(bytes)) {
        return Sniffed::Refused("二进制文件，不是文本或 Word 文档 (binary file)");
    }
    Sniffed::Text
}

fn contains_utf16le(bytes: &[u8], needle: &str) -> bool {
    let pattern: Vec<u8> = needle.encode_utf16().flat_map(u16::to_le_bytes).collect();
    bytes.windows(pattern.len()).any(|w| w == pattern)
}

/// The message for a refused file; says so when the extension claimed otherwise.
fn refusal(what: &str, file_name: &str) -> String {
    let ext = std::path::Path::new(file_name)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if matches!(ext.as_str(), "docx" | "txt" | "text" | "md") {
        format!("扩展名为 .{ext}，但内容是{what}")
    } else {
        what.to_string()
    }
}

fn trim_trailing_nuls(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    bytes.get(..end).unwrap_or(bytes)
}

/// Binary rather than text: NULs or C0 control bytes (other than tab, newlines, form feed and
/// escape) in more than a few places of the first 64 KiB.
fn looks_binary(bytes: &[u8]) -> bool {
    let sample = bytes.get(..64 * 1024).unwrap_or(bytes);
    let (mut nul, mut control) = (0usize, 0usize);
    // Counted in byte-sized sums over chunks of 255 with comparisons only, so the compiler
    // vectorises it 16 bytes at a time.
    for chunk in sample.chunks(255) {
        nul += usize::from(chunk.iter().map(|&b| u8::from(b == 0)).sum::<u8>());
        control += usize::from(
            chunk
                .iter()
                .map(|&b| {
                    u8::from(
                        (b < 0x20)
                            & (b != 0)
                            & (b != b'\t')
                            & (b != b'\n')
                            & (b != 0x0b)
                            & (b != 0x0c)
                            & (b != b'\r')
                            & (b != 0x1b)
                            | (b == 0x7f),
                    )
                })
                .sum::<u8>(),
        );
    }
    // A stray NUL or two is damage in a text file (they are stripped); more is a binary format.
    nul * 200 > sample.len() || nul > 64 || control * 100 > sample.len()
}

/// UTF-16 without a BOM: an even length and NULs almost only at odd (LE) or even (BE)
/// positions, as ASCII newlines, digits and punctuation give. Returns true for LE.
fn utf16_parity(bytes: &[u8]) -> Option<bool> {
    let sample = bytes.get(..64 * 1024).unwrap_or(bytes);
    // Most files have no NUL at all: one fast search answers for them.
    if sample.len() < 4 || !bytes.len().is_multiple_of(2) || !sample.contains(&0) {
        return None;
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for (i, &b) in sample.iter().enumerate() {
        if b == 0 {
            if i % 2 == 0 {
                even += 1;
            } else {
                odd += 1;
            }
        }
    }
    let pairs = sample.len() / 2;
    // At least one NUL per 50 characters (line ends alone give that), all on one side.
    if odd * 50 >= pairs && even == 0 {
        Some(true)
    } else if even * 50 >= pairs && odd == 0 {
        Some(false)
    } else {
        None
    }
}

/// Decode text bytes: a BOM decides; else UTF-8 if valid; else GB18030 (a superset of GBK and
/// GB2312) if the bytes are valid GB18030 and read as Chinese; else UTF-8 with a handful of
/// damaged bytes replaced; else refuse.
fn decode_text(bytes: &[u8]) -> Result<Cow<'_, str>, PlanError> {
    if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        return Ok(String::from_utf8_lossy(rest));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xff\xfe") {
        return Ok(UTF_16LE.decode_without_bom_handling(rest).0);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xfe\xff") {
        return Ok(UTF_16BE.decode_without_bom_handling(rest).0);
    }
    if let Some(le) = utf16_parity(bytes) {
        let enc = if le { UTF_16LE } else { UTF_16BE };
        let (text, had_errors) = enc.decode_without_bom_handling(bytes);
        if !had_errors {
            return Ok(text);
        }
    }
    let bytes = trim_trailing_nuls(bytes);
    let invalid_utf8 = match std::str::from_utf8(bytes) {
        Ok(text) => return Ok(Cow::Borrowed(text)),
        Err(_) => count_invalid_utf8(bytes),
    };
    if reads_as_chinese_gb(bytes)
        && let Some(text) = GB18030.decode_without_bom_handling_and_without_replacement(bytes)
    {
        return Ok(text);
    }
    // A UTF-8 file with a few broken bytes (a cut-off copy, a bad editor) is still that file.
    if invalid_utf8 <= 16 || invalid_utf8 * 10_000 <= bytes.len() {
        return Ok(String::from_utf8_lossy(bytes));
    }
    Err(PlanError::Unsupported(
        "无法识别的文本编码：不是 UTF-8、UTF-16 或 GB18030/GBK (unknown text encoding)".into(),
    ))
}

fn count_invalid_utf8(bytes: &[u8]) -> usize {
    bytes
        .utf8_chunks()
        .filter(|c| !c.invalid().is_empty())
        .count()
}

/// Whether the two-byte sequences of a would-be GBK text are mostly GB2312 characters (lead
/// 0xA1–0xF7, trail 0xA1–0xFE): real Chinese text is almost all GB2312, while bytes of another
/// encoding that happen to be valid GBK land there about a third of the time.
fn reads_as_chinese_gb(bytes: &[u8]) -> bool {
    let (mut pairs, mut gb2312) = (0usize, 0usize);
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b < 0x80 {
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            // A four-byte GB18030 sequence (second byte a digit): rare characters.
            Some(&t) if (0x30..=0x39).contains(&t) => {
                pairs += 1;
                i += 4;
            }
            Some(&t) => {
                pairs += 1;
                if (0xa1..=0xf7).contains(&b) && (0xa1..=0xfe).contains(&t) {
                    gb2312 += 1;
                }
                i += 2;
            }
            None => break,
        }
    }
    pairs > 0 && gb2312 * 10 >= pairs * 8
}

/// Whether `text` has a line end other than `\n`, or a NUL.
fn needs_normalising(text: &str) -> bool {
    // Or-ed over chunks rather than `any` so that the compiler vectorises the scan.
    text.as_bytes()
        .chunks(64)
        .any(|c| c.iter().fold(false, |acc, &b| acc | matches!(b, b'\r' | 0 | 0x0b | 0x0c)))
        // Three substring searches: far faster than one scan by characters.
        || ["\u{2028}", "\u{2029}", "\u{85}"].iter().any(|sep| text.contains(sep))
}

/// One line ending (`\n`), no NULs; vertical tabs and form feeds (a manual line break pasted from
/// Word, a page break from a PDF) and the Unicode line/paragraph separators end a line too.
fn normalise_text(text: &str) -> Cow<'_, str> {
    if !needs_normalising(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\0' => {}
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\u{0b}' | '\u{0c}' | '\u{2028}' | '\u{2029}' | '\u{85}' => out.push('\n'),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paragraphs(doc: &Document) -> Vec<&str> {
        doc.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Paragraph(p) => Some(p.as_str()),
                Block::Table(_) => None,
            })
            .collect()
    }

    #[test]
    fn utf8_with_bom_loses_the_bom() {
        let doc = decode("\u{feff}一、总体要求\n".as_bytes(), "a.txt").unwrap();
        assert_eq!(paragraphs(&doc), ["一、总体要求"]);
    }

    #[test]
    fn crlf_and_lone_cr_become_line_breaks_and_nuls_vanish() {
        let doc = decode("一、目标\r\n（一）任务\r1．措施\0".as_bytes(), "a.txt").unwrap();
        assert_eq!(paragraphs(&doc), ["一、目标", "（一）任务", "1．措施"]);
    }

    #[test]
    fn gbk_text_is_detected_and_decoded() {
        let text = "一、重点任务\n（一）实施青少年科学素质提升行动。牵头单位：市教育局\n";
        let (gbk, _, _) = GB18030.encode(text);
        let doc = decode(&gbk, "plan.txt").unwrap();
        assert_eq!(
            paragraphs(&doc),
            [
                "一、重点任务",
                "（一）实施青少年科学素质提升行动。牵头单位：市教育局"
            ]
        );
    }

    #[test]
    fn utf16_with_bom_is_decoded() {
        let mut bytes = vec![0xff, 0xfe];
        for u in "一、目标\n二、任务".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let doc = decode(&bytes, "a.txt").unwrap();
        assert_eq!(paragraphs(&doc), ["一、目标", "二、任务"]);
    }

    #[test]
    fn utf16_without_bom_is_recognised_by_its_nuls() {
        let mut bytes = Vec::new();
        for u in "1. 到2025年达到15%\n2. 每年2场次\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_be_bytes());
        }
        let doc = decode(&bytes, "a.txt").unwrap();
        assert_eq!(paragraphs(&doc), ["1. 到2025年达到15%", "2. 每年2场次"]);
    }

    #[test]
    fn empty_and_blank_files_are_empty() {
        assert!(matches!(decode(b"", "a.txt"), Err(PlanError::Empty)));
        assert!(matches!(
            decode(b" \r\n\t\n", "a.txt"),
            Err(PlanError::Empty)
        ));
        assert!(matches!(decode(b"\0\0\0", "a.txt"), Err(PlanError::Empty)));
    }

    #[test]
    fn old_word_doc_is_refused_with_advice() {
        let mut bytes = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".to_vec();
        bytes.extend(std::iter::repeat_n(0u8, 512));
        let err = decode(&bytes, "plan.doc").unwrap_err().to_string();
        assert!(err.contains("旧版 Word .doc 请另存为 .docx"), "{err}");
    }

    #[test]
    fn an_encrypted_word_file_is_named_as_such() {
        let mut bytes = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".to_vec();
        bytes.resize(1024, 0);
        bytes.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
        bytes.resize(4096, 0);
        let err = decode(&bytes, "plan.docx").unwrap_err().to_string();
        assert!(err.contains("加密"), "{err}");
    }

    #[test]
    fn a_web_archive_is_refused_with_advice() {
        let mht = "MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"----=_NextPart\"\r\n\r\n\
            ------=_NextPart\r\nContent-Type: text/html; charset=\"gb2312\"\r\n\r\n<html>=D2=BB</html>";
        let err = decode(mht.as_bytes(), "plan.doc").unwrap_err().to_string();
        assert!(err.contains(".mht"), "{err}");
    }

    #[test]
    fn png_named_docx_says_png() {
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        bytes.extend(std::iter::repeat_n(7u8, 100));
        let err = decode(&bytes, "plan.docx").unwrap_err().to_string();
        assert!(err.contains("PNG") && err.contains(".docx"), "{err}");
    }

    #[test]
    fn random_binary_is_refused_as_binary() {
        let bytes: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let err = decode(&bytes, "x.bin").unwrap_err().to_string();
        assert!(err.contains("二进制") || err.contains("编码"), "{err}");
    }

    #[test]
    fn latin1_text_is_not_taken_for_gbk() {
        let bytes =
            "Caf\u{e9} cr\u{e8}me br\u{fb}l\u{e9}e, na\u{ef}ve fa\u{e7}ade, d\u{e9}j\u{e0} vu. "
                .repeat(50)
                .chars()
                .map(|c| c as u8)
                .collect::<Vec<u8>>();
        assert!(decode(&bytes, "x.txt").is_err());
    }

    #[test]
    fn utf8_with_a_stray_bad_byte_is_still_utf8() {
        let mut bytes = "一、总体要求\n".repeat(100).into_bytes();
        bytes.insert(30, 0xff);
        let doc = decode(&bytes, "a.txt").unwrap();
        assert!(
            paragraphs(&doc)
                .iter()
                .filter(|p| **p == "一、总体要求")
                .count()
                >= 98
        );
    }

    #[test]
    fn oversized_input_is_refused() {
        assert!(check_size(MAX_INPUT_BYTES as u64).is_ok());
        let err = check_size(MAX_INPUT_BYTES as u64 + 1)
            .unwrap_err()
            .to_string();
        assert!(err.contains("过大"), "{err}");
    }

    #[test]
    fn a_text_file_of_tens_of_megabytes_is_refused_as_not_a_plan() {
        let big = "一、总体要求\n".repeat(MAX_TEXT_BYTES / 18 + 1);
        let err = decode(big.as_bytes(), "big.txt").unwrap_err().to_string();
        assert!(err.contains("文本文件过大"), "{err}");
    }
}
