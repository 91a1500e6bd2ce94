//! From a URL's host to addresses: THE-FLOW.md step 1 (the browser's own knowledge first) and
//! the query that follows when it knows nothing.
//!
//! [`Names::resolve`] tries, in order: an IP literal; `/etc/hosts`, as the operating system
//! would; the host cache, within each entry's TTL; and DNS — a *recursive* query (RD=1) to the
//! configured resolver, or the resolver crate's iterator in-process from the root hints
//! (`--recursive`). A and AAAA are asked at the same time. What DNS answers goes into the host
//! cache for its TTL (the smallest TTL on the CNAME chain and the addresses).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use domain::base::iana::Rcode;
use domain::base::{Message, ParsedName, Rtype, ToName};
use domain::rdata::{A, Aaaa, Cname};
use resolver::{Clock, Hop, Resolver, ResolverConfig, RootHints};

use crate::host_cache::HostCache;
use crate::hosts_file::{HostsFile, normalise};

/// How long to wait for the resolver's answer to one try.
pub const STUB_TIMEOUT: Duration = Duration::from_secs(3);
/// Tries per question when the resolver does not answer.
pub const STUB_TRIES: usize = 2;

/// Where DNS answers come from when neither the hosts file nor the cache knows the name.
#[derive(Debug, Clone)]
pub enum NameService {
    /// A recursive resolver (the system's, from resolv.conf, or `--resolver`).
    Resolver(SocketAddr),
    /// The resolver crate's iterator, in this process, from these root hints, asking every
    /// server on `port`.
    Recursive { hints: RootHints, port: u16 },
}

/// Who answered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// The host was an address already.
    Literal,
    /// The hosts file.
    HostsFile,
    /// The browser's host cache, with the seconds the entry had left.
    HostCache { ttl_left: u64 },
    /// A resolver, asked with a recursive query.
    Resolver { server: SocketAddr },
    /// The in-process iterator.
    Recursive,
}

/// A host name's addresses and how they were found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Resolved {
    /// The host as asked (normalised: lower case, no final dot).
    pub host: String,
    /// Its addresses: the AAAA answers, then the A answers, each in DNS order.
    pub addresses: Vec<IpAddr>,
    /// How long they may be kept (0 for literals and the hosts file).
    pub ttl: u32,
    /// Who answered.
    pub source: Source,
    /// The CNAME chain from the host to the name that has the addresses.
    pub cnames: Vec<String>,
    /// The iterative queries, for `--recursive`, one line each as `dig +trace` shows them, in
    /// the browser's language (JSON: `hops`; filled by the browser from `hops`).
    #[serde(rename = "hops")]
    pub hop_lines: Vec<String>,
    /// The iterative queries, for `--recursive`.
    #[serde(skip)]
    pub hops: Vec<Hop>,
}

/// Why a host has no addresses.
#[derive(Debug, Clone, thiserror::Error)]
pub enum NameError {
    /// Not a name DNS can carry.
    #[error("{host}: not a valid host name ({why})")]
    BadName { host: String, why: dns::NameProblem },
    /// The name does not exist.
    #[error("{host}: no such host (NXDOMAIN from {by})")]
    NxDomain { host: String, by: String },
    /// The name exists without A or AAAA records.
    #[error("{host}: the name has no address (no A or AAAA record)")]
    NoAddress { host: String },
    /// The resolver failed or did not answer.
    #[error("{host}: {by} failed: {why}")]
    Failed {
        host: String,
        by: String,
        why: String,
    },
}

/// The browser's name lookup: hosts file, host cache, DNS.
pub struct Names {
    hosts: HostsFile,
    cache: Option<HostCache>,
    service: NameService,
    recursive: Option<Arc<Resolver>>,
    source: Option<IpAddr>,
}

/// The in-process iterator `--recursive` needs, if the service is that.
fn iterator_for(service: &NameService, source: Option<IpAddr>) -> Option<Arc<Resolver>> {
    match service {
        NameService::Recursive { hints, port } => {
            let config = ResolverConfig {
                root_hints: hints.clone(),
                upstream_port: *port,
                query_source: source,
                ..Default::default()
            };
            Some(Arc::new(Resolver::new(
                config,
                Clock::system(),
                Arc::new(journey::Silent),
            )))
        }
        NameService::Resolver(_) => None,
    }
}

