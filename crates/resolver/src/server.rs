//! The resolver's front: the sockets its clients (stub resolvers, browsers) send recursive
//! queries to.
//!
//! UDP workers read batches of queries and answer those the cache can answer at once; the rest
//! become resolution tasks on a small Tokio runtime, which answer when they are done. TCP
//! connections (RFC 7766) run on the same runtime. Only clients inside the allowed networks
//! get answers — loopback by default, since an open resolver is an amplification weapon —
//! everyone else gets REFUSED.

use std::io;
use std::net::{IpAddr, SocketAddr, TcpListener, UdpSocket};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use dns::Name;
use dns::query::{Rejection, check_query, write_error};
use dnsnet::quick::{Transport, quick_parse};
use dnsnet::{Inbox, Outbox, Worker, WorkerStopped, Workers};
use domain::base::iana::{Class, OptRcode, Rcode};
use domain::base::message_builder::{AdditionalBuilder, MessageBuilder, StaticCompressor};
use domain::base::{Message, Rtype, ToName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

use crate::iterate::{Resolution, Resolver};
use crate::response_cache::ResponseCache;

pub use dnsnet::quick::MAX_UDP_PAYLOAD;

/// Networks whose clients may use the resolver.
#[derive(Debug, Clone)]
pub struct Allow {
    networks: Vec<(IpAddr, u8)>,
}

impl Allow {
    /// 127.0.0.0/8 and ::1: the machine itself, and nobody else.
    pub fn loopback() -> Self {
        Allow {
            networks: vec![
                (IpAddr::from([127, 0, 0, 0]), 8),
                (IpAddr::from(std::net::Ipv6Addr::LOCALHOST), 128),
            ],
        }
    }

    /// No network at all: every client is refused (for tests of the refusal itself).
    pub fn nobody() -> Self {
        Allow {
            networks: Vec::new(),
        }
    }

    /// Adds a network in CIDR form (`192.0.2.0/24`, `2001:db8::/32`, or one address).
    pub fn add(&mut self, cidr: &str) -> Result<(), AllowProblem> {
        let (addr, len) = match cidr.split_once('/') {
            Some((addr, len)) => (addr, Some(len)),
            None => (cidr, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| AllowProblem::NotANetwork(cidr.to_owned()))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let len = match len {
            Some(len) => len
                .parse::<u8>()
                .ok()
                .filter(|&l| l <= max)
                .ok_or_else(|| AllowProblem::BadPrefix {
                    cidr: cidr.to_owned(),
                    max,
                })?,
            None => max,
        };
        self.networks.push((addr, len));
        Ok(())
    }

    /// Whether `ip` is inside one of the networks.
    pub fn permits(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        self.networks.iter().any(|&(net, len)| match (net, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => prefix_eq(&net.octets(), &ip.octets(), len),
            (IpAddr::V6(net), IpAddr::V6(ip)) => prefix_eq(&net.octets(), &ip.octets(), len),
            _ => false,
        })
    }
}

/// Why a network cannot be allowed ([`Allow::add`]). `Display` is English; [`describe`] says it
/// in a language.
///
/// [`describe`]: AllowProblem::describe
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowProblem {
    /// Neither an address nor `ADDRESS/PREFIX`.
    NotANetwork(String),
    /// A prefix length that is not a number up to the family's bits.
    BadPrefix {
        /// The network as given.
        cidr: String,
        /// 32 or 128.
        max: u8,
    },
}

impl AllowProblem {
    /// The problem in `lang`, the network as given.
    pub fn describe(&self, lang: text::Lang) -> String {
        match self {
            AllowProblem::NotANetwork(cidr) => {
                text::t!(lang, "allow-not-a-network", cidr = format!("{cidr:?}"))
            }
            AllowProblem::BadPrefix { cidr, max } => text::t!(
                lang,
                "allow-bad-prefix",
                cidr = format!("{cidr:?}"),
                max = max.to_string()
            ),
        }
    }
}

impl std::fmt::Display for AllowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(text::Lang::En))
    }
}

impl std::error::Error for AllowProblem {}

fn prefix_eq(a: &[u8], b: &[u8], len: u8) -> bool {
    let (bytes, bits) = (usize::from(len / 8), len % 8);
    a[..bytes] == b[..bytes] && (bits == 0 || (a[bytes] ^ b[bytes]) >> (8 - bits) == 0)
}

/// How the front runs.
#[derive(Debug, Clone)]
pub struct FrontConfig {
    /// UDP worker threads answering from the cache.
    pub udp_workers: usize,
    /// Who may ask.
    pub allow: Allow,
    /// Idle time after which a TCP connection is closed.
    pub tcp_idle_timeout: Duration,
}

