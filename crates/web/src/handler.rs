//! One request, from its parsed head to the response: limits, redirect hosts, the virtual host,
//! then the proxy or the static files. Every answer gets a [`Decision`]; the [`Completion`]
//! carried in the response body logs it and reports it to the journey once the body is sent.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use http::header::{self, HeaderValue};
use http::{Method, Request, Response, StatusCode};

use crate::access_log::LogLine;
use crate::body::{Body, ClientBody};
use crate::proxy::{self, Downstream, Route};
use crate::request_line;
use crate::server::Shared;
use crate::static_files::{self, FileCache, Lookup};

/// How the server decided, as the journey names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    Static,
    Proxied,
    Redirect,
    NotFound,
    /// A limit or a malformed request.
    Refused,
    Error,
}

impl Decision {
    fn as_str(self) -> &'static str {
        match self {
            Decision::Static => "static",
            Decision::Proxied => "proxied",
            Decision::Redirect => "redirect",
            Decision::NotFound => "not_found",
            Decision::Refused => "refused",
            Decision::Error => "error",
        }
    }
}

/// A site: a document root and proxied prefixes.
pub(crate) struct Site {
    pub(crate) files: Arc<FileCache>,
    pub(crate) routes: Vec<Route>,
}

/// What the connection knows that a request needs.
pub(crate) struct Connection {
    pub(crate) client: SocketAddr,
    /// The raw bytes of the current request head (see `server::Watched`); over HTTP/2 it
    /// stays empty (h2 frames carry no HTTP/1 framing to check).
    pub(crate) head: Mutex<HeadCapture>,
    /// Over TLS: responses carry Strict-Transport-Security.
    pub(crate) secure: bool,
    /// Big static files may go by sendfile(2) (plain TCP under HTTP/1.1 only).
    pub(crate) sendfile: bool,
}

/// The bytes read since the last response was written: the current request's head, unless
/// the client pipelines. Kept to see what hyper normalises away (see [`conflicting_length`]).
pub(crate) struct HeadCapture {
    pub(crate) bytes: Vec<u8>,
    /// Set by a write: the next byte read starts a new head.
    pub(crate) fresh: bool,
    /// When the first byte of the current head arrived.
    pub(crate) began: Instant,
    /// Files being sent with sendfile on this connection (see `sendfile`).
    pub(crate) regions: crate::sendfile::Regions,
    /// Follows the request line to rewrite HTTP/1.2 .. 1.9 (see `request_line`).
    pub(crate) line: crate::request_line::VersionPatch,
    /// The raw chunked body checked against the grammar (see `chunked`).
    pub(crate) body: BodyCheck,
}

/// Where the check of the current request's raw body stands.
pub(crate) enum BodyCheck {
    /// The head is not complete yet.
    Head,
    /// Not chunked (or not checkable): hyper's framing alone.
    NotChunked,
    Chunked(crate::chunked::ChunkedChecker),
}

impl HeadCapture {
    /// Called with each read: `new` are the bytes read, of which those kept start at `start`
    /// in `bytes`. When they complete a head declaring a chunked body, the checker starts on
    /// the bytes after the head, and goes on with every later read.
    pub(crate) fn observe_body(&mut self, start: usize, new: &[u8], cap: usize) {
        match &mut self.body {
            BodyCheck::NotChunked => {}
            BodyCheck::Chunked(checker) => {
                checker.feed(new);
            }
            BodyCheck::Head => {
                // Cheap test first: has the head ended (an empty line) in what was kept?
                let from = start.saturating_sub(3);
                let kept = &self.bytes[from..];
                let ended = memchr::memchr_iter(b'\n', kept)
                    .any(|at| matches!(kept.get(at + 1), Some(b'\n' | b'\r')));
                if !ended {
                    if self.bytes.len() >= cap {
                        self.body = BodyCheck::NotChunked;
                    }
                    return;
                }
                self.body = BodyCheck::NotChunked;
                if !contains_chunked(&self.bytes) {
                    return;
                }
                let mut headers = [httparse::EMPTY_HEADER; 128];
                let mut request = httparse::Request::new(&mut headers);
                let Ok(httparse::Status::Complete(head_len)) = request.parse(&self.bytes) else {
                    return;
                };
                let chunked = request.headers.iter().any(|h| {
                    h.name.eq_ignore_ascii_case("transfer-encoding") && contains_chunked(h.value)
                });
                if chunked && head_len >= start && head_len - start <= new.len() {
                    let mut checker = crate::chunked::ChunkedChecker::new();
                    checker.feed(&new[head_len - start..]);
                    self.body = BodyCheck::Chunked(checker);
                }
            }
        }
    }

