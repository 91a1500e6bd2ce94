//! One connection, HTTP/1.1 or HTTP/2 (as ALPN chose): hyper's client over our own `TcpStream`,
//! and its orderly close.
//!
//! HTTP/1.1: hyper's connection task runs with `without_shutdown`, so when the connection is
//! done hyper hands the socket back instead of closing it. That lets the browser close the way
//! the tour wants to show: the client sends its FIN first (`shutdown(Write)`), then reads until
//! the server's FIN (bounded by [`CLOSE_WAIT_BOUND`]), so the client's socket is the one that
//! holds TIME_WAIT (RFC 9293 §3.6: the side that closes first waits 2×MSL). Over TLS the
//! client's close_notify alert goes first (RFC 8446 §6.1), then the same FIN.
//!
//! HTTP/2 (RFC 9113): hyper's connection ends by itself once its last sender is dropped — a
//! GOAWAY, then the stream's shutdown: close_notify and the FIN — and does not hand the socket
//! back. So the browser keeps a second descriptor of the same socket (`dup`): the kernel socket
//! outlives hyper's, and the browser reads the server's FIN on it as for HTTP/1.1.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

use crate::tls::Stream;

/// How long to wait for the server's FIN after ours, and for hyper to hand the socket back.
pub const CLOSE_WAIT_BOUND: Duration = Duration::from_millis(500);

type Parts = http1::Parts<TokioIo<Stream>>;

/// An open connection the browser can send requests on.
pub(crate) struct Connection {
    pub id: u64,
    pub local: SocketAddr,
    pub remote: SocketAddr,
    pub requests: u64,
    /// What TLS agreed, for `https://`.
    pub tls: Option<crate::tls::TlsInfo>,
    pub send: Sender,
    task: Task,
}

/// Where requests go: hyper's HTTP/1.1 or HTTP/2 client.
pub(crate) enum Sender {
    Http1(http1::SendRequest<Full<Bytes>>),
    Http2(http2::SendRequest<Full<Bytes>>),
}

impl Sender {
    pub async fn send_request(
        &mut self,
        request: http::Request<Full<Bytes>>,
    ) -> hyper::Result<http::Response<Incoming>> {
        match self {
            Sender::Http1(send) => send.send_request(request).await,
            Sender::Http2(send) => send.send_request(request).await,
        }
    }

    pub fn is_closed(&self) -> bool {
        match self {
            Sender::Http1(send) => send.is_closed(),
            Sender::Http2(send) => send.is_closed(),
        }
    }

    pub async fn ready(&mut self) -> hyper::Result<()> {
        match self {
            Sender::Http1(send) => send.ready().await,
            Sender::Http2(send) => send.ready().await,
        }
    }

    /// Whether requests go as HTTP/2.
    pub fn is_http2(&self) -> bool {
        matches!(self, Sender::Http2(_))
    }
}

/// hyper's connection task.
enum Task {
    Http1(JoinHandle<hyper::Result<Parts>>),
    /// With a second descriptor of the socket, to see the close through (module doc).
    Http2(JoinHandle<hyper::Result<()>>, Option<socket2::Socket>),
}

/// Which side sent the first FIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Client,
    Server,
}

/// A connection the browser has closed.
#[derive(Debug, Clone, Serialize)]
pub struct ClosedConnection {
    /// The connection's number in this run (0, 1, ...), as in `-v`'s "Connection #0".
    pub id: u64,
    /// Our address and port.
    pub local: SocketAddr,
    /// The server's address and port.
    pub remote: SocketAddr,
    /// Requests sent on it.
    pub requests: u64,
    /// Who sent the first FIN; `None` if the connection ended in an error (hyper dropped it).
    pub first_fin: Option<Side>,
    /// Whether the server's FIN arrived within the bound after ours (or before it).
    pub server_fin_seen: bool,
}

/// Whether the peer's FIN has arrived on `tcp` (reading returns end-of-file), waiting for it
/// up to [`CLOSE_WAIT_BOUND`] if `wait`. Bytes still unread (a TLS alert) are read and dropped.
async fn peer_closed(tcp: &TcpStream, wait: bool) -> bool {
    let mut buf = [0u8; 4096];
    let mut check = || loop {
        match tcp.try_read(&mut buf) {
            Ok(0) => return Some(true),
            Ok(_) => continue,
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => return None,
            Err(_) => return Some(false),
        }
    };
    if !wait {
        return check().unwrap_or(false);
    }
    tokio::time::timeout(CLOSE_WAIT_BOUND, async {
        loop {
            if let Some(closed) = check() {
                return closed;
            }
            if tcp.readable().await.is_err() {
                return false;
            }
        }
    })
    .await
    .unwrap_or(false)
}