impl Default for FrontConfig {
    fn default() -> Self {
        FrontConfig {
            udp_workers: 1,
            allow: Allow::loopback(),
            tcp_idle_timeout: Duration::from_secs(10),
        }
    }
}

/// A running resolver front; dropping it stops it.
pub struct RunningResolver {
    stop: watch::Sender<bool>,
    workers: Workers,
    addr: SocketAddr,
}

impl RunningResolver {
    /// The address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Blocks until the front stops, or until one of its threads stops on an error: then the
    /// others are stopped and the error returned (a front that no longer serves a transport
    /// says so rather than go on half-deaf).
    pub fn wait(mut self) -> Result<(), WorkerStopped> {
        self.workers.wait()
    }
}

impl Drop for RunningResolver {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        self.workers.join();
    }
}

/// Serves `resolver` on the bound sockets until the returned handle is dropped.
///
/// Each UDP worker is one thread with its own single-threaded runtime: cache hits are answered
/// in the receive loop, and misses become tasks on the same thread, so a miss costs no hand-off
/// between threads (on one core that is two context switches saved per miss). TCP has a thread
/// of its own.
pub fn spawn(
    udp: UdpSocket,
    tcp: TcpListener,
    resolver: Arc<Resolver>,
    config: FrontConfig,
) -> io::Result<RunningResolver> {
    let addr = udp.local_addr()?;
    let (stop, stop_rx) = watch::channel(false);
    udp.set_nonblocking(true)?;
    tcp.set_nonblocking(true)?;
    let mut workers = Workers::default();
    for worker in 0..config.udp_workers.max(1) {
        let socket = udp.try_clone()?;
        let (resolver, allow, stop) = (resolver.clone(), config.allow.clone(), stop_rx.clone());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        workers.spawn(
            format!("resolver-udp-{worker}"),
            Worker::Udp(worker),
            move || {
                let local = tokio::task::LocalSet::new();
                local.block_on(&runtime, serve_udp(socket, resolver, allow, stop))
            },
        )?;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (allow, idle) = (config.allow.clone(), config.tcp_idle_timeout);
    workers.spawn("resolver-tcp".into(), Worker::Tcp, move || {
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(tcp)?;
            serve_tcp(listener, resolver, allow, idle, stop_rx).await;
            Ok(())
        })
    })?;
    Ok(RunningResolver {
        stop,
        workers,
        addr,
    })
}

/// Resolutions one UDP worker runs at once; more queries that miss the cache are dropped until
/// some finish (Unbound's `num-queries-per-thread` is the same idea, 1024 by default).
pub const MAX_RESOLUTIONS_IN_FLIGHT: usize = 1024;

