//! Unit tests of the TLS reader on hand-made records: the hellos parsed field by field, and
//! truncated or garbled bytes at every layer (records, handshake messages, HTTP/2 frames,
//! HPACK) read without a panic.

use std::time::{Duration, UNIX_EPOCH};

use etherparse::PacketBuilder;

use super::build::{self, client_hello, record};
use super::handshake::parse_message;
use super::http2::Http2Reader;
use super::*;
use crate::decode::Decoder;

fn server_hello() -> Vec<u8> {
    build::server_hello(0x1301)
}

#[test]
fn the_hellos_say_what_was_offered_and_chosen() {
    let HandshakeMessage::ClientHello(hello) = parse_message(1, &client_hello()[4..], false) else {
        panic!("not a ClientHello");
    };
    assert_eq!(hello.server_name.as_deref(), Some("www.google.com"));
    assert_eq!(hello.alpn, ["h2", "http/1.1"]);
    assert_eq!(
        hello.supported_versions,
        [TlsVersion(0x0304), TlsVersion(0x0303)]
    );
    assert_eq!(hello.key_share_groups, [NamedGroup(0x1d)]);
    assert_eq!(hello.key_share_groups[0].to_string(), "x25519");
    assert_eq!(hello.cipher_suites[0].to_string(), "TLS_AES_128_GCM_SHA256");
    assert_eq!(hello.random, [7; 32]);
    let HandshakeMessage::ServerHello(hello) = parse_message(2, &server_hello()[4..], true) else {
        panic!("not a ServerHello");
    };
    assert_eq!(hello.version().to_string(), "TLS 1.3");
    assert_eq!(hello.key_share_group, Some(NamedGroup(0x1d)));
    assert_eq!(hello.cipher_suite, CipherSuite(0x1301));
}

/// Every prefix of every message is either parsed or `Malformed`, never a panic.
#[test]
fn truncated_handshake_messages_are_malformed_not_panics() {
    for (msg_type, bytes) in [(1, client_hello()), (2, server_hello())] {
        for cut in 0..bytes.len() - 4 {
            let body = &bytes[4..4 + cut];
            // Cut just before the extensions, a hello is still whole (extensions are optional).
            let parsed = parse_message(msg_type, body, true);
            let whole_without_extensions = match &parsed {
                HandshakeMessage::ClientHello(h) => h.extensions.is_empty(),
                HandshakeMessage::ServerHello(h) => h.extensions.is_empty(),
                _ => false,
            };
            assert!(
                matches!(parsed, HandshakeMessage::Malformed { .. }) || whole_without_extensions,
                "{cut}: {parsed:?}"
            );
        }
    }
    for msg_type in 0..=255u8 {
        for body in [&[][..], &[0xff; 3], &[0, 0, 9, 1, 2]] {
            let _ = parse_message(msg_type, body, true);
            let _ = parse_message(msg_type, body, false);
        }
    }
}

/// A small deterministic generator (xorshift), so that the garbling is the same every run.
struct Garble(u64);

impl Garble {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn mutate(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut out = bytes.to_vec();
        for _ in 0..1 + self.next() % 4 {
            if out.is_empty() {
                break;
            }
            let i = (self.next() % out.len() as u64) as usize;
            match self.next() % 3 {
                0 => out[i] = self.next() as u8,
                1 => out.truncate(i),
                _ => out.insert(i, self.next() as u8),
            }
        }
        out
    }
}

fn frame(
    from: ([u8; 4], u16),
    to: ([u8; 4], u16),
    seq: u32,
    ack: u32,
    syn: bool,
    data: &[u8],
) -> Vec<u8> {
    let mut b = PacketBuilder::ethernet2([0; 6], [0; 6])
        .ipv4(from.0, to.0, 64)
        .tcp(from.1, to.1, seq, 65000);
    b = if syn && ack == 0 {
        b.syn()
    } else if syn {
        b.syn().ack(ack)
    } else {
        b.ack(ack)
    };
    let mut out = Vec::new();
    b.write(&mut out, data).unwrap();
    out
}

