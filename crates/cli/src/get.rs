//! `roundtrip get URL`: a command-line browser that shows where the time of a real request went.
//!
//! # Layout
//! A request enters at [`run`] with clap's [`GetArgs`] and passes through:
//! 1. [`Setup::from_args`]: the arguments become typed settings — the host cache (the file
//!    given by `--cache-file`, the default profile file, or none with `--no-cache`), the name
//!    service (`--recursive`, `--resolver`, or the first `nameserver` of `/etc/resolv.conf`),
//!    the [`browser::BrowserConfig`] (`--cacert` roots for `https://`). A bad value is a usage
//!    error (exit 2).
//! 2. [`browser::Browser::request`]: lookup, Happy Eyeballs, TLS for `https://`, HTTP/1.1,
//!    redirects, one leg each; then [`browser::Browser::close`], the client sending the first
//!    FIN. The host cache file is saved afterwards.
//! 3. Output: the body on stdout (or `-o FILE`); on stderr a report of each leg (which cache or
//!    server answered the name, the attempts, the status and its class, the timings), with
//!    `-v` the request and response headers as curl shows them (`> GET / HTTP/1.1`,
//!    `< HTTP/1.1 200 OK`); `-s` silences the report. `--json` prints one JSON document
//!    instead of the body and the report.
//!
//! The host cache is managed with `--cache-list` and `--cache-clear` (with or without a URL).
//!
//! Exit codes, as curl: 0 when a response arrived, whatever its status (a 404 is the server's
//! answer, not a failure of the request), unless `--fail` asks for 1 on a status of 400 or
//! more; 1 when the request failed (the name, the connection, a timeout, too many redirects, a
//! loop; one line on stderr); 2 for bad usage.
//!
//! # The `--json` document
//! ```text
//! {
//!   "url":          the URL as given,
//!   "final_url":    the last leg's URL (after redirects), or null on failure,
//!   "status":       the final status code, or null,
//!   "reason":       its reason phrase, or null,
//!   "status_class": what the status class means ("2xx: success"), in the chosen language, or
//!                   null,
//!   "body_bytes":   the final body's length,
//!   "output":       the file the body went to (-o), or null (the body is not in the document),
//!   "error":        null, or the one-line reason of the failure (exit code 1),
//!   "legs": [ one per request sent, in order {
//!       "url", "method", "request_line", "request_headers": [[name, value]...],
//!       "resolved": null (reused connection) or { "host", "addresses", "ttl",
//!           "source": {"kind": "literal" | "hosts_file" | "host_cache" (+ "ttl_left")
//!                      | "resolver" (+ "server") | "recursive"},
//!           "cnames", "hops": ["dig +trace style line", in the chosen language...] },
//!       "connection": { "id", "local", "remote", "reused",
//!           "tls": null or { "server_name", "version", "cipher_suite", "alpn",
//!                            "peer_certificates" },
//!           "attempts": [{ "remote", "started_ms", "ended_ms",
//!                          "outcome": connected|refused|timed_out|unreachable|failed|cancelled|skipped,
//!                          "error" }] },
//!       "http_version", "status", "reason", "status_class" (its meaning, in the chosen
//!       language: "2xx success: the request was received, ..."),
//!       "response_headers": [[name, value]...], "body_bytes",
//!       "timings": { "time_namelookup", "time_connect", "time_appconnect",
//!           "time_pretransfer", "time_starttransfer", "time_total" (seconds from the leg's
//!           start, cumulative, as curl -w),
//!           "resource_timing": { "fetchStart", "domainLookupStart", "domainLookupEnd",
//!               "connectStart", "connectEnd", "secureConnectionStart", "requestStart",
//!               "responseStart", "responseEnd" (ms from the leg's start, W3C names) } },
//!       "started_at": { "secs_since_epoch", "nanos_since_epoch" },
//!       "redirect_to": the next leg's URL, or null } ],
//!   "closed_connections": [{ "id", "local", "remote", "requests",
//!       "first_fin": "client" | "server" | null, "server_fin_seen" }],
//!   "name_service": "the resolver 10.0.0.53:53" | "recursive from the root hints (port 53)",
//!   "host_cache": the cache file, or null (--no-cache)
//! }
//! ```

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use browser::hosts_file::{HostsFile, SYSTEM_HOSTS};
use browser::{
    AttemptOutcome, Browser, BrowserConfig, ClosedConnection, DEFAULT_MAX_REDIRECTS, HostCache,
    Leg, Method, NameService, Names, Side, Source, Visit,
};
use bytes::Bytes;
use resolver::RootHints;
use serde::Serialize;
use text::{Lang, t};