impl Names {
    /// A lookup with this hosts file, this cache (`None`: `--no-cache`) and this name service.
    pub fn new(hosts: HostsFile, cache: Option<HostCache>, service: NameService) -> Self {
        let recursive = iterator_for(&service, None);
        Names {
            hosts,
            cache,
            service,
            recursive,
            source: None,
        }
    }

    /// The same lookup, its DNS queries sent from `source` (the lab's browser host speaks
    /// from its own address, as a real host would); `None` lets the kernel choose.
    pub fn with_source(mut self, source: Option<IpAddr>) -> Self {
        self.source = source;
        self.recursive = iterator_for(&self.service, source);
        self
    }

    /// The host cache, if there is one.
    pub fn cache(&self) -> Option<&HostCache> {
        self.cache.as_ref()
    }

    /// The host cache, to save or clear it.
    pub fn cache_mut(&mut self) -> Option<&mut HostCache> {
        self.cache.as_mut()
    }

    /// The addresses of `host` at Unix time `now`.
    pub async fn resolve(&mut self, host: &str, now: u64) -> Result<Resolved, NameError> {
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        let resolved = |addresses, ttl, source| Resolved {
            host: normalise(host),
            addresses,
            ttl,
            source,
            cnames: Vec::new(),
            hop_lines: Vec::new(),
            hops: Vec::new(),
        };
        if let Ok(ip) = literal.parse::<IpAddr>() {
            return Ok(resolved(vec![ip], 0, Source::Literal));
        }
        if let Some(addresses) = self.hosts.get(host) {
            return Ok(resolved(addresses.to_vec(), 0, Source::HostsFile));
        }
        if let Some((addresses, ttl_left)) = self.cache.as_ref().and_then(|c| c.get(host, now)) {
            return Ok(resolved(
                addresses.to_vec(),
                ttl_left as u32,
                Source::HostCache { ttl_left },
            ));
        }
        let name = dns::parse_name(host).map_err(|e| NameError::BadName {
            host: host.to_owned(),
            why: e.why,
        })?;
        let answer = match &self.service {
            NameService::Resolver(server) => {
                ask_resolver(self.source, *server, host, &name).await?
            }
            NameService::Recursive { .. } => {
                let resolver = self.recursive.clone().expect("built with the service");
                ask_iterator(&resolver, host, &name).await?
            }
        };
        if let Some(cache) = self.cache.as_mut() {
            cache.insert(host, answer.addresses.clone(), answer.ttl, now);
        }
        Ok(answer)
    }
}

/// Addresses gathered from A and AAAA answers.
#[derive(Default)]
struct Gathered {
    v6: Vec<IpAddr>,
    v4: Vec<IpAddr>,
    cnames: Vec<String>,
    ttl: Option<u32>,
    nxdomain: bool,
}

impl Gathered {
    fn ttl(&mut self, ttl: u32) {
        self.ttl = Some(self.ttl.map_or(ttl, |t| t.min(ttl)));
    }

    fn finish(
        self,
        host: &str,
        source: Source,
        by: String,
        hops: Vec<Hop>,
    ) -> Result<Resolved, NameError> {
        let mut addresses = self.v6;
        addresses.extend(self.v4);
        if addresses.is_empty() {
            return Err(if self.nxdomain {
                NameError::NxDomain {
                    host: host.to_owned(),
                    by,
                }
            } else {
                NameError::NoAddress {
                    host: host.to_owned(),
                }
            });
        }
        Ok(Resolved {
            host: normalise(host),
            addresses,
            ttl: self.ttl.unwrap_or(0),
            source,
            cnames: self.cnames,
            hop_lines: Vec::new(),
            hops,
        })
    }
}

/// A recursive query for A and one for AAAA, at the same time, to `server`.
async fn ask_resolver(
    source: Option<IpAddr>,
    server: SocketAddr,
    host: &str,
    name: &dns::Name,
) -> Result<Resolved, NameError> {
    let by = format!("the resolver {server}");
    let failed = |why: String| NameError::Failed {
        host: host.to_owned(),
        by: by.clone(),
        why,
    };
    let (a, aaaa) = tokio::join!(
        stub_query(source, server, name, Rtype::A),
        stub_query(source, server, name, Rtype::AAAA)
    );
    let mut gathered = Gathered::default();
    let mut errors = Vec::new();
    for reply in [a, aaaa] {
        match reply {
            Ok(message) => read_addresses(&message, name, &mut gathered),
            Err(err) => errors.push(err),
        }
    }
    if gathered.v4.is_empty() && gathered.v6.is_empty() && !gathered.nxdomain && !errors.is_empty()
    {
        return Err(failed(errors.join("; ")));
    }
    gathered.finish(host, Source::Resolver { server }, by, Vec::new())
}

