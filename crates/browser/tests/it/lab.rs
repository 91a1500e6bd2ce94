//! The DNS the browser's tests resolve through: a real hierarchy on the test's own loopback
//! block (`authdns` servers: a root on .2 that delegates `example.` to .3) and a real resolver
//! front on .53. `example.` has names for the HTTP tests: `site` on .80, and `dual` on .80 and
//! `::1`, for Happy Eyeballs.

use std::net::IpAddr;
use std::sync::Arc;

use authdns::{Catalog, RunningServer, ServerConfig};
use resolver::{Clock, FrontConfig, Resolver, ResolverConfig, RootHints, RunningResolver};
use test_support::LoopbackBlock;

/// The port every DNS server of the test shares, as in the lab.
pub const PORT: u16 = 1053;
/// The host byte of the HTTP test server in the block.
pub const WEB_HOST: u8 = 80;
/// The TTL of `site.example` and `dual.example`.
pub const SITE_TTL: u32 = 60;

pub struct Lab {
    pub block: LoopbackBlock,
    _servers: Vec<RunningServer>,
    pub front: RunningResolver,
}

fn serve(block: &LoopbackBlock, host: u8, origin: &str, text: &str) -> RunningServer {
    let name = dns::parse_name(origin).unwrap();
    let parsed = dns::parse_str(text, std::path::Path::new(origin), Some(&name)).unwrap();
    let mut catalog = Catalog::new();
    catalog.insert(dns::Zone::build(parsed).unwrap().0);
    let addr = block.addr(host, PORT);
    let (udp, tcp) = (
        std::net::UdpSocket::bind(addr).unwrap(),
        std::net::TcpListener::bind(addr).unwrap(),
    );
    authdns::spawn(
        udp,
        tcp,
        Arc::new(catalog),
        Arc::new(journey::Silent),
        ServerConfig::default(),
    )
    .unwrap()
}

pub fn lab() -> Lab {
    let block = LoopbackBlock::claim();
    let net = block
        .ip(0)
        .to_string()
        .rsplit_once('.')
        .unwrap()
        .0
        .to_owned();
    let root = format!(
        "$TTL 86400\n. SOA a.root. hm.root. 1 1800 900 604800 86400\n. NS a.root.\na.root. A {net}.2\n\
         example. NS ns1.example.\nns1.example. A {net}.3\n"
    );
    let example = format!(
        "$TTL 300\n@ SOA ns1 hm 1 1800 900 604800 60\n@ NS ns1\nns1 A {net}.3\n\
         www 600 CNAME web\nweb A 192.0.2.80\nweb 120 AAAA 2001:db8::80\nnoaddr TXT \"no address\"\n\
         site {SITE_TTL} A {net}.{WEB_HOST}\n\
         dual {SITE_TTL} A {net}.{WEB_HOST}\ndual {SITE_TTL} AAAA ::1\n"
    );
    let servers = vec![
        serve(&block, 2, ".", &root),
        serve(&block, 3, "example.", &example),
    ];
    let config = ResolverConfig {
        root_hints: hints(&block),
        upstream_port: PORT,
        ..Default::default()
    };
    let resolver = Arc::new(Resolver::new(
        config,
        Clock::system(),
        Arc::new(journey::Silent),
    ));
    let addr = block.addr(53, PORT);
    let (udp, tcp) = (
        std::net::UdpSocket::bind(addr).unwrap(),
        std::net::TcpListener::bind(addr).unwrap(),
    );
    let front = resolver::spawn(udp, tcp, resolver, FrontConfig::default()).unwrap();
    Lab {
        block,
        _servers: servers,
        front,
    }
}

pub fn hints(block: &LoopbackBlock) -> RootHints {
    RootHints {
        servers: vec![(dns::parse_name("a.root").unwrap(), vec![block.ip(2)])],
    }
}

pub fn run<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

pub fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}
