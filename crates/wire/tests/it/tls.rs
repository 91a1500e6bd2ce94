//! TLS from real packets: curl against nginx on a loopback block, captured, with curl's
//! SSLKEYLOGFILE. TLS 1.3 + HTTP/2: every record decrypted, the handshake and HTTP/2 read,
//! close_notify seen, and tshark decrypting our pcapng through its Decryption Secrets Block.
//! TLS 1.2: the handshake in the clear, the rest said to be undecryptable.

use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use test_support::{ChildGuard, LoopbackBlock, Peer, wait_until};
use wire::tls::{
    HandshakeMessage, Http2Payload, KeyEpoch, Protection, RecordContent, Side, TlsVersion,
    Undecryptable, label,
};
use wire::{KeyLog, TlsSession, tls_sessions, write_pcap_with_keylog};

use crate::support::{capture_or_skip, v4};

const NAME: &str = "www.google.com";
const BODY: &str = "hello from nginx\n";

/// A directory of the test's own, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("wire-tls-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A CA made here and a certificate it signed for www.google.com: writes `ca.pem`,
/// `chain.pem` (leaf then CA) and `key.pem` into `dir`.
fn write_pki(dir: &Path) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "roundtrip wire test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let mut leaf_params = rcgen::CertificateParams::new(vec![NAME.to_owned()]).unwrap();
    leaf_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, NAME);
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    std::fs::write(dir.join("ca.pem"), ca_cert.pem()).unwrap();
    std::fs::write(dir.join("chain.pem"), leaf.pem() + &ca_cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), leaf_key.serialize_pem()).unwrap();
}

/// nginx serving `BODY` over TLS 1.2/1.3 and HTTP/2 on `server`, until dropped.
fn start_nginx(nginx: &Path, dir: &Path, server: SocketAddr) -> ChildGuard {
    let d = dir.display();
    let config = format!(
        "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\n\
         error_log {d}/error.log info;\nevents {{ worker_connections 64; }}\n\
         http {{\n access_log off;\n client_body_temp_path {d}/body;\n proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi;\n uwsgi_temp_path {d}/uwsgi;\n scgi_temp_path {d}/scgi;\n\
         server {{\n  listen {server} ssl http2;\n  server_name {NAME};\n\
         ssl_certificate {d}/chain.pem;\n  ssl_certificate_key {d}/key.pem;\n\
         ssl_protocols TLSv1.2 TLSv1.3;\n\
         location / {{ default_type text/plain; return 200 \"{}\"; }}\n }}\n}}\n",
        BODY.escape_default()
    );
    std::fs::write(dir.join("nginx.conf"), config).unwrap();
    let child = Command::new(nginx)
        .arg("-p")
        .arg(dir)
        .arg("-e")
        .arg(dir.join("error.log"))
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .stdin(Stdio::null())
        .spawn()
        .expect("start nginx");
    let guard = ChildGuard(child);
    assert!(
        wait_until(Duration::from_secs(10), || TcpStream::connect(server)
            .is_ok()),
        "nginx did not listen on {server}: {}",
        std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
    );
    guard
}

/// What one curl run against nginx left: the sessions read with curl's key log, the packets,
/// and the key log.
struct Run {
    sessions: Vec<TlsSession>,
    packets: Vec<wire::Packet>,
    keylog: KeyLog,
    client: Ipv4Addr,
    dir: TempDir,
}

/// curl (`extra` arguments) against nginx, captured. `None` when a peer or the privilege is
/// missing (said loudly).
fn curl_against_nginx(tag: &str, extra: &[&str]) -> Option<Run> {
    let curl = Peer::find("curl", "curl")?;
    against_nginx(tag, |dir, client, server, keylog_path| {
        let output = Command::new(curl)
            .env("SSLKEYLOGFILE", keylog_path)
            .args(["-sS", "--max-time", "10", "--cacert"])
            .arg(dir.join("ca.pem"))
            .args(["--resolve", &format!("{NAME}:443:{server}")])
            .args(["--interface", &client.to_string()])
            .args(extra)
            .arg(format!("https://{NAME}/"))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "curl: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&output.stdout), BODY);
    })
}

