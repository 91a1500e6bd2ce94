//! Limits and timeouts, with the raw bytes a slow or hostile client would send.

use std::time::{Duration, Instant};

use test_support::http::{RawConnection, raw_request, request_bytes};

use crate::harness::{Behaviour, HELLO, TestWeb, Upstream, route, runtime};

#[test]
fn a_head_never_finished_gets_408_and_is_closed() {
    let web = TestWeb::start(|config, _| {
        config.limits.header_timeout = Duration::from_millis(400);
    });
    let mut connection = RawConnection::connect(web.addr).unwrap();
    connection
        .send(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nX-Slow: ")
        .unwrap();
    let started = Instant::now();
    let response = connection.read_response(false).unwrap();
    assert_eq!(response.status, 408, "{}", response.head);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "cut after {:?}",
        started.elapsed()
    );
    assert!(
        connection.closed_within(Duration::from_secs(2)),
        "still open after the 408"
    );
}

#[test]
fn a_head_trickled_byte_by_byte_is_cut_at_the_timeout() {
    let web = TestWeb::start(|config, _| {
        config.limits.header_timeout = Duration::from_millis(500);
    });
    let mut connection = RawConnection::connect(web.addr).unwrap();
    let started = Instant::now();
    // Slowloris: one byte every 100 ms never completes a head within the timeout.
    for byte in b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nX-A: aaaaaaaaaaaaaaaaaaaaaa" {
        if connection.send(&[*byte]).is_err() || started.elapsed() > Duration::from_secs(3) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        if started.elapsed() > Duration::from_millis(900) {
            break;
        }
    }
    let response = connection.read_response(false).unwrap();
    assert_eq!(response.status, 408);
    assert!(connection.closed_within(Duration::from_secs(2)));
}

#[test]
fn an_idle_keep_alive_connection_is_closed_without_a_response() {
    let web = TestWeb::start(|config, _| {
        config.limits.header_timeout = Duration::from_millis(300);
    });
    let mut connection = RawConnection::connect(web.addr).unwrap();
    let response = connection
        .request(request_bytes("GET", "/hello.txt", &[]).as_bytes())
        .unwrap();
    assert_eq!(response.text(), HELLO);
    assert!(
        connection.closed_within(Duration::from_secs(3)),
        "an idle connection must be closed, silently"
    );
}

#[test]
fn a_head_too_large_gets_431() {
    let web = TestWeb::start(|config, _| {
        config.limits.max_header_bytes = 2048;
    });
    let big = "x".repeat(4000);
    let raw = request_bytes("GET", "/hello.txt", &[("X-Big", &big)]);
    let mut connection = RawConnection::connect(web.addr).unwrap();
    let response = connection.request(raw.as_bytes()).unwrap();
    assert_eq!(response.status, 431, "{}", response.head);
    assert!(connection.closed_within(Duration::from_secs(2)));
    // Just under the limit is fine.
    let fits = request_bytes("GET", "/hello.txt", &[("X-Big", &"x".repeat(1500))]);
    assert_eq!(raw_request(web.addr, fits.as_bytes()).unwrap().status, 200);
}

#[test]
fn too_many_header_fields_are_refused() {
    let web = TestWeb::start(|_, _| {});
    let mut raw = String::from("GET /hello.txt HTTP/1.1\r\nHost: t\r\n");
    for i in 0..150 {
        raw.push_str(&format!("X-{i}: 1\r\n"));
    }
    raw.push_str("\r\n");
    let response = raw_request(web.addr, raw.as_bytes()).unwrap();
    assert_eq!(response.status, 431);
}

#[test]
fn a_long_uri_gets_414() {
    let web = TestWeb::start(|config, _| {
        config.limits.max_uri_bytes = 1024;
    });
    let long = format!("/{}", "a".repeat(2000));
    let response = raw_request(web.addr, request_bytes("GET", &long, &[]).as_bytes()).unwrap();
    assert_eq!(response.status, 414);
    let short = format!("/hello.txt?{}", "a".repeat(900));
    let response = raw_request(web.addr, request_bytes("GET", &short, &[]).as_bytes()).unwrap();
    assert_eq!(response.status, 200);
}

#[test]
fn a_body_too_large_gets_413_and_no_100_continue() {
    let upstreams = runtime();
    let block = test_support::LoopbackBlock::claim();
    let app = Upstream::start(&upstreams, block.addr(81, 0), "app", Behaviour::Echo);
    let web = TestWeb::start_in(block, |config, _| {
        config.limits.max_body_bytes = 1000;
        config.proxies.push(route("/api", &[app.addr]));
    });
    let mut connection = RawConnection::connect(web.addr).unwrap();
    let response = connection
        .request(b"POST /api/x HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n")
        .unwrap();
    assert_eq!(response.status, 413, "{}", response.head);
    assert!(connection.closed_within(Duration::from_secs(2)));
    assert_eq!(app.requests.load(std::sync::atomic::Ordering::SeqCst), 0);

    // Chunked, so the size shows only while the body streams: still 413.
    let mut raw = b"POST /api/x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..3 {
        raw.extend_from_slice(b"200\r\n");
        raw.extend_from_slice(&[b'a'; 512]);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    let response = raw_request(web.addr, &raw).unwrap();
    assert_eq!(response.status, 413, "{}", response.head);

    let fits = raw_request(
        web.addr,
        b"POST /api/x HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello",
    )
    .unwrap();
    assert_eq!(fits.status, 200);
    assert!(fits.text().contains("body 5\n"), "{}", fits.text());
}

#[test]
fn content_length_with_transfer_encoding_gets_400_and_close() {
    let web = TestWeb::start(|_, _| {});
    for raw in [
        &b"POST /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"[..],
        &b"POST /hello.txt HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n"[..],
    ] {
        let mut connection = RawConnection::connect(web.addr).unwrap();
        connection.send(raw).unwrap();
        // A smuggled second request would follow here; it must never be answered.
        connection
            .send(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
            .unwrap();
        let response = connection.read_response(false).unwrap();
        assert_eq!(response.status, 400, "{}", response.head);
        assert!(connection.closed_within(Duration::from_secs(2)), "the connection stayed open");
    }
    // Two different lengths, and a final coding other than chunked: hyper refuses them.
    for raw in [
        &b"POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde"[..],
        &b"POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"[..],
    ] {
        let response = raw_request(web.addr, raw).unwrap();
        assert_eq!(response.status, 400, "{}", response.head);
    }
}

#[test]
fn malformed_request_lines_get_400() {
    let web = TestWeb::start(|_, _| {});
    for raw in [
        &b"GET /hello world HTTP/1.1\r\nHost: t\r\n\r\n"[..],
        &b"GET /hello.txt HTTP/9.9\r\nHost: t\r\n\r\n"[..],
        &b"GET /hello.txt HTTP/1.1\r\nBad Header: x\r\n\r\n"[..],
        &b"GET /hello.txt HTTP/1.1\r\n\r\n"[..],
        &b"GET /hello.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"[..],
        &b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n"[..],
    ] {
        let response = raw_request(web.addr, raw).unwrap();
        assert_eq!(
            response.status,
            400,
            "{:?}: {}",
            String::from_utf8_lossy(raw),
            response.head
        );
    }
}
