//! `kesu serve`: the web platform on a local address.

use anyhow::Context;
use clap::Args;
use std::net::SocketAddr;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// 监听地址，默认 127.0.0.1:8080 (address to listen on)
    #[arg(long)]
    pub bind: Option<SocketAddr>,
    /// 在 HTTPS 反向代理之后运行时设置：会话 Cookie 带 Secure 标记 (behind TLS)
    #[arg(long)]
    pub secure_cookies: bool,
    #[command(flatten)]
    pub ops: crate::config::ServeFlags,
}

pub fn run(cfg: &crate::config::Config) -> anyhow::Result<()> {
    let rt = super::db::runtime()?;
    rt.block_on(async {
        let db = kesu_store::Db::open(&cfg.database_url).await?;
        let mut state = kesu_web::AppState::new(db.clone(), cfg.data_dir.join("files"));
        cfg.apply_to(&mut state)?;
        state.keys = super::keys::load_for_serve(cfg)?;
        if state.keys.is_none() {
            // The server still runs; the pages that take or show personal data answer 503.
            tracing::warn!("{}", kesu_app::services::NO_KEYS);
        }
        let _jobs = kesu_app::jobs::start(kesu_app::Ctx::new(db.clone()), cfg.jobs_plan());
        serve(state, cfg.bind).await?;
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
