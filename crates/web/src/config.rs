//! The web server's configuration: typed values (addresses, durations, paths), built from code,
//! from a TOML file, or by `roundtrip serve web` from its flags on top of a file.
//!
//! The TOML form, every key optional except where said:
//!
//! ```toml
//! root = "site"                  # document root; relative paths are relative to this file
//! access_log = "stderr"          # "off", "stderr" or a file path
//! workers = 0                    # runtime threads for `serve web`; 0 = one per core
//! cache_control = "no-cache"     # Cache-Control sent with static files
//! sendfile = true                # big files by sendfile(2); false: read in 256 KiB chunks
//! tls_cert = "cert.pem"          # HTTPS: the PEM chain, leaf first (tls_key is then required)
//! tls_key = "key.pem"            # its PEM private key (PKCS#8, PKCS#1 or SEC1)
//! hsts = "max-age=31536000; includeSubDomains"   # Strict-Transport-Security on https; "" = none
//! https_redirect = 443           # plain HTTP only answers 301 to https://HOST[:443]/PATH
//! defer_accept = true            # Linux: a connection is accepted once its first bytes came
//!
//! [http2]                        # over TLS when ALPN chooses h2
//! enabled = true
//! max_concurrent_streams = 128
//! max_header_list_size = 16384   # default: limits.max_header_bytes
//! initial_stream_window = 262144
//! initial_connection_window = 1048576
//! max_frame_size = 16384
//! max_pending_accept_reset_streams = 20    # rapid reset: more, and GOAWAY
//! max_local_error_reset_streams = 256
//! keep_alive_interval = 60.0
//! keep_alive_timeout = 20.0
//! idle_timeout = 10.0            # no stream open this long: GOAWAY; default limits.header_timeout
//!
//! [limits]
//! header_timeout = 10.0          # seconds to send a whole request head, else 408 and close
//! max_header_bytes = 16384       # request line + headers, else 431
//! max_uri_bytes = 8192           # request target, else 414
//! max_body_bytes = 10485760      # request body, else 413
//! body_timeout = 60.0            # seconds between two reads of a request body, else 408 and close
//! send_timeout = 60.0            # seconds the client may take nothing of a response, else close
//! upstream_timeout = 30.0        # seconds for an upstream's response head (else 504), and
//!                                # between two reads of its body (else the response is cut)
//! upstream_connect_timeout = 5.0
//! upstream_down_for = 10.0       # seconds an upstream that refused a connection is skipped
//! upstream_idle_timeout = 60.0   # seconds an idle keep-alive upstream connection is kept open
//!
//! [[proxy]]                      # for requests without a matching virtual host
//! prefix = "/search"
//! upstreams = ["127.0.0.81:8080", "http://127.0.0.82:8080"]
//!
//! [[vhost]]
//! names = ["www.google.com"]
//! root = "site"                  # default: the top-level root
//! [[vhost.proxy]]
//! prefix = "/search"
//! upstreams = ["127.0.0.81:8080"]
//!
//! [[redirect]]
//! host = "google.com"
//! to = "http://www.google.com"   # the request's path and query are appended
//! status = 301                   # 301 (default), 302, 307 or 308
//! ```
//!
//! Unknown keys are refused, and every error names the file, line and column.

use std::net::{SocketAddr, ToSocketAddrs};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

/// Everything the web server needs to run.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The document root of requests that match no virtual host.
    pub root: PathBuf,
    /// Path prefixes proxied to upstreams, for requests that match no virtual host.
    pub proxies: Vec<ProxyRoute>,
    /// Virtual hosts, chosen by the Host header.
    pub vhosts: Vec<VirtualHost>,
    /// Hosts answered with a redirect only (checked before the virtual hosts).
    pub redirects: Vec<Redirect>,
    /// Limits and timeouts.
    pub limits: Limits,
    /// Where the access log goes.
    pub access_log: AccessLog,
    /// Runtime threads for `roundtrip serve web` (0 = one per core). `spawn` runs on the
    /// caller's runtime and ignores this.
    pub workers: usize,
    /// How static files are cached and described.
    pub static_files: StaticOptions,
    /// How long shutdown waits for in-flight requests before dropping them.
    pub shutdown_grace: Duration,
    /// The address connections to upstreams leave from (nginx's `proxy_bind`); `None` lets
    /// the kernel choose. The lab sets the web server's own address, as its host would have.
    pub upstream_bind: Option<std::net::IpAddr>,
    /// HTTPS: when set, every connection starts with a TLS handshake (see [`crate::tls`]).
    pub tls: Option<crate::TlsIdentity>,
    /// The `Strict-Transport-Security` value of HTTPS responses (`None`: not sent). Never sent
    /// over plain HTTP (RFC 6797 §7.2).
    pub hsts: Option<String>,
    /// Plain HTTP answers nothing but `301` to `https://` on this port (same host, path and
    /// query); ignored on a TLS listener.
    pub https_redirect: Option<u16>,
    /// HTTP/2's limits.
    pub http2: crate::Http2Limits,
    /// Plain HTTP/1.1 GET and HEAD requests without a body are read and answered by the
    /// server's own loop, every other request by hyper (on, the default); off, hyper takes
    /// every request (for comparing the two: the tests and `bench/`).
    pub fast_http1: bool,
    /// Linux's `TCP_DEFER_ACCEPT` on the listener (on, the default; nginx's `listen ...
    /// deferred`, Apache's `AcceptFilter http data`): the kernel completes the handshake as
    /// always but hands the connection to the server only when the client's first bytes have
    /// come (or, for a client that sends nothing, about a second later), so the request is
    /// read at once instead of after another wake-up (`client_socket`). Elsewhere: ignored.
    pub defer_accept: bool,
}

