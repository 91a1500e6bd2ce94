//! Sockets and connections: the accept loop, one task per connection — the TLS handshake when
//! the server speaks HTTPS, then hyper's HTTP/2 connection when ALPN chose `h2`, else its
//! HTTP/1.1 state machine — the header-read timeout's 408, and graceful shutdown. Each accepted
//! socket is wrapped first in the send timeout (`send_timeout`), under TLS and hyper.
//!
//! hyper closes nothing by itself: without a timer and `header_read_timeout` a client that
//! never finishes its head holds the connection for ever. With them, hyper ends the connection
//! with a timeout error but sends nothing, so the connection task writes the 408 itself when
//! part of a head had arrived (an idle keep-alive connection is closed silently, as nginx does).

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::server::conn::{http1, http2};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::sync::watch;

use crate::access_log::AccessLogger;
use crate::body::ClientBody;
use crate::client_socket::{ClientSocket, accept_nonblocking};
use crate::config::{Limits, Redirect, WebConfig};
use crate::cork::{Cork, Corked};
use crate::fast_h1;
use crate::h2conn::{Ended, H2Conn, StreamExec};
use crate::handler::{self, BodyCheck, Connection, HeadCapture, Site};
use crate::proxy::Route;
use crate::send_timeout::SendTimed;
use crate::sendfile::MappedFile;
use crate::static_files::FileCache;
use crate::upstream::Connector;

/// What every connection and request of one server shares.
pub(crate) struct Shared {
    pub(crate) local_addr: SocketAddr,
    pub(crate) reporter: Arc<dyn journey::Reporter>,
    pub(crate) access_log: Option<Arc<AccessLogger>>,
    pub(crate) limits: Limits,
    pub(crate) redirects: Vec<Redirect>,
    pub(crate) vhosts: Vec<(Vec<String>, Site)>,
    pub(crate) default_site: Site,
    pub(crate) connector: Connector,
    /// Time zero of the passive-health clocks.
    pub(crate) epoch: Instant,
    /// The `Strict-Transport-Security` value sent on HTTPS responses.
    pub(crate) hsts: Option<http::HeaderValue>,
    /// Plain HTTP answers 301 to https:// on this port.
    pub(crate) https_redirect: Option<u16>,
    /// Plain HTTP/1.1 starts in `fast_h1`.
    pub(crate) fast_http1: bool,
    http: http1::Builder,
    h2: H2Settings,
    /// An HTTP/2 connection with no open stream this long is ended.
    idle_h2: Duration,
    tls: Option<tokio_rustls::TlsAcceptor>,
}

impl Shared {
    pub(crate) fn build(
        config: &WebConfig,
        reporter: Arc<dyn journey::Reporter>,
        local_addr: SocketAddr,
    ) -> Result<Self, crate::StartError> {
        let mut caches: Vec<(std::path::PathBuf, Arc<FileCache>)> = Vec::new();
        let mut cache_for = |root: &std::path::Path| -> Result<Arc<FileCache>, crate::StartError> {
            if let Some((_, cache)) = caches.iter().find(|(r, _)| r == root) {
                return Ok(cache.clone());
            }
            let cache = Arc::new(FileCache::new(root, config.static_files.clone())?);
            caches.push((root.to_owned(), cache.clone()));
            Ok(cache)
        };
        let default_site = Site {
            files: cache_for(&config.root)?,
            routes: routes(&config.proxies, &config.limits),
        };
        let mut vhosts = Vec::new();
        for vhost in &config.vhosts {
            let site = Site {
                files: cache_for(vhost.root.as_deref().unwrap_or(&config.root))?,
                routes: routes(&vhost.proxies, &config.limits),
            };
            vhosts.push((vhost.names.clone(), site));
        }
        let mut http = http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(config.limits.header_timeout)
            .max_header_size(config.limits.max_header_bytes.max(1024));
        let limits = &config.http2;
        let h2 = H2Settings {
            limits: limits.clone(),
            max_header_list_size: limits.max_header_list_size.unwrap_or(
                u32::try_from(config.limits.max_header_bytes.max(1024)).unwrap_or(u32::MAX),
            ),
        };
        let tls = config.tls.as_ref().map(|identity| {
            tokio_rustls::TlsAcceptor::from(identity.server_config(limits.enabled))
        });
        let hsts = config
            .hsts
            .as_deref()
            .and_then(|value| http::HeaderValue::from_str(value).ok());
        Ok(Shared {
            local_addr,
            reporter,
            access_log: AccessLogger::open(&config.access_log)?,
            limits: config.limits.clone(),
            redirects: config.redirects.clone(),
            vhosts,
            default_site,
            connector: Connector::new(&config.limits, config.upstream_bind),
            epoch: Instant::now(),
            hsts,
            https_redirect: config.https_redirect,
            fast_http1: config.fast_http1,
            http,
            h2,
            idle_h2: limits.idle_timeout.unwrap_or(config.limits.header_timeout),
            tls,
        })
    }
}

