//! The browser's HTTP side against a real hyper server (`server.rs`) on the test's loopback
//! block, names resolved through the real DNS fixture (`lab.rs`): status codes, redirects and
//! their method rules, the limit and loops, connection reuse, the phase timings' order, Happy
//! Eyeballs (a refused and a silent IPv6 address), the client's FIN first, the host cache.
//!
//! Timings are only compared with each other (and with lower bounds the server imposes),
//! never with absolute durations, so a loaded machine cannot make these tests flaky.

use std::net::{Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use browser::hosts_file::HostsFile;
use browser::{
    AttemptOutcome, Browser, BrowserConfig, FetchError, HostCache, Leg, NameService, Names, Side,
    Source,
};
use bytes::Bytes;
use http::Method;

use crate::lab::{Lab, SITE_TTL, WEB_HOST, lab, run};
use crate::server::{ConnEvent, SLOW_FIRST_BYTE, TestServer};

/// The lab's DNS and an HTTP server on its .80.
pub(crate) struct Web {
    pub lab: Lab,
    pub server: TestServer,
}

impl Web {
    pub fn start() -> Web {
        let lab = lab();
        let listener = std::net::TcpListener::bind(lab.block.addr(WEB_HOST, 0)).unwrap();
        let server = TestServer::start(listener);
        Web { lab, server }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://site.example:{}{path}", self.server.addr.port())
    }

    pub fn browser(&self, config: BrowserConfig) -> Browser {
        let names = Names::new(
            HostsFile::default(),
            Some(HostCache::in_memory()),
            NameService::Resolver(self.lab.front.addr()),
        );
        Browser::new(names, config, Arc::new(journey::Silent))
    }
}

pub(crate) fn assert_ordered(leg: &Leg) {
    let t = &leg.timings;
    let curl = [
        t.time_namelookup,
        t.time_connect,
        t.time_pretransfer,
        t.time_starttransfer,
        t.time_total,
    ];
    assert!(
        curl.windows(2).all(|w| w[0] <= w[1]) && curl[0] >= 0.0,
        "curl -w timings out of order: {t:?}"
    );
    if leg.connection.tls.is_none() || leg.connection.reused {
        assert_eq!(t.time_appconnect, 0.0, "no TLS handshake in this leg");
    } else {
        assert!(t.time_connect <= t.time_appconnect && t.time_appconnect <= t.time_pretransfer);
    }
    let r = &t.resource_timing;
    let w3c = [
        r.fetch_start,
        r.domain_lookup_start,
        r.domain_lookup_end,
        r.connect_start,
        r.connect_end,
        r.request_start,
        r.response_start,
        r.response_end,
    ];
    assert!(
        w3c.windows(2).all(|w| w[0] <= w[1]),
        "Resource Timing out of order: {r:?}"
    );
    assert!(
        (r.response_end - t.time_total * 1000.0).abs() < 1e-6,
        "the same instant under both names"
    );
}

#[test]
fn a_200_and_a_404_are_both_answers_with_their_class_explained() {
    let web = Web::start();
    let mut browser = web.browser(BrowserConfig::default());
    let (ok, missing) = run(async {
        let ok = browser.get(&web.url("/ok")).await.unwrap();
        let missing = browser.get(&web.url("/missing")).await.unwrap();
        browser.close().await;
        (ok, missing)
    });
    let leg = ok.last();
    assert_eq!((leg.status, leg.reason.as_str()), (200, "OK"));
    assert!(leg.status_class.starts_with("2xx success"));
    assert_eq!(&ok.body[..], b"hello\n");
    assert_eq!(leg.body_bytes, 6);
    assert_eq!(leg.request_line, "GET /ok HTTP/1.1");
    assert_eq!(leg.http_version, "HTTP/1.1");
    assert_eq!(
        leg.request_headers[0],
        (
            "Host".into(),
            format!("site.example:{}", web.server.addr.port())
        )
    );
    assert!(
        leg.response_headers
            .iter()
            .any(|(n, v)| n == "content-type" && v == "text/plain")
    );
    let resolved = leg.resolved.as_ref().expect("a new connection: a lookup");
    assert_eq!(
        resolved.source,
        Source::Resolver {
            server: web.lab.front.addr()
        }
    );
    assert_eq!(leg.connection.remote, web.server.addr);
    assert!(!leg.connection.reused);
    assert_eq!(leg.connection.attempts.len(), 1);
    assert_eq!(
        leg.connection.attempts[0].outcome,
        AttemptOutcome::Connected
    );
    assert_ordered(leg);
    let leg = missing.last();
    assert_eq!((leg.status, leg.reason.as_str()), (404, "Not Found"));
    assert!(leg.status_class.starts_with("4xx client error"));
    assert_ordered(leg);
}

#[test]
fn one_connection_carries_two_requests_and_the_second_skips_lookup_and_connect() {
    let web = Web::start();
    let mut browser = web.browser(BrowserConfig::default());
    let (first, second, closed) = run(async {
        let first = browser.get(&web.url("/ok")).await.unwrap();
        let second = browser.get(&web.url("/ok")).await.unwrap();
        (first, second, browser.close().await)
    });
    assert_eq!(web.server.connections(), 1, "one TCP connection for both");
    let (a, b) = (first.last(), second.last());
    assert!(!a.connection.reused && b.connection.reused);
    assert_eq!(a.connection.local, b.connection.local);
    assert_eq!(a.connection.id, b.connection.id);
    assert!(b.resolved.is_none() && b.connection.attempts.is_empty());
    let r = &b.timings.resource_timing;
    assert_eq!(
        (r.domain_lookup_end, r.connect_end),
        (0.0, 0.0),
        "reused: no lookup, no connect"
    );
    assert_ordered(b);
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0].requests, 2);
}

