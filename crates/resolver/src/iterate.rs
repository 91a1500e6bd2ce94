//! Resolution: the client's recursive question answered by iterative questions (RFC 1034
//! §5.3.3), one state enum and one loop.
//!
//! A question enters at [`Resolver::resolve`] (shared by identical concurrent questions), which
//! follows the answer's CNAME chain across zones, taking each link from the cache when it can
//! and from [`Resolver::iterate`] when it cannot. `iterate` walks down from the deepest cached
//! delegation (or the root hints) as a loop over [`Step`]:
//!
//! ```text
//!  Start ─▶ Ask(zone, servers) ─referral─▶ Ask(child zone, its servers) ─▶ ...
//!              │  └─ lame / timeout: next server of the zone ─┐
//!              ├─ answer ─▶ Done(Answer)                       │ none left: Done(ServFail)
//!              ├─ NXDOMAIN ─▶ Done(NxDomain)   ◀───────────────┘
//!              └─ NODATA ─▶ Done(NoData), or, for a minimised name, Ask one label deeper
//! ```
//!
//! With QNAME minimisation (RFC 9156) each server is asked only for the name one label below
//! its zone (`com.` at the root, `google.com.` at `com.`), type A, until the full name is asked.
//!
//! **ANY** (RFC 8482) is resolved as Unbound resolves it by default (`deny-any: no`): asked of
//! the authoritative servers as ANY, and answered with every RRset they give for the name —
//! which may be one RRset, or the HINFO "RFC8482" that §4.2 lets them synthesise, since RFC
//! 8482 lets a server give a subset. A CNAME at the name is part of that answer and is not
//! followed. The cache keeps RRsets by type, so it cannot know it holds all of a name's: a
//! positive ANY answer always comes from upstream; NXDOMAIN and NODATA for ANY come from the
//! cache like any other. ANY is never REFUSED to an allowed client.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use bytes::Bytes;
use dns::{Name, RecordData, name_key, present};
use domain::base::iana::Rcode;
use domain::base::name::FlattenInto;
use domain::base::{Message, ParsedName, Rtype, ToName};
use journey::{Event, Host, Reporter, Source};
use tokio::sync::watch;

use crate::cache::{Cache, CachedNegative, Known, Rank};
use crate::clock::Clock;
use crate::config::ResolverConfig;
use crate::trace::{Hop, HopOutcome, LameReason};
use crate::upstream::{Upstream, UpstreamError};

/// One RRset of a resolution's answer or authority section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RrsetOut {
    /// Owner.
    pub owner: Name,
    /// Type.
    pub rtype: Rtype,
    /// TTL left (from the cache) or as received.
    pub ttl: u32,
    /// Records.
    pub data: Vec<RecordData>,
}

/// The result of resolving one question.
#[derive(Debug, Clone)]
pub struct Resolution {
    /// NOERROR, NXDOMAIN or SERVFAIL.
    pub rcode: Rcode,
    /// The answer: the CNAME/DNAME chain, then the RRset asked for.
    pub answer: Vec<RrsetOut>,
    /// For a negative answer, the zone's SOA (RFC 2308 §3).
    pub authority: Vec<RrsetOut>,
    /// Every iterative query sent, in order (empty when all came from the cache).
    pub hops: Vec<Hop>,
    /// Whether the whole answer came from the cache.
    pub from_cache: bool,
}

impl Resolution {
    fn servfail(hops: Vec<Hop>) -> Self {
        Resolution {
            rcode: Rcode::SERVFAIL,
            answer: Vec::new(),
            authority: Vec::new(),
            hops,
            from_cache: false,
        }
    }
}

/// The steps of one iteration (RFC 1034 §5.3.3 steps 2-4).
#[derive(Debug)]
enum Step {
    /// Find the closest known delegation for the name.
    Start,
    /// Ask one of the zone's servers.
    Ask {
        zone: Name,
        name_servers: Vec<Name>,
        minimised_labels: usize,
        referrals: usize,
    },
    /// Finished.
    Done(Iterated),
}

/// What an iteration found for (name, type).
#[derive(Debug)]
enum Iterated {
    /// Authoritative answer records for the name (possibly a CNAME chain).
    Answer(Vec<RrsetOut>),
    /// The name does not exist; the SOA if one came.
    NxDomain(Option<RrsetOut>),
    /// No data of the type; the SOA if one came.
    NoData(Option<RrsetOut>),
    /// Nothing worked.
    ServFail,
}

