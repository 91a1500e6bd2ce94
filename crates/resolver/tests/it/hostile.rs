//! Upstream servers that lie: a real root delegates `evil.` to a server under the test's
//! control, which answers with spoofed IDs, wrong questions, garbage, or data for other zones.
//! The resolver must not panic, must not accept any of it, and must not let any of it reach the
//! cache (RFC 5452 §9.1 acceptance; RFC 2181 §5.4.1 bailiwick).
//!
//! The hostile server is the one part here that is not a real name server: an attacker is what
//! these tests are about, and no correct server sends these bytes.

use std::sync::Arc;

use authdns::RunningServer;
use bytes::Bytes;
use domain::base::iana::{Class, Rcode};
use domain::base::{Message, MessageBuilder, Name as DName, Rtype};
use domain::rdata::{A, Ns};
use resolver::{Clock, Resolver, ResolverConfig};
use test_support::LoopbackBlock;

use super::{PORT, ScriptedServer, hints, net, start_auth};

/// What the hostile server does with each query.
type Behaviour = fn(&Message<&[u8]>) -> Vec<Vec<u8>>;

fn name(text: &str) -> DName<Bytes> {
    text.parse().unwrap()
}

/// A response to `query` with `id`, `qname` and AA as given, and `answer` A records.
fn respond(query: &Message<&[u8]>, id: u16, qname: &str, answer: &[(&str, [u8; 4])]) -> Vec<u8> {
    let mut builder = MessageBuilder::new_vec();
    let header = builder.header_mut();
    header.set_id(id);
    header.set_qr(true);
    header.set_aa(true);
    let mut question = builder.question();
    let qtype = query.sole_question().map(|q| q.qtype()).unwrap_or(Rtype::A);
    question.push((&name(qname), qtype, Class::IN)).unwrap();
    let mut section = question.answer();
    for (owner, ip) in answer {
        section
            .push((
                &name(owner),
                Class::IN,
                300u32,
                A::from_octets(ip[0], ip[1], ip[2], ip[3]),
            ))
            .unwrap();
    }
    section.finish()
}

fn qname_of(query: &Message<&[u8]>) -> String {
    query
        .sole_question()
        .map(|q| q.qname().to_string())
        .unwrap_or_default()
}

struct Setup {
    _block: LoopbackBlock,
    _root: RunningServer,
    _hostile: ScriptedServer,
    resolver: Arc<Resolver>,
    runtime: tokio::runtime::Runtime,
}

/// A real root on .2 that delegates `evil.` to .3 (hostile) and `victim.` to .2 itself.
fn setup(behaviour: Behaviour) -> Setup {
    let block = LoopbackBlock::claim();
    let net = net(&block);
    let root = format!(
        "$TTL 86400\n. SOA a.root. hm.root. 1 1800 900 604800 86400\n. NS a.root.\na.root. A {net}.2\n\
         evil. NS ns.evil.\nns.evil. A {net}.3\nvictim. NS a.root.\n"
    );
    let victim =
        "$TTL 300\n@ SOA a.root. hm.root. 1 1800 900 604800 60\n@ NS a.root.\nwww A 192.0.2.1\n";
    let root = start_auth(&block, 2, &[(".", &root), ("victim.", victim)]);
    let hostile = ScriptedServer::start(block.addr(3, PORT), behaviour);
    let config = ResolverConfig {
        root_hints: hints(&block),
        upstream_port: PORT,
        ..Default::default()
    };
    let resolver = Arc::new(Resolver::new(
        config,
        Clock::manual(),
        Arc::new(journey::Silent),
    ));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    Setup {
        _block: block,
        _root: root,
        _hostile: hostile,
        resolver,
        runtime,
    }
}

impl Setup {
    fn resolve(&self, qname: &str) -> resolver::Resolution {
        self.runtime.block_on(
            self.resolver
                .resolve_uncoalesced(&dns::parse_name(qname).unwrap(), Rtype::A),
        )
    }

    /// The victim's name resolves to its real address, and nothing of the attacker's is cached.
    fn victim_is_untouched(&self) {
        assert!(
            self.resolver
                .from_cache(&dns::parse_name("www.victim").unwrap(), Rtype::A)
                .is_none(),
            "poisoned cache"
        );
        let real = self.resolve("www.victim");
        assert_eq!(real.rcode, Rcode::NOERROR);
        assert_eq!(
            dns::present(&real.answer[0].data[0]).to_string(),
            "192.0.2.1"
        );
    }
}

#[test]
fn spoofed_ids_are_ignored() {
    let s = setup(|query| {
        let id = query.header().id().wrapping_add(1);
        vec![respond(
            query,
            id,
            &qname_of(query),
            &[("www.evil.", [6, 6, 6, 6])],
        )]
    });
    let r = s.resolve("www.evil");
    assert_eq!(r.rcode, Rcode::SERVFAIL);
    assert!(
        s.resolver
            .from_cache(&dns::parse_name("www.evil").unwrap(), Rtype::A)
            .is_none()
    );
}

