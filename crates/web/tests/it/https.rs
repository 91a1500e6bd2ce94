//! HTTPS and HTTP/2 against real peers: curl (`--http2`, `--http1.1`), openssl s_client
//! (TLS 1.3 and 1.2, ALPN), nghttp and h2load; the 301 from plain HTTP; HSTS on https only;
//! hand-written HTTP/2 abuse (rapid reset, CONTINUATION flood) that must end the connection
//! and leave the server serving others; bad certificate and key files refused with their path.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use test_support::tls::{TestCerts, arg};
use test_support::{Peer, h2};

use crate::harness::{Behaviour, HELLO, TestWeb, Upstream};

const NAME: &str = "www.google.com";

fn https_web(certs: &TestCerts, adjust: impl FnOnce(&mut web::WebConfig)) -> TestWeb {
    let identity = web::TlsIdentity::from_pem_files(&certs.cert_pem, &certs.key_pem).unwrap();
    TestWeb::start(move |config, _| {
        config.tls = Some(identity);
        adjust(config);
    })
}

/// curl against the server, trusting only the test root; stdout.
fn curl(curl: &std::path::Path, web: &TestWeb, certs: &TestCerts, args: &[&str]) -> String {
    let output = Command::new(curl)
        .args(["-sS", "--max-time", "10", "--cacert", &arg(&certs.root_pem)])
        .arg("--resolve")
        .arg(format!("{NAME}:{}:{}", web.addr.port(), web.addr.ip()))
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "curl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn curl_gets_http2_or_http11_as_alpn_chooses_with_hsts() {
    let Some(curl_path) = Peer::find("curl", "curl") else {
        return;
    };
    let certs = TestCerts::new(&[NAME, "google.com"]);
    let block = test_support::LoopbackBlock::claim();
    let runtime = crate::harness::runtime();
    let upstream = Upstream::start(&runtime, block.addr(81, 0), "was", Behaviour::Echo);
    let identity = web::TlsIdentity::from_pem_files(&certs.cert_pem, &certs.key_pem).unwrap();
    let upstream_addr = upstream.addr;
    let web = TestWeb::start_in(block, move |config, _| {
        config.tls = Some(identity);
        config.access_log = web::AccessLog::File(
            std::env::temp_dir().join(format!("roundtrip-https-log-{}", std::process::id())),
        );
        web::add_proxy(&mut config.proxies, "/search", upstream_addr);
    });
    let url = |path: &str| format!("https://{NAME}:{}{path}", web.addr.port());
    for (flag, version) in [("--http2", "2"), ("--http1.1", "1.1")] {
        let out = curl(
            &curl_path,
            &web,
            &certs,
            &[
                flag,
                "-D",
                "-",
                "-w",
                "\n%{http_version}",
                &url("/hello.txt"),
            ],
        );
        assert!(out.ends_with(&format!("\n{version}")), "{flag}: {out}");
        assert!(out.contains(HELLO), "{out}");
        assert!(
            out.to_ascii_lowercase()
                .contains("strict-transport-security: max-age=31536000; includesubdomains"),
            "{flag}: {out}"
        );
        // Proxied through HTTP/1.1 keep-alive to the upstream, whatever the client spoke.
        let out = curl(&curl_path, &web, &certs, &[flag, &url("/search?q=tls")]);
        assert!(out.contains("\nGET /search?q=tls\n"), "{flag}: {out}");
        assert!(out.contains("x-forwarded-proto: https\n"), "{flag}: {out}");
        assert!(out.contains("proto=https"), "{flag}: {out}");
        assert!(out.contains(&format!("host: {NAME}:")), "{flag}: {out}");
        // A 404 carries HSTS too (RFC 6797 §7.1: every response over a secure transport).
        let out = curl(
            &curl_path,
            &web,
            &certs,
            &[flag, "-D", "-", "-o", "/dev/null", &url("/nope")],
        );
        assert!(out.contains(" 404"), "{out}");
        assert!(
            out.to_ascii_lowercase()
                .contains("strict-transport-security"),
            "{out}"
        );
    }
    // The big file (sendfile over plain TCP) goes through TLS intact, over both protocols.
    for flag in ["--http2", "--http1.1"] {
        let output = Command::new(&curl_path)
            .args(["-sS", "--max-time", "20", "--cacert", &arg(&certs.root_pem)])
            .arg("--resolve")
            .arg(format!("{NAME}:{}:{}", web.addr.port(), web.addr.ip()))
            .arg(flag)
            .arg(url("/big.bin"))
            .output()
            .unwrap();
        assert!(output.status.success());
        assert!(
            output.stdout == crate::harness::big_content(),
            "{flag}: big.bin differs"
        );
    }
    // The journey hears each request as over plain HTTP, with :authority as the host.
    let events = web.journey.events();
    let served: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.kind {
            journey::EventKind::HttpServed {
                target,
                decision,
                status,
                host_header,
                ..
            } => Some((
                target.clone(),
                decision.clone(),
                *status,
                host_header.clone(),
            )),
            _ => None,
        })
        .collect();
    assert!(
        served.iter().any(|(t, d, s, h)| t == "/search?q=tls"
            && d == "proxied"
            && *s == 200
            && h.as_deref().is_some_and(|h| h.starts_with(NAME))),
        "{served:?}"
    );
    assert!(
        served
            .iter()
            .any(|(t, d, s, _)| t == "/nope" && d == "not_found" && *s == 404),
        "{served:?}"
    );
    drop(web);
    drop(upstream);
}

