//! Answering one query from the zones: RFC 1034 §4.3.2's algorithm, as bytes in, bytes out.
//!
//! A query enters at [`Catalog::respond`]: [`parse_query`] checks the message (FORMERR,
//! NOTIMP, BADVERS or silence for the malformed and the unwanted), [`Catalog::find_zone`]
//! picks the deepest zone that contains the name (REFUSED if none), [`Catalog::resolve`] walks
//! the zone — answer, CNAME chain, DNAME substitution, wildcard synthesis, referral, NXDOMAIN
//! or NODATA — into sections, and [`write_response`] composes them with name compression,
//! fitting the client's UDP size or setting TC.

use std::borrow::Cow;
use std::collections::HashMap;

use dns::query::{Edns, Rejection, check_query, write_error};
use dns::{Lookup, Name, RecordData, Rtype, Zone, name_key};
use domain::base::iana::{Class, OptRcode, Rcode};
use domain::base::message_builder::{AdditionalBuilder, MessageBuilder, StaticCompressor};
use domain::base::name::ToLabelIter;
use domain::base::{Message, ParsedName, Question, ToName};
use domain::rdata::Cname;

pub use dnsnet::quick::{CLASSIC_UDP_PAYLOAD, MAX_UDP_PAYLOAD, Transport};

/// How many CNAME/DNAME links one answer follows inside a zone before it stops (a loop guard;
/// BIND uses the same bound).
pub const MAX_CHAIN: usize = 16;

/// What kind of response was sent, for the journey and the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Authoritative data (perhaps after a CNAME chain).
    Answer,
    /// A referral to the child zone's servers.
    Referral,
    /// The name does not exist.
    NxDomain,
    /// The name exists but has no data of the type.
    NoData,
    /// No zone here contains the name, or the query asks for something we do not serve.
    Refused,
    /// The query was malformed.
    FormErr,
    /// The opcode is not QUERY.
    NotImp,
    /// EDNS version above 0.
    BadVers,
    /// A DNAME substitution made a name longer than 255 octets.
    YxDomain,
}

impl Outcome {
    /// Lower-case word for the outcome.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Answer => "answer",
            Outcome::Referral => "referral",
            Outcome::NxDomain => "nxdomain",
            Outcome::NoData => "nodata",
            Outcome::Refused => "refused",
            Outcome::FormErr => "formerr",
            Outcome::NotImp => "notimp",
            Outcome::BadVers => "badvers",
            Outcome::YxDomain => "yxdomain",
        }
    }
}

/// What was answered: the journey's view of one exchange.
#[derive(Debug, Clone, Copy)]
pub struct Answered {
    /// The kind of response.
    pub outcome: Outcome,
    /// Its RCODE.
    pub rcode: OptRcode,
    /// Whether it was truncated (TC=1).
    pub truncated: bool,
    /// Whether the same question (same name, ignoring case) always gets this response, so that
    /// a packet cache may replay it: false for errors and for DNAME-synthesised names, which
    /// carry the query's case into the answer.
    pub cacheable: bool,
}

/// The question of a query as presentation text (`www.google.com. IN A`), for the journey.
pub fn question_text(query: &[u8]) -> Option<String> {
    let message = Message::from_octets(query).ok()?;
    let question = message.sole_question().ok()?;
    Some(format!(
        "{}. {} {}",
        question.qname(),
        question.qclass(),
        question.qtype()
    ))
}

/// The zones one server is authoritative for, keyed by their origin.
#[derive(Debug, Default)]
pub struct Catalog {
    zones: HashMap<Box<[u8]>, Zone>,
}

impl Catalog {
    /// An empty catalog.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a zone; a second zone with the same origin replaces the first.
    pub fn insert(&mut self, zone: Zone) {
        self.zones.insert(zone.origin_key().into(), zone);
    }

    /// The zones, in no particular order.
    pub fn zones(&self) -> impl Iterator<Item = &Zone> {
        self.zones.values()
    }

