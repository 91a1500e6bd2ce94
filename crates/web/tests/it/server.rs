//! The server as a whole: virtual hosts and redirects, the access log, journey events,
//! graceful shutdown, and the config file.

use std::time::Duration;

use journey::EventKind;
use test_support::LoopbackBlock;
use test_support::http::{RawConnection, get, request_bytes};

use crate::harness::{Behaviour, HELLO, TestWeb, Upstream, route, runtime};

#[test]
fn hosts_choose_sites_and_redirects() {
    let web = TestWeb::start(|config, site| {
        let other = site.base.join("other");
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(other.join("index.html"), "other site\n").unwrap();
        let toml = format!(
            "root = {:?}\n[[vhost]]\nnames = [\"www.google.com\"]\n[[vhost]]\nnames = [\"Other.Test\"]\nroot = {:?}\n[[redirect]]\nhost = \"google.com\"\nto = \"http://www.google.com/\"\n",
            site.root, other
        );
        *config = web::WebConfig::from_toml_str(&toml, "test.toml").unwrap();
    });
    let redirect = get(web.addr, "/search?q=dns", &[("Host", "google.com")]).unwrap();
    assert_eq!(redirect.status, 301);
    assert_eq!(
        redirect.header("location"),
        Some("http://www.google.com/search?q=dns")
    );
    let with_port = get(web.addr, "/", &[("Host", "GOOGLE.com:8080")]).unwrap();
    assert_eq!(with_port.header("location"), Some("http://www.google.com/"));

    let www = get(web.addr, "/hello.txt", &[("Host", "www.google.com:8080")]).unwrap();
    assert_eq!(www.text(), HELLO);
    let other = get(web.addr, "/", &[("Host", "other.test")]).unwrap();
    assert_eq!(other.text(), "other site\n");
    let unknown = get(web.addr, "/hello.txt", &[("Host", "nobody.test")]).unwrap();
    assert_eq!(unknown.text(), HELLO, "unknown hosts get the default site");
}

#[test]
fn the_access_log_has_nginx_combined_lines_with_request_time() {
    let mut web = TestWeb::start(|config, site| {
        config.access_log = web::AccessLog::File(site.base.join("access.log"));
    });
    get(
        web.addr,
        "/hello.txt?x=1",
        &[
            ("Referer", "http://ref.test/"),
            ("User-Agent", "tester/1.0 \"quoted\""),
        ],
    )
    .unwrap();
    get(web.addr, "/missing", &[]).unwrap();
    let log_path = web.site.base.join("access.log");
    web.shutdown(); // flushes the log
    let log = std::fs::read_to_string(log_path).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    let first = lines[0];
    assert!(
        first.starts_with(&format!("{} - - [", web.block.ip(80))) || first.contains(" - - ["),
        "{first}"
    );
    assert!(
        first.contains("] \"GET /hello.txt?x=1 HTTP/1.1\" 200 12 \"http://ref.test/\" \"tester/1.0 \\x22quoted\\x22\" "),
        "{first}"
    );
    let time: f64 = first.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(time < 5.0);
    assert!(
        lines[1].contains("\"GET /missing HTTP/1.1\" 404 "),
        "{}",
        lines[1]
    );
}

