//! The services' personal data at rest, under the installation's key ring (`kesu_pii`):
//! SM4-GCM (or AES-256-GCM) per value with the field as bound context, and blind indexes under
//! the services' own purpose key, so bookers' and volunteers' phones cannot be joined with the
//! citizens' ledger on their indexes.
//!
//! The ring is the one the citizens' ledger uses: `KESU_KEYS` (the key file's JSON) or else
//! `<data dir>/keys.json` (readable by its owner only; created on first use, as `kesu demo`
//! does). When the server's state carries the ring it loaded, [`ring_for`] gives way to it.

use kesu_pii::{BlindIndexer, KeyRing, Suite};
use kesu_services::ServicesError;
use kesu_services::personal::{Field, Sealer};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The blind-index purpose of the services' phones.
pub const PHONE_INDEX: &str = "services.phone";
/// The environment variable that may hold the key file's JSON.
pub const KEYS_VAR: &str = "KESU_KEYS";
/// The key file in the data directory.
pub const KEY_FILE: &str = "keys.json";

fn broken(msg: impl std::fmt::Display) -> ServicesError {
    ServicesError::invalid(
        "personal",
        format!("个人信息加解密失败：{msg} (personal data)"),
    )
}

/// The services' sealer over a key ring.
pub struct RingSealer {
    ring: Arc<KeyRing>,
    phones: BlindIndexer,
}

impl std::fmt::Debug for RingSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RingSealer")
            .field("ring", &self.ring)
            .finish()
    }
}

impl RingSealer {
    pub fn new(ring: Arc<KeyRing>) -> RingSealer {
        RingSealer {
            phones: ring.blind_indexer(PHONE_INDEX),
            ring,
        }
    }

    /// A sealer under a fresh ring (tests; what it seals dies with the process).
    pub fn ephemeral() -> Result<RingSealer, ServicesError> {
        let ring = KeyRing::generate(Suite::Sm, "ephemeral").map_err(broken)?;
        Ok(RingSealer::new(Arc::new(ring)))
    }
}

impl Sealer for RingSealer {
    fn seal(&self, field: Field, plain: &str) -> kesu_services::Result<Vec<u8>> {
        self.ring.encrypt_str(field.as_str(), plain).map_err(broken)
    }

    fn open(&self, field: Field, sealed: &[u8]) -> kesu_services::Result<String> {
        self.ring
            .decrypt_string(field.as_str(), sealed)
            .map(|s| s.to_string())
            .map_err(broken)
    }

    fn blind(&self, field: Field, normalised: &str) -> String {
        // Only phones are looked up; the field still goes in, so a name never matches a phone.
        let index = self
            .phones
            .index(&format!("{}\u{0}{normalised}", field.as_str()));
        index.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The key ring of a data directory: `KESU_KEYS`, else `<dir>/keys.json` (created, mode 0600,
/// when missing; refused when others may read it).
fn load_ring(dir: &Path) -> Result<KeyRing, ServicesError> {
    if let Ok(json) = std::env::var(KEYS_VAR)
        && !json.trim().is_empty()
    {
        return KeyRing::from_json(json.as_bytes()).map_err(broken);
    }
    let path = dir.join(KEY_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => {
            check_mode(&path)?;
            KeyRing::from_json(&bytes).map_err(|e| broken(format!("{}: {e}", path.display())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let today = time::OffsetDateTime::now_utc().date().to_string();
            let ring = KeyRing::generate(Suite::Sm, &today).map_err(broken)?;
            std::fs::create_dir_all(dir).map_err(|e| broken(format!("{}: {e}", dir.display())))?;
            write_private(&path, ring.to_json().as_bytes())?;
            Ok(ring)
        }
        Err(e) => Err(broken(format!("{}: {e}", path.display()))),
    }
}

#[cfg(unix)]
fn check_mode(path: &Path) -> Result<(), ServicesError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| broken(format!("{}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(broken(format!(
            "密钥文件 {} 其他用户可读，请执行 chmod 600 (key file readable by others)",
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_: &Path) -> Result<(), ServicesError> {
    Ok(())
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), ServicesError> {
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
        .map_err(|e| broken(format!("{}: {e}", path.display())))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| broken(format!("{}: {e}", path.display())))
}

static RINGS: Mutex<Option<HashMap<PathBuf, Arc<RingSealer>>>> = Mutex::new(None);

/// The services' sealer for a data directory's key ring (loaded once per process).
pub fn ring_for(data_dir: &Path) -> Result<Arc<RingSealer>, ServicesError> {
    let mut guard = RINGS.lock().map_err(|_| broken("lock"))?;
    let map = guard.get_or_insert_with(HashMap::new);
    if let Some(v) = map.get(data_dir) {
        return Ok(v.clone());
    }
    let s = Arc::new(RingSealer::new(Arc::new(load_ring(data_dir)?)));
    map.insert(data_dir.to_path_buf(), s.clone());
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_opens_under_its_ring_and_field_only() {
        let v = RingSealer::ephemeral().unwrap();
        let s = v.seal(Field::Phone, "13812345678").unwrap();
        assert_eq!(v.open(Field::Phone, &s).unwrap(), "13812345678");
        assert!(v.open(Field::Name, &s).is_err());
        assert!(
            RingSealer::ephemeral()
                .unwrap()
                .open(Field::Phone, &s)
                .is_err()
        );
        assert!(!String::from_utf8_lossy(&s).contains("138"));
    }

    #[test]
    fn equal_values_seal_differently_but_index_alike() {
        let v = RingSealer::ephemeral().unwrap();
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
    fn the_key_file_is_created_private_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("kesu-services-keys-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let a = RingSealer::new(Arc::new(load_ring(&dir).unwrap()));
        let sealed = a.seal(Field::Name, "张三").unwrap();
        let b = RingSealer::new(Arc::new(load_ring(&dir).unwrap()));
        assert_eq!(b.open(Field::Name, &sealed).unwrap(), "张三");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let path = dir.join(KEY_FILE);
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(
                load_ring(&dir).is_err(),
                "a key file others can read is refused"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
