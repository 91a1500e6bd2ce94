//! The web server of the lab's `www.google.com`, and `roundtrip serve web`: HTTP/1.1 and, over
//! TLS (rustls on ring, TLS 1.3 and 1.2), HTTP/2 on hyper, serving static files itself and
//! proxying configured path prefixes to upstreams (the WAS) over HTTP/1.1 with keep-alive.
//!
//! A request enters at [`spawn`]'s accept loop (`server::accept_loop`; on Linux the kernel
//! hands it a connection once the client's first bytes are there, [`WebConfig::defer_accept`]),
//! which gives each connection a task (`server::serve_connection`): the TLS handshake when the config has a
//! [`TlsIdentity`], then hyper's HTTP/2 connection when ALPN chose `h2` (with the limits of
//! [`Http2Limits`]), else HTTP/1.1. Plain HTTP/1.1 starts in the server's own loop
//! (`fast_h1`: GET and HEAD without a body, answered byte for byte as hyper would, in a fifth
//! fewer instructions per request), which hands the connection to hyper's HTTP/1.1 state
//! machine at the first request it does not take; over TLS hyper takes every request (the
//! header-read timeout and size limits apply either way). Over TLS every response carries
//! `Strict-Transport-Security`; a plain listener with `https_redirect` answers only 301 to
//! https://. Both call `handler::handle` for every request head: limits (414, 413, 400 for
//! Content-Length with Transfer-Encoding, for a Host that is not host[:port] and for bad
//! percent-encoding: `request_line`) -> redirect hosts (301) -> the virtual host by Host header
//! -> the method (TRACE and CONNECT 405, unknown 501) -> a proxied prefix (`proxy::forward`:
//! the body read whole first, 400/408/413 for the client's faults, keep-alive upstream
//! connections spoken by hand in the request's task (`upstream`: the request head written
//! straight from the client's fields, the answer read with httparse and held to hyper's client
//! by a test), round-robin, 502/504) or the static
//! files (`static_files`: a memory cache revalidated against the disk, 200/206/304/416; big
//! files by `sendfile`). The response body (`body::Body`) carries the request's account and,
//! once sent, writes the access log line (`access_log`, nginx's combined format plus request
//! time) and reports [`journey::EventKind::HttpServed`].
//!
//! ```text
//! client --TCP--> accept_loop --task--> fast_h1 | hyper http1 --head--> handle
//!                                                                |-- redirect host ----------> 301
//!                                                                |-- prefix --> forward --> upstream (idle list)
//!                                                                '-- static --> FileCache --> file
//! ```
//!
//! Below both, `server::Watched` sees the raw bytes: it keeps the request head (for what
//! hyper normalises away), rewrites HTTP/1.2..1.9 to 1.1 (`request_line`), and checks a
//! chunked body against RFC 9112's grammar (`chunked`), stricter than hyper's decoder.
//! Below everything, TLS included, the socket is a `send_timeout::SendTimed`: a response the
//! client takes nothing of for `limits.send_timeout` (nginx's `send_timeout`) ends its
//! connection, whichever way it is written (HTTP/1.1, sendfile, TLS, HTTP/2). Under it,
//! `client_socket::ClientSocket` makes the system calls directly until one would block, and
//! only then registers the socket with tokio's reactor: a one-request connection whose request
//! was there at accept never touches epoll.
//!
//! The caller binds the listener and the library serves on the caller's tokio runtime, so the
//! lab runs it beside the other servers and tests bind port 0.

mod access_log;
mod body;
#[doc(hidden)]
pub mod chunked; // pub for the fuzz targets
mod client_socket;
mod config;
mod cork;
#[doc(hidden)]
pub mod fast_h1; // pub for the fuzz target
mod h2conn;
mod handler;
mod proxy;
#[doc(hidden)]
pub mod request_line; // pub for the fuzz targets
mod send_timeout;
mod sendfile;
mod server;
mod static_files;
mod tls;
#[doc(hidden)]
pub mod upstream; // pub for the fuzz target

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{
    AccessLog, ConfigError, ConfigProblem, Limits, ProxyRoute, Redirect, StaticOptions,
    VirtualHost, WebConfig, add_proxy, parse_proxy_spec, parse_upstream, seconds,
};
pub use tls::{
    DEFAULT_HSTS, Http2Limits, IdentityError, TlsFileError, TlsFileProblem, TlsIdentity,
};

/// A web server running on a tokio runtime.
pub struct RunningWeb {
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    done: JoinHandle<()>,
}

/// Why the web server could not start. `Display` is English; [`StartError::describe`] says it
/// in a language.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A document root that cannot be used (it does not exist, or cannot be read).
    #[error("document root {}: {error}", path.display())]
    Root {
        /// The root as configured.
        path: std::path::PathBuf,
        /// The system's error.
        error: std::io::Error,
    },
    /// `cache_control` is not a valid header value.
    #[error("cache_control is not a valid header value")]
    CacheControl,
    /// The access log's file cannot be opened.
    #[error("{}: {error}", path.display())]
    AccessLog {
        /// The file.
        path: std::path::PathBuf,
        /// The system's error.
        error: std::io::Error,
    },
    /// The listener cannot be used.
    #[error("{0}")]
    Listener(std::io::Error),
}

impl StartError {
    /// The error in `lang`: what cannot be used, and the system's error by its kind.
    pub fn describe(&self, lang: text::Lang) -> String {
        use text::t;
        match self {
            StartError::Root { path, error } => t!(
                lang,
                "web-start-root",
                path = path.display().to_string(),
                error = text::io_error(lang, error)
            ),
            StartError::CacheControl => t!(lang, "web-start-cache-control"),
            StartError::AccessLog { path, error } => t!(
                lang,
                "web-start-access-log",
                path = path.display().to_string(),
                error = text::io_error(lang, error)
            ),
            StartError::Listener(error) => text::io_error(lang, error),
        }
    }
}

/// Starts serving `listener` with `config` on the current tokio runtime (this must be called
/// inside one), reporting each request to `reporter` when it is enabled. Fails if a document
/// root does not exist or the access log cannot be opened.
pub async fn spawn(
    listener: std::net::TcpListener,
    config: WebConfig,
    reporter: Arc<dyn journey::Reporter>,
) -> Result<RunningWeb, StartError> {
    listener
        .set_nonblocking(true)
        .map_err(StartError::Listener)?;
    server::prepare_listener(&listener, config.defer_accept);
    let local_addr = listener.local_addr().map_err(StartError::Listener)?;
    // SAFETY: the std listener owns its descriptor, which stays open and the same until the
    // AsyncFd (which owns the listener) is dropped.
    let listener = unsafe {
        tokio::io::unix::AsyncFd::register_with_interest(listener, tokio::io::Interest::READABLE)
    }
    .map_err(|refused| StartError::Listener(refused.into()))?;
    let shared = Arc::new(server::Shared::build(&config, reporter, local_addr)?);
    let (stop, stopped) = watch::channel(false);
    let done = tokio::spawn(server::accept_loop(
        listener,
        shared,
        stopped,
        config.shutdown_grace,
    ));
    Ok(RunningWeb {
        local_addr,
        stop,
        done,
    })
}

impl RunningWeb {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, lets in-flight requests finish (up to the config's `shutdown_grace`),
    /// closes idle connections, flushes the access log, and returns.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        let _ = (&mut self.done).await;
    }
}

impl Drop for RunningWeb {
    /// Dropped without [`RunningWeb::shutdown`]: the same shutdown starts, nobody waits for it.
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
