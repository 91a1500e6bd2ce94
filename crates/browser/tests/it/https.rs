//! HTTPS: ALPN choosing HTTP/2 or HTTP/1.1 on a real TLS server, HTTP/2's requests and close,
//! the certificate as `-v` summarises it, each certificate problem's one-line reason, and the
//! TLS secrets handed to a key log.

use std::sync::{Arc, Mutex};

use browser::{BrowserConfig, FetchError, HttpVersions, Side};

use crate::http::{Web, assert_ordered};
use crate::lab::{WEB_HOST, lab, run};
use crate::server::TestServer;

/// When the test certificate is valid.
#[derive(Clone, Copy)]
pub enum Validity {
    /// From yesterday for a year.
    Now,
    /// Expired yesterday.
    Expired,
}

/// A CA of the test's own and a certificate it signed for `site.example`: the CA's
/// certificate (for the client) and the server's configuration, offering `alpn`.
pub fn test_pki(
    alpn: &[&[u8]],
    validity: Validity,
) -> (browser::CertificateDer<'static>, Arc<rustls::ServerConfig>) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "roundtrip test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let mut leaf_params = rcgen::CertificateParams::new(vec!["site.example".to_owned()]).unwrap();
    leaf_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "site.example");
    let day = std::time::Duration::from_secs(86_400);
    let now = std::time::SystemTime::now();
    let (from, until) = match validity {
        Validity::Now => (now - day, now + 365 * day),
        Validity::Expired => (now - 30 * day, now - day),
    };
    leaf_params.not_before = from.into();
    leaf_params.not_after = until.into();
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone()], key)
        .unwrap();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    (ca_cert.der().clone(), Arc::new(config))
}

fn https(alpn: &[&[u8]], validity: Validity) -> (Web, browser::CertificateDer<'static>) {
    let lab = lab();
    let (ca, server_config) = test_pki(alpn, validity);
    let listener = std::net::TcpListener::bind(lab.block.addr(WEB_HOST, 0)).unwrap();
    let server = TestServer::start_tls(listener, server_config);
    (Web { lab, server }, ca)
}

fn trusting(ca: &browser::CertificateDer<'static>) -> BrowserConfig {
    BrowserConfig {
        extra_roots: vec![ca.clone()],
        ..Default::default()
    }
}

#[test]
fn alpn_h2_gives_http2_one_connection_for_both_requests_and_the_clients_fin_first() {
    let (web, ca) = https(&[b"h2", b"http/1.1"], Validity::Now);
    let url = format!("https://site.example:{}/ok", web.server.addr.port());
    let mut browser = web.browser(trusting(&ca));
    let (first, second, closed) = run(async {
        let first = browser.get(&url).await.unwrap();
        let second = browser.get(&url).await.unwrap();
        (first, second, browser.close().await)
    });
    let leg = first.last();
    assert_eq!((leg.status, &first.body[..]), (200, &b"hello\n"[..]));
    assert_eq!(leg.http_version, "HTTP/2");
    assert_eq!(leg.request_line, "GET /ok HTTP/2");
    assert!(
        leg.request_headers
            .iter()
            .all(|(name, _)| name != "Host" && name.chars().all(|c| !c.is_ascii_uppercase())),
        "HTTP/2: :authority, lower-case names: {:?}",
        leg.request_headers
    );
    let tls = leg.connection.tls.as_ref().unwrap();
    assert_eq!(tls.alpn.as_deref(), Some("h2"));
    assert!(tls.key_exchange_group.is_some());
    assert_ordered(leg);
    assert!(
        second.last().connection.reused,
        "one connection, two streams"
    );
    assert_eq!(web.server.connections(), 1);
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0].first_fin, Some(Side::Client));
    assert!(
        closed[0].server_fin_seen,
        "the server's FIN, read on the dup"
    );
}

#[test]
fn http1_1_only_offers_http1_1_and_a_server_without_h2_gets_http1_1() {
    let (web, ca) = https(&[b"h2", b"http/1.1"], Validity::Now);
    let url = format!("https://site.example:{}/ok", web.server.addr.port());
    let mut browser = web.browser(BrowserConfig {
        http: HttpVersions::Http11Only,
        ..trusting(&ca)
    });
    let visit = run(browser.get(&url)).unwrap();
    assert_eq!(visit.last().http_version, "HTTP/1.1");
    let tls = visit.last().connection.tls.as_ref().unwrap();
    assert_eq!(tls.alpn.as_deref(), Some("http/1.1"));

    let (web, ca) = https(&[b"http/1.1"], Validity::Now);
    let url = format!("https://site.example:{}/ok", web.server.addr.port());
    let mut browser = web.browser(trusting(&ca));
    let visit = run(browser.get(&url)).unwrap();
    assert_eq!(visit.last().http_version, "HTTP/1.1", "the server chose");
}

