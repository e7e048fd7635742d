//! Reading CSV one line at a time, with line numbers kept for error reports.
//!
//! Enough of RFC 4180 for the files Kesu imports: comma-separated fields, optionally quoted with
//! `"`, a doubled `""` inside quotes. A quoted field cannot span lines (no import file needs it, and
//! it keeps "row N" equal to "line N" in every message).

use std::borrow::Cow;

/// The lines of a file with their 1-based numbers, without line ends; a final empty line is
/// skipped. A UTF-8 byte order mark at the start is dropped.
pub fn lines(bytes: &[u8]) -> impl Iterator<Item = (u64, &[u8])> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let ends_with_newline = bytes.last() == Some(&b'\n');
    let mut parts = bytes.split(|&b| b == b'\n');
    let mut n = 0u64;
    let mut pending: Option<&[u8]> = parts.next();
    std::iter::from_fn(move || {
        let cur = pending.take()?;
        pending = parts.next();
        if pending.is_none() && ends_with_newline && cur.is_empty() {
            return None;
        }
        n += 1;
        Some((n, cur.strip_suffix(b"\r").unwrap_or(cur)))
    })
}

/// Split one line into fields, appending to `out` (cleared first). Errors name what is wrong.
pub fn split<'a>(line: &'a str, out: &mut Vec<Cow<'a, str>>) -> Result<(), &'static str> {
    out.clear();
    let b = line.as_bytes();
    let mut i = 0;
    loop {
        if b.get(i) == Some(&b'"') {
            // Quoted field: up to the closing quote; "" is a literal quote.
            let start = i + 1;
            let mut j = start;
            let mut has_escape = false;
            loop {
                match b.get(j) {
                    None => return Err("引号未闭合 (unclosed quote)"),
                    Some(b'"') if b.get(j + 1) == Some(&b'"') => {
                        has_escape = true;
                        j += 2;
                    }
                    Some(b'"') => break,
                    Some(_) => j += 1,
                }
            }
            let raw = &line[start..j];
            out.push(if has_escape {
                Cow::Owned(raw.replace("\"\"", "\""))
            } else {
                Cow::Borrowed(raw)
            });
            i = j + 1;
            match b.get(i) {
                None => return Ok(()),
                Some(b',') => i += 1,
                Some(_) => return Err("引号后应为逗号 (text after a closing quote)"),
            }
        } else {
            let end = b[i..].iter().position(|&c| c == b',').map(|p| i + p);
            match end {
                Some(e) => {
                    out.push(Cow::Borrowed(&line[i..e]));
                    i = e + 1;
                }
                None => {
                    out.push(Cow::Borrowed(&line[i..]));
                    return Ok(());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(s: &str) -> Result<Vec<String>, &'static str> {
        let mut v = Vec::new();
        split(s, &mut v)?;
        Ok(v.into_iter().map(|c| c.into_owned()).collect())
    }

    #[test]
    fn quoted_and_bare_fields_split_on_commas() {
        assert_eq!(
            fields(r#"4313,"娄底市",43"#).unwrap(),
            ["4313", "娄底市", "43"]
        );
        assert_eq!(fields(r#"1,"a,b","c""d""#).unwrap(), ["1", "a,b", "c\"d"]);
        assert_eq!(fields("a,,").unwrap(), ["a", "", ""]);
    }

    #[test]
    fn an_unclosed_quote_is_an_error() {
        assert!(fields(r#"1,"abc"#).is_err());
        assert!(fields(r#"1,"a"b"#).is_err());
    }

    #[test]
    fn lines_are_numbered_from_one_without_bom_or_line_ends() {
        let got: Vec<(u64, &[u8])> = lines(b"\xEF\xBB\xBFa\r\nb\n").collect();
        assert_eq!(got, vec![(1, &b"a"[..]), (2, &b"b"[..])]);
        let got: Vec<(u64, &[u8])> = lines(b"a\n\nb").collect();
        assert_eq!(got.len(), 3);
    }
}
