//! HTTPS and HTTP/2 against real peers: curl (`--http2`, `--http1.1`), openssl s_client
//! (TLS 1.3 and 1.2, ALPN), nghttp and h2load; the 301 from plain HTTP; HSTS on https only;
//! hand-written HTTP/2 abuse (rapid reset, CONTINUATION flood, SETTINGS flood, bad prefaces,
//! an oversized header block, a body that never comes, an idle connection) that must end the
//! connection and leave the server serving others; bad certificate and key files refused with their path.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use test_support::tls::{TestCerts, arg};
use test_support::{Peer, h2};

use crate::harness::{self, Behaviour, HELLO, TestWeb, Upstream};

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
    assert!(
        matches!(err.reason, web::TlsFileProblem::NoCertificate),
        "{err}"
    );
    assert!(err.to_string().contains("no certificate"), "{err}");

    // A certificate file given as the key.
    let err = web::TlsIdentity::from_pem_files(&certs.cert_pem, &certs.cert_pem).unwrap_err();
    assert_eq!(err.path, certs.cert_pem);
    assert!(matches!(err.reason, web::TlsFileProblem::NoKey), "{err}");
    assert!(err.to_string().contains("no private key"), "{err}");

    // A key that is not the certificate's.
    let stray = certs.stray_key();
    let err = web::TlsIdentity::from_pem_files(&certs.cert_pem, &stray).unwrap_err();
    assert_eq!(err.path, stray);
    assert!(err.to_string().contains("does not match"), "{err}");

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

const PROTOCOL_ERROR: u32 = 0x1;
const NO_ERROR: u32 = 0x0;

/// An HTTP/2 connection (TLS, ALPN `h2`) to `web`, nothing sent on it yet.
fn h2_client(web: &TestWeb, certs: &TestCerts) -> test_support::tls::TlsStream {
    let tls = test_support::tls::client(web.addr, NAME, &certs.root, &[b"h2"]).unwrap();
    assert_eq!(tls.conn.alpn_protocol(), Some(&b"h2"[..]));
    tls
}

/// What a client saw until the server ended the connection, or until it gave up.
#[derive(Debug, Default)]
struct Ending {
    /// Every frame read, in order.
    frames: Vec<h2::Frame>,
    /// The last GOAWAY's error code.
    goaway: Option<u32>,
    /// The server closed (EOF, with or without close_notify, or a reset); false: still open
    /// when `limit` ran out.
    closed: bool,
    /// When the end (or the limit) came, from the call.
    after: Duration,
    /// How it ended: EOF, or the read error.
    how: String,
}

impl Ending {
    /// The `:status` of the first HEADERS frame on `stream`. h2 writes it first: an indexed
    /// static-table entry (RFC 7541 Appendix A, 8..=14), or a literal with incremental
    /// indexing and the name `:status` (0x48) and a 3-digit value, plain or Huffman-coded.
    fn status(&self, stream: u32) -> Option<u16> {
        let (_, _, _, block) = self
            .frames
            .iter()
            .find(|(kind, _, id, _)| *kind == h2::HEADERS && *id == stream)?;
        const INDEXED: [u16; 7] = [200, 204, 206, 304, 400, 404, 500];
        match block.as_slice() {
            [b, ..] if (0x88..=0x8e).contains(b) => Some(INDEXED[usize::from(b - 0x88)]),
            [0x48, 0x03, digits @ ..] => std::str::from_utf8(digits.get(..3)?).ok()?.parse().ok(),
            [0x48, len, rest @ ..] if len & 0x80 != 0 => {
                huffman_digits(rest.get(..usize::from(len & 0x7f))?)?
                    .parse()
                    .ok()
            }
            _ => None,
        }
    }

    fn has(&self, kind: u8, stream: u32) -> bool {
        self.frames
            .iter()
            .any(|(k, _, id, _)| *k == kind && *id == stream)
    }

    fn kinds(&self) -> Vec<(u8, u32)> {
        self.frames.iter().map(|(k, _, id, _)| (*k, *id)).collect()
    }
}

/// What a test prints of how its connection ended, for the log of a failing run.
impl std::fmt::Display for Ending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "frames {:?}, GOAWAY {:?}, closed {} after {:?}",
            self.kinds(),
            self.goaway,
            self.closed,
            self.after
        )
    }
}