/// `client(dir, client address, server address, key log path)` against nginx, captured.
fn against_nginx(
    tag: &str,
    client_run: impl FnOnce(&Path, Ipv4Addr, Ipv4Addr, &Path),
) -> Option<Run> {
    let nginx = Peer::find("nginx", "nginx")?;
    let block = LoopbackBlock::claim();
    let (client, server) = (v4(&block, 10), v4(&block, 80));
    let capture = capture_or_skip(&block, &[10, 80])?;
    let dir = TempDir::new(tag);
    write_pki(&dir.0);
    let server_addr = SocketAddr::from((server, 443));
    let _nginx = start_nginx(&nginx, &dir.0, server_addr);
    let keylog_path = dir.0.join("keys.log");
    client_run(&dir.0, client, server, &keylog_path);
    std::thread::sleep(Duration::from_millis(200)); // the close's last segments
    let packets = capture.stop().packets;
    let keylog = KeyLog::parse(&std::fs::read_to_string(&keylog_path).unwrap_or_default());
    let sessions = tls_sessions(&packets, &keylog);
    Some(Run {
        sessions,
        packets,
        keylog,
        client,
        dir,
    })
}

fn the_session(run: &Run) -> &TlsSession {
    let found: Vec<&TlsSession> = run
        .sessions
        .iter()
        .filter(|s| s.client.ip() == run.client)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one TLS connection from curl: {:#?}",
        run.sessions
    );
    found[0]
}

fn names(session: &TlsSession, side: Side) -> Vec<&'static str> {
    session
        .handshake_messages()
        .into_iter()
        .filter(|(s, _, _)| *s == side)
        .map(|(_, _, m)| m.name())
        .collect()
}

