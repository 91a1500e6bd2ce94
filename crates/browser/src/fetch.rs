//! The browser proper: a URL in, every leg of the request out.
//!
//! [`Browser::get`] (or [`Browser::request`] for other methods) parses the URL by the WHATWG
//! rules, then runs one *leg* per request/response pair until a response is not a redirect:
//!
//! 1. a pooled connection to the same scheme, host and port is reused if it is still open
//!    (then there is no name lookup and no connect, as in curl and browsers);
//! 2. otherwise the host goes through [`Names::resolve`] (hosts file, host cache, DNS),
//!    [`happy_eyeballs`] races the addresses, and for `https://` [`tls::handshake`] runs on
//!    the connection that won;
//! 3. the request goes out on hyper's HTTP/1.1 client, the response head and body come back,
//!    each instant marked ([`Timings`]);
//! 4. a 301/302/303/307/308 with a `Location` starts the next leg, with the Fetch standard's
//!    method rules (below), up to [`BrowserConfig::max_redirects`] and never to a request it
//!    already made in this visit (a loop: without cookies, the same request gets the same
//!    answer).
//!
//! Redirect method rules (WHATWG Fetch §4.4 "HTTP-redirect fetch", which curl `-L` and every
//! browser follow): 301 and 302 turn a POST into a GET without body; 303 turns anything but
//! GET and HEAD into a GET without body; 307 and 308 repeat the method and the body.
//!
//! Connections stay open for the next request of the run and are closed by [`Browser::close`],
//! the client sending the first FIN.

use crate::failure::{HandshakeProblem, HttpFailure};
use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Method, Request, Version};
use http_body_util::{BodyExt, Full};
use rustls::pki_types::CertificateDer;
use serde::Serialize;
use tokio::time::Instant;
use url::Url;

use crate::connect::{
    Attempt, AttemptOutcome, CONNECTION_ATTEMPT_DELAY, ConnectOptions, happy_eyeballs,
};
use crate::connection::{ClosedConnection, Connection};
use crate::names::{NameError, Names, Resolved};
use crate::timing::{Marks, Timings};
use crate::tls::{self, Stream, TlsInfo};

/// The Fetch standard's redirect limit (§4.4: "If request's redirect count is 20, return a
/// network error"), which browsers follow. curl's default is 50; `--max-redirs` changes it.
pub const DEFAULT_MAX_REDIRECTS: usize = 20;

/// How the browser behaves.
#[derive(Debug, Clone)]
pub struct BrowserConfig {
    /// The source address of every connection (`--bind`), or the kernel's choice.
    pub bind: Option<IpAddr>,
    /// Redirects followed at most in one visit.
    pub max_redirects: usize,
    /// The bound on connecting (all Happy Eyeballs attempts together).
    pub connect_timeout: Duration,
    /// The bound on one request: from sending it to the end of the response body.
    pub request_timeout: Duration,
    /// RFC 8305's Connection Attempt Delay.
    pub happy_eyeballs_delay: Duration,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// Roots trusted for `https://` besides the web PKI's (the lab's own CA, `--cacert`).
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// What `https://` offers in ALPN: HTTP/2 and HTTP/1.1 (as curl and browsers do), or
    /// HTTP/1.1 only. `http://` is always HTTP/1.1 (no cleartext h2c).
    pub http: HttpVersions,
    /// Where the TLS secrets go, for decrypting a capture (SSLKEYLOGFILE, the tour's memory).
    pub key_log: Option<Arc<dyn rustls::KeyLog>>,
    /// The language of the sentences a visit carries for a person: each leg's status class,
    /// why an HSTS header was ignored, the resolver's hop lines (`--json` shows them as they
    /// are; its keys and machine values stay English).
    pub lang: text::Lang,
}

/// The HTTP versions `https://` offers (ALPN, RFC 7301).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpVersions {
    /// `h2`, then `http/1.1`: the server chooses (curl's default, `--http2`).
    #[default]
    Http2AndHttp11,
    /// `http/1.1` only (`--http1.1`).
    Http11Only,
}

