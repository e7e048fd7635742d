//! The configuration of an installation: a `kesu.toml` file, the same keys as `KESU_*`
//! environment variables, and command-line flags. A flag beats the environment, the environment
//! beats the file, the file beats the default, so that a unit file can set the file and an
//! operator can still try one thing on the command line.
//!
//! The file is `--config FILE` or `KESU_CONFIG`; there is no implicit search path, so what a
//! server reads is always written down where it starts. Every key, its variable and its flag are
//! listed once in [`KEYS`]; `kesu config check` prints the effective values (passwords in URLs
//! hidden) with where each came from, and validates them all at once.

use crate::cmd::GlobalOpts;
use clap::Args;
use ipnet::IpNet;
pub use kesu_web::observe::LogFormat;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// One configuration key: its name in `kesu.toml`, its environment variable, its flag.
pub struct Key {
    pub name: &'static str,
    pub env: &'static str,
    pub flag: Option<&'static str>,
    pub help: &'static str,
}

macro_rules! keys {
    ($($name:literal, $env:literal, $flag:expr, $help:literal;)*) => {
        /// Every key Kesu reads, in the order `kesu config check` prints them.
        pub const KEYS: &[Key] = &[$(Key { name: $name, env: $env, flag: $flag, help: $help }),*];
    };
}

keys! {
    "bind", "KESU_BIND", Some("serve --bind"), "监听地址 (listen address)";
    "data_dir", "KESU_DATA_DIR", Some("--data-dir"), "数据目录：数据库文件和证明材料 (data directory)";
    "database_url", "KESU_DATABASE_URL", Some("--database-url"), "主库地址 sqlite://… 或 postgres://… (primary database)";
    "read_database_urls", "KESU_READ_DATABASE_URLS", Some("serve --read-database-url"), "只读副本地址，逗号分隔 (read replicas)";
    "secure_cookies", "KESU_SECURE_COOKIES", Some("serve --secure-cookies"), "HTTPS 之后运行：Cookie 带 Secure (behind TLS)";
    "key_file", "KESU_KEY_FILE", Some("serve --key-file"), "个人信息加密密钥文件 (personal-data key file)";
    "metrics_allow", "KESU_METRICS_ALLOW", Some("serve --metrics-allow"), "可访问 /metrics 的地址段 (metrics allow-list)";
    "trusted_proxies", "KESU_TRUSTED_PROXIES", Some("serve --trusted-proxy"), "可信反向代理地址段 (trusted proxies)";
    "log_format", "KESU_LOG_FORMAT", Some("--log-format"), "日志格式 pretty 或 json (log format)";
    "log_level", "KESU_LOG", None, "日志级别过滤 (log filter, e.g. info,sqlx=warn)";
    "backup_at", "KESU_BACKUP_AT", Some("serve --backup-at"), "每日自动备份时间 HH:MM 北京时间 (nightly backup time)";
    "backup_dir", "KESU_BACKUP_DIR", Some("serve --backup-dir"), "自动备份目录 (backup directory)";
    "backup_keep", "KESU_BACKUP_KEEP", Some("serve --backup-keep"), "保留最近几份自动备份 (backups kept)";
    "public_rate", "KESU_PUBLIC_RATE", Some("serve --public-rate"), "公众请求每分钟每地址上限，0 关闭全部限流 (public requests per minute per address; 0 = off)";
    "public_phone_rate", "KESU_PUBLIC_PHONE_RATE", Some("serve --public-phone-rate"), "每个手机号每日预约上限，0 不限 (bookings per phone per day; 0 = no limit)";
}

