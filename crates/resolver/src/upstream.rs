//! Iterative queries to authoritative servers, and what the resolver remembers about those
//! servers (Unbound's "infrastructure cache": smoothed round-trip time, back-off of dead ones).
//!
//! A query enters at [`Upstream::ask`]. Each query gets a random ID and a fresh socket, so a
//! random source port (RFC 5452 §9.2); the socket is connected, so the kernel drops datagrams
//! from any other address or port, and a response counts only if its ID and question match
//! too (RFC 5452 §9.1). The query carries EDNS0 with a 1232-octet buffer; a truncated answer
//! (TC=1) is asked again over TCP (RFC 7766).
//!
//! Two resolutions that need the same question from the same server at the same time — the A
//! and the AAAA walk of one name both ask the root `com. A` under QNAME minimisation — share
//! one query: the second waits for the first's answer and is told it did ([`Asked::shared`]).
//! Unbound shares its "serviced queries" the same way; it halves the upstream load of a
//! dual-stack lookup's walk.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use bytes::Bytes;
use dns::Name;
use domain::base::iana::Class;
use domain::base::{Message, MessageBuilder, Rtype, ToName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

/// The EDNS0 UDP buffer size offered upstream (DNS flag day 2020).
pub const EDNS_BUFFER: u16 = 1232;

/// The round-trip estimate for a server never asked before (Unbound uses 376 ms; loopback labs
/// answer in well under a millisecond, so the estimate is soon replaced).
pub const UNKNOWN_RTT: Duration = Duration::from_millis(376);

/// How long to wait for one answer: three smoothed RTTs plus a margin, within these bounds.
pub const MIN_TIMEOUT: Duration = Duration::from_millis(200);
/// The longest wait for one answer.
pub const MAX_TIMEOUT: Duration = Duration::from_millis(1500);

/// After this many failures in a row a server is left alone for [`BACKOFF`].
pub const FAILURES_BEFORE_BACKOFF: u32 = 2;
/// How long a failing server is skipped (while another server of the zone is available).
pub const BACKOFF: Duration = Duration::from_secs(30);

/// How the answer came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Over UDP.
    Udp,
    /// Over TCP, after a truncated UDP answer.
    Tcp,
}

/// An upstream server's answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The response, checked to answer our question.
    pub message: Message<Bytes>,
    /// How long it took.
    pub rtt: Duration,
    /// UDP, or TCP after TC=1.
    pub transport: Transport,
}

/// Why no answer came.
#[derive(Debug, Clone, thiserror::Error)]
pub enum UpstreamError {
    /// Nothing came in time.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The network said no (ICMP port unreachable on loopback: nothing listens there).
    #[error("{text}")]
    Io {
        /// The system's words for it.
        text: String,
        /// The system's error number, to tell it in another language.
        code: Option<i32>,
    },
    /// Something came that is not an answer to our question.
    #[error("malformed response: {0}")]
    Malformed(Malformed),
}

impl UpstreamError {
    fn io(err: std::io::Error) -> UpstreamError {
        UpstreamError::Io {
            text: err.to_string(),
            code: err.raw_os_error(),
        }
    }

    /// Why no answer came, in `lang`.
    pub fn describe(&self, lang: text::Lang) -> String {
        match self {
            UpstreamError::Timeout(after) => {
                text::t!(lang, "upstream-timeout", after = format!("{after:?}"))
            }
            UpstreamError::Io {
                code: Some(code), ..
            } => text::io_error(lang, &std::io::Error::from_raw_os_error(*code)),
            UpstreamError::Io { text, code: None } => text.clone(),
            UpstreamError::Malformed(why) => {
                text::t!(lang, "upstream-malformed", why = why.describe(lang))
            }
        }
    }
}

/// How a response failed to answer our question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// Fewer octets than a DNS header.
    Short,
    /// QR unset, or another ID.
    NotOurId,
    /// Not exactly one question.
    NotOneQuestion,
    /// Another name, type or class.
    OtherQuestion,
    /// The question section does not parse.
    QuestionSection,
    /// A record does not parse.
    Record,
    /// A section does not parse.
    Section,
}

impl Malformed {
    /// The reason in `lang`.
    pub fn describe(self, lang: text::Lang) -> String {
        use text::t;
        match self {
            Malformed::Short => t!(lang, "malformed-short"),
            Malformed::NotOurId => t!(lang, "malformed-id"),
            Malformed::NotOneQuestion => t!(lang, "malformed-question-count"),
            Malformed::OtherQuestion => t!(lang, "malformed-other-question"),
            Malformed::QuestionSection => t!(lang, "malformed-question-section"),
            Malformed::Record => t!(lang, "malformed-record"),
            Malformed::Section => t!(lang, "malformed-section"),
        }
    }
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(text::Lang::En))
    }
}

