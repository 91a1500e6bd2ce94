//! HTTP/1.1 on a plain connection without hyper, for the requests that make most of a web
//! server's traffic: GET and HEAD with no body. A connection starts here (`server::serve_http1`);
//! the first request this loop does not take (one with a body, `Expect` or `Upgrade`, another
//! method, a head httparse or the http crate refuses, a head over the size limit) hands the
//! connection, with every byte read and not yet used, to hyper for the rest of its life
//! ([`Ended::Hyper`]), so everything beyond the simple case stays hyper's behaviour.
//!
//! Why: a request is httparse's parse, the handler, one head written into a buffer kept per
//! connection and one writev, without hyper's dispatcher and connection state. User-space
//! instructions per 1 KB request (bench/RESULTS.md, issue 14): 11.0k over keep-alive and 14.6k
//! with a new connection, against 13.7k and 19.4k through hyper (nginx: 13.1k and 13.8k).
//!
//! What it does as hyper 1.x does, and a test holds it to hyper's bytes
//! (crates/web/tests/it/fast_path.rs):
//! - keep-alive (RFC 9112 §9.3): HTTP/1.1 unless a `close` token, HTTP/1.0 only with a
//!   `keep-alive` token, answered `HTTP/1.0` with `connection: keep-alive`; a request that
//!   closes gets `connection: close`;
//! - the response head: hyper's rules for `content-length` (from the body's exact size, none for
//!   204 and 304, kept for HEAD), chunked for a body of unknown length (close-delimited for
//!   HTTP/1.0), `connection` values joined, a cached `date` unless the response has one;
//! - the head timeout (`limits.header_timeout`) from the start of each wait for a head: 408 and
//!   close if part of a head came, a silent close if none;
//! - a graceful stop closes an idle connection at once and makes the response in flight the
//!   last (`connection: close`); the forced stop ends the connection.
//!
//! Below it the socket is the same `server::Watched` hyper reads and writes through: the head
//! capture, the HTTP/1.x version patch, sendfile for mapped files and the send timeout all apply.

use std::future::Future;
use std::io::IoSlice;
use std::mem::MaybeUninit;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use http::header::{self, HeaderName, HeaderValue};
use http::{Method, Request, StatusCode, Version};
use http_body::Body as _;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;

use crate::body::{Body, ClientBody};
use crate::handler::{self, Connection};
use crate::server::{Shared, stop_signal, stopped};

/// hyper's defaults, so that what this loop refuses to take, hyper refuses the same way.
const MAX_HEADERS: usize = 100;
const MAX_URI_LEN: usize = (u16::MAX - 1) as usize;
/// The read buffer's first size, and the room made again when less than a quarter of it is
/// left: most request heads fit in 1 KiB (nginx's `client_header_buffer_size`), and a
/// buffer this small comes from the allocator's fast path; a longer head grows it.
const READ_ROOM: usize = 1024;

/// How the loop ended.
pub(crate) enum Ended {
    /// The connection is done: closed by the client, timed out, stopped, or its last response
    /// sent.
    Closed,
    /// A request for hyper: the bytes read and not used, to be read again before the socket.
    Hyper(Bytes),
}

/// What the request says about the connection and the response.
#[derive(Clone, Copy)]
struct Framing {
    version: Version,
    keep_alive: bool,
    head: bool,
}

// Matched at once where it is returned: boxing the request would allocate for every one.
#[allow(clippy::large_enum_variant)]
enum Taken {
    Request(Request<ClientBody>, Framing),
    Partial,
    Hyper(Bytes),
}

