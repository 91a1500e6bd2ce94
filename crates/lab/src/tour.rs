//! `roundtrip tour`: start the lab, browse a URL through it, and tell what really happened.
//!
//! A tour enters at [`run`]. In order, it:
//! 1. starts the packet capture on the lab's addresses (when permitted),
//! 2. starts the lab ([`crate::start`]) with every part reporting into one
//!    [`journey::Collector`],
//! 3. browses the URL with the `browser` crate from the lab's browser address (and, on the lab's
//!    home page, searches as a person would, over the same connection),
//! 4. closes the browser's connection in order and waits until the kernel's socket table shows
//!    its TIME_WAIT,
//! 5. stops the capture and the lab, and
//! 6. tells the story: `story::build` turns packets, the parts' reports and the browser's
//!    own account into a [`journey::story::Story`] of THE-FLOW.md's five steps.
//!
//! Nothing in the story is invented: a line is either a captured packet or a part's report of
//! its own decision, and says which. Without permission to capture, the story says so and is
//! told from the reports alone.
//!
//! # The `--json` document ([`Tour`])
//! ```text
//! {
//!   "url":        the URL browsed,
//!   "fault":      null or "root-down" | "nxdomain" | "was-down" | "was-slow" | "db-down" |
//!                 "loss" | "cert-expired" | "cert-wrong-name",
//!   "lab":        [{ "name", "role", "addr", "detail" }...]   the address table (its
//!                 "detail" in the tour's language),
//!   "visits":     [{ "number", "url", "visit": null or { "legs": [browser::Leg...] }, "error" }...]
//!                 one per page asked for (the home page, then the search), per visit; a leg is
//!                 `roundtrip get --json`'s: resolved, connection, request, status, timings,
//!   "capture":    { "captured", "reason", "received", "dropped" },
//!   "packets":    [wire::Packet...]  { "at": {secs_since_epoch, nanos_since_epoch}, "src",
//!                 "dst", "transport": { "protocol": "tcp" | "udp" | "icmp", flags, seq, ack,
//!                 rel_seq, rel_ack, window, len... }, "dns": null or the decoded message,
//!                 "http": null or the request/status line },
//!   "connections": [wire::TcpConnection...]  client, server, syn, syn_ack, ack, data,
//!                 first_fin, second_fin (and their ACKs), reset, active_closer,
//!   "time_wait":  [{ "local", "remote", "holder", "remaining_secs", "seen_at_ms" }...]
//!                 the kernel's socket table after each close (holder null: none seen),
//!   "events":     [journey::Event...]  every report: { "at", "host": {role, addr},
//!                 "source": "reported", "kind": "dns_answered" | "resolver_hop" |
//!                 "http_served" | "was_handled" | "sql_ran", ...the kind's fields },
//!   "story":      journey::story::Story  { "url", "started_at_unix_ms", "lanes", "steps":
//!                 [{ "number", "title", "lines": [{ "at_ms", "source", "text" }] }],
//!                 "messages": [{ "at_ms", "from", "to", "protocol", "label", "detail",
//!                 "source" }], "phases": [{ "name", "start_ms", "end_ms" }], "notes",
//!                 "status" },
//!   "wall_ms":    the tour's own wall time, lab start to lab stop,
//!   "tls":        [wire::TlsSession...]  each TLS connection read from the packets with the
//!                 browser's in-memory key log: { "client", "server", "client_hello",
//!                 "server_hello", "version", "alpn", "certificates", "records", "http2",
//!                 "http1", "handshake", "gaps", "notes" }
//! }
//! ```
//! Times in `story` are milliseconds from the first visit's start; fields are only added.

mod capture;
mod story;

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;

use crate::{Faults, HostRow, LabConfig};

/// A fault to inject, each showing where its symptom arises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// The first root server is dead: the resolver retries the other.
    RootDown,
    /// The name does not exist: a negative answer, cached.
    Nxdomain,
    /// The WAS is not running: the web server answers 502.
    WasDown,
    /// The WAS accepts but never answers: 504.
    WasSlow,
    /// The WAS's database cannot be opened: 503.
    DbDown,
    /// Routers lose the browser's first request segment and the resolver's first query: TCP
    /// retransmits by itself, the resolver retries by itself.
    Loss,
    /// The web server's certificate expired yesterday: the browser refuses it, with an alert.
    CertExpired,
    /// The web server's certificate is valid, but for another name: the browser refuses it.
    CertWrongName,
}