async fn stub_query(
    source: Option<IpAddr>,
    server: SocketAddr,
    name: &dns::Name,
    qtype: Rtype,
) -> Result<Message<Bytes>, String> {
    let mut last = String::new();
    for _ in 0..STUB_TRIES {
        match resolver::upstream::exchange_from(source, server, name, qtype, true, STUB_TIMEOUT)
            .await
        {
            Ok((message, _)) => {
                let rcode = message.header().rcode();
                if rcode != Rcode::NOERROR && rcode != Rcode::NXDOMAIN {
                    return Err(format!("{qtype} answered {rcode}"));
                }
                return Ok(message);
            }
            Err(err) => last = err.to_string(),
        }
    }
    Err(format!("{qtype}: {last}"))
}

/// The A/AAAA records on the CNAME chain from `name`, and the chain itself.
fn read_addresses(message: &Message<Bytes>, name: &dns::Name, gathered: &mut Gathered) {
    if message.header().rcode() == Rcode::NXDOMAIN {
        gathered.nxdomain = true;
    }
    let Ok(answer) = message.answer() else { return };
    let mut chain = vec![name.clone()];
    for record in answer.flatten() {
        let owner: dns::Name = record.owner().to_name();
        if !chain.iter().any(|n| n.name_eq(&owner)) {
            continue;
        }
        let ttl = record.ttl().as_secs();
        match record.rtype() {
            Rtype::CNAME => {
                if let Ok(Some(cname)) = record.to_record::<Cname<ParsedName<Bytes>>>() {
                    let target: dns::Name = cname.data().cname().to_name();
                    gathered.cnames.push(target.to_string());
                    chain.push(target);
                    gathered.ttl(ttl);
                }
            }
            Rtype::A => {
                if let Ok(Some(a)) = record.to_record::<A>() {
                    gathered.v4.push(a.data().addr().into());
                    gathered.ttl(ttl);
                }
            }
            Rtype::AAAA => {
                if let Ok(Some(aaaa)) = record.to_record::<Aaaa>() {
                    gathered.v6.push(aaaa.data().addr().into());
                    gathered.ttl(ttl);
                }
            }
            _ => {}
        }
    }
    gathered.cnames.dedup();
}

/// `--recursive`: the iterator from the root hints, for A and AAAA.
async fn ask_iterator(
    resolver: &Resolver,
    host: &str,
    name: &dns::Name,
) -> Result<Resolved, NameError> {
    let mut gathered = Gathered::default();
    let mut hops = Vec::new();
    let mut failures = Vec::new();
    for qtype in [Rtype::A, Rtype::AAAA] {
        let resolution = resolver.resolve_uncoalesced(name, qtype).await;
        hops.extend(resolution.hops);
        match resolution.rcode {
            Rcode::NXDOMAIN => gathered.nxdomain = true,
            Rcode::NOERROR => {}
            other => failures.push(format!("{qtype}: {other}")),
        }
        for set in &resolution.answer {
            gathered.ttl(set.ttl);
            for data in &set.data {
                match data {
                    dns::RecordData::A(a) => gathered.v4.push(a.addr().into()),
                    dns::RecordData::Aaaa(aaaa) => gathered.v6.push(aaaa.addr().into()),
                    dns::RecordData::Cname(cname) if qtype == Rtype::A => {
                        gathered.cnames.push(cname.cname().to_string())
                    }
                    _ => {}
                }
            }
        }
    }
    if gathered.v4.is_empty()
        && gathered.v6.is_empty()
        && !gathered.nxdomain
        && !failures.is_empty()
    {
        return Err(NameError::Failed {
            host: host.to_owned(),
            by: "the iterative resolution".into(),
            why: failures.join("; "),
        });
    }
    gathered.finish(
        host,
        Source::Recursive,
        "the iterative resolution".into(),
        hops,
    )
}
