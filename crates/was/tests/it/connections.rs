//! The connection level, whatever the database: a client that never finishes its request
//! head is cut off, keep-alive serves several requests on one connection, and shutdown lets
//! the request in flight finish.

use std::time::{Duration, Instant};

use test_support::LoopbackBlock;
use test_support::http::{RawConnection, request_bytes};

use crate::harness::{Db, TestWas};

#[test]
fn a_request_head_never_finished_is_cut_off_after_the_header_timeout() {
    let block = LoopbackBlock::claim();
    let db = Db::sqlite(&block);
    let config = was::WasConfig {
        header_read_timeout: Duration::from_secs(1),
        ..was::WasConfig::new(db.url())
    };
    let was = TestWas::start_with(block.addr(81, 8080), config);
    let mut slow = RawConnection::connect(was.addr).unwrap();
    let started = Instant::now();
    slow.send(b"GET /search?q=dns HTTP/1.1\r\nHost: was\r\nX-Slow: ")
        .unwrap();
    assert!(
        slow.closed_within(Duration::from_secs(5)),
        "a half-sent head kept its connection open"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    // The server itself is fine.
    let mut fresh = RawConnection::connect(was.addr).unwrap();
    let health = fresh
        .request(request_bytes("GET", "/health", &[]).as_bytes())
        .unwrap();
    assert_eq!(health.status, 200);
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let block = LoopbackBlock::claim();
    let db = Db::sqlite(&block);
    let was = TestWas::start(block.addr(81, 8080), &db.url());
    let mut connection = RawConnection::connect(was.addr).unwrap();
    for target in ["/search?q=dns", "/health", "/nope", "/search?q=tcp"] {
        let reply = connection
            .request(request_bytes("GET", target, &[]).as_bytes())
            .unwrap();
        assert!(matches!(reply.status, 200 | 404), "{target}: {reply:?}");
        assert!(reply.header("server-timing").is_some(), "{target}");
    }
}
