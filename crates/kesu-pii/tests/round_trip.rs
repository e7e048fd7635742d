//! Properties: whatever is encrypted decrypts to itself under either suite and after rotation;
//! masks never contain the middle of what they hide; every valid ID number parses.

use kesu_pii::id_number::check_character;
use kesu_pii::{IdNumber, KeyRing, Suite, mask};
use proptest::prelude::*;
use time::macros::date;

proptest! {
    #[test]
    fn anything_encrypted_decrypts_to_itself(plain in proptest::collection::vec(any::<u8>(), 0..300),
                                              aes in any::<bool>(), ctx in "[a-z._]{0,20}") {
        let suite = if aes { Suite::Aes } else { Suite::Sm };
        let mut ring = KeyRing::generate(suite, "2026-12-07").unwrap();
        let ct = ring.encrypt(&ctx, &plain).unwrap();
        prop_assert_eq!(&ring.decrypt(&ctx, &ct).unwrap()[..], &plain[..]);
        ring.rotate(None, "2027-01-01").unwrap();
        let moved = ring.reencrypt(&ctx, &ct).unwrap();
        prop_assert!(ring.is_current(&moved));
        prop_assert_eq!(&ring.decrypt(&ctx, &moved).unwrap()[..], &plain[..]);
    }

    #[test]
    fn a_masked_id_hides_its_eleven_middle_digits(d in "[0-9]{18}") {
        let m = mask::id_number(&d);
        prop_assert_eq!(m.len(), 18);
        prop_assert_eq!(&m[..3], &d[..3]);
        prop_assert_eq!(&m[3..14], "***********");
        prop_assert_eq!(&m[14..], &d[14..]);
    }

    #[test]
    fn every_number_with_a_valid_check_digit_and_date_parses(
        prov in prop::sample::select(vec!["11", "43", "50", "65"]),
        y in 1920i32..2020, m in 1u8..=12, d in 1u8..=28, seq in 0u32..1000) {
        let first = format!("{prov}0102{y:04}{m:02}{d:02}{seq:03}");
        let mut a = [0u8; 17];
        a.copy_from_slice(first.as_bytes());
        let s = format!("{first}{}", check_character(&a) as char);
        let id = IdNumber::parse(&s, date!(2026 - 12 - 07)).unwrap();
        prop_assert_eq!(id.as_str(), s.as_str());
        prop_assert_eq!(id.birth_date().year(), y);
    }
}