#[derive(Debug, Clone, Copy)]
struct ServerStats {
    srtt: Duration,
    failures: u32,
    backoff_until: Option<Instant>,
}

/// The outcome of [`Upstream::ask`].
#[derive(Debug, Clone)]
pub struct Asked {
    /// The server's answer, or why none came.
    pub result: Result<Reply, UpstreamError>,
    /// Whether this question joined an identical one already in flight to the same server
    /// instead of sending a query of its own (no packet of its own was sent).
    pub shared: bool,
}

/// A question to one server: its address, the name in lower-case wire form, the type.
type QueryKey = (IpAddr, Box<[u8]>, u16);

/// Queries in flight, each with the channel its answer will be published on.
type InFlight = HashMap<QueryKey, watch::Sender<Option<Result<Reply, UpstreamError>>>>;

/// Sends iterative queries and keeps per-server statistics.
#[derive(Debug)]
pub struct Upstream {
    port: u16,
    spread_load: bool,
    source: Option<IpAddr>,
    servers: Mutex<HashMap<IpAddr, ServerStats>>,
    in_flight: Mutex<InFlight>,
}

/// Removes the leader's entry from the in-flight map however its query ends (answered,
/// failed, or its future dropped), so that a later question sends its own query.
struct Leading<'a> {
    in_flight: &'a Mutex<InFlight>,
    key: Option<QueryKey>,
}

impl Leading<'_> {
    fn finish(mut self, result: &Result<Reply, UpstreamError>) {
        if let Some(sender) = self.take() {
            // Nobody waiting is not an error.
            let _ = sender.send(Some(result.clone()));
        }
    }

    fn take(&mut self) -> Option<watch::Sender<Option<Result<Reply, UpstreamError>>>> {
        let key = self.key.take()?;
        lock(self.in_flight).remove(&key)
    }
}

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        // Dropping the sender wakes the waiters with an error: they ask on their own.
        drop(self.take());
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Upstream {
    /// Asks every server on `port` (53 on the internet; the lab's shared port otherwise);
    /// `spread_load` breaks ties between equal servers at random (else: in listed order).
    pub fn new(port: u16, spread_load: bool) -> Self {
        Upstream {
            port,
            spread_load,
            source: None,
            servers: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(HashMap::new()),
        }
    }

    /// Sends every query from `source` (its port still random), as a host with its own
    /// address does.
    pub fn with_source(mut self, source: Option<IpAddr>) -> Self {
        self.source = source;
        self
    }

    /// The port servers are asked on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Orders `addresses` best first: servers not backing off before those that are, then by
    /// smoothed RTT (unknown servers at [`UNKNOWN_RTT`]), ties broken at random so that load
    /// spreads over equal servers (or in the listed order, without `spread_load`).
    pub fn rank(&self, addresses: &mut [IpAddr]) {
        let now = Instant::now();
        let stats = self.servers.lock().unwrap_or_else(|e| e.into_inner());
        let mut keyed: Vec<(bool, Duration, u32, IpAddr)> = addresses
            .iter()
            .enumerate()
            .map(|(listed, ip)| {
                let s = stats.get(ip);
                let backing_off = s
                    .and_then(|s| s.backoff_until)
                    .is_some_and(|until| until > now);
                (
                    backing_off,
                    s.map_or(UNKNOWN_RTT, |s| s.srtt),
                    if self.spread_load {
                        rand::random::<u32>()
                    } else {
                        listed as u32
                    },
                    *ip,
                )
            })
            .collect();
        keyed.sort();
        for (slot, (.., ip)) in addresses.iter_mut().zip(keyed) {
            *slot = ip;
        }
    }

    fn timeout_for(&self, server: IpAddr) -> Duration {
        let stats = self.servers.lock().unwrap_or_else(|e| e.into_inner());
        let srtt = stats.get(&server).map_or(UNKNOWN_RTT, |s| s.srtt);
        (srtt * 3 + Duration::from_millis(50)).clamp(MIN_TIMEOUT, MAX_TIMEOUT)
    }

    fn record(&self, server: IpAddr, outcome: Result<Duration, ()>) {
        let mut stats = self.servers.lock().unwrap_or_else(|e| e.into_inner());
        let entry = stats.entry(server).or_insert(ServerStats {
            srtt: UNKNOWN_RTT,
            failures: 0,
            backoff_until: None,
        });
        match outcome {
            Ok(rtt) => {
                // RFC 6298's smoothing, as resolvers use it for server selection.
                entry.srtt = if entry.failures == 0 && entry.srtt == UNKNOWN_RTT {
                    rtt
                } else {
                    (entry.srtt * 7 + rtt) / 8
                };
                entry.failures = 0;
                entry.backoff_until = None;
            }
            Err(()) => {
                entry.failures += 1;
                entry.srtt = (entry.srtt * 2).min(MAX_TIMEOUT * 4);
                if entry.failures >= FAILURES_BEFORE_BACKOFF {
                    entry.backoff_until = Some(Instant::now() + BACKOFF);
                }
            }
        }
    }

    /// Asks `server` (on the upstream port) for `qname`/`qtype` with RD=0.
    /// An identical question already in flight to `server` is joined rather than asked again.
    pub async fn ask(&self, server: IpAddr, qname: &Name, qtype: Rtype) -> Asked {
        let key: QueryKey = (server, dns::name_key(qname), qtype.to_int());
        let joined = {
            let mut in_flight = lock(&self.in_flight);
            match in_flight.get(&key) {
                Some(sender) => Some(sender.subscribe()),
                None => {
                    in_flight.insert(key.clone(), watch::channel(None).0);
                    None
                }
            }
        };
        let Some(mut waiting) = joined else {
            let leading = Leading {
                in_flight: &self.in_flight,
                key: Some(key),
            };
            let result = self.ask_alone(server, qname, qtype).await;
            leading.finish(&result);
            return Asked {
                result,
                shared: false,
            };
        };
        loop {
            if let Some(result) = waiting.borrow_and_update().clone() {
                return Asked {
                    result,
                    shared: true,
                };
            }
            if waiting.changed().await.is_err() {
                // The query we waited for was abandoned: send our own.
                return Asked {
                    result: self.ask_alone(server, qname, qtype).await,
                    shared: false,
                };
            }
        }
    }

    async fn ask_alone(
        &self,
        server: IpAddr,
        qname: &Name,
        qtype: Rtype,
    ) -> Result<Reply, UpstreamError> {
        let addr = SocketAddr::new(server, self.port);
        let timeout = self.timeout_for(server);
        let started = Instant::now();
        let result = exchange_from(self.source, addr, qname, qtype, false, timeout).await;
        self.record(
            server,
            result.as_ref().map(|_| started.elapsed()).map_err(|_| ()),
        );
        result.map(|(message, transport)| Reply {
            message,
            rtt: started.elapsed(),
            transport,
        })
    }
}