/// A path prefix served by one or more upstreams, balanced round-robin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyRoute {
    /// `/search` matches `/search`, `/search/x` and `/search?q=`, not `/searching`.
    pub prefix: String,
    /// The upstream servers (plain HTTP/1.1).
    pub upstreams: Vec<SocketAddr>,
}

/// A site chosen by the Host header (port ignored, case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualHost {
    /// The host names it answers.
    pub names: Vec<String>,
    /// Its document root; `None` = the top-level root.
    pub root: Option<PathBuf>,
    /// Its proxied prefixes.
    pub proxies: Vec<ProxyRoute>,
}

/// A host whose every request is redirected elsewhere, keeping path and query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The Host header it applies to.
    pub host: String,
    /// Scheme and authority to send the client to: `http://www.google.com`.
    pub to: String,
    /// 301, 302, 307 or 308.
    pub status: u16,
}

/// Limits and timeouts; the defaults are safe for a server on the internet.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Time to send a whole request head (slowloris guard); 408 and close after.
    pub header_timeout: Duration,
    /// Request line plus headers, in bytes; 431 above (at least 1 KiB is enforced).
    pub max_header_bytes: usize,
    /// Request target, in bytes; 414 above.
    pub max_uri_bytes: usize,
    /// Request body, in bytes; 413 above.
    pub max_body_bytes: u64,
    /// Longest wait for the next part of a request body (nginx's `client_body_timeout`: between
    /// two reads, not for the whole body); 408 and close after.
    pub body_timeout: Duration,
    /// Longest wait for the client to take any more of a response (nginx's `send_timeout`:
    /// counted from a write that finds the socket full, and stopped by any write it takes, not
    /// for the whole response); the connection is closed after. Every response counts: HTTP/1.1
    /// and HTTP/2, plain and TLS, sendfile.
    pub send_timeout: Duration,
    /// Time for an upstream to send its response head (504 after), and the longest wait for
    /// more of its body (the response is cut after), as nginx's `proxy_read_timeout`.
    pub upstream_timeout: Duration,
    /// Time to connect to an upstream; a timeout counts as unreachable.
    pub upstream_connect_timeout: Duration,
    /// How long an upstream that refused a connection is skipped.
    pub upstream_down_for: Duration,
    /// How long an idle keep-alive connection to an upstream stays open (nginx's upstream
    /// `keepalive_timeout`); closed after, by a sweep of the idle list.
    pub upstream_idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            max_header_bytes: 16 * 1024,
            max_uri_bytes: 8 * 1024,
            max_body_bytes: 10 * 1024 * 1024,
            body_timeout: Duration::from_secs(60),
            // nginx's default.
            send_timeout: Duration::from_secs(60),
            upstream_timeout: Duration::from_secs(30),
            upstream_connect_timeout: Duration::from_secs(5),
            upstream_down_for: Duration::from_secs(10),
            // Shorter than nginx's keepalive_timeout (75 s): we close first, so a request is
            // rarely sent on a connection the upstream is closing.
            upstream_idle_timeout: Duration::from_secs(60),
        }
    }
}

/// Where access log lines (nginx's combined format plus the request time) go.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AccessLog {
    /// No access log.
    #[default]
    Off,
    /// Standard error.
    Stderr,
    /// Appended to a file.
    File(PathBuf),
}

/// The static file path's cache and headers.
#[derive(Debug, Clone, PartialEq)]
pub struct StaticOptions {
    /// The Cache-Control header of static responses (empty = none).
    pub cache_control: String,
    /// Files up to this size are kept in memory (with their gzip form); larger ones are streamed.
    pub cache_max_file_bytes: u64,
    /// The memory cache holds at most this many bytes of content.
    pub cache_max_bytes: u64,
    /// A cached file is checked against the disk (path, size, mtime) at most this often, as
    /// nginx's `open_file_cache_valid`: a file changed on disk is served within this time.
    pub revalidate_after: Duration,
    /// Compress text types with gzip when the client accepts it and no `.gz` sibling exists.
    pub gzip: bool,
    /// Send files too big for the cache with `sendfile(2)` (else: read in 256 KiB chunks).
    pub sendfile: bool,
}

