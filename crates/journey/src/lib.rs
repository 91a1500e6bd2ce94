//! The journey: the vocabulary every part of `roundtrip` uses to report what it did.
//!
//! A request's journey is a list of timestamped [`Event`]s, each from a [`Host`] and each either
//! captured on the wire or reported by the part itself ([`Source`]). Parts never render; they
//! take a [`Reporter`] and call [`Reporter::report`]. The default reporter, [`Silent`], costs a
//! virtual call and nothing else, so long-running servers pay nothing for being observable.
//!
//! A request enters here at [`Reporter::report`]; [`Collector`] keeps the events for renderers.
//! The tour turns them, with the captured packets, into a [`story::Story`], which [`story`]
//! renders as terminal text, a waterfall, JSON and a self-contained HTML page.

pub mod story;

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::SystemTime;

/// Where an event's knowledge comes from: DESIGN.md's "two sources that must agree".
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A packet that crossed the wire and was captured.
    Wire,
    /// A part's own account of its decision.
    Reported,
    /// A conclusion drawn from captured packets that no single packet says (who closed first,
    /// and so who holds TIME_WAIT).
    Inferred,
}

/// A host of the lab (or the real internet), named as the person would name it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Host {
    /// A role such as `root`, `tld`, `authoritative`, `resolver`, `web`.
    pub role: String,
    /// The address the host serves on.
    pub addr: SocketAddr,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// An authoritative server answered a DNS query.
    DnsAnswered {
        /// The client that asked.
        client: SocketAddr,
        /// The question, in presentation form: `www.google.com. IN A`.
        question: String,
        /// The kind of answer: `answer`, `referral`, `nxdomain`, `nodata`, `refused`, ...
        outcome: String,
        /// The response code's mnemonic, `NOERROR`, `NXDOMAIN`, ...
        rcode: String,
        /// UDP or TCP.
        transport: String,
    },
    /// A resolver sent an iterative query (or took a delegation from its cache).
    ResolverHop {
        /// 0 for the client's question, 1+ for glueless NS lookups it needed.
        depth: usize,
        /// The zone the server was asked as an authority for: `.`, `com.`, `google.com.`.
        layer: String,
        /// The server's name, when known.
        name_server: Option<String>,
        /// What was asked: `com. A` (minimised) or `www.google.com. A`.
        question: String,
        /// `referral`, `answer`, `nxdomain`, `nodata`, `lame`, `timeout` or `error`.
        outcome: String,
        /// Round-trip time in milliseconds, if a response came.
        rtt_ms: Option<f64>,
        /// Whether the step came from the cache.
        cached: bool,
        /// Whether the question joined an identical one already in flight to the same server
        /// (another resolution's query): no packet of its own was sent for it.
        shared: bool,
    },
    /// A web server answered an HTTP request, and says how it decided.
    HttpServed {
        /// The client's address and port, as the server's socket saw it.
        client: SocketAddr,
        /// `GET`, `HEAD`, `POST`, ...
        method: String,
        /// The request target as sent: `/search?q=dns`.
        target: String,
        /// The Host header (virtual host), if any.
        host_header: Option<String>,
        /// `static`, `proxied`, `redirect`, `not_found`, `refused` (a limit) or `error`.
        decision: String,
        /// The file served, for static answers, relative to the document root.
        file: Option<String>,
        /// The upstream that answered, for proxied requests.
        upstream: Option<SocketAddr>,
        /// The status code sent.
        status: u16,
        /// Body bytes sent.
        bytes: u64,
        /// Time from the request head read to the response head sent, in milliseconds.
        duration_ms: f64,
    },
    /// An application server's handler ran.
    WasHandled {
        /// The handler's name: `search`, `add_document`, `health`.
        handler: String,
        /// `GET`, `POST`, ...
        method: String,
        /// The request target: `/search?q=dns`.
        target: String,
        /// The status code sent.
        status: u16,
        /// The handler's whole time, in milliseconds (Server-Timing `app`).
        app_ms: f64,
        /// The part of it spent in the database (Server-Timing `db`).
        db_ms: f64,
    },
    /// An application server ran one SQL statement.
    SqlRan {
        /// The database kind: `sqlite` or `postgres`.
        database: String,
        /// The statement as sent, with its placeholders (`$1`, `$2`).
        statement: String,
        /// The values bound to the placeholders, in order (`$1` first), as the WAS passed
        /// them: text quoted SQL-style, numbers bare. Empty for a statement without any.
        params: Vec<String>,
        /// Rows returned or affected.
        rows: u64,
        /// How long the statement took, in milliseconds.
        duration_ms: f64,
        /// The error, if it failed.
        error: Option<String>,
    },
}

/// One thing that happened, when, where, and how we know.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Event {
    /// Wall-clock time of the event.
    pub at: SystemTime,
    /// The host the event happened on.
    pub host: Host,
    /// Captured or reported.
    pub source: Source,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// Receives events from the parts of the journey. Implementations must be cheap: servers call
/// this on their hot path when a journey is being recorded.
pub trait Reporter: Send + Sync {
    /// Records one event.
    fn report(&self, event: Event);
    /// Whether anybody listens; parts skip building events when this is false.
    fn enabled(&self) -> bool {
        true
    }
}

/// The reporter of a server nobody is watching.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Reporter for Silent {
    fn report(&self, _event: Event) {}
    fn enabled(&self) -> bool {
        false
    }
}

/// A reporter that keeps every event, in order of arrival.
#[derive(Debug, Default)]
pub struct Collector {
    events: Mutex<Vec<Event>>,
}

impl Collector {
    /// A copy of the events so far.
    pub fn events(&self) -> Vec<Event> {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Reporter for Collector {
    fn report(&self, event: Event) {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(event);
    }
}
