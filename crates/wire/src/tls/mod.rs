//! TLS from the packets: the records of a captured TCP connection, the handshake in the clear,
//! and — with the secrets of an NSS key log — the TLS 1.3 records decrypted, the encrypted
//! handshake read (EncryptedExtensions, Certificate, CertificateVerify, Finished), alerts, and
//! the application data as HTTP/2 frames or HTTP/1.1 lines. Nothing is shown that was not
//! captured: a record that cannot be decrypted says why ([`Undecryptable`]).
//!
//! # Where bytes enter
//!
//! [`tls_sessions`] takes the packets of a capture (and a [`KeyLog`]); for each connection of
//! [`crate::connections`], [`tls_session`] asks [`crate::streams::byte_streams`] for each
//! direction's bytes in sequence order, and when the client's first bytes are a TLS handshake
//! record:
//!
//! 1. each stream is cut into records (RFC 8446 §5.1: type, version, 16-bit length), up to the
//!    first gap or the first bytes that are not a record;
//! 2. the ClientHello gives the client random, which finds the connection's secrets in the key
//!    log; the server's records are read first, because its ServerHello names the version and
//!    cipher suite both directions need;
//! 3. each direction then goes through its records in order ([`Direction`]): plaintext
//!    handshake messages are reassembled across records and parsed ([`handshake`]); protected
//!    records are opened with the direction's current keys ([`crypto`]): its handshake traffic
//!    secret until its own Finished, then its `*_TRAFFIC_SECRET_0` (and the next generation
//!    after a KeyUpdate), each with a sequence number from 0;
//! 4. decrypted application data goes to HTTP/2 ([`http2`], HPACK in [`hpack`]) when ALPN chose
//!    `h2` (or the client sent the preface), else to HTTP/1.1 request and status lines;
//! 5. the handshake's time and round trips are read off the records ([`HandshakeTiming`]).
//!
//! TLS 1.2 records are parsed in the clear; after ChangeCipherSpec they are reported as
//! undecryptable ([`Undecryptable::Tls12`]), saying whether the key log had the connection's
//! `CLIENT_RANDOM` line: this crate does not decrypt TLS 1.2.

#[cfg(any(test, feature = "testing"))]
#[doc(hidden)]
pub mod build;
mod cert;
mod crypto;
mod handshake;
mod hpack;
mod http2;
mod keylog;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use serde::Serialize;

pub use cert::CertificateSummary;
pub use handshake::{
    CipherSuite, ClientHello, HandshakeMessage, NamedGroup, ServerHello, SignatureScheme,
    TlsVersion,
};
pub use hpack::HpackError;
pub use http2::{Http2Payload, PREFACE, Setting};
pub use keylog::{KeyLog, KeyLogEntry, label, write_keylog};

use crate::connections::{TcpConnection, connections};
use crate::decode::Packet;
use crate::streams::{ByteStream, Gap, byte_streams};
use crypto::{OpenError, RecordKeys};

/// RFC 8446 §5.1 ContentType values.
mod content {
    pub const CHANGE_CIPHER_SPEC: u8 = 20;
    pub const ALERT: u8 = 21;
    pub const HANDSHAKE: u8 = 22;
    pub const APPLICATION_DATA: u8 = 23;
    pub const HEARTBEAT: u8 = 24;
}

/// RFC 8446 §5.2: a TLSCiphertext may be 2^14 + 256 bytes.
const MAX_RECORD: usize = (1 << 14) + 256;

/// Which side sent a record or frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The side that opened the connection.
    Client,
    /// The other.
    Server,
}

/// The keys a protected record was opened with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "keys", rename_all = "snake_case")]
pub enum KeyEpoch {
    /// The sender's handshake traffic secret.
    Handshake,
    /// The sender's application traffic secret N (0 until a KeyUpdate).
    Application {
        /// N.
        generation: u32,
    },
}

/// Why a protected record was not decrypted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Undecryptable {
    /// The key log has no line with this label for the connection's client random.
    NoSecret {
        /// The label looked for, such as `SERVER_HANDSHAKE_TRAFFIC_SECRET`.
        label: String,
    },
    /// The authentication tag did not verify with the logged secret.
    BadTag {
        /// The label of the secret tried.
        label: String,
    },
    /// The plaintext had no content type (all zeros).
    NoContentType,
    /// No ClientHello or ServerHello was captured, so no key could be chosen.
    NoHello,
    /// A TLS 1.3 cipher suite this crate cannot open.
    CipherSuite {
        /// The suite.
        suite: CipherSuite,
    },
    /// A TLS 1.2 (or older) record after ChangeCipherSpec: not decrypted by this crate.
    Tls12 {
        /// Whether the key log had a `CLIENT_RANDOM` line for the connection.
        client_random_logged: bool,
    },
}