#[test]
fn a_slow_first_byte_shows_between_pretransfer_and_starttransfer() {
    let web = Web::start();
    let mut browser = web.browser(BrowserConfig::default());
    let visit = run(browser.get(&web.url("/slow"))).unwrap();
    let t = &visit.last().timings;
    assert_ordered(visit.last());
    assert!(
        t.time_starttransfer - t.time_pretransfer >= SLOW_FIRST_BYTE.as_secs_f64(),
        "the server's wait is in the wait for the first byte: {t:?}"
    );
}

/// POSTs `a=b&c` to a redirect with `code` and returns the final leg's method and what
/// `/echo` received.
fn post_through(web: &Web, code: u16, method: Method) -> (Vec<String>, String) {
    let mut browser = web.browser(BrowserConfig::default());
    let url = web.url(&format!("/status/{code}?to=/echo"));
    let visit = run(browser.request(method, &url, Bytes::from_static(b"a=b&c"))).unwrap();
    let methods = visit.legs.iter().map(|l| l.method.clone()).collect();
    (methods, String::from_utf8_lossy(&visit.body).into_owned())
}

#[test]
fn redirects_change_the_method_as_the_fetch_standard_says() {
    let web = Web::start();
    // 301 and 302: POST becomes GET, the body is dropped.
    for code in [301, 302] {
        assert_eq!(
            post_through(&web, code, Method::POST),
            (vec!["POST".into(), "GET".into()], "GET 0 ".into()),
            "{code}"
        );
        // ... but other methods are kept, with their body.
        assert_eq!(
            post_through(&web, code, Method::PUT).1,
            "PUT 5 a=b&c",
            "{code}"
        );
    }
    // 303: anything but GET and HEAD becomes GET.
    assert_eq!(post_through(&web, 303, Method::POST).1, "GET 0 ");
    assert_eq!(post_through(&web, 303, Method::PUT).1, "GET 0 ");
    // 307 and 308: the same method and body again.
    for code in [307, 308] {
        assert_eq!(
            post_through(&web, code, Method::POST),
            (vec!["POST".into(), "POST".into()], "POST 5 a=b&c".into()),
            "{code}"
        );
    }
    let mut browser = web.browser(BrowserConfig::default());
    let visit = run(browser.get(&web.url("/status/301?to=/ok"))).unwrap();
    assert_eq!(visit.legs.len(), 2);
    assert_eq!(
        visit.legs[0].redirect_to.as_deref(),
        Some(web.url("/ok").as_str())
    );
    assert!(visit.legs.iter().all(|leg| leg.timings.time_total > 0.0));
    assert!(
        visit.legs[1].connection.reused,
        "same origin: same connection"
    );
}