/// HTTP/2's settings; a builder is made per connection, as each has its own executor
/// (`h2conn::StreamExec`).
struct H2Settings {
    limits: crate::tls::Http2Limits,
    max_header_list_size: u32,
}

impl H2Settings {
    fn builder(&self, exec: StreamExec) -> http2::Builder<StreamExec> {
        let limits = &self.limits;
        let mut h2 = http2::Builder::new(exec);
        h2.timer(TokioTimer::new())
            .max_concurrent_streams(limits.max_concurrent_streams)
            .max_header_list_size(self.max_header_list_size)
            .initial_stream_window_size(limits.initial_stream_window)
            .initial_connection_window_size(limits.initial_connection_window)
            .max_frame_size(limits.max_frame_size)
            .max_pending_accept_reset_streams(limits.max_pending_accept_reset_streams)
            .max_local_error_reset_streams(limits.max_local_error_reset_streams)
            .keep_alive_interval(limits.keep_alive_interval)
            .keep_alive_timeout(limits.keep_alive_timeout);
        h2
    }
}

/// Longest prefix first, so `/api/v2` wins over `/api`.
fn routes(proxies: &[crate::config::ProxyRoute], limits: &Limits) -> Vec<Route> {
    let mut routes: Vec<Route> = proxies
        .iter()
        .map(|route| Route::new(route, limits.upstream_idle_timeout))
        .collect();
    routes.sort_by_key(|r| std::cmp::Reverse(r.prefix.len()));
    routes
}

/// Resolves when shutdown is asked for (or its sender is gone).
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|&stop| stop).await;
}

/// [`stopped`] for a future polled on every wake-up of a busy task (a keep-alive connection is
/// woken once or twice per request): after its first poll, which registers the task's waker,
/// the wait is polled again only when the channel's version has moved (one atomic load),
/// instead of taking the channel's lock each time.
pub(crate) async fn stop_signal(stop: &mut watch::Receiver<bool>) {
    let probe = stop.clone();
    let mut wait = std::pin::pin!(stopped(stop));
    let mut registered = false;
    std::future::poll_fn(|cx| {
        if registered && matches!(probe.has_changed(), Ok(false)) {
            return Poll::Pending;
        }
        registered = true;
        wait.as_mut().poll(cx)
    })
    .await
}

/// Accepts until shutdown, then waits up to `grace` for the connections to finish, and ends
/// those still running after it.
pub(crate) async fn accept_loop(
    listener: AsyncFd<std::net::TcpListener>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
    grace: Duration,
) {
    // Plain tasks and a counter rather than a JoinSet: a JoinSet wakes the accept loop once
    // more for every connection that ends, which a connection-per-request load pays for.
    let open = Arc::new(OpenConnections::default());
    let (force, forced) = watch::channel(false);
    if let Some(log) = shared.access_log.clone() {
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(200));
            loop {
                tokio::select! {
                    _ = tick.tick() => log.flush(),
                    _ = stopped(&mut stop) => break,
                }
            }
        });
    }
    loop {
        tokio::select! {
            biased;
            _ = stopped(&mut stop) => break,
            accepted = accept(&listener) => match accepted {
                Ok((stream, client)) => {
                    // On Linux an accepted socket inherits TCP_NODELAY from the listener
                    // (set in `prepare_listener`): one system call less per connection.
                    #[cfg(not(target_os = "linux"))]
                    if let Some(socket) = stream.sock_ref() {
                        let _ = socket.set_tcp_nodelay(true);
                    }
                    let guard = open.enter();
                    let ends = Ends { stop: stop.clone(), force: forced.clone() };
                    // Boxed: tokio moves a task's future several times as it spawns, polls
                    // and ends it (`Core::set_stage`), and a connection's is ~1 KiB (hyper's
                    // connection state); a pointer moves instead (-800 instructions each).
                    let serve = serve_connection(stream, client, shared.clone(), ends, guard);
                    tokio::spawn(Box::pin(serve));
                }
                // Out of descriptors or a connection reset before accept: wait a little
                // instead of spinning, then accept again.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
        }
    }
    drop(listener);
    if tokio::time::timeout(grace, open.all_closed())
        .await
        .is_err()
    {
        let _ = force.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(1), open.all_closed()).await;
    }
    if let Some(log) = &shared.access_log {
        log.flush();
    }
}