/// RFC 8446 §2 (Figure 1): ClientHello; ServerHello, {EncryptedExtensions}, {Certificate},
/// {CertificateVerify}, {Finished}; {Finished}; [Application Data] — every message read, and
/// the HTTP/2 exchange in the application data.
#[test]
fn tls13_http2_from_curl_to_nginx_decrypted_from_the_packets() {
    let Some(run) = curl_against_nginx("13", &["--http2", "--tlsv1.3"]) else {
        return;
    };
    let session = the_session(&run);
    let hello = session.client_hello.as_ref().expect("ClientHello");
    assert_eq!(hello.server_name.as_deref(), Some(NAME));
    assert!(hello.alpn.contains(&"h2".to_owned()), "{:?}", hello.alpn);
    assert!(hello.supported_versions.contains(&TlsVersion(0x0304)));
    assert!(!hello.key_share_groups.is_empty());
    let server_hello = session.server_hello.as_ref().expect("ServerHello");
    assert_eq!(session.version, Some(TlsVersion(0x0304)));
    assert!(
        hello
            .key_share_groups
            .contains(&server_hello.key_share_group.expect("key share"))
    );
    assert!(hello.cipher_suites.contains(&server_hello.cipher_suite));

    for record in &session.records {
        assert!(
            !matches!(record.protection, Protection::Undecryptable(_)),
            "every record decrypted: {record:?}"
        );
    }
    let server = names(session, Side::Server);
    for expected in [
        "ServerHello",
        "EncryptedExtensions",
        "Certificate",
        "CertificateVerify",
        "Finished",
    ] {
        assert!(server.contains(&expected), "{expected} in {server:?}");
    }
    assert_eq!(
        names(session, Side::Client)[..],
        ["ClientHello", "Finished"][..]
    );
    assert_eq!(
        session.alpn.as_deref(),
        Some("h2"),
        "EncryptedExtensions' ALPN"
    );
    let leaf = &session.certificates[0];
    assert!(leaf.subject.contains(NAME), "{leaf:?}");
    assert!(leaf.issuer.contains("roundtrip wire test CA"), "{leaf:?}");
    assert_eq!(leaf.san, [format!("DNS:{NAME}")]);
    assert!(leaf.not_before_unix < leaf.not_after_unix);
    assert_eq!(session.certificates.len(), 2, "leaf and CA");
    assert!(session.records.iter().any(|r| matches!(
        r.protection,
        Protection::Decrypted {
            epoch: KeyEpoch::Application { generation: 0 },
            ..
        }
    )));

    // HTTP/2: preface, SETTINGS both ways, the request and the response.
    let frames = &session.http2;
    let first_from_client = frames.iter().find(|f| f.from == Side::Client).unwrap();
    assert!(
        matches!(first_from_client.payload, Http2Payload::Preface),
        "{frames:#?}"
    );
    assert!(frames.iter().any(|f| f.from == Side::Server
        && matches!(&f.payload, Http2Payload::Settings { ack: false, values } if !values.is_empty())));
    let header = |side: Side, name: &str| -> Vec<String> {
        frames
            .iter()
            .filter(|f| f.from == side)
            .filter_map(|f| match &f.payload {
                Http2Payload::Headers { headers, .. } => Some(headers),
                _ => None,
            })
            .flatten()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    };
    assert_eq!(header(Side::Client, ":path"), ["/"]);
    assert_eq!(header(Side::Client, ":authority"), [NAME]);
    assert_eq!(header(Side::Server, ":status"), ["200"]);
    let data: usize = frames
        .iter()
        .filter(|f| f.from == Side::Server)
        .filter_map(|f| match f.payload {
            Http2Payload::Data { len, .. } => Some(len),
            _ => None,
        })
        .sum();
    assert_eq!(data, BODY.len());

    // curl 7.88 closes this connection with a FIN and no close_notify (seen in the capture);
    // close_notify is checked with openssl s_client below. Any alert here must be decrypted.
    for (_, _, alert) in session.alerts() {
        assert_eq!(alert.name, "close_notify");
    }
    let timing = session.handshake.as_ref().expect("handshake timing");
    assert_eq!(timing.round_trips, 1, "TLS 1.3: one round trip");
    assert_eq!(timing.ended_by, "client Finished");
    assert!(timing.duration < Duration::from_secs(5));

    // Without the key log, each protected record says which secret is missing.
    let blind = tls_sessions(&run.packets, &KeyLog::new());
    let blind = blind.iter().find(|s| s.client.ip() == run.client).unwrap();
    assert!(blind.records.iter().any(|r| r.protection
        == Protection::Undecryptable(Undecryptable::NoSecret {
            label: label::SERVER_HANDSHAKE.to_owned()
        })));
    assert!(
        blind.http2.is_empty(),
        "nothing shown that was not decrypted"
    );
    assert_eq!(blind.handshake.as_ref().unwrap().round_trips, 1);

    tshark_decrypts_the_same_http2(&run, session);
}

