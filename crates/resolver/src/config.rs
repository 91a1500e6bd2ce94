//! What a resolver is configured with: root hints, the upstream port, QNAME minimisation, the
//! cache's bounds and the limits against abuse.

use std::net::IpAddr;
use std::path::Path;

use dns::{Name, RecordData, ZoneError};
use domain::base::Rtype;

use crate::cache::CacheLimits;

/// Limits on the work one client query may cause. Each is a defence against a known attack or
/// accident, and each can be set.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Referrals followed in one iteration (a delegation chain deeper than any real one means
    /// a loop or a trap).
    pub max_referrals: usize,
    /// Upstream queries one client query may cause, sub-resolutions included: the NXNSAttack
    /// bound (Afek et al. 2020: a referral to many glueless NS names made resolvers send
    /// hundreds of queries per client query).
    pub max_upstream_queries: usize,
    /// CNAME links followed for one answer (RFC 1034 §3.6.2 wants chains short; loops end here).
    pub max_cname_chain: usize,
    /// How deep glueless NS lookups may nest (resolving an NS name that needs resolving an NS
    /// name...).
    pub max_glueless_depth: usize,
    /// NS names of one delegation resolved when none has glue (Unbound resolves a few at a
    /// time; the NXNSAttack sends dozens).
    pub max_ns_lookups_per_delegation: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_referrals: 16,
            max_upstream_queries: 48,
            max_cname_chain: 8,
            max_glueless_depth: 3,
            max_ns_lookups_per_delegation: 3,
        }
    }
}

/// The resolver's configuration.
#[derive(Debug, Clone)]
pub struct ResolverConfig {
    /// Where iteration starts when nothing is cached.
    pub root_hints: RootHints,
    /// The port every upstream server is asked on: 53 on the internet; in the lab all
    /// servers share one (1053 when not root).
    pub upstream_port: u16,
    /// Ask each server only for the next label (RFC 9156), so the root hears `com.`, not
    /// `www.google.com.`.
    pub qname_minimisation: bool,
    /// The cache's bounds.
    pub cache: CacheLimits,
    /// Limits per client query.
    pub limits: Limits,
    /// Servers of equal rank (the same smoothed RTT, none backing off) are tried in a random
    /// order, so that load spreads over them. Off, they are tried in the order the hints or
    /// the referral list them: the tour turns this off so that its story, and a fault such as
    /// "the first root server is down", is the same on every run.
    pub spread_load: bool,
    /// The address iterative queries leave from (their ports stay random); `None` lets the
    /// kernel choose. The lab sets the resolver's own address, as a resolver host has.
    pub query_source: Option<std::net::IpAddr>,
}

impl Default for ResolverConfig {
    fn default() -> Self {
        ResolverConfig {
            root_hints: RootHints::iana(),
            upstream_port: 53,
            qname_minimisation: true,
            cache: CacheLimits::default(),
            limits: Limits::default(),
            spread_load: true,
            query_source: None,
        }
    }
}

/// The root servers: names and addresses, as IANA's named.root gives them.
#[derive(Debug, Clone)]
pub struct RootHints {
    /// Each root server's name and addresses.
    pub servers: Vec<(Name, Vec<IpAddr>)>,
}

impl RootHints {
    /// The real internet's root servers (IANA's named.root, embedded).
    pub fn iana() -> Self {
        let text = include_str!("named.root");
        Self::parse(text, Path::new("named.root")).expect("the embedded named.root is valid")
    }

    /// Reads a hints file in named.root form (the root's NS records and their addresses).
    pub fn load(path: &Path) -> Result<Self, ZoneError> {
        let text = std::fs::read_to_string(path).map_err(|e| ZoneError {
            file: path.to_path_buf(),
            line: 1,
            reason: dns::ZoneErrorReason::Io(dns::ReadProblem::from(&e)),
        })?;
        Self::parse(&text, path)
    }

    fn parse(text: &str, file: &Path) -> Result<Self, ZoneError> {
        let parsed = dns::parse_str(text, file, Some(&Name::root()))?;
        let mut servers: Vec<(Name, Vec<IpAddr>)> = Vec::new();
        for sourced in &parsed.records {
            if let RecordData::Ns(ns) = &sourced.record.data
                && sourced.record.owner.is_root()
            {
                servers.push((ns.nsdname().clone(), Vec::new()));
            }
        }
        for sourced in &parsed.records {
            let ip: IpAddr = match &sourced.record.data {
                RecordData::A(a) => a.addr().into(),
                RecordData::Aaaa(aaaa) => aaaa.addr().into(),
                _ => continue,
            };
            if let Some((_, addresses)) = servers
                .iter_mut()
                .find(|(name, _)| *name == sourced.record.owner)
            {
                addresses.push(ip);
            }
        }
        servers.retain(|(_, addresses)| !addresses.is_empty());
        if servers.is_empty() {
            return Err(ZoneError {
                file: file.to_path_buf(),
                line: 1,
                reason: dns::ZoneErrorReason::BadRdata {
                    rtype: Rtype::NS.to_string(),
                    why: dns::RdataProblem::NoRootServers,
                },
            });
        }
        Ok(RootHints { servers })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iana_hints_have_13_servers_with_v4_and_v6() {
        let hints = RootHints::iana();
        assert_eq!(hints.servers.len(), 13);
        assert!(hints.servers.iter().all(|(_, a)| a.len() == 2));
    }

    #[test]
    fn lab_hints_load() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lab/zones/root.hints");
        let hints = RootHints::load(&path).unwrap();
        assert_eq!(hints.servers.len(), 2);
        assert_eq!(
            hints.servers[0].1,
            vec![
                IpAddr::from([203, 0, 113, 2]),
                "2001:db8:1ab:3::2".parse().unwrap()
            ]
        );
    }

    #[test]
    fn hints_without_addresses_are_refused() {
        let err = RootHints::parse(". 3600 NS a.root.\n", Path::new("h")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("h:1: bad NS data: no root server with an address"),
            "{err}"
        );
    }
}