/// Serves requests on `io` until it ends or meets one for hyper.
pub(crate) async fn serve<T>(
    io: &mut T,
    shared: &Arc<Shared>,
    connection: &Arc<Connection>,
    stop: &mut watch::Receiver<bool>,
    force: &mut watch::Receiver<bool>,
) -> Ended
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let max_head = shared.limits.max_header_bytes.max(1024);
    let mut buf = BytesMut::with_capacity(READ_ROOM);
    let mut out = Vec::with_capacity(512);
    let mut spans = Spans::with_capacity(16);
    // Looked at before each response, without waiting on it.
    let stopping = stop.clone();
    let mut stop = std::pin::pin!(stop_signal(stop));
    // The handler's future, in place for every request of the connection (a proxied request's
    // state is boxed apart, `handler::route`).
    let mut in_flight = std::pin::pin!(None);
    loop {
        let deadline = tokio::time::Instant::now() + shared.limits.header_timeout;
        let (request, framing) = loop {
            if !buf.is_empty() {
                match take_request(&mut buf, max_head, &mut spans) {
                    Taken::Request(request, framing) => break (request, framing),
                    Taken::Hyper(bytes) => return Ended::Hyper(bytes),
                    Taken::Partial => {}
                }
            }
            if buf.capacity() - buf.len() < READ_ROOM / 4 {
                buf.reserve(READ_ROOM);
            }
            let read = tokio::select! {
                biased;
                // Bytes already there are read first: a stop is watched for only when the
                // connection would wait (a busy one ends after the response in flight, below).
                read = io.read_buf(&mut buf) => read,
                // An idle connection (or one in the middle of a head) closes at once.
                _ = &mut stop => return Ended::Closed,
                _ = tokio::time::sleep_until(deadline) => {
                    if !buf.is_empty() {
                        // Part of a head came: 408, as after hyper's timeout.
                        let began = connection
                            .head
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .began;
                        handler::refuse_late_head(io, shared, connection.client, began).await;
                    }
                    return Ended::Closed;
                }
            };
            match read {
                Ok(0) | Err(_) => return Ended::Closed,
                Ok(_) => {}
            }
        };
        in_flight.set(Some(handler::handle(
            shared.clone(),
            connection.clone(),
            request,
        )));
        let answered = tokio::select! {
            biased;
            answered = respond(io, in_flight.as_mut(), framing, &stopping, &mut out) => answered,
            _ = stopped(force) => return Ended::Closed,
        };
        if !answered {
            return Ended::Closed;
        }
    }
}

/// Where each field's name and value lie in the head: kept per connection, so that no request
/// pays for zeroing room for a hundred.
type Spans = Vec<((usize, usize), (usize, usize))>;