impl Default for BrowserConfig {
    fn default() -> Self {
        BrowserConfig {
            bind: None,
            max_redirects: DEFAULT_MAX_REDIRECTS,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            happy_eyeballs_delay: CONNECTION_ATTEMPT_DELAY,
            user_agent: concat!("roundtrip/", env!("CARGO_PKG_VERSION")).to_owned(),
            extra_roots: Vec::new(),
            http: HttpVersions::default(),
            key_log: None,
            lang: text::Lang::En,
        }
    }
}

/// Everything one visit did: each leg, and the final body.
#[derive(Debug, Clone, Serialize)]
pub struct Visit {
    /// One entry per request sent, in order; the last one is the final response.
    pub legs: Vec<Leg>,
    /// The final response's body.
    #[serde(skip)]
    pub body: Bytes,
}

impl Visit {
    /// The final response's leg.
    pub fn last(&self) -> &Leg {
        self.legs.last().expect("a visit has at least one leg")
    }
}

/// One request and its response.
#[derive(Debug, Clone, Serialize)]
pub struct Leg {
    /// The URL requested (WHATWG-serialised).
    pub url: String,
    /// The method sent.
    pub method: String,
    /// The name lookup, when one was made (none on a reused connection).
    pub resolved: Option<Resolved>,
    /// The connection used.
    pub connection: ConnectionInfo,
    /// The request line's target and version, as on the wire: `GET /path?q HTTP/1.1`.
    pub request_line: String,
    /// The request headers, in the order sent.
    pub request_headers: Vec<(String, String)>,
    /// The response's HTTP version: `HTTP/1.1` or `HTTP/1.0`.
    pub http_version: String,
    /// The status code.
    pub status: u16,
    /// The reason phrase as received (or the standard one).
    pub reason: String,
    /// What the status code's class means, in the browser's language: `2xx success: ...`,
    /// `4xx client error: ...`
    pub status_class: String,
    /// The response headers, in the order received (names in lower case).
    pub response_headers: Vec<(String, String)>,
    /// Response body bytes read.
    pub body_bytes: u64,
    /// The phase timings.
    pub timings: Timings,
    /// Wall-clock time of the leg's start.
    pub started_at: SystemTime,
    /// Where a redirect leads (the `Location` resolved against this URL), when followed.
    pub redirect_to: Option<String>,
    /// The `http://` URL this leg was asked for, when HSTS made it `https://` before any packet
    /// (RFC 6797 §8.3), and why.
    pub hsts_upgrade: Option<HstsUpgrade>,
    /// What the response's `Strict-Transport-Security` header did (https:// only).
    pub hsts_header: Option<HstsHeader>,
}

/// An `http://` URL made `https://` by HSTS.
#[derive(Debug, Clone, Serialize)]
pub struct HstsUpgrade {
    /// The URL as asked for.
    pub from: String,
    /// Why the host is HTTPS-only.
    pub because: crate::hsts::HstsMatch,
}

/// A `Strict-Transport-Security` header received, and what it did.
#[derive(Debug, Clone, Serialize)]
pub struct HstsHeader {
    /// The header's value.
    pub value: String,
    /// What it did to the store; `None` when it was ignored, with `ignored` saying why.
    pub observed: Option<crate::hsts::Observed>,
    /// Why it was ignored.
    pub ignored: Option<String>,
}

/// The connection a leg used.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionInfo {
    /// Its number in this run (0, 1, ...).
    pub id: u64,
    /// Our address and port.
    pub local: SocketAddr,
    /// The server's address and port.
    pub remote: SocketAddr,
    /// Whether it was already open (kept alive from an earlier leg).
    pub reused: bool,
    /// The Happy Eyeballs attempts that opened it (none when reused).
    pub attempts: Vec<Attempt>,
    /// What TLS agreed, for `https://`.
    pub tls: Option<TlsInfo>,
}