/// Counts a resolution out when its task ends, however it ends.
struct InFlight(Rc<std::cell::Cell<usize>>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

async fn serve_udp(
    socket: UdpSocket,
    resolver: Arc<Resolver>,
    allow: Allow,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    // Two handles on one socket: tokio's, for readiness; the std one, for recvmmsg/sendmmsg.
    let raw = Rc::new(socket.try_clone()?);
    let ready = tokio::net::UdpSocket::from_std(socket)?;
    let mut inbox = Inbox::default();
    let mut outbox = Outbox::default();
    let mut responses = ResponseCache::default();
    let in_flight = Rc::new(std::cell::Cell::new(0usize));
    loop {
        tokio::select! {
            readable = ready.readable() => readable?,
            _ = stop.changed() => return Ok(()),
        }
        // Take every queued datagram, a batch at a time, until the socket would block.
        loop {
            match ready.try_io(tokio::io::Interest::READABLE, || inbox.receive(&raw)) {
                Ok(_) => {}
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => {
                    // ICMP errors from earlier sends surface here on Linux; they are not fatal.
                    tracing::debug!("udp receive: {err}");
                    continue;
                }
            }
            outbox.clear();
            let now = resolver.clock().now();
            for (i, query, cut) in inbox.queries() {
                let Some(client) = inbox.peer(i) else {
                    continue;
                };
                if cut {
                    continue;
                }
                let out = outbox.next_buffer(i);
                // The fast path: a question answered before, replayed with its TTLs counted down.
                let quick = quick_parse(query, Transport::Udp);
                if let Some(quick) = &quick
                    && allow.permits(client.ip())
                    && responses.answer(query, quick, now, out)
                {
                    outbox.commit();
                    continue;
                }
                match answer_now(query, client.ip(), &resolver, &allow, Transport::Udp, out) {
                    Now::Answered(from_cache) => {
                        if let (Some(quick), Some(resolution)) = (&quick, from_cache) {
                            responses.store(query, quick, out, &resolution, now);
                        }
                        outbox.commit();
                    }
                    Now::Drop => {}
                    Now::Resolve(question) => {
                        // A cache miss: a task on this thread resolves it and answers. Past the
                        // bound the query is dropped, as a full socket buffer would drop it: the
                        // client asks again, and the resolutions in flight finish in time.
                        if in_flight.get() >= MAX_RESOLUTIONS_IN_FLIGHT {
                            continue;
                        }
                        in_flight.set(in_flight.get() + 1);
                        let done = InFlight(in_flight.clone());
                        let (query, resolver, raw) =
                            (query.to_vec(), resolver.clone(), raw.clone());
                        tokio::task::spawn_local(async move {
                            let _done = done;
                            let resolution = resolver.resolve(&question.name, question.qtype).await;
                            let mut out = Vec::with_capacity(512);
                            if let Ok(parsed) = parse_query(&query) {
                                write_response(&parsed, &resolution, udp_limit(&parsed), &mut out);
                                let _ = raw.send_to(&out, client);
                            }
                        });
                    }
                }
            }
            outbox.send(&raw, &mut inbox);
            // Let the resolution tasks of this thread run between batches: under a flood of
            // new queries, the answers to the upstream queries already sent must still be
            // read, or every resolution in flight times out into SERVFAIL.
            tokio::task::yield_now().await;
        }
    }
}

async fn serve_tcp(
    listener: tokio::net::TcpListener,
    resolver: Arc<Resolver>,
    allow: Allow,
    idle: Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let (mut stream, client) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            _ = stop.changed() => return,
        };
        let (resolver, allow) = (resolver.clone(), allow.clone());
        tokio::spawn(async move {
            let mut query = vec![0u8; 65535];
            let mut out = Vec::with_capacity(4096);
            loop {
                let mut prefix = [0u8; 2];
                if !matches!(
                    tokio::time::timeout(idle, stream.read_exact(&mut prefix)).await,
                    Ok(Ok(_))
                ) {
                    return;
                }
                let len = usize::from(u16::from_be_bytes(prefix));
                if !matches!(
                    tokio::time::timeout(idle, stream.read_exact(&mut query[..len])).await,
                    Ok(Ok(_))
                ) {
                    return;
                }
                out.clear();
                match answer_now(
                    &query[..len],
                    client.ip(),
                    &resolver,
                    &allow,
                    Transport::Tcp,
                    &mut out,
                ) {
                    Now::Answered(_) => {}
                    Now::Drop => return,
                    Now::Resolve(question) => {
                        let resolution = resolver.resolve(&question.name, question.qtype).await;
                        let Ok(parsed) = parse_query(&query[..len]) else {
                            return;
                        };
                        write_response(&parsed, &resolution, usize::from(u16::MAX), &mut out);
                    }
                }
                let mut framed = (out.len() as u16).to_be_bytes().to_vec();
                framed.extend_from_slice(&out);
                if stream.write_all(&framed).await.is_err() {
                    return;
                }
            }
        });
    }
}

/// What the front can do with a query at once.
enum Now {
    /// The response is in the buffer; with the resolution it came from when that was the cache
    /// (so that the response may be replayed).
    Answered(Option<Resolution>),
    /// Nothing deserves sending.
    Drop,
    /// The cache does not have it: resolve this question.
    Resolve(Question),
}

struct Question {
    name: Name,
    qtype: Rtype,
}

/// Answers from the cache, with an error, or says the question needs resolving.
fn answer_now(
    query: &[u8],
    client: IpAddr,
    resolver: &Resolver,
    allow: &Allow,
    transport: Transport,
    out: &mut Vec<u8>,
) -> Now {
    let parsed = match parse_query(query) {
        Ok(parsed) => parsed,
        Err(Rejection::Silence) => return Now::Drop,
        Err(Rejection::Error(rcode)) => {
            write_error(query, rcode, true, out);
            return Now::Answered(None);
        }
    };
    let limit = match transport {
        Transport::Udp => udp_limit(&parsed),
        Transport::Tcp => usize::from(u16::MAX),
    };
    let refuse = |out: &mut Vec<u8>| {
        write_response(&parsed, &Resolution::refused(), limit, out);
        Now::Answered(None)
    };
    if !allow.permits(client) {
        return refuse(out); // Not an open resolver.
    }
    let question = match parsed.message.sole_question() {
        Ok(question) => question,
        Err(_) => return Now::Drop,
    };
    let qtype = question.qtype();
    if question.qclass() != Class::IN || matches!(qtype, Rtype::AXFR | Rtype::IXFR | Rtype::OPT) {
        // Zone transfers are for secondaries, not through a resolver. ANY is answered (see
        // `iterate`'s module doc: as Unbound does, with what the authority gives, RFC 8482).
        return refuse(out);
    }
    let name: Name = question.qname().to_name();
    match resolver.from_cache(&name, qtype) {
        Some(resolution) => {
            write_response(&parsed, &resolution, limit, out);
            Now::Answered(Some(resolution))
        }
        // RD=0 asks what the cache knows, and no more (no iteration on a client's behalf).
        None if !parsed.message.header().rd() => refuse(out),
        None => Now::Resolve(Question { name, qtype }),
    }
}