/// Takes one request head from the front of `buf` if this loop serves it.
fn take_request(buf: &mut BytesMut, max_head: usize, spans: &mut Spans) -> Taken {
    let mut fields = [MaybeUninit::<httparse::Header<'_>>::uninit(); MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut []);
    let len = match parsed.parse_with_uninit_headers(buf, &mut fields) {
        Ok(httparse::Status::Complete(len)) if len <= max_head => len,
        Ok(httparse::Status::Partial) if buf.len() < max_head => return Taken::Partial,
        // Too long, too many fields, or not HTTP/1.x as httparse reads it: hyper answers.
        _ => return Taken::Hyper(buf.split().freeze()),
    };
    let method = match parsed.method {
        Some("GET") => Method::GET,
        Some("HEAD") => Method::HEAD,
        _ => return Taken::Hyper(buf.split().freeze()),
    };
    let Some(path) = parsed.path.filter(|p| p.len() <= MAX_URI_LEN) else {
        return Taken::Hyper(buf.split().freeze());
    };
    let version = match parsed.version {
        Some(1) => Version::HTTP_11,
        _ => Version::HTTP_10,
    };
    // Where the parts lie in `buf`, to be cut from it once it is frozen.
    let start = buf.as_ptr() as usize;
    let at = |part: &[u8]| {
        let from = part.as_ptr() as usize - start;
        (from, from + part.len())
    };
    let (path_from, path_to) = at(path.as_bytes());
    spans.clear();
    let mut keep_alive = version == Version::HTTP_11;
    let mut saw_close = false;
    for field in parsed.headers.iter() {
        let name = field.name.as_bytes();
        // A body, an expectation or an upgrade: hyper's machinery is for those.
        if name.eq_ignore_ascii_case(b"content-length")
            || name.eq_ignore_ascii_case(b"transfer-encoding")
            || name.eq_ignore_ascii_case(b"expect")
            || name.eq_ignore_ascii_case(b"upgrade")
        {
            return Taken::Hyper(buf.split().freeze());
        }
        if name.eq_ignore_ascii_case(b"connection") {
            // As hyper: a `close` token ends keep-alive for good; HTTP/1.0 needs `keep-alive`.
            if saw_close || has_token(field.value, b"close") {
                saw_close = true;
                keep_alive = false;
            } else if !keep_alive {
                keep_alive = has_token(field.value, b"keep-alive");
            }
        }
        spans.push((at(name), at(field.value)));
    }
    let head = buf.split_to(len).freeze();
    let mut request = Request::new(ClientBody::None);
    let built = (|| {
        *request.uri_mut() = http::Uri::from_maybe_shared(head.slice(path_from..path_to)).ok()?;
        let headers = request.headers_mut();
        headers.reserve(spans.len());
        for &((name_from, name_to), (value_from, value_to)) in spans.iter() {
            let name = HeaderName::from_bytes(&head[name_from..name_to]).ok()?;
            let value = HeaderValue::from_maybe_shared(head.slice(value_from..value_to)).ok()?;
            headers.append(name, value);
        }
        Some(())
    })();
    if built.is_none() {
        // hyper's 400 for a bad target or field name: give it the head back, then the rest.
        let mut all = BytesMut::with_capacity(head.len() + buf.len());
        all.extend_from_slice(&head);
        all.extend_from_slice(&buf.split());
        return Taken::Hyper(all.freeze());
    }
    let framing = Framing {
        version,
        keep_alive,
        head: method == Method::HEAD,
    };
    *request.method_mut() = method;
    *request.version_mut() = version;
    Taken::Request(request, framing)
}

/// For the fuzz target (fuzz/fuzz_targets/http_framing.rs): takes requests from `stream` as the
/// loop does, with `split` bytes arriving first and the rest after, and panics if a byte is
/// lost or reordered on the way: each head taken is exactly what httparse parses at that
/// point (a GET or HEAD with no body field), a wait keeps every byte, and what goes to hyper
/// is exactly what was not taken; the outcome does not depend on `split`.
#[doc(hidden)]
pub fn check_taking(stream: &[u8], split: usize) {
    let whole = take_all(stream, stream.len());
    assert_eq!(whole, take_all(stream, split.min(stream.len())));
}

/// The lengths of the heads taken, then how it ended: `Ok(n)` n bytes waiting for more,
/// `Err(n)` n bytes handed to hyper.
fn take_all(stream: &[u8], first: usize) -> (Vec<usize>, Result<usize, usize>) {
    const MAX_HEAD: usize = 1024;
    let mut buf = BytesMut::from(&stream[..first]);
    let mut arrived = first;
    let mut taken = Vec::new();
    let mut offset = 0;
    let mut spans = Spans::new();
    loop {
        if buf.is_empty() && arrived == stream.len() {
            return (taken, Ok(0));
        }
        match take_request(&mut buf, MAX_HEAD, &mut spans) {
            Taken::Request(request, framing) => {
                let head = &stream[offset..arrived - buf.len()];
                let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
                let mut parsed = httparse::Request::new(&mut fields);
                assert_eq!(
                    parsed.parse(head),
                    Ok(httparse::Status::Complete(head.len()))
                );
                assert_eq!(parsed.method, Some(request.method().as_str()));
                assert_eq!(framing.head, request.method() == Method::HEAD);
                assert_eq!(parsed.headers.len(), request.headers().len());
                for name in ["content-length", "transfer-encoding", "expect", "upgrade"] {
                    assert!(!request.headers().contains_key(name));
                }
                offset += head.len();
                taken.push(head.len());
            }
            Taken::Hyper(rest) => {
                assert_eq!(&rest[..], &stream[offset..arrived]);
                if arrived < stream.len() {
                    // What arrives later follows it, as the replay and the socket give it.
                    return (taken, Err(stream.len() - offset));
                }
                return (taken, Err(rest.len()));
            }
            Taken::Partial => {
                assert_eq!(&buf[..], &stream[offset..arrived]);
                if arrived == stream.len() {
                    return (taken, Ok(buf.len()));
                }
                buf.extend_from_slice(&stream[arrived..]);
                arrived = stream.len();
            }
        }
    }
}

/// Whether a comma-separated field value lists `token` (any case), as hyper reads Connection.
pub(crate) fn has_token(value: &[u8], token: &[u8]) -> bool {
    // hyper reads the value as visible ASCII (`HeaderValue::to_str`): anything else lists none.
    value
        .iter()
        .all(|&b| b == b'\t' || (b' '..0x7f).contains(&b))
        && value
            .split(|&b| b == b',')
            .any(|item| item.trim_ascii().eq_ignore_ascii_case(token))
}

/// How the body goes after the head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Length(u64),
    Chunked,
    /// HTTP/1.0 with no known length: the end of the connection ends the body.
    UntilClose,
}

/// A response head as hyper writes it, and how its body follows.
struct Head {
    encoding: Encoding,
    /// The connection closes after this response.
    last: bool,
}

