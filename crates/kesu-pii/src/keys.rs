//! The key ring: encryption keys with ids, the blind-index root key, the key file, rotation.
//!
//! **Ciphertext layout** (stored as bytes): `[1 format][1 algorithm][2 key id, big-endian]
//! [12 nonce][ciphertext + 16-byte tag]`. The four header bytes and a *context* string (the
//! table and column, e.g. `ledger.id_number`) are the associated data, so a ciphertext cannot be
//! moved to another column nor its header edited to pick another key or algorithm.
//!
//! **Key file** (JSON; `kesu keys init` writes it with mode 0600, or it is given whole in the
//! environment variable `KESU_KEYS`):
//!
//! ```json
//! { "format": "kesu-keys/1", "current": 2,
//!   "keys": [ { "id": 1, "algorithm": "sm4-gcm", "key": "<base64, 16 bytes>", "created": "2026-12-07" },
//!             { "id": 2, "algorithm": "sm4-gcm", "key": "<base64>", "created": "2027-01-10" } ],
//!   "index": { "algorithm": "hmac-sm3", "key": "<base64, 32 bytes>" } }
//! ```
//!
//! **Rotation** adds a key and makes it current; old keys stay in the file so that old rows (and
//! backups) still decrypt, and [`KeyRing::reencrypt`] moves each row to the current key. The
//! blind-index key does not rotate with them: an index must stay equal for equal values, or
//! every lookup would miss until all rows were re-indexed.
//!
//! **Blind indexes**: the key for a purpose (`ledger.id_number`, `volunteers.phone`, …) is
//! HMAC(root, `"kesu/blind-index/v1/" + purpose`), so modules cannot be joined on their indexes;
//! the index is the HMAC of the normalised value under that key, cut to 16 bytes. We keep 128
//! bits (not CipherSweet's few bits) because the ledger de-duplicates a million rows on the
//! index alone; without the key the index only tells that two rows hold the same value.

use crate::error::{PiiError, Result};
use aes_gcm::aead::{Aead, AeadInOut, KeyInit, Payload};
use aes_gcm::aes::Aes256;
use aes_gcm::aes::cipher::consts::U12;
use aes_gcm::{AesGcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sm3::Sm3;
use sm4::Sm4;
use zeroize::{Zeroize, Zeroizing};

/// SM4 in GCM with a 96-bit nonce and a 128-bit tag (RFC 8998).
pub type Sm4Gcm = AesGcm<Sm4, U12>;
type Aes256Gcm = AesGcm<Aes256, U12>;

const FORMAT: u8 = 1;
const HEADER: usize = 4;
const NONCE: usize = 12;
const TAG: usize = 16;
/// Bytes of a blind index.
pub const INDEX_LEN: usize = 16;

/// An encryption algorithm, as named in the key file and coded in the ciphertext header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Algorithm {
    /// SM4-GCM (GB/T 32907 block cipher in GCM, as RFC 8998): the default, what 密评 expects.
    #[serde(rename = "sm4-gcm")]
    Sm4Gcm,
    /// AES-256-GCM: the configured alternative.
    #[serde(rename = "aes-256-gcm")]
    Aes256Gcm,
}

impl Algorithm {
    fn code(self) -> u8 {
        match self {
            Algorithm::Sm4Gcm => 1,
            Algorithm::Aes256Gcm => 2,
        }
    }

    fn from_code(c: u8) -> Option<Self> {
        match c {
            1 => Some(Algorithm::Sm4Gcm),
            2 => Some(Algorithm::Aes256Gcm),
            _ => None,
        }
    }

    pub fn key_len(self) -> usize {
        match self {
            Algorithm::Sm4Gcm => 16,
            Algorithm::Aes256Gcm => 32,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sm4Gcm => "sm4-gcm",
            Algorithm::Aes256Gcm => "aes-256-gcm",
        }
    }
}

/// A blind-index algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IndexAlgorithm {
    /// HMAC-SM3 (GB/T 32905 hash in HMAC): the default.
    #[serde(rename = "hmac-sm3")]
    HmacSm3,
    /// HMAC-SHA-256: the alternative.
    #[serde(rename = "hmac-sha256")]
    HmacSha256,
}

/// The national algorithms (SM4-GCM + HMAC-SM3) or the international ones (AES-256-GCM +
/// HMAC-SHA-256).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suite {
    Sm,
    Aes,
}

