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
use text::{Lang, t};

use crate::upstream::{Transport, UpstreamError};

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
    /// Whether the answer was another resolution's: the same question to the same server was
    /// already in flight, and this one waited for it instead of sending its own query.
    pub shared: bool,
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
    Lame(LameReason),
    /// No answer in time.
    Timeout,
    /// The network refused, or the answer was malformed.
    Error(UpstreamError),
}

/// Why a server's answer was taken as lame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LameReason {
    /// NXDOMAIN from a server that does not say it is authoritative.
    NxDomainWithoutAa,
    /// An error RCODE (`REFUSED`, `SERVFAIL`, ...).
    Rcode(String),
    /// Neither an answer with AA nor a referral below the zone it was asked for.
    NoReferral,
}

impl LameReason {
    /// The reason in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            LameReason::NxDomainWithoutAa => t!(lang, "lame-nxdomain-without-aa"),
            LameReason::Rcode(rcode) => t!(lang, "lame-rcode", rcode = rcode),
            LameReason::NoReferral => t!(lang, "lame-no-referral"),
        }
    }
}

impl fmt::Display for LameReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
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

    /// The hop as the journey records it.
    pub fn journey_kind(&self) -> journey::EventKind {
        journey::EventKind::ResolverHop {
            depth: self.depth,
            layer: self.layer_text(),
            name_server: self.name_server_text(),
            question: self.question_text(),
            outcome: self.outcome.kind().to_owned(),
            rtt_ms: self.rtt_ms(),
            cached: self.cached,
            shared: self.shared,
        }
    }
}

impl Hop {
    /// One line, as `dig +trace` shows a hop, in `lang`:
    /// `[depth] layer @server (name) qname TYPE -> outcome (rtt)`. The names, addresses, types,
    /// records and RCODEs stay as on the wire; the words around them are `lang`'s.
    pub fn describe(&self, lang: Lang) -> String {
        let indent = "  ".repeat(self.depth);
        let mut line = format!("{indent}{:<16} ", self.layer.fmt_with_dot().to_string());
        match (&self.server, &self.server_name) {
            (Some(addr), Some(name)) => {
                line.push_str(&format!("@{addr} ({}) ", name.fmt_with_dot()))
            }
            (Some(addr), None) => line.push_str(&format!("@{addr} ")),
            (None, _) => line.push_str(&format!("{} ", t!(lang, "hop-from-cache"))),
        }
        line.push_str(&format!("{} {} -> ", self.qname.fmt_with_dot(), self.qtype));
        let outcome = match &self.outcome {
            HopOutcome::Referral {
                zone,
                name_servers,
                glue,
            } => {
                let zone = zone.fmt_with_dot().to_string();
                let servers: Vec<String> = name_servers
                    .iter()
                    .map(|n| n.fmt_with_dot().to_string())
                    .collect();
                let servers = servers.join(" ");
                if glue.is_empty() {
                    t!(lang, "hop-referral-no-glue", zone = zone, servers = servers)
                } else {
                    let glue: Vec<String> = glue
                        .iter()
                        .map(|(n, ip)| format!("{}={ip}", n.fmt_with_dot()))
                        .collect();
                    t!(
                        lang,
                        "hop-referral",
                        zone = zone,
                        servers = servers,
                        glue = glue.join(" ")
                    )
                }
            }
            HopOutcome::Answer(records) => {
                t!(lang, "hop-answer", records = records.join(" | "))
            }
            HopOutcome::NxDomain => "NXDOMAIN".to_owned(),
            HopOutcome::NoData => "NODATA".to_owned(),
            HopOutcome::Lame(why) => t!(lang, "hop-lame", why = why.describe(lang)),
            HopOutcome::Timeout => t!(lang, "hop-timeout"),
            HopOutcome::Error(why) => t!(lang, "hop-error", why = why.describe(lang)),
        };
        line.push_str(&outcome);
        if let Some(rtt) = self.rtt {
            line.push_str(&format!(" ({:.1} ms", rtt.as_secs_f64() * 1000.0));
            if self.transport == Some(Transport::Tcp) {
                line.push_str(", TCP");
            }
            line.push(')');
        }
        if self.shared {
            line.push(' ');
            line.push_str(&t!(lang, "hop-shared"));
        }
        line
    }

