//! The reverse proxy: a request whose path starts with a configured prefix goes to one of the
//! prefix's upstreams over a keep-alive HTTP/1.1 connection that the request's own task drives
//! (`crate::upstream`: HTTP/1.1 written and read by hand, idle connections in a free list per
//! upstream).
//!
//! Phases (pingora's chart): request read -> choose upstream -> connect (or reuse) -> upstream
//! request -> upstream response head -> response -> log.
//!
//! - Request body: read whole, into memory, before any upstream is chosen ([`read_body`],
//!   nginx's default `proxy_request_buffering on`, without its spill to a temporary file).
//!   Whose fault an error is then follows from when it happened: anything wrong while reading
//!   the body — a chunk size that is not hex, negative, `0x`-prefixed or overflowing, a chunk
//!   without its CRLF, a bare LF, a bad chunk extension or trailer (see `crate::chunked`), a
//!   client that closes or stalls mid-body — is the client's: 400 (408 for a stall longer than
//!   `body_timeout`, 413 past `max_body_bytes`), the connection closed, and no upstream has
//!   seen the request. 502 and 504 are left for what an upstream did.
//!   The trade-off against streaming the body through: memory up to `max_body_bytes` per
//!   request in flight (10 MiB by default; nginx would spill to disk instead), and an upload
//!   reaches the upstream only once it is complete, so the upstream cannot answer early
//!   (a 401 before a large upload) nor process it as it arrives. In exchange nothing is ever
//!   half-forwarded, a request with a body can be retried on the next upstream when the first
//!   refuses the connection, and the upstream gets a clean `Content-Length` body whatever the
//!   client's chunking was (no chunk extensions or trailers pass; nothing to smuggle).
//! - Choosing: round-robin from a per-route counter, skipping upstreams marked down. A refused
//!   (or timed-out) connection marks an upstream down for `upstream_down_for` and the next one
//!   is tried (nothing of the request was sent). When every upstream is marked down they are
//!   all tried anyway: a refused connection on loopback costs microseconds, and a restarted
//!   upstream is found at once. None reachable -> 502.
//! - Reuse: a request goes on an idle keep-alive connection when there is one that the
//!   upstream has neither closed nor written to. When a reused connection closes without a
//!   byte of answer (the upstream's keep-alive timeout crossed our reuse), an idempotent
//!   request (RFC 9110 §9.2.2) is sent again on a new connection, as browsers and nginx do;
//!   any other is a 502, since the upstream may have acted on it.
//! - Timeout: no response head within `upstream_timeout` -> 504; nothing more of the body for
//!   as long (nginx's `proxy_read_timeout`) -> the response is cut and both connections closed.
//! - Headers: hop-by-hop ones (RFC 9110 §7.6.1, and those named in Connection) are removed both
//!   ways; X-Forwarded-For/-Proto/-Host and Forwarded (RFC 7239) are added; a valid W3C
//!   `traceparent` keeps its trace id with our span as the new parent, otherwise a trace starts.
//! - `Expect: 100-continue` is answered by hyper (100 Continue) when the body is first read,
//!   which is at once: the upstream gets the header but the body is already here.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http::header::{self, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::BodyExt;

use crate::body::{Body, ClientBody};
use crate::config::{Limits, ProxyRoute};
use crate::handler::HeadCapture;
use crate::upstream::{
    Connector, IdleList, OutgoingRequest, ResponseHead, SendError, UpstreamBody, UpstreamConn,
    is_hop_by_hop,
};

/// A prefix and its upstreams, with the balancing state.
pub(crate) struct Route {
    pub(crate) prefix: String,
    upstreams: Vec<Upstream>,
    next: AtomicUsize,
}

struct Upstream {
    addr: SocketAddr,
    /// Milliseconds since the server's epoch until which this upstream is skipped.
    down_until_ms: AtomicU64,
    /// Its idle keep-alive connections.
    idle: Arc<IdleList>,
}