    /// Whether the current request's chunked body broke the grammar (so far).
    pub(crate) fn chunked_invalid(&self) -> bool {
        matches!(&self.body, BodyCheck::Chunked(c) if c.verdict() == crate::chunked::Verdict::Invalid)
    }
}

/// Whether `bytes` contain `chunked` in any case. Every request head is searched: memchr
/// finds the few `c`s, instead of comparing seven bytes at every offset.
fn contains_chunked(bytes: &[u8]) -> bool {
    memchr::memchr2_iter(b'c', b'C', bytes).any(|at| {
        bytes
            .get(at..at + 7)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"chunked"))
    })
}

/// The account of one request, finished when its response body is dropped.
pub(crate) struct Completion {
    shared: Arc<Shared>,
    client: SocketAddr,
    method: Method,
    request_line: String,
    target: String,
    host: Option<String>,
    referer: Option<String>,
    user_agent: Option<String>,
    started: Instant,
    head_ms: f64,
    status: u16,
    decision: Decision,
    file: Option<String>,
    upstream: Option<SocketAddr>,
}

impl Completion {
    pub(crate) fn finish(self: Box<Self>, bytes: u64) {
        if let Some(log) = &self.shared.access_log {
            log.write(&LogLine {
                client: self.client,
                request_line: &self.request_line,
                status: self.status,
                bytes,
                referer: self.referer.as_deref(),
                user_agent: self.user_agent.as_deref(),
                request_time: self.started.elapsed(),
            });
        }
        if self.shared.reporter.enabled() {
            self.shared.reporter.report(journey::Event {
                at: SystemTime::now(),
                host: journey::Host {
                    role: "web".to_owned(),
                    addr: self.shared.local_addr,
                },
                source: journey::Source::Reported,
                kind: journey::EventKind::HttpServed {
                    client: self.client,
                    method: self.method.to_string(),
                    target: self.target,
                    host_header: self.host,
                    decision: self.decision.as_str().to_owned(),
                    file: self.file,
                    upstream: self.upstream,
                    status: self.status,
                    bytes,
                    duration_ms: self.head_ms,
                },
            });
        }
    }
}

/// What routing produced, before the account is attached.
struct Outcome {
    response: Response<Body>,
    decision: Decision,
    file: Option<String>,
    upstream: Option<SocketAddr>,
}

impl Outcome {
    fn of(response: Response<Body>, decision: Decision) -> Self {
        Outcome {
            response,
            decision,
            file: None,
            upstream: None,
        }
    }
}

/// hyper's service, and `fast_h1`'s: every request of every connection enters here.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    connection: Arc<Connection>,
    request: Request<ClientBody>,
) -> Result<Response<Body>, std::convert::Infallible> {
    // Nothing is timed or described unless a log line or a journey event will tell it.
    let observed = shared.access_log.is_some() || shared.reporter.enabled();
    let account = observed.then(|| describe(&shared, &connection, &request, Instant::now()));
    let outcome = match shared.https_redirect.filter(|_| !connection.secure) {
        Some(port) => to_https(&request, port),
        None => route(&shared, &connection, request).await,
    };
    let mut response = outcome.response;
    if connection.secure
        && let Some(hsts) = &shared.hsts
    {
        // RFC 6797 §7.1: on every response over a secure transport, whatever its status.
        response
            .headers_mut()
            .insert(header::STRICT_TRANSPORT_SECURITY, hsts.clone());
    }
    if let Some(mut completion) = account {
        completion.head_ms = completion.started.elapsed().as_secs_f64() * 1000.0;
        completion.status = response.status().as_u16();
        completion.decision = outcome.decision;
        completion.file = outcome.file;
        completion.upstream = outcome.upstream;
        response.body_mut().set_completion(completion);
    }
    Ok(response)
}

