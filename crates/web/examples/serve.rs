//! The web server alone, as `roundtrip serve web --workers 1 --access-log off` runs it, for
//! profiling (callgrind, perf, strace) without building the whole `roundtrip` binary:
//!
//! ```text
//! cargo build --release -p web --example serve
//! serve LISTEN ROOT [PREFIX=http://UPSTREAM]...
//! ```
//!
//! One current-thread runtime, no access log, no journey, mimalloc as in the binary; stops on
//! Ctrl-C or SIGTERM. With `SERVE_HYPER_ONLY=1` in the environment hyper takes every request
//! (`WebConfig::fast_http1` off), to compare the two HTTP/1.1 paths in one build.

use std::sync::Arc;

// The allocator of the `roundtrip` binary (crates/cli/src/main.rs), so the counts are its.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(listen), Some(root)) = (args.next(), args.next()) else {
        eprintln!("usage: serve LISTEN ROOT [PREFIX=http://UPSTREAM]...");
        std::process::exit(2);
    };
    let mut config = web::WebConfig::new(&root);
    config.access_log = web::AccessLog::Off;
    config.fast_http1 = std::env::var_os("SERVE_HYPER_ONLY").is_none();
    for spec in args {
        let (prefix, upstream) = web::parse_proxy_spec(&spec).map_err(std::io::Error::other)?;
        web::add_proxy(&mut config.proxies, &prefix, upstream);
    }
    let listener = std::net::TcpListener::bind(&listen)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let server = web::spawn(listener, config, Arc::new(journey::Silent))
            .await
            .map_err(std::io::Error::other)?;
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        server.shutdown().await;
        Ok(())
    })
}