/// Where the system's resolvers are listed.
const RESOLV_CONF: &str = "/etc/resolv.conf";
/// The DNS port (RFC 1035 §4.2).
const DNS_PORT: u16 = 53;

/// Arguments of `roundtrip get`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Host cache: the browser keeps the addresses DNS gave, each for its TTL, in a file between runs \
(default ~/.cache/roundtrip/hosts.json). --cache-list prints it, --cache-clear empties it; \
--no-cache neither reads nor writes it.

Exit codes: 0 a response arrived (whatever its status; with --fail, 1 for 400 and above), \
1 the request failed (name, connection, timeout, redirects), 2 bad usage.")]
pub struct GetArgs {
    /// The URL to fetch (http:// or https://).
    #[arg(required_unless_present_any = ["cache_list", "cache_clear", "hsts_list", "hsts_clear"])]
    pub url: Option<String>,
    /// Show the connection attempts and the request and response headers, as curl -v.
    #[arg(short, long)]
    pub verbose: bool,
    /// No report on stderr, only the body (or errors).
    #[arg(short, long, conflicts_with = "verbose")]
    pub silent: bool,
    /// Print one JSON document describing every leg instead of the body and the report.
    #[arg(long)]
    pub json: bool,
    /// Write the body to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Ask this recursive resolver (default: the first nameserver of /etc/resolv.conf).
    #[arg(long, value_name = "ADDR[:PORT]")]
    pub resolver: Option<String>,
    /// Resolve in-process from the root hints, iteratively, instead of asking a resolver.
    #[arg(long, conflicts_with = "resolver")]
    pub recursive: bool,
    /// Root hints for --recursive (named.root format; default: IANA's).
    #[arg(long, value_name = "FILE", requires = "recursive")]
    pub root_hints: Option<PathBuf>,
    /// The port every name server is asked on with --recursive (the lab's is 1053 unless root).
    #[arg(long, value_name = "PORT", default_value_t = DNS_PORT, requires = "recursive")]
    pub dns_port: u16,
    /// Follow at most N redirects (the Fetch standard's limit by default).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_REDIRECTS)]
    pub max_redirs: usize,
    /// Neither read nor write the host cache.
    #[arg(long)]
    pub no_cache: bool,
    /// The host cache file.
    #[arg(long, value_name = "PATH", conflicts_with = "no_cache")]
    pub cache_file: Option<PathBuf>,
    /// Print the host cache's unexpired entries.
    #[arg(long)]
    pub cache_list: bool,
    /// Empty the host cache.
    #[arg(long)]
    pub cache_clear: bool,
    /// The hosts file consulted before the cache and DNS.
    #[arg(long, value_name = "FILE", default_value = SYSTEM_HOSTS)]
    pub hosts_file: PathBuf,
    /// Also trust the CA certificates in this PEM file for https:// (the web PKI's roots,
    /// Mozilla's, are always trusted; the system's store is not read).
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// The source address of the connections and the DNS queries.
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<IpAddr>,
    /// The request method (default GET, or POST with -d).
    #[arg(short = 'X', long = "request", value_name = "METHOD")]
    pub method: Option<String>,
    /// Send DATA as the body (application/x-www-form-urlencoded, as curl -d).
    #[arg(short, long, value_name = "DATA")]
    pub data: Option<String>,
    /// Exit 1 when the final status is 400 or more (the body is not written).
    #[arg(short, long)]
    pub fail: bool,
    /// Seconds allowed to connect (all Happy Eyeballs attempts together).
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub connect_timeout: f64,
    /// Seconds allowed for each request, from sending it to the end of the body.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub max_time: f64,
    /// No HSTS: neither the preload list nor the store turns http:// into https://, and
    /// Strict-Transport-Security headers are not remembered.
    #[arg(long)]
    pub no_hsts: bool,
    /// The HSTS store file (default: hsts.json beside the host cache).
    #[arg(long, value_name = "PATH", conflicts_with = "no_hsts")]
    pub hsts_file: Option<PathBuf>,
    /// Print the HSTS store's unexpired entries and the built-in preload list.
    #[arg(long, conflicts_with = "no_hsts")]
    pub hsts_list: bool,
    /// Empty the HSTS store (the preload list is built in and stays).
    #[arg(long, conflicts_with = "no_hsts")]
    pub hsts_clear: bool,
    /// For https://, offer HTTP/1.1 only in ALPN.
    #[arg(long = "http1.1", conflicts_with = "http2")]
    pub http1_1: bool,
    /// For https://, offer HTTP/2 and HTTP/1.1 in ALPN, the server choosing (the default, as
    /// curl's; http:// stays HTTP/1.1).
    #[arg(long = "http2")]
    pub http2: bool,
}