    /// The deepest zone containing `key` (a lower-cased wire name). For DS, which lives in the
    /// parent (RFC 4035 §3.1.4.1), a zone's own apex is skipped when its parent is here too.
    pub fn find_zone(&self, key: &[u8], qtype: Rtype) -> Option<&Zone> {
        let mut pos = 0;
        let mut skipped_apex = None;
        loop {
            if let Some(zone) = self.zones.get(&key[pos..]) {
                if qtype == Rtype::DS && pos == 0 && key.len() > 1 {
                    skipped_apex = Some(zone);
                } else {
                    return Some(zone);
                }
            }
            let len = usize::from(*key.get(pos)?);
            if len == 0 {
                return skipped_apex;
            }
            pos += 1 + len;
        }
    }

    /// Answers one query. Writes the response into `out` (cleared first) and says what it was;
    /// `None` means the query deserves no answer at all (too short to have an ID, or a
    /// response rather than a query), and `out` is left empty.
    pub fn respond(
        &self,
        query: &[u8],
        transport: Transport,
        out: &mut Vec<u8>,
    ) -> Option<Answered> {
        out.clear();
        let parsed = match parse_query(query) {
            Ok(parsed) => parsed,
            Err(Reject::Drop) => return None,
            Err(Reject::With(outcome, rcode)) => {
                write_error(query, rcode, false, out);
                return Some(Answered {
                    outcome,
                    rcode: rcode.into(),
                    truncated: false,
                    cacheable: false,
                });
            }
        };
        let sections = if parsed.edns.is_some_and(|e| e.version > 0) {
            // RFC 6891 §6.1.3: an unknown version gets BADVERS, an OPT of our version, no data.
            Sections::rcode(Outcome::BadVers, OptRcode::BADVERS)
        } else {
            self.resolve(&parsed)
        };
        let limit = match (transport, parsed.edns) {
            (Transport::Tcp, _) => usize::from(u16::MAX),
            (Transport::Udp, None) => usize::from(CLASSIC_UDP_PAYLOAD),
            (Transport::Udp, Some(edns)) => {
                usize::from(edns.udp_size.clamp(CLASSIC_UDP_PAYLOAD, MAX_UDP_PAYLOAD))
            }
        };
        let truncated = write_response(&parsed, &sections, limit, out);
        let synthesised = sections
            .answer
            .iter()
            .any(|e| matches!(e.data, Cow::Owned(_)));
        let cacheable = !synthesised
            && !matches!(
                sections.outcome,
                Outcome::FormErr | Outcome::NotImp | Outcome::BadVers
            );
        Some(Answered {
            outcome: sections.outcome,
            rcode: sections.rcode,
            truncated,
            cacheable,
        })
    }

