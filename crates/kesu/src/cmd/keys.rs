//! `kesu keys init|rotate|show`: the key file that encrypts citizens' personal data.
//!
//! The key ring comes from the environment variable `KESU_KEYS` (the key file's JSON, for
//! deployments that inject secrets) or else from `<data dir>/keys.json`, which must be readable
//! by its owner only (mode 0600). Losing it loses every ID number, phone and name in the
//! ledger and the services (bookers, volunteers, askers, pupils): back it up apart from the
//! database.

use super::GlobalOpts;
use super::db::{print_json, runtime, url};
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use kesu_pii::{Algorithm, KeyRing, Suite};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The environment variable that may hold the key file's JSON.
pub const ENV: &str = "KESU_KEYS";

#[derive(Debug, Subcommand)]
pub enum KeysCmd {
    /// 生成密钥文件 <数据目录>/keys.json（权限 0600） (create the key file)
    Init(InitArgs),
    /// 轮换：新增密钥并设为当前密钥，把全部个人信息（公民台账和科普服务）重新加密 (rotate and re-encrypt)
    Rotate(RotateArgs),
    /// 列出密钥编号和算法（不显示密钥） (list key ids and algorithms)
    Show,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// 算法：sm（SM4-GCM + HMAC-SM3，默认）或 aes（AES-256-GCM + HMAC-SHA-256）
    #[arg(long, default_value = "sm")]
    pub suite: String,
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    /// 新密钥的算法：sm4-gcm 或 aes-256-gcm（默认与当前密钥相同）
    #[arg(long)]
    pub algorithm: Option<String>,
}

pub fn run(g: &GlobalOpts, cmd: KeysCmd) -> anyhow::Result<()> {
    match cmd {
        KeysCmd::Init(a) => init(g, a),
        KeysCmd::Rotate(a) => rotate(g, a),
        KeysCmd::Show => {
            let ring = load(g)?;
            let keys: Vec<serde_json::Value> = ring
                .key_ids()
                .into_iter()
                .map(|(id, alg, created)| serde_json::json!({"id": id, "algorithm": alg.name(), "created": created}))
                .collect();
            print_json(&serde_json::json!({"current": ring.current_id(), "keys": keys}))
        }
    }
}

/// `<data dir>/keys.json`.
pub fn key_path(g: &GlobalOpts) -> PathBuf {
    g.data_dir
        .clone()
        .unwrap_or_else(kesu_store::default_data_dir)
        .join("keys.json")
}

/// The key ring: `KESU_KEYS`, else the key file (refused when others may read it).
pub fn load(g: &GlobalOpts) -> anyhow::Result<Arc<KeyRing>> {
    if let Ok(json) = std::env::var(ENV)
        && !json.trim().is_empty()
    {
        return Ok(Arc::new(
            KeyRing::from_json(json.as_bytes()).with_context(|| format!("环境变量 {ENV}"))?,
        ));
    }
    load_file(&key_path(g))
}

/// The key ring in the file `path` (refused when others may read it).
fn load_file(path: &Path) -> anyhow::Result<Arc<KeyRing>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "未找到密钥文件 {}：请先运行 kesu keys init，或设置 {ENV} (no key file; run `kesu keys init`)",
            path.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("无法读取密钥文件 {}", path.display())),
    };
    check_mode(path)?;
    Ok(Arc::new(
        KeyRing::from_json(&bytes).with_context(|| path.display().to_string())?,
    ))
}

/// The key ring if one is configured (`KESU_KEYS` or the key file), else `None`: the server
/// then answers the citizens' pages with 503 and what to run. A key file that is there but
/// unreadable or open to others is an error.
pub fn load_optional(g: &GlobalOpts) -> anyhow::Result<Option<Arc<KeyRing>>> {
    let env_set = std::env::var(ENV).is_ok_and(|v| !v.trim().is_empty());
    if !env_set && !key_path(g).exists() {
        return Ok(None);
    }
    load(g).map(Some)
}

/// The server's key ring: the configured `key_file` when there is one (it must then exist),
/// else as [`load_optional`] in the configured data directory.
pub fn load_for_serve(cfg: &crate::config::Config) -> anyhow::Result<Option<Arc<KeyRing>>> {
    let env_set = std::env::var(ENV).is_ok_and(|v| !v.trim().is_empty());
    match &cfg.key_file {
        Some(path) if !env_set => load_file(path).map(Some),
        _ => load_optional(&GlobalOpts {
            data_dir: Some(cfg.data_dir.clone()),
            ..GlobalOpts::default()
        }),
    }
}