/// Reads until the server closes or `limit` passes, answering SETTINGS and PING as a client
/// must (h2 waits for the PING it sends with a graceful GOAWAY).
fn read_until_closed(tls: &mut test_support::tls::TlsStream, limit: Duration) -> Ending {
    read_until_closed_answering(tls, limit, true)
}

/// The same, answering nothing when `answer` is false (a client stuck in its preface).
fn read_until_closed_answering(
    tls: &mut test_support::tls::TlsStream,
    limit: Duration,
    answer: bool,
) -> Ending {
    let started = Instant::now();
    let mut ending = Ending::default();
    while let Some(left) = limit
        .checked_sub(started.elapsed())
        .filter(|d| !d.is_zero())
    {
        tls.sock.set_read_timeout(Some(left)).unwrap();
        match h2::read_frame(tls) {
            Ok(Some(frame)) => {
                let (kind, flags, _, payload) = &frame;
                let reply = match *kind {
                    h2::SETTINGS if flags & h2::ACK == 0 => {
                        Some(h2::frame(h2::SETTINGS, h2::ACK, 0, &[]))
                    }
                    h2::PING if flags & h2::ACK == 0 => {
                        Some(h2::frame(h2::PING, h2::ACK, 0, payload))
                    }
                    _ => None,
                };
                if let Some(reply) = reply.filter(|_| answer) {
                    // The server may be gone already: its close is what is being waited for.
                    let _ = tls.write_all(&reply).and_then(|_| tls.flush());
                }
                if *kind == h2::GOAWAY && payload.len() >= 8 {
                    ending.goaway = Some(u32::from_be_bytes(payload[4..8].try_into().unwrap()));
                }
                ending.frames.push(frame);
            }
            Ok(None) => {
                ending.closed = true;
                ending.how = "EOF".into();
                break;
            }
            Err(err)
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(err) => {
                // A reset (the server closed with our bytes unread) or a TLS error: closed.
                ending.closed = true;
                ending.how = err.to_string();
                break;
            }
        }
    }
    ending.after = started.elapsed();
    ending
}

/// Decodes a Huffman-coded string of decimal digits (RFC 7541 Appendix B: '0'..'2' are the
/// 5-bit codes 00000..00010, '3'..'9' the 6-bit codes 011001..011111; padding is all ones).
fn huffman_digits(bytes: &[u8]) -> Option<String> {
    let bits: Vec<u8> = bytes
        .iter()
        .flat_map(|b| (0..8).rev().map(move |i| (b >> i) & 1))
        .collect();
    let value = |from: usize, len: usize| {
        bits.get(from..from + len)
            .map(|b| b.iter().fold(0u8, |v, bit| v << 1 | bit))
    };
    let mut out = String::new();
    let mut at = 0;
    while at < bits.len() {
        if bits[at..].iter().all(|&b| b == 1) && bits.len() - at < 8 {
            break;
        }
        match (value(at, 5), value(at, 6)) {
            (Some(code @ 0..=2), _) => {
                out.push(char::from(b'0' + code));
                at += 5;
            }
            (_, Some(code @ 0b011001..=0b011111)) => {
                out.push(char::from(b'3' + code - 0b011001));
                at += 6;
            }
            _ => return None,
        }
    }
    Some(out)
}

fn short_idle(config: &mut web::WebConfig, idle: Duration) {
    config.http2.idle_timeout = Some(idle);
}