/// How a record was protected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "protection", rename_all = "snake_case")]
pub enum Protection {
    /// Sent in the clear.
    Plaintext,
    /// Opened with the logged secrets.
    Decrypted {
        /// Which keys.
        epoch: KeyEpoch,
        /// The record's sequence number under those keys.
        seq: u64,
    },
    /// Protected, and not opened.
    Undecryptable(Undecryptable),
}

/// An alert (RFC 8446 §6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// 1 warning, 2 fatal (TLS 1.3 treats all but close_notify and user_canceled as fatal).
    pub level: u8,
    /// The AlertDescription value.
    pub description: u8,
    /// Its name: `close_notify`, `bad_certificate` ...
    pub name: &'static str,
}

fn alert_name(description: u8) -> &'static str {
    match description {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        22 => "record_overflow",
        40 => "handshake_failure",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        113 => "bad_certificate_status_response",
        115 => "unknown_psk_identity",
        116 => "certificate_required",
        120 => "no_application_protocol",
        _ => "unknown alert",
    }
}

/// What a record carried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "content", rename_all = "snake_case")]
pub enum RecordContent {
    /// Handshake messages that end in this record (one may have started in an earlier one).
    Handshake {
        /// The messages.
        messages: Vec<HandshakeMessage>,
    },
    /// ChangeCipherSpec: in TLS 1.3 only for middlebox compatibility (RFC 8446 §D.4).
    ChangeCipherSpec,
    /// An alert.
    Alert(Alert),
    /// Application data: its meaning is in [`TlsSession::http2`] or [`TlsSession::http1`].
    ApplicationData {
        /// Plaintext bytes.
        len: usize,
    },
    /// A body that was not decrypted, or a content that does not parse.
    Opaque {
        /// Bytes.
        len: usize,
    },
}

/// One TLS record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsRecord {
    /// Its sender.
    pub from: Side,
    /// The packet that carried its last byte (index into the packet slice).
    pub index: usize,
    /// When that packet was captured.
    pub at: SystemTime,
    /// Offset of the record's first byte in its direction's stream.
    pub offset: u64,
    /// The outer content type (23 for every protected TLS 1.3 record).
    pub outer_type: u8,
    /// The inner content type once decrypted, else the outer one.
    pub content_type: u8,
    /// `legacy_record_version`.
    pub version: TlsVersion,
    /// Length of the record's body as sent.
    pub len: usize,
    /// Plaintext, decrypted, or why not.
    pub protection: Protection,
    /// What it carried.
    pub content: RecordContent,
}

/// One HTTP/2 frame, read from decrypted application data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Http2Frame {
    /// Its sender.
    pub from: Side,
    /// Position in [`TlsSession::records`] of the record holding its last byte.
    pub record: usize,
    /// The packet that carried that record's last byte.
    pub index: usize,
    /// When that packet was captured.
    pub at: SystemTime,
    /// The stream identifier (0: the connection).
    pub stream: u32,
    /// The flags byte.
    pub flags: u8,
    /// The frame.
    pub payload: Http2Payload,
}

/// An HTTP/1.1 request or status line at the start of a decrypted application-data record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpLine {
    /// Its sender.
    pub from: Side,
    /// Position in [`TlsSession::records`].
    pub record: usize,
    /// When the record's last byte was captured.
    pub at: SystemTime,
    /// `GET / HTTP/1.1`, `HTTP/1.1 200 OK`.
    pub line: String,
}

