//! TLS handshake messages (RFC 8446 §4, and RFC 5246 §7.4 for TLS 1.2's), parsed from their
//! bytes: the hellos in full, the encrypted ones as far as the story needs. Bytes enter at
//! [`parse_message`] with one complete message (type, 24-bit length, body), as the handshake
//! reassembler in [`super`] cuts them from records of either kind, plaintext or decrypted.
//! Every read is bounds-checked through [`Reader`]; a message that does not parse is a
//! [`HandshakeMessage::Malformed`], never a panic.

use std::fmt;

use serde::{Serialize, Serializer};

use super::cert::{CertificateSummary, summarize};

/// Reads big-endian fields from a slice; every read fails cleanly at the end.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reader<'a>(pub(crate) &'a [u8]);

impl<'a> Reader<'a> {
    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    pub(crate) fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    pub(crate) fn u16(&mut self) -> Option<u16> {
        let b = self.take(2)?;
        Some(u16::from_be_bytes([b[0], b[1]]))
    }
    pub(crate) fn u24(&mut self) -> Option<usize> {
        let b = self.take(3)?;
        Some(usize::from(b[0]) << 16 | usize::from(b[1]) << 8 | usize::from(b[2]))
    }
    pub(crate) fn u32(&mut self) -> Option<u32> {
        let b = self.take(4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// A vector with a one-byte length.
    pub(crate) fn vec8(&mut self) -> Option<Reader<'a>> {
        let n = self.u8()?;
        Some(Reader(self.take(usize::from(n))?))
    }
    /// A vector with a two-byte length.
    pub(crate) fn vec16(&mut self) -> Option<Reader<'a>> {
        let n = self.u16()?;
        Some(Reader(self.take(usize::from(n))?))
    }
    /// A vector with a three-byte length.
    pub(crate) fn vec24(&mut self) -> Option<Reader<'a>> {
        let n = self.u24()?;
        Some(Reader(self.take(n)?))
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Every u16 until the end.
    fn u16s(mut self) -> Option<Vec<u16>> {
        let mut out = Vec::new();
        while !self.is_empty() {
            out.push(self.u16()?);
        }
        Some(out)
    }
}