/// The next connection in `listener`'s queue, not registered with the reactor yet
/// (`client_socket`).
async fn accept(
    listener: &AsyncFd<std::net::TcpListener>,
) -> std::io::Result<(ClientSocket, SocketAddr)> {
    loop {
        let mut ready = listener.readable().await?;
        if let Ok(accepted) = ready.try_io(|listener| accept_nonblocking(listener.get_ref())) {
            return accepted.map(|(stream, client)| (ClientSocket::direct(stream), client));
        }
    }
}

/// Sets the options every accepted socket inherits from the listening one, so that none
/// costs a system call per connection: TCP_NODELAY (responses leave at once instead of
/// waiting for the client's ACK of the previous segment) and, with `defer_accept`,
/// TCP_DEFER_ACCEPT ([`WebConfig::defer_accept`]).
pub(crate) fn prepare_listener(listener: &std::net::TcpListener, defer_accept: bool) {
    let socket = socket2::SockRef::from(listener);
    let _ = socket.set_tcp_nodelay(true);
    #[cfg(target_os = "linux")]
    if defer_accept {
        // One second, as nginx's `deferred`: a client that has sent nothing by then is
        // accepted when it acknowledges the SYN-ACK the kernel sends again, and from there the
        // head timeout counts. Best effort: without it, connections are accepted as before.
        let seconds: libc::c_int = 1;
        // SAFETY: a valid socket and an int option of the size given.
        unsafe {
            libc::setsockopt(
                std::os::fd::AsRawFd::as_raw_fd(listener),
                libc::IPPROTO_TCP,
                libc::TCP_DEFER_ACCEPT,
                std::ptr::from_ref(&seconds).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = defer_accept;
}

/// How many connection tasks are running, and a way to wait until none is.
#[derive(Default)]
struct OpenConnections {
    count: AtomicUsize,
    closed: Notify,
}

/// Held by a connection task; counts it out when dropped.
struct OpenGuard(Arc<OpenConnections>);

impl OpenConnections {
    fn enter(self: &Arc<Self>) -> OpenGuard {
        self.count.fetch_add(1, Ordering::AcqRel);
        OpenGuard(self.clone())
    }

    async fn all_closed(&self) {
        loop {
            let notified = self.closed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.count.load(Ordering::Acquire) == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.closed.notify_waiters();
        }
    }
}

/// The two ways a connection is told to end: gracefully, then (after the grace) at once.
struct Ends {
    stop: watch::Receiver<bool>,
    force: watch::Receiver<bool>,
}

fn new_head() -> Mutex<HeadCapture> {
    Mutex::new(HeadCapture {
        bytes: Vec::new(),
        fresh: true,
        began: Instant::now(),
        regions: Default::default(),
        line: Default::default(),
        body: BodyCheck::Head,
    })
}

async fn serve_connection(
    stream: ClientSocket,
    client: SocketAddr,
    shared: Arc<Shared>,
    ends: Ends,
    open: OpenGuard,
) {
    // Every byte of every response leaves through this socket: the send timeout is counted
    // there (`send_timeout`).
    let stream = SendTimed::new(stream, shared.limits.send_timeout);
    if shared.tls.is_none() {
        return serve_http1(Io::Plain(stream), client, shared, ends, open).await;
    }
    // The TLS session and HTTP/2's connection state take kilobytes: boxed, so that the future of
    // every plain connection, which tokio moves several times as it spawns and ends it, stays
    // small.
    Box::pin(serve_tls(stream, client, shared, ends, open)).await;
}

async fn serve_tls(
    stream: SendTimed,
    client: SocketAddr,
    shared: Arc<Shared>,
    mut ends: Ends,
    open: OpenGuard,
) {
    let Some(acceptor) = &shared.tls else { return };
    // The handshake has the head's time: a client that stalls in it is dropped (the
    // slowloris guard of TLS), as is one whose handshake fails (rustls sent the alert).
    let accepted = tokio::select! {
        accepted = tokio::time::timeout(
            shared.limits.header_timeout,
            acceptor.accept(stream),
        ) => accepted,
        _ = stopped(&mut ends.stop) => return,
    };
    let Ok(Ok(tls)) = accepted else { return };
    if tls.get_ref().1.alpn_protocol() == Some(b"h2") {
        return serve_h2(tls, client, shared, ends, open).await;
    }
    serve_http1(Io::Tls(Box::new(tls)), client, shared, ends, open).await;
}

/// One HTTP/2 connection (over TLS, ALPN `h2`): hyper's h2 runs the streams, each request
/// entering `handler::handle` as over HTTP/1.1. The limits are the builder's (`Shared::build`);
/// the streams' execution, the write cork and the idle time are `h2conn`'s.
async fn serve_h2(
    tls: tokio_rustls::server::TlsStream<SendTimed>,
    client: SocketAddr,
    shared: Arc<Shared>,
    mut ends: Ends,
    _open: OpenGuard,
) {
    let connection = Arc::new(Connection {
        client,
        head: new_head(),
        secure: true,
        sendfile: false,
    });
    let service = {
        let shared = shared.clone();
        hyper::service::service_fn(move |request| {
            handler::handle(
                shared.clone(),
                connection.clone(),
                request.map(ClientBody::Hyper),
            )
        })
    };
    let idle = shared.idle_h2;
    let exec = StreamExec::default();
    // Responses written during one poll of the connection leave together (`cork`).
    let cork = Arc::new(Cork::default());
    let io = TokioIo::new(Corked::new(tls, cork.clone()));
    let conn = shared
        .h2
        .builder(exec.clone())
        .serve_connection(io, service);
    let mut conn = H2Conn::new(conn, exec, cork, idle);
    tokio::select! {
        ended = &mut conn => {
            if ended == Ended::Closed {
                return;
            }
            // GOAWAY NO_ERROR, as nginx ends an idle HTTP/2 connection; dropped after as long
            // again if it does not end (h2 waits for the PING it sends with the GOAWAY, and a
            // client that reads nothing never lets it be written).
            conn.conn().graceful_shutdown();
            tokio::select! {
                _ = &mut conn => {}
                _ = tokio::time::sleep(idle) => {}
                _ = stopped(&mut ends.force) => {}
            }
        }
        _ = stopped(&mut ends.stop) => {
            // GOAWAY: the streams in flight finish, no new one starts.
            conn.conn().graceful_shutdown();
            tokio::select! {
                _ = &mut conn => {}
                _ = stopped(&mut ends.force) => {}
            }
        }
    }
}

async fn serve_http1(
    stream: Io,
    client: SocketAddr,
    shared: Arc<Shared>,
    mut ends: Ends,
    _open: OpenGuard,
) {
    let plain = matches!(stream, Io::Plain(_));
    // One allocation for what the connection's requests and its writer share.
    let connection = Arc::new(Connection {
        client,
        head: new_head(),
        secure: !plain,
        // sendfile(2) writes file pages to the socket itself: not through TLS.
        sendfile: plain,
    });
    let mut io = Watched {
        stream,
        connection: connection.clone(),
        cap: shared.limits.max_header_bytes,
    };
    // Plain connections start without hyper (`fast_h1`), which hands over the first request
    // it does not take, with the bytes it has read.
    let mut replay = Bytes::new();
    if plain && shared.fast_http1 {
        let stop = &mut ends.stop;
        match fast_h1::serve(&mut io, &shared, &connection, stop, &mut ends.force).await {
            fast_h1::Ended::Closed => return,
            fast_h1::Ended::Hyper(read) => replay = read,
        }
    }
    let service = {
        let shared = shared.clone();
        hyper::service::service_fn(move |request| {
            handler::handle(
                shared.clone(),
                connection.clone(),
                request.map(ClientBody::Hyper),
            )
        })
    };
    let result = {
        let io = Replay {
            read: replay,
            io: &mut io,
        };
        let conn = shared.http.serve_connection(TokioIo::new(io), service);
        tokio::pin!(conn);
        tokio::select! {
            biased;
            result = conn.as_mut() => result,
            _ = stop_signal(&mut ends.stop) => {
                // Finishes the response in flight, then closes; an idle connection closes now.
                conn.as_mut().graceful_shutdown();
                tokio::select! {
                    result = conn.as_mut() => result,
                    _ = stopped(&mut ends.force) => return,
                }
            }
        }
    };
    let Err(err) = result else { return };
    let (partial, began) = {
        let capture = io.connection.head.lock().unwrap_or_else(|e| e.into_inner());
        (!capture.fresh && !capture.bytes.is_empty(), capture.began)
    };
    if err.is_timeout() && partial {
        handler::refuse_late_head(&mut io.stream, &shared, client, began).await;
    } else if err.is_parse_too_large() {
        handler::account_refused_head(&shared, client, 431, began);
    } else if err.is_parse() {
        handler::account_refused_head(&shared, client, 400, began);
    }
}

/// The connection as hyper gets it after `fast_h1`: what that loop read and did not use comes
/// first, then the socket.
struct Replay<'a> {
    read: Bytes,
    io: &'a mut Watched,
}

impl AsyncRead for Replay<'_> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if this.read.is_empty() {
            return Pin::new(&mut *this.io).poll_read(cx, buf);
        }
        let n = this.read.len().min(buf.remaining());
        buf.put_slice(&this.read.split_to(n));
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Replay<'_> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut *self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut *self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.get_mut().io).poll_shutdown(cx)
    }
}