/// Runs `roundtrip get`. Returns the exit code.
pub fn run(args: GetArgs, lang: Lang) -> anyhow::Result<u8> {
    let setup = match Setup::from_args(&args, lang) {
        Ok(setup) => setup,
        Err(usage) => {
            eprintln!("roundtrip: get: {usage}");
            return Ok(2);
        }
    };
    let Setup {
        mut cache,
        cache_path,
        service,
        service_note,
        config,
        method,
        body,
    } = setup;
    let now = unix_now();
    let mut hsts = if args.no_hsts {
        None
    } else {
        match args
            .hsts_file
            .clone()
            .or_else(browser::hsts::Hsts::default_path)
        {
            Some(path) => {
                let (hsts, warning) = browser::hsts::Hsts::open(&path);
                if let Some(warning) = warning {
                    eprintln!("roundtrip: get: {}", warning.describe(lang));
                }
                Some(hsts)
            }
            None => Some(browser::hsts::Hsts::in_memory()),
        }
    };
    if args.hsts_list || args.hsts_clear {
        if let Some(hsts) = hsts.as_mut() {
            manage_hsts(hsts, &args, now, lang)?;
        }
        if args.url.is_none() && !args.cache_list && !args.cache_clear {
            return Ok(0);
        }
    }
    if args.cache_list || args.cache_clear {
        let Some(cache) = cache.as_mut() else {
            eprintln!("roundtrip: get: {}", t!(lang, "get-no-cache-to-manage"));
            return Ok(2);
        };
        manage_cache(cache, &args, now, lang)?;
        if args.url.is_none() {
            return Ok(0);
        }
    }
    let Some(url) = args.url.clone() else {
        return Ok(2);
    };
    if args.verbose
        && let Some(note) = &service_note
    {
        eprintln!("* {note}");
    }
    let name_service = describe_service(&service, lang);
    let names =
        Names::new(HostsFile::load(&args.hosts_file), cache, service).with_source(args.bind);
    let mut client = Browser::new(names, config, Arc::new(journey::Silent));
    if let Some(hsts) = hsts {
        client = client.with_hsts(hsts);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .with_context(|| t!(lang, "cannot-start-runtime"))?;
    let (visit, closed) = runtime.block_on(async {
        let visit = client.request(method, &url, body).await;
        (visit, client.close().await)
    });
    if let Some(cache) = client.names().cache_mut()
        && let Err(err) = cache.save(unix_now())
    {
        let path = cache_path.as_ref().map(|p| p.display().to_string());
        eprintln!(
            "roundtrip: get: {}",
            t!(
                lang,
                "get-cannot-save-cache",
                path = path.unwrap_or_default(),
                error = text::io_error(lang, &err)
            )
        );
    }

    if let Some(hsts) = client.hsts()
        && let Err(err) = hsts.save(unix_now())
    {
        eprintln!(
            "roundtrip: get: {}",
            t!(
                lang,
                "get-cannot-save-hsts",
                error = text::io_error(lang, &err)
            )
        );
    }

    let visit = match visit {
        Ok(visit) => visit,
        Err(err) => {
            if args.json {
                let doc = JsonDoc::failed(
                    &url,
                    err.describe(lang),
                    &closed,
                    &name_service,
                    &cache_path,
                );
                print_json(&doc)?;
            }
            eprintln!("roundtrip: get: {}", err.describe(lang));
            return Ok(1);
        }
    };
    let last = visit.last();
    let failed = args.fail && last.status >= 400;
    if args.json {
        if !failed && let Some(path) = &args.output {
            write_body_file(path, &visit.body, lang)?;
        }
        print_json(&JsonDoc::of(
            &url,
            &visit,
            &closed,
            args.output.as_ref(),
            &name_service,
            &cache_path,
            lang,
        ))?;
    } else {
        if !args.silent {
            let mut err = std::io::stderr().lock();
            let _ = write_report(&mut err, &visit, &closed, args.verbose, lang);
        }
        if !failed {
            match &args.output {
                Some(path) => write_body_file(path, &visit.body, lang)?,
                None => write_stdout(&visit.body, lang)?,
            }
        }
    }
    if failed {
        eprintln!(
            "roundtrip: get: {}",
            t!(
                lang,
                "get-fail-status",
                status = format!("{} {}", last.status, last.reason)
            )
        );
        return Ok(1);
    }
    Ok(0)
}

/// The typed settings of one `roundtrip get`.
struct Setup {
    cache: Option<HostCache>,
    cache_path: Option<PathBuf>,
    service: NameService,
    /// How the resolver was chosen, when that is worth saying.
    service_note: Option<String>,
    config: BrowserConfig,
    method: Method,
    body: Bytes,
}

impl Setup {
    fn from_args(args: &GetArgs, lang: Lang) -> Result<Setup, String> {
        let (cache, cache_path) = if args.no_cache {
            (None, None)
        } else {
            let path = match args.cache_file.clone().or_else(HostCache::default_path) {
                Some(path) => path,
                None => return Err(t!(lang, "get-no-cache-home")),
            };
            let (cache, warning) = HostCache::open(&path);
            if let Some(warning) = warning {
                eprintln!("roundtrip: get: {}", warning.describe(lang));
            }
            (Some(cache), Some(path))
        };
        let (service, service_note) = if args.recursive {
            let hints = match &args.root_hints {
                Some(path) => RootHints::load(path).map_err(|e| e.to_string())?,
                None => RootHints::iana(),
            };
            (
                NameService::Recursive {
                    hints,
                    port: args.dns_port,
                },
                None,
            )
        } else if let Some(text) = &args.resolver {
            let addr = parse_server(text)
                .ok_or_else(|| t!(lang, "get-bad-resolver", value = format!("{text:?}")))?;
            (NameService::Resolver(addr), None)
        } else {
            let (addr, note) = system_resolver(lang);
            (NameService::Resolver(addr), note)
        };
        let seconds = |value: f64, option: &str| {
            Duration::try_from_secs_f64(value)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| {
                    t!(
                        lang,
                        "get-bad-seconds",
                        option = option,
                        value = value.to_string()
                    )
                })
        };
        let extra_roots = match &args.cacert {
            Some(path) => browser::tls::load_pem_certificates(path)?,
            None => Vec::new(),
        };
        // As curl does: the TLS secrets appended to the file SSLKEYLOGFILE names (NSS format),
        // for Wireshark to decrypt a capture.
        let key_log: Option<std::sync::Arc<dyn rustls::KeyLog>> = std::env::var_os("SSLKEYLOGFILE")
            .filter(|path| !path.is_empty())
            .map(|_| std::sync::Arc::new(rustls::KeyLogFile::new()) as _);
        let config = BrowserConfig {
            bind: args.bind,
            extra_roots,
            key_log,
            http: if args.http1_1 {
                browser::HttpVersions::Http11Only
            } else {
                browser::HttpVersions::Http2AndHttp11
            },
            max_redirects: args.max_redirs,
            connect_timeout: seconds(args.connect_timeout, "--connect-timeout")?,
            request_timeout: seconds(args.max_time, "--max-time")?,
            lang,
            ..BrowserConfig::default()
        };
        let body = args
            .data
            .as_ref()
            .map(|d| Bytes::from(d.clone().into_bytes()))
            .unwrap_or_default();
        let method = match &args.method {
            Some(text) => Method::from_bytes(text.as_bytes())
                .map_err(|_| t!(lang, "get-bad-method", value = format!("{text:?}")))?,
            None if args.data.is_some() => Method::POST,
            None => Method::GET,
        };
        Ok(Setup {
            cache,
            cache_path,
            service,
            service_note,
            config,
            method,
            body,
        })
    }
}