#[test]
fn the_certificate_is_summarised_as_curl_v_does() {
    let (web, ca) = https(&[b"h2"], Validity::Now);
    let url = format!("https://site.example:{}/ok", web.server.addr.port());
    let mut browser = web.browser(trusting(&ca));
    let visit = run(browser.get(&url)).unwrap();
    let tls = visit.last().connection.tls.clone().unwrap();
    let cert = tls.certificate.expect("the leaf's summary");
    assert_eq!(cert.subject, "CN=site.example");
    assert_eq!(cert.issuer, "CN=roundtrip test CA");
    assert_eq!(cert.subject_alt_names, ["DNS:site.example"]);
    assert!(cert.not_before < cert.not_after, "{cert:?}");
    assert!(
        cert.not_after.ends_with('Z') && cert.not_after.len() == 20,
        "{cert:?}"
    );
}

#[test]
fn each_certificate_problem_has_its_own_reason() {
    // Expired.
    let (web, ca) = https(&[b"h2"], Validity::Expired);
    let url = format!("https://site.example:{}/ok", web.server.addr.port());
    match run(web.browser(trusting(&ca)).get(&url)) {
        Err(FetchError::Tls { why, .. }) => {
            assert!(why.starts_with("the server's certificate expired"), "{why}")
        }
        other => panic!("expected an expired certificate, got {other:?}"),
    }
    // Valid, but for another name: `dual.example` has the same address.
    let (web, ca) = https(&[b"h2"], Validity::Now);
    let url = format!("https://dual.example:{}/ok", web.server.addr.port());
    match run(web.browser(trusting(&ca)).get(&url)) {
        Err(err @ FetchError::Tls { .. }) => assert!(
            err.to_string()
                .contains("the server's certificate is not valid for the name dual.example"),
            "{err}"
        ),
        other => panic!("expected a name mismatch, got {other:?}"),
    }
}

/// One logged secret: label, client random, secret.
type Logged = (String, Vec<u8>, Vec<u8>);

/// A key log kept in memory, as the tour keeps its own.
#[derive(Debug, Default)]
struct MemoryKeyLog(Mutex<Vec<Logged>>);

impl rustls::KeyLog for MemoryKeyLog {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push((label.to_owned(), client_random.to_vec(), secret.to_vec()));
    }
}

#[test]
fn the_tls_secrets_go_to_the_key_log() {
    let (web, ca) = https(&[b"h2"], Validity::Now);
    let url = format!("https://site.example:{}/ok", web.server.addr.port());
    let log = Arc::new(MemoryKeyLog::default());
    let mut browser = web.browser(BrowserConfig {
        key_log: Some(log.clone()),
        ..trusting(&ca)
    });
    run(browser.get(&url)).unwrap();
    let logged = log.0.lock().unwrap();
    let labels: Vec<&str> = logged.iter().map(|(l, _, _)| l.as_str()).collect();
    for label in [
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0",
        "SERVER_TRAFFIC_SECRET_0",
    ] {
        assert!(labels.contains(&label), "{label} in {labels:?}");
    }
    let randoms: std::collections::HashSet<&Vec<u8>> = logged.iter().map(|(_, r, _)| r).collect();
    assert_eq!(randoms.len(), 1, "one handshake, one client random");
    assert!(
        logged
            .iter()
            .all(|(_, r, s)| r.len() == 32 && s.len() >= 32)
    );
}

#[test]
fn a_strict_transport_security_header_sends_the_next_http_visit_to_https() {
    let (web, ca) = https(&[b"h2", b"http/1.1"], Validity::Now);
    let port = web.server.addr.port();
    let mut browser = web
        .browser(trusting(&ca))
        .with_hsts(browser::hsts::Hsts::in_memory());
    let first = run(browser.get(&format!("https://site.example:{port}/hsts"))).unwrap();
    let header = first
        .last()
        .hsts_header
        .clone()
        .expect("the header is seen");
    assert_eq!(
        header.observed,
        Some(browser::hsts::Observed::Stored {
            max_age: 600,
            include_subdomains: true
        })
    );
    // The same host over http://: rewritten before any packet, one leg, over TLS.
    let http_url = format!("http://site.example:{port}/ok");
    let second = run(browser.get(&http_url)).unwrap();
    assert_eq!(
        second.legs.len(),
        1,
        "no redirect leg: HSTS acts before the request"
    );
    let leg = second.last();
    let upgrade = leg.hsts_upgrade.as_ref().expect("upgraded");
    assert_eq!(upgrade.from, http_url);
    assert!(
        matches!(&upgrade.because, browser::hsts::HstsMatch::Stored { domain, .. } if domain == "site.example"),
        "{upgrade:?}"
    );
    assert_eq!(leg.url, format!("https://site.example:{port}/ok"));
    assert!(leg.connection.tls.is_some());
    let stored = browser.hsts().unwrap().list(0);
    assert_eq!(stored.len(), 1);
}

#[test]
fn a_strict_transport_security_header_over_plain_http_is_ignored() {
    let web = Web::start();
    let mut browser = web
        .browser(BrowserConfig::default())
        .with_hsts(browser::hsts::Hsts::in_memory());
    let visit = run(browser.get(&web.url("/hsts"))).unwrap();
    let header = visit
        .last()
        .hsts_header
        .clone()
        .expect("the header is seen");
    assert_eq!(header.observed, None);
    assert!(
        header.ignored.as_deref().unwrap().contains("plain http://"),
        "{header:?}"
    );
    assert!(browser.hsts().unwrap().list(0).is_empty());
}