#[test]
fn the_redirect_limit_and_loops_stop_the_visit() {
    let web = Web::start();
    let config = BrowserConfig {
        max_redirects: 3,
        ..Default::default()
    };
    let mut browser = web.browser(config);
    let visit = run(browser.get(&web.url("/chain/3"))).unwrap();
    assert_eq!(visit.legs.len(), 4, "three redirects are allowed");
    assert_eq!(visit.last().status, 200);
    match run(browser.get(&web.url("/chain/4"))) {
        Err(FetchError::TooManyRedirects { limit: 3, url }) => assert!(url.ends_with("/chain/0")),
        other => panic!("expected too many redirects, got {other:?}"),
    }
    match run(browser.get(&web.url("/loop/a"))) {
        Err(FetchError::RedirectLoop { method, url }) => {
            assert_eq!(method, "GET");
            assert!(url.ends_with("/loop/a"), "{url}");
        }
        other => panic!("expected a loop, got {other:?}"),
    }
}

#[test]
fn happy_eyeballs_moves_to_ipv4_at_once_when_ipv6_is_refused() {
    let web = Web::start();
    // Nothing listens on [::1] at the server's port: the SYN is answered by a RST.
    let port = web.server.addr.port();
    if std::net::TcpStream::connect((Ipv6Addr::LOCALHOST, port)).is_ok() {
        eprintln!("SKIPPED: something listens on [::1]:{port}");
        return;
    }
    // A Connection Attempt Delay far longer than the test: only the refusal can start IPv4.
    let config = BrowserConfig {
        happy_eyeballs_delay: Duration::from_secs(30),
        ..Default::default()
    };
    let mut browser = web.browser(config);
    let url = format!("http://dual.example:{port}/ok");
    let visit = run(browser.get(&url)).unwrap();
    let attempts = &visit.last().connection.attempts;
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    assert_eq!(
        attempts[0].remote,
        SocketAddr::from((Ipv6Addr::LOCALHOST, port)),
        "IPv6 first"
    );
    assert_eq!(attempts[0].outcome, AttemptOutcome::Refused);
    assert_eq!(attempts[1].remote, web.server.addr);
    assert_eq!(attempts[1].outcome, AttemptOutcome::Connected);
    assert!(attempts[1].started_ms >= attempts[0].ended_ms);
    assert_eq!(visit.last().status, 200);
}

#[test]
fn happy_eyeballs_starts_ipv4_after_the_delay_when_ipv6_is_silent_and_cancels_ipv6() {
    let web = Web::start();
    let port = web.server.addr.port();
    // A listener on [::1] whose accept queue (backlog 0) is already full with one connection
    // it never accepts: Linux drops further SYNs, so our IPv6 attempt hears nothing.
    let silent = tokio_socket_listening_v6(port);
    let Some(_silent) = silent else {
        eprintln!("SKIPPED: cannot listen on [::1]:{port}");
        return;
    };
    let _filler = std::net::TcpStream::connect((Ipv6Addr::LOCALHOST, port)).unwrap();
    let delay = Duration::from_millis(250);
    let config = BrowserConfig {
        happy_eyeballs_delay: delay,
        ..Default::default()
    };
    let mut browser = web.browser(config);
    let url = format!("http://dual.example:{port}/ok");
    let visit = run(browser.get(&url)).unwrap();
    let attempts = &visit.last().connection.attempts;
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    assert!(attempts[0].remote.is_ipv6());
    assert_eq!(
        attempts[0].outcome,
        AttemptOutcome::Cancelled,
        "{attempts:?}"
    );
    assert_eq!(attempts[1].outcome, AttemptOutcome::Connected);
    assert!(
        attempts[1].started_ms - attempts[0].started_ms >= delay.as_secs_f64() * 1000.0,
        "IPv4 waited for the Connection Attempt Delay: {attempts:?}"
    );
    assert!(
        attempts[0].ended_ms >= attempts[1].ended_ms,
        "cancelled when IPv4 won"
    );
    assert_eq!(visit.last().connection.remote, web.server.addr);
}

/// A listener on `[::1]:port` with a backlog of 0, or `None` if it cannot be had.
fn tokio_socket_listening_v6(port: u16) -> Option<std::net::TcpListener> {
    run(async {
        let socket = tokio::net::TcpSocket::new_v6().ok()?;
        socket
            .bind(SocketAddr::from((Ipv6Addr::LOCALHOST, port)))
            .ok()?;
        let listener = socket.listen(0).ok()?;
        listener.into_std().ok()
    })
}