fn udp_limit(parsed: &ParsedQuery<'_>) -> usize {
    match parsed.edns_size {
        None => 512,
        Some(size) => usize::from(size.clamp(512, MAX_UDP_PAYLOAD)),
    }
}

impl Resolution {
    fn refused() -> Self {
        Resolution {
            rcode: Rcode::REFUSED,
            answer: Vec::new(),
            authority: Vec::new(),
            hops: Vec::new(),
            from_cache: false,
        }
    }
}

/// A checked query ([`dns::query::check_query`]: the same checks as the authoritative
/// server's).
struct ParsedQuery<'q> {
    message: Message<&'q [u8]>,
    edns_size: Option<u16>,
}

fn parse_query(bytes: &[u8]) -> Result<ParsedQuery<'_>, Rejection> {
    let checked = check_query(bytes)?;
    Ok(ParsedQuery {
        message: checked.message,
        edns_size: checked.edns.map(|e| e.udp_size),
    })
}

/// The response to `query`: RA=1, the query's RD and CD, the resolution's sections; TC=1 with
/// the question alone when it does not fit `limit`.
fn write_response(
    query: &ParsedQuery<'_>,
    resolution: &Resolution,
    limit: usize,
    out: &mut Vec<u8>,
) {
    if !compose(query, resolution, false, out) || out.len() > limit {
        compose(query, resolution, true, out);
    }
}

fn compose(
    query: &ParsedQuery<'_>,
    resolution: &Resolution,
    truncated: bool,
    out: &mut Vec<u8>,
) -> bool {
    out.clear();
    let Ok(builder) = MessageBuilder::from_target(StaticCompressor::new(std::mem::take(out)));
    let Ok(mut answer) = builder.start_answer(&query.message, resolution.rcode) else {
        return false;
    };
    answer.header_mut().set_ra(true);
    answer.header_mut().set_cd(query.message.header().cd());
    let mut ok = true;
    if truncated {
        answer.header_mut().set_tc(true);
    } else {
        for set in &resolution.answer {
            for data in &set.data {
                ok &= answer.push((&set.owner, Class::IN, set.ttl, data)).is_ok();
            }
        }
    }
    let mut authority = answer.authority();
    if !truncated {
        for set in &resolution.authority {
            for data in &set.data {
                ok &= authority
                    .push((&set.owner, Class::IN, set.ttl, data))
                    .is_ok();
            }
        }
    }
    let mut additional = authority.additional();
    if query.edns_size.is_some() {
        ok &= push_opt(&mut additional, resolution.rcode);
    }
    *out = additional.finish().into_target();
    ok
}

/// Our OPT record. Its extended RCODE shares bits with the header's, so it is set from the
/// same RCODE (setting NOERROR here would clear the header's NXDOMAIN).
fn push_opt(additional: &mut AdditionalBuilder<StaticCompressor<Vec<u8>>>, rcode: Rcode) -> bool {
    additional
        .opt(|opt| {
            opt.set_udp_payload_size(MAX_UDP_PAYLOAD);
            opt.set_rcode(OptRcode::from(rcode));
            Ok(())
        })
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_lists_networks() {
        let mut allow = Allow::loopback();
        assert!(allow.permits("127.1.2.3".parse().unwrap()));
        assert!(allow.permits("::1".parse().unwrap()));
        assert!(!allow.permits("192.0.2.1".parse().unwrap()));
        allow.add("192.0.2.0/25").unwrap();
        assert!(allow.permits("192.0.2.127".parse().unwrap()));
        assert!(!allow.permits("192.0.2.128".parse().unwrap()));
        assert!(allow.permits("::ffff:192.0.2.1".parse().unwrap()));
        assert!(allow.add("192.0.2.0/33").is_err());
        assert!(allow.add("nonsense").is_err());
    }
}