/// One query to `addr` — RD as given: `false` for an iterative query, `true` for a stub's
/// recursive query to a resolver — with the same protections as [`Upstream::ask`] (random ID
/// and port, exact matching, EDNS0, TC -> TCP), but no server statistics.
pub async fn exchange(
    addr: SocketAddr,
    qname: &Name,
    qtype: Rtype,
    recursion_desired: bool,
    timeout: Duration,
) -> Result<(Message<Bytes>, Transport), UpstreamError> {
    exchange_from(None, addr, qname, qtype, recursion_desired, timeout).await
}

/// [`exchange`] from a given source address (its port still random): a host with several
/// addresses, like each of the lab's hosts on one loopback interface, asks from its own.
pub async fn exchange_from(
    source: Option<IpAddr>,
    addr: SocketAddr,
    qname: &Name,
    qtype: Rtype,
    recursion_desired: bool,
    timeout: Duration,
) -> Result<(Message<Bytes>, Transport), UpstreamError> {
    let id: u16 = rand::random();
    let query = build_query(id, qname, qtype, recursion_desired);
    let io = UpstreamError::io;
    let bind: SocketAddr = match (source, addr) {
        (Some(source), _) => (source, 0).into(),
        (None, SocketAddr::V4(_)) => (std::net::Ipv4Addr::UNSPECIFIED, 0).into(),
        (None, SocketAddr::V6(_)) => (std::net::Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(bind).await.map_err(io)?;
    socket.connect(addr).await.map_err(io)?;
    socket.send(&query).await.map_err(io)?;
    let deadline = tokio::time::Instant::now() + timeout;
    // Room for what we advertised (EDNS_BUFFER) and more; a larger datagram is cut, fails to
    // parse, and is ignored like any other bad one.
    let mut buf = [0u8; 4096];
    let message = loop {
        let len = match tokio::time::timeout_at(deadline, socket.recv(&mut buf)).await {
            Err(_) => return Err(UpstreamError::Timeout(timeout)),
            Ok(Err(err)) => return Err(io(err)),
            Ok(Ok(len)) => len,
        };
        // A datagram that is not our answer (wrong ID or question: a spoofing attempt, or a
        // late answer to an earlier query) is ignored, and we go on waiting (RFC 5452 §9.1).
        if let Ok(message) = accept(&buf[..len], id, qname, qtype) {
            break message;
        }
    };
    if !message.header().tc() {
        return Ok((message, Transport::Udp));
    }
    let remaining = deadline
        .saturating_duration_since(tokio::time::Instant::now())
        .max(MIN_TIMEOUT);
    let tcp = tokio::time::timeout(remaining, ask_tcp(source, addr, &query, id, qname, qtype))
        .await
        .map_err(|_| UpstreamError::Timeout(remaining))??;
    Ok((tcp, Transport::Tcp))
}

async fn ask_tcp(
    source: Option<IpAddr>,
    addr: SocketAddr,
    query: &[u8],
    id: u16,
    qname: &Name,
    qtype: Rtype,
) -> Result<Message<Bytes>, UpstreamError> {
    let io = UpstreamError::io;
    let mut stream = match source {
        None => TcpStream::connect(addr).await.map_err(io)?,
        Some(source) => {
            let socket = match addr {
                SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4(),
                SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6(),
            }
            .map_err(io)?;
            socket.bind((source, 0).into()).map_err(io)?;
            socket.connect(addr).await.map_err(io)?
        }
    };
    let mut framed = (query.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(query);
    stream.write_all(&framed).await.map_err(io)?;
    let mut prefix = [0u8; 2];
    stream.read_exact(&mut prefix).await.map_err(io)?;
    let mut buf = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
    stream.read_exact(&mut buf).await.map_err(io)?;
    accept(&buf, id, qname, qtype)
}

/// The response if it answers our query: QR=1, our ID, our question exactly (name compared
/// without regard to case), and every record in it parseable.
pub(crate) fn accept(
    bytes: &[u8],
    id: u16,
    qname: &Name,
    qtype: Rtype,
) -> Result<Message<Bytes>, UpstreamError> {
    let message = Message::from_octets(Bytes::copy_from_slice(bytes))
        .map_err(|_| UpstreamError::Malformed(Malformed::Short))?;
    let header = message.header();
    if !header.qr() || header.id() != id {
        return Err(UpstreamError::Malformed(Malformed::NotOurId));
    }
    let question = message
        .sole_question()
        .map_err(|_| UpstreamError::Malformed(Malformed::NotOneQuestion))?;
    if question.qtype() != qtype
        || question.qclass() != Class::IN
        || !question.qname().name_eq(qname)
    {
        return Err(UpstreamError::Malformed(Malformed::OtherQuestion));
    }
    // Walk every section once so that later code can trust the records parse.
    let mut section = Some(
        message
            .answer()
            .map_err(|_| UpstreamError::Malformed(Malformed::QuestionSection))?,
    );
    while let Some(records) = section.take() {
        let mut records = records;
        for record in &mut records {
            record.map_err(|_| UpstreamError::Malformed(Malformed::Record))?;
        }
        section = records
            .next_section()
            .map_err(|_| UpstreamError::Malformed(Malformed::Section))?;
    }
    Ok(message)
}

/// A query: RD as given, EDNS0 with our buffer size, no DNSSEC.
pub fn build_query(id: u16, qname: &Name, qtype: Rtype, recursion_desired: bool) -> Vec<u8> {
    let mut builder = MessageBuilder::new_vec();
    builder.header_mut().set_id(id);
    builder.header_mut().set_rd(recursion_desired);
    let mut question = builder.question();
    question
        .push((qname, qtype, Class::IN))
        .expect("a name fits a message");
    let mut additional = question.additional();
    additional
        .opt(|opt| {
            opt.set_udp_payload_size(EDNS_BUFFER);
            Ok(())
        })
        .expect("OPT fits");
    additional.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_servers_keep_their_listed_order_without_load_spreading() {
        let upstream = Upstream::new(53, false);
        let listed: Vec<IpAddr> = (2..=9).map(|n| IpAddr::from([127, 0, 0, n])).collect();
        for _ in 0..10 {
            let mut ranked = listed.clone();
            upstream.rank(&mut ranked);
            assert_eq!(ranked, listed);
        }
    }

    #[test]
    fn equal_servers_are_shuffled_with_load_spreading() {
        let upstream = Upstream::new(53, true);
        let listed: Vec<IpAddr> = (2..=9).map(|n| IpAddr::from([127, 0, 0, n])).collect();
        // 8! orders: twenty draws all equal to the listed one would be a broken shuffle.
        let shuffled = (0..20).any(|_| {
            let mut ranked = listed.clone();
            upstream.rank(&mut ranked);
            ranked != listed
        });
        assert!(shuffled);
    }
}