#[test]
fn a_refused_connection_is_a_failure_with_the_attempt_named() {
    let web = Web::start();
    let dead = web.lab.block.addr(81, 80);
    let mut browser = web.browser(BrowserConfig::default());
    let err = run(browser.get(&format!("http://{dead}/"))).unwrap_err();
    assert!(matches!(err, FetchError::Connect { .. }), "{err}");
    assert!(
        err.to_string().contains("connection refused"),
        "one line that says why: {err}"
    );
}

#[test]
fn the_client_sends_the_first_fin_and_holds_time_wait() {
    let web = Web::start();
    let mut browser = web.browser(BrowserConfig::default());
    let (visit, closed) = run(async {
        let visit = browser.get(&web.url("/ok")).await.unwrap();
        (visit, browser.close().await)
    });
    let local = visit.last().connection.local;
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0].local, local);
    assert_eq!(closed[0].first_fin, Some(Side::Client));
    assert!(closed[0].server_fin_seen);
    // The server read our end-of-file before it shut its own side down. (Its thread records
    // the shutdown just after the FIN has left, so wait for the record, 1 s at most.)
    test_support::wait_until(Duration::from_secs(1), || {
        web.server.events_of(local).len() >= 2
    });
    let events = web.server.events_of(local);
    assert_eq!(events, [ConnEvent::ReadEof, ConnEvent::Shutdown]);
    // And the kernel agrees: our socket is the one in TIME_WAIT.
    assert_eq!(
        tcp_state(local, web.server.addr),
        Some(TIME_WAIT),
        "the client's socket in /proc/net/tcp"
    );
}

#[test]
fn a_server_that_closes_is_closed_by_the_server_first_and_not_reused() {
    let web = Web::start();
    let mut browser = web.browser(BrowserConfig::default());
    let (first, second, closed) = run(async {
        let first = browser.get(&web.url("/close")).await.unwrap();
        let second = browser.get(&web.url("/ok")).await.unwrap();
        (first, second, browser.close().await)
    });
    assert!(!second.last().connection.reused);
    assert_eq!(web.server.connections(), 2);
    assert_eq!(closed.len(), 2);
    assert_eq!(closed[0].local, first.last().connection.local);
    assert_eq!(closed[0].first_fin, Some(Side::Server));
    assert_eq!(closed[1].first_fin, Some(Side::Client));
}

#[test]
fn the_second_visit_within_the_ttl_is_answered_by_the_host_cache() {
    let web = Web::start();
    let mut browser = web.browser(BrowserConfig::default());
    let (first, second) = run(async {
        let first = browser.get(&web.url("/ok")).await.unwrap();
        browser.close().await; // so the second visit needs the name again
        let second = browser.get(&web.url("/ok")).await.unwrap();
        browser.close().await;
        (first, second)
    });
    let first = first.last().resolved.clone().unwrap();
    let second = second.last().resolved.clone().unwrap();
    assert!(matches!(first.source, Source::Resolver { .. }));
    match second.source {
        Source::HostCache { ttl_left } => assert!(ttl_left <= u64::from(SITE_TTL)),
        other => panic!("expected the host cache, got {other:?}"),
    }
    assert_eq!(second.addresses, first.addresses);
}

const TIME_WAIT: u8 = 0x06;

/// The state of the IPv4 TCP socket `local` -> `remote` in /proc/net/tcp (tcp(7) states).
fn tcp_state(local: SocketAddr, remote: SocketAddr) -> Option<u8> {
    let hex = |addr: SocketAddr| match addr {
        SocketAddr::V4(v4) => format!(
            "{:08X}:{:04X}",
            u32::from_le_bytes(v4.ip().octets()),
            v4.port()
        ),
        SocketAddr::V6(_) => String::new(),
    };
    let (local, remote) = (hex(local), hex(remote));
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        (fields.get(1) == Some(&local.as_str()) && fields.get(2) == Some(&remote.as_str()))
            .then(|| u8::from_str_radix(fields.get(3)?, 16).ok())
            .flatten()
    })
}

#[test]
fn bind_sets_the_source_address_of_the_connection_and_the_dns_queries() {
    let web = Web::start();
    let source = web.lab.block.ip(9);
    let names = Names::new(
        HostsFile::default(),
        None,
        NameService::Resolver(web.lab.front.addr()),
    )
    .with_source(Some(source));
    let config = BrowserConfig {
        bind: Some(source),
        ..Default::default()
    };
    let mut browser = Browser::new(names, config, Arc::new(journey::Silent));
    let visit = run(browser.get(&web.url("/ok"))).unwrap();
    assert_eq!(visit.last().connection.local.ip(), source);
    assert_eq!(visit.last().status, 200);
}