/// `kesu serve`'s flags for the keys that only the server reads (beside `--bind` and
/// `--secure-cookies`, which `ServeArgs` has).
#[derive(Debug, Default, Clone, Args)]
pub struct ServeFlags {
    /// 只读副本地址（PostgreSQL 流复制备库），可多次给出 (read replica URL; repeat for several)
    #[arg(long = "read-database-url", value_name = "URL")]
    pub read_database_urls: Vec<String>,
    /// 个人信息加密密钥文件 (personal-data key file)
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// 可访问 /metrics 的地址或地址段，可多次给出；默认仅本机 (metrics allow-list)
    #[arg(long = "metrics-allow", value_name = "CIDR")]
    pub metrics_allow: Vec<String>,
    /// 可信反向代理地址或地址段，可多次给出 (trusted proxy)
    #[arg(long = "trusted-proxy", value_name = "CIDR")]
    pub trusted_proxies: Vec<String>,
    /// 每日自动备份时间 HH:MM（北京时间）(nightly backup time)
    #[arg(long, value_name = "HH:MM")]
    pub backup_at: Option<String>,
    /// 自动备份目录，默认 数据目录/backups (backup directory)
    #[arg(long, value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,
    /// 保留最近几份自动备份，默认 14 (backups kept)
    #[arg(long, value_name = "N")]
    pub backup_keep: Option<String>,
    /// 公众请求每分钟每地址上限，默认 30；0 关闭全部限流（压力测试用）(public requests per minute per address)
    #[arg(long, value_name = "N")]
    pub public_rate: Option<String>,
    /// 每个手机号每日预约上限，默认 10；0 不限 (bookings per phone per day)
    #[arg(long, value_name = "N")]
    pub public_phone_rate: Option<String>,
}

/// Where a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Default,
    File,
    Env,
    Flag,
}

impl Source {
    fn label(self) -> &'static str {
        match self {
            Source::Default => "默认 (default)",
            Source::File => "配置文件 (file)",
            Source::Env => "环境变量 (env)",
            Source::Flag => "命令行 (flag)",
        }
    }
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file read, if any.
    pub file: Option<PathBuf>,
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    /// The primary database (`kesu.db` in the data directory unless given).
    pub database_url: String,
    pub read_database_urls: Vec<String>,
    pub secure_cookies: bool,
    pub key_file: Option<PathBuf>,
    pub metrics_allow: Vec<IpNet>,
    pub trusted_proxies: Vec<IpNet>,
    pub log_format: LogFormat,
    pub log_level: String,
    /// The nightly backup's time of day in China (+08:00); none, no nightly backup.
    pub backup_at: Option<time::Time>,
    pub backup_dir: PathBuf,
    pub backup_keep: usize,
    /// 公众限流: public requests per minute per client address (0: every public throttle off).
    pub public_rate: u32,
    /// Bookings per day per phone (0: no limit).
    pub public_phone_rate: u32,
    /// Where each key's value came from.
    pub sources: BTreeMap<&'static str, Source>,
    /// What the file or the environment set that the command line did not use (unknown keys
    /// are errors; these are warnings, e.g. a key file that others can read).
    pub warnings: Vec<String>,
}

/// A raw value before parsing: one string, or a list (a TOML array, repeated flags).
#[derive(Debug, Clone)]
enum Raw {
    One(String),
    Many(Vec<String>),
}

impl Raw {
    fn list(&self) -> Vec<String> {
        match self {
            Raw::One(s) => s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            // Repeated flags, each of which may itself be a comma-separated list.
            Raw::Many(v) => v
                .iter()
                .flat_map(|s| s.split(','))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
        }
    }

    fn one(&self) -> String {
        match self {
            Raw::One(s) => s.trim().to_string(),
            Raw::Many(v) => v.join(","),
        }
    }
}

