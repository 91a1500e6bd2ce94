//! The proxy's upstream connections: HTTP/1.1 keep-alive connections, spoken by hand in the
//! task of the request that uses them, and a free list of idle connections per upstream.
//!
//! A proxied request is written in one vectored write ([`UpstreamConn::send`]: the head the
//! proxy composed, the body read whole before); the response head is read with httparse into
//! the `http` types the handler answers with, and the body is read from the same socket as the
//! downstream side asks for it ([`UpstreamBody`]), so the upstream socket wakes the task that
//! needs the bytes and nothing else runs in between. A connection whose response was read
//! whole, and that may stay open, goes back to its upstream's [`IdleList`] when the response
//! body is dropped; one abandoned mid-body is closed.
//!
//! Why not hyper's client (`conn::http1`, used here before): its dispatcher, the request's
//! `HeaderMap` grown by the forwarding fields and encoded again, and the response channel
//! were 14k of the proxy's 35k user-space instructions per request; written and read here,
//! the proxy takes 21k (nginx 20.6k; bench/RESULTS.md, issue 14). What hyper's client does is kept, and crates/web/tests/it/upstream_client.rs
//! holds this reading to hyper's on the same upstream answers (44 of them):
//! - the response's framing (RFC 9112 §6.3): none after HEAD, for 1xx, 204 and 304; chunked
//!   when Transfer-Encoding ends in `chunked`, read to the close when it does not; else
//!   Content-Length (several values must agree); else read to the close. Transfer-Encoding in
//!   an HTTP/1.0 response, a Content-Length that is not a number, a head httparse refuses, more
//!   than [`MAX_HEADERS`] fields or [`MAX_HEAD_BYTES`] bytes: the upstream's fault (502);
//! - interim responses (1xx) are read and dropped; the connection stays open after the
//!   response unless it says `close`, or it is HTTP/1.0 without `keep-alive`, or its body ran to
//!   the close;
//! - a connection that has closed, or sent something, while idle is not used again.
//!
//! Where it differs, on purpose: a chunked body is held to RFC 9112 §7.1's grammar
//! (`crate::chunked`, the checker the request bodies pass) where hyper reads chunk extensions
//! leniently; a response with both Transfer-Encoding and Content-Length loses the
//! Content-Length before it goes on (RFC 9112 §6.3: the length is not the message's); `101
//! Switching Protocols`, which the proxy never asks for (Upgrade is hop-by-hop), is a 502; a
//! reason phrase is not kept (the downstream side writes the status's own, as HTTP/2 has none).

use std::future::Future;
use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes, BytesMut};
use http::StatusCode;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpSocket, TcpStream};

use crate::chunked::{ChunkedChecker, Verdict};
use crate::config::Limits;

/// At most this many idle connections are kept per upstream.
const MAX_IDLE: usize = 256;
/// Fields in a response head, as hyper's client allows.
pub(crate) const MAX_HEADERS: usize = 100;
/// Bytes in a response head (nginx's `proxy_buffer_size` is 4 or 8 KiB; hyper's client
/// buffers about 400 KiB).
pub(crate) const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Room made in the read buffer before a read: a small response comes whole in one read, and
/// the rest of the allocation serves the next ones (responses are split off, not copied).
const READ_ROOM: usize = 16 * 1024;

/// How upstream connections are opened.
pub(crate) struct Connector {
    bind: Option<IpAddr>,
    connect_timeout: Duration,
    /// The longest wait for more of a response body (`limits.upstream_timeout`).
    read_timeout: Duration,
}

impl Connector {
    pub(crate) fn new(limits: &Limits, bind: Option<IpAddr>) -> Self {
        Connector {
            bind,
            connect_timeout: limits.upstream_connect_timeout,
            read_timeout: limits.upstream_timeout,
        }
    }

    /// A new connection to `addr`; an error means nothing was sent (the upstream refused the
    /// connection, or did not accept it within the connect timeout).
    pub(crate) async fn connect(&self, addr: SocketAddr) -> io::Result<Box<UpstreamConn>> {
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
            .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))??;
        Ok(Box::new(UpstreamConn {
            stream,
            buf: BytesMut::new(),
            read_timeout: self.read_timeout,
        }))
    }
}