macro_rules! named_u16 {
    ($(#[$doc:meta])* $name:ident { $($value:literal => $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(pub u16);

        impl $name {
            /// The IANA name, if this crate knows it.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some($text),)*
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(name) => f.write_str(name),
                    None if self.0 & 0x0f0f == 0x0a0a => write!(f, "GREASE 0x{:04x}", self.0),
                    None => write!(f, "0x{:04x}", self.0),
                }
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
    };
}

named_u16!(
    /// A protocol version: `TLS 1.3` (0x0304), `TLS 1.2` (0x0303) ...
    TlsVersion {
        0x0300 => "SSL 3.0",
        0x0301 => "TLS 1.0",
        0x0302 => "TLS 1.1",
        0x0303 => "TLS 1.2",
        0x0304 => "TLS 1.3",
    }
);

named_u16!(
    /// A cipher suite (IANA TLS Cipher Suites registry), such as `TLS_AES_128_GCM_SHA256`.
    CipherSuite {
        0x1301 => "TLS_AES_128_GCM_SHA256",
        0x1302 => "TLS_AES_256_GCM_SHA384",
        0x1303 => "TLS_CHACHA20_POLY1305_SHA256",
        0x1304 => "TLS_AES_128_CCM_SHA256",
        0x1305 => "TLS_AES_128_CCM_8_SHA256",
        0xc02b => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        0xc02c => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        0xc02f => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        0xc030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        0xcca8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xcca9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0x009e => "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
        0x009f => "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
        0xccaa => "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0x00ff => "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
    }
);

named_u16!(
    /// A key-exchange group (RFC 8446 §4.2.7), such as `x25519`.
    NamedGroup {
        0x0017 => "secp256r1",
        0x0018 => "secp384r1",
        0x0019 => "secp521r1",
        0x001d => "x25519",
        0x001e => "x448",
        0x0100 => "ffdhe2048",
        0x0101 => "ffdhe3072",
        0x0102 => "ffdhe4096",
        0x11ec => "X25519MLKEM768",
        0x6399 => "X25519Kyber768Draft00",
    }
);

named_u16!(
    /// A signature scheme (RFC 8446 §4.2.3), such as `ecdsa_secp256r1_sha256`.
    SignatureScheme {
        0x0401 => "rsa_pkcs1_sha256",
        0x0501 => "rsa_pkcs1_sha384",
        0x0601 => "rsa_pkcs1_sha512",
        0x0403 => "ecdsa_secp256r1_sha256",
        0x0503 => "ecdsa_secp384r1_sha384",
        0x0603 => "ecdsa_secp521r1_sha512",
        0x0804 => "rsa_pss_rsae_sha256",
        0x0805 => "rsa_pss_rsae_sha384",
        0x0806 => "rsa_pss_rsae_sha512",
        0x0807 => "ed25519",
        0x0808 => "ed448",
        0x0809 => "rsa_pss_pss_sha256",
        0x080a => "rsa_pss_pss_sha384",
        0x080b => "rsa_pss_pss_sha512",
        0x0201 => "rsa_pkcs1_sha1",
        0x0203 => "ecdsa_sha1",
    }
);

/// Extension numbers (RFC 8446 §4.2 and the IANA registry) read here.
mod ext {
    pub const SERVER_NAME: u16 = 0;
    pub const SUPPORTED_GROUPS: u16 = 10;
    pub const SIGNATURE_ALGORITHMS: u16 = 13;
    pub const ALPN: u16 = 16;
    pub const SUPPORTED_VERSIONS: u16 = 43;
    pub const KEY_SHARE: u16 = 51;
}

/// RFC 8446 §4.1.3: a ServerHello whose random is SHA-256("HelloRetryRequest") is a
/// HelloRetryRequest.
const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// The ClientHello (RFC 8446 §4.1.2), in the clear in every version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientHello {
    /// `legacy_version`: 0x0303 (TLS 1.2) even when offering TLS 1.3.
    pub legacy_version: TlsVersion,
    /// The client random, 32 bytes: the key a key log's lines are found by.
    #[serde(serialize_with = "hex")]
    pub random: [u8; 32],
    /// The cipher suites offered, in the client's order of preference.
    pub cipher_suites: Vec<CipherSuite>,
    /// The server name (SNI, RFC 6066 §3), the name the client wants a certificate for.
    pub server_name: Option<String>,
    /// The application protocols offered (ALPN, RFC 7301), such as `h2`, `http/1.1`.
    pub alpn: Vec<String>,
    /// The versions offered in `supported_versions` (empty: only `legacy_version`).
    pub supported_versions: Vec<TlsVersion>,
    /// The groups the client sent a key share for (RFC 8446 §4.2.8).
    pub key_share_groups: Vec<NamedGroup>,
    /// The groups the client supports (`supported_groups`).
    pub supported_groups: Vec<NamedGroup>,
    /// The signature schemes the client accepts.
    pub signature_algorithms: Vec<SignatureScheme>,
    /// Every extension type, in order.
    pub extensions: Vec<u16>,
}

/// The ServerHello (RFC 8446 §4.1.3), or a HelloRetryRequest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerHello {
    /// `legacy_version`: 0x0303 in TLS 1.3, the version chosen before it.
    pub legacy_version: TlsVersion,
    /// The server random.
    #[serde(serialize_with = "hex")]
    pub random: [u8; 32],
    /// The cipher suite chosen.
    pub cipher_suite: CipherSuite,
    /// The version chosen in `supported_versions` (TLS 1.3 and later).
    pub selected_version: Option<TlsVersion>,
    /// The group of the server's key share (or, in a HelloRetryRequest, the group asked for).
    pub key_share_group: Option<NamedGroup>,
    /// The application protocol chosen here (TLS 1.2; TLS 1.3 says it in EncryptedExtensions).
    pub alpn: Option<String>,
    /// A HelloRetryRequest: the server asks for another ClientHello.
    pub hello_retry_request: bool,
    /// Every extension type, in order.
    pub extensions: Vec<u16>,
}