fn describe(
    shared: &Arc<Shared>,
    connection: &Connection,
    request: &Request<ClientBody>,
    started: Instant,
) -> Box<Completion> {
    let header = |name| {
        request
            .headers()
            .get(name)
            .map(|v: &HeaderValue| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    let target = request
        .uri()
        .path_and_query()
        .map_or_else(|| request.uri().to_string(), |pq| pq.as_str().to_owned());
    Box::new(Completion {
        shared: shared.clone(),
        client: connection.client,
        method: request.method().clone(),
        request_line: format!("{} {} {:?}", request.method(), target, request.version()),
        target,
        // HTTP/2 carries the host in :authority (RFC 9113 §8.3.1), which hyper puts in the URI.
        host: header(header::HOST).or_else(|| request.uri().authority().map(|a| a.to_string())),
        referer: header(header::REFERER),
        user_agent: header(header::USER_AGENT),
        started,
        head_ms: 0.0,
        status: 0,
        decision: Decision::Error,
        file: None,
        upstream: None,
    })
}

async fn route(
    shared: &Arc<Shared>,
    connection: &Connection,
    request: Request<ClientBody>,
) -> Outcome {
    let limits = &shared.limits;

    // Limits hyper does not apply itself (it checks header bytes, header count, and the
    // syntax of Content-Length and Transfer-Encoding).
    let target_len = request
        .uri()
        .path_and_query()
        .map_or(0, |pq| pq.as_str().len())
        + request.uri().authority().map_or(0, |a| a.as_str().len());
    if target_len > limits.max_uri_bytes {
        return refused(StatusCode::URI_TOO_LONG, true);
    }
    let fields = Fields::of(request.headers());
    // RFC 9112 §3.2: an HTTP/1.1 request without exactly one Host, or any request with two.
    if fields.hosts > 1 || (fields.hosts == 0 && request.version() == http::Version::HTTP_11) {
        return refused(StatusCode::BAD_REQUEST, false);
    }
    // RFC 9110 §7.2: Host is uri-host [":" port]; RFC 3986 §2.1: `%` starts two hex digits.
    if fields
        .host
        .is_some_and(|h| !request_line::valid_host(h.as_bytes()))
    {
        return refused(StatusCode::BAD_REQUEST, false);
    }
    if !request_line::valid_target(
        request
            .uri()
            .path_and_query()
            .map_or(&b""[..], |pq| pq.as_str().as_bytes()),
    ) {
        return refused(StatusCode::BAD_REQUEST, false);
    }
    let chunked = fields.transfer_encoding;
    if chunked && conflicting_length(connection) {
        // RFC 9112 §6.1: both framings in one request is how smuggling starts; refuse it and
        // close, so nothing after it on this connection is read with the wrong framing.
        return refused(StatusCode::BAD_REQUEST, true);
    }
    let declared = fields
        .content_length
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limits.max_body_bytes) {
        // Answered before the body is read, so no 100 Continue goes out for it.
        return refused(StatusCode::PAYLOAD_TOO_LARGE, true);
    }
    if let Some(expect) = fields.expect
        && !expect.as_bytes().eq_ignore_ascii_case(b"100-continue")
    {
        return refused(StatusCode::EXPECTATION_FAILED, false);
    }

    let host = fields
        .host
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().host())
        .map(strip_port);
    if let Some(host) = host
        && let Some(redirect) = shared
            .redirects
            .iter()
            .find(|r| r.host.eq_ignore_ascii_case(host))
    {
        let pq = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
        let location = format!("{}{}", redirect.to, pq);
        let status = StatusCode::from_u16(redirect.status).unwrap_or(StatusCode::MOVED_PERMANENTLY);
        return redirect_to(status, &location);
    }
    let site = host
        .and_then(|host| {
            shared
                .vhosts
                .iter()
                .find(|(names, _)| names.iter().any(|n| n.eq_ignore_ascii_case(host)))
        })
        .map_or(&shared.default_site, |(_, site)| site);
    let proxied = site.routes.iter().find(|r| r.matches(request.uri().path()));
    if let Some(refusal) = method_refusal(request.method(), proxied.is_some()) {
        return refusal;
    }

    let mut outcome = if let Some(route) = proxied {
        let downstream = Downstream {
            client: connection.client,
            epoch: shared.epoch,
            raw: &connection.head,
            secure: connection.secure,
        };
        // Boxed: the proxy's state is most of a request's future, and only proxied requests
        // need it (`fast_h1` keeps every request's future in its connection's).
        let proxied = Box::pin(proxy::forward(
            &shared.connector,
            route,
            limits,
            &downstream,
            request,
        ))
        .await;
        let decision = if proxied.answered {
            Decision::Proxied
        } else if proxied.response.status().is_client_error() {
            Decision::Refused
        } else {
            Decision::Error
        };
        Outcome {
            response: proxied.response,
            decision,
            file: None,
            upstream: proxied.upstream,
        }
    } else {
        let conditions = fields.conditions;
        serve_static(site, connection, &request, &conditions).await
    };
    if chunked {
        // Even a well-formed chunked request closes the connection afterwards: cheap, and it
        // leaves no doubt about where the next request starts.
        outcome
            .response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    outcome
}

/// Plain HTTP on a server that only redirects to HTTPS: 301 to the same host (its port
/// replaced by `port`, left out when 443) and the same path and query. A request without a
/// usable Host has nowhere to go: 400.
fn to_https(request: &Request<ClientBody>, port: u16) -> Outcome {
    let host = request
        .headers()
        .get(header::HOST)
        .filter(|h| request_line::valid_host(h.as_bytes()))
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().host());
    let Some(host) = host.map(strip_port).filter(|h| !h.is_empty()) else {
        return refused(StatusCode::BAD_REQUEST, false);
    };
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    let pq = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let location = match port {
        443 => format!("https://{host}{pq}"),
        port => format!("https://{host}:{port}{pq}"),
    };
    redirect_to(StatusCode::MOVED_PERMANENTLY, &location)
}

