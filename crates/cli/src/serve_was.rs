//! `roundtrip serve was`: the application server (crate `was`) as a long-running service.
//!
//! Builds its own tokio runtime, binds the listener, and runs until Ctrl-C or SIGTERM, then
//! shuts down gracefully (requests in flight finish, the pool closes).

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use text::{Lang, t};

/// The application server's flags (DESIGN.md's command-line contract).
#[derive(clap::Args, Debug)]
pub struct WasArgs {
    /// Address and port to listen on, e.g. 127.0.0.81:8080.
    #[arg(long)]
    pub listen: SocketAddr,
    /// The database: `sqlite://FILE` or `postgres://USER@HOST/DB`.
    #[arg(long, default_value = "sqlite://roundtrip-was.db")]
    pub db: String,
    /// Database connections in the pool at most.
    #[arg(long, default_value_t = 8)]
    pub max_connections: u32,
    /// The largest request body, in bytes: 413 above.
    #[arg(long, default_value_t = 64 * 1024)]
    pub max_body_bytes: usize,
    /// Seconds a client has to send a whole request head; the connection is closed after.
    #[arg(long, default_value_t = 10.0)]
    pub header_timeout: f64,
    /// What goes to stderr: `error`, `warn`, `info` (one access line per request) or `debug`.
    #[arg(long, default_value = "info")]
    pub log_level: tracing::Level,
}

pub fn run(args: WasArgs, lang: Lang) -> anyhow::Result<u8> {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(args.log_level)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    let listener = match std::net::TcpListener::bind(args.listen) {
        Ok(listener) => listener,
        Err(err) => {
            crate::serve::cannot_bind(lang, "TCP", args.listen, &err);
            return Ok(1);
        }
    };
    let header_read_timeout = match std::time::Duration::try_from_secs_f64(args.header_timeout) {
        Ok(timeout) if !timeout.is_zero() => timeout,
        _ => {
            eprintln!("roundtrip: {}", t!(lang, "serve-was-header-timeout"));
            return Ok(2);
        }
    };
    let config = was::WasConfig {
        db_url: args.db.clone(),
        header_read_timeout,
        max_connections: args.max_connections,
        max_body_bytes: args.max_body_bytes,
        ..was::WasConfig::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .with_context(|| t!(lang, "serve-cannot-start-runtime"))?;
    runtime.block_on(async move {
        let running = match was::spawn(listener, config, Arc::new(journey::Silent)).await {
            Ok(running) => running,
            Err(err @ was::WasError::BadDbUrl { .. }) => {
                let error = crate::reasons::was_error(lang, &err);
                eprintln!("roundtrip: {}", t!(lang, "serve-was-bad-db", error = error));
                return Ok(2);
            }
            Err(err) => return Err(err.into()),
        };
        // Listening before saying where it serves: a script may signal right after.
        let mut stop = lab::StopSignals::listen()?;
        eprintln!(
            "{}",
            t!(
                lang,
                "serve-was-serving",
                url = format!("http://{}", running.local_addr()),
                kind = running.db_kind().name(),
                db = &args.db
            )
        );
        stop.arrived().await;
        eprintln!("{}", t!(lang, "serve-was-stopping"));
        running.shutdown().await;
        Ok(0)
    })
}