impl ServerHello {
    /// The version the handshake goes on with: `supported_versions` if present, else
    /// `legacy_version`.
    pub fn version(&self) -> TlsVersion {
        self.selected_version.unwrap_or(self.legacy_version)
    }
}

fn hex<S: Serializer>(bytes: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&to_hex(bytes))
}

/// Lower-case hex, as key logs write client randoms.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One handshake message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "message", rename_all = "snake_case")]
pub enum HandshakeMessage {
    /// ClientHello (1).
    ClientHello(ClientHello),
    /// ServerHello (2).
    ServerHello(ServerHello),
    /// HelloRetryRequest: a ServerHello with the special random.
    HelloRetryRequest(ServerHello),
    /// NewSessionTicket (4): a ticket for resumption, valid `lifetime` seconds.
    NewSessionTicket {
        /// `ticket_lifetime` in seconds.
        lifetime: u32,
    },
    /// EncryptedExtensions (8), TLS 1.3.
    EncryptedExtensions {
        /// The application protocol the server chose (ALPN).
        alpn: Option<String>,
        /// Every extension type, in order.
        extensions: Vec<u16>,
    },
    /// Certificate (11): the chain, leaf first.
    Certificate {
        /// One summary per certificate.
        chain: Vec<CertificateSummary>,
    },
    /// ServerKeyExchange (12), TLS 1.2.
    ServerKeyExchange {
        /// Body length.
        len: usize,
    },
    /// CertificateRequest (13).
    CertificateRequest {
        /// Body length.
        len: usize,
    },
    /// ServerHelloDone (14), TLS 1.2.
    ServerHelloDone,
    /// CertificateVerify (15): the signature over the transcript.
    CertificateVerify {
        /// The scheme signed with.
        scheme: SignatureScheme,
        /// Signature length.
        signature_len: usize,
    },
    /// ClientKeyExchange (16), TLS 1.2.
    ClientKeyExchange {
        /// Body length.
        len: usize,
    },
    /// Finished (20): the MAC over the transcript, `verify_data`.
    Finished {
        /// `verify_data` length (the hash's length in TLS 1.3).
        verify_data_len: usize,
    },
    /// KeyUpdate (24), TLS 1.3: the sender's next records use the next traffic secret.
    KeyUpdate {
        /// The sender asks the peer to update its keys too.
        update_requested: bool,
    },
    /// Another message type.
    Other {
        /// Its type.
        msg_type: u8,
        /// Body length.
        len: usize,
    },
    /// A message whose body did not parse.
    Malformed {
        /// Its type.
        msg_type: u8,
        /// What was wrong.
        reason: &'static str,
    },
}

impl HandshakeMessage {
    /// The message's name as RFC 8446 spells it: `ClientHello`, `Finished` ...
    pub fn name(&self) -> &'static str {
        match self {
            HandshakeMessage::ClientHello(_) => "ClientHello",
            HandshakeMessage::ServerHello(_) => "ServerHello",
            HandshakeMessage::HelloRetryRequest(_) => "HelloRetryRequest",
            HandshakeMessage::NewSessionTicket { .. } => "NewSessionTicket",
            HandshakeMessage::EncryptedExtensions { .. } => "EncryptedExtensions",
            HandshakeMessage::Certificate { .. } => "Certificate",
            HandshakeMessage::ServerKeyExchange { .. } => "ServerKeyExchange",
            HandshakeMessage::CertificateRequest { .. } => "CertificateRequest",
            HandshakeMessage::ServerHelloDone => "ServerHelloDone",
            HandshakeMessage::CertificateVerify { .. } => "CertificateVerify",
            HandshakeMessage::ClientKeyExchange { .. } => "ClientKeyExchange",
            HandshakeMessage::Finished { .. } => "Finished",
            HandshakeMessage::KeyUpdate { .. } => "KeyUpdate",
            HandshakeMessage::Other { .. } => "handshake message",
            HandshakeMessage::Malformed { .. } => "malformed handshake message",
        }
    }
}

