//! The resolver's front on real sockets: recursive queries over UDP and TCP answered through a
//! real authoritative hierarchy, the client ACL (no open resolver), RD=0, and hostile clients.

use std::sync::Arc;

use super::{PORT, example_hierarchy, hints};
use authdns::RunningServer;
use domain::base::iana::Rcode;
use domain::base::{Message, Rtype};
use resolver::{Allow, Clock, FrontConfig, Resolver, ResolverConfig, RunningResolver};
use test_support::{LoopbackBlock, QueryOptions, build_query, dns_query, exchange};

struct Lab {
    _block: LoopbackBlock,
    _servers: Vec<RunningServer>,
    front: RunningResolver,
}

/// A root on .2 delegating `example.` to .3, and the resolver's front on .53.
fn lab(allow: Allow) -> Lab {
    lab_with_clock(allow, Clock::system())
}

fn lab_with_clock(allow: Allow, clock: Clock) -> Lab {
    let block = LoopbackBlock::claim();
    let servers = example_hierarchy(&block);
    let config = ResolverConfig {
        root_hints: hints(&block),
        upstream_port: PORT,
        ..Default::default()
    };
    let resolver = Arc::new(Resolver::new(config, clock, Arc::new(journey::Silent)));
    let addr = block.addr(53, PORT);
    let (udp, tcp) = (
        std::net::UdpSocket::bind(addr).unwrap(),
        std::net::TcpListener::bind(addr).unwrap(),
    );
    let front = resolver::spawn(
        udp,
        tcp,
        resolver,
        FrontConfig {
            allow,
            ..Default::default()
        },
    )
    .unwrap();
    Lab {
        _block: block,
        _servers: servers,
        front,
    }
}

fn recursive() -> QueryOptions {
    QueryOptions {
        rd: true,
        ..Default::default()
    }
}

fn a_records(message: &Message<Vec<u8>>) -> Vec<String> {
    message
        .answer()
        .unwrap()
        .limit_to::<domain::rdata::A>()
        .map(|r| r.unwrap().data().addr().to_string())
        .collect()
}

#[test]
fn a_recursive_query_over_udp_is_resolved_with_ra() {
    let lab = lab(Allow::loopback());
    let m = dns_query(lab.front.addr(), "www.example", Rtype::A, recursive()).unwrap();
    assert_eq!(m.header().rcode(), Rcode::NOERROR);
    assert!(m.header().ra() && m.header().rd() && !m.header().aa());
    assert_eq!(a_records(&m), ["192.0.2.1"]);
}

#[test]
fn tcp_queries_are_resolved_too() {
    let lab = lab(Allow::loopback());
    let m = dns_query(
        lab.front.addr(),
        "www.example",
        Rtype::A,
        QueryOptions {
            tcp: true,
            ..recursive()
        },
    )
    .unwrap();
    assert_eq!(a_records(&m), ["192.0.2.1"]);
}

#[test]
fn clients_outside_the_allowed_networks_are_refused() {
    let lab = lab(Allow::nobody());
    let m = dns_query(lab.front.addr(), "www.example", Rtype::A, recursive()).unwrap();
    assert_eq!(m.header().rcode(), Rcode::REFUSED);
    assert!(a_records(&m).is_empty());
}

#[test]
fn rd0_gets_only_what_the_cache_knows() {
    let lab = lab(Allow::loopback());
    let norec = QueryOptions {
        rd: false,
        ..Default::default()
    };
    let m = dns_query(lab.front.addr(), "www.example", Rtype::A, norec).unwrap();
    assert_eq!(
        m.header().rcode(),
        Rcode::REFUSED,
        "not cached: no iteration for RD=0"
    );
    dns_query(lab.front.addr(), "www.example", Rtype::A, recursive()).unwrap();
    let m = dns_query(lab.front.addr(), "www.example", Rtype::A, norec).unwrap();
    assert_eq!(a_records(&m), ["192.0.2.1"]);
}