/// Why a URL cannot be fetched as it is: each a class of its own (the URL parser's, ours), so
/// that it can be said in any language; `Display` is English.
#[derive(Debug, thiserror::Error)]
pub enum UrlProblem {
    /// The URL parser (WHATWG's URL standard) refused it.
    #[error("{0}")]
    Parse(url::ParseError),
    /// It has no host to connect to.
    #[error("no host")]
    NoHost,
    /// A header the request would carry has a value HTTP cannot carry.
    #[error("{name} header value {value:?} is not valid")]
    HeaderValue { name: String, value: String },
    /// The HTTP library refused to build the request: its own words.
    #[error("{0}")]
    Request(String),
}

/// Why a visit failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The URL does not parse, or has no host.
    #[error("{url}: not a valid URL ({why})")]
    BadUrl { url: String, why: UrlProblem },
    /// A scheme the browser does not speak.
    #[error("{url}: {scheme}:// is not supported (only http:// and https://)")]
    UnsupportedScheme { url: String, scheme: String },
    /// The name lookup failed.
    #[error(transparent)]
    Name(#[from] NameError),
    /// No connection attempt succeeded.
    #[error("{host}: cannot connect: {}", describe_attempts(.attempts, *.timed_out))]
    Connect {
        host: String,
        attempts: Vec<Attempt>,
        timed_out: bool,
    },
    /// The TLS handshake failed (an untrusted certificate, a name mismatch, ...).
    #[error("{host}: TLS handshake failed: {why}")]
    Tls {
        host: String,
        /// Why, in English, as curl and browsers word it.
        why: String,
        /// Why, by class (told in the reader's language).
        problem: crate::failure::HandshakeProblem,
    },
    /// The exchange failed after connecting.
    #[error("{url}: {why}")]
    Http {
        url: String,
        why: crate::failure::HttpFailure,
    },
    /// The server did not answer within the request timeout.
    #[error("{url}: no complete response within {} s", .timeout.as_secs_f64())]
    Timeout { url: String, timeout: Duration },
    /// A redirect's Location is not a URL.
    #[error("{url}: redirect to an invalid location {location:?}")]
    BadRedirect { url: String, location: String },
    /// More redirects than allowed.
    #[error("more than {limit} redirects (the last to {url})")]
    TooManyRedirects { limit: usize, url: String },
    /// A redirect back to a request already made in this visit.
    #[error("redirect loop: {method} {url} was already requested in this visit")]
    RedirectLoop { method: String, url: String },
    /// A request HSTS had turned from `http://` into `https://` failed (the server may not
    /// speak TLS: `--no-hsts` asks for plain HTTP).
    #[error("{source} (HSTS had made {from} https://, because {domain} is HTTPS-only)")]
    AfterHsts {
        from: String,
        domain: String,
        source: Box<FetchError>,
    },
}

fn describe_attempts(attempts: &[Attempt], timed_out: bool) -> String {
    let mut parts: Vec<String> = attempts
        .iter()
        .map(|a| {
            let outcome = match a.outcome {
                AttemptOutcome::Refused => "connection refused".to_owned(),
                AttemptOutcome::TimedOut => "timed out".to_owned(),
                AttemptOutcome::Unreachable => "unreachable".to_owned(),
                AttemptOutcome::Skipped => "skipped (other family than --bind)".to_owned(),
                _ => a.error.clone().unwrap_or_else(|| "failed".into()),
            };
            format!("{} {outcome}", a.remote)
        })
        .collect();
    if timed_out {
        parts.push("connect timeout".into());
    }
    if parts.is_empty() {
        parts.push("no address to try".into());
    }
    parts.join(", ")
}

/// What a status code's class means (RFC 9110 §15), in `lang`.
pub fn status_class(lang: text::Lang, status: u16) -> String {
    text::t!(lang, "leg-status-class", class = status / 100)
}

/// Pooled connections are keyed by origin: scheme, host, port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

/// The command-line browser's engine.
pub struct Browser {
    names: Names,
    config: BrowserConfig,
    reporter: Arc<dyn journey::Reporter>,
    idle: HashMap<Origin, Connection>,
    next_id: u64,
    closed: Vec<ClosedConnection>,
    tls: Option<Arc<rustls::ClientConfig>>,
    hsts: Option<crate::hsts::Hsts>,
}

