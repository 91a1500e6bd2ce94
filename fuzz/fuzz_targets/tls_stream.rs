//! Any bytes as a captured TLS connection, read by `wire::tls_sessions` (the record reader, the
//! handshake parser, TLS 1.3 decryption from a key log, HTTP/2 frames and HPACK), with and
//! without a key log. Never a panic.
//!
//! Random bytes never carry a valid AEAD tag, so most inputs (`sealed`) are the *plaintext* of
//! a TLS 1.3 connection that this target seals itself, with secrets it also puts in the key
//! log: the fuzzer then reaches the encrypted handshake (EncryptedExtensions, Certificate,
//! Finished, KeyUpdate) and the HTTP/2 reader through the same entry point as a capture does.
//!
//! Input: byte 0 chooses the mode (bits 0-1: raw, sealed, key log text), whether the key log
//! has the connection's secrets (bit 2), the cipher suite (bits 3-4) and the TCP segment size
//! (bits 5-7).
//! - raw: bytes 1-2 split the rest into the client's and the server's stream, sent as is;
//! - sealed: after a fixed ClientHello and ServerHello, items `[control, type, len_hi, len_lo,
//!   content...]`: control bit 0 = from the server, bits 1-2 = the keys (0: handshake, 1-3:
//!   application generation 0-2), bit 3 = a plaintext record of `type` instead, bits 4-7 =
//!   zero padding in the sealed plaintext;
//! - key log text: the rest as an NSS key log file.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use etherparse::PacketBuilder;
use libfuzzer_sys::fuzz_target;
use ring::{aead, hkdf};
use wire::tls::build::{CLIENT_RANDOM as RANDOM, client_hello, record, server_hello};
use wire::tls::label;
use wire::{Decoder, KeyLog};

const CLIENT: ([u8; 4], u16) = ([127, 0, 0, 10], 40000);
const SERVER: ([u8; 4], u16) = ([127, 0, 0, 80], 443);
const SEGMENTS: [usize; 8] = [1, 5, 64, 300, 1400, 4096, 16_384, 60_000];
const SUITES: [u16; 4] = [0x1301, 0x1302, 0x1303, 0x1301];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let with_keys = mode & 0b100 != 0;
    let suite = SUITES[usize::from((mode >> 3) & 0b11)];
    let segment = SEGMENTS[usize::from(mode >> 5)];
    let (client, server, keylog) = match mode & 0b11 {
        0 | 3 => {
            let Some((split, rest)) = rest.split_first_chunk::<2>() else {
                return;
            };
            let split = usize::from(u16::from_be_bytes(*split)).min(rest.len());
            let (client, server) = rest.split_at(split);
            // The secrets under whatever client random the bytes put where a ClientHello's is.
            let keylog = match client.get(11..43) {
                Some(random) if with_keys => keylog_for(random, suite),
                _ => KeyLog::new(),
            };
            (client.to_vec(), server.to_vec(), keylog)
        }
        1 => {
            let (client, server) = sealed(rest, suite);
            let keylog = if with_keys {
                keylog_for(&RANDOM, suite)
            } else {
                KeyLog::new()
            };
            (client, server, keylog)
        }
        _ => {
            let keylog = KeyLog::parse(&String::from_utf8_lossy(rest));
            let _ = keylog.to_nss();
            return;
        }
    };
    let packets = Decoder::new(53).decode_all(
        tcp_frames(&client, &server, segment)
            .into_iter()
            .enumerate()
            .map(|(i, f)| (UNIX_EPOCH + Duration::from_millis(i as u64), f)),
    );
    let sessions = wire::tls_sessions(&packets, &keylog);
    assert!(
        sessions.len() <= 1,
        "one TCP connection, at most one session"
    );
    for session in &sessions {
        let _ = session.fully_decrypted();
        let _ = session.handshake_messages();
        let _ = session.alerts();
    }
});

fn hash_of(suite: u16) -> (hkdf::Algorithm, &'static aead::Algorithm, usize) {
    match suite {
        0x1302 => (hkdf::HKDF_SHA384, &aead::AES_256_GCM, 48),
        0x1303 => (hkdf::HKDF_SHA256, &aead::CHACHA20_POLY1305, 32),
        _ => (hkdf::HKDF_SHA256, &aead::AES_128_GCM, 32),
    }
}

/// The fixed secret of one label (its position among the four, repeated).
fn secret(which: u8, suite: u16) -> Vec<u8> {
    vec![0x40 + which; hash_of(suite).2]
}

const LABELS: [&str; 4] = [
    label::CLIENT_HANDSHAKE,
    label::SERVER_HANDSHAKE,
    label::CLIENT_TRAFFIC_0,
    label::SERVER_TRAFFIC_0,
];

fn keylog_for(random: &[u8], suite: u16) -> KeyLog {
    let mut keylog = KeyLog::new();
    for (i, label) in LABELS.iter().enumerate() {
        keylog.add(label, random, &secret(i as u8, suite));
    }
    keylog
}

struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// RFC 8446 §7.1 HKDF-Expand-Label with an empty context.
fn expand(hash: hkdf::Algorithm, secret: &[u8], label: &[u8], len: usize) -> Vec<u8> {
    let mut info = (len as u16).to_be_bytes().to_vec();
    info.push((6 + label.len()) as u8);
    info.extend_from_slice(b"tls13 ");
    info.extend_from_slice(label);
    info.push(0);
    let info = [info.as_slice()];
    let prk = hkdf::Prk::new_less_safe(hash, secret);
    let okm = prk.expand(&info, Len(len)).unwrap();
    let mut out = vec![0; len];
    okm.fill(&mut out).unwrap();
    out
}

/// A sender's keys under one secret, with its sequence number.
struct Sealer {
    key: aead::LessSafeKey,
    iv: Vec<u8>,
    seq: u64,
}

impl Sealer {
    fn new(suite: u16, secret: &[u8]) -> Sealer {
        let (hash, alg, _) = hash_of(suite);
        let key = expand(hash, secret, b"key", alg.key_len());
        Sealer {
            key: aead::LessSafeKey::new(aead::UnboundKey::new(alg, &key).unwrap()),
            iv: expand(hash, secret, b"iv", aead::NONCE_LEN),
            seq: 0,
        }
    }

    fn seal(&mut self, inner_type: u8, content: &[u8], padding: usize) -> Vec<u8> {
        let mut body = content.to_vec();
        body.push(inner_type);
        body.resize(body.len() + padding, 0);
        let len = body.len() + self.key.algorithm().tag_len();
        let header = [23, 3, 3, (len >> 8) as u8, len as u8];
        let mut nonce = [0u8; aead::NONCE_LEN];
        nonce.copy_from_slice(&self.iv);
        for (n, s) in nonce[4..].iter_mut().zip(self.seq.to_be_bytes()) {
            *n ^= s;
        }
        self.seq += 1;
        self.key
            .seal_in_place_append_tag(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(header),
                &mut body,
            )
            .unwrap();
        let mut out = header.to_vec();
        out.extend(body);
        out
    }
}

/// The client's and the server's streams: the hellos in the clear, then the items.
fn sealed(mut items: &[u8], suite: u16) -> (Vec<u8>, Vec<u8>) {
    let mut streams = [
        record(22, &client_hello()),
        record(22, &server_hello(suite)),
    ];
    let (hash, _, hash_len) = hash_of(suite);
    // [side][keys]: handshake, then application generations 0..=2.
    let mut sealers: [[Option<Sealer>; 4]; 2] = Default::default();
    while let Some((&[control, inner_type, hi, lo], rest)) = items.split_first_chunk::<4>() {
        let len = usize::from(u16::from_be_bytes([hi, lo]))
            .min(1 << 14)
            .min(rest.len());
        let (content, rest) = rest.split_at(len);
        items = rest;
        let side = usize::from(control & 1);
        let keys = usize::from((control >> 1) & 0b11);
        if control & 0b1000 != 0 {
            streams[side].extend(record(inner_type, content));
            continue;
        }
        let sealer = sealers[side][keys].get_or_insert_with(|| {
            // Labels in LABELS order: client then server, handshake then traffic.
            let base = if keys == 0 { side } else { 2 + side };
            let mut secret = secret(base as u8, suite);
            for _ in 1..keys.max(1) {
                secret = expand(hash, &secret, b"traffic upd", hash_len);
            }
            Sealer::new(suite, &secret)
        });
        let padding = usize::from(control >> 4);
        streams[side].extend(sealer.seal(inner_type, content, padding));
    }
    let [client, server] = streams;
    (client, server)
}

fn tcp_frame(
    from: ([u8; 4], u16),
    to: ([u8; 4], u16),
    seq: u32,
    ack: u32,
    syn: bool,
    data: &[u8],
) -> Vec<u8> {
    let b = PacketBuilder::ethernet2([0; 6], [0; 6])
        .ipv4(from.0, to.0, 64)
        .tcp(from.1, to.1, seq, 65000);
    let b = if syn && ack == 0 {
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

/// A TCP connection: the handshake, then both streams in `segment`-byte pieces, alternating.
fn tcp_frames(client: &[u8], server: &[u8], segment: usize) -> Vec<Vec<u8>> {
    let (mut cseq, mut sseq) = (101u32, 901u32);
    let mut frames = vec![
        tcp_frame(CLIENT, SERVER, 100, 0, true, b""),
        tcp_frame(SERVER, CLIENT, 900, 101, true, b""),
    ];
    let mut c = client.chunks(segment);
    let mut s = server.chunks(segment);
    loop {
        let (next_c, next_s) = (c.next(), s.next());
        if next_c.is_none() && next_s.is_none() {
            break;
        }
        if let Some(piece) = next_c {
            frames.push(tcp_frame(CLIENT, SERVER, cseq, sseq, false, piece));
            cseq = cseq.wrapping_add(piece.len() as u32);
        }
        if let Some(piece) = next_s {
            frames.push(tcp_frame(SERVER, CLIENT, sseq, cseq, false, piece));
            sseq = sseq.wrapping_add(piece.len() as u32);
        }
    }
    frames
}