impl Suite {
    /// `sm` (also `sm4`, `gm`, `国密`) or `aes`.
    pub fn parse(s: &str) -> Option<Suite> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sm" | "sm4" | "sm4-gcm" | "gm" | "国密" => Some(Suite::Sm),
            "aes" | "aes-256-gcm" | "aes256" => Some(Suite::Aes),
            _ => None,
        }
    }

    pub fn algorithm(self) -> Algorithm {
        match self {
            Suite::Sm => Algorithm::Sm4Gcm,
            Suite::Aes => Algorithm::Aes256Gcm,
        }
    }

    fn index(self) -> IndexAlgorithm {
        match self {
            Suite::Sm => IndexAlgorithm::HmacSm3,
            Suite::Aes => IndexAlgorithm::HmacSha256,
        }
    }
}

/// The key file as stored.
#[derive(Serialize, Deserialize)]
struct KeyFile {
    format: String,
    current: u16,
    keys: Vec<KeyEntry>,
    index: IndexEntry,
}

#[derive(Serialize, Deserialize)]
struct KeyEntry {
    id: u16,
    algorithm: Algorithm,
    key: String,
    #[serde(default)]
    created: String,
}

#[derive(Serialize, Deserialize)]
struct IndexEntry {
    algorithm: IndexAlgorithm,
    key: String,
}

enum Cipher {
    Sm4(Box<Sm4Gcm>),
    Aes(Box<Aes256Gcm>),
}

struct DataKey {
    id: u16,
    algorithm: Algorithm,
    created: String,
    material: Zeroizing<Vec<u8>>,
    cipher: Cipher,
}

/// The keys of one installation. `Debug` shows ids and algorithms, never key material.
pub struct KeyRing {
    current: u16,
    keys: Vec<DataKey>,
    index_algorithm: IndexAlgorithm,
    index_key: Zeroizing<Vec<u8>>,
    nonces: std::sync::Mutex<Nonces>,
}

/// Random nonces drawn from the operating system 4 KiB at a time: one system call per 341
/// encryptions instead of one each (a million-row import encrypts three million values).
struct Nonces {
    buf: [u8; 4092],
    pos: usize,
}

impl Nonces {
    fn new() -> Self {
        Nonces {
            buf: [0; 4092],
            pos: 4092,
        }
    }

    fn next(&mut self) -> Result<[u8; NONCE]> {
        if self.pos + NONCE > self.buf.len() {
            getrandom::fill(&mut self.buf).map_err(|_| PiiError::Random)?;
            self.pos = 0;
        }
        let mut n = [0u8; NONCE];
        n.copy_from_slice(&self.buf[self.pos..self.pos + NONCE]);
        // A nonce is handed out once: wipe it from the buffer.
        self.buf[self.pos..self.pos + NONCE].fill(0);
        self.pos += NONCE;
        Ok(n)
    }
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("current", &self.current)
            .field(
                "keys",
                &self
                    .keys
                    .iter()
                    .map(|k| (k.id, k.algorithm.name()))
                    .collect::<Vec<_>>(),
            )
            .field("index", &self.index_algorithm)
            .finish()
    }
}

fn random(len: usize) -> Result<Zeroizing<Vec<u8>>> {
    let mut v = Zeroizing::new(vec![0u8; len]);
    getrandom::fill(&mut v).map_err(|_| PiiError::Random)?;
    Ok(v)
}

fn data_key(
    id: u16,
    algorithm: Algorithm,
    material: Zeroizing<Vec<u8>>,
    created: String,
) -> Result<DataKey> {
    if material.len() != algorithm.key_len() {
        return Err(PiiError::KeyFile(format!(
            "密钥 {id} 长度应为 {} 字节 (key {id} must be {} bytes)",
            algorithm.key_len(),
            algorithm.key_len()
        )));
    }
    let bad = |_| PiiError::KeyFile(format!("密钥 {id} 无效 (key {id} invalid)"));
    let cipher = match algorithm {
        Algorithm::Sm4Gcm => Cipher::Sm4(Box::new(Sm4Gcm::new_from_slice(&material).map_err(bad)?)),
        Algorithm::Aes256Gcm => {
            Cipher::Aes(Box::new(Aes256Gcm::new_from_slice(&material).map_err(bad)?))
        }
    };
    Ok(DataKey {
        id,
        algorithm,
        created,
        material,
        cipher,
    })
}

