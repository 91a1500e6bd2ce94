//! A packet cache in front of the catalog: the same question gets the same bytes back.
//!
//! Zones do not change while they are served, so the response to a question depends only on the
//! question's name (ignoring case), type and class, and on how much room the client gave us.
//! [`Responder::respond`] reads the common shape of a query by hand — a header, one
//! uncompressed question, at most one OPT record — and, when it has answered that exact
//! question before, writes the query's ID, flags and question (case as sent) in front of the
//! stored rest of the response. Anything else, and every first time, goes through
//! [`Catalog::respond`], which checks everything; only its cacheable answers are stored.
//! PowerDNS's authoritative server has had the same kind of cache for years.
//!
//! The stored part never depends on the question's case: the answer's owner names are
//! compression pointers to the question (offset 12), which carries the client's case.

use std::collections::HashMap;
use std::sync::Arc;

use crate::answer::{Answered, CLASSIC_UDP_PAYLOAD, Catalog, MAX_UDP_PAYLOAD, Transport};

/// Entries per responder before the cache is emptied and refilled (about 100 MB at the worst).
pub const MAX_ENTRIES: usize = 500_000;

/// One worker's way to answer: the catalog, and its own cache (no locks between workers).
pub struct Responder {
    catalog: Arc<Catalog>,
    /// foldhash with a random seed per process: fast on short keys, and clients who choose the
    /// names they ask cannot predict collisions.
    cache: Option<HashMap<Box<[u8]>, Stored, foldhash::fast::RandomState>>,
}

/// A response without its ID and question.
struct Stored {
    /// Header octets 2-3 with RD and CD cleared (they are copied from each query).
    flags: [u8; 2],
    /// Header octets 4-11: the four section counts.
    counts: [u8; 8],
    /// Everything after the question.
    tail: Box<[u8]>,
    answered: Answered,
}

/// The parts of a query in its common shape, read without allocating.
struct QuickQuery {
    /// Octets 12.. up to the end of the question (QNAME, QTYPE, QCLASS).
    question_end: usize,
    /// Cache key: lower-cased QNAME, QTYPE, QCLASS, the response size limit, and whether the
    /// query had an OPT record (the response has one only then).
    key: [u8; 255 + 4 + 3],
    key_len: usize,
}

impl Responder {
    /// A responder for `catalog`, with a packet cache or without.
    pub fn new(catalog: Arc<Catalog>, packet_cache: bool) -> Self {
        Responder {
            catalog,
            cache: packet_cache.then(HashMap::default),
        }
    }

    /// Answers `query` into `out` as [`Catalog::respond`] does, from the cache when it can.
    pub fn respond(
        &mut self,
        query: &[u8],
        transport: Transport,
        out: &mut Vec<u8>,
    ) -> Option<Answered> {
        let Some(cache) = self.cache.as_mut() else {
            return self.catalog.respond(query, transport, out);
        };
        let quick = quick_parse(query, transport);
        if let Some(quick) = &quick
            && let Some(stored) = cache.get(&quick.key[..quick.key_len])
        {
            out.clear();
            out.extend_from_slice(&query[..2]);
            // RD and CD are the client's (RFC 1035 §4.1.1, RFC 4035 §3.2.2).
            out.push(stored.flags[0] | (query[2] & 0x01));
            out.push(stored.flags[1] | (query[3] & 0x10));
            out.extend_from_slice(&stored.counts);
            out.extend_from_slice(&query[12..quick.question_end]);
            out.extend_from_slice(&stored.tail);
            return Some(stored.answered);
        }
        let answered = self.catalog.respond(query, transport, out)?;
        if let Some(quick) = quick
            && answered.cacheable
            && out.len() >= quick.question_end
            && out[12..quick.question_end] == query[12..quick.question_end]
        {
            if cache.len() >= MAX_ENTRIES {
                cache.clear();
            }
            let stored = Stored {
                flags: [out[2] & !0x01, out[3] & !0x10],
                counts: out[4..12].try_into().expect("12-octet header"),
                tail: out[quick.question_end..].into(),
                answered,
            };
            cache.insert(quick.key[..quick.key_len].into(), stored);
        }
        Some(answered)
    }
}