/// Values given on the command line, by key name.
#[derive(Debug, Default)]
pub struct Flags(BTreeMap<&'static str, Raw>);

impl Flags {
    fn set(&mut self, key: &'static str, v: Option<String>) {
        if let Some(v) = v {
            self.0.insert(key, Raw::One(v));
        }
    }

    fn set_list(&mut self, key: &'static str, v: &[String]) {
        if !v.is_empty() {
            self.0.insert(key, Raw::Many(v.to_vec()));
        }
    }

    fn set_path(&mut self, key: &'static str, v: Option<&Path>) {
        self.set(key, v.map(|p| p.display().to_string()));
    }
}

/// Why a configuration cannot be used: every bad value at once, each naming its key and source.
#[derive(Debug, thiserror::Error)]
#[error("配置有误 (invalid configuration):\n  {}", .0.join("\n  "))]
pub struct ConfigError(pub Vec<String>);

/// Read the configuration for a command: the file named by `--config` / `KESU_CONFIG`, the
/// process environment, and the flags in `g` and (for `kesu serve`) `serve`.
pub fn load(
    g: &GlobalOpts,
    serve: Option<(&crate::cmd::serve::ServeArgs, &ServeFlags)>,
) -> anyhow::Result<Config> {
    use anyhow::Context;
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let path = g
        .config
        .clone()
        .or_else(|| env("KESU_CONFIG").map(PathBuf::from));
    let file = match path {
        Some(p) => {
            let text = std::fs::read_to_string(&p)
                .with_context(|| format!("无法读取配置文件 {} (cannot read)", p.display()))?;
            Some((p, text))
        }
        None => None,
    };
    let mut flags = Flags::default();
    // `--data-dir` and `--database-url` also read their variables through clap; a value equal
    // to the variable is counted as the environment's.
    let from_cli = |key: &str, v: Option<String>| v.filter(|v| env(key).as_deref() != Some(v));
    flags.set(
        "data_dir",
        from_cli(
            "KESU_DATA_DIR",
            g.data_dir.as_ref().map(|p| p.display().to_string()),
        ),
    );
    flags.set(
        "database_url",
        from_cli("KESU_DATABASE_URL", g.database_url.clone()),
    );
    flags.set("log_format", g.log_format.clone());
    if let Some((a, s)) = serve {
        flags.set("bind", a.bind.map(|b| b.to_string()));
        if a.secure_cookies {
            flags.set("secure_cookies", Some("true".into()));
        }
        flags.set_list("read_database_urls", &s.read_database_urls);
        flags.set_path("key_file", s.key_file.as_deref());
        flags.set_list("metrics_allow", &s.metrics_allow);
        flags.set_list("trusted_proxies", &s.trusted_proxies);
        flags.set("backup_at", s.backup_at.clone());
        flags.set_path("backup_dir", s.backup_dir.as_deref());
        flags.set("backup_keep", s.backup_keep.clone());
        flags.set("public_rate", s.public_rate.clone());
        flags.set("public_phone_rate", s.public_phone_rate.clone());
    }
    Ok(resolve(
        file.as_ref().map(|(p, t)| (p.as_path(), t.as_str())),
        &env,
        &flags,
    )?)
}

/// The configuration from a file's text, an environment and flags (pure, for tests).
pub fn resolve(
    file: Option<(&Path, &str)>,
    env: &dyn Fn(&str) -> Option<String>,
    flags: &Flags,
) -> Result<Config, ConfigError> {
    let mut errors = Vec::new();
    let file_values = match file {
        Some((path, text)) => match file_layer(text) {
            Ok(v) => v,
            Err(e) => {
                return Err(ConfigError(vec![format!("{}: {e}", path.display())]));
            }
        },
        None => BTreeMap::new(),
    };
    let mut sources = BTreeMap::new();
    let mut pick = |key: &'static str| -> Option<(Raw, Source)> {
        let k = KEYS.iter().find(|k| k.name == key)?;
        let found = flags
            .0
            .get(key)
            .map(|v| (v.clone(), Source::Flag))
            .or_else(|| env(k.env).map(|v| (Raw::One(v), Source::Env)))
            .or_else(|| file_values.get(key).map(|v| (v.clone(), Source::File)));
        sources.insert(key, found.as_ref().map_or(Source::Default, |f| f.1));
        found
    };
    let mut bad = |key: &str, src: Source, msg: String| {
        let var = KEYS.iter().find(|k| k.name == key).map_or("", |k| k.env);
        errors.push(format!("{key} ({var}, {}): {msg}", src.label()));
    };

    let bind = match pick("bind") {
        Some((raw, src)) => raw.one().parse::<SocketAddr>().unwrap_or_else(|_| {
            bad(
                "bind",
                src,
                format!("“{}” 不是 地址:端口 (not ADDRESS:PORT)", raw.one()),
            );
            default_bind()
        }),
        None => default_bind(),
    };
    let data_dir = match pick("data_dir") {
        Some((raw, _)) => PathBuf::from(raw.one()),
        None => kesu_store::default_data_dir(),
    };
    let database_url = match pick("database_url") {
        // A bad scheme is the store's to report (exit status 64), like any command's.
        Some((raw, _)) => raw.one(),
        None => kesu_store::default_url(&data_dir),
    };
    let read_database_urls = match pick("read_database_urls") {
        Some((raw, src)) => {
            let urls = raw.list();
            for u in &urls {
                match check_url(u) {
                    Err(m) => bad("read_database_urls", src, m),
                    Ok(kesu_store::Backend::Sqlite) => bad(
                        "read_database_urls",
                        src,
                        format!(
                            "{}: 只读副本须为 PostgreSQL (replicas are PostgreSQL standbys)",
                            kesu_store::redact_url(u)
                        ),
                    ),
                    Ok(_) => {}
                }
            }
            if !urls.is_empty() && check_url(&database_url) != Ok(kesu_store::Backend::Postgres) {
                bad(
                    "read_database_urls",
                    src,
                    "主库为 PostgreSQL 时才能配置只读副本 (replicas need a PostgreSQL primary)"
                        .into(),
                );
            }
            urls
        }
        None => Vec::new(),
    };
    let secure_cookies = match pick("secure_cookies") {
        Some((raw, src)) => parse_bool(&raw.one()).unwrap_or_else(|| {
            bad(
                "secure_cookies",
                src,
                format!("“{}” 不是 true/false (not a boolean)", raw.one()),
            );
            false
        }),
        None => false,
    };
    let key_file = pick("key_file").map(|(raw, _)| PathBuf::from(raw.one()));
    let nets = |key: &'static str,
                found: Option<(Raw, Source)>,
                default: Vec<IpNet>,
                bad: &mut dyn FnMut(&str, Source, String)| match found {
        Some((raw, src)) => raw
            .list()
            .iter()
            .filter_map(|s| parse_net(s).map_err(|m| bad(key, src, m)).ok())
            .collect(),
        None => default,
    };
    let metrics_allow = nets("metrics_allow", pick("metrics_allow"), loopback(), &mut bad);
    let trusted_proxies = nets(
        "trusted_proxies",
        pick("trusted_proxies"),
        Vec::new(),
        &mut bad,
    );
    let log_format = match pick("log_format") {
        Some((raw, src)) => match raw.one().to_ascii_lowercase().as_str() {
            "pretty" | "text" | "human" => LogFormat::Pretty,
            "json" => LogFormat::Json,
            other => {
                bad(
                    "log_format",
                    src,
                    format!("“{other}” 应为 pretty 或 json (pretty or json)"),
                );
                LogFormat::Pretty
            }
        },
        None => LogFormat::Pretty,
    };
    let log_level = match pick("log_level") {
        Some((raw, _)) => raw.one(),
        None => DEFAULT_LOG.to_string(),
    };
    let backup_at = pick("backup_at").and_then(|(raw, src)| {
        let s = raw.one();
        if s.is_empty() || s == "off" {
            return None;
        }
        parse_time_of_day(&s)
            .map_err(|m| bad("backup_at", src, m))
            .ok()
    });
    let backup_dir = match pick("backup_dir") {
        Some((raw, _)) => PathBuf::from(raw.one()),
        None => data_dir.join("backups"),
    };
    let backup_keep = match pick("backup_keep") {
        Some((raw, src)) => match raw.one().parse::<usize>() {
            Ok(n) if n >= 1 => n,
            _ => {
                bad(
                    "backup_keep",
                    src,
                    format!("“{}” 应为正整数 (a positive number)", raw.one()),
                );
                DEFAULT_KEEP
            }
        },
        None => DEFAULT_KEEP,
    };
    let mut rate = |key: &'static str, default: u32| match pick(key) {
        Some((raw, src)) => raw.one().parse::<u32>().unwrap_or_else(|_| {
            bad(
                key,
                src,
                format!("“{}” 应为非负整数 (a whole number, 0 = off)", raw.one()),
            );
            default
        }),
        None => default,
    };
    let public_rate = rate("public_rate", kesu_app::services::DEFAULT_ADDRESS_RATE);
    let public_phone_rate = rate("public_phone_rate", kesu_app::services::DEFAULT_PHONE_RATE);
    if !errors.is_empty() {
        return Err(ConfigError(errors));
    }
    let mut warnings = Vec::new();
    if let Some(k) = &key_file {
        warnings.extend(key_file_warning(k));
    }
    if trusted_proxies.iter().any(|n| n.prefix_len() == 0) {
        warnings.push(
            "trusted_proxies 包含 0.0.0.0/0：任何人都能伪造客户端地址 (anyone can spoof addresses)"
                .into(),
        );
    }
    Ok(Config {
        file: file.map(|(p, _)| p.to_path_buf()),
        bind,
        data_dir,
        database_url,
        read_database_urls,
        secure_cookies,
        key_file,
        metrics_allow,
        trusted_proxies,
        log_format,
        log_level,
        backup_at,
        backup_dir,
        backup_keep,
        public_rate,
        public_phone_rate,
        sources,
        warnings,
    })
}

