//! A small real HTTP/1.1 (and, over TLS when ALPN picks `h2`, HTTP/2) server for the browser's
//! tests: hyper's server on a real socket, in a
//! thread of its own, with a route for every case the tests need. It counts connections and
//! records, per connection, when it read the client's end-of-file and when it shut down its
//! own side — which is how a test sees who sent the first FIN without capturing packets.
//!
//! Routes:
//! - `/ok` 200 `hello`; `/hsts` 200 with `Strict-Transport-Security`; `/missing` 404; `/close` 200 with `Connection: close`
//! - `/status/CODE?to=PATH` CODE with `Location: PATH`
//! - `/echo` 200, body `METHOD LENGTH BODY` of the request it got
//! - `/loop/a` -> `/loop/b` -> `/loop/a` (302s); `/chain/N` 302 to `/chain/N-1`, `/chain/0` 200
//! - `/slow` 200 after [`SLOW_FIRST_BYTE`]

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// How long `/slow` waits before its response head.
pub const SLOW_FIRST_BYTE: Duration = Duration::from_millis(300);

/// What the server's side of one connection did, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnEvent {
    /// A read returned end-of-file: the client's FIN arrived.
    ReadEof,
    /// The server shut its side down: its FIN left.
    Shutdown,
}

type Events = Arc<Mutex<Vec<ConnEvent>>>;

pub struct TestServer {
    pub addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    events: Arc<Mutex<Vec<(SocketAddr, Events)>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    /// Serves on `listener` until dropped.
    pub fn start(listener: std::net::TcpListener) -> TestServer {
        Self::start_with(listener, None)
    }

    /// Serves HTTPS with `tls` on `listener` until dropped.
    pub fn start_tls(
        listener: std::net::TcpListener,
        tls: Arc<rustls::ServerConfig>,
    ) -> TestServer {
        Self::start_with(listener, Some(tokio_rustls::TlsAcceptor::from(tls)))
    }

    fn start_with(
        listener: std::net::TcpListener,
        tls: Option<tokio_rustls::TlsAcceptor>,
    ) -> TestServer {
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let events: Arc<Mutex<Vec<(SocketAddr, Events)>>> = Arc::default();
        let (stop, mut stopped) = tokio::sync::oneshot::channel();
        let (count, log) = (connections.clone(), events.clone());
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let (stream, peer) = tokio::select! {
                        accepted = listener.accept() => match accepted {
                            Ok(accepted) => accepted,
                            Err(_) => continue,
                        },
                        _ = &mut stopped => break,
                    };
                    count.fetch_add(1, Ordering::SeqCst);
                    let recorded: Events = Arc::default();
                    log.lock().unwrap().push((peer, recorded.clone()));
                    let stream = Recorded {
                        inner: stream,
                        events: recorded,
                    };
                    let tls = tls.clone();
                    tokio::spawn(async move {
                        let http = hyper::server::conn::http1::Builder::new();
                        let service = hyper::service::service_fn(route);
                        let _ = match tls {
                            None => http.serve_connection(TokioIo::new(stream), service).await,
                            Some(tls) => match tls.accept(stream).await {
                                // HTTP/2 when ALPN chose it.
                                Ok(stream) if stream.get_ref().1.alpn_protocol() == Some(b"h2") => {
                                    hyper::server::conn::http2::Builder::new(
                                        hyper_util::rt::TokioExecutor::new(),
                                    )
                                    .serve_connection(TokioIo::new(stream), service)
                                    .await
                                }
                                Ok(stream) => {
                                    http.serve_connection(TokioIo::new(stream), service).await
                                }
                                Err(_) => return,
                            },
                        };
                    });
                }
            });
        });
        TestServer {
            addr,
            connections,
            events,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// What the server's side of the connection from `peer` did so far.
    pub fn events_of(&self, peer: SocketAddr) -> Vec<ConnEvent> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .find(|(p, _)| *p == peer)
            .map(|(_, e)| e.lock().unwrap().clone())
            .unwrap_or_default()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn route(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or("").to_owned();
    let method = request.method().to_string();
    let body = request
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let reply = |status: u16, text: String| {
        Response::builder()
            .status(status)
            .header("content-type", "text/plain")
            .body(Full::new(Bytes::from(text)))
            .unwrap()
    };
    let redirect = |status: u16, to: String| {
        Response::builder()
            .status(status)
            .header("location", to)
            .body(Full::new(Bytes::new()))
            .unwrap()
    };
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let response = match parts.as_slice() {
        ["ok"] => reply(200, "hello\n".into()),
        ["hsts"] => {
            let mut response = reply(200, "https only\n".into());
            response.headers_mut().insert(
                "strict-transport-security",
                hyper::header::HeaderValue::from_static("max-age=600; includeSubDomains"),
            );
            response
        }
        ["close"] => {
            let mut response = reply(200, "bye\n".into());
            response
                .headers_mut()
                .insert("connection", "close".parse().unwrap());
            response
        }
        ["echo"] => reply(
            200,
            format!("{method} {} {}", body.len(), String::from_utf8_lossy(&body)),
        ),
        ["status", code] => {
            let to = query.strip_prefix("to=").unwrap_or("/ok").to_owned();
            redirect(code.parse().unwrap_or(500), to)
        }
        ["loop", "a"] => redirect(302, "/loop/b".into()),
        ["loop", "b"] => redirect(302, "/loop/a".into()),
        ["chain", n] => match n.parse::<u32>() {
            Ok(0) => reply(200, "end of the chain\n".into()),
            Ok(n) => redirect(302, format!("/chain/{}", n - 1)),
            Err(_) => reply(400, "bad chain\n".into()),
        },
        ["slow"] => {
            tokio::time::sleep(SLOW_FIRST_BYTE).await;
            reply(200, "slow\n".into())
        }
        _ => reply(404, "not here\n".into()),
    };
    Ok(response)
}

/// A TCP stream that records its end-of-file and its shutdown.
struct Recorded {
    inner: TcpStream,
    events: Events,
}

impl AsyncRead for Recorded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() == before {
            self.events.lock().unwrap().push(ConnEvent::ReadEof);
        }
        polled
    }
}

impl AsyncWrite for Recorded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_shutdown(cx);
        if polled.is_ready() {
            self.events.lock().unwrap().push(ConnEvent::Shutdown);
        }
        polled
    }
}
