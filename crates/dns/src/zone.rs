//! A zone: checked records held in a tree that finds the closest enclosing delegation cut.
//!
//! [`Zone::build`] takes a [`ParsedZone`] and checks it as a zone before anything serves it:
//! every name inside the origin, one SOA at the apex, NS at the apex, a CNAME alone at its name
//! (RFC 1034 §3.6.2, RFC 2181 §10.1), at most one DNAME, and an address for every NS target
//! inside the zone (glue). A failure names the file and line of the record at fault.
//!
//! The tree is a hash map from each name's lower-cased wire form to its [`Node`], holding every
//! name of the zone *and every empty non-terminal* between a name and the apex. So "does this
//! name exist?" is one lookup, and [`Zone::lookup`] walks a query name from the apex down one
//! label at a time — stopping at the first delegation cut or DNAME on the way, which is the
//! closest enclosing one — in as many hash lookups as the name has labels below the apex.

use std::cmp::Ordering;
use std::collections::HashMap;

use domain::base::cmp::CanonicalOrd;
use domain::base::{Rtype, ToName};

use crate::zonefile::{Position, SourcedRecord, ZoneError, ZoneErrorReason};
use crate::{Class, Name, ParsedZone, Record, RecordData, name_key};

/// The most labels a name can have (255 octets, each label at least 2).
const MAX_LABELS: usize = 128;

/// A loaded, checked zone.
#[derive(Debug)]
pub struct Zone {
    origin: Name,
    origin_key: Box<[u8]>,
    class: Class,
    nodes: HashMap<Box<[u8]>, Node>,
}

/// One name of the zone with its RRsets; an empty non-terminal has none.
#[derive(Debug, Clone)]
pub struct Node {
    /// The name as the zone file wrote it (case kept).
    pub name: Name,
    /// Its RRsets, in the order their types first appeared.
    pub rrsets: Vec<Rrset>,
    /// Whether the name is a delegation cut: NS records below the apex.
    pub is_cut: bool,
}

/// The records of one name and type.
#[derive(Debug, Clone)]
pub struct Rrset {
    /// The type.
    pub rtype: Rtype,
    /// The TTL, the same for every record of the set (RFC 2181 §5.2).
    pub ttl: u32,
    /// The records' data, in file order, without duplicates.
    pub data: Vec<RecordData>,
}

/// Something legal but suspicious, as BIND's `named-checkzone` would warn about. `Display` is
/// English; [`ZoneWarning::describe`] says it in a language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneWarning {
    /// Where.
    pub at: Position,
    /// What.
    pub what: Suspicious,
}

/// What a zone has that is legal but suspicious.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Suspicious {
    /// A record whose TTL differs from its RRset's (RFC 2181 §5.2): the RRset's is kept.
    TtlDiffers {
        /// The owner.
        owner: String,
        /// The type.
        rtype: Rtype,
        /// The record's TTL.
        ttl: u32,
        /// The RRset's TTL, kept.
        kept: u32,
    },
    /// Data below a delegation (other than glue addresses): never served.
    BelowDelegation {
        /// The owner.
        name: String,
        /// The type.
        rtype: Rtype,
        /// The delegation's name.
        cut: String,
    },
}

impl Suspicious {
    /// What, in `lang`.
    pub fn describe(&self, lang: text::Lang) -> String {
        match self {
            Suspicious::TtlDiffers {
                owner,
                rtype,
                ttl,
                kept,
            } => text::t!(
                lang,
                "zone-warning-ttl-differs",
                owner = owner,
                rtype = rtype.to_string(),
                ttl = ttl.to_string(),
                kept = kept.to_string()
            ),
            Suspicious::BelowDelegation { name, rtype, cut } => text::t!(
                lang,
                "zone-warning-below-delegation",
                name = name,
                rtype = rtype.to_string(),
                cut = cut
            ),
        }
    }
}

impl std::fmt::Display for Suspicious {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(text::Lang::En))
    }
}