/// `ADDR`, `ADDR:PORT`, `[V6]` or `[V6]:PORT`; port 53 unless given.
fn parse_server(text: &str) -> Option<SocketAddr> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Some(addr);
    }
    let bare = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    bare.parse::<IpAddr>()
        .ok()
        .map(|ip| SocketAddr::new(ip, DNS_PORT))
}

/// The first `nameserver` of resolv.conf(5), or 127.0.0.1:53 (what the C library falls back
/// to when there is none), with a note saying so.
fn system_resolver(lang: Lang) -> (SocketAddr, Option<String>) {
    let text = std::fs::read_to_string(RESOLV_CONF).unwrap_or_default();
    let first = text.lines().find_map(|line| {
        let mut fields = line.split_whitespace();
        if fields.next() != Some("nameserver") {
            return None;
        }
        let address = fields.next()?;
        address.split('%').next()?.parse::<IpAddr>().ok()
    });
    match first {
        Some(ip) => (SocketAddr::new(ip, DNS_PORT), None),
        None => (
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), DNS_PORT),
            Some(t!(lang, "get-no-nameserver", file = RESOLV_CONF)),
        ),
    }
}

fn describe_service(service: &NameService, lang: Lang) -> String {
    match service {
        NameService::Resolver(addr) => t!(lang, "name-by-resolver", server = addr.to_string()),
        NameService::Recursive { port, .. } => t!(lang, "get-service-recursive", port = *port),
    }
}