    /// The detail of a lame, error or answer outcome, in `lang` (`dig +trace --json`).
    pub fn detail(&self, lang: Lang) -> Option<String> {
        match &self.outcome {
            HopOutcome::Lame(why) => Some(why.describe(lang)),
            HopOutcome::Error(why) => Some(why.describe(lang)),
            HopOutcome::Answer(records) => Some(records.join("\n")),
            _ => None,
        }
    }
}

impl fmt::Display for Hop {
    /// [`Hop::describe`] in English.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> Name {
        dns::parse_name(text).unwrap()
    }

    fn hop(outcome: HopOutcome) -> Hop {
        Hop {
            depth: 0,
            layer: name("."),
            server_name: Some(name("a.root-servers.net.")),
            server: Some("198.51.100.2:53".parse().unwrap()),
            qname: name("com."),
            qtype: Rtype::A,
            outcome,
            rtt: Some(Duration::from_micros(1500)),
            cached: false,
            transport: Some(Transport::Udp),
            shared: false,
        }
    }

    #[test]
    fn a_hop_line_in_korean_keeps_the_wire_and_english_stays_as_it_was() {
        use test_support::korean::{PROTOCOL_WORDS, english_outside_tokens};
        let referral = hop(HopOutcome::Referral {
            zone: name("com."),
            name_servers: vec![name("a.gtld-servers.net.")],
            glue: vec![(name("a.gtld-servers.net."), "198.51.100.5".parse().unwrap())],
        });
        assert_eq!(
            referral.to_string(),
            ".                @198.51.100.2:53 (a.root-servers.net.) com. A -> referral to com. \
             NS a.gtld-servers.net. glue a.gtld-servers.net.=198.51.100.5 (1.5 ms)"
        );
        assert_eq!(
            referral.describe(Lang::Ko),
            ".                @198.51.100.2:53 (a.root-servers.net.) com. A -> 위임: com. NS \
             a.gtld-servers.net., 글루 a.gtld-servers.net.=198.51.100.5 (1.5 ms)"
        );
        let mut cached = hop(HopOutcome::Timeout);
        cached.server = None;
        assert!(cached.to_string().contains("(cache) com. A -> timeout"));
        let outcomes = [
            HopOutcome::Referral {
                zone: name("com."),
                name_servers: vec![name("a.gtld-servers.net.")],
                glue: Vec::new(),
            },
            HopOutcome::Answer(vec!["com. 300 IN A 192.0.2.1".into()]),
            HopOutcome::NxDomain,
            HopOutcome::NoData,
            HopOutcome::Lame(LameReason::NxDomainWithoutAa),
            HopOutcome::Lame(LameReason::Rcode("REFUSED".into())),
            HopOutcome::Lame(LameReason::NoReferral),
            HopOutcome::Timeout,
            HopOutcome::Error(UpstreamError::Malformed(
                crate::upstream::Malformed::NotOurId,
            )),
        ];
        let mut lines = vec![cached.describe(Lang::Ko)];
        lines.extend(outcomes.into_iter().map(|o| hop(o).describe(Lang::Ko)));
        let text = lines.join("\n");
        let english = english_outside_tokens(&text, PROTOCOL_WORDS);
        assert!(english.is_empty(), "{text}\n{english:?}");
        assert_eq!(
            hop(HopOutcome::Lame(LameReason::NoReferral)).to_string(),
            ".                @198.51.100.2:53 (a.root-servers.net.) com. A -> lame: not \
             authoritative, and no referral below the zone (1.5 ms)"
        );
    }
}
