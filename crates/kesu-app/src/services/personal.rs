//! The services' personal data at rest: AES-256-GCM per value (the field's name as associated
//! data, a fresh nonce each time) and HMAC-SHA256 blind indexes, both under keys derived from
//! one root key.
//!
//! **Interim.** The citizens' ledger brings the shared personal-data crate (SM4-GCM or
//! AES-GCM, key rotation, reveal auditing); when it lands, [`Vault`] is replaced by its type
//! behind the same [`Sealer`] trait and nothing else in the services changes. Until then the
//! root key comes from `KESU_PII_KEY` (64 hex digits), else from `pii.key` in the data directory
//! (created, readable by the owner only, on first use). Values sealed under one key cannot be
//! opened under another: keep the key file with the database's backups, and apart from them.

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use hmac::{Hmac, Mac};
use kesu_services::ServicesError;
use kesu_services::personal::{Field, Sealer};
use sha2::Sha256;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The version byte in front of every sealed value.
const FORMAT: u8 = 1;

/// The keys of the services' personal data.
pub struct Vault {
    cipher: Aes256Gcm,
    blind_key: [u8; 32],
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(…)")
    }
}

fn derive(root: &[u8; 32], label: &str) -> [u8; 32] {
    // HMAC as a one-block key derivation: independent keys for encryption and indexes.
    let mut m =
        <Hmac<Sha256> as KeyInit>::new_from_slice(root).unwrap_or_else(|_| unreachable_hmac());
    m.update(label.as_bytes());
    m.finalize().into_bytes().into()
}

/// HMAC takes keys of any length; this never runs.
fn unreachable_hmac() -> Hmac<Sha256> {
    <Hmac<Sha256> as KeyInit>::new(&Default::default())
}

fn broken(msg: &str) -> ServicesError {
    ServicesError::invalid(
        "personal",
        format!("个人信息加解密失败：{msg} (personal data)"),
    )
}

impl Vault {
    /// A vault under `root`.
    pub fn new(root: [u8; 32]) -> Vault {
        let enc = derive(&root, "kesu.services.encryption.v1");
        let cipher = <Aes256Gcm as KeyInit>::new(&enc.into());
        Vault {
            cipher,
            blind_key: derive(&root, "kesu.services.blind-index.v1"),
        }
    }

    /// A vault with a random key (tests; data sealed with it dies with the process).
    pub fn ephemeral() -> Result<Vault, ServicesError> {
        let mut root = [0u8; 32];
        getrandom::fill(&mut root).map_err(|e| broken(&e.to_string()))?;
        Ok(Vault::new(root))
    }
}

impl Sealer for Vault {
    fn seal(&self, field: Field, plain: &str) -> kesu_services::Result<Vec<u8>> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| broken(&e.to_string()))?;
        let ct = self
            .cipher
            .encrypt(
                &nonce.into(),
                Payload {
                    msg: plain.as_bytes(),
                    aad: field.as_str().as_bytes(),
                },
            )
            .map_err(|_| broken("encrypt"))?;
        let mut out = Vec::with_capacity(1 + 12 + ct.len());
        out.push(FORMAT);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    fn open(&self, field: Field, sealed: &[u8]) -> kesu_services::Result<String> {
        if sealed.len() < 1 + 12 + 16 || sealed[0] != FORMAT {
            return Err(broken("格式不符"));
        }
        let nonce: [u8; 12] = sealed[1..13].try_into().map_err(|_| broken("nonce"))?;
        let plain = self
            .cipher
            .decrypt(
                &nonce.into(),
                Payload {
                    msg: &sealed[13..],
                    aad: field.as_str().as_bytes(),
                },
            )
            .map_err(|_| broken("密钥或字段不符 (wrong key or field)"))?;
        String::from_utf8(plain).map_err(|_| broken("utf-8"))
    }

    fn blind(&self, field: Field, normalised: &str) -> String {
        let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.blind_key)
            .unwrap_or_else(|_| unreachable_hmac());
        m.update(field.as_str().as_bytes());
        m.update(&[0]);
        m.update(normalised.as_bytes());
        let tag = m.finalize().into_bytes();
        // 128 bits: a lookup key, not a secret; short enough for an index.
        tag[..16].iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The environment variable holding the root key (64 hex digits).