fn manage_cache(cache: &mut HostCache, args: &GetArgs, now: u64, lang: Lang) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if args.cache_list {
        let entries = cache.list(now);
        if entries.is_empty() {
            writeln!(out, "; {}", t!(lang, "get-cache-empty"))?;
        }
        for (name, entry) in entries {
            let addresses: Vec<String> = entry.addresses.iter().map(ToString::to_string).collect();
            writeln!(
                out,
                "{name}\t{}s left\t{}",
                entry.expires.saturating_sub(now),
                addresses.join(" ")
            )?;
        }
    }
    if args.cache_clear {
        let count = cache.list(now).len();
        cache.clear();
        cache
            .save(now)
            .with_context(|| t!(lang, "get-cannot-write-cache"))?;
        eprintln!(
            "roundtrip: get: {}",
            t!(lang, "get-cache-cleared", count = count)
        );
    }
    Ok(())
}

fn manage_hsts(
    hsts: &mut browser::hsts::Hsts,
    args: &GetArgs,
    now: u64,
    lang: Lang,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let scope = |subdomains: bool| {
        if subdomains {
            t!(lang, "get-hsts-scope-subdomains")
        } else {
            t!(lang, "get-hsts-scope-host")
        }
    };
    if args.hsts_list {
        for (domain, subdomains) in browser::hsts::PRELOAD {
            writeln!(
                out,
                "{domain}\t{}\t{}",
                t!(lang, "get-hsts-preloaded"),
                scope(*subdomains)
            )?;
        }
        for (name, entry) in hsts.list(now) {
            writeln!(
                out,
                "{name}\t{}\t{}",
                t!(
                    lang,
                    "get-hsts-left",
                    seconds = entry.expires.saturating_sub(now)
                ),
                scope(entry.include_subdomains)
            )?;
        }
    }
    if args.hsts_clear {
        let count = hsts.list(now).len();
        hsts.clear();
        hsts.save(now)
            .with_context(|| t!(lang, "get-cannot-write-hsts"))?;
        eprintln!(
            "roundtrip: get: {}",
            t!(lang, "get-hsts-cleared", count = count)
        );
    }
    Ok(())
}