/// How one server's response is read, relative to the zone it was asked as (its bailiwick).
/// Public (hidden) only for the fuzz target, through [`classify_response`].
#[doc(hidden)]
#[derive(Debug)]
pub enum Reading {
    Answer {
        rrsets: Vec<RrsetOut>,
        authoritative: bool,
    },
    Referral {
        zone: Name,
        ns: RrsetOut,
        glue: Vec<RrsetOut>,
    },
    NxDomain(Option<RrsetOut>),
    NoData(Option<RrsetOut>),
    Lame(LameReason),
}

/// What one client question may still spend.
#[derive(Debug)]
struct Budget {
    upstream_queries: usize,
    /// Whether hops are recorded (for `dig +trace`, tests, or a listening reporter); the
    /// server front skips the bookkeeping otherwise.
    trace: bool,
}

/// Rounds over a zone's servers when all of them time out (see `ask_servers`).
const TIMEOUT_ROUNDS: usize = 2;

type Inflight = HashMap<(Box<[u8]>, u16), watch::Sender<Option<Arc<Resolution>>>>;

/// The recursive resolver: configuration, cache, upstream statistics.
pub struct Resolver {
    config: ResolverConfig,
    cache: Mutex<Cache>,
    upstream: Upstream,
    clock: Clock,
    reporter: Arc<dyn Reporter>,
    inflight: Mutex<Inflight>,
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

impl Resolver {
    /// A resolver with an empty cache.
    pub fn new(config: ResolverConfig, clock: Clock, reporter: Arc<dyn Reporter>) -> Self {
        Resolver {
            cache: Mutex::new(Cache::new(config.cache)),
            upstream: Upstream::new(config.upstream_port, config.spread_load)
                .with_source(config.query_source),
            config,
            clock,
            reporter,
            inflight: Mutex::new(HashMap::new()),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ResolverConfig {
        &self.config
    }

    /// The clock TTLs are read on.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Entries in the cache.
    pub fn cache_len(&self) -> usize {
        self.lock_cache().len()
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The answer if the cache alone has all of it (the fast path of the server front).
    pub fn from_cache(&self, qname: &Name, qtype: Rtype) -> Option<Resolution> {
        let now = self.clock.now();
        let cache = self.lock_cache();
        let mut answer = Vec::new();
        let mut current = qname.clone();
        for _ in 0..=self.config.limits.max_cname_chain {
            match cache.lookup(&current, qtype, now) {
                Some(Known::Positive(set, ttl)) => {
                    answer.push(RrsetOut {
                        owner: set.owner,
                        rtype: set.rtype,
                        ttl,
                        data: set.data,
                    });
                    return Some(Resolution {
                        rcode: Rcode::NOERROR,
                        answer,
                        authority: Vec::new(),
                        hops: Vec::new(),
                        from_cache: true,
                    });
                }
                Some(Known::NxDomain(neg, ttl)) => {
                    return Some(negative_resolution(Rcode::NXDOMAIN, answer, &neg, ttl));
                }
                Some(Known::NoData(neg, ttl)) => {
                    return Some(negative_resolution(Rcode::NOERROR, answer, &neg, ttl));
                }
                None => {}
            }
            if matches!(qtype, Rtype::CNAME | Rtype::ANY) {
                // A CNAME is itself an answer to ANY; positive ANY answers are not cached whole.
                return None;
            }
            let cname = match cache.lookup(&current, Rtype::CNAME, now) {
                Some(Known::Positive(set, ttl)) => (set, ttl),
                _ => return None,
            };
            let Some(RecordData::Cname(target)) = cname.0.data.first() else {
                return None;
            };
            let next = target.cname().clone();
            answer.push(RrsetOut {
                owner: cname.0.owner,
                rtype: Rtype::CNAME,
                ttl: cname.1,
                data: cname.0.data,
            });
            current = next;
        }
        None
    }

    /// Resolves (`qname`, `qtype`); identical questions asked while one is being resolved wait
    /// for that one instead of sending their own queries upstream.
    pub async fn resolve(self: &Arc<Self>, qname: &Name, qtype: Rtype) -> Arc<Resolution> {
        let key = (name_key(qname), qtype.to_int());
        let (mut waiting, leader) = {
            let mut inflight = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
            match inflight.get(&key) {
                Some(sender) => (sender.subscribe(), None),
                None => {
                    let (sender, receiver) = watch::channel(None);
                    inflight.insert(key.clone(), sender);
                    (receiver, Some(()))
                }
            }
        };
        if leader.is_some() {
            let resolution = Arc::new(self.resolve_alone(qname, qtype, false).await);
            let sender = self
                .inflight
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&key);
            if let Some(sender) = sender {
                let _ = sender.send(Some(resolution.clone()));
            }
            return resolution;
        }
        loop {
            if let Some(done) = waiting.borrow().clone() {
                return done;
            }
            if waiting.changed().await.is_err() {
                // The leader went away without an answer: resolve on our own.
                return Arc::new(self.resolve_alone(qname, qtype, false).await);
            }
        }
    }

    /// Resolves without sharing, recording every hop: what `dig +trace` shows.
    pub async fn resolve_uncoalesced(&self, qname: &Name, qtype: Rtype) -> Resolution {
        self.resolve_alone(qname, qtype, true).await
    }

    async fn resolve_alone(&self, qname: &Name, qtype: Rtype, trace: bool) -> Resolution {
        let mut budget = Budget {
            upstream_queries: self.config.limits.max_upstream_queries,
            trace: trace || self.reporter.enabled(),
        };
        let mut hops = Vec::new();
        let resolution = self
            .resolve_chain(qname.clone(), qtype, 0, &mut budget, &mut hops)
            .await;
        Resolution { hops, ..resolution }
    }

    /// Follows the answer's CNAME chain from `qname`, link by link, from cache or by iterating.
    fn resolve_chain<'a>(
        &'a self,
        qname: Name,
        qtype: Rtype,
        depth: usize,
        budget: &'a mut Budget,
        hops: &'a mut Vec<Hop>,
    ) -> BoxFuture<'a, Resolution> {
        Box::pin(async move {
            let mut answer: Vec<RrsetOut> = Vec::new();
            let mut current = qname;
            let mut from_cache = true;
            let done = |rcode, answer, authority, from_cache| Resolution {
                rcode,
                answer,
                authority,
                hops: Vec::new(),
                from_cache,
            };
            for _ in 0..=self.config.limits.max_cname_chain {
                // The cache first, one link at a time.
                let cached = {
                    let now = self.clock.now();
                    let cache = self.lock_cache();
                    let known = cache.lookup(&current, qtype, now);
                    let cname = if matches!(qtype, Rtype::CNAME | Rtype::ANY) || known.is_some() {
                        None
                    } else {
                        cache.lookup(&current, Rtype::CNAME, now)
                    };
                    (known, cname)
                };
                match cached {
                    (Some(Known::Positive(set, ttl)), _) => {
                        answer.push(RrsetOut {
                            owner: set.owner,
                            rtype: set.rtype,
                            ttl,
                            data: set.data,
                        });
                        return done(Rcode::NOERROR, answer, Vec::new(), from_cache);
                    }
                    (Some(Known::NxDomain(neg, ttl)), _) => {
                        let mut r = negative_resolution(Rcode::NXDOMAIN, answer, &neg, ttl);
                        r.from_cache = from_cache;
                        return r;
                    }
                    (Some(Known::NoData(neg, ttl)), _) => {
                        let mut r = negative_resolution(Rcode::NOERROR, answer, &neg, ttl);
                        r.from_cache = from_cache;
                        return r;
                    }
                    (None, Some(Known::Positive(set, ttl))) => {
                        let Some(RecordData::Cname(target)) = set.data.first() else {
                            break;
                        };
                        let next = target.cname().clone();
                        answer.push(RrsetOut {
                            owner: set.owner,
                            rtype: Rtype::CNAME,
                            ttl,
                            data: set.data,
                        });
                        if answer
                            .iter()
                            .filter(|s| s.rtype == Rtype::CNAME)
                            .any(|s| s.owner.name_eq(&next))
                        {
                            break; // A CNAME loop.
                        }
                        current = next;
                        continue;
                    }
                    _ => {}
                }
                from_cache = false;
                match self
                    .iterate(current.clone(), qtype, depth, budget, hops)
                    .await
                {
                    Iterated::Answer(rrsets) => {
                        // Take the chain from `current` out of what the zone's server gave.
                        let mut advanced = false;
                        loop {
                            if let Some(dname) = rrsets.iter().find(|s| {
                                s.rtype == Rtype::DNAME
                                    && current.ends_with(&s.owner)
                                    && !answer.contains(s)
                            }) {
                                answer.push(dname.clone());
                            }
                            if qtype == Rtype::ANY {
                                // Every RRset the server gave for the name is the answer (RFC
                                // 8482 lets it give one, or a synthesised HINFO); a CNAME
                                // among them is not followed: it is what the name has.
                                let owned: Vec<RrsetOut> = rrsets
                                    .iter()
                                    .filter(|s| s.owner.name_eq(&current))
                                    .cloned()
                                    .collect();
                                if !owned.is_empty() {
                                    answer.extend(owned);
                                    return done(Rcode::NOERROR, answer, Vec::new(), false);
                                }
                            }
                            if let Some(found) = rrsets
                                .iter()
                                .find(|s| s.owner.name_eq(&current) && s.rtype == qtype)
                            {
                                answer.push(found.clone());
                                return done(Rcode::NOERROR, answer, Vec::new(), false);
                            }
                            let Some(cname) = rrsets
                                .iter()
                                .find(|s| s.owner.name_eq(&current) && s.rtype == Rtype::CNAME)
                            else {
                                break;
                            };
                            let Some(RecordData::Cname(target)) = cname.data.first() else {
                                break;
                            };
                            answer.push(cname.clone());
                            let next = target.cname().clone();
                            if answer.iter().filter(|s| s.rtype == Rtype::CNAME).count()
                                > self.config.limits.max_cname_chain
                                || answer
                                    .iter()
                                    .filter(|s| s.rtype == Rtype::CNAME)
                                    .any(|s| s.owner.name_eq(&next))
                            {
                                return Resolution::servfail(Vec::new()); // A loop, or too long.
                            }
                            current = next;
                            advanced = true;
                        }
                        if !advanced {
                            return Resolution::servfail(Vec::new());
                        }
                    }
                    Iterated::NxDomain(soa) => {
                        return done(Rcode::NXDOMAIN, answer, soa.into_iter().collect(), false);
                    }
                    Iterated::NoData(soa) => {
                        return done(Rcode::NOERROR, answer, soa.into_iter().collect(), false);
                    }
                    Iterated::ServFail => return Resolution::servfail(Vec::new()),
                }
            }
            // The chain is longer than allowed, or loops.
            Resolution::servfail(Vec::new())
        })
    }