/// How a proxied request ended, for the log and the journey.
pub(crate) struct Proxied {
    pub(crate) response: Response<Body>,
    pub(crate) upstream: Option<SocketAddr>,
    /// Whether the upstream answered (false: 400/408/413/502/504 made here).
    pub(crate) answered: bool,
}

impl Route {
    /// `idle_timeout`: how long an idle keep-alive connection to an upstream stays open.
    pub(crate) fn new(route: &ProxyRoute, idle_timeout: Duration) -> Self {
        Route {
            prefix: route.prefix.trim_end_matches('/').to_owned(),
            upstreams: route
                .upstreams
                .iter()
                .map(|&addr| Upstream {
                    addr,
                    down_until_ms: AtomicU64::new(0),
                    idle: Arc::new(IdleList::new(idle_timeout)),
                })
                .collect(),
            next: AtomicUsize::new(0),
        }
    }

    /// Whether `path` is under this prefix: `/search` takes `/search` and `/search/...`.
    pub(crate) fn matches(&self, path: &str) -> bool {
        match path.strip_prefix(self.prefix.as_str()) {
            Some(rest) => rest.is_empty() || rest.starts_with('/') || self.prefix.is_empty(),
            None => false,
        }
    }

    /// The upstreams in the order to try them: round-robin start, live ones only (all of them
    /// when none is live).
    fn candidates(&self, now_ms: u64) -> impl Iterator<Item = &Upstream> {
        let n = self.upstreams.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let live = move |u: &Upstream| u.down_until_ms.load(Ordering::Relaxed) <= now_ms;
        let any_live = self.upstreams.iter().any(live);
        (0..n)
            .map(move |i| &self.upstreams[(start + i) % n])
            .filter(move |u| !any_live || live(u))
    }
}

/// Everything about the client connection the proxy adds to forwarded headers.
pub(crate) struct Downstream<'a> {
    pub(crate) client: SocketAddr,
    pub(crate) epoch: Instant,
    /// The connection's raw request bytes, with the chunked grammar check.
    pub(crate) raw: &'a Mutex<HeadCapture>,
    /// The client came over TLS: `X-Forwarded-Proto: https`.
    pub(crate) secure: bool,
}