fn write_stdout(body: &[u8], lang: Lang) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(body).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // `roundtrip get URL | head`: the reader has what it wanted.
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(err) => Err(anyhow::Error::new(err).context(t!(lang, "cannot-write-stdout"))),
    }
}

fn write_body_file(path: &std::path::Path, body: &[u8], lang: Lang) -> anyhow::Result<()> {
    std::fs::write(path, body).map_err(|err| crate::cannot_write(lang, path, err))
}

/// The report on stderr: per leg, the lookup, the connection, (`-v`: the headers), the status
/// and the timings; then how each connection was closed.
fn write_report(
    out: &mut impl std::io::Write,
    visit: &Visit,
    closed: &[ClosedConnection],
    verbose: bool,
    lang: Lang,
) -> std::io::Result<()> {
    for leg in &visit.legs {
        if let Some(upgrade) = &leg.hsts_upgrade {
            let why = match &upgrade.because {
                browser::hsts::HstsMatch::Preload { domain, .. } => {
                    t!(lang, "get-hsts-why-preload", domain = domain.as_str())
                }
                browser::hsts::HstsMatch::Stored {
                    domain, expires_in, ..
                } => t!(
                    lang,
                    "get-hsts-why-stored",
                    domain = domain.as_str(),
                    seconds = *expires_in
                ),
            };
            writeln!(
                out,
                "* {}",
                t!(
                    lang,
                    "get-hsts-upgrade",
                    from = upgrade.from.as_str(),
                    to = leg.url.as_str(),
                    why = why.as_str()
                )
            )?;
        }
        write_lookup(out, leg, lang)?;
        write_connection(out, leg, verbose, lang)?;
        if verbose {
            writeln!(out, "> {}", leg.request_line)?;
            for (name, value) in &leg.request_headers {
                writeln!(out, "> {name}: {value}")?;
            }
            writeln!(out, ">")?;
            writeln!(out, "< {} {} {}", leg.http_version, leg.status, leg.reason)?;
            for (name, value) in &leg.response_headers {
                writeln!(out, "< {name}: {value}")?;
            }
            writeln!(out, "<")?;
        }
        writeln!(
            out,
            "* {}",
            t!(
                lang,
                "get-leg",
                request = format!("{} {}", leg.method, leg.url),
                status = format!("{} {}", leg.status, leg.reason),
                class = status_class(lang, leg.status),
                bytes = leg.body_bytes
            )
        )?;
        let t = &leg.timings;
        writeln!(
            out,
            "* time_namelookup {:.6}  time_connect {:.6}  time_appconnect {:.6}  \
             time_pretransfer {:.6}  time_starttransfer {:.6}  time_total {:.6}",
            t.time_namelookup,
            t.time_connect,
            t.time_appconnect,
            t.time_pretransfer,
            t.time_starttransfer,
            t.time_total
        )?;
        writeln!(out, "* {}", phases(t, lang))?;
        if let Some(header) = &leg.hsts_header {
            match (&header.observed, &header.ignored) {
                (Some(browser::hsts::Observed::Stored { max_age, .. }), _) => writeln!(
                    out,
                    "* {}",
                    t!(
                        lang,
                        "get-hsts-stored",
                        seconds = *max_age,
                        value = header.value.as_str()
                    )
                )?,
                (Some(browser::hsts::Observed::Removed), _) => {
                    writeln!(out, "* {}", t!(lang, "get-hsts-removed"))?
                }
                (None, Some(why)) => writeln!(
                    out,
                    "* {}",
                    t!(lang, "get-hsts-ignored", why = why.as_str())
                )?,
                (None, None) => {}
            }
        }
        if let Some(next) = &leg.redirect_to {
            writeln!(
                out,
                "* {}",
                t!(lang, "response-follows-redirect", to = next)
            )?;
        }
    }
    for c in closed {
        let how = match c.first_fin {
            Some(Side::Client) => t!(lang, "get-closed-client-first"),
            Some(Side::Server) => t!(lang, "get-closed-server-first"),
            None => t!(lang, "get-closed-error"),
        };
        writeln!(
            out,
            "* {}",
            t!(
                lang,
                "get-closed",
                id = c.id,
                local = c.local.to_string(),
                remote = c.remote.to_string(),
                requests = c.requests,
                how = how
            )
        )?;
    }
    Ok(())
}