/// TCP keep-alive probes after a minute of silence, so a connection to an upstream that went
/// away without a FIN does not sit in the free list for the kernel's default two hours.
fn keepalive(socket: &TcpSocket) {
    let idle = socket2::TcpKeepalive::new().with_time(Duration::from_secs(60));
    let _ = socket2::SockRef::from(socket).set_tcp_keepalive(&idle);
}

/// One upstream connection and the bytes read from it that are not used yet. Boxed wherever
/// it goes, so that a response body that reads from it stays small in the connection's future.
pub(crate) struct UpstreamConn {
    stream: TcpStream,
    buf: BytesMut,
    /// The longest wait for more of a response body, nginx's `proxy_read_timeout`.
    read_timeout: Duration,
}

/// A request as it goes upstream: its head, ready but for the Host line, which the proxy may
/// have to make per upstream, and its whole body.
pub(crate) struct OutgoingRequest {
    /// Request line and fields, without the blank line that ends them.
    pub(crate) head: BytesMut,
    /// The request is HEAD: its response has no body whatever its fields say.
    pub(crate) is_head: bool,
    /// Sending it twice means the same as once (RFC 9110 §9.2.2): it may be sent again on a
    /// new connection when a reused one closed without answering.
    pub(crate) idempotent: bool,
    pub(crate) body: Bytes,
}

/// Why a request got no response.
#[derive(Debug)]
pub(crate) enum SendError {
    /// Nothing was sent: the connection had closed (another may take the request).
    NotSent,
    /// The request went out and the connection closed without a byte of answer: an idle
    /// connection the upstream closed as it was reused (an idempotent request may be sent
    /// again, RFC 9112 §9.3.1).
    Unanswered,
    /// The request went out, or may have, and no usable response head came back.
    Failed,
}

/// A response head as it is forwarded: hop-by-hop fields already gone.
pub(crate) struct ResponseHead {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    framing: Framing,
    /// The connection may take another request after this response.
    keep_alive: bool,
}

/// How a response body is delimited.
#[derive(Debug, Clone)]
enum Framing {
    Length(u64),
    Chunked(ChunkedChecker),
    UntilClose,
}

/// What the framing makes of the bytes read.
#[derive(Debug, PartialEq)]
enum Piece {
    Data(Bytes),
    /// More bytes are needed (none are left, or only part of a chunk's framing).
    More,
    /// The body is over; what is left in the buffer is not its.
    End,
    /// The body is off its grammar.
    Invalid,
}

impl Framing {
    /// Takes the next piece of the body from the front of `buf` (the data is split off, not
    /// copied).
    fn take(&mut self, buf: &mut BytesMut) -> Piece {
        match self {
            Framing::Length(0) => Piece::End,
            _ if buf.is_empty() => Piece::More,
            Framing::Length(remaining) => {
                let n = (*remaining).min(buf.len() as u64);
                *remaining -= n;
                Piece::Data(buf.split_to(n as usize).freeze())
            }
            Framing::UntilClose => Piece::Data(buf.split().freeze()),
            Framing::Chunked(decoder) => loop {
                let (used, data) = decoder.next_data(buf);
                if !data.is_empty() {
                    buf.advance(data.start);
                    return Piece::Data(buf.split_to(data.len()).freeze());
                }
                buf.advance(used);
                match decoder.verdict() {
                    Verdict::Invalid => return Piece::Invalid,
                    Verdict::Complete => return Piece::End,
                    Verdict::Partial if buf.is_empty() => return Piece::More,
                    Verdict::Partial => {}
                }
            },
        }
    }

    /// Every byte of the body has been taken.
    fn is_over(&self) -> bool {
        match self {
            Framing::Length(remaining) => *remaining == 0,
            Framing::Chunked(decoder) => decoder.verdict() == Verdict::Complete,
            Framing::UntilClose => false,
        }
    }
}

/// Reads an upstream's answer from `stream` as the proxy does (the head as [`parse_head`]
/// takes it, then the body as its framing delimits it), the bytes arriving in the pieces
/// `cuts` marks, and checks that the reading does not depend on the pieces: the same head or
/// error, the same body bytes, the same end. For the fuzz target `http_framing`.
#[doc(hidden)]
pub fn check_reading(stream: &[u8], cuts: &[u8], is_head: bool) {
    let whole = read_answer(stream, &[], is_head);
    let pieces = read_answer(stream, cuts, is_head);
    assert_eq!(whole, pieces, "the reading depends on how the bytes arrive");
}

