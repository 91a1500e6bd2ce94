//! The resolver's cache: RRsets, negative answers and — as NS RRsets with their addresses — the
//! delegations learnt on the way, so that the next name under `com.` goes straight to the `com.`
//! servers.
//!
//! Every entry expires at `stored + TTL` (TTL capped by [`CacheLimits`]), read on the
//! [`Clock`](crate::Clock)'s whole seconds; answers from the cache carry the remaining TTL.
//! Data is ranked by where it came from (RFC 2181 §5.4.1): an entry is replaced only by data of
//! the same or a higher rank, or once it has expired — so glue never overwrites an answer, and
//! a referral's NS set never overwrites the child zone's own.
//!
//! Records are kept in wire form (each RDATA after its 2-octet length, names uncompressed) and
//! read back into typed data on lookup: an A record costs 6 octets instead of a 144-octet enum,
//! and the owner is the key itself (lower-cased), so 100,000 cached names take a few MB. Hot
//! answers do not pay for the decoding twice: the front replays their composed bytes.

use std::collections::HashMap;

use dns::{Name, RecordData, name_key};
use domain::base::Rtype;

/// How trustworthy cached data is, lowest first (RFC 2181 §5.4.1, simplified to what an
/// iterative resolver receives).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    /// Additional-section data: glue addresses from a referral.
    Glue,
    /// The authority section of a non-authoritative response: a referral's NS set.
    Referral,
    /// The answer section of a non-authoritative response.
    Answer,
    /// The answer or authority section of an authoritative response (AA=1).
    Authoritative,
}

/// Bounds on what the cache keeps.
#[derive(Debug, Clone, Copy)]
pub struct CacheLimits {
    /// The longest any positive entry is kept, whatever its TTL (Unbound's `cache-max-ttl`).
    pub max_ttl: u32,
    /// The longest a negative answer is kept (RFC 2308 §5 suggests one to three hours).
    pub max_negative_ttl: u32,
    /// Entries (RRsets and negative answers) at most; beyond, expired entries go first, then
    /// arbitrary ones until a tenth of the room is free again.
    pub max_entries: usize,
}

impl Default for CacheLimits {
    fn default() -> Self {
        CacheLimits {
            max_ttl: 86_400,
            max_negative_ttl: 3 * 3600,
            max_entries: 1_000_000,
        }
    }
}

/// One cached RRset, as a lookup returns it.
#[derive(Debug, Clone)]
pub struct CachedRrset {
    /// Owner name (lower-cased: the cache keys on it).
    pub owner: Name,
    /// Type.
    pub rtype: Rtype,
    /// Records.
    pub data: Vec<RecordData>,
    /// When it expires, in clock seconds.
    pub expires: u64,
    /// Where it came from.
    pub rank: Rank,
}

/// A cached negative answer (RFC 2308): the name does not exist, or has no data of a type.
#[derive(Debug, Clone)]
pub struct CachedNegative {
    /// The zone's SOA that came with it, for the authority section.
    pub soa: Option<(Name, RecordData)>,
    /// When it expires, in clock seconds.
    pub expires: u64,
}

/// What the cache knows about one question.
#[derive(Debug, Clone)]
pub enum Known {
    /// The RRset, with its remaining TTL.
    Positive(CachedRrset, u32),
    /// The name does not exist (RFC 2308 §2.1; RFC 8020: nor does anything below it).
    NxDomain(CachedNegative, u32),
    /// The name exists without data of this type (RFC 2308 §2.2).
    NoData(CachedNegative, u32),
}

/// A name's lower-cased wire form followed by a type number: one allocation per entry, and
/// lookups from a stack buffer ([`KeyBuf`]) allocate nothing.
type Key = Box<[u8]>;

/// A lookup key on the stack: at most 255 octets of name and 2 of type.
struct KeyBuf {
    buf: [u8; 257],
    len: usize,
}

impl KeyBuf {
    fn new(name: &[u8], rtype: u16) -> Self {
        let mut buf = [0u8; 257];
        let len = name.len().min(255);
        buf[..len].copy_from_slice(&name[..len]);
        buf[len..len + 2].copy_from_slice(&rtype.to_be_bytes());
        KeyBuf { buf, len: len + 2 }
    }

    fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

fn key(name: &[u8], rtype: u16) -> Key {
    KeyBuf::new(name, rtype).as_slice().into()
}

/// An RRset as stored: its records' RDATA in wire form.
#[derive(Debug)]
struct Stored {
    rtype: Rtype,
    rank: Rank,
    expires: u64,
    rdata: Box<[u8]>,
}

impl Stored {
    fn read(&self, key: &[u8]) -> CachedRrset {
        CachedRrset {
            owner: Name::from_octets(bytes::Bytes::copy_from_slice(key)).expect("keys are names"),
            rtype: self.rtype,
            data: decode(self.rtype, &self.rdata),
            expires: self.expires,
            rank: self.rank,
        }
    }
}

/// Each record's RDATA, uncompressed, after its length.
fn encode(data: &[RecordData]) -> Box<[u8]> {
    use domain::base::rdata::ComposeRecordData;
    let mut out = Vec::new();
    for record in data {
        let start = out.len();
        out.extend_from_slice(&[0, 0]);
        if record.compose_rdata(&mut out).is_err() {
            out.truncate(start);
            continue;
        }
        let len = (out.len() - start - 2) as u16;
        out[start..start + 2].copy_from_slice(&len.to_be_bytes());
    }
    out.into_boxed_slice()
}

fn decode(rtype: Rtype, mut wire: &[u8]) -> Vec<RecordData> {
    use domain::base::ParsedName;
    use domain::base::name::FlattenInto;
    use domain::base::rdata::ParseRecordData;
    use domain::dep::octseq::Parser;
    let mut records = Vec::new();
    while wire.len() >= 2 {
        let len = usize::from(u16::from_be_bytes([wire[0], wire[1]]));
        let Some(rdata) = wire.get(2..2 + len) else {
            break;
        };
        let bytes = bytes::Bytes::copy_from_slice(rdata);
        let mut parser = Parser::from_ref(&bytes);
        let parsed =
            domain::rdata::ZoneRecordData::<bytes::Bytes, ParsedName<bytes::Bytes>>::parse_rdata(
                rtype,
                &mut parser,
            );
        if let Ok(Some(parsed)) = parsed
            && let Ok(data) = parsed.try_flatten_into()
        {
            records.push(data);
        }
        wire = &wire[2 + len..];
    }
    records
}

/// The cache. Not synchronised: the resolver holds it behind a lock.
#[derive(Debug)]
pub struct Cache {
    rrsets: HashMap<Key, Stored, foldhash::fast::RandomState>,
    /// NODATA per (name, type); NXDOMAIN per name under type 0.
    negatives: HashMap<Key, CachedNegative, foldhash::fast::RandomState>,
    limits: CacheLimits,
}

/// The type number under which a name's NXDOMAIN is kept (0 is reserved, RFC 6895).
const NXDOMAIN_KEY: u16 = 0;

impl Cache {
    /// An empty cache.
    pub fn new(limits: CacheLimits) -> Self {
        Cache {
            rrsets: HashMap::default(),
            negatives: HashMap::default(),
            limits,
        }
    }