#[test]
fn plain_http_answers_301_to_https_without_hsts() {
    let web = TestWeb::start(|config, _| config.https_redirect = Some(8443));
    let response = test_support::http::get(web.addr, "/search?q=a%20b", &[("Host", NAME)]).unwrap();
    assert_eq!(response.status, 301);
    assert_eq!(
        response.header("location"),
        Some("https://www.google.com:8443/search?q=a%20b")
    );
    assert_eq!(response.header("strict-transport-security"), None);
    let web = TestWeb::start(|config, _| config.https_redirect = Some(443));
    let response = test_support::http::get(web.addr, "/", &[("Host", "google.com:80")]).unwrap();
    assert_eq!(response.status, 301);
    assert_eq!(response.header("location"), Some("https://google.com/"));
    // Without https_redirect plain HTTP serves, and never sends HSTS (RFC 6797 §7.2).
    let web = TestWeb::start(|_, _| {});
    let response = test_support::http::get(web.addr, "/hello.txt", &[("Host", NAME)]).unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.header("strict-transport-security"), None);
}

#[test]
fn openssl_negotiates_tls13_and_tls12_with_alpn() {
    let Some(openssl) = Peer::find("openssl", "openssl") else {
        return;
    };
    let certs = TestCerts::new(&[NAME]);
    let web = https_web(&certs, |_| {});
    let run = |version: &str, alpn: &str| {
        let mut child = Command::new(&openssl)
            .args(["s_client", "-connect", &web.addr.to_string()])
            .args(["-servername", NAME, "-CAfile", &arg(&certs.root_pem)])
            .args([version, "-alpn", alpn, "-verify_return_error"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Closing stdin ends the session once the handshake is done.
        drop(child.stdin.take());
        let output = child.wait_with_output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), "{version} {alpn}: {text}");
        text
    };
    let text = run("-tls1_3", "h2,http/1.1");
    assert!(text.contains("New, TLSv1.3, Cipher is TLS_AES"), "{text}");
    assert!(text.contains("ALPN protocol: h2"), "{text}");
    assert!(text.contains("Verify return code: 0 (ok)"), "{text}");
    let text = run("-tls1_2", "http/1.1");
    assert!(
        text.contains("New, TLSv1.2, Cipher is ECDHE-ECDSA"),
        "{text}"
    );
    assert!(text.contains("ALPN protocol: http/1.1"), "{text}");
    assert!(text.contains("Verify return code: 0 (ok)"), "{text}");
}

