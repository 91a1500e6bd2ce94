//! The front's response cache: the bytes of an answer already composed, replayed for the next
//! identical question with every TTL counted down to what is left.
//!
//! Composing a response from the RRset cache takes a lock, lookups along the CNAME chain, and
//! name compression; replaying takes a hash lookup, a copy and a few 4-octet writes. Each UDP
//! worker has its own (no lock is shared). An entry lives until its first record expires; the
//! RRset cache stays the source of truth, and a miss here falls back to it. Unbound keeps its
//! answers in a similar pre-encoded form for the same reason.

use std::collections::HashMap;

use dnsnet::quick::QuickQuery;

use crate::iterate::Resolution;

/// Entries per worker before the cache is emptied and refilled.
pub const MAX_ENTRIES: usize = 200_000;

struct Entry {
    /// Header octets 2-3 with RD and CD cleared (they are the client's).
    flags: [u8; 2],
    /// Header octets 4-11: the section counts.
    counts: [u8; 8],
    /// Everything after the question.
    tail: Box<[u8]>,
    /// Where in `tail` each answer and authority record's TTL is, and when it runs out.
    ttls: Box<[(u16, u64)]>,
    /// When the first of them runs out: the entry's end.
    expires: u64,
}

/// One worker's response cache.
#[derive(Default)]
pub struct ResponseCache {
    entries: HashMap<Box<[u8]>, Entry, foldhash::fast::RandomState>,
}

impl ResponseCache {
    /// Writes the stored response to `query` into `out`, TTLs as of `now`; false on a miss.
    pub fn answer(
        &mut self,
        query: &[u8],
        quick: &QuickQuery,
        now: u64,
        out: &mut Vec<u8>,
    ) -> bool {
        let Some(entry) = self.entries.get(quick.key()) else {
            return false;
        };
        if entry.expires <= now {
            self.entries.remove(quick.key());
            return false;
        }
        out.clear();
        out.extend_from_slice(&query[..2]);
        out.push(entry.flags[0] | (query[2] & 0x01));
        out.push(entry.flags[1] | (query[3] & 0x10));
        out.extend_from_slice(&entry.counts);
        out.extend_from_slice(&query[12..quick.question_end]);
        let start = out.len();
        out.extend_from_slice(&entry.tail);
        for &(offset, expires) in entry.ttls.iter() {
            let at = start + usize::from(offset);
            let left = (expires - now).min(u64::from(u32::MAX)) as u32;
            out[at..at + 4].copy_from_slice(&left.to_be_bytes());
        }
        true
    }

    /// Keeps `response` (just composed for `query` from `resolution` at `now`) for replay.
    /// Responses whose records cannot be matched to the resolution's TTLs are not kept.
    pub fn store(
        &mut self,
        query: &[u8],
        quick: &QuickQuery,
        response: &[u8],
        resolution: &Resolution,
        now: u64,
    ) {
        let end = quick.question_end;
        if response.len() < end || response[12..end] != query[12..end] || response[2] & 0x02 != 0 {
            return; // Not our question echoed, or truncated (TC=1).
        }
        let ttl_of_each_record: Vec<u32> = resolution
            .answer
            .iter()
            .chain(&resolution.authority)
            .flat_map(|set| std::iter::repeat_n(set.ttl, set.data.len()))
            .collect();
        let records = usize::from(u16::from_be_bytes([response[6], response[7]]))
            + usize::from(u16::from_be_bytes([response[8], response[9]]));
        if records != ttl_of_each_record.len() {
            return;
        }
        let Some(offsets) = ttl_offsets(response, end, records) else {
            return;
        };
        let ttls: Box<[(u16, u64)]> = offsets
            .iter()
            .zip(&ttl_of_each_record)
            .map(|(&offset, &ttl)| ((offset - end) as u16, now + u64::from(ttl)))
            .collect();
        let expires = ttls.iter().map(|&(_, e)| e).min().unwrap_or(now + 1);
        if expires <= now {
            return;
        }
        if self.entries.len() >= MAX_ENTRIES {
            self.entries.clear();
        }
        self.entries.insert(
            quick.key().into(),
            Entry {
                flags: [response[2] & !0x01, response[3] & !0x10],
                counts: response[4..12].try_into().expect("a 12-octet header"),
                tail: response[end..].into(),
                ttls,
                expires,
            },
        );
    }
}

/// The offsets of the TTL fields of the first `records` records after the question (which ends
/// at `start`), walking the wire format; `None` if it does not walk cleanly.
fn ttl_offsets(message: &[u8], start: usize, records: usize) -> Option<Vec<usize>> {
    let mut pos = start;
    let mut offsets = Vec::with_capacity(records);
    for _ in 0..records {
        // The owner: labels up to the root label, or up to a compression pointer.
        loop {
            let len = *message.get(pos)?;
            if len & 0xc0 == 0xc0 {
                pos += 2;
                break;
            }
            pos += 1 + usize::from(len);
            if len == 0 {
                break;
            }
        }
        offsets.push(pos + 4); // After TYPE and CLASS.
        let rdlen = usize::from(u16::from_be_bytes([
            *message.get(pos + 8)?,
            *message.get(pos + 9)?,
        ]));
        pos += 10 + rdlen;
        if pos > message.len() {
            return None;
        }
    }
    Some(offsets)
}
