//! The web server proxying to the real WAS (issue 5's proxy tests, with the real upstream):
//! 200 through the WAS, round robin over two WAS instances on one database, keep-alive reuse
//! of the upstream connections (counted in the kernel's socket table), 502 when both are
//! stopped. Everything in the test's own loopback block, on real sockets.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use journey::{Collector, EventKind};
use test_support::LoopbackBlock;
use test_support::http::{RawConnection, request_bytes};
use wire::sockets::{TcpState, list};

fn handled(collector: &Collector) -> usize {
    collector
        .events()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::WasHandled { .. }))
        .count()
}

/// Established connections from `from` (any port) to `to`.
fn established(from: IpAddr, to: SocketAddr) -> usize {
    list(&[TcpState::Established])
        .expect("sock_diag")
        .iter()
        .filter(|s| s.local.ip() == from && s.remote == to)
        .count()
}

#[test]
fn the_web_server_balances_over_two_real_was_and_reuses_its_connections() {
    let block = LoopbackBlock::claim();
    let dir = std::env::temp_dir().join(format!(
        "roundtrip-web-was-{}-{}",
        std::process::id(),
        block.ip(1)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("lab.db").display());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    let (was_a, was_b) = (block.addr(81, 8080), block.addr(82, 8080));
    let (seen_a, seen_b) = (
        Arc::new(Collector::default()),
        Arc::new(Collector::default()),
    );
    let start_was = |addr: SocketAddr, collector: Arc<Collector>| {
        let listener = std::net::TcpListener::bind(addr).unwrap();
        runtime
            .block_on(was::spawn(
                listener,
                was::WasConfig::new(db.clone()),
                collector,
            ))
            .unwrap()
    };
    let running_a = start_was(was_a, seen_a.clone());
    let running_b = start_was(was_b, seen_b.clone());

    let site = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lab/site");
    let mut config = web::WebConfig::new(site);
    config.proxies.push(web::ProxyRoute {
        prefix: "/search".into(),
        upstreams: vec![was_a, was_b],
    });
    config.upstream_bind = Some(block.ip(80));
    let web_addr = block.addr(80, 8080);
    let listener = std::net::TcpListener::bind(web_addr).unwrap();
    let web = runtime
        .block_on(web::spawn(listener, config, Arc::new(journey::Silent)))
        .unwrap();

    // Ten searches over one browser connection: 200 each, with the WAS's Server-Timing.
    let mut client = RawConnection::connect(web_addr).unwrap();
    for _ in 0..10 {
        let response = client
            .request(
                request_bytes("GET", "/search?q=dns", &[("Host", "www.google.com")]).as_bytes(),
            )
            .unwrap();
        assert_eq!(response.status, 200, "{}", response.head);
        assert!(
            response
                .header("server-timing")
                .is_some_and(|v| v.contains("db;dur="))
        );
        assert!(
            response.text().contains("<mark>"),
            "search results are highlighted"
        );
    }
    // Round robin: each WAS handled half.
    assert_eq!((handled(&seen_a), handled(&seen_b)), (5, 5));
    // Keep-alive upstream: one connection from the web server to each WAS, reused nine times.
    assert_eq!(established(block.ip(80), was_a), 1);
    assert_eq!(established(block.ip(80), was_b), 1);

    // One WAS stopped: the other answers everything.
    runtime.block_on(running_a.shutdown());
    for _ in 0..4 {
        let response = client
            .request(
                request_bytes("GET", "/search?q=tcp", &[("Host", "www.google.com")]).as_bytes(),
            )
            .unwrap();
        assert_eq!(response.status, 200, "{}", response.head);
    }
    assert_eq!(handled(&seen_b), 9);

    // Both stopped: 502, the web server's own page, and the browser's connection still works.
    runtime.block_on(running_b.shutdown());
    let response = client
        .request(request_bytes("GET", "/search?q=tcp", &[("Host", "www.google.com")]).as_bytes())
        .unwrap();
    assert_eq!(response.status, 502, "{}", response.head);
    let response = client
        .request(request_bytes("GET", "/", &[("Host", "www.google.com")]).as_bytes())
        .unwrap();
    assert_eq!(response.status, 200, "static files still served");

    runtime.block_on(web.shutdown());
    runtime.shutdown_timeout(Duration::from_secs(1));
    let _ = std::fs::remove_dir_all(&dir);
}