/// The default log filter: Kesu's own events from `info`, the database driver's only warnings
/// (slow statements).
pub const DEFAULT_LOG: &str = "info,sqlx=warn";
const DEFAULT_KEEP: usize = 14;

fn default_bind() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

/// Loopback only: `/metrics` is for the machine itself unless the operator says otherwise.
pub fn loopback() -> Vec<IpNet> {
    ["127.0.0.0/8", "::1/128"]
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// The file's keys as raw values; unknown keys and wrong types are errors.
fn file_layer(text: &str) -> Result<BTreeMap<&'static str, Raw>, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    for (k, v) in table {
        let Some(key) = KEYS.iter().find(|key| key.name == k) else {
            errors.push(format!("未知的配置项 “{k}” (unknown key)"));
            continue;
        };
        let raw = match v {
            toml::Value::String(s) => Raw::One(s),
            toml::Value::Integer(i) => Raw::One(i.to_string()),
            toml::Value::Boolean(b) => Raw::One(b.to_string()),
            toml::Value::Array(items) => {
                let mut list = Vec::new();
                for item in items {
                    match item {
                        toml::Value::String(s) => list.push(s),
                        other => errors.push(format!(
                            "{k}: 列表中应为字符串，而不是 {} (strings expected)",
                            other.type_str()
                        )),
                    }
                }
                Raw::Many(list)
            }
            other => {
                errors.push(format!(
                    "{k}: 不支持的类型 {} (unsupported type)",
                    other.type_str()
                ));
                continue;
            }
        };
        out.insert(key.name, raw);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors.join("; "))
    }
}