impl KeyRing {
    /// A new ring with one fresh key (id 1) and a fresh blind-index key. `created` is a date
    /// for the file (the caller's clock: this crate has none).
    pub fn generate(suite: Suite, created: &str) -> Result<KeyRing> {
        let algorithm = suite.algorithm();
        let key = data_key(
            1,
            algorithm,
            random(algorithm.key_len())?,
            created.to_string(),
        )?;
        Ok(KeyRing {
            current: 1,
            keys: vec![key],
            index_algorithm: suite.index(),
            index_key: random(32)?,
            nonces: std::sync::Mutex::new(Nonces::new()),
        })
    }

    /// Reads a key file (or the content of `KESU_KEYS`).
    pub fn from_json(bytes: &[u8]) -> Result<KeyRing> {
        let file: KeyFile = serde_json::from_slice(bytes).map_err(|e| {
            PiiError::KeyFile(format!("不是有效的密钥文件 JSON (not key-file JSON): {e}"))
        })?;
        if file.format != "kesu-keys/1" {
            return Err(PiiError::KeyFile(format!(
                "未知格式 {} (unknown format; expected kesu-keys/1)",
                file.format
            )));
        }
        let mut keys = Vec::with_capacity(file.keys.len());
        for k in &file.keys {
            if keys.iter().any(|d: &DataKey| d.id == k.id) {
                return Err(PiiError::KeyFile(format!(
                    "密钥编号 {} 重复 (duplicate key id)",
                    k.id
                )));
            }
            let material = Zeroizing::new(B64.decode(k.key.trim()).map_err(|_| {
                PiiError::KeyFile(format!("密钥 {} 不是 base64 (key is not base64)", k.id))
            })?);
            keys.push(data_key(k.id, k.algorithm, material, k.created.clone())?);
        }
        if !keys.iter().any(|k| k.id == file.current) {
            return Err(PiiError::KeyFile(format!(
                "当前密钥 {} 不在文件中 (current key not in the file)",
                file.current
            )));
        }
        let index_key = Zeroizing::new(B64.decode(file.index.key.trim()).map_err(|_| {
            PiiError::KeyFile("索引密钥不是 base64 (index key is not base64)".into())
        })?);
        if index_key.len() < 32 {
            return Err(PiiError::KeyFile(
                "索引密钥至少 32 字节 (index key: at least 32 bytes)".into(),
            ));
        }
        Ok(KeyRing {
            current: file.current,
            keys,
            index_algorithm: file.index.algorithm,
            index_key,
            nonces: std::sync::Mutex::new(Nonces::new()),
        })
    }

    /// The key file's text (pretty JSON). It holds the keys in clear: write it with mode 0600.
    pub fn to_json(&self) -> Zeroizing<String> {
        let file = KeyFile {
            format: "kesu-keys/1".into(),
            current: self.current,
            keys: self
                .keys
                .iter()
                .map(|k| KeyEntry {
                    id: k.id,
                    algorithm: k.algorithm,
                    key: B64.encode(&*k.material),
                    created: k.created.clone(),
                })
                .collect(),
            index: IndexEntry {
                algorithm: self.index_algorithm,
                key: B64.encode(&*self.index_key),
            },
        };
        // Serialising these plain structs cannot fail.
        let s = serde_json::to_string_pretty(&file).unwrap_or_default();
        let mut file = file;
        for k in &mut file.keys {
            k.key.zeroize();
        }
        file.index.key.zeroize();
        Zeroizing::new(s)
    }

    /// The id of the key that encrypts.
    pub fn current_id(&self) -> u16 {
        self.current
    }

    /// `(id, algorithm, created)` of every key, for `kesu keys` listings.
    pub fn key_ids(&self) -> Vec<(u16, Algorithm, String)> {
        self.keys
            .iter()
            .map(|k| (k.id, k.algorithm, k.created.clone()))
            .collect()
    }

    /// Adds a fresh key (with the current key's algorithm unless `algorithm` says otherwise)
    /// and makes it current. Returns its id.
    pub fn rotate(&mut self, algorithm: Option<Algorithm>, created: &str) -> Result<u16> {
        let algorithm = algorithm.unwrap_or_else(|| self.current_key().algorithm);
        let id = self
            .keys
            .iter()
            .map(|k| k.id)
            .max()
            .unwrap_or(0)
            .checked_add(1)
            .ok_or_else(|| PiiError::KeyFile("密钥编号已用尽 (no key ids left)".into()))?;
        self.keys.push(data_key(
            id,
            algorithm,
            random(algorithm.key_len())?,
            created.to_string(),
        )?);
        self.current = id;
        Ok(id)
    }

