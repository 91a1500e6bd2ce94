//! One packet, many links: the copies of a packet captured on each link it crossed, put back
//! together into one [`Packet`] with its [`Packet::path`].
//!
//! In the lab's namespaces every host and router captures only what it *sends*
//! ([`crate::Capture::start_outgoing`]). Every frame on a link has exactly one sender, so a
//! packet routed across k links is captured exactly k times: once by its source, once by each
//! router that forwards it. Each copy has the link's MAC addresses and a TTL (hop limit) one
//! lower than the copy before; the rest of the IP packet is the same.
//!
//! # When two observations are the same packet
//!
//! An observation B continues the path whose last hop is A when:
//!
//! - both are IPv4 or both IPv6, with the same source, destination and protocol (IPv6: next
//!   header), for IPv4 the same identification field, and byte for byte the same IP payload
//!   (transport header and data): what a router does not change. The TTL and the IPv4 header
//!   checksum, which it does change, are left out;
//! - B's TTL is exactly A's minus one, B was captured by another host than A, and no more than
//!   [`MERGE_WINDOW`] after A (or up to [`CLOCK_SKEW`] before it: two captures' stamps).
//!
//! The window is seconds, not milliseconds: a router that must first resolve its next hop
//! (ARP, neighbour solicitation) holds the packet until the answer comes, and on a fresh lab
//! that took two seconds (the router-in-namespaces test saw it: three SYNs held, then sent
//! together). Of several paths B could continue, the one whose last hop is oldest wins: a
//! router forwards, and releases what it held, in the order it came. A copy with the same TTL
//! as the first hop is never a continuation, so a retransmission (the same bytes sent again by
//! the same host) starts a new packet; retransmissions rarely have the same bytes anyway (a new
//! IPv4 identification, a new TCP timestamp). ARP and neighbour discovery (ICMPv6 133-137)
//! never cross a router: each such frame is a packet with a path of one hop.
//!
//! What this cannot tell apart: two packets with the same bytes both waiting at the same TTL,
//! one of them then lost. The copy that goes on is given to the older one.
//!
//! Decoding (relative sequence numbers, DNS, HTTP lines) is done once per merged packet, in the
//! order of the first hops' times, from the first hop's frame.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::time::{Duration, SystemTime};

use crate::decode::{Decoder, Hop, LinkFacts, Packet};

/// How long after its previous hop a packet's next copy may be captured and still be the same
/// packet: longer than a router may hold it while resolving its next hop (Linux gives up on
/// ARP or neighbour discovery after 3 tries a second apart).
pub const MERGE_WINDOW: Duration = Duration::from_secs(5);

/// How much earlier than the copy before it a packet's next copy may be stamped, at any hop of
/// its path. The captures' stamps are the kernel's, taken as each copy crossed its interface
/// ([`crate::Capture`] reads them from its ring), so a next hop's copy should never be stamped
/// first; but when stamps came from `recvmsg`, a router's was once seen 4 us before the
/// sender's (a resolver's query in the lab) and, under load, by milliseconds (the reading
/// thread's time: see `sys::Ring`). This allowance keeps a small disorder from splitting a
/// path; a larger one is not taken for the same packet.
pub const CLOCK_SKEW: Duration = Duration::from_millis(1);

/// One frame as one capture saw it, before decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// The capture's host label (the sending host or router).
    pub host: String,
    /// The interface the frame left by.
    pub interface: String,
    /// The kernel's timestamp.
    pub at: SystemTime,
    /// The Ethernet frame.
    pub frame: Vec<u8>,
}

/// What finds the earlier copies of an IP packet quickly.
struct Identity {
    /// A hash of everything compared, to find candidates quickly.
    hash: u64,
    /// The TTL or hop limit.
    ttl: u8,
}

/// The bytes that identify an IP packet across hops: IP version, addresses, protocol, (IPv4)
/// identification, and the IP payload. `None` for what is never forwarded or not IP.
fn identity_parts(frame: &[u8]) -> Option<(u8, [&[u8]; 4])> {
    let ip = frame.get(14..)?;
    match frame.get(12..14)? {
        [0x08, 0x00] => {
            let header_len = usize::from(ip.first()? & 0x0f) * 4;
            let total = usize::from(u16::from_be_bytes([*ip.get(2)?, *ip.get(3)?]));
            if header_len < 20 || total < header_len {
                return None;
            }
            let payload = ip.get(header_len..total.min(ip.len()))?;
            // version, id; protocol; addresses; payload
            Some((ip[8], [&ip[4..6], &ip[9..10], &ip[12..20], payload]))
        }
        [0x86, 0xdd] => {
            let payload_len = usize::from(u16::from_be_bytes([*ip.get(4)?, *ip.get(5)?]));
            let next_header = *ip.get(6)?;
            let payload = ip.get(40..(40 + payload_len).min(ip.len()))?;
            // Neighbour discovery stays on its link.
            if next_header == 58 && payload.first().is_some_and(|t| (133..=137).contains(t)) {
                return None;
            }
            Some((ip[7], [&[6][..], &ip[6..7], &ip[8..40], payload]))
        }
        _ => None,
    }
}