/// Reads a query of the common shape: QR=0, opcode QUERY, QDCOUNT 1, no answer or authority
/// records, and either nothing or exactly one well-formed root OPT record after the question,
/// ending the message. Anything else — including compression in the question — is `None`, and
/// the full parser decides.
fn quick_parse(query: &[u8], transport: Transport) -> Option<QuickQuery> {
    if query.len() < 12 || query[2] & 0xf8 != 0 {
        return None; // QR=1 or an opcode other than QUERY (0).
    }
    if query[4..10] != [0, 1, 0, 0, 0, 0] {
        return None;
    }
    let arcount = u16::from_be_bytes([query[10], query[11]]);
    let mut key = [0u8; 255 + 4 + 3];
    let mut pos = 12;
    loop {
        let len = usize::from(*query.get(pos)?);
        if len > 63 {
            return None; // A compression pointer or a reserved label type.
        }
        let label = query.get(pos..pos + 1 + len)?;
        let at = pos - 12;
        if at + label.len() > 255 {
            return None;
        }
        key[at] = label[0];
        for (i, byte) in label[1..].iter().enumerate() {
            key[at + 1 + i] = byte.to_ascii_lowercase();
        }
        pos += 1 + len;
        if len == 0 {
            break;
        }
    }
    let name_len = pos - 12;
    if name_len > 255 {
        return None;
    }
    let fixed = query.get(pos..pos + 4)?; // QTYPE, QCLASS
    key[name_len..name_len + 4].copy_from_slice(fixed);
    let question_end = pos + 4;
    let limit = match arcount {
        0 if question_end == query.len() => match transport {
            Transport::Udp => CLASSIC_UDP_PAYLOAD,
            Transport::Tcp => u16::MAX,
        },
        1 => {
            // OPT: root owner (0), TYPE 41, CLASS = UDP size, TTL = ext-rcode/version/flags,
            // RDLENGTH, and RDATA reaching exactly the end of the message.
            let opt = query.get(question_end..question_end + 11)?;
            if opt[0] != 0 || opt[1..3] != [0, 41] || opt[6] != 0 {
                return None; // Not a root OPT, or an EDNS version the full path answers.
            }
            let rdlen = usize::from(u16::from_be_bytes([opt[9], opt[10]]));
            if question_end + 11 + rdlen != query.len() {
                return None;
            }
            match transport {
                Transport::Udp => {
                    u16::from_be_bytes([opt[3], opt[4]]).clamp(CLASSIC_UDP_PAYLOAD, MAX_UDP_PAYLOAD)
                }
                Transport::Tcp => u16::MAX,
            }
        }
        _ => return None,
    };
    key[name_len + 4..name_len + 6].copy_from_slice(&limit.to_be_bytes());
    key[name_len + 6] = u8::from(arcount == 1);
    let key_len = name_len + 4 + 3;
    Some(QuickQuery {
        question_end,
        key,
        key_len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(name: &[u8], edns: bool) -> Vec<u8> {
        let mut q = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, u8::from(edns)];
        q.extend_from_slice(name);
        q.extend_from_slice(&[0, 1, 0, 1]);
        if edns {
            q.extend_from_slice(&[0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]);
        }
        q
    }

    #[test]
    fn keys_ignore_case_but_not_size_or_edns() {
        let upper = quick_parse(&query(b"\x03WWW\x00", true), Transport::Udp).unwrap();
        let lower = quick_parse(&query(b"\x03www\x00", true), Transport::Udp).unwrap();
        assert_eq!(upper.key[..upper.key_len], lower.key[..lower.key_len]);
        let plain = quick_parse(&query(b"\x03www\x00", false), Transport::Udp).unwrap();
        assert_ne!(plain.key[..plain.key_len], lower.key[..lower.key_len]);
        let tcp = quick_parse(&query(b"\x03www\x00", true), Transport::Tcp).unwrap();
        assert_ne!(tcp.key[..tcp.key_len], lower.key[..lower.key_len]);
    }

    #[test]
    fn unusual_shapes_go_to_the_full_parser() {
        let mut compressed = query(b"\xc0\x0c", false);
        assert!(quick_parse(&compressed, Transport::Udp).is_none());
        compressed[2] |= 0x80; // QR=1
        assert!(quick_parse(&compressed, Transport::Udp).is_none());
        let mut trailing = query(b"\x03www\x00", false);
        trailing.push(0);
        assert!(quick_parse(&trailing, Transport::Udp).is_none());
        let mut version1 = query(b"\x03www\x00", true);
        let len = version1.len();
        version1[len - 5] = 1;
        assert!(quick_parse(&version1, Transport::Udp).is_none());
        assert!(quick_parse(&query(b"\x03www", false)[..14], Transport::Udp).is_none());
    }
}