#[test]
fn nghttp_sees_the_hardened_settings_and_h2load_completes() {
    let Some(nghttp) = Peer::find("nghttp", "nghttp2-client") else {
        return;
    };
    let Some(h2load) = Peer::find("h2load", "nghttp2-client") else {
        return;
    };
    let certs = TestCerts::new(&[NAME]);
    let web = https_web(&certs, |_| {});
    let url = format!("https://{}/hello.txt", web.addr);
    let output = Command::new(&nghttp)
        .args(["-v", "-t", "10", &url])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{text}");
    assert!(text.contains(":status: 200"), "{text}");
    assert!(
        text.contains("SETTINGS_MAX_CONCURRENT_STREAMS(0x03):128"),
        "{text}"
    );
    assert!(
        text.contains("SETTINGS_MAX_HEADER_LIST_SIZE(0x06):16384"),
        "{text}"
    );
    assert!(
        text.contains("SETTINGS_INITIAL_WINDOW_SIZE(0x04):262144"),
        "{text}"
    );
    assert!(text.contains("strict-transport-security"), "{text}");
    assert!(text.contains(HELLO.trim()), "{text}");

    let output = Command::new(&h2load)
        .args(["-n", "400", "-c", "4", "-m", "16", &url])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{text}");
    assert!(
        text.contains("400 succeeded, 0 failed, 0 errored"),
        "{text}"
    );
    assert!(text.contains("Application protocol: h2"), "{text}");
}

/// Another client still gets its page: the server is up.
fn still_serves(web: &TestWeb, certs: &TestCerts) {
    let mut tls = test_support::tls::client(web.addr, NAME, &certs.root, &[b"http/1.1"]).unwrap();
    tls.write_all(b"GET /hello.txt HTTP/1.1\r\nHost: www.google.com\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = Vec::new();
    let _ = tls.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.ends_with(HELLO), "{text}");
}

