//! `roundtrip serve web`: the web server (crate `web`) as a long-running service.

use std::net::SocketAddr;
use std::path::PathBuf;

/// The web server's flags (DESIGN.md's command-line contract).
#[derive(clap::Args, Debug)]
pub struct WebArgs {
    /// Address and port to listen on, e.g. 127.0.0.80:8080.
    #[arg(long)]
    pub listen: SocketAddr,
    /// The document root: static files are served from here.
    #[arg(long)]
    pub root: PathBuf,
    /// Proxy a path prefix to an upstream: `PATH_PREFIX=http://HOST:PORT`. Repeatable; the same
    /// prefix given twice balances over both upstreams.
    #[arg(long = "proxy")]
    pub proxies: Vec<String>,
    /// A TOML config (virtual hosts, redirects, limits); flags override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Seconds a client has to send a whole request head (slowloris guard): 408 after.
    #[arg(long)]
    pub header_timeout: Option<f64>,
    /// The largest request head, in bytes: 431 above.
    #[arg(long)]
    pub max_header_bytes: Option<usize>,
    /// The largest request body, in bytes: 413 above.
    #[arg(long)]
    pub max_body_bytes: Option<u64>,
    /// Seconds an upstream has to answer a proxied request: 504 after.
    #[arg(long)]
    pub upstream_timeout: Option<f64>,
}

pub fn run(args: WebArgs) -> anyhow::Result<u8> {
    let _ = args;
    anyhow::bail!("serve web: being built (issue 5)")
}
