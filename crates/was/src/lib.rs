//! The application server (WAS): the lab's search engine, on SQLite or PostgreSQL.
//!
//! The web server serves the lab's static pages itself and hands the dynamic paths to this
//! server, which builds each page from the database. It is an axum application on one sqlx
//! `Any` pool, so SQLite (the default, a file) and PostgreSQL run the same code; the only SQL
//! that differs, full-text search, lives in one place (`db::Dialect`).
//!
//! # Layout
//!
//! A request enters at [`spawn`]'s listener and goes `serve` (the accept loop: hyper's
//! HTTP/1.1 server with a header read timeout) -> the axum router -> `app::track` (timing,
//! Server-Timing, journey) -> `app::{search, add_document, document, health, not_found}` ->
//! `db::Database` (health check, timed statements) -> `pages`:
//!
//! ```text
//! client ──HTTP──> app::track ──> handler ──> Database::{search, add_document, ...}
//!                      │              │             │ each statement: SqlRan { statement, rows, ms }
//!                      │              └─> pages (minijinja, HTML escaped)
//!                      └─ Server-Timing: app;dur=.., db;dur=..  + WasHandled { handler, status, .. }
//! ```
//!
//! - `db`: the pool, the database's health (up / down with a background supervisor that
//!   reconnects, migrates and seeds), the statements and their SQLite / PostgreSQL dialects.
//! - `app`: routes, request parsing (form and JSON, strict), status codes, the middleware.
//! - `pages`: the templates (embedded) and their rendering.
//! - `seed`: the corpus loaded into an empty database on its first start.
//!
//! # What stays true
//!
//! - The server starts whether or not the database is reachable; while it is not, requests
//!   that need it get 503 at once, and the supervisor brings it back (migrations and seed
//!   included) as soon as it answers.
//! - `POST /documents` answers 201 only after its transaction committed; SQLite runs in WAL
//!   mode with `synchronous=FULL`, so a committed row survives a process kill and a power loss.
//! - No internal error text reaches a client: a failed handler answers a generic 500 page and
//!   the details go to the log.

mod app;
mod db;
mod pages;
mod seed;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use db::DbKind;

/// How the application server runs.
#[derive(Debug, Clone)]
pub struct WasConfig {
    /// `sqlite://FILE` (relative or, with a third slash, absolute) or `postgres://USER@HOST/DB`.
    pub db_url: String,
    /// Connections in the pool at most.
    pub max_connections: u32,
    /// How long a request waits for a connection before it gets 503.
    pub acquire_timeout: Duration,
    /// The largest request body accepted (`POST /documents`); larger ones get 413.
    pub max_body_bytes: usize,
    /// How long a client has to send a whole request head before the connection is closed
    /// (a slowloris guard: hyper enforces it only when it is given a timer, as here).
    pub header_read_timeout: Duration,
}

impl WasConfig {
    /// The defaults, on the database at `db_url`.
    pub fn new(db_url: impl Into<String>) -> WasConfig {
        WasConfig {
            db_url: db_url.into(),
            ..WasConfig::default()
        }
    }
}

impl Default for WasConfig {
    fn default() -> WasConfig {
        WasConfig {
            db_url: "sqlite://roundtrip-was.db".to_owned(),
            max_connections: 8,
            acquire_timeout: Duration::from_secs(3),
            max_body_bytes: 64 * 1024,
            header_read_timeout: Duration::from_secs(10),
        }
    }
}

/// Why the server could not start. A database that is down is not one of them.
#[derive(Debug, thiserror::Error)]
pub enum WasError {
    /// The database URL is neither `sqlite:` nor `postgres:` / `postgresql:`, or is malformed.
    #[error("bad database URL {url:?}: {reason}")]
    BadDbUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: DbUrlProblem,
    },
    /// The listener given could not be used.
    #[error("cannot serve on the listener: {0}")]
    Listener(#[source] std::io::Error),
}