    /// RFC 1034 §4.3.2 steps 2-6 for one parsed question.
    fn resolve<'z>(&'z self, query: &ParsedQuery<'_>) -> Sections<'z> {
        let qtype = query.question.qtype();
        if query.question.qclass() != Class::IN && query.question.qclass() != Class::ANY {
            return Sections::rcode(Outcome::Refused, OptRcode::REFUSED);
        }
        match qtype {
            // Zone transfers are not offered; meta-types are not data.
            Rtype::AXFR | Rtype::IXFR => {
                return Sections::rcode(Outcome::Refused, OptRcode::REFUSED);
            }
            Rtype::OPT => return Sections::rcode(Outcome::FormErr, OptRcode::FORMERR),
            Rtype::MAILA | Rtype::MAILB => {
                return Sections::rcode(Outcome::NotImp, OptRcode::NOTIMP);
            }
            _ => {}
        }
        let Some(zone) = self.find_zone(&query.key, qtype) else {
            return Sections::rcode(Outcome::Refused, OptRcode::REFUSED);
        };

        let mut out = Sections::rcode(Outcome::Answer, OptRcode::NOERROR);
        out.authoritative = true;
        let mut name: Name = query.qname.clone();
        let mut key: Cow<'_, [u8]> = Cow::Borrowed(&query.key[..]);
        for _ in 0..MAX_CHAIN {
            match zone.lookup(&key, qtype) {
                Lookup::Delegation(cut) => {
                    // Step 3b: a referral. AA stays set only if a CNAME of ours led here.
                    out.authoritative = !out.answer.is_empty();
                    out.outcome = if out.answer.is_empty() {
                        Outcome::Referral
                    } else {
                        Outcome::Answer
                    };
                    if let Some(ns) = cut.rrset(Rtype::NS) {
                        push_rrset(&mut out.authority, &cut.name, ns);
                        add_addresses(zone, ns, &mut out.additional);
                    }
                    return out;
                }
                Lookup::Found(node) | Lookup::Wildcard(node) => {
                    // Step 3a, and 3c's synthesis: a wildcard's records take the query name.
                    if qtype == Rtype::ANY {
                        // RFC 8482 §4.2: answer ANY with one RRset, not all of them.
                        match node.rrsets.iter().min_by_key(|s| s.rtype.to_int()) {
                            Some(set) => push_rrset(&mut out.answer, &name, set),
                            None => return negative(out, zone, Outcome::NoData),
                        }
                        return out;
                    }
                    if let Some(set) = node.rrset(qtype) {
                        push_rrset(&mut out.answer, &name, set);
                        if matches!(qtype, Rtype::NS | Rtype::MX | Rtype::SRV) {
                            add_addresses(zone, set, &mut out.additional);
                        }
                        return out;
                    }
                    let Some(cname) = node.rrset(Rtype::CNAME) else {
                        return negative(out, zone, Outcome::NoData);
                    };
                    push_rrset(&mut out.answer, &name, cname);
                    let Some(RecordData::Cname(target)) = cname.data.first() else {
                        return out;
                    };
                    name = target.cname().clone();
                    if !name.ends_with(zone.origin()) {
                        return out; // The chain leaves the zone: the resolver goes on from here.
                    }
                    key = Cow::Owned(name_key(&name).into_vec());
                }
                Lookup::Dname(node) => {
                    let Some(set) = node.rrset(Rtype::DNAME) else {
                        return out;
                    };
                    let Some(RecordData::Dname(dname)) = set.data.first() else {
                        return out;
                    };
                    push_rrset(&mut out.answer, &node.name, set);
                    // RFC 6672 §2.2: replace the DNAME owner suffix of the name by its target.
                    let Some(synthesised) = substitute(&name, &node.name, dname.dname()) else {
                        out.rcode = OptRcode::YXDOMAIN;
                        out.outcome = Outcome::YxDomain;
                        return out;
                    };
                    out.answer.push(Entry {
                        owner: name.clone(),
                        ttl: set.ttl,
                        data: Cow::Owned(RecordData::Cname(Cname::new(synthesised.clone()))),
                    });
                    name = synthesised;
                    if !name.ends_with(zone.origin()) {
                        return out;
                    }
                    key = Cow::Owned(name_key(&name).into_vec());
                }
                Lookup::NxDomain => {
                    // RFC 6604 §3: after a CNAME, the RCODE is that of the last name.
                    out.rcode = OptRcode::NXDOMAIN;
                    return negative(out, zone, Outcome::NxDomain);
                }
            }
        }
        out
    }
}

/// NXDOMAIN or NODATA: the zone's SOA in the authority section with the negative TTL, so that
/// resolvers can cache the absence (RFC 2308 §3).
fn negative<'z>(mut out: Sections<'z>, zone: &'z Zone, outcome: Outcome) -> Sections<'z> {
    // After a CNAME the response is still an answer, unless the last name does not exist.
    if out.answer.is_empty() || outcome == Outcome::NxDomain {
        out.outcome = outcome;
    }
    let soa = zone.soa();
    if let Some(data) = soa.data.first() {
        out.authority.push(Entry {
            owner: zone.apex().name.clone(),
            ttl: zone.negative_ttl(),
            data: Cow::Borrowed(data),
        });
    }
    out
}