impl Browser {
    /// A browser resolving with `names`, reporting to `reporter`.
    pub fn new(names: Names, config: BrowserConfig, reporter: Arc<dyn journey::Reporter>) -> Self {
        Browser {
            names,
            config,
            reporter,
            idle: HashMap::new(),
            next_id: 0,
            closed: Vec::new(),
            tls: None,
            hsts: None,
        }
    }

    /// The same browser with HSTS: `http://` to a host of the preload list or the store goes
    /// to `https://`, and `https://` responses' `Strict-Transport-Security` headers are stored.
    pub fn with_hsts(mut self, hsts: crate::hsts::Hsts) -> Self {
        self.hsts = Some(hsts);
        self
    }

    /// The HSTS store, when the browser has one (to list, clear or save it).
    pub fn hsts(&mut self) -> Option<&mut crate::hsts::Hsts> {
        self.hsts.as_mut()
    }

    /// The name lookup (for its host cache, say).
    pub fn names(&mut self) -> &mut Names {
        &mut self.names
    }

    /// GET `url`, following redirects.
    pub async fn get(&mut self, url: &str) -> Result<Visit, FetchError> {
        self.request(Method::GET, url, Bytes::new()).await
    }

    /// `method` on `url` with `body` (sent as a form, as curl `-d` does, when not empty),
    /// following redirects.
    pub async fn request(
        &mut self,
        method: Method,
        url: &str,
        body: Bytes,
    ) -> Result<Visit, FetchError> {
        let mut url = Url::parse(url).map_err(|err| FetchError::BadUrl {
            url: url.to_owned(),
            why: UrlProblem::Parse(err),
        })?;
        let (mut method, mut body) = (method, body);
        let mut legs: Vec<Leg> = Vec::new();
        let mut requested: HashSet<(Method, String, Bytes)> = HashSet::new();
        loop {
            if !requested.insert((method.clone(), url.as_str().to_owned(), body.clone())) {
                return Err(FetchError::RedirectLoop {
                    method: method.to_string(),
                    url: url.into(),
                });
            }
            let upgrade = self.hsts_upgrade(&mut url);
            let (mut leg, response_body) = match self.leg(&method, &url, &body).await {
                Ok(done) => done,
                Err(err) => {
                    return Err(match upgrade {
                        Some(upgrade) => FetchError::AfterHsts {
                            domain: match &upgrade.because {
                                crate::hsts::HstsMatch::Preload { domain, .. }
                                | crate::hsts::HstsMatch::Stored { domain, .. } => domain.clone(),
                            },
                            from: upgrade.from,
                            source: Box::new(err),
                        },
                        None => err,
                    });
                }
            };
            leg.hsts_upgrade = upgrade;
            leg.hsts_header = self.hsts_header(&url, &leg.response_headers);
            let location = match leg.status {
                301 | 302 | 303 | 307 | 308 => header_value(&leg.response_headers, "location"),
                _ => None,
            };
            let Some(location) = location else {
                legs.push(leg);
                return Ok(Visit {
                    legs,
                    body: response_body,
                });
            };
            let next = url
                .join(location.trim())
                .map_err(|_| FetchError::BadRedirect {
                    url: url.to_string(),
                    location: location.clone(),
                })?;
            leg.redirect_to = Some(next.to_string());
            let redirects = legs.len() + 1;
            legs.push(leg);
            if redirects > self.config.max_redirects {
                return Err(FetchError::TooManyRedirects {
                    limit: self.config.max_redirects,
                    url: next.into(),
                });
            }
            let status = legs.last().map_or(0, |l| l.status);
            let to_get = match status {
                301 | 302 => method == Method::POST,
                303 => method != Method::GET && method != Method::HEAD,
                _ => false,
            };
            if to_get {
                method = Method::GET;
                body = Bytes::new();
            }
            url = next;
        }
    }

