//! The hops of a resolution: which server was asked what, and what came back.
//!
//! The iterator records a [`Hop`] for every iterative query it sends (and one for a delegation
//! it took from its cache instead), so that `roundtrip dig +trace`, the tour and the journey can
//! show the walk `.` -> `com.` -> `google.com.` as it really happened. Field names follow
//! zdns's trace where they overlap (`layer`, `depth`, `name_server`, `cached`).

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use dns::Name;
use domain::base::Rtype;

use crate::upstream::Transport;

/// One step of a resolution.
#[derive(Debug, Clone)]
pub struct Hop {
    /// 0 for the client's question, 1 and more for the lookups of glueless NS names it needed.
    pub depth: usize,
    /// The zone the server was asked as an authority for (zdns: `layer`).
    pub layer: Name,
    /// The server's name, when known (zdns: `name_server`).
    pub server_name: Option<Name>,
    /// Its address and port; `None` for a delegation taken from the cache.
    pub server: Option<SocketAddr>,
    /// The name asked (shorter than the client's under QNAME minimisation).
    pub qname: Name,
    /// The type asked.
    pub qtype: Rtype,
    /// What came back.
    pub outcome: HopOutcome,
    /// How long the server took.
    pub rtt: Option<Duration>,
    /// Whether this step came from the cache rather than the network.
    pub cached: bool,
    /// UDP, or TCP after a truncated answer.
    pub transport: Option<Transport>,
}

/// What one server answered.
#[derive(Debug, Clone)]
pub enum HopOutcome {
    /// A referral to a child zone's servers, with the glue addresses that came with it.
    Referral {
        /// The child zone.
        zone: Name,
        /// Its name servers.
        name_servers: Vec<Name>,
        /// The glue accepted (in bailiwick, for those name servers).
        glue: Vec<(Name, IpAddr)>,
    },
    /// An answer: the records, in presentation form.
    Answer(Vec<String>),
    /// The name does not exist.
    NxDomain,
    /// The name exists without data of the type.
    NoData,
    /// The server is not authoritative for the zone it was delegated (or refused, or failed).
    Lame(String),
    /// No answer in time.
    Timeout,
    /// The network refused, or the answer was malformed.
    Error(String),
}

impl HopOutcome {
    /// One word for the outcome, as the JSON and the journey show it.
    pub fn kind(&self) -> &'static str {
        match self {
            HopOutcome::Referral { .. } => "referral",
            HopOutcome::Answer(_) => "answer",
            HopOutcome::NxDomain => "nxdomain",
            HopOutcome::NoData => "nodata",
            HopOutcome::Lame(_) => "lame",
            HopOutcome::Timeout => "timeout",
            HopOutcome::Error(_) => "error",
        }
    }
}

impl Hop {
    /// The zone asked, as `com.` (zdns: `layer`).
    pub fn layer_text(&self) -> String {
        self.layer.fmt_with_dot().to_string()
    }

    /// The server's name, as `a.gtld-servers.net.`, when known (zdns: `name_server`).
    pub fn name_server_text(&self) -> Option<String> {
        self.server_name
            .as_ref()
            .map(|n| n.fmt_with_dot().to_string())
    }

    /// What was asked, as `google.com. A`.
    pub fn question_text(&self) -> String {
        format!("{} {}", self.qname.fmt_with_dot(), self.qtype)
    }

    /// The round-trip time in milliseconds, if an answer came.
    pub fn rtt_ms(&self) -> Option<f64> {
        self.rtt.map(|d| d.as_secs_f64() * 1000.0)
    }
}

impl fmt::Display for Hop {
    /// One line: `[depth] layer @server (name): qname TYPE -> outcome (rtt)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let indent = "  ".repeat(self.depth);
        write!(f, "{indent}{:<16} ", self.layer.fmt_with_dot().to_string())?;
        match (&self.server, &self.server_name) {
            (Some(addr), Some(name)) => write!(f, "@{addr} ({}) ", name.fmt_with_dot())?,
            (Some(addr), None) => write!(f, "@{addr} ")?,
            (None, _) => write!(f, "(cache) ")?,
        }
        write!(f, "{} {} -> ", self.qname.fmt_with_dot(), self.qtype)?;
        match &self.outcome {
            HopOutcome::Referral {
                zone,
                name_servers,
                glue,
            } => {
                let names: Vec<String> = name_servers
                    .iter()
                    .map(|n| n.fmt_with_dot().to_string())
                    .collect();
                write!(
                    f,
                    "referral to {} NS {}",
                    zone.fmt_with_dot(),
                    names.join(" ")
                )?;
                if glue.is_empty() {
                    write!(f, " (no glue)")?;
                } else {
                    let glue: Vec<String> = glue
                        .iter()
                        .map(|(n, ip)| format!("{}={ip}", n.fmt_with_dot()))
                        .collect();
                    write!(f, " glue {}", glue.join(" "))?;
                }
            }
            HopOutcome::Answer(records) => write!(f, "answer {}", records.join(" | "))?,
            HopOutcome::NxDomain => write!(f, "NXDOMAIN")?,
            HopOutcome::NoData => write!(f, "NODATA")?,
            HopOutcome::Lame(why) => write!(f, "lame: {why}")?,
            HopOutcome::Timeout => write!(f, "timeout")?,
            HopOutcome::Error(why) => write!(f, "error: {why}")?,
        }
        if let Some(rtt) = self.rtt {
            write!(f, " ({:.1} ms", rtt.as_secs_f64() * 1000.0)?;
            if self.transport == Some(Transport::Tcp) {
                write!(f, ", TCP")?;
            }
            write!(f, ")")?;
        }
        Ok(())
    }
}