    /// Entries held (RRsets and negative answers, expired or not).
    pub fn len(&self) -> usize {
        self.rrsets.len() + self.negatives.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stores an RRset unless a better-ranked, unexpired one is there.
    pub fn insert_rrset(
        &mut self,
        owner: &Name,
        rtype: Rtype,
        ttl: u32,
        data: Vec<RecordData>,
        rank: Rank,
        now: u64,
    ) {
        let key = key(&name_key(owner), rtype.to_int());
        if let Some(existing) = self.rrsets.get(&key)
            && existing.expires > now
            && existing.rank > rank
        {
            return;
        }
        self.make_room(now);
        let expires = now + u64::from(ttl.min(self.limits.max_ttl));
        let rdata = encode(&data);
        self.rrsets.insert(
            key,
            Stored {
                rtype,
                rank,
                expires,
                rdata,
            },
        );
        // New data for a name makes an older "it does not exist" wrong.
        self.negatives
            .remove(KeyBuf::new(&name_key(owner), NXDOMAIN_KEY).as_slice());
    }

    /// Stores "no such name" for `name`, with the zone's SOA and its negative TTL.
    pub fn insert_nxdomain(
        &mut self,
        name: &Name,
        soa: Option<(Name, RecordData)>,
        ttl: u32,
        now: u64,
    ) {
        self.insert_negative(key(&name_key(name), NXDOMAIN_KEY), soa, ttl, now);
    }

    /// Stores "no data of this type" for `name`.
    pub fn insert_nodata(
        &mut self,
        name: &Name,
        rtype: Rtype,
        soa: Option<(Name, RecordData)>,
        ttl: u32,
        now: u64,
    ) {
        self.insert_negative(key(&name_key(name), rtype.to_int()), soa, ttl, now);
    }

    fn insert_negative(&mut self, key: Key, soa: Option<(Name, RecordData)>, ttl: u32, now: u64) {
        self.make_room(now);
        let expires = now + u64::from(ttl.min(self.limits.max_negative_ttl));
        self.negatives.insert(key, CachedNegative { soa, expires });
    }

    /// What is known about (`name`, `rtype`): an RRset, a negative answer, or nothing.
    /// A cached NXDOMAIN for an ancestor answers for every name below it (RFC 8020).
    pub fn lookup(&self, name: &Name, rtype: Rtype, now: u64) -> Option<Known> {
        let key = name_key(name);
        self.lookup_key(&key, rtype, now)
    }

    /// [`Cache::lookup`] by lower-cased wire name.
    pub fn lookup_key(&self, key: &[u8], rtype: Rtype, now: u64) -> Option<Known> {
        let remaining = |expires: u64| (expires - now).min(u64::from(u32::MAX)) as u32;
        if let Some(set) = self.rrsets.get(KeyBuf::new(key, rtype.to_int()).as_slice())
            && set.expires > now
        {
            return Some(Known::Positive(set.read(key), remaining(set.expires)));
        }
        if let Some(neg) = self
            .negatives
            .get(KeyBuf::new(key, rtype.to_int()).as_slice())
            && neg.expires > now
        {
            return Some(Known::NoData(neg.clone(), remaining(neg.expires)));
        }
        for suffix in suffixes(key) {
            if let Some(neg) = self
                .negatives
                .get(KeyBuf::new(suffix, NXDOMAIN_KEY).as_slice())
                && neg.expires > now
            {
                return Some(Known::NxDomain(neg.clone(), remaining(neg.expires)));
            }
        }
        None
    }

    /// An unexpired RRset of exactly this name and type.
    pub fn rrset(&self, name: &Name, rtype: Rtype, now: u64) -> Option<CachedRrset> {
        let key = name_key(name);
        let stored = self
            .rrsets
            .get(KeyBuf::new(&key, rtype.to_int()).as_slice())?;
        (stored.expires > now).then(|| stored.read(&key))
    }

    /// The deepest zone cut above or at `name` whose NS set is cached and unexpired: where an
    /// iteration for `name` can start instead of the root.
    pub fn closest_delegation(&self, name: &Name, now: u64) -> Option<CachedRrset> {
        let key = name_key(name);
        suffixes(&key).find_map(|suffix| {
            let stored = self
                .rrsets
                .get(KeyBuf::new(suffix, Rtype::NS.to_int()).as_slice())?;
            (stored.expires > now).then(|| stored.read(suffix))
        })
    }

    /// Keeps the cache under its bound: expired entries first, then arbitrary ones (a hash
    /// map's order is as good as random here) until a tenth of the room is free.
    fn make_room(&mut self, now: u64) {
        if self.len() < self.limits.max_entries {
            return;
        }
        self.rrsets.retain(|_, set| set.expires > now);
        self.negatives.retain(|_, neg| neg.expires > now);
        let target = self.limits.max_entries - self.limits.max_entries / 10;
        while self.len() > target {
            let excess = self.len() - target;
            let victims: Vec<Key> = self.negatives.keys().take(excess).cloned().collect();
            for key in &victims {
                self.negatives.remove(key);
            }
            let excess = self.len().saturating_sub(target);
            let victims: Vec<Key> = self.rrsets.keys().take(excess).cloned().collect();
            for key in &victims {
                self.rrsets.remove(key);
            }
        }
    }
}

/// `key` and each of its ancestors, longest first, down to the root.
fn suffixes(key: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut pos = Some(0usize);
    std::iter::from_fn(move || {
        let at = pos?;
        let len = usize::from(*key.get(at)?);
        pos = if len == 0 { None } else { Some(at + 1 + len) };
        Some(&key[at..])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::rdata::A;

    fn name(text: &str) -> Name {
        dns::parse_name(text).unwrap()
    }

    fn a(last: u8) -> Vec<RecordData> {
        vec![RecordData::A(A::from_octets(192, 0, 2, last))]
    }

    #[test]
    fn entries_expire_and_report_remaining_ttl() {
        let mut cache = Cache::new(CacheLimits::default());
        cache.insert_rrset(
            &name("www.example.com"),
            Rtype::A,
            300,
            a(1),
            Rank::Authoritative,
            1000,
        );
        match cache.lookup(&name("WWW.example.com"), Rtype::A, 1100) {
            Some(Known::Positive(_, ttl)) => assert_eq!(ttl, 200),
            other => panic!("{other:?}"),
        }
        assert!(
            cache
                .lookup(&name("www.example.com"), Rtype::A, 1300)
                .is_none()
        );
    }

    #[test]
    fn ttls_are_capped() {
        let mut cache = Cache::new(CacheLimits {
            max_ttl: 60,
            ..Default::default()
        });
        cache.insert_rrset(
            &name("a.example"),
            Rtype::A,
            86_400,
            a(1),
            Rank::Authoritative,
            0,
        );
        assert!(cache.lookup(&name("a.example"), Rtype::A, 61).is_none());
    }

    #[test]
    fn lower_rank_never_overwrites_higher_until_it_expires() {
        let mut cache = Cache::new(CacheLimits::default());
        let ns = name("ns1.example.com");
        cache.insert_rrset(&ns, Rtype::A, 300, a(1), Rank::Authoritative, 0);
        cache.insert_rrset(&ns, Rtype::A, 300, a(66), Rank::Glue, 10);
        assert_eq!(cache.rrset(&ns, Rtype::A, 10).unwrap().data, a(1));
        cache.insert_rrset(&ns, Rtype::A, 300, a(2), Rank::Glue, 400);
        assert_eq!(cache.rrset(&ns, Rtype::A, 400).unwrap().data, a(2));
    }

    #[test]
    fn nxdomain_covers_names_below_it_rfc8020() {
        let mut cache = Cache::new(CacheLimits::default());
        cache.insert_nxdomain(&name("nope.example.com"), None, 60, 0);
        assert!(matches!(
            cache.lookup(&name("a.b.nope.example.com"), Rtype::A, 1),
            Some(Known::NxDomain(..))
        ));
        assert!(cache.lookup(&name("example.com"), Rtype::A, 1).is_none());
    }

    #[test]
    fn closest_delegation_is_the_deepest_cached_ns_set() {
        let mut cache = Cache::new(CacheLimits::default());
        let ns = vec![RecordData::Ns(domain::rdata::Ns::new(name(
            "a.gtld-servers.net",
        )))];
        cache.insert_rrset(
            &name("com"),
            Rtype::NS,
            172_800,
            ns.clone(),
            Rank::Referral,
            0,
        );
        assert_eq!(
            cache
                .closest_delegation(&name("www.google.com"), 1)
                .unwrap()
                .owner,
            name("com")
        );
        cache.insert_rrset(&name("google.com"), Rtype::NS, 100, ns, Rank::Referral, 0);
        assert_eq!(
            cache
                .closest_delegation(&name("www.google.com"), 1)
                .unwrap()
                .owner,
            name("google.com")
        );
        assert_eq!(
            cache
                .closest_delegation(&name("www.google.com"), 200)
                .unwrap()
                .owner,
            name("com")
        );
    }

    #[test]
    fn the_size_bound_holds() {
        let mut cache = Cache::new(CacheLimits {
            max_entries: 100,
            ..Default::default()
        });
        for i in 0..1000u32 {
            cache.insert_rrset(
                &name(&format!("h{i}.example")),
                Rtype::A,
                300,
                a(1),
                Rank::Authoritative,
                0,
            );
        }
        assert!(cache.len() <= 100, "{}", cache.len());
    }
}