    /// Makes `url` `https://` when HSTS says its host is HTTPS-only (RFC 6797 §8.3: an explicit
    /// port 80 becomes 443, any other port stays), saying why.
    fn hsts_upgrade(&self, url: &mut Url) -> Option<HstsUpgrade> {
        let hsts = self.hsts.as_ref()?;
        if url.scheme() != "http" {
            return None;
        }
        let because = hsts.lookup(url.host_str()?, unix_now())?;
        let from = url.to_string();
        let port = url.port();
        url.set_scheme("https").ok()?;
        if port == Some(80) {
            url.set_port(None).ok()?;
        }
        Some(HstsUpgrade { from, because })
    }

    /// Takes in the response's `Strict-Transport-Security` header, received over `https://`
    /// (a verified connection: the leg would have failed otherwise).
    fn hsts_header(&mut self, url: &Url, headers: &[(String, String)]) -> Option<HstsHeader> {
        let value = header_value(headers, "strict-transport-security")?;
        let lang = self.config.lang;
        let Some(hsts) = self.hsts.as_mut() else {
            return Some(HstsHeader {
                value,
                observed: None,
                ignored: Some(crate::hsts::Ignored::NoStore.describe(lang)),
            });
        };
        if url.scheme() != "https" {
            return Some(HstsHeader {
                value,
                observed: None,
                ignored: Some(crate::hsts::Ignored::PlainHttp.describe(lang)),
            });
        }
        let observed = hsts.observe(url.host_str()?, &value, unix_now());
        Some(HstsHeader {
            value,
            ignored: observed.as_ref().err().map(|why| why.describe(lang)),
            observed: observed.ok(),
        })
    }

    /// Closes every idle connection in order, the client's FIN first; returns them with the
    /// ones that were closed earlier in the run (by the server, or after `Connection: close`).
    pub async fn close(&mut self) -> Vec<ClosedConnection> {
        let idle: Vec<Connection> = self.idle.drain().map(|(_, c)| c).collect();
        for connection in idle {
            let closed = connection.close(false).await;
            self.closed.push(closed);
        }
        let mut closed = std::mem::take(&mut self.closed);
        closed.sort_by_key(|c| c.id);
        closed
    }

    /// One request and its response, on a pooled or new connection.
    async fn leg(
        &mut self,
        method: &Method,
        url: &Url,
        body: &Bytes,
    ) -> Result<(Leg, Bytes), FetchError> {
        let origin = origin_of(url)?;
        let started_at = SystemTime::now();
        let start = Instant::now();
        let mut marks = Marks::new(start);
        let mut tries = 0;
        let (connection, resolved, attempts, reused, response, request_line, request_headers) = loop {
            tries += 1;
            let pooled = self.take_idle(&origin).await;
            let reused = pooled.is_some();
            let (mut connection, resolved, attempts) = match pooled {
                Some(connection) => (connection, None, Vec::new()),
                None => {
                    marks = Marks::new(start);
                    self.connect(url, &origin, &mut marks).await?
                }
            };
            let http2 = connection.send.is_http2();
            let (request_line, target, request_headers) =
                self.request_head(method, url, body, http2);
            marks.request_start = Instant::now();
            connection.requests += 1;
            let sent = tokio::time::timeout(
                self.config.request_timeout,
                connection.send.send_request(to_request(
                    method,
                    &target,
                    &request_headers,
                    body,
                    url,
                )?),
            )
            .await;
            match sent {
                Ok(Ok(response)) => {
                    break (
                        connection,
                        resolved,
                        attempts,
                        reused,
                        response,
                        request_line,
                        request_headers,
                    );
                }
                Ok(Err(err)) => {
                    self.closed.push(connection.close(false).await);
                    // RFC 9112 §9.3.1: a request on a kept-alive connection the server had
                    // closed meanwhile may be retried on a new one if it is idempotent.
                    if reused && tries == 1 && is_idempotent(method) {
                        continue;
                    }
                    return Err(FetchError::Http {
                        url: url.to_string(),
                        why: HttpFailure::of(&err, false),
                    });
                }
                Err(_) => {
                    self.closed.push(connection.close(false).await);
                    return Err(FetchError::Timeout {
                        url: url.to_string(),
                        timeout: self.config.request_timeout,
                    });
                }
            }
        };
        marks.response_start = Instant::now();
        let (parts, incoming) = response.into_parts();
        let remaining = self
            .config
            .request_timeout
            .saturating_sub(marks.request_start.elapsed());
        let collected = tokio::time::timeout(remaining, incoming.collect()).await;
        let response_body = match collected {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(err)) => {
                self.closed.push(connection.close(false).await);
                return Err(FetchError::Http {
                    url: url.to_string(),
                    why: HttpFailure::of(&err, true),
                });
            }
            Err(_) => {
                self.closed.push(connection.close(false).await);
                return Err(FetchError::Timeout {
                    url: url.to_string(),
                    timeout: self.config.request_timeout,
                });
            }
        };
        marks.response_end = Instant::now();

