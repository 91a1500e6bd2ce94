//! Whose fault an error is (DESIGN.md), with the raw bytes of requests a client got wrong:
//! malformed body framing, TRACE and CONNECT, unknown and lower-case methods, bad
//! percent-encoding, bad Host fields; and HTTP/1.2 answered as HTTP/1.1.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use test_support::LoopbackBlock;
use test_support::http::{RawConnection, raw_request, request_bytes};

use crate::harness::{Behaviour, HELLO, RecordingUpstream, TestWeb, Upstream, route, runtime};

/// A server proxying `/api` to a recording upstream, with a short body timeout.
fn proxy_to_recorder() -> (TestWeb, RecordingUpstream) {
    let block = LoopbackBlock::claim();
    let recorder = RecordingUpstream::start(block.addr(81, 0));
    let upstream = recorder.addr;
    let web = TestWeb::start_in(block, |config, _| {
        config.limits.body_timeout = Duration::from_millis(500);
        config.proxies.push(route("/api", &[upstream]));
    });
    (web, recorder)
}

fn chunked_post(body: &[u8]) -> Vec<u8> {
    let mut raw =
        b"POST /api/doc HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    raw.extend_from_slice(body);
    raw
}

#[test]
fn malformed_chunked_bodies_get_400_close_and_reach_no_upstream() {
    let (web, recorder) = proxy_to_recorder();
    // The control: a well-formed chunked body goes through, re-framed with Content-Length.
    let ok = raw_request(
        web.addr,
        &chunked_post(b"5;name=\"v\"\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n"),
    )
    .unwrap();
    assert_eq!(ok.status, 200, "{}", ok.head);
    assert_eq!(ok.text(), "recorded");
    let seen = recorder.received();
    assert!(
        seen.contains("content-length: 11\r\n") && seen.ends_with("\r\n\r\nhello world"),
        "{seen}"
    );
    assert!(!seen.to_ascii_lowercase().contains("chunked"), "{seen}");
    recorder.received.lock().unwrap().clear();

    for body in [
        &b"zz\r\nhello\r\n0\r\n\r\n"[..],               // not hex
        b"-5\r\nhello\r\n0\r\n\r\n",                    // negative
        b"0x5\r\nhello\r\n0\r\n\r\n",                   // 0x-prefixed
        b"+5\r\nhello\r\n0\r\n\r\n",                    // signed
        b"10000000000000005\r\nhello\r\n0\r\n\r\n",     // overflows 64 bits
        b"fffffffffffffffffffff\r\nhello\r\n0\r\n\r\n", // overflows
        b"\r\nhello\r\n0\r\n\r\n",                      // no size
        b"5\r\nhelloXX0\r\n\r\n",                       // chunk without its CRLF
        b"5\r\nhello0\r\n\r\n",                         // the same, shorter
        b"5\nhello\r\n0\r\n\r\n",                       // bare LF after the size
        b"5\r\nhello\n0\r\n\r\n",                       // bare LF after the data
        b"5\r\nhello\r\n0\r\n\n",                       // bare LF at the end
        b"5;=\r\nhello\r\n0\r\n\r\n",                   // extension without a name
        b"5;a=b c\r\nhello\r\n0\r\n\r\n",               // space inside a token
        b"5;\x01\r\nhello\r\n0\r\n\r\n",                // control character
        b"5;a=\"x\r\nhello\r\n0\r\n\r\n",               // unterminated quoted value
        b"5;a\nhello\r\n0\r\n\r\n",                     // bare LF in an extension
        b"5 \r\nhello\r\n0\r\n\r\n",                    // whitespace without extension
        b"5\r\nhello\r\n0\r\nBad Trailer: x\r\n\r\n",   // malformed trailer field
    ] {
        let shown = String::from_utf8_lossy(body).into_owned();
        let mut connection = RawConnection::connect(web.addr).unwrap();
        connection.send(&chunked_post(body)).unwrap();
        let response = connection.read_response(false).unwrap();
        assert_eq!(response.status, 400, "{shown:?}: {}", response.head);
        assert_eq!(response.header("connection"), Some("close"), "{shown:?}");
        assert!(
            connection.closed_within(Duration::from_secs(2)),
            "{shown:?}: the connection stayed open"
        );
        assert_eq!(recorder.received(), "", "{shown:?} reached the upstream");
    }
}

