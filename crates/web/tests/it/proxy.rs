//! The reverse proxy, with small hyper servers in the test standing in for the WAS.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use test_support::LoopbackBlock;
use test_support::http::{RawConnection, get, raw_request, request_bytes};

use crate::harness::{Behaviour, HELLO, TestWeb, Upstream, dead_addr, route, runtime};

fn header_line<'a>(echo: &'a str, name: &str) -> Option<&'a str> {
    echo.lines()
        .find_map(|line| line.strip_prefix(&format!("{name}: ")))
}

#[test]
fn a_prefix_is_proxied_with_forwarding_headers() {
    let upstreams = runtime();
    let block = LoopbackBlock::claim();
    let app = Upstream::start(&upstreams, block.addr(81, 0), "app", Behaviour::Echo);
    let web = TestWeb::start_in(block, |config, _| {
        config.proxies.push(route("/search", &[app.addr]));
    });
    let response = get(
        web.addr,
        "/search?q=dns",
        &[
            ("Host", "www.google.com"),
            ("Connection", "x-secret"),
            ("X-Secret", "hop-only"),
            ("X-Forwarded-For", "192.0.2.1"),
            (
                "Traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ),
        ],
    )
    .unwrap();
    assert_eq!(response.status, 200, "{}", response.head);
    let echo = response.text();
    assert!(
        echo.starts_with("upstream app\nGET /search?q=dns\n"),
        "{echo}"
    );
    let client_ip = web.block.ip(80).to_string(); // the test connects from the loopback
    let xff = header_line(&echo, "x-forwarded-for").unwrap();
    assert!(xff.starts_with("192.0.2.1, "), "{xff}");
    assert_eq!(header_line(&echo, "x-forwarded-proto"), Some("http"));
    assert_eq!(header_line(&echo, "host"), Some("www.google.com"));
    let forwarded = header_line(&echo, "forwarded").unwrap();
    assert!(
        forwarded.contains("proto=http") && forwarded.contains("host=\"www.google.com\""),
        "{forwarded}"
    );
    let traceparent = header_line(&echo, "traceparent").unwrap();
    assert!(
        traceparent.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
        "{traceparent}"
    );
    assert!(
        !traceparent.contains("00f067aa0ba902b7"),
        "our span is the new parent"
    );
    assert_eq!(
        header_line(&echo, "x-secret"),
        None,
        "a field named in Connection passed"
    );
    assert_eq!(header_line(&echo, "connection"), None);
    // And back: the upstream's hop-by-hop fields stay with the upstream.
    assert_eq!(response.header("x-upstream"), Some("app"));
    assert_eq!(response.header("x-hop"), None);
    assert_eq!(response.header("keep-alive"), None);
    let _ = client_ip;

    // Without a traceparent, a trace starts here.
    let fresh = get(web.addr, "/search", &[]).unwrap().text();
    let traceparent = header_line(&fresh, "traceparent").unwrap();
    assert_eq!(traceparent.len(), 55, "{traceparent}");
    // Static files are still ours.
    assert_eq!(get(web.addr, "/hello.txt", &[]).unwrap().text(), HELLO);
    assert_eq!(get(web.addr, "/searching", &[]).unwrap().status, 404);
}

#[test]
fn no_reachable_upstream_gives_502() {
    let block = LoopbackBlock::claim();
    let dead = dead_addr(&block, 81);
    let web = TestWeb::start_in(block, |config, _| {
        config.proxies.push(route("/api", &[dead]));
    });
    let response = get(web.addr, "/api/x", &[]).unwrap();
    assert_eq!(response.status, 502, "{}", response.head);
}

#[test]
fn a_stopped_upstream_gives_502() {
    let upstreams = runtime();
    let block = LoopbackBlock::claim();
    let app = Upstream::start(&upstreams, block.addr(81, 0), "app", Behaviour::Echo);
    let web = TestWeb::start_in(block, |config, _| {
        config.proxies.push(route("/api", &[app.addr]));
    });
    assert_eq!(get(web.addr, "/api", &[]).unwrap().status, 200);
    app.stop();
    drop(upstreams); // closes its listener and every connection it had
    let response = get(web.addr, "/api", &[]).unwrap();
    assert_eq!(response.status, 502, "{}", response.head);
}

#[test]
fn a_stalling_upstream_gives_504() {
    let upstreams = runtime();
    let block = LoopbackBlock::claim();
    let app = Upstream::start(&upstreams, block.addr(81, 0), "stall", Behaviour::Stall);
    let web = TestWeb::start_in(block, |config, _| {
        config.limits.upstream_timeout = Duration::from_millis(500);
        config.proxies.push(route("/api", &[app.addr]));
    });
    let started = Instant::now();
    let response = get(web.addr, "/api", &[]).unwrap();
    assert_eq!(response.status, 504, "{}", response.head);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn requests_alternate_over_two_upstreams() {
    let upstreams = runtime();
    let block = LoopbackBlock::claim();
    let a = Upstream::start(&upstreams, block.addr(81, 0), "a", Behaviour::Echo);
    let b = Upstream::start(&upstreams, block.addr(82, 0), "b", Behaviour::Echo);
    let web = TestWeb::start_in(block, |config, _| {
        config.proxies.push(route("/api", &[a.addr, b.addr]));
    });
    let names: Vec<String> = (0..6)
        .map(|_| {
            get(web.addr, "/api", &[])
                .unwrap()
                .header("x-upstream")
                .unwrap()
                .to_owned()
        })
        .collect();
    for pair in names.windows(2) {
        assert_ne!(pair[0], pair[1], "not round-robin: {names:?}");
    }
    assert_eq!(a.requests.load(Ordering::SeqCst), 3);
    assert_eq!(b.requests.load(Ordering::SeqCst), 3);
}

#[test]
fn a_refusing_upstream_is_skipped_and_marked_down() {
    let upstreams = runtime();
    let block = LoopbackBlock::claim();
    let live = Upstream::start(&upstreams, block.addr(81, 0), "live", Behaviour::Echo);
    let dead = dead_addr(&block, 82);
    let web = TestWeb::start_in(block, |config, _| {
        config.proxies.push(route("/api", &[dead, live.addr]));
    });
    for _ in 0..6 {
        let response = get(web.addr, "/api", &[]).unwrap();
        assert_eq!(response.status, 200, "{}", response.head);
    }
    assert_eq!(live.requests.load(Ordering::SeqCst), 6);
    // A request with a body cannot be retried elsewhere, but the dead upstream is marked down
    // by now, so it goes to the live one.
    let post = raw_request(
        web.addr,
        b"POST /api HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi",
    )
    .unwrap();
    assert_eq!(post.status, 200);
}

#[test]
fn upstream_connections_are_kept_alive_and_reused() {
    let upstreams = runtime();
    let block = LoopbackBlock::claim();
    let app = Upstream::start(&upstreams, block.addr(81, 0), "app", Behaviour::Echo);
    let web = TestWeb::start_in(block, |config, _| {
        config.proxies.push(route("/api", &[app.addr]));
    });
    for _ in 0..20 {
        assert_eq!(get(web.addr, "/api", &[]).unwrap().status, 200);
    }
    let mut connection = RawConnection::connect(web.addr).unwrap();
    for _ in 0..20 {
        let response = connection
            .request(request_bytes("GET", "/api/x", &[]).as_bytes())
            .unwrap();
        assert_eq!(response.status, 200);
    }
    assert_eq!(app.requests.load(Ordering::SeqCst), 40);
    assert_eq!(
        app.accepted.load(Ordering::SeqCst),
        1,
        "40 requests, one upstream connection"
    );
}

#[test]
fn expect_100_continue_passes_through() {
    let upstreams = runtime();
    let block = LoopbackBlock::claim();
    let app = Upstream::start(&upstreams, block.addr(81, 0), "app", Behaviour::Echo);
    let web = TestWeb::start_in(block, |config, _| {
        config.proxies.push(route("/api", &[app.addr]));
    });
    let mut connection = RawConnection::connect(web.addr).unwrap();
    connection
        .send(b"POST /api/doc HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n")
        .unwrap();
    let interim = connection.read_response(false).unwrap();
    assert_eq!(interim.status, 100, "{}", interim.head);
    connection.send(b"hello world").unwrap();
    let response = connection.read_response(false).unwrap();
    assert_eq!(response.status, 200);
    let echo = response.text();
    assert!(echo.contains("POST /api/doc\nbody 11\n"), "{echo}");

    let odd = raw_request(
        web.addr,
        b"GET /api HTTP/1.1\r\nHost: t\r\nExpect: teapot\r\n\r\n",
    )
    .unwrap();
    assert_eq!(odd.status, 417);
}

#[test]
fn a_slow_upstream_body_streams_through() {
    let upstreams = runtime();
    let block = LoopbackBlock::claim();
    let app = Upstream::start(
        &upstreams,
        block.addr(81, 0),
        "slow",
        Behaviour::Delay(Duration::from_millis(200)),
    );
    let web = TestWeb::start_in(block, |config, _| {
        config.limits.upstream_timeout = Duration::from_secs(5);
        config.proxies.push(route("/", &[app.addr]));
    });
    let response = get(web.addr, "/anything/at/all", &[]).unwrap();
    assert_eq!(response.status, 200);
    assert!(response.text().contains("GET /anything/at/all"));
}

/// A raw upstream on `block`'s host 81: `serve` runs with its listener on a thread of its own.
fn raw_upstream(
    block: &LoopbackBlock,
    serve: impl FnOnce(std::net::TcpListener) + Send + 'static,
) -> (std::net::SocketAddr, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind(block.addr(81, 0)).unwrap();
    let upstream = listener.local_addr().unwrap();
    (upstream, std::thread::spawn(move || serve(listener)))
}

/// A request head read byte by byte (nothing after it is taken); empty at the close.
fn read_head(stream: &mut std::net::TcpStream) -> Vec<u8> {
    use std::io::Read;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
        head.push(byte[0]);
    }
    head
}

/// Reads a request head and answers `answer {n}` with keep-alive framing.
fn answer_once(stream: &mut std::net::TcpStream, n: usize) {
    use std::io::Write;
    read_head(stream);
    let body = format!("answer {n}\n");
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).unwrap();
}