        let status = parts.status;
        let reason = parts
            .extensions
            .get::<hyper::ext::ReasonPhrase>()
            .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned())
            .or_else(|| status.canonical_reason().map(str::to_owned))
            .unwrap_or_default();
        let response_headers: Vec<(String, String)> = parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let info = ConnectionInfo {
            id: connection.id,
            local: connection.local,
            remote: connection.remote,
            reused,
            attempts,
            tls: connection.tls.clone(),
        };
        if keeps_alive(parts.version, &parts.headers) && !connection.send.is_closed() {
            self.idle.insert(origin, connection);
        } else {
            // The server said it closes (or HTTP/1.0 without keep-alive): its FIN is coming.
            self.closed.push(connection.close(true).await);
        }
        let leg = Leg {
            url: url.to_string(),
            method: method.to_string(),
            resolved,
            connection: info,
            request_line,
            request_headers,
            http_version: version_text(parts.version).to_owned(),
            status: status.as_u16(),
            reason,
            status_class: status_class(self.config.lang, status.as_u16()),
            response_headers,
            body_bytes: response_body.len() as u64,
            timings: marks.timings(),
            started_at,
            redirect_to: None,
            hsts_upgrade: None,
            hsts_header: None,
        };
        Ok((leg, response_body))
    }

    /// The idle connection to `origin`, if it is still open; a closed one is closed properly
    /// and forgotten.
    async fn take_idle(&mut self, origin: &Origin) -> Option<Connection> {
        let mut connection = self.idle.remove(origin)?;
        if connection.send.is_closed() || connection.send.ready().await.is_err() {
            self.closed.push(connection.close(true).await);
            return None;
        }
        Some(connection)
    }

    /// Name lookup and connect for a new connection to `origin`.
    async fn connect(
        &mut self,
        url: &Url,
        origin: &Origin,
        marks: &mut Marks,
    ) -> Result<(Connection, Option<Resolved>, Vec<Attempt>), FetchError> {
        marks.lookup_start = Instant::now();
        let mut resolved = self.names.resolve(&origin.host, unix_now()).await?;
        marks.lookup_end = Instant::now();
        let lang = self.config.lang;
        resolved.hop_lines = resolved.hops.iter().map(|h| h.describe(lang)).collect();
        self.report_hops(&resolved);
        marks.connect_start = marks.lookup_end;
        let options = ConnectOptions {
            bind: self.config.bind,
            attempt_delay: self.config.happy_eyeballs_delay,
            timeout: self.config.connect_timeout,
        };
        let connected = happy_eyeballs(&resolved.addresses, origin.port, options, marks.start)
            .await
            .map_err(|failed| FetchError::Connect {
                host: format!("{}:{}", origin.host, origin.port),
                attempts: failed.attempts,
                timed_out: failed.timed_out,
            })?;
        marks.connect_end = Instant::now();
        let (stream, tls) = if origin.scheme == "https" {
            let config = self.tls_config(origin)?;
            let host = format!("{}:{}", origin.host, origin.port);
            let handshake = tls::handshake(config, &origin.host, connected.stream);
            let (stream, info) = tokio::time::timeout(self.config.connect_timeout, handshake)
                .await
                .map_err(|_| {
                    let secs = self.config.connect_timeout.as_secs_f64().to_string();
                    FetchError::Tls {
                        host: host.clone(),
                        why: format!("no handshake within {secs} s"),
                        problem: HandshakeProblem::Timeout { secs },
                    }
                })?
                .map_err(|err| FetchError::Tls {
                    host,
                    why: err.why,
                    problem: err.problem,
                })?;
            marks.secure = Some((marks.connect_end, Instant::now()));
            (Stream::Tls(Box::new(stream)), Some(info))
        } else {
            (Stream::Plain(connected.stream), None)
        };
        let id = self.next_id;
        self.next_id += 1;
        let http2 = tls
            .as_ref()
            .is_some_and(|info| info.alpn.as_deref() == Some("h2"));
        let mut connection = Connection::open(id, stream, connected.local, connected.remote, http2)
            .await
            .map_err(|err| FetchError::Http {
                url: url.to_string(),
                why: HttpFailure::of(&err, false),
            })?;
        connection.tls = tls;
        Ok((connection, Some(resolved), connected.attempts))
    }

    /// The TLS client configuration, built on first use.
    fn tls_config(&mut self, origin: &Origin) -> Result<Arc<rustls::ClientConfig>, FetchError> {
        if let Some(config) = &self.tls {
            return Ok(config.clone());
        }
        let config = tls::client_config(
            &self.config.extra_roots,
            self.config.http,
            self.config.key_log.clone(),
        )
        .map_err(|err| FetchError::Tls {
            host: format!("{}:{}", origin.host, origin.port),
            why: format!("cannot set up TLS: {err}"),
            problem: HandshakeProblem::Setup(err.to_string()),
        })?;
        self.tls = Some(config.clone());
        Ok(config)
    }

    /// The request as it goes on the wire: the request line, the target, the headers in order.
    /// HTTP/2 names the host in `:authority` (RFC 9113 §8.3.1), made from the target, which is
    /// then the absolute URL, so there is no `Host` header; header names go in lower case.
    fn request_head(
        &self,
        method: &Method,
        url: &Url,
        body: &Bytes,
        http2: bool,
    ) -> (String, String, Vec<(String, String)>) {
        let mut path = url.path().to_owned();
        if let Some(query) = url.query() {
            path.push('?');
            path.push_str(query);
        }
        let host = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_owned(),
        };
        let name = |title: &str| {
            if http2 {
                title.to_ascii_lowercase()
            } else {
                title.to_owned()
            }
        };
        let mut headers = Vec::new();
        if !http2 {
            headers.push(("Host".to_owned(), host.clone()));
        }
        headers.push((name("User-Agent"), self.config.user_agent.clone()));
        headers.push((name("Accept"), "*/*".to_owned()));
        if !body.is_empty() || *method == Method::POST || *method == Method::PUT {
            headers.push((name("Content-Length"), body.len().to_string()));
        }
        if !body.is_empty() {
            headers.push((
                name("Content-Type"),
                "application/x-www-form-urlencoded".to_owned(),
            ));
        }
        if http2 {
            let request_line = format!("{method} {path} HTTP/2");
            let target = format!("{}://{host}{path}", url.scheme());
            (request_line, target, headers)
        } else {
            let request_line = format!("{method} {path} HTTP/1.1");
            (request_line, path, headers)
        }
    }

    /// The iterative queries of a `--recursive` lookup, for the journey.
    fn report_hops(&self, resolved: &Resolved) {
        if !self.reporter.enabled() {
            return;
        }
        for hop in &resolved.hops {
            self.reporter.report(journey::Event {
                at: SystemTime::now(),
                host: journey::Host {
                    role: "browser".into(),
                    addr: hop.server.unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0))),
                },
                source: journey::Source::Reported,
                kind: hop.journey_kind(),
            });
        }
    }
}

