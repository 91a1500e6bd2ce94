//! `roundtrip serve was`: the application server (crate `was`) as a long-running service.

use std::net::SocketAddr;

/// The application server's flags (DESIGN.md's command-line contract).
#[derive(clap::Args, Debug)]
pub struct WasArgs {
    /// Address and port to listen on, e.g. 127.0.0.81:8080.
    #[arg(long)]
    pub listen: SocketAddr,
    /// The database: `sqlite://FILE` or `postgres://USER@HOST/DB`.
    #[arg(long, default_value = "sqlite://roundtrip-was.db")]
    pub db: String,
}

pub fn run(args: WasArgs) -> anyhow::Result<u8> {
    let _ = args;
    anyhow::bail!("serve was: being built (issue 5)")
}
