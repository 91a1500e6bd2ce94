//! The proxy's upstream connections: HTTP/1.1 keep-alive connections (hyper's client
//! `conn::http1`) driven by the task of the request that uses them, and a free list of idle
//! connections per upstream.
//!
//! hyper-util's pooled client ran every upstream connection in a task of its own, so each
//! proxied request paid for a pool lock with a hash of the pool key, a channel to that task, a
//! wake-up of it, and the way back. Here the downstream connection's task polls hyper's client
//! `Connection` itself, first while it waits for the response head ([`UpstreamConn::send`]),
//! then from the response body as hyper's server asks for it ([`Lease::drive`]): the upstream
//! socket wakes the task that needs the bytes, and nothing else runs in between. A connection
//! whose response was read whole goes back to its upstream's [`IdleList`] when the response body
//! is dropped; one abandoned mid-body is closed.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::{TrySendError, http1};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpSocket, TcpStream};

use crate::config::Limits;

pub(crate) type RequestBody = Full<Bytes>;
type ClientConnection = http1::Connection<TokioIo<TcpStream>, RequestBody>;

/// At most this many idle connections are kept per upstream.
const MAX_IDLE: usize = 256;

/// How upstream connections are opened.
pub(crate) struct Connector {
    bind: Option<IpAddr>,
    connect_timeout: Duration,
    http: http1::Builder,
}

impl Connector {
    pub(crate) fn new(limits: &Limits, bind: Option<IpAddr>) -> Self {
        Connector {
            bind,
            connect_timeout: limits.upstream_connect_timeout,
            http: http1::Builder::new(),
        }
    }

    /// A new connection to `addr`; an error means nothing was sent (the upstream refused the
    /// connection, or did not accept it within the connect timeout).
    pub(crate) async fn connect(&self, addr: SocketAddr) -> std::io::Result<Box<UpstreamConn>> {
        let socket = match addr {
            SocketAddr::V4(_) => TcpSocket::new_v4()?,
            SocketAddr::V6(_) => TcpSocket::new_v6()?,
        };
        if let Some(ip) = self.bind.filter(|ip| ip.is_ipv4() == addr.is_ipv4()) {
            socket.bind(SocketAddr::new(ip, 0))?;
        }
        socket.set_nodelay(true)?;
        keepalive(&socket);
        let stream = tokio::time::timeout(self.connect_timeout, socket.connect(addr))
            .await
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
        let (sender, connection) = self
            .http
            .handshake(TokioIo::new(stream))
            .await
            .map_err(std::io::Error::other)?;
        Ok(Box::new(UpstreamConn { sender, connection }))
    }
}

/// TCP keep-alive probes after a minute of silence, so a connection to an upstream that went
/// away without a FIN does not sit in the free list for the kernel's default two hours.
fn keepalive(socket: &TcpSocket) {
    let idle = socket2::TcpKeepalive::new().with_time(Duration::from_secs(60));
    let _ = socket2::SockRef::from(socket).set_tcp_keepalive(&idle);
}

/// One upstream connection: hyper's request side and its connection state machine, which
/// whoever holds it must poll. Boxed wherever it goes: hyper's state is most of a kilobyte,
/// and it moves into the free list and out of it with every request.
pub(crate) struct UpstreamConn {
    sender: http1::SendRequest<RequestBody>,
    connection: ClientConnection,
}

impl UpstreamConn {
    /// Sends `request` and drives the connection until the response head has arrived. An error
    /// that gives the request back means none of it was sent (the connection had closed).
    pub(crate) async fn send(
        &mut self,
        request: Request<RequestBody>,
    ) -> Result<Response<Incoming>, TrySendError<Request<RequestBody>>> {
        let mut response = pin!(self.sender.try_send_request(request));
        let connection = &mut self.connection;
        std::future::poll_fn(|cx| {
            if let Poll::Ready(done) = response.as_mut().poll(cx) {
                return Poll::Ready(done);
            }
            // The connection writes the request, reads the head and hands it to `response`;
            // when it ends (closed, or failed) `response` resolves with the error.
            let _ = connection.poll_without_shutdown(cx);
            response.as_mut().poll(cx)
        })
        .await
    }
}