    /// Asks the servers of the closest known zone, following referrals down to an answer.
    fn iterate<'a>(
        &'a self,
        qname: Name,
        qtype: Rtype,
        depth: usize,
        budget: &'a mut Budget,
        hops: &'a mut Vec<Hop>,
    ) -> BoxFuture<'a, Iterated> {
        Box::pin(async move {
            let limits = self.config.limits;
            let mut step = Step::Start;
            loop {
                step = match step {
                    Step::Start => {
                        let (zone, name_servers) = self.closest_delegation(&qname);
                        if !zone.is_root() {
                            self.hop(
                                budget.trace,
                                hops,
                                Hop {
                                    depth,
                                    layer: zone.clone(),
                                    server_name: None,
                                    server: None,
                                    qname: qname.clone(),
                                    qtype,
                                    outcome: HopOutcome::Referral {
                                        zone: zone.clone(),
                                        name_servers: name_servers.clone(),
                                        glue: Vec::new(),
                                    },
                                    rtt: None,
                                    cached: true,
                                    transport: None,
                                    shared: false,
                                },
                            );
                        }
                        let minimised_labels = zone.label_count();
                        Step::Ask {
                            zone,
                            name_servers,
                            minimised_labels,
                            referrals: 0,
                        }
                    }
                    Step::Ask {
                        zone,
                        name_servers,
                        minimised_labels,
                        referrals,
                    } => {
                        // RFC 9156: below the zone, one label more than what is known to exist.
                        let (ask_name, ask_type) = if self.config.qname_minimisation
                            && qname.label_count() > minimised_labels + 1
                        {
                            (ancestor(&qname, minimised_labels + 1), Rtype::A)
                        } else {
                            (qname.clone(), qtype)
                        };
                        let servers = self
                            .server_addresses(&zone, &name_servers, depth, budget, hops)
                            .await;
                        match self
                            .ask_servers(&zone, &servers, &ask_name, ask_type, depth, budget, hops)
                            .await
                        {
                            None => Step::Done(Iterated::ServFail),
                            Some(Reading::Answer {
                                rrsets,
                                authoritative,
                            }) => {
                                self.store_answer(&rrsets, authoritative);
                                if ask_name.name_eq(&qname) && ask_type == qtype {
                                    Step::Done(Iterated::Answer(rrsets))
                                } else if rrsets.iter().any(|s| s.rtype == Rtype::CNAME) {
                                    // A CNAME on the way down: minimising further is meaningless.
                                    Step::Ask {
                                        zone,
                                        name_servers,
                                        minimised_labels: qname.label_count(),
                                        referrals,
                                    }
                                } else {
                                    Step::Ask {
                                        zone,
                                        name_servers,
                                        minimised_labels: minimised_labels + 1,
                                        referrals,
                                    }
                                }
                            }
                            Some(Reading::Referral {
                                zone: child,
                                ns,
                                glue,
                            }) => {
                                if referrals + 1 > limits.max_referrals {
                                    Step::Done(Iterated::ServFail)
                                } else {
                                    self.store_referral(&ns, &glue);
                                    let name_servers = ns_targets(&ns);
                                    let minimised_labels = child.label_count();
                                    Step::Ask {
                                        zone: child,
                                        name_servers,
                                        minimised_labels,
                                        referrals: referrals + 1,
                                    }
                                }
                            }
                            Some(Reading::NxDomain(soa)) => {
                                // RFC 8020: nothing exists below a name that does not exist.
                                self.store_negative(&ask_name, None, soa.as_ref());
                                Step::Done(Iterated::NxDomain(soa))
                            }
                            Some(Reading::NoData(soa)) => {
                                if ask_name.name_eq(&qname) && ask_type == qtype {
                                    self.store_negative(&qname, Some(qtype), soa.as_ref());
                                    Step::Done(Iterated::NoData(soa))
                                } else {
                                    // An empty non-terminal, or a name without an A record:
                                    // it exists, so go one label deeper at the same servers.
                                    Step::Ask {
                                        zone,
                                        name_servers,
                                        minimised_labels: minimised_labels + 1,
                                        referrals,
                                    }
                                }
                            }
                            Some(Reading::Lame(_)) => {
                                unreachable!("ask_servers moves past lame servers")
                            }
                        }
                    }
                    Step::Done(done) => return done,
                };
            }
        })
    }

    /// The deepest delegation in the cache for `qname`, or the root from the hints.
    fn closest_delegation(&self, qname: &Name) -> (Name, Vec<Name>) {
        let now = self.clock.now();
        let cache = self.lock_cache();
        match cache.closest_delegation(qname, now) {
            Some(ns) => (
                ns.owner.clone(),
                ns.data.iter().filter_map(ns_target).collect(),
            ),
            None => (
                Name::root(),
                self.config
                    .root_hints
                    .servers
                    .iter()
                    .map(|(name, _)| name.clone())
                    .collect(),
            ),
        }
    }

    /// Addresses for a zone's name servers: from the cache (glue or answers), from the root
    /// hints for the root, or — when no name server has one — by resolving a few NS names
    /// (glueless delegation) as sub-resolutions one level deeper.
    async fn server_addresses(
        &self,
        zone: &Name,
        name_servers: &[Name],
        depth: usize,
        budget: &mut Budget,
        hops: &mut Vec<Hop>,
    ) -> Vec<(IpAddr, Name)> {
        let mut found = Vec::new();
        {
            let now = self.clock.now();
            let cache = self.lock_cache();
            for ns in name_servers {
                for rtype in [Rtype::A, Rtype::AAAA] {
                    if let Some(set) = cache.rrset(ns, rtype, now) {
                        found.extend(
                            set.data
                                .iter()
                                .filter_map(address)
                                .map(|ip| (ip, ns.clone())),
                        );
                    }
                }
            }
        }
        if zone.is_root() && found.is_empty() {
            for (name, addresses) in &self.config.root_hints.servers {
                found.extend(addresses.iter().map(|ip| (*ip, name.clone())));
            }
        }
        if !found.is_empty() || depth >= self.config.limits.max_glueless_depth {
            return found;
        }
        // Glueless: resolve the NS names' addresses. A name inside the zone cannot be
        // resolved without the glue that is missing, so it is skipped (a loop otherwise).
        let candidates = name_servers
            .iter()
            .filter(|ns| !ns.ends_with(zone))
            .take(self.config.limits.max_ns_lookups_per_delegation);
        for ns in candidates {
            let resolution = self
                .resolve_chain(ns.clone(), Rtype::A, depth + 1, budget, hops)
                .await;
            for set in resolution.answer.iter().filter(|s| s.rtype == Rtype::A) {
                found.extend(
                    set.data
                        .iter()
                        .filter_map(address)
                        .map(|ip| (ip, ns.clone())),
                );
            }
            if !found.is_empty() {
                break;
            }
        }
        found
    }

    /// Asks the servers, best first, until one gives a usable reading; records each hop.
    #[allow(clippy::too_many_arguments)]
    async fn ask_servers(
        &self,
        zone: &Name,
        servers: &[(IpAddr, Name)],
        ask_name: &Name,
        ask_type: Rtype,
        depth: usize,
        budget: &mut Budget,
        hops: &mut Vec<Hop>,
    ) -> Option<Reading> {
        let mut order: Vec<IpAddr> = servers.iter().map(|(ip, _)| *ip).collect();
        order.dedup();
        // When every server only timed out, the zone's servers get a second round: their RTT
        // estimates have doubled, so do their timeouts. A busy server is not a dead one, and
        // SERVFAIL for a slow answer is worse than a late answer.
        for round in 0..TIMEOUT_ROUNDS {
            let mut only_timeouts = true;
            self.upstream.rank(&mut order);
            for &ip in &order {
                if budget.upstream_queries == 0 {
                    return None; // The NXNSAttack bound.
                }
                budget.upstream_queries -= 1;
                let server_name = servers
                    .iter()
                    .find(|(a, _)| *a == ip)
                    .map(|(_, n)| n.clone());
                let mut hop = Hop {
                    depth,
                    layer: zone.clone(),
                    server_name,
                    server: Some(SocketAddr::new(ip, self.upstream.port())),
                    qname: ask_name.clone(),
                    qtype: ask_type,
                    outcome: HopOutcome::Timeout,
                    rtt: None,
                    cached: false,
                    transport: None,
                    shared: false,
                };
                let asked = self.upstream.ask(ip, ask_name, ask_type).await;
                hop.shared = asked.shared;
                match asked.result {
                    Err(UpstreamError::Timeout(_)) => self.hop(budget.trace, hops, hop),
                    Err(err) => {
                        only_timeouts = false;
                        hop.outcome = HopOutcome::Error(err);
                        self.hop(budget.trace, hops, hop);
                    }
                    Ok(reply) => {
                        hop.rtt = Some(reply.rtt);
                        hop.transport = Some(reply.transport);
                        let reading = read_response(&reply.message, zone, ask_name, ask_type);
                        hop.outcome = match &reading {
                            Reading::Answer { rrsets, .. } => HopOutcome::Answer(if budget.trace {
                                rrsets.iter().flat_map(present_rrset).collect()
                            } else {
                                Vec::new()
                            }),
                            Reading::Referral { zone, ns, glue } => HopOutcome::Referral {
                                zone: zone.clone(),
                                name_servers: ns_targets(ns),
                                glue: glue
                                    .iter()
                                    .flat_map(|g| {
                                        g.data
                                            .iter()
                                            .filter_map(address)
                                            .map(|ip| (g.owner.clone(), ip))
                                    })
                                    .collect(),
                            },
                            Reading::NxDomain(_) => HopOutcome::NxDomain,
                            Reading::NoData(_) => HopOutcome::NoData,
                            Reading::Lame(why) => HopOutcome::Lame(why.clone()),
                        };
                        self.hop(budget.trace, hops, hop);
                        if !matches!(reading, Reading::Lame(_)) {
                            return Some(reading);
                        }
                        only_timeouts = false;
                    }
                }
            }
            if !only_timeouts || round + 1 == TIMEOUT_ROUNDS {
                break;
            }
        }
        None
    }

    fn hop(&self, trace: bool, hops: &mut Vec<Hop>, hop: Hop) {
        if !trace {
            return;
        }
        if self.reporter.enabled() {
            self.reporter.report(Event {
                at: SystemTime::now(),
                host: Host {
                    role: "resolver".into(),
                    addr: hop.server.unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0))),
                },
                source: Source::Reported,
                kind: hop.journey_kind(),
            });
        }
        hops.push(hop);
    }

    fn store_answer(&self, rrsets: &[RrsetOut], authoritative: bool) {
        let now = self.clock.now();
        let rank = if authoritative {
            Rank::Authoritative
        } else {
            Rank::Answer
        };
        let mut cache = self.lock_cache();
        for set in rrsets {
            cache.insert_rrset(&set.owner, set.rtype, set.ttl, set.data.clone(), rank, now);
        }
    }

    fn store_referral(&self, ns: &RrsetOut, glue: &[RrsetOut]) {
        let now = self.clock.now();
        let mut cache = self.lock_cache();
        cache.insert_rrset(
            &ns.owner,
            Rtype::NS,
            ns.ttl,
            ns.data.clone(),
            Rank::Referral,
            now,
        );
        for set in glue {
            cache.insert_rrset(
                &set.owner,
                set.rtype,
                set.ttl,
                set.data.clone(),
                Rank::Glue,
                now,
            );
        }
    }

    fn store_negative(&self, name: &Name, rtype: Option<Rtype>, soa: Option<&RrsetOut>) {
        let now = self.clock.now();
        // RFC 2308 §5: the negative TTL is the smaller of the SOA's TTL and its MINIMUM; with
        // no SOA there is nothing to bound it by, so it is not cached.
        let Some(soa) = soa else { return };
        let Some(RecordData::Soa(data)) = soa.data.first() else {
            return;
        };
        let ttl = soa.ttl.min(data.minimum().as_secs());
        let record = Some((soa.owner.clone(), soa.data[0].clone()));
        let mut cache = self.lock_cache();
        match rtype {
            None => cache.insert_nxdomain(name, record, ttl, now),
            Some(rtype) => cache.insert_nodata(name, rtype, record, ttl, now),
        }
    }
}