#[test]
fn answers_to_another_question_are_ignored() {
    let s = setup(|query| {
        vec![respond(
            query,
            query.header().id(),
            "www.victim.",
            &[("www.victim.", [6, 6, 6, 6])],
        )]
    });
    assert_eq!(s.resolve("www.evil").rcode, Rcode::SERVFAIL);
    s.victim_is_untouched();
}

#[test]
fn a_spoof_before_the_real_answer_does_not_win() {
    let s = setup(|query| {
        let qname = qname_of(query);
        let spoof = respond(
            query,
            query.header().id() ^ 0xffff,
            &qname,
            &[("www.evil.", [6, 6, 6, 6])],
        );
        let real = respond(
            query,
            query.header().id(),
            &qname,
            &[("www.evil.", [192, 0, 2, 99])],
        );
        vec![spoof, real]
    });
    let r = s.resolve("www.evil");
    assert_eq!(r.rcode, Rcode::NOERROR);
    assert_eq!(dns::present(&r.answer[0].data[0]).to_string(), "192.0.2.99");
}

#[test]
fn garbage_and_truncated_responses_are_ignored() {
    let s = setup(|query| {
        let full = respond(
            query,
            query.header().id(),
            &qname_of(query),
            &[("www.evil.", [6, 6, 6, 6])],
        );
        let mut lying_counts = full.clone();
        lying_counts[7] = 40; // ANCOUNT 40, one record present.
        vec![
            full[..full.len() - 3].to_vec(),
            vec![0xff; 700],
            lying_counts,
            full[..5].to_vec(),
        ]
    });
    assert_eq!(s.resolve("www.evil").rcode, Rcode::SERVFAIL);
    assert!(
        s.resolver
            .from_cache(&dns::parse_name("www.evil").unwrap(), Rtype::A)
            .is_none()
    );
}

#[test]
fn out_of_bailiwick_answer_records_never_reach_the_cache() {
    let s = setup(|query| {
        vec![respond(
            query,
            query.header().id(),
            &qname_of(query),
            &[
                ("www.evil.", [192, 0, 2, 66]),
                ("www.victim.", [6, 6, 6, 6]),
            ],
        )]
    });
    let r = s.resolve("www.evil");
    assert_eq!(r.rcode, Rcode::NOERROR);
    assert_eq!(
        r.answer.len(),
        1,
        "only the evil zone's own record: {:?}",
        r.answer
    );
    s.victim_is_untouched();
}

#[test]
fn out_of_bailiwick_glue_and_ns_in_a_referral_never_reach_the_cache() {
    // evil.'s server refers sub.evil. to its own servers, with glue that is fine, plus an NS
    // set for victim. and an address for www.victim. in the additional section.
    let s = setup(|query| {
        let mut builder = MessageBuilder::new_vec();
        builder.header_mut().set_id(query.header().id());
        builder.header_mut().set_qr(true);
        let mut question = builder.question();
        let q = query.sole_question().unwrap();
        question.push((q.qname(), q.qtype(), Class::IN)).unwrap();
        if q.qname().to_string().ends_with("sub.evil") {
            // The child itself: a lame answer keeps the test short.
            let mut builder = question.answer();
            builder.header_mut().set_rcode(Rcode::REFUSED);
            return vec![builder.finish()];
        }
        let mut authority = question.authority();
        authority
            .push((
                &name("sub.evil."),
                Class::IN,
                300u32,
                Ns::new(name("ns.sub.evil.")),
            ))
            .unwrap();
        authority
            .push((
                &name("victim."),
                Class::IN,
                300u32,
                Ns::new(name("ns.evil.")),
            ))
            .unwrap();
        let mut additional = authority.additional();
        additional
            .push((
                &name("ns.sub.evil."),
                Class::IN,
                300u32,
                A::from_octets(127, 0, 0, 99),
            ))
            .unwrap();
        additional
            .push((
                &name("www.victim."),
                Class::IN,
                300u32,
                A::from_octets(6, 6, 6, 6),
            ))
            .unwrap();
        additional
            .push((
                &name("a.root."),
                Class::IN,
                300u32,
                A::from_octets(6, 6, 6, 6),
            ))
            .unwrap();
        vec![additional.finish()]
    });
    let r = s.resolve("www.sub.evil");
    assert_eq!(r.rcode, Rcode::SERVFAIL);
    s.victim_is_untouched();
    // The root server's address is still the real one: `a.root.` was not overwritten.
    let again = s.resolve("www.victim");
    assert_eq!(again.rcode, Rcode::NOERROR);
}