/// `tshark -r FILE -Y http2` on our pcapng, with the key log only in the file's Decryption
/// Secrets Block: the same headers as ours.
fn tshark_decrypts_the_same_http2(run: &Run, session: &TlsSession) {
    let path = run.dir.0.join("tls.pcapng");
    write_pcap_with_keylog(&path, &run.packets, Some(&run.keylog)).unwrap();
    let Some(tshark) = Peer::find("tshark", "tshark") else {
        return;
    };
    let output = Command::new(tshark)
        .arg("-r")
        .arg(&path)
        .args(["-Y", "http2.type == 1", "-T", "fields"])
        .args(["-e", "http2.header.name", "-e", "http2.header.value"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    // One line per HEADERS frame: names, then values, each comma-joined (a value may hold a
    // comma itself, as `date` does, so each line is compared as text).
    let lines: Vec<&str> = stdout.lines().collect();
    let ours: Vec<Vec<(String, String)>> = session
        .http2
        .iter()
        .filter_map(|f| match &f.payload {
            Http2Payload::Headers { headers, .. } => Some(headers.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        lines.len(),
        ours.len(),
        "one line per HEADERS frame:\n{stdout}"
    );
    for (line, headers) in lines.iter().zip(&ours) {
        let names: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
        let values: Vec<&str> = headers.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(
            *line,
            format!("{}\t{}", names.join(","), values.join(",")),
            "tshark and we decode the same header list"
        );
    }
    assert!(stdout.contains(":status"), "{stdout}");
}

/// TLS 1.2 (RFC 5246 §7.3): the hellos, Certificate and ServerHelloDone are in the clear; after
/// ChangeCipherSpec nothing is decrypted, and the session says whether the key log had the
/// connection's CLIENT_RANDOM line.
#[test]
fn tls12_is_read_in_the_clear_and_said_to_be_undecryptable() {
    let Some(run) = curl_against_nginx("12", &["--http2", "--tls-max", "1.2"]) else {
        return;
    };
    let session = the_session(&run);
    assert_eq!(session.version, Some(TlsVersion(0x0303)));
    assert_eq!(
        session
            .client_hello
            .as_ref()
            .unwrap()
            .server_name
            .as_deref(),
        Some(NAME)
    );
    assert_eq!(
        session.alpn.as_deref(),
        Some("h2"),
        "ALPN in the ServerHello"
    );
    let server = names(session, Side::Server);
    for expected in ["ServerHello", "Certificate", "ServerHelloDone"] {
        assert!(server.contains(&expected), "{expected} in {server:?}");
    }
    assert!(session.certificates[0].subject.contains(NAME));
    let logged = session.records.iter().any(|r| {
        r.protection
            == Protection::Undecryptable(Undecryptable::Tls12 {
                client_random_logged: true,
            })
    });
    assert!(logged, "curl logged CLIENT_RANDOM: {:#?}", session.records);
    assert!(session.http2.is_empty());
    assert!(
        session
            .records
            .iter()
            .all(|r| !matches!(r.protection, Protection::Decrypted { .. }))
    );
    assert!(
        session
            .records
            .iter()
            .any(|r| r.content == RecordContent::ChangeCipherSpec)
    );
    let timing = session.handshake.as_ref().expect("handshake timing");
    assert_eq!(timing.round_trips, 2, "TLS 1.2: two round trips");

    let without = tls_sessions(&run.packets, &KeyLog::new());
    let without = without
        .iter()
        .find(|s| s.client.ip() == run.client)
        .unwrap();
    assert!(without.records.iter().any(|r| r.protection
        == Protection::Undecryptable(Undecryptable::Tls12 {
            client_random_logged: false
        })));
    let _ = HandshakeMessage::ServerHelloDone;
}

/// HTTP/1.1 over TLS 1.3 with `openssl s_client` (ALPN http/1.1, `Connection: close`): the
/// request and status lines from the decrypted records, and nginx's close_notify (RFC 8446
/// §6.1) before its FIN.
#[test]
fn tls13_http11_from_s_client_ends_with_close_notify() {
    let Some(openssl) = Peer::find("openssl", "openssl") else {
        return;
    };
    let Some(run) = against_nginx("11", |dir, client, server, keylog_path| {
        let mut child = Command::new(openssl)
            .args(["s_client", "-quiet", "-tls1_3", "-alpn", "http/1.1"])
            .args(["-connect", &format!("{server}:443")])
            .args(["-bind", &format!("{client}:0")])
            .args(["-servername", NAME, "-verify_return_error", "-CAfile"])
            .arg(dir.join("ca.pem"))
            .arg("-keylogfile")
            .arg(keylog_path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(
                format!("GET / HTTP/1.1\r\nHost: {NAME}\r\nConnection: close\r\n\r\n").as_bytes(),
            )
            .unwrap();
        let mut guard = ChildGuard(child);
        assert!(
            guard.exited_within(Duration::from_secs(10)).is_some(),
            "s_client did not end after the server closed"
        );
    }) else {
        return;
    };
    let session = the_session(&run);
    assert_eq!(session.alpn.as_deref(), Some("http/1.1"));
    assert!(session.fully_decrypted(), "{:#?}", session.records);
    let lines: Vec<(Side, &str)> = session
        .http1
        .iter()
        .map(|l| (l.from, l.line.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            (Side::Client, "GET / HTTP/1.1"),
            (Side::Server, "HTTP/1.1 200 OK")
        ]
    );
    assert!(
        session
            .alerts()
            .iter()
            .any(|(side, _, alert)| *side == Side::Server && alert.name == "close_notify"),
        "{:?}",
        session.alerts()
    );
    assert!(session.http2.is_empty());
}