/// Methods the server knows (RFC 9110 §9.3, and PATCH, RFC 5789): proxied paths forward them
/// all, static files answer GET and HEAD (405 for the others, in `serve_static`).
const PROXIED_METHODS: &str = "GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH";

/// The answer to a method no path here takes, before routing: TRACE and CONNECT get 405 (as
/// nginx answers TRACE): TRACE would have the upstream reflect the request's cookies and
/// credentials back, and this server tunnels nothing. Any other method it does not know gets
/// 501 (RFC 9110 §9.1, §15.6.2). Methods are case-sensitive, so `get` is such a method
/// (nginx's parser refuses lower case with 400; hyper takes any token as a method).
fn method_refusal(method: &Method, proxied: bool) -> Option<Outcome> {
    let allow = if proxied {
        PROXIED_METHODS
    } else {
        "GET, HEAD"
    };
    let (status, close) = match *method {
        Method::GET
        | Method::HEAD
        | Method::POST
        | Method::PUT
        | Method::DELETE
        | Method::OPTIONS
        | Method::PATCH => return None,
        Method::TRACE => (StatusCode::METHOD_NOT_ALLOWED, false),
        // A client that asked for a tunnel may already be sending its bytes: close.
        Method::CONNECT => (StatusCode::METHOD_NOT_ALLOWED, true),
        _ => (StatusCode::NOT_IMPLEMENTED, false),
    };
    let mut outcome = refused(status, close);
    if status == StatusCode::METHOD_NOT_ALLOWED {
        outcome
            .response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(allow));
    }
    Some(outcome)
}

async fn serve_static(
    site: &Site,
    connection: &Connection,
    request: &Request<ClientBody>,
    conditions: &static_files::Conditions<'_>,
) -> Outcome {
    let method = request.method();
    if method != Method::GET && method != Method::HEAD {
        let mut response = error_page(StatusCode::METHOD_NOT_ALLOWED);
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return Outcome::of(response, Decision::Refused);
    }
    let key = match static_files::request_key(request.uri().path()) {
        Ok(key) => key,
        Err(_) => return refused(StatusCode::BAD_REQUEST, false),
    };
    match site.files.find(&key).await {
        Lookup::File(file) => {
            let register = |mapped: &Arc<crate::sendfile::MappedFile>| {
                if connection.sendfile {
                    let mut state = connection.head.lock().unwrap_or_else(|e| e.into_inner());
                    state.regions.register(mapped);
                }
            };
            let response = site.files.answer(&file, method, conditions, register);
            Outcome {
                response,
                decision: Decision::Static,
                file: Some(file.relative.clone()),
                upstream: None,
            }
        }
        Lookup::Directory => {
            let mut location = format!("{}/", request.uri().path());
            if let Some(query) = request.uri().query() {
                location.push('?');
                location.push_str(query);
            }
            redirect_to(StatusCode::MOVED_PERMANENTLY, &location)
        }
        Lookup::NotFound => Outcome::of(error_page(StatusCode::NOT_FOUND), Decision::NotFound),
    }
}

/// The request fields that routing and the static files look at, found in one pass over the
/// headers: a lookup by name hashes the name and probes the map each time, and a request has
/// few fields (wrk's one, a browser's dozen) against the eleven asked about. Each is the first
/// value of its name, as `HeaderMap::get` gives.
#[derive(Default)]
struct Fields<'a> {
    host: Option<&'a HeaderValue>,
    /// How many Host fields the request has.
    hosts: usize,
    transfer_encoding: bool,
    content_length: Option<&'a HeaderValue>,
    expect: Option<&'a HeaderValue>,
    conditions: static_files::Conditions<'a>,
}