/// `name` with the suffix `owner` replaced by `target`, or `None` if the result is too long.
fn substitute(name: &Name, owner: &Name, target: &Name) -> Option<Name> {
    let keep = name.label_count() - owner.label_count();
    let mut text = String::new();
    for label in name.iter_labels().take(keep) {
        text.push_str(&label.to_string());
        text.push('.');
    }
    let target_text = target.to_string();
    if !target.is_root() {
        text.push_str(&target_text);
        text.push('.');
    }
    if text.is_empty() {
        text.push('.');
    }
    dns::parse_name(&text).ok()
}

fn push_rrset<'z>(section: &mut Vec<Entry<'z>>, owner: &Name, set: &'z dns::Rrset) {
    section.extend(set.data.iter().map(|data| Entry {
        owner: owner.clone(),
        ttl: set.ttl,
        data: Cow::Borrowed(data),
    }));
}

/// Additional-section processing (RFC 1034 §3.6, RFC 1035 §3.3.x): addresses this zone has for
/// the names the records point at — glue for a referral, helpful addresses for NS/MX/SRV.
fn add_addresses<'z>(zone: &'z Zone, set: &'z dns::Rrset, additional: &mut Vec<Entry<'z>>) {
    for data in &set.data {
        let target = match data {
            RecordData::Ns(ns) => ns.nsdname(),
            RecordData::Mx(mx) => mx.exchange(),
            RecordData::Srv(srv) => srv.target(),
            _ => continue,
        };
        if !target.ends_with(zone.origin()) {
            continue; // Out of bailiwick: not ours to vouch for.
        }
        let Some(node) = zone.node(&name_key(target)) else {
            continue;
        };
        for rtype in [Rtype::A, Rtype::AAAA] {
            if let Some(addresses) = node.rrset(rtype) {
                if additional
                    .iter()
                    .any(|e| e.owner == node.name && e.data.rtype_of() == rtype)
                {
                    continue;
                }
                push_rrset(additional, &node.name, addresses);
            }
        }
    }
}

trait RtypeOf {
    fn rtype_of(&self) -> Rtype;
}

impl RtypeOf for RecordData {
    fn rtype_of(&self) -> Rtype {
        domain::base::RecordData::rtype(self)
    }
}

/// One record of a response section; DNAME-synthesised CNAMEs are owned, the rest borrowed.
#[derive(Debug)]
struct Entry<'z> {
    owner: Name,
    ttl: u32,
    data: Cow<'z, RecordData>,
}

/// A response before it is written.
#[derive(Debug)]
struct Sections<'z> {
    outcome: Outcome,
    rcode: OptRcode,
    authoritative: bool,
    answer: Vec<Entry<'z>>,
    authority: Vec<Entry<'z>>,
    additional: Vec<Entry<'z>>,
}

