//! Booking codes: short enough to read out and type at a door, hard to guess, and printed as a
//! QR code the server draws.
//!
//! A code is 8 random symbols of Crockford's base-32 alphabet (no I, L, O, U: nothing to confuse
//! with 1 or 0) and one check symbol, shown in three groups: `K7Q-M3X-PAC`. 40 random bits make
//! a code unguessable at any rate the check-in throttle allows (a million live bookings leave one
//! chance in a million per guess). The check symbol (a weighted sum modulo 31, a prime) catches
//! every single mistyped symbol and every swap of two neighbours, so a typo is answered "not a
//! valid code" before any lookup. Reading forgives case, spaces, dashes and the look-alikes
//! O→0, I/L→1.

use crate::error::{Result, ServicesError};

/// Crockford's base-32 alphabet.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Random symbols in a code.
pub const RANDOM_LEN: usize = 8;
/// Random bytes needed for one code (40 bits).
pub const RANDOM_BYTES: usize = 5;

/// A well-formed booking code, in its canonical form (9 symbols, no dashes).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code(String);

impl Code {
    /// A new code from 5 random bytes (the caller draws them: this crate does no I/O).
    pub fn from_random(bytes: [u8; RANDOM_BYTES]) -> Code {
        let mut bits: u64 = 0;
        for b in bytes {
            bits = (bits << 8) | u64::from(b);
        }
        let mut body = [0u8; RANDOM_LEN];
        for (i, slot) in body.iter_mut().enumerate() {
            let shift = 5 * (RANDOM_LEN - 1 - i);
            *slot = ALPHABET[((bits >> shift) & 31) as usize];
        }
        let mut s = String::with_capacity(RANDOM_LEN + 1);
        s.extend(body.iter().map(|&b| char::from(b)));
        s.push(check_symbol(&body));
        Code(s)
    }

    /// Read a code as typed or scanned. Errors say what is wrong without telling whether such a
    /// booking exists.
    pub fn parse(input: &str) -> Result<Code> {
        let mut out = Vec::with_capacity(RANDOM_LEN + 1);
        for c in input.chars() {
            let c = match c.to_ascii_uppercase() {
                ' ' | '-' | '\u{3000}' | '－' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
                return Err(ServicesError::invalid(
                    "code",
                    "预约码只含数字和字母，请核对 (a code has letters and digits only)",
                ));
            }
            out.push(c as u8);
            if out.len() > RANDOM_LEN + 1 {
                break;
            }
        }
        if out.len() != RANDOM_LEN + 1 {
            return Err(ServicesError::invalid(
                "code",
                "预约码应为 9 位，如 K7Q-M3X-PAC (a code has 9 symbols)",
            ));
        }
        let (body, check) = out.split_at(RANDOM_LEN);
        if check_symbol(body) as u8 != check[0] {
            return Err(ServicesError::invalid(
                "code",
                "预约码有误，请核对后重新输入 (the code does not check out; a symbol is mistyped)",
            ));
        }
        Ok(Code(out.iter().map(|&b| char::from(b)).collect()))
    }

    /// The canonical form (stored, looked up): `K7QM3XPAC`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form for people: `K7Q-M3X-PAC`.
    pub fn display(&self) -> String {
        let s = &self.0;
        format!("{}-{}-{}", &s[0..3], &s[3..6], &s[6..9])
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

fn value(symbol: u8) -> u32 {
    ALPHABET.iter().position(|&a| a == symbol).unwrap_or(0) as u32
}

/// Σ (i+1)·v(i) mod 31, as a symbol. Weights 1..8 are distinct and non-zero modulo the prime 31,
/// so one changed symbol or two swapped neighbours change the sum (except the pair 0/Z, whose
/// values differ by exactly 31).
fn check_symbol(body: &[u8]) -> char {
    let sum: u32 = body
        .iter()
        .enumerate()
        .map(|(i, &b)| (i as u32 + 1) * value(b))
        .sum();
    char::from(ALPHABET[(sum % 31) as usize])
}

/// A QR code of `text` as an SVG document (no external resources, so it renders under a strict
/// content-security policy and prints sharp at any size).
pub fn qr_svg(text: &str) -> Result<String> {
    let qr = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| ServicesError::invalid("code", format!("无法生成二维码：{e} (QR failed)")))?;
    Ok(qr
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_code_is_nine_symbols_shown_in_three_groups() {
        let c = Code::from_random([1, 2, 3, 4, 5]);
        assert_eq!(c.as_str().len(), 9);
        assert_eq!(c.display().len(), 11);
        assert_eq!(Code::parse(&c.display()).unwrap(), c);
    }

    #[test]
    fn reading_forgives_case_dashes_spaces_and_look_alikes() {
        let c = Code::from_random([0, 0, 0, 0, 7]);
        let typed = c.as_str().to_ascii_lowercase().replace('0', "o");
        assert_eq!(Code::parse(&format!(" {typed} ")).unwrap(), c);
    }

    #[test]
    fn a_wrong_length_or_a_foreign_symbol_is_refused_with_a_reason() {
        assert!(Code::parse("ABC").unwrap_err().to_string().contains("9 位"));
        assert!(Code::parse("K7Q-M3X-PA#").is_err());
        assert!(Code::parse("").is_err());
    }

    #[test]
    fn the_qr_is_an_svg_document() {
        let svg = qr_svg("K7QM3XPAC").unwrap();
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
        assert!(!svg.contains("http://") || svg.contains("xmlns"));
    }

    proptest! {
        #[test]
        fn every_code_reads_back(bytes in any::<[u8; 5]>()) {
            let c = Code::from_random(bytes);
            prop_assert_eq!(Code::parse(c.as_str()).unwrap(), c);
        }

        #[test]
        fn one_mistyped_symbol_is_caught(bytes in any::<[u8; 5]>(), pos in 0usize..9, sym in 0usize..32) {
            let c = Code::from_random(bytes);
            let mut s: Vec<u8> = c.as_str().bytes().collect();
            let old = s[pos];
            let new = ALPHABET[sym];
            // 0 and Z differ by exactly the modulus: the one pair the check cannot see.
            let blind = (old == b'0' && new == b'Z') || (old == b'Z' && new == b'0');
            prop_assume!(new != old && !blind);
            s[pos] = new;
            prop_assert!(Code::parse(std::str::from_utf8(&s).unwrap()).is_err());
        }

        #[test]
        fn two_swapped_neighbours_are_caught(bytes in any::<[u8; 5]>(), pos in 0usize..7) {
            let c = Code::from_random(bytes);
            let mut s: Vec<u8> = c.as_str().bytes().collect();
            prop_assume!(s[pos] != s[pos + 1]);
            let diff = (value(s[pos]) as i64 - value(s[pos + 1]) as i64).abs();
            prop_assume!(diff != 31);
            s.swap(pos, pos + 1);
            prop_assert!(Code::parse(std::str::from_utf8(&s).unwrap()).is_err());
        }
    }
}
