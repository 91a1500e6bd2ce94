//! Integration tests of the resolver: real authoritative servers (`authdns`) on a loopback block
//! of each test's own, the resolver in-process with a manual clock, or behind its real front.

mod front; // the server front: UDP and TCP, the ACL, bad queries from clients
mod hostile; // upstream servers that lie, spoof or send garbage: no panic, no cache pollution
mod scenarios; // one data file per behaviour: zones + questions + expected answers
mod sharing; // identical questions in flight to one server: one query, answers shared

use std::sync::Arc;

use authdns::{Catalog, RunningServer, ServerConfig};
use resolver::RootHints;
use test_support::LoopbackBlock;

/// The port every server of these tests listens on, as the lab's do.
pub const PORT: u16 = 1053;

/// The block's `127.x.y`, which zone texts put before a host number.
pub fn net(block: &LoopbackBlock) -> String {
    block
        .ip(0)
        .to_string()
        .rsplit_once('.')
        .expect("an IPv4 address")
        .0
        .to_owned()
}

/// A real authoritative server on the block's `.host`, serving `zones` (origin, zone text).
pub fn start_auth(block: &LoopbackBlock, host: u8, zones: &[(&str, &str)]) -> RunningServer {
    let mut catalog = Catalog::new();
    for (origin, text) in zones {
        let name = dns::parse_name(origin).unwrap();
        let parsed = dns::parse_str(text, std::path::Path::new(origin), Some(&name)).unwrap();
        let (zone, _) = dns::Zone::build(parsed).unwrap_or_else(|e| panic!("{origin}: {e}"));
        catalog.insert(zone);
    }
    let addr = block.addr(host, PORT);
    let udp = std::net::UdpSocket::bind(addr).unwrap();
    let tcp = std::net::TcpListener::bind(addr).unwrap();
    let config = ServerConfig {
        packet_cache: false,
        ..Default::default()
    };
    authdns::spawn(
        udp,
        tcp,
        Arc::new(catalog),
        Arc::new(journey::Silent),
        config,
    )
    .unwrap()
}

/// Root hints with one root server, the block's `.2`.
pub fn hints(block: &LoopbackBlock) -> RootHints {
    RootHints {
        servers: vec![(dns::parse_name("a.root").unwrap(), vec![block.ip(2)])],
    }
}

/// The smallest hierarchy: a root on .2 delegating `example.` to .3, where `www.example.` is
/// 192.0.2.1.
pub fn example_hierarchy(block: &LoopbackBlock) -> Vec<RunningServer> {
    let net = net(block);
    let root = format!(
        "$TTL 86400\n. SOA a.root. hm.root. 1 1800 900 604800 86400\n. NS a.root.\na.root. A {net}.2\n\
         example. NS ns1.example.\nns1.example. A {net}.3\n"
    );
    let example = format!(
        "$TTL 300\n@ SOA ns1 hm 1 1800 900 604800 60\n@ NS ns1\nns1 A {net}.3\nwww A 192.0.2.1\n"
    );
    vec![
        start_auth(block, 2, &[(".", &root)]),
        start_auth(block, 3, &[("example.", &example)]),
    ]
}

/// A UDP server written in the test: each datagram that parses as a DNS message is handed to
/// `respond`, whose replies go back to the sender. For servers no real name server can play:
/// an attacker (`hostile`), or one that counts what reached it and answers late (`sharing`).
pub struct ScriptedServer {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ScriptedServer {
    pub fn start(
        addr: std::net::SocketAddr,
        mut respond: impl FnMut(&domain::base::Message<&[u8]>) -> Vec<Vec<u8>> + Send + 'static,
    ) -> Self {
        use std::sync::atomic::Ordering;
        let socket = std::net::UdpSocket::bind(addr).unwrap();
        socket
            .set_read_timeout(Some(std::time::Duration::from_millis(20)))
            .unwrap();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while !flag.load(Ordering::Relaxed) {
                let Ok((len, from)) = socket.recv_from(&mut buf) else {
                    continue;
                };
                let Ok(query) = domain::base::Message::from_octets(&buf[..len]) else {
                    continue;
                };
                for reply in respond(&query) {
                    let _ = socket.send_to(&reply, from);
                }
            }
        });
        ScriptedServer {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