/// hyper's request for this head and body.
fn to_request(
    method: &Method,
    target: &str,
    headers: &[(String, String)],
    body: &Bytes,
    url: &Url,
) -> Result<Request<Full<Bytes>>, FetchError> {
    let bad = |why: UrlProblem| FetchError::BadUrl {
        url: url.to_string(),
        why,
    };
    let mut builder = Request::builder().method(method.clone()).uri(target);
    for (name, value) in headers {
        let value = HeaderValue::from_str(value).map_err(|_| {
            bad(UrlProblem::HeaderValue {
                name: name.clone(),
                value: value.clone(),
            })
        })?;
        builder = builder.header(name.as_str(), value);
    }
    builder
        .body(Full::new(body.clone()))
        .map_err(|err| bad(UrlProblem::Request(err.to_string())))
}

/// The origin of `url`, or why the browser cannot fetch it.
fn origin_of(url: &Url) -> Result<Origin, FetchError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::UnsupportedScheme {
            url: url.to_string(),
            scheme: url.scheme().into(),
        });
    }
    let host = match url.host() {
        Some(url::Host::Domain(domain)) => domain.to_owned(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => {
            return Err(FetchError::BadUrl {
                url: url.to_string(),
                why: UrlProblem::NoHost,
            });
        }
    };
    Ok(Origin {
        scheme: url.scheme().to_owned(),
        host,
        port: url.port_or_known_default().unwrap_or(80),
    })
}

