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

use dnsnet::quick::quick_parse;

use crate::answer::{Answered, Catalog, Transport};

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
            && let Some(stored) = cache.get(quick.key())
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
            cache.insert(quick.key().into(), stored);
        }
        Some(answered)
    }
}