/// Forwards `request` along `route` and returns the upstream's response (or 400/408/413 for
/// a request body the client got wrong, 502/504 for what the upstream did).
pub(crate) async fn forward(
    connector: &Connector,
    route: &Route,
    limits: &Limits,
    downstream: &Downstream<'_>,
    request: Request<ClientBody>,
) -> Proxied {
    let (parts, body) = request.into_parts();
    // HTTP/2 frames a body with DATA frames and may send no Content-Length (RFC 9113 §8.1).
    let has_body = parts.headers.contains_key(header::TRANSFER_ENCODING)
        || parts
            .headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0")
        || (parts.version == http::Version::HTTP_2
            && !http_body::Body::is_end_stream(&body)
            && !parts.headers.contains_key(header::CONTENT_LENGTH));
    // The whole body first: a framing error, a timeout or an oversized body is the client's
    // fault and is answered here, before any upstream sees a byte of the request.
    let body = if has_body {
        match read_body(body, limits, downstream.raw).await {
            Ok(bytes) => bytes,
            Err(status) => return made_here(status, None),
        }
    } else {
        drop(body);
        Bytes::new()
    };
    let mut head = BytesMut::with_capacity(512);
    // The body goes on with the length it turned out to have (a chunked request is sent with
    // Content-Length: the client's chunk boundaries and extensions stay here).
    let body_len = has_body.then_some(body.len());
    let has_host = write_request_head(
        &mut head,
        &parts,
        downstream.client,
        downstream.secure,
        body_len,
    );
    let outgoing = OutgoingRequest {
        head,
        is_head: parts.method == Method::HEAD,
        idempotent: parts.method.is_idempotent(),
        body,
    };

    let now_ms = downstream.epoch.elapsed().as_millis() as u64;
    let mut last_tried = None;
    let mut host_line = BytesMut::new();
    for upstream in route.candidates(now_ms) {
        last_tried = Some(upstream.addr);
        if !has_host {
            // An HTTP/1.0 request may come without Host; HTTP/1.1 upstreams need one.
            use std::fmt::Write;
            host_line.clear();
            let _ = write!(host_line, "host: {}\r\n", upstream.addr);
        }
        let sent = tokio::time::timeout(
            limits.upstream_timeout,
            exchange(connector, upstream, &outgoing, &host_line),
        )
        .await;
        match sent {
            Err(_) => return made_here(StatusCode::GATEWAY_TIMEOUT, Some(upstream.addr)),
            Ok(Exchange::Answered(head, conn)) => {
                upstream.down_until_ms.store(0, Ordering::Relaxed);
                let body = UpstreamBody::new(conn, &head, upstream.idle.clone());
                let mut response = Response::new(Body::upstream(body));
                *response.status_mut() = head.status;
                *response.headers_mut() = head.headers;
                return Proxied {
                    response,
                    upstream: Some(upstream.addr),
                    answered: true,
                };
            }
            // Nothing was sent: the next upstream gets the request (the body is in memory).
            Ok(Exchange::Refused) => {
                let until = downstream.epoch.elapsed() + limits.upstream_down_for;
                upstream
                    .down_until_ms
                    .store(until.as_millis() as u64, Ordering::Relaxed);
            }
            Ok(Exchange::Failed) => return made_here(StatusCode::BAD_GATEWAY, Some(upstream.addr)),
        }
    }
    made_here(StatusCode::BAD_GATEWAY, last_tried)
}

/// How one upstream took a request.
enum Exchange {
    /// The response head, and the connection its body comes over.
    Answered(ResponseHead, Box<UpstreamConn>),
    /// No connection could be opened: nothing was sent.
    Refused,
    /// The request went out (or may have) and no response head came back.
    Failed,
}

/// Sends `request` to `upstream` on an idle keep-alive connection, or on a new one when there
/// is none, or the idle one turns out to have closed before the request went out, or (for an
/// idempotent request) closed without a byte of answer: the upstream's keep-alive timeout
/// and our reuse crossed.
async fn exchange(
    connector: &Connector,
    upstream: &Upstream,
    request: &OutgoingRequest,
    host_line: &[u8],
) -> Exchange {
    if let Some(mut conn) = upstream.idle.checkout() {
        match conn.send(request, host_line).await {
            Ok(head) => return Exchange::Answered(head, conn),
            Err(SendError::NotSent) => {}
            Err(SendError::Unanswered) if request.idempotent => {}
            Err(_) => return Exchange::Failed,
        }
    }
    let Ok(mut conn) = connector.connect(upstream.addr).await else {
        return Exchange::Refused;
    };
    match conn.send(request, host_line).await {
        Ok(head) => Exchange::Answered(head, conn),
        Err(_) => Exchange::Failed,
    }
}

/// Reads a request body whole: at most `max_body_bytes` (else 413), each part within
/// `body_timeout` of the one before (else 408), well framed (else 400: hyper's decoder refused
/// a chunk size, a chunk's CRLF, a trailer, or the client closed before the end; or
/// `crate::chunked` found the raw chunked body off the grammar). Trailer fields are read and
/// dropped.
pub(crate) async fn read_body(
    mut body: ClientBody,
    limits: &Limits,
    raw: &Mutex<HeadCapture>,
) -> Result<Bytes, StatusCode> {
    let invalid = || {
        raw.lock()
            .unwrap_or_else(|e| e.into_inner())
            .chunked_invalid()
    };
    let mut collected = BytesMut::new();
    loop {
        let frame = match tokio::time::timeout(limits.body_timeout, body.frame()).await {
            // A grammar error seen on the raw bytes wins over what hyper made of them.
            _ if invalid() => return Err(StatusCode::BAD_REQUEST),
            Err(_) => return Err(StatusCode::REQUEST_TIMEOUT),
            Ok(None) => return Ok(collected.freeze()),
            Ok(Some(Err(_))) => return Err(StatusCode::BAD_REQUEST),
            Ok(Some(Ok(frame))) => frame,
        };
        if let Ok(data) = frame.into_data() {
            if (collected.len() + data.len()) as u64 > limits.max_body_bytes {
                return Err(StatusCode::PAYLOAD_TOO_LARGE);
            }
            collected.extend_from_slice(&data);
        }
    }
}

