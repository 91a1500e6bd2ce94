//! Limits and timeouts, with the raw bytes a slow or hostile client would send (or the reads it
//! never makes).

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use test_support::http::{RawConnection, get, raw_request, request_bytes};

use crate::harness::{self, Behaviour, HELLO, TestWeb, Upstream, route, runtime};

#[test]
fn a_head_never_finished_gets_408_and_is_closed() {
    // The server's own HTTP/1.1 loop and hyper alike.
    for fast_http1 in [true, false] {
        let web = TestWeb::start(|config, _| {
            config.limits.header_timeout = Duration::from_millis(400);
            config.fast_http1 = fast_http1;
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

/// A client that connects and says nothing is closed without a response after the head
/// timeout, with the kernel's deferred accept (where it reaches the server about a second after
/// its handshake) and without it.
#[test]
fn a_connection_that_never_sends_a_byte_is_closed_silently() {
    for defer_accept in [true, false] {
        let web = TestWeb::start(|config, _| {
            config.limits.header_timeout = Duration::from_millis(300);
            config.defer_accept = defer_accept;
        });
        let mut connection = RawConnection::connect(web.addr).unwrap();
        assert!(
            connection.closed_within(Duration::from_secs(6)),
            "a silent connection stays open (defer_accept {defer_accept})"
        );
    }
}

/// Deferred accept holds a connection in the kernel until its first bytes; a client that
/// pauses past the deferral (one second) before its request is still answered.
#[test]
fn a_request_sent_after_a_pause_is_answered() {
    for defer_accept in [true, false] {
        let web = TestWeb::start(|config, _| {
            config.defer_accept = defer_accept;
        });
        let mut connection = RawConnection::connect(web.addr).unwrap();
        std::thread::sleep(Duration::from_millis(1300));
        let response = connection
            .request(request_bytes("GET", "/hello.txt", &[]).as_bytes())
            .unwrap();
        assert_eq!(response.text(), HELLO, "defer_accept {defer_accept}");
    }
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

/// Bigger than every buffer between the server and a client that reads nothing (the client's
/// receive buffer, the server's send buffer, which Linux grows up to 4 MiB): the server's
/// writes must find the socket full.
const HUGE: usize = 8 * 1024 * 1024;

/// A connection to `web` whose receive buffer is `bytes` (the kernel doubles it), set before
/// connecting so that the window the client offers stays that small.
fn small_window(web: &TestWeb, bytes: u32) -> std::net::TcpStream {
    let stream = web
        .runtime
        .block_on(async {
            let socket = tokio::net::TcpSocket::new_v4()?;
            socket.set_recv_buffer_size(bytes)?;
            socket.connect(web.addr).await
        })
        .unwrap()
        .into_std()
        .unwrap();
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
}

/// Reads until the server closes (EOF or a reset: true) or nothing comes for `quiet` (false);
/// the bytes read.
fn drain(stream: &mut std::net::TcpStream, quiet: Duration) -> (usize, bool) {
    stream.set_read_timeout(Some(quiet)).unwrap();
    harness::drain(stream, HUGE + 1024)
}

/// The access log's request time (its last field) of the line for `target`.
fn logged_time(log: &str, target: &str) -> Option<(u16, f64)> {
    let line = log
        .lines()
        .find(|line| line.contains(&format!("\"GET {target} HTTP/1.1\"")))?;
    let after = line.split("HTTP/1.1\" ").nth(1)?;
    let status = after.split(' ').next()?.parse().ok()?;
    let time = line.rsplit(' ').next()?.parse().ok()?;
    Some((status, time))
}

/// nginx's `send_timeout`: a client that asks for a file bigger than the socket buffers and
/// never reads is closed once the server's writes have waited `send_timeout` for room, by
/// sendfile(2) or through hyper's writes (`sendfile = false`: the file read in chunks).
#[test]
fn a_client_that_never_reads_is_closed_after_the_send_timeout() {
    let send_timeout = Duration::from_millis(500);
    for sendfile in [true, false] {
        let web = TestWeb::start(|config, site| {
            config.limits.send_timeout = send_timeout;
            config.static_files.sendfile = sendfile;
            config.access_log = web::AccessLog::File(site.base.join("access.log"));
            std::fs::write(site.root.join("huge.bin"), vec![b'h'; HUGE]).unwrap();
        });
        let mut client = small_window(&web, 16 * 1024);
        client
            .write_all(request_bytes("GET", "/huge.bin", &[]).as_bytes())
            .unwrap();
        // Nothing read for three timeouts: by then the server has given up.
        std::thread::sleep(send_timeout * 3);
        let started = Instant::now();
        let (read, closed) = drain(&mut client, Duration::from_secs(5));
        eprintln!(
            "sendfile {sendfile}: {read} bytes read after the stall, closed {closed} after {:?}",
            started.elapsed()
        );
        assert!(closed, "sendfile {sendfile}: the connection is still open");
        assert!(
            read < HUGE,
            "sendfile {sendfile}: the whole file came ({read} bytes)"
        );
        // The server still serves.
        let response = get(web.addr, "/hello.txt", &[]).unwrap();
        assert_eq!(response.text(), HELLO);
        let log_path = web.site.base.join("access.log");
        let mut web = web;
        web.shutdown(); // flushes the log
        let log = std::fs::read_to_string(log_path).unwrap();
        let (status, time) = logged_time(&log, "/huge.bin").expect(&log);
        assert_eq!(status, 200, "{log}");
        if !sendfile {
            // The body in chunks lives until the connection is dropped: its line is written
            // then, with the time the response took until the timeout ended it.
            let time = Duration::from_secs_f64(time);
            assert!(
                time >= send_timeout - Duration::from_millis(50)
                    && time < send_timeout * 3 + Duration::from_millis(100),
                "{time:?}: {log}"
            );
        }
    }
}

/// The timeout is between two writes, not for the whole response: a client that reads a bit
/// (512 KiB) every 200 ms, with a timeout of 500 ms, gets the whole file. The file is bigger
/// than the buffers on the way, so the server's writes keep waiting for room between the
/// client's reads, for several timeouts in all.
#[test]
fn a_slow_client_that_reads_is_not_timed_out() {
    const BURST: usize = 512 * 1024;
    let content: Vec<u8> = (0..HUGE).map(|i| (i % 253) as u8).collect();
    let send_timeout = Duration::from_millis(500);
    for sendfile in [true, false] {
        let web = TestWeb::start(|config, site| {
            config.limits.send_timeout = send_timeout;
            config.static_files.sendfile = sendfile;
            std::fs::write(site.root.join("slow.bin"), &content).unwrap();
        });
        let mut client = small_window(&web, 32 * 1024);
        client
            .write_all(request_bytes("GET", "/slow.bin", &[]).as_bytes())
            .unwrap();
        let started = Instant::now();
        let mut received = Vec::new();
        let mut chunk = vec![0u8; 64 * 1024];
        let mut body_at = None;
        let whole = |received: &Vec<u8>, body_at: Option<usize>| {
            body_at.is_some_and(|at| received.len() >= at + HUGE)
        };
        while !whole(&received, body_at) && started.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(200));
            let mut this_time = 0;
            while this_time < BURST && !whole(&received, body_at) {
                let n = match client.read(&mut chunk) {
                    Ok(0) => panic!("sendfile {sendfile}: closed after {} bytes", received.len()),
                    Ok(n) => n,
                    Err(err) => {
                        panic!("sendfile {sendfile}: {err} after {} bytes", received.len())
                    }
                };
                received.extend_from_slice(&chunk[..n]);
                this_time += n;
                if body_at.is_none() {
                    body_at = received
                        .windows(4)
                        .position(|w| w == b"\r\n\r\n")
                        .map(|at| at + 4);
                }
            }
        }
        let at = body_at.expect("a response head");
        assert!(
            received.starts_with(b"HTTP/1.1 200"),
            "{:?}",
            String::from_utf8_lossy(&received[..at])
        );
        assert_eq!(received.len() - at, HUGE, "sendfile {sendfile}: short");
        assert!(
            received[at..] == content[..],
            "sendfile {sendfile}: wrong bytes"
        );
        eprintln!(
            "sendfile {sendfile}: {HUGE} bytes in {:?} at {BURST} bytes every 200 ms",
            started.elapsed()
        );
        assert!(
            started.elapsed() > send_timeout * 2,
            "the client was not slow: {:?}",
            started.elapsed()
        );
    }
}