impl ZoneWarning {
    /// The warning in `lang`: where, then what.
    pub fn describe(&self, lang: text::Lang) -> String {
        format!("{}: {}", self.at, self.what.describe(lang))
    }
}

impl std::fmt::Display for ZoneWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.what)
    }
}

/// Where a query name lands in a zone (RFC 1034 §4.3.2 step 3).
#[derive(Debug, Clone, Copy)]
pub enum Lookup<'z> {
    /// The name exists in the authoritative data (it may be an empty non-terminal).
    Found(&'z Node),
    /// The name is at or below this delegation cut: answer with a referral.
    Delegation(&'z Node),
    /// The name is below this node's DNAME (RFC 6672): substitute and go on.
    Dname(&'z Node),
    /// The name does not exist, but this wildcard (`*.` + closest encloser) covers it (RFC 4592).
    Wildcard(&'z Node),
    /// The name does not exist and no wildcard covers it.
    NxDomain,
}

impl Node {
    /// The RRset of the given type, if the node has one.
    pub fn rrset(&self, rtype: Rtype) -> Option<&Rrset> {
        self.rrsets.iter().find(|set| set.rtype == rtype)
    }

    /// Whether the node has no data at all (an empty non-terminal).
    pub fn is_empty_non_terminal(&self) -> bool {
        self.rrsets.is_empty()
    }
}

impl Zone {
    /// Checks `parsed` as a zone and builds its tree. Warnings are returned beside it.
    pub fn build(parsed: ParsedZone) -> Result<(Zone, Vec<ZoneWarning>), ZoneError> {
        let ParsedZone {
            origin,
            class,
            records,
        } = parsed;
        let origin_key = name_key(&origin);
        let mut zone = Zone {
            origin,
            origin_key,
            class,
            nodes: HashMap::new(),
        };
        let mut warnings = Vec::new();
        let Some(first) = records.first() else {
            return Err(ZoneError {
                file: Default::default(),
                line: 0,
                reason: ZoneErrorReason::Empty,
            });
        };
        let first_at = first.at.clone();

        // Where each RRset was first written, for messages about it.
        let mut rrset_at: HashMap<(Box<[u8]>, u16), Position> = HashMap::new();
        for SourcedRecord { record, at } in &records {
            zone.insert(record, at, &mut rrset_at, &mut warnings)?;
        }
        zone.check(&rrset_at, &first_at, &mut warnings)?;
        Ok((zone, warnings))
    }

    fn insert(
        &mut self,
        record: &Record,
        at: &Position,
        rrset_at: &mut HashMap<(Box<[u8]>, u16), Position>,
        warnings: &mut Vec<ZoneWarning>,
    ) -> Result<(), ZoneError> {
        let fail = |reason| ZoneError::at(at, reason);
        if !record.owner.ends_with(&self.origin) {
            return Err(fail(ZoneErrorReason::OutOfZone {
                owner: record.owner.to_string(),
                origin: self.origin.to_string(),
            }));
        }
        let rtype = record.rtype();
        let key = name_key(&record.owner);
        let owner_text = || record.owner.to_string();
        let node = self.node_or_insert(&key, &record.owner);

        // CNAME beside other data is refused, whichever came first (RRSIG and NSEC may coexist,
        // RFC 4035 §2.5).
        let coexists = |t: Rtype| t == Rtype::RRSIG || t == Rtype::NSEC;
        if rtype == Rtype::CNAME
            && node
                .rrsets
                .iter()
                .any(|s| s.rtype != Rtype::CNAME && !coexists(s.rtype))
        {
            return Err(fail(ZoneErrorReason::CnameAndOtherData(owner_text())));
        }
        if rtype != Rtype::CNAME && !coexists(rtype) && node.rrset(Rtype::CNAME).is_some() {
            return Err(fail(ZoneErrorReason::CnameAndOtherData(owner_text())));
        }

        match node.rrsets.iter_mut().find(|s| s.rtype == rtype) {
            Some(set) => {
                if set.data.contains(&record.data) {
                    return Ok(()); // A duplicate record is one record, as in BIND.
                }
                match rtype {
                    Rtype::CNAME => {
                        return Err(fail(ZoneErrorReason::MultipleCnames(owner_text())));
                    }
                    Rtype::DNAME => {
                        return Err(fail(ZoneErrorReason::MultipleDnames(owner_text())));
                    }
                    Rtype::SOA => return Err(fail(ZoneErrorReason::MultipleSoa)),
                    _ => {}
                }
                if set.ttl != record.ttl {
                    warnings.push(ZoneWarning {
                        at: at.clone(),
                        what: Suspicious::TtlDiffers {
                            owner: owner_text(),
                            rtype,
                            ttl: record.ttl,
                            kept: set.ttl,
                        },
                    });
                }
                set.data.push(record.data.clone());
            }
            None => {
                node.rrsets.push(Rrset {
                    rtype,
                    ttl: record.ttl,
                    data: vec![record.data.clone()],
                });
                rrset_at.insert((key, rtype.to_int()), at.clone());
            }
        }
        Ok(())
    }

    /// The node for `key`, created with every missing ancestor up to the apex (the empty
    /// non-terminals).
    fn node_or_insert(&mut self, key: &[u8], name: &Name) -> &mut Node {
        if !self.nodes.contains_key(key) {
            let mut ancestor = name.clone();
            while ancestor.label_count() > self.origin.label_count() {
                let Some(parent) = ancestor.parent() else {
                    break;
                };
                let parent_key = name_key(&parent);
                if self.nodes.contains_key(&parent_key) {
                    break;
                }
                self.nodes.insert(
                    parent_key,
                    Node {
                        name: parent.clone(),
                        rrsets: Vec::new(),
                        is_cut: false,
                    },
                );
                ancestor = parent;
            }
            self.nodes.insert(
                key.into(),
                Node {
                    name: name.clone(),
                    rrsets: Vec::new(),
                    is_cut: false,
                },
            );
        }
        self.nodes.get_mut(key).expect("inserted above")
    }

    fn check(
        &mut self,
        rrset_at: &HashMap<(Box<[u8]>, u16), Position>,
        first_at: &Position,
        warnings: &mut Vec<ZoneWarning>,
    ) -> Result<(), ZoneError> {
        let at_of = |key: &[u8], rtype: Rtype| {
            rrset_at
                .get(&(key.into(), rtype.to_int()))
                .unwrap_or(first_at)
        };
        let origin_text = self.origin.to_string();

        // The apex: one SOA (duplicates were refused on insert) and NS.
        for (key, node) in &self.nodes {
            if node.rrset(Rtype::SOA).is_some() && **key != *self.origin_key {
                return Err(ZoneError::at(
                    at_of(key, Rtype::SOA),
                    ZoneErrorReason::SoaNotAtApex {
                        owner: node.name.to_string(),
                        origin: origin_text,
                    },
                ));
            }
        }
        let apex = self.nodes.get(&self.origin_key);
        if apex.and_then(|n| n.rrset(Rtype::SOA)).is_none() {
            return Err(ZoneError::at(first_at, ZoneErrorReason::NoSoa(origin_text)));
        }
        if apex.and_then(|n| n.rrset(Rtype::NS)).is_none() {
            return Err(ZoneError::at(
                at_of(&self.origin_key, Rtype::SOA),
                ZoneErrorReason::NoApexNs(origin_text),
            ));
        }

        // Delegation cuts: NS below the apex.
        let origin_key = self.origin_key.clone();
        for (key, node) in self.nodes.iter_mut() {
            node.is_cut = *key != origin_key && node.rrset(Rtype::NS).is_some();
        }

        // An NS target needs an address here when nobody could find it elsewhere: when it is
        // inside the zone it names (required glue), or in this zone's own authoritative data.
        // A target below another delegation (sibling glue) is that zone's to answer for, as
        // BIND's named-checkzone also decides.
        for (key, node) in &self.nodes {
            let Some(ns) = node.rrset(Rtype::NS) else {
                continue;
            };
            for data in &ns.data {
                let RecordData::Ns(ns) = data else { continue };
                let target = ns.nsdname();
                if !target.ends_with(&self.origin) {
                    continue;
                }
                let target_key = name_key(target);
                let in_delegated_zone = node.is_cut && target.ends_with(&node.name);
                let below_other_cut = self.enclosing_cut_above(&target_key).is_some()
                    || self.nodes.get(&target_key).is_some_and(|n| n.is_cut);
                if !in_delegated_zone && below_other_cut {
                    continue;
                }
                let has_address = self
                    .nodes
                    .get(&target_key)
                    .is_some_and(|n| n.rrset(Rtype::A).is_some() || n.rrset(Rtype::AAAA).is_some());
                if !has_address {
                    return Err(ZoneError::at(
                        at_of(key, Rtype::NS),
                        ZoneErrorReason::MissingGlue {
                            target: target.to_string(),
                        },
                    ));
                }
            }
        }

        // Data hidden below a cut other than glue addresses: legal, but never served.
        for (key, node) in &self.nodes {
            if node.rrsets.is_empty() {
                continue;
            }
            if let Some(cut) = self.enclosing_cut_above(key) {
                for set in &node.rrsets {
                    if set.rtype != Rtype::A && set.rtype != Rtype::AAAA {
                        warnings.push(ZoneWarning {
                            at: at_of(key, set.rtype).clone(),
                            what: Suspicious::BelowDelegation {
                                name: node.name.to_string(),
                                rtype: set.rtype,
                                cut: cut.name.to_string(),
                            },
                        });
                    }
                }
            }
        }
        warnings.sort_by_key(|w| w.at.line);
        Ok(())
    }

    /// The highest cut strictly above `key`, if any.
    fn enclosing_cut_above(&self, key: &[u8]) -> Option<&Node> {
        let labels = label_starts(key)?;
        let depth = labels.len() - self.origin_label_count();
        (1..depth).find_map(|d| {
            let node = self.nodes.get(&key[usize::from(labels[depth - d])..])?;
            node.is_cut.then_some(node)
        })
    }

    fn origin_label_count(&self) -> usize {
        self.origin.label_count() - 1
    }

    /// The zone's origin.
    pub fn origin(&self) -> &Name {
        &self.origin
    }

    /// The origin's lower-cased wire form.
    pub fn origin_key(&self) -> &[u8] {
        &self.origin_key
    }

    /// The zone's class.
    pub fn class(&self) -> Class {
        self.class
    }

    /// The apex node.
    pub fn apex(&self) -> &Node {
        self.nodes
            .get(&self.origin_key)
            .expect("checked at build: the apex has an SOA")
    }

    /// The SOA RRset of the apex.
    pub fn soa(&self) -> &Rrset {
        self.apex().rrset(Rtype::SOA).expect("checked at build")
    }

    /// The TTL of negative answers: the smaller of the SOA's TTL and its MINIMUM (RFC 2308 §5).
    pub fn negative_ttl(&self) -> u32 {
        let soa = self.soa();
        match soa.data.first() {
            Some(RecordData::Soa(data)) => soa.ttl.min(data.minimum().as_secs()),
            _ => soa.ttl,
        }
    }

    /// The node of exactly this name (lower-cased wire form), glue and occluded names included.
    pub fn node(&self, key: &[u8]) -> Option<&Node> {
        self.nodes.get(key)
    }

    /// Number of names, empty non-terminals included.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the zone has no names (never true for a built zone).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Where `qname_key` (a lower-cased wire name inside this zone) lands, walking from the apex
    /// down (RFC 1034 §4.3.2 step 3). A DS query at a cut is the parent's to answer (RFC 4035
    /// §3.1.4.1), so for it the cut itself is not a delegation.
    pub fn lookup(&self, qname_key: &[u8], qtype: Rtype) -> Lookup<'_> {
        let Some(labels) = label_starts(qname_key) else {
            return Lookup::NxDomain;
        };
        let apex_labels = self.origin_label_count();
        if labels.len() < apex_labels || !qname_key.ends_with(&self.origin_key) {
            return Lookup::NxDomain;
        }
        let below = labels.len() - apex_labels;
        let apex = self.apex();
        if below == 0 {
            return Lookup::Found(apex);
        }
        if apex.rrset(Rtype::DNAME).is_some() {
            return Lookup::Dname(apex);
        }
        let mut closest = apex;
        for depth in 1..=below {
            let start = usize::from(labels[below - depth]);
            let Some(node) = self.nodes.get(&qname_key[start..]) else {
                return self.wildcard_below(closest);
            };
            let at_qname = depth == below;
            if node.is_cut && !(at_qname && qtype == Rtype::DS) {
                return Lookup::Delegation(node);
            }
            if at_qname {
                return Lookup::Found(node);
            }
            if node.rrset(Rtype::DNAME).is_some() {
                return Lookup::Dname(node);
            }
            closest = node;
        }
        unreachable!("the loop returns at depth == below")
    }

    /// The wildcard `*.<closest encloser>` if it exists (RFC 4592 §3.3.1), else NXDOMAIN.
    fn wildcard_below(&self, closest_encloser: &Node) -> Lookup<'_> {
        let mut key = Vec::with_capacity(2 + 255);
        key.extend_from_slice(b"\x01*");
        key.extend_from_slice(&name_key(&closest_encloser.name));
        match self.nodes.get(key.as_slice()) {
            Some(node) => Lookup::Wildcard(node),
            None => Lookup::NxDomain,
        }
    }

    /// Every record, in DNSSEC canonical order of names (RFC 4034 §6.1) and, per name, types in
    /// ascending order: the order `named-compilezone` prints.
    pub fn records(&self) -> Vec<Record> {
        let mut nodes: Vec<&Node> = self
            .nodes
            .values()
            .filter(|n| !n.rrsets.is_empty())
            .collect();
        nodes.sort_by(|a, b| a.name.name_cmp(&b.name));
        let mut out = Vec::new();
        for node in nodes {
            let mut sets: Vec<&Rrset> = node.rrsets.iter().collect();
            sets.sort_by_key(|s| s.rtype.to_int());
            for set in sets {
                let mut data: Vec<&RecordData> = set.data.iter().collect();
                data.sort_by(|a, b| a.canonical_cmp(b).then(Ordering::Equal));
                for data in data {
                    out.push(Record {
                        owner: node.name.clone(),
                        class: self.class,
                        ttl: set.ttl,
                        data: data.clone(),
                    });
                }
            }
        }
        out
    }
}

/// The offsets at which each non-root label of a wire name starts (a name is at most 255
/// octets, so `u8` offsets do), kept on the stack so that lookups do not allocate.
struct LabelStarts {
    starts: [u8; MAX_LABELS],
    len: usize,
}

impl LabelStarts {
    fn len(&self) -> usize {
        self.len
    }
}

impl std::ops::Index<usize> for LabelStarts {
    type Output = u8;
    fn index(&self, index: usize) -> &u8 {
        &self.starts[..self.len][index]
    }
}

/// The label offsets of `key`, or `None` if it is not a well-formed uncompressed wire name.
fn label_starts(key: &[u8]) -> Option<LabelStarts> {
    if key.len() > 255 {
        return None;
    }
    let mut labels = LabelStarts {
        starts: [0; MAX_LABELS],
        len: 0,
    };
    let mut pos = 0;
    loop {
        let len = *key.get(pos)? as usize;
        if len == 0 {
            return (pos + 1 == key.len()).then_some(labels);
        }
        if len > 63 || labels.len == MAX_LABELS {
            return None;
        }
        labels.starts[labels.len] = pos as u8;
        labels.len += 1;
        pos += 1 + len;
    }
}

#[cfg(test)]
mod tests;