impl Fault {
    /// Every fault, by its `--fault` name.
    pub const ALL: [(&'static str, Fault); 8] = [
        ("root-down", Fault::RootDown),
        ("nxdomain", Fault::Nxdomain),
        ("was-down", Fault::WasDown),
        ("was-slow", Fault::WasSlow),
        ("db-down", Fault::DbDown),
        ("loss", Fault::Loss),
        ("cert-expired", Fault::CertExpired),
        ("cert-wrong-name", Fault::CertWrongName),
    ];

    /// Its `--fault` name.
    pub fn name(self) -> &'static str {
        Fault::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("?", |(n, _)| n)
    }
}

impl FromStr for Fault {
    type Err = UnknownFault;
    fn from_str(text: &str) -> Result<Self, UnknownFault> {
        Fault::ALL
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, fault)| *fault)
            .ok_or_else(|| UnknownFault(text.to_owned()))
    }
}

/// A `--fault` name that is none of [`Fault::ALL`], as typed. `Display` is English, for clap's
/// own usage error; [`UnknownFault::describe`] says it in a language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFault(pub String);

impl UnknownFault {
    /// The `--fault` names, comma-separated.
    fn names() -> String {
        let names: Vec<&str> = Fault::ALL.iter().map(|(n, _)| *n).collect();
        names.join(", ")
    }

    /// The error in `lang`.
    pub fn describe(&self, lang: text::Lang) -> String {
        text::t!(
            lang,
            "fault-unknown",
            value = format!("{:?}", self.0),
            names = UnknownFault::names()
        )
    }
}

impl std::fmt::Display for UnknownFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unknown fault {:?}: one of {}",
            self.0,
            UnknownFault::names()
        )
    }
}

impl std::error::Error for UnknownFault {}

/// What to tour.
#[derive(Debug, Clone)]
pub struct TourOptions {
    /// The lab.
    pub config: LabConfig,
    /// The URL; default: the lab's home page (or the page a fault is seen on).
    pub url: Option<String>,
    /// Visits of the URL (2: the second shows the caches).
    pub visits: usize,
    /// The fault to inject.
    pub fault: Option<Fault>,
    /// What to search for on the lab's home page (a request that goes through the WAS and the
    /// database); `None`: do not search.
    pub search: Option<String>,
    /// Whether the browser keeps HSTS (its preload list and store), as real browsers do.
    pub hsts: bool,
    /// The language the story is told in.
    pub lang: text::Lang,
}

/// What the capture could do.
#[derive(Debug, Clone, Serialize)]
pub struct CaptureStatus {
    /// Whether packets were captured.
    pub captured: bool,
    /// Why not, when they were not (in the tour's language).
    pub reason: Option<String>,
    /// Why not, to be told in any language.
    #[serde(skip)]
    pub failure: Option<Arc<capture::CaptureFailure>>,
    /// Packets the kernel passed the filter.
    pub received: u64,
    /// Packets the kernel dropped (socket buffer full).
    pub dropped: u64,
}

/// The TIME_WAIT the kernel reported for one closed connection.
#[derive(Debug, Clone, Serialize)]
pub struct TimeWaitSeen {
    /// The connection's client (browser) side.
    pub local: SocketAddr,
    /// Its server side.
    pub remote: SocketAddr,
    /// The side the kernel shows in TIME_WAIT.
    pub holder: Option<SocketAddr>,
    /// Seconds of TIME_WAIT left when looked at.
    pub remaining_secs: Option<f64>,
    /// Milliseconds from the journey's start to when it was seen.
    pub seen_at_ms: f64,
    /// The host whose socket table was read (namespaces only; on loopback there is one table).
    pub host: Option<String>,
    /// The server's host, whose table was read too (namespaces only).
    pub server_host: Option<String>,
    /// What the server's host holds in TIME_WAIT for the connection: `Some(None)` nothing
    /// (it went LAST-ACK -> CLOSED), `None` not looked at (loopback).
    pub on_server_host: Option<Option<SocketAddr>>,
}

/// One visit's outcome: the browser's own account, or why it failed.
#[derive(Debug, Clone, Serialize)]
pub struct VisitRecord {
    /// Which visit it belongs to: 1, 2, ... (`--visits`).
    pub number: usize,
    /// The URL asked for.
    pub url: String,
    /// The browser's account of each request of the visit.
    pub visit: Option<browser::Visit>,
    /// Why the visit failed, if it did (no response at all).
    pub error: Option<String>,
}

impl CaptureStatus {
    /// Why no packets were captured, in `lang` (`None` when they were, or nobody said why).
    pub fn reason_text(&self, lang: text::Lang) -> Option<String> {
        self.failure.as_ref().map(|why| why.text(lang))
    }
}