    fn current_key(&self) -> &DataKey {
        // `current` is checked to be in `keys` by every constructor.
        self.keys
            .iter()
            .find(|k| k.id == self.current)
            .unwrap_or(&self.keys[0])
    }

    /// Encrypts `plaintext` with the current key; `context` (table and column) is bound to it.
    pub fn encrypt(&self, context: &str, plaintext: &[u8]) -> Result<Vec<u8>> {
        let key = self.current_key();
        let nonce = match self.nonces.lock() {
            Ok(mut n) => n.next()?,
            // Another thread panicked holding the lock: draw this nonce directly.
            Err(_) => {
                let mut n = [0u8; NONCE];
                getrandom::fill(&mut n).map_err(|_| PiiError::Random)?;
                n
            }
        };
        let header = [
            FORMAT,
            key.algorithm.code(),
            (key.id >> 8) as u8,
            key.id as u8,
        ];
        // Sealed in place in the output (header, nonce, then the plaintext becomes the
        // ciphertext, then the tag): one allocation, the plaintext copied once. A bulk import
        // encrypts three values a row.
        let mut out = Vec::with_capacity(HEADER + NONCE + plaintext.len() + TAG);
        out.extend_from_slice(&header);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plaintext);
        let n = Nonce::<U12>::from(nonce);
        let body = &mut out[HEADER + NONCE..];
        let mut aad_buf = [0u8; 64];
        let aad_vec;
        let aad: &[u8] = if HEADER + context.len() <= aad_buf.len() {
            aad_buf[..HEADER].copy_from_slice(&header);
            aad_buf[HEADER..HEADER + context.len()].copy_from_slice(context.as_bytes());
            &aad_buf[..HEADER + context.len()]
        } else {
            aad_vec = aad(&header, context);
            &aad_vec
        };
        let sealed = match &key.cipher {
            Cipher::Sm4(c) => c.encrypt_inout_detached(&n, aad, body.into()),
            Cipher::Aes(c) => c.encrypt_inout_detached(&n, aad, body.into()),
        };
        let Ok(tag) = sealed else {
            // Not sealed: the buffer may still hold the plaintext.
            out.zeroize();
            return Err(PiiError::Decrypt);
        };
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// Decrypts with whichever known key the ciphertext names.
    pub fn decrypt(&self, context: &str, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        if ciphertext.len() < HEADER + NONCE + TAG || ciphertext[0] != FORMAT {
            return Err(PiiError::Malformed);
        }
        let algorithm = Algorithm::from_code(ciphertext[1]).ok_or(PiiError::Malformed)?;
        let id = key_id(ciphertext).ok_or(PiiError::Malformed)?;
        let key = self
            .keys
            .iter()
            .find(|k| k.id == id)
            .ok_or(PiiError::UnknownKey(id))?;
        if key.algorithm != algorithm {
            return Err(PiiError::Decrypt);
        }
        let aad = aad(&ciphertext[..HEADER], context);
        let mut nonce = [0u8; NONCE];
        nonce.copy_from_slice(&ciphertext[HEADER..HEADER + NONCE]);
        let n = Nonce::<U12>::from(nonce);
        let payload = Payload {
            msg: &ciphertext[HEADER + NONCE..],
            aad: &aad,
        };
        match &key.cipher {
            Cipher::Sm4(c) => c.decrypt(&n, payload),
            Cipher::Aes(c) => c.decrypt(&n, payload),
        }
        .map(Zeroizing::new)
        .map_err(|_| PiiError::Decrypt)
    }

    /// [`KeyRing::encrypt`] of a string.
    pub fn encrypt_str(&self, context: &str, plaintext: &str) -> Result<Vec<u8>> {
        self.encrypt(context, plaintext.as_bytes())
    }

    /// [`KeyRing::decrypt`] to a string.
    pub fn decrypt_string(&self, context: &str, ciphertext: &[u8]) -> Result<Zeroizing<String>> {
        let bytes = self.decrypt(context, ciphertext)?;
        String::from_utf8(bytes.to_vec())
            .map(Zeroizing::new)
            .map_err(|_| PiiError::Malformed)
    }

    /// Whether `ciphertext` is already under the current key (rotation skips it).
    pub fn is_current(&self, ciphertext: &[u8]) -> bool {
        key_id(ciphertext) == Some(self.current)
    }