/// The handshake's cost as the packets show it, curl's `time_appconnect` minus its
/// `time_connect`: from the ClientHello to the moment the client may send application data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandshakeTiming {
    /// When the ClientHello's record was captured.
    pub client_hello_at: SystemTime,
    /// When the handshake ended for the client (see `ended_by`).
    pub done_at: SystemTime,
    /// `done_at - client_hello_at`.
    pub duration: Duration,
    /// Server flights answered before that: 1 for a full TLS 1.3 handshake, 2 with a
    /// HelloRetryRequest or in TLS 1.2.
    pub round_trips: u32,
    /// What marks the end: `client Finished` (TLS 1.3, decrypted), `client's first protected
    /// record` (TLS 1.3 without secrets: RFC 8446 §4.4.4 puts the Finished there), or
    /// `server Finished` (TLS 1.2: the first server record after its ChangeCipherSpec).
    pub ended_by: &'static str,
}

/// One TLS connection, from the packets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsSession {
    /// The client's address.
    pub client: SocketAddr,
    /// The server's address.
    pub server: SocketAddr,
    /// The (last) ClientHello.
    pub client_hello: Option<ClientHello>,
    /// The ServerHello (not a HelloRetryRequest).
    pub server_hello: Option<ServerHello>,
    /// Whether the server asked for a second ClientHello.
    pub hello_retry_request: bool,
    /// The version chosen.
    pub version: Option<TlsVersion>,
    /// The application protocol chosen (EncryptedExtensions in TLS 1.3, ServerHello in 1.2).
    pub alpn: Option<String>,
    /// The server's certificate chain, leaf first, if its Certificate message was read.
    pub certificates: Vec<CertificateSummary>,
    /// Every record of both directions, in capture order.
    pub records: Vec<TlsRecord>,
    /// HTTP/2 frames of both directions, in capture order.
    pub http2: Vec<Http2Frame>,
    /// HTTP/1.1 lines, when the application protocol was not HTTP/2.
    pub http1: Vec<HttpLine>,
    /// The handshake's time and round trips.
    pub handshake: Option<HandshakeTiming>,
    /// Bytes the capture missed, per direction.
    pub gaps: Vec<(Side, Gap)>,
    /// Where a stream stopped being TLS records, and the like.
    pub notes: Vec<String>,
}

impl TlsSession {
    /// Whether every protected record was decrypted.
    pub fn fully_decrypted(&self) -> bool {
        self.records
            .iter()
            .all(|r| !matches!(r.protection, Protection::Undecryptable(_)))
    }

    /// Every handshake message with its sender and record position, in capture order.
    pub fn handshake_messages(&self) -> Vec<(Side, usize, &HandshakeMessage)> {
        let mut out = Vec::new();
        for (i, record) in self.records.iter().enumerate() {
            if let RecordContent::Handshake { messages } = &record.content {
                out.extend(messages.iter().map(|m| (record.from, i, m)));
            }
        }
        out
    }

    /// Every alert with its sender and record position.
    pub fn alerts(&self) -> Vec<(Side, usize, &Alert)> {
        self.records
            .iter()
            .enumerate()
            .filter_map(|(i, r)| match &r.content {
                RecordContent::Alert(alert) => Some((r.from, i, alert)),
                _ => None,
            })
            .collect()
    }
}

/// Every TLS session among the TCP connections of `packets`, decrypted with `keylog` where it
/// has the secrets.
pub fn tls_sessions(packets: &[Packet], keylog: &KeyLog) -> Vec<TlsSession> {
    connections(packets)
        .iter()
        .filter_map(|c| tls_session(c, packets, keylog))
        .collect()
}