/// The idle connections to one upstream, most recently used last, and their sweeper.
///
/// A connection idle for longer than the timeout is closed: by the request that finds it
/// when it looks for one, by a check-in that finds the oldest expired, and otherwise by a
/// sweep. The sweep is a task per list, started when a connection is checked in and none is
/// running; every quarter of the timeout, or every second if that is sooner, it closes those
/// past it, and it ends when it finds the list empty. So after traffic stops the connections
/// close at most that period after their timeout (nginx's upstream `keepalive_timeout`), and
/// the sweep wakes at most once a period whatever the load.
pub(crate) struct IdleList {
    state: Mutex<Idle>,
    timeout: Duration,
}

#[derive(Default)]
struct Idle {
    conns: Vec<(Box<UpstreamConn>, Instant)>,
    /// A sweep task is running for this list.
    sweeping: bool,
}

impl Idle {
    /// Closes the connections idle for longer than `timeout`; the oldest are first.
    fn expire(&mut self, timeout: Duration, now: Instant) {
        let expired = self
            .conns
            .iter()
            .take_while(|(_, since)| now.saturating_duration_since(*since) > timeout)
            .count();
        if expired > 0 {
            self.conns.drain(..expired); // dropped: closed
        }
    }
}

impl IdleList {
    pub(crate) fn new(timeout: Duration) -> Self {
        IdleList {
            state: Mutex::default(),
            timeout,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Idle> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An idle connection that is still open, if there is one.
    pub(crate) async fn checkout(&self) -> Option<Box<UpstreamConn>> {
        std::future::poll_fn(|cx| Poll::Ready(self.take_open(cx))).await
    }

    fn take_open(&self, cx: &mut Context<'_>) -> Option<Box<UpstreamConn>> {
        loop {
            let (mut conn, since) = self.lock().conns.pop()?;
            if since.elapsed() > self.timeout {
                continue; // dropped: closed
            }
            // One poll lets the connection finish its last exchange, or read the FIN of an
            // upstream that closed it while it was idle (then it ends: not reused).
            if conn.connection.poll_without_shutdown(cx).is_ready() || !conn.sender.is_ready() {
                continue;
            }
            return Some(conn);
        }
    }

    fn checkin(self: &Arc<Self>, conn: Box<UpstreamConn>) {
        let now = Instant::now();
        let mut idle = self.lock();
        // The oldest are first: drop those that timed out while the newer ones were used.
        idle.expire(self.timeout, now);
        if idle.conns.len() < MAX_IDLE {
            idle.conns.push((conn, now));
        }
        if !idle.sweeping
            && !idle.conns.is_empty()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            idle.sweeping = true;
            let period = (self.timeout / 4).clamp(Duration::from_millis(1), Duration::from_secs(1));
            runtime.spawn(sweep(Arc::downgrade(self), period));
        }
    }
}

/// Closes `list`'s connections as they pass the idle timeout, looking every `period`, until the
/// list is empty at a look (or gone: the server stopped).
///
/// Why a short period rather than a sleep until the oldest connection's deadline: tokio's
/// timer wakes its driver (an eventfd write) whenever a timer is registered that is due
/// sooner than every other, and hyper registers one for each request head (the header-read
/// timeout, 10 s). While every request waits on its upstream no such timer is alive, so a
/// sweep sleeping for a minute made each new head's timer the soonest: one extra system call
/// per proxied request (strace: write 1.0 per request against 0.035 without the sweep). A
/// period of at most a second keeps the sweep's timer the soonest instead.
async fn sweep(list: std::sync::Weak<IdleList>, period: Duration) {
    loop {
        tokio::time::sleep(period).await;
        let Some(list) = list.upgrade() else { return };
        let mut idle = list.lock();
        idle.expire(list.timeout, Instant::now());
        if idle.conns.is_empty() {
            idle.sweeping = false;
            return;
        }
    }
}

/// A connection lent to one response: it goes back to its list when the response has been read
/// whole, and is closed otherwise.
pub(crate) struct Lease {
    conn: Option<Box<UpstreamConn>>,
    home: Arc<IdleList>,
    /// The response body has been read to its end.
    pub(crate) finished: bool,
}

impl Lease {
    pub(crate) fn new(conn: Box<UpstreamConn>, home: Arc<IdleList>) -> Self {
        Lease {
            conn: Some(conn),
            home,
            finished: false,
        }
    }

    /// Lets the connection read more of the response body into hyper's body channel.
    pub(crate) fn drive(&mut self, cx: &mut Context<'_>) {
        if let Some(conn) = &mut self.conn
            && conn.connection.poll_without_shutdown(cx).is_ready()
        {
            // Closed or failed: the body channel reports how, and the connection is done.
            self.conn = None;
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if self.finished
            && let Some(conn) = self.conn.take()
        {
            self.home.checkin(conn);
        }
    }
}