impl Default for StaticOptions {
    fn default() -> Self {
        StaticOptions {
            cache_control: "no-cache".to_owned(),
            cache_max_file_bytes: 256 * 1024,
            cache_max_bytes: 64 * 1024 * 1024,
            revalidate_after: Duration::from_secs(1),
            gzip: true,
            sendfile: true,
        }
    }
}

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{}: {source}", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML parser refused the file at a place: `message` is its own words (free text).
    #[error("{}:{line}:{column}: {message}", file.display())]
    Toml {
        /// The file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// toml's message.
        message: String,
    },
    /// The certificate or key the file names cannot be used (`tls_cert`, `tls_key`).
    #[error("{}:{line}:{column}: {error}", file.display())]
    Tls {
        /// The file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The certificate's or the key's file, and why.
        error: Box<crate::TlsFileError>,
    },
    /// The file has a mistake at a place.
    #[error("{}:{line}:{column}: {reason}", file.display())]
    Invalid {
        /// The file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong there.
        reason: ConfigProblem,
    },
}

/// What is wrong with a value of the web server's config, or of a flag that sets one. The
/// values as written are quoted as Rust debug strings, as in the English text. `Display` is
/// English; [`ConfigProblem::describe`] says it in a language.
#[derive(Debug)]
pub enum ConfigProblem {
    /// Not a positive, finite number of seconds.
    NotPositiveSeconds(f64),
    /// `max_header_bytes` under 1024.
    HeaderBytesTooSmall,
    /// `max_uri_bytes` under 16.
    UriBytesTooSmall,
    /// A `[[proxy]]` without upstreams.
    ProxyWithoutUpstream,
    /// A `[[vhost]]` without names.
    VhostWithoutName,
    /// A redirect's target that is not `http(s)://HOST[:PORT]`.
    BadRedirectTarget(String),
    /// A redirect's status that is not 301, 302, 307 or 308.
    BadRedirectStatus(u16),
    /// `tls_cert` without `tls_key`.
    CertWithoutKey,
    /// `tls_key` without `tls_cert`.
    KeyWithoutCert,
    /// An HSTS value that is not `max-age=...`.
    BadHsts(String),
    /// `https_redirect = 0`.
    RedirectPortZero,
    /// An `[http2]` value out of its range.
    Http2OutOfRange {
        /// The key under `[http2]`.
        name: &'static str,
        /// The least.
        min: u32,
        /// The most.
        max: u32,
    },
    /// A proxy prefix that does not start with `/`.
    PrefixNotAbsolute(String),
    /// A proxy prefix with `?`, `#`, `\\` or `..`.
    PrefixNotPlain(String),
    /// An upstream given as `https://`.
    UpstreamHttps(String),
    /// An upstream with a path.
    UpstreamWithPath(String),
    /// An upstream that does not resolve: the resolver's error.
    UpstreamUnresolved {
        /// As given.
        text: String,
        /// The system's (or the resolver library's) error.
        error: std::io::Error,
    },
    /// An upstream name without addresses.
    UpstreamNoAddress(String),
    /// A `--proxy` that is not `PATH_PREFIX=http://HOST:PORT`.
    NotProxySpec(String),
}

impl ConfigProblem {
    /// The problem in `lang`.
    pub fn describe(&self, lang: text::Lang) -> String {
        use text::t;
        let quoted = |value: &str| format!("{value:?}");
        match self {
            ConfigProblem::NotPositiveSeconds(value) => t!(
                lang,
                "web-config-not-positive-seconds",
                value = value.to_string()
            ),
            ConfigProblem::HeaderBytesTooSmall => t!(lang, "web-config-header-bytes-too-small"),
            ConfigProblem::UriBytesTooSmall => t!(lang, "web-config-uri-bytes-too-small"),
            ConfigProblem::ProxyWithoutUpstream => t!(lang, "web-config-proxy-without-upstream"),
            ConfigProblem::VhostWithoutName => t!(lang, "web-config-vhost-without-name"),
            ConfigProblem::BadRedirectTarget(to) => {
                t!(lang, "web-config-bad-redirect-target", to = quoted(to))
            }
            ConfigProblem::BadRedirectStatus(status) => t!(
                lang,
                "web-config-bad-redirect-status",
                status = status.to_string()
            ),
            ConfigProblem::CertWithoutKey => t!(lang, "web-config-cert-without-key"),
            ConfigProblem::KeyWithoutCert => t!(lang, "web-config-key-without-cert"),
            ConfigProblem::BadHsts(value) => t!(lang, "web-config-bad-hsts", value = quoted(value)),
            ConfigProblem::RedirectPortZero => t!(lang, "web-config-redirect-port-zero"),
            ConfigProblem::Http2OutOfRange { name, min, max } => t!(
                lang,
                "web-config-http2-out-of-range",
                name = *name,
                min = min.to_string(),
                max = max.to_string()
            ),
            ConfigProblem::PrefixNotAbsolute(prefix) => {
                t!(
                    lang,
                    "web-config-prefix-not-absolute",
                    prefix = quoted(prefix)
                )
            }
            ConfigProblem::PrefixNotPlain(prefix) => {
                t!(lang, "web-config-prefix-not-plain", prefix = quoted(prefix))
            }
            ConfigProblem::UpstreamHttps(text) => {
                t!(lang, "web-config-upstream-https", upstream = text)
            }
            ConfigProblem::UpstreamWithPath(text) => {
                t!(lang, "web-config-upstream-with-path", upstream = text)
            }
            ConfigProblem::UpstreamUnresolved { text, error } => {
                let why = if lang == text::Lang::En {
                    error.to_string()
                } else if error.raw_os_error().is_some() {
                    text::io_error(lang, error)
                } else if error.kind() == std::io::ErrorKind::InvalidInput {
                    t!(lang, "web-config-upstream-not-host-port")
                } else {
                    t!(
                        lang,
                        "web-config-upstream-lookup",
                        detail = error.to_string()
                    )
                };
                t!(
                    lang,
                    "web-config-upstream-unresolved",
                    upstream = text,
                    why = why
                )
            }
            ConfigProblem::UpstreamNoAddress(text) => {
                t!(lang, "web-config-upstream-no-address", upstream = text)
            }
            ConfigProblem::NotProxySpec(spec) => t!(lang, "web-config-not-proxy-spec", spec = spec),
        }
    }
}