/// The TLS session of `connection`, if the client's first bytes are a TLS handshake record.
pub fn tls_session(
    connection: &TcpConnection,
    packets: &[Packet],
    keylog: &KeyLog,
) -> Option<TlsSession> {
    let (client_stream, server_stream) = byte_streams(connection, packets);
    let mut notes = Vec::new();
    let client_records = split_records(&client_stream, Side::Client, &mut notes);
    if client_records
        .first()
        .is_none_or(|r| r.outer_type != content::HANDSHAKE)
    {
        return None;
    }
    let server_records = split_records(&server_stream, Side::Server, &mut notes);
    let client_random = first_client_hello(&client_records).map(|hello| hello.random);

    // The server's records first: its ServerHello decides both directions' keys.
    let mut server = Direction::new(Side::Server, client_random, None, keylog);
    let server_out: Vec<_> = server_records.iter().map(|r| server.record(r)).collect();
    let mut client = Direction::new(Side::Client, client_random, server.hello.clone(), keylog);
    let client_out: Vec<_> = client_records.iter().map(|r| client.record(r)).collect();

    let mut all: Vec<(TlsRecord, Option<Vec<u8>>)> =
        client_out.into_iter().chain(server_out).collect();
    all.sort_by_key(|(r, _)| (r.index, r.from == Side::Server, r.offset));

    let server_hello = server.hello.clone();
    let mut session = TlsSession {
        client: connection.client,
        server: connection.server,
        client_hello: client.client_hello.clone(),
        version: server_hello.as_ref().map(ServerHello::version),
        hello_retry_request: server.hello_retry_request,
        alpn: server
            .alpn
            .clone()
            .or_else(|| server_hello.as_ref().and_then(|h| h.alpn.clone())),
        server_hello,
        certificates: server.certificates.clone(),
        records: Vec::new(),
        http2: Vec::new(),
        http1: Vec::new(),
        handshake: None,
        gaps: client_stream
            .gaps
            .iter()
            .map(|g| (Side::Client, *g))
            .chain(server_stream.gaps.iter().map(|g| (Side::Server, *g)))
            .collect(),
        notes,
    };
    let mut application: Vec<(usize, Vec<u8>)> = Vec::new();
    for (position, (record, data)) in all.into_iter().enumerate() {
        session.records.push(record);
        if let Some(data) = data {
            application.push((position, data));
        }
    }
    read_application_data(&mut session, application);
    session.handshake = handshake_timing(&session.records);
    Some(session)
}

/// A record as cut from a stream, before it is read.
#[derive(Debug)]
struct RawRecord<'a> {
    from: Side,
    offset: u64,
    header: &'a [u8],
    body: &'a [u8],
    outer_type: u8,
    version: TlsVersion,
    index: usize,
    at: SystemTime,
}

fn split_records<'a>(
    stream: &'a ByteStream,
    from: Side,
    notes: &mut Vec<String>,
) -> Vec<RawRecord<'a>> {
    let who = match from {
        Side::Client => "client",
        Side::Server => "server",
    };
    let mut records = Vec::new();
    let bytes = stream.bytes.as_slice();
    let mut at = 0usize;
    while at < bytes.len() {
        let Some(header) = bytes.get(at..at + 5) else {
            notes.push(format!(
                "{who}: the capture ends inside a record header at byte {at}"
            ));
            break;
        };
        let outer_type = header[0];
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        if !(content::CHANGE_CIPHER_SPEC..=content::HEARTBEAT).contains(&outer_type)
            || header[1] != 3
            || len > MAX_RECORD
        {
            notes.push(format!("{who}: the bytes at {at} are not a TLS record"));
            break;
        }
        let Some(body) = bytes.get(at + 5..at + 5 + len) else {
            notes.push(format!(
                "{who}: the capture ends inside the record at byte {at}"
            ));
            break;
        };
        let last = (at + 5 + len - 1) as u64;
        let Some(chunk) = stream.chunk_at(last) else {
            break;
        };
        records.push(RawRecord {
            from,
            offset: at as u64,
            header,
            body,
            outer_type,
            version: TlsVersion(u16::from_be_bytes([header[1], header[2]])),
            index: chunk.index,
            at: chunk.at,
        });
        at += 5 + len;
    }
    if !stream.gaps.is_empty() {
        notes.push(format!(
            "{who}: {} bytes after the first gap at byte {} are not read",
            stream.after_gap, stream.gaps[0].offset
        ));
    }
    records
}

/// The first ClientHello, from the leading plaintext handshake records.
fn first_client_hello(records: &[RawRecord<'_>]) -> Option<ClientHello> {
    let mut buffer = Vec::new();
    for record in records
        .iter()
        .take_while(|r| r.outer_type == content::HANDSHAKE)
    {
        buffer.extend_from_slice(record.body);
        let mut r = handshake::Reader(&buffer);
        let (Some(1), Some(len)) = (r.u8(), r.u24()) else {
            return None;
        };
        if let Some(body) = r.take(len) {
            return match handshake::parse_message(1, body, false) {
                HandshakeMessage::ClientHello(hello) => Some(hello),
                _ => None,
            };
        }
    }
    None
}

/// One direction's reading state.
struct Direction<'k> {
    side: Side,
    client_random: Option<[u8; 32]>,
    keylog: &'k KeyLog,
    /// The ServerHello that fixes the version and suite (the server's own, once read).
    hello: Option<ServerHello>,
    hello_retry_request: bool,
    client_hello: Option<ClientHello>,
    /// Handshake bytes not yet a whole message.
    handshake: Vec<u8>,
    epoch: KeyEpoch,
    /// The current keys, or why there are none; `None` before the first protected record.
    keys: Option<Result<RecordKeys, Undecryptable>>,
    /// TLS 1.2: this side sent ChangeCipherSpec, so its records are protected.
    changed_cipher: bool,
    alpn: Option<String>,
    certificates: Vec<CertificateSummary>,
}