/// The response to `request`, written. False when the connection must end.
async fn respond<T, F>(
    io: &mut T,
    mut handling: std::pin::Pin<&mut Option<F>>,
    framing: Framing,
    stopping: &watch::Receiver<bool>,
    out: &mut Vec<u8>,
) -> bool
where
    T: AsyncWrite + Unpin,
    F: Future<Output = Result<http::Response<Body>, std::convert::Infallible>>,
{
    let Some(handler) = handling.as_mut().as_pin_mut() else {
        return false;
    };
    let Ok(response) = handler.await;
    handling.set(None);
    // A stop asked for while the handler ran (or the server gone): this response is the last,
    // as with hyper's graceful shutdown.
    let stop_asked = *stopping.borrow() || stopping.has_changed().is_err();
    let framing = Framing {
        keep_alive: framing.keep_alive && !stop_asked,
        ..framing
    };
    let (mut parts, body) = response.into_parts();
    // hyper: a body at its end is "no body"; otherwise its exact size, or unknown.
    let length = if body.is_end_stream() {
        None
    } else {
        Some(body.size_hint().exact())
    };
    out.clear();
    let Some(head) = encode_head(&mut parts, length, framing, out) else {
        // A head hyper would refuse to write (conflicting lengths): the connection ends.
        return false;
    };
    let wrote = write_body(io, out, body, head.encoding, length.is_none()).await;
    wrote && !head.last && head.encoding != Encoding::UntilClose
}

/// Writes `head` and then the body, framed by `encoding`; the head leaves with the first part
/// of the body in one writev. False if the connection failed or the body broke its length.
///
/// The body is dropped, which finishes its account (the access log line, the journey event, an
/// upstream connection back to its idle list), before its last bytes are written, as hyper
/// does: a client that has the whole response finds it accounted for, and its next request
/// finds the upstream connection free.
async fn write_body<T>(
    io: &mut T,
    head: &[u8],
    body: Body,
    encoding: Encoding,
    no_body: bool,
) -> bool
where
    T: AsyncWrite + Unpin,
{
    let mut remaining = match encoding {
        Encoding::Length(len) => len,
        _ => u64::MAX,
    };
    let mut body = (!no_body && remaining > 0).then_some(body);
    let mut head = Some(head);
    while let Some(source) = body.as_mut() {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut *source).poll_frame(cx));
        let data = match frame.await {
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) if !data.is_empty() => data,
                // Trailers (never sent: hyper sends only those a Trailer field announced,
                // and no response here has one) and empty frames.
                _ => continue,
            },
            Some(Err(_)) => return false,
            // Shorter than its length: the connection ends, so the client cannot take it
            // as whole (hyper does the same).
            None if matches!(encoding, Encoding::Length(_)) => return false,
            None => {
                drop(body.take());
                break;
            }
        };
        let data = match encoding {
            Encoding::Length(_) if data.len() as u64 > remaining => {
                data.slice(..remaining as usize)
            }
            _ => data,
        };
        let last = match encoding {
            Encoding::Length(_) => {
                remaining -= data.len() as u64;
                remaining == 0
            }
            _ => source.is_end_stream(),
        };
        if last {
            drop(body.take());
        }
        let size = match encoding {
            Encoding::Chunked => chunk_size_line(data.len()),
            _ => ChunkLine::default(),
        };
        let tail: &[u8] = match encoding {
            Encoding::Chunked if last => b"\r\n0\r\n\r\n",
            Encoding::Chunked => b"\r\n",
            _ => b"",
        };
        let mut parts = [
            IoSlice::new(head.take().unwrap_or_default()),
            IoSlice::new(size.as_bytes()),
            IoSlice::new(&data),
            IoSlice::new(tail),
        ];
        if write_all(io, &mut parts).await.is_err() {
            return false;
        }
        if last {
            return true;
        }
    }
    // No body, or one that ended after its last bytes were written (chunked, or until close).
    let end: &[u8] = if encoding == Encoding::Chunked && !no_body {
        b"0\r\n\r\n"
    } else {
        b""
    };
    let mut parts = [IoSlice::new(head.unwrap_or_default()), IoSlice::new(end)];
    write_all(io, &mut parts).await.is_ok()
}

/// A chunk's size line: hex digits and CRLF.
#[derive(Default)]
struct ChunkLine {
    bytes: [u8; 18],
    len: usize,
}