fn made_here(status: StatusCode, upstream: Option<SocketAddr>) -> Proxied {
    let mut response = crate::handler::error_page(status);
    // The client's fault: what is left of its request on the connection cannot be trusted.
    if status.is_client_error() {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    Proxied {
        response,
        upstream,
        answered: false,
    }
}

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
const TRACESTATE: HeaderName = HeaderName::from_static("tracestate");

/// The fields the proxy writes itself, whatever the client sent in them.
const REPLACED: [HeaderName; 5] = [
    X_FORWARDED_FOR,
    X_FORWARDED_PROTO,
    X_FORWARDED_HOST,
    header::FORWARDED,
    TRACEPARENT,
];

/// Writes the request line and the fields of the request that goes upstream, without the blank
/// line that ends them, and returns whether a Host field is among them.
///
/// - origin form (`/path?query`), HTTP/1.1 whatever the client spoke;
/// - the client's fields in their order, but the hop-by-hop ones (RFC 9110 §7.6.1: Connection,
///   those it names and the classic list) and those written here; HTTP/2's `:authority` as Host
///   when there is no Host (RFC 9113 §8.3.1); HTTP/2's cookie fields joined into one (RFC 9113
///   §8.2.3), as an HTTP/1.1 server expects;
/// - `content-length` with the body's length when there is a body (`body_len`);
/// - X-Forwarded-For/-Proto/-Host and Forwarded (RFC 7239), each after the values the client
///   sent; a valid W3C `traceparent` keeps its trace id with our span as the new parent,
///   otherwise a trace starts (and the client's `tracestate`, which belongs to the trace that
///   could not be continued, is dropped).
///
/// Everything is written straight into `out`: no field is added to the request's map only to
/// be encoded from it again.
fn write_request_head(
    out: &mut BytesMut,
    parts: &http::request::Parts,
    client: SocketAddr,
    secure: bool,
    body_len: Option<usize>,
) -> bool {
    let headers = &parts.headers;
    out.extend_from_slice(parts.method.as_str().as_bytes());
    out.extend_from_slice(b" ");
    let target = parts.uri.path_and_query().map_or("", |p| p.as_str());
    out.extend_from_slice(if target.is_empty() { "/" } else { target }.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");

    let authority = parts.uri.authority().map(|a| a.as_str().as_bytes());
    let host = match headers.get(header::HOST) {
        Some(host) => Some(host.as_bytes()),
        None => {
            if let Some(authority) = authority {
                put_field(out, b"host", authority);
            }
            authority
        }
    };
    // The fields Connection names (few requests have any: HTTP/1.1 clients rarely send it).
    // Host is not among them whatever the client says: the upstream needs it.
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .flat_map(|v| v.as_bytes().split(|&b| b == b','))
        .filter_map(|name| HeaderName::from_bytes(name.trim_ascii()).ok())
        .filter(|name| name != header::HOST)
        .collect();
    let sent = |name: &HeaderName| !named.contains(name);
    let trace = headers
        .get(TRACEPARENT)
        .filter(|_| sent(&TRACEPARENT))
        .and_then(|v| v.to_str().ok())
        .and_then(parse_traceparent);
    let join_cookies = parts.version == http::Version::HTTP_2;
    let mut cookies_written = false;
    for (name, value) in headers {
        if is_hop_by_hop(name)
            || REPLACED.contains(name)
            || !sent(name)
            || (body_len.is_some() && name == header::CONTENT_LENGTH)
            || (trace.is_none() && name == TRACESTATE)
        {
            continue;
        }
        if join_cookies && name == header::COOKIE {
            if !cookies_written {
                cookies_written = true;
                out.extend_from_slice(b"cookie: ");
                for (i, cookie) in headers.get_all(header::COOKIE).iter().enumerate() {
                    if i > 0 {
                        out.extend_from_slice(b"; ");
                    }
                    out.extend_from_slice(cookie.as_bytes());
                }
                out.extend_from_slice(b"\r\n");
            }
            continue;
        }
        put_field(out, name.as_str().as_bytes(), value.as_bytes());
    }
    if let Some(len) = body_len {
        put_field(
            out,
            b"content-length",
            itoa::Buffer::new().format(len).as_bytes(),
        );
    }

    let client = client.ip();
    let proto: &[u8] = if secure { b"https" } else { b"http" };
    // Earlier values are kept only if they are visible ASCII, as a value we add to must be.
    let earlier = |name: HeaderName| {
        let sent = sent(&name);
        headers
            .get_all(name)
            .iter()
            .filter(move |v| sent && v.to_str().is_ok())
    };
    out.extend_from_slice(b"x-forwarded-for: ");
    for value in earlier(X_FORWARDED_FOR) {
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b", ");
    }
    put_ip(out, client);
    out.extend_from_slice(b"\r\n");
    put_field(out, b"x-forwarded-proto", proto);
    if let Some(host) = host {
        put_field(out, b"x-forwarded-host", host);
    }
    out.extend_from_slice(b"forwarded: ");
    for value in earlier(header::FORWARDED) {
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b", ");
    }
    out.extend_from_slice(b"for=");
    if client.is_ipv6() {
        out.extend_from_slice(b"\"[");
        put_ip(out, client);
        out.extend_from_slice(b"]\"");
    } else {
        put_ip(out, client);
    }
    out.extend_from_slice(b";proto=");
    out.extend_from_slice(proto);
    // A host that would need escaping inside a quoted-string is left out.
    if let Some(host) = host.filter(|h| {
        h.iter()
            .all(|&b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
    }) {
        out.extend_from_slice(b";host=\"");
        out.extend_from_slice(host);
        out.extend_from_slice(b"\"");
    }
    out.extend_from_slice(b"\r\n");

    // W3C Trace Context: `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`.
    out.extend_from_slice(b"traceparent: 00-");
    let flags = match trace {
        Some((trace_id, flags)) => {
            out.extend_from_slice(trace_id.as_bytes());
            flags
        }
        None => {
            put_hex(out, rand::random::<u128>() | 1, 32);
            "01"
        }
    };
    out.extend_from_slice(b"-");
    put_hex(out, (rand::random::<u64>() | 1).into(), 16);
    out.extend_from_slice(b"-");
    out.extend_from_slice(flags.as_bytes());
    out.extend_from_slice(b"\r\n");
    host.is_some()
}

fn put_field(out: &mut BytesMut, name: &[u8], value: &[u8]) {
    out.extend_from_slice(name);
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// Writes `ip` as text; an IPv4 address by hand, without the formatting machinery (it is
/// written twice into every proxied request).
fn put_ip(out: &mut BytesMut, ip: std::net::IpAddr) {
    match ip {
        std::net::IpAddr::V4(v4) => {
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b".");
                }
                let digits = [
                    b'0' + octet / 100,
                    b'0' + octet / 10 % 10,
                    b'0' + octet % 10,
                ];
                let skip = if octet >= 100 {
                    0
                } else if octet >= 10 {
                    1
                } else {
                    2
                };
                out.extend_from_slice(&digits[skip..]);
            }
        }
        std::net::IpAddr::V6(v6) => {
            use std::fmt::Write;
            let _ = write!(out, "{v6}");
        }
    }
}