/// The backend a URL names, or why it names none.
pub fn check_url(url: &str) -> Result<kesu_store::Backend, String> {
    let lower = url.trim().to_ascii_lowercase();
    if lower.starts_with("sqlite:") {
        Ok(kesu_store::Backend::Sqlite)
    } else if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        Ok(kesu_store::Backend::Postgres)
    } else {
        Err(format!(
            "“{}” 只支持 sqlite:// 和 postgres:// (unsupported scheme)",
            kesu_store::redact_url(url)
        ))
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// An address (`10.0.0.5`, `::1`) or a network (`10.0.0.0/8`).
pub fn parse_net(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("“{s}” 不是地址或地址段 (not an address or CIDR)"))
}

fn parse_time_of_day(s: &str) -> Result<time::Time, String> {
    let bad = || format!("“{s}” 应为 HH:MM，如 02:30 (HH:MM)");
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    let h: u8 = h.trim().parse().map_err(|_| bad())?;
    let m: u8 = m.trim().parse().map_err(|_| bad())?;
    time::Time::from_hms(h, m, 0).map_err(|_| bad())
}

/// A key file others can read is a leak waiting to happen; one that is missing, a failure at
/// the first encryption.
fn key_file_warning(path: &Path) -> Option<String> {
    match std::fs::metadata(path) {
        Err(e) => Some(format!(
            "key_file {}: 无法读取 ({e}) (cannot read)",
            path.display()
        )),
        Ok(m) if !m.is_file() => Some(format!(
            "key_file {}: 不是文件 (not a file)",
            path.display()
        )),
        #[cfg(unix)]
        Ok(m) => {
            use std::os::unix::fs::PermissionsExt;
            (m.permissions().mode() & 0o077 != 0).then(|| {
                format!(
                    "key_file {}: 其他用户可读，应 chmod 600 (readable by others)",
                    path.display()
                )
            })
        }
        #[cfg(not(unix))]
        Ok(_) => None,
    }
}