/// The key ring of the data directory `dir` (or `KESU_KEYS`), created there when there is none
/// (the demo, which always starts from an empty directory).
pub fn load_or_init_in(dir: &Path) -> anyhow::Result<Arc<KeyRing>> {
    let g = GlobalOpts {
        data_dir: Some(dir.to_path_buf()),
        ..GlobalOpts::default()
    };
    let env_set = std::env::var(ENV).is_ok_and(|v| !v.trim().is_empty());
    if !env_set && !key_path(&g).exists() {
        let ring = KeyRing::generate(Suite::Sm, &today())?;
        write_key_file(&key_path(&g), &ring)?;
        eprintln!(
            "已生成密钥文件 (created key file) {}：请另行备份 (back it up)",
            key_path(&g).display()
        );
    }
    load(&g)
}

#[cfg(unix)]
fn check_mode(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)?.permissions().mode();
    if mode & 0o077 != 0 {
        bail!(
            "密钥文件 {} 的权限为 {:o}，其他用户可读：请执行 chmod 600 (key file readable by others)",
            path.display(),
            mode & 0o777
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// Writes the key file with mode 0600 through a temporary file and a rename, so a crash never
/// leaves half a key file.
fn write_key_file(path: &Path, ring: &KeyRing) -> anyhow::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| dir.display().to_string())?;
    let tmp = path.with_extension("json.tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp).with_context(|| tmp.display().to_string())?;
    f.write_all(ring.to_json().as_bytes())?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path).with_context(|| path.display().to_string())?;
    Ok(())
}

fn today() -> String {
    kesu_store::reporting::china_date(time::OffsetDateTime::now_utc()).to_string()
}

fn init(g: &GlobalOpts, a: InitArgs) -> anyhow::Result<()> {
    let suite =
        Suite::parse(&a.suite).with_context(|| format!("未知算法 {} (use sm or aes)", a.suite))?;
    let path = key_path(g);
    if path.exists() {
        bail!(
            "密钥文件 {} 已存在：不会覆盖（覆盖将使已加密的数据无法解密）；需要新密钥请用 kesu keys rotate (exists; use rotate)",
            path.display()
        );
    }
    let ring = KeyRing::generate(suite, &today())?;
    write_key_file(&path, &ring)?;
    eprintln!(
        "已生成密钥文件 (created) {}：请另行安全备份 (back it up separately)",
        path.display()
    );
    print_json(
        &serde_json::json!({"path": path.display().to_string(), "current": ring.current_id(),
        "algorithm": suite.algorithm().name()}),
    )
}

fn rotate(g: &GlobalOpts, a: RotateArgs) -> anyhow::Result<()> {
    if std::env::var(ENV).is_ok_and(|v| !v.trim().is_empty()) {
        bail!(
            "密钥来自环境变量 {ENV}：请在密钥文件上轮换后更新该变量 (rotate the key file, then update {ENV})"
        );
    }
    let algorithm = match a.algorithm.as_deref() {
        None => None,
        Some("sm4-gcm") => Some(Algorithm::Sm4Gcm),
        Some("aes-256-gcm") => Some(Algorithm::Aes256Gcm),
        Some(x) => bail!("未知算法 {x} (use sm4-gcm or aes-256-gcm)"),
    };
    let ring = load(g)?;
    let mut ring = KeyRing::from_json(ring.to_json().as_bytes())?;
    let id = ring.rotate(algorithm, &today())?;
    // The new key is on disk before anything is encrypted with it.
    write_key_file(&key_path(g), &ring)?;
    eprintln!("新密钥 {id} 已写入 (new key written); 正在重新加密 (re-encrypting)…");
    let rt = runtime()?;
    let done = rt.block_on(async {
        let db = kesu_store::Db::open(&url(g)).await?;
        let ctx = kesu_app::Ctx::new(db.clone());
        let op = kesu_app::Caller::operator();
        // One ring for the citizens' ledger and the services: both move to the new key.
        let r = async {
            let c = kesu_app::citizens::keys::reencrypt_all(&ctx, &op, &ring).await?;
            let s = kesu_app::services::personal::reencrypt_all(&ctx, &op, &ring).await?;
            Ok::<_, kesu_app::Error>((c, s))
        }
        .await;
        db.close().await;
        anyhow::Ok(r?)
    })?;
    let (c, s) = done;
    print_json(&serde_json::json!({"current": id,
        "rows": c.rows_seen + s.rows_seen,
        "reencrypted": c.values_reencrypted + s.values_reencrypted}))
}