/// A whole tour: the story and every fact it was told from. `--json` prints this.
#[derive(Debug, Clone, Serialize)]
pub struct Tour {
    /// The URL browsed.
    pub url: String,
    /// The fault injected.
    pub fault: Option<Fault>,
    /// The lab's address table.
    pub lab: Vec<HostRow>,
    /// Namespaces or loopback, and why.
    pub placement: crate::Placement,
    /// Each visit, as the browser saw it.
    pub visits: Vec<VisitRecord>,
    /// What the capture could do.
    pub capture: CaptureStatus,
    /// Every captured packet, decoded.
    pub packets: Vec<wire::Packet>,
    /// Each TCP connection, reconstructed from the packets.
    pub connections: Vec<wire::TcpConnection>,
    /// The TIME_WAIT sockets the kernel showed after the close.
    pub time_wait: Vec<TimeWaitSeen>,
    /// Every report the lab's parts made.
    pub events: Vec<journey::Event>,
    /// The story, as the renderers tell it, in the tour's language.
    pub story: journey::story::Story,
    /// The same story in every language, the tour's first (for the HTML page's switch).
    #[serde(skip)]
    pub tellings: Vec<journey::story::Story>,
    /// Wall-clock milliseconds the tour took, lab start to lab stop.
    pub wall_ms: f64,
    /// Each TLS connection, read from the packets with the browser's secrets.
    pub tls: Vec<wire::TlsSession>,
    /// The browser's TLS secrets (NSS key-log lines: `--keylog`, and the pcapng's DSB).
    #[serde(skip)]
    pub keylog: wire::KeyLog,
}