pub const KEY_VAR: &str = "KESU_PII_KEY";
/// The key file's name in the data directory.
pub const KEY_FILE: &str = "pii.key";

fn parse_hex(s: &str) -> Option<[u8; 32]> {
    let s = s.trim();
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// The root key: `KESU_PII_KEY`, else `<data_dir>/pii.key` (created when missing).
fn load_root(data_dir: &Path) -> Result<[u8; 32], ServicesError> {
    if let Ok(v) = std::env::var(KEY_VAR)
        && !v.trim().is_empty()
    {
        return parse_hex(&v)
            .ok_or_else(|| broken(&format!("{KEY_VAR} 应为 64 位十六进制 (64 hex digits)")));
    }
    let path = data_dir.join(KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_hex(&text)
            .ok_or_else(|| broken(&format!("{} 内容无效 (bad key file)", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut root = [0u8; 32];
            getrandom::fill(&mut root).map_err(|e| broken(&e.to_string()))?;
            let hex: String = root.iter().map(|b| format!("{b:02x}")).collect();
            std::fs::create_dir_all(data_dir)
                .map_err(|e| broken(&format!("{}: {e}", data_dir.display())))?;
            write_private(&path, &hex)?;
            Ok(root)
        }
        Err(e) => Err(broken(&format!("{}: {e}", path.display()))),
    }
}

fn write_private(path: &Path, text: &str) -> Result<(), ServicesError> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .map_err(|e| broken(&format!("{}: {e}", path.display())))?;
    f.write_all(text.as_bytes())
        .map_err(|e| broken(&format!("{}: {e}", path.display())))
}

static VAULTS: Mutex<Option<HashMap<PathBuf, Arc<Vault>>>> = Mutex::new(None);

/// The vault of a data directory (loaded once per process).
pub fn vault_for(data_dir: &Path) -> Result<Arc<Vault>, ServicesError> {
    let mut guard = VAULTS.lock().map_err(|_| broken("lock"))?;
    let map = guard.get_or_insert_with(HashMap::new);
    if let Some(v) = map.get(data_dir) {
        return Ok(v.clone());
    }
    let v = Arc::new(Vault::new(load_root(data_dir)?));
    map.insert(data_dir.to_path_buf(), v.clone());
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_opens_under_its_key_and_field_only() {
        let v = Vault::ephemeral().unwrap();
        let s = v.seal(Field::Phone, "13812345678").unwrap();
        assert_eq!(v.open(Field::Phone, &s).unwrap(), "13812345678");
        assert!(v.open(Field::Name, &s).is_err());
        assert!(Vault::ephemeral().unwrap().open(Field::Phone, &s).is_err());
        assert!(!String::from_utf8_lossy(&s).contains("138"));
    }

    #[test]
    fn equal_values_seal_differently_but_index_alike() {
        let v = Vault::ephemeral().unwrap();
        assert_ne!(
            v.seal(Field::Phone, "13812345678").unwrap(),
            v.seal(Field::Phone, "13812345678").unwrap()
        );
        assert_eq!(
            v.blind(Field::Phone, "13812345678"),
            v.blind(Field::Phone, "13812345678")
        );
        assert_ne!(
            v.blind(Field::Phone, "13812345678"),
            v.blind(Field::Name, "13812345678")
        );
    }

    #[test]
    fn the_key_file_is_created_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("kesu-pii-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let a = Vault::new(load_root(&dir).unwrap());
        let sealed = a.seal(Field::Name, "张三").unwrap();
        let b = Vault::new(load_root(&dir).unwrap());
        assert_eq!(b.open(Field::Name, &sealed).unwrap(), "张三");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