impl<'k> Direction<'k> {
    fn new(
        side: Side,
        client_random: Option<[u8; 32]>,
        hello: Option<ServerHello>,
        keylog: &'k KeyLog,
    ) -> Direction<'k> {
        Direction {
            side,
            client_random,
            keylog,
            hello,
            hello_retry_request: false,
            client_hello: None,
            handshake: Vec::new(),
            epoch: KeyEpoch::Handshake,
            keys: None,
            changed_cipher: false,
            alpn: None,
            certificates: Vec::new(),
        }
    }

    fn tls13(&self) -> bool {
        self.hello
            .as_ref()
            .is_some_and(|h| h.version() == TlsVersion(0x0304))
    }

    fn label(&self, epoch: KeyEpoch) -> &'static str {
        match (self.side, epoch) {
            (Side::Client, KeyEpoch::Handshake) => label::CLIENT_HANDSHAKE,
            (Side::Server, KeyEpoch::Handshake) => label::SERVER_HANDSHAKE,
            (Side::Client, KeyEpoch::Application { .. }) => label::CLIENT_TRAFFIC_0,
            (Side::Server, KeyEpoch::Application { .. }) => label::SERVER_TRAFFIC_0,
        }
    }

    /// The keys for `epoch` (generation 0) from the key log.
    fn keys_for(&self, epoch: KeyEpoch) -> Result<RecordKeys, Undecryptable> {
        let hello = self.hello.as_ref().ok_or(Undecryptable::NoHello)?;
        let random = self.client_random.ok_or(Undecryptable::NoHello)?;
        let label = self.label(epoch);
        let secret = self
            .keylog
            .secret(label, &random)
            .ok_or_else(|| Undecryptable::NoSecret {
                label: label.to_owned(),
            })?;
        RecordKeys::new(hello.cipher_suite, secret).ok_or(Undecryptable::CipherSuite {
            suite: hello.cipher_suite,
        })
    }

    /// Reads one record; gives it, and its plaintext if it is application data.
    fn record(&mut self, raw: &RawRecord<'_>) -> (TlsRecord, Option<Vec<u8>>) {
        let mut record = TlsRecord {
            from: raw.from,
            index: raw.index,
            at: raw.at,
            offset: raw.offset,
            outer_type: raw.outer_type,
            content_type: raw.outer_type,
            version: raw.version,
            len: raw.body.len(),
            protection: Protection::Plaintext,
            content: RecordContent::Opaque {
                len: raw.body.len(),
            },
        };
        let protected = match raw.outer_type {
            content::CHANGE_CIPHER_SPEC => {
                if !self.tls13() {
                    self.changed_cipher = true;
                }
                record.content = RecordContent::ChangeCipherSpec;
                return (record, None);
            }
            content::APPLICATION_DATA => self.tls13() || self.changed_cipher,
            _ => self.changed_cipher,
        };
        if protected && !self.tls13() {
            let client_random_logged = self
                .client_random
                .is_some_and(|r| self.keylog.secret(label::CLIENT_RANDOM, &r).is_some());
            record.protection = if self.hello.is_none() {
                Protection::Undecryptable(Undecryptable::NoHello)
            } else {
                Protection::Undecryptable(Undecryptable::Tls12 {
                    client_random_logged,
                })
            };
            return (record, None);
        }
        if !protected && raw.outer_type == content::APPLICATION_DATA {
            // Application data before any hello fixed a version: early data or not TLS 1.3.
            record.protection = Protection::Undecryptable(Undecryptable::NoHello);
            return (record, None);
        }
        let (content_type, plaintext) = if protected {
            match self.open(raw) {
                Ok((epoch, seq, content_type, plaintext)) => {
                    record.protection = Protection::Decrypted { epoch, seq };
                    record.content_type = content_type;
                    (content_type, plaintext)
                }
                Err(why) => {
                    record.protection = Protection::Undecryptable(why);
                    return (record, None);
                }
            }
        } else {
            (raw.outer_type, raw.body.to_vec())
        };
        match content_type {
            content::HANDSHAKE => {
                record.content = RecordContent::Handshake {
                    messages: self.handshake_messages(&plaintext),
                };
                (record, None)
            }
            content::ALERT => {
                record.content = match plaintext.as_slice() {
                    [level, description] => RecordContent::Alert(Alert {
                        level: *level,
                        description: *description,
                        name: alert_name(*description),
                    }),
                    _ => RecordContent::Opaque {
                        len: plaintext.len(),
                    },
                };
                (record, None)
            }
            content::APPLICATION_DATA => {
                record.content = RecordContent::ApplicationData {
                    len: plaintext.len(),
                };
                (record, Some(plaintext))
            }
            _ => {
                record.content = RecordContent::Opaque {
                    len: plaintext.len(),
                };
                (record, None)
            }
        }
    }

    /// Opens a protected TLS 1.3 record with the current keys. Should the handshake keys fail
    /// where the Finished that ends them was not read, the application keys are tried: a tag
    /// that verifies proves the keys right.
    fn open(&mut self, raw: &RawRecord<'_>) -> Result<(KeyEpoch, u64, u8, Vec<u8>), Undecryptable> {
        if self.keys.is_none() {
            self.keys = Some(self.keys_for(self.epoch));
        }
        let label = self.label(self.epoch).to_owned();
        let result = match self.keys.as_mut() {
            Some(Ok(keys)) => {
                let seq = keys.seq;
                keys.open(raw.header, raw.body).map(|(t, p)| (seq, t, p))
            }
            Some(Err(why)) => return Err(why.clone()),
            None => return Err(Undecryptable::NoHello),
        };
        match result {
            // Key changes follow the handshake messages the caller parses.
            Ok((seq, content_type, plaintext)) => Ok((self.epoch, seq, content_type, plaintext)),
            Err(OpenError::NoContentType) => Err(Undecryptable::NoContentType),
            Err(OpenError::BadTag) if self.epoch == KeyEpoch::Handshake => {
                let application = KeyEpoch::Application { generation: 0 };
                if let Ok(mut keys) = self.keys_for(application)
                    && let Ok((content_type, plaintext)) = keys.open(raw.header, raw.body)
                {
                    self.epoch = application;
                    self.keys = Some(Ok(keys));
                    return Ok((application, 0, content_type, plaintext));
                }
                Err(Undecryptable::BadTag { label })
            }
            Err(OpenError::BadTag) => Err(Undecryptable::BadTag { label }),
        }
    }

    /// Adds handshake bytes and parses the messages they complete, acting on those that
    /// change the state: the hellos, the server's ALPN and certificates, and the Finished and
    /// KeyUpdate that change this side's keys.
    fn handshake_messages(&mut self, bytes: &[u8]) -> Vec<HandshakeMessage> {
        self.handshake.extend_from_slice(bytes);
        let mut messages = Vec::new();
        loop {
            let mut r = handshake::Reader(&self.handshake);
            let (Some(msg_type), Some(len)) = (r.u8(), r.u24()) else {
                break;
            };
            let Some(body) = r.take(len) else {
                break;
            };
            let message = handshake::parse_message(msg_type, body, self.tls13());
            self.handshake.drain(..4 + len);
            match &message {
                HandshakeMessage::ClientHello(hello) if self.side == Side::Client => {
                    self.client_hello = Some(hello.clone());
                }
                HandshakeMessage::ServerHello(hello) if self.side == Side::Server => {
                    self.hello = Some(hello.clone());
                }
                HandshakeMessage::HelloRetryRequest(_) => self.hello_retry_request = true,
                HandshakeMessage::EncryptedExtensions { alpn, .. } => self.alpn = alpn.clone(),
                HandshakeMessage::Certificate { chain } if self.side == Side::Server => {
                    self.certificates = chain.clone();
                }
                // RFC 8446 §7.1: after its Finished, a side sends with its application
                // traffic secret.
                HandshakeMessage::Finished { .. }
                    if self.tls13() && self.epoch == KeyEpoch::Handshake && self.keys.is_some() =>
                {
                    self.epoch = KeyEpoch::Application { generation: 0 };
                    self.keys = Some(self.keys_for(self.epoch));
                }
                HandshakeMessage::KeyUpdate { .. } => {
                    if let KeyEpoch::Application { generation } = self.epoch {
                        self.epoch = KeyEpoch::Application {
                            generation: generation + 1,
                        };
                        self.keys = match self.keys.take() {
                            Some(Ok(keys)) => {
                                Some(keys.next_generation().ok_or(Undecryptable::NoSecret {
                                    label: "traffic upd".to_owned(),
                                }))
                            }
                            other => other,
                        };
                    }
                }
                _ => {}
            }
            messages.push(message);
        }
        messages
    }
}