/// Why a tour could not be told.
#[derive(Debug, thiserror::Error)]
pub enum TourError {
    #[error(transparent)]
    Lab(#[from] crate::LabError),
    #[error("{0}")]
    Usage(String),
}

/// The lab's home page URL (with the port when it is not 80).
pub fn home_url(config: &LabConfig) -> String {
    url_on(config, &config.web.name, "/")
}

/// The address a person would type for `host`: `http://` on port 80, which the browser's HSTS
/// then makes `https://` before any packet. On a lab moved to unprivileged ports (an ordinary
/// user's loopback fallback) HSTS keeps an explicit port other than 80 (RFC 6797 §8.3), so
/// http on 8080 would become https on 8080: there the tour types the https address itself.
fn url_on(config: &LabConfig, host: &str, path: &str) -> String {
    match (config.http_port, config.https_port) {
        (80, _) => format!("http://{host}{path}"),
        (_, 443) => format!("https://{host}{path}"),
        (_, port) => format!("https://{host}:{port}{path}"),
    }
}

/// Runs a tour: lab up, capture, browse, close, TIME_WAIT, story.
pub fn run(options: TourOptions) -> Result<Tour, TourError> {
    let mut faults = Faults::default();
    let mut search = options.search.clone();
    // What to break first; the URL is made once the lab runs, with the ports it really has
    // (on the loopback fallback, an ordinary user's are 1053 and 8080).
    let planned = &options.config;
    match options.fault {
        None | Some(Fault::Nxdomain) => {}
        Some(Fault::Loss) => faults.loss = true,
        Some(Fault::CertExpired) => faults.certificate = Some(crate::ca::FaultyLeaf::Expired),
        Some(Fault::CertWrongName) => {
            faults.certificate = Some(crate::ca::FaultyLeaf::WrongName);
        }
        Some(Fault::RootDown) => {
            let first_root = planned
                .dns
                .iter()
                .find(|s| s.role == "root")
                .expect("the config has a root");
            faults.dead_dns.push(first_root.name.clone());
        }
        Some(fault @ (Fault::WasDown | Fault::WasSlow | Fault::DbDown)) => {
            faults.was_down = fault == Fault::WasDown;
            faults.was_stalled = fault == Fault::WasSlow;
            faults.db_down = fault == Fault::DbDown;
        }
    }
    if options.visits == 0 {
        return Err(TourError::Usage(text::t!(options.lang, "tour-visits-zero")));
    }
    // The loss fault needs routers of the lab's own: refused before anything starts.
    if options.fault == Some(Fault::Loss) {
        let why = match (planned.placement, crate::netns::isolation()) {
            (crate::config::Placement::Loopback, _) => {
                Some(text::t!(options.lang, "tour-loss-loopback-config"))
            }
            (_, crate::netns::Isolation::Refused { refusal, .. }) => {
                Some(refusal.text(options.lang))
            }
            _ => None,
        };
        if let Some(why) = why {
            return Err(TourError::Usage(text::t!(
                options.lang,
                "tour-loss-needs-network",
                why = why
            )));
        }
    }

    let collector = Arc::new(journey::Collector::default());
    let started = Instant::now();
    let lab = crate::start(planned, &faults, collector.clone())?;
    // On loopback, the lab runs the config moved there: its addresses are the ones to use.
    let config = lab.config.clone();
    // The address table, its sentences in the tour's language (`--json`'s `lab`).
    let lab_hosts = lab
        .hosts
        .iter()
        .map(|row| crate::HostRow {
            detail: row.serves.text(options.lang),
            ..row.clone()
        })
        .collect();
    let default_url = match options.fault {
        None | Some(Fault::RootDown | Fault::Loss) => home_url(&config),
        // The home page is refused at its handshake: there is no page to search from.
        Some(Fault::CertExpired | Fault::CertWrongName) => {
            search = None;
            home_url(&config)
        }
        Some(Fault::Nxdomain) => {
            search = None;
            let apex = config
                .web
                .name
                .split_once('.')
                .map_or(config.web.name.as_str(), |(_, apex)| apex);
            url_on(&config, &format!("no-such-host.{apex}"), "/")
        }
        Some(Fault::WasDown | Fault::WasSlow | Fault::DbDown) => {
            let query = search.take().unwrap_or_else(|| "tcp".into());
            url_on(&config, &config.web.name, &format!("/search?q={query}"))
        }
    };
    let url = options.url.clone().unwrap_or(default_url);
    // Search only from the lab's home page, as a person would after it loaded.
    if url != home_url(&config) {
        search = None;
    }
    let (capture, capture_error) = capture::start(&lab);

    let t0 = SystemTime::now();
    // On loopback the browser's traffic is told apart by its own source address; on its own
    // host it has no other.
    let source = lab
        .network()
        .is_none()
        .then_some(IpAddr::V4(config.browser));
    // The browser trusts the lab's own CA (and only this browser does), and keeps the TLS
    // secrets in memory so that the story can read the encrypted records it captured.
    let key_log = Arc::new(MemoryKeyLog::default());
    let browser_config = browser::BrowserConfig {
        bind: source,
        // A lab's faults should show in seconds, not minutes.
        request_timeout: Duration::from_secs_f64(config.web.upstream_timeout + 5.0),
        extra_roots: vec![lab.ca.root_der().clone()],
        key_log: Some(key_log.clone()),
        lang: options.lang,
        ..browser::BrowserConfig::default()
    };
    let names = browser::Names::new(
        browser::hosts_file::HostsFile::load(std::path::Path::new("/etc/hosts")),
        Some(browser::HostCache::in_memory()),
        browser::NameService::Resolver(config.resolver_addr()),
    )
    .with_source(source);
    // The browser's HSTS: its built-in preload list (google.com, as in real browsers) and a
    // store as fresh as its host cache.
    let mut client = browser::Browser::new(names, browser_config, collector.clone());
    if options.hsts {
        client = client.with_hsts(browser::hsts::Hsts::in_memory());
    }
    // The search box's form is on the page, so its address is the page's own: `https://`
    // once HSTS or a redirect made it so.
    let search_path = search
        .as_ref()
        .map(|q| format!("/search?q={}", encode_query(q)));

    let fetch = async |client: &mut browser::Browser, number: usize, target: String| match client
        .get(&target)
        .await
    {
        Ok(visit) => VisitRecord {
            number,
            url: target,
            visit: Some(visit),
            error: None,
        },
        Err(err) => VisitRecord {
            number,
            url: target,
            visit: None,
            error: Some(err.describe(options.lang)),
        },
    };
    let browsing = async {
        let mut visits = Vec::new();
        let mut closed = Vec::new();
        for number in 1..=options.visits {
            // Between visits the browser lets its connection go, as after a tab is closed: so
            // the next visit starts again from the name, and meets the caches.
            if number > 1 {
                closed.extend(client.close().await);
            }
            let home = fetch(&mut client, number, url.clone()).await;
            // Searched from the page that loaded (or, had it failed, from the typed address).
            let search_url = search_path.as_ref().map(|path| {
                let page = home
                    .visit
                    .as_ref()
                    .map_or(url.as_str(), |visit| visit.last().url.as_str());
                url::Url::parse(page)
                    .and_then(|page| page.join(path))
                    .map_or_else(|_| format!("{url}{path}"), String::from)
            });
            visits.push(home);
            if let Some(search_url) = search_url {
                visits.push(fetch(&mut client, number, search_url).await);
            }
        }
        closed.extend(client.close().await);
        (visits, closed)
    };
    // The browser runs on its own host: the laptop's namespace (or here, on loopback).
    let (visits, closed) = lab
        .on_host(&config.browser_name, || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map(|runtime| runtime.block_on(browsing))
        })
        .and_then(|made| made)
        .map_err(|err| {
            TourError::Usage(text::t!(
                options.lang,
                "tour-browser-runtime",
                error = text::io_error(options.lang, &err)
            ))
        })?;