    /// The same plaintext under the current key (rotation). Already current: returned as is.
    pub fn reencrypt(&self, context: &str, ciphertext: &[u8]) -> Result<Vec<u8>> {
        if self.is_current(ciphertext) {
            return Ok(ciphertext.to_vec());
        }
        let plain = self.decrypt(context, ciphertext)?;
        self.encrypt(context, &plain)
    }

    /// The blind indexer of one purpose (`ledger.id_number`, `ledger.phone`, …). Build it once
    /// and reuse it: it holds the keyed HMAC state.
    pub fn blind_indexer(&self, purpose: &str) -> BlindIndexer {
        let label = format!("kesu/blind-index/v1/{purpose}");
        let inner = match self.index_algorithm {
            IndexAlgorithm::HmacSm3 => {
                let key = hmac_sm3(&self.index_key, label.as_bytes());
                Indexer::Sm3(Box::new(keyed::<Sm3>(&key)))
            }
            IndexAlgorithm::HmacSha256 => {
                let key = hmac_sha256(&self.index_key, label.as_bytes());
                Indexer::Sha256(Box::new(keyed::<sha2::Sha256>(&key)))
            }
        };
        BlindIndexer { inner }
    }
}

/// The first [`INDEX_LEN`] bytes of a MAC (both MACs are 32 bytes long).
fn cut(full: &[u8]) -> BlindIndex {
    let mut out = [0u8; INDEX_LEN];
    out.copy_from_slice(&full[..INDEX_LEN]);
    out
}

fn key_id(ciphertext: &[u8]) -> Option<u16> {
    (ciphertext.len() >= HEADER).then(|| u16::from_be_bytes([ciphertext[2], ciphertext[3]]))
}

fn aad(header: &[u8], context: &str) -> Vec<u8> {
    let mut a = Vec::with_capacity(header.len() + context.len());
    a.extend_from_slice(header);
    a.extend_from_slice(context.as_bytes());
    a
}

fn keyed<D>(key: &[u8]) -> Hmac<D>
where
    D: hmac::EagerHash,
    Hmac<D>: KeyInitMac,
{
    <Hmac<D> as KeyInitMac>::with_key(key)
}

/// HMAC accepts keys of any length, so keying cannot fail; this trait says so once.
trait KeyInitMac: Sized {
    fn with_key(key: &[u8]) -> Self;
}

impl<D: hmac::EagerHash> KeyInitMac for Hmac<D>
where
    Hmac<D>: hmac::digest::KeyInit,
{
    fn with_key(key: &[u8]) -> Self {
        match <Self as hmac::digest::KeyInit>::new_from_slice(key) {
            Ok(m) => m,
            // Unreachable for HMAC (any key length is valid); an empty key keeps it total.
            Err(_) => <Self as hmac::digest::KeyInit>::new(&Default::default()),
        }
    }
}

/// HMAC-SM3 of `msg` under `key` (GB/T 32905 hash in RFC 2104 HMAC).
pub fn hmac_sm3(key: &[u8], msg: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut m = keyed::<Sm3>(key);
    m.update(msg);
    Zeroizing::new(m.finalize().into_bytes().to_vec())
}

/// HMAC-SHA-256 of `msg` under `key`.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut m = keyed::<sha2::Sha256>(key);
    m.update(msg);
    Zeroizing::new(m.finalize().into_bytes().to_vec())
}

enum Indexer {
    Sm3(Box<Hmac<Sm3>>),
    Sha256(Box<Hmac<sha2::Sha256>>),
}

/// A blind index: 16 bytes of a keyed HMAC of a normalised value.
pub type BlindIndex = [u8; INDEX_LEN];

/// Computes blind indexes for one purpose (see [`KeyRing::blind_indexer`]).
pub struct BlindIndexer {
    inner: Indexer,
}

impl std::fmt::Debug for BlindIndexer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlindIndexer(..)")
    }
}