#[test]
fn nxdomain_comes_back_with_the_soa() {
    let lab = lab(Allow::loopback());
    let m = dns_query(lab.front.addr(), "nope.example", Rtype::A, recursive()).unwrap();
    assert_eq!(m.header().rcode(), Rcode::NXDOMAIN);
    assert_eq!(m.header_counts().nscount(), 1);
}

#[test]
fn hostile_client_bytes_never_stop_the_front() {
    let lab = lab(Allow::loopback());
    let addr = lab.front.addr();
    let good = build_query(7, "www.example", Rtype::A, recursive());
    // Too short: silence. QR=1: silence. Bad question: FORMERR. Then a good query still works.
    assert_eq!(exchange(addr, &good[..5], false).unwrap(), None);
    let mut response = good.clone();
    response[2] |= 0x80;
    assert_eq!(exchange(addr, &response, false).unwrap(), None);
    let formerr = exchange(addr, &good[..14], false)
        .unwrap()
        .expect("FORMERR");
    assert_eq!(
        Message::from_octets(formerr).unwrap().header().rcode(),
        Rcode::FORMERR
    );
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut state: u32 = 0x1234_5678;
    for _ in 0..1000 {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let mut packet = good.clone();
        packet[(state as usize) % good.len()] ^= (state >> 8) as u8;
        packet.truncate((state as usize >> 4) % good.len() + 1);
        socket.send_to(&packet, addr).unwrap();
    }
    let answer = (0..3)
        .find_map(|_| dns_query(addr, "www.example", Rtype::A, recursive()).ok())
        .expect("still answering");
    assert_eq!(a_records(&answer), ["192.0.2.1"]);
}

#[test]
fn replayed_answers_count_their_ttl_down_and_keep_the_clients_case_and_id() {
    let clock = Clock::manual();
    let lab = lab_with_clock(Allow::loopback(), clock.clone());
    let ttl_of =
        |m: &Message<Vec<u8>>| m.answer().unwrap().next().unwrap().unwrap().ttl().as_secs();
    let first = dns_query(lab.front.addr(), "www.example", Rtype::A, recursive()).unwrap();
    assert_eq!(ttl_of(&first), 300);
    // The second ask composes from the RRset cache and stores the response; later ones replay.
    for (advance, expected, name) in [
        (10, 290, "WWW.example"),
        (5, 285, "www.EXAMPLE"),
        (0, 285, "Www.Example"),
    ] {
        clock.advance(advance);
        let m = dns_query(lab.front.addr(), name, Rtype::A, recursive()).unwrap();
        assert_eq!(ttl_of(&m), expected, "{name}");
        assert_eq!(m.sole_question().unwrap().qname().to_string(), name);
        assert_eq!(a_records(&m), ["192.0.2.1"]);
    }
    // Past the TTL the replay stops, and the name is resolved again.
    clock.advance(300);
    let m = dns_query(lab.front.addr(), "www.example", Rtype::A, recursive()).unwrap();
    assert_eq!(ttl_of(&m), 300);
}

#[test]
fn identical_concurrent_questions_share_one_resolution_and_report_each_hop() {
    // The same lab, but the resolver used directly with a reporter that keeps every event.
    let block = LoopbackBlock::claim();
    let servers = example_hierarchy(&block);
    let events = Arc::new(journey::Collector::default());
    let config = ResolverConfig {
        root_hints: hints(&block),
        upstream_port: PORT,
        ..Default::default()
    };
    let resolver = Arc::new(Resolver::new(config, Clock::system(), events.clone()));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let name = dns::parse_name("www.example").unwrap();
    let answers = runtime.block_on(async {
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (resolver, name) = (resolver.clone(), name.clone());
                tokio::spawn(async move { resolver.resolve(&name, Rtype::A).await })
            })
            .collect();
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.unwrap());
        }
        answers
    });
    assert!(
        answers
            .iter()
            .all(|a| a.rcode == Rcode::NOERROR && a.answer.len() == 1)
    );
    // One walk: the root asked once (minimised: `example. A`), example.'s server asked once.
    let hops: Vec<(String, String, String)> = events
        .events()
        .into_iter()
        .filter_map(|e| match e.kind {
            journey::EventKind::ResolverHop {
                layer,
                question,
                outcome,
                ..
            } => Some((layer, question, outcome)),
            _ => None,
        })
        .collect();
    assert_eq!(
        hops,
        [
            (
                ".".to_owned(),
                "example. A".to_owned(),
                "referral".to_owned()
            ),
            (
                "example.".to_owned(),
                "www.example. A".to_owned(),
                "answer".to_owned()
            ),
        ]
    );
    drop(servers);
}