/// The head's status and fields (or why there is none), the body's bytes, and how it ended.
type Reading = (
    Result<Option<(u16, Vec<(String, Vec<u8>)>)>, HeadError>,
    Vec<u8>,
    &'static str,
);

fn read_answer(stream: &[u8], cuts: &[u8], is_head: bool) -> Reading {
    let mut arrivals = Vec::new();
    let mut at = 0;
    for &cut in cuts {
        let end = (at + cut as usize + 1).min(stream.len());
        arrivals.push(&stream[at..end]);
        at = end;
    }
    arrivals.push(&stream[at..]);
    let mut arrivals = arrivals.into_iter();
    let mut buf = BytesMut::new();
    let head = loop {
        match parse_head(&mut buf, is_head) {
            Ok(Some(head)) => break head,
            Ok(None) => match arrivals.next() {
                Some(bytes) => buf.extend_from_slice(bytes),
                None => return (Ok(None), Vec::new(), "no head"),
            },
            Err(e) => return (Err(e), Vec::new(), "refused"),
        }
        assert!(buf.len() <= stream.len());
    };
    let fields = head
        .headers
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
        .collect();
    let mut framing = head.framing.clone();
    let mut body = Vec::new();
    let ended = loop {
        match framing.take(&mut buf) {
            Piece::Data(data) => {
                assert!(!data.is_empty(), "an empty piece of data");
                body.extend_from_slice(&data);
            }
            Piece::End => break "end",
            Piece::Invalid => break "invalid",
            Piece::More => match arrivals.next() {
                Some(bytes) => buf.extend_from_slice(bytes),
                None if matches!(framing, Framing::UntilClose) => break "end at the close",
                None => break "cut",
            },
        }
    };
    if let Framing::Length(_) = head.framing {
        assert!(body.len() <= stream.len());
    }
    (Ok(Some((head.status.as_u16(), fields))), body, ended)
}

impl UpstreamConn {
    /// Sends `request` (with `host`, a whole `host: ...\r\n` line, when the proxy had to make
    /// one) and reads until the response head has come.
    pub(crate) async fn send(
        &mut self,
        request: &OutgoingRequest,
        host: &[u8],
    ) -> Result<ResponseHead, SendError> {
        let mut parts = [
            IoSlice::new(&request.head),
            IoSlice::new(host),
            IoSlice::new(b"\r\n"),
            IoSlice::new(&request.body),
        ];
        let mut slices = &mut parts[..];
        let mut written = 0usize;
        while !slices.is_empty() {
            let wrote = std::future::poll_fn(|cx| {
                ready!(self.stream.poll_write_ready(cx))?;
                match self.stream.try_write_vectored(slices) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => Poll::Pending,
                    done => Poll::Ready(done),
                }
            })
            .await;
            match wrote {
                Ok(0) | Err(_) if written == 0 => return Err(SendError::NotSent),
                Ok(0) | Err(_) => return Err(SendError::Failed),
                Ok(n) => {
                    written += n;
                    IoSlice::advance_slices(&mut slices, n);
                }
            }
        }
        let mut answered = false;
        loop {
            if !self.buf.is_empty() {
                answered = true;
                match parse_head(&mut self.buf, request.is_head) {
                    Ok(Some(head)) => return Ok(head),
                    Ok(None) => {}
                    Err(_) => return Err(SendError::Failed),
                }
            }
            if self.buf.len() > MAX_HEAD_BYTES {
                return Err(SendError::Failed);
            }
            match std::future::poll_fn(|cx| self.poll_read(cx)).await {
                Ok(0) | Err(_) if !answered => return Err(SendError::Unanswered),
                Ok(0) | Err(_) => return Err(SendError::Failed),
                Ok(_) => {}
            }
        }
    }

    /// Reads what has come into `buf`; 0 at the end of the stream.
    fn poll_read(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.buf.capacity() - self.buf.len() < READ_ROOM / 4 {
            self.buf.reserve(READ_ROOM);
        }
        // Through `AsyncRead` rather than `try_read_buf`: tokio then takes a read shorter than
        // the room as the end of what is there, and the check of an idle connection before
        // its next request (`is_quiet`) costs no system call (strace: 3 recvfrom per proxied
        // request with `try_read_buf`, 2 with this).
        std::pin::pin!(self.stream.read_buf(&mut self.buf)).poll(cx)
    }

    /// Whether an idle connection can take a request: the upstream has neither closed it nor
    /// sent anything since its last response (which would be a reply to nothing).
    fn is_quiet(&self) -> bool {
        // Without a readiness event tokio answers WouldBlock without a system call.
        matches!(self.stream.try_read(&mut [0u8; 1]), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
    }
}