/// Parses one message body of type `msg_type`; `tls13` selects the TLS 1.3 layouts of
/// Certificate and CertificateRequest.
pub(crate) fn parse_message(msg_type: u8, body: &[u8], tls13: bool) -> HandshakeMessage {
    let malformed = |reason| HandshakeMessage::Malformed { msg_type, reason };
    match msg_type {
        1 => client_hello(body).map_or(malformed("ClientHello"), HandshakeMessage::ClientHello),
        2 => match server_hello(body) {
            Some(hello) if hello.hello_retry_request => HandshakeMessage::HelloRetryRequest(hello),
            Some(hello) => HandshakeMessage::ServerHello(hello),
            None => malformed("ServerHello"),
        },
        4 => Reader(body)
            .u32()
            .map_or(malformed("NewSessionTicket"), |lifetime| {
                HandshakeMessage::NewSessionTicket { lifetime }
            }),
        8 => encrypted_extensions(body).unwrap_or(malformed("EncryptedExtensions")),
        11 => certificate(body, tls13).unwrap_or(malformed("Certificate")),
        12 => HandshakeMessage::ServerKeyExchange { len: body.len() },
        13 => HandshakeMessage::CertificateRequest { len: body.len() },
        14 => HandshakeMessage::ServerHelloDone,
        15 => {
            let mut r = Reader(body);
            match (r.u16(), r.vec16()) {
                (Some(scheme), Some(signature)) if r.is_empty() => {
                    HandshakeMessage::CertificateVerify {
                        scheme: SignatureScheme(scheme),
                        signature_len: signature.0.len(),
                    }
                }
                _ => malformed("CertificateVerify"),
            }
        }
        16 => HandshakeMessage::ClientKeyExchange { len: body.len() },
        20 => HandshakeMessage::Finished {
            verify_data_len: body.len(),
        },
        24 => match body {
            [0] => HandshakeMessage::KeyUpdate {
                update_requested: false,
            },
            [1] => HandshakeMessage::KeyUpdate {
                update_requested: true,
            },
            _ => malformed("KeyUpdate"),
        },
        _ => HandshakeMessage::Other {
            msg_type,
            len: body.len(),
        },
    }
}

/// Each extension of a list as (type, body).
fn extensions(mut list: Reader<'_>) -> Option<Vec<(u16, Reader<'_>)>> {
    let mut out = Vec::new();
    while !list.is_empty() {
        let kind = list.u16()?;
        out.push((kind, list.vec16()?));
    }
    Some(out)
}

/// ALPN's ProtocolNameList (RFC 7301 §3.1).
fn protocol_names(mut body: Reader<'_>) -> Option<Vec<String>> {
    let mut list = body.vec16()?;
    let mut out = Vec::new();
    while !list.is_empty() {
        out.push(String::from_utf8_lossy(list.vec8()?.0).into_owned());
    }
    Some(out)
}

fn random(r: &mut Reader<'_>) -> Option<[u8; 32]> {
    r.take(32)?.try_into().ok()
}