impl WasError {
    /// The error in `lang`: a database URL by what is wrong with it (the driver's own words,
    /// sqlx's, quoted and attributed), the listener by the system's error. English is
    /// `Display`, the driver's words as they are.
    pub fn describe(&self, lang: text::Lang) -> String {
        use text::t;
        if lang == text::Lang::En {
            return self.to_string();
        }
        match self {
            WasError::BadDbUrl { url, reason } => {
                let why = match reason {
                    DbUrlProblem::SqliteNeedsFile => t!(lang, "db-url-sqlite-needs-file"),
                    DbUrlProblem::UnknownScheme => t!(lang, "db-url-unknown-scheme"),
                    DbUrlProblem::Driver(detail) => t!(lang, "db-url-driver", detail = detail),
                };
                t!(lang, "db-url-bad", url = format!("{url:?}"), why = why)
            }
            WasError::Listener(err) => {
                t!(lang, "was-listener", error = text::io_error(lang, err))
            }
        }
    }
}

/// What is wrong with a database URL: each a class of its own, so that it can be said in any
/// language; `Display` is English.
#[derive(Debug, thiserror::Error)]
pub enum DbUrlProblem {
    /// `sqlite:` with no file (or `:memory:`, which would lose every row at a restart).
    #[error("a SQLite URL needs a file: sqlite://FILE")]
    SqliteNeedsFile,
    /// Neither `sqlite:` nor `postgres:` / `postgresql:`.
    #[error("expected sqlite://FILE or postgres://...")]
    UnknownScheme,
    /// The driver (sqlx) refused its options: its own words, free text.
    #[error("{0}")]
    Driver(String),
}

/// A running application server; [`RunningWas::shutdown`] stops it gracefully.
pub struct RunningWas {
    local_addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<()>,
    database: Arc<db::Database>,
}

impl RunningWas {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The database's kind (`sqlite` or `postgres`).
    pub fn db_kind(&self) -> &DbKind {
        self.database.kind()
    }

    /// Stops accepting connections, lets requests in flight finish, then closes the pool.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.server.await;
        self.database.close().await;
    }
}

/// Starts the application server on `listener` (already bound, as the caller decides the
/// address) and returns once it accepts connections. Call it inside a tokio runtime.
///
/// The database is tried once before returning (so a reachable one is migrated and seeded by
/// then); if it is unreachable the server starts anyway, answers 503 where the database is
/// needed, and a background task keeps trying. Only a malformed `db_url` or an unusable
/// listener is an error.
pub async fn spawn(
    listener: std::net::TcpListener,
    config: WasConfig,
    reporter: Arc<dyn journey::Reporter>,
) -> Result<RunningWas, WasError> {
    listener.set_nonblocking(true).map_err(WasError::Listener)?;
    let listener = tokio::net::TcpListener::from_std(listener).map_err(WasError::Listener)?;
    let local_addr = listener.local_addr().map_err(WasError::Listener)?;
    let host = journey::Host {
        role: "was".to_owned(),
        addr: local_addr,
    };
    let database = Arc::new(db::Database::open(&config, reporter.clone(), host.clone())?);
    database.start().await;

    let router = app::router(app::Shared {
        database: database.clone(),
        reporter,
        host,
        max_body_bytes: config.max_body_bytes,
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, router, config.header_read_timeout, stopped));
    tracing::info!(%local_addr, database = database.kind().name(), "application server listening");
    Ok(RunningWas {
        local_addr,
        stop,
        server,
        database,
    })
}

/// The accept loop: each connection is served by hyper's HTTP/1.1 server with a timer (so the
/// header read timeout applies) and watched for graceful shutdown. On `stopped` the listener
/// closes, connections finish their request in flight (10 s at most) and are closed.
async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    header_read_timeout: Duration,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    use tower::ServiceExt;
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stopped => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service =
            hyper::service::service_fn(move |request: http::Request<hyper::body::Incoming>| {
                router.clone().oneshot(request.map(axum::body::Body::new))
            });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(header_read_timeout)
            .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(%err, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(Duration::from_secs(10), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open 10 s after shutdown began; closing them");
    }
}