impl Config {
    /// One key's effective value as printed (passwords in URLs hidden).
    pub fn key_value(&self, key: &str) -> String {
        let list = |v: &[String]| v.join(", ");
        let nets = |v: &[IpNet]| {
            v.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match key {
            "bind" => self.bind.to_string(),
            "data_dir" => self.data_dir.display().to_string(),
            "database_url" => kesu_store::redact_url(&self.database_url),
            "read_database_urls" => list(
                &self
                    .read_database_urls
                    .iter()
                    .map(|u| kesu_store::redact_url(u))
                    .collect::<Vec<_>>(),
            ),
            "secure_cookies" => self.secure_cookies.to_string(),
            "key_file" => self
                .key_file
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            "metrics_allow" => nets(&self.metrics_allow),
            "trusted_proxies" => nets(&self.trusted_proxies),
            "log_format" => match self.log_format {
                LogFormat::Pretty => "pretty".into(),
                LogFormat::Json => "json".into(),
            },
            "log_level" => self.log_level.clone(),
            "backup_at" => self
                .backup_at
                .map(|t| format!("{:02}:{:02}", t.hour(), t.minute()))
                .unwrap_or_else(|| "off".into()),
            "backup_dir" => self.backup_dir.display().to_string(),
            "backup_keep" => self.backup_keep.to_string(),
            "public_rate" if self.public_rate == 0 => "0 (off)".into(),
            "public_rate" => self.public_rate.to_string(),
            "public_phone_rate" => self.public_phone_rate.to_string(),
            _ => String::new(),
        }
    }

    /// Every key with its value (passwords hidden) and source, for `kesu config check`.
    pub fn lines(&self) -> Vec<(&'static str, String, Source)> {
        KEYS.iter()
            .map(|k| {
                (
                    k.name,
                    self.key_value(k.name),
                    self.sources.get(k.name).copied().unwrap_or(Source::Default),
                )
            })
            .collect()
    }

    /// Where `key`'s value came from.
    pub fn source(&self, key: &str) -> Source {
        self.sources.get(key).copied().unwrap_or(Source::Default)
    }

    /// Set what the web platform takes from the configuration: secure cookies, the metrics
    /// allow-list and trusted proxies, the read replicas of `state.db`.
    pub fn apply_to(&self, state: &mut kesu_web::AppState) -> anyhow::Result<()> {
        state.secure_cookies = self.secure_cookies;
        state.observe = std::sync::Arc::new(kesu_web::observe::Settings {
            metrics_allow: self.metrics_allow.clone(),
        });
        let proxies: Vec<String> = self
            .trusted_proxies
            .iter()
            .map(ToString::to_string)
            .collect();
        state.trusted_proxies = std::sync::Arc::new(
            kesu_web::client_ip::TrustedProxies::parse(&proxies)
                .map_err(|e| anyhow::anyhow!("trusted_proxies：{e}"))?,
        );
        state.throttles = std::sync::Arc::new(self.throttles());
        if !self.read_database_urls.is_empty() {
            let set = kesu_store::replica::Replicas::new(&state.db, &self.read_database_urls)?;
            state.replicas = Some(std::sync::Arc::new(set));
        }
        Ok(())
    }

    /// The services' public throttles.
    pub fn throttles(&self) -> kesu_app::services::Throttles {
        kesu_app::services::Throttles::per(self.public_rate, self.public_phone_rate)
    }

    /// What `kesu serve` runs on a schedule: reminders, session sweeps, and the nightly backup
    /// when `backup_at` is set.
    pub fn jobs_plan(&self) -> kesu_app::jobs::Plan {
        kesu_app::jobs::Plan {
            backup: self.backup_at.map(|at| kesu_app::jobs::BackupPlan {
                at,
                dir: self.backup_dir.clone(),
                keep: self.backup_keep,
                url: self.database_url.clone(),
                files_dir: self.data_dir.join("files"),
            }),
            session_idle: kesu_web::auth::SESSIONS.idle,
            ..kesu_app::jobs::Plan::default()
        }
    }

    pub fn source_label(s: Source) -> &'static str {
        s.label()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn file(text: &str) -> Option<(&'static Path, &str)> {
        Some((Path::new("kesu.toml"), text))
    }

    #[test]
    fn defaults_listen_on_loopback_with_sqlite_in_the_data_dir() {
        let c = resolve(None, &no_env, &Flags::default()).unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert!(c.database_url.starts_with("sqlite://"));
        assert!(c.database_url.ends_with("kesu.db"));
        assert_eq!(c.metrics_allow, loopback());
        assert!(c.trusted_proxies.is_empty());
        assert_eq!(c.backup_at, None);
        assert!(c.sources.values().all(|s| *s == Source::Default));
    }

    #[test]
    fn a_flag_beats_the_environment_which_beats_the_file() {
        let text = "bind = \"0.0.0.0:1\"\nlog_format = \"json\"\nbackup_keep = 3\n";
        let env = |k: &str| (k == "KESU_BIND").then(|| "127.0.0.1:2".to_string());
        let c = resolve(file(text), &env, &Flags::default()).unwrap();
        assert_eq!(c.bind.port(), 2);
        assert_eq!(c.sources["bind"], Source::Env);
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.sources["log_format"], Source::File);
        assert_eq!(c.backup_keep, 3);
        let mut flags = Flags::default();
        flags.set("bind", Some("127.0.0.1:3".into()));
        let c = resolve(file(text), &env, &flags).unwrap();
        assert_eq!(c.bind.port(), 3);
        assert_eq!(c.sources["bind"], Source::Flag);
    }

