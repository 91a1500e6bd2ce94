//! The reverse proxy: a request whose path starts with a configured prefix goes to one of the
//! prefix's upstreams over a keep-alive HTTP/1.1 connection that the request's own task drives
//! (`crate::upstream`: hyper's client `conn::http1`, idle connections in a free list per
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
//! - Timeout: no response head within `upstream_timeout` -> 504.
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
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::uri::PathAndQuery;
use http::{Request, Response, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;

use crate::body::{Body, ClientBody};
use crate::config::{Limits, ProxyRoute};
use crate::handler::HeadCapture;
use crate::upstream::{Connector, IdleList, Lease, RequestBody, UpstreamConn};

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
    let (mut parts, body) = request.into_parts();
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
    remove_hop_by_hop(&mut parts.headers);
    if has_body {
        // The body goes on with the length it turned out to have (a chunked request is sent
        // with Content-Length: the client's chunk boundaries and extensions stay here).
        parts
            .headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    }
    // HTTP/2's :authority is the upstream's Host (RFC 9113 §8.3.1), as HTTP/1.1's Host is.
    if !parts.headers.contains_key(header::HOST)
        && let Some(authority) = parts.uri.authority()
        && let Ok(host) = HeaderValue::from_str(authority.as_str())
    {
        parts.headers.insert(header::HOST, host);
    }
    // The forwarded values are written into one buffer, and share its allocation.
    let mut scratch = BytesMut::with_capacity(256);
    add_forwarding(
        &mut parts.headers,
        downstream.client,
        downstream.secure,
        &mut scratch,
    );
    set_traceparent(&mut parts.headers, &mut scratch);
    // Origin form (`/path?query`), as an upstream connection sends it.
    let path_and_query = parts
        .uri
        .path_and_query()
        .cloned()
        .unwrap_or_else(|| PathAndQuery::from_static("/"));
    let no_host = !parts.headers.contains_key(header::HOST);
    let mut outgoing = Request::new(Full::new(body));
    *outgoing.method_mut() = parts.method;
    *outgoing.uri_mut() = Uri::from(path_and_query);
    *outgoing.headers_mut() = parts.headers;

    let now_ms = downstream.epoch.elapsed().as_millis() as u64;
    let mut last_tried = None;
    for upstream in route.candidates(now_ms) {
        last_tried = Some(upstream.addr);
        if no_host {
            // An HTTP/1.0 request may come without Host; HTTP/1.1 upstreams need one.
            let host = HeaderValue::from_maybe_shared(Bytes::from(upstream.addr.to_string()));
            if let Ok(host) = host {
                outgoing.headers_mut().insert(header::HOST, host);
            }
        }
        let sent = tokio::time::timeout(
            limits.upstream_timeout,
            exchange(connector, upstream, outgoing),
        )
        .await;
        match sent {
            Err(_) => return made_here(StatusCode::GATEWAY_TIMEOUT, Some(upstream.addr)),
            Ok(Exchange::Answered(response, conn)) => {
                upstream.down_until_ms.store(0, Ordering::Relaxed);
                let (mut head, incoming) = response.into_parts();
                remove_hop_by_hop(&mut head.headers);
                let lease = Lease::new(conn, upstream.idle.clone());
                return Proxied {
                    response: Response::from_parts(head, Body::upstream(incoming, lease)),
                    upstream: Some(upstream.addr),
                    answered: true,
                };
            }
            // Nothing was sent: the next upstream gets the request (the body is in memory).
            Ok(Exchange::Refused(request)) => {
                outgoing = request;
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
    Answered(Response<Incoming>, Box<UpstreamConn>),
    /// No connection could be opened: nothing was sent, here is the request back.
    Refused(Request<RequestBody>),
    /// The request went out (or may have) and no response head came back.
    Failed,
}

/// Sends `request` to `upstream` on an idle keep-alive connection, or on a new one when there
/// is none or the idle one turns out to have closed before the request went out.
async fn exchange(
    connector: &Connector,
    upstream: &Upstream,
    mut request: Request<RequestBody>,
) -> Exchange {
    if let Some(mut conn) = upstream.idle.checkout().await {
        match conn.send(request).await {
            Ok(response) => return Exchange::Answered(response, conn),
            Err(mut err) => match err.take_message() {
                Some(back) => request = back,
                None => return Exchange::Failed,
            },
        }
    }
    let mut conn = match connector.connect(upstream.addr).await {
        Ok(conn) => conn,
        Err(_) => return Exchange::Refused(request),
    };
    match conn.send(request).await {
        Ok(response) => Exchange::Answered(response, conn),
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

/// The classic hop-by-hop fields (RFC 9110 §7.6.1), besides those Connection names.
const HOP_BY_HOP: [HeaderName; 9] = [
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

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
const TRACESTATE: HeaderName = HeaderName::from_static("tracestate");

/// RFC 9110 §7.6.1: Connection and the fields it names, plus the classic hop-by-hop fields.
fn remove_hop_by_hop(headers: &mut HeaderMap) {
    // One pass over the names first, noting which are there: most messages carry none or one
    // (`Connection: keep-alive`), and a removal by name hashes the name each time.
    let mut present = 0u16;
    for name in headers.keys() {
        if let Some(i) = HOP_BY_HOP.iter().position(|hop| hop == name) {
            present |= 1 << i;
        }
    }
    if present == 0 {
        return;
    }
    if present & 1 != 0 {
        // HOP_BY_HOP[0] is Connection: the fields it names go too.
        let named: Vec<HeaderName> = headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
            .filter(|name| !HOP_BY_HOP.contains(name))
            .collect();
        for name in named {
            headers.remove(name);
        }
    }
    for (i, name) in HOP_BY_HOP.iter().enumerate() {
        if present & (1 << i) != 0 {
            headers.remove(name);
        }
    }
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

/// The header value made of what `scratch` holds (taken from it), if it is a valid one. The
/// values share `scratch`'s one allocation.
fn take_value(scratch: &mut BytesMut) -> Option<HeaderValue> {
    HeaderValue::from_maybe_shared(scratch.split().freeze()).ok()
}

fn add_forwarding(
    headers: &mut HeaderMap,
    client: SocketAddr,
    secure: bool,
    scratch: &mut BytesMut,
) {
    let proto = if secure { "https" } else { "http" };
    let ip = client.ip();
    if let Some(earlier) = headers.get(X_FORWARDED_FOR).filter(|v| v.to_str().is_ok()) {
        scratch.extend_from_slice(earlier.as_bytes());
        scratch.extend_from_slice(b", ");
    }
    put_ip(scratch, ip);
    if let Some(value) = take_value(scratch) {
        headers.insert(X_FORWARDED_FOR, value);
    }
    headers.insert(X_FORWARDED_PROTO, HeaderValue::from_static(proto));
    let host = headers.get(header::HOST).cloned();
    if let Some(earlier) = headers
        .get(header::FORWARDED)
        .filter(|v| v.to_str().is_ok())
    {
        scratch.extend_from_slice(earlier.as_bytes());
        scratch.extend_from_slice(b", ");
    }
    scratch.extend_from_slice(b"for=");
    if ip.is_ipv6() {
        scratch.extend_from_slice(b"\"[");
        put_ip(scratch, ip);
        scratch.extend_from_slice(b"]\"");
    } else {
        put_ip(scratch, ip);
    }
    scratch.extend_from_slice(b";proto=");
    scratch.extend_from_slice(proto.as_bytes());
    if let Some(host) = host.as_ref().and_then(|h| h.to_str().ok())
        && host
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
    {
        scratch.extend_from_slice(b";host=\"");
        scratch.extend_from_slice(host.as_bytes());
        scratch.extend_from_slice(b"\"");
    }
    if let Some(host) = host {
        headers.insert(X_FORWARDED_HOST, host);
    }
    if let Some(value) = take_value(scratch) {
        headers.insert(header::FORWARDED, value);
    }
}

/// W3C Trace Context: `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`.
fn set_traceparent(headers: &mut HeaderMap, scratch: &mut BytesMut) {
    let our_span = rand::random::<u64>() | 1;
    let incoming = headers
        .get(TRACEPARENT)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_traceparent);
    scratch.extend_from_slice(b"00-");
    let flags = match incoming {
        Some((trace_id, flags)) => {
            scratch.extend_from_slice(trace_id.as_bytes());
            flags
        }
        None => {
            put_hex(scratch, rand::random::<u128>() | 1, 32);
            "01"
        }
    };
    scratch.extend_from_slice(b"-");
    put_hex(scratch, our_span.into(), 16);
    scratch.extend_from_slice(b"-");
    scratch.extend_from_slice(flags.as_bytes());
    if incoming.is_none() {
        headers.remove(TRACESTATE); // belongs to the trace we could not continue
    }
    let value = take_value(scratch).expect("hex digits");
    headers.insert(TRACEPARENT, value);
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

    #[test]
    fn traceparent_is_continued_or_started() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "traceparent",
            HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        );
        set_traceparent(&mut headers, &mut BytesMut::new());
        let value = headers["traceparent"].to_str().unwrap();
        assert!(
            value.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
            "{value}"
        );
        assert!(!value.contains("00f067aa0ba902b7"), "{value}");

        let mut headers = HeaderMap::new();
        headers.insert("traceparent", HeaderValue::from_static("garbage"));
        set_traceparent(&mut headers, &mut BytesMut::new());
        assert!(parse_traceparent(headers["traceparent"].to_str().unwrap()).is_some());
    }

    #[test]
    fn hop_by_hop_headers_go() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONNECTION,
            HeaderValue::from_static("close, x-secret"),
        );
        headers.insert("x-secret", HeaderValue::from_static("1"));
        headers.insert("keep-alive", HeaderValue::from_static("timeout=5"));
        headers.insert(header::ACCEPT, HeaderValue::from_static("*/*"));
        remove_hop_by_hop(&mut headers);
        assert_eq!(headers.len(), 1);
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

        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("www.google.com"));
        headers.insert(header::FORWARDED, HeaderValue::from_static("for=192.0.2.9"));
        let client = "[2001:db8::7]:4242".parse().unwrap();
        add_forwarding(&mut headers, client, true, &mut BytesMut::new());
        assert_eq!(headers[X_FORWARDED_FOR], "2001:db8::7");
        assert_eq!(headers[X_FORWARDED_PROTO], "https");
        assert_eq!(headers[X_FORWARDED_HOST], "www.google.com");
        assert_eq!(
            headers[header::FORWARDED],
            "for=192.0.2.9, for=\"[2001:db8::7]\";proto=https;host=\"www.google.com\""
        );
    }
}