/// The status code's class in `lang` (THE-FLOW.md's step 5).
fn status_class(lang: Lang, status: u16) -> String {
    t!(lang, "status-class", class = status / 100)
}

/// Where the time went, phase by phase (httpstat's view of curl's cumulative times).
fn phases(t: &browser::Timings, lang: Lang) -> String {
    let ms = |secs: f64| format!("{:.3} ms", secs * 1000.0);
    let tls = if t.time_appconnect > 0.0 {
        ms(t.time_appconnect - t.time_connect)
    } else {
        "-".to_owned()
    };
    t!(
        lang,
        "get-phases",
        lookup = ms(t.time_namelookup),
        connect = ms(t.time_connect - t.time_namelookup),
        tls = tls,
        wait = ms(t.time_starttransfer - t.time_pretransfer),
        rest = ms(t.time_total - t.time_starttransfer)
    )
}

fn write_lookup(out: &mut impl std::io::Write, leg: &Leg, lang: Lang) -> std::io::Result<()> {
    let Some(resolved) = &leg.resolved else {
        return writeln!(
            out,
            "* {}",
            t!(
                lang,
                "get-no-lookup",
                id = leg.connection.id,
                remote = leg.connection.remote.to_string()
            )
        );
    };
    let by = match &resolved.source {
        Source::Literal => t!(lang, "get-by-literal"),
        Source::HostsFile => t!(lang, "get-by-hosts-file"),
        Source::HostCache { ttl_left } => t!(lang, "get-by-host-cache", ttl = *ttl_left),
        Source::Resolver { server } => t!(lang, "get-by-resolver", server = server.to_string()),
        Source::Recursive => t!(lang, "get-by-recursive"),
    };
    let ms = leg.timings.resource_timing.domain_lookup_end
        - leg.timings.resource_timing.domain_lookup_start;
    let addresses: Vec<String> = resolved.addresses.iter().map(ToString::to_string).collect();
    writeln!(
        out,
        "* {}{}",
        t!(
            lang,
            "get-resolved",
            host = &resolved.host,
            by = by,
            ms = format!("{ms:.3}"),
            addresses = addresses.join(", ")
        ),
        if resolved.ttl > 0 {
            format!(" (TTL {})", resolved.ttl)
        } else {
            String::new()
        }
    )?;
    if !resolved.cnames.is_empty() {
        let chain = resolved.cnames.join(" -> ");
        writeln!(out, "*   {}", t!(lang, "get-via-cname", chain = chain))?;
    }
    for hop in &resolved.hops {
        writeln!(out, "*   {}", hop.describe(lang))?;
    }
    Ok(())
}