/// HTTP/2 frames (ALPN `h2`, or a client that starts with the preface) or HTTP/1.1 lines from
/// the decrypted application data, `(record position, plaintext)` in capture order.
fn read_application_data(session: &mut TlsSession, application: Vec<(usize, Vec<u8>)>) {
    let client_starts_with_preface = application
        .iter()
        .find(|(p, _)| session.records[*p].from == Side::Client)
        .is_some_and(|(_, data)| data.starts_with(&PREFACE[..data.len().min(PREFACE.len())]));
    let h2 = match session.alpn.as_deref() {
        Some("h2") => true,
        Some(_) => false,
        None => client_starts_with_preface,
    };
    if !h2 {
        for (position, data) in application {
            let record = &session.records[position];
            if let Some(line) = crate::decode::http_line(&data) {
                session.http1.push(HttpLine {
                    from: record.from,
                    record: position,
                    at: record.at,
                    line,
                });
            }
        }
        return;
    }
    let mut readers = [
        http2::Http2Reader::new(true),
        http2::Http2Reader::new(false),
    ];
    for (position, data) in application {
        let record = &session.records[position];
        let side = record.from;
        let reader = &mut readers[usize::from(side == Side::Server)];
        for frame in reader.push(&data) {
            session.http2.push(Http2Frame {
                from: side,
                record: position,
                index: record.index,
                at: record.at,
                stream: frame.stream,
                flags: frame.flags,
                payload: frame.payload,
            });
        }
    }
}

