//! The server's own HTTP/1.1 loop (`fast_h1`) against hyper's: the same raw requests sent to a
//! server with the loop and to one without it (`fast_http1 = false`, hyper takes every request),
//! over the same files and upstream, must get the same bytes back (the `date` values aside, and
//! the `traceparent` each proxied request gets afresh).

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use crate::harness::{Behaviour, RecordingUpstream, TestWeb, Upstream, route};

/// The requests, each sent whole on a connection of its own. A connection ends when the server
/// closes it: after a closing response, or when it has been idle for the head timeout.
const CASES: &[&str] = &[
    "GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n",
    "HEAD /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n",
    "GET /hello.txt HTTP/1.0\r\n\r\n",
    "GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    "HEAD /hello.txt HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
    "GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    "GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: keep-alive, close\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: t\r\nUser-Agent: x\r\nAccept: */*\r\n\r\n",
    "GET /dir HTTP/1.1\r\nHost: t\r\n\r\n",
    "GET /dir?q=1 HTTP/1.0\r\n\r\n",
    "GET /missing HTTP/1.1\r\nHost: t\r\n\r\n",
    "HEAD /missing HTTP/1.1\r\nHost: t\r\n\r\n",
    "GET /hello.txt HTTP/1.1\r\nHost: t\r\nIf-None-Match: *\r\n\r\n",
    "GET /hello.txt HTTP/1.1\r\nHost: t\r\nIf-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\n\r\n",
    "GET /hello.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=0-3\r\n\r\n",
    "GET /hello.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=100-200\r\n\r\n",
    "GET /style.css HTTP/1.1\r\nHost: t\r\nRange: bytes=0-1,5-6\r\n\r\n",
    "GET /pre.js HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip, br\r\n\r\n",
    "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n",
    "HEAD /big.bin HTTP/1.1\r\nHost: t\r\n\r\n",
    "GET /big.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=1000000-1000100\r\n\r\n",
    "GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\nHEAD /style.css HTTP/1.1\r\nHost: t\r\n\r\nGET /missing HTTP/1.1\r\nHost: t\r\n\r\n",
    // hyper takes over in the middle of a connection, with the bytes already read.
    "GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\nPOST /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabcGET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n",
    "GET /hello.txt HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n\r\n",
    "GET /hello.txt HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\n\r\n",
    "GET /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n",
    "TRACE / HTTP/1.1\r\nHost: t\r\n\r\n",
    "OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n",
    "BREW / HTTP/1.1\r\nHost: t\r\n\r\n",
    "HELLO\r\n\r\n",
    "GET /hello.txt HTTP/1.1\r\nHost t\r\n\r\n",
    "GET / HTTP/2.0\r\nHost: t\r\n\r\n",
    // The handler's refusals, on requests the loop takes.
    "GET /%zz HTTP/1.1\r\nHost: t\r\n\r\n",
    "GET /hello.txt HTTP/1.1\r\n\r\n",
    "GET /hello.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "GET /hello.txt HTTP/1.1\r\nHost: a b\r\n\r\n",
    "GET /../secret.txt HTTP/1.1\r\nHost: t\r\n\r\n",
    "GET http://t/hello.txt HTTP/1.1\r\nHost: t\r\n\r\n",
    "GET /hello.txt HTTP/1.5\r\nHost: t\r\n\r\n",
    "GET /hello.txt HTTP/1.1\r\nHost: t\r\nX-Empty:\r\nX-Obs: caf\u{e9}\r\nX-Tab: a\tb\r\n\r\n",
    // Virtual hosts, redirects, the proxy.
    "GET /hello.txt HTTP/1.1\r\nHost: old.test\r\n\r\n",
    "GET /x?y HTTP/1.1\r\nHost: old.test:8080\r\n\r\n",
    "GET /api/thing?x=1 HTTP/1.1\r\nHost: t\r\n\r\n",
    "HEAD /api/thing HTTP/1.1\r\nHost: t\r\n\r\n",
    "GET /api/thing HTTP/1.0\r\n\r\n",
    "GET /api/thing HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    "POST /api/thing HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi",
    // A body of unknown length: chunked again for HTTP/1.1, until the close for HTTP/1.0.
    "GET /stream HTTP/1.1\r\nHost: t\r\n\r\n",
    "GET /stream HTTP/1.0\r\n\r\n",
    "HEAD /stream HTTP/1.1\r\nHost: t\r\n\r\n",
    "GET /stream HTTP/1.1\r\nHost: t\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n",
];

/// What the chunked upstream answers: a body in two chunks and no length (none for HEAD).
fn chunked_answer(head: &[u8]) -> &'static [u8] {
    if head.starts_with(b"HEAD") {
        b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n"
    } else {
        b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    }
}

fn configure(
    config: &mut web::WebConfig,
    upstream: std::net::SocketAddr,
    chunked: std::net::SocketAddr,
) {
    config.limits.header_timeout = Duration::from_millis(400);
    config.limits.max_uri_bytes = 64;
    config.proxies.push(route("/api", &[upstream]));
    config.proxies.push(route("/stream", &[chunked]));
    config.redirects.push(web::Redirect {
        host: "old.test".to_owned(),
        to: "http://new.test".to_owned(),
        status: 301,
    });
}

/// Sends `raw` and reads until the server closes (or 10 s pass).
fn exchange(addr: std::net::SocketAddr, raw: &[u8]) -> Vec<u8> {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.write_all(raw).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let started = Instant::now();
    let mut received = Vec::new();
    let mut chunk = [0u8; 64 * 1024];
    while started.elapsed() < Duration::from_secs(10) {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => received.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            // A reset after the response (hyper closing with unread bytes) ends it too.
            Err(_) => break,
        }
    }
    received
}

/// The `date` and `traceparent` values replaced, line by line.
fn normalised(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        let lower = line.to_ascii_lowercase();
        if let Some(name) = [&b"date: "[..], b"traceparent: "]
            .into_iter()
            .find(|name| lower.starts_with(name))
        {
            out.extend_from_slice(&line[..name.len()]);
            out.extend_from_slice(b"<varies>\r\n");
        } else {
            out.extend_from_slice(line);
        }
    }
    out
}

#[test]
fn the_servers_own_loop_answers_byte_for_byte_as_hyper() {
    let runtime = crate::harness::runtime();
    let block = test_support::LoopbackBlock::claim();
    let upstream = Upstream::start(&runtime, block.addr(90, 0), "a", Behaviour::Echo);
    let chunked_upstream = RecordingUpstream::answering(block.addr(91, 0), chunked_answer);
    let chunked = chunked_upstream.addr;
    let fast = TestWeb::start_in(block, |config, _| configure(config, upstream.addr, chunked));
    let root = fast.site.root.clone();
    let hyper_only = TestWeb::start(|config, _| {
        configure(config, upstream.addr, chunked);
        config.root = root.clone();
        config.fast_http1 = false;
    });
    // Each case waits out the idle timeout: all at once, a thread each.
    let differ: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = CASES
            .iter()
            .map(|case| {
                let (fast, hyper_only) = (fast.addr, hyper_only.addr);
                scope.spawn(move || {
                    let from_fast = normalised(&exchange(fast, case.as_bytes()));
                    let from_hyper = normalised(&exchange(hyper_only, case.as_bytes()));
                    assert!(!from_hyper.is_empty(), "no answer from hyper to {case:?}");
                    let show = |bytes: &[u8]| {
                        String::from_utf8_lossy(&bytes[..bytes.len().min(1500)]).into_owned()
                    };
                    (from_fast != from_hyper).then(|| {
                        format!(
                            "{case:?}\n--- own loop:\n{}\n--- hyper:\n{}",
                            show(&from_fast),
                            show(&from_hyper)
                        )
                    })
                })
            })
            .collect();
        runs.into_iter()
            .filter_map(|run| run.join().unwrap())
            .collect()
    });
    assert!(differ.is_empty(), "{}", differ.join("\n\n"));
}