/// RFC 8482: ANY from an allowed client is answered (here with the one RRset the authoritative
/// server chose), over UDP and over TCP; never REFUSED.
#[test]
fn any_is_answered_over_udp_and_tcp() {
    let lab = lab(Allow::loopback());
    for tcp in [false, true] {
        let options = QueryOptions { tcp, ..recursive() };
        let m = dns_query(lab.front.addr(), "www.example", Rtype::ANY, options).unwrap();
        assert_eq!(m.header().rcode(), Rcode::NOERROR, "tcp={tcp}");
        assert!(m.header().ra() && !m.header().tc(), "tcp={tcp}");
        assert_eq!(a_records(&m), ["192.0.2.1"], "tcp={tcp}");
        let m = dns_query(lab.front.addr(), "nope.example", Rtype::ANY, options).unwrap();
        assert_eq!(m.header().rcode(), Rcode::NXDOMAIN, "tcp={tcp}");
    }
    // What dig sends (its own bytes: EDNS, cookie), when dig is installed.
    let Some(dig) = test_support::Peer::find("dig", "bind9-dnsutils") else {
        return;
    };
    let addr = lab.front.addr();
    for transport in ["+notcp", "+tcp"] {
        let out = std::process::Command::new(&dig)
            .args([
                &format!("@{}", addr.ip()),
                "-p",
                &addr.port().to_string(),
                "example.",
                "ANY",
                transport,
                "+tries=1",
                "+time=5",
            ])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("status: NOERROR"), "dig {transport}:\n{text}");
        // The apex's lowest type, NS, is the RRset our authoritative server picks for ANY.
        assert!(
            text.lines()
                .any(|l| l.starts_with("example.") && l.contains("\tNS\t")),
            "dig {transport}:\n{text}"
        );
    }
}

/// A front whose TCP listener cannot serve says so through `wait` (and the UDP worker that still
/// runs is stopped with it) instead of going on answering UDP alone with nobody told. The
/// listener is a regular file's descriptor, which epoll refuses (EPERM): a real refusal by the
/// kernel, the kind an exhausted or broken event loop gives.
#[test]
fn a_front_whose_tcp_listener_stops_says_so() {
    use std::os::fd::{FromRawFd, IntoRawFd};
    let block = LoopbackBlock::claim();
    let resolver = Arc::new(Resolver::new(
        ResolverConfig::default(),
        Clock::system(),
        Arc::new(journey::Silent),
    ));
    let udp = std::net::UdpSocket::bind(block.addr(53, PORT)).unwrap();
    let file = std::fs::File::open("/proc/self/exe").unwrap();
    // SAFETY: the descriptor is owned by the listener from here on; it is a file, not a socket,
    // so the only calls made on it (fcntl, then epoll_ctl) fail or succeed without harm.
    let not_a_listener = unsafe { std::net::TcpListener::from_raw_fd(file.into_raw_fd()) };
    let front = resolver::spawn(udp, not_a_listener, resolver, FrontConfig::default()).unwrap();
    let (done, ended) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(front.wait());
    });
    let stopped = ended
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("wait returned")
        .unwrap_err();
    assert_eq!(stopped.worker, dnsnet::Worker::Tcp);
    assert_eq!(
        stopped.error.kind(),
        std::io::ErrorKind::PermissionDenied,
        "{stopped}"
    );
}