fn negative_resolution(
    rcode: Rcode,
    answer: Vec<RrsetOut>,
    neg: &CachedNegative,
    ttl: u32,
) -> Resolution {
    let authority = neg
        .soa
        .iter()
        .map(|(owner, data)| RrsetOut {
            owner: owner.clone(),
            rtype: Rtype::SOA,
            ttl,
            data: vec![data.clone()],
        })
        .collect();
    Resolution {
        rcode,
        answer,
        authority,
        hops: Vec::new(),
        from_cache: true,
    }
}

/// `name` cut to its last `labels` labels (the root label counted).
fn ancestor(name: &Name, labels: usize) -> Name {
    let mut current = name.clone();
    while current.label_count() > labels {
        match current.parent() {
            Some(parent) => current = parent,
            None => break,
        }
    }
    current
}

fn ns_target(data: &RecordData) -> Option<Name> {
    match data {
        RecordData::Ns(ns) => Some(ns.nsdname().clone()),
        _ => None,
    }
}

fn ns_targets(ns: &RrsetOut) -> Vec<Name> {
    ns.data.iter().filter_map(ns_target).collect()
}

fn address(data: &RecordData) -> Option<IpAddr> {
    match data {
        RecordData::A(a) => Some(a.addr().into()),
        RecordData::Aaaa(aaaa) => Some(aaaa.addr().into()),
        _ => None,
    }
}