impl BlindIndexer {
    /// The index of `normalised` (the caller normalises: [`crate::IdNumber::as_str`],
    /// [`crate::Phone::as_str`]).
    pub fn index(&self, normalised: &str) -> BlindIndex {
        match &self.inner {
            Indexer::Sm3(m) => {
                let mut m = (**m).clone();
                m.update(normalised.as_bytes());
                let full = m.finalize().into_bytes();
                cut(&full)
            }
            Indexer::Sha256(m) => {
                let mut m = (**m).clone();
                m.update(normalised.as_bytes());
                let full = m.finalize().into_bytes();
                cut(&full)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(suite: Suite) -> KeyRing {
        KeyRing::generate(suite, "2026-12-07").unwrap()
    }

    #[test]
    fn a_ciphertext_round_trips_and_names_its_key() {
        for suite in [Suite::Sm, Suite::Aes] {
            let r = ring(suite);
            let ct = r
                .encrypt_str("ledger.id_number", "11010519491231002X")
                .unwrap();
            assert_eq!(ct[1], suite.algorithm().code());
            assert_eq!(key_id(&ct), Some(1));
            assert_eq!(
                &*r.decrypt_string("ledger.id_number", &ct).unwrap(),
                "11010519491231002X"
            );
        }
    }

    #[test]
    fn the_same_value_encrypts_differently_each_time() {
        let r = ring(Suite::Sm);
        assert_ne!(
            r.encrypt_str("c", "x").unwrap(),
            r.encrypt_str("c", "x").unwrap()
        );
    }

    #[test]
    fn nonces_never_repeat_across_buffer_refills() {
        let r = ring(Suite::Sm);
        let nonces: std::collections::HashSet<Vec<u8>> = (0..1000)
            .map(|_| r.encrypt_str("c", "x").unwrap()[HEADER..HEADER + NONCE].to_vec())
            .collect();
        assert_eq!(nonces.len(), 1000);
    }

    #[test]
    fn another_context_or_an_edited_header_does_not_decrypt() {
        let r = ring(Suite::Sm);
        let ct = r.encrypt_str("ledger.id_number", "v").unwrap();
        assert_eq!(r.decrypt("ledger.phone", &ct), Err(PiiError::Decrypt));
        let mut edited = ct.clone();
        edited[3] = 2;
        assert_eq!(
            r.decrypt("ledger.id_number", &edited),
            Err(PiiError::UnknownKey(2))
        );
        let mut flipped = ct;
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert_eq!(
            r.decrypt("ledger.id_number", &flipped),
            Err(PiiError::Decrypt)
        );
    }

    #[test]
    fn rotation_keeps_old_rows_readable_and_reencrypts_to_the_new_key() {
        let mut r = ring(Suite::Sm);
        let old = r.encrypt_str("c", "13800135678").unwrap();
        let id = r.rotate(None, "2027-01-01").unwrap();
        assert_eq!(id, 2);
        assert!(!r.is_current(&old));
        let new = r.reencrypt("c", &old).unwrap();
        assert!(r.is_current(&new));
        assert_eq!(&*r.decrypt_string("c", &new).unwrap(), "13800135678");
        assert_eq!(&*r.decrypt_string("c", &old).unwrap(), "13800135678");
    }

    #[test]
    fn the_key_file_round_trips_and_keeps_indexes_equal() {
        let mut r = ring(Suite::Sm);
        r.rotate(Some(Algorithm::Aes256Gcm), "2027-01-01").unwrap();
        let ct = r.encrypt_str("c", "v").unwrap();
        let again = KeyRing::from_json(r.to_json().as_bytes()).unwrap();
        assert_eq!(again.current_id(), 2);
        assert_eq!(&*again.decrypt_string("c", &ct).unwrap(), "v");
        assert_eq!(
            r.blind_indexer("p").index("v"),
            again.blind_indexer("p").index("v")
        );
    }

    #[test]
    fn a_bad_key_file_says_what_is_wrong() {
        assert!(matches!(
            KeyRing::from_json(b"{}"),
            Err(PiiError::KeyFile(_))
        ));
        let text = ring(Suite::Sm)
            .to_json()
            .replace("\"current\": 1", "\"current\": 9");
        let err = KeyRing::from_json(text.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("当前密钥 9"), "{err}");
    }

    #[test]
    fn debug_shows_no_key_material() {
        let r = ring(Suite::Sm);
        let json = r.to_json();
        let key: serde_json::Value = serde_json::from_str(&json).unwrap();
        let material = key["keys"][0]["key"].as_str().unwrap().to_string();
        assert!(!format!("{r:?}").contains(&material));
    }

    #[test]
    fn blind_indexes_differ_by_purpose_and_by_key() {
        let r = ring(Suite::Sm);
        let a = r.blind_indexer("ledger.id_number");
        let b = r.blind_indexer("volunteers.id_number");
        assert_eq!(a.index("x"), a.index("x"));
        assert_ne!(a.index("x"), b.index("x"));
        assert_ne!(
            a.index("x"),
            ring(Suite::Sm).blind_indexer("ledger.id_number").index("x")
        );
    }
}