#[test]
fn each_request_is_reported_to_the_journey() {
    let upstreams = runtime();
    let block = LoopbackBlock::claim();
    let app = Upstream::start(&upstreams, block.addr(81, 0), "app", Behaviour::Echo);
    let web = TestWeb::start_in(block, |config, _| {
        config.proxies.push(route("/search", &[app.addr]));
        config.redirects.push(web::Redirect {
            host: "google.com".into(),
            to: "http://www.google.com".into(),
            status: 301,
        });
    });
    get(web.addr, "/hello.txt", &[("Host", "www.google.com")]).unwrap();
    get(web.addr, "/search?q=a", &[]).unwrap();
    get(web.addr, "/", &[("Host", "google.com")]).unwrap();
    get(web.addr, "/nope", &[]).unwrap();
    get(web.addr, "/../x", &[]).unwrap();
    let ok = test_support::wait_until(Duration::from_secs(2), || web.journey.events().len() >= 5);
    assert!(ok, "{:?}", web.journey.events());
    /// decision, status, file, bytes, upstream
    type Served = (String, u16, Option<String>, u64, Option<String>);
    let served: Vec<Served> = web
        .journey
        .events()
        .into_iter()
        .map(|event| {
            assert_eq!(event.host.role, "web");
            assert_eq!(event.host.addr, web.addr);
            match event.kind {
                EventKind::HttpServed {
                    decision,
                    status,
                    file,
                    bytes,
                    upstream,
                    host_header,
                    ..
                } => {
                    let _ = host_header;
                    (
                        decision,
                        status,
                        file,
                        bytes,
                        upstream.map(|u| u.to_string()),
                    )
                }
                other => panic!("unexpected {other:?}"),
            }
        })
        .collect();
    assert_eq!(
        served[0],
        ("static".into(), 200, Some("hello.txt".into()), 12, None)
    );
    assert_eq!(served[1].0, "proxied");
    assert_eq!(served[1].4, Some(app.addr.to_string()));
    assert_eq!(served[2].0, "redirect");
    assert_eq!(served[2].1, 301);
    assert_eq!(served[3].0, "not_found");
    assert_eq!(served[4].0, "refused");
    assert_eq!(served[4].1, 400);
}

#[test]
fn shutdown_finishes_requests_in_flight() {
    // The server's own HTTP/1.1 loop and hyper alike.
    for fast_http1 in [true, false] {
        let upstreams = runtime();
        let block = LoopbackBlock::claim();
        let app = Upstream::start(
            &upstreams,
            block.addr(81, 0),
            "slow",
            Behaviour::Delay(Duration::from_millis(700)),
        );
        let mut web = TestWeb::start_in(block, |config, _| {
            config.proxies.push(route("/slow", &[app.addr]));
            config.fast_http1 = fast_http1;
        });
        let addr = web.addr;
        let mut idle = RawConnection::connect(addr).unwrap();
        idle.request(request_bytes("GET", "/hello.txt", &[]).as_bytes())
            .unwrap();
        let in_flight = std::thread::spawn(move || get(addr, "/slow", &[]));
        assert!(test_support::wait_until(Duration::from_secs(2), || {
            app.requests.load(std::sync::atomic::Ordering::SeqCst) == 1
        }));
        web.shutdown();
        let response = in_flight.join().unwrap().unwrap();
        assert_eq!(response.status, 200, "the request in flight was cut");
        assert_eq!(
            response.header("connection"),
            Some("close"),
            "the response in flight is the connection's last ({fast_http1})"
        );
        assert!(
            idle.closed_within(Duration::from_secs(1)),
            "idle connections are closed"
        );
        assert!(
            std::net::TcpStream::connect(addr).is_err(),
            "still accepting after shutdown"
        );
    }
}

#[test]
fn a_config_file_is_loaded_and_errors_have_file_and_line() {
    let block = LoopbackBlock::claim();
    let dir = crate::harness::SiteDir::new();
    let file = dir.base.join("web.toml");
    std::fs::write(
        &file,
        "root = \"site\"\naccess_log = \"off\"\n[limits]\nmax_body_bytes = 10\n",
    )
    .unwrap();
    let config = web::WebConfig::load_toml(&file).unwrap();
    assert_eq!(config.root, dir.base.join("site"), "relative to the file");
    assert_eq!(config.limits.max_body_bytes, 10);

    std::fs::write(
        &file,
        "root = \"site\"\n\n[[redirect]]\nhost = \"a\"\nto = \"ftp://x\"\n",
    )
    .unwrap();
    let err = web::WebConfig::load_toml(&file).unwrap_err().to_string();
    assert!(err.starts_with(&format!("{}:5:", file.display())), "{err}");
    drop(block);
}