    // The close is done when the browser's socket shows TIME_WAIT in the kernel's table (or,
    // when the server closed first, on the server's side). Bounded: a second at most.
    // Each host's own socket table: the browser's host is asked first (and waited on), then
    // the web server's, which should hold nothing for the connection.
    let mut time_wait = Vec::new();
    for conn in &closed {
        let seen = lab
            .on_host(&config.browser_name, || {
                wire::sockets::wait_for_time_wait(conn.local, conn.remote, Duration::from_secs(1))
            })
            .ok()
            .and_then(Result::ok)
            .flatten();
        let on_server = match lab.network() {
            None => None,
            Some(_) => lab
                .on_host(&config.web.name, || {
                    wire::sockets::time_wait_between(conn.local, conn.remote)
                })
                .ok()
                .and_then(Result::ok)
                .map(|found| found.map(|tw| tw.holder)),
        };
        time_wait.push(TimeWaitSeen {
            local: conn.local,
            remote: conn.remote,
            holder: seen.as_ref().map(|tw| tw.holder),
            remaining_secs: seen.as_ref().map(|tw| tw.remaining.as_secs_f64()),
            seen_at_ms: ms_between(t0, SystemTime::now()),
            host: lab.network().map(|_| config.browser_name.clone()),
            server_host: lab.network().map(|_| config.web.name.clone()),
            on_server_host: on_server,
        });
    }

    // `stop` reads what the kernel has queued, so the close's last ACK is in.
    let (packets, capture_status) = match capture {
        Some(capture) => {
            let report = capture.stop();
            let status = CaptureStatus {
                captured: true,
                reason: None,
                failure: None,
                received: report.stats.received,
                dropped: report.stats.dropped,
            };
            (report.packets, status)
        }
        None => (
            Vec::new(),
            CaptureStatus {
                captured: false,
                reason: capture_error.as_ref().map(|why| why.text(options.lang)),
                failure: capture_error.map(Arc::new),
                received: 0,
                dropped: 0,
            },
        ),
    };
    // In each language: the story is told in the tour's, and the HTML page has both.
    let resolver_cache =
        text::Lang::ALL.map(|lang| story::resolver_cache_lines(lang, lab.resolver(), &visits, t0));
    let placement = lab.placement.clone();
    lab.stop();
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;

    let connections = wire::connections(&packets);
    let keylog = key_log.take();
    let tls = wire::tls_sessions(&packets, &keylog);
    let events = collector.events();
    let facts = story::Facts {
        lang: options.lang,
        config: &config,
        fault: options.fault,
        t0,
        visits: &visits,
        packets: &packets,
        connections: &connections,
        events: &events,
        time_wait: &time_wait,
        capture: &capture_status,
        resolver_cache: &resolver_cache[options.lang.index()],
        tls: &tls,
    };
    let story = story::build(&url, &facts);
    let mut tellings = vec![story.clone()];
    for lang in text::Lang::ALL.into_iter().filter(|l| *l != options.lang) {
        let resolver_cache = &resolver_cache[lang.index()];
        tellings.push(story::build(
            &url,
            &story::Facts {
                lang,
                resolver_cache,
                ..facts
            },
        ));
    }
    Ok(Tour {
        url,
        fault: options.fault,
        lab: lab_hosts,
        placement,
        visits,
        capture: capture_status,
        packets,
        connections,
        time_wait,
        events,
        story,
        tellings,
        wall_ms,
        tls,
        keylog,
    })
}

/// The browser's TLS secrets, kept in memory for the story (rustls's KeyLog).
#[derive(Debug, Default)]
struct MemoryKeyLog(std::sync::Mutex<wire::KeyLog>);

impl MemoryKeyLog {
    fn take(&self) -> wire::KeyLog {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl rustls::KeyLog for MemoryKeyLog {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .add(label, client_random, secret);
    }
}

/// Milliseconds from `t0` to `at` (negative when `at` is earlier).
fn ms_between(t0: SystemTime, at: SystemTime) -> f64 {
    match at.duration_since(t0) {
        Ok(d) => d.as_secs_f64() * 1000.0,
        Err(e) => -e.duration().as_secs_f64() * 1000.0,
    }
}

/// A search query as a form would send it (application/x-www-form-urlencoded).
fn encode_query(query: &str) -> String {
    url::form_urlencoded::byte_serialize(query.as_bytes()).collect()
}