impl Sections<'_> {
    fn rcode(outcome: Outcome, rcode: OptRcode) -> Self {
        Sections {
            outcome,
            rcode,
            authoritative: false,
            answer: Vec::new(),
            authority: Vec::new(),
            additional: Vec::new(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The query.

/// A well-formed query with exactly one question.
struct ParsedQuery<'q> {
    message: Message<&'q [u8]>,
    question: Question<ParsedName<&'q [u8]>>,
    /// The question's name as sent (case kept), owned for the answer's owner names.
    qname: Name,
    /// Its lower-cased wire form.
    key: Vec<u8>,
    edns: Option<Edns>,
}

enum Reject {
    /// Send nothing: no ID to answer to, or not a query.
    Drop,
    /// Answer with this RCODE and no data.
    With(Outcome, Rcode),
}

/// Checks the query (shared with the resolver: [`dns::query::check_query`]) and reads its
/// question.
fn parse_query(bytes: &[u8]) -> Result<ParsedQuery<'_>, Reject> {
    let checked = check_query(bytes).map_err(|rejection| match rejection {
        Rejection::Silence => Reject::Drop,
        Rejection::Error(rcode) if rcode == Rcode::NOTIMP => Reject::With(Outcome::NotImp, rcode),
        Rejection::Error(rcode) => Reject::With(Outcome::FormErr, rcode),
    })?;
    let question = checked
        .message
        .sole_question()
        .map_err(|_| Reject::With(Outcome::FormErr, Rcode::FORMERR))?;
    let qname: Name = question.qname().to_name();
    let key = name_key(&qname).into_vec();
    Ok(ParsedQuery {
        message: checked.message,
        question,
        qname,
        key,
        edns: checked.edns,
    })
}

// ---------------------------------------------------------------------------------------------
// The response.

/// Writes the response; returns whether it had to be truncated to fit `limit`.
fn write_response(
    query: &ParsedQuery<'_>,
    sections: &Sections<'_>,
    limit: usize,
    out: &mut Vec<u8>,
) -> bool {
    // First the whole response; if it does not fit, without the optional additional data
    // (not for a referral, whose glue is needed: RFC 9471); if that does not fit either, TC=1
    // with the question only, so the client retries over TCP (RFC 2181 §9, RFC 7766).
    let with_additional = compose(query, sections, Fill::All, out);
    if with_additional && out.len() <= limit {
        return false;
    }
    if sections.outcome != Outcome::Referral && !sections.additional.is_empty() {
        let ok = compose(query, sections, Fill::NoAdditional, out);
        if ok && out.len() <= limit {
            return false;
        }
    }
    compose(query, sections, Fill::Truncated, out);
    true
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fill {
    All,
    NoAdditional,
    Truncated,
}

/// Composes the response into `out`; false if the builder failed (a name too long etc.).
fn compose(
    query: &ParsedQuery<'_>,
    sections: &Sections<'_>,
    fill: Fill,
    out: &mut Vec<u8>,
) -> bool {
    out.clear();
    let target = StaticCompressor::new(std::mem::take(out));
    let Ok(builder) = MessageBuilder::from_target(target);
    let Ok(mut answer) = builder.start_answer(&query.message, sections.rcode.rcode()) else {
        return false;
    };
    answer.header_mut().set_aa(sections.authoritative);
    answer.header_mut().set_cd(query.message.header().cd());
    let mut ok = true;
    if fill == Fill::Truncated {
        answer.header_mut().set_tc(true);
    } else {
        for entry in &sections.answer {
            ok &= answer
                .push((&entry.owner, Class::IN, entry.ttl, entry.data.as_ref()))
                .is_ok();
        }
    }
    let mut authority = answer.authority();
    if fill != Fill::Truncated {
        for entry in &sections.authority {
            ok &= authority
                .push((&entry.owner, Class::IN, entry.ttl, entry.data.as_ref()))
                .is_ok();
        }
    }
    let mut additional = authority.additional();
    if fill == Fill::All {
        for entry in &sections.additional {
            ok &= additional
                .push((&entry.owner, Class::IN, entry.ttl, entry.data.as_ref()))
                .is_ok();
        }
    }
    if query.edns.is_some() {
        ok &= push_opt(&mut additional, sections.rcode);
    }
    *out = additional.finish().into_target();
    ok
}

/// Our OPT: our UDP size, version 0, and the upper bits of an extended RCODE (RFC 6891 §6.1.3).
fn push_opt(
    additional: &mut AdditionalBuilder<StaticCompressor<Vec<u8>>>,
    rcode: OptRcode,
) -> bool {
    additional
        .opt(|opt| {
            opt.set_udp_payload_size(MAX_UDP_PAYLOAD);
            opt.set_version(0);
            opt.set_rcode(rcode);
            Ok(())
        })
        .is_ok()
}

#[cfg(test)]
mod tests;