impl<'a> Fields<'a> {
    fn of(headers: &'a http::HeaderMap) -> Self {
        let mut fields = Fields::default();
        let c = &mut fields.conditions;
        for (name, value) in headers {
            let slot = match name.as_str() {
                "host" => {
                    fields.hosts += 1;
                    &mut fields.host
                }
                "transfer-encoding" => {
                    fields.transfer_encoding = true;
                    continue;
                }
                "content-length" => &mut fields.content_length,
                "expect" => &mut fields.expect,
                "range" => &mut c.range,
                "accept-encoding" => &mut c.accept_encoding,
                "if-match" => &mut c.if_match,
                "if-none-match" => &mut c.if_none_match,
                "if-modified-since" => &mut c.if_modified_since,
                "if-range" => &mut c.if_range,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(value);
            }
        }
        fields
    }
}

/// Whether the current request's raw head had both Content-Length and Transfer-Encoding
/// (hyper drops the Content-Length and goes by Transfer-Encoding, so only the bytes tell).
fn conflicting_length(connection: &Connection) -> bool {
    let capture = connection.head.lock().unwrap_or_else(|e| e.into_inner());
    let mut headers = [httparse::EMPTY_HEADER; 128];
    let mut request = httparse::Request::new(&mut headers);
    // A partial parse still fills the headers it has seen.
    let _ = request.parse(&capture.bytes);
    let has = |name: &str| {
        request
            .headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case(name))
    };
    has("content-length") && has("transfer-encoding")
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_once(']').map_or(host, |(v6, _)| &v6[1..]);
    }
    match host.bytes().rposition(|b| b == b':') {
        Some(colon) => &host[..colon],
        None => host,
    }
}

fn refused(status: StatusCode, close: bool) -> Outcome {
    let mut response = error_page(status);
    if close {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    Outcome::of(response, Decision::Refused)
}

fn redirect_to(status: StatusCode, location: &str) -> Outcome {
    let mut response = error_page(status);
    match HeaderValue::from_str(location) {
        Ok(value) => {
            response.headers_mut().insert(header::LOCATION, value);
            Outcome::of(response, Decision::Redirect)
        }
        Err(_) => refused(StatusCode::BAD_REQUEST, false),
    }
}

/// A small HTML page for a status the server made itself.
pub(crate) fn error_page(status: StatusCode) -> Response<Body> {
    let reason = status.canonical_reason().unwrap_or("");
    let text = format!(
        "<!DOCTYPE html>\n<html><head><title>{code} {reason}</title></head>\n<body><h1>{code} {reason}</h1></body></html>\n",
        code = status.as_u16()
    );
    let mut response = Response::new(Body::full(text));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// Writes the log line and journey event of a request hyper refused before our service ran
/// (a head not finished in time): the connection layer calls this.
/// A head that did not complete within the head timeout (after hyper's timeout, or in
/// `fast_h1`): 408, given at most a second to leave, then its account. The connection closes
/// after it.
pub(crate) async fn refuse_late_head<T>(
    io: &mut T,
    shared: &Arc<Shared>,
    client: SocketAddr,
    began: Instant,
) where
    T: tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::AsyncWriteExt;
    const TIMEOUT: &[u8] =
        b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), async {
        io.write_all(TIMEOUT).await?;
        io.flush().await
    })
    .await;
    account_refused_head(shared, client, 408, began);
}

pub(crate) fn account_refused_head(
    shared: &Arc<Shared>,
    client: SocketAddr,
    status: u16,
    started: Instant,
) {
    if let Some(log) = &shared.access_log {
        log.write(&LogLine {
            client,
            request_line: "-",
            status,
            bytes: 0,
            referer: None,
            user_agent: None,
            request_time: started.elapsed(),
        });
    }
    if shared.reporter.enabled() {
        shared.reporter.report(journey::Event {
            at: SystemTime::now(),
            host: journey::Host {
                role: "web".to_owned(),
                addr: shared.local_addr,
            },
            source: journey::Source::Reported,
            kind: journey::EventKind::HttpServed {
                client,
                method: String::new(),
                target: String::new(),
                host_header: None,
                decision: Decision::Refused.as_str().to_owned(),
                file: None,
                upstream: None,
                status,
                bytes: 0,
                duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::{contains_chunked, strip_port};

    #[test]
    fn chunked_is_found_in_any_case() {
        assert!(contains_chunked(b"Transfer-Encoding: gzip, CHUNKED\r\n"));
        assert!(contains_chunked(b"chunked"));
        assert!(!contains_chunked(b"Transfer-Encoding: chunke"));
        assert!(!contains_chunked(b"cache-control: no-cache\r\n"));
    }

    #[test]
    fn ports_are_stripped_from_hosts() {
        assert_eq!(strip_port("www.google.com:8080"), "www.google.com");
        assert_eq!(strip_port("www.google.com"), "www.google.com");
        assert_eq!(strip_port("[::1]:80"), "::1");
    }
}