/// The handshake's time and round trips (see [`HandshakeTiming`]).
fn handshake_timing(records: &[TlsRecord]) -> Option<HandshakeTiming> {
    let is = |r: &TlsRecord, name: &str| matches!(&r.content, RecordContent::Handshake { messages } if messages.iter().any(|m| m.name() == name));
    let start = records
        .iter()
        .position(|r| r.from == Side::Client && is(r, "ClientHello"))?;
    let server_hello = records.iter().position(|r| is(r, "ServerHello"))?;
    let tls13 = records.iter().any(|r| {
        matches!(&r.content, RecordContent::Handshake { messages }
            if messages.iter().any(|m| matches!(m, HandshakeMessage::ServerHello(h) if h.version() == TlsVersion(0x0304))))
    });
    let (end, ended_by) = if tls13 {
        match records
            .iter()
            .position(|r| r.from == Side::Client && is(r, "Finished"))
        {
            Some(end) => (end, "client Finished"),
            None => {
                let first = records.iter().enumerate().position(|(i, r)| {
                    i > server_hello
                        && r.from == Side::Client
                        && r.outer_type == content::APPLICATION_DATA
                })?;
                // A client that answers the server's flight with an alert (a certificate it
                // refuses) never finished the handshake.
                if matches!(records[first].content, RecordContent::Alert(_)) {
                    return None;
                }
                (first, "client's first protected record")
            }
        }
    } else {
        let ccs = records
            .iter()
            .position(|r| r.from == Side::Server && r.content == RecordContent::ChangeCipherSpec)?;
        let end = records
            .iter()
            .enumerate()
            .position(|(i, r)| i > ccs && r.from == Side::Server)?;
        (end, "server Finished")
    };
    if end < start {
        return None;
    }
    let round_trips = records[start..=end]
        .windows(2)
        .filter(|w| w[0].from == Side::Client && w[1].from == Side::Server)
        .count() as u32;
    let (client_hello_at, done_at) = (records[start].at, records[end].at);
    Some(HandshakeTiming {
        client_hello_at,
        done_at,
        duration: done_at.duration_since(client_hello_at).unwrap_or_default(),
        round_trips,
        ended_by,
    })
}