/// A TCP connection carrying `client` and `server` bytes, one segment each way.
fn session_of(client: &[u8], server: &[u8], keylog: &KeyLog) -> Vec<TlsSession> {
    let c = ([127, 0, 0, 10], 40000);
    let s = ([127, 0, 0, 80], 443);
    let frames = vec![
        frame(c, s, 100, 0, true, b""),
        frame(s, c, 900, 101, true, b""),
        frame(c, s, 101, 901, false, client),
        frame(s, c, 901, 101 + client.len() as u32, false, server),
    ];
    let start = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let packets = Decoder::new(53).decode_all(
        frames
            .into_iter()
            .enumerate()
            .map(|(i, f)| (start + Duration::from_millis(i as u64), f)),
    );
    tls_sessions(&packets, keylog)
}

#[test]
fn a_plaintext_handshake_from_packets() {
    let client = record(22, &client_hello());
    let mut server = record(22, &server_hello());
    server.extend(record(20, &[1]));
    server.extend(record(23, &[0x55; 40]));
    let sessions = session_of(&client, &server, &KeyLog::new());
    assert_eq!(sessions.len(), 1);
    let session = &sessions[0];
    assert_eq!(
        session
            .client_hello
            .as_ref()
            .unwrap()
            .server_name
            .as_deref(),
        Some("www.google.com")
    );
    assert_eq!(session.version, Some(TlsVersion(0x0304)));
    assert_eq!(session.records.len(), 4);
    assert_eq!(
        session.records[3].protection,
        Protection::Undecryptable(Undecryptable::NoSecret {
            label: label::SERVER_HANDSHAKE.into()
        }),
        "no secret: said so, not guessed"
    );
    assert!(!session.fully_decrypted());
}

/// Garbled and truncated versions of a whole exchange, with a key log that has secrets for
/// it, read without a panic.
#[test]
fn garbled_records_never_panic() {
    let mut client = record(22, &client_hello());
    client.extend(record(20, &[1]));
    client.extend(record(23, &[0x33; 60]));
    let mut server = record(22, &server_hello());
    server.extend(record(23, &[0x55; 40]));
    server.extend(record(21, &[1, 0]));
    let mut keylog = KeyLog::new();
    for label in [
        label::CLIENT_HANDSHAKE,
        label::SERVER_HANDSHAKE,
        label::CLIENT_TRAFFIC_0,
        label::SERVER_TRAFFIC_0,
    ] {
        keylog.add(label, &[7; 32], &[1; 32]);
    }
    let mut garble = Garble(0x9e37_79b9_7f4a_7c15);
    for _ in 0..2000 {
        let (c, s) = (garble.mutate(&client), garble.mutate(&server));
        let _ = session_of(&c, &s, &keylog);
    }
}

#[test]
fn garbled_http2_never_panics() {
    let mut bytes = PREFACE.to_vec();
    // SETTINGS with two values, HEADERS (":method GET" indexed, a literal), WINDOW_UPDATE,
    // GOAWAY.
    bytes.extend([
        0, 0, 12, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100, 0, 4, 0, 1, 0, 0,
    ]);
    bytes.extend([0, 0, 5, 1, 5, 0, 0, 0, 1, 0x82, 0x41, 0x02, 0x61, 0x62]);
    bytes.extend([0, 0, 4, 8, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
    bytes.extend([0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
    let mut reader = Http2Reader::new(true);
    let frames = reader.push(&bytes);
    let names: Vec<_> = frames.iter().map(|f| &f.payload).collect();
    assert_eq!(names.len(), 5, "{names:?}");
    assert!(
        matches!(&frames[2].payload, Http2Payload::Headers { headers, end_stream: true, .. }
            if headers == &[(":method".to_string(), "GET".to_string()), (":authority".to_string(), "ab".to_string())]),
        "{:?}",
        frames[2]
    );
    let mut garble = Garble(7);
    for _ in 0..3000 {
        let bad = garble.mutate(&bytes);
        let mut reader = Http2Reader::new(true);
        // Fed in uneven pieces, as records cut them.
        for piece in bad.chunks(1 + (garble.next() % 17) as usize) {
            let _ = reader.push(piece);
        }
    }
}