/// Whether the connection may carry another request (RFC 9112 §9.3).
fn keeps_alive(version: Version, headers: &http::HeaderMap) -> bool {
    let tokens = |token: &str| {
        headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    };
    match version {
        Version::HTTP_11 => !tokens("close"),
        Version::HTTP_10 => tokens("keep-alive"),
        // One connection for many streams, until GOAWAY (the sender then says it is closed).
        Version::HTTP_2 => true,
        _ => false,
    }
}

fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

fn header_value(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

fn version_text(version: Version) -> &'static str {
    match version {
        Version::HTTP_09 => "HTTP/0.9",
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_11 => "HTTP/1.1",
        Version::HTTP_2 => "HTTP/2",
        Version::HTTP_3 => "HTTP/3",
        _ => "HTTP/?",
    }
}

/// hyper's error with its cause, in one line.
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_alive_follows_the_version_and_connection_header() {
        let mut headers = http::HeaderMap::new();
        assert!(keeps_alive(Version::HTTP_11, &headers));
        assert!(!keeps_alive(Version::HTTP_10, &headers));
        headers.insert(header::CONNECTION, HeaderValue::from_static("Keep-Alive"));
        assert!(keeps_alive(Version::HTTP_10, &headers));
        headers.insert(header::CONNECTION, HeaderValue::from_static("foo, close"));
        assert!(!keeps_alive(Version::HTTP_11, &headers));
    }

    #[test]
    fn other_schemes_are_refused_clearly_and_hosts_are_normalised() {
        let err = origin_of(&Url::parse("ftp://example.com/").unwrap()).unwrap_err();
        assert!(err.to_string().contains("not supported"), "{err}");
        let origin = origin_of(&Url::parse("https://example.com/").unwrap()).unwrap();
        assert_eq!((origin.scheme.as_str(), origin.port), ("https", 443));
        let origin = origin_of(&Url::parse("http://B\u{fc}cher.EXAMPLE:8080/").unwrap()).unwrap();
        assert_eq!(
            origin.host, "xn--bcher-kva.example",
            "IDNA by the URL parser"
        );
        assert_eq!(origin.port, 8080);
        let origin = origin_of(&Url::parse("http://[::1]/").unwrap()).unwrap();
        assert_eq!((origin.host.as_str(), origin.port), ("::1", 80));
    }

    #[test]
    fn status_classes_are_explained() {
        use text::Lang::{En, Ko};
        assert!(status_class(En, 101).starts_with("1xx informational"));
        assert!(status_class(En, 204).starts_with("2xx success"));
        assert!(status_class(En, 308).starts_with("3xx redirection"));
        assert!(status_class(En, 404).starts_with("4xx client error"));
        assert!(status_class(En, 503).starts_with("5xx server error"));
        assert!(status_class(Ko, 503).starts_with("5xx: 서버 쪽 오류"));
    }
}