impl ChunkLine {
    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

fn chunk_size_line(size: usize) -> ChunkLine {
    // Upper-case hex, as hyper writes it.
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut line = ChunkLine::default();
    let digits = (usize::BITS - size.leading_zeros()).div_ceil(4).max(1) as usize;
    for (i, slot) in line.bytes[..digits].iter_mut().enumerate() {
        *slot = HEX[(size >> (4 * (digits - 1 - i))) & 0xF];
    }
    line.bytes[digits..digits + 2].copy_from_slice(b"\r\n");
    line.len = digits + 2;
    line
}

/// writev until every part is written.
async fn write_all<T>(io: &mut T, mut parts: &mut [IoSlice<'_>]) -> std::io::Result<()>
where
    T: AsyncWrite + Unpin,
{
    IoSlice::advance_slices(&mut parts, 0);
    while !parts.is_empty() {
        let n = io.write_vectored(parts).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        IoSlice::advance_slices(&mut parts, n);
    }
    Ok(())
}

/// Whether a response to `method` with `status` may carry a body (and so chunked framing).
fn can_have_body(head: bool, status: StatusCode) -> bool {
    !head
        && !status.is_informational()
        && status != StatusCode::NO_CONTENT
        && status != StatusCode::NOT_MODIFIED
}

fn can_have_length(status: StatusCode) -> bool {
    !status.is_informational()
        && status != StatusCode::NO_CONTENT
        && status != StatusCode::NOT_MODIFIED
}

/// Writes the status line and fields into `out` by hyper 1.x's rules (its `role::Server::encode`
/// and `Conn::enforce_version`); `length` is `None` for no body, `Some(None)` for a body of
/// unknown length. None where hyper refuses the head.
fn encode_head(
    parts: &mut http::response::Parts,
    length: Option<Option<u64>>,
    request: Framing,
    out: &mut Vec<u8>,
) -> Option<Head> {
    let mut keep_alive = request.keep_alive;
    // The Connection value hyper would add to the response's fields (`Conn::enforce_version`):
    // written where hyper's appended value would come out, without growing the map.
    let mut added: Option<&'static [u8]> = None;
    let lists = |token: &[u8]| {
        parts
            .headers
            .get_all(header::CONNECTION)
            .iter()
            .any(|v| has_token(v.as_bytes(), token))
    };
    if request.version == Version::HTTP_10 {
        if !lists(b"keep-alive") {
            match parts.version {
                Version::HTTP_10 => keep_alive = false,
                Version::HTTP_11 if keep_alive => added = Some(b"keep-alive"),
                _ => {}
            }
        }
        parts.version = Version::HTTP_10;
    } else if !keep_alive && !lists(b"close") {
        added = Some(b"close");
    }
    let mut last = !keep_alive;
    let status = parts.status;
    let version_1_0 = parts.version == Version::HTTP_10;
    if !version_1_0 && status == StatusCode::OK {
        out.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
    } else {
        out.extend_from_slice(if version_1_0 {
            b"HTTP/1.0 "
        } else {
            b"HTTP/1.1 "
        });
        out.extend_from_slice(status.as_str().as_bytes());
        out.push(b' ');
        out.extend_from_slice(status.canonical_reason().unwrap_or("<none>").as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let chunkable = !version_1_0 && can_have_body(request.head, status);
    let mut encoding = Encoding::Length(0);
    let mut wrote_length = false;
    let mut wrote_date = false;
    let mut length_seen: Option<u64> = None;
    // A field whose values are joined on one line (content-length, transfer-encoding,
    // connection, trailer) is open until the next name.
    let mut open_line = false;
    let mut previous: Option<&HeaderName> = None;
    for (name, value) in &parts.headers {
        if previous != Some(name) {
            if previous == Some(&header::CONNECTION)
                && let Some(value) = added.take()
            {
                out.extend_from_slice(b", ");
                out.extend_from_slice(value);
            }
            if open_line {
                out.extend_from_slice(b"\r\n");
            }
            open_line = false;
            previous = Some(name);
        }
        match *name {
            header::CONTENT_LENGTH => {
                if wrote_length && !open_line {
                    return None;
                }
                match length {
                    Some(Some(known)) => {
                        if !open_line {
                            encoding = Encoding::Length(known);
                            out.extend_from_slice(b"content-length: ");
                            out.extend_from_slice(value.as_bytes());
                            wrote_length = true;
                            open_line = true;
                        }
                        continue;
                    }
                    Some(None) => {
                        let len = std::str::from_utf8(value.as_bytes())
                            .ok()
                            .and_then(|v| v.parse::<u64>().ok())?;
                        match length_seen {
                            Some(seen) if seen != len => return None,
                            Some(_) => {}
                            None => {
                                encoding = Encoding::Length(len);
                                out.extend_from_slice(b"content-length: ");
                                out.extend_from_slice(value.as_bytes());
                                wrote_length = true;
                                open_line = true;
                                length_seen = Some(len);
                            }
                        }
                        continue;
                    }
                    // No body: the field stays only on a response to HEAD.
                    None if !request.head => continue,
                    None => wrote_length = true,
                }
            }
            header::TRANSFER_ENCODING => {
                if wrote_length && !open_line {
                    return None;
                }
                if !chunkable {
                    continue;
                }
                wrote_length = true;
                if open_line {
                    out.extend_from_slice(b", ");
                } else {
                    encoding = Encoding::Chunked;
                    open_line = true;
                    out.extend_from_slice(b"transfer-encoding: ");
                }
                out.extend_from_slice(value.as_bytes());
                continue;
            }
            header::CONNECTION => {
                if has_token(value.as_bytes(), b"close") {
                    last = true;
                }
                if open_line {
                    out.extend_from_slice(b", ");
                } else {
                    open_line = true;
                    out.extend_from_slice(b"connection: ");
                }
                out.extend_from_slice(value.as_bytes());
                continue;
            }
            header::TRAILER => {
                if !chunkable {
                    continue;
                }
                if open_line {
                    out.extend_from_slice(b", ");
                } else {
                    open_line = true;
                    out.extend_from_slice(b"trailer: ");
                }
                out.extend_from_slice(value.as_bytes());
                continue;
            }
            header::DATE => wrote_date = true,
            _ => {}
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if let Some(value) = added {
        // After the map's last Connection value, or as a field of its own after every other.
        if previous == Some(&header::CONNECTION) {
            out.extend_from_slice(b", ");
        } else {
            if open_line {
                out.extend_from_slice(b"\r\n");
            }
            open_line = true;
            out.extend_from_slice(b"connection: ");
        }
        out.extend_from_slice(value);
    }
    if open_line {
        out.extend_from_slice(b"\r\n");
    }
    if encoding == Encoding::Chunked && !ends_in_chunked(&parts.headers) {
        // hyper adds `chunked` when the last coding named is another one.
        out.truncate(out.len() - 2);
        out.extend_from_slice(b", chunked\r\n");
    }
    if !wrote_length {
        encoding = match length {
            Some(None) if !chunkable => Encoding::UntilClose,
            Some(None) => {
                out.extend_from_slice(b"transfer-encoding: chunked\r\n");
                Encoding::Chunked
            }
            None | Some(Some(0)) => {
                if can_have_length(status) && !request.head {
                    out.extend_from_slice(b"content-length: 0\r\n");
                }
                Encoding::Length(0)
            }
            Some(Some(len)) if can_have_length(status) => {
                out.extend_from_slice(b"content-length: ");
                out.extend_from_slice(itoa::Buffer::new().format(len).as_bytes());
                out.extend_from_slice(b"\r\n");
                Encoding::Length(len)
            }
            Some(Some(_)) => Encoding::Length(0),
        };
    }
    if !can_have_body(request.head, status) {
        encoding = Encoding::Length(0);
    }
    if !wrote_date {
        out.extend_from_slice(b"date: ");
        push_date(out);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    Some(Head { encoding, last })
}

/// Whether the last transfer coding the response names is `chunked`.
fn ends_in_chunked(headers: &http::HeaderMap) -> bool {
    headers
        .get_all(header::TRANSFER_ENCODING)
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"))
}

thread_local! {
    /// The IMF-fixdate of the current second, rendered once per second (as hyper caches it).
    static DATE: std::cell::Cell<(u64, [u8; 29])> = const { std::cell::Cell::new((u64::MAX, [0; 29])) };
}

fn push_date(out: &mut Vec<u8>) {
    let now = std::time::SystemTime::now();
    let second = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (cached, mut text) = DATE.get();
    if cached != second {
        let rendered = httpdate::fmt_http_date(now);
        text.copy_from_slice(&rendered.as_bytes()[..29]);
        DATE.set((second, text));
    }
    out.extend_from_slice(&text);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(bytes: &[u8]) -> Taken {
        let mut buf = BytesMut::from(bytes);
        take_request(&mut buf, 8192, &mut Vec::new())
    }

    #[test]
    fn a_simple_get_is_taken_and_keeps_alive() {
        let Taken::Request(request, framing) =
            take(b"GET /a?b HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n")
        else {
            panic!("not taken");
        };
        assert_eq!(request.method(), Method::GET);
        assert_eq!(request.uri(), "/a?b");
        assert_eq!(request.headers()["host"], "x");
        assert!(framing.keep_alive && !framing.head);
    }

    #[test]
    fn requests_with_a_body_or_other_methods_go_to_hyper_whole() {
        for head in [
            &b"POST / HTTP/1.1\r\nHost: x\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost x\r\n\r\n",
            b"GET / HTTP/2.0\r\nHost: x\r\n\r\n",
        ] {
            match take(head) {
                Taken::Hyper(bytes) => assert_eq!(&bytes[..], head),
                _ => panic!("taken: {}", String::from_utf8_lossy(head)),
            }
        }
    }

    #[test]
    fn a_head_over_the_limit_goes_to_hyper_and_a_short_one_waits() {
        let mut long = b"GET / HTTP/1.1\r\nHost: x\r\nX: ".to_vec();
        long.resize(9000, b'a');
        assert!(matches!(take(&long), Taken::Hyper(b) if b.len() == 9000));
        assert!(matches!(take(b"GET / HTTP/1.1\r\nHo"), Taken::Partial));
    }

    #[test]
    fn http_1_0_keeps_alive_only_when_asked_and_close_wins() {
        let framing = |bytes: &[u8]| match take(bytes) {
            Taken::Request(_, framing) => framing.keep_alive,
            _ => panic!("not taken"),
        };
        assert!(!framing(b"GET / HTTP/1.0\r\n\r\n"));
        assert!(framing(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
        assert!(!framing(
            b"GET / HTTP/1.1\r\nConnection: keep-alive, close\r\n\r\n"
        ));
        assert!(!framing(
            b"GET / HTTP/1.0\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n"
        ));
    }

    #[test]
    fn pipelined_requests_are_taken_one_at_a_time() {
        let mut buf = BytesMut::from(&b"GET /1 HTTP/1.1\r\n\r\nHEAD /2 HTTP/1.1\r\n\r\nGE"[..]);
        let mut spans = Vec::new();
        assert!(
            matches!(take_request(&mut buf, 8192, &mut spans), Taken::Request(r, _) if r.uri() == "/1")
        );
        assert!(
            matches!(take_request(&mut buf, 8192, &mut spans), Taken::Request(r, f) if r.uri() == "/2" && f.head)
        );
        assert!(matches!(
            take_request(&mut buf, 8192, &mut spans),
            Taken::Partial
        ));
        assert_eq!(&buf[..], b"GE");
    }

    fn head_of(
        response: http::Response<()>,
        length: Option<Option<u64>>,
        request: Framing,
    ) -> (String, Option<Head>) {
        let (mut parts, ()) = response.into_parts();
        let mut out = Vec::new();
        let head = encode_head(&mut parts, length, request, &mut out);
        let text = String::from_utf8(out).unwrap();
        // The date changes; its place does not.
        let text = match text.find("date: ") {
            Some(at) => format!("{}date: D{}", &text[..at], &text[at + 35..]),
            None => text,
        };
        (text, head)
    }

    const GET_1_1: Framing = Framing {
        version: Version::HTTP_11,
        keep_alive: true,
        head: false,
    };

    #[test]
    fn heads_follow_hypers_rules() {
        let ok = || http::Response::builder().header("etag", "\"e\"");
        let (text, head) = head_of(ok().body(()).unwrap(), Some(Some(5)), GET_1_1);
        assert_eq!(
            text,
            "HTTP/1.1 200 OK\r\netag: \"e\"\r\ncontent-length: 5\r\ndate: D\r\n\r\n"
        );
        let head = head.unwrap();
        assert_eq!(head.encoding, Encoding::Length(5));
        assert!(!head.last);

        // Unknown length: chunked; HTTP/1.0: until close, answered as 1.0.
        let (text, head) = head_of(ok().body(()).unwrap(), Some(None), GET_1_1);
        assert!(text.contains("transfer-encoding: chunked\r\n"), "{text}");
        assert_eq!(head.unwrap().encoding, Encoding::Chunked);
        let one_zero = Framing {
            version: Version::HTTP_10,
            keep_alive: false,
            head: false,
        };
        let (text, head) = head_of(ok().body(()).unwrap(), Some(None), one_zero);
        assert!(text.starts_with("HTTP/1.0 200 OK\r\n"), "{text}");
        assert!(!text.contains("transfer-encoding"), "{text}");
        let head = head.unwrap();
        assert_eq!(head.encoding, Encoding::UntilClose);
        assert!(head.last);

        // HTTP/1.0 keep-alive is confirmed; a closing 1.1 request gets `connection: close`.
        let (text, head) = head_of(
            ok().body(()).unwrap(),
            Some(Some(1)),
            Framing {
                keep_alive: true,
                ..one_zero
            },
        );
        assert!(text.contains("connection: keep-alive\r\n"), "{text}");
        assert!(!head.unwrap().last);
        let (text, head) = head_of(
            ok().body(()).unwrap(),
            Some(Some(1)),
            Framing {
                keep_alive: false,
                ..GET_1_1
            },
        );
        assert!(text.contains("connection: close\r\n"), "{text}");
        assert!(head.unwrap().last);

        // 304: no length at all; HEAD keeps the handler's length and sends no body.
        let (text, head) = head_of(
            http::Response::builder()
                .status(304)
                .header("content-length", "5")
                .body(())
                .unwrap(),
            None,
            GET_1_1,
        );
        assert_eq!(text, "HTTP/1.1 304 Not Modified\r\ndate: D\r\n\r\n");
        assert_eq!(head.unwrap().encoding, Encoding::Length(0));
        let (text, head) = head_of(
            ok().header("content-length", "5").body(()).unwrap(),
            None,
            Framing {
                head: true,
                ..GET_1_1
            },
        );
        assert!(text.contains("content-length: 5\r\n"), "{text}");
        assert_eq!(head.unwrap().encoding, Encoding::Length(0));

        // A response that closes says so, and the connection ends after it.
        let (text, head) = head_of(
            http::Response::builder()
                .status(400)
                .header("connection", "close")
                .body(())
                .unwrap(),
            Some(Some(3)),
            GET_1_1,
        );
        assert!(text.starts_with("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n"));
        assert!(head.unwrap().last);
    }

    #[test]
    fn the_connection_value_hyper_adds_joins_the_fields_own() {
        let closing = Framing {
            keep_alive: false,
            ..GET_1_1
        };
        let response = || {
            http::Response::builder()
                .header("connection", "x-a")
                .header("etag", "\"e\"")
                .body(())
                .unwrap()
        };
        let (text, _) = head_of(response(), Some(Some(1)), closing);
        assert!(
            text.starts_with("HTTP/1.1 200 OK\r\nconnection: x-a, close\r\netag: \"e\"\r\n"),
            "{text}"
        );
        let one_zero_keep_alive = Framing {
            version: Version::HTTP_10,
            keep_alive: true,
            head: false,
        };
        let (text, _) = head_of(response(), Some(Some(1)), one_zero_keep_alive);
        assert!(text.contains("connection: x-a, keep-alive\r\n"), "{text}");
        // Obs-text in a value: hyper sees no token in it.
        assert!(!has_token(b"close, \xe9", b"close"));
        assert!(has_token(b" Close ,x", b"close"));
    }

    #[test]
    fn taking_loses_no_byte_however_the_stream_arrives() {
        let stream: &[u8] =
            b"GET /1 HTTP/1.1\r\n\r\nHEAD /2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n\
            POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\nx";
        for split in 0..=stream.len() {
            check_taking(stream, split);
        }
        let (taken, end) = take_all(stream, stream.len());
        assert_eq!(taken, [19, 44]);
        assert_eq!(end, Err(stream.len() - 63));
        assert_eq!(take_all(b"GET / HTTP/1.1\r\nHo", 3), (vec![], Ok(18)));
    }

    #[test]
    fn chunk_size_lines_are_hex() {
        assert_eq!(chunk_size_line(0).as_bytes(), b"0\r\n");
        assert_eq!(chunk_size_line(4096).as_bytes(), b"1000\r\n");
        assert_eq!(
            chunk_size_line(usize::MAX).as_bytes(),
            b"FFFFFFFFFFFFFFFF\r\n"
        );
    }
}
