//! Known-answer tests of the national algorithms as Kesu builds them: the SM4 block cipher
//! (GB/T 32907-2016, appendix A), SM4 in GCM (RFC 8998, appendix A.1), SM3 (GB/T 32905-2016,
//! appendix A) and HMAC-SM3 checked against its RFC 2104 definition.

#![allow(clippy::unwrap_used, reason = "test helpers decode fixed hex vectors")]

use aes_gcm::aead::{Aead, KeyInit, Payload};
use kesu_pii::keys::{Sm4Gcm, hmac_sm3};
use sm3::{Digest, Sm3};
use sm4::cipher::{Array, BlockCipherEncrypt};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

#[test]
fn sm4_encrypts_the_standards_block() {
    let key = h("0123456789abcdeffedcba9876543210");
    let cipher = sm4::Sm4::new_from_slice(&key).unwrap();
    let mut block = Array::try_from(&key[..]).unwrap();
    cipher.encrypt_block(&mut block);
    assert_eq!(hex::encode(block), "681edf34d206965e86b3e94f536e4246");
}

#[test]
fn sm4_gcm_matches_rfc_8998() {
    let cipher = Sm4Gcm::new_from_slice(&h("0123456789ABCDEFFEDCBA9876543210")).unwrap();
    let nonce = Array::try_from(&h("00001234567800000000ABCD")[..]).unwrap();
    let aad = h("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2");
    let plain = h(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD\
                   EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
    );
    let sealed = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: &plain,
                aad: &aad,
            },
        )
        .unwrap();
    assert_eq!(
        hex::encode_upper(&sealed),
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735\
         D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D\
         83DE3541E4C2B58177E065A9BF7B62EC"
    );
}

#[test]
fn sm3_hashes_the_standards_examples() {
    assert_eq!(
        hex::encode(Sm3::digest(b"abc")),
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    );
    assert_eq!(
        hex::encode(Sm3::digest(b"abcd".repeat(16))),
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    );
}

#[test]
fn hmac_sm3_is_rfc_2104_over_sm3() {
    let key = b"kesu test key";
    let msg = b"11010519491231002X";
    let mut k = [0u8; 64];
    k[..key.len()].copy_from_slice(key);
    let inner = Sm3::new()
        .chain_update(k.map(|b| b ^ 0x36))
        .chain_update(msg)
        .finalize();
    let outer = Sm3::new()
        .chain_update(k.map(|b| b ^ 0x5c))
        .chain_update(inner)
        .finalize();
    assert_eq!(&*hmac_sm3(key, msg), outer.as_slice());
}
