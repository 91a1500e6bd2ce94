//! Identical questions in flight to the same server share one query (Unbound's serviced
//! queries): the A and the AAAA walk of one name ask the root `com. A` once, not twice. A
//! counting server on the test's loopback block says how many queries really arrived.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use domain::base::Rtype;
use resolver::upstream::Upstream;
use resolver::{Clock, Resolver, ResolverConfig};
use test_support::LoopbackBlock;

use super::{PORT, ScriptedServer, hints, net, start_auth};

/// A server that answers every query after `delay` with an empty authoritative answer (the
/// query echoed with QR and AA set), and counts the queries per question.
struct CountingServer {
    seen: Arc<Mutex<HashMap<String, usize>>>,
    _server: ScriptedServer,
}

impl CountingServer {
    fn start(addr: SocketAddr, delay: Duration) -> Self {
        let seen = Arc::new(Mutex::new(HashMap::new()));
        let counts = seen.clone();
        let server = ScriptedServer::start(addr, move |query| {
            let Ok(question) = query.sole_question() else {
                return Vec::new();
            };
            let qname = question.qname().to_string();
            let key = format!("{}. {}", qname.trim_end_matches('.'), question.qtype());
            *counts.lock().unwrap().entry(key).or_insert(0) += 1;
            std::thread::sleep(delay);
            let mut reply = query.as_slice().to_vec();
            reply[2] |= 0x80 | 0x04; // QR, AA
            vec![reply]
        });
        CountingServer {
            seen,
            _server: server,
        }
    }

    fn seen(&self, question: &str) -> usize {
        self.seen
            .lock()
            .unwrap()
            .get(question)
            .copied()
            .unwrap_or(0)
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn the_same_question_to_the_same_server_in_flight_is_sent_once_and_both_get_the_answer() {
    let block = LoopbackBlock::claim();
    let server = CountingServer::start(block.addr(2, PORT), Duration::from_millis(50));
    let upstream = Upstream::new(PORT, false);
    let name = dns::parse_name("com.").unwrap();
    let (first, second) = runtime().block_on(async {
        tokio::join!(
            upstream.ask(block.ip(2), &name, Rtype::A),
            upstream.ask(block.ip(2), &name, Rtype::A)
        )
    });
    assert_eq!(server.seen("com. A"), 1, "one query on the wire");
    assert!(!first.shared, "the first sent its own query");
    assert!(second.shared, "the second joined it");
    let (first, second) = (first.result.unwrap(), second.result.unwrap());
    assert_eq!(
        first.message.as_slice(),
        second.message.as_slice(),
        "both got the one answer"
    );
}

#[test]
fn a_different_type_or_a_later_question_is_sent_on_its_own() {
    let block = LoopbackBlock::claim();
    let server = CountingServer::start(block.addr(2, PORT), Duration::from_millis(20));
    let upstream = Upstream::new(PORT, false);
    let name = dns::parse_name("com.").unwrap();
    let runtime = runtime();
    let (a, aaaa) = runtime.block_on(async {
        tokio::join!(
            upstream.ask(block.ip(2), &name, Rtype::A),
            upstream.ask(block.ip(2), &name, Rtype::AAAA)
        )
    });
    assert!(!a.shared && !aaaa.shared);
    assert_eq!((server.seen("com. A"), server.seen("com. AAAA")), (1, 1));
    // Sharing is for queries in flight only; it is not a cache.
    let later = runtime.block_on(upstream.ask(block.ip(2), &name, Rtype::A));
    assert!(!later.shared);
    assert_eq!(server.seen("com. A"), 2);
}

#[test]
fn a_question_whose_shared_query_is_abandoned_sends_its_own() {
    let block = LoopbackBlock::claim();
    let server = CountingServer::start(block.addr(2, PORT), Duration::from_millis(100));
    let upstream = Arc::new(Upstream::new(PORT, false));
    let name = dns::parse_name("com.").unwrap();
    let ip = block.ip(2);
    let joined = runtime().block_on(async {
        let leader = tokio::spawn({
            let (upstream, name) = (upstream.clone(), name.clone());
            async move { upstream.ask(ip, &name, Rtype::A).await }
        });
        // Let the leader send its query, then join it, then abandon the leader.
        tokio::time::sleep(Duration::from_millis(20)).await;
        let joiner = tokio::spawn({
            let (upstream, name) = (upstream.clone(), name.clone());
            async move { upstream.ask(ip, &name, Rtype::A).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        leader.abort();
        joiner.await.unwrap()
    });
    assert!(!joined.shared, "it asked on its own");
    assert!(joined.result.is_ok(), "{:?}", joined.result);
    assert_eq!(server.seen("com. A"), 2);
}

#[test]
fn the_a_and_aaaa_walks_of_one_name_ask_each_minimised_question_once() {
    let block = LoopbackBlock::claim();
    let net = net(&block);
    let root = format!(
        "$TTL 86400\n. SOA a.root. hm.root. 1 1800 900 604800 86400\n. NS a.root.\n\
         a.root. A {net}.2\nexample. NS ns1.example.\nns1.example. A {net}.3\n"
    );
    let example = format!(
        "$TTL 300\n@ SOA ns1 hm 1 1800 900 604800 60\n@ NS ns1\nns1 A {net}.3\n\
         www A 192.0.2.1\nwww AAAA 2001:db8::1\n"
    );
    let _root = start_auth(&block, 2, &[(".", &root)]);
    let _example = start_auth(&block, 3, &[("example.", &example)]);
    let resolver = Arc::new(Resolver::new(
        ResolverConfig {
            root_hints: hints(&block),
            upstream_port: PORT,
            ..Default::default()
        },
        Clock::manual(),
        Arc::new(journey::Silent),
    ));
    let name = dns::parse_name("www.example.").unwrap();
    let (a, aaaa) = runtime().block_on(async {
        tokio::join!(
            resolver.resolve_uncoalesced(&name, Rtype::A),
            resolver.resolve_uncoalesced(&name, Rtype::AAAA)
        )
    });
    assert_eq!(a.answer.len(), 1, "{a:?}");
    assert_eq!(aaaa.answer.len(), 1, "{aaaa:?}");
    let root_hops: Vec<_> = a
        .hops
        .iter()
        .chain(&aaaa.hops)
        .filter(|h| h.layer.is_root())
        .collect();
    let lines: Vec<String> = root_hops.iter().map(|h| h.to_string()).collect();
    assert_eq!(root_hops.len(), 2, "{lines:#?}");
    assert_eq!(
        root_hops.iter().filter(|h| h.shared).count(),
        1,
        "one walk asked the root, the other shared its query: {lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("[shared:")),
        "dig +trace's line says so: {lines:#?}"
    );
}
