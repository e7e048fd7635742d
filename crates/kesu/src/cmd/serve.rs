//! `kesu serve`: the web platform on a local address.

use super::GlobalOpts;
use anyhow::Context;
use clap::Args;
use std::net::SocketAddr;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// 监听地址 (address to listen on)
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// 在 HTTPS 反向代理之后运行时设置：会话 Cookie 带 Secure 标记 (behind TLS)
    #[arg(long)]
    pub secure_cookies: bool,
    /// 可信反向代理的地址或网段（可重复，或以逗号分隔）：仅对来自这些地址的连接采信
    /// X-Forwarded-For 中最右侧的非代理地址作为客户端地址 (trusted reverse proxies, e.g. 10.0.0.0/8)
    #[arg(
        long = "trusted-proxy",
        value_name = "ADDR|CIDR",
        value_delimiter = ',',
        env = "KESU_TRUSTED_PROXIES"
    )]
    pub trusted_proxies: Vec<String>,
}

/// The data directory the options select (evidence files live under it).
pub fn data_dir(g: &GlobalOpts) -> std::path::PathBuf {
    g.data_dir
        .clone()
        .unwrap_or_else(kesu_store::default_data_dir)
}

pub fn run(g: &GlobalOpts, a: ServeArgs) -> anyhow::Result<()> {
    let trusted = kesu_web::client_ip::TrustedProxies::parse(&a.trusted_proxies)
        .map_err(|e| anyhow::anyhow!("--trusted-proxy：{e}"))?;
    let rt = super::db::runtime()?;
    rt.block_on(async {
        let db = kesu_store::Db::open(&super::db::url(g)).await?;
        let mut state = kesu_web::AppState::new(db.clone(), data_dir(g).join("files"));
        state.keys = super::keys::load_optional(g)?;
        state.secure_cookies = a.secure_cookies;
        state.trusted_proxies = std::sync::Arc::new(trusted);
        serve(state, a.bind).await?;
        db.close().await;
        Ok(())
    })
}

/// Listen on `bind` and serve until Ctrl-C.
pub async fn serve(state: kesu_web::AppState, bind: SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("无法监听 {bind} (cannot listen)"))?;
    let addr = listener.local_addr()?;
    eprintln!("科素已启动：http://{addr}/ （按 Ctrl-C 停止）");
    kesu_web::serve(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .context("服务器异常退出 (server failed)")
}