fn write_connection(
    out: &mut impl std::io::Write,
    leg: &Leg,
    verbose: bool,
    lang: Lang,
) -> std::io::Result<()> {
    let c = &leg.connection;
    if c.reused {
        return Ok(());
    }
    if verbose || c.attempts.len() > 1 {
        for a in &c.attempts {
            let error = a.error.as_deref().unwrap_or("");
            let outcome = match a.outcome {
                AttemptOutcome::Connected => t!(lang, "get-attempt-connected"),
                AttemptOutcome::Cancelled => t!(lang, "get-attempt-cancelled"),
                AttemptOutcome::Refused => t!(lang, "get-attempt-refused"),
                AttemptOutcome::TimedOut => t!(lang, "get-attempt-timed-out"),
                AttemptOutcome::Unreachable => {
                    format!("{} ({error})", t!(lang, "attempt-unreachable"))
                }
                AttemptOutcome::Failed => format!("{} ({error})", t!(lang, "attempt-failed")),
                AttemptOutcome::Skipped => format!("{} ({error})", t!(lang, "attempt-skipped")),
            };
            writeln!(
                out,
                "*   {}",
                t!(
                    lang,
                    "get-attempt",
                    remote = a.remote.to_string(),
                    started = format!("{:.3}", a.started_ms),
                    outcome = outcome,
                    ended = format!("{:.3}", a.ended_ms)
                )
            )?;
        }
    }
    writeln!(
        out,
        "* {}",
        t!(
            lang,
            "get-connected",
            remote = c.remote.to_string(),
            local = c.local.to_string(),
            id = c.id
        )
    )?;
    if let Some(tls) = &c.tls {
        writeln!(
            out,
            "* {}",
            t!(
                lang,
                "get-tls-connection",
                version = tls.version.as_str(),
                cipher = tls.cipher_suite.as_str(),
                group = tls.key_exchange_group.as_deref().unwrap_or("?")
            )
        )?;
        match &tls.alpn {
            Some(alpn) => writeln!(
                out,
                "* {}",
                t!(lang, "get-alpn-accepted", alpn = alpn.as_str())
            )?,
            None => writeln!(out, "* {}", t!(lang, "get-alpn-none"))?,
        }
        if let Some(cert) = &tls.certificate {
            writeln!(out, "* {}", t!(lang, "get-cert-server"))?;
            writeln!(out, "*  subject: {}", cert.subject)?;
            writeln!(out, "*  start date: {}", cert.not_before)?;
            writeln!(out, "*  expire date: {}", cert.not_after)?;
            writeln!(
                out,
                "*  subjectAltName: {}",
                cert.subject_alt_names.join(", ")
            )?;
            writeln!(out, "*  issuer: {}", cert.issuer)?;
        }
        writeln!(
            out,
            "*  {}",
            t!(
                lang,
                "get-cert-verified",
                chain = tls.peer_certificates,
                name = tls.server_name.as_str()
            )
        )?;
    }
    Ok(())
}

/// The `--json` document (shape in the module doc).
#[derive(Serialize)]
struct JsonDoc<'a> {
    url: &'a str,
    final_url: Option<&'a str>,
    status: Option<u16>,
    reason: Option<&'a str>,
    status_class: Option<String>,
    body_bytes: u64,
    output: Option<String>,
    error: Option<String>,
    legs: &'a [Leg],
    closed_connections: &'a [ClosedConnection],
    name_service: &'a str,
    host_cache: Option<String>,
}

impl<'a> JsonDoc<'a> {
    fn of(
        url: &'a str,
        visit: &'a Visit,
        closed: &'a [ClosedConnection],
        output: Option<&PathBuf>,
        name_service: &'a str,
        cache: &Option<PathBuf>,
        lang: Lang,
    ) -> Self {
        let last = visit.last();
        JsonDoc {
            url,
            final_url: Some(&last.url),
            status: Some(last.status),
            reason: Some(&last.reason),
            status_class: Some(status_class(lang, last.status)),
            body_bytes: last.body_bytes,
            output: output.map(|p| p.display().to_string()),
            error: None,
            legs: &visit.legs,
            closed_connections: closed,
            name_service,
            host_cache: cache.as_ref().map(|p| p.display().to_string()),
        }
    }

    fn failed(
        url: &'a str,
        error: String,
        closed: &'a [ClosedConnection],
        name_service: &'a str,
        cache: &Option<PathBuf>,
    ) -> Self {
        JsonDoc {
            url,
            final_url: None,
            status: None,
            reason: None,
            status_class: None,
            body_bytes: 0,
            output: None,
            error: Some(error),
            legs: &[],
            closed_connections: closed,
            name_service,
            host_cache: cache.as_ref().map(|p| p.display().to_string()),
        }
    }
}

fn print_json(doc: &JsonDoc<'_>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, doc)?;
    writeln!(out)?;
    Ok(())
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolver_addresses_take_port_53_unless_given() {
        assert_eq!(
            parse_server("10.0.0.53"),
            Some("10.0.0.53:53".parse().unwrap())
        );
        assert_eq!(
            parse_server("127.0.0.53:1053"),
            Some("127.0.0.53:1053".parse().unwrap())
        );
        assert_eq!(
            parse_server("[::1]:5353"),
            Some("[::1]:5353".parse().unwrap())
        );
        assert_eq!(parse_server("[::1]"), Some("[::1]:53".parse().unwrap()));
        assert_eq!(parse_server("::1"), Some("[::1]:53".parse().unwrap()));
        assert_eq!(parse_server("resolver.example"), None);
    }
}