#[test]
fn rapid_reset_ends_the_connection_with_goaway_and_others_are_served() {
    let certs = TestCerts::new(&[NAME]);
    let web = https_web(&certs, |_| {});
    let mut tls = test_support::tls::client(web.addr, NAME, &certs.root, &[b"h2"]).unwrap();
    assert_eq!(tls.conn.alpn_protocol(), Some(&b"h2"[..]));
    let mut burst = h2::client_start();
    // CVE-2023-44487: open a stream and cancel it at once, over and over.
    for i in 0..1000u32 {
        let stream = 2 * i + 1;
        let block = h2::get_block(NAME, "/hello.txt", &[]);
        burst.extend(h2::frame(
            h2::HEADERS,
            h2::END_HEADERS | h2::END_STREAM,
            stream,
            &block,
        ));
        burst.extend(h2::rst_stream(stream, h2::CANCEL));
    }
    // The server may close before it has read it all: a write error is part of the answer.
    let _ = tls.write_all(&burst);
    let started = Instant::now();
    let code = h2::until_goaway(&mut tls);
    assert_eq!(
        code,
        Some(h2::ENHANCE_YOUR_CALM),
        "rapid resets end in GOAWAY ENHANCE_YOUR_CALM"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    still_serves(&web, &certs);
}

#[test]
fn a_continuation_flood_is_cut_off_and_others_are_served() {
    let certs = TestCerts::new(&[NAME]);
    let web = https_web(&certs, |_| {});
    let mut tls = test_support::tls::client(web.addr, NAME, &certs.root, &[b"h2"]).unwrap();
    let mut start = h2::client_start();
    start.extend(h2::frame(h2::HEADERS, 0, 1, &h2::get_block(NAME, "/", &[])));
    tls.write_all(&start).unwrap();
    // CONTINUATION frames that never end the header block, each a full 16 KiB frame of fields.
    let mut fields = Vec::new();
    while fields.len() < 16_000 {
        h2::literal(&mut fields, "x-flood", &"a".repeat(100));
    }
    let continuation = h2::frame(h2::CONTINUATION, 0, 1, &fields);
    // Written until the server's close makes a write fail (it resets a connection it stops
    // reading), or 64 MiB: the bytes sent bound what the server buffered.
    let mut sent = 0usize;
    while sent < 64 * 1024 * 1024 {
        if tls
            .write_all(&continuation)
            .and_then(|_| tls.flush())
            .is_err()
        {
            break;
        }
        sent += continuation.len();
    }
    assert!(
        sent < 16 * 1024 * 1024,
        "the server took {sent} bytes of one header block without ending the connection"
    );
    // What the server said: GOAWAY, then the end — never silence.
    tls.sock
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut goaway = None;
    loop {
        match h2::read_frame(&mut tls) {
            Ok(Some((h2::GOAWAY, _, _, payload))) => {
                goaway = Some(u32::from_be_bytes(payload[4..8].try_into().unwrap()));
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(err) => {
                assert!(
                    !matches!(
                        err.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ),
                    "the server neither closed nor answered: {err}"
                );
                break;
            }
        }
    }
    // h2 ends such a connection with GOAWAY (PROTOCOL_ERROR or ENHANCE_YOUR_CALM) when the
    // reset did not cut it short.
    assert!(goaway != Some(0), "GOAWAY NO_ERROR for a flood");
    eprintln!(
        "CONTINUATION flood: {sent} bytes written before the server ended it; GOAWAY {goaway:?}"
    );
    still_serves(&web, &certs);
}

#[test]
fn bad_certificate_and_key_files_are_refused_with_path_and_reason() {
    let certs = TestCerts::new(&[NAME]);
    let missing = certs.dir.join("missing.pem");
    let err = web::TlsIdentity::from_pem_files(&missing, &certs.key_pem).unwrap_err();
    assert_eq!(err.path, missing);
    assert!(
        err.to_string()
            .starts_with(&format!("{}: ", missing.display())),
        "{err}"
    );

    // A key file given as the certificate: no certificate in it.
    let err = web::TlsIdentity::from_pem_files(&certs.key_pem, &certs.key_pem).unwrap_err();
    assert_eq!(err.path, certs.key_pem);
    assert!(err.reason.contains("no certificate"), "{err}");

    // A certificate file given as the key.
    let err = web::TlsIdentity::from_pem_files(&certs.cert_pem, &certs.cert_pem).unwrap_err();
    assert_eq!(err.path, certs.cert_pem);
    assert!(err.reason.contains("no private key"), "{err}");

    // A key that is not the certificate's.
    let stray = certs.stray_key();
    let err = web::TlsIdentity::from_pem_files(&certs.cert_pem, &stray).unwrap_err();
    assert_eq!(err.path, stray);
    assert!(err.reason.contains("does not match"), "{err}");

    // The same in a config file: file, line, and the certificate's path and reason.
    let toml = format!(
        "root = \"/tmp\"\ntls_cert = {:?}\ntls_key = {:?}\n",
        arg(&certs.cert_pem),
        arg(&stray)
    );
    let err = web::WebConfig::from_toml_str(&toml, "web.toml")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("web.toml:3:"), "{err}");
    assert!(
        err.contains(&arg(&stray)) && err.contains("does not match"),
        "{err}"
    );
    let err = web::WebConfig::from_toml_str("tls_cert = \"x.pem\"\n", "web.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("web.toml:1:") && err.contains("tls_key"),
        "{err}"
    );
    let err = web::WebConfig::from_toml_str("[http2]\nmax_frame_size = 10\n", "web.toml")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("web.toml:2:"), "{err}");
}