#[test]
fn a_body_the_client_abandons_or_stalls_is_its_fault() {
    let (web, recorder) = proxy_to_recorder();
    // A chunk that never ends, a Content-Length never reached: 408 at the body timeout.
    for raw in [
        chunked_post(b"5\r\nhel"),
        chunked_post(b"5\r\nhello\r\n"),
        b"POST /api/doc HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc".to_vec(),
    ] {
        let started = Instant::now();
        let mut connection = RawConnection::connect(web.addr).unwrap();
        connection.send(&raw).unwrap();
        let response = connection.read_response(false).unwrap();
        assert_eq!(response.status, 408, "{}", response.head);
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        assert!(connection.closed_within(Duration::from_secs(2)));
    }
    // The client closes its side mid-body: 400 (the answer may still be read), not 502.
    let mut connection = RawConnection::connect(web.addr).unwrap();
    connection.send(&chunked_post(b"5\r\nhel")).unwrap();
    connection
        .stream()
        .shutdown(std::net::Shutdown::Write)
        .unwrap();
    let response = connection.read_response(false).unwrap();
    assert_eq!(response.status, 400, "{}", response.head);
    assert_eq!(
        recorder.received(),
        "",
        "a partial body reached the upstream"
    );
}

#[test]
fn trace_and_connect_get_405_with_allow_and_never_reach_the_upstream() {
    let upstreams = runtime();
    let block = LoopbackBlock::claim();
    let app = Upstream::start(&upstreams, block.addr(81, 0), "app", Behaviour::Echo);
    let web = TestWeb::start_in(block, |config, _| {
        config.proxies.push(route("/api", &[app.addr]));
    });
    let secrets = [
        ("Cookie", "session=secret"),
        ("Authorization", "Basic c2VjcmV0"),
    ];
    let proxied = raw_request(
        web.addr,
        request_bytes("TRACE", "/api/x", &secrets).as_bytes(),
    )
    .unwrap();
    assert_eq!(proxied.status, 405, "{}", proxied.head);
    assert_eq!(
        proxied.header("allow"),
        Some("GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH")
    );
    assert!(!proxied.text().contains("secret"), "{}", proxied.text());
    let static_ = raw_request(
        web.addr,
        request_bytes("TRACE", "/hello.txt", &secrets).as_bytes(),
    )
    .unwrap();
    assert_eq!(static_.status, 405, "{}", static_.head);
    assert_eq!(static_.header("allow"), Some("GET, HEAD"));

    for (target, host) in [
        ("www.google.com:443", "www.google.com:443"),
        ("/api/x", "t"),
    ] {
        let mut connection = RawConnection::connect(web.addr).unwrap();
        let response = connection
            .request(format!("CONNECT {target} HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes())
            .unwrap();
        assert_eq!(response.status, 405, "{target}: {}", response.head);
        assert!(response.header("allow").is_some(), "{}", response.head);
        assert!(connection.closed_within(Duration::from_secs(2)));
    }
    assert_eq!(app.requests.load(Ordering::SeqCst), 0);
}

#[test]
fn unknown_and_lower_case_methods_get_501() {
    let upstreams = runtime();
    let block = LoopbackBlock::claim();
    let app = Upstream::start(&upstreams, block.addr(81, 0), "app", Behaviour::Echo);
    let web = TestWeb::start_in(block, |config, _| {
        config.proxies.push(route("/api", &[app.addr]));
    });
    for method in ["get", "Get", "head", "post", "FOO", "PROPFIND"] {
        for path in ["/hello.txt", "/api/x"] {
            let response =
                raw_request(web.addr, request_bytes(method, path, &[]).as_bytes()).unwrap();
            assert_eq!(response.status, 501, "{method} {path}: {}", response.head);
        }
    }
    assert_eq!(app.requests.load(Ordering::SeqCst), 0);
    // The methods themselves, in their case, still work.
    let get = raw_request(web.addr, request_bytes("GET", "/hello.txt", &[]).as_bytes()).unwrap();
    assert_eq!(get.text(), HELLO);
    let put = raw_request(
        web.addr,
        b"PUT /api/x HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi",
    )
    .unwrap();
    assert_eq!(put.status, 200, "{}", put.head);
    let post = raw_request(
        web.addr,
        request_bytes("POST", "/hello.txt", &[]).as_bytes(),
    )
    .unwrap();
    assert_eq!(post.status, 405);
}

#[test]
fn invalid_percent_encoding_gets_400_on_static_and_proxied_paths() {
    let (web, recorder) = proxy_to_recorder();
    for base in ["/hello.txt", "/api/x"] {
        for bad in ["%", "%1", "%zz", "%g0", "?q=%", "?q=%zz", "?q=a%2"] {
            let target = format!("{base}{bad}");
            let response =
                raw_request(web.addr, request_bytes("GET", &target, &[]).as_bytes()).unwrap();
            assert_eq!(response.status, 400, "{target}: {}", response.head);
        }
    }
    assert_eq!(recorder.received(), "");
    let fine = raw_request(
        web.addr,
        request_bytes("GET", "/hello.txt?q=%41%2f", &[]).as_bytes(),
    )
    .unwrap();
    assert_eq!(fine.text(), HELLO);
    let fine = raw_request(
        web.addr,
        request_bytes("GET", "/api/a%20b?q=%7E", &[]).as_bytes(),
    )
    .unwrap();
    assert_eq!(fine.status, 200, "{}", fine.head);
}

#[test]
fn a_host_that_is_not_host_and_port_gets_400() {
    let (web, recorder) = proxy_to_recorder();
    for host in [
        "", "a b", "a/b", "a@b", "a:xx", "a:99999", ":80", "[::1", "[::1]x", "[zz]", "a%zz",
        "a\\b", "a,b c",
    ] {
        for path in ["/hello.txt", "/api/x"] {
            let raw = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n");
            let response = raw_request(web.addr, raw.as_bytes()).unwrap();
            assert_eq!(
                response.status, 400,
                "Host: {host:?} {path}: {}",
                response.head
            );
        }
    }
    assert_eq!(recorder.received(), "");
    for host in [
        "www.google.com",
        "WWW.Google.COM:8080",
        "127.0.0.1",
        "[::1]:80",
        "[v7.lab]",
        "a:",
    ] {
        let raw = format!("GET /hello.txt HTTP/1.1\r\nHost: {host}\r\n\r\n");
        let response = raw_request(web.addr, raw.as_bytes()).unwrap();
        assert_eq!(response.status, 200, "Host: {host:?}: {}", response.head);
    }
}

#[test]
fn http_1_2_is_answered_as_http_1_1() {
    let (web, recorder) = proxy_to_recorder();
    let response = raw_request(web.addr, b"GET /hello.txt HTTP/1.2\r\nHost: t\r\n\r\n").unwrap();
    assert_eq!(response.status, 200, "{}", response.head);
    assert!(
        response.head.starts_with("HTTP/1.1 200"),
        "{}",
        response.head
    );
    assert_eq!(response.text(), HELLO);

    // Split mid-version, then a second request on the same connection, then a proxied one.
    let mut connection = RawConnection::connect(web.addr).unwrap();
    connection.send(b"GET /hello.txt HTTP/1.").unwrap();
    std::thread::sleep(Duration::from_millis(50));
    connection.send(b"9\r\nHost: t\r\n\r\n").unwrap();
    assert_eq!(connection.read_response(false).unwrap().text(), HELLO);
    let again = connection
        .request(b"GET /hello.txt HTTP/1.3\r\nHost: t\r\n\r\n")
        .unwrap();
    assert_eq!(again.text(), HELLO);
    let proxied = connection
        .request(b"POST /api/x HTTP/1.4\r\nHost: t\r\nContent-Length: 12\r\n\r\na HTTP/1.2 b")
        .unwrap();
    assert_eq!(proxied.status, 200, "{}", proxied.head);
    let seen = recorder.received();
    assert!(seen.starts_with("POST /api/x HTTP/1.1\r\n"), "{seen}");
    assert!(
        seen.ends_with("\r\n\r\na HTTP/1.2 b"),
        "the body is not touched: {seen}"
    );

    // Not HTTP/1: still refused.
    for raw in [
        &b"GET /hello.txt HTTP/2.0\r\nHost: t\r\n\r\n"[..],
        b"GET /hello.txt HTTP/1.12\r\nHost: t\r\n\r\n",
    ] {
        let response = raw_request(web.addr, raw).unwrap();
        assert_ne!(response.status, 200, "{}", response.head);
    }
}