#[test]
fn a_settings_flood_without_reading_the_acks_is_cut_off_and_others_are_served() {
    let certs = TestCerts::new(&[NAME]);
    let idle = Duration::from_secs(1);
    let web = https_web(&certs, |config| short_idle(config, idle));
    let mut tls = h2_client(&web, &certs);
    // CVE-2019-9515: SETTINGS after SETTINGS (each SETTINGS_HEADER_TABLE_SIZE = 4096), the ACKs
    // never read. h2 writes each ACK before it reads the next frame, so the server stops
    // reading once its unread ACKs fill the socket buffers: the flood is held by back-pressure,
    // not buffered. Written in batches until a write blocks (2 s) or 400,000 frames.
    let setting = h2::frame(h2::SETTINGS, 0, 0, &[0, 1, 0, 0, 0x10, 0]);
    let batch: Vec<u8> = std::iter::once(h2::PREFACE.to_vec())
        .chain(std::iter::repeat_n(setting.clone(), 1000))
        .flatten()
        .collect();
    tls.sock
        .set_write_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let started = Instant::now();
    let mut frames = 0usize;
    let mut blocked = false;
    while frames < 400_000 {
        let bytes = if frames == 0 {
            &batch[..]
        } else {
            &batch[h2::PREFACE.len()..]
        };
        if tls.write_all(bytes).and_then(|_| tls.flush()).is_err() {
            blocked = true;
            break;
        }
        frames += 1000;
    }
    let flood_time = started.elapsed();
    // Still reading nothing: a server stuck writing ACKs must end the connection on its own.
    std::thread::sleep(idle * 3);
    let ending = read_until_closed(&mut tls, Duration::from_secs(10));
    let acks = ending
        .frames
        .iter()
        .filter(|(kind, flags, _, _)| *kind == h2::SETTINGS && flags & h2::ACK != 0)
        .count();
    eprintln!(
        "SETTINGS flood: {frames} frames written in {flood_time:?} (write blocked: {blocked}), \
         {acks} ACKs read after, GOAWAY {:?}, closed {} ({}) {:?} after the reading began, \
         {:?} after the flood began",
        ending.goaway,
        ending.closed,
        ending.how,
        ending.after,
        started.elapsed()
    );
    assert!(
        ending.closed,
        "the flooding connection is still open: {:?}",
        ending.kinds().len()
    );
    assert!(
        started.elapsed() < flood_time + idle * 3 + Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    still_serves(&web, &certs);
}

#[test]
fn a_bad_preface_ends_the_connection_and_others_are_served() {
    let certs = TestCerts::new(&[NAME]);
    let idle = Duration::from_secs(3);
    let web = https_web(&certs, |config| short_idle(config, idle));
    // HTTP/1.1 spoken after ALPN chose h2, and a preface with the wrong magic: h2 reads 24
    // bytes, compares, and ends the connection at once, well before the idle timeout.
    for (what, bytes) in [
        (
            "HTTP/1.1 after h2",
            &b"GET /hello.txt HTTP/1.1\r\nHost: www.google.com\r\n\r\n"[..],
        ),
        ("wrong magic", &b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n"[..]),
        (
            "no preface, a frame",
            &h2::frame(h2::SETTINGS, 0, 0, &[0; 30])[..],
        ),
    ] {
        let mut tls = h2_client(&web, &certs);
        tls.write_all(bytes).unwrap();
        tls.flush().unwrap();
        let ending = read_until_closed(&mut tls, Duration::from_secs(10));
        eprintln!("bad preface ({what}): {ending}");
        assert!(ending.closed, "{what}: still open");
        assert!(ending.after < idle / 2, "{what}: {:?}", ending.after);
        assert!(
            matches!(ending.goaway, None | Some(PROTOCOL_ERROR)),
            "{what}: {:?}",
            ending.goaway
        );
    }
    // Half a preface, then silence: h2 waits for the rest with no timer of its own; the idle
    // timeout (no stream open) ends it.
    let mut tls = h2_client(&web, &certs);
    tls.write_all(&h2::PREFACE[..10]).unwrap();
    tls.flush().unwrap();
    let ending = read_until_closed_answering(&mut tls, idle * 4, false);
    eprintln!("half a preface: {ending}");
    // hyper cannot send GOAWAY before the preface is read, so the drop after a second idle
    // period is what ends it.
    assert!(ending.closed, "half a preface held the connection");
    assert!(
        ending.after >= idle - Duration::from_millis(200)
            && ending.after < idle * 2 + Duration::from_secs(2),
        "{:?}",
        ending.after
    );
    still_serves(&web, &certs);
}

#[test]
fn an_oversized_header_block_is_refused_with_431_and_others_are_served() {
    let certs = TestCerts::new(&[NAME]);
    let idle = Duration::from_secs(1);
    let web = https_web(&certs, |config| short_idle(config, idle));
    let mut tls = h2_client(&web, &certs);
    // 600 fields of 32 + 4 octets each (RFC 9113 §6.5.2 counts 32 per field): a decoded list of
    // 21,600 octets, over the 16,384 the server announces, in one 4 KiB frame.
    let mut fields = Vec::new();
    for i in 0..600 {
        fields.push((format!("x{i:03}"), String::new()));
    }
    let extra: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let block = h2::get_block(NAME, "/hello.txt", &extra);
    assert!(block.len() < 16 * 1024);
    let mut out = h2::client_start();
    out.extend(h2::frame(
        h2::HEADERS,
        h2::END_HEADERS | h2::END_STREAM,
        1,
        &block,
    ));
    // The same connection asks again, within the limit: refused or not, the stream alone.
    out.extend(h2::frame(
        h2::HEADERS,
        h2::END_HEADERS | h2::END_STREAM,
        3,
        &h2::get_block(NAME, "/hello.txt", &[]),
    ));
    tls.write_all(&out).unwrap();
    tls.flush().unwrap();
    let ending = read_until_closed(&mut tls, Duration::from_secs(10));
    eprintln!(
        "oversized header block: frames {:?}, status {:?} / {:?}, GOAWAY {:?}, closed {} after {:?}",
        ending.kinds(),
        ending.status(1),
        ending.status(3),
        ending.goaway,
        ending.closed,
        ending.after
    );
    // h2 answers the stream itself with 431 Request Header Fields Too Large (RFC 9113 §10.5.1
    // allows it) and resets it with REFUSED_STREAM; the connection lives on, serves the next
    // stream, and ends at the idle timeout with GOAWAY NO_ERROR.
    assert_eq!(ending.status(1), Some(431));
    assert_eq!(ending.status(3), Some(200));
    assert_eq!(ending.goaway, Some(NO_ERROR));
    assert!(ending.closed);
    assert!(ending.after < idle * 4, "{:?}", ending.after);
    still_serves(&web, &certs);
}

#[test]
fn a_stream_that_never_sends_its_body_is_ended_and_others_are_served() {
    let certs = TestCerts::new(&[NAME]);
    let block = test_support::LoopbackBlock::claim();
    let runtime = crate::harness::runtime();
    let upstream = Upstream::start(&runtime, block.addr(81, 0), "was", Behaviour::Echo);
    let identity = web::TlsIdentity::from_pem_files(&certs.cert_pem, &certs.key_pem).unwrap();
    let upstream_addr = upstream.addr;
    let idle = Duration::from_secs(1);
    let body_timeout = Duration::from_secs(2);
    let web = TestWeb::start_in(block, move |config, _| {
        config.tls = Some(identity);
        config.limits.body_timeout = body_timeout;
        short_idle(config, idle);
        web::add_proxy(&mut config.proxies, "/search", upstream_addr);
    });
    // A proxied POST whose HEADERS promise a body (no END_STREAM) that never comes: the proxy
    // reads the whole body before it calls the upstream, waiting at most `body_timeout` for
    // each part (as over HTTP/1.1), then answers 408; with no stream left, the idle timeout
    // ends the connection.
    let mut tls = h2_client(&web, &certs);
    let mut post = vec![0x83, 0x87]; // :method POST, :scheme https
    post.extend(&h2::get_block(NAME, "/search?q=slow", &[("content-length", "10")])[2..]);
    let mut out = h2::client_start();
    out.extend(h2::frame(h2::HEADERS, h2::END_HEADERS, 1, &post));
    tls.write_all(&out).unwrap();
    tls.flush().unwrap();
    let ending = read_until_closed(&mut tls, Duration::from_secs(15));
    eprintln!(
        "no body (proxied POST): status {:?}, {ending}",
        ending.status(1)
    );
    assert_eq!(ending.status(1), Some(408));
    assert_eq!(ending.goaway, Some(NO_ERROR));
    assert!(ending.closed);
    assert!(
        ending.after >= body_timeout - Duration::from_millis(200)
            && ending.after < body_timeout + idle * 3 + Duration::from_secs(2),
        "{:?}",
        ending.after
    );
    assert_eq!(
        upstream.requests.load(std::sync::atomic::Ordering::Relaxed),
        0,
        "nothing reached the upstream"
    );

    // A static GET that leaves its stream open the same way: the file is answered at once
    // (the handler reads no body), and the half-open stream does not keep the connection.
    let mut tls = h2_client(&web, &certs);
    let mut out = h2::client_start();
    out.extend(h2::frame(
        h2::HEADERS,
        h2::END_HEADERS,
        1,
        &h2::get_block(NAME, "/hello.txt", &[]),
    ));
    tls.write_all(&out).unwrap();
    tls.flush().unwrap();
    let ending = read_until_closed(&mut tls, Duration::from_secs(10));
    eprintln!(
        "no body (static GET): status {:?}, {ending}",
        ending.status(1)
    );
    assert_eq!(ending.status(1), Some(200));
    assert_eq!(ending.goaway, Some(NO_ERROR));
    assert!(ending.closed);
    assert!(ending.after < idle * 4, "{:?}", ending.after);
    still_serves(&web, &certs);
    drop(web);
    drop(upstream);
}

#[test]
fn an_idle_http2_connection_gets_goaway_and_is_closed_but_a_slow_stream_is_not() {
    let certs = TestCerts::new(&[NAME]);
    let block = test_support::LoopbackBlock::claim();
    let runtime = crate::harness::runtime();
    let delay = Duration::from_millis(2500);
    let upstream = Upstream::start(&runtime, block.addr(81, 0), "was", Behaviour::Delay(delay));
    let identity = web::TlsIdentity::from_pem_files(&certs.cert_pem, &certs.key_pem).unwrap();
    let upstream_addr = upstream.addr;
    let idle = Duration::from_secs(1);
    let web = TestWeb::start_in(block, move |config, _| {
        config.tls = Some(identity);
        short_idle(config, idle);
        web::add_proxy(&mut config.proxies, "/search", upstream_addr);
    });
    // One request, then nothing: GOAWAY NO_ERROR once no stream has been open for the idle
    // timeout (HTTP/1.1 closes an idle keep-alive connection after its header timeout), then
    // the close once the client has answered the GOAWAY's PING.
    let mut tls = h2_client(&web, &certs);
    let mut out = h2::client_start();
    out.extend(h2::frame(
        h2::HEADERS,
        h2::END_HEADERS | h2::END_STREAM,
        1,
        &h2::get_block(NAME, "/hello.txt", &[]),
    ));
    tls.write_all(&out).unwrap();
    tls.flush().unwrap();
    let ending = read_until_closed(&mut tls, Duration::from_secs(10));
    eprintln!("idle: {ending}");
    assert_eq!(ending.status(1), Some(200));
    assert_eq!(ending.goaway, Some(NO_ERROR));
    assert!(ending.closed);
    assert!(
        ending.after >= idle - Duration::from_millis(100) && ending.after < idle * 3,
        "{:?}",
        ending.after
    );

    // A stream that takes longer than the idle timeout (the upstream answers after 2.5 s) is
    // not idle: it gets its response, and the connection ends an idle timeout after it.
    let mut tls = h2_client(&web, &certs);
    let mut out = h2::client_start();
    out.extend(h2::frame(
        h2::HEADERS,
        h2::END_HEADERS | h2::END_STREAM,
        1,
        &h2::get_block(NAME, "/search?q=slow", &[]),
    ));
    tls.write_all(&out).unwrap();
    tls.flush().unwrap();
    let ending = read_until_closed(&mut tls, Duration::from_secs(15));
    eprintln!("slow stream: {ending}");
    assert_eq!(ending.status(1), Some(200));
    assert!(ending.has(h2::DATA, 1));
    assert_eq!(ending.goaway, Some(NO_ERROR));
    assert!(ending.closed);
    assert!(
        ending.after >= delay + idle - Duration::from_millis(100),
        "{:?}",
        ending.after
    );
    still_serves(&web, &certs);
    drop(web);
    drop(upstream);
}

/// An HTTP/2 client's first bytes, a GET of `path` as stream 1 with flow control out of the
/// way: SETTINGS_INITIAL_WINDOW_SIZE (0x4) = 2^31-1 for the streams, and a WINDOW_UPDATE that
/// opens the connection's window (65,535 to begin with) as wide, so that only the socket can
/// hold the server back.
fn get_with_windows_wide_open(path: &str) -> Vec<u8> {
    let mut out = h2::PREFACE.to_vec();
    out.extend(h2::frame(
        h2::SETTINGS,
        0,
        0,
        &[0, 4, 0x7f, 0xff, 0xff, 0xff],
    ));
    out.extend(h2::frame(
        h2::WINDOW_UPDATE,
        0,
        0,
        &(0x7fff_ffff_u32 - 65_535).to_be_bytes(),
    ));
    out.extend(h2::frame(
        h2::HEADERS,
        h2::END_HEADERS | h2::END_STREAM,
        1,
        &h2::get_block(NAME, path, &[]),
    ));
    out
}

/// nginx's `send_timeout` over TLS: a client that asks for a file bigger than every buffer on
/// the way and reads nothing is closed once the server's writes have waited `send_timeout` for
/// room, over HTTP/2 (its windows opened wide, so that only the socket holds the server back)
/// and over HTTP/1.1; the server serves others meanwhile.
#[test]
fn a_client_that_never_reads_is_closed_after_the_send_timeout_over_tls() {
    const HUGE: usize = 8 * 1024 * 1024;
    let certs = TestCerts::new(&[NAME]);
    let send_timeout = Duration::from_millis(500);
    let web = https_web(&certs, |config| config.limits.send_timeout = send_timeout);
    std::fs::write(web.site.root.join("huge.bin"), vec![b'h'; HUGE]).unwrap();

    let mut tls = h2_client(&web, &certs);
    tls.write_all(&get_with_windows_wide_open("/huge.bin"))
        .unwrap();
    tls.flush().unwrap();
    // Nothing read for three timeouts: by then the server has given up.
    std::thread::sleep(send_timeout * 3);
    let ending = read_until_closed(&mut tls, Duration::from_secs(10));
    let data = ending
        .frames
        .iter()
        .filter(|(kind, _, id, _)| *kind == h2::DATA && *id == 1)
        .map(|(_, _, _, payload)| payload.len())
        .sum::<usize>();
    let ended = ending
        .frames
        .iter()
        .any(|(kind, flags, id, _)| *kind == h2::DATA && *id == 1 && flags & h2::END_STREAM != 0);
    eprintln!(
        "HTTP/2, never read: status {:?}, {data} bytes of DATA, closed {} ({}) {:?} after the \
         reading began",
        ending.status(1),
        ending.closed,
        ending.how,
        ending.after
    );
    assert_eq!(ending.status(1), Some(200));
    assert!(ending.closed, "the HTTP/2 connection is still open");
    assert!(data < HUGE && !ended, "the whole file came ({data} bytes)");
    still_serves(&web, &certs);

    let mut tls = test_support::tls::client(web.addr, NAME, &certs.root, &[b"http/1.1"]).unwrap();
    tls.write_all(b"GET /huge.bin HTTP/1.1\r\nHost: www.google.com\r\n\r\n")
        .unwrap();
    tls.flush().unwrap();
    std::thread::sleep(send_timeout * 3);
    tls.sock
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    // An error is a close too: without close_notify (the server could not send it), or a reset.
    let (read, closed) = harness::drain(&mut tls, HUGE + 1024);
    eprintln!("HTTP/1.1 over TLS, never read: {read} bytes read after the stall, closed {closed}");
    assert!(closed, "the HTTP/1.1 connection is still open");
    assert!(read < HUGE, "the whole file came ({read} bytes)");
    still_serves(&web, &certs);
}

/// The send timeout is between two writes: an HTTP/2 client with its windows open wide that
/// reads a bit (512 KiB) every 200 ms, with a timeout of 500 ms, gets the whole file. The file
/// is bigger than the buffers on the way, so the server's writes keep waiting for room between
/// the client's reads, for several timeouts in all.
#[test]
fn a_slow_http2_client_that_reads_is_not_timed_out() {
    const LEN: usize = 8 * 1024 * 1024;
    const BURST: usize = 512 * 1024;
    let certs = TestCerts::new(&[NAME]);
    let send_timeout = Duration::from_millis(500);
    let web = https_web(&certs, |config| config.limits.send_timeout = send_timeout);
    std::fs::write(web.site.root.join("slow.bin"), vec![b's'; LEN]).unwrap();
    let mut tls = h2_client(&web, &certs);
    tls.write_all(&get_with_windows_wide_open("/slow.bin"))
        .unwrap();
    tls.flush().unwrap();
    tls.sock
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let started = Instant::now();
    let mut data = 0usize;
    let mut ended = false;
    while !ended && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(200));
        let mut this_time = 0;
        while this_time < BURST && !ended {
            let (kind, flags, stream, payload) = match h2::read_frame(&mut tls) {
                Ok(Some(frame)) => frame,
                other => panic!("after {data} bytes: {other:?}"),
            };
            if kind == h2::DATA && stream == 1 {
                this_time += payload.len();
                data += payload.len();
                ended = flags & h2::END_STREAM != 0;
            }
        }
    }
    eprintln!(
        "HTTP/2, {BURST} bytes every 200 ms: {data} bytes in {:?}, ended {ended}",
        started.elapsed()
    );
    assert!(ended, "the stream did not end: {data} bytes");
    assert_eq!(data, LEN);
    assert!(
        started.elapsed() > send_timeout * 2,
        "the client was not slow: {:?}",
        started.elapsed()
    );
    still_serves(&web, &certs);
}