/// The connection under HTTP/1.1: plain TCP, or TLS over it.
enum Io {
    Plain(SendTimed),
    Tls(Box<tokio_rustls::server::TlsStream<SendTimed>>),
}

impl AsyncRead for Io {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Io::Plain(stream) => Pin::new(stream).poll_read(cx, buf),
            Io::Tls(stream) => Pin::new(stream.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Io {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Io::Plain(stream) => Pin::new(stream).poll_write(cx, buf),
            Io::Tls(stream) => Pin::new(stream.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Io::Plain(stream) => Pin::new(stream).poll_write_vectored(cx, bufs),
            Io::Tls(stream) => Pin::new(stream.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Io::Plain(stream) => stream.is_write_vectored(),
            Io::Tls(stream) => stream.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Io::Plain(stream) => Pin::new(stream).poll_flush(cx),
            Io::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Io::Plain(stream) => Pin::new(stream).poll_shutdown(cx),
            Io::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
        }
    }
}

/// The connection as hyper's HTTP/1.1 sees it, keeping a copy of each request head's raw bytes
/// (up to the header limit): reads since the last write belong to the request being read.
struct Watched {
    stream: Io,
    /// Its `head` is the capture.
    connection: Arc<Connection>,
    cap: usize,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            let new = &mut buf.filled_mut()[before..];
            if !new.is_empty() {
                let mut capture = this
                    .connection
                    .head
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                if capture.fresh {
                    capture.fresh = false;
                    capture.bytes.clear();
                    capture.began = Instant::now();
                    capture.line.reset();
                    capture.body = BodyCheck::Head;
                }
                // HTTP/1.2 .. 1.9 -> 1.1 before hyper's parser sees it (`request_line`).
                capture.line.patch(new);
                let start = capture.bytes.len();
                let room = this.cap.saturating_sub(start);
                capture.bytes.extend_from_slice(&new[..new.len().min(room)]);
                capture.observe_body(start, new, this.cap);
            }
        }
        polled
    }
}