#[test]
fn an_upstream_that_closed_an_idle_connection_gets_the_next_request_on_a_new_one() {
    let block = LoopbackBlock::claim();
    // An upstream that answers one request per connection with keep-alive framing, then closes
    // the connection a moment later, as one whose keep-alive timeout is short would.
    let (upstream, server) = raw_upstream(&block, move |listener| {
        for (n, stream) in listener.incoming().take(2).enumerate() {
            let mut stream = stream.unwrap();
            answer_once(&mut stream, n);
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    let web = TestWeb::start_in(block, |config, _| {
        config.proxies.push(route("/api", &[upstream]));
    });
    let first = get(web.addr, "/api", &[]).unwrap();
    assert_eq!(first.status, 200, "{}", first.head);
    assert_eq!(first.text(), "answer 0\n");
    std::thread::sleep(Duration::from_millis(300));
    let second = get(web.addr, "/api", &[]).unwrap();
    assert_eq!(second.status, 200, "{}", second.head);
    assert_eq!(second.text(), "answer 1\n");
    server.join().unwrap();
}

#[test]
fn idle_upstream_connections_are_closed_after_the_idle_timeout() {
    let upstreams = runtime();
    let block = LoopbackBlock::claim();
    let app = Upstream::start(
        &upstreams,
        block.addr(81, 0),
        "slow",
        Behaviour::Delay(Duration::from_millis(200)),
    );
    let idle_timeout = Duration::from_millis(600);
    let web = TestWeb::start_in(block, |config, _| {
        config.limits.upstream_idle_timeout = idle_timeout;
        config.proxies.push(route("/api", &[app.addr]));
    });
    // Three requests at once need three upstream connections; each is idle once answered.
    let addr = web.addr;
    let clients: Vec<_> = (0..3)
        .map(|_| std::thread::spawn(move || get(addr, "/api", &[]).unwrap().status))
        .collect();
    for client in clients {
        assert_eq!(client.join().unwrap(), 200);
    }
    let idle_since = Instant::now();
    assert_eq!(app.accepted.load(Ordering::SeqCst), 3);
    assert_eq!(
        app.open.load(Ordering::SeqCst),
        3,
        "kept open for the next requests"
    );
    // No request comes to take or return one: the sweep closes them all, once idle for the
    // timeout, and not long before.
    while app.open.load(Ordering::SeqCst) > 0 {
        assert!(
            idle_since.elapsed() < Duration::from_secs(5),
            "{} upstream connections still open after {:?} idle",
            app.open.load(Ordering::SeqCst),
            idle_since.elapsed()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        idle_since.elapsed() >= idle_timeout - Duration::from_millis(100),
        "closed after {:?}, before the idle timeout",
        idle_since.elapsed()
    );
    // The next request opens a new one, and that one is swept in its turn.
    assert_eq!(get(web.addr, "/api", &[]).unwrap().status, 200);
    assert_eq!(app.accepted.load(Ordering::SeqCst), 4);
    let idle_since = Instant::now();
    while app.open.load(Ordering::SeqCst) > 0 {
        assert!(
            idle_since.elapsed() < Duration::from_secs(5),
            "the new connection was not swept"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_reused_connection_closed_unanswered_is_retried_only_for_idempotent_requests() {
    use std::io::Read;
    let block = LoopbackBlock::claim();
    // Each connection answers its first request with keep-alive framing, then reads the next
    // request and closes without a byte of answer: its keep-alive timeout and our reuse
    // crossing, made certain.
    let (upstream, server) = raw_upstream(&block, move |listener| {
        for (n, stream) in listener.incoming().take(2).enumerate() {
            let mut stream = stream.unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            answer_once(&mut stream, n);
            let next = read_head(&mut stream);
            let mut rest = [0u8; 64];
            if next.starts_with(b"POST") {
                let _ = stream.read(&mut rest); // the body: read before the close, no reset
            }
        }
    });
    let web = TestWeb::start_in(block, |config, _| {
        config.proxies.push(route("/api", &[upstream]));
    });
    let first = get(web.addr, "/api", &[]).unwrap();
    assert_eq!(first.text(), "answer 0\n");
    // GET: sent again on a new connection.
    let second = get(web.addr, "/api", &[]).unwrap();
    assert_eq!(second.status, 200, "{}", second.head);
    assert_eq!(second.text(), "answer 1\n");
    // POST: the upstream may have acted on it; 502, not a second POST.
    let post = raw_request(
        web.addr,
        request_bytes("POST", "/api", &[("Content-Length", "2")])
            .replace("\r\n\r\n", "\r\n\r\nok")
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(post.status, 502, "{}", post.head);
    drop(web);
    server.join().unwrap();
}

#[test]
fn an_upstream_that_stalls_mid_body_is_cut_after_the_upstream_timeout() {
    use std::io::Write;
    let block = LoopbackBlock::claim();
    // Three bytes of ten, then nothing for longer than the timeout.
    let (upstream, server) = raw_upstream(&block, move |listener| {
        let (mut stream, _) = listener.accept().unwrap();
        read_head(&mut stream);
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhel")
            .unwrap();
        std::thread::sleep(Duration::from_secs(3));
    });
    let web = TestWeb::start_in(block, |config, _| {
        config.limits.upstream_timeout = Duration::from_millis(300);
        config.proxies.push(route("/api", &[upstream]));
    });
    let started = Instant::now();
    let mut client = std::net::TcpStream::connect(web.addr).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    client
        .write_all(request_bytes("GET", "/api", &[]).as_bytes())
        .unwrap();
    let (bytes, closed) = crate::harness::drain(&mut client, 1 << 20);
    assert!(closed, "the client's connection was not ended");
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "cut after {:?}, not after the 300 ms timeout",
        started.elapsed()
    );
    assert!(
        bytes < 100,
        "{bytes} bytes: more than the head and three bytes"
    );
    server.join().unwrap();
}