fn present_rrset(set: &RrsetOut) -> Vec<String> {
    set.data
        .iter()
        .map(|d| format!("{} {} {}", set.owner.fmt_with_dot(), set.rtype, present(d)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Reading a response within its bailiwick.

type Owned = (Name, Rtype, u32, RecordData);

/// The records of a section as owned values; records that do not parse as their type are
/// dropped (the message was checked to parse as a whole on arrival).
fn owned_records(message: &Message<Bytes>, section: usize) -> Vec<Owned> {
    let Ok((_, answer, authority, additional)) = message.sections() else {
        return Vec::new();
    };
    let records = match section {
        0 => answer,
        1 => authority,
        _ => additional,
    };
    records
        .limit_to_in::<domain::rdata::ZoneRecordData<Bytes, ParsedName<Bytes>>>()
        .filter_map(|record| record.ok())
        .filter(|record| record.class() == domain::base::iana::Class::IN)
        .filter_map(|record| {
            let owner: Name = record.owner().to_name();
            let ttl = record.ttl().as_secs();
            let rtype = record.rtype();
            let data: RecordData = record.into_data().try_flatten_into().ok()?;
            Some((owner, rtype, ttl, data))
        })
        .collect()
}

/// Groups records into RRsets in order of first appearance; an RRset's TTL is its smallest.
fn group(records: Vec<Owned>) -> Vec<RrsetOut> {
    let mut sets: Vec<RrsetOut> = Vec::new();
    for (owner, rtype, ttl, data) in records {
        match sets
            .iter_mut()
            .find(|s| s.rtype == rtype && s.owner.name_eq(&owner))
        {
            Some(set) => {
                set.ttl = set.ttl.min(ttl);
                if !set.data.contains(&data) {
                    set.data.push(data);
                }
            }
            None => sets.push(RrsetOut {
                owner,
                rtype,
                ttl,
                data: vec![data],
            }),
        }
    }
    sets
}

/// The whole of what the resolver does with a server's response bytes, for the fuzz target:
/// accepted as the answer to our query (`upstream::accept`: ID, QR, our question, every record
/// parseable), then read relative to `zone` ([`read_response`]).
#[doc(hidden)]
pub fn classify_response(
    bytes: &[u8],
    id: u16,
    zone: &Name,
    ask_name: &Name,
    ask_type: Rtype,
) -> Result<Reading, crate::upstream::UpstreamError> {
    let message = crate::upstream::accept(bytes, id, ask_name, ask_type)?;
    Ok(read_response(&message, zone, ask_name, ask_type))
}

/// Reads a response from a server asked as an authority for `zone`. Only data inside `zone`
/// is believed (its bailiwick, RFC 2181 §5.4.1): answer records on the chain from the name
/// asked, a referral only to a zone strictly below `zone` and above the name, glue only for
/// that referral's name servers, and the SOA only of `zone` or below.
fn read_response(
    message: &Message<Bytes>,
    zone: &Name,
    ask_name: &Name,
    ask_type: Rtype,
) -> Reading {
    let header = message.header();
    let rcode = header.rcode();
    let authoritative = header.aa();
    let in_zone = |name: &Name| name.ends_with(zone);

    // The answer: the chain from the name asked, inside the zone.
    let mut chain = vec![ask_name.clone()];
    let mut accepted = Vec::new();
    for (owner, rtype, ttl, data) in owned_records(message, 0) {
        if !in_zone(&owner) {
            continue;
        }
        let on_chain = chain.iter().any(|n| n.name_eq(&owner));
        let dname_above = rtype == Rtype::DNAME
            && chain
                .iter()
                .any(|n| n.ends_with(&owner) && !n.name_eq(&owner));
        if !(on_chain || dname_above) {
            continue;
        }
        if let RecordData::Cname(target) = &data {
            chain.push(target.cname().clone());
        }
        accepted.push((owner, rtype, ttl, data));
    }
    let soa = group(
        owned_records(message, 1)
            .into_iter()
            .filter(|(owner, rtype, ..)| {
                *rtype == Rtype::SOA && in_zone(owner) && ask_name.ends_with(owner)
            })
            .collect(),
    )
    .into_iter()
    .next();

    if rcode == Rcode::NXDOMAIN {
        if !accepted.is_empty() {
            // RFC 6604: the chain exists, its last name does not; the chain is the answer and
            // the last link's own resolution will find the NXDOMAIN.
            return Reading::Answer {
                rrsets: group(accepted),
                authoritative,
            };
        }
        return if authoritative {
            Reading::NxDomain(soa)
        } else {
            Reading::Lame(LameReason::NxDomainWithoutAa)
        };
    }
    if rcode != Rcode::NOERROR {
        return Reading::Lame(LameReason::Rcode(rcode.to_string()));
    }
    if !accepted.is_empty() {
        let _ = ask_type;
        return Reading::Answer {
            rrsets: group(accepted),
            authoritative,
        };
    }
    // A referral: NS for a zone strictly inside ours and above the name asked.
    let ns: Vec<Owned> = owned_records(message, 1)
        .into_iter()
        .filter(|(owner, rtype, ..)| {
            *rtype == Rtype::NS
                && in_zone(owner)
                && !owner.name_eq(zone)
                && ask_name.ends_with(owner)
        })
        .collect();
    if !authoritative && let Some(ns) = group(ns).into_iter().next() {
        let targets = ns_targets(&ns);
        let glue = group(
            owned_records(message, 2)
                .into_iter()
                .filter(|(owner, rtype, ..)| {
                    matches!(*rtype, Rtype::A | Rtype::AAAA)
                        && in_zone(owner)
                        && targets.iter().any(|t| t.name_eq(owner))
                })
                .collect(),
        );
        return Reading::Referral {
            zone: ns.owner.clone(),
            ns,
            glue,
        };
    }
    if authoritative {
        return Reading::NoData(soa);
    }
    Reading::Lame(LameReason::NoReferral)
}

#[cfg(test)]
mod tests;