/// Writes the low `digits` hex digits of `value`, lower case, zero-padded.
fn put_hex(out: &mut BytesMut, value: u128, digits: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = [0u8; 32];
    for (i, slot) in text[..digits].iter_mut().enumerate() {
        *slot = HEX[(value >> (4 * (digits - 1 - i)) & 0xf) as usize];
    }
    out.extend_from_slice(&text[..digits]);
}

/// The trace id and flags of a valid version-00 traceparent.
fn parse_traceparent(value: &str) -> Option<(&str, &str)> {
    let mut parts = value.trim().split('-');
    let (version, trace, parent, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, n: usize| {
        s.len() == n
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let valid = version == "00"
        && parts.next().is_none()
        && hex(trace, 32)
        && hex(parent, 16)
        && hex(flags, 2)
        && trace.bytes().any(|b| b != b'0')
        && parent.bytes().any(|b| b != b'0');
    valid.then_some((trace, flags))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_whole_segments() {
        let route = Route::new(
            &ProxyRoute {
                prefix: "/search".into(),
                upstreams: vec!["127.0.0.1:1".parse().unwrap()],
            },
            Duration::from_secs(60),
        );
        assert!(route.matches("/search"));
        assert!(route.matches("/search/x"));
        assert!(!route.matches("/searching"));
        assert!(!route.matches("/"));
        let root = Route::new(
            &ProxyRoute {
                prefix: "/".into(),
                upstreams: vec!["127.0.0.1:1".parse().unwrap()],
            },
            Duration::from_secs(60),
        );
        assert!(root.matches("/anything"));
    }

    /// The head `request` goes upstream with, from 192.0.2.7 over plain HTTP.
    fn upstream_head(request: Request<()>, body_len: Option<usize>) -> (String, bool) {
        let (parts, ()) = request.into_parts();
        let mut out = BytesMut::new();
        let client = "192.0.2.7:4242".parse().unwrap();
        let has_host = write_request_head(&mut out, &parts, client, false, body_len);
        (String::from_utf8(out.to_vec()).unwrap(), has_host)
    }

    fn field<'a>(head: &'a str, name: &str) -> Vec<&'a str> {
        head.lines()
            .filter_map(|line| line.strip_prefix(name)?.strip_prefix(": "))
            .collect()
    }

    fn traced(traceparent: &str) -> Request<()> {
        Request::get("/")
            .header("traceparent", traceparent)
            .header("tracestate", "vendor=1")
            .body(())
            .unwrap()
    }

    #[test]
    fn traceparent_is_continued_or_started() {
        let request = traced("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        let (head, _) = upstream_head(request, None);
        let value = field(&head, "traceparent");
        assert_eq!(value.len(), 1, "{head}");
        assert!(
            value[0].starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
            "{head}"
        );
        assert!(!value[0].contains("00f067aa0ba902b7"), "{head}");
        assert!(value[0].ends_with("-01"), "{head}");
        assert_eq!(field(&head, "tracestate"), ["vendor=1"], "{head}");

        for broken in [
            "garbage",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        ] {
            let (head, _) = upstream_head(traced(broken), None);
            let value = field(&head, "traceparent");
            assert_eq!(value.len(), 1, "{head}");
            assert!(parse_traceparent(value[0]).is_some(), "{head}");
            assert!(field(&head, "tracestate").is_empty(), "{head}");
        }
    }

    #[test]
    fn hop_by_hop_fields_stay_and_the_rest_go_on_in_order() {
        let request = Request::post("/form?x=1")
            .header("host", "www.google.com")
            .header("connection", "close, x-secret, host")
            .header("x-secret", "1")
            .header("keep-alive", "timeout=5")
            .header("transfer-encoding", "chunked")
            .header("te", "trailers")
            .header("accept", "*/*")
            .header("content-length", "99")
            .header("x-forwarded-host", "evil.example")
            .header("x-forwarded-proto", "https")
            .body(())
            .unwrap();
        let (head, has_host) = upstream_head(request, Some(5));
        assert!(has_host);
        let expected = format!(
            "POST /form?x=1 HTTP/1.1\r\n\
             host: www.google.com\r\n\
             accept: */*\r\n\
             content-length: 5\r\n\
             x-forwarded-for: 192.0.2.7\r\n\
             x-forwarded-proto: http\r\n\
             x-forwarded-host: www.google.com\r\n\
             forwarded: for=192.0.2.7;proto=http;host=\"www.google.com\"\r\n\
             traceparent: {}\r\n",
            field(&head, "traceparent")[0],
        );
        assert_eq!(head, expected);
    }

    #[test]
    fn without_host_the_authority_or_nothing() {
        // HTTP/2: :authority is the Host; cookies are joined into one field.
        let request = Request::get("https://www.google.com/search?q=dns")
            .version(http::Version::HTTP_2)
            .header("cookie", "a=1")
            .header("cookie", "b=2")
            .body(())
            .unwrap();
        let (head, has_host) = upstream_head(request, None);
        assert!(has_host);
        assert!(
            head.starts_with("GET /search?q=dns HTTP/1.1\r\nhost: www.google.com\r\n"),
            "{head}"
        );
        assert_eq!(field(&head, "cookie"), ["a=1; b=2"], "{head}");
        assert_eq!(
            field(&head, "x-forwarded-host"),
            ["www.google.com"],
            "{head}"
        );
        // HTTP/1.0 without Host: none here, the proxy writes one per upstream.
        let request = Request::get("/")
            .version(http::Version::HTTP_10)
            .body(())
            .unwrap();
        let (head, has_host) = upstream_head(request, None);
        assert!(!has_host);
        assert!(field(&head, "host").is_empty(), "{head}");
        assert!(field(&head, "x-forwarded-host").is_empty(), "{head}");
        assert!(!field(&head, "forwarded")[0].contains("host="), "{head}");
    }

    #[test]
    fn forwarded_values_are_written_by_hand_as_formatting_would() {
        for ip in ["192.0.2.1", "10.0.0.255", "0.0.0.0", "2001:db8::1"] {
            let ip: std::net::IpAddr = ip.parse().unwrap();
            let mut out = BytesMut::new();
            put_ip(&mut out, ip);
            assert_eq!(&out[..], ip.to_string().as_bytes());
        }
        let mut out = BytesMut::new();
        put_hex(&mut out, 0x4bf92f3577b34da6a3ce929d0e0e4736, 32);
        put_hex(&mut out, 0xaf, 16);
        assert_eq!(
            &out[..],
            b"4bf92f3577b34da6a3ce929d0e0e473600000000000000af"
        );

        let request = Request::get("/")
            .header("host", "www.google.com")
            .header("forwarded", "for=192.0.2.9")
            .header("x-forwarded-for", "192.0.2.1")
            .header("x-forwarded-for", "198.51.100.2")
            .body(())
            .unwrap();
        let (parts, ()) = request.into_parts();
        let mut out = BytesMut::new();
        let client = "[2001:db8::7]:4242".parse().unwrap();
        write_request_head(&mut out, &parts, client, true, None);
        let head = String::from_utf8(out.to_vec()).unwrap();
        assert_eq!(
            field(&head, "x-forwarded-for"),
            ["192.0.2.1, 198.51.100.2, 2001:db8::7"]
        );
        assert_eq!(field(&head, "x-forwarded-proto"), ["https"]);
        assert_eq!(field(&head, "x-forwarded-host"), ["www.google.com"]);
        assert_eq!(
            field(&head, "forwarded"),
            ["for=192.0.2.9, for=\"[2001:db8::7]\";proto=https;host=\"www.google.com\""]
        );
    }
}