impl Connection {
    /// An HTTP/1.1 handshake on `stream` (nothing is sent: HTTP/1.1 has no preface), or with
    /// `http2` the HTTP/2 one (the client's preface and SETTINGS).
    pub async fn open(
        id: u64,
        stream: Stream,
        local: SocketAddr,
        remote: SocketAddr,
        http2: bool,
    ) -> hyper::Result<Connection> {
        let (send, task) = if http2 {
            let tcp = match &stream {
                Stream::Plain(tcp) => tcp,
                Stream::Tls(tls) => tls.get_ref().0,
            };
            // Failing to dup (out of descriptors) only loses the close's last word.
            let watch = socket2::SockRef::from(tcp).try_clone().ok();
            let (send, conn) = http2::Builder::new(TokioExecutor::new())
                .handshake(TokioIo::new(stream))
                .await?;
            (Sender::Http2(send), Task::Http2(tokio::spawn(conn), watch))
        } else {
            let (send, conn) = http1::Builder::new()
                // Header names on the wire as curl and browsers write them: `Host`, `User-Agent`.
                .title_case_headers(true)
                .handshake(TokioIo::new(stream))
                .await?;
            (
                Sender::Http1(send),
                Task::Http1(tokio::spawn(conn.without_shutdown())),
            )
        };
        Ok(Connection {
            id,
            local,
            remote,
            requests: 0,
            tls: None,
            send,
            task,
        })
    }

    /// Closes the connection in order: hyper gives the socket back once it is idle, then the
    /// client sends its FIN and reads to the server's. When the server has said it will close
    /// (`Connection: close`), `server_closes` waits (bounded) for its FIN first, so the story
    /// told is the one that happened on the wire rather than a race between the two FINs.
    pub async fn close(self, server_closes: bool) -> ClosedConnection {
        let Connection {
            id,
            local,
            remote,
            requests,
            send,
            task,
            ..
        } = self;
        // Without its sender, hyper's dispatcher finishes as soon as the connection is idle.
        drop(send);
        let mut closed = ClosedConnection {
            id,
            local,
            remote,
            requests,
            first_fin: None,
            server_fin_seen: false,
        };
        let mut task = match task {
            Task::Http1(task) => task,
            Task::Http2(task, watch) => return close_http2(closed, task, watch).await,
        };
        let parts = match tokio::time::timeout(CLOSE_WAIT_BOUND, &mut task).await {
            Ok(Ok(Ok(parts))) => parts,
            Ok(_) => return closed,
            Err(_) => {
                task.abort();
                return closed;
            }
        };
        let (server_first, mut tcp) = match parts.io.into_inner() {
            Stream::Plain(mut tcp) => {
                let server_first = peer_closed(&tcp, server_closes).await;
                let _ = tcp.shutdown().await;
                (server_first, tcp)
            }
            Stream::Tls(mut tls) => {
                let server_first = peer_closed(tls.get_ref().0, server_closes).await;
                // close_notify, then our FIN (tokio-rustls shuts the TCP side down after it).
                // Corked, the alert waits in the send queue and leaves in one segment with the
                // FIN: sent apart, the server can read the alert and send its own FIN before
                // ours leaves, and the close would be the server's.
                let _ = socket2::SockRef::from(tls.get_ref().0).set_tcp_cork(true);
                let _ = tls.shutdown().await;
                let (tcp, _) = tls.into_inner();
                (server_first, tcp)
            }
        };
        closed.first_fin = Some(if server_first {
            Side::Server
        } else {
            Side::Client
        });
        let mut buf = [0u8; 4096];
        closed.server_fin_seen = server_first
            || tokio::time::timeout(CLOSE_WAIT_BOUND, async {
                // Bounded by the timeout around it; whatever arrives after our FIN (a TLS
                // close_notify, say) is read and dropped.
                loop {
                    match tcp.read(&mut buf).await {
                        Ok(0) => return true,
                        Ok(_) => continue,
                        Err(_) => return false,
                    }
                }
            })
            .await
            .unwrap_or(false);
        closed
    }
}

/// The HTTP/2 close: hyper sends GOAWAY, close_notify and the FIN once its sender is gone (the
/// caller dropped it); then the server's FIN is read on the second descriptor.
async fn close_http2(
    mut closed: ClosedConnection,
    mut task: JoinHandle<hyper::Result<()>>,
    watch: Option<socket2::Socket>,
) -> ClosedConnection {
    // Corked, GOAWAY, the alert and the FIN leave together, as for HTTP/1.1 over TLS.
    if let Some(watch) = &watch {
        let _ = watch.set_tcp_cork(true);
    }
    let ended = tokio::time::timeout(CLOSE_WAIT_BOUND, &mut task).await;
    if !matches!(ended, Ok(Ok(Ok(())))) {
        task.abort();
        return closed;
    }
    closed.first_fin = Some(Side::Client);
    let Some(watch) = watch else {
        return closed;
    };
    let _ = watch.set_tcp_cork(false);
    let Ok(std_tcp) = watch
        .set_nonblocking(true)
        .map(|()| std::net::TcpStream::from(watch))
    else {
        return closed;
    };
    let Ok(tcp) = TcpStream::from_std(std_tcp) else {
        return closed;
    };
    closed.server_fin_seen = peer_closed(&tcp, true).await;
    closed
}