fn identity(frame: &[u8]) -> Option<Identity> {
    let (ttl, parts) = identity_parts(frame)?;
    let mut hasher = DefaultHasher::new();
    parts.hash(&mut hasher);
    Some(Identity {
        hash: hasher.finish(),
        ttl,
    })
}

/// Whether two frames carry the same IP packet (all but TTL and header checksum equal).
fn same_packet(a: &[u8], b: &[u8]) -> bool {
    match (identity_parts(a), identity_parts(b)) {
        (Some((_, a)), Some((_, b))) => a == b,
        _ => false,
    }
}

/// Puts the copies of each packet together (see the module doc), decodes each packet once in
/// the order of its first hop, and returns the packets in that order. Observations that do not
/// decode (see [`crate::DecodeError`]) are left out. `dns_port` is as for [`Decoder::new`].
pub fn merge_paths(observations: Vec<Observation>, dns_port: u16) -> Vec<Packet> {
    merge_counting(observations, dns_port).0
}

/// [`merge_paths`], and how many observations did not decode.
pub(crate) fn merge_counting(
    mut observations: Vec<Observation>,
    dns_port: u16,
) -> (Vec<Packet>, u64) {
    observations.sort_by_key(|o| o.at);
    let mut chains: Vec<Vec<(Observation, Option<u8>)>> = Vec::new();
    let mut by_identity: HashMap<u64, Vec<usize>> = HashMap::new();
    for observation in observations {
        let Some(id) = identity(&observation.frame) else {
            chains.push(vec![(observation, None)]);
            continue;
        };
        let candidates = by_identity.entry(id.hash).or_default();
        let continues = candidates
            .iter()
            .copied()
            .filter(|&chain| {
                let Some((last, last_ttl)) = chains[chain].last() else {
                    return false;
                };
                *last_ttl == Some(id.ttl.wrapping_add(1))
                    && id.ttl < u8::MAX
                    && last.host != observation.host
                    && observation
                        .at
                        .duration_since(last.at)
                        .is_ok_and(|gap| gap <= MERGE_WINDOW)
                    && same_packet(&last.frame, &observation.frame)
            })
            .min_by_key(|&chain| chains[chain].last().map(|(o, _)| o.at));
        // A copy stamped a little later than the next hop's copy (CLOCK_SKEW) goes before it,
        // wherever it is on the path: the next hops' copies, already a chain of their own, are
        // joined after it.
        let follows = candidates
            .iter()
            .copied()
            .filter(|&chain| Some(chain) != continues)
            .filter(|&chain| {
                let Some((first, first_ttl)) = chains[chain].first() else {
                    return false;
                };
                *first_ttl == id.ttl.checked_sub(1)
                    && first.host != observation.host
                    && observation
                        .at
                        .duration_since(first.at)
                        .is_ok_and(|late| late <= CLOCK_SKEW)
                    && same_packet(&first.frame, &observation.frame)
            })
            .min_by_key(|&chain| chains[chain][0].0.at);
        let chain = match continues {
            Some(chain) => {
                chains[chain].push((observation, Some(id.ttl)));
                chain
            }
            None => {
                candidates.push(chains.len());
                chains.push(vec![(observation, Some(id.ttl))]);
                chains.len() - 1
            }
        };
        if let Some(next) = follows {
            let rest = std::mem::take(&mut chains[next]);
            chains[chain].extend(rest);
            candidates.retain(|&c| c != next);
        }
    }
    chains.retain(|chain| !chain.is_empty());
    // Decoded in time order of each packet's first hop, which keeps relative sequence
    // numbers right (a chain's first hop may have been put before it later, above).
    chains.sort_by_key(|chain| chain[0].0.at);
    let mut decoder = Decoder::new(dns_port);
    let mut undecoded = 0;
    let mut packets = Vec::with_capacity(chains.len());
    for chain in chains {
        let Ok(decoded) = decoder.decode_slice(&chain[0].0.frame) else {
            undecoded += chain.len() as u64;
            continue;
        };
        let path = chain
            .into_iter()
            .map(|(o, _)| {
                let link = LinkFacts::of(&o.frame);
                Hop {
                    host: o.host,
                    interface: o.interface,
                    at: o.at,
                    ttl: decoded.link.ttl.and(link.ttl),
                    src_mac: link.src_mac,
                    dst_mac: link.dst_mac,
                    frame: o.frame,
                }
            })
            .collect();
        packets.push(Decoder::packet(decoded, path));
    }
    (packets, undecoded)
}

#[cfg(test)]
mod tests;