impl Watched {
    /// Notes that a response is being written, and finds the first of `bufs` that lies in a
    /// file mapped for sendfile: its index, the mapping and the offset in the file.
    fn wrote(&self, bufs: &[std::io::IoSlice<'_>]) -> Option<(usize, Arc<MappedFile>, usize)> {
        let mut state = self
            .connection
            .head
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // An interim response (100 Continue) is not the end of the request: its body follows.
        let interim = bufs
            .iter()
            .find(|b| !b.is_empty())
            .is_some_and(|b| b.starts_with(b"HTTP/1.1 1"));
        if !interim {
            state.fresh = true;
        }
        if state.regions.is_empty() || !matches!(self.stream, Io::Plain(_)) {
            return None;
        }
        bufs.iter().enumerate().find_map(|(i, buf)| {
            let (mapped, offset) = state.regions.find(buf).filter(|_| !buf.is_empty())?;
            Some((i, mapped, offset))
        })
    }

    fn poll_sendfile(
        &mut self,
        cx: &mut Context<'_>,
        mapped: &MappedFile,
        offset: usize,
        len: usize,
    ) -> Poll<std::io::Result<usize>> {
        let Io::Plain(stream) = &mut self.stream else {
            // `wrote` finds no region on a TLS connection.
            return Poll::Ready(Err(std::io::Error::other("sendfile through TLS")));
        };
        stream.poll_sendfile(cx, mapped, offset, len)
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        match this.wrote(&[std::io::IoSlice::new(buf)]) {
            Some((_, mapped, offset)) => this.poll_sendfile(cx, &mapped, offset, buf.len()),
            None => Pin::new(&mut this.stream).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        match this.wrote(bufs) {
            None => Pin::new(&mut this.stream).poll_write_vectored(cx, bufs),
            Some((0, mapped, offset)) => this.poll_sendfile(cx, &mapped, offset, bufs[0].len()),
            // What comes before the file (the response head) goes out first, held back by the
            // cork to leave in the file's first segment.
            Some((i, _, _)) => {
                if let Io::Plain(stream) = &mut this.stream {
                    stream.cork();
                }
                Pin::new(&mut this.stream).poll_write_vectored(cx, &bufs[..i])
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    /// hyper shuts the write side down just before the connection is dropped, and dropping
    /// it closes the socket, which sends the same FIN: `shutdown(2)` would be one more system
    /// call per connection for nothing. Over TLS the shutdown sends close_notify first.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match &mut self.get_mut().stream {
            Io::Plain(_) => Poll::Ready(Ok(())),
            tls => Pin::new(tls).poll_shutdown(cx),
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn the_listener_defers_accept_only_when_asked() {
        use std::os::fd::AsRawFd;
        let deferral = |listener: &std::net::TcpListener| {
            let mut value: libc::c_int = -1;
            let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
            // SAFETY: an int option read into an int of the size given.
            let rc = unsafe {
                libc::getsockopt(
                    listener.as_raw_fd(),
                    libc::IPPROTO_TCP,
                    libc::TCP_DEFER_ACCEPT,
                    std::ptr::from_mut(&mut value).cast(),
                    &mut len,
                )
            };
            assert_eq!(rc, 0);
            value
        };
        for defer_accept in [true, false] {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            prepare_listener(&listener, defer_accept);
            // The kernel rounds the seconds to SYN-ACK retransmissions and back.
            assert_eq!(deferral(&listener) > 0, defer_accept);
            assert!(socket2::SockRef::from(&listener).tcp_nodelay().unwrap());
        }
    }

    /// tokio copies a spawned future several times (into its task cell, and each change of the
    /// task's stage): TLS and HTTP/2 state inside it made every plain connection pay ~7 KiB per
    /// copy.
    #[test]
    fn a_plain_connection_future_stays_small() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let config = WebConfig::new(std::env::temp_dir());
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let _client = std::net::TcpStream::connect(addr).unwrap();
            let (stream, client) = accept_nonblocking(&listener).unwrap();
            let stream = ClientSocket::direct(stream);
            let shared = Arc::new(Shared::build(&config, Arc::new(journey::Silent), addr).unwrap());
            let (_stop, stopped) = watch::channel(false);
            let open = Arc::new(OpenConnections::default());
            let ends = Ends {
                stop: stopped.clone(),
                force: stopped,
            };
            let future = serve_connection(stream, client, shared, ends, open.enter());
            let size = std::mem::size_of_val(&future);
            assert!(size < 4096, "{size} bytes");
        });
    }
}