fn client_hello(body: &[u8]) -> Option<ClientHello> {
    let mut r = Reader(body);
    let legacy_version = TlsVersion(r.u16()?);
    let random = random(&mut r)?;
    r.vec8()?; // legacy_session_id
    let cipher_suites = r.vec16()?.u16s()?.into_iter().map(CipherSuite).collect();
    r.vec8()?; // legacy_compression_methods
    let mut hello = ClientHello {
        legacy_version,
        random,
        cipher_suites,
        server_name: None,
        alpn: Vec::new(),
        supported_versions: Vec::new(),
        key_share_groups: Vec::new(),
        supported_groups: Vec::new(),
        signature_algorithms: Vec::new(),
        extensions: Vec::new(),
    };
    if r.is_empty() {
        return Some(hello); // no extensions at all (before TLS 1.2, allowed)
    }
    for (kind, mut body) in extensions(r.vec16()?)? {
        hello.extensions.push(kind);
        match kind {
            ext::SERVER_NAME => {
                // RFC 6066 §3: a list of (type, name); type 0 is a host name.
                let mut list = body.vec16()?;
                while !list.is_empty() {
                    let name_type = list.u8()?;
                    let name = list.vec16()?;
                    if name_type == 0 {
                        hello.server_name = Some(String::from_utf8_lossy(name.0).into_owned());
                    }
                }
            }
            ext::ALPN => hello.alpn = protocol_names(body)?,
            ext::SUPPORTED_VERSIONS => {
                hello.supported_versions =
                    body.vec8()?.u16s()?.into_iter().map(TlsVersion).collect();
            }
            ext::SUPPORTED_GROUPS => {
                hello.supported_groups =
                    body.vec16()?.u16s()?.into_iter().map(NamedGroup).collect();
            }
            ext::SIGNATURE_ALGORITHMS => {
                hello.signature_algorithms = body
                    .vec16()?
                    .u16s()?
                    .into_iter()
                    .map(SignatureScheme)
                    .collect();
            }
            ext::KEY_SHARE => {
                let mut shares = body.vec16()?;
                while !shares.is_empty() {
                    hello.key_share_groups.push(NamedGroup(shares.u16()?));
                    shares.vec16()?; // key_exchange
                }
            }
            _ => {}
        }
    }
    Some(hello)
}

fn server_hello(body: &[u8]) -> Option<ServerHello> {
    let mut r = Reader(body);
    let legacy_version = TlsVersion(r.u16()?);
    let random = random(&mut r)?;
    r.vec8()?; // legacy_session_id_echo
    let cipher_suite = CipherSuite(r.u16()?);
    r.u8()?; // legacy_compression_method
    let mut hello = ServerHello {
        legacy_version,
        random,
        cipher_suite,
        selected_version: None,
        key_share_group: None,
        alpn: None,
        hello_retry_request: random == HELLO_RETRY_RANDOM,
        extensions: Vec::new(),
    };
    if r.is_empty() {
        return Some(hello);
    }
    for (kind, mut body) in extensions(r.vec16()?)? {
        hello.extensions.push(kind);
        match kind {
            ext::SUPPORTED_VERSIONS => hello.selected_version = Some(TlsVersion(body.u16()?)),
            // A ServerHello's KeyShareEntry, or a HelloRetryRequest's selected_group: the group
            // comes first in both.
            ext::KEY_SHARE => hello.key_share_group = Some(NamedGroup(body.u16()?)),
            ext::ALPN => hello.alpn = protocol_names(body)?.into_iter().next(),
            _ => {}
        }
    }
    Some(hello)
}

fn encrypted_extensions(body: &[u8]) -> Option<HandshakeMessage> {
    let mut r = Reader(body);
    let mut alpn = None;
    let mut kinds = Vec::new();
    for (kind, body) in extensions(r.vec16()?)? {
        kinds.push(kind);
        if kind == ext::ALPN {
            alpn = protocol_names(body)?.into_iter().next();
        }
    }
    Some(HandshakeMessage::EncryptedExtensions {
        alpn,
        extensions: kinds,
    })
}

/// RFC 8446 §4.4.2 (TLS 1.3: a request context, then entries of certificate and
/// extensions) or RFC 5246 §7.4.2 (TLS 1.2: certificates only).
fn certificate(body: &[u8], tls13: bool) -> Option<HandshakeMessage> {
    let mut r = Reader(body);
    if tls13 {
        r.vec8()?; // certificate_request_context
    }
    let mut list = r.vec24()?;
    let mut chain = Vec::new();
    while !list.is_empty() {
        let der = list.vec24()?;
        if tls13 {
            list.vec16()?; // per-certificate extensions
        }
        chain.push(summarize(der.0));
    }
    Some(HandshakeMessage::Certificate { chain })
}