impl std::fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(text::Lang::En))
    }
}

impl std::error::Error for ConfigProblem {}

impl WebConfig {
    /// Static files from `root`, nothing proxied, default limits, no access log.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        WebConfig {
            root: root.into(),
            proxies: Vec::new(),
            vhosts: Vec::new(),
            redirects: Vec::new(),
            limits: Limits::default(),
            access_log: AccessLog::Off,
            workers: 0,
            static_files: StaticOptions::default(),
            shutdown_grace: Duration::from_secs(10),
            upstream_bind: None,
            tls: None,
            hsts: Some(crate::tls::DEFAULT_HSTS.to_owned()),
            https_redirect: None,
            http2: crate::Http2Limits::default(),
            fast_http1: true,
            defer_accept: true,
        }
    }

    /// Reads a TOML config file; relative paths in it are relative to its directory.
    pub fn load_toml(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            file: path.to_owned(),
            source,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        parse(&text, path, base)
    }

    /// Parses TOML text; `file_name_for_errors` names it in errors. Relative paths stay
    /// relative to the current directory.
    pub fn from_toml_str(text: &str, file_name_for_errors: &str) -> Result<Self, ConfigError> {
        parse(text, Path::new(file_name_for_errors), Path::new(""))
    }
}

/// `HOST:PORT` or `http://HOST:PORT[/]`, resolved once (an IP address needs no resolver).
pub fn parse_upstream(text: &str) -> Result<SocketAddr, ConfigProblem> {
    let authority = text
        .strip_prefix("http://")
        .unwrap_or(text)
        .trim_end_matches('/');
    if text.starts_with("https://") {
        return Err(ConfigProblem::UpstreamHttps(text.to_owned()));
    }
    if authority.contains('/') {
        return Err(ConfigProblem::UpstreamWithPath(text.to_owned()));
    }
    if let Ok(addr) = authority.parse::<SocketAddr>() {
        return Ok(addr);
    }
    authority
        .to_socket_addrs()
        .map_err(|error| ConfigProblem::UpstreamUnresolved {
            text: text.to_owned(),
            error,
        })?
        .next()
        .ok_or_else(|| ConfigProblem::UpstreamNoAddress(text.to_owned()))
}

/// `PATH_PREFIX=http://HOST:PORT`, the `--proxy` flag's form.
pub fn parse_proxy_spec(spec: &str) -> Result<(String, SocketAddr), ConfigProblem> {
    let (prefix, upstream) = spec
        .split_once('=')
        .ok_or_else(|| ConfigProblem::NotProxySpec(spec.to_owned()))?;
    check_prefix(prefix)?;
    Ok((prefix.to_owned(), parse_upstream(upstream)?))
}

/// Adds `upstream` to the route for `prefix` in `routes`, creating it if needed.
pub fn add_proxy(routes: &mut Vec<ProxyRoute>, prefix: &str, upstream: SocketAddr) {
    match routes.iter_mut().find(|route| route.prefix == prefix) {
        Some(route) => route.upstreams.push(upstream),
        None => routes.push(ProxyRoute {
            prefix: prefix.to_owned(),
            upstreams: vec![upstream],
        }),
    }
}

fn check_prefix(prefix: &str) -> Result<(), ConfigProblem> {
    if !prefix.starts_with('/') {
        return Err(ConfigProblem::PrefixNotAbsolute(prefix.to_owned()));
    }
    if prefix.contains(['?', '#', '\\']) || prefix.split('/').any(|s| s == "..") {
        return Err(ConfigProblem::PrefixNotPlain(prefix.to_owned()));
    }
    Ok(())
}

/// Seconds as a positive, finite duration.
pub fn seconds(value: f64) -> Result<Duration, ConfigProblem> {
    if value.is_finite() && value > 0.0 && value < 1e9 {
        Ok(Duration::from_secs_f64(value))
    } else {
        Err(ConfigProblem::NotPositiveSeconds(value))
    }
}