/// What went wrong with a response head (all of it the upstream's doing).
#[derive(Debug, PartialEq, Eq)]
#[doc(hidden)]
pub enum HeadError {
    Parse(httparse::Error),
    TooLarge,
    Status,
    TransferEncodingInHttp10,
    ContentLength,
    Upgrade,
}

/// Takes a whole response head from the front of `buf`, interim (1xx) ones dropped; `None`
/// when more bytes are needed.
pub(crate) fn parse_head(
    buf: &mut BytesMut,
    is_head: bool,
) -> Result<Option<ResponseHead>, HeadError> {
    loop {
        let Some(head) = parse_one(buf, is_head)? else {
            return Ok(None);
        };
        if let Some(head) = head {
            return Ok(Some(head));
        }
        // An interim response went by; the final one may follow in the same bytes.
        if buf.is_empty() {
            return Ok(None);
        }
    }
}

/// One response head from the front of `buf`: `Some(None)` for an interim response.
fn parse_one(buf: &mut BytesMut, is_head: bool) -> Result<Option<Option<ResponseHead>>, HeadError> {
    let mut fields = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut []);
    let len = match httparse::ParserConfig::default().parse_response_with_uninit_headers(
        &mut response,
        buf,
        &mut fields,
    ) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(HeadError::Parse(e)),
    };
    if len > MAX_HEAD_BYTES {
        return Err(HeadError::TooLarge);
    }
    let code = response.code.unwrap_or(0);
    let status = StatusCode::from_u16(code).map_err(|_| HeadError::Status)?;
    let http10 = response.version == Some(0);
    // Where each field lies in `buf`, so the values can share its bytes once it is split.
    let base = buf.as_ptr() as usize;
    let mut spans = [(0u32, 0u32, 0u32, 0u32); MAX_HEADERS];
    let count = response.headers.len();
    let mut keep_alive = !http10;
    let mut saw_close = false;
    let mut connection_named = false;
    let mut chunked_last = false;
    let mut has_te = false;
    for (span, field) in spans.iter_mut().zip(response.headers.iter()) {
        let name = field.name.as_bytes();
        let value = field.value;
        // httparse's slices are of `buf`; an empty one may not point into it, and needs no
        // place.
        let at = |part: &[u8]| (part.as_ptr() as usize).wrapping_sub(base) as u32;
        let value_at = if value.is_empty() { 0 } else { at(value) };
        *span = (at(name), name.len() as u32, value_at, value.len() as u32);
        if name.eq_ignore_ascii_case(b"connection") {
            connection_named |= value.split(|&b| b == b',').any(|item| {
                let item = item.trim_ascii();
                !item.is_empty()
                    && !item.eq_ignore_ascii_case(b"close")
                    && !item.eq_ignore_ascii_case(b"keep-alive")
            });
            // Once a Connection line asks to close, a later `keep-alive` does not undo it.
            if saw_close || crate::fast_h1::has_token(value, b"close") {
                saw_close = true;
                keep_alive = false;
            } else if !keep_alive {
                keep_alive = crate::fast_h1::has_token(value, b"keep-alive");
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            has_te = true;
            // The last coding of the last line decides (hyper: `transfer_encoding_is_chunked`).
            chunked_last = value
                .rsplit(|&b| b == b',')
                .next()
                .is_some_and(|coding| coding.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        }
    }
    let named: Vec<HeaderName> = if connection_named {
        response
            .headers
            .iter()
            .filter(|f| f.name.eq_ignore_ascii_case("connection"))
            .flat_map(|f| f.value.split(|&b| b == b','))
            .filter_map(|item| HeaderName::from_bytes(item.trim_ascii()).ok())
            .collect()
    } else {
        Vec::new()
    };
    let head = buf.split_to(len).freeze();
    match code {
        101 => return Err(HeadError::Upgrade),
        100..=199 => return Ok(Some(None)),
        _ => {}
    }
    let mut headers = HeaderMap::with_capacity(count);
    let mut lengths: Option<u64> = None;
    let mut bad_length = false;
    for &(name_at, name_len, value_at, value_len) in &spans[..count] {
        let name_bytes = &head[name_at as usize..(name_at + name_len) as usize];
        let Ok(name) = HeaderName::from_bytes(name_bytes) else {
            return Err(HeadError::Parse(httparse::Error::HeaderName));
        };
        if is_hop_by_hop(&name) || named.contains(&name) {
            continue;
        }
        let value = head.slice(value_at as usize..(value_at + value_len) as usize);
        if name == header::CONTENT_LENGTH {
            for item in value.split(|&b| b == b',') {
                match parse_length(item.trim_ascii()) {
                    Some(n) if lengths.is_none_or(|l| l == n) => lengths = Some(n),
                    _ => bad_length = true,
                }
            }
            // Written once below, as one value (RFC 9110 §8.6); with Transfer-Encoding, not
            // at all: it is not the message's length (RFC 9112 §6.3, item 3).
            continue;
        }
        let Ok(value) = HeaderValue::from_maybe_shared(value) else {
            return Err(HeadError::Parse(httparse::Error::HeaderValue));
        };
        headers.append(name, value);
    }
    if let (Some(len), false, false) = (lengths, has_te, bad_length) {
        headers.append(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    let no_body = is_head || matches!(code, 204 | 304);
    let framing = if no_body {
        Framing::Length(0)
    } else if has_te {
        if http10 {
            return Err(HeadError::TransferEncodingInHttp10);
        }
        if chunked_last {
            Framing::Chunked(ChunkedChecker::new())
        } else {
            Framing::UntilClose
        }
    } else if bad_length {
        return Err(HeadError::ContentLength);
    } else if let Some(len) = lengths {
        Framing::Length(len)
    } else {
        Framing::UntilClose
    };
    if matches!(framing, Framing::UntilClose) {
        keep_alive = false;
    }
    Ok(Some(Some(ResponseHead {
        status,
        headers,
        framing,
        keep_alive,
    })))
}

/// A Content-Length value: digits only, no sign, no overflow.
fn parse_length(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &d| {
        n.checked_mul(10)?.checked_add((d - b'0') as u64)
    })
}

/// The classic hop-by-hop fields (RFC 9110 §7.6.1), besides those Connection names.
pub(crate) const HOP_BY_HOP: [HeaderName; 9] = [
    header::CONNECTION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
];

pub(crate) fn is_hop_by_hop(name: &HeaderName) -> bool {
    HOP_BY_HOP.contains(name)
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

    /// An idle connection that is still open and quiet, if there is one.
    pub(crate) fn checkout(&self) -> Option<Box<UpstreamConn>> {
        loop {
            let (conn, since) = self.lock().conns.pop()?;
            if since.elapsed() <= self.timeout && conn.is_quiet() {
                return Some(conn);
            } // else dropped: closed
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

/// A response body read from its upstream connection as it is asked for. Dropped after its
/// last byte, it gives the connection back to its list (if the response let it stay open and
/// nothing followed it); dropped before, it closes the connection.
pub(crate) struct UpstreamBody {
    conn: Option<Box<UpstreamConn>>,
    framing: Framing,
    /// Every byte of the body has been read.
    done: bool,
    keep_alive: bool,
    home: Arc<IdleList>,
    /// Armed while the body waits for the upstream; a wait longer than the connection's
    /// `read_timeout` ends the body (and the client's connection) instead of holding both open.
    stall: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl UpstreamBody {
    pub(crate) fn new(conn: Box<UpstreamConn>, head: &ResponseHead, home: Arc<IdleList>) -> Self {
        UpstreamBody {
            conn: Some(conn),
            done: matches!(head.framing, Framing::Length(0)),
            framing: head.framing.clone(),
            keep_alive: head.keep_alive,
            home,
            stall: None,
        }
    }

    /// The next piece of the body; `None` at its end.
    pub(crate) fn poll_data(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Result<Bytes>>> {
        loop {
            if self.done {
                return Poll::Ready(None);
            }
            let Some(conn) = self.conn.as_mut() else {
                return Poll::Ready(None);
            };
            match self.framing.take(&mut conn.buf) {
                Piece::Data(data) => {
                    self.done = self.framing.is_over();
                    return Poll::Ready(Some(Ok(data)));
                }
                Piece::End => {
                    self.done = true;
                    return Poll::Ready(None);
                }
                Piece::Invalid => {
                    self.conn = None;
                    return Poll::Ready(Some(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "the upstream's chunked body is off the grammar",
                    ))));
                }
                Piece::More => {}
            }
            let read = match conn.poll_read(cx) {
                Poll::Ready(read) => read,
                Poll::Pending => {
                    // A timer only for a body that has to wait: most come with their head.
                    let wait = conn.read_timeout;
                    let stall = self
                        .stall
                        .get_or_insert_with(|| Box::pin(tokio::time::sleep(wait)));
                    ready!(stall.as_mut().poll(cx));
                    self.conn = None;
                    return Poll::Ready(Some(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the upstream sent nothing more of the body within upstream_timeout",
                    ))));
                }
            };
            self.stall = None;
            match read {
                Ok(0) if matches!(self.framing, Framing::UntilClose) => {
                    self.done = true;
                    self.conn = None;
                }
                Ok(0) => {
                    self.conn = None;
                    return Poll::Ready(Some(Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the upstream closed the connection before the body's end",
                    ))));
                }
                Ok(_) => {}
                Err(e) => {
                    self.conn = None;
                    return Poll::Ready(Some(Err(e)));
                }
            }
        }
    }

    pub(crate) fn is_end_stream(&self) -> bool {
        self.done
    }

    pub(crate) fn size_hint(&self) -> http_body::SizeHint {
        match self.framing {
            Framing::Length(remaining) => http_body::SizeHint::with_exact(remaining),
            _ if self.done => http_body::SizeHint::with_exact(0),
            _ => http_body::SizeHint::default(),
        }
    }
}

impl Drop for UpstreamBody {
    fn drop(&mut self) {
        if self.done
            && self.keep_alive
            && let Some(conn) = self.conn.take()
            && conn.buf.is_empty()
        {
            self.home.checkin(conn);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reading_does_not_depend_on_how_the_bytes_arrive() {
        let answers: [&[u8]; 6] = [
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;a=1\r\nhello\r\n0\r\nx: 1\r\n\r\n",
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokEXTRA",
            b"HTTP/1.0 200 OK\r\n\r\nto the close",
            b"HTTP/1.1 200 OK\r\ncontent-length: 2, 3\r\n\r\nok",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhel",
            b"HTTP/1.1 304 Not Modified\r\ncontent-length: 9\r\n\r\n",
        ];
        for answer in answers {
            for is_head in [false, true] {
                check_reading(answer, &[0; 200], is_head); // byte by byte
                check_reading(answer, &[3, 17, 40], is_head);
            }
        }
        // And what it reads: the body by its framing, what follows left alone.
        let (head, body, end) = read_answer(answers[1], &[], false);
        assert_eq!(head.unwrap().unwrap().0, 200);
        assert_eq!((&body[..], end), (&b"ok"[..], "end"));
        let (_, body, end) = read_answer(answers[0], &[0; 200], false);
        assert_eq!((&body[..], end), (&b"hello"[..], "end"));
        let (head, _, end) = read_answer(answers[3], &[], false);
        assert_eq!((head, end), (Err(HeadError::ContentLength), "refused"));
        let (_, body, end) = read_answer(answers[4], &[], false);
        assert_eq!((&body[..], end), (&b"hel"[..], "cut"));
        let (head, body, end) = read_answer(answers[5], &[], false);
        let fields = head.unwrap().unwrap().1;
        assert_eq!(fields, [("content-length".to_owned(), b"9".to_vec())]);
        assert_eq!((&body[..], end), (&b""[..], "end"));
    }
}