    #[test]
    fn lists_come_from_arrays_commas_or_repeated_flags() {
        let c = resolve(
            file("metrics_allow = [\"10.0.0.0/8\", \"192.168.1.7\"]"),
            &no_env,
            &Flags::default(),
        )
        .unwrap();
        assert_eq!(c.metrics_allow.len(), 2);
        assert_eq!(c.metrics_allow[1].to_string(), "192.168.1.7/32");
        let env = |k: &str| (k == "KESU_TRUSTED_PROXIES").then(|| "10.1.0.1, ::1".to_string());
        let c = resolve(None, &env, &Flags::default()).unwrap();
        assert_eq!(c.trusted_proxies.len(), 2);
        let mut flags = Flags::default();
        flags.set_list(
            "trusted_proxies",
            &["10.0.0.0/8,192.168.0.1".into(), "::1".into()],
        );
        let c = resolve(None, &no_env, &flags).unwrap();
        assert_eq!(c.trusted_proxies.len(), 3);
    }

    #[test]
    fn every_bad_value_is_reported_with_its_key_and_source() {
        let text = "bind = \"nowhere\"\nbackup_at = \"25:00\"\nmetrics_allow = [\"10.0.0.0/99\"]\n";
        let env = |k: &str| (k == "KESU_LOG_FORMAT").then(|| "xml".to_string());
        let e = resolve(file(text), &env, &Flags::default()).unwrap_err();
        let all = e.0.join("\n");
        assert_eq!(e.0.len(), 4, "{all}");
        assert!(all.contains("bind (KESU_BIND, 配置文件"), "{all}");
        assert!(all.contains("backup_at"), "{all}");
        assert!(all.contains("10.0.0.0/99"), "{all}");
        assert!(
            all.contains("log_format (KESU_LOG_FORMAT, 环境变量"),
            "{all}"
        );
    }