// ---- the file's shape -------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    root: Option<Spanned<String>>,
    access_log: Option<String>,
    workers: Option<usize>,
    cache_control: Option<String>,
    cache_max_file_bytes: Option<u64>,
    cache_max_bytes: Option<u64>,
    revalidate_after: Option<Spanned<f64>>,
    gzip: Option<bool>,
    sendfile: Option<bool>,
    shutdown_grace: Option<Spanned<f64>>,
    tls_cert: Option<Spanned<String>>,
    tls_key: Option<Spanned<String>>,
    hsts: Option<Spanned<String>>,
    https_redirect: Option<Spanned<u16>>,
    defer_accept: Option<bool>,
    #[serde(default)]
    http2: FileHttp2,
    #[serde(default)]
    limits: FileLimits,
    #[serde(default)]
    proxy: Vec<FileProxy>,
    #[serde(default)]
    vhost: Vec<FileVhost>,
    #[serde(default)]
    redirect: Vec<FileRedirect>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileLimits {
    header_timeout: Option<Spanned<f64>>,
    max_header_bytes: Option<Spanned<usize>>,
    max_uri_bytes: Option<Spanned<usize>>,
    max_body_bytes: Option<u64>,
    body_timeout: Option<Spanned<f64>>,
    send_timeout: Option<Spanned<f64>>,
    upstream_timeout: Option<Spanned<f64>>,
    upstream_connect_timeout: Option<Spanned<f64>>,
    upstream_down_for: Option<Spanned<f64>>,
    upstream_idle_timeout: Option<Spanned<f64>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileHttp2 {
    enabled: Option<bool>,
    max_concurrent_streams: Option<Spanned<u32>>,
    max_header_list_size: Option<Spanned<u32>>,
    initial_stream_window: Option<Spanned<u32>>,
    initial_connection_window: Option<Spanned<u32>>,
    max_frame_size: Option<Spanned<u32>>,
    max_pending_accept_reset_streams: Option<usize>,
    max_local_error_reset_streams: Option<usize>,
    keep_alive_interval: Option<Spanned<f64>>,
    keep_alive_timeout: Option<Spanned<f64>>,
    idle_timeout: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileProxy {
    prefix: Spanned<String>,
    upstreams: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileVhost {
    names: Spanned<Vec<String>>,
    root: Option<Spanned<String>>,
    #[serde(default)]
    proxy: Vec<FileProxy>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRedirect {
    host: String,
    to: Spanned<String>,
    status: Option<Spanned<u16>>,
}

fn parse(text: &str, file: &Path, base: &Path) -> Result<WebConfig, ConfigError> {
    let at = |span: Range<usize>, reason: ConfigProblem| {
        let (line, column) = line_column(text, span.start);
        ConfigError::Invalid {
            file: file.to_owned(),
            line,
            column,
            reason,
        }
    };
    let raw: FileConfig = toml::from_str(text).map_err(|err| {
        let (line, column) = line_column(text, err.span().unwrap_or(0..0).start);
        ConfigError::Toml {
            file: file.to_owned(),
            line,
            column,
            message: err.message().trim().to_owned(),
        }
    })?;
    let path_of = |value: &str| {
        let path = PathBuf::from(value);
        if path.is_relative() {
            base.join(path)
        } else {
            path
        }
    };
    let secs = |value: &Spanned<f64>| seconds(*value.get_ref()).map_err(|e| at(value.span(), e));

    let mut config = WebConfig::new(
        raw.root
            .as_ref()
            .map_or(PathBuf::new(), |r| path_of(r.get_ref())),
    );
    let tls_at = |span: Range<usize>, error: crate::TlsFileError| {
        let (line, column) = line_column(text, span.start);
        ConfigError::Tls {
            file: file.to_owned(),
            line,
            column,
            error: Box::new(error),
        }
    };
    tls_settings(&raw, &mut config, &at, &tls_at, &path_of)?;
    if let Some(log) = raw.access_log {
        config.access_log = match log.as_str() {
            "off" | "" => AccessLog::Off,
            "stderr" => AccessLog::Stderr,
            file => AccessLog::File(path_of(file)),
        };
    }
    if let Some(workers) = raw.workers {
        config.workers = workers;
    }
    if let Some(value) = raw.cache_control {
        config.static_files.cache_control = value;
    }
    if let Some(value) = raw.cache_max_file_bytes {
        config.static_files.cache_max_file_bytes = value;
    }
    if let Some(value) = raw.cache_max_bytes {
        config.static_files.cache_max_bytes = value;
    }
    if let Some(value) = &raw.revalidate_after {
        config.static_files.revalidate_after = if *value.get_ref() == 0.0 {
            Duration::ZERO
        } else {
            secs(value)?
        };
    }
    if let Some(value) = raw.gzip {
        config.static_files.gzip = value;
    }
    if let Some(value) = raw.sendfile {
        config.static_files.sendfile = value;
    }
    if let Some(value) = &raw.shutdown_grace {
        config.shutdown_grace = secs(value)?;
    }
    if let Some(value) = raw.defer_accept {
        config.defer_accept = value;
    }
    let limits = &mut config.limits;
    if let Some(value) = &raw.limits.header_timeout {
        limits.header_timeout = secs(value)?;
    }
    if let Some(value) = &raw.limits.max_header_bytes {
        if *value.get_ref() < 1024 {
            return Err(at(value.span(), ConfigProblem::HeaderBytesTooSmall));
        }
        limits.max_header_bytes = *value.get_ref();
    }
    if let Some(value) = &raw.limits.max_uri_bytes {
        if *value.get_ref() < 16 {
            return Err(at(value.span(), ConfigProblem::UriBytesTooSmall));
        }
        limits.max_uri_bytes = *value.get_ref();
    }
    if let Some(value) = raw.limits.max_body_bytes {
        limits.max_body_bytes = value;
    }
    if let Some(value) = &raw.limits.body_timeout {
        limits.body_timeout = secs(value)?;
    }
    if let Some(value) = &raw.limits.send_timeout {
        limits.send_timeout = secs(value)?;
    }
    if let Some(value) = &raw.limits.upstream_timeout {
        limits.upstream_timeout = secs(value)?;
    }
    if let Some(value) = &raw.limits.upstream_connect_timeout {
        limits.upstream_connect_timeout = secs(value)?;
    }
    if let Some(value) = &raw.limits.upstream_down_for {
        limits.upstream_down_for = secs(value)?;
    }
    if let Some(value) = &raw.limits.upstream_idle_timeout {
        limits.upstream_idle_timeout = secs(value)?;
    }

    let routes = |proxies: &[FileProxy]| -> Result<Vec<ProxyRoute>, ConfigError> {
        let mut routes = Vec::new();
        for proxy in proxies {
            check_prefix(proxy.prefix.get_ref()).map_err(|e| at(proxy.prefix.span(), e))?;
            if proxy.upstreams.is_empty() {
                return Err(at(proxy.prefix.span(), ConfigProblem::ProxyWithoutUpstream));
            }
            for upstream in &proxy.upstreams {
                let addr =
                    parse_upstream(upstream.get_ref()).map_err(|e| at(upstream.span(), e))?;
                add_proxy(&mut routes, proxy.prefix.get_ref(), addr);
            }
        }
        Ok(routes)
    };
    config.proxies = routes(&raw.proxy)?;
    for vhost in &raw.vhost {
        if vhost.names.get_ref().is_empty() {
            return Err(at(vhost.names.span(), ConfigProblem::VhostWithoutName));
        }
        config.vhosts.push(VirtualHost {
            names: vhost
                .names
                .get_ref()
                .iter()
                .map(|n| n.to_ascii_lowercase())
                .collect(),
            root: vhost.root.as_ref().map(|r| path_of(r.get_ref())),
            proxies: routes(&vhost.proxy)?,
        });
    }
    for redirect in &raw.redirect {
        let to = redirect.to.get_ref().trim_end_matches('/');
        let authority = to
            .strip_prefix("http://")
            .or_else(|| to.strip_prefix("https://"))
            .filter(|rest| !rest.is_empty() && !rest.contains(['/', '?', '#', ' ']));
        if authority.is_none() {
            return Err(at(
                redirect.to.span(),
                ConfigProblem::BadRedirectTarget(to.to_owned()),
            ));
        }
        let status = match &redirect.status {
            None => 301,
            Some(status) if [301, 302, 307, 308].contains(status.get_ref()) => *status.get_ref(),
            Some(status) => {
                return Err(at(
                    status.span(),
                    ConfigProblem::BadRedirectStatus(*status.get_ref()),
                ));
            }
        };
        config.redirects.push(Redirect {
            host: redirect.host.to_ascii_lowercase(),
            to: to.to_owned(),
            status,
        });
    }
    Ok(config)
}

/// The HTTPS keys and `[http2]`: a certificate or key that cannot be used is refused at the
/// line that names it, with the file and the reason.
fn tls_settings(
    raw: &FileConfig,
    config: &mut WebConfig,
    at: &impl Fn(Range<usize>, ConfigProblem) -> ConfigError,
    tls_at: &impl Fn(Range<usize>, crate::TlsFileError) -> ConfigError,
    path_of: &impl Fn(&str) -> PathBuf,
) -> Result<(), ConfigError> {
    match (&raw.tls_cert, &raw.tls_key) {
        (None, None) => {}
        (Some(cert), None) => {
            return Err(at(cert.span(), ConfigProblem::CertWithoutKey));
        }
        (None, Some(key)) => {
            return Err(at(key.span(), ConfigProblem::KeyWithoutCert));
        }
        (Some(cert), Some(key)) => {
            let (cert_path, key_path) = (path_of(cert.get_ref()), path_of(key.get_ref()));
            let identity =
                crate::TlsIdentity::from_pem_files(&cert_path, &key_path).map_err(|err| {
                    let span = if err.path == key_path && err.path != cert_path {
                        key.span()
                    } else {
                        cert.span()
                    };
                    tls_at(span, err)
                })?;
            config.tls = Some(identity);
        }
    }
    if let Some(value) = &raw.hsts {
        let text = value.get_ref().trim();
        if text.is_empty() {
            config.hsts = None;
        } else if !text.starts_with("max-age=") || http::HeaderValue::from_str(text).is_err() {
            return Err(at(value.span(), ConfigProblem::BadHsts(text.to_owned())));
        } else {
            config.hsts = Some(text.to_owned());
        }
    }
    if let Some(port) = &raw.https_redirect {
        if *port.get_ref() == 0 {
            return Err(at(port.span(), ConfigProblem::RedirectPortZero));
        }
        config.https_redirect = Some(*port.get_ref());
    }
    let h2 = &raw.http2;
    let limits = &mut config.http2;
    if let Some(enabled) = h2.enabled {
        limits.enabled = enabled;
    }
    let in_range = |value: &Spanned<u32>, name: &'static str, min: u32, max: u32| {
        let v = *value.get_ref();
        if (min..=max).contains(&v) {
            Ok(v)
        } else {
            Err(at(
                value.span(),
                ConfigProblem::Http2OutOfRange { name, min, max },
            ))
        }
    };
    if let Some(value) = &h2.max_concurrent_streams {
        limits.max_concurrent_streams = in_range(value, "max_concurrent_streams", 1, 10_000)?;
    }
    if let Some(value) = &h2.max_header_list_size {
        limits.max_header_list_size = Some(in_range(value, "max_header_list_size", 1024, 1 << 24)?);
    }
    // RFC 9113 §6.5.2: windows up to 2^31-1, frames between 2^14 and 2^24-1.
    if let Some(value) = &h2.initial_stream_window {
        limits.initial_stream_window =
            in_range(value, "initial_stream_window", 1024, (1 << 31) - 1)?;
    }
    if let Some(value) = &h2.initial_connection_window {
        limits.initial_connection_window =
            in_range(value, "initial_connection_window", 65_535, (1 << 31) - 1)?;
    }
    if let Some(value) = &h2.max_frame_size {
        limits.max_frame_size = in_range(value, "max_frame_size", 1 << 14, (1 << 24) - 1)?;
    }
    if let Some(value) = h2.max_pending_accept_reset_streams {
        limits.max_pending_accept_reset_streams = value;
    }
    if let Some(value) = h2.max_local_error_reset_streams {
        limits.max_local_error_reset_streams = value;
    }
    let secs = |value: &Spanned<f64>| seconds(*value.get_ref()).map_err(|e| at(value.span(), e));
    if let Some(value) = &h2.keep_alive_interval {
        limits.keep_alive_interval = secs(value)?;
    }
    if let Some(value) = &h2.keep_alive_timeout {
        limits.keep_alive_timeout = secs(value)?;
    }
    if let Some(value) = &h2.idle_timeout {
        limits.idle_timeout = Some(secs(value)?);
    }
    Ok(())
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_file_parses() {
        let text = r#"
root = "/srv/site"
access_log = "stderr"
defer_accept = false
[limits]
header_timeout = 2.5
max_header_bytes = 4096
body_timeout = 0.5
send_timeout = 1.5
[[proxy]]
prefix = "/search"
upstreams = ["127.0.0.81:8080", "http://127.0.0.82:8080/"]
[[vhost]]
names = ["WWW.google.com"]
[[redirect]]
host = "google.com"
to = "http://www.google.com/"
[http2]
idle_timeout = 2.5
"#;
        let config = WebConfig::from_toml_str(text, "web.toml").unwrap();
        assert_eq!(config.root, PathBuf::from("/srv/site"));
        assert_eq!(config.limits.header_timeout, Duration::from_millis(2500));
        assert_eq!(config.limits.body_timeout, Duration::from_millis(500));
        assert_eq!(config.limits.send_timeout, Duration::from_millis(1500));
        assert_eq!(
            WebConfig::new("x").limits.send_timeout,
            Duration::from_secs(60),
            "nginx's default"
        );
        assert_eq!(config.limits.max_header_bytes, 4096);
        assert_eq!(config.proxies[0].upstreams.len(), 2);
        assert_eq!(config.vhosts[0].names, ["www.google.com"]);
        assert_eq!(config.redirects[0].to, "http://www.google.com");
        assert_eq!(config.redirects[0].status, 301);
        assert_eq!(config.access_log, AccessLog::Stderr);
        assert_eq!(config.http2.idle_timeout, Some(Duration::from_millis(2500)));
        assert!(!config.defer_accept);
        assert!(
            WebConfig::new("x").defer_accept,
            "on unless the file says otherwise"
        );
    }

    #[test]
    fn errors_name_file_line_and_reason() {
        let text = "root = \"x\"\n\n[limits]\nheader_timeout = -1\n";
        let err = WebConfig::from_toml_str(text, "web.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("web.toml:4:"), "{err}");
        assert!(err.contains("positive"), "{err}");

        for bad in ["0", "-0.5", "inf", "nan", "1e10"] {
            let text = format!("root = \"x\"\n[limits]\nsend_timeout = {bad}\n");
            let err = WebConfig::from_toml_str(&text, "web.toml")
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("web.toml:3:16: "), "{bad}: {err}");
            assert!(
                err.ends_with(": expected a positive number of seconds"),
                "{bad}: {err}"
            );
        }

        let err = WebConfig::from_toml_str("root = \"x\"\nbogus = 1\n", "web.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("web.toml:2:1: unknown field `bogus`"),
            "{err}"
        );

        let text = "[[proxy]]\nprefix = \"/a\"\nupstreams = [\"nope:notaport\"]\n";
        let err = WebConfig::from_toml_str(text, "web.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("web.toml:3:"), "{err}");

        let err = WebConfig::from_toml_str("root = [", "web.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("web.toml:1:"), "{err}");
    }

    /// Every check's reason: English as it has always been worded, Korean in Korean with the
    /// values as written.
    #[test]
    fn every_reason_is_said_in_english_as_before_and_in_korean() {
        use text::Lang;
        let refused = |text: &str| match WebConfig::from_toml_str(text, "web.toml") {
            Err(ConfigError::Invalid { reason, .. }) => reason,
            other => panic!("{text}: {other:?}"),
        };
        let cases: Vec<(ConfigProblem, &str)> = vec![
            (
                refused("[limits]\nheader_timeout = -1.0\n"),
                "-1: expected a positive number of seconds",
            ),
            (
                refused("[limits]\nsend_timeout = 0\n"),
                "0: expected a positive number of seconds",
            ),
            (
                refused("[limits]\nmax_header_bytes = 10\n"),
                "max_header_bytes must be at least 1024",
            ),
            (
                refused("[limits]\nmax_uri_bytes = 10\n"),
                "max_uri_bytes must be at least 16",
            ),
            (
                refused("[[proxy]]\nprefix = \"/a\"\nupstreams = []\n"),
                "a proxy needs at least one upstream",
            ),
            (
                refused("[[vhost]]\nnames = []\n"),
                "a vhost needs at least one name",
            ),
            (
                refused("[[redirect]]\nhost = \"a\"\nto = \"http://b/x\"\n"),
                "\"http://b/x\": expected http(s)://HOST[:PORT], without a path",
            ),
            (
                refused("[[redirect]]\nhost = \"a\"\nto = \"http://b\"\nstatus = 303\n"),
                "redirect status 303 is not 301, 302, 307 or 308",
            ),
            (
                refused("tls_cert = \"c.pem\"\n"),
                "tls_cert needs tls_key too",
            ),
            (
                refused("tls_key = \"k.pem\"\n"),
                "tls_key needs tls_cert too",
            ),
            (
                refused("hsts = \"1 day\"\n"),
                "\"1 day\": expected max-age=SECONDS[; includeSubDomains][; preload]",
            ),
            (
                refused("https_redirect = 0\n"),
                "https_redirect is a port, 1 to 65535",
            ),
            (
                refused("[http2]\nmax_concurrent_streams = 0\n"),
                "http2.max_concurrent_streams must be between 1 and 10000",
            ),
            (
                refused("[[proxy]]\nprefix = \"a\"\nupstreams = [\"127.0.0.1:1\"]\n"),
                "proxy prefix \"a\" must start with /",
            ),
            (
                refused("[[proxy]]\nprefix = \"/a/../b\"\nupstreams = [\"127.0.0.1:1\"]\n"),
                "proxy prefix \"/a/../b\" must be a plain path",
            ),
            (
                refused("[[proxy]]\nprefix = \"/a\"\nupstreams = [\"https://127.0.0.1:1\"]\n"),
                "https://127.0.0.1:1: upstreams speak plain HTTP (http://)",
            ),
            (
                refused("[[proxy]]\nprefix = \"/a\"\nupstreams = [\"127.0.0.1:1/x\"]\n"),
                "127.0.0.1:1/x: an upstream is HOST:PORT, without a path",
            ),
            (
                refused("[[proxy]]\nprefix = \"/a\"\nupstreams = [\"nope:notaport\"]\n"),
                "nope:notaport: invalid port value",
            ),
            (
                parse_proxy_spec("/api").unwrap_err(),
                "/api: expected PATH_PREFIX=http://HOST:PORT",
            ),
        ];
        let tokens = [
            "max_header_bytes",
            "max_uri_bytes",
            "vhost",
            "tls_cert",
            "tls_key",
            "https_redirect",
            "HOST",
            "PORT",
            "PATH_PREFIX",
            "SECONDS",
        ];
        for (problem, english) in cases {
            assert_eq!(problem.to_string(), english);
            test_support::korean::assert_korean(&problem.describe(Lang::Ko), &tokens);
        }
        // The whole error keeps its place in the file.
        let err =
            WebConfig::from_toml_str("root = \"x\"\n\n[limits]\nmax_uri_bytes = 1\n", "web.toml")
                .unwrap_err();
        assert_eq!(
            err.to_string(),
            "web.toml:4:17: max_uri_bytes must be at least 16"
        );
    }

    #[test]
    fn proxy_specs() {
        assert_eq!(
            parse_proxy_spec("/api=http://127.0.0.1:9000").unwrap(),
            ("/api".to_owned(), "127.0.0.1:9000".parse().unwrap())
        );
        assert!(parse_proxy_spec("api=http://127.0.0.1:9000").is_err());
        assert!(parse_proxy_spec("/api=https://127.0.0.1:9000").is_err());
        assert!(parse_proxy_spec("/api").is_err());
    }
}
