//! One leg's phase timings, under the names people already know.
//!
//! ```text
//!  leg start (fetchStart = 0)
//!  |-- name lookup --|-- TCP connect --|-- TLS --|-- request --|-- wait --|-- download --|
//!                    ^ time_namelookup ^ time_connect              ^ time_starttransfer
//!                                                ^ time_appconnect              ^ time_total
//!                                                ^ time_pretransfer
//! ```
//!
//! curl `-w` names ([`Timings`]) are seconds, cumulative from the leg's start, as curl prints
//! them; W3C Resource Timing names ([`ResourceTiming`]) are milliseconds from the same start
//! (`fetchStart` = 0). On a reused connection there is no lookup and no connect: those marks
//! equal the leg's start, as Resource Timing specifies for a persistent connection. Without TLS
//! `time_appconnect` and `secureConnectionStart` are 0, as in curl and Resource Timing; with
//! TLS, curl's `time_connect` ends with the TCP handshake and `time_appconnect` with the TLS
//! one, while Resource Timing's `connectEnd` includes TLS and `secureConnectionStart` marks
//! where it began.
//! `responseStart`/`time_starttransfer` is when the response head has been read (hyper hands
//! over the head whole; on one segment, as here, that is the first byte's arrival too).

use serde::Serialize;
use tokio::time::Instant;

/// The instants of one leg's phases, as they happened.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Marks {
    pub start: Instant,
    pub lookup_start: Instant,
    pub lookup_end: Instant,
    pub connect_start: Instant,
    pub connect_end: Instant,
    /// The TLS handshake's start and end, for `https://` on a new connection.
    pub secure: Option<(Instant, Instant)>,
    pub request_start: Instant,
    pub response_start: Instant,
    pub response_end: Instant,
}

impl Marks {
    /// Every mark at `start`; the phases move them forward as they happen.
    pub fn new(start: Instant) -> Self {
        Marks {
            start,
            lookup_start: start,
            lookup_end: start,
            connect_start: start,
            connect_end: start,
            secure: None,
            request_start: start,
            response_start: start,
            response_end: start,
        }
    }

    pub fn timings(&self) -> Timings {
        let secs = |at: Instant| at.duration_since(self.start).as_secs_f64();
        let ms = |at: Instant| secs(at) * 1000.0;
        Timings {
            time_namelookup: secs(self.lookup_end),
            time_connect: secs(self.connect_end),
            time_appconnect: self.secure.map_or(0.0, |(_, end)| secs(end)),
            time_pretransfer: secs(self.request_start),
            time_starttransfer: secs(self.response_start),
            time_total: secs(self.response_end),
            resource_timing: ResourceTiming {
                fetch_start: 0.0,
                domain_lookup_start: ms(self.lookup_start),
                domain_lookup_end: ms(self.lookup_end),
                connect_start: ms(self.connect_start),
                // Resource Timing's connectEnd includes the TLS handshake; curl's time_connect
                // does not.
                connect_end: ms(self.secure.map_or(self.connect_end, |(_, end)| end)),
                secure_connection_start: self.secure.map_or(0.0, |(start, _)| ms(start)),
                request_start: ms(self.request_start),
                response_start: ms(self.response_start),
                response_end: ms(self.response_end),
            },
        }
    }
}

/// A leg's timings: curl's `-w` variables (seconds from the leg's start, cumulative) and the
/// W3C Resource Timing attributes (milliseconds from the leg's start).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Timings {
    /// Until the name was resolved (0 when a connection was reused).
    pub time_namelookup: f64,
    /// Until the TCP connection was established.
    pub time_connect: f64,
    /// Until the TLS handshake was done (0 without TLS, or on a reused connection).
    pub time_appconnect: f64,
    /// Until the request was about to be sent.
    pub time_pretransfer: f64,
    /// Until the response head arrived (time to first byte).
    pub time_starttransfer: f64,
    /// Until the body was read to its end.
    pub time_total: f64,
    /// The same instants under the W3C Resource Timing names.
    pub resource_timing: ResourceTiming,
}

/// W3C Resource Timing Level 2 attributes, in milliseconds from the leg's `fetchStart`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceTiming {
    pub fetch_start: f64,
    pub domain_lookup_start: f64,
    pub domain_lookup_end: f64,
    pub connect_start: f64,
    pub connect_end: f64,
    pub secure_connection_start: f64,
    pub request_start: f64,
    pub response_start: f64,
    pub response_end: f64,
}