    #[test]
    fn an_unknown_key_in_the_file_is_an_error_not_ignored() {
        let e = resolve(file("bnid = \"1.2.3.4:5\""), &no_env, &Flags::default()).unwrap_err();
        assert!(e.0[0].contains("bnid"), "{:?}", e.0);
    }

    #[test]
    fn replicas_need_a_postgres_primary_and_postgres_urls() {
        let text = "read_database_urls = [\"postgres://r1/kesu\"]";
        let e = resolve(file(text), &no_env, &Flags::default()).unwrap_err();
        assert!(e.0[0].contains("PostgreSQL"), "{:?}", e.0);
        let text =
            "database_url = \"postgres://p/kesu\"\nread_database_urls = [\"sqlite:///x.db\"]";
        assert!(resolve(file(text), &no_env, &Flags::default()).is_err());
        let text = "database_url = \"postgres://p/kesu\"\nread_database_urls = [\"postgres://r1/kesu\", \"postgres://r2/kesu\"]";
        let c = resolve(file(text), &no_env, &Flags::default()).unwrap();
        assert_eq!(c.read_database_urls.len(), 2);
    }

    #[test]
    fn passwords_in_urls_are_hidden_when_printed() {
        let text = "database_url = \"postgres://kesu:s3cret@db/kesu\"\nread_database_urls = \"postgres://kesu:s3cret@r1/kesu\"";
        let c = resolve(file(text), &no_env, &Flags::default()).unwrap();
        let printed: String = c.lines().iter().map(|l| l.1.clone()).collect();
        assert!(!printed.contains("s3cret"), "{printed}");
        assert!(printed.contains("postgres://kesu:***@db/kesu"));
    }

    #[test]
    fn the_backup_time_is_hours_and_minutes() {
        let env = |k: &str| (k == "KESU_BACKUP_AT").then(|| "2:30".to_string());
        let c = resolve(None, &env, &Flags::default()).unwrap();
        assert_eq!(c.backup_at, Some(time::macros::time!(02:30)));
        assert_eq!(c.key_value("backup_at"), "02:30");
    }

    #[test]
    fn public_throttle_limits_are_configuration_and_zero_turns_them_off() {
        let c = resolve(None, &no_env, &Flags::default()).unwrap();
        assert_eq!((c.public_rate, c.public_phone_rate), (30, 10));
        let env = |k: &str| (k == "KESU_PUBLIC_RATE").then(|| "0".to_string());
        let c = resolve(file("public_phone_rate = 3\n"), &env, &Flags::default()).unwrap();
        assert_eq!(c.public_rate, 0);
        assert_eq!(c.sources["public_rate"], Source::Env);
        assert_eq!(c.public_phone_rate, 3);
        assert_eq!(c.key_value("public_rate"), "0 (off)");
        let now = time::OffsetDateTime::UNIX_EPOCH;
        let off = c.throttles();
        for _ in 0..100 {
            assert!(off.address(Some("10.0.0.1"), now).is_ok());
        }
        let mut flags = Flags::default();
        flags.set("public_rate", Some("1".into()));
        let c = resolve(None, &env, &flags).unwrap();
        let one = c.throttles();
        assert!(one.address(Some("10.0.0.1"), now).is_ok());
        assert!(one.address(Some("10.0.0.1"), now).is_err());
        let e = resolve(file("public_rate = -1\n"), &no_env, &Flags::default()).unwrap_err();
        assert!(
            e.0[0].contains("public_rate (KESU_PUBLIC_RATE"),
            "{:?}",
            e.0
        );
    }
}