#[test]
fn https_with_a_trusted_ca_times_the_tls_handshake_and_closes_with_the_client_first() {
    let lab = lab();
    let (ca, server_config) = crate::https::test_pki(&[b"http/1.1"], crate::https::Validity::Now);
    let listener = std::net::TcpListener::bind(lab.block.addr(WEB_HOST, 0)).unwrap();
    let server = TestServer::start_tls(listener, server_config);
    let web = Web { lab, server };
    let url = format!("https://site.example:{}/ok", web.server.addr.port());

    // Not trusted without the CA: the web PKI's roots do not know it.
    let mut browser = web.browser(BrowserConfig::default());
    match run(browser.get(&url)) {
        Err(FetchError::Tls { why, .. }) => assert!(
            why.contains("issued by an authority this client does not trust")
                && why.contains("--cacert"),
            "{why}"
        ),
        other => panic!("expected a TLS failure, got {other:?}"),
    }

    let config = BrowserConfig {
        extra_roots: vec![ca],
        ..Default::default()
    };
    let mut browser = web.browser(config);
    let before = web.server.connections();
    let (first, second, closed) = run(async {
        let first = browser.get(&url).await.unwrap();
        let second = browser.get(&url).await.unwrap();
        (first, second, browser.close().await)
    });
    let leg = first.last();
    assert_eq!((leg.status, &first.body[..]), (200, &b"hello\n"[..]));
    let tls = leg.connection.tls.as_ref().expect("TLS info");
    assert_eq!(tls.version, "TLSv1_3");
    assert_eq!(tls.alpn.as_deref(), Some("http/1.1"));
    assert_eq!(tls.server_name, "site.example");
    let t = &leg.timings;
    assert_ordered(leg);
    assert!(
        t.time_connect < t.time_appconnect && t.time_appconnect <= t.time_pretransfer,
        "the TLS handshake between connect and the request: {t:?}"
    );
    let r = &t.resource_timing;
    assert!(
        r.connect_start < r.secure_connection_start && r.secure_connection_start < r.connect_end,
        "Resource Timing: secureConnectionStart inside the connect phase: {r:?}"
    );
    let again = second.last();
    assert!(again.connection.reused && again.connection.tls.is_some());
    assert_eq!(
        again.timings.time_appconnect, 0.0,
        "no handshake on a reused connection"
    );
    assert_eq!(
        web.server.connections(),
        before + 1,
        "one connection for both"
    );
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0].first_fin, Some(Side::Client));
    assert!(closed[0].server_fin_seen);
    let server_side = web.server.events_of(closed[0].local);
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    let port = format!(":{:04X}", closed[0].local.port());
    let rows: Vec<&str> = table.lines().filter(|l| l.contains(&port)).collect();
    assert_eq!(
        tcp_state(closed[0].local, web.server.addr),
        Some(TIME_WAIT),
        "the client's socket in /proc/net/tcp {server_side:?} {rows:#?}"
    );
}

#[test]
fn a_silent_address_is_a_connect_timeout_with_the_attempt_named() {
    let web = Web::start();
    let port = web.server.addr.port();
    let Some(_silent) = tokio_socket_listening_v6(port) else {
        eprintln!("SKIPPED: cannot listen on [::1]:{port}");
        return;
    };
    let _filler = std::net::TcpStream::connect((Ipv6Addr::LOCALHOST, port)).unwrap();
    let config = BrowserConfig {
        connect_timeout: Duration::from_millis(300),
        ..Default::default()
    };
    let mut browser = web.browser(config);
    let err = run(browser.get(&format!("http://[::1]:{port}/ok"))).unwrap_err();
    match &err {
        FetchError::Connect {
            attempts,
            timed_out: true,
            ..
        } => {
            assert_eq!(attempts.len(), 1);
            assert_eq!(attempts[0].outcome, AttemptOutcome::TimedOut);
            assert!(
                attempts[0].ended_ms >= 300.0,
                "ended at the connect timeout"
            );
        }
        other => panic!("expected a connect timeout, got {other:?}"),
    }
    assert!(err.to_string().contains("timed out"), "{err}");
}
